r"""Thermally averaged linear response for hopping range ``r > 1`` and many baths (``T > 0``).

The probe equations ``I_U(x) = target_U`` with
``2 pi I_l(x) = sum_l' K_ll' (x_l - x_l')``, ``K = sum_q c_q T(w_q)``
(:mod:`.thermal`; conventions §4, Eq. B26 at first order) are solved by
preconditioned conjugate gradients on the potentials of the S, D and P
baths, as :mod:`.thermal_chain` does for ``r = 1``:

* the operator ``x -> I(x)`` is the sum over the quadrature energies of the
  block forward map (:meth:`.block.BlockStructure.apply`, ``O(N r^3)`` per
  energy; the structure at each energy is rebuilt per product, so memory
  stays ``O(N r^3)`` whatever the number of energies). Averaging ``T(w)``
  over energies destroys the rank structure the direct sweep uses, so
  there is no direct ``T > 0`` solve; the operator is symmetric positive
  definite on the unknowns (a grounded Laplacian), so CG applies;
* the preconditioner is the ``T = 0`` block solve at ``w = mubar``
  (:meth:`.block.BlockStructure.sweep`), whose solution with the actual
  reservoirs is the starting point;
* the stopping rule and the per-panel quadrature check are those of
  :mod:`.thermal_chain` (the change of the currents when a panel's nodes
  are doubled, mapped to potentials by the preconditioner).

Cost ``O(iterations x n_energies x N r^3)``: far slower than the ``T = 0``
sweep, used for ``r > 1``, ``T > 0`` with more baths than the ``K x K``
route of :mod:`~nonrecip.deterministic.quantum.general` takes.

Measured (tests/test_quantum_block.py, benchmarks/bench_quantum_block.py):
<= 1e-14 relative against the dense oracle at ``N <= 40``, ``r`` 2..5,
``T = 0.1`` (``tol = 1e-14``); 4e-14 against the ``K x K`` route at
``N = 500`` and 2e-13 at ``N = 2000`` (``dimers``, ``r = 4``, ``T = 0.1``),
5.6 s and 19 s against 30 s and 592 s for the ``K x K`` route.
"""

from __future__ import annotations

import math

import numpy as np

from ...hamiltonian import Hamiltonian
from ...wire import QuantumParams, Wire
from .block import BlockStructure
from .state import QuantumState

__all__ = ["solve_block_thermal"]

M_MAX = 1024      # Gauss-Legendre nodes per panel at most


def _currents(ws, cs, gammas, hamiltonian, x, heat=False):
    """``sum_q c_q (I, h)(w_q; x)`` and the density ``-sum_q c_q I(w_q)/Gam(w_q)`` (Eq. B50)."""
    cur = np.zeros_like(x)
    dn = np.zeros_like(x)
    h = np.zeros_like(x)
    has = gammas > 0
    g2 = gammas[has] ** 2
    for w, c in zip(ws, cs, strict=True):
        st = BlockStructure(float(w), gammas, hamiltonian)
        i, hq = st.apply(x, heat=heat)
        cur += c * i
        dn[:, has] -= c * i[:, has] / (g2 * math.sqrt(4.0 - w * w))
        if heat:
            h += c * hq
    return cur, dn, h


def solve_block_thermal(wire: Wire, params: QuantumParams, hamiltonian: Hamiltonian, gammas: np.ndarray,
                        unknown: np.ndarray, target: np.ndarray, tol: float = 1e-13,
                        info: dict | None = None) -> tuple[QuantumState, QuantumState]:
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
        Filled with ``iterations`` (CG steps, both biases together) and
        ``energies`` (quadrature nodes of the final rule).

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

    def precondition(r: np.ndarray) -> np.ndarray:
        return np.where(unknown[None], st0.sweep(r, zero), 0.0)

    x1 = _reservoirs(params)
    xfix = np.zeros((2, n))
    xfix[:, 0], xfix[:, -1] = x1, -x1
    x = np.where(has[None], st0.sweep(np.broadcast_to(target, (2, n)), xfix), 0.0)
    x, ws, cs, iters = solve_thermal_cg(params, x, unknown, target,
                                        lambda ws, cs, x: _currents(ws, cs, gammas, hamiltonian, x)[0],
                                        precondition, tol, M_MAX)
    if info is not None:
        info.update(iterations=iters, energies=int(ws.size))
    cur, dn, heat = _currents(ws, cs, gammas, hamiltonian, x, heat=True)
    return _states(params, has, target, x, cur[:, 0], dn, heat)
