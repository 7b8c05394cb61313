"""Checks of the quantum NEGF solve (``solve_quantum``) against the paper.

Tolerances
----------
Exact statements (linear response is a linear solve; the closed forms
B28-B33, C3-C13 are exact for their layouts): ``rel_error <= QTOL = 1e-9``
on potentials and currents of size ``dmu`` and ``Ig``, or ``abs_error <=
QTOL * scale`` where the reference is zero. The O(N) solver is accurate to a
few ulps (its own tests: 1e-12 against mpmath); 1e-9 leaves room for the
closed forms' own cancellations (``D(mubar)``, ``det Z``) and still fails any
real mistake.

Approximate statements (Eqs. 19-21: bulk, ``N >> l_c``) are judged by the
error shrinking as N grows, as conventions §5 asks of approximations.
"""

from __future__ import annotations

import math

import numpy as np

from ..deterministic.quantum import solve_quantum
from ..wire import QuantumParams, Wire
from .registry import Context, assertion, check, compare

QTOL = 1e-9


def _qp(ig_ratio: float, **kw) -> QuantumParams:
    kw.setdefault("dmu", 0.1)
    return QuantumParams.from_ig_ratio(ig_ratio, **kw)


@check("quantum.worked_example", model="quantum", equation="B31, B33 (worked example)")
def check_worked_example(ctx: Context):
    """Check the NEGF solve on the worked example of conventions §4 (B31, B33).

    The worked example of conventions §4 (N = 4, mubar = 1, gamma = 0.5,
    Ig/Io = 0.3, dmu = 0.1): ``mu_2 - mubar = mubar - mu_3 = 53/720`` and
    ``delta_I = 2 dI = (2/9) Ig``, exact rationals typed from B31/B33
    by hand. ``rel_error <= 1e-9``.
    """
    prm = _qp(0.3, gamma=0.5, mubar=1.0)
    res = solve_quantum(Wire(".SD."), prm)
    pars = dict(layout=".SD.", gamma=0.5, mubar=1.0, Ig_over_Io=0.3, dmu=0.1)
    yield compare("mu_2 - mubar (forward)", res.forward.mu[1] - 1.0, 53 / 720, tol=QTOL, parameters=pars)
    yield compare("mubar - mu_3 (forward)", 1.0 - res.forward.mu[2], 53 / 720, tol=QTOL, parameters=pars)
    yield compare("delta_I", res.delta_I, 2 / 9 * prm.Ig, tol=QTOL, parameters=pars)


@check("quantum.lambda_F_zeros", model="quantum", equation="C13, Fig. 3(c), Fig. 10")
def check_zeros(ctx: Context):
    """Check the coherent zeros of the nonreciprocity (Sec. III C, App. C1).

    Coherent zeros of the nonreciprocity (Sec. III C, App. C1): delta_I
    vanishes, for every gamma, when the S-D distance ``N - 3`` of ``single``
    is a multiple of ``lambda_F/2 = pi/arccos(mubar/2)`` (3 at mubar = 1), and
    for the N = 60 wire of Fig. 10 at mubar = 1. ``|delta_I| <= 1e-9 Ig``;
    and delta_I is not small in between (``> 1e-3 Ig``), so the zeros are
    not trivial.
    """
    for g in (0.3, 0.5, 1.0):
        for N in (6, 9, 12, 30):
            prm = _qp(0.1, gamma=g, mubar=1.0)
            res = solve_quantum(Wire.single(N), prm)
            yield compare("delta_I (N - 3 = m lambda_F/2)", res.delta_I, 0.0, tol=QTOL * prm.Ig, metric="abs",
                          parameters=dict(layout="single", N=N, gamma=g, mubar=1.0, Ig_over_Io=0.1))
        for N in (7, 8):
            prm = _qp(0.1, gamma=g, mubar=1.0)
            res = solve_quantum(Wire.single(N), prm)
            yield assertion("|delta_I| / Ig away from the zeros", abs(res.delta_I) > 1e-3 * prm.Ig,
                            value=res.delta_I / prm.Ig, tolerance=1e-3,
                            parameters=dict(layout="single", N=N, gamma=g, mubar=1.0, Ig_over_Io=0.1))
    lay = ["."] * 60
    for s in range(2, 59, 6):
        lay[s - 1] = "S"
    for d in range(5, 60, 6):
        lay[d - 1] = "D"
    w = Wire("".join(lay))
    for g in (0.3, 0.5, 0.8):
        prm = _qp(0.1, gamma=g, mubar=1.0)
        res = solve_quantum(w, prm)
        yield compare("delta_I (Fig. 10 wire at mubar = 1)", res.delta_I, 0.0, tol=QTOL * prm.Ig, metric="abs",
                      parameters=dict(layout="Fig. 10 (N=60)", gamma=g, mubar=1.0, Ig_over_Io=0.1))


# --------------------------------------------------------------------------
# closed forms (nonrecip.paper.equations.quantum)
# --------------------------------------------------------------------------
from ..deterministic.classical import solve_classical  # noqa: E402
from ..deterministic.quantum.greens import bath_couplings, transmission_dense  # noqa: E402
from ..paper.equations import quantum as EQ  # noqa: E402
from ..wire import ClassicalParams  # noqa: E402
from .checks_classical import _shrinking_rows  # noqa: E402


def _qtol(scale: float) -> float:
    return QTOL * scale


@check("quantum.b28_b34", model="quantum", equation="B28-B34")
def check_b28_b34(ctx: Context):
    """Check the NEGF solve of one dimer ``.SD.`` against App. B3 (B28-B34).

    NEGF solve of one dimer ``.SD.`` vs App. B3: the transmissions B28-B30
    (dense G), ``mu_2 - mubar = mubar - mu_3 = Delta mu`` (B31, both forms,
    both biases), ``I_1 = +-G_4 dmu - dI`` (B32, B33), delta_I (definition on
    those currents; ``2 dI`` in its regime) and ``delta_I = 2 Ig/3`` at
    ``gamma_c`` (B34), over gamma, mubar and Ig/Io. Exact: ``rel_error <=
    1e-9`` (``abs <= 1e-9 scale`` for delta_I).
    """
    w = Wire(".SD.")
    gammas = ctx.pick((0.3, 0.5, 1.0, 1.5), (0.1, 0.3, 0.5, 0.8, 1.0, 1.5, 2.0))
    for g in gammas:
        for mubar in (0.0, 1.0, 1.52, -0.7):
            T = transmission_dense(mubar, bath_couplings(w, QuantumParams(gamma=g, mubar=mubar)))
            ref = EQ.b28_b30_transmissions(g, mubar)
            pars = dict(layout=w.layout, gamma=g, mubar=mubar)
            for name, (i, j) in (("T12", (0, 1)), ("T13", (0, 2)), ("T14", (0, 3)), ("T23", (1, 2)),
                                 ("T24", (1, 3)), ("T34", (2, 3))):
                key = {"T24": "T13", "T34": "T12"}.get(name, name)
                yield compare(f"{name} (B28-B30)", T[i, j], ref[key], tol=QTOL, parameters=pars)
            for ratio in (0.0, 0.3, 1.0):
                prm = _qp(ratio, gamma=g, mubar=mubar)
                try:
                    res = solve_quantum(w, prm)
                except Exception:  # a potential outside the band: B31 has no linear-response state here
                    continue
                pars = dict(layout=w.layout, gamma=g, mubar=mubar, Ig_over_Io=ratio, dmu=prm.dmu)
                for bias, s in (("forward", 1.0), ("reverse", -1.0)):
                    st = res.state(bias)
                    dm = EQ.b31_delta_mu(g, mubar, prm.Ig, s * prm.dmu)
                    dm_T = EQ.b31_delta_mu_from_T(g, mubar, prm.Ig, s * prm.dmu)
                    sc = abs(dm) + prm.dmu
                    yield compare(f"mu_2 - mubar {bias} (B31)", st.mu[1] - mubar, dm, tol=_qtol(sc), metric="abs",
                                  parameters=pars)
                    yield compare(f"mubar - mu_3 {bias} (B31)", mubar - st.mu[2], dm, tol=_qtol(sc), metric="abs",
                                  parameters=pars)
                    yield compare(f"B31 first line (from T) = second line, {bias}", dm_T, dm, tol=_qtol(sc),
                                  metric="abs", parameters=pars)
                G4 = EQ.b32_conductance(g, mubar)
                dI = EQ.b33_dI(g, mubar, prm.Ig)
                i_f, i_r = G4 * prm.dmu - dI, -G4 * prm.dmu - dI
                sc = G4 * prm.dmu + prm.Ig
                yield compare("I_1 forward (B32-B33)", res.forward.I_1, i_f, tol=_qtol(sc), metric="abs", parameters=pars)
                yield compare("I_1 reverse (B32-B33)", res.reverse.I_1, i_r, tol=_qtol(sc), metric="abs", parameters=pars)
                yield compare("delta_I vs definition on B32-B33 currents", res.delta_I, abs(i_r) - abs(i_f),
                              tol=_qtol(sc), metric="abs", parameters=pars)
                if i_f >= 0:
                    yield compare("delta_I vs 2 dI (B33, regime: forward current keeps its sign)", res.delta_I,
                                  EQ.b33_delta_I(g, mubar, prm.Ig), tol=_qtol(sc), metric="abs", parameters=pars)
    for mubar in (0.0, 1.0, 1.52):
        gc = float(EQ.b34_gamma_c(mubar))
        prm = _qp(0.3, gamma=gc, mubar=mubar)
        res = solve_quantum(w, prm)
        yield compare("delta_I / Ig at gamma_c (B34): 2/3", res.delta_I / prm.Ig, 2 / 3, tol=QTOL,
                      parameters=dict(layout=w.layout, gamma=gc, mubar=mubar, Ig_over_Io=0.3))


@check("quantum.eq17_eq18", model="quantum", equation="Eqs. 17-18 (small gamma)")
def check_eq17_18(ctx: Context):
    """Check that the small-gamma errors of Eqs. 17-18 vanish as gamma -> 0.

    Small-gamma forms of one dimer (Eqs. 17-18) are approximations with
    relative errors that vanish as gamma -> 0 (conventions §5): the errors of ``Delta mu`` (Eq. 17),
    ``G_4`` and ``dI`` (Eq. 18), taken from the NEGF solve
    (``G_4 = (I_f - I_r)/(2 dmu)``, ``dI = -(I_f + I_r)/2``), must shrink along
    gamma = 0.2, 0.1, 0.05 (0.025 in --full), at least like gamma^1.6
    (order <= -0.8 in 1/gamma^2).
    """
    w = Wire(".SD.")
    mubar = 1.0
    gs = ctx.pick([0.2, 0.1, 0.05], [0.2, 0.1, 0.05, 0.025])
    e17, eG, edI = [], [], []
    for g in gs:
        prm = _qp(0.01, gamma=g, mubar=mubar)  # tiny Ig: Delta mu ~ pi Ig/g^2 stays in the band
        res = solve_quantum(w, prm)
        i_f, i_r = res.forward.I_1, res.reverse.I_1
        G4, dI = (i_f - i_r) / (2 * prm.dmu), -(i_f + i_r) / 2
        dm_Ig = (res.forward.mu[1] + res.reverse.mu[1]) / 2 - mubar  # the Ig part of Delta mu (dmu part cancels)
        e17.append(abs(dm_Ig / EQ.eq17_delta_mu(g, mubar, prm.Ig) - 1))
        eG.append(abs(G4 / EQ.eq18_conductance(g) - 1))
        edI.append(abs(dI / EQ.eq18_dI(g, mubar, prm.Ig) - 1))
    inv = [round(1 / g**2) for g in gs]  # "N" of the shrinking helper: 1/gamma^2 grows
    pars = dict(layout=w.layout, mubar=mubar, Ig_over_Io=0.01, gammas=str(gs))
    yield from _shrinking_rows(inv, e17, what="rel. error of Delta mu vs Eq. 17 (N := 1/gamma^2)", pars=pars)
    yield from _shrinking_rows(inv, eG, what="rel. error of G_4 vs Eq. 18 (N := 1/gamma^2)", pars=pars)
    yield from _shrinking_rows(inv, edI, what="rel. error of dI vs Eq. 18 (N := 1/gamma^2)", pars=pars)


@check("quantum.c3_c14", model="quantum", equation="C3-C14, Eq. 22")
def check_c3_c14(ctx: Context):
    """Check the NEGF solve of ``single`` against App. C1 (C3-C14, Eq. 22).

    NEGF solve of ``single`` (S at 2, D at N-1) vs App. C1: ``Delta mu_N``
    (C3 and C13, ``mu_2 - mubar = mubar - mu_{N-1}``), ``I_1 = +-G~_N dmu -
    Delta j / 2`` (C4 and C13), delta_I (definition; ``Delta j`` of Eq. 22 in
    its regime), C14 where ``N - 3`` is a multiple of ``lambda_F/2``; several
    N (odd, even), gamma, mubar. Exact: ``1e-9`` of the scale.
    """
    Ns = ctx.pick((5, 6, 7, 10, 23), (5, 6, 7, 8, 9, 10, 11, 12, 23, 40, 101))
    for mubar in (1.0, 1.52, -0.4):
        for g in (0.3, 0.5, 1.0):
            for N in Ns:
                prm = _qp(0.1, gamma=g, mubar=mubar)
                res = solve_quantum(Wire.single(N), prm)
                pars = dict(layout="single", N=N, gamma=g, mubar=mubar, Ig_over_Io=0.1, dmu=prm.dmu)
                for bias, s in (("forward", 1.0), ("reverse", -1.0)):
                    st = res.state(bias)
                    dm = EQ.c13_delta_mu(N, g, mubar, prm.Ig, s * prm.dmu)
                    sc = abs(dm) + prm.dmu
                    yield compare(f"mu_2 - mubar {bias} (C13)", st.mu[1] - mubar, dm, tol=_qtol(sc), metric="abs",
                                  parameters=pars)
                    yield compare(f"mubar - mu_(N-1) {bias} (C13)", mubar - st.mu[N - 2], dm, tol=_qtol(sc),
                                  metric="abs", parameters=pars)
                    yield compare(f"C3 = C13, {bias}", EQ.c3_delta_mu(N, g, mubar, prm.Ig, s * prm.dmu), dm,
                                  tol=_qtol(sc), metric="abs", parameters=pars)
                G = EQ.c13_conductance(N, g, mubar)
                dj = EQ.c13_delta_j(N, g, mubar, prm.Ig)
                i_f, i_r = G * prm.dmu - dj / 2, -G * prm.dmu - dj / 2
                sc = G * prm.dmu + prm.Ig
                yield compare("G~_N: C4 (from T) = C13", EQ.c4_conductance(N, g, mubar), G, tol=QTOL, parameters=pars)
                yield compare("I_1 forward (C13)", res.forward.I_1, i_f, tol=_qtol(sc), metric="abs", parameters=pars)
                yield compare("I_1 reverse (C13)", res.reverse.I_1, i_r, tol=_qtol(sc), metric="abs", parameters=pars)
                yield compare("delta_I vs definition on C13 currents", res.delta_I, abs(i_r) - abs(i_f),
                              tol=_qtol(sc), metric="abs", parameters=pars)
                if i_f >= 0:
                    yield compare("delta_I vs Delta j (Eq. 22, regime: forward current keeps its sign)", res.delta_I,
                                  EQ.eq22_delta_j(N, g, mubar, prm.Ig), tol=_qtol(sc), metric="abs", parameters=pars)
                xi = EQ.eq22_xi(N, g, mubar)
                if abs(xi - 1) < 1e-12:
                    yield compare("Delta mu_N at Xi = 1 (C14, independent of dmu)", res.forward.mu[1] - mubar,
                                  EQ.c14_delta_mu(N, g, mubar, prm.Ig), tol=_qtol(prm.dmu), metric="abs",
                                  parameters=pars)


@check("quantum.b51", model="quantum", equation="B51 (B50 with the factor inside)")
def check_b51(ctx: Context):
    """Check the density deviation at every S/D bath of ``dimers`` against B51.

    Density deviation at every S/D bath of ``dimers`` vs B51,
    ``delta n_l = (-1)^(l+1) Ig / (2 pi gamma^2 rho)``: exact at every bath
    once B50 is read with ``gamma_l'^2 rho_l'`` inside the sum (conventions §4).
    ``1e-9`` of ``|delta n|``.
    """
    for N in (4, 10, 30):
        for g, mubar in ((0.5, 1.0), (1.0, 1.52)):
            prm = _qp(0.3, gamma=g, mubar=mubar)
            res = solve_quantum(Wire.dimers(N), prm)
            l = np.arange(2, N)
            ref = EQ.b51_dn(l, g, mubar, prm.Ig)
            for bias in ("forward", "reverse"):
                dn = res.state(bias).dn[1:-1]
                err = float(np.max(np.abs(dn - ref)))
                yield compare(f"max |dn_l - B51| over S/D sites, {bias}", err, 0.0,
                              tol=_qtol(float(np.max(np.abs(ref)))), metric="abs",
                              parameters=dict(layout="dimers", N=N, gamma=g, mubar=mubar, Ig_over_Io=0.3))


def _bulk_slope(l: np.ndarray, mu: np.ndarray, N: int) -> float:
    """Least-squares slope of ``mu_l`` over the odd (D) sites of the middle half."""
    sel = (l >= N // 4) & (l <= 3 * N // 4) & (l % 2 == 1)
    return float(np.polyfit(l[sel], mu[sel], 1)[0])


@check("quantum.eq19_21", model="quantum", equation="Eqs. 19-21, B48-B49 (bulk, N >> l_c)")
def check_eq19_21(ctx: Context):
    """Check that the errors of Eqs. 19-21 (B48, B49) fall as N grows.

    Eqs. 19-21 are bulk approximations for ``dimers`` with ``N >> l_c``
    (conventions §5). Along N = 80, 160, 320, 640 (to 2560 in --full) these errors must
    decrease, at least like ``1/N`` (order <= -0.8): ``I_1`` vs ``J_D`` (B48),
    a middle S->D bond vs ``J_S`` (B49) and delta_I vs the definition on the
    B48 currents (scale ``Ig + G_N dmu``); the potentials of Eq. 19 in the
    middle half at ``Ig = 0`` (scale dmu). The dimer oscillation of the
    potentials in the middle must equal ``nabla Ig`` (Eq. 19's ``(-1)^l
    nabla Ig/2``) up to ``exp(-N/l_c)``. One part does NOT converge: the
    Ig-driven potential drop across the bulk, ``Ig X`` with Eq. 19's
    ``X = l_c/(2 sigma)``: the measured X (from the bulk slope, extrapolated
    in 1/N) differs by a factor that depends on (gamma, mubar) — a deviation
    of the paper's Eqs. 19-20 that enters the currents only at O(l_c/N). That
    row reports the factor (tolerance 0.5 relative: flags only a gross
    failure).
    """
    Ns = ctx.pick([80, 160, 320, 640], [80, 160, 320, 640, 1280, 2560])
    for g, mubar in ((0.5, 1.0), (1.0, 1.52)):
        lc, sig = EQ.eq20_lc(g, mubar), EQ.eq20_sigma(g, mubar)
        e_I, e_S, e_d, e_mu0, e_osc, ratio = [], [], [], [], [], []
        for N in Ns:
            prm = _qp(0.3, gamma=g, mubar=mubar)
            res = solve_quantum(Wire.dimers(N), prm)
            res0 = solve_quantum(Wire.dimers(N), _qp(0.0, gamma=g, mubar=mubar))
            l = np.arange(2, N)
            mid = (l >= N // 4) & (l <= 3 * N // 4)
            JD_f = EQ.b48_JD(N, g, mubar, prm.Ig, prm.dmu)
            JD_r = EQ.b48_JD(N, g, mubar, prm.Ig, -prm.dmu)
            scale = prm.Ig + abs(EQ.eq21_conductance(N, g, mubar) * prm.dmu)
            ei = es = 0.0
            for bias, s, JD in (("forward", 1.0, JD_f), ("reverse", -1.0, JD_r)):
                st = res.state(bias)
                ei = max(ei, abs(st.I_1 - JD) / scale)
                b = 2 * (N // 4)  # an intra-dimer (S -> D) bond in the middle
                es = max(es, abs(st.J[b - 1] - EQ.b49_JS(N, g, mubar, prm.Ig, s * prm.dmu)) / scale)
            e_I.append(ei)
            e_S.append(es)
            e_d.append(abs(res.delta_I - (abs(JD_r) - abs(JD_f))) / scale)
            mu0 = EQ.eq19_mu(l, N, g, mubar, 0.0, prm.dmu)
            e_mu0.append(float(np.max(np.abs(res0.forward.mu[1:-1][mid] - mu0[mid]))) / prm.dmu)
            m = N // 2  # even: an S site (1-based); oscillation = mu_m - mean of its neighbours
            mu = res.forward.mu
            osc = mu[m - 1] - 0.5 * (mu[m - 2] + mu[m])
            e_osc.append(abs(osc - EQ.eq20_nabla(g, mubar) * prm.Ig) / (EQ.eq20_nabla(g, mubar) * prm.Ig))
            slope = _bulk_slope(l, mu[1:-1], N)
            ratio.append((-slope * (lc + N - 3) - prm.dmu) / (prm.Ig * lc / (2 * sig)))
        pars = dict(layout="dimers", gamma=g, mubar=mubar, Ig_over_Io=0.3, lc=round(lc, 4))
        yield from _shrinking_rows(Ns, e_I, what="|I_1 - J_D (B48)| / (Ig + G_N dmu)", pars=pars)
        yield from _shrinking_rows(Ns, e_S, what="|J(middle S->D bond) - J_S (B49)| / (Ig + G_N dmu)", pars=pars)
        yield from _shrinking_rows(Ns, e_d, what="|delta_I - definition on B48| / (Ig + G_N dmu)", pars=pars)
        yield from _shrinking_rows(Ns, e_mu0, what="Ig = 0: max |mu_l - Eq. 19| (middle half) / dmu", pars=pars)
        for N, e in zip(Ns, e_osc, strict=False):
            yield compare("dimer oscillation of mu_l in the middle vs nabla Ig (Eq. 19)", e, 0.0,
                          tol=max(QTOL, math.exp(-N / lc)), metric="abs", parameters=dict(pars, N=N),
                          note="exact in the bulk up to exp(-2 d/l_c), d = N/2 from the ends")
        x_inf = 2 * ratio[-1] - ratio[-2]  # Richardson: the ratio converges like 1/N
        yield compare("bulk Ig-driven drop X (extrapolated N -> inf) vs Eq. 20's l_c/(2 sigma)", x_inf * lc / (2 * sig),
                      lc / (2 * sig), tol=0.5, metric="rel", parameters=pars,
                      note=("KNOWN DEVIATION of Eqs. 19-20 (does not shrink with N): the paper's coefficient is "
                            "off by the rel_error shown; tolerance 0.5 only flags a gross failure. Enters the "
                            "currents at O(l_c/N) only."))


# --------------------------------------------------------------------------
# classical vs quantum on the common axis N / l_c
# --------------------------------------------------------------------------
#: N / l_c where both are compared: coherent (~1) and diffusive (>> 1) regimes
LC_X = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)


def lc_pair(gamma: float, mubar: float, x: float, ig_ratio: float = 0.002):
    """Return delta_I/Ig of ``dimers``, classical (Eq. 9) and quantum (Eq. 21).

    delta_I/Ig of ``dimers`` classically and quantum mechanically at the
    same N (even, nearest to ``x l_c``) and the same ``l_c``: quantum
    ``l_c = 1/alpha_R`` (Eq. 20) and classical ``p = 1 - 1/l_c``.

    Returns ``(N, x_actual, quantum, classical)``; Ig is small enough that
    the forward currents keep their sign (delta_I/Ig is then Ig-independent).
    """
    lc = EQ.eq20_lc(gamma, mubar)
    N = max(4, int(round(x * lc / 2)) * 2)
    prm = _qp(ig_ratio, gamma=gamma, mubar=mubar)
    q = solve_quantum(Wire.dimers(N), prm).delta_I / prm.Ig
    cl = solve_classical(Wire.dimers(N), ClassicalParams(p=1.0 - 1.0 / lc, Ig=1e-5, drho=0.1)).delta_I / 1e-5
    return N, N / lc, q, cl


@check("classical_vs_quantum.lc", model="classical vs quantum", equation="Eq. 9 vs Eq. 21")
def check_lc(ctx: Context):
    """Check that classical (Eq. 9) and quantum (Eq. 21) delta_I/Ig agree as N/l_c grows.

    Classical (Eq. 9, ``l_c = a/(1-p)``) and quantum (Eq. 21, ``l_c =
    1/alpha_R``) nonreciprocity ``delta_I/Ig`` of ``dimers`` at the same N and
    l_c: both approach ``1 - l_c/N``, so they must agree as ``N/l_c`` grows —
    the difference must fall along N/l_c = 5, 10, ..., 100, at least like
    ``(N/l_c)^-0.8`` — and they part at ``N ~ l_c``, where coherence matters:
    the difference at ``N/l_c <= 2`` must exceed the one at ``N/l_c = 100``.
    Each side is also checked against its closed form (classical: Eq. 9 with
    L = N-2, exact; quantum, for N/l_c >= 5: Eq. 21 within ``0.5 l_c/N``,
    its O(l_c/N) correction being approximate, see quantum.eq19_21).
    """
    for g in ctx.pick((0.5, 1.0), (0.3, 0.5, 1.0)):
        mubar = 1.0
        lc = EQ.eq20_lc(g, mubar)
        xs, diffs, small, seen = [], [], [], set()
        for x in LC_X:
            N, xa, q, cl = lc_pair(g, mubar, x)
            if N in seen:  # small l_c: several N/l_c round to the same N
                continue
            seen.add(N)
            pars = dict(layout="dimers", N=N, gamma=g, mubar=mubar, lc=round(lc, 4), N_over_lc=round(xa, 3),
                        p=round(1 - 1 / lc, 6))
            d = abs(q - cl)
            if x <= 2:
                small.append(d)
                yield assertion("|quantum - classical| delta_I/Ig at N ~ l_c (coherent regime)", True, value=d,
                                parameters=pars, note="reported: where the two models part")
            else:
                xs.append(xa)
                diffs.append(d)
            if xa >= 5:  # Eq. 21 is for N >> l_c (and N >> 4)
                q21 = float(EQ.eq21_delta_I(N, g, mubar, 1.0))  # quantum closed form per Ig
                yield compare("quantum delta_I/Ig vs Eq. 21 (2 deltaJ / Ig)", q, q21, tol=0.5 / xa, metric="abs",
                              parameters=pars, note="approximation O(l_c/N): tolerance 0.5 l_c/N")
            from ..paper.equations import classical as EC

            yield compare("classical delta_I/Ig vs Eq. 9 (L = N-2)", cl,
                          (abs(EC.eq9_current(N, 1 - 1 / lc, 1e-5, 0.1, L="exact", bias="reverse"))
                           - abs(EC.eq9_current(N, 1 - 1 / lc, 1e-5, 0.1, L="exact"))) / 1e-5,
                          tol=1e-6, metric="abs", parameters=pars,
                          note="exact; 1e-6 covers the round-off of dividing by Ig = 1e-5")
        # shrinking difference in the diffusive regime (N >> l_c)
        uniq = sorted(set(zip(xs, diffs, strict=False)))
        xs_u = [u[0] for u in uniq]
        d_u = [u[1] for u in uniq]
        yield from _shrinking_rows([round(v, 2) for v in xs_u], d_u,
                                   what="|quantum - classical| delta_I/Ig (N := N/l_c)",
                                   pars=dict(layout="dimers", gamma=g, mubar=mubar, lc=round(lc, 4)))
        yield assertion("they part at N ~ l_c: max diff(N/l_c <= 2) > diff(N/l_c = 100)", max(small) > d_u[-1],
                        value=max(small), reference=d_u[-1], parameters=dict(gamma=g, mubar=mubar, lc=round(lc, 4)))
