"""hw2.report: notebook selection and the combined report (a failing build is in test_bad_inputs)."""
from __future__ import annotations

import pytest

from hw2 import report


def test_notebooks_filter():
    assert report.notebooks(["conclusions"])[0].name == "05_conclusions.ipynb"
    with pytest.raises(ValueError):
        report.notebooks(["no-such-notebook"])
