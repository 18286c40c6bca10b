"""Named data sets: the shipped study set, monet2photo, and built-in photos.

* **The study set** (:mod:`hw2.studyset`): every image the report shows or measures ships
  inside the package and is served by name (:func:`study`, :func:`study_pairs`,
  :func:`photoreal_pairs`, :func:`landscapes`). It never goes through ``$HW2_DATA``.
* **monet2photo** (training sets, whole-split benchmarks): found in ``$HW2_DATA/monet2photo``
  or downloaded once from the public CycleGAN data set server into the cache
  (``$HW2_HOME``) with :mod:`pooch`, checked against the archive's published sha256, with a
  progress bar and resumption of an interrupted download. ``HW2_OFFLINE=1`` forbids the
  download. No code depends on the file names of a particular copy.

Every listing is sorted by file name, and images are chosen by name or by seed
(:func:`pick`), never by directory order.
"""
from __future__ import annotations

import hashlib
import os
import random
import shutil
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Sequence

from . import config, studyset
from .errors import MissingResourceError
from .io import to_tensor

__all__ = [
    "MONET2PHOTO_URL", "MONET2PHOTO_SHA256", "MONET2PHOTO_SPLITS", "monet2photo_root",
    "monet2photo", "download_monet2photo", "ResumableDownloader", "safe_extract", "PhotorealPair",
    "photoreal_pairs", "landscapes", "study", "builtin_photo", "BUILTIN_PHOTOS", "pick", "find", "study_pairs",
    "IMAGE_SUFFIXES", "images_in", "VALIDATION_FRACTION", "VALIDATION_SEED", "in_validation", "validation_split",
]

MONET2PHOTO_URL = "https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/monet2photo.zip"
#: sha256 and size of ``monet2photo.zip`` as published in TensorFlow Datasets' ``cycle_gan`` checksums
MONET2PHOTO_SHA256 = "88f91b00fc228f97c9411fbf1880ec1d119c98f1722e4cfcfaa2fb35fac05b04"
MONET2PHOTO_BYTES = 305_231_073
MONET2PHOTO_SPLITS = {"trainA": "Monet paintings (train)", "testA": "Monet paintings (test)",
                      "trainB": "photos (train)", "testB": "photos (test)"}
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
#: scikit-image sample photos that ship inside the package (no download)
BUILTIN_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")

_HOW_TO = ("Set HW2_DATA to a folder that holds monet2photo/ with the CycleGAN layout (trainA, testA, trainB, "
           "testB), e.g. the unpacked public monet2photo.zip: `export HW2_DATA=/path/to/data`; or unset "
           "HW2_OFFLINE to let hw2 download it (about 300 MB) into $HW2_HOME.")


def images_in(folder: Path) -> list[Path]:
    """The image files (by suffix, :data:`IMAGE_SUFFIXES`) directly in ``folder``, sorted by file name."""
    return sorted((p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
                  key=lambda p: p.name)


def _has_splits(root: Path) -> bool:
    return all((root / s).is_dir() for s in MONET2PHOTO_SPLITS)


def _offline() -> bool:
    return os.environ.get("HW2_OFFLINE", "0").strip().lower() in ("1", "true", "yes")


# --------------------------------------------------------------------------- monet2photo
def monet2photo_root(*, download: bool | None = None) -> Path:
    """Folder holding the monet2photo splits.

    Looks in ``$HW2_DATA/monet2photo``, then in the cache. If neither exists and
    ``download`` is true (default: true unless ``HW2_OFFLINE=1``), downloads the
    public archive into the cache.

    Raises
    ------
    MissingResourceError
        No local copy and the download is disabled or fails; says how to set ``HW2_DATA``.
    """
    local = config.data_root() / "monet2photo"
    if _has_splits(local):
        return local
    cached = config.home() / "data" / "monet2photo"
    if _has_splits(cached):
        return cached
    if download is None:
        download = not _offline()
    if not download:
        raise MissingResourceError(f"monet2photo not found in {local} or {cached} (HW2_OFFLINE=1 or "
                                   f"download=False). {_HOW_TO}")
    return download_monet2photo()


class ResumableDownloader:
    """A :mod:`pooch` downloader that resumes an interrupted download.

    pooch downloads into a fresh temporary file each time; this downloader keeps the
    bytes received so far in ``<archive>.part`` beside the cached archive, asks the server
    for the rest with an HTTP ``Range`` request, shows a progress bar, checks that the
    received length matches ``Content-Length``, and hands the complete file to pooch,
    which then checks its sha256.

    Parameters
    ----------
    part : path
        The partial file kept between attempts.
    timeout : float, keyword-only
        Seconds to wait for the server.
    progressbar : bool, keyword-only
    """

    def __init__(self, part: Path, *, timeout: float = 30.0, progressbar: bool = True, chunk: int = 1 << 20):
        self.part, self.timeout, self.progressbar, self.chunk = Path(part), timeout, progressbar, chunk

    def __call__(self, url: str, output_file, pooch_obj=None, check_only: bool = False):
        from tqdm.auto import tqdm  # lazy on purpose: tqdm.auto looks for a notebook front end

        start = self.part.stat().st_size if self.part.exists() else 0
        request = urllib.request.Request(url, headers={"Range": f"bytes={start}-"} if start else {})
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and start:  # the part file is already complete (or longer than the file)
                self.part.unlink()
                return self(url, output_file, pooch_obj, check_only)
            raise
        with response:
            if check_only:
                return True
            if start and response.status != 206:  # server ignored the range: start over
                start = 0
            length = response.headers.get("Content-Length")
            total = int(length) + start if length is not None else None
            received = start
            with open(self.part, "ab" if start else "wb") as fh, tqdm(
                    total=total, initial=start, unit="B", unit_scale=True, desc=self.part.name,
                    disable=not self.progressbar) as bar:
                while block := response.read(self.chunk):
                    fh.write(block)
                    received += len(block)
                    bar.update(len(block))
        if total is not None and received != total:
            raise OSError(f"download of {url} interrupted after {received} of {total} bytes; "
                          "run again to resume")
        out = Path(output_file if isinstance(output_file, (str, os.PathLike)) else output_file.name)
        shutil.copyfile(self.part, out)
        return None


def download_monet2photo(*, url: str = MONET2PHOTO_URL, dest: Path | None = None,
                         sha256: str | None = MONET2PHOTO_SHA256, progressbar: bool = True) -> Path:
    """Download (once), check and extract ``monet2photo.zip`` into ``dest`` (default the cache).

    The archive is fetched with :func:`pooch.retrieve` and :class:`ResumableDownloader`
    and must match ``sha256`` (the published checksum; ``None`` skips the check, for
    tests only). A cached archive that does not match is fetched again; a download that
    arrives corrupt is deleted, so the next call starts afresh.

    Raises
    ------
    MissingResourceError
        The download failed or the archive is not the monet2photo data set; the message
        says how to use a local copy instead.
    """
    import pooch  # lazy on purpose: only a download needs it

    dest = Path(dest) if dest is not None else config.home() / "data"
    dest.mkdir(parents=True, exist_ok=True)
    archive = dest / "monet2photo.zip"
    part = dest / "monet2photo.zip.part"
    try:
        pooch.retrieve(url, known_hash=f"sha256:{sha256}" if sha256 else None, fname=archive.name, path=dest,
                       downloader=ResumableDownloader(part, progressbar=progressbar))
    except ValueError as exc:  # pooch: hash mismatch (the bad file is already removed)
        part.unlink(missing_ok=True)
        raise MissingResourceError(f"the download of {url} did not match its published sha256 ({exc}); it was "
                                   f"deleted, run again to retry. {_HOW_TO}") from exc
    except Exception as exc:  # network errors come in many types (urllib, OSError, ...)
        raise MissingResourceError(f"could not download {url} ({exc}); no local copy of monet2photo either; "
                                   f"an interrupted download resumes on the next call. {_HOW_TO}") from exc
    part.unlink(missing_ok=True)
    tmp = dest / ".monet2photo.extracting"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        with zipfile.ZipFile(archive) as zf:
            safe_extract(zf, tmp)
    except zipfile.BadZipFile as exc:
        archive.unlink(missing_ok=True)
        raise MissingResourceError(f"{archive} is not a zip archive; it was deleted, run again to retry. "
                                   f"{_HOW_TO}") from exc
    inner = tmp / "monet2photo" if (tmp / "monet2photo").is_dir() else tmp
    if not _has_splits(inner):
        shutil.rmtree(tmp, ignore_errors=True)
        raise MissingResourceError(f"{archive} does not hold the monet2photo splits; delete it and retry")
    final = dest / "monet2photo"
    shutil.rmtree(final, ignore_errors=True)
    os.replace(inner, final)
    shutil.rmtree(tmp, ignore_errors=True)
    return final


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


def monet2photo(split: str, *, part: str | None = None, download: bool | None = None) -> list[Path]:
    """Sorted image paths of one monet2photo split (``trainA``, ``testA``, ``trainB``, ``testB``).

    ``part`` (training splits only): ``"fit"`` keeps the images training may use, ``"validation"`` the
    held-out ones models are chosen on (:func:`validation_split`); ``None`` (default) the whole split.
    """
    if split not in MONET2PHOTO_SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {sorted(MONET2PHOTO_SPLITS)}")
    if part not in (None, "fit", "validation"):
        raise ValueError(f"part must be None, 'fit' or 'validation', got {part!r}")
    if part is not None and not split.startswith("train"):
        raise ValueError(f"part={part!r} splits a training folder; {split!r} is a test split")
    paths = images_in(monet2photo_root(download=download) / split)
    if part is None:
        return paths
    fit, validation = validation_split(paths)
    return fit if part == "fit" else validation


# --------------------------------------------------------------------------- validation split
#: share of each training folder held out for model selection (recipes, temperature, checkpoints)
VALIDATION_FRACTION = 0.1
#: seed of the validation rule (:func:`in_validation`)
VALIDATION_SEED = 0


def in_validation(name: str, *, fraction: float = VALIDATION_FRACTION, seed: int = VALIDATION_SEED) -> bool:
    """Whether the file ``name`` belongs to the validation part of its training folder.

    The rule hashes the seed and the file name alone: ``u = sha256(f"{seed}/{name}")`` read as a number in
    [0, 1) (its first 8 bytes, big-endian, over 2^64); the file is held out when ``u < fraction``. So the
    choice is the same on every machine and in every listing order, and adding or removing other files never
    moves a file from one part to the other. The held-out count is about ``fraction`` of the folder (binomial).

    Parameters
    ----------
    name : str
        A file name (a path's directory is ignored).
    fraction : float in [0, 1], keyword-only
    seed : int, keyword-only
    """
    if not 0.0 <= float(fraction) <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    digest = hashlib.sha256(f"{seed}/{PurePosixPath(str(name).replace(chr(92), '/')).name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0 ** 64 < float(fraction)


def validation_split(paths: Sequence, *, fraction: float = VALIDATION_FRACTION,
                     seed: int = VALIDATION_SEED) -> tuple[list[Path], list[Path]]:
    """``(fit, validation)``: the paths sorted by file name and divided by :func:`in_validation`.

    The two lists are disjoint and together hold every path once.
    """
    ordered = sorted((Path(p) for p in paths), key=lambda p: p.name)
    held = [in_validation(p.name, fraction=fraction, seed=seed) for p in ordered]
    return [p for p, h in zip(ordered, held) if not h], [p for p, h in zip(ordered, held) if h]


# --------------------------------------------------------------------------- study set
@dataclass(frozen=True)
class PhotorealPair:
    """A photorealistic content/style pair with colour-coded segmentation maps."""
    name: str
    content: Path
    style: Path
    content_seg: Path
    style_seg: Path


def study(group: str, n: int | None = None) -> list[Path]:
    """The first ``n`` (default all) images of a study-set group (see :mod:`hw2.studyset`)."""
    return studyset.files(group, n)


def photoreal_pairs() -> list[PhotorealPair]:
    """The study set's photorealistic pairs (content, style and their colour-coded maps), by name."""
    return [PhotorealPair(**p) for p in studyset.photoreal()]


def landscapes() -> list[Path]:
    """The study set's high-resolution landscape photos, sorted by name."""
    return sorted(studyset.files("landscape"), key=lambda p: p.name)


def builtin_photo(name: str):
    """A scikit-image sample photo as a ``(1, 3, H, W)`` tensor (no download needed).

    ``name`` is one of :data:`BUILTIN_PHOTOS`.
    """
    if name not in BUILTIN_PHOTOS:
        raise ValueError(f"unknown built-in photo {name!r}; choose one of {BUILTIN_PHOTOS}")
    import skimage.data  # lazy on purpose: scikit-image is slow to import

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


def study_pairs(n: int = 3) -> list[tuple[Path, Path]]:
    """The first ``n`` (photo, Monet painting) pairs every method is compared on (study set).

    Our hand-made labelme maps (``hw2/assets/labels``) exist for exactly these images.
    """
    all_pairs = studyset.pairs()
    if not 1 <= int(n) <= len(all_pairs):
        raise ValueError(f"the study set has {len(all_pairs)} comparison pairs; asked for {n}")
    return all_pairs[: int(n)]
