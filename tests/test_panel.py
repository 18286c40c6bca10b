"""The "Try it" panel helper (hw2.panel) in plain Python: the button is clicked from Python, no browser.

The browser test (tests/test_lab_browser.py) checks the same panels drawn by JupyterLab.
"""
from __future__ import annotations

import base64
import io
import time

import pytest

pytest.importorskip("ipywidgets")

from hw2 import panels  # noqa: E402
from hw2.panel import Panel, error_line, format_value, text_output  # noqa: E402


def _slider(value=3):
    import ipywidgets as W

    return W.IntSlider(value=value, min=0, max=10)


def _figure(n):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot(range(n))
    return fig


def _png_size(output):
    from PIL import Image

    raw = base64.b64decode(output["data"]["image/png"])
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    return Image.open(io.BytesIO(raw)).size


def _texts(p):
    return [o["data"]["text/plain"] for o in p.output.outputs if "image/png" not in o["data"]]


def test_an_error_in_the_callback_is_one_red_line():
    def run(a):
        raise ValueError(f"block {a} is larger than the source\nsecond line of detail")

    p = Panel(run, {"a": _slider(4)})
    assert p.run() is False
    assert len(p.output.outputs) == 1
    out = p.output.outputs[0]
    assert out["data"]["text/plain"] == "ValueError: block 4 is larger than the source"
    assert 'class="hw2-panel-error"' in out["data"]["text/html"]
    assert "Traceback" not in str(p.output.outputs)
    assert p.status.value.startswith("failed") and p.progress.bar_style == "danger"
    assert p.button.disabled is False          # the panel can be run again


def test_a_figure_appears_with_the_settings_used():
    calls = []

    def run(n, label):
        calls.append((n, label))
        return [_figure(n), f"{n} points"]

    p = Panel(run, {"n": _slider(5), "label": _slider(2)})
    p.controls["n"].value = 7                   # "move a control", then press Run
    p.button.click()                            # what the front end's click triggers
    assert calls == [(7, 2)] and p.runs == 1
    kinds = [("png" if "image/png" in o["data"] else o["data"]["text/plain"]) for o in p.output.outputs]
    assert kinds[0] == "png" and kinds[1] == "7 points"
    w, h = _png_size(p.output.outputs[0])
    assert 50 <= w <= 120 and 40 <= h <= 90     # 2 x 1.5 in at 50 dpi, tight box
    assert kinds[-1].startswith("settings: n = 7, label = 2 · ")
    assert p.status.value.startswith("done in") and p.progress.value == 1.0
    # a second run replaces the output, it does not pile up
    p.run()
    assert len(p.output.outputs) == 3 and calls[-1] == (7, 2)


def test_warnings_become_notes_and_keyboard_interrupt_is_reported():
    import warnings

    def warns(a):
        warnings.warn("input downscaled to 512 px")
        warnings.warn("input downscaled to 512 px")
        return _figure(3)

    p = Panel(warns, {"a": _slider()})
    assert p.run()
    assert _texts(p)[0] == "note: UserWarning: input downscaled to 512 px" and len(_texts(p)) == 2

    def interrupted(a):
        raise KeyboardInterrupt

    p = Panel(interrupted, {"a": _slider()})
    assert p.run() is False
    assert _texts(p) == ["interrupted (kernel interrupt): nothing to show; press Run again"]


def test_progress_reports_the_time_budget():
    seen = []

    def run(a, progress):
        seen.append(progress(0.5, "half"))
        time.sleep(0.05)
        seen.append(progress(1.0))
        return None

    p = Panel(run, {"a": _slider()}, max_seconds=0.01)
    assert p.run()
    assert seen == [False, True]
    assert p.output.outputs[-1]["data"]["text/plain"].startswith("settings: a = 3")


def test_bad_panels_are_refused():
    with pytest.raises(ValueError, match="takes no keyword 'b'"):
        Panel(lambda a: None, {"a": _slider(), "b": _slider()})
    with pytest.raises(ValueError, match="not a widget with a value"):
        Panel(lambda a: None, {"a": object()})
    with pytest.raises(ValueError, match="max_seconds must be positive"):
        Panel(lambda a: None, {"a": _slider()}, max_seconds=0)
    p = Panel(lambda a: 42, {"a": _slider()})
    assert not p.run() and _texts(p) == ["TypeError: a panel's run must return matplotlib figures or strings, got int"]


def test_error_line_and_formats():
    assert error_line(RuntimeError()) == "RuntimeError"
    long = error_line(ValueError("x" * 500), width=40)
    assert len(long) == 40 and long.endswith("…")
    with pytest.raises(ValueError, match="width"):
        error_line(ValueError("x"), width=5)
    assert format_value(0.1 + 0.2) == "0.3" and format_value(1e-4) == "0.0001" and format_value("exact") == "exact"
    assert text_output("a <b>\n c", kind="error")["data"]["text/html"].endswith(">a &lt;b&gt; c</div>")
    with pytest.raises(ValueError, match="kind"):
        text_output("x", kind="loud")


def test_the_widget_shows_as_a_widget_view():
    p = Panel(lambda a: None, {"a": _slider()}, title="t")
    bundle = p._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == p.box.model_id
    assert "hw2-panel" in p.box._dom_classes and "hw2-control-a" in p.controls["a"]._dom_classes


def test_quilting_panel_runs_the_method_and_reports_a_bad_block(one_thread):
    import torch

    g = torch.Generator().manual_seed(0)
    sources = {"noise": torch.rand(1, 3, 40, 40, generator=g)}
    targets = {"ramp": torch.linspace(0, 1, 32).repeat(1, 3, 32, 1)}
    p = panels.quilting(sources, targets, block=10, passes=1, seed=0)
    assert p.run(), _texts(p)
    assert _png_size(p.output.outputs[0])[0] > 100
    p.controls["block"].value = 64             # larger than the 40 px source: one clear line, no traceback
    assert p.run() is False
    (line,) = _texts(p)
    assert line.startswith("ValueError:") and "\n" not in line


def test_the_notebook_panels_are_capped():
    import ipywidgets as W  # noqa: F401  (the panels build widgets)

    p = panels.neural_style(None, None, size=512, iterations=300)
    assert p.controls["size"].value == panels.NS_MAX_SIZE and p.controls["size"].max == panels.NS_MAX_SIZE
    assert p.controls["iterations"].value == panels.NS_MAX_ITERATIONS
    q = panels.quilting({"a": None, "b": None}, {"t": None}, block=4, passes=2)
    assert q.controls["block"].value == panels.QUILT_MIN_BLOCK == q.controls["block"].min
    assert q.controls["source"].value == "b"   # the second source is the default, as in the notebook


def test_the_conclusions_panel_builds_from_the_profile():
    """Every name the panel reads exists (it once read a removed ``conclusions.settings``)."""
    from hw2 import data, panels

    pairs = list(zip(data.study("photo", 1), data.study("monet", 1)))
    assert panels.conclusions(pairs, profile="quick") is not None
