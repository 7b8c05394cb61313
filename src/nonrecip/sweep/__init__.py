"""Parameter sweeps on Dask distributed.

>>> from nonrecip.sweep import run_sweep                       # doctest: +SKIP
>>> df = run_sweep("classical", {"layout": "dimers", "N": "4:40:2", "p": [0.5, 0.9]},
...                out="dimers.parquet", progress=True)          # doctest: +SKIP

runs the Cartesian product of the axes -- in this process when it is small
(estimated from its first points), else on a local Dask cluster (one worker
process per core, started and stopped here) -- and returns one tidy row per
point; ``scheduler="tcp://HOST:PORT"`` runs it on an existing cluster.
(The example is skipped by the doctests because it starts a Dask cluster
and writes a file; ``tests/test_readme.py`` runs the same call.)
See :func:`run_sweep`, :class:`Grid`, :class:`SweepSpec`, and
:mod:`nonrecip.sweep.store` for the incremental table and ``resume``.
"""

from .grid import Point, parse_values, point_key
from .models import MODELS, Model, Param, get_model
from .run import SweepError, default_workers, local_cluster, run_sweep
from .spec import Grid, SweepSpec
from .store import read_table

__all__ = [
    "run_sweep",
    "Grid",
    "SweepSpec",
    "SweepError",
    "MODELS",
    "Model",
    "Param",
    "Point",
    "get_model",
    "parse_values",
    "point_key",
    "local_cluster",
    "default_workers",
    "read_table",
]
