"""PhotoWCT and plain multi-level WCT stylisation, and decoder reconstruction quality.

PhotoWCT (Li et al., *A Closed-form Solution to Photorealistic Image
Stylization*, ECCV 2018) is multi-level WCT (Li et al. 2017) whose decoders
replace upsampling by max-unpooling with the pooling indices of the encoded
image, so that the output keeps the content's edges. Stylisation runs coarse to
fine: WCT at ``relu4_1`` -> decode -> encode the result to ``relu3_1`` -> WCT ->
decode -> ... -> ``relu1_1``. Decoding at each level uses the pooling indices of
the image encoded at that level (the content at ``relu4_1``), as FastPhotoStyle
does. The style is encoded once, at all levels in one pass.

:func:`hw2.fastphotostyle.stylize` follows it with the photorealistic smoothing.
"""
from __future__ import annotations

import time
from typing import Sequence

import torch

from ... import config
from ...io import as_image
from ...metrics import psnr  # re-exported: hw2.fastphotostyle.photowct.psnr is hw2.metrics.psnr
from ...result import Result
from .functional import DEFAULT_EPS, DEFAULT_MIN_PIXELS, labelwise_wct, wct_maps
from .models import LEVELS, encode, encoder, photowct_decoder, wct_decoder

__all__ = ["stylize", "reconstruct", "psnr", "decoder_for"]


def decoder_for(level: str, kind: str, *, device=None):
    """``kind="photowct"``: our unpooling decoder; ``"wct"``: the upsampling decoder of plain WCT."""
    if kind == "photowct":
        return photowct_decoder(level, device=device)
    if kind == "wct":
        return wct_decoder(level, device=device)
    raise ValueError(f"unknown decoder kind {kind!r}; choose 'photowct' or 'wct'")


def _prepare(image: torch.Tensor, dev: torch.device, name: str) -> torch.Tensor:
    x = as_image(image, name=name).to(device=dev)
    return x.contiguous(memory_format=torch.channels_last) if dev.type == "cpu" else x


def _levels(levels: Sequence[str]) -> list[str]:
    levels = list(levels)
    if not levels:
        raise ValueError("no level given")
    for level in levels:
        if level not in LEVELS:
            raise ValueError(f"unknown level {level!r}; choose from {LEVELS}")
    return sorted(set(levels), key=LEVELS.index, reverse=True)


def stylize(content: torch.Tensor, style: torch.Tensor, *, content_labels=None, style_labels=None,
            alpha: float = 1.0, levels: Sequence[str] = LEVELS, method: str = "photowct",
            eps: float = DEFAULT_EPS, min_pixels: int = DEFAULT_MIN_PIXELS, device=None) -> Result:
    """Stylise ``content`` with ``style`` by multi-level (Photo)WCT, coarse to fine.

    Parameters
    ----------
    content, style : images in [0, 1] (tensors (1, 3, H, W), arrays, PIL images, paths; see
        :func:`hw2.io.as_image`)
        Any sizes from 1x1 (the style is usually smaller).
    content_labels, style_labels : integer arrays/tensors (H, W), optional, keyword-only
        Label maps of the two images (same label = same kind of region; see
        :func:`hw2.fastphotostyle.labels.read_color_labels` and :func:`hw2.fastphotostyle.labels.colors_to_labels` for colour-coded maps).
        Given both, each content region takes the statistics of the same style
        region; unmatched or tiny regions keep their content features.
    alpha : float in [0, 1], keyword-only
        Blend of stylised and content features at every level (1 = full WCT).
    levels : sequence of str, keyword-only
        Levels to apply, among ``relu1_1`` ... ``relu4_1`` (always run coarse to fine).
    method : {"photowct", "wct"}, keyword-only
        ``photowct``: our unpooling decoders; ``wct``: plain WCT with upsampling
        decoders (ours with Li et al. 2017's architecture for levels 1-3, AdaIN's for level 4;
        see :func:`hw2.fastphotostyle.photowct.models.wct_decoder`).
    eps, min_pixels : keyword-only
        See :func:`hw2.fastphotostyle.photowct.functional.labelwise_wct`.
    device : torch device, optional

    Returns
    -------
    Result
        ``image``: (1, 3, H, W) float32 in [0, 1] on the CPU, the content's size; ``times``:
        ``prepare_s`` (loading the networks), ``stylize_s``, ``total_s``; ``info``: ``levels`` (the
        levels applied, coarse to fine) and ``method``.

    Notes
    -----
    Intermediate images are clamped to [0, 1] before being encoded again.
    """
    if (content_labels is None) != (style_labels is None):
        raise ValueError("give both content_labels and style_labels, or neither")
    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    order = _levels(levels)
    t0 = time.perf_counter()
    dev = torch.device(device) if device is not None else config.device()
    x = _prepare(content, dev, "content")
    s = _prepare(style, dev, "style")
    enc = encoder(device=dev)
    decoders = {level: decoder_for(level, method, device=dev) for level in order}
    t1 = time.perf_counter()
    with torch.inference_mode():
        style_feats = encode(enc, s, order)                                  # one pass for every level
        for level in order:
            feats, pools = encode(enc, x, [level], return_indices=True)
            cf, sf = feats[level][0], style_feats[level][0]
            if content_labels is None:
                cs = wct_maps(cf, sf, alpha=alpha, eps=eps)
            else:
                cs = labelwise_wct(cf, sf, content_labels, style_labels, alpha=alpha, eps=eps,
                                   min_pixels=min_pixels)
            cs = cs[None]
            if dev.type == "cpu":
                cs = cs.contiguous(memory_format=torch.channels_last)
            x = decoders[level](cs, pools).clamp_(0.0, 1.0)
    image = x.contiguous().cpu()
    t2 = time.perf_counter()
    return Result(image=image, times={"prepare_s": t1 - t0, "stylize_s": t2 - t1, "total_s": t2 - t0},
                  info={"levels": order, "method": method})


def reconstruct(image: torch.Tensor, level: str, *, kind: str = "photowct", device=None) -> torch.Tensor:
    """image -> encoder (``level``) -> decoder, without any transform; ``(1, 3, H, W)`` clamped to [0, 1]."""
    order = _levels([level])
    dev = torch.device(device) if device is not None else config.device()
    x = _prepare(image, dev, "image")
    enc = encoder(device=dev)
    dec = decoder_for(order[0], kind, device=dev)
    with torch.inference_mode():
        feats, pools = encode(enc, x, order, return_indices=True)
        out = dec(feats[order[0]], pools).clamp_(0.0, 1.0)
    return out.contiguous().cpu()
