"""The numbers of executed notebooks: extracted, committed, compared within a tolerance per kind.

Every number the executed notebooks print or tabulate is committed, per profile, in
``notebooks/numbers/<profile>/<notebook>.json`` (:func:`extract_numbers`). A report build writes the
same files for its own run into ``report/numbers/``; :func:`freeze` (``make freeze-numbers``) copies
them into the committed files when a change of results is intended. ``make verify``
(:mod:`hw2.verify`) re-executes the notebooks and compares with :func:`compare_numbers`.

What is compared
----------------
* numbers in text, markdown and HTML outputs, with the text around them exactly;
* figures (PNG outputs, ``verify --against`` only): same size, mean absolute pixel difference
  <= 1/255 and no pixel off by more than 32/255.

What is never compared, marked where it is produced (not recognised afterwards):

* timings and memory sizes: :func:`hw2.document.timing` wraps them in a ``hw2-timing`` span (the
  ``timing=`` columns of :func:`hw2.document.show_table` too), and whole cells can be tagged
  ``timing``;
* cells tagged ``benchmarks`` (they show ``benchmarks/results.json``, made by ``make bench``),
  stderr streams (progress bars) and widget views.

Tolerances
----------
Each output carries the kind of its numbers (``show_table(..., numbers=...)``,
``prose(..., numbers=...)``; default ``"numeric"``), and :data:`TOLERANCES` gives each kind its
tolerance. The results are computed with one thread per process (:mod:`hw2.threads`), and on one
machine they are then equal bit for bit whatever the load or core count; the tolerances cover another
thread count (``OMP_NUM_THREADS``) or another CPU's vector units. They rest on a measured envelope,
recorded with the measurements in ``benchmarks/threads.md`` and stated in the README and the report's
appendix.
"""
from __future__ import annotations

import base64
import io as _io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from ..document import NUMBER_KINDS, TIMING_SPAN
from ..profiles import PROFILES

__all__ = ["PROFILES", "Tolerance", "TOLERANCES", "comparable_outputs", "close", "compare_texts",
           "compare_notebooks", "extract_numbers", "compare_numbers", "numbers_file", "freeze", "match_summary"]

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_SKIP_TAGS = {"timing", "benchmarks"}
_TIMING = re.compile(TIMING_SPAN.format(r"[^<]*"))
_TIMING_MASK = "(timing)"


@dataclass(frozen=True)
class Tolerance:
    """When two printed numbers count as equal.

    ``rtol``/``atol`` as in :func:`math.isclose`; ``last_place``: also equal when they are one unit
    of the last printed place apart and at least 3 significant digits were printed (a rounding
    boundary, e.g. 0.881 vs 0.882). Integers without a decimal point are compared within ``rtol`` only.
    ``what`` says which numbers the kind covers, for the README and the report's appendix.
    """
    rtol: float = 1e-3
    atol: float = 1e-6
    last_place: bool = True
    pixel_mean: float = 1.0 / 255
    pixel_max: float = 32.0 / 255
    what: str = ""


#: kind of number -> its tolerance (the kinds are :data:`hw2.document.NUMBER_KINDS`)
TOLERANCES: dict[str, Tolerance] = {
    "numeric": Tolerance(rtol=1e-3, atol=1e-6, what="closed-form and feed-forward results, counts, settings"),
    "sensitive": Tolerance(rtol=0.05, atol=1e-3,
                           what="results of iterative optimisation (L-BFGS: Neural Style, the Gatys textures and "
                                "the quilts made from them) or of ill-conditioned solves (label-wise whitening of "
                                "small regions), and everything computed from them"),
}
assert tuple(TOLERANCES) == NUMBER_KINDS, "hw2.document.NUMBER_KINDS and TOLERANCES must name the same kinds"


def _mask_timings(text: str) -> str:
    return _TIMING.sub(_TIMING_MASK, text)


def _last_place(text: str) -> float:
    """One unit in the last printed place of a number (``"0.881"`` -> 0.001, ``"12"`` -> 1, ``"1.5e-3"`` -> 1e-4)."""
    mantissa, _, exp = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (-decimals + (int(exp) if exp else 0))


def close(x: str, y: str, tol: Tolerance = TOLERANCES["numeric"]) -> bool:
    """Whether printed numbers ``x`` and ``y`` are equal within ``tol`` (see :class:`Tolerance`)."""
    fx, fy = float(x), float(y)
    if math.isnan(fx) and math.isnan(fy):
        return True
    if math.isclose(fx, fy, rel_tol=tol.rtol, abs_tol=tol.atol):
        return True
    if not tol.last_place or "." not in x + y:  # integers are counts: within rtol only
        return False
    unit = max(_last_place(x), _last_place(y))
    # at least 3 significant digits printed, so one unit is at most 1 % of the value
    return unit <= 0.01 * max(abs(fx), abs(fy)) and abs(fx - fy) <= unit * (1 + 1e-9)


def compare_texts(committed: str, now: str, tol: Tolerance) -> tuple[int, int, list[tuple[str, str]]]:
    """``(equal, numbers, differences)`` between two output texts, timings masked.

    ``differences`` lists ``("number", committed, now)`` for each number outside ``tol``; when the
    words around the numbers differ, it is ``[("text", committed, now)]`` with the two texts around
    the first difference, and no number counts as equal.
    """
    a, b = _mask_timings(committed), _mask_timings(now)
    na, nb_ = NUMBER.findall(a), NUMBER.findall(b)
    if NUMBER.sub("#", a) != NUMBER.sub("#", b):
        return 0, max(len(na), len(nb_)), [("text",) + _first_difference(a, b)]
    diffs = [("number", x, y) for x, y in zip(na, nb_) if not close(x, y, tol)]
    return len(na) - len(diffs), len(na), diffs


def _first_difference(a: str, b: str, width: int = 40) -> tuple[str, str]:
    """The two texts around the first character where they differ, ``width`` characters each side (HTML tags
    left out, so that a caption reads as words)."""
    a, b = (re.sub(r"<[^>]+>", "", t) for t in (a, b))
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    lo = max(0, i - width)
    return tuple(("…" if lo else "") + t[lo:i + width].replace("\n", " ") + ("…" if len(t) > i + width else "")
                 for t in (a, b))


def _describe(diff: tuple[str, str, str]) -> str:
    kind, committed, now = diff
    return f"text differs: {now!r} (committed {committed!r})" if kind == "text" else f"{now} (committed {committed})"


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


def comparable_outputs(outputs: list) -> list[tuple[str, str, str]]:
    """``(type, payload, kind)`` of the outputs that must reproduce: type ``"text"`` or ``"png"``.

    ``kind`` is the output's kind of number (``metadata["hw2"]["numbers"]``, set by
    :mod:`hw2.document`; default ``"numeric"``).
    """
    items = []
    for out in outputs:
        otype = out.get("output_type")
        kind = (out.get("metadata") or {}).get("hw2", {}).get("numbers", "numeric")
        if otype == "stream":
            if out.get("name") == "stdout":
                items.append(("text", "".join(out.get("text", "")), "numeric"))
        elif otype in ("execute_result", "display_data"):
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                continue
            if "image/png" in data:
                items.append(("png", data["image/png"], kind))
            for mime in ("text/markdown", "text/html", "text/plain"):
                if mime in data and "image/png" not in data:
                    text = data[mime]
                    items.append(("text", "".join(text) if isinstance(text, list) else text, kind))
                    break
        elif otype == "error":
            items.append(("text", f"{out.get('ename')}: {out.get('evalue')}", "numeric"))
    return items


def _tags(cell) -> set:
    return set(cell.get("metadata", {}).get("tags", []))


def compare_notebooks(a, b) -> list[str]:
    """Differences between two executed notebooks (``nbformat`` nodes), figures included, as messages."""
    diffs = []
    cells_a = [c for c in a.cells if c.cell_type == "code"]
    cells_b = [c for c in b.cells if c.cell_type == "code"]
    if len(cells_a) != len(cells_b):
        return [f"{len(cells_a)} code cells != {len(cells_b)}"]
    for i, (ca, cb) in enumerate(zip(cells_a, cells_b)):
        if _tags(ca) & _SKIP_TAGS or "injected-parameters" in _tags(ca):
            continue
        oa, ob = comparable_outputs(ca.get("outputs", [])), comparable_outputs(cb.get("outputs", []))
        if [t for t, _, _ in oa] != [t for t, _, _ in ob]:
            diffs.append(f"code cell {i}: outputs differ in type ({[t for t, _, _ in oa]} vs {[t for t, _, _ in ob]})")
            continue
        for j, ((otype, pa, _), (_, pb, kind)) in enumerate(zip(oa, ob)):
            tol = TOLERANCES[kind]
            if otype == "png":
                msg = _png_diff(pa, pb, tol)
            else:
                d = compare_texts(pa, pb, tol)[2]
                msg = None if not d else ("" if d[0][0] == "text" else "number ") + _describe(d[0])
            if msg:
                diffs.append(f"code cell {i}, output {j}: {msg}")
    return diffs


def extract_numbers(nb, *, profile: str) -> dict:
    """The committed form of an executed notebook's results: its text outputs, per code cell.

    Returns ``{"profile": ..., "cells": {"<index>": [text, ...]}, "kinds": {"<index>": [kind, ...]}}``
    with the index of each code cell that has numbers (timings masked); ``kinds`` lists only the
    cells with an output whose kind is not ``"numeric"``.
    """
    cells, kinds = {}, {}
    code = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(code):
        if _tags(cell) & _SKIP_TAGS or "injected-parameters" in _tags(cell):
            continue
        outs = [(_mask_timings(p), k) for t, p, k in comparable_outputs(cell.get("outputs", [])) if t == "text"]
        if any(NUMBER.search(t) for t, _ in outs):
            cells[str(i)] = [t for t, _ in outs]
            if any(k != "numeric" for _, k in outs):
                kinds[str(i)] = [k for _, k in outs]
    return {"profile": profile, "cells": cells, **({"kinds": kinds} if kinds else {})}


def numbers_file(profile: str, stem: str, *, root: Path | None = None) -> Path:
    """``notebooks/numbers/<profile>/<stem>.json`` (or under ``root``)."""
    from .. import config

    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    return (Path(root) if root is not None else config.NOTEBOOKS / "numbers") / profile / f"{stem}.json"


def compare_numbers(committed: dict, now: dict) -> list[dict]:
    """One row per code cell with numbers: ``cell``, ``numbers``, ``equal``, ``difference`` and ``differences``.

    Each output is compared within the tolerance of its kind in ``now`` (the code being checked
    decides what kind of number it prints). ``difference`` is the first difference as text (or
    ``None``), ``differences`` every ``(kind, committed, now)`` outside its tolerance (see :func:`compare_texts`).
    """
    rows = []
    for cell in sorted(set(committed["cells"]) | set(now["cells"]), key=int):
        a, b = committed["cells"].get(cell), now["cells"].get(cell)
        if a is None or b is None or len(a) != len(b):
            n = sum(len(NUMBER.findall(t)) for t in (a or b))
            what = "not committed" if a is None else "no output now" if b is None else "outputs differ in number"
            rows.append({"cell": int(cell), "numbers": n, "equal": 0, "difference": what,
                         "differences": [("text", "", what)]})
            continue
        kinds = now.get("kinds", {}).get(cell, ["numeric"] * len(b))
        eq = tot = 0
        diffs: list[tuple[str, str]] = []
        for ta, tb, kind in zip(a, b, kinds):
            e, t, d = compare_texts(ta, tb, TOLERANCES[kind])
            eq, tot, diffs = eq + e, tot + t, diffs + d
        first = None
        if diffs:
            first = _describe(diffs[0])
        rows.append({"cell": int(cell), "numbers": tot, "equal": eq, "difference": first, "differences": diffs})
    return rows


def match_summary(executed: dict[str, Path], *, profile: str) -> dict:
    """How many numbers of executed notebooks (``{stem: path}``) match the committed ones.

    Returns ``{"equal": int, "total": int, "notebooks": {stem: (equal, total)}, "missing": [stems],
    "differences": [{"notebook", "cell", "kind", "committed", "now"}, ...]}`` (``kind``: ``"number"``, or
    ``"text"`` with the texts around the first difference).
    """
    import nbformat

    out = {"equal": 0, "total": 0, "notebooks": {}, "missing": [], "differences": []}
    for stem, path in executed.items():
        committed = numbers_file(profile, stem)
        if not committed.is_file():
            out["missing"].append(stem)
            continue
        rows = compare_numbers(json.loads(committed.read_text()),
                               extract_numbers(nbformat.read(path, as_version=4), profile=profile))
        eq, tot = sum(r["equal"] for r in rows), sum(r["numbers"] for r in rows)
        out["notebooks"][stem] = (eq, tot)
        out["equal"] += eq
        out["total"] += tot
        out["differences"] += [{"notebook": stem, "cell": r["cell"], "kind": k, "committed": c, "now": n}
                               for r in rows for k, c, n in r["differences"]]
    return out


def freeze(*, source: Path | None = None, profile: str | None = None, log=print) -> list[Path]:
    """Copy a build's numbers (``report/numbers/*.json``) into the committed ``notebooks/numbers/<profile>/``.

    Run it (``make freeze-numbers``) only when a change of results is intended; the build
    records its profile in each file, and that profile decides where the files go.
    """
    from .. import config
    from ..io import atomic_write

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
