"""The report build (key ``report``): its time beside a busy core, and the envelope of its numbers.

Figures
-------
quick_idle_s, quick_busy_s, busy_ratio_quick
    Wall time of the quick report (``python -m hw2.report --profile quick``, PDF included, into a
    temporary folder) on the machine as it is, then with one core kept busy by a spinning process,
    and their ratio (target <= 2). Time it with nothing else running.
threads, workers
    The build's policy (:mod:`hw2.threads`): threads per notebook and notebooks side by side.
envelope
    How far the numbers move when the build runs differently, per kind of number
    (:data:`hw2.report.numbers.TOLERANCES`): for each variant, the count of numbers, how many are
    bit-equal to the reference build (the idle one), the largest relative difference, how many lie
    outside their tolerance, and how many outputs changed their words. Variants: ``busy`` (the busy
    build), ``threads_2`` and ``threads_4`` (``OMP_NUM_THREADS``; 4 threads on fewer cores wait passively,
    which changes their speed, not their results), ``avx2`` (torch, oneDNN and MKL
    held to AVX2 code, as on a CPU without AVX-512) and, without ``quick``, ``full_threads_2`` (the
    full profile at 2 threads against the committed full numbers).
load_avg_1min
    System load when the run ended.

``quick=True`` skips the full-profile variant (seconds instead of a quarter of an hour of it).
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .. import config
from ..report.numbers import NUMBER, TOLERANCES, compare_texts, numbers_file
from ..threads import compute_threads, worker_count

_AVX2 = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_CBWR": "AVX2"}


def _build(out: Path, *, profile: str = "quick", env: dict | None = None, pdf: bool = True) -> float:
    """Seconds of one report build into ``out`` (figures there too); raises with its log on failure."""
    env = {**os.environ, "HW2_FIGURES": str(out / "figures"), **(env or {})}
    cmd = [sys.executable, "-m", "hw2.report", "--profile", profile, "--out", str(out)] + ([] if pdf else ["--no-pdf"])
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=config.ROOT, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return took


def _spinner():
    """A process that keeps one core busy until killed."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def _numbers(folder: Path) -> dict[str, dict]:
    return {f.stem: json.loads(f.read_text()) for f in sorted((folder / "numbers").glob("*.json"))}


def spread(reference: dict[str, dict], other: dict[str, dict]) -> dict:
    """Per kind of number: ``numbers``, ``bit_equal``, ``max_rel_diff``, ``outside_tolerance``, ``text_changed``.

    ``reference`` and ``other`` map notebook names to :func:`hw2.report.numbers.extract_numbers`
    results; the kinds are ``other``'s. Cells missing on either side count as changed text.
    """
    out = {k: {"numbers": 0, "bit_equal": 0, "max_rel_diff": 0.0, "outside_tolerance": 0, "text_changed": 0}
           for k in TOLERANCES}
    for stem, ref in reference.items():
        now = other.get(stem, {"cells": {}})
        for cell, texts in ref["cells"].items():
            got = now["cells"].get(cell)
            kinds = now.get("kinds", {}).get(cell, ["numeric"] * len(texts))
            if got is None or len(got) != len(texts):
                out["numeric"]["text_changed"] += len(texts)
                continue
            for a, b, kind in zip(texts, got, kinds):
                row = out[kind]
                equal, n, diffs = compare_texts(a, b, TOLERANCES[kind])
                if diffs and diffs[0][0] == "text":  # the words changed
                    row["text_changed"] += 1
                    row["numbers"] += n
                    continue
                row["numbers"] += n
                row["outside_tolerance"] += n - equal
                for x, y in zip(NUMBER.findall(a), NUMBER.findall(b)):
                    row["bit_equal"] += x == y
                    fx, fy = float(x), float(y)
                    if x != y and not (math.isnan(fx) and math.isnan(fy)):
                        rel = abs(fx - fy) / max(abs(fx), abs(fy), 1e-12)
                        row["max_rel_diff"] = max(row["max_rel_diff"], round(rel, 6))
    return out


def run(*, quick: bool = False) -> dict:
    res: dict = {"threads": compute_threads(), "workers": worker_count()}
    with tempfile.TemporaryDirectory(prefix="hw2-bench-report-") as tmp:
        tmp = Path(tmp)
        res["quick_idle_s"] = round(_build(tmp / "idle"), 1)
        spin = _spinner()
        try:
            res["quick_busy_s"] = round(_build(tmp / "busy"), 1)
        finally:
            spin.kill()
            spin.wait()
        res["busy_ratio_quick"] = round(res["quick_busy_s"] / res["quick_idle_s"], 2)
        reference = _numbers(tmp / "idle")
        env = {"busy": _numbers(tmp / "busy")}
        for name, extra in (("threads_2", {"OMP_NUM_THREADS": "2"}), ("threads_4", {"OMP_NUM_THREADS": "4", "OMP_WAIT_POLICY": "PASSIVE"}),
                            ("avx2", {"OMP_NUM_THREADS": "1", **_AVX2})):
            _build(tmp / name, env=extra, pdf=False)
            env[name] = _numbers(tmp / name)
        res["envelope"] = {name: spread(reference, nums) for name, nums in env.items()}
        if not quick:
            _build(tmp / "full2", profile="full", env={"OMP_NUM_THREADS": "2"}, pdf=False)
            committed = {p.stem: json.loads(p.read_text())
                         for p in sorted(numbers_file("full", "x").parent.glob("*.json"))}
            res["envelope"]["full_threads_2"] = spread(committed, _numbers(tmp / "full2"))
    res["load_avg_1min"] = round(os.getloadavg()[0], 2)
    return res

