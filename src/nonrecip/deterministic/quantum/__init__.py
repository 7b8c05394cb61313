"""The quantum tight-binding wire with self-consistent source, drain and probe baths.

Sec. III, App. B, App. C1 of the paper; conventions §4.

* :mod:`.greens` — bath self-energies, ``G(w)``, ``T_ll'(w)``;
* :mod:`nonrecip.deterministic.quantum.state` — :class:`QuantumState`, the steady state under one bias;
* :mod:`.linear` — linear response at ``T = 0``: a dense oracle and the
  direct ``O(N)`` structured solver;
* :mod:`nonrecip.deterministic.quantum.general` (with :mod:`._chain`, :mod:`.thermal`,
  :mod:`.thermal_chain`) — linear response for any
  :class:`~nonrecip.hamiltonian.Hamiltonian` and any ``T >= 0``;
* :mod:`nonrecip.deterministic.quantum.nonlinear`, :mod:`.cubic` — beyond linear response.

:func:`solve_quantum` is the one entry point.
"""

from __future__ import annotations

from typing import Any

from ...hamiltonian import Hamiltonian
from ...results import Result
from ...runs.budget import check_sites
from ...wire import ParameterError, QuantumParams, Wire
from .greens import bath_couplings, broadening, green_dense, self_energy, transmission_dense
from .state import QuantumState
from .thermal import is_zero_temperature

__all__ = [
    "solve_quantum",
    "QuantumState",
    "bath_couplings",
    "self_energy",
    "broadening",
    "green_dense",
    "transmission_dense",
]

RESPONSES = ("linear", "nonlinear", "cubic")
METHODS = ("auto", "fast", "dense")


def solve_quantum(wire: Wire, params: QuantumParams, *, response: str = "linear",
                  method: str = "auto", tol: float | None = None, max_iter: int | None = None,
                  max_nodes: int | None = None, hamiltonian: Hamiltonian | None = None) -> Result:
    """Steady state of the quantum wire under forward and reverse bias.

    Units ``gamma_o = e = hbar = 1`` (conventions §4). The S, D and P baths
    have their potentials fixed self-consistently so that every S injects
    ``Ig``, every D draws ``Ig`` and every P carries no current.

    Parameters
    ----------
    wire : Wire
        Any layout.
    params : QuantumParams
        ``gamma``, ``mubar``, ``dmu``, ``Ig``, ``gamma_contact``,
        ``temperature``.
    response : {"linear", "nonlinear", "cubic"}
        ``"linear"``: linear response (Eq. B26 to first order) at any
        ``temperature >= 0``; ``T > 0`` is solved by
        :func:`.general.solve_linear_general` with the thermally averaged
        transmission (also for the paper's wire). ``"nonlinear"``: the full
        Landauer-Buttiker currents with Fermi functions at ``temperature``,
        solved by Newton (:mod:`nonrecip.deterministic.quantum.nonlinear`). ``"cubic"``: the paper's
        third-order expansion, Eq. B35 (:mod:`.cubic`).
    tol, max_iter, max_nodes : optional
        Only with ``response="nonlinear"``: the Newton tolerance (relative to
        ``max(Ig, Io)``), the iteration limit and the largest energy grid of
        :func:`.nonlinear.solve_nonlinear`; ``None`` keeps its defaults.
        Values given are recorded in ``Result.parameters``.
    hamiltonian : Hamiltonian, optional
        The wire's Hamiltonian (:mod:`nonrecip.hamiltonian`; ``N`` must match
        the layout). ``None`` (default): the paper's wire, exactly as before.
        Given, ``response="linear"`` is solved by
        :func:`.general.solve_linear_general` for any range and any
        ``temperature >= 0`` (the uniform wire at ``T = 0`` still takes the
        direct solver), and ``Result.parameters`` records
        ``hamiltonian`` (model, its parameters, ``N``, range, digest); the
        nonlinear and cubic responses accept only a uniform Hamiltonian for now.
    method : {"auto", "fast", "dense"}
        For ``response="linear"``: ``"fast"`` is the direct ``O(N)`` solver
        (also ``"auto"``), ``"dense"`` the ``O(N^3)`` oracle. Other responses
        accept only ``"auto"``.

    Returns
    -------
    Result
        ``model="quantum"``, :class:`QuantumState` ``forward`` / ``reverse``,
        ``delta_I = |I_1(reverse)| - |I_1(forward)|``; ``extra`` records
        ``response`` and ``method``.

    Raises
    ------
    ParameterError
        Bad input, a bath potential pushed out of the band ``(-2, 2)``, or a
        layout with no path for the prescribed currents.
    ConvergenceError
        A nonlinear solve that did not converge (the message gives the residual).

    Examples
    --------
    >>> from nonrecip import Wire, QuantumParams, solve_quantum
    >>> p = QuantumParams.from_ig_ratio(0.3, gamma=0.5, mubar=1.0, dmu=0.1)
    >>> res = solve_quantum(Wire(".SD."), p)
    >>> round(float(res.forward.mu[1]) - 1.0, 10)    # 53/720 (Eq. B31)
    0.0736111111
    >>> round(res.delta_I / p.Ig, 10)          # 2/9 (Eq. B33)
    0.2222222222
    """
    if not isinstance(wire, Wire):
        raise ParameterError("wire", wire, "must be a nonrecip.Wire")
    if not isinstance(params, QuantumParams):
        raise ParameterError("params", params, "must be a nonrecip.QuantumParams")
    if response not in RESPONSES:
        raise ParameterError("response", response, f"must be one of {', '.join(RESPONSES)}")
    if method not in METHODS:
        raise ParameterError("method", method, f"must be one of {', '.join(METHODS)}")
    if response == "cubic" and params.temperature != 0.0:
        raise ParameterError("temperature", params.temperature,
                             "response='cubic' is the T = 0 expansion B35; use 'linear' or 'nonlinear' at T > 0")
    solver_options: dict[str, Any] = {k: v for k, v in (("tol", tol), ("max_iter", max_iter), ("max_nodes", max_nodes))
                      if v is not None}
    if solver_options and response != "nonlinear":
        name = next(iter(solver_options))
        raise ParameterError(name, solver_options[name], "is an option of response='nonlinear' only")
    check_sites("nonlinear" if response == "nonlinear" else "quantum", wire.N, method=method,
                max_nodes=max_nodes)  # refuse before allocating what cannot fit
    extra = {} if hamiltonian is None else {"hamiltonian": _described(wire, hamiltonian)}
    if response == "linear" and (hamiltonian is not None
                                 or not is_zero_temperature(params.temperature, params.mubar)):
        from .general import solve_linear_general

        fwd, rev = solve_linear_general(wire, params, hamiltonian, method)
        used = "fast" if method == "auto" else method
        return Result.from_states("quantum", wire, params, fwd, rev, response=response, method=used, **extra)
    general = hamiltonian is not None and not hamiltonian.is_uniform
    if hamiltonian is not None and general and response == "cubic":
        raise ParameterError("hamiltonian", hamiltonian.model,
                             "response='cubic' (the T = 0 expansion B35) is solved for the uniform wire only; "
                             "use response='linear' or 'nonlinear' for other Hamiltonians")
    if response == "linear":
        from .linear import solve_linear

        fwd, rev = solve_linear(wire, params, method)
        used = "fast" if method == "auto" else method
    else:
        if method != "auto":
            raise ParameterError("method", method,
                                 f"only 'auto' is available for response={response!r} ('fast'/'dense' are linear-response solvers)")
        if response == "nonlinear":
            from .nonlinear import solve_nonlinear

            if general:
                from .nonlinear_hamiltonian import check_route

                check_route(wire, params, hamiltonian, method)  # refuse before any work
            fwd, rev = solve_nonlinear(wire, params, **solver_options, hamiltonian=hamiltonian if general else None)
        else:
            from .cubic import solve_cubic

            fwd, rev = solve_cubic(wire, params)
        used = "auto"
    return Result.from_states("quantum", wire, params, fwd, rev, response=response, method=used,
                              **solver_options, **extra)


def _described(wire: Wire, hamiltonian: Hamiltonian) -> dict:
    from .general import check_hamiltonian

    return check_hamiltonian(wire, hamiltonian).describe()
