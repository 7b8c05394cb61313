"""Read-only arrays that stay read-only through pickling.

The immutable objects of nonrecip (the wire, its Hamiltonian, parameters,
states, estimates, design results) make their arrays read-only when they are
built. Pickling (Dask moves results between processes that way, and
``multiprocessing`` and ``copy.deepcopy`` use it too) rebuilds an object
from its ``__dict__`` without calling ``__init__`` and gives every array back
writeable; :class:`FrozenArrays` restores the flag.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["FrozenArrays"]


class FrozenArrays:
    """Mixin: the NumPy arrays among an object's attributes stay read-only after unpickling."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore the attributes; every array (fresh from the pickle, owned) made read-only."""
        for value in state.values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
        self.__dict__.update(state)
