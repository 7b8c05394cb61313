r"""Conjugate gradients on the thermal probe equations, with the quadrature adapted panel by panel.

Shared by the ``T > 0`` linear-response routes of :mod:`.thermal_chain`
(range 1) and :mod:`.block_thermal` (any range). Both solve, for the
potentials ``x`` of the baths with a prescribed current,

    2 pi I_l(x) = sum_l' K_ll' (x_l - x_l') = 2 pi target_l,
    K_ll' = int dw (-df/dw)(w - mubar) T_ll'(w),

with ``K`` never formed: the caller gives ``currents(ws, cs, x)``, the
quadrature sum over the energies ``ws`` with weights ``cs`` of ``O(N)``
(or ``O(N r^3)``) forward maps, and ``precondition(r)``, the exact ``T = 0``
solve at ``mubar``. Both are symmetric positive definite on the unknowns
(grounded Laplacians), so CG applies to both biases at once (rows of ``x``).

CG stops when the preconditioned residual, relative to ``max |x|``, is below
``tol / 10`` (confirmed with the true residual) or stops falling for
``STALL`` iterations (the rounding floor; accepted below ``ACCEPT``). The
true residual has a floor of its own, ``~ N eps`` of ``max |x|`` (the
currents of a probe are a difference of the through-currents on its two
sides; :mod:`.thermal_chain`), which the recursion's estimate does not see:
when two confirmations in a row do not halve it, it is the floor and is
accepted (below ``ACCEPT``). Before, CG restarted from each confirmation
and the estimate fell below ``tol / 10`` again at once, up to ~40 times per
rule (``N = 10^4``). Then
each panel of the Fermi window (:func:`.thermal.fermi_panels`) doubles its
Gauss-Legendre nodes (from 8) until the change of the currents of ``x``,
mapped to potentials by the preconditioner, is below ``max(tol, 4 floor) /
n_panels``; CG restarts from ``x`` on the refined rule until no panel moves.
(Choosing the rule first, on the ``T = 0`` start, was tried: with the bar
``tol / n_panels`` it refines panels into their rounding noise, 312 nodes
instead of 168 and no faster, ``N = 2000``, ``r = 2``.)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ...wire import ConvergenceError, QuantumParams
from .thermal import fermi_panels, panel_rule

__all__ = ["solve_thermal_cg", "MAX_CG", "STALL", "ACCEPT"]

MAX_CG = 400
STALL = 8         # CG iterations without halving the error: rounding floor reached
ACCEPT = 1e-9     # largest rounding floor accepted (relative to max |x|)

Currents = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def solve_thermal_cg(params: QuantumParams, x: np.ndarray, unknown: np.ndarray, target: np.ndarray,
                     currents: Currents, precondition: Callable[[np.ndarray], np.ndarray], tol: float,
                     m_max: int, retire: Callable[[np.ndarray], None] | None = None,
                     stats: dict | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Solve the thermal probe equations of both biases (module docstring).

    Parameters
    ----------
    params : QuantumParams
        ``mubar`` and ``temperature`` (the Fermi window).
    x : ndarray, shape (2, N)
        Start (forward, reverse); the reservoir entries are kept.
    unknown, target : ndarray, shape (N,)
        The baths with a prescribed current and their currents.
    currents : callable
        ``currents(ws, cs, x)``: the bath currents of ``x`` on the rule, shape ``(2, N)``.
    precondition : callable
        ``precondition(r)`` for residuals ``r`` of shape ``(2, N)``, zero off the unknowns.
    tol : float
        Relative accuracy of the potentials.
    m_max : int
        Gauss-Legendre nodes per panel at most.
    retire : callable, optional
        ``retire(ws)`` is told the energies of a panel rule that will not be
        asked for again (the coarse rule of a refined panel, the trial rule
        of a converged one), so that a caller keeping per-energy data can drop it.
    stats : dict, optional
        Filled with ``floor``: the error estimate ``max |P^{-1} r| / max |x|``
        of the true residual at the accepted ``x`` (the rounding floor when CG stalled).

    Returns
    -------
    x : ndarray, shape (2, N)
    ws, cs : ndarray
        The final quadrature rule.
    iterations : int
        CG steps over all rules.

    Raises
    ------
    ConvergenceError
        CG or the quadrature did not converge.
    """
    def residual(ws, cs, x):
        return np.where(unknown[None], target[None] - currents(ws, cs, x), 0.0)

    def err(z, x):
        return float((np.abs(z).max(axis=1) / np.abs(x).max(axis=1)).max())

    panels = fermi_panels(params.mubar, params.temperature)
    ms = [8] * len(panels)
    last = [math.inf] * len(panels)
    done = [False] * len(panels)
    rules = [panel_rule(a, b, params.mubar, params.temperature, 8) for a, b in panels]
    def check(k: int, x: np.ndarray, bar: float) -> bool:
        """Double panel ``k``'s nodes if that moves ``x`` by more than ``bar``; return whether it did."""
        a, b = panels[k]
        fine = panel_rule(a, b, params.mubar, params.temperature, 2 * ms[k])
        d = currents(fine[0], fine[1], x) - currents(rules[k][0], rules[k][1], x)
        e = err(precondition(np.where(unknown[None], d, 0.0)), x)
        if e <= bar or (e > 0.5 * last[k] and e <= ACCEPT / len(panels)):
            if retire is not None:
                retire(fine[0])
            return False                         # converged, or at the rounding floor
        if ms[k] >= m_max:
            raise ConvergenceError(f"the energy quadrature did not converge with {ms[k]} nodes on the "
                                   f"panel {a:.6g} < w < {b:.6g} (T = {params.temperature:g})")
        last[k] = e
        ms[k] *= 2
        if retire is not None:
            retire(rules[k][0])
        rules[k] = fine
        return True

    iters = 0
    while True:
        ws = np.concatenate([r[0] for r in rules])
        cs = np.concatenate([r[1] for r in rules])
        r = residual(ws, cs, x)
        z = precondition(r)
        p = z.copy()
        rz = (r * z).sum(axis=1, keepdims=True)
        best, since, confirmed = math.inf, 0, math.inf
        while True:
            e = err(z, x)
            if e <= 0.1 * tol or since > STALL:
                r = residual(ws, cs, x)          # confirm with the true residual
                z = precondition(r)
                floor = err(z, x)
                stalled = since > STALL or floor > 0.5 * confirmed
                if floor <= tol or (stalled and floor <= ACCEPT):
                    break
                if stalled:
                    raise ConvergenceError(f"CG on the thermal probe equations stalled at a relative error "
                                           f"{floor:.3g} (T = {params.temperature:g})")
                confirmed = floor
                p = z.copy()
                rz = (r * z).sum(axis=1, keepdims=True)
            if e < 0.5 * best:
                best, since = e, 0
            else:
                since += 1
            iters += 1
            if iters > MAX_CG:
                raise ConvergenceError(f"CG on the thermal probe equations did not converge in {MAX_CG} "
                                       f"iterations (relative error estimate {e:.3g}, T = {params.temperature:g})")
            ap = np.where(unknown[None], currents(ws, cs, p), 0.0)
            pap = (p * ap).sum(axis=1, keepdims=True)
            alpha = np.divide(rz, pap, out=np.zeros_like(rz), where=pap != 0.0)
            x = x + alpha * p
            r = r - alpha * ap
            z = precondition(r)
            rz_new = (r * z).sum(axis=1, keepdims=True)
            beta = np.divide(rz_new, rz, out=np.zeros_like(rz), where=rz != 0.0)
            p = z + beta * p
            rz = rz_new
        if stats is not None:
            stats["floor"] = floor
        # quadrature check, panel by panel: the change of the
        # currents of x when the panel's nodes are doubled, mapped to
        # potentials by the preconditioner
        bar = max(tol, 4.0 * floor) / len(panels)
        refine = False
        for k in range(len(panels)):
            if not done[k]:
                if check(k, x, bar):
                    refine = True
                else:
                    done[k] = True
        if not refine:
            return x, ws, cs, iters
