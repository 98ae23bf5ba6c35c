"""Effects of new grouping levels, brms's ``sample_new_levels``, on a real fit.

Each method is checked by its defining property: ``"old_levels"`` predicts a new
level as one existing level in every draw, ``"uncertainty"`` as some existing level
in each draw, ``"gaussian"`` from the fitted normal of that draw (standardized
effects are independent standard normals).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybrms.fit.predict import linear_predictors
from pybrms.spec import build_spec

pytestmark = pytest.mark.stan

# two rows per new level (x = 0 and x = 1), so both coefficients of (1 + x | g) show
NEW = pd.DataFrame(
    {"x": [0.0, 1.0, 0.0, 1.0], "f": ["a", "b", "a", "c"], "g": ["n1"] * 2 + ["n2"] * 2}
)


def as_levels(fit, rows: pd.DataFrame) -> np.ndarray:
    """Linear predictor of ``rows`` with ``g`` set to each fitted level: ``(levels, S, N)``."""
    levels = fit.spec.groups[0].levels
    return np.stack([fit.posterior_linpred(rows.assign(g=level)) for level in levels])


def matching_levels(predicted: np.ndarray, per_level: np.ndarray) -> np.ndarray:
    """Per draw, the fitted levels whose predictions equal ``predicted`` on all rows:
    a boolean array ``(S, levels)``."""
    same = np.isclose(per_level, predicted[np.newaxis], rtol=1e-12, atol=1e-12)
    return same.all(axis=2).T


def test_old_levels_take_all_draws_of_one_existing_level(gaussian_fit):
    per_level = {n: as_levels(gaussian_fit, NEW[NEW.g == n]) for n in ("n1", "n2")}
    got = gaussian_fit.posterior_linpred(NEW, allow_new_levels=True, sample_new_levels="old_levels")
    for n, columns in (("n1", [0, 1]), ("n2", [2, 3])):
        matches = matching_levels(got[:, columns], per_level[n])
        assert matches.all(axis=0).sum() == 1  # one level, in every draw


def test_uncertainty_takes_an_existing_level_per_draw(gaussian_fit):
    per_level = as_levels(gaussian_fit, NEW.iloc[:2])
    got = gaussian_fit.posterior_linpred(NEW.iloc[:2], allow_new_levels=True, rng=4)
    matches = matching_levels(got, per_level)
    # every draw is one existing level's, intercept and slope alike (both rows match)
    assert matches.any(axis=1).all()
    # picked at random per draw: with 600 draws of 8 levels, every level shows up
    # (the chance that one is missing is below 8 * (7/8)^600 < 1e-33)
    assert matches.any(axis=0).all()
    # the default, and reproducible from the seed
    again = gaussian_fit.posterior_linpred(
        NEW.iloc[:2], allow_new_levels=True, sample_new_levels="uncertainty", rng=4
    )
    np.testing.assert_array_equal(got, again)


def test_gaussian_draws_from_the_fitted_normal_of_each_draw(gaussian_fit):
    # 60 new levels, each at x = 0 and x = 1: their intercept and slope effects
    n = 60
    new = pd.DataFrame(
        {"x": np.tile([0.0, 1.0], n), "f": "a", "g": np.repeat([f"n{k}" for k in range(n)], 2)}
    )
    fixed = gaussian_fit.posterior_linpred(new, re_formula="NA")
    eta = gaussian_fit.posterior_linpred(
        new, allow_new_levels=True, sample_new_levels="gaussian", rng=7
    )
    effects = (eta - fixed).reshape(len(eta), n, 2)  # (S, levels, [at x=0, at x=1])
    u = np.stack([effects[..., 0], effects[..., 1] - effects[..., 0]], axis=-1)
    frame = gaussian_fit.draws_frame()
    sd = frame[["sd_g__Intercept", "sd_g__x"]].to_numpy()
    cor = frame["cor_g__Intercept__x"].to_numpy()
    # whiten with each draw's covariance: independent standard normals if drawn from it
    L = np.zeros((len(sd), 2, 2))
    L[:, 0, 0] = sd[:, 0]
    L[:, 1, 0] = cor * sd[:, 1]
    L[:, 1, 1] = np.sqrt(1 - cor**2) * sd[:, 1]
    z = np.linalg.solve(L[:, np.newaxis], u[..., np.newaxis])[..., 0].reshape(-1, 2)
    m = len(z)  # 36000 values per coordinate: the sd of a sample covariance is ~ 1/sqrt(m)
    covariance = np.cov(z, rowvar=False)
    np.testing.assert_allclose(covariance, np.eye(2), atol=5 * np.sqrt(2 / m))
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=5 / np.sqrt(m))


@pytest.mark.parametrize(
    "method",
    ["log_lik", "posterior_epred", "posterior_predict", "fitted", "predict", "residuals"],
)
def test_every_prediction_takes_sample_new_levels(gaussian_fit, method):
    rows = NEW.assign(y=[1.0, 2.0, 0.5, 1.5])
    call = getattr(gaussian_fit, method)
    got = call(rows, allow_new_levels=True, sample_new_levels="old_levels", rng=2, ndraws=40)
    assert len(got) == (len(rows) if method in ("fitted", "predict", "residuals") else 40)
    if method in ("log_lik", "posterior_epred"):
        # deterministic given the effects: equal to the prediction of some existing level
        levels = gaussian_fit.spec.groups[0].levels
        draws = dict(allow_new_levels=True, rng=2, ndraws=40)
        per_level = np.stack(
            [call(rows.assign(g=[lv] * 2 + ["n2"] * 2), **draws)[:, :2] for lv in levels]
        )
        assert matching_levels(got[:, :2], per_level).all(axis=0).any()


def test_terms_on_one_grouping_pick_the_same_level(toolbox_data):
    """``(1 | g) + (0 + x | g)``: a new level's intercept and slope come from one level.

    Hand-made draws (a draw's effects of level j are j and 10 j) make the check exact.
    """
    spec = build_spec("y ~ x + (1 | g) + (0 + x | g)", toolbox_data)
    S, J = 500, len(spec.groups[0].levels)
    levels = np.broadcast_to(np.arange(J, dtype=float), (1, S, J))
    variables = {
        "b": np.zeros((1, S, 1)),
        "b_Intercept": np.zeros((1, S)),
        "sigma": np.ones((1, S)),
        "sd_1": np.ones((1, S, 1)),
        "sd_2": np.ones((1, S, 1)),
        "r_1_1": levels,
        "r_2_1": 10 * levels,
    }
    rows = pd.DataFrame({"x": [0.0, 1.0], "g": ["new", "new"]})
    for method in ("uncertainty", "old_levels"):
        eta = linear_predictors(
            spec, variables, rows, allow_new_levels=True, sample_new_levels=method, rng=3
        )["mu"]
        intercept, slope = eta[:, 0], eta[:, 1] - eta[:, 0]
        np.testing.assert_array_equal(slope, 10 * intercept)
        assert len(np.unique(intercept)) == (1 if method == "old_levels" else J)
