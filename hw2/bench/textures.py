"""Gatys texture synthesis: how close, how fast, how useful for quilting (key ``textures``).

Setup: the source is the 128 px centre crop of one Monet painting (:func:`_texture_source`,
the painting notebook 04 synthesises its textures from). Textures are synthesised with
:func:`hw2.neural_style.synthesize_texture` at the report's budget
(:data:`hw2.profiles.REPORT_TEXTURE`, the full profile of notebooks 02 and 04),
matching every layer *up to* conv1_1, conv3_1 and conv5_1 (Gram loss).

Figures
-------
style_dist
    ``{layer: hw2.metrics.style_distance(texture, source)}`` (Gram, relu1_1 ... relu5_1,
    relative per layer, the measure of the conclusions table).
crop_style_dist
    The same distance for a plain crop of the same painting, the natural floor: the mean
    over the four 128 px corner crops. On a 256 px painting no 128 px crop is disjoint from
    the centre crop; the corners overlap it least (``crop_overlap``, a fraction of its area:
    0.25 each at 256 px, 0 from 384 px up). ``crop_style_dist_each`` lists the four.
noise_style_dist
    The same distance for uniform noise whose channel histograms are matched to the
    source's: what histogram matching alone achieves (a yardstick for the thresholds).
style_dist_histogram_matched
    ``style_dist`` of the same textures after matching each channel's histogram to the
    source's (``synthesize_texture(histogram_match=True)``).
style_dist_ratio
    ``style_dist / crop_style_dist`` per layer (target for conv5_1: <= 1.5).
schedules_conv5_1
    ``{name: {"style_dist", "s", "evaluations"}}``: the conv5_1 texture's time spent
    otherwise, each run stopped once it has used as much wall time: ``coarse_to_fine`` (the
    report's schedule), ``single_scale`` (all evaluations at full size), ``pixels`` (the
    report's schedule, pixel parameterisation), ``sliced_wasserstein`` (the report's
    schedule, sliced Wasserstein loss of Heitz et al. 2021, new directions every 25
    evaluations).
schedules_conv3_1
    The same for the conv3_1 texture: ``coarse_to_fine`` (the report's, two levels) and
    ``single_scale`` at equal time, with the latter's ``transfer_lum_corr``.
s_per_texture
    ``{layer: seconds}`` for one texture (wall time; ``threads`` torch threads;
    ``load_avg_1min`` is the load when the run ended: the machine is shared).
cpu_s_per_texture
    ``{layer: seconds}`` of CPU time of the process for the same runs: with one thread, the
    wall time the run would take on an idle core (the wall time grows with the load).
s_per_texture_threads
    conv5_1 with 1 and with 2 torch threads (``{"1": s, "2": s}``; the run's own thread
    count is ``s_per_texture``, the other a second run).
size
    Texture side in pixels; ``iterations`` the L-BFGS evaluations per level.
transfer_lum_corr
    ``{layer: r, "monet_crop": r}``: mean over notebook 04's target photos (256 px centre
    squares, as the notebook crops them) of the correlation between the luminance of the
    quilting transfer (notebook 04's settings, :data:`TRANSFER`) and the target's, with each
    texture, or the crop itself, as source: how well the photo reads through. Target for the
    mean of conv3_1 and conv5_1: >= 0.7.
transfer_style_dist, transfer_free_style_dist
    The same transfers' mean distance to the crop, by the Gram distance
    (:func:`hw2.metrics.style_distance`) and by the VGG-free style distance
    (:func:`hw2.metrics.free_style_distance`): whether they still carry the source's texture
    (yardsticks: ``crop_style_dist``, and ``target_style_dist`` / ``target_free_style_dist``,
    the untouched targets' distances to the crop).

``quick=True`` checks the code path in seconds (48 px textures, 64 px targets).
"""
from __future__ import annotations

import os
import time

import numpy as np
import torch

from .. import metrics, profiles
from ..data import find, study
from ..io import load_image, resize_longest, to_numpy, to_tensor
from ..methods import get
from ..neural_style import functional as Fn
from ..neural_style.texture import source_crops
from ..quilting import luminance
from ..quilting.study import centre_crop
from ..timing import Timer

LAYERS = ("conv1_1", "conv3_1", "conv5_1")
CROP = 128
#: notebook 04's transfer targets (study-set test photos) and settings (full profile)
TARGETS = ("9e0a0d54b5", "d549b4831b", "cbddae001d")
_NB04 = profiles.get("quilting", "full")
TRANSFER = dict(target_side=_NB04["target_side"], block=_NB04["transfer_block"], passes=_NB04["passes"], blur=0.0)


def _texture_source() -> tuple[torch.Tensor, str]:
    """The painting the textures come from, ``(1, 3, H, W)`` in [0, 1], and its name.

    The one place that names it: notebook 04's texture painting (study-set test painting).
    """
    name = "8cfd45a2e2"
    return load_image(find(study("monet"), name)), name


def _targets(side: int) -> list[np.ndarray]:
    """Notebook 04's targets: each photo scaled to ``side`` on its longest side, then its
    centre ``side`` square, ``(side, side, 3)``."""
    return [centre_crop(resize_longest(load_image(find(study("photo"), n)), side, upscale=True), side)
            for n in TARGETS]


def lum_corr(out: np.ndarray, target: np.ndarray) -> float:
    """Correlation of two images' luminance (``hw2.quilting.luminance``), as notebook 04 reports it."""
    return float(np.corrcoef(luminance(out).ravel(), luminance(target).ravel())[0, 1])


def _transfers(source: np.ndarray, targets, tr: dict) -> list[np.ndarray]:
    """The quilting transfer of ``source`` onto each of ``targets`` with the settings ``tr``."""
    transfer = get("quilting_transfer")

    return [to_numpy(transfer(source, tgt, block=tr["block"], passes=tr["passes"], blur=tr["blur"], seed=0).image)
            for tgt in targets]


def _mean_transfer_corr(source: np.ndarray, targets, tr: dict) -> float:
    """Mean over ``targets`` of :func:`lum_corr` of the quilting transfer of ``source`` onto each."""
    return float(np.mean([lum_corr(out, tgt) for out, tgt in zip(_transfers(source, targets, tr), targets)]))


def _equal_time(source, budget: dict, seconds: float, **kw):
    """``synthesize_texture`` (up to conv5_1, ``budget`` updated with ``kw``) stopped after ``seconds``."""
    synthesize_texture = get("neural_style_texture")

    r = synthesize_texture(source, layers="conv5_1", seed=0, progress=False,
                           callback=lambda rec: rec["time"] >= seconds, **{**budget, **kw})
    return r


def run(*, quick: bool = False) -> dict:
    synthesize_texture = get("neural_style_texture")

    painting, name = _texture_source()
    p = profiles.get("bench_textures", "quick" if quick else "full")
    source, corners, overlap = source_crops(painting, p["crop"] or CROP)
    budget = dict(size=p["size"], iterations=p["iterations"])
    tr = dict(TRANSFER, target_side=p["target_side"], block=p["transfer_block"]) if quick else TRANSFER
    threads = torch.get_num_threads()
    out = {"source": f"{name} (centre {source.shape[-1]} px crop)", "size": budget["size"],
           "iterations": list(budget["iterations"]), "threads": threads}

    # warm-up (loads the VGG19 weights), so that no timing below includes it
    synthesize_texture(source, layers="conv5_1", size=budget["size"], iterations=1, levels=1, progress=False)
    textures, out["style_dist"], out["s_per_texture"], out["style_dist_histogram_matched"] = {}, {}, {}, {}
    evals, out["cpu_s_per_texture"] = {}, {}
    for layer in LAYERS:
        cpu0 = time.process_time()
        with Timer() as t:
            r = synthesize_texture(source, layers=layer, seed=0, progress=False, **budget)
        out["cpu_s_per_texture"][layer] = time.process_time() - cpu0
        textures[layer], evals[layer] = r.image, len(r.history)
        out["s_per_texture"][layer] = t.elapsed
        out["style_dist"][layer] = metrics.style_distance(textures[layer], source)
        matched = Fn.match_histograms(textures[layer], source).clamp(0, 1)
        out["style_dist_histogram_matched"][layer] = metrics.style_distance(matched, source)
    floor = [metrics.style_distance(c, source) for c in corners]
    out["crop_style_dist"] = float(np.mean(floor))
    out["crop_style_dist_each"] = floor
    out["crop_overlap"] = overlap
    out["style_dist_ratio"] = {k: v / out["crop_style_dist"] for k, v in out["style_dist"].items()}
    noise = torch.rand((1, 3, budget["size"], budget["size"]), generator=torch.Generator().manual_seed(0))
    out["noise_style_dist"] = metrics.style_distance(Fn.match_histograms(noise, source), source)

    # the same time as the report's conv5_1 texture, spent otherwise
    t5 = out["s_per_texture"]["conv5_1"]
    variants = {"single_scale": dict(levels=1, iterations=10_000), "pixels": dict(parameterization="pixels"),
                "sliced_wasserstein": dict(loss="sliced")}
    out["schedules_conv5_1"] = {"coarse_to_fine": {"style_dist": out["style_dist"]["conv5_1"], "s": t5,
                                                   "evaluations": evals["conv5_1"]}}
    for key, kw in variants.items():
        r = _equal_time(source, budget, t5, **kw)
        out["schedules_conv5_1"][key] = {"style_dist": metrics.style_distance(r.image, source), "s": r.elapsed,
                                         "evaluations": len(r.history)}

    t3 = out["s_per_texture"]["conv3_1"]
    r = synthesize_texture(source, layers="conv3_1", seed=0, progress=False,
                           callback=lambda rec: rec["time"] >= t3, **{**budget, "levels": 1, "iterations": 10_000})
    out["schedules_conv3_1"] = {
        "coarse_to_fine": {"style_dist": out["style_dist"]["conv3_1"], "s": t3,
                           "evaluations": evals["conv3_1"]},
        "single_scale": {"style_dist": metrics.style_distance(r.image, source), "s": r.elapsed,
                         "evaluations": len(r.history),
                         "transfer_lum_corr": _mean_transfer_corr(to_numpy(r.image), _targets(tr["target_side"]), tr)}}

    other = 2 if threads == 1 else 1
    torch.set_num_threads(other)
    try:
        with Timer() as t:
            synthesize_texture(source, layers="conv5_1", seed=0, progress=False, **budget)
    finally:
        torch.set_num_threads(threads)
    out["s_per_texture_threads"] = {str(threads): t5, str(other): t.elapsed}

    targets = _targets(tr["target_side"])
    sources = {k: to_numpy(v) for k, v in textures.items()}
    sources["monet_crop"] = to_numpy(source)
    out["transfer_lum_corr"], out["transfer_style_dist"], out["transfer_free_style_dist"] = {}, {}, {}
    for key, src in sources.items():
        outs = [to_tensor(o) for o in _transfers(src, targets, tr)]
        out["transfer_lum_corr"][key] = float(np.mean([lum_corr(to_numpy(o), t) for o, t in zip(outs, targets)]))
        out["transfer_style_dist"][key] = float(np.mean([metrics.style_distance(o, source) for o in outs]))
        out["transfer_free_style_dist"][key] = float(np.mean([metrics.free_style_distance(o, source) for o in outs]))
    tgts = [to_tensor(t) for t in targets]
    out["target_style_dist"] = float(np.mean([metrics.style_distance(t, source) for t in tgts]))
    out["target_free_style_dist"] = float(np.mean([metrics.free_style_distance(t, source) for t in tgts]))
    out["transfer"] = dict(tr)
    out["load_avg_1min"] = os.getloadavg()[0]
    return out
