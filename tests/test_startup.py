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
    # the sweep models are built on numpy (typer converts option values without pydantic: cli/_coerce.py)
    assert _loaded(CLI, "sweep", "--help") == {"numpy"}


def test_solve_imports_no_dask_pandas_or_scipy_sparse_stack():
    loaded = _loaded(CLI, "solve", "classical", "--layout", ".SDSD.")
    assert "numpy" in loaded  # the table itself is written without rich (nonrecip._render)
    assert not loaded & {"dask", "distributed", "pandas", "pyarrow", "matplotlib", "numba"}


def _modules(code: str, *args: str) -> set[str]:
    """Every module that ``code`` (then the CLI with ``args``) loaded."""
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    p = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=120)
    return set(json.loads(p.stderr.strip().splitlines()[-1]))


def _top(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.mark.parametrize("model", ["classical", "circuit"])
def test_exact_classical_and_circuit_solves_import_numpy_only(model):
    # numpy for the solver; no pydantic (typer's option converter, cli/_coerce.py), no solver of another model
    loaded = _modules(CLI, "solve", model, "--layout", ".SDSD.")
    assert _top(loaded) & set(HEAVY) == {"numpy"}
    assert not {m for m in loaded if m.startswith(("nonrecip.stochastic", "nonrecip.deterministic.quantum",
                                                   "nonrecip.sweep", "nonrecip.cli.simulate",
                                                   "nonrecip.cli.design", "nonrecip.runs.batches"))}


def test_quantum_linear_solve_imports_numba_for_its_kernel_only():
    # the O(N) linear solver is a Numba kernel (cached on disk); nothing else heavy (numba itself imports
    # scipy.linalg.cython_blas when it loads a cached kernel: no scipy of nonrecip's)
    loaded = _modules(CLI, "solve", "quantum", "--layout", ".SDSD.")
    assert {"numpy", "numba"} <= _top(loaded)
    assert not _top(loaded) & {"pydantic", "pandas", "pyarrow", "matplotlib", "dask", "distributed", "rich"}
    assert not {m for m in loaded if m.startswith(("nonrecip.stochastic", "nonrecip.sweep", "scipy.sparse",
                                                   "scipy.special", "scipy.optimize", "scipy.integrate",
                                                   "nonrecip.deterministic.quantum.general",
                                                   "nonrecip.deterministic.quantum.nonlinear"))}


def test_version_imports_no_command_module():
    loaded = _modules(CLI, "--version")
    assert not _top(loaded) & (set(HEAVY) | {"typer"})  # --version alone prints without building the CLI
    assert not {m for m in loaded if m.startswith("nonrecip.cli.") and not m.split(".")[-1].startswith("_")}


SUBTREE = """
import typer
from nonrecip import cli
cli._load([sys.argv[1]])
cmd = typer.main.get_command(cli._app.app).commands[sys.argv[1]]
def names(c):
    return [c.name, [names(s) for s in getattr(c, "commands", {}).values()], sorted(p.name for p in c.params)]
print(json.dumps(names(cmd)), file=sys.stderr)
"""


@pytest.mark.parametrize("name", sorted(__import__("nonrecip.cli").cli.COMMANDS))
def test_each_command_loads_alone_as_in_the_full_tree(name):
    # COMMANDS names the modules that build each top-level command: loading only those gives the same
    # subcommands, in the same order, with the same options, as the whole tree
    from nonrecip.cli import command

    def names(c):
        return [c.name, [names(s) for s in getattr(c, "commands", {}).values()], sorted(p.name for p in c.params)]

    full = command()
    p = subprocess.run([sys.executable, "-c", "import sys, json\n" + SUBTREE, name], capture_output=True, text=True,
                       timeout=120)
    assert json.loads(p.stderr.strip().splitlines()[-1]) == names(full.commands[name])


def test_commands_lists_every_top_level_command():
    from nonrecip.cli import COMMANDS, GROUPS, IN_APP, command

    tree = command()
    assert set(tree.commands) == set(COMMANDS)
    assert set(GROUPS) == {n for n, c in tree.commands.items() if hasattr(c, "commands")}
    assert set(IN_APP) <= set(GROUPS)
    # the top level's help loads every command module but those of the groups declared in _app
    from nonrecip import cli

    assert set(cli._top_level()) == set(cli._modules()) - {"quantum", "solve", "sweep"}


def _on_a_terminal(code: str, *args: str) -> tuple[str, set[str]]:
    """(stdout, modules loaded) of ``code`` run with stdout on a pseudo-terminal."""
    import os
    import pty
    import threading

    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def read() -> None:
        try:
            while data := os.read(master, 65536):
                chunks.append(data)
        except OSError:  # the child closed the terminal
            pass

    reader = threading.Thread(target=read)
    reader.start()
    p = subprocess.run([sys.executable, "-c", probe, *args], stdout=slave, stderr=subprocess.PIPE, text=True,
                       timeout=120, env=dict(os.environ, COLUMNS="100"))
    os.close(slave)
    reader.join()
    os.close(master)
    return b"".join(chunks).decode(), set(json.loads(p.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [("--help",), ("solve",), ("solve", "classical", "-h")])
def test_rich_help_on_a_terminal_without_markdown_or_pygments(args):
    # typer's rich help, loaded with rich.markdown and rich.traceback deferred (cli/_help.py)
    out, loaded = _on_a_terminal(CLI, *args)
    assert "Usage" in out and "\x1b[" in out  # rich: styled
    assert "rich" in _top(loaded) and not _top(loaded) & {"markdown_it", "pygments"}
    assert not {"rich.markdown", "rich.traceback"} & loaded


@pytest.mark.parametrize("args", [("--help",), ("solve", "classical", "-h")])
def test_rich_help_is_the_same_with_the_deferred_names(args):
    # typer.rich_utils imported first (with rich.markdown and rich.traceback): the help, byte for byte
    light, _ = _on_a_terminal(CLI, *args)
    full, loaded = _on_a_terminal("import typer.rich_utils\n" + CLI, *args)
    assert "rich.markdown" in loaded
    assert light == full


def test_deferred_rich_names_are_the_real_ones():
    import subprocess as sp

    code = ("from nonrecip.cli._help import load_rich_help\nload_rich_help()\n"
            "import typer.rich_utils as ru, rich.markdown, rich.traceback\n"
            "m = ru.Markdown('**x**')\n"
            "assert isinstance(m, rich.markdown.Markdown), type(m)\n"
            "assert ru.Traceback.from_exception.__func__ is rich.traceback.Traceback.from_exception.__func__\n"
            "assert type(rich.markdown.Markdown) is type\n"
            "print('ok')")
    p = sp.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.stdout.strip() == "ok", p.stderr


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


@pytest.mark.parametrize("package", ["nonrecip.deterministic", "nonrecip.runs"])
def test_lazy_packages_load_nothing_until_asked(package):
    loaded = _modules(f"import {package}")
    assert not {m for m in loaded if m.startswith(package + ".")}
    assert "numpy" not in _top(loaded)


@pytest.mark.parametrize("package", ["nonrecip.deterministic", "nonrecip.runs"])
def test_lazy_packages_give_the_names_of_their_modules(package):
    import importlib

    pkg = importlib.import_module(package)
    for name in pkg.__all__:
        value = getattr(pkg, name)
        assert getattr(importlib.import_module(value.__module__), name) is value
        assert name in dir(pkg)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        pkg.nope  # noqa: B018
    # the solver that a name comes from, and only that one, loads on first use
    first = "solve_circuit" if package.endswith("deterministic") else "check_layout"
    loaded = _modules(f"from {package} import {first}")
    sub = {m for m in loaded if m.startswith(package + ".")}
    assert sub == ({f"{package}.circuit"} if first == "solve_circuit" else {f"{package}.budget"})
