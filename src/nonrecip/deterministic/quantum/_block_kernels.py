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
def _sandwich(a, p, out):  # pragma: no cover - jitted
    """``out = a p a^dagger`` for ``r x r`` complex matrices."""
    r = a.shape[0]
    tmp = a @ p
    for i in range(r):
        for j in range(r):
            s = 0j
            for k in range(r):
                s += tmp[i, k] * np.conj(a[j, k])
            out[i, j] = s


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
    sigR = np.zeros((m, r, r), dtype=np.complex128)
    src = np.zeros((r, r), dtype=np.complex128)
    GamR[m - 1] = 0.0
    gR = np.linalg.inv(ablk[m - 1])
    for b in range(m - 1, 0, -1):
        bb = bblk[b - 1].astype(np.complex128)
        AR[b] = bb @ gR
        sigR[b - 1] = AR[b] @ bb.T
        src[:, :] = GamR[b]
        for i in range(r):
            src[i, i] += gam[b, i]
        _sandwich(AR[b], src, GamR[b - 1])
        gR = np.linalg.inv(ablk[b - 1] - sigR[b - 1])
    AR[0] = 0.0
    sigL = np.zeros((r, r), dtype=np.complex128)
    GamL[0] = 0.0
    for b in range(m):
        Gd[b] = np.linalg.inv(ablk[b] - sigL - sigR[b])
        src[:, :] = GamL[b] + GamR[b]
        for i in range(r):
            src[i, i] += gam[b, i]
        tmp = np.empty((r, r), dtype=np.complex128)
        _sandwich(Gd[b], src, tmp)
        for i in range(r):
            dd[b, i] = tmp[i, i].real
        if b < m - 1:
            gL = np.linalg.inv(ablk[b] - sigL)
            bb = bblk[b].astype(np.complex128)
            AL[b] = bb.T @ gL
            sigL = AL[b] @ bb
            src[:, :] = GamL[b]
            for i in range(r):
                src[i, i] += gam[b, i]
            _sandwich(AL[b], src, GamL[b + 1])
    AL[m - 1] = 0.0


@njit(**JIT)
def block_sweep_kernel(AL, AR, Gd, dd, gam, unknown, rhs, xfix, x):  # pragma: no cover - jitted
    """Solve the probe equations: one forward elimination sweep, one back substitution.

    Parameters
    ----------
    AL, AR, Gd, dd
        From :func:`block_structure_kernel`.
    gam : (M, r) float
        Bath broadenings.
    unknown : (M, r) bool
        Sites whose potential is solved for (``gam > 0`` there).
    rhs : (nb, M, r) float
        ``2 pi I_l / Gam_l`` at the unknown sites (the targets).
    xfix : (nb, M, r) float
        The fixed potentials (contacts) where ``gam > 0`` and not ``unknown``.

    Outputs
    -------
    x : (nb, M, r) float
        Potentials at every bath site (``0`` where ``gam = 0``).

    Notes
    -----
    The state carried to the right is the affine map
    ``PL_{b+1} = W PR_b + w`` (:mod:`.block`); at each block the probe
    equations give ``x_b = X_b PR_b + xi_b``, stored for the back
    substitution ``PR_{b-1} = AR[b] (PR_b + S_b) AR[b]^dagger``.
    """
    m, r = gam.shape
    nb = rhs.shape[0]
    D = r * r
    W = np.zeros((D, D))
    w = np.zeros((nb, D))
    MR = np.empty((D, D))
    ML = np.empty((D, D))
    MG = np.empty((D, D))
    Xs = np.zeros((m, r, D))
    xis = np.zeros((nb, m, r))
    Y = np.empty((D, D))
    V = np.zeros((D, D))
    idx = np.empty(r, dtype=np.int64)
    for b in range(m):
        if b > 0:
            congruence(AR[b], MR)
            V = W @ MR
        Y[:, :] = V
        for k in range(D):
            Y[k, k] += 1.0
        congruence(Gd[b], MG)
        nu = 0
        for p in range(r):
            if unknown[b, p]:
                idx[nu] = p
                nu += 1
        if nu > 0:
            mat = np.zeros((nu, nu))
            cpr = np.zeros((nu, D))
            rr = np.zeros((nu, nb))
            for i in range(nu):
                pi = idx[i]
                row = MG[pi * r + pi]
                cpr[i] = row @ Y
                mat[i, i] = dd[b, pi]
                for j in range(nu):
                    pj = idx[j]
                    mat[i, j] -= gam[b, pj] * cpr[i, pj * r + pj]
                for k in range(nb):
                    s = rhs[k, b, pi] + row @ w[k]
                    for p in range(r):
                        if gam[b, p] > 0.0 and not unknown[b, p]:
                            s += xfix[k, b, p] * gam[b, p] * cpr[i, p * r + p]
                    rr[i, k] = s
            minv = np.linalg.inv(mat)
            xu = minv @ cpr
            xiu = minv @ rr
            for i in range(nu):
                Xs[b, idx[i]] = xu[i]
                for k in range(nb):
                    xis[k, b, idx[i]] = xiu[i, k]
        for p in range(r):
            if gam[b, p] > 0.0 and not unknown[b, p]:
                for k in range(nb):
                    xis[k, b, p] = xfix[k, b, p]
        if b == m - 1:
            break
        # T = V + sum_p Gam_p Y[:, pp] X_p ; t = w + sum_p Gam_p xi_p Y[:, pp]
        T = V.copy()
        for p in range(r):
            g = gam[b, p]
            if g > 0.0:
                c = p * r + p
                for i in range(D):
                    yi = g * Y[i, c]
                    if unknown[b, p]:
                        for j in range(D):
                            T[i, j] += yi * Xs[b, p, j]
                    for k in range(nb):
                        w[k, i] += yi * xis[k, b, p]
        congruence(AL[b], ML)
        W = ML @ T
        for k in range(nb):
            w[k] = ML @ w[k]
    # back substitution
    pr = np.zeros((nb, D))
    pm = np.empty((r, r), dtype=np.complex128)
    out = np.empty((r, r), dtype=np.complex128)
    for b in range(m - 1, -1, -1):
        for k in range(nb):
            for p in range(r):
                x[k, b, p] = Xs[b, p] @ pr[k] + xis[k, b, p]
            if b > 0:
                unpack(pr[k], pm)
                for p in range(r):
                    pm[p, p] += gam[b, p] * x[k, b, p]
                _sandwich(AR[b], pm, out)
                pack(out, pr[k])


@njit(**JIT)
def block_apply_kernel(AL, AR, Gd, dd, GamL, GamR, gam, x, cur, heat):  # pragma: no cover - jitted
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
    cancellation against ``x ~ dmu``).
    """
    m, r = gam.shape
    nb = x.shape[0]
    QL = np.zeros((nb, m, r, r), dtype=np.complex128)
    Q2L = np.zeros((nb, m, r, r), dtype=np.complex128)
    cref = np.zeros((nb, m))
    q = np.zeros((r, r), dtype=np.complex128)
    q2 = np.zeros((r, r), dtype=np.complex128)
    tmp = np.empty((r, r), dtype=np.complex128)
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
                _sandwich(AL[b - 1], q, tmp)
                q[:, :] = tmp
                _sandwich(AL[b - 1], q2, tmp)
                q2[:, :] = tmp
            # shift from c to cn: q2 first (it uses q at c)
            q2[:, :] = q2 - 2.0 * dc * q + dc * dc * GamL[b]
            q[:, :] = q - dc * GamL[b]
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
                _sandwich(AR[b + 1], q, tmp)
                q[:, :] = tmp
                _sandwich(AR[b + 1], q2, tmp)
                q2[:, :] = tmp
            q2[:, :] = q2 - 2.0 * dc * q + dc * dc * GamR[b]
            q[:, :] = q - dc * GamR[b]
            c = cn
            tq = q + QL[k, b]
            tq2 = q2 + Q2L[k, b]
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
                    heat[k, b, p] = gam[b, p] / (2.0 * twopi) * (f2 - 2.0 * e * f1 + e * e * dd[b, p])
                else:
                    cur[k, b, p] = 0.0
                    heat[k, b, p] = 0.0
            for p in range(r):
                if gam[b, p] > 0.0:
                    e = x[k, b, p] - c
                    q[p, p] += gam[b, p] * e
                    q2[p, p] += gam[b, p] * e * e
