"""The optimisation engine of Neural Style (Gatys et al.): style transfer and texture synthesis share it.

An image is optimised so that its VGG19 statistics match targets:

* **Laplacian-pyramid parameterisation** (default; ``parameterization="pixels"`` is the
  paper's): the optimiser moves the bands of a Laplacian pyramid of the image, coarse bands
  damped by :data:`BAND_DECAY` per octave, so one step can change large areas smoothly
  (:func:`laplacian_bands`, :func:`collapse_bands`);
* **coarse-to-fine** levels (:func:`pyramid_sizes`), each starting from the previous result
  upsampled (:func:`run_pyramid`);
* L-BFGS or Adam (:func:`_optimize`); one *evaluation* is one forward and backward pass.

The measurements behind these choices are in :mod:`hw2.neural_style.core`.
"""
from __future__ import annotations

import math
import sys
import time
from typing import Callable, Sequence

import numpy as np
import torch
from tqdm import tqdm

from .. import vgg as _vgg
from ..io import resize_to
from ..result import Result
from .modules import PerceptualLoss

__all__ = ["StopOptimization", "PARAMETERIZATIONS", "BAND_DECAY", "MIN_LEVEL_SIDE", "pyramid_sizes", "laplacian_bands",
           "collapse_bands", "check_size", "min_input_side", "iterations_per_level", "resize_longest_to",
           "run_pyramid", "pyramid_result"]

#: coarse pyramid levels are never smaller than this (shorter side, px)
MIN_LEVEL_SIDE = 64


class StopOptimization(Exception):
    """Raised inside a callback (or returned ``True`` from it) to end the optimisation early."""



# --------------------------------------------------------------------------- helpers
def check_size(size, name: str = "size") -> tuple[int, int] | int:
    """``size`` as an int (>= 1) or an ``(H, W)`` pair of ints; ``ValueError`` naming ``name`` otherwise."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        if size < 1:
            raise ValueError(f"{name} must be >= 1, got {size}")
        return int(size)
    try:
        h, w = size
        h, w = int(h), int(w)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an int or a (height, width) pair, got {size!r}") from None
    if h < 1 or w < 1:
        raise ValueError(f"{name} must be positive, got {size!r}")
    return (h, w)


def min_input_side(layers: Sequence[str]) -> int:
    """Smallest input side for which every layer in ``layers`` can be computed.

    The reflection padding of a 3x3 convolution needs a map of at least 2x2, so
    a convolution in block ``b`` needs an input side of at least ``2**(b-1) + 1``.
    """
    deepest = max(layers, key=_vgg.LAYERS.index)
    idx = _vgg.LAYERS.index(deepest)
    pools_before = sum(1 for n in _vgg.LAYERS[:idx] if n.startswith("pool"))
    return 2 ** pools_before + 1


def pyramid_sizes(size: tuple[int, int], levels: int, *, min_side: int = MIN_LEVEL_SIDE
                  ) -> list[tuple[int, int]]:
    """Sizes of a coarse-to-fine pyramid ending at ``size``, each level half the next.

    At most ``levels`` levels; a coarser level is added only while its shorter
    side stays ``>= min_side`` (so a 32 px output gets one level).

    >>> pyramid_sizes((512, 512), 3)
    [(128, 128), (256, 256), (512, 512)]
    """
    if int(levels) < 1:
        raise ValueError(f"levels must be >= 1, got {levels}")
    h, w = size
    sizes = [(h, w)]
    for k in range(1, int(levels)):
        f = 2 ** k
        ch, cw = max(1, round(h / f)), max(1, round(w / f))
        if min(ch, cw) < min_side:
            break
        sizes.insert(0, (ch, cw))
    return sizes


def iterations_per_level(iterations, n_levels: int, default: Sequence[int]) -> list[int]:
    """Evaluations per level, coarsest first.

    ``None``: ``default`` (its last ``n_levels`` entries). An int ``n``: ``n`` at
    the finest level and twice as many at each coarser one (a coarser level costs
    ~1/4). A sequence: one count per level, coarsest first (its last ``n_levels``
    entries when the pyramid is shorter).
    """
    if iterations is None:
        iterations = default
    if isinstance(iterations, (int, np.integer)) and not isinstance(iterations, bool):
        counts = [int(iterations) * 2 ** (n_levels - 1 - i) for i in range(n_levels)]
    else:
        counts = [int(x) for x in iterations]
        if len(counts) < n_levels:
            counts = [counts[0]] * (n_levels - len(counts)) + counts
        counts = counts[-n_levels:]
    if any(c < 0 for c in counts) or counts[-1] < 1:
        raise ValueError(f"iterations must be >= 0 per level and >= 1 at the finest level, got {iterations!r}")
    return counts


def resize_longest_to(img: torch.Tensor, side: int, min_side: int) -> torch.Tensor:
    """Resize keeping aspect so the longest side is ``side`` (up or down), unless the shorter side would
    fall below ``min_side`` (then the shorter side is ``min_side``); for the style images of each level."""
    h, w = img.shape[-2:]
    s = side / max(h, w)
    s = max(s, min_side / min(h, w))
    return resize_to(img, (max(1, round(h * s)), max(1, round(w * s))))


class _Progress:
    def __init__(self, total: int, enabled: bool, desc: str):
        self.bar = None
        if enabled:
            self.bar = tqdm(total=total, desc=desc, unit="eval", file=sys.stderr, mininterval=0.5,
                            dynamic_ncols=True)

    def update(self, loss: float, size: tuple[int, int]):
        if self.bar is not None:
            self.bar.set_postfix_str(f"{size[0]}x{size[1]} loss={loss:.4g}", refresh=False)
            self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()


#: parameterisations of the optimised image (see :func:`stylize`)
PARAMETERIZATIONS = ("laplacian", "pixels")


def laplacian_bands(x: torch.Tensor, n: int) -> tuple[list[torch.Tensor], list[tuple[int, int]]]:
    """Laplacian pyramid of ``x`` with ``n`` bands, finest first; :func:`collapse_bands` inverts it exactly."""
    sizes = [tuple(x.shape[-2:])]
    for _ in range(n - 1):
        h, w = sizes[-1]
        sizes.append((max(1, (h + 1) // 2), max(1, (w + 1) // 2)))
    bands, cur = [], x
    for k in range(n - 1):
        down = resize_to(cur, sizes[k + 1])
        bands.append(cur - resize_to(down, sizes[k]))
        cur = down
    bands.append(cur)
    return bands, sizes


def collapse_bands(bands: Sequence[torch.Tensor], sizes: Sequence[tuple[int, int]]) -> torch.Tensor:
    """Sum of the bands of :func:`laplacian_bands`, each upsampled to the finest size (differentiable)."""
    x = bands[-1]
    for k in range(len(bands) - 2, -1, -1):
        x = resize_to(x, sizes[k]) + bands[k]
    return x


#: the Laplacian parameterisation optimises band ``k`` (0 = finest) divided by ``BAND_DECAY ** k``,
#: i.e. coarse bands move a little less per unit of gradient than plain bands would. Measured from
#: the content image (L-BFGS, loss of the pixel parameterisation after 250 evaluations at 256 px):
#: plain bands (1.0) reach it after ~110 evaluations, 0.8 after 83, 0.75 after 86, 0.85 after 96;
#: at 128 px, 0.5 and 2.0 were worse than plain bands.
BAND_DECAY = 0.8


def _n_bands(size: tuple[int, int], *, coarsest: int = 8, most: int = 5) -> int:
    n, side = 1, min(size)
    while n < most and side // 2 >= coarsest:
        side //= 2
        n += 1
    return n


def _optimize(x0: torch.Tensor, loss_fn: PerceptualLoss, n_evals: int, *, optimizer: str,
              lr: float | None, record: Callable[[dict], None],
              parameterization: str = "laplacian") -> torch.Tensor:
    """Optimise the image from ``x0`` for ``n_evals`` loss evaluations; returns the image.

    ``parameterization="pixels"`` optimises the pixels (the paper); ``"laplacian"`` the
    bands of a Laplacian pyramid of the image (up to 5, coarsest >= 8 px), which spans the
    same images but lets a gradient step move large areas at once: a step on a coarse
    band is a smooth change over many pixels; band ``k`` is damped by ``BAND_DECAY ** k``.
    With L-BFGS this reaches a given loss in about a third of the evaluations (figures in the
    module docstring and ``hw2.bench.neural_style``).

    ``record(parts)`` is called after every evaluation and may raise
    :class:`StopOptimization`, which is re-raised with the current image attached.
    """
    if parameterization not in PARAMETERIZATIONS:
        raise ValueError(f"unknown parameterization {parameterization!r}; choose from {PARAMETERIZATIONS}")
    x0 = x0.detach().clone().contiguous()
    if parameterization == "laplacian":
        bands, sizes = laplacian_bands(x0, _n_bands(tuple(x0.shape[-2:])))
        scales = [BAND_DECAY ** k for k in range(len(bands))]
        params = [(b / s).contiguous().requires_grad_(True) for b, s in zip(bands, scales)]

        def image() -> torch.Tensor:
            return collapse_bands([q * s for q, s in zip(params, scales)], sizes)
    else:
        params = [x0.requires_grad_(True)]

        def image() -> torch.Tensor:
            return params[0]
    if n_evals <= 0:
        return x0.detach()

    def current() -> torch.Tensor:
        with torch.no_grad():
            return image().detach()

    def evaluate():
        for q in params:
            if q.grad is not None:
                q.grad.zero_()
        total, parts = loss_fn(image())
        if not math.isfinite(parts["total"]):
            raise FloatingPointError("the loss became NaN or infinite; lower lr or the loss weights")
        total.backward()
        record(parts)
        return total

    try:
        if optimizer == "lbfgs":
            # max_iter is not the limit (max_eval is): the loop then stops right after an
            # evaluation, so the image returned is the last one evaluated. Tolerances are
            # zero so that the small, size-normalised gradients never stop it early.
            opt = torch.optim.LBFGS(params, lr=1.0 if lr is None else lr, max_iter=10 * n_evals + 10,
                                    max_eval=n_evals, tolerance_grad=0.0, tolerance_change=0.0,
                                    history_size=50, line_search_fn=None)
            opt.step(evaluate)
        else:
            opt = torch.optim.Adam(params, lr=0.02 if lr is None else lr)
            for _ in range(n_evals):
                evaluate()
                opt.step()
    except StopOptimization as stop:
        stop.image = current()
        raise
    return current()


def run_pyramid(loss_fn: PerceptualLoss, sizes, counts, init: torch.Tensor, set_targets, *,
                optimizer: str, lr, progress: bool, callback, desc: str, t0: float, detail=None,
                parameterization: str = "laplacian"):
    """Optimise an image coarse to fine: the shared loop of :func:`hw2.neural_style.stylize` and
    :func:`hw2.neural_style.synthesize_texture`; returns ``(image, history, stopped)``.

    ``loss_fn`` is a :class:`PerceptualLoss` (or anything with its call signature and ``set_style``);
    ``sizes`` the ``(H, W)`` of each level, coarsest first, and ``counts`` its loss evaluations;
    ``set_targets(size)`` sets the loss's targets for a level; ``callback(record)`` may stop the run
    (returning True). ``detail(size, coarse_size)``, when given, returns an image added to the
    upsampled result at each new level (the content's high frequencies).
    """
    history: list[dict] = []
    bar = _Progress(sum(counts), progress, desc)
    x = init
    level = 0
    size = sizes[0]

    def record(parts):
        rec = dict(level=level, height=size[0], width=size[1], evaluation=len(history),
                   loss=parts["total"], content=parts["content"], style=parts["style"], tv=parts["tv"],
                   time=time.perf_counter() - t0)
        history.append(rec)
        bar.update(rec["loss"], size)
        if callback is not None and callback(rec):
            raise StopOptimization()

    stopped = False
    try:
        for level, (size, n) in enumerate(zip(sizes, counts)):
            if tuple(x.shape[-2:]) != tuple(size):
                coarse = tuple(x.shape[-2:])
                x = resize_to(x, size)
                if detail is not None and level > 0:
                    x = x + detail(size, coarse)
                x = x.clamp_(0, 1)
            set_targets(size)
            x = _optimize(x, loss_fn, n, optimizer=optimizer, lr=lr, record=record,
                          parameterization=parameterization)
    except StopOptimization as stop:
        x = getattr(stop, "image", x)
        stopped = True
    finally:
        bar.close()
    return x.clamp(0, 1), history, stopped



def pyramid_result(image, history, sizes, t0: float, stopped: bool, params: dict) -> Result:
    """The :class:`hw2.result.Result` of :func:`run_pyramid`'s callers: ``times["total_s"]`` since ``t0``;
    ``info``: ``history``, ``sizes``, ``stopped``, ``params``, ``loss`` (the last evaluation's) and ``elapsed``."""
    elapsed = time.perf_counter() - t0
    return Result(image=image, times={"total_s": elapsed},
                  info={"history": history, "sizes": sizes, "stopped": stopped, "params": params,
                        "loss": history[-1]["loss"] if history else float("nan"), "elapsed": elapsed})
