"""Gallery figures of general wires (issue 11): SSH, disorder, long-range hopping, temperature.

Quantum linear response (conventions §4) for wires beyond the paper's
uniform chain, through :func:`nonrecip.deterministic.quantum.solve_quantum`
with a :class:`~nonrecip.hamiltonian.Hamiltonian`:

* ``ssh`` — ``delta_I`` of the ``dimers`` layout on an SSH wire across
  ``t2/t1`` (trivial ``t2 < t1``, topological ``t2 > t1``), the gap edges
  ``|t1 - t2| = |mubar|`` marked;
* ``disorder`` — the ensemble mean (with its standard error) and typical value
  of ``delta_I`` over Anderson seeds vs ``W``
  (:func:`nonrecip.sweep.ensemble.ensemble_table`), against the weak-disorder
  localisation length ``xi = 24 (4 - mubar^2) / W^2`` (Thouless) and the
  clean wire's ``l_c`` (Eq. 20);
* ``long-range`` — ``delta_I`` vs hopping range ``r`` for ``t_k = k^-alpha``;
* ``temperature`` — ``delta_I`` vs ``T`` (uniform, SSH, Anderson).

Every plotted point is a solver call; the CSV holds them all.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ...hamiltonian import Hamiltonian
from ...wire import QuantumParams, Wire
from ..equations.quantum import eq20_lc
from ._base import PaperFigure, finish, new_figure, new_figure_legend_row, register, style

__all__ = ["fig_ssh", "fig_disorder", "fig_long_range", "fig_temperature", "PARAMS", "thouless_xi"]

#: the quantum parameters of every figure here (Ig/Io = 0.1: potentials stay well inside the band)
PARAMS = dict(gamma=0.5, mubar=0.5, dmu=0.1)
IG_RATIO = 0.1


def _params(**kw: float) -> QuantumParams:
    return QuantumParams.from_ig_ratio(IG_RATIO, **{**PARAMS, **kw})


def _solve(wire: Wire, p: QuantumParams, h: Hamiltonian | None) -> float:
    from ...deterministic.quantum import solve_quantum

    return float(solve_quantum(wire, p, hamiltonian=h).delta_I)


def _row(series: str, wire: Wire, p: QuantumParams, h: Hamiltonian | None, **extra: object) -> dict:
    d = _solve(wire, p, h)
    return dict(series=series, layout=wire.layout, N=wire.N, gamma=p.gamma, mubar=p.mubar, dmu=p.dmu, Ig=p.Ig,
                temperature=p.temperature, delta_I=d, delta_I_over_Ig=d / p.Ig,
                digest=None if h is None else h.digest, **extra)


def thouless_xi(W: float, mubar: float) -> float:  # noqa: N803 - physics name
    """Weak-disorder localisation length of the 1D Anderson chain, ``24 (4 - E^2) / W^2`` (sites)."""
    return math.inf if W == 0 else 24.0 * (4.0 - mubar**2) / W**2


def _params_text(p: QuantumParams) -> str:
    return f"γ = {p.gamma}, μ̄ = {p.mubar}, δμ = {p.dmu}, Ig/Io = {IG_RATIO}, T = {p.temperature}"


# --------------------------------------------------------------------------
@register("ssh", "SSH wire: ΔI across t2/t1 (trivial vs topological)", paper=False)
def fig_ssh(*, quick: bool = False) -> PaperFigure:
    """Plot ``delta_I / Ig`` of ``dimers`` on an SSH wire vs ``t2/t1`` (``t1 = 1``) for two ``mubar``."""
    n = 20 if quick else 40
    ratios = np.round(np.linspace(0.2, 2.0, 10 if quick else 91), 6)
    wire = Wire.dimers(n)
    rows = []
    for mubar in (0.3, 1.0):
        p = _params(mubar=mubar)
        for r in ratios:
            rows.append(_row(f"μ̄ = {mubar}", wire, p, Hamiltonian.ssh(n, 1.0, float(r)), t1=1.0, t2=float(r)))
    df = pd.DataFrame(rows)
    p0 = _params()
    title = "SSH wire: ΔI across t2/t1"
    caption = (f"ΔI = |I_in(rev)| - |I_in(fwd)| of the dimers layout (N = {n}) on an SSH wire, bonds 1-2, 3-4, ... "
               "hopping t1 = 1 and 2-3, 4-5, ... t2, linear response at T = 0; γ = "
               f"{p0.gamma}, δμ = {p0.dmu}, Ig/Io = {IG_RATIO}, μ̄ = 0.3 and 1.0. Dotted: the gap edges "
               "|t1 - t2| = μ̄ of each μ̄ (between them μ̄ lies in the SSH band; outside, in the gap: transport by "
               "evanescent states). Grey line: t2 = t1 (the uniform wire); t2 > t1 is the topological phase of this "
               "bond convention (edge states at w = 0). Kinks: the input current of one bias changes sign "
               "(ΔI takes absolute values).")
    with style():
        fig, axes = new_figure(1, 1, width=6.4, height=4.2)
        ax = axes[0][0]
        for (series, s), col in zip(df.groupby("series", sort=False), ("#1f77b4", "#d62728"), strict=True):
            ax.plot(s["t2"], s["delta_I_over_Ig"], "-", color=col, label=series)
            mu = float(s["mubar"].iloc[0])
            for edge in (1.0 - mu, 1.0 + mu):
                ax.axvline(edge, color=col, ls=":", lw=1)
        ax.axvline(1.0, color="#7f7f7f", lw=1)
        ax.set_xlim(float(ratios[0]) - 0.05, float(ratios[-1]) + 0.05)
        ax.text(0.97, 0.97, "trivial ", transform=ax.get_xaxis_transform(), ha="right", va="top", fontsize=8,
                bbox=dict(fc="white", ec="none", alpha=0.8, pad=1))
        ax.text(1.03, 0.97, " topological", transform=ax.get_xaxis_transform(), ha="left", va="top", fontsize=8,
                bbox=dict(fc="white", ec="none", alpha=0.8, pad=1))
        ax.set_xlabel("t2 / t1")
        ax.set_ylabel("ΔI / Ig")
        ax.legend(loc="lower right")
        finish(fig, title, caption)
    return PaperFigure("ssh", title, caption, df, fig)


# --------------------------------------------------------------------------
@register("disorder", "Anderson disorder: ensemble ΔI vs W, localisation length and l_c", paper=False)
def fig_disorder(*, quick: bool = False) -> PaperFigure:
    """Plot the ensemble mean and typical ``delta_I / Ig`` of ``dimers`` vs the disorder ``W``."""
    from ...sweep.ensemble import ensemble_table

    n = 20 if quick else 60
    seeds = range(4 if quick else 40)
    Ws = [0.0, 1.0, 3.0] if quick else [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0]
    wire = Wire.dimers(n)
    p = _params()
    rows = []
    for W in Ws:
        for seed in seeds:
            r = _row("realisation", wire, p, Hamiltonian.anderson(n, W, seed), W=W, seed=seed)
            rows.append(dict(r, status="ok"))
    real = pd.DataFrame(rows)
    ens = ensemble_table(real, "seed", ["W", "seed"], outputs=("delta_I_over_Ig",))
    ens["xi"] = [thouless_xi(W, p.mubar) for W in ens["W"]]
    lc = float(eq20_lc(p.gamma, p.mubar))
    ens["series"] = "ensemble"
    df = pd.concat([real, ens.assign(N=n, gamma=p.gamma, mubar=p.mubar, dmu=p.dmu, Ig=p.Ig, lc=lc)],
                   ignore_index=True)
    title = "Anderson disorder: ensemble ΔI vs W"
    caption = (f"ΔI/Ig of the dimers layout (N = {n}) with on-site energies uniform in [-W/2, W/2] "
               f"(numpy default_rng(seed), seeds 0..{len(seeds) - 1} per W), linear response; {_params_text(p)}. "
               "Dots: single realisations; line: ensemble mean ± standard error; dashed: typical value "
               "exp⟨log|ΔI|⟩. Top axis: localisation length ξ = 24(4 - μ̄²)/W² (weak-disorder Thouless formula, "
               f"in sites); dotted verticals where ξ = N and where ξ = l_c = {lc:.3g} (Eq. 20, clean wire).")
    with style():
        fig, axs, lax = new_figure_legend_row(1, width=6.4, height=4.8)
        ax = axs[0]
        ax.plot(real["W"], real["delta_I_over_Ig"], ".", color="#9ecae1", ms=3, label="realisations")
        ax.errorbar(ens["W"], ens["delta_I_over_Ig_mean"], yerr=ens["delta_I_over_Ig_stderr"].fillna(0.0), fmt="o-",
                    color="#1f77b4", capsize=2, label="mean ± s.e.")
        ax.plot(ens["W"], ens["delta_I_over_Ig_typical"], "s--", color="#d62728", ms=4, label="typical")
        for target, lab in ((float(n), "ξ = N"), (lc, "ξ = l_c")):
            W_at = math.sqrt(24.0 * (4.0 - p.mubar**2) / target)
            if W_at <= max(Ws):
                ax.axvline(W_at, color="#7f7f7f", ls=":", lw=1)
                ax.text(W_at, 0.02, f" {lab}", transform=ax.get_xaxis_transform(), fontsize=7, color="#555555")
        ax.set_xlabel("W")
        ax.set_ylabel("ΔI / Ig")
        top = ax.twiny()
        top.set_xlim(ax.get_xlim())
        ticks = [W for W in Ws if W > 0][:: 2 if not quick else 1]
        top.set_xticks(ticks)
        top.set_xticklabels([f"{thouless_xi(W, p.mubar):.3g}" for W in ticks], fontsize=7)
        top.set_xlabel("ξ (sites)")
        top.grid(False)
        handles, labels = ax.get_legend_handles_labels()
        lax.legend(handles, labels, loc="center", ncol=3, frameon=False)
        finish(fig, title, caption)
    return PaperFigure("disorder", title, caption, df, fig)


# --------------------------------------------------------------------------
@register("long-range", "Long-range hopping: ΔI vs range and decay", paper=False)
def fig_long_range(*, quick: bool = False) -> PaperFigure:
    """Plot ``delta_I / Ig`` of ``dimers`` vs hopping range ``r`` for ``t_k = k^-alpha``."""
    n = 16 if quick else 30
    ranges = [1, 2, 3] if quick else list(range(1, 9))
    alphas = [1.0, 3.0] if quick else [0.5, 1.0, 2.0, 3.0]
    wire = Wire.dimers(n)
    p = _params()
    rows = [_row(f"α = {a}", wire, p, Hamiltonian.long_range(n, 1.0, a, r), r=r, alpha=a)
            for a in alphas for r in ranges]
    df = pd.DataFrame(rows)
    title = "Long-range hopping: ΔI vs range"
    caption = (f"ΔI/Ig of the dimers layout (N = {n}) with hoppings t_(l,l+k) = k^-α for k ≤ r (r = 1: the "
               f"uniform wire), linear response; {_params_text(p)}.")
    with style():
        fig, axes = new_figure(1, 1, width=6.4, height=4.2)
        ax = axes[0][0]
        for series, s in df.groupby("series", sort=False):
            ax.plot(s["r"], s["delta_I_over_Ig"], "o-", label=series)
        ax.set_xlabel("hopping range r")
        ax.set_ylabel("ΔI / Ig")
        ax.legend()
        finish(fig, title, caption)
    return PaperFigure("long-range", title, caption, df, fig)


# --------------------------------------------------------------------------
@register("temperature", "ΔI vs temperature (linear response)", paper=False)
def fig_temperature(*, quick: bool = False) -> PaperFigure:
    """Plot ``delta_I / Ig`` vs ``T`` for the uniform, an SSH and an Anderson wire (``dimers``)."""
    n = 12 if quick else 30
    Ts = [0.0, 0.05, 0.2] if quick else [0.0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0]
    wire = Wire.dimers(n)
    models = {"uniform": None, "SSH t2/t1 = 0.6": Hamiltonian.ssh(n, 1.0, 0.6),
              "Anderson W = 1, seed 0": Hamiltonian.anderson(n, 1.0, 0)}
    rows = [_row(name, wire, _params(temperature=T), h) for name, h in models.items() for T in Ts]
    df = pd.DataFrame(rows)
    p = _params()
    title = "ΔI vs temperature"
    caption = (f"ΔI/Ig of the dimers layout (N = {n}) in linear response at temperature T (thermally averaged "
               "transmission, K = ∫dw (-df/dw) T(w)); γ = "
               f"{p.gamma}, μ̄ = {p.mubar}, δμ = {p.dmu}, Ig/Io = {IG_RATIO}; uniform wire, SSH (t1 = 1, t2 = 0.6), "
               "Anderson (W = 1, seed 0). Ig is fixed (Io = δμ/2π), so only K changes with T.")
    with style():
        fig, axes = new_figure(1, 1, width=6.4, height=4.2)
        ax = axes[0][0]
        for series, s in df.groupby("series", sort=False):
            ax.plot(s["temperature"], s["delta_I_over_Ig"], "o-", label=series)
        ax.set_xlabel("T (γ_o / k_B)")
        ax.set_ylabel("ΔI / Ig")
        ax.legend()
        finish(fig, title, caption)
    return PaperFigure("temperature", title, caption, df, fig)
