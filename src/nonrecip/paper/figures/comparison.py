"""Classical vs quantum on the common axis N / l_c (a figure the paper does not have)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...deterministic.classical import solve_classical
from ...deterministic.quantum import solve_quantum
from ...stochastic import simulate
from ...wire import ClassicalParams, Wire
from ..equations import quantum as EQ
from ._base import PaperFigure, finish, new_figure, register, style
from .quantum import qparams

__all__ = ["fig_lc"]

LC_GAMMAS = (0.3, 0.5, 1.0)
LC_MUBAR = 1.0
#: gamma whose l_c the Monte Carlo points share
MC_GAMMA = 0.5


def _even(x: float) -> int:
    return max(4, int(round(x / 2)) * 2)


@register("lc", "Classical vs quantum delta_I/Ig on N/l_c", paper=False)
def fig_lc(*, quick: bool = False) -> PaperFigure:
    """Classical vs quantum delta_I/Ig on N/l_c.

    delta_I/Ig of ``dimers`` vs ``N/l_c``: quantum (NEGF, ``l_c =
    1/alpha_R``) and classical (exact and Monte Carlo, ``p = 1 - 1/l_c``, the
    same ``l_c``), with the continuum form ``1 - 1/(1 + N/l_c)`` of Eqs. 9
    and 21; and their difference, which falls like ``l_c/N``.
    """
    rows = []
    for g in LC_GAMMAS:
        lc = EQ.eq20_lc(g, LC_MUBAR)
        p = 1.0 - 1.0 / lc
        xs = np.geomspace(4 / lc, 100, 8 if quick else 40)
        for N in sorted({_even(x * lc) for x in xs}):
            prm = qparams(0.002, gamma=g, mubar=LC_MUBAR)  # small Ig: forward currents keep their sign
            q = solve_quantum(Wire.dimers(N), prm).delta_I / prm.Ig
            Igc, drho = 1e-5, 0.1
            c = solve_classical(Wire.dimers(N), ClassicalParams(p=p, Ig=Igc, drho=drho)).delta_I / Igc
            base = dict(layout="dimers", N=N, lc=lc, N_over_lc=N / lc, gamma=g, p=p, mubar=LC_MUBAR)
            rows.append(dict(series="quantum NEGF", model="quantum", value=q, stderr=np.nan, Ig=prm.Ig,
                             dmu=prm.dmu, drho=np.nan, steps=np.nan, seed=np.nan, **base))
            rows.append(dict(series="classical exact", model="classical", value=c, stderr=np.nan, Ig=Igc,
                             dmu=np.nan, drho=drho, steps=np.nan, seed=np.nan, **base))
    # Monte Carlo points (adjoint estimator) at the l_c of MC_GAMMA, N/l_c <= 10
    lc = EQ.eq20_lc(MC_GAMMA, LC_MUBAR)
    p = 1.0 - 1.0 / lc
    steps = 20_000 if quick else 400_000
    for k, x in enumerate((0.5, 1, 2, 5, 10)):
        N = _even(x * lc)
        drho = 0.1
        Ig = 0.5 * drho / ((1 - p) * (N / 2 - 1))  # forward current = drho/(2 D) > 0
        res = simulate(Wire.dimers(N), ClassicalParams(p=p, Ig=Ig, drho=drho), steps=steps, seed=200 + k,
                       estimator="adjoint")
        rows.append(dict(series="classical Monte Carlo", model="classical", value=res.delta_I.mean / Ig,
                         stderr=res.delta_I.stderr / Ig, Ig=Ig, dmu=np.nan, drho=drho, steps=steps, seed=200 + k,
                         layout="dimers", N=N, lc=lc, N_over_lc=N / lc, gamma=MC_GAMMA, p=p, mubar=LC_MUBAR))
    df = pd.DataFrame(rows)
    title = "Classical and quantum nonreciprocity on the common axis N / l_c"
    caption = ("Layout dimers. Quantum: NEGF linear response (T = 0), contacts γ_1 = γ_N = 1, μ̄ = 1, δμ = ±0.1, "
               "Ig/Io = 0.002, l_c = 1/α_R (Eq. 20) "
               "for γ = " + ", ".join(f"{g} (l_c = {EQ.eq20_lc(g, LC_MUBAR):.2f})" for g in LC_GAMMAS)
               + ". Classical: exact master equation with the same l_c, p = 1 - 1/l_c (δρ = 0.1, Ig = 1e-5); Monte "
               f"Carlo points ± 1 stderr (adjoint estimator, {steps} steps, seeds 200-204) at l_c({MC_GAMMA}). Black: "
               "the continuum form 1 - 1/(1 + N/l_c) shared by Eq. 9 and Eq. 21. (b): |quantum - classical| falls "
               "like l_c/N (grey: slope -1): the models agree for N >> l_c and part at N ~ l_c, most for strong "
               "coupling (l_c of a few sites), where the lattice and coherence matter.")
    with style():
        import seaborn as sns

        fig, axes = new_figure(1, 2, width=10.5, height=4.2)
        ax, bx = axes[0]
        colors = sns.color_palette("deep", len(LC_GAMMAS))
        xx = np.geomspace(0.1, 100, 200)
        ax.plot(xx, 1 - 1 / (1 + xx), color="k", lw=1, label="1 - 1/(1 + N/l_c)")
        for c, g in zip(colors, LC_GAMMAS, strict=True):
            q = df[(df["series"] == "quantum NEGF") & (df["gamma"] == g)]
            cl = df[(df["series"] == "classical exact") & (df["gamma"] == g)]
            lcg = q["lc"].iloc[0]
            ax.plot(q["N_over_lc"], q["value"], "-", color=c, label=f"quantum, γ = {g}")
            ax.plot(cl["N_over_lc"], cl["value"], "--", color=c, label=f"classical, l_c = {lcg:.1f}")
            m = q.merge(cl, on="N", suffixes=("_q", "_c"))
            bx.loglog(m["N_over_lc_q"], (m["value_q"] - m["value_c"]).abs(), "o-", ms=3, color=c,
                      label=f"γ = {g} (l_c = {lcg:.1f})")
        mc = df[df["series"] == "classical Monte Carlo"]
        ax.errorbar(mc["N_over_lc"], mc["value"], yerr=mc["stderr"], fmt="s", color="k", mfc="w", ms=5, capsize=3,
                    label=f"classical Monte Carlo, l_c = {lc:.1f}")
        ax.set_xscale("log")
        ax.set_xlabel("N / l_c")
        ax.set_ylabel("ΔI / Ig")
        ax.set_title("(a) nonreciprocity vs N / l_c")
        ax.legend(fontsize=7, loc="lower right")  # N >> l_c, below the saturated curves: empty
        xs = np.array([5.0, 100.0])
        bx.loglog(xs, 0.3 / xs, color="0.5", ls="--", lw=1, label="∝ (N/l_c)$^{-1}$")
        bx.set_xlabel("N / l_c")
        bx.set_ylabel("|ΔI_quantum - ΔI_classical| / Ig")
        bx.set_title("(b) where they part")
        bx.legend(fontsize=7)
        finish(fig, title, caption)
    return PaperFigure("lc", title, caption, df, fig)
