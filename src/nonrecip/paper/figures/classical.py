"""Figures of the classical side.

Fig. 1 (the circuits of Sec. I) and the map of the classical nonreciprocity
over ``(p, N)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...deterministic.circuit import solve_circuit
from ...deterministic.classical import solve_classical
from ...wire import CircuitParams, ClassicalParams, Wire  # noqa: F401
from ..equations import circuit as EC
from ..equations import classical as E
from ._base import PALETTE, PaperFigure, finish, new_figure, register, style

__all__ = ["fig_1", "fig_map_classical"]


#: the classical model of the Monte Carlo points of Fig. 1: close to its p -> 0 (circuit) limit
FIG1_P = 0.01
FIG1_STEPS = {True: 20_000, False: 400_000}


@register("1", "Fig. 1: circuit currents")
def fig_1(*, quick: bool = False) -> PaperFigure:
    """Fig. 1: circuit currents.

    Fig. 1: current into the three resistive circuits of Sec. I vs ``Ig``.

    Kirchhoff solve (lines) of ``.SD.`` (a), ``.SDDS.`` (b), ``.SDSD.`` (c)
    with equal segments, forward and reverse, against the closed forms of
    Sec. I (dots): ``V/R - Ig/3``, ``V/R``, ``V/R - 2Ig/5`` (reverse
    ``V/R + k Ig``). ``V = R = 1``.
    
    """
    from ...stochastic import simulate

    V, R = 1.0, 1.0
    ig_num = np.linspace(0.0, 2.0, 9 if quick else 41)
    ig_ref = np.linspace(0.0, 2.0, 5 if quick else 11)
    rows = []
    for panel, lay in EC.FIG1_LAYOUTS.items():
        w = Wire(lay)
        for Ig in ig_num:
            res = solve_circuit(w, CircuitParams(V=V, R=R, Ig=float(Ig)))
            for bias in ("forward", "reverse"):
                rows.append(dict(panel=panel, layout=lay, series="Kirchhoff solve", bias=bias, V=V, R=R,
                                 Ig=float(Ig), I_in=res.state(bias).I_in))
        for Ig in ig_ref:
            for bias in ("forward", "reverse"):
                rows.append(dict(panel=panel, layout=lay, series="Sec. I closed form", bias=bias, V=V, R=R,
                                 Ig=float(Ig), I_in=float(EC.fig1_current(panel, V, R, Ig, bias))))
        # the classical walkers at small p: the circuit is their p -> 0 limit with drho/(N-1) = V/R
        for k, Ig in enumerate(ig_ref[::2]):
            drho = (w.N - 1) * V / R
            seed = 300 + 10 * "abc".index(panel) + k
            mc = simulate(w, ClassicalParams(p=FIG1_P, Ig=float(Ig), drho=drho), steps=FIG1_STEPS[quick], seed=seed,
                          estimator="adjoint")
            for bias in ("forward", "reverse"):
                e = mc.state(bias).I_in
                rows.append(dict(panel=panel, layout=lay, series="classical Monte Carlo", bias=bias, V=V, R=R,
                                 Ig=float(Ig), I_in=e.mean, stderr=e.stderr, p=FIG1_P, drho=drho,
                                 steps=FIG1_STEPS[quick], seed=seed))
    df = pd.DataFrame(rows)
    df["abs_I_in"] = df["I_in"].abs()
    title = "Fig. 1: current into the circuits of Sec. I, forward and reverse"
    caption = ("Kirchhoff solve (lines) of a uniform wire of total resistance R with equal segments and ideal "
               "current sources S / drains D of Ig, against the closed forms of Sec. I (dots): (a) .SD. "
               "|I_in| = V/R ∓ Ig/3, (b) .SDDS. V/R (parity kept: reciprocal), (c) .SDSD. V/R ∓ 2Ig/5. "
               "V = R = 1 (the paper gives no numbers). Squares: Monte Carlo of the classical walkers at p = "
               f"{FIG1_P} with δρ = (N-1) V/R (± 1 stderr, {FIG1_STEPS[quick]} steps, adjoint estimator), whose "
               "p -> 0 limit is the circuit (Sec. II below Eq. 6). The forward current changes sign at Ig = 3V/R (a) "
               "and 5V/(2R) (c), outside this range.")
    names = {"a": "(a) .SD.: V/R ∓ Ig/3", "b": "(b) .SDDS.: V/R", "c": "(c) .SDSD.: V/R ∓ 2Ig/5"}
    with style():
        fig, axes = new_figure(1, 3, width=10.5, height=3.6, sharey=True)
        for ax, panel in zip(axes[0], "abc", strict=True):
            sub = df[df["panel"] == panel]
            for bias in ("forward", "reverse"):
                num = sub[(sub["series"] == "Kirchhoff solve") & (sub["bias"] == bias)]
                ref = sub[(sub["series"] == "Sec. I closed form") & (sub["bias"] == bias)]
                ax.plot(num["Ig"], num["abs_I_in"], color=PALETTE[bias], label=f"Kirchhoff, {bias}")
                ax.plot(ref["Ig"], ref["abs_I_in"], "o", color="k", ms=4, mfc="none" if bias == "reverse" else "k",
                        label=f"Sec. I, {bias}")
                mc = sub[(sub["series"] == "classical Monte Carlo") & (sub["bias"] == bias)]
                ax.errorbar(mc["Ig"], mc["abs_I_in"], yerr=mc["stderr"], fmt="s", ms=6, mfc="none", capsize=3,
                            color=PALETTE[bias], label=f"Monte Carlo p = {FIG1_P}, {bias}")
            ax.set_title(names[panel])
            ax.set_xlabel("Ig / (V/R)")
        axes[0][0].set_ylabel("|I_in| / (V/R)")
        axes[0][1].legend(loc="lower center", frameon=True, ncol=2, fontsize=7)
        finish(fig, title, caption)
    return PaperFigure("1", title, caption, df, fig)


def _eq8_flip(level: float, N: int) -> float:
    """Return the flip probability ``1 - p`` at which Eq. 8 gives ``delta_I / Ig = level`` (``dimers``, N sites)."""
    return level / ((N - 2) * (1.0 - level))


@register("map-classical", "Map: classical delta_I/Ig over (p, N)", paper=False)
def fig_map_classical(*, quick: bool = False) -> PaperFigure:
    """Map: classical delta_I/Ig over (p, N).

    Map of the classical nonreciprocity ``delta_I / Ig`` of ``dimers`` over
    ``(p, N)`` from the exact solve, with Eq. 8 contours and the line
    ``N = l_c = 1/(1-p)``.
    """
    Ig, drho = 1e-4, 0.1
    q = np.geomspace(1e-3, 0.98, 8 if quick else 50)  # flip probability 1 - p
    ps = 1.0 - q
    Ns = np.unique(np.round(np.geomspace(4, 400, 8 if quick else 40) / 2).astype(int) * 2)
    rows = []
    for N in Ns:
        w = Wire.dimers(int(N))
        for p in ps:
            res = solve_classical(w, ClassicalParams(p=float(p), Ig=Ig, drho=drho))
            lc = 1.0 / (1.0 - p)
            rows.append(dict(series="exact solve", layout="dimers", N=int(N), p=float(p), Ig=Ig, drho=drho,
                             delta_I=res.delta_I, delta_I_over_Ig=res.delta_I / Ig, N_over_lc=N / lc))
    df = pd.DataFrame(rows)
    Z = df.pivot(index="N", columns="p", values="delta_I_over_Ig").to_numpy()[:, ::-1]  # columns by 1-p
    title = "Classical nonreciprocity ΔI/Ig of the dimer lattice over (p, N)"
    caption = ("Colour: exact steady state of the master equation (layout .SDSD...SD., N/2-1 dimers), "
               f"ΔI = |I_in(rev)| - |I_in(fwd)| at Ig = {Ig:g}, δρ = {drho:g} (forward current keeps its sign "
               "everywhere, so ΔI/Ig is independent of Ig). Dashed contours: Eq. 8, 2(1-p)(N/2-1)/(1+(N-2)(1-p)). "
               "White line: N = l_c = 1/(1-p); nonreciprocity needs inelastic flips (1-p > 0) and saturates "
               "at Ig for N >> l_c.")
    with style():
        fig, axes = new_figure(1, 1, width=6.4, height=4.6)
        ax = axes[0][0]
        qq, NN = np.meshgrid(q, Ns)
        m = ax.pcolormesh(qq, NN, Z, shading="nearest", cmap="viridis", vmin=0, vmax=1)
        fig.colorbar(m, ax=ax, label="ΔI / Ig (exact solve)")
        ax.set_xscale("log")  # scales first: contour labels are rotated and spaced in display coordinates
        ax.set_yscale("log")
        ax.set_xlim(q[0], q[-1])
        ax.set_ylim(Ns[0], Ns[-1])
        qf = np.geomspace(q[0], q[-1], 200)
        QF, NF = np.meshgrid(qf, Ns)
        Z8 = np.array([E.eq8_delta_I(int(N), 1.0 - qf, 1.0) for N in Ns])  # Eq. 8 per unit Ig
        levels = (0.1, 0.3, 0.5, 0.7, 0.9)
        cs = ax.contour(QF, NF, Z8, levels=list(levels), colors="k", linestyles="--", linewidths=0.9)
        # one label per contour, in a row at N = 30 where the contours are far apart; 0.5 (N = 2 + l_c, next to
        # the white line N = l_c) lower down at N = 6, where the two lines part
        ax.clabel(cs, fmt="%.1f", fontsize=7.5, inline_spacing=3,
                  manual=[(_eq8_flip(lv, 6 if lv == 0.5 else 30), 6 if lv == 0.5 else 30) for lv in levels])
        ql = qf[(1 / qf <= Ns[-1]) & (1 / qf >= Ns[0])]
        ax.plot(ql, 1 / ql, color="w", lw=1.5, label="N = l_c = 1/(1-p)")
        ax.set_xlabel("flip probability 1 - p at S/D sites  (= a / l_c)")
        ax.set_ylabel("number of sites N")
        ax.legend(loc="upper right", framealpha=0.8)
        finish(fig, title, caption)
    return PaperFigure("map-classical", title, caption, df, fig)
