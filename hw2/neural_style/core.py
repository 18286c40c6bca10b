"""Entry point :func:`stylize` (Gatys et al. 2016); the engine it shares with texture synthesis is
:mod:`.engine`.

Both optimise an image so that its VGG19 statistics match targets, with the same
engine:

* **Laplacian-pyramid parameterisation** (default; ``parameterization="pixels"`` is
  the paper's): the optimiser moves the bands of a Laplacian pyramid of the image,
  coarse bands damped by :data:`BAND_DECAY` per octave, so one step can change large
  areas smoothly. Measured here at 256 px (L-BFGS from the content image): the loss
  the pixel parameterisation reaches after 250 evaluations is reached after 83
  (3x fewer); at 512 px (``hw2.bench.neural_style``) the pixels' loss after 300
  evaluations is reached after 97, 3.1x sooner in wall time;
* **coarse-to-fine** (``levels=3``; not the default): the image is first optimised
  at a quarter of the output size, then bilinearly upsampled (plus the content's own
  fine detail) and refined at twice the size. Measured here, it saves little or
  nothing: the upsampled result lacks the fine brush texture the full-size style
  loss asks for, so the full-size loss restarts high (about a third of the content
  image's, not near the coarse optimum). At 256 px the full-size level then needs as
  many evaluations as a single-scale run (86 after 60 at 128 px, against 83); at
  512 px it needs 78 instead of 97, but the 150 coarse evaluations cost more than
  that saves (192.5 s against 184.7 s to the benchmark's bar);
* the encoder is cut at the deepest layer used, and all targets (content
  features, style Gram matrices) are computed once per level, without autograd;
* L-BFGS (default) or Adam; one *evaluation* is one forward and backward pass.
  Iteration budgets are counted in evaluations.

References
----------
L. A. Gatys, A. S. Ecker, M. Bethge. *Texture Synthesis Using Convolutional
Neural Networks.* NeurIPS 2015.
L. A. Gatys, A. S. Ecker, M. Bethge. *Image Style Transfer Using Convolutional
Neural Networks.* CVPR 2016.
L. A. Gatys, A. S. Ecker, M. Bethge, A. Hertzmann, E. Shechtman. *Controlling
Perceptual Factors in Neural Style Transfer.* CVPR 2017 (colour preservation).
"""
from __future__ import annotations

import time
from typing import Callable, Sequence

import numpy as np
import torch

from .. import config
from .. import vgg as _vgg
from ..io import as_image, resize_to
from ..result import Result
from . import functional as Fn
from .engine import (MIN_LEVEL_SIDE, PARAMETERIZATIONS, StopOptimization, check_size, collapse_bands,
                     iterations_per_level, laplacian_bands, min_input_side, pyramid_result, pyramid_sizes,
                     resize_longest_to, run_pyramid)
from .modules import PerceptualLoss, as_layer_list

__all__ = [
    "DEFAULT_CONTENT_LAYERS", "DEFAULT_STYLE_LAYERS", "DEFAULT_STYLE_WEIGHT", "DEFAULT_ITERATIONS",
    "stylize", "loss_curve", "pyramid_sizes", "StopOptimization", "PARAMETERIZATIONS",
    "laplacian_bands", "collapse_bands",
]

DEFAULT_CONTENT_LAYERS = ("relu4_2",)
DEFAULT_STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
#: beta (alpha = 1); see :func:`stylize` for how it relates to the paper's ratio
DEFAULT_STYLE_WEIGHT = 10.0
#: L-BFGS evaluations per pyramid level, coarsest first (with ``levels=3``: 128, 256, 512 px for a
#: 512 px output); the default single-scale run uses the last entry
DEFAULT_ITERATIONS = (100, 50, 200)


def loss_curve(result: Result, level: int | None = None, key: str = "loss") -> np.ndarray:
    """Per-evaluation values of ``key`` in ``result.info["history"]`` (all levels, or one; ``-1`` = finest)."""
    history, sizes = result.info["history"], result.info["sizes"]
    if level is not None and level < 0:
        level = len(sizes) + level
    return np.array([h[key] for h in history if level is None or h["level"] == level])


# --------------------------------------------------------------------------- style transfer
def stylize(content, style, *, size: int | tuple[int, int] | None = 512,
            content_layers: Sequence[str] = DEFAULT_CONTENT_LAYERS,
            style_layers: Sequence[str] = DEFAULT_STYLE_LAYERS,
            style_layer_weights: Sequence[float] | None = None,
            content_weight: float = 1.0, style_weight: float = DEFAULT_STYLE_WEIGHT,
            tv_weight: float = 0.0, init: str | torch.Tensor = "content", optimizer: str = "lbfgs",
            parameterization: str = "laplacian", lr: float | None = None, iterations: int | Sequence[int] | None = None, levels: int = 1,
            min_level_side: int = MIN_LEVEL_SIDE, content_detail: bool = True, style_scale: float = 1.0,
            style_blend_weights: Sequence[float] | None = None,
            preserve_color: str | None = None, seed: int = 0,
            device: torch.device | str | None = None, progress: bool = True,
            callback: Callable[[dict], bool | None] | None = None) -> Result:
    """Neural style transfer (Gatys, Ecker & Bethge, CVPR 2016).

    Minimises ``alpha * L_content + beta * sum_l w_l E_l + gamma * TV`` over the
    output image (by default through the bands of its Laplacian pyramid), optionally
    coarse-to-fine.

    Parameters
    ----------
    content : tensor (1, 3, H, W) in [0, 1], array, PIL image or path
        The photograph whose layout is kept.
    style : image or sequence of images
        One or several style images (any sizes). Several images are blended by
        averaging their Gram matrices with ``style_blend_weights``.
    size : int or (int, int) or None, keyword-only
        Output size: an int is the longest side (the content's aspect ratio is
        kept), a pair is ``(H, W)``; ``None`` keeps the content's size. The style
        image's size does not matter (see ``style_scale``). Default 512.
    content_layers : sequence of str
        Layers of the content loss (default ``("relu4_2",)``, as in the paper).
    style_layers : sequence of str
        Layers whose Gram matrices are matched (default relu1_1 ... relu5_1).
    style_layer_weights : sequence of float, optional
        ``w_l`` per style layer; default ``1/len(style_layers)`` as in the paper.
    content_weight, style_weight, tv_weight : float
        ``alpha``, ``beta``, ``gamma`` (finite, ``>= 0``). Defaults 1, 10, 0.
        The paper's ratios alpha/beta = 1e-3 ... 1e-4 refer to summed losses on
        the Caffe VGG19; with our averaged losses on the normalized VGG19 (see
        :mod:`hw2.neural_style.functional`) both terms start out of order 1
        (content loss of white noise ~8, style loss of a photo ~2.5 per layer),
        and beta/alpha = 10 gives a clearly painted result in which the scene
        stays recognisable; 1 is a light touch, 100 nearly a texture.
    init : {"content", "noise", "style"} or tensor
        Starting image at the coarsest level. ``"noise"`` is uniform white noise
        drawn with ``seed``; a tensor is resized to the coarsest size. The paper
        starts from noise; starting from the content converges much faster.
    optimizer : {"lbfgs", "adam"}
        L-BFGS (default, as in the paper; no line search, step 1) or Adam.
    parameterization : {"laplacian", "pixels"}
        What the optimiser moves: the pixels (the paper) or the bands of a Laplacian
        pyramid of the image (default; not in the paper). Both span the same images;
        the pyramid lets one step change large areas smoothly, which reaches a given
        loss in about a third of the evaluations (measured at 128 and 256 px; the
        benchmark measures 512 px).
    lr : float, optional
        Step size: L-BFGS default 1, Adam default 0.02 (pixel units).
    iterations : int or sequence of int, optional
        Loss evaluations per pyramid level, coarsest first (default: the last
        ``levels`` entries of :data:`DEFAULT_ITERATIONS` = ``(100, 50, 200)``, so
        200 for the default single-scale run). An int ``n`` means ``n`` at the
        finest level and twice as many at each coarser one.
    levels : int
        Pyramid levels: 1 (default) is single scale, as in the paper; 3 is
        output/4, output/2, output (coarse-to-fine, which measured no faster
        here: see the module docstring).
    min_level_side : int
        A coarser level is used only while its shorter side is at least this
        (default 64 px), so small outputs get fewer levels.
    content_detail : bool
        With ``init="content"``: when moving to a finer level, add the content's
        high frequencies (the content at that size minus its blurred copy, i.e.
        a Laplacian-pyramid band) to the upsampled result, so the finer level
        starts sharp instead of blurred (default True). Not in the paper.
    style_scale : float
        The style image is resized so that its longest side is ``style_scale``
        times the output's longest side (at every level). ``> 1`` gives finer
        brush strokes, ``< 1`` coarser ones. Default 1.
    style_blend_weights : sequence of float, optional
        One weight ``>= 0`` per style image (normalised to sum 1). Default equal.
    preserve_color : {None, "luminance", "histogram"}
        Keep the content's colours (Gatys et al. 2017, sec. 5). ``"luminance"``:
        transfer on luminance only (the style's luminance is first matched to the
        content's mean and std) and put the content's YIQ chrominance back.
        ``"histogram"``: first give each style image the content's colour mean and
        covariance, then transfer as usual.
    seed : int
        Seed of the noise initialisation (the only random choice).
    device : torch device, optional
        Default :func:`hw2.config.device`.
    progress : bool
        Show a tqdm bar with the current size and loss.
    callback : callable, optional
        Called after every loss evaluation with the history record (a dict, see
        :class:`hw2.result.Result` below); returning ``True`` (or raising
        :class:`StopOptimization`) stops the optimisation and returns the
        current image.

    Returns
    -------
    Result
        ``image`` (1, 3, H, W) float32 in [0, 1] on the CPU; ``times["total_s"]``; ``info``:
        ``history`` (one record per evaluation: ``level`` (0 = coarsest), ``height``, ``width``,
        ``evaluation``, ``loss``, ``content``, ``style``, ``tv`` (weighted parts), ``time`` (s since
        the call started)), ``sizes`` (``(H, W)`` per level, coarsest first), ``loss`` (the last
        evaluation's), ``elapsed`` (= ``times["total_s"]``), ``stopped`` (a callback ended it early),
        ``params`` (the options used). :func:`hw2.neural_style.loss_curve` reads ``history``.

    Raises
    ------
    ValueError
        Empty or non-finite images, negative / NaN weights, unknown layer names,
        unknown option values; the message names the problem.

    Notes
    -----
    Departures from the paper: losses are averaged rather than summed and use
    the normalized VGG19 (hence the different alpha/beta); the optimiser moves
    Laplacian-pyramid bands rather than pixels (``parameterization="pixels"``
    restores the paper); the result is clipped to [0, 1] at the end of each level
    rather than constrained during L-BFGS.
    """
    t0 = time.perf_counter()
    content = as_image(content, name="content")
    styles = [style] if not isinstance(style, (list, tuple)) else list(style)
    if not styles:
        raise ValueError("style: give at least one style image")
    styles = [as_image(s, name=f"style[{i}]" if len(styles) > 1 else "style") for i, s in enumerate(styles)]
    if style_blend_weights is None:
        blend = [1.0] * len(styles)
    else:
        blend = [Fn.check_weight(b, f"style_blend_weights[{i}]") for i, b in enumerate(style_blend_weights)]
        if len(blend) != len(styles):
            raise ValueError(f"style_blend_weights has {len(blend)} entries for {len(styles)} style images")
        if sum(blend) <= 0:
            raise ValueError("style_blend_weights are all zero")
    style_scale = Fn.check_weight(style_scale, "style_scale")
    if style_scale == 0:
        raise ValueError("style_scale must be > 0")
    if optimizer not in ("lbfgs", "adam"):
        raise ValueError(f"unknown optimizer {optimizer!r}; choose 'lbfgs' or 'adam'")
    if lr is not None and (Fn.check_weight(lr, "lr") == 0):
        raise ValueError("lr must be > 0")
    if preserve_color not in (None, False, "luminance", "histogram"):
        raise ValueError(f"unknown preserve_color {preserve_color!r}; choose None, 'luminance' or 'histogram'")
    if not (isinstance(init, torch.Tensor) or init in ("content", "noise", "style")):
        raise ValueError(f"unknown init {init!r}; choose 'content', 'noise', 'style' or give a tensor")
    content_layers = as_layer_list(content_layers, "content_layers")
    style_layers = as_layer_list(style_layers, "style_layers")

    # output size
    if size is None:
        out_size = tuple(content.shape[-2:])
    else:
        size = check_size(size)
        if isinstance(size, int):
            h, w = content.shape[-2:]
            s = size / max(h, w)
            out_size = (max(1, round(h * s)), max(1, round(w * s)))
        else:
            out_size = size
    need = min_input_side(content_layers + style_layers)
    if min(out_size) < need:
        raise ValueError(f"output size {out_size} is too small for layer "
                         f"{max(content_layers + style_layers, key=_vgg.LAYERS.index)}: "
                         f"both sides must be >= {need} px")

    loss_fn = PerceptualLoss(content_layers=content_layers, style_layers=style_layers,
                             style_layer_weights=style_layer_weights, content_weight=content_weight,
                             style_weight=style_weight, tv_weight=tv_weight,
                             device=device if device is not None else config.device())
    dev = loss_fn.device
    sizes = pyramid_sizes(out_size, levels, min_side=max(need, int(min_level_side)))
    counts = iterations_per_level(iterations, len(sizes), DEFAULT_ITERATIONS)

    # colour handling
    content_iq = None
    if preserve_color == "luminance":
        yiq = Fn.rgb_to_yiq(content)
        content_y = yiq[:, :1]
        content_iq = yiq[:, 1:]
        styles = [Fn.match_luminance(Fn.rgb_to_yiq(s)[:, :1], content_y).clamp(0, 1).repeat(1, 3, 1, 1)
                  for s in styles]
        work_content = content_y.clamp(0, 1).repeat(1, 3, 1, 1)
    else:
        if preserve_color == "histogram":
            styles = [Fn.match_color(s, content) for s in styles]
        work_content = content
    work_content = work_content.to(dev)
    styles = [s.to(dev) for s in styles]

    def set_targets(level_size):
        loss_fn.set_content(resize_to(work_content, level_size))
        side = max(1, round(style_scale * max(level_size)))
        loss_fn.set_style([resize_longest_to(s, side, need) for s in styles], blend)

    if isinstance(init, torch.Tensor):
        x0 = as_image(init, name="init", device=dev)
    elif init == "content":
        x0 = work_content
    elif init == "style":
        x0 = styles[0]
    else:
        g = torch.Generator().manual_seed(int(seed))
        x0 = torch.rand((1, 3) + tuple(sizes[0]), generator=g).to(dev)
    x0 = resize_to(x0, sizes[0])

    def detail(level_size, coarse_size):
        fine = resize_to(work_content, level_size)
        return fine - resize_to(resize_to(fine, coarse_size), level_size)

    use_detail = bool(content_detail) and isinstance(init, str) and init == "content"
    image, history, stopped = run_pyramid(loss_fn, sizes, counts, x0, set_targets, optimizer=optimizer,
                                          lr=lr, progress=progress, callback=callback,
                                           desc="stylize", t0=t0, detail=detail if use_detail else None,
                                           parameterization=parameterization)
    image = image.float().cpu()
    if content_iq is not None:
        y = Fn.rgb_to_yiq(image)[:, :1]
        iq = resize_to(content_iq, tuple(image.shape[-2:]))
        image = Fn.yiq_to_rgb(torch.cat([y, iq], dim=1)).clamp(0, 1)
    params = dict(size=tuple(out_size), content_layers=tuple(content_layers), style_layers=tuple(style_layers),
                  style_layer_weights=tuple(loss_fn.style_layer_weights), content_weight=float(content_weight),
                  style_weight=float(style_weight), tv_weight=float(tv_weight),
                  init=init if isinstance(init, str) else "tensor", optimizer=optimizer,
                  parameterization=parameterization, lr=lr,
                  iterations=tuple(counts), levels=len(sizes), content_detail=use_detail,
                  style_scale=float(style_scale),
                  style_blend_weights=tuple(blend), preserve_color=preserve_color or None, seed=int(seed),
                  device=str(dev))
    return pyramid_result(image, history, [tuple(s) for s in sizes], t0, stopped, params)
