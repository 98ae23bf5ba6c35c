"""Environments with the same httpstan share one build: keys hold versions, never paths."""

from __future__ import annotations

import dataclasses
import os
import random
import subprocess

import pytest

from pybrms.backends.embedded.build import (
    EXECUTABLE,
    PRECOMPILED,
    build_support,
    compile_command,
    model_key,
    support_key,
)
from pybrms.backends.embedded.model import EmbeddedModel
from pybrms.backends.embedded.programs import build_model
from pybrms.backends.embedded.toolchain import compile_flags, find_toolchain

pytestmark = pytest.mark.stan

DRIVER_USAGE = 2  # the driver's exit code when run without arguments


@pytest.fixture
def second_environment(tmp_path):
    """The same httpstan wheel under another path, as a second virtual environment has it."""
    toolchain = find_toolchain()
    link = tmp_path / "venv2" / "site-packages" / "httpstan"
    link.parent.mkdir(parents=True)
    link.symlink_to(toolchain.root, target_is_directory=True)
    return dataclasses.replace(toolchain, root=link)


def test_keys_do_not_depend_on_where_the_wheel_is(second_environment):
    toolchain = find_toolchain()
    assert second_environment.include_flags != toolchain.include_flags
    assert second_environment.key == toolchain.key
    assert support_key(second_environment) == support_key(toolchain)
    assert model_key("model {}", second_environment) == model_key("model {}", toolchain)


def test_unoptimized_builds_have_keys_of_their_own():
    toolchain = find_toolchain()
    assert support_key(toolchain, optimize=False) != support_key(toolchain)
    assert model_key("model {}", toolchain, optimize=False) != model_key("model {}", toolchain)
    assert "-O0" in compile_flags(optimize=False)
    assert "-O3" not in compile_flags(optimize=False)


# optimize=False: GCC refuses (or, from -O1 up, silently overrides the level of) a header
# built at another optimisation level, so the unoptimised build must use a header of its own.
@pytest.mark.parametrize("optimize", [True, False], ids=["O3", "O0"])
def test_second_environment_uses_the_shared_precompiled_header(
    second_environment, tmp_path, optimize
):
    support = build_support(find_toolchain(), show_progress=False, optimize=optimize)
    assert build_support(second_environment, show_progress=False, optimize=optimize) == support
    work = tmp_path / "work"
    work.mkdir()
    (work / "model.stan").write_text("parameters { real x; } model { x ~ std_normal(); }")
    stanc = [str(second_environment.stanc), "--o", "model.hpp", "model.stan"]
    subprocess.run(stanc, cwd=work, check=True)
    # -H prints "! <file>.gch" when GCC uses a precompiled header; -Winvalid-pch
    # says why when it refuses one.
    command = compile_command(
        second_environment, support, "model.hpp", "model.o", optimize=optimize
    )
    checked = subprocess.run(
        [*command, "-H", "-Winvalid-pch", "-fsyntax-only"], cwd=work, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert f"! {support / PRECOMPILED}.gch" in checked.stderr.splitlines()


def test_model_linked_in_another_environment_runs_after_it_is_gone(second_environment):
    code = f"parameters {{ real x; }} model {{ x ~ normal({random.random()!r}, 1); }}\n"
    entry, from_cache = build_model(code, second_environment, show_progress=False)
    assert not from_cache
    assert build_model(code, find_toolchain(), show_progress=False) == (entry, True)
    bare = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    # The environment that linked it: its runpath finds libtbb.
    assert subprocess.run([entry / EXECUTABLE], env=bare, capture_output=True).returncode == (
        DRIVER_USAGE
    )
    second_environment.root.unlink()  # that environment is removed
    assert subprocess.run([entry / EXECUTABLE], env=bare, capture_output=True).returncode != (
        DRIVER_USAGE
    )
    draws = EmbeddedModel(entry, from_cache=True).sample(
        {}, chains=1, iter_warmup=100, iter_sampling=100, seed=3, show_progress=False
    )
    assert draws.variables()["x"].shape == (1, 100)
