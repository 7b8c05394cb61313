"""Sweep axes and grids: list / range parsing, Cartesian products, keys.

Pure Python, no cluster. Oracles are independent of the code under test:
Python's ``range`` for integer ranges, integer arithmetic on scaled
decimals for float ranges, and values typed out by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecip.sweep import MODELS, Grid, SweepSpec, parse_values, point_key
from nonrecip.wire import ParameterError


# --------------------------------------------------------------------------
# lists and ranges
# --------------------------------------------------------------------------
def test_integer_range_is_inclusive():
    assert parse_values("4:40:2", int, "N") == list(range(4, 41, 2))
    assert parse_values("4:9:2", int, "N") == [4, 6, 8]          # 9 is off the grid
    assert parse_values("40:4:-12", int, "N") == [40, 28, 16, 4]  # descending
    assert parse_values("5:5", int, "N") == [5]
    assert parse_values("4:6", int, "N") == [4, 5, 6]             # step 1 by default


def test_float_range_hits_the_end_and_carries_no_rounding_noise():
    # the values must be the floats of the decimal literals, as if typed by hand
    assert parse_values("0.1:0.9:0.2", float, "p") == [0.1, 0.3, 0.5, 0.7, 0.9]
    vals = parse_values("0:1:0.1", float, "p")
    assert len(vals) == 11 and vals[-1] == 1.0 and vals[3] == 0.3
    assert parse_values("1e-3:3e-3:1e-3", float, "Ig") == [0.001, 0.002, 0.003]
    assert parse_values("0.9:0.5:-0.2", float, "p") == [0.9, 0.7, 0.5]


def test_lists_mixed_with_ranges_keep_order_and_drop_duplicates():
    assert parse_values("4,10:20:5,64,10", int, "N") == [4, 10, 15, 20, 64]
    assert parse_values(" 0.5 , 0.9 ", float, "p") == [0.5, 0.9]
    assert parse_values("dimers,.SDSD.", str, "layout") == ["dimers", ".SDSD."]
    assert parse_values([4, "6:10:2", 12.0], int, "N") == [4, 6, 8, 10, 12]
    assert parse_values(0.5, float, "p") == [0.5]


@pytest.mark.parametrize("text, kind, fragment", [
    ("4:40:0", int, "step of a range must not be 0"),
    ("40:4:2", int, "range is empty"),
    ("4:8:0.5", int, "range of integers"),
    ("4.5", int, "integer"),
    ("a,b", float, "real number"),
    ("0.5,,0.9", float, "empty item"),
    ("1:2:3:4", float, "start:stop:step"),
    ("0:x:1", float, "start:stop:step"),
    ("0:1:1e-9", float, "at most"),
    ("0:inf:1", float, "finite"),
])
def test_bad_axes_raise_parameter_error_naming_the_axis(text, kind, fragment):
    with pytest.raises(ParameterError) as err:
        parse_values(text, kind, "x")
    assert err.value.name == "x" and fragment in str(err.value)


@settings(deadline=None, max_examples=200)
@given(a=st.integers(-50, 50), span=st.integers(0, 60), step=st.integers(1, 9), down=st.booleans())
def test_integer_ranges_match_python_range(a, span, step, down):
    b = a + span
    if down:
        assert parse_values(f"{b}:{a}:{-step}", int, "N") == list(range(b, a - 1, -step))
    else:
        assert parse_values(f"{a}:{b}:{step}", int, "N") == list(range(a, b + 1, step))


@settings(deadline=None, max_examples=200)
@given(a=st.integers(-5000, 5000), span=st.integers(0, 3000), step=st.integers(1, 700), digits=st.integers(0, 4))
def test_float_ranges_match_scaled_integer_arithmetic(a, span, step, digits):
    # start, stop, step are decimals with `digits` places: a/10^d etc.; the
    # expected values are the scaled integers a, a+step, ... <= a+span,
    # written as decimal text and read by float() -- no float arithmetic.
    scale = 10 ** digits

    def dec(i: int) -> str:
        sign = "-" if i < 0 else ""
        q, r = divmod(abs(i), scale)
        return f"{sign}{q}.{r:0{digits}d}" if digits else f"{sign}{q}"

    got = parse_values(f"{dec(a)}:{dec(a + span)}:{dec(step)}", float, "p")
    assert got == [float(dec(i)) for i in range(a, a + span + 1, step)]


# --------------------------------------------------------------------------
# grids and keys
# --------------------------------------------------------------------------
def test_grid_is_the_cartesian_product_last_axis_fastest():
    g = Grid("classical", {"n": "4:8:2", "p": "0.5,0.9"})
    pts = [(pt.params["N"], pt.params["p"]) for pt in g.points()]
    assert pts == [(4, 0.5), (4, 0.9), (6, 0.5), (6, 0.9), (8, 0.5), (8, 0.9)]
    # parameters not swept take the defaults of `nonrecip solve classical`
    assert {pt.params["Ig"] for pt in g.points()} == {0.05}


def test_an_explicit_layout_fixes_n_and_appears_once():
    g = Grid("classical", {"layout": "dimers,.SDSD.", "n": "4,6,8"})
    got = [(pt.params["layout"], pt.params["N"]) for pt in g.points()]
    assert got == [("dimers", 4), ("dimers", 6), ("dimers", 8), (".SDSD.", 6)]


def test_point_key_ignores_spelling_order_and_explicit_defaults():
    a = Grid("classical", {"N": [6], "p": [0.9], "Ig": "0.05"}).points()[0]
    b = Grid("classical", {"ig": 0.05, "n": "6"}).points()[0]  # p left at its default 0.9
    assert a.key == b.key and a.params == b.params
    c = Grid("classical", {"n": 6, "p": 0.8}).points()[0]
    assert c.key != a.key
    # the model is part of the key: the same numbers in another model differ
    assert point_key("circuit", a.params) != a.key


def test_unknown_parameter_or_model_is_a_parameter_error():
    with pytest.raises(ParameterError, match="not a parameter of 'circuit'"):
        Grid("circuit", {"p": 0.5})
    with pytest.raises(ParameterError, match="must be one of"):
        Grid("nonsense", {})
    with pytest.raises(ParameterError, match="second time"):
        Grid("classical", {"n": 4, "N": 6})


def test_toml_spec_reads_grid_and_run_options_and_cli_overrides(tmp_path: Path):
    f = tmp_path / "sweep.toml"
    f.write_text('model = "classical"\nout = "x.csv"\nworkers = 3\n'
                 '[grid]\nlayout = ["dimers"]\nn = "4:8:2"\np = [0.5, "0.7:0.9:0.2"]\n')
    s = SweepSpec.from_toml(f)
    # the file's out is relative to the file's directory (a spec names the same table from any cwd)
    assert s.model == "classical" and s.out == tmp_path / "x.csv" and s.workers == 3
    assert s.grid.axes == {"layout": ("dimers",), "N": (4, 6, 8), "p": (0.5, 0.7, 0.9)}
    s2 = SweepSpec.from_toml(f, model="classical", overrides={"p": "0.3"}, out=tmp_path / "y.parquet")
    assert s2.grid.axes["p"] == (0.3,) and s2.out == tmp_path / "y.parquet" and len(s2.grid) == 3
    with pytest.raises(ParameterError, match="not 'circuit'"):
        SweepSpec.from_toml(f, model="circuit")
    bad = tmp_path / "bad.toml"
    bad.write_text("[grid]\np = [0.5\n")
    with pytest.raises(ParameterError, match="not valid TOML"):
        SweepSpec.from_toml(bad, model="classical")
    with pytest.raises(ParameterError, match="file not found"):
        SweepSpec.from_toml(tmp_path / "missing.toml", model="classical")
    unknown = tmp_path / "u.toml"
    unknown.write_text("wrokers = 2\n[grid]\n")
    with pytest.raises(ParameterError, match="unknown key"):
        SweepSpec.from_toml(unknown, model="classical")


# --------------------------------------------------------------------------
# every option of the matching solve/simulate command is a sweep axis
# --------------------------------------------------------------------------
#: options of solve/simulate that steer a run rather than define a point
RUN_CONTROL = {"--json", "--out", "--workers", "--checkpoint", "--resume", "--progress", "--overwrite", "--help",
               "--sites"}  # how a result is shown (per-site table or summary), not a model parameter
SOURCE_COMMAND = {"classical": ("solve", "classical"), "circuit": ("solve", "circuit"),
                  "quantum": ("solve", "quantum"), "simulate": ("simulate",)}


def _command(path):
    import typer

    from nonrecip.cli import app

    cmd = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]
    return cmd


@pytest.mark.parametrize("model", sorted(MODELS))
def test_sweep_command_offers_every_option_of_the_solve_command_with_its_default(model):
    source = {p.opts[0]: p.default for p in _command(SOURCE_COMMAND[model]).params if p.opts[0] not in RUN_CONTROL}
    axes = {p.flag: p.default for p in MODELS[model].params}
    assert axes == source  # same flags, same defaults (None: unset, as in the solve command)
    sweep_flags = {p.opts[0] for p in _command(("sweep", model)).params}
    assert set(source) <= sweep_flags
    assert {"--spec", "--out", "--resume", "--scheduler", "--workers", "--json"} <= sweep_flags


def test_all_four_models_are_offered():
    assert set(MODELS) == {"classical", "circuit", "simulate", "quantum"}


def test_an_unset_optional_parameter_is_not_part_of_the_key():
    from nonrecip.sweep.grid import point_key

    base = {"layout": ".SDSD.", "N": 6, "p": 0.9, "Ig": 0.05, "drho": 0.1, "rho0": 1.0}
    assert point_key("classical", {**base, "p_profile": None}) == point_key("classical", base)
    assert point_key("classical", {**base, "p_profile": "prof.txt"}) != point_key("classical", base)
