"""Notebooks: no committed outputs, a parameters cell, and each executes end to end (PROFILE=quick).

The executed notebooks are then combined into a report (HTML, and PDF when Chromium is installed).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hw2 import config, report

NOTEBOOKS = report.notebooks()


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


_PLACEHOLDER = re.compile(r"\b(missing|skipped|n/a|not found)\b", re.I)


def _fresh_clone(dest: Path) -> Path:
    """``git clone`` of this repository into ``dest``, plus the working tree's uncommitted changes.

    In CI the tree is clean and this is a plain clone; during development the overlay makes the test
    check what is on disk, not only what was committed.
    """
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(config.ROOT), str(dest)], check=True)
    out = subprocess.run(["git", "ls-files", "-m", "-o", "-d", "--exclude-standard", "-z"], cwd=config.ROOT,
                         capture_output=True, text=True, check=True).stdout
    for rel in sorted(set(filter(None, out.split("\0")))):
        src, dst = config.ROOT / rel, dest / rel
        if src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
        elif dst.is_file():
            dst.unlink()
    return dest


@pytest.fixture(scope="module")
def offline_build(tmp_path_factory):
    """The quick report built offline in a fresh clone with no ../shared and empty data/model/cache folders."""
    base = tmp_path_factory.mktemp("fresh")
    clone = _fresh_clone(base / "hw2")
    assert not (base / "shared").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HW2_")}
    for var in ("HW2_DATA", "HW2_MODELS", "HW2_REFERENCE", "HW2_HOME"):
        (base / var.lower()).mkdir()
        env[var] = str(base / var.lower())
    env.update(HW2_OFFLINE="1", HW2_DEVICE="cpu", PYTHONPATH=str(clone))
    where = subprocess.run([sys.executable, "-c", "import hw2; print(hw2.__file__)"], cwd=clone, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).resolve().is_relative_to(clone.resolve()), f"imported {where}, not the clone's hw2"
    proc = subprocess.run([sys.executable, "-m", "hw2.report", "--profile", "quick", "--strict-numbering"], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"quick build failed in a fresh clone:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return clone


@pytest.mark.notebooks
def test_offline_quick_build_in_a_fresh_clone(offline_build):
    import nbformat

    from hw2.report import numbers

    report_dir = offline_build / "report"
    executed = {p.stem: report_dir / p.name for p in NOTEBOOKS}
    for stem, path in executed.items():
        assert path.is_file(), f"{stem} was not executed"
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
            outs = cell.get("outputs", [])
            assert not [o for o in outs if o.get("output_type") == "error"], f"{stem} cell {i} raised"
            for kind, text, _ in numbers.comparable_outputs(outs):
                if kind == "text":
                    found = _PLACEHOLDER.search(text)
                    assert not found, f"{stem} code cell {i} shows a placeholder: {found.group(0)!r} in {text[:300]!r}"
        assert any(o.get("data", {}).get("image/png") for c in nb.cells for o in c.get("outputs", [])), \
            f"{stem} shows no figure"
        # the figures were written into the clone, by the clone's hw2
    assert list((offline_build / "figures").glob("*.png"))
    summary = numbers.match_summary(executed, profile="quick")
    assert not summary["missing"], f"no committed quick numbers for {summary['missing']}"
    bad = {k: v for k, v in summary["notebooks"].items() if v[0] != v[1]}
    assert not bad, f"numbers differ from the committed quick-profile numbers: {bad} (run `make verify`)"


@pytest.mark.notebooks
def test_combined_report_of_the_fresh_build(offline_build):
    index = offline_build / "report" / "index.html"
    text = index.read_text()
    for p in NOTEBOOKS:
        assert f'id="nb-{p.stem}"' in text and f"{p.stem}.ipynb" in text
    assert "Contents" in text and "CPU cores" in text and "numbers</strong> in this report equal" in text
    assert "hl-ipython3" not in text  # no highlighted code cell: code hidden in the combined report
    if report.find_chromium() is None:
        pytest.skip("Chromium not installed: PDF not checked")
    pdf = offline_build / "report" / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000


def _pdf_text(build: Path) -> str:
    pdf = build / "report" / "report.pdf"
    if report.find_chromium() is None or shutil.which("pdftotext") is None:
        pytest.skip("Chromium or pdftotext not installed: PDF text not checked")
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _parameter_names() -> set[str]:
    names = set()
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text())
        for c in nb["cells"]:
            if "parameters" in c.get("metadata", {}).get("tags", []):
                names |= set(re.findall(r"^([A-Z][A-Z0-9_]+)\s*=", "".join(c["source"]), re.M))
    return names


def _benchmark_keys() -> set[str]:
    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                yield k
                yield from walk(v)
    results = config.BENCHMARKS / "results.json"
    keys = set(walk(json.loads(results.read_text()))) if results.is_file() else set()
    # snake_case keys only; VGG layer names (conv5_1, relu4_1) are the field's names, not our keys
    return {k for k in keys if "_" in k.strip("_") and not re.fullmatch(r"(conv|relu)\d_\d", k)}


@pytest.mark.notebooks
def test_the_pdf_reads_as_a_document(offline_build):
    """Equations typeset offline, values instead of parameter names, no benchmark keys, no widget panels."""
    text = _pdf_text(offline_build)
    for tex in ("\\frac", "$$", "\\begin", "\\mathcal", "\\sum"):
        assert tex not in text, f"raw TeX {tex!r} in the PDF: MathJax did not typeset offline"
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    assert not (_parameter_names() - {"PROFILE", "SEED"}) & words, \
        f"parameter names in the PDF text: {sorted((_parameter_names() - {'PROFILE', 'SEED'}) & words)}"
    assert not _benchmark_keys() & words, f"benchmark keys in the PDF text: {sorted(_benchmark_keys() & words)}"
    assert "Try it" not in text and "ipywidgets" not in text, "an interactive section reached the PDF"
    assert re.search(r"^\s*References\s*$", text, re.M), "no References section"


def test_markdown_cells_never_spell_a_figure_or_table_number():
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text())
        for i, c in enumerate(nb["cells"]):
            if c["cell_type"] == "markdown":
                found = re.search(r"\b(Figure|Table|Fig\.)\s+\d+", "".join(c["source"]))
                assert not found, f"{path.name} cell {i} spells {found.group(0)!r}: emit it with hw2.document.ref"


@pytest.mark.notebooks
def test_shared_figures_agree_in_the_fresh_build(offline_build):
    """The figures the report states twice (Table 3 and Table 15, the title page, the abstract) agree."""
    from test_consistency import executed_books, shared_figure_mismatches

    books = executed_books([offline_build / "report" / p.name for p in NOTEBOOKS])
    assert shared_figure_mismatches(books) == []


@pytest.mark.notebooks
def test_the_pdf_text_reads_as_a_finished_document(offline_build):
    """References complete and in citation order (read from the HTML the PDF prints), no template text, no raw
    TeX escape, no file or command in the body (before the "References" heading)."""
    from test_consistency import pdf_text_problems, reference_problems

    assert reference_problems((offline_build / "report" / "index.html").read_text(encoding="utf-8")) == []
    if report.find_chromium() is None or shutil.which("pdftotext") is None:
        pytest.skip("Chromium or pdftotext not installed: PDF text not checked")
    pdf = offline_build / "report" / "report.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert pdf_text_problems(text) == []
