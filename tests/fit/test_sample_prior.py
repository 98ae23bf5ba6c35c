"""brm(sample_prior=...): prior draws ("yes"), the priors alone ("only"), Savage-Dickey ratios."""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import pybrms as bm
from pybrms.errors import PybrmsError, SpecError

PRIORS = (
    bm.prior("normal(1, 2)", class_="b", lb=-1)
    + bm.prior("normal(0, 3)", class_="Intercept")
    + bm.prior("normal(0, 1)", class_="sd")
    + bm.prior("normal(0, 1)", class_="sigma")
)
HALF_NORMAL = stats.halfnorm(scale=1)
#: The priors of PRIORS, as distributions (b truncated at its lower bound -1).
TRUTH = {
    "b": stats.truncnorm(a=(-1 - 1) / 2, b=np.inf, loc=1, scale=2),
    "Intercept": stats.norm(0, 3),
    "sd": HALF_NORMAL,
    "sigma": HALF_NORMAL,
}


def grouped_data() -> pd.DataFrame:
    rng = np.random.default_rng(12)
    g = np.repeat(list("abcdef"), 5)
    x = rng.normal(size=len(g))
    return pd.DataFrame({"x": x, "g": g, "y": 2 + x + rng.normal(size=len(g))})


def point_prior() -> bm.priors.Priors:
    return bm.prior(f"normal(0, {TAU})", class_="b") + bm.prior("constant(1)", class_="sigma")


def stan_programs() -> list[str]:
    """The fits' programs (compiled at the session's start, tests/conftest.py)."""
    data = grouped_data()
    return [
        bm.stancode("y ~ x + (1 | g)", data, prior=PRIORS, sample_prior="yes"),
        bm.stancode("y ~ x + (1 | g)", data, prior=PRIORS, sample_prior="only"),
        bm.stancode("y ~ 0 + x", data, prior=point_prior(), sample_prior="yes"),
    ]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return grouped_data()


def _fit(data: pd.DataFrame, sample_prior: str) -> bm.BrmsFit:
    return bm.brm(
        "y ~ x + (1 | g)",
        data,
        prior=PRIORS,
        sample_prior=sample_prior,
        chains=2,
        iter=2000,
        seed=21,
        show_progress=False,
        control={"adapt_delta": 0.95},
    )


@pytest.fixture(scope="module")
def only_fit(data) -> bm.BrmsFit:
    return _fit(data, "only")


@pytest.fixture(scope="module")
def yes_fit(data) -> bm.BrmsFit:
    return _fit(data, "yes")


def test_only_and_no_are_one_program_switched_by_data(data):
    only = bm.stancode("y ~ x + (1 | g)", data, prior=PRIORS, sample_prior="only")
    assert only == bm.stancode("y ~ x + (1 | g)", data, prior=PRIORS)
    assert "prior_b" not in only
    assert bm.standata("y ~ x + (1 | g)", data, prior=PRIORS, sample_prior="only")["prior_only"]
    assert not bm.standata("y ~ x + (1 | g)", data, prior=PRIORS)["prior_only"]


def test_yes_draws_each_prior_statement_truncated_at_its_bounds(data):
    code = bm.stancode("y ~ x + (1 | g)", data, prior=PRIORS, sample_prior="yes")
    gq = code.split("generated quantities")[1]
    assert "real prior_b = normal_rng(b_prior_mu, b_prior_sigma);" in gq
    assert "while (prior_b < lb_b)" in gq  # the bound is data, as in the parameters block
    assert "while (prior_sd_1 < 0)" in gq and "while (prior_sigma < 0)" in gq
    assert "prior_Intercept <" not in gq  # unbounded: no rejection loop


@pytest.mark.stan
@pytest.mark.parametrize(
    ("column", "truth"),
    [("b_x", "b"), ("Intercept", "Intercept"), ("sd_g__Intercept", "sd"), ("sigma", "sigma")],
)
def test_sampling_the_priors_only_recovers_them(only_fit, column, truth):
    draws = only_fit.draws_frame(column)
    values = np.stack([d[column].to_numpy() for _, d in draws.groupby(".chain")])
    dist = TRUTH[truth]
    mcse_mean = np.asarray(az.mcse(values, method="mean")).item()
    mcse_sd = np.asarray(az.mcse(values, method="sd")).item()
    assert abs(values.mean() - dist.mean()) < 5 * mcse_mean
    assert abs(values.std(ddof=1) - dist.std()) < 5 * mcse_sd


@pytest.mark.stan
@pytest.mark.parametrize(
    ("column", "truth"),
    [
        ("prior_b", "b"),
        ("prior_Intercept", "Intercept"),
        ("prior_sd_g", "sd"),
        ("prior_sigma", "sigma"),
    ],
)
def test_prior_draws_follow_the_priors(yes_fit, column, truth):
    values = yes_fit.draws_frame(column)[column].to_numpy()
    n = len(values)
    # Draws in generated quantities are independent; by the Dvoretzky-Kiefer-Wolfowitz
    # inequality the KS distance exceeds sqrt(log(2 / 1e-6) / (2 n)) with probability < 1e-6.
    assert stats.kstest(values, TRUTH[truth].cdf).statistic < np.sqrt(np.log(2e6) / (2 * n))
    assert abs(values.mean() - TRUTH[truth].mean()) < 5 * TRUTH[truth].std() / np.sqrt(n)


@pytest.mark.stan
def test_prior_draws_are_listed_but_not_summarized(yes_fit):
    names = [p.name for p in yes_fit.spec.names if p.cls == "prior"]
    assert names == ["prior_b", "prior_Intercept", "prior_sigma", "prior_sd_g"]
    assert set(names) <= set(yes_fit.draws_frame().columns)
    summary = str(yes_fit.summary())
    assert "prior_" not in summary
    # the likelihood is on: the slope moves away from its prior towards the data's 1
    assert abs(yes_fit.fixef().loc["x", "Estimate"] - 1) < 0.5


# ---------------------------------------------------------------- Savage-Dickey

TAU = 1.0  # prior sd of the slope; sigma is fixed at 1, so the posterior is normal


@pytest.fixture(scope="module")
def point_data() -> tuple[pd.DataFrame, float, float]:
    """y = b x + N(0, 1) rows whose posterior of b is N(m, v) with 0 one posterior sd
    below m, where kernel density estimates of a normal have no smoothing bias."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=20)
    e = rng.normal(size=20)
    v = 1 / (x @ x + 1 / TAU**2)
    m = np.sqrt(v)
    c = (m / v - x @ e) / (x @ x)  # y = e + c x puts the posterior mean at m
    return pd.DataFrame({"x": x, "y": e + c * x}), m, v


@pytest.fixture(scope="module")
def point_fit(point_data) -> bm.BrmsFit:
    df, _, _ = point_data
    return bm.brm(
        "y ~ 0 + x",
        df,
        prior=point_prior(),
        sample_prior="yes",
        chains=2,
        iter=3000,
        seed=8,
        show_progress=False,
    )


@pytest.mark.stan
def test_point_hypothesis_gets_the_savage_dickey_bayes_factor(point_fit, point_data):
    _, m, v = point_data
    result = point_fit.hypothesis("x = 0", seed=1)
    ratio = result.hypothesis.loc[1, "Evid.Ratio"]
    exact = stats.norm(m, np.sqrt(v)).pdf(0) / stats.norm(0, TAU).pdf(0)
    posterior = point_fit.draws_frame("b_x")
    chains = np.stack([d["b_x"].to_numpy() for _, d in posterior.groupby(".chain")])
    prior = point_fit.draws_frame("prior_b")["prior_b"].to_numpy()

    # A Gaussian KDE with bandwidth h of n draws of N(mu, s^2) has mean N(x; mu, s^2 + h^2)
    # at x and variance f(x) R(K) / (n h), R(K) = 1 / (2 sqrt(pi)); correlated posterior
    # draws count by their effective number.
    def expected_and_relative_se(values, mu, s, n_eff):
        h = values.std(ddof=1) * len(values) ** -0.2  # Scott's rule in one dimension
        mean = stats.norm(mu, np.sqrt(s**2 + h**2)).pdf(0)
        return mean, np.sqrt(mean / (2 * np.sqrt(np.pi) * n_eff * h)) / mean

    post, se_post = expected_and_relative_se(chains.ravel(), m, np.sqrt(v), float(az.ess(chains)))
    pri, se_prior = expected_and_relative_se(prior, 0, TAU, len(prior))
    smoothing = abs(np.log(post / pri) - np.log(exact))
    assert abs(np.log(ratio) - np.log(exact)) < 5 * np.hypot(se_post, se_prior) + smoothing
    np.testing.assert_allclose(result.hypothesis.loc[1, "Post.Prob"], ratio / (1 + ratio))
    assert result.prior_samples is not None and "H1" in result.prior_samples


@pytest.mark.stan
def test_point_hypothesis_without_prior_draws_is_na(only_fit):
    # only_fit has sample_prior="only": its draws are the priors, but there are no prior_ draws
    result = only_fit.hypothesis("x = 0")
    assert np.isnan(result.hypothesis.loc[1, "Evid.Ratio"]) and result.prior_samples is None


@pytest.mark.stan
def test_intercept_of_centered_predictors_has_no_prior_draws(yes_fit):
    with pytest.warns(UserWarning, match="overall intercept"):
        result = yes_fit.hypothesis("Intercept = 0")
    assert np.isnan(result.hypothesis.loc[1, "Evid.Ratio"])
    sd = yes_fit.hypothesis("sd_g__Intercept = 0", class_=None, seed=2)  # takes prior_sd_g
    assert np.isfinite(sd.hypothesis.loc[1, "Evid.Ratio"])


# ---------------------------------------------------------------- bad inputs

BAD = [
    ("flat b", "y ~ x", None, "class 'b', coefficient(s) 'x'"),
    ("flat coefficient", "y ~ x + z", bm.prior("normal(0, 1)", class_="b", coef="x"), "'z'"),
    (
        "flat sd",
        "y ~ x + (1 | g)",
        bm.prior("normal(0, 1)", class_="b") + bm.prior("", class_="sd"),
        "class 'sd' (group 'g')",
    ),
    ("flat Intercept", "y ~ 1", bm.prior("", class_="Intercept"), "class 'Intercept'"),
]


@pytest.mark.parametrize(("name", "formula", "prior", "culprit"), BAD, ids=[b[0] for b in BAD])
def test_only_refuses_improper_priors_before_compiling(
    no_compile, data, name, formula, prior, culprit
):
    frame = data.assign(z=data.x**2)
    with pytest.raises(SpecError) as info:
        bm.brm(formula, frame, prior=prior, sample_prior="only", show_progress=False)
    assert isinstance(info.value, PybrmsError)
    assert "improper flat prior" in str(info.value) and culprit in str(info.value)


@pytest.mark.parametrize("value", ["maybe", 1, None])
def test_sample_prior_takes_brms_values(no_compile, data, value):
    with pytest.raises(SpecError, match="sample_prior must be one of"):
        bm.brm("y ~ x", data, sample_prior=value, show_progress=False)
