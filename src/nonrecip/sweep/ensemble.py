"""Ensemble statistics of a sweep: disorder averages over seeds (issue 11, item 6).

A sweep over ``--disorder-seed 0:99`` (any other axes besides) has one row
per realisation. :func:`ensemble_table` groups the rows that differ only in
the ensemble parameter (``over``, e.g. ``disorder_seed``) and reports per
remaining point, for ``delta_I`` (conventions §1):

* ``delta_I_mean`` and ``delta_I_stderr`` (sample standard deviation with
  ``ddof = 1`` over ``sqrt(n)``; NaN for ``n = 1``),
* ``delta_I_median``,
* ``delta_I_typical = exp(mean log |delta_I|)`` (the typical value of a
  quantity with a broad, log-normal-like distribution: localised wires);

and the mean and standard error of ``I_in_forward`` and ``I_in_reverse``.
``n`` counts the realisations that were solved (``status == "ok"``),
``n_errors`` those that were not; a point with no solved realisation has
NaN statistics (reported, never dropped).

Pure: a table in, a table out (pandas), no I/O. Called by
:func:`nonrecip.sweep.run_sweep` with ``ensemble_over=...``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["ensemble_table", "ENSEMBLE_OUTPUTS"]

#: the output columns summarised (``delta_I`` with median and typical value too)
ENSEMBLE_OUTPUTS = ("delta_I", "I_in_forward", "I_in_reverse")


def _stats(v: np.ndarray, full: bool) -> dict[str, float]:
    n = v.size
    out = {"mean": float(np.mean(v)) if n else np.nan,
           "stderr": float(np.std(v, ddof=1) / np.sqrt(n)) if n > 1 else np.nan}
    if full:
        out["median"] = float(np.median(v)) if n else np.nan
        with np.errstate(divide="ignore"):
            out["typical"] = float(np.exp(np.mean(np.log(np.abs(v))))) if n else np.nan
    return out


def ensemble_table(table: Any, over: str, params: Sequence[str],
                   outputs: Sequence[str] = ENSEMBLE_OUTPUTS) -> Any:
    """Ensemble statistics of ``table`` over the parameter ``over``.

    Parameters
    ----------
    table : pandas.DataFrame
        A sweep table (:func:`nonrecip.sweep.run_sweep`): parameter columns,
        ``status`` and the output columns.
    over : str
        The ensemble parameter (a column of ``table``), e.g. ``disorder_seed``.
    params : sequence of str
        The model's parameter columns; those other than ``over`` define a point.
    outputs : sequence of str
        Output columns to summarise (the first gets median and typical value).

    Returns
    -------
    pandas.DataFrame
        One row per remaining point, in order of first appearance: the
        parameters other than ``over``, ``n``, ``n_errors``,
        ``<over>_values`` (e.g. ``"0:99"`` or ``"0,3,7"``), and
        ``{out}_mean``, ``{out}_stderr`` (plus ``delta_I_median``,
        ``delta_I_typical``).
    """
    import pandas as pd

    if over not in table.columns:
        raise KeyError(f"{over!r} is not a column of the table")
    keys = [p for p in params if p != over and p in table.columns]
    rows = []
    # group by the remaining parameters; None/NaN are values too (unset options)
    labels: list[tuple] = [()] * len(table)
    if keys:
        key_frame = table[keys].astype(object).where(table[keys].notna(), None)
        labels = [tuple(r) for r in key_frame.itertuples(index=False)]
    groups: dict[tuple, list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(lab, []).append(i)
    ok = (table["status"] == "ok").to_numpy() if "status" in table.columns else np.ones(len(table), bool)
    for lab, idx in groups.items():
        ix = np.asarray(idx)
        good = ix[ok[ix]]
        row: dict[str, Any] = dict(zip(keys, lab, strict=True))
        row["n"] = int(good.size)
        row["n_errors"] = int(ix.size - good.size)
        row[f"{over}_values"] = _spell(table[over].to_numpy()[ix])
        for k, name in enumerate(outputs):
            v = table[name].to_numpy(dtype=float)[good] if name in table.columns else np.array([])
            for stat, x in _stats(v, full=(k == 0)).items():
                row[f"{name}_{stat}"] = x
        rows.append(row)
    return pd.DataFrame(rows)


def _spell(values: np.ndarray) -> str:
    """``0:99`` for a contiguous integer run, else the values joined by commas."""
    vals = list(values)
    if vals and all(isinstance(v, (int, np.integer)) for v in vals):
        s = sorted(int(v) for v in vals)
        if s == list(range(s[0], s[0] + len(s))) and len(s) > 2:
            return f"{s[0]}:{s[-1]}"
    return ",".join(str(v) for v in vals)
