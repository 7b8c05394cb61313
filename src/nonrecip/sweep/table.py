"""The tidy sweep table: one row per point, stable columns and dtypes."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["make_frame", "to_records"]

HEAD = ("point_id", "model", "status", "error")


def _kind(values: list) -> str:
    present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not present:
        return "float" if any(isinstance(v, float) for v in values) else "object"
    if all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in present):
        return "int"
    if all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in present):
        return "float"
    return "object"


def make_frame(rows: Iterable[dict], columns: Mapping[str, type] | None = None):
    """DataFrame of sweep rows.

    Column order: ``point_id, model, status, error``, then ``columns`` (the
    model's parameters and their types), then the outputs in first-seen
    order. Integer columns are nullable ``Int64`` (a bad point may lack
    ``N``), real ones ``float64`` (missing values are NaN), text stays text.
    """
    import pandas as pd

    rows = list(rows)
    kinds = {int: "int", float: "float", str: "object"}
    declared = {c: kinds.get(t, "object") for c, t in (columns or {}).items()}
    order: dict[str, None] = dict.fromkeys(HEAD)
    order.update(dict.fromkeys(declared))
    for r in rows:
        order.update(dict.fromkeys(r))
    cols = list(order)
    data = {}
    for c in cols:
        vals = [r.get(c) for r in rows]
        k = _kind(vals)
        if c in declared and (k != "object" or all(v is None for v in vals)):
            k = declared[c]  # the model's type, also for an all-missing column
        if k == "int":
            data[c] = pd.array(vals, dtype="Int64")
        elif k == "float":
            data[c] = pd.array([math.nan if v is None else float(v) for v in vals], dtype="float64")
        else:
            data[c] = pd.Series(vals, dtype=object)
    df = pd.DataFrame(data, columns=cols)
    return df.reset_index(drop=True)


def to_records(df) -> list[dict[str, Any]]:
    """JSON-ready records of a sweep table (NaN / NA -> ``None``)."""
    from ..results import to_jsonable
    from .store import _plain

    out = []
    for rec in df.to_dict("records"):
        out.append({str(k): to_jsonable(_plain(v)) for k, v in rec.items()})
    return out
