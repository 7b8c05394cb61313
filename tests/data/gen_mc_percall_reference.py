"""Write ``mc_percall_reference.json``: Monte Carlo results of the code before the per-call work.

Run with the PYTHONPATH of the tree to pin (the JSON records its commit)::

    git archive 9acc9b5 src | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old/src python tests/data/gen_mc_percall_reference.py 9acc9b5

Every float of each result (``delta_I``, and per bias ``I_in``, ``I_out``,
``J``, ``rho_plus``, ``rho_minus``: means and standard errors) is stored as
``float.hex`` so that ``tests/test_mc_percall.py`` can check the new code
bit for bit against the old one (same seeds, same bits).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from nonrecip import ClassicalParams, Wire
from nonrecip.stochastic import simulate

#: (layout or (named, N), params, simulate keywords); small and not so small runs, both estimators
CASES = [
    (".SP.D..S.P.", dict(p=0.9, Ig=0.05, drho=0.1), dict(steps=1088, seed=0, estimator="adjoint", workers=1)),
    (".SP.D..S.P.", dict(p=0.9, Ig=0.05, drho=0.1), dict(steps=1088, seed=1, estimator="adjoint", workers=1)),
    (".SP.D..S.P.", dict(p=0.9, Ig=0.05, drho=0.1), dict(steps=1088, seed=2**40 + 3, estimator="adjoint")),
    (".SP.D..S.P.", dict(p=0.9, Ig=0.05, drho=0.1), dict(steps=1001, seed=5, estimator="adjoint", n_batches=7)),
    (".SP.D..S.P.", dict(p=0.9, Ig=0.05, drho=0.1), dict(steps=3, seed=9, estimator="adjoint", n_batches=2)),
    (".SP.D..S.P.", dict(p=0.9, Ig=0.05, drho=0.1), dict(steps=20000, seed=4, estimator="adjoint", n_batches=200)),
    (".SP.D..S.P.", dict(p=0.9, Ig=0.05, drho=0.1), dict(steps=5000, seed=3, estimator="walkers", workers=1)),
    ("..SD..SD..", dict(p=0.5, Ig=40.0, drho=0.1), dict(steps=3000, seed=11, estimator="adjoint", workers=1)),
    ("..SD..SD..", dict(p=0.5, Ig=40.0, drho=0.1, rho0=0.3), dict(steps=3000, seed=11, estimator="walkers")),
    ("..SD..SD..", dict(p=0.5, Ig=0.0, drho=0.2), dict(steps=4000, seed=2, estimator="adjoint", workers=2)),
    (".DPPS.", dict(p=0.3, Ig=0.2, drho=0.0), dict(steps=2000, seed=8, estimator="adjoint")),
    (".SDSD.", dict(p=1.0, Ig=0.05, drho=0.1), dict(steps=640, seed=6, estimator="adjoint", workers=1)),
    ("....", dict(p=0.5, Ig=0.05, drho=0.1), dict(steps=640, seed=6, estimator="adjoint", workers=1)),
    (("dimers", 20), dict(p=0.5, Ig=0.05, drho=0.1), dict(steps=5000, seed=12, estimator="adjoint", workers=1)),
    (("dimers", 100), dict(p=0.9, Ig=0.05, drho=0.1), dict(steps=20000, seed=13, estimator="adjoint", workers=1)),
    (("dimers", 100), dict(p=0.9, Ig=0.05, drho=0.1), dict(steps=20000, seed=13, estimator="adjoint", workers=2)),
    (("dimers", 12), dict(p=0.7, Ig=0.05, drho=0.1), dict(steps=2000, seed=14, estimator="walkers", workers=1)),
    (".SP.D..S.P.", dict(p=0.9, Ig=0.05, drho=0.1), dict(steps=400, seed=15, mode="physical", workers=1)),
]


def wire_of(spec) -> Wire:
    """A layout string or ``(name, N)``."""
    return Wire.from_spec(spec[0], n=spec[1]) if isinstance(spec, tuple) else Wire(spec)


def hexes(x) -> list[str]:
    """Every value of ``x`` as ``float.hex``."""
    return [float(v).hex() for v in np.ravel(np.asarray(x, dtype=float))]


def record(res) -> dict:
    """All floats of a result."""
    out = {"delta_I": hexes([res.delta_I.mean, res.delta_I.stderr])}
    for bias in ("forward", "reverse"):
        st = getattr(res, bias)
        out[bias] = {"I_in": hexes([st.I_in.mean, st.I_in.stderr]), "I_out": hexes([st.I_out.mean, st.I_out.stderr])}
        for name in ("J", "rho_plus", "rho_minus"):
            arr = getattr(st, name)
            out[bias][name] = {"mean": hexes(arr.mean), "stderr": hexes(arr.stderr)}
    return out


def main() -> None:
    rows = []
    for spec, params, kw in CASES:
        res = simulate(wire_of(spec), ClassicalParams(**params), **kw)
        rows.append({"wire": spec, "params": params, "kw": kw, "result": record(res)})
    path = Path(__file__).with_name("mc_percall_reference.json")
    path.write_text(json.dumps({"commit": sys.argv[1] if len(sys.argv) > 1 else "?", "cases": rows}, indent=0) + "\n")
    print(f"wrote {path} ({len(rows)} cases)")


if __name__ == "__main__":
    main()
