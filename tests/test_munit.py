"""MUNIT: shapes, AdaIN parameter count, learning, exact resumption, checkpoint errors, translation."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from hw2.munit import config as mconfig
from hw2.munit.config import MUNITConfig, load_config
from hw2.munit.networks import (AdaINGen, MsImageDis, assign_adain_params, build_discriminator,
                                build_generator, num_adain_params)
from hw2.munit.train import export
from hw2.munit.trainer import CheckpointError, Trainer, read_checkpoint, sample_batch
from hw2.munit.model import MUNIT, MODELS, load_model, prepare

from conftest import requires_data, TINY_MUNIT



pytestmark = pytest.mark.usefixtures("one_thread")


TINY = TINY_MUNIT


def _tiny(**kw) -> MUNITConfig:
    return MUNITConfig(**{**TINY, **kw})


def _images(seed: int, n: int = 3, size: int = 40) -> list[torch.Tensor]:
    """Smooth synthetic images: colour gradients plus a blob (learnable in a few steps)."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, size), torch.linspace(0, 1, size), indexing="ij")
    out = []
    for _ in range(n):
        c = torch.rand(3, 3, generator=g)
        img = c[:, 0, None, None] * yy + c[:, 1, None, None] * xx + 0.3 * c[:, 2, None, None]
        cy, cx = torch.rand(2, generator=g)
        img = img + 0.4 * torch.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 0.02)
        out.append((img / img.amax()).clamp(0, 1)[None])
    return out


def _trainer(tmp_path=None, **kw) -> Trainer:
    return Trainer(_tiny(**kw), data_a=_images(1), data_b=_images(2), directory=tmp_path, device="cpu")


# ----------------------------------------------------------------------------- networks
def test_shapes():
    cfg = _tiny()
    gen = build_generator(cfg)
    x = torch.rand(2, 3, 32, 48) * 2 - 1
    c, s = gen.encode(x)
    assert c.shape == (2, cfg.gen_dim * 4, 8, 12)
    assert s.shape == (2, cfg.style_dim, 1, 1)
    y = gen.decode(c, torch.randn(2, cfg.style_dim, 1, 1))
    assert y.shape == x.shape and y.abs().max() <= 1
    outs = build_discriminator(cfg)(x)
    assert [o.shape for o in outs] == [(2, 1, 8, 12), (2, 1, 4, 6)]


@pytest.mark.parametrize("cfg", [_tiny(), MUNITConfig()], ids=["tiny", "paper"])
def test_mlp_produces_exactly_the_adain_parameters(cfg):
    gen = AdaINGen(cfg)
    channels = cfg.gen_dim * 2 ** cfg.n_downsample
    expected = cfg.n_res * 2 * 2 * channels          # n_res blocks x 2 AdaIN layers x (mean, std) x C
    assert num_adain_params(gen.dec) == expected
    assert gen.mlp(torch.randn(3, cfg.style_dim)).shape == (3, expected)
    if cfg.n_res == 4:
        assert expected == 4096                       # the paper's decoder: 4 blocks at 256 channels
    with pytest.raises(ValueError, match="AdaIN parameters"):
        assign_adain_params(torch.zeros(1, expected + 1), gen.dec)


def test_adain_uses_the_style():
    torch.manual_seed(0)
    gen = build_generator(_tiny())
    c, _ = gen.encode(torch.rand(1, 3, 32, 32) * 2 - 1)
    a = gen.decode(c, torch.zeros(1, 8))
    b = gen.decode(c, torch.ones(1, 8) * 2)
    assert (a - b).abs().mean() > 1e-3
    assert torch.equal(a, gen.decode(c, torch.zeros(1, 8)))


def test_lsgan_losses_known_answer():
    dis = MsImageDis(_tiny())
    for cnn in dis.cnns:                               # a discriminator answering 0 everywhere
        for p in cnn.parameters():
            torch.nn.init.zeros_(p)
    x = torch.rand(1, 3, 32, 32)
    assert float(dis.calc_gen_loss(x).detach()) == pytest.approx(2.0)   # (0 - 1)^2 per scale, 2 scales
    assert float(dis.calc_dis_loss(x, x).detach()) == pytest.approx(2.0)


# ----------------------------------------------------------------------------- config
def test_paper_config_is_the_default():
    paper = load_config("paper")
    default = MUNITConfig()
    for k in mconfig.TRAIN_FIELDS:
        assert getattr(paper, k) == getattr(default, k), k
    assert (paper.style_dim, paper.n_res, paper.mlp_dim, paper.dis_num_scales) == (8, 4, 256, 3)
    cpu = load_config("cpu")
    assert cpu.enc_adv_w == 0 and load_config("cpu_encadv").enc_adv_w > 0
    assert load_config("cpu_encadv").replace(enc_adv_w=0).arch() == cpu.arch()


def test_bad_configs(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("gen_dimm: 3\n")
    with pytest.raises(ValueError, match="gen_dimm"):
        load_config(bad)
    with pytest.raises(ValueError, match="crop_size"):
        MUNITConfig(new_size=64, crop_size=128)
    with pytest.raises(FileNotFoundError):
        load_config("no_such_config")


# ----------------------------------------------------------------------------- training
def test_sample_batch_is_seeded():
    imgs = _images(3)
    a = sample_batch(imgs, np.random.default_rng([0, 5]), batch=2, new_size=36, crop=32)
    b = sample_batch(imgs, np.random.default_rng([0, 5]), batch=2, new_size=36, crop=32)
    c = sample_batch(imgs, np.random.default_rng([0, 6]), batch=2, new_size=36, crop=32)
    assert a.shape == (2, 3, 32, 32) and torch.equal(a, b) and not torch.equal(a, c)
    assert a.min() >= -1 and a.max() <= 1


def test_training_lowers_the_reconstruction_loss():
    tr = _trainer()
    x_a = torch.cat(_images(1))[:, :, :32, :32] * 2 - 1
    x_b = torch.cat(_images(2))[:, :, :32, :32] * 2 - 1

    def recon():
        with torch.no_grad():
            return float((tr.gen_a(x_a) - x_a).abs().mean() + (tr.gen_b(x_b) - x_b).abs().mean())

    before = recon()
    first = [tr.train_step()["recon_x_a"] for _ in range(5)]
    for _ in range(35):
        last = tr.train_step()
    after = recon()
    assert after < 0.7 * before, (before, after)
    assert last["recon_x_a"] < np.mean(first)
    assert tr.step == 40 and len(tr.history) == 20


def test_resumed_run_continues_identically(tmp_path):
    straight = _trainer(tmp_path / "a", enc_adv_w=1.0)
    for _ in range(4):
        straight.train_step()

    first = _trainer(tmp_path / "b", enc_adv_w=1.0)
    for _ in range(3):
        first.train_step()
    path = first.save()
    del first
    resumed = _trainer(tmp_path / "b", enc_adv_w=1.0)
    resumed.load(path)
    assert resumed.step == 3
    resumed.train_step()
    for name in ("gen_a", "gen_b", "dis_a", "dis_b"):
        sa, sb = getattr(straight, name).state_dict(), getattr(resumed, name).state_dict()
        assert all(torch.equal(sa[k], sb[k]) for k in sa), name
    drop = lambda h: [{k: v for k, v in e.items() if k != "elapsed_s"} for e in h]  # noqa: E731
    assert drop(straight.history) == drop(resumed.history)


def test_corrupt_or_incompatible_checkpoint(tmp_path):
    tr = _trainer(tmp_path)
    tr.train_step()
    good = tr.save()
    data = good.read_bytes()
    (tmp_path / "trunc.pt").write_bytes(data[: len(data) // 2])
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint at all")
    torch.save({"a": torch.zeros(1)}, tmp_path / "other.pt")
    for name, match in (("trunc.pt", "corrupt"), ("junk.pt", "corrupt"), ("other.pt", "not a MUNIT checkpoint"),
                        ("missing.pt", "no MUNIT checkpoint")):
        with pytest.raises(CheckpointError, match=match):
            _trainer(tmp_path).load(tmp_path / name)
    with pytest.raises(CheckpointError, match="gen_dim"):
        _trainer(tmp_path, gen_dim=4).load(good)
    with pytest.raises(CheckpointError, match="enc_adv_w"):
        _trainer(tmp_path, enc_adv_w=1.0).load(good)
    # a different run length (max_iter) is no incompatibility
    other = _trainer(tmp_path, max_iter=7)
    other.load(good)
    assert other.step == 1


def test_initialise_from_another_run(tmp_path):
    """A staged run starts from another run's generators and step; new discriminators are warmed up alone."""
    base = _trainer(tmp_path / "base")
    for _ in range(3):
        base.train_step()
    path = base.save()
    # same discriminator shape: everything carries over, and one more step is the base run's next step
    same = _trainer(tmp_path / "same", init_from="base")
    assert same.initialise_from(path)["discriminators"] == "loaded"
    base.train_step()
    same.train_step()
    for name in ("gen_a", "gen_b", "dis_a", "dis_b"):
        sa, sb = getattr(base, name).state_dict(), getattr(same, name).state_dict()
        assert all(torch.equal(sa[k], sb[k]) for k in sa), name
    # a larger discriminator: generators and step carry over, the new discriminators learn during warm-up
    big = _trainer(tmp_path / "big", dis_dim=16, init_from="base", dis_warmup=3)
    fresh_dis = {k: v.clone() for k, v in big.dis_b.state_dict().items()}
    stage = big.initialise_from(path)
    assert stage["discriminators"] == "new" and stage["from_step"] == 3 and stage["dis_warmup"] == 3
    assert big.step == 3 and len(big.history) == 1
    ref = read_checkpoint(path)["gen_b"]
    assert all(torch.equal(v, ref[k]) for k, v in big.gen_b.state_dict().items())  # warm-up left G alone
    assert any(not torch.equal(v, fresh_dis[k]) for k, v in big.dis_b.state_dict().items())
    big.train_step()
    saved = big.save()
    again = _trainer(tmp_path / "big", dis_dim=16, init_from="base", dis_warmup=3)
    again.load(saved)
    assert again.step == 4 and again.stages == big.stages
    with pytest.raises(CheckpointError, match="gen_dim"):
        _trainer(tmp_path / "x", gen_dim=4, init_from="base").initialise_from(path)
    with pytest.raises(CheckpointError, match="train that config first"):
        _trainer(tmp_path / "x", init_from="nowhere").initialise_from(tmp_path / "nowhere" / "checkpoint.pt")
    with pytest.raises(CheckpointError, match="dis_warmup"):  # resuming with another stage recipe
        _trainer(tmp_path / "big", dis_dim=16, init_from="base", dis_warmup=5).load(saved)


def test_generator_moving_average(tmp_path):
    """ema_decay: known answer after one step, exact resumption, and the average is what gets exported."""
    tr = _trainer(tmp_path / "run", ema_decay=0.75)
    before = {k: v.clone() for k, v in tr.gen_a.state_dict().items()}
    tr.train_step()
    after, ema = tr.gen_a.state_dict(), tr.ema_a.state_dict()
    for k, v in ema.items():
        torch.testing.assert_close(v, 0.75 * before[k] + 0.25 * after[k])
    assert any(not torch.equal(ema[k], after[k]) for k in ema)
    tr.save()
    again = _trainer(tmp_path / "run", ema_decay=0.75)
    again.load()
    tr.train_step()
    again.train_step()
    assert all(torch.equal(v, again.ema_b.state_dict()[k]) for k, v in tr.ema_b.state_dict().items())
    tr.save()
    summary = export("tiny", directory=tmp_path / "run", dest=tmp_path / "w")
    assert summary["generators"] == "moving average"
    shipped = torch.load(tmp_path / "w" / summary["file"], weights_only=True)["gen_b"]
    for k, v in tr.ema_b.state_dict().items():
        torch.testing.assert_close(shipped[k].float(), v, atol=2e-3, rtol=2e-3)  # fp16
    with pytest.raises(ValueError, match="ema_decay"):
        _tiny(ema_decay=1.0)


def test_style_prior_loss_known_answers():
    """KL of the fitted Gaussian: closed form against torch.distributions, zero at N(0, I), and its gradient."""
    from hw2.munit.losses import style_prior_loss

    g = torch.Generator().manual_seed(0)
    bank, codes = torch.randn(30, 4, generator=g, dtype=torch.float64) * 0.3 + 0.5, torch.randn(2, 4, 1, 1,
                                                                                                   dtype=torch.float64)
    z = torch.cat([bank, codes.flatten(1)])
    fitted = torch.distributions.MultivariateNormal(z.mean(0), torch.cov(z.T) + 1e-4 * torch.eye(4, dtype=z.dtype))
    prior = torch.distributions.MultivariateNormal(torch.zeros(4, dtype=z.dtype), torch.eye(4, dtype=z.dtype))
    torch.testing.assert_close(style_prior_loss(codes, bank), torch.distributions.kl_divergence(fitted, prior))
    # codes whose sample mean is 0 and covariance I: zero loss (up to eps)
    q, _ = torch.linalg.qr(torch.randn(8, 8, generator=g, dtype=torch.float64))
    white = q[:, :3] * np.sqrt(7)
    white = white - white.mean(0)
    white = white @ torch.linalg.inv(torch.linalg.cholesky(torch.cov(white.T))).T
    assert float(style_prior_loss(white[-1:], white[:-1], eps=0.0)) == pytest.approx(0.0, abs=1e-9)
    # a bank squeezed to sd 0.1: the gradient pushes the new code away from the bank's mean (wider spread)
    tight = torch.randn(64, 3, generator=g, dtype=torch.float64) * 0.1
    code = torch.tensor([[0.2, -0.2, 0.1]], dtype=torch.float64, requires_grad=True)
    style_prior_loss(code, tight).backward()
    assert float((code.grad * (code.detach() - tight.mean(0))).sum()) < 0
    torch.autograd.gradcheck(lambda c: style_prior_loss(c, tight), (code,))
    with pytest.raises(ValueError, match="bank"):
        style_prior_loss(code, torch.zeros(5, 4, dtype=torch.float64))


def test_style_prior_trainer_banks(tmp_path):
    """style_prior_w: banks filled on the first step, rolled each step, and resumed exactly."""
    kw = dict(style_prior_w=1.0, style_prior_window=4)
    tr = _trainer(tmp_path / "run", **kw)
    losses = tr.train_step()
    assert tr.style_banks.shape == (2, 4, 8) and tr._bank_pos == 1 and losses["prior_a"] > 0
    with torch.no_grad():  # the newest entry is this step's Monet image, encoded after the update
        x_a, x_b, _ = tr.batch(0)
        torch.testing.assert_close(tr.style_banks[0, 0], tr.gen_a.enc_style(x_a).flatten())
    tr.save()
    again = _trainer(tmp_path / "run", **kw)
    again.load()
    assert torch.equal(again.style_banks, tr.style_banks) and again._bank_pos == 1
    for t in (tr, again):
        t.train_step()
    assert all(torch.equal(v, again.gen_b.state_dict()[k]) for k, v in tr.gen_b.state_dict().items())
    assert torch.equal(again.style_banks, tr.style_banks)
    with pytest.raises(ValueError, match="style_prior_window"):
        _tiny(style_prior_window=1)
    with pytest.raises(CheckpointError, match="style_prior_w"):
        _trainer(tmp_path / "run").load()


def test_style_code_statistics():
    """Encoded test-image codes: per-dimension moments, and the KL of their fitted Gaussian to the prior."""
    from hw2.munit.evaluate import style_code_statistics

    cfg = _tiny()
    torch.manual_seed(0)
    model = MUNIT(cfg, build_generator(cfg), build_generator(cfg))
    imgs = _images(5, n=6, size=32)
    st = style_code_statistics(model, imgs, domain="photo", size=32)
    codes = torch.cat([model.style_of(x, domain="b", size=32).reshape(1, -1) for x in imgs]).double()
    assert np.allclose(st["mean"], codes.mean(0)) and np.allclose(st["sd"], codes.std(0)) and len(st["sd"]) == 8
    fitted = torch.distributions.MultivariateNormal(codes.mean(0), torch.cov(codes.T) + 1e-4 * torch.eye(8).double())
    prior = torch.distributions.MultivariateNormal(torch.zeros(8).double(), torch.eye(8).double())
    assert st["kl"] == pytest.approx(float(torch.distributions.kl_divergence(fitted, prior)), rel=1e-6)
    assert st["kl"] > 0
    with pytest.raises(ValueError, match="two images"):
        style_code_statistics(model, imgs[:1], domain="photo")


def test_export_round_trip(tmp_path):
    tr = _trainer(tmp_path / "run")
    tr.train_step()
    tr.train_step()
    tr.save()
    summary = export("cpu", directory=tmp_path / "run", dest=tmp_path)
    assert summary["steps"] == 2 and (tmp_path / "munit_monet2photo.pth").is_file()
    rec = json.loads((tmp_path / "munit_monet2photo_history.json").read_text())
    assert rec["history"] == tr.history
    state = torch.load(tmp_path / "munit_monet2photo.pth", weights_only=True)
    assert all(v.dtype == torch.float16 for v in state["gen_a"].values())
    cfg = MUNITConfig.from_dict(state["config"])
    model = MUNIT(cfg, build_generator(cfg, init=False), build_generator(cfg, init=False))
    model.gen_a.load_state_dict({k: v.float() for k, v in state["gen_a"].items()})
    model.gen_b.load_state_dict({k: v.float() for k, v in state["gen_b"].items()})
    ref = MUNIT(cfg, tr.gen_a, tr.gen_b)
    x = torch.rand(1, 3, 32, 32)
    y1 = model.translate(x, direction="photo2monet", seed=3)
    y2 = ref.translate(x, direction="photo2monet", seed=3)
    assert (y1 - y2).abs().max() < 0.02


def test_export_refuses_a_checkpoint_past_iters(tmp_path, monkeypatch, capsys):
    """`--iters N --export` on a run already past N (make train-munit run twice) leaves the exported file alone."""
    import yaml

    from hw2 import config as hw2_config
    from hw2.munit.train import main
    from hw2.munit.trainer import run_dir

    monkeypatch.setattr(hw2_config, "WEIGHTS", tmp_path / "w")
    name = f"guard{tmp_path.name[-8:]}".replace("-", "_")
    cfg_file = tmp_path / f"{name}.yaml"
    cfg_file.write_text(yaml.safe_dump(TINY | {"name": name}))
    tr = Trainer(load_config(cfg_file), data_a=_images(1), data_b=_images(2), directory=run_dir(name), device="cpu")
    for _ in range(2):
        tr.train_step()
    tr.save()
    shipped = tmp_path / "w" / f"munit_monet2photo_{name}.pth"
    assert main(["--config", str(cfg_file), "--iters", "1", "--export-only"]) == 0
    assert not shipped.exists() and "past --iters 1" in capsys.readouterr().err
    assert main(["--config", str(cfg_file), "--iters", "2", "--export-only"]) == 0
    assert torch.load(shipped, weights_only=True)["config"]["name"] == name


# ----------------------------------------------------------------------------- translation
def test_translation_is_seeded_and_checks_its_input():
    torch.manual_seed(0)
    model = MUNIT(_tiny())
    x = torch.rand(1, 3, 40, 50)
    y = model.translate(x, direction="photo2monet", seed=1)
    assert y.shape == (1, 3, 32, 40) and y.min() >= 0 and y.max() <= 1
    assert torch.equal(y, model.translate(x, direction="photo2monet", seed=1))
    assert not torch.equal(y, model.translate(x, direction="photo2monet", seed=2))
    ref = model.translate(x, direction="monet2photo", reference=torch.rand(1, 3, 32, 32))
    assert ref.shape == y.shape
    with pytest.raises(ValueError, match="exactly one"):
        model.translate(x, direction="photo2monet")
    with pytest.raises(ValueError, match="direction"):
        model.translate(x, direction="photo2van_gogh", seed=0)
    with pytest.raises(ValueError, match="domain"):
        model.reconstruct(x, domain="cezanne")
    assert prepare(torch.rand(1, 3, 30, 61), 32).shape[-2:] == (32, 64)


def test_random_style_temperature():
    """Codes at temperature T are T times the prior's for the same seed; T applies to random styles only."""
    from hw2.munit.model import STYLE_TEMPERATURE

    torch.manual_seed(0)
    model = MUNIT(_tiny())
    prior = model.random_style(3, seed=5, temperature=1)
    assert torch.allclose(model.random_style(3, seed=5, temperature=0.25), 0.25 * prior, atol=0, rtol=1e-6)
    assert torch.allclose(model.random_style(3, seed=5), STYLE_TEMPERATURE * prior, atol=0, rtol=1e-6)
    assert not model.random_style(2, seed=1, temperature=0).any()
    x = torch.rand(1, 3, 32, 32)
    assert torch.equal(model.translate(x, direction="photo2monet", seed=5, temperature=1),
                       model.translate(x, direction="photo2monet", style=model.random_style(1, seed=5, temperature=1)))
    # T = 0: every seed gives the prior's mean code, hence the same image
    assert torch.equal(model.translate(x, direction="monet2photo", seed=1, temperature=0),
                       model.translate(x, direction="monet2photo", seed=2, temperature=0))
    for bad in (-0.5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="temperature"):
            model.random_style(1, seed=0, temperature=bad)
    with pytest.raises(ValueError, match="random styles only"):
        model.translate(x, direction="photo2monet", reference=x, temperature=1)


def test_choose_temperature_known_answer():
    """The largest T within tol of the best distance in *both* directions."""
    from hw2.munit.evaluate import choose_temperature

    curve = {"temperature": [1.0, 0.75, 0.5, 0.25],
             "fid_vgg_photo2monet": [476.0, 445.0, 425.0, 422.0],
             "fid_vgg_monet2photo": [699.0, 640.0, 624.0, 623.5]}
    assert choose_temperature(curve) == 0.5                   # 425 <= 1.02 * 422 and 624 <= 1.02 * 623.5
    assert choose_temperature(curve, tol=0.1) == 0.75         # 445 <= 1.1 * 422 and 640 <= 1.1 * 623.5
    assert choose_temperature(curve, tol=0) == 0.25
    # one direction alone does not decide: photo -> Monet is flat, Monet -> photo keeps improving
    flat = {**curve, "fid_vgg_photo2monet": [400.0] * 4, "fid_vgg_monet2photo": [699.0, 640.0, 630.0, 600.0]}
    assert choose_temperature(flat) == 0.25
    with pytest.raises(ValueError, match="tol"):
        choose_temperature(curve, tol=1)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_committed_generators_load(name):
    model = load_model(name, device="cpu")
    assert model.cfg.style_dim == 8
    x = torch.rand(1, 3, 64, 64)
    for direction in ("photo2monet", "monet2photo"):
        y = model.translate(x, direction=direction, seed=0)
        assert y.shape[:2] == (1, 3) and torch.isfinite(y).all()
    rec = model.reconstruct(x, domain="photo", size=64)
    assert rec.shape == x.shape


@requires_data
def test_evaluate_draws_and_autoencoder_figures():
    """n_draws: the mean and sd of the draws, draw 0 being the single draw; autoenc figures are cross-domain."""
    from hw2.munit.evaluate import evaluate

    model = load_model("munit_monet2photo", device="cpu")
    kw = dict(n_photos=4, n_monet=4, n_diversity=1, n_styles=2, reference=False)
    one, two = evaluate(model, **kw), evaluate(model, n_draws=2, **kw)
    assert one["n_draws"] == 1 and "fid_vgg_monet2photo_sd" not in one
    for key in ("fid_vgg_monet2photo", "fid_vgg_photo2monet"):
        mean, sd = two[key], two[key + "_sd"]
        # two draws a, b: mean (a + b) / 2 and sd |a - b| / sqrt 2, so one of mean +- sd / sqrt 2 is draw 0
        assert sd > 0
        assert min(abs(mean + sign * sd / np.sqrt(2) - one[key]) for sign in (-1, 1)) < 1e-6 * one[key]
    for key in ("fid_vgg_identity_monet2photo", "fid_vgg_recon_photo", "fid_vgg_autoenc_monet2photo"):
        assert two[key] == one[key]
    # the auto-encoded paintings are compared with photos, their own reconstructions with paintings
    assert one["fid_vgg_autoenc_monet2photo"] != one["fid_vgg_recon_monet"]
    with pytest.raises(ValueError, match="n_draws"):
        evaluate(model, n_draws=0, **kw)


@requires_data
def test_temperature_curve_matches_evaluate():
    """On the test split the curve's T = 1 entry is evaluate(temperature=1); T = 0 has no diversity."""
    from hw2.munit.evaluate import evaluate, temperature_curve

    model = load_model("munit_monet2photo", device="cpu")
    kw = dict(n_photos=4, n_monet=4, n_diversity=1, n_styles=2, n_draws=2)
    ev = evaluate(model, reference=False, temperature=1, **kw)
    curve = temperature_curve(model, (1.0, 0.0), split="test", seed=0, **kw)
    assert ev["style_temperature"] == 1.0 and curve["temperature"] == [1.0, 0.0]
    for key in ("fid_vgg_photo2monet", "fid_vgg_monet2photo", "diversity_photo2monet"):
        assert curve[key][0] == pytest.approx(ev[key], rel=1e-9)
    assert curve["fid_vgg_monet2photo_sd"][0] == pytest.approx(ev["fid_vgg_monet2photo_sd"], rel=1e-9)
    assert curve["fid_vgg_identity"] == pytest.approx(ev["fid_vgg_identity_photo2monet"], rel=1e-9)
    assert curve["diversity_photo2monet"][1] == 0 and curve["fid_vgg_photo2monet_sd"][1] == 0
    train = temperature_curve(model, (0.5,), split="train", n_photos=3, n_monet=3, n_draws=1, n_diversity=1,
                              n_styles=2)
    assert train["split"] == "train" and train["fid_vgg_identity"] != curve["fid_vgg_identity"]
    with pytest.raises(ValueError, match="split"):
        temperature_curve(model, split="val")


def test_recorded_training_curve_gives_the_package_temperature(tmp_path, monkeypatch):
    """Notebook 03 chooses T on the curve the benchmark recorded on training images (they never ship)."""
    import json

    from hw2 import config
    from hw2.munit.evaluate import choose_temperature, recorded_temperature_curve
    from hw2.munit.model import STYLE_TEMPERATURE

    curve = recorded_temperature_curve()
    assert curve is not None and curve["split"] == "train"
    assert choose_temperature(curve) == STYLE_TEMPERATURE
    monkeypatch.setattr(config, "BENCHMARKS", tmp_path)
    assert recorded_temperature_curve() is None
    (tmp_path / "results.json").write_text(json.dumps({"vgg": {}}))
    assert recorded_temperature_curve() is None
