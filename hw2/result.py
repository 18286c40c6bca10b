"""The one return type of every method entry point.

Every method (FastPhotoStyle and PhotoWCT, Neural Style, MUNIT, Image Quilting) returns a
:class:`Result`: the output image in one format, the seconds each stage took, and the
method's own details.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

__all__ = ["Result"]


@dataclass
class Result:
    """Output of a method entry point.

    Attributes
    ----------
    image : torch.Tensor, (1, 3, H, W), float32 on the CPU, in [0, 1]
        The output image (converted on construction: detached, moved to the CPU, float32).
    times : dict of str -> float
        Seconds per stage (e.g. ``stylize_s``, ``smoothing_s``, ``total_s``).
    info : dict
        Method-specific details (e.g. FastPhotoStyle's ``stylized`` image before smoothing, the
        optimisation ``history`` of Neural Style, quilting's ``details``). Each key is also readable
        as an attribute: ``result.stylized is result.info["stylized"]``.

    Raises
    ------
    ValueError
        ``image`` is not a ``(1, 3, H, W)`` tensor.
    """
    image: torch.Tensor
    times: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.image, torch.Tensor) or self.image.ndim != 4 or tuple(self.image.shape[:2]) != (1, 3):
            shape = tuple(self.image.shape) if isinstance(self.image, torch.Tensor) else type(self.image).__name__
            raise ValueError(f"Result.image must be a (1, 3, H, W) tensor, got {shape}")
        self.image = self.image.detach().to(device="cpu", dtype=torch.float32)

    def __getattr__(self, name: str):
        info = self.__dict__.get("info") or {}
        if name in info:
            return info[name]
        raise AttributeError(f"{type(self).__name__} has no attribute or info key {name!r}")
