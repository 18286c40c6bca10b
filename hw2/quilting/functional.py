"""Array functions of Image Quilting (Efros & Freeman, SIGGRAPH 2001).

Everything here works on ``numpy`` arrays: images are ``(H, W, C)`` floats
(``C = 3`` for RGB in ``[0, 1]``; the transfer adds a luminance channel).
Computation is in ``float64``.

The two costly steps of quilting are made array-wide instead of looping:

* :class:`BlockMatcher` evaluates the weighted sum of squared differences
  (SSD) between a template and *every* ``block x block`` window of the source
  at once, with FFT cross-correlations
  (``SSD = sum w S**2 - 2 sum w P S + sum w P**2``); the source spectrum is
  computed once, so each block costs one small forward FFT per channel and one
  inverse FFT.
* :func:`min_cut_path` is the minimum-error boundary cut by dynamic
  programming, with each row of the cumulative-cost table computed in one
  vectorised step.

The FFT sums carry rounding error (about ``1e-12`` of the error's scale), so
:func:`select_candidate` recomputes the SSD of the near-best windows directly
before applying the tolerance rule: the block chosen is the same as with an
exact loop over candidates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import scipy.fft as sfft
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "LUMA_WEIGHTS", "as_image_array", "luminance", "correspondence_map", "default_overlap",
    "grid_steps", "overlap_weight", "Term", "BlockMatcher", "select_candidate", "min_cut_path",
    "boundary_cut_mask", "check_block",
]

#: Rec. 601 luma weights used for the correspondence map
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])


# --------------------------------------------------------------------------- inputs
def as_image_array(image, name: str = "image") -> np.ndarray:
    """A ``(1, 3, H, W)`` tensor or ``(H, W, 3)`` array -> ``(H, W, 3)`` float64 array.

    Raises
    ------
    ValueError
        The image is empty, has the wrong shape, or holds non-finite values.
    """
    if hasattr(image, "detach"):  # torch tensor
        from ..io import to_numpy

        if image.numel() == 0:
            raise ValueError(f"{name} is empty: shape {tuple(image.shape)}")
        image = to_numpy(image)
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = arr[..., None].repeat(3, axis=2)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"{name} must be an (H, W, 3) array or a (1, 3, H, W) tensor, got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name} is empty: shape {arr.shape}")
    if arr.dtype == np.uint8:
        arr = arr / 255.0
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    return arr


def check_block(block: int, overlap: int, source_shape: Sequence[int], *, name: str = "texture") -> None:
    """Validate a block size and overlap against the source image.

    Raises
    ------
    ValueError
        ``block < 2``, ``overlap < 0``, ``overlap >= block``, or a block larger
        than the source image.
    """
    if int(block) != block or block < 2:
        raise ValueError(f"block size must be an integer >= 2, got {block}")
    if int(overlap) != overlap or overlap < 0:
        raise ValueError(f"overlap must be an integer >= 0, got {overlap}")
    if overlap >= block:
        raise ValueError(f"overlap ({overlap}) must be smaller than the block size ({block})")
    h, w = source_shape[:2]
    if block > min(h, w):
        raise ValueError(f"block size {block} is larger than the {name} ({h}x{w}); "
                         f"use a block of at most {min(h, w)} pixels or a larger {name}")


def default_overlap(block: int) -> int:
    """The paper's overlap: one sixth of the block, rounded, at least 1 pixel."""
    return max(1, int(round(block / 6)))


def grid_steps(length: int, block: int, overlap: int) -> int:
    """Number of blocks along a side so that ``n * (block - overlap) + overlap >= length``."""
    if length < 1:
        raise ValueError(f"output size must be >= 1, got {length}")
    step = block - overlap
    return max(1, -(-(length - overlap) // step))


# --------------------------------------------------------------------------- correspondence
def luminance(image: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of an ``(H, W, 3)`` RGB array -> ``(H, W)``."""
    return np.asarray(image, dtype=np.float64) @ LUMA_WEIGHTS


def correspondence_map(image: np.ndarray, *, blur: float = 0.0) -> np.ndarray:
    """The transfer's correspondence quantity: luminance, optionally Gaussian-blurred.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3)
    blur : float, keyword-only
        Standard deviation in pixels of the Gaussian blur (0: none). The paper
        uses "image intensity" or "blurred image intensity".
    """
    lum = luminance(image)
    if blur < 0:
        raise ValueError(f"blur must be >= 0, got {blur}")
    if blur > 0:
        from scipy.ndimage import gaussian_filter

        lum = gaussian_filter(lum, sigma=float(blur), mode="reflect")
    return lum


# --------------------------------------------------------------------------- overlap SSD
def overlap_weight(block: int, overlap: int, *, left: bool, top: bool) -> np.ndarray:
    """``(block, block)`` 0/1 mask of the overlap with the left and/or top neighbour.

    ``left`` only: a vertical strip; ``top`` only: a horizontal strip; both: the
    L-shaped region of the paper.
    """
    w = np.zeros((block, block))
    if left and overlap:
        w[:, :overlap] = 1.0
    if top and overlap:
        w[:overlap, :] = 1.0
    return w


@dataclass(frozen=True)
class Term:
    """One weighted SSD term ``sum_{u,v,c} weight[u,v] * (S[y+u, x+v, c] - template[u,v,c])**2``.

    Attributes
    ----------
    channels : slice
        Channels of the source stack the term compares (e.g. ``slice(0, 3)`` for RGB).
    template : ndarray, shape (block, block, n_channels)
    weight : ndarray, shape (block, block), non-negative
    """
    channels: slice
    template: np.ndarray
    weight: np.ndarray


class BlockMatcher:
    """Weighted SSD between a template and every window of a source, via FFT.

    Parameters
    ----------
    source : ndarray, shape (h, w, C)
        The image the blocks are cut from (RGB texture, optionally with more
        channels such as the luminance of the transfer).
    block : int
        Side of the square windows.

    Notes
    -----
    For the window at ``(y, x)`` and the terms of :meth:`errors`,
    ``E(y, x) = sum_c corr(S_c**2, W_c) - 2 sum_c corr(S_c, Q_c) + const`` with
    ``W_c`` the summed weights and ``Q_c`` the summed ``weight * template`` of the
    terms on channel ``c``. The correlations are products of spectra: the
    source spectra (``S`` and ``S**2``) are computed once here; the ``W`` part
    is cached per weight pattern (there are only a few: left, top, L-shaped,
    full), so a block costs one forward FFT per channel of ``Q`` plus one
    inverse FFT, whatever the number of candidate windows. The FFT is as large
    as the source (no wrap-around reaches a valid window).
    """

    def __init__(self, source: np.ndarray, block: int):
        s = np.asarray(source, dtype=np.float64)
        if s.ndim == 2:
            s = s[..., None]
        if s.ndim != 3 or s.shape[0] < 1 or s.shape[1] < 1:
            raise ValueError(f"source must be an (h, w, C) array, got shape {s.shape}")
        h, w, c = s.shape
        if block > min(h, w) or block < 1:
            raise ValueError(f"block size {block} does not fit the {h}x{w} source")
        self.source = s
        self.block = int(block)
        self.channels = c
        self.n_y, self.n_x = h - block + 1, w - block + 1
        self.fft_shape = (sfft.next_fast_len(h, real=True), sfft.next_fast_len(w, real=True))
        chw = np.ascontiguousarray(s.transpose(2, 0, 1))
        self._spec = sfft.rfft2(chw, s=self.fft_shape, axes=(1, 2))
        self._spec_sq = sfft.rfft2(chw ** 2, s=self.fft_shape, axes=(1, 2))
        self._weight_cache: dict[bytes, np.ndarray] = {}
        self._windows = sliding_window_view(s, (block, block), axis=(0, 1))  # (ny, nx, C, B, B)
        self._smax2 = float((s ** 2).max()) if s.size else 0.0

    # -------------------------------------------------------------- helpers
    def _spectrum(self, kernel: np.ndarray) -> np.ndarray:
        """rfft2 of a ``(C, B, B)`` kernel zero-padded to the FFT size (separably: rows first)."""
        fh, fw = self.fft_shape
        rows = sfft.rfft(kernel, n=fw, axis=2)
        return sfft.fft(rows, n=fh, axis=1)

    def _correlate(self, spec_kernel: np.ndarray, spec_source: np.ndarray) -> np.ndarray:
        """Valid-window correlation sum over channels, from spectra."""
        prod = np.einsum("chw,chw->hw", spec_source, spec_kernel.conj())
        full = sfft.irfft2(prod, s=self.fft_shape)
        return full[: self.n_y, : self.n_x]

    def _accumulate(self, terms: Sequence[Term]):
        b, c = self.block, self.channels
        weight = np.zeros((c, b, b))
        wtemplate = np.zeros((c, b, b))
        const = 0.0
        for t in terms:
            tmpl = np.asarray(t.template, dtype=np.float64)
            wt = np.asarray(t.weight, dtype=np.float64)
            n = len(range(*t.channels.indices(c)))
            if tmpl.shape != (b, b, n) or wt.shape != (b, b):
                raise ValueError(f"term shapes {tmpl.shape}/{wt.shape} do not match block {b} and {n} channels")
            weight[t.channels] += wt
            wtemplate[t.channels] += wt * tmpl.transpose(2, 0, 1)
            const += float(np.sum(wt[..., None] * tmpl ** 2))
        return weight, wtemplate, const

    def _weight_term(self, weight: np.ndarray) -> np.ndarray:
        key = weight.tobytes()
        hit = self._weight_cache.get(key)
        if hit is None:
            if len(self._weight_cache) > 32:
                self._weight_cache.clear()
            hit = self._correlate(self._spectrum(weight), self._spec_sq)
            self._weight_cache[key] = hit
        return hit

    # -------------------------------------------------------------- API
    def errors(self, terms: Sequence[Term]) -> tuple[np.ndarray, float]:
        """Error of every window for the sum of ``terms``.

        Returns
        -------
        errors : ndarray, shape (h - block + 1, w - block + 1)
            ``errors[y, x]`` is the weighted SSD of the window whose top-left
            corner is ``(y, x)``, up to rounding.
        slack : float
            A bound on the rounding error of ``errors`` (used to decide which
            windows to recompute exactly).
        """
        weight, wtemplate, const = self._accumulate(terms)
        if not weight.any():
            return np.zeros((self.n_y, self.n_x)), 0.0
        used = [k for k in range(self.channels) if wtemplate[k].any()]
        err = self._weight_term(weight) + const
        if used:
            cross = self._correlate(self._spectrum(wtemplate[used]), self._spec[used])
            err = err - 2.0 * cross
        scale = float(weight.sum()) * self._smax2 + const + 1e-300
        return err, 1e-9 * scale

    def direct_errors(self, terms: Sequence[Term], ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        """The same errors computed directly (no FFT) for the windows at ``(ys[k], xs[k])``."""
        ys = np.asarray(ys, dtype=np.intp)
        xs = np.asarray(xs, dtype=np.intp)
        total = np.zeros(len(ys))
        for t in terms:
            win = self._windows[ys, xs][:, t.channels]  # (k, n, B, B)
            diff = win - np.asarray(t.template, dtype=np.float64).transpose(2, 0, 1)[None]
            sq = np.asarray(t.weight, dtype=np.float64)[None, None] * diff ** 2
            total += np.ascontiguousarray(sq).reshape(len(ys), -1).sum(axis=1)
        return total


def select_candidate(errors: np.ndarray, *, tolerance: float, rng: np.random.Generator,
                     slack: float = 0.0, exact: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
                     max_exact: int = 64) -> tuple[int, int]:
    """Pick a window at random among those within ``(1 + tolerance)`` of the best error.

    Parameters
    ----------
    errors : ndarray, shape (n_y, n_x)
        Error of each candidate window (from :meth:`BlockMatcher.errors`).
    tolerance : float, keyword-only
        ``>= 0``. The paper's rule: any window with error ``<= (1 + tolerance) *
        best`` may be chosen, uniformly at random.
    rng : numpy.random.Generator, keyword-only
    slack : float, keyword-only
        Rounding error bound of ``errors``.
    exact : callable, optional, keyword-only
        ``exact(ys, xs) -> errors`` computed directly. When given and at most
        ``max_exact`` windows lie within ``slack`` of the threshold, those are
        recomputed exactly so that ties and the threshold are decided without
        FFT rounding (the result then equals a direct loop over candidates).

    Returns
    -------
    (y, x) : tuple of int
        Top-left corner of the chosen window in the source.
    """
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    flat = errors.ravel()
    best = float(flat.min())
    margin = (2.0 + tolerance) * slack
    cand = np.flatnonzero(flat <= (1.0 + tolerance) * max(best, 0.0) + margin)
    if exact is not None and slack > 0 and len(cand) <= max_exact:
        ys, xs = np.divmod(cand, errors.shape[1])
        ex = np.asarray(exact(ys, xs), dtype=np.float64)
        cand = cand[ex <= (1.0 + tolerance) * ex.min()]
    if len(cand) == 0:  # only possible with NaNs; fall back to the arg-min
        cand = np.array([int(np.nanargmin(flat))])
    k = int(cand[rng.integers(len(cand))])
    y, x = divmod(k, errors.shape[1])
    return int(y), int(x)


# --------------------------------------------------------------------------- minimum cut
def min_cut_path(cost: np.ndarray) -> tuple[np.ndarray, float]:
    """Minimum-error vertical path through a cost surface (the paper's boundary cut).

    The path visits one pixel per row and moves at most one column between
    consecutive rows. Dynamic programming: ``E[i, j] = e[i, j] + min(E[i-1, j-1],
    E[i-1, j], E[i-1, j+1])``, each row computed in one vectorised step; the path
    is traced back from the smallest ``E`` of the last row. Ties go to the
    leftmost column.

    Parameters
    ----------
    cost : ndarray, shape (rows, cols)
        Error surface ``e`` (e.g. the squared difference of the two blocks over
        a vertical overlap).

    Returns
    -------
    path : ndarray of int, shape (rows,)
        Column of the cut in each row.
    total : float
        Sum of ``cost`` along the path (the minimum over all paths).
    """
    e = np.asarray(cost, dtype=np.float64)
    if e.ndim != 2 or e.size == 0:
        raise ValueError(f"cost must be a non-empty 2-D array, got shape {e.shape}")
    rows, cols = e.shape
    acc = np.empty_like(e)
    acc[0] = e[0]
    inf = np.full(1, np.inf)
    for i in range(1, rows):
        prev = acc[i - 1]
        left = np.concatenate([inf, prev[:-1]])
        right = np.concatenate([prev[1:], inf])
        acc[i] = e[i] + np.minimum(np.minimum(left, prev), right)
    path = np.empty(rows, dtype=np.intp)
    path[-1] = int(np.argmin(acc[-1]))
    for i in range(rows - 2, -1, -1):
        j = path[i + 1]
        lo = max(j - 1, 0)
        path[i] = lo + int(np.argmin(acc[i, lo:min(j + 2, cols)]))
    return path, float(acc[-1, path[-1]])


def boundary_cut_mask(existing: np.ndarray, new: np.ndarray, overlap: int, *, left: bool,
                      top: bool) -> tuple[np.ndarray, float]:
    """Where the new block replaces the existing output, after the minimum-error cuts.

    Parameters
    ----------
    existing, new : ndarray, shape (B, B, C)
        The output under the block, and the block.
    overlap : int
        Width of the overlap strips.
    left, top : bool, keyword-only
        Which neighbours overlap (both: an L-shaped overlap, cut twice; the two
        cuts are combined, as in the paper).

    Returns
    -------
    mask : ndarray of bool, shape (B, B)
        True where the new block is kept (right of the vertical cut and below
        the horizontal cut; the pixels on a cut belong to the new block).
    cost : float
        Total error along the cut(s).
    """
    b = new.shape[0]
    mask = np.ones((b, b), dtype=bool)
    total = 0.0
    if overlap <= 0 or not (left or top):
        return mask, total
    err = ((existing - new) ** 2).sum(axis=2)
    cols = np.arange(b)
    if left:
        path, c = min_cut_path(err[:, :overlap])
        mask &= cols[None, :] >= path[:, None]
        total += c
    if top:
        path, c = min_cut_path(err[:overlap, :].T)
        mask &= cols[:, None] >= path[None, :]
        total += c
    return mask, total
