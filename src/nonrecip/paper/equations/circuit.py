"""Closed forms of the resistive circuit (placeholder, being written)."""

__all__: list[str] = []
