"""Training crops and least-squares initialisation of the (Photo)WCT decoders.

Used by :mod:`hw2.fastphotostyle.photowct.train`; the initialisation is our addition to Li et al.
(2017, 2018). Each convolution is a ridge regression of its
reflection-padded 3x3 (or 1x1) input patches onto a target: the encoder's pool-K
output for a conv that precedes an unpooling/upsampling of pool K, the image for
the last one. Inputs are the *predicted* features of the previous stage, so the
errors of the coarse stages are what the fine ones learn to correct.
"""
from __future__ import annotations

import functools
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ...io import load_image, random_crops, resize_shorter
from ...vgg import VGG19Encoder
from .models import LEVELS, Decoder

__all__ = ["least_squares_init", "greedy_init", "sample_batch"]


@functools.lru_cache(maxsize=64)
def _load_cached(path: str) -> torch.Tensor:
    return load_image(path, max_side=512)


def _get_image(item) -> torch.Tensor:
    if isinstance(item, torch.Tensor):
        return item if item.dim() == 4 else item[None]
    return _load_cached(str(item))


def _training_image(item, crop: int) -> torch.Tensor:
    """An item as ``(1, 3, H, W)``, enlarged (shorter side ``crop``) when smaller than the crop."""
    img = _get_image(item)
    return resize_shorter(img, crop) if min(img.shape[-2:]) < crop else img


def sample_batch(images: Sequence, *, level: str, step: int, seed: int, crop: int, batch: int) -> torch.Tensor:
    """The ``(batch, 3, crop, crop)`` training crops of ``step`` (a function of its arguments only): the
    :func:`hw2.io.random_crops` of ``images`` drawn with a generator seeded by ``(seed, level, step)``."""
    rng = np.random.default_rng([seed, LEVELS.index(level), step])
    return random_crops(images, rng, batch=batch, crop=crop, load=lambda item: _training_image(item, crop),
                        indices_first=True)


def least_squares_init(dec: Decoder, enc: VGG19Encoder, images, *, seed: int, crops: int = 48,
                        crop: int = 64, ridge: float = 1e-4) -> None:
    """Set the single 64->3 conv of the relu1_1 decoder to the pixel-MSE optimum (ridge regression)."""
    conv = dec.convs[0]
    a = torch.zeros(577, 577, dtype=torch.float64)
    b = torch.zeros(577, 3, dtype=torch.float64)
    for k in range(0, crops, 8):
        x = sample_batch(images, level="relu1_1", step=10**9 + k, seed=seed, crop=crop, batch=8)
        with torch.no_grad():
            f = enc(x, ["relu1_1"])["relu1_1"]
            cols = F.unfold(F.pad(f, (1, 1, 1, 1), mode="reflect"), 3)          # (B, 576, P)
        cols = torch.cat([cols, torch.ones_like(cols[:, :1])], 1).transpose(1, 2).reshape(-1, 577).double()
        y = x.reshape(x.shape[0], 3, -1).transpose(1, 2).reshape(-1, 3).double()
        a += cols.T @ cols
        b += cols.T @ y
    a += ridge * a.diagonal().mean() * torch.eye(577, dtype=torch.float64)
    sol = torch.linalg.solve(a, b)                                                # (577, 3)
    conv.weight.data.copy_(sol[:576].T.reshape(3, 64, 3, 3).float())
    conv.bias.data.copy_(sol[576].float())


class _Gram:
    """Accumulates the normal equations of a ridge regression rows -> targets (float64)."""

    def __init__(self, n_in: int, n_out: int):
        self.a = torch.zeros(n_in + 1, n_in + 1, dtype=torch.float64)
        self.b = torch.zeros(n_in + 1, n_out, dtype=torch.float64)

    def add(self, x: torch.Tensor, y: torch.Tensor) -> None:
        x = torch.cat([x, torch.ones_like(x[:, :1])], 1).double()
        self.a += x.T @ x
        self.b += x.T @ y.double()

    def solve(self, ridge: float) -> torch.Tensor:
        a = self.a + ridge * self.a.diagonal()[:-1].mean() * torch.eye(len(self.a), dtype=torch.float64)
        return torch.linalg.solve(a, self.b)                       # (n_in + 1, n_out), bias last


def _patch_rows(h: torch.Tensor, k: int, keep: torch.Tensor) -> torch.Tensor:
    """``k x k`` reflection-padded patches of ``h`` (B, C, H, W) at flat positions ``keep`` -> (rows, C k k)."""
    if k == 1:
        cols = h.flatten(2)
    else:
        cols = F.unfold(F.pad(h, (1, 1, 1, 1), mode="reflect"), 3)
    return cols.transpose(1, 2).reshape(-1, cols.shape[1])[keep]


def _fit_conv(inputs, targets, *, kernel: int, seed: int, max_rows: int, ridge: float = 1e-3):
    """Least-squares ``kernel x kernel`` conv (as a 3x3 weight) mapping ``inputs`` to ``targets`` (lists)."""
    c_in, c_out = inputs[0].shape[1], targets[0].shape[1]
    gram = _Gram(c_in * kernel * kernel, c_out)
    rng = torch.Generator().manual_seed(seed)
    for h, t in zip(inputs, targets):
        n = t.shape[0] * t.shape[2] * t.shape[3]
        keep = torch.randperm(n, generator=rng)[:max_rows]
        rows_y = t.flatten(2).transpose(1, 2).reshape(-1, c_out)[keep]
        gram.add(_patch_rows(h, kernel, keep), rows_y)
    sol = gram.solve(ridge)
    w = torch.zeros(c_out, c_in, 3, 3)
    if kernel == 3:
        w[:] = sol[:-1].T.reshape(c_out, c_in, 3, 3).float()
    else:
        w[:, :, 1, 1] = sol[:-1].T.float()
    return w, sol[-1].float()


def greedy_init(dec: Decoder, level: str, enc: VGG19Encoder, images, *, seed: int, batches: int = 12,
                crop: int = 64, batch: int = 8, max_rows: int = 6000, max_dims: int = 2400,
                fit_convs: int | None = None) -> list[float]:
    """Layer-wise least-squares initialisation of a decoder (our addition to Li et al. 2017, 2018).

    Walking the spec from coarse to fine, each convolution that precedes an
    unpooling (PhotoWCT) or a nearest 2x upsampling (WCT) of pool K is fitted
    (ridge regression on its 3x3 patches, or 1x1 when ``9 * c_in > max_dims``) to
    the encoder's pool-K output, and the last one to the image; inputs are the
    *predicted* features of the previous stage, unpooled with the true indices or
    upsampled. A conv followed by another conv is set to pass its (non-negative)
    input through: the identity, or for the last two convs (64->16->3 in
    PhotoWCT's head, 64->64->3 in WCT's) a +/- split of the fitted linear map
    (``relu(z) - relu(-z) = z``) with the spare channels small and random. With ``fit_convs`` only the first that
    many convolutions are set (the rest keep their weights). Returns the pixel MSE
    after each fit that reaches the image.
    """
    pool_layers = sorted({op[1] for op in dec.spec if op[0] != "conv"})
    xs, hs, pools, pooled = [], [], [], []
    for i in range(batches):
        x = sample_batch(images, level=level, step=2 * 10**9 + i, seed=seed, crop=crop, batch=batch)
        with torch.no_grad():
            f, p = enc(x, [level] + pool_layers, return_indices=True)
        xs.append(x)
        hs.append(f[level])
        pools.append(p)
        pooled.append({k: f[k] for k in pool_layers})
    convs = list(dec.convs)
    ops = list(dec.spec)
    errors = []
    k = 0
    i = 0
    with torch.no_grad():
        while i < len(ops):
            if fit_convs is not None and k >= fit_convs:
                break
            op = ops[i]
            if op[0] == "unpool":
                hs = [F.max_unpool2d(h, p[op[1]][0], 2, 2, output_size=tuple(p[op[1]][1]))
                      for h, p in zip(hs, pools)]
                i += 1
                continue
            if op[0] == "up":
                hs = [F.interpolate(h, scale_factor=2.0, mode="nearest")[..., :p[op[1]][1][0], :p[op[1]][1][1]]
                      for h, p in zip(hs, pools)]
                i += 1
                continue
            nxt = ops[i + 1] if i + 1 < len(ops) else None
            conv = convs[k]
            c_in, c_out = op[1], op[2]
            kernel = 3 if 9 * c_in <= max_dims else 1
            if nxt is not None and nxt[0] == "conv" and i + 2 == len(ops):
                # head: conv(c_in -> m) relu, conv(m -> 3): fit c_in -> 3 linearly, split +/-
                w, b = _fit_conv(hs, xs, kernel=kernel, seed=seed + i, max_rows=max_rows)
                last = convs[k + 1]
                m = c_out
                conv.weight.normal_(0, 1e-3)
                conv.bias.zero_()
                last.weight.normal_(0, 1e-3)
                last.bias.zero_()
                conv.weight[:3], conv.bias[:3] = w, b
                conv.weight[3:6], conv.bias[3:6] = -w, -b
                for c in range(3):
                    last.weight[c, c, 1, 1] = 1.0
                    last.weight[c, c + 3, 1, 1] = -1.0
                assert m >= 6
                hs = [dec.convs[k + 1](F.pad(F.relu(conv(F.pad(h, (1, 1, 1, 1), mode="reflect"))),
                                             (1, 1, 1, 1), mode="reflect")) for h in hs]
                errors.append(float(np.mean([F.mse_loss(h, x).item() for h, x in zip(hs, xs)])))
                break
            if nxt is not None and nxt[0] == "conv":
                # pass-through: inputs are non-negative, so relu(identity) is exact
                if c_in != c_out:
                    raise ValueError(f"cannot initialise a {c_in}->{c_out} conv as the identity")
                conv.weight.zero_()
                conv.bias.zero_()
                conv.weight[:, :, 1, 1] = torch.eye(c_in)
                i += 1
                k += 1
                continue
            target = xs if nxt is None else [pp[nxt[1]] for pp in pooled]
            w, b = _fit_conv(hs, target, kernel=kernel, seed=seed + i, max_rows=max_rows)
            conv.weight.copy_(w)
            conv.bias.copy_(b)
            hs = [conv(F.pad(h, (1, 1, 1, 1), mode="reflect")) for h in hs]
            if op[3]:
                hs = [F.relu(h) for h in hs]
            if nxt is None:
                errors.append(float(np.mean([F.mse_loss(h, x).item() for h, x in zip(hs, xs)])))
            i += 1
            k += 1
    return errors


