"""``nonrecip solve classical|circuit``: exact steady states. Parse, call the library, print.

The options are those of the parameter table (:mod:`nonrecip.params`).
"""

from __future__ import annotations

from typing import Any

from ..params import MODEL_PARAMETERS
from ._app import solve_app
from ._common import DrhoOpt, IgOpt, JsonOpt, OutOpt, POpt, Rho0Opt, SitesOpt, emit, make_wire, pick, table_options

__all__ = ["POpt", "IgOpt", "DrhoOpt", "Rho0Opt", "solve_classical_cmd", "solve_circuit_cmd"]


def _output(as_json: bool, out: Any) -> str | None:
    """How the whole result is written, for the memory estimate (``None``: a table on screen)."""
    if out is not None and str(out).lower().endswith((".csv", ".parquet")):
        return "table"
    return "json" if as_json or out is not None else None


@solve_app.command("classical")
@table_options(*MODEL_PARAMETERS["classical"], model="classical")
def solve_classical_cmd(*, json: JsonOpt = False, out: OutOpt = None, sites: SitesOpt = None,
                      **values: Any) -> None:
    """Exact steady state of the classical master equation (Sec. II, App. A)."""
    from ..deterministic import solve_classical
    from ..runs import check_layout, check_output, check_output_space
    from ..wire import ClassicalParams

    check_layout("classical", values["layout"], values["N"], output=_output(json, out))  # before any work
    if out is not None:
        check_output("out", out, (".json", ".csv", ".parquet"))
        check_output_space(out, values["layout"], values["N"])  # room for the file on its disk
    wire = make_wire(values["layout"], values["N"])
    res = solve_classical(wire, ClassicalParams(**pick(values, ClassicalParams)))
    emit(res, as_json=json, out=out, sites=sites)


@solve_app.command("circuit")
@table_options(*MODEL_PARAMETERS["circuit"], model="circuit")
def solve_circuit_cmd(*, json: JsonOpt = False, out: OutOpt = None, sites: SitesOpt = None,
                      **values: Any) -> None:
    """Kirchhoff solve of the resistive circuit (Sec. I, App. D)."""
    from ..deterministic import solve_circuit
    from ..runs import check_layout, check_output, check_output_space
    from ..wire import CircuitParams

    check_layout("circuit", values["layout"], values["N"], output=_output(json, out))  # before any work
    if out is not None:
        check_output("out", out, (".json", ".csv", ".parquet"))
        check_output_space(out, values["layout"], values["N"])  # room for the file on its disk
    wire = make_wire(values["layout"], values["N"])
    res = solve_circuit(wire, CircuitParams(**pick(values, CircuitParams)))
    emit(res, as_json=json, out=out, sites=sites)
