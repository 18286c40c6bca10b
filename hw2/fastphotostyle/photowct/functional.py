"""Whitening and colouring transform (WCT) as pure tensor functions.

WCT (Li et al., *Universal Style Transfer via Feature Transforms*, NeurIPS 2017)
maps content features so that their mean and covariance equal those of the style
features: ``f_cs = E_s D_s^{1/2} E_s^T  E_c D_c^{-1/2} E_c^T (f_c - m_c) + m_s``.
PhotoWCT (Li et al., *A Closed-form Solution to Photorealistic Image Stylization*,
ECCV 2018) applies the same transform, optionally region by region from
semantic label maps.

Features are ``(C, N)`` matrices (channels by pixels) or ``(C, H, W)`` maps.
Eigendecompositions are computed in float64; the (C, C) transform is then applied
once in the features' own dtype.

Departures from the reference implementations
---------------------------------------------
* Li et al. add the identity to the content covariance before whitening; we do
  not (so that whitening really gives an identity covariance) and instead drop
  eigenvalues below ``eps`` (absolute) or ``eps * largest`` (relative), for both
  content and style. Rank-deficient inputs are therefore whitened on their
  support only.
* Degenerate inputs never raise: with fewer than two pixels or a zero covariance
  the whitened features are zero and the output is the style mean (plain WCT);
  label-wise WCT leaves regions with fewer than ``min_pixels`` pixels on either
  side unchanged (FastPhotoStyle issue #104 crashed on a one-pixel region).
"""
from __future__ import annotations

import numpy as np
import torch

from ..labels.functional import resize_labels

__all__ = ["feature_stats", "whitening_matrix", "coloring_matrix", "whiten", "wct", "wct_maps",
           "labelwise_wct", "DEFAULT_EPS", "DEFAULT_MIN_PIXELS"]

#: eigenvalues below this (absolute, and relative to the largest) are dropped
DEFAULT_EPS = 1e-5
#: a label region smaller than this (in feature pixels) on either side keeps its content features
DEFAULT_MIN_PIXELS = 10


def _check_matrix(f: torch.Tensor, name: str) -> None:
    if not isinstance(f, torch.Tensor) or f.dim() != 2:
        shape = tuple(f.shape) if hasattr(f, "shape") else type(f).__name__
        raise ValueError(f"{name} must be a (C, N) feature matrix, got {shape}")
    if f.shape[0] < 1:
        raise ValueError(f"{name} has no channels: shape {tuple(f.shape)}")
    if not torch.is_floating_point(f):
        raise ValueError(f"{name} must be a floating-point tensor, got {f.dtype}")


def feature_stats(f: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean ``(C, 1)`` (in ``f``'s dtype) and covariance ``(C, C)`` (float64) of a ``(C, N)`` matrix.

    The covariance is normalised by ``N - 1`` (by 1 when ``N <= 1``, giving zeros).
    It is accumulated in ``f``'s dtype (a float64 copy of a 1 MP level-1 map would
    take 0.5 GB) and returned in float64.
    """
    _check_matrix(f, "features")
    n = f.shape[1]
    if n == 0:
        raise ValueError("features have no pixels (N = 0)")
    mean = f.mean(dim=1, keepdim=True)
    fc = f - mean
    cov = (fc @ fc.T).double() / max(n - 1, 1)
    return mean, 0.5 * (cov + cov.T)


def _eig(cov: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigenvalues/vectors of a symmetric float64 matrix, keeping those above the threshold."""
    if not torch.isfinite(cov).all():
        raise ValueError("feature covariance is not finite (NaN or inf in the features)")
    try:
        evals, evecs = torch.linalg.eigh(cov)
    except torch.linalg.LinAlgError:  # torch's LAPACK call can fail on a near-zero covariance (a constant
        # image's rounding noise); numpy's does not
        e, v = np.linalg.eigh(cov.detach().cpu().numpy())
        evals, evecs = torch.from_numpy(e).to(cov), torch.from_numpy(v).to(cov)
    top = float(evals[-1]) if evals.numel() else 0.0
    keep = evals > max(eps, eps * top)
    return evals[keep], evecs[:, keep]


def whitening_matrix(cov: torch.Tensor, *, eps: float = DEFAULT_EPS) -> torch.Tensor:
    """``E D^{-1/2} E^T`` of a ``(C, C)`` covariance (float64), small eigenvalues dropped."""
    d, e = _eig(cov.double(), eps)
    return (e * d.rsqrt()) @ e.T


def coloring_matrix(cov: torch.Tensor, *, eps: float = DEFAULT_EPS) -> torch.Tensor:
    """``E D^{1/2} E^T`` of a ``(C, C)`` covariance (float64), small eigenvalues dropped."""
    d, e = _eig(cov.double(), eps)
    return (e * d.sqrt()) @ e.T


def whiten(f: torch.Tensor, *, eps: float = DEFAULT_EPS) -> torch.Tensor:
    """Whitened ``(C, N)`` features: zero mean and identity covariance on their support.

    Parameters
    ----------
    f : torch.Tensor, shape (C, N), float
    eps : float, keyword-only
        Eigenvalue threshold (absolute, and relative to the largest eigenvalue).
    """
    mean, cov = feature_stats(f)
    w = whitening_matrix(cov, eps=eps).to(f.dtype)
    return w @ (f - mean)


def wct(content: torch.Tensor, style: torch.Tensor, *, alpha: float = 1.0,
        eps: float = DEFAULT_EPS) -> torch.Tensor:
    """Whitening and colouring transform of ``(C, N)`` content features with ``(C, M)`` style features.

    Parameters
    ----------
    content : torch.Tensor, shape (C, N)
    style : torch.Tensor, shape (C, M)
        Same ``C``; ``M`` may differ from ``N``.
    alpha : float, keyword-only
        Blend ``alpha * wct + (1 - alpha) * content``, in ``[0, 1]`` (Li et al. 2017, eq. 4).
    eps : float, keyword-only
        Eigenvalue threshold for both covariances.

    Returns
    -------
    torch.Tensor, shape (C, N), ``content``'s dtype
        With ``alpha = 1``: the style mean, and the style covariance (restricted to
        the content's support when the content is rank-deficient).
    """
    _check_matrix(content, "content features")
    _check_matrix(style, "style features")
    if content.shape[0] != style.shape[0]:
        raise ValueError(f"content has {content.shape[0]} channels but style has {style.shape[0]}")
    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if alpha == 0.0:
        return content.clone()
    mc, cc = feature_stats(content)
    ms, cs = feature_stats(style.to(content.dtype))
    t = (coloring_matrix(cs, eps=eps) @ whitening_matrix(cc, eps=eps)).to(content.dtype)
    # one (C, C) x (C, N) product: T (f - mc) + ms  ==  T f + (ms - T mc)
    out = torch.addmm(ms - t @ mc, t, content)
    if alpha != 1.0:
        out = torch.lerp(content, out, float(alpha))
    return out


def wct_maps(content: torch.Tensor, style: torch.Tensor, **kw) -> torch.Tensor:
    """:func:`wct` on feature maps: ``(C, H, W)`` or ``(1, C, H, W)`` in, same shape out."""
    shape = content.shape
    c = _as_chw(content, "content features")
    s = _as_chw(style, "style features")
    return wct(c.reshape(c.shape[0], -1), s.reshape(s.shape[0], -1), **kw).reshape(shape)


def _as_chw(x: torch.Tensor, name: str) -> torch.Tensor:
    if x.dim() == 4 and x.shape[0] == 1:
        x = x[0]
    if x.dim() != 3:
        raise ValueError(f"{name} must be a (C, H, W) or (1, C, H, W) map, got {tuple(x.shape)}")
    return x


def labelwise_wct(content: torch.Tensor, style: torch.Tensor, content_labels, style_labels, *,
                  alpha: float = 1.0, eps: float = DEFAULT_EPS,
                  min_pixels: int = DEFAULT_MIN_PIXELS) -> torch.Tensor:
    """WCT region by region: each content label takes the statistics of the same style label.

    Parameters
    ----------
    content : torch.Tensor, shape (C, H, W) or (1, C, H, W)
    style : torch.Tensor, shape (C, Hs, Ws) or (1, C, Hs, Ws)
    content_labels, style_labels : integer tensors/arrays (H', W'), (Hs', Ws')
        Label maps of the images; resized (nearest) to the feature sizes here.
    alpha, eps : float, keyword-only
        As in :func:`wct`.
    min_pixels : int, keyword-only
        A label with fewer feature pixels than this in the content or in the style
        keeps its content features, as does a content label absent from the style
        (FastPhotoStyle uses a similar threshold of 10).

    Returns
    -------
    torch.Tensor, same shape as ``content``
    """
    shape = content.shape
    c = _as_chw(content, "content features")
    s = _as_chw(style, "style features")
    if c.shape[0] != s.shape[0]:
        raise ValueError(f"content has {c.shape[0]} channels but style has {s.shape[0]}")
    cl = torch.from_numpy(resize_labels(content_labels, tuple(c.shape[1:]), name="content_labels")).reshape(-1)
    sl = torch.from_numpy(resize_labels(style_labels, tuple(s.shape[1:]), name="style_labels")).reshape(-1)
    cf = c.reshape(c.shape[0], -1)
    sf = s.reshape(s.shape[0], -1)
    out = cf.clone()
    s_labels, s_counts = torch.unique(sl, return_counts=True)
    s_count = dict(zip(s_labels.tolist(), s_counts.tolist()))
    for label, count in zip(*[v.tolist() for v in torch.unique(cl, return_counts=True)]):
        if count < max(1, min_pixels) or s_count.get(label, 0) < max(1, min_pixels):
            continue
        ci = (cl == label).nonzero().reshape(-1)
        si = (sl == label).nonzero().reshape(-1)
        out[:, ci] = wct(cf.index_select(1, ci), sf.index_select(1, si), alpha=alpha, eps=eps)
    return out.reshape(shape)
