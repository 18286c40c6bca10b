"""Weight-free automatic label maps: joint clustering of VGG features and colour.

Our alternative to a trained segmenter (it only needs the VGG19 encoder that the
stylisation uses anyway): the ``relu4_1`` features (unit-normalised per pixel) and the
mean colours of the content and the style are clustered *together* by k-means into
``k`` regions, so that a cluster id means the same kind of region in both images.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ...io import as_image, resize_longest
from ...vgg import vgg19
from .functional import resize_labels

__all__ = ["kmeans", "joint_cluster_labels"]


def kmeans(x: torch.Tensor, k: int, *, iterations: int = 25, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Lloyd's k-means with k-means++ seeding on the rows of ``x`` ``(n, d)``.

    Returns ``(labels (n,) int64, centres (k, d))``; deterministic for a given ``seed``.
    """
    if x.dim() != 2 or x.shape[0] < 1:
        raise ValueError(f"kmeans needs an (n, d) matrix with n >= 1, got {tuple(x.shape)}")
    n = x.shape[0]
    k = max(1, min(int(k), n))
    g = torch.Generator().manual_seed(int(seed))
    centres = x[torch.randint(n, (1,), generator=g)]
    d2 = torch.cdist(x, centres).square().min(dim=1).values
    for _ in range(1, k):
        total = float(d2.sum())
        if total <= 0:
            idx = torch.randint(n, (1,), generator=g)
        else:
            idx = torch.multinomial(d2 / total, 1, generator=g)
        centres = torch.cat([centres, x[idx]])
        d2 = torch.minimum(d2, torch.cdist(x, x[idx]).square()[:, 0])
    labels = torch.zeros(n, dtype=torch.int64)
    for _ in range(iterations):
        new = torch.cdist(x, centres).argmin(dim=1)
        if torch.equal(new, labels) and _ > 0:
            break
        labels = new
        sums = torch.zeros_like(centres).index_add_(0, labels, x)
        counts = torch.bincount(labels, minlength=k).to(x.dtype)[:, None]
        centres = torch.where(counts > 0, sums / counts.clamp_min(1), centres)
    return labels, centres


def joint_cluster_labels(content: torch.Tensor, style: torch.Tensor, *, k: int = 4, layer: str = "relu4_1",
                         color_weight: float = 1.0, max_side: int = 384, seed: int = 0,
                         device=None) -> tuple[np.ndarray, np.ndarray]:
    """Corresponding label maps of a content and a style image by joint k-means.

    Parameters
    ----------
    content, style : images in [0, 1] (see :func:`hw2.io.as_image`)
    k : int, keyword-only
        Number of regions.
    layer : str, keyword-only
        VGG19 layer whose features are clustered (``relu4_1``: 1/8 resolution, semantic
        enough to separate sky, water, foliage, buildings).
    color_weight : float, keyword-only
        Weight of the (block-mean) RGB colour appended to the unit-norm features; 0
        clusters on features alone.
    max_side : int, keyword-only
        Images are encoded at most this large (the maps are then resized up).
    seed : int, keyword-only

    Returns
    -------
    (content_labels (H, W), style_labels (Hs, Ws)) int64 arrays with ids ``0..k-1``,
    numbered by the clusters' mean brightness (dark to bright), so the numbering is stable.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    content, style = as_image(content, name="content"), as_image(style, name="style")
    enc = vgg19(layer, device=device)
    dev = next(enc.parameters()).device
    feats, sizes = [], []
    for img in (content, style):
        sizes.append(tuple(img.shape[-2:]))
        x = resize_longest(img.float(), max_side) if max(img.shape[-2:]) > max_side else img.float()
        f = enc.encode(x.to(dev), [layer])[layer][0].float().cpu()
        f = f / (f.norm(dim=0, keepdim=True) + 1e-8)
        col = F.adaptive_avg_pool2d(x.cpu(), f.shape[-2:])[0]
        feats.append(torch.cat([f, color_weight * col]).reshape(f.shape[0] + 3, -1).T)
        feats[-1] = (feats[-1], f.shape[-2:])
    x = torch.cat([feats[0][0], feats[1][0]])
    labels, centres = kmeans(x, k, seed=seed)
    # renumber by brightness of the colour part of the centres
    order = torch.argsort(centres[:, -3:].mean(dim=1))
    rank = torch.empty_like(order)
    rank[order] = torch.arange(order.numel())
    labels = rank[labels]
    n0 = feats[0][0].shape[0]
    out = []
    for (f, hw), lab, size in zip(feats, (labels[:n0], labels[n0:]), sizes):
        out.append(resize_labels(lab.reshape(tuple(hw)).numpy(), size))
    return out[0], out[1]
