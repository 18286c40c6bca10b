"""hw2.conclusions: the scores, the comparison rows, the seed's conclusions and the findings."""
from __future__ import annotations

import pytest

from hw2 import claims
from hw2 import conclusions as c

FPS, NS, MUNIT, IQ = c.HEADLINE
LABELS = "FastPhotoStyle + hand-made labels"
#: content, edge, Gram, colour, texture (free = their mean)
_BASE = {FPS: (0.75, 0.78, 0.64, 0.30, 0.10), NS: (0.73, 0.67, 0.21, 0.20, 0.06),
         MUNIT: (0.36, 0.28, 0.90, 0.40, 0.20), IQ: (0.18, 0.26, 0.50, 0.30, 0.10),
         LABELS: (0.70, 0.70, 0.70, 0.35, 0.12)}


def _row(name, content, edge, gram, colour, texture):
    return {"method": name, "runtime_s": 1.0, "pairs": 3, "content_ssim": content, "photorealism": edge,
            "style_distance": gram, "colour_distance": colour, "texture_distance": texture,
            "free_style_distance": (colour + texture) / 2}


def _rows(**over):
    vals = dict(_BASE, **over)
    return [_row(c.PHOTO_ROW, 1.0, 1.0, 1.33, 0.6, 0.2), _row(c.PAINTING_ROW, 0.1, 0.2, 0.0, 0.0, 0.0),
            *[_row(k, *v) for k, v in vals.items()]]


SEAMS = {"transfer": 1.4, "random": 1.6, "block": 7, "overlap": 1}


def test_verdicts_follow_the_numbers():
    fps = {FPS: (0.75, 0.78, 0.64, 0.20, 0.15)}      # colour gap 1 - 0.2 / 0.6 = 67 % > texture gap 25 %
    rows = claims.seed_comparison(_rows(**fps), seams=SEAMS)
    assert [r[3] for r in rows] == ["agrees", "agrees", "agrees", "holds"]
    assert all(r[1].startswith(("agrees when", "holds when")) for r in rows)   # every verdict states its rule
    assert "colour gap closed 67%, texture gap 25%" in rows[0][2]
    assert not any(ch.isdigit() for ch in rows[3][0])  # no run-to-run figure (wall time) in the table
    # colour gap 1 - 0.30 / 0.6 = 50 %, texture gap 1 - 0.10 / 0.2 = 50 %: not a colour transfer
    assert claims.seed_comparison(_rows())[0][3] == "disagrees"
    # a FastPhotoStyle as stylised as Neural Style by the VGG-free distance would contradict the seed
    assert claims.seed_comparison(_rows(**{FPS: (0.75, 0.78, 0.64, 0.1, 0.02)}))[0][3] == "disagrees"
    # a FastPhotoStyle that loses the photo's edges contradicts it too
    assert claims.seed_comparison(_rows(**{FPS: (0.75, 0.3, 0.64, 0.2, 0.15)}))[0][3] == "disagrees"
    assert claims.seed_comparison(_rows(**fps))[0][3] == "agrees"


def test_seams_are_judged_by_the_seam_score():
    def verdict(transfer, random):
        return claims.seed_comparison(_rows(), seams=dict(SEAMS, transfer=transfer, random=random))[2]
    assert verdict(1.4, 1.6)[3] == "agrees"          # 0.4 of the 0.6 above 1: closer to random blocks
    assert verdict(1.1, 1.6)[3] == "disagrees"       # 0.1 of 0.6: nearly invisible joins
    assert "seam score 1.10" in verdict(1.1, 1.6)[2] and "random blocks 1.60" in verdict(1.1, 1.6)[2]
    # the edge SSIM does not decide it: a quilt with the photo's edges still has its seams judged
    assert claims.seed_comparison(_rows(**{IQ: (0.18, 0.9, 0.5, 0.1, 0.04)}), seams=SEAMS)[2][3] == "agrees"
    assert claims.seed_comparison(_rows())[2][3] == "not measured"      # no seam scores given


def test_neural_style_is_also_judged_by_the_measure_it_does_not_optimise():
    # strongest by Gram but not by the VGG-free distance (quilting 0.035 < Neural Style 0.13): partly
    iq_closer = claims.seed_comparison(_rows(**{IQ: (0.18, 0.26, 0.5, 0.05, 0.02)}))
    assert claims.seed_comparison(_rows())[3][3] == "holds"
    assert iq_closer[3][3] == "partly"
    neither = claims.seed_comparison(_rows(**{IQ: (0.18, 0.26, 0.1, 0.05, 0.02)}))
    assert neither[3][3] == "does not hold"


def test_a_lead_that_one_pair_reverses_is_a_tie():
    rows = _rows()
    for r in rows:   # per-pair values whose means are the rows' means
        r["per_pair"] = {k: [r[k]] * 3 for k in c.SCORES if k in r}
    ns = next(r for r in rows if r["method"] == NS)
    iq = next(r for r in rows if r["method"] == IQ)
    ns["per_pair"]["free_style_distance"] = [0.05, 0.05, 0.29]     # mean 0.13, the lowest ...
    iq["per_pair"]["free_style_distance"] = [0.20, 0.20, 0.20]     # ... but quilting is lower on the third pair
    assert c.findings(rows)["best"]["free_style_distance"] == NS
    assert c.findings(rows)["leader"]["free_style_distance"] is None
    assert claims.seed_comparison(rows)[3][3] == "partly"           # first on every pair by Gram only


def test_skipped_methods_and_bad_yardstick():
    rows = _rows()[:2] + [{"method": MUNIT, "skipped": "no weights"}]
    assert [r[3] for r in claims.seed_comparison(rows)] == ["not measured"] * 3
    bad = _rows()
    bad[0]["style_distance"] = 0.0
    with pytest.raises(ValueError, match="photo"):
        claims.seed_comparison(bad)
    with pytest.raises(ValueError, match="photo"):
        claims.seed_comparison(_rows()[1:])


def test_findings():
    rows = _rows()
    next(r for r in rows if r["method"] == NS)["runtime_s"] = 30.0
    f = c.findings(rows)
    assert f["slowest"] == NS
    assert f["best"]["style_distance"] == NS and f["best"]["content_ssim"] == FPS
    assert f["worst"]["photorealism"] == IQ and f["worst"]["style_distance"] == MUNIT
    assert f["best"]["free_style_distance"] == NS          # (0.20 + 0.06) / 2 is the smallest
    assert f["gap"]["style_distance"][NS] == pytest.approx(1 - 0.21 / 1.33)
    assert f["gap"]["free_style_distance"][NS] == pytest.approx(1 - 0.13 / 0.4)
    assert set(f["gap"]) == {"style_distance", "colour_distance", "texture_distance", "free_style_distance"}
    assert f["labels_worse"] == list(c.SCORES)             # worse than without labels on every score
    assert f["munit_content_rank"] == 3 and f["munit_edge_rank"] == 3
    better = c.findings(_rows(**{MUNIT: (0.9, 0.9, 0.9, 0.4, 0.2), LABELS: (0.8, 0.7, 0.7, 0.35, 0.12)}))
    assert better["munit_content_rank"] == 1 and better["labels_worse"] == [
        "photorealism", "style_distance", "colour_distance", "texture_distance", "free_style_distance"]
    missing = c.findings([r for r in _rows() if r["method"] not in (MUNIT, LABELS)])
    assert missing["munit_content_rank"] is None and missing["labels_worse"] is None
    with pytest.raises(ValueError, match="no measured method"):
        c.findings(_rows()[:2])


def test_table_selects_and_labels_columns():
    rows = _rows() + [{"method": "B", "skipped": "weights missing"}]
    body, headers = c.table(rows, keys=("content_ssim", "free_style_distance"), methods=(NS, "B", "absent"))
    assert headers == ["method", "content SSIM ↑", "VGG-free style ↓"]
    assert body == [[NS, 0.73, pytest.approx(0.13)], ["B", "skipped", "skipped"]]
    assert len(c.table(rows)[0]) == len(rows) and len(c.table(rows)[1]) == 1 + len(c.SCORES)
    with pytest.raises(ValueError, match="unknown score"):
        c.table(rows, keys=("fid",))


def _images():
    import torch

    g = torch.Generator().manual_seed(0)
    return torch.rand(1, 3, 32, 40, generator=g), torch.rand(1, 3, 30, 30, generator=g)


def test_score_known_answers():
    photo, painting = _images()
    same = c.score(photo, photo, painting)
    assert set(same) == set(c.SCORES)
    assert same["content_ssim"] == pytest.approx(1.0) and same["photorealism"] == pytest.approx(1.0)
    assert same["free_style_distance"] == pytest.approx(0.5 * (same["colour_distance"] + same["texture_distance"]))
    own = c.score(photo, painting, painting)    # the painting scored against itself: no style distance
    assert own["style_distance"] == pytest.approx(0.0, abs=1e-5)
    assert own["colour_distance"] == pytest.approx(0.0, abs=1e-6)
    assert own["texture_distance"] == pytest.approx(0.0, abs=1e-6)


def test_comparison_rows_are_named_and_start_with_the_yardsticks():
    photo, painting = _images()
    scores = dict(zip(c.SCORES, (0.9, 0.8, 0.5, 0.3, 0.1, 0.2)))
    out = [c.Output("A", "p", photo.clone(), runtime_s=2.0, scores=scores),
           c.Output("A", "q", photo.clone(), runtime_s=4.0, scores=dict(scores, content_ssim=0.7)),
           c.Output("B", "p", None, skipped="weights missing")]
    rows = c.comparison_rows(out, [(photo, painting)])
    assert [r["method"] for r in rows] == [c.PHOTO_ROW, c.PAINTING_ROW, "A", "B"]
    assert rows[0]["content_ssim"] == pytest.approx(1.0) and rows[0]["style_distance"] > 0
    assert all(rows[1][k] == 0.0 for k in ("style_distance", "colour_distance", "free_style_distance"))
    assert rows[2]["content_ssim"] == pytest.approx(0.8) and rows[2]["pairs"] == 2   # mean over the pairs
    assert rows[3] == {"method": "B", "skipped": "weights missing"}
    assert c.runtime_rows(out) == [["A", 3.0], ["B", "skipped"]]
    with pytest.raises(ValueError, match="at least one"):
        c.comparison_rows(out, [])


def test_munit_sizes_come_from_the_profiles_and_the_model_config():
    from hw2 import profiles
    from hw2.munit.config import load_config

    s = c.munit_sizes("full")
    assert s["here"] == profiles.get("conclusions", "full")["size"]
    assert s["eval_photos"] == profiles.get("munit", "full")["n_eval"]
    assert s["trained"] == load_config("cpu_vgg").new_size < s["here"]


def test_profiles_table():
    from hw2 import profiles

    for name in profiles.TABLE:
        assert set(profiles.TABLE[name]) == set(profiles.PROFILES)
        assert set(profiles.get(name, "quick")) == set(profiles.get(name, "full")), name
    with pytest.raises(ValueError, match="profile"):
        profiles.get("munit", "medium")
    with pytest.raises(ValueError, match="no profile table"):
        profiles.get("cyclegan", "quick")


def test_contrast_kept():
    import torch

    from hw2.metrics import contrast_kept

    photo, _ = _images()
    assert contrast_kept(photo, photo) == pytest.approx(1.0)
    fog = 0.8 + 0.2 * photo                      # a pale veil: a fifth of the contrast left
    assert contrast_kept(photo, fog) == pytest.approx(0.2, rel=1e-4)
    assert contrast_kept(photo, torch.full((1, 3, 4, 4), 0.3)) == pytest.approx(0.0, abs=1e-6)   # flat output
    with pytest.raises(ValueError, match="flat"):
        contrast_kept(torch.full((1, 3, 8, 8), 0.5), photo)


def test_image_rows_and_the_palest_output():
    from hw2.fastphotostyle.experiments import paleness

    photo, painting = _images()
    pale = 0.9 + 0.1 * photo                       # lighter (mean ~0.95) and a tenth of the contrast: a pale fog
    flat = 0.5 + 0.1 * (photo - 0.5)               # as flat, but not lighter
    out = [c.Output("A", "p", flat, scores=paleness(photo, flat)), c.Output("B", "p", None, skipped="no"),
           c.Output("A", "q", pale, scores=paleness(photo, pale))]
    rows = c.image_rows(out, [(photo, painting), (photo, painting)], [("x/p.jpg", "m1"), ("y/q.png", "m2")], ["A", "B"])
    assert rows[0][0] is photo and rows[0][1] is painting and rows[0][2] is flat and rows[0][3] is None
    assert rows[1][2] is pale
    found = c.palest(out, "A")
    assert (found["row"], found["pair"], found["pale_fog"]) == (1, "q", True) and c.palest(out, "B") is None
    assert found["contrast"] == pytest.approx(0.1, rel=1e-4) and found["output_mean"] > found["content_mean"] + 0.3
    assert not paleness(photo, flat)["pale_fog"]   # flat but not lighter: no fog
    with pytest.raises(ValueError, match="input pairs"):
        c.image_rows(out, [(photo, painting)], [("p", "m"), ("q", "m")], ["A"])
    assert set(c.SHORT) == set(c.METHODS) and set(c.HEADLINE) <= set(c.METHODS)


def test_the_conclusions_rank_by_the_tie_rule():
    from hw2 import conclusions_discussion as text

    pwct = "PhotoWCT (no smoothing)"
    rows = [r for r in _rows(**{pwct: (0.6, 0.6, 0.55, 0.13, 0.07)}) if r["method"] not in (MUNIT, LABELS)]
    for r in rows:
        r["per_pair"] = {k: [r[k]] * 3 for k in c.SCORES}
    sizes = {"here": 256, "trained": 80, "eval_photos": 50, "draws": 3}
    fps = next(r for r in rows if r["method"] == FPS)
    assert "the highest of all methods on every pair" in text.conclusions(rows, [], sizes)[1]   # 0.78 on each pair
    fps["per_pair"]["photorealism"] = [0.9, 0.9, 0.54]      # mean 0.78, but below Neural Style's 0.67 on one pair
    fps_text = text.conclusions(rows, [], sizes)[1]
    assert "the highest of all methods" not in fps_text
    assert "the highest on average but not on every pair, so by the tie rule level with Neural Style (0.67)" in fps_text
    iq = text.conclusions(rows, [], sizes, seams={"transfer": 1.05, "random": 1.6, "block": 7, "overlap": 1})[-1]
    assert "the lowest of all methods on every pair" in iq and "closer to invisible ones" in iq and "1.05" in iq
    assert "Ranks." in text.ranking_rule(3) and "each of the 3 pairs" in text.ranking_rule(3)
    # Neural Style closes less of the VGG-free gap on average than PhotoWCT, but more on one pair: level, not "less"
    pw = next(r for r in rows if r["method"] == pwct)
    pw["per_pair"]["free_style_distance"] = [0.05, 0.05, 0.2]       # mean 0.10 < Neural Style's 0.13
    ns_text = text.conclusions(rows, [], sizes)[0]
    assert "level by the tie rule with PhotoWCT no smoothing (75%)" in ns_text and "less than" not in ns_text
    pw["per_pair"]["free_style_distance"] = [0.1, 0.1, 0.1]          # better on every pair: "less than"
    assert "less than PhotoWCT no smoothing (75%) on every pair" in text.conclusions(rows, [], sizes)[0]
