"""Recorded populations to tidy frames: ensemble means, standard errors, density units."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__: list[str] = []


def _to_density(hists: list[dict[str, np.ndarray]], h0: np.ndarray, scale: float, every: int) -> dict[str, Any]:
    """Stack the histories of an ensemble, convert to density units, mean and stderr."""
    runs = len(hists)
    occ = np.concatenate([h0[:, None], np.stack([h["counts"] for h in hists])], axis=1) / scale
    per = scale * every
    data = {"occ": occ,
            "J": np.stack([h["cross"] for h in hists]) / per,
            "io": np.stack([h["io"] for h in hists]) / per,
            "unmet": np.stack([h["unmet"] for h in hists]) / per}
    out: dict[str, Any] = {"runs": runs}
    for k, v in data.items():
        out[k] = v.mean(axis=0)
        out[k + "_se"] = v.std(axis=0, ddof=1) / math.sqrt(runs) if runs > 1 else None
        out[k + "_runs"] = v
    return out


def _frame_from_density(bias: str, d: dict[str, Any], every: int, physical: bool):
    R = d["J"].shape[0]
    occ_steps = np.arange(R + 1, dtype=np.int64) * every
    cur_steps = np.arange(1, R + 1, dtype=np.int64) * every
    return _tidy_frame(bias, occ_steps, d["occ"], d["occ_se"], cur_steps, d["J"], d["J_se"], d["io"], d["io_se"],
                       d["unmet"] if physical else None, d["unmet_se"] if physical else None)


def _tidy_frame(bias, occ_steps, occ, occ_se, cur_steps, J, J_se, io_, io_se, unmet, unmet_se):
    import pandas as pd

    parts = []

    def add(steps, values, se, quantity, kind):
        values = np.asarray(values, dtype=float)
        if values.ndim == 1:
            values = values[:, None]
            se = None if se is None else np.asarray(se)[:, None]
        R, K = values.shape
        idx = np.tile(np.arange(1, K + 1), R) if kind != "scalar" else None
        parts.append(pd.DataFrame({
            "bias": bias,
            "step": np.repeat(steps, K),
            "quantity": quantity,
            "kind": kind,
            "index": pd.array(idx if idx is not None else [pd.NA] * (R * K), dtype="Int64"),
            "value": values.ravel(),
            "stderr": np.full(R * K, np.nan) if se is None else np.asarray(se, float).ravel(),
        }))

    add(occ_steps, occ[:, 0], None if occ_se is None else occ_se[:, 0], "rho_plus", "site")
    add(occ_steps, occ[:, 1], None if occ_se is None else occ_se[:, 1], "rho_minus", "site")
    add(cur_steps, J, J_se, "J", "bond")
    add(cur_steps, io_[:, 0], None if io_se is None else io_se[:, 0], "I_in", "scalar")
    add(cur_steps, io_[:, 1], None if io_se is None else io_se[:, 1], "I_out", "scalar")
    if unmet is not None:
        add(cur_steps, unmet, unmet_se, "unmet_drain", "site")
    df = pd.concat(parts, ignore_index=True)
    order = np.argsort(df["step"].to_numpy(), kind="stable")
    return df.iloc[order].reset_index(drop=True)


