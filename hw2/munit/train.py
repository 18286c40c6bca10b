"""Train MUNIT on monet2photo: ``python -m hw2.munit.train --config cpu [cpu_encadv ...]``.

Domain ``a`` = Monet paintings (``trainA``), domain ``b`` = photos (``trainB``). Each step draws
``batch_size`` images per domain, resizes the shorter side to ``new_size``, takes a random
``crop_size`` crop, flips it half of the time, and performs one discriminator update then one
generator update with fresh random style codes (authors' ``train.py``: ``dis_update`` then
``gen_update``), Adam for both.

Reproducibility and robustness
------------------------------
* everything random in step ``t`` (images, crops, flips, style codes) comes from
  ``np.random.default_rng([seed, t])``: a resumed run continues exactly like an uninterrupted one;
* checkpoints (networks, optimizers, step, loss history, wall time, config) are written
  atomically to ``$HW2_HOME/munit/<config name>/checkpoint.pt`` every ``ckpt_every_s`` seconds and
  at the end; a rerun resumes from it (``--fresh`` starts over). A corrupt or incompatible
  checkpoint raises :class:`CheckpointError` naming the problem;
* staged training: a config with ``init_from: <run>`` starts (when it has no checkpoint of its own)
  from that run's checkpoint, keeping its step count, so a later stage can change loss weights or
  the discriminators without retraining the generators (:meth:`Trainer.initialise_from`);
* a tqdm bar shows the losses; ``train.log`` and ``history.json`` (loss means every ``log_every``
  steps) and sample grids ``samples/step_XXXXXX.jpg`` (every ``sample_every`` steps) go there too.

Several ``--config`` values are trained round-robin, one step each, in one process (one CPU job,
and both runs reach the same number of steps whenever they are stopped). ``--export`` writes the
fp16 generators and the loss history to ``hw2/weights/``.
"""
from __future__ import annotations

import argparse
import copy
import functools
import json
import logging
import math
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .. import config as hw2_config
from ..io import atomic_write, load_image, save_image
from .config import ARCH_FIELDS, GEN_FIELDS, TRAIN_FIELDS, MUNITConfig, load_config
from .losses import discriminator_losses, generator_losses
from .model import WEIGHTS_FORMAT
from .networks import build_discriminator, build_generator

__all__ = ["CheckpointError", "Trainer", "run_dir", "sample_batch", "export", "main", "CKPT_FORMAT",
           "WEIGHTS_FORMAT"]

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


def _as_image(item, new_size: int) -> torch.Tensor:
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
        img = _as_image(images[int(rng.integers(len(images)))], new_size)
        h, w = img.shape[-2:]
        y, x = int(rng.integers(0, h - crop + 1)), int(rng.integers(0, w - crop + 1))
        c = img[:, y:y + crop, x:x + crop]
        if rng.random() < 0.5:
            c = c.flip(-1)
        out.append(c)
    return torch.stack(out).contiguous() * 2 - 1


def _default_data():
    from ..data import monet2photo

    return monet2photo("trainA"), monet2photo("trainB")


class Trainer:
    """MUNIT training state: two generators, two discriminators, two Adam optimisers.

    Parameters
    ----------
    cfg : MUNITConfig
    data_a, data_b : sequences of image paths or ``(1, 3, H, W)`` tensors in [0, 1], optional
        Default: monet2photo ``trainA`` (Monet) and ``trainB`` (photos).
    directory : Path, optional
        Where checkpoint, log, history and samples go (default :func:`run_dir` ``(cfg.name)``); nothing
        is written there until a checkpoint, the log or samples are asked for.
    device : torch device, optional
    """

    def __init__(self, cfg: MUNITConfig, *, data_a: Sequence | None = None, data_b: Sequence | None = None,
                 directory: Path | None = None, device=None):
        self.cfg = cfg
        if data_a is None or data_b is None:
            da, db = _default_data()
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
        d = discriminator_losses(*nets, x_a, x_b, s["dis_a"], s["dis_b"], cfg)
        self.opt_dis.zero_grad(set_to_none=True)
        d["total"].backward()
        self.opt_dis.step()
        if cfg.style_prior_w > 0 and self.style_banks is None:
            self._fill_style_banks()
        g = generator_losses(*nets, x_a, x_b, s["gen_a"], s["gen_b"], cfg, style_banks=self.style_banks)
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
                                     self.cfg)
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
                "stages": list(self.stages),
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
        banks = state.get("style_banks")
        self.style_banks = None if banks is None else banks.to(self.device)
        self._bank_pos = int(state.get("style_bank_pos", 0))

    # ------------------------------------------------------------------ samples
    @torch.no_grad()
    def sample_grid(self, images_a: Sequence[torch.Tensor], images_b: Sequence[torch.Tensor], *,
                    n_random: int = 2) -> torch.Tensor:
        """Rows ``x | reconstruction | n_random random-style translations | reference-style`` per image, [0, 1]."""
        g = torch.Generator().manual_seed(1234)
        rows = []
        for src, tgt_imgs, enc, dec in ((images_a, images_b, self.gen_a, self.gen_b),
                                        (images_b, images_a, self.gen_b, self.gen_a)):
            for i, x in enumerate(src):
                x = x.to(self.device) * 2 - 1
                ref = tgt_imgs[(i + 1) % len(tgt_imgs)].to(self.device) * 2 - 1
                c, s = enc.encode(x)
                cells = [x, enc.decode(c, s)]
                for _ in range(n_random):
                    cells.append(dec.decode(c, torch.randn(1, self.cfg.style_dim, 1, 1, generator=g).to(self.device)))
                cells.append(dec.decode(c, dec.encode(ref)[1]))
                rows.append(torch.cat(cells, dim=3))
        for m in (self.gen_a, self.gen_b):
            m.train()
        return (torch.cat(rows, dim=2) + 1) / 2


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


def _fixed_samples(cfg: MUNITConfig, n: int = 2) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    from ..data import monet2photo, pick

    def prep(p):
        t = _as_image(p, cfg.new_size)[None]
        h, w = t.shape[-2:]
        y, x = (h - cfg.crop_size) // 2, (w - cfg.crop_size) // 2
        return t[..., y:y + cfg.crop_size, x:x + cfg.crop_size]

    return ([prep(p) for p in pick(monet2photo("testA"), n, seed=cfg.seed)],
            [prep(p) for p in pick(monet2photo("testB"), n, seed=cfg.seed)])


def export(name: str, *, directory: Path | None = None, dest: Path | None = None, extra: dict | None = None,
           register: bool = False) -> dict:
    """Write ``munit_monet2photo[_<variant>].pth`` (fp16 generators + config) and ``..._history.json``.

    Parameters
    ----------
    name : str
        Config/run name (``cpu`` -> ``munit_monet2photo``, ``cpu_encadv`` -> ``munit_monet2photo_encadv``).

    register : bool
        Replace a committed file whose hash changed and update its registered sha256; without it such
        a file is written beside the committed one (:func:`hw2.weights.export_file`) and the
        history is not touched.

    Returns
    -------
    dict summary (file names, sha256, sizes, steps, wall time, final losses, status).
    """
    from .. import weights
    from . import model  # noqa: F401  (registers the committed generators)

    directory = Path(directory or run_dir(name))
    dest = Path(dest or hw2_config.WEIGHTS)
    state = read_checkpoint(directory / "checkpoint.pt")
    stem = weights_name(name)
    ema = "ema_a" in state  # the moving average is what a run with ema_decay > 0 ships
    half = {"format": WEIGHTS_FORMAT, "config": state["config"],
            "gen_a": {k: v.half().contiguous() for k, v in state["ema_a" if ema else "gen_a"].items()},
            "gen_b": {k: v.half().contiguous() for k, v in state["ema_b" if ema else "gen_b"].items()}}
    file = dest / f"{stem}.pth"
    status = "new"
    if stem in weights.REGISTRY:
        res = weights.export_file(stem, lambda fh: torch.save(half, fh), register=register, dest=file)
        file, status = Path(res["file"]), res["status"]
        if res.get("message"):
            print(res["message"], file=sys.stderr)
    else:
        with atomic_write(file) as fh:
            torch.save(half, fh)
    last = state["history"][-max(1, min(8, len(state["history"]))):]
    final = {k: float(np.mean([h[k] for h in last])) for k in last[0] if k not in ("step", "elapsed_s")} if last else {}
    summary = {"name": stem, "file": file.name, "sha256": weights.sha256_of(file), "status": status,
               "bytes": file.stat().st_size,
               "steps": state["step"], "elapsed_s": round(state["elapsed_s"], 1),
               "final_losses": final, "config": state["config"], "stages": list(state.get("stages", [])),
               "generators": "moving average" if ema else "last iterate",
               **(extra or {})}
    beside = file.name.endswith(".new.pth")  # a changed file kept beside the committed one: its history too
    history = dest / (f"{stem}_history.new.json" if beside else f"{stem}_history.json")
    with atomic_write(history, "w") as fh:
        json.dump({"summary": summary, "history": state["history"]}, fh, indent=0, separators=(",", ":"))
    return summary


def weights_name(config_name: str) -> str:
    """Registry/file name of the generators trained with config ``config_name``."""
    return "munit_monet2photo" + ("" if config_name == "cpu" else "_" + config_name.removeprefix("cpu_"))


def _validate(p: argparse.ArgumentParser, args) -> None:
    """Every argument checked before any training starts (``p.error`` exits with status 2)."""
    import math

    if args.iters is not None and args.iters < 1:
        p.error(f"--iters must be >= 1, got {args.iters}")
    if args.minutes is not None and not (math.isfinite(args.minutes) and args.minutes > 0):
        p.error(f"--minutes must be > 0, got {args.minutes}")
    if args.threads < 1:
        p.error(f"--threads must be >= 1, got {args.threads}")
    if args.device is not None and args.device not in ("cpu", "cuda", "auto") and not args.device.startswith("cuda:"):
        p.error(f"--device must be cpu, cuda, cuda:N or auto, got {args.device!r}")
    if args.register and not (args.export or args.export_only):
        p.error("--register only applies with --export or --export-only")
    for c in args.config:
        try:
            load_config(c)
        except (ValueError, FileNotFoundError, OSError, KeyError, TypeError) as exc:
            p.error(f"--config {c}: {exc}")
    if args.export_only:
        missing = [c for c in (load_config(c).name for c in args.config)
                   if not (run_dir(c) / "checkpoint.pt").is_file()]
        if missing:
            p.error(f"--export-only: no checkpoint for {missing}; train them first")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hw2.munit.train", description=__doc__.split("\n")[0])
    p.add_argument("--config", nargs="+", default=["cpu"], help="config names (configs/*.yaml) or YAML files")
    p.add_argument("--iters", type=int, default=None, help="override max_iter")
    p.add_argument("--minutes", type=float, default=None, help="stop (and checkpoint) after this wall time")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default=None, help="cpu or cuda (default: $HW2_DEVICE / auto)")
    p.add_argument("--fresh", action="store_true", help="ignore existing checkpoints")
    p.add_argument("--export", action="store_true", help="write fp16 generators + history to hw2/weights at the end")
    p.add_argument("--export-only", action="store_true")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--register", action="store_true",
                   help="with --export: replace committed generators whose hash changed and update their sha256")
    args = p.parse_args(argv)
    _validate(p, args)
    if threading.current_thread() is threading.main_thread():
        # a plain `kill` checkpoints too (SystemExit runs the `finally` below)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    torch.set_num_threads(max(1, args.threads))
    cfgs = [load_config(c) for c in args.config]
    if args.iters is not None:
        cfgs = [c.replace(max_iter=args.iters) for c in cfgs]
    if len({c.name for c in cfgs}) != len(cfgs):
        p.error("two configs have the same name")
    logs = {}
    for cfg in cfgs:  # one logger and one train.log per run
        log = logs[cfg.name] = logging.getLogger(f"hw2.munit.train.{cfg.name}")
        log.setLevel(logging.INFO)
        log.propagate = False
        if not log.handlers:
            run_dir(cfg.name).mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(run_dir(cfg.name) / "train.log")
            handler.setFormatter(logging.Formatter(f"%(asctime)s [{cfg.name}] %(message)s"))
            log.addHandler(handler)
    if not args.export_only:
        trainers, bars, last_save = [], [], []
        for cfg in cfgs:
            tr = Trainer(cfg, device=args.device)
            tr.directory.mkdir(parents=True, exist_ok=True)
            log = logs[cfg.name]
            if tr.checkpoint_path.is_file() and not args.fresh:
                tr.load()
                log.info("resumed from %s at step %d", tr.checkpoint_path, tr.step)
            elif cfg.init_from:
                stage = tr.initialise_from(run_dir(cfg.init_from) / "checkpoint.pt")
                log.info("started from run %r: %s", cfg.init_from, json.dumps(stage))
            else:
                log.info("fresh start: %s", json.dumps(cfg.to_dict()))
            tr.fixed = _fixed_samples(cfg)
            trainers.append(tr)
            last_save.append(time.perf_counter())
            if not args.no_progress:
                from tqdm.auto import tqdm
                bars.append(tqdm(total=cfg.max_iter, initial=tr.step, desc=cfg.name, mininterval=5.0))
        t_start = time.perf_counter()
        try:
            while any(tr.step < tr.cfg.max_iter for tr in trainers):
                if args.minutes is not None and time.perf_counter() - t_start > 60 * args.minutes:
                    for log in logs.values():
                        log.info("time budget of %.1f min reached", args.minutes)
                    break
                for i, tr in enumerate(trainers):
                    if tr.step >= tr.cfg.max_iter:
                        continue
                    losses = tr.train_step()
                    if bars:
                        bars[i].update(1)
                        bars[i].set_postfix({k: f"{losses[k]:.3f}" for k in
                                             ("gen_total", "dis_total", "recon_x_a", "recon_x_b", "gan_a", "gan_b")},
                                            refresh=False)
                    if tr.step % tr.cfg.log_every == 0:
                        h = tr.history[-1]
                        logs[tr.cfg.name].info("step %d %s", tr.step, " ".join(f"{k}={v:.4g}" for k, v in h.items() if k != "step"))
                    if tr.step % tr.cfg.sample_every == 0 or tr.step == tr.cfg.max_iter:
                        save_image(tr.sample_grid(*tr.fixed),
                                   tr.directory / "samples" / f"step_{tr.step:06d}.jpg")
                    now = time.perf_counter()
                    if now - last_save[i] >= tr.cfg.ckpt_every_s:
                        tr.save()
                        last_save[i] = now
        finally:
            for tr in trainers:
                tr.save()
                with atomic_write(tr.directory / "history.json", "w") as fh:
                    json.dump(tr.history, fh)
                logs[tr.cfg.name].info("checkpoint at step %d, training wall time %.0f s", tr.step, tr.elapsed_s)
            for b in bars:
                b.close()
    if args.export or args.export_only:
        from ..timing import machine_info
        cmd = "python -m hw2.munit.train " + " ".join(argv if argv is not None else sys.argv[1:])
        for cfg in cfgs:
            ckpt = run_dir(cfg.name) / "checkpoint.pt"
            step = read_checkpoint(ckpt)["step"] if args.iters is not None and ckpt.is_file() else None
            if step is not None and step > args.iters:
                # e.g. a run continued past the step its committed file was exported at: exporting that
                # checkpoint would overwrite the committed file with another model
                print(f"not exporting {cfg.name}: its checkpoint is past --iters {args.iters} "
                      f"(step {step}); the exported file is left as it is", file=sys.stderr)
                continue
            summary = export(cfg.name, extra={"command": cmd, "machine": machine_info()}, register=args.register)
            logs[cfg.name].info("exported %s", json.dumps(summary))
            print(json.dumps({k: v for k, v in summary.items() if k != "config"}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
