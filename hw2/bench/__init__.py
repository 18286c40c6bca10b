"""Benchmarks: ``python -m hw2.bench [--only NAME ...] [--quick]`` (``make bench``).

Each method has a module ``hw2.bench.<name>`` (calling the methods through :mod:`hw2.methods`) with a function
``run(*, quick: bool = False) -> dict`` returning JSON-able figures (numbers, or small dicts and
lists of them). The runner merges each method's figures under its own key into
``benchmarks/results.json`` (written atomically, other keys kept), adds the machine it ran on, and
prints a table. ``benchmarks/results.md`` is the same as a markdown table. :func:`read_results` is the one
reader of the results file (the notebooks' benchmark paragraphs and the report's appendix use it).
"""
from __future__ import annotations

import json
from pathlib import Path

from .. import config

__all__ = ["BENCHMARKS", "RESULTS", "read_results"]

#: benchmark modules, in the order ``make bench`` runs them
BENCHMARKS = ("vgg", "neural_style", "quilting", "photowct", "smoothing", "munit", "textures", "report")
#: the results file ``make bench`` writes (committed)
RESULTS = config.BENCHMARKS / "results.json"


def read_results(path: str | Path | None = None) -> dict:
    """The benchmark results (:data:`RESULTS`, or ``path``): ``{benchmark: {figure: value, "_meta": {...}}}``.

    An absent file reads as ``{}`` (no benchmark run yet). ``RuntimeError`` naming the file when it is
    not valid JSON or not a JSON object.
    """
    path = RESULTS if path is None else Path(path)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"{path} is not valid JSON ({exc}); fix or delete it") from None
    if not isinstance(data, dict):
        raise RuntimeError(f"{path} must hold a JSON object, got {type(data).__name__}")
    return data
