"""hw2.report: a failing notebook stops the build and the previous report stays intact."""
from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from hw2 import config, report


def _write(path, cells):
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    nbformat.write(nb, path)


def test_failing_notebook_keeps_previous_report(tmp_path, monkeypatch):
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


def test_notebooks_filter():
    assert report.notebooks(["conclusions"])[0].name == "05_conclusions.ipynb"
    with pytest.raises(ValueError):
        report.notebooks(["no-such-notebook"])
