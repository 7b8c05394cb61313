r"""Transmission operators of the nonlinear solve, for the uniform wire and any Hamiltonian.

The full Landauer-Buttiker currents (Eq. B22; conventions §4) are, on every
energy rule of :mod:`~nonrecip.deterministic.quantum.nonlinear`, :mod:`.nonlinear_panels` and
:mod:`.panels_stream`, sums over energies ``w_j`` of linear-response
currents ``(1/2pi) sum_l' T_ll'(w_j) (X_jl - X_jl')``. This module gives
those per-energy operators for the paper's wire (``hamiltonian=None``) and
for any :class:`~nonrecip.hamiltonian.Hamiltonian` ``H`` (``Z = w - H -
Sigma(w)``, the baths unchanged, so the band is still ``(-2, 2)``):

* uniform wire: the ``O(N)`` two-stream kernel of :mod:`.linear`
  (:class:`FastOps`) or dense ``T(w)`` (:class:`DenseOps`, the oracle);
* ``H`` of range ``r = 1`` (SSH, Anderson, Aubry-Andre, any ``eps_l``,
  ``t_l``): the same kernel on the structure of
  :func:`.general.chain_structure` (``G`` of a tridiagonal ``Z`` is
  semiseparable for any ``t_l``), ``O(N)`` per energy; the Newton-GMRES
  preconditioner is the two-stream solve at ``mubar`` with that structure;
* ``H`` of range ``r > 1`` with at most :data:`MAX_BATHS_KXK` baths: the
  ``K x K`` transmissions among the ``K`` baths from one banded LU of ``Z``
  per energy (:func:`.general.bath_transmission`, ``O(N r^2 + N r K)``),
  the exact Jacobian, Newton by LU (:class:`BathOps`; it stores ``K^2``
  numbers per energy, up to ~500 energies on a Chebyshev window);
* ``H`` of range ``r > 1`` with more baths (:func:`block_route`): the
  matrix-free block forward map of :mod:`.nonlinear_block`
  (:class:`.nonlinear_block.BlockOps`, ``O(N r^3)`` per energy, nothing
  stored per energy), Newton-GMRES preconditioned by the block
  linear-response solve at ``mubar``
  (:func:`.nonlinear_block.block_preconditioner`);
* ``method="dense"`` with any ``H``: :class:`BathOps` from the dense
  ``G = Z^{-1}`` (:func:`.general.green_dense_h`), the oracle.

On the band routes the same choice is made by :func:`panel_transmissions`
(``K x K`` rule of :mod:`.panels`) and :func:`stream_chain` (streaming
rule: its kernel recomputes the continued fractions of a tridiagonal ``H``
at every energy; for the block route, the block structure of
:class:`.nonlinear_block.BlockEngine`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ...hamiltonian import Hamiltonian
from ...wire import QuantumParams, Wire
from .energy_grid import EnergyGrid
from .greens import transmission_dense
from .linear import LinearStructure, linear_structure

__all__ = ["FastOps", "DenseOps", "BathOps", "make_ops", "check_route", "structure_at", "block_route",
           "panel_transmissions", "stream_chain", "linear_start", "MAX_BATHS_KXK"]

TWO_PI = 2.0 * math.pi
#: Most baths of the ``K x K`` route for ``r > 1`` (``K^2`` numbers per energy:
#: 0.5 MB at ``K = 256``, ~270 MB on a 513-energy Chebyshev window); more take
#: the matrix-free block route of :mod:`.nonlinear_block`.
MAX_BATHS_KXK = 256


def block_route(hamiltonian: Hamiltonian | None, gammas: np.ndarray, dense: bool) -> bool:
    """Whether the matrix-free block route serves: range ``r > 1``, more than :data:`MAX_BATHS_KXK` baths."""
    return (hamiltonian is not None and hamiltonian.range > 1 and not dense
            and int(np.count_nonzero(np.asarray(gammas) > 0)) > MAX_BATHS_KXK)


def structure_at(w: float, gammas: np.ndarray, hamiltonian: Hamiltonian | None) -> LinearStructure:
    """Two-stream structure at ``w``: the uniform wire's, or that of a range-1 ``H``."""
    if hamiltonian is None:
        return linear_structure(w, gammas)
    from .general import chain_structure

    return chain_structure(w, gammas, hamiltonian)


class FastOps:
    """Linear-response currents at each grid energy via the ``O(N)`` kernel of :mod:`.linear`."""

    def __init__(self, grid: EnergyGrid, gammas: np.ndarray, hamiltonian: Hamiltonian | None = None):
        self.st = [structure_at(float(w), gammas, hamiltonian) for w in grid.w]
        self.has = gammas > 0
        self.gam = np.array([s.gam for s in self.st])

    def apply(self, X: np.ndarray) -> np.ndarray:
        """``out[j, l] = (1/2pi) sum_l' T_ll'(w_j) (X[j, l] - X[j, l'])``; NaN off the baths."""
        from ._kernels import apply_kernel

        out = np.empty_like(X)
        for j, s in enumerate(self.st):
            apply_kernel(s.gam, s.gamL, s.fL, s.gamR, s.fR, s.den2, self.has,
                         np.ascontiguousarray(X[j]), out[j])
        return out


class DenseOps:
    """The same from dense ``T(w_j)`` matrices of the uniform wire (``O(n N^3)``; the oracle)."""

    def __init__(self, grid: EnergyGrid, gammas: np.ndarray):
        from .greens import broadening

        self.T = np.array([transmission_dense(float(w), gammas) for w in grid.w])
        self.has = gammas > 0
        self.gam = np.array([broadening(float(w), gammas) for w in grid.w])

    def apply(self, X: np.ndarray) -> np.ndarray:
        """As :meth:`FastOps.apply`."""
        out = np.empty_like(X)
        for j in range(X.shape[0]):
            x = X[j]
            out[j] = (self.T[j] * (x[:, None] - x[None, :])).sum(axis=1) / TWO_PI
        out[:, ~self.has] = np.nan
        return out

    def jacobian(self, dA: np.ndarray, U: np.ndarray) -> np.ndarray:
        """Dense ``dI_U/dmu_U``, shape ``(M, M)``."""
        Jm = np.zeros((U.size, U.size))
        for j in range(dA.shape[0]):
            TU = self.T[j][np.ix_(U, U)]
            Jm += np.diag(self.T[j][U].sum(axis=1) * dA[j, U]) - TU * dA[j, U][None, :]
        return Jm / TWO_PI


class BathOps:
    """``K x K`` transmissions among the baths of a general ``H`` at each grid energy.

    ``kind``: ``"banded"`` (banded LU of ``Z``, any range) or ``"dense"``
    (dense inverse, the oracle). Same interface as :class:`DenseOps` on
    arrays over all ``N`` sites.
    """

    def __init__(self, grid: EnergyGrid, gammas: np.ndarray, hamiltonian: Hamiltonian, kind: str):
        from .general import _diag_z, bath_transmission

        self.has = gammas > 0
        self.sites = np.flatnonzero(self.has)
        self.T = np.array([bath_transmission(float(w), gammas, hamiltonian, self.sites, kind) for w in grid.w])
        self.gam = np.array([_diag_z(float(w), gammas, hamiltonian)[1] for w in grid.w])

    def apply(self, X: np.ndarray) -> np.ndarray:
        """As :meth:`FastOps.apply`."""
        out = np.full_like(X, np.nan)
        xb = X[:, self.sites]
        rows = self.T.sum(axis=2)
        out[:, self.sites] = (rows * xb - np.einsum("jab,jb->ja", self.T, xb)) / TWO_PI
        return out

    def jacobian(self, dA: np.ndarray, U: np.ndarray) -> np.ndarray:
        """Exact ``dI_U/dmu_U`` of the quadrature, shape ``(M, M)`` (``U`` are bath sites)."""
        pos = np.searchsorted(self.sites, U)
        d = dA[:, U]
        TU = self.T[:, pos][:, :, pos]
        rows = self.T[:, pos].sum(axis=2)
        return (np.diag((rows * d).sum(axis=0)) - np.einsum("jab,jb->ab", TU, d)) / TWO_PI


def make_ops(grid: EnergyGrid, gammas: np.ndarray, hamiltonian: Hamiltonian | None, dense: bool):
    """Build the operators of ``grid`` for the route of the module docstring."""
    if hamiltonian is None:
        return DenseOps(grid, gammas) if dense else FastOps(grid, gammas)
    if dense:
        return BathOps(grid, gammas, hamiltonian, "dense")
    if hamiltonian.range == 1:
        return FastOps(grid, gammas, hamiltonian)
    if block_route(hamiltonian, gammas, dense):
        from .nonlinear_block import BlockOps

        return BlockOps(grid, gammas, hamiltonian)
    return BathOps(grid, gammas, hamiltonian, "banded")


def uses_lu(hamiltonian: Hamiltonian | None, dense: bool, gammas: np.ndarray | None = None) -> bool:
    """Whether the Newton step is an LU of the exact Jacobian (dense oracle or ``K x K`` route)."""
    if dense:
        return True
    return (hamiltonian is not None and hamiltonian.range > 1
            and not (gammas is not None and block_route(hamiltonian, gammas, dense)))


def check_route(wire: Wire, params: QuantumParams, hamiltonian: Hamiltonian | None,
                method: str) -> Hamiltonian | None:
    """Check ``hamiltonian`` against ``wire`` (before any work); every range and bath count is served."""
    if hamiltonian is None:
        return None
    from .general import check_hamiltonian

    return check_hamiltonian(wire, hamiltonian)


def panel_transmissions(gammas: np.ndarray, hamiltonian: Hamiltonian | None,
                        dense: bool) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None:
    """``ws -> (T (Q, K, K), Gam (Q, K))`` among the baths of ``H`` for :class:`.panels.PanelRule`.

    ``None`` for the uniform wire (the rule's own continued-fraction
    kernel). At a band edge ``Gam = 0`` and ``T = 0`` exactly (no LU).
    """
    if hamiltonian is None:
        return None
    from .general import _diag_z, bath_transmission

    g = np.asarray(gammas, dtype=float)
    sites = np.flatnonzero(g > 0)
    kind = "dense" if dense else "banded"

    def transmissions(ws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        T = np.zeros((ws.size, sites.size, sites.size))
        G = np.zeros((ws.size, sites.size))
        for q, w in enumerate(ws):
            if abs(float(w)) < 2.0:
                T[q] = bath_transmission(float(w), g, hamiltonian, sites, kind)
                G[q] = _diag_z(float(w), g, hamiltonian)[1][sites]
        return T, G

    return transmissions


def stream_chain(rule, hamiltonian: Hamiltonian | None) -> None:
    """Give a :class:`.panels_stream.StreamRule` the ``H`` it streams.

    Range 1: its on-site energies and hoppings (the rule's own kernel);
    range ``r > 1``: a :class:`.nonlinear_block.BlockEngine` (the block kernel).
    """
    if hamiltonian is None:
        return
    if hamiltonian.range > 1:
        from .nonlinear_block import BlockEngine

        rule.engine = BlockEngine(rule.gammas, hamiltonian)
        return
    n = hamiltonian.N
    rule.eps = np.ascontiguousarray(hamiltonian.onsite, dtype=float)
    rule.t2 = np.ascontiguousarray(hamiltonian.hopping[0, :max(n - 1, 1)] ** 2, dtype=float)


def linear_start(wire: Wire, params: QuantumParams, hamiltonian: Hamiltonian | None, dense: bool):
    """Linear response at ``T = 0`` of both biases: the Newton start (uniform or general ``H``)."""
    p0 = params.replace(temperature=0.0)
    if hamiltonian is None:
        from .linear import solve_linear

        return solve_linear(wire, p0, method="dense" if dense else "auto")
    from .general import solve_linear_general

    return solve_linear_general(wire, p0, hamiltonian, "dense" if dense else "auto")
