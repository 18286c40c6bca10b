"""The one helper behind every notebook's "Try it" panel: controls, a Run button, progress, one result.

A :class:`Panel` lays out named controls (``ipywidgets`` sliders, drop-downs, ...), a **Run** button, a
progress bar with a status line, and an output area. Nothing runs until Run is pressed; then the panel

1. disables the button, sets the bar running and the status to "running…";
2. calls ``run(**values)`` with the controls' values (plus ``progress=`` when ``run`` takes it);
3. shows what ``run`` returned (matplotlib figures as PNG, strings as a line of text) followed by one line
   naming the settings used and the time, or, when ``run`` raised, **one** line ``ErrorType: message`` in
   red (never a traceback), or "interrupted" after the kernel's interrupt (■).

Long work is kept interactive in two ways: each notebook's controls are capped to sizes that run in
seconds to tens of seconds on a CPU (:mod:`hw2.panels`), and a ``run`` that takes ``progress`` is told
when it passes ``max_seconds``, so that it can stop and return what it has (Neural Style does).

The output area is filled by setting the :class:`ipywidgets.Output` widget's ``outputs`` (nbformat
``display_data`` messages), not by capturing prints, so the panel behaves the same in a kernel and in plain
Python (its tests click the button from Python). The widgets carry CSS classes for the browser test
(``tests/test_lab_browser.py``): ``hw2-panel`` (the whole panel), ``hw2-panel-run``, ``hw2-panel-status``,
``hw2-panel-output``, ``hw2-panel-error``, ``hw2-panel-settings`` and ``hw2-control-<name>`` per control.
"""
from __future__ import annotations

import base64
import html
import inspect
import io
import time
import warnings
from typing import Callable, Mapping

__all__ = ["Panel", "error_line", "figure_output", "text_output", "format_value", "MAX_SECONDS"]

#: the default time budget of one run, in seconds (a ``run`` taking ``progress`` learns when it is over)
MAX_SECONDS = 60.0
#: status-bar updates from ``progress`` are sent at most this often (seconds), so a fast loop does not
#: flood the front end with widget messages
_MIN_UPDATE_S = 0.2


def error_line(exc: BaseException, *, width: int = 200) -> str:
    """One line naming ``exc``: ``"ValueError: block must be ..."`` (its first non-empty line, cut to ``width``).

    Parameters
    ----------
    exc : BaseException
        The exception a run raised.
    width : int, keyword-only
        Longest line returned (characters, >= 20); longer messages end with "…".
    """
    if width < 20:
        raise ValueError(f"width must be at least 20 characters, got {width}")
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return text if len(text) <= width else text[: width - 1] + "…"


def format_value(value) -> str:
    """A control's value as the settings line shows it: floats with 4 significant digits, others as ``str``."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def figure_output(fig) -> dict:
    """An nbformat ``display_data`` output holding ``fig`` (a matplotlib figure) as a PNG; closes ``fig``.

    The PNG is drawn at the figure's own dpi with a tight bounding box, as the notebooks' inline figures.
    """
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=fig.dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                     "text/plain": "<Figure>"}}


def text_output(text: str, *, kind: str = "note") -> dict:
    """An nbformat ``display_data`` output with one line of ``text``.

    ``kind`` is ``"note"`` (plain), ``"settings"`` (grey) or ``"error"`` (red, class ``hw2-panel-error``).
    """
    styles = {"note": "", "settings": "color:#666", "error": "color:#c62828;font-weight:bold"}
    if kind not in styles:
        raise ValueError(f"kind must be one of {sorted(styles)}, got {kind!r}")
    line = " ".join(str(text).split())
    return {"output_type": "display_data", "metadata": {},
            "data": {"text/plain": line,
                     "text/html": f'<div class="hw2-panel-{kind}" style="{styles[kind]}">{html.escape(line)}</div>'}}


def _outputs_of(result) -> list[dict]:
    """Outputs for what a run returned: a figure, a string, ``None``, or a list/tuple of these."""
    items = result if isinstance(result, (list, tuple)) else [result]
    outputs = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, str):
            outputs.append(text_output(item))
        elif hasattr(item, "savefig"):
            outputs.append(figure_output(item))
        else:
            raise TypeError(f"a panel's run must return matplotlib figures or strings, got {type(item).__name__}")
    return outputs


class Panel:
    """Controls, a Run button, a progress bar and an output area around one function (see the module).

    Parameters
    ----------
    run : callable
        ``run(**values)`` with one keyword per control (and ``progress`` when its signature names it). It
        returns a matplotlib figure, a string, or a list of them. ``progress(fraction, text="")`` moves the
        bar to ``fraction`` in [0, 1] and returns True once the run is past ``max_seconds``: the run should
        then stop and return what it has.
    controls : mapping of str to ipywidgets.ValueWidget
        The keyword of ``run`` each widget sets, in display order.
    title : str, keyword-only
        A line of bold text above the controls (optional).
    run_label : str, keyword-only
        The button's label.
    max_seconds : float, keyword-only
        The budget ``progress`` reports against.

    Raises
    ------
    ValueError
        ``run`` does not take one of the controls' names as a keyword, a control has no ``value``, or
        ``max_seconds`` is not positive.
    """

    def __init__(self, run: Callable, controls: Mapping, *, title: str = "", run_label: str = "Run",
                 max_seconds: float = MAX_SECONDS):
        import ipywidgets as widgets  # lazy on purpose: only a notebook that builds a panel needs ipywidgets

        if not max_seconds > 0:
            raise ValueError(f"max_seconds must be positive, got {max_seconds}")
        params = inspect.signature(run).parameters
        var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
        for name, w in controls.items():
            if not hasattr(w, "value"):
                raise ValueError(f"control {name!r} is a {type(w).__name__}, not a widget with a value")
            if name not in params and not var_kw:
                raise ValueError(f"run takes no keyword {name!r}; its parameters are {list(params)}")
        self._run = run
        self._wants_progress = "progress" in params
        self.max_seconds = float(max_seconds)
        self.controls = dict(controls)
        self.button = widgets.Button(description=run_label, button_style="primary", icon="play",
                                     tooltip="compute with these settings")
        self.progress = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, layout=widgets.Layout(width="180px"))
        self.status = widgets.Label(value="press Run: nothing is computed before")
        self.output = widgets.Output()
        parts = [widgets.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        for name, w in self.controls.items():
            w.add_class(f"hw2-control-{name}")
            if hasattr(w, "description") and not w.description:
                w.description = name
            if hasattr(getattr(w, "style", None), "description_width"):
                w.style.description_width = "initial"   # long descriptions are not cut
        self.box = widgets.VBox(parts + list(self.controls.values())
                                + [widgets.HBox([self.button, self.progress, self.status]), self.output])
        for w, cls in ((self.box, "hw2-panel"), (self.button, "hw2-panel-run"), (self.status, "hw2-panel-status"),
                       (self.output, "hw2-panel-output")):
            w.add_class(cls)
        self.button.on_click(lambda _button: self.run())
        self.runs = 0

    def values(self) -> dict:
        """The controls' current values, by keyword."""
        return {name: w.value for name, w in self.controls.items()}

    def _progress(self, t0: float):
        last = [0.0]

        def progress(fraction: float, text: str = "") -> bool:
            now = time.perf_counter()
            if now - last[0] >= _MIN_UPDATE_S:
                last[0] = now
                self.progress.value = min(1.0, max(0.0, float(fraction)))
                self.status.value = f"running… {now - t0:.0f} s" + (f" · {text}" if text else "")
            return now - t0 > self.max_seconds
        return progress

    def run(self) -> bool:
        """What a click on Run does; returns True when the run finished and its result is shown."""
        values = self.values()
        self.button.disabled = True
        self.progress.bar_style, self.progress.value = "info", 0.0
        self.status.value = "running…"
        self.output.outputs = ()
        t0 = time.perf_counter()
        kwargs = dict(values, progress=self._progress(t0)) if self._wants_progress else dict(values)
        ok = False
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                outputs = _outputs_of(self._run(**kwargs))
            seconds = time.perf_counter() - t0
            notes = list(dict.fromkeys(f"note: {error_line(w.message)}" for w in caught))
            settings = ", ".join(f"{k} = {format_value(v)}" for k, v in values.items())
            outputs += [text_output(n) for n in notes]
            outputs.append(text_output(f"settings: {settings} · {seconds:.1f} s", kind="settings"))
            ok = True
        except KeyboardInterrupt:
            outputs = [text_output("interrupted (kernel interrupt): nothing to show; press Run again",
                                   kind="error")]
        except Exception as exc:  # noqa: BLE001 - a panel reports the error in one line, it never raises
            outputs = [text_output(error_line(exc), kind="error")]
        finally:
            self.button.disabled = False
        seconds = time.perf_counter() - t0
        self.output.outputs = tuple(outputs)
        self.progress.value = 1.0   # a full bar, green or red
        self.progress.bar_style = "success" if ok else "danger"
        self.status.value = f"done in {seconds:.1f} s" if ok else f"failed after {seconds:.1f} s"
        self.runs += 1
        return ok

    def _repr_mimebundle_(self, **kwargs):
        """Displayed as its widgets: a cell ending in a panel shows it (nothing runs before Run)."""
        return self.box._repr_mimebundle_(**kwargs)

