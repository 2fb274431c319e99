"""Time budgets of the claim-file checks (issue 15: no check may hang on a hostile claim).

Two layers, so that results stay deterministic:

* work units decided before any computation (the size of an expression handed to SymPy, the
  number of GD steps a search may take): the same claim always gets the same answer;
* a wall-clock safety net (``ctx.budget``): a check that runs past it says ``undecided``
  ("budget exhausted (...)"), never supports or refutes because of it.  Risky SymPy work runs
  in a forked child process that is killed at the deadline (SymPy cannot be interrupted).
"""

from __future__ import annotations

import functools
import multiprocessing
import time
from collections.abc import Callable

import sympy as sp

from verify.vocabulary import BudgetExhausted, CheckContext, Finding, Outcome

# Work units: an expression larger than this is not handed to simplify/factor at all.
MAX_SYMPY_OPS = 400
MAX_SYMPY_POWER = 64  # |integer exponent| of a non-numeric base (e.g. (a+1)**100000 expands)




class Deadline:
    """The wall-clock end of one check (``ctx.budget`` seconds from its start)."""

    def __init__(self, ctx: CheckContext):
        self.seconds = ctx.budget
        self.end = time.monotonic() + self.seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def check(self, where: str) -> None:
        """Raise :class:`BudgetExhausted` when the deadline has passed."""
        if self.left() <= 0:
            raise BudgetExhausted(f"{where}: past the check's {self.seconds:g} s budget")


def budgeted(run: Callable[[CheckContext], Finding]) -> Callable[[CheckContext], Finding]:
    """A check function whose :class:`BudgetExhausted` becomes an ``undecided`` finding."""

    @functools.wraps(run)
    def wrapper(ctx: CheckContext) -> Finding:
        try:
            return run(ctx)
        except BudgetExhausted as exc:
            return Finding(Outcome.UNDECIDED, f"budget exhausted ({exc})")

    return wrapper


def sympy_size_problem(expr: sp.Basic) -> str | None:
    """Why ``expr`` is too large to hand to SymPy's simplify (None: small enough)."""
    ops = sp.count_ops(expr)
    if ops > MAX_SYMPY_OPS:
        return f"{ops} operations > {MAX_SYMPY_OPS}"
    for p in expr.atoms(sp.Pow):
        base, exp = p.args
        if exp.is_Rational and not base.is_number and abs(exp.p) > MAX_SYMPY_POWER:
            return f"the power {p} (exponent numerator > {MAX_SYMPY_POWER})"
    return None


def require_small(*exprs: sp.Basic) -> None:
    """Raise :class:`BudgetExhausted` (work units) when an expression is too large for SymPy."""
    for e in exprs:
        problem = sympy_size_problem(sp.sympify(e))
        if problem:
            raise BudgetExhausted(f"expression too large for the symbolic tier: {problem}")


def _child(conn, fn, ctx) -> None:  # pragma: no cover - runs in the forked child
    try:
        conn.send(("ok", fn(ctx)))
    except BaseException as exc:  # noqa: BLE001 - sent back and re-raised by the parent
        try:
            conn.send(("raise", exc))
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            conn.send(("raise", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def in_child(run: Callable[[CheckContext], Finding]) -> Callable[[CheckContext], Finding]:
    """Run a symbolic check function in a forked child killed at the deadline.

    Where ``fork`` is unavailable the function runs in-process (the work-unit limits of
    :func:`require_small` still apply).  Exceptions of the child are re-raised here.
    """

    @functools.wraps(run)
    def wrapper(ctx: CheckContext) -> Finding:
        try:
            mp = multiprocessing.get_context("fork")
        except ValueError:
            return run(ctx)
        parent, child = mp.Pipe(duplex=False)
        proc = mp.Process(target=_child, args=(child, run, ctx), daemon=True)
        proc.start()
        child.close()
        try:
            if not parent.poll(max(ctx.budget, 0.1)):
                raise BudgetExhausted(f"SymPy still running after the check's {ctx.budget:g} s "
                                      "budget")
            try:
                status, value = parent.recv()
            except EOFError:
                raise RuntimeError("the symbolic child process died without an answer "
                                   f"(exit code {proc.exitcode})") from None
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join()
            parent.close()
        if status == "raise":
            raise value
        return value

    return wrapper
