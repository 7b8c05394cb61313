"""The typer applications. Command modules register themselves on these.

``-h`` is ``--help`` everywhere (click passes ``help_option_names`` down to
every subcommand); ``nonrecip --version`` prints the version.
"""

from typing import Annotated

import typer

#: context settings of every command (inherited by the subcommands)
CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="nonrecip",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT,
    help="Nonreciprocal charge transport in wires with balanced sources and drains.",
)
solve_app = typer.Typer(no_args_is_help=True, help="Exact steady states (classical, circuit, quantum).")
app.add_typer(solve_app, name="solve")
#: `nonrecip sweep MODEL`: its commands are registered by :mod:`.sweep`, which
#: imports the sweep models (numpy); the group is here so that `nonrecip --help`
#: lists it without that import
sweep_app = typer.Typer(
    no_args_is_help=True,
    help="Parameter sweeps (Cartesian products of lists and ranges) on a local or an existing Dask cluster.",
)
app.add_typer(sweep_app, name="sweep")


def _version(value: bool) -> None:
    if value:
        from ._help import print_version

        print_version()
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Nonreciprocal charge transport in wires with balanced sources and drains."""
