"""Tiny canonical wires shared by tests, docs and benchmarks.

Each entry is a layout the paper discusses or one chosen so that nobody
tuned anything for it (irregular S/D/P patterns, odd N, unbalanced).
"""

from __future__ import annotations

from .wire import Wire

#: layouts the paper draws
PAPER = {
    "fig1a": ".SD.",        # Fig. 1a, Eq. 6: one dimer, parity broken
    "fig1b": ".SDDS.",      # Fig. 1b: parity kept, no nonreciprocity
    "fig1c": ".SDSD.",      # Fig. 1c: parity broken
    "dimers10": ".SDSDSDSD.",
    "single9": ".S.....D.",  # App. C, odd N
}

#: layouts nobody tuned for: irregular S/D/P patterns, odd N, unbalanced
IRREGULAR = {
    "probes": ".SPPD.",
    "odd11": ".SP.D..S.P.",
    "drains_first": ".DD..SPS.",
    "unbalanced": ".S.S..D.",
    "long_gap": ".S" + "." * 17 + "PD.",
}


def wires() -> dict[str, Wire]:
    """All canonical wires by name."""
    return {k: Wire(v) for k, v in {**PAPER, **IRREGULAR}.items()}
