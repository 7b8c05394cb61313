"""Figures of the quantum wire (Sec. III, App. B, App. C1) that need only the
NEGF solve: Figs. 7-10 and the map over ``(gamma, mubar)``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...deterministic.quantum import solve_quantum
from ...wire import ParameterError, QuantumParams, Wire
from ._base import PALETTE, PaperFigure, finish, new_figure, register, style

__all__ = ["fig_7", "fig_8", "fig_9", "fig_10", "fig_map_quantum", "fig10_layout", "qparams", "solve"]

DMU = 0.1


def qparams(ig_ratio: float, **kw) -> QuantumParams:
    """``QuantumParams`` with ``Ig = ig_ratio * Io`` (``Io = dmu/2pi``), ``dmu = 0.1`` by default."""
    kw.setdefault("dmu", DMU)
    return QuantumParams.from_ig_ratio(ig_ratio, **kw)


def solve(wire: Wire, params: QuantumParams, response: str = "linear"):
    """The NEGF steady state (forward and reverse)."""
    return solve_quantum(wire, params, response=response)


def fig10_layout(N: int = 60) -> str:
    """Fig. 10's wire: S at sites 2, 8, ..., D at 5, 11, ... (1-based)."""
    lay = ["."] * N
    for s in range(2, N - 1, 6):
        lay[s - 1] = "S"
    for d in range(5, N, 6):
        lay[d - 1] = "D"
    return "".join(lay)


def _profile_rows(fig: str, wire: Wire, prm: QuantumParams, label: str, **extra) -> list[dict]:
    res = solve(wire, prm)
    rows = []
    for bias in ("forward", "reverse"):
        mu = res.state(bias).mu
        for l in range(wire.N):
            rows.append(dict(series="NEGF linear response", case=label, bias=bias, N=wire.N, layout=wire.layout,
                             site=l + 1, gamma=prm.gamma, mubar=prm.mubar, dmu=prm.dmu, Ig=prm.Ig,
                             Ig_over_Io=prm.ig_ratio, gamma_contact=prm.gamma_contact, mu=float(mu[l]), **extra))
    return rows


# --------------------------------------------------------------------------
# Fig. 7
# --------------------------------------------------------------------------
FIG7_GAMMA = 0.5


@register("7", "Fig. 7: potential profiles, N = 12, 26, 100")
def fig_7(*, quick: bool = False) -> PaperFigure:
    """Fig. 7: ``mu_l`` of the S/D baths of ``dimers`` for N = 12, 26, 100,
    forward and reverse, ``Ig/Io = 0.3`` and ``Ig = 0`` (dashed)."""
    rows = []
    sizes = (12, 26) if quick else (12, 26, 100)
    for N in sizes:
        w = Wire.dimers(N)
        rows += _profile_rows("7", w, qparams(0.3, gamma=FIG7_GAMMA, mubar=1.4), "Ig/Io = 0.3")
        rows += _profile_rows("7", w, qparams(0.0, gamma=FIG7_GAMMA, mubar=1.4), "Ig = 0")
    df = pd.DataFrame(rows)
    title = "Fig. 7: chemical potential profiles of dimer wires, N = 12, 26, 100"
    caption = (f"NEGF linear response (T = 0), layout dimers (.SDSD...SD.), μ̄ = 1.4, δμ = ±0.1, Ig/Io = 0.3 "
               f"(Io = δμ/2π); γ = {FIG7_GAMMA} on every S/D bath (the paper does not print γ), contacts γ_1 = γ_N = 1. "
               "Sites 1 and N are the reservoirs μ̄ ± δμ/2. Solid: forward (δμ > 0) and reverse; dashed: Ig = 0, where "
               "the profile is the linear Ohmic drop of the inelastic (Drude-like) wire.")
    with style():
        fig, axes = new_figure(1, len(sizes), width=3.6 * len(sizes), height=3.6)
        for ax, N, tag in zip(axes[0], sizes, "abc"):
            sub = df[df["N"] == N]
            for bias in ("forward", "reverse"):
                s = sub[(sub["bias"] == bias) & (sub["case"] == "Ig/Io = 0.3")]
                ax.plot(s["site"], s["mu"], "o-", ms=3 if N < 50 else 1.5, color=PALETTE[bias], label=f"{bias}, Ig/Io = 0.3")
                s0 = sub[(sub["bias"] == bias) & (sub["case"] == "Ig = 0")]
                ax.plot(s0["site"], s0["mu"], "--", color=PALETTE[bias], lw=1, alpha=0.8, label=f"{bias}, Ig = 0")
            ax.set_title(f"({tag}) N = {N}")
            ax.set_xlabel("site l")
        axes[0][0].set_ylabel("μ_l (units of γ_o)")
        axes[0][0].legend(fontsize=7)
        finish(fig, title, caption)
    return PaperFigure("7", title, caption, df, fig)


# --------------------------------------------------------------------------
# Fig. 8
# --------------------------------------------------------------------------
FIG8: dict[str, Any] = dict(gammas=(0.5, 1.0), mubar=1.0, ig_ratio=0.3)


@register("8", "Fig. 8: delta_I vs contact coupling, one dimer")
def fig_8(*, quick: bool = False) -> PaperFigure:
    """Fig. 8: delta_I of one S-D dimer (N = 4) vs the contact coupling
    ``delta_gamma = gamma_1 - 1 = gamma_N - 1``; inset: ``|I_1|`` forward and
    reverse (first gamma)."""
    w = Wire(".SD.")
    rows = []
    for g in FIG8["gammas"]:
        for dg in np.linspace(0.0, 4.0, 11 if quick else 161):
            prm = qparams(FIG8["ig_ratio"], gamma=g, mubar=FIG8["mubar"], gamma_contact=1.0 + float(dg))
            res = solve(w, prm)
            rows.append(dict(series="NEGF linear response", delta_gamma=float(dg), gamma_contact=1.0 + float(dg),
                             gamma=prm.gamma, mubar=prm.mubar, dmu=prm.dmu, Ig=prm.Ig, Ig_over_Io=prm.ig_ratio,
                             I1_forward=res.forward.I_1, I1_reverse=res.reverse.I_1, delta_I=res.delta_I,
                             delta_I_over_Ig=res.delta_I / prm.Ig))
    df = pd.DataFrame(rows)
    g0 = FIG8["gammas"][0]
    s0 = df[df["gamma"] == g0]
    zero = _zero_crossing(s0["delta_gamma"].to_numpy(), s0["delta_I"].to_numpy())
    title = "Fig. 8: nonreciprocity of one S-D dimer vs contact scattering δγ"
    caption = (f"NEGF linear response, N = 4 (.SD.), contacts γ_1 = γ_N = γ_o + δγ (γ_o = 1), γ = "
               f"{', '.join(str(g) for g in FIG8['gammas'])} on S and D, μ̄ = {FIG8['mubar']}, Ig/Io = {FIG8['ig_ratio']}, "
               "δμ = ±0.1 (the paper prints only δμ; γ, μ̄ and Ig are our choice). "
               + (f"For γ = {g0}, ΔI falls to zero at δγ ≈ {zero:.2f}; beyond, the forward current exceeds the reverse "
                  "one (inset: |I_1| in units of Io = δμ/2π)." if zero is not None else ""))
    with style():
        import seaborn as sns

        fig, axes = new_figure(1, 1, width=6.4, height=4.2)
        ax = axes[0][0]
        colors = sns.color_palette("dark", len(FIG8["gammas"]))
        for c, g in zip(colors, FIG8["gammas"]):
            s = df[df["gamma"] == g]
            ax.plot(s["delta_gamma"], s["delta_I_over_Ig"], color=c, label=f"γ = {g}")
        ax.axhline(0, color="0.5", lw=0.8)
        ax.set_xlabel("δγ = γ_1 - γ_o = γ_N - γ_o")
        ax.set_ylabel("ΔI / Ig,  ΔI = |I_1(δμ<0)| - |I_1(δμ>0)|")
        ax.legend(loc="lower left")
        ins = ax.inset_axes([0.5, 0.45, 0.45, 0.4])
        io = DMU / (2 * np.pi)
        ins.plot(s0["delta_gamma"], s0["I1_forward"].abs() / io, color=PALETTE["forward"], label="forward")
        ins.plot(s0["delta_gamma"], s0["I1_reverse"].abs() / io, color=PALETTE["reverse"], label="reverse")
        ins.set_xlabel("δγ", fontsize=7)
        ins.set_ylabel(f"|I_1| / Io (γ = {g0})", fontsize=7)
        ins.tick_params(labelsize=6)
        ins.legend(fontsize=6)
        finish(fig, title, caption)
    return PaperFigure("8", title, caption, df, fig)


def _zero_crossing(x: np.ndarray, y: np.ndarray):
    s = np.nonzero(np.diff(np.sign(y)) != 0)[0]
    if not len(s):
        return None
    i = s[0]
    return float(x[i] - y[i] * (x[i + 1] - x[i]) / (y[i + 1] - y[i]))


# --------------------------------------------------------------------------
# Fig. 9
# --------------------------------------------------------------------------
FIG9_DGAMMAS = (-0.5, 0.0, 0.5, 2.0)


@register("9", "Fig. 9: delta_I vs N for several contact couplings")
def fig_9(*, quick: bool = False) -> PaperFigure:
    """Fig. 9: delta_I of ``dimers`` vs N for several contact couplings
    ``delta_gamma``; ``mubar = 1``, ``gamma = 0.3``, ``Ig/Io = 0.05``."""
    Ns = np.arange(4, 41 if quick else 201, 2 if not quick else 4)
    rows = []
    for dg in FIG9_DGAMMAS:
        for N in Ns:
            prm = qparams(0.05, gamma=0.3, mubar=1.0, gamma_contact=1.0 + dg)
            res = solve(Wire.dimers(int(N)), prm)
            rows.append(dict(series="NEGF linear response", delta_gamma=dg, gamma_contact=1.0 + dg, N=int(N),
                             gamma=prm.gamma, mubar=prm.mubar, dmu=prm.dmu, Ig=prm.Ig, Ig_over_Io=prm.ig_ratio,
                             delta_I=res.delta_I, delta_I_over_Ig=res.delta_I / prm.Ig))
    df = pd.DataFrame(rows)
    title = "Fig. 9: nonreciprocity vs N for several contact couplings δγ"
    caption = ("NEGF linear response, layout dimers, μ̄ = 1, δμ = ±0.1, γ = 0.3, Ig/Io = 0.05 (as in the paper); "
               f"contacts γ_1 = γ_N = 1 + δγ with δγ = {', '.join(str(d) for d in FIG9_DGAMMAS)} (the paper does not print "
               "its values). ΔI → Ig for N >> l_c whatever δγ. At N ≲ l_c contact scattering matters: for δγ < 0 ΔI starts "
               "negative and rises with coherent oscillations; a large δγ slows the rise (a longer effective l_c); "
               "the dependence on δγ is not monotonic (δγ = 0.5 lies above δγ = 0).")
    with style():
        import seaborn as sns

        fig, axes = new_figure(1, 1, width=6.4, height=4.0)
        ax = axes[0][0]
        colors = sns.color_palette("deep", len(FIG9_DGAMMAS))
        for c, dg in zip(colors, FIG9_DGAMMAS):
            s = df[df["delta_gamma"] == dg]
            ax.plot(s["N"], s["delta_I_over_Ig"], "o-", ms=2.5, color=c, label=f"δγ = {dg}")
        ax.axhline(1.0, color="0.5", lw=0.8, ls=":")
        ax.axhline(0.0, color="0.5", lw=0.8)
        ax.set_xlabel("number of sites N")
        ax.set_ylabel("ΔI / Ig")
        ax.legend(title="contact coupling")
        finish(fig, title, caption)
    return PaperFigure("9", title, caption, df, fig)


# --------------------------------------------------------------------------
# Fig. 10
# --------------------------------------------------------------------------
FIG10_GAMMAS = (0.3, 0.5, 0.8)


@register("10", "Fig. 10: delta_I vs mubar, N = 60")
def fig_10(*, quick: bool = False) -> PaperFigure:
    """Fig. 10: delta_I vs ``mubar`` for N = 60 with S at 2, 8, ..., 56 and D
    at 5, 11, ..., 59, ``Ig/Io = 0.1``, several gamma; inset near
    ``mubar = 1`` where delta_I vanishes (S-D distance 3 = lambda_F/2)."""
    w = Wire(fig10_layout(60))
    mus = np.linspace(-1.9, 1.9, 39 if quick else 191)
    mus_in = np.linspace(0.9, 1.1, 5 if quick else 41)
    rows = []
    for g in FIG10_GAMMAS:
        for region, grid in (("main", mus), ("inset", mus_in)):
            for mu in grid:
                prm = qparams(0.1, gamma=g, mubar=float(mu))
                res = solve(w, prm)
                rows.append(dict(series="NEGF linear response", region=region, gamma=g, mubar=float(mu), N=w.N,
                                 layout=w.layout, dmu=prm.dmu, Ig=prm.Ig, Ig_over_Io=prm.ig_ratio,
                                 delta_I=res.delta_I, delta_I_over_Ig=res.delta_I / prm.Ig))
    df = pd.DataFrame(rows)
    title = "Fig. 10: nonreciprocity vs μ̄ in a long wire with separated S-D pairs (N = 60)"
    caption = ("NEGF linear response, N = 60, S at sites 2, 8, ..., 56, D at 5, 11, ..., 59 (free sites between), "
               f"δμ = ±0.1, Ig/Io = 0.1, γ = {', '.join(str(g) for g in FIG10_GAMMAS)} (the paper does not print γ). "
               "(b): ΔI vanishes at μ̄ = 1 for every γ, where the S-D distance 3 equals λ_F/2 = π/arccos(μ̄/2) "
               "(and, by particle-hole symmetry, at μ̄ = -1).")
    with style():
        import seaborn as sns

        fig, axes = new_figure(1, 2, width=10.5, height=4.0, gridspec_kw={"width_ratios": [2, 1]})
        ax, ins = axes[0]
        colors = sns.color_palette("deep", len(FIG10_GAMMAS))
        for c, g in zip(colors, FIG10_GAMMAS):
            s = df[(df["gamma"] == g) & (df["region"] == "main")]
            ax.plot(s["mubar"], s["delta_I_over_Ig"], color=c, label=f"γ = {g}")
            s = df[(df["gamma"] == g) & (df["region"] == "inset")]
            ins.plot(s["mubar"], s["delta_I_over_Ig"], "o-", ms=2, color=c, label=f"γ = {g}")
        for a in (ax, ins):
            a.axhline(0, color="0.5", lw=0.8)
            a.set_xlabel("μ̄ (units of γ_o)")
        ins.axvline(1.0, color="0.5", lw=0.8, ls=":")
        ins.set_title("(b) zoom: ΔI = 0 at μ̄ = 1 (λ_F/2 = 3)")
        ax.set_title("(a) ΔI / Ig over the band")
        ax.set_ylabel("ΔI / Ig")
        ax.legend(loc="lower center")
        finish(fig, title, caption)
    return PaperFigure("10", title, caption, df, fig)


# --------------------------------------------------------------------------
# map over (gamma, mubar)
# --------------------------------------------------------------------------
MAPQ_N = 20


@register("map-quantum", "Map: quantum delta_I/Ig over (gamma, mubar)", paper=False)
def fig_map_quantum(*, quick: bool = False) -> PaperFigure:
    """Map of the quantum nonreciprocity ``delta_I / Ig`` of ``dimers``
    (N = 20) over ``(gamma, mubar)``, NEGF linear response."""
    gammas = np.linspace(0.05, 2.0, 8 if quick else 40)
    mus = np.linspace(-1.9, 1.9, 9 if quick else 39)
    w = Wire.dimers(MAPQ_N)
    rows = []
    for g in gammas:
        for mu in mus:
            prm = qparams(0.05, gamma=float(g), mubar=float(mu))
            try:
                dI = solve(w, prm).delta_I
            except ParameterError:  # a bath potential would leave the band: no linear-response state
                dI = np.nan
            rows.append(dict(series="NEGF linear response", N=MAPQ_N, layout="dimers", gamma=float(g), mubar=float(mu),
                             dmu=prm.dmu, Ig=prm.Ig, Ig_over_Io=prm.ig_ratio, delta_I=dI,
                             delta_I_over_Ig=dI / prm.Ig))
    df = pd.DataFrame(rows)
    Z = df.pivot(index="mubar", columns="gamma", values="delta_I_over_Ig").to_numpy()
    title = f"Quantum nonreciprocity ΔI/Ig of a dimer wire (N = {MAPQ_N}) over (γ, μ̄)"
    caption = (f"NEGF linear response (T = 0), layout dimers, N = {MAPQ_N}, δμ = ±0.1, Ig/Io = 0.05, contacts γ_1 = γ_N = 1. "
               "ΔI = |I_1(δμ<0)| - |I_1(δμ>0)| in units of Ig; ΔI/Ig is independent of Ig in linear response while "
               "the forward current keeps its sign. Weak coupling: a coherent wire, ΔI small; strong coupling: "
               "short l_c, ΔI → Ig. White: a bath potential would leave the band (|μ_l| ≥ 2), no linear-response state.")
    with style():
        fig, axes = new_figure(1, 1, width=6.4, height=4.6)
        ax = axes[0][0]
        G, M = np.meshgrid(gammas, mus)
        vmax = max(1.0, float(np.nanmax(Z)))
        vmin = min(0.0, float(np.nanmin(Z)))
        m = ax.pcolormesh(G, M, Z, shading="nearest", cmap="viridis", vmin=vmin, vmax=vmax)
        fig.colorbar(m, ax=ax, label="ΔI / Ig (NEGF)")
        cs = ax.contour(G, M, Z, levels=[0.25, 0.5, 0.75, 0.9], colors="w", linewidths=0.8)
        ax.clabel(cs, fmt="%.2f", fontsize=7)
        ax.set_xlabel("bath coupling γ (units of γ_o)")
        ax.set_ylabel("μ̄ (units of γ_o)")
        finish(fig, title, caption)
    return PaperFigure("map-quantum", title, caption, df, fig)


# ==========================================================================
# figures with the paper's closed forms overlaid
# ==========================================================================
from ..equations import quantum as EQ  # noqa: E402


# --------------------------------------------------------------------------
# Fig. 2(b) and Fig. 5: one dimer
# --------------------------------------------------------------------------
def _dimer_mu_rows(prm: QuantumParams, x_name: str, x: float) -> list[dict]:
    res = solve(Wire(".SD."), prm)
    rows = []
    for bias, s in (("forward", 1.0), ("reverse", -1.0)):
        st = res.state(bias)
        dm = float(EQ.b31_delta_mu(prm.gamma, prm.mubar, prm.Ig, s * prm.dmu))
        for site, mu_num, mu_ref in ((2, st.mu[1], prm.mubar + dm), (3, st.mu[2], prm.mubar - dm)):
            base = dict(bias=bias, site=site, gamma=prm.gamma, mubar=prm.mubar, dmu=prm.dmu, Ig=prm.Ig,
                        Ig_over_Io=prm.ig_ratio)
            base[x_name] = x
            rows.append(dict(series="NEGF linear response", mu=float(mu_num), **base))
            rows.append(dict(series="Eq. B31", mu=float(mu_ref), **base))
    return rows


def _plot_dimer_mu(ax, df: pd.DataFrame, x: str, *, dots_every: int = 1) -> None:
    for bias in ("forward", "reverse"):
        for site, ls in ((2, "-"), (3, "--")):
            s = df[(df["bias"] == bias) & (df["site"] == site)]
            num = s[s["series"] == "NEGF linear response"]
            ref = s[s["series"] == "Eq. B31"].iloc[::dots_every]
            ax.plot(num[x], num["mu"], ls, color=PALETTE[bias], label=f"μ_{site} ({'S' if site == 2 else 'D'}), {bias}")
            ax.plot(ref[x], ref["mu"], "o", color="k", ms=3, mfc="k" if bias == "forward" else "none")
    ax.plot([], [], "o", color="k", ms=3, label="Eq. B31 (dots)")


@register("2b", "Fig. 2(b): mu_2, mu_3 of one dimer vs Ig")
def fig_2b(*, quick: bool = False) -> PaperFigure:
    """Fig. 2(b): the S and D potentials of one dimer (N = 4) vs ``Ig/Io``,
    forward and reverse (NEGF lines, Eq. B31 dots); ``mubar = 1``,
    ``gamma = 0.5``, ``dmu = +-0.1``, the paper's ``Ig/Io = 0.3`` marked."""
    rows = []
    for r in np.linspace(0.0, 0.6, 7 if quick else 61):
        rows += _dimer_mu_rows(qparams(float(r), gamma=0.5, mubar=1.0), "Ig_over_Io", float(r))
    df = pd.DataFrame(rows)
    title = "Fig. 2(b): S and D potentials of one dimer (N = 4), forward and reverse"
    caption = ("NEGF linear response (lines) and Eq. B31 (dots: filled forward, open reverse), N = 4 (.SD.), μ̄ = 1, "
               "γ = 0.5, δμ = ±0.1, contacts γ_1 = γ_4 = 1. The paper shows Ig/Io = 0.3 (dotted line: μ_2 - μ̄ = "
               "53/720 forward); μ_2 and μ_3 do not swap under bias reversal when Ig ≠ 0, hence ΔI = 2 dI (B33) "
               "= (2/9) Ig here.")
    with style():
        fig, axes = new_figure(1, 1, width=6.4, height=4.2)
        ax = axes[0][0]
        _plot_dimer_mu(ax, df, "Ig_over_Io", dots_every=1 if quick else 5)
        ax.axvline(0.3, color="0.4", ls=":", lw=1)
        ax.axhline(1.0, color="0.6", lw=0.8)
        ax.set_xlabel("Ig / Io   (Io = δμ/2π)")
        ax.set_ylabel("bath potential μ_l (units of γ_o)")
        ax.legend(fontsize=7, ncol=2)
        finish(fig, title, caption)
    return PaperFigure("2b", title, caption, df, fig)


@register("5", "Fig. 5: mu_2, mu_3 of one dimer vs gamma")
def fig_5(*, quick: bool = False) -> PaperFigure:
    """Fig. 5: the S and D potentials of one dimer vs ``gamma``, NEGF and
    Eq. B31; ``mubar = 1``, ``Ig/Io = 0.3``, ``dmu = 0.1``."""
    rows = []
    for g in np.linspace(0.2, 2.0, 10 if quick else 91):
        rows += _dimer_mu_rows(qparams(0.3, gamma=float(g), mubar=1.0), "gamma_value", float(g))
    df = pd.DataFrame(rows).drop(columns=["gamma_value"])
    title = "Fig. 5: S and D potentials of one dimer vs the bath coupling γ"
    caption = ("NEGF linear response (lines) and Eq. B31 (dots: filled forward, open reverse), N = 4 (.SD.), μ̄ = 1, "
               "Ig/Io = 0.3, δμ = ±0.1 (the paper shows forward; reverse added). Δμ ≈ π Ig/γ² at small γ (Eq. 17): "
               "linear response needs Ig ≲ 2γ² Io. At γ = γ_c = 1 (B34) ΔI = 2Ig/3, the classical value.")
    with style():
        fig, axes = new_figure(1, 1, width=6.4, height=4.2)
        ax = axes[0][0]
        _plot_dimer_mu(ax, df, "gamma", dots_every=1 if quick else 5)
        ax.axhline(1.0, color="0.6", lw=0.8)
        ax.set_xlabel("bath coupling γ (units of γ_o)")
        ax.set_ylabel("bath potential μ_l (units of γ_o)")
        ax.legend(fontsize=7, ncol=2)
        finish(fig, title, caption)
    return PaperFigure("5", title, caption, df, fig)


# --------------------------------------------------------------------------
# Fig. 3
# --------------------------------------------------------------------------
@register("3a", "Fig. 3(a): potential profile of a dimer wire, N = 30")
def fig_3a(*, quick: bool = False) -> PaperFigure:
    """Fig. 3(a): ``mu_l`` of ``dimers``, N = 30, ``mubar = 1``,
    ``Ig/Io = 0.3``, ``gamma = 0.5``, forward and reverse, with Eq. 19 dots."""
    N = 30
    w = Wire.dimers(N)
    prm = qparams(0.3, gamma=0.5, mubar=1.0)
    rows = _profile_rows("3a", w, prm, "Ig/Io = 0.3")
    for r in rows:
        r["series"] = "NEGF linear response"
    l = np.arange(2, N)
    for bias, s in (("forward", 1.0), ("reverse", -1.0)):
        mu = EQ.eq19_mu(l, N, prm.gamma, prm.mubar, prm.Ig, s * prm.dmu)
        for site, m in zip(l, mu):
            rows.append(dict(series="Eq. 19", case="Ig/Io = 0.3", bias=bias, N=N, layout=w.layout, site=int(site),
                             gamma=prm.gamma, mubar=prm.mubar, dmu=prm.dmu, Ig=prm.Ig, Ig_over_Io=prm.ig_ratio,
                             gamma_contact=1.0, mu=float(m)))
    df = pd.DataFrame(rows)
    lc = EQ.eq20_lc(prm.gamma, prm.mubar)
    title = "Fig. 3(a): chemical potential profile of a dimer wire, N = 30"
    caption = (f"NEGF linear response (lines), layout dimers (S on even, D on odd sites), N = 30, μ̄ = 1, Ig/Io = 0.3, "
               f"γ = 0.5 (l_c = 1/α_R = {lc:.2f}), δμ = ±0.1; black dots: Eq. 19 (filled forward, open reverse). "
               "Eq. 19 is a bulk form: it misses the first few l_c at each contact.")
    with style():
        fig, axes = new_figure(1, 1, width=6.8, height=4.2)
        ax = axes[0][0]
        for bias in ("forward", "reverse"):
            s = df[(df["bias"] == bias) & (df["series"] == "NEGF linear response")]
            ax.plot(s["site"], s["mu"], "-", color=PALETTE[bias], label=f"NEGF, {bias}")
            e = df[(df["bias"] == bias) & (df["series"] == "Eq. 19")]
            ax.plot(e["site"], e["mu"], "o", color="k", ms=3.5, mfc="k" if bias == "forward" else "none",
                    label=f"Eq. 19, {bias}")
        ax.set_xlabel("site l")
        ax.set_ylabel("μ_l (units of γ_o)")
        ax.legend(fontsize=7)
        finish(fig, title, caption)
    return PaperFigure("3a", title, caption, df, fig)


FIG3B_GAMMAS = (0.3, 0.5, 1.0)


@register("3b", "Fig. 3(b): delta_I vs N, dimers, with Eq. 21")
def fig_3b(*, quick: bool = False) -> PaperFigure:
    """Fig. 3(b): delta_I of ``dimers`` vs N (NEGF lines) with ``2 delta J``
    of Eq. 21 (dots), ``Ig/Io = 0.05``, ``mubar = 1``, several gamma."""
    Ns = np.arange(4, 41, 6) if quick else np.unique(np.concatenate([np.arange(4, 60, 2), np.arange(60, 301, 8)]))
    rows = []
    for g in FIG3B_GAMMAS:
        for N in Ns:
            prm = qparams(0.05, gamma=g, mubar=1.0)
            res = solve(Wire.dimers(int(N)), prm)
            base = dict(gamma=g, N=int(N), mubar=1.0, dmu=prm.dmu, Ig=prm.Ig, Ig_over_Io=prm.ig_ratio,
                        lc=EQ.eq20_lc(g, 1.0), forward_I1=res.forward.I_1)
            rows.append(dict(series="NEGF linear response", delta_I=res.delta_I, **base))
            rows.append(dict(series="Eq. 21 (2 deltaJ)", delta_I=float(EQ.eq21_delta_I(int(N), g, 1.0, prm.Ig)), **base))
    df = pd.DataFrame(rows)
    df["delta_I_over_Ig"] = df["delta_I"] / df["Ig"]
    title = "Fig. 3(b): nonreciprocity vs N of a dimer wire, NEGF and Eq. 21"
    caption = ("Layout dimers, Ig/Io = 0.05, μ̄ = 1, δμ = ±0.1 (as in the paper); γ = "
               + ", ".join(f"{g} (l_c = {EQ.eq20_lc(g, 1.0):.1f})" for g in FIG3B_GAMMAS)
               + " (the paper does not print γ). Lines: NEGF ΔI = |I_1(δμ<0)| - |I_1(δμ>0)|; dots: 2δJ of Eq. 21, "
               "Ig (1 - l_c/(l_c + N - 3)). Linear growth for N << l_c, saturation at Ig for N >> l_c. For γ = 1 "
               "beyond N ≈ 80 the forward current G_N δμ - δJ changes sign, and the definition gives ΔI = 2 G_N δμ "
               "(falling like 1/N) instead of 2δJ: Eq. 21's ΔI holds only while the forward current keeps its sign.")
    with style():
        import seaborn as sns

        fig, axes = new_figure(1, 1, width=6.6, height=4.2)
        ax = axes[0][0]
        colors = sns.color_palette("deep", len(FIG3B_GAMMAS))
        for c, g in zip(colors, FIG3B_GAMMAS):
            s = df[(df["gamma"] == g) & (df["series"] == "NEGF linear response")]
            ax.plot(s["N"], s["delta_I_over_Ig"], "-", color=c, label=f"NEGF, γ = {g}")
            e = df[(df["gamma"] == g) & (df["series"] != "NEGF linear response")]
            e = e if quick else e[(e["N"] < 60) & (e["N"] % 6 == 4) | (e["N"] >= 60) & (e["N"] % 24 == 12)]
            ax.plot(e["N"], e["delta_I_over_Ig"], "o", color="k", ms=3, mfc=c, label=f"Eq. 21, γ = {g}")
        ax.axhline(1.0, color="0.5", ls=":", lw=0.8)
        ax.set_xlabel("number of sites N")
        ax.set_ylabel("ΔI / Ig")
        ax.legend(fontsize=7, ncol=2, loc="lower right")
        finish(fig, title, caption)
    return PaperFigure("3b", title, caption, df, fig)


FIG3C_GAMMAS = (0.3, 0.5, 1.0)


@register("3c", "Fig. 3(c): delta_j vs N, one S-D dimer, with Eq. 22")
def fig_3c(*, quick: bool = False) -> PaperFigure:
    """Fig. 3(c): delta_I of ``single`` (S at 2, D at N-1) vs N, NEGF and
    Eq. 22 / C13, ``Ig/Io = 0.1``, ``mubar = 1``: zeros at ``N - 3 = m
    lambda_F/2``."""
    Ns = np.arange(5, 23 if quick else 51)
    rows = []
    for g in FIG3C_GAMMAS:
        for N in Ns:
            prm = qparams(0.1, gamma=g, mubar=1.0)
            res = solve(Wire.single(int(N)), prm)
            base = dict(gamma=g, N=int(N), mubar=1.0, dmu=prm.dmu, Ig=prm.Ig, Ig_over_Io=prm.ig_ratio,
                        forward_I1=res.forward.I_1)
            rows.append(dict(series="NEGF linear response", delta_I=res.delta_I, **base))
            rows.append(dict(series="Eq. 22 (C13)", delta_I=float(EQ.eq22_delta_j(int(N), g, 1.0, prm.Ig)), **base))
    df = pd.DataFrame(rows)
    df["delta_I_over_Ig"] = df["delta_I"] / df["Ig"]
    lamF = EQ.c_lambdaF(1.0)
    title = "Fig. 3(c): nonreciprocity of one S-D dimer vs wire length: coherent zeros"
    caption = (f"Layout single (S at site 2, D at N-1, free sites between), Ig/Io = 0.1, μ̄ = 1 (λ_F = {lamF:g}), "
               f"δμ = ±0.1; γ = {', '.join(str(g) for g in FIG3C_GAMMAS)} (the paper does not print γ). Lines+dots: "
               "NEGF ΔI; crosses: Δj of Eq. 22 / C13. ΔI vanishes for every γ when N - 3 is a multiple of "
               "λ_F/2 = 3 (dotted lines); the classical single dimer (C23) has no such zeros.")
    with style():
        import seaborn as sns

        fig, axes = new_figure(1, 1, width=6.6, height=4.2)
        ax = axes[0][0]
        colors = sns.color_palette("deep", len(FIG3C_GAMMAS))
        for c, g in zip(colors, FIG3C_GAMMAS):
            s = df[(df["gamma"] == g) & (df["series"] == "NEGF linear response")]
            ax.plot(s["N"], s["delta_I_over_Ig"], "o-", ms=3, color=c, label=f"NEGF, γ = {g}")
            e = df[(df["gamma"] == g) & (df["series"] != "NEGF linear response")]
            ax.plot(e["N"], e["delta_I_over_Ig"], "x", color="k", ms=5, label="Eq. 22" if g == FIG3C_GAMMAS[-1] else None)
        for m in range(1, int((Ns[-1] - 3) / (lamF / 2)) + 1):
            ax.axvline(3 + m * lamF / 2, color="0.6", ls=":", lw=0.8)
        ax.axhline(0, color="0.5", lw=0.8)
        ax.set_xlabel("number of sites N")
        ax.set_ylabel("ΔI / Ig = Δj / Ig")
        ax.set_ylim(-0.05, 1.15)
        ax.legend(fontsize=7, ncol=4, loc="upper center")
        finish(fig, title, caption)
    return PaperFigure("3c", title, caption, df, fig)
