"""Energy quadrature of the nonlinear solver: Fermi Gauss rules and the Chebyshev grid.

Every potential of the nonlinear problem (Eq. B22; conventions §4) lies in a
narrow window ``[a, b]`` on which ``T_ll'(w)`` is analytic. :class:`EnergyGrid`
interpolates ``T(w)`` at ``n`` Chebyshev-Lobatto energies of the window and
integrates each Lagrange polynomial against the Fermi function exactly:
in closed form at ``T = 0``, and at ``T > 0`` by the Gauss rules of
:func:`fermi_gauss_rule` for the weights ``f`` and ``-df/dz``. The solver that
uses them, and the error control over ``n``, is :mod:`nonrecip.deterministic.quantum.nonlinear`, which
re-exports :class:`EnergyGrid` and :func:`fermi_gauss_rule`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from numpy.polynomial import chebyshev as npc

__all__ = ["EnergyGrid", "fermi_gauss_rule", "FERMI_CUTOFF"]

#: Fermi tails beyond this many k_B T are below e^-40 ~ 4e-18 and dropped.
FERMI_CUTOFF = 40.0


def _next_n(n: int) -> int:
    """Return the next ``n`` of the refinement sequence 9, 13, 17, 25, 33, 49, 65, ... (odd, ratio ~ 1.4)."""
    m = n - 1
    p = 1 << (m.bit_length() - 1)  # largest power of two <= m
    return (3 * p // 2 if m < 3 * p // 2 else 2 * p) + 1


# --------------------------------------------------------------------------
# Gauss rules for the Fermi weights
# --------------------------------------------------------------------------
@lru_cache(maxsize=64)
def fermi_gauss_rule(kind: str, K: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss rule on ``[0, 40]`` for a Fermi weight, exact for polynomials of degree ``2K - 1``.

    Parameters
    ----------
    kind : {"f", "df"}
        ``"f"``: weight ``1/(e^z + 1)``; ``"df"``: weight
        ``f(1 - f) = 1/(4 cosh^2(z/2))`` (``-df/dz``).
    K : int
        Number of nodes.

    Returns
    -------
    z, w : ndarray, shape (K,)
        Nodes and weights.

    Notes
    -----
    The weight is truncated at ``z = FERMI_CUTOFF`` (40; beyond it the
    weight is below 4e-18), so that every node lies inside the energy
    window and no polynomial is evaluated outside it. Built by the
    discretised Stieltjes (Lanczos) procedure on a composite Gauss-Legendre
    discretisation of the truncated weight, then Golub-Welsch. Checked
    against the moments of the truncated weight (mpmath) in the tests.
    """
    x, wx = np.polynomial.legendre.leggauss(20)
    edges = np.linspace(0.0, FERMI_CUTOFF, 481)
    h = np.diff(edges)[:, None] / 2
    z = (edges[:-1, None] + h * (x[None, :] + 1)).ravel()
    if kind == "f":
        wt = 1.0 / (np.exp(z) + 1.0)
    elif kind == "df":
        wt = 0.25 / np.cosh(0.5 * z) ** 2
    else:  # pragma: no cover - internal
        raise ValueError(kind)
    wq = (h * wx[None, :]).ravel() * wt
    # Lanczos with full reorthogonalisation on the discrete measure
    Q = np.zeros((K + 1, z.size))
    alpha = np.zeros(K)
    beta = np.zeros(K)
    sw = np.sqrt(wq)
    q = sw / np.linalg.norm(sw)
    Q[0] = q
    for k in range(K):
        v = z * Q[k]
        alpha[k] = Q[k] @ v
        v -= alpha[k] * Q[k]
        if k:
            v -= beta[k - 1] * Q[k - 1]
        v -= Q[: k + 1].T @ (Q[: k + 1] @ v)
        beta[k] = np.linalg.norm(v)
        Q[k + 1] = v / beta[k]
    Jm = np.diag(alpha) + np.diag(beta[:-1], 1) + np.diag(beta[:-1], -1)
    nodes, vec = np.linalg.eigh(Jm)
    weights = wq.sum() * vec[0] ** 2
    return nodes, weights


# --------------------------------------------------------------------------
# the energy grid: Chebyshev-Lobatto interpolation of T(w) on [a, b]
# --------------------------------------------------------------------------
def _mulx(c: np.ndarray) -> np.ndarray:
    """Chebyshev coefficients (axis 0) of ``u * p(u)``."""
    out = np.zeros((c.shape[0] + 1,) + c.shape[1:])
    out[1] += c[0]
    for k in range(1, c.shape[0]):
        out[k + 1] += 0.5 * c[k]
        out[k - 1] += 0.5 * c[k]
    return out


@dataclass(frozen=True)
class EnergyGrid:
    """``n`` Chebyshev-Lobatto energies on ``[a, b]`` and the integration weights.

    Parameters
    ----------
    a, b : float
        The energy window, inside the band.
    n : int
        Number of interpolation points (``>= 3``).
    temperature : float
        ``T >= 0``.
    ref : float
        Reference energy of the antiderivatives (``mubar``); constants
        cancel in every current.
    """

    a: float
    b: float
    n: int
    temperature: float
    ref: float
    w: np.ndarray = field(init=False, repr=False)
    _C: np.ndarray = field(init=False, repr=False)
    _Cint: np.ndarray = field(init=False, repr=False)
    _Bint: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Build the energies ``w`` and the Chebyshev coefficients of the weights."""
        n = self.n
        k = np.arange(n)
        theta = np.pi * k / (n - 1)
        c, h = self.center, self.half
        object.__setattr__(self, "w", c + h * np.cos(theta))
        # ell_j(u) = sum_k C[k, j] T_k(u): discrete cosine transform of the
        # Lobatto data (exact interpolation)
        C = (2.0 / (n - 1)) * np.cos(np.outer(k, theta))
        C[:, 0] *= 0.5
        C[:, -1] *= 0.5
        C[0] *= 0.5
        C[-1] *= 0.5
        object.__setattr__(self, "_C", C)
        object.__setattr__(self, "_Cint", h * npc.chebint(C, axis=0))
        # (w - ref) ell_j(w) = ((c - ref) + h u) ell_j(u)
        mom = _mulx(C) * h
        mom[:-1] += (c - self.ref) * C
        object.__setattr__(self, "_Bint", h * npc.chebint(mom, axis=0))

    @property
    def center(self) -> float:
        """Midpoint ``(a + b) / 2`` of the window."""
        return 0.5 * (self.a + self.b)

    @property
    def half(self) -> float:
        """Half-width ``(b - a) / 2`` of the window."""
        return 0.5 * (self.b - self.a)

    def refined(self) -> EnergyGrid:
        """Return the next finer grid (about 1.4 times the points) on the same window."""
        return EnergyGrid(self.a, self.b, _next_n(self.n), self.temperature, self.ref)

    def covers(self, mu: np.ndarray) -> bool:
        """Tell whether every potential (and its Fermi tail) lies in the window."""
        m = FERMI_CUTOFF * self.temperature
        return bool(mu.min() - m >= self.a - 1e-14 and mu.max() + m <= self.b + 1e-14)

    def _val(self, coef: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """Values of the polynomials ``coef`` (Chebyshev, axis 0) at ``mu``, shape ``(n, len(mu))``."""
        u = (mu - self.center) / self.half
        Tv = np.empty((coef.shape[0], u.size))
        Tv[0] = 1.0
        if coef.shape[0] > 1:
            Tv[1] = u
        for k in range(2, coef.shape[0]):
            np.multiply(2.0 * u, Tv[k - 1], out=Tv[k])
            Tv[k] -= Tv[k - 2]
        return coef.T @ Tv

    @property
    def _K(self) -> int:
        # Gauss nodes for the Fermi smearing: exact for degree 2K - 1 >= n,
        # the degree of (w - ref) ell_j(w)
        return self.n // 2 + 1

    def _smear(self, coef: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """``T int_0^inf [p(mu + Tz) - p(mu - Tz)] f(z) dz`` for the polynomials ``coef`` (exact)."""
        T = self.temperature
        z, wz = fermi_gauss_rule("f", self._K)
        out = np.zeros((coef.shape[1], mu.size))
        for zq, wq in zip(z, wz, strict=True):  # nodes and weights of one rule
            out += (T * wq) * (self._val(coef, mu + T * zq) - self._val(coef, mu - T * zq))
        return out

    def weights(self, mu: np.ndarray) -> np.ndarray:
        """``A_j(mu) = int ell_j(w) f(w; mu) dw`` (up to a constant in ``mu``), shape ``(n, len(mu))``.

        ``T = 0``: ``int_{ref}^{mu} ell_j``, exact.
        """
        mu = np.asarray(mu, dtype=float)
        A = self._val(self._Cint, mu) - self._val(self._Cint, np.array([self.ref]))
        if self.temperature > 0.0:
            A += self._smear(self._C, mu)
        return A

    def dweights(self, mu: np.ndarray) -> np.ndarray:
        """``dA_j/dmu = int ell_j(w) (-df/dw) dw``, shape ``(n, len(mu))`` (``T = 0``: ``ell_j(mu)``)."""
        mu = np.asarray(mu, dtype=float)
        if self.temperature == 0.0:
            return self._val(self._C, mu)
        T = self.temperature
        z, wz = fermi_gauss_rule("df", self._K)
        dA = np.zeros((self.n, mu.size))
        for zq, wq in zip(z, wz, strict=True):  # nodes and weights of one rule
            dA += wq * (self._val(self._C, mu + T * zq) + self._val(self._C, mu - T * zq))
        return dA

    def moments(self, mu: np.ndarray) -> np.ndarray:
        """``B_j(mu) = int (w - ref) ell_j(w) f(w; mu) dw`` (up to a constant), ``(n, len(mu))``."""
        mu = np.asarray(mu, dtype=float)
        B = self._val(self._Bint, mu) - self._val(self._Bint, np.array([self.ref]))
        if self.temperature > 0.0:
            mom = _mulx(self._C) * self.half
            mom[:-1] += (self.center - self.ref) * self._C
            B += self._smear(mom, mu)
        return B
