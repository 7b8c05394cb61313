"""The Monte Carlo kernels' building blocks against independent references.

The random-number generator is checked bit for bit against a pure-Python
xoshiro256++ written here from the published algorithm (Blackman & Vigna
2019), and the kernels' bookkeeping against exact identities that do not
involve the solver.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit
from scipy import stats

from nonrecip import ClassicalParams, Wire
from nonrecip.stochastic import SteadyStateSimulation, run_batches
from nonrecip.stochastic._kernels import (
    NO_BUDGET,
    exponential,
    geometric,
    geometric_table,
    next_u64,
    uniform,
    walk_adjoint,
)

MASK = (1 << 64) - 1


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


def xoshiro256pp(s):
    """Reference xoshiro256++ step on a list of four Python ints."""
    res = (_rotl((s[0] + s[3]) & MASK, 23) + s[0]) & MASK
    t = (s[1] << 17) & MASK
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return res


@njit
def _draw(state, n):
    out = np.empty(n, np.uint64)
    for i in range(n):
        out[i] = next_u64(state)
    return out


@njit
def _uniforms(state, n):
    out = np.empty(n)
    for i in range(n):
        out[i] = uniform(state)
    return out


def test_xoshiro_matches_reference():
    seed = np.random.SeedSequence(2024).generate_state(4, np.uint64)
    ref_state = [int(x) for x in seed]
    ref = [xoshiro256pp(ref_state) for _ in range(1000)]
    state = seed.copy()
    got = _draw(state, 1000)
    assert [int(x) for x in got] == ref
    assert [int(x) for x in state] == ref_state  # the state advanced in place


def test_uniforms_are_uniform():
    u = _uniforms(np.random.SeedSequence(1).generate_state(4, np.uint64), 200_000)
    assert u.min() >= 0.0 and u.max() < 1.0
    # mean of 2e5 uniforms: stderr 1/sqrt(12 * 2e5) = 6.5e-4; 5 of those
    assert abs(u.mean() - 0.5) < 5 * 6.5e-4
    # 20-bin chi-square, 19 dof: P(chi2 > 55) ~ 2e-5
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    chi2 = ((counts - 1e4) ** 2 / 1e4).sum()
    assert chi2 < 55


def test_walker_steps_equal_total_occupation():
    """With only positive walkers the kernel's walker-step counter must equal
    the summed occupation tallies (two independent bookkeepings)."""
    wire, params = Wire(".SP..D.P."), ClassicalParams(p=0.3, Ig=0.0, drho=1.7)
    bs = run_batches(wire, params, steps=3000, seed=1, n_batches=3, batch_ids=range(3))
    total = sum(int(bs.data[f"rho_{s}_{b}"].sum()) for s in ("plus", "minus") for b in ("forward", "reverse"))
    assert total == int(bs.counters[:, 1].sum())


def test_bond_crossings_are_conserved_per_walker():
    """Every walker is absorbed, so its net crossings of consecutive bonds
    differ exactly by its injection: J(l) - J(l-1) = 2 x (walkers injected at l)
    as integers, and with Ig = 0 every bond has the same count."""
    wire, params = Wire(".SPD..S."), ClassicalParams(p=0.45, Ig=0.0, drho=0.6)
    bs = run_batches(wire, params, steps=2000, seed=3, n_batches=2, batch_ids=[0, 1])
    J = bs.data["J_forward"]
    assert np.all(J == J[:, :1])


def _table(log_f):
    tab = np.zeros((2, 256), np.int64)
    geometric_table(log_f, tab)
    return tab


@pytest.mark.parametrize("p", [0.3, 0.9])
def test_adjoint_kernel_exit_probability(p):
    """Walkers on M scatterers leave to the right with probability
    G = 1/(1 + M(1-p)) (two-port composition, conventions §2 / classical.py); 4 sigma."""
    m = 7
    qcum = np.zeros(m + 1, np.int64)
    out = np.zeros(4, np.int64)
    n = 200_000
    walk_adjoint(np.random.SeedSequence(5).generate_state(4, np.uint64), qcum, -math.log(2 - p), _table(-math.log(2 - p)), n,
                 out, np.zeros(3, np.int64), NO_BUDGET)
    G = 1 / (1 + m * (1 - p))
    assert abs(out[0] / n - G) < 4 * math.sqrt(G * (1 - G) / n)


@njit
def _adjoint_leg_by_leg(state, qcum, geo_t, sc_t, count, out):
    """The adjoint walk as first written: a direction, one leg per draw, two prefix-sum reads per leg."""
    m = qcum.shape[0] - 1
    for _ in range(count):
        if m == 0:                  # no scatterer: straight through, no draw
            out[0] += 1
            continue
        k = 0
        d = 1
        while True:
            if sc_t == np.inf:
                n = m + 1
            else:
                n = min(geometric(state, geo_t, sc_t), m + 1)
                out[3] += 1
            if d > 0:
                j = k + n
                if j >= m:
                    out[1] += qcum[m] - qcum[k]
                    out[2] += m - k
                    out[0] += 1
                    break
                out[1] += qcum[j + 1] - qcum[k]
                out[2] += n + 1
                k = j - 1
            else:
                j = k - n
                if j < 0:
                    out[1] += qcum[k + 1]
                    out[2] += k + 1
                    break
                out[1] += qcum[k + 1] - qcum[j]
                out[2] += n + 1
                k = j + 1
            d = -d
            if k < 0:
                break
            if k >= m:
                out[0] += 1
                break


@pytest.mark.parametrize("layout,p", [("dimers", 0.9), ("dimers", 0.5), ("dimers", 0.999), ("dimers", 1.0),
                                      (".SP.D..S.P.", 0.9), (".S..", 0.3), ("....", 0.5), (".P.D.", 0.97)])
def test_adjoint_kernel_matches_the_leg_by_leg_walk(layout, p):
    """``walk_adjoint`` (telescoped sums, unrolled legs, state in registers) gives the same
    integers and leaves the same generator state as the obvious leg-by-leg walk on the same
    numbers, over calls of 0, 1, 7 and 2000 walkers (p = 0.999: the table's tail is hit)."""
    wire = Wire.from_spec(layout, n=40) if layout == "dimers" else Wire(layout)
    sim = SteadyStateSimulation(wire, ClassicalParams(p=p, Ig=0.1, drho=0.1), estimator="adjoint")
    tab = _table(sim._log_t)
    sc_t = math.inf if sim._log_t == 0.0 else -1.0 / sim._log_t
    fast = np.random.SeedSequence(9).generate_state(4, np.uint64)
    slow = fast.copy()
    out_f, out_s = np.zeros(4, np.int64), np.zeros(4, np.int64)
    walk = np.zeros(3, np.int64)
    for count in (0, 1, 7, 2000):
        assert walk_adjoint(fast, sim._qcum, sim._log_t, tab, count, out_f, walk, NO_BUDGET) == count
        _adjoint_leg_by_leg(slow, sim._qcum, tab, sc_t, count, out_s)
        assert out_f.tolist() == out_s.tolist()
        assert fast.tolist() == slow.tolist()
        assert walk[0] == 0


def test_injector_start_positions():
    sim = SteadyStateSimulation(Wire(".P.SD."), ClassicalParams(p=0.5, Ig=0.2, drho=0.1))
    ext = sim._ext
    for inj in sim.injectors:
        e0 = sim._e0(inj)
        if inj.name == "left reservoir":
            assert ext[e0] == -1
        elif inj.name == "right reservoir":
            assert ext[e0] == 6
        else:
            assert ext[e0] == inj.site - 1


@njit
def _exponentials(state, n):
    out = np.empty(n)
    for i in range(n):
        out[i] = exponential(state)
    return out


def test_ziggurat_exponential_has_the_exp1_law():
    x = _exponentials(np.random.SeedSequence(9).generate_state(4, np.uint64), 400_000)
    # KS distance of 4e5 samples: P(D > 1.95/sqrt(n)) = 1e-3 (Kolmogorov distribution)
    assert stats.kstest(x, "expon").statistic < 1.95 / math.sqrt(len(x))
    # mean 1 and variance 1: stderrs 1/sqrt(n) and sqrt(8/n) (4th moment 24); 5 of those
    assert abs(x.mean() - 1) < 5 / math.sqrt(len(x))
    assert abs(x.var() - 1) < 5 * math.sqrt(8 / len(x))
    # the tail beyond the ziggurat's base r = 7.697 (its own branch): P = exp(-r) = 4.5e-4
    tail = (x > 7.697117470131487).mean()
    assert abs(tail - math.exp(-7.697117470131487)) < 5 * math.sqrt(4.5e-4 / len(x))
