"""hw2.fastphotostyle.photowct: WCT invariants, degenerate inputs, decoders, stylisation, training loop."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import decoder_recon_loss
from hw2.io import resize_longest
from hw2.fastphotostyle.photowct import functional as W
from hw2.fastphotostyle.photowct.models import LEVELS, PHOTOWCT_SPECS, WCT_SPECS, Decoder, weights_name


def _correlated(c: int, n: int, *, seed: int, scale: float = 1.0, shift: float = 0.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    mix = torch.randn(c, c, generator=g, dtype=torch.float64)
    return (mix @ torch.randn(c, n, generator=g, dtype=torch.float64) * scale + shift
            + torch.randn(c, 1, generator=g, dtype=torch.float64))


def _stats(f):
    m = f.mean(1, keepdim=True)
    return m, (f - m) @ (f - m).T / (f.shape[1] - 1)


# --------------------------------------------------------------------------- plain WCT
def test_wct_gives_style_mean_and_covariance():
    content = _correlated(8, 600, seed=1)
    style = _correlated(8, 400, seed=2, scale=3.0, shift=5.0)
    out = W.wct(content, style)
    assert out.shape == content.shape and out.dtype == content.dtype
    mo, co = _stats(out)
    ms, cs = _stats(style)
    torch.testing.assert_close(mo, ms, atol=1e-8, rtol=1e-8)
    torch.testing.assert_close(co, cs, atol=1e-6 * float(cs.abs().max()), rtol=1e-6)


def test_wct_float32_within_tolerance():
    content = _correlated(16, 2000, seed=3).float()
    style = _correlated(16, 900, seed=4, scale=0.5, shift=2.0).float()
    mo, co = _stats(W.wct(content, style).double())
    ms, cs = _stats(style.double())
    assert float((mo - ms).abs().max()) < 1e-4
    assert float((co - cs).abs().max()) < 1e-3 * float(cs.abs().max())


def test_whitening_gives_identity_covariance():
    white = W.whiten(_correlated(10, 800, seed=5, scale=4.0))
    m, c = _stats(white)
    assert float(m.abs().max()) < 1e-10
    torch.testing.assert_close(c, torch.eye(10, dtype=torch.float64), atol=1e-8, rtol=0)


def test_alpha_blends_linearly():
    content, style = _correlated(4, 100, seed=6), _correlated(4, 80, seed=7, shift=1.0)
    full = W.wct(content, style)
    torch.testing.assert_close(W.wct(content, style, alpha=0.0), content)
    torch.testing.assert_close(W.wct(content, style, alpha=0.25), 0.75 * content + 0.25 * full)
    with pytest.raises(ValueError, match="alpha"):
        W.wct(content, style, alpha=1.5)


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="channels"):
        W.wct(torch.rand(4, 10), torch.rand(5, 10))
    with pytest.raises(ValueError, match=r"\(C, N\)"):
        W.wct(torch.rand(4, 10, 2), torch.rand(4, 10))


def test_rank_deficient_content_keeps_style_mean_and_stays_finite():
    g = torch.Generator().manual_seed(8)
    content = torch.randn(6, 2, generator=g, dtype=torch.float64) @ torch.randn(2, 300, generator=g,
                                                                             dtype=torch.float64)
    style = _correlated(6, 200, seed=9, shift=2.0)
    out = W.wct(content, style)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out.mean(1, keepdim=True), style.mean(1, keepdim=True))
    # whitening a rank-2 matrix: identity on its 2-dimensional support
    ev = torch.linalg.eigvalsh(_stats(W.whiten(content))[1])
    torch.testing.assert_close(ev[-2:], torch.ones(2, dtype=torch.float64), atol=1e-8, rtol=0)
    assert float(ev[:-2].abs().max()) < 1e-8


@pytest.mark.parametrize("content", [torch.rand(5, 1), torch.zeros(5, 40), torch.full((5, 40), 3.0)],
                         ids=["one-pixel", "all-zero", "constant"])
def test_degenerate_content_does_not_crash(content):
    style = torch.rand(5, 30)
    out = W.wct(content, style)
    assert torch.isfinite(out).all()
    # no content variation to colour: every pixel becomes the style mean
    torch.testing.assert_close(out, style.mean(1, keepdim=True).expand_as(out))


def test_degenerate_style_gives_its_constant():
    out = W.wct(torch.rand(5, 40), torch.zeros(5, 1))
    torch.testing.assert_close(out, torch.zeros(5, 40))


# --------------------------------------------------------------------------- label-wise WCT
def _label_maps():
    cl = torch.zeros(12, 12, dtype=torch.long)
    cl[:, 6:] = 1
    cl[:3, :3] = 2          # only in the content: must stay unchanged
    cl[11, 0] = 3           # a one-pixel region that is also in the style
    sl = torch.zeros(10, 8, dtype=torch.long)
    sl[5:] = 1
    sl[0, 0] = 3
    sl[0, 1] = 3
    return cl, sl


def test_labelwise_wct_matches_regions_and_leaves_unmatched_unchanged():
    g = torch.Generator().manual_seed(10)
    content = torch.rand(4, 12, 12, generator=g, dtype=torch.float64)
    style = torch.rand(4, 10, 8, generator=g, dtype=torch.float64) * 2 + 1
    cl, sl = _label_maps()
    out = W.labelwise_wct(content, style, cl, sl)
    assert out.shape == content.shape
    for label in (2, 3):    # no match / too few pixels: untouched
        torch.testing.assert_close(out[:, cl == label], content[:, cl == label], rtol=0, atol=0)
    for label in (0, 1):    # matched: the style region's statistics
        mo, co = _stats(out[:, cl == label])
        ms, cs = _stats(style[:, sl == label])
        torch.testing.assert_close(mo, ms)
        torch.testing.assert_close(co, cs, atol=1e-8, rtol=1e-6)


def test_labelwise_resizes_label_maps_and_allows_one_pixel_regions():
    content = torch.rand(1, 8, 6, 6)
    style = torch.rand(1, 8, 5, 5)
    cl = torch.zeros(24, 24, dtype=torch.long)
    cl[0, 0] = 7                                 # vanishes at the feature size
    sl = torch.zeros(20, 20, dtype=torch.long)
    out = W.labelwise_wct(content, style, cl, sl, min_pixels=1)
    assert out.shape == content.shape and torch.isfinite(out).all()
    one = torch.zeros(6, 6, dtype=torch.long)
    one[2, 3] = 1
    sone = torch.zeros(5, 5, dtype=torch.long)
    sone[1, 1] = 1
    out = W.labelwise_wct(content[0], style[0], one, sone, min_pixels=1)
    assert torch.isfinite(out).all()


def test_resize_labels_and_colors_to_labels():
    from hw2.fastphotostyle.labels import colors_to_labels, resize_labels

    lab = torch.tensor([[0, 1], [2, 3]])
    big = resize_labels(lab, (4, 6))
    assert big.dtype == np.int64 and set(np.unique(big).tolist()) == {0, 1, 2, 3}
    assert big[0, 0] == 0 and big[3, 5] == 3
    with pytest.raises(ValueError, match="integer"):
        resize_labels(torch.tensor([[0.5]]), (2, 2))
    assert resize_labels(np.arange(8)[None], (1, 55))[0, 27] == 4   # (27.5) * 8 / 55 = 4 exactly
    a = torch.zeros(1, 3, 2, 2)
    a[0, 0, 0, 0] = 1.0                       # one red pixel
    b = torch.ones(1, 3, 2, 2)                # white
    la, lb = colors_to_labels(a, b)
    assert la[0, 0] != la[1, 1] and la[1, 1] != lb[0, 0] and len({*la.ravel().tolist(), *lb.ravel().tolist()}) == 3


# --------------------------------------------------------------------------- models
@pytest.mark.parametrize("size", [(40, 40), (37, 53)])
def test_decoders_invert_shapes_of_any_size(size):
    from hw2.vgg import vgg19

    enc = vgg19("relu4_1", device="cpu")
    x = torch.rand(1, 3, *size)
    feats, pools = enc.encode(x, list(LEVELS), return_indices=True)
    for level in LEVELS:
        for spec in (PHOTOWCT_SPECS[level], WCT_SPECS[level]):
            with torch.no_grad():
                y = Decoder(spec)(feats[level], pools)
            assert tuple(y.shape) == (1, 3, *size), (level, spec[0])


def test_unpooling_decoder_needs_indices():
    with pytest.raises(ValueError, match="indices"):
        Decoder(PHOTOWCT_SPECS["relu2_1"])(torch.rand(1, 128, 4, 4), {})


@pytest.fixture(scope="module")
def photo():
    from hw2.data import builtin_photo

    return resize_longest(builtin_photo("chelsea"), 160, multiple_of=8)


#: reconstruction PSNR floors (dB) of our decoders on a 160 px photo
PSNR_FLOOR = {"relu1_1": 32.0, "relu2_1": 26.0, "relu3_1": 22.0, "relu4_1": 19.0}


@pytest.mark.parametrize("level", LEVELS)
def test_registered_decoders_reconstruct_a_photo(level, photo):
    from hw2 import weights
    from hw2.fastphotostyle.photowct import psnr, reconstruct

    entry = weights.get(weights_name(level))
    assert entry.source == "repo" and len(entry.sha256) == 64
    assert weights.path(entry.name).is_file()
    out = reconstruct(photo, level, device="cpu")
    assert out.shape == photo.shape and float(out.min()) >= 0 and float(out.max()) <= 1
    assert psnr(out, photo) > PSNR_FLOOR[level]


def test_stylize_properties(photo):
    from hw2.fastphotostyle.photowct import stylize

    style = torch.linspace(0, 1, 48 * 64).reshape(1, 1, 48, 64).expand(1, 3, 48, 64).clone()
    style[:, 0] = 0.9                                   # reddish gradient
    out = stylize(photo, style, device="cpu").image
    assert out.shape == photo.shape and torch.isfinite(out).all()
    assert float(out.min()) >= 0 and float(out.max()) <= 1
    assert float(out[:, 0].mean()) > float(photo[:, 0].mean())      # took the style's red
    again = stylize(photo, style, device="cpu").image
    assert torch.equal(out, again)                                    # deterministic
    # constant images and a one-pixel label region do not crash
    flat = torch.full_like(photo, 0.5)
    assert torch.isfinite(stylize(flat, style, device="cpu").image).all()
    cl = torch.zeros(photo.shape[-2:], dtype=torch.long)
    cl[0, 0] = 1
    sl = torch.zeros(48, 64, dtype=torch.long)
    sl[0, 0] = 1
    out = stylize(photo, style, content_labels=cl, style_labels=sl, alpha=0.5, device="cpu").image
    assert torch.isfinite(out).all()
    kept = stylize(photo, style, alpha=0.0, levels=["relu1_1"], device="cpu").image
    from hw2.fastphotostyle.photowct import psnr
    assert psnr(kept, photo) > PSNR_FLOOR["relu1_1"]                 # alpha 0 = reconstruction


# --------------------------------------------------------------------------- training
def test_training_lowers_loss_and_resumes_exactly(tmp_path, photo):
    from hw2.fastphotostyle.photowct.train import train_level
    from hw2.vgg import vgg19

    images = [photo, photo.flip(-1) * 0.8]
    enc = vgg19("relu2_1", device="cpu")
    kw = dict(level="relu2_1", images=images, crop=32, batch=4, lr=2e-3, seed=3, init=False,
              progress=False, encoder=enc, feat_every=2)

    def loss(state):
        return decoder_recon_loss(PHOTOWCT_SPECS["relu2_1"], state, images, enc)

    ckpt = tmp_path / "relu2_1.ckpt"
    first = train_level(iters=0, ckpt=None, **kw)                     # the seeded initial state
    half = train_level(iters=6, ckpt=ckpt, ckpt_every_s=0.0, **kw)
    saved = torch.load(ckpt, weights_only=False)
    assert saved["step"] == 6
    for k, v in half["model"].items():
        assert torch.equal(saved["model"][k], v)
    resumed = train_level(iters=12, ckpt=ckpt, **kw)                  # continues from step 6
    straight = train_level(iters=12, ckpt=None, **kw)
    assert resumed["step"] == straight["step"] == 12
    assert [h[0] for h in resumed["history"]] == list(range(1, 13))
    for k in straight["model"]:
        torch.testing.assert_close(resumed["model"][k], straight["model"][k], rtol=1e-5, atol=1e-6)
    assert loss(straight["model"]) < 0.7 * loss(first["model"])
    with pytest.raises(ValueError, match="fresh"):
        train_level(iters=12, ckpt=ckpt, **{**kw, "lr": 1e-4})


def test_greedy_least_squares_init_beats_random(photo):
    from hw2.fastphotostyle.photowct.train import greedy_init, sample_batch
    from hw2.vgg import vgg19
    import torch.nn.functional as F

    enc = vgg19("relu3_1", device="cpu")
    images = [photo]
    x = sample_batch(images, level="relu3_1", step=5, seed=1, crop=48, batch=2)
    with torch.no_grad():
        f, p = enc(x, ["relu3_1"], return_indices=True)
    torch.manual_seed(0)
    dec = Decoder(PHOTOWCT_SPECS["relu3_1"])
    with torch.no_grad():
        before = float(F.mse_loss(dec(f["relu3_1"], p), x))
    errs = greedy_init(dec, "relu3_1", enc, images, seed=0, batches=2, crop=48, batch=2, max_rows=800)
    with torch.no_grad():
        after = float(F.mse_loss(dec(f["relu3_1"], p), x))
    assert len(errs) == 1 and after < 0.5 * before


def test_wct_with_a_constant_style_keeps_going():
    """A constant style has a covariance of rounding noise (~1e-14), on which torch's eigh can fail."""
    from hw2.fastphotostyle import photowct

    c = np.random.default_rng(0).random((2, 9, 4))[..., :3].astype(np.float32)
    rng = np.random.default_rng(268)
    s = np.full((1, 9, 3), rng.random(), np.float32)
    out = photowct.stylize(c, s, alpha=0.5, device="cpu").image
    assert out.shape == (1, 3, 2, 9) and torch.isfinite(out).all()
