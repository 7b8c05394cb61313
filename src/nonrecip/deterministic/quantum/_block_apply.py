"""Numba kernel of the block forward map without heat: the bath currents of given potentials.

The operator of every iterative solve on the block structure of
:mod:`.block` — each refinement step at ``T = 0``, each conjugate-gradient
product at every quadrature energy at ``T > 0`` (:mod:`.block_thermal`) —
is ``x -> I(x)``, ``2 pi I_l = sum_l' T_ll' (x_l - x_l')`` (Eq. B26 at
first order). :func:`._block_kernels.block_apply_kernel` computes it with
the heat current beside it; this kernel is the same forward map, streams
re-centred the same way, with what only the heat needs left out and the
work per block cut down:

* the streams are Hermitian: a congruence ``a P a^dagger`` computes the
  upper triangle and mirrors it (``1.5 r^3`` complex products, not
  ``2 r^3``), and keeps the stream exactly Hermitian;
* ``phi_p(P) = (G P G^dagger)_pp`` is ``Re sum_i G_pi (P G_p^*)_i``:
  ``r^2`` products per bath, not ``r^2`` outer products of rows of ``G``;
* the right-hand sides (the two biases) run inside the loop over blocks,
  so that each block's ``AL``, ``AR``, ``Gd`` is read once.

It is the same sum taken in another order: it agrees with
``block_apply_kernel`` to rounding (tests/test_block_accuracy.py).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..._jit import JIT

__all__ = ["block_currents_kernel"]


@njit(**JIT)
def _hsandwich(a, p, out, tmp):  # pragma: no cover - jitted
    """``out = a p a^dagger`` for Hermitian ``p``: the upper triangle, mirrored (``tmp``: scratch)."""
    r = a.shape[0]
    for i in range(r):
        for j in range(r):
            s = 0j
            for k in range(r):
                s += a[i, k] * p[k, j]
            tmp[i, j] = s
    for i in range(r):
        s = 0j
        for k in range(r):
            s += tmp[i, k] * np.conj(a[i, k])
        out[i, i] = s.real
        for j in range(i + 1, r):
            s = 0j
            for k in range(r):
                s += tmp[i, k] * np.conj(a[j, k])
            out[i, j] = s
            out[j, i] = np.conj(s)


@njit(**JIT)
def block_currents_kernel(AL, AR, Gd, dd, GamL, GamR, gam, x, cur):  # pragma: no cover - jitted
    """Bath currents ``cur[k, b, p] = (1/2pi) sum_l' T_ll' (x_l - x_l')`` of potentials ``x`` ``(nb, M, r)``.

    ``AL``, ``AR``, ``Gd``, ``dd``, ``GamL``, ``GamR``, ``gam`` are those of
    :func:`._block_kernels.block_structure_kernel`. The lesser self-energies
    are carried re-centred on a reference potential ``c`` (the first bath
    potential of the block, else the previous one), ``Q = P - c Gam``,
    shifted between blocks by ``Q(c') = Q(c) - (c' - c) Gam``: every term is
    of the size of potential differences. ``cur`` is 0 where there is no bath.
    """
    m, r = gam.shape
    nb = x.shape[0]
    QL = np.empty((m, nb, r, r), dtype=np.complex128)
    cref = np.zeros((m, nb))
    q = np.zeros((nb, r, r), dtype=np.complex128)
    c = np.zeros(nb)
    tmp = np.empty((r, r), dtype=np.complex128)
    tmp3 = np.empty((r, r), dtype=np.complex128)
    tq = np.empty((r, r), dtype=np.complex128)
    v = np.empty(r, dtype=np.complex128)
    for b in range(m):
        for k in range(nb):
            qk = q[k]
            cn = c[k]
            for p in range(r):
                if gam[b, p] > 0.0:
                    cn = x[k, b, p]
                    break
            dc = cn - c[k]
            if b > 0:
                _hsandwich(AL[b - 1], qk, tmp, tmp3)
                qk[:, :] = tmp
            for i in range(r):
                for j in range(r):
                    qk[i, j] = qk[i, j] - dc * GamL[b, i, j]
            c[k] = cn
            QL[b, k] = qk
            cref[b, k] = cn
            for p in range(r):
                if gam[b, p] > 0.0:
                    qk[p, p] += gam[b, p] * (x[k, b, p] - cn)
    twopi = 2.0 * np.pi
    q[:, :, :] = 0.0
    c[:] = 0.0
    for b in range(m - 1, -1, -1):
        g = Gd[b]
        for k in range(nb):
            qk = q[k]
            cn = cref[b, k]
            dc = cn - c[k]
            if b < m - 1:
                _hsandwich(AR[b + 1], qk, tmp, tmp3)
                qk[:, :] = tmp
            for i in range(r):
                for j in range(r):
                    qk[i, j] = qk[i, j] - dc * GamR[b, i, j]
                    tq[i, j] = qk[i, j] + QL[b, k, i, j]
            c[k] = cn
            for p in range(r):
                if gam[b, p] > 0.0:
                    tq[p, p] += gam[b, p] * (x[k, b, p] - cn)
            for p in range(r):
                if gam[b, p] > 0.0:
                    for i in range(r):
                        s = 0j
                        for j in range(r):
                            s += tq[i, j] * np.conj(g[p, j])
                        v[i] = s
                    f1 = 0.0
                    for i in range(r):
                        f1 += (g[p, i] * v[i]).real
                    e = x[k, b, p] - cn
                    cur[k, b, p] = gam[b, p] / twopi * (e * dd[b, p] - f1)
                else:
                    cur[k, b, p] = 0.0
            for p in range(r):
                if gam[b, p] > 0.0:
                    qk[p, p] += gam[b, p] * (x[k, b, p] - cn)
