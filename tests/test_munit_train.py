"""Issue 21's pieces: the validation split, the sharpness ratio, DiffAugment, the benchmark's scoring."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from hw2 import data, metrics


# --------------------------------------------------------------------------- validation split
def _names(n: int, stem: str = "img") -> list[Path]:
    return [Path(f"/x/{stem}_{i:05d}.jpg") for i in range(n)]


def test_validation_split_is_deterministic_disjoint_and_complete():
    paths = _names(2000)
    fit, val = data.validation_split(paths)
    assert (fit, val) == data.validation_split(list(reversed(paths)))      # listing order does not matter
    assert not set(fit) & set(val) and sorted(fit + val) == sorted(paths)
    assert [p.name for p in val] == sorted(p.name for p in val)
    assert 0.08 < len(val) / len(paths) < 0.12                              # about VALIDATION_FRACTION = 0.1
    other = data.validation_split(paths, seed=1)[1]
    assert set(other) != set(val)                                           # the seed matters


def test_validation_split_is_stable_under_added_files_and_by_name_only():
    paths = _names(500)
    val = set(data.validation_split(paths)[1])
    grown = data.validation_split(paths + _names(300, "extra"))[1]
    assert {p for p in grown if p.name.startswith("img_")} == val           # no file changes sides
    moved = {Path("/elsewhere") / p.name for p in val}
    assert set(data.validation_split([Path("/elsewhere") / p.name for p in paths])[1]) == moved
    assert data.validation_split(paths, fraction=0.0)[1] == [] and data.validation_split(paths, fraction=1.0)[0] == []
    with pytest.raises(ValueError, match="fraction"):
        data.in_validation("a.jpg", fraction=1.5)


def test_monet2photo_parts(tmp_path, monkeypatch):
    root = tmp_path / "monet2photo"
    for split in data.MONET2PHOTO_SPLITS:
        (root / split).mkdir(parents=True)
        for i in range(40):
            Image.new("RGB", (4, 4)).save(root / split / f"{i:03d}.png")
    monkeypatch.setenv("HW2_DATA", str(tmp_path))
    whole = data.monet2photo("trainA")
    fit, val = data.monet2photo("trainA", part="fit"), data.monet2photo("trainA", part="validation")
    assert (fit, val) == data.validation_split(whole) and val
    with pytest.raises(ValueError, match="test split"):
        data.monet2photo("testA", part="fit")
    with pytest.raises(ValueError, match="part"):
        data.monet2photo("trainA", part="val")


# --------------------------------------------------------------------------- sharpness
def test_laplacian_energy_known_answers():
    assert metrics.laplacian_energy(torch.full((1, 3, 9, 9), 0.4)) == 0.0
    ramp = torch.linspace(0, 1, 9).expand(1, 3, 9, 9).contiguous()
    assert metrics.laplacian_energy(ramp) == pytest.approx(0.0, abs=1e-12)   # linear: no curvature
    dot = torch.zeros(1, 3, 5, 5)
    dot[..., 2, 2] = 1.0
    # interior 3 x 3 pixels: centre -4, its 4 neighbours +1, corners 0 -> (16 + 4) / 9
    assert metrics.laplacian_energy(dot) == pytest.approx(20 / 9)
    assert metrics.laplacian_energy([dot, torch.zeros(1, 3, 5, 5)]) == pytest.approx(10 / 9)


def test_sharpness_ratio_properties():
    g = torch.Generator().manual_seed(0)
    sharp = torch.rand(2, 3, 32, 32, generator=g)
    blurred = F.avg_pool2d(F.pad(sharp, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    assert metrics.sharpness(sharp, sharp) == pytest.approx(1.0)
    assert metrics.sharpness(blurred, sharp) < 0.5
    assert metrics.sharpness(sharp, blurred) > 2
    assert metrics.sharpness(torch.full((1, 3, 32, 32), 0.5), sharp) == 0.0
    # intensities of both sets scaled by one factor: the same ratio; one set only: the square of the factor
    assert metrics.sharpness(0.5 * blurred, 0.5 * sharp) == pytest.approx(metrics.sharpness(blurred, sharp))
    assert metrics.sharpness(0.5 * sharp, sharp) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="shorter sides"):
        metrics.sharpness(sharp, torch.rand(1, 3, 64, 64))
    with pytest.raises(ValueError, match="flat"):
        metrics.sharpness(sharp, torch.zeros(1, 3, 32, 32))
