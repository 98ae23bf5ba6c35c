"""Gaussian processes gp(): brms's data, names, priors and Stan code, new rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import pdist

from pybrms import threading
from pybrms.codegen import render
from pybrms.errors import DataError, PybrmsError
from pybrms.formula import bf, parse
from pybrms.priors import prior
from pybrms.spec import build_spec
from pybrms.spec.terms import GaussianProcess, RowRequest
from pybrms.spec.terms.gp_math import TAIL_MASS, lscale_prior
from pybrms.standata import make_standata


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 30
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": np.round(rng.uniform(0, 10, size=n)),  # repeated values: fewer latent points
            "a": rng.normal(size=n),
            "b": rng.normal(size=n) * 3,
            "w": rng.uniform(0.5, 2, size=n),
        }
    )


def test_parse_keeps_covariates_and_options():
    terms = parse('y ~ x + gp(a, b, k = 8, c = 5/4, iso = FALSE, gr = F, cov = "exp_quad")')
    (gp,) = terms.gps
    assert (gp.covariates, gp.k, gp.c, gp.iso, gp.gr, gp.scale) == (
        ("a", "b"),
        8,
        (1.25, 1.25),
        False,
        False,
        True,
    )
    assert terms.fixed == "1 + x"
    assert {"a", "b", "x"} <= terms.variables


def test_exact_standata_holds_the_scaled_distinct_points(data):
    sd = make_standata(build_spec("y ~ gp(x)", data))
    x = data["x"].to_numpy()
    distinct = list(dict.fromkeys(x))  # brms: in order of first appearance
    assert (sd["Kgp_1"], sd["Dgp_1"], sd["Nsubgp_1"]) == (1, 1, len(distinct))
    dmax = x.max() - x.min()
    np.testing.assert_allclose(sd["Xgp_1"][:, 0], np.array(distinct) / dmax)
    np.testing.assert_allclose(sd["Xgp_1"][sd["Jgp_1"] - 1, 0] * dmax, x)
    assert pdist(sd["Xgp_1"]).max() == pytest.approx(1.0)


def test_approximate_standata_is_the_laplacian_basis(data):
    sd = make_standata(build_spec("y ~ gp(x, k = 6, c = 1.5)", data))
    points = sd["Xgp_1"]
    assert points.shape == (sd["Nsubgp_1"], 6) and sd["NBgp_1"] == 6
    # centered scaled points span 1, so L = c; basis sin(m pi (x + L) / (2 L)) / sqrt(L)
    x = data["x"].to_numpy()
    centered = (np.array(list(dict.fromkeys(x))) / (x.max() - x.min()))[:, np.newaxis]
    centered = centered - centered.mean()
    m = np.arange(1, 7)
    expected = np.sin(m * np.pi * (centered + 1.5) / 3.0) / np.sqrt(1.5)
    np.testing.assert_allclose(points, expected)
    np.testing.assert_allclose(sd["slambda_1"][:, 0], m * np.pi / 3.0)


def test_two_dimensional_basis_varies_the_first_dimension_fastest(data):
    sd = make_standata(build_spec("y ~ gp(a, b, k = 3)", data))
    assert sd["NBgp_1"] == 9 and sd["slambda_1"].shape == (9, 2)
    orders = np.rint(sd["slambda_1"] / sd["slambda_1"][0]).astype(int)
    assert orders.tolist() == [[i, j] for j in (1, 2, 3) for i in (1, 2, 3)]


def test_names_follow_brms(data):
    spec = build_spec(bf("y ~ gp(x) + gp(a, b, iso = FALSE, k = 4)", sigma="~ gp(w)"), data)
    names = [n.name for n in spec.names]
    assert [n for n in names if n.startswith(("sdgp", "lscale"))] == [
        "sdgp_gpx",
        "sdgp_gpab",
        "sdgp_sigma_gpw",
        "lscale_gpx",
        "lscale_gpaba",
        "lscale_gpabb",
        "lscale_sigma_gpw",
    ]
    assert "zgp_gpab[16]" in names and "zgp_gpab[17]" not in names
    assert f"zgp_gpx[{data['x'].nunique()}]" in names
    labels = {n.label for n in spec.names if n.section is not None and n.cls == "lscale"}
    assert labels == {"lscale(gpx)", "lscale(gpaba)", "lscale(gpabb)", "lscale(sigma_gpw)"}


def test_default_priors_are_brms(data):
    table = build_spec("y ~ gp(x) + gp(a, b, iso = FALSE)", data).priors.to_frame()
    gp_rows = table[table["class"].isin(["sdgp", "lscale"])]
    assert list(zip(gp_rows["class"], gp_rows["coef"], gp_rows["lb"], strict=True)) == [
        ("sdgp", "", "0"),
        ("sdgp", "gpx", ""),
        ("sdgp", "gpab", ""),
        ("lscale", "", "0"),
        ("lscale", "gpx", ""),
        ("lscale", "gpaba", ""),
        ("lscale", "gpabb", ""),
    ]
    assert gp_rows["prior"].iloc[0] == "student_t(3, 0, 2.5)"
    assert gp_rows["prior"].iloc[3] == "(flat)"
    assert all(p.startswith("inv_gamma(") for p in gp_rows["prior"].iloc[4:])


@pytest.mark.parametrize(
    "points",
    [np.linspace(0, 1, 11), np.array([0.0, 0.001, 0.5, 1.0]), np.array([0.0, 0.3, 0.35, 1.0])],
    ids=["even", "close_pair", "uneven"],
)
def test_lscale_prior_puts_one_percent_beyond_the_distances(points):
    """brms's tuning: 1% of the prior below the smallest distance (at least 1% of the
    largest) and 1% above the largest, checked with scipy's inverse gamma."""
    dist = lscale_prior(points[:, np.newaxis])
    assert dist.name == "inv_gamma"
    alpha, beta = dist.args
    gaps = np.diff(np.sort(points))
    low, high = max(gaps.min(), 0.01 * np.ptp(points)), np.ptp(points)
    # arguments are rounded to 6 digits, which moves the masses by far less than 1e-4
    assert stats.invgamma.cdf(low, alpha, scale=beta) == pytest.approx(TAIL_MASS, abs=1e-4)
    assert stats.invgamma.sf(high, alpha, scale=beta) == pytest.approx(TAIL_MASS, abs=1e-4)


def test_lscale_prior_is_set_by_coefficient(data):
    user = prior("inv_gamma(2, 0.5)", class_="lscale", coef="gpx") + prior(
        "normal(0, 1)", class_="sdgp"
    )
    spec = build_spec("y ~ gp(x)", data, prior=user)
    sd = make_standata(spec)
    assert (sd["lscale_1_prior_alpha"], sd["lscale_1_prior_beta"]) == (2.0, 0.5)
    assert (sd["sdgp_1_prior_mu"], sd["sdgp_1_prior_sigma"]) == (0.0, 1.0)
    # as in brms, a prior on the class leaves the data-dependent coefficient prior in place
    spec = build_spec("y ~ gp(x)", data, prior=prior("gamma(2, 2)", class_="lscale"))
    assert "inv_gamma_lpdf(lscale_1 |" in render(spec)


GP_FORMULAS = [
    "y ~ a + gp(x)",
    "y ~ gp(x, k = 10)",
    "y ~ 0 + gp(a, b)",
    "y ~ gp(a, b, k = 4, iso = FALSE)",
    "y ~ gp(x, by = w, gr = FALSE)",
    "y ~ gp(x, scale = FALSE) + gp(a, k = 5)",
]


@pytest.mark.parametrize("formula", GP_FORMULAS)
def test_gp_at_its_points_is_computed_once_before_the_likelihood(formula, data):
    plain, threaded = (
        render(build_spec(formula, data)),
        render(build_spec(formula, data), threading(2)),
    )
    for code in (plain, threaded):
        assert code.count("vector[Nsubgp_1] gp_pred_1 = ") == 1
        assert "target += std_normal_lpdf(zgp_1);" in code
    partial = threaded.split("real partial_log_lik_", 1)[1].split("return ptarget;")[0]
    assert "gp_exp_quad(" not in partial and "spd_gp_exp_quad(" not in partial


def test_new_rows_are_scaled_as_the_fit_and_fitted_points_kept(data):
    spec = build_spec("y ~ gp(x)", data)
    (gp,) = [t for t in spec.terms if isinstance(t, GaussianProcess)]
    fitted = data["x"].iloc[0]
    (rows,) = gp.rows(RowRequest(pd.DataFrame({"x": [20.0, fitted, 20.0, 30.0]})))
    (sub,) = gp.subs
    np.testing.assert_allclose(rows.new[:, 0], np.array([20.0, 30.0]) / sub.dmax)
    n = len(sub.points)
    assert rows.index.tolist() == [n, 0, n, n + 1]


# brms 2.18's make_standata and get_prior of gp(x, by = f) and gp(x, z, by = f, k = 3,
# c = 5/4, iso = FALSE) on these 12 rows (R: set.seed(1); round(runif(12), 2), twice)
BY_DATA = pd.DataFrame(
    {
        "y": np.linspace(-1, 1, 12),
        "x": [0.27, 0.39, 0.01, 0.38, 0.87, 0.34, 0.48, 0.6, 0.49, 0.19, 0.83, 0.67],
        "z": [0.79, 0.11, 0.72, 0.41, 0.82, 0.65, 0.78, 0.55, 0.53, 0.79, 0.02, 0.48],
        "f": pd.Categorical(list("abc") * 4),
    }
)
BRMS_BY_PRIORS = {
    "y ~ gp(x, by = f)": [
        ("gpxfa", "inv_gamma(13.619767, 6.521177)"),
        ("gpxfb", "inv_gamma(4.047046, 0.843335)"),
        ("gpxfc", "inv_gamma(10.426005, 4.401204)"),
    ],
    "y ~ gp(x, z, by = f, k = 3, c = 5/4, iso = FALSE)": [
        ("gpxzfax", "inv_gamma(13.619767, 4.451284)"),
        ("gpxzfaz", "inv_gamma(2.141957, 0.162418)"),
        ("gpxzfbx", "inv_gamma(4.047046, 0.47233)"),
        ("gpxzfbz", "inv_gamma(5.084196, 1.232143)"),
        ("gpxzfcx", "inv_gamma(10.426005, 4.136222)"),
        ("gpxzfcz", "inv_gamma(9.360674, 1.274625)"),
    ],
}


@pytest.mark.parametrize("formula", list(BRMS_BY_PRIORS))
def test_factor_by_priors_are_brms_per_level(formula):
    table = build_spec(formula, BY_DATA).priors.to_frame()
    sdgp = table[table["class"] == "sdgp"]
    label = BRMS_BY_PRIORS[formula][0][0][:-2] if "z" in formula else "gpxf"
    assert list(sdgp["coef"]) == ["", f"{label}a", f"{label}b", f"{label}c"]
    lscale = table[(table["class"] == "lscale") & (table["coef"] != "")]
    assert list(zip(lscale["coef"], lscale["prior"], strict=True)) == BRMS_BY_PRIORS[formula]


def test_factor_by_gives_each_level_its_own_scaled_gp():
    sd = make_standata(build_spec("y ~ gp(x, by = f)", BY_DATA))
    assert sd["Kgp_1"] == 3 and list(sd["Nsubgp_1"]) == [4, 4, 4]
    for j, level in enumerate("abc", start=1):
        rows = (BY_DATA["f"] == level).to_numpy()
        x = BY_DATA["x"].to_numpy()[rows]
        # brms's Xgp_1_j: the level's distinct values over the level's largest distance
        np.testing.assert_allclose(sd[f"Xgp_1_{j}"][:, 0], x / (x.max() - x.min()))
        np.testing.assert_array_equal(sd[f"Cgp_1_{j}"], rows.astype(float))
        assert list(sd[f"Jgp_1_{j}"][rows]) == [1, 2, 3, 4]


def test_factor_by_names_follow_brms():
    spec = build_spec("y ~ gp(x, by = f, k = 5)", BY_DATA)
    names = [n.name for n in spec.names]
    assert [n for n in names if n.startswith(("sdgp", "lscale"))] == [
        "sdgp_gpxfa",
        "sdgp_gpxfb",
        "sdgp_gpxfc",
        "lscale_gpxfa",
        "lscale_gpxfb",
        "lscale_gpxfc",
    ]
    assert "zgp_gpxfc[5]" in names and "zgp_gpxfc[6]" not in names


@pytest.mark.parametrize("k", ["", ", k = 5"])
def test_factor_by_gps_are_computed_once_before_the_likelihood(k):
    spec = build_spec(f"y ~ gp(x, by = f{k})", BY_DATA)
    for code in (render(spec), render(spec, threading(2))):
        for j in (1, 2, 3):
            assert code.count(f"vector[Nsubgp_1[{j}]] gp_pred_1_{j} = ") == 1
            assert f"target += std_normal_lpdf(zgp_1_{j});" in code
        assert "vector<lower=0>[Kgp_1] lscale_1;" in code
    partial = code.split("real partial_log_lik_", 1)[1].split("return ptarget;")[0]
    assert "gp_pred_1_3[Jgp_1_3[" in partial or "gp_pred_1_3[Jgp_1_3]" in partial
    assert "gp_exp_quad(" not in partial


def test_a_new_row_uses_the_gp_of_its_level():
    spec = build_spec("y ~ gp(x, by = f)", BY_DATA)
    (gp,) = [t for t in spec.terms if isinstance(t, GaussianProcess)]
    new = pd.DataFrame({"x": [0.27, 0.5], "f": pd.Categorical(["a", "c"], categories=list("abc"))})
    a, b, c = gp.rows(RowRequest(new))
    assert a.weights.tolist() == [1.0, 0.0] and c.weights.tolist() == [0.0, 1.0]
    assert b.weights.tolist() == [0.0, 0.0] and len(b.new) == 0
    assert a.index[0] == 0 and len(a.new) == 0  # x = 0.27 is level a's first fitted point
    np.testing.assert_allclose(c.new[:, 0], [0.5 / gp.subs[2].dmax])
    assert c.index[1] == len(gp.subs[2].points)


def test_a_new_level_of_a_factor_by_is_refused_naming_it():
    spec = build_spec("y ~ gp(x, by = f)", BY_DATA)
    (gp,) = [t for t in spec.terms if isinstance(t, GaussianProcess)]
    with pytest.raises(DataError) as caught:
        gp.rows(RowRequest(pd.DataFrame({"x": [0.3], "f": ["d"]})))
    assert isinstance(caught.value, PybrmsError)
    assert all(s in str(caught.value) for s in ("'d'", "'f'", "gp(x, by = f)", "'a', 'b', 'c'"))


def test_factor_by_with_gr_false_has_a_point_per_row_of_each_level():
    data = pd.concat([BY_DATA, BY_DATA.iloc[:3]], ignore_index=True)  # rows 13-15 repeat 1-3
    sd = make_standata(build_spec("y ~ gp(x, by = f, gr = FALSE)", data))
    assert list(sd["Nsubgp_1"]) == [5, 5, 5]
    rows = (data["f"] == "a").to_numpy()
    assert list(sd["Jgp_1_1"][rows]) == [1, 2, 3, 4, 5]
    x = data["x"].to_numpy()[rows]
    np.testing.assert_allclose(sd["Xgp_1_1"][:, 0], x / (x.max() - x.min()))
