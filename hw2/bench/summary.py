"""The benchmarks appendix of the report: one readable row per headline figure of ``benchmarks/results.json``.

Each row names the method, the measure in words (with its size), the value with its unit, the
yardstick it is read against (the plain recipe, the naive loop, the direct solve, the
untranslated images, a target), and the machine it was measured on. :data:`HEADLINES` lists them;
a row whose figure is absent from the results (a benchmark not run, a quick run without it) is
left out. The full file is linked, not printed (notebook 05 links ``benchmarks/results.json`` below the table).
"""
from __future__ import annotations

from typing import Callable

from . import read_results

__all__ = ["appendix_rows", "HEADLINES", "HEADERS", "number"]

HEADERS = ["method", "measure", "value", "compared with", "machine"]


def number(v: float) -> str:
    """A benchmark figure as text: three significant digits, no exponent for the magnitudes of these figures
    (``0.0123``, ``1.23``, ``12.3``, ``1,234``)."""
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    if abs(v) >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def _get(r: dict, *path):
    for p in path:
        if not isinstance(r, dict) or p not in r or r[p] is None:
            raise KeyError(p)
        r = r[p]
    return r


# (benchmark key, method, measure in words, value(r) -> text, anchor(r) -> text); KeyError = figure absent
_Row = tuple[str, str, str, Callable[[dict], str], Callable[[dict], str]]


def _fid(direction: str) -> Callable[[dict], str]:
    """The Fréchet VGG distance at ``T = 1`` and the size the notebook shows (``*_t1``), mean ± sd over the draws."""
    def value(r):
        v = number(_get(r, f"fid_vgg_{direction}_t1"))
        sd = r.get(f"fid_vgg_{direction}_t1_sd")
        return f"{v} ± {number(sd)} over {r.get('eval_n_draws_t1', 1)} draws" if sd is not None else v
    return value


def _optional(text: Callable[[dict], str]) -> Callable[[dict], str]:
    def anchor(r):
        try:
            return text(r)
        except KeyError:
            return "—"
    return anchor


HEADLINES: tuple[_Row, ...] = (
    ("vgg", "VGG-19 encoder", "forward pass to relu5_1, 512 × 512 image",
     lambda r: f"{number(_get(r, 'forward_s_512'))} s",
     _optional(lambda r: f"256 × 256 image: {number(_get(r, 'forward_s_256'))} s")),
    ("neural_style", "Neural Style", "time to reach the plain recipe's final loss, 512 px",
     lambda r: f"{number(_get(r, 'ours_512_s_to_baseline_loss'))} s",
     _optional(lambda r: f"plain recipe (300 L-BFGS evaluations): {number(_get(r, 'baseline_512_s'))} s; "
                         f"{number(_get(r, 'speedup'))}× faster (target ≥ 3×)")),
    ("neural_style", "Neural Style", "one loss-and-gradient evaluation, 512 px",
     lambda r: f"{number(_get(r, 's_per_eval_512'))} s",
     _optional(lambda r: f"256 px: {number(_get(r, 's_per_eval_256'))} s")),
    ("textures", "Gatys textures", "style distance (Gram) of the conv5_1 texture to its source",
     lambda r: number(_get(r, "style_dist", "conv5_1")),
     _optional(lambda r: f"a crop of the same painting: {number(_get(r, 'crop_style_dist'))}; "
                         f"histogram-matched noise: {number(_get(r, 'noise_style_dist'))}")),
    ("textures", "Gatys textures", "synthesis time of the conv5_1 texture",
     lambda r: f"{number(_get(r, 's_per_texture', 'conv5_1'))} s",
     _optional(lambda r: f"conv1_1 texture: {number(_get(r, 's_per_texture', 'conv1_1'))} s")),
    ("photowct", "PhotoWCT", "decoder reconstruction PSNR at relu4_1, unseen photos",
     lambda r: f"{number(_get(r, 'psnr_db', 'relu4_1'))} dB",
     _optional(lambda r: f"WCT's decoder (AdaIN's): {number(_get(r, 'psnr_db_wct', 'relu4_1'))} dB")),
    ("photowct", "PhotoWCT", "decoder reconstruction PSNR at relu3_1, unseen photos",
     lambda r: f"{number(_get(r, 'psnr_db', 'relu3_1'))} dB",
     _optional(lambda r: f"Li et al. (2017)'s decoder: {number(_get(r, 'psnr_db_li2017', 'relu3_1'))} dB")),
    ("photowct", "PhotoWCT", "stylisation of a 1 MP photo (4 levels, no smoothing)",
     lambda r: f"{number(_get(r, 's_1mp'))} s",
     _optional(lambda r: f"512 × 384 photo: {number(_get(r, 's_512'))} s")),
    ("smoothing", "FastPhotoStyle smoothing", "exact iterative solve, 800 × 540",
     lambda r: f"{number(_get(r, 'exact_s_800x540'))} s",
     _optional(lambda r: f"SciPy's direct solve: {number(_get(r, 'direct_s_800x540'))} s "
                         f"(mean absolute difference {_get(r, 'mad_vs_direct'):.1e})")),
    ("smoothing", "FastPhotoStyle smoothing", "exact iterative solve, 1000 × 1000: time and peak memory",
     lambda r: f"{number(_get(r, 'exact_s_1mp'))} s, {number(_get(r, 'exact_peak_rss_mb_1mp'))} MB",
     _optional(lambda r: f"guided filter: {number(_get(r, 'fast_s_1mp'))} s; direct solve at 800 × 540: "
                         f"{number(_get(r, 'direct_peak_rss_mb_800x540'))} MB")),
    ("quilting", "Image Quilting", "512 × 512 synthesis, block 32",
     lambda r: f"{number(_get(r, 'synth_512_s'))} s", lambda r: "target ≤ 2 s"),
    ("quilting", "Image Quilting", "texture transfer onto a 512 × 512 photo, 3 passes",
     lambda r: f"{number(_get(r, 'transfer_512_s'))} s", lambda r: "target ≤ 20 s"),
    ("quilting", "Image Quilting", "FFT block matching, 512 × 512 synthesis, tolerance 0",
     lambda r: f"{number(_get(r, 'fast_synth_512_tol0_s'))} s",
     _optional(lambda r: f"loop over candidates: {number(_get(r, 'naive_synth_512_s'))} s "
                         f"({number(_get(r, 'speedup'))}× slower), same cut cost: "
                         f"{'yes' if _get(r, 'min_cut_cost_equal') else 'no'}")),
    ("munit", "MUNIT", "Fréchet VGG distance of photo → Monet translations to Monet paintings, T = 1",
     _fid("photo2monet"),
     _optional(lambda r: f"the photos untranslated: {number(_get(r, 'fid_vgg_identity_photo2monet'))}")),
    ("munit", "MUNIT", "Fréchet VGG distance of Monet → photo translations to photos, T = 1",
     _fid("monet2photo"),
     _optional(lambda r: f"the paintings untranslated: {number(_get(r, 'fid_vgg_identity_monet2photo'))}")),
    ("munit", "MUNIT", "sharpness of photo → Monet translations, T = 1 (Laplacian energy / real paintings')",
     lambda r: number(_get(r, "sharpness_photo2monet")), lambda r: "real images: 1"),
    ("munit", "MUNIT", "sharpness of Monet → photo translations, T = 1 (Laplacian energy / real photos')",
     lambda r: number(_get(r, "sharpness_monet2photo")), lambda r: "real images: 1"),
    ("munit", "MUNIT", "translation of a 256 × 256 image",
     lambda r: f"{number(_get(r, 'infer_ms_256'))} ms", lambda r: "—"),
    ("munit", "MUNIT", "training steps per second, one thread",
     lambda r: f"{number(_get(r, 'train_it_per_s'))} steps/s", lambda r: "—"),
)


def _machine(r: dict) -> str:
    meta = r.get("_meta", {})
    m = meta.get("machine") or {}
    if not m:
        return "—"
    threads = r.get("threads", m.get("threads"))
    cpu = str(m.get("cpu", "?")).replace("(R)", "").replace("(TM)", "").strip()
    text = f"{m.get('cores', '?')} cores ({cpu})"
    if threads:
        text += f", {threads} thread{'s' if threads != 1 else ''}"
    text += f", GPU: {m['gpu']}" if m.get("gpu") else ", no GPU"
    if meta.get("quick"):
        text += "; quick run (checks the code path only)"
    return text


def _measure(bench: str, measure: str, r: dict) -> str:
    if bench == "munit" and measure.startswith("Fréchet") and "eval_size" in r:
        n = (f"{r['eval_n_photos_t1']} photos" if "photo →" in measure and "eval_n_photos_t1" in r else
             f"{r['eval_n_monet_t1']} paintings" if "Monet →" in measure and "eval_n_monet_t1" in r else "")
        return f"{measure} ({r['eval_size']} px" + (f", {n})" if n else ")")
    return measure


def appendix_rows(results: dict | None = None) -> tuple[list[list], list[str]]:
    """Rows and headers of the benchmarks table (method, measure, value with unit, yardstick, machine).

    Parameters
    ----------
    results : dict, optional
        ``{benchmark: {figure: value, "_meta": {...}}}`` as in ``benchmarks/results.json`` (the default).

    Returns
    -------
    rows : list of list of str
        One row per entry of :data:`HEADLINES` whose figure is present, in that order.
    headers : list of str
        :data:`HEADERS`.
    """
    if results is None:
        results = read_results()
    if not isinstance(results, dict):
        raise ValueError(f"results must be a dict of benchmarks, not {type(results).__name__}")
    rows = []
    for bench, method, measure, value, anchor in HEADLINES:
        r = results.get(bench)
        if not isinstance(r, dict):
            continue
        try:
            shown = value(r)
        except KeyError:
            continue
        rows.append([method, _measure(bench, measure, r), shown, anchor(r), _machine(r)])
    return rows, list(HEADERS)

