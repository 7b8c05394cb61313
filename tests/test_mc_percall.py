"""The small-run path of ``simulate`` (``stochastic.adjoint_inline``) changes no bit and no behaviour.

Three independent checks, all by exact equality (no tolerance: the same
floating-point operations in the same order give the same bits):

* against stored results of the code before it (commit 9acc9b5, written by
  ``tests/data/gen_mc_percall_reference.py`` with that tree's PYTHONPATH):
  every mean and standard error of 18 runs, both estimators, small and large,
  one and two workers, 2 to 200 batches;
* against the general path of the same code (:func:`run_batches` of every
  batch, then :func:`combine`: per-batch sums in a :class:`BatchSums`,
  :meth:`SteadyStateSimulation.estimate`, the checking constructors): equal
  pickles (same classes, attributes in the same order, same bits), equal
  ``repr`` and JSON, every array read-only, also after unpickling;
* the objects built without their ``__init__`` against the constructors.
"""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

import nonrecip.stochastic.simulation as simmod
from nonrecip import ClassicalParams, ParameterError, Wire
from nonrecip.estimates import Estimate, EstimateArray
from nonrecip.results import Result
from nonrecip.stochastic import SimulatedState, combine, run_batches, simulate
from nonrecip.stochastic.adjoint_inline import _new

REFERENCE = json.loads((Path(__file__).parent / "data" / "mc_percall_reference.json").read_text())


def _wire(spec) -> Wire:
    return Wire.from_spec(spec[0], n=spec[1]) if isinstance(spec, list) else Wire(spec)


def _hexes(x) -> list[str]:
    return [float(v).hex() for v in np.ravel(np.asarray(x, dtype=float))]


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=lambda c: f"{c['wire']}-{c['kw']}")
def test_same_bits_as_the_code_before(case):
    res = simulate(_wire(case["wire"]), ClassicalParams(**case["params"]), **case["kw"])
    ref = case["result"]
    assert _hexes([res.delta_I.mean, res.delta_I.stderr]) == ref["delta_I"]
    for bias in ("forward", "reverse"):
        st, want = getattr(res, bias), ref[bias]
        assert _hexes([st.I_in.mean, st.I_in.stderr]) == want["I_in"]
        assert _hexes([st.I_out.mean, st.I_out.stderr]) == want["I_out"]
        for name in ("J", "rho_plus", "rho_minus"):
            arr = getattr(st, name)
            assert _hexes(arr.mean) == want[name]["mean"], (bias, name)
            assert _hexes(arr.stderr) == want[name]["stderr"], (bias, name)


def _arrays(res):
    """Every array of a result with its path."""
    for bias in ("forward", "reverse"):
        st = getattr(res, bias)
        for name in ("J", "rho_plus", "rho_minus"):
            for part in ("mean", "stderr"):
                yield f"{bias}.{name}.{part}", getattr(getattr(st, name), part)


CASES = [
    (".SP.D..S.P.", dict(p=0.9, Ig=0.05, drho=0.1), 1088, 32),
    (".SP.D..S.P.", dict(p=0.9, Ig=0.05, drho=0.1), 1001, 7),
    (".SP.D..S.P.", dict(p=0.9, Ig=0.05, drho=0.1), 5000, 130),   # beyond the compiled statistics' 128
    ("..SD..SD..", dict(p=0.5, Ig=40.0, drho=0.1), 3000, 32),
    ("..SD..SD..", dict(p=0.2, Ig=0.0, drho=0.3, rho0=0.0), 2000, 2),
    (".DPPS.", dict(p=0.3, Ig=0.2, drho=0.0), 2000, 16),
    (".SDSD.", dict(p=1.0, Ig=0.05, drho=0.1), 640, 32),      # never reflected
    ("....", dict(p=0.5, Ig=0.05, drho=0.1), 640, 32),        # no scatterer
    ("." + "SD" * 49 + ".", dict(p=0.9, Ig=0.05, drho=0.1), 20000, 32),   # dimers N = 100, several kernel calls
]


@pytest.mark.parametrize("layout, params, steps, n_batches", CASES)
@pytest.mark.parametrize("seed", [0, 3, 2**64 + 7])
def test_small_path_is_the_general_path(layout, params, steps, n_batches, seed):
    wire, P = Wire(layout), ClassicalParams(**params)
    fast = simulate(wire, P, steps=steps, seed=seed, n_batches=n_batches, estimator="adjoint", workers=1)
    sums = run_batches(wire, P, steps=steps, seed=seed, n_batches=n_batches, batch_ids=range(n_batches),
                       estimator="adjoint")
    slow = combine(wire, P, sums)
    assert pickle.dumps(fast) == pickle.dumps(slow)       # classes, attributes, their order, bits
    assert repr(fast) == repr(slow)
    assert fast.to_json() == slow.to_json()
    for path, a in _arrays(fast):
        assert not a.flags.writeable, path
    for res in (pickle.loads(pickle.dumps(fast)), copy.deepcopy(fast)):
        assert repr(res) == repr(fast)
        for path, a in _arrays(res):
            assert not a.flags.writeable, path
    with pytest.raises(ValueError):
        fast.forward.J.mean[0] = 1.0
    with pytest.raises(AttributeError):
        fast.forward.I_in = Estimate(0.0, 0.0)  # type: ignore[misc]


def test_the_small_path_is_taken(monkeypatch):
    """Small adjoint runs (one or more workers) and large ones on one worker never build batch sums."""
    def boom(*a, **k):
        raise AssertionError("general path used")

    monkeypatch.setattr(simmod, "_run_inline", boom)
    monkeypatch.setattr(simmod, "_execute", boom)
    P = ClassicalParams(p=0.9, Ig=0.05, drho=0.1)
    simulate(Wire(".SP.D..S.P."), P, steps=1088, estimator="adjoint")
    simulate(Wire.from_spec("dimers", 100), P, steps=20000, estimator="adjoint", workers=1)


def test_objects_built_without_init_equal_the_constructed_ones():
    mean, err = np.arange(3.0), np.ones(3)
    mean.flags.writeable = err.flags.writeable = False
    slow_arr, fast_arr = EstimateArray(mean, err), _new(EstimateArray, {"mean": mean, "stderr": err})
    assert list(vars(fast_arr)) == list(vars(slow_arr)) and pickle.dumps(fast_arr) == pickle.dumps(slow_arr)
    nan = EstimateArray(np.full(4, np.nan), np.full(4, np.nan))
    a, b = Estimate(1.0, 0.5), _new(Estimate, {"mean": 2.0, "stderr": 0.5})
    assert b == Estimate(2.0, 0.5) and pickle.dumps(b) == pickle.dumps(Estimate(2.0, 0.5))
    slow = SimulatedState(I_in=a, I_out=b, J=slow_arr, rho_plus=nan, rho_minus=nan)
    fast = _new(SimulatedState, {"I_in_split": None, "I_in": a, "I_out": b, "J": fast_arr, "rho_plus": nan,
                                 "rho_minus": nan, "unmet_drain": None})
    assert type(fast) is SimulatedState
    assert list(vars(fast)) == list(vars(slow))
    assert pickle.dumps(fast) == pickle.dumps(slow) and repr(fast) == repr(slow)
    assert fast.to_dict() == slow.to_dict() and repr(fast.rows()) == repr(slow.rows())   # NaN != NaN
    wire, P = Wire(".SD."), ClassicalParams()
    slow_res = Result("simulate", wire, P, slow, slow, a, {"steps": 1})
    fast_res = _new(Result, {"model": "simulate", "wire": wire, "params": P, "forward": fast, "reverse": fast,
                             "delta_I": a, "extra": {"steps": 1}})
    assert list(vars(fast_res)) == list(vars(slow_res)) and pickle.dumps(fast_res) == pickle.dumps(slow_res)
    assert fast_res.to_json() == slow_res.to_json() and fast_res.parameters == slow_res.parameters


@pytest.mark.parametrize("kw, name, message", [
    (dict(steps=0), "steps", "must be an integer >= 1"),
    (dict(steps=True), "steps", "must be an integer"),
    (dict(steps=1088.0), "steps", "must be an integer"),
    (dict(seed=-1), "seed", "must be an integer >= 0"),
    (dict(seed=False), "seed", "must be an integer"),
    (dict(n_batches=1), "n_batches", "must be an integer >= 2"),
    (dict(n_batches=True), "n_batches", "must be an integer"),
    (dict(steps=10, n_batches=32), "steps", "must be >= n_batches"),
    (dict(workers=0), "workers", "must be an integer >= 1"),
    (dict(workers=True), "workers", "must be an integer"),
    (dict(workers=1.0), "workers", "must be an integer"),
    (dict(resume=True), "resume", "needs a checkpoint"),
    (dict(mode="physical"), "estimator", "population engine"),
    (dict(estimator="Adjoint"), "estimator", "must be one of"),
])
def test_the_small_path_checks_every_input(kw, name, message):
    args = dict(steps=1088, estimator="adjoint", workers=1)
    args.update(kw)
    with pytest.raises(ParameterError) as e:
        simulate(Wire(".SP.D..S.P."), ClassicalParams(p=0.9, Ig=0.05, drho=0.1), **args)
    assert e.value.name == name and message in str(e.value)


def test_numpy_integers_are_accepted_as_before():
    wire, P = Wire(".SP.D..S.P."), ClassicalParams(p=0.9, Ig=0.05, drho=0.1)
    a = simulate(wire, P, steps=1088, seed=5, n_batches=16, estimator="adjoint", workers=1)
    b = simulate(wire, P, steps=np.int64(1088), seed=np.uint32(5), n_batches=np.int16(16), estimator="adjoint",
                 workers=np.int64(1))
    assert pickle.dumps(a) == pickle.dumps(b) and type(b.extra["steps"]) is int


def test_cached_batch_arrays_are_never_written():
    """The cached ids and sizes handed to the compiled calls stay what ``batch_sizes`` gives."""
    from nonrecip.stochastic import batch_sizes
    from nonrecip.stochastic.adjoint_inline import _batch_steps

    P = ClassicalParams(p=0.9, Ig=0.05, drho=0.1)
    for _ in range(3):
        simulate(Wire(".SP.D..S.P."), P, steps=1001, seed=1, n_batches=7, estimator="adjoint", workers=1)
        simulate(Wire.from_spec("dimers", 100), P, steps=20000, seed=1, n_batches=7, estimator="adjoint", workers=1)
    for steps in (1001, 20000):
        ids, sizes, steps_b, largest = _batch_steps(steps, 7)
        assert np.array_equal(ids, np.arange(7)) and np.array_equal(sizes, batch_sizes(steps, 7))
        assert np.array_equal(steps_b, batch_sizes(steps, 7).astype(float)) and largest == sizes.max()
