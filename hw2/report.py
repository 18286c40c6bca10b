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
    The combined report: a title page with a table of contents, the machine and
    the run date, links to the executed notebooks, then every notebook with its
    code hidden.
``report.pdf``
    ``index.html`` printed by headless Chromium (when installed).
"""
from __future__ import annotations

import argparse
import copy
import datetime as _dt
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from . import config

__all__ = ["NotebookFailed", "notebooks", "execute", "to_html", "combine", "print_pdf", "find_chromium",
           "only_folder", "build", "main", "KERNEL_NAME"]

#: kernelspec installed into .venv by ``make venv`` (``python -m ipykernel install --sys-prefix --name hw2``)
KERNEL_NAME = "hw2"

_PRINT_CSS = """
<style>
  body { max-width: 1000px; margin: 0 auto; }
  .jp-OutputArea-output img, .jp-RenderedImage img { max-width: 100% !important; height: auto; }
  .jp-RenderedHTMLCommon table { font-size: 0.85em; }
  @media print {
    @page { size: A4; margin: 12mm 10mm; }
    body { max-width: none; }
    .hw2-notebook { break-before: page; }
    .jp-RenderedImage, .jp-RenderedImage img, .jp-RenderedHTMLCommon table, pre { break-inside: avoid; }
    .jp-RenderedImage img { max-height: 240mm; object-fit: contain; }
    h1, h2, h3 { break-after: avoid; }
    a { color: inherit; }
  }
</style>
"""


class NotebookFailed(RuntimeError):
    """A notebook raised while executing; the message names the notebook and the failing cell."""


@dataclass
class Executed:
    name: str
    path: Path
    seconds: float
    title: str


def notebooks(only: Sequence[str] | None = None) -> list[Path]:
    """The notebooks in ``notebooks/``, sorted by name, optionally filtered by (part of) their names."""
    found = sorted(config.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if only:
        found = [p for p in found if any(o in p.stem for o in only)]
        if not found:
            raise ValueError(f"no notebook matches {list(only)}")
    return found


def _kernel_name() -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    return KERNEL_NAME if KERNEL_NAME in KernelSpecManager().find_kernel_specs() else "python3"


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def execute(notebook: Path, output: Path, *, profile: str = "full", parameters: dict | None = None,
            timeout: int = 3600) -> Executed:
    """Execute ``notebook`` with papermill into ``output``; raise :class:`NotebookFailed` on error."""
    import nbformat
    import papermill as pm

    params = {"PROFILE": profile, **(parameters or {})}
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ["HW2_BATCH"] = "1"
    output.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        pm.execute_notebook(str(notebook), str(output), parameters=params, kernel_name=_kernel_name(),
                            cwd=str(config.ROOT), progress_bar=False, log_output=False,
                            execution_timeout=timeout)
    except pm.PapermillExecutionError as exc:
        raise NotebookFailed(
            f"notebook {notebook.name} failed in cell {exc.cell_index} (execution count {exc.exec_count}): "
            f"{exc.ename}: {exc.evalue}\n--- cell source ---\n{exc.source}") from None
    except Exception as exc:  # kernel died, timeout, bad JSON...
        raise NotebookFailed(f"notebook {notebook.name} could not be executed: {type(exc).__name__}: {exc}") from exc
    seconds = time.perf_counter() - t0
    nb = nbformat.read(output, as_version=4)
    return Executed(notebook.stem, output, seconds, _title(nb) or notebook.stem)


def _exporter(*, hide_code: bool):
    from nbconvert import HTMLExporter

    exp = HTMLExporter(template_name="lab")
    exp.exclude_input = hide_code
    exp.exclude_input_prompt = hide_code
    exp.exclude_output_prompt = hide_code
    return exp


def _with_css(body: str) -> str:
    return body.replace("</head>", _PRINT_CSS + "</head>", 1)


def to_html(executed: Path, output: Path) -> Path:
    """Export one executed notebook to HTML with its code visible."""
    import nbformat

    from .io import atomic_write

    nb = nbformat.read(executed, as_version=4)
    body, _ = _exporter(hide_code=False).from_notebook_node(nb)
    with atomic_write(output, "w") as fh:
        fh.write(_with_css(body))
    return output


def _clean_for_report(cell):
    """Drop what does not belong in a printed report: progress bars, widget views, stderr."""
    cell = copy.deepcopy(cell)
    if cell.cell_type == "code":
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                continue
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                continue
            kept.append(out)
        cell["outputs"] = kept
    return cell


def _numbers_line(summary: dict | None, profile: str) -> str:
    if summary is None:
        return ""
    if summary["missing"] and not summary["total"]:
        return f"No committed {profile}-profile numbers to compare with (`make freeze-numbers`)."
    line = (f"**{summary['equal']} of {summary['total']} numbers** in this report equal the committed "
            f"{profile}-profile numbers (`notebooks/numbers/{profile}/`, `make verify PROFILE={profile}`).")
    if summary["missing"]:
        line += f" Not committed: {', '.join(summary['missing'])}."
    return line


def combine(executed: Sequence[Executed], output: Path, *, profile: str, machine: dict | None = None,
            numbers: dict | None = None) -> Path:
    """Write the combined report ``index.html``: title page, contents, then every notebook (code hidden).

    ``numbers`` is a :func:`hw2.verify.match_summary` of this build, stated on the title page.
    """
    import nbformat
    from nbformat.v4 import new_markdown_cell, new_notebook

    from .io import atomic_write
    from .timing import machine_info

    machine = machine or machine_info()
    now = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    lines = [
        "# Style transfer on Photo ↔ Monet: four methods compared",
        "",
        f"Built {now} with profile **{profile}** on {machine['cores']} CPU cores ({html.escape(str(machine['cpu']))}), "
        f"torch {machine['torch']}, GPU: {machine['gpu'] or 'none'}.",
        "",
        _numbers_line(numbers, profile),
        "",
        "## Contents",
        "",
        "| # | Notebook | executed notebook | with code | run time |",
        "|---|---|---|---|---|",
    ]
    for i, e in enumerate(executed, 1):
        lines.append(f"| {i} | [{html.escape(e.title)}](#nb-{e.name}) | [{e.name}.ipynb]({e.name}.ipynb) "
                     f"| [{e.name}.html]({e.name}.html) | {e.seconds:.0f} s |")
    lines += ["", "Every figure and number below was produced by executing the notebooks listed above; "
              "the code is hidden here and visible in each notebook's own page."]
    cells = [new_markdown_cell("\n".join(lines))]
    for e in executed:
        nb = nbformat.read(e.path, as_version=4)
        cells.append(new_markdown_cell(f'<div class="hw2-notebook" id="nb-{e.name}"></div>'))
        for cell in nb.cells:
            if "remove-cell" in cell.get("metadata", {}).get("tags", []):
                continue
            cells.append(_clean_for_report(cell))
    for i, cell in enumerate(cells):  # ids must be unique across the merged notebooks
        cell["id"] = f"cell-{i}"
    combined = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                  "language": "python"}})
    body, _ = _exporter(hide_code=True).from_notebook_node(combined)
    with atomic_write(output, "w") as fh:
        fh.write(_with_css(body))
    return output


def _executable(path: str) -> bool:
    return Path(path).is_file() and os.access(path, os.X_OK)


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable (``$HW2_CHROMIUM`` first), or ``None``.

    ``$HW2_CHROMIUM`` counts only when it is an executable file (:func:`print_pdf` says why not).
    """
    env = os.environ.get("HW2_CHROMIUM", "").strip()
    if env:
        return env if _executable(env) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html_file: Path, pdf: Path, *, chromium: str | None = None, timeout: int = 300) -> Path:
    """Print ``html_file`` to ``pdf`` with headless Chromium (no network).

    Raises
    ------
    FileNotFoundError
        No Chromium, or ``$HW2_CHROMIUM`` / ``chromium`` is not an executable file (the message says which).
    RuntimeError
        Chromium ran but did not produce the PDF.
    """
    env = os.environ.get("HW2_CHROMIUM", "").strip()
    if chromium is None and env and not _executable(env):
        what = "a folder" if Path(env).is_dir() else "not executable" if Path(env).exists() else "missing"
        raise FileNotFoundError(f"HW2_CHROMIUM={env} is {what}; point it at the Chromium executable or unset it")
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium found for the PDF; install it (Debian: `apt-get install chromium`) "
                                "or set HW2_CHROMIUM; the HTML report is complete without it")
    if not _executable(chromium):
        raise FileNotFoundError(f"Chromium {chromium} is not an executable file")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hw2-chromium-") as profile_dir:
        tmp_pdf = pdf.with_name(f".{pdf.name}.tmp")
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", f"--user-data-dir={profile_dir}", "--no-pdf-header-footer",
               "--run-all-compositor-stages-before-draw", "--virtual-time-budget=20000",
               f"--print-to-pdf={tmp_pdf}", html_file.resolve().as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except OSError as exc:
            raise FileNotFoundError(f"cannot run Chromium {chromium}: {exc}") from None
        if proc.returncode != 0 or not tmp_pdf.exists() or tmp_pdf.stat().st_size == 0:
            tmp_pdf.unlink(missing_ok=True)
            raise RuntimeError(f"Chromium could not print {html_file} (exit {proc.returncode}): {proc.stderr[-2000:]}")
        os.replace(tmp_pdf, pdf)
    return pdf


def only_folder(only: Sequence[str]) -> Path:
    """Where a build of some notebooks only goes: ``report/only/<names>/`` (never the combined report)."""
    safe = "-".join("".join(ch if ch.isalnum() or ch in "_." else "_" for ch in o) for o in only)
    return config.REPORT_ONLY / (safe or "none")


def build(*, profile: str = "full", only: Sequence[str] | None = None, out: Path | None = None,
          pdf: bool = True, figures: Path | None = None, log=print) -> dict:
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

    Returns a summary dict (notebook seconds, paths). Raises :class:`NotebookFailed`.
    """
    import nbformat

    from . import verify
    from .publish import copy_tree, recover, sigterm_as_interrupt, swap_dir

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
            executed = []
            for nb in books:
                log(f"[report] executing {nb.name} (profile {profile}) ...")
                try:
                    e = execute(nb, report_dir / nb.name, profile=profile)
                except NotebookFailed:
                    failed = build_root / "failed"
                    failed.mkdir(exist_ok=True)
                    if (report_dir / nb.name).exists():
                        shutil.copy2(report_dir / nb.name, failed / nb.name)
                    raise
                log(f"[report]   {nb.name}: {e.seconds:.1f} s")
                to_html(e.path, report_dir / f"{nb.stem}.html")
                executed.append(e)
            (report_dir / "numbers").mkdir()
            for e in executed:  # this build's numbers, for `make freeze-numbers` and the title page
                with open(report_dir / "numbers" / f"{e.name}.json", "w") as fh:
                    json.dump(verify.extract_numbers(nbformat.read(e.path, as_version=4), profile=profile), fh,
                              indent=1, ensure_ascii=False)
            numbers = verify.match_summary({e.name: e.path for e in executed}, profile=profile)
            log(f"[report] {numbers['equal']} of {numbers['total']} numbers equal the committed {profile} numbers")
            combine(executed, report_dir / "index.html", profile=profile, numbers=numbers)
            summary = {"profile": profile, "notebooks": {e.name: round(e.seconds, 1) for e in executed},
                       "pdf": None, "pdf_error": None}
            if pdf:
                try:
                    print_pdf(report_dir / "index.html", report_dir / "report.pdf")
                    summary["pdf"] = str(out / "report.pdf")
                except Exception as exc:  # any printer failure: the HTML report is still published
                    summary["pdf_error"] = f"{type(exc).__name__}: {exc}"
                    log(f"[report] NO PDF: {summary['pdf_error']}\n[report] the HTML report is published "
                        "without it.")
            else:
                summary["pdf_error"] = "not asked (--no-pdf)"
            with open(report_dir / "timings.json", "w") as fh:
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
    profiles = ("full", "quick")
    parser.add_argument("--profile", default=None, choices=profiles,
                        help="default: $PROFILE, else full")
    parser.add_argument("--only", nargs="*", help="notebooks whose names contain these strings "
                        "(built into report/only/<names>/)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default report/)")
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args(argv)
    if args.profile is None:
        args.profile = os.environ.get("PROFILE", "").strip() or "full"
        if args.profile not in profiles:
            parser.error(f"PROFILE={args.profile!r} (from the environment) must be one of {profiles}")
    try:
        build(profile=args.profile, only=args.only, out=args.out, pdf=not args.no_pdf)
    except NotebookFailed as exc:
        print(f"[report] FAILED: {exc}\n[report] the previous report was left as it was.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("[report] interrupted; the previous report and figures were left as they were.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
