"""Wall-time and peak-memory helpers for benchmarks and notebooks."""
from __future__ import annotations

import contextlib
import os
import platform
import resource
import sys
import time
from typing import Callable

import torch

__all__ = ["Timer", "best_time", "peak_rss_mb", "reset_peak_rss", "machine_info"]


class Timer:
    """Context manager measuring wall time; ``elapsed`` in seconds.

    Synchronises CUDA on exit when a GPU is in use, so GPU timings are real.
    """

    def __enter__(self):
        self._sync()
        self.start = time.perf_counter()
        self.elapsed = float("nan")
        return self

    def __exit__(self, *exc):
        self._sync()
        self.elapsed = time.perf_counter() - self.start
        return False

    @staticmethod
    def _sync():
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
            torch.cuda.synchronize()


def best_time(fn: Callable[[], object], *, repeat: int = 3, warmup: int = 1) -> float:
    """Smallest wall time of ``repeat`` calls of ``fn`` after ``warmup`` untimed calls (seconds)."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(max(1, repeat)):
        with Timer() as t:
            fn()
        best = min(best, t.elapsed)
    return best


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MiB, since it started or since the last
    :func:`reset_peak_rss`.

    Read from ``VmHWM`` in ``/proc/self/status`` (Linux). Unlike ``ru_maxrss``, which Linux
    carries over ``fork`` + ``exec``, so that a subprocess started by a large process
    reports its parent's peak, ``VmHWM`` belongs to this process's own memory map. Falls
    back to ``ru_maxrss`` elsewhere.
    """
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def reset_peak_rss() -> bool:
    """Reset the peak of :func:`peak_rss_mb` to the current resident size (Linux >= 4.0:
    ``/proc/self/clear_refs``); returns whether it could."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def machine_info() -> dict:
    """Cores, CPU model, torch version, GPU name (or ``None``): what a timing depends on."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {"cores": os.cpu_count(), "cpu": cpu, "torch": torch.__version__,
            "threads": torch.get_num_threads(), "gpu": gpu, "python": platform.python_version()}
