"""Nar & Sastry, *Step Size Matters in Deep Learning*, NeurIPS 2018: the paper's key and
citation, read from ``nar2018step.toml`` (which holds Examples 1 and 2 as data) for the modules
``nar2018step_linear`` and ``nar2018step_relu``.

Source: ``shared/papers/nar-sastry-2018-step-size-matters.md``.
"""

from __future__ import annotations

from pathlib import Path

from verify.userclaims.paperfile import load_paper_table

PAPER = load_paper_table(Path(__file__).with_suffix(".toml"))
CLAIMS = ()  # Examples 1 and 2 are in the data file
