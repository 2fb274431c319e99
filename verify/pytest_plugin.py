"""pytest plugin: claim files collected as tests, one test per claim.

Installed with the package (entry point ``pytest11``, name ``stepsize-verify``; without the
entry point, ``pytest -p verify.pytest_plugin``).  pytest collects every file matching the ini
option ``verify_claim_files`` (glob patterns matched from the right of the path, default
``claims_*.toml``) and checks each of its claims as :func:`verify.api.check` does.  A claim passes when it is confirmed; any other
status fails with the claim's evidence (for a refutation the falsifying example, observed vs
claimed, the margin and the replay line), as :func:`verify.api.assert_claim` does.  A file that
cannot be used at all (TOML syntax, no ``[[claim]]`` table) is a collection error with the
file's one-line message; a bad claim table fails its own test and the others still run.

Options: ``--verify-quick`` (smaller search budgets), ``--verify-seed N`` (default 0).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

DEFAULT_PATTERN = "claims_*.toml"
DPS = 50  # mpmath digits, as the command line's default


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stepsize-verify", "claim files checked by stepsize-verify")
    group.addoption("--verify-quick", action="store_true", default=False,
                    help="check claim files with the smaller (quick) search budgets")
    group.addoption("--verify-seed", type=int, default=0, metavar="N",
                    help="run seed for claim-file checks (default 0)")
    parser.addini("verify_claim_files", type="args", default=[DEFAULT_PATTERN],
                  help=f"glob patterns of claim files to collect (default {DEFAULT_PATTERN})")


def pytest_collect_file(file_path, parent: pytest.Collector):
    patterns = parent.config.getini("verify_claim_files")
    # Path.match compares from the right: "claims_*.toml" tests the name, "review/*.toml" the
    # folder too.
    if any(file_path.match(p) for p in patterns):
        return _classes()[0].from_parent(parent, path=file_path)
    return None


class ClaimNotConfirmed(AssertionError):
    """A claim that is not confirmed; the message is its evidence."""


@functools.cache
def _classes() -> tuple[type, type]:
    """(ClaimFile, ClaimItem), made on the first claim file pytest collects.

    pytest is imported here, not with the module: every process of a run imports the whole
    suite (:func:`verify.parallel.load_suite`), and pytest would add ~0.13 s to the start of
    each run, before its first claim."""
    import pytest

    class ClaimFile(pytest.File):
        """A claim file: one :class:`ClaimItem` per ``[[claim]]`` table."""

        def collect(self):
            from verify.userclaims.build import claims_from_file
            from verify.userclaims.spec import ClaimFileError

            try:
                claims = claims_from_file(self.path)
            except ClaimFileError as exc:  # shown as its message alone, without a traceback
                raise self.CollectError(str(exc)) from None
            for claim in claims:
                yield ClaimItem.from_parent(self, name=claim.id, claim=claim)

    class ClaimItem(pytest.Item):
        def __init__(self, *, claim, **kwargs):
            super().__init__(**kwargs)
            self.claim = claim

        def runtest(self) -> None:
            from verify.explain import explain
            from verify.runner import run_claim
            from verify.vocabulary import Status

            opt = self.config.getoption
            result = run_claim(self.claim, opt("verify_seed"), opt("verify_quick"), DPS)
            if result.status is not Status.CONFIRMED:
                raise ClaimNotConfirmed(explain(result))

        def repr_failure(self, excinfo, style=None):
            if isinstance(excinfo.value, ClaimNotConfirmed):
                return str(excinfo.value)
            return super().repr_failure(excinfo, style)

        def reportinfo(self):
            return self.path, None, f"claim {self.name}"

    return ClaimFile, ClaimItem
