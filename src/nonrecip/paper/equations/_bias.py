"""Bias handling shared by the classical closed forms (conventions §1).

Private: :mod:`nonrecip.paper.equations.classical` and :mod:`.continuum` both reduce a reverse bias to
the equivalent forward problem here and return 0-d results as floats.
"""

from __future__ import annotations

import numpy as np

from ...wire import Bias, ParameterError


def forward_equivalent(drho, rho0, bias):
    """Return ``(drho, rho0)`` of the equivalent forward problem for ``bias``."""
    try:
        b = Bias(bias)
    except ValueError:
        raise ParameterError("bias", bias, "must be 'forward' or 'reverse'") from None
    drho = np.asarray(drho, dtype=float)
    rho0 = np.asarray(rho0, dtype=float)
    if b is Bias.FORWARD:
        return drho, rho0
    return -drho, rho0 + drho


def as_scalar(x):
    """Turn 0-d arrays back into Python floats; leave arrays unchanged."""
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x
