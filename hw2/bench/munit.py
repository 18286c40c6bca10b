"""MUNIT (key ``munit``): training speed of the CPU config, translation time, and quality figures.

* ``train_it_per_s``: training steps per second of ``configs/cpu.yaml`` on real monet2photo crops
  (one discriminator + one generator update), with one torch thread (``threads``) as in training;
* ``infer_ms_256``: photo -> Monet translation of a 256x256 image (encode + decode) by the report's model,
  milliseconds (``scratch_infer_ms_256``: the from-scratch default model);
* Fréchet VGG distances of translated test images against the real target domain, and of the
  untranslated images (``*_identity_*``), both directions; random styles at the default temperature
  ``style_temperature`` (:data:`hw2.munit.model.STYLE_TEMPERATURE`), ``*_ref_*`` with reference styles;
  in the full run each translated set is drawn three times (new style codes and references) and the figure
  is the mean, with the draws' standard deviation under ``*_sd``;
* ``diversity``: mean pairwise perceptual distance among random-style translations (both directions);
* ``temperature_test``: the same random-style figures at temperatures 1 (the paper's prior ``N(0, I)``),
  0.75, 0.5, 0.25 (:func:`hw2.munit.evaluate.temperature_curve` on the test images, the same draws), and
  ``temperature_train`` on training images with ``temperature_chosen``, the temperature
  :func:`~hw2.munit.evaluate.choose_temperature` picks from it (it should be ``style_temperature``);
* ``recon_l1_*``: image reconstruction error.

Training-scale figures (80 px) are those of :data:`hw2.munit.model.DEFAULT_MODEL` (``model``), the from-scratch
family; ``plain_*`` are the same figures for ``munit_monet2photo`` (the paper's objective only) and ``encadv_*`` for
the variant trained with the adversarial loss on encoded-style translations (full run only).

The figures at the size the notebook shows (``eval_size``, 256 px in the full profile) are computed for three
models, each under its prefix: ``scratch_`` (:data:`hw2.munit.model.DEFAULT_MODEL`, from scratch),
``pretrained_`` (:data:`hw2.munit.pretrained.TRAINED_MODEL`, MUNIT on pretrained parts) and ``pretrained_fit_``
(:data:`hw2.munit.pretrained.FIT_MODEL`, its training-free Gaussian-fit baseline); the unprefixed keys repeat those
of the report's model ``report_model``, chosen by :func:`hw2.munit.benchmark.choose_report_model` from the
validation figures alone (``report_model_is_package_default``: whether it is :data:`hw2.munit.method.REPORT_MODEL`,
what the notebooks use). Per model, on the study set's test
images with ``n_draws`` style draws (:func:`hw2.munit.benchmark.score`), at ``T = 1`` (the paper's prior):
``fid_vgg_monet2photo_t1``, ``fid_vgg_photo2monet_t1`` (with ``_sd``), their identities ``fid_vgg_identity_*``, the
ratios ``fid_ratio_*_t1``, ``sharpness_*``, ``diversity_t1``, the VGG-free set distances ``free_dist_*_t1`` and
their identities ``free_dist_identity_*`` (:func:`hw2.munit.benchmark.free_set_distance`), ``eval_size``; the
temperature chosen on the validation split (``temperature_validation``, ``temperature_tchosen``,
:func:`hw2.munit.benchmark.choose_temperature_on_validation`, never on the test images) and
``selection_score_validation_t1``, the figure the report's model is chosen by. The from-scratch model also has
the test figures at the chosen temperature (suffix ``_tchosen``). ``pretrained_train_wall_s`` and
``pretrained_train_steps``: the training of the pretrained-parts model (its committed record).

The seed's two analyses (:func:`analyses`): ``fig31_*``, Fig 3-1 measured (:func:`hw2.munit.semantics.report_study`
at the ``munit`` profile's ``fig31_n`` images per direction and ``fig31_size``; keys of
:func:`hw2.munit.semantics.benchmark_figures`: ``fig31_edge_ssim_<dir>``, ``fig31_class_change_<dir>``,
``fig31_group_change_<dir>`` for the report's model, ``_scratch_``, ``_identity_`` and ``_unrelated_`` likewise, and
the noise floor ``fig31_class_change_floor``); and the hypothesis at equal steps (:mod:`hw2.munit.hypothesis`):
``hypothesis_ref_gap_plain``, ``hypothesis_ref_gap_encadv`` (reference minus random Fréchet VGG distance, mean of
both directions), the per-direction and sharpness/style gaps, ``hypothesis_steps``, and the whole record under
``hypothesis``. They alone are recomputed and merged into the recorded ``munit`` figures by
``python -m hw2.bench.munit --analyses`` (``--quick``: tiny sizes).

Counts and sizes come from :data:`hw2.profiles.TABLE` ``["bench_munit"]``.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import sys

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
    from ..munit.benchmark import choose_report_model
    from ..munit.config import load_config
    from ..munit.evaluate import choose_temperature, evaluate, temperature_curve
    from ..munit.method import REPORT_MODEL, load
    from ..munit.model import DEFAULT_MODEL, load_model
    from ..munit.pretrained import FIT_MODEL, TRAINED_MODEL
    from ..munit.trainer import Trainer

    prof = profiles.get("bench_munit", "quick" if quick else "full")
    trainer = Trainer(load_config("cpu"), device="cpu")
    trainer.train_step()                                  # warm-up (also fills the image cache)
    n = prof["train_steps"]
    with Timer() as t:
        for _ in range(n):
            trainer.train_step()
    out["train_it_per_s"] = n / t.elapsed
    del trainer

    names = {"scratch_": DEFAULT_MODEL, "pretrained_": TRAINED_MODEL, "pretrained_fit_": FIT_MODEL}
    written = {prefix: _score(out, load(name), prof, prefix=prefix, test_at_chosen=prefix == "scratch_")
               for prefix, name in names.items()}
    # the report's model by the model card's rule, from the validation figures only
    report_name = choose_report_model({name: out[f"{p}selection_score_validation_t1"] for p, name in names.items()})
    out["report_model"] = report_name
    out["report_model_is_package_default"] = report_name == REPORT_MODEL
    report = next(p for p, n in names.items() if n == report_name)
    out.update({k: out[report + k] for k in written[report]})

    model = load_model(DEFAULT_MODEL)
    photo = load_image(study("photo", 1)[0], max_side=256)
    side = round(256 * max(photo.shape[-2:]) / min(photo.shape[-2:]))   # the shorter side at 256
    for prefix, net in (("scratch_", model), ("", load(report_name))):
        out[f"{prefix}infer_ms_256"] = 1000 * best_time(
            lambda: get("munit")(photo, model=net, direction="photo2monet", seed=0, size=side),
            repeat=prof["infer_repeat"])
    summary = _pretrained_summary()
    out["pretrained_train_wall_s"], out["pretrained_train_steps"] = summary["elapsed_s"], summary["steps"]

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
    out.update(analyses(quick=quick))
    return out


def analyses(*, quick: bool = False) -> dict:
    """The ``fig31_*`` and ``hypothesis_*`` figures (see the module's docstring), with one torch thread."""
    from .. import profiles
    from ..munit import hypothesis, semantics

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        prof = profiles.get("munit", "quick" if quick else "full")
        out = semantics.benchmark_figures(semantics.report_study(n=prof["fig31_n"], size=prof["fig31_size"]),
                                          semantics.MODELS)
        res = hypothesis.run(**profiles.get("bench_munit", "quick" if quick else "full")["hypothesis_kw"])
        out["hypothesis"] = res
        out.update(hypothesis.benchmark_figures(res))
        return out
    finally:
        torch.set_num_threads(threads)


def main(argv=None) -> int:
    """``python -m hw2.bench.munit --analyses [--quick]``: recompute :func:`analyses` alone and merge its keys into
    the recorded ``munit`` figures of ``benchmarks/results.json`` (the rest of the benchmark is kept)."""
    from . import RESULTS, read_results
    from .__main__ import merge

    p = argparse.ArgumentParser(prog="python -m hw2.bench.munit", description=main.__doc__.split("\n\n")[0])
    p.add_argument("--analyses", action="store_true", required=True)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    with Timer() as t:
        figures = analyses(quick=args.quick)
    recorded = dict(read_results(RESULTS).get("munit", {}))
    meta = dict(recorded.get("_meta", {}))
    meta["analyses"] = {"quick": args.quick, "bench_s": round(t.elapsed, 1),
                        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds")}
    merge(RESULTS, "munit", {**recorded, **figures, "_meta": meta})
    print(f"[bench] munit analyses: {len(figures)} keys merged in {t.elapsed:.1f} s", flush=True)
    return 0



def _pretrained_summary() -> dict:
    from ..munit.pretrained import TRAINED_MODEL, training_record

    return training_record(TRAINED_MODEL)["summary"]


def _score(out: dict, model, prof: dict, *, prefix: str, test_at_chosen: bool) -> list[str]:
    """The figures of one model at the notebook's size ``prof["size"]`` under ``prefix``: T chosen on the validation
    split, the test images scored at ``T = 1`` (and at the chosen T with ``test_at_chosen``). Returns the keys
    written, without the prefix."""
    before = set(out)
    from ..munit.benchmark import choose_temperature_on_validation, score

    size = prof["size"]
    t_chosen, curve = choose_temperature_on_validation(model, prof["temperatures"], size=size, **prof["validation_kw"])
    p = prefix
    out[f"{p}eval_size"] = size
    out[f"{p}temperature_validation"] = curve
    out[f"{p}temperature_tchosen"] = t_chosen
    out[f"{p}selection_score_validation_t1"] = curve["selection"][curve["temperature"].index(1.0)]
    out[f"{p}eval_s_validation"] = curve["seconds"]
    kw = dict(split="test", size=size, **prof["score_kw"])
    scores = {"t1": score(model, temperature=1.0, **kw)}
    if test_at_chosen:
        scores["tchosen"] = scores["t1"] if t_chosen == 1.0 else score(model, temperature=t_chosen, **kw)
    for suffix, s in scores.items():
        for d in ("monet2photo", "photo2monet"):
            out[f"{p}fid_vgg_{d}_{suffix}"], out[f"{p}fid_vgg_{d}_{suffix}_sd"] = s[f"fid_vgg_{d}"], s[f"fid_vgg_{d}_sd"]
            out[f"{p}fid_ratio_{d}_{suffix}"] = s[f"fid_ratio_{d}"]
            out[f"{p}sharpness_{d}" if suffix == "t1" else f"{p}sharpness_{d}_{suffix}"] = s[f"sharpness_{d}"]
            out[f"{p}diversity_{d}_{suffix}"] = s[f"diversity_{d}"]
            out[f"{p}fid_vgg_identity_{d}"] = s[f"fid_vgg_identity_{d}"]
            out[f"{p}free_dist_{d}_{suffix}"] = s[f"free_dist_{d}"]
            out[f"{p}free_dist_identity_{d}"] = s[f"free_dist_identity_{d}"]
        out[f"{p}diversity_{suffix}"] = s["diversity"]
    out[f"{p}eval_n_draws_t1"], out[f"{p}eval_n_photos_t1"] = scores["t1"]["n_draws"], scores["t1"]["n_photos"]
    out[f"{p}eval_n_monet_t1"] = scores["t1"]["n_monet"]
    out[f"{p}eval_s_test"] = round(sum(s["seconds"] for s in {id(s): s for s in scores.values()}.values()), 1)
    return sorted(k[len(p):] for k in set(out) - before)


if __name__ == "__main__":
    sys.exit(main())
