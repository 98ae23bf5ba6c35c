"""Shared fixtures: Stan programs are compiled once per session through the cache."""

from __future__ import annotations

import pytest

from pybrms.backends.embedded.toolchain import find_toolchain
from pybrms.errors import ToolchainError
from pybrms.fit import program


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


@pytest.fixture
def no_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything reaches the compile step (bad input must be refused first)."""

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("reached the compile step although the input is invalid")

    monkeypatch.setattr(program, "compile_model", refuse)
