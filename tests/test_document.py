"""hw2.document: numbering over the registry, references, captions."""
import re

import pytest

from hw2 import document


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(document, "ORDER", {"title": ("fig:summary", "tab:headline"), "01": ("fig:a", "tab:b", "fig:c"),
                                            "appendix-01": ("fig:z",)})


def test_figures_and_tables_are_numbered_separately_in_order(registry):
    assert [document.number(x) for x in ("fig:summary", "fig:a", "fig:c", "fig:z")] == [1, 2, 3, 4]
    assert [document.number(x) for x in ("tab:headline", "tab:b")] == [1, 2]
    assert document.ref("fig:c") == "Figure 3" and document.ref("tab:b") == "Table 2"


def test_unknown_or_malformed_labels_are_refused(registry):
    with pytest.raises(ValueError, match="not registered"):
        document.number("fig:nope")
    with pytest.raises(ValueError, match="must start with"):
        document.number("figure-a")


def test_a_label_registered_twice_is_refused(monkeypatch):
    monkeypatch.setattr(document, "ORDER", {"01": ("fig:a",), "02": ("fig:a",)})
    with pytest.raises(ValueError, match="twice"):
        document.labels()


def test_the_shipped_registry_is_consistent():
    labels = document.labels()
    assert all(re.fullmatch(r"(fig|tab):[a-z0-9-]+", x) for x in labels), labels


def test_caption_carries_number_anchor_and_text(registry):
    html = document.caption_html("fig:c", "Three <i>things</i>.")
    assert 'id="fig-c"' in html and "<b>Figure 3.</b> Three <i>things</i>." in html


def test_show_figure_needs_label_and_caption_together(registry):
    with pytest.raises(ValueError, match="both"):
        document.show_figure(None, label="fig:a")
    with pytest.raises(ValueError, match="both"):
        document.show_table([], ["x"], caption="c")


def test_citations_and_reference_list():
    assert document.cite("li2018") == "Li et al., 2018"
    with pytest.raises(ValueError, match="unknown reference"):
        document.cite("nobody1999")
    marker, listing = document.references_markdown().split("\n\n")
    assert marker == document.REFERENCES_MARKER
    listing = listing.splitlines()
    assert [x.split(". ", 1)[0] for x in listing] == [str(i) for i in range(1, len(document.REFERENCES) + 1)]


def test_the_segmenter_and_every_cited_work_are_registered():
    keys = {"chen2017", "sandler2018", "levin2008", "brock2019", "zhou2017"}
    assert keys <= set(document.REFERENCES)
    assert "DeepLabV3" in document.REFERENCES["chen2017"][1] and "MobileNetV2" in document.REFERENCES["sandler2018"][1]
    shorts = [short for short, _ in document.REFERENCES.values()]
    assert len(set(shorts)) == len(shorts), "two works share an in-text citation"


def test_citation_forms_and_order():
    texts = ["Brock et al.,\n2019 and Levin et al. (2008)", "Efros &amp; Freeman, 2001; Gatys et al. 2017; Li et al. 20189",
             "Levin et al., 2008 again; Efros and Freeman (2001)"]
    # in order of first citation; a line break, parentheses, no comma and HTML entities all count; 20189 is no year
    assert document.cited(texts) == ["brock2019", "levin2008", "efros2001", "gatys2017"]


def test_only_cited_works_are_listed(tmp_path):
    import json

    texts = ["As Li et al., 2018 show", 'code: document.cite("gatys2016") + cite(\'efros2001\')', "Li et al. 2019x"]
    assert document.cited(texts) == ["li2018", "gatys2016", "efros2001"]   # citation order; "2019x" is no year
    listing = document.references_markdown(document.cited(texts)).split("\n\n")[1].splitlines()
    assert len(listing) == 3 and listing[0].startswith("1. ") and "Photorealistic Image Stylization" in listing[0]
    assert listing[2].startswith("3. ") and "Image Quilting" in listing[2]
    assert document.references_markdown([]) == ""
    with pytest.raises(ValueError, match="unknown references"):
        document.references_markdown(["nobody1900"])
    nb = tmp_path / "a.ipynb"
    nb.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": ["Efros & ", "Freeman, 2001"]},
                                        {"cell_type": "code", "source": "x = 1", "outputs": [{"text": "Li et al., 2017"}]}]}))
    assert document.cited(document.notebook_sources([nb])) == ["efros2001"]   # outputs are not read
