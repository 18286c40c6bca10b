"""Executing the notebooks with papermill, side by side, with one progress line per cell.

Each finished code cell prints ``[02_neural_style 5/18] 12 s (last build 14 s)``: its position
among the notebook's code cells, its own run time, and the same cell's time in the last
successful build (:mod:`hw2.report.progress` keeps those per notebook and cell).

:func:`execute_all` runs one notebook per core, each kernel computing with one thread
(:mod:`hw2.threads`): the results then do not depend on the core count or the load, and a busy
core slows the build by its share of the CPU instead of stalling multi-threaded torch.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .. import config
from .progress import cell_key

__all__ = ["NotebookFailed", "Executed", "notebooks", "execute", "execute_all", "KERNEL_NAME"]

#: kernelspec installed into .venv by ``make venv`` (``python -m ipykernel install --sys-prefix --name hw2``)
KERNEL_NAME = "hw2"


class NotebookFailed(RuntimeError):
    """A notebook raised while executing; the message names the notebook and the failing cell."""


@dataclass
class Executed:
    """One executed notebook: its name (stem), the executed file, its run time and its ``# `` title.

    ``cells`` maps :func:`hw2.report.progress.cell_key` to that code cell's run time in seconds.
    """
    name: str
    path: Path
    seconds: float
    title: str
    cells: dict[str, float] = field(default_factory=dict)


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


def title(nb) -> str:
    """The first ``# `` heading of a notebook's markdown cells, or ``""``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def _seconds(s: float) -> str:
    return f"{s:.1f} s" if s < 10 else f"{s:.0f} s"


class _CellProgress:
    """nbclient hooks that time each code cell and log one line when it finishes."""

    def __init__(self, name: str, nb, last: dict[str, float], log: Callable[[str], object]):
        self.name, self.last, self.log = name, last, log
        self.total = sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip())
        self.done = 0
        self.t0 = 0.0
        self.cells: dict[str, float] = {}

    def start(self, cell, cell_index, **_):
        self.t0 = time.perf_counter()

    def executed(self, cell, cell_index, **_):
        took = time.perf_counter() - self.t0
        key = cell_key(cell, cell_index)
        self.cells[key] = round(took, 2)
        self.done += 1
        was = self.last.get(key)
        self.log(f"[{self.name} {self.done}/{self.total}] {_seconds(took)}"
                 + (f" (last build {_seconds(was)})" if was is not None else ""))


def execute(notebook: Path, output: Path, *, profile: str = "full", parameters: dict | None = None,
            timeout: int = 3600, last_cells: dict[str, float] | None = None,
            log: Callable[[str], object] | None = None) -> Executed:
    """Execute ``notebook`` with papermill into ``output``; raise :class:`NotebookFailed` on error.

    Parameters
    ----------
    last_cells : dict, optional
        Per-cell seconds of the last successful build (:func:`hw2.report.progress.last_cells`), shown
        beside each cell's time.
    log : callable, optional
        Receives one progress line per finished code cell; ``None`` prints nothing.
    """
    import nbformat
    import papermill as pm

    params = {"PROFILE": profile, **(parameters or {})}
    os.environ.setdefault("PYTHONHASHSEED", "0")
    output.parent.mkdir(parents=True, exist_ok=True)
    hooks = {}
    progress = None
    if log is not None:
        progress = _CellProgress(notebook.stem, nbformat.read(notebook, as_version=4), last_cells or {}, log)
        progress.total += 1 if params else 0  # papermill's injected-parameters cell
        hooks = {"on_cell_start": progress.start, "on_cell_executed": progress.executed}
    t0 = time.perf_counter()
    try:
        pm.execute_notebook(str(notebook), str(output), parameters=params, kernel_name=_kernel_name(),
                            cwd=str(config.ROOT), progress_bar=False, log_output=False,
                            execution_timeout=timeout, **hooks)
    except pm.PapermillExecutionError as exc:
        raise NotebookFailed(
            f"notebook {notebook.name} failed in cell {exc.cell_index} (execution count {exc.exec_count}): "
            f"{exc.ename}: {exc.evalue}\n--- cell source ---\n{exc.source}") from None
    except Exception as exc:  # kernel died, timeout, bad JSON...
        raise NotebookFailed(f"notebook {notebook.name} could not be executed: {type(exc).__name__}: {exc}") from exc
    seconds = time.perf_counter() - t0
    nb = nbformat.read(output, as_version=4)
    return Executed(notebook.stem, output, seconds, title(nb) or notebook.stem,
                    progress.cells if progress else {})


def execute_all(books: Sequence[Path], out_dir: Path, *, profile: str = "full", last: dict | None = None,
                log: Callable[[str], object] | None = print, jobs: int | None = None,
                on_done: Callable[[Executed], object] | None = None) -> list[Executed]:
    """Execute ``books`` into ``out_dir`` (same names), :func:`hw2.threads.worker_count` at a time.

    Every kernel computes with :func:`hw2.threads.compute_threads` threads (``OMP_NUM_THREADS`` is
    set for it). The longest notebooks of the last build (``last``: :func:`hw2.report.progress.last_cells`)
    start first. ``on_done`` is called with each notebook as it finishes, in the calling thread's
    order of completion. Returns the executed notebooks in the order of ``books``. On the first
    failure no further notebook starts, the running ones finish, and :class:`NotebookFailed` is raised.
    """
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    from ..threads import compute_threads, worker_count

    last = last or {}
    threads = compute_threads()
    workers = worker_count(threads, jobs=len(books)) if jobs is None else max(1, jobs)
    order = sorted(books, key=lambda p: -sum(last.get(p.stem, {}).values()))
    old = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = str(threads)  # inherited by the kernels
    done: dict[str, Executed] = {}
    failure: BaseException | None = None
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        pending, queue = set(), list(order)
        while queue or pending:
            while queue and len(pending) < workers and failure is None:
                nb = queue.pop(0)
                if log is not None:
                    expected = sum(last.get(nb.stem, {}).values())
                    log(f"[report] executing {nb.name} (profile {profile}, {threads} thread"
                        f"{'s' if threads > 1 else ''})" + (f", last build {expected:.0f} s" if expected else "")
                        + " ...")
                fut = pool.submit(execute, nb, Path(out_dir) / nb.name, profile=profile,
                                  last_cells=last.get(nb.stem), log=log)
                pending.add(fut)
            if failure is not None:
                queue.clear()
            if not pending:
                break
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                try:
                    e = fut.result()
                except Exception as exc:  # NotebookFailed
                    failure = failure or exc
                    continue
                done[e.name] = e
                if log is not None:
                    log(f"[report]   {e.path.name}: {e.seconds:.1f} s")
                if on_done is not None:
                    on_done(e)
    except BaseException:  # Ctrl-C or SIGTERM (hw2.publish.sigterm_as_interrupt): stop the kernels now
        pool.shutdown(wait=False, cancel_futures=True)
        _stop_kernels()
        pool.shutdown(wait=True)
        raise
    finally:
        pool.shutdown(wait=True)
        if old is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = old
    if failure is not None:
        raise failure
    return [done[p.stem] for p in books]


def _stop_kernels() -> None:
    """Terminate this process's child processes (the notebooks' kernels), so that their threads return."""
    import psutil

    children = psutil.Process().children(recursive=True)
    for child in children:
        try:
            child.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(children, timeout=5)
    for child in alive:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
