"""The MUNIT training state (Huang et al., ECCV 2018): :class:`Trainer` (two generators, two
discriminators, two Adam optimisers), its batches, and atomic, resumable checkpoints.

Checkpoints are plain dicts of state dicts (``format`` :data:`CKPT_FORMAT`), so moving a class never
breaks resuming. The command line (``python -m hw2.munit.train``), the validation during training, the
sample grids and the export of the generators are in :mod:`.train`.
"""
from __future__ import annotations

import copy
import functools
import math
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .. import config as hw2_config
from ..io import atomic_write, load_image
from .config import ARCH_FIELDS, GEN_FIELDS, TRAIN_FIELDS, MUNITConfig
from .losses import discriminator_losses, generator_losses
from .networks import build_discriminator, build_generator

__all__ = ["CheckpointError", "Trainer", "run_dir", "sample_batch", "read_checkpoint", "CKPT_FORMAT", "training_image"]

CKPT_FORMAT = "hw2-munit-checkpoint/1"


class CheckpointError(ValueError):
    """A MUNIT checkpoint cannot be read or does not fit the configuration."""


def _with_defaults(config: dict) -> dict:
    """A stored config dict completed with the defaults of fields added since it was written."""
    return {**MUNITConfig().to_dict(), **config}


def run_dir(name: str) -> Path:
    """``$HW2_HOME/munit/<name>``: checkpoint, log, history and samples of one training run."""
    return hw2_config.home() / "munit" / name


@functools.lru_cache(maxsize=4096)
def _load_resized(path: str, new_size: int) -> torch.Tensor:
    """An image with its shorter side resized to ``new_size``, as uint8 ``(3, H, W)`` (cached)."""
    img = load_image(path, max_side=max(4 * new_size, 512))
    h, w = img.shape[-2:]
    s = new_size / min(h, w)
    size = (max(new_size, round(h * s)), max(new_size, round(w * s)))
    img = F.interpolate(img, size=size, mode="bilinear", align_corners=False, antialias=s < 1)
    return (img[0].clamp(0, 1) * 255 + 0.5).to(torch.uint8)


def training_image(item, new_size: int) -> torch.Tensor:
    """A training image (a path, or a ``(1, 3, H, W)`` tensor in [0, 1]) as ``(3, H, W)`` float in [0, 1] with its
    shorter side resized to ``new_size`` (paths are decoded once and cached as uint8)."""
    if isinstance(item, torch.Tensor):
        from ..io import as_image

        t = as_image(item, name="training image")[0]
        h, w = t.shape[-2:]
        s = new_size / min(h, w)
        if s != 1:
            t = F.interpolate(t[None].float(), size=(max(new_size, round(h * s)), max(new_size, round(w * s))),
                              mode="bilinear", align_corners=False, antialias=s < 1)[0]
        return t.float()
    return _load_resized(str(item), new_size).float() / 255.0


def sample_batch(images: Sequence, rng: np.random.Generator, *, batch: int, new_size: int,
                 crop: int) -> torch.Tensor:
    """``(batch, 3, crop, crop)`` random, half-flipped crops in ``[-1, 1]`` drawn with ``rng``."""
    out = []
    for _ in range(batch):
        img = training_image(images[int(rng.integers(len(images)))], new_size)
        h, w = img.shape[-2:]
        y, x = int(rng.integers(0, h - crop + 1)), int(rng.integers(0, w - crop + 1))
        c = img[:, y:y + crop, x:x + crop]
        if rng.random() < 0.5:
            c = c.flip(-1)
        out.append(c)
    return torch.stack(out).contiguous() * 2 - 1


def _default_data(cfg: MUNITConfig):
    """monet2photo ``trainA`` and ``trainB``, without their validation parts when ``cfg.val_holdout``."""
    from ..data import monet2photo

    part = "fit" if cfg.val_holdout else None
    return monet2photo("trainA", part=part), monet2photo("trainB", part=part)


class Trainer:
    """MUNIT training state: two generators, two discriminators, two Adam optimisers.

    Parameters
    ----------
    cfg : MUNITConfig
    data_a, data_b : sequences of image paths or ``(1, 3, H, W)`` tensors in [0, 1], optional
        Default: monet2photo ``trainA`` (Monet) and ``trainB`` (photos), their ``fit`` parts with ``cfg.val_holdout``.
    directory : Path, optional
        Where checkpoint, log, history and samples go (default :func:`run_dir` ``(cfg.name)``); nothing
        is written there until a checkpoint, the log or samples are asked for.
    device : torch device, optional
    """

    def __init__(self, cfg: MUNITConfig, *, data_a: Sequence | None = None, data_b: Sequence | None = None,
                 directory: Path | None = None, device=None):
        self.cfg = cfg
        if data_a is None or data_b is None:
            da, db = _default_data(cfg)
            data_a = da if data_a is None else data_a
            data_b = db if data_b is None else data_b
        if len(data_a) == 0 or len(data_b) == 0:
            raise ValueError("MUNIT training needs images in both domains")
        self.data_a, self.data_b = list(data_a), list(data_b)
        self.directory = Path(directory) if directory is not None else run_dir(cfg.name)
        self.device = torch.device(device) if device is not None else hw2_config.device()
        torch.manual_seed(cfg.seed)
        self.gen_a = build_generator(cfg).to(self.device)
        self.gen_b = build_generator(cfg).to(self.device)
        #: moving averages of the generators (``cfg.ema_decay > 0``), exported instead of the iterates
        self.ema_a = self.ema_b = None
        if cfg.ema_decay > 0:
            self.ema_a, self.ema_b = (copy.deepcopy(g).requires_grad_(False) for g in (self.gen_a, self.gen_b))
        self.dis_a = build_discriminator(cfg).to(self.device)
        self.dis_b = build_discriminator(cfg).to(self.device)
        betas = (cfg.beta1, cfg.beta2)
        self.opt_gen = torch.optim.Adam([p for m in (self.gen_a, self.gen_b) for p in m.parameters()],
                                        lr=cfg.lr, betas=betas, weight_decay=cfg.weight_decay)
        self.opt_dis = torch.optim.Adam([p for m in (self.dis_a, self.dis_b) for p in m.parameters()],
                                        lr=cfg.lr, betas=betas, weight_decay=cfg.weight_decay)
        self.step = 0
        self.elapsed_s = 0.0
        self.history: list[dict] = []
        self._pending: list[dict] = []
        #: how this run started: ``[]`` from scratch, or one entry per ``init_from`` stage
        self.stages: list[dict] = []
        #: ``(2, style_prior_window, style_dim)`` recent encoded style codes of domains a and b
        #: (``cfg.style_prior_w > 0``); filled on first use, then a ring buffer at ``_bank_pos``
        self.style_banks: torch.Tensor | None = None
        self._bank_pos = 0
        #: validation scores (``cfg.val_every``; entries written by :mod:`.train`), kept in the checkpoint
        self.validation: list[dict] = []

    # ------------------------------------------------------------------ one step
    def batch(self, step: int, stream: int = 0) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        """Images ``x_a``, ``x_b`` in [-1, 1] and style codes of ``step`` (a function of seed and step only).

        ``stream=1`` draws an independent sequence (the discriminator warm-up's)."""
        cfg = self.cfg
        rng = np.random.default_rng([cfg.seed, step] if stream == 0 else [cfg.seed, step, stream])
        kw = dict(batch=cfg.batch_size, new_size=cfg.new_size, crop=cfg.crop_size)
        x_a = sample_batch(self.data_a, rng, **kw)
        x_b = sample_batch(self.data_b, rng, **kw)
        g = torch.Generator().manual_seed(int(rng.integers(2 ** 62)))
        shape = (cfg.batch_size, cfg.style_dim, 1, 1)
        codes = {k: torch.randn(shape, generator=g) for k in ("dis_a", "dis_b", "gen_a", "gen_b")}
        dev = self.device
        return x_a.to(dev), x_b.to(dev), {k: v.to(dev) for k, v in codes.items()}

    def augment(self, step: int, stream: int = 3):
        """The DiffAugment of ``step`` (``cfg.diffaug``; its own seeded stream), or ``None`` when it is off."""
        if not self.cfg.diffaug:
            return None
        from .augment import augmenter

        rng = np.random.default_rng([self.cfg.seed, step, stream])
        return augmenter(self.cfg.diffaug, torch.Generator().manual_seed(int(rng.integers(2 ** 62))))

    def _set_lr(self) -> float:
        lr = self.cfg.lr * self.cfg.gamma ** (self.step // self.cfg.step_size)
        for opt in (self.opt_gen, self.opt_dis):
            for group in opt.param_groups:
                group["lr"] = lr
        return lr

    def train_step(self) -> dict[str, float]:
        """One discriminator and one generator update; returns the loss values of this step."""
        t0 = time.perf_counter()
        cfg = self.cfg
        self._set_lr()
        for m in (self.gen_a, self.gen_b, self.dis_a, self.dis_b):
            m.train()
        x_a, x_b, s = self.batch(self.step)
        nets = (self.gen_a, self.gen_b, self.dis_a, self.dis_b)
        aug = self.augment(self.step)
        d = discriminator_losses(*nets, x_a, x_b, s["dis_a"], s["dis_b"], cfg, augment=aug)
        self.opt_dis.zero_grad(set_to_none=True)
        d["total"].backward()
        self.opt_dis.step()
        if cfg.style_prior_w > 0 and self.style_banks is None:
            self._fill_style_banks()
        g = generator_losses(*nets, x_a, x_b, s["gen_a"], s["gen_b"], cfg, style_banks=self.style_banks, augment=aug)
        self.opt_gen.zero_grad(set_to_none=True)
        g["total"].backward()
        self.opt_gen.step()
        self._update_ema()
        if self.style_banks is not None:
            self._push_style_codes(x_a, x_b)
        self.step += 1
        losses = {f"gen_{k}" if k == "total" else k: float(v.detach()) for k, v in g.items()}
        losses.update({"dis_total" if k == "total" else k: float(v.detach()) for k, v in d.items()})
        if not all(math.isfinite(v) for v in losses.values()):
            raise FloatingPointError(f"MUNIT step {self.step}: non-finite loss {losses}")
        self.elapsed_s += time.perf_counter() - t0
        self._pending.append(losses)
        if self.step % cfg.log_every == 0:
            entry = {"step": self.step, "elapsed_s": round(self.elapsed_s, 2)}
            entry.update({k: float(np.mean([p[k] for p in self._pending])) for k in self._pending[0]})
            self.history.append(entry)
            self._pending = []
        return losses

    @torch.no_grad()
    def _style_codes(self, x_a: torch.Tensor, x_b: torch.Tensor) -> torch.Tensor:
        return torch.stack([self.gen_a.enc_style(x_a).flatten(1), self.gen_b.enc_style(x_b).flatten(1)])

    def _fill_style_banks(self) -> None:
        """Encode ``style_prior_window`` training crops per domain (their own seeded stream, 2)."""
        k = self.cfg.style_prior_window
        codes = [self._style_codes(*self.batch(i, stream=2)[:2]) for i in range(-(-k // self.cfg.batch_size))]
        self.style_banks = torch.cat(codes, dim=1)[:, :k].contiguous()
        self._bank_pos = 0

    def _push_style_codes(self, x_a: torch.Tensor, x_b: torch.Tensor) -> None:
        """Replace the oldest codes in the banks with those of this step's images (after the update)."""
        k = self.style_banks.shape[1]
        for row in self._style_codes(x_a, x_b).unbind(1):
            self.style_banks[:, self._bank_pos] = row
            self._bank_pos = (self._bank_pos + 1) % k

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.ema_a is None:
            return
        w = 1.0 - self.cfg.ema_decay
        for ema, gen in ((self.ema_a, self.gen_a), (self.ema_b, self.gen_b)):
            for pe, pg in zip(ema.parameters(), gen.parameters()):
                pe.lerp_(pg, w)

    def _reset_ema(self) -> None:
        """Moving averages restart from the current generators."""
        if self.ema_a is not None:
            self.ema_a.load_state_dict(self.gen_a.state_dict())
            self.ema_b.load_state_dict(self.gen_b.state_dict())

    def warm_up_discriminators(self, n: int) -> dict[str, float]:
        """``n`` discriminator-only updates against the current (frozen) generators; returns the last losses.

        Used after :meth:`initialise_from` gave this run new discriminators: a fresh discriminator
        facing trained generators would otherwise send them meaningless gradients at first.
        """
        t0 = time.perf_counter()
        self._set_lr()
        for m in (self.dis_a, self.dis_b):
            m.train()
        d = {}
        for i in range(n):
            x_a, x_b, s = self.batch(i, stream=1)
            d = discriminator_losses(self.gen_a, self.gen_b, self.dis_a, self.dis_b, x_a, x_b, s["dis_a"], s["dis_b"],
                                     self.cfg, augment=self.augment(i, stream=4))
            self.opt_dis.zero_grad(set_to_none=True)
            d["total"].backward()
            self.opt_dis.step()
        self.elapsed_s += time.perf_counter() - t0
        return {k: float(v.detach()) for k, v in d.items()}

    def _config_diff(self, theirs: dict, keys) -> str:
        """``"k: checkpoint a vs config b, ..."`` for the ``keys`` where a stored config differs ('' if none)."""
        return ", ".join(f"{k}: checkpoint {theirs[k]!r} vs config {getattr(self.cfg, k)!r}"
                         for k in keys if theirs[k] != getattr(self.cfg, k))

    def _load_parts(self, state: dict, keys, path: Path) -> None:
        try:
            for key in keys:
                getattr(self, key).load_state_dict(state[key])
        except (RuntimeError, KeyError, ValueError) as exc:
            raise CheckpointError(f"checkpoint {path} does not fit the MUNIT networks: {exc}") from exc

    def initialise_from(self, path: Path) -> dict:
        """Start this run from another run's checkpoint (``init_from`` in the config).

        The generators and their Adam state, the step count, the loss history and the wall time carry
        over; the discriminators and their Adam state too when this config gives them the same shape,
        otherwise they stay freshly initialised and are trained alone for ``cfg.dis_warmup`` steps.

        Raises
        ------
        CheckpointError
            Unreadable checkpoint, or generators of another shape (the differing keys are named).
        """
        path = Path(path)
        if not path.is_file():
            raise CheckpointError(f"config {self.cfg.name!r} starts from the run in {path.parent} "
                                  f"(init_from: {self.cfg.init_from or path.parent.name}), which has no checkpoint: "
                                  "train that config first (`make train-munit` runs the stages in order)")
        state = read_checkpoint(path)
        theirs = _with_defaults(state["config"])
        diff = self._config_diff(theirs, GEN_FIELDS)
        if diff:
            raise CheckpointError(f"cannot start config {self.cfg.name!r} from {path}: the generators differ in "
                                  f"{diff}. init_from needs the same generator architecture.")
        same_dis = not self._config_diff(theirs, [k for k in ARCH_FIELDS if k not in GEN_FIELDS])
        self._load_parts(state, ("gen_a", "gen_b", "opt_gen") + (("dis_a", "dis_b", "opt_dis") if same_dis else ()),
                         path)
        self._reset_ema()
        self.style_banks, self._bank_pos = None, 0
        self.step = int(state["step"])
        self.elapsed_s = float(state["elapsed_s"])
        self.history = list(state["history"])
        self._pending = []
        stage = {"config": self.cfg.name, "init_from": self.cfg.init_from or path.parent.name,
                 "from_config": theirs["name"], "from_step": self.step,
                 "discriminators": "loaded" if same_dis else "new"}
        if not same_dis and self.cfg.dis_warmup:
            stage["dis_warmup"] = self.cfg.dis_warmup
            stage["dis_warmup_losses"] = self.warm_up_discriminators(self.cfg.dis_warmup)
        self.stages = list(state.get("stages", [])) + [stage]
        return stage

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict:
        """Everything needed to resume (loadable with ``torch.load(weights_only=True)``)."""
        return {"format": CKPT_FORMAT, "config": self.cfg.to_dict(), "step": self.step,
                "elapsed_s": self.elapsed_s, "history": list(self.history), "pending": list(self._pending),
                "stages": list(self.stages), "validation": list(self.validation),
                **({"ema_a": self.ema_a.state_dict(), "ema_b": self.ema_b.state_dict()}
                   if self.ema_a is not None else {}),
                **({"style_banks": self.style_banks.clone(), "style_bank_pos": self._bank_pos}
                   if self.style_banks is not None else {}),
                "gen_a": self.gen_a.state_dict(), "gen_b": self.gen_b.state_dict(),
                "dis_a": self.dis_a.state_dict(), "dis_b": self.dis_b.state_dict(),
                "opt_gen": self.opt_gen.state_dict(), "opt_dis": self.opt_dis.state_dict()}

    @property
    def checkpoint_path(self) -> Path:
        return self.directory / "checkpoint.pt"

    def save(self, path: Path | None = None) -> Path:
        """Write the checkpoint atomically (a kill mid-write leaves the previous one intact)."""
        path = Path(path or self.checkpoint_path)
        with atomic_write(path) as fh:
            torch.save(self.state_dict(), fh)
        return path

    def load(self, path: Path | None = None) -> None:
        """Resume from a checkpoint written by :meth:`save`.

        Raises
        ------
        CheckpointError
            The file is unreadable (corrupt, truncated, not a checkpoint) or was made with a
            different architecture or training configuration (the differing keys are named).
        """
        path = Path(path or self.checkpoint_path)
        state = read_checkpoint(path)
        diff = self._config_diff(_with_defaults(state["config"]), TRAIN_FIELDS)
        if diff:
            raise CheckpointError(f"checkpoint {path} is incompatible with config {self.cfg.name!r}: {diff}. "
                                  "Use the same config, or start over with --fresh (or another --run-dir).")
        self._load_parts(state, ("gen_a", "gen_b", "dis_a", "dis_b", "opt_gen", "opt_dis")
                         + (("ema_a", "ema_b") if self.ema_a is not None else ()), path)
        self.step = int(state["step"])
        self.elapsed_s = float(state["elapsed_s"])
        self.history = list(state["history"])
        self._pending = list(state["pending"])
        self.stages = list(state.get("stages", []))
        self.validation = list(state.get("validation", []))
        banks = state.get("style_banks")
        self.style_banks = None if banks is None else banks.to(self.device)
        self._bank_pos = int(state.get("style_bank_pos", 0))


def read_checkpoint(path: Path) -> dict:
    """Load a checkpoint file safely (``weights_only=True``), raising :class:`CheckpointError` on any problem."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no MUNIT checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # unpickling errors come in many types
        raise CheckpointError(f"cannot read MUNIT checkpoint {path} ({type(exc).__name__}: {exc}); the file is "
                              "corrupt or truncated: delete it or pass --fresh to start over") from exc
    if not isinstance(state, dict) or state.get("format") != CKPT_FORMAT:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise CheckpointError(f"{path} is not a MUNIT checkpoint of format {CKPT_FORMAT!r} (found {found!r})")
    return state
