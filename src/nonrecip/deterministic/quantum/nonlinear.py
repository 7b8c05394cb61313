r"""Beyond linear response: the full Landauer-Buttiker currents (Eq. B22).

They are solved self-consistently for the bath potentials (conventions §4).
The energy quadrature (Fermi Gauss rules, Chebyshev grid) is in
:mod:`.energy_grid`.

The problem
-----------
The current from bath ``l`` into the wire is (Eq. B22, ``e = hbar = 1``)

    I_l = (1/2pi) sum_l' integral dw T_ll'(w) [f_l(w) - f_l'(w)],

``f_l`` the Fermi function of bath ``l`` at potential ``mu_l`` and
temperature ``T`` (``T = 0``: a step, so each term is the integral of
``T_ll'(w)`` between ``mu_l'`` and ``mu_l``). The reservoirs fix
``mu_1 = mubar +- dmu/2`` and ``mu_N = mubar -+ dmu/2``; every S, D and P
bath has its potential set so that ``I_l = +Ig, -Ig, 0``. This module solves
these equations without expanding in the drive, by Newton's method started
from the linear-response solution (:mod:`.linear`).

Quadrature: one polynomial in energy for all pairs
--------------------------------------------------
Every potential lies in a narrow window ``[a, b]`` around ``mubar`` on which
``T_ll'(w)`` is analytic (the band edges ``+-2`` and the complex poles of
``G`` lie outside). Interpolating ``T(w)`` at the ``n`` Chebyshev-Lobatto
points ``w_j`` of the window, ``T(w) ~ sum_j T(w_j) ell_j(w)`` (``ell_j`` the
Lagrange basis), turns every integral into a weighted sum over the same
``n`` energies:

    I_l = sum_j (1/2pi) sum_l' T_ll'(w_j) [A_j(mu_l) - A_j(mu_l')],
    A_j(mu) = integral dw ell_j(w) f(w; mu)      (up to a mu-independent constant).

At ``T = 0``, ``A_j(mu) = integral_{mubar}^{mu} ell_j`` is integrated exactly
(the step functions are exact: the integral runs between the two
potentials). At ``T > 0`` the Fermi smearing adds
``T integral_0^inf [ell_j(mu + T z) - ell_j(mu - T z)] / (e^z + 1) dz``,
done exactly for polynomials by a Gauss rule for the weight ``1/(e^z + 1)``
(the window then extends ``40 T`` beyond the potentials, where
``f_l - f_l'`` < 1e-17). Each inner sum is a *linear-response* current at
the single energy ``w_j`` with "potentials" ``A_j(mu)``, which the ``O(N)``
kernel of :mod:`.linear` evaluates from differences (weighted means, no
cancelling row sums). So one evaluation of all ``N`` currents costs
``O(n N)``; ``n = 9`` to ``17`` points suffice for the paper's windows.

The interpolation error is controlled: ``n`` is first chosen at the
linear-response potentials (``n = 9, 13, 17, 25, 33, ...`` until the next
grid changes no current by more than half the tolerance); after Newton
converges the currents are recomputed on the next finer grid at the same
potentials, and if they differ by more than ``tol * max(Ig, Io)`` Newton
continues on the finer grid. The error of ``T_ll'`` interpolation decays
geometrically (dimers, mubar = 1, window 0.29: 1e-5, 1e-8, 2e-11, 5e-14
relative for n = 5, 9, 13, 17). The reported currents are those of the
grid Newton converged on: the bath currents hit their targets within
``tol * max(Ig, Io)`` and differ from the next grid by no more than that.

Routes
------
The single window above needs its Fermi tails inside the band and ``T(w)``
smooth on it. When the tails of a hot wire reach a band edge, a wire with
few baths (at most ``FEW_BATHS``) is so long that its resonances (spaced
``~ pi/N`` in ``k``) would need more than ``FEW_BATHS_NODES`` energies, or
(``max_nodes`` not given) any wire needs more than 513, the solve moves to
:mod:`.nonlinear_panels`: an adaptive composite rule over the band
(:mod:`.panels`; panels in ``theta`` with ``w = -2 cos theta``, split where
their Chebyshev tails are large), storing the ``K x K`` bath transmissions
per energy (exact Jacobian, LU Newton) or, at ``T > 0`` with many baths,
streaming them (:mod:`.panels_stream`, Newton-GMRES, memory ``O(Q K)``).
Which route, what each may store and what is refused before any work:
:mod:`.nonlinear_routes`. No temperature is refused; a potential pushed out
of the band is still a ``ParameterError`` naming ``Ig`` or ``dmu``.

Any Hamiltonian
---------------
``hamiltonian=H`` (:mod:`nonrecip.hamiltonian`, any range ``r``) changes
only ``Z = w - H - Sigma(w)``: the baths, the band ``(-2, 2)`` and every
rule above are unchanged. The per-energy operators come from
:mod:`.nonlinear_hamiltonian`: ``r = 1`` the same ``O(N)`` kernel on the
chain structure of :func:`.general.chain_structure` (and the streaming rule
with ``H``'s ``eps_l``, ``t_l``); ``r > 1`` the ``K x K`` transmissions of
one banded LU per energy with the exact Jacobian (up to
``MAX_BATHS_KXK`` baths; beyond, the matrix-free block forward map of
:mod:`.nonlinear_block`, ``O(N r^3)`` per energy, with Newton-GMRES as
below); ``method="dense"`` the dense ``G`` of ``H``.

Newton
------
With ``dA_j = dA_j/dmu`` (at ``T = 0`` simply ``ell_j(mu)``, so the
Jacobian is the exact ``dI_l/dmu_k = (1/2pi)[delta_lk sum_l' T_ll'(mu_l) -
T_lk(mu_k)]`` of the interpolated ``T``), the Jacobian-vector product is

    (J v)_l = sum_j (1/2pi) sum_l' T_ll'(w_j) [y_jl - y_jl'],   y_j = dA_j * v,

again ``n`` linear-response evaluations. ``method="dense"`` forms ``J``
from the dense ``T(w_j)`` and solves by LU (the oracle, ``O(n N^3)``);
``method="fast"`` (and ``"auto"``) solves ``J dx = -R`` by GMRES
preconditioned with the linear-response probe matrix at ``mubar``, applied
in ``O(N)`` by the direct solver of :mod:`.linear` (``J = P + O(drive)``, so
GMRES needs a handful of iterations). Each step is damped by backtracking
on ``|R|^2`` (Armijo) and kept inside the band. Stopping rule:
``max_l |I_l - target_l| <= tol * max(Ig, Io)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ...wire import Bias, ConvergenceError, ParameterError, QuantumParams, Wire
from .energy_grid import FERMI_CUTOFF, EnergyGrid, _next_n, fermi_gauss_rule
from .linear import check_potentials, probe_targets
from .nonlinear_hamiltonian import check_route, linear_start, make_ops, structure_at, uses_lu
from .nonlinear_routes import WINDOW_NODES, check_storage, resonant, storage_error, window_cap
from .nonlinear_routes import NeedPanels as _NeedPanels
from .state import QuantumState

if TYPE_CHECKING:
    from ...hamiltonian import Hamiltonian

__all__ = ["solve_nonlinear", "landauer_currents", "EnergyGrid", "fermi_gauss_rule"]

TWO_PI = 2.0 * math.pi
#: Keep every energy this far inside the band (-2, 2).
_BAND_EDGE = 2.0 - 1e-9
_METHODS = ("auto", "fast", "dense")
#: Energies of the (approximate) Jacobian of the fast Newton-GMRES step.
JACOBIAN_NODES = 7
#: Few baths: beyond this many Chebyshev energies the adaptive band rule of
#: :mod:`.panels` (K x K data per energy) takes over.
FEW_BATHS, FEW_BATHS_NODES = 64, 65


# --------------------------------------------------------------------------
# the solver
# --------------------------------------------------------------------------
class _Problem:
    """Couplings, unknowns, targets, the grid and its operators (shared by both biases)."""

    def __init__(self, wire: Wire, params: QuantumParams, method: str, n_nodes: int,
                 hamiltonian: Hamiltonian | None = None):
        if method not in _METHODS:
            raise ParameterError("method", method, "must be 'auto', 'fast' or 'dense'")
        self.wire, self.params = wire, params
        self.hamiltonian = check_route(wire, params, hamiltonian, method)  # None: the uniform wire
        self.gammas, self.unknown, self.target = probe_targets(wire, params)
        self.U = np.flatnonzero(self.unknown)
        self.has = self.gammas > 0
        self.dense = method == "dense"
        self.lu = uses_lu(self.hamiltonian, self.dense, self.gammas)
        self.n_nodes = n_nodes
        self.scale = max(params.Ig, params.Io)
        self._ops: dict = {}
        self._memo: dict = {}
        self._pre: Callable[[np.ndarray], np.ndarray] | None = None
        self.full_jacobian = False
        self.grid: EnergyGrid | None = None

    # -- grid and operators ------------------------------------------------
    def active(self, grid: EnergyGrid | None = None) -> EnergyGrid:
        """Return ``grid``, else the current grid (set by the solver before any current)."""
        g = grid or self.grid
        if g is None:  # pragma: no cover - solve_nonlinear sets the grid first
            raise RuntimeError("no energy grid yet")
        return g

    def ops(self, grid: EnergyGrid):
        """Transmission operators of ``grid`` (the three most recent kept: ``O(n N)`` memory each)."""
        key = (grid.a, grid.b, grid.n)
        if key in self._ops:
            self._ops[key] = self._ops.pop(key)  # most recently used last
        else:
            self._ops[key] = make_ops(grid, self.gammas, self.hamiltonian, self.dense)
            while len(self._ops) > 3:
                self._ops.pop(next(iter(self._ops)))
        return self._ops[key]

    def make_grid(self, lo: float, hi: float, n: int) -> EnergyGrid:
        """Build a grid on a window around ``[lo, hi]`` with room for Newton steps and Fermi tails."""
        p = self.params
        tail = FERMI_CUTOFF * p.temperature
        pad = 0.1 * (hi - lo) + 1e-3
        a, b = lo - pad - tail, hi + pad + tail
        if p.temperature > 0.0 and (lo - tail <= -_BAND_EDGE or hi + tail >= _BAND_EDGE):
            raise _NeedPanels("the Fermi tails reach a band edge")
        a, b = max(a, -_BAND_EDGE), min(b, _BAND_EDGE)
        if self.grid is not None:  # windows only grow: earlier points stay covered
            a, b = min(a, self.grid.a), max(b, self.grid.b)
        return EnergyGrid(a, b, n, p.temperature, p.mubar)

    def ensure(self, mu: np.ndarray) -> bool:
        """Widen the window if ``mu`` is not covered; True if it changed."""
        if self.active().covers(mu[self.has]):
            return False
        m = mu[self.has]
        self.grid = self.make_grid(float(m.min()), float(m.max()), self.active().n)
        return True

    # -- currents ----------------------------------------------------------
    def node_currents(self, mu: np.ndarray, grid: EnergyGrid | None = None) -> np.ndarray:
        """Per-energy current contributions at ``mu``, shape ``(n, N)`` (memoised)."""
        grid = self.active(grid)
        key = (grid.a, grid.b, grid.n, mu.tobytes())
        if key in self._memo:
            return self._memo[key]
        out = self.ops(grid).apply(grid.weights(self._x(mu)))
        self._memo[key] = out
        while len(self._memo) > 8:
            self._memo.pop(next(iter(self._memo)))
        return out

    def currents(self, mu: np.ndarray, grid: EnergyGrid | None = None) -> np.ndarray:
        """Bath currents at ``mu`` on ``grid`` (default: the current grid), shape ``(N,)``."""
        return self.node_currents(mu, grid).sum(axis=0)

    def _x(self, mu: np.ndarray) -> np.ndarray:
        """Potentials with ``mubar`` on the sites without a bath (their weights are unused)."""
        return np.where(self.has, mu, self.params.mubar)

    # -- Newton step ---------------------------------------------------------
    def preconditioner(self):
        """``O(N)`` solve with the linear-response probe matrix at ``mubar``."""
        if self._pre is None and self.hamiltonian is not None and self.hamiltonian.range > 1:
            from .nonlinear_block import block_preconditioner  # range r > 1: the block sweep

            self._pre = block_preconditioner(self.wire.N, self.params.mubar, self.gammas, self.hamiltonian,
                                             self.unknown)
        if self._pre is None:
            from ._kernels import solve_kernel

            st = structure_at(self.params.mubar, self.gammas, self.hamiltonian)
            n, U, unknown = self.wire.N, self.U, self.unknown

            zero = np.zeros(1)

            def solve(r):
                tgt = np.zeros(n)
                tgt[U] = r
                x = np.zeros((1, n))
                solve_kernel(st.gam, st.gamL, st.gamR, st.den2, unknown, tgt, zero, zero,
                             np.empty(1), x, np.empty((1, n - 1)))
                return x[0, U]

            self._pre = solve
        return self._pre

    def step(self, mu: np.ndarray, R: np.ndarray) -> np.ndarray:
        """Newton direction ``dx`` over the unknowns, ``J dx = -R``.

        Dense: the exact Jacobian of the current grid, LU. Fast: GMRES on a
        Jacobian interpolated on at most ``JACOBIAN_NODES`` energies (its
        relative error, ~1e-6 for dimers, only slows Newton from quadratic
        to a contraction of that size; after a step that contracts the
        residual by less than 20x the full grid is used instead),
        preconditioned by the ``O(N)`` linear-response solve at ``mubar``.
        """
        U = self.U
        if self.lu:
            dA = self.active().dweights(self._x(mu))
            return np.linalg.solve(self.ops(self.active()).jacobian(dA, U), -R)
        from scipy.sparse.linalg import LinearOperator, gmres

        g = self.active()
        if g.n > JACOBIAN_NODES and not self.full_jacobian:
            g = EnergyGrid(g.a, g.b, JACOBIAN_NODES, g.temperature, g.ref)
        dA = g.dweights(self._x(mu))
        ops = self.ops(g)
        n = self.wire.N
        M = U.size

        def jv(v):
            y = np.zeros((dA.shape[0], n))
            y[:, U] = dA[:, U] * np.asarray(v).ravel()[None, :]
            return ops.apply(y).sum(axis=0)[U]

        pre = self.preconditioner()
        A = LinearOperator((M, M), matvec=jv, dtype=float)
        P = LinearOperator((M, M), matvec=lambda r: pre(np.asarray(r).ravel()), dtype=float)
        dx, info = gmres(A, -R, rtol=1e-6, atol=0.0, restart=min(M, 60), maxiter=20, M=P)
        return dx

    def band_check(self, mu: np.ndarray, dx: np.ndarray | None) -> None:
        """``ParameterError`` if a failed solve is pushing a bath potential out of the band."""
        U, p = self.U, self.params
        if not U.size:
            return
        x = mu[U] + (dx if dx is not None else 0.0)
        k = int(np.argmax(np.abs(x)))
        if abs(x[k]) >= 2.0 or abs(mu[U][k]) > 2.0 - 1e-3:
            name, value = ("Ig", p.Ig) if p.Ig > 0 else ("dmu", p.dmu)
            raise ParameterError(
                name, value,
                f"has no self-consistent solution inside the band (-2, 2): the Newton iteration drives "
                f"the bath potential mu_{U[k] + 1} (now {mu[U][k]:.10g}) beyond the band edge "
                f"(mubar = {p.mubar:g}, dmu = {p.dmu:g}, Ig = {p.Ig:g}); reduce Ig or dmu")

    # -- one bias ------------------------------------------------------------
    def newton(self, mu0: np.ndarray, tol: float, max_iter: int) -> tuple[np.ndarray, int, float]:
        """Solve ``I_U(mu) = target_U`` on the current grid; return ``mu``, iterations, residual."""
        U, tgt = self.U, self.target[self.U]
        mu = mu0.copy()
        self.ensure(mu)
        goal = tol * self.scale
        it = 0
        self.full_jacobian = False
        while True:
            C = self.node_currents(mu)
            R = C.sum(axis=0)[U] - tgt
            res = float(np.max(np.abs(R))) if U.size else 0.0
            if res <= goal:
                return mu, it, res
            if it >= max_iter:
                self.band_check(mu, None)
                raise ConvergenceError(
                    f"nonlinear solve did not converge in {it} Newton iterations: residual "
                    f"max|I_l - target_l| = {res:.3e} > tol * max(Ig, Io) = {goal:.3e}")
            dx = self.step(mu, R)
            phi0 = float(R @ R)
            t, accepted = 1.0, False
            for _ in range(40):
                trial = mu.copy()
                trial[U] += t * dx
                if np.any(np.abs(trial[U]) >= _BAND_EDGE):
                    t *= 0.5
                    continue
                if self.ensure(trial):  # new window: re-evaluate the start point
                    C0 = self.node_currents(mu)
                    R0 = C0.sum(axis=0)[U] - tgt
                    phi0 = float(R0 @ R0)
                Rt = self.currents(trial)[U] - tgt
                if float(Rt @ Rt) <= (1.0 - 1e-4 * t) * phi0:
                    accepted = True
                    break
                t *= 0.5
            it += 1
            if not accepted:
                self.band_check(mu, dx)
                raise ConvergenceError(
                    f"nonlinear solve stalled after {it} Newton iterations (no descent along the "
                    f"Newton direction): residual max|I_l - target_l| = {res:.3e} > {goal:.3e}")
            if float(np.max(np.abs(Rt))) > 0.05 * res:
                # slow contraction: the reduced Jacobian is not good enough
                # (T(w) varies fast, e.g. long free stretches): use the full grid
                self.full_jacobian = True
            mu = trial


def _state(prob: _Problem, grid: EnergyGrid, mu: np.ndarray) -> QuantumState:
    """Currents, bond currents, density deviation and heat current at ``mu`` on ``grid``."""
    has = prob.has
    x = np.where(has, mu, prob.params.mubar)
    C = prob.node_currents(mu, grid)
    ops = prob.ops(grid)
    I = C.sum(axis=0)
    # delta n_l (Eq. B50, factor inside the sum): (1/2pi) sum_l' int |G_ll'|^2 Gam_l' (f_l' - f_l)
    with np.errstate(divide="ignore", invalid="ignore"):
        dn = -(C / np.where(has[None, :], ops.gam, np.nan)).sum(axis=0)
    # heat current into bath l (Eq. B52): (1/2pi) sum_l' int (w - mu_l) T_ll' (f_l' - f_l)
    Bc = ops.apply(grid.moments(x))
    h = ((x - prob.params.mubar)[None, :] * C - Bc).sum(axis=0)
    I = np.where(has, I, np.nan)
    # continuity: J_l = sum_{k <= l} I_k (free sites inject nothing)
    J = np.cumsum(np.where(has, I, 0.0))[:-1]
    return QuantumState(I_1=float(I[0]), I_N=float(I[-1]), J=J, mu=np.where(has, mu, np.nan), I=I,
                        dn=np.where(has, dn, np.nan), h=np.where(has, h, np.nan))


def solve_nonlinear(wire: Wire, params: QuantumParams, *, tol: float = 1e-10, max_iter: int = 50,
                    method: str = "auto", n_nodes: int = 9, max_nodes: int | None = None,
                    info: dict | None = None,
                    hamiltonian: Hamiltonian | None = None) -> tuple[QuantumState, QuantumState]:
    """Full Landauer-Buttiker steady state (Eq. B22), forward and reverse.

    The S, D and P bath potentials are solved so that every S injects
    ``+Ig``, every D draws ``-Ig`` and every P carries no current, with the
    exact currents at temperature ``params.temperature`` (``T = 0``: the
    integrals of ``T_ll'(w)`` run exactly between the potentials). See the
    module docstring for the algorithm.

    Parameters
    ----------
    wire : Wire
        Any layout.
    params : QuantumParams
        ``gamma``, ``mubar``, ``dmu``, ``Ig``, ``gamma_contact``,
        ``temperature`` (any ``T >= 0``: the integrals run over the band
        ``(-2, 2)`` intersected with the Fermi window).
    tol : float
        Relative tolerance: Newton stops when ``max_l |I_l - target_l| <=
        tol * max(Ig, Io)`` (``Io = dmu/2pi``), and the energy quadrature is
        refined until two nested grids agree to the same bound.
    max_iter : int
        Newton iterations allowed per bias and grid.
    method : {"auto", "fast", "dense"}
        ``"fast"`` (the ``"auto"`` choice): ``O(N)`` per energy, GMRES for
        the Newton step. ``"dense"``: dense ``T(w)`` and Jacobian, the
        ``O(N^3)`` oracle.
    n_nodes : int
        First number of Chebyshev energies of the window.
    max_nodes : int, optional
        ``None`` (default): the window refines up to
        :data:`.nonlinear_routes.WINDOW_NODES` (513) energies, then the
        adaptive band rule takes over (:mod:`.nonlinear_routes`). Given: a
        hard bound on the window's energies (its memory is ``O(max_nodes
        N)``); a window that needs more raises ``ConvergenceError``.
    info : dict, optional
        If given, filled with ``iterations`` (forward, reverse), ``nodes``,
        ``window``, ``residual`` and ``quadrature_error`` (absolute, units of
        current); on a band route also ``panels`` and ``route`` (``"panels"``
        for the ``K x K`` rule, ``"stream"`` for the streaming one).
    hamiltonian : Hamiltonian, optional
        The wire's ``H`` (any range; routes in :mod:`.nonlinear_hamiltonian`).
        ``None``: the paper's uniform wire (its own kernels).

    Returns
    -------
    forward, reverse : QuantumState
        ``mu`` (sites 1..N, NaN on free sites), ``I`` (current from every
        bath into the wire), ``J`` (bond currents by continuity,
        ``J_l = sum_{k <= l} I_k``, equal to Eq. B19), ``I_1``, ``I_N``, the
        density deviation ``dn`` (Eq. B50 with the full integrals) and the
        heat current ``h`` into each bath (Eq. B52, ``u_l - mu_l (-I_l)``
        with the full integrals).

    Raises
    ------
    ParameterError
        Bad input, or a bath potential pushed outside the band (names ``Ig``
        or ``dmu``).
    ConvergenceError
        Newton does not converge (the message gives the residual and the
        iteration count), or the quadrature cannot reach ``tol`` with
        ``max_nodes`` energies (given) or on any route (not given).
    """
    from ...wire import check_int, check_real

    tol = check_real("tol", tol, lo=0.0, lo_open=True)
    max_iter = check_int("max_iter", max_iter, lo=0)
    n_nodes = check_int("n_nodes", n_nodes, lo=3)
    bounded = "" if max_nodes is None else "max_nodes"
    max_nodes = check_int("max_nodes", max_nodes, lo=n_nodes) if bounded else max(WINDOW_NODES, n_nodes)
    prob = _Problem(wire, params, method, n_nodes, hamiltonian)
    check_storage(prob, FEW_BATHS)  # a K x K band rule that cannot fit: refused before any work
    # start: linear response (T = 0) of both biases
    try:
        starts = linear_start(wire, params, prob.hamiltonian, prob.dense)
        mu_starts = [np.where(prob.has, s.mu, params.mubar) for s in starts]
    except ParameterError:  # linear response outside the band: start from mubar
        mu_starts = []
        for bias in (Bias.FORWARD, Bias.REVERSE):
            m = np.full(wire.N, params.mubar)
            m[0], m[-1] = params.potentials(bias)
            mu_starts.append(m)
    lo = min(float(m[prob.has].min()) for m in mu_starts)
    hi = max(float(m[prob.has].max()) for m in mu_starts)
    for m, bias in zip(mu_starts, (Bias.FORWARD, Bias.REVERSE), strict=True):
        m[0], m[-1] = params.potentials(bias)
    try:
        return _solve_window(prob, mu_starts, lo, hi, tol, max_iter, n_nodes, max_nodes, bounded, info)
    except _NeedPanels as need:
        from .nonlinear_panels import solve_panels
        from .panels import TooManyEntries

        try:
            states = solve_panels(prob, need.starts or mu_starts, tol, max_iter, info)
        except TooManyEntries:
            cap = window_cap(prob)
            if need.starts is None or cap <= max_nodes:
                raise storage_error(prob) from None
            # the window stopped at WINDOW_NODES and the band rule cannot store its
            # transmissions: the window goes on, from its own iterates
            return _solve_window(prob, need.starts, lo, hi, tol, max_iter, n_nodes, cap, "storage", info)
    for s in states:
        check_potentials(s.mu, params)
    return states[0], states[1]


def _solve_window(prob: _Problem, mu_starts: list[np.ndarray], lo: float, hi: float, tol: float,
                  max_iter: int, n_nodes: int, max_nodes: int, bounded: str,
                  info: dict | None) -> tuple[QuantumState, QuantumState]:
    """Newton on one Chebyshev window (module docstring); ``_NeedPanels`` when it cannot serve.

    ``bounded``: ``"max_nodes"`` (given by the caller) or ``"storage"`` (the
    window's storage after the band rule): ``max_nodes`` is a hard bound;
    ``""``: the band rule takes over beyond it, from the window's iterates.
    """
    params = prob.params
    few = int(prob.has.sum()) <= FEW_BATHS
    if few and resonant(prob.wire.N, lo, hi):  # one polynomial is hopeless
        raise _NeedPanels("resonances")
    prob.grid = prob.make_grid(lo, hi, n_nodes)

    goal = tol * prob.scale

    def qdiff(grid, mus):
        fine = grid.refined()
        return max(float(np.max(np.abs(prob.currents(m, grid)[prob.has] - prob.currents(m, fine)[prob.has])))
                   for m in mus)

    # choose the number of energies at the forward start (the reverse one
    # spans the same window); the choice is verified after Newton
    n = n_nodes
    while _next_n(n) <= max_nodes and qdiff(prob.make_grid(lo, hi, n), mu_starts[:1]) > 0.5 * goal:
        n = _next_n(n)
    if few and n > FEW_BATHS_NODES:
        raise _NeedPanels("resonances")
    sols = list(mu_starts)
    iters = [0, 0]
    while True:
        prob.grid = EnergyGrid(prob.grid.a, prob.grid.b, n, params.temperature, params.mubar)
        while True:  # both biases converged on one and the same window
            window = (prob.grid.a, prob.grid.b)
            res = []
            for i in range(2):
                sols[i], k, r = prob.newton(sols[i], tol, max_iter)
                iters[i] += k
                res.append(r)
            if window == (prob.grid.a, prob.grid.b):
                break
        qerr = qdiff(prob.grid, sols)
        if qerr <= goal:
            break
        n = _next_n(n)
        if few and n > FEW_BATHS_NODES:
            raise _NeedPanels("resonances")
        if n > max_nodes:
            if not bounded:  # the adaptive band rule takes over from these iterates
                raise _NeedPanels("window nodes", sols)
            hint = ("raise max_nodes or tol, or leave max_nodes unset (the adaptive band rule then takes over)"
                    if bounded == "max_nodes" else "the band rule cannot store its transmissions; raise tol")
            raise ConvergenceError(
                f"the energy quadrature did not reach tol = {tol:g}: currents on {prob.grid.n} and "
                f"{n} energies differ by {qerr:.3e} > {goal:.3e} (window "
                f"[{prob.grid.a:.6g}, {prob.grid.b:.6g}]); {hint}")
    states = [_state(prob, prob.grid, m) for m in sols]
    for s in states:
        check_potentials(s.mu, params)
    if info is not None:
        info.update(iterations=tuple(iters), nodes=prob.grid.n, window=(prob.grid.a, prob.grid.b),
                    residual=max(res), quadrature_error=qerr)
    return states[0], states[1]


def _current_scale(prob: _Problem, mu: np.ndarray) -> float:
    """Size of the currents at ``mu`` for an absolute error bound: ``max|mu_l - mu_l'| / 2pi``."""
    return max(float(np.ptp(mu[prob.has])), 1e-300) / TWO_PI


def landauer_currents(wire: Wire, params: QuantumParams, mu: np.ndarray, *, method: str = "auto",
                      tol: float = 1e-12, n_nodes: int = 9, max_nodes: int = 257,
                      hamiltonian: Hamiltonian | None = None) -> np.ndarray:
    """Compute the full Landauer-Buttiker currents (Eq. B22) at given potentials.

    Parameters
    ----------
    wire, params : Wire, QuantumParams
        ``mubar`` and ``temperature`` of ``params`` are used (not ``dmu`` or
        ``Ig``).
    mu : ndarray, shape (N,)
        Bath potentials, inside the band (ignored on free sites).
    method : {"auto", "fast", "dense"}
    tol : float
        Refine the Chebyshev grid until two successive grids agree to
        ``tol * max|I|``; the finer one is returned.
    hamiltonian : Hamiltonian, optional
        The wire's ``H`` (as in :func:`solve_nonlinear`); ``None``: uniform.

    Returns
    -------
    ndarray, shape (N,)
        Current from each bath into the wire; NaN on free sites.
    """
    prob = _Problem(wire, params, method, n_nodes, hamiltonian)
    mu = np.asarray(mu, dtype=float)
    if mu.shape != (wire.N,):
        raise ParameterError("mu", mu.shape, f"must have shape ({wire.N},)")
    check_potentials(np.where(prob.has, mu, np.nan), params)
    m = mu[prob.has]
    try:
        prob.grid = prob.make_grid(float(m.min()), float(m.max()), n_nodes)
    except _NeedPanels:  # Fermi tails reach a band edge: the adaptive band rule
        from .nonlinear_panels import band_currents

        out = np.full(wire.N, np.nan)
        out[prob.has] = band_currents(prob.gammas, params, m, 0.05 * tol * _current_scale(prob, mu),
                                      prob.hamiltonian, prob.dense)
        return out
    grid = prob.grid
    I = prob.currents(mu, grid)
    while True:
        fine = grid.refined()
        If = prob.currents(mu, fine)
        err = float(np.nanmax(np.abs(If - I)))
        if err <= tol * max(float(np.nanmax(np.abs(If))), 1e-300):
            return If
        if fine.n > max_nodes:
            raise ConvergenceError(f"quadrature did not converge: successive grids differ by {err:.3e}")
        grid, I = fine, If
