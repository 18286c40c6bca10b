"""FastPhotoStyle (Li et al., *A Closed-form Solution to Photorealistic Image Stylization*, ECCV 2018).

* :func:`stylize` (:mod:`.pipeline`) -- the method: PhotoWCT stylisation, then photorealistic smoothing;
  returns a :class:`hw2.result.Result`.
* :func:`pixel_wct` (:mod:`.pixel`) -- WCT of the pixel colours, no decoders (``stylize(method="pixel")``).
* :mod:`.photowct` -- WCT and PhotoWCT stylisation (whitening and colouring of VGG features, decoders
  with max-unpooling or upsampling); ``python -m hw2.fastphotostyle.photowct.train`` trains the decoders.
* :mod:`.labels` -- semantic label maps for label-wise stylisation (hand-made labelme maps, an ADE20K
  segmenter, joint clustering of VGG features).
* :mod:`.smoothing` -- the smoothing: the matting affinity and its linear system (:mod:`.smoothing.affinity`),
  the exact multigrid-preconditioned solver (:mod:`.smoothing.solver`) and the guided-filter approximation
  (:mod:`.smoothing.guided`).
* :mod:`.experiments` -- the experiments of notebook 01 (label maps, ex1/ex2/ex3, the smoothing alone, WCT vs
  PhotoWCT vs smoothing), returning rows and images for the notebook to show.

Importing this package loads no weights.
"""
from .pipeline import METHODS, PAD_MULTIPLE, SMOOTHING, decoders_available, stylize
from .pixel import pixel_wct

__all__ = ["stylize", "decoders_available", "pixel_wct", "SMOOTHING", "METHODS", "PAD_MULTIPLE"]
