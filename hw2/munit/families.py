"""What notebook 03 shows about the two MUNIT families side by side: grids at one size, the benchmark table, and
the sentences whose wording depends on the numbers.

The families are MUNIT from scratch (:mod:`.model`, the paper's architecture, Huang et al., ECCV 2018) and MUNIT on
pretrained parts (:mod:`.pretrained`), with its training-free Gaussian-fit baseline. Figures are 7.5 in wide for
:func:`hw2.document.show_figure`; tables are rows for :func:`hw2.document.show_table`.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import torch

from ..io import image_grid, resize_longest
from .benchmark import SHARPNESS_TARGET, TARGETS
from .evaluate import recorded_benchmark
from .figures import ARROW
from .model import DEFAULT_MODEL, random_styles
from .pretrained import FIT_MODEL, TRAINED_MODEL

__all__ = ["LABELS", "columns", "random_grid", "reference_grid", "PREFIXES", "benchmark_rows", "BENCHMARK_HEADERS", "targets_met",
           "benchmark_prose"]

#: the label of each model the notebook compares (registry name -> label)
LABELS = {DEFAULT_MODEL: "from scratch", FIT_MODEL: "pretrained, fit", TRAINED_MODEL: "pretrained, trained"}
#: the benchmark's prefix of each model of :func:`benchmark_rows` (``hw2.bench.munit``)
PREFIXES = {"from scratch": "scratch_", "pretrained parts, Gaussian fit (no training)": "pretrained_fit_",
            "pretrained parts, trained": "pretrained_"}
#: the columns of :func:`benchmark_rows` (the models of :data:`PREFIXES`, then the target)
BENCHMARK_HEADERS = ["measure (test images, T = 1)"] + list(PREFIXES) + ["target"]


def columns(scratch, fit, trained, *, report: str, t_chosen: float) -> tuple[dict, dict]:
    """``(models, temperatures)`` for :func:`random_grid`: the from-scratch model, the Gaussian fit and the trained
    pretrained-parts model (labels :data:`LABELS`) at the paper's prior ``T = 1``, and the report's model (its
    registry name ``report``) again at ``t_chosen``, its temperature chosen on the validation split, when that is
    not 1."""
    models = dict(zip(LABELS.values(), (scratch, fit, trained)))
    temps = dict.fromkeys(models, 1.0)
    if report not in LABELS:
        raise ValueError(f"unknown report model {report!r}; choose one of {list(LABELS)}")
    if float(t_chosen) != 1.0:
        label = f"{LABELS[report]} (T chosen)"
        models[label], temps[label] = models[LABELS[report]], float(t_chosen)
    return models, temps


def random_grid(models: Mapping[str, object], images: Mapping[str, Sequence[torch.Tensor]], *, size: int,
                temperatures: Mapping[str, float], n_random: int = 2):
    """Random-style translations of several models side by side, one figure 7.5 in wide.

    Rows: the images of each ``direction -> images`` in turn; columns: the input, then ``n_random`` random styles
    of each model ``label -> model`` at its temperature ``temperatures[label]`` (image ``i`` uses the seeds
    ``100 i + 1``, ... for every model, so that columns compare), all at the shorter side ``size``.
    """
    if not models or not images:
        raise ValueError("random_grid needs at least one model and one direction")
    missing = [label for label in models if label not in temperatures]
    if missing:
        raise ValueError(f"no temperature for {missing}")
    rows = []
    for direction, imgs in images.items():
        for i, x in enumerate(imgs):
            row = [resize_longest(x, 4 * size)]
            for label, m in models.items():
                row += random_styles(m, x, n_random, direction=direction, seed=100 * i + 1, size=size,
                                     temperature=temperatures[label])
            rows.append(row)
    cols = ["input"] + [f"{label}, T = {temperatures[label]:g}" if k == 0 else "" for label in models
                        for k in range(n_random)]
    titles = [ARROW[d] if i == 0 else "" for d, imgs in images.items() for i in range(len(imgs))]
    return image_grid(rows, col_titles=cols, row_titles=titles, cell_size=7.5, fontsize=7)


def reference_grid(models: Mapping[str, object], contents: Mapping[str, Sequence[torch.Tensor]],
                   refs: Mapping[str, Sequence[torch.Tensor]], *, size: int):
    """Reference-style translations of several models in both directions, one figure 7.5 in wide.

    For each ``direction`` of ``contents``: a row with its references ``refs[direction]`` (images of the target
    domain, once per model), then one row per content image with its translation under each reference's encoded
    style code by each model ``label -> model`` in turn; all at the shorter side ``size``.
    """
    if not models or not contents:
        raise ValueError("reference_grid needs at least one model and one direction")
    rows, titles = [], []
    for direction, xs in contents.items():
        rs = refs[direction]
        if not rs or not xs:
            raise ValueError(f"{direction}: needs at least one reference and one content image")
        blank = torch.ones_like(resize_longest(rs[0], 4 * size))
        rows.append([blank] + [resize_longest(r, 4 * size) for r in rs] * len(models))
        titles.append(f"{ARROW[direction]}\nreferences →")
        for x in xs:
            rows.append([resize_longest(x, 4 * size)] + [m.translate(x, direction=direction, reference=r, size=size)
                                                         for m in models.values() for r in rs])
            titles.append("")
    n_refs = len(next(iter(refs.values())))
    cols = ["content"] + [label if k == 0 else "" for label in models for k in range(n_refs)]
    return image_grid(rows, col_titles=cols, row_titles=titles, cell_size=7.5, fontsize=7)


def _ratio(b: dict, p: str, d: str) -> float | None:
    v, i = b.get(f"{p}fid_vgg_{d}_t1"), b.get(f"{p}fid_vgg_identity_{d}")
    return None if v is None or not i else v / i


def _fmt(v, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def benchmark_rows(bench: dict) -> list[list[str]]:
    """The three models of :data:`PREFIXES` in a recorded MUNIT benchmark (``bench``), test images at 256 px,
    ``T = 1``: Fréchet VGG distance (and its ratio to the untranslated images'), sharpness, VGG-free set distance
    (against the untranslated images'), diversity, the temperature and the selection figure of the validation
    split, with the targets; ``"–"`` where a figure is missing."""
    rows = []
    for d in ("monet2photo", "photo2monet"):
        rows.append([f"Fréchet VGG distance, {ARROW[d]} (× untranslated)"]
                    + [f"{_fmt(b, 1)} ({_fmt(_ratio(bench, p, d))})" for p in PREFIXES.values()
                       for b in [bench.get(f"{p}fid_vgg_{d}_t1")]] + [f"≤ {TARGETS[d]:g} × untranslated"])
    for d in ("monet2photo", "photo2monet"):
        rows.append([f"sharpness, {ARROW[d]} (real images: 1)"]
                    + [_fmt(bench.get(f"{p}sharpness_{d}")) for p in PREFIXES.values()] + [f"≥ {SHARPNESS_TARGET:g}"])
    for d in ("monet2photo", "photo2monet"):
        rows.append([f"VGG-free distance, {ARROW[d]} (untranslated)"]
                    + [f"{_fmt(bench.get(f'{p}free_dist_{d}_t1'), 3)} ({_fmt(bench.get(f'{p}free_dist_identity_{d}'), 3)})"
                       for p in PREFIXES.values()] + ["below untranslated"])
    rows.append(["diversity"] + [_fmt(bench.get(f"{p}diversity_t1")) for p in PREFIXES.values()] + ["> 0"])
    rows.append(["T chosen on the validation split"]
                + [_fmt(bench.get(f"{p}temperature_tchosen")) for p in PREFIXES.values()] + ["–"])
    rows.append(["validation selection figure at T = 1 (lower is better)"]
                + [_fmt(bench.get(f"{p}selection_score_validation_t1"), 3) for p in PREFIXES.values()] + ["≤ 1"])
    return rows


def targets_met(bench: dict, prefix: str = "") -> dict[str, bool]:
    """Which targets of the issue the model under ``prefix`` meets in ``bench`` (``""``: the report's model):
    ``fid_monet2photo``, ``fid_photo2monet``, ``sharpness_monet2photo``, ``sharpness_photo2monet``,
    ``free_monet2photo``, ``free_photo2monet``, ``diversity``."""
    p = prefix
    out = {f"fid_{d}": _ratio(bench, p, d) is not None and _ratio(bench, p, d) <= t for d, t in TARGETS.items()}
    out.update({f"sharpness_{d}": bench.get(f"{p}sharpness_{d}", 0) >= SHARPNESS_TARGET for d in TARGETS})
    out.update({f"free_{d}": bench.get(f"{p}free_dist_{d}_t1", 1) < bench.get(f"{p}free_dist_identity_{d}", 0)
                for d in TARGETS})
    out["diversity"] = (bench.get(f"{p}diversity_t1") or 0) > 0
    return out


def benchmark_prose(bench: dict | None = None) -> str:
    """Notebook 03's paragraph on :func:`benchmark_rows`: what training added to the Gaussian fit, and which
    targets the report's model meets or misses (``bench``: default the recorded benchmark)."""
    bench = recorded_benchmark() if bench is None else bench
    if not bench or "pretrained_fid_vgg_monet2photo_t1" not in bench:
        return ("The benchmark of both families has not been recorded yet (it needs the training data); the grids "
                "above are the comparison.")
    met = targets_met(bench)
    missed = [k for k, ok in met.items() if not ok]
    names = {"fid_monet2photo": "the Fréchet target Monet → photo", "fid_photo2monet": "the Fréchet target photo → "
             "Monet", "sharpness_monet2photo": "the sharpness target Monet → photo", "sharpness_photo2monet":
             "the sharpness target photo → Monet", "free_monet2photo": "the VGG-free distance Monet → photo",
             "free_photo2monet": "the VGG-free distance photo → Monet", "diversity": "diversity"}
    fit, tr = "pretrained_fit_", "pretrained_"
    moves = []
    for d in TARGETS:
        a, b = _ratio(bench, fit, d), _ratio(bench, tr, d)
        moves.append(f"{ARROW[d]} from {a:.2f} to {b:.2f} times the untranslated distance")
    text = (f"Training moves the pretrained-parts model away from its training-free starting point: "
            f"{moves[0]}, {moves[1]}; sharpness from {bench[fit + 'sharpness_monet2photo']:.2f} / "
            f"{bench[fit + 'sharpness_photo2monet']:.2f} to {bench[tr + 'sharpness_monet2photo']:.2f} / "
            f"{bench[tr + 'sharpness_photo2monet']:.2f} (Monet → photo / photo → Monet), after "
            f"{bench.get('pretrained_train_wall_s', 0) / 60:.0f} minutes of training on one CPU core. ")
    report = bench.get("report_model", "?")
    if not missed:
        return text + f"The report's model (`{report}`) meets every target."
    return text + (f"The report's model (`{report}`, the best on the validation split) misses "
                   + ", ".join(names[k] for k in missed) + "; it meets the others.")
