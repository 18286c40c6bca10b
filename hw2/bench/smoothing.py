"""FastPhotoStyle smoothing: exact iterative solve vs SciPy's direct solve, guided filter (key ``smoothing``).

Every timed computation runs in a fresh subprocess, so that its peak resident memory
(``VmHWM`` of that process, see :func:`hw2.timing.peak_rss_mb`) is the computation's own,
and the direct solve's gigabytes do not linger in the caller. Inputs: a landscape photo as the content and
another one as the "stylised" image (the solver does not care where ``Y`` comes from).

Figures
-------
exact_s_800x540, direct_s_800x540, speedup, mad_vs_direct, iterations_800x540
    all-in (affinity, set-up, solve) at 800x540, same system, same run.
exact_s_1mp, exact_peak_rss_mb_1mp, iterations_1mp
    at 1000x1000.
fast_s_1mp
    guided filter (r = 35, eps = FastPhotoStyle's, fast variant with s = 4) at 1000x1000.
pipeline_s_1mp
    whole stylisation (PhotoWCT + exact smoothing) at 1000x1000; ``None`` without decoders.
load_avg_1min
    the machine's load when the benchmark started (timings inflate with it).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["run"]

_CONTENT, _STYLED = "mate_nature_Garden.jpg", "plasma_EveningGlow.jpg"  # study-set landscapes


def _inputs(h: int, w: int):
    """(content, stylised) as (h, w, 3) float32 arrays, loaded with Pillow only (no torch:
    the subprocess's baseline memory stays small)."""
    from PIL import Image

    from ..data import find, landscapes

    images = [Image.open(find(landscapes(), name)).convert("RGB") for name in (_CONTENT, _STYLED)]
    return tuple(np.asarray(im.resize((w, h), Image.Resampling.LANCZOS), dtype=np.float32) / 255.0
                 for im in images)


def _child(spec: dict) -> dict:
    """Runs in the subprocess: one computation, timed, with this process's peak RSS.

    The imports of this module's functions are lazy on purpose: what a child imports is part of the memory
    it measures, so each child imports only what its computation needs (the pipeline's registry only for
    ``"pipeline"``).
    """
    import time

    from ..fastphotostyle import smoothing
    from ..timing import peak_rss_mb

    content, styled = _inputs(spec["h"], spec["w"])
    import pyamg  # noqa: F401  (a one-time import per process, not part of a solve)

    base = peak_rss_mb()
    t = time.perf_counter()
    info = None
    if spec["what"] == "exact":
        res = smoothing.smooth_exact(styled, content)
        out, info = res.image[0].permute(1, 2, 0).numpy(), res.smoothing_info
    elif spec["what"] == "direct":
        out = smoothing.smooth_direct(styled, content)
    elif spec["what"] == "fast":
        smoothing.guided_filter(styled, content, subsample=spec.get("subsample", 4))  # warm-up (torch import)
        t = time.perf_counter()
        out = smoothing.guided_filter(styled, content, subsample=spec.get("subsample", 4))
    elif spec["what"] == "pipeline":
        import torch

        from ..methods import get

        torch.set_num_threads(os.cpu_count() or 1)
        c = torch.from_numpy(content.transpose(2, 0, 1).copy())[None]
        s = torch.from_numpy(styled.transpose(2, 0, 1).copy())[None]
        t = time.perf_counter()
        res = get("fastphotostyle")(c, s, smoothing="exact", size=max(spec["h"], spec["w"]), device="cpu")
        out = res.image[0].permute(1, 2, 0).numpy()
    else:
        raise ValueError(spec["what"])
    elapsed = time.perf_counter() - t
    if spec.get("save"):
        np.save(spec["save"], out)
    return {"seconds": elapsed, "peak_rss_mb": peak_rss_mb(),
            "baseline_rss_mb": base, "iterations": info.iterations if info else None,
            "times": info.times if info else None}


def _spawn(spec: dict, *, timeout: float = 1800) -> dict:
    from .. import config  # lazy on purpose (see _child)

    env = dict(os.environ)
    env["PYTHONPATH"] = str(config.ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    code = "import json,sys; from hw2.bench.smoothing import _child; print(json.dumps(_child(json.loads(sys.argv[1]))))"
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(spec)], capture_output=True, text=True,
                          env=env, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child {spec['what']} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(*, quick: bool = False) -> dict:
    from ..fastphotostyle import decoders_available

    load = os.getloadavg()[0]
    from .. import profiles

    p = profiles.get("bench_smoothing", "quick" if quick else "full")
    small, big = p["small"], p["big"]
    out: dict = {"load_avg_1min": round(load, 2), "size_small": f"{small[1]}x{small[0]}",
                 "size_1mp": f"{big[1]}x{big[0]}"}
    with tempfile.TemporaryDirectory(prefix="hw2-bench-smoothing-") as tmp:
        ex = _spawn({"what": "exact", "h": small[0], "w": small[1], "save": str(Path(tmp) / "exact.npy")})
        di = _spawn({"what": "direct", "h": small[0], "w": small[1], "save": str(Path(tmp) / "direct.npy")})
        # the exact solve's Result is clipped to [0, 1]: compare with the direct solve clipped the same way
        mad = float(np.abs(np.load(Path(tmp) / "exact.npy") - np.clip(np.load(Path(tmp) / "direct.npy"), 0, 1)).mean())
    out.update({"exact_s_800x540": ex["seconds"], "direct_s_800x540": di["seconds"],
                "speedup": di["seconds"] / ex["seconds"], "mad_vs_direct": mad,
                "iterations_800x540": ex["iterations"], "exact_stages_800x540": ex["times"],
                "direct_peak_rss_mb_800x540": di["peak_rss_mb"], "exact_peak_rss_mb_800x540": ex["peak_rss_mb"]})
    e1 = _spawn({"what": "exact", "h": big[0], "w": big[1]})
    out.update({"exact_s_1mp": e1["seconds"], "exact_peak_rss_mb_1mp": e1["peak_rss_mb"],
                "exact_baseline_rss_mb": e1["baseline_rss_mb"], "iterations_1mp": e1["iterations"],
                "exact_stages_1mp": e1["times"]})
    out["fast_s_1mp"] = _spawn({"what": "fast", "h": big[0], "w": big[1], "subsample": 4})["seconds"]
    ok, _ = decoders_available("photowct")
    out["pipeline_s_1mp"] = _spawn({"what": "pipeline", "h": big[0], "w": big[1]})["seconds"] if ok else None
    return out
