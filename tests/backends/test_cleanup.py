"""Nothing outlives a killed or interrupted Python: no compiler, no sampler, no stale files.

Each test runs a real child Python that compiles or samples, signals it, and
checks with psutil that its compiler (g++ and cc1plus) or sampler processes are
gone within seconds, and that the next start removes what it left on disk. Only the
child's own descendants are watched, so compilers of other processes (other pytest-xdist
workers) do not count.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from pybrms.backends import compile_model
from pybrms.backends.cache import CACHE_ENV, cache_root
from pybrms.backends.embedded.build import build_support, model_key
from pybrms.backends.embedded.toolchain import find_toolchain
from pybrms.backends.scratch import run_directory

pytestmark = pytest.mark.stan

PROGRAM = """
data { int N; array[N] int k; }
parameters { real a; }
model { k ~ poisson_log(a); a ~ normal(0, 1); }
"""


def stan_programs() -> list[str]:
    """The program the tests copy from the shared cache (compiled at the session's start,
    tests/conftest.py)."""
    return [PROGRAM]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """PROGRAM compiled, in a build cache and temporary directory of this module's own.

    Any process that builds sweeps the cache of staging directories that killed builds
    left, and any run sweeps the temporary directory of run directories: with other
    processes building and running at the same time (other pytest-xdist workers), these
    tests would not find what the killed child left. The driver and precompiled header
    are the shared cache's (linked, so children compile a model in seconds), and PROGRAM
    is copied from it.
    """
    toolchain = find_toolchain()
    support = build_support(toolchain, show_progress=False)
    shared = compile_model(PROGRAM, backend="embedded", show_progress=False)
    root = tmp_path_factory.mktemp("cache")
    (root / toolchain.key).mkdir()
    (root / toolchain.key / "support").symlink_to(support.parent, target_is_directory=True)
    shutil.copytree(shared.directory, root / toolchain.key / "models" / shared.directory.name)
    scratch = tmp_path_factory.mktemp("scratch")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(root))
        patch.setenv("TMPDIR", str(scratch))  # children's run directories
        patch.setattr(tempfile, "tempdir", str(scratch))  # ours
        model = compile_model(PROGRAM, backend="embedded", show_progress=False)
        assert model.from_cache and model.directory.is_relative_to(root)
        yield model


def fresh_program():
    """A program no cache holds, so a child compiles it."""
    return f"parameters {{ real x; }} model {{ x ~ normal({random.random()!r}, 1); }}\n"


def start_child(python_child, body):
    script = (
        textwrap.dedent("""
        import sys
        from pybrms.backends import compile_model
        try:
    """)
        + textwrap.indent(textwrap.dedent(body), "    ")
        + textwrap.dedent("""
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(130)
    """)
    )
    return python_child("-c", script, stdout=subprocess.PIPE)


def wait_for_descendant(child, name, timeout=300):
    """The child's descendants once one called ``name`` runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            descendants = psutil.Process(child.pid).children(recursive=True)
            if any(_name(process) == name for process in descendants):
                return descendants
        except psutil.NoSuchProcess:
            break
        time.sleep(0.1)
    child.kill()
    pytest.fail(f"no {name} process appeared under the child: {child.communicate()}")


def assert_all_gone(processes, within=3.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and any(map(_alive, processes)):
        time.sleep(0.05)
    survivors = [f"{_name(p)} ({p.pid})" for p in processes if _alive(p)]
    assert not survivors, f"still running {within} s later: {', '.join(survivors)}"


def _alive(process):
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _name(process):
    try:
        return process.name()
    except psutil.NoSuchProcess:
        return None


def staging_dirs(code):
    toolchain = find_toolchain()
    return list((cache_root() / toolchain.key / "models").glob(f".{model_key(code, toolchain)}-*"))


def test_kill_9_while_compiling_leaves_no_compiler_and_the_next_start_sweeps(model, python_child):
    code = fresh_program()
    child = start_child(
        python_child, f"compile_model({code!r}, backend='embedded', show_progress=False)"
    )
    compilers = wait_for_descendant(child, "cc1plus")
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert_all_gone(compilers)
    assert len(staging_dirs(code)) == 1  # what the killed build left
    compile_model(PROGRAM, backend="embedded", show_progress=False)  # the next start: a hit
    assert staging_dirs(code) == []


def test_ctrl_c_while_compiling_kills_the_compiler_at_once(model, python_child):
    code = fresh_program()
    child = start_child(
        python_child, f"compile_model({code!r}, backend='embedded', show_progress=False)"
    )
    compilers = wait_for_descendant(child, "cc1plus")
    child.send_signal(signal.SIGINT)
    assert_all_gone(compilers, within=2.0)
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 130 and "interrupted" in out
    assert staging_dirs(code) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_killed_while_sampling_leaves_no_driver_and_the_next_run_sweeps(
    model, signum, python_child
):
    child = start_child(
        python_child,
        f"""
        model = compile_model({PROGRAM!r}, backend="embedded", show_progress=False)
        model.sample({{"N": 20000, "k": [1] * 20000}}, chains=2, iter_warmup=100000,
                     iter_sampling=100000, show_progress=False)
    """,
    )
    processes = wait_for_descendant(child, "model")
    workdir = Path(next(p for p in processes if _name(p) == "model").cwd())
    assert workdir.parent == Path(tempfile.gettempdir())  # the module's own
    child.send_signal(signum)
    child.wait()
    assert_all_gone(processes)
    assert workdir.is_dir()  # nobody cleaned up after the killed run
    with run_directory():  # the next run
        assert not workdir.exists()
