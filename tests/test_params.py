"""The one parameter table (nonrecip.params) and what is derived from it:
validation of the parameter objects, defaults shared by library and CLI,
the options of every command, the sweep axes, the docs table."""

from __future__ import annotations

import json
import math
import typing
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from nonrecip.cli._common import JsonOpt, table_options
from nonrecip.params import (
    EXCLUSIVE,
    IG_RATIO_DEFAULT,
    MODEL_PARAMETERS,
    PARAMETERS,
    Parameter,
    default,
    markdown_table,
    quantum_ig,
)
from nonrecip.wire import CircuitParams, ClassicalParams, ParameterError, QuantumParams, Wire

ROOT = Path(__file__).resolve().parents[1]
PARAM_CLASSES = {"classical": ClassicalParams, "circuit": CircuitParams, "quantum": QuantumParams}
#: command path of each model / command of MODEL_PARAMETERS
COMMANDS = {"classical": ("solve", "classical"), "circuit": ("solve", "circuit"), "quantum": ("solve", "quantum"),
            "simulate": ("simulate",), "converge": ("converge",), "trajectory": ("trajectory",)}


def _command(path):
    from nonrecip.cli import command

    cmd: typing.Any = command()
    for name in path:
        cmd = cmd.commands[name]
    return cmd


# --------------------------------------------------------------------------
# the table itself
# --------------------------------------------------------------------------
def test_docs_table_is_generated_from_the_table():
    assert (ROOT / "docs" / "parameters.md").read_text() == markdown_table()


def test_every_parameter_is_documented_once_with_its_flag():
    text = markdown_table()
    for p in PARAMETERS.values():
        assert text.count(f"| `{p.name}` | `{p.flag}` |") == 1


@pytest.mark.parametrize("p", PARAMETERS.values(), ids=lambda p: p.name)
def test_defaults_pass_their_own_validation(p: Parameter):
    assert p.check(p.default) == p.default
    for _, v in p.model_defaults:
        assert p.check(v) == v


def test_flags_are_distinct_and_names_unique():
    flags = [p.flag for p in PARAMETERS.values()]
    assert len(set(flags)) == len(flags)
    for names in MODEL_PARAMETERS.values():
        assert len(set(names)) == len(names) and set(names) <= set(PARAMETERS)


# --------------------------------------------------------------------------
# validation of the frozen parameter objects comes from the table
# --------------------------------------------------------------------------
def _cases():
    for model, cls in PARAM_CLASSES.items():
        for name in (f.name for f in __import__("dataclasses").fields(cls)):
            yield model, cls, PARAMETERS[name]


@pytest.mark.parametrize("model,cls,p", list(_cases()), ids=lambda x: getattr(x, "name", str(x)))
def test_parameter_objects_validate_every_field_by_the_table(model, cls, p):
    # just outside each bound: refused, naming the parameter and the allowed interval
    for bound, is_open, sign in ((p.lo, p.lo_open, -1), (p.hi, p.hi_open, +1)):
        if bound is None:
            continue
        outside = bound if is_open else bound + sign * 1e-9
        with pytest.raises(ParameterError) as e:
            cls(**{p.name: outside})
        assert e.value.name == p.name and e.value.allowed == "must be " + p.allowed
        if not is_open:  # a closed end is allowed
            assert getattr(cls(**{p.name: bound}), p.name) == bound
    for bad in (math.nan, "x", True):
        with pytest.raises(ParameterError, match=p.name):
            cls(**{p.name: bad})


def test_library_defaults_are_the_table_defaults():
    assert ClassicalParams() == ClassicalParams(p=0.9, Ig=0.05, drho=0.1, rho0=1.0)
    assert CircuitParams() == CircuitParams(V=1.0, R=1.0, Ig=0.05)
    q = QuantumParams()
    # Ig not given: Ig/Io = 0.3 with Io = dmu/(2 pi) (Sec. III)
    assert q.Ig == pytest.approx(0.3 * 0.1 / (2 * math.pi), rel=1e-15)
    assert q.ig_ratio == pytest.approx(IG_RATIO_DEFAULT, rel=1e-15)
    for model, cls in PARAM_CLASSES.items():
        for k, v in cls().to_dict().items():
            if default(k, model) is not None:
                assert v == default(k, model), (model, k)


# --------------------------------------------------------------------------
# the Ig / ig_ratio rule, once
# --------------------------------------------------------------------------
def test_quantum_ig_rule():
    dmu = 0.2
    assert quantum_ig(0.01, None, dmu=dmu) == 0.01
    assert quantum_ig(None, 2.0, dmu=dmu) == pytest.approx(2.0 * dmu / (2 * math.pi), rel=1e-15)
    assert quantum_ig(None, None, dmu=dmu) == pytest.approx(IG_RATIO_DEFAULT * dmu / (2 * math.pi), rel=1e-15)
    with pytest.raises(ParameterError, match="not both"):
        quantum_ig(0.01, 0.3, dmu=dmu)
    with pytest.raises(ParameterError, match="ig_ratio"):
        quantum_ig(None, -1.0, dmu=dmu)
    with pytest.raises(ParameterError, match="not both"):
        QuantumParams.from_options(Ig=0.01, ig_ratio=0.3)
    assert QuantumParams.from_ig_ratio(0.5, dmu=dmu) == QuantumParams(Ig=0.5 * dmu / (2 * math.pi), dmu=dmu)
    assert ("Ig", "ig_ratio") in EXCLUSIVE


# --------------------------------------------------------------------------
# library and CLI share one set of defaults: same bytes with no options
# --------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["classical", "circuit", "quantum"])
def test_cli_without_options_equals_library_defaults(cli, model):
    from nonrecip.deterministic import solve_circuit, solve_classical, solve_quantum

    solver: typing.Any = {"classical": solve_classical, "circuit": solve_circuit, "quantum": solve_quantum}[model]
    r = cli("solve", model, "--layout", ".SDSD.", "--json")
    assert r.code == 0, r.err
    assert r.out == solver(Wire(".SDSD."), PARAM_CLASSES[model]()).to_json() + "\n"


# --------------------------------------------------------------------------
# the options of every command come from the table
# --------------------------------------------------------------------------
@pytest.mark.parametrize("model", sorted(COMMANDS))
def test_command_options_are_the_table(model):
    opts = {q.opts[0]: q for q in _command(COMMANDS[model]).params}
    for name in MODEL_PARAMETERS[model]:
        p = PARAMETERS[name]
        assert p.flag in opts, (model, p.flag)
        q = opts[p.flag]
        assert q.default == p.default_for(model), (model, name)
        assert q.help == p.cli_help, (model, name)


def test_hand_written_aliases_match_the_table():
    from nonrecip.cli import _common

    for alias, name in _common.TABLE_ALIASES.items():
        ann = getattr(_common, alias)
        assert typing.get_args(ann)[0] == typing.get_args(_common.opt(name))[0], alias
        assert vars(typing.get_args(ann)[1]) == vars(typing.get_args(_common.opt(name))[1]), alias


def test_sweep_axes_are_the_table():
    from nonrecip.sweep.models import MODELS

    for model, m in MODELS.items():
        assert tuple(p.name for p in m.params) == MODEL_PARAMETERS[model]
        for p in m.params:
            assert (p.flag, p.kind, p.default) == (PARAMETERS[p.name].flag, PARAMETERS[p.name].kind,
                                                   default(p.name, model))


def test_choices_are_those_the_solvers_accept():
    from nonrecip.deterministic.quantum import METHODS, RESPONSES
    from nonrecip.stochastic import ESTIMATORS, MODES
    from nonrecip.stochastic.population import STARTS

    assert PARAMETERS["response"].choices == RESPONSES and PARAMETERS["method"].choices == METHODS
    assert PARAMETERS["estimator"].choices == ESTIMATORS and PARAMETERS["mode"].choices == MODES
    assert PARAMETERS["start"].choices == STARTS


def test_table_options_gives_a_new_command_its_options():
    # the mechanism new commands use: options by parameter name
    app = typer.Typer()
    seen: dict[str, object] = {}

    @app.command()
    @table_options("layout", "N", "p", "Ig", "mubar", model="classical")
    def cmd(*, json: JsonOpt = False, **values) -> None:
        seen.update(values, json=json)

    r = CliRunner().invoke(app, ["--p", "0.5", "--n", "8", "--mu", "-1.5", "--json"])
    assert r.exit_code == 0, r.output
    assert seen == {"layout": "dimers", "N": 8, "p": 0.5, "Ig": 0.05, "mubar": -1.5, "json": True}
    help_text = CliRunner().invoke(app, ["--help"]).output
    assert "--ig" in help_text and "--mu" in help_text


def test_module_main_prints_the_docs_table():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, str(ROOT / "docs" / "gen_parameters.py"), "--check"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.dumps(markdown_table())  # plain text
