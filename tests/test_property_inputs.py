"""Property-based test of every method's entry point (issue #20), with hypothesis.

Random small shapes (1..12 px a side), layouts (HWC/CHW/NCHW, grey, uint8, PIL), dtypes
(float16/32/64, bfloat16, uint8), value ranges (in [0, 1], 0-255, [-1, 1], constant, NaN,
inf) and label maps (ids up to 10**12, negative ids) go into each entry point. Each call must
either return a finite result of the documented shape with values in [0, 1] (for the smoothers,
documented "not clipped", finite only), or raise ``ValueError``/``TypeError`` *raised by
hw2* (the last frame of the traceback is in the package) with a message. A valid input may be
refused only by a method with a documented minimum size (Neural Style, MUNIT, quilting blocks),
and then the message names the minimum. Examples are derandomised (the same every run) and
bounded: ``EXAMPLES`` per entry point.
"""
from __future__ import annotations

import math
import re
from collections import Counter
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import hw2  # noqa: E402

EXAMPLES = 100
PACKAGE = Path(hw2.__file__).resolve().parent
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
MINIMUM = re.compile(r">= \d+|at most \d+")
#: outcome counts of :func:`check` ("correct result", "clear error", ...), printed at the end with ``-s``
OUTCOMES: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report_outcomes():
    yield
    print(f"\n[property] calls: {dict(OUTCOMES)}")


def draw_image(data, *, lo: int = 1, hi: int = 12, bad: bool = True, name: str = "image"):
    """``(image, valid, (h, w))``: an image-like object of a random form, valid or not."""
    h = data.draw(st.integers(lo, hi), label=f"{name} h")
    w = data.draw(st.integers(lo, hi), label=f"{name} w")
    form = data.draw(st.sampled_from(["hwc", "chw-tensor", "nchw-tensor", "grey", "uint8", "pil", "rgba"]),
                     label=f"{name} form")
    dtype = data.draw(st.sampled_from(["float32", "float64", "float16", "bfloat16"]), label=f"{name} dtype")
    values = data.draw(st.sampled_from(["unit"] * 8 + ["const"] + (["0-255", "neg", "nan", "inf", "big"] if bad else [])),
                       label=f"{name} values")
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16), label=f"{name} seed"))
    arr = rng.random((h, w, 4))
    if values == "const":
        arr[:] = rng.random()
    elif values == "0-255":
        arr = arr * 254 + 1
    elif values == "neg":
        arr = arr * 2 - 1
        arr[0, 0] = -0.7
    elif values == "big":
        arr = arr * 1e6 + 300
    elif values in ("nan", "inf"):
        arr[rng.integers(h), rng.integers(w), 0] = np.nan if values == "nan" else -np.inf
    valid = values in ("unit", "const")
    if form in ("uint8", "pil"):
        if not valid:  # uint8 cannot hold a bad value: make it a float array instead
            form = "hwc"
        else:
            u8 = (arr[..., :3] * 255 + 0.5).astype(np.uint8)
            if form == "pil":
                from PIL import Image
                return Image.fromarray(u8), True, (h, w)
            return u8, True, (h, w)
    if form == "grey":
        arr = arr[..., 0]
    elif form != "rgba":
        arr = arr[..., :3]
    if form in ("chw-tensor", "nchw-tensor"):
        t = torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))
        t = t.to(getattr(torch, dtype))
        return (t[None] if form == "nchw-tensor" else t), valid, (h, w)
    if dtype == "bfloat16":
        dtype = "float32"
    with np.errstate(over="ignore"):  # float16 turns "big" values into inf: still invalid
        return arr.astype(dtype), valid, (h, w)


def draw_labels(data, shape, name="labels"):
    kind = data.draw(st.sampled_from(["few", "few", "huge", "negative", "float", "none"]), label=f"{name} kind")
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16), label=f"{name} seed"))
    if kind == "none":
        return None
    lab = rng.integers(0, 3, shape)
    if kind == "huge":
        lab = lab * 10 ** 12
    elif kind == "negative":
        lab = lab - 1
    elif kind == "float":
        lab = lab.astype(np.float64) + 0.5
    return lab


def _from_hw2(exc: BaseException) -> bool:
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return last is not None and Path(last).resolve().is_relative_to(PACKAGE)


def _as_np(out) -> np.ndarray:
    out = getattr(out, "image", out)  # a method's Result
    if isinstance(out, torch.Tensor):
        out = out.detach().float().cpu().numpy()
    return np.asarray(out, dtype=np.float64)


def check(call, *, valid: bool, shape=None, lo=0.0, hi=1.0, minimum_ok=False):
    """Run ``call``; assert the property. Returns the output (or None when it raised)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = call()
    except (ValueError, TypeError) as exc:
        assert _from_hw2(exc), f"{type(exc).__name__} not raised by hw2: {exc}"
        assert str(exc).strip(), "an error without a message"
        if valid:
            assert minimum_ok and MINIMUM.search(str(exc)), f"valid input refused: {exc}"
        OUTCOMES["refused (minimum size)" if valid else "clear error"] += 1
        return None
    except Exception as exc:  # a torch/numpy internal error, or an unexpected type
        raise AssertionError(f"raw {type(exc).__name__}: {exc}") from exc
    assert valid, "invalid input accepted (NaN, inf or out-of-range values)"
    arr = _as_np(out)
    if shape is not None:
        assert arr.shape == tuple(shape), f"shape {arr.shape}, documented {tuple(shape)}"
    assert np.isfinite(arr).all(), "non-finite output"
    assert lo <= arr.min() and arr.max() <= hi, f"output range [{arr.min()}, {arr.max()}]"
    OUTCOMES["correct result"] += 1
    return out


# --------------------------------------------------------------------------- the entry points
@SETTINGS
@given(st.data())
def test_fastphotostyle(data):
    from hw2 import fastphotostyle

    c, cv, (h, w) = draw_image(data, name="content")
    s, sv, _ = draw_image(data, name="style")
    smoothing = data.draw(st.sampled_from([None, "fast", "exact"]))
    cl = draw_labels(data, (h, w), "content labels")
    sl = None if cl is None else draw_labels(data, (4, 5), "style labels")
    ok = cv and sv and (cl is None) == (sl is None) and (cl is None or cl.dtype.kind == "i" and sl.dtype.kind == "i")
    check(lambda: fastphotostyle.stylize(c, s, smoothing=smoothing, size=None, device="cpu",
                                         content_labels=cl, style_labels=sl).image,
          valid=ok, shape=(1, 3, h, w))


@SETTINGS
@given(st.data())
def test_photowct(data):
    from hw2.fastphotostyle import photowct

    c, cv, (h, w) = draw_image(data, name="content")
    s, sv, _ = draw_image(data, name="style")
    alpha = data.draw(st.sampled_from([0.0, 0.5, 1.0]))
    check(lambda: photowct.stylize(c, s, alpha=alpha, device="cpu"), valid=cv and sv, shape=(1, 3, h, w))


@SETTINGS
@given(st.data())
def test_smoothers(data):
    from hw2.fastphotostyle import smoothing

    y, yv, (h, w) = draw_image(data, name="stylized")
    c, cv, _ = draw_image(data, name="content", lo=h, hi=h)  # same height; the width may differ (an error)
    which = data.draw(st.sampled_from(["exact", "guided"]))
    radius = data.draw(st.sampled_from([0, 1, 35, 10 ** 6]))
    sub = data.draw(st.sampled_from([1, 4]))
    run = (lambda: smoothing.smooth_exact(y, c)) if which == "exact" else (
        lambda: smoothing.guided_filter(y, c, radius=radius, subsample=sub))
    # both return a Result whose image is clipped to [0, 1]
    out = check(lambda: run().image[0].permute(1, 2, 0).numpy(), valid=yv and cv and _same_size(y, c))
    if out is not None:
        assert out.shape[:2] == (h, w)


def _hw(x):
    from PIL import Image

    if isinstance(x, Image.Image):
        return x.size[1], x.size[0]
    a = x if isinstance(x, torch.Tensor) else np.asarray(x)
    if isinstance(a, torch.Tensor):
        return tuple(a.shape[-2:])
    return tuple(a.shape[:2])


def _same_size(a, b):
    return _hw(a) == _hw(b)


@SETTINGS
@given(st.data())
def test_neural_style(data):
    import hw2.neural_style as ns

    c, cv, _ = draw_image(data, name="content", hi=data.draw(st.sampled_from([12, 40])))
    s, sv, _ = draw_image(data, name="style")
    size = data.draw(st.integers(1, 40))
    out = check(lambda: ns.stylize(c, s, size=size, iterations=(1,), levels=1, progress=False, device="cpu").image,
                valid=cv and sv, minimum_ok=True)
    if out is not None:
        assert out.shape[:2] == (1, 3) and max(out.shape[-2:]) == size


@SETTINGS
@given(st.data())
def test_texture_synthesis(data):
    import hw2.neural_style as ns

    src, v, _ = draw_image(data, name="source")
    size = (data.draw(st.integers(1, 40)), data.draw(st.integers(1, 40)))
    check(lambda: ns.synthesize_texture(src, size=size, iterations=(1,), progress=False, device="cpu"),
          valid=v, shape=(1, 3) + size, minimum_ok=True)


@SETTINGS
@given(st.data())
def test_munit(data):
    from hw2 import munit

    x, v, _ = draw_image(data, name="image", lo=data.draw(st.sampled_from([1, 8])), hi=24)
    size = data.draw(st.sampled_from([None, 0, 16, 24]))
    direction = data.draw(st.sampled_from(["photo2monet", "monet2photo"]))
    model = munit.load_model(device="cpu")
    out = check(lambda: model.translate(x, direction=direction, seed=0, size=size), valid=v and size != 0,
                minimum_ok=True)
    if out is not None:
        assert out.shape[:2] == (1, 3) and min(out.shape[-2:]) >= 4


@SETTINGS
@given(st.data())
def test_quilting(data):
    from hw2 import quilting

    tex, tv, (th, tw) = draw_image(data, name="texture", lo=1, hi=16)
    block = data.draw(st.integers(2, 8))
    if data.draw(st.booleans()):
        size = (data.draw(st.integers(1, 30)), data.draw(st.integers(1, 30)))
        check(lambda: quilting.synthesize(tex, size, block=block), valid=tv, shape=(1, 3) + size, minimum_ok=True)
    else:
        tgt, gv, (h, w) = draw_image(data, name="target")
        passes = data.draw(st.integers(1, 2))
        check(lambda: quilting.transfer(tex, tgt, block=block, passes=passes), valid=tv and gv, shape=(1, 3, h, w),
              minimum_ok=True)


@SETTINGS
@given(st.data())
def test_metrics(data):
    from hw2 import metrics

    a, av, _ = draw_image(data, name="a")
    b, bv, _ = draw_image(data, name="b")
    which = data.draw(st.sampled_from(["ssim", "psnr", "photorealism", "style_distance"]))
    fn = getattr(metrics, which)
    grey = [isinstance(x, np.ndarray) and x.ndim == 2 for x in (a, b)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v = fn(a, b)
    except (ValueError, TypeError) as exc:
        assert _from_hw2(exc) and str(exc).strip(), f"raw {type(exc).__name__}: {exc}"
        # a grey image against a colour one: ssim/psnr refuse with a clear message
        mismatch = which in ("ssim", "psnr") and grey[0] != grey[1] and "channel" in str(exc)
        assert not (av and bv) or mismatch, f"valid input refused: {exc}"
        return
    assert av and bv, "invalid input accepted"
    assert isinstance(v, float) and (math.isfinite(v) or (which == "psnr" and v == math.inf))
    if which in ("ssim", "photorealism"):
        assert -1.0 - 1e-6 <= v <= 1.0 + 1e-6


@SETTINGS
@given(st.data())
def test_label_maps(data):
    from hw2.fastphotostyle import labels

    shape = (data.draw(st.integers(1, 12)), data.draw(st.integers(1, 12)))
    lab = draw_labels(data, shape)
    if lab is None:
        lab = np.zeros(shape, np.int64)
    valid = lab.dtype.kind == "i"
    check(lambda: labels.label_to_rgb(lab), valid=valid, shape=shape + (3,))
    try:
        out = labels.relabel(lab, {0: 1, 10 ** 12: 2})
    except (ValueError, TypeError) as exc:
        assert _from_hw2(exc) and str(exc).strip()
        assert not valid or lab.min() < 0
    else:
        assert valid and lab.min() >= 0 and out.shape == shape and set(np.unique(out)) <= {0, 1, 2}
