"""hw2: a reproducible study of four style-transfer methods on Photo <-> Monet.

Submodules are imported on demand (``import hw2.vgg``); importing ``hw2`` loads no
weights and no data.
"""
__version__ = "0.1.0"
