"""Monte Carlo convergence (a figure the paper does not have)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...deterministic.classical import solve_classical
from ...stochastic import simulate
from ...wire import ClassicalParams, Wire
from ..equations import classical as E
from ._base import CURRENT_UNIT, PaperFigure, finish, new_figure_legend_row, register, style

__all__ = ["fig_mc"]

#: the run of the convergence figure (the stochastic benchmark's wire, shorter)
MC_N, MC_P, MC_IG, MC_DRHO = 20, 0.9, 0.05, 0.1


@register("mc", "Monte Carlo convergence", paper=False)
def fig_mc(*, quick: bool = False) -> PaperFigure:
    """Monte Carlo convergence.

    Standard error of the Monte Carlo delta_I and I_in vs the budget
    (steps) for both estimators, with the ``steps^-1/2`` guide, and the
    estimates converging to the exact solve / Eq. 8.
    """
    w = Wire.dimers(MC_N)
    prm = ClassicalParams(p=MC_P, Ig=MC_IG, drho=MC_DRHO)
    exact = solve_classical(w, prm)
    budgets = {"walkers": [2_000 * 4**i for i in range(3 if quick else 6)],
               "adjoint": [2_000 * 4**i for i in range(3 if quick else 7)]}
    rows = []
    for est, bs in budgets.items():
        for i, steps in enumerate(bs):
            seed = 100 + i
            res = simulate(w, prm, steps=steps, seed=seed, estimator=est)
            for q, e, ref in (("delta_I", res.delta_I, exact.delta_I),
                              ("I_in forward", res.forward.I_in, exact.forward.I_in)):
                rows.append(dict(series="Monte Carlo", estimator=est, quantity=q, steps=steps, seed=seed, N=MC_N,
                                 p=MC_P, Ig=MC_IG, drho=MC_DRHO, mean=e.mean, stderr=e.stderr, exact=ref,
                                 abs_error=abs(e.mean - ref)))
    df = pd.DataFrame(rows)
    eq8 = E.eq8_delta_I(MC_N, MC_P, MC_IG)
    title = "Monte Carlo convergence: error bars fall as steps$^{-1/2}$"
    caption = (f"Layout dimers, N = {MC_N}, p = {MC_P}, Ig = {MC_IG}, δρ = {MC_DRHO}, 32 independent batches per run, "
               "seeds 100, 101, ... Left: standard error of ΔI (filled) and of I_in forward (open) vs the number of "
               "injection steps, for the walker estimator (densities and bond currents) and the adjoint estimator "
               "(currents only); grey lines: slope -1/2. Right: ΔI = |I_in(rev)| - |I_in(fwd)| ± 1 stderr vs steps "
               "(the two estimators side by side at each budget); black line: exact solve "
               f"= Eq. 8 = {eq8:.5f}.")
    with style():
        fig, (ax, ax2), lax = new_figure_legend_row(2, width=10.0, height=4.6, legend_height=0.6)
        colors = {"walkers": "#1f77b4", "adjoint": "#ff7f0e"}
        for est in budgets:
            for q, mk in (("delta_I", "o"), ("I_in forward", "s")):
                sub = df[(df["estimator"] == est) & (df["quantity"] == q)]
                ax.loglog(sub["steps"], sub["stderr"], mk + "-", color=colors[est], mfc="none" if q != "delta_I" else
                          colors[est], label=f"{est} estimator: stderr of {'ΔI' if q == 'delta_I' else q}")
            sub = df[(df["estimator"] == est) & (df["quantity"] == "delta_I")]
            s0 = sub.iloc[0]
            xs = np.array([sub["steps"].min(), sub["steps"].max()], dtype=float)
            ax.loglog(xs, s0["stderr"] * (xs / s0["steps"]) ** -0.5, color="0.5", lw=1, ls="--")
            off = 1.04 if est == "adjoint" else 0.96
            ax2.errorbar(sub["steps"] * off, sub["mean"], yerr=sub["stderr"], fmt="o", color=colors[est], capsize=3,
                         ms=4, label=f"Monte Carlo, {est} estimator")
        ax.plot([], [], color="0.5", ls="--", lw=1, label="∝ steps$^{-1/2}$")
        ax.set_xlabel("budget: injection steps")
        ax.set_ylabel(f"standard error ({CURRENT_UNIT})")
        ax.set_title("(a) standard error vs budget")
        ax2.axhline(exact.delta_I, color="k", lw=1.2, label="exact solve (= Eq. 8)")
        ax2.set_xscale("log")
        ax2.set_xlabel("budget: injection steps")
        ax2.set_ylabel(f"ΔI ({CURRENT_UNIT})")
        ax2.set_title("(b) ΔI estimates ± 1 stderr")
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        lax.legend(h1 + h2, l1 + l2, loc="center", ncol=4, fontsize=7.5, frameon=False)
        finish(fig, title, caption)
    return PaperFigure("mc", title, caption, df, fig)
