"""Train the (Photo)WCT decoders: ``python -m hw2.fastphotostyle.photowct.train [--decoder photowct|wct]``.

Each decoder inverts one level of the frozen normalized VGG19: image ->
encoder -> decoder -> image. ``--decoder photowct`` (default) trains the four
lean max-unpooling decoders of PhotoWCT (Li et al. 2018; they use the encoder's
pool indices), ``--decoder wct`` the nearest-upsampling decoders of plain WCT
(Li et al. 2017) for ``relu1_1`` to ``relu3_1`` (the ``relu4_1`` one is AdaIN's).
The loss is the pixel MSE plus ``feat_weight`` times the MSE between the encoder
features of the reconstruction and of the input (both papers train with pixel
and feature reconstruction losses).

Data: random crops (flipped half of the time) of the monet2photo ``trainB``
photos; for ``photowct`` also of the landscapes (resized to 512 px on the long
side and repeated ``landscape_repeat`` times so that they make ~10 % of the
samples). ``testB`` is never used, so it measures held-out quality.

Reproducibility and robustness
------------------------------
* the crops of step ``t`` are drawn from ``np.random.default_rng([seed, level, t])``,
  so a resumed run sees exactly the data of an uninterrupted one;
* checkpoints (model, optimizer, step, loss history, wall time) are written
  atomically to ``$HW2_HOME/<decoder>/train/<level>.ckpt`` every ``ckpt_every_s``
  seconds and at the end; a rerun resumes from them (``--fresh`` starts over);
* progress goes to a tqdm bar (loss in the postfix) and to ``train.log`` there.

Departures / CPU budget
-----------------------
* the feature loss (which needs a backward pass through the encoder) is computed
  every ``feat_every`` steps only;
* decoders start from a layer-wise least-squares fit (:mod:`hw2.fastphotostyle.photowct.lsq`,
  ``--init greedy``, the default); ``--init default`` starts ``relu1_1`` from the
  least-squares solution of the pixel loss and the PhotoWCT ``relu4_1`` from the
  AdaIN decoder's convolutions of the same shapes (layers 1, 5, 14, 21).

``--export`` writes the final decoders as fp16 state dicts ``<decoder>_<level>.pth``
to ``hw2/weights/`` (beside the committed ones when they differ) and prints their sha256;
``--export --register`` adopts them and updates ``hw2/weights/sha256.json``.
"""
from __future__ import annotations

import argparse
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

from ... import config, weights
from ...data import images_in, monet2photo
from ...io import atomic_write
from ...vgg import VGG19Encoder
from .lsq import greedy_init, least_squares_init, sample_batch
from .models import ADAIN_INIT_KEYS, Decoder, LEVELS, PHOTOWCT_SPECS, WCT_SPECS, weights_name

__all__ = ["train_level", "default_images", "export", "main", "checkpoint_dir", "DECODERS", "SPECS"]

#: the two decoder families: PhotoWCT's unpooling decoders, plain WCT's upsampling ones
DECODERS = ("photowct", "wct")
#: architecture of each family
SPECS = {"photowct": PHOTOWCT_SPECS, "wct": WCT_SPECS}
#: levels trained per family (the relu4_1 WCT decoder is AdaIN's, see :func:`models.wct_decoder`)
TRAINED_LEVELS = {"photowct": LEVELS, "wct": LEVELS[:3]}
#: defaults per family and level: (iterations, crop, batch, learning rate)
DEFAULTS = {"photowct": {"relu1_1": (30, 96, 8, 1e-5), "relu2_1": (9000, 64, 8, 3e-4),
                         "relu3_1": (4000, 64, 8, 3e-4), "relu4_1": (1300, 96, 4, 3e-4)},
            "wct": {"relu1_1": (30, 96, 8, 1e-5), "relu2_1": (3000, 64, 8, 1e-4),
                    "relu3_1": (4000, 64, 8, 1e-4)}}


def _check_decoder(decoder: str) -> None:
    if decoder not in DECODERS:
        raise ValueError(f"unknown decoder family {decoder!r}; choose one of {DECODERS}")


def checkpoint_dir(decoder: str = "photowct") -> Path:
    """``$HW2_HOME/<decoder>/train`` (``photowct`` or ``wct``)."""
    _check_decoder(decoder)
    return config.home() / decoder / "train"


def default_images(*, decoder: str = "photowct", landscape_repeat: int = 30) -> list[Path]:
    """Training images of ``decoder``'s family.

    ``"photowct"``: monet2photo ``trainB`` plus ``$HW2_DATA/landscapes`` (when present) repeated
    ``landscape_repeat`` times (as the committed PhotoWCT decoders were trained); ``"wct"``: ``trainB`` only,
    so that ``testB`` and the landscapes stay held out.
    """
    _check_decoder(decoder)
    if decoder == "wct":
        return list(monet2photo("trainB"))
    # the ten MATE and KDE Plasma wallpapers of the model card: an optional extra in the data folder
    extra = config.data_root() / "landscapes"
    lands = images_in(extra) if extra.is_dir() else []
    return list(monet2photo("trainB")) + lands * landscape_repeat


def _psnr(mse: float) -> float:
    return 10.0 * math.log10(1.0 / max(mse, 1e-12))


def _init_decoder(level: str, *, seed: int, enc: VGG19Encoder, images, init, lower: dict | None = None,
                  decoder: str = "photowct") -> Decoder:
    torch.manual_seed(seed)
    dec = Decoder(SPECS[decoder][level])
    log = logging.getLogger("hw2.fastphotostyle.photowct.train")
    if init == "greedy":
        fit = None
        if lower is not None and level == "relu4_1" and decoder == "photowct":
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
        least_squares_init(dec, enc, images, seed=seed)
    return dec


def train_level(level: str, *, images: Sequence, iters: int, crop: int = 96, batch: int = 8, lr: float = 1e-3,
                seed: int = 0, feat_weight: float = 0.002, feat_every: int = 4, ckpt: Path | None = None,
                ckpt_every_s: float = 180.0, fresh: bool = False, init=True, init_lower: dict | None = None,
                progress: bool = True, decoder: str = "photowct",
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
    decoder : {"photowct", "wct"}
        Architecture: :data:`~hw2.fastphotostyle.photowct.models.PHOTOWCT_SPECS` (max-unpooling) or
        :data:`~hw2.fastphotostyle.photowct.models.WCT_SPECS` (nearest upsampling, levels 1-3 only).

    Returns
    -------
    dict
        ``model`` (state dict), ``step``, ``history`` (list of ``[step, pixel_mse, feat_mse or None]``),
        ``elapsed_s`` (training wall time over all runs), ``config``.
    """
    _check_decoder(decoder)
    if level not in TRAINED_LEVELS[decoder]:
        raise ValueError(f"unknown level {level!r} for the {decoder} decoders; choose one of "
                         f"{TRAINED_LEVELS[decoder]}")
    if iters < 0 or crop < 8 or batch < 1:
        raise ValueError(f"bad training sizes: iters={iters}, crop={crop}, batch={batch}")
    if not images:
        raise ValueError("no training images")
    log = logger or logging.getLogger("hw2.fastphotostyle.photowct.train")
    cfg = dict(level=level, crop=crop, batch=batch, lr=lr, seed=seed, feat_weight=feat_weight,
                      feat_every=feat_every, init=init if init_lower is None else f"{init}+relu3_1")
    if decoder != "photowct":           # (the committed PhotoWCT checkpoints predate this key)
        cfg["decoder"] = decoder
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
            raise ValueError(f"checkpoint {ckpt} is corrupt or not a {decoder} decoder checkpoint "
                             f"({type(exc).__name__}: {exc}); delete it or pass fresh=True (--fresh) "
                             "to start over") from exc
        if dict(state["config"]) != dict(cfg):
            raise ValueError(f"checkpoint {ckpt} was made with {dict(state['config'])}, not {dict(cfg)}; "
                             "pass fresh=True (--fresh) to start over")
        dec = Decoder(SPECS[decoder][level])
        dec.load_state_dict(state["model"])
        log.info("%s: resumed from %s at step %d", level, ckpt, state["step"])
    else:
        dec = _init_decoder(level, seed=seed, enc=enc, images=images, init=init, lower=init_lower,
                            decoder=decoder)
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
        from tqdm.auto import tqdm  # lazy on purpose: tqdm.auto looks for a notebook front end
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


def export(levels: Sequence[str] | None = None, *, decoder: str = "photowct", ckpt_dir: Path | None = None,
           dest: Path | None = None, register: bool = False) -> dict:
    """Write fp16 decoders ``<decoder>_<level>.pth`` from the checkpoints; returns a summary per level.

    A decoder whose bytes differ from the registered file goes beside it (``.new.pth``) unless
    ``register`` (:func:`hw2.weights.export_file`): committed weights are never silently replaced.
    """
    _check_decoder(decoder)
    levels = TRAINED_LEVELS[decoder] if levels is None else levels
    ckpt_dir = Path(ckpt_dir or checkpoint_dir(decoder))
    dest = Path(dest or config.WEIGHTS)
    summary = {}
    for level in levels:
        state = torch.load(ckpt_dir / f"{level}.ckpt", map_location="cpu", weights_only=True)
        if state["config"].get("decoder", "photowct") != decoder:
            raise ValueError(f"{ckpt_dir / f'{level}.ckpt'} holds a {state['config'].get('decoder', 'photowct')}"
                             f" decoder, not a {decoder} one")
        half = {k: v.half().contiguous() for k, v in state["model"].items()}
        res = weights.export_file(weights_name(level, decoder), lambda fh: torch.save(half, fh),
                                  register=register, dest=dest / f"{decoder}_{level}.pth")
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
        ckpt_dir = Path(args.ckpt_dir or checkpoint_dir(args.decoder))
        missing = [lv for lv in args.levels if not (ckpt_dir / f"{lv}.ckpt").is_file()]
        if missing:
            p.error(f"--export-only: no checkpoint for {missing} in {ckpt_dir}; train them first")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hw2.fastphotostyle.photowct.train", description=__doc__.split("\n")[0])
    p.add_argument("--decoder", choices=DECODERS, default="photowct",
                   help="photowct: max-unpooling decoders (4 levels); wct: nearest-upsampling decoders "
                        "(relu1_1-relu3_1), trained on trainB only")
    p.add_argument("--levels", nargs="+", choices=LEVELS, help="default: every level the decoder family trains")
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
    args.levels = args.levels or list(TRAINED_LEVELS[args.decoder])
    if not set(args.levels) <= set(TRAINED_LEVELS[args.decoder]):
        p.error(f"--decoder {args.decoder} trains only {TRAINED_LEVELS[args.decoder]}")
    _validate(p, args)
    torch.set_num_threads(max(1, args.threads))
    ckpt_dir = Path(args.ckpt_dir or checkpoint_dir(args.decoder))
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    log = logging.getLogger("hw2.fastphotostyle.photowct.train")
    log.setLevel(logging.INFO)
    handler = logging.FileHandler(ckpt_dir / "train.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    log.addHandler(handler)

    def per_level(values, i, j):
        if not values:
            return DEFAULTS[args.decoder][args.levels[i]][j]
        return values[i] if len(values) > 1 else values[0]

    if not args.export_only:
        images = default_images(decoder=args.decoder)
        enc = VGG19Encoder("relu4_1")
        log.info("training %s on %d images, args %s", args.levels, len(images), vars(args))
        for i, level in enumerate(args.levels):
            t0 = time.perf_counter()
            lower = None
            if (args.decoder == "photowct" and args.init == "greedy" and level == "relu4_1"
                    and (ckpt_dir / "relu3_1.ckpt").is_file()):
                lower = torch.load(ckpt_dir / "relu3_1.ckpt", map_location="cpu", weights_only=True)["model"]
            res = train_level(level, images=images, iters=per_level(args.iters, i, 0),
                              crop=per_level(args.crop, i, 1), batch=per_level(args.batch, i, 2),
                              lr=per_level(args.lr, i, 3), seed=args.seed, feat_weight=args.feat_weight,
                              feat_every=args.feat_every, ckpt=ckpt_dir / f"{level}.ckpt",
                              ckpt_every_s=args.ckpt_every_s, fresh=args.fresh, logger=log, encoder=enc,
                              init={"default": True, "greedy": "greedy", "none": False}[args.init],
                              init_lower=lower, decoder=args.decoder)
            log.info("%s done: step %d, total training time %.0f s (this run %.0f s)", level, res["step"],
                     res["elapsed_s"], time.perf_counter() - t0)
    if args.export or args.export_only:
        summary = export(args.levels, decoder=args.decoder, ckpt_dir=ckpt_dir, register=args.register)
        log.info("exported %s", json.dumps(summary))
        print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
