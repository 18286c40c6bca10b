"""The benchmarks appendix of the report: one readable row per headline figure of ``benchmarks/results.json``."""
from __future__ import annotations

__all__ = ["appendix_rows"]


def appendix_rows(results: dict | None = None) -> tuple[list[list], list[str]]:
    """Rows and headers of the benchmarks table (method, measure, value with unit, anchor, machine).

    ``results`` defaults to ``benchmarks/results.json``. (Placeholder: filled in by the report redesign.)
    """
    return [], ["method", "measure", "value", "anchor", "machine"]
