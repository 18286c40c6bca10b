"""hw2.verify: the comparison catches changed numbers and figures, ignores timings; make verify runs."""
from __future__ import annotations

import base64
import copy
import io as _io

import numpy as np
from nbformat.v4 import new_code_cell, new_notebook, new_output
from PIL import Image

from hw2 import verify
from conftest import requires_data


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


def test_timing_columns_of_tables_are_ignored():
    def table(t, v):
        return f"| mode | time (s) | seams |\n|---|---|---|\n| cut | {t} | {v} |"

    assert verify._numbers_equal(table("0.51", "1.06"), table("0.93", "1.06"), verify.Tolerance()) is None
    assert verify._numbers_equal(table("0.51", "1.06"), table("0.51", "1.45"), verify.Tolerance())


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


@requires_data
def test_verify_runs_a_notebook_twice(capsys):
    assert verify.main(["--only", "04_image_quilting"]) == 0
    assert "1/1 notebooks reproduce" in capsys.readouterr().out
