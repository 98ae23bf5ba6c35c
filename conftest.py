"""The suite runs on every core through pytest-xdist, and without it just as well.

``addopts`` (pyproject.toml) passes ``--numprocesses=auto --dist=loadgroup``. With xdist off
(``-p no:xdist``) or not installed, pytest would reject those options; here they are
accepted and ignored, so the suite runs in one process.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if pluginmanager.has_plugin("xdist"):
        return
    group = parser.getgroup("xdist")
    for option, default in (("--numprocesses", None), ("--dist", "no")):
        group.addoption(option, default=default, help="ignored: pytest-xdist is off")
