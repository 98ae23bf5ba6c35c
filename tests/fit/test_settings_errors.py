"""Bad sampler settings and prediction inputs: typed errors naming the culprit, before compiling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pybrms as bm
from pybrms.errors import PybrmsError, SettingsError, SpecError
from pybrms.scheduler import open_executor

BAD_BRM_ARGUMENTS = [
    ({"control": {"adapt_dleta": 0.9}}, "unknown key.*'adapt_dleta'.*adapt_delta, max_treedepth"),
    ({"control": 0.9}, "control must be a dict"),
    ({"control": {"adapt_delta": 1.5}}, r"adapt_delta must lie in \(0, 1\), got 1.5"),
    ({"control": {"max_treedepth": 0}}, "max_treedepth must be a positive integer, got 0"),
    ({"chains": 0}, "chains must be a positive integer, got 0"),
    ({"chains": 2.0}, "chains must be a positive integer, got 2.0"),
    ({"iter": 1}, "iter must be an integer >= 2, got 1"),
    ({"iter": "2000"}, "iter must be an integer >= 2, got '2000'"),
    ({"iter": 100, "warmup": 100}, r"warmup must be .* in \[0, iter\) = \[0, 100\), got 100"),
    ({"warmup": -1}, r"warmup must .* got -1"),
    ({"thin": 0}, "thin must be a positive integer, got 0"),
    ({"iter": 200, "thin": 101}, r"thin must be <= .*thin = 101 .*iter_sampling = 100"),
    ({"seed": -1}, "seed must be a non-negative integer, got -1"),
    ({"seed": 2**31}, r"seed must be below 2\*\*31"),
    ({"init": -1.0}, "init as a radius must be a finite number >= 0, got -1.0"),
    ({"init": "zero"}, "init must be a radius, 'random', '0'.*'zero'"),
    ({"init": [{"b": [0.0]}]}, "list of 4 dicts.*length 1"),
    ({"parallel": "mpi"}, "parallel must be 'threads' or 'processes', got 'mpi'"),
    ({"threads": 0}, "threads must be a positive integer, got 0"),
    ({"threads": "2"}, "threads must be a positive integer, got '2'"),
    (
        {"backend": "pystan"},
        "backend must be 'auto', 'embedded', 'cmdstanpy', 'nutpie'; got 'pystan'",
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "pattern"), BAD_BRM_ARGUMENTS, ids=[str(k) for k, _ in BAD_BRM_ARGUMENTS]
)
def test_bad_sampler_settings_raise_settings_error_before_compiling(
    line_data, no_compile, kwargs, pattern
):
    with pytest.raises(SettingsError, match=pattern) as error:
        bm.brm("y ~ x", line_data, show_progress=False, **kwargs)
    assert isinstance(error.value, PybrmsError) and isinstance(error.value, ValueError)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: bm.threading(0), r"threading\(threads=...\) must be a positive integer, got 0"),
        (lambda: bm.threading(2, grainsize=-5), r"grainsize=...\) must be .* got -5"),
        (lambda: bm.threading(2, static="yes"), r"static=...\) must be True or False"),
        (lambda: open_executor("mpi", 2).__enter__(), "executor must be one of .*'mpi'"),
        (lambda: open_executor(3, 2).__enter__(), "executor must be None.*got 3"),
    ],
    ids=["threads", "grainsize", "static", "executor-name", "executor-object"],
)
def test_threading_and_executor_settings(call, pattern):
    with pytest.raises(SettingsError, match=pattern) as error:
        call()
    assert isinstance(error.value, PybrmsError)


@pytest.mark.stan
def test_init_names_that_are_not_parameters_are_refused_before_compiling(line_data, no_compile):
    with pytest.raises(SettingsError, match=r"'nope'.*not a parameter.*'b', 'Intercept', 'sigma'"):
        bm.brm("y ~ x", line_data, init={"nope": 1.0}, show_progress=False)
    with pytest.raises(SettingsError, match=r"'b_x', 'nope'.*are not parameters"):
        bm.brm(
            "y ~ x", line_data, chains=2, init=[{"nope": 1.0}, {"b_x": 0.0}], show_progress=False
        )


@pytest.mark.stan
@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"iterations": 10}, r"'iterations', which is not a sampling argument; valid: chains, it"),
        ({"iter_sampling": 10}, "'iter_sampling', which is not a sampling argument"),
        ({"thin": 600, "iter": 1000}, r"thin = 600 with iter_sampling = 500"),
        ({"control": {"adapt_dleta": 0.9}}, "unknown key.*'adapt_dleta'"),
        ({"init": {"nope": 0.0}}, "'nope'.*not a parameter"),
        ({"threads": -1}, "threads must be a positive integer, got -1"),
    ],
)
def test_bad_update_arguments(line_fit, no_compile, kwargs, pattern):
    with pytest.raises(SettingsError, match=pattern):
        line_fit.update(show_progress=False, **kwargs)


@pytest.mark.stan
@pytest.mark.parametrize("prob", [0, 1, 1.5, -0.1, "0.9", True])
def test_summary_prob_must_lie_in_0_1(line_fit, prob):
    with pytest.raises(SettingsError, match=r"summary\(prob=...\) must lie in \(0, 1\)"):
        line_fit.summary(prob=prob)


@pytest.mark.stan
@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("method", ["posterior_predict", "posterior_epred", "log_lik"])
def test_non_finite_predictors_in_newdata_are_refused(line_fit, method, value):
    newdata = pd.DataFrame({"x": [0.0, 1.0, value], "y": [1.0, 1.0, 1.0]}, index=[10, 11, 12])
    with pytest.raises(SpecError, match=r"column 'x' has the non-finite value .* in row 12"):
        getattr(line_fit, method)(newdata=newdata)


@pytest.mark.stan
def test_finite_newdata_still_predicts(line_fit):
    newdata = pd.DataFrame({"x": [0.0, 1.0]})
    assert np.isfinite(line_fit.posterior_predict(newdata=newdata)).all()
