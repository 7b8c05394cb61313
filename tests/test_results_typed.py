"""Typed, immutable results; the one bias parser; no non-finite result (conventions §1).

* every model has a state class with declared ``I_in``, ``I_out``, ``J``;
* every array a result holds is read-only (writing raises);
* ``Bias.parse`` is the one parser of a bias name: a typo is a
  ``ParameterError``, never the other bias;
* an exact solver whose result is not finite refuses with a
  ``ParameterError`` naming the out-of-range input (CLI: exit 2, one line);
* ``Estimate.z`` with a zero standard error: 0 when the mean is the
  reference, else ``UndefinedZScore`` (never ``inf``).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from nonrecip import (
    Bias,
    CircuitParams,
    ClassicalParams,
    Estimate,
    EstimateArray,
    ParameterError,
    QuantumParams,
    Wire,
    solve_circuit,
    solve_classical,
    solve_quantum,
)
from nonrecip.deterministic.circuit import circuit_state, solve_nodal
from nonrecip.deterministic.classical import solve_dense, steady_state
from nonrecip.deterministic.quantum import QuantumState
from nonrecip.results import CircuitState, ClassicalState, ExactState, Result, State, UndefinedZScore

QP = QuantumParams.from_ig_ratio(0.3, gamma=0.5, mubar=1.0, dmu=0.1)


def results() -> list[Result]:
    w = Wire(".SP.DS.D.")
    out: list[Result] = [
        solve_classical(w, ClassicalParams(p=0.4, Ig=0.1, drho=0.2, rho0=0.5)),
        solve_circuit(w, CircuitParams(V=1.0, R=2.0, Ig=0.2)),
        solve_quantum(w, QP),
        solve_quantum(w, QP, method="dense"),
        solve_quantum(Wire(".SD."), QP, response="cubic"),
        solve_quantum(w, QP, response="nonlinear"),
    ]
    return out


def arrays_of(res: Result) -> list[tuple[str, np.ndarray]]:
    out = []
    for bias in ("forward", "reverse"):
        st = res.state(bias)
        for f in dataclasses.fields(st):
            v = getattr(st, f.name)
            if isinstance(v, np.ndarray):
                out.append((f"{bias}.{f.name}", v))
            elif isinstance(v, EstimateArray):
                out += [(f"{bias}.{f.name}.mean", v.mean), (f"{bias}.{f.name}.stderr", v.stderr)]
    return out


# --------------------------------------------------------------------------
# state classes
# --------------------------------------------------------------------------
@pytest.mark.parametrize("cls,fields", [
    (ClassicalState, {"I_in", "I_out", "J", "rho_plus", "rho_minus"}),
    (CircuitState, {"I_in", "I_out", "J", "V", "heat", "heat_bulk"}),
    (QuantumState, {"I_1", "I_N", "J", "mu", "I", "dn", "h"}),
])
def test_state_classes_declare_their_fields(cls, fields):
    assert issubclass(cls, ExactState) and issubclass(cls, State)
    declared = {f.name for f in dataclasses.fields(cls)} - {"I_in_split"}
    assert declared == fields


def test_every_state_has_I_in_I_out_J_and_outputs_only_its_fields():
    for res in results():
        for bias in ("forward", "reverse"):
            st = res.state(bias)
            assert isinstance(st.I_in, float) and isinstance(st.I_out, float)
            assert st.J.shape == (res.wire.N - 1,)
            out = st.to_dict()
            assert "I_in_split" not in out   # internal, never written (JSON/CSV/Parquet unchanged)
            assert list(out) == [f.name for f in dataclasses.fields(st) if f.name != "I_in_split"]
            assert all(r["quantity"] != "I_in_split" for r in st.rows())


# --------------------------------------------------------------------------
# read-only arrays
# --------------------------------------------------------------------------
def test_result_arrays_are_read_only():
    for res in results():
        arrs = arrays_of(res)
        assert len(arrs) >= 4
        for name, a in arrs:
            assert not a.flags.writeable, (res.model, name)
            with pytest.raises(ValueError, match="read-only"):
                a[0] = 1.0


def test_simulated_result_arrays_are_read_only():
    from nonrecip import simulate

    res = simulate(Wire(".SD."), ClassicalParams(p=0.5, Ig=0.1, drho=0.2), steps=2000, seed=1, n_batches=4,
                   workers=1)
    arrs = arrays_of(res)
    assert len(arrs) >= 6
    for name, a in arrs:
        with pytest.raises(ValueError, match="read-only"):
            a[0] = 1.0
        assert not a.flags.writeable, name


def test_read_only_is_a_view_the_caller_array_stays_writeable():
    J = np.array([0.1, 0.1, 0.1])
    st = ClassicalState(I_in=0.1, I_out=0.1, J=J, rho_plus=np.ones(4), rho_minus=np.ones(4))
    assert J.flags.writeable and not st.J.flags.writeable
    ea = EstimateArray(np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="read-only"):
        ea.mean[0] = 1.0


# --------------------------------------------------------------------------
# the bias parser
# --------------------------------------------------------------------------
def test_bias_parse():
    assert Bias.parse("forward") is Bias.FORWARD and Bias.parse("reverse") is Bias.REVERSE
    assert Bias.parse(Bias.REVERSE) is Bias.REVERSE
    for bad in ("forwrd", "Forward", "", " forward", "x", 1, None, 1.0):
        with pytest.raises(ParameterError, match="bias") as e:
            Bias.parse(bad)
        assert e.value.name == "bias" and e.value.value == bad


def test_result_state_refuses_a_typo():
    res = solve_classical(Wire(".SD."), ClassicalParams(p=0.5, Ig=0.1, drho=0.2))
    assert res.state("forward") is res.forward and res.state(Bias.REVERSE) is res.reverse
    with pytest.raises(ParameterError, match="bias"):
        res.state("forwrd")   # was silently the reverse state


@pytest.mark.parametrize("call", [
    lambda: steady_state(Wire(".SD."), ClassicalParams(p=0.5), "x"),
    lambda: solve_dense(Wire(".SD."), ClassicalParams(p=0.5), "x"),
    lambda: circuit_state(Wire(".SD."), CircuitParams(), "x"),
    lambda: solve_nodal(Wire(".SD."), CircuitParams(), "x"),
])
def test_single_bias_solvers_refuse_a_bad_bias(call):
    with pytest.raises(ParameterError, match="bias"):
        call()


# --------------------------------------------------------------------------
# a result that is not finite is an error naming the input
# --------------------------------------------------------------------------
@pytest.mark.parametrize("call,name", [
    (lambda: solve_circuit(Wire(".SDSD."), CircuitParams(R=1e-320)), "R"),
    (lambda: solve_circuit(Wire(".SDSD."), CircuitParams(V=1e308, R=1e-10)), "V"),
    (lambda: solve_classical(Wire.dimers(10), ClassicalParams(p=0.9, Ig=0.05, drho=1e308)), "drho"),
    (lambda: solve_classical(Wire.dimers(10), ClassicalParams(p=1e-320, Ig=0.05, drho=0.1)), "p"),
    (lambda: solve_classical(Wire.dimers(10), ClassicalParams(p=0.1, Ig=1e308, drho=0.1)), "Ig"),
])
def test_non_finite_result_is_a_parameter_error(call, name):
    with _no_warnings():
        with pytest.raises(ParameterError) as e:
            call()
    assert e.value.name == name
    assert "not finite" in str(e.value)


class _no_warnings:
    """Turn every warning into an error inside the block (no RuntimeWarning leaks)."""

    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


@pytest.mark.parametrize("args,name", [
    (("solve", "circuit", "--layout", ".SDSD.", "--r", "1e-320"), "R"),
    (("solve", "classical", "--layout", "dimers", "--n", "10", "--drho", "1e308"), "drho"),
    (("solve", "classical", "--layout", "dimers", "--n", "10", "--p", "1e-320"), "p"),
])
def test_cli_non_finite_exits_2_with_one_line(cli, args, name, tmp_path):
    out = tmp_path / "r.json"
    r = cli(*args, "--json", "--out", str(out))
    assert r.code == 2
    assert r.out == ""
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and f"invalid {name}=" in lines[0] and "Traceback" not in r.err
    assert not out.exists()


def test_ordinary_results_are_finite_and_unchanged_in_kind():
    for res in results():
        assert math.isfinite(res.delta_I)
        for bias in ("forward", "reverse"):
            st = res.state(bias)
            assert isinstance(st, ExactState)
            if not isinstance(st, QuantumState):   # quantum states hold NaN on free sites by design
                assert st.nonfinite() == []


# --------------------------------------------------------------------------
# z-scores
# --------------------------------------------------------------------------
def test_z_with_zero_stderr():
    assert Estimate(0.25, 0.0).z(0.25) == 0.0
    with pytest.raises(UndefinedZScore, match="standard error 0.0"):
        Estimate(0.25, 0.0).z(0.5)         # was +-inf
    assert math.isnan(Estimate(0.25, math.nan).z(0.5))
    ea = EstimateArray(np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.0, 1.0]))
    np.testing.assert_array_equal(ea.z(np.array([0.0, 2.0, 1.0])), [2.0, 0.0, 2.0])
    with pytest.raises(UndefinedZScore, match="index 1"):
        ea.z(np.array([0.0, 2.5, 1.0]))
    assert issubclass(UndefinedZScore, ValueError)
