"""Quantiles solved on whole arrays: exgaussian's ppf and isf against scipy's own
(a scalar root search per element) and against the cdf they invert."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from pybrms.spec.families.inverse_cdf import EXPONNORM, solve_increasing

# shapes K = beta / sigma from nearly normal to nearly exponential; levels in both tails
SHAPES = np.array([0.02, 0.3, 1.0, 4.0, 30.0])[:, None]
LEVELS = np.array([1e-12, 1e-6, 0.01, 0.3, 0.5, 0.7, 0.99, 1 - 1e-6])[None, :]


@pytest.mark.parametrize("method", ["ppf", "isf"])
def test_exponnorm_quantiles_equal_scipys(method: str):
    got = getattr(EXPONNORM, method)(LEVELS, SHAPES)
    expected = getattr(stats.exponnorm, method)(LEVELS, SHAPES)
    # scipy's isf is its ppf at 1 - q: from 1e-6 down it loses the digits of q
    close = LEVELS > 1e-7 if method == "isf" else np.ones(LEVELS.shape, bool)
    close = np.broadcast_to(close, got.shape)
    np.testing.assert_allclose(got[close], expected[close], rtol=1e-9, atol=1e-9)


def test_exponnorm_quantiles_invert_the_cdf_in_both_tails():
    """The level back from the cdf (below 1/2) or the survival function (above)."""
    x = EXPONNORM.ppf(LEVELS, SHAPES)
    lower = np.broadcast_to(LEVELS <= 0.5, x.shape)
    back = np.where(lower, stats.exponnorm.cdf(x, SHAPES), stats.exponnorm.sf(x, SHAPES))
    level = np.broadcast_to(np.where(LEVELS <= 0.5, LEVELS, 1 - LEVELS), x.shape)
    np.testing.assert_allclose(back, level, rtol=1e-9)
    x = EXPONNORM.isf(LEVELS, SHAPES)
    back = np.where(lower, stats.exponnorm.sf(x, SHAPES), stats.exponnorm.cdf(x, SHAPES))
    np.testing.assert_allclose(back, level, rtol=1e-9)


def test_exponnorm_quantiles_at_the_ends_and_with_location_and_scale():
    np.testing.assert_array_equal(EXPONNORM.ppf([0.0, 1.0], 2.0), [-np.inf, np.inf])
    frozen = EXPONNORM(2.0, loc=1.5, scale=3.0)
    np.testing.assert_allclose(frozen.cdf(frozen.ppf(0.25)), 0.25, rtol=1e-12)


def test_solver_falls_back_to_bisection_where_newton_leaves_the_bracket():
    """arctan's Newton steps overshoot from far away; the bracket keeps them in."""
    target = np.array([-1.4, 0.0, 0.3, 1.5])
    root = solve_increasing(
        lambda x, i: np.arctan(x) - target[i],
        lambda x, i: 1 / (1 + x**2),
        np.full(4, -1e6),
        np.full(4, 1e6),
    )
    np.testing.assert_allclose(root, np.tan(target), rtol=1e-11, atol=1e-12)
