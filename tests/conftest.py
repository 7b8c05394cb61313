"""Shared fixtures: canonical wires, a CLI runner that goes through ``main``."""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stderr, redirect_stdout

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

from nonrecip.canonical import wires as _wires  # noqa: E402
from nonrecip.cli import main  # noqa: E402


@pytest.fixture(scope="session")
def canonical_wires():
    return _wires()


class CliResult:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli():
    """Run ``nonrecip ARGS`` in-process through the real entry point."""

    def run(*args: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
        return CliResult(code, out.getvalue(), err.getvalue())

    return run
