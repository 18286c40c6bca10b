"""The seams of Image Quilting (Efros & Freeman, SIGGRAPH 2001): the minimum-error boundary cut and
seam diagnostics.

* :func:`min_cut_path` is the minimum-error boundary cut by dynamic programming, with each row of
  the cumulative-cost table computed in one vectorised step; :func:`boundary_cut_mask` applies it to
  the left and top overlaps of a block.
* :func:`seam_ratio` and :func:`block_luminance_spread` measure how visible block seams are.
"""
from __future__ import annotations

import numpy as np

from ..checks import check_integer
from ..io import as_image_array
from .functional import luminance

__all__ = ["min_cut_path", "boundary_cut_mask", "seam_ratio", "block_luminance_spread"]


def _min_cut_batch(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`min_cut_path` for a stack ``(n, rows, cols)`` of surfaces at once."""
    n, rows, cols = cost.shape
    acc = np.full((n, rows, cols + 2), np.inf)
    acc[:, :, 1:-1] = cost
    tmp = np.empty((n, cols))
    for i in range(1, rows):                       # one vectorised step per row
        prev = acc[:, i - 1]
        np.minimum(prev[:, :-2], prev[:, 1:-1], out=tmp)
        np.minimum(tmp, prev[:, 2:], out=tmp)
        acc[:, i, 1:-1] += tmp
    last = acc[:, -1, 1:-1]
    paths = np.empty((n, rows), dtype=np.intp)
    paths[:, -1] = np.argmin(last, axis=1)
    totals = last[np.arange(n), paths[:, -1]]
    table = acc.tolist()                           # the trace-back is 3-wide: plain Python is fastest
    for k in range(n):
        t, j = table[k], int(paths[k, -1]) + 1     # j indexes the padded table
        for i in range(rows - 2, -1, -1):
            r = t[i]
            a, b, c = r[j - 1], r[j], r[j + 1]
            if a <= b and a <= c:
                j -= 1
            elif c < b:
                j += 1
            paths[k, i] = j - 1
    return paths, totals


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
    paths, totals = _min_cut_batch(e[None])
    return paths[0], float(totals[0])


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
        Which neighbours overlap (both: an L-shaped overlap, cut twice -- once
        top to bottom through the left strip, once left to right through the
        top strip -- and the two cuts are combined, as in the paper).

    Returns
    -------
    mask : ndarray of bool, shape (B, B)
        True where the new block is kept (right of the vertical cut and below
        the horizontal cut; the pixels on a cut belong to the new block).
    cost : float
        Total error along the cut(s) (for an L-shape, the sum of both cuts).
    """
    b = new.shape[0]
    mask = np.ones((b, b), dtype=bool)
    if overlap <= 0 or not (left or top):
        return mask, 0.0
    err = ((existing - new) ** 2).sum(axis=2)
    surfaces = ([err[:, :overlap]] if left else []) + ([err[:overlap, :].T] if top else [])
    paths, totals = _min_cut_batch(np.stack(surfaces))
    cols = np.arange(b)
    k = 0
    if left:
        mask &= cols[None, :] >= paths[k][:, None]
        k += 1
    if top:
        mask &= cols[:, None] >= paths[k][None, :]
    return mask, float(totals[0] + totals[1]) if len(totals) == 2 else float(totals[0])


def seam_ratio(image: np.ndarray, block: int, overlap: int) -> float:
    """How much stronger the colour jumps are where blocks meet than elsewhere.

    Mean squared difference between neighbouring pixels across the joins of a
    quilt laid with :func:`hw2.quilting.synthesize` (the bands from one pixel
    before each block's left/top edge to the end of its overlap, where a cut
    may run), divided by the same mean over the other pixels. About 1 means
    invisible joins; random blocks give several times more.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3), values in [0, 1] (anything :func:`hw2.io.as_image_array` takes)
    block, overlap : int
        The grid the quilt was made with: ``block >= 2``, ``0 <= overlap < block``.
    """
    img = as_image_array(image, name="image", dtype=np.float64)
    block, overlap = check_integer(block, "block size", low=2), check_integer(overlap, "overlap", low=0)
    if overlap >= block:
        raise ValueError(f"overlap ({overlap}) must be smaller than the block size ({block})")
    step = block - overlap
    dx = ((img[:, 1:] - img[:, :-1]) ** 2).sum(axis=2)  # jump between columns c and c+1
    dy = ((img[1:] - img[:-1]) ** 2).sum(axis=2)

    def band(length):
        m = np.zeros(length, dtype=bool)
        for start in range(step, length + 1, step):
            m[max(start - 1, 0):min(start + max(overlap, 1), length)] = True
        return m

    bx, by = band(dx.shape[1]), band(dy.shape[0])
    seam = np.concatenate([dx[:, bx].ravel(), dy[by].ravel()])
    rest = np.concatenate([dx[:, ~bx].ravel(), dy[~by].ravel()])
    if seam.size == 0 or rest.size == 0:
        return float("nan")
    return float(seam.mean() / max(rest.mean(), 1e-12))


def block_luminance_spread(image: np.ndarray, block: int) -> float:
    """Standard deviation, over all ``block x block`` windows, of the window's mean luminance.

    What the correspondence term of the transfer can work with: a source whose
    windows all have the same mean brightness (e.g. a texture that is
    coloured noise at the scale of a block) cannot render a photo's light and
    dark regions, however well its pixels match locally.
    """
    lum = luminance(as_image_array(image, dtype=np.float64))
    h, w = lum.shape
    if not 1 <= block <= min(h, w):
        raise ValueError(f"block size {block} does not fit the {h}x{w} image")
    c = np.pad(lum.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    sums = c[block:, block:] - c[:-block, block:] - c[block:, :-block] + c[:-block, :-block]
    return float((sums / block ** 2).std())
