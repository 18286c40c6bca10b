"""What notebook ``03_munit`` shows, as functions: tables, training curves, translation grids, the temperature curve.

Each returns rows (lists) for :func:`hw2.document.show_table` or a matplotlib figure 7.5 in wide (the printed
text width) for :func:`hw2.document.show_figure`; the notebook keeps only the calls, the figures and the prose.
Images are ``(1, 3, H, W)`` tensors in [0, 1]; translations are made at the shorter side ``size`` (MUNIT's own
working size, Huang et al., ECCV 2018).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch

from ..io import image_grid, resize_longest
from .config import MUNITConfig
from .model import MUNIT, history, random_styles

__all__ = ["training_rows", "TRAINING_HEADERS", "design_rows", "DESIGN_HEADERS", "generator_parameters",
           "METRICS", "MAIN_METRICS", "OTHER_METRICS", "metric_rows", "moving_average", "training_curves",
           "loss_levels", "style_rows", "style_grid", "reference_grid", "shared_styles_grid", "temperature_figure",
           "try_figure", "try_panel", "ARROW"]

#: readable names of the two directions
ARROW = {"photo2monet": "photo → Monet", "monet2photo": "Monet → photo"}

#: the columns of :func:`training_rows`
TRAINING_HEADERS = ["model", "steps", "training wall time (min)", "crops", "fp16 file, both generators (MiB)",
                    "final L1 reconstruction, Monet", "final L1 reconstruction, photo"]

#: the columns of :func:`design_rows`
DESIGN_HEADERS = ["", "Huang et al. (2018)", "ours"]

#: :func:`hw2.munit.evaluate.evaluate` keys -> (measure, images), the first two columns of :func:`metric_rows`;
#: "to paintings" / "to photos": the Fréchet VGG distance to the real test images of that domain
METRICS = {
    "fid_vgg_identity_photo2monet": ("to paintings", "photos, untranslated"),
    "fid_vgg_autoenc_photo2monet": ("to paintings", "photo auto-encoder on photos"),
    "fid_vgg_photo2monet": ("to paintings", "photo → Monet, random styles"),
    "fid_vgg_ref_photo2monet": ("to paintings", "photo → Monet, reference styles"),
    "fid_vgg_recon_monet": ("to paintings", "Monet auto-encoder on paintings"),
    "fid_vgg_identity_monet2photo": ("to photos", "paintings, untranslated"),
    "fid_vgg_autoenc_monet2photo": ("to photos", "Monet auto-encoder on paintings"),
    "fid_vgg_monet2photo": ("to photos", "Monet → photo, random styles"),
    "fid_vgg_ref_monet2photo": ("to photos", "Monet → photo, reference styles"),
    "fid_vgg_recon_photo": ("to photos", "photo auto-encoder on photos"),
    "diversity_photo2monet": ("diversity", "photo → Monet, random styles"),
    "diversity_monet2photo": ("diversity", "Monet → photo, random styles"),
    "recon_l1_monet": ("reconstruction L1 error", "paintings"),
    "recon_l1_photo": ("reconstruction L1 error", "photos"),
    "recon_psnr_monet": ("reconstruction PSNR (dB)", "paintings"),
    "recon_psnr_photo": ("reconstruction PSNR (dB)", "photos"),
}


#: the rows of the report's metrics table; the rest (:data:`OTHER_METRICS`) are reference material
MAIN_METRICS = tuple(k for k in METRICS
                     if not k.startswith(("recon_", "fid_vgg_recon_", "fid_vgg_autoenc_photo2monet")))
OTHER_METRICS = tuple(k for k in METRICS if k not in MAIN_METRICS)


def generator_parameters(cfg: MUNITConfig) -> int:
    """Parameters of *one* generator (content and style encoders, MLP, decoder) built from ``cfg``."""
    from .networks import build_generator

    return sum(p.numel() for p in build_generator(cfg, init=False).parameters())


def training_rows(names: Mapping[str, str]) -> list[list]:
    """One row per committed model ``label -> name`` from its training record (:func:`history`)."""
    rows = []
    for label, name in names.items():
        s = history(name)["summary"]
        rows.append([label, s["steps"], round(s["elapsed_s"] / 60, 1), f"{s['config']['crop_size']} px",
                     round(s["bytes"] / 2**20, 2), round(s["final_losses"]["recon_x_a"], 3),
                     round(s["final_losses"]["recon_x_b"], 3)])
    return rows


def design_rows(paper: MUNITConfig, ours: MUNITConfig, *, steps: int, paper_steps: int) -> list[list]:
    """Where our configuration ``ours`` departs from the authors' ``paper`` one: ``[setting, paper, ours]`` rows.

    ``steps`` / ``paper_steps``: training steps of our default model and of the authors' configuration.
    The perceptual loss and the moving average are those of ``ours`` (stage 3: ``vgg_w``, ``ema_decay``).
    """
    def per_gen(c):
        return f"{generator_parameters(c) / 1e6:.2f} M"

    return [
        ["channels after the first convolution; style MLP width", f"{paper.gen_dim}; {paper.mlp_dim}",
         f"{ours.gen_dim}; {ours.mlp_dim}"],
        ["residual blocks (content encoder, decoder)", paper.n_res, ours.n_res],
        ["parameters per generator", per_gen(paper), per_gen(ours)],
        ["discriminators: layers, channels, scales", f"{paper.dis_n_layer}, {paper.dis_dim}, {paper.dis_num_scales}",
         f"{ours.dis_n_layer}, {ours.dis_dim}, {ours.dis_num_scales}"],
        ["image side, crop side (px)", f"{paper.new_size}, {paper.crop_size}", f"{ours.new_size}, {ours.crop_size}"],
        ["learning rate (Adam), batch", f"{paper.lr:g}, {paper.batch_size}", f"{ours.lr:g}, {ours.batch_size}"],
        ["training steps", f"up to {paper_steps:,}", f"{steps:,}"],
        ["perceptual loss", "optional: VGG16 relu5_3", f"weight {ours.vgg_w:g} (stage 3): VGG19 relu4_1"
         if ours.vgg_w else "none"],
        ["moving average of the weights", "no", f"decay {ours.ema_decay:g}" if ours.ema_decay else "no"],
    ]


def metric_rows(evaluations: Mapping[str, dict], keys: Sequence[str] = tuple(METRICS)) -> list[list]:
    """``[measure, images, value of each model]`` rows of :func:`hw2.munit.evaluate.evaluate_models` results.

    Fréchet distances are rounded to integers (their draws alone move them by several units).

    ``keys``: which :data:`METRICS`, in this order (default: all).
    """
    unknown = [k for k in keys if k not in METRICS]
    if unknown:
        raise ValueError(f"no readable name for {unknown}; add them to METRICS")
    return [list(METRICS[k]) + [round(ev[k]) if k.startswith("fid_") else ev[k] for ev in evaluations.values()]
            for k in keys]


def moving_average(v, k: int = 8) -> np.ndarray:
    """Mean over windows of ``k`` consecutive values (the values themselves when there are at most ``k``)."""
    v = np.asarray(v, float)
    return np.convolve(v, np.ones(k) / k, mode="valid") if len(v) > k else v


#: the panels of :func:`training_curves`: title -> (line style, name, logged key of Monet, logged key of photo)
CURVE_PANELS = {
    "reconstruction (L1)": (("-", "image", "recon_x_a", "recon_x_b"), ("--", "content", "recon_c_a", "recon_c_b"),
                            (":", "style", "recon_s_a", "recon_s_b")),
    "adversarial (LSGAN)": (("-", "generator", "gan_a", "gan_b"), ("--", "discriminator", "dis_a", "dis_b")),
}


def training_curves(record: dict, *, k: int = 8):
    """The logged losses of one training record (:func:`history`) in two panels, 7.5 in wide.

    Colour: the domain (Monet, photo); line style: the term. Each curve is a :func:`moving_average` over ``k``
    log points; dotted vertical lines mark the stages (``summary["stages"][i]["from_step"]``); grey horizontal
    lines in the adversarial panel: the LSGAN equilibrium (every discriminator output 0.5 on every scale).
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    h = record["history"]
    if not h:
        raise ValueError("training_curves needs a record with logged steps")
    fig, axes = plt.subplots(1, 2, figsize=(7.5, 2.5))
    steps = moving_average([e["step"] for e in h], k)
    for ax, (title, terms) in zip(axes, CURVE_PANELS.items()):
        for style, _, key_a, key_b in terms:
            for colour, key in (("C0", key_a), ("C1", key_b)):
                ax.plot(steps, moving_average([e[key] for e in h], k), style, lw=1, color=colour)
        for stage in record["summary"].get("stages", []):
            ax.axvline(stage["from_step"], color="0.5", lw=0.8, ls=":")
        ax.set_title(title)
        ax.set_xlabel("step")
        handles = [Line2D([], [], color="k", ls=style, lw=1, label=name) for style, name, _, _ in terms]
        handles += [Line2D([], [], color=c, lw=2, label=d) for c, d in (("C0", "Monet"), ("C1", "photo"))]
        ax.legend(handles=handles, fontsize=8, ncol=2, loc="upper right")
    scales = record["summary"]["config"]["dis_num_scales"]
    # outputs 0.5 everywhere: (0.5 - 1)^2 per scale for a generator, 0.5^2 + 0.5^2 for a discriminator
    for level in (0.25 * scales, 0.5 * scales):
        axes[1].axhline(level, color="0.6", lw=0.8)
    axes[0].set_yscale("log")
    for ax, room in zip(axes, (4.0, 1.4)):  # head room for the legends above the curves (log / linear axis)
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi * room if ax.get_yscale() == "log" else lo + (hi - lo) * room)
    fig.tight_layout()
    return fig


def loss_levels(record: dict, keys: Sequence[str], *, boundary: int, window: int = 2000) -> dict[str, float]:
    """Mean logged value of ``keys`` (over keys and log points) just before step ``boundary`` and at the end.

    ``before``: log points with ``boundary - window <= step < boundary``; ``after``: the last ``window`` steps
    of the record (:func:`history`). ``ValueError`` when either window holds no log point.
    """
    h = record["history"]
    last = max(e["step"] for e in h)
    before = [e[k] for e in h if boundary - window <= e["step"] < boundary for k in keys]
    after = [e[k] for e in h if e["step"] > last - window for k in keys]
    if not before or not after:
        raise ValueError(f"no log points in the {window} steps before step {boundary} or at the end")
    return {"before": float(np.mean(before)), "after": float(np.mean(after))}


def style_rows(model: MUNIT, images: Sequence[torch.Tensor], direction: str, *, fixed: torch.Tensor, n_random: int,
               size: int, temperature: float) -> list[list[torch.Tensor]]:
    """Per image: the input, its translation with the ``fixed`` style code, then ``n_random`` random styles
    (seeds ``100 i + 1`` ...)."""
    rows = []
    for i, x in enumerate(images):
        row = [resize_longest(x, 4 * size), model.translate(x, direction=direction, style=fixed, size=size)]
        row += random_styles(model, x, n_random, direction=direction, seed=100 * i + 1, size=size,
                             temperature=temperature)
        rows.append(row)
    return rows


def style_grid(model: MUNIT, images: Mapping[str, Sequence[torch.Tensor]], *, fixed: torch.Tensor, n_random: int,
               size: int, temperature: float):
    """:func:`style_rows` of each ``direction -> images`` in turn, one figure 7.5 in wide.

    Columns: the input, the ``fixed`` style, ``n_random`` random styles; rows: the images of the first direction,
    then those of the next.
    """
    if not images:
        raise ValueError("style_grid needs at least one direction")
    rows = [row for direction, imgs in images.items()
            for row in style_rows(model, imgs, direction, fixed=fixed, n_random=n_random, size=size,
                                  temperature=temperature)]
    cols = ["input", "fixed style"] + [f"random style {k + 1}" for k in range(n_random)]
    return image_grid(rows, col_titles=cols, cell_size=7.5)


def reference_grid(models: Mapping[str, MUNIT], contents: Sequence[torch.Tensor], refs: Sequence[torch.Tensor],
                   direction: str, *, size: int):
    """Reference-style translations of several models side by side, a figure 7.5 in wide.

    The first row holds the references (once per model), each further row a content image and its translation
    with each reference's encoded style code by each model ``label -> model`` in turn.
    """
    if not models or not refs or not contents:
        raise ValueError("reference_grid needs at least one model, one reference and one content image")
    blank = torch.ones_like(resize_longest(refs[0], 4 * size))
    rows = [[blank] + [resize_longest(r, 4 * size) for r in refs] * len(models)]
    for x in contents:
        rows.append([resize_longest(x, 4 * size)] + [m.translate(x, direction=direction, reference=r, size=size)
                                                     for m in models.values() for r in refs])
    cols = ["content"] + [f"{label}, {k + 1}" for label in models for k in range(len(refs))]
    return image_grid(rows, col_titles=cols, row_titles=["reference →"] + [""] * len(contents), cell_size=7.5,
                      fontsize=8)


def shared_styles_grid(model: MUNIT, images: Sequence[torch.Tensor], codes: torch.Tensor, direction: str, *,
                       size: int):
    """Rows: images; columns: the style codes ``codes`` ``(n, style_dim, 1, 1)``, the same code down each column."""
    rows = [[resize_longest(x, 4 * size)] + [model.translate(x, direction=direction, style=codes[k:k + 1], size=size)
                                             for k in range(len(codes))] for x in images]
    return image_grid(rows, col_titles=["input"] + [f"style {k + 1}" for k in range(len(codes))], cell_size=7.5)


def temperature_figure(curves: Mapping[str, dict], *, used: float):
    """Fréchet distance (both directions, mean ± sd of the draws) and diversity against ``T``, 3 panels.

    ``curves``: split (``"train"``/``"test"``) -> :func:`hw2.munit.evaluate.temperature_curve` result; dotted
    lines: the untranslated images of each split; the grey vertical line: ``used``, the ``T`` of the grids.
    """
    import matplotlib.pyplot as plt

    if not curves:
        raise ValueError("temperature_figure needs at least one curve")
    fig, axes = plt.subplots(1, 3, figsize=(7.5, 2.75))
    colours = {"train": "C0", "test": "C1"}
    for ax, direction in zip(axes, ("photo2monet", "monet2photo")):
        for split, c in curves.items():
            ax.errorbar(c["temperature"], c[f"fid_vgg_{direction}"], yerr=c[f"fid_vgg_{direction}_sd"],
                        color=colours[split], marker="o", ms=3, capsize=2, label=f"{split} images, translated")
            ax.axhline(c["fid_vgg_identity"], color=colours[split], ls=":", lw=1, label=f"{split} images, untranslated")
        ax.set_title(f"{ARROW[direction]}:\nFréchet VGG distance")
    for split, c in curves.items():
        for direction, ls in (("photo2monet", "-"), ("monet2photo", "--")):
            axes[2].plot(c["temperature"], c[f"diversity_{direction}"], ls, marker="o", ms=3, color=colours[split],
                         label=f"diversity, {split}, {ARROW[direction]}")
    axes[2].set_title("diversity among\nrandom styles")
    for ax in axes:
        ax.axvline(used, color="0.6", lw=0.8)
        ax.set_xlabel("temperature T")
    handles = [h for ax in (axes[0], axes[2]) for h in ax.get_legend_handles_labels()[0]]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07 * (1 + len(handles) // 3), 1, 1))
    return fig


def try_figure(models: Mapping[str, MUNIT], *, image_index: int, direction: str, style_seed: int,
               temperature: float, which: str, size: int, n: int = 3):
    """The interactive panel's figure: test image ``image_index`` of the source domain and ``n`` random styles."""
    from .. import data, io

    if which not in models:
        raise ValueError(f"unknown model {which!r}; choose one of {list(models)}")
    if direction not in ARROW:
        raise ValueError(f"unknown direction {direction!r}; choose one of {list(ARROW)}")
    paths = data.study("photo" if direction == "photo2monet" else "monet")
    if not 0 <= image_index < len(paths):
        raise ValueError(f"image_index must be in [0, {len(paths) - 1}], got {image_index}")
    x = io.load_image(paths[image_index], max_side=4 * size)
    outs = random_styles(models[which], x, n, direction=direction, seed=style_seed, size=size,
                         temperature=temperature)
    return image_grid([[resize_longest(x, 4 * size)] + outs], cell_size=7.5,
                      col_titles=["input"] + [f"seed {style_seed + k}, T = {temperature:g}" for k in range(n)])


def try_panel(models: Mapping[str, MUNIT], *, size: int, temperature: float, n_images: int = 10):
    """The notebook's "Try it" panel: widgets for :func:`try_figure`, run on a button press; returns the widget.

    A translation error is printed, never raised (an interactive panel must not break the notebook).
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    def run(image_index=0, direction="photo2monet", style_seed=0, temperature=temperature, which=next(iter(models))):
        try:
            fig = try_figure(models, image_index=image_index, direction=direction, style_seed=style_seed,
                             temperature=temperature, which=which, size=size)
        except Exception as exc:  # noqa: BLE001 - shown to the user instead
            print(f"could not translate: {exc}")
            return
        display(fig)
        plt.close(fig)

    return widgets.interact_manual(
        run, image_index=widgets.IntSlider(0, 0, n_images - 1), direction=list(ARROW),
        style_seed=widgets.IntSlider(0, 0, 100),
        temperature=widgets.FloatSlider(value=temperature, min=0, max=1.5, step=0.05), which=list(models))
