"""PhotoWCT and WCT decoders, and stylisation speed (key ``photowct``).

Reconstruction PSNR (image -> VGG encoder -> decoder, no WCT) is measured only on
photos that no decoder was trained on: the study set's 50 test photos (``hw2.data.study("photo")``,
a seeded pick of monet2photo ``testB``, 256 px, as stored). Our PhotoWCT decoders were trained on
``trainB`` and the landscapes, our WCT decoders on ``trainB`` only, and Li et al.'s
and AdaIN's on MS-COCO; the landscapes therefore serve only as timing content.

Figures
-------
psnr_db : dict level -> dB
    Our PhotoWCT (max-unpooling) decoders, mean over the photos.
psnr_db_wct : dict level -> dB
    Our WCT (nearest-upsampling) decoders for levels 1-3 and the AdaIN decoder for
    ``relu4_1``: the decoders of ``stylize(..., method="wct")``.
psnr_db_li2017 : dict level -> dB
    Li et al.'s (2017) own upsampling decoders, levels 1-3, a yardstick read from
    ``$HW2_REFERENCE/li2017_wct``; the key is absent when those files are.
n_photos : int
s_1mp : float
    Wall time of PhotoWCT (4 levels, no smoothing) of a ~1 MP content image
    (1152 x 864) with a style of 512 px on its long side (``None`` with ``quick``).
s_512 : float
    The same for a 512 x 384 content image.
peak_rss_mb : float
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .. import profiles
from ..data import landscapes, study
from ..fastphotostyle.photowct.models import encode, encoder, li2017_decoder, photowct_decoder, wct_decoder
from ..io import load_image, resize_longest, resize_to
from ..methods import get
from ..metrics import psnr
from ..timing import best_time, peak_rss_mb
from ..weights import WeightsError

LEVELS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")


def psnr_table(images: Sequence[torch.Tensor], *, li2017: bool = True, device="cpu") -> dict:
    """Mean reconstruction PSNR per level of our PhotoWCT and WCT decoders (and of Li et al.'s, levels 1-3).

    Each image is encoded once (to ``relu4_1`` with pool indices); every decoder
    then reads the features of its level. Returns ``{"photowct": {level: dB},
    "wct": {level: dB}, "li2017": {level: dB} or {} when the reference files are
    absent, "n": len(images)}``.
    """
    enc = encoder(device=device)
    decoders = {"photowct": {lv: photowct_decoder(lv, device=device) for lv in LEVELS},
                "wct": {lv: wct_decoder(lv, device=device) for lv in LEVELS}, "li2017": {}}
    if li2017:
        try:
            decoders["li2017"] = {lv: li2017_decoder(lv, device=device) for lv in LEVELS[:3]}
        except WeightsError:
            pass
    scores = {kind: {lv: [] for lv in decs} for kind, decs in decoders.items()}
    with torch.inference_mode():
        for img in images:
            x = img.to(device).contiguous(memory_format=torch.channels_last)
            feats, pools = encode(enc, x, list(LEVELS), return_indices=True)
            for kind, decs in decoders.items():
                for lv, dec in decs.items():
                    scores[kind][lv].append(psnr(dec(feats[lv], pools).clamp(0, 1), x))
    out = {kind: {lv: round(float(np.mean(v)), 3) for lv, v in per.items()} for kind, per in scores.items()}
    out["n"] = len(images)
    return out


def _time_photowct(content: torch.Tensor, style: torch.Tensor, *, repeat: int, warmup: int = 1) -> float:
    stylize = get("photowct")

    return best_time(lambda: stylize(content, style, device="cpu"), repeat=repeat, warmup=warmup)


def run(*, quick: bool = False, n_photos: int | None = None) -> dict:
    """Benchmark figures (see the module docstring), with the sizes of ``hw2.profiles.TABLE["bench_photowct"]``.

    ``n_photos`` study-set test photos (default: the profile's) for the PSNR; the first landscape
    (by name) is the timing content.
    """
    p = profiles.get("bench_photowct", "quick" if quick else "full")
    photos = study("photo")
    photos = photos[:min(n_photos or p["n_photos"] or len(photos), len(photos))]
    photo_imgs = [load_image(ph, max_side=p["photo_side"]) for ph in photos]
    table = psnr_table(photo_imgs)
    out = {"psnr_db": table["photowct"], "psnr_db_wct": table["wct"], "n_photos": table["n"]}
    if table["li2017"]:
        out["psnr_db_li2017"] = table["li2017"]
    base = load_image(sorted(landscapes(), key=lambda q: q.name)[0], max_side=2048)
    style = resize_longest(load_image(photos[0], max_side=512), 512, upscale=True)
    for key, spec in p["timings"].items():
        if spec is None:
            out[key] = None
            continue
        (h, w), style_side, repeat, warmup = spec
        out[key] = _time_photowct(resize_to(base, (h, w)), resize_longest(style, style_side), repeat=repeat,
                                  warmup=warmup)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    out["quick"] = quick
    return out
