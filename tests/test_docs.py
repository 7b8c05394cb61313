"""Consistency of the documentation sources that needs no Sphinx.

The site itself is built (and its notebooks executed) by
``sphinx-build -W --keep-going -b html docs docs/_build/html``, a CI step of
its own; these checks are the cheap part that can fail in the default run.
"""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _pages():
    return [p for p in DOCS.rglob("*.md") if "_build" not in p.parts and "jupyter_execute" not in p.parts]


def test_every_python_example_in_the_docs_is_an_executed_code_cell():
    # a plain ```python fence would be shown but never run; code-cells are executed by MyST-NB
    offenders = [str(p.relative_to(ROOT)) for p in _pages()
                 if re.search(r"^```(python|py|pycon)\s*$", p.read_text(), re.M)]
    assert offenders == []


def test_every_notebook_page_declares_the_kernel():
    for p in _pages():
        text = p.read_text()
        if "{code-cell}" in text:
            head = text.split("\n---\n", 1)[0]
            assert text.startswith("---\n") and "file_format: mystnb" in head and "name: python3" in head, p


def test_every_registered_figure_is_in_docs_figures_and_nothing_else():
    from nonrecip.paper.figures import names

    want = {f"fig_{n}.{ext}" for n in names() for ext in ("png", "csv")}
    have = {p.name for p in (DOCS / "figures").glob("fig_*.*") if p.suffix in (".png", ".csv")}
    assert want == have


def test_every_tutorial_and_theory_page_is_in_the_toctree():
    index = (DOCS / "index.md").read_text()
    for p in [*(DOCS / "tutorials").glob("*.md"), *(DOCS / "theory").glob("*.md")]:
        assert str(p.relative_to(DOCS).with_suffix("")) in index, p
