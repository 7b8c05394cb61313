"""Closed forms of the classical master equation (placeholder, being written)."""

__all__: list[str] = []
