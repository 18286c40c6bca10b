"""Neural Style speed (key ``neural_style``): our default vs the paper's plain recipe.

Figures
-------
s_per_eval_256, s_per_eval_512
    Seconds for one loss + gradient evaluation (default layers, encoder cut at
    relu5_1) at 256 and 512 px (best of 2 after a warm-up).
baseline_512_final_loss, baseline_512_s
    The plain recipe of the paper: pixels optimised at one scale (512 px), 300
    L-BFGS evaluations, initialised from the content image, same VGG19 and loss
    weights as ours. The "final" loss is the lowest of its 300 evaluations (the
    last one when the loss decreases monotonically), which is the harder bar to reach.
ours_512_s_to_baseline_loss
    Wall time of our default pipeline (:func:`hw2.neural_style.stylize` with its
    defaults: Laplacian-pyramid parameterisation, single scale) from the call
    until its loss at 512 px is at or below the baseline's final loss (``None``
    if it never gets there).
speedup
    ``baseline_512_s / ours_512_s_to_baseline_loss`` (0 if never reached). Target >= 3.
ours_512_evals, ours_512_final_loss, ours_512_s
    Evaluations, loss and time of the default pipeline when it stopped (at the
    bar, or after its default budget).
coarse_to_fine_*, speedup_coarse_to_fine
    The same for ``levels=3`` (128 -> 256 -> 512 px, default budget per level).
peak_rss_mb
    Peak resident memory of the process.

The sizes and budgets are ``hw2.profiles.TABLE["bench_neural_style"]``; ``quick=True`` runs the same
code at 48 / 96 px with 15 baseline evaluations (seconds; the figures then only check the code path,
the keys keep their names).
"""
from __future__ import annotations

import sys

import torch

from .. import profiles
from ..data import find, landscapes, study
from ..io import load_image, resize_to
from ..methods import get
from ..neural_style import DEFAULT_CONTENT_LAYERS, DEFAULT_STYLE_LAYERS, PerceptualLoss
from ..timing import best_time, peak_rss_mb

CONTENT = ("landscapes", "plasma_EveningGlow.jpg")
STYLE = ("study set, monet", "70bc945f95.jpg")


def _images():
    content = load_image(find(landscapes(), CONTENT[1]), max_side=1024)
    style = load_image(find(study("monet"), STYLE[1]))
    return content, style, (CONTENT[1], STYLE[1])


def _s_per_eval(content, style, size: int, repeat: int) -> float:
    loss = PerceptualLoss(content_layers=DEFAULT_CONTENT_LAYERS, style_layers=DEFAULT_STYLE_LAYERS)
    x = resize_to(content, (size, size)).to(loss.device)
    loss.set_content(x)
    loss.set_style([resize_to(style, (size, size)).to(loss.device)])
    x = x.clone().requires_grad_(True)

    def step():
        x.grad = None
        total, _ = loss(x)
        total.backward()

    return best_time(step, repeat=repeat, warmup=1)


def _note(out: dict, *keys: str) -> None:
    """Print figures as soon as they are known (the full run takes tens of minutes)."""
    print("neural_style bench: " + ", ".join(f"{k}={out[k]}" for k in keys), file=sys.stderr, flush=True)


def run(*, quick: bool = False) -> dict:
    stylize = get("neural_style")

    p = profiles.get("bench_neural_style", "quick" if quick else "full")
    content, style, names = _images()
    small, big = p["small"], p["big"]
    out = {"quick": bool(quick), "content": names[0], "style": names[1]}
    out["s_per_eval_256"] = _s_per_eval(content, style, small, p["repeat"])
    out["s_per_eval_512"] = _s_per_eval(content, style, big, p["repeat"])
    _note(out, "s_per_eval_256", "s_per_eval_512")

    # plain recipe: one scale, the profile's L-BFGS evaluations from the content image
    base = stylize(content, style, size=big, levels=1, iterations=p["baseline_iterations"], init="content",
                   parameterization="pixels", progress=False)
    bar = min(h["loss"] for h in base.history)
    out["baseline_512_final_loss"] = bar
    out["baseline_512_s"] = base.elapsed
    out["baseline_512_evals"] = len(base.history)
    _note(out, "baseline_512_final_loss", "baseline_512_s")

    # our default pipeline, then the coarse-to-fine variant, each stopped at the bar
    variants = (("ours", {}), ("coarse_to_fine", dict(levels=3, **p["coarse_to_fine"])))
    for key, kw in variants:
        res, t = _time_to_bar(content, style, big, bar, tuple(base.image.shape[-2:]), **kw)
        out[f"{key}_512_s_to_baseline_loss"] = t        # None: never reached (JSON-safe)
        out[f"{key}_512_evals_at_full_size"] = sum(1 for h in res.history if h["level"] == len(res.sizes) - 1)
        out[f"{key}_512_evals"] = len(res.history)
        out[f"{key}_512_final_loss"] = res.loss
        out[f"{key}_512_s"] = res.elapsed
        out[f"{key}_reached_baseline_loss"] = t is not None
        speed = base.elapsed / t if t else 0.0
        out["speedup" if key == "ours" else f"speedup_{key}"] = speed
        _note(out, f"{key}_512_s_to_baseline_loss", "speedup" if key == "ours" else f"speedup_{key}")
    out["threads"] = torch.get_num_threads()
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def _time_to_bar(content, style, size: int, bar: float, full: tuple, **kw):
    """Run :func:`hw2.neural_style.stylize` (defaults + ``kw``) until its loss at the full size
    ``full`` = (H, W) is <= ``bar``.

    Returns the result and the wall time from the call to that evaluation (``None`` if never reached).
    """
    stylize = get("neural_style")

    reached = {}

    def stop_at_bar(rec):
        if (rec["height"], rec["width"]) == tuple(full) and rec["loss"] <= bar:
            reached.update(rec)
            return True
        return False

    res = stylize(content, style, size=size, progress=False, callback=stop_at_bar, **kw)
    return res, reached.get("time")
