r"""Energy quadrature of the thermally averaged linear response (conventions §4).

At temperature ``T > 0`` the linear-response bath currents are

    2 pi I_l = sum_l' K_ll' (mu_l - mu_l'),
    K_ll' = int dw (-df/dw)(w - mubar) T_ll'(w),

over the bath band ``|w| < 2`` (outside it ``T_ll' = 0``: bound states of
the wire carry no current). :func:`fermi_window_rule` returns nodes and
weights ``c_q`` with ``K ~= sum_q c_q T(w_q)``:

* the Fermi window is cut at ``|w - mubar| = 36 T`` (``f(36) = 2.3e-16``:
  the weight left out is below double rounding) and intersected with the
  band;
* it is split into panels at ``mubar +- T {0, 1, 2, 4, 8, 16, 36}``, so
  that each panel is short against its distance to the nearest pole of the
  Fermi function, ``mubar + i pi T`` (Gauss-Legendre converges
  exponentially with a rate set by that ratio);
* inside a panel the nodes are Gauss-Legendre in ``theta`` with
  ``w = -2 cos theta``: ``sqrt(4 - w^2) = 2 sin theta`` and every ``T_ll'``
  are analytic in ``theta``, so panels touching a band edge converge
  exponentially too (in ``w`` the edge is a square-root branch point).

The number of nodes per panel is raised (doubled) by the solvers until the
answer no longer changes: for all panels at once in the ``K x K`` route
(:mod:`nonrecip.deterministic.quantum.general`), panel by panel in the CG route (:mod:`.thermal_chain`:
near a band edge the probe broadening ``~ sqrt(4 - w^2)`` vanishes and the
wire's resonances sharpen, so the edge panels need many more nodes than
the centre of the window).
"""

from __future__ import annotations

import functools
import math

import numpy as np

__all__ = ["is_zero_temperature", "fermi_window_rule", "fermi_panels", "panel_rule", "minus_df", "CUT", "BREAKS"]

CUT = 36.0
BREAKS = (0.0, 1.0, 2.0, 4.0, 8.0, 16.0, CUT)


def is_zero_temperature(temperature: float, mubar: float) -> bool:
    """Return whether ``temperature`` is ``T = 0`` in double precision.

    True when the whole Fermi window ``mubar +- CUT T`` lies within one spacing of
    doubles at ``mubar`` (``CUT T <= 2^-52 max(1, |mubar|)``): ``-df/dw`` is then a
    delta function at ``mubar`` to machine precision, and the ``T = 0`` solve is the
    answer (the ``T -> 0`` correction is ``O(T^2)``). A subnormal ``T = 1e-320`` is so.
    """
    return temperature * CUT <= 2.0**-52 * max(1.0, abs(mubar))


def minus_df(e: np.ndarray, temperature: float) -> np.ndarray:
    """``-df/de`` of the Fermi function at ``e = w - mu``, ``temperature > 0``, overflow-free."""
    a = np.exp(-np.abs(np.asarray(e, dtype=float)) / temperature)
    return (a / (1.0 + a) ** 2) / temperature  # a <= 1: nothing overflows, even at T ~ 1e308


def fermi_window_rule(mubar: float, temperature: float, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights for ``int dw (-df/dw)(w - mubar) F(w)`` over the band.

    Parameters
    ----------
    mubar : float
        Centre of the window, inside the band ``(-2, 2)``.
    temperature : float
        ``T > 0``.
    m : int
        Gauss-Legendre nodes per panel.

    Returns
    -------
    w, c : ndarray, shape (Q,)
        Energies strictly inside the band and weights (``sum c <= 1``; the
        deficit is the Fermi weight outside the band).
    """
    ws, cs = [], []
    for a, b in fermi_panels(mubar, temperature):
        w, c = panel_rule(a, b, mubar, temperature, m)
        ws.append(w)
        cs.append(c)
    return np.concatenate(ws), np.concatenate(cs)


def fermi_panels(mubar: float, temperature: float) -> list[tuple[float, float]]:
    """Return the panels ``(a, b)`` of the Fermi window inside the band (module docstring)."""
    pts = sorted({min(max(mubar + s * temperature * b, -2.0), 2.0) for b in BREAKS for s in (-1.0, 1.0)})
    return [(a, b) for a, b in zip(pts[:-1], pts[1:], strict=True) if b > a]


@functools.cache
def gauss_legendre(m: int) -> tuple[np.ndarray, np.ndarray]:
    """``numpy.polynomial.legendre.leggauss(m)``, computed once per ``m`` (read-only arrays).

    ``leggauss`` solves an ``m x m`` eigenproblem, ``O(m^3)``: 0.14 s at
    ``m = 512``, and the CG route asks for the same ``m`` at every panel
    check (measured: 16 of 22 s of a ``T = 0.1`` solve at ``N = 3000``).
    """
    x, w = np.polynomial.legendre.leggauss(m)
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


def panel_rule(a: float, b: float, mubar: float, temperature: float, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``m`` Gauss-Legendre nodes in ``theta`` (``w = -2 cos theta``) on ``a < w < b``.

    The weights include ``-df/dw``; nodes on a band edge or with zero weight are dropped.
    """
    x, wg = gauss_legendre(int(m))
    ta, tb = math.acos(-a / 2.0), math.acos(-b / 2.0)  # theta increases with w
    half, mid = 0.5 * (tb - ta), 0.5 * (tb + ta)
    th = mid + half * x
    w = -2.0 * np.cos(th)
    c = wg * half * 2.0 * np.sin(th) * minus_df(w - mubar, temperature)
    keep = (np.abs(w) < 2.0) & (c > 0.0)
    return w[keep], c[keep]
