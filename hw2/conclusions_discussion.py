"""The wording of notebook 05 (the methods side by side) that depends on its numbers.

Each function returns markdown (for :func:`hw2.document.prose`) built from the rows of
:func:`hw2.conclusions.comparison_rows` and the facts of :func:`hw2.conclusions.findings`: the reconciliation
of MUNIT's two measurements, our conclusions (one paragraph per method) and the abstract. Every word that a
measurement decides ("the highest of all methods", "did not help") is chosen here, next to the numbers.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from . import claims, ties
from . import conclusions as c
from .document import cite, ref
from .munit.discussion import seed_analyses
from .munit.evaluate import recorded_benchmark
from .munit.method import report_wording

__all__ = ["munit_note", "ranking_rule", "conclusions", "abstract"]

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
draw{"s" if m['draws'] != 1 else ""} of style codes. {report_wording(m['here'])["scale"]}"""


def ranking_rule(n_pairs: int) -> str:
    """The tie rule (:mod:`hw2.ties`) as the conclusions apply it, for ``n_pairs`` pairs."""
    return (f"**Ranks.** With {n_pairs} pairs a mean can lead by a margin that one pair decides, so when we rank "
            f"methods on a measure, {ties.RULE.format(n=n_pairs, cases='pairs')}.")


def _name(method: str) -> str:
    return c.SHORT.get(method, method).replace("\n", " ")


def _standing(F: dict, key: str, method: str, fmt, *, high: bool, words=("the highest", "below")) -> str:
    """Where ``method`` stands on score ``key`` under the tie rule (:mod:`hw2.ties`), reading the largest values
    first when ``high`` (else the smallest): "<words[0]> of all methods on every pair"; "<words[1]> X (value) on
    every pair" when X beats it on each pair; otherwise it is level by the tie rule with the methods neither
    side of which leads on every pair (those ahead of it on average, or all of them when its own mean leads).
    ``fmt(method)`` gives a method's value."""
    scores = F["per_pair"][key]
    if ties.leader(scores, higher=high) == method:
        return f"{words[0]} of all methods on every pair"

    def mean(m):
        return float(np.mean(scores[m])) * (1 if high else -1)   # larger = further ahead

    ahead = [m for m in scores if m != method and ties.beats(scores[m], scores[method], higher=high)]
    if ahead:
        top = max(ahead, key=mean)
        return f"{words[1]} {_name(top)} ({fmt(top)}) on every pair"
    def listed(methods):
        return " and ".join(f"{_name(m)} ({fmt(m)})" for m in methods)

    level = sorted(ties.tied_with(scores, method, higher=high), key=mean, reverse=True)
    if all(mean(m) <= mean(method) for m in scores):
        return f"{words[0]} on average but not on every pair, so by the tie rule level with {listed(level)}"
    return f"level by the tie rule with {listed([m for m in level if mean(m) >= mean(method)])}"


def conclusions(rows: Sequence[dict], outputs: Sequence[c.Output], munit_sizes: dict, *,
                seams: dict | None = None) -> list[str]:
    """Our conclusions, one paragraph per method (and one on the hand-made labels when both FastPhotoStyle
    variants were measured; MUNIT's only when it was), from :func:`hw2.conclusions.comparison_rows`' ``rows``
    and the ``outputs`` they summarise; ``seams``: :func:`hw2.claims.quilt_seams`' result."""
    F, M = c.findings(rows), {r["method"]: r for r in rows}
    seed_rows = claims.seed_comparison(rows, seams=seams)
    gram, free = F["gap"]["style_distance"], F["gap"]["free_style_distance"]
    colour, texture = F["gap"]["colour_distance"], F["gap"]["texture_distance"]
    T, A, SP, SEED_T = ref("tab:05-comparison"), ref("fig:05-all-methods"), ref("fig:05-strength"), ref("tab:05-seed")
    V = ref("fig:05-fps-variants")
    NS, FPS, MUNIT, IQ, MUNIT_SIZES = _NS, _FPS, _MUNIT, _IQ, munit_sizes

    def edge(method):  # a formatter for _standing
        return f"{M[method]['photorealism']:.2f}"

    out = [f"""
* **Neural Style {"stylises most by the Gram distance" if F["leader"]["style_distance"] == NS else "is not the closest on every pair even by the Gram distance"},
  but that is its own loss.** It closes {gram[NS]:.0%} of the Gram gap ({T}, {SP} left), the quantity it
  minimises; by the VGG-free distance it closes {free[NS]:.0%}, {_standing(F, "free_style_distance", NS,
  lambda m: f"{free[m]:.0%}", high=False, words=("the most", "less than"))} ({SP} right).
  It keeps the photo's edges (edge SSIM {M[NS]['photorealism']:.2f}; FastPhotoStyle {M[FPS]['photorealism']:.2f})
  because it optimises the photo itself and paints the textures onto its edges ({A}). It is
  {"the slowest method" if F["slowest"] == NS else "not the slowest method here"} ({ref("tab:05-runtime")}, appendix),
  and its result depends on the iteration budget ({ref("fig:ns-loss")}).""", f"""
* **FastPhotoStyle keeps the photo a photo{" and moves its colours more than its texture" if colour[FPS] > texture[FPS] else ""}.**
  Its edge SSIM, {M[FPS]['photorealism']:.2f}, is {_standing(F, "photorealism", FPS, edge, high=True)}; PhotoWCT
  alone scores {M['PhotoWCT (no smoothing)']['photorealism']:.2f} ({T}): the smoothing buys the realism, as
  the artefacts in the second column of {V} and {ref("tab:fps-methods")} show. It closes {colour[FPS]:.0%} of the colour gap and
  {texture[FPS]:.0%} of the texture gap; the seed's reading, a colour transfer rather than a painting,
  {_VERDICT[seed_rows[0][3]]} ({SEED_T})."""]
    worse, n_scores = len(F["labels_worse"] or []), len(c.SCORES)
    pale = c.palest(outputs, c.HAND_LABELS)
    if F["labels_worse"] is not None and pale is not None:
        out.append(f"""
* **Our hand-made label maps {"did not help" if 2 * worse > n_scores else "helped only in part"}.** With them
  FastPhotoStyle does worse on {_worse_count(worse, n_scores)} of {T}. They lighten the photo of row
  {pale["row"] + 1} of {V} most (the same output as row {pale["row"] + 1} of {ref("fig:fps-photo2monet")}): its mean
  luminance rises from {pale["content_mean"]:.2f} to {pale["output_mean"]:.2f} and it keeps {pale["contrast"]:.0%} of
  the photo's contrast (standard deviation of the luminance){", a pale fog" if pale["pale_fog"] else ""}. A likely
  reason: each region draws only on the painting's region of the same label, and a small or pale region there
  gives a narrow palette.""")
    if MUNIT in gram:  # measured (its weights ship with the package)
        words = report_wording(MUNIT_SIZES["here"])
        out.append(f"""
* **{words["headline"]}** Its outputs keep where sky, field and trees are ({A}), yet its
  content SSIM is {_RANK.get(F["munit_content_rank"], "unranked")} and its edge SSIM
  {_RANK.get(F["munit_edge_rank"], "unranked")} of the three neural methods ({T}): {words["why"]}. It closes
  {gram[MUNIT]:.0%} of the Gram gap, {free[MUNIT]:.0%} of the VGG-free one and {colour[MUNIT]:.0%} of the colour
  gap{f", while its LBP texture moves away from the painting's ({M[MUNIT]['texture_distance']:.2f} against {F['photo']['texture_distance']:.2f} for the photo)"
  if texture[MUNIT] < 0 else f", {texture[MUNIT]:.0%} of the texture gap"}. The seed's claim that reference
  styles do not convince {_VERDICT[seed_rows[1][3]]} ({SEED_T}).{seed_analyses(recorded_benchmark())}""")
    seam = seed_rows[2][3]
    seam_text = ("" if seam == "not measured" else
                 f""" Its joins are closer to {"random blocks' than to invisible ones" if seam == "agrees" else
  "invisible ones than to random blocks'"}: a seam score of {seams['transfer']:.2f} on its last pass's
  {seams['block']} px blocks, against {seams['random']:.2f} for random blocks on the same grid and 1 for joins as
  smooth as the rest, so the seed's observation of visible seams {_VERDICT[seam]} ({SEED_T}).""")
    out.append(f"""
* **Image Quilting is a texture method.** It rebuilds the photo from the painting's patches, keeping the light
  and dark layout but not the edges: its edge SSIM, {M[IQ]['photorealism']:.2f}, is
  {_standing(F, "photorealism", IQ, edge, high=False, words=("the lowest", "above"))} ({T}). For the same
  reason it closes {free[IQ]:.0%} of the VGG-free gap ({SP} right).{seam_text}""")
    return out


def _worse_count(worse: int, n_scores: int) -> str:
    return f"all {n_scores} measures" if worse == n_scores else f"{worse} of the {n_scores} measures"


def abstract(rows: Sequence[dict], n_pairs: int, size: int) -> str:
    """The report's abstract (title page), with the headline numbers of :func:`hw2.conclusions.comparison_rows`'
    ``rows`` on ``n_pairs`` pairs at ``size`` px."""
    F, M = c.findings(rows), {r["method"]: r for r in rows}
    gram, free = F["gap"]["style_distance"], F["gap"]["free_style_distance"]
    colour, texture = F["gap"]["colour_distance"], F["gap"]["texture_distance"]
    NS, FPS, MUNIT, IQ = _NS, _FPS, _MUNIT, _IQ
    return f"""## Abstract

We compare four style-transfer methods on photographs and Monet paintings: FastPhotoStyle ({cite("li2018")}),
Neural Style ({cite("gatys2016")}), MUNIT ({cite("huang2018")}) {report_wording(size)["what"]}, and Image Quilting
({cite("efros2001")}). Each section explains a method, writes out its equations and measures it; this page
summarises the comparison on {n_pairs} shared photo/painting pairs at {size} px on the long side
({ref("tab:headline")}, {ref("fig:summary")}). Content SSIM measures how much of the photo's structure survives and
edge SSIM whether its edges do; the Gram distance compares VGG feature statistics (the loss Neural Style
minimises), and the VGG-free style distance compares colour histograms and local binary patterns, a style measure
no method optimises. Neural Style removes {gram[NS]:.0%} of the photo's Gram distance to the painting and
{free[NS]:.0%} of its VGG-free distance, with an edge SSIM of {M[NS]['photorealism']:.2f}{
', at the highest cost in time' if F['slowest'] == NS else ''}. FastPhotoStyle {"keeps the photo photographic" if M[FPS]['photorealism']
>= c.PHOTOREAL_EDGE_SSIM else "loses part of the photo's edges"} (edge SSIM {M[FPS]['photorealism']:.2f})
and closes {colour[FPS]:.0%} of the colour gap but {texture[FPS]:.0%} of the texture gap. {f"MUNIT keeps the photo's layout (edge SSIM {M[MUNIT]['photorealism']:.2f}). "
if MUNIT in gram else ""}Image
Quilting closes {free[IQ]:.0%} of the VGG-free gap with the painting's own patches, at an edge SSIM of
{M[IQ]['photorealism']:.2f}. {f"Hand-made label maps made FastPhotoStyle worse on {_worse_count(len(F['labels_worse']), len(c.SCORES))}. "
if F["labels_worse"] else ""}Every number in the report is computed by the notebooks that print it."""
