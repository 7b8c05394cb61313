"""The ``nonrecip`` command line: a thin typer layer over the Python API.

Each public module of this package (``solve``, ``simulate``, ``figure``...)
registers its commands on the apps of :mod:`._app` when imported; adding a
command is adding a file and a line of :data:`COMMANDS`. Heavy modules
(numpy, numba, scipy, matplotlib, dask) are imported inside the commands, and
a command module itself only when its command runs (``nonrecip solve
classical`` imports :mod:`.solve` and :mod:`.quantum`, nothing of
``simulate`` or ``sweep``), for the top level's help (every module but those
of the groups in :data:`IN_APP`), or when the whole tree is asked for
(:func:`command`, ``nonrecip.cli.app``); importing this package imports no
typer. :func:`main` turns every input error into one line on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

import importlib
import os
import sys

#: top-level command -> the modules registering it and its subcommands, in
#: the order of :func:`_modules` (tests/test_startup.py checks it against
#: the tree that every module builds)
COMMANDS: dict[str, tuple[str, ...]] = {
    "design": ("design",),
    "figure": ("figure",),
    "simulate": ("simulate",),
    "converge": ("simulate",),
    "solve": ("quantum", "solve"),
    "sweep": ("sweep",),
    "trajectory": ("trajectory",),
    "validate": ("validate",),
}
#: groups declared in :mod:`._app` with their help text: the top-level help
#: lists them without importing the modules of their subcommands
IN_APP = ("solve", "sweep")
#: the command groups (a bare group prints its help)
GROUPS = ("design", "solve", "sweep")

__all__ = ["app", "main"]


def _modules() -> list[str]:
    """Every command module: the public .py files here (os.listdir: pkgutil alone costs ~20 ms to import).

    Imported in this (sorted) order, so that the commands of a group are
    listed in the same order whichever of them are loaded.
    """
    return sorted(f[:-3] for f in os.listdir(__path__[0]) if f.endswith(".py") and not f.startswith("_"))


def _top_level() -> list[str]:
    """Return the modules the top level needs for its help or an error: all but those of :data:`IN_APP`.

    A command module missing from :data:`COMMANDS` is among them, so its
    command still runs (only not lazily).
    """
    inner = {m for c in IN_APP for m in COMMANDS[c]} - {m for c in COMMANDS if c not in IN_APP for m in COMMANDS[c]}
    return [m for m in _modules() if m not in inner]


def _load(names: list[str] | None = None) -> None:
    """Register the commands ``names`` (default: all of them).

    A name that is not in :data:`COMMANDS` (an unknown command, ``""``)
    registers what the top level needs (:func:`_top_level`).
    """
    if names is None:
        modules = _modules()
    else:
        modules = sorted({m for n in names for m in (COMMANDS[n] if n in COMMANDS else _top_level())})
    for module in modules:
        importlib.import_module(f"{__name__}.{module}")  # registers its commands


def __getattr__(name: str):
    """``app``: the typer application with every command registered."""
    if name == "app":
        from . import _app

        _load()
        return _app.app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _fail(msg: str, code: int) -> int:
    msg = " ".join(str(msg).split())  # one line
    print(f"nonrecip: error: {msg}", file=sys.stderr)
    return code


def _plain_help(cmd) -> None:
    """Format the help of ``cmd`` and its subcommands as plain click text.

    Typer's rich help imports rich, its markdown and traceback modules
    (~0.1 s of CPU); it is kept for a terminal, where someone reads it.
    """
    if hasattr(cmd, "rich_markup_mode"):
        cmd.rich_markup_mode = None
    for sub in getattr(cmd, "commands", {}).values():
        _plain_help(sub)


def _flags_as_flags(cmd) -> None:
    """Show the boolean options of ``cmd`` and its subcommands as flags.

    Typer labels them ``<bool>`` in ``--help``, which invites ``--json
    true``; an empty metavar shows them as the flags they are.
    """
    for p in getattr(cmd, "params", ()):
        if getattr(p, "is_flag", False) and getattr(p, "is_bool_flag", False):
            p.metavar = ""
    original = cmd.get_help_option

    def get_help_option(ctx):  # --help itself is a flag too
        opt = original(ctx)
        if opt is not None:
            opt.metavar = ""
        return opt

    cmd.get_help_option = get_help_option
    for sub in getattr(cmd, "commands", {}).values():
        _flags_as_flags(sub)


def command(only: list[str] | None = None):
    """Build the click command tree of ``app``, flags shown as flags.

    ``only``: register just these top-level commands (names of
    :data:`COMMANDS`, see :func:`_load`; an empty list: none); default all
    of them. Option
    values are converted by :mod:`._coerce` (typer's converter, without
    pydantic where the answer is certain).
    """
    import typer

    from . import _app
    from ._coerce import install

    _load(only)
    cmd = typer.main.get_command(_app.app)
    _flags_as_flags(cmd)
    install(cmd)
    return cmd


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nonrecip`` console script; returns the exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args == ["--version"]:  # the eager option alone: what its callback prints, without building the CLI
        from ._help import print_version

        print_version()
        return 0
    import typer

    try:  # typer >= 0.26 vendors click as typer._click
        from typer._click import exceptions as cex
    except ImportError:  # pragma: no cover - older typer on plain click
        from click import exceptions as cex  # type: ignore[no-redef]

    from ..errors import NonrecipError, ParameterError
    from ._help import asks_for_help, load_rich_help

    no_args = getattr(cex, "NoArgsIsHelpError", ())

    name = next((a for a in args if not a.startswith("-")), None)  # the command (no global option takes a value)
    if name is None and args[:1] == ["--version"]:  # eager: it prints and exits before anything else is read
        only = []
    else:  # a command, else ("" or an unknown name) the top level's help or error (_load)
        only = [name or ""]
    try:
        cmd = command(only=only)
        if not sys.stdout.isatty():  # help into a pipe or a file: plain text, no rich
            _plain_help(cmd)
        elif asks_for_help(args, GROUPS):  # typer's rich help, without markdown-it and pygments (._help)
            load_rich_help()
        rv = cmd.main(args=args, prog_name="nonrecip", standalone_mode=False)
    except no_args as e:  # bare group: show the help once
        # building the error already called ctx.get_help(), which in typer's
        # rich mode prints the help itself and returns ""; calling it again
        # printed the help twice. Print only what it returned, if anything.
        msg = e.format_message()
        if msg:
            print(msg, file=sys.stderr)
        return 2
    except typer.Exit as e:
        return int(e.exit_code or 0)
    except typer.Abort:
        return _fail("aborted", 130)
    except cex.UsageError as e:
        return _fail(e.format_message(), 2)
    except ParameterError as e:
        return _fail(str(e), 2)
    except NonrecipError as e:
        return _fail(str(e), 1)
    # Ctrl-C never arrives here as KeyboardInterrupt: typer turns it into
    # Exit(130) and, with standalone_mode=False, returns 130. Commands that
    # keep a checkpoint (simulate, trajectory, sweep) print their own line.
    return int(rv) if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
