r"""The paper's cubic expansion of the one-dimer wire (Eqs. B35-B36, Fig. 2c, Fig. 6).

At ``T = 0`` the Landauer-Buttiker current of Eq. B22 is an integral of
``T_ll'(w)`` between two potentials; expanding ``T_ll'`` about ``mubar``
gives the series of Eq. B26,

    I_l = (1/2pi) sum_l' sum_{n>=1} T_ll',n-1 / n! (dmu_l^n - dmu_l'^n),

``T_ll',m = d^m T_ll'/dw^m`` at ``mubar`` and ``dmu_l = mu_l - mubar``. For
``N = 4`` (layout ``.SD.``, reservoirs at ``dmu_1 = +-dmu/2``,
``dmu_4 = -+dmu/2``) the paper keeps ``n <= 3``, which turns the S and D
conditions ``I_2 = +Ig``, ``I_3 = -Ig`` into the pair of cubics B35,

    v''/6 x^3 - w''/6 y^3 + v'/2 x^2 - w'/2 y^2 + v x - w y = xi_2
    v''/6 y^3 - w''/6 x^3 + v'/2 y^2 - w'/2 x^2 + v y - w x = xi_3

for ``x = dmu_2``, ``y = dmu_3``, with ``v = T_31 + T_32 + T_34``,
``w = T_32`` (primes: derivatives in ``mubar``) and ``xi_l`` of Eq. B36.
This is an approximation of the exact answer
(:func:`~nonrecip.deterministic.quantum.nonlinear.solve_nonlinear`): its
currents are exact to ``O(drive^4)``, so its potentials differ from the exact
ones by ``O(drive^4)`` where linear response errs by ``O(drive^2)``.

Derivatives of the transmissions are analytic (:func:`transmission_derivatives`:
``G' = -G M' G``, ``G'' = 2 G M' G M' G - G M'' G`` with ``M = w - H - Sigma``,
and the product rule on ``|G_ll'|^2 Gamma_l Gamma_l'``), exact to rounding
(relative ``~1e-14``; checked against finite differences and against the
derivatives of the closed forms B28-B30 in the tests).

All roots
---------
With ``s = x + y`` and ``t = x - y`` the sum of the two equations is
quadratic in ``t``, ``t^2 = P(s)/Q(s)`` (``P`` cubic, ``Q`` linear), and the
difference reads ``t R(s) = 4 Q(s) (xi_2 - xi_3)`` with ``R`` cubic; so
every solution has ``s`` a root of the degree-9 polynomial
``P R^2 - 16 Q^3 (xi_2 - xi_3)^2`` and ``t = 4 Q (xi_2 - xi_3)/R``. Its real
roots (companion-matrix eigenvalues in units of ``dmu``, each polished by
Newton on B35 itself) are all the real pairs; the physical one is the pair
closest to linear response (Eq. B31), the branch that coincides with it as
the drive vanishes (Fig. 6).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import Polynomial

from ...wire import Bias, ConvergenceError, ParameterError, QuantumParams, Wire
from .greens import bath_couplings, check_in_band, green_dense
from .state import QuantumState

__all__ = [
    "transmission_derivatives",
    "b35_coefficients",
    "cubic_roots",
    "physical_root",
    "series_currents",
    "solve_cubic",
    "relative_nonreciprocity",
]

TWO_PI = 2.0 * math.pi
_RESPONSES = ("linear", "cubic", "nonlinear")


def transmission_derivatives(w: float, gammas: np.ndarray) -> np.ndarray:
    """``T_ll'(w)`` and its first two energy derivatives, analytic, dense.

    Parameters
    ----------
    w : float
        Energy inside the band ``(-2, 2)``.
    gammas : ndarray, shape (N,)
        Bath couplings ``gamma_l``.

    Returns
    -------
    ndarray, shape (3, N, N)
        ``[T, dT/dw, d^2T/dw^2]``, symmetric, zero diagonal (the paper's
        ``T_ll',m`` of Eq. B24 for ``m = 0, 1, 2`` at ``w = mubar``).
    """
    w = float(check_in_band(w))
    g2 = np.asarray(gammas, dtype=float) ** 2
    s = math.sqrt(4.0 - w * w)
    G = green_dense(w, gammas)
    # Sigma = g2/2 (w - i s): Sigma' = g2/2 (1 + i w/s), Sigma'' = 2 i g2 / s^3
    dM = np.eye(len(g2)) - np.diag(0.5 * g2 * (1.0 + 1j * w / s))
    d2M = -np.diag(2j * g2 / s**3)
    GdM = G @ dM
    G1 = -GdM @ G
    G2 = 2.0 * GdM @ GdM @ G - G @ d2M @ G
    F0 = np.abs(G) ** 2
    F1 = 2.0 * np.real(np.conj(G) * G1)
    F2 = 2.0 * np.real(np.conj(G) * G2) + 2.0 * np.abs(G1) ** 2
    a0, a1, a2 = g2 * s, -g2 * w / s, -4.0 * g2 / s**3  # Gamma, Gamma', Gamma''
    A0, A1, A2 = (np.outer(a0, a0), np.outer(a1, a0) + np.outer(a0, a1),
                  np.outer(a2, a0) + np.outer(a0, a2) + 2.0 * np.outer(a1, a1))
    out = np.array([F0 * A0, F1 * A0 + F0 * A1, F2 * A0 + 2.0 * F1 * A1 + F0 * A2])
    out = 0.5 * (out + out.transpose(0, 2, 1))
    for m in range(3):
        np.fill_diagonal(out[m], 0.0)
    return out


def _check_dimer(wire: Wire) -> None:
    if not isinstance(wire, Wire):
        raise ParameterError("wire", wire, "must be a nonrecip.Wire")
    if wire.layout != ".SD.":
        raise ParameterError("layout", wire.layout,
                             "the cubic expansion B35 is the paper's one-dimer result: use layout '.SD.' (N = 4)")


def _delta(params: QuantumParams, bias: Bias) -> float:
    """Return the paper's signed bias ``delta mu = mu_1 - mu_4`` (negative in reverse)."""
    return bias.sign * params.dmu


def b35_coefficients(params: QuantumParams, bias: Bias = Bias.FORWARD) -> dict:
    """Return the coefficients of Eq. B35 and the right-hand sides of Eq. B36.

    Parameters
    ----------
    params : QuantumParams
        ``gamma``, ``mubar``, ``dmu``, ``Ig``, ``gamma_contact``.
    bias : Bias
        Forward (``delta mu = +dmu``) or reverse (``-dmu``).

    Returns
    -------
    dict
        ``v, w, v1, w1, v2, w2`` (``v, w`` and their first and second
        ``mubar``-derivatives: ``v = T_31 + T_32 + T_34``, ``w = T_32``),
        ``xi2, xi3`` (Eq. B36) and ``T`` (the ``(3, 4, 4)`` array of
        :func:`transmission_derivatives`).
    """
    gam = bath_couplings(Wire(".SD."), params)
    T = transmission_derivatives(params.mubar, gam)
    d = _delta(params, bias)
    v = T[:, 2, :].sum(axis=1)  # T_31 + T_32 + T_34 and derivatives (T_33 = 0)
    w = T[:, 2, 1]
    xi = {}
    for l in (1, 2):  # sites 2, 3 (0-based 1, 2); (-1)^l with the paper's 1-based l
        sign = 1.0 if l == 1 else -1.0
        xi[l] = (sign * TWO_PI * params.Ig + d / 2 * (T[0, l, 0] - T[0, l, 3])
                 + d**2 / 8 * (T[1, l, 0] + T[1, l, 3]) + d**3 / 48 * (T[2, l, 0] - T[2, l, 3]))
    return dict(v=v[0], w=w[0], v1=v[1], w1=w[1], v2=v[2], w2=w[2], xi2=xi[1], xi3=xi[2], T=T)


def _b35_residual(c: dict, x: float, y: float) -> np.ndarray:
    a, b, cc, dd = c["v2"] / 6, c["w2"] / 6, c["v1"] / 2, c["w1"] / 2
    return np.array([
        a * x**3 - b * y**3 + cc * x**2 - dd * y**2 + c["v"] * x - c["w"] * y - c["xi2"],
        a * y**3 - b * x**3 + cc * y**2 - dd * x**2 + c["v"] * y - c["w"] * x - c["xi3"],
    ])


def _b35_jacobian(c: dict, x: float, y: float) -> np.ndarray:
    a, b, cc, dd = c["v2"] / 6, c["w2"] / 6, c["v1"] / 2, c["w1"] / 2
    return np.array([
        [3 * a * x**2 + 2 * cc * x + c["v"], -3 * b * y**2 - 2 * dd * y - c["w"]],
        [-3 * b * x**2 - 2 * dd * x - c["w"], 3 * a * y**2 + 2 * cc * y + c["v"]],
    ])


def _polish(c: dict, x: float, y: float, scale: float) -> tuple[float, float, float]:
    """Newton on B35 from ``(x, y)``; returns the root and its residual (units of ``v dmu``)."""
    z = np.array([x, y])
    for _ in range(50):
        r = _b35_residual(c, *z)
        try:
            dz = np.linalg.solve(_b35_jacobian(c, *z), -r)
        except np.linalg.LinAlgError:
            break
        z = z + dz
        if np.max(np.abs(dz)) <= 1e-15 * scale:
            break
    r = _b35_residual(c, *z)
    return float(z[0]), float(z[1]), float(np.max(np.abs(r)))


def cubic_roots(params: QuantumParams, bias: Bias = Bias.FORWARD) -> np.ndarray:
    """All real solutions ``(delta mu_2, delta mu_3)`` of Eq. B35 (Fig. 6).

    Parameters
    ----------
    params : QuantumParams
    bias : Bias

    Returns
    -------
    ndarray, shape (K, 2)
        Every real root pair ``(mu_2 - mubar, mu_3 - mubar)``, sorted by
        ``delta mu_2``; ``K`` is odd generically (1, 3, ... up to 9).
        See :func:`physical_root` for the physical one.
    """
    c = b35_coefficients(params, bias)
    a, b, cc, dd = c["v2"] / 6, c["w2"] / 6, c["v1"] / 2, c["w1"] / 2
    v, w = c["v"], c["w"]
    sx, dx = c["xi2"] + c["xi3"], c["xi2"] - c["xi3"]
    L = params.dmu  # work in units of dmu: s = L sigma
    S = Polynomial([0.0, L])
    # sum:  t^2 Q = P ;  difference:  t R = 4 Q dx
    Q = 3 * (a - b) * S / 4 + (cc - dd) / 2
    P = sx - (a - b) * S**3 / 4 - (cc - dd) * S**2 / 2 - (v - w) * S
    R = (a + b) * (3 * S**2 * Q + P) + 4 * Q * ((cc + dd) * S + (v + w))
    F = P * R**2 - 16 * Q**3 * dx**2
    coef = F.coef / np.max(np.abs(F.coef))
    sig = np.roots(coef[::-1])
    roots: list[tuple[float, float]] = []
    tol_res = 1e-11 * max(abs(v), abs(w), 1.0) * L
    for z in sig:
        if abs(z.imag) > 1e-6 * max(1.0, abs(z)):
            continue
        s = L * z.real
        q, r = Q(z.real), R(z.real)
        if r != 0.0:
            t = 4 * q * dx / r
        else:  # pragma: no cover - degenerate
            pq = P(z.real) / q if q != 0 else 0.0
            t = math.sqrt(max(pq, 0.0))
        x, y, res = _polish(c, (s + t) / 2, (s - t) / 2, L)
        if res > tol_res or not (np.isfinite(x) and np.isfinite(y)):
            continue
        if all(abs(x - x0) + abs(y - y0) > 1e-9 * L for x0, y0 in roots):
            roots.append((x, y))
    roots.sort()
    return np.array(roots, dtype=float).reshape(-1, 2)


def physical_root(params: QuantumParams, bias: Bias = Bias.FORWARD) -> tuple[float, float]:
    """Return the physical root of Eq. B35: the real pair closest to linear response (Eq. B31).

    This is the branch that coincides with linear response as the drive
    vanishes (paper, under Eq. B36 and Fig. 6).

    Returns
    -------
    (delta mu_2, delta mu_3) : tuple of float

    Raises
    ------
    ConvergenceError
        If B35 has no real root.
    """
    roots = cubic_roots(params, bias)
    if not roots.size:
        raise ConvergenceError("Eq. B35 has no real root for these parameters")
    c = b35_coefficients(params, bias)
    d = _delta(params, bias)
    T = c["T"][0]
    lin_rhs = np.array([TWO_PI * params.Ig + d / 2 * (T[1, 0] - T[1, 3]),
                        -TWO_PI * params.Ig + d / 2 * (T[2, 0] - T[2, 3])])
    lin = np.linalg.solve(np.array([[c["v"], -c["w"]], [-c["w"], c["v"]]]), lin_rhs)
    k = int(np.argmin(np.hypot(roots[:, 0] - lin[0], roots[:, 1] - lin[1])))
    return float(roots[k, 0]), float(roots[k, 1])


def series_currents(Tder: np.ndarray, dmu: np.ndarray, order: int = 3) -> np.ndarray:
    """Bath currents from the series of Eq. B26 truncated after ``n = order``.

    Parameters
    ----------
    Tder : ndarray, shape (>= order, N, N)
        ``T_ll',m`` for ``m = 0 .. order-1`` (:func:`transmission_derivatives`).
    dmu : ndarray, shape (N,)
        ``mu_l - mubar`` (any value on sites without a bath).
    order : int
        Highest power of ``delta mu`` kept (3 for B35, 1 for linear response).

    Returns
    -------
    ndarray, shape (N,)
        ``I_l = (1/2pi) sum_l' sum_{n<=order} T_ll',n-1/n! (dmu_l^n - dmu_l'^n)``.
    """
    I = np.zeros(len(dmu))
    for n in range(1, order + 1):
        p = dmu**n
        I += (Tder[n - 1] * (p[:, None] - p[None, :])).sum(axis=1) / math.factorial(n)
    return I / TWO_PI


def solve_cubic(wire: Wire, params: QuantumParams) -> tuple[QuantumState, QuantumState]:
    """Forward and reverse state of the one-dimer wire in the cubic expansion (Eqs. B35-B36).

    The S and D potentials are the physical root of B35
    (:func:`physical_root`); every current (``I_1``, ``I_N`` and the
    bath currents) is the series of Eq. B26 truncated after the cubic term,
    as the paper does for Fig. 2(c). Bond currents by continuity.

    Parameters
    ----------
    wire : Wire
        Must be ``.SD.``.
    params : QuantumParams
        ``temperature`` must be 0 (B26 is the ``T << mubar`` limit).

    Returns
    -------
    forward, reverse : QuantumState
        ``dn`` and ``h`` are NaN (not part of the expansion).
    """
    _check_dimer(wire)
    if params.temperature != 0.0:
        raise ParameterError("temperature", params.temperature,
                             "the cubic expansion B35 is the T = 0 limit of Eq. B26; use response='nonlinear'")
    gam = bath_couplings(wire, params)
    Tder = transmission_derivatives(params.mubar, gam)
    states = []
    for bias in (Bias.FORWARD, Bias.REVERSE):
        x, y = physical_root(params, bias)
        d = _delta(params, bias)
        dmu = np.array([d / 2, x, y, -d / 2])
        mu = params.mubar + dmu
        from .linear import check_potentials

        check_potentials(mu, params)
        I = series_currents(Tder, dmu, 3)
        J = np.cumsum(I)[:-1]
        nan = np.full(4, np.nan)
        states.append(QuantumState(I_1=float(I[0]), I_N=float(I[-1]), J=J, mu=mu, I=I, dn=nan, h=nan.copy()))
    return states[0], states[1]


def relative_nonreciprocity(wire: Wire, params: QuantumParams, response: str = "nonlinear",
                            **kwargs) -> float:
    """Relative nonreciprocity ``Delta I / I_bar`` (Fig. 2c).

    ``Delta I = |I_1(reverse)| - |I_1(forward)|`` and
    ``2 I_bar = |I_1(forward)| + |I_1(reverse)|``.

    Parameters
    ----------
    wire, params : Wire, QuantumParams
    response : {"linear", "cubic", "nonlinear"}
        Linear response (:mod:`.linear`, its ratio is ``2 delta_I/(G4 dmu)``
        of the paper for ``.SD.``), the cubic expansion (:func:`solve_cubic`,
        ``.SD.`` only) or the exact Landauer-Buttiker solution
        (:func:`~.nonlinear.solve_nonlinear`, any layout).
    **kwargs
        Passed to the solver (e.g. ``tol``, ``method``).

    Returns
    -------
    float
    """
    if response not in _RESPONSES:
        raise ParameterError("response", response, "must be 'linear', 'cubic' or 'nonlinear'")
    if response == "linear":
        from .linear import solve_linear

        f, r = solve_linear(wire, params, **kwargs)
    elif response == "cubic":
        f, r = solve_cubic(wire, params)
    else:
        from .nonlinear import solve_nonlinear

        f, r = solve_nonlinear(wire, params, **kwargs)
    a, b = abs(f.I_1), abs(r.I_1)
    return (b - a) / (0.5 * (a + b))
