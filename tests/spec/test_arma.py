"""ARMA autocorrelation terms ``ar()``, ``ma()`` and ``arma()`` (brms's cov = FALSE):
parsing, data order and lags, names, Stan code, and the numpy update of ``mu``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pybrms import threading
from pybrms.codegen import render
from pybrms.errors import FormulaSyntaxError, PybrmsError, SpecError
from pybrms.fit.newdata import response_data
from pybrms.fit.predict import (
    linear_predictors,
    log_lik,
    posterior_epred,
    posterior_predict,
)
from pybrms.formula import parse
from pybrms.formula.ac import ArmaCall
from pybrms.priors import prior
from pybrms.spec import build_spec
from pybrms.spec.terms import ArmaEffects
from pybrms.spec.terms.arma import lags
from pybrms.standata import make_standata


def series(n_per: int = 6, seed: int = 0) -> pd.DataFrame:
    """Two groups of ``n_per`` rows, shuffled, with time points 1..n_per in each."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "t": np.tile(np.arange(1, n_per + 1), 2),
            "g": np.repeat(["b", "a"], n_per),
            "x": rng.normal(size=2 * n_per),
            "y": rng.normal(size=2 * n_per),
        }
    )
    return df.sample(frac=1.0, random_state=1)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("y ~ x + ar()", ArmaCall(None, None, 1, 0)),
        ("y ~ x + ar(t, g, p = 2)", ArmaCall("t", "g", 2, 0)),
        ("y ~ x + ar(gr = g, time = t, 3)", ArmaCall("t", "g", 3, 0)),
        ("y ~ x + ma(q = 2)", ArmaCall(None, None, 0, 2)),
        ("y ~ arma(t, p = 1, q = 2)", ArmaCall("t", None, 1, 2)),
        ("y ~ arma(p = 0, q = 1)", ArmaCall(None, None, 0, 1)),
    ],
)
def test_parse_arma_terms(formula, expected):
    assert parse(formula).arma == expected


def test_data_are_ordered_by_group_then_time():
    df = series()
    spec = build_spec("y ~ x + ar(t, g)", df)
    assert spec.data["g"].tolist() == ["a"] * 6 + ["b"] * 6
    assert spec.data["t"].tolist() == [*range(1, 7)] * 2
    assert np.array_equal(spec.response.values, spec.data["y"].to_numpy())


@pytest.mark.parametrize(
    ("p", "q", "expected"),
    [
        (1, 0, [1, 1, 1, 0, 1, 1, 0]),
        (2, 0, [1, 2, 2, 0, 1, 2, 0]),
        (1, 3, [1, 2, 3, 0, 1, 2, 0]),
    ],
)
def test_lags_count_earlier_rows_of_the_same_series(p, q, expected):
    df = pd.DataFrame({"g": list("aaaabbb")})
    assert lags(ArmaCall(None, "g", p, q), df).tolist() == expected


def test_names_priors_and_standata():
    spec = build_spec("y ~ x + arma(t, g, p = 2, q = 1)", series())
    assert [n.name for n in spec.names] == [
        "b_Intercept",
        "b_x",
        "ar[1]",
        "ar[2]",
        "ma[1]",
        "sigma",
        "Intercept",
    ]
    section = {n.name: n.section.heading for n in spec.names if n.section is not None}
    assert section["ar[2]"] == section["ma[1]"] == "Correlation Structures"
    rows = {r.cls: r for r in spec.priors.rows}
    for cls in ("ar", "ma"):
        assert (rows[cls].prior, rows[cls].lb, rows[cls].ub) == (None, -1.0, 1.0)
    sd = make_standata(spec)
    assert (sd["Kar"], sd["Kma"]) == (2, 1)
    assert sd["J_lag"].tolist() == [1, 2, 2, 2, 2, 0] * 2


def test_stan_code_is_brms_residual_loop():
    code = render(build_spec("y ~ x + arma(t, g, p = 2, q = 1)", series(), "student"))
    assert "vector<lower=-1, upper=1>[Kar] ar;" in code
    assert "vector<lower=-1, upper=1>[Kma] ma;" in code
    assert "int max_lag = max(Kar, Kma);" in code
    loop = (
        "    for (n in 1:N) {\n"
        "      mu[n] += Err[n, 1:Kma] * ma;\n"
        "      err[n] = Y[n] - mu[n];\n"
        "      for (i in 1:J_lag[n]) {\n"
        "        Err[n + 1, i] = err[n + 1 - i];\n"
        "      }\n"
        "      mu[n] += Err[n, 1:Kar] * ar;\n"
        "    }\n"
        "    target += student_t_lpdf(Y | nu, mu, sigma);\n"
    )
    assert loop in code
    assert "_glm_" not in render(build_spec("y ~ x + ar()", series()))


def test_threading_is_refused_naming_the_term():
    spec = build_spec("y ~ x + ar(t, g, p = 2)", series())
    with pytest.raises(SpecError, match=r"Threading is not supported .* ar\(t, g, p = 2\)"):
        render(spec, threading(2))


def _ar_oracle(eta0: np.ndarray, y: np.ndarray, group: np.ndarray, ar: np.ndarray) -> np.ndarray:
    """An AR(p) of the residuals written directly: mu[n] = eta0[n] plus ar[k] times the
    residual y - eta0 of the row k places earlier in the same series."""
    out = eta0.copy()
    for n in range(eta0.shape[1]):
        for k in range(1, ar.shape[1] + 1):
            if n - k >= 0 and group[n - k] == group[n]:
                out[:, n] += ar[:, k - 1] * (y[n - k] - eta0[:, n - k])
    return out


def test_linear_predictor_adds_ar_of_earlier_residuals():
    spec = build_spec("y ~ x + ar(t, g, p = 2)", series())
    rng = np.random.default_rng(3)
    variables = {
        "b_Intercept": rng.normal(size=(1, 4)),
        "b": rng.normal(size=(1, 4, 1)),
        "ar": rng.uniform(-1, 1, size=(1, 4, 2)),
    }
    mu = linear_predictors(spec, variables)["mu"]
    x = spec.data["x"].to_numpy()
    eta0 = variables["b_Intercept"][0][:, None] + variables["b"][0] @ x[None, :]
    group = spec.data["g"].to_numpy()
    expected = _ar_oracle(eta0, spec.response.values, group, variables["ar"][0])
    np.testing.assert_allclose(mu, spec.in_input_order(expected), rtol=1e-12)


def _ar_draws(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "b_Intercept": rng.normal(size=(1, 4)),
        "b": rng.normal(size=(1, 4, 1)),
        "ar": rng.uniform(-1, 1, size=(1, 4, 2)),
        "sigma": rng.uniform(0.5, 2, size=(1, 4)),
    }


def test_fitted_rows_come_back_in_the_users_order():
    # brms orders the Stan data by gr, then time, and its log_lik, posterior_epred and
    # posterior_predict return the rows in the input order again (old_order)
    data = series()
    spec = build_spec("y ~ x + ar(t, g, p = 2)", data)
    assert spec.data.index.tolist() != data.index.tolist()
    assert spec.input_data.index.tolist() == data.index.tolist()
    assert response_data(spec).values.tolist() == data["y"].tolist()
    variables = _ar_draws(4)
    # new rows are read in time order and returned in their own: the user's rows as
    # new data are the fitted rows
    for fitted, again in [
        (linear_predictors(spec, variables)["mu"], linear_predictors(spec, variables, data)["mu"]),
        (log_lik(spec, variables), log_lik(spec, variables, data)),
        (posterior_epred(spec, variables), posterior_epred(spec, variables, data)),
    ]:
        np.testing.assert_allclose(fitted, again, rtol=1e-12)
    # one draw's log density of row n is that of the user's row n
    mu = linear_predictors(spec, variables)["mu"]
    expected = stats.norm.logpdf(data["y"].to_numpy(), mu, variables["sigma"][0][:, None])
    np.testing.assert_allclose(log_lik(spec, variables), expected, rtol=1e-12)
    predicted = posterior_predict(spec, {**variables, "sigma": np.full((1, 4), 1e-12)}, rng=1)
    np.testing.assert_allclose(predicted, mu, atol=1e-9)


def test_new_rows_are_read_in_time_order_and_returned_in_their_own():
    spec = build_spec("y ~ x + ar(t, g)", series())
    new = pd.DataFrame(
        {"t": [3, 1, 2, 1], "g": ["c", "c", "c", "d"], "x": [0.0] * 4, "y": [0.0, 1.0, 2.0, 4.0]}
    )
    variables = {
        "b_Intercept": np.zeros((1, 1)),
        "b": np.zeros((1, 1, 1)),
        "ar": np.full((1, 1, 1), 0.5),
    }
    mu = linear_predictors(spec, variables, new)["mu"]
    # series c in time order: y 1, 2, 0; mu 0, 0.5 * 1, 0.5 * 2; series d: one row
    np.testing.assert_allclose(mu, [[1.0, 0.0, 0.5, 0.0]])


def test_new_rows_without_response_leave_the_autocorrelation_out():
    spec = build_spec("y ~ x + ar(t, g)", series())
    new = pd.DataFrame({"t": [1, 2], "g": ["c", "c"], "x": [1.0, 2.0]})
    variables = {
        "b_Intercept": np.zeros((1, 1)),
        "b": np.ones((1, 1, 1)),
        "ar": np.full((1, 1, 1), 0.5),
    }
    np.testing.assert_allclose(linear_predictors(spec, variables, new)["mu"], [[1.0, 2.0]])


BAD_NEWDATA = {
    "duplicated_time": (
        pd.DataFrame({"t": [1, 1], "g": ["a", "a"], "x": [0.0, 0.0], "y": [1.0, 2.0]}),
        ("ar(t, g)", "must be unique", "row 0", "row 1"),
    ),
}


@pytest.mark.parametrize("case", BAD_NEWDATA.values(), ids=BAD_NEWDATA.keys())
def test_bad_new_rows(case):
    newdata, culprits = case
    spec = build_spec("y ~ x + ar(t, g)", series())
    variables = {
        "b_Intercept": np.zeros((1, 1)),
        "b": np.zeros((1, 1, 1)),
        "ar": np.zeros((1, 1, 1)),
    }
    with pytest.raises(SpecError) as caught:
        linear_predictors(spec, variables, newdata)
    assert isinstance(caught.value, PybrmsError)
    for culprit in culprits:
        assert culprit in str(caught.value)


BAD_FORMULAS = {
    "p_negative": ("y ~ ar(p = -1)", FormulaSyntaxError, ("'p' of ar()", "non-negative integer")),
    "p_fraction": ("y ~ ar(p = 1.5)", FormulaSyntaxError, ("'p' of ar()", "'1.5'")),
    "p_and_q_zero": ("y ~ arma(p = 0, q = 0)", FormulaSyntaxError, ("greater zero",)),
    "unknown_argument": ("y ~ ar(lag = 2)", FormulaSyntaxError, ("no argument 'lag'",)),
    "two_terms": ("y ~ ar() + ma()", FormulaSyntaxError, ("more than one time-series term",)),
    "in_group_term": ("y ~ (ar() | g)", FormulaSyntaxError, ("ar()",)),
}


@pytest.mark.parametrize("case", BAD_FORMULAS.values(), ids=BAD_FORMULAS.keys())
def test_bad_formulas(case):
    formula, error, culprits = case
    with pytest.raises(error) as caught:
        parse(formula)
    assert isinstance(caught.value, PybrmsError)
    for culprit in culprits:
        assert culprit in str(caught.value)


def test_term_is_an_arma_effects():
    spec = build_spec("y ~ x + ar(t, g)", series())
    assert isinstance(spec.predictors[0].terms[-1], ArmaEffects)


def test_user_prior_on_ar_is_truncated_at_its_bounds():
    spec = build_spec("y ~ x + ar(t, g)", series(), prior=prior("normal(0.5, 0.3)", class_="ar"))
    code = render(spec)
    assert "lprior += normal_lpdf(ar | ar_prior_mu, ar_prior_sigma)\n" in code
    assert "log_diff_exp(normal_lcdf(1 | ar_prior_mu" in code
