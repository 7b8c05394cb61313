"""Sphinx extension: the gallery page, generated from the figure registry.

At ``config-inited`` (before source discovery) this writes ``docs/gallery.rst``: one section per
figure of :func:`nonrecip.paper.figures.names` (gallery order), with the
figure's registered title, the first paragraph of its function's docstring,
the PNG (whose drawn caption states every parameter), a link to the CSV of
the plotted data, and the command that made both. A registered figure whose
PNG or CSV is missing from ``docs/figures``, or a PNG there that no
registered figure makes, is a warning (an error under ``-W``): the gallery
cannot drift from the registry. The images are the committed files written
by ``nonrecip figure all --out docs/figures``; the build does not remake them.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)


def _first_paragraph(func) -> str:
    doc = inspect.getdoc(func) or ""
    return " ".join(doc.split("\n\n")[0].split())


def generate(app, config=None) -> None:
    """Write ``gallery.rst`` (only when its content changed)."""
    from nonrecip.paper.figures import FIGURES, names

    src = Path(app.srcdir)
    figdir = src / "figures"
    order = names()
    lines = [".. _gallery:", "", "Gallery", "=======", "",
             "Every figure of the paper, and the ones nonrecip adds, as committed in ``docs/figures``:",
             "the image (its caption, drawn under it, states every parameter the paper leaves out),",
             "the plotted data as a tidy CSV, and the command that made both. This page is generated",
             "from the figure registry (:data:`nonrecip.paper.figures.FIGURES`) at build time.", "",
             "Remake all of them with ``nonrecip figure all --out docs/figures`` (add ``--pdf`` for PDFs).", ""]
    paper = [n for n in order if FIGURES[n].paper]
    extra = [n for n in order if not FIGURES[n].paper]
    for heading, group in (("Figures of the paper", paper), ("Beyond the paper's figures", extra)):
        lines += [heading, "-" * len(heading), ""]
        for name in group:
            spec = FIGURES[name]
            png, csv = figdir / f"fig_{name}.png", figdir / f"fig_{name}.csv"
            for f in (png, csv):
                if not f.is_file():
                    logger.warning("gallery: %s (figure %r) is missing; run `nonrecip figure %s --out docs/figures`",
                                   f.relative_to(src.parent), name, name, type="nonrecip", subtype="gallery")
            title = spec.title
            lines += [f".. _gallery-{name}:", "", title, "~" * len(title), "",
                      _first_paragraph(spec.func), "",
                      f".. image:: figures/fig_{name}.png", f"   :alt: {title}", "   :width: 100%", "",
                      f"Data: :download:`fig_{name}.csv <figures/fig_{name}.csv>` · made by "
                      f":func:`{spec.func.__module__}.{spec.func.__name__}` with", "",
                      ".. code-block:: bash", "", f"   nonrecip figure {name} --out docs/figures", ""]
    known = {f"fig_{n}.png" for n in order}
    for f in sorted(figdir.glob("fig_*.png")):
        if f.name not in known:
            logger.warning("gallery: %s is made by no registered figure", f.name, type="nonrecip", subtype="gallery")
    text = "\n".join(lines)
    out = src / "gallery.rst"
    if not out.exists() or out.read_text() != text:
        out.write_text(text)


def setup(app):
    """Register the generator."""
    app.connect("config-inited", generate)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
