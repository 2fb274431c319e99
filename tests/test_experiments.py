"""The one-off experiments sit together in one place (issue 17): ``verify/experiments/<paper>.py``,
one module per registered paper, each public factory a small function whose docstring names the
paper's locator and whose check a claim of that paper runs (no orphaned experiment, no experiment
serving another paper's claims)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

from verify import experiments
from verify.registry import all_claims
from verify.vocabulary import Check

MODULES = sorted(m.name for m in pkgutil.iter_modules(experiments.__path__))
LOCATOR = re.compile(r"\b(Section|Figure|Table|Remark|Theorem|Lemma|Example)\b")


def factories(name: str) -> dict[str, object]:
    module = importlib.import_module(f"verify.experiments.{name}")
    return {n: f for n, f in inspect.getmembers(module, inspect.isfunction)
            if not n.startswith("_") and f.__module__ == module.__name__
            and inspect.signature(f).return_annotation in (Check, "Check")}


def test_there_are_experiment_modules():
    assert MODULES, "verify/experiments holds no module"


@pytest.mark.parametrize("name", MODULES)
def test_each_module_is_a_registered_paper_whose_claims_run_its_factories(name):
    claims = [c for c in all_claims() if c.ref.paper == name]
    assert claims, f"verify/experiments/{name}.py: no registered paper {name!r}"
    used = {check.name for claim in claims for check in claim.checks}
    elsewhere = {check.name for claim in all_claims() if claim.ref.paper != name
                 for check in claim.checks}
    found = factories(name)
    assert found, f"verify/experiments/{name}.py holds no check factory"
    for fname, factory in found.items():
        check = factory()  # every factory has defaults: the paper's own run
        assert check.name in used, f"{fname}: no claim of {name} runs it"
        assert check.name not in elsewhere, f"{fname}: runs for another paper's claim"
        assert LOCATOR.search(inspect.getdoc(factory) or ""), \
            f"{fname}: its docstring names no locator of the paper"
