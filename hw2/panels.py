"""The five notebooks' "Try it" panels, each a :class:`hw2.panel.Panel` around one method of the package.

Each function takes what its notebook has already loaded (images, models, sizes from the profile) and
returns the panel; a notebook's last line ``panels.<name>(...)`` shows it. The controls are capped so
that the slowest combination ends within about a minute on one busy CPU core at the full profile's sizes
(measured: quilting with 8 px blocks and 4 passes on a 256 px target, 22 s; the comparison's Neural Style
at 192 px, 59 s; FastPhotoStyle at 256 px, 2 s; Neural Style at its largest size and budget stops at
:data:`hw2.panel.MAX_SECONDS`, showing the image it reached).

* :func:`fastphotostyle` (01): PhotoWCT and smoothing on a photoreal pair (Li et al. 2018);
* :func:`neural_style` (02): Neural Style on the first pair (Gatys et al. 2016);
* :func:`munit` (03): random-style MUNIT translations (Huang et al. 2018);
* :func:`quilting` (04): texture transfer by image quilting (Efros & Freeman 2001);
* :func:`conclusions` (05): one method of the comparison on one shared pair, with its scores.

The method modules are imported inside each function, on purpose: a notebook loads only its own method.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from .panel import Panel

__all__ = ["fastphotostyle", "neural_style", "munit", "quilting", "conclusions",
           "NS_MAX_SIZE", "NS_MAX_ITERATIONS", "QUILT_MIN_BLOCK", "CONCLUSIONS_MAX_SIZE"]

#: Neural Style: the largest output side and L-BFGS budget a panel offers
NS_MAX_SIZE, NS_MAX_ITERATIONS = 256, 100
#: quilting: the smallest block a panel offers (smaller blocks multiply the blocks to place and search)
QUILT_MIN_BLOCK = 8
#: the comparison panel's largest image side: Neural Style at the report's 256 px takes over a minute on one core
CONCLUSIONS_MAX_SIZE = 192


def _widgets():
    import ipywidgets  # lazy on purpose: only a notebook that builds a panel needs ipywidgets

    return ipywidgets


def fastphotostyle(pairs: Sequence[str], *, size: int, method: str = "photowct") -> Panel:
    """FastPhotoStyle on one photoreal pair: λ, the share α of the style's statistics, the smoothing.

    Runs :func:`hw2.fastphotostyle.experiments.panel` (PhotoWCT then the exact smoothing or the guided
    filter, Li et al. 2018) at ``size`` px on the longest side; shows content, style, stylised, smoothed.

    Parameters
    ----------
    pairs : sequence of str
        Photoreal pair names of the study set (``hw2.data.photoreal_pairs``), the first is the default.
    size : int, keyword-only
        Longest side of the images (the notebook's ``PHOTOREAL_SIZE``).
    method : str, keyword-only
        ``"photowct"``, or ``"pixel"`` (WCT of the colours) when the decoders are missing.
    """
    from .fastphotostyle import experiments  # lazy: see the module docstring
    from .io import image_grid

    if not pairs:
        raise ValueError("fastphotostyle panel: give at least one photoreal pair name")
    W = _widgets()

    def run(pair, log10_lam, alpha, smoothing):
        images = experiments.panel(pair, size, lam=10 ** log10_lam, alpha=alpha,
                                   smoothing=None if smoothing == "none" else smoothing, method=method)
        return image_grid([images], col_titles=["content", "style", "stylised", "smoothed"])

    return Panel(run, {
        "pair": W.Dropdown(options=list(pairs), description="pair"),
        "log10_lam": W.FloatSlider(value=-4.0, min=-6.0, max=0.0, step=0.5, description="log10 λ"),
        "alpha": W.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.1, description="α (style share)"),
        "smoothing": W.Dropdown(options=["exact", "fast", "none"], description="smoothing"),
    }, title=f"FastPhotoStyle ({method}), {size} px")


def neural_style(content, style, *, size: int, iterations: int, seed: int = 0) -> Panel:
    """Neural Style (Gatys et al. 2016) on one (content, style) pair: β, the content layer, size, budget.

    ``size`` and ``iterations`` are the defaults, capped at :data:`NS_MAX_SIZE` px and
    :data:`NS_MAX_ITERATIONS` L-BFGS evaluations; the bar follows the evaluations, and a run past
    :data:`hw2.panel.MAX_SECONDS` stops early and shows the image it reached.

    Parameters
    ----------
    content, style : image
        Anything :func:`hw2.io.as_image` takes, in [0, 1].
    size, iterations : int, keyword-only
        Default longest output side (px) and evaluations.
    seed : int, keyword-only
        Seed of the optimisation.
    """
    from . import neural_style as ns  # lazy: see the module docstring
    from .io import image_grid

    W = _widgets()

    def run(log10_style_weight, content_layer, size, iterations, progress):
        def callback(rec):
            return progress((rec["evaluation"] + 1) / iterations, f"loss {rec['loss']:.3g}")

        r = ns.stylize(content, style, size=size, style_weight=10 ** log10_style_weight,
                       content_layers=(content_layer,), iterations=iterations, seed=seed, progress=False,
                       callback=callback)
        fig = image_grid([[content, style, r.image]], cell_size=7.5,
                         col_titles=["content", "style", f"β = {10 ** log10_style_weight:.3g}"])
        note = f"final loss {r.loss:.4g} after {len(r.history)} evaluations"
        return [fig, note + (" (stopped at the time budget)" if r.stopped else "")]

    return Panel(run, {
        "log10_style_weight": W.FloatSlider(value=1.0, min=-1.0, max=3.0, step=0.25, description="log10 β"),
        "content_layer": W.Dropdown(options=["relu2_2", "relu3_2", "relu4_2", "relu5_2"], value="relu4_2",
                                    description="content layer"),
        "size": W.IntSlider(value=min(size, NS_MAX_SIZE), min=32, max=NS_MAX_SIZE, step=32, description="size (px)"),
        "iterations": W.IntSlider(value=min(iterations, NS_MAX_ITERATIONS), min=5, max=NS_MAX_ITERATIONS, step=5,
                                  description="evaluations"),
    }, title="Neural Style (Gatys et al.) on the first pair")


def munit(models: Mapping, *, size: int, temperature: float, n_images: int = 10) -> Panel:
    """MUNIT (Huang et al. 2018): one test image translated with three random styles.

    Wraps :func:`hw2.munit.figures.try_figure`: the image, the direction, the style seed, the temperature
    T of the style prior N(0, T² I) and the model are the controls.

    Parameters
    ----------
    models : mapping of str to MUNIT
        The loaded models by label (the notebook's ``models``).
    size : int, keyword-only
        Shorter side the translations are made at.
    temperature : float, keyword-only
        The default temperature (the package's).
    n_images : int, keyword-only
        How many test images of each domain the slider reaches.
    """
    from .munit import figures  # lazy: see the module docstring

    if not models:
        raise ValueError("munit panel: give at least one loaded model")
    W = _widgets()

    def run(image_index, direction, style_seed, temperature, which):
        return figures.try_figure(models, image_index=image_index, direction=direction, style_seed=style_seed,
                                  temperature=temperature, which=which, size=size)

    return Panel(run, {
        "image_index": W.IntSlider(value=0, min=0, max=n_images - 1, description="test image"),
        "direction": W.Dropdown(options=[(v, k) for k, v in figures.ARROW.items()], description="direction"),
        "style_seed": W.IntSlider(value=0, min=0, max=100, description="style seed"),
        "temperature": W.FloatSlider(value=temperature, min=0.0, max=1.5, step=0.05, description="temperature T"),
        "which": W.Dropdown(options=list(models), description="model"),
    }, title=f"MUNIT, {size} px (shorter side)")


def quilting(sources: Mapping, targets: Mapping, *, block: int, passes: int, seed: int = 0) -> Panel:
    """Texture transfer by image quilting (Efros & Freeman 2001): source, target, block, overlap, α, passes.

    α below 0 means the paper's schedule (``alpha=None``: 0.1 rising to 0.9 over the passes). Blocks start
    at :data:`QUILT_MIN_BLOCK` px.

    Parameters
    ----------
    sources, targets : mapping of str to image
        Texture sources and target photos by name (the notebook's ``sources`` and ``targets``).
    block, passes : int, keyword-only
        The default first-pass block side (px) and number of passes.
    seed : int, keyword-only
        The default seed.
    """
    from . import quilting as iq  # lazy: see the module docstring
    from .io import image_grid

    if not sources or not targets:
        raise ValueError("quilting panel: give at least one source and one target")
    W = _widgets()

    def run(source, target, block, overlap_sixths, alpha, passes, seed):
        overlap = max(0, int(round(block * overlap_sixths / 6)))
        out = iq.transfer(sources[source], targets[target], block=block, overlap=overlap, passes=passes,
                          alpha=None if alpha < 0 else alpha, seed=seed).image
        return image_grid([[targets[target], sources[source], out]], col_titles=["target", source, "transfer"],
                          cell_size=7.5)

    names = list(sources)
    return Panel(run, {
        "source": W.Dropdown(options=names, value=names[min(1, len(names) - 1)], description="source"),
        "target": W.Dropdown(options=list(targets), description="target"),
        "block": W.IntSlider(value=max(block, QUILT_MIN_BLOCK), min=QUILT_MIN_BLOCK, max=64, step=2,
                             description="block (px)"),
        "overlap_sixths": W.FloatSlider(value=1.0, min=0.0, max=3.0, step=0.25, description="overlap (× block/6)"),
        "alpha": W.FloatSlider(value=-0.1, min=-0.1, max=1.0, step=0.1, description="α (< 0: the paper's)"),
        "passes": W.IntSlider(value=passes, min=1, max=4, description="passes"),
        "seed": W.IntText(value=seed, description="seed"),
    }, title="Image Quilting: texture transfer")


def conclusions(pairs: Sequence, *, profile: str) -> Panel:
    """One method of the comparison (:data:`hw2.conclusions.METHODS`) on one shared pair, with its scores.

    Runs the same runner as :func:`hw2.conclusions.run_methods` with the profile's settings, at the chosen
    side (at most :data:`CONCLUSIONS_MAX_SIZE` px, below the report's 256: the runners take no progress
    callback, so the side is what keeps Neural Style within a minute), and prints content SSIM, edge SSIM and the Gram and
    VGG-free style distances of :func:`hw2.conclusions.score`.

    Parameters
    ----------
    pairs : sequence of (Path, Path)
        The (photo, painting) pairs (``hw2.data.study_pairs``).
    profile : str, keyword-only
        ``"quick"`` or ``"full"``: Neural Style's budget, the quilting texture, the default side.
    """
    from pathlib import Path

    from . import conclusions as cc, profiles  # lazy: see the module docstring
    from .io import image_grid, load_image, resize_to

    if not pairs:
        raise ValueError("conclusions panel: give at least one (photo, painting) pair")
    W = _widgets()
    settings = profiles.get("conclusions", profile)
    names = [f"{Path(p).stem} / {Path(m).stem}" for p, m in pairs]

    def run(pair, method, size):
        photo_path, monet_path = pairs[names.index(pair)]
        photo, monet = load_image(photo_path, max_side=size), load_image(monet_path, max_side=size)
        out = cc.METHODS[method](photo, monet, photo_path, monet_path, dict(settings, size=size)).image
        out = resize_to(out.detach().cpu().float().clamp(0, 1), tuple(photo.shape[-2:]))
        s = cc.score(photo, out, monet)
        fig = image_grid([[photo, monet, out]], col_titles=["photo", "painting", cc.SHORT[method]], cell_size=7.5)
        return [fig, f"content SSIM {s['content_ssim']:.3f} · edge SSIM {s['photorealism']:.3f} · "
                     f"Gram distance {s['style_distance']:.3f} · VGG-free style distance {s['free_style_distance']:.3f}"]

    return Panel(run, {
        "pair": W.Dropdown(options=names, description="pair"),
        "method": W.Dropdown(options=list(cc.METHODS), value=cc.HEADLINE[0], description="method"),
        "size": W.IntSlider(value=min(settings["size"], CONCLUSIONS_MAX_SIZE), min=64, max=CONCLUSIONS_MAX_SIZE,
                            step=32, description="side (px)"),
    }, title="Compare: one method on one shared pair")
