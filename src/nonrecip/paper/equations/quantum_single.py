"""Closed forms of one S-D dimer at sites 2 and ``N-1`` of a long wire (Sec. III C, App. C1).

Same units and conventions as :mod:`nonrecip.paper.equations.quantum` (conventions §1, §4), which
re-exports every name here. All exact (conventions §5) for the ``single``
layout, any ``N >= 5``, in linear response at ``T = 0``: C3, C4, C7-C13,
Eq. 22, C14 (with ``det Z`` in C5, not ``|det Z|``: only the phase of ``G``
differs; the transmissions do not care). Checked in
``tests/test_eq_c_quantum.py`` against the dense NEGF solver and
``G = Z^{-1}``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "c_A",
    "c_2D",
    "c_kF",
    "c_lambdaF",
    "c_Y",
    "c7_det_z",
    "c8_c10_green",
    "c11_c12_transmissions",
    "eq22_xi",
    "c3_delta_mu",
    "c4_conductance",
    "c4_delta_j",
    "c13_delta_mu",
    "c13_conductance",
    "c13_delta_j",
    "eq22_delta_j",
    "c14_delta_mu",
]

TWO_PI = 2.0 * math.pi


# ==========================================================================
# one S-D dimer at sites 2 and N-1 of a long wire (Sec. III C, App. C1). Exact.
# ==========================================================================
def c_A(mubar) -> complex:
    """Return ``A``, the diagonal of ``Z`` at the reflectionless contacts (C7).

    ``A = mubar/2 + i sqrt(1 - mubar^2/4)``; ``|A| = 1``, ``A = exp(i k_F)``.
    """
    return complex(mubar / 2, math.sqrt(1 - mubar**2 / 4))


def c_2D(gamma, mubar) -> complex:
    """Return ``2D``, the diagonal of ``Z`` at the S and D sites (C7).

    ``2D = mubar - gamma^2 (mubar - i sqrt(4 - mubar^2)) / 2`` (``= 2C`` of
    Eq. 20).
    """
    return mubar - gamma**2 * (mubar - 1j * math.sqrt(4 - mubar**2)) / 2


def c_kF(mubar) -> float:
    """Fermi momentum ``k_F = arccos(mubar / 2)`` (C7, Eq. 22)."""
    return math.acos(mubar / 2)


def c_lambdaF(mubar) -> float:
    """Fermi wavelength ``lambda_F = 2 pi / arccos(mubar / 2)`` (Eq. 22); 6 at ``mubar = 1``."""
    return TWO_PI / c_kF(mubar)


def c_Y(n, mubar):
    """Return ``Y_n``, the determinant of an ``n``-site free block of ``Z`` (C7).

    ``Y_n = sin((n + 1) k_F) / sin k_F`` (``Y_0 = 1``, ``Y_{-1} = 0``).
    """
    k = c_kF(mubar)
    return np.sin((np.asarray(n) + 1) * k) / math.sin(k)


def c7_det_z(N, gamma, mubar) -> complex:
    """``det Z`` of the single-dimer wire (C6), Eq. C7; exact for ``N >= 5``.

    ``(2AD - 1){A(2D Y_{N-4} - Y_{N-5}) - Y_{N-4}} - A{A(2D Y_{N-5} - Y_{N-6}) - Y_{N-5}}``.
    """
    A, D2 = c_A(mubar), c_2D(gamma, mubar)
    Y = lambda n: complex(c_Y(n, mubar))  # noqa: E731
    return ((A * D2 - 1) * (A * (D2 * Y(N - 4) - Y(N - 5)) - Y(N - 4))
            - A * (A * (D2 * Y(N - 5) - Y(N - 6)) - Y(N - 5)))


def c8_c10_green(N, gamma, mubar) -> dict:
    """Green's function elements of the single-dimer wire, Eqs. C8-C10. Exact.

    ``G21 = -{A(2D Y_{N-4} - Y_{N-5}) - Y_{N-4}} / det Z``,
    ``GN1 = (-1)^(N+1) / det Z``, ``G(N-1)1 = (-1)^N A / det Z``,
    ``G(N-1)2 = (-1)^(N+1) A^2 / det Z`` (sites 1-based; C5 with ``det Z``).
    """
    A, D2 = c_A(mubar), c_2D(gamma, mubar)
    Y = lambda n: complex(c_Y(n, mubar))  # noqa: E731
    det = c7_det_z(N, gamma, mubar)
    s = (-1) ** N
    return {
        "G21": -(A * (D2 * Y(N - 4) - Y(N - 5)) - Y(N - 4)) / det,
        "GN1": -s / det,
        "GN-1,1": s * A / det,
        "GN-1,2": -s * A * A / det,
    }


def eq22_xi(N, gamma, mubar):
    """``Xi = |(2AD - 1) sin((N-3) k_F) - A sin((N-4) k_F)|^2 / sin^2 k_F``, Eq. 22 / C13.

    Exact. ``Xi = 1`` whenever ``sin((N - 3) k_F) = 0``, i.e. ``N - 3`` a
    multiple of ``lambda_F / 2``. Vectorised over ``N``.
    """
    A, D2 = c_A(mubar), c_2D(gamma, mubar)
    k = c_kF(mubar)
    N = np.asarray(N)
    return np.abs((A * D2 - 1) * np.sin((N - 3) * k) - A * np.sin((N - 4) * k)) ** 2 / math.sin(k) ** 2


def c11_c12_transmissions(N, gamma, mubar) -> dict:
    """Transmissions of the single-dimer wire, Eqs. C11-C12. Exact.

    ``T21 = g^2 (4 - mubar^2) Xi / |det Z|^2``, ``T(N-1)1 = g^2 (4 - mubar^2) / |det Z|^2``,
    ``TN1 = (4 - mubar^2) / |det Z|^2``, ``T(N-1)2 = g^4 (4 - mubar^2) / |det Z|^2``.
    By symmetry ``T(N)(N-1) = T21`` and ``T2N = T(N-1)1``.
    """
    d2 = abs(c7_det_z(N, gamma, mubar)) ** 2
    c = (4 - mubar**2) / d2
    return {
        "T21": gamma**2 * c * eq22_xi(N, gamma, mubar),
        "TN-1,1": gamma**2 * c,
        "TN1": c,
        "TN-1,2": gamma**4 * c,
    }


def c3_delta_mu(N, gamma, mubar, Ig, dmu):
    """``Delta mu_N = [2 pi Ig + (T21 - T2N) dmu/2] / (T21 + 2 T2(N-1) + T2N)``, Eq. C3.

    Exact (``mu_2 = mubar + Delta mu_N = 2 mubar - mu_(N-1)``); ``dmu`` signed.
    """
    T = c11_c12_transmissions(N, gamma, mubar)
    return (TWO_PI * np.asarray(Ig) + (T["T21"] - T["TN-1,1"]) * np.asarray(dmu) / 2) / (
        T["T21"] + 2 * T["TN-1,2"] + T["TN-1,1"])


def c4_conductance(N, gamma, mubar):
    """``G~_N`` of Eq. C4 from the transmissions (``I_1 = G~_N dmu - Delta j / 2``); exact.

    ``[(T12 + 2 T1N + T1(N-1))(T21 + 2 T2(N-1) + T2N) - (T12 - T1(N-1))(T21 - T2N)]
    / [4 pi (T21 + 2 T2(N-1) + T2N)]``.
    """
    T = c11_c12_transmissions(N, gamma, mubar)
    T12, T1N, T1m, T2m, T2N = T["T21"], T["TN1"], T["TN-1,1"], T["TN-1,2"], T["TN-1,1"]
    den = T12 + 2 * T2m + T2N
    return ((T12 + 2 * T1N + T1m) * den - (T12 - T1m) * (T12 - T2N)) / (2 * TWO_PI * den)


def c4_delta_j(N, gamma, mubar, Ig):
    """Return the nonreciprocity ``Delta j`` of ``single``, Eq. C4.

    ``Delta j = 2 (T12 - T1(N-1)) Ig / (T21 + 2 T2(N-1) + T2N)``. Exact while
    the forward current keeps its sign.
    """
    T = c11_c12_transmissions(N, gamma, mubar)
    return 2 * (T["T21"] - T["TN-1,1"]) * np.asarray(Ig) / (T["T21"] + 2 * T["TN-1,2"] + T["TN-1,1"])


def c13_delta_mu(N, gamma, mubar, Ig, dmu):
    """``Delta mu_N = [2 pi |det Z|^2 Ig / ((4 - mubar^2) g^2) + (Xi - 1) dmu/2] / (Xi + 1 + 2 g^2)``, Eq. C13. Exact."""
    d2 = abs(c7_det_z(N, gamma, mubar)) ** 2
    xi = eq22_xi(N, gamma, mubar)
    return ((TWO_PI * d2 * np.asarray(Ig) / ((4 - mubar**2) * gamma**2) + (xi - 1) * np.asarray(dmu) / 2)
            / (xi + 1 + 2 * gamma**2))


def c13_conductance(N, gamma, mubar):
    """Return the conductance ``G~_N`` of ``single``, Eq. C13.

    ``G~_N = (4 - mubar^2)[(g^2 Xi + g^2 + 2)(Xi + 1 + 2 g^2) - g^2 (Xi - 1)^2]
    / [4 pi |det Z|^2 (2 g^2 + Xi + 1)]``. Exact.
    """
    d2 = abs(c7_det_z(N, gamma, mubar)) ** 2
    xi = eq22_xi(N, gamma, mubar)
    g2 = gamma**2
    return ((4 - mubar**2) * ((g2 * xi + g2 + 2) * (xi + 1 + 2 * g2) - g2 * (xi - 1) ** 2)
            / (2 * TWO_PI * d2 * (2 * g2 + xi + 1)))


def c13_delta_j(N, gamma, mubar, Ig):
    """``Delta j = 2 (Xi - 1) Ig / (Xi + 1 + 2 g^2)``, Eq. C13 (= Eq. 22). Exact."""
    xi = eq22_xi(N, gamma, mubar)
    return 2 * (xi - 1) * np.asarray(Ig) / (xi + 1 + 2 * gamma**2)


def eq22_delta_j(N, gamma, mubar, Ig):
    """Nonreciprocity of one S-D dimer at sites 2 and ``N-1``, Eq. 22.

    ``Delta j = 2 (Xi - 1) Ig / (1 + 2 gamma^2 + Xi)``. Exact (linear response,
    reflectionless contacts), while the forward current keeps its sign; zero
    when ``N - 3`` is a multiple of ``lambda_F / 2``.
    """
    return c13_delta_j(N, gamma, mubar, Ig)


def c14_delta_mu(N, gamma, mubar, Ig):
    """``Delta mu_N`` at ``Xi = 1``: ``pi |det Z|^2 Ig / ((4 - mubar^2) g^2 (1 + g^2))``, Eq. C14.

    Exact when ``N - 3`` is a multiple of ``lambda_F/2``; independent of ``dmu``.
    """
    d2 = abs(c7_det_z(N, gamma, mubar)) ** 2
    return math.pi * d2 * np.asarray(Ig) / ((4 - mubar**2) * gamma**2 * (1 + gamma**2))
