"""The suite runs on every core through pytest-xdist, and without it just as well.

``addopts`` (pyproject.toml) passes ``-n auto --dist loadgroup``. With xdist switched off
(``-p no:xdist``) or not installed, pytest would reject those options; here they are
accepted and ignored, so the suite runs in one process.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if pluginmanager.has_plugin("xdist"):
        return
    group = parser.getgroup("xdist", "distributed testing (pytest-xdist is off: ignored)")
    group.addoption("--numprocesses", dest="numprocesses", default=None)
    group.addoption("--dist", dest="dist", default="no")
