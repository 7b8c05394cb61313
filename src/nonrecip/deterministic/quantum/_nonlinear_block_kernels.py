"""Numba kernel of the matrix-free nonlinear route for hopping range ``r > 1`` (:mod:`.nonlinear_block`).

Plain arrays only. The per-energy structure (recursive Green's functions
of ``Z(w) = w - H - Sigma(w)`` in blocks of ``r`` sites) and the forward
map ``x -> I`` are those of the linear-response block solve
(:func:`._block_kernels.block_structure_kernel`,
:func:`._block_kernels.block_apply_kernel`), called here once per energy
on ``O(N r)`` scratch arrays that are reused from one energy to the next:
nothing is stored per energy.

Shapes: ``M`` blocks of ``r`` sites (``Np = M r`` padded sites), ``B``
right-hand sides, ``Q`` energies, ``K`` baths.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..._jit import JIT
from ._block_kernels import block_apply_kernel, block_structure_kernel


@njit(**JIT)
def _structure_at(w, root, n, g2, onsite, aoff, bblk, ablk, gam, st, dd):  # pragma: no cover - jitted
    """Build the block structure of ``Z(w)`` into ``st`` ``(5, M, r, r)`` (``AL, AR, Gd, GamL, GamR``), ``dd``."""
    m, r = g2.shape
    for b in range(m):
        for i in range(r):
            for j in range(r):
                ablk[b, i, j] = aoff[b, i, j]
            if b * r + i < n:
                ablk[b, i, i] = complex(w * (1.0 - 0.5 * g2[b, i]) - onsite[b, i], 0.5 * g2[b, i] * root)
            else:
                ablk[b, i, i] = 1.0
    block_structure_kernel(ablk, bblk, gam, st[0], st[1], st[2], st[3], st[4], dd)


@njit(**JIT)
def block_stream_kernel(ws, n, g2, onsite, aoff, bblk, bidx, X, S, per_node, cache, cdd, filled,
                        out, outdn):  # pragma: no cover - jitted
    """Sum over energies of linear-response bath currents with energy-dependent potentials, range ``r``.

    ``out[b, q', k] += (1/2pi) sum_l' T_{s_k l'}(ws[q]) (x_k - x_l')`` with
    ``x_k = X[b, q, k] S[b, k]`` the potential of bath ``k`` at energy
    ``ws[q]``; ``q' = q`` if ``per_node`` else ``0``; ``outdn`` gets
    ``-out / Gam_{s_k}(w_q)`` likewise (Eq. B50). The same contract as
    :func:`.panels_stream.stream_kernel` (range 1), for any range.

    Parameters
    ----------
    ws : (Q,) float
        Energies; those at a band edge (``Gam = 0``, no transmission) are skipped.
    n : int
        Sites of the wire (``Z_ll = 1`` on the padding sites ``l >= n``, decoupled).
    g2 : (M, r) float
        Squared bath couplings ``gamma_l^2`` (0 on padding sites).
    onsite : (M, r) float
        On-site energies ``eps_l`` (0 on padding sites).
    aoff : (M, r, r) float
        Off-diagonal part of the diagonal blocks of ``Z`` (``+t_ij`` inside a
        block; the diagonal is ``w (1 - g2/2) - eps + i Gam/2``, 1 on padding).
    bblk : (max(M-1, 1), r, r) float
        Couplings ``Z[b, b+1]``.
    bidx : (M, r) int
        Bath index ``k`` of each site, ``-1`` where there is no bath.
    X : (B, Q, K) float
        Potentials per energy; ``S`` ``(B, K)`` scales them.
    per_node : bool
    cache : (C, 5, M, r, r) complex, cdd : (C, M, r) float
        The structures of the first ``C <= Q`` energies: read if ``filled``,
        else written (``C = 0``: none kept).
    out, outdn : (B, Q or 1, K) float
        Accumulated in place.
    """
    m, r = g2.shape
    nb = X.shape[0]
    nc = cache.shape[0]
    ablk = np.empty((m, r, r), dtype=np.complex128)
    gam = np.empty((m, r))
    scratch = np.empty((1, 5, m, r, r), dtype=np.complex128)
    sdd = np.empty((1, m, r))
    xb = np.zeros((nb, m, r))
    cur = np.empty((nb, m, r))
    heat = np.empty((1, 1, 1))
    for q in range(ws.shape[0]):
        w = ws[q]
        root = math.sqrt(max(4.0 - w * w, 0.0))
        if root <= 0.0:
            continue
        qo = q if per_node else 0
        for b in range(m):
            for i in range(r):
                gam[b, i] = g2[b, i] * root
        if q < nc:
            st = cache[q]
            dd = cdd[q]
            if not filled:
                _structure_at(w, root, n, g2, onsite, aoff, bblk, ablk, gam, st, dd)
        else:
            st = scratch[0]
            dd = sdd[0]
            _structure_at(w, root, n, g2, onsite, aoff, bblk, ablk, gam, st, dd)
        for k in range(nb):
            for b in range(m):
                for i in range(r):
                    c = bidx[b, i]
                    xb[k, b, i] = X[k, q, c] * S[k, c] if c >= 0 else 0.0
        block_apply_kernel(st[0], st[1], st[2], dd, st[3], st[4], gam, xb, False, cur, heat)
        for k in range(nb):
            for b in range(m):
                for i in range(r):
                    c = bidx[b, i]
                    if c >= 0:
                        v = cur[k, b, i]
                        out[k, qo, c] += v
                        outdn[k, qo, c] -= v / gam[b, i]
