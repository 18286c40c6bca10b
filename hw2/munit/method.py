"""MUNIT as a method: one function from images to a :class:`hw2.result.Result`.

:func:`stylize` wraps :meth:`hw2.munit.model.MUNIT.translate` (Huang et al., ECCV 2018) with the
contract shared by every method: ``size`` is the *longest* side of the output, the style is either a
reference image of the target domain (its encoded style code) or, without one, a random code drawn with
``seed``, and the image comes back on the CPU.
"""
from __future__ import annotations

import time

import torch

from ..io import as_image
from ..result import Result
from .model import MODELS, MUNIT, load_model
from .pretrained import FIT_MODEL, PRETRAINED_MODELS, PretrainedMUNIT, load_pretrained

__all__ = ["stylize", "REPORT_MODEL", "load", "NAMES", "report_wording"]

#: the report's MUNIT (notebooks 03 and 05, the benchmark's unprefixed figures): the model with the lowest
#: validation selection figure by the rule of ``hw2/weights/MODEL_CARD_munit_pretrained.md``
#: (:func:`hw2.munit.benchmark.choose_report_model`); on 2026-12-07 the training-free Gaussian fit (1.011, against
#: 1.343 from scratch and 2.032 for the trained pretrained-parts model)
REPORT_MODEL = FIT_MODEL
#: every committed MUNIT of both families
NAMES = tuple(MODELS) + tuple(PRETRAINED_MODELS)


def load(name: str, *, device=None) -> MUNIT | PretrainedMUNIT:
    """The committed model ``name`` of either family (:data:`NAMES`): :func:`hw2.munit.model.load_model` or
    :func:`hw2.munit.pretrained.load_pretrained` (cached; do not modify it)."""
    if name in PRETRAINED_MODELS:
        return load_pretrained(name, device=device)
    if name in MODELS:
        return load_model(name, device=device)
    raise ValueError(f"unknown MUNIT model {name!r}; choose one of {NAMES}")


def stylize(content, style=None, *, direction: str = "photo2monet", model: str | MUNIT | PretrainedMUNIT = REPORT_MODEL,
            size: int | None = None, seed: int = 0, temperature: float | None = None, device=None) -> Result:
    """Translate ``content`` to the other domain with MUNIT.

    Parameters
    ----------
    content : image in [0, 1] (path, PIL image, HWC array or (1, 3, H, W) tensor; see :func:`hw2.io.as_image`)
        Both sides at least :data:`hw2.munit.model.MIN_INPUT_SIDE` px.
    style : image in [0, 1], optional
        A target-domain reference whose encoded style code is used; None: a random style code
        ``s ~ N(0, T² I)`` drawn with ``seed``.
    direction : {"photo2monet", "monet2photo"}, keyword-only
    model : str, MUNIT or PretrainedMUNIT, keyword-only
        A committed model's name (:data:`NAMES`, default :data:`REPORT_MODEL`) or a loaded model of either family.
    size : int, optional, keyword-only
        Longest side of the working size (rounded so that both sides are multiples of 4, of 8 for the
        pretrained-parts family); default: the model's own scale (shorter side ``cfg.new_size``: 80 px from
        scratch, 256 px on pretrained parts).
    seed : int, keyword-only
        Seed of the random style code (ignored with a reference ``style``).
    temperature : float >= 0, optional, keyword-only
        ``T`` of the random style code; default :data:`hw2.munit.model.STYLE_TEMPERATURE` from scratch, 1 (the
        paper's prior) on pretrained parts.
    device : torch device, optional, keyword-only
        Where a model loaded by name runs.

    Returns
    -------
    Result
        ``image``: (1, 3, h, w) in [0, 1] on the CPU; ``times``: ``load_s``, ``translate_s``,
        ``total_s``; ``info``: ``model`` (name or class), ``direction``, ``style`` (``"reference"`` or
        ``"random"``), ``seed``.
    """
    t0 = time.perf_counter()
    net = load(model, device=device) if isinstance(model, str) else model
    x = as_image(content, name="content")
    if size is not None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"size must be a positive integer (the longest side), got {size!r}")
        h, w = x.shape[-2:]
        size = max(1, round(min(h, w) * size / max(h, w)))  # MUNIT's own size is the shorter side
    t1 = time.perf_counter()
    if style is None:
        out = net.translate(x, direction=direction, seed=seed, size=size, temperature=temperature)
    else:
        if temperature is not None:
            raise ValueError("temperature= applies to random styles only (no reference style)")
        out = net.translate(x, direction=direction, reference=style, size=size)
    t2 = time.perf_counter()
    return Result(image=out, times={"load_s": t1 - t0, "translate_s": t2 - t1, "total_s": t2 - t0},
                  info={"model": model if isinstance(model, str) else type(model).__name__,
                        "direction": direction, "style": "random" if style is None else "reference",
                        "seed": seed})


def report_wording(here: int, *, name: str = REPORT_MODEL) -> dict[str, str]:
    """The phrases the conclusions (notebook 05) use for the report's MUNIT ``name``, run there at ``here`` px on the
    long side: ``what`` (the model in a few words, for the abstract), ``scale`` (how its working size compares with
    ``here``), ``headline`` (its finding's heading), ``why`` (why its content and edge SSIM rank as they do).

    The wording depends on the family: the from-scratch generators work at 80 px and are upsampled here; the
    pretrained-parts models (:mod:`.pretrained`) work at any size with the AdaIN decoder.
    """
    if name not in NAMES:
        raise ValueError(f"unknown MUNIT model {name!r}; choose one of {NAMES}")
    if name in PRETRAINED_MODELS:
        trained = name != FIT_MODEL
        what = ("on pretrained VGG19 and AdaIN parts" + (", its small parts trained here on a CPU" if trained
                                                         else ", with a training-free Gaussian style prior"))
        return {"what": what,
                "scale": f"It is MUNIT on pretrained parts (`{name}`), whose decoder works at any size, so here it "
                         f"runs at {here} px without upsampling.",
                "headline": "MUNIT keeps the layout and repaints the texture.",
                "why": "both compare the output with the photo's own detail, which the VGG19 relu4_1 content code "
                       "keeps only at an eighth of the resolution"}
    scale = load_model(name).cfg.new_size
    return {"what": "trained here on a CPU",
            "scale": f"Its generators were trained on {scale}-pixel images, so at this size their outputs are "
                     "upsampled and soft.",
            "headline": "MUNIT keeps the layout, not the detail.",
            "why": f"both punish the softness of generators trained on {scale}-pixel images and run at {here} px"}
