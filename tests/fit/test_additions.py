"""Post-processing of se(), rate(), cens() and trunc() over given draws, against scipy.

Each check computes the expected value from scipy's distributions directly, not
from pybrms's family records. Monte Carlo checks allow five standard errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pybrms.fit.predict import log_lik, posterior_epred, posterior_predict
from pybrms.spec import build_spec

S = 4000


def gaussian_draws(intercept: float, sigma: float | None, draws: int = 1) -> dict:
    out = {"b_Intercept": np.full((1, draws), intercept)}
    if sigma is not None:
        out["sigma"] = np.full((1, draws), sigma)
    return out


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "y": [0.3, -1.0, 2.0, 0.5],
            "s": [0.5, 1.0, 2.0, 0.25],
            "c": ["none", "right", "left", "interval"],
            "u": [0.0, 0.0, 0.0, 1.5],
            "k": [0, 3, 7, 2],
            "e": [0.5, 1.0, 2.0, 4.0],
        }
    )


def test_censored_log_lik_is_the_probability_of_the_interval(rows):
    spec = build_spec("y | cens(c, u) ~ 1", rows)
    got = log_lik(spec, gaussian_draws(0.2, 1.3))[0]
    d = stats.norm(0.2, 1.3)
    expected = [d.logpdf(0.3), d.logsf(-1.0), d.logcdf(2.0), np.log(d.cdf(1.5) - d.cdf(0.5))]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_truncated_log_lik_divides_by_the_mass_within_bounds(rows):
    spec = build_spec("y | trunc(lb = -2, ub = 3) ~ 1", rows)
    got = log_lik(spec, gaussian_draws(0.2, 1.3))[0]
    d = stats.norm(0.2, 1.3)
    np.testing.assert_allclose(got, d.logpdf(rows["y"]) - np.log(d.cdf(3) - d.cdf(-2)))


def test_discrete_lower_bound_is_inclusive(rows):
    """trunc(lb = 2) keeps 2: the program's lccdf(lb - 1 | ...), P(Y >= 2)."""
    data = rows.assign(k=[2, 3, 7, 2])
    spec = build_spec("k | trunc(lb = 2) ~ 1", data, "poisson")
    got = log_lik(spec, {"b_Intercept": np.full((1, 1), np.log(1.5))})[0]
    d = stats.poisson(1.5)
    np.testing.assert_allclose(got, d.logpmf(data["k"]) - np.log(d.sf(1)))


def test_interval_probability_keeps_its_digits_in_the_upper_tail(rows):
    spec = build_spec("y | cens(c, u) ~ 1", rows.assign(y=[0.3, 0.0, 0.0, 40.0], u=[0, 0, 0, 41]))
    got = log_lik(spec, gaussian_draws(0.0, 1.0))[0, 3]
    assert got == pytest.approx(stats.norm.logsf(40.0) + np.log1p(-np.exp(-40.5 * 1)), rel=1e-3)


def test_se_replaces_or_joins_sigma_in_predictions(rows):
    spec = build_spec("y | se(s) ~ 1", rows)
    predicted = posterior_predict(spec, gaussian_draws(1.0, None, S), rng=1)
    assert predicted.std(axis=0) == pytest.approx(rows["s"], rel=5 * np.sqrt(0.5 / S))
    spec = build_spec("y | se(s, sigma = TRUE) ~ 1", rows)
    predicted = posterior_predict(spec, gaussian_draws(1.0, 0.7, S), rng=1)
    expected = np.hypot(rows["s"], 0.7)
    assert predicted.std(axis=0) == pytest.approx(expected, rel=5 * np.sqrt(0.5 / S))
    got = log_lik(spec, gaussian_draws(1.0, 0.7))[0]
    np.testing.assert_allclose(got, stats.norm(1.0, expected).logpdf(rows["y"]))


def test_rate_scales_the_mean_and_the_negbinomial_shape(rows):
    spec = build_spec("k | rate(e) ~ 1", rows, "negbinomial")
    draws = {"b_Intercept": np.full((1, 1), np.log(2.0)), "shape": np.full((1, 1), 3.0)}
    np.testing.assert_allclose(posterior_epred(spec, draws)[0], 2.0 * rows["e"])
    mu, shape = 2.0 * rows["e"], 3.0 * rows["e"]
    expected = stats.nbinom(shape, shape / (shape + mu)).logpmf(rows["k"])
    np.testing.assert_allclose(log_lik(spec, draws)[0], expected)


@pytest.mark.parametrize(
    ("family", "formula", "draws", "dist", "bounds"),
    [
        ("gaussian", "y | trunc(0.5, 2) ~ 1", {"sigma": 1.0}, stats.norm(0.2, 1.0), (0.5, 2)),
        ("gaussian", "y | trunc(lb = 3) ~ 1", {"sigma": 1.0}, stats.norm(0.2, 1.0), (3, np.inf)),
        ("poisson", "k | trunc(2, 4) ~ 1", {}, stats.poisson(np.exp(0.2)), (2, 4)),
        ("poisson", "k | trunc(lb = 4) ~ 1", {}, stats.poisson(np.exp(0.2)), (4, np.inf)),
    ],
)
def test_truncated_predictions_follow_the_truncated_distribution(
    rows, family, formula, draws, dist, bounds
):
    lb, ub = bounds
    data = rows.assign(y=lb + 0.5, k=int(lb))  # responses within the bounds
    spec = build_spec(formula, data, family)
    variables = {"b_Intercept": np.full((1, S), 0.2)} | {
        k: np.full((1, S), v) for k, v in draws.items()
    }
    predicted = posterior_predict(spec, variables, rng=3)[:, 0]
    assert predicted.min() >= lb and predicted.max() <= ub
    if family == "poisson":
        support = np.arange(lb, 40 if np.isinf(ub) else ub + 1)
        p = dist.pmf(support) / dist.pmf(support).sum()
        freq = (predicted[:, None] == support).mean(axis=0)
        assert (np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / S) + 1e-9).all(), (freq, p)
    else:
        a, b = (lb - 0.2), (ub - 0.2)
        truth = stats.truncnorm(a, b, loc=0.2)
        assert abs(predicted.mean() - truth.mean()) < 5 * truth.std() / np.sqrt(S)
