"""Bad input, part 5 (issue #20): labelme files, bounded resources, environment variables,
availability checks and the remaining raw errors."""
from __future__ import annotations

import json
import time

import numpy as np
import pytest
import torch

from hw2 import config, io
from hw2.fastphotostyle.labels import functional as L


# --------------------------------------------------------------------------- labelme
def _doc(shapes, h=20, w=30):
    return {"imageHeight": h, "imageWidth": w, "shapes": shapes}


SQUARE = [[2, 2], [10, 2], [10, 10], [2, 10]]


@pytest.mark.parametrize("shape, match", [
    ("not a dict", "shape 1 is a str"),
    ({"label": "sky", "points": [[1, 2], [3]]}, r"shape 1 \('sky'\) has malformed points"),
    ({"label": "sky", "points": "xyz"}, "malformed points"),
    ({"label": "sky", "points": [[1, "a"], [2, 3], [4, 5]]}, "malformed points"),
    ({"label": "sky", "points": [[1, float("nan")], [8, 3], [4, 9]]}, "NaN or infinite coordinates"),
    ({"label": "sky", "points": [[1, 2], [float("inf"), 3], [4, 9]]}, "NaN or infinite coordinates"),
    ({"label": "sky", "points": [[1, 2], [3, 4]], "shape_type": "polygon"}, "needs >= 3"),
    ({"label": "unicorn", "points": SQUARE}, "not in the class table"),
])
def test_labelme_errors_name_file_and_shape(tmp_path, shape, match):
    f = tmp_path / "photo.json"
    f.write_text(json.dumps(_doc([{"label": "sky", "points": SQUARE}, shape]), allow_nan=True))
    with pytest.raises(ValueError, match=match) as err:
        L.read_labelme(f)
    assert "photo.json" in str(err.value)
    with pytest.raises(ValueError, match=match):  # also when scaled to another size
        L.read_labelme(f, size=(10, 15))


def test_labelme_image_size_is_bounded():
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="beyond"):
        L.read_labelme(_doc([{"label": "sky", "points": SQUARE}], h=100_000, w=100_000))
    assert time.perf_counter() - t0 < 5  # refused up front, nothing allocated
    with pytest.raises(ValueError, match=">= 1"):
        L.read_labelme(_doc([], h=0, w=5))
    # ... and a size= within the bound rasterises the same shapes scaled
    lab = L.read_labelme(_doc([{"label": "sky", "points": [[0, 0], [99_999, 0], [99_999, 49_999], [0, 49_999]]}],
                              h=100_000, w=100_000), size=(100, 100))
    assert lab.shape == (100, 100) and (lab[:45] == L.CLASSES.index("sky")).all() and (lab[55:] == 0).all()


# --------------------------------------------------------------------------- bounded resources
def test_guided_filter_radius_is_clamped_to_the_image():
    from hw2.fastphotostyle import smoothing

    rng = np.random.default_rng(0)
    y, c = rng.random((9, 13, 3)), rng.random((9, 13, 3))
    t0 = time.perf_counter()
    huge = smoothing.guided_filter(y, c, radius=10**9)
    assert time.perf_counter() - t0 < 5
    assert torch.equal(huge.image, smoothing.guided_filter(y, c, radius=13).image)
    np.testing.assert_array_equal(smoothing.box_filter(y.transpose(2, 0, 1), 10**9),
                                  smoothing.box_filter(y.transpose(2, 0, 1), 13))
    with pytest.raises(ValueError, match="radius"):
        smoothing.guided_filter(y, c, radius=-1)


def test_label_ids_are_mapped_compactly():
    lab = np.array([[0, 10**15], [3, 2**40]])
    rgb = L.label_to_rgb(lab)  # used to allocate a palette of 10**15 colours
    assert rgb.shape == (2, 2, 3) and rgb.dtype == np.float32 and 0 <= rgb.min() and rgb.max() <= 1
    assert not np.array_equal(rgb[0, 1], rgb[1, 1])
    np.testing.assert_array_equal(L.label_to_rgb(lab), rgb)  # seeded
    np.testing.assert_array_equal(L.relabel(lab, {10**15: 5, 3: 1}), [[0, 5], [1, 0]])
    np.testing.assert_array_equal(L.relabel(lab, [7, 8, 9, 10], default=-1), [[7, -1], [10, -1]])
    small = np.arange(12).reshape(3, 4)  # ordinary ids: the colours of the seeded table, as before
    pal = np.random.default_rng(0).integers(30, 256, size=(max(12, len(L.CLASSES)), 3))
    for i, c in enumerate(L.CLASSES):
        pal[i] = L.CLASS_COLORS[c]
    np.testing.assert_array_equal(L.label_to_rgb(small), (pal[small] / 255.0).astype(np.float32))


# --------------------------------------------------------------------------- environment
def test_hw2_home_errors_name_the_variable(tmp_path, monkeypatch):
    f = tmp_path / "a-file"
    f.write_text("x")
    monkeypatch.setenv("HW2_HOME", str(f))
    with pytest.raises(ValueError, match="HW2_HOME"):
        config.home()
    monkeypatch.setenv("HW2_HOME", str(f / "sub"))
    with pytest.raises(ValueError, match="HW2_HOME"):
        config.home()


@pytest.mark.parametrize("value", ["gpu", "cuda:banana", "mps"] + ([] if torch.cuda.is_available() else ["cuda"]))
def test_hw2_device_errors_name_the_variable(monkeypatch, value):
    monkeypatch.setenv("HW2_DEVICE", value)
    with pytest.raises(ValueError, match="HW2_DEVICE"):
        config.device()


def test_hw2_device_valid_values(monkeypatch):
    monkeypatch.setenv("HW2_DEVICE", " CPU ")
    assert config.device() == torch.device("cpu")
    monkeypatch.setenv("HW2_DEVICE", "")
    assert config.device().type in ("cpu", "cuda")


def test_decoders_available_reports_missing_and_corrupt_files(tmp_path, monkeypatch):
    from hw2 import fastphotostyle
    from hw2.fastphotostyle.photowct import models

    monkeypatch.setattr(config, "WEIGHTS", tmp_path)  # our WCT decoders: missing
    models._wct_decoder.cache_clear()
    try:
        ok, why = fastphotostyle.decoders_available("wct", ["relu1_1"])
    finally:
        models._wct_decoder.cache_clear()
    assert ok is False and "not found" in why
    monkeypatch.setattr(config, "WEIGHTS", tmp_path)  # our decoders: a corrupt file
    (tmp_path / "photowct_relu1_1.pth").write_bytes(b"garbage")
    ok, why = fastphotostyle.decoders_available("photowct", ["relu1_1"])
    assert ok is False and "sha256" in why
    with pytest.raises(ValueError, match="unknown method"):
        fastphotostyle.decoders_available("nope")


# --------------------------------------------------------------------------- remaining raw errors
def test_ssim_with_mismatched_channels():
    from hw2 import metrics

    with pytest.raises(ValueError, match="a has 3 channel.*b has 1"):
        metrics.ssim(torch.rand(1, 3, 8, 8), torch.rand(1, 1, 8, 8))
    with pytest.raises(ValueError, match="data_range"):
        metrics.psnr(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8), data_range=0)
    a = torch.rand(1, 3, 16, 16)
    b = (a + 0.1 * torch.rand(1, 3, 16, 16)).clamp(0, 1)
    assert metrics.psnr(a * 255, b * 255, data_range=255) == pytest.approx(metrics.psnr(a, b), rel=1e-5)
    assert metrics.ssim(a * 255, b * 255, data_range=255) == pytest.approx(metrics.ssim(a, b), rel=1e-4)


@pytest.mark.parametrize("passes", [2.0, "2", 0, True, None])
def test_quilting_transfer_passes_must_be_an_int(passes):
    from hw2 import quilting

    with pytest.raises(ValueError, match="passes must be an integer"):
        quilting.transfer(np.zeros((12, 12, 3)), np.zeros((9, 9, 3)), block=6, passes=passes)


def test_save_image_rgba_as_jpeg_and_nan(tmp_path):
    rgba = np.random.default_rng(0).random((5, 6, 4))
    with pytest.raises(ValueError, match="JPEG cannot store the alpha"):
        io.save_image(rgba, tmp_path / "x.jpg")
    io.save_image(rgba, tmp_path / "x.png")  # PNG keeps it
    assert io.load_image(tmp_path / "x.png").shape == (1, 3, 5, 6)
    bad = torch.rand(1, 3, 4, 4)
    bad[0, 1, 2, 2] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        io.save_image(bad, tmp_path / "nan.png")
    with pytest.raises(ValueError, match="shape"):
        io.save_image(np.zeros((4, 4, 2)), tmp_path / "two.png")
    assert not (tmp_path / "nan.png").exists() and not (tmp_path / "x.jpg").exists()


def test_colour_label_maps_in_0_255_floats_are_refused_not_collapsed():
    from hw2.fastphotostyle.labels import colors_to_labels

    seg = np.zeros((4, 6, 3))
    seg[:, 3:] = [200.0, 30.0, 10.0]  # two colours, as 0-255 floats
    with pytest.raises(ValueError, match="divide by 255"):
        colors_to_labels(seg)
    (lab,) = colors_to_labels(seg / 255)
    assert len(np.unique(lab)) == 2
    (lab8,) = colors_to_labels(seg.astype(np.uint8))
    assert np.array_equal(lab8, lab)


def test_weights_fix_message_does_not_advise_the_step_that_broke_the_file():
    from hw2 import weights
    from hw2.fastphotostyle.photowct import models

    fix = weights.get(models.weights_name("relu1_1")).fix
    assert "git checkout" in fix and "--register" in fix
