"""Memory and size guards: refuse a run that cannot fit, before it allocates.

A wire of ``N = 10^9`` sites used to run for a minute, take 3-13 GB and end
in a ``MemoryError`` traceback (or the kernel's OOM killer); ``--method
dense`` at ``N = 20000`` was killed at 6 GB. Every solver entry point and
command now estimates what it needs from the bytes per site measured below
and refuses with the figure when that exceeds the memory available::

    invalid N=1000000000: the classical solve needs ~142 GB, 22.4 GB available

Bytes per site (``tracemalloc`` peak over the solve, ``dimers`` layouts,
``N = 10^5`` and ``4*10^5``; each was linear in ``N`` to 0.1 %; dense and
nonlinear at ``N = 200..1000``):

============================  =========================================
solver                        peak bytes
============================  =========================================
the wire itself               2 per site (the layout string and arrays)
classical exact               130 per site
circuit                       64 per site
quantum linear (fast)         210 per site
quantum linear (dense)        76 per site **squared** (N x N complex)
quantum nonlinear             ~10 per site per energy node (5000 at 513)
Monte Carlo (walkers)         48 per site per batch (batch sums of both
                              biases) + the result
Monte Carlo (adjoint)         currents only: ~100 per site
trajectory                    ~44 per site per recorded step and run
JSON of a result              ~860 per site (``--json``, ``--out .json``)
table of a result             ~4000 per site (``--out .csv/.parquet``)
============================  =========================================

The figures carry a margin of 1.5 for what ``tracemalloc`` does not see
(interpreter, Numba's own buffers). The memory available is the kernel's
``MemAvailable`` (``/proc/meminfo``), bounded by a cgroup limit when there
is one, else ``os.sysconf("SC_AVPHYS_PAGES")``.

Integers that no kernel can count to (``--steps 10^23``: an ``int64``
overflow deep inside NumPy) are refused by :func:`check_count`.

Disk: the files whose size is known before the run are refused when their
filesystem has less room free (:func:`check_output_space`,
:func:`check_checkpoint_space`). Bytes per site of the written file
(``os.path.getsize / N``, ``dimers``, ``N = 2000`` and ``8000``, linear in
``N`` to 2 %; the largest over ``solve classical``, ``circuit``,
``quantum`` and ``simulate`` of both estimators):

==========================  ==============================================
file                        bytes
==========================  ==============================================
``--out .json``             520 per site (simulate, walkers: 517)
``--out .csv``              445 per site (solve quantum: 441)
``--out .parquet``          70 per site (simulate, walkers: 69)
simulate ``--checkpoint``   48 per site and batch (walkers), 64 (physical
                            mode: 8 arrays of N; 66 measured at N = 60), 1
                            per site (adjoint: the layout; currents only)
==========================  ==============================================

times :data:`DISK_MARGIN` (1.5: longer float reprs than in the measured
runs; a CSV row of 17-digit values in exponent form is ~25 % longer), plus
:data:`FILE_OVERHEAD` for headers and metadata.
"""

from __future__ import annotations

import math
import os
from typing import Any

from ..errors import ParameterError

__all__ = ["BYTES_PER_SITE", "MARGIN", "available_bytes", "required_bytes", "check_memory", "check_sites", "check_layout",
           "check_count", "check_monte_carlo", "check_budgets", "check_trajectory", "INT64_MAX", "FILE_BYTES_PER_SITE",
           "CHECKPOINT_PER_SITE_BATCH", "CHECKPOINT_PHYSICAL_PER_SITE_BATCH", "DISK_MARGIN", "FILE_OVERHEAD", "output_bytes", "checkpoint_bytes",
           "check_output_space", "check_checkpoint_space", "TRAJECTORY_FILE_BYTES", "check_trajectory_space",
           "TABLE_BYTES_PER_CELL", "JOURNAL_BYTES_PER_CELL", "table_bytes", "check_table_space"]

#: measured peak bytes per site of each solver (see the module docstring)
BYTES_PER_SITE: dict[str, float] = {
    "wire": 2.0,
    "classical": 130.0,
    "circuit": 64.0,
    "quantum": 210.0,
    "adjoint": 100.0,
    "json": 860.0,
    "table": 4000.0,
}
#: bytes per site squared of the dense quantum oracle
DENSE_PER_SITE2 = 76.0
#: bytes per site and energy node of the nonlinear quantum solve
NONLINEAR_PER_SITE_NODE = 10.0
#: bytes per site and Monte Carlo batch (the walkers estimator keeps both biases' sums)
WALKERS_PER_SITE_BATCH = 48.0
#: bytes per site, recorded step and run of a trajectory
TRAJECTORY_PER_SITE_RECORD = 44.0
#: safety factor on the measured figures
MARGIN = 1.5
#: largest count a kernel's int64 counters hold
INT64_MAX = 2**63 - 1
#: measured bytes per site of a result file, by extension (see the module docstring)
FILE_BYTES_PER_SITE: dict[str, float] = {".json": 520.0, ".csv": 445.0, ".parquet": 70.0}
#: measured bytes per site and batch of a ``simulate`` checkpoint: walkers estimator, physical mode
CHECKPOINT_PER_SITE_BATCH = 48.0
CHECKPOINT_PHYSICAL_PER_SITE_BATCH = 64.0
#: measured bytes per site and recorded step of one bias of a ``trajectory --out`` table
#: (three rows: rho_plus, rho_minus, J; dimers N = 200), by extension and by whether several
#: runs fill the stderr column: CSV 106 / 197, Parquet 7.3 / 25.6
TRAJECTORY_FILE_BYTES: dict[tuple[str, bool], float] = {
    (".csv", False): 110.0, (".csv", True): 200.0, (".parquet", False): 7.5, (".parquet", True): 26.0}
#: safety factor on the measured file sizes
DISK_MARGIN = 1.5
#: bytes of headers, parameters and metadata of any file (the measured runs had < 12 kB)
FILE_OVERHEAD = 65536.0


def _cgroup_room() -> float:
    """Bytes left under a cgroup (v2 or v1) memory limit; ``inf`` without one."""
    for limit, usage in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                         ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                          "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(limit) as fh:
                text = fh.read().strip()
            if text == "max":
                return math.inf
            with open(usage) as fh:
                used = int(fh.read().strip())
            lim = int(text)
            if lim >= 2**60:  # v1's "no limit"
                return math.inf
            return float(max(lim - used, 0))
        except (OSError, ValueError):
            continue
    return math.inf


def available_bytes() -> float:
    """Memory this process can still allocate, in bytes (best estimate).

    ``MemAvailable`` of ``/proc/meminfo`` (what the kernel can hand out
    without swapping), else free physical pages; bounded by a cgroup limit.
    ``inf`` when nothing can be known.
    """
    avail = math.inf
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = float(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if math.isinf(avail):
        try:
            avail = float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError, AttributeError):
            pass
    return min(avail, _cgroup_room())


def _gb(b: float) -> str:
    return f"{b / 1e9:.3g} GB"


def required_bytes(solver: str, N: int, *, method: str = "auto", max_nodes: int | None = None,  # noqa: N803
                   n_batches: int = 32, records: int = 0, runs: int = 1, output: str | None = None) -> float:
    """Estimated peak bytes of one run (the measured figures times :data:`MARGIN`).

    Parameters
    ----------
    solver : str
        ``classical``, ``circuit``, ``quantum`` (with ``method`` and
        ``response``-specific keywords), ``nonlinear``, ``walkers``,
        ``adjoint`` or ``trajectory``.
    N : int
        Number of sites.
    method : str
        Quantum linear method (``dense`` is O(N^2) in memory).
    max_nodes : int, optional
        Nonlinear quantum energy grid (default 513).
    n_batches : int
        Monte Carlo batches (walkers estimator).
    records, runs : int
        Trajectory: recorded steps per run and runs (both biases counted by
        the caller in ``runs``).
    output : {None, "json", "table"}
        The result is also printed as JSON or written as a table.
    """
    n = float(N)
    per = BYTES_PER_SITE["wire"]
    if solver == "quantum" and method == "dense":
        per += DENSE_PER_SITE2 * n
    elif solver == "nonlinear":
        per += NONLINEAR_PER_SITE_NODE * (513 if max_nodes is None else max_nodes)
    elif solver == "walkers":
        per += WALKERS_PER_SITE_BATCH * n_batches + BYTES_PER_SITE["classical"]
    elif solver == "trajectory":
        per += TRAJECTORY_PER_SITE_RECORD * max(records, 1) * max(runs, 1) + BYTES_PER_SITE["classical"]
    else:
        per += BYTES_PER_SITE[solver]
    if output is not None:
        per += BYTES_PER_SITE[output]
    return MARGIN * per * n


def check_memory(name: str, value: Any, needed: float, what: str) -> None:
    """Refuse ``value`` of parameter ``name`` when ``needed`` bytes exceed what is available.

    Raises
    ------
    ParameterError
        ``invalid N=...: WHAT needs ~X GB, Y GB available``.
    """
    avail = available_bytes()
    if needed > avail:
        raise ParameterError(name, value, f"{what} needs ~{_gb(needed)}, {_gb(avail)} available")


def check_sites(solver: str, N: Any, **kw: Any) -> None:  # noqa: N803 - physics name
    """Refuse ``N`` sites for ``solver`` when the run cannot fit in memory.

    Call it before the wire is built (the layout string of ``N = 10^9``
    sites is itself a gigabyte) and at the top of each solver. ``N`` that is
    not a positive integer is left to the wire's own validation. Keywords as
    in :func:`required_bytes`.
    """
    if isinstance(N, bool) or not isinstance(N, int) or N < 1:
        return
    what = {"classical": "the classical solve", "circuit": "the circuit solve", "nonlinear": "the nonlinear quantum solve",
            "walkers": "the Monte Carlo (walkers)", "adjoint": "the Monte Carlo (adjoint)",
            "trajectory": "the trajectory"}.get(solver, "the quantum solve")
    if solver == "quantum" and kw.get("method") == "dense":
        what = "the dense quantum solve (O(N^2) memory)"
    check_memory("N", N, required_bytes(solver, N, **kw), what)


def check_layout(solver: str, layout: Any, N: Any, **kw: Any) -> None:  # noqa: N803 - physics name
    """:func:`check_sites` from the command-line ``--layout`` and ``--n``, before the wire exists.

    A named layout (``dimers``, ``single``) has ``N`` sites; an explicit
    layout string has its length.
    """
    if isinstance(N, int) and not isinstance(N, bool):
        check_count("N", N)
    check_sites(solver, _sites(layout, N), **kw)


def _sites(layout: Any, N: Any) -> Any:  # noqa: N803 - physics name
    """Sites of ``--layout`` and ``--n`` before the wire exists: ``N`` of a named layout, else the string's length."""
    from ..wire import NAMED_LAYOUTS

    return N if layout in NAMED_LAYOUTS or not isinstance(layout, str) else len(layout)


def output_bytes(path: Any, N: int) -> float:  # noqa: N803 - physics name
    """Estimated bytes of the result file ``path`` (by its extension) of ``N`` sites; 0 for another extension."""
    per = FILE_BYTES_PER_SITE.get(os.path.splitext(str(path))[1].lower())
    return 0.0 if per is None else DISK_MARGIN * per * N + FILE_OVERHEAD


def checkpoint_bytes(N: int, n_batches: int, estimator: str = "walkers",  # noqa: N803 - physics name
                     mode: str = "linear") -> float:
    """Estimated bytes of a complete ``simulate`` checkpoint (every batch kept)."""
    per_batch = CHECKPOINT_PHYSICAL_PER_SITE_BATCH if mode == "physical" else CHECKPOINT_PER_SITE_BATCH
    per = 1.0 + (per_batch * n_batches if estimator == "walkers" or mode == "physical" else 0.0)
    return DISK_MARGIN * per * N + FILE_OVERHEAD + 256.0 * n_batches


#: bytes per cell (row x column) of a results table written by a sweep or ``converge``:
#: CSV measured 9.5-12 (classical 166 B per 16-column row, quantum 285 B per 30),
#: Parquet less once the table has more than a few hundred rows
TABLE_BYTES_PER_CELL = 24.0
#: bytes per cell of the JSON part files a sweep journals its rows to until the
#: table is rewritten: measured 23 (371 B per 16-column classical row, 697 B per 30)
JOURNAL_BYTES_PER_CELL = 32.0


def table_bytes(rows: int, columns: int, *, journal: bool = False) -> float:
    """Peak bytes on disk of a results table of ``rows`` x ``columns``.

    The table is rewritten beside the old one and renamed over it (two copies
    at once); a sweep (``journal=True``) also keeps, until a rewrite, each
    finished row in a JSON part file (at worst all of them).
    """
    per = 2.0 * TABLE_BYTES_PER_CELL + (JOURNAL_BYTES_PER_CELL if journal else 0.0)
    return DISK_MARGIN * per * rows * columns + 2.0 * FILE_OVERHEAD


def check_table_space(name: str, path: Any, rows: int, columns: int, *, journal: bool = False) -> None:
    """Refuse a results table (``sweep --out``, ``converge --out``) that would not fit (before any work)."""
    from .paths import check_free_space

    if path is not None:
        check_free_space(name, path, table_bytes(rows, columns, journal=journal))


def _positive_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


def check_output_space(path: Any, layout: Any, N: Any) -> None:  # noqa: N803 - physics name
    """Refuse ``--out`` when the result file of the wire would not fit on its filesystem (before any work).

    Call it after the path itself is checked (:func:`~nonrecip.runs.paths.check_output`).
    Inputs that are not valid yet are left to their own checks.
    """
    from .paths import check_free_space

    n = _sites(layout, N)
    if path is not None and _positive_int(n):
        check_free_space("out", path, output_bytes(path, n))


def check_checkpoint_space(path: Any, layout: Any, N: Any, n_batches: Any,  # noqa: N803 - physics name
                           estimator: Any = "walkers", mode: Any = "linear") -> None:
    """Refuse ``--checkpoint`` of ``simulate`` when the complete checkpoint would not fit (before any work)."""
    from .paths import check_free_space

    n = _sites(layout, N)
    if path is not None and _positive_int(n) and _positive_int(n_batches):
        check_free_space("checkpoint", path, checkpoint_bytes(n, n_batches, str(estimator), str(mode)))


def check_trajectory_space(path: Any, layout: Any, N: Any, *, steps: Any, record_every: Any,  # noqa: N803
                           runs: Any, bias: Any) -> None:
    """Refuse ``trajectory --out`` when its table would not fit on its filesystem (before any work).

    ``records x biases x N`` site-records of :data:`TRAJECTORY_FILE_BYTES`
    each (runs are averaged into one value and its standard error, not kept
    apart), times :data:`DISK_MARGIN`, plus :data:`FILE_OVERHEAD`.
    """
    from .paths import check_free_space

    n = _sites(layout, N)
    ext = os.path.splitext(str(path))[1].lower()
    per = TRAJECTORY_FILE_BYTES.get((ext, _positive_int(runs) and runs > 1)) if path is not None else None
    if per is None or not _positive_int(n) or not _positive_int(steps):
        return
    every = record_every if _positive_int(record_every) else max(1, steps // 500)
    records = steps // every + 1
    biases = 2 if bias == "both" else 1
    check_free_space("out", path, DISK_MARGIN * per * records * biases * n + FILE_OVERHEAD)


def check_count(name: str, value: Any, limit: int = INT64_MAX) -> None:
    """Refuse an integer count that overflows the kernels' 64-bit counters.

    ``--steps 10^23`` or ``--n 10^30`` are well-formed integers that no
    kernel can count to; they are refused here with the limit named instead
    of an ``OverflowError`` from NumPy.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value > limit:
        raise ParameterError(name, value, f"must be at most {limit} (a 64-bit count)")


def check_monte_carlo(layout: Any, N: Any, *, steps: Any, n_batches: Any = 32, estimator: Any = "walkers",  # noqa: N803
                      output: str | None = None) -> None:
    """Size guards of ``nonrecip simulate`` before anything runs.

    ``steps`` must fit the kernels' 64-bit counters and the batch sums of
    ``N`` sites must fit in memory (the walkers estimator keeps ``N``
    values per batch and bias; the adjoint one only currents).
    """
    check_count("steps", steps)
    nb = n_batches if isinstance(n_batches, int) and n_batches > 0 else 32
    check_layout("adjoint" if estimator == "adjoint" else "walkers", layout, N, n_batches=nb, output=output)


def check_budgets(steps_min: Any, steps_max: Any, factor: Any, layout: Any = None, N: Any = None, *,  # noqa: N803
                  n_batches: Any = 32, estimator: Any = "walkers") -> None:
    """Guards of the convergence study: counts, the geometric series, memory.

    ``factor`` beyond ``steps_max / steps_min`` gives fewer than two budgets
    (and ``factor**k`` of a factor such as ``1e308`` overflows a float):
    refused with the largest factor that works.
    """
    check_count("steps_min", steps_min)
    check_count("steps_max", steps_max)
    ok = all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in (steps_min, steps_max))
    if ok and isinstance(factor, float) and math.isfinite(factor) and factor > 1.0:
        if steps_min * factor > steps_max:
            raise ParameterError("factor", factor, f"gives fewer than 2 budgets: needs steps_min * factor <= steps_max, "
                                 f"i.e. factor <= {steps_max / steps_min:g}")
    if layout is not None:
        check_monte_carlo(layout, N, steps=steps_max, n_batches=n_batches, estimator=estimator)


def check_trajectory(layout: Any, N: Any, *, steps: Any, record_every: Any, runs: Any, bias: Any,  # noqa: N803
                     output: str | None = None) -> None:
    """Size guards of ``nonrecip trajectory``: counts and the recorded frames in memory."""
    check_count("steps", steps)
    check_count("runs", runs)
    if not (isinstance(steps, int) and isinstance(runs, int) and steps >= 1 and runs >= 1):
        return
    every = record_every if isinstance(record_every, int) and record_every >= 1 else max(1, steps // 500)
    records = steps // every + 1
    n_runs = runs * (2 if bias == "both" else 1)
    try:
        check_layout("trajectory", layout, N, records=records, runs=n_runs, output=output)
    except ParameterError as e:
        if TRAJECTORY_PER_SITE_RECORD * records * n_runs > BYTES_PER_SITE["classical"]:  # the records dominate
            raise ParameterError("steps", steps, f"{e.allowed} ({records} recorded steps x {n_runs} run(s); "
                                 "raise --record-every)") from None
        raise
