"""Time budgets of the claim-file checks (issue 15: no check may hang on a hostile claim).

Two layers, so that results stay deterministic:

* work units decided before any computation (the size of an expression handed to SymPy, the
  number of GD steps a search may take): the same claim always gets the same answer;
* a wall-clock safety net (``ctx.budget``): a check that runs past it says ``undecided``
  ("budget exhausted (...)"), never supports or refutes because of it.  Risky SymPy work is
  stopped at the deadline: on the main thread by a SIGALRM timer in this process (SymPy is
  Python, so the timer's exception lands between two bytecodes), elsewhere (a cluster worker's
  thread, where no timer can be armed) in a forked child process killed at the deadline.
"""

from __future__ import annotations

import functools
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable

import mpmath
import numpy as np
import sympy as sp
from sympy.core.cache import clear_cache

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


class _Expired(BaseException):
    """The in-process deadline of :func:`under_deadline` (a BaseException, so that no ``except
    Exception`` inside SymPy or a check swallows it); turned into BudgetExhausted below."""


def _timer_available() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _in_process(run: Callable[[CheckContext], Finding], ctx: CheckContext) -> Finding:
    """Run ``run`` here with a SIGALRM deadline at ``ctx.budget`` seconds, nested inside any
    timer already armed (the runner's safety net gets its remaining time back afterwards).

    Why not a child process every time: a fork of a worker that has run a few claims costs
    ~20 ms of CPU and throws away SymPy's cache, which the next symbolic check of the same claim
    would have reused; over a run that is ~20 % of the symbolic checks' time.  Two kinds of
    state a child used to discard are kept as they were: mpmath's working precision and numpy's
    error handling are restored, and after a deadline SymPy's cache is cleared (an expression
    interrupted while deducing an assumption keeps that assumption unknown: never a wrong
    answer, but a cached copy would weaken later proofs).
    """
    def expired(signum, frame):
        raise _Expired

    budget = max(ctx.budget, 0.1)
    start = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expired)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, budget)
    if outer and outer < budget:  # the enclosing timer ends first: keep its deadline
        signal.signal(signal.SIGALRM, previous)
        signal.setitimer(signal.ITIMER_REAL, outer)
    prec, errors = mpmath.mp.prec, np.geterr()
    try:
        return run(ctx)
    except _Expired:
        clear_cache()
        raise BudgetExhausted(f"SymPy still running after the check's {ctx.budget:g} s "
                              "budget") from None
    finally:
        left = outer - (time.monotonic() - start) if outer else 0.0
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:  # the enclosing timer's remaining time (fires at once if it has passed)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6))
        mpmath.mp.prec = prec
        np.seterr(**errors)


def under_deadline(run: Callable[[CheckContext], Finding]) -> Callable[[CheckContext], Finding]:
    """Run a symbolic check function so that it stops at its deadline: in this process under a
    SIGALRM timer on the main thread (:func:`_in_process`), else in a forked child killed at the
    deadline.

    Where neither is available the function runs in-process (the work-unit limits of
    :func:`require_small` still apply).  Exceptions of the child are re-raised here.
    """

    @functools.wraps(run)
    def wrapper(ctx: CheckContext) -> Finding:
        if _timer_available():
            return _in_process(run, ctx)
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
