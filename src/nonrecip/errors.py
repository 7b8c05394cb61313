"""The errors nonrecip raises on purpose.

:class:`ParameterError` is bad input: its message names the parameter, the
value given and what is allowed; the CLI prints it as one line and exits
with code 2 before any work starts. :class:`ConvergenceError` is a numerical
solve that did not converge (exit code 1). Both are re-exported from
:mod:`nonrecip.wire`, where they were first defined.
"""

from __future__ import annotations

from typing import Any

__all__ = ["NonrecipError", "ParameterError", "MissingParameterError", "ConvergenceError"]


class NonrecipError(Exception):
    """Base class of every error nonrecip raises on purpose."""


class ParameterError(NonrecipError, ValueError):
    """An input parameter is not allowed.

    Parameters
    ----------
    name : str
        The parameter as the user knows it (``"p"``, ``"layout"``, ``"N"``).
    value : object
        The value that was given.
    allowed : str
        What is allowed, phrased so that the user can fix the input.
    """

    def __init__(self, name: str, value: Any, allowed: str):
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"invalid {name}={value!r}: {allowed}")


class MissingParameterError(ParameterError):
    """A parameter that this input needs was not given.

    The message says what to add, ``--n is required for layout 'dimers'``,
    rather than ``invalid N=None``; ``name``, ``value`` (``None``) and
    ``allowed`` are those of :class:`ParameterError`.

    Parameters
    ----------
    name : str
        The parameter (``"N"``).
    flag : str
        How the user gives it (``"--n"``).
    needed_for : str
        What needs it (``"for layout 'dimers'"``).
    """

    def __init__(self, name: str, flag: str, needed_for: str):
        super().__init__(name, None, f"{flag} is required {needed_for}")
        self.args = (f"{flag} is required {needed_for}",)


class ConvergenceError(NonrecipError, RuntimeError):
    """A numerical solve did not converge; the message gives the residual."""
