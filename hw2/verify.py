"""Reproducibility check against the committed numbers: ``python -m hw2.verify`` (``make verify``).

``python -m hw2.verify [--profile quick|full] [--only NAME ...]`` executes the notebooks once (side
by side, one thread each: :func:`hw2.report.runner.execute_all`) and compares every number they
print or tabulate with the committed ones in ``notebooks/numbers/<profile>/``, each within the
tolerance of its kind (:data:`hw2.report.numbers.TOLERANCES`); it prints a table per notebook and
exits 1 on any difference. ``--against DIR`` instead compares a fresh run with the executed
notebooks in ``DIR``, figures included. ``--freeze`` copies the last build's numbers into the
committed files (``make freeze-numbers``). What is compared, and what never is (timings), is said
in :mod:`hw2.report.numbers`.

Equality within those tolerances is promised on the CPU (``HW2_DEVICE=cpu``) with the pinned
packages. On a GPU, kernels differ in the last bits: the differences are listed and said to be expected.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from . import config, report
from .report.numbers import PROFILES, compare_notebooks, compare_numbers, extract_numbers, freeze, numbers_file

__all__ = ["verify", "main"]


def _table(stem: str, rows: list[dict]) -> str:
    lines = [f"{stem}:", "  | cell | numbers | equal | first difference |", "  |---:|---:|---:|---|"]
    lines += [f"  | {r['cell']} | {r['numbers']} | {r['equal']} | {r['difference'] or ''} |" for r in rows]
    return "\n".join(lines)


def verify(*, profile: str = "quick", only: Sequence[str] | None = None, against: Path | None = None,
           log=print) -> dict[str, list[str]]:
    """Execute the notebooks in ``profile`` and compare; returns the differences per notebook.

    Without ``against`` the numbers are compared with the committed ones; with it, every
    output (figures included) with the executed notebooks in that folder.
    """
    import nbformat

    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    books = report.notebooks(only)
    for nb in books:  # every input checked before anything runs
        if against is not None and not (Path(against) / nb.name).exists():
            raise FileNotFoundError(f"{Path(against) / nb.name} not found: build the report first")
        committed = numbers_file(profile, nb.stem)
        if against is None and not committed.is_file():
            raise FileNotFoundError(f"{committed} not found: no committed numbers for profile {profile}; "
                                    f"build the report and run `make freeze-numbers PROFILE={profile}`")
    result = {}
    last = report.progress.last_cells([config.REPORT], profile=profile)
    with tempfile.TemporaryDirectory(prefix="hw2-verify-") as tmp:
        for e in report.execute_all(books, Path(tmp), profile=profile, last=last, log=log):
            now = nbformat.read(e.path, as_version=4)
            if against is not None:
                diffs = compare_notebooks(nbformat.read(Path(against) / e.path.name, as_version=4), now)
            else:
                rows = compare_numbers(json.loads(numbers_file(profile, e.name).read_text()),
                                       extract_numbers(now, profile=profile))
                log(_table(e.name, rows))
                diffs = [f"code cell {r['cell']}: {r['numbers'] - r['equal']} of {r['numbers']} numbers differ "
                         f"({r['difference']})" for r in rows if r["difference"]]
            result[e.name] = diffs
            log(f"[verify] {e.path.name}: " + ("equal within tolerance" if not diffs else
                                                f"{len(diffs)} difference(s)"))
            for d in diffs:
                log(f"[verify]   {d}")
    if any(result.values()) and config.device().type != "cpu":
        log("[verify] run on a GPU: small differences from the committed CPU numbers are expected there "
            "(equality is promised with HW2_DEVICE=cpu)")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hw2.verify", description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="quick", choices=PROFILES)
    parser.add_argument("--only", nargs="*", help="notebooks whose names contain these strings")
    parser.add_argument("--against", type=Path, default=None,
                        help="folder of executed notebooks to compare with, figures included")
    parser.add_argument("--freeze", action="store_true",
                        help="copy the numbers of the last report build (report/numbers) into the committed files")
    args = parser.parse_args(argv)
    if args.freeze:
        freeze()
        return 0
    result = verify(profile=args.profile, only=args.only, against=args.against)
    bad = {k: v for k, v in result.items() if v}
    print(f"[verify] {len(result) - len(bad)}/{len(result)} notebooks reproduce ({args.profile} profile)" +
          (f"; differences in {', '.join(bad)}" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
