"""Extended-precision references for the linear-response solvers (mpmath).

Two independent evaluations at ``dps`` decimal digits, used by the tests
and the benchmark to measure how many digits the double-precision solvers
keep:

* :func:`linear_mp_dense` — the probe problem exactly as the paper writes
  it: ``Z`` built entry by entry, ``G = Z^{-1}`` by mpmath's LU, the full
  ``T`` matrix and the probe system solved by mpmath's LU. ``O(N^3)`` in
  Python arithmetic: ``N`` up to ~80.
* :func:`linear_mp_stream` — the ``O(N)`` two-stream algorithm of
  :mod:`.linear` in mpmath arithmetic (no compensated sums needed at 40
  digits). ``N`` up to ~10^5 in a few seconds per 10^4 sites.

mpmath is a test dependency; it is imported only when these run.
"""

from __future__ import annotations

import numpy as np

from ...wire import Bias, QuantumParams, Wire
from .linear import probe_targets

__all__ = ["linear_mp_dense", "linear_mp_stream", "linear_dd_stream"]


def _ctx(dps: int):
    import mpmath

    ctx = mpmath.mp.clone()
    ctx.dps = dps
    return ctx


def _inputs(ctx, wire: Wire, params: QuantumParams):
    gammas, unknown, target = probe_targets(wire, params)
    mubar = ctx.mpf(params.mubar)
    root = ctx.sqrt(4 - mubar**2)
    g2 = [ctx.mpf(g) ** 2 for g in gammas]
    sigma = [gg / 2 * (mubar - 1j * root) for gg in g2]
    gam = [gg * root for gg in g2]
    tgt = [ctx.mpf(t) for t in target]
    return gammas, unknown, tgt, mubar, sigma, gam


def _biases(ctx, params: QuantumParams):
    h = ctx.mpf(params.dmu) / 2
    return {Bias.FORWARD: (h, -h), Bias.REVERSE: (-h, h)}


def linear_mp_dense(wire: Wire, params: QuantumParams, dps: int = 40) -> dict:
    """Dense linear response in ``dps``-digit arithmetic.

    Returns
    -------
    dict
        ``{"forward": {...}, "reverse": {...}}``, each with ``I_1`` (float),
        ``mu`` (``(N,)`` float, NaN where there is no bath) and ``x``
        (``mu - mubar``, 0 where there is no bath), rounded from the
        extended-precision values, and ``I_1_mp``, ``x_mp`` (the mpmath values).
    """
    ctx = _ctx(dps)
    gammas, unknown, tgt, mubar, sigma, gam = _inputs(ctx, wire, params)
    n = wire.N
    Z = ctx.matrix(n, n)
    for l in range(n):
        Z[l, l] = mubar - sigma[l]
        if l + 1 < n:
            Z[l, l + 1] = Z[l + 1, l] = 1
    G = ctx.inverse(Z)
    has = [g > 0 for g in gammas]
    T = [[(abs(G[i, j]) ** 2 * gam[i] * gam[j] if (i != j and has[i] and has[j]) else ctx.mpf(0))
          for j in range(n)] for i in range(n)]
    U = [l for l in range(n) if unknown[l]]
    out = {}
    for bias, (x1, xN) in _biases(ctx, params).items():
        x = [ctx.mpf(0)] * n
        x[0], x[-1] = x1, xN
        if U:
            M = ctx.matrix(len(U), len(U))
            b = ctx.matrix(len(U), 1)
            for a, i in enumerate(U):
                M[a, a] = ctx.fsum(T[i])
                for c, j in enumerate(U):
                    if c != a:
                        M[a, c] = -T[i][j]
                b[a] = 2 * ctx.pi * tgt[i] + T[i][0] * x1 + T[i][n - 1] * xN
            sol = ctx.lu_solve(M, b)
            for a, i in enumerate(U):
                x[i] = sol[a]
        I1 = ctx.fsum(T[0][j] * (x[0] - x[j]) for j in range(n)) / (2 * ctx.pi)
        mu = np.array([float(mubar + x[l]) if has[l] else np.nan for l in range(n)])
        out[bias.value] = {"I_1": float(I1), "mu": mu, "x": np.array([float(v) for v in x]),
                           "I_1_mp": I1, "x_mp": x}
    return out


def linear_mp_stream(wire: Wire, params: QuantumParams, dps: int = 40) -> dict:
    """Run the ``O(N)`` two-stream solve of :mod:`.linear` in ``dps``-digit arithmetic.

    Same return value as :func:`linear_mp_dense`.
    """
    ctx = _ctx(dps)
    gammas, unknown, tgt, mubar, sigma, gam = _inputs(ctx, wire, params)
    n = wire.N
    z = [mubar - s for s in sigma]
    sL = [ctx.mpc(0)] * n
    sR = [ctx.mpc(0)] * n
    for l in range(n - 1):
        sL[l + 1] = 1 / (z[l] - sL[l])
    for l in range(n - 1, 0, -1):
        sR[l - 1] = 1 / (z[l] - sR[l])
    gL = [-2 * s.imag for s in sL]
    gR = [-2 * s.imag for s in sR]
    den2 = [abs(z[l] - sL[l] - sR[l]) ** 2 for l in range(n)]
    two_pi = 2 * ctx.pi
    Kn = gL[n - 1] * gam[n - 1] / (two_pi * den2[n - 1])
    has = [g > 0 for g in gammas]
    out = {}
    for bias, (x1, xN) in _biases(ctx, params).items():
        rs = ctx.mpf(0)
        ds = ctx.mpf(0)
        Q = ctx.mpf(0)
        for l in range(1, n - 1):
            if unknown[l]:
                g, Lq = gam[l], gL[l]
                S = g + Lq + gR[l]
                tau = two_pi * den2[l] / ((Lq + g) * S)
                rho = tau * g / Lq
                rs += rho
                ds += tau * tgt[l] - rho * Q
                Q += tgt[l]
        I1 = (x1 - xN + ds - Q / Kn) / (rs + 1 / Kn)
        x = [ctx.mpf(0)] * n
        x[0], x[-1] = x1, xN
        a = x1
        Q = ctx.mpf(0)
        for l in range(1, n - 1):
            if unknown[l]:
                g, Lq = gam[l], gL[l]
                S = g + Lq + gR[l]
                p = two_pi * den2[l] * (tgt[l] - g / Lq * (I1 + Q)) / (g * S)
                x[l] = a + p
                a += p * g / (Lq + g)
                Q += tgt[l]
        mu = np.array([float(mubar + x[l]) if has[l] else np.nan for l in range(n)])
        out[bias.value] = {"I_1": float(I1), "mu": mu, "x": np.array([float(v) for v in x]),
                           "I_1_mp": I1, "x_mp": x}
    return out


def linear_dd_stream(wire: Wire, params: QuantumParams) -> dict:
    """Run the ``O(N)`` algorithm of :mod:`.linear` in double-double arithmetic.

    About 31 digits in every step, inputs included, compiled: the reference at
    ``N = 10^5 .. 10^6`` where :func:`linear_mp_stream` is too slow. Checked
    against :func:`linear_mp_stream` in the tests.

    Returns
    -------
    dict
        As :func:`linear_mp_dense`, plus ``"x_lo"`` (the low parts of ``x``)
        and ``"I_1_lo"``.
    """
    from ._kernels import dd_reference_kernel

    gammas, unknown, target = probe_targets(wire, params)
    n = wire.N
    h = params.dmu / 2.0
    x1 = np.array([h, -h])
    xh = np.zeros((2, n))
    xl = np.zeros((2, n))
    I1h = np.empty(2)
    I1l = np.empty(2)
    dd_reference_kernel(float(params.mubar), np.ascontiguousarray(gammas), unknown, target, x1, -x1,
                        xh, xl, I1h, I1l)
    has = gammas > 0
    out = {}
    for k, b in enumerate(("forward", "reverse")):
        # mubar + x rounded once from the double-double value
        mu = np.where(has, (params.mubar + xh[k]) + xl[k], np.nan)
        out[b] = {"I_1": float(I1h[k]), "I_1_lo": float(I1l[k]), "mu": mu, "x": xh[k].copy(), "x_lo": xl[k].copy()}
    return out
