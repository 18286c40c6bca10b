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
HW2_REFERENCE
    Folder with reference weights used only as yardsticks in the benchmarks
    (``li2017_wct``). Default: ``../shared/reference``.
HW2_HOME
    Cache for downloads and other generated state. Default: ``~/.cache/hw2``.
HW2_DEVICE
    ``cpu``, ``cuda`` or ``auto`` (default): the torch device to compute on.
HW2_FIGURES
    Where notebooks save their figures (default ``figures/``). The report build points it
    at its staging folder so that a failed build never touches ``figures/``.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "ROOT", "PACKAGE", "NOTEBOOKS", "FIGURES", "REPORT", "REPORT_ONLY", "BENCHMARKS", "WEIGHTS",
    "ASSETS", "home", "data_root", "reference_root", "device",
]

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
NOTEBOOKS = ROOT / "notebooks"
_FIGURES_DEFAULT = ROOT / "figures"
FIGURES = (Path(os.environ["HW2_FIGURES"]).expanduser().resolve() if os.environ.get("HW2_FIGURES", "").strip()
           else _FIGURES_DEFAULT)
REPORT = ROOT / "report"
#: reports of single notebooks (``make report ONLY=02``): ``report/only/<names>/``, never the combined report
REPORT_ONLY = REPORT / "only"
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
    """Cache folder (``$HW2_HOME``, default ``~/.cache/hw2``); created on demand.

    Raises
    ------
    ValueError
        The folder cannot be created or written (the message names ``HW2_HOME``).
    """
    path = _env_path("HW2_HOME") or Path("~/.cache/hw2").expanduser()
    origin = "HW2_HOME" if os.environ.get("HW2_HOME", "").strip() else "the default cache (set HW2_HOME)"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"cannot create the cache folder {path} from {origin}: {exc.strerror or exc}; "
                         "set HW2_HOME to a writable folder") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ValueError(f"the cache folder {path} from {origin} is not writable; set HW2_HOME to a writable folder")
    return path


def data_root() -> Path:
    """Root folder of the data sets (``$HW2_DATA``; see module docstring)."""
    path = _env_path("HW2_DATA")
    if path is not None:
        return path
    if (_SHARED / "data").is_dir():
        return (_SHARED / "data").resolve()
    return home() / "data"


def reference_root() -> Path:
    """Folder of reference weights used only as yardsticks (``$HW2_REFERENCE``)."""
    return _env_path("HW2_REFERENCE") or (_SHARED / "reference").resolve()


def device():
    """The torch device to compute on (``$HW2_DEVICE``: ``auto``, ``cpu``, ``cuda``, ``cuda:N``).

    Raises ``ValueError`` naming ``HW2_DEVICE`` for an unknown or unavailable device.
    """
    import torch  # lazy on purpose: every module imports config, which stays free of torch

    want = os.environ.get("HW2_DEVICE", "auto").strip().lower() or "auto"
    if want == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(want)
    except RuntimeError:
        raise ValueError(f"HW2_DEVICE={want!r} is not a device; use auto, cpu or cuda") from None
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"HW2_DEVICE={want!r}: only auto, cpu and cuda are supported")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"HW2_DEVICE={want!r} but torch sees no CUDA GPU; use HW2_DEVICE=auto or cpu")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(f"HW2_DEVICE={want!r} but only {torch.cuda.device_count()} CUDA device(s) exist")
    return dev
