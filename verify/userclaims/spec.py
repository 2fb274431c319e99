"""The parsed, validated form of one ``[[claim]]`` table of a claim file (issue: claim files).

Every expression stays a string here (SymPy syntax, already checked to parse over the declared
symbols); numbers of parameter boxes are decimal strings, exactly as the user wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("cycle", "threshold", "convergence", "inequality", "rate", "trajectory", "identity",
         "limit", "varies", "sole_limit", "order")
INFINITIES = ("oo", "-oo")  # ``limit``: the ends ``to`` and the values ``rhs`` beyond the reals
ORDERS = ("linear", "sublinear")
METHODS = ("gd", "heavy_ball", "nesterov", "flow")  # flow: gradient flow (rate sweeps)
MONOTONE = ("nonincreasing", "nondecreasing")
RELATIONS = ("<=", "<", ">=", ">", "==")
OTHERWISE = ("diverges", "does not converge")  # convergence: what GD does when the condition fails


@dataclass(frozen=True)
class ClaimSpec:
    """One user claim.

    Attributes:
        id: unique in the file.
        kind: one of :data:`KINDS`.
        statement: free text for the report ("" when absent).
        loss: the loss in SymPy syntax over ``variables`` and the parameters (None for an
            ``inequality`` without loss).
        variables: the state symbols GD updates, in order.
        step: the step-size symbol (a parameter).
        params: name -> (lo, hi) closed interval (decimal strings, lo <= hi) or a pinned value
            (one decimal string or a rational like "1/3").
        assume: relations the parameters must satisfy (SymPy syntax), e.g. "delta < 1".
        points: ``cycle``: the orbit's points in order, one tuple per point (len = len(variables)).
        stable: ``cycle``: claimed attracting (True), repelling (False), or not claimed (None).
        equilibrium: ``threshold``: the equilibrium point (len = len(variables));
            ``sole_limit``: the one limit of every convergent run.
        bound: ``threshold``: the step-size bound; ``rate``: the bound in t, params, metric0.
        tight: ``threshold``: also claims attraction for every step below the bound.
        start: ``convergence`` / ``rate``: start point, expressions in the parameters.
        condition: ``convergence``: a relation in the parameters.
        target: ``convergence``: the limit point.
        otherwise: ``convergence``: "diverges", "does not converge" (to the target; a
            divergent, cycling or elsewhere-settling run all satisfy it: with a box where the
            condition fails it states "GD converges only if the condition holds") or None.
        lhs, relation, rhs: ``inequality``; lhs, rhs: ``limit`` (rhs the limit); lhs: ``varies``.
        metric: ``rate``: an expression in the variables (the word ``loss`` means the loss).
        steps: ``rate``: claimed for every t = 0..steps; ``trajectory``: steps run.
        model: the validated ``model`` table (``family`` and the family's keys; None: the
            ``expression`` family of ``loss`` and ``variables``).
        integers: integer parameters (a depth L): name -> the values, each checked exactly.
        rays: the real parameters declared on a half-line (``lam = "< 0"``; identity,
            inequality, limit, varies and threshold, whose step may be one): name -> the
            half-line as text.  ``params`` then holds the finite
            interval inside it that the searches draw from (a proof covers the half-line).
        unbounded: the integer parameters declared for every integer from a lower end on
            (``L = ">= 2"``): name -> that end.  ``integers`` then holds the instances checked
            when no proof covers every value (the end and the next four).
        optimizer: ``method`` ("gd", "heavy_ball", "nesterov", "flow": gradient flow
            x' = -grad f(x), sampled every ``step`` time units, rate sweeps only) and ``beta``
            (an expression).
        schedule: the step at iteration t, an expression of t and the parameters (None: the
            constant ``step``).
        strict: ``threshold``: True: x* attracts only if step < bound (at step = bound it
            does not); False: only if step <= bound, and with ``tight`` it attracts at
            step = bound too; None (absent): no claim at step = bound itself.
        to_set: ``convergence``: the target is the model's set of minimisers; ``threshold``:
            the equilibrium is every point of it (``equilibrium = "minimisers"``), and
            ``bound`` may name the minimiser's coordinates ``w[k]``, ``w[i]`` in a Sum.
        target_zero: ``convergence`` (with ``to_set``): the target is the set of states where
            these expressions (in the state's names and the parameters) all vanish
            (``target = { zero = [...] }``); empty: the model's set of minimisers.
        target_every: ``convergence``: ``target`` is one expression (the key written as a
            string, ``target = "0"``) that every state coordinate tends to; the number of
            coordinates may then depend on an integer parameter (a depth L).
        quantity: ``trajectory``: what is followed along the path (quantity names and the
            state's names, see :mod:`verify.models.quantities`).
        after: ``trajectory``: the bound is claimed for t = after..steps.
        monotone: ``trajectory``: "nonincreasing" or "nondecreasing".
        drift: ``trajectory``: max_t |q(x_t) - q(x_0)| is at most this expression.
        lhs, rhs: ``identity``: each side a string (a scalar or matrix-valued expression) or a
            tuple of rows (tuples of strings; a vector is a column of 1-entry rows).
        region: ``identity``: the interval each state coordinate is drawn from by the search
            (the identity itself is claimed for every real state); ``sole_limit``: the
            interval the search draws its starts from (the claim speaks of every start).
        order: ``rate``: "linear" or "sublinear" (None: the explicit ``bound`` form).
        exponent: ``rate``, sublinear: p in metric_t = O(t^-p), an expression of the parameters.
        factor: ``rate``, linear: c in metric_t <= C c^t, an expression of the parameters
            (None with ``order = "linear"``: some c < 1, an existential linear rate).
        witness: ``rate`` with ``order``: a proven lower bound that refutes the order, as
            (``lower``, the rate claim "-metric <= -lower for every t" citing its derivation,
            a ClaimSpec); None without one (:func:`verify.userclaims.rates.witness_check`).
        eventually: ``rate`` with ``order``: the tail starts at t = this (the key ``after``;
            None: after a detected transient).
        period: ``convergence`` with ``target = "cycle"``: the claimed period k (0: not a cycle
            target); ``points`` then optionally holds the cycle's k points.
        exact_orbit: ``convergence``: also run GD exactly (SymPy) at the box's corners, so
            that a start landing exactly on a critical point is decided
            (:mod:`verify.userclaims.landing`).
        land: ``convergence`` with ``exact_orbit``: a free parameter the exact check solves for
            (rational roots) so that one GD step from the start lands exactly on the target, at
            simple rational points of the other parameters (None: the box's corners only).
        at_limit: ``convergence``: the condition names state variables, which stand for the
            limit GD converged to (only with ``otherwise = "does not converge"``).
        exceptions: ``convergence``: starts excluded from the claim (the key ``except``), each
            a relation in the parameters (a string) or a start point (a tuple of coordinates).
        except_preimages: ``convergence`` to a cycle: the excluded set also holds every start
            whose path lands exactly on an excluded start point (their preimages under GD).
        long_orbit: ``convergence`` to a cycle with points: ((name, value), ...) the one
            parameter point, the number of steps and the working digits of an orbit certified
            in Arb balls to end in a trap of the claimed cycle (empty: none asked for).
        over: ``limit``: the parameter that tends to ``to`` (the key ``tends``); ``varies``:
            the parameter the claim says ``lhs`` is not constant in (the key ``in``).
        to: ``limit``: an end of ``over``'s range, "oo", "-oo" or a number (the end of its
            interval or half-line, approached from inside); ``rhs`` is then the limit, an
            expression of the other parameters or "oo" / "-oo".
        at: ``inequality``: "minimisers" when lhs and rhs are quantities (``sharpness``,
            ``sv_1``, ...) claimed at every minimiser of the model, "balanced" at its balanced
            minimiser (None: at every parameter value; :mod:`verify.userclaims.minimisers`).
        point: ``inequality`` at "state": the state, one expression of the parameters per
            coordinate (the key ``state``; :mod:`verify.userclaims.at_state`).
        sweep: ``convergence``: the number of batched float64 runs that check it instead of
            the precise search (0: the search; :mod:`verify.userclaims.sweep`).
        fraction: ``inequality`` at "minimisers": the relation is claimed at more than this
            share (a rational string, 0 <= f < 1) of the sampled minimisers of each parameter
            point, not at every one (None: at every one).
        matrices: ``identity`` / ``inequality`` over matrices of free size: (name, shape) in
            file order, the shape ``"rows x cols"`` with an optional ``symmetric`` or ``psd``
            (:mod:`verify.userclaims.matrices`); ``loss``, ``variables`` and ``step`` are then a
            scalar of them, the matrices ``grad_X`` / ``gd_X`` are taken in, and the step.
        parts: kind ``"parts"`` (a multi-part claim): (name, the part's own spec) in file order;
            the claim holds when every part does.
    """

    id: str
    kind: str
    statement: str = ""
    loss: str | None = None
    variables: tuple[str, ...] = ()
    step: str | None = None
    params: dict[str, tuple[str, str] | str] = field(default_factory=dict)
    assume: tuple[str, ...] = ()
    points: tuple[tuple[str, ...], ...] = ()
    stable: bool | None = None
    equilibrium: tuple[str, ...] = ()
    bound: str | None = None
    tight: bool = False
    start: tuple[str, ...] = ()
    condition: str | None = None
    target: tuple[str, ...] = ()
    otherwise: str | None = None
    lhs: str | None = None
    relation: str | None = None
    rhs: str | None = None
    metric: str | None = None
    steps: int = 0
    model: dict | None = None
    integers: dict[str, tuple[int, ...]] = field(default_factory=dict)
    unbounded: dict[str, int] = field(default_factory=dict)
    rays: dict[str, str] = field(default_factory=dict)
    optimizer: dict[str, str] = field(default_factory=lambda: {"method": "gd"})
    schedule: str | None = None
    strict: bool | None = None
    to_set: bool = False
    target_zero: tuple[str, ...] = ()
    target_every: bool = False
    exact_orbit: bool = False
    land: str | None = None
    at_limit: bool = False
    quantity: str | None = None
    after: int = 0
    monotone: str | None = None
    drift: str | None = None
    region: tuple[str, str] = ("-2", "2")
    order: str | None = None
    exponent: str | None = None
    factor: str | None = None
    witness: tuple | None = None
    eventually: int | None = None
    period: int = 0
    exceptions: tuple = ()
    except_preimages: bool = False
    long_orbit: tuple = ()
    over: str | None = None
    to: str | None = None
    at: str | None = None
    fraction: str | None = None
    point: tuple[str, ...] = ()
    sweep: int = 0
    limits: object = None  # at = "limits": a verify.userclaims.gd_limits.Limits
    minima: object = None  # at = "minima": a verify.userclaims.minima.Minima
    matrices: tuple[tuple[str, str], ...] = ()
    states: object = None  # at = "states": a verify.userclaims.states.StatesClaim
    networks: object = None  # at = "networks": a verify.userclaims.networks.NetworksClaim
    derivation: str | None = None  # a cited derivation's name (verify.userclaims.cite)
    order_table: object = None  # kind "order": a verify.userclaims.orders.OrderClaim
    parts: tuple[tuple[str, ClaimSpec], ...] = ()
    near: tuple = ()  # rate sweeps: (sigma, until relations), verify.userclaims.near
    figure: bool = False  # rate sweeps: draw the first runs against the bound

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class BadClaim:
    """A ``[[claim]]`` table that cannot be used: recorded as an ``error`` claim, others go on."""

    id: str  # the claim's id, or "claim #N" when it has none
    key: str  # the key at fault ("" when the whole table is)
    message: str


class ClaimFileError(ValueError):
    """A file that cannot be used at all (unreadable, TOML syntax, no [[claim]] tables)."""
