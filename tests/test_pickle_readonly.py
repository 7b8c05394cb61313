"""Results, wires, Hamiltonians and parameters keep read-only arrays through pickling.

Dask moves results between processes with pickle, which rebuilds an object
from its ``__dict__`` without ``__post_init__``; every array must come back
read-only and equal to the original, bit for bit.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import nonrecip as nr
from nonrecip.hamiltonian import Hamiltonian


def _arrays(obj, seen=None, path="obj"):
    """Every ndarray reachable through attributes / dataclass fields / tuples (name, array)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return [(path, obj)]
    out = []
    if isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            out += _arrays(v, seen, f"{path}[{i}]")
    elif hasattr(obj, "__dict__") and type(obj).__module__.startswith("nonrecip"):
        for k, v in vars(obj).items():
            out += _arrays(v, seen, f"{path}.{k}")
    return out


NAMES = ["wire", "classical params", "hamiltonian", "classical", "circuit", "quantum", "simulated"]


def _objects():
    w = nr.Wire(".SPD.S.D.")
    _ = w.kinds, w.injection, w.scatterer  # cached arrays are part of the pickled state
    cp = nr.ClassicalParams(Ig=0.05, drho=0.1, p_profile=np.linspace(0.5, 1.0, 9))
    yield "wire", w
    yield "classical params", cp
    yield "hamiltonian", Hamiltonian.ssh(9, t1=1.0, t2=0.6)
    yield "classical", nr.solve_classical(w, nr.ClassicalParams(p=0.7, Ig=0.05, drho=0.1))
    yield "circuit", nr.solve_circuit(w, nr.CircuitParams())
    yield "quantum", nr.solve_quantum(w, nr.QuantumParams(Ig=0.01))
    yield "simulated", nr.simulate(w, nr.ClassicalParams(p=0.7, Ig=0.05, drho=0.1), steps=2000, seed=3)


@pytest.fixture(scope="module")
def objects():
    return dict(_objects())


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_arrays_stay_read_only(objects, name, how):
    obj = objects[name]
    before = _arrays(obj)
    assert before, "the object holds arrays"
    assert not any(a.flags.writeable for _, a in before)
    back = pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)) if how == "pickle" else copy.deepcopy(obj)
    after = _arrays(back)
    assert [p for p, _ in after] == [p for p, _ in before]
    for (p, a), (_, b) in zip(before, after, strict=True):
        assert not b.flags.writeable, p
        np.testing.assert_array_equal(a, b, err_msg=p)
        with pytest.raises(ValueError):
            b[...] = 0  # really read-only, not only flagged
