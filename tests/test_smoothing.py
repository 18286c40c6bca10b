"""Photorealistic smoothing: matting affinity/Laplacian, exact iterative solve, guided filter."""
from __future__ import annotations

import numpy as np
import pytest

from hw2.fastphotostyle.smoothing import (DEFAULT_LAM, affinity_stencil, beta_to_lam, box_filter, guided_filter, lam_to_beta,
                           matting_affinity, matting_laplacian, smooth_direct, smooth_exact, smoothing_matrix)


def _rand(h, w, seed=0):
    return np.random.default_rng(seed).random((h, w, 3)).astype(np.float32)


def _smooth_image(h, w, seed=0):
    """Piecewise-smooth test photo: two colour regions with gradients and a little noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    img = np.stack([0.3 + 0.4 * xx, 0.5 - 0.3 * yy, 0.2 + 0.2 * xx * yy], -1)
    img[: h // 2, : w // 3] = [0.9, 0.2, 0.1]
    return np.clip(img + 0.02 * rng.standard_normal(img.shape), 0, 1).astype(np.float32)


def test_beta_lambda_round_trip():
    assert lam_to_beta(DEFAULT_LAM) == pytest.approx(0.9999)
    assert beta_to_lam(lam_to_beta(0.3)) == pytest.approx(0.3)
    with pytest.raises(ValueError):
        beta_to_lam(1.0)


def test_affinity_matches_definition_on_tiny_image():
    """One window per pixel, the border replicated (a replicated pixel is its source)."""
    img = _rand(5, 6).astype(np.float64)
    eps = 1e-3
    h, w, _ = img.shape
    ref = np.zeros((h * w, h * w))
    for cy in range(h):
        for cx in range(w):
            idx = [min(max(cy + dy, 0), h - 1) * w + min(max(cx + dx, 0), w - 1)
                   for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
            win = img.reshape(-1, 3)[idx]
            mu = win.mean(0)
            cov = (win - mu).T @ (win - mu) / 9 + eps / 9 * np.eye(3)
            x = win - mu
            vals = (1 + x @ np.linalg.inv(cov) @ x.T) / 9
            for a in range(9):
                for b in range(9):
                    ref[idx[a], idx[b]] += vals[a, b]
    got = matting_affinity(img, eps=eps).toarray()
    np.testing.assert_allclose(got, ref, atol=1e-9)


def test_laplacian_symmetric_with_zero_row_sums():
    lap = matting_laplacian(_rand(9, 11, seed=1))
    assert abs(lap - lap.T).max() < 1e-9
    np.testing.assert_allclose(np.asarray(lap.sum(axis=1)).ravel(), 0.0, atol=1e-8)
    w = matting_affinity(_rand(9, 11, seed=1))
    np.testing.assert_allclose(np.asarray(w.sum(axis=1)).ravel(), 9.0, atol=1e-8)
    _, degree = affinity_stencil(_rand(9, 11, seed=1))
    assert np.all(degree == 9.0)


def test_system_matrix_is_spd_with_known_spectrum_bounds():
    a = smoothing_matrix(_rand(6, 7), lam=0.5)
    ev = np.linalg.eigvalsh(a.toarray())
    beta = lam_to_beta(0.5)
    assert ev.min() >= 1 - beta - 1e-8 and ev.max() <= 1 + 1e-8


def _hwc(result):
    """The ``(H, W, 3)`` array of a :class:`hw2.result.Result`."""
    return result.image[0].permute(1, 2, 0).numpy()


def test_constant_image_stays_constant():
    content = _smooth_image(40, 50)
    y = np.full((40, 50, 3), [0.2, 0.5, 0.7], np.float32)
    # a fixed point of the system (exactly, with the direct solve) ...
    assert np.abs(_hwc(smooth_direct(y, content)) - y).max() < 1e-5
    # ... and of the iterative solve, to its tolerance
    assert np.abs(_hwc(smooth_exact(y, content, tol=1e-6)) - y).max() < 1e-4


@pytest.mark.parametrize("preconditioner", ["amg", "none"])
def test_iterative_solve_matches_direct_32x32(preconditioner):
    content = _smooth_image(32, 32, seed=2)
    y = _rand(32, 32, seed=3)
    ref = _hwc(smooth_direct(y, content))
    assert ref.min() > 0 and ref.max() < 1        # strictly inside [0, 1]: the clipping changed nothing
    result = smooth_exact(y, content, tol=1e-3, preconditioner=preconditioner, maxiter=2000)
    out, info = _hwc(result), result.smoothing_info
    assert set(result.times) == {"affinity_s", "setup_s", "solve_s", "total_s"}
    assert info.converged and max(info.residuals) < 1e-3
    # the residual reported is the true one
    a = smoothing_matrix(content)
    b = (DEFAULT_LAM / (1 + DEFAULT_LAM)) * y.reshape(-1, 3).astype(np.float64)
    res = np.linalg.norm(b - a @ out.reshape(-1, 3).astype(np.float64), axis=0) / np.linalg.norm(b, axis=0)
    assert res.max() < 1.5e-3
    assert np.abs(out - ref).mean() < 1e-3


def test_default_tolerance_is_close_to_direct():
    content = _smooth_image(48, 40, seed=4)
    y = _rand(48, 40, seed=5)
    assert np.abs(_hwc(smooth_exact(y, content)) - _hwc(smooth_direct(y, content))).mean() < 1e-3


def test_tiny_images_and_bad_input():
    for shape in ((1, 1), (2, 5), (1, 7)):
        y = _rand(*shape)
        assert _hwc(smooth_exact(y, _rand(*shape, seed=9))).shape == y.shape
    np.testing.assert_allclose(_hwc(smooth_exact(_rand(1, 1), _rand(1, 1, seed=9))), _rand(1, 1), atol=1e-6)
    with pytest.raises(ValueError, match="content is"):
        smooth_exact(_rand(8, 8), _rand(8, 9))
    with pytest.raises(ValueError, match="lam"):
        smooth_exact(_rand(8, 8), _rand(8, 8), lam=0)


def test_box_filter_brute_force():
    x = np.random.default_rng(0).random((2, 7, 9))
    r = 2
    ref = np.zeros_like(x)
    for i in range(7):
        for j in range(9):
            ref[:, i, j] = x[:, max(0, i - r):i + r + 1, max(0, j - r):j + r + 1].mean(axis=(1, 2))
    np.testing.assert_allclose(box_filter(x, r), ref, atol=1e-12)


@pytest.mark.parametrize("subsample", [1, 4])
def test_guided_filter_constant_input_returned(subsample):
    guide = _rand(40, 60, seed=6)
    src = np.full((40, 60, 3), [0.1, 0.6, 0.9], np.float32)
    np.testing.assert_allclose(_hwc(guided_filter(src, guide, radius=8, subsample=subsample)), src, atol=1e-5)


def test_guided_filter_properties():
    guide = _smooth_image(50, 64, seed=7)
    # an affine function of the guide is reproduced (tiny eps)
    src = 0.5 * guide[..., [1, 2, 0]] + 0.1
    np.testing.assert_allclose(_hwc(guided_filter(src, guide, radius=4)), src, atol=2e-3)
    # a large eps gives a = 0, b = box mean: the output is the box mean of the box mean
    noisy = _rand(50, 64, seed=8)
    out = _hwc(guided_filter(noisy, guide, radius=3, eps=1e6))
    chw = noisy.transpose(2, 0, 1).astype(np.float64)
    np.testing.assert_allclose(out, box_filter(box_filter(chw, 3), 3).transpose(1, 2, 0), atol=1e-4)
    fast = _hwc(guided_filter(noisy, guide, radius=8, subsample=2))
    exact = _hwc(guided_filter(noisy, guide, radius=8))
    assert fast.shape == exact.shape and np.abs(fast - exact).mean() < 0.02
    with pytest.raises(ValueError, match="guide"):
        guided_filter(noisy, guide[:10])
