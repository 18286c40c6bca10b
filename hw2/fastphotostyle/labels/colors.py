"""Colour-coded label maps: one flat colour per class (the photorealistic benchmark pairs' PNG maps).

:func:`read_color_labels` reads maps (files, RGB or palette PNG, or arrays) together so that one colour
gets one id in all of them, snapping stray colours (anti-aliasing, compression) to the class colours;
:func:`colors_to_labels` maps exact colour-coded images, every colour a class.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

from ...io import as_image_array, to_numpy

from ...checks import check_number

__all__ = ["read_color_labels", "colors_to_labels"]


def _read_rgb_uint8(source, name: str) -> np.ndarray:
    """A colour-coded map as (H, W, 3) uint8 at its native size (no resampling).

    Files are decoded as they are; uint8 arrays are taken as they are; every other array or tensor goes
    through the input gate (:func:`hw2.io.as_image_array`: values in [0, 1], finite), so NaN or 0-255 floats
    raise instead of collapsing into one class.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"label map not found: {path}")
        with Image.open(path) as im:
            im.load()
            if im.mode != "RGB":
                # palette / grey / alpha PNGs: flatten through RGB (palette indices become colours)
                im = im.convert("RGBA" if "A" in im.getbands() else "RGB").convert("RGB")
            return np.asarray(im, dtype=np.uint8).copy()
    if hasattr(source, "getbands"):  # a PIL image: its pixels as they are (as a file is read)
        source = np.asarray(source)
    if isinstance(source, np.ndarray) and source.dtype == np.uint8:
        if source.ndim != 3 or source.shape[2] not in (3, 4):
            raise ValueError(f"{name}: a colour-coded label map must be (H, W, 3), got shape {source.shape}")
        return source[..., :3]
    from ...io import as_image_array

    arr = as_image_array(source, name=name, channels=3, max_pixels=None, dtype=np.float64)
    return (np.clip(arr, 0, 1) * 255 + 0.5).astype(np.uint8)


def colors_to_labels(*segmentations) -> list[np.ndarray]:
    """Colour-coded segmentation images -> integer label maps with one shared colour table, every colour a class.

    Unlike :func:`read_color_labels` no colour is snapped to another: use it for exact, synthetic maps.

    Parameters
    ----------
    *segmentations : images in [0, 1] or uint8 (tensors ``(1, 3, H, W)``, arrays ``(H, W, 3)``; see
        :func:`hw2.io.as_image`)

    Returns
    -------
    list of int64 arrays ``(H, W)``; the same colour gets the same label in every map
    (colours are quantised to 8 bits first).
    """
    quantised = []
    for i, seg in enumerate(segmentations):
        t = as_image_array(seg, name=f"segmentation {i}", dtype=np.float64)  # 0-255 floats: an error
        q = (np.clip(t, 0, 1) * 255 + 0.5).astype(np.int64)
        quantised.append(q[..., 0] * 65536 + q[..., 1] * 256 + q[..., 2])
    table = np.unique(np.concatenate([q.reshape(-1) for q in quantised]))
    return [np.searchsorted(table, q).astype(np.int64) for q in quantised]


def read_color_labels(*sources, min_fraction: float = 0.002, return_palette: bool = False):
    """Colour-coded label maps -> label maps with one shared colour table.

    Parameters
    ----------
    *sources : path-like, (H, W, 3) arrays or (1, 3, H, W) tensors (uint8, or values in [0, 1])
        Maps read together (e.g. a content map and its style map): the same colour
        gets the same id in all of them. PNG files are read at their native size in
        RGB or palette mode, never resampled.
    min_fraction : float, keyword-only
        A colour is a class when it covers at least this fraction of some map. Every
        other pixel (anti-aliased edges, compression noise) is snapped to the nearest
        class colour.
    return_palette : bool, keyword-only
        Also return the ``(K, 3)`` uint8 class colours (id ``k`` is ``palette[k]``).

    Returns
    -------
    list of ndarray (H, W) int64 (and the palette)
    """
    if not sources:
        raise ValueError("read_color_labels needs at least one map")
    min_fraction = check_number(min_fraction, "min_fraction", low=0.0, high=1.0)
    maps = [_read_rgb_uint8(s, f"label map {i}") for i, s in enumerate(sources)]
    codes = [(m[..., 0].astype(np.int64) << 16) | (m[..., 1].astype(np.int64) << 8) | m[..., 2] for m in maps]
    dominant: set[int] = set()
    for c in codes:
        u, n = np.unique(c, return_counts=True)
        keep = u[n >= max(1, min_fraction * c.size)]
        dominant.update(keep.tolist() if keep.size else [int(u[np.argmax(n)])])
    table = np.array(sorted(dominant), dtype=np.int64)
    palette = np.stack([(table >> 16) & 255, (table >> 8) & 255, table & 255], axis=1)
    out = []
    for c in codes:
        u, inv = np.unique(c, return_inverse=True)
        rgb = np.stack([(u >> 16) & 255, (u >> 8) & 255, u & 255], axis=1).astype(np.float64)
        d = ((rgb[:, None, :] - palette[None].astype(np.float64)) ** 2).sum(-1)
        out.append(np.argmin(d, axis=1)[inv.reshape(c.shape)].astype(np.int64))
    return (out, palette.astype(np.uint8)) if return_palette else out
