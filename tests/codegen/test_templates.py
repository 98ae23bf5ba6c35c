"""The Stan templates are found from a source checkout and from an installed wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import pybrms
from pybrms.codegen.render import template_dir

ROOT = Path(pybrms.__file__).resolve().parent.parent

# Renders a program and prints where pybrms and its templates were found.
RENDER = """
import pandas as pd
import pybrms
from pybrms.codegen.render import template_dir
data = pd.DataFrame({"y": [1.0, 2.0, 3.0], "x": [0.1, 0.2, 0.3], "g": ["a", "b", "a"]})
code = pybrms.stancode("y ~ x + (1 | g)", data, threads=pybrms.threading(2))
assert "reduce_sum(" in code, code
print(pybrms.__file__)
print(template_dir())
"""


def test_source_checkout_reads_top_level_templates():
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("pybrms is installed from a wheel, not a source checkout")
    assert template_dir() == ROOT / "templates"


def test_installed_wheel_carries_its_templates(tmp_path):
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("needs the source tree to build a wheel")
    pytest.importorskip("hatchling")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("pybrms-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    # The wheel's package comes first on the path; run from an empty folder so the
    # source tree cannot be picked up by accident.
    work = tmp_path / "elsewhere"
    work.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", RENDER],
        cwd=work,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    package_file, templates = result.stdout.split()
    assert Path(package_file).is_relative_to(site)
    assert Path(templates) == site / "pybrms" / "templates"
