"""The wording of notebook 01 (FastPhotoStyle, Li et al., ECCV 2018) that depends on its numbers.

Each function returns markdown for :func:`hw2.document.prose` (or a caption, or a table's rows and headers);
the notebook only calls it and shows the result. The sentences sit here, next to the numbers they format, so
that a reader of the notebook sees the experiment and a reader of this module sees how each verdict ("so
their effect is mixed", "smears colour across thin structures") follows from the measurements of
:mod:`hw2.fastphotostyle.experiments`.
"""
from __future__ import annotations

import inspect
import math
from typing import Sequence

from ..document import cite, ref
from . import experiments as ex
from .photowct.functional import DEFAULT_EPS as WCT_EPS
from .pipeline import PAD_MULTIPLE, stylize
from .smoothing import DEFAULT_EPS, DEFAULT_LAM, FPS_GUIDED_EPS, FPS_GUIDED_RADIUS

__all__ = ["LABEL_NAMES", "power", "missing", "components_table", "departures", "SCORES",
           "labels_caption", "labels_scores_caption", "labels_discussion", "smoothing_discussion", "PHOTO_MONET"]

#: how the label settings of the seed report are named in tables and prose
LABEL_NAMES = {"ex1": "none (ex1)", "ex2": "hand-made (ex2)", "ex3": "automatic (ex3)"}

_COMPONENTS = {"photowct": "PhotoWCT decoders (ours, trained)",
               "wct": "WCT decoders (ours for the first three levels; AdaIN's for the fourth)",
               "ade20k": "ADE20K segmenter (TFLite)"}


def power(x: float) -> str:
    """A power of ten in LaTeX: ``1e-07`` -> ``$10^{-7}$`` (the exponent rounded)."""
    return f"$10^{{{round(math.log10(x))}}}$"


def _scientific(x: float) -> str:
    """``1.54e-08`` -> ``$1.5 \\times 10^{-8}$`` (two significant digits)."""
    mantissa, exp = f"{x:.1e}".split("e")
    return f"${mantissa} \\times 10^{{{int(exp)}}}$"


def missing(have: dict) -> str | None:
    """The warning for the components of :func:`hw2.fastphotostyle.experiments.components` that are missing, or
    None when all are there."""
    why = [reason for ok, reason in have.values() if not ok]
    if not why:
        return None
    return "**Missing components** (the results that need them are left out below): " + "; ".join(why)


def components_table(have: dict) -> tuple[list[list[str]], list[str]]:
    """Rows and headers of the availability table: component, "yes" or "missing"."""
    return [[_COMPONENTS[k], "yes" if ok else "missing"] for k, (ok, _) in have.items()], ["component", "available"]


def departures() -> str:
    """Our implementation's departures from Li et al. (2018), with the constants the code uses."""
    tol = inspect.signature(stylize).parameters["smoothing_tol"].default
    return f'''
**Our implementation and its departures from Li et al. (2018).** The decoders are ours, trained on monet2photo
training photos and landscapes (Li et al. used MS-COCO); plain WCT's fourth decoder is AdaIN's
({cite("huang2017")}). WCT drops covariance eigenvalues below {power(WCT_EPS)} instead of adding
the identity to the content covariance. The matting affinity uses
ε = {power(DEFAULT_EPS)} as Levin et al.; its windows are centred on *every* pixel, with the border replicated,
so every degree $d_{{ii}}$ is 9 and $S = W/9$ (the reference centres them on interior pixels only,
which darkens the border). The reference solves the system with a sparse LU
factorisation; we use conjugate gradients preconditioned by aggregation multigrid on the CPU, stopped at a relative
residual of {tol:g}. The default λ = {DEFAULT_LAM:.4g} is the reference's α = β = 0.9999. The guided filter
uses the reference's radius r = {FPS_GUIDED_RADIUS} px and ε<sub>g</sub> = 10⁻³ on 0–255 images
(= 10⁻³/255² ≈ {_scientific(FPS_GUIDED_EPS)} on [0, 1]), computed on a 4-times subsampled image (the fast guided filter).
Any image size works (the content is padded to a multiple of {PAD_MULTIPLE} px for the encoder).
'''


#: the scores of the notebook, defined
SCORES = f'''
We score every output with the measures of the conclusions (Section 5). The **style distance** is the relative
distance between the Gram matrices (channel correlations) of VGG-19 features of the output and of the style,
averaged over five layers (the *Gram distance* of Section 5): lower means more stylised. It is the loss Neural
Style minimises, so it favours global transfer of statistics. For the Photo ↔ Monet pairs we also give the
**VGG-free style distance** of Section 5, which compares histograms of colours and of local binary patterns, a
measure no method optimises. **Photorealism** is the structural similarity (SSIM, {cite("wang2004")}) of the Sobel
edge maps of content and output (the *edge SSIM* of Section 5), as in Li et al.'s evaluation: 1 means the
content's structure is kept exactly.
'''


def labels_caption(n_pairs: int, maps: ex.LabelMaps) -> str:
    """The caption of the label-map figure; the joint clusters are shown when they serve ex3 (no ADE20K)."""
    rows = "the images, our hand-made maps, the ADE20K maps" if maps.ade else \
        "the images, our hand-made maps, the joint clusters (no ADE20K segmenter here)"
    return (f"The label maps of the {n_pairs} study pairs: the photos (first {n_pairs} columns) and the "
            f"Monet paintings paired with them (last columns); rows: {rows}. Hand-made and ADE20K maps share one "
            "class palette" + ("." if maps.ade else "; the joint clusters have their own colours (a cluster id "
                                                 "is not a class)."))


def labels_scores_caption(n_pairs: int, size: int) -> str:
    """The caption of the label experiment's scores (``n_pairs`` pairs at ``size`` px on the long side)."""
    return (f"Mean scores of {ref('fig:fps-photo2monet')} and {ref('fig:fps-monet2photo')} ({n_pairs} images per "
            f"direction, {size} px on the long side). The Photo → Monet rows without labels and with hand-made "
            f"labels score the same outputs as the rows \"FastPhotoStyle (exact smoothing)\" and \"FastPhotoStyle + "
            f"hand-made labels\" of {ref('tab:05-comparison')}, which calls the style distance the Gram distance and "
            "photorealism the edge SSIM. The last column counts the images whose style distance is higher, or whose "
            "photorealism is lower, than without labels.")


def labels_discussion(summary: dict, directions: dict, study: ex.Study, maps: ex.LabelMaps) -> str:
    """What the label maps change (ex2, ex3 against ex1), from the scores of both directions.

    ``summary`` is ``{direction: mean_scores(...)}``, ``directions`` ``{direction: run_direction(...)}``
    for ``"Photo → Monet"`` and ``"Monet → photo"``. The hand-made output of Photo → Monet that the labels
    lighten most is named as the conclusions name it (:func:`hw2.conclusions.palest`, the same output).
    """
    c2, c3 = ex.label_counts(summary)["ex2"], ex.label_counts(summary)["ex3"]
    cases = [(ex.worst_case(*directions[d]), f) for d, f in (("Photo → Monet", "fig:fps-photo2monet"),
                                                              ("Monet → photo", "fig:fps-monet2photo"))]
    w, wfig = min(cases, key=lambda c: c[0]["photorealism"])
    grid, titles, _ = directions["Photo → Monet"]
    pale = ex.palest(grid, titles, "ex2")
    helps = ("so by these two measures they do not help" if 2 * c2["worse_style"] >= c2["n"] and
             2 * c2["worse_photo"] >= c2["n"] else "so their effect is mixed")
    text = f'''
**What the labels change.** With our hand-made labels (ex2) the style distance is higher than without labels for {c2["worse_style"]} of the
{c2["n"]} images and the photorealism lower for {c2["worse_photo"]} ({ref("tab:fps-labels-scores")}), {helps}. The
lowest photorealism of all, {w["photorealism"]:.2f}, is {w["content"]} with {LABEL_NAMES[w["experiment"]]} labels
(row {w["row"] + 1} of {ref(wfig)}).'''
    if pale is not None:
        text += f''' The hand-made labels lighten {pale["content"]} most (row {pale["row"] + 1} of
{ref("fig:fps-photo2monet")}): its mean luminance rises from {pale["content_mean"]:.2f} to {pale["output_mean"]:.2f} and it
keeps {pale["contrast"]:.0%} of the content's contrast (standard deviation of the luminance){", a pale fog" if pale["pale_fog"] else ""}.'''
    return text + f''' Label-wise WCT gives each region the covariance of the matching region of the
painting; Monet's skies and hazy fields are pale and low in contrast, so colouring compresses a whole region
towards one light colour. The style distance penalises region-wise transfer in
general, because it compares the output with the statistics of the *whole* painting, which global transfer (ex1)
matches by construction. The automatic maps (ex3) have a higher style distance than ex1 for {c3["worse_style"]} of
{c3["n"]} images and a lower photorealism for {c3["worse_photo"]}. The ADE20K segmenter, trained on photos, reads Monet's
brushwork less reliably; for {ex.single_class_pairs(study, maps)} of the {len(study.pairs)} pairs its maps share a single class with the
painting ({ref("tab:fps-classes")}), and the rest of the image keeps its own features.
'''


def smoothing_discussion(alone: dict, lam_rows: Sequence[Sequence], lams: Sequence[float],
                         means: Sequence[Sequence] | None) -> str:
    """The smoothing on its own (:func:`~hw2.fastphotostyle.experiments.smoothing_alone`, the λ sweep) and, when
    ``means`` (the mean scores of :func:`~hw2.fastphotostyle.experiments.method_comparison` per variant) are
    given, what smoothing does after PhotoWCT."""
    sm = ex.smoothing_summary(alone)
    m, lam_p = sm["mean_photo"], [r[3] for r in lam_rows]
    its = "–".join(str(i) for i in sorted(set(sm["iterations"])))
    window = 2 * FPS_GUIDED_RADIUS + 1
    if m["+ exact smoothing"] > m["+ guided filter"]:
        guided = f'''The guided filter, which fits one affine colour model per {window}×{window}-pixel window, scores lower
({m["+ guided filter"]:.3f}): it smears colour across thin structures.'''
    else:
        guided = f'''The guided filter scores as well or better here ({m["+ guided filter"]:.3f}); its {window}×{window}-pixel
windows cover most of these small images.'''
    if lam_p[0] > lam_p[-1]:
        lam_text = "a small λ lets the content's local colour structure dominate, a large one stays closer to the crude input"
    else:
        lam_text = "here photorealism does not fall as λ grows"
    text = f'''
**The smoothing.** On the pixel WCT the exact smoothing raises photorealism in {sm["improved"]} of {sm["n"]}
pairs (mean {m["pixel WCT"]:.3f} before, {m["+ exact smoothing"]:.3f} after; {ref("tab:fps-smoothing")}). It removes
the seams at region borders while keeping the content's edges ({ref("fig:fps-smoothing")}), because the matting
affinity links only pixels whose colours fit one local affine model. {guided} Over λ = {lams[0]:g} …
{lams[-1]:g} photorealism goes from {lam_p[0]:.3f} to {lam_p[-1]:.3f} ({ref("tab:fps-lambda")}): {lam_text}.
The multigrid-preconditioned solve took {its} conjugate-gradient iterations per image ({ref("tab:fps-smoothing")}).
Without a preconditioner, conjugate gradients need a number of iterations that grows with the square root of
the condition number, which is of the order of 1/λ ≈ {power(1 / DEFAULT_LAM)} at the default λ: of the order
of a hundred.
'''
    if means:
        mm = {r[0]: r[1:] for r in means}
        text += "\n**PhotoWCT and smoothing.** "
        if "WCT" in mm and mm["PhotoWCT"][1] > mm["WCT"][1]:
            text += f'''Unpooling keeps more structure than upsampling: mean photorealism {mm["PhotoWCT"][1]:.3f} for
PhotoWCT against {mm["WCT"][1]:.3f} for WCT ({ref("tab:fps-methods")}), visible as the sharper outlines in
{ref("fig:fps-methods")}. '''
        trade = mm["PhotoWCT + exact"][1] > mm["PhotoWCT"][1] and mm["PhotoWCT + exact"][0] > mm["PhotoWCT"][0]
        text += ("Smoothing trades stylisation for photorealism" if trade else "Smoothing changes both scores")
        text += f''' ({ref("fig:fps-tradeoff")}): the exact smoothing moves the mean photorealism of PhotoWCT from
{mm["PhotoWCT"][1]:.3f} to {mm["PhotoWCT + exact"][1]:.3f} and the guided filter to {mm["PhotoWCT + fast"][1]:.3f},
while the style distance goes from {mm["PhotoWCT"][0]:.3f} to {mm["PhotoWCT + exact"][0]:.3f} and
{mm["PhotoWCT + fast"][0]:.3f}'''
        text += ": part of the transferred texture goes with the artefacts." if trade else "."
    return text


#: what FastPhotoStyle is for, once the Photo <-> Monet directions were run
PHOTO_MONET = f'''
**Photo ↔ Monet.** FastPhotoStyle transfers colour statistics, not brush strokes. Photo → Monet therefore yields
colour-graded photographs rather than paintings ({ref("fig:fps-photo2monet")}), and Monet → photo gives
photographic colours to the painting while keeping its brush texture ({ref("fig:fps-monet2photo")}), since PhotoWCT
and the smoothing both preserve the content's edges by design. It is a tool for photo-to-photo transfer, not for
painting a photo.
'''
