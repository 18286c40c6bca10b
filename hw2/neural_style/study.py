"""The experiments of notebook 02 (Neural Style): each runs :func:`~hw2.neural_style.stylize` or
:func:`~hw2.neural_style.synthesize_texture` over a set of inputs and returns the results and the rows of
the notebook's table, so the notebook only calls, shows and describes.

Every function is deterministic for a given ``seed`` (the only random choice is the noise that texture
synthesis starts from).
"""
from __future__ import annotations

from typing import Sequence

from .. import metrics
from ..result import Result
from .core import loss_curve, stylize
from .texture import synthesize_texture, texture_layers

__all__ = ["photo_label", "benchmark_rows", "stylize_pairs", "pair_rows", "loss_figure", "style_weight_sweep",
           "colour_variants", "COLOUR_MODES", "texture_readings", "texture_rows"]

#: the two colour-preserving variants of Gatys et al. (2017), in the order the notebook shows them
COLOUR_MODES = ("luminance", "histogram")


def photo_label(name: str) -> str:
    """A study-set landscape's file name as a row title: ``"plasma_EveningGlow.jpg"`` -> ``"EveningGlow"``."""
    stem = str(name).rsplit(".", 1)[0]
    for prefix in ("plasma_", "mate_nature_"):
        if stem.startswith(prefix):
            return stem[len(prefix):]
    return stem


def benchmark_rows(results: dict | None) -> list[tuple]:
    """The Neural Style speed benchmark (``hw2.bench.neural_style``) as rows
    ``(recipe, stopped, L-BFGS evaluations, seconds, seconds per evaluation)``: the paper's recipe (pixels, one
    scale), ours (Laplacian bands) and ours coarse to fine, the last two stopped at the paper's final loss
    (the coarse-to-fine run's evaluations are at three sizes, so its seconds per evaluation are a mean).

    ``results`` is the benchmark's entry of ``benchmarks/results.json`` (``None`` or ``{}``: no rows).
    """
    if not results:
        return []

    def per_eval(seconds, evals):
        return seconds / evals if seconds is not None and evals else None

    rows = [("paper: pixels, one scale", "its budget", results["baseline_512_evals"], results["baseline_512_s"]),
            ("ours: Laplacian bands, one scale", "at the paper's final loss", results["ours_512_evals"],
             results["ours_512_s_to_baseline_loss"]),
            ("ours, coarse to fine (3 levels)", "at the paper's final loss", results["coarse_to_fine_512_evals"],
             results["coarse_to_fine_512_s_to_baseline_loss"])]
    return [(*r, per_eval(r[3], r[2])) for r in rows]


def stylize_pairs(pairs: Sequence[tuple], *, size: int, iterations, seed: int = 0, **options) -> list[Result]:
    """:func:`~hw2.neural_style.stylize` each ``(content, style)`` pair with the same options.

    Parameters
    ----------
    pairs : sequence of (content, style)
        Images in [0, 1] (anything :func:`hw2.io.as_image` takes).
    size : int, keyword-only
        Longest side of the outputs.
    iterations : int or sequence of int, keyword-only
        L-BFGS evaluations (per level, coarsest first).
    seed : int, keyword-only
    **options
        Further keyword options of :func:`~hw2.neural_style.stylize` (``progress`` defaults to False).

    Returns
    -------
    list of Result, one per pair, in order.
    """
    options.setdefault("progress", False)
    return [stylize(c, s, size=size, iterations=iterations, seed=seed, **options) for c, s in pairs]


def pair_rows(names: Sequence[tuple[str, str]], results: Sequence[Result]) -> list[tuple]:
    """Table rows of :func:`stylize_pairs`: ``(photo, painting, output "HxW", levels "HxW → HxW",
    evaluations, first loss, final loss, seconds)``.

    Raises
    ------
    ValueError
        ``names`` and ``results`` differ in length.
    """
    if len(names) != len(results):
        raise ValueError(f"{len(names)} name pairs for {len(results)} results")
    return [(c, s, "x".join(map(str, r.image.shape[-2:])), " → ".join(f"{h}x{w}" for h, w in r.sizes),
             len(r.history), r.history[0]["loss"], r.loss, r.elapsed)
            for (c, s), r in zip(names, results)]


def loss_figure(results: Sequence[Result], labels: Sequence[str]):
    """The loss per evaluation (log scale): left, the total loss of every run; right, the first run's weighted
    content and style terms. Returns the matplotlib figure (7.5 x 2.6 in)."""
    import matplotlib.pyplot as plt  # lazy on purpose: matplotlib only when a figure is drawn

    fig, axes = plt.subplots(1, 2, figsize=(7.5, 2.6))
    for label, r in zip(labels, results):
        axes[0].plot(loss_curve(r), label=label)
    for key in ("content", "style"):
        axes[1].plot(loss_curve(results[0], key=key), label=f"{key} (weighted)")
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xlabel("loss evaluation")
        ax.legend()
    axes[0].set_ylabel("total loss")
    axes[0].set_title("all pairs")
    axes[1].set_title(f"{labels[0]}: the two terms")
    fig.tight_layout()
    return fig


def style_weight_sweep(content, style, weights: Sequence[float], *, size: int, iterations, seed: int = 0,
                       **options) -> tuple[list[Result], list[tuple]]:
    """Stylise one pair once per style weight β (content weight 1).

    Returns
    -------
    results : list of Result, one per weight
    rows : list of (β, weighted content loss, weighted style loss, seconds)
        The last evaluation's weighted loss parts.
    """
    options.setdefault("progress", False)
    results = [stylize(content, style, size=size, iterations=iterations, style_weight=float(b), seed=seed,
                       **options) for b in weights]
    rows = [(float(b), r.history[-1]["content"], r.history[-1]["style"], r.elapsed)
            for b, r in zip(weights, results)]
    return results, rows


def colour_variants(content, style, *, size: int, iterations, seed: int = 0,
                    modes: Sequence[str] = COLOUR_MODES, **options) -> dict[str, Result]:
    """Stylise one pair once per colour-preserving mode (Gatys et al. 2017): ``{mode: Result}``."""
    options.setdefault("progress", False)
    return {m: stylize(content, style, size=size, iterations=iterations, preserve_color=m, seed=seed, **options)
            for m in modes}


def texture_readings(source, layers: Sequence[str], *, size: int, iterations, seed: int = 0,
                     **options) -> dict[tuple[str, bool], Result]:
    """Texture synthesis from ``source`` for each layer, read both ways.

    ``(layer, True)``: every layer up to the named one (the paper's ladder); ``(layer, False)``: the
    named layer alone. Where both readings are the same set of layers (conv1_1) the synthesis runs once
    and both keys hold that result.

    Returns
    -------
    dict (layer, ladder) -> Result, ladder results first, layers in the given order.
    """
    options.setdefault("progress", False)
    runs: dict[tuple[str, bool], Result] = {}
    for ladder in (True, False):
        for layer in layers:
            if not ladder and texture_layers(layer) == texture_layers(layer, ladder=False):
                runs[layer, False] = runs[layer, True]
                continue
            runs[layer, ladder] = synthesize_texture(source, size=size, layers=layer, ladder=ladder,
                                                     iterations=iterations, seed=seed, **options)
    return runs


def texture_rows(runs: dict[tuple[str, bool], Result], source) -> list[tuple]:
    """Table rows of :func:`texture_readings`: ``(layer, "up to" | "alone", Gram layers matched,
    levels (px), evaluations, seconds, style distance to the source)``; a reading that repeats another
    (conv1_1 alone) is left out. The style distance is :func:`hw2.metrics.style_distance`."""
    rows = []
    for (layer, ladder), r in runs.items():
        if not ladder and r is runs.get((layer, True)):
            continue
        rows.append((layer, "up to" if ladder else "alone", " + ".join(r.params["layers"]),
                     " → ".join(str(h) for h, _ in r.sizes), len(r.history), r.elapsed,
                     metrics.style_distance(r.image, source)))
    return rows
