"""Reproducibility check: ``python -m hw2.verify [--only NAME ...] [--against DIR]`` (``make verify``).

Executes the notebooks in the quick profile twice (or once, against the executed
notebooks already in ``--against``) and compares every output:

* numbers in text, markdown and HTML outputs: equal within ``rtol=1e-3`` (``atol=1e-6``),
  the text around them exactly;
* figures (PNG outputs): same size, mean absolute pixel difference ≤ 1/255 and no pixel
  off by more than 32/255;
* outputs of cells tagged ``timing``, and markdown-table columns whose header names a time
  or a memory size (``time``, ``(s)``, ``ms``, ``MB``...), are skipped: wall times and memory
  are not reproducible; so are stderr streams (progress bars) and widget views.

Prints each difference and exits 1 when there is one.
"""
from __future__ import annotations

import argparse
import base64
import io as _io
import math
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

__all__ = ["Tolerance", "compare_notebooks", "verify", "main"]

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_SKIP_TAGS = {"timing", "nondeterministic"}


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


def _numbers_equal(a: str, b: str, tol: Tolerance) -> str | None:
    a, b = _mask_timing_columns(a), _mask_timing_columns(b)
    if _NUMBER.sub("#", a) != _NUMBER.sub("#", b):
        return "text differs"
    for x, y in zip(_NUMBER.findall(a), _NUMBER.findall(b)):
        fx, fy = float(x), float(y)
        if not (math.isclose(fx, fy, rel_tol=tol.rtol, abs_tol=tol.atol) or (math.isnan(fx) and math.isnan(fy))):
            return f"number {x} != {y}"
    return None


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


def verify(*, only: Sequence[str] | None = None, against: Path | None = None,
           tol: Tolerance = Tolerance(), log=print) -> dict[str, list[str]]:
    """Execute the notebooks (quick profile) and compare; returns differences per notebook."""
    import nbformat

    from . import report

    result = {}
    with tempfile.TemporaryDirectory(prefix="hw2-verify-") as tmp:
        tmp = Path(tmp)
        for nb in report.notebooks(only):
            runs = []
            sources = [against / nb.name] if against is not None else []
            if sources and not sources[0].exists():
                raise FileNotFoundError(f"{sources[0]} not found: build the report first (make quick-report)")
            for k in range(2 - len(sources)):
                log(f"[verify] executing {nb.name} (run {k + 1}) ...")
                runs.append(report.execute(nb, tmp / f"run{k}" / nb.name, profile="quick").path)
            a, b = (nbformat.read(p, as_version=4) for p in sources + runs)
            diffs = compare_notebooks(a, b, tol=tol)
            result[nb.stem] = diffs
            log(f"[verify] {nb.name}: " + ("identical within tolerance" if not diffs else f"{len(diffs)} difference(s)"))
            for d in diffs:
                log(f"[verify]   {d}")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hw2.verify", description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", help="notebooks whose names contain these strings")
    parser.add_argument("--against", type=Path, default=None,
                        help="folder of executed quick-profile notebooks to compare with (default: run twice)")
    args = parser.parse_args(argv)
    result = verify(only=args.only, against=args.against)
    bad = {k: v for k, v in result.items() if v}
    print(f"[verify] {len(result) - len(bad)}/{len(result)} notebooks reproduce" +
          (f"; differences in {', '.join(bad)}" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
