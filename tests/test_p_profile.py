"""Per-site move probability ``p_profile`` (conventions §2, §5).

Oracles, each independent of the O(N) solver under test:

* exact rational arithmetic: the density equations of conventions §2 solved
  by Gaussian elimination in :class:`fractions.Fraction` on the exact values
  of the float inputs (no rounding at all);
* the dense float solve :func:`solve_dense` and the banded flux solve
  :func:`flux_solve`;
* the derived closed form :mod:`nonrecip.paper.equations.general`, itself
  checked to equal the rational solve exactly (``==`` on Fractions).

Tolerances: the O(N) solver sums ``O(N)`` terms, so its absolute error is
``<= c N eps scale`` with ``scale`` the largest term of the closed form's
sums (``drho/R + Ig (1/2 + sum w |nbar|)/R``, module docstring of
``general``). We allow ``1e-12 * scale`` (N <= 60 here: ``N eps ~ 1e-14``),
which any wrong term (an error of one part in 1e12) fails.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecip.deterministic.classical import flux_solve, solve_classical, solve_dense, steady_state
from nonrecip.paper.equations import general as G
from nonrecip.profiles import digest
from nonrecip.wire import Bias, ClassicalParams, ParameterError, Wire

REL = 1e-12


# --------------------------------------------------------------------------
# exact rational oracle: the density equations of conventions §2
# --------------------------------------------------------------------------
def _fraction_solve(layout: str, prof, Ig: float, drho: float, bias: str) -> tuple[Fraction, Fraction]:
    """``(I_in, I_out)`` of the deviation from rho0, exactly (Gaussian elimination in Fractions)."""
    n = len(layout)
    m = [Fraction(1) if c == "." else Fraction(float(prof[i])) for i, c in enumerate(layout)]
    half = Fraction(Ig) / 2
    s = [half if c == "S" else -half if c == "D" else Fraction(0) for c in layout]
    d = Fraction(drho)
    in_l, in_r = (d, Fraction(0)) if bias == "forward" else (Fraction(0), d)
    size = 2 * n
    A = [[Fraction(0)] * size for _ in range(size)]
    b = [Fraction(0)] * size
    for l in range(n):
        P, M = l, n + l
        A[P][P] += 1
        A[M][M] += 1
        if l > 0:
            A[P][l - 1] -= m[l - 1]
        A[P][M] -= 1 - m[l]
        if l < n - 1:
            A[M][n + l + 1] -= m[l + 1]
        A[M][P] -= 1 - m[l]
        b[P] += s[l]
        b[M] += s[l]
    b[0] += in_l
    b[size - 1] += in_r
    for col in range(size):  # Gauss-Jordan, exact
        piv = next(r for r in range(col, size) if A[r][col] != 0)
        A[col], A[piv] = A[piv], A[col]
        b[col], b[piv] = b[piv], b[col]
        inv = 1 / A[col][col]
        A[col] = [x * inv for x in A[col]]
        b[col] *= inv
        for r in range(size):
            if r != col and A[r][col] != 0:
                f = A[r][col]
                A[r] = [x - f * y for x, y in zip(A[r], A[col], strict=True)]
                b[r] -= f * b[col]
    rp, rm = b[:n], b[n:]
    J = [m[l] * rp[l] - m[l + 1] * rm[l + 1] for l in range(n - 1)]
    return J[0], J[-1]


def _fraction_closed_form(layout: str, prof, Ig: float, drho: float, bias: str) -> Fraction:
    """``I_in = +-drho/R - Ig [n(N)/2 + sum w nbar]/R`` in exact arithmetic (general's docstring)."""
    w = [Fraction(0) if c == "." else 1 - Fraction(float(prof[i])) for i, c in enumerate(layout)]
    sig = [1 if c == "S" else -1 if c == "D" else 0 for c in layout]
    R = 1 + sum(w)
    n, acc = 0, Fraction(0)
    for wl, sl in zip(w, sig, strict=True):
        acc += wl * (2 * n + sl) / 2
        n += sl
    X = Fraction(Ig) * (Fraction(n, 2) + acc) / R
    return (1 if bias == "forward" else -1) * Fraction(drho) / R - X


def _scale(layout: str, prof, Ig: float, drho: float) -> float:
    w = Wire(layout)
    wl = np.where(w.scatterer, 1.0 - np.asarray(prof), 0.0)
    n = np.cumsum(w.injection)
    R = 1.0 + wl.sum()
    return float(drho / R + Ig * (0.5 * abs(n[-1]) + np.sum(wl * np.abs(n - 0.5 * w.injection))) / R)


layouts = st.integers(4, 14).flatmap(
    lambda N: st.text(alphabet=".SDP", min_size=N - 2, max_size=N - 2).map(lambda s: "." + s + "."))


@st.composite
def cases(draw):
    layout = draw(layouts)
    N = len(layout)
    prof = draw(st.lists(st.floats(0.001, 1.0), min_size=N, max_size=N))
    Ig = draw(st.floats(0.0, 2.0))
    drho = draw(st.floats(0.0, 1.0))
    return layout, np.array(prof), Ig, drho


# --------------------------------------------------------------------------
# the closed form is the exact solution (rational arithmetic, ==)
# --------------------------------------------------------------------------
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_closed_form_is_exact_in_rationals(case):
    layout, prof, Ig, drho = case
    for bias in ("forward", "reverse"):
        I_in, I_out = _fraction_solve(layout, prof, Ig, drho, bias)
        assert I_in == _fraction_closed_form(layout, prof, Ig, drho, bias)
        net = sum(1 if c == "S" else -1 if c == "D" else 0 for c in layout)
        assert I_out == I_in + Fraction(Ig) * net


# --------------------------------------------------------------------------
# the O(N) solver against the rational solve, the dense solve and flux_solve
# --------------------------------------------------------------------------
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_solver_equals_rational_dense_and_banded(case):
    layout, prof, Ig, drho = case
    w = Wire(layout)
    prm = ClassicalParams(Ig=Ig, drho=drho, rho0=0.0, p_profile=prof)
    res = solve_classical(w, prm)
    tol = REL * max(_scale(layout, prof, Ig, drho), 1e-300)
    exact = {}
    for bias, st_ in (("forward", res.forward), ("reverse", res.reverse)):
        ex_in, ex_out = _fraction_solve(layout, prof, Ig, drho, bias)
        exact[bias] = ex_in
        assert abs(st_.I_in - float(ex_in)) <= tol
        assert abs(st_.I_out - float(ex_out)) <= tol
        dense = solve_dense(w, prm, bias)
        # the dense LU has its own round-off ~ cond(A) eps; A is diagonally weighted, cond <~ N / min p
        dtol = 1e-12 * max(_scale(layout, prof, Ig, drho), 1e-300) / float(prof.min())
        np.testing.assert_allclose(dense.J, st_.J, rtol=0, atol=dtol)
        np.testing.assert_allclose(dense.rho_plus, st_.rho_plus, rtol=0, atol=dtol / float(prof.min()) + dtol)
    # flux_solve (banded LU) with the same m(l)
    m = np.where(w.scatterer, prof, 1.0)
    s = 0.5 * Ig * w.injection
    xp, xm = flux_solve(m, s, np.array([drho, 0.0]), np.array([0.0, drho]))
    J = xp[:-1] - xm[1:]
    np.testing.assert_allclose(J[:, 0], res.forward.J, rtol=0, atol=tol * 10)
    np.testing.assert_allclose(J[:, 1], res.reverse.J, rtol=0, atol=tol * 10)
    # delta_I against its definition in exact arithmetic
    d_exact = abs(exact["reverse"]) - abs(exact["forward"])
    assert abs(res.delta_I - float(d_exact)) <= 2 * tol


# --------------------------------------------------------------------------
# the closed form against the solver (and the solver against it), 1e-12
# --------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(st.integers(4, 400).flatmap(lambda N: st.tuples(
    st.text(alphabet=".SDP", min_size=N - 2, max_size=N - 2),
    st.lists(st.floats(1e-3, 1.0), min_size=N, max_size=N),
    st.floats(0.0, 5.0), st.floats(0.0, 1.0))))
def test_closed_form_equals_solver(args):
    inner, prof, Ig, drho = args
    layout = "." + inner + "."
    prof = np.array(prof)
    # rho0 = 0: the solver's reservoir injections rho0 + drho are rounded to eps rho0, a separate effect
    res = solve_classical(Wire(layout), ClassicalParams(Ig=Ig, drho=drho, rho0=0.0, p_profile=prof))
    tol = REL * max(_scale(layout, prof, Ig, drho), 1e-300)
    for bias, st_ in (("forward", res.forward), ("reverse", res.reverse)):
        I_in, I_out = G.general_current(layout, prof, Ig, drho, bias=bias)
        assert abs(I_in - st_.I_in) <= tol
        assert abs(I_out - st_.I_out) <= tol
    assert abs(G.general_delta_I(layout, prof, Ig, drho) - res.delta_I) <= 2 * tol
    # the current-divider form is the same X (summed source by source)
    _, X = G.general_parts(layout, prof, Ig, drho)
    assert abs(G.general_current_divider(layout, prof, Ig) - X) <= tol * len(layout)


def test_delta_I_sign_cases():
    """``delta_I = 2X`` (|X| <= a), ``2a`` (X > a: forward reversed), ``-2a`` (X < -a)."""
    prof = np.full(8, 0.4)
    for layout, Ig, case in ((".SDSDSD.", 0.01, "2X"), (".SDSDSD.", 5.0, "2a"), (".DSDSDS.", 5.0, "-2a"),
                             (".DSDSDS.", 0.01, "2X")):
        prof7 = prof
        a, X = G.general_parts(layout, prof7, Ig, 0.1)
        res = solve_classical(Wire(layout), ClassicalParams(Ig=Ig, drho=0.1, p_profile=prof7))
        want = {"2X": 2 * X, "2a": 2 * a, "-2a": -2 * a}[case]
        assert G.general_delta_I(layout, prof7, Ig, 0.1) == pytest.approx(want, rel=1e-15, abs=0)
        assert res.delta_I == pytest.approx(want, rel=1e-13)
        if case == "2a":
            assert res.forward.I_in < 0 and res.reverse.I_in < 0
        if case == "-2a":
            assert res.forward.I_in > 0 and res.reverse.I_in > 0


def test_closed_form_reduces_to_eq6_and_eq8():
    from nonrecip.paper.equations import classical as E

    for p in (0.1, 0.5, 0.9, 1.0):
        assert G.general_current(".SD.", p, 0.03, 0.1)[0] == pytest.approx(E.eq6_current(p, 0.03, 0.1), rel=1e-14)
        for N in (6, 10, 50):
            assert G.general_current(Wire.dimers(N), p, 0.03, 0.1)[0] == pytest.approx(
                E.eq8_current(N, p, 0.03, 0.1), rel=1e-13)


def test_cancelling_delta_I_keeps_its_digits():
    """Ig part 1e-10 of the drive: delta_I = 2X, from X alone (no difference of currents)."""
    layout, prof = ".SD.", np.array([1.0, 0.5, 0.5, 1.0])
    Ig, drho = 1e-10, 1.0
    exact = 2 * (Fraction(Ig) * Fraction(1, 2) / 2)  # X = Ig w nbar / R = Ig (0.5*1 + 0.5*0)/(1 + 1), R = 2
    assert G.general_delta_I(layout, prof, Ig, drho) == pytest.approx(float(exact), rel=1e-15)
    res = solve_classical(Wire(layout), ClassicalParams(Ig=Ig, drho=drho, p_profile=prof))
    assert res.delta_I == pytest.approx(float(exact), rel=1e-14)


# --------------------------------------------------------------------------
# a constant profile is the scalar p; mirrored profile + layout = reverse
# --------------------------------------------------------------------------
@pytest.mark.parametrize("layout", [".SD.", ".SDSDSD.", ".SPD..DPS.", ".S....D.", ".SSPDDPP."])
@pytest.mark.parametrize("p", [0.05, 0.5, 0.9, 1.0])
def test_constant_profile_is_the_scalar_bit_for_bit(layout, p):
    w = Wire(layout)
    scal = solve_classical(w, ClassicalParams(p=p, Ig=0.07, drho=0.1))
    prof = solve_classical(w, ClassicalParams(Ig=0.07, drho=0.1, p_profile=np.full(w.N, p)))
    # the same m(l) array reaches the same arithmetic: identical bits
    for a, b in ((scal.forward, prof.forward), (scal.reverse, prof.reverse)):
        assert a.I_in == b.I_in and a.I_out == b.I_out
        assert np.array_equal(a.J, b.J) and np.array_equal(a.rho_plus, b.rho_plus)
        assert np.array_equal(a.rho_minus, b.rho_minus)
    assert scal.delta_I == prof.delta_I


def test_free_site_values_are_not_used():
    w = Wire(".SD..P.")
    base = np.array([0.3, 0.6, 0.7, 0.2, 0.9, 0.4, 0.8])
    other = base.copy()
    other[~w.scatterer] = 1.0
    a = solve_classical(w, ClassicalParams(p_profile=base))
    b = solve_classical(w, ClassicalParams(p_profile=other))
    assert a.forward.I_in == b.forward.I_in and np.array_equal(a.reverse.J, b.reverse.J)


@settings(max_examples=40, deadline=None)
@given(cases())
def test_mirrored_profile_and_layout_is_reverse(case):
    layout, prof, Ig, drho = case
    res = solve_classical(Wire(layout), ClassicalParams(Ig=Ig, drho=drho, rho0=0.0, p_profile=prof))
    mir = solve_classical(Wire(layout).mirrored(), ClassicalParams(Ig=Ig, drho=drho, rho0=0.0, p_profile=prof[::-1]))
    tol = REL * max(_scale(layout, prof, Ig, drho), 1e-300)
    # reverse bias = forward bias of the wire seen from the other end, currents flipped
    np.testing.assert_allclose(res.reverse.J, -mir.forward.J[::-1], rtol=0, atol=tol)
    np.testing.assert_allclose(res.forward.J, -mir.reverse.J[::-1], rtol=0, atol=tol)
    np.testing.assert_allclose(res.reverse.rho_plus, mir.forward.rho_minus[::-1], rtol=1e-12, atol=tol)


# --------------------------------------------------------------------------
# the parameter object
# --------------------------------------------------------------------------
def test_params_hold_a_read_only_copy_and_echo_a_digest():
    a = np.array([1.0, 0.5, 0.25, 1.0])
    prm = ClassicalParams(p_profile=a)
    a[1] = 0.9  # the caller's array changes: the parameters do not
    assert prm.p_profile[1] == 0.5 and not prm.p_profile.flags.writeable
    d = prm.to_dict()["p_profile"]
    assert d == {"sha256": digest(np.array([1.0, 0.5, 0.25, 1.0]))["sha256"], "N": 4, "min": 0.25, "max": 1.0}
    assert len(d["sha256"]) == 16
    assert "p_profile" not in ClassicalParams().to_dict()  # output without a profile: unchanged
    assert prm == ClassicalParams(p_profile=[1.0, 0.5, 0.25, 1.0]) and prm != ClassicalParams()
    assert hash(prm) == hash(ClassicalParams(p_profile=(1.0, 0.5, 0.25, 1.0)))
    assert prm.replace(Ig=0.2).p_profile is not None


@pytest.mark.parametrize("value,fragment", [
    ([0.5, 0.0, 1.0, 1.0], "value 2 (site 2) is 0.0"),
    ([0.5, 1.0000001, 1.0, 1.0], "value 2 (site 2)"),
    ([0.5, float("nan"), 1.0, 1.0], "finite"),
    ([0.5, 1j, 1.0, 1.0], "complex numbers, which are not supported"),
    (["a", "b"], "real numbers"),
    (0.5, "file name or N real numbers"),
    (True, "file name or N real numbers"),
    ([[0.5, 0.5]], "shape"),
])
def test_params_refuse_bad_arrays(value, fragment):
    with pytest.raises(ParameterError, match="p_profile") as e:
        ClassicalParams(p_profile=value)
    assert fragment in str(e.value)


def test_a_rewritten_file_is_read_again(tmp_path):
    import os

    f = tmp_path / "p.txt"
    f.write_text("1 0.5 0.5 1")
    assert ClassicalParams(p_profile=str(f)).p_profile[1] == 0.5
    f.write_text("1 0.25 0.5 1")
    os.utime(f, ns=(1, 1))  # a different mtime even on a coarse clock
    assert ClassicalParams(p_profile=str(f)).p_profile[1] == 0.25


def test_p_and_profile_are_alternatives():
    with pytest.raises(ParameterError, match="not both"):
        ClassicalParams(p=0.5, p_profile=[1.0, 0.5, 0.5, 1.0])


def test_solver_refuses_wrong_length_naming_the_file(tmp_path):
    f = tmp_path / "prof.txt"
    f.write_text("1 0.5 0.5 1\n")
    prm = ClassicalParams(p_profile=str(f))
    with pytest.raises(ParameterError, match="prof.txt.*has 4 values; must have N = 6"):
        solve_classical(Wire(".SDSD."), prm)
    with pytest.raises(ParameterError, match="has 4 values"):
        steady_state(Wire(".SDSD."), ClassicalParams(p_profile=[1, 0.5, 0.5, 1]), Bias.REVERSE)


# --------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------
def test_cli_reads_text_and_npy_and_equals_the_library(cli, tmp_path):
    prof = np.array([1.0, 0.3, 0.45, 0.8, 0.6, 1.0])
    txt, npy = tmp_path / "p.txt", tmp_path / "p.npy"
    txt.write_text("# p_l, sites 1..6\n" + "\n".join(f"{float(x)!r}" for x in prof[:3]) + "\n" +
                   " ".join(f"{float(x)!r}" for x in prof[3:]) + "\n")
    np.save(npy, prof)
    ref = solve_classical(Wire(".SDPD."), ClassicalParams(Ig=0.1, p_profile=prof)).to_json() + "\n"
    for f in (txt, npy):
        r = cli("solve", "classical", "--layout", ".SDPD.", "--ig", "0.1", "--p-profile", str(f), "--json")
        assert r.code == 0, r.err
        assert r.out == ref
        assert r.json()["parameters"]["p_profile"]["N"] == 6
        assert "0.45" not in r.out.split('"forward"')[0]  # the values are not echoed


@pytest.mark.parametrize("content,fragment", [
    ("1 0.5 0.5 1", "has 4 values; must have N = 6"),
    ("1 0.5 0.5 1 0.5 1 1", "has 7 values; must have N = 6"),
    ("1 0.5 nan 1 0.5 1", "value 3 (site 3) is nan: every value must be finite"),
    ("1 0.5 inf 1 0.5 1", "value 3 (site 3) is inf"),
    ("1 0.5 0 1 0.5 1", "value 3 (site 3) is 0.0: every value must be in (0, 1]"),
    ("1 0.5 -0.2 1 0.5 1", "value 3 (site 3) is -0.2"),
    ("1 0.5 1.5 1 0.5 1", "value 3 (site 3) is 1.5"),
    ("1 0.5 0.3+0.1j 1 0.5 1", "a complex number, which is not supported"),
    ("1 0.5 half 1 0.5 1", "'half', not a number"),
    ("", "holds no numbers"),
    (b"\xff\xfe\x00", "cannot read the file as text"),
    (None, "no such file"),
    ("npy-complex", "complex numbers, which are not supported"),
    ("npy-bad", "cannot read the .npy file"),
])
def test_cli_bad_profile_files_exit_2_one_line(cli, tmp_path, content, fragment):
    f = tmp_path / ("prof.npy" if str(content).startswith("npy") else "prof.txt")
    if content == "npy-complex":
        np.save(f, np.full(6, 0.5 + 0.1j))
    elif content == "npy-bad":
        f.write_bytes(b"not an npy file")
    elif isinstance(content, bytes):
        f.write_bytes(content)
    elif content is not None:
        f.write_text(content)
    out = tmp_path / "res.json"
    r = cli("solve", "classical", "--layout", ".SDPD.", "--p-profile", str(f), "--json", "--out", str(out))
    assert r.code == 2
    assert r.out == ""
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.err
    assert "p_profile" in lines[0] and str(f) in lines[0] and fragment in lines[0], lines[0]
    assert not out.exists()


def test_cli_refuses_p_with_profile(cli, tmp_path):
    f = tmp_path / "p.txt"
    f.write_text("1 0.5 0.5 0.5 0.5 1")
    r = cli("solve", "classical", "--layout", ".SDPD.", "--p", "0.5", "--p-profile", str(f), "--json")
    assert r.code == 2 and r.out == "" and len(r.err.strip().splitlines()) == 1
    assert "not both" in r.err


# --------------------------------------------------------------------------
# sweeps pass the file through (a fixed value per sweep)
# --------------------------------------------------------------------------
def test_sweep_passes_the_profile(tmp_path):
    from nonrecip.sweep import Grid, run_sweep

    prof = np.array([1.0, 0.3, 0.45, 0.8, 0.6, 1.0])
    f = tmp_path / "p.txt"
    f.write_text(" ".join(repr(float(x)) for x in prof))
    df = run_sweep("classical", {"layout": ".SDPD.", "ig": "0,0.05,0.2", "p_profile": str(f)},
                   workers=1, out=tmp_path / "s.csv")
    assert (df["status"] == "ok").all() and len(df) == 3
    for r in df.itertuples(index=False):
        ref = solve_classical(Wire(".SDPD."), ClassicalParams(Ig=r.Ig, p_profile=prof))
        assert r.p_profile == str(f)
        # the worker runs the same solver on the same array: bit for bit
        assert (r.I_in_forward, r.I_in_reverse, r.delta_I) == (ref.forward.I_in, ref.reverse.I_in, ref.delta_I)
        assert r.I_in_forward != solve_classical(Wire(".SDPD."), ClassicalParams(Ig=r.Ig)).forward.I_in or r.Ig == 0
    with pytest.raises(ParameterError, match="not both"):
        Grid("classical", {"layout": ".SDPD.", "p": "0.5,0.9", "p_profile": str(f)})
