"""Post-processing of multivariate fits per response, as brms's ``resp =``: ``loo()``,
``bayes_R2()``, ``loo_R2()``, ``posterior_linpred()``, ``pp_check()``, ``kfold()``, and
``to_inference_data()`` of models whose responses have different rows (``subset()``),
on small fits of the shared model cases."""

from __future__ import annotations

import numpy as np
import pytest
from model_cases import MV_MODELS, SUBSET_MODELS, Case, synthetic_data
from scipy import stats
from scipy.special import logsumexp

import pybrms as bm
from pybrms.errors import PybrmsError, SpecError
from pybrms.fit.arviz import psis_log_weights

pytestmark = pytest.mark.stan

_NO_RESCOR = next(c for c in MV_MODELS if c.id == "mv_gaussian_poisson")
_RESCOR = next(c for c in MV_MODELS if c.id == "mv_gaussian_rescor")


def stan_programs() -> list[str]:
    """The fits' programs (compiled at the session's start, tests/conftest.py)."""
    return [
        bm.stancode(c.formula, synthetic_data(), family=c.family)
        for c in (SUBSET_MODELS[0], _NO_RESCOR, _RESCOR)
    ]


def small_fit(case: Case) -> bm.BrmsFit:
    return bm.brm(
        case.formula,
        synthetic_data(),
        family=case.family,
        chains=2,
        iter=400,
        seed=11,
        show_progress=False,
    )


@pytest.fixture(scope="module")
def subset_fit() -> bm.BrmsFit:
    return small_fit(SUBSET_MODELS[0])


@pytest.fixture(scope="module")
def mv_fit() -> bm.BrmsFit:
    return small_fit(_NO_RESCOR)


def test_subset_inference_data_has_one_variable_per_response(subset_fit):
    """Each response on its own rows: log_lik(resp=), posterior_predict(resp=) and the
    observed response, over obs_id_<resp>, the labels of its rows."""
    idata = subset_fit.to_inference_data()
    data = synthetic_data()
    rows = {"ys": data.index[data["cr"]], "count": data.index}
    for resp, index in rows.items():
        assert idata.log_likelihood[resp].dims == ("chain", "draw", f"obs_id_{resp}")
        np.testing.assert_array_equal(idata.log_likelihood[f"obs_id_{resp}"], index)
        expected = subset_fit.log_lik(resp=resp).reshape(2, 200, -1)
        np.testing.assert_allclose(idata.log_likelihood[resp].values, expected)
        np.testing.assert_allclose(idata.observed_data[resp].values, data.loc[index, resp])
        assert idata.posterior_predictive[resp].shape == (2, 200, len(index))


def test_subset_loo_is_per_response(subset_fit):
    """loo(resp=) over the rows of the response; without resp refused, naming the
    responses. Its elpd lies below the in-sample log predictive density."""
    with pytest.raises(SpecError) as caught:
        subset_fit.loo()
    assert isinstance(caught.value, PybrmsError)
    assert "resp=" in str(caught.value) and "'ys'" in str(caught.value)
    for resp, n in (("ys", int(synthetic_data()["cr"].sum())), ("count", 60)):
        result = subset_fit.loo(resp=resp)
        log_lik = subset_fit.log_lik(resp=resp)
        lpd = float(np.sum(logsumexp(log_lik, axis=0) - np.log(len(log_lik))))
        assert len(result.loo_i) == n
        assert result.elpd_loo < lpd


def test_loo_of_one_response(mv_fit):
    """loo(resp=) of a model without residual correlations reads that response's
    log_lik only; the responses' elpds differ, and each is below its in-sample lpd."""
    gaussian, poisson = mv_fit.loo(resp="y"), mv_fit.loo(resp="count")
    for result, resp in ((gaussian, "y"), (poisson, "count")):
        log_lik = mv_fit.log_lik(resp=resp)
        lpd = float(np.sum(logsumexp(log_lik, axis=0) - np.log(len(log_lik))))
        assert len(result.loo_i) == 60
        assert result.elpd_loo < lpd
    assert gaussian.elpd_loo != pytest.approx(poisson.elpd_loo)


def test_bayes_r2_has_one_row_per_response(mv_fit):
    """brms's rows R2y and R2count; resp= gives one of them, the same draws."""
    table = mv_fit.bayes_R2()
    assert list(table.index) == ["R2y", "R2count"]
    assert ((table["Estimate"] > 0) & (table["Estimate"] < 1)).all()
    one = mv_fit.bayes_R2(resp="count", summary=False)
    both = mv_fit.bayes_R2(summary=False)
    np.testing.assert_allclose(one["R2count"], both["R2count"])
    # the gaussian response depends on x with slope 1 (R2 near 1/2), the counts on nothing
    assert table.loc["R2y", "Estimate"] > table.loc["R2count", "Estimate"]


def test_pp_check_needs_resp(mv_fit):
    """As brms: a multivariate model's check names its response; one line per draw plus y."""
    with pytest.raises(SpecError, match="resp="):
        mv_fit.pp_check()
    figure = mv_fit.pp_check("dens_overlay", resp="y", rng=1)
    assert len(figure.axes[0].lines) == 11


def test_resp_of_unknown_response_is_refused(mv_fit):
    for call in (
        lambda: mv_fit.loo(resp="nope"),
        lambda: mv_fit.bayes_R2(resp="nope"),
        lambda: mv_fit.pp_check(resp="nope"),
    ):
        with pytest.raises(SpecError, match="nope"):
            call()


def test_hypothesis_reads_response_names(mv_fit):
    """brms's names with the response: b_y_x is "y_x"; the estimate is its posterior mean
    (the gaussian response has slope 1 on x)."""
    result = mv_fit.hypothesis("y_x > 0")
    draws = mv_fit.draws_frame()["b_y_x"]
    assert result.hypothesis["Estimate"].iloc[0] == pytest.approx(draws.mean())
    assert result.hypothesis["Post.Prob"].iloc[0] == pytest.approx((draws > 0).mean())


def test_conditional_effects_per_response(mv_fit):
    """brms's names <resp>.<resp>_<effect>: each response's own predictors (y ~ x,
    count ~ z); resp= keeps one response; each equals the univariate computation of that
    response's predictions on the same grid."""
    effects = mv_fit.conditional_effects()
    assert list(effects) == ["y.y_x", "count.count_z"]
    table = effects["y.y_x"]
    assert len(table) == 100 and table["x"].is_monotonic_increasing
    draws = mv_fit.posterior_epred(table, resp="y", re_formula="NA")
    np.testing.assert_allclose(table["estimate__"], np.median(draws, axis=0))
    only = mv_fit.conditional_effects("z", resp="count")
    assert list(only) == ["count.count_z"]
    np.testing.assert_allclose(
        only["count.count_z"]["estimate__"], effects["count.count_z"]["estimate__"]
    )
    with pytest.raises(SpecError, match="'w'"):
        mv_fit.conditional_effects("w")


def test_kfold_of_all_responses_and_of_one(mv_fit):
    """The folds refit the multivariate model; brms's log_lik of the held-out rows sums
    the responses' (resp= scores one). With the same seed the refits are the same, and
    a poisson log probability is at most 0, so every row's elpd of both responses lies
    below that of the gaussian one alone."""
    options = dict(K=2, seed=1, executor=None, chains=1, iter=300, show_progress=False)
    both = mv_fit.kfold(**options)
    gaussian = mv_fit.kfold(resp="y", **options)
    assert len(both.pointwise) == len(gaussian.pointwise) == 60
    assert np.isfinite(both.pointwise["elpd_kfold"]).all()
    assert (both.pointwise["elpd_kfold"] < gaussian.pointwise["elpd_kfold"]).all()


def test_kfold_of_subset_model_scores_each_response_on_its_rows(subset_fit):
    """The folds split all rows; kfold(resp=) scores the held-out rows of that response
    only, so its pointwise rows are the response's (those where cr is true for ys). Half
    the rows held out, the held-out fit is worse than the in-sample one. Without resp=
    refused, naming the responses, before any refit."""
    with pytest.raises(SpecError) as caught:
        subset_fit.kfold(K=2, executor=None)
    assert isinstance(caught.value, PybrmsError)
    assert "resp=" in str(caught.value) and "'ys', 'count'" in str(caught.value)
    data = synthetic_data()
    options = dict(K=2, seed=1, executor=None, chains=1, iter=300, show_progress=False)
    for resp, index in (("ys", data.index[data["cr"]]), ("count", data.index)):
        result = subset_fit.kfold(resp=resp, **options)
        np.testing.assert_array_equal(result.pointwise.index, index)
        assert np.isfinite(result.pointwise["elpd_kfold"]).all()
        assert set(result.folds) == {1, 2}
        assert result.pointwise["p_kfold"].sum() > 0


@pytest.fixture(scope="module")
def rescor_fit() -> bm.BrmsFit:
    return small_fit(_RESCOR)


def test_loo_r2_has_one_row_per_response(mv_fit):
    """brms's rows R2y and R2count, each from its response's own epred and log_lik: the
    first equals the univariate computation with the same generator; resp= gives one."""
    table = mv_fit.loo_R2(rng=1)
    assert list(table.index) == ["R2y", "R2count"]
    draws = mv_fit.loo_R2(rng=1, summary=False)
    log_lik = mv_fit.log_lik(resp="y").reshape(2, 200, -1)
    weights = np.exp(psis_log_weights(log_lik))
    ypred = mv_fit.posterior_epred(resp="y")
    y = synthetic_data()["y"].to_numpy()
    generator = np.random.default_rng(1)
    err = (weights * ypred).sum(axis=0) - y
    omega = generator.exponential(size=ypred.shape)
    omega /= omega.sum(axis=1, keepdims=True)

    def weighted_var(v: np.ndarray) -> np.ndarray:
        return 60 / 59 * (omega @ v**2 - (omega @ v) ** 2)

    np.testing.assert_allclose(draws["R2y"], 1 - weighted_var(err) / weighted_var(y))
    one = mv_fit.loo_R2(resp="y", rng=1, summary=False)
    assert list(one.columns) == ["R2y"]
    np.testing.assert_allclose(one["R2y"], draws["R2y"])
    # the gaussian response depends on x with slope 1, the counts on nothing
    assert table.loc["R2y", "Estimate"] > table.loc["R2count", "Estimate"]


def test_posterior_linpred_per_response(mv_fit):
    """(draws, rows, responses) as brms, resp= one of them; the poisson's inverse link
    (transform=True) gives posterior_epred; a parameter without a formula is refused."""
    linpred = mv_fit.posterior_linpred()
    assert linpred.shape == (400, 60, 2)
    count = mv_fit.posterior_linpred(resp="count")
    np.testing.assert_array_equal(count, linpred[..., 1])
    np.testing.assert_allclose(np.exp(count), mv_fit.posterior_epred(resp="count"), rtol=1e-12)
    np.testing.assert_allclose(
        mv_fit.posterior_linpred(resp="count", transform=True), np.exp(count), rtol=1e-12
    )
    np.testing.assert_allclose(linpred[..., 0], mv_fit.posterior_epred(resp="y"), rtol=1e-12)
    with pytest.raises(SpecError, match="'sigma'"):
        mv_fit.posterior_linpred(dpar="sigma")


def test_one_response_of_rescor_model_has_its_own_density(rescor_fit):
    """As brms's log_lik(fit, resp = "y"): with residual correlations, the response's
    marginal normal density; loo(resp=) and loo_R2() read it."""
    data = synthetic_data()
    mu = rescor_fit.posterior_epred(resp="y2")
    sigma = rescor_fit.draws_frame()["sigma_y2"].to_numpy()[:, np.newaxis]
    expected = stats.norm.logpdf(data["y2"].to_numpy(), mu, sigma)
    np.testing.assert_allclose(rescor_fit.log_lik(resp="y2"), expected, rtol=1e-10)
    assert len(rescor_fit.loo(resp="y2").loo_i) == 60
    assert list(rescor_fit.loo_R2(rng=1).index) == ["R2y", "R2y2"]
