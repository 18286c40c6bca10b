"""Publishing whole folders atomically, for the report build (:mod:`hw2.report`).

A folder is built completely elsewhere (a staging folder on the same file system), then
swapped in: with Linux's ``renameat2(RENAME_EXCHANGE)`` the old and the new folder trade
places in one system call, so a reader or an interrupt sees either the old folder or the new
one, whole. Where that call is missing, two renames run with SIGINT/SIGTERM held back, and
:func:`recover` puts a folder left aside by a crash between them back in place.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import signal
import threading
from pathlib import Path
from typing import Iterator

__all__ = ["swap_dir", "recover", "copy_tree", "deferred_signals", "sigterm_as_interrupt"]

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_OLD_SUFFIX = ".old-"


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux >= 3.15, glibc >= 2.28); False where unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EPERM, errno.ENOTSUP):
        return False  # not supported here: fall back to two renames
    raise OSError(err, f"cannot exchange {a} and {b}: {os.strerror(err)}")


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back inside the block (delivered when it ends); main thread only."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into ``KeyboardInterrupt`` inside the block, so ``finally`` clean-ups run as for Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def recover(target: Path) -> None:
    """Put back a folder that a crash between the two fallback renames left aside (``target.old-*``)."""
    target = Path(target)
    aside = sorted(target.parent.glob(f".{target.name}{_OLD_SUFFIX}*")) if target.parent.is_dir() else []
    if aside and not target.exists():
        os.rename(aside[-1], target)
        aside = aside[:-1]
    for p in aside:
        shutil.rmtree(p, ignore_errors=True)


def swap_dir(new: Path, target: Path) -> None:
    """Replace folder ``target`` by folder ``new`` (same file system) in one step; ``new`` is consumed.

    An interrupt at any point leaves either the old ``target`` or the new one, whole.
    """
    new, target = Path(new), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    if not target.exists():
        os.rename(new, target)
        return
    if _renameat2_exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old folder
        return
    aside = target.parent / f".{target.name}{_OLD_SUFFIX}{os.getpid()}"
    with deferred_signals():
        os.rename(target, aside)
        os.rename(new, target)
    shutil.rmtree(aside, ignore_errors=True)


def copy_tree(src: Path, dst: Path) -> None:
    """Copy folder ``src`` into ``dst`` (real copies, not hard links: a notebook writing a file in
    place must never reach the published original)."""
    shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
