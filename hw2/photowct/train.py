"""Train the four PhotoWCT unpooling decoders: ``python -m hw2.photowct.train``.

Each decoder inverts one level of the frozen normalized VGG19: image ->
encoder -> decoder (with the encoder's max-pool indices) -> image. The loss is
the pixel MSE plus ``feat_weight`` times the MSE between the encoder features of
the reconstruction and of the input (Li et al. 2018 train with pixel and feature
reconstruction losses).

Data: random crops (flipped half of the time) of the monet2photo ``trainB``
photos and of the landscapes (resized to 512 px on the long side and repeated
``landscape_repeat`` times so that they make ~10 % of the samples).

Reproducibility and robustness
------------------------------
* the crops of step ``t`` are drawn from ``np.random.default_rng([seed, level, t])``,
  so a resumed run sees exactly the data of an uninterrupted one;
* checkpoints (model, optimizer, step, loss history, wall time) are written
  atomically to ``$HW2_HOME/photowct/train/<level>.ckpt`` every ``ckpt_every_s``
  seconds and at the end; a rerun resumes from them (``--fresh`` starts over);
* progress goes to a tqdm bar (loss in the postfix) and to ``train.log`` there.

Departures / CPU budget
-----------------------
* the feature loss (which needs a backward pass through the encoder) is computed
  every ``feat_every`` steps only;
* ``relu1_1`` (a single linear 3x3 convolution) starts from the least-squares
  solution of the pixel loss, ``relu4_1`` from the AdaIN decoder's convolutions of
  the same shapes (layers 1, 5, 14, 21; see :mod:`hw2.photowct.models`).

``--export`` writes the final decoders as fp16 state dicts to ``hw2/weights/``
and prints their sha256 (to paste into ``models._SHA256``).
"""
from __future__ import annotations

import argparse
import functools
import json
import logging
import math
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .. import config, weights
from ..io import atomic_write, load_image
from ..vgg import VGG19Encoder
from .models import ADAIN_INIT_KEYS, LEVELS, PHOTOWCT_SPECS, Decoder

__all__ = ["train_level", "default_images", "export", "main", "checkpoint_dir"]

#: defaults per level: (iterations, crop, batch, learning rate)
DEFAULTS = {"relu1_1": (30, 96, 8, 1e-5), "relu2_1": (9000, 64, 8, 3e-4),
            "relu3_1": (4000, 64, 8, 3e-4), "relu4_1": (1300, 96, 4, 3e-4)}


def checkpoint_dir() -> Path:
    """``$HW2_HOME/photowct/train``."""
    return config.home() / "photowct" / "train"


def default_images(*, landscape_repeat: int = 30) -> list[Path]:
    """Training images: monet2photo ``trainB`` plus ``$HW2_DATA/landscapes`` repeated ``landscape_repeat`` times.

    The landscapes (the ten MATE and KDE Plasma wallpapers of the model card) are an optional extra read
    from the data folder when present; the committed decoders were trained with them.
    """
    from ..data import _images_in, monet2photo

    extra = config.data_root() / "landscapes"
    lands = _images_in(extra) if extra.is_dir() else []
    return list(monet2photo("trainB")) + lands * landscape_repeat


@functools.lru_cache(maxsize=64)
def _load_cached(path: str) -> torch.Tensor:
    return load_image(path, max_side=512)


def _get_image(item) -> torch.Tensor:
    if isinstance(item, torch.Tensor):
        return item if item.dim() == 4 else item[None]
    return _load_cached(str(item))


def sample_batch(images: Sequence, *, level: str, step: int, seed: int, crop: int, batch: int) -> torch.Tensor:
    """The ``(batch, 3, crop, crop)`` training crops of ``step`` (a function of its arguments only)."""
    rng = np.random.default_rng([seed, LEVELS.index(level), step])
    out = []
    for i in rng.integers(0, len(images), size=batch):
        img = _get_image(images[int(i)])
        h, w = img.shape[-2:]
        if min(h, w) < crop:
            s = crop / min(h, w)
            img = F.interpolate(img, size=(max(crop, round(h * s)), max(crop, round(w * s))),
                                mode="bilinear", align_corners=False)
            h, w = img.shape[-2:]
        y = int(rng.integers(0, h - crop + 1))
        x = int(rng.integers(0, w - crop + 1))
        c = img[..., y:y + crop, x:x + crop]
        if rng.random() < 0.5:
            c = c.flip(-1)
        out.append(c)
    return torch.cat(out).contiguous()


def _least_squares_init(dec: Decoder, enc: VGG19Encoder, images, *, seed: int, crops: int = 48,
                        crop: int = 64, ridge: float = 1e-4) -> None:
    """Set the single 64->3 conv of the relu1_1 decoder to the pixel-MSE optimum (ridge regression)."""
    conv = dec.convs[0]
    a = torch.zeros(577, 577, dtype=torch.float64)
    b = torch.zeros(577, 3, dtype=torch.float64)
    for k in range(0, crops, 8):
        x = sample_batch(images, level="relu1_1", step=10**9 + k, seed=seed, crop=crop, batch=8)
        with torch.no_grad():
            f = enc(x, ["relu1_1"])["relu1_1"]
            cols = F.unfold(F.pad(f, (1, 1, 1, 1), mode="reflect"), 3)          # (B, 576, P)
        cols = torch.cat([cols, torch.ones_like(cols[:, :1])], 1).transpose(1, 2).reshape(-1, 577).double()
        y = x.reshape(x.shape[0], 3, -1).transpose(1, 2).reshape(-1, 3).double()
        a += cols.T @ cols
        b += cols.T @ y
    a += ridge * a.diagonal().mean() * torch.eye(577, dtype=torch.float64)
    sol = torch.linalg.solve(a, b)                                                # (577, 3)
    conv.weight.data.copy_(sol[:576].T.reshape(3, 64, 3, 3).float())
    conv.bias.data.copy_(sol[576].float())


def _psnr(mse: float) -> float:
    return 10.0 * math.log10(1.0 / max(mse, 1e-12))


class _Gram:
    """Accumulates the normal equations of a ridge regression rows -> targets (float64)."""

    def __init__(self, n_in: int, n_out: int):
        self.a = torch.zeros(n_in + 1, n_in + 1, dtype=torch.float64)
        self.b = torch.zeros(n_in + 1, n_out, dtype=torch.float64)

    def add(self, x: torch.Tensor, y: torch.Tensor) -> None:
        x = torch.cat([x, torch.ones_like(x[:, :1])], 1).double()
        self.a += x.T @ x
        self.b += x.T @ y.double()

    def solve(self, ridge: float) -> torch.Tensor:
        a = self.a + ridge * self.a.diagonal()[:-1].mean() * torch.eye(len(self.a), dtype=torch.float64)
        return torch.linalg.solve(a, self.b)                       # (n_in + 1, n_out), bias last


def _patch_rows(h: torch.Tensor, k: int, keep: torch.Tensor) -> torch.Tensor:
    """``k x k`` reflection-padded patches of ``h`` (B, C, H, W) at flat positions ``keep`` -> (rows, C k k)."""
    if k == 1:
        cols = h.flatten(2)
    else:
        cols = F.unfold(F.pad(h, (1, 1, 1, 1), mode="reflect"), 3)
    return cols.transpose(1, 2).reshape(-1, cols.shape[1])[keep]


def _fit_conv(inputs, targets, *, kernel: int, seed: int, max_rows: int, ridge: float = 1e-3):
    """Least-squares ``kernel x kernel`` conv (as a 3x3 weight) mapping ``inputs`` to ``targets`` (lists)."""
    c_in, c_out = inputs[0].shape[1], targets[0].shape[1]
    gram = _Gram(c_in * kernel * kernel, c_out)
    rng = torch.Generator().manual_seed(seed)
    for h, t in zip(inputs, targets):
        n = t.shape[0] * t.shape[2] * t.shape[3]
        keep = torch.randperm(n, generator=rng)[:max_rows]
        rows_y = t.flatten(2).transpose(1, 2).reshape(-1, c_out)[keep]
        gram.add(_patch_rows(h, kernel, keep), rows_y)
    sol = gram.solve(ridge)
    w = torch.zeros(c_out, c_in, 3, 3)
    if kernel == 3:
        w[:] = sol[:-1].T.reshape(c_out, c_in, 3, 3).float()
    else:
        w[:, :, 1, 1] = sol[:-1].T.float()
    return w, sol[-1].float()


def greedy_init(dec: Decoder, level: str, enc: VGG19Encoder, images, *, seed: int, batches: int = 12,
                crop: int = 64, batch: int = 8, max_rows: int = 6000, max_dims: int = 2400,
                fit_convs: int | None = None) -> list[float]:
    """Layer-wise least-squares initialisation of an unpooling decoder (our addition to Li et al. 2018).

    Walking the spec from coarse to fine, each convolution that precedes an
    unpooling of pool K is fitted (ridge regression on its 3x3 patches, or 1x1
    when ``9 * c_in > max_dims``) to the encoder's pool-K output, and the last one
    to the image; inputs are the *predicted* features of the previous stage
    unpooled with the true indices. A conv followed by another conv is set to
    pass its (non-negative) input through: the identity, or for the 64->16->3
    head a +/- split of the fitted linear map (``relu(z) - relu(-z) = z``) with
    the spare channels small and random. With ``fit_convs`` only the first that
    many convolutions are set (the rest keep their weights). Returns the pixel MSE
    after each fit that reaches the image.
    """
    pool_layers = sorted({op[1] for op in dec.spec if op[0] != "conv"})
    xs, hs, pools, pooled = [], [], [], []
    for i in range(batches):
        x = sample_batch(images, level=level, step=2 * 10**9 + i, seed=seed, crop=crop, batch=batch)
        with torch.no_grad():
            f, p = enc(x, [level] + pool_layers, return_indices=True)
        xs.append(x)
        hs.append(f[level])
        pools.append(p)
        pooled.append({k: f[k] for k in pool_layers})
    convs = list(dec.convs)
    ops = list(dec.spec)
    errors = []
    k = 0
    i = 0
    with torch.no_grad():
        while i < len(ops):
            if fit_convs is not None and k >= fit_convs:
                break
            op = ops[i]
            if op[0] != "conv":
                hs = [F.max_unpool2d(h, p[op[1]][0], 2, 2, output_size=tuple(p[op[1]][1]))
                      for h, p in zip(hs, pools)]
                i += 1
                continue
            nxt = ops[i + 1] if i + 1 < len(ops) else None
            conv = convs[k]
            c_in, c_out = op[1], op[2]
            kernel = 3 if 9 * c_in <= max_dims else 1
            if nxt is not None and nxt[0] == "conv" and i + 2 == len(ops):
                # head: conv(c_in -> m) relu, conv(m -> 3): fit c_in -> 3 linearly, split +/-
                w, b = _fit_conv(hs, xs, kernel=kernel, seed=seed + i, max_rows=max_rows)
                last = convs[k + 1]
                m = c_out
                conv.weight.normal_(0, 1e-3)
                conv.bias.zero_()
                last.weight.normal_(0, 1e-3)
                last.bias.zero_()
                conv.weight[:3], conv.bias[:3] = w, b
                conv.weight[3:6], conv.bias[3:6] = -w, -b
                for c in range(3):
                    last.weight[c, c, 1, 1] = 1.0
                    last.weight[c, c + 3, 1, 1] = -1.0
                assert m >= 6
                hs = [dec.convs[k + 1](F.pad(F.relu(conv(F.pad(h, (1, 1, 1, 1), mode="reflect"))),
                                             (1, 1, 1, 1), mode="reflect")) for h in hs]
                errors.append(float(np.mean([F.mse_loss(h, x).item() for h, x in zip(hs, xs)])))
                break
            if nxt is not None and nxt[0] == "conv":
                # pass-through: inputs are non-negative, so relu(identity) is exact
                if c_in != c_out:
                    raise ValueError(f"cannot initialise a {c_in}->{c_out} conv as the identity")
                conv.weight.zero_()
                conv.bias.zero_()
                conv.weight[:, :, 1, 1] = torch.eye(c_in)
                i += 1
                k += 1
                continue
            target = xs if nxt is None else [pp[nxt[1]] for pp in pooled]
            w, b = _fit_conv(hs, target, kernel=kernel, seed=seed + i, max_rows=max_rows)
            conv.weight.copy_(w)
            conv.bias.copy_(b)
            hs = [conv(F.pad(h, (1, 1, 1, 1), mode="reflect")) for h in hs]
            if op[3]:
                hs = [F.relu(h) for h in hs]
            if nxt is None:
                errors.append(float(np.mean([F.mse_loss(h, x).item() for h, x in zip(hs, xs)])))
            i += 1
            k += 1
    return errors


def _init_decoder(level: str, *, seed: int, enc: VGG19Encoder, images, init, lower: dict | None = None
                  ) -> Decoder:
    torch.manual_seed(seed)
    dec = Decoder(PHOTOWCT_SPECS[level])
    log = logging.getLogger("hw2.photowct.train")
    if init == "greedy":
        fit = None
        if lower is not None and level == "relu4_1":
            # the relu4_1 decoder below its pool2 unpooling is the relu3_1 decoder below its own: copy it
            ours, theirs = list(dec.convs), list(Decoder(PHOTOWCT_SPECS["relu3_1"]).convs)
            n = len(theirs) - 1
            for j in range(n):
                ours[len(ours) - n + j].weight.data.copy_(lower[f"convs.{j + 1}.weight"])
                ours[len(ours) - n + j].bias.data.copy_(lower[f"convs.{j + 1}.bias"])
            fit = len(ours) - n
        errs = greedy_init(dec, level, enc, images, seed=seed, fit_convs=fit)
        log.info("%s: greedy least-squares init (lower part copied: %s), pixel mse %s", level,
                 lower is not None, errs)
    elif init and level == "relu4_1":
        dec.load_sequential(weights.load_state_dict("adain_decoder_relu4_1"), ADAIN_INIT_KEYS, strict=False)
    elif init and level == "relu1_1":
        _least_squares_init(dec, enc, images, seed=seed)
    return dec


def train_level(level: str, *, images: Sequence, iters: int, crop: int = 96, batch: int = 8, lr: float = 1e-3,
                seed: int = 0, feat_weight: float = 0.002, feat_every: int = 4, ckpt: Path | None = None,
                ckpt_every_s: float = 180.0, fresh: bool = False, init=True, init_lower: dict | None = None,
                progress: bool = True,
                logger: logging.Logger | None = None, encoder: VGG19Encoder | None = None) -> dict:
    """Train (or resume training) the decoder of ``level`` until step ``iters``.

    Parameters
    ----------
    level : {"relu1_1", "relu2_1", "relu3_1", "relu4_1"}
    images : sequence of paths or ``(1, 3, H, W)`` tensors in [0, 1]
    iters : int
        Total number of optimisation steps (a resumed run continues up to it).
    crop, batch, lr, seed : training hyper-parameters (Adam).
    feat_weight, feat_every : weight of the feature loss, and how often (in steps) it is computed.
    ckpt : Path, optional
        Checkpoint file; resumed from when it exists (unless ``fresh``), written
        atomically every ``ckpt_every_s`` seconds and at the end.
    init : bool or "greedy"
        ``True``: least-squares start for relu1_1, AdaIN weights for relu4_1; ``"greedy"``:
        :func:`greedy_init` (for relu4_1 below pool2 from ``init_lower``, the relu3_1
        decoder's state dict, when given); ``False``: random.

    Returns
    -------
    dict
        ``model`` (state dict), ``step``, ``history`` (list of ``[step, pixel_mse, feat_mse or None]``),
        ``elapsed_s`` (training wall time over all runs), ``config``.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose one of {LEVELS}")
    if iters < 0 or crop < 8 or batch < 1:
        raise ValueError(f"bad training sizes: iters={iters}, crop={crop}, batch={batch}")
    if not images:
        raise ValueError("no training images")
    log = logger or logging.getLogger("hw2.photowct.train")
    cfg = dict(level=level, crop=crop, batch=batch, lr=lr, seed=seed, feat_weight=feat_weight,
                      feat_every=feat_every, init=init if init_lower is None else f"{init}+relu3_1")
    enc = encoder or VGG19Encoder(level)
    state = None
    if ckpt is not None and Path(ckpt).is_file() and not fresh:
        for stale in Path(ckpt).parent.glob(f".{Path(ckpt).name}.*.tmp"):  # left by a run killed mid-write
            stale.unlink(missing_ok=True)
        try:
            state = torch.load(ckpt, map_location="cpu", weights_only=True)
            if not {"model", "optim", "step", "history", "elapsed_s", "config"} <= set(state):
                raise KeyError("missing entries")
        except Exception as exc:  # truncated, not a torch file, or another kind of checkpoint
            raise ValueError(f"checkpoint {ckpt} is corrupt or not a PhotoWCT decoder checkpoint "
                             f"({type(exc).__name__}: {exc}); delete it or pass fresh=True (--fresh) "
                             "to start over") from exc
        if dict(state["config"]) != dict(cfg):
            raise ValueError(f"checkpoint {ckpt} was made with {dict(state['config'])}, not {dict(cfg)}; "
                             "pass fresh=True (--fresh) to start over")
        dec = Decoder(PHOTOWCT_SPECS[level])
        dec.load_state_dict(state["model"])
        log.info("%s: resumed from %s at step %d", level, ckpt, state["step"])
    else:
        dec = _init_decoder(level, seed=seed, enc=enc, images=images, init=init, lower=init_lower)
    opt = torch.optim.Adam(dec.parameters(), lr=lr)
    step, history, elapsed = 0, [], 0.0
    if state is not None:
        opt.load_state_dict(state["optim"])
        step, history, elapsed = state["step"], state["history"], state["elapsed_s"]

    def snapshot() -> dict:
        return {"model": {k: v.detach().clone() for k, v in dec.state_dict().items()},
                "optim": opt.state_dict(), "step": step, "history": list(history),
                "elapsed_s": elapsed, "config": dict(cfg)}

    def save() -> None:
        if ckpt is not None:
            with atomic_write(ckpt) as fh:
                torch.save(snapshot(), fh)

    dec.train()
    bar = None
    if progress and step < iters:
        from tqdm.auto import tqdm
        bar = tqdm(total=iters, initial=step, desc=level, mininterval=10.0)
    t_run = time.perf_counter()
    last_save = t_run
    while step < iters:
        x = sample_batch(images, level=level, step=step, seed=seed, crop=crop, batch=batch)
        with torch.no_grad():
            feats, pools = enc(x, [level], return_indices=True)
        target = feats[level]
        out = dec(target, pools)
        pix = F.mse_loss(out, x)
        loss = pix
        feat = None
        if feat_weight > 0 and feat_every > 0 and step % feat_every == 0:
            feat = F.mse_loss(enc(out, [level])[level], target)
            loss = loss + feat_weight * feat
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        history.append([step, pix.item(), None if feat is None else feat.item()])
        now = time.perf_counter()
        elapsed += now - t_run
        t_run = now
        if bar is not None:
            bar.update(1)
            bar.set_postfix(pix=f"{history[-1][1]:.5f}", psnr=f"{_psnr(history[-1][1]):.2f}", refresh=False)
        if step % 25 == 0 or step == iters:
            recent = [h[1] for h in history[-25:]]
            feats_recent = [h[2] for h in history[-25:] if h[2] is not None]
            log.info("%s step %d/%d pixel_mse %.6f (psnr %.2f dB) feat_mse %s elapsed %.0f s", level, step,
                     iters, np.mean(recent), _psnr(float(np.mean(recent))),
                     f"{np.mean(feats_recent):.5f}" if feats_recent else "-", elapsed)
        if ckpt is not None and now - last_save >= ckpt_every_s:
            save()
            last_save = now
    if bar is not None:
        bar.close()
    save()
    dec.eval()
    return snapshot()


def export(levels: Sequence[str] = LEVELS, *, ckpt_dir: Path | None = None, dest: Path | None = None,
           register: bool = False) -> dict:
    """Write fp16 decoders ``photowct_<level>.pth`` from the checkpoints; returns a summary per level.

    A decoder whose bytes differ from the registered file goes beside it (``.new.pth``) unless
    ``register`` (:func:`hw2.weights.export_file`): committed weights are never silently replaced.
    """
    from .models import weights_name

    ckpt_dir = Path(ckpt_dir or checkpoint_dir())
    dest = Path(dest or config.WEIGHTS)
    summary = {}
    for level in levels:
        state = torch.load(ckpt_dir / f"{level}.ckpt", map_location="cpu", weights_only=True)
        half = {k: v.half().contiguous() for k, v in state["model"].items()}
        res = weights.export_file(weights_name(level), lambda fh: torch.save(half, fh), register=register,
                                  dest=dest / f"photowct_{level}.pth")
        file = Path(res["file"])
        if res.get("message"):
            print(res["message"], file=sys.stderr)
        hist = state["history"]
        pix = [h[1] for h in hist[-50:]]
        feat = [h[2] for h in hist[-50:] if h[2] is not None]
        summary[level] = {"file": file.name, "sha256": res["sha256"], "status": res["status"],
                          "bytes": file.stat().st_size,
                          "steps": state["step"], "elapsed_s": round(state["elapsed_s"], 1),
                          "final_pixel_mse": float(np.mean(pix)) if pix else None,
                          "final_feat_mse": float(np.mean(feat)) if feat else None,
                          "config": dict(state["config"])}
    with atomic_write(ckpt_dir / "export.json", "w") as fh:
        json.dump(summary, fh, indent=1)
    return summary


def _validate(p: argparse.ArgumentParser, args) -> None:
    """Every argument checked before any training starts (``p.error`` exits with status 2)."""
    n = len(args.levels)
    if len(set(args.levels)) != n:
        p.error(f"--levels repeats a level: {args.levels}")
    for opt in ("iters", "crop", "batch", "lr"):
        values = getattr(args, opt)
        if values and len(values) not in (1, n):
            p.error(f"--{opt} needs 1 value or {n} (one per --levels entry), got {len(values)}")
        if values and not all(v > 0 and math.isfinite(v) for v in values):
            p.error(f"--{opt} values must be > 0, got {values}")
    if args.crop and any(c % 8 for c in args.crop):
        p.error(f"--crop values must be multiples of 8 (three poolings), got {args.crop}")
    for opt, ok in (("threads", args.threads >= 1), ("feat_every", args.feat_every >= 1),
                    ("feat_weight", math.isfinite(args.feat_weight) and args.feat_weight >= 0),
                    ("ckpt_every_s", math.isfinite(args.ckpt_every_s) and args.ckpt_every_s > 0)):
        if not ok:
            p.error(f"--{opt.replace('_', '-')} is out of range: {getattr(args, opt)}")
    if args.register and not (args.export or args.export_only):
        p.error("--register only applies with --export or --export-only")
    if args.export_only:
        ckpt_dir = Path(args.ckpt_dir or checkpoint_dir())
        missing = [lv for lv in args.levels if not (ckpt_dir / f"{lv}.ckpt").is_file()]
        if missing:
            p.error(f"--export-only: no checkpoint for {missing} in {ckpt_dir}; train them first")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hw2.photowct.train", description=__doc__.split("\n")[0])
    p.add_argument("--levels", nargs="+", default=list(LEVELS), choices=LEVELS)
    p.add_argument("--iters", nargs="+", type=int, help="per level (one value per --levels entry, or one)")
    p.add_argument("--crop", nargs="+", type=int)
    p.add_argument("--batch", nargs="+", type=int)
    p.add_argument("--lr", nargs="+", type=float)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--init", choices=["default", "greedy", "none"], default="greedy",
                   help="default: least squares (relu1_1) / AdaIN (relu4_1); greedy: layer-wise least squares")
    p.add_argument("--feat-weight", type=float, default=0.002)
    p.add_argument("--feat-every", type=int, default=4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--ckpt-dir", type=Path, default=None)
    p.add_argument("--ckpt-every-s", type=float, default=180.0)
    p.add_argument("--fresh", action="store_true", help="ignore existing checkpoints")
    p.add_argument("--export", action="store_true", help="write fp16 decoders to hw2/weights after training")
    p.add_argument("--export-only", action="store_true")
    p.add_argument("--register", action="store_true",
                   help="with --export: replace committed decoders whose hash changed and update their sha256")
    args = p.parse_args(argv)
    _validate(p, args)
    torch.set_num_threads(max(1, args.threads))
    ckpt_dir = Path(args.ckpt_dir or checkpoint_dir())
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    log = logging.getLogger("hw2.photowct.train")
    log.setLevel(logging.INFO)
    handler = logging.FileHandler(ckpt_dir / "train.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    log.addHandler(handler)

    def per_level(values, i, j):
        if not values:
            return DEFAULTS[args.levels[i]][j]
        return values[i] if len(values) > 1 else values[0]

    if not args.export_only:
        images = default_images()
        enc = VGG19Encoder("relu4_1")
        log.info("training %s on %d images, args %s", args.levels, len(images), vars(args))
        for i, level in enumerate(args.levels):
            t0 = time.perf_counter()
            lower = None
            if args.init == "greedy" and level == "relu4_1" and (ckpt_dir / "relu3_1.ckpt").is_file():
                lower = torch.load(ckpt_dir / "relu3_1.ckpt", map_location="cpu", weights_only=True)["model"]
            res = train_level(level, images=images, iters=per_level(args.iters, i, 0),
                              crop=per_level(args.crop, i, 1), batch=per_level(args.batch, i, 2),
                              lr=per_level(args.lr, i, 3), seed=args.seed, feat_weight=args.feat_weight,
                              feat_every=args.feat_every, ckpt=ckpt_dir / f"{level}.ckpt",
                              ckpt_every_s=args.ckpt_every_s, fresh=args.fresh, logger=log, encoder=enc,
                              init={"default": True, "greedy": "greedy", "none": False}[args.init],
                              init_lower=lower)
            log.info("%s done: step %d, total training time %.0f s (this run %.0f s)", level, res["step"],
                     res["elapsed_s"], time.perf_counter() - t0)
    if args.export or args.export_only:
        summary = export(args.levels, ckpt_dir=ckpt_dir, register=args.register)
        log.info("exported %s", json.dumps(summary))
        print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
