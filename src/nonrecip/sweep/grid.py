"""Grids of parameter points: list and range syntax, Cartesian products, keys.

A sweep axis is written the way a physicist types it on the command line:

* a list, ``0.5,0.9`` or ``dimers,.SDSD.``;
* an inclusive range ``start:stop:step`` (``4:40:2`` is 4, 6, ..., 40;
  ``0.1:0.9:0.2`` is 0.1, 0.3, 0.5, 0.7, 0.9); ``start:stop`` has step 1.
  Ranges are computed in decimal arithmetic from the text, so the end point
  is included exactly when it lies on the grid and no value carries
  rounding noise (``0.1:0.9:0.2`` gives ``0.3``, not ``0.30000000000000004``);
* both mixed, ``4,10:20:5,64``.

Every point of the Cartesian product gets a canonical key, the SHA-256 of
its model and normalised parameters (defaults filled in), so the same
physical point always has the same key whatever order or spelling the
options came in; results are stored and resumed by that key.

Examples
--------
>>> parse_values("4:12:2", int, "N")
[4, 6, 8, 10, 12]
>>> parse_values("0.1:0.9:0.2", float, "p")
[0.1, 0.3, 0.5, 0.7, 0.9]
>>> parse_values("dimers,.SDSD.", str, "layout")
['dimers', '.SDSD.']
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from ..wire import ParameterError

__all__ = ["parse_values", "coerce", "point_key", "Point", "MAX_AXIS"]

#: largest number of values one axis may expand to (guards against typos
#: such as ``0:1:1e-9``)
MAX_AXIS = 1_000_000

_KIND_NAMES = {int: "an integer", float: "a real number", str: "a string"}


def coerce(value: Any, kind: type, name: str) -> Any:
    """Convert one value (from text, TOML or Python) to ``kind``.

    Parameters
    ----------
    value : object
        ``"0.5"``, ``0.5``, ``4``, ``"dimers"``...
    kind : {int, float, str}
        The type of the parameter.
    name : str
        The parameter's name, for the error message.

    Raises
    ------
    ParameterError
        When the value cannot be read as ``kind`` (e.g. ``N=4.5``).
    """
    if kind is str:
        if not isinstance(value, str) or not value.strip():
            raise ParameterError(name, value, "must be a non-empty string")
        return value.strip()
    if isinstance(value, bool):
        raise ParameterError(name, value, f"must be {_KIND_NAMES[kind]}")
    if isinstance(value, str):
        text = value.strip()
        try:
            if kind is int:
                return int(text)
            return float(text)
        except ValueError:
            raise ParameterError(name, value, f"must be {_KIND_NAMES[kind]}, a list a,b,c "
                                 "or an inclusive range start:stop:step") from None
    if kind is int:
        if isinstance(value, numbers.Integral):
            return int(value)
        if isinstance(value, numbers.Real) and float(value).is_integer():
            return int(float(value))
        raise ParameterError(name, value, "must be an integer")
    if kind is float and isinstance(value, numbers.Real):
        return float(value)
    raise ParameterError(name, value, f"must be {_KIND_NAMES[kind]}")


def _decimal(text: str, whole: str, name: str) -> Decimal:
    try:
        d = Decimal(text.strip())
    except InvalidOperation:
        raise ParameterError(name, whole, "a range is start:stop:step with numbers, e.g. 4:40:2 or 0.1:0.9:0.2") from None
    if not d.is_finite():
        raise ParameterError(name, whole, "range bounds and step must be finite numbers")
    return d


def _parse_range(item: str, kind: type, name: str) -> list:
    parts = item.split(":")
    if len(parts) not in (2, 3):
        raise ParameterError(name, item, "a range is start:stop:step (inclusive), e.g. 4:40:2 or 0.1:0.9:0.2")
    start, stop = _decimal(parts[0], item, name), _decimal(parts[1], item, name)
    step = _decimal(parts[2], item, name) if len(parts) == 3 else Decimal(1)
    if step == 0:
        raise ParameterError(name, item, "the step of a range must not be 0")
    if (stop - start) * step < 0:
        raise ParameterError(name, item, "the range is empty: the step must go from start towards stop")
    count = int(((stop - start) / step).to_integral_value(rounding=ROUND_FLOOR)) + 1
    if count > MAX_AXIS:
        raise ParameterError(name, item, f"expands to {count} values; at most {MAX_AXIS} per axis")
    values = [start + i * step for i in range(count)]
    if kind is int:
        if any(v != v.to_integral_value() for v in (start, stop, step)):
            raise ParameterError(name, item, "must be a range of integers, e.g. 4:40:2")
        return [int(v) for v in values]
    if kind is float:
        return [float(v) for v in values]
    raise ParameterError(name, item, "takes a list a,b,c, not a range")


def parse_values(spec: Any, kind: type, name: str) -> list:
    """Expand one sweep axis into its list of values.

    Parameters
    ----------
    spec : str, number or sequence
        ``"0.5,0.9"``, ``"4:40:2"``, ``"4,10:20:5"``, a TOML/Python list
        (whose string items are expanded the same way) or a single value.
    kind : {int, float, str}
        Type of the parameter; ranges are allowed for ``int`` and ``float``.
    name : str
        Parameter name for error messages.

    Returns
    -------
    list
        The values in the order given, duplicates removed.

    Raises
    ------
    ParameterError
        Unreadable values, empty or zero-step ranges, integer axes given
        fractional values.
    """
    if isinstance(spec, (list, tuple)):
        items: list = []
        for x in spec:
            items.extend(parse_values(x, kind, name) if isinstance(x, str) else [coerce(x, kind, name)])
    elif isinstance(spec, str):
        items = []
        pieces = spec.split(",")
        if any(not s.strip() for s in pieces):
            raise ParameterError(name, spec, "empty item in the list; write values separated by commas, e.g. 0.5,0.9")
        for piece in pieces:
            piece = piece.strip()
            if ":" in piece and kind is not str:
                items.extend(_parse_range(piece, kind, name))
            else:
                items.append(coerce(piece, kind, name))
    else:
        items = [coerce(spec, kind, name)]
    if not items:
        raise ParameterError(name, spec, "needs at least one value")
    return list(dict.fromkeys(items))


def _canonical(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)  # JSON has no NaN; keep the key well defined
    return v


def point_key(model: str, params: Mapping[str, Any]) -> str:
    """Return the canonical key of one point.

    16 hex digits of the SHA-256 of its model and parameters (sorted names;
    values normalised to int/float/str). A parameter that is unset (``None``,
    e.g. ``p_profile`` or the wire-model options of a plain wire) is not part of
    the key, so adding an optional parameter to a model keeps the keys of
    existing tables, and ``--resume`` still finds their points.
    """
    payload = json.dumps({"model": model,
                          "params": {k: _canonical(v) for k, v in params.items() if v is not None}},
                         sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Point:
    """One point of a sweep.

    Its canonical ``key`` and ``params`` (parameter name -> normalised
    value, defaults filled in).
    """

    key: str
    params: dict

    @classmethod
    def make(cls, model: str, params: Mapping[str, Any]) -> Point:
        """Build the point of ``model`` at ``params``, with its key."""
        p = dict(params)
        return cls(point_key(model, p), p)


def product(axes: Mapping[str, Iterable]) -> Iterable[dict]:
    """Yield the Cartesian product of ``axes`` (name -> values).

    In order: the last axis varies fastest.
    """
    names = list(axes)
    for combo in itertools.product(*(list(axes[n]) for n in names)):
        yield dict(zip(names, combo, strict=False))
