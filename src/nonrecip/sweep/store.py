"""The incremental, atomic results store of a sweep.

Layout on disk, for ``--out results.parquet`` (or ``.csv``):

* ``results.parquet`` -- the tidy table, one row per point, keyed by the
  canonical ``point_id``. Always rewritten whole and atomically
  (:func:`nonrecip.results.write_table`: temporary file + rename), so a
  reader or a crash never sees half a table.
* ``results.parquet.parts/`` -- a journal of small JSON part files, each
  written atomically (:func:`nonrecip.results.atomic_write`, with fsync)
  with the rows of points that finished together. The runner journals
  finished rows before it waits for more results, and while results keep
  streaming in at least every 0.25 s, so a finished point is durable at
  once without rewriting the table each time.

The table is rewritten from memory every ``flush_seconds`` (less often for
big tables: at most ~10 % of the time) and at the end -- also on Ctrl-C and
on errors --, after which the parts it now contains are deleted; a
successful sweep leaves only the table. A crash between the two steps
leaves a part whose rows are also in the table: rows are keyed by
``point_id``, so reading deduplicates and nothing is ever counted twice.
Only a hard kill of the client (SIGKILL, power loss) can lose anything: the
rows of at most the last 0.25 s of a fast stream of points.

Long layouts are stored once (issue 12: a layout of N characters repeated
in every row made a table O(N^2), 605 MB of CSV at N = 10^4). The
``layout`` column keeps what the user gave when it is short -- a named
layout (``dimers``, with ``N`` beside it) or an explicit layout of at most
:data:`INLINE_LAYOUT` characters --; a longer explicit layout is replaced in
the file by its label ``sha256:`` + 16 hex digits of its SHA-256
(:func:`layout_label`), and the full layouts are stored once: in the
Parquet file's key-value metadata under ``nonrecip.layouts`` (JSON
``{label: layout}``), next to a CSV table in ``STEM.csv.layouts.json``, and
in each journal part beside its rows. :func:`read_table` puts the full
layouts back (every row of one layout shares one string object), so a
table read back, the rows in memory and the ``point_id`` keys (hashes of
the full layout) are the same as without labels.

``resume=True`` reads the table and any parts; every point already there
(``status`` ``ok`` or ``error``) is kept and not computed again. Without
``resume`` an existing table and its parts are replaced (the runner,
:func:`nonrecip.sweep.run_sweep`, refuses that unless ``overwrite``, and holds
an OS lock on ``OUT.lock`` while it writes).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..results import atomic_write, write_table
from ..wire import ParameterError

__all__ = ["SweepStore", "read_table", "write_sweep_table", "layout_label", "layouts_path", "HEAD_COLUMNS",
           "INLINE_LAYOUT", "LAYOUTS_KEY"]

#: first columns of every sweep table
HEAD_COLUMNS = ("point_id", "model", "status", "error")

#: explicit layouts longer than this are stored once, not in every row
INLINE_LAYOUT = 64
#: key of the label -> layout map in a Parquet table's metadata
LAYOUTS_KEY = b"nonrecip.layouts"
_LABEL = "sha256:"


def layout_label(layout: str) -> str:
    """Return the label that stands for a long explicit ``layout`` in a table file.

    ``sha256:`` and 16 hex digits of the SHA-256 of the layout; never a
    valid layout (those are made of ``.SDP`` characters).
    """
    return _LABEL + hashlib.sha256(layout.encode()).hexdigest()[:16]


def layouts_path(path: str | os.PathLike) -> Path:
    """Return the file of the full layouts of a CSV table: ``STEM.csv.layouts.json`` beside it."""
    path = Path(path)
    return path.with_name(path.name + ".layouts.json")


def _is_long(v: Any) -> bool:
    return isinstance(v, str) and len(v) > INLINE_LAYOUT


def _label_rows(rows: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """Rows with long layouts replaced by their labels, and the label -> layout map."""
    layouts: dict[str, str] = {}
    by_id: dict[int, str] = {}  # one hash per distinct layout object
    out = []
    for r in rows:
        v = r.get("layout")
        if isinstance(v, str) and _is_long(v):
            label = by_id.get(id(v))
            if label is None:
                label = by_id[id(v)] = layout_label(v)
                layouts[label] = v
            r = {**r, "layout": label}
        out.append(r)
    return out, layouts


def _unlabel(values: Iterable[Any], layouts: dict[str, str]) -> list:
    """Full layouts for labels (one shared string per layout)."""
    return [layouts.get(v, v) if isinstance(v, str) and v.startswith(_LABEL) else v for v in values]


def _check_labels(values: Iterable[Any], layouts: dict[str, str], where: Path) -> None:
    missing = {v for v in values if isinstance(v, str) and v.startswith(_LABEL) and v not in layouts}
    if missing:
        raise ParameterError("out", str(where), f"names layouts {sorted(missing)[:3]} whose full text is missing "
                             f"(Parquet metadata {LAYOUTS_KEY.decode()} or {layouts_path(where).name})")


def write_sweep_table(df: Any, path: str | os.PathLike) -> Path:
    """Write a sweep table atomically, each long layout stored once.

    Without long layouts exactly :func:`nonrecip.results.write_table` (and a
    stale ``STEM.csv.layouts.json`` is removed); with them the ``layout``
    column holds labels (:func:`layout_label`) and the full layouts go to
    the Parquet metadata or, for CSV, to :func:`layouts_path` (written first,
    so a table never names a layout that is not stored).
    """
    import io

    path = Path(path)
    csv = path.suffix.lower() == ".csv"
    column = list(df["layout"]) if "layout" in df.columns else []
    long = [v for v in column if _is_long(v)]
    if not long:
        if csv:
            layouts_path(path).unlink(missing_ok=True)
        return write_table(df, path)
    _, layouts = _label_rows([{"layout": v} for v in column])
    labels = {v: k for k, v in layouts.items()}
    df = df.copy(deep=False)
    df["layout"] = [labels.get(v, v) if _is_long(v) else v for v in column]
    payload = json.dumps(layouts, sort_keys=True).encode()
    if csv:
        atomic_write(layouts_path(path), payload)
        return write_table(df, path)
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), LAYOUTS_KEY: payload})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    atomic_write(path, buf.getvalue())
    return path


def _plain(v: Any) -> Any:
    """Numpy / pandas scalars -> plain Python; missing -> None (str) or NaN."""
    if v is None:
        return None
    try:
        import pandas as pd

        if v is pd.NA or v is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    return v


def read_table(path: str | os.PathLike):
    """Read a sweep table written by :class:`SweepStore` (``.parquet`` or ``.csv``).

    Floats read back bit for bit, long layouts are put back in full.
    """
    import pandas as pd

    path = Path(path)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        meta = pq.read_schema(path).metadata or {}
        layouts = json.loads(meta[LAYOUTS_KEY]) if LAYOUTS_KEY in meta else {}
        return _tidy(pd.read_parquet(path), layouts, path)
    # floats must read back bit for bit: pandas >= 3 does so by default (and
    # deprecates the option), pandas 2 needs float_precision="round_trip"
    exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    df = pd.read_csv(path, **exact,
                       dtype={"point_id": str, "model": str, "status": str, "error": str, "layout": str,
                              "p_profile": str},
                       keep_default_na=False, na_values=[""])
    side = layouts_path(path)
    layouts = json.loads(side.read_text()) if side.exists() else {}
    return _tidy(df, layouts, path)


def _tidy(df, layouts: dict[str, str] | None = None, where: Path | None = None):
    """Give either format the same dtypes and the full layouts.

    ``error`` and ``p_profile`` (a file name) are text or ``None``.
    """
    if "layout" in df.columns and where is not None:
        import pandas as pd

        column = list(df["layout"])
        _check_labels(column, layouts or {}, where)
        if layouts:  # object dtype: one shared string per layout, not a copy per row
            df["layout"] = pd.Series(_unlabel(column, layouts), index=df.index, dtype=object)
    for col in ("error", "p_profile"):
        if col in df.columns:
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


class SweepStore:
    """Rows of one sweep, kept in memory and on disk.

    Parameters
    ----------
    path : path or None
        The table (``.parquet`` or ``.csv``); ``None`` keeps rows in memory.
    model : str
        The model of the sweep; a table of another model is refused.
    resume : bool
        Keep the points already in ``path`` (and its parts journal).
    flush_seconds : float
        Rewrite the table at most this often while the sweep runs.
    """

    def __init__(self, path: str | os.PathLike | None, model: str, *, resume: bool = False,
                 flush_seconds: float = 5.0):
        self.model = model
        self.path = None if path is None else Path(path)
        self.flush_seconds = float(flush_seconds)
        self.rows: dict[str, dict] = {}
        #: parameter columns and their types (set by the runner), for stable dtypes
        self.columns: dict[str, type] = {}
        self._pending_parts: list[Path] = []
        self._dirty = False
        self._last_flush = time.monotonic()
        self._interval = self.flush_seconds
        self._seq = 0
        if self.path is None:
            if resume:
                raise ParameterError("resume", True, "needs an output file (--out) to resume from")
            return
        if self.path.suffix.lower() not in (".parquet", ".csv"):
            raise ParameterError("out", str(self.path), "the file extension must be .parquet or .csv")
        self.parts_dir = self.path.with_name(self.path.name + ".parts")
        if self.parts_dir.is_dir():  # temporary part files a killed run left
            for tmp in self.parts_dir.glob(".part-*.tmp"):
                tmp.unlink(missing_ok=True)
        if resume:
            self._load()
        else:
            self._clear_parts()

    # -- reading -----------------------------------------------------------
    def _check_model(self, row: dict, where: Path) -> None:
        m = row.get("model")
        if m is not None and m != self.model:
            raise ParameterError("out", str(where),
                                 f"holds a '{m}' sweep, not '{self.model}'; resume it with its own model or use another --out")

    def _load(self) -> None:
        assert self.path is not None  # resume without a file is refused in __init__
        if self.path.exists():
            df = read_table(self.path)
            for rec in df.to_dict("records"):
                row = {k: _plain(v) for k, v in rec.items()}
                if isinstance(row.get("error"), float) and math.isnan(row["error"]):
                    row["error"] = None
                self._check_model(row, self.path)
                self.rows[str(row["point_id"])] = row
        if self.parts_dir.is_dir():
            for part in sorted(self.parts_dir.glob("part-*.json")):
                try:
                    data = json.loads(part.read_text())
                except (OSError, ValueError):  # pragma: no cover - atomic writes make this unlikely
                    continue
                rows = data["rows"] if isinstance(data, dict) else data  # {"layouts", "rows"} or a plain list
                layouts = data.get("layouts", {}) if isinstance(data, dict) else {}
                _check_labels((r.get("layout") for r in rows), layouts, part)
                for row in rows:
                    if "layout" in row:
                        row["layout"] = _unlabel([row["layout"]], layouts)[0]
                    self._check_model(row, part)
                    self.rows[row["point_id"]] = row
                self._pending_parts.append(part)
                self._dirty = True

    def _clear_parts(self) -> None:
        if self.parts_dir.is_dir():
            for part in self.parts_dir.glob("part-*.json"):
                part.unlink(missing_ok=True)

    def mark_dirty(self) -> None:
        """Note that the rows changed outside :meth:`add` (e.g. rows set aside): rewrite at the next flush."""
        self._dirty = True

    def __contains__(self, key: str) -> bool:
        """Whether the point ``key`` is stored."""
        return key in self.rows

    # -- writing -----------------------------------------------------------
    def add(self, rows: Iterable[dict]) -> None:
        """Record finished points.

        Durable at once (one atomic part file),
        the table itself rewritten at most every ``flush_seconds``.
        """
        rows = list(rows)
        if not rows:
            return
        for row in rows:
            self.rows[row["point_id"]] = row
        self._dirty = True
        if self.path is None:
            return
        self._seq += 1
        part = self.parts_dir / f"part-{time.time_ns():020d}-{os.getpid()}-{self._seq:06d}.json"
        labelled, layouts = _label_rows(rows)
        data: Any = {"layouts": layouts, "rows": labelled} if layouts else rows
        atomic_write(part, json.dumps(data, allow_nan=True).encode())
        self._pending_parts.append(part)
        if time.monotonic() - self._last_flush >= self._interval:
            self.flush()

    def flush(self, order: list[str] | None = None, columns: dict[str, type] | None = None) -> None:
        """Rewrite the table atomically from memory.

        Then drop the parts it
        now contains. ``order``: point ids to put first, in this order.
        """
        t0 = time.monotonic()
        self._last_flush = t0
        if self.path is None or not (self._dirty or self._pending_parts):
            return
        write_sweep_table(self.frame(order, columns=columns or self.columns), self.path)
        # a big table is rewritten less often: at most ~10 % of the time
        self._interval = max(self.flush_seconds, 10.0 * (time.monotonic() - t0))
        for part in self._pending_parts:
            part.unlink(missing_ok=True)
        self._pending_parts.clear()
        self._dirty = False
        try:
            self.parts_dir.rmdir()
        except OSError:
            pass

    def frame(self, order: list[str] | None = None, *, only: bool = False, columns: dict[str, type] | None = None):
        """Return the rows as a DataFrame.

        ``order`` first (only those if ``only``),
        then the others in the order they were stored.
        """
        from .table import make_frame

        keys = list(order or [])
        if not only:
            seen = set(keys)
            keys += [k for k in self.rows if k not in seen]
        return make_frame([self.rows[k] for k in keys if k in self.rows], columns=columns)
