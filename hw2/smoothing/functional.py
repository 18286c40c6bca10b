"""Photorealistic smoothing (FastPhotoStyle step 2) as pure numpy/scipy functions.

FastPhotoStyle (Li et al., *A Closed-form Solution to Photorealistic Image
Stylization*, ECCV 2018, eq. 5-6) smooths the PhotoWCT output ``Y`` so that
neighbouring pixels with similar content colours get similar output colours:

``R* = (1 - a) (I - a S)^{-1} Y``,  ``S = D^{-1/2} W D^{-1/2}``,  ``a = 1 / (1 + lam)``

with ``W`` the matting affinity of the content image (Levin et al., *A
Closed-Form Solution to Natural Image Matting*, PAMI 2008: 3x3 windows,
``eps = 1e-7``) and ``D`` its degree matrix, solved for each colour channel.
FastPhotoStyle's default ``beta = a = 0.9999`` is ``lam = 1e-4 / 0.9999``.

Two solvers of that exact system are provided:

* :func:`smooth_exact` -- conjugate gradients preconditioned by aggregation-based
  algebraic multigrid (PyPI ``pyamg`` builds the hierarchy; the cycle itself is ours,
  in torch, and works on all three colour channels at once; the finest operator is
  applied as a 25-point stencil), to a relative residual that
  matches a direct solve to ~5e-4 mean absolute difference;
* :func:`smooth_direct` -- SciPy's sparse LU factorisation, as the reference
  implementation does (slow and memory-hungry: a yardstick only).

and one fast approximation, :func:`guided_filter` (He et al., *Guided Image
Filtering*, PAMI 2013), which FastPhotoStyle's ``--fast`` mode uses.

Images are ``(H, W, 3)`` float arrays in ``[0, 1]`` (or ``(1, 3, H, W)`` tensors).

Departures from the reference implementation
--------------------------------------------
* Border: the reference centres windows on interior pixels only, so border pixels
  have a small degree and come out darker (it crops 2 pixels of ``Y`` and pads them
  back to hide it). We centre a window on every pixel of the content replicated by one
  pixel, a replicated pixel standing for its source (:func:`affinity_stencil`): every
  degree is 9, ``S = W / 9`` has rows summing to one, and a constant image is a fixed
  point of the smoothing. Any size works, down to 1x1.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

__all__ = [
    "DEFAULT_EPS", "DEFAULT_LAM", "beta_to_lam", "lam_to_beta", "affinity_stencil", "matting_affinity",
    "matting_laplacian", "smoothing_matrix", "SolveInfo", "smooth_exact", "smooth_direct", "box_filter",
    "guided_filter", "FPS_GUIDED_RADIUS", "FPS_GUIDED_EPS",
]

#: regulariser of the matting affinity (Levin et al. 2008; FastPhotoStyle)
DEFAULT_EPS = 1e-7
#: FastPhotoStyle's ``beta = 0.9999`` expressed as the paper's lambda (``beta = 1 / (1 + lam)``)
DEFAULT_LAM = (1.0 - 0.9999) / 0.9999
#: FastPhotoStyle's guided-filter radius (pixels of the full-size image)
FPS_GUIDED_RADIUS = 35
#: FastPhotoStyle's guided-filter eps (1e-3 on 0-255 images), expressed for [0, 1] images
FPS_GUIDED_EPS = 1e-3 / 255.0 ** 2

# the 25 offsets (dy, dx) at which two pixels share a 3x3 window, in CSR column order
_OFFSETS = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)]
_POS = [(py, px) for py in range(3) for px in range(3)]


def beta_to_lam(beta: float) -> float:
    """FastPhotoStyle's ``beta`` (the paper's ``alpha``) -> the paper's ``lambda``."""
    if not 0.0 < beta < 1.0:
        raise ValueError(f"beta must be in (0, 1), got {beta}")
    return (1.0 - beta) / beta


def lam_to_beta(lam: float) -> float:
    """The paper's ``lambda`` -> ``beta = alpha = 1 / (1 + lambda)``."""
    if not lam > 0.0:
        raise ValueError(f"lam must be > 0, got {lam}")
    return 1.0 / (1.0 + lam)


# --------------------------------------------------------------------------- input checks
def _as_hwc(image, name: str) -> np.ndarray:
    """Any image in [0, 1] (see :func:`hw2.io.as_image`) -> (H, W, C) array, C in (1, 3).

    float64 inputs stay float64, others become float32; RGBA loses its alpha (as in ``as_image``).
    """
    from ..io import as_image_array

    arr = as_image_array(image, name=name, channels=None, dtype=None)
    return np.ascontiguousarray(arr[..., :3]) if arr.shape[2] == 4 else arr


def _check_lam(lam: float) -> float:
    lam = float(lam)
    if not (lam > 0.0 and np.isfinite(lam)):
        raise ValueError(f"lam must be a finite number > 0, got {lam}")
    return lam


# --------------------------------------------------------------------------- affinity
def _inv_sym3(c: np.ndarray) -> np.ndarray:
    """Inverse of symmetric 3x3 matrices given as (6, ...) = (xx, xy, xz, yy, yz, zz), float64."""
    a, b, cc, d, e, f = c
    # cofactors
    A = d * f - e * e
    B = cc * e - b * f
    C = b * e - cc * d
    Dd = a * f - cc * cc
    E = b * cc - a * e
    Fc = a * d - b * b
    det = a * A + b * B + cc * C
    inv = np.stack([A, B, C, Dd, E, Fc])
    inv /= det
    return inv


def affinity_stencil(content, *, eps: float = DEFAULT_EPS, chunk_rows: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Matting affinity of an image as 25 offset images, and the degree of each pixel.

    ``W_ij = sum_k (1 + (I_i - mu_k)^T (Sigma_k + eps/9 U)^{-1} (I_j - mu_k)) / 9`` over the
    3x3 windows ``k`` that hold both ``i`` and ``j`` (Levin et al. 2008, eq. 12, without
    the ``delta_ij`` term). There is one window centred on every pixel; at the border the
    content is replicated by one pixel and a replicated pixel stands for its source (a
    Neumann boundary), so every pixel is covered nine times: the degree is ``D = 9 I``.

    Parameters
    ----------
    content : (H, W, 3) array or (1, 3, H, W) tensor, values in [0, 1]
    eps : float, keyword-only
        Regulariser of the window covariances (Levin et al. use 1e-7).
    chunk_rows : int, keyword-only
        Window rows processed at a time (bounds the temporary memory).

    Returns
    -------
    stencil : ndarray, shape (25, H, W), float64
        ``stencil[o, y, x] = W[(y, x), (y + dy_o, x + dx_o)]`` with the offsets
        ``(dy, dx)`` in ``{-2..2}^2`` in row-major order (zero where outside the image).
    degree : ndarray, shape (H, W), float64
        Row sums of ``W`` (9 everywhere, up to rounding).

    Notes
    -----
    Window statistics and the 3x3 inverses are computed in float64: with ``eps = 1e-7``
    the inverses of flat windows reach ``9e7`` and float32 loses them.

    Departure from the reference implementation: FastPhotoStyle centres windows only on
    interior pixels, so border pixels have degree 1 to 6 and, through ``D^{-1/2}``, come
    out darker (it crops 2 pixels and pads them back to hide this). With the replicated
    border, ``S = W / 9`` has rows summing to 1 and a constant image is a fixed point.
    """
    img = _as_hwc(content, "content").astype(np.float64)
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    h, w, _ = img.shape
    padded = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
    st, _ = _window_stencil(padded, eps=eps, chunk_rows=chunk_rows)
    return _fold_border(st, h, w), np.full((h, w), 9.0)


def _fold_border(st: np.ndarray, h: int, w: int) -> np.ndarray:
    """Fold a stencil of the 1-pixel replicate-padded grid onto the original pixels."""
    out = st[:, 1:-1, 1:-1].copy()
    # entries whose source or target lies on the padded ring: re-map both ends to their
    # source pixel (clamping) and add them at the corrected offset
    mask = np.zeros(st.shape, bool)
    mask[:, 0, :] = mask[:, -1, :] = True
    mask[:, :, 0] = mask[:, :, -1] = True
    for o, (dy, dx) in enumerate(_OFFSETS):
        ty = np.arange(h + 2) + dy
        tx = np.arange(w + 2) + dx
        ring_y = (ty <= 0) | (ty >= h + 1)
        ring_x = (tx <= 0) | (tx >= w + 1)
        mask[o] |= ring_y[:, None] | ring_x[None, :]
    # those entries were copied into `out` under the wrong offset: remove them there
    out -= np.where(mask[:, 1:-1, 1:-1], st[:, 1:-1, 1:-1], 0.0)
    o_idx, py, px = np.nonzero(mask)
    vals = st[o_idx, py, px]
    keep = vals != 0
    o_idx, py, px, vals = o_idx[keep], py[keep], px[keep], vals[keep]
    dys = np.array([d for d, _ in _OFFSETS])[o_idx]
    dxs = np.array([d for _, d in _OFFSETS])[o_idx]
    sy, sx = np.clip(py - 1, 0, h - 1), np.clip(px - 1, 0, w - 1)
    qy, qx = np.clip(py + dys - 1, 0, h - 1), np.clip(px + dxs - 1, 0, w - 1)
    new_o = (qy - sy + 2) * 5 + (qx - sx + 2)
    np.add.at(out, (new_o, sy, sx), vals)
    return out


def _window_stencil(content, *, eps: float = DEFAULT_EPS, chunk_rows: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Affinity stencil with 3x3 windows centred on the interior pixels of ``content`` only
    (the reference implementation's windows), and the window count of each pixel.

    Parameters
    ----------
    content : (H, W, 3) array or (1, 3, H, W) tensor, values in [0, 1]
    eps : float, keyword-only
        Regulariser of the window covariances (Levin et al. use 1e-7).
    chunk_rows : int, keyword-only
        Window rows processed at a time (bounds the temporary memory).

    Returns
    -------
    stencil : ndarray, shape (25, H, W), float64
        ``stencil[o, y, x] = W[(y, x), (y + dy_o, x + dx_o)]`` with the offsets
        ``(dy, dx)`` in ``{-2..2}^2`` in row-major order (zero where outside the image).
    count : ndarray, shape (H, W), float64
        Number of windows covering each pixel (the degree ``D``; the row sums of ``W``).

    Notes
    -----
    Window statistics and the 3x3 inverses are computed in float64: with ``eps = 1e-7``
    the inverses of flat windows reach ``9e7`` and float32 loses them.
    """
    img = _as_hwc(content, "content").astype(np.float64)
    if eps <= 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    h, w, _ = img.shape
    if h < 3 or w < 3:
        raise ValueError(f"the matting affinity needs an image of at least 3x3 pixels, got {h}x{w}")
    stencil = np.zeros((25, h, w), np.float64)
    hc, wc = h - 2, w - 2
    count = _count_1d(h)[:, None] * _count_1d(w)[None, :]
    idx = {o: i for i, o in enumerate(_OFFSETS)}
    chw = np.ascontiguousarray(img.transpose(2, 0, 1))
    for y0 in range(0, hc, chunk_rows):
        y1 = min(hc, y0 + chunk_rows)
        n = y1 - y0
        # the 9 pixels of every window in this chunk, channel-first: (9, ch, n, wc)
        x = np.stack([chw[:, y0 + py:y0 + py + n, px:px + wc] for py, px in _POS])
        x -= x.mean(axis=0)
        # covariance (biased, 1/9) + eps/9 U, as its 6 unique entries
        cov = np.empty((6, n, wc))
        for i, (p, q) in enumerate(((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))):
            np.einsum("knw,knw->nw", x[:, p], x[:, q], out=cov[i])
        cov /= 9.0
        cov[[0, 3, 5]] += eps / 9.0
        inv = _inv_sym3(cov)
        del cov
        # z_a = inv @ x_a
        z = np.empty_like(x)
        z[:, 0] = inv[0] * x[:, 0] + inv[1] * x[:, 1] + inv[2] * x[:, 2]
        z[:, 1] = inv[1] * x[:, 0] + inv[3] * x[:, 1] + inv[4] * x[:, 2]
        z[:, 2] = inv[2] * x[:, 0] + inv[4] * x[:, 1] + inv[5] * x[:, 2]
        z /= 9.0
        del inv
        # v[a, b] = 1/9 + z_a . x_b, added at pixel k + p_a with offset p_b - p_a
        v = np.empty((n, wc))
        tmp = np.empty((n, wc))
        for a, (ay, ax) in enumerate(_POS):
            za = z[a]
            for b in range(a, 9):
                by, bx = _POS[b]
                xb = x[b]
                np.multiply(za[0], xb[0], out=v)
                np.multiply(za[1], xb[1], out=tmp)
                v += tmp
                np.multiply(za[2], xb[2], out=tmp)
                v += tmp
                v += 1.0 / 9.0
                stencil[idx[(by - ay, bx - ax)], y0 + ay:y0 + ay + n, ax:ax + wc] += v
                if b != a:
                    stencil[idx[(ay - by, ax - bx)], y0 + by:y0 + by + n, bx:bx + wc] += v
        del x, z
    return stencil, count


def _count_1d(n: int) -> np.ndarray:
    """Number of 3-pixel windows (centred at 1..n-2) covering each of n positions."""
    c = np.zeros(n)
    for shift in range(3):
        c[shift:n - 2 + shift] += 1.0
    return c


# --------------------------------------------------------------------------- guided filter
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
    r = int(radius)
    if r < 0:
        raise ValueError(f"radius must be >= 0, got {radius}")
    if r == 0:
        return x.copy()
    out = x
    for axis in (-2, -1):
        n = out.shape[axis]
        r = min(int(radius), n)  # a window past the image covers all of it: same result, bounded memory
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
                  subsample: int = 1) -> np.ndarray:
    """Colour-guided filter of each channel of ``src`` (He et al., PAMI 2013, eq. 19-21).

    ``q_i = mean_k(a_k)^T I_i + mean_k(b_k)``, where in every ``(2r+1)^2`` window ``k``
    the affine map ``a_k^T I + b_k`` of the guide ``I`` best fits ``src`` with ridge
    penalty ``eps |a_k|^2``. All box filters are O(N) cumulative sums; statistics are
    computed in float64 (the default ``eps`` is far below float32 resolution).

    Parameters
    ----------
    src : (H, W, C) array or (1, C, H, W) tensor, values in [0, 1]
        Image to filter (FastPhotoStyle: the PhotoWCT output).
    guide : (H, W, 3) array or (1, 3, H, W) tensor, values in [0, 1]
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
    ndarray, shape (H, W, C), float32 (not clipped)
    """
    p = _as_hwc(src, "src")
    g = _as_hwc(guide, "guide")
    if g.shape[2] != 3:
        g = np.repeat(g[..., :1], 3, axis=2)
    if p.shape[:2] != g.shape[:2]:
        raise ValueError(f"src is {p.shape[0]}x{p.shape[1]} but guide is {g.shape[0]}x{g.shape[1]}")
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    if isinstance(radius, bool) or not float(radius).is_integer() or radius < 0:
        raise ValueError(f"radius must be an integer >= 0, got {radius!r}")
    radius = min(int(radius), max(p.shape[:2]))  # a larger window covers the whole image anyway
    s = int(subsample)
    if s < 1:
        raise ValueError(f"subsample must be >= 1, got {subsample}")
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
    return np.ascontiguousarray(q.transpose(1, 2, 0), dtype=np.float32)


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
    inv = _inv_sym3(cov)
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
    import torch
    import torch.nn.functional as F

    t = torch.from_numpy(x)[None]
    return F.avg_pool2d(t, s, s, ceil_mode=True, count_include_pad=False)[0].numpy()


def _upsample(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear ``(C, h, w) -> (C, H, W)`` (align_corners=False)."""
    import torch
    import torch.nn.functional as F

    t = torch.from_numpy(np.ascontiguousarray(x))[None]
    return F.interpolate(t, size=size, mode="bilinear", align_corners=False)[0].numpy()


# --------------------------------------------------------------------------- the linear system
def _shifted(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``out[y, x] = a[y + dy, x + dx]`` (zero outside), for |dy|, |dx| <= 2."""
    h, w = a.shape[-2:]
    pad = np.zeros(a.shape[:-2] + (h + 4, w + 4), a.dtype)
    pad[..., 2:h + 2, 2:w + 2] = a
    return pad[..., 2 + dy:2 + dy + h, 2 + dx:2 + dx + w]


def _stencil_to_csr(values: np.ndarray, dtype=np.float64) -> sp.csr_matrix:
    """``(25, H, W)`` stencil (zero where the neighbour is outside) -> ``(N, N)`` CSR matrix."""
    _, h, w = values.shape
    n = h * w
    ys, xs = np.arange(h), np.arange(w)
    dys = np.array([dy for dy, _ in _OFFSETS])
    dxs = np.array([dx for _, dx in _OFFSETS])
    vy = (ys[:, None] + dys[None] >= 0) & (ys[:, None] + dys[None] < h)  # (H, 25)
    vx = (xs[:, None] + dxs[None] >= 0) & (xs[:, None] + dxs[None] < w)  # (W, 25)
    valid = vy[:, None, :] & vx[None, :, :]  # (H, W, 25)
    data = np.ascontiguousarray(values.transpose(1, 2, 0), dtype=dtype)[valid]
    index_dtype = np.int32 if n * 25 < 2 ** 31 else np.int64
    cols = (np.arange(n, dtype=index_dtype).reshape(h, w)[..., None]
            + (dys * w + dxs).astype(index_dtype)[None, None, :])[valid]
    indptr = np.zeros(n + 1, index_dtype)
    np.cumsum(valid.reshape(n, 25).sum(axis=1), out=indptr[1:])
    return sp.csr_matrix((data, cols, indptr), shape=(n, n))


def matting_affinity(content, *, eps: float = DEFAULT_EPS) -> sp.csr_matrix:
    """The matting affinity ``W`` of :func:`affinity_stencil` as an ``(N, N)`` CSR matrix
    (pixels in row-major order, ``N = H W``)."""
    stencil, _ = affinity_stencil(content, eps=eps)
    return _stencil_to_csr(stencil)


def matting_laplacian(content, *, eps: float = DEFAULT_EPS) -> sp.csr_matrix:
    """The matting Laplacian ``L = D - W`` (Levin et al. 2008, eq. 12): symmetric, rows sum to 0."""
    stencil, count = affinity_stencil(content, eps=eps)
    stencil = -stencil
    stencil[12] += count
    return _stencil_to_csr(stencil)


def _system_stencil(stencil: np.ndarray, count: np.ndarray, lam: float) -> np.ndarray:
    """Stencil of ``I - a S``, ``S = D^{-1/2} W D^{-1/2}``, ``a = 1/(1+lam)``."""
    beta = 1.0 / (1.0 + lam)
    dinv = 1.0 / np.sqrt(count)
    out = np.empty_like(stencil)
    for o, (dy, dx) in enumerate(_OFFSETS):
        np.multiply(stencil[o], dinv, out=out[o])
        out[o] *= _shifted(dinv, dy, dx)
        out[o] *= -beta
    out[12] += 1.0
    return out


def smoothing_matrix(content, *, lam: float = DEFAULT_LAM, eps: float = DEFAULT_EPS) -> sp.csr_matrix:
    """The matrix ``I - a S`` of FastPhotoStyle's smoothing (``a = 1 / (1 + lam)``), CSR ``(N, N)``.

    Symmetric positive definite with eigenvalues in ``[1 - a, 1]``: the condition number
    is about ``1 / lam`` (10^4 at FastPhotoStyle's default), which is what makes plain
    iterative solvers slow.
    """
    lam = _check_lam(lam)
    stencil, count = affinity_stencil(content, eps=eps)
    return _stencil_to_csr(_system_stencil(stencil, count, lam))


@dataclass
class SolveInfo:
    """What :func:`smooth_exact` did: iterations, final relative residuals, and stage times (s)."""
    iterations: int = 0
    residuals: list = field(default_factory=list)
    converged: bool = True
    times: dict = field(default_factory=dict)
    levels: list = field(default_factory=list)


def _prepare(stylized, content):
    y = _as_hwc(stylized, "stylized")
    c = _as_hwc(content, "content")
    if c.shape[2] == 1:
        c = np.repeat(c, 3, axis=2)
    if y.shape[:2] != c.shape[:2]:
        raise ValueError(f"stylized is {y.shape[0]}x{y.shape[1]} but content is {c.shape[0]}x{c.shape[1]}; "
                         "resize one of them first")
    return y, c


def smooth_direct(stylized, content, *, lam: float = DEFAULT_LAM, eps: float = DEFAULT_EPS) -> np.ndarray:
    """FastPhotoStyle's smoothing solved as the reference code does: SciPy sparse LU.

    Slow and memory-hungry (minutes and gigabytes at 800x540): a yardstick for
    :func:`smooth_exact`, not for real use. Same arguments and result as :func:`smooth_exact`.
    """
    import scipy.sparse.linalg as spla

    y, c = _prepare(stylized, content)
    lam = _check_lam(lam)
    h, w, ch = y.shape
    a = smoothing_matrix(c, lam=lam, eps=eps).tocsc()
    solve = spla.factorized(a)
    rhs = (lam / (1.0 + lam)) * y.reshape(h * w, ch).astype(np.float64)
    out = np.stack([solve(np.ascontiguousarray(rhs[:, k])) for k in range(ch)], axis=1)
    return out.reshape(h, w, ch).astype(np.float32)


# --------------------------------------------------------------------------- AMG-preconditioned CG
class _StencilOp:
    """``A x`` for a 25-point stencil ``(25, H, W)`` applied to ``(k, H*W)`` torch blocks.

    Six times faster than SciPy's CSR product on the same matrix at 1 MP (no index
    arrays to read, and torch's element-wise kernels use every core); entries whose
    neighbour lies outside the image are zero, so only the valid ranges are touched.
    """

    def __init__(self, stencil: np.ndarray, dtype):
        import torch

        self.st = torch.from_numpy(np.ascontiguousarray(stencil)).to(dtype)
        _, self.h, self.w = stencil.shape
        self.shape = (self.h * self.w, self.h * self.w)
        self.dtype = dtype

    def __matmul__(self, x):
        h, w = self.h, self.w
        xs = x.reshape(x.shape[0], h, w)
        out = self.st[12] * xs
        for o, (dy, dx) in enumerate(_OFFSETS):
            if o == 12:
                continue
            y0, y1 = max(0, -dy), h - max(0, dy)
            x0, x1 = max(0, -dx), w - max(0, dx)
            if y1 <= y0 or x1 <= x0:
                continue
            out[:, y0:y1, x0:x1].addcmul_(self.st[o, y0:y1, x0:x1], xs[:, y0 + dy:y1 + dy, x0 + dx:x1 + dx])
        return out.reshape(x.shape[0], h * w)

    def diagonal(self):
        return self.st[12].reshape(-1)

    def abs_row_sums(self):
        return self.st.abs().sum(dim=0).reshape(-1)


class _CsrOp:
    """A SciPy CSR matrix as a torch CSR tensor, applied to ``(n, k)`` blocks."""

    def __init__(self, m: sp.spmatrix, dtype):
        import torch

        m = sp.csr_matrix(m)
        m.sort_indices()
        np_dtype = np.float32 if dtype == torch.float32 else np.float64
        with warnings.catch_warnings():  # "sparse CSR support is in beta"
            warnings.simplefilter("ignore", UserWarning)
            self.m = torch.sparse_csr_tensor(torch.from_numpy(m.indptr.astype(np.int64)),
                                             torch.from_numpy(m.indices.astype(np.int64)),
                                             torch.from_numpy(m.data.astype(np_dtype)), size=m.shape,
                                             check_invariants=False)
        self.shape = m.shape
        self._diag = torch.from_numpy(m.diagonal().astype(np_dtype))
        self._absrows = torch.from_numpy(np.asarray(abs(m).sum(axis=1), dtype=np_dtype).reshape(-1))

    def __matmul__(self, x):
        return self.m @ x

    def diagonal(self):
        return self._diag

    def abs_row_sums(self):
        return self._absrows


class _Multigrid:
    """Aggregation hierarchy (built by pyamg) with our own multi-vector V-cycle in torch.

    The cycle works on ``(k, n)`` blocks (all colour channels at once) in float32, with a
    Jacobi-preconditioned Chebyshev smoother of ``degree`` (symmetric, so the cycle is a
    valid CG preconditioner) and a dense Cholesky solve on the coarsest level. The finest
    operator is applied as a stencil (:class:`_StencilOp`), the coarser ones and the
    transfer operators as torch CSR products.

    pyamg's prolongation smoother uses ``weighting="local"`` (a row-wise Gershgorin
    weight): no randomised spectral-radius estimate, so the hierarchy, and with it the
    result, is the same in every run, and the set-up is ~1.5 s faster at 1 MP.
    """

    def __init__(self, a: sp.csr_matrix, candidates: np.ndarray, *, fine=None, smooth_prolongator: bool = True,
                 max_coarse: int = 400, degree: int = 2, seed: int = 0, lmax_method: str = "power"):
        import pyamg
        import scipy.linalg as sla
        import torch

        smooth = ("jacobi", {"omega": 4.0 / 3.0, "weighting": "local"}) if smooth_prolongator else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ml = pyamg.smoothed_aggregation_solver(
                a, B=candidates, max_coarse=max_coarse, improve_candidates=None, smooth=smooth,
                presmoother=None, postsmoother=None, keep=False)
        self.degree = int(degree)
        self.dtype = torch.float32
        self.levels = []
        gen = torch.Generator().manual_seed(seed)
        for i, lv in enumerate(ml.levels[:-1]):
            op = fine if (i == 0 and fine is not None) else _CsrOp(lv.A, self.dtype)
            diag = op.diagonal().double()
            # a zero diagonal is a coarse unknown whose candidates were degenerate in its
            # aggregate (e.g. a flat colour): it is never excited, so it is left alone
            tiny = 1e-12 * max(float(diag.abs().max()), 1e-300)
            if bool((diag < -tiny).any()):
                raise np.linalg.LinAlgError("the smoothing matrix is not positive definite")
            dinv = torch.where(diag > tiny, 1.0 / torch.where(diag > tiny, diag, 1.0), 0.0).to(self.dtype)
            # the finest level works on (k, n) blocks (stencil), the coarser ones on (n, k)
            dinv = dinv[None] if i == 0 else dinv[:, None]
            lmax = _lmax_bound(op, dinv, gen, method=lmax_method, rows=(i == 0))
            self.levels.append((op, dinv, _CsrOp(lv.P, self.dtype), _CsrOp(lv.R, self.dtype),
                                1.1 * lmax, 1.1 * lmax / 30.0))
        coarse = ml.levels[-1].A.toarray().astype(np.float64)
        coarse = 0.5 * (coarse + coarse.T)
        diag = np.diag(coarse).copy()
        # unknowns with a zero diagonal are never excited (see above): decouple them, then
        # factor by Cholesky (a dense pseudo-inverse costs an eigendecomposition: ~100x slower)
        self._live = diag > 1e-12 * max(float(np.abs(diag).max()), 1e-300)
        coarse[~self._live, :] = 0.0
        coarse[:, ~self._live] = 0.0
        coarse[~self._live, ~self._live] = 1.0
        try:
            self._chol = sla.cho_factor(coarse, lower=True, check_finite=False)
            self.coarse = None
        except np.linalg.LinAlgError:  # numerically indefinite: fall back to the pseudo-inverse
            self._chol = None
            self.coarse = sla.pinvh(coarse)
        self.sizes = [lv.A.shape[0] for lv in ml.levels]
        self.nnz = [lv.A.nnz for lv in ml.levels]

    def _cheb(self, a, dinv, b, x, lmax, lmin):
        theta, delta = (lmax + lmin) / 2.0, (lmax - lmin) / 2.0
        sigma = theta / delta
        rho = 1.0 / sigma
        r = b if x is None else b - a @ x
        d = dinv * r / theta
        x = d.clone() if x is None else x + d
        for _ in range(self.degree - 1):
            r = r - a @ d
            rho_new = 1.0 / (2.0 * sigma - rho)
            d = (rho_new * rho) * d + (2.0 * rho_new / delta) * (dinv * r)
            rho = rho_new
            x += d
        return x

    def cycle(self, b, level: int = 0):
        """One V-cycle on ``b``: torch float32, ``(k, n)`` on the finest level, ``(n, k)`` below."""
        import torch

        if level == len(self.levels):
            import scipy.linalg as sla

            b64 = b.double().numpy()
            x = sla.cho_solve(self._chol, b64, check_finite=False) if self._chol is not None else self.coarse @ b64
            x[~self._live] = 0.0
            return torch.from_numpy(x).to(self.dtype)
        a, dinv, p, r, lmax, lmin = self.levels[level]
        x = self._cheb(a, dinv, b, None, lmax, lmin)
        res = b - a @ x
        if level == 0:
            x += (p @ self.cycle(r @ res.T.contiguous(), 1)).T
        else:
            x += p @ self.cycle(r @ res, level + 1)
        return self._cheb(a, dinv, b, x, lmax, lmin)


def _lmax_bound(a, dinv, gen, *, method: str = "power", iterations: int = 20, rows: bool = True) -> float:
    """An estimate (power iteration, seeded) or upper bound (Gershgorin) of the largest
    eigenvalue of ``D^{-1} A``. Chebyshev smoothing amplifies what lies above its interval,
    so an underestimate is dangerous; the Gershgorin bound never underestimates, the power
    estimate is padded by 10 % by the caller."""
    import torch

    if method == "gershgorin":
        return float((dinv.reshape(-1) * a.abs_row_sums().to(dinv.dtype)).max())
    x = torch.randn((1, a.shape[0]) if rows else (a.shape[0], 1), generator=gen, dtype=dinv.dtype)
    lam = 1.0
    for _ in range(iterations):
        y = dinv * (a @ x)
        lam = float(torch.linalg.vector_norm(y) / max(float(torch.linalg.vector_norm(x)), 1e-30))
        x = y / max(float(torch.linalg.vector_norm(y)), 1e-30)
    return lam


def smooth_exact(stylized, content, *, lam: float = DEFAULT_LAM, eps: float = DEFAULT_EPS,
                 tol: float = 5e-2, maxiter: int = 200, preconditioner: str = "amg",
                 return_info: bool = False):
    """FastPhotoStyle's photorealistic smoothing, solved iteratively (no GPU needed).

    Solves ``(I - a S) R = (1 - a) Y`` for the three channels at once with conjugate
    gradients preconditioned by an aggregation multigrid V-cycle.

    Parameters
    ----------
    stylized : (H, W, 3) array or (1, 3, H, W) tensor, values in [0, 1]
        ``Y``, the PhotoWCT output.
    content : (H, W, 3) array or (1, 3, H, W) tensor, values in [0, 1]
        The content photo whose matting affinity defines ``S``; same ``H, W``.
    lam : float, keyword-only
        The paper's lambda (``a = 1 / (1 + lam)``); default :data:`DEFAULT_LAM` is
        FastPhotoStyle's ``beta = 0.9999``. Smaller = smoother, closer to the content's
        local colour structure; larger = closer to ``Y``.
    eps : float, keyword-only
        Matting-affinity regulariser (1e-7 as in Levin et al. and FastPhotoStyle).
    tol : float, keyword-only
        Stop when every channel's residual ``|b - A r| / |b|`` is below ``tol``. The
        default 5e-2 gives a mean absolute difference of ~5e-4 to a direct solve on
        ``[0, 1]`` images (``mad_vs_direct`` in the benchmark, ``hw2.bench.smoothing``);
        the requirement is 1e-3.
    maxiter : int, keyword-only
    preconditioner : {"amg", "amg-smoothed", "none"}, keyword-only
        ``"amg"``: aggregation multigrid with the near-null space ``D^{1/2} [1, I_r, I_g, I_b]``
        (the locally affine colour functions the matting Laplacian does not penalise),
        unsmoothed (tentative) prolongators and a degree-3 Chebyshev smoother;
        ``"amg-smoothed"``: the same aggregates with Jacobi-smoothed prolongators and a
        degree-2 smoother (fewer iterations, but a 4x more expensive set-up and a denser
        second level: ~2x slower all-in at 1 MP); ``"none"``: plain CG (hundreds of iterations).
    return_info : bool, keyword-only
        Also return a :class:`SolveInfo`.

    Returns
    -------
    ndarray (H, W, 3) float32 (not clipped), and the :class:`SolveInfo` if asked.

    Notes
    -----
    CG itself runs in float64 with the float64 stencil (so the residual is exact); only
    the preconditioner works in float32, which changes its quality, not the answer.
    Matrix products run in torch (all cores); the hierarchy is built by pyamg.
    """
    import torch

    y, c = _prepare(stylized, content)
    lam = _check_lam(lam)
    if preconditioner not in ("amg", "amg-smoothed", "none"):
        raise ValueError(f"unknown preconditioner {preconditioner!r}; use 'amg', 'amg-smoothed' or 'none'")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    info = SolveInfo()
    h, w, ch = y.shape
    t0 = time.perf_counter()
    stencil, count = affinity_stencil(c, eps=eps)
    t1 = time.perf_counter()
    system = _system_stencil(stencil, count, lam)
    del stencil
    n = h * w
    op64 = _StencilOp(system, torch.float64)
    b = torch.from_numpy(np.ascontiguousarray((lam / (1.0 + lam)) * y.reshape(n, ch).T, dtype=np.float64))
    mg = None
    if preconditioner != "none" and n > 500:
        sq = np.sqrt(count).reshape(n, 1)
        cand = np.concatenate([sq, sq * (c.reshape(n, 3).astype(np.float64) - 0.5)], axis=1)
        mg = _Multigrid(_stencil_to_csr(system), cand, fine=_StencilOp(system, torch.float32),
                        smooth_prolongator=(preconditioner == "amg-smoothed"),
                        degree=2 if preconditioner == "amg-smoothed" else 3)
        info.levels = list(zip(mg.sizes, mg.nnz))
    del system
    t2 = time.perf_counter()
    x, its, res, ok = _block_pcg(op64, b, mg, tol=tol, maxiter=maxiter)
    t3 = time.perf_counter()
    info.iterations, info.residuals, info.converged = its, res, ok
    info.times = {"affinity_s": t1 - t0, "setup_s": t2 - t1, "solve_s": t3 - t2}
    if not ok:
        warnings.warn(f"smoothing did not converge in {maxiter} iterations (residuals {res}); "
                      "raise maxiter or tol", RuntimeWarning, stacklevel=2)
    out = x.numpy().T.reshape(h, w, ch).astype(np.float32)
    return (out, info) if return_info else out


def _block_pcg(a, b, mg, *, tol: float, maxiter: int):
    """Preconditioned CG on the rows of ``b`` (torch ``(k, n)``) at once, with independent
    step sizes per row (colour channel)."""
    import torch

    bn = torch.linalg.vector_norm(b, dim=1)
    bn[bn == 0] = 1.0
    x = torch.zeros_like(b)
    r = b.clone()

    def prec(v):
        if mg is None:
            return v.clone()
        return mg.cycle(v.to(mg.dtype)).to(v.dtype)

    def dot(u, v):
        return (u * v).sum(dim=1, keepdim=True)

    z = prec(r)
    p = z.clone()
    rz = dot(r, z)
    res = torch.linalg.vector_norm(r, dim=1) / bn
    it = 0
    while it < maxiter and bool((res > tol).any()):
        it += 1
        q = a @ p
        pq = dot(p, q)
        alpha = torch.where(pq != 0, rz / torch.where(pq != 0, pq, 1.0), 0.0)
        x += alpha * p
        r -= alpha * q
        res = torch.linalg.vector_norm(r, dim=1) / bn
        if bool((res <= tol).all()):
            break
        z = prec(r)
        rz_new = dot(r, z)
        beta = torch.where(rz != 0, rz_new / torch.where(rz != 0, rz, 1.0), 0.0)
        p = z + beta * p
        rz = rz_new
    return x, it, [float(v) for v in res], bool((res <= tol).all())
