"""What notebook ``03_munit`` shows, as functions: the training summary and the translation grids.

Each returns rows (lists) for :func:`hw2.notebook.show_table` or :func:`hw2.io.image_grid`; the notebook
keeps only the calls, the figures and the prose.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from ..io import image_grid, resize_longest
from .model import MUNIT, history, load_model, random_styles

__all__ = ["training_rows", "TRAINING_HEADERS", "moving_average", "style_rows", "reference_grid"]

#: the columns of :func:`training_rows`
TRAINING_HEADERS = ["model", "steps", "training wall time (min)", "crops", "generator parameters",
                    "fp16 file (MiB)", "final L1 recon Monet", "final L1 recon photo"]


def training_rows(labels: dict[str, str]) -> list[list]:
    """One row per committed model ``name -> label`` from its training record (:func:`history`)."""
    rows = []
    for name, label in labels.items():
        s = history(name)["summary"]
        cfg = s["config"]
        n_params = sum(p.numel() for p in load_model(name).parameters())
        rows.append([f"{name} ({label})", s["steps"], round(s["elapsed_s"] / 60, 1), f"{cfg['crop_size']} px",
                     n_params, round(s["bytes"] / 2**20, 2), round(s["final_losses"]["recon_x_a"], 3),
                     round(s["final_losses"]["recon_x_b"], 3)])
    return rows


def moving_average(v, k: int = 8) -> np.ndarray:
    """Mean over windows of ``k`` consecutive values (the values themselves when there are at most ``k``)."""
    v = np.asarray(v, float)
    return np.convolve(v, np.ones(k) / k, mode="valid") if len(v) > k else v


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


def reference_grid(model: MUNIT, contents: Sequence[torch.Tensor], refs: Sequence[torch.Tensor], direction: str,
                   title: str, *, size: int):
    """A figure: the references across the top, each content down the side, the translations inside."""
    blank = torch.ones(1, 3, 8, 8)
    rows = [[blank] + [resize_longest(r, 4 * size) for r in refs]]
    for x in contents:
        rows.append([resize_longest(x, 4 * size)] + [model.translate(x, direction=direction, reference=r, size=size)
                                                     for r in refs])
    return image_grid(rows, row_titles=["reference →"] + [f"content {i + 1}" for i in range(len(contents))],
                      cell_size=1.7, title=title)
