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


def test_comparison_rows_are_named_and_start_with_the_yardsticks():
    import torch

    from hw2.conclusions import (COMPARISON_KEYS, PAINTING_ROW, PHOTO_ROW, Output, comparison_rows,
                                 runtime_rows)

    g = torch.Generator().manual_seed(0)
    photo, painting = torch.rand(1, 3, 32, 40, generator=g), torch.rand(1, 3, 30, 30, generator=g)
    out = Output("A", "p", photo.clone(), runtime_s=2.0,
                 scores={"content_ssim": 0.9, "style_distance": 0.5, "photorealism": 0.8})
    skipped = Output("B", "p", None, skipped="weights missing")
    rows = comparison_rows([out, skipped], [(photo, painting)])
    assert [r["method"] for r in rows] == [PHOTO_ROW, PAINTING_ROW, "A", "B"]
    assert all(tuple(r) == COMPARISON_KEYS for r in rows)
    assert rows[0]["content_ssim"] == pytest.approx(1.0) and rows[1]["style_distance"] == 0.0
    assert rows[2]["style_distance"] == 0.5 and rows[3]["style_distance"] == ""
    assert runtime_rows([out, skipped]) == [["A", 2.0], ["B", "skipped"]]


def test_profiles_table():
    from hw2 import conclusions, profiles

    assert conclusions.settings("quick") == profiles.get("conclusions", "quick")
    for name in profiles.TABLE:
        assert set(profiles.TABLE[name]) == set(profiles.PROFILES)
        assert set(profiles.get(name, "quick")) == set(profiles.get(name, "full")), name
    with pytest.raises(ValueError, match="profile"):
        profiles.get("munit", "medium")
    with pytest.raises(ValueError, match="no profile table"):
        profiles.get("cyclegan", "quick")
