"""The experiments of notebook 01 (FastPhotoStyle, Li et al., ECCV 2018): loops that return rows and results.

The notebook only calls these and shows what they return; every function is deterministic for a given
``seed`` (the joint clustering is the only random step) and runs on the CPU by default.

* :func:`components` -- which decoders and models are available;
* :func:`load_study` and :func:`label_maps` -- the photo/Monet study pairs and their three kinds of label maps
  (hand-made labelme polygons, the ADE20K segmenter, the weight-free joint clustering);
* :func:`label_grid`, :func:`matched_class_rows` -- what the maps look like and which classes they share;
* :func:`run_direction` -- Photo -> Monet or Monet -> Photo with no labels (ex1), hand-made (ex2) and
  automatic labels (ex3), with the scores of each output; :func:`mean_scores` summarises them;
* :func:`load_photoreal_pair`, :func:`smoothing_alone`, :func:`lambda_sweep` -- the smoothing on its own,
  applied to a pixel-level WCT;
* :func:`method_comparison`, :func:`mean_rows`, :func:`trade_off_figure` -- WCT vs PhotoWCT vs PhotoWCT +
  smoothing, and means over the pairs;
* :func:`panel` -- one run of the pipeline for the interactive panel.

Scores: *style distance* (:func:`hw2.metrics.style_distance`, the relative Gram-matrix distance of VGG
features to the style, lower = more stylised) and *photorealism* (:func:`hw2.metrics.photorealism`, the
SSIM of Sobel edge maps of content and output, higher = structure better kept).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .. import data, io, metrics
from ..timing import Timer
from . import labels
from .labels import ade20k
from .pipeline import decoders_available, stylize
from .pixel import pixel_wct
from .smoothing import guided_filter, lam_to_beta, smooth_exact

__all__ = ["Study", "LabelMaps", "CLUSTER_PALETTE", "EXPERIMENTS", "VARIANTS", "components", "load_study", "label_maps",
           "label_grid", "matched_class_rows", "run_direction", "mean_scores", "label_score_rows",
           "label_counts", "single_class_pairs", "worst_case", "paleness", "palest", "PALE_RISE", "PALE_CONTRAST", "load_photoreal_pair", "smoothing_alone",
           "smoothing_summary", "lambda_sweep", "method_comparison", "mean_rows", "trade_off_figure", "panel"]

#: colours of the joint-clustering ids (colour-blind-safe; cluster ids are not classes)
CLUSTER_PALETTE = [(230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178), (213, 94, 0),
                   (204, 121, 167), (120, 120, 120)]
#: the three label settings of the seed report
EXPERIMENTS = ("ex1", "ex2", "ex3")
#: "a pale fog" (here and in the conclusions): an output whose mean luminance is at least ``PALE_RISE`` above its
#: content's (luminance in [0, 1]) and that keeps less than ``PALE_CONTRAST`` of its contrast
PALE_RISE, PALE_CONTRAST = 0.1, 2 / 3


@dataclass
class Study:
    """The photo/Monet study pairs at one size: ``pairs`` of (photo stem, Monet stem), ``images`` stem -> tensor."""
    pairs: list
    images: dict


@dataclass
class LabelMaps:
    """Label maps of a :class:`Study`: ``hand`` and ``ade`` stem -> (H, W) map or None, ``cluster``
    (photo stem, Monet stem) -> (photo map, Monet map), ``ade_s`` seconds per ADE20K segmentation."""
    hand: dict
    ade: dict = field(default_factory=dict)
    cluster: dict = field(default_factory=dict)
    ade_s: float | None = None

    def auto(self, content: str, style: str, pair: tuple) -> tuple[np.ndarray, np.ndarray]:
        """The automatic maps of ex3: ADE20K when it ran, else the joint clusters of ``pair``."""
        if self.ade:
            return self.ade[content], self.ade[style]
        cl, sl = self.cluster[pair]
        return (cl, sl) if content == pair[0] else (sl, cl)


def components() -> dict[str, tuple[bool, str]]:
    """What the experiments need, ``name -> (available, why not)``: ``"photowct"`` (our PhotoWCT decoders),
    ``"wct"`` (plain WCT's decoders) and ``"ade20k"`` (the segmenter and its runtime), in that order."""
    return {"photowct": decoders_available("photowct"), "wct": decoders_available("wct"),
            "ade20k": (ade20k.available(), "the ADE20K model or its runtime (ai-edge-litert) is missing")}


def load_study(n_pairs: int, size: int) -> Study:
    """The first ``n_pairs`` study pairs (:func:`hw2.data.study_pairs`), longest side ``size`` pixels."""
    if n_pairs < 1 or size < 8:
        raise ValueError(f"need n_pairs >= 1 and size >= 8, got {n_pairs}, {size}")
    pairs = data.study_pairs(n_pairs)
    images = {}
    for p, m in pairs:
        images[p.stem] = io.load_image(p, max_side=size)
        images[m.stem] = io.load_image(m, max_side=size)
    return Study([(p.stem, m.stem) for p, m in pairs], images)


def label_maps(study: Study, *, k: int = 4, seed: int = 0, ade: bool = True, device="cpu") -> LabelMaps:
    """Hand-made, ADE20K (when ``ade`` and the model is available) and joint-cluster maps of ``study``.

    ``k`` clusters per pair (:func:`hw2.fastphotostyle.labels.joint_cluster_labels`, seeded with ``seed``).
    Every map has its image's ``(H, W)``.
    """
    def hand(stem):
        f = labels.labelme_path(stem)
        size = tuple(study.images[stem].shape[-2:])
        return labels.read_labelme(f, size=size) if f.is_file() else None

    maps = LabelMaps(hand={k_: hand(k_) for k_ in study.images})
    if ade and ade20k.available():
        with Timer() as t:
            maps.ade = {k_: ade20k.segment(v) for k_, v in study.images.items()}
        maps.ade_s = t.elapsed / len(study.images)
    for p, m in study.pairs:
        maps.cluster[(p, m)] = labels.joint_cluster_labels(study.images[p], study.images[m], k=k, seed=seed,
                                                           device=device)
    return maps


def label_grid(study: Study, maps: LabelMaps, *, clusters: bool = True) -> tuple[list, list, list]:
    """The label maps of every image of ``study``, one column per image (the photos, then the paintings).

    Returns rows ``[images, hand-made, ADE20K, joint clusters]`` (colour images, None where a map is missing;
    without the last row when ``clusters`` is False), their titles, and the column titles (the image stems).
    """
    cols = [(pair, j) for j in (0, 1) for pair in study.pairs]
    rows = [[study.images[pair[j]] for pair, j in cols], [], [], []]
    for pair, j in cols:
        stem, hand = pair[j], maps.hand.get(pair[j])
        rows[1].append(None if hand is None else labels.label_to_rgb(hand))
        rows[2].append(labels.label_to_rgb(maps.ade[stem]) if stem in maps.ade else None)
        rows[3].append(labels.label_to_rgb(maps.cluster[pair][j], palette=CLUSTER_PALETTE))
    titles = ["image", "hand-made", "ADE20K", "joint clusters"]
    n = 4 if clusters else 3
    return rows[:n], titles[:n], [pair[j] for pair, j in cols]


def matched_class_rows(study: Study, maps: LabelMaps) -> list[list[str]]:
    """One row per pair: ``[pair, then for hand-made and ADE20K maps: classes in both images, photo classes
    absent from the painting]`` (class names joined by commas, "none" when empty, "–" when a map is missing)."""
    def names(ids):
        return ", ".join(labels.CLASSES[i] for i in ids) or "none"

    rows = []
    for p, m in study.pairs:
        row = [f"{p} / {m}"]
        for per in (maps.hand, maps.ade):
            if per.get(p) is not None and per.get(m) is not None:
                both, only = labels.matched_labels(per[p], per[m])
                row += [names(both), names(only)]
            else:
                row += ["–", "–"]
        rows.append(row)
    return rows


def _scores(content, output, style) -> tuple[float, float]:
    return metrics.style_distance(output, style), metrics.photorealism(content, output)


def _label_scores(content, output, style) -> tuple[float, float, float]:
    """Gram style distance, photorealism (edge SSIM) and the VGG-free style distance, as in the conclusions."""
    return (*_scores(content, output, style), metrics.free_style_distance(output, style))


def run_direction(study: Study, maps: LabelMaps, *, photo_to_monet: bool, smoothing: str | None = "exact",
                  device="cpu") -> tuple[list, list, list]:
    """Stylise one image of each pair with the other: ex1 (no labels), ex2 (hand-made), ex3 (automatic).

    Returns
    -------
    grid : list of rows ``[content, style, ex1, ex2, ex3]`` (tensors; ex2 is None without hand-made maps)
    titles : list of str, the content stems
    scores : list of ``[content stem, experiment, style distance, photorealism, VGG-free style distance]``
    """
    grid, titles, scores = [], [], []
    for pair in study.pairs:
        ck, sk = pair if photo_to_monet else pair[::-1]
        c, s = study.images[ck], study.images[sk]
        run = dict(smoothing=smoothing, device=device)
        outs = [stylize(c, s, **run)]
        hc, hs = maps.hand.get(ck), maps.hand.get(sk)
        outs.append(None if hc is None or hs is None else stylize(c, s, content_labels=hc, style_labels=hs, **run))
        cl, sl = maps.auto(ck, sk, pair)
        outs.append(stylize(c, s, content_labels=cl, style_labels=sl, **run))
        grid.append([c, s] + [None if o is None else o.image for o in outs])
        titles.append(ck)
        for ex, o in zip(EXPERIMENTS, outs):
            if o is not None:
                scores.append([ck, ex, *_label_scores(c, o.image, s)])
    return grid, titles, scores


def mean_scores(scores: Sequence[Sequence]) -> dict:
    """Experiment -> ``{"style": mean style distance, "photo": mean photorealism, "n": rows,
    "worse_style": rows whose style distance is above ex1's for the same content,
    "worse_photo": rows whose photorealism is below ex1's}`` from :func:`run_direction`'s scores, and
    ``"free"`` (mean VGG-free style distance) when the rows carry it (a fifth column)."""
    base = {r[0]: r for r in scores if r[1] == "ex1"}
    out = {}
    for ex in EXPERIMENTS:
        rows = [r for r in scores if r[1] == ex]
        if not rows:
            continue
        out[ex] = {"style": float(np.mean([r[2] for r in rows])), "photo": float(np.mean([r[3] for r in rows])),
                   "n": len(rows),
                   "worse_style": sum(r[2] > base[r[0]][2] for r in rows if r[0] in base),
                   "worse_photo": sum(r[3] < base[r[0]][3] for r in rows if r[0] in base)}
        if all(len(r) > 4 for r in rows):
            out[ex]["free"] = float(np.mean([r[4] for r in rows]))
    return out


def label_score_rows(summary: dict) -> list[list]:
    """One row per experiment from ``{direction: mean_scores(...)}``: ``[experiment, then per direction its mean
    style distance, VGG-free style distance (when measured) and photorealism, then "a / b of n"``: images worse
    than ex1 in style distance / in photorealism, over all directions]``."""
    rows = []
    for e in EXPERIMENTS:
        per = [m[e] for m in summary.values() if e in m]
        if not per:
            continue
        row = [e]
        for m in summary.values():
            keys = ("style", "free", "photo") if any("free" in v for v in m.values()) else ("style", "photo")
            row += [m[e][k] for k in keys] if e in m else ["–"] * len(keys)
        n = sum(p["n"] for p in per)
        row.append("–" if e == "ex1" else f'{sum(p["worse_style"] for p in per)} / '
                                          f'{sum(p["worse_photo"] for p in per)} of {n}')
        rows.append(row)
    return rows


def label_counts(summary: dict) -> dict:
    """Experiment -> ``{"n", "worse_style", "worse_photo"}`` summed over the directions of
    ``{direction: mean_scores(...)}``."""
    out = {}
    for e in EXPERIMENTS:
        per = [m[e] for m in summary.values() if e in m]
        if per:
            out[e] = {k: sum(p[k] for p in per) for k in ("n", "worse_style", "worse_photo")}
    return out


def single_class_pairs(study: Study, maps: LabelMaps) -> int:
    """How many pairs' ADE20K maps share exactly one class between the photo and the painting."""
    n = 0
    for p, m in study.pairs:
        if maps.ade.get(p) is not None and maps.ade.get(m) is not None:
            n += len(labels.matched_labels(maps.ade[p], maps.ade[m])[0]) == 1
    return n


def worst_case(grid: Sequence, titles: Sequence[str], scores: Sequence[Sequence]) -> dict:
    """The output of :func:`run_direction` with the lowest photorealism: ``{"content", "experiment",
    "photorealism", "row"`` (its row in ``grid``), ``"contrast"`` (:func:`hw2.metrics.contrast_kept` of its
    content)``}``."""
    if not scores:
        raise ValueError("no scores")
    worst = min(scores, key=lambda r: r[3])
    row = list(titles).index(worst[0])
    out = grid[row][2 + EXPERIMENTS.index(worst[1])]
    return {"content": worst[0], "experiment": worst[1], "photorealism": worst[3], "row": row,
            "contrast": metrics.contrast_kept(grid[row][0], out)}


def paleness(content, output) -> dict:
    """How much lighter and flatter ``output`` is than ``content`` (images in [0, 1]): ``{"content_mean",
    "output_mean"`` (mean luminance, :func:`hw2.metrics.luminance`), ``"contrast"``
    (:func:`hw2.metrics.contrast_kept`), ``"pale_fog"`` (both beyond :data:`PALE_RISE` and
    :data:`PALE_CONTRAST`)``}``."""
    cm, om = float(metrics.luminance(content).mean()), float(metrics.luminance(output).mean())
    contrast = metrics.contrast_kept(content, output)
    return {"content_mean": cm, "output_mean": om, "contrast": contrast,
            "pale_fog": om - cm >= PALE_RISE and contrast < PALE_CONTRAST}


def palest(grid: Sequence, titles: Sequence[str], experiment: str) -> dict | None:
    """The output of ``experiment`` in :func:`run_direction`'s ``grid`` whose mean luminance rises most above its
    content's: :func:`paleness` with ``"content"`` and ``"row"``, or None when the experiment has no output.
    :func:`hw2.conclusions.palest` picks the same output among the conclusions' runs."""
    col = 2 + EXPERIMENTS.index(experiment)
    found = [dict(paleness(row[0], row[col]), content=titles[i], row=i) for i, row in enumerate(grid)
             if row[col] is not None]
    return max(found, key=lambda d: d["output_mean"] - d["content_mean"]) if found else None


def load_photoreal_pair(name: str, size: int):
    """Photoreal pair ``name`` (:func:`hw2.data.photoreal_pairs`) at longest side ``size``: content, style
    (``(1, 3, H, W)`` tensors) and their colour-coded label maps resized to them."""
    pairs = {p.name: p for p in data.photoreal_pairs()}
    if name not in pairs:
        raise ValueError(f"unknown photoreal pair {name!r}; choose from {sorted(pairs)}")
    p = pairs[name]
    c, s = io.load_image(p.content, max_side=size), io.load_image(p.style, max_side=size)
    cl, sl = labels.read_color_labels(p.content_seg, p.style_seg)
    return c, s, labels.resize_labels(cl, tuple(c.shape[-2:])), labels.resize_labels(sl, tuple(s.shape[-2:]))


def smoothing_alone(names: Sequence[str], size: int, *, subsample: int = 4) -> dict:
    """The smoothing applied to a label-wise pixel WCT (no decoders) of each photoreal pair.

    Returns ``{"grid": rows [content, style, content labels, pixel WCT, + exact, + guided filter],
    "scores": [pair, output, style distance, photorealism], "wide": the same scores one row per pair,
    [pair, style and photorealism of the pixel WCT, of + exact, of + guided filter], "stages": [pair,
    affinity s, multigrid set-up s, CG solve s, guided filter s], "iterations": pair -> CG iterations}``.
    """
    out = {"grid": [], "scores": [], "wide": [], "stages": [], "iterations": {}}
    for name in names:
        c, s, cl, sl = load_photoreal_pair(name, size)
        y = pixel_wct(c, s, cl, sl).image
        exact = smooth_exact(y, c)
        with Timer() as tf:
            fast = guided_filter(y, c, subsample=subsample).image
        out["grid"].append([c, s, labels.label_to_rgb(cl), y, exact.image, fast])
        out["wide"].append([name])
        for label, img in (("pixel WCT", y), ("+ exact smoothing", exact.image), ("+ guided filter", fast)):
            out["scores"].append([name, label, *_scores(c, img, s)])
            out["wide"][-1].extend(out["scores"][-1][2:])
        t = exact.times
        out["stages"].append([name, t["affinity_s"], t["setup_s"], t["solve_s"], tf.elapsed])
        out["iterations"][name] = exact.smoothing_info.iterations
    return out


def smoothing_summary(alone: dict) -> dict:
    """From :func:`smoothing_alone`: ``{"n": pairs, "improved": pairs whose photorealism the exact smoothing
    raised, "mean_photo": output -> mean photorealism, "iterations": (fewest, most) CG iterations}``."""
    by = {}
    for r in alone["scores"]:
        by.setdefault(r[1], []).append(r[3])
    pix, exact = by["pixel WCT"], by["+ exact smoothing"]
    its = list(alone["iterations"].values())
    return {"n": len(pix), "improved": sum(e > p for e, p in zip(exact, pix)),
            "mean_photo": {k: float(np.mean(v)) for k, v in by.items()}, "iterations": (min(its), max(its))}


def lambda_sweep(name: str, size: int, lams: Sequence[float]) -> tuple[list, list]:
    """Exact smoothing of pair ``name``'s pixel WCT at each lambda in ``lams``.

    Returns the grid row ``[pixel WCT, R*(lam_1), ...]`` and rows ``[lam, beta, style distance, photorealism]``.
    """
    if not lams:
        raise ValueError("lams must hold at least one value")
    c, s, cl, sl = load_photoreal_pair(name, size)
    y = pixel_wct(c, s, cl, sl).image
    row, table = [y], []
    for lam in lams:
        o = smooth_exact(y, c, lam=lam).image
        row.append(o)
        table.append([lam, lam_to_beta(lam), *_scores(c, o, s)])
    return row, table


#: the variants of :func:`method_comparison`: label -> (decoders, smoothing)
VARIANTS = {"WCT": ("wct", None), "PhotoWCT": ("photowct", None), "PhotoWCT + exact": ("photowct", "exact"),
            "PhotoWCT + fast": ("photowct", "fast")}


def method_comparison(names: Sequence[str], size: int, *, wct: bool = True, device="cpu") -> dict:
    """WCT, PhotoWCT and PhotoWCT with exact or fast smoothing, label-wise, on each photoreal pair.

    ``wct=False`` leaves plain WCT out (its decoders missing). Returns ``{"grid": rows [content, style,
    one per variant], "columns": variant labels, "stages": [pair, variant, stylise s, smooth s, total s],
    "points": variant -> [(style distance, photorealism) per pair]}``.
    """
    variants = {k: v for k, v in VARIANTS.items() if wct or v[0] != "wct"}
    out = {"grid": [], "columns": list(variants), "stages": [], "points": {k: [] for k in variants}}
    for name in names:
        c, s, cl, sl = load_photoreal_pair(name, size)
        row = [c, s]
        for label, (method, smoothing) in variants.items():
            r = stylize(c, s, content_labels=cl, style_labels=sl, method=method, smoothing=smoothing, device=device)
            row.append(r.image)
            out["points"][label].append(_scores(c, r.image, s))
            out["stages"].append([name, label, r.times["stylize_s"], r.times["smoothing_s"], r.times["total_s"]])
        out["grid"].append(row)
    return out


def mean_rows(rows: Sequence[Sequence], *, key: int = 1, first: int = 2) -> list[list]:
    """Means of the numeric columns ``first:`` of ``rows`` grouped by column ``key`` (in order of appearance):
    ``[key value, mean, mean, ...]``; e.g. the variants' mean scores or stage times over the pairs."""
    groups: dict = {}
    for r in rows:
        groups.setdefault(r[key], []).append([float(v) for v in r[first:]])
    return [[k, *np.mean(np.asarray(v), axis=0).tolist()] for k, v in groups.items()]


def trade_off_figure(points: dict, *, width: float = 7.5, height: float = 3.0):
    """Scatter of style distance (x) against photorealism (y) per variant, its mean marked with a cross."""
    import matplotlib.pyplot as plt  # lazy on purpose: matplotlib only when a figure is drawn

    fig, ax = plt.subplots(figsize=(width, height))
    for label, pts in points.items():
        pts = np.asarray(pts, dtype=float).reshape(-1, 2)
        sc = ax.scatter(pts[:, 0], pts[:, 1], label=label, s=22)
        ax.scatter(pts[:, 0].mean(), pts[:, 1].mean(), marker="x", s=80, color=sc.get_facecolor()[0])
    ax.set_xlabel("style distance (Gram, lower = more stylised)")
    ax.set_ylabel("photorealism (edge SSIM)")
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


def panel(pair: str, size: int, *, lam: float, alpha: float, smoothing: str | None, method: str = "photowct",
          device="cpu") -> list:
    """One run of :func:`hw2.fastphotostyle.stylize` on photoreal pair ``pair`` for the interactive panel:
    ``[content, style, stylised, smoothed]``."""
    c, s, cl, sl = load_photoreal_pair(pair, size)
    r = stylize(c, s, content_labels=cl, style_labels=sl, smoothing=smoothing, alpha=alpha, lam=lam,
                method=method, device=device)
    return [c, s, r.stylized, r.image]
