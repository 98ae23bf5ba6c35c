"""A threaded program that slices group levels orders the rows by level inside Stan only.

Everything a fit returns stays in the user's row order: the pointwise log-likelihood of
a threaded fit on data whose groups are shuffled equals the Poisson log-probability of
each row computed from its own draws, and its fitted values per row agree with those
of the plain program's fit within Monte Carlo error.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import pybrms as bm

pytestmark = pytest.mark.stan

FORMULA = "count ~ x + (1 | g)"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    """80 rows of 8 well separated groups, in shuffled order."""
    rng = np.random.default_rng(4)
    g = rng.permutation(np.repeat(np.arange(8), 10))
    x = rng.normal(size=g.size)
    effect = np.linspace(-1.5, 1.5, 8)[g]
    count = rng.poisson(np.exp(1.0 + 0.5 * x + effect))
    return pd.DataFrame({"count": count, "x": x, "g": [f"level{k}" for k in g]})


@pytest.fixture(scope="module")
def fits(data: pd.DataFrame) -> dict[str, bm.BrmsFit]:
    kwargs = dict(family="poisson", chains=2, iter=1000, seed=2, show_progress=False)
    return {
        "plain": bm.brm(FORMULA, data, **kwargs),
        # grainsize 7 rows: about one level per partial sum
        "threaded": bm.brm(FORMULA, data, threads=bm.threading(2, grainsize=7), **kwargs),
    }


def test_the_threaded_program_slices_levels(fits) -> None:
    code = fits["threaded"].stan_code
    assert "sort_indices_asc(J_1)" in code
    assert "reduce_sum(partial_log_lik_lpdf, to_array_1d(Intercept_r_1_1)" in code


def test_log_lik_rows_follow_the_data(fits, data: pd.DataFrame) -> None:
    fit = fits["threaded"]
    draws = fit.draws_frame()
    eta = draws["b_Intercept"].to_numpy()[:, None] + np.outer(draws["b_x"], data["x"])
    eta += np.column_stack([draws[f"r_g[{level},Intercept]"] for level in data["g"]])
    expected = stats.poisson.logpmf(data["count"].to_numpy(), np.exp(eta))
    np.testing.assert_allclose(fit.log_lik(), expected, rtol=1e-8)


def test_fitted_rows_agree_with_the_plain_fit(fits) -> None:
    means, errors = {}, {}
    for name, fit in fits.items():
        epred = fit.posterior_epred()
        means[name] = epred.mean(axis=0)
        chains = epred.reshape(2, -1, epred.shape[1])
        errors[name] = az.mcse(az.convert_to_dataset({"mu": chains}))["mu"].to_numpy()
    z = np.abs(means["threaded"] - means["plain"]) / np.hypot(errors["threaded"], errors["plain"])
    assert z.max() < 5
