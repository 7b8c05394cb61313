r"""Matrix-free nonlinear Landauer-Buttiker currents for hopping range ``r > 1`` and many baths.

On every energy rule of the nonlinear solve (the Chebyshev window of
:mod:`~nonrecip.deterministic.quantum.nonlinear`, the streaming band rule of :mod:`.panels_stream`) the
currents (Eq. B22; conventions §4) are sums over energies ``w_j`` of
linear-response currents

    I_l = sum_j (1/2pi) sum_l' T_ll'(w_j) (X_jl - X_jl'),

and so is the Jacobian-vector product of Newton-GMRES (``X_j = dA_j v``).
For a Hamiltonian of range ``r > 1`` each inner sum is computed here by the
block two-stream forward map of the linear-response solve (:mod:`.block`):
the recursive Green's functions of ``Z(w_j) = w_j - H - Sigma(w_j)`` in
blocks of ``r`` sites, the lesser self-energies of the two halves carried as
``r x r`` Hermitian streams, re-centred on a local potential so that every
term is of the size of potential differences
(:func:`._block_kernels.block_structure_kernel`,
:func:`._block_kernels.block_apply_kernel`). Cost ``O(N r^3)`` per energy
and right-hand side; memory ``O(N r)`` scratch, reused from energy to
energy (:func:`._nonlinear_block_kernels.block_stream_kernel`): nothing
``K x K`` and no per-energy structure is stored, whatever the number ``K``
of baths. This replaces the ``K x K`` bath transmissions of
:class:`.nonlinear_hamiltonian.BathOps` (``O(N r K)`` per energy, ``K^2``
numbers stored per energy) beyond :data:`.nonlinear_hamiltonian.MAX_BATHS_KXK`
baths.

The Newton step is GMRES on these products, preconditioned by the
linear-response probe solve at ``w = mubar`` — the ``T = 0`` block sweep of
:mod:`.block` (:meth:`.block.BlockStructure.factor` once, ``O(N r^5)``;
:meth:`.block.BlockStructure.sweep` per application, ``O(N r^3)``), the
analogue of the two-stream solve used for ``r = 1``
(:func:`block_preconditioner`). ``J = P + O(drive)``, so GMRES needs a
handful of iterations.

Every pass over a rule's energies recomputes the structure at each energy
(about 80% of a pass); :class:`BlockEngine` keeps the structures of the
last set of energies within :data:`STRUCTURE_BUDGET` bytes (all of them for
``N r Q`` up to ~1.2e6, e.g. ``N = 2000``, ``r = 2`` on a 330-energy band
rule), the same bits as recomputing them.

Accuracy and speed (measured; tests/test_nonlinear_block.py, benchmarks/bench_nonlinear_block.py)
-------------------------------------------------------------------------------------------------
Against the dense oracle, random ``H`` of range 2..4 (``N <= 40``, route
forced): potentials within 5e-12 at ``T = 0``, ``T = 0.01`` (window) and
``T = 0.1..0.3`` (stream); both solves stop at ``tol * max(Ig, Io)``
(``tol = 1e-10``) on quadratures that agree to that bound. ``dimers``,
long-range ``t k^-2``, ``mubar = 1``, ``dmu = 0.1``, ``T = 0``, ``N = 1000``:
2.7e-12 (``r = 2``) and 3e-14 (``r = 4``) from the dense oracle and the
``K x K`` route. Times, both biases, 2 shared cores at load 9-12:
``T = 0``: ``r = 2`` 0.28 s (``N = 10^3``; ``K x K`` 9.3 s, dense 63 s),
4.7 s (``10^4``), 104 s (``10^5``, load 9: the structures of 13
energies no longer all kept); ``r = 4`` 0.52 s (``10^3``; ``K x K`` 21 s, dense
116 s), 6.8 s (``10^4``). ``T = 0.1`` (stream, ~330 energies): ``r = 2``
3.1 s at ``N = 100`` (route forced; ``K x K`` band rule 28 s, dense 371 s,
potentials within 4e-15), 8.1 s (``10^3``), 348 s (``10^4``: most
structures no longer kept); ``r = 4`` 3.5 s (``100``; ``K x K`` 30 s,
dense 259 s), 16.5 s (``10^3``), 400 s (``10^4``). At ``T > 0`` the
``K x K`` band rule and the dense oracle refuse beyond ~100-200 baths
(:data:`.panels.MAX_ENTRIES`); where the ``K x K`` rule refuses, a
range ``r > 1`` wire now streams through the block kernel instead.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ...hamiltonian import Hamiltonian
from ...wire import ParameterError
from .energy_grid import EnergyGrid

__all__ = ["BlockEngine", "BlockOps", "block_preconditioner"]

TWO_PI = 2.0 * np.pi
#: Bytes of per-energy block structures one :class:`BlockEngine` keeps between
#: passes over the same energies (``80 N r`` bytes per energy): all of them
#: while ``N r Q <= 1.2 10^6``, the first ones otherwise, so memory stays
#: bounded whatever ``N`` and ``Q``; 0 keeps none (the results are the same
#: bits: a kept structure is the one the kernel would recompute).
STRUCTURE_BUDGET = 96 * 2**20


class BlockEngine:
    """The energy-independent pieces of ``Z(w)`` in blocks of ``r`` sites, and the streaming sum.

    Parameters
    ----------
    gammas : ndarray, shape (N,)
        Bath couplings (``> 0`` on the baths).
    hamiltonian : Hamiltonian
        Any range ``r`` (the block size).
    """

    def __init__(self, gammas: np.ndarray, hamiltonian: Hamiltonian) -> None:
        n, r = hamiltonian.N, hamiltonian.range
        m = -(-n // r)
        npad = m * r
        self.n, self.r, self.m = n, r, m
        g2 = np.zeros(npad)
        g2[:n] = np.asarray(gammas, dtype=float) ** 2
        eps = np.zeros(npad)
        eps[:n] = hamiltonian.onsite
        hp = np.zeros((r, npad))
        hp[:, :n] = hamiltonian.hopping          # Z_{i,i+k} = +t_{i,i+k}; zero beyond the wire
        first = np.arange(m) * r
        aoff = np.zeros((m, r, r))
        bblk = np.zeros((max(m - 1, 1), r, r))
        for p in range(r):
            for q in range(p + 1, r):
                t = hp[q - p - 1, first + p]
                aoff[:, p, q] = t
                aoff[:, q, p] = t
            for q in range(p + 1):               # Z[b r + p, (b+1) r + q], distance r + q - p <= r
                bblk[:m - 1, p, q] = hp[r + q - p - 1, first[:m - 1] + p]
        sites = np.flatnonzero(g2[:n] > 0)
        bidx = np.full(npad, -1, dtype=np.int64)
        bidx[sites] = np.arange(sites.size)
        self.sites = sites
        self.g2 = g2.reshape(m, r)
        self.eps = eps.reshape(m, r)
        self.aoff, self.bblk = aoff, bblk
        self.bidx = bidx.reshape(m, r)
        self._key = b""
        self._st = np.empty((0, 5, m, r, r), dtype=complex)
        self._dd = np.empty((0, m, r))
        self._filled = False

    def _cache(self, ws: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """Structure cache for the energies ``ws``: arrays for the first ``C`` energies, and whether filled.

        Kept for the last set of energies (a rule's energies are evaluated
        again at every Newton and GMRES step), within
        :data:`STRUCTURE_BUDGET` bytes; a new set replaces it.
        """
        m, r = self.m, self.r
        per = 5 * m * r * r * 16 + m * r * 8
        c = min(ws.size, STRUCTURE_BUDGET // per)
        if c == 0:
            return np.empty((0, 5, m, r, r), dtype=complex), np.empty((0, m, r)), True
        key = ws.tobytes()
        if key != self._key:
            self._key = key
            self._st = np.empty((c, 5, m, r, r), dtype=complex)
            self._dd = np.empty((c, m, r))
            self._filled = False
        return self._st, self._dd, self._filled

    def run(self, ws: np.ndarray, X: np.ndarray, S: np.ndarray | None = None,
            per_node: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Currents and density deviations of bath potentials ``X`` ``(B, Q, K)`` at energies ``ws``.

        As :meth:`.panels_stream.StreamRule.run`: ``(out, dn)`` of shape
        ``(B, Q, K)`` (``per_node``) or ``(B, 1, K)`` (summed over energies).
        """
        from ._nonlinear_block_kernels import block_stream_kernel

        X = np.ascontiguousarray(X, dtype=float)
        ws = np.ascontiguousarray(ws, dtype=float)
        nb, nq, K = X.shape
        S = np.ones((nb, K)) if S is None else np.ascontiguousarray(S, dtype=float)
        out = np.zeros((nb, nq if per_node else 1, K))
        dn = np.zeros_like(out)
        cache, cdd, filled = self._cache(ws)
        block_stream_kernel(ws, self.n, self.g2, self.eps, self.aoff, self.bblk, self.bidx, X, S, per_node,
                            cache, cdd, filled, out, dn)
        self._filled = True
        if not np.all(np.isfinite(out)):
            raise ParameterError("hamiltonian", f"range {self.r}",
                                 "w - H - Sigma(w) is singular at an energy of the quadrature in a part of the "
                                 "wire (an eigenstate of a block without broadening); use method='dense'")
        return out, dn


class BlockOps:
    """Linear-response currents at each grid energy by the block forward map (same interface as ``FastOps``).

    Nothing is stored per energy: every :meth:`apply` rebuilds the block
    structure at each energy of ``grid`` (``O(N r^3)`` each).
    """

    def __init__(self, grid: EnergyGrid, gammas: np.ndarray, hamiltonian: Hamiltonian) -> None:
        self.w = np.asarray(grid.w, dtype=float)
        self.engine = BlockEngine(gammas, hamiltonian)
        self.has = np.asarray(gammas) > 0
        self.g2 = np.asarray(gammas, dtype=float) ** 2

    @property
    def gam(self) -> np.ndarray:
        """Bath broadenings ``Gam_l(w_j) = gamma_l^2 sqrt(4 - w_j^2)``, shape ``(n, N)``."""
        return self.g2[None, :] * np.sqrt(np.maximum(4.0 - self.w ** 2, 0.0))[:, None]

    def apply(self, X: np.ndarray) -> np.ndarray:
        """``out[j, l] = (1/2pi) sum_l' T_ll'(w_j) (X[j, l] - X[j, l'])``; NaN off the baths."""
        sites = self.engine.sites
        cur = self.engine.run(self.w, np.asarray(X, dtype=float)[None][:, :, sites], per_node=True)[0][0]
        out = np.full(np.shape(X), np.nan)
        out[:, sites] = cur
        return out


def block_preconditioner(wire_n: int, mubar: float, gammas: np.ndarray, hamiltonian: Hamiltonian,
                         unknown: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """``r ->`` the potentials of the unknown baths carrying currents ``r`` in linear response at ``mubar``.

    The probe matrix at ``w = mubar`` (contacts grounded) solved by the
    block sweep of :mod:`.block`: factor once, ``O(N r^3)`` per solve.
    """
    from .block import BlockStructure

    st = BlockStructure(mubar, gammas, hamiltonian)
    st.factor(unknown)
    U = np.flatnonzero(unknown)
    zero = np.zeros((1, wire_n))

    def solve(r: np.ndarray) -> np.ndarray:
        tgt = np.zeros((1, wire_n))
        tgt[0, U] = r
        return st.sweep(tgt, zero)[0, U]

    return solve
