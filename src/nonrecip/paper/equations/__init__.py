"""Closed forms of the paper, one function per equation number.

Every function is pure numpy and imports nothing from
:mod:`nonrecip.deterministic`: the closed forms are checked against the exact
solvers, never derived from them. :mod:`nonrecip.paper.equations.general` is not from the paper:
its closed form for any layout and per-site p is derived here. Each docstring states the equation, its
regime and whether it is exact or approximate (see conventions §5).
"""

from . import circuit as _circuit
from . import classical as _classical
from . import general as _general
from . import quantum as _quantum
from .circuit import *  # noqa: F401,F403
from .classical import *  # noqa: F401,F403
from .general import *  # noqa: F401,F403
from .quantum import *  # noqa: F401,F403

__all__ = [*_classical.__all__, *_general.__all__, *_circuit.__all__, *_quantum.__all__]
