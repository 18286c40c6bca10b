"""The set-up every notebook runs first: the profile checked, generators seeded, threads and plots configured.

Figures, numbered tables and prose are shown with :mod:`hw2.document`.
"""
from __future__ import annotations

import random

import numpy as np

from . import config
from .profiles import PROFILES
from .threads import configure as configure_threads

__all__ = ["setup"]


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
    configure_threads()  # one thread unless OMP_NUM_THREADS says otherwise (see hw2.threads)
    # print sizes: a figure 7.5 in wide spans the report's text width at 1:1, so 9 pt text prints as 9 pt
    matplotlib.rcParams.update({"figure.dpi": 100, "savefig.dpi": 150, "font.size": 9, "legend.fontsize": 8,
                                "axes.titlesize": 9, "figure.figsize": (7.5, 3.2),
                                "figure.max_open_warning": 0})
    config.FIGURES.mkdir(parents=True, exist_ok=True)
    return profile
