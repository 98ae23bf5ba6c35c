"""Shared fixtures: Stan programs are compiled once per session through the cache.

A test module that compiles Stan programs declares them in a module-level function
``stan_programs()``, returning Stan codes (for the default backend), ``(code, backend)``
pairs and ``(code, backend, optimize)`` triples (``optimize=False`` for programs the
tests compile with ``optimize=False``: log density only, never sampled; see
``pybrms.compile_model``): at the start of the session, the programs of every
selected module that has ``stan`` tests are compiled together in one batch (many
programs per compiler run, one compiler per core; see ``pybrms.precompile``), before
any test asks for one. Programs missing from the declarations still compile when a
test asks for them, one at a time, at several times the cost.

The suite runs on every core (pytest-xdist, ``--dist=loadgroup``): tests are handed out
one by one, so the many independent compiles spread over the workers, except that tests
sharing a module-scoped fixture (a fit, a compiled model) are kept on one worker, which
sets the fixture up once. Two workers asking for the same program wait for one compile
(the build cache locks each entry).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator

import psutil
import pytest

from pybrms import precompile
from pybrms.backends.embedded.toolchain import find_toolchain
from pybrms.backends.nutpie import nutpie_available
from pybrms.errors import CompileError, PybrmsError, ToolchainError
from pybrms.fit import program


def _toolchain_problem() -> str | None:
    try:
        find_toolchain()
    except ToolchainError as error:
        return str(error)
    return None


def module_fixture_group(item: pytest.Item) -> str | None:
    """The worker group of a test that uses module-scoped fixtures: its module, and the
    parameter of each parametrized one (one group per fit), or None."""
    info = getattr(item, "_fixtureinfo", None)  # doctests and notebooks may have none
    if info is None:
        return None
    shared = [name for name, defs in info.name2fixturedefs.items() if defs[-1].scope == "module"]
    if not shared:
        return None
    callspec = getattr(item, "callspec", None)
    indices = callspec.indices if callspec is not None else {}
    params = [f"::{name}={indices[name]}" for name in sorted(shared) if name in indices]
    # no brackets: xdist takes what follows the last "@" after the last "]" as the group
    return item.nodeid.split("::")[0] + "".join(params)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        group = None if item.get_closest_marker("xdist_group") else module_fixture_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
    problem = _toolchain_problem()
    if problem is None:
        return
    skip = pytest.mark.skip(reason=f"embedded Stan toolchain unavailable: {problem}")
    for item in items:
        if "stan" in item.keywords:
            item.add_marker(skip)


def declared_programs(items: list[pytest.Item]) -> dict[tuple[str, bool], list[str]]:
    """The ``stan_programs()`` of the modules of the ``stan`` tests among ``items`` that
    will run, by backend and optimisation, each module once, duplicates dropped."""
    modules = {
        item.module.__name__: item.module
        for item in items
        if isinstance(item, pytest.Function)
        and "stan" in item.keywords
        and not item.get_closest_marker("skip")
        and hasattr(item.module, "stan_programs")
    }
    programs: dict[tuple[str, bool], dict[str, None]] = {}
    for name, module in modules.items():
        try:
            declarations = module.stan_programs()
        except PybrmsError as error:
            # one broken declaration must not fail every test of the session: that
            # module's programs compile when its tests ask for them (and fail there)
            warnings.warn(f"{name}.stan_programs() failed: {error}", stacklevel=1)
            continue
        for declared in declarations:
            code, backend, optimize = (
                (declared, "auto", True) if isinstance(declared, str) else (*declared, True)[:3]
            )
            programs.setdefault((backend, optimize), {})[code] = None
    return {build: list(codes) for build, codes in programs.items()}


@pytest.fixture(scope="session", autouse=True)
def session_programs(request: pytest.FixtureRequest) -> None:
    """Compile the session's declared programs up front, many per compiler run.

    Session-scoped, so pytest-xdist still hands the tests out one by one: the first
    worker compiles what is missing on every core, and another worker arriving
    meanwhile waits for those entries instead of compiling them again.
    """
    for (backend, optimize), codes in declared_programs(request.session.items).items():
        if backend == "nutpie" and not nutpie_available():
            continue  # its tests skip
        with contextlib.suppress(CompileError):  # a program that fails, fails its own test
            precompile(codes, backend, show_progress=False, optimize=optimize)  # type: ignore[arg-type]


@pytest.fixture
def no_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything reaches the compile step (bad input must be refused first)."""

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("reached the compile step although the input is invalid")

    monkeypatch.setattr(program, "compile_model", refuse)


@pytest.fixture
def python_child() -> Iterator[Callable[..., subprocess.Popen]]:
    """Start ``python <args>`` as a user's terminal would, and leave nothing running.

    Ctrl-C must reach the child as KeyboardInterrupt even when the test run itself was
    started with SIGINT ignored (a background job, ``nohup``, some CI runners): Python
    installs its handler only if SIGINT is at its default when it starts. Children and
    their descendants still running at teardown (a failed test) are killed.
    """
    children: list[subprocess.Popen] = []

    def start(*args: str, **kwargs: object) -> subprocess.Popen:
        child = subprocess.Popen(
            [sys.executable, *args],
            text=True,
            env=os.environ.copy(),
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            **kwargs,  # type: ignore[call-overload]
        )
        children.append(child)
        return child

    yield start
    for child in children:
        try:
            processes = [*psutil.Process(child.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for process in [psutil.Process(child.pid), *processes]:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        child.wait()
