"""Verification suite for step-size theorems in deep-learning theory."""

__version__ = "0.1.0"
