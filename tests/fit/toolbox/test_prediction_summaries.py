"""fitted, predict, predictive_error, residuals, and ndraws / draw_ids / re_formula."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.stan

STATS = ["Estimate", "Est.Error", "Q2.5", "Q97.5"]
NEW = pd.DataFrame({"x": [-1.0, 0.5, 2.0], "f": ["a", "b", "c"], "g": ["g1", "g4", "g8"]})


def population_part(frame: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """Draws x rows of the population-level linear predictor."""
    f = {"a": 0.0, "b": 1.0, "c": 0.0}, {"a": 0.0, "b": 0.0, "c": 1.0}
    return (
        frame["b_Intercept"].to_numpy()[:, None]
        + np.outer(frame["b_x"], rows["x"])
        + np.outer(frame["b_fb"], rows["f"].map(f[0]))
        + np.outer(frame["b_fc"], rows["f"].map(f[1]))
    )


def group_part(frame: pd.DataFrame, rows: pd.DataFrame, coefs: tuple[str, ...]) -> np.ndarray:
    out = np.zeros((len(frame), len(rows)))
    for k, (g, x) in enumerate(zip(rows["g"], rows["x"], strict=True)):
        if "Intercept" in coefs:
            out[:, k] += frame[f"r_g[{g},Intercept]"]
        if "x" in coefs:
            out[:, k] += frame[f"r_g[{g},x]"] * x
    return out


def test_fitted_summarizes_posterior_epred(gaussian_fit):
    table = gaussian_fit.fitted()
    epred = gaussian_fit.posterior_epred()
    assert list(table.columns) == STATS
    assert list(table.index) == list(gaussian_fit.spec.data.index)
    np.testing.assert_allclose(table["Estimate"], epred.mean(axis=0))
    np.testing.assert_allclose(table["Q2.5"], np.quantile(epred, 0.025, axis=0))
    draws = gaussian_fit.fitted(summary=False)
    assert draws.shape == epred.shape


@pytest.mark.parametrize(
    ("re_formula", "coefs"),
    [
        (None, ("Intercept", "x")),
        ("NA", ()),
        ("~0", ()),
        ("~ (1 | g)", ("Intercept",)),
        ("~ (0 + x | g)", ("x",)),
        ("~ (1 + x | g)", ("Intercept", "x")),
    ],
)
def test_re_formula_selects_group_terms(gaussian_fit, re_formula, coefs):
    frame = gaussian_fit.draws_frame()
    expected = population_part(frame, NEW) + group_part(frame, NEW, coefs)
    got = gaussian_fit.posterior_linpred(NEW, re_formula=re_formula)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    table = gaussian_fit.fitted(NEW, re_formula=re_formula)
    np.testing.assert_allclose(table["Estimate"], expected.mean(axis=0), atol=1e-10)


def test_re_formula_na_needs_no_grouping_column(gaussian_fit):
    table = gaussian_fit.fitted(NEW.drop(columns="g"), re_formula="NA")
    assert len(table) == 3


def test_ndraws_and_draw_ids(gaussian_fit):
    everything = gaussian_fit.posterior_linpred()
    picked = gaussian_fit.posterior_linpred(draw_ids=[1, 5, 600])
    np.testing.assert_array_equal(picked, everything[[0, 4, 599]])
    some = gaussian_fit.posterior_linpred(ndraws=37, rng=3)
    assert some.shape == (37, everything.shape[1])
    # random draws without replacement: every row is one of the draws, none twice
    rows = {tuple(r) for r in np.round(everything, 12)}
    assert all(tuple(r) in rows for r in np.round(some, 12))
    assert len({tuple(r) for r in some}) == 37
    for method in ("log_lik", "posterior_epred", "posterior_predict"):
        assert getattr(gaussian_fit, method)(ndraws=7).shape == (7, everything.shape[1])
    assert gaussian_fit.predict(ndraws=11, summary=False).shape == (11, everything.shape[1])


def test_predict_summarizes_posterior_predict(gaussian_fit):
    table = gaussian_fit.predict(NEW, re_formula="NA", rng=5)
    draws = gaussian_fit.posterior_predict(NEW, re_formula="NA", rng=5)
    np.testing.assert_allclose(table["Estimate"], draws.mean(axis=0))
    # predictions spread wider than expected values: sigma is added
    fitted = gaussian_fit.fitted(NEW, re_formula="NA")
    assert (table["Est.Error"] > fitted["Est.Error"]).all()


def test_predictive_error_and_residuals(gaussian_fit):
    y = gaussian_fit.spec.response.values
    errors = gaussian_fit.predictive_error(method="posterior_epred")
    np.testing.assert_allclose(errors.to_numpy(), y - gaussian_fit.posterior_epred())
    residuals = gaussian_fit.residuals(method="posterior_epred")
    np.testing.assert_allclose(residuals["Estimate"], y - gaussian_fit.fitted()["Estimate"])
    predicted = gaussian_fit.residuals(ndraws=50)
    assert list(predicted.columns) == STATS and len(predicted) == len(y)
    assert gaussian_fit.predictive_error(ndraws=9).shape == (9, len(y))


def test_count_model_predictions(poisson_fit):
    table = poisson_fit.predict(rng=1)
    assert (table["Estimate"] >= 0).all()
    draws = poisson_fit.posterior_predict(ndraws=3)
    assert draws.shape == (3, 80) and np.issubdtype(draws.dtype, np.integer)
    linear = poisson_fit.fitted(scale="linear")
    np.testing.assert_allclose(linear["Estimate"], poisson_fit.posterior_linpred().mean(axis=0))


def test_ordinal_tables_name_the_response_levels(ordinal_fit):
    """brms's ``P(Y = <level>)`` columns, for an ordered Categorical response."""
    rows = ordinal_fit.spec.data.iloc[:5]
    names = [f"P(Y = {level})" for level in ("none", "mild", "moderate", "severe")]
    fitted = ordinal_fit.fitted(rows)
    assert list(fitted.columns.get_level_values(0).unique()) == names
    epred = ordinal_fit.posterior_epred(rows)
    np.testing.assert_allclose(fitted["P(Y = mild)"]["Estimate"], epred[:, :, 1].mean(axis=0))
    predicted = ordinal_fit.predict(rows)
    assert list(predicted.columns) == names
    np.testing.assert_allclose(predicted.sum(axis=1), 1.0)
