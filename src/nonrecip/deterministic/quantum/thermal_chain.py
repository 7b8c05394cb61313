r"""Thermally averaged linear response of a nearest-neighbour wire (``r = 1``, ``T > 0``).

The probe equations ``I_U(x) = target_U`` with
``I_l(x) = (1/2pi) sum_l' K_ll' (x_l - x_l')`` and ``K = sum_q c_q T(w_q)``
(:mod:`.thermal`) are solved by preconditioned conjugate gradients on the
potentials ``x_U`` of the S, D and P baths (the contacts held fixed):

* the operator is symmetric positive definite on ``U`` (a Laplacian with
  the two contacts grounded: ``K`` is symmetric, non-negative and the wire is
  connected), and is applied in ``O(n_energies N)`` time and ``O(N)`` memory
  by :func:`._chain.thermal_apply_kernel`;
* the preconditioner is the exact inverse of the ``T = 0`` probe operator
  at ``w = mubar`` — the direct two-stream solve
  (:func:`._kernels.solve_kernel`), also SPD — whose solution with the
  actual reservoirs is the starting point. ``K`` is a weighted average of
  the ``T(w)`` it approximates, so the preconditioned spectrum is bounded by
  how much ``T_ll'(w)/T_ll'(mubar)`` varies over the Fermi window;
* the iteration stops when the preconditioned residual ``P^{-1} r`` (an
  estimate of the error of ``x``) is below ``tol`` times ``max |x|``, the
  residual recomputed from scratch at that point to confirm. The residual
  itself is a difference of potentials ``~ dmu`` whose local variations are
  ``~ dmu / N``, so it carries a rounding floor of ``~ N eps`` relative
  (measured, ``dimers``, SSH ``1/0.8``, ``T = 0.1``: 2e-14 at ``N = 10^3``,
  1e-13 at ``3 10^3``, 2-5e-13 at ``10^4``); when CG stops improving, or two
  confirmations by the true residual do not halve it (:mod:`.thermal_cg`),
  it accepts a floor up to 1e-9 and raises
  :class:`~nonrecip.wire.ConvergenceError` above. Carrying the weighted
  means re-centred on the last bath potential (so that every stream holds a
  potential difference) was tried and left these floors unchanged: they
  come from the difference of the through-currents on the two sides of a
  probe, each with the relative rounding of its double-precision
  coefficients, not from the streams;
* the floor above is that of the residual computed with the same double
  map; the potentials themselves are off by more: the double map is the
  exact map of a wire perturbed by ``~ eps`` in its continued fractions,
  and a probe's current is the difference of the through-currents on its
  two sides, so the perturbation is ``~ eps`` of the through-current at
  every bath, summed by the probe Laplacian. Against the same sum in
  double-double (:mod:`._chain_dd`, checked against ``numpy.longdouble``)
  the CG answer is off by ``max |P^{-1} r| / max |x|`` = 1.7e-14
  (``N = 10^3``), 7e-13 (``3 10^3``), 1.6e-12 (``10^4``) — the issue's
  bar of 1e-12 is crossed near ``N = 10^4``. ``refine=1`` runs one step of
  iterative refinement with that residual and the ``T = 0`` solve as the
  correction: 1.7e-14 -> 2e-16 (``N = 10^3``), 7e-13 -> 3e-15
  (``3 10^3``). It costs one double-double sweep over all energies, ~30
  double products (1.1 s against 0.04 s at ``N = 10^3``, 280 energies,
  loaded box), so it is not the default;
* speed (``dimers``, SSH, ``N = 10^4``, ``T = 0.1``): 55728 energy-products
  and 15-22 s (load 4) before the confirmation rule of :mod:`.thermal_cg`
  and the cached Gauss-Legendre nodes of :mod:`.thermal`; 14328 and 9 s at
  load 8.3 after (benchmarks/bench_block_thermal.py);
* the quadrature is checked panel by panel: the change of the currents of
  the accepted ``x`` when a panel's nodes are doubled, mapped by
  ``P^{-1}``; panels above ``tol max|x| / n_panels`` are doubled (those
  whose estimate stops falling are at the rounding floor and kept) and CG
  resumes from ``x``.
"""

from __future__ import annotations

import math

import numpy as np

from ...hamiltonian import Hamiltonian
from ...wire import QuantumParams, Wire
from .state import QuantumState

__all__ = ["solve_chain_thermal"]

M_MAX = 4096      # Gauss-Legendre nodes per panel at most


def solve_chain_thermal(wire: Wire, params: QuantumParams, hamiltonian: Hamiltonian, gammas: np.ndarray,
                        unknown: np.ndarray, target: np.ndarray, tol: float = 1e-13,
                        info: dict | None = None, refine: int = 0) -> tuple[QuantumState, QuantumState]:
    """Linear response at ``T > 0`` for a range-1 Hamiltonian (module docstring).

    Parameters
    ----------
    wire, params, hamiltonian
        Validated by :func:`.general.solve_linear_general`.
    gammas, unknown, target : ndarray, shape (N,)
        From :func:`.linear.probe_targets`.
    tol : float
        Relative accuracy of the potentials (CG and quadrature).
    info : dict, optional
        Filled with ``iterations``, ``energies`` and ``floor`` as
        :func:`.block_thermal.solve_block_thermal` does, and ``refine``:
        the error estimates ``max |P^{-1} r| / max |x|`` of the accurate
        residuals ``r`` evaluated (one per refinement step).
    refine : int
        Steps of iterative refinement after CG (module docstring): the
        residual in double-double (:mod:`._chain_dd`, ~20-30 times a
        double product over all energies), the correction ``P^{-1} r`` by
        the ``T = 0`` solve. A step whose accurate residual is not half the
        previous one is undone. 0 (default): none.
    """
    from ._chain import chain_structure_kernel, thermal_apply_kernel
    from ._kernels import heat_kernel, solve_kernel
    from .general import _reservoirs, _states, chain_structure
    from .thermal_cg import solve_thermal_cg

    n = wire.N
    has = gammas > 0
    g2 = np.ascontiguousarray(gammas**2)
    eps = np.ascontiguousarray(hamiltonian.onsite)
    t2 = np.ascontiguousarray(hamiltonian.hopping[0, :n - 1] ** 2)
    st0 = chain_structure(params.mubar, gammas, hamiltonian)
    zeros1 = np.zeros(1)

    def precondition(r: np.ndarray) -> np.ndarray:
        z = np.zeros_like(r)
        i1 = np.empty(1)
        J = np.empty((1, n - 1))
        for b in range(r.shape[0]):
            zb = np.zeros((1, n))
            solve_kernel(st0.gam, st0.gamL, st0.gamR, st0.den2, unknown, r[b], zeros1, zeros1, i1, zb, J)
            z[b] = np.where(unknown, zb[0], 0.0)
        return z

    def currents(ws, cs, x):
        out = np.empty_like(x)
        dn = np.empty_like(x)
        thermal_apply_kernel(ws, cs, g2, eps, t2, has, x, out, dn)
        return out, dn

    # start: the T = 0 solution at mubar with the actual reservoirs
    x1 = _reservoirs(params)
    x = np.zeros((2, n))
    i1 = np.empty(2)
    J0 = np.empty((2, n - 1))
    solve_kernel(st0.gam, st0.gamL, st0.gamR, st0.den2, unknown, target, x1, -x1, i1, x, J0)
    x = np.where(has[None, :], x, 0.0)

    stats: dict = {}
    x, ws, cs, iters = solve_thermal_cg(params, x, unknown, target, lambda ws, cs, x: currents(ws, cs, x)[0],
                                        precondition, tol, M_MAX, stats=stats)
    estimates: list[float] = []
    if refine > 0:
        from ._chain_dd import thermal_currents_dd_kernel

        gm = np.ascontiguousarray(gammas, dtype=float)
        hop = np.ascontiguousarray(hamiltonian.hopping[0, :n - 1])
        oh, ol = np.empty_like(x), np.empty_like(x)
        last = x
        for _ in range(refine):
            thermal_currents_dd_kernel(ws, cs, gm, eps, hop, has, x, oh, ol)
            z = precondition(np.where(unknown[None], (target[None] - oh) - ol, 0.0))
            e = float((np.abs(z).max(axis=1) / np.abs(x).max(axis=1)).max())
            if estimates and e > 0.5 * estimates[-1]:
                x = last                           # the step did not help: undo it
                break
            estimates.append(e)
            last, x = x, x + z
    if info is not None:
        info.update(iterations=iters, energies=int(ws.size), floor=stats["floor"], refine=estimates)
    cur, dn = currents(ws, cs, x)
    # heat (Eq. B52, thermally averaged): one structure per energy
    heat = np.zeros((2, n))
    hq = np.empty((2, n))
    reL, gamL, fL, reR, gamR, fR, den2 = (np.empty(n) for _ in range(7))
    for w, c in zip(ws, cs, strict=True):
        gam = g2 * math.sqrt(4.0 - w * w)
        re_z = np.ascontiguousarray(w * (1.0 - 0.5 * g2) - eps)
        chain_structure_kernel(re_z, gam, t2, reL, gamL, fL, reR, gamR, fR, den2)
        heat_kernel(gam, gamL, fL, gamR, fR, den2, has, x, hq)
        heat += c * np.where(has[None, :], hq, 0.0)
    return _states(params, has, target, x, cur[:, 0], dn, heat)
