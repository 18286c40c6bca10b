"""Image Quilting pipelines: texture synthesis and texture transfer (Efros & Freeman 2001).

Both take images in ``[0, 1]`` (``(H, W, 3)`` float arrays as given by :func:`hw2.io.to_numpy`,
``(1, 3, H, W)`` tensors, anything :func:`hw2.io.as_image` takes), work on ``(H, W, 3)`` arrays and
return a :class:`hw2.result.Result`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..checks import check_integer, check_number
from ..io import as_image_array, to_tensor
from ..result import Result

from .functional import (BlockMatcher, Term, check_block, correspondence_map, default_overlap,
                         grid_steps, overlap_weight, select_candidate)
from .seams import boundary_cut_mask

__all__ = ["MODES", "QuiltDetails", "synthesize", "transfer", "alpha_schedule", "pass_blocks"]

#: the three ways of joining blocks in the paper's Figure 2
MODES = ("random", "ssd", "cut")


@dataclass
class QuiltDetails:
    """What a quilting run did (``Result.info["details"]``).

    Attributes
    ----------
    sources : list of (y, x)
        Top-left corner in the source texture of each placed block, in placement order.
    cut_cost : float
        Sum over blocks of the error along their minimum boundary cut(s)
        (0 unless ``mode="cut"``).
    blocks, overlaps, alphas : list
        Per pass (one entry for synthesis): block size, overlap, alpha.
    grid : list of (n_y, n_x)
        Per pass: number of blocks down and across.
    images : list of ndarray
        Transfer only: the output after each pass, ``(H, W, 3)`` float32.
    """
    sources: list = field(default_factory=list)
    cut_cost: float = 0.0
    blocks: list = field(default_factory=list)
    overlaps: list = field(default_factory=list)
    alphas: list = field(default_factory=list)
    grid: list = field(default_factory=list)
    images: list = field(default_factory=list)


def _check_size(size) -> tuple[int, int]:
    if np.isscalar(size):
        size = (size, size)
    try:
        h, w = size
        h, w = check_integer(h, "size"), check_integer(w, "size")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"size must be an int or a pair (H, W) of ints, got {size!r}") from exc
    if h < 1 or w < 1:
        raise ValueError(f"output size must be at least 1x1, got {h}x{w}")
    return h, w


def _progress(total: int, enabled: bool, desc: str):
    if not enabled:
        return None
    from tqdm.auto import tqdm  # lazy on purpose: tqdm.auto looks for a notebook front end

    return tqdm(total=total, desc=desc, leave=False)


# --------------------------------------------------------------------------- synthesis
def _paste(region, patch, ov, *, left: bool, top: bool, cut: bool, details, source) -> None:
    """Write ``patch`` into ``region`` (in place), joined along the minimum-error boundary cut
    when ``cut`` and an overlap exists; record the cut cost and the patch's source position."""
    if cut and (left or top):
        mask, cost = boundary_cut_mask(region, patch, ov, left=left, top=top)
        region[mask] = patch[mask]
        details.cut_cost += cost
    else:
        region[...] = patch
    details.sources.append(source)


def synthesize(texture, size, *, block: int = 32, overlap: int | None = None, mode: str = "cut",
               tolerance: float = 0.1, seed: int = 0, progress: bool = False) -> Result:
    """Synthesize a texture by quilting blocks of a sample (Efros & Freeman 2001, section 2).

    Blocks are laid in raster order on a grid with step ``block - overlap``.
    Each block is a window of the sample chosen by ``mode``:

    ``"random"``
        a random window, pasted as it is (Figure 2a).
    ``"ssd"``
        a window whose sum of squared differences (SSD) with the output over
        the overlap (left strip, top strip, or L-shape) is within
        ``(1 + tolerance)`` of the best, pasted as it is (Figure 2b).
    ``"cut"``
        as ``"ssd"``, then joined along the minimum-error boundary cut of the
        overlap (Figure 2c).

    Parameters
    ----------
    texture : ndarray (h, w, 3) or tensor (1, 3, h, w)
        The sample texture, values in ``[0, 1]``.
    size : int or (H, W)
        Output size. Any size: the grid is made large enough and cropped.
    block : int, keyword-only
        Block side in pixels, ``2 <= block <= min(h, w)``.
    overlap : int, optional, keyword-only
        Overlap between neighbouring blocks; default ``round(block / 6)`` (the
        paper's one sixth). ``0 <= overlap < block``.
    mode : {"random", "ssd", "cut"}, keyword-only
    tolerance : float, keyword-only
        ``>= 0``; 0 takes the best window (ties broken at random).
    seed : int, keyword-only
        Seeds every random choice: the same seed gives the same image.

    Returns
    -------
    Result
        ``image``: ``(1, 3, H, W)`` float32 tensor in [0, 1] (:func:`hw2.io.to_numpy` gives the
        ``(H, W, 3)`` array); ``times["total_s"]``; ``info["details"]``: the :class:`QuiltDetails`.

    Notes
    -----
    The error of every candidate window is computed at once by FFT
    (:class:`~hw2.quilting.functional.BlockMatcher`), and the near-best windows
    are re-checked exactly, so the choice equals that of a loop over all
    windows. The paper leaves open how the first block is chosen: here it is a
    random window. With the relative tolerance rule, the window that continues
    the previous block in the sample has zero error when it exists, so runs of
    the sample are copied verbatim (an artefact of the paper's rule, kept).
    """
    t0 = time.perf_counter()
    tex = as_image_array(texture, name="texture", dtype=np.float64)
    H, W = _check_size(size)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    tolerance = check_number(tolerance, "tolerance", low=0.0)
    ov = default_overlap(check_integer(block, "block size", low=2)) if overlap is None else overlap
    check_block(block, ov, tex.shape)
    block, ov = int(block), int(ov)
    rng = np.random.default_rng(seed)
    step = block - ov
    ny, nx = grid_steps(H, block, ov), grid_steps(W, block, ov)
    canvas = np.zeros((ny * step + ov, nx * step + ov, 3))
    matcher = BlockMatcher(tex, block)
    details = QuiltDetails(blocks=[block], overlaps=[ov], alphas=[1.0], grid=[(ny, nx)])
    bar = _progress(ny * nx, progress, "quilting")
    for i in range(ny):
        for j in range(nx):
            y0, x0 = i * step, j * step
            left, top = j > 0 and ov > 0, i > 0 and ov > 0
            region = canvas[y0:y0 + block, x0:x0 + block]
            if mode == "random" or not (left or top):
                y, x = int(rng.integers(matcher.n_y)), int(rng.integers(matcher.n_x))
            else:
                terms = [Term(slice(0, 3), region, overlap_weight(block, ov, left=left, top=top))]
                err, slack = matcher.errors(terms)
                y, x = select_candidate(err, tolerance=tolerance, rng=rng, slack=slack,
                                        exact=lambda ys, xs: matcher.direct_errors(terms, ys, xs))
            _paste(region, tex[y:y + block, x:x + block], ov, left=left, top=top, cut=mode == "cut",
                   details=details, source=(y, x))
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.close()
    out = canvas[:H, :W].astype(np.float32)
    return Result(image=to_tensor(out), times={"total_s": time.perf_counter() - t0}, info={"details": details})


# --------------------------------------------------------------------------- transfer
def alpha_schedule(passes: int) -> list[float]:
    """The paper's weights ``alpha_i = 0.8 (i - 1) / (N - 1) + 0.1`` for passes ``i = 1..N``.

    A single pass gets ``0.1``.
    """
    passes = check_integer(passes, "passes", low=1)
    if passes == 1:
        return [0.1]
    return [0.8 * i / (passes - 1) + 0.1 for i in range(passes)]


def pass_blocks(block: int, passes: int, *, shrink: float = 2 / 3) -> list[int]:
    """Block size of each pass: reduced by a third per pass (``round(block * shrink**i)``), at least 3."""
    block, passes = check_integer(block, "block size", low=2), check_integer(passes, "passes", low=1)
    shrink = check_number(shrink, "shrink", low=0.0, high=1.0, low_open=True)
    return [max(3, int(round(block * shrink ** i))) for i in range(passes)]


def _pad_to(img: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    ph, pw = shape[0] - img.shape[0], shape[1] - img.shape[1]
    if ph == 0 and pw == 0:
        return img
    pad = [(0, ph), (0, pw)] + [(0, 0)] * (img.ndim - 2)
    return np.pad(img, pad, mode="symmetric")


def transfer(texture, target, *, block: int = 36, passes: int = 3, alpha: float | None = None,
             overlap: int | None = None, tolerance: float = 0.1, blur: float = 0.0,
             match_luminance: bool = True, seed: int = 0, progress: bool = False) -> Result:
    """Texture transfer by quilting (Efros & Freeman 2001, section 3).

    Renders ``target`` with blocks of ``texture``. Each block minimises
    ``alpha * E_texture + (1 - alpha) * E_correspondence``, where
    ``E_texture`` is the SSD with the output over the overlap (plus, after the
    first pass, the SSD with the previous pass's output over the whole block)
    and ``E_correspondence`` the SSD between the blocks' correspondence maps
    (luminance, optionally blurred). Blocks are joined by the minimum-error
    boundary cut.

    Parameters
    ----------
    texture : ndarray (h, w, 3) or tensor (1, 3, h, w)
        Source texture, values in ``[0, 1]``.
    target : ndarray (H, W, 3) or tensor (1, 3, H, W)
        Image to render; the output has its size.
    block : int, keyword-only
        Block size of the first pass; each later pass uses two thirds of the
        previous one (:func:`pass_blocks`). Must fit in the texture.
    passes : int, keyword-only
        Number of passes ``N >= 1``.
    alpha : float, optional, keyword-only
        Weight of the texture term, in ``[0, 1]``, used for every pass. Default:
        the paper's schedule ``alpha_i = 0.8 (i-1)/(N-1) + 0.1``
        (:func:`alpha_schedule`).
    overlap : int, optional, keyword-only
        Overlap of the first pass (later passes keep the same fraction of the
        block). Default one sixth of the block.
    tolerance : float, keyword-only
        Choose at random among windows within ``(1 + tolerance)`` of the best.
    blur : float, keyword-only
        Gaussian sigma (pixels) applied to both luminance maps; 0 = none.
    match_luminance : bool, keyword-only
        Shift and scale the texture's luminance map to the mean and standard
        deviation of the target's before matching. Not in the paper: without
        it a dark painting can only render the dark half of a photo.
    seed : int, keyword-only

    Returns
    -------
    Result
        As :func:`synthesize` (``info["details"]`` adds the output after each pass).

    Notes
    -----
    Departures from the paper, which does not fix these details: each error
    term is a mean per pixel and channel (so ``alpha`` weighs terms of equal
    scale); the previous-pass term is added to the overlap term inside
    ``E_texture``; the grid is padded past the target's border (by mirroring
    the target) and cropped.
    """
    t0 = time.perf_counter()
    tex = as_image_array(texture, name="texture", dtype=np.float64)
    tgt = as_image_array(target, name="target", dtype=np.float64)
    if isinstance(passes, bool) or not isinstance(passes, (int, np.integer)) or passes < 1:
        raise ValueError(f"passes must be an integer >= 1, got {passes!r}")
    if alpha is not None:
        alpha = check_number(alpha, "alpha", low=0.0, high=1.0)
    tolerance = check_number(tolerance, "tolerance", low=0.0)
    blur = check_number(blur, "blur (a Gaussian sigma in pixels)", low=0.0)
    block = check_integer(block, "block size", low=2)
    check_block(block, default_overlap(block) if overlap is None else overlap, tex.shape)
    blocks = pass_blocks(block, passes)
    if overlap is None:
        overlaps = [default_overlap(b) for b in blocks]
    else:
        overlaps = [min(b - 1, int(round(overlap * b / block))) for b in blocks]
    alphas = alpha_schedule(passes) if alpha is None else [float(alpha)] * passes

    src_map = correspondence_map(tex, blur=blur)
    tgt_map = correspondence_map(tgt, blur=blur)
    if match_luminance:
        s_std = src_map.std()
        src_map = (src_map - src_map.mean()) / (s_std if s_std > 1e-8 else 1.0) * tgt_map.std() + tgt_map.mean()
    stack = np.concatenate([tex, src_map[..., None]], axis=2)
    H, W = tgt.shape[:2]
    rng = np.random.default_rng(seed)
    details = QuiltDetails(alphas=alphas)
    previous = None
    for p, (b, ov, a) in enumerate(zip(blocks, overlaps, alphas)):
        step = b - ov
        ny, nx = grid_steps(H, b, ov), grid_steps(W, b, ov)
        shape = (ny * step + ov, nx * step + ov)
        tmap = _pad_to(tgt_map, shape)
        prev = _pad_to(previous, shape) if previous is not None else None
        canvas = np.zeros(shape + (3,))
        matcher = BlockMatcher(stack, b)
        full = np.full((b, b), 1.0 / (b * b))
        details.blocks.append(b)
        details.overlaps.append(ov)
        details.grid.append((ny, nx))
        bar = _progress(ny * nx, progress, f"transfer pass {p + 1}/{passes}")
        for i in range(ny):
            for j in range(nx):
                y0, x0 = i * step, j * step
                left, top = j > 0 and ov > 0, i > 0 and ov > 0
                region = canvas[y0:y0 + b, x0:x0 + b]
                terms = []
                if (1.0 - a) > 0:
                    terms.append(Term(slice(3, 4), tmap[y0:y0 + b, x0:x0 + b, None], (1.0 - a) * full))
                if a > 0 and (left or top):
                    w = overlap_weight(b, ov, left=left, top=top)
                    terms.append(Term(slice(0, 3), region, a * w / (3.0 * w.sum())))
                if a > 0 and prev is not None:
                    terms.append(Term(slice(0, 3), prev[y0:y0 + b, x0:x0 + b], a * full / 3.0))
                if terms:
                    err, slack = matcher.errors(terms)
                    y, x = select_candidate(err, tolerance=tolerance, rng=rng, slack=slack,
                                            exact=lambda ys, xs: matcher.direct_errors(terms, ys, xs))
                else:
                    y, x = int(rng.integers(matcher.n_y)), int(rng.integers(matcher.n_x))
                _paste(region, tex[y:y + b, x:x + b], ov, left=left, top=top, cut=True,
                       details=details, source=(y, x))
                if bar is not None:
                    bar.update()
        if bar is not None:
            bar.close()
        previous = canvas[:H, :W]
        details.images.append(previous.astype(np.float32))
    out = previous.astype(np.float32)
    return Result(image=to_tensor(out), times={"total_s": time.perf_counter() - t0}, info={"details": details})
