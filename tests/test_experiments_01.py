"""hw2.fastphotostyle.experiments: notebook 01's loops on tiny inputs (shapes, ranges, known answers, seeds)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from hw2.fastphotostyle import experiments as ex

PAIR = "lst_in16"   # a photoreal pair shipped in hw2/assets


def _in_unit(img) -> bool:
    t = torch.as_tensor(np.asarray(img)) if not isinstance(img, torch.Tensor) else img
    return bool(torch.isfinite(t).all()) and float(t.min()) >= 0 and float(t.max()) <= 1


def test_mean_scores_known_answer():
    scores = [["a", "ex1", 0.5, 0.9], ["a", "ex2", 0.7, 0.8], ["a", "ex3", 0.4, 0.95],
              ["b", "ex1", 0.6, 0.7], ["b", "ex2", 0.5, 0.9]]
    m = ex.mean_scores(scores)
    assert m["ex1"] == {"style": pytest.approx(0.55), "photo": pytest.approx(0.8), "n": 2, "worse_style": 0,
                        "worse_photo": 0}
    assert m["ex2"]["style"] == pytest.approx(0.6) and m["ex2"]["worse_style"] == 1 and m["ex2"]["worse_photo"] == 1
    assert m["ex3"]["n"] == 1 and m["ex3"]["worse_style"] == 0 and m["ex3"]["worse_photo"] == 0


def _tiny_study():
    g = torch.Generator().manual_seed(0)
    images = {k: torch.rand(1, 3, 12, 16, generator=g) for k in ("p", "m")}
    a, b = np.zeros((12, 16), np.int64), np.ones((12, 16), np.int64)
    b[:6] = 0
    maps = ex.LabelMaps(hand={"p": a, "m": None}, cluster={("p", "m"): (a, b)})
    return ex.Study([("p", "m")], images), maps


def test_label_grid_and_auto_maps_follow_the_direction():
    study, maps = _tiny_study()
    rows, titles, cols = ex.label_grid(study, maps)
    assert titles == ["image", "hand-made", "ADE20K", "joint clusters"] and cols == ["p", "m"]
    assert rows[0][0] is study.images["p"] and rows[1][1] is None                # no hand-made map of m
    assert rows[2] == [None, None]                                               # no ADE20K maps
    assert rows[1][0].shape == (12, 16, 3) and rows[3][1].shape == (12, 16, 3)
    rows, titles, _ = ex.label_grid(study, maps, clusters=False)
    assert len(rows) == 3 and titles[-1] == "ADE20K"
    cl, sl = maps.auto("p", "m", ("p", "m"))
    assert cl.max() == 0 and sl.max() == 1
    cl, sl = maps.auto("m", "p", ("p", "m"))                                     # Monet -> photo: swapped
    assert cl.max() == 1 and sl.max() == 0
    assert ex.matched_class_rows(study, maps) == [["p / m", "–", "–", "–", "–"]]  # each source needs both maps
    maps.hand["m"] = maps.cluster[("p", "m")][1]                                 # ids 0 and 1 against id 0
    from hw2.fastphotostyle.labels import CLASSES
    assert ex.matched_class_rows(study, maps) == [["p / m", CLASSES[0], "none", "–", "–"]]


def test_lambda_sweep_shapes_ranges_and_order():
    row, table = ex.lambda_sweep(PAIR, 24, [1e-4, 1e-1])
    assert len(row) == 3 and all(r.shape == row[0].shape for r in row) and all(_in_unit(r) for r in row)
    assert [t[0] for t in table] == [1e-4, 1e-1]
    assert table[0][1] == pytest.approx(1 / (1 + 1e-4)) and table[1][1] == pytest.approx(1 / 1.1)
    # a larger lambda keeps the result closer to its input (the fidelity term weighs more)
    d = [float((r - row[0]).abs().mean()) for r in row[1:]]
    assert d[1] < d[0]
    with pytest.raises(ValueError):
        ex.lambda_sweep(PAIR, 24, [])


def test_smoothing_alone_is_deterministic_and_in_range():
    a = ex.smoothing_alone([PAIR], 24)
    b = ex.smoothing_alone([PAIR], 24)
    assert len(a["grid"]) == 1 and len(a["grid"][0]) == 6 and len(a["scores"]) == 3 and len(a["stages"]) == 1
    for x, y in zip(a["grid"][0], b["grid"][0]):
        assert np.array_equal(np.asarray(x), np.asarray(y))
    assert all(_in_unit(im) for im in a["grid"][0][3:])
    assert all(0 <= r[2] and -1 <= r[3] <= 1 for r in a["scores"])
    assert a["iterations"][PAIR] >= 1
    assert a["wide"] == [[PAIR] + [v for r in a["scores"] for v in r[2:]]]
    with pytest.raises(ValueError, match="unknown photoreal pair"):
        ex.smoothing_alone(["nope"], 24)


def test_panel_runs_the_pipeline_without_decoders():
    out = ex.panel(PAIR, 24, lam=1e-2, alpha=0.5, smoothing="fast", method="pixel")
    assert len(out) == 4 and out[2].shape == out[3].shape == out[0].shape and all(_in_unit(o) for o in out[2:])


def test_trade_off_figure_spans_the_text_width():
    import matplotlib.pyplot as plt

    fig = ex.trade_off_figure({"A": [(0.5, 0.9), (0.6, 0.8)], "B": [(0.7, 0.4)]})
    assert fig.get_size_inches()[0] == pytest.approx(7.5)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["A", "B"]
    plt.close(fig)


def test_label_maps_are_seeded_and_run_direction_scores_every_experiment():
    from hw2.fastphotostyle import decoders_available

    study = ex.load_study(1, 32)
    (p, m), = study.pairs
    a = ex.label_maps(study, k=2, seed=0, ade=False)
    b = ex.label_maps(study, k=2, seed=0, ade=False)
    for x, y, img in zip(a.cluster[(p, m)], b.cluster[(p, m)], (study.images[p], study.images[m])):
        assert np.array_equal(x, y) and x.shape == tuple(img.shape[-2:]) and set(np.unique(x)) <= {0, 1}
    assert a.ade == {} and a.ade_s is None
    if not decoders_available("photowct")[0]:
        pytest.skip("PhotoWCT decoders missing")
    grid, titles, scores = ex.run_direction(study, a, photo_to_monet=True, smoothing=None)
    assert titles == [p] and len(grid[0]) == 5
    has_hand = a.hand[p] is not None and a.hand[m] is not None
    assert [r[1] for r in scores] == (["ex1", "ex2", "ex3"] if has_hand else ["ex1", "ex3"])
    assert all(_in_unit(im) for im in grid[0][2:] if im is not None)


def test_mean_rows_groups_in_order():
    rows = [["p1", "B", 1.0, 10.0], ["p1", "A", 2.0, 20.0], ["p2", "B", 3.0, 30.0]]
    assert ex.mean_rows(rows) == [["B", 2.0, 20.0], ["A", 2.0, 20.0]]
    assert ex.mean_rows(rows, key=0, first=3) == [["p1", 15.0], ["p2", 30.0]]


def test_worst_case_names_the_lowest_photorealism():
    g = torch.Generator().manual_seed(2)
    c = torch.rand(1, 3, 8, 8, generator=g)
    fog = 0.5 + 0.5 * (c - 0.5)
    grid = [[c, c, c, fog, c]]
    scores = [["a", "ex1", 0.5, 0.9], ["a", "ex2", 0.7, 0.4], ["a", "ex3", 0.6, 0.8]]
    w = ex.worst_case(grid, ["a"], scores)
    assert (w["content"], w["experiment"], w["row"]) == ("a", "ex2", 0) and w["photorealism"] == 0.4
    assert w["contrast"] == pytest.approx(0.5, rel=1e-5)


def test_label_score_rows_one_row_per_experiment():
    a = ex.mean_scores([["a", "ex1", 0.5, 0.9], ["a", "ex2", 0.7, 0.8]])
    b = ex.mean_scores([["b", "ex1", 0.6, 0.7], ["b", "ex2", 0.5, 0.9]])
    rows = ex.label_score_rows({"A": a, "B": b})
    assert rows[0] == ["ex1", 0.5, 0.9, 0.6, 0.7, "–"]
    assert rows[1][:5] == ["ex2", pytest.approx(0.7), pytest.approx(0.8), pytest.approx(0.5), pytest.approx(0.9)]
    assert rows[1][5] == "1 / 1 of 2"


def test_label_counts_sum_over_directions():
    a = ex.mean_scores([["a", "ex1", 0.5, 0.9], ["a", "ex2", 0.7, 0.8]])
    b = ex.mean_scores([["b", "ex1", 0.6, 0.7], ["b", "ex2", 0.5, 0.9]])
    c = ex.label_counts({"A": a, "B": b})
    assert c["ex2"] == {"n": 2, "worse_style": 1, "worse_photo": 1} and c["ex1"]["worse_style"] == 0
    assert "ex3" not in c


def test_smoothing_summary_known_answer():
    alone = {"scores": [["p", "pixel WCT", 0.5, 0.8], ["p", "+ exact smoothing", 0.6, 0.9],
                        ["q", "pixel WCT", 0.5, 0.7], ["q", "+ exact smoothing", 0.6, 0.6]],
             "iterations": {"p": 9, "q": 12}}
    s = ex.smoothing_summary(alone)
    assert s["n"] == 2 and s["improved"] == 1 and s["iterations"] == (9, 12)
    assert s["mean_photo"] == {"pixel WCT": pytest.approx(0.75), "+ exact smoothing": pytest.approx(0.75)}


def test_single_class_pairs_counts_ade_maps():
    study, maps = _tiny_study()
    assert ex.single_class_pairs(study, maps) == 0                       # no ADE20K maps
    maps.ade = {"p": np.zeros((12, 16), np.int64), "m": maps.cluster[("p", "m")][1]}
    assert ex.single_class_pairs(study, maps) == 1


def test_palest_names_the_output_the_labels_lighten_most():
    g = torch.Generator().manual_seed(4)
    c = torch.rand(1, 3, 8, 8, generator=g)
    pale, dark = 0.9 + 0.1 * c, 0.5 * c
    grid = [[c, c, c, dark, c], [c, c, c, pale, c], [c, c, c, None, c]]
    found = ex.palest(grid, ["a", "b", "c"], "ex2")
    assert (found["content"], found["row"], found["pale_fog"]) == ("b", 1, True)
    assert found["contrast"] == pytest.approx(0.1, rel=1e-4) and found["output_mean"] > found["content_mean"]
    assert not ex.paleness(c, dark)["pale_fog"] and ex.palest([[c, c, c, None, c]], ["a"], "ex2") is None


def test_the_labels_discussion_names_the_palest_output():
    from hw2.fastphotostyle import discussion

    g = torch.Generator().manual_seed(5)
    c = torch.rand(1, 3, 8, 8, generator=g)
    pale = 0.9 + 0.1 * c
    grid = [[c, c, c, pale, c], [c, c, c, c, c]]
    scores = [["a", "ex1", 0.5, 0.9, 0.2], ["a", "ex2", 0.7, 0.4, 0.3], ["a", "ex3", 0.6, 0.8, 0.2],
              ["b", "ex1", 0.5, 0.9, 0.2], ["b", "ex2", 0.6, 0.8, 0.3], ["b", "ex3", 0.6, 0.8, 0.2]]
    directions = {"Photo → Monet": (grid, ["a", "b"], scores), "Monet → photo": (grid, ["a", "b"], scores)}
    summary = {d: ex.mean_scores(v[2]) for d, v in directions.items()}
    study, maps = ex.Study([("a", "m"), ("b", "n")], {}), ex.LabelMaps(hand={})
    text = " ".join(discussion.labels_discussion(summary, directions, study, maps).split())
    assert "lowest photorealism of all, 0.40, is a with hand-made (ex2) labels" in text
    assert "The hand-made labels lighten a most (row 1 of Figure 3)" in text and "a pale fog" in text
    assert "so by these two measures they do not help" in text
