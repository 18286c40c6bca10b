"""The seed report's hypothesis at equal training, in the pretrained-parts family (:mod:`.pretrained`).

The hypothesis: reference styles (the style code encoded from a real image of the target domain) give worse
translations than random ones because MUNIT's adversarial loss (Huang et al., ECCV 2018, Sec. 3.2) only judges
translations made with random codes. The test: two models of the family trained from the same Gaussian fit with
the same seed, data and step count, one with the paper's objective (:data:`PLAIN`) and one that also applies the
adversarial loss to encoded-style translations (:data:`ENCADV`, ``--encadv`` of :mod:`.pretrained_train`). If the
hypothesis is right, the second model's reference-minus-random gaps are smaller (more negative) than the first's.

:func:`reference_gap` measures one model on the shipped test images at 256 px, random styles at the paper's prior
``T = 1``, over several draws (new random codes and new references in each draw):

* the **Fréchet VGG distance** to the real target images, with reference and with random styles, and their gap;
* the **sharpness** (:func:`hw2.metrics.sharpness`), with both kinds of style, and their gap;
* the **style distance** (:func:`hw2.metrics.style_distance`, Gram matrices) of each reference translation to its
  own reference image, and that of a random-style translation of the same input to the same image (what a code
  that ignored the reference would score).
"""
from __future__ import annotations

import time

import numpy as np
import torch

from .. import metrics
from .benchmark import image_paths
from .evaluate import image_statistics, load_prepared, real_statistics
from .figures import ARROW
from .model import DIRECTIONS
from .pretrained import HYPOTHESIS_ENCADV, HYPOTHESIS_PLAIN, load_pretrained, training_record

__all__ = ["PLAIN", "ENCADV", "STEPS", "reference_gap", "run", "table_rows", "TABLE_HEADERS", "SCRATCH_STAGE1",
           "benchmark_figures", "verdict"]

#: the two runs (``python -m hw2.munit.pretrained_train --name pretrained_hyp_plain [--encadv] --max-steps 500``,
#: ``make train-munit-hypothesis``)
PLAIN, ENCADV = HYPOTHESIS_PLAIN, HYPOTHESIS_ENCADV
#: their step count
STEPS = 500
#: the from-scratch family at equal steps (stage 1 of MODEL_CARD_munit.md, 80 px, 100 test photos, one draw):
#: (steps, direction) -> Fréchet VGG distances with random (T = 1) and reference styles
SCRATCH_STAGE1 = {"plain": {"steps": 4268, "photo2monet": (620.8, 477.2), "monet2photo": (790.6, 726.4)},
                  "encadv": {"steps": 4267, "photo2monet": (782.0, 486.9), "monet2photo": (999.1, 761.0)}}


def _sd(v) -> float:
    return float(np.std(v, ddof=1)) if len(v) > 1 else 0.0


@torch.no_grad()
def reference_gap(model, *, size: int = 256, n_photos: int | None = 50, n_monet: int | None = None,
                  n_draws: int = 3, seed: int = 0) -> dict:
    """Reference against random styles for ``model`` on the test images (see the module's docstring).

    Draw ``d`` translates image ``i`` with the random code of seed ``seed · 100003 + d · 10007 + i`` at ``T = 1`` (as
    :func:`hw2.munit.benchmark.score`) and with the code encoded from target image ``j``, ``j`` drawn from
    ``numpy.random.default_rng([seed, d, direction])``. Returns, per direction, the means over the draws and their
    standard deviations (``_sd``) of ``fid_random``, ``fid_ref``, ``fid_gap`` (reference minus random, per draw),
    ``sharp_random``, ``sharp_ref``, ``sharp_gap``, ``style_ref`` (each reference translation to its reference) and
    ``style_random`` (the random-style translation of the same input to the same reference), ``style_gap``; and
    ``size``, ``n_photos``, ``n_monet``, ``n_draws``, ``seconds``.
    """
    if int(n_draws) < 1:
        raise ValueError(f"n_draws must be >= 1, got {n_draws}")
    t0 = time.perf_counter()
    photo_paths, monet_paths = image_paths("test", n_photos=n_photos, n_monet=n_monet)
    photos = [load_prepared(p, size=size) for p in photo_paths]
    monets = [load_prepared(p, size=size) for p in monet_paths]
    stats = {"photo": real_statistics(tuple(photo_paths), size), "monet": real_statistics(tuple(monet_paths), size)}
    out: dict = {"size": int(size), "n_photos": len(photos), "n_monet": len(monets), "n_draws": int(n_draws)}
    for k, (direction, src, tgt, real) in enumerate((("photo2monet", photos, monets, stats["monet"]),
                                                     ("monet2photo", monets, photos, stats["photo"]))):
        per: dict[str, list[float]] = {}
        for d in range(int(n_draws)):
            base = seed * 100_003 + d * 10_007
            rand = [model.translate(x, direction=direction, seed=base + i, size=size, temperature=1.0)
                    for i, x in enumerate(src)]
            refs = [tgt[j] for j in np.random.default_rng([seed, d, k]).integers(len(tgt), size=len(src))]
            ref = [model.translate(x, direction=direction, reference=r, size=size) for x, r in zip(src, refs)]
            row = {"fid_random": metrics.frechet_distance(*image_statistics(rand, size), *real),
                   "fid_ref": metrics.frechet_distance(*image_statistics(ref, size), *real),
                   "sharp_random": metrics.sharpness(rand, tgt), "sharp_ref": metrics.sharpness(ref, tgt),
                   "style_ref": float(np.mean([metrics.style_distance(y, r) for y, r in zip(ref, refs)])),
                   "style_random": float(np.mean([metrics.style_distance(y, r) for y, r in zip(rand, refs)]))}
            row.update(fid_gap=row["fid_ref"] - row["fid_random"], sharp_gap=row["sharp_ref"] - row["sharp_random"],
                       style_gap=row["style_ref"] - row["style_random"])
            for key, v in row.items():
                per.setdefault(key, []).append(float(v))
        out[direction] = {**{key: float(np.mean(v)) for key, v in per.items()},
                          **{f"{key}_sd": _sd(v) for key, v in per.items()}}
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def run(**kw) -> dict:
    """:func:`reference_gap` (keywords ``kw``) of :data:`PLAIN` and :data:`ENCADV` from their committed weights, with
    their training records: ``{"steps", "models": {"plain": {...}, "encadv": {...}}}``."""
    res: dict = {"steps": STEPS, "models": {}}
    for label, name in (("plain", PLAIN), ("encadv", ENCADV)):
        res["models"][label] = {"name": name, "training": training_record(name)["summary"],
                                **reference_gap(load_pretrained(name), **kw)}
    return res


def benchmark_figures(res: dict) -> dict:
    """The benchmark keys: ``hypothesis_ref_gap_plain`` and ``hypothesis_ref_gap_encadv`` (reference minus random
    Fréchet distance, mean of both directions, each a mean over draws), per direction under
    ``hypothesis_ref_gap_<model>_<direction>`` (with ``_sd``), the sharpness and style-distance gaps alike
    (``hypothesis_sharp_gap_*``, ``hypothesis_style_gap_*``), ``hypothesis_steps``, and :func:`verdict`'s overall
    words on the Fréchet and sharpness gaps (``hypothesis_verdict``, ``hypothesis_verdict_sharpness``)."""
    out = {"hypothesis_steps": res["steps"], "hypothesis_verdict": verdict(res)["overall"],
           "hypothesis_verdict_sharpness": verdict(res, "sharp_gap")["overall"]}
    for label, r in res["models"].items():
        for key, name in (("fid_gap", "ref_gap"), ("sharp_gap", "sharp_gap"), ("style_gap", "style_gap")):
            out[f"hypothesis_{name}_{label}"] = float(np.mean([r[d][key] for d in DIRECTIONS]))
            for d in DIRECTIONS:
                out[f"hypothesis_{name}_{label}_{d}"] = r[d][key]
                out[f"hypothesis_{name}_{label}_{d}_sd"] = r[d][f"{key}_sd"]
    return out


#: the columns of :func:`table_rows`
TABLE_HEADERS = ["model", "direction", "FVD random", "FVD reference", "FVD gap", "sharpness gap",
                 "style dist. to own reference", "same, random style"]


def _pm(r: dict, key: str, fmt: str) -> str:
    spread = fmt.lstrip("+")  # a spread is never signed
    return f"{r[key]:{fmt}} ± {r[key + '_sd']:{spread}}"


def table_rows(res: dict) -> list[list[str]]:
    """One row per model and direction (mean ± sd over the draws), then the from-scratch stage-1 rows."""
    rows = []
    for label, r in res["models"].items():
        name = f"pretrained parts, {'+ encoded-style adversarial' if label == 'encadv' else 'paper objective'}"
        for d in DIRECTIONS:
            x = r[d]
            rows.append([f"{name} ({res['steps']} steps)", ARROW[d], _pm(x, "fid_random", ".0f"),
                         _pm(x, "fid_ref", ".0f"), _pm(x, "fid_gap", "+.0f"), _pm(x, "sharp_gap", "+.2f"),
                         _pm(x, "style_ref", ".2f"), _pm(x, "style_random", ".2f")])
    for label, s in SCRATCH_STAGE1.items():
        name = f"from scratch, {'+ encoded-style adversarial' if label == 'encadv' else 'paper objective'}"
        for d in DIRECTIONS:
            rnd, ref = s[d]
            rows.append([f"{name} ({s['steps']:,} steps, 80 px, 1 draw)", ARROW[d], f"{rnd:.0f}", f"{ref:.0f}",
                         f"{ref - rnd:+.0f}", "", "", ""])
    return rows


def verdict(res: dict, key: str = "fid_gap") -> dict:
    """Per direction, the change of the gap ``key`` from the plain model to the variant, ``delta`` (variant minus
    plain), its standard error ``se`` over the draws (``sqrt((sd_p² + sd_e²) / n_draws)``) and ``word``: for the
    Fréchet gap, ``"supported"`` when the variant's gap is lower by more than ``2 se`` (its reference styles gain on
    its random ones), ``"contradicted"`` when higher by more than ``2 se``, else ``"within the spread"``; for the
    sharpness gap the signs are reversed (higher is better). ``"overall"`` is the common word of both directions, or
    ``"mixed"``."""
    p, e = res["models"]["plain"], res["models"]["encadv"]
    sign = -1.0 if key.startswith("sharp") else 1.0
    out: dict = {}
    for d in DIRECTIONS:
        delta = e[d][key] - p[d][key]
        se = float(np.sqrt((p[d][f"{key}_sd"] ** 2 + e[d][f"{key}_sd"] ** 2) / max(1, p["n_draws"])))
        word = ("supported" if sign * delta < -2 * se else "contradicted" if sign * delta > 2 * se
                else "within the spread")
        out[d] = {"delta": float(delta), "se": se, "word": word}
    words = {out[d]["word"] for d in DIRECTIONS}
    out["overall"] = words.pop() if len(words) == 1 else "mixed"
    return out
