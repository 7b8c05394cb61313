"""The read-only result of a design search and its JSON / table forms.

``DesignResult.to_dict()`` is the JSON contract of ``nonrecip design``::

    {"parameters": {...},
     "best": [{"layout", "delta_I", "I_in_forward", "I_in_reverse", "objective"}, ...],
     "evaluated": n, "exhaustive": true|false,
     "reference": {"dimers": {...}, "single": {...}}}

``best`` is sorted by the objective, best first (ties by layout string).
``parameters`` holds the inputs and how the search went (``method``,
``solver_calls``, ``cache_hits``, ``restarts_agreeing``...).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from ..result_tables import save_by_extension
from ..results import to_jsonable
from .evaluate import Candidate

__all__ = ["DesignResult"]


@dataclass(frozen=True)
class DesignResult:
    """Outcome of :func:`nonrecip.design.design` (immutable).

    Attributes
    ----------
    parameters : Mapping
        Inputs and search record (read-only mapping).
    best : tuple of Candidate
        The best layouts, best first.
    evaluated : int
        Distinct layouts evaluated by the model's solver.
    exhaustive : bool
        True when the optimum is certain: every layout was evaluated, or the
        closed-form classical theorem covers them all (``method="analytic"``).
    reference : Mapping[str, Candidate]
        The paper's layouts for comparison (``dimers``, ``single``) where they
        exist for this ``N``, ``K``, ``M``.
    method : str
        ``"analytic"``, ``"exhaustive"`` or ``"anneal"``.
    objectives : ndarray
        Objective of every evaluated layout (read-only; for the distribution).
    restart_best : tuple of Candidate
        Annealing only: the best layout of each restart.
    elapsed : float
        Wall-clock seconds of the search (not in the JSON: not reproducible).
    """

    parameters: Mapping[str, Any]
    best: tuple[Candidate, ...]
    evaluated: int
    exhaustive: bool
    reference: Mapping[str, Candidate]
    method: str
    objectives: np.ndarray
    restart_best: tuple[Candidate, ...] = ()
    elapsed: float = 0.0

    def __post_init__(self) -> None:  # noqa: D105
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))
        object.__setattr__(self, "reference", MappingProxyType(dict(self.reference)))
        object.__setattr__(self, "best", tuple(self.best))
        obj = np.array(self.objectives, dtype=float)
        obj.flags.writeable = False
        object.__setattr__(self, "objectives", obj)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON contract (module docstring)."""
        return {
            "parameters": to_jsonable(dict(self.parameters)),
            "best": [to_jsonable(c.to_dict()) for c in self.best],
            "evaluated": int(self.evaluated),
            "exhaustive": bool(self.exhaustive),
            "reference": {k: to_jsonable(c.to_dict()) for k, c in self.reference.items()},
        }

    def to_json(self, indent: int | None = 2) -> str:
        """Deterministic JSON text."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_frame(self):
        """Tidy :class:`pandas.DataFrame`: one row per listed layout.

        Columns ``role`` (``best`` or ``reference``), ``rank`` (1-based within
        ``best``; ``<NA>`` for references), ``name`` (reference name), the
        candidate fields, and the scalar parameters.
        """
        import pandas as pd

        rows = [{"role": "best", "rank": i + 1, "name": None, **c.to_dict()} for i, c in enumerate(self.best)]
        rows += [{"role": "reference", "rank": None, "name": k, **c.to_dict()} for k, c in self.reference.items()]
        df = pd.DataFrame(rows, columns=["role", "rank", "name", "layout", "delta_I", "I_in_forward",
                                         "I_in_reverse", "objective"])
        df["rank"] = df["rank"].astype("Int64")
        for k, v in self.parameters.items():
            if isinstance(v, (int, float, str, bool)) and k not in df.columns:
                df[k] = v
        return df

    def save(self, path: str | os.PathLike) -> Path:
        """Write atomically by extension: ``.json`` (the contract), ``.csv`` or ``.parquet``."""
        return save_by_extension(path, self.to_json, self.to_frame)
