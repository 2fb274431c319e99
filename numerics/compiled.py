"""An optional compiled backend for batched scalar GD: C generated from the SymPy map, built
with the system's C compiler and loaded with ctypes.

Runs are iterated a cache-sized block at a time, the block's runs side by side so the compiler
vectorises across them: the cost is the map's arithmetic, with no temporaries and no memory
traffic beyond L1.  A large batch is shared out over every core (threads, each iterating whole
blocks in C).  Where no
compiler exists, or the build fails, :func:`build` returns None and callers keep the numpy
engine.  No fast-math: every operation is IEEE.  The IEEE build (``-ffp-contract=off``) rounds
as the expression is written, as numpy does; the FMA build (:data:`FMA_FLAGS`, the suite's
default, see :func:`fma_wanted`) fuses ``a*b + c`` into one rounding, so its iterates agree
with numpy's to rounding, not bit for bit.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from numerics import accel

_KERNEL = r"""
#include <math.h>
#define BLOCK 512  /* runs side by side: 4 KiB, in L1 (BLOCK in Python must match) */
static inline double gd_map(double x, double delta) { return %(expr)s; }

/* Runs are independent, so the inner loop goes across a block of runs (vectorised, latency
   hidden) and the outer loop over steps; the block stays in L1.  The work is cut into units
   (one step size, one block of starts); this call does units [u0, u1), so threads given
   disjoint ranges write disjoint parts of the tail and the result does not depend on how the
   units are shared out.  Every step of a unit runs here, without returning to Python. */
void iterate_tail(const double *starts, long n, const double *deltas, long steps,
                  long n_tail, double bound, double *tail, long u0, long u1) {
    double buf[BLOCK];
    const long blocks = (n + BLOCK - 1) / BLOCK;
    for (long u = u0; u < u1; u++) {
        const long i = u / blocks, j0 = (u %% blocks) * BLOCK;
        const double delta = deltas[i];
        const long b = (n - j0 < BLOCK) ? n - j0 : BLOCK;
        for (long j = 0; j < b; j++) buf[j] = starts[j0 + j];
        for (long k = 0; k < steps; k++) {
            if ((k & 7) != 7)
                for (long j = 0; j < b; j++) buf[j] = gd_map(buf[j], delta);
            else  /* the divergence check fused into every eighth step (inf and NaN too) */
                for (long j = 0; j < b; j++) {
                    const double x = gd_map(buf[j], delta);
                    buf[j] = (fabs(x) <= bound) ? x : NAN;
                }
        }
        for (long j = 0; j < b; j++)
            if (!(fabs(buf[j]) <= bound)) buf[j] = NAN;
        for (long t = 0; t < n_tail; t++)
            for (long j = 0; j < b; j++) {
                double x = gd_map(buf[j], delta);
                if (!(fabs(x) <= bound)) x = NAN;
                buf[j] = x;
                tail[(i * n + j0 + j) * n_tail + t] = x;
            }
    }
}
"""

BLOCK = 512  # as in _KERNEL
MIN_WORK_PER_THREAD = 1 << 21  # map evaluations (about a millisecond) worth a thread
THREADS_ENV = "STEPSIZE_VERIFY_THREADS"


def default_threads() -> int:
    """Threads for one batch: ``$STEPSIZE_VERIFY_THREADS``, else every core this process may
    use.  (Worker processes of the parallel runner set it to 1: the pool already fills the
    cores.)"""
    value = os.environ.get(THREADS_ENV, "").strip()
    if value.isdigit() and int(value) >= 1:
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on this platform
        return os.cpu_count() or 1


# -fno-math-errno lets sqrt vectorise; it changes no result.
FLAGS = ["-O3", "-march=native", "-ffp-contract=off", "-fno-math-errno", "-shared", "-fPIC"]
# The fused multiply-add build (the default, see fma_wanted): each a*b + c rounded once, and
# 512-bit vectors where the processor has them (no effect elsewhere).
FMA_FLAGS = [f for f in FLAGS if f != "-ffp-contract=off"] + [
    "-ffp-contract=fast", "-mprefer-vector-width=512"]
FMA_ENV = "STEPSIZE_VERIFY_FMA"


def compiler() -> str | None:
    """The C compiler to use (``$CC``, else cc/gcc/clang on the PATH), or None."""
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(root) / "stepsize-verify" / "kernels"
    try:
        path.mkdir(parents=True, exist_ok=True)
        return path
    except OSError:
        return Path(tempfile.mkdtemp(prefix="stepsize-verify-"))


class CompiledScalarMap:
    """A compiled GD map g(x, delta): ``iterate_tail`` runs whole batches in C."""

    def __init__(self, library: ctypes.CDLL, source: str):
        self.source = source
        fn = library.iterate_tail
        dptr = np.ctypeslib.ndpointer(dtype=np.float64, flags="C_CONTIGUOUS")
        fn.argtypes = [dptr, ctypes.c_long, dptr, ctypes.c_long, ctypes.c_long, ctypes.c_double,
                       dptr, ctypes.c_long, ctypes.c_long]
        fn.restype = None
        self._fn = fn

    def iterate_tail(self, starts: np.ndarray, deltas: np.ndarray, steps: int, n_tail: int,
                     bound: float, threads: int | None = None) -> np.ndarray:
        """Same contract as :func:`numerics.gd.iterate_scalar`: the (m, n, n_tail) tail.

        Large batches are shared out over ``threads`` threads (default :func:`threads`), each
        running a contiguous range of units in C (ctypes releases the GIL during the call);
        the result is the same for every thread count.
        """
        starts = np.ascontiguousarray(starts, dtype=np.float64)
        deltas = np.ascontiguousarray(deltas, dtype=np.float64)
        tail = np.empty((deltas.size, starts.size, n_tail))
        units = deltas.size * -(-starts.size // BLOCK)
        work = deltas.size * starts.size * (int(steps) + int(n_tail))
        parts = min(threads or default_threads(), units, max(1, work // MIN_WORK_PER_THREAD))
        args = (starts, starts.size, deltas, int(steps), int(n_tail), float(bound), tail)
        if parts <= 1:
            self._fn(*args, 0, units)
            return tail
        cuts = [units * p // parts for p in range(parts + 1)]
        with ThreadPoolExecutor(parts) as pool:
            for done in [pool.submit(self._fn, *args, a, b) for a, b in zip(cuts, cuts[1:])]:
                done.result()
        return tail


def build(c_expression: str, fma: bool = False) -> CompiledScalarMap | None:
    """Compile the map whose C expression (in ``x`` and ``delta``) is given; None on failure.

    ``fma``: build with :data:`FMA_FLAGS` (``a*b + c`` contracted into fused multiply-adds:
    iterates differ from the IEEE expression order's in the last bits); else :data:`FLAGS`.
    Built libraries are cached by the hash of their source and flags.
    """
    source = _KERNEL % {"expr": c_expression}
    library = load(source, FMA_FLAGS if fma else FLAGS)
    return None if library is None else CompiledScalarMap(library, source)


def load(source: str, flags: list[str], prefix: str = "gd") -> ctypes.CDLL | None:
    """The shared library built from the C ``source`` with ``flags`` (cached by the hash of
    source, flags and compiler), or None when there is no compiler or the build fails."""
    cc = compiler()
    if cc is None:
        return None
    key = hashlib.sha256((source + " ".join(flags) + cc).encode()).hexdigest()[:20]
    directory = _cache_dir()
    library = directory / f"{prefix}_{key}.so"
    if not library.exists():
        src = directory / f"{prefix}_{key}.c"
        src.write_text(source)
        partial = directory / f"{prefix}_{key}.{os.getpid()}.so"
        try:
            subprocess.run([cc, *flags, "-o", str(partial), str(src), "-lm"], check=True,
                           capture_output=True, timeout=60)
            os.replace(partial, library)  # atomic: concurrent builds never see half a file
        except (OSError, subprocess.SubprocessError):
            return None
    try:
        return ctypes.CDLL(str(library))
    except OSError:
        return None


class ScalarMap:
    """A GD map usable everywhere a numpy ufunc-style map is: calling it evaluates with numpy;
    batches run through ``iterate_tail`` on the fastest engine there is.

    Engines, fastest first: a torch map on a GPU (:mod:`numerics.accel`) for batches of at
    least ``accel.GPU_MIN_RUNS`` runs, the compiled C kernel, else (no ``iterate_tail``
    attribute) :func:`numerics.gd.iterate_scalar`'s numpy loop.
    """

    def __init__(self, vectorised, kernel: CompiledScalarMap | None, gpu=None):
        self._vectorised = vectorised
        self.kernel = kernel
        self.gpu = gpu  # a numerics.accel.TorchScalarMap, or None
        if kernel is not None or gpu is not None:
            self.iterate_tail = self._iterate_tail

    def __call__(self, x, delta):
        return self._vectorised(x, delta)

    def engine(self, runs: int) -> str:
        """The engine a batch of ``runs`` (start, step size) pairs goes to."""
        if self.gpu is not None and (runs >= accel.GPU_MIN_RUNS or self.kernel is None):
            return "torch-" + self.gpu.device
        return "c" if self.kernel is not None else "numpy"

    def _iterate_tail(self, starts: np.ndarray, deltas: np.ndarray, steps: int, n_tail: int,
                      bound: float) -> np.ndarray:
        if self.engine(starts.size * deltas.size).startswith("torch"):
            return self.gpu.iterate_tail(starts, deltas, steps, n_tail, bound)
        return self.kernel.iterate_tail(starts, deltas, steps, n_tail, bound)


def fma_wanted() -> bool:
    """Whether the suite's kernels are the FMA build (polynomial gradients in Horner form,
    ``a*b + c`` fused): yes unless ``STEPSIZE_VERIFY_FMA=0``.

    The default because it changes no result of the suite: ``verify run --quick`` gives every
    claim the same status and strength, and every check the same outcome and numbers, with it
    as without it, and the engine's iterates stay within the tolerances its tests state
    against numpy's (tests/test_compiled.py).  Its iterates differ from the IEEE build's (and
    numpy's) in the last bits; ``STEPSIZE_VERIFY_FMA=0`` gives the IEEE build, which rounds
    as the expression is written, as numpy does.
    """
    return os.environ.get(FMA_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def backend_wanted() -> str:
    """``STEPSIZE_VERIFY_BACKEND``: "auto" (default: a GPU through torch when there is one, the
    compiled kernel when a compiler works, else numpy), "c", "torch" or "numpy"."""
    return os.environ.get("STEPSIZE_VERIFY_BACKEND", "auto").strip().lower()
