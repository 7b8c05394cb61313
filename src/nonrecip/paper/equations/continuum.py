"""Continuum limit of the ``dimers`` layout, App. A4 (Eqs. A36-A44).

Positions ``X`` are in units of the lattice constant ``a`` (conventions §1),
``L`` is the wire length and ``lc = a/(1-p)`` the scattering length. These
forms are approximate (conventions §5): the limit ``a -> 0``, ``p -> 1`` at
fixed ``L`` and ``l_c``, error ``O(1/N)`` in the bulk at fixed ``L/l_c``. With
the lattice identification ``L/l_c = (N - 2)(1 - p)`` the boundary values A40,
A41 and the current A44 coincide with the exact A20, A21 and Eq. 8 of
:mod:`nonrecip.paper.equations.classical`, which re-exports every name here.
"""

from __future__ import annotations

import numpy as np

from ...wire import ParameterError
from ._bias import as_scalar as _scalar
from ._bias import forward_equivalent as _bias

__all__ = [
    "a36_constant_C",
    "a36_a39_densities",
    "a40_rho_minus_left",
    "a41_rho_plus_right",
    "a42_a43_total_density",
    "a44_current",
    "a44_bond_current",
]


# --------------------------------------------------------------------------
# continuum limit of dimers (App. A4): positions X in units of a, any L, lc
# --------------------------------------------------------------------------
def _sublattice(sublattice):
    if sublattice not in ("odd", "even"):
        raise ParameterError("sublattice", sublattice, "must be 'odd' (D sites, Xo) or 'even' (S sites, Xe)")
    return sublattice == "even"


def a36_constant_C(L, lc, Ig, drho, bias="forward"):
    """Return the constant ``C = (drho + Ig/2) / (1 + L/l_c)`` of Eqs. A36-A44.

    It is the density difference ``rho+ - rho-`` across the wire in the
    continuum limit (approximate, like A36-A39); on the lattice the exact
    difference is ``(drho + Ig/2) / (1 + (N-2)(1-p))`` (Eq. 7), i.e. ``C``
    with ``L/l_c = (N-2)(1-p)``.
    """
    drho, _ = _bias(drho, 0.0, bias)
    return _scalar((drho + 0.5 * np.asarray(Ig, dtype=float)) / (1.0 + np.asarray(L, dtype=float) / lc))


def a36_a39_densities(X, L, lc, Ig, drho, rho0=1.0, *, sublattice, bias="forward"):
    """Continuum densities of ``dimers`` on one sublattice, Eqs. A36-A39.

    ::

        rho+(Xo) = -C Xo/l_c + drho + rho0                    (A36, odd: D sites)
        rho-(Xo) =  C (L - Xo)/l_c + rho0 - Ig/2              (A37)
        rho+(Xe) = -C Xe/l_c + drho + rho0 + Ig/2             (A38, even: S sites)
        rho-(Xe) =  C (L - Xe)/l_c + rho0                     (A39)

    ``C = a36_constant_C(L, lc, Ig, drho)``. Approximate: the limit
    ``a -> 0``, ``p -> 1`` at fixed ``L`` and ``l_c = a/(1-p)``. On the lattice
    (``X = x a``, ``L = (N-1) a``) the error in the bulk is ``O(a) = O(L/N)``.

    Parameters
    ----------
    X : float or ndarray
        Positions, in the units of ``L`` and ``lc``.
    L, lc : float
        Wire length and scattering length (``lc = inf`` allowed: p = 1).
    Ig, drho, rho0 : float
    sublattice : {"odd", "even"}
        ``"odd"`` for D sites ``Xo``, ``"even"`` for S sites ``Xe``.
    bias : {"forward", "reverse"}

    Returns
    -------
    rho_plus, rho_minus : float or ndarray
        Same shape as ``X``.
    """
    even = _sublattice(sublattice)
    d, r0 = _bias(drho, rho0, bias)
    X = np.asarray(X, dtype=float)
    h = 0.5 * np.asarray(Ig, dtype=float)
    C = a36_constant_C(L, lc, Ig, d)
    rp = -C * X / lc + d + r0 + (h if even else 0.0)
    rm = C * (L - X) / lc + r0 - (0.0 if even else h)
    return _scalar(rp), _scalar(rm)


def a40_rho_minus_left(L, lc, Ig, drho, rho0=1.0, bias="forward"):
    """Left-movers on site 1 in the continuum limit, Eq. A40.

    ``rho-(a) = rho0 + C L/l_c``. Exact on the lattice when
    ``L/l_c = (N-2)(1-p)`` (then it is A20).
    """
    d, r0 = _bias(drho, rho0, bias)
    return _scalar(r0 + a36_constant_C(L, lc, Ig, d) * np.asarray(L, dtype=float) / lc)


def a41_rho_plus_right(L, lc, Ig, drho, rho0=1.0, bias="forward"):
    """Right-movers on site N in the continuum limit, Eq. A41.

    ``rho+(L+a) = drho + rho0 - C L/l_c``. Exact on the lattice when
    ``L/l_c = (N-2)(1-p)`` (then it is A21).
    """
    d, r0 = _bias(drho, rho0, bias)
    return _scalar(d + r0 - a36_constant_C(L, lc, Ig, d) * np.asarray(L, dtype=float) / lc)


def a42_a43_total_density(X, L, lc, Ig, drho, rho0=1.0, *, sublattice, bias="forward"):
    """Total density ``rho+ + rho-`` in the continuum limit, Eqs. A42 (even) / A43 (odd).

    ``2 (rho0 + drho) - (2 drho + Ig) X / (l_c + L)
    - (2 drho - Ig L/l_c) / (2 (1 + L/l_c)) +- Ig/2`` (``+`` on the even, S
    sublattice, A42; ``-`` on the odd, D sublattice, A43). Approximate, like
    A36-A39 (of which it is the sum, as printed).
    """
    even = _sublattice(sublattice)
    d, r0 = _bias(drho, rho0, bias)
    X = np.asarray(X, dtype=float)
    Ig = np.asarray(Ig, dtype=float)
    u = np.asarray(L, dtype=float) / lc
    out = 2 * (r0 + d) - (2 * d + Ig) * X / (lc + L) - (2 * d - Ig * u) / (2 * (1 + u))
    return _scalar(out + (0.5 * Ig if even else -0.5 * Ig))


def a44_current(L, lc, Ig, drho, bias="forward"):
    """Boundary current in the continuum limit, Eq. A44 (= Eq. 9).

    ``I_in = I_out = drho / (1 + L/l_c) - (Ig/2) (1 - 1/(1 + L/l_c))``.
    Exact on the lattice when ``L/l_c = (N-2)(1-p)`` (then it is Eq. 8);
    see :func:`.classical.eq9_current` for the printed reading ``L = (N-1) a``.
    """
    d, _ = _bias(drho, 0.0, bias)
    g = 1.0 / (1.0 + np.asarray(L, dtype=float) / lc)
    return _scalar(d * g - 0.5 * np.asarray(Ig, dtype=float) * (1.0 - g))


def a44_bond_current(X, L, lc, Ig, drho, *, sublattice, bias="forward"):
    """Bond current from position ``X`` to ``X + a`` in the continuum limit.

    From A36-A39, ``J = rho+(X) - rho-(X + a)``: ``C - Ig/2`` (= A44) on the
    inter-dimer bonds that start on the odd (D) sublattice, ``C + Ig/2`` on
    the intra-dimer bonds that start on the even (S) sublattice. Uniform in
    ``X``; the lattice values are exact (Eq. 8, A22) when
    ``L/l_c = (N-2)(1-p)``.

    Returns
    -------
    float or ndarray
        Same shape as ``X``.
    """
    even = _sublattice(sublattice)
    d, _ = _bias(drho, 0.0, bias)
    h = 0.5 * np.asarray(Ig, dtype=float)
    J = a36_constant_C(L, lc, Ig, d) + (h if even else -h)
    return _scalar(np.broadcast_to(J, np.broadcast(np.asarray(X), J).shape).copy())
