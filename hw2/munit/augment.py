"""Differentiable Augmentation (Zhao, Liu, Lin, Zhu & Han, "Differentiable Augmentation for Data-Efficient
GAN Training", NeurIPS 2020) for MUNIT's discriminators.

Every image a discriminator sees, real or generated, in its own update and in the generators', is first
passed through the same random family of transforms ``T``: ``D(T(x))`` and ``D(T(G(z)))``. The transforms are
differentiable in the image, so the generators' gradients flow through them, and applying them to both real and
fake images keeps the discriminator from learning the augmentation as a feature of either. With some 250
paintings a plain discriminator memorises the training set; DiffAugment is the standard remedy.

The three policies of the paper, as its reference code (``DiffAugment_pytorch.py``), for images in [-1, 1]:

* ``color``: brightness ``x + (u - 0.5)``, saturation ``(x - x̄_c) · 2u + x̄_c`` (``x̄_c`` the mean over
  channels), contrast ``(x - x̄) · (u + 0.5) + x̄`` (``x̄`` the mean over the image), ``u ~ U[0, 1)`` each;
* ``translation``: a shift by whole pixels, up to 1/8 of each side either way, filled with zeros;
* ``cutout``: a zeroed rectangle of half of each side, its centre uniform over the image.

Each image of a batch gets its own draw (or all the same, ``same_for_batch=True``); a seeded
``torch.Generator`` makes the draws reproducible.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch
import torch.nn.functional as F

__all__ = ["POLICIES", "parse_policy", "diff_augment", "augmenter"]

#: the policies of Zhao et al. (2020), in the order they are applied
POLICIES = ("color", "translation", "cutout")
#: largest translation, as a share of the side; side of the cutout, as a share of the side (the paper's)
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def parse_policy(policy: str | Sequence[str]) -> tuple[str, ...]:
    """The policies named in ``policy`` (``"color,translation,cutout"`` or a sequence), in :data:`POLICIES` order.

    ``""`` (or an empty sequence) is no augmentation.
    """
    names = [p.strip() for p in (policy.split(",") if isinstance(policy, str) else policy) if p.strip()]
    unknown = sorted(set(names) - set(POLICIES))
    if unknown:
        raise ValueError(f"unknown DiffAugment policies {unknown}; choose among {POLICIES}")
    return tuple(p for p in POLICIES if p in names)


def _uniform(n: int, shape: tuple, generator, device) -> torch.Tensor:
    return torch.rand((n, *shape), generator=generator).to(device)


def _integers(n: int, low: int, high: int, generator) -> list[int]:
    return torch.randint(low, high, (n,), generator=generator).tolist()


def _color(x: torch.Tensor, n: int, generator) -> torch.Tensor:
    u = _uniform(n, (3, 1, 1, 1), generator, x.device).to(x.dtype)
    x = x + (u[:, 0] - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (u[:, 1] * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (u[:, 2] + 0.5) + mean


def _translation(x: torch.Tensor, n: int, generator) -> torch.Tensor:
    h, w = x.shape[-2:]
    sy, sx = int(h * TRANSLATION_RATIO + 0.5), int(w * TRANSLATION_RATIO + 0.5)
    ty, tx = _integers(n, -sy, sy + 1, generator), _integers(n, -sx, sx + 1, generator)
    padded = F.pad(x, (sx, sx, sy, sy))
    # output pixel (i, j) is input pixel (i + ty, j + tx), zero where that falls outside
    k = [i % n for i in range(x.shape[0])]  # the draw of image i (all 0 for one draw per batch)
    return torch.cat([padded[i:i + 1, :, sy + ty[k[i]]:sy + ty[k[i]] + h, sx + tx[k[i]]:sx + tx[k[i]] + w]
                      for i in range(x.shape[0])])


def _cutout(x: torch.Tensor, n: int, generator) -> torch.Tensor:
    h, w = x.shape[-2:]
    ch, cw = int(h * CUTOUT_RATIO + 0.5), int(w * CUTOUT_RATIO + 0.5)
    cy, cx = _integers(n, 0, h + (1 - ch % 2), generator), _integers(n, 0, w + (1 - cw % 2), generator)
    mask = torch.ones((n, 1, h, w), dtype=x.dtype, device=x.device)
    for i in range(n):
        y0, x0 = cy[i] - ch // 2, cx[i] - cw // 2
        mask[i, :, max(0, y0):y0 + ch, max(0, x0):x0 + cw] = 0
    return x * mask


_FUNCTIONS = {"color": _color, "translation": _translation, "cutout": _cutout}


def diff_augment(x: torch.Tensor, policy: str | Sequence[str] = POLICIES, *, generator: torch.Generator | None = None,
                 same_for_batch: bool = False) -> torch.Tensor:
    """``T(x)``: the DiffAugment transforms of ``policy`` applied to a batch, differentiable in ``x``.

    Parameters
    ----------
    x : (N, C, H, W) float tensor, images in [-1, 1] (the networks' range; the colour shifts assume it).
    policy : str or sequence of str
        Some of :data:`POLICIES` (``"color,translation,cutout"``); empty: ``x`` itself is returned.
    generator : torch.Generator, optional, keyword-only
        Source of the random draws (CPU); the same seed gives the same transforms.
    same_for_batch : bool, keyword-only
        One draw for the whole batch instead of one per image.

    Returns
    -------
    (N, C, H, W) tensor on ``x``'s device and dtype.
    """
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or not x.is_floating_point():
        raise ValueError(f"diff_augment takes an (N, C, H, W) float tensor, got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    n = 1 if same_for_batch else x.shape[0]
    for name in parse_policy(policy):
        x = _FUNCTIONS[name](x, n, generator)
    return x


def augmenter(policy: str | Sequence[str], generator: torch.Generator) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """A function ``x -> diff_augment(x, policy, generator=generator)`` (each call a new draw), or ``None``
    when ``policy`` is empty (no augmentation: the losses then see the images themselves)."""
    names = parse_policy(policy)
    if not names:
        return None
    return lambda x: diff_augment(x, names, generator=generator)
