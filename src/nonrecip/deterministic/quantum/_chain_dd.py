r"""Double-double bath currents of a nearest-neighbour wire, thermally averaged: an accurate residual.

The ``T > 0``, ``r = 1`` route (:mod:`.thermal_chain`) solves
``I(x) = target`` by CG on the double-precision forward map
(:func:`._chain.thermal_apply_kernel`). That map is the exact map of a
slightly different wire: its continued fractions (``s^L``, ``gam^L``, the
weights ``pre``) carry a relative rounding ``~ eps``, and a probe's
current is the difference of the through-currents on its two sides, so
``I(x)`` is off by ``~ eps`` of the through-current at every bath. The
probe Laplacian sums that along the wire: CG converges to the solution of
the perturbed map, ~1e-12 of ``max |x|`` from the true one at
``N = 10^4`` (measured against this kernel), while its own residual,
computed with the same map, reports 4e-13.

This kernel evaluates the same sum — the two-stream forward map of
:mod:`._chain` at each energy, the continued fractions, the weighted means
and the currents — entirely in double-double arithmetic (~31 digits; the
error-free transformations of :mod:`._kernels`), inputs included
(``gamma_l^2``, ``t_l^2``, ``sqrt(4 - w^2)`` formed in double-double from
the double ``gamma_l``, ``t_l``, ``w``). One evaluation of the residual with
it and one correction solved with the double map (iterative refinement)
brings the potentials to the accuracy of this residual. About 20 times
the work of the double map, once per solve.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..._jit import JIT
from ._kernels import _dd_add2, _dd_div2, _dd_mul2, _dd_sqrt, _two_prod

__all__ = ["thermal_currents_dd_kernel"]

TWO_PI_HI = 6.283185307179586
TWO_PI_LO = 2.4492935982947064e-16


@njit(**JIT)
def thermal_currents_dd_kernel(ws, cs, gm, eps, hop, has, x, outh, outl):  # pragma: no cover - jitted
    """``out[b, l] = sum_q c_q I_l(w_q; x_b)`` in double-double, ``outh + outl`` (0 where no bath).

    Parameters
    ----------
    ws, cs : (Q,) float
        Energies inside the band and their weights.
    gm : (N,) float
        Bath couplings ``gamma_l`` (0 without a bath).
    eps : (N,) float
        On-site energies.
    hop : (N-1,) float
        Hoppings ``t_l`` between ``l`` and ``l+1``.
    has : (N,) bool
        Sites with a bath.
    x : (B, N) float
        Potentials relative to ``mubar``.
    """
    n = gm.shape[0]
    nb = x.shape[0]
    reLh = np.zeros(n)
    reLl = np.zeros(n)
    gLh = np.zeros(n)
    gLl = np.zeros(n)
    mLh = np.zeros((n, nb))
    mLl = np.zeros((n, nb))
    mh = np.zeros(nb)
    ml = np.zeros(nb)
    for b in range(nb):
        for l in range(n):
            outh[b, l] = 0.0
            outl[b, l] = 0.0
    for q in range(ws.shape[0]):
        w = ws[q]
        w2h, w2l = _two_prod(w, w)
        rh, rl = _dd_add2(4.0, 0.0, -w2h, -w2l)
        rooth, rootl = _dd_sqrt(rh, rl)
        reLh[0] = reLl[0] = gLh[0] = gLl[0] = 0.0
        for b in range(nb):
            mh[b] = ml[b] = 0.0
        for l in range(n):
            g2h, g2l = _two_prod(gm[l], gm[l])
            gamh, gaml = _dd_mul2(g2h, g2l, rooth, rootl)
            oh, ol = _dd_add2(1.0, 0.0, -0.5 * g2h, -0.5 * g2l)
            zh, zl = _dd_mul2(oh, ol, w, 0.0)
            zh, zl = _dd_add2(zh, zl, -eps[l], 0.0)
            for b in range(nb):
                mLh[l, b] = mh[b]
                mLl[l, b] = ml[b]
            if has[l]:
                sh, sl = _dd_add2(gLh[l], gLl[l], gamh, gaml)
                wgh, wgl = _dd_div2(gamh, gaml, sh, sl)
                for b in range(nb):
                    dh, dl = _dd_add2(x[b, l], 0.0, -mh[b], -ml[b])
                    dh, dl = _dd_mul2(wgh, wgl, dh, dl)
                    mh[b], ml[b] = _dd_add2(mh[b], ml[b], dh, dl)
            if l < n - 1:
                t2h, t2l = _two_prod(hop[l], hop[l])
                drh, drl = _dd_add2(zh, zl, -reLh[l], -reLl[l])
                sh, sl = _dd_add2(gamh, gaml, gLh[l], gLl[l])
                dih, dil = 0.5 * sh, 0.5 * sl
                ah, al = _dd_mul2(drh, drl, drh, drl)
                bh, bl = _dd_mul2(dih, dil, dih, dil)
                ah, al = _dd_add2(ah, al, bh, bl)
                qh, ql = _dd_div2(t2h, t2l, ah, al)
                reLh[l + 1], reLl[l + 1] = _dd_mul2(drh, drl, qh, ql)
                gLh[l + 1], gLl[l + 1] = _dd_mul2(sh, sl, qh, ql)
        # right sweep
        reRh = reRl = gRh = gRl = 0.0
        for b in range(nb):
            mh[b] = ml[b] = 0.0
        c = cs[q]
        for l in range(n - 1, -1, -1):
            g2h, g2l = _two_prod(gm[l], gm[l])
            gamh, gaml = _dd_mul2(g2h, g2l, rooth, rootl)
            oh, ol = _dd_add2(1.0, 0.0, -0.5 * g2h, -0.5 * g2l)
            zh, zl = _dd_mul2(oh, ol, w, 0.0)
            zh, zl = _dd_add2(zh, zl, -eps[l], 0.0)
            if has[l]:
                drh, drl = _dd_add2(zh, zl, -reLh[l], -reLl[l])
                drh, drl = _dd_add2(drh, drl, -reRh, -reRl)
                sh, sl = _dd_add2(gamh, gaml, gLh[l], gLl[l])
                sh, sl = _dd_add2(sh, sl, gRh, gRl)
                dih, dil = 0.5 * sh, 0.5 * sl
                ah, al = _dd_mul2(drh, drl, drh, drl)
                bh, bl = _dd_mul2(dih, dil, dih, dil)
                ah, al = _dd_add2(ah, al, bh, bl)
                ah, al = _dd_mul2(ah, al, TWO_PI_HI, TWO_PI_LO)
                preh, prel = _dd_div2(gamh, gaml, ah, al)
                sh, sl = _dd_add2(gRh, gRl, gamh, gaml)
                wgh, wgl = _dd_div2(gamh, gaml, sh, sl)
                for b in range(nb):
                    dh, dl = _dd_add2(x[b, l], 0.0, -mLh[l, b], -mLl[l, b])
                    uh, ul = _dd_mul2(gLh[l], gLl[l], dh, dl)
                    eh, el = _dd_add2(x[b, l], 0.0, -mh[b], -ml[b])
                    vh, vl = _dd_mul2(gRh, gRl, eh, el)
                    uh, ul = _dd_add2(uh, ul, vh, vl)
                    uh, ul = _dd_mul2(uh, ul, preh, prel)
                    uh, ul = _dd_mul2(uh, ul, c, 0.0)
                    outh[b, l], outl[b, l] = _dd_add2(outh[b, l], outl[b, l], uh, ul)
                    eh, el = _dd_mul2(wgh, wgl, eh, el)
                    mh[b], ml[b] = _dd_add2(mh[b], ml[b], eh, el)
            if l > 0:
                t2h, t2l = _two_prod(hop[l - 1], hop[l - 1])
                erh, erl = _dd_add2(zh, zl, -reRh, -reRl)
                sh, sl = _dd_add2(gamh, gaml, gRh, gRl)
                eih, eil = 0.5 * sh, 0.5 * sl
                ah, al = _dd_mul2(erh, erl, erh, erl)
                bh, bl = _dd_mul2(eih, eil, eih, eil)
                ah, al = _dd_add2(ah, al, bh, bl)
                uh, ul = _dd_div2(t2h, t2l, ah, al)
                reRh, reRl = _dd_mul2(erh, erl, uh, ul)
                gRh, gRl = _dd_mul2(sh, sl, uh, ul)
