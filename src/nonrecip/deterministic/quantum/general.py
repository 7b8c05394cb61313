r"""Linear response of a wire with any :class:`~nonrecip.hamiltonian.Hamiltonian`, any ``T >= 0``.

The problem (conventions §4; Eq. B26 to first order, App. B2) is that of
:mod:`.linear` with ``Z = w - H - Sigma(w)`` for a general real banded
``H`` (range ``r``) and, at ``T > 0``, the thermally averaged transmission

    2 pi I_l = sum_l' K_ll' (x_l - x_l'),   K_ll' = int dw (-df/dw)(w - mubar) T_ll'(w)

(``K = T(mubar)`` at ``T = 0``; quadrature in :mod:`.thermal`). The S, D
and P baths have their potentials set so that ``I_l = +Ig, -Ig, 0``.

Methods (``method="auto"`` picks the first that applies)
---------------------------------------------------------
* the paper's wire (:meth:`Hamiltonian.is_uniform`) at ``T = 0``: today's
  direct solver, :func:`.linear.solve_linear_fast` (the fast path, same bits);
* ``r = 1`` at ``T = 0`` (SSH, Anderson, Aubry-Andre, any ``eps_l``,
  ``t_l``): the same two-stream solve in ``O(N)`` on the continued fractions
  of :mod:`._chain` — ``G`` of a tridiagonal ``Z`` is semiseparable for any
  ``t_l``, so the derivation of :mod:`.linear` holds word for word with
  ``fL_l = t_l^2 / |Z_ll - s^L_l|^2``; double-double sums as there;
* ``r = 1`` at ``T > 0``: preconditioned conjugate gradients on the
  potentials of the unknown baths. The operator ``x -> I(x)`` is the sum over
  quadrature energies of two-stream forward maps (``O(N)`` each, fused in
  :func:`._chain.thermal_apply_kernel`, ``O(N)`` memory); the
  preconditioner is the exact two-stream solve at ``w = mubar``. Both are
  symmetric positive definite on the unknowns (grounded Laplacians), so CG
  applies; it takes ~10-30 iterations when ``T_ll'(w)`` varies smoothly
  over the window. Cost ``O(iterations x n_energies x N)``;
* ``r > 1`` at ``T = 0`` with more than ``BLOCK_MIN_BATHS`` (128) baths:
  the block two-stream solve of :mod:`.block` — recursive Green's functions
  in blocks of ``r`` sites, the two streams carried as ``r x r`` Hermitian
  lesser self-energies, the probe equations eliminated in one forward sweep
  (an affine map ``r^2 -> r^2`` per cut) and one back substitution, then
  up to three steps of iterative refinement on a re-centred forward map.
  Cost ``O(N r^5)``, memory ``O(N r^3)``, whatever ``K`` (``dimers``,
  ``r = 4``, ``N = 10^5``: 0.73 s at load 2, 2.0 s at load 6.5 on 2 cores);
* ``r > 1`` at ``T > 0`` with more than ``BLOCK_MIN_BATHS`` baths:
  preconditioned conjugate gradients as for ``r = 1`` (above), the operator
  a sum over quadrature energies of block forward maps (``O(N r^3)`` each),
  the preconditioner the ``T = 0`` block solve at ``mubar``
  (:mod:`.block_thermal`). Cost ``O(iterations x n_energies x N r^3)``;
  ``dimers``, ``r = 4``, ``T = 0.1``: 5.6 s at ``N = 500`` and 19 s at
  ``N = 2000`` where the ``K x K`` route takes 30 s and 592 s;
* ``r > 1`` with at most ``BLOCK_MIN_BATHS`` baths (any ``T``): the ``K``
  columns of ``G`` at the ``K`` bath sites from one banded complex LU of
  ``Z`` (LAPACK ``zgbtrf``/``zgbtrs``; cost ``O(N r^2)`` to factor and
  ``O(N r)`` per column), the ``K x K`` matrix ``K_ll'`` and the probe
  system solved densely (LU, one refinement step). Cost
  ``O(n_energies N r K + K^3)``, memory ``O(K^2 + N r)``: fast for few
  baths (``single``, ``K = 4``: linear in ``N``; faster than the block
  solve below ~128 baths at any ``N``, and a little more accurate); it
  would refuse more than 6000 baths (``O(K^3)``), which the routing never
  gives it;
* ``method="dense"``: the oracle — ``G = Z^{-1}`` dense at every energy,
  ``O(n_energies N^3)``, the bond currents from the hopping currents
  themselves (below), the rest as for ``r > 1``.

At ``T > 0`` the number of Gauss-Legendre nodes of each panel of the
Fermi window is doubled (8, 16, ...) independently until the panel's
contribution changes by less than ``tol / n_panels`` — of the largest entry
of ``K`` (``K x K`` route) or of ``max |x|`` after mapping the change of the
currents by the preconditioner (CG route).

Accuracy (measured; tests/test_quantum_general.py)
--------------------------------------------------
Against the dense oracle at ``N <= 40``, random ``H`` up to range 5 and
random layouts: <= 1e-14 relative at ``T = 0`` and at ``T > 0`` (with
``tol = 1e-14``). At large ``N``: the ``r = 1``, ``T = 0`` route keeps
~1 ulp whatever ``N`` (double-double sums as in :mod:`.linear`; against
the same algorithm in 34-digit mpmath at ``N = 4000``: 4.4e-16 relative in
``I_1``, 8.9e-16 absolute in ``mu``); the CG route at ``T > 0`` stops at a
rounding floor ``~ N eps`` of ``max |x|`` (its residual is a difference of
potentials, see :mod:`.thermal_chain`); the ``K x K`` route loses what the
refined dense LU of a Laplacian loses (5e-14 at ``N = 1000``, ``r = 4``).
The block route (``r > 1``, ``T = 0``, many baths; :mod:`.block`): <= 3e-14
relative against the dense oracle at ``N <= 40``, ``r <= 5``; 1.4e-13 at
``N = 1000`` (``dimers``, ``r = 4``, where the ``K x K`` route has 7e-14);
against the ``K x K`` route, ``dimers``, ``r = 4``: 1.8e-13 (``N = 2000``),
5.7e-13 (``N = 4000``). At larger ``N`` its potentials carry a rounding
floor growing like ``N^1.5 eps`` of ``max |x|`` (3e-11 at ``N = 10^5``;
``I_1`` keeps ~4e-13): see :mod:`.block` for why.

Bond currents for ``r > 1``
---------------------------
``J_l`` is the current across the cut between sites ``l`` and ``l+1``: the
sum of the hopping currents ``J_ij`` over every pair ``i <= l < j``, with
(Eq. B19 for a hopping ``H_ij = -t_ij``)

    J_ij = (t_ij / pi) sum_l' Im(conj(G_il') G_jl') Gam_l' x_l'.

Current conservation makes it ``J_l = I_1 + sum_{1<j<=l} I_j`` for every
``r``; the fast methods use that, the dense oracle the sum of ``J_ij``.

Density and heat
----------------
``delta n_l`` (Eq. B50) is ``-(1/2pi) sum_l' K^n_ll' (x_l - x_l')`` with
``K^n`` the average of ``T_ll'(w) / Gam_l(w)`` (``= -I_l / Gam_l`` at
``T = 0``). ``h_l = (1/4pi) sum_l' K_ll' (x_l' - x_l)^2`` (Eq. B52 with the
thermally averaged transmission at ``T > 0``).
"""

from __future__ import annotations

import math

import numpy as np

from ...hamiltonian import Hamiltonian
from ...wire import Bias, ConvergenceError, ParameterError, QuantumParams, Wire
from .greens import check_in_band
from .linear import LinearStructure, check_potentials, probe_targets, solve_both_biases, solve_linear_fast
from .state import QuantumState
from .thermal import is_zero_temperature

__all__ = [
    "solve_linear_general",
    "chain_structure",
    "bath_transmission",
    "green_dense_h",
    "METHODS",
]

TWO_PI = 2.0 * math.pi
METHODS = ("auto", "fast", "dense")
M_START, M_MAX = 8, 1024
ACCEPT = 1e-10          # largest quadrature rounding floor accepted (relative)
MAX_BATHS = 6000        # K x K route: O(K^3) flops, O(K^2) memory (~1 min, 0.6 GB at the limit)
MAX_BATHS_DENSE = 3000  # the dense oracle also forms N x N matrices
BLOCK_MIN_BATHS = 128   # r > 1: the block routes above, the K x K route at or below (measured crossover at T = 0)


def check_hamiltonian(wire: Wire, hamiltonian: Hamiltonian | None) -> Hamiltonian:
    """Return the Hamiltonian to use for ``wire`` (``uniform`` if ``None``), checking ``N``."""
    if hamiltonian is None:
        return Hamiltonian.uniform(wire.N)
    if not isinstance(hamiltonian, Hamiltonian):
        raise ParameterError("hamiltonian", hamiltonian, "must be a nonrecip.hamiltonian.Hamiltonian")
    if hamiltonian.N != wire.N:
        raise ParameterError("hamiltonian", f"N = {hamiltonian.N}",
                             f"must have as many sites as the layout (N = {wire.N})")
    return hamiltonian


# --------------------------------------------------------------------------
# G and T at one energy
# --------------------------------------------------------------------------
def _diag_z(w: float, gammas: np.ndarray, hamiltonian: Hamiltonian) -> tuple[np.ndarray, np.ndarray]:
    """``Re Z_ll`` and ``Gam_l`` at ``w``: ``Z_ll = w - eps_l - Sigma_l(w)`` (Eq. B7)."""
    g2 = np.asarray(gammas, dtype=float) ** 2
    return w * (1.0 - 0.5 * g2) - hamiltonian.onsite, g2 * math.sqrt(4.0 - w * w)


def chain_structure(w: float, gammas: np.ndarray, hamiltonian: Hamiltonian) -> LinearStructure:
    """Compute the two-stream structure of a nearest-neighbour wire (``r = 1``) at ``w``, ``O(N)``."""
    from ._chain import chain_structure_kernel

    if hamiltonian.range != 1:
        raise ParameterError("hamiltonian", f"range {hamiltonian.range}", "the chain structure needs range 1")
    w = float(check_in_band(w, "mubar"))
    re_z, gam = _diag_z(w, gammas, hamiltonian)
    n = re_z.shape[0]
    t2 = np.ascontiguousarray(hamiltonian.hopping[0, :n - 1] ** 2)
    reL, gamL, fL, reR, gamR, fR, den2 = (np.empty(n) for _ in range(7))
    chain_structure_kernel(np.ascontiguousarray(re_z), gam, t2, reL, gamL, fL, reR, gamR, fR, den2)
    return LinearStructure(w, gam, gamL, gamR, fL, fR, den2)


def green_dense_h(w: float, gammas: np.ndarray, hamiltonian: Hamiltonian) -> np.ndarray:
    """``G(w) = [w - H - Sigma(w)]^{-1}``, dense ``N x N`` (the oracle, ``O(N^3)``)."""
    w = float(check_in_band(w))
    re_z, gam = _diag_z(w, gammas, hamiltonian)
    z = -hamiltonian.dense().astype(complex)
    np.fill_diagonal(z, re_z + 0.5j * gam)
    return np.linalg.inv(z)


def _green_columns_banded(w: float, gammas: np.ndarray, hamiltonian: Hamiltonian, cols: np.ndarray) -> np.ndarray:
    """Rows/columns ``G[cols][:, cols]`` by one banded LU of ``Z`` (``O(N r^2 + N r K)``)."""
    from scipy.linalg.lapack import zgbtrf, zgbtrs

    re_z, gam = _diag_z(w, gammas, hamiltonian)
    r, n = hamiltonian.range, hamiltonian.N
    ab = np.zeros((3 * r + 1, n), dtype=complex)  # LAPACK: A(i, j) at ab[2r + i - j, j]
    ab[2 * r] = re_z + 0.5j * gam
    for k in range(1, r + 1):
        t = hamiltonian.hopping[k - 1, :n - k]   # Z_{i,i+k} = Z_{i+k,i} = +t
        ab[2 * r - k, k:] = t
        ab[2 * r + k, :n - k] = t
    lu, piv, info = zgbtrf(ab, r, r, overwrite_ab=1)
    if info != 0:
        raise ParameterError("mubar", w, "w - H - Sigma(w) is singular at this energy (an uncoupled eigenstate)")
    out = np.empty((cols.size, cols.size), dtype=complex)
    chunk = max(1, int(4_000_000 // n))
    for s in range(0, cols.size, chunk):
        c = cols[s:s + chunk]
        rhs = np.zeros((n, c.size), dtype=complex)
        rhs[c, np.arange(c.size)] = 1.0
        x, info = zgbtrs(lu, r, r, rhs, piv, overwrite_b=1)
        out[:, s:s + chunk] = x[cols]
    return out


def bath_transmission(w: float, gammas: np.ndarray, hamiltonian: Hamiltonian, baths: np.ndarray,
                      method: str = "banded") -> np.ndarray:
    """``T_ll'(w) = Gam_l Gam_l' |G_ll'|^2`` among the bath sites ``baths`` (``K x K``).

    Symmetrised (``G`` is complex symmetric; the solvers make it so only to
    rounding), zero diagonal (Eq. B10). ``method``: ``"banded"`` (banded LU)
    or ``"dense"`` (full inverse).
    """
    if method == "dense":
        g = green_dense_h(w, gammas, hamiltonian)[np.ix_(baths, baths)]
    else:
        g = _green_columns_banded(w, gammas, hamiltonian, baths)
    gam = _diag_z(w, gammas, hamiltonian)[1][baths]
    t = (g.real**2 + g.imag**2) * gam[:, None] * gam[None, :]
    t = 0.5 * (t + t.T)
    np.fill_diagonal(t, 0.0)
    return t


def _bond_currents_dense(g: np.ndarray, gam: np.ndarray, hamiltonian: Hamiltonian, x: np.ndarray) -> np.ndarray:
    """``J_l`` across every cut from the hopping currents ``J_ij`` (module docstring)."""
    n = hamiltonian.N
    v = g * (gam * x)[None, :]                       # G_il' Gam_l' x_l'
    J = np.zeros(n - 1)
    for k in range(1, hamiltonian.range + 1):
        t = hamiltonian.hopping[k - 1, :n - k]
        jk = t / math.pi * np.imag(np.conj(g[:n - k]) * v[k:]).sum(axis=1)
        for s in range(k):
            J[s:n - k + s] += jk
    return J


# --------------------------------------------------------------------------
# the solvers
# --------------------------------------------------------------------------
def _reservoirs(params: QuantumParams) -> np.ndarray:
    h = params.dmu / 2.0
    return np.array([h, -h])          # x_1 under forward, reverse


def _states(params, has, target, x, I1, dn, heat) -> tuple[QuantumState, QuantumState]:
    """Assemble forward/reverse states; bath currents: targets, ``I_1``, ``I_N = -J_{N-1}``."""
    out = []
    q = np.cumsum(np.where(has, target, 0.0))[:-1]    # Q_l, zero at site 1
    for k, bias in enumerate((Bias.FORWARD, Bias.REVERSE)):
        J = I1[k] + q
        I = np.where(has, target, np.nan)
        I[0], I[-1] = I1[k], -J[-1]
        mu = np.where(has, params.mubar + x[k], np.nan)
        if not np.all(np.isfinite(mu[has])):
            raise ParameterError("hamiltonian", "probe system", "the probe equations are singular for these parameters")
        check_potentials(mu, params, bias)
        out.append(QuantumState(I_1=float(I1[k]), I_N=float(I[-1]), J=J, mu=mu, I=I,
                                dn=np.where(has, dn[k], np.nan), h=np.where(has, heat[k], np.nan)))
    return out[0], out[1]


def _solve_chain_t0(wire, params, hamiltonian, gammas, unknown, target):
    """``r = 1``, ``T = 0``: the two-stream solve of :mod:`.linear` on the general chain."""
    st = chain_structure(params.mubar, gammas, hamiltonian)
    has = gammas > 0
    mu, I, J, dn, heat, worst = solve_both_biases(st, has, unknown, target, _reservoirs(params))
    out = []
    for k, bias in enumerate((Bias.FORWARD, Bias.REVERSE)):
        if worst >= 0:
            if not np.all(np.isfinite(mu[k][has])):
                raise ParameterError("hamiltonian", "probe system", "the probe equations are singular for these parameters")
            check_potentials(mu[k], params, bias)
        out.append(QuantumState(I_1=float(I[k, 0]), I_N=float(I[k, -1]), J=J[k], mu=mu[k], I=I[k],
                                dn=dn[k], h=heat[k]))
    return out[0], out[1]


def _probe_solve(kmat, kdn, baths, unknown, target, x1):
    """Solve the ``K x K`` probe system for both biases (LU + one refinement step).

    Returns ``x`` ``(2, K)``, ``I_1`` ``(2,)``, ``dn`` ``(2, K)``, ``heat`` ``(2, K)``.
    """
    from scipy.linalg import lu_factor, lu_solve

    nk = baths.size
    u = np.flatnonzero(unknown[baths])
    c = np.array([0, nk - 1])
    x = np.zeros((2, nk))
    x[:, 0], x[:, -1] = x1, -x1

    def currents(v):
        return (kmat * (v[:, None] - v[None, :])).sum(axis=1) / TWO_PI

    if u.size:
        m = np.diag(kmat[u].sum(axis=1)) - kmat[np.ix_(u, u)]
        lu = lu_factor(m, check_finite=False)
        for k in range(2):
            b = TWO_PI * target[baths[u]] + kmat[np.ix_(u, c)] @ x[k, c]
            x[k, u] = lu_solve(lu, b, check_finite=False)
            res = TWO_PI * (target[baths[u]] - currents(x[k])[u])
            x[k, u] += lu_solve(lu, res, check_finite=False)
    I1 = np.array([currents(x[k])[0] for k in range(2)])
    dn = np.array([-(kdn * (x[k][:, None] - x[k][None, :])).sum(axis=1) / TWO_PI for k in range(2)])
    heat = np.array([(kmat * (x[k][None, :] - x[k][:, None]) ** 2).sum(axis=1) / (2.0 * TWO_PI) for k in range(2)])
    return x, I1, dn, heat


def _bath_matrices(ws, cs, hamiltonian, gammas, baths, kind):
    """``K = sum_q c_q T(w_q)`` and ``K^n`` (rows divided by ``Gam_l(w_q)``) among the baths."""
    g2 = gammas[baths] ** 2
    kmat = np.zeros((baths.size, baths.size))
    kdn = np.zeros_like(kmat)
    for w, c in zip(ws, cs, strict=True):
        t = bath_transmission(float(w), gammas, hamiltonian, baths, kind)
        kmat += c * t
        kdn += (c / (g2 * math.sqrt(4.0 - w * w)))[:, None] * t
    return kmat, kdn


def _thermal_rule(params, hamiltonian, gammas, baths, kind, tol):
    """Build the per-panel adaptive rule and ``K``, ``K^n`` on it.

    A panel's nodes are doubled until its ``K`` and ``K^n`` change by less
    than ``tol / n_panels`` of their largest entries, or until the change
    stops falling (rounding floor of the sums) below ``ACCEPT``.
    """
    from .thermal import fermi_panels, panel_rule

    mubar, temp = params.mubar, params.temperature
    panels = fermi_panels(mubar, temp)
    ms = [M_START] * len(panels)
    rules = [panel_rule(a, b, mubar, temp, M_START) for a, b in panels]
    mats = [_bath_matrices(w, c, hamiltonian, gammas, baths, kind) for w, c in rules]
    last = [math.inf] * len(panels)
    todo = list(range(len(panels)))
    while todo:
        k_scale = max(float(np.abs(sum(m[0] for m in mats)).max()), 1e-300)
        n_scale = max(float(np.abs(sum(m[1] for m in mats)).max()), 1e-300)
        left = []
        for k in todo:
            a, b = panels[k]
            fine_rule = panel_rule(a, b, mubar, temp, 2 * ms[k])
            fine = _bath_matrices(*fine_rule, hamiltonian, gammas, baths, kind)
            e = max(float(np.abs(fine[0] - mats[k][0]).max()) / k_scale,
                    float(np.abs(fine[1] - mats[k][1]).max()) / n_scale) * len(panels)
            if e <= tol or (e > 0.5 * last[k] and e <= ACCEPT):
                continue                   # converged, or at the rounding floor
            last[k] = e
            if ms[k] >= M_MAX:
                raise ConvergenceError(f"the energy quadrature did not converge with {ms[k]} nodes on the "
                                       f"panel {a:.6g} < w < {b:.6g} (T = {temp:g}); the transmission varies too fast")
            ms[k] *= 2
            rules[k], mats[k] = fine_rule, fine
            left.append(k)
        todo = left
    ws = np.concatenate([r[0] for r in rules])
    cs = np.concatenate([r[1] for r in rules])
    return sum(m[0] for m in mats), sum(m[1] for m in mats), ws, cs


def _solve_bath_matrix(wire, params, hamiltonian, gammas, unknown, target, kind, tol):
    """``r > 1`` or the dense oracle: the ``K x K`` route (per-panel adaptive quadrature at ``T > 0``)."""
    n = wire.N
    has = gammas > 0
    baths = np.flatnonzero(has)
    limit = MAX_BATHS_DENSE if kind == "dense" else MAX_BATHS
    if baths.size > limit:
        raise ParameterError(
            "layout", f"{baths.size} baths",
            f"at most {limit} baths with {'method=dense' if kind == 'dense' else 'the K x K route'}: "
            "its probe solve costs O(K^3); use method='auto' (the block routes for many baths) or fewer S/D/P sites")
    x1 = _reservoirs(params)
    if is_zero_temperature(params.temperature, params.mubar):
        ws, cs = np.array([params.mubar]), np.array([1.0])
        kmat, kdn = _bath_matrices(ws, cs, hamiltonian, gammas, baths, kind)
    else:
        kmat, kdn, ws, cs = _thermal_rule(params, hamiltonian, gammas, baths, kind, tol)
    sol = _probe_solve(kmat, kdn, baths, unknown, target, x1)
    xb, I1, dnb, heatb = sol
    x, dn, heat = np.zeros((2, n)), np.zeros((2, n)), np.zeros((2, n))
    x[:, baths], dn[:, baths], heat[:, baths] = xb, dnb, heatb
    fwd, rev = _states(params, has, target, x, I1, dn, heat)
    if kind != "dense":
        return fwd, rev
    # the oracle: bond currents from the hopping currents themselves
    Js = []
    for k in range(2):
        J = np.zeros(n - 1)
        for w, c in zip(ws, cs, strict=True):
            g = green_dense_h(float(w), gammas, hamiltonian)
            J += c * _bond_currents_dense(g, _diag_z(float(w), gammas, hamiltonian)[1], hamiltonian, x[k])
        Js.append(J)
    return tuple(_replace_J(s, J) for s, J in zip((fwd, rev), Js, strict=True))


def _replace_J(s: QuantumState, J: np.ndarray) -> QuantumState:
    I = s.I.copy()
    I[-1] = -J[-1]
    return QuantumState(I_1=s.I_1, I_N=float(I[-1]), J=J, mu=s.mu, I=I, dn=s.dn, h=s.h)


def solve_linear_general(wire: Wire, params: QuantumParams, hamiltonian: Hamiltonian | None = None,
                         method: str = "auto", tol: float = 1e-13) -> tuple[QuantumState, QuantumState]:
    """Linear response for any Hamiltonian and any ``T >= 0``, forward and reverse.

    Parameters
    ----------
    wire : Wire
        Any layout.
    params : QuantumParams
        ``gamma``, ``mubar``, ``dmu``, ``Ig``, ``gamma_contact``, ``temperature``.
    hamiltonian : Hamiltonian, optional
        The wire's Hamiltonian (``N`` must match); the paper's wire if ``None``.
    method : {"auto", "fast", "dense"}
        See the module docstring; ``"dense"`` is the ``O(N^3)`` oracle.
    tol : float
        At ``T > 0``: relative change of the potentials between two
        quadrature rules (and the CG tolerance) below which they are accepted.

    Returns
    -------
    forward, reverse : QuantumState
        As :func:`.linear.solve_linear_fast`.

    Raises
    ------
    ParameterError
        Bad input or a potential pushed out of the band.
    ConvergenceError
        The quadrature or the CG iteration did not converge.
    """
    if method not in METHODS:
        raise ParameterError("method", method, f"must be one of {', '.join(METHODS)}")
    hamiltonian = check_hamiltonian(wire, hamiltonian)
    gammas, unknown, target = probe_targets(wire, params)
    check_in_band(params.mubar, "mubar")
    if method == "dense":
        return _solve_bath_matrix(wire, params, hamiltonian, gammas, unknown, target, "dense", tol)
    if hamiltonian.range > 1:
        if np.count_nonzero(gammas > 0) > BLOCK_MIN_BATHS:
            if is_zero_temperature(params.temperature, params.mubar):
                from .block import solve_block_t0

                return solve_block_t0(wire, params, hamiltonian, gammas, unknown, target)
            from .block_thermal import solve_block_thermal

            return solve_block_thermal(wire, params, hamiltonian, gammas, unknown, target, tol)
        return _solve_bath_matrix(wire, params, hamiltonian, gammas, unknown, target, "banded", tol)
    if is_zero_temperature(params.temperature, params.mubar):
        if hamiltonian.is_uniform:
            return solve_linear_fast(wire, params)
        return _solve_chain_t0(wire, params, hamiltonian, gammas, unknown, target)
    from .thermal_chain import solve_chain_thermal

    return solve_chain_thermal(wire, params, hamiltonian, gammas, unknown, target, tol)

