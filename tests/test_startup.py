"""Start-up stays light: what `import nonrecip` and `nonrecip --help` import.

Checked in fresh interpreters by the modules they load, never by timing
(the machine may be shared). Heavy libraries load only on the paths that
use them: numpy with the wire or a solver, rich for a table or the help of
a terminal, dask only for a sweep that starts a cluster.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "numba", "pandas", "pyarrow", "dask", "distributed", "matplotlib", "rich", "pydantic")


def _loaded(code: str, *args: str) -> set[str]:
    """Top-level packages among HEAVY that ``code`` (then the CLI with ``args``) loaded."""
    probe = (f"import sys, json\n{code}\n"
             f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))), file=sys.stderr)")
    run = [sys.executable, "-c", probe, *args]
    p = subprocess.run(run, capture_output=True, text=True, timeout=120)
    return set(json.loads(p.stderr.strip().splitlines()[-1]))


def test_import_nonrecip_imports_no_numpy():
    assert _loaded("import nonrecip; import nonrecip.errors, nonrecip.params") == set()


def test_public_names_load_on_first_use():
    assert "numpy" in _loaded("from nonrecip import Wire")
    assert _loaded("from nonrecip import ParameterError, __version__") == set()


CLI = "from nonrecip.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass"


def test_help_into_a_pipe_imports_nothing_heavy():
    assert _loaded(CLI, "--help") == set()
    # the sweep models are built on numpy; typer coerces the group options of `sweep` with pydantic
    assert _loaded(CLI, "sweep", "--help") <= {"numpy", "pydantic"}


def test_solve_imports_no_dask_pandas_or_scipy_sparse_stack():
    loaded = _loaded(CLI, "solve", "classical", "--layout", ".SDSD.")
    assert "numpy" in loaded  # the table itself is written without rich (nonrecip._render)
    assert not loaded & {"dask", "distributed", "pandas", "pyarrow", "matplotlib", "numba"}


def test_a_small_sweep_starts_no_dask(tmp_path):
    loaded = _loaded(CLI, "sweep", "classical", "--layout", ".SDSD.", "--p", "0.5,0.9",
                     "--out", str(tmp_path / "s.parquet"), "--no-progress")
    assert (tmp_path / "s.parquet").exists()
    assert not loaded & {"dask", "distributed"}


@pytest.mark.parametrize("path", [(), ("sweep",), ("sweep", "classical")])
def test_full_command_tree_has_the_sweep_commands(path):
    # nonrecip.cli.app / command() register the lazily imported commands too
    from nonrecip.cli import command

    cmd = command()
    for name in path:
        cmd = cmd.commands[name]
    assert cmd is not None
