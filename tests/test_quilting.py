"""Image Quilting (hw2.quilting): minimum cut, block matching, synthesis and transfer."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from hw2.io import to_numpy
from hw2.quilting import (MODES, BlockMatcher, alpha_schedule, boundary_cut_mask, min_cut_path,
                          naive_synthesize, pass_blocks, select_candidate, synthesize, transfer)
from hw2.quilting.functional import Term, overlap_weight
from hw2.quilting.seams import block_luminance_spread, seam_ratio
from hw2.quilting.naive import naive_min_cut
from hw2.result import Result


def _arr(result):
    """A quilting :class:`Result` as the ``(H, W, 3)`` float32 array."""
    assert isinstance(result, Result) and result.image.shape[:2] == (1, 3)
    return to_numpy(result.image)


def _with_details(result):
    return _arr(result), result.details


def _noise(h, w, seed=0):
    return np.random.default_rng(seed).random((h, w, 3))


def _smooth_texture(h=48, w=48, seed=0):
    """A texture with structure (so that joins matter), values in [0, 1]."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([0.5 + 0.4 * np.sin(xx / 3.0 + c) * np.cos(yy / 4.0 - c) for c in range(3)], axis=2)
    return np.clip(img + 0.1 * rng.random((h, w, 3)), 0, 1)


# --------------------------------------------------------------------------- minimum cut
def test_min_cut_known_path_beats_greedy():
    # Greedy from the top would start at column 0 (cost 0) and then pay 5 + 9.
    cost = np.array([[0., 5., 5., 1.],
                     [9., 5., 9., 1.],
                     [9., 9., 9., 1.]])
    path, total = min_cut_path(cost)
    assert path.tolist() == [3, 3, 3] and total == 3.0


def test_min_cut_known_zigzag():
    cost = np.full((6, 4), 7.0)
    expected = [0, 1, 2, 3, 2, 2]
    for i, j in enumerate(expected):
        cost[i, j] = float(i)  # cheap diagonal path, 0+1+...+5 = 15
    path, total = min_cut_path(cost)
    assert path.tolist() == expected and total == 15.0
    assert naive_min_cut(cost) == (expected, 15.0)


def test_min_cut_equals_brute_force_on_random_surfaces():
    rng = np.random.default_rng(1)
    for _ in range(20):
        rows, cols = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        cost = rng.random((rows, cols))
        best = min(sum(cost[i, p[i]] for i in range(rows))
                   for p in itertools.product(range(cols), repeat=rows)
                   if all(abs(p[i + 1] - p[i]) <= 1 for i in range(rows - 1)))
        path, total = min_cut_path(cost)
        assert all(abs(int(a) - int(b)) <= 1 for a, b in zip(path[1:], path[:-1]))
        assert total == pytest.approx(cost[np.arange(rows), path].sum(), abs=1e-12)
        assert total == pytest.approx(best, abs=1e-12)


def test_boundary_cut_mask_keeps_everything_outside_the_overlap():
    rng = np.random.default_rng(2)
    old, new = rng.random((12, 12, 3)), rng.random((12, 12, 3))
    mask, cost = boundary_cut_mask(old, new, 3, left=True, top=True)
    assert mask[3:, 3:].all() and cost > 0
    assert not mask[:, 0].all() or not mask[0, :].all()  # the cut goes through the strips
    same_mask, same_cost = boundary_cut_mask(old, old, 3, left=True, top=False)
    assert same_cost == 0.0 and same_mask[:, 3:].all()


# --------------------------------------------------------------------------- block matching
@pytest.mark.parametrize("left,top", [(True, False), (False, True), (True, True)])
def test_tolerance_zero_picks_the_exact_match(left, top):
    tex = _noise(48, 40, seed=3)  # every window is distinct
    block, ov, (ty, tx) = 12, 3, (17, 9)
    region = np.zeros((block, block, 3))
    w = overlap_weight(block, ov, left=left, top=top)
    region[w > 0] = tex[ty:ty + block, tx:tx + block][w > 0]  # only the overlap is known
    matcher = BlockMatcher(tex, block)
    terms = [Term(slice(0, 3), region, w)]
    err, slack = matcher.errors(terms)
    for seed in range(3):
        got = select_candidate(err, tolerance=0.0, rng=np.random.default_rng(seed), slack=slack,
                               exact=lambda ys, xs: matcher.direct_errors(terms, ys, xs))
        assert got == (ty, tx)
    assert abs(err[ty, tx]) < 1e-9 and err.min() > -1e-9


def test_fft_errors_equal_direct_loop():
    tex = _noise(20, 23, seed=4)
    block = 6
    rng = np.random.default_rng(5)
    tmpl, w = rng.random((block, block, 3)), overlap_weight(block, 2, left=True, top=True)
    terms = [Term(slice(0, 3), tmpl, w), Term(slice(1, 2), rng.random((block, block, 1)), 0.3 * np.ones((6, 6)))]
    err, _ = BlockMatcher(tex, block).errors(terms)
    assert err.shape == (15, 18)
    for y, x in [(0, 0), (14, 17), (7, 3)]:
        win = tex[y:y + block, x:x + block]
        direct = np.sum(w[..., None] * (win - tmpl) ** 2) + np.sum(0.3 * (win[..., 1:2] - terms[1].template) ** 2)
        assert err[y, x] == pytest.approx(direct, rel=1e-9)


def test_tolerance_widens_the_choice():
    err = np.array([[1.0, 1.05, 2.0], [1.2, 5.0, 1.09]])
    picks = {select_candidate(err, tolerance=0.1, rng=np.random.default_rng(s)) for s in range(60)}
    assert picks == {(0, 0), (0, 1), (1, 2)}


# --------------------------------------------------------------------------- synthesis
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [(70, 53), (16, 16), (5, 90)])
def test_synthesis_output_size_not_a_multiple_of_the_step(mode, size):
    out = _arr(synthesize(_smooth_texture(), size, block=16, overlap=3, mode=mode, seed=0))
    assert out.shape == size + (3,) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0


def test_synthesis_accepts_a_tensor_and_defaults_overlap_to_a_sixth():
    tex = torch.from_numpy(_smooth_texture()).permute(2, 0, 1)[None].float()
    out, details = _with_details(synthesize(tex, 40, block=18))
    assert out.shape == (40, 40, 3) and details.overlaps == [3]


def test_same_seed_same_image_other_seed_other_image():
    tex = _smooth_texture()
    a = _arr(synthesize(tex, 60, block=12, seed=7))
    b = _arr(synthesize(tex, 60, block=12, seed=7))
    c = _arr(synthesize(tex, 60, block=12, seed=8))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    t1 = _arr(transfer(tex, _noise(30, 34, seed=1), block=12, passes=2, seed=3))
    t2 = _arr(transfer(tex, _noise(30, 34, seed=1), block=12, passes=2, seed=3))
    assert np.array_equal(t1, t2)


def test_blocks_come_from_the_texture():
    tex = _noise(30, 30, seed=6)
    out, details = _with_details(synthesize(tex, 44, block=10, overlap=2, mode="random"))
    y, x = details.sources[0]
    # the next blocks cover its right and bottom overlap: the first 8x8 pixels stay
    assert np.array_equal(out[:8, :8], tex[y:y + 8, x:x + 8].astype(np.float32))


def test_cut_joins_better_than_random_blocks():
    tex = _smooth_texture(64, 64, seed=9)

    def seam_error(img):  # squared jumps across the block borders of the grid (step 13)
        cols = [13 * k for k in range(1, 5)]
        return float(np.mean((img[:, cols] - img[:, [c - 1 for c in cols]]) ** 2))

    rand = _arr(synthesize(tex, 60, block=16, overlap=3, mode="random", seed=0))
    cut = _arr(synthesize(tex, 60, block=16, overlap=3, mode="cut", seed=0))
    assert seam_error(cut) < 0.5 * seam_error(rand)


def test_seam_ratio_sees_jumps_at_the_joins():
    flat = np.zeros((40, 40, 3))
    flat[:, 13:] += 0.5  # a jump between columns 12 and 13, where the second block starts (step 13)
    flat += 0.01 * _noise(40, 40, seed=13)
    assert seam_ratio(flat, 16, 3) > 10
    assert 0.7 < seam_ratio(_noise(60, 60, seed=14), 16, 3) < 1.3


def test_block_luminance_spread():
    half = np.zeros((20, 20, 3))
    half[:, 10:] = 1.0
    # windows of side 10 have mean luminance k / 10 for k = 0..10, each once per row offset
    expected = np.std(np.arange(11) / 10.0)
    assert block_luminance_spread(half, 10) == pytest.approx(expected)
    assert block_luminance_spread(np.full((8, 8, 3), 0.3), 4) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError):
        block_luminance_spread(half, 21)


@pytest.mark.parametrize("tolerance", [0.0, 0.2])
def test_fast_synthesis_equals_naive_loop(tolerance):
    tex = _smooth_texture(30, 30, seed=10)
    fast, details = _with_details(synthesize(tex, (37, 41), block=10, overlap=3, tolerance=tolerance, seed=4))
    slow, cost = naive_synthesize(tex, (37, 41), block=10, overlap=3, tolerance=tolerance, seed=4)
    assert np.array_equal(fast, slow)
    assert details.cut_cost == pytest.approx(cost, rel=1e-12)


# --------------------------------------------------------------------------- transfer
def test_transfer_schedule():
    assert alpha_schedule(3) == pytest.approx([0.1, 0.5, 0.9])
    assert alpha_schedule(1) == [0.1]
    assert pass_blocks(36, 3) == [36, 24, 16]


@pytest.mark.parametrize("shape", [(37, 29), (5, 7), (1, 1)])
def test_transfer_output_has_the_target_size(shape):
    out = _arr(transfer(_smooth_texture(), _noise(*shape, seed=15), block=12, passes=3, seed=0))
    assert out.shape == shape + (3,) and out.dtype == np.float32


def test_transfer_onto_the_texture_itself_reproduces_it():
    # alpha = 0: only the correspondence counts, and the texture's own luminance
    # at the same place is an exact match; the grid fits exactly (5 * 8 + 2 = 42).
    tex = _noise(42, 42, seed=11)
    out = _arr(transfer(tex, tex, block=10, overlap=2, passes=1, alpha=0.0, tolerance=0.0,
                        match_luminance=False))
    assert np.allclose(out, tex.astype(np.float32))


def test_transfer_follows_the_target_luminance():
    tex = _smooth_texture(40, 40, seed=12)
    yy, xx = np.mgrid[0:50, 0:60]
    target = np.repeat((xx / 59.0)[..., None], 3, axis=2)  # dark-to-bright ramp
    out, details = _with_details(transfer(tex, target, block=9, passes=2, tolerance=0.0, blur=1.0))
    assert out.shape == (50, 60, 3) and details.blocks == [9, 6]
    lum = out @ np.array([0.299, 0.587, 0.114])
    assert np.corrcoef(lum.mean(axis=0), np.arange(60))[0, 1] > 0.8


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs,match", [
    (dict(block=50), "larger than the texture"),
    (dict(block=16, overlap=16), "smaller than the block"),
    (dict(block=16, overlap=20), "smaller than the block"),
    (dict(block=16, overlap=-1), "overlap"),
    (dict(mode="best"), "mode"),
    (dict(tolerance=-0.1), "tolerance"),
])
def test_synthesis_rejects_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        synthesize(_smooth_texture(), 40, **kwargs)


def test_empty_images_are_rejected():
    with pytest.raises(ValueError, match="empty"):
        synthesize(np.zeros((0, 10, 3)), 40, block=4)
    with pytest.raises(ValueError, match="empty"):
        synthesize(torch.zeros(1, 3, 0, 8), 40, block=4)
    with pytest.raises(ValueError, match="size"):
        synthesize(_smooth_texture(), (0, 10), block=8)
    with pytest.raises(ValueError, match="empty"):
        transfer(_smooth_texture(), np.zeros((10, 0, 3)), block=8)


def test_transfer_rejects_bad_options():
    tex = _smooth_texture()
    with pytest.raises(ValueError, match="larger than the texture"):
        transfer(tex, _noise(20, 20), block=60)
    with pytest.raises(ValueError, match="smaller than the block"):
        transfer(tex, _noise(20, 20), block=12, overlap=12)
    with pytest.raises(ValueError, match="alpha"):
        transfer(tex, _noise(20, 20), block=12, alpha=1.5)
    with pytest.raises(ValueError, match="passes"):
        transfer(tex, _noise(20, 20), block=12, passes=0)


# --------------------------------------------------------------------------- the notebook's experiments
def test_study_centre_crop_known_answer():
    from hw2.quilting import study

    img = np.arange(6 * 8 * 3, dtype=np.float64).reshape(6, 8, 3) / (6 * 8 * 3)
    crop = study.centre_crop(img, 4)
    assert crop.shape == (4, 4, 3) and np.allclose(crop, img[1:5, 2:6])
    with pytest.raises(ValueError, match="crop side"):
        study.centre_crop(img, 7)


def test_study_compare_modes_and_grow_equal_direct_calls():
    from hw2.quilting import study, synthesize

    tex = _smooth_texture(32, 32)
    images, rows = study.compare_modes(tex, 40, block=12, seed=3)
    assert [r[0] for r in rows] == list(MODES) and set(study.MODE_NAMES) == set(MODES)
    assert np.array_equal(images["cut"], _arr(synthesize(tex, 40, block=12, mode="cut", tolerance=0.1, seed=3)))
    assert rows[0][2] > rows[2][2]            # random blocks show their joins more than the cut
    grown, grow_rows = study.grow({"a": tex}, 30, (8, 12), seed=1)
    assert list(grown) == [("a", 8), ("a", 12)] and [r[:2] for r in grow_rows] == [("a", 8), ("a", 12)]
    assert np.array_equal(grown["a", 8], _arr(synthesize(tex, 30, block=8, seed=1)))


def test_study_luminance_correlation_known_answers():
    from hw2.quilting import study

    img = _noise(10, 12, seed=2)
    assert study.luminance_correlation(img, img) == pytest.approx(1.0)
    assert study.luminance_correlation(1.0 - img, img) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="differ in size"):
        study.luminance_correlation(img, img[:5])


def test_study_transfer_grid_and_summary():
    from hw2.quilting import study, transfer

    sources = {"s1": _smooth_texture(30, 30, 1), "s2": _noise(30, 30, 2)}
    targets = {"t": _smooth_texture(24, 20, 3)}
    results, rows = study.transfer_grid(sources, targets, block=9, passes=2, seed=4)
    assert list(results) == [("t", "s1"), ("t", "s2")] and [r[:2] for r in rows] == [("t", "s1"), ("t", "s2")]
    direct = transfer(sources["s2"], targets["t"], block=9, passes=2, seed=4)
    assert np.array_equal(_arr(results["t", "s2"]), _arr(direct))
    assert rows[1][3] == pytest.approx(study.luminance_correlation(direct.image, targets["t"]))
    hand = [("t1", "a", 1.0, 0.2), ("t2", "a", 3.0, 0.4), ("t1", "b", 2.0, 0.9), ("t2", "b", 2.0, 0.7)]
    summary = study.source_summary(hand, {"a": 0.1, "b": 0.3})
    assert summary["rows"] == [("a", pytest.approx(0.3), 2.0), ("b", pytest.approx(0.8), 2.0)]
    assert summary["tiers"] == [["b"], ["a"]] and summary["per_target"]["a"] == [0.2, 0.4]
    # a higher mean that one target reverses is a tie
    close = [("t1", "a", 1.0, 0.2), ("t2", "a", 3.0, 0.8), ("t1", "b", 2.0, 0.3), ("t2", "b", 2.0, 0.6)]
    assert study.source_summary(close, {"a": 0.1, "b": 0.3})["tiers"] == [["a", "b"]]
    with pytest.raises(ValueError, match="no luminance spread"):
        study.source_summary(hand, {"a": 0.1})
    # with a reference, the rows carry the distances to it, and the summary their means
    results, rows = study.transfer_grid(sources, targets, block=9, passes=2, seed=4, reference=sources["s1"])
    assert len(rows[0]) == 6 and all(d >= 0 for r in rows for d in r[4:])
    summary = study.source_summary(rows, {"s1": 0.1, "s2": 0.2})
    assert summary["rows"][0][2] == pytest.approx(rows[0][4]) and len(summary["rows"][0]) == 5
    gram, free = study.target_distances(targets, sources["s1"])
    assert gram > 0 and 0 < free <= 1


def test_study_gatys_sources_rows_and_yardsticks():
    from hw2.neural_style.texture import source_crops
    from hw2.io import to_tensor
    from hw2.quilting import study

    painting = _smooth_texture(40, 40, 5)
    crop = study.centre_crop(painting, 20)
    out = study.gatys_sources(crop, painting, ["conv1_1"], size=20, iterations=2, block=6)
    assert [r[0] for r in out["rows"]] == ["Gram up to conv1_1", "Monet crop (no synthesis)",
                                          "corner crops of the painting (mean of 4)"]
    assert out["textures"]["conv1_1"].shape == (20, 20, 3)
    assert out["rows"][1][4] == 0.0 and out["rows"][2][4] == pytest.approx(out["corner_distance"])
    assert out["rows"][1][5] == 0.0 and 0 < out["rows"][0][5] <= 1    # the VGG-free distance beside the Gram one
    assert out["corner_overlap"] == pytest.approx(source_crops(to_tensor(painting), 20)[2])
    assert out["spread"]["Monet crop"] == pytest.approx(block_luminance_spread(crop, 6))
