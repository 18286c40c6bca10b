"""Evaluation of a MUNIT model (Huang et al., ECCV 2018): Fréchet distances, diversity, style-code statistics.

:func:`evaluate` (FID of translations against the real domain, reconstruction errors, LPIPS-free diversity) and
:func:`evaluate_models` (several models on the same images), :func:`comparisons` (what the numbers say, as
words for notebook 03's prose), :func:`temperature_curve` and :func:`choose_temperature` (the style temperature
``T``, chosen on the training images), :func:`temperature_study` and :func:`curve_point` (notebook 03's
temperature section), :func:`style_code_statistics`.
"""
from __future__ import annotations

import functools
from typing import Mapping

import numpy as np
import torch

from .model import MUNIT, check_temperature, prepare, random_styles

__all__ = ["evaluate", "evaluate_models", "comparisons", "temperature_curve", "choose_temperature", "temperature_study",
           "curve_point", "largest_within", "style_code_statistics", "recorded_benchmark", "recorded_temperature_curve",
           "TEMPERATURE_TOL", "diversity_of", "load_prepared", "real_statistics", "image_statistics"]

#: :func:`choose_temperature`'s tolerance: a temperature within this fraction of the best distance is admissible
TEMPERATURE_TOL = 0.02


def evaluate(model: MUNIT, *, n_photos: int = 50, n_monet: int | None = None, n_diversity: int = 3,
             n_styles: int = 3, size: int | None = None, seed: int = 0, reference: bool = True,
             n_draws: int = 1, temperature: float | None = None) -> dict:
    """Quality figures of a model on the test images of the shipped study set (all with :mod:`hw2.metrics`).

    The images are the first ``n_photos`` (at most 50) test photos and ``n_monet`` (default all 25)
    test paintings of :mod:`hw2.studyset`, so every machine scores the same images.

    * ``fid_vgg_photo2monet``: Fréchet VGG19 (relu5_1) distance between ``n_photos`` test photos
      translated to Monet (one seeded random style each, at ``temperature``, default
      :data:`STYLE_TEMPERATURE`) and the real Monet test paintings;
      ``fid_vgg_identity_photo2monet`` the same for the untranslated photos (lower is better; a
      working translation lowers it);
    * ``fid_vgg_monet2photo`` / ``..._identity_...``: the same the other way (``n_monet`` paintings
      against the test photos); with the same image sets both identity values are equal;
    * ``fid_vgg_ref_photo2monet`` / ``fid_vgg_ref_monet2photo`` (``reference=True``): the same with
      the style code encoded from a random real image of the target domain;
    * ``diversity_photo2monet`` / ``diversity_monet2photo``: mean pairwise perceptual distance among
      ``n_styles`` random-style translations of ``n_diversity`` images;
    * ``recon_l1_monet/photo``, ``recon_psnr_monet/photo``: image reconstruction error on the test images;
      ``fid_vgg_recon_monet/photo``: Fréchet VGG distance of the reconstructions to the real images of
      their own domain, i.e. what the decoder's blur alone costs (a floor for the translations);
      ``fid_vgg_autoenc_monet2photo`` / ``fid_vgg_autoenc_photo2monet``: the distance of the same
      reconstructions to the *other* domain, i.e. what a "translation" that only passed the image through
      its own auto-encoder would score (the identity figure after the decoder's losses);
    * ``style_kl_monet`` / ``style_kl_photo``: how far the style codes encoded from the test images are
      from the prior random styles are drawn from (:func:`style_code_statistics`);
    * ``style_temperature``: the temperature of the random styles.

    With ``n_draws > 1`` every translated set is drawn ``n_draws`` times (new random style codes, new
    reference images) and the translation distances are the means over the draws, with their sample
    standard deviations under ``..._sd`` keys: with 25 Monet test paintings one draw of style codes moves
    ``fid_vgg_monet2photo`` by some 5 %. Draw 0 is the single draw of ``n_draws=1``.

    All images are resized to the shorter side ``size`` (default: the training ``new_size``). The
    statistics of the real test images are cached, so evaluating a second model costs only its translations.
    """
    from .. import metrics

    temperature = check_temperature(temperature)
    if int(n_draws) < 1:
        raise ValueError(f"n_draws must be >= 1, got {n_draws}")
    size = model.cfg.new_size if size is None else size
    photos, monets, real_b, real_a = _image_sets("test", n_photos, n_monet, seed, size)
    rng = np.random.default_rng(seed)
    out = {}
    sets = (("photo2monet", photos, monets, real_a), ("monet2photo", monets, photos, real_b))
    draws: dict[str, list[float]] = {}
    for d in range(int(n_draws)):
        for direction, src, _, real in sets:
            draws.setdefault(f"fid_vgg_{direction}", []).append(
                _random_fid(model, src, real, direction=direction, seed=seed, draw=d, size=size,
                            temperature=temperature))
        for direction, src, refs, real in sets if reference else ():
            out_imgs = [model.translate(x, direction=direction, reference=refs[int(rng.integers(len(refs)))], size=size)
                        for x in src]
            draws.setdefault(f"fid_vgg_ref_{direction}", []).append(
                metrics.frechet_distance(*image_statistics(out_imgs, size), *real))
    for key, vals in draws.items():
        out[key] = float(np.mean(vals))
        if len(vals) > 1:
            out[key + "_sd"] = float(np.std(vals, ddof=1))
    out["fid_vgg_identity_photo2monet"] = metrics.frechet_distance(*real_b, *real_a)
    out["fid_vgg_identity_monet2photo"] = metrics.frechet_distance(*real_a, *real_b)
    out["n_draws"] = int(n_draws)
    for direction, src in (("photo2monet", photos), ("monet2photo", monets)):
        out[f"diversity_{direction}"] = diversity_of(model, src[:n_diversity], direction=direction, n_styles=n_styles,
                                                   size=size, temperature=temperature)
    for domain, imgs, real, other, direction in (("monet", monets, real_a, real_b, "monet2photo"),
                                                 ("photo", photos, real_b, real_a, "photo2monet")):
        rec = [model.reconstruct(x, domain=domain, size=size) for x in imgs]
        rec_stats = image_statistics(rec, size)
        out[f"fid_vgg_recon_{domain}"] = metrics.frechet_distance(*rec_stats, *real)
        out[f"fid_vgg_autoenc_{direction}"] = metrics.frechet_distance(*rec_stats, *other)
        out[f"recon_l1_{domain}"] = float(np.mean([float((r - prepare(x, size)).abs().mean())
                                                   for r, x in zip(rec, imgs)]))
        out[f"recon_psnr_{domain}"] = float(np.mean([metrics.psnr(r, prepare(x, size)) for r, x in zip(rec, imgs)]))
    for domain, imgs in (("monet", monets), ("photo", photos)):
        out[f"style_kl_{domain}"] = style_code_statistics(model, imgs, domain=domain, size=size)["kl"]
    out["style_temperature"] = temperature
    out["eval_size"] = size
    out["n_photos"], out["n_monet"] = len(photos), len(monets)
    return out


def evaluate_models(models: Mapping[str, MUNIT], **kw) -> dict[str, dict]:
    """:func:`evaluate` of each ``name -> model`` on the same images, draws and seeds (``kw`` as :func:`evaluate`)."""
    if not models:
        raise ValueError("evaluate_models needs at least one model")
    return {name: evaluate(m, **kw) for name, m in models.items()}


def comparisons(default: dict, plain: dict, variant: dict) -> dict[str, str]:
    """What :func:`evaluate` results say, as the word that is true for each comparison notebook 03 states.

    Parameters
    ----------
    default, plain, variant : dict
        :func:`evaluate` results of the default (stage-3) model, the plain run it started from, and the
        encoded-style variant, on the same images (:func:`evaluate_models`); ``reference=True``.

    Returns
    -------
    dict of str:

    * ``photo2monet``, ``monet2photo``: ``"lowers"`` / ``"does not lower"``: whether the default model's
      random-style translation lowers the Fréchet distance to the target domain below the untranslated images';
    * ``autoenc``: ``"away from"`` / ``"towards"``: where passing paintings through the Monet auto-encoder moves
      them with respect to the photos;
    * ``monet2photo_vs_autoenc``: ``"lower"`` / ``"higher"``: the default model's Monet → photo distance against
      that auto-encoder figure;
    * ``default_vs_plain_<direction>``: the default model's random-style distance against the plain model's;
    * ``default_vs_plain_diversity``: the default model's diversity (mean of both directions) against the plain one's;
    * ``plain_ref_<direction>``: the plain model's reference-style distance against its random-style one;
    * ``variant_ref_<direction>``: the variant's reference-style distance against the plain model's.
    """
    def lowers(a, b):
        return "lowers" if a < b else "does not lower"

    def lower(a, b):
        return "lower" if a < b else "higher"

    out = {d: lowers(default[f"fid_vgg_{d}"], default[f"fid_vgg_identity_{d}"]) for d in ("photo2monet", "monet2photo")}
    out["autoenc"] = ("away from" if default["fid_vgg_autoenc_monet2photo"] > default["fid_vgg_identity_monet2photo"]
                      else "towards")
    out["monet2photo_vs_autoenc"] = lower(default["fid_vgg_monet2photo"], default["fid_vgg_autoenc_monet2photo"])
    for d in ("photo2monet", "monet2photo"):
        out[f"default_vs_plain_{d}"] = lower(default[f"fid_vgg_{d}"], plain[f"fid_vgg_{d}"])
        out[f"plain_ref_{d}"] = lower(plain[f"fid_vgg_ref_{d}"], plain[f"fid_vgg_{d}"])
        out[f"variant_ref_{d}"] = lower(variant[f"fid_vgg_ref_{d}"], plain[f"fid_vgg_ref_{d}"])
    out["default_vs_plain_diversity"] = lower(*(ev["diversity_photo2monet"] + ev["diversity_monet2photo"]
                                                for ev in (default, plain)))
    return out


def temperature_curve(model: MUNIT, temperatures=(1.0, 0.75, 0.5, 0.25), *, split: str = "train",
                      n_photos: int = 50, n_monet: int | None = 25, n_draws: int = 3, n_diversity: int = 3,
                      n_styles: int = 3, size: int | None = None, seed: int = 1) -> dict:
    """Fidelity and diversity of random-style translations against the style temperature ``T``.

    For each ``T``, both directions are translated with codes ``s ~ N(0, T² I)`` exactly as in
    :func:`evaluate` (same images and seeds for the same ``seed``, ``n_photos``, ``n_monet``), ``n_draws``
    times: the Fréchet VGG distance to the real target images and the diversity among ``n_styles`` styles.
    Lowering ``T`` trades diversity (0 at ``T = 0``) for codes the decoders know better.

    Parameters
    ----------
    model : MUNIT
    temperatures : sequence of floats >= 0
    split : ``"train"`` (the study set's training images, where :data:`STYLE_TEMPERATURE` is chosen,
        see :func:`choose_temperature`) or ``"test"``.
    seed : seeds the style codes as in :func:`evaluate` (whose default is 0; ``split="test", seed=0``
        repeats its random-style draws).

    Returns
    -------
    dict of lists, one entry per temperature: ``temperature``, ``fid_vgg_photo2monet``,
    ``fid_vgg_monet2photo`` (means over the draws) with ``..._sd`` (their sd; 0 for one draw),
    ``diversity_photo2monet``, ``diversity_monet2photo``; and the scalars ``fid_vgg_identity`` (the
    untranslated images, the same in both directions), ``split``, ``n_photos``, ``n_monet``, ``n_draws``.
    """
    from .. import metrics

    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    temps = [check_temperature(t) for t in temperatures]
    if not temps:
        raise ValueError("temperature_curve needs at least one temperature")
    if int(n_draws) < 1:
        raise ValueError(f"n_draws must be >= 1, got {n_draws}")
    size = model.cfg.new_size if size is None else size
    photos, monets, real_b, real_a = _image_sets(split, n_photos, n_monet, seed, size)
    out: dict = {"temperature": temps, "split": split, "n_photos": len(photos), "n_monet": len(monets),
                 "n_draws": int(n_draws), "fid_vgg_identity": metrics.frechet_distance(*real_b, *real_a)}
    for t in temps:
        for direction, src, real in (("photo2monet", photos, real_a), ("monet2photo", monets, real_b)):
            vals = [_random_fid(model, src, real, direction=direction, seed=seed, draw=d, size=size, temperature=t)
                    for d in range(int(n_draws))]
            out.setdefault(f"fid_vgg_{direction}", []).append(float(np.mean(vals)))
            out.setdefault(f"fid_vgg_{direction}_sd", []).append(float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0)
            out.setdefault(f"diversity_{direction}", []).append(
                diversity_of(model, src[:n_diversity], direction=direction, n_styles=n_styles, size=size, temperature=t))
    return out


def largest_within(temperatures, figures, *, tol: float = TEMPERATURE_TOL) -> float:
    """The largest temperature at which every figure in ``figures`` (lists aligned with ``temperatures``,
    lower is better) is within ``tol`` of its own best: the rule every temperature choice here uses.

    Below the knee of a curve a lower temperature buys little fidelity and costs diversity, so the highest
    admissible ``T`` is kept. Raises ``ValueError`` for ``tol`` outside [0, 1) or when no temperature qualifies.
    """
    if not 0 <= tol < 1:
        raise ValueError(f"tol must be in [0, 1), got {tol}")
    temps = list(temperatures)
    ok = [t for i, t in enumerate(temps) if all(f[i] <= (1 + tol) * min(f) for f in figures)]
    if not ok:
        raise ValueError(f"no temperature has every figure within {tol:.0%} of its best")
    return max(ok)


def choose_temperature(curve: dict, *, tol: float = TEMPERATURE_TOL) -> float:
    """The largest temperature whose Fréchet distances are within ``tol`` of the best, in both directions
    (:func:`largest_within`); ``curve`` is a :func:`temperature_curve` result (on the training images)."""
    return largest_within(curve["temperature"], (curve["fid_vgg_photo2monet"], curve["fid_vgg_monet2photo"]),
                          tol=tol)


def temperature_study(model: MUNIT, temperatures=(1.0, 0.75, 0.5, 0.25), *, recorded: dict | None = None,
                      n_photos: int = 50, n_monet: int | None = 25, n_draws: int = 3, n_diversity: int = 3,
                      n_styles: int = 3, size: int | None = None, seed: int = 0) -> dict:
    """Notebook 03's temperature section: the curves, the temperature they choose, the spread of encoded codes.

    Parameters
    ----------
    model : MUNIT
    temperatures : the grid of ``T`` for the test-image curve (:func:`temperature_curve`, ``split="test"``).
    recorded : dict, optional
        The curve on *training* images (:func:`recorded_temperature_curve`; training images never ship, so
        the benchmark computes it); ``None`` when it was never recorded.
    n_photos, n_monet, n_draws, n_diversity, n_styles, size, seed : as :func:`temperature_curve`.

    Returns
    -------
    dict with ``curves`` (``{"train": recorded, "test": ...}``, ``"train"`` only when recorded), ``chosen``
    (:func:`choose_temperature` of the training curve, ``None`` without it), ``style_sd`` (``{"photo": [...],
    "monet": [...]}``: per-dimension standard deviations of the style codes encoded from the same test images
    as the curve, :func:`style_code_statistics`; the prior's are 1) and ``n_images`` (``{"photo": n, "monet": n}``).
    """
    test = temperature_curve(model, temperatures, split="test", n_photos=n_photos, n_monet=n_monet,
                             n_draws=n_draws, n_diversity=n_diversity, n_styles=n_styles, size=size, seed=seed)
    size = model.cfg.new_size if size is None else size
    photos, monets, _, _ = _image_sets("test", n_photos, n_monet, seed, size)
    curves = {"train": recorded, "test": test} if recorded is not None else {"test": test}
    return {"curves": curves, "chosen": None if recorded is None else choose_temperature(recorded),
            "style_sd": {d: style_code_statistics(model, imgs, domain=d, size=size)["sd"]
                         for d, imgs in (("photo", photos), ("monet", monets))},
            "n_images": {"photo": len(photos), "monet": len(monets)}}


def curve_point(curve: dict, temperature: float) -> dict:
    """One temperature's entries of a :func:`temperature_curve` result.

    Returns ``fid_vgg_photo2monet``, ``fid_vgg_monet2photo`` (with ``..._sd``), ``diversity`` (the mean of the
    two directions) and ``fid_vgg_identity``; ``ValueError`` when ``temperature`` is not on the curve.
    """
    temps = [float(t) for t in curve["temperature"]]
    if float(temperature) not in temps:
        raise ValueError(f"temperature {temperature} is not on the curve (it has {temps})")
    i = temps.index(float(temperature))
    out = {k: curve[k][i] for k in ("fid_vgg_photo2monet", "fid_vgg_photo2monet_sd", "fid_vgg_monet2photo",
                                    "fid_vgg_monet2photo_sd")}
    out["diversity"] = (curve["diversity_photo2monet"][i] + curve["diversity_monet2photo"][i]) / 2
    out["fid_vgg_identity"] = curve["fid_vgg_identity"]
    return out


def recorded_benchmark() -> dict | None:
    """The MUNIT entry of ``benchmarks/results.json`` (``make bench ONLY=munit``), or ``None`` when never recorded."""
    import json

    from .. import config

    file = config.BENCHMARKS / "results.json"
    if not file.is_file():
        return None
    return json.loads(file.read_text()).get("munit") or None


def recorded_temperature_curve() -> dict | None:
    """The temperature curve on training images as the last ``make bench ONLY=munit`` recorded it.

    Training images never ship with the project, so a notebook cannot recompute this curve
    without ``$HW2_DATA``; the benchmark computes it (:func:`temperature_curve` with
    ``split="train"``) and stores it in ``benchmarks/results.json`` under
    ``munit.temperature_train``. Returns ``None`` when it was never recorded.
    """
    return (recorded_benchmark() or {}).get("temperature_train")


def _image_sets(split: str, n_photos: int, n_monet: int | None, seed: int, size: int):
    """``(photos, monets, photo statistics, Monet statistics)`` of ``split`` ("train"/"test"), prepared.

    Test images are the shipped study set's (:mod:`hw2.studyset`, ``photo``/``monet``, the first
    ``n_photos``/``n_monet``; ``seed`` then only seeds the style codes). Training images never ship:
    they are a seeded pick (``seed``) of ``trainB``/``trainA`` read from ``$HW2_DATA`` or the public
    download (:func:`hw2.data.monet2photo`).
    """
    from ..data import monet2photo, pick, study

    if split == "test":
        photo_paths, monet_paths = tuple(study("photo", n_photos)), tuple(study("monet", n_monet))
    else:
        all_monet = monet2photo("trainA")
        photo_paths = tuple(pick(monet2photo("trainB"), n_photos, seed=seed))
        monet_paths = tuple(pick(all_monet, len(all_monet) if n_monet is None else n_monet, seed=seed))
    load = functools.partial(load_prepared, size=size)
    return ([load(p) for p in photo_paths], [load(p) for p in monet_paths],
            real_statistics(photo_paths, size), real_statistics(monet_paths, size))


def image_statistics(images, size: int):
    """``(mean, covariance)`` of the VGG19 ``relu5_1`` features (:func:`hw2.metrics.vgg_statistics`) of images
    prepared at the shorter side ``size``, read at ``max(size, 64)`` px (the network needs at least 64 px): the
    statistics every Fréchet distance of this package compares."""
    from .. import metrics

    return metrics.vgg_statistics(images, max_side=max(size, 64))


def _random_fid(model: MUNIT, src, real, *, direction: str, seed: int, draw: int, size: int,
                temperature: float) -> float:
    """Fréchet distance of one draw of random-style translations of ``src`` (image ``i``: its own seed)."""
    base = seed * 100_003 + draw * 10_007
    out = [model.translate(x, direction=direction, seed=base + i, size=size, temperature=temperature)
           for i, x in enumerate(src)]
    from .. import metrics

    return metrics.frechet_distance(*image_statistics(out, size), *real)


def diversity_of(model, src, *, direction: str, n_styles: int, size: int, temperature: float) -> float:
    """Mean over the images ``src`` of :func:`hw2.metrics.diversity` among ``n_styles`` random-style translations
    (seeds ``1000 i, 1000 i + 1, ...`` for image ``i``) at ``temperature``; ``model`` is any model with MUNIT's
    ``translate`` (:class:`~hw2.munit.model.MUNIT`, :class:`~hw2.munit.pretrained.PretrainedMUNIT`)."""
    from .. import metrics

    return float(np.mean([metrics.diversity(random_styles(model, x, n_styles, direction=direction, seed=1000 * i,
                                                          size=size, temperature=temperature))
                          for i, x in enumerate(src)]))


@torch.no_grad()
def style_code_statistics(model: MUNIT, images, *, domain: str, size: int | None = None) -> dict:
    """How the style codes encoded from real images sit in the prior ``N(0, I)`` that random styles come from.

    Parameters
    ----------
    model : MUNIT
    images : sequence of ``(1, 3, H, W)`` tensors in [0, 1] (at least two) of ``domain``.
    domain : ``"monet"``/``"a"`` or ``"photo"``/``"b"``.
    size : shorter side the images are resized to (default: the training ``new_size``).

    Returns
    -------
    dict with ``mean`` and ``sd`` (per dimension, lists of ``style_dim`` floats) and ``kl``, the KL
    divergence ``KL(N(mu, S) || N(0, I))`` of the Gaussian fitted to the codes (0 when they look like prior
    samples; :func:`hw2.munit.losses.style_prior_loss`). Where the encoded codes fill only a small part
    of the prior, random-style translations use codes the decoder never reconstructs real images from.
    """
    from .losses import style_prior_loss

    if len(images) < 2:
        raise ValueError("style_code_statistics needs at least two images")
    codes = torch.cat([model.style_of(x, domain=domain, size=size).reshape(1, -1) for x in images]).double()
    kl = style_prior_loss(codes, codes.new_zeros((0, codes.shape[1])))
    return {"mean": codes.mean(0).tolist(), "sd": codes.std(0).tolist(), "kl": float(kl)}


@functools.lru_cache(maxsize=16)
def real_statistics(paths: tuple, size: int):
    """VGG statistics of real images (cached: shared by every model evaluated)."""
    return image_statistics([load_prepared(p, size=size) for p in paths], size)


@functools.lru_cache(maxsize=1024)
def load_prepared(path, *, size: int) -> torch.Tensor:
    """The image file ``path`` resized by :func:`hw2.munit.model.prepare` to the shorter side ``size`` (cached)."""
    from ..io import load_image

    return prepare(load_image(path, max_side=4 * size), size)

