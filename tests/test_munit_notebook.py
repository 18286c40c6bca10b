"""What notebook 03 shows, as package functions: tables, figures, the temperature study, the comparisons.

A tiny random MUNIT stands in for the trained generators wherever the figure's shape is what is tested.
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import TINY_MUNIT
import torch

from hw2.munit import evaluate as mev
from hw2.munit import figures
from hw2.munit.config import MUNITConfig, load_config
from hw2.munit.model import DEFAULT_MODEL, MUNIT
from hw2.munit.networks import build_generator

TINY = TINY_MUNIT


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def tiny() -> MUNIT:
    torch.manual_seed(0)
    return MUNIT(MUNITConfig(**TINY))


def _images(n: int, seed: int, h: int = 40, w: int = 48) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [torch.rand(1, 3, h, w, generator=g) for _ in range(n)]


def _axes_with_images(fig) -> int:
    return sum(1 for ax in fig.axes if ax.images)


# ----------------------------------------------------------------------------- evaluate
def _ev(**kw) -> dict:
    base = {"fid_vgg_photo2monet": 400.0, "fid_vgg_identity_photo2monet": 660.0, "fid_vgg_monet2photo": 650.0,
            "fid_vgg_identity_monet2photo": 660.0, "fid_vgg_autoenc_monet2photo": 670.0,
            "fid_vgg_ref_photo2monet": 410.0, "fid_vgg_ref_monet2photo": 700.0,
            "diversity_photo2monet": 1.0, "diversity_monet2photo": 2.0}
    return {**base, **kw}


def test_comparisons_known_answers():
    default = _ev()
    plain = _ev(fid_vgg_photo2monet=420.0, fid_vgg_monet2photo=690.0, fid_vgg_ref_photo2monet=405.0,
                fid_vgg_ref_monet2photo=710.0)
    variant = _ev(fid_vgg_ref_photo2monet=480.0, fid_vgg_ref_monet2photo=700.0)
    w = mev.comparisons(default, _ev(**{**plain, "diversity_photo2monet": 2.5}), variant)
    assert w["default_vs_plain_diversity"] == "lower"  # 1 + 2 against 2.5 + 2
    w = mev.comparisons(default, plain, variant)
    assert w["default_vs_plain_diversity"] == "higher"  # equal: not lower
    assert w["photo2monet"] == w["monet2photo"] == "lowers"
    assert w["autoenc"] == "away from" and w["monet2photo_vs_autoenc"] == "lower"
    assert w["default_vs_plain_photo2monet"] == w["default_vs_plain_monet2photo"] == "lower"
    assert w["plain_ref_photo2monet"] == "lower" and w["plain_ref_monet2photo"] == "higher"
    assert w["variant_ref_photo2monet"] == "higher" and w["variant_ref_monet2photo"] == "lower"
    # a translation no better than the untranslated images does not lower the distance (ties included)
    worse = _ev(fid_vgg_monet2photo=660.0, fid_vgg_autoenc_monet2photo=600.0)
    w = mev.comparisons(worse, plain, variant)
    assert w["monet2photo"] == "does not lower" and w["autoenc"] == "towards"
    assert w["monet2photo_vs_autoenc"] == "higher"


def test_curve_point_picks_one_temperature():
    curve = {"temperature": [1.0, 0.5], "fid_vgg_identity": 600.0,
             "fid_vgg_photo2monet": [430.0, 380.0], "fid_vgg_photo2monet_sd": [7.0, 5.0],
             "fid_vgg_monet2photo": [640.0, 605.0], "fid_vgg_monet2photo_sd": [6.0, 4.0],
             "diversity_photo2monet": [2.0, 1.0], "diversity_monet2photo": [3.0, 1.5]}
    p = mev.curve_point(curve, 0.5)
    assert p == {"fid_vgg_photo2monet": 380.0, "fid_vgg_photo2monet_sd": 5.0, "fid_vgg_monet2photo": 605.0,
                 "fid_vgg_monet2photo_sd": 4.0, "diversity": 1.25, "fid_vgg_identity": 600.0}
    assert mev.curve_point(curve, 1)["diversity"] == 2.5
    with pytest.raises(ValueError, match="not on the curve"):
        mev.curve_point(curve, 0.75)


def test_temperature_study_on_a_tiny_model(tiny):
    """The test curve is temperature_curve's; the code spread is style_code_statistics' on the same images."""
    kw = dict(n_photos=3, n_monet=3, n_draws=1, n_diversity=1, n_styles=2, size=16, seed=0)
    study = mev.temperature_study(tiny, (1.0, 0.0), **kw)
    assert set(study["curves"]) == {"test"} and study["chosen"] is None
    test = study["curves"]["test"]
    assert test == mev.temperature_curve(tiny, (1.0, 0.0), split="test", **kw)
    assert test["diversity_photo2monet"][1] == 0  # T = 0: one code for every seed
    photos, monets, _, _ = mev._image_sets("test", 3, 3, 0, 16)
    assert study["n_images"] == {"photo": 3, "monet": 3}
    assert np.allclose(study["style_sd"]["monet"],
                       mev.style_code_statistics(tiny, monets, domain="monet", size=16)["sd"])
    recorded = {**test, "split": "train"}
    with_train = mev.temperature_study(tiny, (1.0, 0.0), recorded=recorded, **kw)
    assert with_train["curves"]["train"] is recorded
    assert with_train["chosen"] == mev.choose_temperature(recorded)


def test_evaluate_models_is_evaluate_per_model(tiny):
    kw = dict(n_photos=2, n_monet=2, n_diversity=1, n_styles=2, size=16, reference=False)
    out = mev.evaluate_models({"tiny": tiny}, **kw)
    assert list(out) == ["tiny"] and out["tiny"] == mev.evaluate(tiny, **kw)
    with pytest.raises(ValueError, match="at least one"):
        mev.evaluate_models({})


# ----------------------------------------------------------------------------- tables
def test_design_rows_count_parameters_per_generator():
    paper, ours = load_config("paper"), load_config("cpu_vgg")
    n = figures.generator_parameters(ours)
    assert n == sum(p.numel() for p in build_generator(ours).parameters())
    assert figures.generator_parameters(paper) > 20 * n  # a quarter of the channels: ~1/16 of the weights
    rows = figures.design_rows(paper, ours, steps=1234, paper_steps=paper.max_iter)
    assert all(len(r) == len(figures.DESIGN_HEADERS) for r in rows)
    table = {r[0]: r[1:] for r in rows}
    assert table["parameters per generator"] == [f"{figures.generator_parameters(paper) / 1e6:.2f} M",
                                                 f"{n / 1e6:.2f} M"]
    assert table["channels after the first convolution; style MLP width"] == [f"{paper.gen_dim}; {paper.mlp_dim}",
                                                                           f"{ours.gen_dim}; {ours.mlp_dim}"]
    assert table["training steps"][1] == "1,234"
    assert table["moving average of the weights"] == ["no", f"decay {ours.ema_decay:g}"]


def test_training_rows_and_moving_average():
    rows = figures.training_rows({"default": DEFAULT_MODEL})
    assert len(rows) == 1 and len(rows[0]) == len(figures.TRAINING_HEADERS) and rows[0][0] == "default"
    assert rows[0][1] > 0 and rows[0][3].endswith(" px")
    assert np.allclose(figures.moving_average(np.arange(10.0), 4), [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5])
    assert np.array_equal(figures.moving_average([1.0, 2.0], 4), [1.0, 2.0])


def test_metric_rows_in_the_order_asked():
    evs = {"m1": {k: float(i) for i, k in enumerate(figures.METRICS)},
           "m2": {k: 10.0 + i for i, k in enumerate(figures.METRICS)}}
    rows = figures.metric_rows(evs, ["fid_vgg_monet2photo", "recon_l1_photo"])
    assert rows == [[*figures.METRICS["fid_vgg_monet2photo"], evs["m1"]["fid_vgg_monet2photo"],
                     evs["m2"]["fid_vgg_monet2photo"]],
                    [*figures.METRICS["recon_l1_photo"], evs["m1"]["recon_l1_photo"], evs["m2"]["recon_l1_photo"]]]
    assert len(figures.metric_rows(evs)) == len(figures.METRICS)
    assert set(figures.MAIN_METRICS) | set(figures.OTHER_METRICS) == set(figures.METRICS)
    assert not set(figures.MAIN_METRICS) & set(figures.OTHER_METRICS)
    # the report's table has every translation distance and its untranslated baseline
    assert {f"fid_vgg_{k}{d}" for k in ("", "identity_", "ref_") for d in ("photo2monet", "monet2photo")} <= set(
        figures.MAIN_METRICS)
    # Fréchet distances as integers, the rest as they are
    one = {"m": {"fid_vgg_photo2monet": 123.6, "diversity_photo2monet": 1.234}}
    assert figures.metric_rows(one, ["fid_vgg_photo2monet", "diversity_photo2monet"]) == [
        [*figures.METRICS["fid_vgg_photo2monet"], 124], [*figures.METRICS["diversity_photo2monet"], 1.234]]
    # no snake_case key reaches the report's tables
    assert not any("_" in name for pair in figures.METRICS.values() for name in pair)
    with pytest.raises(ValueError, match="readable name"):
        figures.metric_rows(evs, ["style_kl_monet"])


def test_loss_levels_known_answer():
    rec = {"history": [{"step": s, "gan_a": 1.0 if s < 100 else 2.0, "gan_b": 3.0 if s < 100 else 4.0}
                       for s in range(0, 200, 10)]}
    lv = figures.loss_levels(rec, ["gan_a", "gan_b"], boundary=100, window=30)
    assert lv == {"before": 2.0, "after": 3.0}  # steps 70-90: (1 + 3) / 2; steps 170-190: (2 + 4) / 2
    with pytest.raises(ValueError, match="no log points"):
        figures.loss_levels(rec, ["gan_a"], boundary=0, window=5)


# ----------------------------------------------------------------------------- figures
def test_training_curves_figure():
    from hw2.munit.model import history

    rec = history(DEFAULT_MODEL)
    fig = figures.training_curves(rec)
    assert len(fig.axes) == len(figures.CURVE_PANELS) == 2
    assert fig.get_size_inches()[0] == pytest.approx(7.5)
    stages = len(rec["summary"]["stages"])
    # two domains per term, the stage boundaries, and (adversarial panel) the two equilibrium levels
    assert len(fig.axes[0].get_lines()) == 2 * 3 + stages
    assert len(fig.axes[1].get_lines()) == 2 * 2 + stages + 2
    levels = sorted(ln.get_ydata()[0] for ln in fig.axes[1].get_lines()[-2:])
    scales = rec["summary"]["config"]["dis_num_scales"]
    assert levels == [0.25 * scales, 0.5 * scales]
    with pytest.raises(ValueError, match="logged steps"):
        figures.training_curves({"history": [], "summary": {}})


def test_style_rows_and_grid(tiny):
    x = _images(2, seed=0)
    fixed = tiny.random_style(1, seed=1)
    rows = figures.style_rows(tiny, x, "photo2monet", fixed=fixed, n_random=2, size=32, temperature=0.5)
    assert [len(r) for r in rows] == [4, 4]
    assert torch.equal(rows[1][1], tiny.translate(x[1], direction="photo2monet", style=fixed, size=32))
    assert torch.equal(rows[1][3], tiny.translate(x[1], direction="photo2monet", seed=102, size=32, temperature=0.5))
    fig = figures.style_grid(tiny, {"monet2photo": x[:1], "photo2monet": x}, fixed=fixed, n_random=2, size=32,
                             temperature=0.5)
    assert _axes_with_images(fig) == 3 * 4 and fig.get_size_inches()[0] == pytest.approx(7.5)
    # the second direction's rows follow the first's
    last = fig.axes[-1].images[0].get_array()
    want = tiny.translate(x[1], direction="photo2monet", seed=102, size=32, temperature=0.5)[0].permute(1, 2, 0)
    assert np.allclose(np.asarray(last, float) / (255 if np.asarray(last).dtype == np.uint8 else 1), want.numpy(),
                       atol=1 / 255 + 1e-6)
    with pytest.raises(ValueError, match="at least one"):
        figures.style_grid(tiny, {}, fixed=fixed, n_random=2, size=32, temperature=0.5)


def test_reference_grid_lays_models_side_by_side(tiny):
    other = MUNIT(MUNITConfig(**TINY))
    contents, refs = _images(2, seed=1), _images(3, seed=2)
    fig = figures.reference_grid({"a": tiny, "b": other}, contents, refs, "monet2photo", size=32)
    assert len(fig.axes) == (1 + 2) * (1 + 2 * 3)
    # the cell of content 2, model b, reference 3 holds that translation
    cell = fig.axes[2 * 7 + 6].images[0].get_array()
    want = other.translate(contents[1], direction="monet2photo", reference=refs[2], size=32)
    assert np.allclose(np.asarray(cell, float) / (255 if np.asarray(cell).dtype == np.uint8 else 1),
                       want[0].permute(1, 2, 0).numpy(), atol=1 / 255 + 1e-6)
    with pytest.raises(ValueError, match="at least one"):
        figures.reference_grid({}, contents, refs, "monet2photo", size=32)


def test_shared_styles_grid(tiny):
    codes = tiny.random_style(3, seed=0)
    fig = figures.shared_styles_grid(tiny, _images(2, seed=3), codes, "photo2monet", size=32)
    assert _axes_with_images(fig) == 2 * 4


def test_temperature_figure():
    curve = {"temperature": [1.0, 0.5], "fid_vgg_identity": 600.0,
             "fid_vgg_photo2monet": [430.0, 380.0], "fid_vgg_photo2monet_sd": [7.0, 5.0],
             "fid_vgg_monet2photo": [640.0, 605.0], "fid_vgg_monet2photo_sd": [6.0, 4.0],
             "diversity_photo2monet": [2.0, 1.0], "diversity_monet2photo": [3.0, 1.5]}
    fig = figures.temperature_figure({"train": curve, "test": curve}, used=0.5)
    assert len(fig.axes) == 3 and fig.get_size_inches()[0] == pytest.approx(7.5)
    assert len(fig.axes[2].get_lines()) == 2 * 2 + 1  # 2 splits x 2 directions, and the grey line
    with pytest.raises(ValueError, match="at least one"):
        figures.temperature_figure({}, used=0.5)


def test_try_figure_and_panel(tiny):
    models = {"tiny": tiny}
    fig = figures.try_figure(models, image_index=0, direction="monet2photo", style_seed=3, temperature=1.0,
                             which="tiny", size=32, n=2)
    assert _axes_with_images(fig) == 3
    for bad, match in ((dict(image_index=10_000), "image_index"), (dict(which="other"), "unknown model"),
                       (dict(direction="photo2van_gogh"), "direction")):
        kw = dict(image_index=0, direction="photo2monet", style_seed=0, temperature=0.5, which="tiny", size=32)
        with pytest.raises(ValueError, match=match):
            figures.try_figure(models, **{**kw, **bad})
    pytest.importorskip("ipywidgets")
    panel = figures.try_panel(models, size=32, temperature=0.5)
    assert hasattr(panel, "widget")


def test_largest_within_keeps_the_highest_admissible_temperature():
    from hw2.munit.evaluate import largest_within

    temps = [1.0, 0.75, 0.5, 0.25]
    assert largest_within(temps, [[110, 101, 100, 100]], tol=0.02) == 0.75
    assert largest_within(temps, [[110, 101, 100, 100], [100, 101, 102, 140]], tol=0.02) == 0.75
    # two directions whose bests lie at opposite ends: no temperature has both within 2 %
    with pytest.raises(ValueError, match="no temperature"):
        largest_within(temps, [[110, 101, 100, 100], [100, 120, 130, 140]], tol=0.02)
    with pytest.raises(ValueError, match="tol"):
        largest_within(temps, [[1, 2, 3, 4]], tol=1.0)


# ----------------------------------------------------------------------------- section and discussion (notebook 03)
def test_benchmark_scores_need_the_recorded_benchmark():
    from hw2.munit import discussion

    assert discussion.benchmark_scores(None) is None
    assert discussion.benchmark_scores({"fid_vgg_monet2photo": 1.0}) is None  # no 256 px figures recorded


def test_reference_figure_rejects_an_unknown_direction(tiny):
    from types import SimpleNamespace

    from hw2.munit import section

    S = SimpleNamespace(plain=tiny, variant=tiny, photos=[], monets=[], refs_monet=[], refs_photo=[],
                        n_reference_rows=1, size=16)
    with pytest.raises(ValueError, match="direction"):
        section.reference_figure(S, "monet2monet")
