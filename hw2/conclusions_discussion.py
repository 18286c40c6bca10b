"""The wording of notebook 05 (the methods side by side) that depends on its numbers.

Each function returns markdown (for :func:`hw2.document.prose`) built from the rows of
:func:`hw2.conclusions.comparison_rows` and the facts of :func:`hw2.conclusions.findings`: the reconciliation
of MUNIT's two measurements, our conclusions (one paragraph per method) and the abstract. Every word that a
measurement decides ("the highest of all methods", "did not help") is chosen here, next to the numbers.
"""
from __future__ import annotations

from typing import Sequence

from . import conclusions as c
from .document import cite, ref

__all__ = ["munit_note", "conclusions", "abstract"]

_FPS, _NS, _MUNIT, _IQ = c.HEADLINE
_RANK = {1: "the highest", 2: "the second highest", 3: "the lowest"}
_VERDICT = {"agrees": "agrees with our measurements", "disagrees": "disagrees with our measurements",
            "not measured": "could not be checked"}


def munit_note(n_pairs: int, munit_sizes: dict) -> str:
    """Why MUNIT's numbers here and in notebook 03 differ (``munit_sizes``: :func:`hw2.conclusions.munit_sizes`)."""
    m = munit_sizes
    return f"""MUNIT's numbers here and in {ref('tab:munit-metrics')} measure different things, both on test images. Here it
translates each of the {n_pairs} photos once, with the code of its own painting, at {m['here']} px on the long side; the
MUNIT section translates at the training scale ({m['trained']} px on the short side) and measures distributions over {m['eval_photos']} test photos with {m['draws']}
draw{"s" if m['draws'] != 1 else ""} of style codes. Its generators were trained on {m['trained']}-pixel images, so at this size their outputs
are upsampled and soft."""


def conclusions(rows: Sequence[dict], outputs: Sequence[c.Output], munit_sizes: dict) -> list[str]:
    """Our conclusions, one paragraph per method (and one on the hand-made labels when both FastPhotoStyle
    variants were measured; MUNIT's only when it was), from :func:`hw2.conclusions.comparison_rows`' ``rows``
    and the ``outputs`` they summarise."""
    F, M = c.findings(rows), {r["method"]: r for r in rows}
    seed_rows = c.seed_comparison(rows)
    gram, free = F["gap"]["style_distance"], F["gap"]["free_style_distance"]
    colour, texture = F["gap"]["colour_distance"], F["gap"]["texture_distance"]
    best = {k: c.SHORT[v].replace("\n", " ") for k, v in F["best"].items()}
    T, A, SP, SEED_T = ref("tab:05-comparison"), ref("fig:05-all-methods"), ref("fig:05-strength"), ref("tab:05-seed")
    NS, FPS, MUNIT, IQ, MUNIT_SIZES = _NS, _FPS, _MUNIT, _IQ, munit_sizes
    out = [f"""
* **Neural Style {"stylises most by the Gram distance" if F["best"]["style_distance"] == NS else "is not the closest even by the Gram distance"},
  but that is its own loss.** It closes {gram[NS]:.0%} of the Gram gap ({T}, {SP} left), the quantity it
  minimises; by the VGG-free distance it closes {free[NS]:.0%}, {"the most of all methods" if F["best"]["free_style_distance"] == NS
   else f"less than {best['free_style_distance']} ({free[F['best']['free_style_distance']]:.0%})"} ({SP} right).
  It keeps the photo's edges (edge SSIM {M[NS]['photorealism']:.2f}; FastPhotoStyle {M[FPS]['photorealism']:.2f})
  because it optimises the photo itself and paints the textures onto its edges ({A}). It is
  {"the slowest method" if F["slowest"] == NS else "not the slowest method here"} ({ref("tab:05-runtime")}, appendix),
  and its result depends on the iteration budget ({ref("fig:ns-loss")}).""", f"""
* **FastPhotoStyle keeps the photo a photo{" and moves its colours more than its texture" if colour[FPS] > texture[FPS] else ""}.**
  Its edge SSIM, {M[FPS]['photorealism']:.2f}, is {"the highest of all methods" if F["best"]["photorealism"] == FPS
  else f"second to {best['photorealism']}'s {M[F['best']['photorealism']]['photorealism']:.2f}"}, against
  {M['PhotoWCT (no smoothing)']['photorealism']:.2f} for PhotoWCT alone ({T}): the smoothing buys the realism, as
  the artefacts in the third column of {A} and {ref("tab:fps-methods")} show. It closes {colour[FPS]:.0%} of the colour gap and
  {texture[FPS]:.0%} of the texture gap; the seed's reading, a colour transfer rather than a painting,
  {_VERDICT[seed_rows[0][2]]} ({SEED_T})."""]
    worse, n_scores = len(F["labels_worse"] or []), len(c.SCORES)
    fog = c.least_contrast(outputs, c.HAND_LABELS)
    if F["labels_worse"] is not None:
        out.append(f"""
* **Our hand-made label maps {"did not help" if 2 * worse > n_scores else "helped only in part"}.** With them
  FastPhotoStyle does worse on {"all" if worse == n_scores else worse} of the {n_scores} measures of {T}, and in
  row {fog[0] + 1} of {A} it keeps only {fog[1]:.0%} of the photo's contrast (standard deviation of the
  luminance){", a pale fog" if fog[1] < 0.6 else ""}. A likely reason: each region draws only on the painting's
  region of the same label, and a small or pale region there gives a narrow palette.""")
    if MUNIT in gram:  # measured (its weights ship with the package)
        out.append(f"""
* **MUNIT keeps the layout, not the detail.** Its outputs keep where sky, field and trees are ({A}), yet its
  content SSIM is {_RANK.get(F["munit_content_rank"], "unranked")} and its edge SSIM
  {_RANK.get(F["munit_edge_rank"], "unranked")} of the three neural methods ({T}): both punish the softness of
  generators trained on {MUNIT_SIZES['trained']}-pixel images and run at {MUNIT_SIZES['here']} px. It closes
  {gram[MUNIT]:.0%} of the Gram gap, {free[MUNIT]:.0%} of the VGG-free one and {colour[MUNIT]:.0%} of the colour
  gap{f", while its LBP texture moves away from the painting's ({M[MUNIT]['texture_distance']:.2f} against {F['photo']['texture_distance']:.2f} for the photo)"
  if texture[MUNIT] < 0 else f", {texture[MUNIT]:.0%} of the texture gap"}. The seed's claim that reference
  styles do not convince {_VERDICT[seed_rows[1][2]]} ({SEED_T}).""")
    out.append(f"""
* **Image Quilting is a texture method.** It rebuilds the photo from the painting's patches, keeping the light
  and dark layout but not the edges: its edge SSIM, {M[IQ]['photorealism']:.2f}, is
  {"the lowest of all methods" if F["worst"]["photorealism"] == IQ else "not the lowest of the methods"} ({T}). For the same
  reason it closes {free[IQ]:.0%} of the VGG-free gap ({SP} right). Seams stay visible ({A}), as the seed
  observed; the minimum-error cut lowers them ({ref("tab:iq-modes")}).""")
    return out


def abstract(rows: Sequence[dict], n_pairs: int, size: int) -> str:
    """The report's abstract (title page), with the headline numbers of :func:`hw2.conclusions.comparison_rows`'
    ``rows`` on ``n_pairs`` pairs at ``size`` px."""
    F, M = c.findings(rows), {r["method"]: r for r in rows}
    gram, free = F["gap"]["style_distance"], F["gap"]["free_style_distance"]
    colour, texture = F["gap"]["colour_distance"], F["gap"]["texture_distance"]
    NS, FPS, MUNIT, IQ = _NS, _FPS, _MUNIT, _IQ
    return f"""## Abstract

We compare four style-transfer methods on photographs and Monet paintings: FastPhotoStyle ({cite("li2018")}),
Neural Style ({cite("gatys2016")}), MUNIT ({cite("huang2018")}), trained here on a CPU, and Image Quilting
({cite("efros2001")}). Each section explains a method, writes out its equations and measures it; this page
summarises the comparison on {n_pairs} shared photo/painting pairs at {size} px on the long side
({ref("tab:headline")}, {ref("fig:summary")}). Content SSIM measures how much of the photo's structure survives and
edge SSIM whether its edges do; the Gram distance compares VGG feature statistics (the loss Neural Style
minimises), and the VGG-free style distance compares colour histograms and local binary patterns, a style measure
no method optimises. Neural Style removes {gram[NS]:.0%} of the photo's Gram distance to the painting and
{free[NS]:.0%} of its VGG-free distance, with an edge SSIM of {M[NS]['photorealism']:.2f}{
', at the highest cost in time' if F['slowest'] == NS else ''}. FastPhotoStyle {"keeps the photo photographic" if M[FPS]['photorealism']
>= c.PHOTOREAL_EDGE_SSIM else "loses part of the photo's edges"} (edge SSIM {M[FPS]['photorealism']:.2f})
and closes {colour[FPS]:.0%} of the colour gap but {texture[FPS]:.0%} of the texture gap. {f"MUNIT, with our small training budget, keeps the photo's layout but not its detail (edge SSIM {M[MUNIT]['photorealism']:.2f}). "
if MUNIT in gram else ""}Image
Quilting closes {free[IQ]:.0%} of the VGG-free gap with the painting's own patches, at an edge SSIM of
{M[IQ]['photorealism']:.2f}. {"Hand-made label maps made FastPhotoStyle worse on most measures. "
if 2 * len(F["labels_worse"] or []) > len(c.SCORES) else ""}Every number in the report is computed by the notebooks that print it."""
