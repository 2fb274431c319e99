"""Starts near a point: ``near = { sigma = "...", until = [...] }`` on a rate sweep.

Wu, Wang & Ma (2019), the Remark after Lemma 4.6: Theorem 4.3 "under 'near-ZAS' initialization
with perturbation: W_l(0) ~ N(I, sigma^2), l = 1, ..., L-1 and W_L(0) ~ N(0, sigma^2), where
sigma is sufficiently small such that the approximate invariances condition (4.6) holds at the
initialization".  Each run of the sweep starts at the claimed start (a chain model's ``init``)
plus s G, G a standard Gaussian in every coordinate drawn from (seed, run) alone, s = sigma
halved until every ``until`` relation holds at that start (sigma an expression of the states
vocabulary below, evaluated at the claimed start) (at most :data:`HALVINGS` times; a run
whose start never meets them is dropped, and the evidence counts it).  The relations are
written in the states vocabulary (:mod:`verify.userclaims.state_values`: ``L``, ``d``, ``Phi``,
``loss``, ``W(l)``, ``D(l)``, ``norm2``, ``maxover``, ...), evaluated in float64 while drawing
and again at the replay's digits before a violation refutes (a start that fails them there is
no counterexample).  The replay line names the run (``--at p1=...,run=3``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import mpmath
import numpy as np

from verify.userclaims.state_values import BASE_NAMES, State, StatesError, _Eval, compile_expression
from verify.userclaims.states import _holds, _relation

HALVINGS = 60
MAX_UNTIL = 8
FAMILIES = ("deep_linear", "linear_resnet")


def read(value: Any, model: Mapping | None) -> tuple[str, tuple[str, ...]]:
    """``(sigma, until)`` checked: sigma an expression, until 0..8 relations.

    Raises:
        StatesError: naming ``near``.
    """
    if not isinstance(value, Mapping) or set(value) - {"sigma", "until"} or "sigma" not in value:
        raise StatesError("near", "must be a table { sigma = \"1\", until = [\"...\"] } (the "
                                  "perturbation's first size, the relations its start meets)")
    if ((model or {}).get("family") not in FAMILIES or "init" not in model
            or model.get("width") is None):
        raise StatesError("near", "perturbs the start of a chain model of square layers "
                                  "(family deep_linear or linear_resnet with init)")
    compile_expression(value["sigma"], "near", BASE_NAMES)  # its value is checked per run
    until = value.get("until", [])
    if not isinstance(until, list) or len(until) > MAX_UNTIL:
        raise StatesError("near", f"until must be a list of at most {MAX_UNTIL} relations")
    for i, text in enumerate(until, 1):
        _relation(text, "near", f"until entry {i}", BASE_NAMES)
    return value["sigma"], tuple(until)


def _state(model, x, R, exact: bool = False) -> State:
    """The chain at coordinates ``x`` with target R (float64, or mpf object arrays)."""
    d, offset = model.spec.model["width"], model.family.layer_offset
    eye = np.eye(d, dtype=object if exact else float)
    if exact:
        eye = np.vectorize(mpmath.mpf, otypes=[object])(eye)
    blocks = np.asarray(x, dtype=object if exact else float).reshape(-1, d, d)
    return State([b + offset * eye for b in blocks], np.asarray(R))


def _nodes(model) -> list:
    """The ``until`` relations, compiled once per model."""
    if "_near_nodes" not in model.__dict__:
        model.__dict__["_near_nodes"] = [_relation(text, "near", "", BASE_NAMES)
                                         for text in model.spec.near[1]]
    return model.__dict__["_near_nodes"]


def meets(model, x, R, exact: bool = False) -> bool:
    """Whether every ``until`` relation holds at the start ``x`` (target R)."""
    state = _state(model, x, R, exact)
    ev = _Eval(state, {})
    for node in _nodes(model):
        if not _holds(type(node.ops[0]), ev.value(node.left), ev.value(node.comparators[0])):
            return False
    return True


def start(model, x0: np.ndarray, R: np.ndarray, seed: int, run: int):
    """(start, s) of run ``run``: x0 + s G with the first s = sigma / 2^k meeting the
    relations (sigma evaluated at the claimed start); (None, None) when none of
    :data:`HALVINGS` does, or sigma is not a positive finite number."""
    g = np.random.default_rng([seed, run]).standard_normal(x0.shape)
    if "_near_sigma" not in model.__dict__:
        model.__dict__["_near_sigma"] = compile_expression(model.spec.near[0], "near", BASE_NAMES)
    with np.errstate(all="ignore"):
        s = _Eval(_state(model, x0, R), {}).value(model.__dict__["_near_sigma"])
    if isinstance(s, np.ndarray) or not (np.isfinite(s) and s > 0):
        return None, None
    s = float(s)
    for _ in range(HALVINGS + 1):
        x = x0 + s * g
        if meets(model, x, R):
            return x, s
        s /= 2
    return None, None


def starts(model, X0: np.ndarray, R: np.ndarray, seed: int):
    """The starts of every run (rows), the runs kept (indices) and their sizes s."""
    out, kept, sizes = [], [], []
    for run in range(len(X0)):
        x, s = start(model, X0[run], R[run], seed, run)
        if x is not None:
            out.append(x)
            kept.append(run)
            sizes.append(s)
    return np.array(out).reshape(len(out), X0.shape[1]), kept, sizes


def exact_start(model, point: Mapping, seed: int, dps: int) -> list | None:
    """A replayed run's start (``point`` names its ``run``) as mpf numbers, the same floats as
    the sweep's; None when the relations do not hold there at ``dps`` digits."""
    from verify.userclaims.rate_sweep import starts as claimed
    from verify.userclaims.rate_sweep import targets

    P = np.array([[float(point[n]) for n in model.free_names]])
    R = targets(model, P)[0]
    x, _ = start(model, claimed(model, P)[0], R, seed, int(point["run"]))
    if x is None:
        return None
    with mpmath.workdps(dps):
        exact = [mpmath.mpf(float(v)) for v in x]
        Rm = np.vectorize(mpmath.mpf, otypes=[object])(R)
        return exact if meets(model, exact, Rm, exact=True) else None
