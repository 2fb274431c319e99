"""Model families of the claim language: one module per family, one small protocol.

A family turns the ``model`` table of a claim (and the values of the claim's integer
parameters, such as a depth ``L``) into an exact SymPy model: the state as a flat list of real
symbols, the names a claim's expressions may use (scalars, vectors ``x[i]``, matrices
``W1[i, j]``), the loss, and, where the family knows it, its set of minimisers (a residual that
vanishes exactly there) and its end-to-end product.  Everything numeric (gradients, Hessians,
multipliers, GD in mpmath) is derived from these by :mod:`verify.userclaims.model`, so a new
family is one file registered in :data:`FAMILIES`.

Why ``verify/models`` and not ``verify/userclaims/models``: the design card places the families
next to the kinds so that paper modules (``verify/papers``) can state their claims over the same
models; nothing here depends on the claim-file parser.
"""

from __future__ import annotations

from verify.models.base import Family, FamilyError, State
from verify.models.deep_linear import DeepLinear
from verify.models.double_network import DoubleNetwork
from verify.models.expression import ExpressionFamily
from verify.models.linear_resnet import LinearResNet
from verify.models.quadratic import Quadratic
from verify.models.two_layer_relu import TwoLayerReLU

FAMILIES: dict[str, Family] = {f.name: f for f in (
    ExpressionFamily(), Quadratic(), DeepLinear(), LinearResNet(), TwoLayerReLU(),
    DoubleNetwork())}

__all__ = ["FAMILIES", "Family", "FamilyError", "State"]
