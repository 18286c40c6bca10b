"""The wording of notebook 02 (Neural Style, Gatys et al. 2015, 2016) that depends on its numbers.

Each function returns the markdown paragraphs (for :func:`hw2.document.prose`) that discuss the results of
:mod:`hw2.neural_style.study`, or a table's caption; the notebook only calls and shows them. The words that
depend on a measurement ("are a slow last phase" or "still matter") are chosen here, next to the numbers.
"""
from __future__ import annotations

from typing import Sequence

from ..document import ref, timing
from ..result import Result
from .core import loss_curve

__all__ = ["results_discussion", "texture_discussion", "BENCH_HEADERS", "bench_size", "bench_caption", "bench_speed",
           "bench_textures"]


def results_discussion(results: Sequence[Result], sweep_rows: Sequence[Sequence]) -> list[str]:
    """Four paragraphs on the pairs, the loss curves, the style-weight sweep and colour.

    ``results`` are the runs of :func:`~hw2.neural_style.study.stylize_pairs` (the first pair's loss curve is
    read), ``sweep_rows`` the rows ``(beta, content term, style term, seconds)`` of
    :func:`~hw2.neural_style.study.style_weight_sweep` (lowest, middle and highest beta are quoted).
    """
    loss0 = loss_curve(results[0])
    style0, content0 = loss_curve(results[0], key="style"), loss_curve(results[0], key="content")
    k = min(20, len(style0) // 3)
    early = (loss0[0] - loss0[k]) / max(loss0[0] - loss0[-1], 1e-12)   # share of the decrease in the first k
    (b_lo, c_lo, s_lo, _), (b_mid, c_mid, s_mid, _), (b_hi, c_hi, s_hi, _) = (
        sweep_rows[0], sweep_rows[len(sweep_rows) // 2], sweep_rows[-1])
    return [f"""
**Layout from the photo, surface from the painting.** In all three pairs of {ref('fig:ns-pairs')} the
arrangement of the photo survives: the row of boats and the horizon, the vertical tree trunks and the
path, the outline of the flower. Colours and surface come from the painting: the sunset photo takes on
the haystack's reds and oranges and its short, blotchy strokes; the dark forest is repainted with the
autumn trees' oranges and the river's blue-green. The flower pair is the weakest: the photo's large,
defocused background carries almost no structure at relu4_2, so the optimiser fills it with the iris
bed's small strokes, and mainly the flower's silhouette is left to read.
""", f"""
**Where the time goes.** Starting from the photo, the content term is zero at the first evaluation
and the style term carries the whole loss ({ref('fig:ns-loss')}, right). In the first pair the weighted
style term falls from {style0[0]:.3g} to {style0[k]:.3g} within {k} evaluations, while the content term
rises to {content0[-1]:.3g} by the end. The first {k} evaluations bring {early:.0%} of the total loss's
whole decrease and the other {len(loss0) - 1 - k} the remaining {1 - early:.0%}: the later evaluations
{"are a slow last phase" if early >= 0.75 else "still matter"}, and the Laplacian-pyramid
parameterisation is meant to shorten the whole descent (measured in the appendix).
{ref('tab:ns-pairs')} gives the cost: {timing(f"{min(r.elapsed for r in results):.0f} to "
                                                f"{max(r.elapsed for r in results):.0f} s")} per image on the CPU.
""", f"""
**Style weight.** In {ref('fig:ns-sweep')}, β = {b_lo:g} gives the photo with a light painted texture
and a warmer cast, β = {b_mid:g} (our default) a clear painting in which every object is still
recognisable, and β = {b_hi:g} covers the boats and the shore with the painting's strokes and red-orange
palette. {ref('tab:ns-sweep')} shows the trade: from β = {b_lo:g} to β = {b_hi:g} the unweighted style loss
falls from {s_lo / b_lo:.3g} to {s_hi / b_hi:.3g} while the content term rises from {c_lo:.3g} to
{c_hi:.3g}. Because our losses are means over positions, a given β means the same at any output size.
""", f"""
**Colour.** In {ref('fig:ns-colour')} the plain transfer replaces the forest's greens by the painting's
oranges and blues. Both colour-preserving variants keep the photo's greens: the luminance-only result
carries the brushwork only as light and dark, while the colour-matched result, whose style image was
recoloured with the photo's palette beforehand, keeps some variation of hue inside the strokes.
"""]


def texture_discussion(tex_rows: Sequence[Sequence]) -> list[str]:
    """Two paragraphs on the textures of :func:`~hw2.neural_style.study.texture_rows` (layer, reading, ...,
    style distance): what each depth produces, and one layer alone against the ladder."""
    d = {row[:2]: row[-1] for row in tex_rows}
    return [f"""
**What each depth of texture produces.** The style distance of {ref('tab:ns-textures')} is the relative
difference between the Gram matrices of two images, $\\lVert G^l(x) - G^l(a)\\rVert_F / \\lVert G^l(a)\\rVert_F$,
averaged over relu1_1 to relu5_1 (0 when the statistics agree); it is close
to what synthesis minimises, so it measures convergence, not quality. Up to conv1_1 (distance
{d['conv1_1', 'up to']:.2f}) the layer sees a pixel and its eight neighbours, and the texture in
{ref('fig:ns-textures')} is the painting's palette as fine coloured noise. Up to conv3_1
({d['conv3_1', 'up to']:.2f}) it is made of Monet's strokes: short dabs of pink, violet and green in the
painting's proportions, with darker patches a few strokes wide. Up to conv5_1
({d['conv5_1', 'up to']:.2f}) these grow into pieces of the painting's large-scale arrangement, cut up and
repeated: dark tree masses, the violet flower bed. None of the textures keeps the painting's objects in
place, since a Gram matrix averages over positions, which is why it describes style and can be combined
with a content term.
""", f"""
**One layer alone** loses what the shallower layers pinned down (bottom row of {ref('fig:ns-textures')}).
conv3_1 alone ({d['conv3_1', 'alone']:.2f} against {d['conv3_1', 'up to']:.2f}) is close to the ladder's
texture with noisier colours; conv5_1 alone ({d['conv5_1', 'alone']:.2f} against
{d['conv5_1', 'up to']:.2f}) keeps a coarse arrangement of blobs in saturated greens, magentas and blues
that the painting does not have: at that depth the features barely constrain colour.
"""]


#: headers of :func:`hw2.neural_style.study.benchmark_rows`
BENCH_HEADERS = ["recipe", "stopped", "L-BFGS evaluations", "seconds", "seconds per evaluation"]


def bench_size(speed: dict) -> tuple[int, int]:
    """The output size ``(H, W)`` of the speed benchmark's runs: its photo at 512 px on the longest side."""
    from .. import data  # lazy on purpose: the photo is read only when the benchmark table is shown
    from ..io import load_image

    h, w = load_image(data.find(data.landscapes(), speed["content"]), max_side=1024).shape[-2:]
    s = 512 / max(h, w)
    return max(1, round(h * s)), max(1, round(w * s))


def bench_caption(speed: dict) -> str:
    """The caption of the speed benchmark's table; ``speed`` is its entry of ``benchmarks/results.json``."""
    h, w = bench_size(speed)
    return (f"Neural Style speed at 512 px on the longest side ({h} × {w} px; the Neural Style speed benchmark, "
            f"first pair, {speed['_meta']['machine']['cores']} CPU cores, {speed['threads']} "
            f"thread{'s' if speed['threads'] != 1 else ''}): the paper's recipe against our Laplacian-pyramid "
            "parameterisation, each stopped at the paper's final loss.")


def bench_speed(speed: dict) -> str:
    """What the speed benchmark measured: the Laplacian parameterisation against the paper's recipe, and how
    its seconds per evaluation relate to the per-evaluation timing of the benchmarks table (a square)."""
    h, w = bench_size(speed)
    per_eval = speed["baseline_512_s"] / speed["baseline_512_evals"]
    return f"""
    Moving Laplacian-pyramid bands instead of pixels reaches the loss of the paper's recipe
    ({speed['baseline_512_evals']} evaluations on the pixels) after {speed['ours_512_evals']} evaluations,
    {speed['speedup']:.1f} times sooner in wall time ({ref('tab:ns-bench')}). Solving coarse to fine first
    saves little: the upsampled coarse result lacks the fine strokes that relu1_1 and relu2_1 ask for, so
    the full-size level still needs {speed['coarse_to_fine_512_evals_at_full_size']} evaluations, and the
    coarse ones cost more than that saves. One evaluation of the paper's recipe takes
    {timing(per_eval, "{:.2f}")} s here, at {h} × {w} px; the {timing(speed['s_per_eval_512'], "{:.2f}")} s per
    evaluation of {ref('tab:benchmarks')} is for a 512 × 512 square, {512 * 512 / (h * w):.1f} times as many
    pixels, timed alone."""


def bench_textures(tex: dict) -> str:
    """What the texture benchmark measured: coarse to fine against one scale, in the same wall time."""
    s5, s3 = tex["schedules_conv5_1"], tex["schedules_conv3_1"]
    return f"""
    For texture synthesis (the texture benchmark, {tex['size']} px, the same wall time per schedule),
    the texture up to conv5_1 reaches a style distance of {s5['coarse_to_fine']['style_dist']:.2f} coarse to fine
    and {s5['single_scale']['style_dist']:.2f} at full size only; plain crops of the same painting are at
    {tex['crop_style_dist']:.2f}. Up to conv3_1 the two schedules end at {s3['coarse_to_fine']['style_dist']:.2f}
    and {s3['single_scale']['style_dist']:.2f}, but as sources for Image Quilting's texture transfer the
    coarse-to-fine texture renders the photos with a luminance correlation of
    {tex['transfer_lum_corr']['conv3_1']:.2f}, the single-scale one with
    {s3['single_scale']['transfer_lum_corr']:.2f}: the coarse level supplies structure larger than the layers
    see, which Gram matrices hardly register."""
