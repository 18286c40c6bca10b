"""Build the report: execute every notebook with papermill, export HTML, combine, print to PDF.

``python -m hw2.report [--profile full|quick] [--only NAME ...] [--out DIR]`` (``make report``).

Everything, figures included, is built in a staging folder; the previous report in
``report/`` and ``figures/`` are each replaced as a whole folder only once the new ones are
complete, so an interrupt (Ctrl-C or SIGTERM) at any point leaves them whole. A failing
notebook stops the build with its name and the failing cell's error, and leaves the old
report as it was (the partly executed notebook is kept in ``build/failed/`` for
inspection). A PDF-printer failure still publishes the HTML and says why there is no PDF.
``--only`` builds go to ``report/only/<names>/`` and leave the combined report alone.

Outputs (under ``report/``)
---------------------------
``NN_name.ipynb``
    The executed notebook (code visible).
``NN_name.html``
    Its HTML export (code visible).
``index.html``
    The combined report, code hidden: the title page (cells tagged ``title-page``), the
    contents, one section per notebook, the appendix (cells tagged ``appendix``, then how
    the report was built: machine, run date, links to the executed notebooks);
    see :mod:`hw2.report.assemble`.
``report.pdf``
    ``index.html`` printed by headless Chromium (when installed) once MathJax has typeset it.
``mathjax/``
    MathJax, loaded by the pages from here (no network).
``timings.json``
    Seconds per notebook and per code cell; the next build shows them beside its progress.

Modules: :mod:`~hw2.report.runner` (papermill, per-cell progress), :mod:`~hw2.report.progress`
(last build's cell times), :mod:`~hw2.report.export` (HTML, CSS, MathJax),
:mod:`~hw2.report.assemble` (the combined report), :mod:`~hw2.report.numbering` (figure and
table numbers checked), :mod:`~hw2.report.pdf` (Chromium); this module builds and publishes.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from .. import config
from ..profiles import PROFILES
from ..threads import compute_threads, worker_count
from .assemble import combine
from .numbers import extract_numbers, match_summary
from .runner import KERNEL_NAME, Executed, NotebookFailed, execute, execute_all, notebooks
from .export import copy_mathjax, to_html
from .numbering import NumberingError, numbering_problems
from .pdf import MathNotTypeset, find_chromium, print_pdf
from .progress import TIMINGS, last_cells

__all__ = ["NotebookFailed", "NumberingError", "MathNotTypeset", "Executed", "notebooks", "execute", "execute_all",
           "to_html",
           "combine", "numbering_problems", "print_pdf", "find_chromium", "copy_mathjax", "only_folder", "build",
           "main", "KERNEL_NAME"]


def recorded_envelope() -> dict | None:
    """The spread of the numbers measured by ``make bench ONLY=report`` (``benchmarks/results.json``), or ``None``."""
    path = config.BENCHMARKS / "results.json"
    if not path.is_file():
        return None
    return (json.loads(path.read_text()).get("report") or {}).get("envelope")


def only_folder(only: Sequence[str]) -> Path:
    """Where a build of some notebooks only goes: ``report/only/<names>/`` (never the combined report)."""
    safe = "-".join("".join(ch if ch.isalnum() or ch in "_." else "_" for ch in o) for o in only)
    return config.REPORT_ONLY / (safe or "none")


def build(*, profile: str = "full", only: Sequence[str] | None = None, out: Path | None = None,
          pdf: bool = True, figures: Path | None = None, strict_numbering: bool = False, log=print) -> dict:
    """Execute, export and combine the notebooks; publish into ``out`` only when all succeeded.

    Everything is built in a staging folder ``build/report-*/`` (the notebooks' figures too,
    through ``$HW2_FIGURES``); then ``out`` and the figures folder are each replaced as a
    whole folder (:func:`hw2.publish.swap_dir`), so an interrupt at any point, or a failing
    notebook, leaves the previous report and figures whole. SIGTERM cleans up like Ctrl-C.

    Parameters
    ----------
    only : sequence of str, optional
        Build only the notebooks whose names contain these; they go to their own folder
        (:func:`only_folder`, with their figures inside) and the combined report and
        ``figures/`` are left alone.
    out : path, optional
        Output folder (default ``report/``, or :func:`only_folder` with ``only``).
    pdf : bool
        Print ``report.pdf``; a printer failure still publishes the HTML, and the reason is
        logged and stored as ``pdf_error`` in the summary and ``timings.json``.
    figures : path, optional
        Figures folder to publish (default :data:`hw2.config.FIGURES`; with ``only``, ``out/figures``).
    strict_numbering : bool
        Fail (:class:`NumberingError`, nothing published) when the combined report's figure or
        table numbers are wrong (:func:`numbering_problems`); otherwise log them as warnings.
        ``--only`` builds are never checked: their numbers have gaps by design.
    log : callable
        Receives the progress lines: one per notebook and one per finished code cell, with that
        cell's time in the last successful build (``timings.json``), and the warnings.

    Returns a summary dict (notebook and cell seconds, paths). Raises :class:`NotebookFailed`, or
    :class:`NumberingError` with ``strict_numbering``.
    """
    import nbformat

    from ..publish import copy_tree, recover, sigterm_as_interrupt, swap_dir

    books = notebooks(only)
    if out is None:
        out = only_folder(only) if only else config.REPORT
    out = Path(out).resolve()
    combined = out == Path(config.REPORT).resolve()
    if figures is None:
        figures = config.FIGURES if not only else out / "figures"
    figures = Path(figures).resolve()
    figures_inside = figures.parent == out
    build_root = Path(config.ROOT) / "build"
    build_root.mkdir(parents=True, exist_ok=True)
    old_env = os.environ.get("HW2_FIGURES")
    with sigterm_as_interrupt():
        stage = Path(tempfile.mkdtemp(prefix="report-", dir=build_root))
        try:
            report_dir, fig_dir = stage / "report", stage / "figures"
            report_dir.mkdir()
            recover(figures)
            if figures.is_dir():  # notebooks not run now keep their figures
                copy_tree(figures, fig_dir)
            fig_dir.mkdir(exist_ok=True)
            os.environ["HW2_FIGURES"] = str(fig_dir)
            last = last_cells([out, config.REPORT], profile=profile)
            failed = build_root / "failed"

            def exported(e: Executed) -> None:  # HTML export while the other notebooks still run
                to_html(e.path, report_dir / f"{e.name}.html")

            t0 = time.perf_counter()
            try:
                executed = execute_all(books, report_dir, profile=profile, last=last, log=log, on_done=exported)
            except NotebookFailed:
                failed.mkdir(exist_ok=True)
                for nb in books:  # keep what was executed, for inspection
                    if (report_dir / nb.name).exists():
                        shutil.copy2(report_dir / nb.name, failed / nb.name)
                raise
            wall = time.perf_counter() - t0
            log(f"[report] notebooks: {wall:.0f} s wall time ({sum(e.seconds for e in executed):.0f} s summed over "
                f"{len(executed)} notebooks, {worker_count(jobs=len(books))} at a time)")
            (report_dir / "numbers").mkdir()
            for e in executed:  # this build's numbers, for `make freeze-numbers` and the title page
                with open(report_dir / "numbers" / f"{e.name}.json", "w") as fh:
                    json.dump(extract_numbers(nbformat.read(e.path, as_version=4), profile=profile), fh,
                              indent=1, ensure_ascii=False)
            numbers = match_summary({e.name: e.path for e in executed}, profile=profile)
            log(f"[report] {numbers['equal']} of {numbers['total']} numbers equal the committed {profile} numbers")
            try:
                copy_mathjax(report_dir)
            except FileNotFoundError as exc:
                log(f"[report] WARNING: {exc}")
            combine(executed, report_dir / "index.html", profile=profile, numbers=numbers,
                    envelope=recorded_envelope())
            if not only:
                problems = numbering_problems((report_dir / "index.html").read_text(encoding="utf-8"))
                for problem in problems:
                    log(f"[report] WARNING: figure/table numbering: {problem}")
                if problems and strict_numbering:
                    raise NumberingError("figure/table numbering: " + "; ".join(problems))
            summary = {"profile": profile, "notebooks": {e.name: round(e.seconds, 1) for e in executed},
                       "notebooks_wall_s": round(wall, 1), "threads": compute_threads(),
                       "workers": worker_count(jobs=len(books)),
                       "cells": {e.name: e.cells for e in executed}, "pdf": None, "pdf_error": None}
            if pdf:
                try:
                    print_pdf(report_dir / "index.html", report_dir / "report.pdf", log=log)
                    summary["pdf"] = str(out / "report.pdf")
                except Exception as exc:  # any printer failure: the HTML report is still published
                    summary["pdf_error"] = f"{type(exc).__name__}: {exc}"
                    log(f"[report] NO PDF: {summary['pdf_error']}\n[report] the HTML report is published "
                        "without it.")
            else:
                summary["pdf_error"] = "not asked (--no-pdf)"
            with open(report_dir / TIMINGS, "w") as fh:
                json.dump(summary, fh, indent=2)
            recover(out)
            if combined and (out / "only").is_dir():  # single-notebook reports live inside report/
                copy_tree(out / "only", report_dir / "only")
            if figures_inside:
                os.rename(fig_dir, report_dir / figures.name)
            # publish: whole folders, each in one step
            swap_dir(report_dir, out)
            if not figures_inside:
                swap_dir(fig_dir, figures)
            log(f"[report] done: {out / 'index.html'}" + (f" and {out / 'report.pdf'}" if summary["pdf"] else ""))
            return summary
        finally:
            if old_env is None:
                os.environ.pop("HW2_FIGURES", None)
            else:
                os.environ["HW2_FIGURES"] = old_env
            shutil.rmtree(stage, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hw2.report", description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default=None, choices=PROFILES,
                        help="default: $PROFILE, else full")
    parser.add_argument("--only", nargs="*", help="notebooks whose names contain these strings "
                        "(built into report/only/<names>/)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default report/)")
    parser.add_argument("--no-pdf", action="store_true")
    parser.add_argument("--strict-numbering", action="store_true",
                        help="fail when the figure/table numbers are not consecutive or a registered one is missing")
    args = parser.parse_args(argv)
    if args.profile is None:
        args.profile = os.environ.get("PROFILE", "").strip() or "full"
        if args.profile not in PROFILES:
            parser.error(f"PROFILE={args.profile!r} (from the environment) must be one of {PROFILES}")
    try:
        build(profile=args.profile, only=args.only, out=args.out, pdf=not args.no_pdf,
              strict_numbering=args.strict_numbering)
    except (NotebookFailed, NumberingError) as exc:
        print(f"[report] FAILED: {exc}\n[report] the previous report was left as it was.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("[report] interrupted; the previous report and figures were left as they were.", file=sys.stderr)
        return 130
    return 0

