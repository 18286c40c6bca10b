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

from .evaluate import _diversity, _load_prepared, _real_stats, _vgg_stats, largest_within
from .model import MUNIT, _temperature

__all__ = ["SPLITS", "TARGETS", "SHARPNESS_TARGET", "image_paths", "score", "selection_score", "validation_curve",
           "choose_temperature_on_validation"]

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
def score(model: MUNIT, *, split: str = "test", size: int = 256, temperature: float = 1.0, n_photos: int | None = 50,
          n_monet: int | None = None, n_draws: int = 5, n_diversity: int = 4, n_styles: int = 4,
          seed: int = 0) -> dict:
    """Fidelity, sharpness and diversity of random-style translations of ``split`` at shorter side ``size``.

    Parameters
    ----------
    model : MUNIT
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
    target images), ``diversity_<dir>``; and ``diversity`` (mean of both directions; ``None`` without it),
    ``temperature``, ``size``, ``split``, ``n_photos``, ``n_monet``, ``n_draws``, ``seconds``.
    """
    from .. import metrics

    t0 = time.perf_counter()
    temperature = _temperature(temperature)
    if int(n_draws) < 1:
        raise ValueError(f"n_draws must be >= 1, got {n_draws}")
    photo_paths, monet_paths = image_paths(split, n_photos=n_photos, n_monet=n_monet, seed=seed)
    if min(len(photo_paths), len(monet_paths)) < 2:
        raise ValueError(f"the {split} split needs at least two images per domain")
    photos = [_load_prepared(p, size=size) for p in photo_paths]
    monets = [_load_prepared(p, size=size) for p in monet_paths]
    real_photo, real_monet = _real_stats(tuple(photo_paths), size), _real_stats(tuple(monet_paths), size)
    out: dict = {"split": split, "size": int(size), "temperature": temperature, "n_photos": len(photos),
                 "n_monet": len(monets), "n_draws": int(n_draws)}
    diversities = []
    for direction, src, target, src_stats, target_stats in (
            ("photo2monet", photos, monets, real_photo, real_monet),
            ("monet2photo", monets, photos, real_monet, real_photo)):
        fids, outputs = [], []
        for d in range(int(n_draws)):
            base = seed * 100_003 + d * 10_007
            draw = [model.translate(x, direction=direction, seed=base + i, size=size, temperature=temperature)
                    for i, x in enumerate(src)]
            fids.append(metrics.frechet_distance(*_vgg_stats(draw, size), *target_stats))
            outputs += draw
        identity = metrics.frechet_distance(*src_stats, *target_stats)
        out[f"fid_vgg_{direction}"] = float(np.mean(fids))
        out[f"fid_vgg_{direction}_sd"] = float(np.std(fids, ddof=1)) if len(fids) > 1 else 0.0
        out[f"fid_vgg_identity_{direction}"] = identity
        out[f"fid_ratio_{direction}"] = out[f"fid_vgg_{direction}"] / identity
        out[f"sharpness_{direction}"] = metrics.sharpness(outputs, target)
        if n_diversity > 0:
            out[f"diversity_{direction}"] = _diversity(model, src[:n_diversity], direction=direction,
                                                       n_styles=n_styles, size=size, temperature=temperature)
            diversities.append(out[f"diversity_{direction}"])
    out["diversity"] = float(np.mean(diversities)) if diversities else None
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


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
    temps = [_temperature(t) for t in temperatures]
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
