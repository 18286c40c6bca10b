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
* the minimum-error boundary cut is in :mod:`.seams` (:func:`~hw2.quilting.seams.min_cut_path`).

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
from scipy.ndimage import gaussian_filter
from numpy.lib.stride_tricks import sliding_window_view

from ..checks import check_integer, check_number
from ..metrics import LUMA_WEIGHTS

__all__ = [
    "luminance", "correspondence_map", "default_overlap",
    "grid_steps", "overlap_weight", "Term", "BlockMatcher", "select_candidate", "check_block",
]



def check_block(block: int, overlap: int, source_shape: Sequence[int], *, name: str = "texture") -> None:
    """Validate a block size and overlap against the source image.

    Raises
    ------
    ValueError
        ``block`` not an integer >= 2, ``overlap`` not an integer >= 0 (NaN included),
        ``overlap >= block``, or a block larger than the source image.
    """
    block = check_integer(block, "block size", low=2)
    overlap = check_integer(overlap, "overlap", low=0)
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
    """Rec. 601 luma (:data:`hw2.metrics.LUMA_WEIGHTS`) of an ``(H, W, 3)`` RGB array -> ``(H, W)`` float64
    (the array form of :func:`hw2.metrics.luminance`, in float64 for the block matching)."""
    return np.asarray(image, dtype=np.float64) @ np.asarray(LUMA_WEIGHTS, dtype=np.float64)


def correspondence_map(image: np.ndarray, *, blur: float = 0.0) -> np.ndarray:
    """The transfer's correspondence quantity: luminance, optionally Gaussian-blurred.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3)
    blur : float, keyword-only
        Standard deviation in pixels of the Gaussian blur (0: none). The paper
        uses "image intensity" or "blurred image intensity".
    """
    blur = check_number(blur, "blur", low=0.0)
    lum = luminance(image)
    if blur > 0:
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
        kernel = spec_kernel.conj()
        prod = spec_source[0] * kernel[0]
        for k in range(1, len(kernel)):
            prod += spec_source[k] * kernel[k]
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
        if len(ys) == 0:
            return total
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
        Bound on the rounding error of ``errors`` (``|errors - exact| <= slack``).
    exact : callable, optional, keyword-only
        ``exact(ys, xs) -> errors`` computed directly. When given, the windows
        whose fate the rounding could change (those within ``slack`` of the best
        or of the threshold) are recomputed exactly, so the set of windows to
        choose from is exactly that of a loop over all candidates. Usually this
        is one or two windows; if more than ``max_exact`` are in doubt, the
        FFT errors are used as they are.

    Returns
    -------
    (y, x) : tuple of int
        Top-left corner of the chosen window in the source.
    """
    tolerance = check_number(tolerance, "tolerance", low=0.0)
    flat = errors.ravel()
    best = float(flat.min())
    factor = 1.0 + tolerance
    cand = None
    if exact is not None and slack > 0:
        near = np.flatnonzero(flat <= best + 2.0 * slack)       # holds the exact minimum
        if len(near) <= max_exact:
            ex_near = np.asarray(exact(*np.divmod(near, errors.shape[1])), dtype=np.float64)
            thr = factor * float(ex_near.min())
            doubt = np.flatnonzero(np.abs(flat - thr) <= slack)
            if len(doubt) <= max_exact:
                sel = flat < thr - slack                        # certainly within the threshold
                if len(doubt):
                    ex_doubt = np.asarray(exact(*np.divmod(doubt, errors.shape[1])), dtype=np.float64)
                    sel[doubt] = ex_doubt <= thr
                sel[near] = ex_near <= thr
                cand = np.flatnonzero(sel)
    if cand is None:
        cand = np.flatnonzero(flat <= factor * max(best, 0.0) + (1.0 + factor) * slack)
    if len(cand) == 0:  # only possible with NaNs; fall back to the arg-min
        cand = np.array([int(np.nanargmin(flat))])
    k = int(cand[rng.integers(len(cand))])
    y, x = divmod(k, errors.shape[1])
    return int(y), int(x)
