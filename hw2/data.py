"""Named data sets: monet2photo, photoreal pairs, landscapes, and built-in photos.

Data are never committed. They are found under :func:`hw2.config.data_root`
(``$HW2_DATA``); ``monet2photo`` alone can also be downloaded once from the public
CycleGAN data set server into the cache (``$HW2_HOME``) when no local copy exists.

Every listing is sorted by file name, and the images a notebook shows are chosen
by name (:func:`find`) or by seed (:func:`pick`), never by directory order.
"""
from __future__ import annotations

import os
import random
import shutil
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Sequence

from . import config
from .io import atomic_write

__all__ = [
    "DatasetNotFoundError", "MONET2PHOTO_URL", "MONET2PHOTO_SPLITS", "monet2photo_root", "monet2photo",
    "download_monet2photo", "safe_extract", "PhotorealPair", "photoreal_pairs", "landscapes",
    "builtin_photo", "BUILTIN_PHOTOS", "pick", "find", "study_pairs", "IMAGE_SUFFIXES",
]

MONET2PHOTO_URL = "https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/monet2photo.zip"
MONET2PHOTO_SPLITS = {"trainA": "Monet paintings (train)", "testA": "Monet paintings (test)",
                      "trainB": "photos (train)", "testB": "photos (test)"}
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
#: scikit-image sample photos that ship inside the package (no download)
BUILTIN_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")

_HOW_TO = ("Set HW2_DATA to a folder that holds monet2photo/ (trainA, testA, trainB, testB), "
           "photoreal/ and landscapes/, e.g. `export HW2_DATA=/path/to/shared/data`")


class DatasetNotFoundError(FileNotFoundError):
    """A data set is neither available locally nor downloadable; the message says what to do."""


def _images_in(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
                  key=lambda p: p.name)


def _has_splits(root: Path) -> bool:
    return all((root / s).is_dir() for s in MONET2PHOTO_SPLITS)


# --------------------------------------------------------------------------- monet2photo
def monet2photo_root(*, download: bool | None = None) -> Path:
    """Folder holding the monet2photo splits.

    Looks in ``$HW2_DATA/monet2photo``, then in the cache. If neither exists and
    ``download`` is true (default: true unless ``HW2_OFFLINE=1``), downloads the
    public archive into the cache.

    Raises
    ------
    DatasetNotFoundError
        No local copy and the download is disabled or fails; says how to set ``HW2_DATA``.
    """
    local = config.data_root() / "monet2photo"
    if _has_splits(local):
        return local
    cached = config.home() / "data" / "monet2photo"
    if _has_splits(cached):
        return cached
    if download is None:
        download = os.environ.get("HW2_OFFLINE", "0") not in ("1", "true", "yes")
    if not download:
        raise DatasetNotFoundError(f"monet2photo not found in {local} or {cached}. {_HOW_TO}")
    return download_monet2photo()


def download_monet2photo(*, url: str = MONET2PHOTO_URL, dest: Path | None = None) -> Path:
    """Download and extract ``monet2photo.zip`` into ``dest`` (default the cache).

    The download shows a progress bar, resumes a partial ``.part`` file with an
    HTTP range request, and the archive is extracted with :func:`safe_extract`.
    """
    dest = Path(dest) if dest is not None else config.home() / "data"
    dest.mkdir(parents=True, exist_ok=True)
    archive = dest / "monet2photo.zip"
    if not archive.exists():
        _download(url, archive)
    tmp = dest / ".monet2photo.extracting"
    shutil.rmtree(tmp, ignore_errors=True)
    with zipfile.ZipFile(archive) as zf:
        safe_extract(zf, tmp)
    inner = tmp / "monet2photo" if (tmp / "monet2photo").is_dir() else tmp
    if not _has_splits(inner):
        raise DatasetNotFoundError(f"{archive} does not hold the monet2photo splits; delete it and retry")
    final = dest / "monet2photo"
    shutil.rmtree(final, ignore_errors=True)
    os.replace(inner, final)
    shutil.rmtree(tmp, ignore_errors=True)
    return final


def _download(url: str, target: Path, *, chunk: int = 1 << 20) -> None:
    from tqdm.auto import tqdm

    part = target.with_name(target.name + ".part")
    start = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={start}-"} if start else {})
    try:
        response = urllib.request.urlopen(request, timeout=30)
    except (urllib.error.URLError, OSError) as exc:
        raise DatasetNotFoundError(
            f"could not download {url} ({exc}); no local copy of monet2photo either. {_HOW_TO}") from exc
    with response:
        if start and response.status != 206:  # server ignored the range: start over
            start = 0
        total = response.headers.get("Content-Length")
        total = int(total) + start if total is not None else None
        with open(part, "ab" if start else "wb") as fh, tqdm(
                total=total, initial=start, unit="B", unit_scale=True, desc=target.name) as bar:
            while True:
                block = response.read(chunk)
                if not block:
                    break
                fh.write(block)
                bar.update(len(block))
    os.replace(part, target)


def safe_extract(zf: zipfile.ZipFile, target: Path) -> None:
    """Extract a zip archive, refusing entries that would land outside ``target``.

    Raises
    ------
    ValueError
        An entry is absolute, contains ``..``, or is a symbolic link.
    """
    target = Path(target).resolve()
    for info in zf.infolist():
        name = info.filename
        pure = PurePosixPath(name.replace("\\", "/"))
        is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
        dest = (target / pure).resolve()
        if pure.is_absolute() or ".." in pure.parts or is_link or not dest.is_relative_to(target):
            raise ValueError(f"refusing to extract unsafe archive entry {name!r}")
    target.mkdir(parents=True, exist_ok=True)
    zf.extractall(target)


def monet2photo(split: str, *, download: bool | None = None) -> list[Path]:
    """Sorted image paths of one monet2photo split (``trainA``, ``testA``, ``trainB``, ``testB``)."""
    if split not in MONET2PHOTO_SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {sorted(MONET2PHOTO_SPLITS)}")
    return _images_in(monet2photo_root(download=download) / split)


# --------------------------------------------------------------------------- photoreal
@dataclass(frozen=True)
class PhotorealPair:
    """A photorealistic content/style pair with colour-coded segmentation maps."""
    name: str
    content: Path
    style: Path
    content_seg: Path
    style_seg: Path


def photoreal_pairs() -> list[PhotorealPair]:
    """All pairs under ``$HW2_DATA/photoreal`` (content/, style/, content_seg/, style_seg/), by name."""
    root = config.data_root() / "photoreal"
    if not (root / "content").is_dir():
        raise DatasetNotFoundError(f"photoreal pairs not found in {root}. {_HOW_TO}")
    pairs = []
    for content in _images_in(root / "content"):
        parts = {k: root / k / content.name for k in ("style", "content_seg", "style_seg")}
        if all(p.is_file() for p in parts.values()):
            pairs.append(PhotorealPair(content.stem, content, **parts))
    return pairs


def landscapes() -> list[Path]:
    """High-resolution landscape photos under ``$HW2_DATA/landscapes``, sorted by name."""
    root = config.data_root() / "landscapes"
    if not root.is_dir():
        raise DatasetNotFoundError(f"landscapes not found in {root}. {_HOW_TO}")
    return _images_in(root)


def builtin_photo(name: str):
    """A scikit-image sample photo as a ``(1, 3, H, W)`` tensor (no download needed).

    ``name`` is one of :data:`BUILTIN_PHOTOS`.
    """
    if name not in BUILTIN_PHOTOS:
        raise ValueError(f"unknown built-in photo {name!r}; choose one of {BUILTIN_PHOTOS}")
    import skimage.data

    from .io import to_tensor

    return to_tensor(getattr(skimage.data, name)())


# --------------------------------------------------------------------------- choosing
def pick(items: Sequence, n: int, *, seed: int = 0) -> list:
    """``n`` distinct items (paths, or anything with a ``name``) chosen with ``seed``.

    The items are sorted by name first, so the choice does not depend on listing order.
    """
    ordered = sorted(items, key=lambda p: p.name if hasattr(p, "name") else Path(p).name)
    if not 0 <= n <= len(ordered):
        raise ValueError(f"asked for {n} items but only {len(ordered)} are available")
    return random.Random(seed).sample(ordered, n)


def find(paths: Sequence[Path], name: str) -> Path:
    """The path whose file name (or stem) is ``name``."""
    for p in paths:
        p = Path(p)
        if name in (p.name, p.stem):
            return p
    raise FileNotFoundError(f"no image named {name!r} among {len(paths)} files")


def study_pairs(n: int = 3, *, seed: int = 0) -> list[tuple[Path, Path]]:
    """The (photo, Monet painting) pairs every method is compared on, from the test splits.

    Chosen with ``seed`` (:func:`pick`), so every notebook shows the same pairs.
    """
    photos = pick(monet2photo("testB"), n, seed=seed)
    paintings = pick(monet2photo("testA"), n, seed=seed)
    return list(zip(photos, paintings))
