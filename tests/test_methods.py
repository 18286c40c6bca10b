"""hw2.result.Result and the method registry hw2.methods: one shape for every method."""
import subprocess
import sys

import numpy as np
import pytest
import torch

from hw2 import methods
from hw2.errors import MissingResourceError
from hw2.result import Result


def test_result_normalises_the_image_and_exposes_info():
    img = torch.rand(1, 3, 4, 5, dtype=torch.float64, requires_grad=True)
    r = Result(img, times={"total_s": 1.0}, info={"stylized": "x"})
    assert r.image.dtype == torch.float32 and not r.image.requires_grad and r.image.device.type == "cpu"
    torch.testing.assert_close(r.image, img.detach().float())
    assert r.stylized == "x" and r.info["stylized"] == "x"
    with pytest.raises(AttributeError, match="nope"):
        r.nope


@pytest.mark.parametrize("bad", [torch.rand(3, 4, 5), torch.rand(2, 3, 4, 5), torch.rand(1, 1, 4, 5),
                                 np.zeros((1, 3, 4, 5))])
def test_result_refuses_other_shapes(bad):
    with pytest.raises(ValueError, match=r"\(1, 3, H, W\)"):
        Result(bad)


def test_registry_loads_nothing_at_import():
    code = ("import sys, hw2.methods as m; m.names(); m.get('munit');"
            "print(any(k.startswith(('hw2.munit', 'hw2.neural_style', 'hw2.fastphotostyle.photowct', 'hw2.quilting', 'torch'))"
            " for k in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_registry_names_and_errors():
    assert set(methods.names()) >= {"fastphotostyle", "photowct", "neural_style", "neural_style_texture", "munit",
                                    "quilting_synthesize", "quilting_transfer"}
    assert all(methods.get(n).name == n for n in methods.names())
    with pytest.raises(ValueError, match="unknown method"):
        methods.get("cyclegan")


def test_availability_never_raises_and_has_one_shape(monkeypatch):
    for n in methods.names():
        ok, why = methods.get(n).available()
        assert isinstance(ok, bool) and isinstance(why, str) and (ok or why)
    broken = methods.Method("broken", "hw2.nowhere:run", "", check="hw2.nowhere:check")
    ok, why = broken.available()
    assert ok is False and "ModuleNotFoundError" in why


def test_availability_reports_missing_weights(tmp_path, monkeypatch):
    from hw2 import config, weights

    monkeypatch.setattr(config, "WEIGHTS", tmp_path)
    ok, why = methods.get("munit").available()
    assert not ok and "git checkout" in why
    with pytest.raises(MissingResourceError, match="git checkout"):
        weights.path("munit_monet2photo_vgg")


def test_ade20k_available_shape(tmp_path, monkeypatch):
    from hw2 import config
    from hw2.fastphotostyle.labels import ade20k

    monkeypatch.setattr(config, "ASSETS", tmp_path)
    ok, why = ade20k.available()
    assert ok is False and "git checkout" in why


def test_munit_entry_point_size_is_the_longest_side():
    x = torch.rand(1, 3, 40, 60, generator=torch.Generator().manual_seed(0))
    ref = torch.rand(1, 3, 50, 50, generator=torch.Generator().manual_seed(1))
    r = methods.get("munit")(x, ref, size=120, device="cpu")
    assert isinstance(r, Result) and r.image.shape == (1, 3, 80, 120)
    assert r.info["style"] == "reference" and r.times["total_s"] >= r.times["translate_s"] >= 0
    from hw2.munit.method import REPORT_MODEL, load
    same = load(REPORT_MODEL, device="cpu").translate(x, direction="photo2monet", reference=ref, size=80)
    assert torch.equal(r.image, same)               # the method is the model's translation, nothing more
    a = methods.get("munit")(x, seed=3, device="cpu").image
    assert torch.equal(a, methods.get("munit")(x, seed=3, device="cpu").image)
    assert not torch.equal(a, methods.get("munit")(x, seed=4, device="cpu").image)


def test_photowct_and_fastphotostyle_return_result():
    c = torch.rand(1, 3, 20, 28, generator=torch.Generator().manual_seed(2))
    p = methods.get("photowct")(c, c, levels=["relu1_1"], device="cpu")
    f = methods.get("fastphotostyle")(c, c, smoothing=None, levels=["relu1_1"], device="cpu")
    assert isinstance(p, Result) and isinstance(f, Result) and p.image.shape == f.image.shape == c.shape
    assert torch.equal(f.image, f.stylized) and p.times["total_s"] > 0
    small = methods.get("fastphotostyle")(c, c, smoothing=None, levels=["relu1_1"], device="cpu", size=14)
    assert small.image.shape == (1, 3, 10, 14)                     # size = the longest side
    with pytest.raises(TypeError, match="max_side"):               # the former name is gone
        methods.get("fastphotostyle")(c, c, smoothing=None, levels=["relu1_1"], device="cpu", max_side=14)


def test_every_registered_method_returns_a_result():
    img = torch.rand(1, 3, 24, 30, generator=torch.Generator().manual_seed(5))
    tex = torch.rand(1, 3, 20, 20, generator=torch.Generator().manual_seed(6))
    calls = {
        "fastphotostyle": lambda m: m(img, tex, smoothing="fast", levels=["relu1_1"], device="cpu"),
        "photowct": lambda m: m(img, tex, levels=["relu1_1"], device="cpu"),
        "neural_style": lambda m: m(img, tex, size=30, iterations=(2,), levels=1, progress=False, device="cpu"),
        "neural_style_texture": lambda m: m(tex, size=24, layers="conv1_1", iterations=(2,), progress=False,
                                            device="cpu"),
        "munit": lambda m: m(img, tex, size=32, device="cpu"),
        "quilting_synthesize": lambda m: m(tex, (16, 22), block=8),
        "quilting_transfer": lambda m: m(tex, img, block=8, passes=1),
    }
    assert set(calls) == set(methods.names())
    for name, call in calls.items():
        r = call(methods.get(name))
        assert isinstance(r, Result), name
        assert r.image.ndim == 4 and r.image.shape[:2] == (1, 3) and r.image.dtype == torch.float32, name
        assert 0 <= float(r.image.min()) and float(r.image.max()) <= 1, name
        assert r.times and all(v >= 0 for v in r.times.values()), name
    q = methods.get("quilting_synthesize")(tex, (16, 22), block=8)
    assert q.image.shape == (1, 3, 16, 22) and q.details.blocks == [8]
    ns = methods.get("neural_style")(img, tex, size=30, iterations=(2,), levels=1, progress=False, device="cpu")
    from hw2.neural_style import loss_curve
    assert len(loss_curve(ns)) == len(ns.history) == 2 and ns.loss == ns.history[-1]["loss"]


def test_munit_inference_imports_no_training_code():
    code = ("import sys, hw2.munit; from hw2.munit import model; model.load_model;"
            "print('hw2.munit.train' in sys.modules or 'hw2.munit.pretrained_train' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
