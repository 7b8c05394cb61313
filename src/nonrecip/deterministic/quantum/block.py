r"""Linear response at ``T = 0`` for hopping range ``r > 1``: the block two-stream solve.

The problem (conventions §4; Eq. B26 at first order, App. B2) is that of
:mod:`.linear` and :mod:`~nonrecip.deterministic.quantum.general`: with ``x_l = mu_l - mubar``

    2 pi I_l = sum_l' T_ll' (x_l - x_l'),   T_ll' = Gam_l Gam_l' |G_ll'|^2   (Eq. B10)

at ``w = mubar``, ``x`` fixed at the two contacts and ``I_l`` prescribed at
every S, D and P bath. Here ``H`` has range ``r``; this module solves the
probe equations directly in ``O(N r^5)`` time and ``O(N r^3)`` memory,
whatever the number of baths ``K`` (the ``K x K`` route of :mod:`~nonrecip.deterministic.quantum.general`
costs ``O(N r K + K^3)``).

Derivation
----------
**Lesser form.** By the Ward identity (B20),
``sum_l' Gam_l' |G_ll'|^2 = (G Gam G^dagger)_ll = -2 Im G_ll =: d_l``, so

    2 pi I_l / Gam_l = x_l d_l - (G S G^dagger)_ll,    S = diag(Gam_l x_l),

the "lesser" density of a source ``S``, linear in ``x``.

**Blocks.** Cut the wire into ``M = ceil(N/r)`` blocks of ``r`` consecutive
sites (the last padded with decoupled sites, ``Z_ll = 1``, no bath). A
hopping of range ``<= r`` couples only neighbouring blocks: ``Z`` is block
tridiagonal, ``A_b`` on the diagonal, ``B_b = Z[b, b+1]`` (real) and
``B_b^T`` off it. The recursive Green's functions from the left and from
the right (block continued fractions, the ``r x r`` analogue of the
``s^L``, ``s^R`` of :mod:`._chain`)

    gL_b = (A_b - SigL_b)^{-1},  SigL_{b+1} = B_b^T gL_b B_b;
    gR_b = (A_b - SigR_b)^{-1},  SigR_{b-1} = B_{b-1} gR_b B_{b-1}^T,

give ``G_bb = (A_b - SigL_b - SigR_b)^{-1}``, and the diagonal block of
``G S G^dagger`` is (Keldysh, the lesser self-energies of the two halves)

    (G S G^dagger)_bb = G_bb (S_b + PL_b + PR_b) G_bb^dagger,
    PL_{b+1} = aL_b (PL_b + S_b) aL_b^dagger,   aL_b = B_b^T gL_b,
    PR_{b-1} = aR_b (PR_b + S_b) aR_b^dagger,   aR_b = B_{b-1} gR_b,

``PL_0 = PR_{M-1} = 0``. ``PL_b``, ``PR_b`` are ``r x r`` Hermitian: the
two *streams* of :mod:`.linear` become matrices (``r^2`` reals each). For
``r = 1`` and ``x = 1``, ``PL = gamL``; in general ``PL_b = a gamL`` when
every bath left of ``b`` sits at the potential ``a`` (the weighted means
``a``, ``b`` of :mod:`.linear`). The broadenings ``GamL_b``, ``GamR_b``
(``PL``, ``PR`` for ``x = 1``) are propagated by the same congruences of
positive semidefinite sums, and ``d_l = (G_bb (Gam_b + GamL_b + GamR_b)
G_bb^dagger)_ll``, so nothing cancels in them (as in :mod:`._chain`).

**Elimination.** For ``r = 1`` current conservation closes the sweep with
one scalar (``I_1``); for ``r > 1`` the state crossing a cut is ``r^2``
dimensional and is carried instead as an affine map: given the right
stream ``PR_b`` entering block ``b``, the probe equations of the blocks
``<= b`` fix their potentials (the contact ``x_1`` grounds them), hence

    PL_{b+1} = W_b PR_b + w_b

with ``W_b`` a real ``r^2 x r^2`` map (Hermitian matrices packed as ``r^2``
reals, :mod:`._block_kernels`) independent of the drive, and ``w_b`` one
vector per bias. Step ``b``: with ``V = W_{b-1} o R_b``
(``R_b``: the congruence by ``aR_b``), ``PL_b = V (PR_b + S_b) + w_{b-1}``,
so the probe equations of the unknown baths ``p`` of block ``b`` read

    x_p d_p - phi_p [(1 + V)(S_b + PR_b) + w_{b-1}] = 2 pi I_p / Gam_p,
    phi_p(P) = (G_bb P G_bb^dagger)_pp,

a ``k_b x k_b`` system (``k_b <= r`` baths in the block; the grounded
Laplacian of the left part, nonsingular) whose solution is
``x_b = X_b PR_b + xi_b``. Substituting it into ``PL_{b+1} = L_b(PL_b + S_b)``
gives ``W_b``, ``w_b``. At the right end ``PR_{M-1} = 0`` and the back
substitution runs ``x_b = X_b PR_b + xi_b``,
``PR_{b-1} = aR_b (PR_b + S_b) aR_b^dagger``. The maps ``W_b``, ``X_b``
do not depend on the drive: they are built once
(:func:`._block_kernels.block_factor_kernel`, a few ``r^2 x r^2`` products
per block, ``O(r^6)``; ``O(N r^5)`` in all) and kept (``X_b`` and the
packed ``L_b``: memory ``O(N r^3)``), so that each further drive — the
two biases, each refinement step — costs ``O(N r^3)``
(:func:`._block_kernels.block_solve_kernel`). Every quantity carried is
a normalised one: the congruences by ``aL``, ``aR`` map the broadening
(or lesser self-energy) of a part of the wire to that of the next, which
stays bounded (a broadening seen through the hoppings), and the block
solves are grounded-Laplacian solves, bounded by the maximum principle
(potentials of probes are weighted means of the drives); no exponentially
growing or decaying generator ``G_ij`` is ever formed.

**Refinement and currents.** The equation ``x_l d_l - phi_l(...)`` cancels
``x ~ dmu`` against a weighted mean of nearby potentials; the bath
currents of the solution are therefore recomputed by a separate forward
map (:func:`._block_kernels.block_apply_kernel`) whose streams are carried
*re-centred* on a local reference potential (``P - c GamL``), so that its
terms are of the size of potential differences, and iterative refinement
(the sweep applied to the residual) is run: the sweep alone solves a
correction to a relative accuracy of only ~0.06 (``N = 10^4``) to ~0.3
(``N = 10^5``) — its maps ``W_b`` carry the rounding of the whole left part
— so up to ``MAX_REFINE = 3`` steps are taken, stopping early when a step
changes ``x`` by less than ``REFINE_TOL`` of ``max |x|`` or by more than
half the previous step (the rounding floor). The same re-centred
streams, with second moments, give the heat current (Eq. B52)
``h_l = (1/4pi) sum_l' T_ll' (x_l' - x_l)^2`` and ``delta n_l = -I_l/Gam_l``
(Eq. B50 at ``T = 0``); ``J_l = I_1 + Q_l`` by current conservation, as in
:mod:`~nonrecip.deterministic.quantum.general`.

Accuracy (measured; tests/test_quantum_block.py, benchmarks/bench_quantum_block.py)
-----------------------------------------------------------------------------------
Largest relative error over ``I_1``, ``I_N``, ``mu``, ``J``, ``I``, ``dn``,
``h`` (each field relative to its largest entry), both biases:

* against the dense oracle (``method="dense"``): <= 3e-14 on random
  layouts and random ``H`` of range 2..5 at ``N <= 40``; 1.4e-13 for
  ``dimers``, ``r = 4``, ``N = 1000`` (the ``K x K`` route: 7e-14 there);
* against the ``K x K`` route, ``dimers``, long-range ``r = 4``: 1.3e-13
  (``N = 1000``), 1.8e-13 (2000), 5.7e-13 (4000); random layouts
  ``N = 500, 600``, ``r = 5, 3``: <= 3e-14;
* the ``r = 1`` chain solver (correctly rounded) run in blocks of 1, 2 and
  3 sites: <= 1.2e-13 at ``N = 301``.

At large ``N`` there is no oracle; what holds is read off the refinement.
The forward map sums ``T_ll' (x_l - x_l')`` through the streams; in a
ballistic wire the transmission to far baths does not decay, so a stream
carries potentials up to ``dmu`` away from the local reference and its
rounding (``eps`` per block) persists along the wire; the residual it
leaves is mapped to the potentials through the probe Laplacian (condition
``~ (N/l_c)^2``). Further refinement steps move the potentials by
``~ 2.5e-13`` (``N = 4000``), ``4e-12`` (``3 10^4``) and ``3e-11``
(``10^5``) of ``max |x|`` (``x ~ dmu/2``; ``mu`` itself to ~2e-12 absolute
at ``N = 10^5``), about ``N^1.5 eps``, while ``I_1`` and ``I_N`` move by
<= 4e-13 relative at every ``N``. The ``r = 1`` solver reaches one ulp by
carrying its scalar streams in double-double arithmetic; doing the same
for the ``r x r`` streams is not implemented, and would not be enough
alone: carrying the streams with another rounding (the Hermitian
heat-free map :meth:`BlockStructure.currents`, whose error against an
extended-precision evaluation of Eq. B26 is half that of
:meth:`BlockStructure.apply` at ``N = 120``) leaves the refinement steps
where they were (1e-12 at ``N = 10^4``, 4e-12 at ``3 10^4``, steps 3-5),
and current conservation ``sum_l I_l = 0`` holds to the same relative
1e-12 .. 4e-12 of ``max |I|``. The floor is that of the coefficients: a
probe's current is the difference of the through-currents on its two
sides, each formed from ``AL``, ``Gd``, ``GamL``, ... rounded to double
at every block. Within ``1e-12`` relative (the issue's bar against the
dense solve) the potentials hold up to ``N ~ 10^4``, ``I_1`` and ``I_N``
at every ``N`` measured (to ``10^5``).

Speed: ``dimers``, ``r = 4``, both biases, three refinement steps, on a
shared 2-core box: 0.024 s at ``N = 4000`` and 0.73 s at ``N = 10^5`` at
load 2.0 (the ``K x K`` route: 0.96 s at ``N = 2000``, 13 s at 4000 under
load 6.5; the dense oracle 1.9 s at ``N = 1000``); 2.0 s at ``N = 10^5``
under load 6.5.
"""

from __future__ import annotations

import math

import numpy as np

from ...hamiltonian import Hamiltonian
from ...wire import ParameterError, QuantumParams, Wire
from .greens import check_in_band
from .state import QuantumState

__all__ = ["BlockStructure", "block_structure", "bath_currents_block", "solve_block_t0"]

TWO_PI = 2.0 * math.pi
MAX_REFINE = 3        # refinement steps at most (measured: 1-3 reach the floor up to N = 10^5)
REFINE_TOL = 1e-14    # relative change of x below which refinement stops


class BlockStructure:
    """Recursive Green's functions of ``Z(w)`` in blocks of ``r`` sites (module docstring).

    Attributes
    ----------
    n, r, m : int
        Sites, block size (the hopping range unless ``block`` is given; any
        size ``>= range`` is exact), blocks (``m r >= n``).
    gam : (m, r) float
        Bath broadenings (0 on padding sites).
    AL, AR, Gd, GamL, GamR : (m, r, r) complex
        See :func:`._block_kernels.block_structure_kernel`.
    dd : (m, r) float
        ``-2 Im G_ll``.
    """

    def __init__(self, w: float, gammas: np.ndarray, hamiltonian: Hamiltonian, block: int | None = None) -> None:
        from ._block_kernels import block_structure_kernel

        w = float(check_in_band(w, "mubar"))
        n, rh = hamiltonian.N, hamiltonian.range
        r = rh if block is None else int(block)
        if r < rh:
            raise ParameterError("block", block, f"the block size must be >= the hopping range {rh}")
        m = -(-n // r)
        npad = m * r
        g2 = np.asarray(gammas, dtype=float) ** 2
        gam = np.zeros(npad)
        gam[:n] = g2 * math.sqrt(4.0 - w * w)
        zd = np.ones(npad, dtype=complex)
        zd[:n] = w * (1.0 - 0.5 * g2) - hamiltonian.onsite + 0.5j * gam[:n]
        hp = np.zeros((r, npad))
        hp[:rh, :n] = hamiltonian.hopping        # Z_{i,i+k} = +t_{i,i+k}; zero beyond the range
        first = np.arange(m) * r
        ablk = np.zeros((m, r, r), dtype=complex)
        bblk = np.zeros((max(m - 1, 1), r, r))
        for p in range(r):
            ablk[:, p, p] = zd[first + p]
            for q in range(p + 1, r):
                t = hp[q - p - 1, first + p]
                ablk[:, p, q] = t
                ablk[:, q, p] = t
            for q in range(p + 1):               # Z[b r + p, (b+1) r + q], distance r + q - p <= r
                bblk[:m - 1, p, q] = hp[r + q - p - 1, first[:m - 1] + p]
        self.n, self.r, self.m, self.w = n, r, m, w
        self.gam = gam.reshape(m, r)
        self.AL, self.AR, self.Gd, self.GamL, self.GamR = (np.zeros((m, r, r), dtype=complex) for _ in range(5))
        self.dd = np.zeros((m, r))
        block_structure_kernel(ablk, bblk, self.gam, self.AL, self.AR, self.Gd, self.GamL, self.GamR, self.dd)
        if not (np.all(np.isfinite(self.Gd)) and np.all(np.isfinite(self.AL)) and np.all(np.isfinite(self.AR))):
            raise ParameterError("mubar", w, "w - H - Sigma(w) is singular at this energy in a part of the wire "
                                 "(an eigenstate of a block without broadening); use method='dense'")

    def blocks(self, v: np.ndarray) -> np.ndarray:
        """``(nb, N)`` site array -> ``(nb, m, r)`` block array (zero padded)."""
        v = np.atleast_2d(v)
        out = np.zeros((v.shape[0], self.m * self.r), dtype=v.dtype)
        out[:, :self.n] = v
        return out.reshape(v.shape[0], self.m, self.r)

    def sites(self, v: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`blocks`."""
        return v.reshape(v.shape[0], self.m * self.r)[:, :self.n]

    def apply(self, x: np.ndarray, heat: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Bath currents ``I`` and heat currents ``h`` (zero if not ``heat``) of potentials ``x`` ``(nb, N)``.

        Zero where there is no bath.
        """
        from ._block_kernels import block_apply_kernel

        xb = np.ascontiguousarray(self.blocks(np.asarray(x, dtype=float)))
        cur, h = np.zeros_like(xb), np.zeros_like(xb)
        block_apply_kernel(self.AL, self.AR, self.Gd, self.dd, self.GamL, self.GamR, self.gam, xb, heat, cur, h)
        return self.sites(cur), self.sites(h)

    def currents(self, x: np.ndarray) -> np.ndarray:
        """Bath currents ``I`` of potentials ``x`` ``(nb, N)`` (zero where there is no bath), no heat.

        The forward map of :meth:`apply` by :func:`._block_apply.block_currents_kernel`
        (about half the work; the same sum to rounding).
        """
        from ._block_apply import block_currents_kernel

        xb = np.ascontiguousarray(self.blocks(np.asarray(x, dtype=float)))
        cur = np.empty_like(xb)
        block_currents_kernel(self.AL, self.AR, self.Gd, self.dd, self.GamL, self.GamR, self.gam, xb, cur)
        return self.sites(cur)

    def factor(self, unknown: np.ndarray) -> None:
        """Run the drive-independent half of the sweep for the probe set ``unknown`` ``(N,)``."""
        from ._block_kernels import block_factor_kernel

        m, r = self.m, self.r
        d = r * r
        ub = np.ascontiguousarray(self.blocks(np.asarray(unknown, dtype=bool))[0])
        self.unknown = ub
        self.Xs, self.PHI, self.YC = (np.zeros((m, r, d)) for _ in range(3))
        self.MLs = np.zeros((m, d, d))
        self.MINV = np.zeros((m, r, r))
        block_factor_kernel(self.AL, self.AR, self.Gd, self.dd, self.gam, ub,
                            self.Xs, self.MLs, self.PHI, self.MINV, self.YC)
        if not (np.all(np.isfinite(self.MINV)) and np.all(np.isfinite(self.Xs))):
            raise ParameterError("layout", "probe system", "the probe equations are singular for these parameters")

    def sweep(self, current: np.ndarray, xfix: np.ndarray) -> np.ndarray:
        """Potentials ``(nb, N)`` carrying ``current`` ``(nb, N)`` at the unknown sites, ``xfix`` elsewhere.

        :meth:`factor` must have run.
        """
        from ._block_kernels import block_solve_kernel

        with np.errstate(divide="ignore", invalid="ignore"):
            rhs = np.where(self.unknown[None], TWO_PI * self.blocks(current) / self.gam[None], 0.0)
        xb = np.zeros_like(rhs)
        block_solve_kernel(self.AR, self.gam, self.unknown, self.Xs, self.MLs, self.PHI, self.MINV, self.YC,
                           np.ascontiguousarray(rhs),
                           np.ascontiguousarray(self.blocks(np.asarray(xfix, dtype=float))), xb)
        return self.sites(xb)


def block_structure(w: float, gammas: np.ndarray, hamiltonian: Hamiltonian,
                    block: int | None = None) -> BlockStructure:
    """Build the :class:`BlockStructure` of ``Z(w)``, ``O(N r^3)``."""
    return BlockStructure(w, gammas, hamiltonian, block)


def bath_currents_block(w: float, gammas: np.ndarray, hamiltonian: Hamiltonian, x: np.ndarray,
                        block: int | None = None) -> np.ndarray:
    """``I_l = (1/2pi) sum_l' T_ll'(w) (x_l - x_l')`` at every bath (NaN elsewhere), ``O(N r^3)``."""
    st = BlockStructure(w, gammas, hamiltonian, block)
    has = np.asarray(gammas) > 0
    cur = st.apply(np.where(has, np.asarray(x, dtype=float), 0.0)[None])[0][0]
    return np.where(has, cur, np.nan)


def solve_block_t0(wire: Wire, params: QuantumParams, hamiltonian: Hamiltonian, gammas: np.ndarray,
                   unknown: np.ndarray, target: np.ndarray, refine: int = MAX_REFINE, block: int | None = None,
                   ) -> tuple[QuantumState, QuantumState]:
    """Linear response at ``T = 0`` for any range, forward and reverse (module docstring).

    Parameters
    ----------
    wire, params, hamiltonian
        Validated by :func:`.general.solve_linear_general`.
    gammas, unknown, target : ndarray, shape (N,)
        From :func:`.linear.probe_targets`.
    refine : int
        Most steps of iterative refinement (the sweep applied to the
        residual currents of the re-centred forward map); it stops earlier
        once a step changes ``x`` by less than ``REFINE_TOL`` of ``max |x|``
        or by more than half the previous change (the rounding floor).
    block : int, optional
        Block size, ``>= hamiltonian.range`` (default: the range).

    Returns
    -------
    forward, reverse : QuantumState
    """
    from .general import _reservoirs, _states

    n = wire.N
    has = gammas > 0
    st = BlockStructure(params.mubar, gammas, hamiltonian, block)
    x1 = _reservoirs(params)
    xfix = np.zeros((2, n))
    xfix[:, 0], xfix[:, -1] = x1, -x1
    xfix[:, ~has] = 0.0
    tgt = np.broadcast_to(target, (2, n))
    st.factor(unknown)
    x = st.sweep(tgt, xfix)
    last = math.inf
    for _ in range(refine):
        cur = st.apply(x, heat=False)[0]
        dx = st.sweep(np.where(unknown[None], tgt - cur, 0.0), np.zeros((2, n)))
        x = x + dx
        change = float(np.abs(dx).max()) / max(float(np.abs(x).max()), 1e-300)
        if change <= REFINE_TOL or change > 0.5 * last:
            break          # converged, or at the rounding floor of the forward map
        last = change
    cur, heat = st.apply(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        dn = np.where(has[None], -cur / st.sites(st.gam[None].repeat(2, axis=0)), 0.0)
    return _states(params, has, target, x, cur[:, 0], dn, heat)
