"""Semantic label maps for label-wise stylisation: reading, resizing, merging, display.

A *label map* is an ``(H, W)`` int64 array of class ids. Two maps (content and style)
correspond when the same id means the same class in both: FastPhotoStyle matches
regions by id and leaves content regions whose id is absent from the style unchanged.

Sources handled here
--------------------
* labelme JSON files (polygons drawn by hand; Wada, *labelme*, 2016), rasterised
  in drawing order onto the shared class table :data:`CLASSES`;
* colour-coded PNG maps: :mod:`.colors` (:func:`~hw2.fastphotostyle.labels.read_color_labels`).

Automatic maps come from :mod:`hw2.fastphotostyle.labels.ade20k` (a pretrained segmenter) and
:mod:`hw2.fastphotostyle.labels.cluster` (joint clustering of VGG features, weight-free).
"""
from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from ... import config

from ...checks import check_integer, check_number

__all__ = [
    "CLASSES", "CLASS_COLORS", "LabelMapWarning", "as_label_map", "rasterize_shapes", "read_labelme",
    "labelme_path", "resize_labels", "fit_labels", "merge_small_regions",
    "relabel", "label_to_rgb", "matched_labels",
]

#: the shared class table of our hand-made labelme maps and of the merged ADE20K classes
CLASSES: tuple[str, ...] = ("other", "sky", "water", "vegetation", "ground", "mountain", "building",
                            "person", "boat")
#: display colours (RGB, 0-255) of :data:`CLASSES`
CLASS_COLORS: dict[str, tuple[int, int, int]] = {
    "other": (40, 40, 40), "sky": (120, 190, 255), "water": (20, 60, 200), "vegetation": (40, 160, 40),
    "ground": (150, 110, 60), "mountain": (140, 140, 150), "building": (200, 50, 50),
    "person": (250, 220, 40), "boat": (230, 80, 230),
}
# labelme's name for unlabelled pixels
_BACKGROUND_NAMES = ("_background_", "background", "other")


class LabelMapWarning(UserWarning):
    """A label map was adjusted (resized, colours snapped) to fit its image."""


def as_label_map(labels, name: str = "labels") -> np.ndarray:
    """Validate and convert an integer label map (array or tensor) to ``(H, W)`` int64."""
    if hasattr(labels, "detach"):
        labels = labels.detach().cpu().numpy()
    arr = np.asarray(labels)
    if arr.ndim == 3 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be an (H, W) label map, got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name} is empty: shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.array_equal(arr, np.round(arr)):
            raise ValueError(f"{name} must hold integer class ids")
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"{name} must hold integer class ids, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


# --------------------------------------------------------------------------- labelme
#: largest label map :func:`rasterize_shapes` / :func:`read_labelme` draw (pixels)
MAX_LABEL_PIXELS = 4096 * 4096


def _coordinate_limit(size: tuple[int, int]) -> float:
    """Largest ``|x|``, ``|y|`` a labelme point may have for an image of ``size``: 10^6 pixels, or four times
    the longer side for larger images. Pillow rasterises exactly up to about 10^7; far beyond, its integer
    arithmetic overflows and the mask comes out wrong."""
    return max(1e6, 4.0 * max(size))


def _shape_points(shape, k: int, where: str, size: tuple[int, int]) -> tuple[str, str, list[tuple[float, float]]]:
    """``(label, kind, points)`` of labelme shape ``k`` (on an image of ``size = (H, W)``), or a ValueError
    naming ``where`` and ``k``."""
    if not isinstance(shape, Mapping):
        raise ValueError(f"{where}: shape {k} is a {type(shape).__name__}, not a labelme shape (a JSON object)")
    label = str(shape.get("label", "")).strip()
    raw = shape.get("points", [])
    try:
        pts = [(float(x), float(y)) for x, y in raw]
    except (TypeError, ValueError):
        raise ValueError(f"{where}: shape {k} ({label!r}) has malformed points {str(raw)[:80]}; "
                         "expected [[x, y], ...] numbers") from None
    if not all(np.isfinite(v) for p in pts for v in p):
        raise ValueError(f"{where}: shape {k} ({label!r}) has NaN or infinite coordinates")
    limit = _coordinate_limit(size)
    far = [v for p in pts for v in p if abs(v) > limit]
    if far:
        raise ValueError(f"{where}: shape {k} ({label!r}) has a coordinate of {far[0]:g}, far outside the "
                         f"{size[0]}x{size[1]} image (|x|, |y| <= {limit:g}); labelme coordinates are pixels of "
                         "the image: fix the annotation")
    kind = shape.get("shape_type") or "polygon"
    return label, str(kind), pts


def rasterize_shapes(shapes: Sequence[Mapping], size: tuple[int, int], *,
                     classes: Sequence[str] = CLASSES, where: str = "labelme data") -> np.ndarray:
    """Rasterise labelme shapes into a label map, later shapes over earlier ones.

    Parameters
    ----------
    shapes : sequence of dict
        labelme shapes: ``{"label": str, "points": [[x, y], ...], "shape_type": "polygon"}``;
        ``"rectangle"`` (two corners) and ``"circle"`` (centre, point on the rim) are also read.
        Coordinates are in pixels, ``x`` to the right and ``y`` down, as labelme writes them.
    size : (H, W)
    classes : sequence of str, keyword-only
        Class table; a shape's id is the index of its label. Unlabelled pixels get
        id 0 (``classes[0]``; labelme's ``_background_`` maps there too).
    where : str, keyword-only
        Name of the source (the file) in error messages.

    Returns
    -------
    ndarray (H, W) int64

    Raises
    ------
    ValueError
        A malformed shape, NaN/inf coordinates or coordinates far outside the image (beyond
        10^6 pixels or four image sides), an unknown label, or a size beyond
        :data:`MAX_LABEL_PIXELS`; the message names ``where`` and the shape's index.

    Notes
    -----
    Polygons are filled with Pillow including their outline, as labelme's own
    ``shape_to_mask`` does, so a pixel whose centre lies on an edge is inside.
    """
    try:
        h, w = int(size[0]), int(size[1])
    except (TypeError, ValueError, IndexError, OverflowError):
        raise ValueError(f"{where}: size must be (H, W) integers, got {size!r}") from None
    if h < 1 or w < 1:
        raise ValueError(f"{where}: size must be positive, got {size}")
    if h * w > MAX_LABEL_PIXELS:
        raise ValueError(f"{where}: image size {h}x{w} is beyond {MAX_LABEL_PIXELS} pixels; "
                         "rasterise at a smaller size= (the shapes are scaled)")
    index = {c: i for i, c in enumerate(classes)}
    canvas = Image.new("I", (w, h), 0)
    draw = ImageDraw.Draw(canvas)
    for k, shape in enumerate(shapes):
        label, kind, pts = _shape_points(shape, k, where, (h, w))
        if label in _BACKGROUND_NAMES:
            cid = 0
        elif label in index:
            cid = index[label]
        else:
            raise ValueError(f"{where}: shape {k} has label {label!r}, which is not in the class table "
                             f"{list(classes)}; rename it or pass classes=...")
        if kind == "polygon":
            if len(pts) < 3:
                raise ValueError(f"{where}: shape {k} ({label!r}) is a polygon with {len(pts)} points; needs >= 3")
            draw.polygon(pts, fill=cid, outline=cid)
        elif kind == "rectangle":
            if len(pts) != 2:
                raise ValueError(f"{where}: shape {k} ({label!r}) is a rectangle with {len(pts)} points; needs 2")
            (x0, y0), (x1, y1) = pts
            draw.rectangle([min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)], fill=cid, outline=cid)
        elif kind == "circle":
            if len(pts) != 2:
                raise ValueError(f"{where}: shape {k} ({label!r}) is a circle with {len(pts)} points; needs 2")
            (cx, cy), (px, py) = pts
            rad = float(np.hypot(px - cx, py - cy))
            draw.ellipse([cx - rad, cy - rad, cx + rad, cy + rad], fill=cid, outline=cid)
        else:
            raise ValueError(f"{where}: shape {k} ({label!r}) has shape_type {kind!r}; "
                             "only polygon, rectangle and circle are supported")
    return np.asarray(canvas, dtype=np.int64)


def read_labelme(source, *, classes: Sequence[str] = CLASSES,
                 size: tuple[int, int] | None = None) -> np.ndarray:
    """Read a labelme JSON annotation as a label map.

    Parameters
    ----------
    source : path-like or dict
        A labelme file (keys ``shapes``, ``imageHeight``, ``imageWidth``) or its parsed content.
    classes : sequence of str, keyword-only
        Class table (default :data:`CLASSES`): the same name gets the same id in every map.
    size : (H, W), optional, keyword-only
        Rasterise at this size instead of the annotated image's: the polygons are scaled.

    Returns
    -------
    ndarray (H, W) int64

    Raises
    ------
    FileNotFoundError
        ``source`` is a path that does not exist.
    ValueError
        The file is not UTF-8 (or UTF-16/32) JSON, not a labelme annotation, or holds a bad shape
        (see :func:`rasterize_shapes`); ``size`` is not two integers >= 1. The message names the file.
    """
    if isinstance(source, Mapping):
        doc, where = source, "labelme data"
    else:
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"labelme file not found: {path}")
        try:  # bytes: json detects UTF-8 (with or without a BOM), UTF-16 and UTF-32, as labelme writes UTF-8
            doc = json.loads(path.read_bytes())
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path} is not a UTF-8 text file ({exc}); labelme writes UTF-8 JSON: re-save it "
                             "as UTF-8") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path} is not valid JSON: {exc}") from exc
        where = str(path)
    try:
        h0, w0 = int(doc["imageHeight"]), int(doc["imageWidth"])
        shapes = list(doc["shapes"])
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{where} is not a labelme annotation (needs shapes, imageHeight, imageWidth)") from exc
    if h0 < 1 or w0 < 1:
        raise ValueError(f"{where}: imageHeight and imageWidth must be >= 1, got {h0}x{w0}")
    if size is not None:
        given = size
        try:
            if len(given) != 2:
                raise ValueError
            size = (check_integer(given[0], "size", low=1), check_integer(given[1], "size", low=1))
        except (TypeError, ValueError):
            raise ValueError(f"{where}: size must be (H, W), two integers >= 1, got {given!r}") from None
    if size is not None and size != (h0, w0):
        sy, sx = size[0] / h0, size[1] / w0
        scaled = []
        for k, s in enumerate(shapes):
            _, _, pts = _shape_points(s, k, where, (h0, w0))
            scaled.append(dict(s, points=[[(x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5] for x, y in pts]))
        shapes = scaled
        h0, w0 = int(size[0]), int(size[1])
    return rasterize_shapes(shapes, (h0, w0), classes=classes, where=where)


def labelme_path(image_path: str | os.PathLike) -> Path:
    """Where our hand-made labelme file for an image lives: ``hw2/assets/labels/<stem>.json``."""
    return config.ASSETS / "labels" / f"{Path(image_path).stem}.json"


# --------------------------------------------------------------------------- sizes
def resize_labels(labels, size: tuple[int, int], *, name: str = "labels") -> np.ndarray:
    """Nearest-neighbour resize of an integer label map (array or tensor ``(H, W)``) to ``size = (h, w)``.

    Pixel-centre sampling, exact in float64 (ids never mix); returns an int64 array ``(h, w)``.
    """
    lab = as_label_map(labels, name)
    h, w = int(size[0]), int(size[1])
    if h < 1 or w < 1:
        raise ValueError(f"size must be positive, got {size}")
    if lab.shape == (h, w):
        return lab
    # pixel-centre sampling ("nearest-exact")
    ys = np.minimum(((np.arange(h) + 0.5) * lab.shape[0] / h).astype(np.int64), lab.shape[0] - 1)
    xs = np.minimum(((np.arange(w) + 0.5) * lab.shape[1] / w).astype(np.int64), lab.shape[1] - 1)
    return lab[ys[:, None], xs[None, :]]


def fit_labels(labels, size: tuple[int, int], *, name: str = "label map") -> np.ndarray:
    """A label map for an image of ``size = (H, W)``.

    A map of another size is resized with nearest neighbour and a :class:`LabelMapWarning`
    (a map drawn for another image, or at another resolution, is usually a mistake).
    """
    lab = as_label_map(labels, name)
    size = (int(size[0]), int(size[1]))
    if lab.shape != size:
        warnings.warn(f"{name} is {lab.shape[0]}x{lab.shape[1]} but its image is {size[0]}x{size[1]}: "
                      "resized with nearest neighbour", LabelMapWarning, stacklevel=2)
        lab = resize_labels(lab, size)
    return lab


# --------------------------------------------------------------------------- merging
def relabel(labels, mapping: Mapping[int, int] | Sequence[int] | np.ndarray, *, default: int = 0) -> np.ndarray:
    """Map every id through ``mapping`` (dict or lookup array); unknown ids get ``default``."""
    lab = as_label_map(labels)
    if lab.min() < 0:
        raise ValueError("relabel needs non-negative ids")
    ids, inv = np.unique(lab, return_inverse=True)  # memory by the ids present, not by the largest id
    if isinstance(mapping, Mapping):
        table = {int(k): int(v) for k, v in mapping.items()}
        new = np.array([table.get(int(i), int(default)) for i in ids], dtype=np.int64)
    else:
        lut = np.asarray(mapping, dtype=np.int64).reshape(-1)
        new = np.full(ids.size, int(default), np.int64)
        inside = ids < lut.size
        new[inside] = lut[ids[inside]]
    return new[inv].reshape(lab.shape)


def merge_small_regions(labels, *, min_fraction: float = 0.02) -> np.ndarray:
    """Give the pixels of every class covering less than ``min_fraction`` of the map the
    id of the nearest pixel of a larger class (FastPhotoStyle merges tiny regions so that
    their statistics are not estimated from a handful of pixels).

    Returns the map unchanged when no class is large enough.
    """
    min_fraction = check_number(min_fraction, "min_fraction", low=0.0, high=1.0)
    lab = as_label_map(labels)
    ids, counts = np.unique(lab, return_counts=True)
    small = ids[counts < min_fraction * lab.size]
    if small.size == 0 or small.size == ids.size:
        return lab.copy()
    mask = np.isin(lab, small)
    _, (iy, ix) = ndimage.distance_transform_edt(mask, return_indices=True)
    return lab[iy, ix]


def matched_labels(content_labels, style_labels) -> tuple[list[int], list[int]]:
    """Ids present in both maps, and content ids absent from the style (left unstylised)."""
    c = set(np.unique(as_label_map(content_labels)).tolist())
    s = set(np.unique(as_label_map(style_labels)).tolist())
    return sorted(c & s), sorted(c - s)


# --------------------------------------------------------------------------- display
#: label ids below this are coloured from one seeded table; larger ids one by one
_DENSE_IDS = 4096


def label_to_rgb(labels, *, palette: np.ndarray | Sequence | None = None, seed: int = 0) -> np.ndarray:
    """Colour a label map for display: ``(H, W, 3)`` float32 in [0, 1].

    ``palette[k]`` (0-255 RGB) colours id ``k``; by default ids of :data:`CLASSES` get
    :data:`CLASS_COLORS` and higher ids seeded random colours.
    """
    lab = np.clip(as_label_map(labels), 0, None)
    ids, inv = np.unique(lab, return_inverse=True)  # memory by the ids present, not by the largest id
    n = min(int(ids[-1]) + 1, _DENSE_IDS)            # ids below this: one seeded table (as always)
    if palette is None:
        rng = np.random.default_rng(seed)
        pal = rng.integers(30, 256, size=(max(n, len(CLASSES)), 3))
        for i, c in enumerate(CLASSES):
            pal[i] = CLASS_COLORS[c]
    else:
        pal = np.asarray(palette, dtype=np.int64).reshape(-1, 3)
        if pal.shape[0] < n:
            extra = np.random.default_rng(seed).integers(30, 256, size=(n - pal.shape[0], 3))
            pal = np.concatenate([pal, extra])
    colours = np.empty((ids.size, 3), np.int64)
    inside = ids < pal.shape[0]
    colours[inside] = pal[ids[inside]]
    for j in np.flatnonzero(~inside):  # rare huge ids: a colour seeded by (seed, id)
        colours[j] = np.random.default_rng([int(seed), int(ids[j])]).integers(30, 256, size=3)
    return (colours[inv].reshape(lab.shape + (3,)) / 255.0).astype(np.float32)
