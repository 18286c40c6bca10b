"""The side-by-side comparison: the same photo/Monet pairs through every method, measured alike.

:func:`run_methods` stylises each photo with its Monet painting by every method and
variant, and :func:`measure` scores every output with the shared metrics of
:mod:`hw2.metrics` (the keys of :data:`SCORES`):

``content_ssim``
    SSIM between the photo and the output (content preservation, higher = more kept);
``photorealism``
    SSIM of the Sobel edge maps of photo and output ("edge SSIM", FastPhotoStyle's measure);
``style_distance``
    relative Gram distance to the painting at relu1_1 ... relu5_1 (lower = closer style; the loss
    Neural Style minimises);
``colour_distance``, ``texture_distance``, ``free_style_distance``
    the VGG-free style distance to the painting (Lab colour histograms, local binary patterns,
    and their mean), which no method optimises.

The wall time of each stylisation is kept as ``runtime_s``. Every method is called through the
registry (:mod:`hw2.methods`) and returns a :class:`hw2.result.Result`. A method whose weights are
missing is reported as skipped with the reason, never faked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from . import methods, metrics, profiles, ties
from .fastphotostyle.experiments import paleness
from .fastphotostyle.labels import labelme_path, read_labelme
from .io import load_image, resize_to, to_numpy
from .timing import Timer

__all__ = ["METHODS", "HEADLINE", "SCORES", "SHORT", "Output", "run_methods", "measure", "score", "summary",
           "comparison_rows", "table", "strength_figure", "runtime_rows", "measured", "gaps", "findings",
           "palest", "image_rows", "munit_sizes", "PHOTO_ROW", "PAINTING_ROW", "HAND_LABELS",
           "PHOTOREAL_EDGE_SSIM"]


@dataclass
class Output:
    """One method's output for one pair (``image`` is None when skipped)."""
    method: str
    pair: str
    image: torch.Tensor | None
    runtime_s: float = float("nan")
    scores: dict = field(default_factory=dict)
    skipped: str = ""


def _fps(smoothing, labels: bool):
    def run(photo, monet, photo_path, monet_path, s):
        kw = {}
        if labels:
            kw = {"content_labels": read_labelme(labelme_path(photo_path), size=tuple(photo.shape[-2:])),
                  "style_labels": read_labelme(labelme_path(monet_path), size=tuple(monet.shape[-2:]))}
        return methods.get("fastphotostyle")(photo, monet, smoothing=smoothing, size=None, style_size=None, **kw)
    return run


def _neural_style(photo, monet, photo_path, monet_path, s):
    return methods.get("neural_style")(photo, monet, size=max(photo.shape[-2:]), iterations=s["ns_iterations"],
                                       levels=s["ns_levels"], seed=0, progress=False)


def _munit(photo, monet, photo_path, monet_path, s):
    # the report's model (hw2.munit.method.REPORT_MODEL), the painting's style code
    return methods.get("munit")(photo, monet, direction="photo2monet", size=max(photo.shape[-2:]))


def _quilting(photo, monet, photo_path, monet_path, s):
    side = s["quilt_texture"]
    tex = to_numpy(monet)[:side, :side]
    return methods.get("quilting_transfer")(tex, to_numpy(photo), block=s["quilt_block"], passes=s["quilt_passes"],
                                            seed=0)


#: name -> runner(photo, monet, photo_path, monet_path, settings) -> :class:`hw2.result.Result`
METHODS: dict[str, Callable] = {
    "PhotoWCT (no smoothing)": _fps(None, False),
    "FastPhotoStyle (exact smoothing)": _fps("exact", False),
    "FastPhotoStyle (fast smoothing)": _fps("fast", False),
    "FastPhotoStyle + hand-made labels": _fps("exact", True),
    "Neural Style (Gatys)": _neural_style,
    "MUNIT (reference style)": _munit,
    "Image Quilting (transfer)": _quilting,
}


def run_methods(pairs: Sequence[tuple[Path, Path]], *, profile: str = "full",
                methods: Sequence[str] | None = None, log=None) -> list[Output]:
    """Run every method on every (photo, painting) pair; outputs are resized to the photo's size."""
    s = profiles.get("conclusions", profile)
    outputs = []
    for photo_path, monet_path in pairs:
        photo = load_image(photo_path, max_side=s["size"])
        monet = load_image(monet_path, max_side=s["size"])
        for name in methods or METHODS:
            torch.manual_seed(0)
            try:
                with Timer() as t:
                    img = METHODS[name](photo, monet, photo_path, monet_path, s).image
            except FileNotFoundError as exc:  # missing weights or models (MissingResourceError): never faked
                outputs.append(Output(name, Path(photo_path).stem, None, skipped=str(exc).split("\n")[0]))
                continue
            img = resize_to(img.detach().cpu().float().clamp(0, 1), tuple(photo.shape[-2:]))
            outputs.append(Output(name, Path(photo_path).stem, img, t.elapsed))
            if log:
                log(f"{name} on {Path(photo_path).stem}: {t.elapsed:.1f} s")
    return outputs


#: score key -> table header (arrow: which way is better), in table order
SCORES: dict[str, str] = {
    "content_ssim": "content SSIM ↑",
    "photorealism": "edge SSIM ↑",
    "style_distance": "Gram distance ↓",
    "colour_distance": "Lab colour ↓",
    "texture_distance": "LBP texture ↓",
    "free_style_distance": "VGG-free style ↓",
}
#: method -> the short name figures print (column titles, point labels)
SHORT: dict[str, str] = {
    "PhotoWCT (no smoothing)": "PhotoWCT\nno smoothing",
    "FastPhotoStyle (exact smoothing)": "FastPhotoStyle\nexact smoothing",
    "FastPhotoStyle (fast smoothing)": "FastPhotoStyle\nfast smoothing",
    "FastPhotoStyle + hand-made labels": "FastPhotoStyle\n+ our labels",
    "Neural Style (Gatys)": "Neural Style",
    "MUNIT (reference style)": "MUNIT\nreference style",
    "Image Quilting (transfer)": "Image Quilting\ntransfer",
}
#: the four methods of the study, one variant each (the title page's rows)
HEADLINE = ("FastPhotoStyle (exact smoothing)", "Neural Style (Gatys)", "MUNIT (reference style)",
            "Image Quilting (transfer)")
#: the yardstick rows of :func:`comparison_rows`: the untouched photo and the painting itself
PHOTO_ROW, PAINTING_ROW = "photo (no transfer)", "painting itself"


def score(photo: torch.Tensor, output: torch.Tensor, painting: torch.Tensor) -> dict[str, float]:
    """Every score of :data:`SCORES` for one output: ``{key: float}``.

    Parameters
    ----------
    photo, output, painting : (1, 3, H, W) tensors in [0, 1]
        ``output`` is compared with ``photo`` (content, edges; resized to it when sizes differ) and
        with ``painting`` (style; sizes may differ).
    """
    return {"content_ssim": metrics.ssim(photo, output),
            "photorealism": metrics.photorealism(photo, output),
            "style_distance": metrics.style_distance(output, painting),
            "colour_distance": metrics.colour_distance(output, painting),
            "texture_distance": metrics.texture_distance(output, painting),
            "free_style_distance": metrics.free_style_distance(output, painting)}


def measure(outputs: Sequence[Output], pairs: Sequence[tuple[Path, Path]], *, profile: str = "full") -> None:
    """Fill ``scores`` of every output in place: :func:`score`, and how much lighter and flatter it is than the
    photo (:func:`hw2.fastphotostyle.experiments.paleness`: ``content_mean``, ``output_mean``, ``contrast``,
    ``pale_fog``)."""
    s = profiles.get("conclusions", profile)
    images = {Path(p).stem: (load_image(p, max_side=s["size"]), load_image(m, max_side=s["size"]))
              for p, m in pairs}
    for out in outputs:
        if out.image is not None:
            photo, monet = images[out.pair]
            out.scores = dict(score(photo, out.image, monet), **paleness(photo, out.image))


def summary(outputs: Sequence[Output]) -> list[dict]:
    """One named row per method, in first-seen order: ``method``, ``runtime_s``, ``pairs``, the means
    of :data:`SCORES` over the pairs and ``per_pair`` (score key -> the values, pair by pair, for the tie
    rule of :mod:`hw2.ties`); a method skipped on every pair has ``skipped`` (the reason) instead."""
    rows = []
    for name in dict.fromkeys(o.method for o in outputs):
        done = [o for o in outputs if o.method == name and o.image is not None]
        if not done:
            rows.append({"method": name, "skipped": next(o.skipped for o in outputs if o.method == name)})
            continue
        row = {"method": name, "runtime_s": float(np.mean([o.runtime_s for o in done])), "pairs": len(done)}
        row.update({k: float(np.mean([o.scores[k] for o in done])) for k in SCORES})
        row["per_pair"] = {k: [float(o.scores[k]) for o in done] for k in SCORES}
        rows.append(row)
    return rows


def comparison_rows(outputs: Sequence[Output], inputs: Sequence[tuple[torch.Tensor, torch.Tensor]]) -> list[dict]:
    """The comparison as named rows: the two yardsticks, then :func:`summary`'s row per method.

    ``inputs`` are the (photo, painting) images of the pairs. The yardsticks are the untouched photo
    (:data:`PHOTO_ROW`: its own content and edges, its style distances to the painting) and the painting
    itself (:data:`PAINTING_ROW`, resized to the photo: style distances 0 by definition).
    """
    if not inputs:
        raise ValueError("comparison_rows needs at least one (photo, painting) pair")
    photo = [score(p, p, m) for p, m in inputs]
    paint = [dict(score(p, resize_to(m, tuple(p.shape[-2:])), m), style_distance=0.0, colour_distance=0.0,
                  texture_distance=0.0, free_style_distance=0.0) for p, m in inputs]
    rows = [{"method": name, "pairs": len(inputs), **{k: float(np.mean([r[k] for r in ref])) for k in SCORES},
             "per_pair": {k: [float(r[k]) for r in ref] for k in SCORES}}
            for name, ref in ((PHOTO_ROW, photo), (PAINTING_ROW, paint))]
    return rows + summary(outputs)


def table(rows: Sequence[dict], *, keys: Sequence[str] = tuple(SCORES),
          methods: Sequence[str] | None = None) -> tuple[list[list], list[str]]:
    """``(rows, headers)`` for :func:`hw2.document.show_table`: the method and the ``keys`` columns.

    ``methods`` keeps only those rows (in the order given; absent ones are left out). A skipped
    method's cells read "skipped".
    """
    unknown = [k for k in keys if k not in SCORES]
    if unknown:
        raise ValueError(f"unknown score keys {unknown}; choose from {list(SCORES)}")
    by_name = {r["method"]: r for r in rows}
    chosen = [by_name[m] for m in methods if m in by_name] if methods is not None else list(rows)
    return ([[r["method"], *[r.get(k, "skipped") for k in keys]] for r in chosen],
            ["method", *[SCORES[k] for k in keys]])


def strength_figure(rows: Sequence[dict]):
    """Stylisation against photorealism, one point per measured row of :func:`comparison_rows`: the edge SSIM
    against the Gram distance (left) and the VGG-free style distance (right). Returns the matplotlib figure."""
    import matplotlib.pyplot as plt  # lazy on purpose: matplotlib only when a figure is drawn

    fig, axes = plt.subplots(1, 2, figsize=(7.5, 3.1), sharey=True)
    for ax, key, xlabel in zip(axes, ("style_distance", "free_style_distance"),
                               ("Gram distance", "VGG-free style distance")):
        for r in rows:
            if isinstance(r.get(key), float):
                ax.scatter(r[key], r["photorealism"], s=36,
                           label=SHORT.get(r["method"], r["method"]).replace("\n", " "))
        ax.set_xlabel(xlabel + " to the painting")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("edge SSIM (higher: more photographic)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.22, 1, 1))
    return fig


def image_rows(outputs: Sequence[Output], inputs: Sequence[tuple[torch.Tensor, torch.Tensor]],
               pairs: Sequence[tuple[Path, Path]], methods: Sequence[str]) -> list[list]:
    """Rows of an image grid, one per pair: the photo, the painting, then each of ``methods``' output
    (None where a method was skipped)."""
    if len(inputs) != len(pairs):
        raise ValueError(f"{len(inputs)} input pairs for {len(pairs)} pairs")
    by = {(o.method, o.pair): o.image for o in outputs}
    return [[photo, painting, *[by.get((m, Path(p).stem)) for m in methods]]
            for (p, _), (photo, painting) in zip(pairs, inputs)]


def palest(outputs: Sequence[Output], method: str) -> dict | None:
    """The output of ``method`` whose mean luminance rises most above its photo's: its
    :func:`~hw2.fastphotostyle.experiments.paleness` scores with ``"row"`` (the index of its pair, in the order of
    ``outputs``) and ``"pair"``; None when the method was not measured. Notebook 01 names the same output
    (:func:`hw2.fastphotostyle.experiments.palest`)."""
    pairs = list(dict.fromkeys(o.pair for o in outputs))
    done = [o for o in outputs if o.method == method and "output_mean" in o.scores]
    if not done:
        return None
    o = max(done, key=lambda o: o.scores["output_mean"] - o.scores["content_mean"])
    return {k: o.scores[k] for k in ("content_mean", "output_mean", "contrast", "pale_fog")} | {
        "row": pairs.index(o.pair), "pair": o.pair}


def runtime_rows(outputs: Sequence[Output]) -> list[list]:
    """``[method, mean runtime (s) or "skipped"]`` per method."""
    return [[r["method"], r.get("runtime_s", "skipped")] for r in summary(outputs)]


def munit_sizes(profile: str) -> dict:
    """How MUNIT is run here and in notebook 03, for the text that reconciles their numbers.

    Returns ``{"here": longest side here (px), "trained": the default model's
    training scale (shorter side, px), "eval_photos": test photos of notebook 03's metrics, "draws":
    its draws of style codes per translated set}``.
    """
    from .munit.config import load_config

    munit = profiles.get("munit", profile)
    return {"here": profiles.get("conclusions", profile)["size"], "trained": load_config("cpu_vgg").new_size,
            "eval_photos": munit["n_eval"], "draws": munit["n_draws"]}


#: edge SSIM above which an output still has a photograph's edges (the photo itself scores 1; in our
#: runs the paintings score ~0.2 and the methods that keep the photo's structure 0.6-0.85)
PHOTOREAL_EDGE_SSIM = 0.6
_FPS, _NS, _MUNIT, _IQ = HEADLINE
#: the FastPhotoStyle variant with our hand-made label maps (compared with the one without labels)
HAND_LABELS = "FastPhotoStyle + hand-made labels"


def measured(rows: Sequence[dict]) -> dict[str, dict]:
    """The method rows of :func:`comparison_rows` that were measured (yardsticks and skipped methods left out),
    by name."""
    return {r["method"]: r for r in rows
            if r["method"] not in (PHOTO_ROW, PAINTING_ROW) and "skipped" not in r}


def gaps(rows: Sequence[dict], key: str) -> dict[str, float]:
    """Share of the photo's distance ``key`` to the painting that each method removes: ``1 - d / d_photo``
    (the "gap closed"; 1 = the painting's own statistics, below 0 = further from the painting than the photo)."""
    photo = next((r for r in rows if r["method"] == PHOTO_ROW), None)
    if photo is None or not photo[key] > 0:
        raise ValueError(f"rows need the {PHOTO_ROW!r} yardstick with a {key} > 0 (see comparison_rows)")
    return {k: 1.0 - v[key] / photo[key] for k, v in measured(rows).items()}


def findings(rows: Sequence[dict]) -> dict:
    """The facts the conclusions state, computed from :func:`comparison_rows`' rows.

    Returns a dict with ``best`` (score key -> the method with the best mean: highest SSIMs, lowest
    distances), ``worst`` (the same, reversed), ``leader`` and ``last`` (score key -> the method better,
    or worse, than every other on each pair, :func:`hw2.ties.leader`; None for a tie), ``per_pair``
    (score key -> method -> its values pair by pair), ``gap`` (distance key -> method -> share of the photo's distance removed, e.g.
    ``gap["free_style_distance"]["Neural Style (Gatys)"]``), ``slowest`` (the method with the
    largest mean runtime),
    ``labels_worse`` (the score keys on which the hand-made labels do worse than FastPhotoStyle
    without them; None when either was not measured), ``munit_content_rank`` and
    ``munit_edge_rank`` (1 = highest among FastPhotoStyle, Neural Style and MUNIT; None when not
    measured) and ``photo`` (the photo yardstick's row).
    """
    m = measured(rows)
    if not m:
        raise ValueError("no measured method in rows")
    higher = ("content_ssim", "photorealism")
    best = {k: (max if k in higher else min)(m, key=lambda n, k=k: m[n][k]) for k in SCORES}
    worst = {k: (min if k in higher else max)(m, key=lambda n, k=k: m[n][k]) for k in SCORES}
    per_pair = {k: {n: r.get("per_pair", {}).get(k, [r[k]]) for n, r in m.items()} for k in SCORES}
    leader = {k: ties.leader(per_pair[k], higher=k in higher) for k in SCORES}
    last = {k: ties.leader(per_pair[k], higher=k not in higher) for k in SCORES}
    labels_worse = None
    if HAND_LABELS in m and _FPS in m:
        labels_worse = [k for k in SCORES
                        if (m[HAND_LABELS][k] < m[_FPS][k] if k in higher else m[HAND_LABELS][k] > m[_FPS][k])]

    def rank(key):
        learned = [k for k in (_FPS, _NS, _MUNIT) if k in m]
        if _MUNIT not in learned:
            return None
        return sorted(learned, key=lambda n: -m[n][key]).index(_MUNIT) + 1

    distances = [k for k in SCORES if k not in higher]
    return {"best": best, "worst": worst, "leader": leader, "last": last, "per_pair": per_pair,
            "gap": {k: gaps(rows, k) for k in distances},
            "slowest": max(m, key=lambda n: m[n].get("runtime_s", float("-inf"))),
            "labels_worse": labels_worse, "munit_content_rank": rank("content_ssim"),
            "munit_edge_rank": rank("photorealism"), "photo": next(r for r in rows if r["method"] == PHOTO_ROW)}
