"""Bad input, part 3 (issue #20): the report is published atomically, whatever happens.

A failing or interrupted build (Ctrl-C, SIGTERM, a crash between two renames) leaves the
previous report *and* figures whole and no staging folder behind; a bad PDF printer still
publishes the HTML and says why; ``--only`` builds go to ``report/only/<name>/``.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from hw2 import config, publish, report


def _write(path, cells):
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                      "language": "python"}}), path)


def _project(tmp_path, monkeypatch, body='print(PROFILE)'):
    """A tiny project: one notebook saving a figure through hw2.config.FIGURES, an old report and old figures."""
    books = tmp_path / "notebooks"
    books.mkdir()
    params = new_code_cell('PROFILE = "full"')
    params.metadata["tags"] = ["parameters"]
    save = new_code_cell("from hw2 import config\nconfig.FIGURES.mkdir(parents=True, exist_ok=True)\n"
                         "(config.FIGURES / '01_fig.png').write_text('new ' + PROFILE)\n" + body)
    _write(books / "01_ok.ipynb", [new_markdown_cell("# 01 · OK"), params, save])
    out, figs = tmp_path / "report", tmp_path / "figures"
    out.mkdir()
    figs.mkdir()
    (out / "index.html").write_text("previous report")
    (figs / "01_fig.png").write_text("old figure")
    (figs / "02_other.png").write_text("other notebook's figure")
    monkeypatch.setattr(config, "NOTEBOOKS", books)
    monkeypatch.setattr(config, "ROOT", tmp_path)
    monkeypatch.setattr(config, "REPORT", out)
    monkeypatch.setattr(config, "REPORT_ONLY", out / "only")
    monkeypatch.setattr(config, "FIGURES", figs)
    return books, out, figs


def _untouched(tmp_path, out, figs):
    assert (out / "index.html").read_text() == "previous report"
    assert (figs / "01_fig.png").read_text() == "old figure"
    assert (figs / "02_other.png").read_text() == "other notebook's figure"
    assert not list((tmp_path / "build").glob("report-*")), "staging folder left behind"


def test_interrupt_mid_build_leaves_report_and_figures(tmp_path, monkeypatch):
    _, out, figs = _project(tmp_path, monkeypatch)
    real = report.to_html

    def interrupted(*a, **k):  # the notebook ran (its figure is written, to staging), then Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "to_html", interrupted)
    with pytest.raises(KeyboardInterrupt):
        report.build(profile="quick", pdf=False, log=lambda *a: None)
    _untouched(tmp_path, out, figs)
    assert "HW2_FIGURES" not in os.environ

    # a failing PDF printer (HW2_CHROMIUM is a folder) still publishes the HTML, and says why
    monkeypatch.setattr(report, "to_html", real)
    monkeypatch.setenv("HW2_CHROMIUM", str(tmp_path))
    logged = []
    summary = report.build(profile="quick", pdf=True, log=logged.append)
    assert summary["pdf"] is None and "HW2_CHROMIUM" in summary["pdf_error"] and "folder" in summary["pdf_error"]
    assert any("NO PDF" in m for m in logged)
    assert "01 · OK" in (out / "index.html").read_text() and not (out / "report.pdf").exists()
    assert json.loads((out / "timings.json").read_text())["pdf_error"] == summary["pdf_error"]
    assert (figs / "01_fig.png").read_text() == "new quick"                  # figures published as a folder
    assert (figs / "02_other.png").read_text() == "other notebook's figure"  # the others kept

    # ONLY= builds go to their own folder and leave the combined report and figures/ alone
    before = (out / "index.html").read_text()
    summary = report.build(profile="full", only=["01"], pdf=False, log=lambda *a: None)
    only = config.REPORT_ONLY / "01"
    assert (only / "index.html").exists() and (only / "figures" / "01_fig.png").read_text() == "new full"
    assert (out / "index.html").read_text() == before and (figs / "01_fig.png").read_text() == "new quick"
    # ... and a later combined build keeps them
    report.build(profile="quick", pdf=False, log=lambda *a: None)
    assert (only / "index.html").exists()


def test_failing_build_does_not_touch_figures(tmp_path, monkeypatch):
    books, out, figs = _project(tmp_path, monkeypatch, body="raise RuntimeError('boom after the figure')")
    with pytest.raises(report.NotebookFailed, match="boom after the figure"):
        report.build(profile="quick", pdf=False, log=lambda *a: None)
    _untouched(tmp_path, out, figs)


def test_sigterm_cleans_up_like_sigint(tmp_path):
    """A build killed by SIGTERM while a notebook runs: previous report whole, no build/report-* left."""
    books = tmp_path / "notebooks"
    books.mkdir()
    _write(books / "01_slow.ipynb", [new_markdown_cell("# slow"), new_code_cell("import time; time.sleep(120)")])
    out = tmp_path / "report"
    out.mkdir()
    (out / "index.html").write_text("previous report")
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from hw2 import config, report
        config.ROOT = Path({str(tmp_path)!r}); config.NOTEBOOKS = config.ROOT / "notebooks"
        config.REPORT = config.ROOT / "report"; config.FIGURES = config.ROOT / "figures"
        print("started", flush=True)
        sys.exit(report.main(["--profile", "quick", "--no-pdf"]))
    """)
    env = {**os.environ, "PYTHONPATH": str(config.PACKAGE.parent)}
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not list((tmp_path / "build").glob("report-*/report/01_slow.ipynb")):
        time.sleep(0.5)  # wait until papermill has started the notebook
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "left as they were" in err
    assert (out / "index.html").read_text() == "previous report"
    assert not list((tmp_path / "build").glob("report-*"))


def test_swap_dir_is_whole_at_every_step(tmp_path, monkeypatch):
    target, new = tmp_path / "report", tmp_path / "new"
    target.mkdir()
    (target / "a").write_text("old")
    new.mkdir()
    (new / "a").write_text("new")
    publish.swap_dir(new, target)
    assert (target / "a").read_text() == "new" and not new.exists()

    # without renameat2: a crash between the two renames is repaired by recover()
    monkeypatch.setattr(publish, "_renameat2_exchange", lambda a, b: False)
    new.mkdir()
    (new / "a").write_text("newer")
    real_rename = os.rename
    calls = []

    def crash_on_second(a, b):
        calls.append((a, b))
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_rename(a, b)

    monkeypatch.setattr(publish.os, "rename", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        publish.swap_dir(new, target)
    monkeypatch.setattr(publish.os, "rename", real_rename)
    assert not target.exists()
    publish.recover(target)
    assert (target / "a").read_text() == "new"  # the previous folder, whole
    publish.swap_dir(new, target)
    assert (target / "a").read_text() == "newer"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_profile_from_the_environment_is_checked(monkeypatch, capsys):
    monkeypatch.setenv("PROFILE", "fulll")
    with pytest.raises(SystemExit) as exc:
        report.main(["--no-pdf"])
    assert exc.value.code == 2
    assert "PROFILE='fulll'" in capsys.readouterr().err


def test_find_chromium_ignores_a_folder_and_print_pdf_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("HW2_CHROMIUM", str(tmp_path))
    assert report.find_chromium() is None
    with pytest.raises(FileNotFoundError, match="HW2_CHROMIUM=.* is a folder"):
        report.print_pdf(tmp_path / "x.html", tmp_path / "x.pdf")
    f = tmp_path / "chromium"
    f.write_text("not executable")
    monkeypatch.setenv("HW2_CHROMIUM", str(f))
    with pytest.raises(FileNotFoundError, match="not executable"):
        report.print_pdf(tmp_path / "x.html", tmp_path / "x.pdf")
