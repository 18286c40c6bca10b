"""The report as a document: numbered figures and tables, cross references, code-emitted prose, references.

Figures and tables are numbered from one ordered registry, :data:`ORDER`, so a notebook shows the
same "Figure 7" live in JupyterLab, in its own HTML page and in the combined PDF, and prose refers
to it with :func:`ref` before or after it is shown. The combined report (:mod:`hw2.report`) puts the
parts in the registry's order: the cells tagged ``title-page`` first, then each notebook's section,
then the cells tagged ``appendix`` of every notebook. Markdown cells never spell a figure or table
number; code cells emit any sentence that needs one (or a computed value) with :func:`prose`.

Cell tags the report understands
--------------------------------
``parameters``   papermill's parameters cell.
``title-page``   moved to the title page of the combined report (abstract, headline table, summary figure).
``appendix``     moved to the appendix at the end of the combined report.
``interactive``  widget panels and their introduction: kept in the notebook and its HTML, left out of the report.
``notebook-only`` kept in the notebook and its HTML, left out of the report (reference material).
``timing``, ``benchmarks``  skipped by ``make verify`` (see :mod:`hw2.report.numbers`).

A figure shown in a cell that the report leaves out must not be numbered (no ``label``).

Numbers for ``make verify``
---------------------------
What a notebook shows is compared with the committed numbers, each output within the tolerance of
its kind of number (:data:`NUMBER_KINDS`): ``show_table(..., numbers="sensitive")`` and
``prose(..., numbers="sensitive")`` mark results that move with the thread count (iterative optimisation, ill-conditioned solves). Timings are marked where
they are made: :func:`timing` for a value in prose, ``show_table(..., timing=[column, ...])`` for
table columns; they are shown as they are and never compared.
"""
from __future__ import annotations

import re
import textwrap

__all__ = ["ORDER", "REFERENCES", "NUMBER_KINDS", "TIMING_SPAN", "number", "ref", "caption_html", "show_figure",
           "markdown_table", "show_table", "prose", "timing", "cite", "cited", "notebook_sources",
           "references_markdown", "REFERENCES_MARKER", "labels"]

#: the kinds of number an output can hold; :data:`hw2.report.numbers.TOLERANCES` gives each its tolerance
NUMBER_KINDS = ("numeric", "sensitive")

#: the markup of a timing (``{}``: the shown text), which ``make verify`` masks
TIMING_SPAN = '<span class="hw2-timing">{}</span>'

#: part -> labels in document order; ``fig:`` labels are numbered as figures, ``tab:`` labels as tables,
#: consecutively over the parts in this order. Each notebook owns its own entries.
ORDER: dict[str, tuple[str, ...]] = {
    "title": ("tab:headline", "fig:summary"),

    "01": ("fig:fps-labels", "tab:fps-classes", "fig:fps-photo2monet", "fig:fps-monet2photo", "tab:fps-labels-scores",
           "fig:fps-smoothing", "tab:fps-smoothing", "tab:fps-lambda", "fig:fps-methods",
           "fig:fps-tradeoff", "tab:fps-methods"),

    "02": ("fig:ns-pairs", "tab:ns-pairs", "fig:ns-loss", "fig:ns-sweep", "tab:ns-sweep", "fig:ns-colour",
           "fig:ns-textures", "tab:ns-textures"),

    "03": ("tab:munit-design", "fig:munit-random", "fig:munit-reference-photo2monet",
           "fig:munit-temperature", "tab:munit-metrics", "fig:munit-families-random", "fig:munit-families-reference",
           "tab:munit-families", "fig:munit-fig31", "tab:munit-fig31", "tab:munit-fig31-pairs",
           "tab:munit-hypothesis"),

    "04": ("fig:iq-modes", "tab:iq-modes", "fig:iq-synthesis", "fig:iq-sources",
           "tab:iq-sources", "fig:iq-transfer", "tab:iq-transfer", "fig:iq-passes"),

    "05": ("fig:05-all-methods", "fig:05-fps-variants", "tab:05-comparison", "fig:05-strength", "tab:05-seed"),

    "appendix-01": ("tab:fps-smoothing-times", "tab:fps-methods-times"),

    "appendix-02": ("tab:ns-bench",),

    "appendix-03": ("fig:munit-curves",),

    "appendix-04": ("tab:iq-synthesis", "tab:iq-transfer-all"),

    "appendix-05": ("tab:05-runtime", "tab:benchmarks"),
}

#: key -> (in-text citation, full entry in markdown). Cite in prose as written in the first field (or as
#: ``Li et al. (2018)``; :func:`cited` finds both); the report lists the cited works in citation order.
REFERENCES: dict[str, tuple[str, str]] = {
    "li2018": ("Li et al., 2018", "Y. Li, M.-Y. Liu, X. Li, M.-H. Yang, J. Kautz. *A Closed-form Solution to "
               "Photorealistic Image Stylization.* ECCV 2018."),
    "li2017": ("Li et al., 2017", "Y. Li, C. Fang, J. Yang, Z. Wang, X. Lu, M.-H. Yang. *Universal Style Transfer "
               "via Feature Transforms.* NeurIPS 2017."),
    "gatys2015": ("Gatys et al., 2015", "L. A. Gatys, A. S. Ecker, M. Bethge. *Texture Synthesis Using "
                  "Convolutional Neural Networks.* NeurIPS 2015."),
    "gatys2016": ("Gatys et al., 2016", "L. A. Gatys, A. S. Ecker, M. Bethge. *Image Style Transfer Using "
                  "Convolutional Neural Networks.* CVPR 2016."),
    "gatys2017": ("Gatys et al., 2017", "L. A. Gatys, A. S. Ecker, M. Bethge, A. Hertzmann, E. Shechtman. "
                  "*Controlling Perceptual Factors in Neural Style Transfer.* CVPR 2017."),
    "huang2017": ("Huang & Belongie, 2017", "X. Huang, S. Belongie. *Arbitrary Style Transfer in Real-time "
                  "with Adaptive Instance Normalization.* ICCV 2017."),
    "huang2018": ("Huang et al., 2018", "X. Huang, M.-Y. Liu, S. Belongie, J. Kautz. *Multimodal Unsupervised "
                  "Image-to-Image Translation.* ECCV 2018."),
    "efros2001": ("Efros & Freeman, 2001", "A. A. Efros, W. T. Freeman. *Image Quilting for Texture Synthesis "
                  "and Transfer.* SIGGRAPH 2001."),
    "zhu2017": ("Zhu et al., 2017", "J.-Y. Zhu, T. Park, P. Isola, A. A. Efros. *Unpaired Image-to-Image "
                "Translation using Cycle-Consistent Adversarial Networks.* ICCV 2017."),
    "levin2008": ("Levin et al., 2008", "A. Levin, D. Lischinski, Y. Weiss. *A Closed-Form Solution to Natural "
                  "Image Matting.* IEEE TPAMI 30(2), 2008."),
    "he2013": ("He et al., 2013", "K. He, J. Sun, X. Tang. *Guided Image Filtering.* IEEE TPAMI 35(6), 2013."),
    "zhou2004": ("Zhou et al., 2004", "D. Zhou, O. Bousquet, T. N. Lal, J. Weston, B. Schölkopf. *Learning "
                 "with Local and Global Consistency.* NeurIPS 2004."),
    "simonyan2015": ("Simonyan & Zisserman, 2015", "K. Simonyan, A. Zisserman. *Very Deep Convolutional Networks "
                     "for Large-Scale Image Recognition.* ICLR 2015."),
    "heusel2017": ("Heusel et al., 2017", "M. Heusel, H. Ramsauer, T. Unterthiner, B. Nessler, S. Hochreiter. "
                   "*GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium.* "
                   "NeurIPS 2017."),
    "mao2017": ("Mao et al., 2017", "X. Mao, Q. Li, H. Xie, R. Y. K. Lau, Z. Wang, S. P. Smolley. *Least "
                "Squares Generative Adversarial Networks.* ICCV 2017."),
    "zhou2017": ("Zhou et al., 2017", "B. Zhou, H. Zhao, X. Puig, S. Fidler, A. Barriuso, A. Torralba. *Scene "
                 "Parsing through ADE20K Dataset.* CVPR 2017."),
    "chen2017": ("Chen et al., 2017", "L.-C. Chen, G. Papandreou, F. Schroff, H. Adam. *Rethinking Atrous "
                 "Convolution for Semantic Image Segmentation* (DeepLabV3). arXiv:1706.05587, 2017."),
    "sandler2018": ("Sandler et al., 2018", "M. Sandler, A. Howard, M. Zhu, A. Zhmoginov, L.-C. Chen. "
                    "*MobileNetV2: Inverted Residuals and Linear Bottlenecks.* CVPR 2018."),
    "wang2004": ("Wang et al., 2004", "Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli. *Image Quality "
                 "Assessment: From Error Visibility to Structural Similarity.* IEEE TIP 13(4), 2004."),
    "ojala2002": ("Ojala et al., 2002", "T. Ojala, M. Pietikäinen, T. Mäenpää. *Multiresolution Gray-Scale and "
                  "Rotation Invariant Texture Classification with Local Binary Patterns.* IEEE TPAMI 24(7), 2002."),
    "liu1989": ("Liu & Nocedal, 1989", "D. C. Liu, J. Nocedal. *On the Limited Memory BFGS Method for Large "
                "Scale Optimization.* Mathematical Programming 45, 1989."),
    "kingma2015": ("Kingma & Ba, 2015", "D. P. Kingma, J. Ba. *Adam: A Method for Stochastic Optimization.* "
                   "ICLR 2015."),
    "brock2019": ("Brock et al., 2019", "A. Brock, J. Donahue, K. Simonyan. *Large Scale GAN Training for High "
                  "Fidelity Natural Image Synthesis.* ICLR 2019."),
    "zhao2020": ("Zhao et al., 2020", "S. Zhao, Z. Liu, J. Lin, J.-Y. Zhu, S. Han. *Differentiable Augmentation "
                 "for Data-Efficient GAN Training.* NeurIPS 2020."),
    "yoo2019": ("Yoo et al., 2019", "J. Yoo, Y. Uh, S. Chun, B. Kang, J.-W. Ha. *Photorealistic Style Transfer "
                "via Wavelet Transforms.* ICCV 2019."),
    "kingma2018": ("Kingma & Dhariwal, 2018", "D. P. Kingma, P. Dhariwal. *Glow: Generative Flow with Invertible "
                   "1x1 Convolutions.* NeurIPS 2018."),
    "li2019": ("Li et al., 2019", "X. Li, S. Liu, J. Kautz, M.-H. Yang. *Learning Linear Transformations for "
               "Fast Image Style Transfer.* CVPR 2019."),
}


def labels() -> list[str]:
    """Every registered label, in document order."""
    out: list[str] = []
    for part in ORDER.values():
        out.extend(part)
    if len(set(out)) != len(out):
        dup = sorted({x for x in out if out.count(x) > 1})
        raise ValueError(f"labels registered twice in hw2.document.ORDER: {dup}")
    return out


def number(label: str) -> int:
    """The number of figure/table ``label`` (``"fig:..."`` or ``"tab:..."``), counted over :data:`ORDER`."""
    kind = label.split(":", 1)[0]
    if kind not in ("fig", "tab"):
        raise ValueError(f"label {label!r} must start with 'fig:' or 'tab:'")
    same = [x for x in labels() if x.startswith(kind + ":")]
    if label not in same:
        raise ValueError(f"label {label!r} is not registered in hw2.document.ORDER; add it to its notebook's part")
    return same.index(label) + 1


def ref(label: str) -> str:
    """``"Figure 3"`` or ``"Table 2"`` for ``label``."""
    return f"{'Figure' if label.startswith('fig:') else 'Table'} {number(label)}"


def caption_html(label: str, caption: str) -> str:
    """The caption paragraph: ``<p class="hw2-caption" id="fig-..."><b>Figure N.</b> caption</p>``."""
    import html as _html

    anchor = label.replace(":", "-")
    return (f'<p class="hw2-caption" id="{anchor}" data-label="{_html.escape(label)}">'
            f'<b>{ref(label)}.</b> {caption}</p>')


def show_figure(fig, name: str | None = None, *, label: str | None = None, caption: str | None = None):
    """Save ``fig`` to ``figures/<name>.png`` (when named), display it with its numbered caption, close it.

    ``label`` and ``caption`` go together; a figure without them is shown unnumbered (only in cells the
    report leaves out, or in the interactive panels).
    """
    import matplotlib.pyplot as plt
    from IPython.display import HTML, display

    from .io import save_figure

    if (label is None) != (caption is None):
        raise ValueError("give both label and caption, or neither")
    if name:
        save_figure(fig, name)
    display(fig)
    plt.close(fig)
    if label is not None:
        display(HTML(caption_html(label, caption)))


def _fmt(v) -> str:
    if isinstance(v, float):
        if v != v:
            return "n/a"
        return f"{v:.3g}" if abs(v) < 1e4 else f"{v:.0f}"
    return str(v)


def timing(value, fmt: str = "{:.1f}") -> str:
    """A timing or memory size for prose or a table cell: shown as it is, never compared by ``make verify``.

    ``value`` is a number (formatted with ``fmt``) or text such as ``"4 to 10 s"``.
    """
    text = value if isinstance(value, str) else fmt.format(value)
    return TIMING_SPAN.format(text)


def markdown_table(rows, headers, *, timing_columns=()) -> str:
    """A GitHub-flavoured markdown table; floats with 3 significant digits.

    ``timing_columns``: headers of the columns that hold timings or memory sizes (see :func:`timing`).
    """
    headers = list(headers)
    unknown = [c for c in timing_columns if c not in headers]
    if unknown:
        raise ValueError(f"timing columns {unknown} are not among the headers {headers}")
    timed = {headers.index(c) for c in timing_columns}
    lines = ["| " + " | ".join(map(str, headers)) + " |", "|" + "---|" * len(headers)]
    for r in rows:
        if len(r) != len(headers):
            raise ValueError(f"row {r!r} has {len(r)} cells for {len(headers)} headers")
        lines.append("| " + " | ".join(timing(_fmt(v)) if i in timed else _fmt(v) for i, v in enumerate(r)) + " |")
    return "\n".join(lines)


def _metadata(numbers: str) -> dict:
    if numbers not in NUMBER_KINDS:
        raise ValueError(f"numbers must be one of {NUMBER_KINDS}, got {numbers!r}")
    return {"hw2": {"numbers": numbers}} if numbers != "numeric" else {}


def show_table(rows, headers, *, label: str | None = None, caption: str | None = None, timing=(),
               numbers: str = "numeric"):
    """Display a markdown table (:func:`markdown_table`) with its numbered caption above it.

    ``timing``: headers of the columns that hold timings (never compared by ``make verify``);
    ``numbers``: the kind of its numbers (:data:`NUMBER_KINDS`), which sets their tolerance.
    """
    from IPython.display import Markdown, display

    if (label is None) != (caption is None):
        raise ValueError("give both label and caption, or neither")
    meta = _metadata(numbers)
    table = markdown_table(rows, headers, timing_columns=timing)
    # one output, so that a page break never separates the caption from its table
    display(Markdown(table if label is None else caption_html(label, caption) + "\n\n" + table), metadata=meta)


def prose(text: str, *, numbers: str = "numeric") -> None:
    """Display ``text`` (markdown, dedented) as the notebook's prose; use f-strings for values and :func:`ref`.

    ``numbers``: the kind of its numbers (:data:`NUMBER_KINDS`); wrap timings in :func:`timing`.
    """
    from IPython.display import Markdown, display

    display(Markdown(textwrap.dedent(text).strip()), metadata=_metadata(numbers))


def cite(key: str) -> str:
    """The in-text citation of ``key``, e.g. ``"Li et al., 2018"``."""
    try:
        return REFERENCES[key][0]
    except KeyError:
        raise ValueError(f"unknown reference {key!r}; add it to hw2.document.REFERENCES") from None


def _citation_pattern(short: str) -> re.Pattern:
    """The forms a work's in-text citation ``short`` (``"Li et al., 2018"``) takes in prose: ``Li et al., 2018``,
    ``Li et al. (2018)``, ``Li et al. 2018``, any run of white space (a line break) between the words, and
    ``&`` written as ``and``."""
    authors, year = short.rsplit(",", 1)
    words = [r"(?:&|and|&amp;)" if w == "&" else re.escape(w) for w in authors.split()]
    return re.compile(r"\b" + r"\s+".join(words) + r"(?:\s*,\s*|\s*\(\s*|\s+)" + re.escape(year.strip()) + r"\b")


def cited(texts) -> list[str]:
    """The keys of :data:`REFERENCES` cited in ``texts`` (strings, in reading order), in the order of their
    first citation.

    A work counts as cited when a text holds its in-text form (the first field, e.g. ``"Li et al., 2018"``,
    also written ``Li et al. (2018)`` or ``Li et al. 2018``; :func:`_citation_pattern`) or a call
    ``cite("key")`` (either quote), the two ways a notebook cites. HTML entities (``&amp;``) are read as
    the characters they stand for.
    """
    import html

    first: dict[str, tuple[int, int]] = {}
    call = re.compile(r"""cite\(\s*["']([^"']+)["']\s*\)""")
    patterns = {k: _citation_pattern(short) for k, (short, _) in REFERENCES.items()}
    for i, text in enumerate(texts):
        text = html.unescape(text)
        found = [(m.start(), m.group(1)) for m in call.finditer(text) if m.group(1) in REFERENCES]
        for key, pattern in patterns.items():
            m = pattern.search(text)
            if m:
                found.append((m.start(), key))
        for pos, key in found:
            if key not in first or (i, pos) < first[key]:
                first[key] = (i, pos)
    return sorted(first, key=first.get)


def notebook_sources(paths) -> list[str]:
    """The source of every cell of the notebooks at ``paths`` (for :func:`cited`); outputs are not read."""
    import json
    from pathlib import Path

    texts = []
    for path in paths:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        texts += ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]]
    return texts


#: the marker that opens the reference list (:func:`references_markdown`); :mod:`hw2.report.assemble` finds
#: the list by it and renumbers it in the combined report's citation order
REFERENCES_MARKER = '<div class="hw2-references"></div>'


def references_markdown(keys=None) -> str:
    """The References section's list: the works ``keys`` (default: all of them), numbered in the order given
    (the order of first citation, :func:`cited`), after :data:`REFERENCES_MARKER`; ``""`` for no works."""
    if keys is not None:
        unknown = [k for k in keys if k not in REFERENCES]
        if unknown:
            raise ValueError(f"unknown references {unknown}; add them to hw2.document.REFERENCES")
    keys = list(REFERENCES if keys is None else keys)
    if not keys:
        return ""
    return REFERENCES_MARKER + "\n\n" + "\n".join(f"{i}. {REFERENCES[k][1]}" for i, k in enumerate(keys, 1))
