"""Sphinx configuration of the nonrecip documentation.

Build (warnings are errors; the tutorials are executed)::

    pip install ".[docs]"
    sphinx-build -W --keep-going -b html docs docs/_build/html

Intersphinx: the mappings to NumPy, SciPy, pandas, Dask and Python are
configured, but the inventories are only fetched when the environment
variable ``NONRECIP_DOCS_INTERSPHINX=1`` is set (the build machines may have
no internet; a failed fetch would be a warning, hence an error under ``-W``).
Without it, references to those projects render as plain text and nothing
else changes; ``nitpicky`` stays off.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
SRC = ROOT / "src"

# Build from the source tree when the package is not installed (the
# notebooks' kernels inherit PYTHONPATH, so they import the same tree).
if (SRC / "nonrecip").is_dir():
    sys.path.insert(0, str(SRC))
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH", "")) if p)
sys.path.insert(0, str(DOCS / "_ext"))

import nonrecip  # noqa: E402

project = "nonrecip"
author = "the nonrecip authors"
copyright = "the nonrecip authors (MIT)"
release = nonrecip.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
    "sphinx_copybutton",
    "nonrecip_api",
    "nonrecip_gallery",
    "nonrecip_docstrings",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "jupyter_execute", ".jupyter_cache", "figures/*.csv", "Thumbs.db", ".DS_Store"]

# -- API reference ----------------------------------------------------------
autosummary_generate = False  # tables only: every object is documented on its module page (_ext/nonrecip_api.py)
autosummary_imported_members = True
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- intersphinx (see the module docstring) ----------------------------------
if os.environ.get("NONRECIP_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable/", None),
        "scipy": ("https://docs.scipy.org/doc/scipy/", None),
        "pandas": ("https://pandas.pydata.org/docs/", None),
        "dask": ("https://docs.dask.org/en/stable/", None),
        "distributed": ("https://distributed.dask.org/en/stable/", None),
    }
else:
    intersphinx_mapping = {}
nitpicky = False

# -- MyST / MyST-NB ------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
nb_execution_mode = "force"  # every build executes every notebook
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = False  # (True duplicated some outputs with myst-nb 1.4)

# -- HTML -------------------------------------------------------------------------
html_theme = "furo"
html_title = f"nonrecip {release}"
html_static_path: list[str] = []
