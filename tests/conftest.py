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


#: the tiny MUNIT configuration of the MUNIT tests (a few thousand parameters, 32 px)
TINY_MUNIT = dict(gen_dim=8, mlp_dim=16, n_res=1, style_downsample=3, dis_dim=8, dis_n_layer=2, dis_num_scales=2,
                  new_size=32, crop_size=32, lr=5e-4, log_every=2, name="tiny")


@pytest.fixture
def one_thread():
    """Tiny networks: one torch thread is fastest, and does not spin on a shared CPU."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


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
