"""Time-series covariance structures, ``cosy()`` and ARMA terms with ``cov = TRUE``:
parsing, brms's Stan data and code, the correlation matrices, and the numpy
log-likelihood and predictions of correlated series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pybrms import bf, threading
from pybrms.codegen import render
from pybrms.errors import SpecError
from pybrms.fit.predict import log_lik, posterior_predict
from pybrms.formula import parse
from pybrms.formula.ac import ArmaCall
from pybrms.spec import build_spec
from pybrms.spec.terms import TimeCovariance
from pybrms.spec.terms.time_cov import correlation_matrices
from pybrms.standata import make_standata


def series(seed: int = 0) -> pd.DataFrame:
    """Series b (4 times) and a (3 times), shuffled."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "t": [1, 2, 3, 4, 1, 2, 3],
            "g": ["b"] * 4 + ["a"] * 3,
            "x": rng.normal(size=7),
            "y": rng.normal(size=7),
        }
    )
    return df.sample(frac=1.0, random_state=1)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("y ~ x + cosy(t, g)", ArmaCall("t", "g", 0, 0, cov=True, kind="cosy")),
        ("y ~ x + cosy(gr = g)", ArmaCall(None, "g", 0, 0, cov=True, kind="cosy")),
        ("y ~ x + cosy()", ArmaCall(None, None, 0, 0, cov=True, kind="cosy")),
        ("y ~ x + ar(t, g, cov = TRUE)", ArmaCall("t", "g", 1, 0, cov=True)),
        ("y ~ arma(t, g, cov = TRUE)", ArmaCall("t", "g", 1, 1, cov=True)),
    ],
)
def test_parse_time_covariance_terms(formula, expected):
    assert parse(formula).arma == expected


def test_standata_are_brms_series():
    """Rows ordered by g, then t; brms's N_tg, begin_tg, end_tg and nobs_tg."""
    spec = build_spec("y ~ x + cosy(t, g)", series())
    data = make_standata(spec)
    assert (data["N_tg"], data["begin_tg"].tolist(), data["end_tg"].tolist()) == (2, [1, 4], [3, 7])
    assert data["nobs_tg"].tolist() == [3, 4]
    df = series()
    expected = df.sort_values(["g", "t"])["y"].to_numpy()
    np.testing.assert_array_equal(data["Y"], expected)
    arma = make_standata(build_spec("y ~ x + arma(t, g, cov = TRUE)", df))
    assert (arma["Kar"], arma["Kma"]) == (1, 1)
    assert isinstance(spec.predictors[0].terms[-1], TimeCovariance)


@pytest.mark.parametrize(
    ("formula", "family", "lines"),
    [
        (
            "y ~ x + cosy(t, g)",
            "gaussian",
            (
                "real<lower=0, upper=1> cosy;  // compound symmetry correlation",
                "matrix[max_nobs_tg, max_nobs_tg] chol_cor = cholesky_cor_cosy(cosy, max_nobs_tg);",
                "target += normal_time_hom_lpdf(Y | mu, sigma, chol_cor, se2, nobs_tg, "
                "begin_tg, end_tg);",
                "vector[N] se2 = rep_vector(0.0, N);",
            ),
        ),
        (
            "y ~ x + ar(t, g, cov = TRUE)",
            "student",
            (
                "vector<lower=-1, upper=1>[Kar] ar;  // autoregressive coefficients",
                "chol_cor = cholesky_cor_ar1(ar[1], max_nobs_tg);",
                "target += student_t_time_hom_lpdf(Y | nu, mu, sigma, chol_cor, se2, nobs_tg, "
                "begin_tg, end_tg);",
            ),
        ),
        (
            bf("y ~ x + ma(t, g, cov = TRUE)", sigma="~ x"),
            "gaussian",
            (
                "chol_cor = cholesky_cor_ma1(ma[1], max_nobs_tg);",
                "target += normal_time_het_lpdf(Y | mu, sigma, chol_cor",
            ),
        ),
    ],
)
def test_stan_code_is_brms(formula, family, lines):
    code = " ".join(render(build_spec(formula, series(), family)).split())
    for line in lines:
        assert " ".join(line.split()) in code, f"{line!r} not in:\n{code}"


def test_threaded_program_slices_the_series():
    """reduce_sum over nobs_tg: each partial sum holds whole series, their rows
    begin_tg[start]:end_tg[end], with begin and end among those rows."""
    code = " ".join(render(build_spec("y ~ x + cosy(t, g)", series()), threading(2)).split())
    for line in (
        "real partial_log_lik_lpmf(data array[] int nobs_tg, int start, int end,",
        "int row_start = begin_tg[start]; int row_end = end_tg[end];",
        "begin_rows[i] = begin_tg[start + i - 1] - row_start + 1;",
        "ptarget += normal_time_hom_lpdf(Y[row_start:row_end] | mu, sigma, chol_cor, "
        "se2[row_start:row_end], nobs_tg, begin_rows, end_rows);",
        "target += reduce_sum(partial_log_lik_lpmf, nobs_tg, grainsize_series,",
    ):
        assert line in code, f"{line!r} not in:\n{code}"


def _arma_autocovariance(ar: float, ma: float, n: int) -> np.ndarray:
    """The autocovariance of an ARMA(1, 1) process of unit innovations from its MA(inf)
    weights psi_0 = 1, psi_j = (ar + ma) ar^(j - 1)."""
    psi = np.r_[1.0, (ar + ma) * ar ** np.arange(2000)]
    gamma = [np.sum(psi[: len(psi) - k] * psi[k:]) for k in range(n)]
    lag = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    return np.asarray(gamma)[lag]


@pytest.mark.parametrize(
    ("p", "q", "ar", "ma"), [(1, 0, 0.6, 0.0), (0, 1, 0.0, -0.4), (1, 1, -0.5, 0.3)]
)
def test_correlation_matrices_are_the_arma_autocovariance(p, q, ar, ma):
    call = ArmaCall(None, None, p, q, cov=True)
    variables = {"ar": np.full((1, 1, 1), ar), "ma": np.full((1, 1, 1), ma)}
    got = correlation_matrices(call, variables, 5)[0]
    np.testing.assert_allclose(got, _arma_autocovariance(ar, ma, 5), rtol=1e-10)


def _variables(formula: str, S: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(4)
    out = {
        "b_Intercept": rng.normal(size=(1, S)),
        "b": rng.normal(size=(1, S, 1)),
        "sigma": rng.uniform(0.5, 1.5, size=(1, S)),
        "nu": rng.uniform(3.0, 8.0, size=(1, S)),
    }
    if "cosy" in formula:
        out["cosy"] = rng.uniform(0.2, 0.8, size=(1, S))
    else:
        out["ar"] = rng.uniform(-0.8, 0.8, size=(1, S, 1))
    return out


@pytest.mark.parametrize("family", ["gaussian", "student"])
@pytest.mark.parametrize("formula", ["y ~ x + cosy(t, g)", "y ~ x + ar(t, g, cov = TRUE)"])
def test_log_lik_is_the_density_of_each_row_given_the_others(formula, family):
    """brms's pointwise log_lik: row i given the other rows of its series, computed here
    by partitioning the covariance (conditional normal; for the t, df + n - 1 and the
    scale widened by (nu + e'C^-1e of the others) / (nu + n - 1))."""
    df = series()
    spec = build_spec(formula, df, family)
    variables = _variables(formula, S=3)
    got = log_lik(spec, variables)
    x, y = df["x"].to_numpy(), df["y"].to_numpy()
    call = spec.predictors[0].terms[-1].call
    for s in range(3):
        one = {k: v[:, s : s + 1] for k, v in variables.items()}
        mu = one["b_Intercept"].item() + one["b"].item() * x
        for g in ("a", "b"):
            rows = np.flatnonzero(df["g"].to_numpy() == g)
            rows = rows[np.argsort(df["t"].to_numpy()[rows])]
            cov = one["sigma"].item() ** 2 * correlation_matrices(call, one, len(rows))[0]
            e = y[rows] - mu[rows]
            for k, row in enumerate(rows):
                rest = np.delete(np.arange(len(rows)), k)
                weights = np.linalg.solve(cov[np.ix_(rest, rest)], cov[rest, k])
                mean = mu[row] + weights @ e[rest]
                var = cov[k, k] - weights @ cov[rest, k]
                if family == "gaussian":
                    expected = stats.norm.logpdf(y[row], mean, np.sqrt(var))
                else:
                    nu = one["nu"].item()
                    quad = e[rest] @ np.linalg.solve(cov[np.ix_(rest, rest)], e[rest])
                    scale = np.sqrt(var * (nu + quad) / (nu + len(rest)))
                    expected = stats.t.logpdf(y[row], nu + len(rest), mean, scale)
                np.testing.assert_allclose(got[s, row], expected, rtol=1e-10)


def test_new_rows_in_another_order_give_the_same_log_lik():
    """New rows are ordered into series as the fitted ones; results come back in their
    own order."""
    df = series()
    spec = build_spec("y ~ x + cosy(t, g)", df)
    variables = _variables("cosy", S=2)
    fitted = log_lik(spec, variables)
    shuffled = df.sample(frac=1.0, random_state=7)
    again = log_lik(spec, variables, shuffled)
    positions = df.index.get_indexer(shuffled.index)
    np.testing.assert_allclose(again, fitted[:, positions], rtol=1e-12)


@pytest.mark.parametrize("family", ["gaussian", "student"])
def test_predictions_are_correlated_within_series_only(family):
    """posterior_predict draws each series jointly: over 8000 draws of fixed parameters,
    the correlation of two times of a series is cosy (0.6) and that across series 0,
    within 5 standard errors of a correlation estimate ((1 - rho^2) / sqrt(S))."""
    df = series()
    spec = build_spec("y ~ x + cosy(t, g)", df, family)
    S = 8000
    variables = {
        "b_Intercept": np.zeros((1, S)),
        "b": np.zeros((1, S, 1)),
        "sigma": np.ones((1, S)),
        "nu": np.full((1, S), 30.0),
        "cosy": np.full((1, S), 0.6),
    }
    draws = posterior_predict(spec, variables, rng=np.random.default_rng())
    g = df["g"].to_numpy()
    a, b = np.flatnonzero(g == "a"), np.flatnonzero(g == "b")
    within = np.corrcoef(draws[:, a[0]], draws[:, a[1]])[0, 1]
    across = np.corrcoef(draws[:, a[0]], draws[:, b[0]])[0, 1]
    assert abs(within - 0.6) < 5 * (1 - 0.6**2) / np.sqrt(S)
    assert abs(across) < 5 / np.sqrt(S)


def test_new_rows_without_the_time_column_are_refused():
    spec = build_spec("y ~ x + cosy(t, g)", series())
    with pytest.raises(SpecError, match="Column 't' is not in the data"):
        posterior_predict(spec, _variables("cosy"), series().drop(columns=["t"]))
