"""Multivariate models: names, priors and bad inputs of the spec; plain and threaded
programs; simulate-and-recover fits with and without residual correlations, and
their log-likelihood against scipy's densities."""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import pybrms as bm
from pybrms.backends import compile_model
from pybrms.codegen import render
from pybrms.errors import PybrmsError, SpecError
from pybrms.fit.draw_ids import select_draws
from pybrms.formula import bf, mvbf, set_rescor
from pybrms.spec import build_model
from pybrms.standata import make_standata

N = 300
RHO = 0.5


def correlated(seed: int = 3) -> pd.DataFrame:
    """Two gaussian responses with residual correlation RHO, and a poisson count."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=N)
    e = rng.multivariate_normal([0, 0], [[1.0, RHO * 0.5], [RHO * 0.5, 0.25]], size=N)
    return pd.DataFrame(
        {
            "x": x,
            "y1": 1.0 + 0.5 * x + e[:, 0],
            "y2": -0.5 + 1.0 * x + e[:, 1],
            "c": rng.poisson(np.exp(0.3 + 0.4 * x)),
            "g": rng.choice(["a", "b", "c", "d"], size=N),
            "s": rng.choice(["u", "v"], size=N),
        }
    )


MV_RESCOR = mvbf("mvbind(y1, y2) ~ x")
MV_MIXED = bf("y1 ~ x") + bf("c ~ x + (1 | g)") + set_rescor(False)
MIXED_FAMILIES = ["gaussian", "poisson"]


def test_names_follow_brms():
    spec = build_model(mvbf("mvbind(y1, y2) ~ x + (1 | p | g)"), correlated())
    names = [n.name for n in spec.names]
    for expected in (
        "b_y1_Intercept",
        "b_y2_x",
        "sd_g__y2_Intercept",
        "cor_g__y1_Intercept__y2_Intercept",
        "sigma_y1",
        "rescor__y1__y2",
        "r_g__y2[a,Intercept]",
    ):
        assert expected in names
    labels = {n.label for n in spec.names if n.section is not None}
    assert {"y1_Intercept", "y2_x", "sigma_y2", "rescor(y1,y2)"} <= labels


def test_default_priors_have_resp_and_rescor():
    table = bm.get_prior(MV_RESCOR, correlated())
    rescor = table[table["class"] == "rescor"]
    assert rescor["prior"].tolist() == ["lkj_corr_cholesky(1)"]
    intercepts = table[table["class"] == "Intercept"]
    assert intercepts["resp"].tolist() == ["y1", "y2"]
    # each response's intercept prior is centered on its own median, as brms
    df = correlated()
    for resp, prior in zip(intercepts["resp"], intercepts["prior"], strict=True):
        assert f"{np.median(df[resp]):.1f}" in prior


def test_prior_with_resp_applies_to_that_response_only():
    prior = bm.prior("normal(0, 1)", class_="b", resp="y2")
    table = build_model(MV_RESCOR, correlated(), prior=prior).priors.to_frame()
    user = table[table["source"] == "user"]
    assert user[["class", "resp"]].values.tolist() == [["b", "y2"]]


def test_mixed_families_without_rescor():
    spec = build_model(MV_MIXED, correlated(), family=MIXED_FAMILIES)
    assert not spec.rescor
    names = [n.name for n in spec.names]
    assert "b_c_x" in names and "rescor__y1__c" not in names


BAD = [
    pytest.param(
        MV_MIXED.with_rescor(True), MIXED_FAMILIES, None, "rescor", id="rescor-with-poisson"
    ),
    pytest.param(
        MV_RESCOR, "gaussian", bm.prior("normal(0, 1)", resp="y3"), "y3", id="unknown-resp"
    ),
    pytest.param(mvbf("mvbind(y1, s) ~ x"), "gaussian", None, "'s'", id="non-numeric-response"),
    pytest.param(MV_RESCOR, ["gaussian"], None, "one per response", id="family-list-length"),
    pytest.param(mvbf("y1 | weights(x) ~ 1", "y2 ~ 1"), "gaussian", None, "weights", id="addition"),
]


@pytest.mark.parametrize(("formula", "family", "prior", "culprit"), BAD)
def test_bad_inputs_raise_before_compiling(formula, family, prior, culprit, no_compile):
    with pytest.raises(SpecError) as caught:
        bm.brm(formula, correlated(), family=family, prior=prior, chains=1, iter=10)
    assert isinstance(caught.value, PybrmsError)
    assert culprit in str(caught.value)


@pytest.mark.stan
@pytest.mark.parametrize(
    ("formula", "family"),
    [(MV_RESCOR, "gaussian"), (MV_MIXED, MIXED_FAMILIES)],
    ids=["rescor", "mixed"],
)
def test_plain_and_threaded_log_density_agree(formula, family):
    spec = build_model(formula, correlated(), family)
    plain = compile_model(render(spec), show_progress=False)
    threaded = compile_model(render(spec, bm.threading(2)), show_progress=False)
    data = make_standata(spec)
    dim = plain.num_unconstrained(data)
    points = np.random.default_rng(7).normal(scale=0.5, size=(3, dim))
    expected = plain.log_prob(data, points)
    assert np.isfinite(expected.lp).all()
    for setting in (bm.threading(2, grainsize=7), bm.threading(2, grainsize=1000, static=True)):
        got = threaded.log_prob(make_standata(spec, setting), points)
        np.testing.assert_allclose(got.lp, expected.lp, rtol=1e-8)
        np.testing.assert_allclose(got.grad, expected.grad, rtol=1e-8, atol=1e-8)


def _z(fit, name: str, truth: float, transform=lambda v: v) -> float:
    """|mean - truth| over sqrt(sd^2 + mcse^2), on a scale where the posterior is near normal."""
    values = transform(fit.draws.column(next(p.column for p in fit.spec.names if p.name == name)))
    chains = values.reshape(fit.draws.num_chains, -1)
    mcse = np.asarray(az.mcse(chains, method="mean")).item()
    return abs(values.mean() - transform(truth)) / np.hypot(values.std(ddof=1), mcse)


@pytest.fixture(scope="module")
def rescor_fit():
    return bm.brm(MV_RESCOR, correlated(), chains=2, iter=1000, seed=11, show_progress=False)


@pytest.mark.stan
def test_rescor_model_recovers_the_truth(rescor_fit):
    truth = {
        "b_y1_Intercept": 1.0,
        "b_y1_x": 0.5,
        "b_y2_Intercept": -0.5,
        "b_y2_x": 1.0,
    }
    for name, value in truth.items():
        assert _z(rescor_fit, name, value) < 5, name
    assert _z(rescor_fit, "sigma_y1", 1.0, np.log) < 5
    assert _z(rescor_fit, "sigma_y2", 0.5, np.log) < 5
    assert _z(rescor_fit, "rescor__y1__y2", RHO, np.arctanh) < 5
    summary = str(rescor_fit.summary())
    assert "Residual Correlations" in summary and "rescor(y1,y2)" in summary
    assert "MV(gaussian, gaussian)" in summary


@pytest.mark.stan
def test_rescor_log_lik_is_the_joint_normal_density(rescor_fit):
    got = rescor_fit.log_lik(ndraws=5, rng=1)
    v = rescor_fit._variables
    ids = np.random.default_rng(1)  # the same draws: select again with the same seed
    mu = rescor_fit.posterior_epred(ndraws=5, rng=1)
    sub = select_draws(v, ndraws=5, rng=ids)
    df = correlated()
    y = df[["y1", "y2"]].to_numpy()
    for s in range(5):
        s1, s2 = sub["sigma_y1"].ravel()[s], sub["sigma_y2"].ravel()[s]
        r = sub["rescor"].reshape(-1)[s]
        cov = [[s1**2, r * s1 * s2], [r * s1 * s2, s2**2]]
        expected = [stats.multivariate_normal.logpdf(y[n], mu[s, n], cov) for n in range(N)]
        np.testing.assert_allclose(got[s], expected, rtol=1e-8)
    assert rescor_fit.posterior_predict(ndraws=5).shape == (5, N, 2)
    assert rescor_fit.posterior_epred(resp="y2").shape[1:] == (N,)
    fitted = rescor_fit.fitted()
    assert fitted.shape[0] == N


@pytest.mark.stan
def test_gaussian_poisson_without_rescor_recovers_the_truth():
    fit = bm.brm(
        MV_MIXED, correlated(), family=MIXED_FAMILIES, chains=2, iter=1000, seed=5,
        show_progress=False,
    )  # fmt: skip
    assert _z(fit, "b_y1_x", 0.5) < 5
    assert _z(fit, "b_c_x", 0.4) < 5
    assert _z(fit, "sigma_y1", 1.0, np.log) < 5
    per_response = fit.log_lik(resp="c", ndraws=4, rng=2)
    eta = fit.posterior_epred(resp="c", ndraws=4, rng=2)
    expected = stats.poisson.logpmf(correlated()["c"].to_numpy(), eta)
    np.testing.assert_allclose(per_response, expected, rtol=1e-8)
    total = fit.log_lik(ndraws=4, rng=2)
    assert total.shape == per_response.shape
    assert np.all(total < per_response)  # the gaussian response's log density is added
