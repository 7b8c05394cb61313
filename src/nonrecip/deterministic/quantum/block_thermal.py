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
route of :mod:`.general` takes.

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
from ...wire import ConvergenceError, QuantumParams, Wire
from .block import BlockStructure
from .state import QuantumState

__all__ = ["solve_block_thermal"]

MAX_CG = 400
STALL = 8         # CG iterations without halving the error: rounding floor reached
M_MAX = 1024      # Gauss-Legendre nodes per panel at most
ACCEPT = 1e-9     # largest rounding floor accepted (relative to max |x|)


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
    from .thermal import fermi_panels, panel_rule

    n = wire.N
    has = gammas > 0
    st0 = BlockStructure(params.mubar, gammas, hamiltonian)
    st0.factor(unknown)
    zero = np.zeros((2, n))

    def precondition(r: np.ndarray) -> np.ndarray:
        return np.where(unknown[None], st0.sweep(r, zero), 0.0)

    def residual(ws, cs, x):
        return np.where(unknown[None], target[None] - _currents(ws, cs, gammas, hamiltonian, x)[0], 0.0)

    def err(z, x):
        return float((np.abs(z).max(axis=1) / np.abs(x).max(axis=1)).max())

    x1 = _reservoirs(params)
    xfix = np.zeros((2, n))
    xfix[:, 0], xfix[:, -1] = x1, -x1
    x = np.where(has[None], st0.sweep(np.broadcast_to(target, (2, n)), xfix), 0.0)
    panels = fermi_panels(params.mubar, params.temperature)
    ms = [8] * len(panels)
    last = [math.inf] * len(panels)
    done = [False] * len(panels)
    rules = [panel_rule(a, b, params.mubar, params.temperature, 8) for a, b in panels]
    iters = 0
    while True:
        ws = np.concatenate([r[0] for r in rules])
        cs = np.concatenate([r[1] for r in rules])
        r = residual(ws, cs, x)
        z = precondition(r)
        p = z.copy()
        rz = (r * z).sum(axis=1, keepdims=True)
        best, since = math.inf, 0
        while True:
            e = err(z, x)
            if e <= 0.1 * tol or since > STALL:
                r = residual(ws, cs, x)          # confirm with the true residual
                z = precondition(r)
                floor = err(z, x)
                if floor <= tol or (since > STALL and floor <= ACCEPT):
                    break
                if since > STALL:
                    raise ConvergenceError(f"CG on the thermal probe equations stalled at a relative error "
                                           f"{floor:.3g} (T = {params.temperature:g})")
                p = z.copy()
                rz = (r * z).sum(axis=1, keepdims=True)
            if e < 0.5 * best:
                best, since = e, 0
            else:
                since += 1
            iters += 1
            if iters > MAX_CG:
                raise ConvergenceError(f"CG on the thermal probe equations did not converge in {MAX_CG} "
                                       f"iterations (relative error estimate {e:.3g}, T = {params.temperature:g})")
            ap = np.where(unknown[None], _currents(ws, cs, gammas, hamiltonian, p)[0], 0.0)
            pap = (p * ap).sum(axis=1, keepdims=True)
            alpha = np.divide(rz, pap, out=np.zeros_like(rz), where=pap != 0.0)
            x = x + alpha * p
            r = r - alpha * ap
            z = precondition(r)
            rz_new = (r * z).sum(axis=1, keepdims=True)
            beta = np.divide(rz_new, rz, out=np.zeros_like(rz), where=rz != 0.0)
            p = z + beta * p
            rz = rz_new
        bar = max(tol, 4.0 * floor) / len(panels)
        refine = False
        for k, (a, b) in enumerate(panels):
            if done[k]:
                continue
            fine = panel_rule(a, b, params.mubar, params.temperature, 2 * ms[k])
            d = (_currents(*fine, gammas, hamiltonian, x)[0]
                 - _currents(*rules[k], gammas, hamiltonian, x)[0])
            e = err(precondition(np.where(unknown[None], d, 0.0)), x)
            if e <= bar or (e > 0.5 * last[k] and e <= ACCEPT / len(panels)):
                done[k] = True
                continue
            if ms[k] >= M_MAX:
                raise ConvergenceError(f"the energy quadrature did not converge with {ms[k]} nodes on the "
                                       f"panel {a:.6g} < w < {b:.6g} (T = {params.temperature:g})")
            last[k] = e
            ms[k] *= 2
            rules[k] = fine
            refine = True
        if not refine:
            break
    if info is not None:
        info.update(iterations=iters, energies=int(ws.size))
    cur, dn, heat = _currents(ws, cs, gammas, hamiltonian, x, heat=True)
    return _states(params, has, target, x, cur[:, 0], dn, heat)
