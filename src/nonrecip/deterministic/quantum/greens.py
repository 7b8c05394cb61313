"""Bath self-energies, retarded Green's functions and transmissions (App. B).

The model (conventions §4, units ``gamma_o = e = hbar = 1``): a tight-binding
wire with hopping 1, ``H_{l,l+1} = H_{l+1,l} = -1``; every bath is a
semi-infinite chain with hopping 1 coupled to site ``l`` with amplitude
``gamma_l``, so that for ``|w| < 2``

    Sigma_l(w) = gamma_l^2 / 2 * (w - i sqrt(4 - w^2))
    Gamma_l(w) = -2 Im Sigma_l(w) = gamma_l^2 sqrt(4 - w^2)

``G(w) = [w - H - Sigma(w)]^{-1}`` and ``T_ll'(w) = |G_ll'(w)|^2 Gamma_l Gamma_l'``
(Eq. B9/B10). Sites 1 and N couple to the reservoirs with ``gamma_contact``;
S, D and P sites with ``gamma``; free sites not at all.

The dense functions here (:func:`green_dense`, :func:`transmission_dense`) are
the ``O(N^3)`` reference; the structured ``O(N)`` evaluation lives in
:mod:`nonrecip.deterministic.quantum.linear`.
"""

from __future__ import annotations

import numpy as np

from ...wire import ParameterError, QuantumParams, Wire

__all__ = [
    "bath_couplings",
    "self_energy",
    "broadening",
    "hamiltonian_dense",
    "green_dense",
    "transmission_dense",
    "check_in_band",
]


def check_in_band(w, name: str = "w") -> np.ndarray:
    """Return ``w`` as a float array; ``ParameterError`` unless every ``|w| < 2``.

    Outside the band ``(-2, 2)`` the baths have no states: there is no
    transport and ``sqrt(4 - w^2)`` would be imaginary.
    """
    a = np.asarray(w, dtype=float)
    if not np.all(np.isfinite(a)) or np.any(np.abs(a) >= 2.0):
        bad = a[~(np.abs(a) < 2.0)] if a.ndim else a
        v = float(np.ravel(bad)[0]) if np.size(bad) else float(a)
        raise ParameterError(name, v, "must lie inside the band (-2, 2): outside it there is no transport")
    return a


def bath_couplings(wire: Wire, params: QuantumParams) -> np.ndarray:
    """Bath coupling amplitudes ``gamma_l``, shape ``(N,)``.

    ``gamma_contact`` at sites 1 and N (the reservoirs), ``gamma`` at S, D and
    P sites, 0 on free sites.
    """
    g = np.where(wire.scatterer, float(params.gamma), 0.0)
    g[0] = g[-1] = float(params.gamma_contact)
    return g


def self_energy(w, g):
    """Retarded self-energy of a semi-infinite chain bath, Eq. B7.

    ``Sigma(w) = g^2/2 (w - i sqrt(4 - w^2))`` for ``|w| < 2``.

    Parameters
    ----------
    w : float or ndarray
        Energy (units of the hopping), inside the band.
    g : float or ndarray
        Coupling amplitude(s) ``gamma_l``; broadcast against ``w``.

    Returns
    -------
    complex or ndarray of complex
    """
    w = check_in_band(w)
    g = np.asarray(g, dtype=float)
    out = 0.5 * g**2 * (w - 1j * np.sqrt(4.0 - w**2))
    return out[()] if out.ndim == 0 else out


def broadening(w, g):
    """Level broadening ``Gamma(w) = -2 Im Sigma(w) = g^2 sqrt(4 - w^2)``.

    Parameters and shapes as :func:`self_energy`; real result.
    """
    w = check_in_band(w)
    g = np.asarray(g, dtype=float)
    out = g**2 * np.sqrt(4.0 - w**2)
    return out[()] if out.ndim == 0 else out


def hamiltonian_dense(n: int) -> np.ndarray:
    """Return the wire Hamiltonian, shape ``(n, n)``: ``H_{l,l+1} = H_{l+1,l} = -1``."""
    h = np.zeros((n, n))
    i = np.arange(n - 1)
    h[i, i + 1] = h[i + 1, i] = -1.0
    return h


def green_dense(w: float, gammas: np.ndarray) -> np.ndarray:
    """Retarded Green's function ``G(w) = [w - H - Sigma(w)]^{-1}`` (dense, ``O(N^3)``).

    Parameters
    ----------
    w : float
        Energy inside the band ``(-2, 2)``.
    gammas : ndarray, shape (N,)
        Bath couplings ``gamma_l`` (see :func:`bath_couplings`).

    Returns
    -------
    ndarray of complex, shape (N, N)
    """
    gammas = np.asarray(gammas, dtype=float)
    n = gammas.shape[0]
    a = (float(check_in_band(w)) * np.eye(n) - hamiltonian_dense(n)).astype(complex)
    a[np.diag_indices(n)] -= self_energy(w, gammas)
    return np.linalg.inv(a)


def transmission_dense(w: float, gammas: np.ndarray) -> np.ndarray:
    """Transmission matrix ``T_ll'(w) = |G_ll'|^2 Gamma_l Gamma_l'`` (Eq. B10), dense.

    Parameters
    ----------
    w : float
        Energy inside the band ``(-2, 2)``.
    gammas : ndarray, shape (N,)
        Bath couplings ``gamma_l``.

    Returns
    -------
    ndarray of float, shape (N, N)
        Symmetric, non-negative, with the diagonal set to 0 (a bath does not
        transmit to itself; it would cancel in every current anyway). Rows
        and columns of sites without a bath are 0.
    """
    gammas = np.asarray(gammas, dtype=float)
    G = green_dense(w, gammas)
    gam = broadening(w, gammas)
    T = (G.real**2 + G.imag**2) * gam[:, None] * gam[None, :]
    # G is complex symmetric in exact arithmetic; LAPACK's inverse is so only
    # to rounding. Symmetrise so that T_ll' = T_l'l holds exactly (current
    # conservation of every Landauer-Buttiker sum then holds to rounding).
    T = 0.5 * (T + T.T)
    np.fill_diagonal(T, 0.0)
    return T
