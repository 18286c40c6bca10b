"""Every path the project uses, in one place.

Nothing here depends on the current working directory: papermill may execute a
notebook from anywhere, so all paths are derived from this file's location or
from environment variables.

Environment variables
---------------------
HW2_DATA
    Root of the *training* data (a folder holding ``monet2photo/`` with the CycleGAN
    layout, any file names), read by training and whole-split benchmarks only.
    Default: ``../shared/data`` beside the repository when it exists (our developers'
    copy), else ``$HW2_HOME/data``. The report never reads it: what it shows or measures
    ships with the package (:mod:`hw2.studyset`, :data:`ASSETS`).
HW2_MODELS
    Folder for optional extra models. The report's models ship with the package.
    Default: ``../shared/models`` beside the repository.
HW2_REFERENCE
    Folder with reference weights used only as yardsticks in the benchmarks
    (``li2017_wct``). Default: ``../shared/reference``.
HW2_HOME
    Cache for downloads and other generated state. Default: ``~/.cache/hw2``.
HW2_DEVICE
    ``cpu``, ``cuda`` or ``auto`` (default): the torch device to compute on.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "ROOT", "PACKAGE", "NOTEBOOKS", "FIGURES", "REPORT", "BENCHMARKS", "WEIGHTS",
    "ASSETS", "home", "data_root", "models_root", "reference_root", "device",
]

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
NOTEBOOKS = ROOT / "notebooks"
FIGURES = ROOT / "figures"
REPORT = ROOT / "report"
BENCHMARKS = ROOT / "benchmarks"
#: weights trained by this project, committed with the package
WEIGHTS = PACKAGE / "weights"
#: committed assets: the study set, hand-made label maps, third-party models with their licences
ASSETS = PACKAGE / "assets"
_SHARED = ROOT.parent / "shared"


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser().resolve() if value else None


def home() -> Path:
    """Cache folder (``$HW2_HOME``, default ``~/.cache/hw2``); created on demand."""
    path = _env_path("HW2_HOME") or Path("~/.cache/hw2").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_root() -> Path:
    """Root folder of the data sets (``$HW2_DATA``; see module docstring)."""
    path = _env_path("HW2_DATA")
    if path is not None:
        return path
    if (_SHARED / "data").is_dir():
        return (_SHARED / "data").resolve()
    return home() / "data"


def models_root() -> Path:
    """Folder of third-party models (``$HW2_MODELS``, default ``../shared/models``)."""
    return _env_path("HW2_MODELS") or (_SHARED / "models").resolve()


def reference_root() -> Path:
    """Folder of reference weights used only as yardsticks (``$HW2_REFERENCE``)."""
    return _env_path("HW2_REFERENCE") or (_SHARED / "reference").resolve()


def device():
    """The torch device to compute on (``$HW2_DEVICE``: ``auto``, ``cpu``, ``cuda``)."""
    import torch

    want = os.environ.get("HW2_DEVICE", "auto").strip().lower() or "auto"
    if want == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(want)
