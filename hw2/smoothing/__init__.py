"""Photorealistic smoothing (FastPhotoStyle, step 2): exact and fast.

* :func:`smooth_exact` -- the closed-form smoothing of Li et al. (2018), solved by
  multigrid-preconditioned conjugate gradients on the CPU (no cupy, no CUDA);
* :func:`smooth_direct` -- the same system by sparse LU, as the reference code (a yardstick);
* :func:`guided_filter` -- the fast approximation (He et al. 2013), numpy only;
* :func:`matting_affinity`, :func:`matting_laplacian`, :func:`smoothing_matrix` -- the
  matrices (Levin et al. 2008).
"""
from .functional import (DEFAULT_EPS, DEFAULT_LAM, FPS_GUIDED_EPS, FPS_GUIDED_RADIUS, SolveInfo,
                         affinity_stencil, beta_to_lam, box_filter, guided_filter, lam_to_beta, matting_affinity,
                         matting_laplacian, smooth_direct, smooth_exact, smoothing_matrix)

__all__ = ["DEFAULT_EPS", "DEFAULT_LAM", "FPS_GUIDED_EPS", "FPS_GUIDED_RADIUS", "SolveInfo", "affinity_stencil",
           "beta_to_lam", "lam_to_beta", "box_filter", "guided_filter", "matting_affinity", "matting_laplacian",
           "smooth_direct", "smooth_exact", "smoothing_matrix"]
