"""Tests of hw2.neural_style.texture and the sliced Wasserstein loss: known answers, invariants, errors."""
from __future__ import annotations

import pytest
import torch

from hw2.neural_style.texture import source_crops
from hw2.neural_style import (TextureLoss, sliced_wasserstein_loss, synthesize_texture, texture_layers,
                              texture_levels)


def _img(h=32, w=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(1, 3, h, w, generator=g)


def _directions(c, k, seed=0):
    v = torch.randn(c, k, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return v / v.norm(dim=0, keepdim=True)


def _sorted_proj(f, v):
    return torch.sort(v.T @ f[0].flatten(1), dim=1).values


# --------------------------------------------------------------------------- sliced Wasserstein loss
def test_sliced_wasserstein_zero_for_the_same_distribution_in_any_order():
    f = torch.randn(1, 4, 5, 6, dtype=torch.float64)
    v = _directions(4, 4)
    target = _sorted_proj(f, v)
    assert float(sliced_wasserstein_loss(f, target, v)) == pytest.approx(0.0, abs=1e-12)
    shuffled = f.flatten(2)[..., torch.randperm(30)].reshape(1, 4, 5, 6)   # positions permuted
    assert float(sliced_wasserstein_loss(shuffled, target, v)) == pytest.approx(0.0, abs=1e-12)
    # the target may have another number of positions: each value twice gives the same quantiles
    doubled = torch.repeat_interleave(target, 2, dim=1)
    assert float(sliced_wasserstein_loss(f, doubled, v)) == pytest.approx(0.0, abs=1e-12)


def test_sliced_wasserstein_known_answer_and_gradient():
    # one channel, one direction (+1): sorted values 0,1,2,3 against 1,2,3,4 -> mean squared gap 1
    f = torch.tensor([3.0, 0.0, 2.0, 1.0], dtype=torch.float64).reshape(1, 1, 2, 2)
    v = torch.ones(1, 1, dtype=torch.float64)
    target = torch.tensor([[1.0, 2.0, 3.0, 4.0]], dtype=torch.float64)
    assert float(sliced_wasserstein_loss(f, target, v)) == pytest.approx(1.0)
    x = torch.randn(1, 3, 3, 3, dtype=torch.float64, requires_grad=True)
    v3 = _directions(3, 3)
    t3 = _sorted_proj(torch.randn(1, 3, 4, 4, dtype=torch.float64), v3)
    assert torch.autograd.gradcheck(lambda y: sliced_wasserstein_loss(y, t3, v3), (x,))


def test_sliced_wasserstein_bad_shapes():
    with pytest.raises(ValueError, match="directions"):
        sliced_wasserstein_loss(torch.randn(1, 3, 2, 2), torch.randn(4, 4), torch.randn(5, 4))


# --------------------------------------------------------------------------- layers and levels
def test_texture_layers_both_readings_and_levels():
    assert texture_layers("conv3_1") == ["conv1_1", "conv2_1", "conv3_1"]
    assert texture_layers("conv3_1", ladder=False) == ["conv3_1"]
    assert texture_layers(["conv1_1", "pool4"], ladder=False) == ["conv1_1", "pool4"]
    assert [texture_levels(texture_layers(n)) for n in ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")] \
        == [1, 1, 2, 3, 3]


@pytest.mark.parametrize("loss", ["gram", "sliced"])
def test_texture_loss_is_zero_at_the_source(loss):
    src = _img(24, 24, 3)
    fn = TextureLoss(layers=["conv1_1", "conv2_1"], loss=loss, device="cpu")
    fn.set_style([src])
    total, parts = fn(src)
    assert float(total) == pytest.approx(0.0, abs=1e-6) and parts["style"] == parts["total"]
    assert float(fn(_img(24, 24, 4))[0]) > 1e-3


# --------------------------------------------------------------------------- synthesis
def test_coarse_to_fine_size_range_and_decreasing_loss():
    src = _img(40, 40, 7) ** 2
    r = synthesize_texture(src, size=(72, 80), layers="conv4_1", iterations=(12, 8), seed=0, progress=False,
                           device="cpu")
    assert r.sizes == [(36, 40), (72, 80)] and r.params["levels"] == 2
    assert r.image.shape == (1, 3, 72, 80) and 0 <= r.image.min() and r.image.max() <= 1
    from hw2.neural_style import loss_curve

    fine = loss_curve(r, level=-1)
    assert len(fine) == 8 and len(loss_curve(r, level=0)) == 12
    assert loss_curve(r, level=0)[-1] < loss_curve(r, level=0)[0] and fine[-1] < fine[0]


@pytest.mark.parametrize("loss", ["gram", "sliced"])
def test_synthesis_is_deterministic_and_reduces_the_loss(loss):
    src = _img(32, 32, 1) ** 2
    kw = dict(size=32, layers="conv2_1", iterations=12, loss=loss, redraw_every=6, histogram_match=True,
              progress=False, device="cpu")
    a = synthesize_texture(src, seed=3, **kw)
    b = synthesize_texture(src, seed=3, **kw).image
    c = synthesize_texture(src, seed=4, **kw).image
    assert torch.equal(a.image, b) and not torch.equal(b, c)
    assert len(a.history) == 12 and a.loss < a.history[0]["loss"] / 2
    assert torch.allclose(a.image.mean(dim=(2, 3)), src.mean(dim=(2, 3)), atol=0.02)   # histogram matched


@pytest.mark.parametrize("kwargs, match", [
    (dict(loss="l1"), "loss"), (dict(layer_weights="mean"), "layer_weights"), (dict(levels=0), "levels"),
    (dict(redraw_every=0), "redraw_every"), (dict(layers="conv9_1"), "conv9_1"),
])
def test_texture_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        synthesize_texture(_img(), size=32, iterations=1, progress=False, device="cpu", **kwargs)


# --------------------------------------------------------------------------- crops
def test_source_crops_centre_corners_and_overlap():
    p = torch.arange(256 * 256, dtype=torch.float32).reshape(1, 1, 256, 256).repeat(1, 3, 1, 1)
    centre, corners, overlap = source_crops(p, 128)
    assert torch.equal(centre, p[..., 64:192, 64:192]) and overlap == 0.25
    assert torch.equal(corners[3], p[..., 128:, 128:]) and len(corners) == 4
    assert source_crops(torch.zeros(1, 3, 384, 400), 128)[2] == 0.0
    with pytest.raises(ValueError, match="smaller"):
        source_crops(torch.zeros(1, 3, 100, 300), 128)
