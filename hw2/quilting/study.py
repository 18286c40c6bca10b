"""The experiments of notebook 04 (Image Quilting): each runs :func:`~hw2.quilting.synthesize` or
:func:`~hw2.quilting.transfer` over a set of inputs and returns the images and the rows of the
notebook's table, so the notebook only calls, shows and describes.

Images are ``(H, W, 3)`` float arrays in [0, 1] (inputs: anything :func:`hw2.io.as_image_array` takes).
Every function is deterministic for a given ``seed``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .. import metrics, ties
from ..checks import check_integer
from ..io import as_image_array, to_numpy, to_tensor
from ..neural_style import synthesize_texture
from ..neural_style.texture import source_crops
from .functional import default_overlap, luminance
from .quilt import MODES, synthesize, transfer
from .seams import block_luminance_spread, seam_ratio

__all__ = ["MODE_NAMES", "centre_crop", "compare_modes", "grow", "gatys_sources", "transfer_grid", "luminance_correlation",
           "target_distances", "source_summary"]

#: the joining modes (:data:`~hw2.quilting.MODES`) as the notebook's figures and tables name them
MODE_NAMES = {"random": "random blocks", "ssd": "overlap error", "cut": "overlap error + cut"}


def centre_crop(image, side: int) -> np.ndarray:
    """The centred ``side x side`` crop of an image, ``(side, side, 3)`` float32.

    Raises
    ------
    ValueError
        ``side`` is below 1 or larger than the image's shorter side.
    """
    img = as_image_array(image, name="image")
    h, w = img.shape[:2]
    try:
        side = check_integer(side, "crop side", low=1, high=min(h, w))
    except ValueError:
        raise ValueError(f"crop side must be an integer in [1, {min(h, w)}] for a {h}x{w} image, "
                         f"got {side}") from None
    y, x = (h - side) // 2, (w - side) // 2
    return img[y:y + side, x:x + side]


def compare_modes(source, size: int, *, block: int, tolerance: float = 0.1, seed: int = 0
                  ) -> tuple[dict[str, np.ndarray], list[tuple]]:
    """Quilt ``source`` with each joining mode of the paper's Figure 2 (:data:`~hw2.quilting.MODES`).

    Returns
    -------
    images : dict mode -> (size, size, 3) array
    rows : list of (mode, seconds, seam score)
        The seam score is :func:`~hw2.quilting.seam_ratio` at the block's default overlap.
    """
    images, rows = {}, []
    for mode in MODES:
        r = synthesize(source, size, block=block, mode=mode, tolerance=tolerance, seed=seed)
        images[mode] = to_numpy(r.image)
        rows.append((mode, r.times["total_s"], seam_ratio(images[mode], block, default_overlap(block))))
    return images, rows


def grow(sources: dict[str, object], size: int, blocks: Sequence[int], *, seed: int = 0
         ) -> tuple[dict[tuple[str, int], np.ndarray], list[tuple]]:
    """Quilt each source (name -> image) into a ``size`` square with each block size (minimum cut).

    Returns
    -------
    images : dict (name, block) -> (size, size, 3) array
    rows : list of (name, block, seconds, seam score)
    """
    images, rows = {}, []
    for name, src in sources.items():
        for b in blocks:
            r = synthesize(src, size, block=int(b), seed=seed)
            images[name, int(b)] = to_numpy(r.image)
            rows.append((name, int(b), r.times["total_s"], seam_ratio(images[name, int(b)], int(b),
                                                                      default_overlap(int(b)))))
    return images, rows


def gatys_sources(crop, painting, layers: Sequence[str], *, size: int, iterations, block: int, seed: int = 0
                  ) -> dict:
    """Gram-matrix textures of ``crop`` (Gatys et al. 2015) as quilting sources, with their yardsticks.

    Parameters
    ----------
    crop : image
        The centre crop of ``painting`` the textures are synthesised from.
    painting : image
        The whole painting: its four corner crops (:func:`hw2.neural_style.texture.source_crops`, of the
        crop's side) give the distance two pieces of one painting have.
    layers : sequence of str
        One texture per name, matched "up to" it (:func:`hw2.neural_style.texture_layers`).
    size, iterations : keyword-only
        Side and L-BFGS evaluations per level of :func:`hw2.neural_style.synthesize_texture`.
    block : int, keyword-only
        Window side of the luminance spread (:func:`~hw2.quilting.block_luminance_spread`).

    Returns
    -------
    dict with
        ``textures`` (layer -> (size, size, 3) array), ``runs`` (layer -> :class:`hw2.result.Result`),
        ``rows`` (source, levels (px), evaluations, seconds, style distance to the crop, VGG-free style
        distance to the crop, luminance spread) for each texture, then the crop itself and the mean of the
        corner crops;
        ``corner_distance`` (mean style distance of the corner crops to the crop), ``corner_overlap``
        (fraction of the crop's area each corner shares with it); ``spread`` (source name -> spread).
    """
    crop = as_image_array(crop, name="crop")
    side = crop.shape[0]
    tex_source = to_tensor(crop)
    _, corners, corner_overlap = source_crops(to_tensor(as_image_array(painting, name="painting")), side)
    corner_dist = float(np.mean([metrics.style_distance(c, tex_source) for c in corners]))
    corner_free = float(np.mean([metrics.free_style_distance(c, tex_source) for c in corners]))
    textures, runs, rows, spread = {}, {}, [], {}
    for layer in layers:
        run = synthesize_texture(crop, size=size, layers=layer, iterations=iterations, seed=seed, progress=False)
        textures[layer], runs[layer] = to_numpy(run.image), run
        spread[f"Gatys {layer}"] = block_luminance_spread(textures[layer], block)
        rows.append((f"Gram up to {layer}", " → ".join(str(h) for h, _ in run.sizes), len(run.history),
                     run.elapsed, metrics.style_distance(run.image, tex_source),
                     metrics.free_style_distance(run.image, tex_source), spread[f"Gatys {layer}"]))
    spread["Monet crop"] = block_luminance_spread(crop, block)
    rows.append(("Monet crop (no synthesis)", str(side), 0, 0.0, 0.0, 0.0, spread["Monet crop"]))
    rows.append(("corner crops of the painting (mean of 4)", str(side), 0, 0.0, corner_dist, corner_free,
                 float(np.mean([block_luminance_spread(to_numpy(c), block) for c in corners]))))
    return dict(textures=textures, runs=runs, rows=rows, corner_distance=corner_dist,
                corner_overlap=float(corner_overlap), spread=spread)


def luminance_correlation(output, target) -> float:
    """Pearson correlation of the Rec. 601 luminances of two images of the same size, in [-1, 1].

    Raises
    ------
    ValueError
        The images differ in size.
    """
    a, b = as_image_array(output, name="output", dtype=np.float64), as_image_array(target, name="target",
                                                                                      dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"output {a.shape[:2]} and target {b.shape[:2]} differ in size")
    return float(np.corrcoef(luminance(a).ravel(), luminance(b).ravel())[0, 1])


def transfer_grid(sources: dict[str, object], targets: dict[str, object], *, block: int, passes: int,
                  seed: int = 0, blur: float = 0.0, reference=None) -> tuple[dict[tuple[str, str], object], list[tuple]]:
    """Texture transfer of every target (name -> image) with every source (name -> image).

    ``reference``: an image (the painting's crop) whose texture the results should carry; when given,
    each row adds the result's distance to it.

    Returns
    -------
    results : dict (target, source) -> :class:`hw2.result.Result` (``info["details"]`` has the passes)
    rows : list of (target, source, seconds, luminance correlation with the target[, Gram distance to the
        reference, VGG-free style distance to the reference])
    """
    ref = None if reference is None else to_tensor(as_image_array(reference, name="reference"))
    results, rows = {}, []
    for tname, target in targets.items():
        for sname, src in sources.items():
            r = transfer(src, target, block=block, passes=passes, seed=seed, blur=blur)
            results[tname, sname] = r
            row = (tname, sname, r.times["total_s"], luminance_correlation(r.image, target))
            if ref is not None:
                row += (metrics.style_distance(r.image, ref), metrics.free_style_distance(r.image, ref))
            rows.append(row)
    return results, rows


def target_distances(targets: dict[str, object], reference) -> tuple[float, float]:
    """The yardstick of :func:`transfer_grid`'s distances: the mean Gram and VGG-free style distances of the
    untouched targets to ``reference``."""
    ref = to_tensor(as_image_array(reference, name="reference"))
    imgs = [to_tensor(as_image_array(t, name="target")) for t in targets.values()]
    return (float(np.mean([metrics.style_distance(t, ref) for t in imgs])),
            float(np.mean([metrics.free_style_distance(t, ref) for t in imgs])))


def source_summary(rows: Sequence[tuple], spread: dict[str, float]) -> dict:
    """Per source, the means of :func:`transfer_grid`'s rows, and the sources ranked under the tie rule.

    Returns
    -------
    dict with
        ``rows`` (source, mean luminance correlation[, mean Gram distance, mean VGG-free distance], mean
        seconds) in the sources' first-seen order; ``correlation`` (source -> mean luminance correlation);
        ``per_target`` (source -> its correlations, target by target); ``tiers`` (the sources by
        correlation, best first, :func:`hw2.ties.tiers`: one ranks above another only when it is higher
        for every target); ``distance`` and ``free_distance`` (source -> mean distance, when the rows
        carry them); ``spread`` (source -> luminance spread, from ``spread``).
    """
    names = list(dict.fromkeys(r[1] for r in rows))
    missing = [s for s in names if s not in spread]
    if missing:
        raise ValueError(f"no luminance spread for sources {missing}")
    per = {s: [r for r in rows if r[1] == s] for s in names}
    corr = {s: float(np.mean([r[3] for r in per[s]])) for s in names}
    secs = {s: float(np.mean([r[2] for r in per[s]])) for s in names}
    out = dict(correlation=corr, per_target={s: [r[3] for r in per[s]] for s in names},
               spread={s: spread[s] for s in names})
    out["tiers"] = ties.tiers(out["per_target"])
    if all(len(r) >= 6 for r in rows):
        out["distance"] = {s: float(np.mean([r[4] for r in per[s]])) for s in names}
        out["free_distance"] = {s: float(np.mean([r[5] for r in per[s]])) for s in names}
        out["rows"] = [(s, corr[s], out["distance"][s], out["free_distance"][s], secs[s]) for s in names]
    else:
        out["rows"] = [(s, corr[s], secs[s]) for s in names]
    return out
