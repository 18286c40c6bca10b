"""hw2.data: local data sets, missing-data errors, safe and resumable downloads, seeded choice."""
from __future__ import annotations

import http.server
import io as _io
import threading
import zipfile
from pathlib import Path

import pytest
from PIL import Image

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
    with pytest.raises(data.DatasetNotFoundError, match="HW2_DATA"):
        data.monet2photo("testA", download=False)
    monkeypatch.setenv("HW2_OFFLINE", "1")
    with pytest.raises(data.DatasetNotFoundError, match="HW2_DATA"):
        data.monet2photo_root()
    with pytest.raises(data.DatasetNotFoundError, match="HW2_DATA"):
        data.photoreal_pairs()
    with pytest.raises(data.DatasetNotFoundError, match="HW2_DATA"):
        data.landscapes()


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
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_download_resumes_and_extracts(tmp_path):
    entries = {f"monet2photo/{s}/{s}_0.jpg": b"x" * 100 for s in data.MONET2PHOTO_SPLITS}
    payload = _zip_bytes(entries)
    _RangeHandler.payload = payload
    _RangeHandler.seen_ranges = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _RangeHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        dest = tmp_path / "cache"
        dest.mkdir()
        (dest / "monet2photo.zip.part").write_bytes(payload[:50])  # an interrupted earlier download
        root = data.download_monet2photo(url=f"http://127.0.0.1:{server.server_port}/monet2photo.zip", dest=dest)
    finally:
        server.shutdown()
    assert _RangeHandler.seen_ranges == ["bytes=50-"]
    assert (dest / "monet2photo.zip").read_bytes() == payload
    assert sorted(p.name for p in root.iterdir()) == sorted(data.MONET2PHOTO_SPLITS)


def test_download_failure_is_clear(tmp_path):
    with pytest.raises(data.DatasetNotFoundError, match="HW2_DATA"):
        data.download_monet2photo(url="http://127.0.0.1:9/monet2photo.zip", dest=tmp_path)


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
def test_shared_data_layout():
    assert len(data.monet2photo("testA")) == 25
    assert len(data.monet2photo("testB")) == 300
    pairs = data.photoreal_pairs()
    assert len(pairs) >= 10 and all(p.content.exists() and p.style_seg.exists() for p in pairs)
    assert len(data.landscapes()) == 10
    pairs = data.study_pairs(3, seed=0)
    assert len(pairs) == 3 and pairs == data.study_pairs(3, seed=0)
