"""Numba kernels of the block two-stream solve (:mod:`.block`): plain arrays only.

The wire is cut into ``M`` blocks of ``r`` sites (``r`` the hopping range),
so that ``Z = w - H - Sigma(w)`` is block tridiagonal with diagonal blocks
``A_b`` (complex symmetric) and real couplings ``B_b = Z[b, b+1]``. A
Hermitian ``r x r`` matrix ``P`` is stored *packed* as ``r^2`` reals
(:func:`pack`): ``q[i r + j] = Re P_ij`` for ``i <= j`` and
``q[i r + j] = Im P_ji`` for ``i > j``. A congruence ``P -> A P A^dagger``
maps Hermitian matrices to Hermitian matrices, real-linearly: in the packed
basis it is a real ``r^2 x r^2`` matrix (:func:`congruence`), and the
sweep of :func:`block_sweep_kernel` composes such matrices.

Shapes: ``M`` blocks, ``r`` sites per block, ``D = r^2``, ``nb`` right-hand
sides (the two biases), ``Np = M r`` padded sites.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..._jit import JIT


@njit(**JIT)
def pack(p, q):  # pragma: no cover - jitted
    """Pack the Hermitian ``r x r`` complex matrix ``p`` into ``q`` (``r^2`` reals)."""
    r = p.shape[0]
    for i in range(r):
        for j in range(r):
            if i <= j:
                q[i * r + j] = p[i, j].real
            else:
                q[i * r + j] = p[j, i].imag


@njit(**JIT)
def unpack(q, p):  # pragma: no cover - jitted
    """Inverse of :func:`pack`: the Hermitian matrix ``p`` from ``q``."""
    r = p.shape[0]
    for i in range(r):
        p[i, i] = q[i * r + i]
        for j in range(i + 1, r):
            v = q[i * r + j] + 1j * q[j * r + i]
            p[i, j] = v
            p[j, i] = np.conj(v)


@njit(**JIT)
def congruence(a, out):  # pragma: no cover - jitted
    """``out`` (``D x D`` real): the packed matrix of ``P -> a P a^dagger``.

    Column ``k`` is ``pack(a E_k a^dagger)`` for the packed basis element
    ``E_k``: ``e_i e_i^T``, ``e_i e_j^T + e_j e_i^T`` (``i < j``, real part)
    or ``i (e_i e_j^T - e_j e_i^T)`` (``i < j``, imaginary part), each an
    outer product of two columns of ``a``.
    """
    r = a.shape[0]
    for i in range(r):
        for j in range(r):
            k = i * r + j
            for m in range(r):
                for n in range(r):
                    row = m * r + n
                    lo, hi = (m, n) if m <= n else (n, m)
                    # value of (a E a^dagger)[lo, hi]
                    if i == j:
                        v = a[lo, i] * np.conj(a[hi, i])
                    elif i < j:
                        v = a[lo, i] * np.conj(a[hi, j]) + a[lo, j] * np.conj(a[hi, i])
                    else:   # Im slot of the pair (j, i), j < i: E = i (e_j e_i^T - e_i e_j^T)
                        v = 1j * (a[lo, j] * np.conj(a[hi, i]) - a[lo, i] * np.conj(a[hi, j]))
                    out[row, k] = v.real if m <= n else v.imag


@njit(**JIT)
def _sandwich(a, p, out, tmp):  # pragma: no cover - jitted
    """``out = a p a^dagger`` for ``r x r`` complex matrices (``tmp``: scratch)."""
    r = a.shape[0]
    _mm(a, p, tmp)
    for i in range(r):
        for j in range(r):
            s = 0j
            for k in range(r):
                s += tmp[i, k] * np.conj(a[j, k])
            out[i, j] = s


@njit(**JIT)
def _mm(a, b, out):  # pragma: no cover - jitted
    """``out = a @ b`` (square, no allocation; ``out`` must not alias ``a`` or ``b``)."""
    n = a.shape[0]
    for i in range(n):
        for j in range(n):
            out[i, j] = 0.0
        for k in range(n):
            aik = a[i, k]
            if aik != 0.0:
                for j in range(n):
                    out[i, j] += aik * b[k, j]


@njit(**JIT)
def _inv(a, out, work):  # pragma: no cover - jitted
    """``out = a^{-1}`` by Gauss-Jordan elimination with partial pivoting (``work``: scratch).

    A zero pivot leaves NaN in ``out`` (a singular block, reported by the caller).
    """
    n = a.shape[0]
    work[:, :] = a
    for i in range(n):
        for j in range(n):
            out[i, j] = 1.0 if i == j else 0.0
    for c in range(n):
        piv = c
        best = abs(work[c, c])
        for i in range(c + 1, n):
            v = abs(work[i, c])
            if v > best:
                piv, best = i, v
        if best == 0.0:
            out[:, :] = np.nan
            return
        if piv != c:
            for j in range(n):
                work[c, j], work[piv, j] = work[piv, j], work[c, j]
                out[c, j], out[piv, j] = out[piv, j], out[c, j]
        d = 1.0 / work[c, c]
        for j in range(n):
            work[c, j] *= d
            out[c, j] *= d
        for i in range(n):
            if i != c:
                f = work[i, c]
                if f != 0.0:
                    for j in range(n):
                        work[i, j] -= f * work[c, j]
                        out[i, j] -= f * out[c, j]


@njit(**JIT)
def block_structure_kernel(ablk, bblk, gam, AL, AR, Gd, GamL, GamR, dd):  # pragma: no cover - jitted
    """Recursive Green's functions of a block-tridiagonal ``Z`` from both ends.

    Parameters
    ----------
    ablk : (M, r, r) complex
        Diagonal blocks ``A_b`` of ``Z``.
    bblk : (M-1, r, r) float
        Couplings ``B_b = Z[b, b+1]`` (``Z[b+1, b] = B_b^T``).
    gam : (M, r) float
        Bath broadenings ``Gam_l`` per block.

    Outputs (in place)
    ------------------
    AL : (M, r, r) complex
        ``AL[b] = B_b^T gL_b`` (``b < M-1``): ``PL_{b+1} = AL[b] (PL_b + S_b) AL[b]^dagger``.
    AR : (M, r, r) complex
        ``AR[b] = B_{b-1} gR_b`` (``b > 0``): ``PR_{b-1} = AR[b] (PR_b + S_b) AR[b]^dagger``.
    Gd : (M, r, r) complex
        ``G_bb = (A_b - SigL_b - SigR_b)^{-1}``.
    GamL, GamR : (M, r, r) complex
        Broadenings of the wire left / right of block ``b`` (Hermitian,
        positive semidefinite), propagated as congruences of sums of
        positive semidefinite matrices (nothing cancels).
    dd : (M, r) float
        ``d_l = (G (Gam + GamL + GamR) G^dagger)_ll = -2 Im G_ll`` (Ward identity B20).
    """
    m, r = gam.shape
    c16 = np.complex128
    sigR = np.zeros((m, r, r), dtype=c16)
    src = np.zeros((r, r), dtype=c16)
    gR = np.empty((r, r), dtype=c16)
    gL = np.empty((r, r), dtype=c16)
    bb = np.empty((r, r), dtype=c16)
    bt = np.empty((r, r), dtype=c16)
    sigL = np.zeros((r, r), dtype=c16)
    tmp = np.empty((r, r), dtype=c16)
    tmp2 = np.empty((r, r), dtype=c16)
    work = np.empty((r, r), dtype=c16)
    GamR[m - 1] = 0.0
    _inv(ablk[m - 1], gR, work)
    for b in range(m - 1, 0, -1):
        for i in range(r):
            for j in range(r):
                bb[i, j] = bblk[b - 1, i, j]
                bt[i, j] = bblk[b - 1, j, i]
        _mm(bb, gR, AR[b])
        _mm(AR[b], bt, sigR[b - 1])
        src[:, :] = GamR[b]
        for i in range(r):
            src[i, i] += gam[b, i]
        _sandwich(AR[b], src, GamR[b - 1], tmp)
        tmp2[:, :] = ablk[b - 1] - sigR[b - 1]
        _inv(tmp2, gR, work)
    AR[0] = 0.0
    GamL[0] = 0.0
    for b in range(m):
        tmp2[:, :] = ablk[b] - sigL - sigR[b]
        _inv(tmp2, Gd[b], work)
        src[:, :] = GamL[b] + GamR[b]
        for i in range(r):
            src[i, i] += gam[b, i]
        _sandwich(Gd[b], src, tmp2, tmp)
        for i in range(r):
            dd[b, i] = tmp2[i, i].real
        if b < m - 1:
            tmp2[:, :] = ablk[b] - sigL
            _inv(tmp2, gL, work)
            for i in range(r):
                for j in range(r):
                    bb[i, j] = bblk[b, i, j]
                    bt[i, j] = bblk[b, j, i]
            _mm(bt, gL, AL[b])
            _mm(AL[b], bb, sigL)
            src[:, :] = GamL[b]
            for i in range(r):
                src[i, i] += gam[b, i]
            _sandwich(AL[b], src, GamL[b + 1], tmp)
    AL[m - 1] = 0.0


@njit(**JIT)
def block_factor_kernel(AL, AR, Gd, dd, gam, unknown, Xs, MLs, PHI, MINV, YC):  # pragma: no cover - jitted
    """Run the drive-independent half of the elimination sweep (:mod:`.block`).

    The state carried to the right is the affine map ``PL_{b+1} = W PR_b + w``;
    this kernel builds the maps ``W`` block by block and stores what the
    drive-dependent half (:func:`block_solve_kernel`) needs.

    Parameters
    ----------
    AL, AR, Gd, dd
        From :func:`block_structure_kernel`.
    gam : (M, r) float
        Bath broadenings.
    unknown : (M, r) bool
        Sites whose potential is solved for (``gam > 0`` there).

    Outputs
    -------
    Xs : (M, r, D) float
        ``x_b = Xs[b] PR_b + xi_b`` (rows of unknown sites; 0 elsewhere).
    MLs : (M, D, D) float
        The packed congruence by ``AL[b]`` (``PL_{b+1} = L_b(PL_b + S_b)``).
    PHI : (M, r, D) float
        ``phi_p(P) = (G_bb P G_bb^dagger)_pp`` packed, for unknown ``p``.
    MINV : (M, r, r) float
        Inverse of the block's probe matrix, embedded at the unknown sites.
    YC : (M, r, D) float
        ``Gam_p (1 + V)[:, pp]`` for every bath ``p`` of the block.
    """
    m, r = gam.shape
    D = r * r
    W = np.zeros((D, D))
    MR = np.empty((D, D))
    Y = np.empty((D, D))
    V = np.zeros((D, D))
    T = np.empty((D, D))
    cpr = np.empty((r, D))
    mat = np.empty((r, r))
    minv = np.empty((r, r))
    work = np.empty((r, r))
    idx = np.empty(r, dtype=np.int64)
    for b in range(m):
        if b > 0:
            congruence(AR[b], MR)
            _mm(W, MR, V)
        Y[:, :] = V
        for k in range(D):
            Y[k, k] += 1.0
        for p in range(r):
            c = p * r + p
            for k in range(D):
                YC[b, p, k] = gam[b, p] * Y[k, c]
        nu = 0
        for p in range(r):
            if unknown[b, p]:
                idx[nu] = p
                nu += 1
        if nu > 0:
            # phi_p(E_k) = (G E_k G^dagger)_pp: row pp of the congruence by G_bb
            g = Gd[b]
            for i in range(nu):
                pi = idx[i]
                for k in range(D):
                    ki, kj = k // r, k % r
                    if ki == kj:
                        v = g[pi, ki] * np.conj(g[pi, ki])
                    elif ki < kj:
                        v = g[pi, ki] * np.conj(g[pi, kj]) + g[pi, kj] * np.conj(g[pi, ki])
                    else:
                        v = 1j * (g[pi, kj] * np.conj(g[pi, ki]) - g[pi, ki] * np.conj(g[pi, kj]))
                    PHI[b, pi, k] = v.real
                for j in range(D):
                    s = 0.0
                    for k in range(D):
                        s += PHI[b, pi, k] * Y[k, j]
                    cpr[i, j] = s
            for i in range(nu):
                for j in range(nu):
                    pj = idx[j]
                    mat[i, j] = -gam[b, pj] * cpr[i, pj * r + pj]
                mat[i, i] += dd[b, idx[i]]
            _inv(mat[:nu, :nu], minv[:nu, :nu], work[:nu, :nu])
            for i in range(nu):
                for l in range(nu):
                    MINV[b, idx[i], idx[l]] = minv[i, l]
                for j in range(D):
                    s = 0.0
                    for l in range(nu):
                        s += minv[i, l] * cpr[l, j]
                    Xs[b, idx[i], j] = s
        if b == m - 1:
            break
        # W = L_b o (V + sum_p Y[:, pp] Gam_p X_p)
        T[:, :] = V
        for p in range(r):
            if unknown[b, p]:
                for i in range(D):
                    yi = YC[b, p, i]
                    for j in range(D):
                        T[i, j] += yi * Xs[b, p, j]
        congruence(AL[b], MLs[b])
        _mm(MLs[b], T, W)


@njit(**JIT)
def block_solve_kernel(AR, gam, unknown, Xs, MLs, PHI, MINV, YC, rhs, xfix, x):  # pragma: no cover - jitted
    """Run the drive-dependent half: the vectors ``w`` forward, then the back substitution.

    Parameters
    ----------
    AR, gam, unknown
        As :func:`block_factor_kernel`; ``Xs`` ... ``YC`` its outputs.
    rhs : (nb, M, r) float
        ``2 pi I_l / Gam_l`` at the unknown sites (the targets).
    xfix : (nb, M, r) float
        The fixed potentials (contacts) where ``gam > 0`` and not ``unknown``.

    Outputs
    -------
    x : (nb, M, r) float
        Potentials at every bath site (``0`` where ``gam = 0``);
        ``x_b = Xs[b] PR_b + xi_b``, ``PR_{b-1} = AR[b] (PR_b + S_b) AR[b]^dagger``.
    """
    m, r = gam.shape
    nb = rhs.shape[0]
    D = r * r
    w = np.zeros((nb, D))
    wt = np.empty(D)
    rr = np.empty(r)
    xis = np.zeros((nb, m, r))
    for b in range(m):           # blocks outside, drives inside: MLs is read once
        for k in range(nb):
            for p in range(r):
                rr[p] = 0.0
                if unknown[b, p]:
                    s = rhs[k, b, p]
                    for j in range(D):
                        s += PHI[b, p, j] * w[k, j]
                    for q in range(r):
                        if gam[b, q] > 0.0 and not unknown[b, q]:
                            t = 0.0
                            for j in range(D):
                                t += PHI[b, p, j] * YC[b, q, j]
                            s += xfix[k, b, q] * t
                    rr[p] = s
            for p in range(r):
                if unknown[b, p]:
                    s = 0.0
                    for q in range(r):
                        s += MINV[b, p, q] * rr[q]
                    xis[k, b, p] = s
                elif gam[b, p] > 0.0:
                    xis[k, b, p] = xfix[k, b, p]
            if b == m - 1:
                continue
            for p in range(r):
                if gam[b, p] > 0.0:
                    for j in range(D):
                        w[k, j] += xis[k, b, p] * YC[b, p, j]
            for i in range(D):
                s = 0.0
                for j in range(D):
                    s += MLs[b, i, j] * w[k, j]
                wt[i] = s
            w[k] = wt
    pr = np.zeros(D)
    pm = np.empty((r, r), dtype=np.complex128)
    out = np.empty((r, r), dtype=np.complex128)
    tmp = np.empty((r, r), dtype=np.complex128)
    for k in range(nb):
        pr[:] = 0.0
        for b in range(m - 1, -1, -1):
            for p in range(r):
                s = xis[k, b, p]
                for j in range(D):
                    s += Xs[b, p, j] * pr[j]
                x[k, b, p] = s
            if b > 0:
                unpack(pr, pm)
                for p in range(r):
                    pm[p, p] += gam[b, p] * x[k, b, p]
                _sandwich(AR[b], pm, out, tmp)
                pack(out, pr)


@njit(**JIT)
def _shift(q, q2, dc, g):  # pragma: no cover - jitted
    """Re-centre the streams by ``dc``: ``Q2 -= 2 dc Q - dc^2 Gam`` (old ``Q``), then ``Q -= dc Gam``."""
    r = q.shape[0]
    for i in range(r):
        for j in range(r):
            q2[i, j] = q2[i, j] - 2.0 * dc * q[i, j] + dc * dc * g[i, j]
            q[i, j] = q[i, j] - dc * g[i, j]


@njit(**JIT)
def block_apply_kernel(AL, AR, Gd, dd, GamL, GamR, gam, x, with_heat, cur, heat):  # pragma: no cover - jitted
    """Bath currents and heat currents of given potentials, ``O(M r^3)`` per right-hand side.

    ``cur[k, b, p] = I_l = (1/2pi) sum_l' T_ll' (x_l - x_l')`` and
    ``heat[k, b, p] = h_l = (1/4pi) sum_l' T_ll' (x_l' - x_l)^2`` at every
    bath site (Eqs. B26, B52 at ``T = 0``). The lesser self-energies are
    carried *re-centred* on a reference potential ``c_b`` (the first bath
    potential of the block, or the previous reference):
    ``Q_b = P_b - c_b Gam_b`` and ``Q2_b`` for the second moments, shifted
    between blocks by ``Q(c') = Q(c) - (c' - c) Gam`` and
    ``Q2(c') = Q2(c) - 2 (c' - c) Q(c) + (c' - c)^2 Gam``, so that
    every term is of the size of the potential *differences* (no
    cancellation against ``x ~ dmu``). With ``with_heat`` false the second
    moments are skipped and ``heat`` is left untouched.
    """
    m, r = gam.shape
    nb = x.shape[0]
    QL = np.zeros((nb, m, r, r), dtype=np.complex128)
    Q2L = np.zeros((nb, m, r, r), dtype=np.complex128)
    cref = np.zeros((nb, m))
    q = np.zeros((r, r), dtype=np.complex128)
    q2 = np.zeros((r, r), dtype=np.complex128)
    tmp = np.empty((r, r), dtype=np.complex128)
    tmp3 = np.empty((r, r), dtype=np.complex128)
    tq = np.empty((r, r), dtype=np.complex128)
    tq2 = np.empty((r, r), dtype=np.complex128)
    for k in range(nb):
        c = 0.0
        q[:, :] = 0.0
        q2[:, :] = 0.0
        for b in range(m):
            cn = c
            for p in range(r):
                if gam[b, p] > 0.0:
                    cn = x[k, b, p]
                    break
            dc = cn - c
            if b > 0:
                _sandwich(AL[b - 1], q, tmp, tmp3)
                q[:, :] = tmp
                if with_heat:
                    _sandwich(AL[b - 1], q2, tmp, tmp3)
                    q2[:, :] = tmp
            # shift from c to cn: q2 first (it uses q at c)
            _shift(q, q2, dc, GamL[b])
            c = cn
            QL[k, b] = q
            Q2L[k, b] = q2
            cref[k, b] = c
            for p in range(r):
                if gam[b, p] > 0.0:
                    e = x[k, b, p] - c
                    q[p, p] += gam[b, p] * e
                    q2[p, p] += gam[b, p] * e * e
    twopi = 2.0 * np.pi
    for k in range(nb):
        q[:, :] = 0.0
        q2[:, :] = 0.0
        c = 0.0
        for b in range(m - 1, -1, -1):
            cn = cref[k, b]
            dc = cn - c
            if b < m - 1:
                _sandwich(AR[b + 1], q, tmp, tmp3)
                q[:, :] = tmp
                if with_heat:
                    _sandwich(AR[b + 1], q2, tmp, tmp3)
                    q2[:, :] = tmp
            _shift(q, q2, dc, GamR[b])
            c = cn
            for i in range(r):
                for j in range(r):
                    tq[i, j] = q[i, j] + QL[k, b, i, j]
                    tq2[i, j] = q2[i, j] + Q2L[k, b, i, j]
            for p in range(r):
                if gam[b, p] > 0.0:
                    e = x[k, b, p] - c
                    tq[p, p] += gam[b, p] * e
                    tq2[p, p] += gam[b, p] * e * e
            g = Gd[b]
            for p in range(r):
                if gam[b, p] > 0.0:
                    f1 = 0.0
                    f2 = 0.0
                    for i in range(r):
                        for j in range(r):
                            gg = g[p, i] * np.conj(g[p, j])
                            f1 += (gg * tq[i, j]).real
                            f2 += (gg * tq2[i, j]).real
                    e = x[k, b, p] - c
                    cur[k, b, p] = gam[b, p] / twopi * (e * dd[b, p] - f1)
                    if with_heat:
                        heat[k, b, p] = gam[b, p] / (2.0 * twopi) * (f2 - 2.0 * e * f1 + e * e * dd[b, p])
                else:
                    cur[k, b, p] = 0.0
                    if with_heat:
                        heat[k, b, p] = 0.0
            for p in range(r):
                if gam[b, p] > 0.0:
                    e = x[k, b, p] - c
                    q[p, p] += gam[b, p] * e
                    q2[p, p] += gam[b, p] * e * e
