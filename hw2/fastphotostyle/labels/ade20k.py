"""Automatic label maps from a pretrained ADE20K segmenter (DeepLabV3 + MobileNetV2, TFLite).

The model (``ade20k_deeplabv3_mobilenetv2.tflite``, with ``ade20k_labels.txt``) is a
third-party file (Apache-2.0, originally published on TensorFlow Hub as
``sayakpaul/lite-model/deeplabv3-mobilenetv2-ade20k/1/default/1``) that ships with the
package in ``hw2/assets/models`` with its licence; ``MANIFEST.json`` there gives its source and sha256.
It is run on the CPU by the PyPI package ``ai-edge-litert``. Input: ``1x513x513x3`` float32
in ``[-1, 1]``; output: ``1x513x513x151`` logits, channel 0 = "other", channel ``c``
= line ``c`` of the labels file (ADE20K's 150 classes, Zhou et al. 2017).

FastPhotoStyle's example 3 uses such a segmenter; as it does, classes may be merged by
a small semantic table (:data:`SEMANTIC_GROUPS`, onto :data:`hw2.fastphotostyle.labels.CLASSES`) and
regions under ~2 % of the image merged into their neighbours, so that content and style
regions correspond more often.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ... import config
from ...errors import MissingResourceError
from ...io import as_image
from .functional import CLASSES, merge_small_regions, relabel, resize_labels

__all__ = ["MODEL_FILE", "LABELS_FILE", "SEMANTIC_GROUPS", "model_path", "ade20k_names",
           "segment", "group_lut", "available"]

MODEL_FILE = "ade20k_deeplabv3_mobilenetv2.tflite"
LABELS_FILE = "ade20k_labels.txt"
INPUT_SIZE = 513

#: our semantic relation table: ADE20K class names merged into each class of :data:`CLASSES`
SEMANTIC_GROUPS: dict[str, tuple[str, ...]] = {
    "sky": ("sky",),
    "water": ("water", "sea", "river", "lake", "pool", "swimming", "waterfall", "fountain"),
    "vegetation": ("tree", "grass", "plant", "field", "flower", "palm"),
    "ground": ("floor", "road", "sidewalk", "earth", "sand", "path", "dirt", "land", "runway", "rug"),
    "mountain": ("mountain", "hill", "rock"),
    "building": ("building", "house", "skyscraper", "tower", "hovel", "wall", "bridge", "column", "fence",
                 "railing", "windowpane", "door", "awning", "pier", "ceiling", "stairs", "stairway", "step",
                 "bannister", "arcade", "booth", "canopy", "tent"),
    "person": ("person",),
    "boat": ("boat", "ship"),
}


def model_path() -> Path:
    """Where the shipped model is: ``hw2/assets/models/ade20k_deeplabv3_mobilenetv2.tflite``."""
    return config.ASSETS / "models" / MODEL_FILE


def available() -> tuple[bool, str]:
    """Whether the model file and the ``ai-edge-litert`` runtime are both present: ``(ok, message)``;
    never raises."""
    try:
        _check_model(model_path())
        import ai_edge_litert.interpreter  # noqa: F401  (lazy on purpose: an optional runtime, checked here)
    except Exception as exc:  # missing file, missing or broken runtime: reported, not raised
        return False, str(exc) if isinstance(exc, MissingResourceError) else f"{type(exc).__name__}: {exc}"
    return True, ""


def _check_model(path: Path) -> None:
    if not path.is_file():
        raise MissingResourceError(
            f"ADE20K segmentation model not found at {path}. It ships with the project: restore it with "
            "`git checkout -- hw2/assets/models` (or reinstall the package).")


@functools.lru_cache(maxsize=2)
def ade20k_names(path: str | None = None) -> tuple[str, ...]:
    """The 151 class names, index = model output channel (0 = ``"other"``)."""
    file = Path(path) if path else model_path().with_name(LABELS_FILE)
    if not file.is_file():
        raise MissingResourceError(f"ADE20K labels file not found at {file}; it belongs beside {MODEL_FILE}")
    names = ["other"]
    for line in file.read_text().splitlines():
        parts = line.strip().split(None, 1)
        if len(parts) == 2:
            names.append(parts[1].strip())
    if len(names) != 151:
        raise ValueError(f"{file} lists {len(names) - 1} classes; expected 150")
    return tuple(names)


def group_lut(names=None) -> np.ndarray:
    """Lookup table ADE20K channel -> id in :data:`CLASSES` (unlisted classes -> 0, "other")."""
    names = names or ade20k_names()
    index = {c: i for i, c in enumerate(CLASSES)}
    lut = np.zeros(len(names), np.int64)
    for group, members in SEMANTIC_GROUPS.items():
        for i, n in enumerate(names):
            if n in members:
                lut[i] = index[group]
    return lut


@functools.lru_cache(maxsize=2)
def _interpreter(path: str, threads: int):
    try:
        from ai_edge_litert.interpreter import Interpreter  # lazy on purpose: an optional runtime
    except ImportError as exc:
        raise MissingResourceError("the TFLite runtime is missing: `pip install ai-edge-litert`") from exc
    interp = Interpreter(model_path=path, num_threads=threads)
    interp.allocate_tensors()
    return interp


def segment(image, *, merge: bool = True, min_fraction: float = 0.02, threads: int | None = None,
            path: str | os.PathLike | None = None) -> np.ndarray:
    """ADE20K label map of an image.

    Parameters
    ----------
    image : image in [0, 1] (tensor, array, PIL image or path; see :func:`hw2.io.as_image`)
    merge : bool, keyword-only
        Map classes onto :data:`hw2.fastphotostyle.labels.CLASSES` with :data:`SEMANTIC_GROUPS` (ids then
        match hand-made labelme maps) and merge regions under ``min_fraction`` of the
        image into their nearest large neighbour. ``False``: raw ADE20K ids 0..150.
    min_fraction : float, keyword-only
    threads : int, optional, keyword-only
        Interpreter threads (default: torch's thread count, one unless ``OMP_NUM_THREADS`` is set; see :mod:`hw2.threads`).
    path : path-like, optional, keyword-only
        Model file (default :func:`model_path`).

    Returns
    -------
    ndarray (H, W) int64

    Raises
    ------
    MissingResourceError
        The model file or the ``ai-edge-litert`` runtime is missing.

    Notes
    -----
    The image is resized (bilinear, aspect ratio not kept) to 513x513, the model's fixed
    input; the arg-max map is resized back with nearest neighbour.
    """
    x = as_image(image, name="image")
    file = Path(path) if path is not None else model_path()
    _check_model(file)
    h, w = x.shape[-2:]
    x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False,
                      antialias=max(h, w) > INPUT_SIZE)
    inp = (x.clamp(0, 1) * 2.0 - 1.0).permute(0, 2, 3, 1).contiguous().numpy().astype(np.float32)
    interp = _interpreter(str(file), int(threads or torch.get_num_threads()))  # the process's policy (hw2.threads)
    interp.set_tensor(interp.get_input_details()[0]["index"], inp)
    interp.invoke()
    logits = interp.get_tensor(interp.get_output_details()[0]["index"])
    labels = np.argmax(logits[0], axis=-1).astype(np.int64)
    labels = resize_labels(labels, (int(h), int(w)))
    if merge:
        labels = merge_small_regions(relabel(labels, group_lut(ade20k_names(str(file.with_name(LABELS_FILE))))),
                                     min_fraction=min_fraction)
    return labels
