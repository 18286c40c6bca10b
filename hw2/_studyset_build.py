"""Maintainers' tool: (re)build the shipped study set from our working copy of the data.

Run as ``python -m hw2._studyset_build --from DATA``. This is the only code that knows the
file names of our local copy; everything else reads the study set through
:mod:`hw2.studyset`. The seeds and names below are the record of how the set was chosen.
This module imports :mod:`hw2.data` and :mod:`hw2.studyset`; neither imports it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Sequence

from PIL import Image

from . import studyset
from .data import images_in, pick

#: seeded picks from the monet2photo splits (group -> split, count, seed)
PICKS = {
    "monet": ("testA", 25, 0),
    "photo": ("testB", 50, 0),
    "monet_ref": ("testA", 3, 1),
    "photo_ref": ("testB", 3, 1),
}
FOLDERS = {"monet": "monet", "monet_ref": "monet", "photo": "photo", "photo_ref": "photo",
           "landscape": "landscape"}
#: the comparison pairs: the first three photos and paintings of the seeded test picks (seed 0)
PAIRS = (("9e0a0d54b5.jpg", "8314acfd35.jpg"), ("aee36ebffb.jpg", "e3112413b1.jpg"),
         ("1451c82e2f.jpg", "8cfd45a2e2.jpg"))
LANDSCAPES = ("plasma_EveningGlow.jpg", "plasma_Path.jpg", "mate_nature_Garden.jpg")
PHOTOREAL = ("lst_in16", "lst_in26", "wct2_in00")
PHOTOREAL_MAX_SIDE = 512

KAGGLE = ("Kaggle competition 'I'm Something of a Painter Myself' (gan-getting-started), a subset of the "
          "CycleGAN monet2photo data set (Zhu et al. 2017), split {split}")
LICENCES = {
    "monet": ("public domain (Claude Monet, 1840-1926; reproductions of 2-D public-domain works)",
              "LICENSES/MONET_PUBLIC_DOMAIN.md"),
    "photo": ("CycleGAN data set terms: Flickr photos collected by Zhu et al. for research use; "
              "redistributed here for non-commercial research and teaching only", "LICENSES/CYCLEGAN_PHOTOS.md"),
    "lst": ("BSD-2-Clause (LinearStyleTransfer repository, Li et al. 2019)", "LICENSES/BSD-2-Clause_LinearStyleTransfer.txt"),
    "wct2": ("MIT (WCT2 repository, Yoo et al. 2019)", "LICENSES/MIT_WCT2.txt"),
    "plasma": ("CC-BY-SA-4.0 (KDE plasma-workspace-wallpapers, Debian package)", "LICENSES/COPYRIGHT.plasma"),
    "mate_nature": ("GPL-2+ (MATE mate-backgrounds, Debian package)", "LICENSES/COPYRIGHT.mate_nature"),
}


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def build(source: Path, dest: Path) -> dict:
    """Copy the chosen files from ``source`` into ``dest`` and write ``dest/MANIFEST.json``."""
    source, dest = Path(source), Path(dest)
    for sub in {*FOLDERS.values(), "photoreal"}:
        shutil.rmtree(dest / sub, ignore_errors=True)
    groups, entries = {}, {}

    def add(rel: str, src: Path, *, source_text: str, original: str, licence_key: str, note: str = "") -> None:
        text, lic_file = LICENCES[licence_key]
        entries[rel] = {"path": rel, "source": source_text, "original_name": original, "licence": text,
                        "licence_file": lic_file, "modified": note, "sha256": _sha(dest / rel)}

    for group, (split, n, seed) in PICKS.items():
        chosen = pick(images_in(source / "monet2photo" / split), n, seed=seed)
        groups[group] = [p.name for p in chosen]
        for p in chosen:
            rel = f"{FOLDERS[group]}/{p.name}"
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dest / rel)
            add(rel, p, source_text=KAGGLE.format(split=split), original=f"{split}/{p.name}",
                licence_key="monet" if split.endswith("A") else "photo", note="unchanged")
    for photo, painting in PAIRS:
        if photo not in groups["photo"] or painting not in groups["monet"]:
            raise ValueError(f"pair {photo, painting} is not in the picked groups")
    groups["landscape"] = list(LANDSCAPES)
    for name in LANDSCAPES:
        rel = f"landscape/{name}"
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / "landscapes" / name, dest / rel)
        add(rel, source / "landscapes" / name, source_text="Debian wallpaper packages (see licence file)",
            original=name, licence_key=name.split("_")[0] if name.startswith("plasma") else "mate_nature",
            note="unchanged")
    groups["photoreal"] = list(PHOTOREAL)
    for name in PHOTOREAL:
        repo = "WCT2 repository (clovaai/WCT2), examples/" if name.startswith("wct2") else \
            "LinearStyleTransfer repository (sunshineatnoon/LinearStyleTransfer), data/"
        sizes = {}
        for part in ("content", "style", "content_seg", "style_seg"):
            src = source / "photoreal" / part / f"{name}.png"
            with Image.open(src) as im:
                im = im.convert("RGB")
            if part in ("content", "style"):
                scale = min(1.0, PHOTOREAL_MAX_SIDE / max(im.size))
                sizes[part] = (round(im.width * scale), round(im.height * scale))
                out = im.resize(sizes[part], Image.Resampling.LANCZOS) if scale < 1 else im
                rel, note = f"photoreal/{part}/{name}.jpg", f"resized to {out.size[0]}x{out.size[1]}, JPEG q95"
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                out.save(dest / rel, quality=95)
            else:
                target = sizes[part.removesuffix("_seg")]
                out = im.resize(target, Image.Resampling.NEAREST) if target != im.size else im
                rel, note = f"photoreal/{part}/{name}.png", f"resized to {out.size[0]}x{out.size[1]} (nearest), RGB PNG"
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                out.save(dest / rel, optimize=True)
            add(rel, src, source_text=repo, original=f"{part}/{name}.png", licence_key=name.split("_")[0], note=note)
    data = {
        "description": "hw2 study set: every image the report shows or measures (see hw2/studyset.py)",
        "picks": {g: {"split": s, "n": n, "seed": seed} for g, (s, n, seed) in PICKS.items()},
        "folders": FOLDERS,
        "groups": groups,
        "pairs": [list(p) for p in PAIRS],
        "files": [entries[k] for k in sorted(entries)],
    }
    (dest / "MANIFEST.json").write_text(json.dumps(data, indent=1) + "\n")
    return data


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m hw2._studyset_build --from DATA``: rebuild ``hw2/assets/study`` and check it."""
    parser = argparse.ArgumentParser(prog="python -m hw2._studyset_build", description=__doc__.split("\n")[0])
    parser.add_argument("--from", dest="source", type=Path, required=True,
                        help="folder holding monet2photo/, photoreal/ and landscapes/ (our working copy)")
    args = parser.parse_args(argv)
    build(args.source, studyset.STUDY_DIR)
    studyset.manifest.cache_clear()
    return studyset.main(["check"])


if __name__ == "__main__":
    sys.exit(main())
