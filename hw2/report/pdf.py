"""Printing a report page to PDF with headless Chromium, after MathJax has typeset the equations.

Chromium is driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``: it
reads commands on file descriptor 3 and answers on 4, one JSON message per NUL-terminated
string), so no port is opened and nothing is fetched. The printer loads the page, waits until
the page says its equations are typeset (:mod:`hw2.report.export` sets
``document.documentElement.dataset.hw2Math = "done"``), then prints with the page's own
``@page`` size and margins.
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

__all__ = ["find_chromium", "print_pdf", "MathNotTypeset"]


class MathNotTypeset(RuntimeError):
    """The page's equations were not typeset (MathJax missing or too slow); raised only when asked."""


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


class _DevTools:
    """A minimal DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, proc: subprocess.Popen, to_browser: int, from_browser: int):
        self.proc, self.out = proc, os.fdopen(to_browser, "wb", buffering=0)
        self.inbox: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, args=(os.fdopen(from_browser, "rb", buffering=0),), daemon=True).start()

    def _read(self, fh):
        buf = b""
        while True:
            chunk = fh.read(1 << 16)
            if not chunk:
                self.inbox.put(None)
                return
            buf += chunk
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                self.inbox.put(json.loads(msg))

    def _next(self, deadline: float) -> dict:
        try:
            msg = self.inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError("Chromium did not answer in time") from None
        if msg is None:
            raise RuntimeError("Chromium closed the debugging pipe")
        return msg

    def call(self, method: str, params: dict | None = None, *, session: str | None = None,
             deadline: float) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.out.write(json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._next(deadline)
            if reply.get("id") == self.next_id:  # anything else is an event: not needed here
                if "error" in reply:
                    raise RuntimeError(f"Chromium {method}: {reply['error'].get('message')}")
                return reply.get("result", {})


_LOADED = "location.protocol === 'file:' && document.readyState === 'complete'"
_MATH_STATE = ("document.documentElement.dataset.hw2Math || "
               "(window.MathJax && window.MathJax.Hub ? 'loading' : (document.querySelector("
               "'script[src*=\"MathJax.js\"]') ? 'missing' : 'none'))")


def _print(dev: _DevTools, url: str, *, deadline: float, math_timeout: float) -> tuple[bytes, str]:
    target = dev.call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
    session = dev.call("Target.attachToTarget", {"targetId": target, "flatten": True}, deadline=deadline)["sessionId"]
    dev.call("Page.navigate", {"url": url}, session=session, deadline=deadline)
    while not dev.call("Runtime.evaluate", {"expression": _LOADED, "returnByValue": True},
                       session=session, deadline=deadline)["result"].get("value"):
        time.sleep(0.1)  # until the page itself (not the blank one before it) has loaded
    math_deadline = min(deadline, time.monotonic() + math_timeout)
    while True:
        state = dev.call("Runtime.evaluate", {"expression": _MATH_STATE, "returnByValue": True},
                         session=session, deadline=deadline)["result"].get("value")
        if state in ("done", "none", "missing") or time.monotonic() > math_deadline:
            break
        time.sleep(0.2)
    stream = dev.call("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True,
                                          "displayHeaderFooter": False, "transferMode": "ReturnAsStream"},
                      session=session, deadline=deadline)["stream"]
    parts = []
    while True:
        chunk = dev.call("IO.read", {"handle": stream, "size": 1 << 20}, session=session, deadline=deadline)
        data = chunk.get("data", "")
        parts.append(base64.b64decode(data) if chunk.get("base64Encoded") else data.encode("latin-1"))
        if chunk.get("eof"):
            break
    dev.call("IO.close", {"handle": stream}, session=session, deadline=deadline)
    return b"".join(parts), state


def print_pdf(html_file: Path, pdf: Path, *, chromium: str | None = None, timeout: int = 600,
              math_timeout: float = 120, require_math: bool = False,
              log: Callable[[str], object] | None = print) -> Path:
    """Print ``html_file`` to ``pdf`` with headless Chromium (no network), once its equations are typeset.

    Parameters
    ----------
    math_timeout : float
        Seconds to wait for MathJax after the page has loaded.
    require_math : bool
        Raise :class:`MathNotTypeset` when the equations were not typeset (MathJax missing or
        too slow); otherwise ``log`` a warning and print anyway.

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
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="hw2-chromium-") as profile_dir:
        # pipes: the browser reads commands on fd 3 and writes answers on fd 4
        cmd_r, cmd_w = os.pipe()
        ans_r, ans_w = os.pipe()
        child_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_w = fcntl.fcntl(ans_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(cmd_r)
        os.close(ans_w)

        def plumb():  # in the child, before exec
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)

        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio", f"--user-data-dir={profile_dir}",
               "--remote-debugging-pipe", "--run-all-compositor-stages-before-draw"]
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    preexec_fn=plumb, close_fds=False)
        except OSError as exc:
            for fd in (child_r, child_w, cmd_w, ans_r):
                os.close(fd)
            raise FileNotFoundError(f"cannot run Chromium {chromium}: {exc}") from None
        os.close(child_r)
        os.close(child_w)
        err_lines: list[str] = []
        threading.Thread(target=lambda: err_lines.extend(proc.stderr), daemon=True).start()
        dev = _DevTools(proc, cmd_w, ans_r)
        try:
            data, state = _print(dev, html_file.resolve().as_uri(), deadline=deadline, math_timeout=math_timeout)
            try:
                dev.call("Browser.close", deadline=time.monotonic() + 10)
            except (RuntimeError, TimeoutError):
                pass
        except (RuntimeError, TimeoutError, OSError) as exc:
            raise RuntimeError(f"Chromium could not print {html_file}: {exc}; "
                               f"{b''.join(err_lines).decode(errors='replace')[-2000:]}") from None
        finally:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            dev.out.close()
        if not data.startswith(b"%PDF"):
            raise RuntimeError(f"Chromium could not print {html_file}: no PDF came back")
        if state not in ("done", "none"):
            why = ("MathJax did not load (is the mathjax/ folder beside the page?)" if state == "missing"
                   else f"MathJax had not finished after {math_timeout:.0f} s")
            if require_math:
                raise MathNotTypeset(f"equations of {html_file.name} not typeset: {why}")
            if log:
                log(f"[report] WARNING: equations of {html_file.name} are printed as raw TeX: {why}")
        tmp_pdf = pdf.with_name(f".{pdf.name}.tmp")
        tmp_pdf.write_bytes(data)
        os.replace(tmp_pdf, pdf)
    return pdf
