"""Closed forms of the classical master equation (Sec. II, App. A, App. C2).

Units ``e = v_F = a = tau = 1`` (conventions §1): densities are particles per
site, currents particles per step, ``Ig`` is the current of one source or
drain, ``drho`` the density bias, ``rho0`` the background density.

Conventions shared by every function here
-----------------------------------------
* Sites are numbered ``1..N`` as in the paper (``x = l a`` with ``a = 1``);
  returned arrays over sites have shape ``(N,)`` and index 0 is site 1.
* ``bias="forward"`` puts ``rho0 + drho`` in the left reservoir (the paper's
  case). ``bias="reverse"`` swaps the reservoirs. Every closed form is linear
  in ``(rho0, drho, Ig)`` and holds for any real ``drho``, so the reverse
  state is the forward formula at ``drho -> -drho``, ``rho0 -> rho0 + drho``.
  Currents are signed (positive left to right, conventions §1); the paper
  quotes the reverse currents by their magnitude.
* Arguments broadcast like numpy arrays where the shape allows it.

Which are exact (conventions §5, checked in ``tests/test_eq_*.py`` against
the exact O(N) solver and the dense oracle): Eq. 6 = A14, A8-A13, A15,
Eq. 7, Eq. 8, A16-A22, C19-C24, and Eq. 9 when ``L`` is read as ``N - 2``.
Approximate: Eq. 9 with ``L = N - 1`` as printed, and the continuum solution
A36-A39, A42, A43 (error ``O(1/N)`` as ``N -> inf`` at fixed ``L/l_c``).
With the lattice identification ``L/l_c = (N - 2)(1 - p)`` the continuum
boundary values A40, A41 and the current A44 coincide with the exact A20,
A21 and Eq. 8. The continuum forms A36-A44 are defined in
:mod:`.continuum` and re-exported here.

The delta_I forms (``eq6_delta_I``, ``eq8_delta_I``, ``c23_delta_I``) are the
paper's; they hold only while the forward current keeps its sign, i.e. for
``Ig`` up to ``eq6_ig_reversal`` / ``eq8_ig_reversal``. Beyond that the
definition ``|I_in(reverse)| - |I_in(forward)|`` gives ``2 drho / D``.
"""

from __future__ import annotations

import numpy as np

from ...wire import ParameterError
from ._bias import as_scalar as _scalar
from ._bias import forward_equivalent as _bias

# the continuum limit (App. A4) lives in .continuum; every name of its
# __all__ is re-exported here
from .continuum import *  # noqa: F403
from .continuum import __all__ as _continuum_all
from .continuum import a44_current

__all__ = [
    # N = 4, one dimer (Sec. II, App. A2)
    "eq6_current",
    "a14_current",
    "eq6_delta_I",
    "eq6_ig_reversal",
    "a8_a13_densities",
    "a15_current",
    # dimers, any even N (Sec. II, App. A3)
    "eq7_densities",
    "a16_a21_densities",
    "a20_rho_minus_1",
    "a21_rho_plus_N",
    "a22_intra_current",
    "eq8_current",
    "eq8_delta_I",
    "eq8_ig_reversal",
    "eq9_current",
    # continuum limit (App. A4)
    *_continuum_all,
    # single S-D pair, any N (App. C2)
    "c19_c22_densities",
    "c23_current",
    "c23_delta_I",
    "c24_current",
]


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def _n_dimers(N):
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 4 or N % 2:
        raise ParameterError("N", N, "the 'dimers' closed forms need an even integer N >= 4")
    return int(N)


def _n_single(N):
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 4:
        raise ParameterError("N", N, "the 'single' closed forms need an integer N >= 4")
    return int(N)


def _scalar_args(**kw):
    for k, v in kw.items():
        if np.ndim(v) != 0:
            raise ParameterError(k, v, "must be a scalar for a closed form that returns a profile over sites")


# --------------------------------------------------------------------------
# N = 4: one dimer .SD.
# --------------------------------------------------------------------------
def eq6_current(p, Ig, drho, bias="forward"):
    """Boundary current of one dimer, Eq. 6 (= Eq. A14).

    ``I_in = I_out = (drho - (1 - p) Ig) / (3 - 2p)`` for the layout ``.SD.``
    (N = 4) under forward bias; ``-(drho + (1 - p) Ig) / (3 - 2p)`` under
    reverse bias (the paper quotes its magnitude).

    Exact for all ``p`` in (0, 1], ``Ig``, ``drho``.

    Parameters
    ----------
    p : float or ndarray
        Move probability at the S and D sites.
    Ig : float or ndarray
        Source/drain current (particles per step).
    drho : float or ndarray
        Density bias.
    bias : {"forward", "reverse"}

    Returns
    -------
    float or ndarray
        ``I_in`` (signed, positive left to right).
    """
    drho, _ = _bias(drho, 0.0, bias)
    p = np.asarray(p, dtype=float)
    return _scalar((drho - (1.0 - p) * np.asarray(Ig, dtype=float)) / (3.0 - 2.0 * p))


#: Eq. A14 is Eq. 6 (App. A2 repeats it).
a14_current = eq6_current


def eq6_delta_I(p, Ig):
    """Nonreciprocity of one dimer from Eq. 6: ``2 (1 - p) Ig / (3 - 2p)``.

    Exact only while the forward current keeps its sign,
    ``Ig <= eq6_ig_reversal(p, drho)``; beyond, the definition
    ``|I_in(rev)| - |I_in(fwd)|`` gives ``2 drho / (3 - 2p)``. Also the
    nonreciprocity of the ``single`` layout (C23), for any N.
    """
    p = np.asarray(p, dtype=float)
    return _scalar(2.0 * (1.0 - p) * np.asarray(Ig, dtype=float) / (3.0 - 2.0 * p))


def eq6_ig_reversal(p, drho):
    """``Ig`` at which the forward current of Eq. 6 / C23 changes sign.

    ``drho / (1 - p)`` (``inf`` at ``p = 1``). Exact (Eq. 6 is).
    ``eq6_delta_I`` holds below it.
    """
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore"):
        return _scalar(np.asarray(drho, dtype=float) / (1.0 - p))


def a8_a13_densities(p, Ig, drho, rho0=1.0, bias="forward"):
    """Densities of one dimer (N = 4, ``.SD.``), Eqs. A8-A13.

    ::

        rho-(1) = 2 (1-p) [Ig/2 + drho] / (3-2p) + rho0                    (A8)
        rho+(2) = [(2-p)(Ig/2 + drho) + (3-2p) rho0] / (p (3-2p))          (A9)
        rho-(2) = [rho0 + 2 (1-p)(Ig/2 + drho + rho0)] / (p (3-2p))        (A10)
        rho+(3) = [(p-1) Ig + drho + (3-2p) rho0] / (p (3-2p))             (A11)
        rho-(3) = [(p-2) Ig/2 + (1-p) drho + (3-2p) rho0] / (p (3-2p))     (A12)
        rho+(4) = [(p-1) Ig + drho + (3-2p) rho0] / (3-2p)                 (A13)

    with the boundary conditions ``rho+(1) = rho0 + drho``, ``rho-(4) = rho0``.
    Exact for ``p`` in (0, 1]; the middle densities diverge like ``1/p``.

    Parameters
    ----------
    p, Ig, drho, rho0 : float
    bias : {"forward", "reverse"}

    Returns
    -------
    rho_plus, rho_minus : ndarray, shape (4,)
        Densities on sites 1..4.
    """
    _scalar_args(p=p, Ig=Ig, drho=drho, rho0=rho0)
    d, r0 = _bias(drho, rho0, bias)
    p, h, q = float(p), 0.5 * float(Ig), 3.0 - 2.0 * float(p)
    rp = np.array([
        r0 + d,
        ((2 - p) * (h + d) + q * r0) / (p * q),
        ((p - 1) * 2 * h + d + q * r0) / (p * q),
        ((p - 1) * 2 * h + d + q * r0) / q,
    ])
    rm = np.array([
        2 * (1 - p) * (h + d) / q + r0,
        (r0 + 2 * (1 - p) * (h + d + r0)) / (p * q),
        ((p - 2) * h + (1 - p) * d + q * r0) / (p * q),
        r0,
    ])
    return rp, rm


def a15_current(p, Ig, drho, bias="forward"):
    """Return the current on the S-D bond of one dimer (N = 4, bond 2 -> 3), Eq. A15.

    ``J(2) = (drho + (2 - p) Ig) / (3 - 2p)``. Exact. Stays finite as
    ``p -> 0`` although the densities diverge.
    """
    drho, _ = _bias(drho, 0.0, bias)
    p = np.asarray(p, dtype=float)
    return _scalar((drho + (2.0 - p) * np.asarray(Ig, dtype=float)) / (3.0 - 2.0 * p))


# --------------------------------------------------------------------------
# dimers: .SDSD...SD., any even N
# --------------------------------------------------------------------------
def _D(N, p):
    """Return the denominator ``1 + (N - 2)(1 - p)`` of Eqs. 7-8 and A16-A22."""
    return 1.0 + (N - 2) * (1.0 - np.asarray(p, dtype=float))


def eq8_current(N, p, Ig, drho, bias="forward"):
    """Boundary current of ``N/2 - 1`` dimers, Eq. 8.

    ``I_in = I_out = (drho - (1-p)(N/2-1) Ig) / (1 + (N-2)(1-p))``; it is also
    the current on every inter-dimer bond (odd bonds 3, 5, ..., N-3).
    Exact for every even ``N >= 4`` and ``p`` in (0, 1]. At ``N = 4`` it is
    Eq. 6.

    Parameters
    ----------
    N : int
        Even number of sites, ``>= 4``.
    p, Ig, drho : float or ndarray
    bias : {"forward", "reverse"}

    Returns
    -------
    float or ndarray
        ``I_in`` (signed).
    """
    N = _n_dimers(N)
    drho, _ = _bias(drho, 0.0, bias)
    p = np.asarray(p, dtype=float)
    return _scalar((drho - (1.0 - p) * (N / 2 - 1) * np.asarray(Ig, dtype=float)) / _D(N, p))


def eq8_delta_I(N, p, Ig):
    """Nonreciprocity of ``dimers`` from Eq. 8: ``2 (1-p)(N/2-1) Ig / (1 + (N-2)(1-p))``.

    Holds only while the forward current keeps its sign,
    ``Ig <= eq8_ig_reversal(N, p, drho)`` (conventions §1); beyond, the
    definition ``|I_in(rev)| - |I_in(fwd)|`` gives ``2 drho / (1 + (N-2)(1-p))``.
    """
    N = _n_dimers(N)
    p = np.asarray(p, dtype=float)
    return _scalar(2.0 * (1.0 - p) * (N / 2 - 1) * np.asarray(Ig, dtype=float) / _D(N, p))


def eq8_ig_reversal(N, p, drho):
    """``Ig`` at which the forward current of Eq. 8 changes sign.

    ``drho / ((1-p)(N/2-1))`` (``inf`` at ``p = 1``). Exact (Eq. 8 is).
    ``eq8_delta_I`` holds below it.
    """
    N = _n_dimers(N)
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore"):
        return _scalar(np.asarray(drho, dtype=float) / ((1.0 - p) * (N / 2 - 1)))


def eq9_current(N, p, Ig, drho, *, L="exact", bias="forward"):
    """Eq. 8 rewritten with the scattering length ``l_c = a/(1-p)``, Eq. 9.

    ``I_in = drho / (1 + L/l_c) - (Ig/2) (1 - 1/(1 + L/l_c))``.

    The paper says it assumes ``(N-2) a ~ L`` with ``L = (N-1) a``. Read with
    ``L = N - 2`` (``L="exact"``) Eq. 9 *is* Eq. 8, exact for every N. Read
    with ``L = N - 1`` as printed (``L="printed"``) it is approximate: at
    ``Ig = 0`` its relative error is ``(1-p)/(1 + (N-1)(1-p))`` (20 % at
    N = 4, p = 0.5), so it converges like ``1/N`` at fixed ``p`` and at fixed
    ``L/l_c`` (conventions §5).

    Parameters
    ----------
    N : int
        Even number of sites, ``>= 4``.
    p, Ig, drho : float or ndarray
    L : {"exact", "printed"}
        Read ``L/a`` as ``N - 2`` (exact) or ``N - 1`` (as printed).
    bias : {"forward", "reverse"}
    """
    N = _n_dimers(N)
    if L not in ("exact", "printed"):
        raise ParameterError("L", L, "must be 'exact' (L = N-2) or 'printed' (L = N-1)")
    L_over_a = N - 2 if L == "exact" else N - 1
    p = np.asarray(p, dtype=float)
    return a44_current(float(L_over_a), _lc(p), Ig, drho, bias=bias)


def _lc(p):
    with np.errstate(divide="ignore"):
        return 1.0 / (1.0 - np.asarray(p, dtype=float))


def _tilde_rho(x, N, p, h, d, r0):
    """Return the paper's rho~ of Eq. 7 (``Ig/(2 e v_F) = h``)."""
    return r0 + ((N - 2) * r0 + N * d - x * (d + h)) * (1.0 - p)


def eq7_densities(N, p, Ig, drho, rho0=1.0, bias="forward"):
    """Densities of ``dimers`` in the form of Eq. 7 (with the ends).

    Eq. 7, with ``D = 1 + (N-2)(1-p)`` and
    ``rho~(x) = rho0 + [(N-2) rho0 + N drho - x (drho + Ig/2)] (1-p)``::

        rho-(x) = [rho~ - (2p-1) Ig/2] / (p D),      x = 3, 5, ..., N-1 (D sites)
        rho-(x) = [rho~ + N (1-p) Ig/2] / (p D),     x = 2, 4, ..., N-2 (S sites)
        rho+(x) = rho-(x) + (drho + Ig/2) / D,       x = 2, ..., N-1

    Sites 1 and N are filled from A20, A21 and the boundary conditions
    ``rho+(1) = rho0 + drho``, ``rho-(N) = rho0``. Exact for every even
    ``N >= 4`` and ``p`` in (0, 1].

    Returns
    -------
    rho_plus, rho_minus : ndarray, shape (N,)
        Densities on sites 1..N.
    """
    N = _n_dimers(N)
    _scalar_args(p=p, Ig=Ig, drho=drho, rho0=rho0)
    d, r0 = (float(v) for v in _bias(drho, rho0, bias))
    p, h = float(p), 0.5 * float(Ig)
    D = float(_D(N, p))
    x = np.arange(1, N + 1, dtype=float)
    rt = _tilde_rho(x, N, p, h, d, r0)
    odd = (np.arange(1, N + 1) % 2) == 1
    rm = np.where(odd, rt - (2 * p - 1) * h, rt + N * (1 - p) * h) / (p * D)
    rp = rm + (d + h) / D
    rp[0], rm[0] = r0 + d, _a20(N, p, h, d, r0)
    rp[-1], rm[-1] = _a21(N, p, h, d, r0), r0
    return rp, rm


def a16_a21_densities(N, p, Ig, drho, rho0=1.0, bias="forward"):
    """Densities of ``dimers``, Eqs. A16-A21 (the same profile as Eq. 7).

    With ``D = 1 + (N-2)(1-p)`` and
    ``T(x) = rho0 + [(N-2) rho0 + N drho - x (drho + Ig/2)] (1-p)``::

        rho-(x) = [T - (2p-1) Ig/2] / (p D)               odd  x = 3..N-1  (A16)
        rho+(x) = [T + p drho + (1-p) Ig/2] / (p D)       odd  x = 3..N-1  (A17)
        rho-(x) = [T + N (1-p) Ig/2] / (p D)              even x = 2..N-2  (A18)
        rho+(x) = [T + p drho + (N-(N-1)p) Ig/2] / (p D)  even x = 2..N-2  (A19)
        rho-(1) = A20,   rho+(N) = A21,
        rho+(1) = rho0 + drho,   rho-(N) = rho0  (boundary conditions).

    Exact for every even ``N >= 4`` and ``p`` in (0, 1].

    Returns
    -------
    rho_plus, rho_minus : ndarray, shape (N,)
        Densities on sites 1..N.
    """
    N = _n_dimers(N)
    _scalar_args(p=p, Ig=Ig, drho=drho, rho0=rho0)
    d, r0 = (float(v) for v in _bias(drho, rho0, bias))
    p, h = float(p), 0.5 * float(Ig)
    pD = p * float(_D(N, p))
    x = np.arange(1, N + 1, dtype=float)
    T = _tilde_rho(x, N, p, h, d, r0)
    odd = (np.arange(1, N + 1) % 2) == 1
    rm = np.where(odd, T - (2 * p - 1) * h, T + N * (1 - p) * h) / pD                   # A16, A18
    rp = np.where(odd, T + p * d + (1 - p) * h, T + p * d + (N - (N - 1) * p) * h) / pD  # A17, A19
    rp[0], rm[0] = r0 + d, _a20(N, p, h, d, r0)
    rp[-1], rm[-1] = _a21(N, p, h, d, r0), r0
    return rp, rm


def _a20(N, p, h, d, r0):
    return (N - 2) * (1 - p) * (d + h) / _D(N, p) + r0


def _a21(N, p, h, d, r0):
    return ((r0 + d) + (N - 2) * (1 - p) * (r0 - h)) / _D(N, p)


def a20_rho_minus_1(N, p, Ig, drho, rho0=1.0, bias="forward"):
    """Left-movers on site 1 of ``dimers``, Eq. A20.

    ``rho-(1) = (N-2)(1-p)[drho + Ig/2] / (1 + (N-2)(1-p)) + rho0``. Exact.
    Equal to the continuum A40 with ``L/l_c = (N-2)(1-p)``.
    """
    N = _n_dimers(N)
    d, r0 = _bias(drho, rho0, bias)
    return _scalar(_a20(N, np.asarray(p, dtype=float), 0.5 * np.asarray(Ig, dtype=float), d, r0))


def a21_rho_plus_N(N, p, Ig, drho, rho0=1.0, bias="forward"):
    """Right-movers on site N of ``dimers``, Eq. A21.

    ``rho+(N) = [(rho0 + drho) + (N-2)(1-p)(rho0 - Ig/2)] / (1 + (N-2)(1-p))``.
    Exact. Equal to the continuum A41 with ``L/l_c = (N-2)(1-p)``.
    """
    N = _n_dimers(N)
    d, r0 = _bias(drho, rho0, bias)
    return _scalar(_a21(N, np.asarray(p, dtype=float), 0.5 * np.asarray(Ig, dtype=float), d, r0))


def a22_intra_current(N, p, Ig, drho, bias="forward"):
    """Return the current on the intra-dimer bonds (S -> D: even bonds 2, ..., N-2), Eq. A22.

    ``J(x) = (drho + Ig/2) / (1 + (N-2)(1-p)) + Ig/2``, i.e. ``I_in + Ig``.
    Exact. At N = 4 it is A15.
    """
    N = _n_dimers(N)
    drho, _ = _bias(drho, 0.0, bias)
    h = 0.5 * np.asarray(Ig, dtype=float)
    return _scalar((drho + h) / _D(N, p) + h)


# --------------------------------------------------------------------------
# single S-D pair: .S....D., any N (App. C2)
# --------------------------------------------------------------------------
def c19_c22_densities(N, p, Ig, drho, rho0=1.0, bias="forward"):
    """Densities of the ``single`` layout (S on site 2, D on N-1), Eqs. C19-C22.

    ::

        rho+(2)   = [(2-p)(Ig/2 + drho) + (3-2p) rho0] / (p (3-2p))        (C19)
        rho-(2)   = [rho0 + 2 (1-p)(Ig/2 + drho + rho0)] / (p (3-2p))      (C20)
        rho+(N-1) = [(p-1) Ig + drho + (3-2p) rho0] / (p (3-2p))           (C21)
        rho-(N-1) = [(p-2) Ig/2 + (1-p) drho + (3-2p) rho0] / (p (3-2p))   (C22)

    and, as the text below C22 says, ``rho+(x) = p rho+(2)`` and
    ``rho-(x) = p rho-(N-1)`` on the free sites ``3..N-2``; the ends from the
    boundary conditions, ``rho-(1) = p rho-(2)`` (A1) and
    ``rho+(N) = p rho+(N-1)`` (A4). Exact for every ``N >= 4`` (even or
    odd); the values do not depend on ``N``. At ``N = 4`` they are A8-A13.

    Returns
    -------
    rho_plus, rho_minus : ndarray, shape (N,)
        Densities on sites 1..N.
    """
    N = _n_single(N)
    _scalar_args(p=p, Ig=Ig, drho=drho, rho0=rho0)
    d, r0 = (float(v) for v in _bias(drho, rho0, bias))
    p, h, q = float(p), 0.5 * float(Ig), 3.0 - 2.0 * float(p)
    rp2 = ((2 - p) * (h + d) + q * r0) / (p * q)             # C19
    rm2 = (r0 + 2 * (1 - p) * (h + d + r0)) / (p * q)        # C20
    rpL = ((p - 1) * 2 * h + d + q * r0) / (p * q)           # C21
    rmL = ((p - 2) * h + (1 - p) * d + q * r0) / (p * q)     # C22
    rp = np.full(N, p * rp2)
    rm = np.full(N, p * rmL)
    rp[0], rp[1], rp[-2], rp[-1] = r0 + d, rp2, rpL, p * rpL
    rm[0], rm[1], rm[-2], rm[-1] = p * rm2, rm2, rmL, r0
    return rp, rm


def c23_current(p, Ig, drho, bias="forward"):
    """Boundary current of the ``single`` layout, Eq. C23.

    ``I_in = I_out = (drho - (1-p) Ig) / (3 - 2p)``, independent of N (the
    free sites between S and D carry no resistance). Exact, any ``N >= 4``.
    """
    return eq6_current(p, Ig, drho, bias)


def c23_delta_I(p, Ig):
    """Nonreciprocity of the ``single`` layout from Eq. C23, ``2 (1-p) Ig / (3-2p)``.

    Exact for any N only while the forward current keeps its sign,
    ``Ig <= drho/(1-p)``; same caveat as :func:`eq6_delta_I`.
    """
    return eq6_delta_I(p, Ig)


def c24_current(p, Ig, drho, bias="forward"):
    """Return the current on every S-D bond of ``single`` (bonds 2..N-2), Eq. C24.

    ``J(x) = (drho + (2-p) Ig) / (3 - 2p)``, independent of N. Exact.
    """
    return a15_current(p, Ig, drho, bias)
