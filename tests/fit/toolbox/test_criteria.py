"""bayes_R2, loo_R2, waic and loo_compare on real fits."""

from __future__ import annotations

import arviz as az
import numpy as np
import pytest

import pybrms.fit.criteria as criteria

pytestmark = pytest.mark.stan


def test_bayes_r2_is_brms_definition(gaussian_fit):
    table = gaussian_fit.bayes_R2()
    assert list(table.index) == ["R2"]
    assert list(table.columns) == ["Estimate", "Est.Error", "Q2.5", "Q97.5"]
    draws = gaussian_fit.bayes_R2(summary=False)["R2"].to_numpy()
    epred = gaussian_fit.posterior_epred()
    y = gaussian_fit.spec.response.values
    var_fit = epred.var(axis=1, ddof=1)
    expected = var_fit / (var_fit + (y - epred).var(axis=1, ddof=1))
    np.testing.assert_allclose(draws, expected)
    assert ((draws > 0) & (draws < 1)).all()
    np.testing.assert_allclose(table.loc["R2", "Estimate"], expected.mean())


def test_loo_r2_is_below_bayes_r2_and_reproducible(gaussian_fit):
    loo = gaussian_fit.loo_R2(summary=False, rng=4)["R2"].to_numpy()
    assert loo.shape == (600,) and ((loo >= -1) & (loo <= 1)).all()
    np.testing.assert_array_equal(loo, gaussian_fit.loo_R2(summary=False, rng=4)["R2"])
    # leaving each observation out can only make the fit to it worse
    bayes = gaussian_fit.bayes_R2()
    assert np.median(loo) < bayes.loc["R2", "Estimate"]
    assert gaussian_fit.loo_R2(rng=4).loc["R2", "Estimate"] > 0.5


def test_waic_agrees_with_arviz(gaussian_fit):
    with pytest.warns(UserWarning, match="p_waic estimates greater than 0.4"):
        ours = gaussian_fit.waic()
    idata = gaussian_fit.to_inference_data()
    reference = az.waic(idata, pointwise=True)
    table = ours.estimates
    assert list(table.index) == ["elpd_waic", "p_waic", "waic"]
    # the loo package (brms) takes the variance over draws with S - 1, ArviZ with S
    log_lik = gaussian_fit.log_lik()
    p_waic = log_lik.var(axis=0, ddof=1).sum()
    lpd = reference.elpd_waic + reference.p_waic
    np.testing.assert_allclose(table.loc["p_waic", "Estimate"], p_waic)
    np.testing.assert_allclose(table.loc["elpd_waic", "Estimate"], lpd - p_waic)
    np.testing.assert_allclose(table.loc["elpd_waic", "Estimate"], reference.elpd_waic, rtol=1e-3)
    np.testing.assert_allclose(table.loc["waic", "Estimate"], -2 * (lpd - p_waic))
    assert "elpd_waic" in str(ours)


def test_loo_compare_has_the_loo_table_and_prefers_the_true_model(gaussian_fit, intercept_fit):
    table = criteria.loo_compare(small=intercept_fit, full=gaussian_fit)
    assert list(table.columns) == [
        "elpd_diff",
        "se_diff",
        "elpd_loo",
        "se_elpd_loo",
        "p_loo",
        "se_p_loo",
        "looic",
        "se_looic",
    ]
    # the simulated data have factor effects of +-1 with sigma 0.5: the full model wins
    assert list(table.index) == ["full", "small"]
    assert table.loc["full", "elpd_diff"] == 0 and table.loc["full", "se_diff"] == 0
    assert table.loc["small", "elpd_diff"] < -2 * table.loc["small", "se_diff"]
    reference = az.compare(
        {"full": gaussian_fit.to_inference_data(), "small": intercept_fit.to_inference_data()}
    )
    np.testing.assert_allclose(table["elpd_loo"], reference.loc[table.index, "elpd_loo"])
    # se_diff is sqrt(N) sd(diff) with N - 1, as the loo package; ArviZ divides by N
    n = gaussian_fit.spec.N
    expected = reference.loc[table.index, "dse"] * np.sqrt(n / (n - 1))
    np.testing.assert_allclose(table["se_diff"], expected)
    np.testing.assert_allclose(table["looic"], -2 * table["elpd_loo"])
    positional = gaussian_fit.loo_compare(intercept_fit)
    assert list(positional.index) == ["model1", "model2"]


def test_loo_compare_by_waic(gaussian_fit, intercept_fit):
    with pytest.warns(UserWarning):
        table = criteria.loo_compare(gaussian_fit, intercept_fit, criterion="waic")
    assert list(table.columns[2:]) == [
        "elpd_waic",
        "se_elpd_waic",
        "p_waic",
        "se_p_waic",
        "waic",
        "se_waic",
    ]


def test_loo_r2_takes_ndraws_and_draw_ids(gaussian_fit):
    some = gaussian_fit.loo_R2(ndraws=200, rng=1, summary=False)
    assert some.shape == (200, 1)
    picked = gaussian_fit.loo_R2(draw_ids=list(range(1, 601)), rng=1, summary=False)
    everything = gaussian_fit.loo_R2(rng=1, summary=False)
    # all draws as one chain or as two: the relative efficiency alone differs
    np.testing.assert_allclose(picked, everything, atol=0.02)
