"""Image Quilting (Efros & Freeman, "Image Quilting for Texture Synthesis and Transfer", SIGGRAPH 2001).

* :func:`synthesize` -- texture synthesis with the three joining modes of the
  paper's Figure 2 (``"random"``, ``"ssd"``, ``"cut"``).
* :func:`transfer` -- texture transfer onto a target image, iterated with the
  paper's schedule of ``alpha`` and block sizes.
* :mod:`hw2.quilting.functional` -- the array building blocks (FFT block
  matching, candidate selection); :mod:`hw2.quilting.seams` -- the minimum-error
  boundary cut and seam diagnostics.
* :func:`naive_synthesize` -- a direct loop-over-candidates version, the
  benchmark's yardstick.

Images are ``(H, W, 3)`` float arrays in ``[0, 1]`` (see :func:`hw2.io.to_numpy`).
"""
from .functional import BlockMatcher, luminance, select_candidate
from .seams import block_luminance_spread, boundary_cut_mask, min_cut_path, seam_ratio
from .naive import naive_synthesize
from .quilt import MODES, QuiltDetails, alpha_schedule, pass_blocks, synthesize, transfer

__all__ = [
    "synthesize", "transfer", "MODES", "QuiltDetails", "alpha_schedule", "pass_blocks",
    "naive_synthesize", "BlockMatcher", "min_cut_path", "boundary_cut_mask", "select_candidate",
    "luminance", "seam_ratio", "block_luminance_spread",
]
