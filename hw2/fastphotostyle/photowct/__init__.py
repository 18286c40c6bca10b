"""WCT and PhotoWCT: the stylisation of FastPhotoStyle.

* :func:`stylize` -- PhotoWCT (Li et al. 2018) with our unpooling decoders, or plain
  WCT (Li et al. 2017) with upsampling decoders (``method="wct"``); optional
  label-wise transfer from segmentation label maps.
* :mod:`hw2.fastphotostyle.photowct.functional` -- WCT as pure functions (:func:`wct`, :func:`whiten`,
  :func:`labelwise_wct`).
* :mod:`hw2.fastphotostyle.photowct.models` -- encoders (normalized VGG19 slices) and decoders.
* ``python -m hw2.fastphotostyle.photowct.train`` -- trains the decoders (see :mod:`hw2.fastphotostyle.photowct.train`).

Importing this package registers the decoder weights but loads nothing.
"""
from .functional import labelwise_wct, whiten, wct, wct_maps
from .models import LEVELS
from .pipeline import psnr, reconstruct, stylize

__all__ = ["stylize", "reconstruct", "psnr", "wct", "wct_maps", "whiten", "labelwise_wct",
           "LEVELS"]
