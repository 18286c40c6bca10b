"""FastPhotoStyle end to end: PhotoWCT stylisation, then photorealistic smoothing.

Li et al., *A Closed-form Solution to Photorealistic Image Stylization*, ECCV 2018:
the stylisation (:func:`hw2.fastphotostyle.photowct.stylize`) transfers the style's feature
statistics with whitening and colouring at four VGG levels, decoding with max-unpooling; the
smoothing (:mod:`hw2.fastphotostyle.smoothing`) makes pixels with similar content colours in a neighbourhood get
similar output colours, either exactly (the closed-form solve) or approximately (the
guided filter, FastPhotoStyle's ``--fast`` mode).

Departures from the reference implementation
--------------------------------------------
* Any image size: the longest side is capped at ``size`` and the content is
  reflection-padded to a multiple of 8 for the encoder/decoder, then cropped back.
* The exact smoothing runs on the CPU with multigrid-preconditioned CG
  (:func:`hw2.fastphotostyle.smoothing.smooth_exact`), not a GPU or a sparse LU.
"""
from __future__ import annotations

import time
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .. import weights
from ..io import as_image, resize_longest
from ..result import Result
from .labels.functional import fit_labels, resize_labels
from .photowct import models
from .photowct.pipeline import stylize as photowct_stylize
from .pixel import pixel_wct
from .smoothing import DEFAULT_LAM, FPS_GUIDED_EPS, FPS_GUIDED_RADIUS, guided_filter, smooth_exact

__all__ = ["SMOOTHING", "METHODS", "stylize", "decoders_available", "PAD_MULTIPLE"]

SMOOTHING = ("exact", "fast", None)
#: the stylisations: PhotoWCT (unpooling decoders), plain WCT (upsampling decoders), WCT of the pixel colours
METHODS = ("photowct", "wct", "pixel")
PAD_MULTIPLE = 8


def decoders_available(method: str = "photowct", levels: Sequence[str] | None = None) -> tuple[bool, str]:
    """Whether the decoders ``method`` needs can be loaded: ``(ok, message)``.

    ``method="photowct"``: our trained unpooling decoders (``hw2/weights``);
    ``"wct"``: the upsampling decoders of plain WCT (ours for levels 1-3, trained like the
    PhotoWCT ones; AdaIN's for ``relu4_1``). Neither needs ``$HW2_REFERENCE``.
    """
    if method == "pixel":
        return True, ""      # no decoders
    if method not in ("photowct", "wct"):
        raise ValueError(f"unknown method {method!r}; choose 'photowct', 'wct' or 'pixel'")
    levels = list(levels or models.LEVELS)
    for level in levels:
        if level not in models.LEVELS:
            raise ValueError(f"unknown level {level!r}; choose from {models.LEVELS}")
    try:
        for level in levels:
            if method == "photowct":
                weights.path(models.weights_name(level))
            else:
                models.wct_decoder(level, device="cpu")
    except Exception as exc:  # missing, corrupt or unreadable files of any kind: report, do not raise
        return False, f"{type(exc).__name__}: {exc}" if not isinstance(exc, weights.WeightsError) else str(exc)
    return True, ""


def _pad_to(img: torch.Tensor, multiple: int) -> tuple[torch.Tensor, tuple[int, int]]:
    h, w = img.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph == 0 and pw == 0:
        return img, (0, 0)
    mode = "reflect" if (ph < h and pw < w) else "replicate"
    return F.pad(img, (0, pw, 0, ph), mode=mode), (ph, pw)


def stylize(content, style, *, content_labels=None, style_labels=None, smoothing: str | None = "exact",
            alpha: float = 1.0, lam: float = DEFAULT_LAM, method: str = "photowct", size: int | None = 1024,
            style_size: int | None = 1024, guided_radius: int = FPS_GUIDED_RADIUS,
            guided_eps: float = FPS_GUIDED_EPS, guided_subsample: int | str = "auto", smoothing_tol: float = 5e-2,
            levels: Sequence[str] | None = None, device=None) -> Result:
    """FastPhotoStyle: (Photo)WCT stylisation followed by photorealistic smoothing.

    Parameters
    ----------
    content, style : images in [0, 1]: paths, PIL images, arrays or tensors (see :func:`hw2.io.as_image`)
        Any size from 1x1 (thin strips included); the longest side is capped at ``size``.
    content_labels, style_labels : (H, W) integer label maps, optional, keyword-only
        Same id = same class (see :mod:`hw2.fastphotostyle.labels`). Each must match its image's size;
        a map of another size is resized (nearest) with a
        :class:`hw2.fastphotostyle.labels.LabelMapWarning`. Content regions whose id is absent from the
        style keep their content features.
    smoothing : {"exact", "fast", None}, keyword-only
        ``"exact"``: closed-form smoothing (:func:`hw2.fastphotostyle.smoothing.smooth_exact`);
        ``"fast"``: guided filter (:func:`hw2.fastphotostyle.smoothing.guided_filter`); ``None``: none.
    alpha : float in [0, 1], keyword-only
        WCT blend of stylised and content features (1 = full transfer).
    lam : float, keyword-only
        Smoothing strength, the paper's lambda (default: FastPhotoStyle's ``beta = 0.9999``).
    method : {"photowct", "wct", "pixel"}, keyword-only
        ``"pixel"``: WCT of the colours themselves (:func:`hw2.fastphotostyle.pixel.pixel_wct`), no decoders.
        Decoders with unpooling (PhotoWCT) or upsampling (plain WCT).
    size, style_size : int or None, keyword-only
        Cap on the longest side of the content (the working size) and of the style (None: no cap).
    guided_radius, guided_eps, guided_subsample : keyword-only
        Guided-filter settings (FastPhotoStyle: r = 35, eps = 1e-3 on 0-255 images).
        ``guided_subsample="auto"`` uses the fast guided filter with ``s = max(1, r // 8)``.
    smoothing_tol : float, keyword-only
        Relative residual of the exact solve.
    levels : sequence of str, optional, keyword-only
        WCT levels (default all four).
    device : torch device, optional

    Returns
    -------
    Result
        ``image``: the final (smoothed) result at the working size; ``times``: seconds per stage
        (``prepare_s``, ``stylize_s``, ``smoothing_s``, ``total_s``, and the exact solver's
        ``affinity_s``, ``setup_s``, ``solve_s``); ``info``: ``stylized`` (the (Photo)WCT output
        before smoothing), ``content`` (the content at the working size), ``smoothing_info``
        (:class:`hw2.fastphotostyle.smoothing.SolveInfo` of the exact solve, or None).

    Raises
    ------
    hw2.weights.WeightsError
        The decoders are missing (see :func:`decoders_available`).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    if smoothing not in SMOOTHING:
        raise ValueError(f"smoothing must be one of {SMOOTHING}, got {smoothing!r}")
    if (content_labels is None) != (style_labels is None):
        raise ValueError("give both content_labels and style_labels, or neither")
    t0 = time.perf_counter()
    c_in = as_image(content, name="content")
    s_in = as_image(style, name="style")
    s_img = s_in if style_size is None else resize_longest(s_in, int(style_size))  # only shrinks
    cl = sl = None
    if content_labels is not None:
        cl = fit_labels(content_labels, tuple(c_in.shape[-2:]), name="content_labels")
        sl = fit_labels(style_labels, tuple(s_in.shape[-2:]), name="style_labels")
        sl = resize_labels(sl, tuple(s_img.shape[-2:]))
    c_img = c_in if size is None else resize_longest(c_in, int(size))
    h, w = c_img.shape[-2:]
    if cl is not None:
        cl = resize_labels(cl, (h, w))
    padded, (ph, pw) = _pad_to(c_img, PAD_MULTIPLE)
    if cl is not None and (ph or pw):
        cl = np.pad(cl, ((0, ph), (0, pw)), mode="edge")
    t1 = time.perf_counter()
    if method == "pixel":   # colours only, at the working size (no encoder: no padding)
        y = pixel_wct(c_img, s_img, None if cl is None else cl[:h, :w], sl, alpha=alpha).image
    else:
        kw = {} if levels is None else {"levels": levels}
        y = photowct_stylize(padded, s_img, content_labels=cl, style_labels=sl, alpha=alpha, method=method,
                             device=device, **kw).image
        y = y[..., :h, :w].contiguous()
    t2 = time.perf_counter()
    info = None
    times = {}
    if smoothing == "exact":
        smoothed = smooth_exact(y, c_img, lam=lam, tol=smoothing_tol)
        image, info = smoothed.image, smoothed.smoothing_info
        times.update(info.times)
    elif smoothing == "fast":
        s = max(1, int(guided_radius) // 8) if guided_subsample == "auto" else int(guided_subsample)
        image = guided_filter(y, c_img, radius=guided_radius, eps=guided_eps, subsample=s).image
    else:
        image = y.clone()
    t3 = time.perf_counter()
    times.update({"prepare_s": t1 - t0, "stylize_s": t2 - t1, "smoothing_s": t3 - t2,
                  "total_s": time.perf_counter() - t0})
    return Result(image=image, times=times, info={"stylized": y, "content": c_img, "smoothing_info": info})
