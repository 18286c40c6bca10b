"""Image input/output: load any image as a float tensor, resize, save atomically, grids.

This is the public module for images. The input gate (:func:`as_image`, :func:`as_image_array`), the
decoder (:func:`load_image`, :func:`pil_to_array`) and :func:`resize_to` are implemented in
:mod:`hw2.gate` and re-exported here; the rest of ``hw2`` imports them from here.

Conventions
-----------
An *image* in this package is a ``torch.float32`` tensor of shape ``(1, 3, H, W)``
with values in ``[0, 1]`` (RGB).  :func:`to_numpy` gives the ``(H, W, 3)`` array
view that numpy-based methods (smoothing, quilting) use.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np
import torch
from PIL import Image

__all__ = [
    "ImageFileError", "ImageSizeWarning", "as_image", "as_image_array", "load_image", "to_tensor", "to_numpy",
    "resize_longest", "resize_shorter", "resize_to", "random_crops", "save_image", "atomic_write", "image_grid", "save_figure",
    "DEFAULT_MAX_SIDE", "DEFAULT_MAX_PIXELS", "pil_to_array",
]

from . import config
from .gate import (DEFAULT_MAX_PIXELS, DEFAULT_MAX_SIDE, ImageFileError, ImageSizeWarning, as_image,
                   as_image_array, load_image, pil_to_array, resize_to)


# --------------------------------------------------------------------------- atomic files
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator:
    """Open a temporary file beside ``path``; rename it over ``path`` only on success.

    A reader never sees a half-written file, and an exception (or a kill) leaves
    the previous ``path`` untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------------- conversion
def to_tensor(image, *, name: str = "image", device: torch.device | str | None = None) -> torch.Tensor:
    """Array-like image -> ``(1, 3, H, W)`` float32 tensor in [0, 1], through the input gate.

    Accepts a PIL image, an ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)`` array (uint8 scaled by
    1/255, uint16 by 1/65535, alpha dropped), or a tensor of shape ``(3, H, W)`` / ``(1, 3, H, W)``.
    The values are checked by :func:`as_image` (no size limit): floats and other integers must
    lie in [0, 1] and be finite.

    Raises
    ------
    ValueError
        Another shape (a batch, a 2-channel array), NaN/inf, or values outside [0, 1] (with a
        hint such as "looks like 0–255; divide by 255"); the message names ``name``.
    """
    pil = hasattr(image, "mode") and hasattr(image, "size") and hasattr(image, "getbands")
    if isinstance(image, torch.Tensor):
        if not (image.dim() in (3, 4) and image.shape[-3] == 3 and (image.dim() == 3 or image.shape[0] == 1)):
            raise ValueError(f"{name} must be a (1, 3, H, W) or (3, H, W) tensor, got shape {tuple(image.shape)}")
    elif not pil:
        shape = np.shape(image)
        if not (len(shape) == 2 or (len(shape) == 3 and shape[2] in (3, 4))):
            raise ValueError(f"{name} must be an (H, W), (H, W, 3) or (H, W, 4) array, got shape {shape}")
    return as_image(image, name=name, max_pixels=None, device=device)


def to_numpy(image: torch.Tensor) -> np.ndarray:
    """``(1, 3, H, W)`` or ``(3, H, W)`` tensor -> ``(H, W, 3)`` float32 array (a copy)."""
    if isinstance(image, np.ndarray):
        return image.astype(np.float32, copy=False)
    t = image.detach()
    if t.dim() == 4:
        if t.shape[0] != 1:
            raise ValueError(f"expected a single image, got batch of {t.shape[0]}")
        t = t[0]
    if t.dim() != 3 or t.shape[0] != 3:
        raise ValueError(f"expected a (1, 3, H, W) tensor, got shape {tuple(image.shape)}")
    return t.float().cpu().permute(1, 2, 0).contiguous().numpy()


def _check_image(image: torch.Tensor, name: str = "image") -> None:
    """``image`` is already a ``(N, 3, H, W)`` tensor (the resizers' precondition; :func:`as_image` converts)."""
    if not isinstance(image, torch.Tensor) or image.dim() != 4 or image.shape[1] != 3:
        shape = tuple(image.shape) if hasattr(image, "shape") else type(image).__name__
        raise ValueError(f"{name} must be a (N, 3, H, W) tensor, got {shape}")
    if image.shape[2] < 1 or image.shape[3] < 1:
        raise ValueError(f"{name} is empty: shape {tuple(image.shape)}")


def resize_longest(image: torch.Tensor, max_side: int, *, upscale: bool = False,
                   multiple_of: int = 1) -> torch.Tensor:
    """Resize so the longest side is ``max_side`` (aspect ratio kept).

    Parameters
    ----------
    image : torch.Tensor, shape (N, 3, H, W)
    max_side : int
        Target length of the longest side, ``>= 1``.
    upscale : bool, keyword-only
        Also enlarge images smaller than ``max_side`` (default: only shrink).
    multiple_of : int, keyword-only
        Round both sides to a multiple of this (at least one multiple).
    """
    _check_image(image)
    if max_side < 1:
        raise ValueError(f"max_side must be >= 1, got {max_side}")
    h, w = image.shape[-2:]
    scale = max_side / max(h, w)
    if scale > 1 and not upscale:
        scale = 1.0
    m = max(1, int(multiple_of))
    nh = max(m, int(round(h * scale / m)) * m)
    nw = max(m, int(round(w * scale / m)) * m)
    return resize_to(image, (nh, nw))


def resize_shorter(image: torch.Tensor, side: int) -> torch.Tensor:
    """Resize so the shorter side is ``side`` (up or down; aspect kept, the longer side rounded, at least ``side``).

    Bilinear, antialiased when shrinking (:func:`resize_to`); an image whose shorter side already is
    ``side`` comes back unchanged. ``image`` is an ``(N, 3, H, W)`` tensor.
    """
    _check_image(image)
    if int(side) != side or side < 1:
        raise ValueError(f"side must be an integer >= 1, got {side!r}")
    h, w = image.shape[-2:]
    s = side / min(h, w)
    return resize_to(image, (max(side, round(h * s)), max(side, round(w * s))))


def random_crops(images: Sequence, rng: np.random.Generator, *, batch: int, crop: int,
                 load: Callable[[object], torch.Tensor], indices_first: bool = False) -> torch.Tensor:
    """``(batch, 3, crop, crop)`` random square crops of ``images``, each flipped left-right with probability 1/2.

    The training batches of the PhotoWCT decoders and of MUNIT. Every random choice is drawn from
    ``rng``: for each crop the image (uniformly), the top and left corner (uniformly where the crop
    fits) and the flip; ``indices_first=True`` draws the ``batch`` image indices first, in one call
    (the decoders' order), instead of one before each crop.

    Parameters
    ----------
    images : sequence
        Items ``load`` understands (paths, tensors...).
    rng : numpy.random.Generator
    batch, crop : int, keyword-only
        Number of crops and their side in pixels.
    load : callable, keyword-only
        ``load(item)`` -> the item's image, a ``(1, 3, H, W)`` or ``(3, H, W)`` tensor with both sides
        ``>= crop`` (e.g. :func:`resize_shorter` of :func:`load_image`).

    Returns
    -------
    torch.Tensor, (batch, 3, crop, crop), the images' dtype and values (e.g. float32 in [0, 1])
    """
    if not images:
        raise ValueError("random_crops needs at least one image")
    picks = rng.integers(0, len(images), size=batch) if indices_first else None
    out = []
    for k in range(batch):
        i = int(picks[k]) if indices_first else int(rng.integers(len(images)))
        img = load(images[i])
        img = img if img.dim() == 4 else img[None]
        h, w = img.shape[-2:]
        if min(h, w) < crop:
            raise ValueError(f"image {i} is {h}x{w}, smaller than the {crop} px crop; resize it in load()")
        y, x = int(rng.integers(0, h - crop + 1)), int(rng.integers(0, w - crop + 1))
        c = img[..., y:y + crop, x:x + crop]
        if rng.random() < 0.5:
            c = c.flip(-1)
        out.append(c)
    return torch.cat(out).contiguous()


def _to_uint8(image, name: str = "image") -> np.ndarray:
    """An image as ``(H, W[, C])`` uint8 for writing or display: uint8 is kept as it is, every other
    dtype goes through the input gate (finite, values in [0, 1] up to float rounding, uint16 scaled)."""
    arr = to_numpy(image) if isinstance(image, torch.Tensor) else np.asarray(image)
    if arr.dtype == np.uint8:
        return arr
    checked = as_image_array(arr, name=name, channels=None, max_pixels=None, dtype=None)
    if checked.shape[:2] != arr.shape[:2]:  # read as (C, H, W): not an (H, W[, C]) image
        raise ValueError(f"{name} must be an (H, W), (H, W, 3) or (H, W, 4) array, got shape {arr.shape}")
    checked = checked.reshape(arr.shape)
    return (np.clip(checked.astype(np.float32), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def save_image(image, path: str | os.PathLike) -> Path:
    """Write an image atomically (temporary file, then rename); format from the suffix.

    ``image`` is a ``(1, 3, H, W)`` tensor or an ``(H, W[, 3 or 4])`` array: uint8, or values in
    ``[0, 1]`` (float rounding up to 1e-4 outside is clamped; uint16 is scaled by 1/65535).

    Raises
    ------
    ValueError
        NaN or infinite values (never written as black), values outside [0, 1] (0-255 floats are
        never written as a white file: divide by 255 or convert to uint8), a shape that is not an
        image, or an alpha channel for a JPEG file (which cannot store one).
    """
    path = Path(path)
    fmt = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP", ".bmp": "BMP",
           ".tif": "TIFF", ".tiff": "TIFF"}.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"unknown image format for {path}; use .png or .jpg")
    raw = to_numpy(image) if isinstance(image, torch.Tensor) else np.asarray(image)
    if raw.dtype.kind not in "biuf":
        raise ValueError(f"cannot save a {raw.dtype} array as an image ({path})")
    if raw.dtype.kind == "f" and not np.isfinite(raw).all():
        raise ValueError(f"the image for {path} holds NaN or infinite values; not saved")
    if raw.ndim == 3 and raw.shape[2] == 1:
        raw = raw[..., 0]
    if not (raw.ndim == 2 or (raw.ndim == 3 and raw.shape[2] in (3, 4))) or 0 in raw.shape:
        raise ValueError(f"cannot save an array of shape {raw.shape} as an image ({path}); expected "
                         "(H, W), (H, W, 3), (H, W, 4) or a (1, 3, H, W) tensor")
    if fmt == "JPEG" and raw.ndim == 3 and raw.shape[2] == 4:
        raise ValueError(f"JPEG cannot store the alpha channel of this RGBA image ({path}); save it as .png, "
                         "or drop the alpha (image[..., :3])")
    try:
        pixels = _to_uint8(raw)
    except ValueError as exc:
        raise ValueError(f"{exc} ({path}); not saved") from None
    pil = Image.fromarray(pixels)
    with atomic_write(path) as fh:
        pil.save(fh, format=fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    return path


# --------------------------------------------------------------------------- figures
def image_grid(rows: Sequence[Sequence], *, row_titles: Sequence[str] | None = None,
               col_titles: Sequence[str] | None = None, cell_size: float = 2.4,
               title: str | None = None, fontsize: int = 9):
    """Lay out images as a table for the report.

    Parameters
    ----------
    rows : sequence of sequences
        ``rows[i][j]`` is an image (tensor, array or PIL) or ``None`` for an empty
        (blank) cell.
    row_titles, col_titles : sequence of str, keyword-only
        Titles at the left of each row and on top of each column.
    cell_size : float
        Width of one cell in inches; the figure is at most 7.5 in wide so that
        it fits a printed page.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt  # lazy on purpose: matplotlib only when a figure is drawn

    n_rows = len(rows)
    n_cols = max((len(r) for r in rows), default=0)
    if n_rows == 0 or n_cols == 0:
        raise ValueError("image_grid needs at least one image")
    if row_titles is not None and len(row_titles) != n_rows:
        raise ValueError(f"{len(row_titles)} row titles for {n_rows} rows")
    if col_titles is not None and len(col_titles) != n_cols:
        raise ValueError(f"{len(col_titles)} column titles for {n_cols} columns")
    width = min(7.5, cell_size * n_cols + (0.9 if row_titles else 0))
    cell = (width - (0.9 if row_titles else 0)) / n_cols
    aspects, cells = [], {}
    for i, r in enumerate(rows):
        for j, im in enumerate(r):
            if im is not None:
                cells[i, j] = arr = _to_uint8(im, name=f"rows[{i}][{j}]")
                aspects.append(arr.shape[0] / arr.shape[1])
    aspect = float(np.median(aspects)) if aspects else 1.0
    height = cell * aspect * n_rows + (0.35 if col_titles else 0) + (0.35 if title else 0)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(width, height), squeeze=False)
    for i in range(n_rows):
        for j in range(n_cols):
            ax = axes[i][j]
            ax.set_xticks([])
            ax.set_yticks([])
            for s in ax.spines.values():
                s.set_visible(False)
            if (i, j) in cells:
                ax.imshow(cells[i, j], interpolation="lanczos")
            if col_titles is not None and i == 0:
                ax.set_title(col_titles[j], fontsize=fontsize)
            if row_titles is not None and j == 0:
                ax.set_ylabel(row_titles[i], fontsize=fontsize)
    if title:
        fig.suptitle(title, fontsize=fontsize + 1, y=0.995, va="top")
    # keep a band for the title above the column titles (tight_layout ignores the suptitle)
    fig.tight_layout(pad=0.3, rect=(0, 0, 1, 1 - (0.4 / height if title else 0.0)))
    return fig


def save_figure(fig, name: str, *, folder: str | os.PathLike | None = None, dpi: int = 110) -> Path:
    """Save a matplotlib figure as ``figures/<name>.png`` atomically; returns the path."""
    folder = Path(folder) if folder is not None else config.FIGURES
    path = folder / (name if name.endswith(".png") else f"{name}.png")
    with atomic_write(path) as fh:
        fig.savefig(fh, format="png", dpi=dpi, bbox_inches="tight")
    return path
