"""``nonrecip solve quantum``: the JSON contract and input errors."""

from __future__ import annotations

import json
import math

import pytest


def test_json_shape_and_values(cli):
    r = cli("solve", "quantum", "--layout", ".SD.", "--gamma", "0.5", "--mu", "1", "--dmu", "0.1",
            "--ig-ratio", "0.3", "--json")
    assert r.code == 0, r.err
    assert r.err == ""
    d = r.json()
    assert set(d) == {"parameters", "forward", "reverse", "delta_I"}
    p = d["parameters"]
    assert p["model"] == "quantum" and p["response"] == "linear" and p["N"] == 4
    assert p["Ig"] == pytest.approx(0.3 * 0.1 / (2 * math.pi), rel=1e-15)
    for b in ("forward", "reverse"):
        s = d[b]
        assert {"I_1", "I_N", "mu", "I", "J"} <= set(s)
        assert len(s["mu"]) == 4 and len(s["I"]) == 4 and len(s["J"]) == 3
    # Eq. B31: mu_2 - mubar = 53/720 forward; Eq. B33: delta_I = (2/9) Ig
    assert d["forward"]["mu"][1] - 1.0 == pytest.approx(53 / 720, rel=1e-13)
    assert d["delta_I"] == pytest.approx(2 / 9 * p["Ig"], rel=1e-13)


def test_null_where_no_bath(cli):
    d = cli("solve", "quantum", "--layout", "single", "--n", "7", "--json").json()
    mu, I = d["forward"]["mu"], d["forward"]["I"]
    assert mu[2] is None and I[2] is None and mu[1] is not None and I[0] is not None


def test_same_inputs_same_bytes(cli):
    args = ("solve", "quantum", "--layout", "dimers", "--n", "30", "--ig", "0.002", "--json")
    assert cli(*args).out == cli(*args).out


def test_dense_method_and_out_file(cli, tmp_path):
    out = tmp_path / "q.json"
    r = cli("solve", "quantum", "--layout", ".SPPD.", "--method", "dense", "--gamma-contact", "0.8",
            "--json", "--out", str(out))
    assert r.code == 0, r.err
    assert json.loads(out.read_text()) == r.json()
    fast = cli("solve", "quantum", "--layout", ".SPPD.", "--gamma-contact", "0.8", "--json").json()
    assert fast["forward"]["I_1"] == pytest.approx(r.json()["forward"]["I_1"], rel=1e-12)


def test_table_output(cli):
    r = cli("solve", "quantum", "--layout", ".SD.")
    assert r.code == 0 and "delta_I" in r.out


@pytest.mark.parametrize("args,needle", [
    (("--ig", "0.01", "--ig-ratio", "0.3"), "not both"),
    (("--mu", "2.5"), "mubar"),
    (("--dmu", "-0.1"), "dmu"),
    (("--gamma", "-1"), "gamma"),
    (("--gamma", "0.05", "--ig", "0.01"), "outside the band"),
    (("--gamma", "0", "--ig", "0.01"), "no path for current"),
    (("--temperature", "-0.1"), "temperature"),  # T > 0 is solved now (issue 11); T < 0 and cubic at T > 0 are not
    (("--temperature", "0.1", "--response", "cubic"), "temperature"),
    (("--response", "quadratic"), "response"),
    (("--method", "magic"), "method"),
    (("--layout", ".SX."), "layout"),
])
def test_bad_input_exit_code_2(cli, args, needle):
    r = cli("solve", "quantum", "--layout", ".SD.", *args) if "--layout" not in args else cli("solve", "quantum", *args)
    assert r.code == 2
    assert r.out == ""
    assert needle in r.err and len(r.err.strip().splitlines()) == 1
