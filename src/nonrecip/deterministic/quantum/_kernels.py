"""Numba kernels of the direct ``O(N)`` linear-response solver.

They see only plain arrays and scalars and write into caller-allocated
outputs; :mod:`.linear` validates, allocates and explains the algorithm.
All arithmetic is real: a complex self-energy ``s = re - i Gam/2`` is carried
as its real part and its (positive) broadening, so that every broadening,
every weight and every resistance is built from sums and products of
positive numbers, never by subtraction.

Sums that decide the answer are compensated (Neumaier), so an ``O(N)`` sweep
keeps ``O(1)`` ulps instead of ``O(N)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..._jit import JIT


# -- error-free transformations (double-double arithmetic) -----------------
# fastmath=False (JIT) is what makes these exact: they rely on IEEE rounding.
@njit(**JIT)
def _two_sum(a, b):  # pragma: no cover - jitted
    """``(s, e)`` with ``s = fl(a + b)`` and ``s + e == a + b`` exactly (Knuth)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


@njit(**JIT)
def _split(a):  # pragma: no cover - jitted
    c = 134217729.0 * a  # 2^27 + 1 (Veltkamp)
    hi = c - (c - a)
    return hi, a - hi


@njit(**JIT)
def _two_prod(a, b):  # pragma: no cover - jitted
    """``(p, e)`` with ``p = fl(a b)`` and ``p + e == a b`` exactly (Dekker)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


@njit(**JIT)
def _dd_add(ah, al, bh, bl):  # pragma: no cover - jitted
    """Double-double sum ``(ah + al) + (bh + bl)``."""
    s, e = _two_sum(ah, bh)
    e += al + bl
    return _two_sum(s, e)


@njit(**JIT)
def _dd_mul(ah, al, b):  # pragma: no cover - jitted
    """Double-double times double ``(ah + al) b``."""
    p, e = _two_prod(ah, b)
    e += al * b
    return _two_sum(p, e)


@njit(**JIT)
def structure_kernel(re_z, gam, reL, gamL, fL, reR, gamR, fR, den2):  # pragma: no cover - jitted
    """Left/right continued fractions of ``Z = w - H - Sigma(w)``.

    Parameters
    ----------
    re_z : (N,) float
        ``Re Z_ll = w - Re Sigma_l(w)``; ``Im Z_ll = Gam_l / 2``.
    gam : (N,) float
        Bath broadenings ``Gam_l(w) >= 0``.

    Outputs (all ``(N,)`` float, written in place)
    -------
    reL, gamL : the self-energy of the sites left of ``l`` seen at ``l``,
        ``s^L_l = reL_l - i gamL_l / 2`` (``s^L_1 = 0``).
    fL : ``fL_l = |s^L_{l+1}|^2``, the factor by which a weight decays from
        ``l`` to ``l+1`` (``fL_{N-1} = 0``).
    reR, gamR, fR : the same from the right (``fR_l = |s^R_{l-1}|^2``).
    den2 : ``|G_ll|^{-2} = |Z_ll - s^L_l - s^R_l|^2``.

    The imaginary part of every denominator is a sum of positive
    broadenings, and ``gam^L_{l+1} = (Gam_l + gam^L_l) / |d|^2`` is formed
    without subtraction. The left and right fractions run in one loop (two
    independent dependency chains).
    """
    n = re_z.shape[0]
    reL[0] = 0.0
    gamL[0] = 0.0
    reR[n - 1] = 0.0
    gamR[n - 1] = 0.0
    for l in range(n - 1):
        dr = re_z[l] - reL[l]
        di = 0.5 * (gam[l] + gamL[l])
        q = 1.0 / (dr * dr + di * di)
        reL[l + 1] = dr * q
        gamL[l + 1] = (gam[l] + gamL[l]) * q
        fL[l] = q
        k = n - 1 - l
        er = re_z[k] - reR[k]
        ei = 0.5 * (gam[k] + gamR[k])
        u = 1.0 / (er * er + ei * ei)
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
def solve_kernel(gam, gamL, gamR, den2, unknown, target, x1, xN, I1, x, J):  # pragma: no cover - jitted
    """Solve the linear-response probe equations directly, ``O(N)``, for ``B`` biases.

    Parameters
    ----------
    gam, gamL, gamR, den2 : (N,) float
        From :func:`structure_kernel`.
    unknown : (N,) bool
        Sites whose bath potential is solved for (S, D, P with ``gam > 0``).
    target : (N,) float
        Prescribed bath current at unknown sites (``+Ig``, ``-Ig``, 0).
    x1, xN : (B,) float
        Reservoir potentials relative to ``mubar`` at sites 1 and N.

    Outputs
    -------
    I1 : (B,) float
        The current from the left reservoir into site 1.
    x : (B, N) float
        Bath potentials relative to ``mubar`` at unknown sites and at 1, N
        (other entries untouched).
    J : (B, N-1) float
        Bond currents ``J_l = I_1 + Q_l``.

    The total resistance, the drive, ``I_1`` and the running right stream
    ``a`` are carried in double-double arithmetic: the site drops
    ``tau I - rho J`` alternate with amplitude ``~ Ig l_c`` while their sum
    over a period is ``~ dmu / N``, so plain (even compensated) sums of
    rounded drops would drift by ``N eps Ig l_c`` along a periodic wire.
    """
    n = gam.shape[0]
    nb = x1.shape[0]
    twopi = 2.0 * np.pi
    # pass 1: total series resistance and the drive
    rs_h, rs_l = 0.0, 0.0      # sum rho_l
    ds_h, ds_l = 0.0, 0.0      # sum (tau_l I_l - rho_l Q_{l-1})
    Q_h, Q_l = 0.0, 0.0        # prescribed injection so far
    taus = np.empty(n)
    rhos = np.empty(n)
    for l in range(1, n - 1):
        if not unknown[l]:
            continue
        g = gam[l]
        Lq = gamL[l]
        S = g + Lq + gamR[l]
        tau = twopi * den2[l] / ((Lq + g) * S)
        rho = tau * (g / Lq)
        taus[l] = tau
        rhos[l] = rho
        rs_h, rs_l = _dd_add(rs_h, rs_l, rho, 0.0)
        p, e = _two_prod(tau, target[l])
        ds_h, ds_l = _dd_add(ds_h, ds_l, p, e)
        q_h, q_l = _dd_mul(Q_h, Q_l, rho)
        ds_h, ds_l = _dd_add(ds_h, ds_l, -q_h, -q_l)
        Q_h, Q_l = _dd_add(Q_h, Q_l, target[l], 0.0)
    # 1/K_{N-1} = 2pi |G_NN|^-2 / (gamL_N Gam_N): the resistance of the last bond
    invK = twopi * den2[n - 1] / (gamL[n - 1] * gam[n - 1])
    d_h, d_l = _dd_add(rs_h, rs_l, invK, 0.0)
    q_h, q_l = _dd_mul(Q_h, Q_l, invK)
    base_h, base_l = _dd_add(ds_h, ds_l, -q_h, -q_l)
    I1h = np.empty(nb)
    I1l = np.empty(nb)
    a_h = np.empty(nb)
    a_l = np.zeros(nb)
    for b in range(nb):
        v_h, v_l = _two_sum(x1[b], -xN[b])
        n_h, n_l = _dd_add(base_h, base_l, v_h, v_l)
        q1 = n_h / d_h                        # double-double division
        p_h, p_l = _dd_mul(d_h, d_l, q1)
        r_h, r_l = _dd_add(n_h, n_l, -p_h, -p_l)
        I1h[b], I1l[b] = _two_sum(q1, r_h / d_h)
        I1[b] = I1h[b]
        a_h[b] = x1[b]
        x[b, 0] = x1[b]
        x[b, n - 1] = xN[b]
        J[b, 0] = I1h[b]
    # pass 2: potentials from the stream drops, bond currents by continuity
    Q_h, Q_l = 0.0, 0.0
    for l in range(1, n - 1):
        if unknown[l]:
            tau = taus[l]
            rho = rhos[l]
            back = 1.0 + gamL[l] / gam[l]     # p = x_l - a_{l-1} = drop * back
            t_h, t_l = _two_prod(tau, target[l])
            for b in range(nb):
                Jh, Jl = _dd_add(I1h[b], I1l[b], Q_h, Q_l)      # J_{l-1}
                r_h, r_l = _dd_mul(Jh, Jl, rho)
                da_h, da_l = _dd_add(t_h, t_l, -r_h, -r_l)
                x[b, l] = a_h[b] + (a_l[b] + (da_h + da_l) * back)
                a_h[b], a_l[b] = _dd_add(a_h[b], a_l[b], da_h, da_l)
            Q_h, Q_l = _dd_add(Q_h, Q_l, target[l], 0.0)
        for b in range(nb):
            J[b, l] = I1h[b] + (Q_h + (I1l[b] + Q_l))


@njit(**JIT)
def apply_kernel(gam, gamL, fL, gamR, fR, den2, has, x, out):  # pragma: no cover - jitted
    """Linear-response bath currents ``I_l = (1/2pi) sum_l' T_ll' (x_l - x_l')``, ``O(N)``.

    The forward map of the probe equations, evaluated from the same
    structure without solving anything: with the weighted mean ``m^L_l`` of
    the potentials of the baths left of ``l`` (weights ``|G_ll'|^2 Gam_l' /
    |G_ll|^2``, total ``gamL_l``) and ``m^R_l`` likewise,
    ``I_l = Gam_l |G_ll|^2 / 2pi [gamL_l (x_l - m^L_l) + gamR_l (x_l - m^R_l)]``.
    ``has`` marks the sites with a bath; ``out`` gets NaN elsewhere.
    """
    n = gam.shape[0]
    twopi = 2.0 * np.pi
    mL = np.empty(n)
    m = 0.0
    for l in range(n):          # the total weight left of l is gamL[l]
        mL[l] = m
        if has[l]:
            m = m + gam[l] * (x[l] - m) / (gamL[l] + gam[l])
    m = 0.0
    for l in range(n - 1, -1, -1):
        if has[l]:
            out[l] = gam[l] / (twopi * den2[l]) * (gamL[l] * (x[l] - mL[l]) + gamR[l] * (x[l] - m))
            m = m + gam[l] * (x[l] - m) / (gamR[l] + gam[l])
        else:
            out[l] = np.nan


@njit(**JIT)
def heat_kernel(gam, gamL, fL, gamR, fR, den2, has, x, h):  # pragma: no cover - jitted
    """Linear-response heat current into each bath (Eq. B52), ``O(N)``, ``B`` biases.

    ``h_l = (1/4pi) sum_l' T_ll' (x_l' - x_l)^2`` from running weighted
    means and weighted sums of squared deviations (West's update), so every
    term added is non-negative. ``x`` and ``h`` have shape ``(B, N)``; ``h``
    is NaN where there is no bath.
    """
    n = gam.shape[0]
    nb = x.shape[0]
    fourpi = 4.0 * np.pi
    mL = np.empty((nb, n))
    vL = np.empty((nb, n))
    m = np.zeros(nb)
    M2 = np.zeros(nb)
    for l in range(n):          # the total weight left of l is gamL[l]
        if has[l]:
            W2 = gamL[l] + gam[l]
            c = gamL[l] * gam[l] / W2
            wg = gam[l] / W2
            for b in range(nb):
                mL[b, l] = m[b]
                vL[b, l] = M2[b]
                d = x[b, l] - m[b]
                M2[b] = (M2[b] + c * d * d) * fL[l]
                m[b] = m[b] + wg * d
        else:
            for b in range(nb):
                mL[b, l] = m[b]
                vL[b, l] = M2[b]
                M2[b] = M2[b] * fL[l]
    m[:] = 0.0
    M2[:] = 0.0
    for l in range(n - 1, -1, -1):
        if has[l]:
            W2 = gamR[l] + gam[l]
            c = gamR[l] * gam[l] / W2
            wg = gam[l] / W2
            pre = gam[l] / (fourpi * den2[l])
            for b in range(nb):
                dl = x[b, l] - mL[b, l]
                dr = x[b, l] - m[b]
                h[b, l] = pre * (vL[b, l] + gamL[l] * dl * dl + M2[b] + gamR[l] * dr * dr)
                M2[b] = (M2[b] + c * dr * dr) * fR[l]
                m[b] = m[b] + wg * dr
        else:
            for b in range(nb):
                h[b, l] = np.nan
                M2[b] = M2[b] * fR[l]


@njit(**JIT)
def finish_kernel(mubar, gam, has, target, I1, x, J, mu, I, dn):  # pragma: no cover - jitted
    """Fill the per-site outputs ``mu``, ``I``, ``dn`` of ``B`` biases (Eq. B50).

    ``mu = mubar + x``, the bath currents ``I`` (targets, ``I_1``,
    ``I_N = -J_{N-1}``) and ``dn = -I / Gam`` (Eq. B50); NaN where there is
    no bath.

    Returns the flat index ``b * N + l`` of the potential farthest outside
    the band ``(-2, 2)``, or -1 if none is.
    """
    nb, n = x.shape
    worst = -1
    wv = 0.0
    for b in range(nb):
        for l in range(n):
            if has[l]:
                m = mubar + x[b, l]
                mu[b, l] = m
                if l == 0:
                    c = I1[b]
                elif l == n - 1:
                    c = -J[b, n - 2]
                else:
                    c = target[l]
                I[b, l] = c
                dn[b, l] = -c / gam[l]
                if not (abs(m) < 2.0) and (worst < 0 or abs(m) > wv):
                    wv = abs(m)
                    worst = b * n + l
            else:
                mu[b, l] = np.nan
                I[b, l] = np.nan
                dn[b, l] = np.nan
    return worst


# -- a double-double (~31 digit) evaluation of the whole algorithm -----------
# The reference for large N, where mpmath is too slow: every step of
# structure_kernel and solve_kernel in double-double arithmetic, inputs
# included (re Z and Gam formed from mubar and gamma in double-double).
@njit(**JIT)
def _dd_add2(ah, al, bh, bl):  # pragma: no cover - jitted
    """Accurate double-double sum (QD's ieee_add)."""
    s, e = _two_sum(ah, bh)
    t, f = _two_sum(al, bl)
    e += t
    s, e = _two_sum(s, e)
    e += f
    return _two_sum(s, e)


@njit(**JIT)
def _dd_mul2(ah, al, bh, bl):  # pragma: no cover - jitted
    p, e = _two_prod(ah, bh)
    e += ah * bl + al * bh
    return _two_sum(p, e)


@njit(**JIT)
def _dd_div2(ah, al, bh, bl):  # pragma: no cover - jitted
    q1 = ah / bh
    ph, pl = _dd_mul2(bh, bl, q1, 0.0)
    rh, rl = _dd_add2(ah, al, -ph, -pl)
    q2 = rh / bh
    ph, pl = _dd_mul2(bh, bl, q2, 0.0)
    rh, rl = _dd_add2(rh, rl, -ph, -pl)
    q3 = rh / bh
    qh, ql = _two_sum(q1, q2)
    return _dd_add2(qh, ql, q3, 0.0)


@njit(**JIT)
def _dd_sqrt(ah, al):  # pragma: no cover - jitted
    x = np.sqrt(ah)
    ph, pl = _two_prod(x, x)
    rh, rl = _dd_add2(ah, al, -ph, -pl)
    return _two_sum(x, rh / (2.0 * x))


@njit(**JIT)
def dd_reference_kernel(mubar, gammas, unknown, target, x1, xN, xh, xl, I1h, I1l):  # pragma: no cover - jitted
    """Solve the linear response directly in double-double arithmetic.

    Same inputs as :func:`structure_kernel` + :func:`solve_kernel` but from
    ``mubar`` and the couplings ``gammas`` (``(N,)``); ``x1``, ``xN`` are
    ``(B,)``. Writes the potentials ``x = xh + xl`` (``(B, N)``) and
    ``I_1 = I1h + I1l`` (``(B,)``). About 31 significant digits per step.
    """
    n = gammas.shape[0]
    tp_h, tp_l = 6.283185307179586, 2.4492935982947064e-16   # 2 pi in double-double
    m2h, m2l = _two_prod(mubar, mubar)
    rh, rl = _dd_sqrt(*_dd_add2(4.0, 0.0, -m2h, -m2l))         # sqrt(4 - mubar^2)
    zh = np.empty(n)
    zl = np.empty(n)
    gh = np.empty(n)
    gl = np.empty(n)
    for l in range(n):
        g2h, g2l = _two_prod(gammas[l], gammas[l])
        a, b = _dd_add2(1.0, 0.0, -0.5 * g2h, -0.5 * g2l)
        zh[l], zl[l] = _dd_mul2(mubar, 0.0, a, b)
        gh[l], gl[l] = _dd_mul2(g2h, g2l, rh, rl)
    reLh = np.zeros(n)
    reLl = np.zeros(n)
    gLh = np.zeros(n)
    gLl = np.zeros(n)
    reRh = np.zeros(n)
    reRl = np.zeros(n)
    gRh = np.zeros(n)
    gRl = np.zeros(n)
    for l in range(n - 1):
        drh, drl = _dd_add2(zh[l], zl[l], -reLh[l], -reLl[l])
        sh, sl = _dd_add2(gh[l], gl[l], gLh[l], gLl[l])
        dih, dil = 0.5 * sh, 0.5 * sl
        d2h, d2l = _dd_add2(*_dd_mul2(drh, drl, drh, drl), *_dd_mul2(dih, dil, dih, dil))
        qh, ql = _dd_div2(1.0, 0.0, d2h, d2l)
        reLh[l + 1], reLl[l + 1] = _dd_mul2(drh, drl, qh, ql)
        gLh[l + 1], gLl[l + 1] = _dd_mul2(sh, sl, qh, ql)
    for l in range(n - 1, 0, -1):
        drh, drl = _dd_add2(zh[l], zl[l], -reRh[l], -reRl[l])
        sh, sl = _dd_add2(gh[l], gl[l], gRh[l], gRl[l])
        dih, dil = 0.5 * sh, 0.5 * sl
        d2h, d2l = _dd_add2(*_dd_mul2(drh, drl, drh, drl), *_dd_mul2(dih, dil, dih, dil))
        qh, ql = _dd_div2(1.0, 0.0, d2h, d2l)
        reRh[l - 1], reRl[l - 1] = _dd_mul2(drh, drl, qh, ql)
        gRh[l - 1], gRl[l - 1] = _dd_mul2(sh, sl, qh, ql)
    # |G_ll|^-2, tau, rho (double-double), then the two passes
    tauh = np.zeros(n)
    taul = np.zeros(n)
    rhoh = np.zeros(n)
    rhol = np.zeros(n)
    bkh = np.zeros(n)
    bkl = np.zeros(n)
    invKh, invKl = 0.0, 0.0
    for l in range(1, n):
        if not (unknown[l] or l == n - 1):
            continue
        drh, drl = _dd_add2(*_dd_add2(zh[l], zl[l], -reLh[l], -reLl[l]), -reRh[l], -reRl[l])
        Sh, Sl = _dd_add2(*_dd_add2(gh[l], gl[l], gLh[l], gLl[l]), gRh[l], gRl[l])
        d2h, d2l = _dd_add2(*_dd_mul2(drh, drl, drh, drl), *_dd_mul2(0.5 * Sh, 0.5 * Sl, 0.5 * Sh, 0.5 * Sl))
        if l == n - 1:
            invKh, invKl = _dd_div2(*_dd_mul2(tp_h, tp_l, d2h, d2l), *_dd_mul2(gLh[l], gLl[l], gh[l], gl[l]))
            continue
        Lgh, Lgl = _dd_add2(gLh[l], gLl[l], gh[l], gl[l])
        tauh[l], taul[l] = _dd_div2(*_dd_mul2(tp_h, tp_l, d2h, d2l), *_dd_mul2(Lgh, Lgl, Sh, Sl))
        rhoh[l], rhol[l] = _dd_mul2(tauh[l], taul[l], *_dd_div2(gh[l], gl[l], gLh[l], gLl[l]))
        bkh[l], bkl[l] = _dd_div2(Lgh, Lgl, gh[l], gl[l])
    rs_h, rs_l, ds_h, ds_l, Q_h, Q_l = 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    for l in range(1, n - 1):
        if unknown[l]:
            rs_h, rs_l = _dd_add2(rs_h, rs_l, rhoh[l], rhol[l])
            ds_h, ds_l = _dd_add2(ds_h, ds_l, *_dd_mul2(tauh[l], taul[l], target[l], 0.0))
            a, b = _dd_mul2(rhoh[l], rhol[l], Q_h, Q_l)
            ds_h, ds_l = _dd_add2(ds_h, ds_l, -a, -b)
            Q_h, Q_l = _dd_add2(Q_h, Q_l, target[l], 0.0)
    dh, dl = _dd_add2(rs_h, rs_l, invKh, invKl)
    a, b = _dd_mul2(Q_h, Q_l, invKh, invKl)
    bh_, bl_ = _dd_add2(ds_h, ds_l, -a, -b)
    for k in range(x1.shape[0]):
        nh, nl = _dd_add2(bh_, bl_, *_two_sum(x1[k], -xN[k]))
        I1h[k], I1l[k] = _dd_div2(nh, nl, dh, dl)
        ah, al = x1[k], 0.0
        xh[k, 0], xl[k, 0] = x1[k], 0.0
        xh[k, n - 1], xl[k, n - 1] = xN[k], 0.0
        Q_h, Q_l = 0.0, 0.0
        for l in range(1, n - 1):
            if unknown[l]:
                Jh, Jl = _dd_add2(I1h[k], I1l[k], Q_h, Q_l)
                th, tl = _dd_mul2(tauh[l], taul[l], target[l], 0.0)
                rh_, rl_ = _dd_mul2(rhoh[l], rhol[l], Jh, Jl)
                dah, dal = _dd_add2(th, tl, -rh_, -rl_)
                xh[k, l], xl[k, l] = _dd_add2(ah, al, *_dd_mul2(dah, dal, bkh[l], bkl[l]))
                ah, al = _dd_add2(ah, al, dah, dal)
                Q_h, Q_l = _dd_add2(Q_h, Q_l, target[l], 0.0)
