"""The ``double_network`` family: the "double linear network" of Nar & Sastry, "Residual
networks: Lyapunov stability and convex decomposition" (2018), Sec. 3.2 (the display after
eq. (9a)-(9b)):

    min (1/2N) sum_i |(W_L ... W_1 - Z_L ... Z_1) x_i - R x_i|^2,

i.e. f = tr(E Sigma E^T) / 2 with E = W_L ... W_1 - Z_L ... Z_1 - R (Sigma = (1/N) sum x_i x_i^T,
I unless given); its scalar case is the display before eq. (9a), whose GD updates are (9a)-(9b).
The paper initialises both chains with the identity ("w_i[0] = z_i[0] = 1"), which reaches
negative targets that a single chain started at the identity cannot (Proposition 3).

    model = { family = "double_network", depth = "L", width = 1, target = "r", init = "1" }

The coordinates are the layers ``w1`` .. ``wL`` then ``z1`` .. ``zL`` (width 1), or ``W1`` ..
``WL``, ``Z1`` .. ``ZL`` (entries ``W1[i, j]``).  ``depth``, ``width``, ``target`` and ``sigma``
are read as for ``linear_resnet``.  ``init`` (optional): one value for every layer of both chains
(an expression times I or a d x d matrix, in the parameters, the layer index ``j`` and ``L``), or
a table ``{ w = ..., z = ... }`` with one such value per chain.  Every R is reached (W_1 = R + I,
the other layers I), so the minimum is 0 and the residual sqrt(2 f) vanishes exactly on the
minimisers; the product is the end-to-end map W_L ... W_1 - Z_L ... Z_1.
"""

from __future__ import annotations

from typing import Any

from verify.models import chain
from verify.models.base import FamilyError, State


class DoubleNetwork(chain.Chain):
    name = "double_network"
    keys = ("depth", "width", "target", "init", "sigma")
    chains = 2
    chain_names = ("w", "z")  # the chains' common values at a symmetric state (width 1)

    def read_init(self, value, spec, symbols):
        """One value for both chains, or ``{ w = ..., z = ... }``: kept as the pair."""
        if not isinstance(value, dict):
            return [super().read_init(value, spec, symbols)] * 2
        if set(value) != {"w", "z"}:
            raise FamilyError("model.init", "a table of the two chains' starts takes exactly "
                                            f"the keys w and z, got {sorted(value)}")
        return [chain.read_matrix_or_scalar(value[c], f"model.init.{c}", spec["width"], symbols)
                for c in "wz"]

    def state(self, spec: dict[str, Any], ints: dict[str, int]) -> State:
        depth = chain.depth_of(spec, ints)
        w, w_names = chain.layer_coords("w", depth, spec["width"])
        z, z_names = chain.layer_coords("z", depth, spec["width"])
        return State(tuple(w + z), {**w_names, **z_names})

    def product(self, spec, state):
        d = spec["width"]
        half = len(state.coords) // 2
        return (chain.product(chain.layers(state.coords[:half], d), d)
                - chain.product(chain.layers(state.coords[half:], d), d))

    def hessian_target(self, spec, state, symbols):
        return None  # two chains: the symbolic Hessian

    def minimiser_factors(self, spec, state, symbols):
        return None  # W - Z = R: no parametrisation as one chain's factorisations

    def start(self, spec, state, symbols, ints):
        if "init" not in spec:
            return None
        return tuple(v for value in spec["init"]
                     for v in chain.layer_starts(value, spec, self.depth(spec, state), symbols))
