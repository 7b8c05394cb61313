"""Numba kernels for a nearest-neighbour wire with any real ``eps_l`` and ``t_l``.

The general-chain counterpart of :func:`._kernels.structure_kernel`: with
``Z_{l,l+1} = t_l`` (``H_{l,l+1} = -t_l``) the continued fractions read

    s^L_{l+1} = t_l^2 / (Z_ll - s^L_l),     gam^L_{l+1} = t_l^2 (Gam_l + gam^L_l) / |Z_ll - s^L_l|^2,

and the weight ``Gam_j |G_jl|^2 / |G_ll|^2`` of a bath ``j < l`` decays by
``fL_l = t_l^2 / |Z_ll - s^L_l|^2`` per step (``G_{j,l+1} / G_{l+1,l+1} =
-t_l G^L_{jl}``, ``G^L`` the Green's function of the sites ``<= l`` alone).
Everything the two-stream solver of :mod:`.linear` uses (``gam``, ``gamL``,
``gamR``, ``den2``, ``fL``, ``fR``) keeps its meaning, so its kernels
(:func:`._kernels.solve_kernel`, ``apply_kernel``, ``heat_kernel``,
``finish_kernel``) run unchanged on these arrays. As there, every
broadening is a sum of positive terms times positive factors: no
subtraction can cancel.

:func:`thermal_apply_kernel` fuses the structure and the forward map over a
set of energies: the bath currents of the thermally averaged linear
response with ``O(N)`` scratch memory, whatever the number of energies.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..._jit import JIT


@njit(**JIT)
def chain_structure_kernel(re_z, gam, t2, reL, gamL, fL, reR, gamR, fR, den2):  # pragma: no cover - jitted
    """Left/right continued fractions of a tridiagonal ``Z = w - H - Sigma(w)``.

    Parameters
    ----------
    re_z : (N,) float
        ``Re Z_ll = w - eps_l - Re Sigma_l(w)``; ``Im Z_ll = Gam_l / 2``.
    gam : (N,) float
        Bath broadenings ``Gam_l(w) >= 0``.
    t2 : (N-1,) float
        Squared hoppings ``t_l^2`` of the bonds ``(l, l+1)``.

    Outputs as :func:`._kernels.structure_kernel` (written in place).
    """
    n = re_z.shape[0]
    reL[0] = 0.0
    gamL[0] = 0.0
    reR[n - 1] = 0.0
    gamR[n - 1] = 0.0
    for l in range(n - 1):
        dr = re_z[l] - reL[l]
        di = 0.5 * (gam[l] + gamL[l])
        q = t2[l] / (dr * dr + di * di)
        reL[l + 1] = dr * q
        gamL[l + 1] = (gam[l] + gamL[l]) * q
        fL[l] = q
        k = n - 1 - l
        er = re_z[k] - reR[k]
        ei = 0.5 * (gam[k] + gamR[k])
        u = t2[k - 1] / (er * er + ei * ei)
        reR[k - 1] = er * u
        gamR[k - 1] = (gam[k] + gamR[k]) * u
        fR[k] = u
    fL[n - 1] = 0.0
    fR[0] = 0.0
    for l in range(n):
        dr = re_z[l] - reL[l] - reR[l]
        di = 0.5 * (gam[l] + gamL[l] + gamR[l])
        den2[l] = dr * dr + di * di


@njit(**JIT)
def thermal_apply_kernel(ws, cs, g2, eps, t2, has, x, out, outdn):  # pragma: no cover - jitted
    """Thermally averaged linear-response bath currents, ``B`` potential vectors.

    ``out[b, l] = sum_q cs[q] I_l(ws[q]; x[b])`` with
    ``I_l(w; x) = (1/2pi) sum_l' T_ll'(w) (x_l - x_l')`` evaluated by the
    two-stream forward map (:func:`._kernels.apply_kernel`) at each energy,
    and ``outdn[b, l] = -sum_q cs[q] I_l(ws[q]; x[b]) / Gam_l(ws[q])`` (the
    density deviation, Eq. B50, averaged the same way). Entries without a
    bath are left 0. The energies run in blocks of 16 in the innermost
    loops, so that the 16 independent continued-fraction recurrences
    pipeline (one alone is bound by the latency of its division). Scratch
    memory ``O(16 B N)``, independent of the number of energies.

    Parameters
    ----------
    ws, cs : (Q,) float
        Energies inside the band and their quadrature weights.
    g2 : (N,) float
        Squared bath couplings ``gamma_l^2``.
    eps : (N,) float
        On-site energies.
    t2 : (N-1,) float
        Squared hoppings.
    has : (N,) bool
        Sites with a bath.
    x : (B, N) float
        Bath potentials relative to ``mubar`` (ignored where ``has`` is false).
    """
    n = g2.shape[0]
    nb = x.shape[0]
    nq = ws.shape[0]
    twopi = 2.0 * np.pi
    QB = 16                  # energies per block: independent recurrences pipeline
    reL = np.empty((n, QB))
    gamL = np.empty((n, QB))
    mL = np.empty((n, nb, QB))
    gam = np.empty(QB)
    rez = np.empty(QB)
    m = np.empty((nb, QB))
    reR = np.empty(QB)
    gamR = np.empty(QB)
    root = np.empty(QB)
    for b in range(nb):
        for l in range(n):
            out[b, l] = 0.0
            outdn[b, l] = 0.0
    for q0 in range(0, nq, QB):
        nj = min(QB, nq - q0)
        for j in range(nj):
            w = ws[q0 + j]
            root[j] = np.sqrt(4.0 - w * w)
            reL[0, j] = 0.0
            gamL[0, j] = 0.0
            for b in range(nb):
                m[b, j] = 0.0
        # left sweep: s^L and the weighted mean of the baths left of l
        for l in range(n):
            for j in range(nj):
                w = ws[q0 + j]
                gam[j] = g2[l] * root[j]
                rez[j] = w * (1.0 - 0.5 * g2[l]) - eps[l]
            for b in range(nb):
                for j in range(nj):
                    mL[l, b, j] = m[b, j]
            if has[l]:
                for j in range(nj):
                    wg = gam[j] / (gamL[l, j] + gam[j])
                    for b in range(nb):
                        m[b, j] = m[b, j] + wg * (x[b, l] - m[b, j])
            if l < n - 1:
                for j in range(nj):
                    dr = rez[j] - reL[l, j]
                    di = 0.5 * (gam[j] + gamL[l, j])
                    qq = t2[l] / (dr * dr + di * di)
                    reL[l + 1, j] = dr * qq
                    gamL[l + 1, j] = (gam[j] + gamL[l, j]) * qq
        # right sweep: s^R on the fly, currents
        for j in range(nj):
            reR[j] = 0.0
            gamR[j] = 0.0
            for b in range(nb):
                m[b, j] = 0.0
        for l in range(n - 1, -1, -1):
            for j in range(nj):
                w = ws[q0 + j]
                gam[j] = g2[l] * root[j]
                rez[j] = w * (1.0 - 0.5 * g2[l]) - eps[l]
            if has[l]:
                for j in range(nj):
                    dr = rez[j] - reL[l, j] - reR[j]
                    di = 0.5 * (gam[j] + gamL[l, j] + gamR[j])
                    pre = gam[j] / (twopi * (dr * dr + di * di))
                    wg = gam[j] / (gamR[j] + gam[j])
                    c = cs[q0 + j]
                    for b in range(nb):
                        cur = pre * (gamL[l, j] * (x[b, l] - mL[l, b, j]) + gamR[j] * (x[b, l] - m[b, j]))
                        out[b, l] += c * cur
                        outdn[b, l] -= c * cur / gam[j]
                        m[b, j] = m[b, j] + wg * (x[b, l] - m[b, j])
            if l > 0:
                for j in range(nj):
                    er = rez[j] - reR[j]
                    ei = 0.5 * (gam[j] + gamR[j])
                    u = t2[l - 1] / (er * er + ei * ei)
                    reR[j] = er * u
                    gamR[j] = (gam[j] + gamR[j]) * u
