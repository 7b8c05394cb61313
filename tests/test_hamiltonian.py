"""The wire Hamiltonian: named models, constructors, files, validation (conventions §4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from nonrecip import ParameterError
from nonrecip.hamiltonian import Hamiltonian


def test_uniform_is_the_papers_wire():
    h = Hamiltonian.uniform(6)
    d = h.dense()
    ref = -(np.eye(6, k=1) + np.eye(6, k=-1))
    np.testing.assert_array_equal(d, ref)
    assert h.is_uniform and h.range == 1 and h.N == 6
    assert not Hamiltonian.ssh(6, 1.0, 0.5).is_uniform


def test_arrays_are_read_only():
    h = Hamiltonian.uniform(5)
    with pytest.raises(ValueError):
        h.onsite[0] = 1.0
    with pytest.raises(ValueError):
        h.hopping[0, 0] = 2.0


def test_named_models():
    a = Hamiltonian.anderson(50, 2.0, 7)
    np.testing.assert_array_equal(a.onsite, np.random.default_rng(7).uniform(-1.0, 1.0, 50))
    assert np.all(np.abs(a.onsite) <= 1.0)
    aa = Hamiltonian.aubry_andre(9, 1.5, 0.618, 0.2)
    l = np.arange(1, 10)
    np.testing.assert_allclose(aa.onsite, 1.5 * np.cos(2 * math.pi * 0.618 * l + 0.2), rtol=0, atol=1e-15)
    lr = Hamiltonian.long_range(8, 0.9, 2.0, 3).dense()
    for k in range(1, 8):
        expected = -0.9 * k**-2.0 if k <= 3 else 0.0
        assert np.all(np.diag(lr, k) == expected)


def test_constructors_agree():
    rng = np.random.default_rng(3)
    h = Hamiltonian.from_arrays(onsite=rng.normal(size=9),
                                hoppings=[(i, j, float(rng.normal())) for i in range(1, 10)
                                          for j in range(i + 1, min(i + 4, 10))])
    assert h.range == 3
    d = h.dense()
    assert Hamiltonian.from_matrix(d) == h
    assert Hamiltonian.from_matrix(sp.csr_matrix(d)) == h
    assert Hamiltonian.from_matrix(sp.dia_matrix(d)) == h
    assert Hamiltonian.from_arrays(onsite=h.onsite, hoppings={(j, i): t for i, j, t in h.hoppings()}) == h
    # bands: the diagonal and the super-diagonals, as solve_banded reads them
    ab = h.bands
    for k in range(h.range + 1):
        np.testing.assert_array_equal(ab[h.range - k, k:], np.diag(d, k))


def test_mirrored_and_digest():
    h = Hamiltonian.from_arrays(onsite=[0.1, 0.2, 0.3, 0.4, 0.5], hoppings=[(1, 2, 1.0), (2, 3, 0.5), (3, 4, 0.7),
                                                                           (4, 5, 0.9), (1, 3, 0.2)])
    m = h.mirrored()
    np.testing.assert_array_equal(m.dense(), h.dense()[::-1, ::-1])
    assert m.mirrored() == h
    assert h.digest == Hamiltonian.from_matrix(h.dense()).digest
    assert h.digest != m.digest and len(h.digest) == 16


def test_files(tmp_path):
    on = tmp_path / "eps.txt"
    on.write_text("0.1 0.2\n0.3\n  0.4 0.5\n")
    hop = tmp_path / "hop.csv"
    hop.write_text("i,j,t\n1,2,1.0\n2,3,0.5\n3,4,1.0\n4,5,0.5\n1,3,0.1\n")
    h = Hamiltonian.from_files(5, onsite=on, hoppings=hop)
    np.testing.assert_array_equal(h.onsite, [0.1, 0.2, 0.3, 0.4, 0.5])
    assert h.hoppings() == [(1, 2, 1.0), (1, 3, 0.1), (2, 3, 0.5), (3, 4, 1.0), (4, 5, 0.5)]
    npy = tmp_path / "eps.npy"
    np.save(npy, np.array([0.1, 0.2, 0.3, 0.4, 0.5]))
    assert Hamiltonian.from_files(5, onsite=npy, hoppings=hop) == h
    assert Hamiltonian.from_files(5, onsite=npy).hoppings() == [(1, 2, 1.0), (2, 3, 1.0), (3, 4, 1.0), (4, 5, 1.0)]


BAD_FILES = {
    "too few values": ("onsite", "0 1 2", None, "exactly N = 5 numbers"),
    "non-finite on-site": ("onsite", "0 1 nan 2 3", None, "site 3"),
    "complex on-site": ("onsite", "0 1 2+1j 2 3", None, "complex"),
    "not a number": ("onsite", "0 1 x 2 3", None, "site 3: 'x' is not a number"),
    "no header": ("hoppings", None, "1,2,1.0\n", "header line 'i,j,t'"),
    "i = j": ("hoppings", None, "i,j,t\n1,2,1\n2,2,1.0\n", "row 3"),
    "site outside": ("hoppings", None, "i,j,t\n1,2,1\n2,3,1\n3,4,1\n4,6,1.0\n", "outside 1..N = 5"),
    "duplicated pair": ("hoppings", None, "i,j,t\n1,2,1\n2,3,1\n3,4,1\n4,5,1\n2,1,0.5\n", "listed twice"),
    "complex hopping": ("hoppings", None, "i,j,t\n1,2,1j\n", "complex hoppings are not supported"),
    "wrong row": ("hoppings", None, "i,j,t\n1,2\n", "row 2: needs 3 values"),
    "non-finite hopping": ("hoppings", None, "i,j,t\n1,2,inf\n2,3,1\n3,4,1\n4,5,1\n", "must be finite"),
    "not connected": ("hoppings", None, "i,j,t\n1,2,1\n2,3,1\n4,5,1\n", "not connected"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files(tmp_path, case):
    name, on_text, hop_text, message = BAD_FILES[case]
    kw = {}
    if on_text is not None:
        (tmp_path / "eps.txt").write_text(on_text)
        kw["onsite"] = tmp_path / "eps.txt"
    if hop_text is not None:
        (tmp_path / "hop.csv").write_text(hop_text)
        kw["hoppings"] = tmp_path / "hop.csv"
    with pytest.raises(ParameterError, match=message) as e:
        Hamiltonian.from_files(5, **kw)
    assert e.value.name == name
    if case != "not connected" and name == "hoppings" and "row" in message:
        assert "hop.csv" in str(e.value)


@pytest.mark.parametrize("make,name,message", [
    (lambda: Hamiltonian.from_arrays(hoppings=[(1, 3, 1.0), (2, 4, 1.0)], n=4), "hoppings", "not connected"),
    (lambda: Hamiltonian.from_arrays(hoppings=[(1, 2, 1j)], n=4), "hoppings", "complex hoppings are not supported"),
    (lambda: Hamiltonian.from_arrays(onsite=[1, 2, np.inf, 0]), "onsite", "site 3"),
    (lambda: Hamiltonian.from_arrays(onsite=[1, 2, 3, 4], n=5), "onsite", "exactly N = 5"),
    (lambda: Hamiltonian.from_arrays(onsite=[1j, 0, 0, 0]), "onsite", "complex"),
    (lambda: Hamiltonian.from_arrays(hoppings=[(0, 1, 1.0)], n=4), "hoppings", "outside 1..N = 4"),
    (lambda: Hamiltonian.from_matrix(np.triu(np.ones((5, 5)))), "hamiltonian", "symmetric"),
    (lambda: Hamiltonian.from_matrix(np.ones((5, 5)) * (1 + 1j)), "hamiltonian", "complex hoppings"),
    (lambda: Hamiltonian.ssh(8, 1.0, 0.0), "t2", "nonzero"),
    (lambda: Hamiltonian.ssh(3, 1.0, 1.0), "N", ">= 4"),
    (lambda: Hamiltonian.anderson(8, -1.0, 1), "disorder", ">= 0"),
    (lambda: Hamiltonian.anderson(8, 1.0, -1), "disorder_seed", ">= 0"),
    (lambda: Hamiltonian.long_range(8, 1.0, 1.0, 0), "hopping_range", ">= 1"),
    (lambda: Hamiltonian.long_range(8, 1.0, math.nan, 2), "hopping_decay", "finite"),
    (lambda: Hamiltonian.aubry_andre(8, math.inf, 0.6), "aa_lambda", "finite"),
])
def test_bad_input(make, name, message):
    with pytest.raises(ParameterError, match=message) as e:
        make()
    assert e.value.name == name


# --------------------------------------------------------------------------
# the options -> Hamiltonian builder of the CLI and the sweep
# --------------------------------------------------------------------------
def test_builder_options_are_the_table():
    from nonrecip.hamiltonian_options import MODEL_OPTIONS
    from nonrecip.params import HAMILTONIAN_PARAMETERS, PARAMETERS

    owned = [k for opts in MODEL_OPTIONS.values() for k, _ in opts]
    assert sorted(owned + ["wire_model"]) == sorted(HAMILTONIAN_PARAMETERS)  # each option belongs to one model
    assert PARAMETERS["wire_model"].choices == tuple(MODEL_OPTIONS)


def test_builder_models_and_defaults():
    from nonrecip.hamiltonian_options import hamiltonian_from_options as build

    assert build(8) is None and build(8, "uniform") is None        # the paper's wire: the fast path
    assert build(8, "ssh", t2=0.5) == Hamiltonian.ssh(8, 1.0, 0.5)
    assert build(8, "anderson", disorder=2.0) == Hamiltonian.anderson(8, 2.0, 0)
    assert build(8, "aubry-andre", aa_lambda=1.0) == Hamiltonian.aubry_andre(8, 1.0, (math.sqrt(5) - 1) / 2, 0.0)
    assert build(8, "long-range", hopping_range=3) == Hamiltonian.long_range(8, 1.0, 2.0, 3)
    for kw, word in (({"wire_model": "ssh", "disorder": 1.0, "t2": 1.0}, "belongs to --model anderson"),
                     ({"wire_model": "anderson"}, "required"),
                     ({"wire_model": "x"}, "--model must be one of"),
                     ({"wire_model": "uniform", "t1": 1.0}, "belongs to --model ssh")):
        with pytest.raises(ParameterError, match=word):
            build(8, **kw)
