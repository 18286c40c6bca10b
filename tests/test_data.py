"""hw2.data: local data sets, missing-data errors, safe and resumable downloads, seeded choice."""
from __future__ import annotations

import http.server
import io as _io
import threading
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from hw2.errors import MissingResourceError
from hw2 import data
from conftest import requires_data


def _fake_monet2photo(root: Path, n: int = 3) -> Path:
    for split in data.MONET2PHOTO_SPLITS:
        (root / "monet2photo" / split).mkdir(parents=True)
        for i in range(n):
            Image.new("RGB", (8, 8), (i * 40, 0, 0)).save(root / "monet2photo" / split / f"{split}_{i}.jpg")
    (root / "monet2photo" / "testA" / "notes.txt").write_text("not an image")
    return root


def test_local_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HW2_DATA", str(_fake_monet2photo(tmp_path)))
    paths = data.monet2photo("testA")
    assert [p.name for p in paths] == ["testA_0.jpg", "testA_1.jpg", "testA_2.jpg"]
    with pytest.raises(ValueError, match="split"):
        data.monet2photo("testC")


def test_missing_dataset_says_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("HW2_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("HW2_HOME", str(tmp_path / "home"))
    with pytest.raises(MissingResourceError, match="HW2_DATA"):
        data.monet2photo("testA", download=False)
    monkeypatch.setenv("HW2_OFFLINE", "1")
    with pytest.raises(MissingResourceError, match="HW2_DATA"):
        data.monet2photo_root()
    # the study set ships with the package: HW2_DATA does not matter for it
    assert len(data.photoreal_pairs()) == 3 and len(data.landscapes()) == 3


def _zip_bytes(entries: dict[str, bytes]) -> bytes:
    buf = _io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    return buf.getvalue()


@pytest.mark.parametrize("bad", ["../evil.txt", "monet2photo/../../evil.txt", "/abs/evil.txt"])
def test_safe_extract_rejects_escaping_paths(tmp_path, bad):
    raw = _zip_bytes({"monet2photo/ok.txt": b"ok", bad: b"evil"})
    with zipfile.ZipFile(_io.BytesIO(raw)) as zf, pytest.raises(ValueError, match="unsafe"):
        data.safe_extract(zf, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "out").exists()  # nothing extracted at all


def test_safe_extract_rejects_symlinks(tmp_path):
    buf = _io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("link")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    with zipfile.ZipFile(buf) as zf, pytest.raises(ValueError, match="unsafe"):
        data.safe_extract(zf, tmp_path / "out")


class _RangeHandler(http.server.BaseHTTPRequestHandler):
    payload = b""
    seen_ranges: list = []
    truncate_to: int | None = None

    def do_GET(self):  # noqa: N802
        rng = self.headers.get("Range")
        self.seen_ranges.append(rng)
        body, status = self.payload, 200
        if rng:
            start = int(rng.split("=")[1].split("-")[0])
            body, status = self.payload[start:], 206
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # a connection that drops early: fewer bytes than announced
        self.wfile.write(body if self.truncate_to is None else body[:self.truncate_to])

    def log_message(self, *args):
        pass


class _Server:
    """A local HTTP server (127.0.0.1, a free port) serving ``payload`` with Range support."""

    def __init__(self, payload: bytes, *, truncate_to: int | None = None):
        _RangeHandler.payload = payload
        _RangeHandler.seen_ranges = []
        _RangeHandler.truncate_to = truncate_to
        self.server = http.server.HTTPServer(("127.0.0.1", 0), _RangeHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/monet2photo.zip"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _archive() -> tuple[bytes, str]:
    import hashlib

    payload = _zip_bytes({f"monet2photo/{s}/{s}_0.jpg": b"x" * 100 for s in data.MONET2PHOTO_SPLITS})
    return payload, hashlib.sha256(payload).hexdigest()


def test_download_resumes_checks_the_hash_and_extracts(tmp_path):
    payload, digest = _archive()
    dest = tmp_path / "cache"
    dest.mkdir()
    (dest / "monet2photo.zip.part").write_bytes(payload[:50])  # an interrupted earlier download
    with _Server(payload) as srv:
        root = data.download_monet2photo(url=srv.url, dest=dest, sha256=digest, progressbar=False)
        assert _RangeHandler.seen_ranges == ["bytes=50-"]
        assert (dest / "monet2photo.zip").read_bytes() == payload
        assert not (dest / "monet2photo.zip.part").exists()
        assert sorted(p.name for p in root.iterdir()) == sorted(data.MONET2PHOTO_SPLITS)
        # a second call finds the cached archive by its hash: no request at all
        data.download_monet2photo(url=srv.url, dest=dest, sha256=digest, progressbar=False)
        assert _RangeHandler.seen_ranges == ["bytes=50-"]


def test_bad_cached_archive_is_fetched_again(tmp_path):
    payload, digest = _archive()
    dest = tmp_path / "cache"
    dest.mkdir()
    (dest / "monet2photo.zip").write_bytes(b"<html>503 Service Unavailable</html>")  # a saved error page
    with _Server(payload) as srv:
        data.download_monet2photo(url=srv.url, dest=dest, sha256=digest, progressbar=False)
    assert (dest / "monet2photo.zip").read_bytes() == payload


def test_corrupt_download_is_deleted_and_reported(tmp_path):
    payload, digest = _archive()
    with _Server(payload[:-10] + b"0123456789") as srv:
        with pytest.raises(MissingResourceError, match="sha256"):
            data.download_monet2photo(url=srv.url, dest=tmp_path, sha256=digest, progressbar=False)
    assert not (tmp_path / "monet2photo.zip").exists() and not (tmp_path / "monet2photo.zip.part").exists()


def test_short_download_is_kept_for_resuming(tmp_path):
    payload, digest = _archive()
    with _Server(payload, truncate_to=40) as srv:
        with pytest.raises(MissingResourceError, match="resume"):
            data.download_monet2photo(url=srv.url, dest=tmp_path, sha256=digest, progressbar=False)
    assert (tmp_path / "monet2photo.zip.part").read_bytes() == payload[:40]
    with _Server(payload) as srv:
        data.download_monet2photo(url=srv.url, dest=tmp_path, sha256=digest, progressbar=False)
        assert _RangeHandler.seen_ranges == ["bytes=40-"]


def test_offline_never_downloads(tmp_path, monkeypatch):
    monkeypatch.setenv("HW2_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("HW2_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HW2_OFFLINE", "1")
    with pytest.raises(MissingResourceError, match="HW2_OFFLINE"):
        data.monet2photo("trainA")


def test_download_failure_is_clear(tmp_path):
    with pytest.raises(MissingResourceError, match="HW2_DATA"):
        data.download_monet2photo(url="http://127.0.0.1:9/monet2photo.zip", dest=tmp_path, progressbar=False)


def test_published_checksum_is_pinned():
    assert len(data.MONET2PHOTO_SHA256) == 64 and int(data.MONET2PHOTO_SHA256, 16)


def test_pick_is_seeded_and_order_independent():
    paths = [Path(f"/x/{c}.jpg") for c in "abcdefgh"]
    a = data.pick(paths, 3, seed=1)
    assert a == data.pick(list(reversed(paths)), 3, seed=1)
    assert len(set(a)) == 3
    assert data.pick(paths, 3, seed=2) != a or data.pick(paths, 3, seed=3) != a
    with pytest.raises(ValueError):
        data.pick(paths, 9)
    assert data.find(paths, "c") == Path("/x/c.jpg")
    with pytest.raises(FileNotFoundError):
        data.find(paths, "zz")


def test_builtin_photo():
    t = data.builtin_photo("chelsea")
    assert t.shape[:2] == (1, 3) and 0 <= float(t.min()) and float(t.max()) <= 1
    with pytest.raises(ValueError):
        data.builtin_photo("nope")


@requires_data
def test_local_data_layout():
    assert len(data.monet2photo("testA")) >= 25
    assert len(data.monet2photo("trainB")) >= 50


def test_study_set_pairs_and_groups():
    pairs = data.study_pairs(3)
    assert len(pairs) == 3 and all(p.is_file() and m.is_file() for p, m in pairs)
    assert [p for p, _ in pairs] == data.study("photo", 3)  # the pairs are the first study photos
    with pytest.raises(ValueError, match="3 comparison pairs"):
        data.study_pairs(4)
    pr = data.photoreal_pairs()
    assert [p.name for p in pr] == ["lst_in16", "lst_in26", "wct2_in00"]
    for p in pr:  # each map has the size of its image
        assert Image.open(p.content).size == Image.open(p.content_seg).size
        assert Image.open(p.style).size == Image.open(p.style_seg).size
