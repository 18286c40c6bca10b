"""The one error for a missing resource (weights, models, data sets).

Every file the project needs but cannot find or trust raises :class:`MissingResourceError`
(a :class:`FileNotFoundError`) whose message names the file and says what to do. The older names
(:class:`hw2.weights.WeightsError`, :class:`hw2.fastphotostyle.labels.ade20k.ModelNotFoundError`,
:class:`hw2.data.DatasetNotFoundError`, :class:`hw2.studyset.StudySetError`) are subclasses kept for
existing ``except`` clauses.
"""
from __future__ import annotations

__all__ = ["MissingResourceError"]


class MissingResourceError(FileNotFoundError):
    """A resource is missing, corrupt or unreadable; the message says how to restore it."""
