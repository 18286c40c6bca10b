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
    from ..data import study
    from ..io import load_image
    from ..methods import get
    from ..munit.config import load_config
    from ..munit.train import Trainer
    from ..munit.translate import DEFAULT_MODEL, choose_temperature, evaluate, load_model, temperature_curve

    trainer = Trainer(load_config("cpu"), device="cpu")
    trainer.train_step()                                  # warm-up (also fills the image cache)
    n = 2 if quick else 10
    with Timer() as t:
        for _ in range(n):
            trainer.train_step()
    out["train_it_per_s"] = n / t.elapsed
    del trainer

    model = load_model(DEFAULT_MODEL)
    photo = load_image(study("photo", 1)[0], max_side=256)
    side = round(256 * max(photo.shape[-2:]) / min(photo.shape[-2:]))   # the shorter side at 256
    out["infer_ms_256"] = 1000 * best_time(
        lambda: get("munit")(photo, model=model, direction="photo2monet", seed=0, size=side), repeat=2 if quick else 5)

    kw = dict(n_photos=6, n_monet=6, n_diversity=2, n_styles=2) if quick else dict(n_photos=50, n_diversity=4,
                                                                                    n_styles=4, n_draws=3)
    ev = evaluate(model, reference=not quick, **kw)
    out.update({k: ev[k] for k in ev if k.startswith(("fid_", "recon_"))})
    out["diversity"] = (ev["diversity_photo2monet"] + ev["diversity_monet2photo"]) / 2
    out["diversity_photo2monet"], out["diversity_monet2photo"] = ev["diversity_photo2monet"], ev["diversity_monet2photo"]
    out["eval_size"], out["eval_n_photos"], out["eval_n_monet"] = ev["eval_size"], ev["n_photos"], ev["n_monet"]
    out["eval_n_draws"] = ev["n_draws"]
    out["style_temperature"] = ev["style_temperature"]
    out["model"] = DEFAULT_MODEL
    # 25 paintings on both splits: all the test split has (the Fréchet distance depends on the count)
    ckw = dict(n_photos=4, n_monet=4, n_draws=1, n_diversity=1, n_styles=2) if quick else dict(
        n_photos=50, n_monet=25, n_draws=3, n_diversity=4, n_styles=4)
    temps = (1.0, 0.5) if quick else (1.0, 0.75, 0.5, 0.25)
    out["temperature_test"] = temperature_curve(model, temps, split="test", seed=0, **ckw)
    out["temperature_train"] = temperature_curve(model, temps, split="train", **ckw)
    out["temperature_chosen"] = choose_temperature(out["temperature_train"])
    if not quick:
        for prefix, name in (("plain", "munit_monet2photo"), ("encadv", "munit_monet2photo_encadv")):
            if name != DEFAULT_MODEL:
                ev2 = evaluate(load_model(name), **kw)
                out.update({f"{prefix}_{k}": v for k, v in ev2.items()
                            if k.startswith(("fid_", "recon_", "diversity_"))})
    return out
