"""hw2.metrics: known values on tiny inputs."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from hw2 import metrics


def test_ssim_identity_and_constants():
    x = torch.rand(1, 3, 32, 32)
    assert metrics.ssim(x, x) == pytest.approx(1.0, abs=1e-6)
    a, b = torch.full((1, 3, 16, 16), 0.2), torch.full((1, 3, 16, 16), 0.6)
    c1 = 0.01 ** 2
    expected = (2 * 0.2 * 0.6 + c1) / (0.2 ** 2 + 0.6 ** 2 + c1)  # variances are zero
    assert metrics.ssim(a, b) == pytest.approx(expected, rel=1e-4)
    assert metrics.ssim(x, 1 - x) < 0.2


def test_ssim_decreases_with_noise():
    x = torch.rand(1, 3, 32, 32)
    g = torch.Generator().manual_seed(0)
    n1 = (x + 0.05 * torch.randn(x.shape, generator=g)).clamp(0, 1)
    n2 = (x + 0.3 * torch.randn(x.shape, generator=g)).clamp(0, 1)
    assert 1 > metrics.ssim(x, n1) > metrics.ssim(x, n2)


def test_psnr_known_value():
    a = torch.zeros(1, 3, 4, 4)
    b = torch.full((1, 3, 4, 4), 0.1)
    assert metrics.psnr(a, b) == pytest.approx(20.0, abs=1e-4)  # mse 0.01 -> 20 dB
    assert metrics.psnr(a, a) == float("inf")


def test_edge_map_of_constant_is_zero_and_step_is_found():
    assert float(metrics.edge_map(torch.full((1, 3, 8, 8), 0.5)).max()) < 1e-5
    step = torch.zeros(1, 3, 8, 8)
    step[..., 4:] = 1.0
    e = metrics.edge_map(step)[0, 0]
    assert e[:, 3:5].min() > 0.5 and e[:, :2].max() < 1e-5
    x = torch.rand(1, 3, 24, 24)
    assert metrics.photorealism(x, x) == pytest.approx(1.0, abs=1e-6)


def test_gram_hand_computed():
    f = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 2, 1, 2)  # C=2, H=1, W=2
    expected = torch.tensor([[1 + 4, 3 + 8], [3 + 8, 9 + 16]]) / 4.0
    assert torch.allclose(metrics.gram(f)[0], expected)


def test_style_and_perceptual_distance_zero_for_same_image():
    x = torch.rand(1, 3, 32, 32)
    assert metrics.style_distance(x, x) == pytest.approx(0.0, abs=1e-6)
    assert metrics.perceptual_distance(x, x) == pytest.approx(0.0, abs=1e-6)
    y = torch.rand(1, 3, 32, 32) * 0.2
    assert metrics.style_distance(y, x) > 0.05
    assert metrics.perceptual_distance(x, y) > 0.01
    assert metrics.diversity([x, x, x]) == pytest.approx(0.0, abs=1e-6)
    assert metrics.diversity([x, y]) == pytest.approx(metrics.perceptual_distance(x, y), rel=1e-5)


def test_frechet_known_values():
    assert metrics.frechet_distance([0.0], [[1.0]], [0.0], [[1.0]]) == pytest.approx(0.0, abs=1e-9)
    # 1-D: (mu1 - mu2)^2 + (s1 - s2)^2
    assert metrics.frechet_distance([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4.0 + 1.0, abs=1e-9)
    mu, cov = np.zeros(3), np.diag([1.0, 2.0, 3.0])
    assert metrics.frechet_distance(mu, cov, mu + 1, cov) == pytest.approx(3.0, abs=1e-9)
    with pytest.raises(ValueError):
        metrics.frechet_distance([0.0], [[1.0]], [0.0, 1.0], np.eye(2))


def test_frechet_vgg_separates_sets():
    g = torch.Generator().manual_seed(0)
    bright = [0.6 + 0.4 * torch.rand(1, 3, 32, 32, generator=g) for _ in range(4)]
    dark = [0.3 * torch.rand(1, 3, 32, 32, generator=g) for _ in range(4)]
    same = metrics.frechet_vgg_distance(bright, bright, max_side=32)
    assert same == pytest.approx(0.0, abs=1e-6)
    assert metrics.frechet_vgg_distance(bright, dark, max_side=32) > 1e-3
    with pytest.raises(ValueError):
        metrics.vgg_statistics(bright[:1])


def test_bad_input():
    with pytest.raises(ValueError, match="shape"):
        metrics.ssim(torch.rand(2, 8, 8), torch.rand(2, 8, 8))
    # a (3, H, W) tensor is one image (the shared input gate, hw2.io.as_image)
    a, b = torch.rand(3, 8, 8), torch.rand(3, 8, 8)
    assert metrics.ssim(a, b) == metrics.ssim(a[None], b[None])


# --------------------------------------------------------------------------- VGG-free style distance
def _stripes(period: int, colour=(0.8, 0.3, 0.2), size: int = 64) -> torch.Tensor:
    x = torch.arange(size).view(1, 1, 1, size)
    pattern = ((x // period) % 2).float().expand(1, 1, size, size)
    c = torch.tensor(colour).view(1, 3, 1, 1)
    return (0.2 + 0.6 * pattern) * c


def test_free_style_distance_is_zero_for_the_same_image_and_bounded():
    from hw2 import metrics

    a, b = _stripes(2), _stripes(8, colour=(0.1, 0.4, 0.9))
    assert metrics.free_style_distance(a, a) == 0.0
    assert metrics.colour_distance(a, a) == metrics.texture_distance(a, a) == 0.0
    d = metrics.free_style_distance(a, b)
    assert 0 < d <= 1 and d == pytest.approx(metrics.free_style_distance(b, a))


def test_constant_images_give_zero_and_layout_does_not_matter():
    from hw2 import metrics

    grey = torch.full((1, 3, 16, 16), 0.5)
    assert metrics.free_style_distance(grey, grey) == 0.0
    a = _stripes(4)
    flipped = a.flip(-1)  # same colours and the same texture, mirrored
    assert metrics.colour_distance(a, flipped) == 0.0
    assert metrics.texture_distance(a, flipped) < 0.05


def test_colour_and_texture_terms_separate():
    from hw2 import metrics

    a = _stripes(4)
    recoloured = _stripes(4, colour=(0.2, 0.3, 0.8))  # same stripes, other colour
    finer = _stripes(1)                                # same colours, other texture
    assert metrics.colour_distance(a, recoloured) > 0.5
    assert metrics.texture_distance(a, recoloured) < 0.05  # LBP ignores monotone grey changes
    assert metrics.texture_distance(a, finer) > 0.3
    with pytest.raises(ValueError):
        metrics.colour_distance(a * 255, a)
