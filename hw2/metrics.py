"""Image metrics shared by every notebook: SSIM, photorealism, style distance, Fréchet VGG
distance, a perceptual distance, diversity, and a VGG-free style distance (Lab colour
histograms and local binary patterns) that no method optimises.

All functions take images as ``(N, 3, H, W)`` float tensors in ``[0, 1]`` (``N = 1``
unless stated) and return Python floats (or small arrays), computed without gradients.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .checks import check_integer, check_number
from .io import as_image, load_image, resize_longest
from .vgg import vgg19

__all__ = ["ssim", "luminance", "edge_map", "photorealism", "gram", "style_distance", "STYLE_LAYERS",
           "perceptual_distance", "PERCEPTUAL_LAYERS", "vgg_statistics", "frechet_distance",
           "frechet_vgg_distance", "diversity", "psnr", "colour_distance", "texture_distance",
           "free_style_distance", "LUMA_WEIGHTS", "contrast_kept"]

#: ITU-R BT.601 luma weights of R, G, B: the project's one luminance formula (also quilting's, Neural Style's YIQ)
LUMA_WEIGHTS = (0.299, 0.587, 0.114)
#: layers of the Gram/style distance (Gatys et al. 2016)
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
#: layers of the perceptual distance (the five VGG stages, as LPIPS-VGG uses)
PERCEPTUAL_LAYERS = ("relu1_2", "relu2_2", "relu3_4", "relu4_4", "relu5_4")


def _check(img, name: str = "image", data_range: float = 1.0) -> torch.Tensor:
    """The input gate (:func:`hw2.io.as_image`) for metrics: ``(N, 1 or 3, H, W)`` float32 in [0, 1].

    Values are read in ``[0, data_range]`` and mapped to [0, 1]; grey images keep one channel,
    RGBA images lose their alpha.
    """
    dr = float(data_range)
    if not (np.isfinite(dr) and dr > 0):
        raise ValueError(f"data_range must be a finite number > 0, got {data_range!r}")
    t = as_image(img, name=name, batch=True, channels=None, value_range=(0.0, dr))
    return t[:, :3] if t.shape[1] == 4 else t  # RGBA: alpha dropped, as the gate does for channels=3


def _pair(a, b, data_range: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    a, b = _check(a, "a", data_range), _check(b, "b", data_range)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"a has {a.shape[1]} channel(s) but b has {b.shape[1]}; convert one of them "
                         "(e.g. hw2.metrics.luminance) first")
    if a.shape[0] != b.shape[0] and 1 not in (a.shape[0], b.shape[0]):
        raise ValueError(f"a is a batch of {a.shape[0]} but b of {b.shape[0]}")
    return _same_size(a, b)


def _same_size(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    if a.shape[-2:] != b.shape[-2:]:
        b = F.interpolate(b, size=a.shape[-2:], mode="bilinear", align_corners=False, antialias=True)
    return a, b


def _gaussian_window(size: int, sigma: float, device) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64, device=device) - (size - 1) / 2
    g = torch.exp(-(x ** 2) / (2 * sigma ** 2))
    return (g / g.sum()).float()


def ssim(a: torch.Tensor, b: torch.Tensor, *, data_range: float = 1.0, win_size: int = 11,
         sigma: float = 1.5) -> float:
    """Structural similarity (Wang et al. 2004), mean over pixels and channels.

    Gaussian window (``win_size`` an integer >= 1, even sizes reduced by one; ``sigma`` > 0 px),
    ``K1 = 0.01``, ``K2 = 0.03``. ``b`` is resized to ``a``'s size when they differ. Returns a value in
    ``[-1, 1]``; 1 for identical images. ``a`` and ``b`` are images in ``[0, data_range]`` (see
    :func:`hw2.io.as_image`) with the same number of channels.

    For images smaller than the window, the window is cut to the image along each axis on its own (to
    the largest odd size that fits): a ``1 x W`` image gets a ``1 x win_size`` window, the 1-D SSIM of
    its row, not a ``1 x 1`` window (which compares luminance only); only ``1 x 1`` images are compared
    pixel by pixel.
    """
    win_size = check_integer(win_size, "win_size", low=1)
    sigma = check_number(sigma, "sigma", low=0.0, low_open=True)
    a, b = _pair(a, b, data_range)
    return _ssim(a, b, win_size=win_size, sigma=sigma)


def _ssim(a: torch.Tensor, b: torch.Tensor, *, win_size: int = 11, sigma: float = 1.5) -> float:
    """:func:`ssim` of checked ``(N, C, H, W)`` tensors on the [0, 1] scale (no range check: edge maps)."""
    c = a.shape[1]
    # the window is cut to the image along each axis on its own, to an odd size (see ssim's Notes)
    wh, ww = (max(1, min(win_size, n)) for n in a.shape[-2:])
    wh, ww = wh - (wh % 2 == 0), ww - (ww % 2 == 0)
    gh, gw = _gaussian_window(wh, sigma, a.device), _gaussian_window(ww, sigma, a.device)
    kernel = (gh[:, None] * gw[None, :]).expand(c, 1, wh, ww).contiguous()

    def filt(x):
        return F.conv2d(x, kernel, groups=c)

    c1, c2 = 0.01 ** 2, 0.03 ** 2
    with torch.no_grad():
        mu_a, mu_b = filt(a), filt(b)
        saa = filt(a * a) - mu_a ** 2
        sbb = filt(b * b) - mu_b ** 2
        sab = filt(a * b) - mu_a * mu_b
        s = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2))
    return float(s.mean())


def psnr(a: torch.Tensor, b: torch.Tensor, *, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB (``inf`` for identical images); images in ``[0, data_range]``."""
    a, b = _pair(a, b, data_range)
    mse = float(((a - b) ** 2).mean())
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


def luminance(img: torch.Tensor) -> torch.Tensor:
    """ITU-R BT.601 luma, ``(N, 1, H, W)``."""
    img = _check(img)
    if img.shape[1] == 1:
        return img
    w = torch.tensor(LUMA_WEIGHTS, device=img.device).view(1, 3, 1, 1)
    return (img * w).sum(1, keepdim=True)


def contrast_kept(reference, output) -> float:
    """The output's luminance contrast relative to the reference's, ``std(Y(output)) / std(Y(reference))`` with
    ``Y`` = :func:`luminance`: 1 keeps the contrast, a washed-out (foggy) output scores well below 1.
    ``ValueError`` for a flat reference (no contrast to keep)."""
    ref = float(luminance(reference).std())
    if not ref > 0:
        raise ValueError("the reference image is flat (zero luminance contrast); contrast_kept is undefined")
    return float(luminance(output).std()) / ref


def edge_map(img: torch.Tensor) -> torch.Tensor:
    """Sobel gradient magnitude of the luminance, ``(N, 1, H, W)``, scaled to ``[0, 1]``.

    Departure from the FastPhotoStyle paper: it measures photorealism on HED edge maps (a
    learned edge detector we do not have); Sobel edges of the luminance stand in for them.
    """
    y = F.pad(luminance(img), (1, 1, 1, 1), mode="replicate")
    kx = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]], device=y.device) / 8.0
    gx = F.conv2d(y, kx.view(1, 1, 3, 3))
    gy = F.conv2d(y, kx.t().contiguous().view(1, 1, 3, 3))
    return torch.sqrt(gx ** 2 + gy ** 2 + 1e-12).clamp(0, 1) / (0.5 * np.sqrt(2))


def photorealism(content: torch.Tensor, output: torch.Tensor) -> float:
    """SSIM between the edge maps of content and output (higher = structure better kept).

    As in FastPhotoStyle's evaluation (Li et al. 2018, Fig. 5), with Sobel edges (see :func:`edge_map`).
    """
    content, output = _same_size(_check(content, "content"), _check(output, "output"))
    return _ssim(edge_map(content), edge_map(output))


def gram(features: torch.Tensor) -> torch.Tensor:
    """Gram matrices ``F Fᵀ / (C H W)`` of ``(N, C, H, W)`` features, shape ``(N, C, C)``."""
    n, c, h, w = features.shape
    f = features.reshape(n, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


def _features(img: torch.Tensor, layers: Sequence[str], max_side: int | None):
    if max_side is not None:
        max_side = check_integer(max_side, "max_side", low=1)
    img = _check(img)
    if img.shape[1] == 1:  # a grey image is an RGB image with equal channels
        img = img.expand(-1, 3, -1, -1)
    if max_side is not None and max(img.shape[-2:]) > max_side:
        img = resize_longest(img, max_side)
    enc = vgg19(list(layers))
    dev = next(enc.parameters()).device
    return enc.encode(img.to(dev), list(layers))


def style_distance(output: torch.Tensor, style: torch.Tensor, *, layers: Sequence[str] = STYLE_LAYERS,
                   max_side: int | None = 512) -> float:
    """Gram-matrix distance between two images, averaged over ``layers``.

    For each layer, ``||G(output) - G(style)||_F / ||G(style)||_F`` (relative, so layers of
    different scale weigh alike); the mean over layers. 0 when the textures' statistics agree.
    Images larger than ``max_side`` are resized first (the measure is of texture statistics).
    """
    fa, fb = _features(output, layers, max_side), _features(style, layers, max_side)
    vals = []
    for name in layers:
        ga, gb = gram(fa[name]), gram(fb[name])
        vals.append(float(torch.linalg.norm(ga - gb) / (torch.linalg.norm(gb) + 1e-12)))
    return float(np.mean(vals))


def perceptual_distance(a: torch.Tensor, b: torch.Tensor, *, layers: Sequence[str] = PERCEPTUAL_LAYERS,
                        max_side: int | None = 512) -> float:
    """LPIPS-like distance (Zhang et al. 2018) with uniform layer weights.

    Features are unit-normalised along channels at every pixel; the squared difference is
    averaged over space and summed over layers. Departure from LPIPS: no learned per-channel
    weights (they are not available offline), so every channel counts equally.
    """
    a, b = _pair(a, b)
    fa, fb = _features(a, layers, max_side), _features(b, layers, max_side)
    total = 0.0
    for name in layers:
        na = fa[name] / (fa[name].norm(dim=1, keepdim=True) + 1e-10)
        nb = fb[name] / (fb[name].norm(dim=1, keepdim=True) + 1e-10)
        total += float(((na - nb) ** 2).sum(1).mean())
    return total


def vgg_statistics(images, *, layer: str = "relu5_1", max_side: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of spatially averaged VGG19 ``layer`` features over a set of images.

    ``images`` is an iterable of ``(1, 3, H, W)`` tensors (or paths). Returns ``(mu, sigma)``
    of shape ``(C,)`` and ``(C, C)``, in float64.
    """
    rows = []
    for img in images:
        if not isinstance(img, torch.Tensor):
            img = load_image(img, max_side=max_side)
        f = _features(img, [layer], max_side)[layer]
        rows.append(f.mean(dim=(2, 3)).double().cpu().numpy())
    if len(rows) < 2:
        raise ValueError("vgg_statistics needs at least two images")
    x = np.concatenate(rows, axis=0)
    return x.mean(axis=0), np.cov(x, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet distance between two Gaussians (Dowson & Landau 1982), as in FID.

    ``||mu1 - mu2||² + tr(S1 + S2 - 2 (S1 S2)^(1/2))``, for ``(C,)`` means and ``(C, C)``
    covariances.
    """
    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    s1, s2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (mu1.size, mu1.size):
        raise ValueError(f"shapes differ: {mu1.shape} vs {mu2.shape}, {s1.shape} vs {s2.shape}")
    # tr((S1 S2)^(1/2)) = sum of sqrt(eigenvalues of S1^(1/2) S2 S1^(1/2)), a symmetric PSD
    # matrix: exact for singular covariances (few samples), where scipy's sqrtm is not.
    w, v = np.linalg.eigh((s1 + s1.T) / 2)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = root1 @ ((s2 + s2.T) / 2) @ root1
    tr_covmean = float(np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum())
    diff = mu1 - mu2
    return max(0.0, float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * tr_covmean))


def frechet_vgg_distance(images_a, images_b, *, layer: str = "relu5_1", max_side: int = 256) -> float:
    """Fréchet distance between the VGG19 feature statistics of two image sets (a VGG 'FID')."""
    return frechet_distance(*vgg_statistics(images_a, layer=layer, max_side=max_side),
                            *vgg_statistics(images_b, layer=layer, max_side=max_side))


def diversity(images: Sequence[torch.Tensor], **kw) -> float:
    """Mean pairwise :func:`perceptual_distance` among outputs for one input (0 = all alike)."""
    images = list(images)
    if len(images) < 2:
        raise ValueError("diversity needs at least two images")
    d = [perceptual_distance(images[i], images[j], **kw)
         for i in range(len(images)) for j in range(i + 1, len(images))]
    return float(np.mean(d))


# --------------------------------------------------------------------------- VGG-free style measure
LAB_BINS = 8
LBP_RADII = (1, 2)


def _hellinger(p: np.ndarray, q: np.ndarray) -> float:
    p, q = p / max(p.sum(), 1e-12), q / max(q.sum(), 1e-12)
    return float(np.sqrt(max(0.0, 1.0 - np.sum(np.sqrt(p * q)))))


def _rgb_hwc(img, name: str) -> np.ndarray:
    t = _check(img, name)[:1]
    if t.shape[1] == 1:
        t = t.expand(-1, 3, -1, -1)
    return t[0].permute(1, 2, 0).double().numpy()


def colour_distance(output, style, *, bins: int = LAB_BINS) -> float:
    """Hellinger distance between the CIE Lab colour histograms of two images, in [0, 1].

    The joint 3-D histogram has ``bins`` bins per axis over L in [0, 100] and a, b in
    [-128, 128]. 0 for images with the same colour distribution (whatever its layout), 1 for
    images that share no colour bin. No network is involved, so no method optimises it.

    Parameters
    ----------
    output, style : images in [0, 1] (see :func:`hw2.io.as_image`); sizes may differ.
    """
    from skimage.color import rgb2lab  # lazy on purpose: scikit-image is slow to import

    bins = check_integer(bins, "bins", low=1)
    hists = []
    for img, name in ((output, "output"), (style, "style")):
        lab = rgb2lab(_rgb_hwc(img, name)).reshape(-1, 3)
        h, _ = np.histogramdd(lab, bins=(bins,) * 3, range=((0, 100), (-128, 128), (-128, 128)))
        hists.append(h.ravel())
    return _hellinger(*hists)


def texture_distance(output, style, *, radii: Sequence[int] = LBP_RADII) -> float:
    """Hellinger distance between local-binary-pattern histograms of two images, in [0, 1].

    Rotation-invariant uniform LBP (Ojala et al., TPAMI 2002; ``skimage.feature.local_binary_pattern``,
    8 neighbours) of the luminance at each radius in ``radii``; the distances are averaged. LBP sees
    only the order of grey levels around a pixel, so a change of brightness or contrast, or of colour,
    leaves it unchanged: it measures texture (strokes, grain, edges), not palette.
    """
    from skimage.feature import local_binary_pattern  # lazy on purpose: scikit-image is slow to import

    radii = [check_integer(r, "radii[%d]" % i, low=1) for i, r in enumerate(radii)]
    if not radii:
        raise ValueError("radii must hold at least one radius (e.g. (1, 2))")
    greys = []
    for img, name in ((output, "output"), (style, "style")):
        g = luminance(_check(img, name)[:1])[0, 0].double().numpy()
        greys.append(np.round(g * 255).astype(np.uint8))
    dists = []
    for r in radii:
        hs = [np.bincount(local_binary_pattern(g, 8, int(r), method="uniform").astype(np.int64).ravel(),
                          minlength=10).astype(np.float64) for g in greys]
        dists.append(_hellinger(*hs))
    return float(np.mean(dists))


def free_style_distance(output, style) -> float:
    """The VGG-free style distance: mean of :func:`colour_distance` and :func:`texture_distance`, in [0, 1].

    A measure of stylisation that none of the four methods optimises (Neural Style minimises the
    VGG Gram distance of :func:`style_distance`, so that one is partly its own score).
    """
    return 0.5 * (colour_distance(output, style) + texture_distance(output, style))


# --------------------------------------------------------------------------- sharpness
__all__ += ["laplacian_energy", "sharpness"]

#: the 4-neighbour discrete Laplacian
_LAPLACIAN = ((0.0, 1.0, 0.0), (1.0, -4.0, 1.0), (0.0, 1.0, 0.0))


def _image_list(images, name: str) -> list[torch.Tensor]:
    items = list(images) if isinstance(images, (list, tuple)) else [images]
    out = []
    for i, img in enumerate(items):
        out.extend(_check(img, f"{name}[{i}]").split(1))
    if not out:
        raise ValueError(f"{name} holds no image")
    return out


def laplacian_energy(images) -> float:
    """Mean Laplacian energy: the mean of ``(∇²Y)²`` over interior pixels, averaged over images.

    ``Y`` is the BT.601 luminance (:func:`luminance`) in [0, 1] and ``∇²`` the 4-neighbour discrete
    Laplacian; border pixels, whose stencil would leave the image, are not counted (so a constant image
    scores exactly 0). A sharp edge or fine texture raises it, blur lowers it; it is quadratic in the
    intensities (``c · Y`` scores ``c²`` times ``Y``) and depends on the scale the image is seen at.

    Parameters
    ----------
    images : an image or a sequence of images (``(N, C, H, W)`` batches too; :func:`hw2.io.as_image`),
        in [0, 1], each at least 3 x 3 pixels.

    Returns
    -------
    float >= 0
    """
    kernel = torch.tensor(_LAPLACIAN, dtype=torch.float64).view(1, 1, 3, 3)
    values = []
    for img in _image_list(images, "images"):
        if min(img.shape[-2:]) < 3:
            raise ValueError(f"laplacian_energy needs images of at least 3 x 3 pixels, got {tuple(img.shape[-2:])}")
        lap = F.conv2d(luminance(img).double(), kernel)
        values.append(float((lap ** 2).mean()))
    return float(np.mean(values))


def sharpness(translations, reals) -> float:
    """Sharpness of generated images relative to real ones: the ratio of their mean Laplacian energies,
    :func:`laplacian_energy` of the translations over that of the real images.

    1 when the generated images carry as much fine detail as real images of their domain; blurred outputs
    score below 1. Both sets must be seen at the same
    scale, since the energy depends on it: every image of both sets must have the same shorter side (e.g.
    translations at ``size`` against the real target images resized to ``size``). The ratio does not change
    when all intensities of both sets are multiplied by one factor.

    Parameters
    ----------
    translations, reals : images or sequences of images in [0, 1] (see :func:`laplacian_energy`).

    Returns
    -------
    float >= 0

    Raises
    ------
    ValueError
        Shorter sides that differ, or real images with no Laplacian energy (all flat).
    """
    fake, real = _image_list(translations, "translations"), _image_list(reals, "reals")
    sides = {min(t.shape[-2:]) for t in fake + real}
    if len(sides) > 1:
        raise ValueError(f"sharpness compares images at one scale, but their shorter sides differ: {sorted(sides)}")
    den = laplacian_energy(real)
    if den <= 0:
        raise ValueError("the real images are flat (zero Laplacian energy): sharpness is undefined")
    return laplacian_energy(fake) / den
