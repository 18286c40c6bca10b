"""The report's tie rule: one item ranks above another only when it is better in every case.

The report compares methods on 3 photo/painting pairs (notebook 05) and quilting sources on 3 target
photos (notebook 04). A mean over 3 cases can lead by a hair that one case decides, so a ranking states
only what every case agrees on: item ``a`` *beats* ``b`` when its score is better for each case; two
items of which neither beats the other are *tied*. :data:`RULE` is the sentence the notebooks print.

Scores are given per item as a sequence of per-case values, in the same case order for every item
(``{"A": [0.81, 0.77, 0.80], ...}``); a single value (a mean) compares as one case.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

__all__ = ["RULE", "beats", "tiers", "leader", "tied_with", "describe"]

#: the rule in words (``{n}``: the number of cases, ``{cases}``: what they are, e.g. "pairs")
RULE = ("one ranks above another only when it is better on each of the {n} {cases}; otherwise the two are "
        "tied, whatever their means")


def _values(scores: Mapping[str, Sequence[float]], name: str) -> np.ndarray:
    try:
        v = np.atleast_1d(np.asarray(scores[name], dtype=float))
    except KeyError:
        raise ValueError(f"no scores for {name!r}; known: {sorted(scores)}") from None
    return v


def beats(a: Sequence[float], b: Sequence[float], *, higher: bool = True) -> bool:
    """Whether ``a`` is better than ``b`` in every case (higher values better when ``higher``).

    Raises
    ------
    ValueError
        ``a`` and ``b`` hold different numbers of cases, or none.
    """
    a, b = np.atleast_1d(np.asarray(a, dtype=float)), np.atleast_1d(np.asarray(b, dtype=float))
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"compare the same cases: got {a.size} and {b.size} values")
    return bool(np.all(a > b) if higher else np.all(a < b))


def tiers(scores: Mapping[str, Sequence[float]], *, higher: bool = True) -> list[list[str]]:
    """The items in tiers, best first: items in the order of their means, a new tier starting only where
    every item of the current tier :func:`beats` the next one (so a tier holds no two items that one case
    ranks otherwise than the means do, and items tied with a neighbour share its tier)."""
    means = {k: float(np.mean(_values(scores, k))) for k in scores}
    order = sorted(scores, key=lambda k: -means[k] if higher else means[k])
    out: list[list[str]] = []
    for name in order:
        if out and not all(beats(_values(scores, t), _values(scores, name), higher=higher) for t in out[-1]):
            out[-1].append(name)
        else:
            out.append([name])
    return out


def leader(scores: Mapping[str, Sequence[float]], *, higher: bool = True) -> str | None:
    """The item that beats every other one, or None when no item does (a tie for first place)."""
    for name in scores:
        if all(beats(_values(scores, name), _values(scores, o), higher=higher) for o in scores if o != name):
            return name
    return None


def tied_with(scores: Mapping[str, Sequence[float]], name: str, *, higher: bool = True) -> list[str]:
    """The items that neither beat ``name`` nor are beaten by it, in the order of ``scores``."""
    me = _values(scores, name)
    return [o for o in scores if o != name and not beats(me, _values(scores, o), higher=higher)
            and not beats(_values(scores, o), me, higher=higher)]


def describe(scores: Mapping[str, Sequence[float]], *, higher: bool = True, fmt: str = "{:.2f}",
             label=str) -> str:
    """The tiers of :func:`tiers` in words, best first, each item with its mean: ``"A 0.81; then B 0.72 and
    C 0.71, tied; then D 0.31"``. ``label`` names an item."""
    parts = []
    for tier in tiers(scores, higher=higher):
        items = [f"{label(k)} {fmt.format(float(np.mean(_values(scores, k))))}" for k in tier]
        text = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] + ", tied"
        parts.append(text)
    return "; then ".join(parts)
