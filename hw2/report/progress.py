"""Per-cell run times of the last successful build, for the progress lines of the next one.

A build writes ``timings.json`` into its report folder::

    {"profile": "full", "notebooks": {"02_neural_style": 641.7, ...},
     "cells": {"02_neural_style": {"<cell id>": 12.3, ...}, ...}, "pdf": ..., "pdf_error": ...}

A cell is keyed by its notebook cell id (stable while the notebook is edited), papermill's
injected parameters by ``"injected-parameters"``, and a cell without an id by ``"#<index>"``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

__all__ = ["cell_key", "last_cells", "TIMINGS"]

#: the timings file's name inside a report folder
TIMINGS = "timings.json"


def cell_key(cell, index: int) -> str:
    """The key of a cell's time in ``timings.json`` (see the module docstring)."""
    if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
        return "injected-parameters"
    cid = cell.get("id")
    return str(cid) if cid else f"#{index}"


def last_cells(folders: Iterable[Path], *, profile: str) -> dict[str, dict[str, float]]:
    """Per notebook, the per-cell seconds of the first folder whose ``timings.json`` was built with ``profile``.

    Notebooks missing there are looked up in the next folders. Unreadable files count as absent.
    """
    found: dict[str, dict[str, float]] = {}
    for folder in folders:
        try:
            data = json.loads((Path(folder) / TIMINGS).read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or data.get("profile") != profile:
            continue
        for name, cells in (data.get("cells") or {}).items():
            if isinstance(cells, dict):
                found.setdefault(name, {k: float(v) for k, v in cells.items() if isinstance(v, (int, float))})
    return found
