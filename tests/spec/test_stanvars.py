"""brms's stanvar(): the user's code in each block of the program, at its start or end,
and data passed with the model's data; in the plain and the threaded program."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import arviz as az
import numpy as np
import pandas as pd
import pytest

import pybrms as bm
from pybrms.codegen import render, stancode
from pybrms.errors import PybrmsError, SpecError
from pybrms.spec import build_spec

TAU_SCALE = 2.0
# a parameter tau whose prior reads a data constant (half-normal, scale tau_scale), and
# code in every block reading what the blocks before it define
STANVARS = [
    bm.stanvar(x=TAU_SCALE, name="tau_scale"),
    bm.stanvar(x=np.array([1, 2]), name="ints"),
    bm.stanvar(x=np.array([[1.0, 3.0], [2.0, 4.0]]), name="M"),
    bm.stanvar("real td_start = 1;", block="tdata"),
    bm.stanvar("real td_end = tau_scale + M[1, 2] + ints[2];", block="tdata", position="end"),
    bm.stanvar("real<lower=0> tau;", block="parameters"),
    bm.stanvar("real tp_start = 3 * tau;", block="tparameters"),
    bm.stanvar("real tp_end = tp_start + td_start;", block="tparameters", position="end"),
    bm.stanvar("target += normal_lpdf(tau | 0, tau_scale);", block="model"),
    bm.stanvar("real model_end = tau;", block="model", position="end"),
    bm.stanvar("real gq_start = 2 * tau;", block="genquant"),
    bm.stanvar("real gq_end = td_end;", block="genquant", position="end"),
]


def data(n: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    x = rng.normal(size=n)
    return pd.DataFrame({"y": 1 + 0.5 * x + rng.normal(size=n), "x": x})


def stan_programs() -> list[str]:
    """The plain and the threaded program (compiled at the session's start)."""
    spec = build_spec("y ~ x", data(), stanvars=STANVARS)
    return [render(spec), render(spec, bm.threading(2))]


def _block(code: str, name: str) -> list[str]:
    """The lines of one block of the program, stripped."""
    lines = code.split(f"\n{name} {{\n", 1)[1].split("\n}\n", 1)[0].splitlines()
    return [line.strip() for line in lines]


@pytest.mark.parametrize("threads", [None, bm.threading(2)], ids=["plain", "threaded"])
def test_code_goes_where_brms_puts_it(threads: Any):
    """Data after the model's own, transformed parameters' start after lprior's
    declaration, the other starts first (brms puts them after its declarations; here
    they may read only earlier blocks), ends last."""
    code = stancode("y ~ x", data(), stanvars=STANVARS, threads=threads)
    block = _block(code, "data")
    assert block[-4:] == [
        "int prior_only;  // should the likelihood be ignored?",
        "real tau_scale;",
        "array[2] int ints;",
        "matrix[2, 2] M;",
    ]
    tdata = _block(code, "transformed data")
    assert tdata[0] == "real td_start = 1;"
    assert tdata[-1] == "real td_end = tau_scale + M[1, 2] + ints[2];"
    assert _block(code, "parameters")[-1] == "real<lower=0> tau;"
    tparameters = _block(code, "transformed parameters")
    start = tparameters.index("real lprior = 0;  // prior contributions to the log posterior")
    assert tparameters[start + 1] == "real tp_start = 3 * tau;"
    assert tparameters[-1] == "real tp_end = tp_start + td_start;"
    model = _block(code, "model")
    assert model[0] == "target += normal_lpdf(tau | 0, tau_scale);"
    assert model[-1] == "real model_end = tau;"
    assert _block(code, "generated quantities")[-2:] == [
        "real gq_start = 2 * tau;",
        "real gq_end = td_end;",
    ]


def test_data_is_passed_with_the_models_data():
    sd = bm.standata("y ~ x", data(), stanvars=STANVARS)
    assert sd["tau_scale"] == TAU_SCALE
    np.testing.assert_array_equal(sd["ints"], [1, 2])
    np.testing.assert_array_equal(sd["M"], [[1.0, 3.0], [2.0, 4.0]])


@pytest.mark.stan
@pytest.mark.parametrize("threads", [None, bm.threading(2)], ids=["plain", "threaded"])
def test_fit_reads_the_data_and_outputs_the_generated_quantities(threads: Any):
    """tau's posterior is its half-normal prior of scale tau_scale (the likelihood does not
    read it): its mean 2 sqrt(2 / pi) within five Monte Carlo standard errors; the
    transformed parameters and generated quantities are exact functions of it."""
    fit = bm.brm(
        "y ~ x", data(), stanvars=STANVARS, threads=threads, chains=1, iter=1500, warmup=500,
        seed=11, show_progress=False,
    )  # fmt: skip
    tau = fit.draws.column("tau")
    truth = TAU_SCALE * np.sqrt(2 / np.pi)
    assert abs(tau.mean() - truth) < 5 * float(az.mcse(tau)) + 1e-12
    np.testing.assert_allclose(fit.draws.column("tp_start"), 3 * tau, rtol=1e-5)
    np.testing.assert_allclose(fit.draws.column("tp_end"), 3 * tau + 1, rtol=1e-5)
    np.testing.assert_allclose(fit.draws.column("gq_start"), 2 * tau, rtol=1e-5)
    np.testing.assert_array_equal(fit.draws.column("gq_end"), TAU_SCALE + 3 + 2)


BAD_STANVARS: dict[str, tuple[Callable[[], Any], str]] = {
    "likelihood_block": (lambda: bm.stanvar("real a;", block="likelihood"), "block='likelihood'"),
    "unknown_position": (
        lambda: bm.stanvar("real a;", block="model", position="middle"),
        "position='middle'",
    ),
    "end_of_data": (
        lambda: bm.stanvar(x=1.0, name="a", position="end"),
        "not sensible for block 'data'",
    ),
    "data_without_x": (lambda: bm.stanvar("real a;", block="data", name="a"), "needs the data"),
    "data_bad_name": (lambda: bm.stanvar(x=1.0, name="my.value"), "'my.value'"),
    "data_text": (lambda: bm.stanvar(x=["a", "b"], name="s"), "name='s'"),
    "data_three_dims": (lambda: bm.stanvar(x=np.ones((2, 2, 2)), name="a3"), "name='a3'"),
    "data_not_finite": (lambda: bm.stanvar(x=[1.0, np.nan], name="v"), "non-finite"),
    "x_outside_data": (lambda: bm.stanvar("real a;", block="model", x=1.0), "block='model'"),
    "same_name_twice": (
        lambda: bm.brm(
            "y ~ x", data(), stanvars=[bm.stanvar(x=1.0, name="a"), bm.stanvar(x=2.0, name="a")]
        ),
        "'a' twice",
    ),
    "name_of_the_models_data": (
        lambda: bm.brm("y ~ x", data(), stanvars=bm.stanvar(x=[1.0, 2.0], name="Y")),
        "already has data named 'Y'",
    ),
}


@pytest.mark.parametrize("row", BAD_STANVARS.values(), ids=BAD_STANVARS.keys())
def test_bad_stanvars_are_refused_before_compiling(no_compile: None, row: Any):
    make, culprit = row
    with pytest.raises(SpecError) as caught:
        make()
    assert isinstance(caught.value, PybrmsError)
    assert culprit in str(caught.value)
