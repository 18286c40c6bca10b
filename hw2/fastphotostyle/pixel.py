"""WCT of the pixel colours: the stylisation FastPhotoStyle's smoothing can be studied with, no decoders needed.

Whitening and colouring (Li et al., NeurIPS 2017) applied to the RGB values themselves instead of VGG
features, region by region when label maps are given (:func:`hw2.fastphotostyle.photowct.functional.labelwise_wct`).
It transfers the colour statistics only, so it isolates what the photorealistic smoothing (Li et al.,
ECCV 2018) does; :func:`hw2.fastphotostyle.stylize` uses it with ``method="pixel"``.
"""
from __future__ import annotations

import time

from ..io import as_image
from ..result import Result
from .photowct.functional import labelwise_wct, wct

__all__ = ["pixel_wct", "PIXEL_MIN_PIXELS"]

#: a region with fewer pixels than this (in the content or the style) keeps its colours
PIXEL_MIN_PIXELS = 50


def pixel_wct(content, style, content_labels=None, style_labels=None, *, alpha: float = 1.0,
              min_pixels: int = PIXEL_MIN_PIXELS) -> Result:
    """WCT of the RGB values of ``content`` with those of ``style`` (float64), optionally label-wise.

    Parameters
    ----------
    content, style : images in [0, 1] (see :func:`hw2.io.as_image`), any sizes
    content_labels, style_labels : (H, W) integer label maps of the two images, optional (both or neither)
    alpha : float in [0, 1], keyword-only
        Blend of the transferred and the original colours.
    min_pixels : int, keyword-only
        See :func:`~hw2.fastphotostyle.photowct.functional.labelwise_wct`.

    Returns
    -------
    hw2.result.Result
        ``image``: ``(1, 3, H, W)`` float32 in [0, 1] (clamped), the content's size; ``times``: ``total_s``.
    """
    t0 = time.perf_counter()
    if (content_labels is None) != (style_labels is None):
        raise ValueError("give both content_labels and style_labels, or neither")
    c, s = as_image(content, name="content")[0].double(), as_image(style, name="style")[0].double()
    if content_labels is None:
        out = wct(c.reshape(3, -1), s.reshape(3, -1), alpha=alpha).reshape(c.shape)
    else:
        out = labelwise_wct(c, s, content_labels, style_labels, alpha=alpha, min_pixels=min_pixels)
    return Result(image=out.float().clamp(0, 1)[None], times={"total_s": time.perf_counter() - t0})
