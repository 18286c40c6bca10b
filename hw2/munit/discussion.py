"""The wording of notebook 03 (MUNIT, Huang et al., ECCV 2018) that depends on its numbers.

Each function returns a markdown paragraph for :func:`hw2.document.prose` from a :class:`~hw2.munit.section.Section`
and the results of its computations (:func:`~hw2.munit.section.temperature`, :func:`~hw2.munit.section.evaluate`);
where the measurements decide a word ("lowers" or "raises", "lower" or "higher"), it is chosen here or in
:func:`hw2.munit.evaluate.comparisons`.
"""
from __future__ import annotations

from ..document import ref
from .config import load_config
from .evaluate import TEMPERATURE_TOL, comparisons, curve_point
from .figures import ARROW, generator_parameters, loss_levels
from .method import REPORT_MODEL
from .model import DIRECTIONS, history
from .pretrained import training_record
from . import hypothesis as hyp
from .semantics import MODELS, verdict

__all__ = ["design", "training", "curves", "temperature", "temperature_choice", "benchmark_scores",
           "pretrained_intro", "budget", "numbers", "reference_styles", "fig31", "fig31_words", "hypothesis",
           "seed_analyses"]


def design(S) -> str:
    """The loss weights of our configuration and what departs from the authors' (before ``tab:munit-design``)."""
    cfg, stage3 = S.cfg, load_config("cpu_vgg")
    return rf"""
In our configuration $\lambda_x = {cfg.recon_x_w:g}$, $\lambda_c = {cfg.recon_c_w:g}$ and
$\lambda_s = {cfg.recon_s_w:g}$ (the paper's values, with the adversarial terms at weight {cfg.gan_w:g}),
$\lambda_p = {stage3.vgg_w:g}$ in stage 3 and 0 before; style codes have {cfg.style_dim} dimensions.
{ref("tab:munit-design")} lists where our configuration departs from the authors'. Besides the sizes, the perceptual
term uses VGG19 where they use VGG16, and the stage-3 weights are an *exponential moving average* (EMA) of the
weights during training, $\bar\theta_t = \beta\,\bar\theta_{{t-1}} + (1 - \beta)\,\theta_t$ with
$\beta = {stage3.ema_decay:g}$ (roughly an average over the last {1 / (1 - stage3.ema_decay):,.0f} steps), which
damps the oscillation of GAN training (not in MUNIT).
"""


def training(S) -> str:
    """The three from-scratch models and their training."""
    rec = {label: history(name)["summary"] for label, name in S.names.items()}
    return f"""
Three models share this architecture, trained on random crops of the monet2photo training splits (which do not
ship): **plain**, the paper's objective, {rec["plain"]["steps"]:,} steps; the **encoded-style variant**, which adds
the adversarial loss on translations decoded with an *encoded* style code (the seed report's hypothesis, below),
{rec["encoded-style variant"]["steps"]:,} steps, trained alongside the plain model's first steps; and **stage 3**,
the default from-scratch model of the grids up to the metrics, the plain run continued with the perceptual term and the
EMA to step {rec["stage 3 (default)"]["steps"]:,}, {rec["stage 3 (default)"]["elapsed_s"] / 3600:.1f} hours of
training on one core of a shared 2-core CPU in all. The models are therefore not compared at equal training here;
the MUNIT model card has the equal-step comparison of plain and variant. The
training curves are in the appendix ({ref("fig:munit-curves")}).
"""


def curves(S) -> str:
    """The adversarial terms against the LSGAN equilibrium (after ``fig:munit-curves``)."""
    cfg, record = S.cfg, history(S.names["stage 3 (default)"])
    boundary = record["summary"]["stages"][0]["from_step"]
    gen = loss_levels(record, ["gan_a", "gan_b"], boundary=boundary)
    dis = loss_levels(record, ["dis_a", "dis_b"], boundary=boundary)
    return f"""
In {ref("fig:munit-curves")} the reconstruction terms fall and level off, while the adversarial terms hover near the
*LSGAN equilibrium*, where a discriminator can no longer tell translations from real images and outputs 0.5 for
both: each of the {cfg.dis_num_scales} scales then adds 0.25 to a generator's term and 0.5 to a discriminator's,
{0.25 * cfg.dis_num_scales:g} and {0.5 * cfg.dis_num_scales:g} in all. Over the last 2,000 steps before stage 3
they average {gen["before"]:.2f} and {dis["before"]:.2f}; with the perceptual term they move to {gen["after"]:.2f}
and {dis["after"]:.2f} (last 2,000 steps): the generators give up some of their power to fool the discriminators
for translations that keep their input's features.
"""


def temperature(S, study: dict) -> str:
    """The encoded codes' spread and what lowering the temperature does (after ``fig:munit-temperature``)."""
    test = study["curves"]["test"]
    one, used = curve_point(test, 1.0), curve_point(test, S.temperature)
    sd = study["style_sd"]
    return f"""
The style codes encoded from {study["n_images"]["photo"]} test photos have per-dimension standard deviations from
{min(sd["photo"]):.2f} to {max(sd["photo"]):.2f}, those from {study["n_images"]["monet"]} test paintings from
{min(sd["monet"]):.2f} to {max(sd["monet"]):.2f}, where the prior has 1 in every dimension. On the test images of
{ref("fig:munit-temperature")}, lowering $T$ from 1 to {S.temperature:g} takes Monet → photo from
{one["fid_vgg_monet2photo"]:.1f} to {used["fid_vgg_monet2photo"]:.1f} (untranslated: {one["fid_vgg_identity"]:.1f})
and photo → Monet from {one["fid_vgg_photo2monet"]:.1f} to {used["fid_vgg_photo2monet"]:.1f}, while the diversity
(mean of both directions) falls from {one["diversity"]:.2f} to {used["diversity"]:.2f}.
"""


def temperature_choice(S, study: dict) -> str:
    """How the temperature was chosen (on the recorded training-image curve, when there is one)."""
    train = study["curves"].get("train")
    return f"""
$T$ is chosen on the training-image curve of {ref("fig:munit-temperature")}, which the MUNIT benchmark recorded
({train["n_photos"]} photos and {train["n_monet"]} paintings of the training splits, which do not ship;
{train["n_draws"]} draws): the largest $T$ of the grid whose Fréchet distances are within {TEMPERATURE_TOL:.0%} of
the best in both directions is {study["chosen"]:g}, the package default and the value used here. The test-image
curve plays no part in the choice.
""" if train else f"""
No temperature curve on training images is recorded (the MUNIT benchmark needs the training data);
{ref("fig:munit-temperature")} shows the test images only, and this section uses the package default
$T = {S.temperature:g}$.
"""


def benchmark_scores(b: dict | None) -> str | None:
    """The benchmark's scores of the default model at both sizes (``None`` when they are not recorded)."""
    if not (b and "scratch_eval_size" in b):
        return None
    return f"""
The benchmark of the appendix scores the default model on the same shipped test images twice. At this section's
{b["eval_size_train_scale"]} px ({b["eval_n_photos"]} photos, {b["eval_n_monet"]} paintings, {b["eval_n_draws"]} draws,
$T = {b["style_temperature"]:g}$): untranslated {b["fid_vgg_identity_monet2photo_train_scale"]:.1f}, Monet → photo
{b["fid_vgg_monet2photo"]:.1f}, photo → Monet {b["fid_vgg_photo2monet"]:.1f}. At {b["scratch_eval_size"]} px, the size of the
figures, under the paper's prior $T = 1$ ({b["scratch_eval_n_photos_t1"]} photos, {b["scratch_eval_n_monet_t1"]} paintings,
{b["scratch_eval_n_draws_t1"]} draws): untranslated {b["scratch_fid_vgg_identity_monet2photo"]:.1f}, Monet → photo
{b["scratch_fid_vgg_monet2photo_t1"]:.1f}, photo → Monet {b["scratch_fid_vgg_photo2monet_t1"]:.1f}; the translations keep
{b["scratch_sharpness_monet2photo"]:.0%} (Monet → photo) and {b["scratch_sharpness_photo2monet"]:.0%} (photo → Monet) of the
*sharpness* of real images of their target domain (mean energy of the Laplacian, a measure of fine detail).
"""


def pretrained_intro(S) -> str:
    """The pretrained-parts family's training cost and the report's MUNIT."""
    rec = training_record(S.names_pretrained[0])["summary"]
    fit_rec = training_record(S.names_pretrained[1])["summary"]
    return f'''
The trained model learned {sum(p.numel() for p in S.pretrained.parameters()):,} parameters in
{rec["steps"]:,} steps ({rec["elapsed_s"] / 60:.0f} minutes on one core of the shared CPU, {rec["config"]["crop_size"]}-pixel
crops), stored in {rec["bytes"] / 2**20:.1f} MiB; the fit took {fit_rec["elapsed_s"] / 60:.0f} minutes and
{fit_rec["bytes"] / 2**10:.0f} KiB. The report's MUNIT, used in the conclusions, is `{REPORT_MODEL}`: of the
from-scratch default, the fit and the trained model, the one with the lowest selection figure on the validation
split (the model card's rule, fixed before scoring); its random styles are drawn at $T = {S.t_chosen:g}$, chosen on
the same split. The grids below are at {S.family_size} px.
'''


def budget(S) -> str:
    """Our compute against the paper's and what the default model learned."""
    cfg, paper, steps = S.cfg, load_config("paper"), S.steps
    n_paper, n_gen = generator_parameters(paper), generator_parameters(cfg)
    compute = n_paper / n_gen * (paper.crop_size / cfg.crop_size) ** 2 * paper.max_iter / steps
    side = S.size // 2 ** cfg.n_downsample
    return f"""
**The budget.** Our generators have {n_paper / n_gen:.0f} times fewer parameters than the paper's and saw
{(paper.crop_size / cfg.crop_size) ** 2:.0f} times fewer pixels per crop for {paper.max_iter / steps:.0f} times fewer
steps ({ref("tab:munit-design")}): about {compute:,.0f} times less compute (parameters × pixels × steps). It
learned mostly colour, tone and lighting: in {ref("fig:munit-random")} photos become pale and pastel, paintings get
saturated skies and darker foliage. The layout is kept (the content code is spatial, {side}×{side} for a {S.size} px
square), but the outputs are blurry and carry a periodic pattern (an early GAN decoder's upsampling artefact), as
close as photo → Monet gets to brush strokes. Random styles change palette and lighting, not technique (as the seed
report found).
"""


def numbers(S, ev: dict, study: dict) -> str:
    """The metrics table read aloud (``tab:munit-metrics``)."""
    e, q, v = ev.values()
    word = comparisons(e, q, v)
    one = curve_point(study["curves"]["test"], 1.0)
    return f"""
**The numbers** ({ref("tab:munit-metrics")}). With the default model, photo → Monet {word["photo2monet"]} the
distance to real paintings by {1 - e["fid_vgg_photo2monet"] / e["fid_vgg_identity_photo2monet"]:.0%}, and Monet →
photo {word["monet2photo"]} the distance to real photos by
{1 - e["fid_vgg_monet2photo"] / e["fid_vgg_identity_monet2photo"]:.0%}. Monet → photo is the hard direction: passing
a painting through its own auto-encoder already moves it {word["autoenc"]} the photos. Stage 3's distances are
{word["default_vs_plain_photo2monet"]} than the plain run's photo → Monet and {word["default_vs_plain_monet2photo"]} than its Monet →
photo, at a {word["default_vs_plain_diversity"]} diversity. At the paper's prior, $T = 1$, Monet → photo is
{one["fid_vgg_monet2photo"] / one["fid_vgg_identity"] - 1:+.0%} relative to the untranslated baseline
({ref("fig:munit-temperature")}): the temperature buys fidelity with diversity.
"""


def reference_styles(S, ev: dict, study: dict) -> str:
    """Reference styles and the seed's hypothesis, at unequal training (the from-scratch models)."""
    e, q, v = ev.values()
    word = comparisons(e, q, v)
    one = curve_point(study["curves"]["test"], 1.0)
    return f"""
**Reference styles and the seed's hypothesis.** Reference styles carry the reference's palette
({ref("fig:munit-reference-photo2monet")}); for the plain model their distances are {word["plain_ref_photo2monet"]}
than random styles' photo → Monet and {word["plain_ref_monet2photo"]} Monet → photo ({ref("tab:munit-metrics")}).
The default model scores {one["fid_vgg_monet2photo"]:.1f} Monet → photo with random styles at $T = 1$ and
{e["fid_vgg_ref_monet2photo"]:.1f} with reference styles: what seems to matter is whether a code lies near the origin,
where the decoder saw codes in training. The variant's reference-style distances are {word["variant_ref_photo2monet"]}
(photo → Monet) and {word["variant_ref_monet2photo"]} (Monet → photo) than the plain model's, but after
{history(S.names["encoded-style variant"])["summary"]["steps"]:,} steps against {history(S.names["plain"])["summary"]["steps"]:,};
{ref("tab:munit-hypothesis")} tests the hypothesis at equal training.
"""


def fig31_words(v: dict) -> str:
    """The verdict of :func:`hw2.munit.semantics.verdict` in words."""
    if v["holds"]:
        return "the seed's observation holds (structure kept, meaning changed beyond the floor)"
    if not v["structure_kept"]:
        return ("it does not hold: the edges are nearer an unrelated image's than a blurred copy's, so the structure "
                "itself is lost")
    return "structure is kept, but the meaning changes no more than on a blurred copy: it does not hold"


#: how :func:`fig31` names the models of :data:`hw2.munit.semantics.MODELS`
FIG31_NAMES = {"report's MUNIT": f"report's MUNIT (`{REPORT_MODEL}`)", "from scratch": "from-scratch default model"}


def fig31(result: dict) -> str:
    """The seed's Fig 3-1 read from :func:`hw2.munit.semantics.report_study` (after ``tab:munit-fig31``)."""
    m2p, p2m = (result[d] for d in ("monet2photo", "photo2monet"))
    fl = {d: verdict(result, "identity", d) for d in DIRECTIONS}
    text = [f"""
**Structure kept, meaning lost?** The seed's Fig 3-1 claims that a translated painting keeps its outlines but not
what they depict (a bush outline becomes a mountain range). {ref("fig:munit-fig31")} draws the input's main contours
over the outputs, and {ref("tab:munit-fig31")} measures both halves on {m2p["n_images"]} test
image{"s" if m2p["n_images"] != 1 else ""} per direction.
The identity scores an edge SSIM of 1 and changes nothing. A copy blurred by 1 px, which keeps every object, scores
{fl["monet2photo"]["ssim_floor"]:.2f} (paintings) and {fl["photo2monet"]["ssim_floor"]:.2f} (photos) and already
changes the semantic group of {fl["monet2photo"]["change_floor"]:.0%} and {fl["photo2monet"]["change_floor"]:.0%} of
the pixels (of the 150 classes: {sum(m2p["floor"]["class_change"]) / m2p["n_images"]:.0%} and
{sum(p2m["floor"]["class_change"]) / p2m["n_images"]:.0%}): the segmenter, trained on photos, changes its mind often,
on paintings most, so only group changes above that floor count. An unrelated image of the target domain scores
{fl["monet2photo"]["ssim_unrelated"]:.2f} and changes {sum(m2p["unrelated"]["group_change"]) / m2p["n_images"]:.0%}.
"""]
    for label in [k for k, s in MODELS.items() if s != "_identity"]:
        v = {d: verdict(result, label, d) for d in DIRECTIONS}
        a, b = v["monet2photo"], v["photo2monet"]
        top = result["monet2photo"][label]["group_pairs"][:1]
        text.append(f"""
The {FIG31_NAMES[label]} has an edge SSIM of {a["ssim"]:.2f} (Monet → photo) and {b["ssim"]:.2f} (photo → Monet), {1 - a["ssim"]:.2f}
and {1 - b["ssim"]:.2f} below the identity; it changes the semantic group of {a["change"]:.0%} and {b["change"]:.0%} of
the pixels, {a["margin"]:+.0%} (± {2 * a["se"]:.0%}) and {b["margin"]:+.0%} (± {2 * b["se"]:.0%}) against the blurred
copies (two standard errors over the images){f", most often {top[0][0]} → {top[0][1]} in Monet → photo ({ref('tab:munit-fig31-pairs')})" if top else ""}.
{ARROW["monet2photo"]}: {fig31_words(a)}; {ARROW["photo2monet"]}: {fig31_words(b)}.
""")
    return "".join(text)


#: the verdict of :func:`hw2.munit.hypothesis.verdict` on the Fréchet gap, in words
HYPOTHESIS_WORDS = {
    "supported": "the numbers support the hypothesis: with the extra loss, reference styles gain on random ones",
    "contradicted": "the numbers contradict the hypothesis: with the extra loss, reference styles lose ground to "
                    "random ones",
    "within the spread": "the test does not resolve the hypothesis: the change of the gap is within the spread "
                         "over draws",
    "mixed": "the verdict differs by direction, so the hypothesis is not supported as a whole"}


def _gap_source(plain: dict, encadv: dict, direction: str) -> str:
    """Which side of the reference-minus-random gap moved from ``plain`` to ``encadv`` (Fréchet VGG, lower is
    better), in words with both pairs of numbers."""
    a, b = plain[direction], encadv[direction]
    def word(new, old):  # within 1 % counts as level
        return "stay level" if abs(new - old) <= 0.01 * old else "improve" if new < old else "get worse"
    ref_w, rnd_w = word(b["fid_ref"], a["fid_ref"]), word(b["fid_random"], a["fid_random"])
    return (f"reference styles {ref_w} ({b['fid_ref']:.0f} against {a['fid_ref']:.0f}) and random styles {rnd_w} "
            f"({b['fid_random']:.0f} against {a['fid_random']:.0f})")


def _ref_caveat(plain: dict, encadv: dict) -> str:
    """A sentence when the extra loss does not make reference styles themselves better in some direction."""
    worse = [d for d in DIRECTIONS if encadv[d]["fid_ref"] >= plain[d]["fid_ref"]]
    if not worse:
        return ""
    better = [ARROW[d] for d in DIRECTIONS if d not in worse]
    where = " and ".join(ARROW[d] for d in worse)
    return (f" In {where} reference styles gain on random ones only because random styles get worse, so the hypothesis is borne out "
            + (f"in {' and '.join(better)} only." if better else "in neither direction."))


def hypothesis(res: dict | None) -> str:
    """The seed's hypothesis at equal steps read from the benchmark's record (after ``tab:munit-hypothesis``)."""
    if not res:
        return ("The hypothesis at equal training is not recorded (`python -m hw2.bench.munit --analyses` measures "
                "it from the committed models `munit_pretrained_hyp_plain` and `munit_pretrained_hyp_encadv`).")
    p, e = res["models"]["plain"], res["models"]["encadv"]
    v, vs = hyp.verdict(res), hyp.verdict(res, "sharp_gap")
    mins = [m["training"]["elapsed_s"] / 60 for m in (p, e)]
    s1 = hyp.SCRATCH_STAGE1
    gaps1 = {k: [s1[k][d][1] - s1[k][d][0] for d in ("monet2photo", "photo2monet")] for k in s1}
    return f"""
**The hypothesis at equal training.** The seed blamed the weak reference styles on the adversarial loss, which only
judges translations made with random codes. {ref("tab:munit-hypothesis")} tests it where training is cheap: two
pretrained-parts models started from the Gaussian fit and trained {res["steps"]} steps each with the same seed and
data ({mins[0]:.0f} and {mins[1]:.0f} minutes on one core of the shared CPU), the second with the adversarial loss
also on encoded-style translations. If the hypothesis holds, the second model's reference-minus-random Fréchet gap is
lower. It is {e["monet2photo"]["fid_gap"]:+.0f} against {p["monet2photo"]["fid_gap"]:+.0f} Monet → photo (change
{v["monet2photo"]["delta"]:+.0f} ± {2 * v["monet2photo"]["se"]:.0f}, two standard errors over {p["n_draws"]} draws) and
{e["photo2monet"]["fid_gap"]:+.0f} against {p["photo2monet"]["fid_gap"]:+.0f} photo → Monet
({v["photo2monet"]["delta"]:+.0f} ± {2 * v["photo2monet"]["se"]:.0f}): {HYPOTHESIS_WORDS[v["overall"]]}. Where the
change comes from matters, since a gap also shrinks when random styles get worse: with the extra loss, Monet → photo
{_gap_source(p, e, "monet2photo")}, and photo → Monet {_gap_source(p, e, "photo2monet")}.{_ref_caveat(p, e)} The
sharpness gap moves by {vs["monet2photo"]["delta"]:+.2f} and {vs["photo2monet"]["delta"]:+.2f} ({vs["overall"]}).
Each reference translation lies at a style distance of {e["monet2photo"]["style_ref"]:.2f} and
{e["photo2monet"]["style_ref"]:.2f} from its own reference with the extra loss, {p["monet2photo"]["style_ref"]:.2f} and
{p["photo2monet"]["style_ref"]:.2f} without (a random style: {p["monet2photo"]["style_random"]:.2f} and
{p["photo2monet"]["style_random"]:.2f}). In the from-scratch family at equal steps (stage 1 of the model card, one
draw at 80 px), the gaps were {gaps1["plain"][0]:+.0f} and {gaps1["plain"][1]:+.0f} (Monet → photo, photo → Monet) for
the paper's objective and {gaps1["encadv"][0]:+.0f} and {gaps1["encadv"][1]:+.0f} with the extra loss; there the
larger gap came from worse random styles ({s1["encadv"]["monet2photo"][0]:.0f} and {s1["encadv"]["photo2monet"][0]:.0f}
against {s1["plain"]["monet2photo"][0]:.0f} and {s1["plain"]["photo2monet"][0]:.0f}), not from better reference ones
({s1["encadv"]["monet2photo"][1]:.0f} and {s1["encadv"]["photo2monet"][1]:.0f} against
{s1["plain"]["monet2photo"][1]:.0f} and {s1["plain"]["photo2monet"][1]:.0f}).
"""


#: :func:`hw2.munit.hypothesis.verdict`'s overall word, as a clause of :func:`seed_analyses`
_HYPOTHESIS_CLAUSE = {
    "supported": "makes reference styles gain on random ones, as the seed's hypothesis predicts",
    "contradicted": "makes reference styles lose ground to random ones, against the seed's hypothesis",
    "within the spread": "moves the reference-minus-random gap by less than its spread over draws, so the seed's "
                         "hypothesis is not borne out",
    "mixed": "moves the reference-minus-random gap in opposite ways in the two directions, so the seed's hypothesis "
             "is not borne out"}


def seed_analyses(bench: dict | None) -> str:
    """One sentence for the conclusions on the seed's two MUNIT analyses of section 3, from the MUNIT benchmark's
    ``fig31_*`` and ``hypothesis_*`` keys (``""`` when they are not recorded)."""
    b = bench or {}
    if "fig31_holds_monet2photo" not in b or "hypothesis_verdict" not in b:
        return ""
    holds = [d for d in DIRECTIONS if b[f"fig31_holds_{d}"]]
    kept = [d for d in DIRECTIONS if b[f"fig31_structure_kept_{d}"]]
    if len(holds) == 2:
        fig = "holds in both directions"
    elif holds:
        fig = f"holds {ARROW[holds[0]]} only"
    else:
        fig = ("does not hold: its edges are nearer an unrelated image's than a blurred copy's" if not kept else
               "does not hold: where the outlines are kept, the classes change no more than on a blurred copy")
    return (f" The seed's Fig 3-1 observation, outlines kept and meaning lost, {fig} for the report's MUNIT (edge "
            f"SSIM {b['fig31_edge_ssim_monet2photo']:.2f} Monet → photo and {b['fig31_edge_ssim_photo2monet']:.2f} "
            f"photo → Monet, against {b['fig31_edge_ssim_floor_monet2photo']:.2f} and "
            f"{b['fig31_edge_ssim_floor_photo2monet']:.2f} for a 1 px blur; {ref('tab:munit-fig31')}); at equal "
            f"training the adversarial loss on encoded styles {_HYPOTHESIS_CLAUSE[b['hypothesis_verdict']]} "
            f"({ref('tab:munit-hypothesis')}).")
