"""Reproducibility check against the committed numbers: ``python -m hw2.verify`` (``make verify``).

Every number the executed notebooks print or tabulate is committed, per profile, in
``notebooks/numbers/<profile>/<notebook>.json`` (see :func:`extract_numbers`). A report
build writes the same files for its own run into ``report/numbers/``, never into a
tracked file; ``make freeze-numbers`` (:func:`freeze`) copies a build's numbers into the
committed files when a change of results is intended.

``python -m hw2.verify [--profile quick|full] [--only NAME ...]`` executes the notebooks
once and compares their numbers with the committed ones; it prints a table per notebook
and exits 1 on any difference. ``--against DIR`` instead compares a fresh run with the
executed notebooks in ``DIR``, figures included.

What counts as equal (:class:`Tolerance`):

* numbers in text, markdown and HTML outputs: equal within ``rtol=1e-3`` (``atol=1e-6``) or
  one unit in the last printed place (a rounding boundary), the text around them exactly;
* figures (PNG outputs, ``--against`` only): same size, mean absolute pixel difference
  <= 1/255 and no pixel off by more than 32/255;
* outputs of cells tagged ``timing``, and markdown-table columns whose header names a time
  or a memory size (``time``, ``(s)``, ``ms``, ``MB``...), are skipped: wall times and memory
  are not reproducible; so are stderr streams (progress bars) and widget views;
* outputs of cells tagged ``benchmarks`` are skipped too: they show ``benchmarks/results.json``,
  measurements made by ``make bench``, not by the notebook.

"Equal" is promised on the CPU (``HW2_DEVICE=cpu``, any x86-64 machine with the pinned
packages). On a GPU, kernels differ in the last bits: the differences are listed and said
to be expected.
"""
from __future__ import annotations

import argparse
import base64
import io as _io
import json
import math
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

__all__ = ["Tolerance", "compare_notebooks", "extract_numbers", "compare_numbers", "numbers_file", "freeze",
           "match_summary", "verify", "main", "PROFILES"]

PROFILES = ("quick", "full")

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_SKIP_TAGS = {"timing", "nondeterministic", "benchmarks"}


@dataclass(frozen=True)
class Tolerance:
    rtol: float = 1e-3
    atol: float = 1e-6
    pixel_mean: float = 1.0 / 255
    pixel_max: float = 32.0 / 255


_TIMING_HEADER = re.compile(r"time|runtime|seconds|\(s\)|\bs\b|\bms\b|/s\b|rss|memory|\bMB\b", re.I)


def _mask_timing_columns(text: str) -> str:
    """Blank the cells of markdown-table columns whose header names a time or memory."""
    lines, out, timing_cols = text.split("\n"), [], None
    for line in lines:
        if line.lstrip().startswith("|"):
            cells = line.strip().strip("|").split("|")
            if timing_cols is None:
                timing_cols = {i for i, c in enumerate(cells) if _TIMING_HEADER.search(c)}
            elif timing_cols and not set(line.replace("|", "").strip()) <= set("-: "):
                cells = ["(timing)" if i in timing_cols else c for i, c in enumerate(cells)]
                line = "|" + "|".join(cells) + "|"
        else:
            timing_cols = None
        out.append(line)
    return "\n".join(out)


def _last_place(text: str) -> float:
    """One unit in the last printed place of a number (``"0.881"`` -> 0.001, ``"12"`` -> 1, ``"1.5e-3"`` -> 1e-4)."""
    mantissa, _, exp = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (-decimals + (int(exp) if exp else 0))


def _close(x: str, y: str, tol: Tolerance) -> bool:
    """Equal within ``rtol``/``atol``, or within one unit of the last printed place.

    A number printed with 3 significant digits that lies near a rounding boundary can come out one
    unit apart from the last bits of a float sum (e.g. 0.881 vs 0.882, with another thread count);
    that is not a change of result. Only decimals with at least 3 significant digits get this
    allowance (one unit is then at most 1 % of the value); integers are compared within ``rtol``.
    """
    fx, fy = float(x), float(y)
    if math.isnan(fx) and math.isnan(fy):
        return True
    if math.isclose(fx, fy, rel_tol=tol.rtol, abs_tol=tol.atol):
        return True
    if "." not in x + y:  # integers are counts: exact within rtol only
        return False
    unit = max(_last_place(x), _last_place(y))
    # at least 3 significant digits printed, so one unit is at most 1 % of the value
    return unit <= 0.01 * max(abs(fx), abs(fy)) and abs(fx - fy) <= unit * (1 + 1e-9)


def _numbers_equal(a: str, b: str, tol: Tolerance) -> str | None:
    """The first difference between two texts (timing columns masked), or ``None``."""
    _, _, first = _count(_mask_timing_columns(a), _mask_timing_columns(b), tol)
    return first if first in (None, "text differs") else f"number {first}"


def _png_diff(a: str, b: str, tol: Tolerance) -> str | None:
    import numpy as np
    from PIL import Image

    ia = np.asarray(Image.open(_io.BytesIO(base64.b64decode(a))).convert("RGB"), dtype=np.float32) / 255
    ib = np.asarray(Image.open(_io.BytesIO(base64.b64decode(b))).convert("RGB"), dtype=np.float32) / 255
    if ia.shape != ib.shape:
        return f"figure size {ia.shape[:2]} != {ib.shape[:2]}"
    d = np.abs(ia - ib)
    if d.mean() > tol.pixel_mean or d.max() > tol.pixel_max:
        return f"figure differs (mean |diff| {d.mean() * 255:.2f}/255, max {d.max() * 255:.0f}/255)"
    return None


def _comparable(outputs: list) -> list[tuple[str, str]]:
    """(kind, payload) pairs of the outputs that must reproduce."""
    items = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            if out.get("name") == "stdout":
                items.append(("text", "".join(out.get("text", ""))))
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                continue
            if "image/png" in data:
                items.append(("png", data["image/png"]))
            for mime in ("text/markdown", "text/html", "text/plain"):
                if mime in data and "image/png" not in data:
                    text = data[mime]
                    items.append(("text", "".join(text) if isinstance(text, list) else text))
                    break
        elif kind == "error":
            items.append(("text", f"{out.get('ename')}: {out.get('evalue')}"))
    return items


def compare_notebooks(a, b, *, tol: Tolerance = Tolerance()) -> list[str]:
    """Differences between two executed notebooks (``nbformat`` nodes), as messages."""
    diffs = []
    cells_a = [c for c in a.cells if c.cell_type == "code"]
    cells_b = [c for c in b.cells if c.cell_type == "code"]
    if len(cells_a) != len(cells_b):
        return [f"{len(cells_a)} code cells != {len(cells_b)}"]
    for i, (ca, cb) in enumerate(zip(cells_a, cells_b)):
        tags = set(ca.get("metadata", {}).get("tags", []))
        if tags & _SKIP_TAGS or "injected-parameters" in tags:
            continue
        oa, ob = _comparable(ca.get("outputs", [])), _comparable(cb.get("outputs", []))
        if [k for k, _ in oa] != [k for k, _ in ob]:
            diffs.append(f"code cell {i}: outputs differ in kind ({[k for k, _ in oa]} vs {[k for k, _ in ob]})")
            continue
        for j, ((kind, pa), (_, pb)) in enumerate(zip(oa, ob)):
            msg = _png_diff(pa, pb, tol) if kind == "png" else _numbers_equal(pa, pb, tol)
            if msg:
                diffs.append(f"code cell {i}, output {j}: {msg}")
    return diffs


def extract_numbers(nb, *, profile: str) -> dict:
    """The committed form of an executed notebook's results: its text outputs, per code cell.

    Only outputs that hold reproducible text are kept (see the module docstring); timing
    columns are masked. Returns ``{"profile": ..., "cells": {"<index>": [text, ...]}}`` with the
    index of each code cell that has such outputs.
    """
    cells = {}
    code = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(code):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & _SKIP_TAGS or "injected-parameters" in tags:
            continue
        texts = [_mask_timing_columns(p) for k, p in _comparable(cell.get("outputs", [])) if k == "text"]
        if any(_NUMBER.search(t) for t in texts):
            cells[str(i)] = texts
    return {"profile": profile, "cells": cells}


def numbers_file(profile: str, stem: str, *, root: Path | None = None) -> Path:
    """``notebooks/numbers/<profile>/<stem>.json`` (or under ``root``)."""
    from . import config

    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    return (Path(root) if root is not None else config.NOTEBOOKS / "numbers") / profile / f"{stem}.json"


def _count(a: str, b: str, tol: Tolerance) -> tuple[int, int, str | None]:
    """(equal numbers, numbers, first difference) between two texts."""
    na, nb_ = _NUMBER.findall(a), _NUMBER.findall(b)
    if _NUMBER.sub("#", a) != _NUMBER.sub("#", b):
        return 0, max(len(na), len(nb_)), "text differs"
    equal, first = 0, None
    for x, y in zip(na, nb_):
        if _close(x, y, tol):
            equal += 1
        elif first is None:
            first = f"{y} (committed {x})"
    return equal, len(na), first


def compare_numbers(committed: dict, now: dict, *, tol: Tolerance = Tolerance()) -> list[dict]:
    """One row per code cell with numbers: ``cell``, ``numbers``, ``equal``, ``difference`` (or ``None``)."""
    rows = []
    for cell in sorted(set(committed["cells"]) | set(now["cells"]), key=int):
        a, b = committed["cells"].get(cell), now["cells"].get(cell)
        if a is None or b is None or len(a) != len(b):
            n = sum(len(_NUMBER.findall(t)) for t in (a or b))
            what = "not committed" if a is None else "no output now" if b is None else "outputs differ in number"
            rows.append({"cell": int(cell), "numbers": n, "equal": 0, "difference": what})
            continue
        eq = tot = 0
        first = None
        for ta, tb in zip(a, b):
            e, t, d = _count(ta, tb, tol)
            eq, tot, first = eq + e, tot + t, first or d
        rows.append({"cell": int(cell), "numbers": tot, "equal": eq, "difference": first})
    return rows


def match_summary(executed: dict[str, Path], *, profile: str, tol: Tolerance = Tolerance()) -> dict:
    """How many numbers of executed notebooks (``{stem: path}``) match the committed ones.

    Returns ``{"equal": int, "total": int, "notebooks": {stem: (equal, total)}, "missing": [stems]}``.
    """
    import nbformat

    out = {"equal": 0, "total": 0, "notebooks": {}, "missing": []}
    for stem, path in executed.items():
        committed = numbers_file(profile, stem)
        if not committed.is_file():
            out["missing"].append(stem)
            continue
        rows = compare_numbers(json.loads(committed.read_text()),
                               extract_numbers(nbformat.read(path, as_version=4), profile=profile), tol=tol)
        eq, tot = sum(r["equal"] for r in rows), sum(r["numbers"] for r in rows)
        out["notebooks"][stem] = (eq, tot)
        out["equal"] += eq
        out["total"] += tot
    return out


def freeze(*, source: Path | None = None, profile: str | None = None, log=print) -> list[Path]:
    """Copy a build's numbers (``report/numbers/*.json``) into the committed ``notebooks/numbers/<profile>/``.

    Run it (``make freeze-numbers``) only when a change of results is intended; the build
    records its profile in each file, and that profile decides where the files go.
    """
    from . import config
    from .io import atomic_write

    source = Path(source) if source is not None else config.REPORT / "numbers"
    files = sorted(source.glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no numbers in {source}: build the report first (`make report` or "
                                "`make quick-report`)")
    written = []
    for f in files:
        data = json.loads(f.read_text())
        if profile is not None and data.get("profile") != profile:
            raise ValueError(f"{f} was built with profile {data.get('profile')!r}, not {profile!r}")
        dest = numbers_file(data["profile"], f.stem)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(dest, "w") as fh:
            fh.write(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        log(f"[verify] froze {f.name} -> {dest.relative_to(config.ROOT)}")
        written.append(dest)
    return written


def _table(stem: str, rows: list[dict]) -> str:
    lines = [f"{stem}:", "  | cell | numbers | equal | first difference |", "  |---:|---:|---:|---|"]
    lines += [f"  | {r['cell']} | {r['numbers']} | {r['equal']} | {r['difference'] or ''} |" for r in rows]
    return "\n".join(lines)


def _on_gpu() -> bool:
    from . import config

    return config.device().type != "cpu"


def verify(*, profile: str = "quick", only: Sequence[str] | None = None, against: Path | None = None,
           tol: Tolerance = Tolerance(), log=print) -> dict[str, list[str]]:
    """Execute the notebooks in ``profile`` and compare; returns the differences per notebook.

    Without ``against`` the numbers are compared with the committed ones; with it, every
    output (figures included) with the executed notebooks in that folder.
    """
    import nbformat

    from . import config, report

    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    result = {}
    last = report.progress.last_cells([config.REPORT], profile=profile)
    with tempfile.TemporaryDirectory(prefix="hw2-verify-") as tmp:
        for nb in report.notebooks(only):
            if against is not None and not (Path(against) / nb.name).exists():
                raise FileNotFoundError(f"{Path(against) / nb.name} not found: build the report first")
            committed = numbers_file(profile, nb.stem)
            if against is None and not committed.is_file():
                raise FileNotFoundError(f"{committed} not found: no committed numbers for profile {profile}; "
                                        f"build the report and run `make freeze-numbers PROFILE={profile}`")
            log(f"[verify] executing {nb.name} (profile {profile}) ...")
            run = report.execute(nb, Path(tmp) / nb.name, profile=profile, last_cells=last.get(nb.stem),
                                 log=log).path
            now = nbformat.read(run, as_version=4)
            if against is not None:
                diffs = compare_notebooks(nbformat.read(Path(against) / nb.name, as_version=4), now, tol=tol)
            else:
                rows = compare_numbers(json.loads(committed.read_text()), extract_numbers(now, profile=profile),
                                       tol=tol)
                log(_table(nb.stem, rows))
                diffs = [f"code cell {r['cell']}: {r['numbers'] - r['equal']} of {r['numbers']} numbers differ "
                         f"({r['difference']})" for r in rows if r["difference"]]
            result[nb.stem] = diffs
            log(f"[verify] {nb.name}: " + ("equal within tolerance" if not diffs else f"{len(diffs)} difference(s)"))
            for d in diffs:
                log(f"[verify]   {d}")
    if any(result.values()) and _on_gpu():
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
