"""Shared fixtures: Stan programs are compiled once per session through the cache."""

from __future__ import annotations

import pytest

from pybrms.backends.embedded.toolchain import find_toolchain
from pybrms.errors import ToolchainError


def _toolchain_problem() -> str | None:
    try:
        find_toolchain()
    except ToolchainError as error:
        return str(error)
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problem = _toolchain_problem()
    if problem is None:
        return
    skip = pytest.mark.skip(reason=f"embedded Stan toolchain unavailable: {problem}")
    for item in items:
        if "stan" in item.keywords:
            item.add_marker(skip)
