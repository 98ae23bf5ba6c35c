"""Smooth terms s() and t2(): brms's data, names and Stan code, new rows,
and a fit that recovers a curve (bad inputs: tests/test_bad_inputs.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pybrms as bm
from pybrms import threading
from pybrms.codegen import render
from pybrms.errors import SpecError
from pybrms.fit.predict import linear_predictors
from pybrms.formula import bf
from pybrms.spec import build_spec
from pybrms.standata import make_standata

FORMULA = "y ~ z + s(x, k = 6) + s(z, by = f, k = 5) + t2(x, z, k = 4)"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 100
    x = rng.uniform(0, 3, n)
    return pd.DataFrame(
        {
            "x": x,
            "z": rng.uniform(-1, 1, n),
            "f": rng.choice(["a", "b"], n),
            "y": np.sin(2 * x) + rng.normal(0, 0.3, n),
        }
    )


def test_parse_reads_mgcv_arguments():
    (a, b) = bf("y ~ s(x, k = 5, bs = 'cr') + t2(x, z, by = f)").mu.smooths
    assert (a.fun, a.covariates, a.k, a.basis, a.term) == (
        "s",
        ("x",),
        5,
        "cr",
        's(x, k = 5, bs = "cr")',
    )
    assert (b.fun, b.covariates, b.by, b.basis, b.label) == ("t2", ("x", "z"), "f", "cr", "t2xzf")


def test_standata_and_names_are_brms(data):
    spec = build_spec(FORMULA, data)
    sd = make_standata(build_spec(FORMULA, data))
    # s(x): 1 unpenalized column; s(z, by = f): one per level; t2: 3 of 8 null columns
    assert sd["Ks"] == 1 + 2 + 3 and sd["Xs"].shape == (100, 6)
    assert [int(sd[f"nb_{i}"]) for i in (1, 2, 3, 4)] == [1, 1, 1, 3]
    assert list(sd["knots_1"]) == [4] and list(sd["knots_4"]) == [4, 4, 4]
    assert sd["Zs_4_2"].shape == (100, 4)
    names = [n.name for n in spec.names]
    assert names[:8] == [
        "b_Intercept",
        "b_z",
        "bs_sx_1",
        "bs_sz:fa_1",
        "bs_sz:fb_1",
        *(f"bs_t2xz_{k}" for k in (1, 2, 3)),
    ]
    assert names[8:14] == [
        "sds_sx_1",
        "sds_szfa_1",
        "sds_szfb_1",
        "sds_t2xz_1",
        "sds_t2xz_2",
        "sds_t2xz_3",
    ]
    assert names[-1] == "s_t2xz_3[4]"
    sds = next(n for n in spec.names if n.name == "sds_szfb_1")
    assert (sds.label, sds.section.heading) == ("sds(szfb_1)", "Smoothing Spline Hyperparameters")
    bs = next(n for n in spec.names if n.name == "bs_sx_1")
    assert (bs.label, bs.section.heading) == ("sx_1", "Population-Level Effects")


@pytest.mark.parametrize("threads", [None, threading(2)], ids=["plain", "threaded"])
def test_stan_code_is_brms(data, threads):
    code = render(build_spec(bf("y ~ s(x, k = 5)", sigma="~ t2(x, z, k = 4)"), data), threads)
    rows = "[start:end]" if threads else ""
    assert "matrix[N, knots_1[1]] Zs_1_1;" in code
    assert "vector<lower=0>[nb_1] sds_1;  // SDs of penalized spline coefficients" in code
    assert "vector[knots_1[1]] s_1_1 = sds_1[1] * zs_1_1;" in code
    assert "target += std_normal_lpdf(zs_sigma_1_3);" in code
    assert "vector[Ks_sigma] bs_sigma;  // unpenalized spline coefficients" in code
    assert f"Zs_sigma_1_3{rows} * s_sigma_1_3" in code


def test_new_rows_at_fitted_values_equal_fitted_rows(data):
    spec = build_spec(FORMULA, data)
    rng = np.random.default_rng(1)
    sd = make_standata(build_spec(FORMULA, data))
    variables = {"b_Intercept": rng.normal(size=(1, 2)), "b": rng.normal(size=(1, 2, 1))}
    variables["bs"] = rng.normal(size=(1, 2, sd["Ks"]))
    for i in (1, 2, 3, 4):
        for j, size in enumerate(sd[f"knots_{i}"], 1):
            variables[f"s_{i}_{j}"] = rng.normal(size=(1, 2, size))
    fitted = linear_predictors(spec, variables)["mu"]
    new = linear_predictors(spec, variables, data.iloc[::-1].reset_index(drop=True))["mu"]
    np.testing.assert_allclose(new, fitted[:, ::-1], atol=1e-10)


def test_unknown_by_level_in_new_rows_is_refused(data):
    spec = build_spec("y ~ s(x, by = f, k = 5)", data)
    variables = {"b_Intercept": np.zeros((1, 1)), "bs": np.zeros((1, 1, 2))}
    variables |= {"s_1_1": np.zeros((1, 1, 3)), "s_2_1": np.zeros((1, 1, 3))}
    with pytest.raises(SpecError, match="has 'c' in 'f', the by variable of s"):
        linear_predictors(spec, variables, pd.DataFrame({"x": [1.0], "f": ["c"]}))


@pytest.fixture(scope="module")
def curve_fit(data):
    return bm.brm("y ~ s(x, k = 6)", data, chains=2, iter=1000, seed=3, show_progress=False)


@pytest.mark.stan
def test_fit_recovers_the_curve(curve_fit, data):
    """The posterior mean curve on a grid is within Monte Carlo-justified bounds of
    sin(2x) (its posterior sd, a smoothing bias allowance, and the MC error), and
    new-data predictions at the fitted x equal the fitted ones."""
    grid = pd.DataFrame({"x": np.linspace(0.2, 2.8, 9)})
    draws = curve_fit.posterior_epred(newdata=grid)
    mean, sd = draws.mean(axis=0), draws.std(axis=0)
    mcse = sd / np.sqrt(200)  # at least 200 effective draws for a posterior mean
    z = np.abs(mean - np.sin(2 * grid["x"].to_numpy())) / np.sqrt(sd**2 + mcse**2 + 0.1**2)
    assert (z < 5).all(), z
    fitted = curve_fit.posterior_epred()
    again = curve_fit.posterior_epred(newdata=data)
    np.testing.assert_allclose(again, fitted, atol=1e-8)
    summary = curve_fit.summary()
    assert "sds(sx_1)" in str(summary)
