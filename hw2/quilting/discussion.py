"""The wording of notebook 04 (Image Quilting, Efros & Freeman 2001) that depends on its numbers.

Each function returns markdown paragraphs (for :func:`hw2.document.prose`) that discuss the results of
:mod:`hw2.quilting.study`; the notebook only calls and shows them. Where the measurements decide a word
("higher" or "not higher", "the one that falls behind" or its rank), it is chosen here.
"""
from __future__ import annotations

from typing import Sequence

from .. import ties
from ..document import ref

__all__ = ["joining_discussion", "sources_discussion"]


def joining_discussion(mode_rows: Sequence[Sequence], grow_rows: Sequence[Sequence], paintings: Sequence[str],
                       synth_block: int) -> list[str]:
    """Two paragraphs: the three ways of joining blocks, and synthesis from the paintings.

    ``mode_rows`` are :func:`~hw2.quilting.study.compare_modes`' rows ``(mode, seconds, seam score)``,
    ``grow_rows`` :func:`~hw2.quilting.study.grow`'s ``(painting, block, seconds, seam score)``, ``paintings``
    the painting names (the first and last are compared at block ``synth_block``).
    """
    score = {m: s for m, _, s in mode_rows}
    grow_score = {(n, b): s for n, b, _, s in grow_rows}
    last, first = grow_score[paintings[-1], synth_block], grow_score[paintings[0], synth_block]
    return [f"""
**Joining blocks.** The *seam score* of {ref('tab:iq-modes')} is the mean
squared colour difference between neighbouring pixels across the bands where blocks meet, divided by the
same mean elsewhere: 1 means the joins are as smooth as the rest of the texture. Random blocks show the
grid at once ({ref('fig:iq-modes')}; score {score['random']:.2f}): every join is a hard edge between
unrelated brush strokes. Choosing blocks by their overlap error hides most joins
({score['ssd']:.2f}), because neighbours now agree on average colour, but a straight seam remains wherever
two strokes cross the block border at different places; the minimum cut lets the border wander along the
strokes ({score['cut']:.2f}).
""", f"""
**Synthesis from paintings.** Quilting copies the painting's own strokes, so on the crops of
{ref('fig:iq-synthesis')} the result is Monet's surface, with seam scores ({ref('tab:iq-synthesis')}, appendix) from
{min(grow_score.values()):.2f} to {max(grow_score.values()):.2f}. Small blocks mix the strokes more freely;
large blocks keep whole motifs and repeat them visibly. A crop with a large-scale layout (the trees over
the river, bottom row of {ref('fig:iq-synthesis')}) has no block that continues a band of water into a tree, so the quilt shows
horizontal bands cut at block height and the same bush repeated: the cut cannot invent a
transition the crop lacks; its seam score ({last:.2f} at {synth_block} px) is
{"higher" if last > max(score["cut"], first) else "not higher"}
than those of the other two paintings at that block size ({score['cut']:.2f} and
{first:.2f}, in {ref('tab:iq-modes')} and {ref('tab:iq-synthesis')}).
"""]


def sources_discussion(gatys: dict, summary: dict, details, sources: Sequence[str], layers: Sequence[str], *,
                       photos: tuple[float, float] | None = None) -> list[str]:
    """Three paragraphs: the Gram textures as sources, what the transfer needs from its source, and whether the
    transfers still carry the source's texture.

    ``gatys`` is :func:`~hw2.quilting.study.gatys_sources`' result, ``summary``
    :func:`~hw2.quilting.study.source_summary`'s (with the distances to the crop), ``details`` the first
    target's transfer details (blocks and alphas per pass), ``sources`` the source names in column order,
    ``layers`` the Gatys layers (shallow to deep), ``photos`` the untouched photos' (Gram, VGG-free) distances
    to the crop (:func:`~hw2.quilting.study.target_distances`).
    """
    corr, spread, tiers = summary["correlation"], gatys["spread"], summary["tiers"]
    deep, mid, shallow = (f"Gatys {l}" for l in (layers[-1], layers[1], layers[0]))
    others = [s for s in sources if s != shallow]
    dist, free = {r[0]: r[4] for r in gatys["rows"]}, {r[0]: r[5] for r in gatys["rows"]}
    corners = gatys["rows"][-1][0]
    n_targets = len(next(iter(summary["per_target"].values())))
    crop_tier = next(i for i, t in enumerate(tiers) if "Monet crop" in t)
    if all(i <= crop_tier for i, t in enumerate(tiers) if mid in t or deep in t):
        keep = ("hold light and dark patches larger than a block, so the photo's sky, water and dark masses are "
                "drawn with different parts of them, in Monet's strokes and colours, without copying a whole "
                "object; the crop has real light and dark regions too, but copies whole motifs wherever their "
                "brightness fits.")
    else:
        keep = ("fall behind the crop: at this size their light and dark patches are too small or too few for "
                "the blocks to follow the photo.")
    behind = ("the one that falls behind" if tiers[-1] == [shallow] else
              "behind the others on average" if shallow in tiers[-1] else "not the one that falls behind")
    out = [f"""
**Gram textures as sources.** As in the seed study, the transfer also draws from Monet textures
synthesised by Gram matching; {ref('tab:iq-sources')} gives their Gram distance to the crop (the style
distance of Section 2) and, beside it, their VGG-free distance (Section 5), which no synthesis optimises. The
texture matched up to {layers[-1]} is at a Gram distance of {dist[f'Gram up to {layers[-1]}']:.2f} from the
crop it was made from, {"closer than" if dist[f'Gram up to {layers[-1]}'] < gatys['corner_distance'] else "not closer than"} the painting's own corner crops ({gatys['corner_distance']:.2f}; each
shares {gatys['corner_overlap']:.0%} of its area with the centre crop), and at a VGG-free distance of
{free[f'Gram up to {layers[-1]}']:.2f}, against {free[corners]:.2f} for the corners: Gram matching reproduces the
statistics, not the objects ({ref('fig:iq-sources')}). The *luminance spread* is the standard deviation,
over all windows of the first pass's block size, of the window's mean luminance: how much choice of
brightness a source offers at that scale.
""", f"""
**What the transfer needs from its source.** In the first pass α = {details.alphas[0]:.1f}, so blocks of
{details.blocks[0]} px are chosen mostly by brightness and this pass lays out the photo; the later passes,
with smaller blocks and α up to {details.alphas[-1]:.1f}, keep that layout and mostly change the joins
between blocks ({ref('fig:iq-passes')}). A dark region of
the photo can therefore be drawn dark only if the source has dark windows of the block's size. The
luminance correlation of {ref('tab:iq-transfer')} measures how well the photo can still be read in the
result. Ranked by it, best first ({ties.RULE.format(n=n_targets, cases="targets")}):
{ties.describe(summary["per_target"])}. The texture up to
{layers[0]}, whose windows vary least in brightness (spread {spread[shallow]:.3f}, against
{min(spread[s] for s in others):.3f} to {max(spread[s] for s in others):.3f} for the other sources), is
{behind}: it is fine coloured noise with no stroke or edge that could follow the photo's, so the photo shows
only faintly through an even texture ({ref('fig:iq-transfer')}). The textures up
to {layers[1]} and {layers[-1]} ({corr[mid]:.2f} and {corr[deep]:.2f}, against
{corr['Monet crop']:.2f} for the crop) {keep}
"""]
    if photos is not None and "free_distance" in summary:
        tfree, gram = summary["free_distance"], summary["distance"]
        own = {s: free[f"Gram up to {s.split()[-1]}"] for s in (mid, deep)}
        # where the transfers sit between the painting's own corners and the untouched photos (0: corners)
        share = max((tfree[s] - free[corners]) / max(photos[1] - free[corners], 1e-9) for s in (mid, deep))
        out.append(f"""
**Still the painting's texture.** The transfers from the textures up to {layers[1]} and {layers[-1]} are at a
VGG-free distance of {tfree[mid]:.2f} and {tfree[deep]:.2f} from the crop ({ref('tab:iq-transfer')}), against
{own[mid]:.2f} and {own[deep]:.2f} for the textures themselves and {free[corners]:.2f} for the painting's corner crops
({ref('tab:iq-sources')}), and {photos[1]:.2f} for the untouched photos; by the Gram distance, {gram[mid]:.2f} and
{gram[deep]:.2f} against {photos[0]:.2f} for the photos. {"They stay closer to the painting's own statistics than to the photos': the photo reads through, drawn in the crop's colours and strokes." if share < 0.5 else "Following the photo moves them well towards the photos' statistics."}
""")
    return out
