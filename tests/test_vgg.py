"""hw2.vgg: layer shapes, truncation, pooling indices, gradients."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from hw2.vgg import LAYERS, VGG19Encoder, layer_channels, vgg19

EXPECTED = {"relu1_1": (64, 64), "relu2_1": (128, 32), "relu3_1": (256, 16), "relu4_1": (512, 8),
            "relu4_2": (512, 8), "relu5_1": (512, 4), "pool5": (512, 2)}


def test_layer_shapes_at_64px():
    enc = vgg19("pool5", device="cpu")
    feats = enc.encode(torch.rand(2, 3, 64, 64), list(EXPECTED))
    for name, (c, s) in EXPECTED.items():
        assert tuple(feats[name].shape) == (2, c, s, s), name
        assert layer_channels(name) == c
        assert float(feats[name].min()) >= 0 or name.startswith("pool")


def test_truncated_encoder_stops_at_last_layer():
    enc = VGG19Encoder("relu2_1", pretrained=False)
    assert enc.names[-1] == "relu2_1"
    assert sum(isinstance(m, torch.nn.MaxPool2d) for m in enc.layers) == 1
    with pytest.raises(ValueError, match="deeper"):
        enc(torch.rand(1, 3, 16, 16), ["relu3_1"])


def test_unknown_layer_and_bad_input():
    enc = vgg19("relu1_1", device="cpu")
    with pytest.raises(ValueError, match="relu9_9"):
        enc(torch.rand(1, 3, 8, 8), ["relu9_9"])
    with pytest.raises(ValueError, match="3, H, W"):
        enc(torch.rand(1, 4, 8, 8))


@pytest.mark.parametrize("size", [64, 63])
def test_unpooling_restores_prepool_positions(size):
    enc = vgg19("pool2", device="cpu")
    x = torch.rand(1, 3, size, size)
    feats, pools = enc.encode(x, ["relu1_2", "pool1", "relu2_2", "pool2"], return_indices=True)
    for pre, pool in (("relu1_2", "pool1"), ("relu2_2", "pool2")):
        ind, pre_size = pools[pool]
        assert tuple(pre_size) == tuple(feats[pre].shape[-2:])
        un = F.max_unpool2d(feats[pool], ind, 2, 2, output_size=pre_size)
        assert un.shape == feats[pre].shape
        mask = un != 0
        # every kept value sits exactly where it came from in the pre-pool map
        assert torch.equal(un[mask], feats[pre][mask])
        # and each pooled value is the maximum of its window
        assert torch.allclose(F.max_pool2d(feats[pre], 2, 2, ceil_mode=True), feats[pool])


def test_gradient_flows_to_input_only():
    enc = vgg19("relu3_1", device="cpu")
    x = torch.rand(1, 3, 32, 32, requires_grad=True)
    enc.encode(x, ["relu3_1"])["relu3_1"].mean().backward()
    assert x.grad is not None and float(x.grad.abs().sum()) > 0
    assert all(p.grad is None and not p.requires_grad for p in enc.parameters())


def test_pretrained_weights_match_file():
    from hw2 import weights

    sd = weights.load_state_dict("vgg19_normalized")
    enc = VGG19Encoder("relu5_1")
    assert torch.equal(enc.input_conv.weight, sd["0.weight"])
    conv5_1 = enc.layers[enc.names.index("conv5_1")][1]
    assert torch.equal(conv5_1.weight, sd["42.weight"])
    assert LAYERS.index("relu5_1") == enc.names.index("relu5_1")


def test_input_conv_is_caffe_preprocessing():
    """The 1x1 layer maps RGB [0,1] to BGR*255 minus the ImageNet mean."""
    enc = vgg19("relu1_1", device="cpu")
    x = torch.rand(1, 3, 4, 4)
    y = enc.input_conv(x)
    mean = torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)
    assert torch.allclose(y, x.flip(1) * 255 - mean, atol=1e-3)
