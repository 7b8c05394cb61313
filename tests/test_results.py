"""The result contract shared by every model, and atomic file output."""

import json
import math
import os
import stat

import numpy as np
import pandas as pd
import pytest

from nonrecip import ClassicalParams, Estimate, EstimateArray, ParameterError, Wire, solve_classical
from nonrecip.results import atomic_write, to_jsonable, write_table


@pytest.fixture
def result():
    return solve_classical(Wire(".SP.D."), ClassicalParams(p=0.6, Ig=0.1, drho=0.2))


def test_contract_keys(result):
    d = result.to_dict()
    assert list(d) == ["parameters", "forward", "reverse", "delta_I"]
    assert d["parameters"]["layout"] == ".SP.D." and d["parameters"]["N"] == 6
    assert d["parameters"]["model"] == "classical"
    assert len(d["forward"]["J"]) == 5 and len(d["forward"]["rho_plus"]) == 6
    # delta_I is the definition |I_in(reverse)| - |I_in(forward)|, not a formula
    assert d["delta_I"] == abs(d["reverse"]["I_in"]) - abs(d["forward"]["I_in"])


def test_json_is_deterministic_and_strict(result):
    a, b = result.to_json(), result.to_json()
    assert a == b
    json.loads(a)  # valid JSON, no NaN tokens (allow_nan=False)


def test_jsonable_nan_becomes_null_and_estimates():
    assert to_jsonable(np.array([1.0, np.nan])) == [1.0, None]
    assert to_jsonable(Estimate(1.0, 0.5)) == {"mean": 1.0, "stderr": 0.5}
    ea = EstimateArray(np.array([1.0, 2.0]), np.array([0.1, math.inf]))
    assert to_jsonable(ea) == [{"mean": 1.0, "stderr": 0.1}, {"mean": 2.0, "stderr": None}]
    with pytest.raises(TypeError):
        to_jsonable(object())


def test_estimate_z():
    assert Estimate(1.2, 0.1).z(1.0) == pytest.approx(2.0, rel=1e-12)
    np.testing.assert_allclose(EstimateArray(np.array([1.0, 3.0]), np.array([0.5, 1.0])).z(np.array([0.0, 1.0])), [2.0, 2.0])


def test_frame_is_tidy(result):
    df = result.to_frame()
    assert {"bias", "quantity", "kind", "index", "value", "stderr"} <= set(df.columns)
    j = df[(df.bias == "forward") & (df.quantity == "J")].sort_values("index")
    np.testing.assert_array_equal(j["value"].to_numpy(), result.forward.J)
    assert list(j["index"]) == [1, 2, 3, 4, 5]  # 1-based bonds
    assert df[df.quantity == "delta_I"]["value"].item() == result.delta_I


@pytest.mark.parametrize("ext", [".json", ".csv", ".parquet"])
def test_save_round_trip(result, tmp_path, ext):
    path = result.save(tmp_path / f"r{ext}")
    if ext == ".json":
        assert json.loads(path.read_text()) == result.to_dict()
    else:
        back = pd.read_csv(path) if ext == ".csv" else pd.read_parquet(path)
        v = back[(back.bias == "reverse") & (back.quantity == "I_in")]["value"].item()
        assert v == pytest.approx(result.reverse.I_in, rel=1e-15)


def test_save_rejects_unknown_extension(result, tmp_path):
    with pytest.raises(ParameterError, match="out"):
        result.save(tmp_path / "r.txt")


def test_atomic_write_mode_follows_umask(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write(tmp_path / "a.bin", b"xyz")
    finally:
        os.umask(old)
    mode = stat.S_IMODE(os.stat(tmp_path / "a.bin").st_mode)
    assert mode == 0o640  # 0666 & ~0027, like open(); mkstemp alone gives 0600


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "t.csv"
    write_table(pd.DataFrame({"a": [1]}), target)

    class Boom:
        def to_csv(self, *args, **kwargs):  # write_table streams: to_csv(path, index=False)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_table(Boom(), target)
    assert pd.read_csv(target)["a"].tolist() == [1]
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]  # no temp files left
