"""Pure tensor functions of Neural Style: Gram matrices, losses, colour handling.

Everything here is a function of tensors only (no module state, no I/O), so it
can be tested on hand-made inputs and checked with :func:`torch.autograd.gradcheck`.

Normalisation (where this departs from the papers)
--------------------------------------------------
Gatys, Ecker & Bethge write the losses with *sums* (Gatys et al. 2016, eqs. 1-5)::

    L_content = 1/2 sum_ij (F_ij - P_ij)^2
    E_l       = 1/(4 N_l^2 M_l^2) sum_ij (G_ij - A_ij)^2,   G = F F^T

with ``N_l`` channels and ``M_l = H_l W_l`` positions, and used the Caffe VGG19
whose activations reach the hundreds. We use the *normalized* VGG19 (mean
activations ~1) and make every term independent of the image size, so one set of
weights works at 64 px and at 1024 px, and for coarse-to-fine optimisation:

* :func:`gram_matrix` divides ``F F^T`` by ``M_l`` (the number of positions), so
  a Gram matrix is an average over positions and the style image may have any
  size. With this Gram, Gatys' ``E_l`` equals ``mean((G - A)^2) / 4``;
  :func:`style_loss` returns ``mean((G - A)^2)`` (the constant 1/4 is folded into
  the style weight).
* :func:`content_loss` is the *mean* squared error instead of half the sum.
* :func:`total_variation` (not in Gatys et al.; used by Johnson's neural-style)
  is the mean squared difference of neighbouring pixels.
"""
from __future__ import annotations

import math

import torch

from ..metrics import LUMA_WEIGHTS

__all__ = [
    "gram_matrix", "content_loss", "style_loss", "gram_loss", "sliced_wasserstein_loss", "total_variation",
    "rgb_to_yiq", "yiq_to_rgb", "match_histograms", "match_color", "match_luminance",
    "check_weight",
]


# --------------------------------------------------------------------------- validation
def check_weight(value, name: str) -> float:
    """Raise ``ValueError`` unless ``value`` is a finite number ``>= 0``; returns it as float."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if v < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return v


# --------------------------------------------------------------------------- losses
def gram_matrix(features: torch.Tensor, *, normalize: bool = True) -> torch.Tensor:
    """Gram matrix of a feature map (Gatys et al. 2015, eq. 1).

    Parameters
    ----------
    features : torch.Tensor, shape (N, C, H, W) or (C, H, W)
    normalize : bool, keyword-only
        Divide by the number of positions ``H * W`` (default; see the module
        notes). ``False`` gives Gatys' ``G = F F^T``.

    Returns
    -------
    torch.Tensor, shape (N, C, C) (or (C, C) for a 3-D input)
        ``G[n, i, j] = sum_k F[n, i, k] F[n, j, k] / (H W)``.
    """
    if features.dim() not in (3, 4):
        raise ValueError(f"features must have shape (N, C, H, W) or (C, H, W), got {tuple(features.shape)}")
    squeeze = features.dim() == 3
    f = features.unsqueeze(0) if squeeze else features
    n, c, h, w = f.shape
    if h * w == 0:
        raise ValueError(f"features are empty: shape {tuple(features.shape)}")
    flat = f.reshape(n, c, h * w)
    g = torch.bmm(flat, flat.transpose(1, 2))
    if normalize:
        g = g / (h * w)
    return g[0] if squeeze else g


def content_loss(input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Content loss: mean squared feature difference (Gatys et al. 2016, eq. 1, averaged).

    Parameters
    ----------
    input, target : torch.Tensor, same shape (N, C, H, W)

    Returns
    -------
    torch.Tensor, scalar, ``>= 0``; zero iff the features are identical.
    """
    if input.shape != target.shape:
        raise ValueError(f"content features have shape {tuple(input.shape)} but the target has "
                         f"{tuple(target.shape)}; compute the target at the output size")
    return torch.mean((input - target) ** 2)


def gram_loss(input_gram: torch.Tensor, target_gram: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of two Gram matrices, shapes (N, C, C) or (C, C)."""
    if input_gram.shape[-2:] != target_gram.shape[-2:]:
        raise ValueError(f"Gram matrices differ in size: {tuple(input_gram.shape)} vs {tuple(target_gram.shape)}")
    return torch.mean((input_gram - target_gram) ** 2)


def style_loss(input: torch.Tensor, target_gram: torch.Tensor) -> torch.Tensor:
    """Style loss of one layer: ``mean((gram(F) - A)^2)`` = 4 x Gatys' ``E_l`` (see module notes).

    Parameters
    ----------
    input : torch.Tensor, shape (N, C, H, W)
        Features of the image being optimised; any ``H, W``.
    target_gram : torch.Tensor, shape (C, C) or (N, C, C)
        :func:`gram_matrix` of the style features (computed once).

    Returns
    -------
    torch.Tensor, scalar ``>= 0``.
    """
    return gram_loss(gram_matrix(input), target_gram)


def sliced_wasserstein_loss(input: torch.Tensor, target_sorted: torch.Tensor,
                            directions: torch.Tensor) -> torch.Tensor:
    """Sliced Wasserstein style loss of one layer (Heitz et al., CVPR 2021, eq. 7).

    The features at the ``M`` positions are projected on ``K`` unit directions; each
    projection is sorted and compared with the target's sorted projection on the same
    direction, so the loss is zero iff every projected distribution is the target's.

    Parameters
    ----------
    input : torch.Tensor, shape (1, C, H, W)
        Features of the image being optimised.
    target_sorted : torch.Tensor, shape (K, M')
        ``sort(directions.T @ F_target, dim=1)`` (computed once); any ``M'``: it is
        resampled to ``M = H W`` quantiles by linear interpolation.
    directions : torch.Tensor, shape (C, K)
        Unit columns.

    Returns
    -------
    torch.Tensor, scalar ``>= 0``: ``mean((sort(directions.T @ F) - target)^2)``.
    """
    if input.dim() != 4 or input.shape[0] != 1:
        raise ValueError(f"input must have shape (1, C, H, W), got {tuple(input.shape)}")
    c, m = input.shape[1], input.shape[2] * input.shape[3]
    if directions.shape[0] != c or target_sorted.shape[0] != directions.shape[1]:
        raise ValueError(f"features have {c} channels, directions {tuple(directions.shape)} and target "
                         f"{tuple(target_sorted.shape)}: need directions (C, K) and target (K, M')")
    proj = torch.sort(directions.T @ input[0].reshape(c, m), dim=1).values
    target = target_sorted
    if target.shape[1] != m:   # quantiles of the target at the input's M ranks
        pos = ((torch.arange(m, device=target.device, dtype=target.dtype) + 0.5) / m * target.shape[1] - 0.5)
        pos = pos.clamp(0, target.shape[1] - 1)
        lo = pos.floor().long()
        hi = (lo + 1).clamp(max=target.shape[1] - 1)
        frac = pos - lo
        target = target[:, lo] * (1 - frac) + target[:, hi] * frac
    return torch.mean((proj - target) ** 2)


def total_variation(image: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of vertically and horizontally neighbouring pixels.

    Parameters
    ----------
    image : torch.Tensor, shape (N, C, H, W)

    Returns
    -------
    torch.Tensor, scalar ``>= 0``; zero for a constant image.
    """
    dh = image[..., 1:, :] - image[..., :-1, :]
    dw = image[..., :, 1:] - image[..., :, :-1]
    zero = image.new_zeros(())
    return (dh.pow(2).mean() if dh.numel() else zero) + (dw.pow(2).mean() if dw.numel() else zero)


# --------------------------------------------------------------------------- colour
_RGB2YIQ = torch.tensor([LUMA_WEIGHTS,
                         [0.595716, -0.274453, -0.321263],
                         [0.211456, -0.522591, 0.311135]], dtype=torch.float64)


def rgb_to_yiq(image: torch.Tensor) -> torch.Tensor:
    """RGB ``(N, 3, H, W)`` -> YIQ (Y = luminance in [0, 1]; I, Q chrominance)."""
    m = _RGB2YIQ.to(image)
    return torch.einsum("ij,njhw->nihw", m, image)


def yiq_to_rgb(image: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`rgb_to_yiq`."""
    m = torch.linalg.inv(_RGB2YIQ).to(image)
    return torch.einsum("ij,njhw->nihw", m, image)


def match_histograms(image: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Match each channel's histogram of ``image`` to ``reference`` (exact, rank based).

    Each value is replaced by the reference quantile of the same rank, as
    :func:`skimage.exposure.match_histograms` does, so the output has the
    reference's per-channel distribution (at ``image``'s resolution).

    Parameters
    ----------
    image, reference : torch.Tensor, shape (1, C, H, W) and (1, C, H', W')

    Returns
    -------
    torch.Tensor, shape of ``image``.
    """
    if image.shape[:2] != reference.shape[:2]:
        raise ValueError(f"image {tuple(image.shape)} and reference {tuple(reference.shape)} differ in channels")
    out = torch.empty_like(image)
    n = image.shape[-2] * image.shape[-1]
    for b in range(image.shape[0]):
        for c in range(image.shape[1]):
            src = image[b, c].reshape(-1)
            ref = torch.sort(reference[b, c].reshape(-1)).values
            order = torch.argsort(src, stable=True)
            # quantile positions of the n source ranks in the reference
            pos = (torch.arange(n, dtype=torch.float64) + 0.5) / n * ref.numel() - 0.5
            pos = pos.clamp(0, ref.numel() - 1)
            lo = pos.floor().long()
            hi = torch.clamp(lo + 1, max=ref.numel() - 1)
            frac = (pos - lo).to(ref.dtype)
            vals = ref[lo] * (1 - frac) + ref[hi] * frac
            flat = torch.empty_like(src)
            flat[order] = vals.to(src.dtype)
            out[b, c] = flat.view(image.shape[-2:])
    return out


def _mean_cov(image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x = image[0].reshape(3, -1).double()
    mu = x.mean(dim=1, keepdim=True)
    xc = x - mu
    cov = xc @ xc.T / max(1, x.shape[1] - 1)
    return mu, cov + 1e-5 * torch.eye(3, dtype=cov.dtype)


def _sym_power(m: torch.Tensor, p: float) -> torch.Tensor:
    vals, vecs = torch.linalg.eigh(m)
    return vecs @ torch.diag(vals.clamp_min(1e-10) ** p) @ vecs.T


def match_color(image: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Linear colour transfer: give ``image`` the RGB mean and covariance of ``reference``.

    ``x' = C_r^{1/2} C_i^{-1/2} (x - mu_i) + mu_r`` (the "image analogies" variant
    used for colour preservation by Gatys et al. 2017, "Controlling perceptual
    factors in neural style transfer", sec. 5). Output clipped to ``[0, 1]``.

    Parameters
    ----------
    image, reference : torch.Tensor, shape (1, 3, H, W) and (1, 3, H', W'), in [0, 1]
    """
    mu_i, cov_i = _mean_cov(image)
    mu_r, cov_r = _mean_cov(reference)
    a = _sym_power(cov_r, 0.5) @ _sym_power(cov_i, -0.5)
    x = image[0].reshape(3, -1).double()
    y = a @ (x - mu_i) + mu_r
    return y.reshape(image.shape).to(image.dtype).clamp(0, 1)


def match_luminance(luminance: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Shift and scale ``luminance`` so its mean and std equal ``reference``'s.

    Gatys et al. 2017, sec. 5 (luminance-only transfer): the style luminance is
    matched to the content luminance before the transfer. Shapes (N, 1, H, W).
    """
    mu_l, sd_l = luminance.mean(), luminance.std()
    mu_r, sd_r = reference.mean(), reference.std()
    return (luminance - mu_l) * (sd_r / sd_l.clamp_min(1e-6)) + mu_r
