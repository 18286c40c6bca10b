"""Photorealistic smoothing of FastPhotoStyle (Li et al., ECCV 2018), exact and fast.

* :func:`smooth_exact` (:mod:`.solver`) -- the closed-form smoothing, solved by
  multigrid-preconditioned conjugate gradients on the CPU (no cupy, no CUDA);
* :func:`smooth_direct` (:mod:`.solver`) -- the same system by sparse LU, as the reference code (a yardstick);
* :func:`guided_filter` (:mod:`.guided`) -- the fast approximation (He et al. 2013), numpy only;
* :func:`affinity_stencil`, :func:`matting_affinity`, :func:`matting_laplacian`, :func:`smoothing_matrix`
  (:mod:`.affinity`) -- the matrices (Levin et al. 2008).
"""
from .affinity import (DEFAULT_EPS, DEFAULT_LAM, affinity_stencil, beta_to_lam, lam_to_beta, matting_affinity,
                       matting_laplacian, smoothing_matrix)
from .guided import FPS_GUIDED_EPS, FPS_GUIDED_RADIUS, box_filter, guided_filter
from .solver import SolveInfo, smooth_direct, smooth_exact

__all__ = ["DEFAULT_EPS", "DEFAULT_LAM", "FPS_GUIDED_EPS", "FPS_GUIDED_RADIUS", "SolveInfo", "affinity_stencil",
           "beta_to_lam", "lam_to_beta", "box_filter", "guided_filter", "matting_affinity", "matting_laplacian",
           "smooth_direct", "smooth_exact", "smoothing_matrix"]
