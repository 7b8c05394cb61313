r"""Which energy rule serves a nonlinear solve, and what it may store (Eq. B22; conventions §4).

:func:`.nonlinear.solve_nonlinear` starts on one Chebyshev window
(:class:`.energy_grid.EnergyGrid`) and refines it ``n = 9, 13, 17, 25,
...`` until two nested grids agree to ``tol``. Where that cannot serve, it
moves to the adaptive band rule of :mod:`.nonlinear_panels` (panels in
``theta``, ``w = -2 cos theta``; the ``K x K`` rule of :mod:`.panels` or
the streaming rule of :mod:`.panels_stream`, which store nothing of size
``energies x N``):

* the Fermi tails reach a band edge (``T > 0``), or a few baths
  (``<= FEW_BATHS``) face resonances spaced ``~ 1/N`` (unchanged);
* ``max_nodes`` **not given**: the window needs more than
  :data:`WINDOW_NODES` energies (many baths at small ``gamma`` on a wide
  window, potentials near a band edge where ``T(w)`` has its square-root
  edge and no polynomial in ``w`` converges fast). The band rule starts from
  the window's Newton iterates (converged on its finest grid: Newton on the
  band rule then needs one or two steps). Should the band rule exceed its
  storage too (``K x K`` at ``T = 0`` or for the dense oracle,
  :data:`.panels.MAX_ENTRIES` numbers; at ``T > 0`` every other wire
  moves to the streaming rule instead), the window goes on
  refining up to :func:`window_cap` energies (the same storage bound for
  the window's per-energy operators); only then is the quadrature error a
  :class:`~nonrecip.wire.ConvergenceError`. A window whose own storage
  allows no more energies ends in the one-line storage refusal below.
* ``max_nodes`` **given**: a hard bound on the window's energies, as
  before (it bounds the memory, ``O(max_nodes N)``, that
  :func:`nonrecip.runs.budget.required_bytes` checks): more is a
  ``ConvergenceError`` that says so.

Storage of the ``K x K`` band rule
----------------------------------
The number of panels is not known in advance, but panels are only ever
split: the initial cells of the rule (:func:`.panels.entries_at_least`)
bound its storage from below. When the band rule is certain whatever the
solved potentials are (``T > 0`` and the Fermi tails of the reservoir
potentials ``mubar +- dmu/2`` already reach a band edge; or a few baths with
``N (|dmu| + 2e-3) > 100``) and no streaming route exists (``T = 0`` or
the dense oracle), :func:`check_storage` refuses that bound above
:data:`.panels.MAX_ENTRIES` before any work, with a
:class:`~nonrecip.wire.ParameterError` naming ``method`` (the dense
oracle) or ``layout`` (``T = 0``). A rule that
grows past the bound while it adapts is refused by the same one-line error
(:func:`storage_error`) when it happens; nothing is written either way.
"""

from __future__ import annotations

import math

import numpy as np

from ...wire import ParameterError
from .panels import MAX_ENTRIES, PANEL_NODES, entries_at_least

__all__ = ["WINDOW_NODES", "NeedPanels", "kxk_only", "resonant", "check_storage", "storage_error", "window_cap"]

#: Chebyshev energies of the window before the band rule takes over (``max_nodes`` not given).
WINDOW_NODES = 513
#: Keep every energy this far inside the band (-2, 2) (as :mod:`~nonrecip.deterministic.quantum.nonlinear`).
_BAND_EDGE = 2.0 - 1e-9
#: Fermi tails of the window, in units of ``T`` (:data:`.energy_grid.FERMI_CUTOFF`).
_TAIL = 40.0


class NeedPanels(Exception):
    """The single Chebyshev window cannot serve: use :mod:`.nonlinear_panels`.

    ``starts``: the window's Newton iterates (warm starts) when it stopped
    at :data:`WINDOW_NODES`, else ``None``.
    """

    def __init__(self, reason: str, starts: list[np.ndarray] | None = None):
        super().__init__(reason)
        self.starts = starts


def kxk_only(prob) -> bool:
    """Whether the band rule of ``prob`` (a :class:`.nonlinear._Problem`) has no streaming alternative.

    The streaming rule serves ``T > 0`` for any wire Hamiltonian (range 1
    with the two-stream kernel, ``r > 1`` with the block kernel of
    :mod:`.nonlinear_block`; :func:`.nonlinear_panels.solve_panels` moves
    there when the ``K x K`` rule outgrows its storage); at ``T = 0``, and
    for the dense oracle, only the ``K x K`` rule serves.
    """
    return prob.params.temperature <= 0.0 or bool(prob.dense)


def storage_error(prob, entries: int | None = None) -> ParameterError:
    """Return the one-line refusal of a ``K x K`` band rule over :data:`.panels.MAX_ENTRIES` numbers."""
    K = int(np.count_nonzero(prob.has))
    need = (f"at least {entries:.3g} numbers ({entries // (PANEL_NODES * K * K)} panels x {PANEL_NODES} "
            f"energies x {K}^2 bath pairs)" if entries is not None else f"more than {MAX_ENTRIES:.0e} numbers")
    what = (f"the K x K band quadrature (it stores the transmissions among the {K} baths at each energy) "
            f"needs {need}; at most {MAX_ENTRIES:.0e} are stored")
    if prob.dense:
        return ParameterError("method", "dense", f"{what}: use method='auto' or fewer baths")
    return ParameterError("layout", f"{K} baths on {prob.wire.N} sites",
                          f"{what}: use fewer baths, a temperature T > 0 or response='linear'")


def resonant(N: int, lo: float, hi: float) -> bool:  # noqa: N803 - physics name
    """Whether a wire of ``N`` sites has too many resonances on ``[lo, hi]`` for one window.

    ``~ N (hi - lo) / pi`` resonances of a long stretch without baths lie in
    the window: no single polynomial in ``w`` resolves them
    (:mod:`~nonrecip.deterministic.quantum.nonlinear`, a few baths).
    """
    return N * (hi - lo + 2e-3) > 100.0


def check_storage(prob, few_baths: int) -> None:
    """Refuse, before any work, a certain ``K x K`` band rule whose initial cells exceed the storage.

    ``ParameterError`` (:func:`storage_error`) when the solve takes the band
    rule whatever the solved potentials are -- ``T > 0`` and the Fermi
    tails of the reservoir potentials reach a band edge, or at most
    ``few_baths`` baths on a wire with ``N (|dmu| + 2e-3) > 100``
    (resonances, :mod:`~nonrecip.deterministic.quantum.nonlinear`) -- no streaming route exists
    (:func:`kxk_only`) and :func:`.panels.entries_at_least` over the
    reservoir potentials exceeds :data:`.panels.MAX_ENTRIES`.
    """
    p = prob.params
    if not kxk_only(prob):
        return
    lo, hi = p.mubar - 0.5 * abs(p.dmu), p.mubar + 0.5 * abs(p.dmu)
    tail = _TAIL * p.temperature
    K = int(np.count_nonzero(prob.has))
    hot = p.temperature > 0.0 and (lo - tail <= -_BAND_EDGE or hi + tail >= _BAND_EDGE)
    if not hot and not (K <= few_baths and resonant(prob.wire.N, lo, hi)):
        return  # the window may serve: decided on the solved potentials
    entries = entries_at_least(prob.wire.N, K, p.temperature, lo, hi)
    if entries > MAX_ENTRIES:
        raise storage_error(prob, entries)


def window_cap(prob) -> int:
    """Most window energies once the band rule ran over its storage: the same :data:`.panels.MAX_ENTRIES`.

    Per energy the window stores ``~ N`` numbers (the ``O(N)`` kernel's
    structure), ``K^2`` (``K x K`` routes of a general ``H``) or ``N^2``
    (the dense oracle of the uniform wire); never fewer than
    :data:`WINDOW_NODES`.
    """
    n, K = prob.wire.N, int(np.count_nonzero(prob.has))
    if prob.dense:
        per = n * n if prob.hamiltonian is None else K * K
    else:
        per = K * K if prob.lu else 8 * n
    return max(WINDOW_NODES, math.floor(MAX_ENTRIES / per))

