"""Bad input, part 4 (issue #20): training CLIs check every argument first; exports never silently
replace a registered file."""
from __future__ import annotations

import json

import pytest
import torch

from hw2 import config, weights


@pytest.mark.parametrize("argv, match", [
    (["--levels", "relu1_1", "relu2_1", "--iters", "1", "2", "3"], "--iters needs 1 value or 2"),
    (["--iters", "0"], "--iters values must be > 0"),
    (["--crop", "30"], "multiples of 8"),
    (["--threads", "0"], "--threads"),
    (["--feat-every", "0"], "--feat-every"),
    (["--levels", "relu1_1", "relu1_1"], "repeats"),
    (["--register"], "--register only applies"),
    (["--export-only", "--ckpt-dir", "/nonexistent-hw2-ckpt"], "no checkpoint"),
])
def test_photowct_cli_checks_arguments_before_training(argv, match, capsys, monkeypatch):
    from hw2.fastphotostyle.photowct import train

    monkeypatch.setattr(train, "train_level", lambda *a, **k: pytest.fail("training started"))
    monkeypatch.setattr(train, "default_images", lambda *a, **k: pytest.fail("training started"))
    with pytest.raises(SystemExit) as exc:
        train.main(argv)
    assert exc.value.code == 2
    assert match in capsys.readouterr().err


@pytest.mark.parametrize("argv, match", [
    (["--iters", "0"], "--iters must be >= 1"),
    (["--minutes", "-1"], "--minutes"),
    (["--threads", "0"], "--threads"),
    (["--device", "gpu"], "--device"),
    (["--register"], "--register and --best only apply"),
    (["--config", "no_such_config"], "--config no_such_config"),
])
def test_munit_cli_checks_arguments_before_training(argv, match, capsys, monkeypatch):
    from hw2.munit import train

    monkeypatch.setattr(train, "Trainer", lambda *a, **k: pytest.fail("training started"))
    with pytest.raises(SystemExit) as exc:
        train.main(argv)
    assert exc.value.code == 2
    assert match in capsys.readouterr().err


@pytest.fixture
def registered(tmp_path, monkeypatch):
    """A registered file in a scratch package: its sha256 lives in the one table of hashes."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    data = b"committed weights"
    (pkg / "w.bin").write_bytes(data)
    digest = weights.sha256_of(pkg / "w.bin")
    (pkg / "sha256.json").write_text(json.dumps({"other": "0" * 64, "scratch": digest}))
    monkeypatch.setattr(config, "PACKAGE", pkg)
    monkeypatch.setattr(config, "ROOT", tmp_path)
    monkeypatch.setattr(config, "WEIGHTS", pkg)
    monkeypatch.setitem(weights.REGISTRY, "scratch", weights.WeightsEntry(
        name="scratch", source="repo", location="w.bin", sha256=digest, preprocessing="", description=""))
    return pkg, digest


def test_export_never_silently_overwrites_a_registered_file(registered):
    pkg, digest = registered
    # same bytes: written in place, nothing else changes
    res = weights.export_file("scratch", lambda fh: fh.write(b"committed weights"))
    assert res["status"] == "unchanged" and (pkg / "w.bin").read_bytes() == b"committed weights"
    # different bytes without --register: written beside, the registered file and entry untouched
    res = weights.export_file("scratch", lambda fh: fh.write(b"retrained"))
    assert res["status"] == "not registered" and "--register" in res["message"]
    assert (pkg / "w.bin").read_bytes() == b"committed weights" and (pkg / "w.new.bin").read_bytes() == b"retrained"
    assert res["sha256"] == weights.sha256_of(pkg / "w.new.bin") != digest
    assert weights.path("scratch") == pkg / "w.bin"  # still verifies
    # with --register: replaced, and the hash updated in the registry and in the table of hashes
    res = weights.export_file("scratch", lambda fh: fh.write(b"retrained"), register=True)
    assert res["status"] == "registered" and (pkg / "w.bin").read_bytes() == b"retrained"
    table = json.loads((pkg / "sha256.json").read_text())
    assert table == {"other": "0" * 64, "scratch": res["sha256"]} and weights.registered_sha256("scratch") == res["sha256"]
    assert weights.get("scratch").sha256 == res["sha256"]
    assert weights.path("scratch") == pkg / "w.bin"
    # a destination with no file yet: nothing to overwrite, written in place, registry untouched
    res = weights.export_file("scratch", lambda fh: fh.write(b"elsewhere"), dest=pkg / "sub" / "w.bin")
    assert res["status"] == "not registered" and (pkg / "sub" / "w.bin").read_bytes() == b"elsewhere"
    assert weights.get("scratch").sha256 != res["sha256"]


def test_photowct_export_keeps_committed_decoders(tmp_path, monkeypatch):
    """A checkpoint different from the committed relu1_1 decoder is exported beside it, not over it."""
    from hw2.fastphotostyle.photowct import models, train

    dec = models.Decoder(models.PHOTOWCT_SPECS["relu1_1"])
    torch.save({"model": dec.state_dict(), "history": [], "step": 1, "elapsed_s": 0.0, "config": {}},
               tmp_path / "relu1_1.ckpt")
    dest = tmp_path / "weights"
    dest.mkdir()
    committed = weights.path(models.weights_name("relu1_1"))
    (dest / committed.name).write_bytes(committed.read_bytes())
    summary = train.export(["relu1_1"], ckpt_dir=tmp_path, dest=dest)
    assert summary["relu1_1"]["status"] == "not registered"
    assert (dest / committed.name).read_bytes() == committed.read_bytes()
    assert weights.sha256_of(dest / "photowct_relu1_1.new.pth") == summary["relu1_1"]["sha256"]
