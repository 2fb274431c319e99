"""Verification suite for step-size theorems in deep-learning theory."""

__version__ = "0.1.0"

from verify.memtune import keep_freed_memory as _keep_freed_memory

_keep_freed_memory()  # in every process that imports the suite: workers and tests too
