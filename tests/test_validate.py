"""nonrecip.validate: every quick check passes, a broken solver or reference
makes the report fail, report formats by extension, the CLI exit codes."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

import nonrecip.validate.registry as reg
from nonrecip.validate import COLUMNS, all_checks, run_checks
from nonrecip.validate.report import per_check, summary, write_report

QUICK = sorted(all_checks("quick"))


@pytest.mark.parametrize("cid", QUICK)
def test_quick_check_passes(cid):
    df = run_checks("quick", select=[cid])
    assert list(df.columns) == COLUMNS
    assert len(df) > 0
    bad = df[~df["passed"]]
    assert bad.empty, bad[["quantity", "parameters", "value", "reference", "note"]].to_string()
    # every row says what bounds it and by how much
    assert df["metric"].isin(["abs", "rel", "z", "bool"]).all()
    assert (df["check"] == cid).all() and (df["level"] == "quick").all()


def test_every_check_has_a_justified_tolerance_docstring():
    for cid, c in all_checks().items():
        assert len(c.doc) > 60, cid  # the docstring says what is compared and why the tolerance holds
        assert c.model and c.equation


def test_broken_reference_fails_and_exit_code_1(monkeypatch, cli):
    from nonrecip.paper.equations import classical as E

    orig = E.eq6_current
    # a reference wrong by one part in 1e9: far above the exact-form tolerance (~1e-14)
    monkeypatch.setattr(E, "eq6_current", lambda *a, **k: orig(*a, **k) * (1 + 1e-9) + 1e-12)
    df = run_checks("quick", select=["classical.eq6"])
    assert not df["passed"].all()
    assert not summary(df)["passed"]
    r = cli("validate", "--select", "classical.eq6")
    assert r.code == 1, r.err
    assert "failed" in r.out


def test_broken_solver_fails(monkeypatch, cli):
    from nonrecip.validate import checks_classical as cc

    orig = cc.solve_classical

    def broken(wire, params):
        res = orig(wire, params)
        fwd = dataclasses.replace(res.forward, I_in=res.forward.I_in + 1e-9)
        return dataclasses.replace(res, forward=fwd)

    monkeypatch.setattr(cc, "solve_classical", broken)
    df = run_checks("quick", select=["classical.eq8"])
    failed = df[~df["passed"]]
    assert len(failed) > 0
    assert failed["quantity"].str.contains("I_in forward").any()
    r = cli("validate", "--select", "classical.eq8", "--json")
    assert r.code == 1
    doc = r.json()
    assert doc["all_passed"] is False and doc["failed"] == 1 and doc["failed_checks"] == ["classical.eq8"]
    assert doc["comparisons_failed"] == len(failed)


def test_exception_becomes_a_failing_row(monkeypatch):
    def boom(ctx):
        raise RuntimeError("kaput")
        yield  # pragma: no cover

    monkeypatch.setitem(reg._REGISTRY, "zz.boom",
                        reg.Check(id="zz.boom", model="test", equation="none", levels=("quick",), func=boom))
    df = run_checks("quick", select=["zz.boom"])
    assert len(df) == 1 and not df["passed"].iloc[0]
    assert "kaput" in df["note"].iloc[0]


def test_row_helpers():
    from nonrecip.results import Estimate

    r = reg.compare("x", 1.0 + 1e-10, 1.0, tol=1e-9, metric="rel")
    assert r["passed"] and r["rel_error"] == pytest.approx(1e-10, rel=1e-5)
    assert not reg.compare("x", 1.1, 1.0, tol=0.05, metric="abs")["passed"]
    assert not reg.compare("x", float("nan"), 1.0, tol=1.0)["passed"]
    z = reg.zscore("x", Estimate(1.03, 0.01), 1.0, tol=4.0)
    assert z["z"] == pytest.approx(3.0) and z["passed"]
    assert not reg.zscore("x", Estimate(1.05, 0.01), 1.0, tol=4.0)["passed"]
    assert not reg.zscore("x", Estimate(1.0, 0.0), 1.0, tol=4.0)["passed"]  # a zero error bar proves nothing


@pytest.fixture(scope="module")
def small_table():
    return run_checks("quick", select=["classical.eq6", "circuit.p0_limit"])


@pytest.mark.parametrize("ext", [".md", ".csv", ".json", ".html"])
def test_report_formats(tmp_path, small_table, ext):
    path = write_report(small_table, tmp_path / f"report{ext}")
    text = path.read_text()
    n = len(small_table)
    if ext == ".csv":
        back = pd.read_csv(path)
        assert list(back.columns) == COLUMNS and len(back) == n
        pd.testing.assert_series_equal(back["value"], small_table["value"], check_names=False)
    elif ext == ".json":
        doc = json.loads(text)  # one object: the rows under "checks", the counts beside them
        recs = doc["checks"]
        assert len(recs) == n and set(recs[0]) == set(COLUMNS)
        assert doc["comparisons"] == n and doc["all_passed"] is True and doc["failed"] == 0
        assert doc["passed"] == small_table["check"].nunique()
        assert recs[0]["value"] == small_table["value"].iloc[0]
    elif ext == ".md":
        assert text.startswith("# nonrecip validation report")
        assert text.count("\n| ") >= n + 2  # header + one line per row
    else:
        assert text.startswith("<!DOCTYPE html>") and text.count("<tr class=") == n
    assert not list(tmp_path.glob(".*.tmp"))  # atomic: no temporary left behind


def test_per_check_summary(small_table):
    pc = per_check(small_table)
    assert list(pc["check"]) == ["circuit.p0_limit", "classical.eq6"]
    assert pc["passed"].all() and (pc["worst_error_over_tolerance"] <= 1).all()


def test_cli_validate_out_and_json(tmp_path, cli):
    out = tmp_path / "r.json"
    r = cli("validate", "--quick", "--select", "classical.eq6", "--out", str(out), "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)  # stdout is exactly one JSON object
    assert doc == json.loads(out.read_text())
    assert set(doc) >= {"checks", "passed", "failed", "all_passed"}
    assert doc["all_passed"] is True and doc["failed"] == 0 and doc["passed"] == 1
    assert {rec["check"] for rec in doc["checks"]} == {"classical.eq6"}
    r2 = cli("validate", "--quick", "--select", "classical.eq6", "--json")
    assert r2.out == r.out  # deterministic
    table = cli("validate", "--select", "classical.*")
    assert table.code == 0 and "all passed" in table.out


def test_cli_validate_bad_input(cli, tmp_path):
    r = cli("validate", "--out", str(tmp_path / "r.txt"))
    assert r.code == 2 and r.err.count("\n") == 1 and "extension" in r.err
    r = cli("validate", "--select", "nothing.matches")
    assert r.code == 2 and r.err.count("\n") == 1


def test_cli_list(cli):
    r = cli("validate", "--list")
    assert r.code == 0
    for cid in QUICK:
        assert cid in r.out
