"""Numbers that appear in two places of the report agree, and the printed text reads as a document.

The report states some results twice: notebook 01's Table 3 and the conclusions' Table 15 score the same
FastPhotoStyle outputs, the title page's table repeats rows of Table 15, notebook 01 and the conclusions both
name the output the hand-made labels lighten most, and the abstract repeats the conclusions' figures.
:func:`shared_figure_mismatches` reads the outputs (each notebook's texts, in order) and lists every
disagreement. It runs here on the committed numbers of each profile (``notebooks/numbers/``: the outputs of
the last frozen build), and in ``test_notebooks.py`` on a fresh quick build.

:func:`pdf_text_problems` reads the text of the printed report: a complete reference list numbered in
citation order, no template text ("time(s)", "lower/lower"), no raw TeX escape (``\\_``), no file path or
``make`` command in the body (everything before the "References" heading; the appendix on how the report
was built comes after it). ``test_notebooks.py`` runs it on the quick build's PDF.
"""
from __future__ import annotations

import json
import re

import pytest

from hw2 import config, document
from hw2.document import ref

_CAPTION = re.compile(r'data-label="(?P<label>(?:tab|fig):[^"]+)"')


def _strip(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def tables(texts) -> dict[str, dict]:
    """``label -> {"caption": text, "headers": [...], "rows": {first cell: [cells]}}`` for every captioned
    markdown table in ``texts``."""
    out = {}
    for text in texts:
        m = _CAPTION.search(text)
        if not m or not m["label"].startswith("tab:") or "\n|" not in text:
            continue
        caption, _, body = text.partition("\n\n")
        lines = [ln for ln in body.splitlines() if ln.startswith("|")]
        cells = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]
        out[m["label"]] = {"caption": _strip(caption), "headers": cells[0],
                           "rows": {r[0]: r[1:] for r in cells[2:]}}
    return out


def _column(table: dict, row: str, header: str) -> str:
    i = table["headers"].index(header) - 1
    return table["rows"][row][i]


def _joined(texts) -> str:
    return re.sub(r"\s+", " ", _strip("\n".join(texts)))


def shared_figure_mismatches(books: dict[str, list[str]]) -> list[str]:
    """Every disagreement between figures the report states twice; ``books``: notebook stem -> output texts.

    Returns a list of readable mismatches (empty when all agree); a missing table or sentence is one too.
    """
    nb01 = next((v for k, v in books.items() if k.startswith("01")), None)
    nb05 = next((v for k, v in books.items() if k.startswith("05")), None)
    if nb01 is None or nb05 is None:
        return ["notebooks 01 and 05 are both needed"]
    problems = []
    t01, t05 = tables(nb01), tables(nb05)
    for label, where in (("tab:fps-labels-scores", t01), ("tab:05-comparison", t05), ("tab:headline", t05)):
        if label not in where:
            problems.append(f"{label} not found")
    if problems:
        return problems
    labels, comp, head = t01["tab:fps-labels-scores"], t05["tab:05-comparison"], t05["tab:headline"]
    # Table 3's Photo -> Monet rows are the FastPhotoStyle rows of Table 15 (same outputs, same size)
    pairs = (("none (ex1)", "FastPhotoStyle (exact smoothing)"), ("hand-made (ex2)", "FastPhotoStyle + hand-made labels"))
    for mine, theirs in pairs:
        p2m = labels["rows"][mine][:3]  # Photo -> Monet: style distance, VGG-free, photorealism
        there = [_column(comp, theirs, h) for h in ("Gram distance ↓", "VGG-free style ↓", "edge SSIM ↑")]
        if p2m != there:
            problems.append(f"{ref('tab:fps-labels-scores')} {mine} {p2m} != {ref('tab:05-comparison')} {theirs} {there}")
    size = re.search(r"(\d+) px on the long side", labels["caption"])
    size05 = re.search(r"at (\d+) px", head["caption"])
    if not size or not size05 or size[1] != size05[1]:
        problems.append(f"image sizes differ or are not stated: {labels['caption'][:120]!r} / {head['caption'][:120]!r}")
    # the title page's table repeats rows of Table 15
    for row, cells in head["rows"].items():
        for h, v in zip(head["headers"][1:], cells):
            if _column(comp, row, h) != v:
                problems.append(f"{ref('tab:headline')} {row} {h} {v} != {ref('tab:05-comparison')} {_column(comp, row, h)}")
    # the output the hand-made labels lighten most: the same row, luminances and contrast in both sections
    text01, text05 = _joined(nb01), _joined(nb05)
    fig3 = ref("fig:fps-photo2monet")
    here = re.search(rf"The hand-made labels lighten \S+ most \(row (\d+) of {fig3}\): its mean luminance rises from "
                     r"([\d.]+) to ([\d.]+) and it keeps (\d+)%", text01)
    there = re.search(rf"lighten the photo of row (\d+) of Figure \d+ most \(the same output as row (\d+) of {fig3}\): "
                      r"its mean luminance rises from ([\d.]+) to ([\d.]+) and it keeps (\d+)%", text05)
    if here is None or there is None:
        problems.append("the palest output of the hand-made labels is not named in both sections")
    elif not (here[1] == there[1] == there[2] and here.groups()[1:] == there.groups()[2:]):
        problems.append(f"palest output: row {here[1]}, {here.groups()[1:]} in section 1; row {there[2]}, "
                        f"{there.groups()[2:]} in the conclusions")
    # the abstract repeats the conclusions' figures
    abstract = next((t for t in nb05 if t.startswith("## Abstract")), None)
    if abstract is None:
        return problems + ["no abstract"]
    body = _joined(t for t in nb05 if not t.startswith("## Abstract"))
    abstract = _joined([abstract])
    ns = re.search(r"Neural Style removes (\d+)% of the photo's Gram distance to the painting and (\d+)% of its "
                   r"VGG-free distance", abstract)
    ns_body = re.search(r"It closes (\d+)% of the Gram gap .*? by the VGG-free distance it closes (\d+)%", body)
    if not ns or not ns_body or ns.groups() != ns_body.groups():
        problems.append(f"Neural Style's gaps: abstract {ns and ns.groups()} != conclusions {ns_body and ns_body.groups()}")
    worse = re.search(r"worse on (all \d+ measures|\d+ of the \d+ measures)", abstract)
    worse_body = re.search(r"does worse on (all \d+ measures|\d+ of the \d+ measures)", body)
    if (worse is None) != (worse_body is None) or (worse and worse[1] != worse_body[1]):
        problems.append(f"hand-made labels: abstract {worse and worse[1]!r} != conclusions {worse_body and worse_body[1]!r}")
    return problems


def committed_books(profile: str) -> dict[str, list[str]]:
    """The output texts of the last frozen build (``notebooks/numbers/<profile>/``), per notebook."""
    books = {}
    for path in sorted((config.NOTEBOOKS / "numbers" / profile).glob("*.json")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        books[path.stem] = [t for _, outs in sorted(cells.items(), key=lambda kv: int(kv[0])) for t in outs
                            if isinstance(t, str)]
    return books


@pytest.mark.parametrize("profile", ["quick", "full"])
def test_the_committed_numbers_agree_across_notebooks(profile):
    books = committed_books(profile)
    if not books:
        pytest.skip(f"no committed {profile} numbers")
    assert shared_figure_mismatches(books) == []


def _book(table01_ex1, table05_fps, fog01=("2", "61"), fog05=("2", "2", "61"), worse=("all 6", "all 6")):
    cap01 = (f'<p class="hw2-caption" data-label="tab:fps-labels-scores"><b>{ref("tab:fps-labels-scores")}.</b> '
             "Mean scores (3 images per direction, 256 px on the long side).</p>")
    row = lambda name, v: f"| {name} | {v[0]} | {v[1]} | {v[2]} | 0.6 | 0.3 | 0.9 | – |"  # noqa: E731
    t01 = (cap01 + "\n\n| labels | P: style | VGG-free | photo | M: style | VGG-free | photo | worse |\n"
           + "|---|---|---|---|---|---|---|---|\n" + row("none (ex1)", table01_ex1) + "\n"
           + row("hand-made (ex2)", ("0.7", "0.2", "0.6")))
    prose01 = (f"The hand-made labels lighten x most (row {fog01[0]} of {ref('fig:fps-photo2monet')}): its mean "
               f"luminance rises from 0.54 to 0.68 and it keeps {fog01[1]}% of the content's contrast.")
    head = ("| method | content SSIM ↑ | edge SSIM ↑ | Gram distance ↓ | VGG-free style ↓ |\n|---|---|---|---|---|\n"
            f"| FastPhotoStyle (exact smoothing) | 0.8 | {table05_fps[2]} | {table05_fps[0]} | {table05_fps[1]} |")
    comp = ("| method | content SSIM ↑ | edge SSIM ↑ | Gram distance ↓ | Lab colour ↓ | LBP texture ↓ | VGG-free style ↓ |\n"
            "|---|---|---|---|---|---|---|\n"
            f"| FastPhotoStyle (exact smoothing) | 0.8 | {table05_fps[2]} | {table05_fps[0]} | 0.3 | 0.1 | {table05_fps[1]} |\n"
            "| FastPhotoStyle + hand-made labels | 0.7 | 0.6 | 0.7 | 0.3 | 0.1 | 0.2 |")
    t05 = [f'<p class="hw2-caption" data-label="tab:05-comparison">T</p>\n\n{comp}',
           f"They lighten the photo of row {fog05[0]} of Figure 22 most (the same output as row {fog05[1]} of "
           f"{ref('fig:fps-photo2monet')}): its mean luminance rises from 0.54 to 0.68 and it keeps {fog05[2]}% of "
           "the photo's contrast. It closes 86% of the Gram gap (x) by the VGG-free distance it "
           f"closes 72%, and FastPhotoStyle does worse on {worse[1]} of Table 15",
           "## Abstract\n\nNeural Style removes 86% of the photo's Gram distance to the painting and 72% of its "
           f"VGG-free distance. Labels made it worse on {worse[0]}.",
           f'<p class="hw2-caption" data-label="tab:headline">The four methods at 256 px.</p>\n\n{head}']
    return {"01_fastphotostyle": [t01, prose01], "05_conclusions": t05}


def test_the_check_finds_each_kind_of_disagreement():
    same = ("0.627", "0.183", "0.8")
    assert shared_figure_mismatches(_book(same, same)) == []
    assert any("Table 3" in p for p in shared_figure_mismatches(_book(same, ("0.613", "0.183", "0.8"))))
    assert any("palest" in p for p in shared_figure_mismatches(_book(same, same, fog05=("3", "3", "40"))))
    assert any("hand-made labels" in p
               for p in shared_figure_mismatches(_book(same, same, worse=("5 of the 6 measures", "all 6"))))
    broken = _book(same, same)
    broken["05_conclusions"][3] = broken["05_conclusions"][3].replace("256 px", "224 px")
    assert any("sizes" in p for p in shared_figure_mismatches(broken))


def executed_books(paths) -> dict[str, list[str]]:
    """The output texts of executed notebooks (markdown, HTML or plain text of each output), per notebook."""
    import nbformat

    books = {}
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        texts = []
        for cell in nb.cells:
            for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
                data = out.get("data", {})
                for mime in ("text/markdown", "text/html", "text/plain"):
                    if mime in data:
                        texts.append(data[mime] if isinstance(data[mime], str) else "".join(data[mime]))
                        break
        books[path.stem] = texts
    return books


#: template text: a plural left to the reader, or two alternatives joined by a slash
_TEMPLATE = [re.compile(p) for p in (r"\w\(s\)", r"\b(\w+)/\1\b", r"\b(\w+ → \w+)/\w+ → \w+\b")]


def _paths() -> re.Pattern:
    """What names a file or a command: a folder of the repository, a file name, ``make <target>``."""
    makefile = (config.ROOT / "Makefile").read_text(encoding="utf-8")
    targets = sorted(set(re.findall(r"^([a-z][\w-]*):", makefile, re.M)), key=len, reverse=True)
    return re.compile(rf"\bmake (?:{'|'.join(map(re.escape, targets))})\b|"
                      r"\b(?:hw2|notebooks|benchmarks|figures|report|tests)/|"
                      r"\b[\w.-]+\.(?:py|md|json|ipynb|yaml|pth|txt)\b")


def pdf_text_problems(text: str) -> list[str]:
    """What a strict reader would object to in the printed report's text (``pdftotext`` of the PDF): no
    "References" heading, template text, a raw TeX escape, a file or command in the body (everything before
    the line "References")."""
    problems = []
    refs = re.search(r"^\s*References\s*$", text, re.M)
    if refs is None:
        return ["no References heading"]
    body = text[:refs.start()]
    for pattern in _TEMPLATE:
        for m in pattern.finditer(text):
            problems.append(f"template text {m.group(0)!r}")
    if "\\_" in text:
        problems.append("a raw TeX escape \\_ in the text")
    for m in _paths().finditer(body):
        problems.append(f"a file or command in the body: {m.group(0)!r} in "
                        f"{body[max(0, m.start() - 60):m.end() + 20]!r}")
    return problems


def _plain(html: str) -> str:
    import html as _html

    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return _html.unescape(re.sub(r"<[^>]+>", " ", html))


def _letters(text: str) -> str:
    """Only the letters and digits, lower case (a title as the PDF or HTML may break or hyphenate it)."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def reference_problems(html: str) -> list[str]:
    """The reference list of the combined report's HTML (the PDF prints it; its math breaks the PDF's text
    flow): every work cited before or after the list, and only those, numbered in the order of first citation."""
    marker = html.find('class="hw2-references"')
    if marker < 0:
        return ["no reference list"]
    ol = re.compile(r"<ol[^>]*>(.*?)</ol>", re.S).search(html, marker)
    if ol is None:
        return ["the reference list is not numbered"]
    items = [_letters(_plain(li)) for li in re.findall(r"<li[^>]*>(.*?)</li>", ol[1], re.S)]
    cited = document.cited([_plain(html[:marker]), _plain(html[ol.end():])])
    titles = {k: _letters(re.search(r"\*(.+?)\*", document.REFERENCES[k][1])[1]) for k in document.REFERENCES}
    listed = [next((k for k, t in titles.items() if t in item), None) for item in items]
    problems = [f"listed but unknown: item {i + 1}" for i, k in enumerate(listed) if k is None]
    problems += [f"cited but not listed: {document.REFERENCES[k][0]}" for k in cited if k not in listed]
    problems += [f"listed but not cited: {document.REFERENCES[k][0]}" for k in listed if k and k not in cited]
    if not problems and listed != cited:
        problems.append(f"not in citation order: {[document.REFERENCES[k][0] for k in listed]}")
    return problems


def test_the_pdf_text_checks_find_each_problem():
    good = "Body by Li et al. (2018).\nReferences\n1. Y. Li. A Closed-form Solution.\nAppendix\nmake report, hw2/x.py"
    assert pdf_text_problems(good) == []
    assert pdf_text_problems(good.replace("Body by", "Draws 3 time(s) by"))[0].startswith("template text")
    assert pdf_text_problems(good.replace("Body by", "lower/lower by"))
    assert pdf_text_problems(good.replace("Body by", "(photo → Monet/Monet → photo) by"))
    assert pdf_text_problems(good.replace("Body by", "relu4\\_2 by")) == ["a raw TeX escape \\_ in the text"]
    assert "file or command" in pdf_text_problems(good.replace("Body by", "see hw2/weights/card.md, by"))[0]
    assert "file or command" in pdf_text_problems(good.replace("Body by", "run make bench, by"))[0]
    assert pdf_text_problems(good.replace("Body by", "the choices make the seams disappear, by")) == []
    assert pdf_text_problems(good.replace("References", "Refs")) == ["no References heading"]


def test_the_reference_checks_find_each_problem():
    def page(body, keys, after=""):
        listing = document.references_markdown(keys).split("\n\n")[1]
        items = "".join(f"<li>{line.split('. ', 1)[1]}</li>" for line in listing.splitlines())
        return (f"<html><head><script>Li et al., 2017</script></head><p>{body}</p><h2>References</h2>"
                f'<div class="hw2-references"></div><ol>{items}</ol><p>{after}</p></html>')
    body = "Li et al. (2018) and Efros &amp; Freeman,\n2001"
    assert reference_problems(page(body, ["li2018", "efros2001"])) == []
    assert reference_problems(page(body, ["li2018", "efros2001"], after="Brock et al. 2019")) == [
        "cited but not listed: Brock et al., 2019"]                    # the appendix cites too
    assert reference_problems(page(body, ["li2018"])) == ["cited but not listed: Efros & Freeman, 2001"]
    assert reference_problems(page(body, ["li2018", "efros2001", "he2013"])) == ["listed but not cited: He et al., 2013"]
    assert "not in citation order" in reference_problems(page(body, ["efros2001", "li2018"]))[0]
    assert reference_problems("<p>Li et al. (2018)</p>") == ["no reference list"]
