"""The notebooks' "Try it" panels in JupyterLab, in a real browser (issue #28).

Starts JupyterLab from this venv on a free local port with a token, drives the system Chromium with
Playwright (``executable_path``: no browser download, no network) and, for each notebook in the quick
profile: runs all cells, checks that no cell failed, finds the panel JupyterLab's widget manager drew,
moves one control, presses Run, and checks that a new image appears in the panel's output with the moved
value in its settings line and no error text. A screenshot of each panel goes to
``report/screens/<notebook>.png`` (ignored by git) for a person to look at.

The notebooks run from copies with ``PROFILE = "quick"`` injected after their parameters cell, as
papermill does; kernels get ``OMP_NUM_THREADS=1`` and this checkout on ``PYTHONPATH``. Two notebooks run
at a time (2 kernels on a 2-core machine). Skipped only when Chromium is not installed.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from hw2 import config

ROOT = config.ROOT
SCREENS = ROOT / "report" / "screens"
CHROMIUM = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and Path(p).is_file()), None)
#: notebooks open at the same time (one kernel each)
PARALLEL = 2
#: seconds for everything (lab start, five notebooks, five panel runs): the test must finish in 5 min
BUDGET_S = 285
#: seconds a panel gets to be drawn once its cell has run, and then to finish one run
DRAW_S, PANEL_RUN_S = 30, 90

#: notebook -> (control, how to move it): a drop-down takes its next option, a slider n arrow-key steps
MOVES = {
    "01_fastphotostyle": ("log10_lam", "slider", 2),
    "02_neural_style": ("content_layer", "select", 1),
    "03_munit": ("style_seed", "slider", 3),
    "04_image_quilting": ("target", "select", 1),
    "05_conclusions": ("method", "select", -1),   # the last method: Image Quilting, the fastest
}

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install "
                                                          "chromium); the browser test needs it")

# JavaScript run in the page (JupyterLab exposes its application as window.jupyterapp, see _start_lab)
_FIND = """(path) => { const app = window.jupyterapp; if (!app) return null;
  for (const w of app.shell.widgets('main')) if (w.context && w.context.path === path) return w; return null; }"""
_STATE = f"""async (path) => {{ const nb = ({_FIND})(path);
  if (!nb || !nb.context.isReady || !nb.sessionContext.session || !nb.sessionContext.session.kernel)
    return {{ready: false}};
  const cells = nb.content.widgets.filter(c => c.model.type === 'code');
  const errors = [];
  let pending = 0;
  cells.forEach((c, i) => {{
    for (const o of c.model.outputs.toJSON())
      if (o.output_type === 'error') errors.push(`code cell ${{i + 1}} (of the quick copy): ${{o.ename}}: ${{o.evalue}}`);
    if (c.model.executionCount === null || c.model.executionState === 'running') pending += 1;
  }});
  return {{ready: true, kernel: nb.sessionContext.session.kernel.status, cells: cells.length, pending, errors}}; }}"""
# not awaited: the command's promise ends with the last cell, and the other notebook must be watched meanwhile
_RUN_ALL = f"""(path) => {{ const nb = ({_FIND})(path); window.jupyterapp.shell.activateById(nb.id);
  window.jupyterapp.commands.execute('notebook:run-all-cells'); }}"""
_CLOSE = f"""async (path) => {{ const nb = ({_FIND})(path);
  if (nb) {{ await nb.sessionContext.shutdown(); nb.dispose(); }} }}"""
_OPEN = """async (path) => { await window.jupyterapp.commands.execute('docmanager:open', {path, factory: 'Notebook'}); }"""
_LAST_CELL_TEXT = f"""(path) => {{ const nb = ({_FIND})(path); const cells = nb.content.widgets;
  const c = cells[cells.length - 1]; return c.node.innerText.slice(0, 400); }}"""


def _quick_copies(dest: Path) -> list[Path]:
    """The five notebooks with ``PROFILE = "quick"`` injected after their parameters cell (as papermill does)."""
    import nbformat

    dest.mkdir(parents=True)
    out = []
    for path in sorted(config.NOTEBOOKS.glob("0*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        (i,) = [k for k, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
        nb.cells.insert(i + 1, nbformat.v4.new_code_cell('PROFILE = "quick"', metadata={"tags": ["injected-parameters"]}))
        nbformat.write(nb, dest / path.name)
        out.append(dest / path.name)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_lab(base: Path, notebooks: Path):
    """JupyterLab on a free port with a token, isolated from the user's Jupyter folders; (process, url, token)."""
    token, port = secrets.token_hex(16), _free_port()
    kernels = base / "jupyter-path" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    # the kernel notebooks ask for ("python3") is this venv's Python, whatever else is installed
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (hw2 browser test)", "language": "python"}))
    settings = base / "lab-settings"
    for plugin, values in (("@jupyterlab/notebook-extension/tracker", {"windowingMode": "none"}),
                           ("@jupyterlab/apputils-extension/notification",
                            {"fetchNews": "false", "checkForUpdates": False})):
        f = settings / f"{plugin}.jupyterlab-settings"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(values))
    env = {k: v for k, v in os.environ.items() if k not in ("HW2_BATCH", "MPLBACKEND", "JUPYTER_PLATFORM_DIRS")}
    env.update(OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
               HW2_FIGURES=str(base / "figures"), JUPYTER_PATH=str(base / "jupyter-path"),
               JUPYTER_CONFIG_DIR=str(base / "jupyter-config"), JUPYTER_DATA_DIR=str(base / "jupyter-data"),
               JUPYTER_RUNTIME_DIR=str(base / "jupyter-runtime"), PYTHONUNBUFFERED="1")
    log = open(base / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}",
         "--LabApp.expose_app_in_browser=True", f"--LabApp.user_settings_dir={settings}",
         f"--LabApp.workspaces_dir={base / 'workspaces'}",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly",
         "--ServerApp.allow_root=True"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=notebooks)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    return proc, url, token
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.terminate()
            tail = (base / "lab.log").read_text()[-2000:]
            pytest.fail(f"JupyterLab did not start (exit code {proc.poll()}); its log ends:\n{tail}")
        time.sleep(0.5)


def _numbers_equal(shown: str, used: str) -> bool:
    # the slider's readout writes a minus sign, a drop-down's labels non-breaking spaces
    shown, used = " ".join(shown.replace("\u2212", "-").split()), " ".join(used.split())
    if shown == used:
        return True
    try:
        return abs(float(shown) - float(used)) <= 1e-6 * max(1.0, abs(float(used)))
    except ValueError:
        return False


def _move(panel, name: str, how: str, n: int) -> str:
    """Move control ``name`` of ``panel`` as a user would; returns the value it now shows."""
    control = panel.locator(f".hw2-control-{name}")
    if how == "select":
        select = control.locator("select")
        options = select.locator("option").all_inner_texts()
        current = select.evaluate("s => s.selectedIndex")
        label = options[(current + n) % len(options)] if n > 0 else options[n]
        select.select_option(label=label)
        return label
    readout = control.locator(".widget-readout")
    before = readout.inner_text()
    handle = control.locator(".noUi-handle")
    handle.focus()
    for _ in range(n):
        handle.press("ArrowRight")
    after = readout.inner_text()
    assert after != before, f"the slider {name!r} did not move with the arrow keys (still {before})"
    return after


def _check_panel(page, stem: str) -> None:
    """Find the drawn panel, move a control, press Run, check the new image; screenshot to report/screens."""
    name, how, n = MOVES[stem]
    panel = page.locator(".hw2-panel")
    try:
        panel.wait_for(state="visible", timeout=DRAW_S * 1000)
    except Exception:  # noqa: BLE001 - say what the cell shows instead of a widget
        shown = page.evaluate(_LAST_CELL_TEXT, f"{stem}.ipynb")
        raise AssertionError(f"{stem}: no panel drawn within {DRAW_S} s (is the widget extension "
                             f"@jupyter-widgets/jupyterlab-manager enabled?); the panel cell shows: {shown!r}")
    output = panel.locator(".hw2-panel-output")
    assert output.locator("img").count() == 0, f"{stem}: the panel shows an image before Run was pressed"
    value = _move(panel, name, how, n)
    panel.locator("button.hw2-panel-run").click()
    status = panel.locator(".hw2-panel-status")
    deadline = time.monotonic() + PANEL_RUN_S
    while not re.match(r"(done|failed)", status.inner_text()):
        assert time.monotonic() < deadline, f"{stem}: the panel's run did not end within {PANEL_RUN_S} s " \
                                            f"(status: {status.inner_text()!r})"
        page.wait_for_timeout(250)
    page.wait_for_timeout(300)   # the output arrives with the status; let the image decode
    SCREENS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SCREENS / f"{stem}.png"))
    errors = output.locator(".hw2-panel-error").all_inner_texts()
    text = panel.inner_text()
    assert not errors, f"{stem}: the panel shows an error: {' | '.join(errors)}"
    for bad in ("Traceback", "Error displaying widget", "Error:"):
        assert bad not in text, f"{stem}: the panel shows {bad!r}: {text[:300]!r}"
    images = output.locator("img")
    assert images.count() >= 1, f"{stem}: no image in the panel's output after Run; it shows {output.inner_text()!r}"
    size = images.first.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert min(size) > 50, f"{stem}: the panel's image is {size[0]}x{size[1]} px"
    settings = output.locator(".hw2-panel-settings").inner_text()
    used = re.search(rf"\b{re.escape(name)} = (.+?)(,| ·)", settings)
    assert used and _numbers_equal(value, used.group(1)), \
        f"{stem}: moved {name} to {value!r} but the run used {used.group(1) if used else None!r} ({settings!r})"


@pytest.fixture(scope="module")
def lab_results(request, tmp_path_factory):
    """Run the selected notebooks and their panels in JupyterLab: ``{stem: {"error": ..., "times": ...}}``.

    Only the notebooks whose test is selected run (``pytest tests/test_lab_browser.py -k 04`` runs one).
    """
    try:
        from playwright import sync_api
    except ImportError:  # a requirement: not a reason to skip
        pytest.fail("playwright is missing: `make venv` installs it (requirements.txt)")
    t0 = time.monotonic()
    base = tmp_path_factory.mktemp("lab")
    selected = {item.callspec.params["stem"] for item in request.session.items
                if getattr(item, "originalname", "") == "test_panel_runs_in_jupyterlab"}
    queue = [p.name for p in _quick_copies(base / "notebooks") if p.stem in selected]
    proc, url, token = _start_lab(base, base / "notebooks")
    results: dict[str, dict] = {}
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(viewport={"width": 1300, "height": 1000})
            slots = []
            for k in range(min(PARALLEL, len(queue))):
                page = context.new_page()
                # one workspace per page, reset: JupyterLab restores no other tab (no second kernel)
                page.goto(f"{url}/lab/workspaces/hw2test{k}?reset&token={token}")
                page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started", timeout=60_000)
                slots.append({"page": page, "nb": None})

            def finish(slot, message):
                stem, page = slot["nb"][:-len(".ipynb")], slot["page"]
                if message:
                    SCREENS.mkdir(parents=True, exist_ok=True)
                    try:
                        page.screenshot(path=str(SCREENS / f"{stem}-failure.png"))
                    except Exception:  # noqa: BLE001 - the screenshot only helps a person
                        pass
                try:
                    page.evaluate(_CLOSE, slot["nb"])   # free the CPU and memory for the next notebook
                except Exception:  # noqa: BLE001
                    pass
                slot["times"]["end"] = time.monotonic()
                results[stem], slot["nb"] = {"error": message, "times": slot["times"]}, None

            while queue or any(s["nb"] for s in slots):
                if time.monotonic() - t0 > BUDGET_S:
                    for s in slots:
                        if s["nb"]:
                            finish(s, f"not finished within the test's budget of {BUDGET_S} s")
                    for name in queue:
                        results[name[:-len(".ipynb")]] = {"error": f"not started within the test's budget of "
                                                                   f"{BUDGET_S} s", "times": {}}
                    break
                for slot in slots:
                    page = slot["page"]
                    if slot["nb"] is None and queue:
                        slot.update(nb=queue.pop(0), times={"open": time.monotonic()})
                        page.evaluate(_OPEN, slot["nb"])
                        continue
                    if slot["nb"] is None:
                        continue
                    state = page.evaluate(_STATE, slot["nb"])
                    if not state["ready"]:
                        continue
                    times = slot["times"]
                    if state["errors"]:
                        finish(slot, f"a cell failed: {state['errors'][0]}")
                    elif state["kernel"] in ("dead", "autorestarting"):
                        finish(slot, f"the kernel died ({state['kernel']}) with {state['pending']} cells not run")
                    elif "run_all" not in times:
                        if state["kernel"] == "idle":
                            page.evaluate(_RUN_ALL, slot["nb"])
                            times["run_all"] = time.monotonic()
                    elif state["pending"] == 0 and state["kernel"] == "idle":
                        times["cells_done"] = time.monotonic()
                        try:
                            _check_panel(page, slot["nb"][:-len(".ipynb")])
                            finish(slot, None)
                        except AssertionError as exc:
                            finish(slot, str(exc))
                time.sleep(0.5)
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    for stem, r in results.items():   # shown with -s, and in the report of a failing test
        t = r["times"]
        if "end" in t and "cells_done" in t:
            print(f"[lab] {stem}: kernel ready {t['run_all'] - t['open']:.0f} s, cells {t['cells_done'] - t['run_all']:.0f} s, "
                  f"panel {t['end'] - t['cells_done']:.0f} s")
    print(f"[lab] all: {time.monotonic() - t0:.0f} s")
    return results


@pytest.mark.parametrize("stem", list(MOVES))
def test_panel_runs_in_jupyterlab(lab_results, stem):
    assert stem in lab_results, f"{stem} was not run"
    assert lab_results[stem]["error"] is None, lab_results[stem]["error"]
