"""Numba JIT options, kept in one place for every kernel of nonrecip."""

from typing import Any

#: ``@njit(**JIT)`` on every kernel: cached to disk, the GIL released (kernels
#: run on threads), strict IEEE arithmetic (reproducible to the bit).
JIT: dict[str, Any] = dict(cache=True, nogil=True, fastmath=False)
