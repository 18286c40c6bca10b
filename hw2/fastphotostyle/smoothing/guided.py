"""The fast approximation of the photorealistic smoothing: the colour-guided filter.

He et al., *Guided Image Filtering*, PAMI 2013, as FastPhotoStyle's ``--fast`` mode uses it
(Li et al., ECCV 2018): :func:`guided_filter` (numpy, O(N) box filters by cumulative sums,
optionally the fast guided filter on a subsampled grid) and :func:`box_filter`.
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F

from ...checks import check_integer, check_number
from ...io import as_image_array
from ...result import Result
from .affinity import inv_sym3

__all__ = ["FPS_GUIDED_RADIUS", "FPS_GUIDED_EPS", "box_filter", "guided_filter"]

#: FastPhotoStyle's guided-filter radius (pixels of the full-size image)
FPS_GUIDED_RADIUS = 35
#: FastPhotoStyle's guided-filter eps (1e-3 on 0-255 images), expressed for [0, 1] images
FPS_GUIDED_EPS = 1e-3 / 255.0 ** 2


def box_filter(x: np.ndarray, radius: int) -> np.ndarray:
    """Mean over ``(2 r + 1)^2`` windows clipped at the borders, in O(N) (cumulative sums).

    Parameters
    ----------
    x : ndarray, shape (..., H, W)
        Filtered over the last two axes; computed in ``x``'s float dtype.
    radius : int
        ``r >= 0``; windows are clipped at the image borders and the mean is taken
        over the pixels inside (so a constant image stays constant). A radius larger
        than the image is clamped to it (same result, memory bounded by the image).
    """
    radius = check_integer(radius, "radius", low=0)
    if radius == 0:
        return x.copy()
    out = x
    for axis in (-2, -1):
        n = out.shape[axis]
        r = min(radius, n)  # a window past the image covers all of it: same result, bounded memory
        pad = [(0, 0)] * out.ndim
        pad[axis] = (r + 1, r)
        c = np.pad(out, pad)
        np.cumsum(c, axis=axis, out=c)
        hi = [slice(None)] * out.ndim
        lo = [slice(None)] * out.ndim
        hi[axis] = slice(2 * r + 1, None)
        lo[axis] = slice(0, n)
        out = c[tuple(hi)] - c[tuple(lo)]
        idx = np.arange(n)
        count = (np.minimum(idx + r + 1, n) - np.maximum(idx - r, 0)).astype(out.dtype)
        shape = [1] * out.ndim
        shape[axis] = n
        out /= count.reshape(shape)
    return out


def guided_filter(src, guide, *, radius: int = FPS_GUIDED_RADIUS, eps: float = FPS_GUIDED_EPS,
                  subsample: int = 1) -> Result:
    """Colour-guided filter of each channel of ``src`` (He et al., PAMI 2013, eq. 19-21).

    ``q_i = mean_k(a_k)^T I_i + mean_k(b_k)``, where in every ``(2r+1)^2`` window ``k``
    the affine map ``a_k^T I + b_k`` of the guide ``I`` best fits ``src`` with ridge
    penalty ``eps |a_k|^2``. All box filters are O(N) cumulative sums; statistics are
    computed in float64 (the default ``eps`` is far below float32 resolution).

    Parameters
    ----------
    src : (1, 3, H, W) tensor or (H, W, 3) array, values in [0, 1] (any image :func:`hw2.io.as_image_array` reads)
        Image to filter (FastPhotoStyle: the PhotoWCT output).
    guide : (1, 3, H, W) tensor or (H, W, 3) array, values in [0, 1]
        Colour guide (the content photo), same ``H, W``.
    radius : int, keyword-only
        Window radius in pixels of ``src`` (FastPhotoStyle: 35).
    eps : float, keyword-only
        Ridge regulariser in units of ``[0, 1]`` intensities squared. FastPhotoStyle calls
        OpenCV with ``eps = 1e-3`` on 0-255 images, i.e. ``1e-3 / 255^2 = 1.5e-8`` here
        (:data:`FPS_GUIDED_EPS`, the default): the fit is nearly unregularised. Larger
        values (``1e-4 .. 1e-2``) smooth more across weak edges.
    subsample : int, keyword-only
        ``s > 1`` computes the coefficients on an ``s``-times smaller image with radius
        ``r / s`` and upsamples them bilinearly (the *fast guided filter*, He & Sun
        2015): about ``s^2`` times faster, a close approximation for ``r / s >= 4``.

    Returns
    -------
    hw2.result.Result
        ``image``: ``(1, 3, H, W)`` float32 clipped to [0, 1]; ``times``: ``total_s``. The filter itself
        works on float64 arrays (box filters by cumulative sums).
    """
    t0 = time.perf_counter()
    p = as_image_array(src, name="src", channels=3, dtype=None)
    g = as_image_array(guide, name="guide", channels=3, dtype=None)
    if p.shape[:2] != g.shape[:2]:
        raise ValueError(f"src is {p.shape[0]}x{p.shape[1]} but guide is {g.shape[0]}x{g.shape[1]}")
    eps = check_number(eps, "eps", low=0.0, low_open=True)
    radius = check_integer(radius, "radius", low=0)
    radius = min(radius, max(p.shape[:2]))  # a larger window covers the whole image anyway
    s = check_integer(subsample, "subsample", low=1)
    h, w = p.shape[:2]
    pc = np.ascontiguousarray(p.transpose(2, 0, 1), dtype=np.float64)
    gc = np.ascontiguousarray(g.transpose(2, 0, 1), dtype=np.float64)
    # centring makes the E[xy] - E[x]E[y] differences better conditioned
    pm = pc.mean(axis=(1, 2), keepdims=True)
    gm = gc.mean(axis=(1, 2), keepdims=True)
    pc -= pm
    gc -= gm
    if s > 1:
        pl, gl = _downsample(pc, s), _downsample(gc, s)
        r = max(1, int(round(radius / s)))
    else:
        pl, gl, r = pc, gc, int(radius)
    a, b = _guided_coefficients(pl, gl, r, eps)
    a, b = box_filter(a, r), box_filter(b, r)
    if s > 1:
        a, b = _upsample(a, (h, w)), _upsample(b, (h, w))
    nc = pc.shape[0]
    a = a.reshape(nc, 3, h, w)
    q = b + np.einsum("cghw,ghw->chw", a, gc) + pm
    image = torch.from_numpy(q.astype(np.float32)).clamp(0.0, 1.0)[None]
    return Result(image=image, times={"total_s": time.perf_counter() - t0})


def _guided_coefficients(p: np.ndarray, g: np.ndarray, r: int, eps: float):
    """Per-window ``a (C*3, h, w)`` and ``b (C, h, w)`` of the colour guided filter."""
    nc = p.shape[0]
    prods = [g[i] * g[j] for i, j in ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))]
    cross = [g[i] * p[c] for c in range(nc) for i in range(3)]
    stats = box_filter(np.stack([*g, *p, *prods, *cross]), r)
    mu, pbar = stats[:3], stats[3:3 + nc]
    cov = stats[3 + nc:9 + nc]
    for k, (i, j) in enumerate(((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))):
        cov[k] -= mu[i] * mu[j]
    cov[[0, 3, 5]] += eps
    inv = inv_sym3(cov)
    full = ((0, 1, 2), (1, 3, 4), (2, 4, 5))  # symmetric 3x3 from its 6 entries
    a = np.empty((nc * 3,) + p.shape[1:])
    b = np.empty_like(p)
    for c in range(nc):
        cp = stats[9 + nc + 3 * c:12 + nc + 3 * c] - mu * pbar[c]
        for i in range(3):
            a[3 * c + i] = inv[full[i][0]] * cp[0] + inv[full[i][1]] * cp[1] + inv[full[i][2]] * cp[2]
        b[c] = pbar[c] - (a[3 * c] * mu[0] + a[3 * c + 1] * mu[1] + a[3 * c + 2] * mu[2])
    return a, b


def _downsample(x: np.ndarray, s: int) -> np.ndarray:
    """Area-average ``(C, H, W)`` by ``s`` (the last partial block averaged over what it holds)."""
    t = torch.from_numpy(x)[None]
    return F.avg_pool2d(t, s, s, ceil_mode=True, count_include_pad=False)[0].numpy()


def _upsample(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear ``(C, h, w) -> (C, H, W)`` (align_corners=False)."""
    t = torch.from_numpy(np.ascontiguousarray(x))[None]
    return F.interpolate(t, size=size, mode="bilinear", align_corners=False)[0].numpy()

