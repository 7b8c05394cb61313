"""Result tables on disk: the layout stored once, the parameters restored, the size linear in N.

The per-site table of :meth:`nonrecip.results.Result.to_frame` carries a
one-character ``site`` column instead of the layout; the layout and the other
parameters are ``df.attrs["parameters"]``, stored once in the file (Parquet
key-value metadata, CSV sidecar ``FILE.csv.meta.json``).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nonrecip import ClassicalParams, Wire
from nonrecip.deterministic.classical import solve_classical
from nonrecip.result_tables import meta_path
from nonrecip.results import read_result_table
from nonrecip.wire import ParameterError

PARAMS = ClassicalParams(p=0.6, Ig=0.05, drho=0.1, rho0=0.5)
COLUMNS = ["bias", "quantity", "kind", "index", "site", "value", "stderr"]


def _result(n: int, layout: str = "dimers"):
    return solve_classical(Wire.from_spec(layout, n), PARAMS)


def test_columns_and_site_kinds():
    r = _result(12, ".SDP.SD.PPS.")
    df = r.to_frame()
    assert list(df.columns) == COLUMNS
    assert "layout" not in df.columns and df.attrs["parameters"] == json.loads(r.to_json())["parameters"]
    for bias in ("forward", "reverse"):
        for q in ("rho_plus", "rho_minus"):
            rows = df[(df.bias == bias) & (df.quantity == q)]
            assert list(rows["kind"].astype(str).unique()) == ["site"]
            assert list(rows["index"]) == list(range(1, 13))
            assert "".join(rows["site"].astype(str)) == ".SDP.SD.PPS."  # the site each row belongs to
            np.testing.assert_array_equal(rows["value"].to_numpy(), getattr(r.state(bias), q))
        bonds = df[(df.bias == bias) & (df.quantity == "J")]
        assert bonds["site"].isna().all() and list(bonds["index"]) == list(range(1, 12))
    scal = df[df.kind == "scalar"]
    assert scal["index"].isna().all() and scal["site"].isna().all()
    assert df[df.quantity == "delta_I"]["value"].item() == r.delta_I
    # every row is one of the old rows (State.rows), in the same order
    old = [(b, *(x[k] for k in ("quantity", "kind", "index", "value"))) for b, st in
           (("forward", r.forward), ("reverse", r.reverse)) for x in st.rows()]
    new = [(b, q, k, None if pd.isna(i) else int(i), v) for b, q, k, i, v in
           zip(df.bias, df.quantity, df.kind, df["index"], df.value, strict=True)][:-1]
    assert new == old


@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_metadata_round_trip(tmp_path, ext):
    r = _result(40)
    path = r.save(tmp_path / f"r{ext}")
    back = read_result_table(path)
    assert back.attrs["parameters"] == json.loads(r.to_json())["parameters"]
    assert back.attrs["parameters"]["layout"] == r.wire.layout
    ref = r.to_frame()
    np.testing.assert_array_equal(back["value"].to_numpy(), ref["value"].to_numpy())  # CSV: repr round trip
    assert list(back["site"].astype(object).where(back["site"].notna(), None)) == \
        list(ref["site"].astype(object).where(ref["site"].notna(), None))
    assert list(back.columns) == COLUMNS
    # the layout is in the file once (CSV: in the sidecar, never in the rows)
    if ext == ".csv":
        assert r.wire.layout not in path.read_text()
        assert meta_path(path).read_text().count(r.wire.layout) == 1
        assert list(pd.read_csv(path).columns) == COLUMNS  # a plain CSV for any reader
    else:
        assert path.read_bytes().count(r.wire.layout.encode()) == 1


def test_csv_sidecar_of_another_table_is_refused(tmp_path):
    path = _result(10).save(tmp_path / "r.csv")
    path.write_text(path.read_text().replace("forward", "reverse", 1))  # the table changed, not its sidecar
    with pytest.raises(ParameterError, match="path"):
        read_result_table(path)


def test_plain_table_removes_a_stale_sidecar(tmp_path):
    from nonrecip.results import write_table

    path = _result(10).save(tmp_path / "r.csv")
    assert meta_path(path).exists()
    write_table(pd.DataFrame({"a": [1]}), path)
    assert not meta_path(path).exists() and read_result_table(path).attrs == {}


@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_file_size_grows_linearly(tmp_path, ext):
    small = _result(1000).save(tmp_path / f"a{ext}").stat().st_size
    large = _result(10000).save(tmp_path / f"b{ext}").stat().st_size
    # linear growth gives ~10 (quadratic, the layout per row, gave ~100); 15 leaves room for headers/compression
    assert large / small < 15


def test_a_hundred_thousand_sites_to_parquet_under_20_mb(tmp_path):
    path = _result(100_000).save(tmp_path / "r.parquet")
    assert path.stat().st_size < 20e6  # was ~60 GB of layout text (6 * 10^5 rows x 10^5 characters)
    assert read_result_table(path).attrs["parameters"]["N"] == 100_000
