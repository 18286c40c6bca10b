"""MUNIT (key ``munit``): training speed of the CPU config, translation time, and quality figures.

* ``train_it_per_s``: training steps per second of ``configs/cpu.yaml`` on real monet2photo crops
  (one discriminator + one generator update), with one torch thread (``threads``) as in training;
* ``infer_ms_256``: photo -> Monet translation of a 256x256 image (encode + decode), milliseconds;
* Fréchet VGG distances of translated test images against the real target domain, and of the
  untranslated images (``*_identity_*``), both directions; random styles at the default temperature
  ``style_temperature`` (:data:`hw2.munit.translate.STYLE_TEMPERATURE`), ``*_ref_*`` with reference styles;
  in the full run each translated set is drawn three times (new style codes and references) and the figure
  is the mean, with the draws' standard deviation under ``*_sd``;
* ``diversity``: mean pairwise perceptual distance among random-style translations (both directions);
* ``temperature_test``: the same random-style figures at temperatures 1 (the paper's prior ``N(0, I)``),
  0.75, 0.5, 0.25 (:func:`hw2.munit.translate.temperature_curve` on the test images, the same draws), and
  ``temperature_train`` on training images with ``temperature_chosen``, the temperature
  :func:`~hw2.munit.translate.choose_temperature` picks from it (it should be ``style_temperature``);
* ``recon_l1_*``: image reconstruction error.

The main figures are those of :data:`hw2.munit.translate.DEFAULT_MODEL` (``model``); ``plain_*`` are the
same figures for ``munit_monet2photo`` (the paper's objective only) and ``encadv_*`` for the variant
trained with the adversarial loss on encoded-style translations (full run only).

* the evaluation at the size the notebook shows (``eval_size``, 256 px in the full profile) on the study
  set's test images, with ``n_draws`` style draws (:func:`hw2.munit.benchmark.score`). At ``T = 1`` (the
  paper's prior): ``fid_vgg_monet2photo_t1``, ``fid_vgg_photo2monet_t1`` (with ``_sd``), their identities
  ``fid_vgg_identity_monet2photo``, ``fid_vgg_identity_photo2monet``, the ratios ``fid_ratio_*_t1``,
  ``sharpness_monet2photo``, ``sharpness_photo2monet`` and ``diversity_t1`` (the targets:
  :data:`hw2.munit.benchmark.TARGETS`, :data:`~hw2.munit.benchmark.SHARPNESS_TARGET`). The same with the
  suffix ``_tchosen`` at ``temperature_tchosen``, chosen on the validation split (``temperature_validation``,
  one draw, :func:`hw2.munit.benchmark.choose_temperature_on_validation`), never on the test images;
  ``selection_score_validation_t1`` (:func:`hw2.munit.benchmark.selection_score`); the wall times
  ``eval_s_test``, ``eval_s_validation``. The training-scale figures above keep their keys, except their
  size, now ``eval_size_train_scale`` (80 px), and identities, now ``fid_vgg_identity_*_train_scale``.

Counts and sizes come from :data:`hw2.profiles.TABLE` ``["bench_munit"]``.
"""
from __future__ import annotations

import torch

from ..timing import Timer, best_time


def run(*, quick: bool = False) -> dict:
    out: dict = {"threads": 1}
    threads = torch.get_num_threads()
    # the networks are small: on this shared 2-core machine one thread is much faster than two
    torch.set_num_threads(1)
    try:
        return _run(out, quick=quick)
    finally:
        torch.set_num_threads(threads)


def _run(out: dict, *, quick: bool) -> dict:
    from .. import profiles
    from ..data import study
    from ..io import load_image
    from ..methods import get
    from ..munit.config import load_config
    from ..munit.train import Trainer
    from ..munit.translate import DEFAULT_MODEL, choose_temperature, evaluate, load_model, temperature_curve

    prof = profiles.get("bench_munit", "quick" if quick else "full")
    trainer = Trainer(load_config("cpu"), device="cpu")
    trainer.train_step()                                  # warm-up (also fills the image cache)
    n = prof["train_steps"]
    with Timer() as t:
        for _ in range(n):
            trainer.train_step()
    out["train_it_per_s"] = n / t.elapsed
    del trainer

    model = load_model(DEFAULT_MODEL)
    photo = load_image(study("photo", 1)[0], max_side=256)
    side = round(256 * max(photo.shape[-2:]) / min(photo.shape[-2:]))   # the shorter side at 256
    out["infer_ms_256"] = 1000 * best_time(
        lambda: get("munit")(photo, model=model, direction="photo2monet", seed=0, size=side),
        repeat=prof["infer_repeat"])

    _score(out, model, prof)

    kw = prof["eval_kw"]
    ev = evaluate(model, reference=prof["reference"], **kw)
    out.update({k: ev[k] for k in ev if k.startswith(("fid_", "recon_")) and not k.startswith("fid_vgg_identity")})
    out.update({f"{k}_train_scale": ev[k] for k in ev if k.startswith("fid_vgg_identity")})
    out["diversity"] = (ev["diversity_photo2monet"] + ev["diversity_monet2photo"]) / 2
    out["diversity_photo2monet"], out["diversity_monet2photo"] = ev["diversity_photo2monet"], ev["diversity_monet2photo"]
    out["eval_size_train_scale"] = ev["eval_size"]
    out["eval_n_photos"], out["eval_n_monet"] = ev["n_photos"], ev["n_monet"]
    out["eval_n_draws"] = ev["n_draws"]
    out["style_temperature"] = ev["style_temperature"]
    out["model"] = DEFAULT_MODEL
    # 25 paintings on both splits: all the test split has (the Fréchet distance depends on the count)
    ckw, temps = prof["curve_kw"], prof["temperatures"]
    out["temperature_test"] = temperature_curve(model, temps, split="test", seed=0, **ckw)
    out["temperature_train"] = temperature_curve(model, temps, split="train", **ckw)
    out["temperature_chosen"] = choose_temperature(out["temperature_train"])
    if prof["variants"]:
        for prefix, name in (("plain", "munit_monet2photo"), ("encadv", "munit_monet2photo_encadv")):
            if name != DEFAULT_MODEL:
                ev2 = evaluate(load_model(name), **kw)
                out.update({f"{prefix}_{k}": v for k, v in ev2.items()
                            if k.startswith(("fid_", "recon_", "diversity_"))})
    return out


def _score(out: dict, model, prof: dict) -> None:
    """The figures at the notebook's size ``prof["size"]``: T chosen on the validation split, both T scored on
    the test images."""
    from ..munit.benchmark import choose_temperature_on_validation, score

    size = prof["size"]
    t_chosen, curve = choose_temperature_on_validation(model, prof["temperatures"], size=size, **prof["validation_kw"])
    out["eval_size"] = size
    out["temperature_validation"] = curve
    out["temperature_tchosen"] = t_chosen
    out["selection_score_validation_t1"] = curve["selection"][curve["temperature"].index(1.0)]
    out["eval_s_validation"] = curve["seconds"]
    kw = dict(split="test", size=size, **prof["score_kw"])
    scores = {"t1": score(model, temperature=1.0, **kw)}
    scores["tchosen"] = scores["t1"] if t_chosen == 1.0 else score(model, temperature=t_chosen, **kw)
    for suffix, s in scores.items():
        for d in ("monet2photo", "photo2monet"):
            out[f"fid_vgg_{d}_{suffix}"], out[f"fid_vgg_{d}_{suffix}_sd"] = s[f"fid_vgg_{d}"], s[f"fid_vgg_{d}_sd"]
            out[f"fid_ratio_{d}_{suffix}"] = s[f"fid_ratio_{d}"]
            out[f"sharpness_{d}" if suffix == "t1" else f"sharpness_{d}_{suffix}"] = s[f"sharpness_{d}"]
            out[f"diversity_{d}_{suffix}"] = s[f"diversity_{d}"]
            out[f"fid_vgg_identity_{d}"] = s[f"fid_vgg_identity_{d}"]
        out[f"diversity_{suffix}"] = s["diversity"]
    out["eval_n_draws_t1"], out["eval_n_photos_t1"] = scores["t1"]["n_draws"], scores["t1"]["n_photos"]
    out["eval_n_monet_t1"] = scores["t1"]["n_monet"]
    out["eval_s_test"] = round(sum(s["seconds"] for s in {id(s): s for s in scores.values()}.values()), 1)
