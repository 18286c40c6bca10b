"""hw2.report.numbers and hw2.verify: changed numbers and figures are caught within each kind's tolerance,
timings marked where they are made are never compared."""
from __future__ import annotations

import base64
import copy
import io as _io

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from PIL import Image

from hw2 import document
from hw2.report import numbers as verify


def _png(value: int) -> str:
    buf = _io.BytesIO()
    Image.fromarray(np.full((8, 8, 3), value, np.uint8)).save(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode()


def _nb(number: str, png_value: int, seconds: str):
    c1 = new_code_cell("x", outputs=[new_output("stream", name="stdout", text=f"loss = {number}\n")])
    c2 = new_code_cell("fig", outputs=[new_output("display_data", data={"image/png": _png(png_value),
                                                                      "text/plain": "<Figure>"})])
    c3 = new_code_cell("t", outputs=[new_output("stream", name="stdout", text=f"took {seconds} s\n")])
    c3.metadata["tags"] = ["timing"]
    c4 = new_code_cell("p", outputs=[new_output("stream", name="stderr", text=f"{seconds}it/s\n")])
    return new_notebook(cells=[c1, c2, c3, c4])


def test_identical_within_tolerance():
    a = _nb("0.123456", 100, "1.0")
    b = _nb("0.1234561", 100, "9.0")  # timing cell and stderr differ: ignored
    assert verify.compare_notebooks(a, b) == []


def test_timings_marked_where_made_are_never_compared():
    def table(t, v):
        return document.markdown_table([["cut", t, v]], ["mode", "time (s)", "seams"], timing_columns=["time (s)"])

    tol = verify.TOLERANCES["numeric"]
    assert verify.compare_texts(table(0.51, 1.06), table(0.93, 1.06), tol)[2] == []
    assert verify.compare_texts(table(0.51, 1.06), table(0.51, 1.45), tol)[2] == [("number", "1.06", "1.45")]
    prose = f"the cost: {document.timing('4 to 10 s')} per image, loss 2.13"
    assert verify.compare_texts(prose, prose.replace("4 to 10", "5 to 12"), tol)[2] == []
    assert verify.compare_texts(prose, prose.replace("2.13", "2.17"), tol)[2] == [("number", "2.13", "2.17")]
    # an unmarked column whose header names a time is compared: nothing is recognised by its words
    plain = document.markdown_table([["cut", 0.51]], ["mode", "time (s)"])
    assert verify.compare_texts(plain, plain.replace("0.51", "0.93"), tol)[2] == [("number", "0.51", "0.93")]


def test_unknown_timing_column_or_number_kind_is_rejected():
    with pytest.raises(ValueError, match="timing columns"):
        document.markdown_table([[1, 2]], ["a", "b"], timing_columns=["seconds"])
    with pytest.raises(ValueError, match="numbers must be one of"):
        document.prose("x", numbers="fuzzy")


def test_each_output_is_compared_within_the_tolerance_of_its_kind():
    committed = {"profile": "quick", "cells": {"0": ["loss 2.13", "ssim 0.500"]}}
    now = {"profile": "quick", "cells": {"0": ["loss 2.17", "ssim 0.520"]},
           "kinds": {"0": ["sensitive", "numeric"]}}
    [row] = verify.compare_numbers(committed, now)
    assert (row["equal"], row["numbers"]) == (1, 2)          # 2 % is within "sensitive", 4 % not "numeric"
    assert row["differences"] == [("number", "0.500", "0.520")]
    now["kinds"]["0"] = ["numeric", "numeric"]
    assert verify.compare_numbers(committed, now)[0]["equal"] == 0
    now["cells"]["0"] = ["loss 2.5", "ssim 0.500"]           # 17 %: outside every tolerance
    now["kinds"]["0"] = ["sensitive", "numeric"]
    assert verify.compare_numbers(committed, now)[0]["differences"] == [("number", "2.13", "2.5")]


def test_the_kind_travels_in_the_output_metadata():
    c = new_code_cell("t", outputs=[new_output("display_data", data={"text/markdown": "loss 2.1"},
                                               metadata={"hw2": {"numbers": "sensitive"}}),
                                    new_output("display_data", data={"text/markdown": "ssim 0.5"})])
    got = verify.extract_numbers(new_notebook(cells=[c]), profile="quick")
    assert got == {"profile": "quick", "cells": {"0": ["loss 2.1", "ssim 0.5"]},
                   "kinds": {"0": ["sensitive", "numeric"]}}


def test_changed_number_text_and_figure_are_reported():
    a = _nb("0.1234", 100, "1.0")
    assert any("number" in d for d in verify.compare_notebooks(a, _nb("0.2000", 100, "1.0")))
    assert any("figure" in d for d in verify.compare_notebooks(a, _nb("0.1234", 140, "1.0")))
    b = copy.deepcopy(a)
    b.cells[0].outputs[0]["text"] = "gain = 0.1234\n"
    assert any("text differs" in d for d in verify.compare_notebooks(a, b))
    b = copy.deepcopy(a)
    b.cells.append(new_code_cell("extra"))
    assert verify.compare_notebooks(a, b)


def test_extracted_numbers_skip_figures_timings_and_stderr():
    got = verify.extract_numbers(_nb("0.125", 100, "3.0"), profile="quick")
    assert got == {"profile": "quick", "cells": {"0": ["loss = 0.125\n"]}}


def test_compare_numbers_counts_equal_and_different_numbers():
    committed = {"profile": "quick", "cells": {"0": ["a 1.0 b 2.0 c 3.0"], "4": ["x 7"]}}
    now = {"profile": "quick", "cells": {"0": ["a 1.0001 b 2.5 c 3.0"], "4": ["x 7"]}}
    rows = verify.compare_numbers(committed, now)
    assert rows[0] == {"cell": 0, "numbers": 3, "equal": 2, "difference": "2.5 (committed 2.0)",
                       "differences": [("number", "2.0", "2.5")]}
    assert rows[1] == {"cell": 4, "numbers": 1, "equal": 1, "difference": None, "differences": []}
    now["cells"]["0"] = ["a 1.0 b 2.0 d 3.0"]  # the words around the numbers changed
    row = verify.compare_numbers(committed, now)[0]
    assert row["difference"].startswith("text differs") and row["differences"] == [("text", "a 1.0 b 2.0 c 3.0",
                                                                                  "a 1.0 b 2.0 d 3.0")]
    del now["cells"]["4"]
    assert verify.compare_numbers(committed, now)[1]["difference"] == "no output now"


def test_freeze_copies_a_build_into_the_committed_files(tmp_path, monkeypatch):
    import json

    from hw2 import config

    monkeypatch.setattr(config, "NOTEBOOKS", tmp_path / "notebooks")
    build = tmp_path / "report" / "numbers"
    build.mkdir(parents=True)
    data = verify.extract_numbers(_nb("0.5", 1, "1"), profile="full")
    (build / "01_x.json").write_text(json.dumps(data))
    monkeypatch.setattr(config, "ROOT", tmp_path)
    [dest] = verify.freeze(source=build, log=lambda *_: None)
    assert dest == tmp_path / "notebooks" / "numbers" / "full" / "01_x.json"
    assert json.loads(dest.read_text()) == data
    with pytest.raises(ValueError, match="profile"):
        verify.freeze(source=build, profile="quick", log=lambda *_: None)
    with pytest.raises(FileNotFoundError, match="build the report"):
        verify.freeze(source=tmp_path / "nothing", log=lambda *_: None)


def test_committed_numbers_exist_for_both_profiles():
    from hw2 import report

    for profile in verify.PROFILES:
        for nb in report.notebooks():
            assert verify.numbers_file(profile, nb.stem).is_file(), f"no committed {profile} numbers for {nb.stem}"


def test_one_unit_in_the_last_printed_place_is_a_rounding_boundary_not_a_change():
    tol = verify.TOLERANCES["numeric"]
    assert verify.close("0.881", "0.882", tol)           # 3 significant digits around a rounding boundary
    assert verify.close("2.51e-3", "2.52e-3", tol)
    assert not verify.close("0.881", "0.883", tol)       # two units: a change
    assert not verify.close("0.5", "0.6", tol)           # one digit printed: no allowance
    assert not verify.close("12", "13", tol)             # integers are counts
    assert verify.close("1000", "1000.5", tol)           # rtol still applies
