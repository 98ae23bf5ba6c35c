"""Many Stan programs per compiler run: each gets the entry a single build gives it,
and a program that fails, fails alone.

The programs compile into a build cache of this module's own (the driver and the
precompiled headers are linked from the shared cache), so every run builds them.
"""

from __future__ import annotations

import logging
import subprocess
import threading

import numpy as np
import pytest
from arviz import mcse
from scipy import stats

import pybrms as bm
from pybrms.backends import compile_model, launch
from pybrms.backends.cache import CACHE_ENV, cached_build
from pybrms.backends.embedded.build import build_shared_support, build_support, model_key
from pybrms.backends.embedded.model import EmbeddedModel
from pybrms.backends.embedded.programs import (
    EXECUTABLE_TARGET,
    LIBRARY_TARGET,
    build_programs,
)
from pybrms.backends.embedded.toolchain import find_toolchain
from pybrms.backends.nutpie.model import NutpieModel
from pybrms.errors import CompileError, PybrmsError, SettingsError

pytestmark = pytest.mark.stan

NORMAL = "data { real m; } parameters { real a; } model { target += normal_lpdf(a | m, 1.5); }"
POISSON = """
data { int N; array[N] int k; }
parameters { real<lower=0> lambda; }
model { target += gamma_lpdf(lambda | 2, 1); target += poisson_lpmf(k | lambda); }
"""
THREADED = """
functions {
  real partial_lpdf(array[] real y_slice, int start, int end, real mu) {
    return normal_lpdf(y_slice | mu, 2);
  }
}
data { int N; array[N] real y; int grainsize; }
parameters { real mu; }
model {
  target += normal_lpdf(mu | 0, 5);
  target += reduce_sum(partial_lpdf, y, grainsize, mu);
}
"""
# stanc accepts it, but EOF is a C macro, so the C++ compiler fails.
CXX_FAILURE = "parameters { real EOF; } model { target += normal_lpdf(EOF | 0, 1); }"
STANC_FAILURE = "parameters { real a; } model { a ~ no_such_distribution(1); }"

Y = np.random.default_rng(1).normal(1.0, 2.0, size=30)
K = np.array([3, 1, 4, 1, 5, 9, 2, 6])
DATA = {
    NORMAL: {"m": 0.7},
    POISSON: {"N": len(K), "k": K},
    THREADED: {"N": len(Y), "y": Y, "grainsize": 4},
}


def closed_form(code: str, u: float) -> tuple[float, float]:
    """Log density (with the Jacobian) and its derivative at the unconstrained point u."""
    if code == NORMAL:
        return stats.norm.logpdf(u, 0.7, 1.5), -(u - 0.7) / 1.5**2
    if code == POISSON:
        lam = np.exp(u)
        lp = stats.gamma.logpdf(lam, 2) + stats.poisson.logpmf(K, lam).sum() + u
        return lp, (1 / lam - 1 + K.sum() / lam - len(K)) * lam + 1
    return (
        stats.norm.logpdf(u, 0, 5) + stats.norm.logpdf(Y, u, 2).sum(),
        -u / 25 + (Y - u).sum() / 4,
    )


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """This module's own build cache; yields the toolchain's directory in it."""
    toolchain = find_toolchain()
    root = tmp_path_factory.mktemp("cache")
    (root / toolchain.key).mkdir()
    for support in (build_support(toolchain, False), build_shared_support(toolchain, False)):
        (root / toolchain.key / support.parent.name).symlink_to(support.parent)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(root))
        yield root / toolchain.key


def defined_code(path) -> set[str]:
    """Names of the functions defined in a binary."""
    listing = subprocess.run(
        ["nm", "--defined-only", "--demangle", str(path)], capture_output=True, text=True
    ).stdout
    return {
        line.split(maxsplit=2)[2]
        for line in listing.splitlines()
        if line.count(" ") >= 2 and line.split()[1] in "TtWw"
    }


def test_a_batch_builds_each_program_its_own_entry(cache, caplog):
    codes = [NORMAL, POISSON, THREADED]
    with caplog.at_level(logging.DEBUG, logger="pybrms.backends.embedded.build"):
        built = build_programs(codes, EXECUTABLE_TARGET, find_toolchain(), False, jobs=1)
    messages = [record.getMessage() for record in caplog.records]
    assert sum("compiling a batch of 3 models" in m for m in messages) == 1
    assert not any("compiling the model:" in m for m in messages)  # nothing compiled alone
    warnings = [m for m in messages if m.startswith("compiler messages")]
    assert not any("-Winvalid-pch" in m for m in warnings)  # the precompiled header was used
    assert all(not isinstance(result, CompileError) for result in built)
    for number, (code, (entry, hit)) in enumerate(zip(codes, built, strict=True)):
        assert not hit
        assert sorted(p.name for p in entry.iterdir()) == [
            "info.json",
            "manifest.json",
            "model",
            "model.stan",
        ]
        functions = " ".join(defined_code(entry / "model"))
        assert f"pybrms_program_{number}::" in functions
        others = [n for n in range(len(codes)) if n != number]
        assert not any(f"pybrms_program_{n}::" in functions for n in others)
        model = EmbeddedModel(entry, from_cache=False)
        points = np.array([[-0.4], [0.3], [1.1]])
        got = model.log_prob(DATA[code], points)
        expected = np.array([closed_form(code, u) for u in points[:, 0]])
        np.testing.assert_allclose(got.lp, expected[:, 0], rtol=1e-10)
        np.testing.assert_allclose(got.grad[:, 0], expected[:, 1], rtol=1e-8)
    assert not list(cache.joinpath("models").glob(".*"))  # no staging directory is left
    again = build_programs(codes, EXECUTABLE_TARGET, find_toolchain(), False)
    assert again == [(entry, True) for entry, _ in built]


def test_a_batch_built_program_samples(cache):
    build_programs([NORMAL, THREADED], EXECUTABLE_TARGET, find_toolchain(), False)
    model = compile_model(THREADED, backend="embedded", show_progress=False)
    assert model.from_cache  # the batch's entry
    draws = model.sample(DATA[THREADED], chains=2, threads=2, seed=4, show_progress=False)
    mu = draws.variables()["mu"]
    precision = 1 / 25 + len(Y) / 4  # the normal posterior of mu
    mean = Y.sum() / 4 / precision
    assert abs(mu.mean() - mean) < 5 * np.asarray(mcse(mu)).item()


def test_shared_libraries_export_only_the_model_api(cache):
    codes = [NORMAL, POISSON, THREADED]
    built = build_programs(codes, LIBRARY_TARGET, find_toolchain(), False, jobs=1)
    for code, result in zip(codes, built, strict=True):
        assert not isinstance(result, CompileError)
        entry, hit = result
        assert not hit
        exported = subprocess.run(
            ["nm", "-D", "--defined-only", str(entry / "model.so")], capture_output=True, text=True
        ).stdout.split()
        assert {name for name in exported if name.startswith("pybrms_")}
        assert all(name.startswith("pybrms_") for name in exported[2::3])
        model = NutpieModel(entry, from_cache=False)
        u = np.array([0.25])
        got = model.log_prob(DATA[code], u)
        lp, grad = closed_form(code, 0.25)
        np.testing.assert_allclose(got.lp, [lp], rtol=1e-10)
        np.testing.assert_allclose(got.grad[0], [grad], rtol=1e-8)


def test_failing_programs_fail_alone(cache, caplog):
    good = [NORMAL.replace("1.5", "2.5"), POISSON.replace("2, 1", "3, 1")]
    codes = [good[0], STANC_FAILURE, CXX_FAILURE, good[1]]
    with caplog.at_level(logging.INFO, logger="pybrms.backends.embedded.programs"):
        with pytest.raises(CompileError) as info:
            bm.precompile(codes, backend="embedded", show_progress=False)
    message = str(info.value)
    assert message.startswith("2 of 4 Stan programs did not compile")
    assert "program 1: stanc could not translate" in message and "line 1" in message
    assert "program 2: the C++ compiler failed on the model" in message and "EOF" in message
    assert "program 0" not in message and "program 3" not in message
    assert any("one at a time after a batch failed" in r.getMessage() for r in caplog.records)
    toolchain = find_toolchain()
    built = {model_key(code, toolchain) for code in good}
    models = cache / "models"
    assert {p.name for p in models.iterdir() if not p.name.endswith(".lock")} >= built
    for code in (STANC_FAILURE, CXX_FAILURE):  # no entry, no staging directory
        key = model_key(code, toolchain)
        assert [p.name for p in models.iterdir() if key in p.name] == [f"{key}.lock"]
    assert all(
        compile_model(code, backend="embedded", show_progress=False).from_cache for code in good
    )


def test_a_program_another_process_builds_is_waited_for(cache):
    code = NORMAL.replace("1.5", "0.5")
    directory = cache / "models"
    key = model_key(code, find_toolchain())
    building, give_up = threading.Event(), threading.Event()
    results: list = []

    def killed_build(staging):
        building.set()
        give_up.wait(60)
        raise RuntimeError("the other build was killed")

    def other_process():  # holds the entry's lock while it builds, then fails
        try:
            cached_build(directory, key, killed_build)
        except RuntimeError:
            pass

    other = threading.Thread(target=other_process)
    other.start()
    assert building.wait(30)
    waiter = threading.Thread(
        target=lambda: results.extend(
            build_programs([code], EXECUTABLE_TARGET, find_toolchain(), False)
        )
    )
    waiter.start()
    waiter.join(2.0)
    assert len(list(directory.glob(f".{key}-*"))) == 1  # the other's: this one waits
    give_up.set()
    other.join()
    waiter.join()
    assert results == [(directory / key, False)]  # and then builds the program itself


BAD_INPUTS = {
    "one_string": (lambda: bm.precompile(NORMAL), SettingsError, ("list of Stan programs",)),
    "not_a_string": (
        lambda: bm.precompile([NORMAL, None]),
        SettingsError,
        ("program 1", "NoneType"),
    ),
    "unknown_backend": (
        lambda: bm.precompile([NORMAL], backend="stan"),
        SettingsError,
        ("'stan'", "'embedded'"),
    ),
}


@pytest.mark.parametrize("row", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_precompile_input_is_refused_before_compiling(row, monkeypatch):
    call, error, culprits = row

    def no_compile(*args, **kwargs):
        raise AssertionError("a compiler started although the input is invalid")

    monkeypatch.setattr(launch, "start", no_compile)
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, PybrmsError)
    for culprit in culprits:
        assert culprit in str(info.value)
