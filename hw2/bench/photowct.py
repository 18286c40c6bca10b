"""PhotoWCT decoders and stylisation speed (key ``photowct``).

Figures
-------
psnr_db : dict level -> dB
    Reconstruction PSNR (image -> VGG encoder -> our unpooling decoder, no WCT),
    mean over the monet2photo ``testB`` photos (256 px, as stored).
psnr_db_li2017 : dict level -> dB or None
    The same with the upsampling decoders of Li et al. (2017), levels 1-3
    (``$HW2_REFERENCE/li2017_wct``; ``None`` when absent).
psnr_db_landscapes, psnr_db_li2017_landscapes : dict
    The same on the landscapes resized to 512 px on the long side.
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

from ..timing import best_time, peak_rss_mb

LEVELS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")


def psnr_table(images: Sequence[torch.Tensor], *, li2017: bool = True, device="cpu") -> dict:
    """Mean reconstruction PSNR per level of our decoders (and of Li et al.'s, levels 1-3).

    Each image is encoded once (to ``relu4_1`` with pool indices); every decoder
    then reads the features of its level.
    """
    from ..photowct.models import encode, encoder, photowct_decoder, wct_decoder
    from ..metrics import psnr
    from ..weights import WeightsError

    enc = encoder(device=device)
    ours = {lv: photowct_decoder(lv, device=device) for lv in LEVELS}
    li = {}
    if li2017:
        try:
            li = {lv: wct_decoder(lv, device=device) for lv in LEVELS[:3]}
        except WeightsError:
            li = {}
    scores = {"ours": {lv: [] for lv in LEVELS}, "li2017": {lv: [] for lv in LEVELS[:3]}}
    with torch.inference_mode():
        for img in images:
            x = img.to(device).contiguous(memory_format=torch.channels_last)
            feats, pools = encode(enc, x, list(LEVELS), return_indices=True)
            for lv in LEVELS:
                scores["ours"][lv].append(psnr(ours[lv](feats[lv], pools).clamp(0, 1), x))
                if lv in li:
                    scores["li2017"][lv].append(psnr(li[lv](feats[lv], pools).clamp(0, 1), x))
    mean = lambda v: round(float(np.mean(v)), 3) if v else None  # noqa: E731
    return {"ours": {lv: mean(v) for lv, v in scores["ours"].items()},
            "li2017": {lv: mean(v) for lv, v in scores["li2017"].items()}, "n": len(images)}


def _time_photowct(content: torch.Tensor, style: torch.Tensor, *, repeat: int, warmup: int = 1) -> float:
    from ..photowct import stylize

    return best_time(lambda: stylize(content, style, device="cpu"), repeat=repeat, warmup=warmup)


def run(*, quick: bool = False, n_photos: int | None = None) -> dict:
    """Benchmark figures (see the module docstring).

    ``n_photos`` evaluates a seeded subset of the 300 ``testB`` photos (default: all;
    ``quick``: 4 photos at 128 px and 1 landscape at 256 px).
    """
    from ..data import landscapes, monet2photo, pick
    from ..io import load_image, resize_longest, resize_to

    photos = monet2photo("testB")
    lands = landscapes()
    if quick:
        photos = pick(photos, 4, seed=0)
        lands = pick(lands, 1, seed=0)
    elif n_photos is not None and n_photos < len(photos):
        photos = pick(photos, n_photos, seed=0)
    side_photo = 128 if quick else None
    side_land = 256 if quick else 512
    photo_imgs = [load_image(p, max_side=side_photo) for p in photos]
    land_imgs = [resize_longest(load_image(p, max_side=2 * side_land), side_land) for p in lands]
    table = psnr_table(photo_imgs)
    table_land = psnr_table(land_imgs)
    out = {"psnr_db": table["ours"], "psnr_db_li2017": table["li2017"] or None, "n_photos": table["n"],
           "psnr_db_landscapes": table_land["ours"], "psnr_db_li2017_landscapes": table_land["li2017"] or None,
           "n_landscapes": table_land["n"]}
    base = load_image(sorted(lands, key=lambda p: p.name)[0], max_side=2048)
    style = resize_longest(load_image(photos[0], max_side=512), 512, upscale=True)
    if quick:
        out["s_1mp"] = None
        out["s_256"] = _time_photowct(resize_to(base, (192, 256)), resize_longest(style, 256), repeat=1,
                                      warmup=0)
    else:
        out["s_1mp"] = _time_photowct(resize_to(base, (864, 1152)), style, repeat=2)
        out["s_512"] = _time_photowct(resize_to(base, (384, 512)), style, repeat=3)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    out["quick"] = quick
    return out
