"""Bad input across the public API: each gets a clear error or a documented fallback, and nothing is lost.

One module for all of them: images (missing, corrupt, every mode, 1x1, 10000x10000), tensors of the
wrong shape, label maps (wrong size, a label in one image only, a 1-pixel region), missing weights and
data, corrupt checkpoints, a training run killed mid-way then resumed, bad method arguments, and a
report build whose notebook fails. Finer per-method cases stay beside each method's tests.
"""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from PIL import Image

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from hw2.errors import MissingResourceError
from hw2 import config, data, io, report, weights

BAD_INPUTS_TRIED = []


def _tried(name):
    BAD_INPUTS_TRIED.append(name)


def test_missing_image(tmp_path):
    _tried("missing file")
    with pytest.raises(FileNotFoundError, match="missing.jpg"):
        io.load_image(tmp_path / "missing.jpg")


@pytest.mark.parametrize("content", [b"", b"GIF89a broken", b"\x89PNG\r\n\x1a\n" + b"\0" * 20])
def test_corrupt_image(tmp_path, content):
    _tried("corrupt image")
    f = tmp_path / "broken.png"
    f.write_bytes(content)
    with pytest.raises(io.ImageFileError, match="broken.png"):
        io.load_image(f)


def test_truncated_jpeg(tmp_path):
    _tried("truncated jpeg")
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(tmp_path / "t.jpg")
    raw = (tmp_path / "t.jpg").read_bytes()
    (tmp_path / "t.jpg").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(io.ImageFileError, match="t.jpg"):
        io.load_image(tmp_path / "t.jpg")


@pytest.mark.parametrize("mode", ["L", "LA", "RGBA", "P", "I;16", "CMYK", "1", "F"])
def test_every_mode_loads_as_rgb(tmp_path, mode):
    _tried(f"mode {mode}")
    base = Image.fromarray(np.random.default_rng(1).integers(0, 255, (9, 7, 3), dtype=np.uint8))
    if mode == "I;16":
        im = Image.fromarray((np.arange(63, dtype=np.uint16).reshape(9, 7) * 1000))
    elif mode == "F":
        im = Image.fromarray(np.linspace(0, 1, 63, dtype=np.float32).reshape(9, 7))
    else:
        im = base.convert(mode)
    suffix = {"CMYK": ".jpg", "F": ".tif"}.get(mode, ".png")
    im.save(tmp_path / f"m{suffix}")
    t = io.load_image(tmp_path / f"m{suffix}")
    assert tuple(t.shape) == (1, 3, 9, 7) and t.dtype == torch.float32
    assert 0.0 <= float(t.min()) and float(t.max()) <= 1.0


def test_one_by_one_image_through_vgg(tmp_path):
    _tried("1x1 image")
    Image.new("RGB", (1, 1), (9, 9, 9)).save(tmp_path / "one.png")
    t = io.load_image(tmp_path / "one.png")
    from hw2.vgg import vgg19

    feats = vgg19("relu3_1", device="cpu").encode(t, ["relu1_1", "relu3_1"])
    assert feats["relu3_1"].shape[-2:] == (1, 1)


def test_huge_image_is_capped_without_memory_blowup(tmp_path):
    _tried("10000x10000 image")
    f = tmp_path / "huge.jpg"
    Image.new("RGB", (10000, 10000), (120, 30, 200)).save(f, quality=70)
    # the child's own peak (VmHWM): ru_maxrss would carry over the pytest process's peak through exec
    code = ("import hw2.io as io; from hw2.timing import peak_rss_mb; t = io.load_image(r'%s'); "
            "print(tuple(t.shape), int(peak_rss_mb()))" % f)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(")")
    shape = tuple(int(v) for v in out[0].strip("( ").split(","))
    peak_mb = int(out[1])
    assert shape == (1, 3, io.DEFAULT_MAX_SIDE, io.DEFAULT_MAX_SIDE)
    assert peak_mb < 1500, f"peak RSS {peak_mb} MB while loading a capped 10000x10000 JPEG"


def test_missing_weights_and_checksum(tmp_path, monkeypatch):
    _tried("missing weights")
    monkeypatch.setenv("HW2_HOME", str(tmp_path))
    weights.register(weights.WeightsEntry("bad_input_w", "cache", "w.pth", "0" * 64, "none", fix="Train it."))
    try:
        with pytest.raises(weights.WeightsError, match="Train it"):
            weights.load_state_dict("bad_input_w")
    finally:
        weights.REGISTRY.pop("bad_input_w")


def test_missing_dataset(tmp_path, monkeypatch):
    _tried("missing dataset")
    monkeypatch.setenv("HW2_DATA", str(tmp_path))
    monkeypatch.setenv("HW2_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HW2_OFFLINE", "1")
    with pytest.raises(MissingResourceError, match="HW2_DATA"):
        data.monet2photo("trainA")


def test_wrong_tensor_shapes():
    _tried("wrong tensor shape")
    with pytest.raises(ValueError):
        io.to_numpy(torch.rand(2, 3, 4, 4))
    with pytest.raises(ValueError):
        io.resize_longest(torch.rand(1, 4, 8, 8), 4)
    from hw2.vgg import vgg19

    with pytest.raises(ValueError):
        vgg19("relu1_1", device="cpu")(torch.rand(1, 1, 8, 8))


# --------------------------------------------------------------------------- label maps
def _pair():
    g = torch.Generator().manual_seed(0)
    return torch.rand(1, 3, 37, 51, generator=g), torch.rand(1, 3, 40, 30, generator=g)


def test_label_maps_wrong_size_one_sided_and_one_pixel():
    """With the committed PhotoWCT decoders (no data needed)."""
    from hw2 import fastphotostyle as fps
    from hw2.fastphotostyle.labels import LabelMapWarning

    _tried("label map of the wrong size")
    c, s = _pair()
    lv = ["relu2_1", "relu1_1"]
    with pytest.warns(LabelMapWarning, match="content_labels"):
        res = fps.stylize(c, s, content_labels=np.zeros((20, 20), int), style_labels=np.zeros((40, 30), int),
                          smoothing=None, device="cpu", levels=lv)
    assert res.image.shape == (1, 3, 37, 51)
    _tried("labels present in one image only")
    one_sided = fps.stylize(c, s, content_labels=np.ones((37, 51), int), style_labels=np.full((40, 30), 2),
                            smoothing=None, device="cpu", levels=lv)
    untouched = fps.stylize(c, s, smoothing=None, alpha=0.0, device="cpu", levels=lv)
    torch.testing.assert_close(one_sided.image, untouched.image)
    _tried("1-pixel label region")
    cl, sl = np.zeros((37, 51), int), np.zeros((40, 30), int)
    cl[5, 7] = sl[0, 0] = 3
    res = fps.stylize(c, s, content_labels=cl, style_labels=sl, smoothing="exact", device="cpu", levels=lv)
    assert torch.isfinite(res.image).all()
    with pytest.raises(ValueError, match="both"):
        fps.stylize(c, s, content_labels=cl)


# --------------------------------------------------------------------------- bad method arguments
def test_bad_method_arguments_name_the_problem():
    import hw2.neural_style as ns
    from hw2 import quilting
    from hw2.fastphotostyle import smoothing

    _tried("bad method arguments")
    c, s = _pair()
    with pytest.raises(ValueError, match="content"):
        smoothing.smooth_exact(np.zeros((8, 8, 3)), np.zeros((8, 9, 3)))
    with pytest.raises(ValueError, match="NaN"):
        smoothing.guided_filter(np.full((8, 8, 3), np.nan), np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match="style_weight"):
        ns.stylize(c, s, style_weight=float("nan"), size=48, iterations=(1,), levels=1, progress=False)
    with pytest.raises(ValueError, match="layer"):
        ns.stylize(c, s, content_layers=("relu9_9",), size=48, iterations=(1,), levels=1, progress=False)
    with pytest.raises(ValueError):
        quilting.synthesize(np.zeros((8, 8, 3)), 32, block=16)


# --------------------------------------------------------------------------- checkpoints and training
def test_corrupt_checkpoints_give_clear_errors(tmp_path):
    from hw2.munit.trainer import CheckpointError, read_checkpoint
    from hw2.fastphotostyle.photowct.train import train_level

    _tried("corrupt PhotoWCT training checkpoint")
    ckpt = tmp_path / "relu1_1.ckpt"
    ckpt.write_bytes(b"PK\x03\x04 half a zip file")
    img = torch.rand(1, 3, 24, 24)
    with pytest.raises(ValueError, match=r"corrupt.*fresh"):
        train_level("relu1_1", images=[img], iters=1, crop=16, batch=1, ckpt=ckpt, init=False, progress=False)
    assert ckpt.read_bytes().startswith(b"PK")          # the user's file is not touched
    _tried("corrupt MUNIT checkpoint")
    bad = tmp_path / "munit.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot read"):
        read_checkpoint(bad)


_KILL_SCRIPT = """
import sys, torch
from hw2.fastphotostyle.photowct.train import train_level
torch.manual_seed(0)
imgs = [torch.rand(1, 3, 24, 24, generator=torch.Generator().manual_seed(i)) for i in range(2)]
train_level("relu1_1", images=imgs, iters=100000, crop=16, batch=2, lr=1e-3, seed=1, init=False,
            ckpt=sys.argv[1], ckpt_every_s=0.0, progress=False)
"""


def test_training_killed_mid_way_then_resumed(tmp_path):
    """SIGKILL a training process between (or during) checkpoint writes: the checkpoint on disk is
    always complete, and a rerun resumes from it."""
    from hw2.fastphotostyle.photowct.train import train_level

    _tried("training killed mid-way, then resumed")
    ckpt = tmp_path / "relu1_1.ckpt"
    env = {**__import__("os").environ, "PYTHONPATH": str(config.ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, str(ckpt)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        step = 0
        while time.time() < deadline and step < 5:
            time.sleep(0.2)
            if proc.poll() is not None:
                pytest.fail(f"training process died: {proc.stderr.read().decode()[-2000:]}")
            if ckpt.is_file():
                step = torch.load(ckpt, weights_only=True)["step"]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert step >= 5, "no checkpoint within 2 minutes"
    saved = torch.load(ckpt, weights_only=True)                  # complete, loadable
    imgs = [torch.rand(1, 3, 24, 24, generator=torch.Generator().manual_seed(i)) for i in range(2)]
    res = train_level("relu1_1", images=imgs, iters=saved["step"] + 2, crop=16, batch=2, lr=1e-3, seed=1,
                      init=False, ckpt=ckpt, progress=False)
    assert res["step"] == saved["step"] + 2
    assert [h[0] for h in res["history"]] == list(range(1, saved["step"] + 3))
    assert not list(tmp_path.glob(".*.tmp")), "stale temporary files left after resuming"


# --------------------------------------------------------------------------- report
def _write(path, cells):
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    nbformat.write(nb, path)


def test_failing_notebook_keeps_previous_report(tmp_path, monkeypatch):
    _tried("report build whose notebook fails")
    books = tmp_path / "notebooks"
    books.mkdir()
    params = new_code_cell('PROFILE = "full"')
    params.metadata["tags"] = ["parameters"]
    _write(books / "01_ok.ipynb", [new_markdown_cell("# 01 · OK"), params, new_code_cell("print(PROFILE)")])
    _write(books / "02_bad.ipynb", [new_markdown_cell("# 02 · Bad"), params,
                                    new_code_cell("raise ZeroDivisionError('boom in cell')")])
    out = tmp_path / "report"
    out.mkdir()
    (out / "index.html").write_text("previous report")
    monkeypatch.setattr(config, "NOTEBOOKS", books)
    monkeypatch.setattr(config, "ROOT", tmp_path)
    monkeypatch.setattr(config, "REPORT", out)
    monkeypatch.setattr(config, "FIGURES", tmp_path / "figures")
    with pytest.raises(report.NotebookFailed, match=r"02_bad.ipynb.*ZeroDivisionError.*boom in cell"):
        report.build(profile="quick", out=out, pdf=False, log=lambda *a: None)
    assert (out / "index.html").read_text() == "previous report"
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    assert (tmp_path / "build" / "failed" / "02_bad.ipynb").exists()

    # once the notebook is fixed, the new report replaces the old one
    _write(books / "02_bad.ipynb", [new_markdown_cell("# 02 · Fixed"), params, new_code_cell("1 + 1")])
    summary = report.build(profile="quick", out=out, pdf=False, log=lambda *a: None)
    assert set(summary["notebooks"]) == {"01_ok", "02_bad"}
    html = (out / "index.html").read_text()
    assert "previous report" not in html and "02 · Fixed" in html
    assert (out / "01_ok.ipynb").exists() and (out / "01_ok.html").exists()
    executed = nbformat.read(out / "01_ok.ipynb", as_version=4)
    assert any("quick" in o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
