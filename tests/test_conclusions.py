"""hw2.conclusions.seed_comparison: the seed's conclusions checked against a summary table."""
from __future__ import annotations

import pytest

from hw2.conclusions import seed_comparison


def _summary(**over):
    rows = {"FastPhotoStyle (exact smoothing)": [2.0, 0.75, 0.64, 0.78],
            "Neural Style (Gatys)": [34.0, 0.73, 0.21, 0.67],
            "MUNIT (reference style)": [0.1, 0.36, 0.90, 0.28],
            "Image Quilting (transfer)": [1.9, 0.18, 0.50, 0.26]}
    rows.update(over)
    return [[k, *v, 3] for k, v in rows.items()]


def test_verdicts_follow_the_numbers():
    rows = seed_comparison(_summary(), 1.33)
    assert [r[2] for r in rows] == ["agrees", "agrees", "agrees", "holds"]
    assert "gap closed 52%" in rows[0][1]          # 1 - 0.64 / 1.33
    assert "next: Image Quilting (transfer), 62%" in rows[3][1]    # 1 - 0.50 / 1.33
    assert not any(ch.isdigit() for ch in rows[3][0])  # no run-to-run figure (wall time) in the table
    # a FastPhotoStyle as stylised as Neural Style would contradict the seed
    assert seed_comparison(_summary(**{"FastPhotoStyle (exact smoothing)": [2.0, 0.75, 0.1, 0.78]}),
                           1.33)[0][2] == "disagrees"
    # a FastPhotoStyle that loses the photo's edges contradicts it too
    assert seed_comparison(_summary(**{"FastPhotoStyle (exact smoothing)": [2.0, 0.75, 0.64, 0.3]}),
                           1.33)[0][2] == "disagrees"
    # quilting no longer the least photorealistic: only partly
    assert seed_comparison(_summary(**{"Image Quilting (transfer)": [1.9, 0.18, 0.5, 0.9]}), 1.33)[2][2] == "partly"


def test_skipped_methods_and_bad_yardstick():
    summary = [["MUNIT (reference style)", "skipped", "", "", "", "no weights"]]
    assert [r[2] for r in seed_comparison(summary, 1.0)][:3] == ["not measured"] * 3
    with pytest.raises(ValueError, match="photo_style_distance"):
        seed_comparison(_summary(), 0.0)
