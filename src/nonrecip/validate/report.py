"""Validation reports: the table of :func:`~nonrecip.validate.run_checks` in a file or on the terminal.

The table written as Markdown, CSV, JSON or HTML (by the file's extension, atomically)
or printed as a table that fits the terminal.
"""

from __future__ import annotations

import html
import json
import math
import os
from pathlib import Path
from typing import Any

from ..results import atomic_write
from ..wire import ParameterError

__all__ = ["FORMATS", "summary", "per_check", "to_records", "to_document", "to_json", "to_markdown", "to_html",
           "write_report", "print_table"]

#: file extensions understood by :func:`write_report`
FORMATS = (".md", ".csv", ".json", ".html")

_NUMERIC = ("value", "reference", "abs_error", "rel_error", "stderr", "z", "tolerance")


def _clean(v: Any) -> Any:
    """Plain JSON value: NaN/inf -> None, numpy scalars -> Python."""
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def summary(df) -> dict[str, Any]:
    """Count rows, checks, rows and checks failed, and the failed check ids."""
    failed = df.loc[~df["passed"], "check"]
    return {
        "rows": int(len(df)),
        "checks": int(df["check"].nunique()),
        "rows_failed": int(len(failed)),
        "checks_failed": int(failed.nunique()),
        "failed": sorted(set(failed)),
        "passed": bool(df["passed"].all()) if len(df) else False,
    }


def to_records(df) -> list[dict[str, Any]]:
    """Rows as plain dicts (NaN -> None), in table order."""
    cols = list(df.columns)
    return [{c: _clean(v) for c, v in zip(cols, row, strict=False)} for row in df.itertuples(index=False, name=None)]


def to_document(df) -> dict[str, Any]:
    """Return the one JSON object of ``validate --json`` and ``--out report.json``.

    ``{"checks": [row records], "passed": checks passed, "failed": checks
    failed, "all_passed": bool, "comparisons": rows, "comparisons_failed":
    rows failed, "failed_checks": [ids]}``; ``passed``/``failed`` count
    checks (a check passes when every one of its comparisons does).
    """
    s = summary(df)
    return {
        "checks": to_records(df),
        "passed": s["checks"] - s["checks_failed"],
        "failed": s["checks_failed"],
        "all_passed": s["passed"],
        "comparisons": s["rows"],
        "comparisons_failed": s["rows_failed"],
        "failed_checks": s["failed"],
    }


def to_json(df, *, indent: int | None = 2) -> str:
    """JSON text of :func:`to_document`; deterministic for a given table."""
    return json.dumps(to_document(df), indent=indent, allow_nan=False)


def _fmt(v: Any) -> str:
    v = _clean(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "**NO**"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def to_markdown(df, *, title: str = "nonrecip validation report") -> str:
    """Return a Markdown report: a summary line, then one table per check model."""
    s = summary(df)
    level = ", ".join(sorted(set(df["level"]))) if len(df) else ""
    lines = [f"# {title}", "",
             f"Level: {level}. {s['checks']} checks, {s['rows']} comparisons; "
             f"{s['checks_failed']} checks failed ({s['rows_failed']} rows).", ""]
    if s["failed"]:
        lines += ["Failed: " + ", ".join(f"`{c}`" for c in s["failed"]), ""]
    cols = [c for c in df.columns if c not in ("level",)]
    for model, sub in df.groupby("model", sort=False):
        lines += [f"## {model}", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for row in sub[cols].itertuples(index=False, name=None):
            cells = [_fmt(v).replace("|", "\\|") for v in row]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def to_html(df, *, title: str = "nonrecip validation report") -> str:
    """Return a self-contained HTML page with the table (failed rows highlighted)."""
    s = summary(df)
    cols = list(df.columns)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = []
    for row in df.itertuples(index=False, name=None):
        rec = dict(zip(cols, row, strict=False))
        cls = "pass" if rec["passed"] else "fail"
        cells = "".join(f"<td>{html.escape(_fmt(v).replace('**', ''))}</td>" for v in row)
        body.append(f'<tr class="{cls}">{cells}</tr>')
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;font-size:13px} table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left} tr.fail{background:#fdd}"
        "th{background:#eee;position:sticky;top:0}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{s['checks']} checks, {s['rows']} comparisons; "
        f"{s['checks_failed']} checks failed ({s['rows_failed']} rows).</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body) +
        "\n</tbody></table></body></html>\n"
    )


def write_report(df, path: str | os.PathLike) -> Path:
    """Write the report atomically; the format follows the extension.

    ``.md``, ``.csv``, ``.json`` (:func:`to_document`) or ``.html``.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".md":
        text = to_markdown(df)
    elif ext == ".csv":
        text = df.to_csv(index=False)
    elif ext == ".json":
        text = to_json(df) + "\n"
    elif ext == ".html":
        text = to_html(df)
    else:
        raise ParameterError("out", str(path), "the report extension must be " + ", ".join(FORMATS))
    atomic_write(path, text.encode())
    return path


def per_check(df):
    """Return one row per check: comparisons, failures, the worst error over its tolerance.

    ``z`` rows count ``|z|/tol``; ``bool`` rows count as 0 or inf.
    """
    import numpy as np
    import pandas as pd

    err = np.where(df["metric"] == "z", df["z"].abs(),
                   np.where(df["metric"] == "abs", df["abs_error"],
                            np.where(df["metric"] == "rel", df["rel_error"], np.nan)))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(df["metric"] == "bool", np.where(df["passed"], 0.0, np.inf),
                         err / df["tolerance"].to_numpy(dtype=float))
    d = df.assign(_ratio=ratio, _fail=~df["passed"])
    g = d.groupby("check", sort=False)
    return pd.DataFrame({
        "check": list(g.groups),
        "model": g["model"].first().to_numpy(),
        "equation": g["equation"].first().to_numpy(),
        "comparisons": g.size().to_numpy(),
        "failed": g["_fail"].sum().to_numpy().astype(int),
        "worst_error_over_tolerance": g["_ratio"].max().to_numpy(),
        "passed": (g["_fail"].sum() == 0).to_numpy(),
    })


def print_table(df, *, rows: bool = False, failed_only: bool = False) -> None:
    """Print the table on stdout: one line per check, every row or the failed rows.

    One line per check by default, every row with ``rows=True``, the failed
    rows with ``failed_only=True``. It fits ``COLUMNS`` or the terminal (:mod:`nonrecip._render`): check
    ids and numbers are never wrapped; a table too wide is split into
    stacked parts that repeat the check id.
    """
    from .._render import Column, print_text
    from .._render import print_table as render

    s = summary(df)
    level = ", ".join(sorted(set(df["level"])))
    ok = {True: "[green]✓[/green]", False: "[bold red]✗[/bold red]"}
    if rows or failed_only:
        sub = df[~df["passed"]] if failed_only else df
        cols = [Column("check", "left", key=True), Column("equation", "left", text=True, group="what"),
                Column("parameters", "left", text=True, group="what"),
                Column("quantity", "left", text=True, group="what"),
                Column("value", group="numbers"), Column("reference", group="numbers"),
                Column("error", group="numbers"), Column("tolerance", group="numbers"),
                Column("ok", "center", group="numbers")]
        body = []
        for r in sub.itertuples(index=False):
            if r.metric == "z":
                err = f"z={r.z:+.2f}"
            elif r.metric == "abs":
                err = f"{r.abs_error:.2e}"
            elif r.metric == "rel":
                err = f"{r.rel_error:.2e} rel"
            else:
                err = "" if not math.isfinite(r.rel_error) else f"{r.rel_error:.2e} rel"
            tol = "" if not math.isfinite(r.tolerance) else f"{r.metric} ≤ {r.tolerance:.3g}"
            body.append([r.check, r.equation, r.parameters, r.quantity, _number(r.value), _number(r.reference),
                         err, tol, ok[bool(r.passed)]])
        title = f"nonrecip validate ({level}): " + ("failed rows" if failed_only else "every comparison")
    else:
        cols = [Column("check", "left", key=True), Column("equation", "left", text=True),
                Column("comparisons"), Column("failed"), Column("worst error / tolerance"),
                Column("ok", "center")]
        body = []
        for r in per_check(df).itertuples(index=False):
            w = r.worst_error_over_tolerance
            worst = "inf" if not math.isfinite(w) else "" if w == 0 else f"{w:.3g}"
            body.append([r.check, r.equation, int(r.comparisons), int(r.failed), worst, ok[bool(r.passed)]])
        title = f"nonrecip validate ({level}): one line per check"
    render(title, cols, body)
    print_text(f"{s['checks']} checks, {s['rows']} comparisons: "
               + ("all passed" if s["passed"] else f"{s['checks_failed']} checks failed ({', '.join(s['failed'])})"))


def _number(v: Any) -> Any:
    v = _clean(v)
    return "" if v is None else v
