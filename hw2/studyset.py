"""The study set: every image the report shows or measures, shipped inside the package.

A TA who clones the project has none of our data folders, so the few images the
notebooks show or score travel with the code, under ``hw2/assets/study/``, listed in
``MANIFEST.json`` with their source, original name, licence and sha256. The study set
is served by name from the package and never goes through ``$HW2_DATA`` (which is only
for training data and whole-split benchmarks). No training image ships: the training splits
stay outside git.

Groups (ordered lists of file names; the order is the one the notebooks take prefixes of):

``monet``        the 25 Monet paintings of the monet2photo test split (``testA``)
``photo``        50 landscape photos of the test split (``testB``), the evaluation images
``monet_ref``    3 of the ``monet`` paintings used as MUNIT reference styles
``photo_ref``    3 test photos used as MUNIT reference styles
``landscape``    3 high-resolution photos (figures of notebook 02, 1 MP timings)
``photoreal``    3 photorealistic content/style pairs with colour-coded segmentation maps
``pairs``        the (photo, painting) pairs every method is compared on; our hand-made labelme
                 files (``hw2/assets/labels``) are keyed to their names

How the set was made (``python -m hw2._studyset_build --from DATA``, maintainers only; that tool imports
this module, never the other way round):
the monet2photo groups are seeded picks (:func:`hw2.data.pick`, seeds in the manifest) of
our working copy, copied byte for byte; the photorealistic pairs are resized to at most
512 px (content and style as JPEG quality 95, the maps with nearest-neighbour sampling as
PNG); the landscapes are copied unchanged.
"""
from __future__ import annotations

import argparse
import functools
import hashlib
import json
import sys
from pathlib import Path
from typing import Sequence

from . import config
from .errors import MissingResourceError

__all__ = ["STUDY_DIR", "MANIFEST", "GROUPS", "manifest", "files", "file", "pairs",
           "photoreal", "check", "size_bytes", "main"]

STUDY_DIR = config.ASSETS / "study"
MANIFEST = STUDY_DIR / "MANIFEST.json"
GROUPS = ("monet", "photo", "monet_ref", "photo_ref", "landscape", "photoreal")
PHOTOREAL_PARTS = ("content", "style", "content_seg", "style_seg")


_RESTORE = "The study set ships with the project: restore hw2/assets/study from git (`git checkout -- hw2/assets`)."


@functools.lru_cache(maxsize=1)
def manifest() -> dict:
    """The parsed ``MANIFEST.json`` (cached)."""
    if not MANIFEST.is_file():
        raise MissingResourceError(f"study-set manifest not found at {MANIFEST}. {_RESTORE}")
    return json.loads(MANIFEST.read_text())


def _path(rel: str) -> Path:
    p = STUDY_DIR / rel
    if not p.is_file():
        raise MissingResourceError(f"study-set file {rel!r} not found at {p}. {_RESTORE}")
    return p


def files(group: str, n: int | None = None) -> list[Path]:
    """The first ``n`` (default all) files of ``group``, in the manifest's order.

    Raises
    ------
    ValueError
        Unknown group, or ``n`` larger than the group.
    """
    groups = manifest()["groups"]
    if group not in groups or group == "photoreal":
        raise ValueError(f"unknown study-set group {group!r}; choose one of "
                         f"{[g for g in GROUPS if g != 'photoreal']}")
    names = groups[group]
    if n is not None and not 0 <= int(n) <= len(names):
        raise ValueError(f"asked for {n} images of study-set group {group!r}, which has {len(names)}")
    folder = manifest()["folders"][group]
    return [_path(f"{folder}/{name}") for name in names[: None if n is None else int(n)]]


def file(group: str, name: str) -> Path:
    """The file of ``group`` whose name or stem is ``name``."""
    for p in files(group):
        if name in (p.name, p.stem):
            return p
    raise ValueError(f"no image named {name!r} in study-set group {group!r}; it has "
                     f"{[p.stem for p in files(group)]}")


def pairs() -> list[tuple[Path, Path]]:
    """The ``(photo, painting)`` comparison pairs, in order."""
    folders = manifest()["folders"]
    return [(_path(f"{folders['photo']}/{a}"), _path(f"{folders['monet']}/{b}")) for a, b in manifest()["pairs"]]


def photoreal() -> list[dict]:
    """The photorealistic pairs: dicts with ``name`` and a path per part (content, style, maps)."""
    out = []
    for name in manifest()["groups"]["photoreal"]:
        entry = {"name": Path(name).stem}
        for part in PHOTOREAL_PARTS:
            matches = [e["path"] for e in manifest()["files"]
                       if e["path"].startswith(f"photoreal/{part}/") and Path(e["path"]).stem == Path(name).stem]
            if len(matches) != 1:
                raise MissingResourceError(f"photoreal pair {name!r} has no {part} file in the manifest. {_RESTORE}")
            entry[part] = _path(matches[0])
        out.append(entry)
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check() -> list[str]:
    """Problems with the shipped files (missing, altered, unlisted), as messages; empty when all is well."""
    problems, listed = [], set()
    for e in manifest()["files"]:
        p = STUDY_DIR / e["path"]
        listed.add(p.resolve())
        if not p.is_file():
            problems.append(f"missing: {e['path']}")
        elif _sha256(p) != e["sha256"]:
            problems.append(f"sha256 differs: {e['path']}")
    for p in STUDY_DIR.rglob("*"):
        if p.is_file() and p != MANIFEST and p.resolve() not in listed and "LICENSES" not in p.parts:
            problems.append(f"not in the manifest: {p.relative_to(STUDY_DIR)}")
    return problems


def size_bytes() -> int:
    """Total size of the study set on disk (images, maps, licences and manifest)."""
    return sum(p.stat().st_size for p in STUDY_DIR.rglob("*") if p.is_file())


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m hw2.studyset [check]``: verify every shipped file against the manifest (exit 1 on a problem).

    Rebuilding the set is the maintainers' ``python -m hw2._studyset_build --from DATA``.
    """
    parser = argparse.ArgumentParser(prog="python -m hw2.studyset", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd")
    sub.add_parser("check", help="verify every shipped file against the manifest (the default)")
    parser.parse_args(argv)
    problems = check()
    for msg in problems:
        print(f"[studyset] {msg}")
    n = len(manifest()["files"])
    print(f"[studyset] {n} files, {size_bytes() / 2**20:.2f} MiB, " + ("all match" if not problems else
                                                                        f"{len(problems)} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
