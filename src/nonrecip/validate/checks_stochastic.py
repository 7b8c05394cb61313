"""Monte Carlo checks against the paper's closed forms and the exact solve.

``nonrecip.stochastic.simulate`` is compared in standard errors.

Tolerance
---------
Every estimate is compared as ``z = (mean - reference)/stderr`` with
``|z| <= Z_TOL = 4.5``. The standard errors come from 32 independent batches
(t-distributed with 31 degrees of freedom, close to normal); one comparison
fails by chance with probability ~1e-5, so even the ~300 comparisons of
``--full`` fail together by chance with probability ~3e-3 — and the seeds
are fixed, so the table is reproducible. A z-score only means something
when the error bar is small: each check also asserts that the standard error
of delta_I is below ``RESOLVE = 0.2`` of delta_I (so a sign or factor error
in the nonreciprocity cannot hide in the noise).

delta_I is compared with the definition ``|I_in(rev)| - |I_in(fwd)|`` of the
closed-form currents (conventions §1); the parameter sets keep every mean
current many standard errors away from zero, where the delta-method stderr
of delta_I is valid.
"""

from __future__ import annotations

import math

import numpy as np

from ..deterministic.classical import solve_classical
from ..paper.equations import classical as E
from ..stochastic import simulate
from ..wire import ClassicalParams, Wire
from .registry import Context, assertion, check, zscore

Z_TOL = 4.5
RESOLVE = 0.2


def _seed(ctx: Context, k: int) -> int:
    return 1000 * ctx.seed + k


def _resolve_row(res, ref: float, pars: dict):
    se = float(res.delta_I.stderr)
    return assertion("stderr(delta_I) / |delta_I| (budget resolves the nonreciprocity)",
                     se <= RESOLVE * abs(ref) and se > 0, value=se / abs(ref) if ref else math.inf,
                     reference=0.0, tolerance=RESOLVE, parameters=pars,
                     note="the z-scores of this run are meaningful only if the error bar is small")


def _current_rows(res, ref_f: float, ref_r: float, eq: str, pars: dict):
    yield zscore(f"I_in forward ({eq})", res.forward.I_in, ref_f, tol=Z_TOL, parameters=pars)
    yield zscore(f"I_in reverse ({eq})", res.reverse.I_in, ref_r, tol=Z_TOL, parameters=pars)
    yield zscore(f"I_out forward ({eq})", res.forward.I_out, ref_f, tol=Z_TOL, parameters=pars)
    yield zscore(f"I_out reverse ({eq})", res.reverse.I_out, ref_r, tol=Z_TOL, parameters=pars)
    dref = abs(ref_r) - abs(ref_f)
    yield zscore(f"delta_I vs definition on {eq} currents", res.delta_I, dref, tol=Z_TOL, parameters=pars)
    yield _resolve_row(res, dref, pars)


@check("montecarlo.eq6_a8_a15", model="montecarlo", equation="Eq. 6, A8-A13, A15")
def check_mc_eq6(ctx: Context):
    """Check Monte Carlo of one dimer ``.SD.`` against Eq. 6, A8-A13 and A15.

    Monte Carlo of one dimer ``.SD.`` (walker estimator) vs Eq. 6 (both
    biases, I_in and I_out), A15 (the S-D bond current), A8-A13 (the
    densities of every site) and delta_I (definition), below and beyond the
    reversal of the forward current. ``|z| <= 4.5``.
    """
    w = Wire(".SD.")
    steps = ctx.pick(400_000, 40_000_000)
    for k, (p, Ig, drho) in enumerate(((0.5, 0.05, 0.1), (0.2, 0.4, 0.1))):
        rho0 = 1.0
        pars = dict(layout=w.layout, p=p, Ig=Ig, drho=drho, rho0=rho0, steps=steps, seed=_seed(ctx, k))
        res = simulate(w, ClassicalParams(p=p, Ig=Ig, drho=drho, rho0=rho0), steps=steps, seed=_seed(ctx, k))
        yield from _current_rows(res, E.eq6_current(p, Ig, drho), E.eq6_current(p, Ig, drho, "reverse"),
                                 "Eq. 6", pars)
        for bias in ("forward", "reverse"):
            st = res.state(bias)
            yield zscore(f"J(2) {bias} (A15)", st.J[1], E.a15_current(p, Ig, drho, bias), tol=Z_TOL, parameters=pars)
            rp, rm = E.a8_a13_densities(p, Ig, drho, rho0, bias)
            for l in (1, 2):  # sites 2, 3 (sites 1 and N hold exact boundary values)
                yield zscore(f"rho+({l + 1}) {bias} (A8-A13)", st.rho_plus[l], rp[l], tol=Z_TOL, parameters=pars)
                yield zscore(f"rho-({l + 1}) {bias} (A8-A13)", st.rho_minus[l], rm[l], tol=Z_TOL, parameters=pars)


@check("montecarlo.eq8_a22", model="montecarlo", equation="Eq. 8, A22")
def check_mc_eq8(ctx: Context):
    """Check Monte Carlo of ``dimers`` against Eq. 8 and A22.

    Monte Carlo of ``dimers`` vs Eq. 8 (boundary currents, both biases)
    and A22 (the first and last intra-dimer bonds), with the adjoint
    estimator for tight boundary currents and the walker estimator for the
    bonds; delta_I vs the definition. ``|z| <= 4.5``.
    """
    for k, (N, p) in enumerate(((10, 0.8), (30, 0.95))):
        Ig, drho = 0.05, 0.1
        steps = ctx.pick(1_000_000, 100_000_000)
        pars = dict(layout="dimers", N=N, p=p, Ig=Ig, drho=drho, estimator="adjoint", steps=steps,
                    seed=_seed(ctx, 10 + k))
        res = simulate(Wire.dimers(N), ClassicalParams(p=p, Ig=Ig, drho=drho), steps=steps, seed=_seed(ctx, 10 + k),
                       estimator="adjoint")
        yield from _current_rows(res, E.eq8_current(N, p, Ig, drho), E.eq8_current(N, p, Ig, drho, "reverse"),
                                 "Eq. 8", pars)
        steps_w = ctx.pick(200_000, 20_000_000)
        pars = dict(layout="dimers", N=N, p=p, Ig=Ig, drho=drho, estimator="walkers", steps=steps_w,
                    seed=_seed(ctx, 20 + k))
        res = simulate(Wire.dimers(N), ClassicalParams(p=p, Ig=Ig, drho=drho), steps=steps_w, seed=_seed(ctx, 20 + k))
        for bias in ("forward", "reverse"):
            ref = E.a22_intra_current(N, p, Ig, drho, bias)
            for bond in (2, N - 2):
                yield zscore(f"J({bond}) {bias} (A22)", res.state(bias).J[bond - 1], ref, tol=Z_TOL, parameters=pars)
            yield zscore(f"J(3) {bias} (Eq. 8, inter-dimer bond)", res.state(bias).J[2],
                         E.eq8_current(N, p, Ig, drho, bias), tol=Z_TOL, parameters=pars)


@check("montecarlo.eq9", model="montecarlo", equation="Eq. 9 (approximate as printed)")
def check_mc_eq9(ctx: Context):
    """Check Monte Carlo of ``dimers`` against Eq. 9 (both readings of ``L``).

    Monte Carlo of ``dimers`` vs Eq. 9. Read with ``L = N - 2`` Eq. 9 is
    exact (``|z| <= 4.5``). As printed (``L = N - 1``) it is an
    approximation (conventions §5: relative error about
    ``(1-p)/(1 + (N-2)(1-p))`` of the drive term ``(drho + Ig/2)/(1 + L/l_c)``),
    judged with ``|mean - Eq. 9| <= 4.5 stderr + that model error``; its
    z-score shows whether the Monte Carlo resolves the approximation.
    """
    Ig, drho = 0.05, 0.1
    for k, (N, p) in enumerate(((4, 0.5), (20, 0.9), (100, 0.98))):
        steps = ctx.pick(1_000_000, 100_000_000)
        seed = _seed(ctx, 30 + k)
        pars = dict(layout="dimers", N=N, p=p, Ig=Ig, drho=drho, estimator="adjoint", steps=steps, seed=seed)
        res = simulate(Wire.dimers(N), ClassicalParams(p=p, Ig=Ig, drho=drho), steps=steps, seed=seed,
                       estimator="adjoint")
        q = 1.0 - p
        for bias in ("forward", "reverse"):
            est = res.state(bias).I_in
            yield zscore(f"I_in {bias} vs Eq. 9 with L = N-2", est,
                         E.eq9_current(N, p, Ig, drho, L="exact", bias=bias), tol=Z_TOL, parameters=pars)
            ref = float(E.eq9_current(N, p, Ig, drho, L="printed", bias=bias))
            model_err = (drho + Ig / 2) / (1 + (N - 1) * q) * q / (1 + (N - 2) * q)
            tol = Z_TOL * est.stderr + model_err
            row = zscore(f"I_in {bias} vs Eq. 9 as printed (L = N-1)", est, ref, tol=Z_TOL, parameters=pars)
            row.update(metric="abs", tolerance=tol, passed=bool(row["abs_error"] <= tol),
                       note=f"approximation: tolerance = 4.5 stderr + model error {model_err:.3g}")
            yield row


@check("montecarlo.c23_c24", model="montecarlo", equation="C23, C24, C19-C22")
def check_mc_single(ctx: Context):
    """Check Monte Carlo of ``single`` against C19-C24 (App. C2).

    Monte Carlo of ``single`` (odd and even N) vs C23 (boundary currents),
    C24 (bonds between S and D), C19-C22 (densities at S and D) and delta_I
    (definition): independent of N, as App. C2 says. ``|z| <= 4.5``.
    """
    for k, (N, p) in enumerate(((5, 0.3), (12, 0.7))):
        Ig, drho, rho0 = 0.08, 0.1, 0.5
        steps = ctx.pick(300_000, 30_000_000)
        seed = _seed(ctx, 40 + k)
        pars = dict(layout="single", N=N, p=p, Ig=Ig, drho=drho, rho0=rho0, steps=steps, seed=seed)
        res = simulate(Wire.single(N), ClassicalParams(p=p, Ig=Ig, drho=drho, rho0=rho0), steps=steps, seed=seed)
        yield from _current_rows(res, E.c23_current(p, Ig, drho), E.c23_current(p, Ig, drho, "reverse"), "C23", pars)
        for bias in ("forward", "reverse"):
            st = res.state(bias)
            ref = E.c24_current(p, Ig, drho, bias)
            for bond in (2, N - 2):
                yield zscore(f"J({bond}) {bias} (C24)", st.J[bond - 1], ref, tol=Z_TOL, parameters=pars)
            rp, rm = E.c19_c22_densities(N, p, Ig, drho, rho0, bias)
            for l in (1, N - 2):
                yield zscore(f"rho+({l + 1}) {bias} (C19-C22)", st.rho_plus[l], rp[l], tol=Z_TOL, parameters=pars)
                yield zscore(f"rho-({l + 1}) {bias} (C19-C22)", st.rho_minus[l], rm[l], tol=Z_TOL, parameters=pars)


@check("montecarlo.irregular", model="montecarlo", equation="exact solve (no closed form)")
def check_mc_irregular(ctx: Context):
    """Check Monte Carlo against the exact classical solve on irregular layouts.

    Monte Carlo vs the exact classical solve on layouts nobody tuned for
    (P scatterers, odd N, unbalanced, a drain that must emit negative
    weight), p from 0.05 to 1: I_in, I_out both biases, every bond current
    and delta_I. ``|z| <= 4.5``.
    """
    cases = ((".SPPD.", 0.05, 0.05), (".SP.D..S.P.", 0.6, 0.1), (".DD..SPS.", 1.0, 0.3), (".S.S..D.", 0.4, 0.2))
    for k, (lay, p, Ig) in enumerate(cases):
        drho = 0.1
        steps = ctx.pick(200_000, 20_000_000)
        seed = _seed(ctx, 50 + k)
        pars = dict(layout=lay, p=p, Ig=Ig, drho=drho, steps=steps, seed=seed)
        prm = ClassicalParams(p=p, Ig=Ig, drho=drho)
        res = simulate(Wire(lay), prm, steps=steps, seed=seed)
        ex = solve_classical(Wire(lay), prm)
        for bias in ("forward", "reverse"):
            st, ref = res.state(bias), ex.state(bias)
            yield zscore(f"I_in {bias}", st.I_in, ref.I_in, tol=Z_TOL, parameters=pars)
            yield zscore(f"I_out {bias}", st.I_out, ref.I_out, tol=Z_TOL, parameters=pars)
            z = st.J.z(ref.J)
            i = int(np.argmax(np.abs(z)))
            row = zscore(f"J({i + 1}) {bias}: largest |z| over the {len(z)} bonds", st.J[i], ref.J[i], tol=Z_TOL,
                         parameters=pars)
            yield row
        yield zscore("delta_I", res.delta_I, ex.delta_I, tol=Z_TOL, parameters=pars)


#: budgets of the convergence check: 8-fold steps
CONV_FACTOR = 8
#: batches of the convergence check: a 128-batch stderr is uncertain by ~1/sqrt(254) = 6 %
CONV_BATCHES = 128


@check("montecarlo.convergence", model="montecarlo", equation="stderr ~ steps^-1/2")
def check_mc_convergence(ctx: Context):
    """Check that the Monte Carlo error bar of delta_I falls as ``steps^-1/2``.

    The Monte Carlo error bar of delta_I (``.SDSD.``, p = 0.5, adjoint
    estimator, 128 batches) must fall as ``steps^-1/2``: over budgets
    S, 8S, 64S, 512S it must decrease at every step and the fitted slope of
    log stderr vs log steps must be ``-0.5 +- 0.1`` (each stderr is uncertain
    by ~6 %, the slope over a factor 512 by ~0.015: 0.1 is ~7 of those);
    every estimate must lie within 4.5 stderr of the exact delta_I.
    """
    w = Wire(".SDSD.")
    prm = ClassicalParams(p=0.5, Ig=0.05, drho=0.1)
    exact = solve_classical(w, prm).delta_I
    base = ctx.pick(10_000, 40_000)
    budgets = [base * CONV_FACTOR**i for i in range(4)]
    ses = []
    for i, steps in enumerate(budgets):
        seed = _seed(ctx, 60 + i)
        res = simulate(w, prm, steps=steps, seed=seed, estimator="adjoint", n_batches=CONV_BATCHES)
        ses.append(res.delta_I.stderr)
        pars = dict(layout=w.layout, p=prm.p, Ig=prm.Ig, drho=prm.drho, steps=steps, seed=seed,
                    n_batches=CONV_BATCHES)
        yield zscore("delta_I vs exact solve", res.delta_I, exact, tol=Z_TOL, parameters=pars)
        if i:
            yield assertion(f"stderr({steps}) < stderr({budgets[i - 1]})", ses[i] < ses[i - 1], value=ses[i],
                            reference=ses[i - 1], parameters=pars, note="the error bar shrinks with the budget")
    slope = float(np.polyfit(np.log(budgets), np.log(ses), 1)[0])
    yield assertion("slope of log stderr vs log steps", abs(slope + 0.5) <= 0.1, value=slope, reference=-0.5,
                    tolerance=0.1, parameters=dict(layout=w.layout, p=prm.p, budgets=str(budgets)),
                    note="error bar ~ steps^-1/2")
