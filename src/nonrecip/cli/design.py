"""``nonrecip design classical|quantum|circuit``: the layouts with the largest nonreciprocity.

Parse, check, call :func:`nonrecip.design.design`, print. Every option comes
from the parameter table (:mod:`nonrecip.params`): the model's own (those of
``nonrecip solve MODEL``, the layout aside) and the design parameters
(:data:`~nonrecip.params.DESIGN_PARAMETERS`). ``--json`` prints exactly
:meth:`~nonrecip.design.DesignResult.to_dict` (one object, nothing else);
``--out FILE`` writes ``.json``/``.csv``/``.parquet`` atomically and
``--plot FILE.png`` the figure of :func:`nonrecip.design.plot.plot`. Every
input, the output paths included, is checked before the search starts: bad
input is one line on stderr and exit code 2, nothing written.
"""

import sys
import textwrap
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import MissingParameterError, ParameterError
from ..params import DESIGN_PARAMETERS, HAMILTONIAN_PARAMETERS, MODEL_PARAMETERS, PARAMETERS
from ._app import app
from ._common import JsonOpt, OutOpt, info, pick, table_options

__all__ = ["design_app", "parse_robust_over", "layout_cell", "format_result"]

design_app = typer.Typer(no_args_is_help=True, help="Inverse design: the layouts of K S-D pairs with the "
                         "largest delta_I (conventions §1).")
app.add_typer(design_app, name="design")

#: the model options of each design command: those of ``solve MODEL`` except the
#: layout (searched) and the quantum solver's numerical knobs, which the design
#: library does not pass on (``method``, ``tol``, ``max_iter``, ``max_nodes``)
_MODEL_OPTIONS = {
    "classical": tuple(n for n in MODEL_PARAMETERS["classical"] if n not in ("layout", "N")),
    "circuit": tuple(n for n in MODEL_PARAMETERS["circuit"] if n not in ("layout", "N")),
    "quantum": tuple(n for n in MODEL_PARAMETERS["quantum"]
                     if n not in ("layout", "N", "method", "tol", "max_iter", "max_nodes")
                     and n not in HAMILTONIAN_PARAMETERS),
}
_OUT_EXT = (".json", ".csv", ".parquet")
_PLOT_EXT = (".png", ".pdf", ".svg")

OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Replace --out / --plot files that exist.")]
PlotOpt = Annotated[Path | None, typer.Option(
    "--plot", help="Also draw the best layout with its profile and the distribution of the objective "
    "(FILE.png, .pdf or .svg).")]


# --------------------------------------------------------------------------
# checks made before any work
# --------------------------------------------------------------------------
def parse_robust_over(text: str | None, model: str) -> tuple[str, float, float, int] | None:
    """Parse ``--robust-over NAME:LO:HI:N`` into ``(name, lo, hi, n)``.

    ``NAME`` is any spelling of a parameter of ``model`` that the table
    accepts (``mubar`` or ``mu``, ``Ig`` or ``ig``); ``N >= 2`` values from
    ``LO`` to ``HI``.
    """
    if text is None:
        return None
    allowed = "must be NAME:LO:HI:N, e.g. mubar:0.8:1.2:5 (N >= 2 values of a model parameter)"
    parts = text.split(":")
    if len(parts) != 4:
        raise ParameterError("robust_over", text, allowed)
    key = parts[0].strip().lower()
    names = [n for n in _MODEL_OPTIONS[model] if PARAMETERS[n].kind is float and key in PARAMETERS[n].aliases]
    if not names:
        floats = [n for n in _MODEL_OPTIONS[model] if PARAMETERS[n].kind is float and n != "ig_ratio"]
        raise ParameterError("robust_over", text, f"NAME must be a parameter of the {model} model: "
                             + ", ".join(floats))
    try:
        lo, hi, n = float(parts[1]), float(parts[2]), int(parts[3])
    except ValueError:
        raise ParameterError("robust_over", text, allowed) from None
    if n < 2:
        raise ParameterError("robust_over", text, allowed)
    return names[0], lo, hi, n


# --------------------------------------------------------------------------
# the human-readable form (80 columns, numbers never split)
# --------------------------------------------------------------------------
_NUM = 11  # width of a number column: "%.5g" is at most 11 characters ("-1.2346e-05")
_FIRST = 6  # "dimers", "single", or the rank
_LAYOUT = 80 - _FIRST - 1 - 4 * (_NUM + 1) - 1  # 24: the row is 79 characters


def layout_cell(layout: str, width: int = _LAYOUT) -> str:
    """``layout`` if it fits ``width``, else a cut form ending in ``(N=...)``.

    Runs of free sites, longest first, become one ``…`` until the baths
    fit (``.S..S…D.D. (N=1000)``); with too many baths even for that, the
    two ends of that collapsed form around one more ``…``.
    """
    if len(layout) <= width:
        return layout
    import re

    tag = f" (N={len(layout)})"
    room = max(width - len(tag), 5)
    runs = sorted({len(m.group()) for m in re.finditer(r"\.{2,}", layout)}, reverse=True)
    for longest in runs:  # collapse every run at least this long
        cut = re.sub(r"\.{" + str(longest) + ",}", "…", layout)
        if len(cut) <= room:
            return cut + tag
    cut = re.sub(r"\.{2,}", "…", layout)
    head = room // 2
    return cut[:head] + "…" + cut[len(cut) - (room - head - 1):] + tag


def _row(first: str, c: Any) -> str:
    nums = "".join(f" {v:>{_NUM}.5g}" for v in (c.delta_I, c.I_in_forward, c.I_in_reverse, c.objective))
    return f"{first:<{_FIRST}} {layout_cell(c.layout):<{_LAYOUT}}{nums}"


def _search_line(result: Any) -> str:
    par = result.parameters
    if result.method == "analytic":
        return (f"search: closed form (exact for any N, no search): {par['optimal_layouts']} optimal "
                f"layout(s); {result.evaluated} solved")
    refused = par.get("refused", 0)
    ref = f", {refused} refused by the solver" if refused else ""
    if result.method == "exhaustive":
        return f"search: exhaustive, every one of {par['layouts_in_space']} layouts; evaluated {result.evaluated}{ref}"
    return (f"search: simulated annealing (not exhaustive), {par['restarts']} restarts (seed {par['seed']}), "
            f"{par['restarts_agreeing']} of {par['restarts']} agree on the best; evaluated {result.evaluated} of "
            f"{par['layouts_in_space']} layouts{ref}")


def format_result(result: Any) -> str:
    """Return the table of the best layouts and the references, and how the search went (80 columns)."""
    par = result.parameters
    skip = {"model", "N", "pairs", "probes", "objective", "method", "layouts_in_space", "budget", "max_seconds",
            "solver_calls", "refused", "superposed", "restarts", "seed", "cache_hits", "restarts_agreeing",
            "optimal_order", "optimal_layouts", "saturated", "delta_I_closed_form", "closed_form", "fixed",
            "min_gap", "robust_values"}
    model_par = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in par.items() if k not in skip and v is not None)
    head = (f"{par['model']} design: N={par['N']}, K={par['pairs']} pairs, M={par['probes']} probes; "
            f"objective {par['objective']}; {model_par}")
    extra = [f"fixed {par['fixed']}" for _ in (0,) if par.get("fixed")]
    if par.get("min_gap", 1) != 1:
        extra.append(f"min gap {par['min_gap']}")
    lines = [textwrap.fill(head + ("; " + "; ".join(extra) if extra else ""), 80, break_long_words=False,
                           break_on_hyphens=False)]
    lines.append(textwrap.fill(_search_line(result), 80, break_long_words=False, break_on_hyphens=False))
    nums = "".join(f" {h:>{_NUM}}" for h in ("delta_I", "I_in fwd", "I_in rev", "objective"))
    rule = "-" * (_FIRST + 1 + _LAYOUT + 4 * (_NUM + 1))
    lines += ["", f"{'rank':<{_FIRST}} {'layout':<{_LAYOUT}}{nums}", rule]
    lines += [_row(str(i + 1), c) for i, c in enumerate(result.best)]
    if result.reference:
        lines += [rule] + [_row(k, c) for k, c in result.reference.items()]
    else:
        lines.append("(no dimers/single reference layout for these N, K, M)")
    if any(len(c.layout) > _LAYOUT for c in result.best):
        lines.append("(layouts cut in the middle: the full strings are in --json and --out)")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# the commands
# --------------------------------------------------------------------------
def _run(model: str, values: dict[str, Any], *, as_json: bool, out: Path | None, plot: Path | None,
         overwrite: bool) -> None:
    from ..runs import check_output
    from ..wire import CircuitParams, ClassicalParams, QuantumParams

    for name, path, ext in (("out", out, _OUT_EXT), ("plot", plot, _PLOT_EXT)):
        if path is not None:
            check_output(name, path, ext, overwrite=overwrite, resumable=False)
    if out is not None and plot is not None and out.absolute() == plot.absolute():
        raise ParameterError("plot", str(plot), "must differ from --out")
    if values["N"] is None:
        raise MissingParameterError("N", PARAMETERS["N"].flag, "by nonrecip design")
    if values["pairs"] is None:
        raise MissingParameterError("pairs", PARAMETERS["pairs"].flag, "by nonrecip design")
    d = {n: PARAMETERS[n].check(values.pop(n)) for n in DESIGN_PARAMETERS}
    robust_over = parse_robust_over(d.pop("robust_over"), model)
    hamiltonian = None
    if model == "classical":
        params: Any = ClassicalParams(**pick(values, ClassicalParams))
        response = "linear"
    elif model == "circuit":
        params = CircuitParams(**pick(values, CircuitParams))
        response = "linear"
    else:
        response = values.pop("response")
        from ..hamiltonian_options import hamiltonian_from_options

        hamiltonian = hamiltonian_from_options(d["N"], **{k: values.pop(k) for k in HAMILTONIAN_PARAMETERS})
        params = QuantumParams.from_options(**values)

    from ..design import design

    result = design(model, d.pop("N"), d.pop("pairs"), params, response=response, robust_over=robust_over,
                    hamiltonian=hamiltonian, **d)
    if out is not None:
        result.save(out)
        info(f"wrote {out}")
    if plot is not None:
        import io

        from ..design.plot import plot as draw
        from ..results import atomic_write

        fig = draw(result, hamiltonian=hamiltonian)
        buf = io.BytesIO()
        fig.savefig(buf, format=plot.suffix.lower().lstrip("."), dpi=150)
        atomic_write(plot, buf.getvalue())
        info(f"wrote {plot}")
    if as_json:
        sys.stdout.write(result.to_json() + "\n")
        sys.stdout.flush()
    else:
        print(format_result(result))


@design_app.command("classical")
@table_options("N", *_MODEL_OPTIONS["classical"], *DESIGN_PARAMETERS[1:], model="classical")
def design_classical_cmd(*, json: JsonOpt = False, out: OutOpt = None, plot: PlotOpt = None,
                         overwrite: OverwriteOpt = False, **values: Any) -> None:
    """Classical walkers (Sec. II): the optimum in closed form for delta_I and per-pair, any N."""
    _run("classical", values, as_json=json, out=out, plot=plot, overwrite=overwrite)


@design_app.command("quantum")
@table_options("N", *_MODEL_OPTIONS["quantum"], *HAMILTONIAN_PARAMETERS, *DESIGN_PARAMETERS[1:], model="quantum")
def design_quantum_cmd(*, json: JsonOpt = False, out: OutOpt = None, plot: PlotOpt = None,
                       overwrite: OverwriteOpt = False, **values: Any) -> None:
    """Quantum wire (Sec. III, App. B): exhaustive when the layouts fit the budget, else annealing."""
    _run("quantum", values, as_json=json, out=out, plot=plot, overwrite=overwrite)


@design_app.command("circuit")
@table_options("N", *_MODEL_OPTIONS["circuit"], *DESIGN_PARAMETERS[1:], model="circuit")
def design_circuit_cmd(*, json: JsonOpt = False, out: OutOpt = None, plot: PlotOpt = None,
                       overwrite: OverwriteOpt = False, **values: Any) -> None:
    """Resistive circuit (Sec. I, App. D): exhaustive when the layouts fit the budget, else annealing."""
    _run("circuit", values, as_json=json, out=out, plot=plot, overwrite=overwrite)
