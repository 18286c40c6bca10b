"""What notebook 03 (MUNIT, Huang et al., ECCV 2018) loads and shows: its models and images from the parameters
cell, the computations of its sections, and each numbered figure and table with its caption.

:func:`load` turns the notebook's parameters into a :class:`Section` (models, test images, the sizes and counts of
the profile); the ``*_figure`` and ``*_table`` functions return the keyword arguments of
:func:`hw2.document.show_figure` and :func:`hw2.document.show_table`, so that a notebook cell is one call. The
sentences whose wording depends on the numbers are in :mod:`.discussion`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import data, io, profiles
from ..document import ref
from .config import MUNITConfig, load_config
from .evaluate import evaluate_models, recorded_benchmark, recorded_temperature_curve, temperature_study
from .families import BENCHMARK_HEADERS, LABELS, benchmark_rows, columns
from .families import random_grid as families_random_grid
from .families import reference_grid as families_reference_grid
from .figures import (DESIGN_HEADERS, MAIN_METRICS, design_rows, generator_parameters, metric_rows, reference_grid,
                      style_grid, temperature_figure, training_curves)
from .method import REPORT_MODEL
from .method import load as load_munit
from .model import STYLE_TEMPERATURE, history, load_model
from .pretrained import VALIDATION_TEMPERATURE, load_pretrained
from . import hypothesis, semantics

__all__ = ["Section", "load", "design_table", "curves_figure", "random_figure", "reference_figure",
           "temperature", "temperature_plot", "evaluate", "metrics_table", "families_random_figure",
           "families_reference_figure", "families_table", "fig31", "fig31_figure", "fig31_table",
           "fig31_pairs_table", "hypothesis_table"]


@dataclass
class Section:
    """Notebook 03's state: the parameters resolved against the profile, the models and the test images.

    ``models`` maps the labels ``"stage 3 (default)"``, ``"plain"``, ``"encoded-style variant"`` to the
    from-scratch models, ``names`` the same labels to their registry names; ``pretrained`` and ``fit`` are the
    pretrained-parts family's trained model and Gaussian fit; ``P`` is the profile's ``munit`` entry
    (:func:`hw2.profiles.get`).
    """
    profile: str
    seed: int
    P: dict
    names: dict
    models: dict
    pretrained: object
    fit: object
    n_content: int
    n_random: int
    n_eval: int
    n_draws: int
    size: int
    family_size: int
    temperature: float
    grid_rows: int
    n_reference_rows: int
    photos: list = field(repr=False)
    monets: list = field(repr=False)
    refs_monet: list = field(repr=False)
    refs_photo: list = field(repr=False)
    #: the temperature of the report's model's random styles, chosen on the validation split
    t_chosen: float = 1.0
    #: the registry names of ``pretrained`` and ``fit``
    names_pretrained: tuple = ()

    @property
    def model(self):
        """The from-scratch default (stage 3)."""
        return self.models["stage 3 (default)"]

    @property
    def plain(self):
        return self.models["plain"]

    @property
    def variant(self):
        return self.models["encoded-style variant"]

    @property
    def cfg(self) -> MUNITConfig:
        return self.model.cfg

    @property
    def steps(self) -> int:
        """Steps of the default model's training."""
        return history(self.names["stage 3 (default)"])["summary"]["steps"]


def load(profile: str, *, seed: int, model: str, plain: str, variant: str, pretrained: str, fit: str,
         n_content: int | None = None, n_random: int | None = None, n_eval: int | None = None,
         n_draws: int | None = None, size: int | None = None, family_size: int | None = None,
         temperature: float | None = None, grid_rows: int = 2, n_reference_rows: int = 2) -> Section:
    """The :class:`Section` of the notebook's parameters; ``None`` takes the value of ``profile``'s ``munit``
    entry (``size``: the default model's training scale; ``temperature``: :data:`~hw2.munit.STYLE_TEMPERATURE`)."""
    P = profiles.get("munit", profile)
    names = {"stage 3 (default)": model, "plain": plain, "encoded-style variant": variant}
    models = {label: load_model(name) for label, name in names.items()}
    default = models["stage 3 (default)"]

    def study(kind: str, n: int | None = None) -> list:
        return [io.load_image(p, max_side=256) for p in data.study(kind, *(() if n is None else (n,)))]

    n_content = n_content or P["n_content"]
    return Section(
        profile=profile, seed=seed, P=P, names=names, models=models, pretrained=load_pretrained(pretrained),
        fit=load_pretrained(fit), n_content=n_content, n_random=n_random or P["n_random"],
        n_eval=n_eval or P["n_eval"], n_draws=n_draws or P["n_draws"], size=size or default.cfg.new_size,
        family_size=family_size or P["family_size"],
        temperature=STYLE_TEMPERATURE if temperature is None else temperature, grid_rows=grid_rows,
        n_reference_rows=n_reference_rows, photos=study("photo", n_content), monets=study("monet", n_content),
        refs_monet=study("monet_ref"), refs_photo=study("photo_ref"),
        t_chosen=VALIDATION_TEMPERATURE.get(REPORT_MODEL, 1.0), names_pretrained=(pretrained, fit))


def design_table(S: Section) -> dict:
    """Our configuration against the authors' (``tab:munit-design``)."""
    paper, stage3 = load_config("paper"), load_config("cpu_vgg")
    n_gen = generator_parameters(S.cfg)
    return dict(rows=design_rows(paper, stage3, steps=S.steps, paper_steps=paper.max_iter), headers=DESIGN_HEADERS,
                label="tab:munit-design",
                caption=f"Our configuration against the authors' (Huang et al., 2018). Parameters are counted per "
                        f"generator (one domain's content encoder, style encoder, MLP and decoder); a model has two "
                        f"generators, {2 * n_gen:,} parameters in all for ours.")


def curves_figure(S: Section) -> dict:
    """The default model's training curves (``fig:munit-curves``)."""
    record = history(S.names["stage 3 (default)"])
    boundary = record["summary"]["stages"][0]["from_step"]
    return dict(fig=training_curves(record), name="03_munit_training_curves", label="fig:munit-curves",
                caption=f"Training losses of the default model: the plain run up to step {boundary:,} (dotted line), "
                        f"then stage 3; moving averages over 8 log points of {S.cfg.log_every} steps, logarithmic "
                        f"scale on the left; grey lines: the LSGAN equilibrium of the generators and of the "
                        f"discriminators.")


def _inputs(S: Section, n: int) -> dict:
    """The first ``n`` test paintings and photos, keyed by the direction that translates them."""
    return {"monet2photo": S.monets[:n], "photo2monet": S.photos[:n]}


def random_figure(S: Section) -> dict:
    """Random-style translations of the default model (``fig:munit-random``)."""
    fixed = S.model.random_style(1, seed=S.seed + 12345, temperature=S.temperature)
    fig = style_grid(S.model, _inputs(S, S.grid_rows),
                     fixed=fixed, n_random=S.n_random, size=S.size, temperature=S.temperature)
    return dict(fig=fig, name="03_munit_random_styles", label="fig:munit-random",
                caption=f"The default model at {S.size} px (shorter side, the training scale): Monet → photo for "
                        f"{S.grid_rows} test paintings (top rows) and photo → Monet for {S.grid_rows} test photos "
                        f"(bottom rows). Columns: the input, its translation with one fixed style code (the same in "
                        f"every row, so that rows compare), and random style codes $s \\sim \\mathcal N(0, T^2 I)$ at "
                        f"temperature $T = {S.temperature:g}$ (see the temperature section).")


def reference_figure(S: Section, direction: str) -> dict:
    """Reference styles of the plain model and the encoded-style variant; numbered (``fig:munit-reference-photo2monet``)
    for photo → Monet, shown in the notebook only for Monet → photo."""
    pair = {"plain": S.plain, "variant": S.variant}
    if direction == "photo2monet":
        fig = reference_grid(pair, S.photos[:S.n_reference_rows], S.refs_monet, direction, size=S.size)
        return dict(fig=fig, name="03_munit_reference_photo2monet", label="fig:munit-reference-photo2monet",
                    caption=f"Photo → Monet with reference styles at {S.size} px: the top row holds the reference "
                            f"paintings, each further row a test photo translated with each reference's style code "
                            f"by the plain model (left block) and the encoded-style variant (right block).")
    if direction != "monet2photo":
        raise ValueError(f"direction must be 'monet2photo' or 'photo2monet', got {direction!r}")
    return dict(fig=reference_grid(pair, S.monets[:S.n_reference_rows], S.refs_photo, direction, size=S.size),
                name="03_munit_reference_monet2photo")


def temperature(S: Section) -> dict:
    """:func:`~hw2.munit.evaluate.temperature_study` of the default model at the profile's sizes."""
    P = S.P
    return temperature_study(S.model, P["temperatures"], recorded=recorded_temperature_curve(), n_photos=S.n_eval,
                             n_monet=P["curve_n_monet"], n_draws=S.n_draws, n_diversity=P["curve_n_diversity"],
                             n_styles=P["curve_n_styles"], size=S.size, seed=S.seed)


def temperature_plot(S: Section, study: dict) -> dict:
    """The temperature curves (``fig:munit-temperature``)."""
    test = study["curves"]["test"]
    return dict(fig=temperature_figure(study["curves"], used=S.temperature), name="03_munit_temperature",
                label="fig:munit-temperature",
                caption=f"Random styles $s \\sim \\mathcal N(0, T^2 I)$ with the default model at {S.size} px: Fréchet "
                        f"VGG distance to the target domain (mean ± standard deviation over {test['n_draws']} draws of "
                        f"style codes) and diversity, against $T$. Test images: {test['n_photos']} photos and "
                        f"{test['n_monet']} paintings; dotted: the untranslated images; grey: the $T$ of the grids.")


def evaluate(S: Section) -> dict:
    """:func:`~hw2.munit.evaluate.evaluate_models` of the three from-scratch models on the test images."""
    return evaluate_models(S.models, n_photos=S.n_eval, seed=S.seed, n_draws=S.n_draws, temperature=S.temperature,
                           size=S.size, **S.P["eval_kw"])


def metrics_table(S: Section, ev: dict) -> dict:
    """The main metrics of the three models (``tab:munit-metrics``)."""
    e = ev["stage 3 (default)"]
    return dict(rows=metric_rows(ev, MAIN_METRICS), headers=["measure", "images"] + list(ev), label="tab:munit-metrics",
                caption=f"The three models on {e['n_photos']} test photos and {e['n_monet']} test paintings of the "
                        f"shipped study set at {e['eval_size']} px (shorter side), random styles at $T = "
                        f"{e['style_temperature']:g}$; the translated sets are drawn anew (style codes, references) "
                        f"{e['n_draws']} time{'s' if e['n_draws'] != 1 else ''} and averaged. Distances are Fréchet "
                        f"VGG distances, lower is better; the "
                        f"untranslated rows are the baseline. Distances depend on the image sets and their size: the "
                        f"conclusions translate single images with reference styles at "
                        f"{profiles.get('conclusions', S.profile)['size']} px (longest side), further from the "
                        f"training scale, and the benchmark uses other photos (below).")


def families_random_figure(S: Section) -> dict:
    """Both families with random styles (``fig:munit-families-random``)."""
    fam, temps = columns(S.model, S.fit, S.pretrained, report=REPORT_MODEL, t_chosen=S.t_chosen)
    fig = families_random_grid(fam, _inputs(S, S.grid_rows),
                               size=S.family_size, temperatures=temps)
    return dict(fig=fig, name="03_munit_families_random", label="fig:munit-families-random",
                caption=f"Both families at {S.family_size} px with random styles: Monet → photo for {S.grid_rows} "
                        f"test paintings (top rows) and photo → Monet for {S.grid_rows} test photos (bottom rows); per "
                        f"model two random style codes at the temperature shown, the same seeds for every model.")


def families_reference_figure(S: Section) -> dict:
    """Both families with reference styles (``fig:munit-families-reference``)."""
    three = dict(zip(LABELS.values(), (S.model, S.fit, S.pretrained)))
    n = S.n_reference_rows
    fig = families_reference_grid(three, _inputs(S, n),
                                  {"monet2photo": S.refs_photo[:2], "photo2monet": S.refs_monet[:2]},
                                  size=S.family_size)
    return dict(fig=fig, name="03_munit_families_reference", label="fig:munit-families-reference",
                caption=f"Both families at {S.family_size} px with reference styles, Monet → photo (top block: "
                        f"reference photos, then test paintings) and photo → Monet (bottom block: reference "
                        f"paintings, then test photos); each content image is translated with each reference's "
                        f"encoded style code by the from-scratch default model, the Gaussian fit and the trained "
                        f"pretrained-parts model (left to right).")


def families_table(bench: dict | None = None) -> dict:
    """The families' benchmark table (``tab:munit-families``) from the recorded MUNIT benchmark."""
    bench = (recorded_benchmark() or {}) if bench is None else bench
    return dict(rows=benchmark_rows(bench), headers=BENCHMARK_HEADERS, label="tab:munit-families",
                caption="The two families and the fit on the test images at 256 px (shorter side) under the paper's "
                        "prior T = 1, as the MUNIT benchmark recorded them (5 draws of style codes; Fréchet VGG "
                        "distance with its ratio to the untranslated images'; sharpness: Laplacian energy against "
                        "real images of the target domain; VGG-free distance: pooled Lab and LBP histograms, which no "
                        "model is trained on), with the validation split's figures and the targets.")


def fig31(S: Section) -> dict:
    """The seed's Fig 3-1 measured (:func:`hw2.munit.semantics.report_study`) at the profile's ``fig31_*``."""
    return semantics.report_study(n=S.P["fig31_n"], size=S.P["fig31_size"], seed=S.seed)


def fig31_figure(S: Section) -> dict:
    """The input's main contours in red over the translations (``fig:munit-fig31``)."""
    n, size = S.P["fig31_rows"], S.P["fig31_size"]
    models = dict(zip(list(semantics.MODELS)[:2], (load_munit(REPORT_MODEL), S.model)))
    images = {"monet2photo": data.study("monet", n), "photo2monet": data.study("photo", n)}
    return dict(fig=semantics.contour_figure(models, images, size=size, seed=S.seed),
                name="03_munit_fig31_contours", label="fig:munit-fig31",
                caption=f"The seed report's Fig 3-1, for {n} test painting{'s' if n > 1 else ''} (Monet → photo) and "
                        f"{n} test photo{'s' if n > 1 else ''} (photo → Monet) at {size} px: the input's main "
                        f"contours (Canny edges of the luminance, σ = 2 px, the strongest 10 % of the gradients) in "
                        "red over the input and over its translation by the report's MUNIT and "
                        f"by the from-scratch default model, random styles at $T = 1$.")


def fig31_table(S: Section, result: dict) -> dict:
    """Structure kept and classes changed, per model and direction, with the yardsticks (``tab:munit-fig31``)."""
    n = result["monet2photo"]["n_images"]
    return dict(rows=semantics.summary_rows(result, list(semantics.MODELS)), headers=semantics.SUMMARY_HEADERS,
                label="tab:munit-fig31",
                caption=f"Structure and meaning of the translations of {n} test painting{'s' if n > 1 else ''} and "
                        f"{n} photo{'s' if n > 1 else ''} at {result['size']} px (mean ± standard deviation over "
                        f"the images): edge SSIM between input and output (SSIM of Sobel edge maps; 1 = the same "
                        f"edges), and the share of pixels whose class by the shipped ADE20K segmenter changes, "
                        f"among its 150 classes and among its 8 semantic groups (sky, water, vegetation, ground, "
                        f"mountain, building, person, boat; the rest is 'other'). Yardsticks: an unrelated image "
                        f"of the target domain in place of the output, and a copy of the input blurred by a "
                        f"Gaussian of {semantics.FLOOR_SIGMA:g} px (the segmenter's noise floor).")


def fig31_pairs_table(S: Section, result: dict) -> dict:
    """The semantic groups that change most (``tab:munit-fig31-pairs``)."""
    labels = [k for k, m in semantics.MODELS.items() if m != "_identity"] + ["floor"]
    return dict(rows=semantics.pair_rows(result, labels), headers=semantics.PAIR_HEADERS,
                label="tab:munit-fig31-pairs",
                caption="The changes of semantic group that cover the most pixels (share of all pixels of the "
                        "direction's test images), per model, and for the blurred copy (the noise floor).")


def hypothesis_table(res: dict) -> dict:
    """The hypothesis at equal steps (``tab:munit-hypothesis``) from the benchmark's record ``res``
    (:func:`hw2.munit.hypothesis.run`)."""
    r = res["models"]["plain"]
    return dict(rows=hypothesis.table_rows(res), headers=hypothesis.TABLE_HEADERS, label="tab:munit-hypothesis",
                caption=f"The seed's hypothesis at equal training, as the MUNIT benchmark recorded it from the "
                        f"committed models: two pretrained-parts models trained from the Gaussian fit for "
                        f"{res['steps']} steps each with the same seed and data, with the paper's objective and with "
                        f"the adversarial loss also on encoded-style translations. Test images at {r['size']} px "
                        f"({r['n_photos']} photos, {r['n_monet']} paintings), random styles at $T = 1$, mean ± "
                        f"standard deviation over {r['n_draws']} draws of style codes and references. FVD: Fréchet "
                        f"VGG distance to the target domain (lower is better); gaps are reference minus random "
                        f"(negative: reference styles do better); sharpness as in {ref('tab:munit-families')}; style "
                        f"distance: Gram-matrix distance of each reference translation to its own reference image, "
                        f"and of the random-style translation of the same input to the same image. Last rows: the "
                        f"from-scratch models at equal steps (stage 1 of the model card; 80 px, 100 test photos, "
                        f"one draw).")
