"""Bad input, part 2 (issue #20): the shared input gate and small/thin images.

Every public entry point reads its images through :func:`hw2.io.as_image`: the same
accepted forms, the same errors (naming the argument), the same hints. Then the sizes:
FastPhotoStyle, PhotoWCT, both smoothers and quilting return a result for 1x1, 7x7 and
1xN / Nx1 strips up to N = 2000; Neural Style and MUNIT raise the ValueError naming their
minimum.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from PIL import Image

from hw2 import io

RNG = np.random.default_rng(0)
IMG = RNG.random((6, 9, 3)).astype(np.float32)  # (H, W, 3) in [0, 1]
REF = torch.from_numpy(IMG.transpose(2, 0, 1).copy())[None]


# --------------------------------------------------------------------------- accepted forms
@pytest.mark.parametrize("form", ["hwc", "chw-array", "chw-tensor", "nchw-tensor", "nhwc-array", "uint8",
                                  "float64", "float16", "bfloat16", "pil", "path", "grey", "rgba"])
def test_gate_accepts_every_form(form, tmp_path):
    u8 = (IMG * 255 + 0.5).astype(np.uint8)
    x, want = {
        "hwc": (IMG, REF),
        "chw-array": (IMG.transpose(2, 0, 1), REF),
        "chw-tensor": (REF[0], REF),
        "nchw-tensor": (REF, REF),
        "nhwc-array": (IMG[None], REF),
        "uint8": (u8, torch.from_numpy(u8.transpose(2, 0, 1).astype(np.float32) / 255)[None]),
        "float64": (IMG.astype(np.float64), REF),
        "float16": (REF.half(), REF.half().float()),
        "bfloat16": (REF.bfloat16(), REF.bfloat16().float()),
        "pil": (Image.fromarray(u8), torch.from_numpy(u8.transpose(2, 0, 1).astype(np.float32) / 255)[None]),
        "path": (tmp_path / "x.png", torch.from_numpy(u8.transpose(2, 0, 1).astype(np.float32) / 255)[None]),
        "grey": (IMG[..., 0], REF[:, :1].expand(1, 3, 6, 9)),
        "rgba": (np.concatenate([IMG, np.ones((6, 9, 1), np.float32)], axis=2), REF),
    }[form]
    if form == "path":
        Image.fromarray(u8).save(x)
    out = io.as_image(x, name="content")
    assert out.shape == (1, 3, 6, 9) and out.dtype == torch.float32
    torch.testing.assert_close(out, want, atol=0, rtol=0)


def test_gate_keeps_a_valid_float32_tensor_exactly():
    """Valid input is passed through bit for bit (the notebooks' numbers cannot change)."""
    assert io.as_image(REF) is REF or torch.equal(io.as_image(REF), REF)
    assert np.array_equal(io.as_image_array(IMG.astype(np.float64), dtype=np.float64), IMG.astype(np.float64))


# --------------------------------------------------------------------------- rejected values
@pytest.mark.parametrize("bad, match", [
    (np.full((4, 4, 3), np.nan), "content holds 48 NaN"),
    (np.where(np.eye(4)[..., None] > 0, np.inf, 0.5).repeat(3, 2), "content holds 12 NaN or infinite"),
    (IMG * 255, "looks like 0–255; divide by 255"),
    (IMG * 2 - 1, r"looks like \[-1, 1\]"),
    (IMG * 1000, r"must hold values in \[0, 1\]"),
    (np.zeros((2, 4, 4, 3)), "single image, got a batch of 2"),
    (np.zeros((0, 4, 3)), "empty"),
    (np.zeros((5, 5, 2)), "must be an image"),
    (np.zeros((4,)), "must be an image"),
    (np.zeros((1, 1, 4, 4, 3)), "must be an image"),
])
def test_gate_rejects_with_the_argument_named(bad, match):
    with pytest.raises(ValueError, match=match) as err:
        io.as_image(bad, name="content")
    assert "content" in str(err.value)


@pytest.mark.parametrize("bad", [np.array([["a", "b"]]), np.zeros((4, 4, 3), complex), object()])
def test_gate_type_errors(bad):
    with pytest.raises(TypeError, match="style"):
        io.as_image(bad, name="style")


def test_gate_value_range_is_documented_and_mapped():
    out = io.as_image(IMG * 255, value_range=(0, 255))
    torch.testing.assert_close(out, REF, atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        io.as_image(IMG * 300 + 1, value_range=(0, 255))
    with pytest.raises(ValueError, match="value_range"):
        io.as_image(IMG, value_range=(1, 1))


def test_gate_float_rounding_is_clamped_not_rejected():
    x = REF.clone()
    x[0, 0, 0, 0] = 1.00001
    x[0, 1, 0, 0] = -1e-6
    out = io.as_image(x)
    assert float(out.max()) == 1.0 and float(out.min()) == 0.0


def test_gate_minimum_and_pixel_limit():
    with pytest.raises(ValueError, match=">= 8 px"):
        io.as_image(np.zeros((4, 40, 3)), min_side=8)
    with pytest.warns(io.ImageSizeWarning, match="above the limit of 400"):
        out = io.as_image(np.zeros((40, 40, 3)), max_pixels=400)
    assert out.shape[-2] * out.shape[-1] <= 400


# --------------------------------------------------------------------------- every entry point uses it
def _entry_points():
    from hw2 import fastphotostyle, metrics, munit, quilting
    from hw2.fastphotostyle import photowct, smoothing
    from hw2.fastphotostyle.labels import cluster
    import hw2.neural_style as ns

    small = dict(device="cpu")
    return {
        "fastphotostyle": lambda x: fastphotostyle.stylize(x, REF, smoothing=None, levels=["relu1_1"], **small),
        "photowct": lambda x: photowct.stylize(x, REF, levels=["relu1_1"], **small),
        "photowct.reconstruct": lambda x: photowct.reconstruct(x, "relu1_1", **small),
        "smooth_exact": lambda x: smoothing.smooth_exact(x, IMG),
        "guided_filter": lambda x: smoothing.guided_filter(IMG, x),
        "neural_style": lambda x: ns.stylize(x, REF, size=48, iterations=(1,), levels=1, progress=False, **small),
        "texture": lambda x: ns.synthesize_texture(x, size=48, iterations=(1,), progress=False, **small),
        "munit": lambda x: munit.load_model(device="cpu").translate(x, direction="photo2monet", seed=0),
        "quilting.synthesize": lambda x: quilting.synthesize(x, 8, block=4),
        "quilting.transfer": lambda x: quilting.transfer(IMG, x, block=4, passes=1),
        "metrics.ssim": lambda x: metrics.ssim(x, REF),
        "metrics.psnr": lambda x: metrics.psnr(REF, x),
        "metrics.style_distance": lambda x: metrics.style_distance(x, REF),
        "labels.joint_cluster_labels": lambda x: cluster.joint_cluster_labels(x, REF, k=2, device="cpu"),
    }


@pytest.mark.parametrize("entry", sorted(_entry_points()))
@pytest.mark.parametrize("case", ["0-255", "nan"])
def test_every_entry_point_rejects_through_the_gate(entry, case):
    x = IMG * 255 if case == "0-255" else np.where(np.arange(54).reshape(6, 9, 1) == 7, np.nan, IMG)
    with pytest.raises(ValueError, match="divide by 255" if case == "0-255" else "NaN"):
        _entry_points()[entry](x)


# --------------------------------------------------------------------------- small and thin images
SIZES = [(1, 1), (7, 7), (1, 2000), (2000, 1), (3, 2000)]


def _check(out, shape):
    out = getattr(out, "image", out)  # a method's Result
    out = out if isinstance(out, np.ndarray) else out.numpy()
    assert out.shape == shape
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("smoothing", ["exact", "fast", None])
def test_fastphotostyle_small_and_thin(size, smoothing):
    from hw2 import fastphotostyle

    c = torch.rand((1, 3) + size, generator=torch.Generator().manual_seed(1))
    res = fastphotostyle.stylize(c, REF, smoothing=smoothing, size=None, device="cpu")
    _check(res.image, (1, 3) + size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("method", ["photowct"])
def test_photowct_small_and_thin(size, method):
    from hw2.fastphotostyle import photowct

    c = torch.rand((1, 3) + size, generator=torch.Generator().manual_seed(2))
    _check(photowct.stylize(c, c, method=method, device="cpu"), (1, 3) + size)  # a tiny style too
    _check(photowct.reconstruct(c, "relu4_1", device="cpu"), (1, 3) + size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_smoothers_small_and_thin(size):
    from hw2.fastphotostyle import smoothing

    y, c = RNG.random(size + (3,)), RNG.random(size + (3,))
    out = smoothing.smooth_exact(y, c).image
    assert out.shape == (1, 3) + size and bool(out.isfinite().all())
    flat = smoothing.smooth_exact(np.full(size + (3,), 0.25), c, tol=1e-6).image  # a constant stays constant
    np.testing.assert_allclose(flat, 0.25, atol=1e-3)
    for sub in (1, 4):
        out = smoothing.guided_filter(y, c, subsample=sub).image
        assert out.shape == (1, 3) + size and bool(out.isfinite().all())
        np.testing.assert_allclose(smoothing.guided_filter(np.full(size + (3,), 0.5), c, subsample=sub).image, 0.5,
                                   atol=1e-4)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_quilting_small_and_thin(size):
    from hw2 import quilting

    tex = RNG.random((20, 20, 3))
    _check(quilting.synthesize(tex, size, block=8), (1, 3) + size)
    _check(quilting.transfer(tex, RNG.random(size + (3,)), block=8, passes=2), (1, 3) + size)


def test_quilting_texture_smaller_than_the_block_names_the_limit():
    from hw2 import quilting

    for tex in (np.zeros((1, 1, 3)), np.zeros((7, 7, 3)), np.zeros((1, 2000, 3))):
        with pytest.raises(ValueError, match="at most"):
            quilting.synthesize(tex, 16, block=8)
    _check(quilting.synthesize(np.full((7, 7, 3), 0.5), (1, 2000), block=7), (1, 3, 1, 2000))


@pytest.mark.parametrize("size", [(1, 1), (7, 7), (1, 2000), (2000, 1)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_neural_style_small_raises_naming_its_minimum(size):
    import hw2.neural_style as ns

    c = torch.rand((1, 3) + size)
    with pytest.raises(ValueError, match=r">= \d+ px"):
        ns.stylize(c, REF, size=None, iterations=(1,), levels=1, progress=False, device="cpu")
    with pytest.raises(ValueError, match=r">= \d+ px"):
        ns.synthesize_texture(REF, size=size, iterations=(1,), progress=False, device="cpu")


@pytest.mark.parametrize("size", [(1, 1), (7, 7), (1, 2000), (2000, 1)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_munit_small_raises_naming_its_minimum(size):
    from hw2 import munit
    from hw2.munit.model import MIN_INPUT_SIDE

    model = munit.load_model(device="cpu")
    with pytest.raises(ValueError, match=f">= {MIN_INPUT_SIDE} px"):
        model.translate(torch.rand((1, 3) + size), direction="photo2monet", seed=0)


def test_munit_inputs_dtypes_size_and_strips():
    from hw2 import munit
    from hw2.munit.model import MAX_WORK_PIXELS, MIN_SIZE

    model = munit.load_model(device="cpu")
    x = torch.rand(1, 3, 24, 32, generator=torch.Generator().manual_seed(3))
    ref = model.translate(x, direction="photo2monet", seed=0)
    for dtype in (torch.float64, torch.float16):  # was a raw dtype error
        out = model.translate(x.to(dtype), direction="photo2monet", seed=0)
        assert out.shape == ref.shape and torch.isfinite(out).all()
    torch.testing.assert_close(model.translate(x.double(), direction="photo2monet", seed=0), ref)
    for size in (0, -3, 2.5, MIN_SIZE - 1):  # was an InstanceNorm error
        with pytest.raises(ValueError, match=f">= {MIN_SIZE}"):
            model.translate(x, direction="photo2monet", seed=0, size=size)
    x_nan = x.clone()
    x_nan[0, 0, 3, 3] = float("nan")  # one NaN pixel used to make the whole output NaN
    with pytest.raises(ValueError, match="NaN"):
        model.translate(x_nan, direction="photo2monet", seed=0)
    with pytest.raises(ValueError, match="reference"):
        model.translate(x, direction="photo2monet", reference=x * 255)
    with pytest.warns(io.ImageSizeWarning, match="reduced"):  # a strip scaled to the model size
        out = munit.model.prepare(torch.rand(1, 3, 8, 8000), 80)
    assert out.shape[-2] * out.shape[-1] <= MAX_WORK_PIXELS * 1.01


def test_labelwise_wct_without_smoothing_rejects_nan():
    from hw2 import fastphotostyle

    c = REF.clone()
    c[0, 1, 2, 2] = float("nan")
    with pytest.raises(ValueError, match="content holds 1 NaN"):
        fastphotostyle.stylize(c, REF, content_labels=np.zeros((6, 9), int), style_labels=np.zeros((6, 9), int),
                               smoothing=None, device="cpu", levels=["relu1_1"])


def test_fastphotostyle_rejects_0_255_instead_of_a_white_image():
    from hw2 import fastphotostyle

    with pytest.raises(ValueError, match="divide by 255"):
        fastphotostyle.stylize(REF * 255, REF, smoothing=None, device="cpu")


def test_warnings_are_not_raised_for_valid_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        io.as_image(np.zeros((64, 64, 3)))
