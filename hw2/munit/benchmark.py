"""MUNIT scored at the size the notebook shows: fidelity, sharpness and diversity of random styles.

Translations with random style codes ``s ~ N(0, T² I)`` (Huang et al., ECCV 2018, Sec. 3: the paper's prior is
``T = 1``) are compared with the real images of the target domain, all with the shorter side ``size``:

* the Fréchet VGG distance (VGG19 ``relu5_1`` statistics, :func:`hw2.metrics.frechet_distance`) and that of the
  untranslated images (the identity), both directions;
* the sharpness :func:`hw2.metrics.sharpness`: Laplacian energy of the translations over that of the real
  target images (1 = as much fine detail as real images);
* the diversity :func:`hw2.metrics.diversity` among random-style translations of one input.

Two image sets: ``"test"`` (the shipped study set's test photos and paintings, :func:`hw2.data.study`; only
reported) and ``"validation"`` (the held-out part of the training folders, :func:`hw2.data.validation_split`;
temperatures, recipes and checkpoints are chosen on it). :func:`selection_score` is the figure checkpoints
are chosen by; :func:`choose_temperature_on_validation` picks ``T``.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from .evaluate import diversity_of, image_statistics, largest_within, load_prepared, real_statistics
from .model import MUNIT, check_temperature

__all__ = ["SPLITS", "TARGETS", "SHARPNESS_TARGET", "image_paths", "score", "selection_score", "validation_curve",
           "choose_temperature_on_validation", "free_histograms", "free_set_distance", "choose_report_model"]

#: the image sets :func:`score` knows
SPLITS = ("test", "validation")
#: the model's targets at ``T = 1`` (the paper's prior): Fréchet VGG distance at most this share of the
#: identity's, per direction
TARGETS = {"monet2photo": 0.85, "photo2monet": 0.55}
#: and a sharpness (:func:`hw2.metrics.sharpness`) of at least this much in both directions
SHARPNESS_TARGET = 0.6


def image_paths(split: str, *, n_photos: int | None = 50, n_monet: int | None = None,
                seed: int = 0) -> tuple[list, list]:
    """``(photos, paintings)``: the image files of ``split`` (``"test"`` or ``"validation"``).

    ``"test"``: the first ``n_photos`` / ``n_monet`` (``None``: all) of the study set's ``photo`` and ``monet``
    groups. ``"validation"``: a seeded pick (:func:`hw2.data.pick`, ``seed``) of ``n_photos`` / ``n_monet``
    (``None`` or more than there are: all) of the validation part of ``trainB`` / ``trainA``, sorted by name;
    it needs ``$HW2_DATA`` (:func:`hw2.data.monet2photo`).
    """
    from ..data import monet2photo, pick, study

    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if split == "test":
        return list(study("photo", n_photos)), list(study("monet", n_monet))
    out = []
    for folder, n in (("trainB", n_photos), ("trainA", n_monet)):
        paths = monet2photo(folder, part="validation")
        chosen = pick(paths, len(paths) if n is None else min(int(n), len(paths)), seed=seed)
        out.append(sorted(chosen, key=lambda p: p.name))
    return out[0], out[1]


@torch.no_grad()
def score(model, *, split: str = "test", size: int = 256, temperature: float = 1.0, n_photos: int | None = 50,
          n_monet: int | None = None, n_draws: int = 5, n_diversity: int = 4, n_styles: int = 4,
          seed: int = 0) -> dict:
    """Fidelity, sharpness and diversity of random-style translations of ``split`` at shorter side ``size``.

    Parameters
    ----------
    model : :class:`~hw2.munit.model.MUNIT` or :class:`~hw2.munit.pretrained.PretrainedMUNIT`
    split : ``"test"`` or ``"validation"`` (:func:`image_paths`).
    size : int
        Shorter side of every image, source, translation and real target alike (the notebook shows 256 px).
    temperature : float >= 0
        Random styles are ``s ~ N(0, T² I)``; 1 is the paper's prior.
    n_photos, n_monet : image counts (:func:`image_paths`).
    n_draws : int >= 1
        Every image is translated ``n_draws`` times with new codes (image ``i`` of draw ``d`` uses the seed
        ``seed · 100003 + d · 10007 + i``, as :func:`hw2.munit.evaluate.evaluate`).
    n_diversity, n_styles : the diversity is the mean over the first ``n_diversity`` sources (0: not measured)
        of the mean pairwise perceptual distance among ``n_styles`` random-style translations.
    seed : int

    Returns
    -------
    dict with, per direction (``photo2monet``, ``monet2photo``): ``fid_vgg_<dir>`` (mean over draws) and
    ``fid_vgg_<dir>_sd`` (their sd, 0 for one draw), ``fid_vgg_identity_<dir>`` (the untranslated sources),
    ``fid_ratio_<dir>`` (the two divided), ``sharpness_<dir>`` (all draws' translations against the real
    target images), ``diversity_<dir>``, ``free_dist_<dir>`` and ``free_dist_identity_<dir>`` (the VGG-free
    :func:`free_set_distance` of all draws' translations, and of the sources, to the real target images); and ``diversity`` (mean of both directions; ``None`` without it),
    ``temperature``, ``size``, ``split``, ``n_photos``, ``n_monet``, ``n_draws``, ``seconds``.
    """
    from .. import metrics

    t0 = time.perf_counter()
    temperature = check_temperature(temperature)
    if int(n_draws) < 1:
        raise ValueError(f"n_draws must be >= 1, got {n_draws}")
    photo_paths, monet_paths = image_paths(split, n_photos=n_photos, n_monet=n_monet, seed=seed)
    if min(len(photo_paths), len(monet_paths)) < 2:
        raise ValueError(f"the {split} split needs at least two images per domain")
    photos = [load_prepared(p, size=size) for p in photo_paths]
    monets = [load_prepared(p, size=size) for p in monet_paths]
    real_photo, real_monet = real_statistics(tuple(photo_paths), size), real_statistics(tuple(monet_paths), size)
    out: dict = {"split": split, "size": int(size), "temperature": temperature, "n_photos": len(photos),
                 "n_monet": len(monets), "n_draws": int(n_draws)}
    diversities = []
    free_photo, free_monet = [free_histograms(x) for x in photos], [free_histograms(x) for x in monets]
    for direction, src, target, src_stats, target_stats, src_free, target_free in (
            ("photo2monet", photos, monets, real_photo, real_monet, free_photo, free_monet),
            ("monet2photo", monets, photos, real_monet, real_photo, free_monet, free_photo)):
        fids, outputs = [], []
        for d in range(int(n_draws)):
            base = seed * 100_003 + d * 10_007
            draw = [model.translate(x, direction=direction, seed=base + i, size=size, temperature=temperature)
                    for i, x in enumerate(src)]
            fids.append(metrics.frechet_distance(*image_statistics(draw, size), *target_stats))
            outputs += draw
        identity = metrics.frechet_distance(*src_stats, *target_stats)
        out[f"fid_vgg_{direction}"] = float(np.mean(fids))
        out[f"fid_vgg_{direction}_sd"] = float(np.std(fids, ddof=1)) if len(fids) > 1 else 0.0
        out[f"fid_vgg_identity_{direction}"] = identity
        out[f"fid_ratio_{direction}"] = out[f"fid_vgg_{direction}"] / identity
        out[f"sharpness_{direction}"] = metrics.sharpness(outputs, target)
        out[f"free_dist_{direction}"] = free_set_distance([free_histograms(y) for y in outputs], target_free)
        out[f"free_dist_identity_{direction}"] = free_set_distance(src_free, target_free)
        if n_diversity > 0:
            out[f"diversity_{direction}"] = diversity_of(model, src[:n_diversity], direction=direction,
                                                       n_styles=n_styles, size=size, temperature=temperature)
            diversities.append(out[f"diversity_{direction}"])
    out["diversity"] = float(np.mean(diversities)) if diversities else None
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def free_histograms(image) -> dict[str, np.ndarray]:
    """The VGG-free histograms of one image (``(1, 3, H, W)`` in [0, 1]), each normalised to sum 1.

    ``lab``: the joint CIE Lab histogram with :data:`hw2.metrics.LAB_BINS` bins per axis over L in [0, 100] and a, b
    in [-128, 128] (as :func:`hw2.metrics.colour_distance`); ``lbp_<r>``: the rotation-invariant uniform local
    binary patterns (Ojala et al., TPAMI 2002; 8 neighbours) of the 8-bit luminance at each radius ``r`` of
    :data:`hw2.metrics.LBP_RADII` (as :func:`hw2.metrics.texture_distance`).
    """
    from skimage.color import rgb2lab
    from skimage.feature import local_binary_pattern

    from .. import metrics

    rgb = image[0].clamp(0, 1).permute(1, 2, 0).double().numpy()
    lab = rgb2lab(rgb).reshape(-1, 3)
    hist, _ = np.histogramdd(lab, bins=(metrics.LAB_BINS,) * 3, range=((0, 100), (-128, 128), (-128, 128)))
    out = {"lab": hist.ravel() / max(hist.sum(), 1)}
    grey = np.round(metrics.luminance(image[:1].clamp(0, 1))[0, 0].double().numpy() * 255).astype(np.uint8)
    for r in metrics.LBP_RADII:
        codes = local_binary_pattern(grey, 8, int(r), method="uniform").astype(np.int64).ravel()
        h = np.bincount(codes, minlength=10).astype(np.float64)
        out[f"lbp_{r}"] = h / max(h.sum(), 1)
    return out


def free_set_distance(hists_a, hists_b) -> float:
    """The set-level VGG-free distance between two image sets, each a list of :func:`free_histograms`, in [0, 1].

    Every kind of histogram is averaged over each set (each image weighs the same) and the two means compared by
    the Hellinger distance ``sqrt(1 - sum sqrt(p q))``; the figure is the mean of the colour (Lab) distance and of
    the texture (LBP) distance averaged over the radii, the weighting of :func:`hw2.metrics.free_style_distance`.
    0 for sets with the same pooled colours and textures. No network is involved, so no model is trained towards it.
    """
    if not hists_a or not hists_b:
        raise ValueError("free_set_distance needs at least one image in each set")

    def hellinger(kind):
        p, q = (np.mean([h[kind] for h in hs], axis=0) for hs in (hists_a, hists_b))
        return float(np.sqrt(max(0.0, 1.0 - np.sum(np.sqrt(p * q)))))

    lbp = [k for k in hists_a[0] if k.startswith("lbp_")]
    return 0.5 * (hellinger("lab") + float(np.mean([hellinger(k) for k in lbp])))


def selection_score(scores: dict) -> float:
    """The figure checkpoints and recipes are chosen by (lower is better): the worse of the two directions'
    Fréchet ratios (:func:`score`'s ``fid_ratio_<dir>``), each divided by its target in :data:`TARGETS`.

    At most 1 when both fidelity targets are met.
    """
    return max(scores[f"fid_ratio_{d}"] / t for d, t in TARGETS.items())


def validation_curve(model: MUNIT, temperatures=(1.0, 0.75, 0.5, 0.25), **kw) -> dict:
    """:func:`score` on the validation split at each temperature, as lists in the shape of
    :func:`hw2.munit.evaluate.temperature_curve` (``temperature``, ``fid_vgg_<dir>``, ``fid_vgg_<dir>_sd``,
    ``sharpness_<dir>``, ``diversity_<dir>``, and the scalars ``fid_vgg_identity``, ``split``, ``size``,
    ``n_photos``, ``n_monet``, ``n_draws``, ``seconds``). ``kw`` goes to :func:`score` (``split`` excepted).
    """
    temps = [check_temperature(t) for t in temperatures]
    if not temps:
        raise ValueError("validation_curve needs at least one temperature")
    if "split" in kw:
        raise ValueError("validation_curve scores the validation split; call score() for another")
    rows = [score(model, split="validation", temperature=t, **kw) for t in temps]
    out: dict = {"temperature": temps}
    for key in ("fid_vgg_photo2monet", "fid_vgg_photo2monet_sd", "fid_vgg_monet2photo", "fid_vgg_monet2photo_sd",
                "sharpness_photo2monet", "sharpness_monet2photo", "diversity_photo2monet", "diversity_monet2photo"):
        out[key] = [r.get(key) for r in rows]
    out["fid_vgg_identity"] = rows[0]["fid_vgg_identity_photo2monet"]
    out.update({k: rows[0][k] for k in ("split", "size", "n_photos", "n_monet", "n_draws")})
    out["seconds"] = round(sum(r["seconds"] for r in rows), 1)
    return out


def choose_temperature_on_validation(model: MUNIT, temperatures=(1.0, 0.75, 0.5, 0.25), *, tol: float = 0.02,
                                     **kw) -> tuple[float, dict]:
    """``(T, curve)``: the largest temperature whose :func:`selection_score` on the :func:`validation_curve` is
    within ``tol`` of the best one (lower is better); the curve gains its ``selection`` list.

    Below the knee of the curve a lower temperature buys little fidelity and costs diversity, so the highest
    admissible ``T`` is kept (the rule of :func:`hw2.munit.evaluate.choose_temperature`, applied to the one
    figure checkpoints are chosen by: asking each direction to be within ``tol`` of its own best can leave no
    temperature at all when the two directions' best temperatures differ).
    """
    if not 0 <= tol < 1:
        raise ValueError(f"tol must be in [0, 1), got {tol}")
    curve = validation_curve(model, temperatures, **kw)
    identity = curve["fid_vgg_identity"]
    curve["selection"] = [selection_score({f"fid_ratio_{d}": curve[f"fid_vgg_{d}"][i] / identity for d in TARGETS})
                          for i in range(len(curve["temperature"]))]
    return largest_within(curve["temperature"], [curve["selection"]], tol=tol), curve


def choose_report_model(selection: dict) -> str:
    """The report's MUNIT by the rule ``MODEL_CARD_munit_pretrained.md`` fixed before scoring: of the candidates
    ``name -> selection figure`` (:func:`selection_score` on the validation split at 256 px, ``T = 1``, one draw;
    lower is better), the lowest; on a tie the first named."""
    if not selection:
        raise ValueError("choose_report_model needs at least one candidate")
    return min(selection, key=lambda name: selection[name])
