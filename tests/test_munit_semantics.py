"""The seed's Fig 3-1 measured (:mod:`hw2.munit.semantics`) and the hypothesis at equal steps
(:mod:`hw2.munit.hypothesis`), on tiny inputs with known answers."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from hw2.munit import hypothesis, semantics

pytestmark = pytest.mark.usefixtures("one_thread")


def _threshold(x: torch.Tensor) -> np.ndarray:
    """A two-class "segmenter": dark (0) or light (1) luminance."""
    return (x[0].mean(0) > 0.5).numpy().astype(np.int64)


class _Invert:
    """A "translation" that inverts the image: the edges stay (Sobel magnitude is sign-blind), every class flips."""

    def translate(self, x, *, direction, seed, size, temperature):
        return 1.0 - x


def _images(n: int, seed: int) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        x = torch.full((1, 3, 32, 40), 0.2)
        r, c = (int(v) for v in torch.randint(4, 20, (2,), generator=g))
        x[..., r:r + 10, c:c + 14] = 0.9                      # a light rectangle on a dark ground
        out.append(x + 0.01 * torch.rand(1, 3, 32, 40, generator=g))
    return out


def test_class_change_and_pairs_known_answers():
    a = np.array([[0, 0], [1, 1]])
    assert semantics.class_change(a, a) == 0.0
    assert semantics.class_change(a, 1 - a) == 1.0
    b = np.array([[0, 2], [1, 0]])
    assert semantics.class_change(a, b) == 0.5
    pairs = semantics.change_pairs([(a, b), (a, a)], ["x", "y", "z"])
    assert sorted(pairs) == [("x", "z", 0.125), ("y", "x", 0.125)]     # 1 pixel of 8 each
    with pytest.raises(ValueError, match="shape"):
        semantics.class_change(a, np.zeros((2, 3)))


def test_blur_keeps_a_constant_image_and_its_mean():
    x = torch.full((1, 3, 20, 24), 0.3)
    assert torch.allclose(semantics.blurred(x), x, atol=1e-6)
    y = torch.rand(1, 3, 20, 24, generator=torch.Generator().manual_seed(0))
    z = semantics.blurred(y, sigma=1.0)
    assert z.shape == y.shape and float(z.std()) < float(y.std())   # smoother
    assert float(z.mean()) == pytest.approx(float(y.mean()), abs=0.01)


def test_contours_follow_the_outline_and_overlay_paints_them():
    x = torch.zeros(1, 3, 48, 48)
    x[..., 12:36, 12:36] = 1.0
    e = semantics.contours(x, sigma=1.5)
    ys, xs = np.nonzero(e)
    assert e.dtype == bool and ys.size > 0
    # every edge pixel lies within 2 px of the square's border
    dist = np.minimum.reduce([np.abs(ys - 12), np.abs(ys - 35), np.abs(xs - 12), np.abs(xs - 35)])
    assert dist.max() <= 2
    red = semantics.overlay(x, e)
    assert red[0, :, ys[0], xs[0]].tolist() == [1.0, 0.0, 0.0]
    assert torch.equal(red[0][:, ~torch.as_tensor(e)], x[0][:, ~torch.as_tensor(e)])


def test_measure_identity_and_inversion_known_answers():
    imgs = {"monet2photo": _images(2, 0), "photo2monet": _images(2, 1)}
    res = semantics.measure({"identity": None, "invert": _Invert()}, imgs, size=32, segment=_threshold,
                            names=("dark", "light"), groups=(np.array([0, 1]), ("dark", "light")))
    for d in imgs:
        ident, inv = res[d]["identity"], res[d]["invert"]
        assert ident["edge_ssim"] == pytest.approx([1.0, 1.0])
        assert ident["class_change"] == [0.0, 0.0] and ident["pairs"] == []
        assert inv["edge_ssim"] == pytest.approx([1.0, 1.0], abs=1e-5)    # same edges ...
        assert inv["class_change"] == [1.0, 1.0]                          # ... every class flipped
        assert {a for a, _, _ in inv["pairs"]} == {"dark", "light"}
        assert inv["group_change"] == inv["class_change"]
        assert res[d]["floor"]["class_change"][0] < 0.2                   # a 1 px blur moves few pixels
        assert len(res[d]["unrelated"]["edge_ssim"]) == 2
    v = semantics.verdict(res, "invert", "monet2photo")
    assert v["structure_kept"] and v["meaning_changed"] and v["holds"]
    v = semantics.verdict(res, "identity", "monet2photo")
    assert v["structure_kept"] and not v["meaning_changed"] and not v["holds"]
    keys = semantics.benchmark_figures(res, {"invert": "", "identity": "_identity"})
    assert keys["fig31_edge_ssim_identity_monet2photo"] == pytest.approx(1.0)
    assert keys["fig31_class_change_photo2monet"] == 1.0 and "fig31_class_change_floor" in keys
    assert keys["fig31_holds_monet2photo"] is True and keys["fig31_holds_identity_monet2photo"] is False
    rows = semantics.summary_rows(res, ["identity", "invert"])
    assert len(rows) == 2 * 2 + 2 * 2 and all(len(r) == len(semantics.SUMMARY_HEADERS) for r in rows)
    with pytest.raises(ValueError, match="directions"):
        semantics.measure({}, {"monet2monet": []}, size=32, segment=_threshold, names=("a", "b"))


def test_the_shipped_segmenter_does_not_change_its_mind_on_the_same_image():
    from hw2.fastphotostyle.labels import ade20k

    if not ade20k.available()[0]:
        pytest.skip("the ADE20K model or its runtime is missing")
    x = _images(1, 2)[0]
    res = semantics.measure({"identity": None}, {"photo2monet": [x]}, size=32)
    assert res["photo2monet"]["identity"]["class_change"] == [0.0]
    assert res["photo2monet"]["identity"]["edge_ssim"] == pytest.approx([1.0])


# ----------------------------------------------------------------------------- the hypothesis at equal steps
def _side(fid_gap: float, sd: float, sharp_gap: float = 0.0) -> dict:
    d = {"fid_random": 500.0, "fid_ref": 500.0 + fid_gap, "fid_gap": fid_gap, "fid_gap_sd": sd,
         "sharp_gap": sharp_gap, "sharp_gap_sd": 0.01, "style_gap": -0.1, "style_gap_sd": 0.01}
    return {"monet2photo": dict(d), "photo2monet": dict(d), "n_draws": 4}


def test_hypothesis_verdict_follows_the_gaps_and_their_spread():
    res = {"steps": 10, "models": {"plain": _side(0.0, 5.0), "encadv": _side(-50.0, 5.0)}}
    v = hypothesis.verdict(res)
    assert v["overall"] == "supported" and v["monet2photo"]["delta"] == -50.0
    assert v["monet2photo"]["se"] == pytest.approx(np.sqrt(50 / 4))
    res["models"]["encadv"] = _side(+50.0, 5.0)
    assert hypothesis.verdict(res)["overall"] == "contradicted"
    res["models"]["encadv"] = _side(-3.0, 5.0)                  # 3 < 2 se = 7.1
    assert hypothesis.verdict(res)["overall"] == "within the spread"
    res["models"]["encadv"] = _side(0.0, 5.0, sharp_gap=0.5)    # sharper reference styles: supported
    assert hypothesis.verdict(res, "sharp_gap")["overall"] == "supported"
    keys = hypothesis.benchmark_figures(res)
    assert keys["hypothesis_steps"] == 10 and keys["hypothesis_ref_gap_plain"] == 0.0
    assert keys["hypothesis_verdict"] == "within the spread" and keys["hypothesis_verdict_sharpness"] == "supported"
    assert "hypothesis_ref_gap_encadv_monet2photo_sd" in keys


def test_reference_gap_on_a_tiny_model():
    from conftest import TINY_MUNIT

    from hw2.munit.config import MUNITConfig
    from hw2.munit.model import MUNIT

    torch.manual_seed(0)
    model = MUNIT(MUNITConfig(**TINY_MUNIT))
    r = hypothesis.reference_gap(model, size=32, n_photos=3, n_monet=3, n_draws=2)
    assert r["n_draws"] == 2 and r["n_photos"] == 3
    for d in ("photo2monet", "monet2photo"):
        x = r[d]
        assert x["fid_gap"] == pytest.approx(x["fid_ref"] - x["fid_random"])
        assert x["style_gap"] == pytest.approx(x["style_ref"] - x["style_random"])
        assert x["fid_random_sd"] >= 0 and x["sharp_ref"] > 0
    with pytest.raises(ValueError, match="n_draws"):
        hypothesis.reference_gap(model, n_draws=0)


def test_seed_analyses_sentence_follows_the_recorded_verdicts():
    from hw2.munit.discussion import seed_analyses

    assert seed_analyses(None) == "" and seed_analyses({"fig31_holds_monet2photo": True}) == ""
    b = {"hypothesis_verdict": "contradicted"}
    for d in ("monet2photo", "photo2monet"):
        b.update({f"fig31_holds_{d}": d == "monet2photo", f"fig31_structure_kept_{d}": True,
                  f"fig31_edge_ssim_{d}": 0.5, f"fig31_edge_ssim_floor_{d}": 0.6})
    text = seed_analyses(b)
    assert "holds Monet → photo only" in text and "against the seed's hypothesis" in text
    b.update(fig31_holds_monet2photo=False, fig31_structure_kept_monet2photo=False,
             fig31_structure_kept_photo2monet=False)
    assert "nearer an unrelated image's" in seed_analyses(b)
