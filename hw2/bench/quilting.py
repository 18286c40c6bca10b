"""Image Quilting speed (key ``quilting``): FFT block matching vs. a loop over candidates.

Figures
-------
synth_512_s
    512x512 synthesis (minimum-cut mode, tolerance 0.1) from a 256 px Monet
    painting with block 32 (target: <= 2 s).
transfer_512_s
    3-pass texture transfer of the same painting onto a 512x512 photo, first
    block 36 (target: <= 20 s).
naive_synth_512_s, fast_synth_512_tol0_s, speedup
    The loop-over-candidates synthesis (:func:`hw2.quilting.naive_synthesize`)
    and the fast one with the same settings and tolerance 0, same run, and
    their ratio.
min_cut_cost_equal, same_image
    Both give the same total boundary-cut cost (and the same image) with the
    same seed at tolerance 0.
load_avg_1min
    System load when the run ended (the timings are wall times on a shared machine).

``quick=True`` uses a 64 px texture, 128 px outputs and block 16 (seconds);
the keys keep their names and ``out_size`` says which size was used.
"""
from __future__ import annotations

import math
import os

import numpy as np

from .. import profiles
from ..data import find, landscapes, study
from ..io import load_image, resize_longest, resize_to, to_numpy
from ..methods import get
from ..quilting import naive_synthesize
from ..timing import Timer, best_time


def _images(tex_side: int, out_side: int):
    painting = load_image(study("monet", 1)[0])
    photo = load_image(find(landscapes(), "plasma_Path"))
    h, w = painting.shape[-2:]
    s = min(h, w)
    painting = painting[..., (h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
    if tex_side < s // 2:  # small texture: a crop (keeps the painting's brush-stroke scale)
        c0 = (s - 2 * tex_side) // 2
        painting = painting[..., c0:c0 + 2 * tex_side, c0:c0 + 2 * tex_side]
    texture = to_numpy(resize_longest(painting, tex_side, upscale=True))
    h, w = photo.shape[-2:]
    s = min(h, w)
    photo = photo[..., (h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
    target = to_numpy(resize_to(photo, (out_side, out_side)))
    return texture, target


def run(*, quick: bool = False) -> dict:
    synthesize, transfer = get("quilting_synthesize"), get("quilting_transfer")

    p = profiles.get("bench_quilting", "quick" if quick else "full")
    tex_side, out_side, block, t_block = p["texture_side"], p["out_side"], p["block"], p["transfer_block"]
    texture, target = _images(tex_side, out_side)
    repeat = p["repeat"]

    synth_s = best_time(lambda: synthesize(texture, out_side, block=block, tolerance=0.1, seed=0),
                        repeat=repeat, warmup=1)
    transfer_s = best_time(lambda: transfer(texture, target, block=t_block, passes=3, seed=0),
                           repeat=p["transfer_repeat"], warmup=0)

    # same settings, tolerance 0, same seed: the fast and the direct implementation
    with Timer() as t_fast:
        fast = synthesize(texture, out_side, block=block, tolerance=0.0, seed=0)
    fast_img, details = to_numpy(fast.image), fast.details
    with Timer() as t_naive:
        naive_img, naive_cost = naive_synthesize(texture, out_side, block=block, tolerance=0.0, seed=0)
    equal = bool(math.isclose(details.cut_cost, naive_cost, rel_tol=1e-9, abs_tol=1e-9))
    return {
        "synth_512_s": synth_s,
        "transfer_512_s": transfer_s,
        "naive_synth_512_s": t_naive.elapsed,
        "fast_synth_512_tol0_s": t_fast.elapsed,
        "speedup": t_naive.elapsed / t_fast.elapsed,
        "min_cut_cost_equal": equal,
        "same_image": bool(np.array_equal(fast_img, naive_img)),
        "cut_cost_fast": details.cut_cost,
        "cut_cost_naive": naive_cost,
        "texture_side": tex_side,
        "out_size": out_side,
        "block": block,
        "overlap": details.overlaps[0],
        "transfer_block": t_block,
        "synth_target_met": synth_s <= 2.0 if not quick else None,
        "transfer_target_met": transfer_s <= 20.0 if not quick else None,
        # the machine is shared: a load above the core count inflates every time above
        "load_avg_1min": os.getloadavg()[0],
    }
