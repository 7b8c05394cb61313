r"""Streaming band route for many baths at ``T > 0`` (Eq. B22; conventions §4).

The adaptive composite rule of :mod:`.panels` (panels in ``theta`` with
``w = -2 cos theta``, ``33`` Lobatto energies per panel, product-integration
weights ``A_j(mu) = int ell_j(w) f(w - mu) dw`` from
:meth:`.panels.PanelRule.weights`) makes every current a sum over its
energies of *linear-response* currents,

    I_l = sum_j (1/2pi) sum_l' T_ll'(w_j) [A_j(mu_l) - A_j(mu_l')],

and each inner sum is the two-stream forward map of :mod:`.linear` (weighted
means of the potentials left and right of ``l``), ``O(N)`` per energy.
:func:`stream_kernel` recomputes the continued fractions at each energy and
accumulates the currents with ``O(N)`` scratch memory: nothing ``K x K``
and nothing ``(energies x N)`` is stored, only the weights ``A`` (``Q x K``
for ``Q`` energies and ``K`` baths).

Panel adaptation without ``T_ll'``
----------------------------------
:class:`.panels.PanelRule` splits a panel while the Chebyshev tails of the
``K^2`` entries ``T_ll'(theta)`` (times the Fermi weight) are large.
:class:`StreamRule` uses instead the integrand of the currents themselves at
the potentials the rule is built for,

    d_l(w) = (1/2pi) sum_l' T_ll'(w) [f(w - mu_l) - f(w - mu_l')],

evaluated at the panel's ``33`` energies by the same kernel (potentials
``f(w_j - mu)`` at energy ``w_j``): ``I_l = int d_l(w) dw``, so the
interpolation error of ``d_l`` on a panel, of size its last Chebyshev
coefficients ``tail_l``, bounds the error of integrating ``d_l`` by its
interpolant over the panel by ``tail_l`` times the panel's ``w``-width.
Product integration interpolates only the transmissions and integrates the
Fermi factors exactly, so it is at least as accurate wherever the Fermi
factors are the rougher factor (within a few ``T`` of a potential) and the
same where they are smooth: ``d_l`` is a fixed combination of the
``T_ll'`` there, and its tail is the tail of that combination (it can be
smaller than the largest entry's, a cancellation the current itself shares).
A panel is split while ``max_l tail_l > eps / (window width)``, so the
estimated errors of all panels add up to at most ``eps``. The rule is built
at the starting potentials of both biases and rebuilt at the solution, as
the ``K x K`` route does (:mod:`.nonlinear_panels`).

The initial panels have ``theta``-width ``pi / max(8, L)`` with ``L`` the
longest stretch of the wire without a bath (resonances of a stretch of
``L`` sites are spaced ``~ pi / L`` in ``theta``), so many-bath wires start
from a few coarse panels and split only where the integrand needs it.

Weights
-------
The product-integration weights at ``T > 0`` cost ``O(P K)`` per panel
(``P`` Gauss points resolving the Fermi functions): for many baths they are
computed at ``33`` Chebyshev potentials on pieces of ``[min mu, max mu]``
no longer than ``pi T`` and interpolated in ``mu`` (``A_j(mu)`` is analytic
in the strip ``|Im mu| < pi T``), checked by their Chebyshev tails
(:meth:`StreamRule._weights_hot`). Memory: the weights, ``Q x K``, and
``O(N)`` scratch per energy.

Newton
------
The Jacobian-vector product is again a sum of linear-response currents,
``(J v)_l = sum_j (1/2pi) sum_l' T_ll'(w_j) [y_jl - y_jl']`` with
``y_j = dA_j * v`` (``dA_j = dA_j/dmu``, :meth:`.panels.PanelRule.weights`
``"df"``): one pass of the kernel. ``J dx = -R`` is solved by GMRES
preconditioned with the ``O(N)`` linear-response probe solve at ``mubar``
(:meth:`.nonlinear._Problem.preconditioner`), each step damped by
backtracking on ``|R|^2``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..._jit import JIT
from ...wire import ConvergenceError
from .nonlinear_hamiltonian import stream_chain
from .panels import _CHEB, _U, MAX_PANELS, NEGLIGIBLE, PANEL_NODES, ROUNDING, PanelRule, _theta
from .state import QuantumState

__all__ = ["StreamRule", "stream_kernel", "solve_stream", "stream_currents"]

_BAND_EDGE = 2.0 - 1e-9
#: Chebyshev potentials per piece when interpolating the weights in ``mu`` (0: never).
INTERP_NODES = 33
#: Accepted size of the last Chebyshev coefficients (relative to the largest weight).
INTERP_TOL = 2e-15


@njit(**JIT)
def stream_kernel(ws, g2, eps, t2, bidx, X, S, per_node, out, outdn):  # pragma: no cover - jitted
    """Sum over energies of linear-response bath currents with energy-dependent potentials.

    ``out[b, q', k] += (1/2pi) sum_l' T_{s_k l'}(ws[q]) (x_k - x_l')`` with
    ``x_k = X[b, q, k] S[b, k]`` the potential of bath ``k`` (site
    ``s_k``, ``bidx[s_k] = k``; ``bidx = -1`` off the baths) at energy
    ``ws[q]``; ``q' = q`` if ``per_node`` else ``0`` (the sum over
    energies). ``outdn`` gets ``-out / Gam_{s_k}(w_q)`` likewise (Eq. B50).
    The structure (continued fractions of ``Z = w - H - Sigma(w)``, ``H``
    tridiagonal with on-site ``eps`` and hoppings ``t``) is recomputed at
    each energy; the forward map is that of :func:`._kernels.apply_kernel`.
    Energies at a band edge (``Gam = 0``, no transmission) are skipped.
    Scratch memory ``O(B N)``.
    """
    n = g2.shape[0]
    nb = X.shape[0]
    nq = ws.shape[0]
    twopi = 2.0 * np.pi
    reL = np.empty(n)
    gamL = np.empty(n)
    mL = np.empty((n, nb))
    m = np.empty(nb)
    x = np.empty(nb)
    for q in range(nq):
        w = ws[q]
        root = math.sqrt(max(4.0 - w * w, 0.0))
        if root <= 0.0:
            continue
        qo = q if per_node else 0
        reL[0] = 0.0
        gamL[0] = 0.0
        for b in range(nb):
            m[b] = 0.0
        for l in range(n):
            gam = g2[l] * root
            k = bidx[l]
            for b in range(nb):
                mL[l, b] = m[b]
            if k >= 0:
                wg = gam / (gamL[l] + gam)
                for b in range(nb):
                    m[b] = m[b] + wg * (X[b, q, k] * S[b, k] - m[b])
            if l < n - 1:
                dr = w * (1.0 - 0.5 * g2[l]) - eps[l] - reL[l]
                di = 0.5 * (gam + gamL[l])
                qq = t2[l] / (dr * dr + di * di)
                reL[l + 1] = dr * qq
                gamL[l + 1] = (gam + gamL[l]) * qq
        reR = 0.0
        gamR = 0.0
        for b in range(nb):
            m[b] = 0.0
        for l in range(n - 1, -1, -1):
            gam = g2[l] * root
            rez = w * (1.0 - 0.5 * g2[l]) - eps[l]
            k = bidx[l]
            if k >= 0:
                dr = rez - reL[l] - reR
                di = 0.5 * (gam + gamL[l] + gamR)
                pre = gam / (twopi * (dr * dr + di * di))
                wg = gam / (gamR + gam)
                for b in range(nb):
                    x[b] = X[b, q, k] * S[b, k]
                    cur = pre * (gamL[l] * (x[b] - mL[l, b]) + gamR * (x[b] - m[b]))
                    out[b, qo, k] += cur
                    outdn[b, qo, k] -= cur / gam
                    m[b] = m[b] + wg * (x[b] - m[b])
            if l > 0:
                er = rez - reR
                ei = 0.5 * (gam + gamR)
                u = t2[l - 1] / (er * er + ei * ei)
                reR = er * u
                gamR = (gam + gamR) * u


@njit(**JIT)
def hot_weights_kernel(Lt, gw, wp, mu, T, mubar, kind, out):  # pragma: no cover - jitted
    """Product-integration weights of one panel at ``T > 0``, ``out[q, k] = sum_p Lt[p, q] gw[p] g(wp[p]; mu[k])``.

    ``g = f(w - mu)`` (``kind = 0``), ``(w - mubar) f(w - mu)`` (``1``) or
    ``-df/dw (w - mu)`` (``2``), evaluated overflow-free; the same sums as
    :meth:`.panels.PanelRule._weights_hot`, single-threaded.
    """
    npts, nq = Lt.shape
    acc = np.empty(nq)
    for k in range(mu.shape[0]):
        acc[:] = 0.0
        for p in range(npts):
            e = (wp[p] - mu[k]) / T
            a = math.exp(-abs(e))
            if kind == 2:
                v = a / ((1.0 + a) * (1.0 + a)) / T
            else:
                v = a / (1.0 + a) if e > 0.0 else 1.0 / (1.0 + a)
                if kind == 1:
                    v *= wp[p] - mubar
            v *= gw[p]
            if v != 0.0:
                for q in range(nq):
                    acc[q] += Lt[p, q] * v
        for q in range(nq):
            out[q, k] = acc[q]


class StreamRule(PanelRule):
    """Panels in ``theta`` over an energy window; no transmissions stored (module docstring).

    Parameters
    ----------
    gammas : ndarray, shape (N,)
        Bath couplings.
    temperature, mubar : float
        ``temperature > 0``.
    """

    def __init__(self, gammas: np.ndarray, temperature: float, mubar: float):
        super().__init__(gammas, temperature, mubar)
        n = self.gammas.size
        self.g2 = np.ascontiguousarray(self.gammas ** 2)
        self.eps = np.zeros(n)
        self.t2 = np.ones(max(n - 1, 1))
        self.bidx = np.full(n, -1, dtype=np.int64)
        self.bidx[self.sites] = np.arange(self.sites.size)
        edges = np.concatenate(([-1], self.sites, [n]))
        #: longest stretch of sites without a bath
        self.stretch = int(np.max(np.diff(edges))) - 1 if self.sites.size else n
        self.ws = np.empty(0)
        self.interpolated = False
        #: the block kernel of a range ``r > 1`` ``H`` (:class:`.nonlinear_block.BlockEngine`), else None
        self.engine = None

    def run(self, ws: np.ndarray, X: np.ndarray, S: np.ndarray | None = None,
            per_node: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """:func:`stream_kernel` on energies ``ws`` with potentials ``X`` (``(B, Q, K)``); ``(out, dn)``.

        For a range ``r > 1`` ``H`` the block kernel of :attr:`engine`, same contract.
        """
        if self.engine is not None:
            return self.engine.run(ws, X, S, per_node)
        X = np.ascontiguousarray(X, dtype=float)
        nb, nq, K = X.shape
        S = np.ones((nb, K)) if S is None else np.ascontiguousarray(S, dtype=float)
        out = np.zeros((nb, nq if per_node else 1, K))
        dn = np.zeros_like(out)
        stream_kernel(np.ascontiguousarray(ws, dtype=float), self.g2, self.eps, self.t2, self.bidx,
                      X, S, per_node, out, dn)
        return out, dn

    def _weights_hot(self, mu: np.ndarray, kind: str, out: np.ndarray) -> None:
        """As :meth:`.panels.PanelRule._weights_hot`, interpolated in ``mu`` for many baths.

        ``A_j(mu)`` is analytic in ``mu`` in the strip ``|Im mu| < pi T`` (the
        Fermi poles), so on an interval of ``[min mu, max mu]`` no longer
        than ``pi T`` (Bernstein ellipse parameter ``>= 2 + sqrt 5``) its
        Chebyshev series converges like ``4.2^-n``: the interval is cut into
        ``s`` such pieces, the weights are computed at :data:`INTERP_NODES`
        Chebyshev-Lobatto potentials on each and interpolated (barycentric)
        to the ``K`` bath potentials, ``O(P s m + m K)`` per panel of ``P``
        quadrature points instead of ``O(P K)``. Accepted when the last
        three coefficients of every ``A_j`` are below :data:`INTERP_TOL` of
        the largest weight; otherwise (and when ``K <= 2 s m``) direct.
        """
        from .panels import _lobatto

        mu = np.ascontiguousarray(mu, dtype=float)
        lo, hi = float(mu.min()), float(mu.max())
        m = INTERP_NODES
        #: whether the last weights were interpolated in ``mu``
        self.interpolated = False
        pieces = max(1, math.ceil((hi - lo) / (math.pi * self.T)))
        if m < 3 or hi <= lo or mu.size <= 2 * m * pieces:
            self._weights_direct(mu, kind, out)
            return
        u, bw, C = _lobatto(m)
        edges = lo + (hi - lo) * np.arange(pieces + 1) / pieces
        half = 0.5 * np.diff(edges)
        nodes = (0.5 * (edges[:-1] + edges[1:]))[:, None] + half[:, None] * u[None, :]
        flat = np.zeros((len(self.panels), PANEL_NODES, pieces * m))
        self._weights_direct(nodes.ravel(), kind, flat)
        Wn = flat.reshape(len(self.panels), PANEL_NODES, pieces, m)
        coef = np.einsum("ij,pqsj->pqsi", C, Wn)
        if float(np.abs(coef[..., -3:]).max()) > INTERP_TOL * float(np.abs(Wn).max()):
            self._weights_direct(mu, kind, out)
            return
        self.interpolated = True
        which = np.clip(np.floor((mu - lo) / (hi - lo) * pieces).astype(np.int64), 0, pieces - 1)
        for i in range(pieces):
            sel = np.flatnonzero(which == i)
            if not sel.size:
                continue
            x = (mu[sel] - 0.5 * (edges[i] + edges[i + 1])) / half[i]
            d = x[None, :] - u[:, None]
            hit = d == 0.0
            d[hit] = 1.0
            r = bw[:, None] / d
            L = r / r.sum(axis=0)
            cols = hit.any(axis=0)
            L[:, cols] = hit[:, cols]
            out[:, :, sel] = np.einsum("pqj,jk->pqk", Wn[:, :, i], L)

    def _weights_direct(self, mu: np.ndarray, kind: str, out: np.ndarray) -> None:
        """As :meth:`.panels.PanelRule._weights_hot`, by :func:`hot_weights_kernel` (no BLAS threads)."""
        from .panels import _gauss, _lagrange

        T = self.T
        x, wx = _gauss(PANEL_NODES + 16)
        code = {"f": 0, "wf": 1, "df": 2}[kind]
        mu = np.ascontiguousarray(mu, dtype=float)
        for i, (pa, pb) in enumerate(self.panels):
            pieces = max(1, math.ceil((pb - pa) / (0.5 * T)))
            edges = np.linspace(pa, pb, pieces + 1)
            h = 0.5 * np.diff(edges)[:, None]
            th = ((0.5 * (edges[:-1] + edges[1:]))[:, None] + h * x[None, :]).ravel()
            gw = 2.0 * np.sin(th) * (h * wx[None, :]).ravel()
            Lt = np.ascontiguousarray(_lagrange((2.0 * th - pa - pb) / (pb - pa)).T)
            hot_weights_kernel(Lt, gw, -2.0 * np.cos(th), mu, T, self.mubar, code, out[i])

    # -- adaptation ----------------------------------------------------------
    def _tail(self, pa: float, pb: float, mus: np.ndarray) -> float:
        """Largest last-four Chebyshev coefficient of the integrands ``d_l`` on the panel."""
        th = 0.5 * (pa + pb) + 0.5 * (pb - pa) * _U
        ws = -2.0 * np.cos(th)
        e = ws[None, :, None] - mus[:, None, :]  # (B, 33, K)
        a = np.exp(-np.abs(e) / self.T)
        F = np.where(e > 0.0, a, 1.0) / (1.0 + a)  # f(w - mu), overflow-free
        D = self.run(ws, F, per_node=True)[0]
        coef = np.einsum("ij,bjk->ibk", _CHEB, D)  # no BLAS threads for small products
        return max(float(np.abs(coef[-4:]).max()) - ROUNDING * float(np.abs(D).max()), 0.0)

    def build_stream(self, mus: list[np.ndarray], eps: float) -> None:
        """Adapt the panels to the bath potentials ``mus`` with current error ``eps``."""
        T = self.T
        M = np.array(mus, dtype=float)
        lo, hi = float(M.min()), float(M.max())
        pad = 0.1 * (hi - lo) + 1e-3
        wa, wb = lo - 36.0 * T - pad, hi + 36.0 * T + pad
        ta, tb = float(_theta(max(wa, -2.0))), float(_theta(min(wb, 2.0)))
        width = -2.0 * math.cos(tb) + 2.0 * math.cos(ta)
        limit = eps / max(width, 1e-300)
        h0 = math.pi / max(8, self.stretch)
        j0, j1 = math.floor(ta / h0), math.ceil(tb / h0)
        todo = [(max(j * h0, ta), min((j + 1) * h0, tb)) for j in range(j0, j1)]
        todo = [(a, b) for a, b in todo if b > a]
        done: list[tuple[float, float]] = []
        est = 0.0
        while todo:
            if len(done) + len(todo) > MAX_PANELS:
                raise ConvergenceError(
                    f"the energy quadrature needs more than {MAX_PANELS} panels of {PANEL_NODES} energies "
                    f"to reach a current error {eps:.3e} on [{-2 * math.cos(ta):.6g}, {-2 * math.cos(tb):.6g}]; "
                    "raise tol")
            nxt = []
            for pa, pb in todo:
                tail = self._tail(pa, pb, M)
                err = tail * 2.0 * (math.cos(pa) - math.cos(pb))
                if tail <= limit or err <= NEGLIGIBLE * eps or pb - pa < 1e-13:
                    done.append((pa, pb))
                    est += err
                else:
                    mid = 0.5 * (pa + pb)
                    nxt += [(pa, mid), (mid, pb)]
            todo = nxt
        done.sort()
        #: estimated error of the currents (tails x panel widths)
        self.error_estimate = est
        self.panels = done
        th = np.concatenate([0.5 * (a + b) + 0.5 * (b - a) * _U for a, b in done])
        self.ws = -2.0 * np.cos(th)
        self.span = (-2.0 * math.cos(done[0][0]), -2.0 * math.cos(done[-1][1]))

    # -- currents ------------------------------------------------------------
    def total(self, A: np.ndarray, S: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Currents and density deviations summed over the energies, from weights ``A`` (``(Q, K)``)."""
        out, dn = self.run(self.ws, A[None], None if S is None else S[None])
        return out[0, 0], dn[0, 0]


def stream_currents(rule: StreamRule, x: np.ndarray) -> np.ndarray:
    """Bath currents at bath potentials ``x`` (shape ``(K,)``) on ``rule``."""
    return rule.total(rule.weights(x, "f"))[0]


def _covers(rule: StreamRule, x: np.ndarray) -> bool:
    a, b = rule.span
    tail = 36.0 * rule.T
    return bool(max(x.min() - tail, -2.0) >= a - 1e-12 and min(x.max() + tail, 2.0) <= b + 1e-12)


def _newton(prob, rule: StreamRule, x: np.ndarray, ub: np.ndarray, tgt: np.ndarray, goal: float,
            max_iter: int, mu_full) -> tuple[np.ndarray, int, float, bool]:
    """:func:`.nonlinear_panels.band_newton` on a streaming rule: GMRES on matrix-free ``J v``."""
    from scipy.sparse.linalg import LinearOperator, gmres

    from .nonlinear_panels import band_newton

    pre = prob.preconditioner()
    M = ub.size

    def step(x: np.ndarray, R: np.ndarray) -> np.ndarray:
        dA = np.ascontiguousarray(rule.weights(x, "df"))
        v_full = np.zeros(x.size)

        def jv(v):
            v_full[ub] = np.asarray(v).ravel()
            return rule.total(dA, v_full)[0][ub]

        A = LinearOperator((M, M), matvec=jv, dtype=float)
        P = LinearOperator((M, M), matvec=lambda r: pre(np.asarray(r).ravel()), dtype=float)
        dx, _ = gmres(A, -R, rtol=1e-8, atol=0.0, restart=min(M, 60), maxiter=20, M=P)
        return dx

    return band_newton(prob, lambda x: stream_currents(rule, x), step, lambda x: _covers(rule, x),
                       x, ub, tgt, goal, max_iter, mu_full)


def solve_stream(prob, mu_starts: list[np.ndarray], tol: float, max_iter: int,
                 info: dict | None) -> tuple[QuantumState, QuantumState]:
    """Solve both biases of ``prob`` (a :class:`.nonlinear._Problem`) on a streaming band rule."""
    from .nonlinear_panels import band_solve

    params = prob.params
    sites = np.flatnonzero(prob.has)
    rule = StreamRule(prob.gammas, params.temperature, params.mubar)
    stream_chain(rule, prob.hamiltonian)  # H's eps_l, t_l^2 or block engine (nothing for the uniform wire)
    return band_solve(prob, rule, rule.build_stream, _newton, lambda x: stream_currents(rule, x),
                      lambda x, base: _state(prob, rule, sites, x), "stream", mu_starts, tol, max_iter, info)


def _state(prob, rule: StreamRule, sites: np.ndarray, x: np.ndarray) -> QuantumState:
    """Currents, bond currents, density deviation and heat current (as :func:`.nonlinear._state`)."""
    n = prob.wire.N
    mubar = prob.params.mubar
    Ib, dnb = rule.total(rule.weights(x, "f"))
    Bc = rule.total(rule.weights(x, "wf"))[0]
    hb = (x - mubar) * Ib - Bc

    def spread(v):
        out = np.full(n, np.nan)
        out[sites] = v
        return out

    I = spread(Ib)
    J = np.cumsum(np.where(prob.has, I, 0.0))[:-1]
    return QuantumState(I_1=float(I[0]), I_N=float(I[-1]), J=J, mu=spread(x), I=I, dn=spread(dnb),
                        h=spread(hb))
