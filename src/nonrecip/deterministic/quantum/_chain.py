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
    bath are left 0. Scratch memory ``O(B N)``, independent of the number
    of energies.

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
    twopi = 2.0 * np.pi
    gam = np.empty(n)
    rez = np.empty(n)
    reL = np.empty(n)
    gamL = np.empty(n)
    mL = np.empty((nb, n))
    m = np.empty(nb)
    for b in range(nb):
        for l in range(n):
            out[b, l] = 0.0
            outdn[b, l] = 0.0
    for q in range(ws.shape[0]):
        w = ws[q]
        c = cs[q]
        root = np.sqrt(4.0 - w * w)
        for l in range(n):
            gam[l] = g2[l] * root
            rez[l] = w * (1.0 - 0.5 * g2[l]) - eps[l]
        # left sweep: s^L and the weighted mean of the baths left of l
        reL[0] = 0.0
        gamL[0] = 0.0
        for b in range(nb):
            m[b] = 0.0
        for l in range(n):
            for b in range(nb):
                mL[b, l] = m[b]
            if has[l]:
                wg = gam[l] / (gamL[l] + gam[l])
                for b in range(nb):
                    m[b] = m[b] + wg * (x[b, l] - m[b])
            if l < n - 1:
                dr = rez[l] - reL[l]
                di = 0.5 * (gam[l] + gamL[l])
                qq = t2[l] / (dr * dr + di * di)
                reL[l + 1] = dr * qq
                gamL[l + 1] = (gam[l] + gamL[l]) * qq
        # right sweep: s^R on the fly, currents
        reR = 0.0
        gamR = 0.0
        for b in range(nb):
            m[b] = 0.0
        for l in range(n - 1, -1, -1):
            if has[l]:
                dr = rez[l] - reL[l] - reR
                di = 0.5 * (gam[l] + gamL[l] + gamR)
                pre = gam[l] / (twopi * (dr * dr + di * di))
                wg = gam[l] / (gamR + gam[l])
                for b in range(nb):
                    cur = pre * (gamL[l] * (x[b, l] - mL[b, l]) + gamR * (x[b, l] - m[b]))
                    out[b, l] += c * cur
                    outdn[b, l] -= c * cur / gam[l]
                    m[b] = m[b] + wg * (x[b, l] - m[b])
            if l > 0:
                er = rez[l] - reR
                ei = 0.5 * (gam[l] + gamR)
                u = t2[l - 1] / (er * er + ei * ei)
                reR = er * u
                gamR = (gam[l] + gamR) * u
