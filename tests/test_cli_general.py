"""``nonrecip solve quantum --model ... / --onsite / --hoppings / --temperature`` (issue 11).

The command line equals the library called with the Hamiltonian built by
hand from its named constructor; every bad input is one stderr line, exit
code 2, no traceback and nothing written, before any solve.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from nonrecip import QuantumParams, Wire, solve_quantum
from nonrecip.cli import main
from nonrecip.hamiltonian import Hamiltonian


def _run(capsys, *args):
    code = main(list(args))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def _lib(layout, n, h, **kw):
    wire = Wire.from_spec(layout, n)
    p = QuantumParams.from_options(**kw)
    return json.loads(solve_quantum(wire, p, hamiltonian=h).to_json())


@pytest.mark.parametrize("flags,h", [
    (("--model", "ssh", "--t1", "1.0", "--t2", "0.6"), lambda n: Hamiltonian.ssh(n, 1.0, 0.6)),
    (("--model", "ssh", "--t2", "0.6"), lambda n: Hamiltonian.ssh(n, 1.0, 0.6)),      # t1 defaults to 1
    (("--model", "anderson", "--disorder", "0.8", "--disorder-seed", "3"),
     lambda n: Hamiltonian.anderson(n, 0.8, 3)),
    (("--model", "aubry-andre", "--aa-lambda", "0.5", "--aa-beta", "0.3", "--aa-phase", "0.2"),
     lambda n: Hamiltonian.aubry_andre(n, 0.5, 0.3, 0.2)),
    (("--model", "aubry-andre", "--aa-lambda", "0.5"),
     lambda n: Hamiltonian.aubry_andre(n, 0.5, (math.sqrt(5) - 1) / 2, 0.0)),
    (("--model", "long-range", "--hopping-range", "3", "--hopping-decay", "1.5"),
     lambda n: Hamiltonian.long_range(n, 1.0, 1.5, 3)),
])
def test_models_equal_the_library(capsys, flags, h):
    code, out, err = _run(capsys, "solve", "quantum", "--layout", "dimers", "--n", "12", *flags, "--json")
    assert code == 0, err
    got = json.loads(out)
    ref = _lib("dimers", 12, h(12))
    assert got == ref
    # the parameters echo the model and a digest, never the arrays
    rec = got["parameters"]["hamiltonian"]
    assert rec["digest"] == h(12).digest and set(rec) >= {"model", "N", "range", "digest"}
    assert len(json.dumps(got["parameters"])) < 600
    assert set(got) == {"parameters", "forward", "reverse", "delta_I"}
    assert set(got["forward"]) >= {"I_1", "I_N", "mu", "I", "J"}


def test_plain_wire_output_unchanged(capsys):
    # --model uniform (the default) is the paper's wire: no Hamiltonian record, today's bytes
    code, out, _ = _run(capsys, "solve", "quantum", "--layout", ".SDSD.", "--model", "uniform", "--json")
    ref = solve_quantum(Wire(".SDSD."), QuantumParams.from_options()).to_json()
    assert code == 0 and out == ref + "\n"


def test_files_equal_from_arrays(capsys, tmp_path):
    rng = np.random.default_rng(5)
    n = 10
    eps = rng.uniform(-0.5, 0.5, n)
    np.save(tmp_path / "eps.npy", eps)
    (tmp_path / "eps.txt").write_text("\n".join(repr(float(v)) for v in eps))
    hop = {(i, i + 1): float(rng.uniform(0.7, 1.3)) for i in range(1, n)}
    hop[(2, 5)] = 0.2
    (tmp_path / "h.csv").write_text("i,j,t\n" + "".join(f"{i},{j},{t!r}\n" for (i, j), t in hop.items()))
    ref = _lib(".SDPSD.SD.", None,
               Hamiltonian.from_arrays(onsite=eps, hoppings=hop), temperature=0.05)
    for f in ("eps.npy", "eps.txt"):
        code, out, err = _run(capsys, "solve", "quantum", "--layout", ".SDPSD.SD.", "--onsite", str(tmp_path / f),
                              "--hoppings", str(tmp_path / "h.csv"), "--temperature", "0.05", "--json")
        assert code == 0, err
        got = json.loads(out)
        for key in ("forward", "reverse", "delta_I"):
            assert got[key] == ref[key]
        assert got["parameters"]["hamiltonian"]["digest"] == ref["parameters"]["hamiltonian"]["digest"]


def test_temperature_linear_and_nonlinear_reach_the_solver(capsys):
    # nonlinear at 0.01: its +-40 T rule still refuses 0.03 at mubar = 1 (nonlinear at any T: not this round)
    for resp, T in (("linear", "0.03"), ("nonlinear", "0.01")):
        code, out, err = _run(capsys, "solve", "quantum", "--layout", ".SDSD.", "--temperature", T,
                              "--response", resp, "--json")
        assert code == 0, err
        ref = solve_quantum(Wire(".SDSD."), QuantumParams.from_options(temperature=float(T)), response=resp)
        assert out == ref.to_json() + "\n"


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


BAD = [
    # (arguments, words the one line must contain)
    (("--model", "anderson", "--t1", "1"), ["t1", "ssh", "anderson"]),
    (("--model", "ssh", "--disorder", "1", "--t2", "0.5"), ["disorder", "anderson"]),
    (("--aa-lambda", "1"), ["aa_lambda", "aubry-andre", "uniform"]),
    (("--model", "ssh"), ["--t2", "required"]),
    (("--model", "anderson"), ["--disorder", "required"]),
    (("--model", "long-range"), ["--hopping-range", "required"]),
    (("--model", "ssh", "--t2", "0"), ["t2", "nonzero"]),
    (("--model", "anderson", "--disorder", "-1"), ["disorder", ">= 0"]),
    (("--model", "long-range", "--hopping-range", "40"), ["hopping_range", "N - 1"]),
    (("--model", "kagome"), ["--model", "one of"]),
    (("--temperature", "-0.1"), ["temperature", ">= 0"]),
    (("--temperature", "0.1", "--response", "cubic"), ["temperature", "cubic"]),
    (("--model", "ssh", "--t2", "0.5", "--mu", "2.5"), ["mubar"]),
    (("--model", "ssh", "--t2", "0.5", "--gamma", "0.05", "--ig", "0.01"), ["outside the band"]),
    (("--model", "ssh", "--t2", "0.5", "--response", "cubic"), ["uniform wire only", "cubic"]),
]


@pytest.mark.parametrize("args,words", BAD)
def test_bad_options_one_line_exit_2(capsys, tmp_path, args, words):
    out_file = tmp_path / "r.json"
    code, out, err = _run(capsys, "solve", "quantum", "--layout", ".SD.SD.", *args, "--out", str(out_file))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for w in words:
        assert w in err, (w, err)
    assert not out_file.exists()


FILES = [
    # (onsite text or None, hoppings text or None, words) -- N = 7 (.SD.SD.)
    ("0 0 0 0 0 0", None, ["exactly N = 7", "found 6"]),
    ("0 0 0 nan 0 0 0", None, ["site 4", "finite"]),
    ("0 0 1+2j 0 0 0 0", None, ["site 3", "complex"]),
    ("0 0 x 0 0 0 0", None, ["site 3", "not a number"]),
    (None, "i,j,t\n1,2,1\n2,2,1\n", ["row 3", "i = j"]),
    (None, "i,j,t\n1,2,1\n2,9,1\n", ["row 3", "outside 1..N = 7"]),
    (None, "i,j,t\n1,2,1\n2,1,0.5\n", ["row 3", "listed twice", "row 2"]),
    (None, "i,j,t\n1,2,1\n2,3,1+1j\n", ["row 3", "complex"]),
    (None, "i,j,t\n1,2,1\n2,3,inf\n", ["finite"]),
    (None, "i,j,t\n1,2,1\n2,3,1\n4,5,1\n5,6,1\n6,7,1\n", ["not connected"]),
    (None, "a,b,c\n1,2,1\n", ["header", "i,j,t"]),
]


@pytest.mark.parametrize("onsite,hoppings,words", FILES)
def test_bad_files_one_line_exit_2(capsys, tmp_path, onsite, hoppings, words):
    args = []
    if onsite is not None:
        args += ["--onsite", _write(tmp_path, "eps.txt", onsite)]
    if hoppings is not None:
        args += ["--hoppings", _write(tmp_path, "h.csv", hoppings)]
    out_file = tmp_path / "r.json"
    code, out, err = _run(capsys, "solve", "quantum", "--layout", ".SD.SD.", *args, "--out", str(out_file))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert ("eps.txt" if onsite is not None else "h.csv") in err  # the file is named
    for w in words:
        assert w in err, (w, err)
    assert not out_file.exists()


def test_files_with_a_named_model_refused(capsys, tmp_path):
    code, out, err = _run(capsys, "solve", "quantum", "--layout", ".SD.SD.", "--model", "ssh", "--t2", "0.5",
                          "--onsite", _write(tmp_path, "eps.txt", "0 " * 7))
    assert code == 2 and out == "" and "onsite" in err and len(err.strip().splitlines()) == 1


def test_sweep_builds_the_same_hamiltonian():
    from nonrecip.sweep.models import get_model

    m = get_model("quantum")
    point = m.normalise({"layout": "dimers", "N": 10, "wire_model": "ssh", "t2": 0.4})
    prep = m.prepare(point)
    assert prep.kwargs["hamiltonian"] == Hamiltonian.ssh(10, 1.0, 0.4)
    plain = m.prepare(m.normalise({"layout": "dimers", "N": 10}))
    assert "hamiltonian" not in plain.kwargs
