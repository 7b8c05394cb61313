"""Monte Carlo estimates: a mean and its standard error, scalar or per site.

:class:`Estimate` and :class:`EstimateArray` are what the Monte Carlo states
hold where an exact state holds floats and arrays; their arrays are read-only.
A z-score against a reference is defined also for a zero standard error
(:meth:`Estimate.z`). Re-exported by :mod:`nonrecip.results`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._frozen import FrozenArrays
from .wire import NonrecipError

__all__ = ["Estimate", "EstimateArray", "UndefinedZScore", "readonly", "json_number"]


def json_number(x: Any) -> float | None:
    """``float(x)``, or ``None`` (JSON ``null``) for NaN and infinities."""
    x = float(x)
    return None if not math.isfinite(x) else x


def readonly(a: np.ndarray) -> np.ndarray:
    """Return a read-only view of ``a`` (``a`` itself when it already is read-only).

    A view, not a copy: the solver that built ``a`` keeps no other use of it,
    and the flag is cleared on the view only, so a caller's own array is never
    made read-only behind its back.
    """
    if not a.flags.writeable:
        return a
    v = a.view()
    v.flags.writeable = False
    return v


# --------------------------------------------------------------------------
# estimates
# --------------------------------------------------------------------------
class UndefinedZScore(NonrecipError, ValueError):
    """A z-score asked of an exact estimate that differs from the reference.

    The estimate has ``stderr = 0`` and its mean is not the reference (see
    :meth:`Estimate.z`).
    """

    def __init__(self, mean: float, stderr: float, reference: float, index: int | None = None):
        self.mean, self.stderr, self.reference, self.index = mean, stderr, reference, index
        where = "" if index is None else f" at index {index}"
        super().__init__(f"z-score undefined{where}: the estimate {mean!r} has standard error {stderr!r} "
                         f"(exact) but differs from the reference {reference!r}")


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate: ``mean`` and its standard error ``stderr``."""

    mean: float
    stderr: float

    def z(self, reference: float) -> float:
        """Distance to ``reference`` in standard errors, ``(mean - reference)/stderr``.

        A standard error of 0 means the estimate claims to be exact. Then the
        z-score is 0 if ``mean == reference`` exactly (the estimate *is* the
        reference) and undefined otherwise: an exact estimate that differs
        from the reference is not "infinitely many standard errors away", it
        is a wrong estimate or a wrong reference, and that is refused with
        :class:`UndefinedZScore` rather than returned as ``inf``. A NaN
        ``stderr`` (unknown) gives NaN.

        Raises
        ------
        UndefinedZScore
            ``stderr == 0`` and ``mean != reference``.
        """
        if self.stderr == 0.0:
            if self.mean == reference:
                return 0.0
            raise UndefinedZScore(self.mean, self.stderr, reference)
        return (self.mean - reference) / self.stderr

    def to_dict(self) -> dict[str, float | None]:
        """Return ``{"mean": x, "stderr": s}``, NaN and infinities as ``None``."""
        return {"mean": json_number(self.mean), "stderr": json_number(self.stderr)}

    def __format__(self, spec: str) -> str:
        """Format as ``mean ± stderr`` (``spec`` applies to the mean)."""
        spec = spec or ".6g"
        return f"{self.mean:{spec}} ± {self.stderr:.2g}"


@dataclass(frozen=True)
class EstimateArray(FrozenArrays):
    """Estimates over sites or bonds: ``mean`` and ``stderr`` of equal shape."""

    mean: np.ndarray
    stderr: np.ndarray

    def __post_init__(self) -> None:
        """Check the shapes; store read-only float arrays."""
        m = np.asarray(self.mean, dtype=float)
        s = np.asarray(self.stderr, dtype=float)
        if m.shape != s.shape:
            raise ValueError(f"mean {m.shape} and stderr {s.shape} differ in shape")
        object.__setattr__(self, "mean", readonly(m))
        object.__setattr__(self, "stderr", readonly(s))

    def __len__(self) -> int:
        """Return the number of sites or bonds."""
        return len(self.mean)

    def __getitem__(self, i: int) -> Estimate:
        """Return the estimate at index ``i``."""
        return Estimate(float(self.mean[i]), float(self.stderr[i]))

    def z(self, reference: np.ndarray) -> np.ndarray:
        """Distances to ``reference`` in standard errors, elementwise.

        The rule of :meth:`Estimate.z` holds for a zero standard error: 0
        where the mean equals the reference, :class:`UndefinedZScore` where it
        does not.
        """
        ref = np.broadcast_to(np.asarray(reference, dtype=float), self.mean.shape)
        zero = self.stderr == 0.0
        bad = np.flatnonzero(zero & (self.mean != ref))
        if bad.size:
            i = int(bad[0])
            raise UndefinedZScore(float(self.mean[i]), 0.0, float(ref[i]), index=i)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (self.mean - ref) / self.stderr
        return np.where(zero, 0.0, z)

    def to_list(self) -> list[dict[str, float | None]]:
        """Return one ``{"mean", "stderr"}`` dict per index."""
        return [self[i].to_dict() for i in range(len(self))]
