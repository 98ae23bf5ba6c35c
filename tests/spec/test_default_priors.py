"""brms's default priors (R/priors.R: def_scale_prior, def_dpar_prior) on the epilepsy data.

count has median 4 and mad 4.4478; log(count) (zeros as 0.1) has median 1.386
and mad 1.03, so with brms's rounding to one decimal and the 2.5 floor:
log links give student_t(3, 1.4, 2.5), identity links student_t(3, 4, 4.4).
"""

from __future__ import annotations

import pandas as pd
import pytest

from pybrms.codegen import stancode
from pybrms.codegen.context import lprior_statements
from pybrms.errors import SpecError
from pybrms.formula import bf, nlf, set_rescor
from pybrms.priors import prior
from pybrms.spec import build_spec, family, get_prior, mixture
from pybrms.spec.default_priors import prior_data

FORMULA = "count ~ zAge + zBase * Trt + (1|patient)"


def _set(table: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    rows = table[table["prior"] != "(flat)"]
    return [tuple(r) for r in rows[["prior", "class", "dpar", "lb"]].to_numpy()]


@pytest.mark.parametrize(
    ("fam", "expected"),
    [
        (
            "poisson",
            [
                ("student_t(3, 1.4, 2.5)", "Intercept", "", ""),
                ("student_t(3, 0, 2.5)", "sd", "", "0"),
            ],
        ),
        (
            "gaussian",
            [
                ("student_t(3, 4, 4.4)", "Intercept", "", ""),
                ("student_t(3, 0, 4.4)", "sigma", "", "0"),
                ("student_t(3, 0, 4.4)", "sd", "", "0"),
            ],
        ),
        (
            "negbinomial",
            [
                ("student_t(3, 1.4, 2.5)", "Intercept", "", ""),
                ("gamma(0.01, 0.01)", "shape", "", "0"),
                ("student_t(3, 0, 2.5)", "sd", "", "0"),
            ],
        ),
        (
            "student",
            [
                ("student_t(3, 4, 4.4)", "Intercept", "", ""),
                ("student_t(3, 0, 4.4)", "sigma", "", "0"),
                ("gamma(2, 0.1)", "nu", "", "1"),
                ("student_t(3, 0, 4.4)", "sd", "", "0"),
            ],
        ),
        (
            family("poisson", link="sqrt"),
            [
                ("student_t(3, 2, 2.5)", "Intercept", "", ""),
                ("student_t(3, 0, 2.5)", "sd", "", "0"),
            ],
        ),
    ],
    ids=["poisson", "gaussian", "negbinomial", "student", "poisson_sqrt"],
)
def test_epilepsy_defaults(epilepsy, fam, expected):
    assert _set(get_prior(FORMULA, epilepsy, fam)) == expected


def test_epilepsy_table_lists_every_settable_prior(epilepsy):
    table = get_prior(FORMULA, epilepsy, "poisson")
    assert list(table.columns) == [
        "prior",
        "class",
        "coef",
        "group",
        "resp",
        "dpar",
        "nlpar",
        "lb",
        "ub",
        "source",
    ]
    assert list(zip(table["class"], table["coef"], table["group"], strict=True)) == [
        ("b", "", ""),
        ("b", "zAge", ""),
        ("b", "zBase", ""),
        ("b", "Trt1", ""),
        ("b", "zBase:Trt1", ""),
        ("Intercept", "", ""),
        ("sd", "", ""),
        ("sd", "", "patient"),
        ("sd", "Intercept", "patient"),
    ]


@pytest.mark.parametrize(
    ("formula", "data", "fam", "expected"),
    [
        # logit links are not transformed: location 0, scale 2.5
        (
            "y ~ x",
            {"y": [0, 1, 1, 0], "x": [1.0, 2.0, 3.0, 4.0]},
            "bernoulli",
            [("student_t(3, 0, 2.5)", "Intercept", "", "")],
        ),
        # beta: phi gets gamma(0.01, 0.01)
        (
            "y ~ x",
            {"y": [0.2, 0.5, 0.7, 0.4], "x": [1.0, 2.0, 3.0, 4.0]},
            "beta",
            [("student_t(3, 0, 2.5)", "Intercept", "", ""), ("gamma(0.01, 0.01)", "phi", "", "0")],
        ),
        # Gamma's inverse link: median(1/y) = 0.375, mad small -> 2.5
        (
            "y ~ x",
            {"y": [1.0, 2.0, 4.0, 8.0], "x": [1.0, 2.0, 3.0, 4.0]},
            "Gamma",
            [
                ("student_t(3, 0.4, 2.5)", "Intercept", "", ""),
                ("gamma(0.01, 0.01)", "shape", "", "0"),
            ],
        ),
        # lognormal: log scale, whatever the link
        (
            "y ~ x",
            {"y": [1.0, 10.0, 100.0, 1000.0], "x": [1.0, 2.0, 3.0, 4.0]},
            "lognormal",
            [
                ("student_t(3, 3.5, 3.4)", "Intercept", "", ""),
                ("student_t(3, 0, 3.4)", "sigma", "", "0"),
            ],
        ),
        # offsets shift the intercept location by their mean
        (
            "y ~ x + offset(o)",
            {"y": [1, 3, 5, 8], "x": [1.0, 2.0, 3.0, 4.0], "o": [1.0] * 4},
            "poisson",
            [("student_t(3, 0.4, 2.5)", "Intercept", "", "")],
        ),
        # cumulative: thresholds student_t(3, 0, 2.5), one row per threshold
        (
            "y ~ x",
            {"y": [1, 2, 3, 2], "x": [1.0, 2.0, 3.0, 4.0]},
            "cumulative",
            [("student_t(3, 0, 2.5)", "Intercept", "", "")],
        ),
        # a predicted sigma: Intercept_sigma on the log scale of y
        (
            bf("y ~ 1", sigma="~ x"),
            {"y": [1.0, 10.0, 100.0, 1000.0], "x": [1.0, 2.0, 3.0, 4.0]},
            "gaussian",
            [
                ("student_t(3, 55, 73.4)", "Intercept", "", ""),
                ("student_t(3, 0, 3.4)", "Intercept", "sigma", ""),
            ],
        ),
        # exgaussian: beta gets gamma(1, 0.1), normal(1.7, 1.3) on its log-scale intercept
        (
            "y ~ x",
            {"y": [1.0, 2.0, 4.0, 8.0], "x": [1.0, 2.0, 3.0, 4.0]},
            "exgaussian",
            [
                ("student_t(3, 3, 2.5)", "Intercept", "", ""),
                ("student_t(3, 0, 2.5)", "sigma", "", "0"),
                ("gamma(1, 0.1)", "beta", "", "0"),
            ],
        ),
        (
            bf("y ~ x", beta="~ z"),
            {"y": [1.0, 2.0, 4.0, 8.0], "x": [1.0, 2.0, 3.0, 4.0], "z": [0.3, -1.0, 0.5, 2.0]},
            "exgaussian",
            [
                ("student_t(3, 3, 2.5)", "Intercept", "", ""),
                ("normal(1.7, 1.3)", "Intercept", "beta", ""),
                ("student_t(3, 0, 2.5)", "sigma", "", "0"),
            ],
        ),
        # frechet: nu above 1 with gamma(2, 0.1), normal(2.7, 0.8) on its logm1 intercept
        (
            "y ~ x",
            {"y": [1.0, 2.0, 4.0, 8.0], "x": [1.0, 2.0, 3.0, 4.0]},
            "frechet",
            [("student_t(3, 1, 2.5)", "Intercept", "", ""), ("gamma(2, 0.1)", "nu", "", "1")],
        ),
        (
            bf("y ~ x", nu="~ z"),
            {"y": [1.0, 2.0, 4.0, 8.0], "x": [1.0, 2.0, 3.0, 4.0], "z": [0.3, -1.0, 0.5, 2.0]},
            "frechet",
            [
                ("student_t(3, 1, 2.5)", "Intercept", "", ""),
                ("normal(2.7, 0.8)", "Intercept", "nu", ""),
            ],
        ),
        # von_mises: the family's student_t(1, 0, 1) for tan_half, def_scale_prior for identity
        (
            "y ~ x",
            {"y": [-1.0, 0.5, 2.0, 3.0], "x": [1.0, 2.0, 3.0, 4.0]},
            "von_mises",
            [("student_t(1, 0, 1)", "Intercept", "", ""), ("gamma(2, 0.01)", "kappa", "", "0")],
        ),
        (
            bf("y ~ x", kappa="~ z"),
            {"y": [-1.0, 0.5, 2.0, 3.0], "x": [1.0, 2.0, 3.0, 4.0], "z": [0.3, -1.0, 0.5, 2.0]},
            family("von_mises", link="identity"),
            [
                ("student_t(3, 1.2, 2.5)", "Intercept", "", ""),
                ("normal(5, 0.8)", "Intercept", "kappa", ""),
            ],
        ),
        # sratio: disc is fixed at 1 (no prior) unless predicted: normal(0, 1) on its log scale
        (
            "y ~ x",
            {"y": [1, 2, 3, 2], "x": [1.0, 2.0, 3.0, 4.0]},
            "sratio",
            [("student_t(3, 0, 2.5)", "Intercept", "", "")],
        ),
        (
            bf("y ~ x", disc="~ z"),
            {"y": [1, 2, 3, 2], "x": [1.0, 2.0, 3.0, 4.0], "z": [0.3, -1.0, 0.5, 2.0]},
            family("acat", link="cauchit"),
            [
                ("student_t(3, 0, 2.5)", "Intercept", "", ""),
                ("normal(0, 1)", "Intercept", "disc", ""),
            ],
        ),
        # hurdle_gamma: log link, zeros as 0.1: median 1.15 and mad 5.12 of log(y)
        (
            "y ~ x",
            {"y": [0.0, 1.0, 10.0, 0.0, 100.0, 1000.0], "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]},
            "hurdle_gamma",
            [
                ("student_t(3, 1.2, 5.1)", "Intercept", "", ""),
                ("gamma(0.01, 0.01)", "shape", "", "0"),
                ("beta(1, 1)", "hu", "", "0"),
            ],
        ),
        # hurdle_lognormal: log scale whatever the link, zeros as 0.1
        (
            "y ~ x",
            {"y": [0.0, 1.0, 10.0, 0.0, 100.0, 1000.0], "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]},
            "hurdle_lognormal",
            [
                ("student_t(3, 1.2, 5.1)", "Intercept", "", ""),
                ("student_t(3, 0, 5.1)", "sigma", "", "0"),
                ("beta(1, 1)", "hu", "", "0"),
            ],
        ),
        # a correlation ID shared by mu and sigma: one lkj prior, sd rows per dpar
        (
            bf("y ~ x + (1 | p | g)", sigma="~ (1 | p | g)"),
            {"y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "x": [0.0] * 6, "g": list("aabbcc")},
            "gaussian",
            [
                ("student_t(3, 3.5, 2.5)", "Intercept", "", ""),
                ("student_t(3, 0, 2.5)", "Intercept", "sigma", ""),
                ("lkj_corr_cholesky(1)", "cor", "", ""),
                ("student_t(3, 0, 2.5)", "sd", "", "0"),
                ("student_t(3, 0, 2.5)", "sd", "sigma", "0"),
            ],
        ),
        # gr(g, by = f): the same rows as without by (one sd per coefficient and level)
        (
            "y ~ x + (1 + x | gr(g, by = f))",
            {
                "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                "x": [0.0, 1.0] * 3,
                "g": list("aabbcc"),
                "f": list("uuuuvv"),
            },
            "gaussian",
            [
                ("student_t(3, 3.5, 2.5)", "Intercept", "", ""),
                ("student_t(3, 0, 2.5)", "sigma", "", "0"),
                ("lkj_corr_cholesky(1)", "cor", "", ""),
                ("student_t(3, 0, 2.5)", "sd", "", "0"),
            ],
        ),
        # categorical: an intercept per category but the first (logit: not transformed),
        # sd per category's group-level term
        (
            "y ~ x + (1 | g)",
            {"y": ["a", "b", "c", "b", "a", "c"], "x": [1.0, 2, 3, 4, 5, 6], "g": list("ppqqrr")},
            "categorical",
            [
                ("student_t(3, 0, 2.5)", "Intercept", "mub", ""),
                ("student_t(3, 0, 2.5)", "Intercept", "muc", ""),
                ("student_t(3, 0, 2.5)", "sd", "mub", "0"),
                ("student_t(3, 0, 2.5)", "sd", "muc", "0"),
            ],
        ),
        # multinomial: an intercept per column but the first, named after the columns
        (
            "cbind(y1, y2, y3) | trials(n) ~ x",
            {
                "y1": [1, 0, 2, 1],
                "y2": [0, 2, 1, 1],
                "y3": [2, 1, 0, 1],
                "n": [3] * 4,
                "x": [1.0, 2, 3, 4],
            },
            "multinomial",
            [
                ("student_t(3, 0, 2.5)", "Intercept", "muy2", ""),
                ("student_t(3, 0, 2.5)", "Intercept", "muy3", ""),
            ],
        ),
        # dirichlet: intercepts per column but the first, phi gamma(0.01, 0.01)
        (
            "cbind(a, b) ~ x",
            {"a": [0.2, 0.5, 0.7, 0.4], "b": [0.8, 0.5, 0.3, 0.6], "x": [1.0, 2, 3, 4]},
            "dirichlet",
            [
                ("student_t(3, 0, 2.5)", "Intercept", "mub", ""),
                ("gamma(0.01, 0.01)", "phi", "", "0"),
            ],
        ),
        # gen_extreme_value: xi normal(0, 2.5) (on brms's tmp_xi), normal(0, 4) on the
        # intercept of its log1p formula
        (
            "y ~ x",
            {"y": [1.0, 2.0, 4.0, 8.0], "x": [1.0, 2.0, 3.0, 4.0]},
            "gen_extreme_value",
            [
                ("student_t(3, 3, 2.5)", "Intercept", "", ""),
                ("student_t(3, 0, 2.5)", "sigma", "", "0"),
                ("normal(0, 2.5)", "xi", "", ""),
            ],
        ),
        (
            bf("y ~ x", xi="~ z"),
            {"y": [1.0, 2.0, 4.0, 8.0], "x": [1.0, 2.0, 3.0, 4.0], "z": [0.3, -1.0, 0.5, 2.0]},
            "gen_extreme_value",
            [
                ("student_t(3, 3, 2.5)", "Intercept", "", ""),
                ("normal(0, 4)", "Intercept", "xi", ""),
                ("student_t(3, 0, 2.5)", "sigma", "", "0"),
            ],
        ),
        # student's nu with a formula: logm1 link, normal(2.7, 0.8) on its intercept
        (
            bf("y ~ x", nu="~ z"),
            {"y": [1.0, 2.0, 4.0, 8.0], "x": [1.0, 2.0, 3.0, 4.0], "z": [0.3, -1.0, 0.5, 2.0]},
            "student",
            [
                ("student_t(3, 3, 2.5)", "Intercept", "", ""),
                ("normal(2.7, 0.8)", "Intercept", "nu", ""),
                ("student_t(3, 0, 2.5)", "sigma", "", "0"),
            ],
        ),
    ],
    ids=[
        "bernoulli",
        "beta",
        "gamma",
        "lognormal",
        "offset",
        "cumulative",
        "sigma",
        "exgaussian",
        "exgaussian_beta",
        "frechet",
        "frechet_nu",
        "von_mises",
        "von_mises_identity_kappa",
        "sratio",
        "acat_disc",
        "hurdle_gamma",
        "hurdle_lognormal",
        "shared_id",
        "gr_by",
        "categorical",
        "multinomial",
        "dirichlet",
        "gen_extreme_value",
        "gen_extreme_value_xi",
        "student_nu",
    ],
)
def test_family_defaults(formula, data, fam, expected):
    assert _set(get_prior(formula, pd.DataFrame(data), fam)) == expected


def test_cumulative_threshold_rows():
    df = pd.DataFrame({"y": [1, 2, 3, 2], "x": [1.0, 2.0, 3.0, 4.0]})
    table = get_prior("y ~ x", df, "cumulative")
    assert table[table["class"] == "Intercept"]["coef"].tolist() == ["", "1", "2"]


def test_correlated_terms_get_lkj(epilepsy):
    table = get_prior("count ~ zAge + (1 + zAge | patient)", epilepsy, "poisson")
    cor = table[table["class"] == "cor"]
    assert cor[["prior", "group"]].to_numpy().tolist() == [
        ["lkj_corr_cholesky(1)", ""],
        ["(flat)", "patient"],
    ]


def test_user_priors_are_merged_by_key(epilepsy):
    user = (
        prior("normal(0, 1)", class_="b")
        + prior("normal(0, 5)", class_="b", coef="zAge")
        + prior("exponential(1)", class_="sd", group="patient")
    )
    spec = build_spec(FORMULA, epilepsy, "poisson", user)
    resolve = spec.priors.resolve
    assert str(resolve([("b", "zAge", "", ""), ("b", "", "", "")])) == "normal(0, 5)"
    assert str(resolve([("b", "Trt1", "", ""), ("b", "", "", "")])) == "normal(0, 1)"
    assert str(resolve([("sd", "Intercept", "patient", ""), ("sd", "", "patient", "")])) == (
        "exponential(1)"
    )
    assert spec.priors.to_frame().query("source == 'user'").shape[0] == 3


@pytest.mark.parametrize(
    ("user", "message"),
    [
        (prior("normal(0, 1)", class_="b", coef="zage"), "coef='zage'"),
        (prior("normal(0, 1)", class_="sd", group="visit"), "group='visit'"),
        (prior("normal(0, 1)", class_="sigma"), "class='sigma'"),
        (prior("lkj(2)", class_="cor"), "class='cor'"),
        (prior("normal(0, 1)", class_="b", dpar="sigma"), "dpar='sigma'"),
        # a lower-case class may name a custom family's parameter: the model checks it
        (prior("normal(0, 1)", class_="bee"), "class='bee'"),
    ],
    ids=["coef", "group", "sigma", "cor", "dpar", "unknown class"],
)
def test_prior_on_missing_parameter_lists_what_exists(epilepsy, user, message):
    with pytest.raises(SpecError, match="does not correspond to any model parameter") as err:
        build_spec(FORMULA, epilepsy, "poisson", user)
    assert message in str(err.value)
    assert "class='b', coef='zBase:Trt1'" in str(err.value)
    assert "class='sd', group='patient'" in str(err.value)


def test_lower_bounded_prior_on_unbounded_class(epilepsy):
    with pytest.raises(SpecError, match="bounded below"):
        build_spec(FORMULA, epilepsy, "poisson", prior("gamma(2, 1)", class_="Intercept"))


SLOPES = "count ~ zAge + (1 + zAge || patient) + (1 | visit)"
THRESHOLDS = (
    prior("constant(-1)", class_="Intercept", coef="1")
    + prior("constant(0)", class_="Intercept", coef="2")
    + prior("constant(1.5)", class_="Intercept", coef="3")
)

# id: (data set, formula, family, priors, {Stan variable: value per element, None if estimated})
CONSTANTS = {
    "b_coef": (
        "epilepsy",
        FORMULA,
        "poisson",
        prior("constant(0.5)", coef="zAge"),
        {"b": (0.5, None, None, None)},
    ),
    "b_class": ("epilepsy", FORMULA, "poisson", prior("constant(0)"), {"b": (0.0,) * 4}),
    "b_coef_over_class": (
        "epilepsy",
        FORMULA,
        "poisson",
        prior("constant(0)") + prior("constant(1)", coef="Trt1"),
        {"b": (0.0, 0.0, 1.0, 0.0)},
    ),
    "b_dpar": (
        "epilepsy",
        bf("count ~ zAge", shape="~ zBase + Trt"),
        "negbinomial",
        prior("constant(-1)", coef="Trt1", dpar="shape"),
        {"b_shape": (None, -1.0)},
    ),
    "sd_group": (
        "epilepsy",
        FORMULA,
        "poisson",
        prior("constant(1)", class_="sd", group="patient"),
        {"sd_1": (1.0,)},
    ),
    "sd_coef": (
        "epilepsy",
        SLOPES,
        "poisson",
        prior("constant(0.5)", class_="sd", group="patient", coef="zAge"),
        {"sd_1": (None, 0.5)},
    ),
    "sd_class": (
        "epilepsy",
        SLOPES,
        "poisson",
        prior("constant(2)", class_="sd"),
        {"sd_1": (2.0, 2.0), "sd_2": (2.0,)},
    ),
    "shape": (
        "epilepsy",
        FORMULA,
        "negbinomial",
        prior("constant(3)", class_="shape"),
        {"shape": (3.0,)},
    ),
    "thresholds": (
        "inhaler",
        "rating ~ treat",
        "cumulative",
        THRESHOLDS,
        {"Intercept": (-1.0, 0.0, 1.5)},
    ),
    # one sd vector over the shared ID's coefficients, shape's second
    "sd_shared_id_dpar": (
        "epilepsy",
        bf("count ~ zAge + (1 | p | patient)", shape="~ (1 | p | patient)"),
        "negbinomial",
        prior("constant(1)", class_="sd", dpar="shape"),
        {"sd_1": (None, 1.0)},
    ),
}


@pytest.mark.parametrize("case", CONSTANTS.values(), ids=CONSTANTS.keys())
def test_constant_priors_fix_elements(case, request):
    data, formula, fam, user, expected = case
    spec = build_spec(formula, request.getfixturevalue(data), fam, user)
    assert {c.stan: c.values for c in spec.constants()} == expected


# id: (data set, formula, family, priors, expected message)
CONSTANT_ERRORS = {
    "some_thresholds": (
        "inhaler",
        "rating ~ treat",
        "cumulative",
        prior("constant(0)", class_="Intercept", coef="2"),
        "Prior constant(0) on class='Intercept', coef='2' fixes only some of the ordered "
        "thresholds 'Intercept'",
    ),
    "thresholds_class": (
        "inhaler",
        "rating ~ treat",
        "cumulative",
        prior("constant(0)", class_="Intercept"),
        "Prior constant(0) on class='Intercept' fixes the ordered thresholds 'Intercept' at "
        "0, 0, 0, which do not increase strictly",
    ),
    "thresholds_decreasing": (
        "inhaler",
        "rating ~ treat",
        "cumulative",
        prior("constant(1)", class_="Intercept", coef="1")
        + prior("constant(0)", class_="Intercept"),
        "Prior constant(1) on class='Intercept', coef='1', constant(0) on class='Intercept' "
        "fixes the ordered thresholds 'Intercept' at 1, 0, 0",
    ),
    "negative_sd": (
        "epilepsy",
        FORMULA,
        "poisson",
        prior("constant(-1)", class_="sd", coef="Intercept", group="patient"),
        "Prior constant(-1) on class='sd', coef='Intercept', group='patient' lies outside the "
        "bounds of the parameter (lower=0)",
    ),
    "b_outside_bounds": (
        "epilepsy",
        FORMULA,
        "poisson",
        prior("", lb=0, ub=1) + prior("constant(2)", coef="zAge"),
        "Prior constant(2) on class='b', coef='zAge' lies outside the bounds of the parameter "
        "(lower=0, upper=1)",
    ),
    "negative_shape": (
        "epilepsy",
        FORMULA,
        "negbinomial",
        prior("constant(-2)", class_="shape"),
        "Prior constant(-2) on class='shape' lies outside the bounds of the parameter (lower=0)",
    ),
}


@pytest.mark.parametrize("case", CONSTANT_ERRORS.values(), ids=CONSTANT_ERRORS.keys())
def test_constant_priors_that_cannot_fix_their_parameter(case, request):
    data, formula, fam, user, message = case
    with pytest.raises(SpecError) as err:
        build_spec(formula, request.getfixturevalue(data), fam, user)
    assert message in str(err.value)


# id: (user prior on class b, the truncation bounds of its lprior statement as Stan code)
# Bounds set by the user are data and always truncate (at the edge of the prior's
# support the term is 0), so that the program does not depend on their values.
TRUNCATIONS = {
    "both": (prior("normal(0, 1)", lb=-1, ub=1), ("lb_b", "ub_b")),
    "lower": (prior("normal(0, 1)", lb=0), ("lb_b", "")),
    "upper": (prior("normal(0, 1)", ub=0.5), ("", "ub_b")),
    "support_starts_at_bound": (prior("exponential(1)", lb=0), ("lb_b", "")),
    "support_equals_bounds": (prior("uniform(0, 1)", lb=0, ub=1), ("lb_b", "ub_b")),
}


@pytest.mark.parametrize("case", TRUNCATIONS.values(), ids=TRUNCATIONS.keys())
def test_bounded_b_priors_truncate_at_the_bounds_as_data(epilepsy, case):
    user, bounds = case
    spec = build_spec("count ~ zAge + zBase", epilepsy, "poisson", user)
    (b,) = [s for s in lprior_statements(spec) if s.target == "b"]
    assert (b.lb_code, b.ub_code, b.n) == (*bounds, 2)
    data = {v.name: v.value for v in prior_data(spec.priors, spec.prior_targets())}
    row = user.rows[0]
    assert (data.get("lb_b"), data.get("ub_b")) == (row.lb, row.ub)


# id: (formula, family, user priors, (target, lb, ub) of the statement: a parameter's
#      own bounds are literals, and truncate only inside the prior's support)
OWN_BOUNDS = {
    "sd_student_t": ("count ~ 1 + (1 | patient)", "poisson", None, ("sd_1", "0", "")),
    "sd_gamma": (
        "count ~ 1 + (1 | patient)",
        "poisson",
        prior("gamma(2, 1)", class_="sd"),
        ("sd_1", "", ""),
    ),
    "nu_gamma": ("count ~ 1", "student", None, ("nu", "1", "")),
}


@pytest.mark.parametrize("case", OWN_BOUNDS.values(), ids=OWN_BOUNDS.keys())
def test_own_bounds_of_a_parameter_are_literals(epilepsy, case):
    formula, fam, user, (target, lb, ub) = case
    spec = build_spec(formula, epilepsy, fam, user)
    (s,) = [s for s in lprior_statements(spec) if s.target == target]
    assert (s.lb_code, s.ub_code) == (lb, ub)


def test_statements_depend_on_which_rows_set_priors_not_on_their_values(epilepsy):
    """A coefficient prior equal to its class prior still gets its own statement, so
    that changing a number never changes the program (its arguments are data)."""
    codes = [
        stancode(
            "count ~ zAge + zBase",
            epilepsy,
            "poisson",
            prior(f"normal(0, {s})", coef="zAge") + prior("normal(0, 1)"),
        )
        for s in (1, 2)
    ]
    assert codes[0] == codes[1]
    assert "lprior += normal_lpdf(b[1] | b_1_prior_mu, b_1_prior_sigma);" in codes[0]
    assert "lprior += normal_lpdf(b[2] | b_2_prior_mu, b_2_prior_sigma);" in codes[0]


# Smooths (brms's prior_sm): a "b" row per unpenalized column (Xs), then "sds" with
# the default scale prior (student_t(3, 0, scale of the response), as "sd") and one
# row per term, coef as R deparses it; a smooth in sigma gets dpar "sigma" rows.
def _vectorized(cls: str, coef: str, dpar: str = "") -> tuple[str, ...]:
    return ("(flat)", cls, coef, dpar, "0" if cls == "sds" else "", "(vectorized)")


SMOOTH_PRIORS = {
    "poisson_s": (
        "count ~ zAge + s(zBase) + (1 | patient)",
        "poisson",
        [
            ("(flat)", "b", "", "", "", "default"),
            _vectorized("b", "zAge"),
            _vectorized("b", "szBase_1"),
            ("student_t(3, 0, 2.5)", "sds", "", "", "0", "default"),
            _vectorized("sds", "s(zBase)"),
        ],
    ),
    "gaussian_t2_and_sigma_by_factor": (
        bf("count ~ s(zAge, k = 5) + t2(zBase, Age, k = 4)", sigma="~ s(zBase, by = Trt, k = 4)"),
        "gaussian",
        [
            ("(flat)", "b", "", "", "", "default"),
            _vectorized("b", "szAge_1"),
            *(_vectorized("b", f"t2zBaseAge_{k}") for k in (1, 2, 3)),
            ("student_t(3, 0, 4.4)", "sds", "", "", "0", "default"),
            _vectorized("sds", "s(zAge, k = 5)"),
            _vectorized("sds", "t2(zBase, Age, k = 4)"),
            ("(flat)", "b", "", "sigma", "", "default"),
            _vectorized("b", "szBase:Trt0_1", "sigma"),
            _vectorized("b", "szBase:Trt1_1", "sigma"),
            ("student_t(3, 0, 4.4)", "sds", "", "sigma", "0", "default"),
            _vectorized("sds", "s(zBase, by = Trt, k = 4)", "sigma"),
        ],
    ),
    # a numeric by: no centering constraint, so cr's whole null space is unpenalized
    "poisson_numeric_by": (
        "count ~ s(zBase, by = zAge, bs = 'cr', k = 5)",
        "poisson",
        [
            ("(flat)", "b", "", "", "", "default"),
            _vectorized("b", "szBase:zAge_1"),
            _vectorized("b", "szBase:zAge_2"),
            ("student_t(3, 0, 2.5)", "sds", "", "", "0", "default"),
            _vectorized("sds", 's(zBase, by = zAge, bs = "cr", k = 5)'),
        ],
    ),
}


@pytest.mark.parametrize("case", SMOOTH_PRIORS.values(), ids=SMOOTH_PRIORS.keys())
def test_smooth_default_priors(epilepsy, case):
    formula, fam, expected = case
    table = get_prior(formula, epilepsy, fam)
    rows = table[table["class"].isin(["b", "sds"])]
    columns = ["prior", "class", "coef", "dpar", "lb", "source"]
    assert [tuple(r) for r in rows[columns].to_numpy()] == expected


# Non-linear models: each nlpar's b (Intercept uncentered, a coefficient of b) and sd
# rows name it in the nlpar column; the dpars keep theirs (brms's default_prior()).
NONLINEAR = bf("count ~ a * exp(b * zAge)", "a ~ 1 + Trt + (1 | patient)", "b ~ 1", nl=True)
NONLINEAR_DPAR = bf("count ~ zAge", nlf("sigma ~ s * zBase"), "s ~ 1")


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        (
            NONLINEAR,
            [
                ("(flat)", "b", "", "", "", "a", ""),
                ("(flat)", "b", "Intercept", "", "", "a", ""),
                ("(flat)", "b", "Trt1", "", "", "a", ""),
                ("(flat)", "b", "", "", "", "b", ""),
                ("(flat)", "b", "Intercept", "", "", "b", ""),
                ("student_t(3, 0, 4.4)", "sigma", "", "", "", "", "0"),
                ("student_t(3, 0, 4.4)", "sd", "", "", "", "a", "0"),
                ("(flat)", "sd", "", "patient", "", "a", "0"),
                ("(flat)", "sd", "Intercept", "patient", "", "a", "0"),
            ],
        ),
        (
            NONLINEAR_DPAR,
            [
                ("(flat)", "b", "", "", "", "", ""),
                ("(flat)", "b", "zAge", "", "", "", ""),
                ("student_t(3, 4, 4.4)", "Intercept", "", "", "", "", ""),
                ("(flat)", "b", "", "", "", "s", ""),
                ("(flat)", "b", "Intercept", "", "", "s", ""),
            ],
        ),
    ],
    ids=["mu", "sigma"],
)
def test_nonlinear_defaults(epilepsy, formula, expected):
    table = get_prior(formula, epilepsy, "gaussian")
    columns = ["prior", "class", "coef", "group", "dpar", "nlpar", "lb"]
    assert [tuple(r) for r in table[columns].to_numpy()] == expected


def test_nlpar_priors_and_bounds_reach_their_coefficients(epilepsy):
    """prior(nlpar=) sets one nlpar's b; lb bounds its declaration (data lb_b_a) and
    truncates its prior there, as brms's lb on the b of an nlpar."""
    user = prior("normal(2, 1)", nlpar="a", lb=0) + prior(
        "normal(0, 0.5)", nlpar="b", coef="Intercept"
    )
    spec = build_spec(NONLINEAR, epilepsy, "gaussian", user)
    table = spec.priors.to_frame()
    user_rows = table[table["source"] == "user"]
    assert user_rows[["prior", "coef", "nlpar", "lb"]].to_numpy().tolist() == [
        ["normal(2, 1)", "", "a", "0"],
        ["normal(0, 0.5)", "Intercept", "b", ""],
    ]
    code = stancode(NONLINEAR, epilepsy, family="gaussian", prior=user)
    assert "vector<lower=lb_b_a>[K_a] b_a;" in code
    assert "normal_lccdf(lb_b_a | b_a_prior_mu, b_a_prior_sigma)" in code
    assert "lprior += normal_lpdf(b_b | b_b_prior_mu, b_b_prior_sigma);" in code
    assert "vector[N] mu = (nlp_a .* exp(nlp_b .* C_1));" in code


def test_arma_default_priors():
    """brms's prior_ac: flat priors on ar and ma, bounded to (-1, 1), after the
    population-level rows and before sigma."""
    df = pd.DataFrame(
        {
            "y": [0.5, 1.5, 2.0, 4.0, 3.0, 1.0],
            "x": [1.0, 2.0, 3.0, 5.0, 4.0, 2.0],
            "t": [1, 2, 3, 1, 2, 3],
            "g": list("aaabbb"),
        }
    )
    table = get_prior("y ~ x + arma(t, g, p = 2, q = 1)", df)
    columns = ["prior", "class", "coef", "lb", "ub", "source"]
    assert [tuple(r) for r in table[columns].to_numpy()] == [
        ("(flat)", "b", "", "", "", "default"),
        ("(flat)", "b", "x", "", "", "(vectorized)"),
        ("student_t(3, 1.8, 2.5)", "Intercept", "", "", "", "default"),
        ("(flat)", "ar", "", "-1", "1", "default"),
        ("(flat)", "ma", "", "-1", "1", "default"),
        ("student_t(3, 0, 2.5)", "sigma", "", "0", "", "default"),
    ]


# Mixtures (brms's prior_predictor.brmsframe): the components' parameters and the
# simplex theta carry no dpar, so brms's table, sorted by dpar, lists them first;
# each mu<k> then takes its family's intercept prior. A predicted theta<k> has no
# simplex; the intercept of its log-odds takes logistic(0, 1).
MIXTURE_PRIORS = {
    "gaussian_gaussian": (
        "count ~ zAge",
        ("gaussian", "gaussian"),
        [
            ("student_t(3, 0, 4.4)", "sigma1", "", "", "0", "default"),
            ("student_t(3, 0, 4.4)", "sigma2", "", "", "0", "default"),
            ("dirichlet(1)", "theta", "", "", "", "default"),
            ("(flat)", "b", "", "mu1", "", "default"),
            ("(flat)", "b", "zAge", "mu1", "", "(vectorized)"),
            ("student_t(3, 4, 4.4)", "Intercept", "", "mu1", "", "default"),
            ("(flat)", "b", "", "mu2", "", "default"),
            ("(flat)", "b", "zAge", "mu2", "", "(vectorized)"),
            ("student_t(3, 4, 4.4)", "Intercept", "", "mu2", "", "default"),
        ],
    ),
    "poisson_negbinomial_theta2": (
        bf("count ~ 1", theta2="~ Trt"),
        ("poisson", "negbinomial"),
        [
            ("gamma(0.01, 0.01)", "shape2", "", "", "0", "default"),
            ("student_t(3, 1.4, 2.5)", "Intercept", "", "mu1", "", "default"),
            ("student_t(3, 1.4, 2.5)", "Intercept", "", "mu2", "", "default"),
            ("(flat)", "b", "", "theta2", "", "default"),
            ("(flat)", "b", "Trt1", "theta2", "", "(vectorized)"),
            ("logistic(0, 1)", "Intercept", "", "theta2", "", "default"),
        ],
    ),
}


@pytest.mark.parametrize("case", MIXTURE_PRIORS.values(), ids=MIXTURE_PRIORS.keys())
def test_mixture_default_priors(epilepsy, case):
    formula, components, expected = case
    table = get_prior(formula, epilepsy, mixture(*components))
    columns = ["prior", "class", "coef", "dpar", "lb", "source"]
    assert [tuple(r) for r in table[columns].to_numpy()] == expected


# A multivariate model's table is each response's univariate table with brms's resp
# column filled in (the dpar suffix moves there), then rescor.
MV_PRIORS = {
    "gaussian_rescor": (
        "mvbind(count, zBase) ~ zAge + (1 | patient)",
        ("gaussian", "gaussian"),
        ("count ~ zAge + (1 | patient)", "zBase ~ zAge + (1 | patient)"),
    ),
    "poisson_student_sigma": (
        bf("count ~ zAge + (1 | patient)") + bf("zBase ~ Trt", sigma="~ zAge") + set_rescor(False),
        ("poisson", "student"),
        ("count ~ zAge + (1 | patient)", bf("zBase ~ Trt", sigma="~ zAge")),
    ),
}


# Category-specific effects (brms's prior_cs): class b and a row per column of Xcs,
# after the thresholds; b "" appears once when population-level effects have it too.
CATEGORY_SPECIFIC_PRIORS = {
    "sratio_cs_with_b": (
        "y ~ x + cs(z)",
        [
            ("(flat)", "b", "", "", "", "default"),
            _vectorized("b", "x"),
            ("student_t(3, 0, 2.5)", "Intercept", "", "", "", "default"),
            *(("(flat)", "Intercept", str(k), "", "", "(vectorized)") for k in (1, 2)),
            _vectorized("b", "z"),
        ],
    ),
    "acat_cs_factor_only": (
        "y ~ cs(f)",
        [
            ("student_t(3, 0, 2.5)", "Intercept", "", "", "", "default"),
            *(("(flat)", "Intercept", str(k), "", "", "(vectorized)") for k in (1, 2)),
            ("(flat)", "b", "", "", "", "default"),
            _vectorized("b", "fb"),
        ],
    ),
}


@pytest.mark.parametrize("case", MV_PRIORS.values(), ids=MV_PRIORS.keys())
def test_multivariate_default_priors_are_those_of_each_response(epilepsy, case):
    formula, families, univariate = case
    table = get_prior(formula, epilepsy, list(families))
    columns = ["prior", "class", "coef", "group", "dpar", "lb", "ub", "source"]
    for resp, fam, single in zip(("count", "zBase"), families, univariate, strict=True):
        expected = get_prior(single, epilepsy, fam)
        rows = table[table["resp"] == resp]
        assert sorted(map(tuple, rows[columns].to_numpy())) == sorted(
            map(tuple, expected[columns].to_numpy())
        )
    rescor = table[table["class"] == "rescor"]
    assert rescor["prior"].tolist() == (
        ["lkj_corr_cholesky(1)"] if families[0] == families[1] else []
    )


def test_student_and_multi_membership_groupings_get_brms_priors(epilepsy):
    """brms's prior_re: sd rows per grouping (mm() named mm<members>), then gamma(2, 0.1)
    with lower bound 1 on the df of each student-t grouping."""
    formula = "count ~ zAge + (1 | gr(patient, dist = 'student')) + (1 | mm(patient, visit))"
    table = get_prior(formula, epilepsy, "poisson")
    rows = table[table["group"] != ""][["prior", "class", "coef", "group", "lb"]]
    assert rows.to_numpy().tolist() == [
        ["(flat)", "sd", "", "patient", "0"],
        ["(flat)", "sd", "Intercept", "patient", "0"],
        ["(flat)", "sd", "", "mmpatientvisit", "0"],
        ["(flat)", "sd", "Intercept", "mmpatientvisit", "0"],
        ["gamma(2, 0.1)", "df", "", "patient", "1"],
    ]


@pytest.mark.parametrize(
    "case", CATEGORY_SPECIFIC_PRIORS.values(), ids=CATEGORY_SPECIFIC_PRIORS.keys()
)
def test_category_specific_default_priors(case):
    formula, expected = case
    data = pd.DataFrame(
        {"y": [1, 2, 3] * 4, "x": range(12), "z": [0.5, 1.5] * 6, "f": list("ab") * 6}
    )
    fam = "sratio" if "x" in formula else "acat"
    table = get_prior(formula, data, fam)
    columns = ["prior", "class", "coef", "dpar", "lb", "source"]
    assert [tuple(r) for r in table[columns].to_numpy()] == expected


# Noise-free predictors (brms's prior_sp and prior_Xme): the coefficient in class b,
# then flat meanme and sdme (lower bound 0), each with a row for the term.
def test_noise_free_default_priors(epilepsy):
    table = get_prior("count ~ zAge + me(zBase, Age)", epilepsy, "poisson")
    rows = table[table["class"].isin(["b", "meanme", "sdme"])]
    columns = ["prior", "class", "coef", "dpar", "lb", "source"]
    assert [tuple(r) for r in rows[columns].to_numpy()] == [
        ("(flat)", "b", "", "", "", "default"),
        _vectorized("b", "zAge"),
        _vectorized("b", "mezBaseAge"),
        ("(flat)", "meanme", "", "", "", "default"),
        _vectorized("meanme", "mezBaseAge"),
        ("(flat)", "sdme", "", "", "0", "default"),
        ("(flat)", "sdme", "mezBaseAge", "", "0", "(vectorized)"),
    ]


# Missing responses (mi()): the defaults read the observed responses only, and a row
# missing a predictor is dropped first (brms 2.18's get_prior on these data).
MI_DATA = {
    "y": [1.0, None, 2.5, 4.0, 3.0, 0.5, 6.0, 2.0, None, 9.0],
    "x": [float(k) for k in range(10)],
    "z": [1.0, 2.0, None, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
}
MI_PRIORS = {
    "gaussian": (
        "y | mi() ~ x",
        "gaussian",
        [
            ("student_t(3, 2.8, 2.5)", "Intercept", "", ""),
            ("student_t(3, 0, 2.5)", "sigma", "", "0"),
        ],
    ),
    "lognormal": (
        "y | mi() ~ x",
        "lognormal",
        [("student_t(3, 1, 2.5)", "Intercept", "", ""), ("student_t(3, 0, 2.5)", "sigma", "", "0")],
    ),
    "student": (
        "y | mi() ~ x",
        "student",
        [
            ("student_t(3, 2.8, 2.5)", "Intercept", "", ""),
            ("student_t(3, 0, 2.5)", "sigma", "", "0"),
            ("gamma(2, 0.1)", "nu", "", "1"),
        ],
    ),
    "dropped_predictor_row": (
        "y | mi() ~ z",
        "gaussian",
        [("student_t(3, 3, 3)", "Intercept", "", ""), ("student_t(3, 0, 3)", "sigma", "", "0")],
    ),
}


@pytest.mark.filterwarnings("ignore:Dropped 1 of 10 rows")
@pytest.mark.parametrize("case", MI_PRIORS.values(), ids=MI_PRIORS.keys())
def test_missing_response_default_priors(case):
    formula, fam, expected = case
    assert _set(get_prior(formula, pd.DataFrame(MI_DATA), fam)) == expected


# mi(x) with the model of x (brms 2.18's get_prior on these data): bsp's rows in class b
# of y; x's defaults read its observed values in the rows kept (row 8 misses y). pybrms
# lists the mi() coefficient after the Intercept (as for mo() and me()), brms with b.
@pytest.mark.parametrize(
    ("rhs", "coefs"), [("mi(x) + z", ["mix"]), ("mi(x) * z", ["mix", "mix:z"])], ids=["mi", "mi*z"]
)
def test_missing_predictor_default_priors(rhs, coefs):
    data = pd.DataFrame(
        {
            "y": [1.0, 2.0, 2.5, 4.0, 3.0, 0.5, 6.0, 2.0, None, 9.0],
            "x": [3.0, None, 1.0, 4.0, 5.0, None, 2.0, 8.0, 9.0, 6.0],
            "z": [float(k) for k in range(1, 11)],
        }
    )
    formula = bf(f"y ~ {rhs}") + bf("x | mi() ~ z") + set_rescor(False)
    with pytest.warns(UserWarning, match="Dropped 1 of 10 rows"):
        table = get_prior(formula, data)
    columns = ["prior", "class", "coef", "resp", "lb"]
    assert sorted(tuple(r) for r in table[columns].to_numpy()) == sorted(
        [
            ("(flat)", "b", "", "x", ""),
            ("(flat)", "b", "z", "x", ""),
            ("student_t(3, 4, 3)", "Intercept", "", "x", ""),
            ("student_t(3, 0, 3)", "sigma", "", "x", "0"),
            ("(flat)", "b", "", "y", ""),
            *(("(flat)", "b", c, "y", "") for c in coefs),
            ("(flat)", "b", "z", "y", ""),
            ("student_t(3, 2.5, 2.5)", "Intercept", "", "y", ""),
            ("student_t(3, 0, 2.5)", "sigma", "", "y", "0"),
        ]
    )


# Interactions of mo() (brms 2.18's get_prior on epilepsy, which lists the rows
# sorted): class b per special term, and a dirichlet(1) simplex per mo() of each term.
def test_monotonic_interaction_default_priors(epilepsy):
    formula = "count ~ zAge + mo(visit) * zBase + mo(visit):mo(Age)"
    table = get_prior(formula, epilepsy, "poisson")
    rows = table[table["class"].isin(["b", "simo", "Intercept"])]
    assert sorted(map(tuple, rows[["prior", "class", "coef"]].to_numpy())) == sorted(
        [
            ("(flat)", "b", ""),
            ("(flat)", "b", "movisit"),
            ("(flat)", "b", "movisit:moAge"),
            ("(flat)", "b", "movisit:zBase"),
            ("(flat)", "b", "zAge"),
            ("(flat)", "b", "zBase"),
            ("student_t(3, 1.4, 2.5)", "Intercept", ""),
            ("dirichlet(1)", "simo", "movisit:moAge1"),
            ("dirichlet(1)", "simo", "movisit:moAge2"),
            ("dirichlet(1)", "simo", "movisit:zBase1"),
            ("dirichlet(1)", "simo", "movisit1"),
        ]
    )


# Smooth options (brms 2.18's get_prior on epilepsy): an unpenalized s(fx = TRUE)
# has only class b columns, but brms lists an sds row for every smooth term.
def test_smooth_option_default_priors(epilepsy):
    formula = "count ~ s(zAge, m = 1) + s(zBase, k = 5, fx = TRUE)"
    table = get_prior(formula, epilepsy, "poisson")
    rows = table[table["class"].isin(["b", "sds", "Intercept"])]
    assert sorted(map(tuple, rows[["prior", "class", "coef", "lb"]].to_numpy())) == sorted(
        [
            ("(flat)", "b", "", ""),
            *(("(flat)", "b", f"szBase_{k}", "") for k in range(1, 5)),
            ("student_t(3, 1.4, 2.5)", "Intercept", "", ""),
            ("student_t(3, 0, 2.5)", "sds", "", "0"),
            ("(flat)", "sds", "s(zAge, m = 1)", "0"),
            ("(flat)", "sds", "s(zBase, k = 5, fx = TRUE)", "0"),
        ]
    )


# mo() calls sharing an id (brms 2.18's get_prior on epilepsy): one simplex prior,
# whose coef is the id.
def test_monotonic_id_default_priors(epilepsy):
    formula = 'count ~ mo(visit, id = "v") + mo(visit, id = "v"):zAge'
    table = get_prior(formula, epilepsy, "poisson")
    rows = table[table["class"].isin(["b", "simo", "Intercept"])]
    assert sorted(map(tuple, rows[["prior", "class", "coef"]].to_numpy())) == sorted(
        [
            ("(flat)", "b", ""),
            ("(flat)", "b", "movisitidEQv"),
            ("(flat)", "b", "movisitidEQv:zAge"),
            ("student_t(3, 1.4, 2.5)", "Intercept", ""),
            ("dirichlet(1)", "simo", "v"),
        ]
    )


# subset(): brms's rows for a response with a subset; the intercept's prior centres on
# the median of the rows the response uses, and a level of g only outside the subset
# (g4) still counts as a level (sd rows unchanged).
def test_subset_default_priors():
    data = pd.DataFrame(
        {
            "y1": [10.0, None, 11.0, None, 12.0, None, 13.0, None],
            "y2": [0.0, 1.0, 0.5, 2.0, 1.5, 1.0, 0.0, 2.0],
            "x": [0.1 * k for k in range(8)],
            "s": [True, False] * 4,
            "g": ["g1", "g4", "g2", "g4", "g3", "g4", "g1", "g4"],
        }
    )
    formula = bf("y1 | subset(s) ~ x + (1 | g)") + bf("y2 ~ x") + set_rescor(False)
    table = get_prior(formula, data)
    columns = ["prior", "class", "coef", "group", "resp", "lb"]
    assert {tuple(r) for r in table[columns].to_numpy()} == {
        ("(flat)", "b", "", "", "y1", ""),
        ("(flat)", "b", "x", "", "y1", ""),
        ("student_t(3, 11.5, 2.5)", "Intercept", "", "", "y1", ""),
        ("student_t(3, 0, 2.5)", "sd", "", "", "y1", "0"),
        ("(flat)", "sd", "", "g", "y1", "0"),
        ("(flat)", "sd", "Intercept", "g", "y1", "0"),
        ("student_t(3, 0, 2.5)", "sigma", "", "", "y1", "0"),
        ("(flat)", "b", "", "", "y2", ""),
        ("(flat)", "b", "x", "", "y2", ""),
        ("student_t(3, 1, 2.5)", "Intercept", "", "", "y2", ""),
        ("student_t(3, 0, 2.5)", "sigma", "", "", "y2", "0"),
    }


# mo() varying over a grouping (brms 2.18's get_prior on epilepsy, rows sorted): an sd
# row for the mo() term's group-level effects next to the intercept's.
def test_group_level_monotonic_default_priors(epilepsy):
    formula = "count ~ zAge + mo(visit) + (1 + mo(visit) | patient)"
    table = get_prior(formula, epilepsy, "poisson")
    columns = ["prior", "class", "coef", "group", "lb"]
    assert sorted(map(tuple, table[columns].to_numpy())) == sorted(
        [
            ("(flat)", "b", "", "", ""),
            ("(flat)", "b", "movisit", "", ""),
            ("(flat)", "b", "zAge", "", ""),
            ("lkj_corr_cholesky(1)", "cor", "", "", ""),
            ("(flat)", "cor", "", "patient", ""),
            ("student_t(3, 1.4, 2.5)", "Intercept", "", "", ""),
            ("student_t(3, 0, 2.5)", "sd", "", "", "0"),
            ("(flat)", "sd", "", "patient", "0"),
            ("(flat)", "sd", "Intercept", "patient", "0"),
            ("(flat)", "sd", "movisit", "patient", "0"),
            ("dirichlet(1)", "simo", "movisit1", "", ""),
        ]
    )


# A categorical covariate of mo() (brms 2.18's get_prior on epilepsy, rows sorted): the
# term mo(visit):Trt has one column per contrast of Trt, each with its own simplex.
def test_monotonic_factor_interaction_default_priors(epilepsy):
    table = get_prior("count ~ zAge + mo(visit) * Trt", epilepsy, "poisson")
    rows = table[table["class"].isin(["b", "simo", "Intercept"])]
    assert sorted(map(tuple, rows[["prior", "class", "coef"]].to_numpy())) == sorted(
        [
            ("(flat)", "b", ""),
            ("(flat)", "b", "movisit"),
            ("(flat)", "b", "movisit:Trt1"),
            ("(flat)", "b", "Trt1"),
            ("(flat)", "b", "zAge"),
            ("student_t(3, 1.4, 2.5)", "Intercept", ""),
            ("dirichlet(1)", "simo", "movisit:Trt11"),
            ("dirichlet(1)", "simo", "movisit1"),
        ]
    )


# Time-series covariance structures: brms's flat prior on cosy bounded to (0, 1), and on
# ar and ma of cov = TRUE as without it; after the population-level rows, before sigma.
@pytest.mark.parametrize(
    ("term", "rows"),
    [
        ("cosy(t, g)", [("(flat)", "cosy", "", "0", "1", "default")]),
        (
            "arma(t, g, cov = TRUE)",
            [
                ("(flat)", "ar", "", "-1", "1", "default"),
                ("(flat)", "ma", "", "-1", "1", "default"),
            ],
        ),
    ],
)
def test_time_covariance_default_priors(term, rows):
    df = pd.DataFrame(
        {
            "y": [0.5, 1.5, 2.0, 4.0, 3.0, 1.0],
            "x": [1.0, 2.0, 3.0, 5.0, 4.0, 2.0],
            "t": [1, 2, 3, 1, 2, 3],
            "g": list("aaabbb"),
        }
    )
    table = get_prior(f"y ~ x + {term}", df)
    columns = ["prior", "class", "coef", "lb", "ub", "source"]
    assert [tuple(r) for r in table[columns].to_numpy()] == [
        ("(flat)", "b", "", "", "", "default"),
        ("(flat)", "b", "x", "", "", "(vectorized)"),
        ("student_t(3, 1.8, 2.5)", "Intercept", "", "", "", "default"),
        *rows,
        ("student_t(3, 0, 2.5)", "sigma", "", "0", "", "default"),
    ]


def test_gp_factor_by_default_priors_per_level():
    """brms 2.18's get_prior of gp(x, by = f) in mu and (approximate) in sigma: one
    data-dependent lengthscale prior per level of f, from that level's points alone."""
    df = pd.DataFrame(
        {
            "y": [-1 + 2 * i / 11 for i in range(12)],
            "x": [0.27, 0.39, 0.01, 0.38, 0.87, 0.34, 0.48, 0.6, 0.49, 0.19, 0.83, 0.67],
            "f": list("abc") * 4,
        }
    )
    table = get_prior(bf("y ~ gp(x, by = f)", sigma="~ gp(x, by = f, k = 4, c = 5/4)"), df)
    rows = table[table["class"].isin(["sdgp", "lscale"]) & (table["prior"] != "(flat)")]
    lscale = [
        ("inv_gamma(13.619767, 6.521177)", "gpxfa"),
        ("inv_gamma(4.047046, 0.843335)", "gpxfb"),
        ("inv_gamma(10.426005, 4.401204)", "gpxfc"),
    ]
    expected = [
        (p, c, co, d)
        for d in ("", "sigma")
        for p, c, co in [
            ("student_t(3, 0, 2.5)", "sdgp", ""),
            *[(p, "lscale", co) for p, co in lscale],
        ]
    ]
    assert sorted(tuple(r) for r in rows[["prior", "class", "coef", "dpar"]].to_numpy()) == sorted(
        expected
    )
