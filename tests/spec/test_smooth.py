"""Smooth terms s() and t2(): brms's data, names and Stan code, new rows,
and a fit that recovers a curve (bad inputs: tests/test_bad_inputs.py)."""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy.interpolate import CubicSpline

import pybrms as bm
from pybrms import threading
from pybrms.codegen import render
from pybrms.errors import SpecError
from pybrms.fit.predict import linear_predictors
from pybrms.formula import bf
from pybrms.spec import build_spec
from pybrms.standata import make_standata

FORMULA = "y ~ z + s(x, k = 6) + s(z, by = f, k = 5) + t2(x, z, k = 4)"


def smooth_data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 100
    x = rng.uniform(0, 3, n)
    return pd.DataFrame(
        {
            "x": x,
            "z": rng.uniform(-1, 1, n),
            "f": rng.choice(["a", "b"], n),
            "y": np.sin(2 * x) + rng.normal(0, 0.3, n),
        }
    )


CURVE, SPLINE = "y ~ s(x, k = 6)", "y ~ z + s(x, bs = 'cr', k = 6)"
SIGMA_SMOOTH = bf("y ~ s(x, k = 5)", sigma="~ s(z, k = 5)")


def stan_programs() -> list[str]:
    """The fits' programs (compiled at the session's start, tests/conftest.py); a
    program depends on the model's structure only, so one data set serves them all."""
    return [bm.stancode(formula, smooth_data()) for formula in (CURVE, SPLINE, SIGMA_SMOOTH)]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return smooth_data()


def test_parse_reads_mgcv_arguments():
    (a, b) = bf("y ~ s(x, k = 5, bs = 'cr') + t2(x, z, by = f)").mu.smooths
    assert (a.fun, a.covariates, a.k, a.basis, a.term) == (
        "s",
        ("x",),
        5,
        "cr",
        's(x, k = 5, bs = "cr")',
    )
    assert (b.fun, b.covariates, b.by, b.basis, b.label) == ("t2", ("x", "z"), "f", "cr", "t2xzf")


def test_standata_and_names_are_brms(data):
    spec = build_spec(FORMULA, data)
    sd = make_standata(build_spec(FORMULA, data))
    # s(x): 1 unpenalized column; s(z, by = f): one per level; t2: 3 of 8 null columns
    assert sd["Ks"] == 1 + 2 + 3 and sd["Xs"].shape == (100, 6)
    assert [int(sd[f"nb_{i}"]) for i in (1, 2, 3, 4)] == [1, 1, 1, 3]
    assert list(sd["knots_1"]) == [4] and list(sd["knots_4"]) == [4, 4, 4]
    assert sd["Zs_4_2"].shape == (100, 4)
    names = [n.name for n in spec.names]
    assert names[:8] == [
        "b_Intercept",
        "b_z",
        "bs_sx_1",
        "bs_sz:fa_1",
        "bs_sz:fb_1",
        *(f"bs_t2xz_{k}" for k in (1, 2, 3)),
    ]
    assert names[8:14] == [
        "sds_sx_1",
        "sds_szfa_1",
        "sds_szfb_1",
        "sds_t2xz_1",
        "sds_t2xz_2",
        "sds_t2xz_3",
    ]
    assert names[-1] == "s_t2xz_3[4]"
    sds = next(n for n in spec.names if n.name == "sds_szfb_1")
    assert (sds.label, sds.section.heading) == ("sds(szfb_1)", "Smoothing Spline Hyperparameters")
    bs = next(n for n in spec.names if n.name == "bs_sx_1")
    assert (bs.label, bs.section.heading) == ("sx_1", "Population-Level Effects")


@pytest.mark.parametrize("threads", [None, threading(2)], ids=["plain", "threaded"])
def test_stan_code_is_brms(data, threads):
    code = render(build_spec(bf("y ~ s(x, k = 5)", sigma="~ t2(x, z, k = 4)"), data), threads)
    rows = "[start:end]" if threads else ""
    assert "matrix[N, knots_1[1]] Zs_1_1;" in code
    assert "vector<lower=0>[nb_1] sds_1;  // SDs of penalized spline coefficients" in code
    assert "vector[knots_1[1]] s_1_1 = sds_1[1] * zs_1_1;" in code
    assert "target += std_normal_lpdf(zs_sigma_1_3);" in code
    assert "vector[Ks_sigma] bs_sigma;  // unpenalized spline coefficients" in code
    assert f"Zs_sigma_1_3{rows} * s_sigma_1_3" in code


def test_new_rows_at_fitted_values_equal_fitted_rows(data):
    spec = build_spec(FORMULA, data)
    rng = np.random.default_rng(1)
    sd = make_standata(build_spec(FORMULA, data))
    variables = {"b_Intercept": rng.normal(size=(1, 2)), "b": rng.normal(size=(1, 2, 1))}
    variables["bs"] = rng.normal(size=(1, 2, sd["Ks"]))
    for i in (1, 2, 3, 4):
        for j, size in enumerate(sd[f"knots_{i}"], 1):
            variables[f"s_{i}_{j}"] = rng.normal(size=(1, 2, size))
    fitted = linear_predictors(spec, variables)["mu"]
    new = linear_predictors(spec, variables, data.iloc[::-1].reset_index(drop=True))["mu"]
    np.testing.assert_allclose(new, fitted[:, ::-1], atol=1e-10)


def test_unknown_by_level_in_new_rows_is_refused(data):
    spec = build_spec("y ~ s(x, by = f, k = 5)", data)
    variables = {"b_Intercept": np.zeros((1, 1)), "bs": np.zeros((1, 1, 2))}
    variables |= {"s_1_1": np.zeros((1, 1, 3)), "s_2_1": np.zeros((1, 1, 3))}
    with pytest.raises(SpecError, match="has 'c' in 'f', the by variable of s"):
        linear_predictors(spec, variables, pd.DataFrame({"x": [1.0], "f": ["c"]}))


@pytest.fixture(scope="module")
def curve_fit(data):
    return bm.brm(CURVE, data, chains=2, iter=1000, seed=3, show_progress=False)


@pytest.mark.stan
def test_fit_recovers_the_curve(curve_fit, data):
    """The posterior mean curve on a grid is within Monte Carlo-justified bounds of
    sin(2x) (its posterior sd, a smoothing bias allowance, and the MC error), and
    new-data predictions at the fitted x equal the fitted ones."""
    grid = pd.DataFrame({"x": np.linspace(0.2, 2.8, 9)})
    draws = curve_fit.posterior_epred(newdata=grid)
    mean, sd = draws.mean(axis=0), draws.std(axis=0)
    mcse = sd / np.sqrt(200)  # at least 200 effective draws for a posterior mean
    z = np.abs(mean - np.sin(2 * grid["x"].to_numpy())) / np.sqrt(sd**2 + mcse**2 + 0.1**2)
    assert (z < 5).all(), z
    fitted = curve_fit.posterior_epred()
    again = curve_fit.posterior_epred(newdata=data)
    np.testing.assert_allclose(again, fitted, atol=1e-8)
    summary = curve_fit.summary()
    assert "sds(sx_1)" in str(summary)


def z_scores(draws: np.ndarray, chains: int, truth: np.ndarray) -> np.ndarray:
    """|mean - truth| / sqrt(sd^2 + mcse^2) per column of chain-major ``draws``."""
    by_chain = draws.reshape(chains, -1, draws.shape[1])
    mcse = np.array(
        [np.asarray(az.mcse(by_chain[:, :, i], method="mean")).item() for i in range(len(truth))]
    )
    return np.abs(draws.mean(axis=0) - truth) / np.hypot(draws.std(axis=0, ddof=1), mcse)


@pytest.fixture(scope="module")
def spline_data() -> tuple[pd.DataFrame, CubicSpline]:
    """y = 1 + g(x) + 0.5 z + noise, g a natural cubic spline through the knots of
    ``s(x, bs = "cr", k = 6)`` (mgcv's quantiles of the unique x): inside the basis."""
    rng = np.random.default_rng(11)
    n = 100
    x, z = rng.uniform(0, 3, n), rng.normal(size=n)
    knots = np.quantile(np.unique(x), np.linspace(0, 1, 6))
    g = CubicSpline(knots, np.sin(2 * knots), bc_type="natural")
    y = 1 + g(x) + 0.5 * z + rng.normal(0, 0.3, n)
    return pd.DataFrame({"x": x, "z": z, "y": y}), g


@pytest.fixture(scope="module")
def spline_fit(spline_data):
    data, _ = spline_data
    return bm.brm(SPLINE, data, chains=2, iter=1000, seed=5, show_progress=False)


@pytest.mark.stan
def test_conditional_effects_follow_the_curve(spline_fit, spline_data):
    """conditional_effects() varies x over its range with z at its mean; the curve is
    within 5 standard errors (posterior sd and MCSE) of the truth, which the basis
    can represent exactly, everywhere on the grid."""
    data, g = spline_data
    effects = spline_fit.conditional_effects("x", robust=False)["x"]
    grid = effects[["x", "z"]]
    assert len(grid) == 100 and grid["x"].iloc[[0, -1]].tolist() == [data.x.min(), data.x.max()]
    np.testing.assert_allclose(grid["z"], data["z"].mean())
    draws = spline_fit.posterior_epred(newdata=grid)
    np.testing.assert_allclose(effects["estimate__"], draws.mean(axis=0))
    truth = 1 + g(grid["x"].to_numpy()) + 0.5 * data["z"].mean()
    z = z_scores(draws, 2, truth)
    assert (z < 5).all(), z.max()


@pytest.mark.stan
@pytest.mark.parametrize("name", ["curve_fit", "spline_fit"], ids=["tp", "cr"])
def test_predictions_beyond_the_data_extrapolate_linearly(name, request):
    """As mgcv's tp and cr bases: finite beyond the fitted range, and a straight line
    there (zero second differences of every draw's linear predictor)."""
    fit = request.getfixturevalue(name)
    x = fit.spec.data["x"]
    step = 0.25
    below = x.min() - step * np.arange(1, 6)[::-1]
    above = x.max() + step * np.arange(1, 6)
    for outside in (below, above):
        eta = fit.posterior_linpred(newdata=pd.DataFrame({"x": outside, "z": 0.0}))
        assert np.isfinite(eta).all()
        scale = np.abs(eta).max()
        np.testing.assert_allclose(np.diff(eta, 2, axis=1), 0, atol=1e-9 * scale)


def test_cyclic_predictions_wrap_around(data):
    """mgcv's cc basis wraps new values into the knot range: a period apart, equal."""
    spec = build_spec("y ~ s(x, bs = 'cc', k = 6)", data)
    sd = make_standata(spec)
    rng = np.random.default_rng(2)
    variables = {"b_Intercept": rng.normal(size=(1, 3))}
    variables["s_1_1"] = rng.normal(size=(1, 3, int(sd["knots_1"][0])))
    width = data["x"].max() - data["x"].min()
    inside = np.linspace(data["x"].min(), data["x"].max(), 7)[1:-1]
    new = pd.DataFrame({"x": np.concatenate([inside, inside - width, inside + 2 * width])})
    eta = linear_predictors(spec, variables, new)["mu"].reshape(3, 3, -1)
    np.testing.assert_allclose(eta[:, 1], eta[:, 0], atol=1e-10)
    np.testing.assert_allclose(eta[:, 2], eta[:, 0], atol=1e-10)


@pytest.fixture(scope="module")
def sigma_smooth_fit():
    """Noise sd exp(-1 + 0.5 z): log-linear in z, in the unpenalized span of s(z)."""
    rng = np.random.default_rng(13)
    n = 100
    x, z = rng.uniform(0, 3, n), rng.uniform(-2, 2, n)
    y = np.sin(2 * x) + np.exp(-1 + 0.5 * z) * rng.normal(size=n)
    data = pd.DataFrame({"x": x, "z": z, "y": y})
    return bm.brm(SIGMA_SMOOTH, data, chains=2, iter=1000, seed=7, show_progress=False)


@pytest.mark.stan
def test_smooth_in_sigma_takes_brms_names_and_recovers_sigma(sigma_smooth_fit):
    fit = sigma_smooth_fit
    columns = list(fit.draws_frame().columns)
    for name in ("bs_sx_1", "sds_sx_1", "bs_sigma_sz_1", "sds_sigma_sz_1", "s_sigma_sz_1[1]"):
        assert name in columns, name
    summary = str(fit.summary())
    assert "sigma_sz_1" in summary and "sds(sigma_sz_1)" in summary
    grid = pd.DataFrame({"x": 1.5, "z": np.linspace(-1.8, 1.8, 7)})
    log_sigma = fit.posterior_linpred(newdata=grid, dpar="sigma")
    z = z_scores(log_sigma, 2, -1 + 0.5 * grid["z"].to_numpy())
    assert (z < 5).all(), z


# brms 2.18's make_standata and get_prior of the smooth options: m sets the thin
# plate penalty order (its null space: polynomials of degree < m, the constant
# absorbed), fx = TRUE makes every column unpenalized (Xs only, bs_sx_1..).
OPTIONS = {
    "y ~ s(x, m = 1)": (0, [8], []),
    "y ~ s(x, m = 3)": (2, [8], ["sx_1", "sx_2"]),
    "y ~ s(x, z, m = 3)": (5, [27], [f"sxz_{k}" for k in range(1, 6)]),
    "y ~ s(x, fx = TRUE)": (9, None, [f"sx_{k}" for k in range(1, 10)]),
    "y ~ s(x, k = 5, fx = TRUE)": (4, None, [f"sx_{k}" for k in range(1, 5)]),
}


@pytest.mark.parametrize(("formula", "expected"), OPTIONS.items())
def test_smooth_options_are_brms(formula, expected, data):
    Ks, knots, coefs = expected
    spec = build_spec(formula, data)
    sd = make_standata(spec)
    assert sd.get("Ks", 0) == Ks
    assert (list(sd["knots_1"]) if "knots_1" in sd else None) == knots
    table = spec.priors.to_frame()
    assert table.loc[table["class"] == "b", "coef"].tolist()[1:] == coefs
    assert table.loc[table["class"] == "sds", "coef"].tolist() == ["", formula[4:]]
    code = render(spec)
    assert ("sds_1" in code) == (knots is not None)


def test_knots_build_the_basis_and_new_rows(data):
    """brms's knots (mgcv's): s(x, bs = "cr", k = 5) on the knots given, at the fitted
    rows and at new rows; the basis is checked against mgcv in test_smooth_bases.py.
    A natural cubic spline through the knots is a combination of the basis columns,
    which the default knots (quantiles) do not give exactly."""
    knots = {"x": [0.0, 0.3, 0.6, 2.0, 3.0]}
    formula = "y ~ s(x, bs = 'cr', k = 5)"
    spec = build_spec(formula, data, knots=knots)
    assert spec.knots == knots
    sd = make_standata(spec)
    default = make_standata(build_spec(formula, data))
    x = data["x"].to_numpy()
    spline = CubicSpline(knots["x"], [0.0, 1.0, -1.0, 0.5, 0.0], bc_type="natural")

    def residual(standata: dict) -> float:
        A = np.column_stack([np.ones(len(x)), standata["Xs"], standata["Zs_1_1"]])
        coef, *_ = np.linalg.lstsq(A, spline(x), rcond=None)
        return float(np.abs(A @ coef - spline(x)).max())

    assert residual(sd) < 1e-9 < 1e-3 < residual(default)
    assert bm.get_prior(formula, data, knots=knots).equals(bm.get_prior(formula, data))
    # new rows: the same basis, so the fitted rows as new data give the fitted predictor
    variables = {
        "b_Intercept": np.zeros((1, 1)),
        "Intercept": np.zeros((1, 1)),
        "bs": np.array([[[0.7]]]),
        "sds_1": np.array([[[1.0]]]),
        "s_1_1": np.array([[[0.3, -0.2, 0.5]]]),
    }
    fitted = linear_predictors(spec, variables)["mu"]
    np.testing.assert_allclose(linear_predictors(spec, variables, data)["mu"], fitted)


@pytest.mark.parametrize("threads", [None, 2])
def test_smooth_id_changes_only_the_prior_coef(data, threads):
    """brms 2.18 accepts mgcv's id and keeps each smooth's own basis and sds (sds_1, sds_2;
    mgcv's smoothCon ignores id); the sds prior's coef is the term as written."""
    with_id = build_spec("y ~ s(x, k = 5, id = 1) + t2(x, z, k = 4, id = 'a')", data)
    without = build_spec("y ~ s(x, k = 5) + t2(x, z, k = 4)", data)
    setting = threading(threads) if threads else None
    assert render(with_id, setting) == render(without, setting)
    a, b = make_standata(with_id), make_standata(without)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(b[key]), err_msg=key)
    assert [n.name for n in with_id.names] == [n.name for n in without.names]
    table = with_id.priors.to_frame()
    assert list(table.loc[table["class"] == "sds", "coef"]) == [
        "",
        "s(x, k = 5, id = 1)",
        't2(x, z, k = 4, id = "a")',
    ]
