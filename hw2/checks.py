"""Checks of scalar options (the input gate :mod:`hw2.gate` checks images): finite numbers and integers
in a range, with a message that names the argument and the range it needs.

NaN passes every ``x < 0`` test (all its comparisons are false), and ``int(float("nan"))`` raises a
message that names nothing; these checks close both.
"""
from __future__ import annotations

import math

__all__ = ["check_number", "check_integer"]


def _as_float(value) -> float | None:
    """``float(value)`` for a real number (Python, numpy or a one-element tensor); ``None`` otherwise."""
    if value is None or isinstance(value, (bool, str, bytes)):
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _range_text(low, high, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high:g}"
    return ""


def check_number(value, name: str, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a finite float within ``[low, high]`` (``low_open`` / ``high_open``: the open ends).

    Raises
    ------
    ValueError
        ``value`` is NaN, infinite, outside the range, or not a real number (a bool, a string,
        ``None``, a complex number); the message names ``name`` and the range.
    """
    want = " ".join(filter(None, ["a finite number", _range_text(low, high, low_open, high_open)]))
    v = _as_float(value)
    if v is None or not math.isfinite(v) or (low is not None and (v <= low if low_open else v < low)) \
            or (high is not None and (v >= high if high_open else v > high)):
        raise ValueError(f"{name} must be {want}, got {_show(value)}")
    return v


def check_integer(value, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an ``int`` within ``[low, high]``; integral floats (``32.0``) are accepted.

    Raises
    ------
    ValueError
        ``value`` is not a whole number (2.5, NaN, infinity, a bool, a string, ``None``) or lies
        outside the range; the message names ``name`` and the range.
    """
    want = " ".join(filter(None, ["an integer", _range_text(low, high, False, False)]))
    v = _as_float(value)
    if v is None or not math.isfinite(v) or not v.is_integer():
        raise ValueError(f"{name} must be {want}, got {_show(value)}")
    n = int(value) if isinstance(value, int) else int(v)  # a Python int keeps its exact value
    if (low is not None and n < low) or (high is not None and n > high):
        raise ValueError(f"{name} must be {want}, got {_show(value)}")
    return n
