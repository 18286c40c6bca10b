"""The one error for a missing resource (weights, models, data sets).

Every file the project needs but cannot find or trust raises :class:`MissingResourceError`
(a :class:`FileNotFoundError`) whose message names the file and says what to do: data sets, the study
set, the ADE20K segmenter. Weights raise :class:`hw2.weights.WeightsError`, its one remaining subclass
(also a ``RuntimeError``), until :mod:`hw2.munit.model` raises the base class too.
"""
from __future__ import annotations

__all__ = ["MissingResourceError"]


class MissingResourceError(FileNotFoundError):
    """A resource is missing, corrupt or unreadable; the message says how to restore it."""
