"""Tests of hw2.neural_style: known answers on tiny tensors, gradients, invariants, errors."""
from __future__ import annotations

import math

import pytest
import torch

from hw2.neural_style import (PerceptualLoss, content_loss, gram_matrix, match_color, match_histograms,
                              pyramid_sizes, style_loss, stylize, synthesize_texture, texture_layers,
                              total_variation)
from hw2.neural_style import functional as Fn
import hw2.neural_style as ns


def _img(h=32, w=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(1, 3, h, w, generator=g)


def _smooth_img(h=32, w=32, seed=0):
    """A smooth random image (upsampled noise), closer to a photo than white noise."""
    return torch.nn.functional.interpolate(_img(4, 4, seed), size=(h, w), mode="bilinear",
                                           align_corners=False)


# --------------------------------------------------------------------------- functional
def test_gram_matrix_hand_computed():
    f = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 1, 2)  # C=2 channels, 1x2 positions
    expected = torch.tensor([[5.0, 11.0], [11.0, 25.0]])
    assert torch.equal(gram_matrix(f, normalize=False)[0], expected)
    assert torch.allclose(gram_matrix(f)[0], expected / 2)  # divided by H*W = 2
    assert torch.allclose(gram_matrix(f[0]), expected / 2)  # (C, H, W) input


def test_gram_matrix_is_size_independent_for_tiled_features():
    f = torch.randn(1, 4, 3, 5, dtype=torch.float64)
    tiled = f.repeat(1, 1, 2, 3)
    assert torch.allclose(gram_matrix(f), gram_matrix(tiled))


def test_content_loss_zero_iff_identical():
    a = torch.randn(1, 8, 5, 5)
    assert content_loss(a, a.clone()).item() == 0.0
    b = a.clone()
    b[0, 3, 2, 2] += 2.0
    assert content_loss(a, b).item() == pytest.approx(4.0 / a.numel())
    with pytest.raises(ValueError, match="shape"):
        content_loss(a, a[..., :4])


def test_style_loss_known_value_and_zero_on_own_gram():
    f = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 1, 2)
    assert style_loss(f, gram_matrix(f)).item() == 0.0
    target = torch.zeros(1, 2, 2)
    g = torch.tensor([[2.5, 5.5], [5.5, 12.5]])
    assert style_loss(f, target).item() == pytest.approx(float((g ** 2).mean()))


def test_total_variation_constant_and_ramp():
    assert total_variation(torch.full((1, 3, 4, 5), 0.3)).item() == 0.0
    ramp = torch.arange(5.0).repeat(1, 3, 4, 1)  # +1 per column
    assert total_variation(ramp).item() == pytest.approx(1.0)


def test_gradcheck_losses_float64():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1, 3, 4, 5, dtype=torch.float64, generator=g, requires_grad=True)
    t = torch.randn(1, 3, 4, 5, dtype=torch.float64, generator=g)
    a = gram_matrix(torch.randn(1, 3, 6, 2, dtype=torch.float64, generator=g))
    assert torch.autograd.gradcheck(lambda v: content_loss(v, t), (x,))
    assert torch.autograd.gradcheck(lambda v: style_loss(v, a), (x,))
    assert torch.autograd.gradcheck(lambda v: gram_matrix(v), (x,))
    assert torch.autograd.gradcheck(total_variation, (x,))


def test_match_histograms_gives_reference_distribution():
    img, ref = _img(8, 8, 1), _img(8, 8, 2) ** 2
    out = match_histograms(img, ref)
    for c in range(3):
        assert torch.allclose(out[0, c].flatten().sort().values, ref[0, c].flatten().sort().values)
        # rank order of the image is kept
        assert torch.equal(out[0, c].flatten().argsort(), img[0, c].flatten().argsort())


def test_match_color_gives_reference_mean_and_covariance():
    img = _img(16, 16, 1) * 0.5
    ref = _img(16, 16, 2) * torch.tensor([0.3, 0.6, 0.4]).view(1, 3, 1, 1) + 0.2
    out = match_color(img, ref)
    mu_o, cov_o = Fn._mean_cov(out)
    mu_r, cov_r = Fn._mean_cov(ref)
    assert torch.allclose(mu_o, mu_r, atol=1e-4)
    assert torch.allclose(cov_o, cov_r, atol=1e-4)


def test_yiq_round_trip():
    x = _img(5, 6)
    assert torch.allclose(Fn.yiq_to_rgb(Fn.rgb_to_yiq(x)), x, atol=1e-5)


# --------------------------------------------------------------------------- pipeline
def test_pyramid_and_texture_layers():
    assert pyramid_sizes((512, 512), 3) == [(128, 128), (256, 256), (512, 512)]
    assert pyramid_sizes((32, 32), 3) == [(32, 32)]
    assert texture_layers(("conv1_1",)) == ["conv1_1"]
    assert texture_layers("conv3_1") == ["conv1_1", "conv2_1", "conv3_1"]
    assert texture_layers(("conv5_1",)) == ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]
    assert texture_layers("pool2") == ["conv1_1", "pool1", "pool2"]
    assert texture_layers(["conv1_1", "pool4"]) == ["conv1_1", "pool4"]


def test_perceptual_loss_zero_at_its_own_targets():
    x = _smooth_img(32, 32, 3)
    loss = PerceptualLoss(content_layers=["relu2_1"], style_layers=["relu1_1", "relu2_1"], device="cpu")
    loss.set_content(x)
    loss.set_style([x])
    total, parts = loss(x)
    assert parts["content"] == 0.0
    assert total.item() == pytest.approx(0.0, abs=1e-5)


def test_stylize_32px_lowers_loss_and_returns_valid_image():
    content, style = _smooth_img(32, 32, 1), _img(32, 32, 2)
    res = stylize(content, style, size=32, iterations=15, levels=3, progress=False, device="cpu")
    assert res.image.shape == (1, 3, 32, 32)
    assert res.image.dtype == torch.float32
    assert 0.0 <= res.image.min().item() and res.image.max().item() <= 1.0
    assert len(res.history) == 15 and res.sizes == [(32, 32)]  # a 32 px output has one level
    assert res.history[-1]["loss"] < 0.5 * res.history[0]["loss"]
    assert all(math.isfinite(h["loss"]) for h in res.history)


def test_stylize_coarse_to_fine_and_options():
    content, style = _smooth_img(40, 60, 1), _img(24, 24, 2)
    res = stylize(content, [style, _img(20, 30, 4)], size=(40, 60), iterations=(6, 4), levels=2,
                  min_level_side=16,
                  style_blend_weights=[2, 1], preserve_color="luminance", tv_weight=1.0,
                  style_scale=0.5, optimizer="adam", progress=False, device="cpu",
                  content_layers=("relu2_1",), style_layers=("relu1_1", "relu2_1"))
    assert res.sizes == [(20, 30), (40, 60)]
    assert [h["level"] for h in res.history] == [0] * 6 + [1] * 4
    assert res.image.shape == (1, 3, 40, 60)
    # luminance-only transfer keeps the content's chrominance
    iq_out = Fn.rgb_to_yiq(res.image)[:, 1:]
    iq_in = Fn.rgb_to_yiq(content)[:, 1:]
    inside = (res.image > 0.01).all(1, keepdim=True) & (res.image < 0.99).all(1, keepdim=True)
    assert torch.allclose(iq_out * inside, iq_in * inside, atol=1e-4)


def test_callback_stops_early():
    calls = []
    res = stylize(_smooth_img(), _img(seed=2), size=32, iterations=20, progress=False, device="cpu",
                  style_layers=("relu1_1",), content_layers=("relu1_1",),
                  callback=lambda rec: calls.append(rec["loss"]) or len(calls) >= 5)
    assert res.stopped and len(res.history) == 5 and len(calls) == 5


def test_same_seed_same_image():
    kw = dict(size=32, iterations=8, init="noise", progress=False, device="cpu",
              style_layers=("relu1_1", "relu2_1"), content_layers=("relu2_1",))
    a = stylize(_smooth_img(), _img(seed=2), seed=5, **kw).image
    b = stylize(_smooth_img(), _img(seed=2), seed=5, **kw).image
    c = stylize(_smooth_img(), _img(seed=2), seed=6, **kw).image
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_synthesize_texture_shape_seed_and_histogram():
    src = _img(40, 40, 7) ** 2
    kw = dict(size=(24, 32), layers=("conv2_1",), iterations=10, histogram_match=True, progress=False,
              device="cpu")
    a = synthesize_texture(src, seed=1, **kw).image
    b = synthesize_texture(src, seed=1, **kw).image
    c = synthesize_texture(src, seed=2, **kw).image
    assert a.shape == (1, 3, 24, 32) and 0 <= a.min() and a.max() <= 1
    assert torch.equal(a, b) and not torch.equal(a, c)
    # histogram matched to the source: close per-channel means
    assert torch.allclose(a.mean(dim=(2, 3)), src.mean(dim=(2, 3)), atol=0.02)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("kwargs, match", [
    (dict(style_weight=float("nan")), "style_weight"),
    (dict(content_weight=-1.0), "content_weight"),
    (dict(tv_weight=float("inf")), "tv_weight"),
    (dict(style_layer_weights=[1.0, -0.5]), r"style_layer_weights\[1\]"),
    (dict(style_layers=("relu1_1", "relu9_9")), "relu9_9"),
    (dict(content_layers=("conv4_5",)), "conv4_5"),
    (dict(size=0), "size"),
    (dict(init="zeros"), "init"),
    (dict(optimizer="sgd"), "optimizer"),
    (dict(preserve_color="yes"), "preserve_color"),
    (dict(style_scale=0), "style_scale"),
])
def test_bad_options_raise_value_error(kwargs, match):
    kw = dict(size=32, iterations=1, progress=False, device="cpu", style_layers=("relu1_1", "relu2_1"))
    kw.update(kwargs)
    with pytest.raises(ValueError, match=match):
        stylize(_img(), _img(seed=1), **kw)


def test_bad_images_raise_value_error():
    with pytest.raises(ValueError, match="empty"):
        stylize(torch.zeros(1, 3, 0, 8), _img(), size=32, progress=False, device="cpu")
    bad = _img()
    bad[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="style.*NaN"):
        stylize(_img(), bad, size=32, progress=False, device="cpu")
    with pytest.raises(ValueError, match="shape"):
        stylize(torch.zeros(1, 2, 8, 8), _img(), size=32, progress=False, device="cpu")
    with pytest.raises(ValueError, match="too small"):
        stylize(_img(), _img(), size=8, progress=False, device="cpu")


def test_texture_bad_input():
    with pytest.raises(ValueError, match="pool7"):
        synthesize_texture(_img(), size=32, layers=("pool7",), progress=False, device="cpu")
    with pytest.raises(ValueError, match="empty"):
        synthesize_texture(torch.zeros(1, 3, 4, 0), size=32, progress=False, device="cpu")


def test_laplacian_bands_round_trip_and_parameterizations_agree_at_start():
    from hw2.neural_style import collapse_bands, laplacian_bands

    g = torch.Generator().manual_seed(4)
    x = torch.rand(1, 3, 37, 50, generator=g, dtype=torch.float64)
    bands, sizes = laplacian_bands(x, 4)
    assert [tuple(b.shape[-2:]) for b in bands] == sizes == [(37, 50), (19, 25), (10, 13), (5, 7)]
    torch.testing.assert_close(collapse_bands(bands, sizes), x, rtol=0, atol=1e-12)
    # the first loss evaluation is of the initial image whatever the parameterisation
    c = torch.rand(1, 3, 40, 40, generator=g)
    s = torch.rand(1, 3, 40, 40, generator=g)
    first = [ns.stylize(c, s, size=40, levels=1, iterations=3, parameterization=p, progress=False).history[0]["loss"]
             for p in ("pixels", "laplacian")]
    assert first[0] == pytest.approx(first[1], rel=1e-5)
    with pytest.raises(ValueError, match="parameterization"):
        ns.stylize(c, s, size=40, levels=1, iterations=1, parameterization="wavelet", progress=False)


# --------------------------------------------------------------------------- the notebook's experiments
def test_study_pairs_and_rows_equal_direct_calls():
    from hw2.neural_style import study

    pairs = [(_smooth_img(32, 48, 1), _img(32, 32, 2)), (_smooth_img(32, 32, 3), _img(24, 24, 4))]
    kw = dict(size=32, iterations=3, device="cpu")
    res = study.stylize_pairs(pairs, seed=0, **kw)
    assert torch.equal(res[1].image, stylize(*pairs[1], seed=0, progress=False, **kw).image)
    rows = study.pair_rows([("a", "b"), ("c", "d")], res)
    assert [r[:3] for r in rows] == [("a", "b", "21x32"), ("c", "d", "32x32")]
    assert rows[0][4] == 3 and rows[0][6] == res[0].loss and rows[0][5] == res[0].history[0]["loss"]
    with pytest.raises(ValueError, match="name pairs"):
        study.pair_rows([("a", "b")], res)


def test_study_style_weight_sweep_scales_the_style_term():
    from hw2.neural_style import study

    weights = [1.0, 10.0]
    res, rows = study.style_weight_sweep(_smooth_img(), _img(seed=2), weights, size=32, iterations=2,
                                         device="cpu")
    assert [r[0] for r in rows] == weights
    # the same start (the content image): the weighted style term is beta times the same loss
    first = [r.history[0]["style"] / b for r, b in zip(res, weights)]
    assert first[1] == pytest.approx(first[0], rel=1e-5)
    assert rows[1][2] == res[1].history[-1]["style"] and rows[1][1] == res[1].history[-1]["content"]


def test_study_colour_variants_are_the_preserve_color_runs():
    from hw2.neural_style import study

    c, s = _smooth_img(32, 32, 1), _img(32, 32, 2)
    out = study.colour_variants(c, s, size=32, iterations=2, device="cpu")
    assert list(out) == list(study.COLOUR_MODES)
    direct = stylize(c, s, size=32, iterations=2, preserve_color="luminance", progress=False, device="cpu")
    assert torch.equal(out["luminance"].image, direct.image)


def test_study_texture_readings_share_the_identical_reading():
    from hw2 import metrics
    from hw2.neural_style import study

    src = _img(40, 40, 7)
    runs = study.texture_readings(src, ["conv1_1", "conv2_1"], size=24, iterations=2, device="cpu")
    assert list(runs) == [("conv1_1", True), ("conv2_1", True), ("conv1_1", False), ("conv2_1", False)]
    assert runs["conv1_1", False] is runs["conv1_1", True]            # one layer either way: run once
    assert runs["conv2_1", True].params["layers"] != runs["conv2_1", False].params["layers"]
    rows = study.texture_rows(runs, src)
    assert [r[:2] for r in rows] == [("conv1_1", "up to"), ("conv2_1", "up to"), ("conv2_1", "alone")]
    assert rows[2][2] == "conv2_1"
    assert rows[1][-1] == pytest.approx(metrics.style_distance(runs["conv2_1", True].image, src))


def test_study_photo_label_and_benchmark_rows():
    from hw2.neural_style import study

    assert study.photo_label("plasma_EveningGlow.jpg") == "EveningGlow"
    assert study.photo_label("mate_nature_Garden.jpg") == "Garden" and study.photo_label("x.y.png") == "x.y"
    assert study.benchmark_rows(None) == [] and study.benchmark_rows({}) == []
    bench = dict(baseline_512_evals=300, baseline_512_s=580.0, ours_512_evals=97, ours_512_s_to_baseline_loss=185.0,
                 coarse_to_fine_512_evals=228, coarse_to_fine_512_s_to_baseline_loss=192.5)
    rows = study.benchmark_rows(bench)
    assert [r[2:4] for r in rows] == [(300, 580.0), (97, 185.0), (228, 192.5)]
    assert rows[0][4] == pytest.approx(580.0 / 300) and rows[1][4] == pytest.approx(185.0 / 97)
    assert study.benchmark_rows(dict(bench, ours_512_s_to_baseline_loss=None))[1][4] is None   # never reached


def test_the_speed_benchmark_states_its_size_and_the_square_timing():
    from hw2.neural_style import discussion

    speed = dict(content="plasma_EveningGlow.jpg", baseline_512_evals=300, baseline_512_s=580.0, ours_512_evals=97,
                 speedup=3.1, coarse_to_fine_512_evals_at_full_size=78, s_per_eval_512=3.22, threads=1,
                 _meta={"machine": {"cores": 2}})
    h, w = discussion.bench_size(speed)
    assert max(h, w) == 512 and min(h, w) < 512
    text = discussion.bench_speed(speed)
    assert "1.93" in text and "3.22" in text and f"{h} × {w} px" in text and f"{512 * 512 / (h * w):.1f} times" in text
    assert "1 thread)" in discussion.bench_caption(speed)
