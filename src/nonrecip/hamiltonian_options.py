"""Options -> the quantum wire's Hamiltonian: one builder for the command line and the sweep.

``nonrecip solve quantum`` and ``nonrecip sweep quantum`` take ``--model``
with the options of each named model (:data:`nonrecip.params.HAMILTONIAN_PARAMETERS`);
:func:`hamiltonian_from_options` turns them into a
:class:`~nonrecip.hamiltonian.Hamiltonian` (conventions §4), or ``None`` for
the paper's wire so that the solvers keep their fast path and today's output.
"""

from __future__ import annotations

import math
from typing import Any

from .hamiltonian import Hamiltonian
from .wire import ParameterError

__all__ = ["hamiltonian_from_options", "MODEL_OPTIONS"]

#: each named model's options: (parameter, default or None when required)
MODEL_OPTIONS: dict[str, tuple[tuple[str, Any], ...]] = {
    "uniform": (("onsite", None), ("hoppings", None)),
    "ssh": (("t1", 1.0), ("t2", None)),
    "anderson": (("disorder", None), ("disorder_seed", 0)),
    "aubry-andre": (("aa_lambda", None), ("aa_beta", (math.sqrt(5.0) - 1.0) / 2.0), ("aa_phase", 0.0)),
    "long-range": (("hopping_range", None), ("hopping_decay", 2.0)),
}


def hamiltonian_from_options(n: int, wire_model: str = "uniform", **values: Any) -> Hamiltonian | None:
    """Build the wire's Hamiltonian from the options of ``nonrecip solve/sweep quantum``.

    Parameters
    ----------
    n : int
        Number of sites of the layout.
    wire_model : {"uniform", "ssh", "anderson", "aubry-andre", "long-range"}
        The ``--model``.
    **values
        ``t1``, ``t2``, ``disorder``, ``disorder_seed``, ``aa_lambda``,
        ``aa_beta``, ``aa_phase``, ``hopping_range``, ``hopping_decay``,
        ``onsite``, ``hoppings`` (paths); ``None`` means not given.

    Returns
    -------
    Hamiltonian or None
        ``None`` for the paper's wire (``uniform`` without files: the solvers'
        fast path, today's output).

    Raises
    ------
    ParameterError
        An option given for a model it does not belong to, a required one
        missing, or a bad value or file (naming the file, row or site).

    Examples
    --------
    >>> hamiltonian_from_options(6, "ssh", t1=1.0, t2=0.5).describe()["t2"]
    0.5
    >>> hamiltonian_from_options(6, "anderson", t1=0.5)
    Traceback (most recent call last):
    nonrecip.errors.ParameterError: invalid t1=0.5: --t1 belongs to --model ssh, not anderson
    """
    if wire_model not in MODEL_OPTIONS:
        raise ParameterError("wire_model", wire_model, f"--model must be one of {', '.join(MODEL_OPTIONS)}")
    owner = {k: m for m, opts in MODEL_OPTIONS.items() for k, _ in opts}
    for k, v in values.items():
        if k not in owner:
            raise ParameterError(k, v, f"is not a Hamiltonian option; known: {', '.join(owner)}")
        if v is not None and owner[k] != wire_model:
            raise ParameterError(k, v, f"--{k.replace('_', '-')} belongs to --model {owner[k]}, not {wire_model}")
    got = {}
    for k, dflt in MODEL_OPTIONS[wire_model]:
        v = values.get(k)
        if v is None and dflt is None and wire_model != "uniform":
            raise ParameterError(k, None, f"--{k.replace('_', '-')} is required by --model {wire_model}")
        got[k] = dflt if v is None else v
    if wire_model == "uniform":
        if got["onsite"] is None and got["hoppings"] is None:
            return None
        return Hamiltonian.from_files(n, got["onsite"], got["hoppings"])
    if wire_model == "ssh":
        return Hamiltonian.ssh(n, got["t1"], got["t2"])
    if wire_model == "anderson":
        return Hamiltonian.anderson(n, got["disorder"], got["disorder_seed"])
    if wire_model == "aubry-andre":
        return Hamiltonian.aubry_andre(n, got["aa_lambda"], got["aa_beta"], got["aa_phase"])
    return Hamiltonian.long_range(n, 1.0, got["hopping_decay"], got["hopping_range"])
