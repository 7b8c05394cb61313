"""Disorder ensembles (issue 11, item 6): nonrecip.sweep.ensemble against numpy by hand,
and the hook through run_sweep and ``nonrecip sweep quantum --ensemble-over``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nonrecip.cli import main
from nonrecip.sweep.ensemble import ensemble_table


def _table():
    rng = np.random.default_rng(0)
    rows = []
    for W in (0.5, 2.0):
        for seed in range(7):
            d = float(rng.lognormal(-5, 1)) * (1 if rng.random() < 0.8 else -1)
            rows.append({"disorder": W, "disorder_seed": seed, "t2": None, "status": "ok", "delta_I": d,
                         "I_in_forward": float(rng.normal(1, 0.1)), "I_in_reverse": float(rng.normal(-1, 0.1))})
    rows[3]["status"] = "error"          # an unsolved realisation: counted, not averaged
    rows[3]["delta_I"] = math.nan
    return pd.DataFrame(rows)


def test_statistics_equal_numpy_by_hand():
    t = _table()
    e = ensemble_table(t, "disorder_seed", ["disorder", "disorder_seed", "t2"])
    assert list(e["disorder"]) == [0.5, 2.0] and list(e["n"]) == [6, 7] and list(e["n_errors"]) == [1, 0]
    assert list(e["disorder_seed_values"]) == ["0:6", "0:6"]
    for W, row in zip((0.5, 2.0), e.itertuples(index=False), strict=True):
        g = t[(t["disorder"] == W) & (t["status"] == "ok")]
        d = g["delta_I"].to_numpy()
        # by hand: sums, not numpy's mean/std/median
        n = len(d)
        mean = sum(d) / n
        var = sum((x - mean) ** 2 for x in d) / (n - 1)
        srt = sorted(d)
        median = srt[n // 2] if n % 2 else 0.5 * (srt[n // 2 - 1] + srt[n // 2])
        typical = math.exp(sum(math.log(abs(x)) for x in d) / n)
        # 1e-12 relative: the same sums in a different order (rounding ~ n eps)
        assert row.delta_I_mean == pytest.approx(mean, rel=1e-12)
        assert row.delta_I_stderr == pytest.approx(math.sqrt(var / n), rel=1e-12)
        assert row.delta_I_median == pytest.approx(median, rel=1e-15)
        assert row.delta_I_typical == pytest.approx(typical, rel=1e-12)
        for col in ("I_in_forward", "I_in_reverse"):
            v = g[col].to_numpy()
            assert getattr(row, f"{col}_mean") == pytest.approx(sum(v) / n, rel=1e-12)
        assert row.t2 is None


def test_single_realisation_and_all_failed():
    t = _table().iloc[[0]].copy()
    e = ensemble_table(t, "disorder_seed", ["disorder", "disorder_seed"])
    assert e["n"].iloc[0] == 1 and math.isnan(e["delta_I_stderr"].iloc[0])
    assert e["delta_I_typical"].iloc[0] == pytest.approx(abs(t["delta_I"].iloc[0]), rel=1e-15)
    t["status"] = "error"
    e = ensemble_table(t, "disorder_seed", ["disorder", "disorder_seed"])
    assert e["n"].iloc[0] == 0 and e["n_errors"].iloc[0] == 1 and math.isnan(e["delta_I_mean"].iloc[0])


def test_run_sweep_and_cli(tmp_path, capsys):
    from nonrecip import QuantumParams, Wire, solve_quantum
    from nonrecip.hamiltonian import Hamiltonian

    out = tmp_path / "s.csv"
    code = main(["sweep", "quantum", "--layout", "dimers", "--n", "10", "--model", "anderson", "--disorder", "1.5",
                 "--disorder-seed", "0:4", "--workers", "1", "--no-progress", "--out", str(out),
                 "--ensemble-over", "disorder-seed", "--ensemble-out", str(tmp_path / "e.csv")])
    err = capsys.readouterr().err
    assert code == 0, err
    e = pd.read_csv(tmp_path / "e.csv")
    assert len(e) == 1 and e["n"].iloc[0] == 5
    # independent: five solver calls with the Hamiltonians built by hand
    p = QuantumParams.from_options()
    d = np.array([solve_quantum(Wire.from_spec("dimers", 10), p, hamiltonian=Hamiltonian.anderson(10, 1.5, s)).delta_I
                  for s in range(5)])
    assert e["delta_I_mean"].iloc[0] == pytest.approx(d.mean(), rel=1e-12)
    assert e["delta_I_stderr"].iloc[0] == pytest.approx(d.std(ddof=1) / math.sqrt(5), rel=1e-9)
    assert e["delta_I_typical"].iloc[0] == pytest.approx(math.exp(np.log(np.abs(d)).mean()), rel=1e-12)


def test_bad_ensemble_options_one_line(tmp_path, capsys):
    for extra, word in ((["--ensemble-over", "magic"], "magic"),
                        (["--ensemble-over", "disorder-seed", "--ensemble-out", str(tmp_path / "e.txt")], ".csv"),
                        (["--ensemble-out", str(tmp_path / "e.csv")], "--ensemble-over")):
        code = main(["sweep", "quantum", "--layout", ".SD.", "--workers", "1", "--no-progress",
                     "--out", str(tmp_path / "s.csv"), *extra])
        cap = capsys.readouterr()
        assert code == 2 and len(cap.err.strip().splitlines()) == 1 and word in cap.err
        assert not (tmp_path / "s.csv").exists() and not (tmp_path / "e.csv").exists()
