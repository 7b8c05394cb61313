"""Command-line conventions people expect: --version, -h, flags shown as
flags, one-line errors that say what to add, exclusive options refused,
``sweep --spec FILE`` taking the model from the file."""

from __future__ import annotations

import json

import pytest

import nonrecip
from nonrecip.cli import command


def _all_paths(cmd, path=()):
    yield path
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _all_paths(sub, path + (name,))


def test_version(cli):
    r = cli("--version")
    assert r.code == 0 and r.out == f"nonrecip {nonrecip.__version__}\n" and r.err == ""


@pytest.mark.parametrize("path", [(), ("solve", "classical"), ("sweep", "quantum"), ("validate",)])
def test_h_is_help(cli, path):
    long, short = cli(*path, "--help"), cli(*path, "-h")
    assert long.code == short.code == 0
    assert short.out == long.out and "Usage: nonrecip" in short.out


def test_boolean_options_are_shown_as_flags(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    paths = list(_all_paths(command()))
    assert len(paths) > 10
    for path in paths:
        r = cli(*path, "--help")
        assert r.code == 0, path
        assert "<bool>" not in r.out, path
    assert "--json " in cli("solve", "classical", "--help").out


def test_missing_n_says_what_to_add(cli):
    for args in (("solve", "classical"), ("solve", "quantum", "--layout", "single"), ("simulate",)):
        r = cli(*args)
        assert r.code == 2 and r.out == ""
        layout = "single" if "single" in args else "dimers"
        assert r.err == f"nonrecip: error: --n is required for layout '{layout}'\n"


def test_validate_quick_and_full_together_is_an_error(cli):
    r = cli("validate", "--quick", "--full", "--list")
    assert r.code == 2 and r.out == ""
    assert r.err.count("\n") == 1 and "--quick or --full, not both" in r.err


def test_sweep_spec_file_names_the_model(cli, tmp_path):
    spec = tmp_path / "s.toml"
    out = tmp_path / "s.csv"
    spec.write_text(f'model = "circuit"\nout = "{out}"\n[grid]\nlayout = ".SD."\nv = [1.0, 2.0]\n')
    r = cli("sweep", "--spec", str(spec), "--workers", "1", "--no-progress", "--json")
    assert r.code == 0, r.err
    recs = json.loads(r.out)
    # Sec. I, Fig. 1a: I_in = V/R - Ig/3 forward, with the defaults R = 1, Ig = 0.05
    assert [x["V"] for x in recs] == [1.0, 2.0]
    for x in recs:
        assert x["I_in_forward"] == pytest.approx(x["V"] - 0.05 / 3, rel=1e-12)
    assert out.exists()
    same = cli("sweep", "circuit", "--spec", str(spec), "--workers", "1", "--no-progress", "--json", "--resume")
    assert same.code == 0 and json.loads(same.out) == recs


def test_sweep_spec_errors(cli, tmp_path):
    nomodel = tmp_path / "n.toml"
    nomodel.write_text("[grid]\np = 0.5\n")
    r = cli("sweep", "--spec", str(nomodel))
    assert r.code == 2 and "needs model" in r.err and r.err.count("\n") == 1
    r = cli("sweep", "--spec", str(tmp_path / "missing.toml"))
    assert r.code == 2 and "file not found" in r.err
    r = cli("sweep", "--out", "x.csv", "classical")
    assert r.code == 2 and "after MODEL" in r.err
