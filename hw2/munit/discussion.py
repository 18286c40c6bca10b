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
from .figures import generator_parameters, loss_levels
from .method import REPORT_MODEL
from .model import history
from .pretrained import training_record

__all__ = ["design", "training", "curves", "temperature", "temperature_choice", "benchmark_scores",
           "pretrained_intro", "budget", "numbers", "reference_styles"]


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
{history(S.names["encoded-style variant"])["summary"]["steps"]:,} steps against {history(S.names["plain"])["summary"]["steps"]:,}; the model card tests
the hypothesis at equal training.
"""
