"""Benchmarks: ``python -m hw2.bench [--only NAME ...] [--quick]`` (``make bench``).

Each method has a module ``hw2.bench.<name>`` (calling the methods through :mod:`hw2.methods`) with a function
``run(*, quick: bool = False) -> dict`` returning JSON-able figures (numbers, or small dicts and
lists of them). The runner merges each method's figures under its own key into
``benchmarks/results.json`` (written atomically, other keys kept), adds the machine it ran on, and
prints a table. ``benchmarks/results.md`` is the same as a markdown table.
"""
from __future__ import annotations

#: benchmark modules, in the order ``make bench`` runs them
BENCHMARKS = ("vgg", "neural_style", "quilting", "photowct", "smoothing", "munit", "textures", "report")
