"""A direct, loop-over-candidates Image Quilting synthesis: the yardstick of the benchmark.

This is the textbook way to write the algorithm (and how public Python
implementations do it): for every block, loop over every window of the sample,
compute its overlap SSD, keep those within the tolerance, and cut the overlap
with a plain-Python dynamic program. It makes the same choices as
:func:`hw2.quilting.synthesize` with ``mode="cut"`` (same grid, same random
draws, same tie rules), so the two can be compared on time and on the total
boundary-cut cost. Use small sizes: it takes minutes at 512x512.
"""
from __future__ import annotations

import numpy as np

from ..checks import check_number
from ..io import as_image_array
from .functional import check_block, default_overlap, grid_steps

__all__ = ["naive_min_cut", "naive_synthesize"]


def naive_min_cut(cost: np.ndarray) -> tuple[list[int], float]:
    """Minimum vertical cut through ``cost`` (rows x cols) with Python loops; ties to the left."""
    rows, cols = cost.shape
    acc = [[float(v) for v in cost[0]]]
    for i in range(1, rows):
        prev = acc[-1]
        row = []
        for j in range(cols):
            best = prev[j]
            if j > 0 and prev[j - 1] < best:
                best = prev[j - 1]
            if j + 1 < cols and prev[j + 1] < best:
                best = prev[j + 1]
            row.append(float(cost[i, j]) + best)
        acc.append(row)
    last = acc[-1]
    j = min(range(cols), key=lambda k: (last[k], k))
    path = [j]
    for i in range(rows - 2, -1, -1):
        lo, hi = max(j - 1, 0), min(j + 1, cols - 1)
        j = min(range(lo, hi + 1), key=lambda k: (acc[i][k], k))
        path.append(j)
    path.reverse()
    return path, last[path[-1]]


def naive_synthesize(texture, size, *, block: int = 32, overlap: int | None = None,
                     tolerance: float = 0.1, seed: int = 0) -> tuple[np.ndarray, float]:
    """Quilting synthesis with minimum-error cuts, one candidate window at a time.

    Parameters and conventions as :func:`hw2.quilting.synthesize` (``mode="cut"``).

    Returns
    -------
    image : ndarray, shape (H, W, 3), float32
    cut_cost : float
        Total error along all boundary cuts.
    """
    tex = as_image_array(texture, name="texture", dtype=np.float64)
    H, W = (size, size) if np.isscalar(size) else tuple(int(s) for s in size)
    tolerance = check_number(tolerance, "tolerance", low=0.0)
    ov = default_overlap(block) if overlap is None else overlap
    check_block(block, ov, tex.shape)
    rng = np.random.default_rng(seed)
    step = block - ov
    ny, nx = grid_steps(H, block, ov), grid_steps(W, block, ov)
    canvas = np.zeros((ny * step + ov, nx * step + ov, 3))
    n_y, n_x = tex.shape[0] - block + 1, tex.shape[1] - block + 1
    total_cut = 0.0
    for i in range(ny):
        for j in range(nx):
            y0, x0 = i * step, j * step
            left, top = j > 0 and ov > 0, i > 0 and ov > 0
            region = canvas[y0:y0 + block, x0:x0 + block]
            if not (left or top):
                y, x = int(rng.integers(n_y)), int(rng.integers(n_x))
            else:
                mask = np.zeros((block, block, 1))
                if left:
                    mask[:, :ov] = 1.0
                if top:
                    mask[:ov, :] = 1.0
                errors = np.empty((n_y, n_x))
                for yy in range(n_y):          # every candidate window, one by one
                    for xx in range(n_x):
                        patch = tex[yy:yy + block, xx:xx + block]
                        errors[yy, xx] = np.sum(mask * (patch - region) ** 2)
                best = errors.min()
                keep = np.flatnonzero(errors.ravel() <= (1.0 + tolerance) * best)
                y, x = divmod(int(keep[rng.integers(len(keep))]), n_x)
            patch = tex[y:y + block, x:x + block]
            keep_new = np.ones((block, block), dtype=bool)
            if left or top:
                err = ((region - patch) ** 2).sum(axis=2)
                if left:
                    path, c = naive_min_cut(err[:, :ov])
                    total_cut += c
                    for r in range(block):
                        keep_new[r, :path[r]] = False
                if top:
                    path, c = naive_min_cut(err[:ov, :].T)
                    total_cut += c
                    for col in range(block):
                        keep_new[:path[col], col] = False
            region[keep_new] = patch[keep_new]
    return canvas[:H, :W].astype(np.float32), total_cut
