r"""Linear response of the quantum wire at ``T = 0`` (App. B2, B4; conventions §4).

The problem
-----------
With ``x_l = mu_l - mubar`` the bath currents are (Eq. B26 truncated at n = 1)

    I_l = (1/2pi) sum_l' T_ll' (x_l - x_l'),      T_ll' = |G_ll'|^2 Gam_l Gam_l'

at ``w = mubar``. The reservoirs fix ``x_1 = +-dmu/2`` and ``x_N = -+dmu/2``;
every S, D and P bath has its potential set so that ``I_l = +Ig, -Ig, 0``.
Solving this "probe system" is what this module does, two ways:

* :func:`solve_linear_dense` — the oracle, exactly as written: a dense
  ``G = Z^{-1}`` (``O(N^3)``), the ``N x N`` matrix ``T``, a dense LU solve of
  ``[diag(sum_l' T_ll') - T]_UU x_U = 2 pi I_U + T_UK x_K`` with one step of
  iterative refinement, ``J`` from Eq. B19 with ``F_ll'``, ``delta n`` from
  Eq. B50 and ``h`` from Eq. B52 as sums.
* :func:`solve_linear_fast` — the direct ``O(N)`` solver below.

The direct O(N) solver
----------------------
``Z = w - H - Sigma`` is tridiagonal, so ``G`` is semiseparable: for
``j < l``, ``G_jl = G_ll prod_{k=j}^{l-1} (-s^L_{k+1})`` with ``s^L`` the
self-energy of the part of the wire left of a site (a continued fraction,
``s^L_{l+1} = 1/(Z_ll - s^L_l)``), and likewise from the right. Hence, with
``gamL_l = -2 Im s^L_l = sum_{j<l} Gam_j |G_jl|^2/|G_ll|^2`` (Ward identity
B20 split into its left and right halves),

    I_l = Gam_l |G_ll|^2/2pi [gamL_l (x_l - a_{l-1}) + gamR_l (x_l - b_l)],

where ``a_{l-1}`` is the *weighted mean* potential of the baths left of
``l`` (weights ``Gam_j |G_jl|^2``) and ``b_l`` that of the baths right of
``l``. The means obey convex updates,
``a_l = (gamL_l a_{l-1} + Gam_l x_l)/(gamL_l + Gam_l)``, and the bond current
is ``J_l = K_l (a_l - b_l)`` with a positive conductance ``K_l`` (the total
transmission across the cut, ``/2pi``): the wire becomes a chain of two-port
scatterers carrying a right stream ``a`` and a left stream ``b``, exactly
like the classical model. Current conservation gives every bond current as
``J_l = I_1 + Q_l`` (``Q_l`` the prescribed injection up to ``l``), and
across bath ``l`` the right stream drops by

    a_l - a_{l-1} = tau_l I_l - rho_l J_{l-1},
    tau_l = 2pi |G_ll|^{-2} / ((gamL_l + Gam_l) S_l),  rho_l = tau_l Gam_l / gamL_l,

``S_l = Gam_l + gamL_l + gamR_l``. Summing the drops from ``a_1 = x_1`` to
``a_{N-1} = x_N + J_{N-1}/K_{N-1}`` gives ``I_1`` in closed form,

    I_1 = [x_1 - x_N + sum_l (tau_l I_l - rho_l Q_{l-1}) - Q_{N-1}/K_{N-1}]
          / [sum_l rho_l + 1/K_{N-1}],

a series of positive resistances, and the potentials follow by cumulative
sums. Two ``O(N)`` sweeps for the structure (shared by both biases), one
for each bias; no iteration, no matrix, no exponentially growing generator.

Why it keeps its digits
-----------------------
The probe matrix is a Laplacian in disguise (``cond ~ (N/l_c)^2``) because
its diagonal is a row sum that nearly cancels its off-diagonal part; any
method that forms it and eliminates loses ``~2 log10(N/l_c)`` digits. Here
nothing is ever subtracted that could cancel: the continued fractions are
carried as ``(Re s, gam)`` with the broadenings updated as sums of positive
numbers (``gam^L_{l+1} = (Gam_l + gam^L_l)/|Z_ll - s^L_l|^2``), ``Im`` of
every denominator is such a positive sum, ``tau``, ``rho`` and ``K`` are
products and quotients of positive numbers, and the continued fractions
contract their own rounding errors (``|s|^2 <= 1``), so every local
quantity carries ``O(1)`` ulps, independent of ``N``. One more trap: along
a dimer wire the site drops ``tau I - rho J`` alternate with amplitude
``~ Ig l_c`` while a period drops only ``~ dmu / N``, and ``I_1`` multiplies
a total resistance ``~ N``; rounded in double, those errors add up
coherently (a periodic wire repeats the same rounding), up to ``~ N^2 eps`` in
the potentials. The sweeps therefore carry the total resistance, the drive,
``I_1`` and the running stream in double-double arithmetic (error-free
transformations, ``fastmath=False``; ~0.05 s more at ``N = 10^6``), leaving both
``I_1`` and ``mu`` correctly rounded: against a 31-digit evaluation at
``N = 10^6`` the measured errors are 2.4e-17 relative in ``I_1`` and
1.2e-16 absolute in ``mu`` (half an ulp of ``mu ~ 1``).

The density deviation of Eq. B50 (factor inside the sum) is identically
``delta n_l = -I_l / Gam_l`` (compare the sum with ``I_l``), so its fast
value is exact; the heat current of Eq. B52 comes from running weighted
variances (sums of non-negative terms).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ...results import needs_split
from ...wire import DRAIN, FREE, SOURCE, Bias, ParameterError, QuantumParams, Wire
from .greens import bath_couplings, broadening, check_in_band, green_dense, transmission_dense
from .state import QuantumState

__all__ = [
    "LinearStructure",
    "linear_structure",
    "probe_targets",
    "bath_currents_fast",
    "bath_currents_dense",
    "solve_linear_fast",
    "solve_linear_dense",
    "solve_linear",
    "check_potentials",
    "solve_both_biases",
]

TWO_PI = 2.0 * math.pi


# --------------------------------------------------------------------------
# the problem: couplings, which baths are solved for, their targets
# --------------------------------------------------------------------------
def probe_targets(wire: Wire, params: QuantumParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Couplings, the mask of self-consistent baths and their target currents.

    Returns
    -------
    gammas : ndarray, shape (N,)
        ``gamma_l`` (:func:`~.greens.bath_couplings`).
    unknown : ndarray of bool, shape (N,)
        S, D and P sites that have a bath (``gamma > 0``); their potentials
        are solved for.
    target : ndarray, shape (N,)
        ``+Ig`` at S, ``-Ig`` at D, 0 elsewhere.

    Raises
    ------
    ParameterError
        ``gamma = 0`` while the layout has S or D sites and ``Ig > 0``: a
        bath with zero coupling cannot carry ``Ig`` (no path for current).
    """
    if not isinstance(wire, Wire):
        raise ParameterError("wire", wire, "must be a nonrecip.Wire")
    if not isinstance(params, QuantumParams):
        raise ParameterError("params", params, "must be a nonrecip.QuantumParams")
    gammas = bath_couplings(wire, params)
    kinds = wire.kinds
    sd = (kinds == SOURCE) | (kinds == DRAIN)
    if params.gamma == 0.0 and params.Ig > 0.0 and sd.any():
        raise ParameterError(
            "gamma", params.gamma,
            f"must be > 0 when the layout has S or D sites and Ig = {params.Ig:g} > 0: a bath with "
            "zero coupling cannot inject or draw Ig (no path for current)")
    # every bath broadening Gam = gamma^2 sqrt(4 - mubar^2) must be a normal
    # double: an underflow to 0 would silently remove the bath, an overflow
    # make every transmission inf
    root = math.sqrt(4.0 - params.mubar**2)
    for name, g in (("gamma", params.gamma), ("gamma_contact", params.gamma_contact)):
        if g > 0.0 and not (1e-280 < g * g * root < 1e280):
            raise ParameterError(name, g, "gives a bath broadening gamma^2 sqrt(4 - mubar^2) outside "
                                 "(1e-280, 1e280): it under- or overflows in double precision "
                                 "(use gamma = 0 for no side baths)")
    unknown = (kinds != FREE) & (gammas > 0.0)
    unknown[0] = unknown[-1] = False
    target = np.where(unknown, params.Ig * wire.injection, 0.0)
    return gammas, unknown, target


def _check_mubar(mubar: float) -> float:
    return float(check_in_band(mubar, "mubar"))


def check_potentials(mu: np.ndarray, params: QuantumParams, bias: Bias | None = None) -> None:
    """``ParameterError`` if a bath potential left the band ``(-2, 2)``.

    Outside the band a bath has no states, so neither the linear response
    nor the Landauer-Buttiker currents make sense there.
    """
    bad = np.flatnonzero(np.isfinite(mu) & (np.abs(mu) >= 2.0))
    if bad.size:
        l = int(bad[np.argmax(np.abs(mu[bad]))])
        end = l in (0, len(mu) - 1)
        name, value = ("dmu", params.dmu) if end or params.Ig == 0.0 else ("Ig", params.Ig)
        raise ParameterError(
            name, value,
            f"pushes the bath potential mu_{l + 1} = {mu[l]:.6g} outside the band (-2, 2)"
            f"{'' if bias is None else ' under ' + Bias.parse(bias).value + ' bias'} "
            f"(mubar = {params.mubar:g}, dmu = {params.dmu:g}, Ig = {params.Ig:g}); reduce Ig or dmu")


# --------------------------------------------------------------------------
# the O(N) structure
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class LinearStructure:
    """What the ``O(N)`` solver needs of ``G(mubar)``; every array ``(N,)`` float.

    Attributes
    ----------
    mubar : float
    gam : bath broadenings ``Gam_l(mubar)``.
    gamL, gamR : broadenings of the wire left / right of ``l`` seen at ``l``
        (``-2 Im s^L_l``, ``-2 Im s^R_l``).
    fL, fR : ``|s^L_{l+1}|^2`` and ``|s^R_{l-1}|^2``: decay of a weight per step.
    den2 : ``|G_ll|^{-2}``.
    """

    mubar: float
    gam: np.ndarray
    gamL: np.ndarray
    gamR: np.ndarray
    fL: np.ndarray
    fR: np.ndarray
    den2: np.ndarray

    @property
    def G_abs2(self) -> np.ndarray:  # noqa: N802
        """``|G_ll(mubar)|^2``, shape ``(N,)``."""
        return 1.0 / self.den2

    @property
    def ldos(self) -> np.ndarray:
        """``-2 Im G_ll = |G_ll|^2 (Gam_l + gamL_l + gamR_l)`` (Ward identity B20)."""
        return (self.gam + self.gamL + self.gamR) / self.den2

    @property
    def bond_conductance(self) -> np.ndarray:
        """``K_l = |G_ll|^2 (gamL_l + Gam_l) gamR_l / 2pi`` for bonds ``l -> l+1``, shape ``(N-1,)``.

        ``2 pi K_l`` is the total transmission from the baths at sites
        ``<= l`` to those at sites ``> l``.
        """
        return ((self.gamL + self.gam) * self.gamR / (TWO_PI * self.den2))[:-1]


def linear_structure(mubar: float, gammas: np.ndarray) -> LinearStructure:
    """Left/right continued fractions of ``Z = mubar - H - Sigma(mubar)``, ``O(N)``.

    Parameters
    ----------
    mubar : float
        Energy inside the band.
    gammas : ndarray, shape (N,)
        Bath couplings ``gamma_l``.
    """
    from ._kernels import structure_kernel

    mubar = _check_mubar(mubar)
    g2 = np.asarray(gammas, dtype=float) ** 2
    n = g2.shape[0]
    # Z_ll = mubar - Sigma_l(mubar): Re = mubar (1 - g^2/2), Im = Gam_l / 2 (Eq. B14)
    re_z = mubar * (1.0 - 0.5 * g2)
    gam = g2 * math.sqrt(4.0 - mubar * mubar)
    out = [np.empty(n) for _ in range(7)]
    reL, gamL, fL, reR, gamR, fR, den2 = out
    structure_kernel(np.ascontiguousarray(re_z), gam, reL, gamL, fL, reR, gamR, fR, den2)
    return LinearStructure(mubar, gam, gamL, gamR, fL, fR, den2)


def bath_currents_fast(mubar: float, gammas: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Linear-response bath currents ``I_l = (1/2pi) sum_l' T_ll'(mubar) (mu_l - mu_l')``, ``O(N)``.

    Parameters
    ----------
    mubar : float
    gammas : ndarray, shape (N,)
    mu : ndarray, shape (N,)
        Bath potentials (ignored where ``gamma_l = 0``).

    Returns
    -------
    ndarray, shape (N,)
        Current from each bath into the wire; NaN where there is no bath.
    """
    from ._kernels import apply_kernel

    st = linear_structure(mubar, gammas)
    has = np.asarray(gammas) > 0
    x = np.where(has, np.asarray(mu, dtype=float) - st.mubar, 0.0)
    out = np.empty_like(x)
    apply_kernel(st.gam, st.gamL, st.fL, st.gamR, st.fR, st.den2, has, x, out)
    return out


def bath_currents_dense(mubar: float, gammas: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Compute the same currents from the dense transmission matrix (``O(N^3)``, oracle)."""
    T = transmission_dense(mubar, gammas)
    has = np.asarray(gammas) > 0
    x = np.where(has, np.asarray(mu, dtype=float) - mubar, 0.0)
    I = (T * (x[:, None] - x[None, :])).sum(axis=1) / TWO_PI
    return np.where(has, I, np.nan)


# --------------------------------------------------------------------------
# the fast solver
# --------------------------------------------------------------------------
def _reservoirs(params: QuantumParams, bias: Bias) -> tuple[float, float]:
    s = bias.sign
    return s * params.dmu / 2.0, -s * params.dmu / 2.0


def solve_linear_fast(wire: Wire, params: QuantumParams) -> tuple[QuantumState, QuantumState]:
    """Linear response at ``T = 0``, forward and reverse, by the direct ``O(N)`` solver.

    See the module docstring for the algorithm and why it keeps its digits.

    Parameters
    ----------
    wire : Wire
        Any layout.
    params : QuantumParams
        ``gamma``, ``mubar``, ``dmu``, ``Ig``, ``gamma_contact``
        (``temperature`` must be 0).

    Returns
    -------
    forward, reverse : QuantumState
        ``mu``, ``I`` (bath currents: the targets at S/D/P, ``I_1``, ``I_N``),
        ``J`` (by continuity, ``J_l = I_1 + Q_l``), ``dn`` (Eq. B50) and ``h``
        (Eq. B52) at every bath; NaN on free sites.
    """
    gammas, unknown, target = probe_targets(wire, params)
    _check_temperature(params)
    st = linear_structure(params.mubar, gammas)
    n = wire.N
    h = params.dmu / 2.0
    mu, I, J, dn, heat, worst = solve_both_biases(st, gammas > 0, unknown, target, np.array([h, -h]))
    if worst >= 0:
        k = worst // n
        if not np.isfinite(mu.flat[worst]):  # a safety net: the checks above exclude this
            raise ParameterError("layout", wire.layout, "the probe equations are singular for these parameters")
        check_potentials(mu[k], params, (Bias.FORWARD, Bias.REVERSE)[k])
    I_fwd, I_rev = float(I[0, 0]), float(I[1, 0])
    split = _split_fast(st, unknown, target, h, I_fwd, I_rev) if needs_split(I_fwd, I_rev) else None
    fwd, rev = (QuantumState(I_1=float(I[k, 0]), I_N=float(I[k, -1]), J=J[k], mu=mu[k], I=I[k],
                             dn=dn[k], h=heat[k], I_in_split=_biased(split, k)) for k in range(2))
    return fwd, rev


def solve_both_biases(st: LinearStructure, has: np.ndarray, unknown: np.ndarray, target: np.ndarray,
                      x1: np.ndarray,
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Run the two-stream solve, heat and finish kernels for both biases at once.

    Parameters
    ----------
    st : LinearStructure
        The chain's structure (:func:`linear_structure` or ``chain_structure``).
    has : ndarray of bool
        Sites that carry a bath.
    unknown, target : ndarray
        From :func:`probe_targets`: probe sites, and the bath current each
        S/D/P site must carry.
    x1 : ndarray, shape (2,)
        The left contact's drive, forward then reverse (the right one is ``-x1``).

    Returns
    -------
    mu, I, J, dn, heat : ndarray, shape (2, N) (``J``: (2, N-1))
        Row 0 forward, row 1 reverse (NaN on free sites, as in
        :class:`.QuantumState`).
    worst : int
        The flat index into ``mu`` of the worst potential, or ``-1`` if every
        potential is in band (``finish_kernel``).
    """
    from ._kernels import finish_kernel, heat_kernel, solve_kernel

    n = has.size
    x = np.zeros((2, n))
    J = np.empty((2, n - 1))
    I1 = np.empty(2)
    solve_kernel(st.gam, st.gamL, st.gamR, st.den2, unknown, target, x1, -x1, I1, x, J)
    heat = np.empty((2, n))
    heat_kernel(st.gam, st.gamL, st.fL, st.gamR, st.fR, st.den2, has, x, heat)
    mu, I, dn = np.empty((2, n)), np.empty((2, n)), np.empty((2, n))
    worst = int(finish_kernel(st.mubar, st.gam, has, target, I1, x, J, mu, I, dn))
    return mu, I, J, dn, heat, worst


def _biased(split: tuple[float, float] | None, k: int) -> tuple[float, float] | None:
    """Return the forward (``k = 0``) or reverse (``k = 1``) split from the forward one.

    The drive part changes sign, the ``Ig`` part does not (exactly).
    """
    if split is None:
        return None
    return split if k == 0 else (-split[0], split[1])


def _split_from_one(I_fwd: float, I_rev: float, solve_small: Callable[[bool], float]) -> tuple[float, float]:
    """Split the forward ``I_1 = drive + injected`` with one more solve.

    ``solve_small(True)`` solves for the drive part alone (``Ig = 0``),
    ``solve_small(False)`` for the injected part alone (``dmu = 0``). Only the
    smaller part (judged from ``I_fwd - I_rev = 2 drive`` and
    ``I_fwd + I_rev = 2 injected``) is solved for; the larger one is
    ``I_fwd`` minus it, which cancels nothing since ``I_fwd`` is dominated by
    the larger part.
    """
    if abs(I_fwd - I_rev) <= abs(I_fwd + I_rev):
        drive = solve_small(True)
        return drive, I_fwd - drive
    injected = solve_small(False)
    return I_fwd - injected, injected


def drive_current(st: LinearStructure, unknown: np.ndarray, h: float) -> float:
    """``I_1`` at ``Ig = 0`` with ``x_1 = -x_N = h``: ``2h`` over the series resistance.

    ``sum_l rho_l + 1/K_{N-1}`` (module docstring) is a sum of positive
    terms, summed pairwise by NumPy (``O(log N)`` ulps), so this is the drive
    part of ``I_1`` to a few ulps without the potentials sweep.
    """
    g, gL = st.gam[unknown], st.gamL[unknown]
    tau = TWO_PI * st.den2[unknown] / ((gL + g) * (g + gL + st.gamR[unknown]))
    resistance = float(np.sum(tau * (g / gL))) + TWO_PI * st.den2[-1] / (st.gamL[-1] * st.gam[-1])
    return 2.0 * h / resistance


def _split_fast(st: LinearStructure, unknown: np.ndarray, target: np.ndarray, h: float,
                I_fwd: float, I_rev: float) -> tuple[float, float]:
    """Split ``I_1 = drive + injected`` under forward bias for the fast solver.

    ``Ig = 0`` with ``x_1 = -x_N = dmu/2`` gives the drive part
    (:func:`drive_current`, one vectorised pass), ``dmu = 0`` with the targets
    the injected one (one more sweep of the solver); the smaller of the two is
    solved for (:func:`_split_from_one`), so that ``delta_I`` is formed
    without cancelling them (:func:`~nonrecip.results.delta_I_linear`,
    conventions §1). Run only when the plain difference would cancel.
    """
    from ._kernels import solve_kernel

    n = st.gam.shape[0]

    def solve_small(drive: bool) -> float:
        if drive:
            return drive_current(st, unknown, h)
        tgt, x1 = target, 0.0
        I1 = np.empty(1)
        solve_kernel(st.gam, st.gamL, st.gamR, st.den2, unknown, tgt, np.array([x1]), np.array([-x1]),
                     I1, np.zeros((1, n)), np.empty((1, n - 1)))
        return float(I1[0])

    return _split_from_one(I_fwd, I_rev, solve_small)


def _state(params, bias, has, x, I, J, dn, h) -> QuantumState:
    mu = np.where(has, params.mubar + x, np.nan)
    check_potentials(mu, params, bias)
    return QuantumState(I_1=float(I[0]), I_N=float(I[-1]), J=J, mu=mu, I=I, dn=np.where(has, dn, np.nan), h=h)


def _check_temperature(params: QuantumParams) -> None:
    from .thermal import is_zero_temperature

    if not is_zero_temperature(params.temperature, params.mubar):
        raise ParameterError(
            "temperature", params.temperature,
            "linear response is computed at T = 0; use response='nonlinear' for T > 0")


# --------------------------------------------------------------------------
# the dense oracle
# --------------------------------------------------------------------------
def solve_linear_dense(wire: Wire, params: QuantumParams) -> tuple[QuantumState, QuantumState]:
    """Linear response at ``T = 0`` by dense linear algebra (the test oracle, ``O(N^3)``).

    Everything as the paper writes it: ``G = Z^{-1}`` by a dense inverse,
    ``T_ll'`` (Eq. B10), the probe system solved by LU with one step of
    iterative refinement (the residual ``sum_l' T_ll' (x_l - x_l')`` is formed
    from differences, so the refinement recovers the digits that the
    Laplacian-like conditioning costs the LU), ``J_l`` from Eq. B19 with
    ``F_ll'``, ``delta n_l`` from Eq. B50 (factor inside the sum) and ``h_l``
    from Eq. B52. Use for ``N`` up to ~2000.

    Returns
    -------
    forward, reverse : QuantumState
    """
    from scipy.linalg import lu_factor, lu_solve

    gammas, unknown, target = probe_targets(wire, params)
    _check_temperature(params)
    mubar = _check_mubar(params.mubar)
    n = wire.N
    G = green_dense(mubar, gammas)
    gam = broadening(mubar, gammas)
    A2 = G.real**2 + G.imag**2
    T = A2 * gam[:, None] * gam[None, :]
    T = 0.5 * (T + T.T)
    np.fill_diagonal(T, 0.0)
    has = gammas > 0
    U = np.flatnonzero(unknown)
    K = np.array([0, n - 1])
    M = np.diag(T[U].sum(axis=1)) - T[np.ix_(U, U)]
    lu = lu_factor(M, check_finite=False) if U.size else None
    # F_ll' of Eq. B19 (bonds l = 1..N-1): F = -2 Im(conj(G_ll') G_l+1,l') Gam_l'
    F = -2.0 * np.imag(np.conj(G[:-1, :]) * G[1:, :]) * gam[None, :]

    def currents(x):
        return (T * (x[:, None] - x[None, :])).sum(axis=1) / TWO_PI

    def potentials(xK: tuple[float, float], tgt: np.ndarray) -> np.ndarray:
        x = np.zeros(n)
        x[K] = xK
        if U.size:
            b = TWO_PI * tgt[U] + T[np.ix_(U, K)] @ x[K]
            x[U] = lu_solve(lu, b, check_finite=False)
            r = TWO_PI * (tgt[U] - currents(x)[U])
            x[U] += lu_solve(lu, r, check_finite=False)
        if not np.all(np.isfinite(x)):
            raise ParameterError("layout", wire.layout, "the probe equations are singular for these parameters")
        return x

    states = []
    for bias in (Bias.FORWARD, Bias.REVERSE):
        x = potentials(_reservoirs(params, bias), target)
        I = np.where(has, currents(x), np.nan)
        J = -(F @ x) / TWO_PI
        dn = (A2 * gam[None, :] * (x[None, :] - x[:, None])).sum(axis=1) / TWO_PI
        h = (T * (x[None, :] - x[:, None]) ** 2).sum(axis=1) / (2.0 * TWO_PI)
        states.append(_state(params, bias, has, x, I, J, dn, np.where(has, h, np.nan)))
    fwd, rev = states
    if needs_split(fwd.I_in, rev.I_in):
        # the smaller part of I_1 on its own: Ig = 0 under forward bias, or dmu = 0 with the targets
        def solve_small(drive: bool) -> float:
            x = (potentials(_reservoirs(params, Bias.FORWARD), np.zeros(n)) if drive
                 else potentials((0.0, 0.0), target))
            return float(currents(x)[0])

        split = _split_from_one(fwd.I_in, rev.I_in, solve_small)
        fwd, rev = (dataclasses.replace(s, I_in_split=_biased(split, k)) for k, s in enumerate((fwd, rev)))
    return fwd, rev


def solve_linear(wire: Wire, params: QuantumParams, method: str = "auto") -> tuple[QuantumState, QuantumState]:
    """Linear response at ``T = 0`` by ``method``.

    ``"fast"`` (``O(N)``, the default for ``"auto"``) or ``"dense"``
    (``O(N^3)`` oracle).
    """
    if method in ("auto", "fast"):
        return solve_linear_fast(wire, params)
    if method == "dense":
        return solve_linear_dense(wire, params)
    raise ParameterError("method", method, "must be 'auto', 'fast' or 'dense'")
