"""Long explicit layouts are stored once per table file, not once per row (issue 12).

Checked on the files themselves (raw Parquet column and metadata, raw CSV
and its sidecar), and through :func:`read_table` and ``resume``, which must
see the full layouts and the same ``point_id`` keys as before.
"""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

import nonrecip.sweep.run as run_mod
from nonrecip.sweep import read_table, run_sweep
from nonrecip.sweep.grid import point_key
from nonrecip.sweep.store import INLINE_LAYOUT, LAYOUTS_KEY, SweepStore, layout_label, layouts_path
from nonrecip.wire import ParameterError, Wire

LONG = Wire.from_spec("dimers", 400).layout  # 400 characters > INLINE_LAYOUT
P = "0.1:0.9:0.1"  # 9 points


@pytest.fixture(autouse=True)
def _here(monkeypatch):
    def no_cluster(*a, **k):
        raise AssertionError("these sweeps are small: no cluster")

    monkeypatch.setattr(run_mod, "local_cluster", no_cluster)


def test_parquet_holds_a_label_per_row_and_the_layout_once_in_its_metadata(tmp_path):
    out = tmp_path / "l.parquet"
    df = run_sweep("classical", {"layout": f"{LONG},.SDSD.,dimers", "n": 10, "p": P}, out=out)
    raw = pq.read_table(out)
    column = raw.column("layout").to_pylist()
    assert set(column) == {layout_label(LONG), ".SDSD.", "dimers"}  # short layouts stay as given
    assert json.loads(raw.schema.metadata[LAYOUTS_KEY]) == {layout_label(LONG): LONG}
    back = read_table(out)
    assert list(back["layout"]) == list(df["layout"]) and LONG in set(back["layout"])
    assert list(back["point_id"]) == list(df["point_id"])
    # the key is the hash of the full layout, as before labels existed
    row = df[df["layout"] == LONG].iloc[0]
    params = {k: row[k] for k in ("layout", "N", "p", "Ig", "drho", "rho0")}
    params = {k: (int(v) if k == "N" else v if isinstance(v, str) else float(v)) for k, v in params.items()}
    params["p_profile"] = None  # the classical model's per-site p, unset
    assert row["point_id"] == point_key("classical", params)
    assert out.read_bytes().count(LONG.encode()) == 1  # once in the file, not once per row


def test_csv_holds_labels_and_a_sidecar_with_the_layouts(tmp_path):
    out = tmp_path / "l.csv"
    df = run_sweep("classical", {"layout": LONG, "p": P}, out=out)
    text = out.read_text()
    assert LONG not in text and text.count(layout_label(LONG)) == 9
    assert json.loads(layouts_path(out).read_text()) == {layout_label(LONG): LONG}
    back = read_table(out)
    assert (back["layout"] == LONG).all() and list(back["point_id"]) == list(df["point_id"])
    # the same sweep with short layouts leaves no sidecar (and removes a stale one)
    run_sweep("classical", {"layout": ".SDSD.", "p": P}, out=out, overwrite=True)
    assert not layouts_path(out).exists() and ".SDSD." in out.read_text()


def test_short_tables_are_written_as_before(tmp_path):
    # no long layout: the file is the plain table of nonrecip.results.write_table
    out = tmp_path / "s.parquet"
    run_sweep("classical", {"layout": ".SDSD.,dimers", "n": 10, "p": P}, out=out)
    assert LAYOUTS_KEY not in (pq.read_schema(out).metadata or {})
    assert len(".SDSD.") <= INLINE_LAYOUT


@pytest.mark.parametrize("ext", ["parquet", "csv"])
def test_resume_with_long_layouts_reuses_every_point(tmp_path, ext):
    out = tmp_path / f"r.{ext}"
    first = run_sweep("classical", {"layout": LONG, "p": P}, out=out)
    again = run_sweep("classical", {"layout": LONG, "p": P}, out=out, resume=True)
    assert again.attrs["computed"] == 0 and again.attrs["reused"] == 9
    pd.testing.assert_frame_equal(again, first)


def test_journal_parts_store_labels_and_resume_puts_the_layouts_back(tmp_path):
    # a sweep killed before its table was written leaves only journal parts
    out = tmp_path / "j.parquet"
    store = SweepStore(out, "classical", flush_seconds=1e9)
    rows = [{"point_id": f"k{i}", "model": "classical", "status": "ok", "error": None, "layout": LONG,
             "N": len(LONG), "p": 0.1 * (i + 1), "delta_I": 0.5} for i in range(3)]
    store.add(rows)
    parts = list((tmp_path / "j.parquet.parts").glob("part-*.json"))
    assert len(parts) == 1 and parts[0].read_text().count(LONG) == 1  # once, not per row
    again = SweepStore(out, "classical", resume=True)
    assert [again.rows[f"k{i}"]["layout"] for i in range(3)] == [LONG] * 3


def test_a_label_whose_layout_is_missing_is_refused(tmp_path):
    out = tmp_path / "m.csv"
    run_sweep("classical", {"layout": LONG, "p": 0.5}, out=out)
    layouts_path(out).unlink()
    with pytest.raises(ParameterError, match="whose full text is missing"):
        read_table(out)
