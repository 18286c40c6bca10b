"""MUNIT networks (Huang, Liu, Belongie, Kautz, "Multimodal Unsupervised Image-to-Image
Translation", ECCV 2018), following the authors' released code (NVlabs/MUNIT ``networks.py``).

All networks work on images in ``[-1, 1]`` (the authors' convention); :mod:`hw2.munit.translate`
converts from and to the package's ``[0, 1]``.

* :class:`ContentEncoder`: 7x7 conv, ``n_downsample`` stride-2 4x4 convs (channels doubling),
  ``n_res`` residual blocks; instance norm and ReLU everywhere. Output ``(N, dim*2**n_down,
  H/2**n_down, W/2**n_down)``.
* :class:`StyleEncoder`: 7x7 conv, ``style_downsample`` stride-2 convs (channels doubling twice,
  then constant), global average pooling, 1x1 conv to ``style_dim``; no normalisation (instance
  norm would remove the style). Output ``(N, style_dim, 1, 1)``.
* :class:`Decoder`: ``n_res`` residual blocks with adaptive instance norm (AdaIN), then
  ``n_downsample`` x (nearest upsampling, 5x5 conv, layer norm, ReLU), a 7x7 conv and ``tanh``.
* :class:`MLP`: style code -> all AdaIN affine parameters of the decoder (3 linear layers).
* :class:`AdaINGen`: one domain's auto-encoder (both encoders, MLP, decoder).
* :class:`MsImageDis`: multi-scale discriminator (LSGAN), ``dis_num_scales`` PatchGAN-like nets on
  the image average-pooled by 1, 2, 4, ...

Departure from the paper: none in the architecture; the CPU configuration only shrinks it.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import MUNITConfig

__all__ = ["AdaptiveInstanceNorm2d", "LayerNorm", "Conv2dBlock", "ResBlock", "ContentEncoder",
           "StyleEncoder", "MLP", "Decoder", "AdaINGen", "MsImageDis", "num_adain_params",
           "assign_adain_params", "build_generator", "build_discriminator", "weights_init"]


class AdaptiveInstanceNorm2d(nn.Module):
    """Instance norm whose per-sample affine ``weight``/``bias`` (shape ``(N*C,)``) are set from outside.

    AdaIN(z, y) = y_std * (z - mean(z)) / std(z) + y_mean  (Huang & Belongie 2017).
    """

    def __init__(self, num_features: int, eps: float = 1e-5):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.weight: torch.Tensor | None = None
        self.bias: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.weight is None or self.bias is None:
            raise RuntimeError("AdaIN parameters are not set: call assign_adain_params(params, decoder) first")
        n, c = x.shape[:2]
        if self.weight.numel() != n * c:
            raise RuntimeError(f"AdaIN parameters are for {self.weight.numel() // c} samples, input has {n}")
        out = F.instance_norm(x, eps=self.eps)
        return out * self.weight.view(n, c, 1, 1) + self.bias.view(n, c, 1, 1)

    def extra_repr(self) -> str:
        return f"{self.num_features}"


class LayerNorm(nn.Module):
    """Layer norm over ``(C, H, W)`` per sample with a per-channel affine map (as in the authors' code)."""

    def __init__(self, num_features: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.empty(num_features).uniform_())
        self.beta = nn.Parameter(torch.zeros(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        flat = x.reshape(n, -1)
        mean = flat.mean(1).view(n, 1, 1, 1)
        std = flat.std(1).view(n, 1, 1, 1)
        x = (x - mean) / (std + self.eps)
        return x * self.gamma.view(1, -1, 1, 1) + self.beta.view(1, -1, 1, 1)


def _norm(norm: str, dim: int) -> nn.Module:
    if norm == "in":
        return nn.InstanceNorm2d(dim)
    if norm == "ln":
        return LayerNorm(dim)
    if norm == "adain":
        return AdaptiveInstanceNorm2d(dim)
    if norm == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {norm!r}")


def _activ(activ: str) -> nn.Module:
    return {"relu": nn.ReLU(inplace=True), "lrelu": nn.LeakyReLU(0.2, inplace=True), "tanh": nn.Tanh(),
            "none": nn.Identity()}[activ]


class Conv2dBlock(nn.Module):
    """Padding, convolution, normalisation, activation."""

    def __init__(self, in_dim: int, out_dim: int, kernel: int, stride: int, padding: int = 0, *,
                 norm: str = "none", activation: str = "relu", pad_type: str = "reflect"):
        super().__init__()
        self.pad = nn.ReflectionPad2d(padding) if pad_type == "reflect" else nn.ZeroPad2d(padding)
        self.conv = nn.Conv2d(in_dim, out_dim, kernel, stride, bias=True)
        self.norm = _norm(norm, out_dim)
        self.activation = _activ(activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.norm(self.conv(self.pad(x))))


class ResBlock(nn.Module):
    """Two 3x3 conv blocks with a skip connection (second block without activation)."""

    def __init__(self, dim: int, *, norm: str = "in", pad_type: str = "reflect"):
        super().__init__()
        self.model = nn.Sequential(
            Conv2dBlock(dim, dim, 3, 1, 1, norm=norm, activation="relu", pad_type=pad_type),
            Conv2dBlock(dim, dim, 3, 1, 1, norm=norm, activation="none", pad_type=pad_type))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.model(x)


class ContentEncoder(nn.Module):
    """Image ``(N, 3, H, W)`` in [-1, 1] -> content code ``(N, dim * 2**n_downsample, H/2**n, W/2**n)``."""

    def __init__(self, n_downsample: int, n_res: int, input_dim: int, dim: int, *, pad_type: str = "reflect"):
        super().__init__()
        layers = [Conv2dBlock(input_dim, dim, 7, 1, 3, norm="in", pad_type=pad_type)]
        for _ in range(n_downsample):
            layers.append(Conv2dBlock(dim, 2 * dim, 4, 2, 1, norm="in", pad_type=pad_type))
            dim *= 2
        layers += [ResBlock(dim, norm="in", pad_type=pad_type) for _ in range(n_res)]
        self.model = nn.Sequential(*layers)
        self.output_dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class StyleEncoder(nn.Module):
    """Image ``(N, 3, H, W)`` in [-1, 1] -> style code ``(N, style_dim, 1, 1)`` (no normalisation layers)."""

    def __init__(self, n_downsample: int, input_dim: int, dim: int, style_dim: int, *, pad_type: str = "reflect"):
        super().__init__()
        layers = [Conv2dBlock(input_dim, dim, 7, 1, 3, norm="none", pad_type=pad_type)]
        for i in range(n_downsample):
            out = dim * 2 if i < 2 else dim
            layers.append(Conv2dBlock(dim, out, 4, 2, 1, norm="none", pad_type=pad_type))
            dim = out
        layers += [nn.AdaptiveAvgPool2d(1), nn.Conv2d(dim, style_dim, 1)]
        self.model = nn.Sequential(*layers)
        self.output_dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class MLP(nn.Module):
    """Style code ``(N, style_dim[, 1, 1])`` -> ``(N, output_dim)`` AdaIN parameters; ``n_blk`` linear layers."""

    def __init__(self, input_dim: int, output_dim: int, dim: int, n_blk: int = 3):
        super().__init__()
        layers: list[nn.Module] = [nn.Linear(input_dim, dim), nn.ReLU(inplace=True)]
        for _ in range(n_blk - 2):
            layers += [nn.Linear(dim, dim), nn.ReLU(inplace=True)]
        layers.append(nn.Linear(dim, output_dim))
        self.model = nn.Sequential(*layers)
        self.output_dim = output_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x.reshape(x.shape[0], -1))


class Decoder(nn.Module):
    """Content code -> image in [-1, 1]: AdaIN residual blocks, then (upsample, 5x5 conv, LN, ReLU) x n, 7x7 conv, tanh."""

    def __init__(self, n_upsample: int, n_res: int, dim: int, output_dim: int, *, pad_type: str = "reflect"):
        super().__init__()
        layers: list[nn.Module] = [ResBlock(dim, norm="adain", pad_type=pad_type) for _ in range(n_res)]
        for _ in range(n_upsample):
            layers += [nn.Upsample(scale_factor=2, mode="nearest"),
                       Conv2dBlock(dim, dim // 2, 5, 1, 2, norm="ln", pad_type=pad_type)]
            dim //= 2
        layers.append(Conv2dBlock(dim, output_dim, 7, 1, 3, norm="none", activation="tanh", pad_type=pad_type))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def num_adain_params(model: nn.Module) -> int:
    """Number of AdaIN parameters of ``model``: 2 x channels (mean and std) per AdaIN layer."""
    return sum(2 * m.num_features for m in model.modules() if isinstance(m, AdaptiveInstanceNorm2d))


def assign_adain_params(params: torch.Tensor, model: nn.Module) -> None:
    """Distribute ``params`` ``(N, num_adain_params(model))`` over the AdaIN layers of ``model``.

    For each layer (in module order) the first ``C`` values are the bias (target mean), the
    next ``C`` the weight (target std), as in the authors' code.
    """
    need = num_adain_params(model)
    if params.dim() != 2 or params.shape[1] != need:
        raise ValueError(f"expected AdaIN parameters of shape (N, {need}), got {tuple(params.shape)}")
    for m in model.modules():
        if isinstance(m, AdaptiveInstanceNorm2d):
            c = m.num_features
            m.bias = params[:, :c].contiguous().view(-1)
            m.weight = params[:, c:2 * c].contiguous().view(-1)
            params = params[:, 2 * c:]


class AdaINGen(nn.Module):
    """One domain's MUNIT auto-encoder: content encoder, style encoder, MLP and AdaIN decoder.

    Parameters
    ----------
    cfg : MUNITConfig
        Uses ``gen_dim``, ``mlp_dim``, ``style_dim``, ``n_downsample``, ``n_res``,
        ``style_downsample``, ``pad_type``.
    """

    def __init__(self, cfg: MUNITConfig):
        super().__init__()
        self.style_dim = cfg.style_dim
        self.enc_style = StyleEncoder(cfg.style_downsample, 3, cfg.gen_dim, cfg.style_dim, pad_type=cfg.pad_type)
        self.enc_content = ContentEncoder(cfg.n_downsample, cfg.n_res, 3, cfg.gen_dim, pad_type=cfg.pad_type)
        self.dec = Decoder(cfg.n_downsample, cfg.n_res, self.enc_content.output_dim, 3, pad_type=cfg.pad_type)
        self.mlp = MLP(cfg.style_dim, num_adain_params(self.dec), cfg.mlp_dim, 3)

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(N, 3, H, W)`` in [-1, 1] -> (content ``(N, C, h, w)``, style ``(N, style_dim, 1, 1)``)."""
        if images.dim() != 4 or images.shape[1] != 3:
            raise ValueError(f"MUNIT expects (N, 3, H, W) images, got shape {tuple(images.shape)}")
        return self.enc_content(images), self.enc_style(images)

    def decode(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """Content ``(N, C, h, w)`` and style ``(N, style_dim[, 1, 1])`` -> image ``(N, 3, H, W)`` in [-1, 1]."""
        if style.shape[0] != content.shape[0] or style.reshape(style.shape[0], -1).shape[1] != self.style_dim:
            raise ValueError(f"style code must be (N={content.shape[0]}, {self.style_dim}[, 1, 1]), "
                             f"got {tuple(style.shape)}")
        assign_adain_params(self.mlp(style), self.dec)
        return self.dec(content)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Reconstruction ``decode(*encode(images))``."""
        return self.decode(*self.encode(images))


class MsImageDis(nn.Module):
    """Multi-scale discriminator with the least-squares GAN loss (Mao et al. 2017).

    Each of ``num_scales`` nets: 4x4 stride-2 convs (``dim``, doubling, ``n_layer`` of them, leaky
    ReLU 0.2, no norm) then a 1x1 conv to one channel; scale ``k`` sees the input average-pooled
    ``k`` times (3x3, stride 2).
    """

    def __init__(self, cfg: MUNITConfig):
        super().__init__()
        self.num_scales = cfg.dis_num_scales
        self.downsample = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
        self.cnns = nn.ModuleList()
        for _ in range(cfg.dis_num_scales):
            dim = cfg.dis_dim
            layers = [Conv2dBlock(3, dim, 4, 2, 1, norm="none", activation="lrelu", pad_type=cfg.pad_type)]
            for _ in range(cfg.dis_n_layer - 1):
                layers.append(Conv2dBlock(dim, 2 * dim, 4, 2, 1, norm="none", activation="lrelu",
                                          pad_type=cfg.pad_type))
                dim *= 2
            layers.append(nn.Conv2d(dim, 1, 1))
            self.cnns.append(nn.Sequential(*layers))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outs = []
        for cnn in self.cnns:
            outs.append(cnn(x))
            x = self.downsample(x)
        return outs

    def calc_dis_loss(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        """LSGAN discriminator loss: ``sum over scales of mean(D(fake)^2) + mean((D(real) - 1)^2)``."""
        loss = 0
        for o0, o1 in zip(self(fake), self(real)):
            loss = loss + torch.mean(o0 ** 2) + torch.mean((o1 - 1) ** 2)
        return loss

    def calc_gen_loss(self, fake: torch.Tensor) -> torch.Tensor:
        """LSGAN generator loss: ``sum over scales of mean((D(fake) - 1)^2)``."""
        loss = 0
        for o in self(fake):
            loss = loss + torch.mean((o - 1) ** 2)
        return loss


def weights_init(kind: str):
    """Initialiser applied with ``module.apply``: ``kaiming`` (generators) or ``gaussian`` N(0, 0.02) (discriminators)."""

    def init(m):
        if isinstance(m, (nn.Conv2d, nn.Linear)) and kind != "default":
            if kind == "gaussian":
                nn.init.normal_(m.weight, 0.0, 0.02)
            elif kind == "kaiming":
                nn.init.kaiming_normal_(m.weight, a=0, mode="fan_in")
            else:
                raise ValueError(f"unknown init {kind!r}")
            if m.bias is not None:
                nn.init.zeros_(m.bias)

    return init


def build_generator(cfg: MUNITConfig, *, init: bool = True) -> AdaINGen:
    """An :class:`AdaINGen` for ``cfg``, Kaiming-initialised like the authors' (``init=False``: PyTorch default)."""
    gen = AdaINGen(cfg)
    if init:
        gen.apply(weights_init("kaiming"))
    return gen


def build_discriminator(cfg: MUNITConfig, *, init: bool = True) -> MsImageDis:
    """An :class:`MsImageDis` for ``cfg``, initialised N(0, 0.02) like the authors'."""
    dis = MsImageDis(cfg)
    if init:
        dis.apply(weights_init("gaussian"))
    return dis
