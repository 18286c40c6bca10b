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


def test_parallel_merges_keep_every_result(tmp_path):
    """Concurrent runs each re-read under the lock: no result is lost (issue #20)."""
    import multiprocessing as mp

    results = tmp_path / "results.json"
    results.write_text(json.dumps({"other": {"x": 1.0}}))
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_merge_one, args=(str(results), f"b{i}")) for i in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    data = json.loads(results.read_text())
    assert set(data) == {"other"} | {f"b{i}" for i in range(6)}
    assert all(data[f"b{i}"]["v"] == 20 for i in range(6))
    assert "| b5 | v | 20 |" in (tmp_path / "results.md").read_text()


def _merge_one(path, name):
    from pathlib import Path

    for v in range(21):  # many read-modify-write rounds each, to interleave
        bench.merge(Path(path), name, {"v": v})


def test_corrupt_results_file_is_a_clear_error(tmp_path):
    import pytest

    results = tmp_path / "results.json"
    results.write_text("{not json")
    with pytest.raises(RuntimeError, match="not valid JSON"):
        bench.merge(results, "x", {"v": 1})


def test_report_envelope_counts_bits_spread_and_changed_text():
    from hw2.bench import report as bench_report

    ref = {"02_x": {"cells": {"1": ["loss 2.13 and 7", "ssim 0.500"], "4": ["a 1.0"]}}}
    other = {"02_x": {"cells": {"1": ["loss 2.17 and 7", "ssim 0.500"], "4": ["b 1.0"]},
                      "kinds": {"1": ["sensitive", "numeric"]}}}
    got = bench_report.spread(ref, other)
    assert got["sensitive"]["numbers"] == 2 and got["sensitive"]["bit_equal"] == 1
    assert abs(got["sensitive"]["max_rel_diff"] - 0.04 / 2.17) < 1e-6
    assert got["sensitive"]["outside_tolerance"] == 0          # 1.8 % is within the 5 % of "sensitive"
    assert got["numeric"]["bit_equal"] == 1 and got["numeric"]["text_changed"] == 1
    assert bench_report.spread(ref, ref)["numeric"]["max_rel_diff"] == 0.0


def test_textures_bench_measures_the_notebook_transfer_and_its_texture_distance():
    from hw2 import profiles
    from hw2.bench import textures

    nb04 = profiles.get("quilting", "full")
    assert (textures.TRANSFER["block"], textures.TRANSFER["passes"]) == (nb04["transfer_block"], nb04["passes"])
    assert textures.TRANSFER["target_side"] == nb04["target_side"]
    out = textures.run(quick=True)
    sources = {"conv1_1", "conv3_1", "conv5_1", "monet_crop"}
    assert set(out["transfer_lum_corr"]) == set(out["transfer_style_dist"]) == set(out["transfer_free_style_dist"]) == sources
    assert all(-1 <= v <= 1 for v in out["transfer_lum_corr"].values())
    assert all(0 <= v <= 1 for v in out["transfer_free_style_dist"].values())
    # the photos themselves are the far yardstick; the crop's own transfer is nearer to the crop than they are
    assert out["transfer_free_style_dist"]["monet_crop"] < out["target_free_style_dist"]
    assert out["transfer"]["target_side"] == profiles.get("bench_textures", "quick")["target_side"]
