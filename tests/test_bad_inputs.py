"""Bad input across the public API: each gets a clear error or a documented fallback, and nothing is lost.

Method-specific bad inputs (label maps, checkpoints, interrupted training) live beside each method's
tests too; this module gathers the cross-cutting ones in one place.
"""
from __future__ import annotations

import resource
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from hw2 import data, io, weights

BAD_INPUTS_TRIED = []


def _tried(name):
    BAD_INPUTS_TRIED.append(name)


def test_missing_image(tmp_path):
    _tried("missing file")
    with pytest.raises(FileNotFoundError, match="missing.jpg"):
        io.load_image(tmp_path / "missing.jpg")


@pytest.mark.parametrize("content", [b"", b"GIF89a broken", b"\x89PNG\r\n\x1a\n" + b"\0" * 20])
def test_corrupt_image(tmp_path, content):
    _tried("corrupt image")
    f = tmp_path / "broken.png"
    f.write_bytes(content)
    with pytest.raises(io.ImageFileError, match="broken.png"):
        io.load_image(f)


def test_truncated_jpeg(tmp_path):
    _tried("truncated jpeg")
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(tmp_path / "t.jpg")
    raw = (tmp_path / "t.jpg").read_bytes()
    (tmp_path / "t.jpg").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(io.ImageFileError, match="t.jpg"):
        io.load_image(tmp_path / "t.jpg")


@pytest.mark.parametrize("mode", ["L", "LA", "RGBA", "P", "I;16", "CMYK", "1", "F"])
def test_every_mode_loads_as_rgb(tmp_path, mode):
    _tried(f"mode {mode}")
    base = Image.fromarray(np.random.default_rng(1).integers(0, 255, (9, 7, 3), dtype=np.uint8))
    if mode == "I;16":
        im = Image.fromarray((np.arange(63, dtype=np.uint16).reshape(9, 7) * 1000))
    elif mode == "F":
        im = Image.fromarray(np.linspace(0, 1, 63, dtype=np.float32).reshape(9, 7))
    else:
        im = base.convert(mode)
    suffix = {"CMYK": ".jpg", "F": ".tif"}.get(mode, ".png")
    im.save(tmp_path / f"m{suffix}")
    t = io.load_image(tmp_path / f"m{suffix}")
    assert tuple(t.shape) == (1, 3, 9, 7) and t.dtype == torch.float32
    assert 0.0 <= float(t.min()) and float(t.max()) <= 1.0


def test_one_by_one_image_through_vgg(tmp_path):
    _tried("1x1 image")
    Image.new("RGB", (1, 1), (9, 9, 9)).save(tmp_path / "one.png")
    t = io.load_image(tmp_path / "one.png")
    from hw2.vgg import vgg19

    feats = vgg19("relu3_1", device="cpu").encode(t, ["relu1_1", "relu3_1"])
    assert feats["relu3_1"].shape[-2:] == (1, 1)


def test_huge_image_is_capped_without_memory_blowup(tmp_path):
    _tried("10000x10000 image")
    f = tmp_path / "huge.jpg"
    Image.new("RGB", (10000, 10000), (120, 30, 200)).save(f, quality=70)
    code = ("import resource, hw2.io as io; t = io.load_image(r'%s'); "
            "print(tuple(t.shape), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)" % f)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(")")
    shape = tuple(int(v) for v in out[0].strip("( ").split(","))
    peak_mb = int(out[1])
    assert shape == (1, 3, io.DEFAULT_MAX_SIDE, io.DEFAULT_MAX_SIDE)
    assert peak_mb < 1500, f"peak RSS {peak_mb} MB while loading a capped 10000x10000 JPEG"


def test_missing_weights_and_checksum(tmp_path, monkeypatch):
    _tried("missing weights")
    monkeypatch.setenv("HW2_HOME", str(tmp_path))
    weights.register(weights.WeightsEntry("bad_input_w", "cache", "w.pth", "0" * 64, "none", fix="Train it."))
    try:
        with pytest.raises(weights.WeightsError, match="Train it"):
            weights.load_state_dict("bad_input_w")
    finally:
        weights.REGISTRY.pop("bad_input_w")


def test_missing_dataset(tmp_path, monkeypatch):
    _tried("missing dataset")
    monkeypatch.setenv("HW2_DATA", str(tmp_path))
    monkeypatch.setenv("HW2_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HW2_OFFLINE", "1")
    with pytest.raises(data.DatasetNotFoundError, match="HW2_DATA"):
        data.monet2photo("trainA")


def test_wrong_tensor_shapes():
    _tried("wrong tensor shape")
    with pytest.raises(ValueError):
        io.to_numpy(torch.rand(2, 3, 4, 4))
    with pytest.raises(ValueError):
        io.resize_longest(torch.rand(1, 4, 8, 8), 4)
    from hw2.vgg import vgg19

    with pytest.raises(ValueError):
        vgg19("relu1_1", device="cpu")(torch.rand(1, 1, 8, 8))
