"""Figures beyond linear response.

Fig. 2(c) (relative nonreciprocity) and Fig. 6 (the roots of the paper's
cubic expansion B35).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...deterministic.quantum import solve_quantum
from ...deterministic.quantum.cubic import cubic_roots, physical_root, relative_nonreciprocity
from ...wire import Bias, ConvergenceError, ParameterError, Wire
from ._base import PaperFigure, finish, new_figure, new_figure_legend_row, register, style
from .quantum import qparams

__all__ = ["fig_2c", "fig_6"]

MUBAR_2C = 1.52
GAMMAS_2C = (0.8, 1.0)
RESPONSES = (("linear", "linear response (B26, n = 1)"), ("cubic", "cubic expansion B35 (paper)"),
             ("nonlinear", "exact Landauer-Büttiker (T = 0)"))


def _rel(wire, prm, response):
    try:
        return relative_nonreciprocity(wire, prm, response=response)
    except (ParameterError, ConvergenceError):  # no state: a potential leaves the band / no real root
        return np.nan


@register("2c", "Fig. 2(c): relative nonreciprocity beyond linear response")
def fig_2c(*, quick: bool = False) -> PaperFigure:
    """Fig. 2(c): relative nonreciprocity beyond linear response.

    Fig. 2(c): ``Delta I / I_bar`` of one dimer vs ``Ig/Io`` in linear
    response, the paper's cubic expansion (B35) and the exact T = 0
    Landauer-Buttiker solution; ``mubar = 1.52``, ``dmu = +-0.1``.
    """
    w = Wire(".SD.")
    ratios = np.linspace(0.0, 4.0, 9 if quick else 81)[1:]
    rows = []
    for g in GAMMAS_2C:
        for r in ratios:
            prm = qparams(float(r), gamma=g, mubar=MUBAR_2C)
            for resp, label in RESPONSES:
                rows.append(dict(series=label, response=resp, gamma=g, mubar=MUBAR_2C, dmu=prm.dmu, Ig=prm.Ig,
                                 Ig_over_Io=float(r), rel_nonreciprocity=_rel(w, prm, resp)))
    df = pd.DataFrame(rows)
    title = "Fig. 2(c): relative nonreciprocity ΔI/Ī of one dimer beyond linear response"
    caption = (f"N = 4 (.SD.), contacts γ_1 = γ_4 = 1, μ̄ = {MUBAR_2C}, δμ = ±0.1, ΔI = |I_1(δμ<0)| - |I_1(δμ>0)|, 2Ī = |I_1(δμ>0)| + |I_1(δμ<0)|; "
               f"γ = {', '.join(str(g) for g in GAMMAS_2C)} (the paper does not print γ). Dashed: linear response "
               "(grows linearly with Ig); dots: the paper's cubic expansion B35 (physical root); solid: the exact T = 0 "
               "Landauer-Büttiker solution (self-consistent). Curves end where a bath potential would leave the band; "
               "where B35's physical branch ends, the nearest real root jumps to another branch (ΔI/Ī < 0: points off "
               "the axes). "
               "The linear curve's kink is where its forward current changes sign.")
    with style():
        import seaborn as sns

        fig, axes = new_figure(1, 1, width=6.4, height=4.2)
        ax = axes[0][0]
        colors = sns.color_palette("deep", len(GAMMAS_2C))
        for c, g in zip(colors, GAMMAS_2C, strict=True):
            s = df[df["gamma"] == g]
            lin = s[s["response"] == "linear"]
            cub = s[s["response"] == "cubic"]
            ex = s[s["response"] == "nonlinear"]
            ax.plot(lin["Ig_over_Io"], lin["rel_nonreciprocity"], "--", color=c, lw=1.2, label=f"γ = {g}: linear")
            ax.plot(ex["Ig_over_Io"], ex["rel_nonreciprocity"], "-", color=c, label=f"γ = {g}: exact")
            ax.plot(cub["Ig_over_Io"], cub["rel_nonreciprocity"], "o", color=c, ms=3, mfc="none",
                    label=f"γ = {g}: cubic B35")
        ax.set_ylim(-0.03, 2.2)  # ΔI/Ī ≥ 0 on every physical branch; jumps to other roots fall below
        ax.set_xlabel("Ig / Io   (Io = δμ/2π)")
        ax.set_ylabel("ΔI / Ī")
        ax.legend(fontsize=7, ncol=2)
        finish(fig, title, caption)
    return PaperFigure("2c", title, caption, df, fig)


MUBAR_6, GAMMA_6 = 1.52, 1.0
#: the physical root: one colour in both panels (blue/red mean forward/reverse bias elsewhere)
PHYSICAL_COLOR = "#7b3294"


@register("6", "Fig. 6: roots of the cubic B35 vs linear response")
def fig_6(*, quick: bool = False) -> PaperFigure:
    """Fig. 6: roots of the cubic B35 vs linear response.

    Fig. 6: every real root ``(mu_2, mu_3)`` of Eq. B35 vs ``Ig/Io``
    (forward bias), the physical one and the linear-response potentials.
    """
    w = Wire(".SD.")
    ratios = np.linspace(0.0, 4.0, 9 if quick else 81)
    rows = []
    for r in ratios:
        prm = qparams(float(r), gamma=GAMMA_6, mubar=MUBAR_6)
        roots = cubic_roots(prm, Bias.FORWARD)
        try:
            phys = physical_root(prm, Bias.FORWARD)
        except ConvergenceError:
            phys = (np.nan, np.nan)
        for k, (x, y) in enumerate(roots):
            is_phys = bool(np.isclose(x, phys[0], rtol=0, atol=1e-12) and np.isclose(y, phys[1], rtol=0, atol=1e-12))
            rows.append(dict(series="B35 root", root=k, physical=is_phys, bias="forward", gamma=GAMMA_6, mubar=MUBAR_6,
                             dmu=prm.dmu, Ig=prm.Ig, Ig_over_Io=float(r), mu2=MUBAR_6 + x, mu3=MUBAR_6 + y))
        try:
            mu = solve_quantum(w, prm).forward.mu
            m2, m3 = float(mu[1]), float(mu[2])
        except ParameterError:
            m2 = m3 = np.nan
        rows.append(dict(series="linear response", root=-1, physical=False, bias="forward", gamma=GAMMA_6,
                         mubar=MUBAR_6, dmu=prm.dmu, Ig=prm.Ig, Ig_over_Io=float(r), mu2=m2, mu3=m3))
    df = pd.DataFrame(rows)
    title = "Fig. 6: real roots (μ2, μ3) of the cubic expansion B35 and linear response"
    caption = (f"N = 4 (.SD.), contacts γ_1 = γ_4 = 1, forward bias δμ = 0.1, μ̄ = {MUBAR_6}, γ = {GAMMA_6} (the paper prints only δμ). Grey "
               "dots: every real root pair of B35 (up to 9); open purple circles: the physical root, the branch that "
               "joins linear response as Ig → 0 (the same root in both panels); dotted black: linear response "
               "(Eq. B31 / NEGF). Roots outside the band (|μ| ≥ 2) are off the axes.")
    with style():
        from matplotlib.lines import Line2D

        fig, axes, lax = new_figure_legend_row(2, width=10.0, height=4.3, sharey=True)
        allr = df[df["series"] == "B35 root"]
        ph = allr[allr["physical"]]
        lin = df[df["series"] == "linear response"]
        for ax, key, name in ((axes[0], "mu2", "(a) μ_2, the source S (site 2)"),
                              (axes[1], "mu3", "(b) μ_3, the drain D (site 3)")):
            ax.plot(allr["Ig_over_Io"], allr[key], ".", color="0.6", ms=3)
            ax.plot(ph["Ig_over_Io"], ph[key], "o", color=PHYSICAL_COLOR, mfc="none", ms=4.5, mew=1,
                    clip_on=False)  # physical roots lie in the band: none is cut at the band edge 2
            ax.plot(lin["Ig_over_Io"], lin[key], ":", color="k", lw=1.5)
            ax.set_ylim(-2, 2)
            ax.set_xlabel("Ig / Io   (Io = δμ/2π)")
            ax.set_title(name)
        axes[0].set_ylabel("bath potential μ_l (units of γ_o)")
        handles = [Line2D([], [], marker=".", color="0.6", ls="none", ms=6, label="every real root of B35"),
                   Line2D([], [], marker="o", color=PHYSICAL_COLOR, mfc="none", ls="none", ms=5, mew=1,
                          label="physical root of B35"),
                   Line2D([], [], color="k", ls=":", lw=1.5, label="linear response (Eq. B31 / NEGF)")]
        lax.legend(handles=handles, loc="center", ncol=3, fontsize=8, frameon=False)
        finish(fig, title, caption)
    return PaperFigure("6", title, caption, df, fig)
