"""The scipy distributions of zero-inflated and hurdle responses (censoring, truncation).

Each is checked against its definition: a point mass ``p`` at zero and the base
distribution (above zero for a hurdle of counts), summed or integrated directly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

from pybrms.spec.families import FAMILIES, LINKS, DparDraws

P = 0.3
MU = np.array([[0.5, 2.0, 6.0]])
DISCRETE = {
    "zero_inflated_poisson": ({"zi": P}, stats.poisson(MU), False),
    "hurdle_poisson": ({"hu": P}, stats.poisson(MU), True),
    "zero_inflated_negbinomial": (
        {"zi": P, "shape": 1.5},
        stats.nbinom(1.5, 1.5 / (1.5 + MU)),
        False,
    ),
    "hurdle_negbinomial": ({"hu": P, "shape": 1.5}, stats.nbinom(1.5, 1.5 / (1.5 + MU)), True),
}


def _draws(values: dict[str, Any], mu: np.ndarray, trials: np.ndarray | None = None) -> DparDraws:
    dpars = {"mu": mu} | {k: np.full((1, 1), v) for k, v in values.items()}
    return DparDraws(dpars, np.zeros(mu.shape), LINKS["identity"], None, trials)


def _pmf(base: Any, k: np.ndarray, hurdle: bool) -> np.ndarray:
    """The definition: P at zero plus (1 - P) times the base (above zero for a hurdle)."""
    if hurdle:
        return np.where(k == 0, P, (1 - P) * base.pmf(k) / base.sf(0))
    return np.where(k == 0, P, 0.0) + (1 - P) * base.pmf(k)


@pytest.mark.parametrize("name", DISCRETE)
def test_discrete_cdfs_sum_the_masses(name: str) -> None:
    values, base, hurdle = DISCRETE[name]
    dist = FAMILIES[name].distribution(_draws(values, MU))
    k = np.arange(0, 400)[:, None, None]  # the negative binomial's tail: below 1e-12 beyond
    pmf = _pmf(base, k, hurdle)
    np.testing.assert_allclose(dist.pmf(k), pmf, rtol=1e-10)
    np.testing.assert_allclose(dist.cdf(k), np.cumsum(pmf, axis=0), rtol=1e-10)
    np.testing.assert_allclose(np.exp(dist.logsf(k)), 1 - np.cumsum(pmf, axis=0), atol=1e-12)
    # below zero (a truncation's lb - 1): all the mass lies above
    assert (dist.logsf(-1) == 0).all() and (dist.cdf(-1) == 0).all()
    # the quantile function inverts the cdf
    np.testing.assert_array_equal(
        dist.ppf(dist.cdf(k[:10]) - 1e-12), np.broadcast_to(k[:10], (10, 1, 3))
    )
    np.testing.assert_allclose(dist.mean(), (k * pmf).sum(axis=0), rtol=1e-8)


def test_zero_inflated_binomial_takes_the_trials() -> None:
    trials = np.array([3, 10, 20])
    mu = np.array([[0.2, 0.5, 0.9]])
    dist = FAMILIES["zero_inflated_binomial"].distribution(_draws({"zi": P}, mu, trials))
    k = np.arange(0, 21)[:, None, None]
    pmf = _pmf(stats.binom(trials, mu), k, hurdle=False)
    np.testing.assert_allclose(dist.cdf(k), np.cumsum(pmf, axis=0), rtol=1e-10)


CONTINUOUS = {
    "zero_inflated_beta": (
        {"zi": P, "phi": 5.0},
        np.array([[0.2, 0.5]]),
        lambda m: stats.beta(5 * m, 5 * (1 - m)),
    ),
    "hurdle_gamma": (
        {"hu": P, "shape": 2.0},
        np.array([[0.5, 3.0]]),
        lambda m: stats.gamma(2.0, scale=m / 2),
    ),
    "hurdle_lognormal": (
        {"hu": P, "sigma": 0.7},
        np.array([[-1.0, 1.0]]),
        lambda m: stats.lognorm(0.7, scale=np.exp(m)),
    ),
}


@pytest.mark.parametrize("name", CONTINUOUS)
def test_continuous_cdfs_hold_the_point_mass_at_zero(name: str) -> None:
    values, mu, base = CONTINUOUS[name]
    dist = FAMILIES[name].distribution(_draws(values, mu))
    y = np.array([0.0, 0.1, 0.4, 0.9])[:, None, None]
    np.testing.assert_allclose(dist.cdf(y), P + (1 - P) * base(mu).cdf(y), rtol=1e-10)
    np.testing.assert_allclose(dist.logsf(y), np.log1p(-P) + base(mu).logsf(y), rtol=1e-10)
    assert (dist.cdf(-0.5) == 0).all()
    q = np.array([0.1, 0.5, 0.9])[:, None, None]
    expected = np.where(q <= P, 0.0, base(mu).ppf((q - P) / (1 - P)))
    np.testing.assert_allclose(dist.ppf(q), expected, rtol=1e-8)
    np.testing.assert_allclose(dist.mean(), (1 - P) * base(mu).mean(), rtol=1e-10)
