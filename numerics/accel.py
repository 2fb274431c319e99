"""An optional torch backend for the batched engines, used when a CUDA GPU is present.

Never required: without torch (or without a GPU) every function here reports that it is not
available and callers keep the CPU engines (:mod:`numerics.compiled`, numpy).  Runs are
float64 on the device and follow the same contracts as the CPU engines:

* :class:`TorchScalarMap.iterate_tail` is :func:`numerics.gd.iterate_scalar`'s batch (runs
  leaving ``[-bound, bound]`` become NaN and stay NaN);
* :func:`deeplinear_gd` is :func:`numerics.deeplinear.gd` (a run whose weights leave the bound
  or whose loss stops being finite is frozen as NaN).

Each elementwise operation is its own kernel, so no fused multiply-add changes the rounding
of the expression order; results agree with the CPU engines to rounding.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np

from numerics import deeplinear

# Below this many runs (start x step size pairs) a GPU's kernel-launch latency costs more
# than the arithmetic, and the CPU engines are faster.
GPU_MIN_RUNS = 1 << 16


def torch_module():
    """The ``torch`` module, or None when it is not installed (it is optional)."""
    try:
        import torch  # noqa: PLC0415 - optional dependency, imported only when asked for
    except ImportError:
        return None
    return torch


def gpu_device() -> str | None:
    """``"cuda"`` when torch sees a CUDA GPU and ``STEPSIZE_VERIFY_BACKEND`` allows it."""
    if os.environ.get("STEPSIZE_VERIFY_BACKEND", "auto").strip().lower() not in ("auto", "torch"):
        return None
    torch = torch_module()
    if torch is None or not torch.cuda.is_available():
        return None
    return "cuda"


class TorchScalarMap:
    """A scalar GD map g(x, delta) written with torch operations, iterated on a device."""

    def __init__(self, fn: Callable, device: str):
        self.fn = fn
        self.device = device

    def iterate_tail(self, starts: np.ndarray, deltas: np.ndarray, steps: int, n_tail: int,
                     bound: float) -> np.ndarray:
        """Same contract as :func:`numerics.gd.iterate_scalar`: the (m, n, n_tail) tail."""
        torch = torch_module()
        dev = torch.device(self.device)
        x = torch.as_tensor(np.asarray(starts, dtype=np.float64), device=dev)
        d = torch.as_tensor(np.asarray(deltas, dtype=np.float64), device=dev)[:, None]
        x = x.expand(d.shape[0], x.shape[0]).clone()
        nan = torch.tensor(float("nan"), dtype=torch.float64, device=dev)
        tail = torch.empty(x.shape + (n_tail,), dtype=torch.float64, device=dev)
        with torch.no_grad():
            for k in range(steps):
                x = self.fn(x, d)
                if k % 8 == 7:  # as the C kernel: clamp escaped runs every 8 steps
                    x = torch.where(x.abs() <= bound, x, nan)
            x = torch.where(x.abs() <= bound, x, nan)
            for t in range(n_tail):
                x = self.fn(x, d)
                x = torch.where(x.abs() <= bound, x, nan)
                tail[..., t] = x
        return tail.cpu().numpy()


def deeplinear_gd(ws: Sequence[np.ndarray], R: np.ndarray, delta: float | np.ndarray,
                  steps: int, bound: float = 1e100, device: str | None = None
                  ) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`numerics.deeplinear.gd` on a torch device (default: the GPU).

    The gradient is :func:`numerics.deeplinear.gradient_and_error` itself (it is written with
    ``@`` and ``swapaxes`` only, so it runs on torch tensors unchanged).
    """
    torch = torch_module()
    if torch is None:
        raise RuntimeError("torch is not installed: use numerics.deeplinear.gd")
    dev = torch.device(device or gpu_device() or "cpu")
    d = deeplinear.gd_step_sizes(ws, delta, steps)
    B = d.size

    def put(a):
        return torch.tensor(np.array(a, dtype=np.float64), device=dev)  # a copy: writable

    cur = [put(w).clone() for w in ws]
    target = put(R)
    d3 = put(d)[:, None, None]
    history = torch.empty((steps + 1, B), dtype=torch.float64, device=dev)
    alive = torch.ones(B, dtype=torch.bool, device=dev)
    with torch.no_grad():
        for k in range(steps + 1):
            if k < steps:
                grads, e = deeplinear.gradient_and_error(cur, target)
            else:
                e = deeplinear.product(cur) - target
            lk = 0.5 * (e * e).sum(dim=(1, 2))
            ok = torch.isfinite(lk)
            for w in cur:
                ok &= w.abs().amax(dim=(1, 2)) <= bound  # False for NaN too
            dead = alive & ~ok
            alive &= ok
            for w in cur:
                w[dead] = float("nan")
            history[k] = torch.where(alive, lk, torch.full_like(lk, float("nan")))
            if k < steps:
                for w, g in zip(cur, grads):
                    w -= d3 * g
    return [w.cpu().numpy() for w in cur], history.cpu().numpy()
