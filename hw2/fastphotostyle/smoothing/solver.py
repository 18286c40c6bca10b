"""Solvers of FastPhotoStyle's photorealistic smoothing system ``(I - a S) R = (1 - a) Y``.

* :func:`smooth_exact` -- conjugate gradients preconditioned by aggregation-based
  algebraic multigrid (PyPI ``pyamg`` builds the hierarchy; the cycle itself is ours,
  in torch, and works on all three colour channels at once; the finest operator is
  applied as a 25-point stencil), to a relative residual that
  matches a direct solve to ~5e-4 mean absolute difference;
* :func:`smooth_direct` -- SciPy's sparse LU factorisation, as the reference
  implementation (Li et al., ECCV 2018) does (slow and memory-hungry: a yardstick only).

The system is built in :mod:`.affinity` (Levin et al., PAMI 2008).
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import torch

from ...checks import check_integer, check_number
from ...io import as_image, as_image_array
from ...result import Result
from .affinity import (DEFAULT_EPS, DEFAULT_LAM, OFFSETS, affinity_stencil, check_eps, check_lam, smoothing_matrix,
                       stencil_to_csr, system_stencil)

__all__ = ["SolveInfo", "smooth_exact", "smooth_direct"]


@dataclass
class SolveInfo:
    """What :func:`smooth_exact` did: iterations, final relative residuals, and stage times (s)."""
    iterations: int = 0
    residuals: list = field(default_factory=list)
    converged: bool = True
    times: dict = field(default_factory=dict)
    levels: list = field(default_factory=list)


def _prepare(stylized, content) -> tuple[torch.Tensor, np.ndarray]:
    """The gate for both solvers: ``Y`` as a ``(1, 3, H, W)`` float32 tensor (the image being smoothed stays a
    tensor) and the content as an ``(H, W, 3)`` array (the affinity and the multigrid set-up are numpy/SciPy)."""
    y = as_image(stylized, name="stylized")
    c = as_image_array(content, name="content", channels=3, dtype=None)
    if tuple(y.shape[-2:]) != c.shape[:2]:
        raise ValueError(f"stylized is {y.shape[-2]}x{y.shape[-1]} but content is {c.shape[0]}x{c.shape[1]}; "
                         "resize one of them first")
    return y, c


def smooth_direct(stylized, content, *, lam: float = DEFAULT_LAM, eps: float = DEFAULT_EPS) -> Result:
    """FastPhotoStyle's smoothing solved as the reference code does: SciPy sparse LU.

    Slow and memory-hungry (minutes and gigabytes at 800x540): a yardstick for
    :func:`smooth_exact`, not for real use. Same arguments as :func:`smooth_exact`.

    Returns
    -------
    hw2.result.Result
        ``image``: ``R*``, ``(1, 3, H, W)`` float32 clipped to [0, 1] (as :func:`smooth_exact`'s);
        ``times``: ``total_s``.
    """
    t0 = time.perf_counter()
    y, c = _prepare(stylized, content)
    lam, eps = check_lam(lam), check_eps(eps)
    _, ch, h, w = y.shape
    a = smoothing_matrix(c, lam=lam, eps=eps).tocsc()
    solve = spla.factorized(a)
    rhs = (lam / (1.0 + lam)) * y[0].reshape(ch, h * w).double().numpy()
    out = torch.from_numpy(np.stack([solve(np.ascontiguousarray(rhs[k])) for k in range(ch)]))
    image = out.float().reshape(ch, h, w).clamp(0.0, 1.0)[None]
    return Result(image=image, times={"total_s": time.perf_counter() - t0})


# --------------------------------------------------------------------------- AMG-preconditioned CG
class _StencilOp:
    """``A x`` for a 25-point stencil ``(25, H, W)`` applied to ``(k, H*W)`` torch blocks.

    Six times faster than SciPy's CSR product on the same matrix at 1 MP (no index
    arrays to read, and torch's element-wise kernels use every core); entries whose
    neighbour lies outside the image are zero, so only the valid ranges are touched.
    """

    def __init__(self, stencil: np.ndarray, dtype):
        self.st = torch.from_numpy(np.ascontiguousarray(stencil)).to(dtype)
        _, self.h, self.w = stencil.shape
        self.shape = (self.h * self.w, self.h * self.w)
        self.dtype = dtype

    def __matmul__(self, x):
        h, w = self.h, self.w
        xs = x.reshape(x.shape[0], h, w)
        out = self.st[12] * xs
        for o, (dy, dx) in enumerate(OFFSETS):
            if o == 12:
                continue
            y0, y1 = max(0, -dy), h - max(0, dy)
            x0, x1 = max(0, -dx), w - max(0, dx)
            if y1 <= y0 or x1 <= x0:
                continue
            out[:, y0:y1, x0:x1].addcmul_(self.st[o, y0:y1, x0:x1], xs[:, y0 + dy:y1 + dy, x0 + dx:x1 + dx])
        return out.reshape(x.shape[0], h * w)

    def diagonal(self):
        return self.st[12].reshape(-1)


class _CsrOp:
    """A SciPy CSR matrix as a torch CSR tensor, applied to ``(n, k)`` blocks."""

    def __init__(self, m: sp.spmatrix, dtype):
        m = sp.csr_matrix(m)
        m.sort_indices()
        np_dtype = np.float32 if dtype == torch.float32 else np.float64
        with warnings.catch_warnings():  # "sparse CSR support is in beta"
            warnings.simplefilter("ignore", UserWarning)
            self.m = torch.sparse_csr_tensor(torch.from_numpy(m.indptr.astype(np.int64)),
                                             torch.from_numpy(m.indices.astype(np.int64)),
                                             torch.from_numpy(m.data.astype(np_dtype)), size=m.shape,
                                             check_invariants=False)
        self.shape = m.shape
        self._diag = torch.from_numpy(m.diagonal().astype(np_dtype))

    def __matmul__(self, x):
        return self.m @ x

    def diagonal(self):
        return self._diag


class _Multigrid:
    """Aggregation hierarchy (built by pyamg) with our own multi-vector V-cycle in torch.

    The cycle works on ``(k, n)`` blocks (all colour channels at once) in float32, with a
    Jacobi-preconditioned Chebyshev smoother of ``degree`` (symmetric, so the cycle is a
    valid CG preconditioner) and a dense Cholesky solve on the coarsest level. The finest
    operator is applied as a stencil (:class:`_StencilOp`), the coarser ones and the
    transfer operators as torch CSR products.

    pyamg's prolongation smoother uses ``weighting="local"`` (a row-wise Gershgorin
    weight): no randomised spectral-radius estimate, so the hierarchy, and with it the
    result, is the same in every run, and the set-up is ~1.5 s faster at 1 MP.
    """

    def __init__(self, a: sp.csr_matrix, candidates: np.ndarray, *, fine=None, smooth_prolongator: bool = True,
                 max_coarse: int = 400, degree: int = 2, seed: int = 0):
        import pyamg  # lazy on purpose: only the multigrid set-up needs it (slow to import)

        smooth = ("jacobi", {"omega": 4.0 / 3.0, "weighting": "local"}) if smooth_prolongator else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ml = pyamg.smoothed_aggregation_solver(
                a, B=candidates, max_coarse=max_coarse, improve_candidates=None, smooth=smooth,
                presmoother=None, postsmoother=None, keep=False)
        self.degree = int(degree)
        self.dtype = torch.float32
        self.levels = []
        gen = torch.Generator().manual_seed(seed)
        for i, lv in enumerate(ml.levels[:-1]):
            op = fine if (i == 0 and fine is not None) else _CsrOp(lv.A, self.dtype)
            diag = op.diagonal().double()
            # a zero diagonal is a coarse unknown whose candidates were degenerate in its
            # aggregate (e.g. a flat colour): it is never excited, so it is left alone
            tiny = 1e-12 * max(float(diag.abs().max()), 1e-300)
            if bool((diag < -tiny).any()):
                raise np.linalg.LinAlgError("the smoothing matrix is not positive definite")
            dinv = torch.where(diag > tiny, 1.0 / torch.where(diag > tiny, diag, 1.0), 0.0).to(self.dtype)
            # the finest level works on (k, n) blocks (stencil), the coarser ones on (n, k)
            dinv = dinv[None] if i == 0 else dinv[:, None]
            lmax = _lmax_bound(op, dinv, gen, rows=(i == 0))
            self.levels.append((op, dinv, _CsrOp(lv.P, self.dtype), _CsrOp(lv.R, self.dtype),
                                1.1 * lmax, 1.1 * lmax / 30.0))
        coarse = ml.levels[-1].A.toarray().astype(np.float64)
        coarse = 0.5 * (coarse + coarse.T)
        diag = np.diag(coarse).copy()
        # unknowns with a zero diagonal are never excited (see above): decouple them, then
        # factor by Cholesky (a dense pseudo-inverse costs an eigendecomposition: ~100x slower)
        self._live = diag > 1e-12 * max(float(np.abs(diag).max()), 1e-300)
        coarse[~self._live, :] = 0.0
        coarse[:, ~self._live] = 0.0
        coarse[~self._live, ~self._live] = 1.0
        try:
            self._chol = sla.cho_factor(coarse, lower=True, check_finite=False)
            self.coarse = None
        except np.linalg.LinAlgError:  # numerically indefinite: fall back to the pseudo-inverse
            self._chol = None
            self.coarse = sla.pinvh(coarse)
        self.sizes = [lv.A.shape[0] for lv in ml.levels]
        self.nnz = [lv.A.nnz for lv in ml.levels]

    def _cheb(self, a, dinv, b, x, lmax, lmin):
        theta, delta = (lmax + lmin) / 2.0, (lmax - lmin) / 2.0
        sigma = theta / delta
        rho = 1.0 / sigma
        r = b if x is None else b - a @ x
        d = dinv * r / theta
        x = d.clone() if x is None else x + d
        for _ in range(self.degree - 1):
            r = r - a @ d
            rho_new = 1.0 / (2.0 * sigma - rho)
            d = (rho_new * rho) * d + (2.0 * rho_new / delta) * (dinv * r)
            rho = rho_new
            x += d
        return x

    def cycle(self, b, level: int = 0):
        """One V-cycle on ``b``: torch float32, ``(k, n)`` on the finest level, ``(n, k)`` below."""
        if level == len(self.levels):
            b64 = b.double().numpy()
            x = sla.cho_solve(self._chol, b64, check_finite=False) if self._chol is not None else self.coarse @ b64
            x[~self._live] = 0.0
            return torch.from_numpy(x).to(self.dtype)
        a, dinv, p, r, lmax, lmin = self.levels[level]
        x = self._cheb(a, dinv, b, None, lmax, lmin)
        res = b - a @ x
        if level == 0:
            x += (p @ self.cycle(r @ res.T.contiguous(), 1)).T
        else:
            x += p @ self.cycle(r @ res, level + 1)
        return self._cheb(a, dinv, b, x, lmax, lmin)


def _lmax_bound(a, dinv, gen, *, iterations: int = 20, rows: bool = True) -> float:
    """An estimate (power iteration, seeded) of the largest eigenvalue of ``D^{-1} A``.
    Chebyshev smoothing amplifies what lies above its interval, so an underestimate is
    dangerous: the caller pads the estimate by 10 %."""
    x = torch.randn((1, a.shape[0]) if rows else (a.shape[0], 1), generator=gen, dtype=dinv.dtype)
    lam = 1.0
    for _ in range(iterations):
        y = dinv * (a @ x)
        lam = float(torch.linalg.vector_norm(y) / max(float(torch.linalg.vector_norm(x)), 1e-30))
        x = y / max(float(torch.linalg.vector_norm(y)), 1e-30)
    return lam


def smooth_exact(stylized, content, *, lam: float = DEFAULT_LAM, eps: float = DEFAULT_EPS,
                 tol: float = 5e-2, maxiter: int = 200, preconditioner: str = "amg"):
    """FastPhotoStyle's photorealistic smoothing, solved iteratively (no GPU needed).

    Solves ``(I - a S) R = (1 - a) Y`` for the three channels at once with conjugate
    gradients preconditioned by an aggregation multigrid V-cycle.

    Parameters
    ----------
    stylized : (1, 3, H, W) tensor or (H, W, 3) array (any image :func:`hw2.io.as_image` takes), in [0, 1]
        ``Y``, the PhotoWCT output.
    content : (1, 3, H, W) tensor or (H, W, 3) array, values in [0, 1]
        The content photo whose matting affinity defines ``S``; same ``H, W``.
    lam : float, keyword-only
        The paper's lambda (``a = 1 / (1 + lam)``); default :data:`DEFAULT_LAM` is
        FastPhotoStyle's ``beta = 0.9999``. Smaller = smoother, closer to the content's
        local colour structure; larger = closer to ``Y``.
    eps : float, keyword-only
        Matting-affinity regulariser (1e-7 as in Levin et al. and FastPhotoStyle), finite, > 0.
    tol : float, keyword-only
        In (0, 1). Stop when every channel's residual ``|b - A r| / |b|`` is below ``tol``. The
        default 5e-2 gives a mean absolute difference of ~5e-4 to a direct solve on
        ``[0, 1]`` images (``mad_vs_direct`` in the benchmark, ``hw2.bench.smoothing``);
        the requirement is 1e-3.
    maxiter : int, keyword-only
        At least 1. A solve that has not converged after ``maxiter`` iterations returns its
        current iterate with a ``RuntimeWarning``.
    preconditioner : {"amg", "amg-smoothed", "none"}, keyword-only
        ``"amg"``: aggregation multigrid with the near-null space ``D^{1/2} [1, I_r, I_g, I_b]``
        (the locally affine colour functions the matting Laplacian does not penalise),
        unsmoothed (tentative) prolongators and a degree-3 Chebyshev smoother;
        ``"amg-smoothed"``: the same aggregates with Jacobi-smoothed prolongators and a
        degree-2 smoother (fewer iterations, but a 4x more expensive set-up and a denser
        second level: ~2x slower all-in at 1 MP); ``"none"``: plain CG (hundreds of iterations).

    Returns
    -------
    hw2.result.Result
        ``image``: the smoothed ``R*``, ``(1, 3, H, W)`` float32 clipped to [0, 1]; ``times``:
        ``affinity_s``, ``setup_s``, ``solve_s``, ``total_s``; ``info["smoothing_info"]``: the
        :class:`SolveInfo` (iterations, residuals, multigrid levels).

    Notes
    -----
    CG itself runs in float64 with the float64 stencil (so the residual is exact); only
    the preconditioner works in float32, which changes its quality, not the answer.
    Matrix products run in torch (all cores); the hierarchy is built by pyamg. ``Y`` stays a tensor from
    the input to the result; only the content goes to numpy, for the affinity and the multigrid set-up.
    """
    y, c = _prepare(stylized, content)
    lam, eps = check_lam(lam), check_eps(eps)
    if preconditioner not in ("amg", "amg-smoothed", "none"):
        raise ValueError(f"unknown preconditioner {preconditioner!r}; use 'amg', 'amg-smoothed' or 'none'")
    # tol >= 1 accepts the starting point (a black image) as converged; maxiter = 0 returns it
    tol = check_number(tol, "tol (the relative residual; e.g. 5e-2)", low=0.0, high=1.0, low_open=True,
                       high_open=True)
    maxiter = check_integer(maxiter, "maxiter", low=1)
    info = SolveInfo()
    _, ch, h, w = y.shape
    t0 = time.perf_counter()
    stencil, count = affinity_stencil(c, eps=eps)
    t1 = time.perf_counter()
    system = system_stencil(stencil, count, lam)
    del stencil
    n = h * w
    op64 = _StencilOp(system, torch.float64)
    b = ((lam / (1.0 + lam)) * y[0].reshape(ch, n)).double()   # (k, n): one row per colour channel
    mg = None
    if preconditioner != "none" and n > 500:
        sq = np.sqrt(count).reshape(n, 1)
        cand = np.concatenate([sq, sq * (c.reshape(n, 3).astype(np.float64) - 0.5)], axis=1)
        mg = _Multigrid(stencil_to_csr(system), cand, fine=_StencilOp(system, torch.float32),
                        smooth_prolongator=(preconditioner == "amg-smoothed"),
                        degree=2 if preconditioner == "amg-smoothed" else 3)
        info.levels = list(zip(mg.sizes, mg.nnz))
    del system
    t2 = time.perf_counter()
    x, its, res, ok = _block_pcg(op64, b, mg, tol=tol, maxiter=maxiter)
    t3 = time.perf_counter()
    info.iterations, info.residuals, info.converged = its, res, ok
    info.times = {"affinity_s": t1 - t0, "setup_s": t2 - t1, "solve_s": t3 - t2}
    if not ok:
        warnings.warn(f"smoothing did not converge in {maxiter} iterations (residuals {res}); "
                      "raise maxiter or tol", RuntimeWarning, stacklevel=2)
    image = x.reshape(ch, h, w).clamp(0.0, 1.0).float()[None]
    return Result(image=image, times={**info.times, "total_s": t3 - t0}, info={"smoothing_info": info})


def _block_pcg(a, b, mg, *, tol: float, maxiter: int):
    """Preconditioned CG on the rows of ``b`` (torch ``(k, n)``) at once, with independent
    step sizes per row (colour channel)."""
    bn = torch.linalg.vector_norm(b, dim=1)
    bn[bn == 0] = 1.0
    x = torch.zeros_like(b)
    r = b.clone()

    def prec(v):
        if mg is None:
            return v.clone()
        return mg.cycle(v.to(mg.dtype)).to(v.dtype)

    def dot(u, v):
        return (u * v).sum(dim=1, keepdim=True)

    z = prec(r)
    p = z.clone()
    rz = dot(r, z)
    res = torch.linalg.vector_norm(r, dim=1) / bn
    it = 0
    while it < maxiter and bool((res > tol).any()):
        it += 1
        q = a @ p
        pq = dot(p, q)
        alpha = torch.where(pq != 0, rz / torch.where(pq != 0, pq, 1.0), 0.0)
        x += alpha * p
        r -= alpha * q
        res = torch.linalg.vector_norm(r, dim=1) / bn
        if bool((res <= tol).all()):
            break
        z = prec(r)
        rz_new = dot(r, z)
        beta = torch.where(rz != 0, rz_new / torch.where(rz != 0, rz, 1.0), 0.0)
        p = z + beta * p
        rz = rz_new
    return x, it, [float(v) for v in res], bool((res <= tol).all())
