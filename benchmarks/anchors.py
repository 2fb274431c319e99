"""Fair anchors for the batched scalar GD engine: the same map, iterated over the same batch,
by hand-written C, numba and JAX (see ``scalar.py`` for what each one is and why it is fair).

Each builder returns ``run(starts, deltas, iterations) -> (m, n) final iterates`` (NaN where a
run left the divergence bound), or None with the reason in ``SKIPPED`` when it cannot be built
on this machine.
"""

from __future__ import annotations

import ctypes
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import sympy as sp

from numerics import compiled
from proofs.compile import horner_map, to_c

SKIPPED: dict[str, str] = {}

# The batch, one step size at a time: every run takes step k before any takes step k + 1, so
# the inner loop is across independent runs (vectorised).  The whole row stays in L2.
_C_BATCH = r"""
#include <math.h>
static inline double gd_map(double x, double delta) { return %(expr)s; }
void batch_loop(const double *starts, long n, const double *deltas, long m, long steps,
                double bound, double *out) {
    for (long i = 0; i < m; i++) {
        double *x = out + i * n;
        const double delta = deltas[i];
        for (long j = 0; j < n; j++) x[j] = starts[j];
        for (long k = 0; k < steps; k++)
            for (long j = 0; j < n; j++) x[j] = gd_map(x[j], delta);
        for (long j = 0; j < n; j++) if (!(fabs(x[j]) <= bound)) x[j] = NAN;
    }
}
"""

# Per run, all its steps, then the next run: each step waits for the one before (latency).
_C_LATENCY = r"""
#include <math.h>
static inline double gd_map(double x, double delta) { return %(expr)s; }
void batch_loop(const double *starts, long n, const double *deltas, long m, long steps,
                double bound, double *out) {
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) {
            double x = starts[j];
            for (long k = 0; k < steps; k++) x = gd_map(x, deltas[i]);
            out[i * n + j] = (fabs(x) <= bound) ? x : NAN;
        }
}
"""

def _c_library(template: str, expr: str, flags: list[str], name: str):
    cc = compiled.compiler()
    if cc is None:
        SKIPPED[name] = "no C compiler"
        return None
    tmp = Path(tempfile.mkdtemp(prefix="bench_anchor_"))
    (tmp / "loop.c").write_text(template % {"expr": expr})
    try:
        subprocess.run([cc, *flags, "-o", str(tmp / "loop.so"), str(tmp / "loop.c"), "-lm"],
                       check=True, capture_output=True, timeout=60)
        fn = ctypes.CDLL(str(tmp / "loop.so")).batch_loop
    except (OSError, subprocess.SubprocessError) as exc:
        SKIPPED[name] = f"build failed ({type(exc).__name__})"
        return None
    dptr = np.ctypeslib.ndpointer(dtype=np.float64, flags="C_CONTIGUOUS")
    fn.argtypes = [dptr, ctypes.c_long, dptr, ctypes.c_long, ctypes.c_long, ctypes.c_double,
                   dptr]
    fn.restype = None

    def run(starts: np.ndarray, deltas: np.ndarray, iterations: int, bound: float):
        out = np.empty((deltas.size, starts.size))
        fn(np.ascontiguousarray(starts), starts.size, np.ascontiguousarray(deltas), deltas.size,
           iterations, bound, out)
        return out

    return run


def c_batch(gd):
    """Hand C over the batch, the suite's C expression, the suite's flags."""
    source = to_c(gd.gd_map, gd.x, gd.step)
    return _c_library(_C_BATCH, source, compiled.FLAGS, "C batch") if source else None


def c_fma(gd):
    """Hand C over the batch, Horner form, FMA contraction and 512-bit vectors."""
    source = to_c(horner_map(gd.gd_map, gd.x, gd.step), gd.x, gd.step)
    return _c_library(_C_BATCH, source, compiled.FMA_FLAGS, "C fma") if source else None


def c_latency(gd):
    """The naive per-run loop (reference only: latency-bound)."""
    source = to_c(gd.gd_map, gd.x, gd.step)
    return _c_library(_C_LATENCY, source, compiled.FLAGS, "C latency") if source else None


def _numba_block(gd, name: str):
    """(numba, ``block(x, x0, delta, steps, bound)``): runs ``x0`` of one step size iterated
    step-major into ``x`` (NaN past ``bound``), njit-compiled, IEEE (no fastmath)."""
    try:
        import numba
    except ImportError:
        SKIPPED[name] = "numba not installed (pip install '.[bench]')"
        return None, None
    g = numba.njit(sp.lambdify([gd.x, gd.step], gd.gd_map, modules="math", cse=True))

    @numba.njit
    def block(x, x0, d, steps, bound):
        x[:] = x0
        for _ in range(steps):
            for j in range(x.size):
                x[j] = g(x[j], d)
        for j in range(x.size):
            if not abs(x[j]) <= bound:
                x[j] = np.nan

    return numba, block


def numba_batch(gd):
    """numba.njit over the batch, step-major like ``C batch``; IEEE (no fastmath); one thread."""
    numba, block = _numba_block(gd, "numba")
    if numba is None:
        return None

    @numba.njit
    def loop(starts, deltas, steps, bound, out):
        for i in range(deltas.size):
            block(out[i], starts, deltas[i], steps, bound)

    return _warmed(loop)


def numba_parallel(gd):
    """numba.njit(parallel=True): ``prange`` over (step size, block of 512 starts) units, each
    block step-major as in ``C batch`` (the engine's own split); IEEE; every core."""
    numba, block = _numba_block(gd, "numba parallel")
    if numba is None:
        return None

    @numba.njit(parallel=True)
    def loop(starts, deltas, steps, bound, out):
        n = starts.size
        blocks = (n + 511) // 512
        for u in numba.prange(deltas.size * blocks):
            i, j0 = u // blocks, (u % blocks) * 512
            j1 = min(n, j0 + 512)
            block(out[i, j0:j1], starts[j0:j1], deltas[i], steps, bound)

    return _warmed(loop)


def _warmed(loop):
    def run(starts, deltas, iterations, bound):
        out = np.empty((deltas.size, starts.size))
        loop(starts, deltas, iterations, bound, out)
        return out

    run(np.zeros(8), np.full(1, 0.01), 2, 1e100)  # compile outside the timings
    return run


def jax_vmap(gd):
    """jax.jit(vmap over step sizes (vmap over starts (fori_loop of the map))) in float64, on
    the threads XLA chooses.  Rounding: XLA's CPU compiler contracts ``a*b + c`` into a fused
    multiply-add (measured by :func:`jax_fuses`), so it rounds as ``C fma`` does, not as the
    engine."""
    try:
        import jax
    except ImportError:
        SKIPPED["jax"] = "jax not installed (pip install '.[bench]')"
        return None
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    g = sp.lambdify([gd.x, gd.step], gd.gd_map, modules="jax")
    compiled_for: dict[int, object] = {}

    def build(iterations: int):
        def one(x0, d):
            return jax.lax.fori_loop(0, iterations, lambda _, x: g(x, d), x0)

        return jax.jit(jax.vmap(jax.vmap(one, (0, None)), (None, 0)))

    def run(starts, deltas, iterations, bound):
        if iterations not in compiled_for:
            compiled_for[iterations] = build(iterations)
        out = compiled_for[iterations](jnp.asarray(starts), jnp.asarray(deltas))
        out = np.asarray(out.block_until_ready())
        return np.where(np.abs(out) <= bound, out, np.nan)

    return run


def jax_fuses() -> bool | None:
    """Whether jitted JAX rounds ``a*b + c`` once (fused) on this machine; None without jax.
    ``(1 + 2^-30)(1 - 2^-30) - 1`` is ``-2^-60`` exactly, and 0 when the product is rounded."""
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    a, b = np.float64(1 + 2.0**-30), np.float64(1 - 2.0**-30)
    return float(jax.jit(lambda a, b, c: a * b + c)(a, b, np.float64(-1.0))) != 0.0


# JAX on one core: a fresh process (XLA's thread pools are sized when it starts) pinned to one
# CPU, with XLA's intra-op parallelism off.
ONE_THREAD_XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def jax_one_thread(case_index: int):
    """The ``jax`` anchor of ``scalar.CASES[case_index]`` in a subprocess pinned to one CPU;
    None (reason in ``SKIPPED``) without jax or without CPU affinity."""
    import importlib.util
    import json
    import os
    import sys

    if importlib.util.find_spec("jax") is None:
        SKIPPED["jax 1 thread"] = "jax not installed (pip install '.[bench]')"
        return None
    if not hasattr(os, "sched_setaffinity"):
        SKIPPED["jax 1 thread"] = "no CPU affinity on this platform"
        return None
    root = Path(__file__).resolve().parents[1]

    def run(starts, deltas, iterations, bound, repeat=1):
        with tempfile.TemporaryDirectory() as tmp:
            np.save(Path(tmp, "starts.npy"), starts)
            np.save(Path(tmp, "deltas.npy"), deltas)
            env = {**os.environ, "XLA_FLAGS": ONE_THREAD_XLA_FLAGS,
                   "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
            proc = subprocess.run([sys.executable, "-m", "benchmarks.anchors", str(case_index),
                                   tmp, str(iterations), str(int(repeat)), repr(bound)],
                                  cwd=root, env=env, capture_output=True, text=True,
                                  timeout=600)
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr.strip().splitlines()[-1])
            seconds = json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]
            return seconds, np.load(Path(tmp, "out.npy"))

    return run


def _one_thread_main(argv: list[str]) -> None:
    """In the subprocess of :func:`jax_one_thread`: pin, build, time (best of), save."""
    import json
    import os
    import time

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from benchmarks.common import best_of
    from benchmarks.scalar import CASES
    from verify.checks.common import scalar_gd

    case, folder, iterations, repeat, bound = (int(argv[0]), Path(argv[1]), int(argv[2]),
                                               int(argv[3]), float(argv[4]))
    loop = jax_vmap(scalar_gd(CASES[case].problem))
    starts, deltas = np.load(folder / "starts.npy"), np.load(folder / "deltas.npy")
    loop(starts, deltas, iterations, bound)  # compile outside the timings
    # CPU time of this process (pinned to one CPU): other processes' share of it not counted
    seconds, out = best_of(repeat, lambda: loop(starts, deltas, iterations, bound),
                           time.process_time)
    np.save(folder / "out.npy", out)
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    import sys

    _one_thread_main(sys.argv[1:])
