"""The ``nonrecip`` command line: a thin typer layer over the Python API.

Each public module of this package (``solve``, ``simulate``, ``figure``...)
registers its commands on the apps of :mod:`._app` when imported; all of them
are imported here, so adding a command is adding a file. Heavy modules
(numba, scipy, matplotlib) are imported inside the commands so that
``nonrecip --help`` answers fast. :func:`main` turns every input error into
one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from ._app import app

for _m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _m.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_m.name}")  # registers its commands

__all__ = ["app", "main"]


def _fail(msg: str, code: int) -> int:
    msg = " ".join(str(msg).split())  # one line
    print(f"nonrecip: error: {msg}", file=sys.stderr)
    return code


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


def command():
    """Build the click command tree of :data:`app`, flags shown as flags."""
    import typer

    cmd = typer.main.get_command(app)
    _flags_as_flags(cmd)
    return cmd


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nonrecip`` console script; returns the exit code."""
    import typer

    try:  # typer >= 0.26 vendors click as typer._click
        from typer._click import exceptions as cex
    except ImportError:  # pragma: no cover - older typer on plain click
        from click import exceptions as cex  # type: ignore[no-redef]

    from ..wire import NonrecipError, ParameterError

    no_args = getattr(cex, "NoArgsIsHelpError", ())

    args = sys.argv[1:] if argv is None else list(argv)
    try:
        rv = command().main(args=args, prog_name="nonrecip", standalone_mode=False)
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
