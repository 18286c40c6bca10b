"""The one table of profiles: the quick/full parameters of every notebook and of the benchmarks.

``quick`` is the test profile (tiny sizes, the notebooks run in seconds to minutes and check the code
paths); ``full`` is the report's. Notebooks, :mod:`hw2.conclusions` and the benchmarks (``vgg``,
``quilting``, ``smoothing``, ``textures``, ``neural_style``, ``photowct``, ``munit``) read their
numbers here with :func:`get`; a notebook's parameters cell may still override a value.
"""
from __future__ import annotations

__all__ = ["PROFILES", "TABLE", "REPORT_TEXTURE", "STUDY_PAIR_SIZE", "get"]

#: the profile names (:func:`hw2.notebook.setup` checks them)
PROFILES = ("quick", "full")

#: the report's texture budget (notebooks 02 and 04, full profile; ``hw2.bench.textures``): side in
#: pixels and L-BFGS evaluations per level, coarsest first (48, 96, 192 px for "up to conv5_1")
REPORT_TEXTURE = dict(size=192, iterations=(50, 40, 70))
_QUICK_TEXTURE = dict(size=48, iterations=(4, 4, 4))
#: longest side of the shared photo/Monet study pairs, in notebook 01's label experiments and in the
#: conclusions (notebook 05), so that both score the same FastPhotoStyle outputs
STUDY_PAIR_SIZE = {"quick": 96, "full": 256}

#: name -> profile -> parameters
TABLE: dict[str, dict[str, dict]] = {
    # notebook 01: longest side of the Monet/photo images and of the photoreal pairs; photoreal pairs used;
    # the smoothing strengths lambda compared
    "fastphotostyle": {
        "quick": dict(size=STUDY_PAIR_SIZE["quick"], photoreal_size=96, photoreal_pairs=1, lams=[1e-4, 1e-2]),
        "full": dict(size=STUDY_PAIR_SIZE["full"], photoreal_size=256, photoreal_pairs=None, lams=[1e-4, 1e-2, 1e-1]),
    },
    # notebook 02: stylisation, the style-weight sweep and the textures
    "neural_style": {
        "quick": dict(size=64, iterations=8, sweep_size=48, sweep_iterations=6,
                      texture_size=48, texture_iterations=(6, 4, 4)),
        "full": dict(size=256, iterations=60, sweep_size=160, sweep_iterations=40,
                     texture_size=REPORT_TEXTURE["size"], texture_iterations=REPORT_TEXTURE["iterations"]),
    },
    # notebook 03: images per grid, random styles per image, test photos and draws in the metrics, the
    # temperature curve and the evaluation's other counts; family_size: the side of the two families' grids;
    # fig31_*: the seed's Fig 3-1 measured (hw2.munit.semantics): test images per direction, rows of its figure,
    # working side (the benchmark's fig31_* keys use the full values)
    "munit": {
        "quick": dict(n_content=2, n_random=2, n_eval=6, n_draws=1, temperatures=(1.0, 0.5), curve_n_monet=6,
                      curve_n_diversity=1, curve_n_styles=2, eval_kw={"n_monet": 6, "n_diversity": 2, "n_styles": 2},
                      family_size=64, fig31_n=1, fig31_rows=1, fig31_size=64),
        "full": dict(n_content=4, n_random=4, n_eval=50, n_draws=3, temperatures=(1.0, 0.75, 0.5, 0.25),
                     curve_n_monet=25, curve_n_diversity=3, curve_n_styles=3, eval_kw={}, family_size=256,
                     fig31_n=10, fig31_rows=3, fig31_size=256),
    },
    # notebook 04: crop side, quilt sides and blocks, transfer targets, Gatys textures; the transfer's first
    # block (16 px, then 11 and 7) is small enough for the photo to read through (hw2.bench.textures)
    "quilting": {
        "quick": dict(crop=64, synth_size=96, synth_block=16, grow_size=96, target_side=64, transfer_block=10,
                      passes=3, gatys_size=_QUICK_TEXTURE["size"], gatys_iterations=_QUICK_TEXTURE["iterations"]),
        "full": dict(crop=128, synth_size=256, synth_block=32, grow_size=256, target_side=256, transfer_block=16,
                     passes=3, gatys_size=REPORT_TEXTURE["size"], gatys_iterations=REPORT_TEXTURE["iterations"]),
    },
    # notebook 05 (hw2.conclusions): image side, Neural Style budget, quilting texture/block/passes
    "conclusions": {
        "quick": dict(size=STUDY_PAIR_SIZE["quick"], ns_iterations=10, ns_levels=1, quilt_texture=64, quilt_block=16,
                      quilt_passes=2),
        "full": dict(size=STUDY_PAIR_SIZE["full"], ns_iterations=50, ns_levels=1, quilt_texture=192, quilt_block=16, quilt_passes=3),
    },
    # benchmarks (``python -m hw2.bench [--quick]``; quick: a smoke run of the same code)
    "bench_textures": {"quick": dict(_QUICK_TEXTURE, crop=64, target_side=64, transfer_block=10),
                       "full": dict(REPORT_TEXTURE, crop=None, target_side=None, transfer_block=None)},
    "bench_quilting": {"quick": dict(texture_side=64, out_side=128, block=16, transfer_block=18, repeat=1,
                                     transfer_repeat=1),
                       "full": dict(texture_side=256, out_side=512, block=32, transfer_block=36, repeat=3,
                                    transfer_repeat=2)},
    # hw2.bench.neural_style: the two sizes of the per-evaluation timing (the keys keep the names
    # s_per_eval_256/_512), the paper's recipe's L-BFGS budget, timing repeats, the coarse-to-fine options
    "bench_neural_style": {"quick": dict(small=48, big=96, baseline_iterations=15, repeat=1,
                                         coarse_to_fine=dict(iterations=(30, 15, 15), min_level_side=16)),
                           "full": dict(small=256, big=512, baseline_iterations=300, repeat=2,
                                        coarse_to_fine={})},
    "bench_smoothing": {"quick": dict(small=(96, 128), big=(160, 160)),
                        "full": dict(small=(540, 800), big=(1000, 1000))},
    # PhotoWCT decoders: study-set test photos in the PSNR (None: all) and their longest side (None: as stored);
    # timings: key -> ((height, width) of the content, longest side of the style, repeats, warm-up runs)
    "bench_photowct": {"quick": dict(n_photos=4, photo_side=128,
                                     timings={"s_1mp": None, "s_256": ((192, 256), 256, 1, 0)}),
                       "full": dict(n_photos=50, photo_side=None,
                                    timings={"s_1mp": ((864, 1152), 512, 2, 1), "s_512": ((384, 512), 512, 3, 1)})},
    "bench_vgg": {"quick": dict(sizes=(256, 512), repeat=1), "full": dict(sizes=(256, 512), repeat=3)},
    # hw2.bench.munit: training steps timed, inference repeats, the training-scale evaluation (``eval_kw``) and
    # temperature curves (``curve_kw``, ``temperatures``), and the evaluation at the notebook's size:
    # ``size``, test draws and counts (``score_kw``), the validation curve that chooses T (``validation_kw``), and the
# hypothesis at equal steps (``hypothesis_kw``, hw2.munit.hypothesis.reference_gap)
    "bench_munit": {
        "quick": dict(train_steps=2, infer_repeat=2, eval_kw=dict(n_photos=6, n_monet=6, n_diversity=2, n_styles=2),
                      reference=False, curve_kw=dict(n_photos=4, n_monet=4, n_draws=1, n_diversity=1, n_styles=2),
                      temperatures=(1.0, 0.5), variants=False, size=64,
                      score_kw=dict(n_photos=4, n_monet=4, n_draws=1, n_diversity=1, n_styles=2),
                      validation_kw=dict(n_photos=4, n_monet=4, n_draws=1, n_diversity=1, n_styles=2),
                      hypothesis_kw=dict(size=64, n_photos=2, n_monet=2, n_draws=1)),
        "full": dict(train_steps=10, infer_repeat=5, eval_kw=dict(n_photos=50, n_diversity=4, n_styles=4, n_draws=3),
                     reference=True, curve_kw=dict(n_photos=50, n_monet=25, n_draws=3, n_diversity=4, n_styles=4),
                     temperatures=(1.0, 0.75, 0.5, 0.25), variants=True, size=256,
                     score_kw=dict(n_photos=50, n_monet=None, n_draws=5, n_diversity=4, n_styles=4),
                     validation_kw=dict(n_photos=50, n_monet=None, n_draws=1, n_diversity=0, n_styles=3),
                     hypothesis_kw=dict(size=256, n_photos=50, n_monet=None, n_draws=3)),
    },
}


def get(name: str, profile: str) -> dict:
    """A copy of the parameters of ``name`` (a key of :data:`TABLE`) for ``profile`` (``quick`` or ``full``).

    Raises
    ------
    ValueError
        An unknown name or profile.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    if name not in TABLE:
        raise ValueError(f"no profile table for {name!r}; known: {sorted(TABLE)}")
    return dict(TABLE[name][profile])
