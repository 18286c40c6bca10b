"""MUNIT model selection and training aids: validation split, sharpness, DiffAugment, benchmark scoring."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import TINY_MUNIT
import torch
import torch.nn.functional as F
from PIL import Image

from hw2 import data, metrics


# --------------------------------------------------------------------------- validation split
def _names(n: int, stem: str = "img") -> list[Path]:
    return [Path(f"/x/{stem}_{i:05d}.jpg") for i in range(n)]


def test_validation_split_is_deterministic_disjoint_and_complete():
    paths = _names(2000)
    fit, val = data.validation_split(paths)
    assert (fit, val) == data.validation_split(list(reversed(paths)))      # listing order does not matter
    assert not set(fit) & set(val) and sorted(fit + val) == sorted(paths)
    assert [p.name for p in val] == sorted(p.name for p in val)
    assert 0.08 < len(val) / len(paths) < 0.12                              # about VALIDATION_FRACTION = 0.1
    other = data.validation_split(paths, seed=1)[1]
    assert set(other) != set(val)                                           # the seed matters


def test_validation_split_is_stable_under_added_files_and_by_name_only():
    paths = _names(500)
    val = set(data.validation_split(paths)[1])
    grown = data.validation_split(paths + _names(300, "extra"))[1]
    assert {p for p in grown if p.name.startswith("img_")} == val           # no file changes sides
    moved = {Path("/elsewhere") / p.name for p in val}
    assert set(data.validation_split([Path("/elsewhere") / p.name for p in paths])[1]) == moved
    assert data.validation_split(paths, fraction=0.0)[1] == [] and data.validation_split(paths, fraction=1.0)[0] == []
    with pytest.raises(ValueError, match="fraction"):
        data.in_validation("a.jpg", fraction=1.5)


def test_monet2photo_parts(tmp_path, monkeypatch):
    root = tmp_path / "monet2photo"
    for split in data.MONET2PHOTO_SPLITS:
        (root / split).mkdir(parents=True)
        for i in range(40):
            Image.new("RGB", (4, 4)).save(root / split / f"{i:03d}.png")
    monkeypatch.setenv("HW2_DATA", str(tmp_path))
    whole = data.monet2photo("trainA")
    fit, val = data.monet2photo("trainA", part="fit"), data.monet2photo("trainA", part="validation")
    assert (fit, val) == data.validation_split(whole) and val
    with pytest.raises(ValueError, match="test split"):
        data.monet2photo("testA", part="fit")
    with pytest.raises(ValueError, match="part"):
        data.monet2photo("trainA", part="val")


# --------------------------------------------------------------------------- sharpness
def test_laplacian_energy_known_answers():
    assert metrics.laplacian_energy(torch.full((1, 3, 9, 9), 0.4)) == 0.0
    ramp = torch.linspace(0, 1, 9).expand(1, 3, 9, 9).contiguous()
    assert metrics.laplacian_energy(ramp) == pytest.approx(0.0, abs=1e-12)   # linear: no curvature
    dot = torch.zeros(1, 3, 5, 5)
    dot[..., 2, 2] = 1.0
    # interior 3 x 3 pixels: centre -4, its 4 neighbours +1, corners 0 -> (16 + 4) / 9
    assert metrics.laplacian_energy(dot) == pytest.approx(20 / 9)
    assert metrics.laplacian_energy([dot, torch.zeros(1, 3, 5, 5)]) == pytest.approx(10 / 9)


def test_sharpness_ratio_properties():
    g = torch.Generator().manual_seed(0)
    sharp = torch.rand(2, 3, 32, 32, generator=g)
    blurred = F.avg_pool2d(F.pad(sharp, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    assert metrics.sharpness(sharp, sharp) == pytest.approx(1.0)
    assert metrics.sharpness(blurred, sharp) < 0.5
    assert metrics.sharpness(sharp, blurred) > 2
    assert metrics.sharpness(torch.full((1, 3, 32, 32), 0.5), sharp) == 0.0
    # intensities of both sets scaled by one factor: the same ratio; one set only: the square of the factor
    assert metrics.sharpness(0.5 * blurred, 0.5 * sharp) == pytest.approx(metrics.sharpness(blurred, sharp))
    assert metrics.sharpness(0.5 * sharp, sharp) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="shorter sides"):
        metrics.sharpness(sharp, torch.rand(1, 3, 64, 64))
    with pytest.raises(ValueError, match="flat"):
        metrics.sharpness(sharp, torch.zeros(1, 3, 32, 32))


# --------------------------------------------------------------------------- DiffAugment
from hw2.munit.augment import POLICIES, augmenter, diff_augment, parse_policy  # noqa: E402


pytestmark = pytest.mark.usefixtures("one_thread")


def _batch(n: int = 4, size: int = 16) -> torch.Tensor:
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(0)) * 2 - 1


def test_diff_augment_shapes_seeding_and_identity():
    x = _batch()
    assert torch.equal(diff_augment(x, ""), x) and augmenter("", torch.Generator()) is None
    assert parse_policy("cutout, color") == ("color", "cutout") and parse_policy(list(POLICIES)) == POLICIES
    with pytest.raises(ValueError, match="unknown DiffAugment"):
        parse_policy("color,rotation")
    with pytest.raises(ValueError, match="N, C, H, W"):
        diff_augment(x[0])
    for policy in (*POLICIES, POLICIES):
        a = diff_augment(x, policy, generator=torch.Generator().manual_seed(5))
        assert a.shape == x.shape and a.dtype == x.dtype and not torch.equal(a, x)
        assert torch.equal(a, diff_augment(x, policy, generator=torch.Generator().manual_seed(5)))
        assert not torch.equal(a, diff_augment(x, policy, generator=torch.Generator().manual_seed(6)))


def test_diff_augment_per_image_or_one_draw_for_the_batch():
    x = _batch(1).expand(6, -1, -1, -1).contiguous()                     # six copies of one image
    for policy in POLICIES:
        one = diff_augment(x, policy, generator=torch.Generator().manual_seed(1), same_for_batch=True)
        assert all(torch.equal(one[0], one[i]) for i in range(6)), policy
        each = diff_augment(x, policy, generator=torch.Generator().manual_seed(1))
        assert any(not torch.equal(each[0], each[i]) for i in range(6)), policy


def test_diff_augment_transforms_known_answers():
    x = _batch(8, 16)
    g = torch.Generator().manual_seed(2)
    t = diff_augment(x, "translation", generator=g)
    for i in range(8):  # a shift by whole pixels, at most 2 (1/8 of 16) either way, zeros coming in
        found = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                 if torch.equal(t[i], torch.roll(F.pad(x[i], (2, 2, 2, 2)), (-dy, -dx), (1, 2))[:, 2:18, 2:18])]
        assert found, i
    c = diff_augment(x, "cutout", generator=g)
    zeroed = (c == 0).all(1)                                              # a zeroed rectangle, at most 8 x 8
    kept = (~zeroed).unsqueeze(1).expand_as(c)
    assert torch.equal(c[kept], x[kept])                                  # the rest untouched
    for i in range(8):
        rows, cols = zeroed[i].any(1).sum(), zeroed[i].any(0).sum()
        assert 0 < rows <= 8 and 0 < cols <= 8 and zeroed[i].sum() == rows * cols
    flat = torch.zeros(2, 3, 8, 8)                                        # colour: a constant stays constant
    col = diff_augment(flat, "color", generator=g)
    assert torch.allclose(col, col[:, :1, :1, :1].expand_as(col)) and col.abs().max() <= 0.5


def test_diff_augment_lets_gradients_through():
    x = _batch(2).requires_grad_(True)
    diff_augment(x, POLICIES, generator=torch.Generator().manual_seed(0)).square().sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    x.grad = None
    y = diff_augment(x, "cutout", generator=torch.Generator().manual_seed(0))
    y.sum().backward()                                                    # d(sum)/dx: 1 where kept, 0 where cut out
    assert torch.equal(x.grad, (y != 0).to(x.dtype)) and (x.grad == 0).any()


# --------------------------------------------------------------------------- training with DiffAugment
from hw2.munit.config import MUNITConfig, load_config  # noqa: E402
from hw2.munit.losses import discriminator_losses, generator_losses  # noqa: E402
from hw2.munit.train import validate  # noqa: E402
from hw2.munit.trainer import Trainer  # noqa: E402

TINY = TINY_MUNIT


def _tiny_trainer(directory=None, **kw) -> Trainer:
    imgs = [torch.rand(1, 3, 40, 40, generator=torch.Generator().manual_seed(i)) for i in range(6)]
    return Trainer(MUNITConfig(**{**TINY, **kw}), data_a=imgs[:3], data_b=imgs[3:], directory=directory, device="cpu")


def test_losses_send_augmented_images_to_the_discriminators():
    tr = _tiny_trainer()
    x_a, x_b, s = tr.batch(0)
    nets = (tr.gen_a, tr.gen_b, tr.dis_a, tr.dis_b)
    seen = []

    def spy(x):
        seen.append(x.shape)
        return x

    plain = generator_losses(*nets, x_a, x_b, s["gen_a"], s["gen_b"], tr.cfg)
    same = generator_losses(*nets, x_a, x_b, s["gen_a"], s["gen_b"], tr.cfg, augment=spy)
    assert len(seen) == 2 and float(same["total"].detach()) == pytest.approx(float(plain["total"].detach()))
    seen.clear()
    discriminator_losses(*nets, x_a, x_b, s["dis_a"], s["dis_b"], tr.cfg, augment=spy)
    assert len(seen) == 4                                                 # fake and real, both discriminators
    aug = tr.augment(0) if tr.cfg.diffaug else augmenter(POLICIES, torch.Generator().manual_seed(0))
    g = generator_losses(*nets, x_a, x_b, s["gen_a"], s["gen_b"], tr.cfg, augment=aug)
    assert float(g["gan_a"].detach()) != pytest.approx(float(plain["gan_a"].detach()))
    assert float(g["recon_x_a"].detach()) == pytest.approx(float(plain["recon_x_a"].detach()))  # only D sees T
    g["gan_a"].backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in tr.gen_b.parameters())  # content of b


def test_diffaug_trainer_is_seeded_and_resumes_exactly(tmp_path):
    assert _tiny_trainer().augment(0) is None
    with pytest.raises(ValueError, match="DiffAugment"):
        MUNITConfig(diffaug="blur")
    straight = _tiny_trainer(tmp_path / "a", diffaug="color,translation,cutout")
    for _ in range(3):
        straight.train_step()
    first = _tiny_trainer(tmp_path / "b", diffaug="color,translation,cutout")
    for _ in range(2):
        first.train_step()
    first.validation = [{"step": 2, "selection": 1.0}]
    path = first.save()
    resumed = _tiny_trainer(tmp_path / "b", diffaug="color,translation,cutout")
    resumed.load(path)
    resumed.train_step()
    assert resumed.validation == [{"step": 2, "selection": 1.0}]
    for name in ("gen_a", "gen_b", "dis_a", "dis_b"):
        sa, sb = getattr(straight, name).state_dict(), getattr(resumed, name).state_dict()
        assert all(torch.equal(sa[k], sb[k]) for k in sa), name
    from hw2.munit.train import sample_grid

    grid = sample_grid(resumed, [torch.rand(1, 3, 32, 32)] * 2, [torch.rand(1, 3, 32, 32)] * 2, n_random=2)
    assert grid.shape == (1, 3, 4 * 32, 5 * 32) and 0 <= float(grid.min()) and float(grid.max()) <= 1
    state = torch.load(path, weights_only=True)                          # a plain dict of state dicts
    assert isinstance(state, dict) and state["config"]["diffaug"] == "color,translation,cutout"
    plain = _tiny_trainer(tmp_path / "c")
    with pytest.raises(Exception, match="diffaug"):
        plain.load(path)


def test_diffaug_configs():
    cpu, da = load_config("cpu"), load_config("cpu_diffaug")
    assert da.arch() == cpu.arch() and da.diffaug and da.val_holdout and da.val_every > 0 and not cpu.diffaug
    assert not cpu.val_holdout                                            # the committed models saw whole folders
    stage2 = load_config("cpu_diffaug_128")
    assert stage2.init_from == "cpu_diffaug" and stage2.crop_size == 128 and stage2.arch() == da.arch()
    enc = load_config("cpu_diffaug_encadv")
    assert enc.enc_adv_w > 0 and enc.replace(enc_adv_w=0, name=da.name) == da


# --------------------------------------------------------------------------- validation scoring
@pytest.fixture
def fake_data(tmp_path, monkeypatch):
    """A monet2photo copy of 60 small images per folder (about 6 held out per training folder)."""
    root = tmp_path / "monet2photo"
    g = np.random.default_rng(0)
    for split in data.MONET2PHOTO_SPLITS:
        (root / split).mkdir(parents=True)
        for i in range(60):
            Image.fromarray(g.integers(0, 255, (48, 48, 3), dtype=np.uint8)).save(root / split / f"{split}{i:03d}.png")
    monkeypatch.setenv("HW2_DATA", str(tmp_path))
    return root


def test_score_and_selection(fake_data):
    from hw2.munit.benchmark import TARGETS, image_paths, score, selection_score
    from hw2.munit.model import MUNIT as Model

    photos, monets = image_paths("validation", n_photos=4, n_monet=None)
    assert set(photos) <= set(data.monet2photo("trainB", part="validation")) and len(photos) == 4
    assert monets == data.monet2photo("trainA", part="validation")       # sorted: all of them
    model = Model(MUNITConfig(**TINY))
    kw = dict(split="validation", size=64, n_photos=4, n_monet=4, n_diversity=2, n_styles=2)
    one, two = score(model, n_draws=1, **kw), score(model, n_draws=2, **kw)
    assert one["fid_vgg_photo2monet_sd"] == 0 and two["fid_vgg_photo2monet_sd"] > 0
    assert one["fid_vgg_identity_photo2monet"] == pytest.approx(one["fid_vgg_identity_monet2photo"], rel=1e-6)
    for d in TARGETS:
        assert one[f"fid_ratio_{d}"] == pytest.approx(one[f"fid_vgg_{d}"] / one[f"fid_vgg_identity_{d}"])
        assert 0 <= one[f"sharpness_{d}"] < 1                                  # an untrained decoder is blurred
    assert one == {**score(model, n_draws=1, **kw), "seconds": one["seconds"]}   # seeded
    assert selection_score({"fid_ratio_monet2photo": 0.85, "fid_ratio_photo2monet": 0.275}) == pytest.approx(1.0)
    assert selection_score({"fid_ratio_monet2photo": 0.425, "fid_ratio_photo2monet": 1.1}) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="split"):
        score(model, split="train")


def test_validation_during_training_uses_held_out_images(fake_data, tmp_path):
    tr = Trainer(MUNITConfig(**{**TINY, "val_holdout": True, "val_size": 64}), directory=tmp_path, device="cpu")
    held = set(data.monet2photo("trainA", part="validation"))
    assert held and not held & set(tr.data_a) and len(tr.data_a) + len(held) == 60
    first = validate(tr)
    tr.train_step()
    second = validate(tr)
    assert first["best"] and second["best"] == (second["selection"] < first["selection"])
    assert [e["step"] for e in tr.validation] == [0, 1]


def test_temperature_choice_on_validation(fake_data, monkeypatch):
    """The largest T within 2 % of the best selection score, even when the directions' optima differ."""
    from hw2.munit import benchmark

    fids = {1.0: (90.0, 30.0), 0.75: (80.0, 40.0), 0.5: (82.0, 35.0), 0.25: (95.0, 50.0)}  # (monet2photo, photo2monet)

    def fake_score(model, *, split, temperature, **kw):
        m2p, p2m = fids[temperature]
        return {"fid_vgg_monet2photo": m2p, "fid_vgg_photo2monet": p2m, "fid_vgg_identity_photo2monet": 100.0,
                "split": split, "size": 64, "n_photos": 2, "n_monet": 2, "n_draws": 1, "seconds": 1.0}

    monkeypatch.setattr(benchmark, "score", fake_score)
    t, curve = benchmark.choose_temperature_on_validation(None, tuple(fids))
    # selection = max(m2p / 85, p2m / 55): 1.059, 0.941 (0.727 vs 0.941), 0.965, 1.118 -> 0.75; 0.5 is 2.5 % worse
    assert t == 0.75 and curve["selection"][1] == pytest.approx(max(80 / 85, 40 / 55))
    assert benchmark.choose_temperature_on_validation(None, tuple(fids), tol=0.03)[0] == 0.75
    fids[1.0] = (80.5, 30.0)                                              # now within 2 %: the larger T wins
    assert benchmark.choose_temperature_on_validation(None, tuple(fids))[0] == 1.0


def test_training_command_keeps_the_best_validated_checkpoint(fake_data, tmp_path, monkeypatch):
    """`--config X` with val_every: validation.json, best.pt beside checkpoint.pt; `--export-only --best` ships it."""
    import json

    import yaml

    from hw2 import config as hw2_config
    from hw2.munit.train import main
    from hw2.munit.trainer import read_checkpoint, run_dir

    import shutil

    monkeypatch.setenv("HW2_HOME", str(tmp_path / "home"))
    (tmp_path / "w").mkdir()
    shutil.copy(hw2_config.WEIGHTS / "sha256.json", tmp_path / "w")      # the registry reads it on import
    monkeypatch.setattr(hw2_config, "WEIGHTS", tmp_path / "w")
    cfg_file = tmp_path / "valrun.yaml"
    cfg_file.write_text(yaml.safe_dump(TINY | {"name": "valrun", "val_holdout": True, "val_every": 1, "val_size": 64,
                                               "diffaug": "color,translation,cutout", "sample_every": 100}))
    assert main(["--config", str(cfg_file), "--iters", "3", "--no-progress"]) == 0
    run = run_dir("valrun")
    scores = json.loads((run / "validation.json").read_text())
    assert [e["step"] for e in scores] == [1, 2, 3] and scores[0]["best"]
    best = max(e["step"] for e in scores if e["best"])
    assert read_checkpoint(run / "best.pt")["step"] == best and read_checkpoint(run / "checkpoint.pt")["step"] == 3
    assert read_checkpoint(run / "checkpoint.pt")["validation"] == scores
    assert main(["--config", str(cfg_file), "--export-only", "--best"]) == 0
    summary = json.loads((tmp_path / "w" / "munit_monet2photo_valrun_history.json").read_text())["summary"]
    assert summary["steps"] == best and summary["checkpoint"] == "best on the validation split"
    with pytest.raises(SystemExit):
        main(["--config", str(cfg_file), "--best"])                       # --best needs --export
