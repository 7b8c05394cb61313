r"""Newton on the bath potentials with the adaptive band quadrature of :mod:`.panels`.

The route of :func:`.nonlinear.solve_nonlinear` (Eq. B22; conventions §4)
for the cases its single Chebyshev window cannot serve:

* ``T > 0`` with Fermi tails reaching a band edge (any temperature: the
  integrals run over ``(-2, 2)`` intersected with the Fermi window, where
  ``T_ll'`` is non-zero);
* a few baths on a long wire (``single``): ``T(w)`` has resonances spaced
  ``~ 1/N`` and the panels of :class:`.panels.PanelRule` follow them.

Two ways, chosen automatically by :func:`streams`: at ``T > 0`` with more
than :data:`STREAM_BATHS` baths, or more than :data:`SMOOTH_BATHS` on a
wire without a bath-free stretch longer than :data:`SMOOTH_STRETCH`
sites, the streaming rule of :mod:`.panels_stream` (nothing ``K x K``;
currents and Jacobian-vector products by the ``O(N)`` linear-response
kernel at each energy, Newton-GMRES); otherwise the ``K x K`` rule below,
faster for few baths and for long resonant stretches (it evaluates the
transmissions once per rule, not once per Newton or GMRES iteration) and
the only one used at ``T = 0`` (the streaming error control needs the
Fermi smearing). Should the ``K x K`` rule need more than
:data:`.panels.MAX_ENTRIES` numbers at ``T > 0``, the streaming rule takes
over.

In the ``K x K`` rule only the transmissions between the ``K`` baths are
stored (per energy), so the Jacobian ``dI_a/dmu_b`` is formed exactly (the derivative of
the quadrature itself) and Newton converges quadratically. The rule is built
at the starting potentials with a current error ``eps = tol max(Ig, Io) /
20``; after Newton it is rebuilt at the solution and Newton continues on the
new rule until the residual on the current rule is within ``tol max(Ig,
Io)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ...wire import ConvergenceError
from .panels import PanelRule, TooManyEntries
from .state import QuantumState

__all__ = ["solve_panels", "band_solve", "band_newton", "panel_currents", "band_currents", "streams",
           "STREAM_BATHS"]

_BAND_EDGE = 2.0 - 1e-9
#: Rebuilds of the rule allowed after Newton.
MAX_ROUNDS = 8
#: At ``T > 0`` more baths than this take the streaming route of :mod:`.panels_stream`
#: (the ``K x K`` rule stores ``K^2`` numbers per energy) ...
STREAM_BATHS = 64
#: ... and so do more than ``SMOOTH_BATHS`` baths when no stretch of the wire
#: without a bath is longer than ``SMOOTH_STRETCH`` sites (``T(w)`` is smooth
#: on the scale ``1 / SMOOTH_STRETCH``, few energies suffice and the ``O(N)``
#: kernel per energy beats forming ``K x K`` per energy). Measured (2 cores
#: under load ~5): dimers K = 18, 34, 66 stream 4x, 3x, 11x faster; a
#: 274-site wire with 62 baths 4x; ``single`` (K = 4, N = 400) and 14
#: baths between two 200-site stretches: the ``K x K`` rule 2x, 3x faster.
SMOOTH_BATHS, SMOOTH_STRETCH = 16, 32


def _extent(rule: PanelRule, mus: list[np.ndarray]) -> tuple[float, float]:
    lo = min(float(m.min()) for m in mus)
    hi = max(float(m.max()) for m in mus)
    return lo, hi


def _covers(rule: PanelRule, x: np.ndarray) -> bool:
    a, b = rule.span
    tail = 36.0 * rule.T
    return bool(max(x.min() - tail, -2.0) >= a - 1e-12 and min(x.max() + tail, 2.0) <= b + 1e-12)


def panel_currents(rule: PanelRule, x: np.ndarray) -> np.ndarray:
    """Bath currents at bath potentials ``x`` (shape ``(K,)``) on ``rule``."""
    return rule.currents(rule.weights(x, "f")).sum(axis=0)


def streams(gammas: np.ndarray, temperature: float) -> bool:
    """Whether the streaming rule serves (``T > 0``; many baths, or a dozen on a wire without long stretches)."""
    sites = np.flatnonzero(np.asarray(gammas) > 0)
    if temperature <= 0.0 or sites.size <= SMOOTH_BATHS:
        return False
    if sites.size > STREAM_BATHS:
        return True
    stretch = int(np.max(np.diff(np.concatenate(([-1], sites, [len(gammas)]))))) - 1
    return stretch <= SMOOTH_STRETCH


def _general_kxk(gammas: np.ndarray, hamiltonian, dense: bool) -> bool:
    """Whether a general ``H`` must take the ``K x K`` rule: the dense oracle, or range ``r > 1`` with few baths.

    Range 1 streams with its own kernel, range ``r > 1`` with more than
    :data:`.nonlinear_hamiltonian.MAX_BATHS_KXK` baths with the block kernel.
    """
    from .nonlinear_hamiltonian import block_route

    if hamiltonian is None:
        return False
    return dense or (hamiltonian.range > 1 and not block_route(hamiltonian, gammas, dense))


def band_currents(gammas: np.ndarray, params, x: np.ndarray, eps: float, hamiltonian=None,
                  dense: bool = False) -> np.ndarray:
    """Bath currents at bath potentials ``x`` on a band rule built to current error ``eps``.

    The ``K x K`` rule of :mod:`.panels` for at most :data:`STREAM_BATHS`
    baths or ``T = 0``, the streaming rule of :mod:`.panels_stream`
    otherwise (the same choice as :func:`solve_panels`, with a wire
    Hamiltonian ``hamiltonian`` as there).
    """
    from .nonlinear_hamiltonian import panel_transmissions, stream_chain

    general_kxk = _general_kxk(gammas, hamiltonian, dense)
    if streams(gammas, params.temperature) and not general_kxk:
        from .panels_stream import StreamRule, stream_currents

        srule = StreamRule(gammas, params.temperature, params.mubar)
        stream_chain(srule, hamiltonian)
        srule.build_stream([x], eps)
        return stream_currents(srule, x)
    rule = PanelRule(gammas, params.temperature, params.mubar, panel_transmissions(gammas, hamiltonian, dense))
    rule.build(float(x.min()), float(x.max()), eps)
    return panel_currents(rule, x)


def band_newton(prob, currents: Callable[[np.ndarray], np.ndarray],
                step: Callable[[np.ndarray, np.ndarray], np.ndarray], covers: Callable[[np.ndarray], bool],
                x: np.ndarray, ub: np.ndarray, tgt: np.ndarray, goal: float, max_iter: int,
                mu_full) -> tuple[np.ndarray, int, float, bool]:
    """Damped Newton on a fixed band rule (both band routes).

    ``currents(x)``: the bath currents at bath potentials ``x``; ``step(x, R)``:
    the Newton step for the residual ``R`` of the unknowns ``ub``;
    ``covers(x)``: whether the rule still covers the Fermi tails of ``x``.
    Backtracking (halving) until the squared residual falls by the Armijo
    factor ``1 - 1e-4 t``; a trial outside the band is halved, a trial the
    rule does not cover ends the call (the caller rebuilds the rule).
    Returns ``x``, iterations, residual, and whether ``x`` left the rule.
    """
    it = 0
    while True:
        R = currents(x)[ub] - tgt
        res = float(np.max(np.abs(R))) if ub.size else 0.0
        if res <= goal:
            return x, it, res, False
        if it >= max_iter:
            prob.band_check(mu_full(x), None)
            raise ConvergenceError(
                f"nonlinear solve did not converge in {it} Newton iterations: residual "
                f"max|I_l - target_l| = {res:.3e} > tol * max(Ig, Io) = {goal:.3e}")
        dx = step(x, R)
        phi0 = float(R @ R)
        t, accepted = 1.0, False
        for _ in range(40):
            trial = x.copy()
            trial[ub] += t * dx
            if np.any(np.abs(trial[ub]) >= _BAND_EDGE):
                t *= 0.5
                continue
            if not covers(trial):
                return trial, it + 1, res, True
            Rt = currents(trial)[ub] - tgt
            if float(Rt @ Rt) <= (1.0 - 1e-4 * t) * phi0:
                accepted = True
                break
            t *= 0.5
        it += 1
        if not accepted:
            prob.band_check(mu_full(x), dx)
            raise ConvergenceError(
                f"nonlinear solve stalled after {it} Newton iterations (no descent along the "
                f"Newton direction): residual max|I_l - target_l| = {res:.3e} > {goal:.3e}")
        x = trial


def _newton(prob, rule: PanelRule, x: np.ndarray, ub: np.ndarray, tgt: np.ndarray, goal: float,
            max_iter: int, mu_full) -> tuple[np.ndarray, int, float, bool]:
    """:func:`band_newton` on a ``K x K`` rule: the exact Jacobian, solved by LU."""
    def step(x: np.ndarray, R: np.ndarray) -> np.ndarray:
        return np.linalg.solve(rule.jacobian(rule.weights(x, "df"))[np.ix_(ub, ub)], -R)

    return band_newton(prob, lambda x: panel_currents(rule, x), step, lambda x: _covers(rule, x),
                       x, ub, tgt, goal, max_iter, mu_full)


def solve_panels(prob, mu_starts: list[np.ndarray], tol: float, max_iter: int,
                 info: dict | None) -> tuple[QuantumState, QuantumState]:
    """Solve both biases of ``prob`` (a :class:`.nonlinear._Problem`) on an adaptive band rule."""
    params = prob.params
    sites = np.flatnonzero(prob.has)
    general_kxk = _general_kxk(prob.gammas, prob.hamiltonian, prob.dense)
    if streams(prob.gammas, params.temperature) and not general_kxk:
        from .panels_stream import solve_stream

        return solve_stream(prob, mu_starts, tol, max_iter, info)
    try:
        return _solve_kxk(prob, sites, mu_starts, tol, max_iter, info)
    except TooManyEntries:  # a general H streams too (range 1: its kernel; r > 1: the block kernel)
        if params.temperature <= 0.0 or prob.dense:
            raise
        from .panels_stream import solve_stream

        return solve_stream(prob, mu_starts, tol, max_iter, info)


def _solve_kxk(prob, sites: np.ndarray, mu_starts: list[np.ndarray], tol: float, max_iter: int,
               info: dict | None) -> tuple[QuantumState, QuantumState]:
    """Both biases on the ``K x K`` rule of :mod:`.panels` (module docstring)."""
    from .nonlinear_hamiltonian import panel_transmissions

    params = prob.params
    rule = PanelRule(prob.gammas, params.temperature, params.mubar,
                     panel_transmissions(prob.gammas, prob.hamiltonian, prob.dense))
    return band_solve(prob, rule, lambda xs, eps: rule.build(*_extent(rule, xs), eps), _newton,
                      lambda x: panel_currents(rule, x), lambda x, base: _state(prob, rule, sites, x, base),
                      "panels", mu_starts, tol, max_iter, info)


def band_solve(prob, rule, build: Callable[[list[np.ndarray], float], None], newton,
               currents: Callable[[np.ndarray], np.ndarray], state: Callable[[np.ndarray, np.ndarray], QuantumState],
               route: str, mu_starts: list[np.ndarray], tol: float, max_iter: int,
               info: dict | None) -> tuple[QuantumState, QuantumState]:
    """Both biases of ``prob`` on an adaptive band rule (both band routes).

    ``build(xs, eps)`` adapts ``rule`` to the bath potentials ``xs`` with
    current error ``eps``; ``newton`` is the route's :func:`band_newton`
    wrapper, ``currents(x)`` its bath currents, ``state(x, base)`` the
    :class:`.state.QuantumState` at bath potentials ``x`` (``base``: the
    start over all sites). The rule is built at the starting potentials
    with ``eps = tol max(Ig, Io) / 20``, Newton runs on it, and it is
    rebuilt at the solution until the residual on the rebuilt rule is
    within ``tol max(Ig, Io)``.
    """
    sites = np.flatnonzero(prob.has)
    ub = np.flatnonzero(prob.unknown[sites])
    tgt = prob.target[sites][ub]
    goal = tol * prob.scale
    xs = [m[sites].copy() for m in mu_starts]

    def full_of(base):
        def mu_full(x):
            m = base.copy()
            m[sites] = x
            return m
        return mu_full

    iters = [0, 0]
    res = [0.0, 0.0]
    qerr = 0.0
    for _ in range(MAX_ROUNDS * 4):
        build(xs, 0.05 * goal)
        left = False
        for i in range(2):
            xs[i], k, res[i], out = newton(prob, rule, xs[i], ub, tgt, goal, max_iter, full_of(mu_starts[i]))
            iters[i] += k
            left = left or out
        if left:
            continue
        # rebuild at the solution: the rule must meet its error bound there
        old = [currents(x) for x in xs]
        build(xs, 0.05 * goal)
        new = [currents(x) for x in xs]
        qerr = max(rule.error_estimate, max(float(np.max(np.abs(a - b))) for a, b in zip(old, new, strict=True)))
        res = [float(np.max(np.abs(c[ub] - tgt))) if ub.size else 0.0 for c in new]
        if max(res) <= goal:
            break
    else:  # pragma: no cover - the rule keeps moving
        raise ConvergenceError(f"nonlinear solve: the energy rule did not settle in {MAX_ROUNDS * 4} rounds")
    states = [state(x, m) for x, m in zip(xs, mu_starts, strict=True)]
    if info is not None:
        info.update(iterations=tuple(iters), nodes=rule.n_energies, window=rule.span,
                    residual=max(res), quadrature_error=qerr, panels=len(rule.panels), route=route)
    return states[0], states[1]


def _state(prob, rule: PanelRule, sites: np.ndarray, x: np.ndarray, base: np.ndarray) -> QuantumState:
    """Currents, bond currents, density deviation and heat current (as :func:`.nonlinear._state`)."""
    n = prob.wire.N
    mubar = prob.params.mubar
    C = rule.currents(rule.weights(x, "f"))
    Ib = C.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        dnb = -np.where(rule.Gq > 0, C / np.where(rule.Gq > 0, rule.Gq, 1.0), 0.0).sum(axis=0)
    Bc = rule.currents(rule.weights(x, "wf")).sum(axis=0)
    hb = (x - mubar) * Ib - Bc

    def spread(v):
        out = np.full(n, np.nan)
        out[sites] = v
        return out

    I = spread(Ib)
    J = np.cumsum(np.where(prob.has, I, 0.0))[:-1]
    return QuantumState(I_1=float(I[0]), I_N=float(I[-1]), J=J, mu=spread(x), I=I, dn=spread(dnb),
                        h=spread(hb))
