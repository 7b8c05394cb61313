"""Closed forms of the resistive circuit (Sec. I, App. D).

A uniform wire of total resistance ``R`` split into ``N - 1`` equal segments
(``r = R/(N-1)``; the paper's ``a/sigma`` with ``L = (N-1) a``, ``R = L/sigma``),
site 1 held at ``V`` and site N at 0 (forward; swapped in reverse), ideal
current sources of ``Ig`` on S nodes and drains of ``Ig`` on D nodes
(conventions §3). Currents are signed, positive left to right; the paper quotes
the reverse currents by their magnitude. Every form is linear in
``(V, Ig)`` with the ends held, so the reverse state is the forward formula
at ``V -> -V`` (voltages shifted by ``+V``).

All of these are exact (Kirchhoff's laws have no approximation), checked in
``tests/test_eq_d.py`` and ``tests/test_fig_1.py`` against the O(N) circuit
solver and a dense nodal solve. The ``delta_I`` forms hold while the
forward current keeps its sign (``V >= d1_v_reversal``); beyond, the
definition gives ``2 V/R``.
"""

from __future__ import annotations

import numpy as np

from ...wire import Bias, ParameterError

__all__ = [
    "FIG1_LAYOUTS",
    "fig1_current",
    "fig1_delta_I",
    "d1_current",
    "d1_delta_I",
    "d1_v_reversal",
    "d2_voltages",
    "d3_heat",
    "d4_heat_bulk",
]

#: the three circuits of Fig. 1 as layout strings (equal segments: R/3, R/5, R/5)
FIG1_LAYOUTS = {"a": ".SD.", "b": ".SDDS.", "c": ".SDSD."}

#: I_in = V/R - k Ig under forward bias for each panel (Sec. I)
_FIG1_K = {"a": 1.0 / 3.0, "b": 0.0, "c": 2.0 / 5.0}


def _sign(bias) -> float:
    try:
        return float(Bias(bias).sign)
    except ValueError:
        raise ParameterError("bias", bias, "must be 'forward' or 'reverse'") from None


def _scalar(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def _panel(panel):
    if panel not in _FIG1_K:
        raise ParameterError("panel", panel, "must be 'a' (.SD.), 'b' (.SDDS.) or 'c' (.SDSD.)")
    return _FIG1_K[panel]


def _n_dimers(N):
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 4 or N % 2:
        raise ParameterError("N", N, "the 'dimers' circuit closed forms need an even integer N >= 4")
    return int(N)


def fig1_current(panel, V, R, Ig, bias="forward"):
    """Return the current into the circuits of Fig. 1 (Sec. I).

    Forward: (a) ``.SD.`` ``V/R - Ig/3``; (b) ``.SDDS.`` ``V/R`` (parity
    kept); (c) ``.SDSD.`` ``V/R - 2 Ig/5``. Reverse: ``-(V/R + k Ig)`` with
    the same ``k`` (the paper: "change to V/R + Ig/3"). Exact.

    Parameters
    ----------
    panel : {"a", "b", "c"}
    V, R, Ig : float or ndarray
        Bias voltage, total resistance, source/drain current.
    bias : {"forward", "reverse"}

    Returns
    -------
    float or ndarray
        ``I_in`` (signed).
    """
    k = _panel(panel)
    return _scalar(_sign(bias) * np.asarray(V, dtype=float) / np.asarray(R, dtype=float)
                   - k * np.asarray(Ig, dtype=float))


def fig1_delta_I(panel, Ig):
    """Return the nonreciprocity of the Fig. 1 circuits, ``2 k Ig``.

    That is 2Ig/3, 0, 4Ig/5 for panels (a), (b), (c), while the forward
    current keeps its sign (``V/R >= k Ig``).
    """
    return _scalar(2.0 * _panel(panel) * np.asarray(Ig, dtype=float))


def d1_current(N, V, R, Ig, bias="forward"):
    """Return the current into a circuit of ``N/2 - 1`` dimers, Eq. D1.

    ``I_in = [sigma V - (N/2-1) a Ig] / ((N-1) a) = V/R - (Ig/2)(1 - a/L)``
    with ``a/L = 1/(N-1)``, i.e. ``V/R - Ig (N-2) / (2 (N-1))``. Exact. It is
    Eq. 8 at ``p -> 0`` with ``V/R = e v_F drho / (N-1)``.

    Parameters
    ----------
    N : int
        Even number of nodes, ``>= 4``.
    V, R, Ig : float or ndarray
    bias : {"forward", "reverse"}
    """
    N = _n_dimers(N)
    return _scalar(_sign(bias) * np.asarray(V, dtype=float) / np.asarray(R, dtype=float)
                   - 0.5 * np.asarray(Ig, dtype=float) * (1.0 - 1.0 / (N - 1)))


def d1_delta_I(N, Ig):
    """Nonreciprocity from Eq. D1: ``Ig (N-2)/(N-1)`` (-> ``Ig`` for ``L >> a``).

    Exact only while the forward current keeps its sign
    (``V >= d1_v_reversal``); beyond, the definition gives ``2 V/R``.
    """
    N = _n_dimers(N)
    return _scalar(np.asarray(Ig, dtype=float) * (N - 2) / (N - 1))


def d1_v_reversal(N, R, Ig):
    """``V`` at which the forward current of Eq. D1 changes sign.

    ``R Ig (N-2) / (2 (N-1))``. Exact.
    """
    N = _n_dimers(N)
    return _scalar(np.asarray(R, dtype=float) * np.asarray(Ig, dtype=float) * (N - 2) / (2.0 * (N - 1)))


def d2_voltages(N, V, R, Ig, bias="forward"):
    """Node voltages of a circuit of ``N/2 - 1`` dimers, Eq. D2.

    ``V(l) = V - (a/L)(V + (Ig/2) a/sigma)(l - 2) - (a/L)(V - (Ig/4)(L - 2a)/sigma)
    + (-1)^l (Ig/4) a/sigma`` for ``l = 2..N-1`` (``a/L = 1/(N-1)``,
    ``a/sigma = R/(N-1)``, ``L/sigma = R``), with ``V(1) = V``, ``V(N) = 0``.
    Exact.

    Parameters
    ----------
    N : int
    V, R, Ig : float
    bias : {"forward", "reverse"}

    Returns
    -------
    ndarray, shape (N,)
        Voltages on nodes 1..N.
    """
    N = _n_dimers(N)
    for k, v in (("V", V), ("R", R), ("Ig", Ig)):
        if np.ndim(v) != 0:
            raise ParameterError(k, v, "must be a scalar (the result is a profile over nodes)")
    s = _sign(bias)
    Vf, R, Ig = s * float(V), float(R), float(Ig)
    aL, r = 1.0 / (N - 1), R / (N - 1)
    l = np.arange(1, N + 1, dtype=float)
    out = (Vf - aL * (Vf + 0.5 * Ig * r) * (l - 2) - aL * (Vf - 0.25 * Ig * (R - 2 * r))
           + np.where(np.arange(1, N + 1) % 2 == 0, 1.0, -1.0) * 0.25 * Ig * r)
    out[0], out[-1] = Vf, 0.0
    return out + (0.0 if s > 0 else float(V))


def d3_heat(N, V, R, Ig, bias="forward"):
    """Joule heat per unit time on each segment ``l -> l+1``, Eq. D3.

    ``h(l, l+1) = (a/sigma) [ (sigma V + a Ig/2)/L + (-1)^l Ig/2 ]^2``
    for ``l = 1..N-1``, i.e. ``r (V/R + Ig/(2(N-1)) +- Ig/2)^2``. Exact.

    Returns
    -------
    float or ndarray, shape (N-1,)
        Heat on segments 1..N-1 (for scalar arguments).
    """
    N = _n_dimers(N)
    R = np.asarray(R, dtype=float)
    Ig = np.asarray(Ig, dtype=float)
    A = _sign(bias) * np.asarray(V, dtype=float) / R + 0.5 * Ig / (N - 1)
    alt = np.where(np.arange(1, N) % 2 == 0, 1.0, -1.0)
    return _scalar(R[..., None] / (N - 1) * (A[..., None] + alt * 0.5 * Ig[..., None]) ** 2)


def d4_heat_bulk(N, V, R, Ig, bias="forward"):
    """Average Joule heat around a bulk node, Eq. D4.

    ``(h(l-1,l) + h(l,l+1))/2 = (a/sigma) [ ((sigma V + a Ig/2)/L)^2 + (Ig/2)^2 ]``,
    the same for every node ``l = 2..N-1``: ``r [(V/R + Ig/(2(N-1)))^2 + Ig^2/4]``.
    Exact (it is the mean of two consecutive D3 terms).
    """
    N = _n_dimers(N)
    R = np.asarray(R, dtype=float)
    Ig = np.asarray(Ig, dtype=float)
    A = _sign(bias) * np.asarray(V, dtype=float) / R + 0.5 * Ig / (N - 1)
    return _scalar(R / (N - 1) * (A ** 2 + 0.25 * Ig ** 2))
