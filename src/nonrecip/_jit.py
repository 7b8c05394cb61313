"""Numba JIT options, kept in one place for every kernel of nonrecip."""

JIT = dict(cache=True, nogil=True, fastmath=False)
