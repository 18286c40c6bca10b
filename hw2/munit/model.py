"""The MUNIT model for inference: the committed generators, random or reference styles, both directions.

No training code is imported here (:mod:`.train` imports from this module, not the reverse);
:mod:`.evaluate` measures a model, :mod:`.method` is the method entry point.

Domain ``a`` is Monet paintings, domain ``b`` photos. Images are ``(1, 3, H, W)`` tensors in
``[0, 1]`` (the package's convention); the networks work in ``[-1, 1]``.

* ``monet2photo``: content of a painting (``E^c_a``) decoded by the photo decoder ``G_b`` with a
  style code that is either drawn at random (seeded) or encoded from a reference photo (``E^s_b``);
* ``photo2monet``: the same the other way round.

The committed generators (``hw2/weights/munit_monet2photo*.pth``, fp16) are registered in
:mod:`hw2.weights` on import of this module; :func:`load_model` rebuilds the networks from the
configuration stored in the file.

Departure from the paper: random style codes are drawn from ``N(0, T² I)`` with a *temperature*
``T = STYLE_TEMPERATURE`` (0.5) instead of the prior ``N(0, I)`` the decoders were trained with (``T = 1``;
pass ``temperature=1`` for it). Our small CPU-trained style encoders fill only part of the prior (the codes
encoded from real images have a standard deviation of 0.2-1.2 per dimension), so prior samples far from the
origin give codes the decoders never reconstruct a real image from. Shrinking them trades diversity for
fidelity, like the truncation trick of BigGAN (Brock et al. 2019) and the temperature of Glow (Kingma &
Dhariwal 2018). ``T`` was chosen on the *training* images with :func:`temperature_curve` and
:func:`choose_temperature` (notebook ``03_munit``, ``MODEL_CARD_munit.md``).
"""
from __future__ import annotations

import functools
import json
import warnings
import numpy as np
import torch
from torch import nn

from .. import config as hw2_config
from .. import weights
from ..checks import check_integer
from ..io import ImageSizeWarning, as_image, resize_to
from .config import MUNITConfig
from .networks import AdaINGen, build_generator

__all__ = ["MUNIT", "DIRECTIONS", "MODELS", "DEFAULT_MODEL", "STYLE_TEMPERATURE", "WEIGHTS_FORMAT", "load_model",
           "random_styles", "history", "prepare", "available", "check_temperature", "MIN_INPUT_SIDE", "MIN_SIZE", "MAX_WORK_PIXELS"]

#: format tag of the exported generator files (a plain dict of fp16 state dicts and the config)
WEIGHTS_FORMAT = "hw2-munit-generators/1"

#: translation directions: (source domain, target domain)
DIRECTIONS = {"monet2photo": ("a", "b"), "photo2monet": ("b", "a")}
_DOMAIN = {"a": "a", "b": "b", "monet": "a", "photo": "b"}

#: committed generators: registry name -> description (their sha256 are in hw2/weights/sha256.json)
MODELS = {
    "munit_monet2photo": (
        "MUNIT generators (Monet = domain a, photo = domain b) trained here with configs/cpu.yaml; "
        "the paper's objective."),
    "munit_monet2photo_vgg": (
        "MUNIT generators trained with configs/cpu_vgg.yaml: the munit_monet2photo run continued with the "
        "paper's optional domain-invariant perceptual (VGG) loss, exported as a moving average of the iterates; "
        "the default model."),
    "munit_monet2photo_encadv": (
        "MUNIT generators trained with configs/cpu_encadv.yaml: cpu.yaml plus the adversarial loss on "
        "translations made with style codes encoded from real images (the seed report's hypothesis)."),
}

#: smallest input side :func:`prepare` accepts (below it a photo has no content to translate)
MIN_INPUT_SIDE = 8
#: smallest working size (shorter side after :func:`prepare`): the style encoder's four downsamplings
MIN_SIZE = 16
#: largest working size in pixels; a thin strip scaled to the model size is reduced to it (with a warning)
MAX_WORK_PIXELS = 2048 * 2048

#: the model the notebooks, the conclusions and the benchmark's main figures use
DEFAULT_MODEL = "munit_monet2photo_vgg"

#: default temperature of random style codes, ``s ~ N(0, T² I)`` (the paper: 1). Chosen for the default model
#: on the training images: ``choose_temperature(temperature_curve(load_model(), split="train"))``.
STYLE_TEMPERATURE = 0.5

for _name, _desc in MODELS.items():
    weights.register_file(
        _name, source="repo", location=f"{_name}.pth",
        preprocessing="RGB in [-1, 1] inside the networks; hw2.munit.model.MUNIT.translate takes [0, 1] images with sides "
                      "that are multiples of 4 (it resizes them), best at the training scale (~80 px).",
        description=_desc + " fp16 dict {format, config, gen_a, gen_b}; see MODEL_CARD_munit.md.",
        fix=f"The file is committed: restore it with `git checkout -- hw2/weights/{_name}.pth`. Retrained "
            "generators are written beside it by `make train-munit` (python -m hw2.munit.train --export) and "
            "adopted (file and sha256) only with `--export --register`.",
        meta={"history": f"{_name}_history.json", "card": "MODEL_CARD_munit.md"})


def _domain(d: str) -> str:
    try:
        return _DOMAIN[d]
    except KeyError:
        raise ValueError(f"unknown domain {d!r}; use 'monet' ('a') or 'photo' ('b')") from None


def check_temperature(temperature: float | None) -> float:
    """``temperature`` as a float, :data:`STYLE_TEMPERATURE` for ``None``; ``ValueError`` unless finite and >= 0."""
    t = STYLE_TEMPERATURE if temperature is None else float(temperature)
    if not np.isfinite(t) or t < 0:
        raise ValueError(f"temperature must be a finite number >= 0 (1 = the prior N(0, I)), got {temperature}")
    return t


def _style_code(style, style_dim: int) -> torch.Tensor:
    """An explicit style code as ``(n, style_dim, 1, 1)`` float32: ``(style_dim,)``, ``(n, style_dim)`` or
    ``(n, style_dim, 1, 1)``, finite; a ValueError/TypeError naming ``style`` otherwise."""
    if not isinstance(style, torch.Tensor):
        try:
            style = torch.as_tensor(np.asarray(style, dtype=np.float32))
        except (TypeError, ValueError):
            raise TypeError(f"style must be a tensor of style codes, got {type(style).__name__}") from None
    shape = tuple(style.shape)
    if not (shape == (style_dim,) or (len(shape) == 2 and shape[1] == style_dim)
            or (len(shape) == 4 and shape[1:] == (style_dim, 1, 1))) or style.numel() == 0:
        raise ValueError(f"style must be a code of this model's style_dim = {style_dim}: shape ({style_dim},), "
                         f"(n, {style_dim}) or (n, {style_dim}, 1, 1), got {shape} "
                         "(e.g. from random_style or style_of)")
    if style.dtype.is_complex or style.dtype == torch.bool:
        raise TypeError(f"style must hold real numbers, got {style.dtype}")
    style = style.detach().float().reshape(-1, style_dim, 1, 1)
    if not bool(torch.isfinite(style).all()):
        raise ValueError("style holds NaN or infinite values")
    return style


def _direction(direction: str) -> tuple[str, str]:
    try:
        return DIRECTIONS[direction]
    except KeyError:
        raise ValueError(f"unknown direction {direction!r}; choose one of {sorted(DIRECTIONS)}") from None


def prepare(image, size: int | None, *, multiple: int = 4, name: str = "image") -> torch.Tensor:
    """Resize ``image`` so its *shorter* side is ``size`` (the training ``new_size``) and both sides are
    multiples of ``multiple``; ``size=None`` only rounds the sides.

    ``image`` is anything :func:`hw2.io.as_image` takes (``(N, 3, H, W)`` batches too), in [0, 1], with
    both sides at least :data:`MIN_INPUT_SIDE`; ``size`` an integer >= :data:`MIN_SIZE`. A working size
    above :data:`MAX_WORK_PIXELS` pixels (a thin strip scaled up) is reduced with an
    :class:`hw2.io.ImageSizeWarning`.
    """
    image = as_image(image, name=name, min_side=MIN_INPUT_SIDE, batch=True)
    if size is not None:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < MIN_SIZE:
            raise ValueError(f"size must be an integer >= {MIN_SIZE} (MUNIT's minimum working size), got {size!r}")
    h, w = image.shape[-2:]
    s = 1.0 if size is None else size / min(h, w)
    if h * w * s * s > MAX_WORK_PIXELS:
        s_cap = (MAX_WORK_PIXELS / (h * w)) ** 0.5
        warnings.warn(f"{name} of {h}x{w} at size={size} would be {round(h * s)}x{round(w * s)} px; "
                      f"reduced to about {round(h * s_cap)}x{round(w * s_cap)} ({MAX_WORK_PIXELS} px at most)",
                      ImageSizeWarning, stacklevel=3)
        s = s_cap
    nh = max(multiple, int(round(h * s / multiple)) * multiple)
    nw = max(multiple, int(round(w * s / multiple)) * multiple)
    return resize_to(image, (nh, nw))


class MUNIT(nn.Module):
    """Both domains' generators with translation helpers (inputs and outputs in ``[0, 1]``).

    Parameters
    ----------
    cfg : MUNITConfig
    gen_a, gen_b : AdaINGen, optional
        Monet and photo generators (default: freshly initialised).
    """

    def __init__(self, cfg: MUNITConfig, gen_a: AdaINGen | None = None, gen_b: AdaINGen | None = None):
        super().__init__()
        self.cfg = cfg
        self.gen_a = gen_a if gen_a is not None else build_generator(cfg)
        self.gen_b = gen_b if gen_b is not None else build_generator(cfg)
        self.eval()

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def _gen(self, domain: str) -> AdaINGen:
        return self.gen_a if _domain(domain) == "a" else self.gen_b

    def _in(self, image: torch.Tensor, size: int | None, name: str = "image") -> torch.Tensor:
        return prepare(image, size, multiple=2 ** self.cfg.n_downsample, name=name).to(self.device) * 2 - 1

    @torch.no_grad()
    def encode(self, image: torch.Tensor, *, domain: str, size: int | None = None):
        """(content, style) codes of ``image`` in its ``domain`` (``'monet'`` or ``'photo'``)."""
        return self._gen(domain).encode(self._in(image, size))

    @torch.no_grad()
    def style_of(self, image: torch.Tensor, *, domain: str, size: int | None = None) -> torch.Tensor:
        """Style code ``(1, style_dim, 1, 1)`` encoded from ``image`` of ``domain``."""
        return self._gen(domain).enc_style(self._in(image, size))

    def random_style(self, n: int = 1, *, seed: int, temperature: float | None = None) -> torch.Tensor:
        """``n`` style codes drawn from ``N(0, T² I)`` with ``seed``, shape ``(n, style_dim, 1, 1)``.

        ``T = temperature`` (default :data:`STYLE_TEMPERATURE`; 1 is the paper's prior). The same seed gives
        the same direction at every temperature: the codes are ``T`` times the prior's.
        """
        t = check_temperature(temperature)
        g = torch.Generator().manual_seed(check_integer(seed, "seed"))
        return (t * torch.randn(n, self.cfg.style_dim, 1, 1, generator=g)).to(self.device)

    @torch.no_grad()
    def reconstruct(self, image: torch.Tensor, *, domain: str, size: int | None = None) -> torch.Tensor:
        """``G(E^c(x), E^s(x))`` in ``[0, 1]``, at the prepared size."""
        gen = self._gen(domain)
        return ((gen.decode(*gen.encode(self._in(image, size))) + 1) / 2).clamp(0, 1)

    @torch.no_grad()
    def translate(self, image: torch.Tensor, *, direction: str, style: torch.Tensor | None = None,
                  seed: int | None = None, reference: torch.Tensor | None = None,
                  size: int | None = None, temperature: float | None = None) -> torch.Tensor:
        """Translate ``image`` across domains.

        Parameters
        ----------
        image : (1, 3, H, W) tensor in [0, 1], or any image :func:`hw2.io.as_image` takes
            Both sides at least :data:`MIN_INPUT_SIDE` px (see :func:`prepare`).
        direction : ``'monet2photo'`` or ``'photo2monet'``
        style : (1, style_dim[, 1, 1]) tensor, optional
            An explicit style code of the target domain.
        seed : int, optional
            Draw the style code from ``N(0, T² I)`` with this seed (random-style translation).
        reference : (1, 3, H, W) tensor in [0, 1], optional
            A target-domain image whose encoded style code is used (reference-style translation).
        size : int, optional
            Shorter side the input (and reference) is resized to, >= :data:`MIN_SIZE`; default: the
            training ``new_size``.
        temperature : float >= 0, optional
            ``T`` of the random style code (only with ``seed``); default :data:`STYLE_TEMPERATURE`, 1 the prior.

        Exactly one of ``style``, ``seed``, ``reference`` must be given.

        Returns
        -------
        (1, 3, h, w) tensor in [0, 1], ``h, w`` the prepared input size.
        """
        src, tgt = _direction(direction)
        if sum(v is not None for v in (style, seed, reference)) != 1:
            raise ValueError("give exactly one of style=, seed=, reference=")
        if temperature is not None and seed is None:
            raise ValueError("temperature= applies to random styles only (seed=)")
        if style is not None:
            style = _style_code(style, self.cfg.style_dim)
        size = self.cfg.new_size if size is None else size
        x = self._in(image, size)
        if reference is not None:
            ref = self._in(reference, size, "reference")
            if ref.shape[0] not in (1, x.shape[0]):
                raise ValueError(f"reference is a batch of {ref.shape[0]} images but image a batch of {x.shape[0]}; "
                                 "give one reference for all or one per image")
            style = self._gen(tgt).enc_style(ref)
        elif seed is not None:
            style = self.random_style(1, seed=seed, temperature=temperature)
        elif style.shape[0] not in (1, x.shape[0]):
            raise ValueError(f"style holds {style.shape[0]} codes but image is a batch of {x.shape[0]}; "
                             "give one code for all or one per image")
        content = self._gen(src).enc_content(x)
        style = style.to(self.device).reshape(-1, self.cfg.style_dim, 1, 1)
        if style.shape[0] != content.shape[0]:
            style = style.expand(content.shape[0], -1, -1, -1)
        return ((self._gen(tgt).decode(content, style) + 1) / 2).clamp(0, 1)


def random_styles(model: MUNIT, image: torch.Tensor, n: int, *, direction: str, seed: int = 0,
                  size: int | None = None, temperature: float | None = None) -> list[torch.Tensor]:
    """``n`` translations of ``image`` with the style codes of seeds ``seed, seed+1, ...`` (at ``temperature``)."""
    return [model.translate(image, direction=direction, seed=seed + i, size=size, temperature=temperature)
            for i in range(n)]


@functools.lru_cache(maxsize=4)
def _load(name: str, device: str) -> MUNIT:
    state = weights.load_state_dict(name)
    if state.get("format") != WEIGHTS_FORMAT:
        raise weights.WeightsError(f"weights {name!r} are not MUNIT generators of format {WEIGHTS_FORMAT!r}")
    cfg = MUNITConfig.from_dict(state["config"])
    model = MUNIT(cfg, build_generator(cfg, init=False), build_generator(cfg, init=False))
    model.gen_a.load_state_dict({k: v.float() for k, v in state["gen_a"].items()})
    model.gen_b.load_state_dict({k: v.float() for k, v in state["gen_b"].items()})
    return model.to(device).eval()


def load_model(name: str = DEFAULT_MODEL, *, device=None) -> MUNIT:
    """The committed MUNIT generators ``name`` (see :data:`MODELS`), verified by sha256, cached per device.

    Do not modify the returned module (it is shared).
    """
    if name not in MODELS:
        raise ValueError(f"unknown MUNIT model {name!r}; choose one of {sorted(MODELS)}")
    dev = torch.device(device) if device is not None else hw2_config.device()
    return _load(name, str(dev))


def available(name: str = DEFAULT_MODEL) -> tuple[bool, str]:
    """Whether the committed generators ``name`` are present and intact: ``(ok, message)``; never raises."""
    return weights.available(name)


def history(name: str = DEFAULT_MODEL) -> dict:
    """The committed training record ``{"summary": {...}, "history": [{step, elapsed_s, losses...}]}``."""
    if name not in MODELS:
        raise ValueError(f"unknown MUNIT model {name!r}; choose one of {sorted(MODELS)}")
    path = hw2_config.WEIGHTS / f"{name}_history.json"
    if not path.is_file():
        raise FileNotFoundError(f"training history {path} is missing; it is committed with the weights")
    return json.loads(path.read_text())


