"""A compiled backend for :func:`numerics.relu.gd`: full-batch GD on two-layer ReLU networks
(Nar & Sastry 2018, Section 4, Theorem 4's ``f_hat(x) = W g(V x - b)``), every step in C.

The numpy engine pays a dozen array calls per step whatever the size of the networks, which
for the small networks of the Theorem 4 checks is most of its cost.  Here each run is iterated
on its own, all its steps in one C loop, with the same operations as the numpy engine (the
gradient with ``g'(0) = 0``, the step, the divergence test, the records of the loss and of
``||theta_k - theta_k-1||``, ``||theta_k - theta_k-2||``).  Every operation is IEEE
(:data:`numerics.compiled.FLAGS`: no fused multiply-add, no fast-math); sums over the data
points are taken in 8 interleaved partial sums (so that the loops vectorise), whereas numpy's
matrix products go through BLAS, which orders (and may fuse) them its own way: the iterates
agree with the numpy engine's to rounding, not bit for bit (tests/test_relu_kernel.py bounds
the difference).  For the small networks of the Theorem 4 checks the kernel removes numpy's
per-call overhead (about 14 times faster); for the Figure 2 experiment (r = 20, N = 1000) it
is about 3 times faster than numpy's BLAS products.  A run whose iterate came back bit for
bit (no step-size drop pending) is at a fixed point of its deterministic update: its later
records are filled in and its loop ends, as the numpy engine's freezing does.  Without a C
compiler :func:`kernel` is None and :func:`numerics.relu.gd` keeps the numpy engine.
"""

from __future__ import annotations

import ctypes
import functools

import numpy as np

from numerics import compiled

_SOURCE = r"""
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* sum_i a[i] c[i] in 8 interleaved partial sums (lane i mod 8), added lane by lane: the loop
   vectorises without reassociating anything; for N <= 8 it is the plain sum in index order */
static double dot8(const double *a, const double *c, long N) {
    if (N <= 8) {  /* the same sum (the lanes hold one term each), without the lanes */
        double s = 0.0;
        for (long i = 0; i < N; i++) s += a[i] * c[i];
        return s;
    }
    double acc[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    long i = 0;
    for (; i + 8 <= N; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += a[i + j] * c[i + j];
    for (int j = 0; i + j < N; j++) acc[j] += a[i + j] * c[i + j];
    double s = acc[0];
    for (int j = 1; j < 8; j++) s += acc[j];
    return s;
}

/* pre = V X^T - b, act = relu(pre) (r x N), e = W act - Y^T (m x N); returns sum of e^2.
   XT is X^T (n x N), YT is Y^T (m x N). */
static double forward(long m, long r, long n, long N, const double *th, const double *XT,
                      const double *YT, const double *bias, double *pre, double *act,
                      double *e) {
    const double *W = th, *V = th + m * r;
    for (long l = 0; l < r; l++) {
        double *pl = pre + l * N, *al = act + l * N;
        for (long i = 0; i < N; i++) pl[i] = V[l * n] * XT[i];
        for (long p = 1; p < n; p++)
            for (long i = 0; i < N; i++) pl[i] += V[l * n + p] * XT[p * N + i];
        for (long i = 0; i < N; i++) {
            const double z = pl[i] - bias[l];
            pl[i] = z;
            al[i] = (z > 0.0 || z != z) ? z : 0.0;  /* np.maximum(z, 0) */
        }
    }
    for (long k = 0; k < m; k++) {
        double *ek = e + k * N;
        for (long i = 0; i < N; i++) ek[i] = W[k * r] * act[i];
        for (long l = 1; l < r; l++)
            for (long i = 0; i < N; i++) ek[i] += W[k * r + l] * act[l * N + i];
        for (long i = 0; i < N; i++) ek[i] -= YT[k * N + i];
    }
    return dot8(e, e, m * N);
}

/* sqrt(sum (W - W2)^2 + sum (V - V2)^2), the two sums apart as in the numpy engine */
static double dist(long mr, long P, const double *a, const double *c) {
    double sw = 0.0, sv = 0.0;
    for (long j = 0; j < mr; j++) sw += (a[j] - c[j]) * (a[j] - c[j]);
    for (long j = mr; j < P; j++) sv += (a[j] - c[j]) * (a[j] - c[j]);
    return sqrt(sw + sv);
}

/* GD on each of B runs; theta (B x P) in: starts, out: final iterates; prev (B x P) out: the
   iterates before; out_l, out_1, out_2 (B x n_rec): loss, d1, d2 at the steps rec; dead (B). */
int relu_gd(long B, long m, long r, long n, long N, const double *XT, const double *YT,
            const double *bias, double scale, const double *deltas, long steps, long drop_k,
            double drop_factor, double bound, const long *rec, long n_rec, double *theta,
            double *prev, double *out_l, double *out_1, double *out_2, unsigned char *dead) {
    const long mr = m * r, P = mr + r * n;
    const double two = 2.0 * scale;
    double *buf = malloc(sizeof(double) * (3 * r * N + 2 * m * N + 4 * P));
    if (!buf) return 1;
    double *pre = buf, *act = pre + r * N, *back = act + r * N, *e = back + r * N;
    double *te = e + m * N, *g = te + m * N, *p1 = g + P, *p2 = p1 + P, *nw = p2 + P;
    for (long b = 0; b < B; b++) {
        double *th = theta + b * P;
        const double *bb = bias + b * r;
        const double *W = th;
        double d = deltas[b];
        int is_dead = 0, have_p2 = 0;
        long j = 0;
        for (long k = 1; k <= steps; k++) {
            if (drop_k > 0 && k == drop_k) d = d / drop_factor;
            if (!is_dead) {
                forward(m, r, n, N, th, XT, YT, bb, pre, act, e);
                for (long q = 0; q < m * N; q++) te[q] = two == 1.0 ? e[q] : two * e[q];
                for (long kk = 0; kk < m; kk++)  /* gW = (two e) act^T */
                    for (long l = 0; l < r; l++) g[kk * r + l] = dot8(te + kk * N, act + l * N, N);
                for (long l = 0; l < r; l++) {  /* back = two ((W^T e) * [pre > 0]) */
                    double *bl = back + l * N;
                    const double *pl = pre + l * N;
                    for (long i = 0; i < N; i++) bl[i] = W[l] * e[i];
                    for (long kk = 1; kk < m; kk++)
                        for (long i = 0; i < N; i++) bl[i] += W[kk * r + l] * e[kk * N + i];
                    for (long i = 0; i < N; i++) {
                        const double v = bl[i] * (pl[i] > 0.0 ? 1.0 : 0.0);
                        bl[i] = two == 1.0 ? v : two * v;
                    }
                }
                for (long l = 0; l < r; l++)  /* gV = (two back) X */
                    for (long p = 0; p < n; p++)
                        g[mr + l * n + p] = dot8(back + l * N, XT + p * N, N);
                int bad = 0;
                for (long q = 0; q < P; q++) {
                    nw[q] = th[q] - g[q] * d;
                    if (!(fabs(nw[q]) < bound)) bad = 1;  /* inf and NaN too */
                }
                if (bad) { memcpy(nw, th, sizeof(double) * P); is_dead = 1; }
            } else {
                memcpy(nw, th, sizeof(double) * P);  /* frozen where it diverged */
            }
            memcpy(p2, p1, sizeof(double) * P);
            memcpy(p1, th, sizeof(double) * P);
            have_p2 = k >= 2;
            memcpy(th, nw, sizeof(double) * P);
            while (j < n_rec && rec[j] == k) {
                out_l[b * n_rec + j] = scale * forward(m, r, n, N, th, XT, YT, bb, pre, act, e);
                out_1[b * n_rec + j] = dist(mr, P, th, p1);
                out_2[b * n_rec + j] = have_p2 ? dist(mr, P, th, p2) : NAN;
                j++;
            }
            if ((drop_k <= 0 || k >= drop_k) && memcmp(th, p1, sizeof(double) * P) == 0) {
                /* a fixed point: every later iterate is these bits, the distances 0 */
                const double l_here = scale * forward(m, r, n, N, th, XT, YT, bb, pre, act, e);
                for (; j < n_rec; j++) {
                    out_l[b * n_rec + j] = l_here;
                    out_1[b * n_rec + j] = 0.0;
                    out_2[b * n_rec + j] = 0.0;
                }
                break;
            }
        }
        memcpy(prev + b * P, p1, sizeof(double) * P);
        dead[b] = (unsigned char)is_dead;
        if (is_dead)
            for (long q = 0; q < n_rec; q++) out_l[b * n_rec + q] = INFINITY;
    }
    free(buf);
    return 0;
}
"""


@functools.cache
def kernel():
    """The compiled ``relu_gd`` (IEEE build), or None without a working C compiler or when
    ``STEPSIZE_VERIFY_BACKEND=numpy``."""
    if compiled.backend_wanted() == "numpy":
        return None
    library = compiled.load(_SOURCE, compiled.FLAGS, prefix="relu_gd")
    if library is None:
        return None
    fn = library.relu_gd
    dptr = np.ctypeslib.ndpointer(dtype=np.float64, flags="C_CONTIGUOUS")
    lptr = np.ctypeslib.ndpointer(dtype=np.int64, flags="C_CONTIGUOUS")
    bptr = np.ctypeslib.ndpointer(dtype=np.uint8, flags="C_CONTIGUOUS")
    c_long, c_double = ctypes.c_long, ctypes.c_double
    fn.argtypes = [c_long, c_long, c_long, c_long, c_long, dptr, dptr, dptr, c_double, dptr,
                   c_long, c_long, c_double, c_double, lptr, c_long, dptr, dptr, dptr, dptr,
                   dptr, bptr]
    fn.restype = ctypes.c_int
    return fn


def gd(theta, bias, X, Y, deltas, steps: int, scale: float, drop, bound: float,
       rec: np.ndarray):
    """Run :data:`_SOURCE`'s ``relu_gd``: (theta, prev, loss, d1, d2, dead) as numpy arrays.

    ``theta`` (B, P) holds the starts (``concat(W.ravel(), V.ravel())`` per run), ``bias``
    (B, r) each run's bias; the rest as in :func:`numerics.relu.gd`.
    """
    fn = kernel()
    B, P = theta.shape
    m, r, n, N = Y.shape[1], bias.shape[1], X.shape[1], X.shape[0]
    f64 = functools.partial(np.ascontiguousarray, dtype=np.float64)
    theta = np.array(theta, dtype=np.float64, order="C")  # a copy: the kernel writes it
    prev = np.empty_like(theta)
    out_l, out_1, out_2 = (np.full((B, rec.size), np.nan) for _ in range(3))
    dead = np.zeros(B, dtype=np.uint8)
    drop_k, factor = (int(drop[0]), float(drop[1])) if drop is not None else (0, 1.0)
    status = fn(B, m, r, n, N, f64(X.T), f64(Y.T), f64(bias), float(scale), f64(deltas),
                int(steps), drop_k, factor, float(bound), np.ascontiguousarray(rec, dtype=np.int64),
                rec.size, theta, prev, out_l, out_1, out_2, dead)
    if status != 0:
        raise MemoryError("relu_gd: could not allocate its buffers")
    return theta, prev, out_l, out_1, out_2, dead.astype(bool)
