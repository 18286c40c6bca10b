"""Notebooks: no committed outputs, a parameters cell, and each executes end to end (PROFILE=quick).

The executed notebooks are then combined into a report (HTML, and PDF when Chromium is installed).
"""
from __future__ import annotations

import json
import subprocess

import pytest

from hw2 import config, report
from conftest import requires_data

NOTEBOOKS = report.notebooks()
_EXECUTED: dict[str, report.Executed] = {}


def test_the_five_notebooks_exist():
    assert [p.stem.split("_")[0] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05"]


def _tracked_notebooks():
    out = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=config.ROOT, capture_output=True, text=True)
    files = [config.ROOT / f for f in out.stdout.split()] if out.returncode == 0 else []
    return files or list(config.NOTEBOOKS.glob("*.ipynb"))


def test_no_notebook_carries_outputs():
    for path in _tracked_notebooks():
        nb = json.loads(path.read_text())
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "code":
                assert not cell.get("outputs"), f"{path.name} cell {i} has committed outputs"
                assert cell.get("execution_count") is None, f"{path.name} cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell(path):
    nb = json.loads(path.read_text())
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"
    assert "PROFILE" in "".join(tagged[0]["source"])


@requires_data
@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_quick(path, tmp_path_factory):
    out = tmp_path_factory.getbasetemp() / "executed" / path.name
    executed = report.execute(path, out, profile="quick")
    nb = json.loads(out.read_text())
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    assert any(o.get("data", {}).get("image/png") for c in nb["cells"] for o in c.get("outputs", [])), \
        f"{path.name} shows no figure"
    _EXECUTED[path.stem] = executed


@requires_data
@pytest.mark.notebooks
def test_combined_report_from_executed(tmp_path):
    if len(_EXECUTED) != len(NOTEBOOKS):
        pytest.skip("needs every notebook executed by the tests above")
    executed = [_EXECUTED[p.stem] for p in NOTEBOOKS]
    index = report.combine(executed, tmp_path / "index.html", profile="quick")
    text = index.read_text()
    for e in executed:
        assert f'id="nb-{e.name}"' in text and f"{e.name}.ipynb" in text
    assert "Contents" in text and "CPU cores" in text
    assert "hl-ipython3" not in text  # no highlighted code cell: code hidden in the combined report
    if report.find_chromium() is None:
        pytest.skip("Chromium not installed: PDF not checked")
    pdf = report.print_pdf(index, tmp_path / "report.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000
