r"""Thermally averaged linear response for hopping range ``r > 1`` and many baths (``T > 0``).

The probe equations ``I_U(x) = target_U`` with
``2 pi I_l(x) = sum_l' K_ll' (x_l - x_l')``, ``K = sum_q c_q T(w_q)``
(:mod:`.thermal`; conventions §4, Eq. B26 at first order) are solved by
preconditioned conjugate gradients on the potentials of the S, D and P
baths, as :mod:`.thermal_chain` does for ``r = 1``:

* the operator ``x -> I(x)`` is the sum over the quadrature energies of the
  block forward map (:meth:`.block.BlockStructure.currents`, the heat-free
  map of :mod:`._block_apply`, ``O(N r^3)`` per energy). Averaging ``T(w)``
  over energies destroys the rank structure the direct sweep uses, so
  there is no direct ``T > 0`` solve; the operator is symmetric positive
  definite on the unknowns (a grounded Laplacian), so CG applies;
* the structure at each energy (the recursive Green's functions,
  :class:`.block.BlockStructure`, about six forward maps' work to build) is
  built once and kept (:class:`EnergyStructures`): ``(80 r + 16)`` bytes
  per site per energy (``AL``, ``AR``, ``Gd``, ``GamL``, ``GamR`` complex
  ``r x r`` per block; ``gam``, ``dd``), 3.4 MB at ``N = 10^4``,
  ``r = 4``; 34 MB at ``N = 10^5``. Structures are kept up to
  ``CACHE_BYTES`` (1 GiB) in all — about 170-300 energies are used at
  ``T = 0.1``, so everything is kept up to ``N r ~ 4 10^4`` — and those
  beyond the cap are rebuilt at every product (the route before, same
  bits). A panel rule that is refined or rejected is dropped at once;
* the preconditioner is the ``T = 0`` block solve at ``w = mubar``
  (:meth:`.block.BlockStructure.sweep`), whose solution with the actual
  reservoirs is the starting point;
* the stopping rule and the per-panel quadrature check are those of
  :mod:`.thermal_cg` (the change of the currents when a panel's nodes
  are doubled, mapped to potentials by the preconditioner).

Cost ``O(iterations x n_energies x N r^3)`` plus ``O(n_energies x N r^3)``
for the structures: slower than the ``T = 0`` sweep, used for ``r > 1``,
``T > 0`` with more baths than the ``K x K`` route of
:mod:`~nonrecip.deterministic.quantum.general` takes.

Speed (benchmarks/bench_block_thermal.py, ``dimers``, long-range
``t k^-1``, ``T = 0.1``, both biases, the old route run in the same
process; a shared 2-core box at load 7-10): ``N = 2000``: ``r = 2`` 8.7 s
(old 13.8 s), ``r = 4`` 14.7 s (old 54 s); ``N = 10^4``, ``r = 2``: 49 s
(old 956 s: its CG restarted at every confirmation above ``tol``, the
floor there being 5e-12); ``r = 4``: 107 s with all 176 energies kept
(769 MiB; the old route not run: ~20 times longer at ``r = 2``). The
``r = 1`` route beside it: 1.2-1.6 s (``N = 2000``), 9.0 s (``N = 10^4``;
the issue's goal is 2 s), 114 s (``N = 10^5``). ``N = 10^5``, ``r = 2``:
821 s (load 9 falling to 2.6), 224 energies of 17.6 MB, 58 kept under
the cap and 4218 structures built in all (the rest rebuilt per product),
floor 8e-11 — at that size the route is slow and inaccurate both.

Measured (tests/test_block_accuracy.py, tests/test_quantum_block.py,
benchmarks/bench_block_thermal.py): the kept structures give the same bits
as rebuilding them; <= 1e-14 relative against the dense oracle at
``N <= 40``, ``r`` 2..5 and <= 2e-13 at ``N = 80``, ``T = 0.1``
(``tol = 1e-14``); against the same discrete problem (the route's own
quadrature rule) solved in extended precision (``numpy.longdouble``):
9e-16 of ``max |x|`` at ``N = 64``, ``r = 3``.

Accuracy at large ``N``: CG stops at the floor of its residual computed
with the double forward map (:mod:`.thermal_cg`), reported as
``info["floor"]`` — ~1e-13 of ``max |x|`` at ``N = 2000`` (``dimers``,
long-range ``r = 2, 4``), 5e-12 at ``N = 10^4`` (``r = 2``): above the
issue's 1e-12 there, faster than ``N eps`` (benchmark). For ``r = 1``
the true error, measured against a double-double residual, is larger
(1.6e-12 at ``N = 10^4`` where the floor says 4e-13; :mod:`.thermal_chain`)
and one step of refinement with that residual removes it; the block route
has no double-double forward map, so its large-``N`` error is expected to
exceed ``info["floor"]`` the same way (not measured). The floor is that of
the forward map: a probe's current is the difference of
the through-currents on its two sides, each computed from double-precision
coefficients (``AL``, ``Gd``, ``GamL``, ... at every energy) with a relative
rounding ``~ eps`` — carrying the streams differently (Hermitian, upper
triangle mirrored, :mod:`._block_apply`) halves the forward map's error at
``N = 120`` (22 against 43 eps, against extended precision) but leaves the
floor of the ``T = 0`` refinement (:mod:`.block`) where it was (~1e-12 at
``N = 10^4``, ~4e-12 at ``3 10^4``, both maps), and re-centring the scalar
streams of ``r = 1`` left that route's CG floor unchanged
(:mod:`.thermal_chain`); lowering it would need those coefficients beyond
double precision, not only the streams.
"""

from __future__ import annotations

import math

import numpy as np

from ...hamiltonian import Hamiltonian
from ...wire import QuantumParams, Wire
from .block import BlockStructure
from .state import QuantumState

__all__ = ["solve_block_thermal", "EnergyStructures", "CACHE_BYTES"]

M_MAX = 1024          # Gauss-Legendre nodes per panel at most
CACHE_BYTES = 1 << 30  # memory kept for the structures of all energies together (1 GiB)


def structure_bytes(n: int, r: int) -> int:
    """Bytes one :class:`.block.BlockStructure` of ``n`` sites in blocks of ``r`` keeps.

    ``AL``, ``AR``, ``Gd``, ``GamL``, ``GamR`` (``m r^2`` complex each, ``m = ceil(n/r)``)
    and ``gam``, ``dd`` (``m r`` reals each): ``(80 r + 16)`` bytes per site.
    """
    m = -(-n // r)
    return 5 * 16 * m * r * r + 2 * 8 * m * r


class EnergyStructures:
    """The block structures of the quadrature energies, each built once and kept while they fit.

    A structure (the recursive Green's functions of ``Z(w)``, :class:`.block.BlockStructure`)
    costs about twice a forward map to build; CG applies the operator at
    every energy once per iteration, so keeping them saves that rebuild.
    Energies are kept in the order first asked for until ``cap`` bytes are
    used (:func:`structure_bytes` each); the others are rebuilt at every
    product. ``cap = 0`` rebuilds every structure per product (the route
    before the cache; same kernels, same bits). :meth:`retire` drops the
    energies of a quadrature rule that is no longer used.
    """

    def __init__(self, gammas: np.ndarray, hamiltonian: Hamiltonian, cap: int = CACHE_BYTES) -> None:
        self.gammas, self.hamiltonian, self.cap = gammas, hamiltonian, int(cap)
        self.each = structure_bytes(hamiltonian.N, hamiltonian.range)
        self.kept: dict[float, BlockStructure] = {}
        self.built = 0          # structures built (kept or not)
        self.peak = 0           # most bytes kept at once

    def get(self, w: float) -> BlockStructure:
        """Return the structure at ``w`` (kept, or built and kept if it fits, or built)."""
        st = self.kept.get(w)
        if st is None:
            st = BlockStructure(w, self.gammas, self.hamiltonian)
            self.built += 1
            if (len(self.kept) + 1) * self.each <= self.cap:
                self.kept[w] = st
                self.peak = max(self.peak, len(self.kept) * self.each)
        return st

    def retire(self, ws: np.ndarray) -> None:
        """Forget the structures at the energies ``ws``."""
        for w in ws:
            self.kept.pop(float(w), None)

    def currents(self, ws: np.ndarray, cs: np.ndarray, x: np.ndarray,
                 heat: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``sum_q c_q (I, h)(w_q; x)`` and the density ``-sum_q c_q I(w_q)/Gam(w_q)`` (Eq. B50).

        Without ``heat`` only the currents are summed (``h``, ``dn`` are zero).
        """
        cur = np.zeros_like(x)
        dn = np.zeros_like(x)
        h = np.zeros_like(x)
        has = self.gammas > 0
        g2 = self.gammas[has] ** 2
        for w, c in zip(ws, cs, strict=True):
            st = self.get(float(w))
            if heat:
                i, hq = st.apply(x, heat=True)
                dn[:, has] -= c * i[:, has] / (g2 * math.sqrt(4.0 - w * w))
                h += c * hq
            else:
                i = st.currents(x)
            cur += c * i
        return cur, dn, h


def solve_block_thermal(wire: Wire, params: QuantumParams, hamiltonian: Hamiltonian, gammas: np.ndarray,
                        unknown: np.ndarray, target: np.ndarray, tol: float = 1e-13,
                        info: dict | None = None, cache_bytes: int = CACHE_BYTES,
                        ) -> tuple[QuantumState, QuantumState]:
    """Linear response at ``T > 0`` for any range (module docstring).

    Parameters
    ----------
    wire, params, hamiltonian
        Validated by :func:`.general.solve_linear_general`.
    gammas, unknown, target : ndarray, shape (N,)
        From :func:`.linear.probe_targets`.
    tol : float
        Relative accuracy of the potentials (CG and quadrature).
    info : dict, optional
        Filled with ``iterations`` (CG steps, both biases together),
        ``energies`` (quadrature nodes of the final rule), ``built``
        (structures built), ``kept_bytes`` (most memory they held at once)
        and ``floor`` (the error estimate of the true residual at the
        answer, relative to ``max |x|``; :mod:`.thermal_cg`), ``rule``
        (the final energies and weights).
    cache_bytes : int
        Memory for the per-energy structures (:class:`EnergyStructures`);
        0 rebuilds them at every product.

    Raises
    ------
    ConvergenceError
        CG or the quadrature did not converge.
    """
    from .general import _reservoirs, _states
    from .thermal_cg import solve_thermal_cg

    n = wire.N
    has = gammas > 0
    st0 = BlockStructure(params.mubar, gammas, hamiltonian)
    st0.factor(unknown)
    zero = np.zeros((2, n))
    structures = EnergyStructures(gammas, hamiltonian, cache_bytes)

    def precondition(r: np.ndarray) -> np.ndarray:
        return np.where(unknown[None], st0.sweep(r, zero), 0.0)

    x1 = _reservoirs(params)
    xfix = np.zeros((2, n))
    xfix[:, 0], xfix[:, -1] = x1, -x1
    x = np.where(has[None], st0.sweep(np.broadcast_to(target, (2, n)), xfix), 0.0)
    stats: dict = {}
    x, ws, cs, iters = solve_thermal_cg(params, x, unknown, target,
                                        lambda ws, cs, x: structures.currents(ws, cs, x)[0],
                                        precondition, tol, M_MAX, retire=structures.retire, stats=stats)
    cur, dn, heat = structures.currents(ws, cs, x, heat=True)
    if info is not None:
        info.update(iterations=iters, energies=int(ws.size), built=structures.built, kept_bytes=structures.peak,
                    floor=stats["floor"], rule=(ws, cs))
    return _states(params, has, target, x, cur[:, 0], dn, heat)
