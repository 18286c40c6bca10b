"""hw2.threads: one thread per process unless OMP_NUM_THREADS says otherwise; notebooks run side by side."""
from __future__ import annotations

import hashlib
import subprocess
import sys
import time

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from hw2 import threads
from hw2.report import runner


def test_one_thread_unless_omp_num_threads_is_set(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert threads.compute_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert threads.compute_threads() == 3
    for bad in ("0", "-2", "two", "1.5"):
        monkeypatch.setenv("OMP_NUM_THREADS", bad)
        with pytest.raises(ValueError, match="OMP_NUM_THREADS"):
            threads.compute_threads()


def test_workers_fill_the_cores(monkeypatch):
    monkeypatch.setattr(threads, "usable_cores", lambda: 4)
    assert threads.worker_count(1) == 4
    assert threads.worker_count(2) == 2
    assert threads.worker_count(8) == 1
    assert threads.worker_count(1, jobs=3) == 3
    with pytest.raises(ValueError, match="threads"):
        threads.worker_count(0)


def test_configure_sets_torch_and_blas_in_a_fresh_process():
    code = ("import torch, threadpoolctl; from hw2 import threads; n = threads.configure(); "
            "blas = [d['num_threads'] for d in threadpoolctl.threadpool_info() if d['user_api'] == 'blas']; "
            "print(n, torch.get_num_threads(), set(blas) or {1})")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(threads.__file__).rsplit("/hw2/", 1)[0]}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["1", "1", "{1}"]


def test_one_thread_gives_the_same_bits_as_any_load():
    """The cause of the moving numbers, pinned: the dot product L-BFGS takes of a 512x512 RGB gradient depends
    on the thread count, not on the load."""
    code = ("import sys, torch, hashlib; torch.set_num_threads(int(sys.argv[1])); g = torch.Generator().manual_seed(1); "
            "y, z = torch.randn(2, 3 * 512 * 512, generator=g); "
            "print(hashlib.sha256(y.dot(z).numpy().tobytes()).hexdigest())")
    run = lambda n: subprocess.run([sys.executable, "-c", code, str(n)], capture_output=True, text=True,
                                   check=True).stdout
    one = run(1)
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        assert run(1) == one                     # a busy core changes nothing at one thread
    finally:
        spin.kill()
        spin.wait()
    assert run(2) != one                         # another thread count changes the last bits


def _book(path, seconds: float, fail: bool = False):
    import nbformat

    src = f"import time, os; time.sleep({seconds}); print(os.environ['OMP_NUM_THREADS'])"
    if fail:
        src += "; raise RuntimeError('boom')"
    nbformat.write(new_notebook(cells=[new_markdown_cell(f"# {path.stem}"), new_code_cell("PROFILE = 'quick'",
                   metadata={"tags": ["parameters"]}), new_code_cell(src)],
                   metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}),
                   path)
    return path


def test_execute_all_runs_side_by_side_in_the_given_order(tmp_path, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    books = [_book(tmp_path / f"0{i}_b.ipynb", 3) for i in range(1, 3)]
    seen = []
    t0 = time.perf_counter()
    done = runner.execute_all(books, tmp_path / "out", profile="quick", log=None, jobs=2, on_done=seen.append)
    wall = time.perf_counter() - t0
    assert [e.name for e in done] == ["01_b", "02_b"]
    assert sorted(e.name for e in seen) == ["01_b", "02_b"]
    assert wall < sum(e.seconds for e in done)  # they overlapped
    import nbformat

    out = nbformat.read(done[0].path, as_version=4).cells[-1].outputs[0]["text"]
    assert out.strip() == "1"  # the kernel computed with one thread
    assert "OMP_NUM_THREADS" not in __import__("os").environ


def test_a_failing_notebook_stops_the_build(tmp_path):
    books = [_book(tmp_path / "01_bad.ipynb", 0, fail=True), _book(tmp_path / "02_ok.ipynb", 0),
             _book(tmp_path / "03_ok.ipynb", 0)]
    with pytest.raises(runner.NotebookFailed, match="01_bad.*boom"):
        runner.execute_all(books, tmp_path / "out", profile="quick", log=None, jobs=1)
    assert not (tmp_path / "out" / "03_ok.ipynb").exists()  # nothing starts after a failure
