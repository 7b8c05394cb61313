"""The run engine (nonrecip.runs) under simulate, converge and trajectory:
checkpoint faults, overwrite/resume policies, locks, path checks before any
work, and SIGINT/SIGTERM that always keep the work and exit 130.

Every fault below gave a traceback or a silently different result before
the engine (issue 12): a truncated or byte-flipped checkpoint raised
BadZipFile, a valid npz with ``steps`` zeroed resumed into another number,
a checkpoint was overwritten without ``--resume``, ``--resume`` with a
missing checkpoint started afresh, and paths were checked after the work.
"""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nonrecip import ClassicalParams, ParameterError, Wire
from nonrecip.runs import FileLock, Interruption, check_checkpoint, read_checkpoint, worker_count, write_checkpoint
from nonrecip.runs.checkpoint import checkpoint_bytes
from nonrecip.stochastic import BatchSums, SteadyStateSimulation, TrajectoryRun, simulate
from nonrecip.stochastic.batch_sums import CHECKPOINT_FORMAT, CHECKPOINT_VERSION

W = Wire(".SDSD.")
P = ClassicalParams(p=0.8, Ig=0.1, drho=0.2)
RUN = dict(steps=4000, seed=3, n_batches=8, workers=1)
CLI = [sys.executable, "-c", "import sys; from nonrecip.cli import main; sys.exit(main())"]
SIM = ["simulate", "--layout", ".SDSD.", "--p", "0.8", "--ig", "0.1", "--drho", "0.2", "--steps", "4000",
       "--batches", "8", "--seed", "3", "--workers", "1", "--json"]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """A finished checkpoint of RUN."""
    ck = tmp_path_factory.mktemp("ck") / "good.npz"
    simulate(W, P, checkpoint=ck, **RUN)
    return ck


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _rezip(members: dict[str, bytes], path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def _savez(arrays: dict[str, np.ndarray], path: Path) -> None:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path.write_bytes(buf.getvalue())


def _resigned(good: Path, path: Path, change) -> None:
    """A checkpoint re-written with a valid checksum after ``change(arrays)``:
    only the semantic checks can catch it."""
    b = BatchSums.load(good)
    arrays = {f"data_{k}": v for k, v in b.data.items()}
    arrays.update(batch_ids=b.batch_ids, steps=b.steps, counters=b.counters)
    change(arrays)
    path.write_bytes(checkpoint_bytes(CHECKPOINT_FORMAT, CHECKPOINT_VERSION, b.key, arrays))


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]


def _faults(good: Path, d: Path) -> dict[str, Path]:
    raw = good.read_bytes()
    f: dict[str, Path] = {}
    f["empty"] = d / "empty.npz"
    f["empty"].write_bytes(b"")
    f["truncated"] = d / "truncated.npz"
    f["truncated"].write_bytes(raw[: len(raw) // 2])
    f["garbage"] = d / "garbage.npz"
    f["garbage"].write_bytes(b"not a checkpoint at all")
    for i, at in enumerate((len(raw) // 3, len(raw) // 2 + 7, len(raw) - 40)):
        f[f"flipped{i}"] = d / f"flipped{i}.npz"
        f[f"flipped{i}"].write_bytes(_flip(raw, at))
    a = _arrays(good)
    for name, k in (("steps_zeroed", 0), ("steps_doubled", 2)):  # a valid npz, old checksum
        t = dict(a, steps=a["steps"] * k)
        f[name] = d / f"{name}.npz"
        _savez(t, f[name])
    m = _members(good)
    f["missing_array"] = d / "missing.npz"
    _rezip({n: b for n, b in m.items() if n != "data_J_forward.npy"}, f["missing_array"])
    t = dict(a, counters=a["counters"].reshape(-1)[: a["counters"].size - 3].reshape(-1, 3))
    f["wrong_shape"] = d / "shape.npz"
    _savez(t, f["wrong_shape"])
    # re-signed with a valid checksum: caught by the run's own consistency checks
    f["resigned_steps_zeroed"] = d / "rs0.npz"
    _resigned(good, f["resigned_steps_zeroed"], lambda x: x.update(steps=x["steps"] * 0))
    f["resigned_steps_doubled"] = d / "rs2.npz"
    _resigned(good, f["resigned_steps_doubled"], lambda x: x.update(steps=x["steps"] * 2))
    f["resigned_shape"] = d / "rsshape.npz"
    _resigned(good, f["resigned_shape"], lambda x: x.update(data_J_forward=x["data_J_forward"][:, :-1]))
    f["resigned_missing"] = d / "rsmiss.npz"
    _resigned(good, f["resigned_missing"], lambda x: x.pop("data_J_forward"))
    f["resigned_ids"] = d / "rsids.npz"
    _resigned(good, f["resigned_ids"], lambda x: x.update(batch_ids=x["batch_ids"] + 100))
    return f


def test_every_damaged_or_tampered_checkpoint_is_one_parameter_error(good, tmp_path):
    ref = simulate(W, P, **RUN).to_json()
    raw = good.read_bytes()
    # a byte flipped anywhere: refused, or (a byte the zip format does not use,
    # e.g. a timestamp) the same result bit for bit -- never another number
    for at in range(0, len(raw), 97):
        path = tmp_path / "flip.npz"
        path.write_bytes(_flip(raw, at))
        try:
            res = simulate(W, P, checkpoint=path, resume=True, **RUN)
        except ParameterError as e:
            assert e.name == "checkpoint"
        else:
            assert res.to_json() == ref, at
    for name, path in _faults(good, tmp_path).items():
        if name == "flipped2":
            continue  # a central-directory byte (covered above)
        with pytest.raises(ParameterError) as e:
            simulate(W, P, checkpoint=path, resume=True, **RUN)
        msg = str(e.value)
        assert e.value.name == "checkpoint" and str(path) in msg, (name, msg)
        assert "\n" not in msg, name
        # a checkpoint that is refused is left as it was
        assert path.exists(), name
    # the good one resumes to the uninterrupted bits
    assert simulate(W, P, checkpoint=good, resume=True, **RUN).to_json() == ref


@pytest.mark.parametrize("fault", ["truncated", "flipped1", "steps_zeroed", "resigned_steps_doubled",
                                   "missing_array", "wrong_shape", "empty"])
def test_cli_damaged_checkpoint_one_line_exit_2(cli, good, tmp_path, fault):
    path = _faults(good, tmp_path)[fault]
    before = path.read_bytes()
    r = cli(*SIM, "--checkpoint", str(path), "--resume")
    assert r.code == 2 and r.out == "" and "Traceback" not in r.err
    assert r.err.count("\n") == 1 and "checkpoint" in r.err and str(path) in r.err
    assert path.read_bytes() == before


def test_foreign_checkpoint_names_the_difference(good):
    with pytest.raises(ParameterError, match=r"seed=3.*seed=4"):
        simulate(W, P, checkpoint=good, resume=True, **{**RUN, "seed": 4})
    with pytest.raises(ParameterError, match="Ig"):
        simulate(W, P.replace(Ig=0.2), checkpoint=good, resume=True, **RUN)


def test_trajectory_checkpoint_faults(tmp_path):
    kw = dict(steps=300, seed=2, n_runs=2, record_every=10)
    ck = tmp_path / "t.ck"
    run = TrajectoryRun(W, P, **kw)
    run.run(checkpoint=ck)
    raw = ck.read_bytes()
    bad = {"truncated": raw[: len(raw) // 2], "flipped": _flip(raw, len(raw) // 2), "empty": b""}
    a = _arrays(ck)
    for name, data in bad.items():
        p = tmp_path / f"{name}.ck"
        p.write_bytes(data)
        with pytest.raises(ParameterError, match="checkpoint"):
            TrajectoryRun(W, P, **kw).load_state(p)
    p = tmp_path / "tampered.ck"
    _savez(dict(a, **{"forward_0/counts": a["forward_0/counts"] * 2}), p)
    with pytest.raises(ParameterError, match="checksum"):
        TrajectoryRun(W, P, **kw).load_state(p)
    # re-signed with another shape: refused before anything is restored
    ck2 = read_checkpoint(ck, "nonrecip.trajectory", 2)
    arrays = dict(ck2.arrays)
    arrays["forward_0/h_cross"] = arrays["forward_0/h_cross"][:-1]
    p = tmp_path / "shape.ck"
    write_checkpoint(p, "nonrecip.trajectory", 2, ck2.identity, arrays, ck2.meta)
    with pytest.raises(ParameterError, match="shape"):
        TrajectoryRun(W, P, **kw).load_state(p)


def test_checkpoint_roundtrip_and_version(tmp_path):
    p = tmp_path / "x.npz"
    write_checkpoint(p, "k", 1, {"a": 1}, {"x": np.arange(3)}, {"m": [1, 2]})
    ck = read_checkpoint(p, "k", 1, {"a": 1})
    assert ck.meta == {"m": [1, 2]} and np.array_equal(ck.arrays["x"], np.arange(3))
    with pytest.raises(ParameterError, match="version 1"):
        read_checkpoint(p, "k", 2)
    with pytest.raises(ParameterError, match="'k' checkpoint, not a 'j'"):
        read_checkpoint(p, "j", 1)
    with pytest.raises(ParameterError, match="a=1.*a=2"):
        read_checkpoint(p, "k", 1, {"a": 2})


# --------------------------------------------------------------------------
# nothing silently replaced; paths checked before any work
# --------------------------------------------------------------------------
def _no_work(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("work started before the inputs were checked")

    monkeypatch.setattr(SteadyStateSimulation, "run_batch", boom)


def test_checkpoint_policies(cli, good, tmp_path, monkeypatch):
    ck = tmp_path / "ck.npz"
    ck.write_bytes(good.read_bytes())
    before = ck.read_bytes()
    ref = cli(*SIM)
    _no_work(monkeypatch)
    r = cli(*SIM, "--checkpoint", str(ck))  # exists, no --resume
    assert r.code == 2 and r.err.count("\n") == 1 and "--overwrite" in r.err and ck.read_bytes() == before
    r = cli(*SIM, "--checkpoint", str(tmp_path / "missing.npz"), "--resume")
    assert r.code == 2 and "does not exist" in r.err and not (tmp_path / "missing.npz").exists()
    for path, needle in ((tmp_path, "is a directory"), (tmp_path / "no" / "ck.npz", "does not exist"),
                         (ck / "x.npz", "is a file"), (tmp_path / "ck.txt", ".npz"),
                         (tmp_path / ("x" * 300 + ".npz"), "too long")):
        r = cli(*SIM, "--checkpoint", str(path))
        assert r.code == 2 and r.err.count("\n") == 1 and needle in r.err, (path, r.err)
    for path, needle in ((tmp_path, "is a directory"), (tmp_path / "no" / "r.json", "does not exist"),
                         (tmp_path / "r.txt", "extension")):
        r = cli(*SIM, "--out", str(path))
        assert r.code == 2 and r.err.count("\n") == 1 and needle in r.err, (path, r.err)
    r = cli("converge", "--layout", ".SD.", "--out", str(tmp_path))
    assert r.code == 2 and "is a directory" in r.err
    monkeypatch.undo()
    r = cli(*SIM, "--checkpoint", str(ck), "--overwrite")
    assert r.code == 0 and r.out == ref.out
    assert ck.read_bytes() == before  # the same run writes the same checkpoint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.npz"]


def test_trajectory_policies(cli, tmp_path):
    base = ["trajectory", "--layout", ".SD.", "--steps", "50"]
    ck = tmp_path / "t.ck"
    r = cli(*base, "--checkpoint", str(ck), "--resume")
    assert r.code == 2 and "does not exist" in r.err and not ck.exists()
    assert cli(*base, "--checkpoint", str(ck)).code == 0
    before = ck.read_bytes()
    r = cli(*base, "--seed", "1", "--checkpoint", str(ck))
    assert r.code == 2 and "--overwrite" in r.err and ck.read_bytes() == before
    assert cli(*base, "--seed", "1", "--checkpoint", str(ck), "--overwrite").code == 0
    assert ck.read_bytes() != before
    r = cli(*base, "--out", str(tmp_path))
    assert r.code == 2 and "is a directory" in r.err


def test_locked_checkpoint_is_refused_and_temporaries_cleaned(tmp_path):
    ck = tmp_path / "ck.npz"
    with FileLock(ck, "checkpoint"):
        with pytest.raises(ParameterError, match="another run"):
            simulate(W, P, checkpoint=ck, **RUN)
        with pytest.raises(ParameterError, match="another run"):
            FileLock(ck, "checkpoint").acquire()
    assert not (tmp_path / "ck.npz.lock").exists()
    left = tmp_path / ".ck.npz.abc123.tmp"  # what a kill inside atomic_write leaves
    left.write_bytes(b"half")
    simulate(W, P, checkpoint=ck, **RUN)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.npz"]


def test_worker_count_one_rule():
    assert worker_count(3, 10) == 3 and worker_count(8, 2) == 2 and worker_count(None, 1) == 1
    assert worker_count(None, 10**6) == len(os.sched_getaffinity(0))
    with pytest.raises(ParameterError, match="workers"):
        worker_count(0, 4)


def test_check_checkpoint_without_path():
    assert check_checkpoint(None, resume=False, overwrite=False) is None
    with pytest.raises(ParameterError, match="resume"):
        check_checkpoint(None, resume=True, overwrite=False)


# --------------------------------------------------------------------------
# signals: every try keeps the work and ends as an interruption
# --------------------------------------------------------------------------
def test_interruption_flag_raises_at_exit_even_after_the_work():
    with pytest.raises(KeyboardInterrupt):
        with Interruption() as stop:
            os.kill(os.getpid(), signal.SIGTERM)
            deadline = time.monotonic() + 5
            while stop.signalled is None and time.monotonic() < deadline:
                time.sleep(0.001)
            # the work "finishes" here: the signal still ends the run
    assert stop.name == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL or callable(signal.getsignal(signal.SIGTERM))


@pytest.mark.parametrize("workers", [1, 2])
def test_signal_at_random_moments_in_process_always_interrupts_and_keeps_batches(tmp_path, monkeypatch, workers):
    """64 tries (32 per thread count), the signal sent from inside a batch at a
    random moment (a 1-in-8 race survives 64 tries with probability 2e-4)."""
    real = SteadyStateSimulation.run_batch
    rng = random.Random(12)
    ref = simulate(W, P, steps=16_000, seed=5, n_batches=16, workers=1)
    for i in range(32):
        ck = tmp_path / f"ck{i}.npz"
        at = rng.randrange(16)
        sig = (signal.SIGINT, signal.SIGTERM)[i % 2]
        delay = rng.random() * 0.01

        def flaky(self, b, *a, _at=at, _sig=sig, _delay=delay, **k):
            if b != _at:
                return real(self, b, *a, **k)
            # the signal comes at a random moment of this batch (or just after
            # it), from another thread, as a kill from outside would
            sent = threading.Event()
            threading.Timer(_delay, lambda: (os.kill(os.getpid(), _sig), sent.set())).start()
            try:
                return real(self, b, *a, **k)
            finally:
                sent.wait()  # sent before the run can end: a test of the run, not of this harness

        monkeypatch.setattr(SteadyStateSimulation, "run_batch", flaky)
        with pytest.raises(KeyboardInterrupt):
            simulate(W, P, steps=16_000, seed=5, n_batches=16, workers=workers, checkpoint=ck)
        monkeypatch.setattr(SteadyStateSimulation, "run_batch", real)
        if ck.exists():
            kept = BatchSums.load(ck)
            assert 1 <= len(kept) <= 16
            res = simulate(W, P, steps=16_000, seed=5, n_batches=16, workers=workers, checkpoint=ck, resume=True)
            assert res.to_json() == ref.to_json()


def _wait_for(path: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.exists(), f"no {path} within {timeout} s"


def test_cli_simulate_sigint_and_sigterm_repeated(tmp_path):
    """Real processes, 8 tries, SIGINT and SIGTERM at random moments after the
    first checkpoint: exit 130, one line naming what was kept and where,
    never a traceback, never swallowed (the 64 in-process tries above catch
    rarer races at a fraction of the cost)."""
    rng = random.Random(3)
    for i in range(8):
        ck = tmp_path / f"ck{i}.npz"
        cmd = CLI + ["simulate", "--layout", "dimers", "--n", "40", "--steps", "400000000", "--batches", "4000",
                     "--checkpoint", str(ck), "--workers", "2", "--json"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _wait_for(ck)
        time.sleep(rng.random() * 0.5)
        proc.send_signal((signal.SIGINT, signal.SIGTERM)[i % 2])
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 130, (i, err)
        assert out == "" and "Traceback" not in err
        assert err.count("\n") == 1 and f"batches kept in {ck}" in err, (i, err)
        assert 1 <= len(BatchSums.load(ck)) < 4000


def test_progress_default_follows_the_terminal(monkeypatch):
    from nonrecip.runs import progress_default

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert progress_default(None) is False and progress_default(True) is True
    monkeypatch.setattr(sys, "stderr", Tty())
    assert progress_default(None) is True and progress_default(False) is False


def test_progress_flags_and_converge_interrupted(cli, monkeypatch):
    r = cli("trajectory", "--layout", ".SD.", "--steps", "20", "--no-progress", "--json")
    assert r.code == 0 and r.err.count("\n") == 1  # the timing line only, no bar
    r = cli(*SIM, "--progress")
    assert r.code == 0 and "simulate" in r.err and "left" in r.err  # the bar with its ETA, on stderr
    assert r.out == cli(*SIM, "--no-progress").out

    def interrupted(self, *a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(SteadyStateSimulation, "run_batch", interrupted)
    r = cli("converge", "--layout", ".SD.", "--steps-min", "1000", "--steps-max", "4000")
    assert r.code == 130 and r.out == "" and r.err.count("\n") == 1 and "interrupted" in r.err
