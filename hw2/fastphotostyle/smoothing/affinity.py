"""The matting affinity and the linear system of FastPhotoStyle's photorealistic smoothing.

FastPhotoStyle (Li et al., *A Closed-form Solution to Photorealistic Image
Stylization*, ECCV 2018, eq. 5-6) smooths the PhotoWCT output ``Y`` so that
neighbouring pixels with similar content colours get similar output colours:

``R* = (1 - a) (I - a S)^{-1} Y``,  ``S = D^{-1/2} W D^{-1/2}``,  ``a = 1 / (1 + lam)``

with ``W`` the matting affinity of the content image (Levin et al., *A
Closed-Form Solution to Natural Image Matting*, PAMI 2008: 3x3 windows,
``eps = 1e-7``) and ``D`` its degree matrix, solved for each colour channel.
FastPhotoStyle's default ``beta = a = 0.9999`` is ``lam = 1e-4 / 0.9999``.

This module builds ``W`` as a 25-point stencil (:func:`affinity_stencil`) and the
matrices :func:`matting_affinity`, :func:`matting_laplacian`, :func:`smoothing_matrix`;
:mod:`.solver` solves the system, :mod:`.guided` approximates it.

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

import numpy as np
import scipy.sparse as sp

from ...checks import check_integer, check_number
from ...io import as_image_array

__all__ = ["DEFAULT_EPS", "DEFAULT_LAM", "OFFSETS", "beta_to_lam", "lam_to_beta", "check_lam", "check_eps", "inv_sym3",
           "affinity_stencil", "stencil_to_csr", "system_stencil", "matting_affinity", "matting_laplacian",
           "smoothing_matrix"]

#: regulariser of the matting affinity (Levin et al. 2008; FastPhotoStyle)
DEFAULT_EPS = 1e-7
#: FastPhotoStyle's ``beta = 0.9999`` expressed as the paper's lambda (``beta = 1 / (1 + lam)``)
DEFAULT_LAM = (1.0 - 0.9999) / 0.9999

#: the 25 offsets ``(dy, dx)`` at which two pixels share a 3x3 window, in row-major (CSR column) order:
#: entry ``o`` of a ``(25, H, W)`` stencil links pixel ``(y, x)`` to ``(y + dy, x + dx)``
OFFSETS = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)]
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
def check_lam(lam: float) -> float:
    """``lam`` as a float; ``ValueError`` unless it is a finite number > 0."""
    return check_number(lam, "lam", low=0.0, low_open=True)


def check_eps(eps: float) -> float:
    """The matting regulariser as a float; ``ValueError`` unless it is a finite number > 0 (NaN or infinity
    would make every inverse NaN)."""
    return check_number(eps, "eps", low=0.0, low_open=True)


# --------------------------------------------------------------------------- affinity
def inv_sym3(c: np.ndarray) -> np.ndarray:
    """Inverse of symmetric 3x3 matrices given by their 6 unique entries ``(6, ...)`` = (xx, xy, xz, yy, yz,
    zz), float64, returned in the same layout (cofactors over the determinant; used by the affinity and
    by the guided filter)."""
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
    img = as_image_array(content, name="content", channels=3, dtype=None).astype(np.float64)
    eps = check_eps(eps)
    chunk_rows = check_integer(chunk_rows, "chunk_rows", low=1)
    h, w, _ = img.shape
    padded = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
    st = _window_stencil(padded, eps=eps, chunk_rows=chunk_rows)
    return _fold_border(st, h, w), np.full((h, w), 9.0)


def _fold_border(st: np.ndarray, h: int, w: int) -> np.ndarray:
    """Fold a stencil of the 1-pixel replicate-padded grid onto the original pixels."""
    out = st[:, 1:-1, 1:-1].copy()
    # entries whose source or target lies on the padded ring: re-map both ends to their
    # source pixel (clamping) and add them at the corrected offset
    mask = np.zeros(st.shape, bool)
    mask[:, 0, :] = mask[:, -1, :] = True
    mask[:, :, 0] = mask[:, :, -1] = True
    for o, (dy, dx) in enumerate(OFFSETS):
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
    dys = np.array([d for d, _ in OFFSETS])[o_idx]
    dxs = np.array([d for _, d in OFFSETS])[o_idx]
    sy, sx = np.clip(py - 1, 0, h - 1), np.clip(px - 1, 0, w - 1)
    qy, qx = np.clip(py + dys - 1, 0, h - 1), np.clip(px + dxs - 1, 0, w - 1)
    new_o = (qy - sy + 2) * 5 + (qx - sx + 2)
    np.add.at(out, (new_o, sy, sx), vals)
    return out


def _window_stencil(content, *, eps: float = DEFAULT_EPS, chunk_rows: int = 256) -> np.ndarray:
    """Affinity stencil with 3x3 windows centred on the interior pixels of ``content`` only
    (the reference implementation's windows).

    Parameters and the ``stencil`` layout are those of :func:`affinity_stencil` (without its
    border folding, so the degree is not returned).

    Notes
    -----
    Window statistics and the 3x3 inverses are computed in float64: with ``eps = 1e-7``
    the inverses of flat windows reach ``9e7`` and float32 loses them.
    """
    img = as_image_array(content, name="content", channels=3, dtype=None).astype(np.float64)
    eps = check_eps(eps)
    chunk_rows = check_integer(chunk_rows, "chunk_rows", low=1)
    h, w, _ = img.shape
    if h < 3 or w < 3:
        raise ValueError(f"the matting affinity needs an image of at least 3x3 pixels, got {h}x{w}")
    stencil = np.zeros((25, h, w), np.float64)
    hc, wc = h - 2, w - 2
    idx = {o: i for i, o in enumerate(OFFSETS)}
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
        inv = inv_sym3(cov)
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
    return stencil



def _shifted(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``out[y, x] = a[y + dy, x + dx]`` (zero outside), for |dy|, |dx| <= 2."""
    h, w = a.shape[-2:]
    pad = np.zeros(a.shape[:-2] + (h + 4, w + 4), a.dtype)
    pad[..., 2:h + 2, 2:w + 2] = a
    return pad[..., 2 + dy:2 + dy + h, 2 + dx:2 + dx + w]


def stencil_to_csr(values: np.ndarray, dtype=np.float64) -> sp.csr_matrix:
    """A ``(25, H, W)`` stencil (:data:`OFFSETS`; zero where the neighbour is outside) -> ``(N, N)`` CSR
    matrix over the pixels in row-major order (``N = H W``)."""
    _, h, w = values.shape
    n = h * w
    ys, xs = np.arange(h), np.arange(w)
    dys = np.array([dy for dy, _ in OFFSETS])
    dxs = np.array([dx for _, dx in OFFSETS])
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
    return stencil_to_csr(stencil)


def matting_laplacian(content, *, eps: float = DEFAULT_EPS) -> sp.csr_matrix:
    """The matting Laplacian ``L = D - W`` (Levin et al. 2008, eq. 12): symmetric, rows sum to 0."""
    stencil, count = affinity_stencil(content, eps=eps)
    stencil = -stencil
    stencil[12] += count
    return stencil_to_csr(stencil)


def system_stencil(stencil: np.ndarray, count: np.ndarray, lam: float) -> np.ndarray:
    """The ``(25, H, W)`` stencil of FastPhotoStyle's system matrix ``I - a S``, ``S = D^{-1/2} W D^{-1/2}``,
    ``a = 1/(1+lam)``, from the affinity ``stencil`` and the ``count`` (degree) of :func:`affinity_stencil`."""
    beta = 1.0 / (1.0 + lam)
    dinv = 1.0 / np.sqrt(count)
    out = np.empty_like(stencil)
    for o, (dy, dx) in enumerate(OFFSETS):
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
    lam = check_lam(lam)
    stencil, count = affinity_stencil(content, eps=eps)
    return stencil_to_csr(system_stencil(stencil, count, lam))

