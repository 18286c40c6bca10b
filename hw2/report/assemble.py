"""The combined report ``index.html``: the notebooks arranged as one paper, by their cell tags.

Order (the tags are those of :mod:`hw2.document`):

1. the title and a one-line build stamp, then every cell tagged ``title-page`` (of any notebook,
   in notebook order: abstract, headline table, summary figure), then the contents;
2. each notebook's section, starting on a new page, code hidden;
3. the appendix, on a new page: every notebook's cells tagged ``appendix`` under one heading
   per notebook, then how the report was built (machine, profile, how many numbers equal the
   committed ones, links to the executed notebooks and their run times).

The reference list (notebook 05's, before the appendix) is rebuilt from the whole report's text:
every work it cites, numbered in the order of first citation (:func:`renumber_references`).

Cells tagged ``interactive``, ``notebook-only`` or ``remove-cell`` are left out (the
per-notebook HTML keeps them), and so are stderr streams and widget views. Each numbered figure and
its caption become one block, which a page break never splits.
"""
from __future__ import annotations

import copy
import datetime as _dt
import html
from pathlib import Path
from typing import Sequence

from ..document import REFERENCES_MARKER, cited, references_markdown
from .runner import Executed
from .export import exporter, page

__all__ = ["combine", "arrange", "renumber_references", "DROPPED"]

#: tags of cells the combined report leaves out
DROPPED = frozenset({"remove-cell", "interactive", "notebook-only"})

TITLE = "Style transfer on Photo ↔ Monet: four methods compared"


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _is_figure_caption(out) -> bool:
    html_ = out.get("data", {}).get("text/html", "")
    html_ = "".join(html_) if isinstance(html_, list) else html_
    return html_.lstrip().startswith('<p class="hw2-caption"') and 'data-label="fig:' in html_


def _figures_with_captions(outputs: list) -> list:
    """Each figure (a PNG output) followed by its caption (:func:`hw2.document.show_figure`) as one output, a
    ``<div class="hw2-figure">`` holding the image and the caption, so that a page break never falls between
    them (two sibling outputs can only be kept together by break-avoid rules, which make Chromium push a
    figure to the next page when it would fit)."""
    out, i = [], 0
    while i < len(outputs):
        o = outputs[i]
        png = o.get("data", {}).get("image/png")
        if png is not None and i + 1 < len(outputs) and _is_figure_caption(outputs[i + 1]):
            png = "".join(png) if isinstance(png, list) else png
            caption = outputs[i + 1]["data"]["text/html"]
            caption = "".join(caption) if isinstance(caption, list) else caption
            merged = copy.deepcopy(outputs[i + 1])
            merged["data"] = {"text/html": f'<div class="hw2-figure"><img src="data:image/png;base64,'
                                           f'{png.strip()}" alt="">{caption}</div>'}
            out.append(merged)
            i += 2
        else:
            out.append(o)
            i += 1
    return out


def _clean_for_report(cell):
    """Drop what does not belong in a printed report (progress bars, widget views, stderr) and join each figure
    to its caption."""
    cell = copy.deepcopy(cell)
    if cell.cell_type == "code":
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                continue
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                continue
            kept.append(out)
        cell["outputs"] = _figures_with_captions(kept)
    return cell


def arrange(books: Sequence[tuple[str, object]]) -> dict:
    """Sort the cells of ``books`` (``(name, notebook)`` pairs, in order) into the report's parts.

    Returns ``{"title": [cells], "sections": {name: [cells]}, "appendix": {name: [cells]}}``;
    dropped cells (:data:`DROPPED`) are in none of them, and an empty appendix part is left out.
    """
    parts = {"title": [], "sections": {}, "appendix": {}}
    for name, nb in books:
        section, appendix = [], []
        for cell in nb.cells:
            tags = _tags(cell)
            if tags & DROPPED:
                continue
            if "title-page" in tags:
                parts["title"].append(_clean_for_report(cell))
            elif "appendix" in tags:
                appendix.append(_clean_for_report(cell))
            else:
                section.append(_clean_for_report(cell))
        parts["sections"][name] = section
        if appendix:
            parts["appendix"][name] = appendix
    return parts


def _cell_texts(cell) -> list[str]:
    """What a reader sees of ``cell``: a markdown cell's source, or a code cell's displayed text."""
    if cell.cell_type == "markdown":
        return [cell.source]
    texts = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        for mime in ("text/markdown", "text/html", "text/plain"):
            if mime in data:
                texts.append("".join(data[mime]) if isinstance(data[mime], list) else data[mime])
                break
        if out.get("output_type") == "stream":
            texts.append(out.get("text", ""))
    return texts


def renumber_references(cells) -> bool:
    """Rebuild the reference list (the output that starts with :data:`hw2.document.REFERENCES_MARKER`) from
    the works cited in ``cells`` (in place), numbered in the order the combined report first cites them.

    A notebook sees only its own cells when it runs; the combined report is the first place where the
    whole text, title page and appendix included, is in reading order. Returns whether a list was found.
    """
    found = None
    texts = []
    for cell in cells:
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                md = out.get("data", {}).get("text/markdown")
                if md is not None and ("".join(md) if isinstance(md, list) else md).startswith(REFERENCES_MARKER):
                    found = out
        texts += [t for t in _cell_texts(cell) if not t.startswith(REFERENCES_MARKER)]
    if found is None:
        return False
    found["data"] = {"text/markdown": references_markdown(cited(texts))}
    return True


def _numbers_line(summary: dict | None, profile: str) -> str:
    if summary is None:
        return ""
    if summary["missing"] and not summary["total"]:
        return f"No committed {profile}-profile numbers to compare with (`make freeze-numbers`)."
    line = (f"**{summary['equal']} of {summary['total']} numbers** in this report equal the committed "
            f"{profile}-profile numbers (`notebooks/numbers/{profile}/`, `make verify PROFILE={profile}`).")
    if summary["missing"]:
        line += f" Not committed: {', '.join(summary['missing'])}."
    return line


def _build_section(executed: Sequence[Executed], *, profile: str, machine: dict, numbers: dict | None,
                   when: str, envelope: dict | None = None) -> str:
    lines = [
        '<div class="hw2-build"></div>',
        "",
        "## How this report was built",
        "",
        f"Built {when} with profile **{profile}** on {machine['cores']} CPU cores "
        f"({html.escape(str(machine['cpu']))}), torch {machine['torch']}, GPU: {machine['gpu'] or 'none'}. "
        "Every figure and number was produced by executing the notebooks below; the code is hidden here "
        "and visible in each notebook's own page.",
        "",
        _numbers_line(numbers, profile),
        "",
        "| notebook | executed notebook | with code | run time |",
        "|---|---|---|---|",
    ]
    for e in executed:
        lines.append(f"| [{html.escape(e.title)}](#nb-{e.name}) | [{e.name}.ipynb]({e.name}.ipynb) "
                     f"| [{e.name}.html]({e.name}.html) | {e.seconds:.0f} s |")
    lines += ["", *_tolerance_lines(envelope), "", *_difference_lines(numbers)]
    return "\n".join(lines)


def _tolerance_lines(envelope: dict | None) -> list[str]:
    """The tolerance per kind of number, with the largest relative spread measured for it."""
    from .numbers import TOLERANCES

    lines = ["**Tolerances.** Each computation runs on one thread per notebook, so on one machine every number "
             "comes out the same whatever the load. Another thread count (`OMP_NUM_THREADS`) or a CPU with "
             "other vector units changes the last bits of large sums, which iterative optimisation amplifies; "
             "a number then counts as equal within the tolerance of its kind. The measured spread is the "
             "largest relative difference seen across the variants of the `report` benchmark.",
             "", "| kind of number | relative tolerance | covers | measured spread |", "|---|---|---|---|"]
    for kind, tol in TOLERANCES.items():
        seen = [(name, v[kind]["max_rel_diff"]) for name, v in (envelope or {}).items() if kind in v]
        spread = (", ".join(f"{name.replace('_', ' ')} {x:.2g}" for name, x in seen) if seen
                  else "not measured")
        lines.append(f"| {kind} | {tol.rtol:g}" + (" or one unit in the last printed place" if tol.last_place else "")
                     + f" | {tol.what} | {spread} |")
    return lines


def _difference_lines(numbers: dict | None, limit: int = 40) -> list[str]:
    """The numbers of this build that differ from the committed ones, with the committed value."""
    diffs = (numbers or {}).get("differences") or []
    if not diffs:
        return ["No number of this build differs from the committed one beyond its tolerance."] if numbers else []
    lines = [f"**Numbers that differ** from the committed ones ({len(diffs)}):", "",
             "| notebook | code cell | committed | this build |", "|---|---|---|---|"]
    for d in diffs[:limit]:  # a changed text shows the words around its first difference
        lines.append(f"| {d['notebook']} | {d['cell']} | {html.escape(str(d['committed']))} | "
                     f"{html.escape(str(d['now']))} |")
    if len(diffs) > limit:
        lines.append(f"| … | | {len(diffs) - limit} more | |")
    return lines


def combine(executed: Sequence[Executed], output: Path, *, profile: str, machine: dict | None = None,
            numbers: dict | None = None, envelope: dict | None = None) -> Path:
    """Write the combined report ``index.html`` (the module docstring gives its order); code hidden.

    ``numbers`` is a :func:`hw2.report.numbers.match_summary` of this build, stated on the title page and
    in the appendix with every number that differs; ``envelope`` the measured spread of the numbers
    (the ``envelope`` of ``make bench ONLY=report``), shown beside the tolerances.
    """
    import nbformat
    from nbformat.v4 import new_markdown_cell, new_notebook

    from ..io import atomic_write
    from ..timing import machine_info

    machine = machine or machine_info()
    when = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    parts = arrange([(e.name, nbformat.read(e.path, as_version=4)) for e in executed])
    stamp = f"Built {when}, profile {profile}"
    if numbers is not None and numbers.get("total"):
        stamp += f"; {numbers['equal']} of {numbers['total']} numbers equal the committed ones"
    cells = [new_markdown_cell(f"# {TITLE}\n\n<p class=\"hw2-stamp\"><small>{stamp} "
                               "(details in the appendix).</small></p>")]
    cells += parts["title"]
    contents = ["## Contents", ""]
    # the section titles carry their own numbers ("2 · Neural Style"): a plain list, not a numbered one
    contents += [f"- [{html.escape(e.title)}](#nb-{e.name})" for e in executed]
    contents.append("- [Appendix](#appendix)")
    cells.append(new_markdown_cell('<div class="hw2-contents"></div>\n\n' + "\n".join(contents)))
    for e in executed:
        cells.append(new_markdown_cell(f'<div class="hw2-notebook" id="nb-{e.name}"></div>'))
        cells += parts["sections"][e.name]
    cells.append(new_markdown_cell('<div class="hw2-appendix" id="appendix"></div>\n\n# Appendix'))
    titles = {e.name: e.title for e in executed}
    for name, appendix in parts["appendix"].items():
        cells.append(new_markdown_cell(f"## {html.escape(titles[name])}"))
        cells += appendix
    cells.append(new_markdown_cell(_build_section(executed, profile=profile, machine=machine, numbers=numbers,
                                                  when=when, envelope=envelope)))
    renumber_references(cells)
    for i, cell in enumerate(cells):  # ids must be unique across the merged notebooks
        cell["id"] = f"cell-{i}"
    combined = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                  "language": "python"}})
    body, _ = exporter(hide_code=True).from_notebook_node(combined)
    with atomic_write(output, "w") as fh:
        fh.write(page(body, report=True))
    return output
