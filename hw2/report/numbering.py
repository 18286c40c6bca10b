"""The combined report's figure and table numbers, checked against :data:`hw2.document.ORDER`.

Captions are the paragraphs :func:`hw2.document.caption_html` writes,
``<p class="hw2-caption" id=... data-label="fig:..."><b>Figure N.</b> ...</p>``. In the
combined report the figures must be numbered 1, 2, ..., N in the order they appear, the tables
likewise, and every registered label must appear.
"""
from __future__ import annotations

import html as _html
import re
from typing import Iterable

__all__ = ["captions", "numbering_problems", "NumberingError"]

_CAPTION = re.compile(r'<(?:p|caption) class="hw2-caption"[^>]*?data-label="([^"]*)"[^>]*>\s*<b>(Figure|Table) (\d+)\.</b>')


class NumberingError(ValueError):
    """The combined report's figure or table numbers are not consecutive, or a registered label is missing."""


def captions(page: str) -> list[tuple[str, str, int]]:
    """``(label, kind, number)`` of every caption in ``page`` (HTML), in document order; kind is Figure/Table."""
    return [(_html.unescape(m.group(1)), m.group(2), int(m.group(3))) for m in _CAPTION.finditer(page)]


def numbering_problems(page: str, *, registered: Iterable[str] | None = None) -> list[str]:
    """What is wrong with the numbering of the figures and tables of ``page``; empty when nothing is.

    Parameters
    ----------
    page : str
        The combined report's HTML.
    registered : iterable of str, optional
        Labels that must appear (default: every label of :data:`hw2.document.ORDER`).

    Returns
    -------
    list of str
        One sentence per problem: numbers out of order or missing (per kind), labels shown twice,
        registered labels never shown.
    """
    if registered is None:
        from .. import document

        registered = document.labels()
    found = captions(page)
    problems = []
    for kind in ("Figure", "Table"):
        seen = [(label, n) for label, k, n in found if k == kind]
        numbers = [n for _, n in seen]
        if numbers != list(range(1, len(numbers) + 1)):
            problems.append(f"{kind} numbers in document order are {numbers}, not 1..{len(numbers)}: "
                            + ", ".join(f"{label}={n}" for label, n in seen))
    labels = [label for label, _, _ in found]
    twice = sorted({x for x in labels if labels.count(x) > 1})
    if twice:
        problems.append(f"shown more than once: {', '.join(twice)}")
    missing = [x for x in registered if x not in set(labels)]
    if missing:
        problems.append(f"registered in hw2.document.ORDER but never shown in the report: {', '.join(missing)}")
    return problems
