"""Image input/output: load any image as a float tensor, resize, save atomically, grids. The input
gate (:func:`as_image`, :func:`as_image_array`) is :mod:`hw2.gate`, re-exported here.

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
import warnings
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "ImageFileError", "ImageSizeWarning", "as_image", "as_image_array", "load_image", "to_tensor", "to_numpy",
    "resize_longest", "resize_to", "save_image", "atomic_write", "image_grid", "save_figure",
    "DEFAULT_MAX_SIDE", "DEFAULT_MAX_PIXELS",
]

from .gate import (_RANGE_SLACK, DEFAULT_MAX_PIXELS, DEFAULT_MAX_SIDE, ImageFileError, ImageSizeWarning,  # noqa: F401
                   as_image, as_image_array)


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
def _pil_to_float_rgb(im) -> np.ndarray:
    """Any PIL image -> (H, W, 3) float32 in [0, 1]. Alpha is composited on white."""
    from PIL import Image

    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(im, dtype=np.float64)
        peak = 65535.0 if (mode.startswith("I;16") or arr.max() > 255) else 255.0
        arr = np.clip(arr / peak, 0.0, 1.0).astype(np.float32)
        return np.repeat(arr[..., None], 3, axis=2)
    if mode == "F":
        arr = np.asarray(im, dtype=np.float32)
        hi = float(arr.max()) if arr.size else 1.0
        arr = np.clip(arr / (hi if hi > 1.0 else 1.0), 0.0, 1.0)
        return np.repeat(arr[..., None], 3, axis=2)
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif mode in ("1", "L", "CMYK", "YCbCr", "LAB", "HSV", "RGBX"):
        im = im.convert("RGB")
    elif mode in ("LA", "La", "RGBa", "PA"):
        im = im.convert("RGBA")
    if im.mode == "RGBA":
        rgba = np.asarray(im, dtype=np.float32) / 255.0
        alpha = rgba[..., 3:4]
        return (rgba[..., :3] * alpha + (1.0 - alpha)).astype(np.float32)
    if im.mode != "RGB":
        im = im.convert("RGB")
    return np.asarray(im, dtype=np.float32) / 255.0


def load_image(path: str | os.PathLike, *, max_side: int | None = None,
               device: torch.device | str | None = None) -> torch.Tensor:
    """Load an image file as an RGB float tensor.

    Parameters
    ----------
    path : path-like
        Any format Pillow reads. Modes RGB, RGBA/LA (composited on white), L, 1,
        P (palette, with or without transparency), I;16/I (16-bit, scaled by
        65535), F, CMYK and YCbCr are converted. EXIF orientation is applied.
    max_side : int, optional, keyword-only
        Downscale (never upscale) so that the longest side is at most this many
        pixels. Default :data:`DEFAULT_MAX_SIDE`, so a huge file is decoded at a
        reduced size (JPEG draft mode) instead of exhausting memory.
    device : torch device, optional

    Returns
    -------
    torch.Tensor
        Shape ``(1, 3, H, W)``, ``float32``, values in ``[0, 1]``.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist (the message names it).
    ImageFileError
        The file is not a readable image (the message names it).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image file not found: {path}")
    cap = DEFAULT_MAX_SIDE if max_side is None else int(max_side)
    if cap < 1:
        raise ValueError(f"max_side must be >= 1, got {max_side}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                w, h = im.size
                if w < 1 or h < 1:
                    raise ImageFileError(f"image has no pixels: {path}")
                if max(w, h) > cap and im.format == "JPEG":
                    # decode at 1/2, 1/4 or 1/8 scale directly: no full-size buffer
                    im.draft("RGB", (max(1, w * cap // max(w, h)), max(1, h * cap // max(w, h))))
                im = ImageOps.exif_transpose(im)
                im.load()
                w, h = im.size
                if max(w, h) > cap:
                    scale = cap / max(w, h)
                    size = (max(1, round(w * scale)), max(1, round(h * scale)))
                    if im.mode not in ("RGB", "RGBA", "L", "LA"):
                        im = im.convert("RGBA" if "A" in im.getbands() else "RGB")
                    im = im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
                arr = _pil_to_float_rgb(im)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageFileError(
            f"cannot read image {path}: {exc}. The file is corrupt or not an image; "
            "replace it (or re-download the data set)") from exc
    return to_tensor(arr, name=f"image {path}", device=device)


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


def resize_to(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resize an ``(N, C, H, W)`` tensor to ``size = (H, W)`` (bilinear, antialiased)."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    down = size[0] < image.shape[-2] or size[1] < image.shape[-1]
    return F.interpolate(image, size=size, mode="bilinear", align_corners=False, antialias=down)


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
    from PIL import Image

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
    import matplotlib.pyplot as plt

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
    from . import config

    folder = Path(folder) if folder is not None else config.FIGURES
    path = folder / (name if name.endswith(".png") else f"{name}.png")
    with atomic_write(path) as fh:
        fig.savefig(fh, format="png", dpi=dpi, bbox_inches="tight")
    return path
