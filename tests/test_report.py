"""hw2.report: notebook selection, the combined report's order by cell tags, the numbering check, per-cell
progress, MathJax offline in the PDF, and the benchmarks appendix table (a failing build is in test_bad_inputs)."""
from __future__ import annotations

import re
import shutil
import subprocess

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from hw2 import config, document, report
from hw2.bench import summary
from hw2.report import assemble, export, numbering, progress, runner


def test_notebooks_filter():
    assert report.notebooks(["conclusions"])[0].name == "05_conclusions.ipynb"
    with pytest.raises(ValueError):
        report.notebooks(["no-such-notebook"])


def _md(text, *tags):
    cell = new_markdown_cell(text)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _book(path, cells):
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                      "language": "python"}}), path)
    return path


def _two_books(tmp_path):
    a = _book(tmp_path / "01_a.ipynb", [
        _md("# Alpha"), _md("ALPHA-ABSTRACT", "title-page"), _md("alpha body"),
        _md("ALPHA-WIDGET", "interactive"), _md("ALPHA-REFONLY", "notebook-only"), _md("ALPHA-REMOVED", "remove-cell"),
        _md("ALPHA-APPENDIX", "appendix")])
    b = _book(tmp_path / "02_b.ipynb", [
        _md("# Beta"), _md("BETA-SUMMARY", "title-page"), _md("beta body"), _md("## References\n\nREFERENCES-LIST"),
        _md("BETA-APPENDIX", "appendix")])
    return [runner.Executed("01_a", a, 1.0, "Alpha"), runner.Executed("02_b", b, 2.0, "Beta")]


def test_combine_follows_the_cell_tags(tmp_path):
    executed = _two_books(tmp_path)
    machine = {"cores": 2, "cpu": "test cpu", "torch": "x", "gpu": None}
    numbers = {"equal": 3, "total": 4, "missing": [],
               "differences": [{"notebook": "02_b", "cell": 7, "committed": "0.569", "now": "0.581"}]}
    envelope = {"threads_2": {"numeric": {"max_rel_diff": 0.0012}, "sensitive": {"max_rel_diff": 0.031}}}
    full = report.combine(executed, tmp_path / "index.html", profile="quick", machine=machine,
                          numbers=numbers, envelope=envelope).read_text()
    page = full[full.index("<body"):]
    for dropped in ("ALPHA-WIDGET", "ALPHA-REFONLY", "ALPHA-REMOVED"):
        assert dropped not in page
    order = ["ALPHA-ABSTRACT", "BETA-SUMMARY", "Contents", 'id="nb-01_a"', "alpha body", 'id="nb-02_b"',
             "beta body", "REFERENCES-LIST", 'id="appendix"', "ALPHA-APPENDIX", "BETA-APPENDIX",
             "How this report was built", "<strong>3 of 4 numbers</strong>", "Tolerances", "threads 2 0.031",
             "Numbers that differ", "<td>0.569</td>"]
    positions = [page.index(x) for x in order]
    assert positions == sorted(positions), dict(zip(order, positions))
    # the appendix gives the differing number with its committed value, and each kind's tolerance
    assert "<td>02_b</td>" in page and "<td>0.581</td>" in page and "<td>0.05" in page
    # the build line is short on the title page, complete in the appendix with links and run times
    assert page.index("01_a.ipynb") > page.index('id="appendix"')
    assert export.MATHJAX_URL in full and "hw2Math" in full
    assert not re.findall(r'<(?:script|link)[^>]*(?:src|href)="https?:', full)  # nothing from the network
    # the per-notebook HTML keeps what the report drops
    own = report.to_html(executed[0].path, tmp_path / "01_a.html").read_text()
    assert "ALPHA-WIDGET" in own and "ALPHA-REFONLY" in own and export.MATHJAX_URL in own


def test_arrange_leaves_out_empty_appendix_parts(tmp_path):
    nb = new_notebook(cells=[_md("# X"), _md("x", "interactive")])
    parts = assemble.arrange([("01_x", nb)])
    assert parts["title"] == [] and parts["appendix"] == {} and [c.source for c in parts["sections"]["01_x"]] == ["# X"]


def _caption(label, kind, n):
    return f'<p class="hw2-caption" id="{label.replace(":", "-")}" data-label="{label}"><b>{kind} {n}.</b> text</p>'


def test_numbering_problems_known_answers():
    good = "".join([_caption("fig:a", "Figure", 1), _caption("tab:a", "Table", 1), _caption("fig:b", "Figure", 2)])
    assert numbering.numbering_problems(good, registered=["fig:a", "fig:b", "tab:a"]) == []
    assert numbering.captions(good) == [("fig:a", "Figure", 1), ("tab:a", "Table", 1), ("fig:b", "Figure", 2)]
    swapped = _caption("fig:b", "Figure", 2) + _caption("fig:a", "Figure", 1)
    (problem,) = numbering.numbering_problems(swapped, registered=["fig:a", "fig:b"])
    assert "Figure numbers" in problem and "[2, 1]" in problem and "fig:b=2" in problem
    gap = _caption("tab:a", "Table", 1) + _caption("tab:c", "Table", 3)
    problems = numbering.numbering_problems(gap, registered=["tab:a", "tab:b", "tab:c"])
    assert len(problems) == 2 and "[1, 3]" in problems[0] and "never shown" in problems[1] and "tab:b" in problems[1]
    twice = _caption("fig:a", "Figure", 1) + _caption("fig:a", "Figure", 1)
    assert any("more than once: fig:a" in p for p in numbering.numbering_problems(twice, registered=["fig:a"]))


def test_numbering_reads_what_caption_html_writes(monkeypatch):
    monkeypatch.setattr(document, "ORDER", {"01": ("fig:one", "tab:one", "fig:two")})
    page = document.caption_html("fig:two", "b") + document.caption_html("fig:one", "a")
    problems = numbering.numbering_problems(page)
    assert len(problems) == 2 and "[2, 1]" in problems[0] and "tab:one" in problems[1]
    page = (document.caption_html("fig:one", "a") + document.caption_html("tab:one", "t")
            + document.caption_html("fig:two", "b"))
    assert numbering.numbering_problems(page) == []


def test_last_cells_reads_the_same_profile_first_folder_first(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / progress.TIMINGS).write_text('{"profile": "full", "cells": {"01": {"x": 5}}}')
    (b / progress.TIMINGS).write_text('{"profile": "quick", "cells": {"01": {"x": 1.5}, "02": {"y": 2}}}')
    assert progress.last_cells([a, b], profile="quick") == {"01": {"x": 1.5}, "02": {"y": 2.0}}
    (a / progress.TIMINGS).write_text('{"profile": "quick", "cells": {"01": {"x": 5}}}')
    assert progress.last_cells([a, b], profile="quick") == {"01": {"x": 5.0}, "02": {"y": 2.0}}
    (a / progress.TIMINGS).write_text("not json")
    assert progress.last_cells([a, tmp_path / "missing"], profile="quick") == {}
    cell = new_code_cell("1")
    assert progress.cell_key(cell, 3) == cell.id
    cell.metadata["tags"] = ["injected-parameters"]
    assert progress.cell_key(cell, 3) == "injected-parameters"
    del cell["id"]
    cell.metadata["tags"] = []
    assert progress.cell_key(cell, 3) == "#3"


def test_execute_logs_each_code_cell_with_the_last_build(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "ROOT", tmp_path)
    params = new_code_cell('PROFILE = "full"')
    params.metadata["tags"] = ["parameters"]
    slow = new_code_cell("import time; time.sleep(0.3)")
    nb = _book(tmp_path / "01_t.ipynb", [_md("# T"), params, slow, new_code_cell("x = 1")])
    lines = []
    e = report.execute(nb, tmp_path / "out.ipynb", profile="quick", last_cells={slow.id: 7.0}, log=lines.append)
    assert len(lines) == 4 and lines[0].startswith("[01_t 1/4] ") and lines[-1].startswith("[01_t 4/4] ")
    (slow_line,) = [x for x in lines if "last build" in x]
    assert slow_line.startswith("[01_t 3/4] ") and slow_line.endswith("(last build 7.0 s)")
    assert len(e.cells) == 4 and {params.id, "injected-parameters", slow.id} < set(e.cells)
    assert e.cells[slow.id] >= 0.3 and e.title == "T"


needs_pdf = pytest.mark.skipif(not (report.find_chromium() and shutil.which("pdftotext")
                                    and export.mathjax_source()),
                               reason="needs Chromium, pdftotext (poppler-utils) and jupyter-server-mathjax")


@needs_pdf
def test_equations_are_typeset_offline_in_the_pdf(tmp_path):
    book = _book(tmp_path / "01_m.ipynb", [_md("# Maths\n\nInline $x^2$ and\n\n$$\\frac{a}{b} + \\sum_i x_i$$\n\n"
                                               "$$\\begin{aligned} y &= 1 \\\\ z &= 2 \\end{aligned}$$")])
    report.combine([runner.Executed("01_m", book, 1.0, "Maths")], tmp_path / "index.html", profile="quick",
                   machine={"cores": 1, "cpu": "c", "torch": "t", "gpu": None})
    report.copy_mathjax(tmp_path)
    report.print_pdf(tmp_path / "index.html", tmp_path / "report.pdf", require_math=True)
    text = subprocess.run(["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Maths" in text and "∑" in text
    for raw in ("\\frac", "$$", "\\begin", "\\sum"):
        assert raw not in text
    # without the mathjax folder the printer says so (and raises when asked to)
    shutil.rmtree(tmp_path / export.MATHJAX_DIR)
    with pytest.raises(report.MathNotTypeset, match="MathJax did not load"):
        report.print_pdf(tmp_path / "index.html", tmp_path / "raw.pdf", require_math=True)
    logged = []
    report.print_pdf(tmp_path / "index.html", tmp_path / "raw.pdf", log=logged.append)
    assert len(logged) == 1 and "raw TeX" in logged[0]


def test_copy_mathjax_says_what_to_install(tmp_path):
    with pytest.raises(FileNotFoundError, match="jupyter-server-mathjax"):
        export.copy_mathjax(tmp_path, source=tmp_path / "nowhere")


_FAKE = {
    "vgg": {"_meta": {"machine": {"cores": 2, "cpu": "Intel(R) Xeon(R)", "gpu": None}, "quick": False},
            "threads": 2, "forward_s_256": 0.3371, "forward_s_512": 1.4669},
    "munit": {"_meta": {"machine": {"cores": 8, "cpu": "EPYC", "gpu": "H200"}, "quick": True},
              "threads": 1, "fid_vgg_photo2monet_t1": 378.46, "fid_vgg_photo2monet_t1_sd": 5.143,
              "eval_n_draws_t1": 5, "fid_vgg_identity_photo2monet": 620.47, "eval_size": 256,
              "eval_n_photos_t1": 50, "sharpness_photo2monet": 0.2362, "infer_ms_256": 131.4},
    "quilting": {"_meta": {}, "synth_512_s": 0.6155},
}


def test_appendix_rows_on_a_small_fake_results_dict():
    rows, headers = summary.appendix_rows(_FAKE)
    assert headers == summary.HEADERS and all(len(r) == len(headers) for r in rows)
    by = {(r[0], r[1]): r for r in rows}
    vgg = by[("VGG-19 encoder", "forward pass to relu5_1, 512 × 512 image")]
    assert vgg[2:] == ["1.47 s", "256 × 256 image: 0.337 s", "2 cores (Intel Xeon), 2 threads, no GPU"]
    fid = [r for r in rows if r[0] == "MUNIT" and r[1].startswith("Fréchet VGG distance of photo → Monet")][0]
    assert fid[1].endswith("T = 1 (256 px, 50 photos)") and fid[2] == "378 ± 5.14 over 5 draws"
    assert fid[3] == "the photos untranslated: 620"
    assert fid[4] == "8 cores (EPYC), 1 thread, GPU: H200; quick run (checks the code path only)"
    assert [r[2] for r in rows if r[0] == "Image Quilting"] == ["0.616 s"]
    assert by[("MUNIT", "translation of a 256 × 256 image")][2:4] == ["131 ms", "—"]
    sharp = [r for r in rows if r[0] == "MUNIT" and r[1].startswith("sharpness of photo → Monet")][0]
    assert sharp[2:4] == ["0.236", "real images: 1"]
    # only the figures present: no row for a benchmark or figure the results lack
    assert not any(r[0] in ("Neural Style", "PhotoWCT") for r in rows) and len(rows) == 5
    # no results key in what the report shows
    keys = {k for bench in _FAKE.values() for k in bench if "_" in k.strip("_")}
    assert not any(k in cell for k in keys for r in rows for cell in r)
    assert summary.appendix_rows({}) == ([], summary.HEADERS)
    with pytest.raises(ValueError):
        summary.appendix_rows([1, 2])


@needs_pdf
def test_a_heading_never_ends_a_page(tmp_path):
    """Push a heading down the first page in steps of one paragraph: it always shares its page with what follows.

    (Without the print CSS's heading rules the heading is left alone at the bottom for 20 paragraphs.)
    """
    para = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. " * 3
    report.copy_mathjax(tmp_path)
    for n in range(18, 22):
        cells = [_md("# Doc")] + [_md(f"P{i} {para}") for i in range(n)] + [_md("## ORPHANHEAD"), _md(f"AFTER {para}")]
        book = _book(tmp_path / "01_o.ipynb", cells)
        report.combine([runner.Executed("01_o", book, 1.0, "Doc")], tmp_path / "index.html", profile="quick",
                       machine={"cores": 1, "cpu": "c", "torch": "t", "gpu": None})
        report.print_pdf(tmp_path / "index.html", tmp_path / "o.pdf")
        pages = subprocess.run(["pdftotext", str(tmp_path / "o.pdf"), "-"], capture_output=True, text=True,
                               check=True).stdout.split("\f")
        (head,) = [i for i, p in enumerate(pages) if "ORPHANHEAD" in p]
        assert "AFTER" in pages[head].split("ORPHANHEAD", 1)[1], f"{n} paragraphs: heading alone at a page bottom"


def test_build_warns_about_numbering_and_fails_only_when_strict(tmp_path, monkeypatch):
    books = tmp_path / "notebooks"
    books.mkdir()
    _book(books / "01_a.ipynb", [_md("# A"), new_code_cell("print('hello')")])
    for name, value in (("NOTEBOOKS", books), ("ROOT", tmp_path), ("REPORT", tmp_path / "report"),
                        ("REPORT_ONLY", tmp_path / "report" / "only"), ("FIGURES", tmp_path / "figures")):
        monkeypatch.setattr(config, name, value)
    monkeypatch.setitem(document.ORDER, "01", ("fig:never-shown",))
    logged = []
    summary_ = report.build(profile="quick", pdf=False, log=logged.append)
    assert any("WARNING" in m and "fig:never-shown" in m for m in logged)
    assert "01_a" in summary_["cells"] and len(summary_["cells"]["01_a"]) == 2  # injected parameters + 1 cell
    assert (tmp_path / "report" / export.MATHJAX_DIR / "MathJax.js").is_file() == bool(export.mathjax_source())
    before = (tmp_path / "report" / "index.html").read_text()
    with pytest.raises(report.NumberingError, match="fig:never-shown"):
        report.build(profile="quick", pdf=False, strict_numbering=True, log=lambda *a: None)
    assert (tmp_path / "report" / "index.html").read_text() == before  # nothing published
    assert any(m.startswith("[01_a 2/2] ") for m in logged)


def test_small_tables_are_marked_to_stay_on_one_page():
    def table(n):
        return "<table><thead><tr><th>a</th></tr></thead><tbody>" + "<tr><td>1</td></tr>" * (n - 1) + "</tbody></table>"
    out = export.page("<html><head></head><body>" + table(export.SMALL_TABLE_ROWS) + table(40) + "</body></html>")
    assert out.count('<table class="hw2-small">') == 1 and out.count("<table>") == 1
    assert out.index('<table class="hw2-small">') < out.index("<table>")


def test_a_table_caption_becomes_the_caption_of_its_table(monkeypatch):
    """So that a page break never separates them; the numbering check still reads it."""
    from hw2.report import export

    monkeypatch.setattr(document, "ORDER", {"01": ("tab:one",)})
    html = document.caption_html("tab:one", "Some <i>rows</i>.") + "\n\n<table>\n<thead><tr><th>a</th></tr></thead></table>"
    out = export._captions_into_tables(html)
    assert out.startswith('<table><caption class="hw2-caption" id="tab-one" data-label="tab:one">')
    assert "<b>Table 1.</b> Some <i>rows</i>.</caption>" in out and out.count("<table") == 1
    assert numbering.numbering_problems(out) == []
    fig = document.caption_html("tab:one", "x").replace("tab:", "fig:") + "<table></table>"
    assert export._captions_into_tables(fig) == fig  # figure captions stay where they are


def test_the_combined_report_lists_every_cited_work_in_citation_order(tmp_path):
    refs = new_code_cell("")
    refs.outputs = [new_output("display_data", data={"text/markdown": document.references_markdown(["gatys2016"])})]
    caption = new_code_cell("")
    caption.outputs = [new_output("display_data", data={"text/html": "<p>after Efros &amp; Freeman, 2001</p>"})]
    a = _book(tmp_path / "01_a.ipynb", [_md("# Alpha"), _md("Brock et al.,\n2019 in the appendix", "appendix"),
                                        caption, _md("Levin et al. (2008) on the title page", "title-page")])
    b = _book(tmp_path / "02_b.ipynb", [_md("# Beta"), _md("## References"), refs])
    executed = [runner.Executed("01_a", a, 1.0, "Alpha"), runner.Executed("02_b", b, 2.0, "Beta")]
    page = report.combine(executed, tmp_path / "index.html", profile="quick",
                          machine={"cores": 2, "cpu": "c", "torch": "x", "gpu": None}).read_text()
    listing = page[page.index('class="hw2-references"'):page.index('id="appendix"')]
    items = re.findall(r"<li>(.*?)</li>", listing, re.S)
    # title page, then the sections, then the appendix; the notebook's own list (Gatys) is not a citation
    assert len(items) == 3, items
    assert "Matting" in items[0] and "Image Quilting" in items[1] and "Large Scale GAN" in items[2]
    assert "<ol>" in listing and "Neural Networks" not in listing


def test_a_figure_and_its_caption_print_as_one_block(tmp_path):
    import base64

    png = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
    cell = new_code_cell("")
    cell.outputs = [new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
                    new_output("display_data", data={"text/html": document.caption_html("fig:summary", "Two pairs.")}),
                    new_output("display_data", data={"image/png": png}),   # an unnumbered figure stays as it is
                    new_output("display_data", data={"text/markdown": "after"})]
    nb = _book(tmp_path / "01_a.ipynb", [_md("# Alpha"), cell])
    page = report.combine([runner.Executed("01_a", nb, 1.0, "Alpha")], tmp_path / "index.html", profile="quick",
                          machine={"cores": 2, "cpu": "c", "torch": "x", "gpu": None}).read_text()
    body = page[page.index("<body"):]
    block = re.search(r'<div class="hw2-figure"><img [^>]*src="data:image/png;base64,([^"]+)"[^>]*>(.*?)</div>', body, re.S)
    assert block and block[1] == png and 'data-label="fig:summary"' in block[2] and "Two pairs." in block[2]
    assert body.count("data:image/png;base64," + png) == 2 and body.count('class="hw2-figure"') == 1
    assert numbering.captions(body)[0][:2] == ("fig:summary", "Figure")
    # outputs may split across pages like text; the figure block may not
    assert ".jp-OutputArea-child { break-inside: auto; }" in export.PRINT_CSS
    assert ".hw2-figure { break-inside: avoid; }" in export.PRINT_CSS
