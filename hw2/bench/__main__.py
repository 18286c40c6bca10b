"""``python -m hw2.bench [--only NAME ...] [--quick]``: run benchmarks, merge into benchmarks/results.json."""
from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import json
import sys
import traceback
from pathlib import Path

from filelock import FileLock

from ..io import atomic_write
from ..document import markdown_table
from ..timing import Timer, machine_info, reset_peak_rss
from . import BENCHMARKS, RESULTS, read_results
from .summary import number


def available() -> list[str]:
    """Benchmark names whose module exists."""
    return [n for n in BENCHMARKS if (Path(__file__).parent / f"{n}.py").is_file()]


def merge(results: Path, name: str, figures: dict) -> dict:
    """Merge one benchmark's ``figures`` into ``results`` under a file lock, re-reading it first.

    Parallel runs (``make bench ONLY=a`` and ``ONLY=b`` at once) each add their own key and
    keep every other one: the lock (``results.json.lock``) serialises read-modify-write, and
    the file is replaced atomically. Returns the merged data.
    """
    results.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(results) + ".lock", timeout=600):
        data = read_results(results)
        data[name] = figures
        with atomic_write(results, "w") as fh:
            json.dump(data, fh, indent=2, sort_keys=True, default=float)
        with atomic_write(results.with_suffix(".md"), "w") as fh:
            fh.write(markdown(data))
    return data


def run(names: list[str], *, quick: bool = False, results: Path | None = None) -> dict:
    """Run the named benchmarks and merge their figures into ``results`` (:func:`merge`, under a lock)."""
    results = results or RESULTS
    data = read_results(results)
    failed = []
    for name in names:
        print(f"[bench] {name} ...", flush=True)
        module = importlib.import_module(f"hw2.bench.{name}")
        reset_peak_rss()  # each benchmark's peak_rss_mb is its own, not the largest so far
        try:
            with Timer() as t:
                figures = module.run(quick=quick)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        figures = dict(figures)
        figures["_meta"] = {"machine": machine_info(), "quick": quick, "bench_s": round(t.elapsed, 1),
                            "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds")}
        data = merge(results, name, figures)
        print(f"[bench] {name}: done in {t.elapsed:.1f} s", flush=True)
    print(markdown(data))
    if failed:
        raise RuntimeError(f"benchmarks failed: {failed}")
    return data


def _fmt(v) -> str:
    """A figure for results.md: floats by :func:`hw2.bench.summary.number`, dicts and lists item by item."""
    if isinstance(v, float):
        return number(v)
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_fmt(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def markdown(data: dict) -> str:
    """The results as one markdown table: benchmark | figure | value, plus the machine of each."""
    rows = [[name, key, _fmt(value)] for name in sorted(data) for key, value in sorted(data[name].items())
            if key != "_meta"]
    lines = [markdown_table(rows, ["benchmark", "figure", "value"])]
    machines = {}
    for name in sorted(data):
        meta = data[name].get("_meta", {})
        m = meta.get("machine", {})
        machines.setdefault((m.get("cores"), m.get("cpu"), m.get("torch"), m.get("gpu")), []).append(
            f"{name}{' (quick)' if meta.get('quick') else ''} {meta.get('date', '')[:10]}")
    lines.append("")
    for (cores, cpu, torch_v, gpu), names in machines.items():
        lines.append(f"Machine: {cores} cores, {cpu}, torch {torch_v}, GPU {gpu or 'none'}: {'; '.join(names)}.")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hw2.bench", description=__doc__)
    parser.add_argument("--only", nargs="*", default=None, help=f"subset of {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the code path only")
    parser.add_argument("--results", type=Path, default=None)
    args = parser.parse_args(argv)
    names = available()
    if args.only:
        unknown = [n for n in args.only if n not in BENCHMARKS]
        if unknown:
            parser.error(f"unknown benchmark(s) {unknown}; known: {', '.join(BENCHMARKS)}")
        missing = [n for n in args.only if n not in names]
        if missing:
            parser.error(f"benchmark(s) {missing} are not implemented yet")
        names = args.only
    try:
        run(names, quick=args.quick, results=args.results)
    except RuntimeError as exc:
        print(f"[bench] {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
