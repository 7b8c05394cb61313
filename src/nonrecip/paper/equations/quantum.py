r"""Closed forms of the quantum wire (Sec. III, App. B, App. C1).

Units ``gamma_o = e = hbar = 1`` (conventions §1, §4): energies and potentials
in units of the hopping, currents in units of ``e gamma_o / hbar``. The bias
is ``dmu = mu_L - mu_R`` (signed: the reverse bias is ``dmu -> -dmu``),
``Ig`` the current of each source and drain bath, ``gamma`` the S/D
coupling; the contacts are reflectionless (``gamma_1 = gamma_N = 1``) in
every formula here, as in the paper. ``rho = sqrt(4 - mubar^2)/(2 pi)`` is
the density of states at the end of a bath (Eq. 16), so
``Gam = 2 pi gamma^2 rho``.

Which are exact, and where (checked in ``tests/test_eq_b*.py``,
``test_eq_c_quantum.py``, ``test_eq_19_21.py`` against the dense NEGF
solver and ``G = Z^{-1}``):

* **Exact** in linear response at ``T = 0`` for ``N = 4`` (``.SD.``):
  B28-B30 (transmissions), B31 (``Delta mu``), B32 (``G_4``), B33 (``dI``;
  ``delta_I = 2 dI`` while the forward current keeps its sign), B34.
* **Exact** for one S-D dimer at sites 2 and ``N-1`` (``single``), any
  ``N >= 5``: C3, C4, C7-C13, Eq. 22, C14 (with ``det Z`` in C5, not
  ``|det Z|``: only the phase of ``G`` differs; the transmissions do not care).
* **Exact for N -> infinity** (bulk of an infinite dimer wire, far from both
  ends): B40, B42, B45-B47, B53; B51 is exact at *every* bath of any wire
  when B50 is read with ``gamma_l'^2 rho_l'`` inside the sum, because then
  ``delta n_l = -I_l / (2 pi gamma_l^2 rho_l)`` identically.
* **Approximate**: Eq. 17, Eq. 18 (small ``gamma``; measured relative errors
  ``O(gamma^4)`` for ``Delta mu`` and ``G_4``, ``O(gamma^2)`` for ``dI``, conventions §5); Eqs. 19-21 = B37, B38, B48, B49 and B52 (dimers, ``N >> l_c``
  and far from the ends: their errors decay like ``exp(-2 l / l_c)`` away
  from the contacts plus an ``O(l_c / N)`` correction to ``phi``); B54 (small
  ``gamma`` on top of B52).

Reading the paper (conventions §4): ``nabla = coth^2(alpha_R)/(2 sigma)``
(a square), ``sinh2alpha_R`` in B42 is ``sinh(2 alpha_R)``. The App. C1
forms (``single``) are defined in :mod:`.quantum_single` and re-exported here.
"""

from __future__ import annotations

import cmath
import math

import numpy as np

# one S-D dimer in a long wire (App. C1) lives in .quantum_single; every
# name of its __all__ is re-exported here
from .quantum_single import *  # noqa: F403
from .quantum_single import __all__ as _single_all

__all__ = [
    # helpers
    "bath_dos",
    # N = 4, one dimer (Sec. III A, App. B3)
    "b_denominator",
    "b28_b30_transmissions",
    "b31_delta_mu",
    "b31_delta_mu_from_T",
    "b32_conductance",
    "b33_dI",
    "b33_delta_I",
    "b34_gamma_c",
    "eq17_delta_mu",
    "eq18_conductance",
    "eq18_dI",
    # long dimer wires (Sec. III B, App. B4)
    "eq20_alpha",
    "eq20_lc",
    "eq20_sigma",
    "eq20_nabla",
    "eq20_phi",
    "eq19_mu",
    "eq21_conductance",
    "eq21_delta_J",
    "eq21_delta_I",
    "b48_JD",
    "b49_JS",
    "b40_transmission_bulk",
    "b42_sum",
    "b45_F_bulk",
    "b46_sum",
    "b47_sum",
    "b51_dn",
    "b52_heat",
    "b53_sum",
    "b54_heat",
]
__all__ += _single_all  # one dimer in a long wire (Sec. III C, App. C1)

TWO_PI = 2.0 * math.pi


def bath_dos(mubar):
    """Return the bath density of states at its first site, Eq. 16 (B13).

    ``rho(mubar) = sqrt(4 - mubar^2) / (2 pi)``. Exact; ``|mubar| < 2``.
    """
    return np.sqrt(4.0 - np.asarray(mubar, dtype=float) ** 2) / TWO_PI


# ==========================================================================
# N = 4: one S-D dimer (Sec. III A, App. B3). Exact in linear response.
# ==========================================================================
def b_denominator(gamma, mubar):
    """``D(mubar)`` of Eq. B28-B30.

    ``(2 + 2 g^2 + g^4)^2 - (1 + 2 g^2 + 5 g^4 + 2 g^6) mubar^2 + g^4 mubar^4``.

    Exact: ``|Z|^2 = D`` for the 4-site ``Z`` with ``gamma_1 = gamma_4 = 1``.
    """
    g2 = np.asarray(gamma, dtype=float) ** 2
    m2 = np.asarray(mubar, dtype=float) ** 2
    return (2 + 2 * g2 + g2**2) ** 2 - (1 + 2 * g2 + 5 * g2**2 + 2 * g2**3) * m2 + g2**2 * m2**2


def b28_b30_transmissions(gamma, mubar) -> dict:
    """Transmissions ``T_ll'(mubar)`` of the ``.SD.`` wire, Eqs. B28-B30. Exact.

    Returns
    -------
    dict
        ``T12 (= T34), T13 (= T24), T14, T23`` (B30, B28, B29, B29); ``T``
        is symmetric.
    """
    g2 = np.asarray(gamma, dtype=float) ** 2
    m2 = np.asarray(mubar, dtype=float) ** 2
    D = b_denominator(gamma, mubar)
    c = 4.0 * (1.0 - m2 / 4.0) / D
    return {
        "T13": c * g2,                                    # B28: T24 = T31
        "T23": c * g2**2,                                 # B29
        "T14": c,                                         # B29
        "T12": c * g2 * (1 + g2**2 - g2 * (m2 - 2)),      # B30: T21 = T34
    }


def b31_delta_mu_from_T(gamma, mubar, Ig, dmu):
    """Return ``Delta mu`` of ``.SD.`` from the transmissions, Eq. B31.

    ``Delta mu = [2 pi Ig + (T34 - T13)(mu_L - mubar)] / (T13 + T34 + 2 T23)``,
    first line of Eq. B31, with the transmissions of B28-B30. Exact
    (``mu_2 = mubar + Delta mu``, ``mu_3 = mubar - Delta mu``).
    """
    T = b28_b30_transmissions(gamma, mubar)
    return (TWO_PI * np.asarray(Ig) + (T["T12"] - T["T13"]) * np.asarray(dmu) / 2.0) / (
        T["T13"] + T["T12"] + 2 * T["T23"])


def b31_delta_mu(gamma, mubar, Ig, dmu):
    """``Delta mu`` of the ``.SD.`` wire, Eq. B31 (second line). Exact.

    ``Delta mu = [pi D Ig + g^4 (1 - mubar^2/4)(g^2 + 2 - mubar^2) dmu]
    / [2 g^2 (1 - mubar^2/4)(2 + g^4 + 4 g^2 - g^2 mubar^2)]``;
    ``mu_2 - mubar = mubar - mu_3 = Delta mu``. ``dmu`` signed (reverse: ``-dmu``).
    """
    g2 = np.asarray(gamma, dtype=float) ** 2
    m2 = np.asarray(mubar, dtype=float) ** 2
    q = 1.0 - m2 / 4.0
    num = math.pi * b_denominator(gamma, mubar) * np.asarray(Ig) + g2**2 * q * (g2 + 2 - m2) * np.asarray(dmu)
    return num / (2 * g2 * q * (2 + g2**2 + 4 * g2 - g2 * m2))


def b32_conductance(gamma, mubar):
    """``G_4`` of Eq. B32 (``I_1 = G_4 dmu - dI``). Exact.

    ``G_4 = (4 - mubar^2)(2 + g^4 + 2 g^2 - g^2 mubar^2)(g^2 + 1)^2
    / [2 pi D (2 + g^4 + 4 g^2 - g^2 mubar^2)]``.
    """
    g2 = np.asarray(gamma, dtype=float) ** 2
    m2 = np.asarray(mubar, dtype=float) ** 2
    return ((4 - m2) * (2 + g2**2 + 2 * g2 - g2 * m2) * (g2 + 1) ** 2
            / (TWO_PI * b_denominator(gamma, mubar) * (2 + g2**2 + 4 * g2 - g2 * m2)))


def b33_dI(gamma, mubar, Ig):
    """``dI = (g^4 + 2 g^2 - g^2 mubar^2) Ig / (2 + g^4 + 4 g^2 - g^2 mubar^2)``, Eq. B33. Exact."""
    g2 = np.asarray(gamma, dtype=float) ** 2
    m2 = np.asarray(mubar, dtype=float) ** 2
    return (g2**2 + 2 * g2 - g2 * m2) / (2 + g2**2 + 4 * g2 - g2 * m2) * np.asarray(Ig)


def b33_delta_I(gamma, mubar, Ig):
    """Return the nonreciprocity of ``.SD.``, ``delta_I = 2 dI`` (Eq. B33).

    Exact while the forward current ``G_4 dmu - dI`` stays positive
    (conventions §1).
    """
    return 2.0 * b33_dI(gamma, mubar, Ig)


def b34_gamma_c(mubar):
    """Return the coupling ``gamma_c`` at which ``dI = Ig/3``, Eq. B34.

    There ``delta_I = 2 Ig/3``, the classical value;
    ``gamma_c^2 = [mubar^2 - 1 + sqrt((mubar^2 - 1)^2 + 4)]/2``.
    Exact (the one real positive root). Returns ``gamma_c``.
    """
    m2 = np.asarray(mubar, dtype=float) ** 2
    return np.sqrt((m2 - 1 + np.sqrt((m2 - 1) ** 2 + 4)) / 2)


def eq17_delta_mu(gamma, mubar, Ig):
    """``Delta mu ~ pi Ig / gamma^2 + pi mubar^2 Ig / 2``, Eq. 17.

    Approximate: B31 expanded for small ``gamma`` at ``dmu -> 0``; the
    neglected terms are ``O(gamma^2) Ig`` and ``O(gamma^2) dmu``.
    """
    g2 = np.asarray(gamma, dtype=float) ** 2
    return math.pi * np.asarray(Ig) / g2 + math.pi * np.asarray(mubar) ** 2 * np.asarray(Ig) / 2


def eq18_conductance(gamma):
    """Return the small-``gamma`` conductance ``G_4 ~ (1 - gamma^2) / (2 pi)``, Eq. 18.

    Approximate (relative error ``O(gamma^4)``).
    """
    return (1.0 - np.asarray(gamma, dtype=float) ** 2) / TWO_PI


def eq18_dI(gamma, mubar, Ig):
    """Return the small-``gamma`` ``dI ~ gamma^2 (2 - mubar^2) Ig / 2``, Eq. 18.

    Approximate (relative error ``O(gamma^2)``).
    """
    return np.asarray(gamma, dtype=float) ** 2 * (2 - np.asarray(mubar) ** 2) * np.asarray(Ig) / 2


# ==========================================================================
# long dimer wires (Sec. III B, App. B4). Bulk / N >> l_c approximations.
# ==========================================================================
def eq20_alpha(gamma, mubar) -> complex:
    """``alpha = log(C + sqrt(C^2 - 1))`` with ``alpha_R > 0`` (below Eq. 20).

    ``2C = mubar - gamma^2 (mubar - i sqrt(4 - mubar^2)) / 2`` is the
    diagonal of ``Z`` at a bath site, so ``cosh(alpha) = C`` and the bulk
    Green's function of the infinite dimer wire is
    ``G_ll' = (-1)^{l-l'} exp(-alpha |l - l'|) / (2 sinh alpha)``. Exact
    (definition); ``alpha_I`` lies in ``(0, pi)``.
    """
    C = 0.5 * (mubar - gamma**2 * (mubar - 1j * math.sqrt(4 - mubar**2)) / 2)
    a = cmath.log(C + cmath.sqrt(C * C - 1))
    return -a if a.real < 0 else a


def eq20_lc(gamma, mubar) -> float:
    """Return the scattering length ``l_c = 1 / alpha_R`` (below Eq. 20).

    Definition; ``l_c ~ 2 / gamma^2`` for ``gamma << 1`` at any ``mubar``
    (Sec. III B).
    """
    return 1.0 / eq20_alpha(gamma, mubar).real


def eq20_sigma(gamma, mubar) -> float:
    """Return the conductivity ``sigma`` (below Eq. 20, ``e = 1``).

    ``sigma = sin^2(alpha_I) coth(alpha_R) / (2 pi |sinh alpha|^2)``.
    Definition (exact bulk quantity, B46).
    """
    a = eq20_alpha(gamma, mubar)
    return math.sin(a.imag) ** 2 / math.tanh(a.real) / (TWO_PI * abs(cmath.sinh(a)) ** 2)


def eq20_nabla(gamma, mubar) -> float:
    """Return ``nabla = coth^2(alpha_R) / (2 sigma)``, Eq. 20 / B38.

    A square (conventions §4). The dimer oscillation of the potentials is
    ``+- nabla Ig / 2``.
    """
    a = eq20_alpha(gamma, mubar)
    return 1.0 / math.tanh(a.real) ** 2 / (2 * eq20_sigma(gamma, mubar))


def eq20_phi(N, gamma, mubar, Ig, dmu):
    """``phi = (dmu + Ig l_c / (2 sigma)) / (2 [1 + (N - 3)/l_c])``, Eq. 20 / B38.

    Approximate (dimers, ``N >> 4``): the contact region is modelled by one
    extra ``l_c`` of resistance.
    """
    lc = eq20_lc(gamma, mubar)
    s = eq20_sigma(gamma, mubar)
    return (np.asarray(dmu) + np.asarray(Ig) * lc / (2 * s)) / (2 * (1 + (np.asarray(N) - 3) / lc))


def eq19_mu(l, N, gamma, mubar, Ig, dmu):
    """Bath potentials of the dimer wire, Eq. 19 / B37, sites ``l = 2..N-1``.

    ``mu_l = mu_L - phi + [l_c/(2 sigma) + (-1)^l nabla] Ig/2 - (2 phi / l_c)(l - 2)``,
    ``mu_L = mubar + dmu/2``.

    Approximate: dimers (S on even, D on odd sites), ``N >> l_c``, sites far
    from both ends (errors decay like ``exp(-2 alpha_R d)`` with the
    distance ``d`` to the nearer end, plus the ``O(l_c/N)`` of ``phi``).
    ``dmu`` signed (reverse: ``-dmu``).
    """
    l = np.asarray(l)
    lc = eq20_lc(gamma, mubar)
    s = eq20_sigma(gamma, mubar)
    nab = eq20_nabla(gamma, mubar)
    phi = eq20_phi(N, gamma, mubar, Ig, dmu)
    sign = np.where(l % 2 == 0, 1.0, -1.0)
    return (mubar + np.asarray(dmu) / 2 - phi + (lc / (2 * s) + sign * nab) * np.asarray(Ig) / 2
            - 2 * phi / lc * (l - 2))


def eq21_conductance(N, gamma, mubar):
    """``G_N = sigma / (l_c + N - 3)``, Eq. 21. Approximate (dimers, ``N >> 4``)."""
    return eq20_sigma(gamma, mubar) / (eq20_lc(gamma, mubar) + np.asarray(N) - 3)


def eq21_delta_J(N, gamma, mubar, Ig):
    """``delta J = (Ig/2)(1 - l_c / (l_c + N - 3))``, Eq. 21 (``J_D = G_N dmu - delta J``).

    Approximate (dimers, ``N >> 4``).
    """
    lc = eq20_lc(gamma, mubar)
    return np.asarray(Ig) / 2 * (1 - lc / (lc + np.asarray(N) - 3))


def eq21_delta_I(N, gamma, mubar, Ig):
    """Nonreciprocity ``2 delta J`` of the dimer wire (Eq. 21, Fig. 3b).

    Approximate; holds while the forward current keeps its sign.
    """
    return 2.0 * eq21_delta_J(N, gamma, mubar, Ig)


def b48_JD(N, gamma, mubar, Ig, dmu):
    """Return the bond current out of a drain, Eq. B48 (``= I_1``).

    ``J_D = -Ig/2 + (sigma dmu + Ig l_c/2)/(l_c + N - 3)``. Approximate
    (dimers, ``N >> 4``).
    """
    lc = eq20_lc(gamma, mubar)
    s = eq20_sigma(gamma, mubar)
    return -np.asarray(Ig) / 2 + (s * np.asarray(dmu) + np.asarray(Ig) * lc / 2) / (lc + np.asarray(N) - 3)


def b49_JS(N, gamma, mubar, Ig, dmu):
    """Bond current out of a source, ``J_S = J_D + Ig``, Eq. B49. Approximate."""
    return b48_JD(N, gamma, mubar, Ig, dmu) + np.asarray(Ig)


def b40_transmission_bulk(dl, gamma, mubar):
    """``T_ll' = pi^2 gamma^4 rho^2 exp(-2 alpha_R |l - l'|) / |sinh alpha|^2``, Eq. B40.

    Exact for an infinite dimer wire (bulk of a long one), ``dl = l - l' != 0``.
    """
    a = eq20_alpha(gamma, mubar)
    rho = bath_dos(mubar)
    return math.pi**2 * gamma**4 * rho**2 * np.exp(-2 * a.real * np.abs(dl)) / abs(cmath.sinh(a)) ** 2


def b42_sum(gamma, mubar):
    """Return the lattice sum of Eq. B42, ``1 / sinh(2 alpha_R)``.

    ``sum_{l' even} exp(-2 alpha_R |l - l'|) = 1 / sinh(2 alpha_R)`` for odd
    ``l`` in the bulk (``sinh2alpha_R`` is ``sinh(2 alpha_R)``). Exact as
    ``N -> inf``.
    """
    return 1.0 / math.sinh(2 * eq20_alpha(gamma, mubar).real)


def b45_F_bulk(l, lp, gamma, mubar):
    """``F_ll'`` of Eq. B19 in the bulk, Eq. B45.

    ``-pi gamma^2 rho exp(-(|l+1-l'| + |l-l'|) alpha_R) sin((|l+1-l'| - |l-l'|) alpha_I) / |sinh alpha|^2``.
    Exact for an infinite wire with baths of coupling ``gamma`` at ``l'``.
    """
    a = eq20_alpha(gamma, mubar)
    rho = bath_dos(mubar)
    d1 = np.abs(np.asarray(l) + 1 - np.asarray(lp))
    d0 = np.abs(np.asarray(l) - np.asarray(lp))
    return (-math.pi * gamma**2 * rho * np.exp(-(d1 + d0) * a.real) * np.sin((d1 - d0) * a.imag)
            / abs(cmath.sinh(a)) ** 2)


def b46_sum(gamma, mubar):
    """Return the lattice sum ``sum_l' F_ll' (l - l')`` of Eq. B46 (the first form).

    ``sum_l' F_ll' (l - l') = -pi gamma^2 rho cosh(alpha_R) sin(alpha_I) / (2 |sinh alpha|^2 sinh^2 alpha_R)
    = -2 pi sigma``. Exact as ``N -> inf``.
    """
    a = eq20_alpha(gamma, mubar)
    rho = bath_dos(mubar)
    return (-math.pi * gamma**2 * rho / abs(cmath.sinh(a)) ** 2 * math.cosh(a.real) * math.sin(a.imag)
            / (2 * math.sinh(a.real) ** 2))


def b47_sum(gamma, mubar):
    """Return the lattice sum ``sum_{l' even} F_ll'`` for odd ``l``, Eq. B47.

    ``sum_{l' even} F_ll' = pi gamma^2 rho sin(alpha_I) / (2 |sinh alpha|^2 cosh alpha_R)``.
    Exact as ``N -> inf``.
    """
    a = eq20_alpha(gamma, mubar)
    rho = bath_dos(mubar)
    return math.pi * gamma**2 * rho / abs(cmath.sinh(a)) ** 2 * math.sin(a.imag) / (2 * math.cosh(a.real))


def b51_dn(l, gamma, mubar, Ig):
    """Density deviation ``delta n_l = (-1)^(l+1) Ig / (2 pi gamma^2 rho)``, Eq. B51.

    With ``gamma_l'^2 rho_l'`` inside the sum of B50 (conventions §4),
    ``delta n_l = -I_l / (2 pi gamma_l^2 rho_l)`` holds identically at every
    bath, so B51 is exact at every S (even ``l``) and D (odd ``l``) of the
    dimer wire, ends included -- not only in the bulk.
    """
    l = np.asarray(l)
    return np.where(l % 2 == 0, -1.0, 1.0) * np.asarray(Ig) / (TWO_PI * gamma**2 * bath_dos(mubar))


def b52_heat(N, gamma, mubar, Ig, dmu):
    """Heat current into a bulk bath, ``h_l = sigma (2 phi / l_c)^2 + nabla Ig^2 / 2``, Eq. B52.

    Approximate: B52's first (exact, linear-response) form
    ``(1/4 pi) sum_l' T_ll' (mu_l' - mu_l)^2`` evaluated with Eq. 19 and the
    bulk sums B41, B42, B53 (dimers, ``N >> l_c``, far from the ends).
    """
    lc = eq20_lc(gamma, mubar)
    phi = eq20_phi(N, gamma, mubar, Ig, dmu)
    return eq20_sigma(gamma, mubar) * (2 * phi / lc) ** 2 + eq20_nabla(gamma, mubar) * np.asarray(Ig) ** 2 / 2


def b53_sum(gamma, mubar):
    """Return the lattice sum of Eq. B53, ``cosh(alpha_R) / (2 sinh^3 alpha_R)``.

    ``sum_l' exp(-2 alpha_R |l - l'|) (l - l')^2 = cosh(alpha_R) / (2 sinh^3 alpha_R)``.
    Exact as ``N -> inf`` (the sum runs over all ``l' != l``).
    """
    aR = eq20_alpha(gamma, mubar).real
    return math.cosh(aR) / (2 * math.sinh(aR) ** 3)


def b54_heat(N, gamma, mubar, Ig, dmu):
    """Return the small-``gamma`` heat ``h_l`` of Eq. B54.

    ``h_l ~ (1/sigma)[(2 phi sigma / l_c)^2 + l_c^2 Ig^2 / 4]`` with
    ``1/sigma ~ 2 pi / l_c`` and ``l_c ~ 2 / gamma^2``. Approximate:
    B52 for ``gamma << 1``. ``phi`` from Eq. 20 with these ``sigma``, ``l_c``.
    """
    lc = 2.0 / gamma**2
    s = lc / TWO_PI
    phi = (np.asarray(dmu) + np.asarray(Ig) * lc / (2 * s)) / (2 * (1 + (np.asarray(N) - 3) / lc))
    return ((2 * phi * s / lc) ** 2 + lc**2 * np.asarray(Ig) ** 2 / 4) / s
