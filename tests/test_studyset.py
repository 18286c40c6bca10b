"""The shipped study set: every file listed, hashed, licensed, small, and served without HW2_DATA."""
from __future__ import annotations

import pytest

from hw2.errors import MissingResourceError
from hw2 import config, data, studyset


def test_every_file_matches_its_manifest_hash():
    assert studyset.check() == []


def test_manifest_entries_name_source_licence_and_original():
    m = studyset.manifest()
    for e in m["files"]:
        assert e["source"] and e["original_name"] and e["licence"], e["path"]
        assert (studyset.STUDY_DIR / e["licence_file"]).is_file(), e["licence_file"]
        assert len(e["sha256"]) == 64


def test_study_set_is_small():
    assert studyset.size_bytes() <= 10 * 2**20


def test_groups_have_the_documented_sizes():
    sizes = {g: len(studyset.manifest()["groups"][g]) for g in studyset.GROUPS}
    assert sizes == {"monet": 25, "photo": 50, "monet_ref": 3, "photo_ref": 3, "landscape": 3, "photoreal": 3}
    assert set(studyset.manifest()["groups"]["monet_ref"]) <= set(studyset.manifest()["groups"]["monet"])
    # no training image ships: every monet2photo file comes from a test split
    originals = [e["original_name"] for e in studyset.manifest()["files"] if e["path"].startswith(("monet/", "photo/"))]
    assert originals and all(o.startswith(("testA/", "testB/")) for o in originals)


def test_served_from_the_package_whatever_the_environment(tmp_path, monkeypatch):
    for var in ("HW2_DATA", "HW2_MODELS", "HW2_REFERENCE", "HW2_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    paths = data.study("monet", 2) + [p for pair in data.study_pairs(3) for p in pair]
    assert all(p.is_relative_to(config.PACKAGE) and p.is_file() for p in paths)


def test_prefixes_and_lookup():
    assert data.study("photo", 6) == data.study("photo")[:6]
    assert studyset.file("monet", "8cfd45a2e2") == studyset.file("monet", "8cfd45a2e2.jpg")
    with pytest.raises(ValueError, match="no image named"):
        studyset.file("monet", "nope")
    with pytest.raises(ValueError, match="has 25"):
        data.study("monet", 26)
    with pytest.raises(ValueError, match="unknown study-set group"):
        data.study("photos")


def test_hand_made_labels_cover_the_pairs():
    from hw2.fastphotostyle.labels import labelme_path

    for photo, painting in data.study_pairs(3):
        assert labelme_path(photo).is_file() and labelme_path(painting).is_file()


def test_a_missing_file_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(studyset, "STUDY_DIR", tmp_path)
    with pytest.raises(MissingResourceError, match="git checkout"):
        studyset.files("monet")
