r"""Adaptive composite energy quadrature over the band for a few baths (conventions §4).

The nonlinear currents (Eq. B22)

    I_l = (1/2pi) sum_l' int dw T_ll'(w) [f_l(w) - f_l'(w)]

need ``T_ll'(w)`` only between the ``K`` baths (sites with ``gamma_l > 0``)
and only where ``f_l - f_l'`` is not negligible: ``w`` in the band
``(-2, 2)`` (outside it ``T = 0``) intersected with the Fermi window of the
potentials. When ``K`` is small (a long ballistic wire with one source and
one drain) this module stores the ``K x K`` matrices at the nodes of a
composite rule and nothing of length ``N``:

* the energy axis is ``w = -2 cos theta``; in ``theta`` every ``T_ll'`` is
  analytic up to and including the band edges (``sqrt(4 - w^2) = 2 sin
  theta``), so panels touching the edges converge like any other;
* the window is split into panels in ``theta``; on each panel ``T(theta)``
  is interpolated at ``n = 33`` Chebyshev-Lobatto points; a panel is split in
  two while the last four Chebyshev coefficients of any entry, times the
  panel's Fermi weight ``max |f_l - f_l'|``, exceed
  ``2 pi eps / (window width)`` (so the interpolation error of the currents
  stays below ``eps``): the panels follow the resonances of the wire
  (spacing ``~ 1/N``) wherever they are, with no fixed cap that fails as
  ``N`` grows (only a total-work cap, :data:`MAX_PANELS`);
* the Fermi functions are integrated against each Lagrange polynomial
  (product integration): at ``T = 0`` exactly up to the potential,
  ``A_j(mu) = int_{theta_a}^{theta(mu)} ell_j(theta) 2 sin(theta) dtheta``
  by Gauss-Legendre (``n + 8`` nodes: the integrand is a polynomial times
  ``sin``), at ``T > 0`` by Gauss-Legendre on sub-pieces of ``theta``-width
  at most ``T / 2`` (``w``-width ``<= T``; the Fermi poles are ``pi T`` off
  the axis, so ``n + 16`` nodes per piece reach double precision).

Every energy's ``K x K`` transmissions come from one ``O(N)`` pass of the
left/right continued fractions (:func:`bath_transmissions`); memory is
``O(Q K^2)`` for ``Q`` nodes, never ``O(Q N)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from numba import njit

from ..._jit import JIT
from ...wire import ConvergenceError

__all__ = ["PanelRule", "bath_transmissions", "entries_at_least", "MAX_ENTRIES", "MAX_PANELS", "PANEL_NODES",
           "TooManyEntries"]

#: Lobatto points per panel.
PANEL_NODES = 33
#: Largest number of panels of one rule (a cap on total work, far above
#: what ``single`` at N = 20000 needs).
MAX_PANELS = 40_000
#: Largest number of stored K x K entries (memory cap, 8 bytes each).
MAX_ENTRIES = 60_000_000
#: A panel whose whole error bound is below ``NEGLIGIBLE eps`` is accepted
#: (at most :data:`MAX_PANELS` of them add ``0.04 eps``): near a band edge
#: the rounding noise of ``T(w)`` on a long wire exceeds :data:`ROUNDING`
#: and would otherwise split panels down to ``1e-13``.
NEGLIGIBLE = 1e-6
#: Relative rounding level of the computed ``T(w)`` (Chebyshev tails below
#: it are noise, not missing resolution).
ROUNDING = 1e-14


class TooManyEntries(ConvergenceError):
    """The rule would store more than :data:`MAX_ENTRIES` transmissions."""


@njit(**JIT)
def _bath_kernel(ws, gam2, sites, outT, outG):  # pragma: no cover - jitted
    """``T_ab(w) = Gam_a Gam_b |G_ab|^2`` between bath sites, ``O(N)`` per energy.

    ``Z = w - H - Sigma`` is tridiagonal with off-diagonal ``+1``. Left-connected
    ``gL_l = 1 / (z_l - gL_{l-1})``, right-connected ``gR`` likewise,
    ``G_ll = 1 / (z_l - gL_{l-1} - gR_{l+1})`` and, for ``l' < l``,
    ``|G_l'l| = |G_ll| prod_{m=l'}^{l-1} |gL_m|`` (products as sums of logs).
    """
    n = gam2.shape[0]
    K = sites.shape[0]
    gLr = np.empty(n)
    gLi = np.empty(n)
    gRr = np.empty(n)
    gRi = np.empty(n)
    Sb = np.empty(K)
    for q in range(ws.shape[0]):
        w = ws[q]
        root = math.sqrt(max(4.0 - w * w, 0.0))
        # z_l = w - Sigma_l = w (1 - g2/2) + i g2 root / 2; real arithmetic
        pr = 0.0
        pi_ = 0.0
        P = 1.0
        E = 0.0
        b = 0
        for l in range(n):
            if b < K and sites[b] == l:
                Sb[b] = E + math.log(P)
                b += 1
            dr = w * (1.0 - 0.5 * gam2[l]) - pr
            di = 0.5 * gam2[l] * root - pi_
            inv = 1.0 / (dr * dr + di * di)
            pr = dr * inv
            pi_ = -di * inv
            gLr[l] = pr
            gLi[l] = pi_
            P = P * inv
            if P > 1e100 or P < 1e-100:
                E += math.log(P)
                P = 1.0
        pr = 0.0
        pi_ = 0.0
        for l in range(n - 1, -1, -1):
            dr = w * (1.0 - 0.5 * gam2[l]) - pr
            di = 0.5 * gam2[l] * root - pi_
            inv = 1.0 / (dr * dr + di * di)
            pr = dr * inv
            pi_ = -di * inv
            gRr[l] = pr
            gRi[l] = pi_
        for b in range(K):
            s = sites[b]
            dr = w * (1.0 - 0.5 * gam2[s])
            di = 0.5 * gam2[s] * root
            if s > 0:
                dr -= gLr[s - 1]
                di -= gLi[s - 1]
            if s < n - 1:
                dr -= gRr[s + 1]
                di -= gRi[s + 1]
            lg = -math.log(dr * dr + di * di)  # log |G_ss|^2
            outG[q, b] = gam2[s] * root
            outT[q, b, b] = 0.0
            for a_ in range(b):
                t = gam2[s] * gam2[sites[a_]] * root * root * math.exp(lg + Sb[b] - Sb[a_])
                outT[q, a_, b] = t
                outT[q, b, a_] = t


def bath_transmissions(ws: np.ndarray, gammas: np.ndarray, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``T_ab(w)`` between the bath sites and their broadenings ``Gam_a(w)``.

    Parameters
    ----------
    ws : ndarray, shape (Q,)
        Energies in ``[-2, 2]``.
    gammas : ndarray, shape (N,)
        Bath couplings.
    sites : ndarray of int, shape (K,)
        Bath sites (0-based, increasing).

    Returns
    -------
    T : ndarray, shape (Q, K, K)
    Gam : ndarray, shape (Q, K)
    """
    ws = np.ascontiguousarray(ws, dtype=float)
    T = np.empty((ws.size, sites.size, sites.size))
    G = np.empty((ws.size, sites.size))
    _bath_kernel(ws, np.ascontiguousarray(np.asarray(gammas, dtype=float) ** 2),
                 np.ascontiguousarray(sites, dtype=np.int64), T, G)
    return T, G


# --------------------------------------------------------------------------
# Lobatto interpolation on one panel
# --------------------------------------------------------------------------
def _lobatto(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points ``u_j = cos(pi j/(n-1))``, barycentric weights and the values->Chebyshev matrix."""
    k = np.arange(n)
    th = np.pi * k / (n - 1)
    u = np.cos(th)
    bw = (-1.0) ** k
    bw[0] *= 0.5
    bw[-1] *= 0.5
    C = (2.0 / (n - 1)) * np.cos(np.outer(k, th))
    C[:, 0] *= 0.5
    C[:, -1] *= 0.5
    C[0] *= 0.5
    C[-1] *= 0.5
    return u, bw, C


_U, _BW, _CHEB = _lobatto(PANEL_NODES)


def _lagrange(x: np.ndarray) -> np.ndarray:
    """Lagrange basis of the Lobatto points at ``x`` in ``[-1, 1]``, shape ``(n, len(x))``."""
    d = x[None, :] - _U[:, None]
    hit = d == 0.0
    d[hit] = 1.0
    r = _BW[:, None] / d
    L = r / r.sum(axis=0)
    cols = hit.any(axis=0)
    if cols.any():
        L[:, cols] = hit[:, cols].astype(float)
    return L


@lru_cache(maxsize=8)
def _gauss(m: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(m)


def _theta(w: np.ndarray | float) -> np.ndarray:
    return np.arccos(np.clip(-0.5 * np.asarray(w, dtype=float), -1.0, 1.0))


def _fermi(e: np.ndarray, T: float) -> np.ndarray:
    from scipy.special import expit

    return expit(-e / T)


def _cells(n_sites: int, T: float, lo: float, hi: float) -> tuple[float, float, list[tuple[float, float]]]:
    """Return the window ``[theta_a, theta_b]`` of potentials ``lo..hi`` and its initial cells in ``theta``.

    The window pads ``lo..hi`` by ``0.1 (hi - lo) + 1e-3`` and, at ``T > 0``,
    by ``36 T`` (Fermi tails), clipped to the band. In ``theta`` (= ``k``)
    the resonances of a wire of ``N`` sites are spaced ``~ pi/N``: the
    cells have width ``pi / N`` (at most ``pi / 8``), fixed in ``theta``,
    so that a rebuild on a moved window reuses the cached panels.
    """
    pad = 0.1 * (hi - lo) + 1e-3
    wa, wb = lo - pad, hi + pad
    if T > 0.0:
        wa, wb = lo - 36.0 * T - pad, hi + 36.0 * T + pad
    ta, tb = float(_theta(max(wa, -2.0))), float(_theta(min(wb, 2.0)))
    h0 = math.pi / max(8, n_sites)
    j0, j1 = math.floor(ta / h0), math.ceil(tb / h0)
    todo = [(max(j * h0, 0.0), min((j + 1) * h0, math.pi)) for j in range(j0, j1)]
    return ta, tb, [(a, b) for a, b in todo if b > a]


def entries_at_least(n_sites: int, n_baths: int, T: float, lo: float, hi: float) -> int:
    """Lower bound of the ``K x K`` entries a :class:`PanelRule` stores for potentials ``lo..hi``.

    Its initial cells (:func:`_cells`) times :data:`PANEL_NODES` times
    ``K^2``: panels are only ever split, so the rule stores at least this
    many numbers (more where it splits). Known before any transmission is
    computed; above :data:`MAX_ENTRIES` the rule cannot be built.
    """
    return len(_cells(n_sites, T, lo, hi)[2]) * PANEL_NODES * n_baths * n_baths


class PanelRule:
    """Panels in ``theta`` over an energy window, with the ``K x K`` data at their nodes.

    Parameters
    ----------
    gammas : ndarray, shape (N,)
        Bath couplings.
    temperature, mubar : float
    transmissions : callable, optional
        ``ws -> (T, Gam)`` as :func:`bath_transmissions` for a wire with
        another Hamiltonian (:func:`.nonlinear_hamiltonian.panel_transmissions`);
        ``None``: the uniform wire.
    """

    def __init__(self, gammas: np.ndarray, temperature: float, mubar: float,
                 transmissions: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None):
        self.gammas = np.asarray(gammas, dtype=float)
        self.transmissions = transmissions
        self.sites = np.flatnonzero(self.gammas > 0)
        self.T, self.mubar = float(temperature), float(mubar)
        self._cache: dict[tuple[float, float], tuple[np.ndarray, np.ndarray, float]] = {}
        self.panels: list[tuple[float, float]] = []

    # -- data of one panel -------------------------------------------------
    def _data(self, pa: float, pb: float) -> tuple[np.ndarray, np.ndarray, float]:
        key = (pa, pb)
        if key not in self._cache:
            th = 0.5 * (pa + pb) + 0.5 * (pb - pa) * _U
            ws = -2.0 * np.cos(th)
            Tm, G = (bath_transmissions(ws, self.gammas, self.sites) if self.transmissions is None
                     else self.transmissions(ws))
            coef = np.tensordot(_CHEB, Tm, axes=(1, 0))
            # coefficients at the rounding floor of T count as converged
            tail = max(float(np.abs(coef[-4:]).max()) - ROUNDING * float(np.abs(Tm).max()), 0.0)
            self._cache[key] = (Tm, G, tail)
        return self._cache[key]

    def _weight(self, pa: float, pb: float, lo: float, hi: float) -> float:
        """Largest ``f(w - hi) - f(w - lo)`` over the panel (``lo <= hi`` the extreme potentials)."""
        wa, wb = -2.0 * math.cos(pa), -2.0 * math.cos(pb)
        if self.T == 0.0:
            return 1.0 if (wb > lo and wa < hi) else 0.0
        w = np.linspace(wa, wb, 9)
        return float(np.max(_fermi(w - hi, self.T) - _fermi(w - lo, self.T)))

    def build(self, lo: float, hi: float, eps: float) -> None:
        """Adapt the panels to the potentials ``lo..hi`` with current error ``eps`` (see module docstring)."""
        T = self.T
        ta, tb, todo = _cells(self.gammas.size, T, lo, hi)
        width = -2.0 * math.cos(tb) + 2.0 * math.cos(ta)
        limit = 2.0 * math.pi * eps / max(width, 1e-300)
        done: list[tuple[float, float]] = []
        est = 0.0
        K2 = self.sites.size ** 2
        while todo:
            if (len(done) + len(todo)) * PANEL_NODES * K2 > MAX_ENTRIES:
                raise TooManyEntries(
                    f"the energy quadrature over the band would store {len(done) + len(todo)} x {PANEL_NODES} "
                    f"energies x {self.sites.size}^2 bath pairs (more than {MAX_ENTRIES:.0e} numbers): too "
                    "many baths for the band route (it stores K x K per energy); lower the temperature so that "
                    "the Fermi tails stay inside the band")
            if len(done) + len(todo) > MAX_PANELS:
                raise ConvergenceError(
                    f"the energy quadrature needs more than {MAX_PANELS} panels of {PANEL_NODES} energies "
                    f"to reach a current error {eps:.3e} on [{-2 * math.cos(ta):.6g}, {-2 * math.cos(tb):.6g}]; "
                    "raise tol")
            nxt = []
            for pa, pb in todo:
                tail = self._data(pa, pb)[2] * self._weight(pa, pb, lo, hi)
                err = tail * 2.0 * (math.cos(pa) - math.cos(pb)) / (2.0 * math.pi)
                if tail <= limit or err <= NEGLIGIBLE * eps or pb - pa < 1e-13:
                    done.append((pa, pb))
                    est += err
                else:
                    m = 0.5 * (pa + pb)
                    nxt += [(pa, m), (m, pb)]
            todo = nxt
        done.sort()
        #: estimated error of the currents (Chebyshev tails x Fermi weight x width / 2 pi)
        self.error_estimate = est
        self.panels = done
        self._cache = {p: self._cache[p] for p in done}
        self.Tq = np.concatenate([self._cache[p][0] for p in done])
        self.Gq = np.concatenate([self._cache[p][1] for p in done])
        self.span = (-2.0 * math.cos(done[0][0]), -2.0 * math.cos(done[-1][1]))

    @property
    def n_energies(self) -> int:
        """Number of stored energies."""
        return len(self.panels) * PANEL_NODES

    # -- product integration -------------------------------------------------
    def weights(self, mu: np.ndarray, kind: str) -> np.ndarray:
        """``int ell_q(w) g(w; mu_k) dw`` for every node ``q`` and bath ``k``, shape ``(Q, K)``.

        ``kind``: ``"f"`` (``g = f(w - mu)``), ``"wf"`` (``(w - mubar) f``),
        ``"df"`` (``-df/dw``, the derivative of ``"f"`` in ``mu``).
        """
        mu = np.asarray(mu, dtype=float)
        out = np.zeros((len(self.panels), PANEL_NODES, mu.size))
        if self.T == 0.0:
            self._weights_zero(mu, kind, out)
        else:
            self._weights_hot(mu, kind, out)
        return out.reshape(-1, mu.size)

    def _weights_zero(self, mu: np.ndarray, kind: str, out: np.ndarray) -> None:
        m = PANEL_NODES + 8
        x, wx = _gauss(m)
        tm = _theta(mu)
        pa = np.array([p[0] for p in self.panels])
        pb = np.array([p[1] for p in self.panels])
        if kind == "df":
            for k in range(mu.size):
                i = int(np.searchsorted(pb, tm[k], side="right"))
                i = min(i, len(self.panels) - 1)
                if pa[i] <= tm[k] <= pb[i]:
                    u = (2.0 * tm[k] - pa[i] - pb[i]) / (pb[i] - pa[i])
                    out[i, :, k] = _lagrange(np.array([u]))[:, 0]
            return
        full = self._full(kind, x, wx)
        for k in range(mu.size):
            below = pb <= tm[k]
            out[below, :, k] = full[below]
            i = int(np.searchsorted(pb, tm[k], side="right"))
            if i < len(self.panels) and pa[i] < tm[k]:
                out[i, :, k] = self._partial(pa[i], pb[i], pa[i], tm[k], kind, x, wx)

    def _full(self, kind: str, x: np.ndarray, wx: np.ndarray) -> np.ndarray:
        L = _lagrange(x)
        res = np.empty((len(self.panels), PANEL_NODES))
        for i, (pa, pb) in enumerate(self.panels):
            h = 0.5 * (pb - pa)
            th = 0.5 * (pa + pb) + h * x
            g = 2.0 * np.sin(th) * wx * h
            if kind == "wf":
                g = g * (-2.0 * np.cos(th) - self.mubar)
            res[i] = L @ g
        return res

    def _partial(self, pa: float, pb: float, a: float, b: float, kind: str,
                 x: np.ndarray, wx: np.ndarray) -> np.ndarray:
        h = 0.5 * (b - a)
        th = 0.5 * (a + b) + h * x
        g = 2.0 * np.sin(th) * wx * h
        if kind == "wf":
            g = g * (-2.0 * np.cos(th) - self.mubar)
        u = (2.0 * th - pa - pb) / (pb - pa)
        return _lagrange(u) @ g

    def _weights_hot(self, mu: np.ndarray, kind: str, out: np.ndarray) -> None:
        from .thermal import minus_df

        T = self.T
        m = PANEL_NODES + 16
        x, wx = _gauss(m)
        for i, (pa, pb) in enumerate(self.panels):
            pieces = max(1, math.ceil((pb - pa) / (0.5 * T)))
            edges = np.linspace(pa, pb, pieces + 1)
            h = 0.5 * np.diff(edges)[:, None]
            th = (0.5 * (edges[:-1] + edges[1:]))[:, None] + h * x[None, :]
            wq = (h * wx[None, :]).ravel()
            th = th.ravel()
            w = -2.0 * np.cos(th)
            g = 2.0 * np.sin(th) * wq
            e = w[:, None] - mu[None, :]
            if kind == "df":
                F = minus_df(e, T)
            else:
                F = _fermi(e, T)
                if kind == "wf":
                    F = F * (w - self.mubar)[:, None]
            u = (2.0 * th - pa - pb) / (pb - pa)
            out[i] = _lagrange(u) @ (g[:, None] * F)

    # -- currents ------------------------------------------------------------
    def currents(self, A: np.ndarray) -> np.ndarray:
        """``(1/2pi) sum_q sum_l' T_q,ll' (A_q,l - A_q,l')`` per node, shape ``(Q, K)``."""
        rows = self.Tq.sum(axis=2)
        return (rows * A - np.einsum("qab,qb->qa", self.Tq, A)) / (2.0 * math.pi)

    def jacobian(self, dA: np.ndarray) -> np.ndarray:
        """``dI_a/dmu_b`` over all baths, shape ``(K, K)``, from ``dA = weights(mu, "df")``."""
        rows = self.Tq.sum(axis=2)
        J = np.diag((rows * dA).sum(axis=0)) - np.einsum("qab,qb->ab", self.Tq, dA)
        return J / (2.0 * math.pi)
