"""Thin ``nn.Module`` wrappers: the perceptual loss of Gatys et al. with fixed targets.

:class:`PerceptualLoss` holds a frozen VGG19 encoder (cut at the deepest layer it
needs), the content targets and the (blended) style Gram targets. The targets are
computed once, without autograd, by :meth:`PerceptualLoss.set_content` and
:meth:`PerceptualLoss.set_style`; each call of the module then runs the encoder once
on the image being optimised and returns the weighted total and its parts.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from .. import vgg as _vgg
from . import functional as Fn

__all__ = ["PerceptualLoss", "LossParts", "as_layer_list"]


class LossParts(dict):
    """``{"total", "content", "style", "tv"}`` as floats (weighted, so they sum to total)."""


def as_layer_list(layers, what: str) -> list[str]:
    """``layers`` (a name or names of VGG19 layers) as a list; ``ValueError`` naming ``what`` for an empty list,
    an unknown name or a repeated one."""
    if isinstance(layers, str):
        layers = [layers]
    layers = list(layers)
    if not layers:
        raise ValueError(f"{what} is empty; give at least one VGG19 layer name")
    for name in layers:
        if name not in _vgg.LAYERS:
            raise ValueError(f"unknown VGG19 layer {name!r} in {what}; known layers: {', '.join(_vgg.LAYERS)}")
    if len(set(layers)) != len(layers):
        raise ValueError(f"{what} lists a layer twice: {layers}")
    return layers


class PerceptualLoss(nn.Module):
    """``alpha * L_content + beta * sum_l w_l E_l + gamma * TV`` (Gatys et al. 2016, eq. 7).

    Parameters
    ----------
    content_layers : sequence of str, keyword-only
        Layers of the content loss (may be empty for texture synthesis); their
        losses are averaged.
    style_layers : sequence of str, keyword-only
        Layers whose Gram matrices are matched.
    style_layer_weights : sequence of float, optional
        ``w_l`` per style layer, ``>= 0``; default ``1 / len(style_layers)`` each.
    content_weight, style_weight, tv_weight : float
        ``alpha``, ``beta``, ``gamma``; finite and ``>= 0``.
    device : torch device, optional

    Notes
    -----
    Loss terms are normalised as described in :mod:`hw2.neural_style.functional`.
    """

    def __init__(self, *, content_layers: Sequence[str], style_layers: Sequence[str],
                 style_layer_weights: Sequence[float] | None = None, content_weight: float = 1.0,
                 style_weight: float = 1.0, tv_weight: float = 0.0,
                 device: torch.device | str | None = None):
        super().__init__()
        self.content_layers = [] if not content_layers else as_layer_list(content_layers, "content_layers")
        self.style_layers = as_layer_list(style_layers, "style_layers")
        if style_layer_weights is None:
            w = [1.0 / len(self.style_layers)] * len(self.style_layers)
        else:
            w = list(style_layer_weights)
            if len(w) != len(self.style_layers):
                raise ValueError(f"style_layer_weights has {len(w)} entries for {len(self.style_layers)} "
                                 f"style layers {self.style_layers}")
            w = [Fn.check_weight(x, f"style_layer_weights[{i}]") for i, x in enumerate(w)]
        self.style_layer_weights = w
        self.content_weight = Fn.check_weight(content_weight, "content_weight")
        self.style_weight = Fn.check_weight(style_weight, "style_weight")
        self.tv_weight = Fn.check_weight(tv_weight, "tv_weight")
        self.layers = list(dict.fromkeys(self.content_layers + self.style_layers))
        # the shared, cached encoder stops at the deepest layer used
        self.encoder = _vgg.vgg19(self.layers, device=device)
        self.content_targets: dict[str, torch.Tensor] = {}
        self.style_targets: dict[str, torch.Tensor] = {}

    @property
    def device(self) -> torch.device:
        return next(self.encoder.parameters()).device

    @torch.no_grad()
    def set_content(self, content: torch.Tensor) -> None:
        """Compute the content targets from ``content`` (1, 3, H, W) at the output size."""
        if not self.content_layers:
            return
        feats = self.encoder(content.to(self.device), self.content_layers)
        self.content_targets = {k: v.detach() for k, v in feats.items()}

    @torch.no_grad()
    def set_style(self, styles: Sequence[torch.Tensor], weights: Sequence[float] | None = None) -> None:
        """Compute the style Gram targets, blended over several style images.

        ``A_l = sum_s v_s gram(F_l(style_s))`` with blend weights ``v_s`` normalised
        to sum to 1 (as in Johnson's neural-style ``-style_blend_weights``).
        """
        if isinstance(styles, torch.Tensor):
            styles = [styles]
        v = [1.0] * len(styles) if weights is None else [float(x) for x in weights]
        total = sum(v)
        targets: dict[str, torch.Tensor] = {}
        for s, vs in zip(styles, v):
            if vs == 0:
                continue
            feats = self.encoder(s.to(self.device), self.style_layers)
            for name in self.style_layers:
                g = Fn.gram_matrix(feats[name]) * (vs / total)
                targets[name] = g if name not in targets else targets[name] + g
        self.style_targets = targets

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, LossParts]:
        """Weighted total loss of ``image`` (1, 3, H, W) and its parts (floats)."""
        if not self.style_targets and self.style_weight > 0:
            raise RuntimeError("call set_style(...) before evaluating the loss")
        feats = self.encoder(image, self.layers)
        zero = image.new_zeros(())
        content = zero
        if self.content_layers and self.content_weight > 0:
            content = sum(Fn.content_loss(feats[n], self.content_targets[n]) for n in self.content_layers)
            content = self.content_weight * content / len(self.content_layers)
        style = zero
        if self.style_weight > 0:
            style = sum(w * Fn.style_loss(feats[n], self.style_targets[n])
                        for n, w in zip(self.style_layers, self.style_layer_weights) if w > 0)
            style = self.style_weight * style
        tv = self.tv_weight * Fn.total_variation(image) if self.tv_weight > 0 else zero
        total = content + style + tv
        return total, LossParts(total=float(total.detach()), content=float(content.detach()),
                               style=float(style.detach()), tv=float(tv.detach()))
