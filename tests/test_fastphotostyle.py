"""FastPhotoStyle pipeline: sizes, labels, smoothing modes (random-weight decoders: no training needed)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from hw2 import fastphotostyle as fps
from hw2.fastphotostyle.labels import LabelMapWarning


@pytest.fixture(autouse=True)
def _random_decoders(monkeypatch):
    """Untrained PhotoWCT decoders: the pipeline's plumbing does not depend on the weights."""
    import hw2.fastphotostyle.photowct.pipeline as pipeline
    from hw2.fastphotostyle.photowct import models

    monkeypatch.setattr(pipeline, "photowct_decoder",
                        lambda level, device=None: models.photowct_decoder(level, device=device, pretrained=False))


def _images():
    g = torch.Generator().manual_seed(0)
    return torch.rand(1, 3, 37, 51, generator=g), torch.rand(1, 3, 40, 30, generator=g)


@pytest.mark.parametrize("smoothing", ["exact", "fast", None])
def test_any_size_in_any_size_out(smoothing):
    c, s = _images()
    res = fps.stylize(c, s, smoothing=smoothing, device="cpu", levels=["relu2_1", "relu1_1"])
    assert res.image.shape == (1, 3, 37, 51) and res.stylized.shape == (1, 3, 37, 51)
    assert float(res.image.min()) >= 0.0 and float(res.image.max()) <= 1.0
    assert {"prepare_s", "stylize_s", "smoothing_s", "total_s"} <= set(res.times)
    if smoothing is None:
        assert torch.equal(res.image, res.stylized)
    if smoothing == "exact":
        assert res.smoothing_info.converged


def test_max_side_caps_the_working_size():
    c, s = _images()
    res = fps.stylize(c, s, smoothing=None, size=24, device="cpu", levels=["relu1_1"])
    assert max(res.image.shape[-2:]) == 24


def test_label_in_one_image_only_leaves_content_unchanged():
    c, s = _images()
    lv = ["relu2_1", "relu1_1"]
    unmatched = fps.stylize(c, s, content_labels=np.ones((37, 51), int), style_labels=np.full((40, 30), 2),
                            smoothing=None, device="cpu", levels=lv)
    untouched = fps.stylize(c, s, smoothing=None, alpha=0.0, device="cpu", levels=lv)
    torch.testing.assert_close(unmatched.image, untouched.image)
    styled = fps.stylize(c, s, smoothing=None, device="cpu", levels=lv)
    assert not torch.allclose(styled.image, untouched.image)


def test_one_pixel_label_does_not_crash():
    c, s = _images()
    cl = np.zeros((37, 51), int)
    cl[5, 7] = 3
    sl = np.zeros((40, 30), int)
    sl[0, 0] = 3
    res = fps.stylize(c, s, content_labels=cl, style_labels=sl, smoothing="exact", device="cpu",
                      levels=["relu1_1"])
    assert torch.isfinite(res.image).all()


def test_label_maps_of_another_size_are_resized_with_a_warning():
    c, s = _images()
    with pytest.warns(LabelMapWarning, match="content_labels"):
        res = fps.stylize(c, s, content_labels=np.zeros((20, 20), int), style_labels=np.zeros((40, 30), int),
                          smoothing=None, device="cpu", levels=["relu1_1"])
    assert res.image.shape == (1, 3, 37, 51)


def test_bad_arguments():
    c, s = _images()
    with pytest.raises(ValueError, match="smoothing"):
        fps.stylize(c, s, smoothing="bilateral")
    with pytest.raises(ValueError, match="both"):
        fps.stylize(c, s, content_labels=np.zeros((37, 51), int))


def test_pixel_method_needs_no_decoders_and_is_pixel_wct_then_smoothing(tmp_path, monkeypatch):
    from hw2 import config
    from hw2.fastphotostyle.photowct.functional import labelwise_wct
    from hw2.fastphotostyle.smoothing import smooth_exact

    g = torch.Generator().manual_seed(3)
    c, s = torch.rand(1, 3, 21, 27, generator=g), torch.rand(1, 3, 16, 18, generator=g) * 0.5
    cl, sl = np.zeros((21, 27), np.int64), np.zeros((16, 18), np.int64)
    cl[:, 14:], sl[8:] = 1, 1
    monkeypatch.setattr(config, "WEIGHTS", tmp_path)            # no decoders at all
    assert fps.decoders_available("pixel") == (True, "")
    y = fps.pixel_wct(c, s, cl, sl).image
    ref = labelwise_wct(c[0].double(), s[0].double(), cl, sl, min_pixels=50).float().clamp(0, 1)[None]
    assert torch.equal(y, ref)
    r = fps.stylize(c, s, content_labels=cl, style_labels=sl, method="pixel", smoothing="exact")
    assert torch.equal(r.stylized, y)
    torch.testing.assert_close(r.image, smooth_exact(y, c).image)
    plain = fps.pixel_wct(c, s).image                          # no labels: one region
    assert plain.shape == c.shape and abs(float(plain.mean()) - float(s.mean())) < 0.05
    with pytest.raises(ValueError, match="unknown method"):
        fps.stylize(c, s, method="cyclegan")
