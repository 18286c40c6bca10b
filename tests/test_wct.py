"""Our WCT upsampling decoders (issue 16, item 4): registry, shapes, held-out quality, training."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from conftest import decoder_recon_loss
from hw2.io import resize_longest
from hw2.fastphotostyle.photowct.models import LEVELS, WCT_SPECS, WCT_TRAINED, Decoder, weights_name


@pytest.fixture(scope="module")
def photo():
    """A photo no decoder was trained on (scikit-image's cat), 160 px."""
    from hw2.data import builtin_photo

    return resize_longest(builtin_photo("chelsea"), 160, multiple_of=8)


@pytest.fixture
def no_reference(tmp_path, monkeypatch):
    """``HW2_REFERENCE`` pointing at an empty folder, and no decoder cached from before."""
    from hw2.fastphotostyle.photowct import models

    monkeypatch.setenv("HW2_REFERENCE", str(tmp_path))
    for cached in (models._wct_decoder, models._li2017_decoder):
        cached.cache_clear()
    yield tmp_path
    for cached in (models._wct_decoder, models._li2017_decoder):
        cached.cache_clear()


#: reconstruction PSNR floors (dB) of the WCT decoders on the 160 px held-out photo, ~1-2 dB under the
#: measured 40.0 / 34.1 / 29.3 / 18.5 dB (relu4_1 is AdaIN's decoder; Li et al.'s score 29.1 / 35.4 / 30.0)
WCT_PSNR_FLOOR = {"relu1_1": 38.0, "relu2_1": 32.0, "relu3_1": 27.0, "relu4_1": 17.5}


def test_wct_levels_are_ours_and_registered_with_their_hash():
    from hw2 import weights

    assert WCT_TRAINED == ("relu1_1", "relu2_1", "relu3_1")
    for level in WCT_TRAINED:
        entry = weights.get(weights_name(level, "wct"))
        assert entry.source == "repo" and entry.location == f"wct_{level}.pth"
        file = weights.path(entry.name)                       # checks the sha256
        assert weights.sha256_of(file) == entry.sha256
        state = torch.load(file, weights_only=True)
        ref = Decoder(WCT_SPECS[level]).state_dict()
        assert set(state) == set(ref)
        assert all(state[k].dtype == torch.float16 and state[k].shape == ref[k].shape for k in ref)
    assert weights_name("relu4_1", "wct") == "adain_decoder_relu4_1"
    with pytest.raises(ValueError, match="kind"):
        weights_name("relu1_1", "li2017")


@pytest.mark.parametrize("level", LEVELS)
def test_wct_decoders_reconstruct_a_held_out_photo_without_the_reference(level, photo, no_reference):
    from hw2.fastphotostyle.photowct import psnr, reconstruct

    out = reconstruct(photo, level, kind="wct", device="cpu")
    assert out.shape == photo.shape and float(out.min()) >= 0 and float(out.max()) <= 1
    score = psnr(out, photo)
    assert score > WCT_PSNR_FLOOR[level], f"{level}: {score:.2f} dB"
    if level != "relu4_1":        # our upsampling decoder, not the unpooling one it must not be confused with
        pw = reconstruct(photo, level, kind="photowct", device="cpu")
        assert not torch.equal(out, pw)


def test_wct_stylize_runs_without_reference_and_differs_from_photowct(photo, no_reference):
    from hw2.fastphotostyle.photowct import stylize

    style = torch.linspace(0, 1, 48 * 64).reshape(1, 1, 48, 64).expand(1, 3, 48, 64).clone()
    style[:, 0] = 0.9                                   # reddish gradient
    wct = stylize(photo, style, method="wct", device="cpu").image
    assert wct.shape == photo.shape and torch.isfinite(wct).all()
    assert float(wct[:, 0].mean()) > float(photo[:, 0].mean())         # took the style's red
    assert not torch.equal(wct, stylize(photo, style, device="cpu").image)   # not the unpooling decoders


def test_wct_available_without_reference_and_li2017_only_as_yardstick(no_reference):
    from hw2 import fastphotostyle as fps
    from hw2.fastphotostyle.photowct.models import li2017_decoder
    from hw2.weights import WeightsError

    assert fps.decoders_available("wct") == (True, "")
    with pytest.raises(WeightsError, match="HW2_REFERENCE"):
        li2017_decoder("relu2_1", device="cpu")
    with pytest.raises(ValueError, match="no relu4_1"):
        li2017_decoder("relu4_1", device="cpu")


def test_bench_psnr_table_omits_the_absent_yardstick(photo, no_reference):
    from hw2.bench.photowct import psnr_table

    table = psnr_table([photo[..., :64, :96]])
    assert table["n"] == 1 and table["li2017"] == {}
    assert set(table["photowct"]) == set(table["wct"]) == set(LEVELS)
    # finer levels reconstruct better, for both families
    for kind in ("photowct", "wct"):
        assert table[kind]["relu1_1"] > table[kind]["relu3_1"] > 15.0, (kind, table[kind])


# --------------------------------------------------------------------------- training
def test_wct_training_resumes_exactly_and_exports_fp16(tmp_path, photo):
    from hw2.fastphotostyle.photowct.train import export, train_level
    from hw2.vgg import vgg19

    images = [photo, photo.flip(-1) * 0.8]
    enc = vgg19("relu2_1", device="cpu")
    kw = dict(level="relu2_1", images=images, crop=32, batch=4, lr=2e-3, seed=3, init=False,
              progress=False, encoder=enc, feat_every=2, decoder="wct")

    def loss(state):
        return decoder_recon_loss(WCT_SPECS["relu2_1"], state, images, enc)

    ckpt = tmp_path / "relu2_1.ckpt"
    first = train_level(iters=0, ckpt=None, **kw)
    half = train_level(iters=5, ckpt=ckpt, ckpt_every_s=0.0, **kw)
    assert torch.load(ckpt, weights_only=True)["step"] == 5
    resumed = train_level(iters=10, ckpt=ckpt, **kw)                   # continues from step 5
    straight = train_level(iters=10, ckpt=None, **kw)
    assert half["config"]["decoder"] == "wct"
    assert [h[0] for h in resumed["history"]] == list(range(1, 11))
    for k in straight["model"]:
        torch.testing.assert_close(resumed["model"][k], straight["model"][k], rtol=1e-5, atol=1e-6)
    assert loss(straight["model"]) < 0.7 * loss(first["model"])
    # a WCT checkpoint is not resumed as a PhotoWCT one (different architecture)
    with pytest.raises(ValueError, match="fresh"):
        train_level(iters=10, ckpt=ckpt, **{**kw, "decoder": "photowct"})
    summary = export(["relu2_1"], decoder="wct", ckpt_dir=tmp_path, dest=tmp_path)
    state = torch.load(tmp_path / "wct_relu2_1.pth", weights_only=True)
    assert summary["relu2_1"]["steps"] == 10 and all(v.dtype == torch.float16 for v in state.values())
    dec = Decoder(WCT_SPECS["relu2_1"])
    dec.load_state_dict({k: v.float() for k, v in state.items()})        # loads as the WCT architecture
    with pytest.raises(ValueError, match="not a photowct"):
        export(["relu2_1"], decoder="photowct", ckpt_dir=tmp_path, dest=tmp_path)


def test_wct_training_refuses_relu4_1_and_unknown_families(photo):
    from hw2.fastphotostyle.photowct.train import main, train_level

    with pytest.raises(ValueError, match="relu4_1"):
        train_level("relu4_1", images=[photo], iters=0, decoder="wct", progress=False)
    with pytest.raises(ValueError, match="family"):
        train_level("relu2_1", images=[photo], iters=0, decoder="adain", progress=False)
    with pytest.raises(SystemExit):
        main(["--decoder", "wct", "--levels", "relu4_1", "--export-only"])


def test_greedy_init_of_an_upsampling_decoder_beats_random(photo):
    from hw2.fastphotostyle.photowct.lsq import greedy_init, sample_batch
    from hw2.vgg import vgg19

    enc = vgg19("relu3_1", device="cpu")
    x = sample_batch([photo], level="relu3_1", step=5, seed=1, crop=48, batch=2)
    with torch.no_grad():
        f, p = enc(x, ["relu3_1"], return_indices=True)
    torch.manual_seed(0)
    dec = Decoder(WCT_SPECS["relu3_1"])
    with torch.no_grad():
        before = float(F.mse_loss(dec(f["relu3_1"], p), x))
    errs = greedy_init(dec, "relu3_1", enc, [photo], seed=0, batches=2, crop=48, batch=2, max_rows=800)
    with torch.no_grad():
        after = float(F.mse_loss(dec(f["relu3_1"], p), x))
    assert len(errs) == 1 and after < 0.2 * before, (before, after)
