"""What to sweep: :class:`Grid` and :class:`SweepSpec`.

A grid is the axes of one model; a spec is a grid plus where and how to run
it, readable from a TOML file.

A TOML sweep file looks like this (every key optional except the grid)::

    model = "classical"          # must match `nonrecip sweep MODEL`
    out = "dimers.parquet"       # relative to this file's directory
    workers = 2                  # local cluster size
    # chunk_batches = 4          # Monte Carlo batches per task

    [grid]
    layout = ["dimers", ".SDSD."]
    n = "4:40:2"                 # same list/range syntax as the CLI
    p = [0.5, 0.9]
    ig = 0.05

Grid keys may be spelled as the table column (``N``, ``Ig``) or as the CLI
option (``n``, ``ig``).

A spec file never chooses the cluster: the client would connect to the
address it names and speak Dask's pickle protocol with it, so a file from
someone else could point it at any host. ``scheduler`` in a file is refused;
the cluster is chosen on the command line (``--scheduler``) or in Python
(``SweepSpec(..., scheduler=...)``, ``run_sweep(scheduler=...)``). The
file's ``out`` is relative to the file's own directory, so a spec names the
same table whatever the working directory.

A grid of more than ``max_points`` points (the parameter table's
``max_points``, ``--max-points``) is refused before any point is built.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..params import PARAMETERS, default
from ..wire import ParameterError
from .grid import Point, parse_values, product
from .models import Model, get_model

__all__ = ["Grid", "SweepSpec", "check_scheduler"]

#: Dask's comm protocols an address may use
_PROTOCOLS = ("tcp", "tls", "ws", "wss", "ucx", "inproc")


def check_scheduler(address: Any) -> None:
    """Refuse a scheduler that is not an address ``PROTOCOL://HOST:PORT``.

    ``None`` (a local cluster) and Dask objects (a ``Client`` or a cluster,
    from Python) pass; a string must name one of Dask's protocols and, but
    for ``inproc``, a host and a port 0..65535.
    """
    if address is None or not isinstance(address, (str, bytes, int, float)):
        return
    import re

    allowed = "must be a Dask scheduler address PROTOCOL://HOST:PORT, e.g. tcp://10.0.0.5:8786"
    if not isinstance(address, str):
        raise ParameterError("scheduler", address, allowed)
    m = re.fullmatch(r"([a-z]+)://(\S+)", address.strip())
    if m is None or m.group(1) not in _PROTOCOLS:
        raise ParameterError("scheduler", address, allowed)
    if m.group(1) != "inproc":
        hp = re.fullmatch(r"(\[[0-9a-fA-F:.]+\]|[^:\[\]/]+):([0-9]{1,5})", m.group(2))
        if hp is None or int(hp.group(2)) > 65535:
            raise ParameterError("scheduler", address, allowed)


def _read_toml(path: Path) -> dict[str, Any]:
    """Read a sweep file; a missing or malformed file is a :class:`ParameterError`."""
    import tomllib

    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ParameterError("spec", str(path), "file not found") from None
    except IsADirectoryError:
        raise ParameterError("spec", str(path), "is a directory; give a TOML file") from None
    except OSError as e:
        raise ParameterError("spec", str(path), f"cannot be read: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ParameterError("spec", str(path), f"is not valid TOML ({e})") from None


@dataclass(frozen=True)
class Grid:
    """The axes of a sweep over one model.

    The points are their Cartesian product (defaults fill the parameters not
    swept).

    Parameters
    ----------
    model : str
        ``classical``, ``circuit``, ``simulate`` or ``quantum`` (those
        available in this installation: see ``nonrecip.sweep.MODELS``).
    axes : mapping
        Parameter -> values: a list, a single value, or text in the CLI
        syntax (``"0.5,0.9"``, ``"4:40:2"``).

    Examples
    --------
    >>> g = Grid("classical", {"layout": "dimers", "n": "4:8:2", "p": [0.5, 0.9]})
    >>> len(g), g.axes["N"]
    (6, (4, 6, 8))
    """

    model: str
    axes: Mapping[str, Any] = field(default_factory=dict)
    max_points: int | None = None

    def __post_init__(self) -> None:
        """Normalise the axes to the model's parameter names and check them (and the grid's size)."""
        m = get_model(self.model)
        axes: dict[str, tuple] = {}
        for name, spec in dict(self.axes).items():
            p = m.param(str(name))
            if p.name in axes:
                raise ParameterError(str(name), spec, f"sets '{p.name}' a second time")
            axes[p.name] = tuple(parse_values(spec, p.kind, p.name))
        for a, b in m.exclusive:
            if a in axes and b in axes:
                pa, pb = m.param(a), m.param(b)
                raise ParameterError(a, list(axes[a]), f"give either {a} ({pa.flag}) or {b} ({pb.flag}), not both")
        object.__setattr__(self, "axes", axes)
        limit = PARAMETERS["max_points"].check(default("max_points") if self.max_points is None else self.max_points)
        object.__setattr__(self, "max_points", limit)
        if len(self) > limit:
            raise ParameterError("grid", " x ".join(f"{len(v)} {k}" for k, v in axes.items()),
                                 f"has {len(self)} points, more than max_points = {limit} (--max-points); "
                                 "split the sweep or raise the limit")

    @property
    def spec(self) -> Model:
        """The :class:`~nonrecip.sweep.models.Model` swept."""
        return get_model(self.model)

    def __len__(self) -> int:
        """Return the number of points (before duplicates are merged)."""
        n = 1
        for v in self.axes.values():
            n *= len(v)
        return n

    def points(self) -> list[Point]:
        """Return the distinct points in product order (last axis fastest).

        Defaults are filled in; points that normalise to the same parameters
        (an explicit layout with several ``N``) appear once.
        """
        m = self.spec
        seen: dict[str, Point] = {}
        for values in product(self.axes):
            pt = Point.make(m.name, m.normalise(values))
            seen.setdefault(pt.key, pt)
        return list(seen.values())


@dataclass(frozen=True)
class SweepSpec:
    """A grid and how to run it.

    Attributes
    ----------
    grid : Grid
    out : Path or None
        Table to write (``.parquet`` or ``.csv``).
    workers : int or None
        Size of the local cluster (default: the cores of this machine).
    scheduler : str or None
        Address of an existing Dask scheduler, ``tcp://HOST:PORT``.
    chunk_batches : int or None
        Monte Carlo batches per task (default: chosen from the grid size).
    """

    grid: Grid
    out: Path | None = None
    workers: int | None = None
    scheduler: str | None = None
    chunk_batches: int | None = None

    def __post_init__(self) -> None:
        """Check ``out`` and the ``scheduler`` address before anything runs."""
        if self.out is not None and not isinstance(self.out, (str, os.PathLike)):
            raise ParameterError("out", self.out, "must be a file name (.parquet or .csv)")
        check_scheduler(self.scheduler)

    @property
    def model(self) -> str:
        """Name of the model swept."""
        return self.grid.model

    @classmethod
    def from_toml(cls, path: str | os.PathLike, *, model: str | None = None,
                  overrides: Mapping[str, Any] | None = None, **run: Any) -> SweepSpec:
        """Read a sweep from a TOML file.

        Parameters
        ----------
        path : path
            The file (see the module docstring for its keys).
        model : str, optional
            The model asked for on the command line; must match the file's
            ``model`` if both are given.
        overrides : mapping, optional
            Grid axes that replace the file's (options given on the CLI).
        **run
            ``out``, ``workers``, ``scheduler``, ``chunk_batches`` that
            replace the file's when not ``None``.
        """
        path = Path(path)
        data = _read_toml(path)
        allowed = {"model", "out", "workers", "chunk_batches", "grid"}
        if "scheduler" in data:
            raise ParameterError("spec", str(path), "may not name a scheduler (a spec file must not choose which host "
                                 "to connect to); give --scheduler on the command line, or scheduler= in Python")
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ParameterError("spec", str(path), f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
        file_model = data.get("model")
        if model is not None and file_model is not None and file_model != model:
            raise ParameterError("spec", str(path), f"is a '{file_model}' sweep, not '{model}'")
        name = model or file_model
        if name is None:
            raise ParameterError("spec", str(path), "needs model = \"classical\" (or give MODEL on the command line)")
        grid = data.get("grid", {})
        if not isinstance(grid, dict):
            raise ParameterError("spec", str(path), "[grid] must be a table of parameter = values")
        m = get_model(name)
        axes = {m.param(k).name: v for k, v in grid.items()}
        for k, v in (overrides or {}).items():
            axes[m.param(k).name] = v
        opts: dict[str, Any] = {k: data.get(k) for k in ("out", "workers", "chunk_batches")}
        if opts["out"] is not None:  # the file's out is relative to the file's directory
            if not isinstance(opts["out"], str) or not opts["out"].strip():
                raise ParameterError("spec", str(path), f"out = {opts['out']!r}: must be a file name in quotes, "
                                     "e.g. out = \"sweep.parquet\"")
            opts["out"] = path.parent / opts["out"]
        opts.update({k: v for k, v in run.items() if v is not None and k != "max_points"})
        out = opts.get("out")  # an out given on the command line is relative to the working directory
        return cls(Grid(name, axes, max_points=run.get("max_points")), out=None if out is None else Path(out),
                   workers=opts.get("workers"), scheduler=opts.get("scheduler"),
                   chunk_batches=opts.get("chunk_batches"))

    @staticmethod
    def model_of(path: str | os.PathLike) -> str:
        """Return the ``model`` a TOML sweep file names.

        For ``nonrecip sweep --spec FILE`` without MODEL;
        :class:`ParameterError` if the file names none.
        """
        path = Path(path)
        name = _read_toml(path).get("model")
        if not isinstance(name, str):
            raise ParameterError("spec", str(path), "needs model = \"classical\" (or give MODEL on the command line)")
        return name

    def run(self, *, resume: bool = False, progress: bool = False, **kw: Any):
        """Run it: :func:`nonrecip.sweep.run_sweep` with these settings."""
        from .run import run_sweep

        return run_sweep(self.grid, out=self.out, scheduler=self.scheduler, workers=self.workers,
                         resume=resume, progress=progress, chunk_batches=self.chunk_batches, **kw)
