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
  checkpoint raises :class:`hw2.munit.trainer.CheckpointError` naming the problem;
* staged training: a config with ``init_from: <run>`` starts (when it has no checkpoint of its own)
  from that run's checkpoint, keeping its step count, so a later stage can change loss weights or
  the discriminators without retraining the generators (:meth:`Trainer.initialise_from`);
* a tqdm bar shows the losses; ``train.log`` and ``history.json`` (loss means every ``log_every``
  steps) and sample grids ``samples/step_XXXXXX.jpg`` (every ``sample_every`` steps) go there too;
* model selection (``val_every > 0``): every ``val_every`` steps :func:`validate` scores the generators on the
  validation split (never the test images), appends the scores to ``validation.json`` and to the checkpoint,
  and keeps the best so far as ``best.pt`` (same format); ``--export --best`` exports that one.

Several ``--config`` values are trained round-robin, one step each, in one process (one CPU job,
and both runs reach the same number of steps whenever they are stopped). ``--export`` writes the
fp16 generators and the loss history to ``hw2/weights/``.
"""
from __future__ import annotations

import argparse
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

from .. import config as hw2_config
from ..io import atomic_write, save_image
from .config import MUNITConfig, load_config
from .model import WEIGHTS_FORMAT
from .trainer import Trainer, read_checkpoint, run_dir, training_image

__all__ = ["export", "validate", "sample_grid", "main", "weights_name"]

#: the figures of :func:`hw2.munit.benchmark.score` a validation entry keeps
_VAL_KEYS = ("fid_vgg_photo2monet", "fid_vgg_monet2photo", "fid_ratio_photo2monet", "fid_ratio_monet2photo",
             "sharpness_photo2monet", "sharpness_monet2photo", "seconds")


def validate(tr: Trainer) -> dict:
    """Score the generators the run would export on the validation split and record it in ``tr.validation``.

    The generators (their moving average when the run keeps one) translate the validation images at shorter
    side ``cfg.val_size`` with one draw of random styles at ``T = 1``, the paper's prior
    (:func:`hw2.munit.benchmark.score`). Returns the entry: ``step``, ``elapsed_s`` (training wall time),
    the Fréchet distances and their ratios to the identity, the sharpness, ``selection``
    (:func:`~hw2.munit.benchmark.selection_score`, lower is better) and ``best`` (lower than every earlier entry).
    """
    from .benchmark import score, selection_score
    from .model import MUNIT

    gens = (tr.ema_a, tr.ema_b) if tr.ema_a is not None else (tr.gen_a, tr.gen_b)
    try:
        s = score(MUNIT(tr.cfg, *gens), split="validation", size=tr.cfg.val_size, temperature=1.0, n_draws=1,
                  n_diversity=0, seed=tr.cfg.seed)
    finally:
        for g in (tr.gen_a, tr.gen_b):
            g.train()
    entry = {"step": tr.step, "elapsed_s": round(tr.elapsed_s, 1), **{k: s[k] for k in _VAL_KEYS},
             "selection": selection_score(s)}
    entry["best"] = all(entry["selection"] < e["selection"] for e in tr.validation)
    tr.validation.append(entry)
    return entry


def _fixed_samples(cfg: MUNITConfig, n: int = 2) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    from ..data import monet2photo, pick

    def prep(p):
        t = training_image(p, cfg.new_size)[None]
        h, w = t.shape[-2:]
        y, x = (h - cfg.crop_size) // 2, (w - cfg.crop_size) // 2
        return t[..., y:y + cfg.crop_size, x:x + cfg.crop_size]

    return ([prep(p) for p in pick(monet2photo("testA"), n, seed=cfg.seed)],
            [prep(p) for p in pick(monet2photo("testB"), n, seed=cfg.seed)])


@torch.no_grad()
def sample_grid(tr: Trainer, images_a: Sequence[torch.Tensor], images_b: Sequence[torch.Tensor], *,
                n_random: int = 2) -> torch.Tensor:
    """Rows ``x | reconstruction | n_random random-style translations | reference-style`` per image, [0, 1]."""
    g = torch.Generator().manual_seed(1234)
    rows = []
    for src, tgt_imgs, enc, dec in ((images_a, images_b, tr.gen_a, tr.gen_b),
                                    (images_b, images_a, tr.gen_b, tr.gen_a)):
        for i, x in enumerate(src):
            x = x.to(tr.device) * 2 - 1
            ref = tgt_imgs[(i + 1) % len(tgt_imgs)].to(tr.device) * 2 - 1
            c, s = enc.encode(x)
            cells = [x, enc.decode(c, s)]
            for _ in range(n_random):
                cells.append(dec.decode(c, torch.randn(1, tr.cfg.style_dim, 1, 1, generator=g).to(tr.device)))
            cells.append(dec.decode(c, dec.encode(ref)[1]))
            rows.append(torch.cat(cells, dim=3))
    for m in (tr.gen_a, tr.gen_b):
        m.train()
    return (torch.cat(rows, dim=2) + 1) / 2


def export(name: str, *, directory: Path | None = None, dest: Path | None = None, extra: dict | None = None,
           register: bool = False, best: bool = False) -> dict:
    """Write ``munit_monet2photo[_<variant>].pth`` (fp16 generators + config) and ``..._history.json``.

    Parameters
    ----------
    name : str
        Config/run name (``cpu`` -> ``munit_monet2photo``, ``cpu_encadv`` -> ``munit_monet2photo_encadv``).

    register : bool
        Replace a committed file whose hash changed and update its registered sha256; without it such
        a file is written beside the committed one (:func:`hw2.weights.export_file`) and the
        history is not touched.
    best : bool
        Export ``best.pt`` (the best validation score, :func:`validate`) instead of the last checkpoint.

    Returns
    -------
    dict summary (file names, sha256, sizes, steps, wall time, final losses, status).
    """
    from .. import weights
    from . import model  # noqa: F401  (registers the committed generators)

    directory = Path(directory or run_dir(name))
    dest = Path(dest or hw2_config.WEIGHTS)
    state = read_checkpoint(directory / ("best.pt" if best else "checkpoint.pt"))
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
               "checkpoint": "best on the validation split" if best else "last",
               "validation": list(state.get("validation", [])),
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
    if (args.register or args.best) and not (args.export or args.export_only):
        p.error("--register and --best only apply with --export or --export-only")
    for c in args.config:
        try:
            load_config(c)
        except (ValueError, FileNotFoundError, OSError, KeyError, TypeError) as exc:
            p.error(f"--config {c}: {exc}")
    if args.export_only:
        file = "best.pt" if args.best else "checkpoint.pt"
        missing = [c for c in (load_config(c).name for c in args.config) if not (run_dir(c) / file).is_file()]
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
    p.add_argument("--best", action="store_true",
                   help="with --export: export best.pt (best validation score) instead of the last checkpoint")
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
                        save_image(sample_grid(tr, *tr.fixed),
                                   tr.directory / "samples" / f"step_{tr.step:06d}.jpg")
                    if tr.cfg.val_every and tr.step % tr.cfg.val_every == 0:
                        entry = validate(tr)
                        logs[tr.cfg.name].info("validation %s", json.dumps(entry))
                        if entry["best"]:
                            tr.save(tr.directory / "best.pt")
                        with atomic_write(tr.directory / "validation.json", "w") as fh:
                            json.dump(tr.validation, fh)
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
            summary = export(cfg.name, extra={"command": cmd, "machine": machine_info()}, register=args.register,
                             best=args.best)
            logs[cfg.name].info("exported %s", json.dumps(summary))
            print(json.dumps({k: v for k, v in summary.items() if k != "config"}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
