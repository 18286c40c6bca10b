"""HTML export of executed notebooks: print CSS, and MathJax served from the report folder (no network).

Equations are typeset by MathJax 2 from the files of the ``jupyter-server-mathjax`` package,
copied into ``<report>/mathjax/`` (:func:`copy_mathjax`) and loaded by a relative URL
(:data:`MATHJAX_URL`), so the HTML and the PDF render the same without a network. When
typesetting is done the page sets ``document.documentElement.dataset.hw2Math = "done"``; the PDF
printer (:mod:`hw2.report.pdf`) waits for it.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

__all__ = ["to_html", "exporter", "page", "SMALL_TABLE_ROWS", "mathjax_source", "copy_mathjax", "MATHJAX_DIR", "MATHJAX_URL",
           "PRINT_CSS"]

#: the MathJax folder inside a report folder
MATHJAX_DIR = "mathjax"
#: MathJax 2 with the combined TeX config shipped by jupyter-server-mathjax, relative to the page
MATHJAX_URL = f"{MATHJAX_DIR}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
#: what the page needs of the package's ``static/`` folder (the config preloads the rest)
_MATHJAX_PARTS = ("MathJax.js", "LICENSE", "config", "extensions", "jax/input/TeX", "jax/element",
                  "jax/output/HTML-CSS", "fonts/HTML-CSS/STIX-Web/woff")

# before MathJax.js loads: web fonts from the report folder only, no menu, and a flag when done
_MATHJAX_CONFIG = """
<script>
window.MathJax = {
  "HTML-CSS": {availableFonts: ["STIX-Web"], preferredFont: "STIX-Web", webFont: "STIX-Web", imageFont: null,
               linebreaks: {automatic: true}},
  MMLorHTML: {prefer: "HTML"}, showMathMenu: false, messageStyle: "none",
  AuthorInit: function () {
    MathJax.Hub.Register.StartupHook("End", function () {
      MathJax.Hub.Queue(function () { document.documentElement.dataset.hw2Math = "done"; });
    });
  }
};
</script>
"""

PRINT_CSS = """
<style>
  body { max-width: 190mm; margin: 0 auto; }
  .jp-OutputArea-output img, .jp-RenderedImage img { max-width: 100% !important; height: auto; }
  .jp-RenderedHTMLCommon table { font-size: 0.85em; }
  .hw2-caption { font-size: 0.85em; line-height: 1.3; margin: 0.2em 0 1.0em 0; }
  .hw2-caption[data-label^="tab:"] { margin: 0.8em 0 0.2em 0; }
  caption.hw2-caption { caption-side: top; text-align: left; }
  @media print {
    @page { size: A4; margin: 12mm 10mm 12mm 10mm; }
    body { max-width: none; margin: 0; }
    .jp-Notebook { padding: 0 !important; }
    .jp-Cell, .jp-Cell * { overflow: visible !important; }  /* no scroll bars on paper */
    .jp-Cell { padding: 0 !important; }
    .jp-OutputArea-output, .jp-RenderedHTMLCommon { padding-left: 0 !important; padding-right: 0 !important; }
    /* sections follow each other on the page (a forced break would leave the end of each section's last
       page empty); only the appendix, after the references, starts a new page */
    .hw2-appendix { break-before: page; }
    .jp-RenderedImage, .jp-RenderedImage img, pre, .hw2-caption { break-inside: avoid; }
    table.hw2-small { break-inside: avoid; }
    tr { break-inside: avoid; }
    thead { display: table-header-group; }
    .jp-RenderedImage img { max-height: 262mm; object-fit: contain; }
    /* a caption stays with its figure: the combined report joins them in one block (hw2.report.assemble);
       a table's caption is its <caption>, part of it */
    .hw2-figure { break-inside: avoid; }
    /* JupyterLab keeps every output whole on a page: a long paragraph of prose then leaves half a page empty.
       Outputs may split like any text; figures, small tables and code blocks still never do. */
    .jp-OutputArea-child { break-inside: auto; }
    .hw2-figure img { max-height: 250mm; object-fit: contain; }
    /* a heading never ends a page: it keeps 35 mm of what follows with it */
    h1, h2, h3, h4 { break-after: avoid; break-inside: avoid; }
    h1::after, h2::after, h3::after, h4::after { content: ""; display: block; height: 35mm; margin-bottom: -35mm; }
    .jp-Cell:has(> .jp-Cell-inputWrapper h1:last-child, > .jp-Cell-inputWrapper h2:last-child,
                 > .jp-Cell-inputWrapper h3:last-child) { break-after: avoid; }
    a { color: inherit; text-decoration: none; }
  }
</style>
"""

# the combined report only: result figures span the text width
_REPORT_CSS = """
<style>
  .jp-RenderedImage img, .hw2-figure img { width: 100% !important; height: auto; display: block; }
  .hw2-contents { columns: 1; }
  .hw2-build table { font-size: 0.8em; }
</style>
"""


def exporter(*, hide_code: bool):
    """nbconvert's lab-template HTML exporter, loading MathJax from :data:`MATHJAX_URL`."""
    from nbconvert import HTMLExporter

    exp = HTMLExporter(template_name="lab")
    exp.exclude_input = hide_code
    exp.exclude_input_prompt = hide_code
    exp.exclude_output_prompt = hide_code
    exp.mathjax_url = MATHJAX_URL
    if hide_code:  # the combined report has no widgets: no require.js from a CDN
        exp.require_js_url = "data:text/javascript,"
    return exp


#: tables with at most this many rows are never split across pages (longer ones split between rows)
SMALL_TABLE_ROWS = 20

_TABLE = re.compile(r"<table(?P<attrs>[^>]*)>(?P<inner>.*?)</table>", re.S)


def _mark_small_tables(body: str) -> str:
    def mark(m):
        if m.group("inner").count("<tr") > SMALL_TABLE_ROWS or "class=" in m.group("attrs"):
            return m.group(0)
        return f'<table class="hw2-small"{m.group("attrs")}>{m.group("inner")}</table>'
    return _TABLE.sub(mark, body)


_TABLE_CAPTION = re.compile(r'<p (?P<attrs>class="hw2-caption"[^>]*data-label="tab:[^"]*"[^>]*)>(?P<text>.*?)</p>\s*'
                            r'<table(?P<table>[^>]*)>', re.S)


def _captions_into_tables(body: str) -> str:
    """Make each table caption (:func:`hw2.document.show_table`) the ``<caption>`` of its table.

    A paragraph before a table can be left at the bottom of a page while the table starts the next;
    a ``<caption>`` is part of the table and always starts with it.
    """
    return _TABLE_CAPTION.sub(lambda m: f'<table{m["table"]}><caption {m["attrs"]}>{m["text"]}</caption>', body)


def page(body: str, *, report: bool = False) -> str:
    """``body`` (an exported page) with the MathJax configuration and the print CSS (and the report's CSS).

    Tables of at most :data:`SMALL_TABLE_ROWS` rows get the class ``hw2-small`` (kept on one page).
    """
    body = _mark_small_tables(_captions_into_tables(body))
    body = body.replace("<head>", "<head>" + _MATHJAX_CONFIG, 1)
    return body.replace("</head>", PRINT_CSS + (_REPORT_CSS if report else "") + "</head>", 1)


def to_html(executed: Path, output: Path) -> Path:
    """Export one executed notebook to HTML with its code visible."""
    import nbformat

    from ..io import atomic_write

    nb = nbformat.read(executed, as_version=4)
    body, _ = exporter(hide_code=False).from_notebook_node(nb)
    with atomic_write(output, "w") as fh:
        fh.write(page(body))
    return output


def mathjax_source() -> Path | None:
    """The MathJax 2 folder of the installed ``jupyter-server-mathjax`` package, or ``None``."""
    try:
        import jupyter_server_mathjax
    except ImportError:
        return None
    static = Path(jupyter_server_mathjax.__file__).parent / "static"
    return static if (static / "MathJax.js").is_file() else None


def copy_mathjax(report_dir: Path, *, source: Path | None = None) -> Path:
    """Copy what the pages need of MathJax into ``report_dir/mathjax``; return that folder.

    Raises
    ------
    FileNotFoundError
        MathJax is not installed (``pip install jupyter-server-mathjax``, part of ``make venv``).
    """
    source = source or mathjax_source()
    if source is None:
        raise FileNotFoundError("MathJax not found: install the jupyter-server-mathjax package (`make venv` does); "
                                "without it the equations show as raw TeX")
    target = Path(report_dir) / MATHJAX_DIR
    for part in _MATHJAX_PARTS:
        src = source / part
        if src.is_dir():  # not the accessibility extensions (4 MB of speech rules)
            shutil.copytree(src, target / part, dirs_exist_ok=True, ignore=shutil.ignore_patterns("a11y"))
        elif src.is_file():
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / part)
        else:
            raise FileNotFoundError(f"MathJax at {source} lacks {part}; reinstall jupyter-server-mathjax")
    return target
