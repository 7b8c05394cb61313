"""Gallery figure: the optimal layout's nonreciprocity against the paper's layouts.

Optimal ``delta_I`` over the layouts of ``N`` sites with ``K = 1..4`` S-D
pairs (:func:`nonrecip.design.design`), against ``K`` packed dimers
(``.SDSD..SD...``, the paper's lattice when ``N = 2K + 2``) and, for
``K = 1``, the ``single`` layout; classical (closed-form optimum) and
quantum (linear response; exhaustive where the layouts number at most
``EXHAUSTIVE_MAX``, annealing otherwise).
"""

from __future__ import annotations

import pandas as pd

from ...design import design
from ...wire import ClassicalParams, QuantumParams
from ._base import PaperFigure, finish, new_figure, register, style

__all__ = ["fig_design", "CLASSICAL", "QUANTUM", "EXHAUSTIVE_MAX"]

CLASSICAL = ClassicalParams(p=0.8, Ig=0.01, drho=0.1)
QUANTUM = QuantumParams.from_ig_ratio(0.1, gamma=0.7, mubar=1.0, dmu=0.1)
EXHAUSTIVE_MAX = 20_000
_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")


def _grid(quick: bool) -> dict[int, list[int]]:
    if quick:
        return {1: [4, 6, 8], 2: [6, 8]}
    return {K: list(range(2 * K + 2, 2 * K + 2 + (14 if K <= 2 else 8), 2)) for K in range(1, 5)}


@register("design", "Optimal layouts vs the paper's dimers and single layouts", paper=False)
def fig_design(*, quick: bool = False) -> PaperFigure:
    """Plot the optimal ``delta_I / Ig`` vs ``N`` for ``K = 1..4`` against dimers and single.

    Classical (closed-form optimum) and quantum (exhaustive or annealing).
    """
    rows = []
    for model, params in (("classical", CLASSICAL), ("quantum", QUANTUM)):
        for K, Ns in _grid(quick).items():
            for N in Ns:
                if model == "quantum":
                    r = design(model, N, K, params, top=1, budget=EXHAUSTIVE_MAX, restarts=4, seed=0)
                else:
                    r = design(model, N, K, params, top=1)
                base = dict(model=model, K=K, N=N, **params.to_dict())
                b = r.best[0]
                rows.append(dict(base, series="optimum", layout=b.layout, delta_I=b.delta_I, method=r.method,
                                 exhaustive=r.exhaustive, evaluated=r.evaluated))
                for name, c in r.reference.items():
                    rows.append(dict(base, series=name, layout=c.layout, delta_I=c.delta_I, method="reference",
                                     exhaustive=True, evaluated=1))
    df = pd.DataFrame(rows)
    df["delta_I_over_Ig"] = df["delta_I"] / df["Ig"]
    title = "Inverse design: optimal ΔI vs the paper's layouts"
    caption = (f"Largest ΔI = |I_in(rev)| - |I_in(fwd)| over all layouts of N sites with K S-D pairs (solid), against "
               "K packed dimers .SDSD..SD... (dashed; the paper's lattice at N = 2K+2) and the single layout "
               f".S...D. (K = 1, dotted). Classical: p = {CLASSICAL.p}, Ig = {CLASSICAL.Ig}, δρ = {CLASSICAL.drho}; "
               "optimum from the closed form, order S^K D^K, K times the dimers. Quantum linear response: γ = "
               f"{QUANTUM.gamma}, μ̄ = {QUANTUM.mubar}, δμ = {QUANTUM.dmu}, Ig/Io = 0.1; exhaustive search up to "
               f"{EXHAUSTIVE_MAX} layouts, annealing (4 restarts, budget {EXHAUSTIVE_MAX}) above (open markers).")
    with style():
        fig, axes = new_figure(1, 2, width=10.0, height=4.0)
        for ax, model in zip(axes[0], ("classical", "quantum"), strict=True):
            sub = df[df["model"] == model]
            for K, col in zip(range(1, 5), _COLOURS, strict=True):
                s = sub[sub["K"] == K]
                if s.empty:
                    continue
                for series, ls, mk in (("optimum", "-", "o"), ("dimers", "--", "s"), ("single", ":", "^")):
                    t = s[s["series"] == series].sort_values("N")
                    if t.empty:
                        continue
                    ax.plot(t["N"], t["delta_I_over_Ig"], ls, color=col, lw=1.2,
                            label=f"K={K} {series}" if series != "single" or K == 1 else None)
                    ex = t["exhaustive"].to_numpy(bool)
                    ax.plot(t["N"][ex], t["delta_I_over_Ig"][ex], mk, color=col, ms=4)
                    ax.plot(t["N"][~ex], t["delta_I_over_Ig"][~ex], mk, color=col, ms=5, mfc="none")
            ax.set_title(model)
            ax.set_xlabel("N")
            ax.set_ylabel("ΔI / Ig")
        axes[0][0].legend(fontsize=6, ncol=2, loc="upper left")
        finish(fig, title, caption)
    return PaperFigure("design", title, caption, df, fig)


def _ratio_table(df: pd.DataFrame) -> pd.DataFrame:
    """Optimum over dimers per (model, K, N) (for the report)."""
    p = df.pivot_table(index=["model", "K", "N"], columns="series", values="delta_I")
    p["ratio"] = p["optimum"] / p["dimers"]
    return p.reset_index()


