"""Small helpers the notebooks share: set-up from the profile, tables.

Figures, numbered tables and prose are shown with :mod:`hw2.document` (re-exported here).

Notebooks stay thin: a ``parameters`` cell, calls into ``hw2``, and these helpers
to show results the same way everywhere.
"""
from __future__ import annotations

import os
import random
from typing import Sequence

import numpy as np

from . import config
from .profiles import PROFILES

__all__ = ["PROFILES", "setup", "show_figure", "markdown_table", "show_table", "in_papermill"]


def setup(profile: str, *, seed: int = 0) -> str:
    """Validate ``profile``, seed every generator, and configure torch and matplotlib.

    Returns the profile name. ``quick`` is the test profile (tiny sizes, seconds);
    ``full`` the report's.
    """
    if profile not in PROFILES:
        raise ValueError(f"PROFILE must be one of {PROFILES}, got {profile!r}")
    import matplotlib
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(max(1, os.cpu_count() or 1))
    # print sizes: a figure 7.5 in wide spans the report's text width at 1:1, so 9 pt text prints as 9 pt
    matplotlib.rcParams.update({"figure.dpi": 100, "savefig.dpi": 150, "font.size": 9, "legend.fontsize": 8,
                                "axes.titlesize": 9, "figure.figsize": (7.5, 3.2),
                                "figure.max_open_warning": 0})
    config.FIGURES.mkdir(parents=True, exist_ok=True)
    return profile


def _fmt(v) -> str:
    if isinstance(v, float):
        if v != v:
            return "n/a"
        return f"{v:.3g}" if abs(v) < 1e4 else f"{v:.0f}"
    return str(v)


def markdown_table(rows: Sequence[Sequence], headers: Sequence[str]) -> str:
    """A GitHub-flavoured markdown table; floats with 3 significant digits."""
    lines = ["| " + " | ".join(map(str, headers)) + " |", "|" + "---|" * len(headers)]
    for r in rows:
        if len(r) != len(headers):
            raise ValueError(f"row {r!r} has {len(r)} cells for {len(headers)} headers")
        lines.append("| " + " | ".join(_fmt(v) for v in r) + " |")
    return "\n".join(lines)


from .document import show_figure, show_table  # noqa: E402  (one way to show them)


def in_papermill() -> bool:
    """True when executed by papermill/nbclient (no live front end for widgets)."""
    return bool(os.environ.get("HW2_BATCH"))
