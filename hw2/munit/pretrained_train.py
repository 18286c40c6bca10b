"""Fitting and training MUNIT on pretrained parts (:mod:`.pretrained`): the Gaussian-fit baseline, the paper's
losses with discriminators on frozen VGG features, resumable atomic checkpoints, export.

``python -m hw2.munit.pretrained_train --fit --export`` fits the training-free baseline (:data:`FIT_MODEL`);
``python -m hw2.munit.pretrained_train --minutes 40 --threads 1 --export`` trains :data:`TRAINED_MODEL` from it,
resuming ``$HW2_HOME/munit/pretrained/checkpoint.pt`` when there is one (the budget counts the wall time of all
sessions), then exports it. Both read monet2photo's training folders through ``$HW2_DATA``, their ``fit`` parts
only (the validation parts choose models and temperatures, :func:`hw2.data.validation_split`).
``--name NAME`` trains a run of its own (``$HW2_HOME/munit/NAME``, exported as ``munit_NAME``) and ``--encadv`` adds
the adversarial loss on encoded-style translations (``enc_adv_w`` = 1): ``make train-munit-hypothesis`` trains
``pretrained_hyp_plain`` and ``pretrained_hyp_encadv`` for 500 steps each, the equal-step test of
:mod:`hw2.munit.hypothesis`.

Losses (Huang et al., ECCV 2018, Sec. 3.2), for ``(i, j)`` in ``{(a, b), (b, a)}``, ``s_j ~ N(0, I)``:

* image reconstruction ``|G_i(c_i, s_i) - x_i|_1`` (weight ``recon_x_w``, 10);
* content and style reconstruction ``|E^c_j(x_ij) - c_i|_1`` and ``|E^s_j(x_ij) - s_j|_1`` (1, 1);
* adversarial, least squares (LSGAN, Mao et al. 2017, as the authors' code), weight ``gan_w`` (1). The
  discriminators see the translations through the frozen VGG19 (``relu2_1``, ``relu3_1``, ``relu4_1``), one small
  convolutional head per layer, in the manner of Projected GANs (Sauer et al., NeurIPS 2021): the frozen features
  make a discriminator useful after few steps, which the CPU budget needs;
* **not in the paper** (``enc_adv_w > 0``, ``--encadv``): the same adversarial loss, weight ``enc_adv_w · gan_w``,
  on ``G_j(c_i, E^s_j(x_j))``, translations with the style code *encoded* from the real image of the target domain,
  which the discriminators also learn to reject (as ``enc_adv_w`` of the from-scratch family, :mod:`.losses`).

Each step draws one crop per domain (``crop_size`` of the image at shorter side ``new_size``) and four style codes,
everything from ``numpy.random.default_rng([seed, step])``, so a resumed run repeats the uninterrupted one.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import config as hw2_config
from .. import weights
from ..io import atomic_write
from ..vgg import layer_channels
from .evaluate import load_prepared
from .model import prepare
from .pretrained import FIT_CONFIG, FIT_MODEL, TRAINED_MODEL, PretrainedMUNIT, state_for_export
from .pretrained_parts import STYLE_LAYERS, PretrainedConfig, channel_statistics, fit_style_prior
from .trainer import sample_batch

__all__ = ["ProjectedDiscriminator", "PretrainedTrainer", "fit_baseline", "export", "train", "main", "CKPT_FORMAT",
           "run_directory"]

CKPT_FORMAT = "hw2-munit-pretrained-checkpoint/1"


def run_directory(name: str = "pretrained") -> Path:
    """``$HW2_HOME/munit/<name>``: the checkpoint and log of a run."""
    return hw2_config.home() / "munit" / name


class ProjectedDiscriminator(nn.Module):
    """One small head per frozen VGG19 layer of :data:`STYLE_LAYERS`: 1x1 conv to ``dim``, LeakyReLU(0.2), 4x4
    stride-2 conv, LeakyReLU(0.2), 1x1 conv to one patch logit. ``forward(features)`` returns one map per layer."""

    def __init__(self, dim: int = 64):
        super().__init__()
        self.heads = nn.ModuleDict({layer: nn.Sequential(
            nn.Conv2d(layer_channels(layer), dim, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(dim, dim, 4, stride=2, padding=1), nn.LeakyReLU(0.2), nn.Conv2d(dim, 1, 1))
            for layer in STYLE_LAYERS})
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0.0, 0.02)
                nn.init.zeros_(m.bias)

    def forward(self, feats: dict) -> list[torch.Tensor]:
        return [head(feats[layer]) for layer, head in self.heads.items()]

    def loss(self, fake: dict, real: dict) -> torch.Tensor:
        """LSGAN discriminator loss: ``D(fake)² + (D(real) - 1)²``, means summed over the heads."""
        return sum(f.pow(2).mean() + (r - 1).pow(2).mean() for f, r in zip(self(fake), self(real)))

    def generator_loss(self, fake: dict) -> torch.Tensor:
        """LSGAN generator loss ``(D(fake) - 1)²``, means summed over the heads."""
        return sum((f - 1).pow(2).mean() for f in self(fake))


def _detached(feats: dict) -> dict:
    return {k: v.detach() for k, v in feats.items()}


def _default_data():
    from ..data import monet2photo

    return monet2photo("trainA", part="fit"), monet2photo("trainB", part="fit")


def fit_baseline(data_a: Sequence, data_b: Sequence, *, n_photos: int | None = 600, size: int = 256,
                 style_dim: int = 8, seed: int = 0, device="cpu") -> PretrainedMUNIT:
    """The training-free baseline: per domain, :func:`~hw2.munit.pretrained_parts.fit_style_prior` of the ``relu4_1``
    channel statistics of whole images at the shorter side ``size``.

    ``data_a`` (paintings, all used) and ``data_b`` (photos, a seeded pick of ``n_photos``; ``None``: all) are image
    paths (picked by :func:`hw2.data.pick`) or ``(1, 3, H, W)`` tensors in [0, 1]. Returns the model of :data:`~hw2.munit.pretrained.FIT_CONFIG`
    (with ``style_dim``); its ``fit_info`` attribute holds the image counts and the variance each fit keeps.
    """
    from ..data import pick

    cfg = PretrainedConfig(**{**FIT_CONFIG.to_dict(), "style_dim": style_dim, "new_size": size,
                              "crop_size": min(FIT_CONFIG.crop_size, size // 8 * 8)})
    model = PretrainedMUNIT(cfg, device=device)
    info = {}
    for domain, data, n in (("a", list(data_a), None), ("b", list(data_b), n_photos)):
        if n is not None and n < len(data):
            if isinstance(data[0], torch.Tensor):
                data = [data[i] for i in sorted(np.random.default_rng(seed).choice(len(data), n, replace=False))]
            else:
                data = pick(data, n, seed=seed)
        rows = []
        with torch.no_grad():
            for item in data:
                x = load_prepared(item, size=size) if not isinstance(item, torch.Tensor) else item
                rows.append(channel_statistics(model.features(prepare(x, size, multiple=8))["relu4_1"]))
        prior = fit_style_prior(torch.cat(rows), style_dim)
        model.parts[domain].set_prior(prior)
        info[domain] = {"n_images": len(rows), "explained_variance": prior["explained"]}
    model.fit_info = info
    return model


class PretrainedTrainer:
    """The training state: the model (started from a fitted baseline), two projected discriminators, two Adams.

    Parameters
    ----------
    cfg : PretrainedConfig
    init : PretrainedMUNIT
        A fitted model (:func:`fit_baseline` or the committed :data:`FIT_MODEL`) whose Gaussians start this one; the
        learned parts start so that the new model computes exactly what ``init`` does.
    data_a, data_b : image paths or (1, 3, H, W) tensors in [0, 1], optional (default: the ``fit`` parts of
        monet2photo ``trainA`` and ``trainB``).
    directory : where the checkpoint goes (default :func:`run_directory` ``(cfg.name)``).
    """

    def __init__(self, cfg: PretrainedConfig, *, init: PretrainedMUNIT, data_a=None, data_b=None,
                 directory: Path | None = None):
        if cfg.style_dim != init.cfg.style_dim:
            raise ValueError(f"init has style codes of {init.cfg.style_dim} dimensions, cfg {cfg.style_dim}")
        if data_a is None or data_b is None:
            da, db = _default_data()
            data_a, data_b = (da if data_a is None else data_a), (db if data_b is None else data_b)
        self.data_a, self.data_b = list(data_a), list(data_b)
        if not self.data_a or not self.data_b:
            raise ValueError("training needs images in both domains")
        self.cfg = cfg
        self.directory = Path(directory) if directory is not None else run_directory(cfg.name)
        torch.manual_seed(cfg.seed)
        self.model = PretrainedMUNIT(cfg, device="cpu")
        for d in ("a", "b"):
            self.model.parts[d].set_prior({k: getattr(init.parts[d], k) for k in ("mean", "basis", "projection")})
        self.model.train()
        self.dis = nn.ModuleDict({"a": ProjectedDiscriminator(cfg.dis_dim), "b": ProjectedDiscriminator(cfg.dis_dim)})
        betas = (cfg.beta1, cfg.beta2)
        self.opt_gen = torch.optim.Adam([p for p in self.model.parameters() if p.requires_grad], lr=cfg.lr,
                                        betas=betas)
        self.opt_dis = torch.optim.Adam(self.dis.parameters(), lr=cfg.lr, betas=betas)
        self.step, self.elapsed_s, self.history = 0, 0.0, []

    def batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(x_a, x_b, s_a, s_b)`` of ``step``: crops in [0, 1] and prior codes, a function of seed and step only."""
        cfg = self.cfg
        rng = np.random.default_rng([cfg.seed, step])
        kw = dict(batch=cfg.batch_size, new_size=cfg.new_size, crop=cfg.crop_size)
        x_a = (sample_batch(self.data_a, rng, **kw) + 1) / 2
        x_b = (sample_batch(self.data_b, rng, **kw) + 1) / 2
        g = torch.Generator().manual_seed(int(rng.integers(2 ** 62)))
        s = torch.randn(2, cfg.batch_size, cfg.style_dim, generator=g)
        return x_a, x_b, s[0], s[1]

    def train_step(self) -> dict[str, float]:
        """One discriminator update, then one update of the model; returns the losses of the step."""
        cfg, m = self.cfg, self.model
        t0 = time.perf_counter()
        x_a, x_b, s_a, s_b = self.batch(self.step)
        with torch.no_grad():
            f_a, f_b = m.features(x_a), m.features(x_b)
        c_a, c_b = m.content(f_a, "a"), m.content(f_b, "b")
        x_ab, x_ba = m.decode(c_a, s_b, "b"), m.decode(c_b, s_a, "a")
        f_ab, f_ba = m.features(x_ab), m.features(x_ba)
        e_a, e_b = m.style(f_a, "a"), m.style(f_b, "b")
        if cfg.enc_adv_w > 0:  # reference-style translations: the style code encoded from the other domain's image
            f_ab_enc, f_ba_enc = m.features(m.decode(c_a, e_b, "b")), m.features(m.decode(c_b, e_a, "a"))
        # discriminators on the detached translations
        loss_dis = (self.dis["b"].loss(_detached(f_ab), f_b) + self.dis["a"].loss(_detached(f_ba), f_a))
        if cfg.enc_adv_w > 0:
            loss_dis = loss_dis + cfg.enc_adv_w * (self.dis["b"].loss(_detached(f_ab_enc), f_b)
                                                   + self.dis["a"].loss(_detached(f_ba_enc), f_a))
        self.opt_dis.zero_grad(set_to_none=True)
        loss_dis.backward()
        self.opt_dis.step()
        # the model
        self.dis.requires_grad_(False)
        losses = {
            "gan": self.dis["b"].generator_loss(f_ab) + self.dis["a"].generator_loss(f_ba),
            "recon_x": F.l1_loss(m.decode(c_a, e_a, "a"), x_a) + F.l1_loss(m.decode(c_b, e_b, "b"), x_b),
            "recon_c": F.l1_loss(m.content(f_ab, "b"), c_a) + F.l1_loss(m.content(f_ba, "a"), c_b),
            "recon_s": F.l1_loss(m.style(f_ab, "b"), s_b) + F.l1_loss(m.style(f_ba, "a"), s_a),
        }
        w = {"gan": cfg.gan_w, "recon_x": cfg.recon_x_w, "recon_c": cfg.recon_c_w, "recon_s": cfg.recon_s_w}
        if cfg.enc_adv_w > 0:
            losses["gan_enc"] = self.dis["b"].generator_loss(f_ab_enc) + self.dis["a"].generator_loss(f_ba_enc)
            w["gan_enc"] = cfg.enc_adv_w * cfg.gan_w
        total = sum(w[k] * v for k, v in losses.items())
        self.opt_gen.zero_grad(set_to_none=True)
        total.backward()
        self.opt_gen.step()
        self.dis.requires_grad_(True)
        self.step += 1
        self.elapsed_s += time.perf_counter() - t0
        out = {k: float(v.detach()) for k, v in losses.items()}
        out.update(dis=float(loss_dis.detach()), total=float(total.detach()))
        return out

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict:
        """Everything needed to resume (loadable with ``weights_only=True``)."""
        return {"format": CKPT_FORMAT, "config": self.cfg.to_dict(), "step": self.step, "elapsed_s": self.elapsed_s,
                "history": list(self.history), "model": self.model.state_dict(), "dis": self.dis.state_dict(),
                "opt_gen": self.opt_gen.state_dict(), "opt_dis": self.opt_dis.state_dict()}

    @property
    def checkpoint_path(self) -> Path:
        return self.directory / "checkpoint.pt"

    def save(self) -> Path:
        """Write the checkpoint atomically (a kill mid-write leaves the previous one intact)."""
        with atomic_write(self.checkpoint_path) as fh:
            torch.save(self.state_dict(), fh)
        return self.checkpoint_path

    def load(self) -> None:
        """Resume from :attr:`checkpoint_path`; ``ValueError`` when it is unreadable or of another configuration."""
        try:
            state = torch.load(self.checkpoint_path, map_location="cpu", weights_only=True)
        except Exception as exc:  # unpickling errors come in many types
            raise ValueError(f"cannot read the checkpoint {self.checkpoint_path} ({exc}); delete it to start over"
                             ) from exc
        if not isinstance(state, dict) or state.get("format") != CKPT_FORMAT:
            raise ValueError(f"{self.checkpoint_path} is not a checkpoint of format {CKPT_FORMAT!r}")
        saved = {**PretrainedConfig().to_dict(), **state["config"]}  # fields added since default as before
        if saved != self.cfg.to_dict():
            diff = sorted(k for k in saved if saved[k] != self.cfg.to_dict().get(k))
            raise ValueError(f"the checkpoint {self.checkpoint_path} has another configuration (differs in {diff}); "
                             "use its configuration or delete it to start over")
        self.model.load_state_dict(state["model"])
        self.dis.load_state_dict(state["dis"])
        self.opt_gen.load_state_dict(state["opt_gen"])
        self.opt_dis.load_state_dict(state["opt_dis"])
        self.step, self.elapsed_s = int(state["step"]), float(state["elapsed_s"])
        self.history = list(state["history"])


def train(trainer: PretrainedTrainer, *, minutes: float, max_steps: int | None = None, log_every: int = 10,
          log=print) -> PretrainedTrainer:
    """Train until ``trainer.elapsed_s`` (all sessions) reaches ``minutes`` or ``max_steps`` steps; a checkpoint
    every ``cfg.checkpoint_every`` steps and at the end. ``history`` gains the mean losses of every ``log_every``
    steps."""
    window: list[dict] = []
    while trainer.elapsed_s < 60 * minutes and (max_steps is None or trainer.step < max_steps):
        window.append(trainer.train_step())
        if trainer.step % log_every == 0:
            row = {"step": trainer.step, "elapsed_s": round(trainer.elapsed_s, 1),
                   **{k: round(float(np.mean([w[k] for w in window])), 5) for k in window[0]}}
            trainer.history.append(row)
            log(json.dumps(row))
            window = []
        if trainer.step % trainer.cfg.checkpoint_every == 0:
            trainer.save()
    trainer.save()
    return trainer


def export(model: PretrainedMUNIT, name: str, *, summary: dict, history: list | None = None) -> dict:
    """Write ``hw2/weights/<name>.pth`` (:func:`~hw2.munit.pretrained.state_for_export`) and register its sha256,
    and ``<name>_history.json`` (``{"summary", "history"}``), both atomically. Returns :func:`hw2.weights.export_file`'s
    answer."""
    obj = state_for_export(model)
    res = weights.export_file(name, lambda fh: torch.save(obj, fh), register=True)
    summary = {**summary, "bytes": Path(res["file"]).stat().st_size, "config": model.cfg.to_dict()}
    with atomic_write(hw2_config.WEIGHTS / f"{name}_history.json", "w") as fh:
        fh.write(json.dumps({"summary": summary, "history": history or []}, indent=1) + "\n")
    return res


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hw2.munit.pretrained_train", description=__doc__.split("\n\n")[0])
    p.add_argument("--fit", action="store_true", help="fit the training-free baseline (munit_pretrained_fit)")
    p.add_argument("--minutes", type=float, default=40.0, help="training wall-time budget over all sessions")
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on the shared 2-core CPU)")
    p.add_argument("--export", action="store_true", help="write and register the weights in hw2/weights")
    p.add_argument("--encadv", action="store_true",
                   help="also the adversarial loss on translations with encoded (reference) style codes (weight 1)")
    p.add_argument("--name", default="pretrained",
                   help="run name: checkpoint in $HW2_HOME/munit/<name>, exported as munit_<name> (default: "
                        "pretrained, the committed munit_pretrained)")
    args = p.parse_args(argv)
    if args.threads < 1 or args.minutes <= 0:
        p.error("--threads must be >= 1 and --minutes > 0")
    if not args.name.replace("_", "").isalnum():
        p.error("--name must be letters, digits and underscores")
    torch.set_num_threads(args.threads)
    if args.fit:
        t0 = time.perf_counter()
        da, db = _default_data()
        model = fit_baseline(da, db, n_photos=PretrainedConfig().n_fit_photos)
        summary = {"steps": 0, "elapsed_s": round(time.perf_counter() - t0, 1), "fit": model.fit_info}
        print(json.dumps(summary))
        if args.export:
            print(json.dumps(export(model, FIT_MODEL, summary=summary)))
        return 0
    from .pretrained import load_pretrained

    cfg = PretrainedConfig(name=args.name, enc_adv_w=1.0 if args.encadv else 0.0)
    trainer = PretrainedTrainer(cfg, init=load_pretrained(FIT_MODEL, device="cpu"))
    if trainer.checkpoint_path.is_file():
        trainer.load()
        print(f"resumed at step {trainer.step} ({trainer.elapsed_s / 60:.1f} min)", flush=True)
    train(trainer, minutes=args.minutes, max_steps=args.max_steps, log=lambda s: print(s, flush=True))
    if args.export:
        last = trainer.history[-1] if trainer.history else {}
        summary = {"steps": trainer.step, "elapsed_s": round(trainer.elapsed_s, 1), "final_losses": last}
        name = TRAINED_MODEL if args.name == "pretrained" else f"munit_{args.name}"
        print(json.dumps(export(trainer.model.eval(), name, summary=summary, history=trainer.history)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
