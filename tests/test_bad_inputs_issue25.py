"""Bad input, part 6 (issue #25): the last silent wrong results and raw errors of the input probe.

Each case asserts the exception type and that the message names the argument (or the file); beside
each, the valid inputs next to it keep their answers. Cases: the loose converter ``hw2.io.to_tensor``
(now through the gate), ``save_image`` and ``image_grid`` (0-255 floats), the smoothing solvers'
parameters (``maxiter=0``, ``eps=nan``, ``tol=inf``), quilting's float options (NaN tolerance, blur,
shrink), labelme files (coordinates of 1e30, not UTF-8), colour label maps with NaN, SSIM of
1-pixel-high images, MUNIT style codes and reference batches, and the scalar checks they share.
"""
from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
from PIL import Image

from hw2 import io, metrics, quilting
from hw2.checks import check_integer, check_number
from hw2.fastphotostyle import smoothing
from hw2.fastphotostyle.labels import colors, functional as L
from hw2.quilting import functional as QF

from conftest import TINY_MUNIT

NAN, INF = float("nan"), float("inf")
RNG = np.random.default_rng(25)
IMG = RNG.random((12, 14, 3)).astype(np.float32)  # (H, W, 3) in [0, 1]


def _raises(exc, fn, *names):
    """``fn()`` raises ``exc`` whose message contains every one of ``names``; returns the message."""
    with pytest.raises(exc) as err:
        fn()
    msg = str(err.value)
    for name in names:
        assert name in msg, f"{name!r} not in {msg!r}"
    return msg


# --------------------------------------------------------------------------- shared scalar checks
@pytest.mark.parametrize("value", [NAN, INF, -INF, -0.1, "0.1", None, True, 1j])
def test_check_number_rejects_non_finite_and_non_numbers(value):
    _raises(ValueError, lambda: check_number(value, "tolerance", low=0.0), "tolerance", "finite number >= 0")


@pytest.mark.parametrize("value", [NAN, INF, 2.5, "3", None, True, 0, 10 ** 400])
def test_check_integer_rejects_fractions_nan_and_out_of_range(value):
    _raises(ValueError, lambda: check_integer(value, "maxiter", low=1), "maxiter", "integer >= 1")


def test_checks_keep_valid_values():
    assert check_number(0.1, "t", low=0) == 0.1 and check_number(np.float32(0.5), "a", low=0, high=1) == 0.5
    assert check_number(1, "a", low=0, high=1) == 1.0
    assert check_integer(32.0, "block", low=2) == 32 and isinstance(check_integer(np.int64(3), "n"), int)
    assert check_integer(10 ** 9, "radius", low=0) == 10 ** 9
    with pytest.raises(ValueError, match=r"in \(0, 1\)"):
        check_number(1.0, "tol", low=0, high=1, low_open=True, high_open=True)


# --------------------------------------------------------------------------- hw2.io.to_tensor
@pytest.mark.parametrize("bad, match", [
    (IMG * 255, "looks like 0–255; divide by 255"),
    ((IMG * 255).astype(np.int64), "looks like 0–255; divide by 255"),
    (np.full((4, 4, 3), np.nan, np.float32), "holds 48 NaN"),
    (torch.full((1, 3, 4, 4), INF), "holds 48 NaN or infinite"),
    (torch.rand(2, 3, 4, 4), r"\(1, 3, H, W\) or \(3, H, W\) tensor, got shape \(2, 3, 4, 4\)"),
    (torch.rand(1, 1, 4, 4), "tensor, got shape"),
    (np.zeros((4, 4, 2)), r"\(H, W\), \(H, W, 3\) or \(H, W, 4\) array"),
    (np.zeros((1, 4, 4, 3)), "array, got shape"),
    (np.zeros((0, 4, 3)), "empty"),
])
def test_to_tensor_goes_through_the_gate(bad, match):
    with pytest.raises(ValueError, match=match) as err:
        io.to_tensor(bad, name="painting")
    assert "painting" in str(err.value)


def test_to_tensor_keeps_its_valid_forms():
    u8 = (IMG * 255 + 0.5).astype(np.uint8)
    torch.testing.assert_close(io.to_tensor(u8), torch.from_numpy(u8.transpose(2, 0, 1).astype(np.float32) / 255)[None],
                               atol=0, rtol=0)
    u16 = (IMG * 65535).astype(np.uint16)
    torch.testing.assert_close(io.to_tensor(u16)[0, 0], torch.from_numpy(u16[..., 0] / np.float32(65535)),
                               atol=0, rtol=0)
    t = io.to_tensor(IMG)
    assert t.dtype == torch.float32 and np.array_equal(io.to_numpy(t), IMG)
    assert torch.equal(io.to_tensor(t), t) and torch.equal(io.to_tensor(t[0]), t)
    rgba = np.concatenate([IMG, np.zeros((12, 14, 1), np.float32)], axis=2)
    assert torch.equal(io.to_tensor(rgba), t)  # alpha dropped
    grey = io.to_tensor(IMG[..., 0])
    assert grey.shape == (1, 3, 12, 14) and torch.equal(grey[0, 0], grey[0, 2])
    mask = io.to_tensor(np.eye(4, dtype=np.int64))  # integer 0/1 is in range
    assert torch.equal(mask[0, 1], torch.eye(4))
    assert torch.equal(io.to_tensor(Image.fromarray(u8)), io.to_tensor(u8))


def test_load_image_of_a_float_tiff_with_nan_names_the_file(tmp_path):
    arr = np.full((5, 6), 0.5, np.float32)
    arr[2, 3] = np.nan
    Image.fromarray(arr, mode="F").save(tmp_path / "nan.tif")
    _raises(ValueError, lambda: io.load_image(tmp_path / "nan.tif"), "nan.tif", "NaN")


# --------------------------------------------------------------------------- save_image, image_grid
@pytest.mark.parametrize("bad, match", [
    (IMG * 255, "looks like 0–255; divide by 255"),
    (torch.from_numpy(IMG.transpose(2, 0, 1).copy())[None] * 255, "looks like 0–255"),
    ((IMG * 255).astype(np.int64), "looks like 0–255"),
    (IMG * 2 - 1, r"looks like \[-1, 1\]"),
    (IMG + 0.01, r"must hold values in \[0, 1\]"),
    (np.where(IMG > 0.5, np.nan, IMG), "NaN"),
])
def test_save_image_refuses_values_outside_0_1(tmp_path, bad, match):
    with pytest.raises(ValueError, match=match) as err:
        io.save_image(bad, tmp_path / "out.png")
    assert "out.png" in str(err.value) and "image" in str(err.value)
    assert not (tmp_path / "out.png").exists()


def test_save_image_valid_inputs_are_written_as_before(tmp_path):
    u8 = (IMG * 255 + 0.5).astype(np.uint8)
    io.save_image(IMG, tmp_path / "f.png")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "f.png")), u8)
    near = IMG.astype(np.float64)
    near[0, 0] = [1 + 5e-5, -5e-5, 0.5]  # float rounding past the ends: clamped, as before
    io.save_image(near, tmp_path / "n.png")
    assert np.asarray(Image.open(tmp_path / "n.png"))[0, 0].tolist() == [255, 0, 128]
    io.save_image(u8, tmp_path / "u8.png")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "u8.png")), u8)
    io.save_image(np.eye(3, dtype=bool), tmp_path / "mask.png")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "mask.png")), np.eye(3, dtype=np.uint8) * 255)
    io.save_image(np.full((2, 2), 32896, np.uint16), tmp_path / "u16.png")  # scaled by 1/65535, not clipped
    assert (np.asarray(Image.open(tmp_path / "u16.png")) == 128).all()


def test_image_grid_refuses_0_255_floats_naming_the_cell():
    import matplotlib.pyplot as plt

    with pytest.raises(ValueError, match="looks like 0–255") as err:
        io.image_grid([[IMG, IMG * 255]])
    assert "rows[0][1]" in str(err.value)
    plt.close(io.image_grid([[IMG, (IMG * 255).astype(np.uint8)], [None, torch.from_numpy(IMG).permute(2, 0, 1)]]))


# --------------------------------------------------------------------------- smoothing parameters
@pytest.mark.parametrize("kw, name", [
    (dict(maxiter=0), "maxiter"), (dict(maxiter=2.5), "maxiter"), (dict(maxiter=NAN), "maxiter"),
    (dict(eps=NAN), "eps"), (dict(eps=INF), "eps"), (dict(eps=0), "eps"), (dict(eps=-1e-7), "eps"),
    (dict(tol=INF), "tol"), (dict(tol=1.0), "tol"), (dict(tol=NAN), "tol"), (dict(tol=0), "tol"),
    (dict(lam=NAN), "lam"), (dict(lam=INF), "lam"),
])
def test_smooth_exact_parameters_that_cannot_work(kw, name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # refused up front: no "did not converge" warning, no NaN image
        _raises(ValueError, lambda: smoothing.smooth_exact(IMG, IMG, **kw), name)


def test_smoothing_siblings_name_their_argument():
    _raises(ValueError, lambda: smoothing.smooth_direct(IMG, IMG, eps=NAN), "eps")
    _raises(ValueError, lambda: smoothing.affinity_stencil(IMG, eps=INF), "eps")
    _raises(ValueError, lambda: smoothing.matting_laplacian(IMG, eps=NAN), "eps")
    _raises(ValueError, lambda: smoothing.affinity_stencil(IMG, chunk_rows=0), "chunk_rows")
    _raises(ValueError, lambda: smoothing.guided_filter(IMG, IMG, eps=INF), "eps")
    _raises(ValueError, lambda: smoothing.guided_filter(IMG, IMG, eps=NAN), "eps")
    _raises(ValueError, lambda: smoothing.guided_filter(IMG, IMG, subsample=NAN), "subsample")
    _raises(ValueError, lambda: smoothing.guided_filter(IMG, IMG, subsample=1.5), "subsample")
    _raises(ValueError, lambda: smoothing.guided_filter(IMG, IMG, radius=NAN), "radius")
    _raises(ValueError, lambda: smoothing.box_filter(IMG.transpose(2, 0, 1), 1.5), "radius")


def test_smoothing_valid_parameters_still_work():
    with pytest.warns(RuntimeWarning, match="did not converge in 1 iterations"):
        one = smoothing.smooth_exact(IMG, IMG, maxiter=1, tol=1e-12)  # one iteration: a warning, a real image
    info = one.info["smoothing_info"]
    assert info.iterations == 1 and not info.converged and one.image.max() > 0
    out = smoothing.smooth_exact(IMG, IMG, maxiter=50.0)  # an integral float is an integer
    assert out.info["smoothing_info"].converged and torch.isfinite(out.image).all()
    st, _ = smoothing.affinity_stencil(IMG, chunk_rows=3)
    assert np.allclose(st, smoothing.affinity_stencil(IMG)[0])
    assert torch.equal(smoothing.guided_filter(IMG, IMG, subsample=2.0).image,
                       smoothing.guided_filter(IMG, IMG, subsample=2).image)


# --------------------------------------------------------------------------- quilting options
TEX = RNG.random((16, 16, 3))


@pytest.mark.parametrize("call, name", [
    (lambda: quilting.synthesize(TEX, 16, block=6, tolerance=NAN), "tolerance"),
    (lambda: quilting.synthesize(TEX, 16, block=6, tolerance=INF), "tolerance"),
    (lambda: quilting.synthesize(TEX, 16, block=6, tolerance="0.1"), "tolerance"),
    (lambda: quilting.transfer(TEX, IMG, block=6, passes=1, tolerance=NAN), "tolerance"),
    (lambda: quilting.transfer(TEX, IMG, block=6, passes=1, blur=NAN), "blur"),
    (lambda: quilting.transfer(TEX, IMG, block=6, passes=1, blur=INF), "blur"),
    (lambda: quilting.transfer(TEX, IMG, block=6, passes=1, alpha=NAN), "alpha"),
    (lambda: quilting.synthesize(TEX, 16, block=NAN), "block size"),
    (lambda: quilting.synthesize(TEX, 16, block=6.5), "block size"),
    (lambda: quilting.synthesize(TEX, 16, block=6, overlap=NAN), "overlap"),
    (lambda: quilting.synthesize(TEX, INF, block=6), "size"),
    (lambda: quilting.synthesize(TEX, (16, 2.5), block=6), "size"),
    (lambda: quilting.pass_blocks(12, 2, shrink=NAN), "shrink"),
    (lambda: quilting.pass_blocks(12, 2, shrink=1.5), "shrink"),
    (lambda: quilting.alpha_schedule(NAN), "passes"),
    (lambda: QF.correspondence_map(IMG, blur=NAN), "blur"),
    (lambda: QF.select_candidate(np.ones((3, 3)), tolerance=NAN, rng=np.random.default_rng(0)), "tolerance"),
    (lambda: quilting.seam_ratio(IMG, 6, 6), "overlap"),
    (lambda: quilting.seam_ratio(IMG * 255, 6, 1), "divide by 255"),
])
def test_quilting_options_that_cannot_work(call, name):
    _raises(ValueError, call, name)


def test_quilting_naive_and_study_siblings():
    from hw2.quilting import study
    from hw2.quilting.naive import naive_synthesize

    _raises(ValueError, lambda: naive_synthesize(TEX, 12, block=6, tolerance=NAN), "tolerance")
    _raises(ValueError, lambda: study.centre_crop(IMG, NAN), "crop side")


def test_quilting_valid_options_unchanged():
    a = quilting.synthesize(TEX, 20, block=6, tolerance=0.0, seed=3)
    b = quilting.synthesize(TEX, 20, block=6.0, tolerance=0, seed=3)  # integral floats are integers
    assert torch.equal(a.image, b.image)
    assert quilting.pass_blocks(36, 3) == [36, 24, 16] and quilting.alpha_schedule(2) == [0.1, 0.9]
    from hw2.quilting import study

    assert np.array_equal(study.centre_crop(IMG, 4.0), IMG[4:8, 5:9])


# --------------------------------------------------------------------------- labelme files
def _doc(points, h=20, w=30):
    return {"imageHeight": h, "imageWidth": w, "shapes": [{"label": "sky", "points": points}]}


@pytest.mark.parametrize("far", [1e30, -1e30, 3e9, 1e6 + 1])
def test_labelme_coordinates_far_outside_are_refused(tmp_path, far):
    f = tmp_path / "photo.json"
    f.write_text(json.dumps(_doc([[0, 0], [far, 0], [29, 19], [0, 19]])))
    msg = _raises(ValueError, lambda: L.read_labelme(f), "photo.json", "shape 0", "'sky'", "far outside")
    assert f"{far:g}" in msg
    _raises(ValueError, lambda: L.read_labelme(f, size=(10, 15)), "photo.json", "far outside")
    _raises(ValueError, lambda: L.rasterize_shapes(_doc([[0, 0], [far, 0], [0, 5]])["shapes"], (20, 30)),
            "labelme data", "far outside")


def test_labelme_coordinates_outside_the_image_within_the_limit_are_exact():
    """A rectangle from -1e5 to x = 10 covers exactly columns 0..10 (Pillow fills the outline too)."""
    big = 1e5
    lab = L.read_labelme(_doc([[-big, -big], [10, -big], [10, big], [-big, big]]))
    want = np.zeros((20, 30), np.int64)
    want[:, :11] = L.CLASSES.index("sky")
    assert np.array_equal(lab, want)


def test_labelme_file_that_is_not_utf8_names_the_file(tmp_path):
    doc = dict(_doc([[0, 0], [9, 0], [9, 9]]), imagePath="café.jpg")
    (tmp_path / "latin1.json").write_bytes(json.dumps(doc, ensure_ascii=False).encode("latin-1"))
    _raises(ValueError, lambda: L.read_labelme(tmp_path / "latin1.json"), "latin1.json", "UTF-8")
    # UTF-8 (with and without a byte-order mark) and UTF-16 read the same map
    want = L.read_labelme(doc)
    for name, data in (("utf8.json", json.dumps(doc, ensure_ascii=False).encode("utf-8")),
                       ("bom.json", b"\xef\xbb\xbf" + json.dumps(doc, ensure_ascii=False).encode("utf-8")),
                       ("utf16.json", json.dumps(doc, ensure_ascii=False).encode("utf-16"))):
        (tmp_path / name).write_bytes(data)
        assert np.array_equal(L.read_labelme(tmp_path / name), want)


@pytest.mark.parametrize("size", [(NAN, 5), (10,), (0, 5), (10, 2.5), "10x5"])
def test_labelme_size_must_be_two_integers(size):
    _raises(ValueError, lambda: L.read_labelme(_doc([[0, 0], [9, 0], [9, 9]]), size=size), "size")


def test_labelme_header_overflow_is_a_clear_error(tmp_path):
    f = tmp_path / "inf.json"
    f.write_text(json.dumps({"imageHeight": INF, "imageWidth": 5, "shapes": []}, allow_nan=True))
    _raises(ValueError, lambda: L.read_labelme(f), "inf.json", "not a labelme annotation")


# --------------------------------------------------------------------------- colour label maps
def _two_colours():
    seg = np.zeros((4, 6, 3))
    seg[:, 3:] = [0.8, 0.1, 0.05]
    return seg


def test_colour_label_map_with_nan_is_refused_without_a_cast_warning():
    seg = _two_colours()
    seg[0, 0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "invalid value encountered in cast" was the only sign
        _raises(ValueError, lambda: colors.read_color_labels(_two_colours(), seg), "label map 1", "NaN")
        _raises(ValueError, lambda: colors.colors_to_labels(seg), "segmentation 0", "NaN")


@pytest.mark.parametrize("bad", [_two_colours() * 255, (_two_colours() * 255).astype(np.int64)])
def test_colour_label_maps_in_0_255_are_refused(bad):
    _raises(ValueError, lambda: colors.read_color_labels(bad), "label map 0", "divide by 255")


def test_colour_label_maps_valid_forms_agree():
    seg = _two_colours()
    (lab,) = colors.read_color_labels(seg)
    assert np.array_equal(lab, np.repeat([[0, 0, 0, 1, 1, 1]], 4, axis=0))
    u8 = (seg * 255 + 0.5).astype(np.uint8)
    for form in (u8, seg.astype(np.float32), torch.from_numpy(u8).permute(2, 0, 1)[None],  # uint8 tensor: scaled
                 torch.from_numpy(seg).permute(2, 0, 1)[None].float(), Image.fromarray(u8)):
        assert np.array_equal(colors.read_color_labels(form)[0], lab)
    _raises(ValueError, lambda: colors.read_color_labels(seg, min_fraction=NAN), "min_fraction")
    _raises(ValueError, lambda: L.merge_small_regions(lab, min_fraction=NAN), "min_fraction")


# --------------------------------------------------------------------------- SSIM of small images
def _ssim_1d(x: np.ndarray, y: np.ndarray, win: int = 11, sigma: float = 1.5) -> float:
    """SSIM of two rows with a 1-D Gaussian window (Wang et al. 2004), written out."""
    k = np.arange(win) - (win - 1) / 2
    g = np.exp(-k ** 2 / (2 * sigma ** 2))
    g /= g.sum()
    vals = []
    for s in range(len(x) - win + 1):
        a, b = x[s:s + win], y[s:s + win]
        ma, mb = g @ a, g @ b
        va, vb, cov = g @ a ** 2 - ma ** 2, g @ b ** 2 - mb ** 2, g @ (a * b) - ma * mb
        c1, c2 = 0.01 ** 2, 0.03 ** 2
        vals.append((2 * ma * mb + c1) * (2 * cov + c2) / ((ma ** 2 + mb ** 2 + c1) * (va + vb + c2)))
    return float(np.mean(vals))


def test_ssim_of_one_pixel_high_images_uses_a_window_along_the_row():
    x = np.linspace(0, 1, 40)
    y = x[::-1].copy()
    t = lambda v: torch.from_numpy(v).float().view(1, 1, 1, -1)  # noqa: E731
    assert metrics.ssim(t(x), t(y)) == pytest.approx(_ssim_1d(x, y), abs=1e-5)
    assert metrics.ssim(t(x), t(y)) < 0  # a reversed ramp is anti-correlated; a 1x1 window said 0.56
    noise = RNG.random(40)
    assert metrics.ssim(t(x), t(noise)) == pytest.approx(_ssim_1d(x, noise), abs=1e-5)
    # the same along a column, and for 3 channels (the mean over channels)
    assert metrics.ssim(t(x).transpose(-1, -2), t(y).transpose(-1, -2)) == pytest.approx(_ssim_1d(x, y), abs=1e-5)
    assert metrics.ssim(t(x).expand(1, 3, 1, 40), t(y).expand(1, 3, 1, 40)) == pytest.approx(_ssim_1d(x, y), abs=1e-5)


def test_ssim_square_windows_unchanged():
    """Images at least as large as the window, and square ones, get the window as before."""
    a, b = torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8)
    assert metrics.ssim(a, b) == pytest.approx(metrics.ssim(a, b, win_size=7), abs=0)
    assert metrics.ssim(a, b, win_size=8) == metrics.ssim(a, b, win_size=7)  # even: one less


@pytest.mark.parametrize("kw, name", [(dict(win_size=NAN), "win_size"), (dict(win_size=0), "win_size"),
                                      (dict(win_size=2.5), "win_size"), (dict(sigma=NAN), "sigma"),
                                      (dict(sigma=0), "sigma"), (dict(sigma=INF), "sigma")])
def test_ssim_options(kw, name):
    a = torch.rand(1, 3, 16, 16)
    _raises(ValueError, lambda: metrics.ssim(a, a, **kw), name)


def test_metric_options_name_their_argument():
    a = torch.rand(1, 3, 16, 16)
    _raises(ValueError, lambda: metrics.style_distance(a, a, max_side=NAN), "max_side")
    _raises(ValueError, lambda: metrics.colour_distance(a, a, bins=NAN), "bins")
    _raises(ValueError, lambda: metrics.texture_distance(a, a, radii=(1, NAN)), "radii[1]")
    _raises(ValueError, lambda: metrics.texture_distance(a, a, radii=()), "radii")


# --------------------------------------------------------------------------- MUNIT style codes and references
@pytest.fixture(scope="module")
def tiny_munit():
    from hw2.munit.config import MUNITConfig
    from hw2.munit.model import MUNIT

    torch.manual_seed(0)
    return MUNIT(MUNITConfig(**TINY_MUNIT))


def test_munit_reference_batch_must_match(tiny_munit):
    x2 = torch.rand(2, 3, 32, 32)
    _raises(ValueError, lambda: tiny_munit.translate(x2, direction="photo2monet", reference=torch.rand(3, 3, 32, 32)),
            "reference is a batch of 3", "image a batch of 2")
    _raises(ValueError, lambda: tiny_munit.translate(x2[:1], direction="photo2monet",
                                                     reference=torch.rand(2, 3, 32, 32)), "reference")
    one = tiny_munit.translate(x2, direction="photo2monet", reference=x2[:1])  # one reference for all: valid
    assert one.shape == (2, 3, 32, 32)
    each = tiny_munit.translate(x2, direction="photo2monet", reference=x2.flip(0))  # one per image
    assert torch.allclose(each[1:], tiny_munit.translate(x2[1:], direction="photo2monet", reference=x2[:1]),
                          atol=1e-6)


@pytest.mark.parametrize("style, exc, match", [
    (torch.zeros(1, 9), ValueError, r"style_dim = 8.*got \(1, 9\)"),
    (torch.zeros(16), ValueError, r"got \(16,\)"),
    (torch.zeros(1, 8, 2, 1), ValueError, "style must be a code"),
    (torch.zeros(0, 8), ValueError, "style must be a code"),
    (torch.full((1, 8), NAN), ValueError, "style holds NaN"),
    (torch.zeros(2, 8), ValueError, "style holds 2 codes but image is a batch of 1"),
    (torch.zeros(1, 8, dtype=torch.complex64), TypeError, "style must hold real numbers"),
    ("a style", TypeError, "style must be a tensor"),
])
def test_munit_style_code_of_the_wrong_size(tiny_munit, style, exc, match):
    with pytest.raises(exc, match=match):
        tiny_munit.translate(torch.rand(1, 3, 32, 32), direction="photo2monet", style=style)


def test_munit_style_code_forms_agree(tiny_munit):
    x = torch.rand(1, 3, 32, 32)
    code = tiny_munit.random_style(1, seed=4)
    want = tiny_munit.translate(x, direction="photo2monet", style=code)
    for form in (code[0, :, 0, 0], code[:, :, 0, 0], code.double(), code[0, :, 0, 0].numpy()):
        got = tiny_munit.translate(x, direction="photo2monet", style=form)
        assert torch.allclose(got, want, atol=1e-6)
    assert torch.equal(tiny_munit.translate(x, direction="photo2monet", style=code.half()),  # was a raw dtype error
                       tiny_munit.translate(x, direction="photo2monet", style=code.half().float()))
    x2 = torch.rand(2, 3, 32, 32)
    codes = tiny_munit.random_style(2, seed=4)
    both = tiny_munit.translate(x2, direction="photo2monet", style=codes)
    assert torch.allclose(both[1:], tiny_munit.translate(x2[1:], direction="photo2monet", style=codes[1:]), atol=1e-6)
    _raises(ValueError, lambda: tiny_munit.random_style(1, seed=NAN), "seed")
    _raises(ValueError, lambda: tiny_munit.translate(x, direction="photo2monet", seed=1.5), "seed")
