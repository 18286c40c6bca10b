"""Texture synthesis from VGG19 statistics: Gram matrices (Gatys et al. 2015) or sliced Wasserstein.

:func:`synthesize_texture` starts from seeded white noise and optimises an image (through
the bands of its Laplacian pyramid, see :mod:`hw2.neural_style.core`) so that its VGG19
feature statistics match a source's, coarse to fine. The choices were measured by
``hw2.bench.textures`` (2026-11-30, one thread of a shared 2-core CPU): source the 128 px
centre crop of a Monet painting, 192 px output, Gram loss, the report's budget
(:data:`hw2.profiles.REPORT_TEXTURE`: 50 + 40 + 70 evaluations at 48, 96 and 192 px, 49 s up to conv5_1),
distance ``hw2.metrics.style_distance`` to the crop. For scale: the painting's own corner
crops are at 0.45 from it, noise with the crop's colour histograms at 0.67.

* **Coarse to fine with a downscaled source** (:func:`texture_levels`): a coarse level
  matches the statistics of the source downscaled by the same factor, and its result,
  upsampled, starts the next level. Up to conv5_1 the report's schedule reaches 0.135; the
  same wall time at 192 px only (86 evaluations) 0.163. Up to conv3_1 the distances are
  alike (0.29 coarse to fine, 0.27 at full size only), but the single-scale texture is an
  even noise of strokes: as a source for quilting transfer it renders the photos with a
  luminance correlation of 0.42 against 0.63. Gram matrices average over positions and
  barely register arrangement at scales larger than the layers see; a texture has no
  content image to supply it, and the coarse level does. (In exploratory runs with
  histogram matching, 100 single-scale evaluations up to conv5_1 gave grey noise at 0.67.)
* **Laplacian-pyramid parameterisation**: no gain here; the pixel parameterisation reached
  0.129 in the same time. Once the coarse levels have built the large structures, the
  pyramid's large steps have nothing left to do. It is kept so that textures and
  :func:`~hw2.neural_style.stylize` share one engine.
* **Histogram matching** of each channel to the source afterwards is *off* by default. It
  moved the distance up to conv5_1 from 0.135 to 0.342 (conv1_1: 0.58 to 0.73; conv3_1:
  0.29 to 0.28). It equalises each channel on its own, which breaks the colour
  correlations the Gram matrices had matched, and it stretches the unconverged fine noise.
* **Equal layer weights** (the paper's): in exploratory runs they beat weights relative
  to each target's norm (0.24 against 0.33, 150 + 100 + 100 evaluations), although
  conv3_1's Gram entries then dominate the sum.
* **Sliced Wasserstein loss** (Heitz et al. 2021, ``loss="sliced"``), which matches the
  whole distribution of random projections of the features rather than their second
  moments: in the same time it reached 0.166 against the Gram loss's 0.135, on a distance
  that is the Gram loss's own criterion. It made 131 evaluations to the Gram loss's 160,
  because every projection is sorted. At an equal number of evaluations (exploratory, 100 + 60
  + 60) it was ahead: 0.131 against 0.148.

References
----------
L. A. Gatys, A. S. Ecker, M. Bethge. *Texture Synthesis Using Convolutional Neural
Networks.* NeurIPS 2015.
E. Heitz, K. Vanhoey, T. Chambon, L. Belcour. *A Sliced Wasserstein Loss for Neural
Texture Synthesis.* CVPR 2021.
"""
from __future__ import annotations

import time
from typing import Callable, Sequence

import torch
from torch import nn

from .. import config
from .. import vgg as _vgg
from ..io import as_image, resize_to
from ..result import Result
from . import functional as Fn
from .engine import (check_size, iterations_per_level, min_input_side, pyramid_result, pyramid_sizes,
                     resize_longest_to, run_pyramid)
from .modules import LossParts, as_layer_list

__all__ = ["DEFAULT_TEXTURE_LAYERS", "DEFAULT_TEXTURE_ITERATIONS", "TEXTURE_LOSSES",
           "TextureLoss", "texture_layers", "texture_levels", "synthesize_texture", "source_crops"]

#: Gatys et al. 2015: Gram matrices of conv1_1 and pool1 ... pool4
DEFAULT_TEXTURE_LAYERS = ("conv1_1", "pool1", "pool2", "pool3", "pool4")
#: evaluations per texture level, coarsest first (e.g. 48, 96, 192 px for a 192 px output)
DEFAULT_TEXTURE_ITERATIONS = (150, 100, 100)
#: the statistics a texture can match: Gram matrices or sorted random projections
TEXTURE_LOSSES = ("gram", "sliced")
_MAX_TEXTURE_SOURCE = 512     # a texture source is downscaled to at most this (longest side)
_TEX_MIN = 32                 # coarse levels have a shorter side >= 32 px


def texture_layers(layers: str | Sequence[str], *, ladder: bool = True) -> list[str]:
    """The layers :func:`synthesize_texture` matches for ``layers``.

    * **one name** means "every layer of the ladder up to and including it", as in
      the rows of Gatys et al. 2015, fig. 2:

      - ``poolB`` -> ``conv1_1, pool1, ..., poolB`` (the paper's ladder);
      - ``convB_I`` / ``reluB_I`` -> ``conv1_1, conv2_1, ..., conv(B-1)_1`` (resp.
        ``relu..._1``) followed by the layer itself; so ``conv1_1`` is conv1_1
        alone, ``conv3_1`` is conv1_1 + conv2_1 + conv3_1 and ``conv5_1`` is
        conv1_1 + conv2_1 + conv3_1 + conv4_1 + conv5_1.
    * **several names**, or ``ladder=False``, are used exactly as given (so
      ``texture_layers("conv3_1", ladder=False)`` is conv3_1 alone: the other reading of
      "at conv3_1").

    Raises ``ValueError`` for unknown names.
    """
    if isinstance(layers, str):
        layers = [layers]
    layers = as_layer_list(layers, "layers")
    if len(layers) > 1 or not ladder:
        return layers
    name = layers[0]
    if name.startswith("pool"):
        b = int(name[4:])
        return ["conv1_1"] + [f"pool{k}" for k in range(1, b + 1)]
    kind = "conv" if name.startswith("conv") else "relu"
    b = int(name[4:].split("_")[0])
    below = [f"{kind}{k}_1" for k in range(1, b)]
    return below + ([name] if name not in below else [])


def _block(layer: str) -> int:
    """VGG19 block (1 ... 5) of ``layer``: one plus the number of poolings before it."""
    return sum(1 for n in _vgg.LAYERS[:_vgg.LAYERS.index(layer)] if n.startswith("pool")) + 1


def texture_levels(layers: Sequence[str]) -> int:
    """Default number of coarse-to-fine levels for a set of matched layers: ``min(3, max(1, B - 1))``.

    ``B`` is the deepest layer's block (conv1_1: 1, conv3_1: 3, conv5_1: 5): one level (full
    size only) for blocks 1 and 2, two (output/2, output) for block 3, three (output/4, /2,
    /1) for blocks 4 and 5. A coarse level matches the same layers on the source downscaled
    by the same factor, i.e. structure twice (four times) as large as what they see at full
    size; so "up to conv3_1" is matched over two octaves and "up to conv5_1" over three,
    while "up to conv1_1" stays the finest-scale colour statistics of the paper. Measured
    (module docstring): without the coarse level the conv3_1 texture at the same cost is a
    fine, even noise of strokes; with it, it has the painting's look.
    """
    return min(3, max(1, _block(max(layers, key=_vgg.LAYERS.index)) - 1))


class TextureLoss(nn.Module):
    """Distance between the VGG19 statistics of an image and of a source, summed over layers.

    Parameters
    ----------
    layers : sequence of str, keyword-only
        VGG19 layer names.
    loss : {"gram", "sliced"}
        ``"gram"``: ``mean((G - A)^2)`` per layer, ``G`` the size-normalised Gram matrix
        (Gatys et al. 2015, eq. 4 up to a constant). ``"sliced"``: the sliced Wasserstein
        distance of Heitz et al. 2021 (eq. 7): the features (C channels, M positions) are
        projected on ``C`` random unit directions, each projection is sorted, and
        ``mean((sort(V^T F) - sort(V^T F_source))^2)``; the source's sorted projections are
        resampled to ``M`` quantiles, so the sizes may differ. It matches the whole
        distribution of each projection, not only its second moments.
    layer_weights : {"relative", "equal"}
        ``"relative"``: each layer's term is divided by the same term of an all-zero
        feature map (``mean(A^2)``, resp. ``mean(sort(V^T F_source)^2)``), so each starts
        near 1; ``"equal"``: the paper's equal weights (then the layers with the largest
        activations dominate). Both are divided by the number of layers.
    seed : int
        Seed of the random directions (``"sliced"``).
    device : torch device, optional
    """

    def __init__(self, *, layers: Sequence[str], loss: str = "gram", layer_weights: str = "equal",
                 seed: int = 0, device: torch.device | str | None = None):
        super().__init__()
        if loss not in TEXTURE_LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose from {TEXTURE_LOSSES}")
        if layer_weights not in ("relative", "equal"):
            raise ValueError(f"unknown layer_weights {layer_weights!r}; choose 'relative' or 'equal'")
        self.layers = as_layer_list(layers, "layers")
        self.loss, self.layer_weights = loss, layer_weights
        self.encoder = _vgg.vgg19(self.layers, device=device)
        self._gen = torch.Generator().manual_seed(int(seed))
        self.targets: dict[str, torch.Tensor] = {}
        self.directions: dict[str, torch.Tensor] = {}
        self.weights: dict[str, float] = {}
        self._source: torch.Tensor | None = None

    @property
    def device(self) -> torch.device:
        return next(self.encoder.parameters()).device

    def redraw(self) -> None:
        """Draw new random directions (``"sliced"``) and recompute the targets."""
        if self.loss == "sliced" and self._source is not None:
            self.set_style([self._source], redraw=True)

    @torch.no_grad()
    def set_style(self, styles: Sequence[torch.Tensor], weights=None, *, redraw: bool = True) -> None:
        """Compute the targets from the source ``styles[0]`` (1, 3, H, W) (signature of
        :meth:`PerceptualLoss.set_style`, so :func:`hw2.neural_style.engine.run_pyramid` can use it)."""
        source = styles[0].to(self.device)
        self._source = source
        feats = self.encoder(source, self.layers)
        for name in self.layers:
            f = feats[name][0].flatten(1)                              # (C, M)
            if self.loss == "gram":
                t = Fn.gram_matrix(feats[name])[0]
            else:
                if redraw or name not in self.directions:
                    v = torch.randn(f.shape[0], f.shape[0], generator=self._gen, dtype=torch.float32)
                    self.directions[name] = (v / v.norm(dim=0, keepdim=True)).to(self.device)
                t = torch.sort(self.directions[name].T @ f, dim=1).values   # (K, M)
            self.targets[name] = t
            scale = float(t.pow(2).mean()) if self.layer_weights == "relative" else 1.0
            self.weights[name] = 1.0 / (len(self.layers) * max(scale, 1e-12))

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, LossParts]:
        """Weighted loss of ``image`` (1, 3, H, W) and its parts (``style`` = total)."""
        if not self.targets:
            raise RuntimeError("call set_style([source]) before evaluating the loss")
        feats = self.encoder(image, self.layers)
        total = image.new_zeros(())
        for name in self.layers:
            if self.loss == "gram":
                term = Fn.style_loss(feats[name], self.targets[name])
            else:
                term = Fn.sliced_wasserstein_loss(feats[name], self.targets[name], self.directions[name])
            total = total + self.weights[name] * term
        v = float(total.detach())
        return total, LossParts(total=v, content=0.0, style=v, tv=0.0)


def synthesize_texture(source, *, size: int | tuple[int, int] = 256,
                       layers: str | Sequence[str] = DEFAULT_TEXTURE_LAYERS,
                       ladder: bool = True, iterations: int | Sequence[int] | None = None,
                       levels: int | None = None,
                       loss: str = "gram", layer_weights: str = "equal", redraw_every: int = 25,
                       seed: int = 0, histogram_match: bool = False, parameterization: str = "laplacian",
                       device: torch.device | str | None = None, progress: bool = True,
                       callback: Callable[[dict], bool | None] | None = None) -> Result:
    """Texture synthesis by matching VGG19 statistics (Gatys, Ecker & Bethge, NeurIPS 2015).

    Starts from uniform white noise drawn with ``seed`` at the coarsest level and
    optimises it with L-BFGS (through its Laplacian-pyramid bands) so that its statistics
    at ``layers`` match those of ``source``; each finer level starts from the previous
    result, bilinearly upsampled.

    Parameters
    ----------
    source : tensor (1, 3, H, W) in [0, 1], array, PIL image or path
        The texture example, used at its own resolution (texture elements keep their size
        in pixels whatever the output size); downscaled first to at most 512 px.
    size : int or (int, int), keyword-only
        Output size: an int gives a square, a pair is ``(H, W)``.
    layers : str or sequence of str
        One name means "up to and including" (``"conv3_1"`` = conv1_1 + conv2_1 +
        conv3_1); several names are used as given (:func:`texture_layers`). Default:
        conv1_1, pool1 ... pool4, the paper's model.
    ladder : bool
        False: a single name is that layer alone (see :func:`texture_layers`).
    iterations : int or sequence of int, optional
        L-BFGS evaluations per level, coarsest first (default ``(150, 100, 100)``, its last
        entries when there are fewer levels); an int ``n`` is ``n`` at full size, ``2n`` at
        half size and ``4n`` at quarter size.
    levels : int, optional
        Coarse-to-fine levels (output/4, /2, /1); a coarse level is used only while its
        shorter side is >= 32 px and the deepest layer fits. Default
        :func:`texture_levels` (conv1_1: 1, conv3_1: 2, conv4_1 and conv5_1: 3).
    loss : {"gram", "sliced"}
        Gram matrices (Gatys et al.) or the sliced Wasserstein loss (Heitz et al. 2021);
        see :class:`TextureLoss`.
    layer_weights : {"relative", "equal"}
        See :class:`TextureLoss` (default ``"relative"``; ``"equal"`` is the paper's).
    redraw_every : int
        ``loss="sliced"`` only: new random directions every this many evaluations (the
        L-BFGS memory is reset then, since the objective changes).
    seed : int
        Seed of the initial noise and of the random directions.
    histogram_match : bool
        Match each colour channel's histogram to the source's at the end (default False:
        measured to move the texture's Gram statistics away from the source's, see the
        module docstring).
    parameterization : {"laplacian", "pixels"}
        See :func:`hw2.neural_style.stylize`.
    device : torch device, optional
    progress : bool
        Show a tqdm bar with the current loss.
    callback : callable, optional
        Called after every evaluation with its record (see ``history`` below); returning True
        stops early.

    Returns
    -------
    Result
        As :func:`hw2.neural_style.stylize` returns it (``image``, ``times``, ``info`` with ``history``,
        ``sizes``, ``loss``, ``stopped``, ``params``).

    Raises
    ------
    ValueError
        Unknown layers or options, an empty or non-finite source, a size too small for
        the deepest layer.
    """
    t0 = time.perf_counter()
    source = as_image(source, name="source")
    size = check_size(size)
    out_size = (size, size) if isinstance(size, int) else size
    match_layers = texture_layers(layers, ladder=ladder)
    need = min_input_side(match_layers)
    if min(out_size) < need:
        raise ValueError(f"size {out_size} is too small for layer {match_layers[-1]}: both sides must be >= {need} px")
    if levels is not None and (isinstance(levels, bool) or int(levels) != levels or levels < 1):
        raise ValueError(f"levels must be an integer >= 1, got {levels!r}")
    if int(redraw_every) < 1:
        raise ValueError(f"redraw_every must be >= 1, got {redraw_every!r}")
    if max(source.shape[-2:]) > _MAX_TEXTURE_SOURCE:
        source = resize_longest_to(source, _MAX_TEXTURE_SOURCE, 1)
    loss_fn = TextureLoss(layers=match_layers, loss=loss, layer_weights=layer_weights, seed=seed,
                          device=device if device is not None else config.device())
    dev = loss_fn.device
    source = source.to(dev)
    n_levels = texture_levels(match_layers) if levels is None else int(levels)
    sizes = pyramid_sizes(out_size, n_levels, min_side=max(need, _TEX_MIN))
    counts = iterations_per_level(iterations, len(sizes), DEFAULT_TEXTURE_ITERATIONS)
    if loss == "sliced":   # fresh directions (and a fresh L-BFGS) every redraw_every evaluations
        chunks = [[min(int(redraw_every), n - k) for k in range(0, n, int(redraw_every))] or [0] for n in counts]
        level_of = [i for i, c in enumerate(chunks) for _ in c]
        sizes, counts = [sizes[i] for i in level_of], [n for c in chunks for n in c]

    def set_targets(level_size):
        f = level_size[0] / out_size[0]
        sh, sw = source.shape[-2:]
        src = resize_to(source, (max(need, round(sh * f)), max(need, round(sw * f)))) if f != 1 else source
        loss_fn.set_style([src])

    g = torch.Generator().manual_seed(int(seed))
    x0 = torch.rand((1, 3) + tuple(sizes[0]), generator=g).to(dev)
    image, history, stopped = run_pyramid(loss_fn, sizes, counts, x0, set_targets, optimizer="lbfgs", lr=None,
                                           progress=progress, callback=callback, desc="texture", t0=t0,
                                           parameterization=parameterization)
    image = image.float().cpu()
    if histogram_match:
        image = Fn.match_histograms(image, source.float().cpu()).clamp(0, 1)
    distinct = list(dict.fromkeys(tuple(s) for s in sizes))
    for rec in history:   # level = index among distinct sizes (sliced chunks share a level)
        rec["level"] = distinct.index((rec["height"], rec["width"]))
    params = dict(size=tuple(out_size), layers=tuple(match_layers), loss=loss, layer_weights=layer_weights,
                  levels=len(distinct), iterations=tuple(iterations_per_level(iterations, len(distinct),
                                                                              DEFAULT_TEXTURE_ITERATIONS)),
                  redraw_every=int(redraw_every) if loss == "sliced" else None, seed=int(seed),
                  histogram_match=bool(histogram_match), parameterization=parameterization, device=str(dev))
    return pyramid_result(image, history, distinct, t0, stopped, params)


def source_crops(image: torch.Tensor, side: int) -> tuple[torch.Tensor, list[torch.Tensor], float]:
    """A texture source and its natural yardstick: the centre crop and the four corner crops.

    Parameters
    ----------
    image : torch.Tensor, shape (1, 3, H, W)
    side : int
        Crop side in pixels (``<= min(H, W)``).

    Returns
    -------
    centre : (1, 3, side, side) tensor
    corners : list of four (1, 3, side, side) tensors (top-left, top-right, bottom-left, bottom-right)
    overlap : float
        Fraction of the centre crop's area each corner shares with it: 0 when ``H, W >= 3 side``
        (the crops are disjoint), 0.25 for a 256 px image and 128 px crops.
    """
    h, w = image.shape[-2:]
    if min(h, w) < side:
        raise ValueError(f"image {h}x{w} is smaller than the {side} px crop")
    y, x = (h - side) // 2, (w - side) // 2
    centre = image[..., y:y + side, x:x + side]
    corners = [image[..., r:r + side, c:c + side] for r in (0, h - side) for c in (0, w - side)]
    oy, ox = max(0, side - y), max(0, side - x)        # the top-left corner's overlap with the centre
    return centre, corners, (oy * ox) / side ** 2
