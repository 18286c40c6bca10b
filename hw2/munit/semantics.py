"""The seed report's Fig 3-1, measured: does a MUNIT translation keep its input's structure and lose its meaning?

The seed translated a Monet painting into a photo and found the painting's outlines kept but their meaning changed
(a bush outline becomes a mountain range, a slope a sea of clouds). Both halves are measured here, per direction,
for any model with MUNIT's ``translate`` (Huang et al., ECCV 2018) and for the identity as a yardstick:

* **structure kept**: the edge SSIM between input and translation, :func:`hw2.metrics.photorealism` (SSIM of
  Sobel edge maps, as FastPhotoStyle's evaluation, Li et al., ECCV 2018); and a figure with the input's main
  contours (:func:`contours`: Canny edges, Canny, TPAMI 1986, thin by construction) drawn in red over the
  translation;
* **meaning changed**: the share of pixels whose ADE20K class (Zhou et al., CVPR 2017) changes between input and
  translation, by the shipped segmenter :func:`hw2.fastphotostyle.labels.ade20k.segment` (raw classes), and the
  class pairs that change most.

Two yardsticks: the **noise floor**, how often the segmenter (trained on photos) changes its mind between an image
and a mildly blurred copy (Gaussian, :data:`FLOOR_SIGMA` px); and an **unrelated** image of the target domain in
place of the translation, what a model that ignored its input would score.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..fastphotostyle.labels import ade20k
from ..fastphotostyle.labels.functional import CLASSES, resize_labels
from ..io import as_image, image_grid
from ..metrics import luminance, photorealism
from ..data import study
from .figures import ARROW
from .method import REPORT_MODEL, load
from .model import DEFAULT_MODEL, DIRECTIONS, prepare

__all__ = ["FLOOR_SIGMA", "contours", "overlay", "class_change", "change_pairs", "blurred", "measure",
           "contour_figure", "summary_rows", "SUMMARY_HEADERS", "pair_rows", "PAIR_HEADERS", "YARDSTICKS",
           "benchmark_figures", "verdict", "MODELS", "report_study"]

#: the models of the report's Fig 3-1 (label -> suffix of their benchmark keys, :func:`benchmark_figures`)
MODELS = {"report's MUNIT": "", "from scratch": "_scratch", "identity": "_identity"}
#: the standard deviation, in pixels at the working size, of the blur that gives the segmenter's noise floor
FLOOR_SIGMA = 1.0


def contours(image, *, sigma: float = 2.0, keep: float = 0.1) -> np.ndarray:
    """The main contours of ``image``: Canny edges of its luminance (``skimage.feature.canny``, one pixel wide by
    non-maximum suppression), hysteresis thresholds at the gradient quantiles ``1 - keep`` (high) and
    ``1 - 2 keep`` (low), so that about the strongest ``keep`` share of the gradients seed them.

    Returns a boolean ``(H, W)`` array. ``sigma`` (> 0) is the Gaussian smoothing in pixels.
    """
    from skimage.feature import canny  # lazy on purpose: scikit-image is slow to import

    if not (sigma > 0 and 0 < keep < 0.5):
        raise ValueError(f"sigma must be > 0 and keep in (0, 0.5), got {sigma!r}, {keep!r}")
    y = luminance(as_image(image, name="image"))[0, 0].double().numpy()
    return canny(y, sigma=sigma, low_threshold=1 - 2 * keep, high_threshold=1 - keep, use_quantiles=True)


def overlay(image, edges: np.ndarray, *, color=(1.0, 0.0, 0.0)) -> torch.Tensor:
    """``image`` (``(1, 3, H, W)`` in [0, 1]) with the pixels of the boolean ``edges`` ``(H, W)`` set to ``color``."""
    x = as_image(image, name="image").clone()
    mask = torch.as_tensor(np.asarray(edges, dtype=bool))
    if mask.shape != x.shape[-2:]:
        raise ValueError(f"edges of shape {tuple(mask.shape)} do not match the image's {tuple(x.shape[-2:])}")
    for c, v in enumerate(color):
        x[0, c][mask] = float(v)
    return x


def class_change(a: np.ndarray, b: np.ndarray) -> float:
    """The share of pixels whose label differs between the label maps ``a`` and ``b`` (same shape)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.ndim != 2 or a.size == 0:
        raise ValueError(f"label maps must be 2-D and of one shape, got {a.shape} and {b.shape}")
    return float(np.mean(a != b))


def change_pairs(maps: Sequence[tuple[np.ndarray, np.ndarray]], names: Sequence[str], *,
                 top: int = 8) -> list[tuple[str, str, float]]:
    """The ``top`` class pairs ``(from, to, share)`` that change most over the pairs of label maps ``maps``: the
    share is of all pixels of all maps (each map weighted by its pixels). ``names[i]`` names class ``i``."""
    counts: Counter = Counter()
    total = 0
    for a, b in maps:
        a, b = np.asarray(a), np.asarray(b)
        class_change(a, b)  # checks the shapes
        total += a.size
        moved = a != b
        counts.update(zip(a[moved].tolist(), b[moved].tolist()))
    return [(names[i], names[j], n / total) for (i, j), n in counts.most_common(top)] if total else []


def blurred(image, *, sigma: float = FLOOR_SIGMA) -> torch.Tensor:
    """``image`` blurred by a separable Gaussian of standard deviation ``sigma`` px (reflect padding)."""
    x = as_image(image, name="image")
    r = max(1, int(np.ceil(3 * sigma)))
    g = torch.exp(-torch.arange(-r, r + 1, dtype=torch.float32) ** 2 / (2 * sigma ** 2))
    g = (g / g.sum()).to(x.dtype)
    c = x.shape[1]
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="reflect"), g.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(F.pad(x, (0, 0, r, r), mode="reflect"), g.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def _segmenter() -> tuple[Callable, tuple[str, ...], tuple[np.ndarray, tuple[str, ...]]]:
    names = ade20k.ade20k_names()
    return (lambda x: ade20k.segment(x, merge=False)), names, (ade20k.group_lut(names), CLASSES)


def _scores(pairs: list, names: Sequence[str], top: int, edge: list) -> dict:
    return {"edge_ssim": edge, "class_change": [class_change(a, b) for a, b in pairs],
            "pairs": change_pairs(pairs, names, top=top)}


@torch.no_grad()
def measure(models: Mapping[str, object | None], images: Mapping[str, Sequence], *, size: int,
            temperature: float = 1.0, seed: int = 0, segment: Callable | None = None,
            names: Sequence[str] | None = None, groups: tuple | None = None, top: int = 8) -> dict:
    """Structure and meaning of the translations of ``models`` (label -> model; ``None``: the identity).

    Parameters
    ----------
    models : label -> model with MUNIT's ``translate`` (either family), or ``None`` for the identity.
    images : ``{"monet2photo": paintings, "photo2monet": photos}``, images or paths; each is prepared at the
        shorter side ``size`` (both sides multiples of 8), and image ``i`` is translated with the random style
        code of seed ``seed + i`` at ``temperature`` (1: the paper's prior).
    segment, names, groups : a function from an image to an ``(H, W)`` label map, the class names, and optionally
        ``(lut, group_names)`` that merges classes into groups (``lut[class] = group``). Default: the shipped
        ADE20K segmenter's raw classes (``names[0] = "other"``) and its semantic groups
        (:data:`hw2.fastphotostyle.labels.ade20k.SEMANTIC_GROUPS`: sky, water, vegetation, ground, mountain, ...).
    top : class pairs kept per model and direction.

    Returns
    -------
    dict ``{direction: {label: {"edge_ssim", "class_change": per-image lists, "pairs": change_pairs, and with
    groups "group_change", "group_pairs"}}}``; per direction also the yardsticks ``"floor"`` (the same figures
    against a blurred copy of the input, :func:`blurred`) and ``"unrelated"`` (image ``i`` of the other direction's
    list, i.e. of the target domain, in place of the translation), and ``"n_images"``; and ``"size"``,
    ``"temperature"``.
    """
    if set(images) - set(DIRECTIONS) or not images:
        raise ValueError(f"images must map directions of {DIRECTIONS} to images, got {sorted(images)}")
    if segment is None:
        segment, names, groups = _segmenter()
    if names is None:
        raise ValueError("a custom segment needs its class names")
    prepared = {d: [prepare(x, size, multiple=8) for x in xs] for d, xs in images.items()}
    labels = {d: [segment(x) for x in xs] for d, xs in prepared.items()}

    def scored(d: str, outs: list, maps: list) -> dict:
        res = _scores([(a, b) for a, b in zip(labels[d], maps)], names, top,
                      [photorealism(x, y) for x, y in zip(prepared[d], outs)])
        if groups is not None:
            lut, group_names = groups
            g = _scores([(lut[a], lut[b]) for a, b in zip(labels[d], maps)], group_names, top, res["edge_ssim"])
            res.update(group_change=g["class_change"], group_pairs=g["pairs"])
        return res

    out: dict = {"size": int(size), "temperature": float(temperature)}
    for d, xs in prepared.items():
        res: dict = {"n_images": len(xs)}
        blur = [blurred(x) for x in xs]
        res["floor"] = scored(d, blur, [segment(b) for b in blur])
        other = next((o for o in prepared if o != d and prepared[o]), None)
        if other is not None:
            ys = [prepared[other][i % len(prepared[other])] for i in range(len(xs))]
            ly = [resize_labels(labels[other][i % len(labels[other])], lab.shape) for i, lab in enumerate(labels[d])]
            res["unrelated"] = scored(d, ys, ly)
        for label, model in models.items():
            outs = [x if model is None else _translated(model, x, d, seed + i, size, temperature)
                    for i, x in enumerate(xs)]
            res[label] = scored(d, outs, labels[d] if model is None else [segment(y) for y in outs])
        out[d] = res
    return out


def _translated(model, x: torch.Tensor, direction: str, seed: int, size: int, temperature: float) -> torch.Tensor:
    y = model.translate(x, direction=direction, seed=seed, size=size, temperature=temperature)
    if y.shape[-2:] != x.shape[-2:]:
        y = F.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=False, antialias=True)
    return y.clamp(0, 1)


def contour_figure(models: Mapping[str, object], images: Mapping[str, Sequence], *, size: int,
                   temperature: float = 1.0, seed: int = 0, sigma: float = 2.0):
    """The seed's Fig 3-1, for each direction's images (rows) and each model (columns after the input): the input's
    main contours (:func:`contours`) in red over the input and over each translation (seed ``seed + i`` for row
    ``i``, as :func:`measure`)."""
    rows, labels = [], []
    for d, xs in images.items():
        for i, x in enumerate(xs):
            x = prepare(x, size, multiple=8)
            edges = contours(x, sigma=sigma)
            rows.append([overlay(x, edges)] + [overlay(_translated(m, x, d, seed + i, size, temperature), edges)
                                               for m in models.values()])
            labels.append(ARROW[d])
    return image_grid(rows, col_titles=["input + its contours"] + list(models), row_titles=labels)


#: the columns of :func:`summary_rows`
SUMMARY_HEADERS = ["model", "direction", "edge SSIM", "ADE20K class changed", "group changed"]
#: the yardsticks of :func:`measure` as :func:`summary_rows` names them
YARDSTICKS = {"unrelated": "unrelated target image", "floor": "blurred copy (noise floor)"}


def _ms(v: Sequence[float], fmt: str) -> str:
    return f"{np.mean(v):{fmt}} ± {np.std(v, ddof=1) if len(v) > 1 else 0.0:{fmt}}"


def summary_rows(result: dict, labels: Sequence[str]) -> list[list[str]]:
    """Per model (``labels`` of :func:`measure`'s models, then the yardsticks :data:`YARDSTICKS`) and direction:
    mean ± sd over the images of the edge SSIM, the share of pixels whose ADE20K class changes, and that of pixels
    whose semantic group changes."""
    rows = []
    for label in list(labels) + list(YARDSTICKS):
        for d in DIRECTIONS:
            r = result.get(d, {}).get(label)
            if r is None:
                continue
            rows.append([YARDSTICKS.get(label, label), ARROW[d], _ms(r["edge_ssim"], ".2f"),
                         _ms(r["class_change"], ".0%"), _ms(r["group_change"], ".0%") if "group_change" in r else ""])
    return rows


#: the columns of :func:`pair_rows`
PAIR_HEADERS = ["model", "direction", "input", "output", "share of pixels"]


def pair_rows(result: dict, labels: Sequence[str], *, top: int = 3, key: str = "group_pairs") -> list[list[str]]:
    """The ``top`` pairs that change most (``key``: ``"group_pairs"`` or ``"pairs"``, the raw classes), per model
    of ``labels`` (or yardstick) and direction."""
    return [[YARDSTICKS.get(label, label), ARROW[d], a, b, f"{s:.1%}"] for label in labels for d in DIRECTIONS
            if label in result.get(d, {}) for a, b, s in result[d][label][key][:top]]


def benchmark_figures(result: dict, suffixes: Mapping[str, str]) -> dict:
    """:func:`measure`'s means as flat benchmark keys: ``fig31_<measure><suffix>_<direction>`` (and ``_sd``) for
    each model label -> ``suffix`` of ``suffixes`` (``""`` for the report's model) and the yardstick
    ``"_unrelated"`` and the blurred copy ``"_floor"``, with ``<measure>`` ``edge_ssim``, ``class_change`` and
    ``group_change``; :func:`verdict`'s ``fig31_structure_kept<suffix>_<direction>``, ``fig31_meaning_changed...`` and
    ``fig31_holds...`` per model; the noise floor also as ``fig31_class_change_floor`` (the paintings, the Monet → photo inputs), ``fig31_class_change_floor_photo``
    and the same for ``group_change``; ``fig31_n_images``, ``fig31_size``."""
    out: dict = {"fig31_size": result["size"]}
    for d in DIRECTIONS:
        if d not in result:
            continue
        out["fig31_n_images"] = result[d]["n_images"]
        for label, suffix in {**suffixes, "unrelated": "_unrelated", "floor": "_floor"}.items():
            r = result[d].get(label)
            for m in ("edge_ssim", "class_change", "group_change"):
                if r is not None and m in r:
                    out[f"fig31_{m}{suffix}_{d}"] = float(np.mean(r[m]))
                    out[f"fig31_{m}{suffix}_{d}_sd"] = float(np.std(r[m], ddof=1)) if len(r[m]) > 1 else 0.0
            if r is not None and label in suffixes and "group_change" in r and "unrelated" in result[d]:
                v = verdict(result, label, d)
                for k in ("structure_kept", "meaning_changed", "holds"):
                    out[f"fig31_{k}{suffix}_{d}"] = v[k]
        tail = "" if d == "monet2photo" else "_photo"
        for m in ("class_change", "group_change"):
            if m in result[d]["floor"]:
                out[f"fig31_{m}_floor{tail}"] = float(np.mean(result[d]["floor"][m]))
    return out


def verdict(result: dict, label: str, direction: str) -> dict:
    """Whether the seed's observation holds for the model ``label`` of :func:`measure` in ``direction``.

    **Structure kept**: its edge SSIM is nearer the blurred copy's (the noise floor) than an unrelated target
    image's, i.e. at least their midpoint. **Meaning changed**: its semantic-group change exceeds the floor's on the
    same images by more than two standard errors of the per-image differences (groups, since raw ADE20K classes
    flip between near-synonyms such as grass and field on a mere blur). ``holds`` is both. Returns those three
    and the means ``ssim``, ``ssim_floor``, ``ssim_unrelated``, ``change``, ``change_floor``, ``margin`` (the mean
    difference to the floor) and ``se`` (its standard error).
    """
    r, floor, unrelated = (result[direction][k] for k in (label, "floor", "unrelated"))
    ssim, s_floor, s_unrel = (float(np.mean(x["edge_ssim"])) for x in (r, floor, unrelated))
    diff = np.asarray(r["group_change"]) - np.asarray(floor["group_change"])
    se = float(np.std(diff, ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else 0.0
    kept, changed = ssim >= (s_floor + s_unrel) / 2, float(diff.mean()) > 2 * se
    return {"structure_kept": bool(kept), "meaning_changed": bool(changed), "holds": bool(kept and changed),
            "ssim": ssim, "ssim_floor": s_floor, "ssim_unrelated": s_unrel,
            "change": float(np.mean(r["group_change"])), "change_floor": float(np.mean(floor["group_change"])),
            "margin": float(diff.mean()), "se": se}


def report_study(*, n: int, size: int, seed: int = 0) -> dict:
    """:func:`measure` for :data:`MODELS`: the report's MUNIT (:data:`hw2.munit.method.REPORT_MODEL`), the
    from-scratch default (:data:`hw2.munit.model.DEFAULT_MODEL`) and the identity, on the first ``n`` test paintings
    (Monet → photo) and photos (photo → Monet) of the study set at the shorter side ``size``, random styles at the
    paper's prior ``T = 1``."""
    models = dict(zip(MODELS, (load(REPORT_MODEL), load(DEFAULT_MODEL), None)))
    return measure(models, {"monet2photo": study("monet", n), "photo2monet": study("photo", n)}, size=size,
                   temperature=1.0, seed=seed)
