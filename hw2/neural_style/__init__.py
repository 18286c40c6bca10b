"""Neural Style: Gatys et al. style transfer (2016) and texture synthesis (2015).

* :mod:`.functional` - pure functions: Gram matrix, content / style / TV losses,
  colour conversions and matching.
* :mod:`.modules` - :class:`PerceptualLoss`, the loss with fixed targets.
* :mod:`.engine` - the optimisation engine (Laplacian-pyramid parameterisation, coarse to fine, L-BFGS/Adam).
* :mod:`.core` - the entry point :func:`stylize` (returns a :class:`hw2.result.Result`).
* :mod:`.texture` - :func:`synthesize_texture` (Gram or sliced-Wasserstein statistics).

Importing this package loads no weights; the VGG19 is built on first use.
"""
from .core import (DEFAULT_CONTENT_LAYERS, DEFAULT_ITERATIONS, DEFAULT_STYLE_LAYERS, DEFAULT_STYLE_WEIGHT,
                   PARAMETERIZATIONS, StopOptimization, collapse_bands, laplacian_bands,
                   loss_curve, pyramid_sizes, stylize)
from .functional import (content_loss, gram_matrix, match_color, match_histograms, sliced_wasserstein_loss,
                         style_loss, total_variation)
from .modules import PerceptualLoss
from .texture import (DEFAULT_TEXTURE_ITERATIONS, DEFAULT_TEXTURE_LAYERS, TEXTURE_LOSSES, TextureLoss,
                      synthesize_texture, texture_layers, texture_levels)

__all__ = [
    "stylize", "synthesize_texture", "loss_curve", "texture_layers", "StopOptimization",
    "PerceptualLoss", "pyramid_sizes", "gram_matrix", "content_loss", "style_loss", "total_variation",
    "match_histograms", "match_color", "DEFAULT_CONTENT_LAYERS", "DEFAULT_STYLE_LAYERS",
    "DEFAULT_STYLE_WEIGHT", "DEFAULT_ITERATIONS", "DEFAULT_TEXTURE_LAYERS", "DEFAULT_TEXTURE_ITERATIONS",
    "PARAMETERIZATIONS", "laplacian_bands", "collapse_bands", "sliced_wasserstein_loss", "TextureLoss",
    "TEXTURE_LOSSES", "texture_levels",
]
