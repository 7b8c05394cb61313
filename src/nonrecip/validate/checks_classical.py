"""Checks of the exact classical solve and the circuit against the paper.

Every reference comes from :mod:`nonrecip.paper.equations` (pure closed
forms); every value from the exact solvers
(:func:`~nonrecip.deterministic.classical.solve_classical`,
:func:`~nonrecip.deterministic.circuit.solve_circuit`). ``delta_I`` is always
compared with the *definition* ``|I_in(rev)| - |I_in(fwd)|`` applied to the
closed-form currents, and with the paper's delta_I formula only inside its
regime (forward current keeps its sign; conventions §1).

Tolerances
----------
Exact closed forms: ``abs_error <= EXACT_ULPS * N * eps * scale`` with
``scale = drho + Ig`` (the size of the currents and density deviations).
The solver evaluates O(N) cumulative sums of O(scale) terms and the closed
forms a handful of operations, so round-off grows at most like ``N eps
scale``; ``EXACT_ULPS = 64`` leaves room for the sums' constant factors and
still fails any mistake of one part in 1e13.

Approximate forms (Eq. 9 read with ``L = N - 1``, the continuum A36-A44):
The error is O(1/N) (conventions §5). The check asserts that the error, in units of
the drive ``drho + Ig/2``, decreases strictly along a doubling sequence of
N, and that its observed order between the two largest N is at most
``-ORDER_MIN = -0.8`` (i.e. it falls at least about as fast as 1/N).
"""

from __future__ import annotations

import math

import numpy as np

from ..deterministic.circuit import solve_circuit
from ..deterministic.classical import solve_classical
from ..paper.equations import circuit as EC
from ..paper.equations import classical as E
from ..paper.equations import general as G
from ..wire import CircuitParams, ClassicalParams, Wire
from .registry import Context, assertion, check, compare

EPS = np.finfo(float).eps
EXACT_ULPS = 64
ORDER_MIN = 0.8

#: (p, Ig, drho): a spread of p including p = 1 and small p, Ig below and
#: beyond the reversal of the forward current (where delta_I = 2 drho / D)
PARAMS = [(0.05, 0.03, 0.1), (0.5, 0.05, 0.1), (0.9, 0.02, 0.2), (1.0, 0.3, 0.1),
          (0.7, 1.5, 0.1), (0.3, 0.0, 0.25)]


def _tol(N: int, Ig: float, drho: float) -> float:
    return EXACT_ULPS * max(N, 4) * EPS * max(drho + Ig, 1e-300)


def _delta_from_def(i_fwd: float, i_rev: float) -> float:
    """Return the nonreciprocity by its definition (conventions §1)."""
    return abs(i_rev) - abs(i_fwd)


def _current_rows(res, ref_fwd, ref_rev, *, eq: str, pars: dict, tol: float, out_too: bool = True):
    rows = [compare(f"I_in forward ({eq})", res.forward.I_in, ref_fwd, tol=tol, metric="abs", parameters=pars),
            compare(f"I_in reverse ({eq})", res.reverse.I_in, ref_rev, tol=tol, metric="abs", parameters=pars)]
    if out_too:
        rows += [compare(f"I_out forward ({eq})", res.forward.I_out, ref_fwd, tol=tol, metric="abs",
                         parameters=pars),
                 compare(f"I_out reverse ({eq})", res.reverse.I_out, ref_rev, tol=tol, metric="abs",
                         parameters=pars)]
    rows.append(compare("delta_I vs definition on the closed-form currents", res.delta_I,
                        _delta_from_def(ref_fwd, ref_rev), tol=tol, metric="abs", parameters=pars,
                        note="|I_in(rev)| - |I_in(fwd)| with both currents from " + eq))
    return rows


def _max_err(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float))))


# --------------------------------------------------------------------------
# N = 4
# --------------------------------------------------------------------------
@check("classical.eq6", model="classical", equation="Eq. 6 / A14")
def check_eq6(ctx: Context):
    """Check the exact ``.SD.`` solve against Eq. 6.

    Exact solve of one dimer ``.SD.`` vs Eq. 6 (= A14), forward and reverse,
    and delta_I: the definition always, the paper's ``2(1-p)Ig/(3-2p)`` where
    the forward current keeps its sign. Exact: tolerance ``64 N eps (drho+Ig)``.
    """
    w = Wire(".SD.")
    for p, Ig, drho in PARAMS:
        pars = dict(layout=w.layout, p=p, Ig=Ig, drho=drho)
        res = solve_classical(w, ClassicalParams(p=p, Ig=Ig, drho=drho))
        tol = _tol(w.N, Ig, drho)
        yield from _current_rows(res, E.eq6_current(p, Ig, drho), E.eq6_current(p, Ig, drho, bias="reverse"),
                                 eq="Eq. 6", pars=pars, tol=tol)
        if Ig <= E.eq6_ig_reversal(p, drho):
            yield compare("delta_I vs 2(1-p)Ig/(3-2p) (regime: forward current keeps its sign)", res.delta_I,
                          E.eq6_delta_I(p, Ig), tol=tol, metric="abs", parameters=pars)
        else:
            yield compare("delta_I vs 2 drho/(3-2p) (beyond the reversal of the forward current)", res.delta_I,
                          2 * drho / (3 - 2 * p), tol=tol, metric="abs", parameters=pars,
                          note="conventions §1: the paper's form does not apply here")


@check("classical.a8_a15", model="classical", equation="A8-A13, A15")
def check_a8_a15(ctx: Context):
    """Check the exact ``.SD.`` densities against A8-A13 and A15.

    Exact densities of ``.SD.`` vs A8-A13 and the S-D bond current vs A15,
    both biases. Exact: tolerance ``64 N eps (drho+Ig)`` times ``1/p`` for the
    densities (they scale as 1/p).
    """
    w = Wire(".SD.")
    for p, Ig, drho in PARAMS:
        pars = dict(layout=w.layout, p=p, Ig=Ig, drho=drho, rho0=1.0)
        res = solve_classical(w, ClassicalParams(p=p, Ig=Ig, drho=drho, rho0=1.0))
        for bias in ("forward", "reverse"):
            st = res.state(bias)
            rp, rm = E.a8_a13_densities(p, Ig, drho, 1.0, bias=bias)
            tol = _tol(w.N, Ig, drho + 1.0) / p
            yield compare(f"max |rho+ - A8-A13| {bias}", _max_err(st.rho_plus, rp), 0.0, tol=tol, metric="abs",
                          parameters=pars)
            yield compare(f"max |rho- - A8-A13| {bias}", _max_err(st.rho_minus, rm), 0.0, tol=tol, metric="abs",
                          parameters=pars)
            yield compare(f"J(2) {bias} (A15)", st.J[1], E.a15_current(p, Ig, drho, bias=bias),
                          tol=_tol(w.N, Ig, drho), metric="abs", parameters=pars)


# --------------------------------------------------------------------------
# any layout, per-site p (not from the paper: derived here)
# --------------------------------------------------------------------------
@check("classical.general_profile", model="classical", equation="derived here (not the paper's): any layout, p_l")
def check_general_profile(ctx: Context):
    """Exact solve with random per-site ``p_l`` and layouts vs the derived closed form.

    The closed form ``I_in = +-drho/R - X``, ``delta_I = 2 sign(X)
    min(|X|, drho/R)`` (:mod:`nonrecip.paper.equations.general`, conventions
    §5). Exact: tolerance ``64 N eps`` relative to the scale ``drho/R +
    Ig (1/2 + sum_l w_l |nbar_l|)/R`` (the largest term of the sums; a
    ``delta_I`` that cancels is judged against it, not against itself).
    """
    rng = np.random.default_rng(ctx.seed + 5)
    sizes = ctx.pick([6, 12, 40], [6, 12, 40, 200, 2000])
    for N in sizes:
        for _ in range(2):
            layout = "." + "".join(rng.choice(list(".SDP"), N - 2)) + "."
            prof = rng.uniform(0.05, 1.0, N)
            Ig, drho = float(rng.uniform(0.0, 0.5)), float(rng.uniform(0.0, 0.3))
            w = Wire(layout)
            res = solve_classical(w, ClassicalParams(Ig=Ig, drho=drho, p_profile=prof))
            wl = np.where(w.scatterer, 1.0 - prof, 0.0)
            n = np.cumsum(w.injection)
            R = 1.0 + wl.sum()
            scale = drho / R + Ig * (0.5 * abs(n[-1]) + np.sum(wl * np.abs(n - 0.5 * w.injection))) / R
            tol = EXACT_ULPS * N * EPS * max(scale, 1e-300)
            pars = dict(layout=layout if N <= 12 else f"random N={N}", Ig=Ig, drho=drho,
                        p_min=float(prof.min()), p_max=float(prof.max()))
            for bias, st in (("forward", res.forward), ("reverse", res.reverse)):
                I_in, I_out = G.general_current(layout, prof, Ig, drho, bias=bias)
                yield compare(f"I_in {bias} (general closed form)", st.I_in, I_in, tol=tol, metric="abs",
                              parameters=pars)
                yield compare(f"I_out {bias} (general closed form)", st.I_out, I_out, tol=tol, metric="abs",
                              parameters=pars)
            yield compare("delta_I (2 sign(X) min(|X|, drho/R))", res.delta_I,
                          G.general_delta_I(layout, prof, Ig, drho), tol=2 * tol, metric="abs", parameters=pars,
                          note="not from the paper: derived here (conventions §5)")


# --------------------------------------------------------------------------
# dimers
# --------------------------------------------------------------------------
def _dimer_sizes(ctx: Context) -> list[int]:
    return ctx.pick([4, 6, 10, 50, 400], [4, 6, 8, 10, 20, 50, 100, 400, 2000, 10000])


@check("classical.eq8", model="classical", equation="Eq. 8, A22")
def check_eq8(ctx: Context):
    """Check the exact ``dimers`` solve against Eq. 8 and A22.

    Exact solve of ``dimers`` vs Eq. 8 (boundary and every inter-dimer bond)
    and A22 (every intra-dimer S->D bond), both biases, N from 4 to 400
    (10^4 in --full); delta_I vs the definition, and vs the paper's
    ``2(1-p)(N/2-1)Ig/D`` inside its regime. Exact: ``64 N eps (drho+Ig)``.
    """
    for N in _dimer_sizes(ctx):
        w = Wire.dimers(N)
        for p, Ig, drho in PARAMS:
            pars = dict(layout="dimers", N=N, p=p, Ig=Ig, drho=drho)
            res = solve_classical(w, ClassicalParams(p=p, Ig=Ig, drho=drho))
            tol = _tol(N, Ig, drho)
            yield from _current_rows(res, E.eq8_current(N, p, Ig, drho), E.eq8_current(N, p, Ig, drho, "reverse"),
                                     eq="Eq. 8", pars=pars, tol=tol)
            for bias in ("forward", "reverse"):
                J = res.state(bias).J
                yield compare(f"max |J(odd bonds) - Eq. 8| {bias}",
                              _max_err(J[0::2], E.eq8_current(N, p, Ig, drho, bias)), 0.0, tol=tol,
                              metric="abs", parameters=pars)
                yield compare(f"max |J(even bonds) - A22| {bias}",
                              _max_err(J[1::2], E.a22_intra_current(N, p, Ig, drho, bias)), 0.0, tol=tol,
                              metric="abs", parameters=pars)
            if Ig <= E.eq8_ig_reversal(N, p, drho):
                yield compare("delta_I vs 2(1-p)(N/2-1)Ig/D (regime: forward current keeps its sign)",
                              res.delta_I, E.eq8_delta_I(N, p, Ig), tol=tol, metric="abs", parameters=pars)


@check("classical.eq7_a16_a21", model="classical", equation="Eq. 7, A16-A21")
def check_eq7(ctx: Context):
    """Check the exact ``dimers`` densities against Eq. 7 and A16-A21.

    Exact densities of ``dimers`` vs Eq. 7 and A16-A21 (with A20, A21 at
    the ends), both biases. Exact: ``64 N eps (drho+Ig+rho0) / p``.
    """
    for N in _dimer_sizes(ctx)[:4]:
        w = Wire.dimers(N)
        for p, Ig, drho in PARAMS:
            rho0 = 0.7
            pars = dict(layout="dimers", N=N, p=p, Ig=Ig, drho=drho, rho0=rho0)
            res = solve_classical(w, ClassicalParams(p=p, Ig=Ig, drho=drho, rho0=rho0))
            tol = _tol(N, Ig, drho + rho0) / p
            for bias in ("forward", "reverse"):
                st = res.state(bias)
                for name, fn in (("Eq. 7", E.eq7_densities), ("A16-A21", E.a16_a21_densities)):
                    rp, rm = fn(N, p, Ig, drho, rho0, bias)
                    yield compare(f"max |rho+ - {name}| {bias}", _max_err(st.rho_plus, rp), 0.0, tol=tol,
                                  metric="abs", parameters=pars)
                    yield compare(f"max |rho- - {name}| {bias}", _max_err(st.rho_minus, rm), 0.0, tol=tol,
                                  metric="abs", parameters=pars)
                yield compare(f"rho-(1) {bias} (A20)", st.rho_minus[0], E.a20_rho_minus_1(N, p, Ig, drho, rho0, bias),
                              tol=tol, metric="abs", parameters=pars)
                yield compare(f"rho+(N) {bias} (A21)", st.rho_plus[-1], E.a21_rho_plus_N(N, p, Ig, drho, rho0, bias),
                              tol=tol, metric="abs", parameters=pars)


def _shrinking_rows(sizes, errors, *, what: str, pars: dict, order_min: float = ORDER_MIN):
    """Return rows asserting that errors shrink as N grows.

    Rows asserting that ``errors`` (over increasing ``sizes``) shrink, and
    at least like ``N^-order_min`` between the two largest sizes.
    """
    rows = []
    for i, (N, e) in enumerate(zip(sizes, errors, strict=False)):
        if i == 0:
            rows.append(assertion(f"{what}, N={N}", math.isfinite(e) and e > 0, value=e, parameters=pars,
                                  note="the first size of the sequence (approximation error > 0)"))
        else:
            rows.append(assertion(f"{what}, N={N} < N={sizes[i - 1]}", e < errors[i - 1], value=e,
                                  reference=errors[i - 1], parameters=pars,
                                  note="error must decrease as N grows (conventions §5: O(1/N))"))
    order = math.log(errors[-1] / errors[-2]) / math.log(sizes[-1] / sizes[-2])
    rows.append(assertion(f"{what}: observed order N={sizes[-2]}..{sizes[-1]}", order <= -order_min,
                          value=order, reference=-1.0, tolerance=-order_min, parameters=pars,
                          note=f"passes when the order is <= -{order_min} (falls at least ~ like 1/N)"))
    return rows


@check("classical.eq9", model="classical", equation="Eq. 9 (= A44)")
def check_eq9(ctx: Context):
    """Check Eq. 9: exact as corrected, approximate as printed.

    Eq. 9 read with ``L = N - 2`` is Eq. 8 (exact, ``64 N eps (drho+Ig)``);
    as printed (``L = N - 1``) it is an approximation whose error, in units of
    the drive ``drho + Ig/2``, must shrink along N = 4, 8, ..., at fixed p
    and at fixed ``L/l_c`` (the continuum limit), at least like 1/N.
    """
    Ig, drho = 0.05, 0.1
    for N in (4, 10, 50, 400):
        for p in (0.2, 0.9, 1.0):
            pars = dict(layout="dimers", N=N, p=p, Ig=Ig, drho=drho, L="N-2")
            res = solve_classical(Wire.dimers(N), ClassicalParams(p=p, Ig=Ig, drho=drho))
            for bias in ("forward", "reverse"):
                yield compare(f"I_in {bias} vs Eq. 9 with L = N-2", res.state(bias).I_in,
                              E.eq9_current(N, p, Ig, drho, L="exact", bias=bias), tol=_tol(N, Ig, drho),
                              metric="abs", parameters=pars)
    sizes = ctx.pick([4, 8, 16, 32, 64, 128], [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048])
    # fixed p
    p = 0.5
    errs = []
    for N in sizes:
        res = solve_classical(Wire.dimers(N), ClassicalParams(p=p, Ig=Ig, drho=drho))
        errs.append(abs(E.eq9_current(N, p, Ig, drho, L="printed") - res.forward.I_in) / (drho + Ig / 2))
    yield from _shrinking_rows(sizes, errs, what="|Eq. 9 (L=N-1) - exact| / (drho+Ig/2)",
                               pars=dict(layout="dimers", p=p, Ig=Ig, drho=drho))
    # fixed L/lc (continuum limit: a -> 0, p -> 1)
    u = 2.0
    errs = []
    for N in sizes:
        p = 1.0 - u / (N - 1)
        res = solve_classical(Wire.dimers(N), ClassicalParams(p=p, Ig=Ig, drho=drho))
        errs.append(abs(E.eq9_current(N, p, Ig, drho, L="printed") - res.forward.I_in) / (drho + Ig / 2))
    yield from _shrinking_rows(sizes, errs, what="|Eq. 9 (L=N-1) - exact| / (drho+Ig/2) at L/lc=2",
                               pars=dict(layout="dimers", L_over_lc=u, Ig=Ig, drho=drho))


@check("classical.a36_a44", model="classical", equation="A36-A44 (continuum)")
def check_continuum(ctx: Context):
    """Check the continuum limit A36-A44 against the lattice solution.

    Continuum limit of ``dimers`` (App. A4) at fixed ``L/l_c = 2``,
    ``L = (N-1) a``: the bulk densities A36-A39, the total densities
    A42-A43 and the bond currents must approach the exact lattice solution
    with an error (in units of ``drho + Ig/2``) shrinking at least like 1/N;
    A40, A41, A44 with the lattice identification ``L/l_c = (N-2)(1-p)``
    are exact (``64 N eps (drho+Ig+rho0)/p``).
    """
    Ig, drho, rho0, u = 0.05, 0.1, 1.0, 2.0
    sizes = ctx.pick([8, 16, 32, 64, 128, 256], [8, 16, 32, 64, 128, 256, 512, 1024, 2048])
    e_rho, e_tot, e_J = [], [], []
    for N in sizes:
        p = 1.0 - u / (N - 1)
        lc, L = 1.0 / (1.0 - p), float(N - 1)
        res = solve_classical(Wire.dimers(N), ClassicalParams(p=p, Ig=Ig, drho=drho, rho0=rho0))
        st = res.forward
        x = np.arange(1, N + 1, dtype=float)
        er, et, ej = 0.0, 0.0, 0.0
        for sub, sl, bond in (("odd", slice(2, N - 1, 2), slice(2, N - 2, 2)),
                              ("even", slice(1, N - 1, 2), slice(1, N - 1, 2))):
            rp, rm = E.a36_a39_densities(x[sl], L, lc, Ig, drho, rho0, sublattice=sub)
            er = max(er, _max_err(rp, st.rho_plus[sl]), _max_err(rm, st.rho_minus[sl]))
            tot = E.a42_a43_total_density(x[sl], L, lc, Ig, drho, rho0, sublattice=sub)
            et = max(et, _max_err(tot, st.rho_plus[sl] + st.rho_minus[sl]))
            Jc = E.a44_bond_current(x[bond], L, lc, Ig, drho, sublattice=sub)
            ej = max(ej, _max_err(Jc, st.J[bond]))
        scale = drho + Ig / 2
        e_rho.append(er / scale)
        e_tot.append(et / scale)
        e_J.append(ej / scale)
        if N == sizes[-1] or N == sizes[0]:
            Le = float(N - 2)
            pars = dict(layout="dimers", N=N, p=p, Ig=Ig, drho=drho, rho0=rho0, L="N-2")
            tol = _tol(N, Ig, drho + rho0) / p
            yield compare("rho-(1) vs A40 (L/lc = (N-2)(1-p))", st.rho_minus[0],
                          E.a40_rho_minus_left(Le, lc, Ig, drho, rho0), tol=tol, metric="abs", parameters=pars)
            yield compare("rho+(N) vs A41 (L/lc = (N-2)(1-p))", st.rho_plus[-1],
                          E.a41_rho_plus_right(Le, lc, Ig, drho, rho0), tol=tol, metric="abs", parameters=pars)
            yield compare("I_in vs A44 (L/lc = (N-2)(1-p))", st.I_in, E.a44_current(Le, lc, Ig, drho),
                          tol=_tol(N, Ig, drho), metric="abs", parameters=pars)
    pars = dict(layout="dimers", L_over_lc=u, Ig=Ig, drho=drho, rho0=rho0)
    yield from _shrinking_rows(sizes, e_rho, what="max bulk |rho - A36-A39| / (drho+Ig/2)", pars=pars)
    yield from _shrinking_rows(sizes, e_tot, what="max bulk |rho+ + rho- - A42-A43| / (drho+Ig/2)", pars=pars)
    yield from _shrinking_rows(sizes, e_J, what="max |J - A44 bond currents| / (drho+Ig/2)", pars=pars)


# --------------------------------------------------------------------------
# single S-D pair
# --------------------------------------------------------------------------
@check("classical.c19_c24", model="classical", equation="C19-C24")
def check_single(ctx: Context):
    """Check the exact ``single`` solve against C19-C24.

    Exact solve of ``single`` (S on 2, D on N-1; even and odd N) vs C23
    (boundary currents), C24 (every bond between S and D), C19-C22 (the
    densities, N-independent) and delta_I (definition; the paper's form in
    its regime). Exact: ``64 N eps (drho+Ig+rho0)/p``.
    """
    for N in ctx.pick([4, 5, 9, 40], [4, 5, 6, 9, 40, 401, 5000]):
        w = Wire.single(N)
        for p, Ig, drho in PARAMS:
            rho0 = 0.5
            pars = dict(layout="single", N=N, p=p, Ig=Ig, drho=drho, rho0=rho0)
            res = solve_classical(w, ClassicalParams(p=p, Ig=Ig, drho=drho, rho0=rho0))
            tol = _tol(N, Ig, drho)
            yield from _current_rows(res, E.c23_current(p, Ig, drho), E.c23_current(p, Ig, drho, "reverse"),
                                     eq="C23", pars=pars, tol=tol)
            if Ig <= E.eq6_ig_reversal(p, drho):
                yield compare("delta_I vs 2(1-p)Ig/(3-2p) (C23, regime: forward current keeps its sign)",
                              res.delta_I, E.c23_delta_I(p, Ig), tol=tol, metric="abs", parameters=pars)
            for bias in ("forward", "reverse"):
                st = res.state(bias)
                yield compare(f"max |J(S..D bonds) - C24| {bias}",
                              _max_err(st.J[1:N - 2], E.c24_current(p, Ig, drho, bias)), 0.0, tol=tol,
                              metric="abs", parameters=pars)
                rp, rm = E.c19_c22_densities(N, p, Ig, drho, rho0, bias)
                dtol = _tol(N, Ig, drho + rho0) / p
                yield compare(f"max |rho+ - C19-C22| {bias}", _max_err(st.rho_plus, rp), 0.0, tol=dtol,
                              metric="abs", parameters=pars)
                yield compare(f"max |rho- - C19-C22| {bias}", _max_err(st.rho_minus, rm), 0.0, tol=dtol,
                              metric="abs", parameters=pars)


# --------------------------------------------------------------------------
# circuit
# --------------------------------------------------------------------------
def _ctol(N: int, V: float, R: float, Ig: float) -> float:
    return EXACT_ULPS * max(N, 4) * EPS * (V / R + Ig)


@check("circuit.fig1", model="circuit", equation="Sec. I (Fig. 1a-c)")
def check_fig1(ctx: Context):
    """Check the Kirchhoff solve of the Fig. 1 circuits against Sec. I.

    Kirchhoff solve of the three circuits of Fig. 1 (``.SD.``, ``.SDDS.``,
    ``.SDSD.``) vs Sec. I: ``I_in = V/R - Ig/3``, ``V/R``, ``V/R - 2Ig/5``
    forward (``-(V/R + k Ig)`` reverse), ``I_out`` and delta_I (definition;
    ``2 k Ig`` in its regime). Exact: ``64 N eps (V/R + Ig)``.
    """
    for panel, lay in EC.FIG1_LAYOUTS.items():
        w = Wire(lay)
        for V, R, Ig in ((1.0, 1.0, 0.3), (2.0, 0.5, 1.0), (1.0, 2.0, 3.0), (0.5, 1.0, 0.0)):
            pars = dict(panel=panel, layout=lay, V=V, R=R, Ig=Ig)
            res = solve_circuit(w, CircuitParams(V=V, R=R, Ig=Ig))
            tol = _ctol(w.N, V, R, Ig)
            yield from _current_rows(res, EC.fig1_current(panel, V, R, Ig), EC.fig1_current(panel, V, R, Ig, "reverse"),
                                     eq=f"Fig. 1{panel}", pars=pars, tol=tol)
            if EC.fig1_current(panel, V, R, Ig) >= 0:
                yield compare("delta_I vs 2 k Ig (regime: forward current keeps its sign)", res.delta_I,
                              EC.fig1_delta_I(panel, Ig), tol=tol, metric="abs", parameters=pars)


@check("circuit.d1_d4", model="circuit", equation="D1-D4")
def check_d1_d4(ctx: Context):
    """Check the Kirchhoff solve of ``dimers`` circuits against App. D.

    Kirchhoff solve of ``dimers`` circuits vs App. D: boundary currents D1
    (and delta_I), node voltages D2, Joule heat per segment D3 and its
    average around every bulk node D4, both biases, N = 4..400 (10^4 in
    --full). Exact: ``64 N eps`` times the scale of the compared quantity.
    """
    for N in _dimer_sizes(ctx):
        w = Wire.dimers(N)
        for V, R, Ig in ((1.0, 1.0, 0.3), (0.2, 3.0, 0.5)):
            pars = dict(layout="dimers", N=N, V=V, R=R, Ig=Ig)
            res = solve_circuit(w, CircuitParams(V=V, R=R, Ig=Ig))
            tol = _ctol(N, V, R, Ig)
            yield from _current_rows(res, EC.d1_current(N, V, R, Ig), EC.d1_current(N, V, R, Ig, "reverse"),
                                     eq="D1", pars=pars, tol=tol)
            if V >= EC.d1_v_reversal(N, R, Ig):
                yield compare("delta_I vs Ig (N-2)/(N-1) (regime: forward current keeps its sign)", res.delta_I,
                              EC.d1_delta_I(N, Ig), tol=tol, metric="abs", parameters=pars)
            htol = tol * (V / R + Ig) * R
            for bias in ("forward", "reverse"):
                st = res.state(bias)
                yield compare(f"max |V(l) - D2| {bias}", _max_err(st.V, EC.d2_voltages(N, V, R, Ig, bias)), 0.0,
                              tol=tol * R, metric="abs", parameters=pars)
                yield compare(f"max |heat - D3| {bias}", _max_err(st.heat, EC.d3_heat(N, V, R, Ig, bias)), 0.0,
                              tol=htol, metric="abs", parameters=pars)
                node_avg = 0.5 * (st.heat[:-1] + st.heat[1:])
                yield compare(f"max |(h(l-1,l)+h(l,l+1))/2 - D4| over nodes 2..N-1 {bias}",
                              _max_err(node_avg, EC.d4_heat_bulk(N, V, R, Ig, bias)), 0.0, tol=htol,
                              metric="abs", parameters=pars)


# --------------------------------------------------------------------------
# circuit vs the p -> 0 limit of the classical model
# --------------------------------------------------------------------------
#: layouts whose every interior site carries S, D or P (the circuit limit holds)
P0_LAYOUTS = (".SD.", ".SDDS.", ".SDSD.", ".SDSDSDSD.", ".SPPD.", ".DSPSDSPD.")


@check("circuit.p0_limit", model="circuit vs classical", equation="Eq. 6 (p -> 0) = Sec. I")
def check_p0_limit(ctx: Context):
    """Check that the circuit is the ``p -> 0`` limit of the classical model.

    The circuit is the ``p -> 0`` limit of the classical model (Sec. II,
    below Eq. 6) once ``drho/(N-1) = V/R``, for layouts whose every interior
    site scatters (Fig. 1a-c, dimers, P sites): forward/reverse ``I_in``, every
    bond current and delta_I at p = 1e-3, 1e-6, 1e-9. The difference is
    linear in p; the tolerance ``p (V/R + N Ig)`` bounds ``|dI/dp|`` (each of
    the N-2 scatterers adds at most the largest bond current over the
    denominator ``1 + (N-2)(1-p) >= 1``). A layout with free interior sites
    (``.S..D.``) must NOT match: free classical sites carry no resistance,
    circuit segments do (difference > 1e-2 asserted).
    """
    V, R, Ig = 1.0, 1.0, 0.3
    for lay in P0_LAYOUTS:
        w = Wire(lay)
        N = w.N
        circ = solve_circuit(w, CircuitParams(V=V, R=R, Ig=Ig))
        for p in (1e-3, 1e-6, 1e-9):
            pars = dict(layout=lay, p=p, V=V, R=R, Ig=Ig, drho=(N - 1) * V / R)
            cl = solve_classical(w, ClassicalParams(p=p, Ig=Ig, drho=(N - 1) * V / R))
            tol = p * (V / R + N * Ig)
            for bias in ("forward", "reverse"):
                yield compare(f"I_in {bias}: classical(p) vs circuit", cl.state(bias).I_in,
                              circ.state(bias).I_in, tol=tol, metric="abs", parameters=pars)
                yield compare(f"max |J classical(p) - J circuit| {bias}",
                              _max_err(cl.state(bias).J, circ.state(bias).J), 0.0, tol=tol, metric="abs",
                              parameters=pars)
            yield compare("delta_I: classical(p) vs circuit", cl.delta_I, circ.delta_I, tol=tol, metric="abs",
                          parameters=pars)
    w = Wire(".S..D.")
    circ = solve_circuit(w, CircuitParams(V=V, R=R, Ig=Ig))
    cl = solve_classical(w, ClassicalParams(p=1e-9, Ig=Ig, drho=(w.N - 1) * V / R))
    diff = abs(cl.forward.I_in - circ.forward.I_in)
    yield assertion("free interior sites: classical(p->0) and circuit differ", diff > 1e-2, value=cl.forward.I_in,
                    reference=circ.forward.I_in, tolerance=1e-2,
                    parameters=dict(layout=w.layout, p=1e-9, V=V, R=R, Ig=Ig, drho=(w.N - 1) * V / R),
                    note="where the two models part: the correspondence needs a scatterer on every interior site")
