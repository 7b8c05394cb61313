"""``nonrecip solve quantum``: the NEGF wire with self-consistent baths.

Parse, call the library, print. The options are those of the parameter table (:mod:`nonrecip.params`);
``--ig`` and ``--ig-ratio`` follow its one rule
(:meth:`nonrecip.wire.QuantumParams.from_options`); ``--model`` and its
options build the Hamiltonian (:func:`nonrecip.hamiltonian_options.hamiltonian_from_options`).
"""

from __future__ import annotations

from typing import Any

from ..params import HAMILTONIAN_PARAMETERS, MODEL_PARAMETERS
from ._app import solve_app
from ._common import JsonOpt, OutOpt, SitesOpt, emit, make_wire, table_options

#: the keywords of solve_quantum besides the wire and the parameters
_SOLVER_OPTIONS = ("response", "method", "tol", "max_iter", "max_nodes")


@solve_app.command("quantum")
@table_options(*MODEL_PARAMETERS["quantum"], model="quantum")
def solve_quantum_cmd(*, json: JsonOpt = False, out: OutOpt = None, sites: SitesOpt = None,
                      **values: Any) -> None:
    """Quantum wire: S/D/P baths with self-consistent potentials (Sec. III, App. B, C1)."""
    from ..deterministic.quantum import solve_quantum
    from ..hamiltonian_options import hamiltonian_from_options
    from ..runs import check_layout, check_output, check_output_space
    from ..wire import QuantumParams
    from .solve import _output

    check_layout("nonlinear" if values["response"] == "nonlinear" else "quantum", values["layout"], values["N"],
                 method=values["method"], max_nodes=values["max_nodes"], output=_output(json, out))  # before any work
    if out is not None:
        check_output("out", out, (".json", ".csv", ".parquet"))
        check_output_space(out, values["layout"], values["N"])  # room for the file on its disk
    wire = make_wire(values.pop("layout"), values.pop("N"))
    options = {k: values.pop(k) for k in _SOLVER_OPTIONS}
    model = {k: values.pop(k) for k in HAMILTONIAN_PARAMETERS}
    params = QuantumParams.from_options(**values)
    hamiltonian = hamiltonian_from_options(wire.N, **model)
    res = solve_quantum(wire, params, **options, hamiltonian=hamiltonian)
    emit(res, as_json=json, out=out, sites=sites)
