"""VGG19 forward time to relu5_1 (key ``vgg``)."""
from __future__ import annotations

import torch

from .. import profiles
from ..timing import best_time
from ..vgg import vgg19


def run(*, quick: bool = False) -> dict:
    enc = vgg19("relu5_1")
    dev = next(enc.parameters()).device
    p = profiles.get("bench_vgg", "quick" if quick else "full")
    out = {}
    for size in p["sizes"]:
        x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(0)).to(dev)
        out[f"forward_s_{size}"] = best_time(lambda: enc.encode(x, ["relu5_1"]), repeat=p["repeat"])
    return out
