"""hw2.io: every image mode, bad files, resizing, atomic saving, grids."""
from __future__ import annotations

import io as _io
import os

import numpy as np
import pytest
import torch
from PIL import Image

from hw2 import io


def _gradient(h=12, w=20):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // (w - 1), y * 255 // (h - 1), np.full_like(x, 128)], axis=2).astype(np.uint8)


def _check(t, shape):
    assert t.dtype == torch.float32
    assert tuple(t.shape) == shape
    assert float(t.min()) >= 0.0 and float(t.max()) <= 1.0


def test_rgb_png_round_trip_is_exact(tmp_path):
    arr = _gradient()
    Image.fromarray(arr).save(tmp_path / "a.png")
    t = io.load_image(tmp_path / "a.png")
    _check(t, (1, 3, 12, 20))
    np.testing.assert_array_equal((io.to_numpy(t) * 255).round().astype(np.uint8), arr)
    io.save_image(t, tmp_path / "b.png")
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "b.png")), arr)


@pytest.mark.parametrize("mode", ["L", "1", "CMYK", "YCbCr"])
def test_modes_convert_to_rgb(tmp_path, mode):
    im = Image.fromarray(_gradient()).convert(mode)
    suffix = ".jpg" if mode in ("CMYK", "YCbCr") else ".png"
    if mode == "YCbCr":
        suffix = ".tif"
    im.save(tmp_path / f"x{suffix}")
    t = io.load_image(tmp_path / f"x{suffix}")
    _check(t, (1, 3, 12, 20))
    if mode in ("L", "1"):
        assert torch.equal(t[:, 0], t[:, 1]) and torch.equal(t[:, 1], t[:, 2])


def test_rgba_is_composited_on_white(tmp_path):
    arr = np.zeros((4, 4, 4), np.uint8)
    arr[..., 0] = 255          # red
    arr[:2, :, 3] = 255        # top half opaque, bottom transparent
    Image.fromarray(arr, "RGBA").save(tmp_path / "a.png")
    t = io.load_image(tmp_path / "a.png")
    np.testing.assert_allclose(io.to_numpy(t)[0, 0], [1, 0, 0])
    np.testing.assert_allclose(io.to_numpy(t)[3, 0], [1, 1, 1])


def test_palette_with_and_without_transparency(tmp_path):
    base = Image.fromarray(_gradient()).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    base.save(tmp_path / "p.png")
    t = io.load_image(tmp_path / "p.png")
    np.testing.assert_allclose(io.to_numpy(t), np.asarray(base.convert("RGB")) / 255.0, atol=1e-6)
    base.info["transparency"] = 0
    base.save(tmp_path / "pt.png", transparency=0)
    _check(io.load_image(tmp_path / "pt.png"), (1, 3, 12, 20))


def test_16bit_grey_scaled_by_65535(tmp_path):
    arr = np.array([[0, 65535], [32768, 1000]], dtype=np.uint16)
    Image.fromarray(arr).save(tmp_path / "g16.png")
    t = io.load_image(tmp_path / "g16.png")
    np.testing.assert_allclose(io.to_numpy(t)[..., 0], arr / 65535.0, atol=1e-6)


def test_exif_rotation_is_applied(tmp_path):
    im = Image.fromarray(_gradient(10, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    im.save(tmp_path / "r.jpg", exif=exif)
    t = io.load_image(tmp_path / "r.jpg")
    assert tuple(t.shape) == (1, 3, 30, 10)


def test_missing_file_names_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.png"):
        io.load_image(tmp_path / "nope.png")


def test_corrupt_file_names_path(tmp_path):
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    with pytest.raises(io.ImageFileError, match="bad.jpg"):
        io.load_image(tmp_path / "bad.jpg")
    (tmp_path / "text.png").write_text("hello")
    with pytest.raises(io.ImageFileError, match="text.png"):
        io.load_image(tmp_path / "text.png")


def test_max_side_caps_large_images(tmp_path):
    Image.new("RGB", (3000, 1500), (10, 200, 30)).save(tmp_path / "big.jpg")
    t = io.load_image(tmp_path / "big.jpg", max_side=256)
    assert max(t.shape[-2:]) == 256 and tuple(t.shape[-2:]) == (128, 256)
    np.testing.assert_allclose(io.to_numpy(t)[64, 128], [10 / 255, 200 / 255, 30 / 255], atol=0.03)
    with pytest.raises(ValueError):
        io.load_image(tmp_path / "big.jpg", max_side=0)


def test_one_pixel_image(tmp_path):
    Image.new("RGB", (1, 1), (255, 0, 0)).save(tmp_path / "one.png")
    t = io.load_image(tmp_path / "one.png")
    assert tuple(t.shape) == (1, 3, 1, 1)
    assert tuple(io.resize_longest(t, 8, upscale=True).shape) == (1, 3, 8, 8)


def test_resize_longest():
    x = torch.rand(1, 3, 50, 100)
    assert tuple(io.resize_longest(x, 40).shape) == (1, 3, 20, 40)
    assert io.resize_longest(x, 400) is x or tuple(io.resize_longest(x, 400).shape) == (1, 3, 50, 100)
    assert tuple(io.resize_longest(x, 400, upscale=True).shape) == (1, 3, 200, 400)
    y = io.resize_longest(x, 70, multiple_of=8)
    assert y.shape[-1] % 8 == 0 and y.shape[-2] % 8 == 0
    with pytest.raises(ValueError):
        io.resize_longest(torch.rand(3, 4), 10)


def test_to_tensor_and_back():
    arr = np.random.default_rng(0).random((5, 7, 3)).astype(np.float32)
    t = io.to_tensor(arr)
    assert tuple(t.shape) == (1, 3, 5, 7)
    np.testing.assert_array_equal(io.to_numpy(t), arr)
    with pytest.raises(ValueError):
        io.to_tensor(np.zeros((0, 4, 3)))
    with pytest.raises(ValueError):
        io.to_tensor(np.zeros((4, 4, 2)))


def test_atomic_write_keeps_old_file_on_error(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with io.atomic_write(target, "w") as fh:
            fh.write("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]  # no temp file left


def test_save_image_jpeg_and_bad_suffix(tmp_path):
    t = torch.rand(1, 3, 8, 8)
    p = io.save_image(t, tmp_path / "sub" / "x.jpg")
    assert p.exists() and Image.open(p).size == (8, 8)
    with pytest.raises(ValueError, match="format"):
        io.save_image(t, tmp_path / "x.xyz")


def test_image_grid_titles_and_empty_cells():
    import matplotlib

    matplotlib.use("Agg")
    rows = [[torch.rand(1, 3, 8, 8), None], [np.zeros((8, 8, 3)), torch.rand(1, 3, 8, 8)]]
    fig = io.image_grid(rows, row_titles=["r1", "r2"], col_titles=["a", "b"])
    axes = fig.axes
    assert len(axes) == 4
    assert axes[0].get_title() == "a" and axes[1].get_title() == "b"
    assert axes[0].get_ylabel() == "r1" and axes[2].get_ylabel() == "r2"
    assert not axes[1].images and not axes[1].texts and axes[0].images  # the empty cell stays blank
    assert fig.get_figwidth() <= 7.5
    with pytest.raises(ValueError):
        io.image_grid(rows, row_titles=["only one"])
    buf = _io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:4] == b"\x89PNG"


def test_save_figure_atomic(tmp_path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1])
    p = io.save_figure(fig, "demo", folder=tmp_path)
    assert p == tmp_path / "demo.png" and p.stat().st_size > 0
    assert sorted(os.listdir(tmp_path)) == ["demo.png"]
