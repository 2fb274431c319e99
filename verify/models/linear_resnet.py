"""The ``linear_resnet`` family: a linear residual network of L blocks,
f = tr(E Sigma E^T) / 2 with E = (I + U_L) ... (I + U_1) - R (Sigma = I unless given).

Nar & Sastry, "Residual networks: Lyapunov stability and convex decomposition" (2018), Sec. 2,
eq. (4)-(5): the chain W_L ... W_1 trained from W_j = I (Theorems 1-2) is the residual network
W_j = I + U_j trained from U_j = 0, with the same GD dynamics (dW_j = dU_j).  Wu, Wang & Ma,
"Global convergence of gradient descent for deep linear residual networks" (2019), eq. (2.3) and
Sec. 3 (the residual form below eq. (3.1)): the zero-asymmetric (ZAS) initialisation is U_j = 0
for j < L and an output layer I + U_L = 0.

    model = { family = "linear_resnet", depth = "L", width = 2, target = [["r", "0"], ["0", "-1"]],
              init = "zas" }

The coordinates are the residual blocks: ``u1`` .. ``uL`` (width 1) or ``U1`` .. ``UL`` (entries
``U1[i, j]``).  ``depth``, ``width``, ``target`` are read as for ``deep_linear``.  ``init``
(optional): ``"zas"``, or every block's start as an expression (times I) or a d x d matrix in the
parameters, the block index ``j`` and ``L`` (``"0"``: the identity network).  ``sigma``
(optional): the input covariance Sigma of eq. (4), a number (times I) or a d x d symmetric
positive semidefinite matrix of constants.  Every R is reached (U_1 = R - I, the other blocks 0),
so the minimum is 0 and the residual sqrt(tr(E Sigma E^T)) = sqrt(2 f) vanishes exactly on the
minimisers; the product (I + U_L) ... (I + U_1) gives ``sv_1``, ``sv_2``, ...
"""

from __future__ import annotations

import sympy as sp

from verify.models import chain


class LinearResNet(chain.Chain):
    name = "linear_resnet"
    keys = ("depth", "width", "target", "init", "sigma")
    layer_name = "u"
    layer_offset = 1  # the blocks U_j = W_j - I

    def read_init(self, value, spec, symbols):
        if isinstance(value, str) and value.strip().lower() == "zas":
            return "zas"
        return super().read_init(value, spec, symbols)

    def product(self, spec, state):
        d = spec["width"]
        return chain.product([sp.eye(d) + U for U in chain.layers(state.coords, d)], d)

    def start(self, spec, state, symbols, ints):
        if spec.get("init") == "zas":  # U_j = 0 (j < L), U_L = -I: the output layer I + U_L = 0
            d = spec["width"]
            return tuple([sp.Integer(0)] * (d * d * (self.depth(spec, state) - 1))
                         + list(-sp.eye(d)))
        return super().start(spec, state, symbols, ints)
