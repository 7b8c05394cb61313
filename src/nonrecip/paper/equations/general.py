"""I_in and delta_I of any layout with any per-site p, in closed form.

**Not from the paper: derived here** (conventions §5). The paper gives
closed forms for one dimer (Eq. 6), for ``dimers`` (Eq. 8) and for one
source-drain pair (C23) at one uniform ``p``; this module gives the exact
currents and ``delta_I`` of ANY layout of S, D, P and free sites with ANY
move probability ``p_l`` per site (conventions §2), in ``O(N)``.

Derivation (the resistor-network picture)
-----------------------------------------
Write the steady state of the walker rule (conventions §2) with the outgoing
fluxes ``x+(l) = m_l rho+(l)``, ``x-(l) = m_l rho-(l)``; ``m_l = p_l`` on an
S/D/P site and 1 on a free one. Eliminating the flip inside site ``l`` makes
it a two-port with transmission ``1/(2 - m_l)`` and reflection
``(1 - m_l)/(2 - m_l)``. On the bond ``l -> l+1`` put ``J(l) = x+(l) -
x-(l+1)`` (the current) and ``S(l) = x+(l) + x-(l+1)``; ``u = S/2`` plays
the potential. Across site ``l``

    J(l) - J(l-1) = sigma_l Ig                      (sigma = +1 S, -1 D, else 0)
    u(l-1) - u(l) = w_l [J(l-1) + J(l)] / 2,        w_l = 1 - m_l,

i.e. site ``l`` is a resistor ``w_l`` whose two halves ``w_l/2`` carry the
current on either side, with the source or drain attached at its middle
(free sites: ``w = 0``). At the contacts the reservoirs inject ``in_L``
and ``in_R`` per step and ``u = in_L - I_in/2`` on the bond entering site
1, ``u = in_R + I_out/2`` on the bond leaving site N: each contact is a
resistor ``1/2`` from a reservoir at "potential" ``in_L`` or ``in_R``. The
wire is a series of resistors, total

    R = 1 + sum_l w_l = 1 + sum_l (1 - p_l)       (S/D/P sites only),

fed by the reservoir drive ``d = in_L - in_R`` (``+drho`` forward,
``-drho`` reverse) and by the sources and drains at the middles of their
sites. Summing the drops from reservoir to reservoir,

    d = R I_in + Ig [n(N)/2 + sum_l w_l nbar_l],

with ``n(l)`` the net number of sources minus drains on sites ``<= l`` and
``nbar_l = (n(l-1) + n(l))/2`` (a source on site ``l`` counts half at its
own site). Hence, exactly,

    I_in  = a - X,       a = d / R,
    X     = Ig [n(N)/2 + sum_l w_l nbar_l] / R,
    I_out = I_in + Ig n(N).

Exchanging the sums gives the current-divider reading of the same result:
``X = sum_k sigma_k Ig R_right(k) / R`` with ``R_right(k) = 1/2 +
w_{l_k}/2 + sum_{l > l_k} w_l`` the resistance from source ``k`` to the
right reservoir; each injected current splits between the two contacts in
inverse proportion to the resistances it sees. (For ``.SD.`` at one ``p``:
``R = 3 - 2p``, ``X = (1 - p) Ig / (3 - 2p)``, Eq. 6; for ``dimers``,
Eq. 8.)

delta_I
-------
Forward ``A = I_in = a - X``, reverse ``B = -a - X`` with ``a = drho/R >=
0``; ``delta_I = |B| - |A|`` (conventions §1) has the sign cases

    |X| <= a :  delta_I = 2 X      (both currents keep the bias direction)
    X  >  a  :  delta_I = 2 a      (forward current reversed: both flow left)
    X  < -a  :  delta_I = -2 a     (reverse current reversed: both flow right)

(``A < 0 < B`` cannot occur for ``a >= 0``), i.e.

    delta_I = 2 sign(X) min(|X|, drho / R),

formed from ``X`` and ``a`` each computed on its own, never as a difference
of the two currents: the same parts as the solvers' ``I_in_split`` (drive
``a``, injected ``-X``; :func:`nonrecip.results.delta_I_linear`), so nothing
cancels however small ``delta_I`` is against the currents. The paper's
``eq6_delta_I``/``eq8_delta_I`` are the case ``|X| <= a``.

Accuracy: ``R`` and the sum are positive-term sums (``w_l >= 0``) except
where the running count ``n`` changes sign; ``X`` then has the relative
error ``~ N eps sum_l w_l |nbar_l| / |sum_l w_l nbar_l|``, ``eps`` relative
otherwise (all terms of one sign, e.g. ``dimers``, any layout whose sources
precede their drains).
"""

from __future__ import annotations

import numpy as np

from ...wire import Bias, ParameterError, Wire

__all__ = ["general_resistance", "general_parts", "general_current", "general_delta_I",
           "general_current_divider"]


def _wire_and_w(layout: str | Wire, p: float | np.ndarray) -> tuple[Wire, np.ndarray]:
    wire = layout if isinstance(layout, Wire) else Wire(layout)
    pa = np.asarray(p, dtype=float)
    if pa.ndim == 0:
        pa = np.full(wire.N, float(pa))
    if pa.shape != (wire.N,):
        raise ParameterError("p", f"{pa.size} values", f"must be one number or N = {wire.N} values")
    if not np.all((pa > 0.0) & (pa <= 1.0)):
        raise ParameterError("p", "profile", "every value must be in (0, 1]")
    w = np.where(wire.scatterer, 1.0 - pa, 0.0)
    return wire, w


def general_resistance(layout: str | Wire, p: float | np.ndarray) -> float:
    """Return ``R = 1 + sum_l (1 - p_l)`` over S/D/P sites: the wire's resistance (module docstring)."""
    _, w = _wire_and_w(layout, p)
    return float(1.0 + np.sum(w))


def general_parts(layout: str | Wire, p: float | np.ndarray, Ig: float, drho: float) -> tuple[float, float]:  # noqa: N803
    """Return ``(a, X)``, the drive and injected parts of ``I_in = +-a - X`` (forward / reverse).

    Parameters
    ----------
    layout : str or Wire
        Any layout (conventions §1), balanced or not.
    p : float or ndarray, shape (N,)
        One move probability, or ``p_l`` per site ``1..N`` (used on S/D/P
        sites only), each in ``(0, 1]``.
    Ig, drho : float
        Source current and density bias.

    Returns
    -------
    a, X : float
        ``a = drho / R`` and ``X = Ig [n(N)/2 + sum_l w_l nbar_l] / R``.
    """
    wire, w = _wire_and_w(layout, p)
    n = np.cumsum(wire.injection)                       # n(l): integers, exact
    nbar = n - 0.5 * wire.injection                     # (n(l-1) + n(l)) / 2
    R = 1.0 + np.sum(w)
    return float(drho / R), float(Ig * (0.5 * n[-1] + np.sum(w * nbar)) / R)


def general_current(layout: str | Wire, p: float | np.ndarray, Ig: float, drho: float,  # noqa: N803
                    bias: Bias | str = "forward") -> tuple[float, float]:
    """Return the exact ``(I_in, I_out)`` of any layout and per-site p: ``I_in = +-a - X``.

    ``I_out = I_in + Ig (n_S - n_D)``. Not from the paper: derived here
    (module docstring).

    Examples
    --------
    >>> I, _ = general_current(".SD.", 0.5, 0.1, 0.2)   # Eq. 6: (0.2 - 0.5*0.1)/(3 - 1)
    >>> round(I, 15)
    0.075
    """
    wire, _ = _wire_and_w(layout, p)
    a, X = general_parts(wire, p, Ig, drho)
    I_in = Bias.parse(bias).sign * a - X
    return I_in, I_in + Ig * float(np.sum(wire.injection))


def general_delta_I(layout: str | Wire, p: float | np.ndarray, Ig: float, drho: float) -> float:  # noqa: N803
    """Return the exact ``delta_I = 2 sign(X) min(|X|, drho/R)`` of any layout and per-site p.

    The three sign cases of ``|I_in(rev)| - |I_in(fwd)|`` in one line
    (module docstring), without cancellation. Not from the paper: derived
    here.

    Examples
    --------
    >>> round(general_delta_I(".SD.", 0.5, 0.1, 0.2), 15)   # Eq. 6: 2(1-p)Ig/(3-2p)
    0.05
    """
    a, X = general_parts(layout, p, Ig, drho)
    return float(2.0 * np.sign(X) * min(abs(X), a))


def general_current_divider(layout: str | Wire, p: float | np.ndarray, Ig: float) -> float:  # noqa: N803
    """Return ``X`` in the current-divider form ``sum_k sigma_k Ig R_right(k) / R``.

    The same quantity as :func:`general_parts`' ``X`` summed source by
    source (module docstring); it loses digits to cancellation between a
    source and a nearby drain (both ``R_right ~ R``), so it serves as an
    independent check, not for the numbers.
    """
    wire, w = _wire_and_w(layout, p)
    right = np.concatenate((np.cumsum(w[::-1])[::-1][1:], [0.0]))   # sum_{l > l_k} w_l
    R_right = 0.5 + 0.5 * w + right
    return float(Ig * np.sum(wire.injection * R_right) / (1.0 + np.sum(w)))
