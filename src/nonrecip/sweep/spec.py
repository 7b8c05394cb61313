"""What to sweep: :class:`Grid` and :class:`SweepSpec`.

A grid is the axes of one model; a spec is a grid plus where and how to run
it, readable from a TOML file.

A TOML sweep file looks like this (every key optional except the grid)::

    model = "classical"          # must match `nonrecip sweep MODEL`
    out = "dimers.parquet"
    workers = 2                  # local cluster size
    # scheduler = "tcp://10.0.0.5:8786"
    # chunk_batches = 4          # Monte Carlo batches per task

    [grid]
    layout = ["dimers", ".SDSD."]
    n = "4:40:2"                 # same list/range syntax as the CLI
    p = [0.5, 0.9]
    ig = 0.05

Grid keys may be spelled as the table column (``N``, ``Ig``) or as the CLI
option (``n``, ``ig``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..wire import ParameterError
from .grid import Point, parse_values, product
from .models import Model, get_model

__all__ = ["Grid", "SweepSpec"]


def _read_toml(path: Path) -> dict[str, Any]:
    """Read a sweep file; a missing or malformed file is a :class:`ParameterError`."""
    import tomllib

    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ParameterError("spec", str(path), "file not found") from None
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

    def __post_init__(self) -> None:
        """Normalise the axes to the model's parameter names and check them."""
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
        allowed = {"model", "out", "workers", "scheduler", "chunk_batches", "grid"}
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
        opts = {k: data.get(k) for k in ("out", "workers", "scheduler", "chunk_batches")}
        opts.update({k: v for k, v in run.items() if v is not None})
        out = opts.get("out")  # relative paths are relative to the working directory
        return cls(Grid(name, axes), out=None if out is None else Path(out), workers=opts.get("workers"),
                   scheduler=opts.get("scheduler"), chunk_batches=opts.get("chunk_batches"))

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
