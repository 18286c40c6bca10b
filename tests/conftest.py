"""Shared test set-up: an isolated cache, fixed seeds, and data-availability markers."""
from __future__ import annotations

import os
import tempfile

import pytest

# An isolated cache for the whole run, set before hw2 is imported anywhere.
os.environ.setdefault("HW2_HOME", tempfile.mkdtemp(prefix="hw2-test-home-"))
os.environ.setdefault("PYTHONHASHSEED", "0")


def _has_data() -> bool:
    from hw2 import config

    return (config.data_root() / "monet2photo" / "testA").is_dir()


requires_data = pytest.mark.skipif(not _has_data(), reason="HW2_DATA (monet2photo etc.) not available")


@pytest.fixture(autouse=True)
def _seed():
    import random

    import numpy as np
    import torch

    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    yield



def decoder_recon_loss(spec, state, images, encoder, *, level: str = "relu2_1") -> float:
    """Pixel MSE of a decoder (``spec`` + ``state``) on a fixed seeded batch of ``images`` (training tests)."""
    import torch
    import torch.nn.functional as F

    from hw2.fastphotostyle.photowct.models import Decoder
    from hw2.fastphotostyle.photowct.train import sample_batch

    dec = Decoder(spec)
    dec.load_state_dict(state)
    x = sample_batch(images, level=level, step=999, seed=3, crop=32, batch=8)
    with torch.no_grad():
        f, p = encoder(x, [level], return_indices=True)
        return float(F.mse_loss(dec(f[level], p), x))
