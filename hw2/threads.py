"""How many CPU threads hw2 computes with: one per process unless ``OMP_NUM_THREADS`` says otherwise.

Why one thread
--------------
The committed numbers (``make verify``) must come out the same on a busy machine and at any core
count. Two facts measured on this project's CPU (torch 2.14, 2 cores; ``benchmarks/threads.md``):

* **The thread count changes the results.** torch splits a large full reduction (``sum``/``mean`` of
  more than a few hundred thousand elements, ``dot``) into one chunk per thread, and LAPACK's
  ``eigh`` blocks its work by thread too, so the last bits of a loss or a whitening matrix depend on
  ``torch.get_num_threads()``. Convolutions, their gradients and matrix products do not. L-BFGS
  (Neural Style, texture synthesis) amplifies those last bits over hundreds of iterations into
  differences of 1-4 % in the final images and losses. The load does not change the results at a
  fixed thread count.
* **A busy core makes two threads slow.** With another process on the second core, a VGG
  forward/backward at 384 px took 3.7-4.6 s with two threads against 1.4 s idle, and 2.5 s with one
  thread, busy or idle: torch's threads wait for each other at every parallel region.

So every process computes with one thread (:func:`compute_threads`), and the report build runs
notebooks side by side, one process per core (:func:`worker_count`): the results do not depend on the
machine's core count or load, and a busy core slows a build by the share of the CPU it takes, not
manyfold. ``OMP_NUM_THREADS`` set by the user is honoured; the numbers then differ from the committed
ones within the tolerances of :mod:`hw2.verify`.
"""
from __future__ import annotations

import os

__all__ = ["compute_threads", "configure", "usable_cores", "worker_count"]


def compute_threads() -> int:
    """Threads per process: ``$OMP_NUM_THREADS`` when set (a positive integer), else 1.

    Raises ``ValueError`` when ``OMP_NUM_THREADS`` is set to something other than a positive integer.
    """
    raw = os.environ.get("OMP_NUM_THREADS", "").strip()
    if not raw:
        return 1
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"OMP_NUM_THREADS={raw!r} must be a positive integer (or unset, for one thread)")
    return n


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def worker_count(threads: int | None = None, *, jobs: int | None = None) -> int:
    """How many notebooks a build runs side by side: ``usable_cores() // threads``, at most ``jobs``."""
    threads = compute_threads() if threads is None else int(threads)
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    n = max(1, usable_cores() // threads)
    return min(n, jobs) if jobs else n


def configure(threads: int | None = None) -> int:
    """Set torch's and the BLAS libraries' thread pools to ``threads`` (default :func:`compute_threads`).

    Returns the thread count. The BLAS limit (numpy/SciPy's OpenBLAS) goes through ``threadpoolctl``
    and lasts for the process.
    """
    import torch
    from threadpoolctl import threadpool_limits

    n = compute_threads() if threads is None else int(threads)
    if n < 1:
        raise ValueError(f"threads must be >= 1, got {n}")
    torch.set_num_threads(n)
    threadpool_limits(limits=n, user_api="blas")
    return n
