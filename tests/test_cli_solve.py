"""``nonrecip solve classical|circuit``: the JSON contract, files, bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from nonrecip import ClassicalParams, Wire
from nonrecip.deterministic.classical import steady_state

# values pass through float -> JSON text -> float unchanged (repr round-trips)
# and through CSV/parquet as float64; the only loss is none at all, but the
# CSV writer prints repr too, so exact equality is expected there as well.
TOL_ROUNDTRIP = 0.0


def ok(r):
    assert r.code == 0, r.err
    return r


def test_classical_json_keys(cli):
    r = ok(cli("solve", "classical", "--layout", "dimers", "--n", "8", "--p", "0.7", "--ig", "0.1",
               "--drho", "0.2", "--rho0", "0.5", "--json"))
    d = r.json()
    assert set(d) == {"parameters", "forward", "reverse", "delta_I"}
    assert d["parameters"] == {"model": "classical", "layout": ".SDSDSD.", "N": 8,
                               "p": 0.7, "Ig": 0.1, "drho": 0.2, "rho0": 0.5}
    for bias in ("forward", "reverse"):
        s = d[bias]
        assert {"I_in", "I_out", "J", "rho_plus", "rho_minus"} <= set(s)
        assert len(s["J"]) == 7 and len(s["rho_plus"]) == 8 and len(s["rho_minus"]) == 8
        ref = steady_state(Wire.dimers(8), ClassicalParams(p=0.7, Ig=0.1, drho=0.2, rho0=0.5), bias)
        assert s["I_in"] == ref.I_in and s["J"] == ref.J.tolist() and s["rho_plus"] == ref.rho_plus.tolist()
    assert d["delta_I"] == abs(d["reverse"]["I_in"]) - abs(d["forward"]["I_in"])
    assert r.err == ""


def test_circuit_json_keys(cli):
    d = ok(cli("solve", "circuit", "--layout", ".SDSD.", "--v", "2", "--r", "4", "--ig", "0.5", "--json")).json()
    assert set(d) == {"parameters", "forward", "reverse", "delta_I"}
    assert d["parameters"] == {"model": "circuit", "layout": ".SDSD.", "N": 6, "V": 2.0, "R": 4.0, "Ig": 0.5}
    for bias in ("forward", "reverse"):
        s = d[bias]
        assert {"I_in", "I_out", "J", "V", "heat"} <= set(s)
        assert len(s["J"]) == 5 and len(s["V"]) == 6 and len(s["heat"]) == 5
    assert d["forward"]["I_in"] == pytest.approx(2 / 4 - 2 * 0.5 / 5, abs=1e-15)   # Fig. 1c


@pytest.mark.parametrize("args", [
    ("solve", "classical", "--layout", ".SP.D..S.P.", "--p", "0.31", "--ig", "0.2", "--json"),
    ("solve", "circuit", "--layout", "single", "--n", "9", "--ig", "0.2", "--json"),
])
def test_json_is_byte_identical(cli, args):
    a, b = ok(cli(*args)), ok(cli(*args))
    assert a.out == b.out and a.out.endswith("}\n")
    json.loads(a.out)   # stdout holds the object alone


def test_default_table(cli):
    r = ok(cli("solve", "classical", "--layout", ".SD.", "--p", "0.5", "--ig", "0.1", "--drho", "0.2"))
    assert "I_in" in r.out and "delta_I" in r.out and "0.075" in r.out   # Eq. 6: (0.2 - 0.05)/2
    r = ok(cli("solve", "classical", "--layout", "dimers", "--n", "200"))
    assert "layout=dimers (N=200)" in r.out and "--sites" in r.out  # a summary, not 200 rows
    # piped output: every per-site value printed whole (10 significant digits), none cut to '0.23…'
    r = ok(cli("solve", "classical", "--layout", ".SPDDSPS.", "--p", "0.001", "--ig", "0.3"))
    st = steady_state(Wire(".SPDDSPS."), ClassicalParams(p=0.001, Ig=0.3, drho=0.1, rho0=1.0))
    assert "\u2026" not in r.out
    for v in (*st.J, *st.rho_plus, *st.rho_minus):
        assert f"{v:.10g}" in r.out


@pytest.mark.parametrize("model,args", [
    ("classical", ("--layout", ".SPDDSPS.", "--p", "0.4", "--ig", "0.3")),
    ("circuit", ("--layout", ".SDDS.", "--ig", "0.3")),
])
def test_out_round_trip(cli, tmp_path, model, args):
    ref = ok(cli("solve", model, *args, "--json")).json()
    for ext in ("json", "csv", "parquet"):
        path = tmp_path / f"res.{ext}"
        r = ok(cli("solve", model, *args, "--json", "--out", str(path)))
        assert json.loads(r.out) == ref          # stdout unchanged by --out
        assert str(path) in r.err                # the message goes to stderr
        if ext == "json":
            assert json.loads(path.read_text()) == ref
            continue
        df = pd.read_csv(path) if ext == "csv" else pd.read_parquet(path)
        assert {"bias", "quantity", "kind", "index", "value", "stderr"} <= set(df.columns)
        for bias in ("forward", "reverse"):
            for q, vals in ref[bias].items():
                rows = df[(df.bias == bias) & (df.quantity == q)].sort_values("index")
                got = rows["value"].to_numpy()
                want = np.atleast_1d(np.array(vals, dtype=float))
                np.testing.assert_allclose(got, want, rtol=0, atol=TOL_ROUNDTRIP)
                if len(want) > 1:
                    assert rows["index"].tolist() == list(range(1, len(want) + 1))   # 1-based
        assert float(df[df.quantity == "delta_I"]["value"].iloc[0]) == ref["delta_I"]
        # the layout is stored once (file metadata), each per-site row names its site kind
        from nonrecip.results import read_result_table
        assert "layout" not in df.columns
        assert read_result_table(path).attrs["parameters"] == ref["parameters"]
        sites = df[(df.bias == "forward") & (df.kind == "site")].drop_duplicates("index").sort_values("index")
        assert "".join(sites["site"]) == ref["parameters"]["layout"]


def test_out_bad_extension(cli, tmp_path):
    r = cli("solve", "classical", "--layout", ".SD.", "--out", str(tmp_path / "x.txt"))
    assert r.code == 2 and "extension" in r.err and not (tmp_path / "x.txt").exists()


BAD = {
    "unknown char": ("classical", "--layout", ".SXD."),
    "bad end site": ("classical", "--layout", ".SDS"),
    "wrong length": ("classical", "--layout", ".SD.", "--n", "6"),
    "N < 4": ("classical", "--layout", "dimers", "--n", "2"),
    "odd N dimers": ("classical", "--layout", "dimers", "--n", "7"),
    "named without N": ("classical", "--layout", "single"),
    "p = 0": ("classical", "--layout", ".SD.", "--p", "0"),
    "p = 1.5": ("classical", "--layout", ".SD.", "--p", "1.5"),
    "Ig < 0": ("classical", "--layout", ".SD.", "--ig", "-0.1"),
    "nan": ("classical", "--layout", ".SD.", "--drho", "nan"),
    "inf": ("classical", "--layout", ".SD.", "--p", "inf"),
    "non-number": ("classical", "--layout", ".SD.", "--p", "half"),
    "unknown option": ("classical", "--layout", ".SD.", "--temperature", "3"),
    "circuit R = 0": ("circuit", "--layout", ".SD.", "--r", "0"),
    "circuit V < 0": ("circuit", "--layout", ".SD.", "--v", "-1"),
    "circuit nan Ig": ("circuit", "--layout", ".SD.", "--ig", "nan"),
}
EXPECT = {  # a word the message must contain, so it says what to fix
    "unknown char": "X", "bad end site": "'.'", "wrong length": "length", "N < 4": "4",
    "odd N dimers": "even", "named without N": "--n", "p = 0": "(0, 1]", "p = 1.5": "(0, 1]",
    "Ig < 0": ">= 0", "nan": "finite", "inf": "finite", "non-number": "--p",
    "unknown option": "--temperature", "circuit R = 0": "> 0", "circuit V < 0": ">= 0",
    "circuit nan Ig": "finite",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input(cli, case):
    model, *args = BAD[case]
    r = cli("solve", model, *args, "--json")
    assert r.code == 2
    assert r.out == ""
    assert "Traceback" not in r.err
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nonrecip: error:")
    assert EXPECT[case] in lines[0]


def test_help(cli):
    r = cli("--help")
    assert r.code == 0 and "solve" in r.out
    r = cli("solve", "classical", "--help")
    assert r.code == 0 and "--layout" in r.out and "--drho" in r.out
    r = cli()   # bare command: help once, exit code 2
    assert r.code == 2 and (r.out + r.err).count("Usage") == 1


def test_real_entry_point():
    # through a fresh interpreter, as the console script runs it
    code = "import sys; from nonrecip.cli import main; sys.exit(main())"
    p = subprocess.run([sys.executable, "-c", code, "--help"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "solve" in p.stdout and "Traceback" not in p.stderr
    p = subprocess.run([sys.executable, "-c", code, "solve", "classical", "--layout", ".SD.", "--p", "0"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and p.stdout == "" and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
