"""Monotonic effects mo(): brms's data, names, priors and Stan code, new rows, bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybrms import threading
from pybrms.codegen import render
from pybrms.errors import FormulaSyntaxError, PybrmsError, SpecError
from pybrms.fit.conditional_effects import effect_candidates
from pybrms.fit.predict import linear_predictors
from pybrms.formula import bf, parse
from pybrms.priors import prior
from pybrms.spec import build_spec
from pybrms.spec.terms import MonotonicEffects
from pybrms.standata import make_standata

LEVELS = ["low", "mid", "high"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 30
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            "inc": pd.Categorical(rng.choice(LEVELS, size=n), categories=LEVELS, ordered=True),
            "k": np.tile([2, 3, 4, 5, 6], n // 5),
            "g": rng.choice(["a", "b", "c"], size=n),
        }
    )


def test_parse_keeps_the_expression():
    terms = parse("y ~ x + mo(inc) + mo(k)")
    assert [t.monotonic for t in terms.monotonic] == [("inc",), ("k",)]
    assert terms.fixed == "1 + x"
    assert {"inc", "k"} <= terms.variables


def test_standata_names_and_codes_are_brms(data):
    spec = build_spec("y ~ mo(inc) + mo(k)", data)
    sd = make_standata(spec)
    assert (sd["Ksp"], sd["Imo"], sd["Jmo"].tolist()) == (2, 2, [2, 4])
    np.testing.assert_array_equal(sd["Xmo_1"], data["inc"].cat.codes)
    np.testing.assert_array_equal(sd["Xmo_2"], data["k"] - 2)
    np.testing.assert_array_equal(sd["con_simo_1"], [1.0, 1.0])
    np.testing.assert_array_equal(sd["con_simo_2"], [1.0] * 4)


def test_names_and_summary_rows(data):
    spec = build_spec(bf("y ~ mo(inc)", sigma="~ mo(k)"), data)
    names = [n.name for n in spec.names]
    assert names[:4] == ["b_Intercept", "b_sigma_Intercept", "bsp_moinc", "bsp_sigma_mok"]
    assert [n for n in names if n.startswith("simo_")] == [
        "simo_moinc1[1]",
        "simo_moinc1[2]",
        *(f"simo_sigma_mok1[{j}]" for j in range(1, 5)),
    ]
    simo = next(n for n in spec.names if n.name == "simo_moinc1[2]")
    assert (simo.label, simo.array, simo.dims) == (
        "moinc1[2]",
        "simo_moinc1",
        (("simo_moinc1_dim_0", "2"),),
    )
    assert simo.section is not None and simo.section.heading == "Monotonic Simplex Parameters"
    bsp = next(n for n in spec.names if n.name == "bsp_moinc")
    assert bsp.label == "moinc" and bsp.section.heading == "Population-Level Effects"


def test_default_priors_are_brms(data):
    table = build_spec("y ~ x + mo(inc)", data).priors.to_frame()
    rows = list(zip(table["prior"], table["class"], table["coef"], strict=True))
    assert rows[:5] == [
        ("(flat)", "b", ""),
        ("(flat)", "b", "x"),
        (rows[2][0], "Intercept", ""),
        ("(flat)", "b", "moinc"),
        ("dirichlet(1)", "simo", "moinc1"),
    ]


def test_user_priors_reach_the_program(data):
    user = prior("dirichlet(3)", class_="simo", coef="moinc1") + prior("normal(0, 1)", class_="b")
    spec = build_spec("y ~ mo(inc)", data, prior=user)
    np.testing.assert_array_equal(make_standata(spec)["con_simo_1"], [3.0, 3.0])
    code = render(spec)
    assert "lprior += dirichlet_lpdf(simo_1 | con_simo_1);" in code
    assert "lprior += normal_lpdf(bsp | bsp_prior_mu, bsp_prior_sigma);" in code


@pytest.mark.parametrize("threads", [None, threading(2)], ids=["plain", "threaded"])
def test_stan_code_is_brms(data, threads):
    code = render(build_spec(bf("y ~ mo(inc)", sigma="~ mo(k)"), data), threads)
    n = "nn" if threads else "n"
    assert "real mo(vector scale, int i) {" in code
    assert "array[N] int Xmo_1;  // monotonic variable" in code
    assert "simplex[Jmo[1]] simo_1;  // monotonic simplex" in code
    assert "vector[Ksp] bsp;  // special effects coefficients" in code
    assert f"mu[n] += (bsp[1]) * mo(simo_1, Xmo_1[{n}]);" in code
    assert f"sigma[n] += (bsp_sigma[1]) * mo(simo_sigma_1, Xmo_sigma_1[{n}]);" in code
    assert "sigma = exp(sigma);" in code


def test_new_rows_use_the_fitted_coding(data):
    spec = build_spec("y ~ mo(inc) + mo(k)", data)
    variables = {
        "b_Intercept": np.zeros((1, 1)),
        "bsp": np.array([[[1.0, 2.0]]]),
        "simo_1": np.array([[[0.25, 0.75]]]),
        "simo_2": np.array([[[0.1, 0.2, 0.3, 0.4]]]),
    }
    new = pd.DataFrame({"inc": ["mid", "high", "low"], "k": [2, 4, 6]})
    eta = linear_predictors(spec, variables, new)["mu"]
    # mo(simo, i) = D * sum(simo[:i]): inc 1.0*2*[0.25, 1, 0]; k 2.0*4*[0, 0.3, 1]
    np.testing.assert_allclose(eta, [[0.5 + 0.0, 2.0 + 2.4, 0.0 + 8.0]])


BAD_FORMULAS = {
    "y ~ mo(k)/x": (FormulaSyntaxError, "mo() is added to the formula on its own or in"),
    "y ~ mo(k):(x - 1)": (FormulaSyntaxError, "x - 1 cannot be a factor of an interaction"),
    "y ~ x - mo(k):x": (FormulaSyntaxError, "an interaction with mo() can only be added with"),
    "y ~ mo(k):flag": (
        SpecError,
        "mo(k):flag: the covariate 'flag' must be numeric or categorical",
    ),
    "y ~ (1 + mo(k) | g)": (SpecError, "require corresponding population-level terms"),
    "y ~ mo(k, by = g)": (FormulaSyntaxError, "mo() takes one unnamed argument and an optional"),
    "y ~ mo(k, id = 'a') + mo(inc, id = 'a'):x": (SpecError, "the same number of values"),
    "y ~ mo(k) + mo(k)": (FormulaSyntaxError, "mo(k) appears twice"),
    "y ~ mo(x)": (SpecError, "mo(x) needs integers or an ordered pandas Categorical; row 0"),
    "y ~ mo(g)": (SpecError, "mo(g) needs integers or an ordered pandas Categorical"),
    "y ~ mo(one)": (SpecError, "mo(one) needs at least two distinct values"),
    "y ~ mo(unordered)": (SpecError, "'unordered' is an unordered Categorical"),
}


@pytest.mark.parametrize(("formula", "expected"), BAD_FORMULAS.items())
def test_bad_monotonic_terms_are_refused(formula, expected, data, no_compile):
    frame = data.assign(one=1, unordered=pd.Categorical(data["g"]), flag=data["x"] > 0)
    error, message = expected
    with pytest.raises(error) as info:
        build_spec(formula, frame)
    assert isinstance(info.value, PybrmsError)
    assert message in str(info.value)


BAD_NEWDATA = {
    "k outside": ({"inc": ["low"], "k": [7]}, "has 7 in mo(k), outside the fitted values 2..6"),
    "k not whole": ({"inc": ["low"], "k": [2.5]}, "mo(k) in newdata needs integers"),
    "inc unknown": ({"inc": ["huge"], "k": [2]}, "has 'huge' in mo(inc), which is not a category"),
    "k missing": ({"inc": ["low"]}, "Column 'k' is not in the data"),
}


@pytest.mark.parametrize(("columns", "message"), BAD_NEWDATA.values(), ids=BAD_NEWDATA)
def test_bad_new_rows_are_refused(columns, message, data):
    spec = build_spec("y ~ mo(inc) + mo(k)", data)
    variables = {"b_Intercept": np.zeros((1, 1)), "bsp": np.zeros((1, 1, 2))}
    variables |= {"simo_1": np.full((1, 1, 2), 0.5), "simo_2": np.full((1, 1, 4), 0.25)}
    with pytest.raises(SpecError) as info:
        linear_predictors(spec, variables, pd.DataFrame(columns))
    assert isinstance(info.value, PybrmsError)
    assert message in str(info.value)


# brms 2.18's make_stancode/make_standata/get_prior of these formulas: one bsp per
# special term, one simplex per mo() call of each term, Csp for the covariates.
INTERACTIONS = {
    "y ~ mo(k):x": (["mok:x"], ["mok:x1"], 1),
    "y ~ x:mo(k)": (["x:mok"], ["x:mok1"], 1),
    "y ~ mo(k) * x": (["mok", "mok:x"], ["mok1", "mok:x1"], 1),
    "y ~ mo(k):x + mo(inc)": (["moinc", "mok:x"], ["moinc1", "mok:x1"], 1),
    "y ~ mo(k) * mo(inc)": (
        ["mok", "moinc", "mok:moinc"],
        ["mok1", "moinc1", "mok:moinc1", "mok:moinc2"],
        0,
    ),
    "y ~ mo(k) + mo(k):x + mo(inc):x": (
        ["mok", "mok:x", "x:moinc"],
        ["mok1", "mok:x1", "x:moinc1"],
        2,
    ),
    # a categorical covariate: one term (and simplex) per column of its coding, an
    # indicator per level, the first left out when mo(k) is a term too (R's rule)
    "y ~ mo(k):g": (["mok:ga", "mok:gb", "mok:gc"], ["mok:ga1", "mok:gb1", "mok:gc1"], 3),
    "y ~ mo(k) * g": (["mok", "mok:gb", "mok:gc"], ["mok1", "mok:gb1", "mok:gc1"], 2),
    "y ~ mo(k):g:x": (
        ["mok:ga:x", "mok:gb:x", "mok:gc:x"],
        ["mok:ga:x1", "mok:gb:x1", "mok:gc:x1"],
        3,
    ),
}


@pytest.mark.parametrize(("formula", "expected"), INTERACTIONS.items())
def test_interactions_are_brms_special_terms(formula, expected, data):
    coefs, simplexes, n_csp = expected
    spec = build_spec(formula, data)
    sd = make_standata(spec)
    assert sd["Ksp"] == len(coefs) and sd["Imo"] == len(simplexes)
    assert sorted(k for k in sd if k.startswith("Csp_")) == [f"Csp_{c + 1}" for c in range(n_csp)]
    names = [n.name for n in spec.names]
    assert [n for n in names if n.startswith("bsp_")] == [f"bsp_{c}" for c in coefs]
    assert [n.removeprefix("simo_")[:-3] for n in names if n.endswith("[1]")] == simplexes
    table = spec.priors.to_frame()
    assert table.loc[table["class"] == "simo", "coef"].tolist() == simplexes


def test_interaction_covariates_and_stan_code(data):
    spec = build_spec("y ~ mo(k) + mo(k):x + mo(inc):mo(k)", data)
    sd = make_standata(spec)
    np.testing.assert_array_equal(sd["Csp_1"], data["x"])
    np.testing.assert_array_equal(sd["Xmo_2"], sd["Xmo_1"])
    for threads, n in ((None, "n"), (threading(2), "nn")):
        code = render(spec, threads)
        assert "vector[N] Csp_1;" in code
        assert (
            f"mu[n] += (bsp[1]) * mo(simo_1, Xmo_1[{n}]) + (bsp[2]) * mo(simo_2, Xmo_2[{n}]) "
            f"* Csp_1[{n}] + (bsp[3]) * mo(simo_3, Xmo_3[{n}]) * mo(simo_4, Xmo_4[{n}]);"
        ) in code


def test_new_rows_of_an_interaction(data):
    spec = build_spec("y ~ mo(k) * x + mo(k):mo(inc)", data)
    variables = {
        "b_Intercept": np.zeros((1, 1)),
        "b": np.array([[[0.5]]]),
        "Intercept": np.zeros((1, 1)),
        "bsp": np.array([[[1.0, 2.0, 3.0]]]),
        "simo_1": np.array([[[0.1, 0.2, 0.3, 0.4]]]),
        "simo_2": np.array([[[0.25, 0.25, 0.25, 0.25]]]),
        "simo_3": np.array([[[0.4, 0.3, 0.2, 0.1]]]),
        "simo_4": np.array([[[0.25, 0.75]]]),
    }
    variables["b_x"] = variables["b"][..., 0]
    new = pd.DataFrame({"k": [2, 4, 6], "x": [1.0, -2.0, 0.5], "inc": ["high", "mid", "low"]})
    eta = linear_predictors(spec, variables, new)["mu"]
    mo1 = 4 * np.array([0.0, 0.3, 1.0])  # mo(simo_1, k - 2)
    mo2 = 4 * np.array([0.0, 0.5, 1.0])
    mo3 = 4 * np.array([0.0, 0.7, 1.0])
    mo4 = 2 * np.array([1.0, 0.25, 0.0])  # inc high, mid, low
    x = new["x"].to_numpy()
    expected = 0.5 * x + 1.0 * mo1 + 2.0 * mo2 * x + 3.0 * mo3 * mo4
    np.testing.assert_allclose(eta[0], expected)


def test_shared_id_is_one_simplex_as_brms(data):
    """brms 2.18: mo() calls with one id share the first call's simplex (a copy
    simo_2 = simo_1 in transformed parameters, one con_simo, one prior row with the id
    as coef), while the output names still follow each term."""
    spec = build_spec('y ~ mo(k, id = "a") + mo(k, id = "a"):x', data)
    sd = make_standata(spec)
    assert [k for k in sd if k.startswith("con_simo")] == ["con_simo_1"]
    code = render(spec)
    assert "simplex[Jmo[1]] simo_1;" in code and "simplex[Jmo[2]] simo_2 = simo_1;" in code
    assert "dirichlet_lpdf(simo_2" not in code
    table = spec.priors.to_frame()
    assert table.loc[table["class"] == "b", "coef"].tolist() == ["", "mokidEQa", "mokidEQa:x"]
    assert table.loc[table["class"] == "simo", "coef"].tolist() == ["a"]
    names = [n.name for n in spec.names if n.name.startswith("simo_")]
    assert names == [f"simo_mokidEQa{s}1[{j}]" for s in ("", ":x") for j in range(1, 5)]
    user = prior("dirichlet(4)", class_="simo", coef="a")
    sd = make_standata(build_spec('y ~ mo(k, id = "a") + mo(k, id = "a"):x', data, prior=user))
    np.testing.assert_array_equal(sd["con_simo_1"], [4.0] * 4)
    render(spec, threading(2))


def test_conditional_effects_of_interactions(data):
    """brms's get_all_effects: each special term's variables (mo() covariates and the
    others), the mo() variables held at their rounded median as integers."""
    spec = build_spec("y ~ mo(k) * x + mo(k):mo(inc)", data)
    assert effect_candidates(spec) == [("x",), ("k",), ("k", "x"), ("k", "inc")]
    (mo,) = [t for p in spec.predictors for t in p.terms if isinstance(t, MonotonicEffects)]
    assert mo.integer_variables() == ("k",)


# mo() varying over a grouping, brms's (1 + mo(x) | g): the group-level effects of the
# term are added to its coefficient, (bsp[j] + r_1_2[J_1[n]]) * mo(...), and have no Z.
def test_group_level_mo_is_brms(data):
    """Data, names and Stan code of brms 2.18's make_stancode(bf(y ~ x + mo(k) + mo(k):x +
    (mo(k) + x + mo(k):x | g), sigma ~ mo(inc) + (0 + mo(inc) | g))): the group's
    coefficients are its design's, then its special terms', r_1_3 and r_1_4."""
    formula = bf(
        "y ~ x + mo(k) + mo(k):x + (mo(k) + x + mo(k):x | g)", sigma="~ mo(inc) + (0 + mo(inc) | g)"
    )
    spec = build_spec(formula, data)
    sd = make_standata(spec)
    assert [k for k in sd if k.startswith("Z_")] == ["Z_1_1", "Z_1_2"]
    assert (sd["M_1"], sd["M_2"]) == (4, 1)
    names = [n.name for n in spec.names]
    assert [n for n in names if n.startswith("sd_")] == [
        "sd_g__Intercept",
        "sd_g__x",
        "sd_g__mok",
        "sd_g__mok:x",
        "sd_g__sigma_moinc",
    ]
    assert "r_g[a,mok:x]" in names and "r_g__sigma[a,moinc]" in names
    for threads, n in ((None, "n"), (threading(2), "nn")):
        code = render(spec, threads)
        # reduce_sum slices J_1: row n of the slice in the partial sum, not nn
        assert (
            f"mu[n] += (bsp[1] + r_1_3[J_1[n]]) * mo(simo_1, Xmo_1[{n}]) + (bsp[2] + "
            f"r_1_4[J_1[n]]) * mo(simo_2, Xmo_2[{n}]) * Csp_1[{n}];"
        ) in code
        assert (
            f"sigma[n] += (bsp_sigma[1] + r_2_sigma_1[J_2[{n}]]) * mo(simo_sigma_1, "
            f"Xmo_sigma_1[{n}]);"
        ) in code
        assert "Z_1_3" not in code and "Z_2_sigma_1" not in code


def test_group_level_mo_default_priors(data):
    """brms 2.18's get_prior: an sd row per coefficient of the group, mo() terms too."""
    table = build_spec("y ~ mo(k) + (1 + mo(k) | g)", data).priors.to_frame()
    sd = table[table["class"] == "sd"]
    assert list(zip(sd["prior"], sd["coef"], sd["group"], strict=True)) == [
        ("student_t(3, 0, 2.5)", "", ""),
        ("(flat)", "", "g"),
        ("(flat)", "Intercept", "g"),
        ("(flat)", "mok", "g"),
    ]
    assert table.loc[table["class"] == "cor", "group"].tolist() == ["", "g"]


def test_new_rows_of_group_level_mo(data):
    """The effect of level g at code i is (bsp + r_g[g, mok]) * D * sum(simo[1:i]); a new
    level draws its effect from the sd ("gaussian"), or takes a fitted level's."""
    spec = build_spec("y ~ mo(k) + (0 + mo(k) | g)", data)
    variables = {
        "b_Intercept": np.zeros((1, 1)),
        "Intercept": np.zeros((1, 1)),
        "bsp": np.array([[[1.0]]]),
        "simo_1": np.array([[[0.1, 0.2, 0.3, 0.4]]]),
        "sd_1": np.array([[[0.5]]]),
        "r_1_1": np.array([[[0.5, -0.5, 2.0]]]),  # levels a, b, c
    }
    new = pd.DataFrame({"k": [2, 4, 6, 5], "g": ["a", "b", "c", "c"]})
    eta = linear_predictors(spec, variables, new)["mu"]
    step = 4 * np.array([0.0, 0.3, 1.0, 0.6])
    np.testing.assert_allclose(eta[0], np.array([1.5, 0.5, 3.0, 3.0]) * step)
    np.testing.assert_allclose(
        linear_predictors(spec, variables, new, re_formula="NA")["mu"][0], step
    )
    unseen = pd.DataFrame({"k": [6, 6], "g": ["new", "new"]})
    for how in ("gaussian", "uncertainty"):
        eta = linear_predictors(
            spec, variables, unseen, allow_new_levels=True, sample_new_levels=how
        )["mu"][0]
        assert eta[0] == eta[1]  # one effect for the level
        if how == "uncertainty":
            assert eta[0] / 4.0 - 1.0 in (0.5, -0.5, 2.0)


def test_categorical_covariate_columns_and_new_rows(data):
    """brms 2.18's make_standata(y ~ mo(k) * g): Csp_1, Csp_2 the indicators of levels b
    and c; in new data the indicator of each row's level, a level of the fit."""
    spec = build_spec("y ~ mo(k) * g", data)
    sd = make_standata(spec)
    np.testing.assert_array_equal(sd["Csp_1"], data["g"] == "b")
    np.testing.assert_array_equal(sd["Csp_2"], data["g"] == "c")
    variables = {
        "b_Intercept": np.zeros((1, 1)),
        "Intercept": np.zeros((1, 1)),
        "b": np.zeros((1, 1, 2)),
        "bsp": np.array([[[1.0, 2.0, 3.0]]]),
        "simo_1": np.array([[[0.1, 0.2, 0.3, 0.4]]]),
        "simo_2": np.array([[[0.25, 0.25, 0.25, 0.25]]]),
        "simo_3": np.array([[[0.4, 0.3, 0.2, 0.1]]]),
    }
    variables |= {"b_gb": np.zeros((1, 1)), "b_gc": np.zeros((1, 1))}
    new = pd.DataFrame({"k": [4, 4, 4], "g": ["a", "b", "c"]})
    eta = linear_predictors(spec, variables, new)["mu"][0]
    # mo(k = 4): 4 * cumulative simplex at code 2: 1.2, 2.0, 2.8
    np.testing.assert_allclose(eta, [1.2, 1.2 + 2.0 * 2.0, 1.2 + 3.0 * 2.8])
    alone = build_spec("y ~ mo(k):g", data)  # no population-level g to refuse it first
    del variables["b"]
    with pytest.raises(SpecError, match="'d' in 'g', which is not a level of the fit"):
        linear_predictors(alone, variables, pd.DataFrame({"k": [4], "g": ["d"]}))
