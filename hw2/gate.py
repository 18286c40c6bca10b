"""The input gate: every image a method accepts goes through :func:`as_image` (or :func:`as_image_array`).

Paths, PIL images, ``(H, W)`` / ``(H, W, C)`` / ``(C, H, W)`` / ``(1, C, H, W)`` arrays and tensors of any
real dtype are converted to one form, with one set of rules: values in ``[0, 1]`` (integers are divided
by their maximum; floats outside the range are refused, with a hint when they look like 0-255), finite,
at least ``min_side`` pixels a side, at most ``max_pixels`` (larger inputs are downscaled with an
:class:`ImageSizeWarning`). It also owns decoding (:func:`load_image`, :func:`pil_to_array`) and
resizing (:func:`resize_to`), so it imports nothing else of ``hw2``. :mod:`hw2.io`, the public
module for images, re-exports these names; the rest of ``hw2`` imports them from there.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["ImageFileError", "ImageSizeWarning", "as_image", "as_image_array", "load_image", "pil_to_array",
           "resize_to", "DEFAULT_MAX_SIDE", "DEFAULT_MAX_PIXELS"]

#: longest side an image is capped at when loaded without an explicit cap; large
#: enough for every experiment, small enough that a 10000x10000 file cannot blow up memory.
DEFAULT_MAX_SIDE = 4096
#: pixel count above which :func:`as_image` downscales an input (with an :class:`ImageSizeWarning`)
DEFAULT_MAX_PIXELS = DEFAULT_MAX_SIDE * DEFAULT_MAX_SIDE
#: values this far outside the allowed range (float rounding) are clamped, not rejected
_RANGE_SLACK = 1e-4


class ImageFileError(ValueError):
    """An image file exists but cannot be decoded."""


class ImageSizeWarning(UserWarning):
    """An input image was larger than the stated pixel limit and was downscaled."""


# --------------------------------------------------------------------------- decoding
def pil_to_array(im) -> np.ndarray:
    """Any PIL image -> ``(H, W, 3)`` float32 array in [0, 1] (the decoder of :func:`load_image`).

    16-bit modes are scaled by 65535, ``F`` by its maximum when above 1; palette, grey, CMYK, YCbCr,
    LAB and HSV become RGB; alpha (RGBA, LA, PA) is composited on white.
    """
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
                arr = pil_to_array(im)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageFileError(
            f"cannot read image {path}: {exc}. The file is corrupt or not an image; "
            "replace it (or re-download the data set)") from exc
    # through the gate, so that a float file holding NaN is refused with the file's name
    return as_image(arr, name=f"image {path}", max_pixels=None, device=device)


# --------------------------------------------------------------------------- resizing
def resize_to(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resize an ``(N, C, H, W)`` tensor to ``size = (H, W)`` (bilinear, antialiased)."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    down = size[0] < image.shape[-2] or size[1] < image.shape[-1]
    return F.interpolate(image, size=size, mode="bilinear", align_corners=False, antialias=down)


# --------------------------------------------------------------------------- the gate
_CHANNELS = (1, 3, 4)


def _layout(shape: tuple, prefer_channels_first: bool, name: str) -> tuple[str, tuple]:
    """Which axes of an image-like array are (N, C, H, W): returns a permutation key."""
    nd = len(shape)
    if nd == 2:
        return "hw", shape
    if nd in (3, 4):  # (C, H, W) / (H, W, C), with a leading batch axis when 4-D
        batch = "n" if nd == 4 else ""
        first, last = shape[nd - 3] in _CHANNELS, shape[-1] in _CHANNELS
        if first and (prefer_channels_first or not last):
            return batch + "chw", shape
        if last:
            return batch + "hwc", shape
    raise ValueError(f"{name} must be an image: (H, W), (H, W, C), (C, H, W) or (1, C, H, W) with C in "
                     f"{_CHANNELS}, got shape {tuple(shape)}")


def _gate(x, name: str, value_range, min_side: int, max_pixels: int | None, channels: int | None,
          batch: bool, float64: bool) -> torch.Tensor:
    """The shared checks of :func:`as_image` / :func:`as_image_array`; returns ``(N, C, H, W)`` float."""
    fdtype = torch.float64 if float64 else torch.float32
    if isinstance(x, (str, os.PathLike)):
        t = load_image(x)
    else:
        if hasattr(x, "mode") and hasattr(x, "size") and hasattr(x, "getbands"):  # PIL
            x = pil_to_array(x)
        if isinstance(x, torch.Tensor):
            t, first = x.detach(), True
        else:
            try:
                arr = np.asarray(x)
            except Exception as exc:  # ragged lists and such
                raise TypeError(f"{name} must be an image (path, PIL image, array or tensor), got "
                                f"{type(x).__name__}: {exc}") from None
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"{name} must be an image (path, PIL image, array or tensor), got "
                                f"{type(x).__name__} of dtype {arr.dtype}")
            if arr.dtype == np.uint16:
                arr = arr.astype(np.float64 if float64 else np.float32) / 65535.0
            elif arr.dtype.kind in "iu" and arr.dtype != np.uint8:
                arr = arr.astype(np.int64)
            t, first = torch.from_numpy(np.ascontiguousarray(arr)), False
        if t.dtype.is_complex:
            raise TypeError(f"{name} must hold real numbers, got {t.dtype}")
        kind, _ = _layout(tuple(t.shape), first, name)
        t = {"hw": lambda a: a[None, None], "chw": lambda a: a[None], "hwc": lambda a: a.permute(2, 0, 1)[None],
             "nchw": lambda a: a, "nhwc": lambda a: a.permute(0, 3, 1, 2)}[kind](t)
        if t.dtype == torch.uint8:
            t = t.to(fdtype) / 255.0
        elif not t.dtype.is_floating_point:
            t = t.to(fdtype)
        elif float64:
            t = t.double()
        elif t.dtype not in (torch.float32, torch.float64):  # float16, bfloat16: checked in float32
            t = t.float()
    n, c, h, w = t.shape
    if n != 1 and not batch:
        raise ValueError(f"{name} must be a single image, got a batch of {n}")
    if h < 1 or w < 1 or n < 1:
        raise ValueError(f"{name} is empty: shape {tuple(t.shape)}")
    if not bool(torch.isfinite(t).all()):
        bad = int((~torch.isfinite(t)).sum())
        raise ValueError(f"{name} holds {bad} NaN or infinite value(s); fix the input (e.g. np.nan_to_num)")
    if channels == 3 and c != 3:
        t = t.expand(n, 3, h, w) if c == 1 else t[:, :3]  # grey -> RGB; RGBA -> RGB (alpha dropped)
    lo, hi = (0.0, 1.0) if value_range is None else (float(value_range[0]), float(value_range[1]))
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ValueError(f"value_range must be (low, high) with low < high, got {value_range!r}")
    mn, mx = float(t.min()), float(t.max())
    slack = _RANGE_SLACK * (hi - lo)
    if mn < lo - slack or mx > hi + slack:
        hint = ""
        if (lo, hi) == (0.0, 1.0):
            if mx > 1.0 and mx <= 255.0 + slack and mn >= -slack:
                hint = "; looks like 0–255; divide by 255"
            elif mn < 0.0 and mn >= -1.0 - slack and mx <= 1.0 + slack:
                hint = "; looks like [-1, 1]; map it with (x + 1) / 2"
        raise ValueError(f"{name} must hold values in [{lo:g}, {hi:g}], got [{mn:.4g}, {mx:.4g}]{hint}")
    if (lo, hi) != (0.0, 1.0):
        t = (t - lo) / (hi - lo)
    if mn < lo or mx > hi:
        t = t.clamp(0.0, 1.0)
    if min(h, w) < min_side:
        raise ValueError(f"{name} is {h}x{w}; this method needs both sides >= {min_side} px (its minimum size)")
    if max_pixels is not None and h * w > max_pixels:
        scale = (max_pixels / (h * w)) ** 0.5
        size = (max(1, int(h * scale)), max(1, int(w * scale)))
        warnings.warn(f"{name} is {h}x{w} = {h * w} pixels, above the limit of {max_pixels}; "
                      f"downscaled to {size[0]}x{size[1]}", ImageSizeWarning, stacklevel=3)
        t = resize_to(t, size)
    return t


def as_image(x, *, name: str = "image", value_range: tuple[float, float] | None = None, min_side: int = 1,
             max_pixels: int | None = DEFAULT_MAX_PIXELS, batch: bool = False, channels: int | None = 3,
             device: torch.device | str | None = None) -> torch.Tensor:
    """The input gate of every public entry point: anything image-like -> ``(1, 3, H, W)`` float32 in [0, 1].

    Parameters
    ----------
    x : path, PIL image, array or tensor
        A path is read with :func:`load_image`. Arrays and tensors may be ``(H, W)``,
        ``(H, W, C)``, ``(C, H, W)`` or ``(1, C, H, W)`` (``(1, H, W, C)`` too) with
        ``C`` in 1 (grey, repeated), 3 or 4 (alpha dropped); a 3-d *tensor* is read as
        ``(C, H, W)`` and a 3-d *array* as ``(H, W, C)`` when both would fit. ``uint8``
        is scaled by 1/255, ``uint16`` by 1/65535; every float dtype (float16, bfloat16,
        float32, float64) and other integers are taken as they are.
    name : str, keyword-only
        The argument's name, used in every error message.
    value_range : (low, high), optional, keyword-only
        The range the caller documents for ``x`` (default ``(0, 1)``); values are mapped
        linearly from it to [0, 1]. Values outside it (beyond float rounding) raise.
    min_side : int, keyword-only
        The method's minimum size: a shorter side below it raises.
    max_pixels : int or None, keyword-only
        Larger inputs are downscaled to this many pixels with an :class:`ImageSizeWarning`.
    batch : bool, keyword-only
        Accept ``(N, C, H, W)`` with ``N > 1`` (the result is then ``(N, 3, H, W)``).
    channels : 3 or None, keyword-only
        ``None`` keeps a 1- or 4-channel input as it is (for metrics on grey maps).
    device : torch device, optional, keyword-only

    Returns
    -------
    torch.Tensor, shape (1, 3, H, W), float32, values in [0, 1]
        Not a copy when ``x`` already is one (do not modify it in place).

    Raises
    ------
    ValueError
        Wrong shape, empty, batch, NaN/inf, values outside the range (with a hint such as
        "looks like 0–255; divide by 255"), or smaller than ``min_side``; the message names ``name``.
    TypeError
        ``x`` is not image-like (e.g. a string dtype or complex numbers).
    FileNotFoundError, ImageFileError
        A path that does not exist or is not an image.
    """
    t = _gate(x, name, value_range, int(min_side), max_pixels, channels, batch, False)
    t = t.contiguous() if t.dtype == torch.float32 else t.float().contiguous()
    return t.to(device) if device is not None else t


def as_image_array(x, *, name: str = "image", value_range: tuple[float, float] | None = None,
                   min_side: int = 1, max_pixels: int | None = DEFAULT_MAX_PIXELS, channels: int | None = 3,
                   dtype=np.float32) -> np.ndarray:
    """:func:`as_image` for numpy-based methods: an ``(H, W, C)`` array of ``dtype`` in [0, 1].

    ``channels=None`` keeps the input's channel count (1, 3 or 4); ``dtype=np.float64``
    converts ``uint8`` in float64 and keeps float64 inputs exact; ``dtype=None`` keeps float64
    inputs float64 and gives float32 otherwise. Same checks and errors
    as :func:`as_image`.
    """
    f64 = dtype is not None and np.dtype(dtype) == np.float64
    t = _gate(x, name, value_range, int(min_side), max_pixels, channels, False, f64)
    arr = t[0].cpu().permute(1, 2, 0).numpy()
    return np.ascontiguousarray(arr, dtype=dtype if dtype is not None else arr.dtype)


