"""hw2.bench: figures merge under their key with the machine; other keys are kept."""
from __future__ import annotations

import json

from hw2.bench import __main__ as bench


def test_vgg_bench_merges(tmp_path):
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"other": {"x": 1.0}}))
    bench.run(["vgg"], quick=True, results=results)
    data = json.loads(results.read_text())
    assert data["other"] == {"x": 1.0}
    assert 0 < data["vgg"]["forward_s_256"] < data["vgg"]["forward_s_512"]
    meta = data["vgg"]["_meta"]
    assert meta["machine"]["cores"] >= 1 and "torch" in meta["machine"] and meta["quick"] is True
    md = (tmp_path / "results.md").read_text()
    assert "| vgg | forward_s_256 |" in md and "Machine:" in md


def test_unknown_benchmark_is_refused(capsys):
    import pytest

    with pytest.raises(SystemExit):
        bench.main(["--only", "nope"])
    assert "unknown benchmark" in capsys.readouterr().err
