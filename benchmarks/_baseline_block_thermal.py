"""The ``T > 0`` block route as it was before the per-energy structures were kept: the benchmark's baseline.

A frozen copy of the code of commit 9acc9b5 (``block_thermal.py``,
``thermal_cg.py``, ``thermal.panel_rule``), so that
``bench_block_thermal.py`` times the old route in the same process: every
quadrature energy's :class:`.block.BlockStructure` rebuilt at every product,
the forward map with heat (:func:`._block_kernels.block_apply_kernel`), CG
restarted at every confirmation, the quadrature refined round by round
after each CG solve, ``leggauss`` recomputed at every panel check. The
kernels it calls are unchanged in ``src``.
"""

from __future__ import annotations

import math

import numpy as np

from nonrecip.deterministic.quantum.block import BlockStructure
from nonrecip.deterministic.quantum.general import _reservoirs, _states
from nonrecip.deterministic.quantum.thermal import fermi_panels, minus_df
from nonrecip.wire import ConvergenceError

MAX_CG, STALL, ACCEPT, M_MAX = 400, 8, 1e-9, 1024


def panel_rule(a, b, mubar, temperature, m):
    x, wg = np.polynomial.legendre.leggauss(int(m))
    ta, tb = math.acos(-a / 2.0), math.acos(-b / 2.0)
    half, mid = 0.5 * (tb - ta), 0.5 * (tb + ta)
    th = mid + half * x
    w = -2.0 * np.cos(th)
    c = wg * half * 2.0 * np.sin(th) * minus_df(w - mubar, temperature)
    keep = (np.abs(w) < 2.0) & (c > 0.0)
    return w[keep], c[keep]


def solve_thermal_cg(params, x, unknown, target, currents, precondition, tol, m_max):
    def residual(ws, cs, x):
        return np.where(unknown[None], target[None] - currents(ws, cs, x), 0.0)

    def err(z, x):
        return float((np.abs(z).max(axis=1) / np.abs(x).max(axis=1)).max())

    panels = fermi_panels(params.mubar, params.temperature)
    ms = [8] * len(panels)
    last = [math.inf] * len(panels)
    done = [False] * len(panels)
    rules = [panel_rule(a, b, params.mubar, params.temperature, 8) for a, b in panels]
    iters = 0
    while True:
        ws = np.concatenate([r[0] for r in rules])
        cs = np.concatenate([r[1] for r in rules])
        r = residual(ws, cs, x)
        z = precondition(r)
        p = z.copy()
        rz = (r * z).sum(axis=1, keepdims=True)
        best, since = math.inf, 0
        while True:
            e = err(z, x)
            if e <= 0.1 * tol or since > STALL:
                r = residual(ws, cs, x)          # confirm with the true residual
                z = precondition(r)
                floor = err(z, x)
                if floor <= tol or (since > STALL and floor <= ACCEPT):
                    break
                if since > STALL:
                    raise ConvergenceError(f"CG on the thermal probe equations stalled at a relative error "
                                           f"{floor:.3g} (T = {params.temperature:g})")
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
        # quadrature check, panel by panel: the change of the currents of x
        # when the panel's nodes are doubled, mapped to potentials by the preconditioner
        bar = max(tol, 4.0 * floor) / len(panels)
        refine = False
        for k, (a, b) in enumerate(panels):
            if done[k]:
                continue
            fine = panel_rule(a, b, params.mubar, params.temperature, 2 * ms[k])
            d = currents(fine[0], fine[1], x) - currents(rules[k][0], rules[k][1], x)
            e = err(precondition(np.where(unknown[None], d, 0.0)), x)
            if e <= bar or (e > 0.5 * last[k] and e <= ACCEPT / len(panels)):
                done[k] = True                   # converged, or at the rounding floor
                continue
            if ms[k] >= m_max:
                raise ConvergenceError(f"the energy quadrature did not converge with {ms[k]} nodes on the "
                                       f"panel {a:.6g} < w < {b:.6g} (T = {params.temperature:g})")
            last[k] = e
            ms[k] *= 2
            rules[k] = fine
            refine = True
        if not refine:
            return x, ws, cs, iters


def solve_block_thermal_old(wire, params, hamiltonian, gammas, unknown, target, tol=1e-13):
    """The old ``solve_block_thermal``: structures rebuilt per product."""
    n = wire.N
    has = gammas > 0
    g2 = gammas[has] ** 2

    def currents(ws, cs, x, heat=False):
        cur, dn, h = np.zeros_like(x), np.zeros_like(x), np.zeros_like(x)
        for w, c in zip(ws, cs, strict=True):
            st = BlockStructure(float(w), gammas, hamiltonian)
            i, hq = st.apply(x, heat=heat)
            cur += c * i
            dn[:, has] -= c * i[:, has] / (g2 * math.sqrt(4.0 - w * w))
            if heat:
                h += c * hq
        return cur, dn, h

    st0 = BlockStructure(params.mubar, gammas, hamiltonian)
    st0.factor(unknown)
    zero = np.zeros((2, n))
    x1 = _reservoirs(params)
    xfix = np.zeros((2, n))
    xfix[:, 0], xfix[:, -1] = x1, -x1
    x = np.where(has[None], st0.sweep(np.broadcast_to(target, (2, n)), xfix), 0.0)
    x, ws, cs, _ = solve_thermal_cg(params, x, unknown, target, lambda ws, cs, x: currents(ws, cs, x)[0],
                                    lambda r: np.where(unknown[None], st0.sweep(r, zero), 0.0), tol, M_MAX)
    cur, dn, heat = currents(ws, cs, x, heat=True)
    return _states(params, has, target, x, cur[:, 0], dn, heat)
