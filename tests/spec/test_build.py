"""ModelSpec construction: terms, names table and every input check."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import pybrms as bm
from pybrms.codegen import render
from pybrms.errors import SpecError
from pybrms.formula import bf, set_rescor
from pybrms.spec import FAMILIES, build_model, build_spec, family, get_prior
from pybrms.spec.families import LINKS
from pybrms.spec.terms import FixedEffects, GroupEffects, Offset
from pybrms.standata import make_standata


def _df(**columns) -> pd.DataFrame:
    base = {"x": [0.1, 0.5, 0.9, 1.3, 1.7, 2.0], "g": list("aabbcc"), "h": list("uvuvuv")}
    return pd.DataFrame({**base, **columns})


Y = [0.5, 1.2, 0.3, 2.2, 1.9, 0.8]


def test_epilepsy_spec(epilepsy):
    spec = build_spec("count ~ zAge + zBase * Trt + (1|patient)", epilepsy, "poisson")
    (mu,) = spec.predictors
    assert mu.dpar == "mu" and mu.inverse_link is None  # poisson_log takes the predictor
    assert isinstance(mu.fixed, FixedEffects)
    assert mu.fixed.coefs == ("zAge", "zBase", "Trt1", "zBase:Trt1")
    (g,) = mu.groups
    assert (g.id, g.group, g.M, len(g.levels), g.has_cor) == (1, "patient", 1, 59, False)
    assert g.levels[:3] == ("1", "2", "3") and g.J.min() == 1 and g.J.max() == 59
    assert spec.scalar_dpars == ()
    assert spec.N == 236


@pytest.mark.parametrize(
    ("formula", "fam", "expected"),
    [
        (
            "y ~ x + (1 | g)",
            "gaussian",
            [
                ("b_Intercept", "b_Intercept"),
                ("b.1", "b_x"),
                ("sd_1.1", "sd_g__Intercept"),
                ("sigma", "sigma"),
                ("Intercept", "Intercept"),
                ("r_1_1.1", "r_g[a,Intercept]"),
                ("r_1_1.2", "r_g[b,Intercept]"),
                ("r_1_1.3", "r_g[c,Intercept]"),
            ],
        ),
        (
            "y ~ 0 + x + (0 + x | g:h)",
            "gaussian",
            [
                ("b.1", "b_x"),
                ("sd_1.1", "sd_g:h__x"),
                ("sigma", "sigma"),
                *[
                    (f"r_1_1.{k}", f"r_g:h[{lvl},x]")
                    for k, lvl in enumerate(["a_u", "a_v", "b_u", "b_v", "c_u", "c_v"], start=1)
                ],
            ],
        ),
        (
            "y ~ 1 + (1 + x | g)",
            "gaussian",
            [
                ("b_Intercept", "b_Intercept"),
                ("sd_1.1", "sd_g__Intercept"),
                ("sd_1.2", "sd_g__x"),
                ("cor_1.1", "cor_g__Intercept__x"),
                ("sigma", "sigma"),
                ("Intercept", "Intercept"),
                *[(f"r_1_1.{k}", f"r_g[{lvl},Intercept]") for k, lvl in enumerate("abc", start=1)],
                *[(f"r_1_2.{k}", f"r_g[{lvl},x]") for k, lvl in enumerate("abc", start=1)],
            ],
        ),
        (
            bf("y ~ x", sigma="~ x + (1 | g)"),
            "gaussian",
            [
                ("b_Intercept", "b_Intercept"),
                ("b.1", "b_x"),
                ("b_sigma_Intercept", "b_sigma_Intercept"),
                ("b_sigma.1", "b_sigma_x"),
                ("sd_1.1", "sd_g__sigma_Intercept"),
                ("Intercept", "Intercept"),
                ("Intercept_sigma", "Intercept_sigma"),
                *[
                    (f"r_1_sigma_1.{k}", f"r_g__sigma[{lvl},Intercept]")
                    for k, lvl in enumerate("abc", start=1)
                ],
            ],
        ),
        (
            "y ~ x",
            "cumulative",
            [
                ("b_Intercept.1", "b_Intercept[1]"),
                ("b_Intercept.2", "b_Intercept[2]"),
                ("b.1", "b_x"),
                ("Intercept.1", "Intercept[1]"),
                ("Intercept.2", "Intercept[2]"),
            ],
        ),
    ],
    ids=["gaussian", "interaction_group", "correlated", "sigma", "cumulative"],
)
def test_names_table(formula, fam, expected):
    y = [1, 2, 3, 1, 2, 3] if fam == "cumulative" else Y
    spec = build_spec(formula, _df(y=y), fam)
    assert [(n.column, n.name) for n in spec.names] == expected


def test_term_kinds_and_ids():
    spec = build_spec(
        bf("y ~ x + offset(x) + (1 | g) + (1 | g:h)", sigma="~ (1 | h)"), _df(y=Y), "gaussian"
    )
    mu, sigma = spec.predictors
    assert [type(t) for t in mu.terms] == [FixedEffects, Offset, GroupEffects, GroupEffects]
    assert [g.id for g in spec.groups] == [1, 2, 3]
    assert sigma.inverse_link == "exp" and sigma.fixed is not None and sigma.fixed.coefs == ()
    assert [g.r for g in spec.groups] == [("r_1_1",), ("r_2_1",), ("r_3_sigma_1",)]


def test_spec_is_frozen(epilepsy):
    spec = build_spec("count ~ zAge", epilepsy, "poisson")
    with pytest.raises(AttributeError):
        spec.priors = None  # type: ignore[misc]


def test_categorical_levels_in_order():
    df = _df(y=Y, f=pd.Categorical(list("zzyyxx"), categories=["z", "y", "x"]))
    spec = build_spec("y ~ f", df)
    assert spec.predictors[0].fixed.coefs == ("fy", "fx")  # first level is the reference


def test_missing_rows_are_dropped_with_warning():
    df = _df(y=[0.5, np.nan, 0.3, 2.2, 1.9, 0.8], unused=[np.nan] * 6)
    with pytest.warns(UserWarning, match="Dropped 1 of 6 rows"):
        spec = build_spec("y ~ x", df)
    assert spec.N == 5


@pytest.mark.parametrize(
    "formula",
    ["y ~ x", bf("y | subset(s) ~ x") + bf("x ~ 1") + set_rescor(False)],
    ids=["univariate", "multivariate_subset"],
)
def test_dropped_rows_warning_points_at_the_users_call(formula):
    """However deep the package's own calls, the warning names this file."""
    df = _df(y=[0.5, np.nan, 0.3, 2.2, 1.9, 0.8], s=[1, 1, 0, 1, 1, 1])
    with pytest.warns(UserWarning, match="Dropped 1 of 6 rows") as record:
        bm.standata(formula, df)
    assert [w.filename for w in record] == [__file__]


def test_no_warning_without_missing_values():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_spec("y ~ x", _df(y=Y))


def _error(formula, fam="gaussian", **columns) -> str:
    with pytest.raises(SpecError) as err:
        build_spec(formula, _df(**columns), fam)
    return str(err.value)


@pytest.mark.parametrize(
    ("formula", "fam", "columns", "message"),
    [
        ("y ~ xx", "gaussian", {"y": Y}, "Column 'xx' is not in the data (did you mean 'x'?)"),
        ("y ~ x", "gausian", {"y": Y}, "Unknown family 'gausian'. Valid families: acat, bernoulli"),
        (
            "count ~ x",
            "poisson",
            {"count": [1, 2, -1, 0, 1, 2]},
            "Response 'count' of family 'poisson' must be a non-negative integer; row 2 has -1",
        ),
        (
            "count ~ x",
            "negbinomial",
            {"count": [1, 2, 1.5, 0, 1, 2]},
            "must be a non-negative integer; row 2 has 1.5",
        ),
        ("y ~ x", "bernoulli", {"y": [0, 1, 2, 0, 1, 0]}, "must be 0 or 1; row 2 has 2"),
        (
            "y | trials(n) ~ x",
            "binomial",
            {"y": [1, 2, 7, 0, 1, 2], "n": [5] * 6},
            "must not exceed trials(); row 2 has 7 > 5 trials",
        ),
        ("y ~ x", "binomial", {"y": [1, 2, 3, 0, 1, 2]}, "needs the addition term trials()"),
        (
            "y | trials(n) ~ x",
            "poisson",
            {"y": [1, 2, 3, 0, 1, 2], "n": [5] * 6},
            "Addition term trials(n) is not allowed for family 'poisson'",
        ),
        (
            "y ~ x",
            "lognormal",
            {"y": [1.0, 2.0, 0.0, 1.0, 2.0, 3.0]},
            "must be positive; row 2 has 0",
        ),
        (
            "y ~ x",
            "Gamma",
            {"y": [1.0, -2.0, 1.0, 1.0, 2.0, 3.0]},
            "must be positive; row 1 has -2",
        ),
        (
            "y ~ x",
            "beta",
            {"y": [0.5, 0.2, 1.0, 0.1, 0.2, 0.3]},
            "must be strictly between 0 and 1; row 2 has 1",
        ),
        (
            "count ~ x",
            "zero_inflated_poisson",
            {"count": [1, 2, 0.5, 0, 1, 2]},
            "family 'zero_inflated_poisson' must be a non-negative integer; row 2 has 0.5",
        ),
        (
            "count ~ x",
            "hurdle_negbinomial",
            {"count": [1, -3, 0, 0, 1, 2]},
            "family 'hurdle_negbinomial' must be a non-negative integer; row 1 has -3",
        ),
        (
            "y ~ x",
            "weibull",
            {"y": [1.0, 2.0, 0.0, 1.0, 2.0, 3.0]},
            "must be positive; row 2 has 0",
        ),
        ("y ~ x", "exponential", {"y": [1.0, -1.0, 1, 1, 2, 3]}, "must be positive; row 1 has -1"),
        ("y ~ x", "cumulative", {"y": [1, 2, 0, 1, 2, 3]}, "must be an integer 1..K; row 2 has 0"),
        ("y ~ x", "cumulative", {"y": [1, 2, 2.5, 1, 2, 3]}, "row 2 has 2.5"),
        (
            "y ~ x + (1 | k)",
            "gaussian",
            {"y": Y, "k": ["one"] * 6},
            "Grouping factor 'k' has only one level ('one')",
        ),
        (
            "y | weights(v) ~ x",
            "gaussian",
            {"y": Y, "v": [1, 1, -1, 1, 1, 1]},
            "Weights must be non-negative; row 2 has -1",
        ),
        ("y ~ x", "gaussian", {"y": ["a", "b", "c", "d", "e", "f"]}, "must be numeric"),
        ("y ~ 0 + x", "cumulative", {"y": [1, 2, 3, 1, 2, 3]}, "always has thresholds"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None,
)
def test_input_errors(formula, fam, columns, message):
    assert message in _error(formula, fam, **columns)


def test_unknown_link_lists_valid_ones():
    with pytest.raises(SpecError, match="Valid links: log, identity, sqrt"):
        family("poisson", link="logit")


def test_unknown_dpar_lists_valid_ones():
    with pytest.raises(SpecError, match="has no distributional parameter 'sigma'.*none"):
        build_spec(bf("y ~ x", sigma="~ x"), _df(y=[1, 2, 3, 0, 1, 2]), "poisson")


# A response for each left-hand side of the formulas below.
RESPONSES = {
    "count": [1, 2, 3, 0, 1, 2],
    "prop": [0.0, 0.2, 0.9, 0.5, 0.3, 0.7],
    "y": [1.0, 2.5, 2.0, 4.1, 0.5, 1.2],
}


@pytest.mark.parametrize(
    ("formula", "fam", "expected"),
    [
        ("count ~ x", "zero_inflated_poisson", [("beta(1, 1)", "zi", 0.0, 1.0)]),
        ("count ~ x", "hurdle_poisson", [("beta(1, 1)", "hu", 0.0, 1.0)]),
        (
            "count ~ x",
            "zero_inflated_negbinomial",
            [("gamma(0.01, 0.01)", "shape", 0.0, None), ("beta(1, 1)", "zi", 0.0, 1.0)],
        ),
        (
            bf("count ~ x", hu="~ x"),
            "hurdle_negbinomial",
            [
                ("logistic(0, 1)", "Intercept", None, None),
                ("gamma(0.01, 0.01)", "shape", 0.0, None),
            ],
        ),
        ("y ~ x", "weibull", [("gamma(0.01, 0.01)", "shape", 0.0, None)]),
        (
            "y ~ x",
            "skew_normal",
            [("student_t(3, 0, 2.5)", "sigma", 0.0, None), ("normal(0, 4)", "alpha", None, None)],
        ),
        (
            "y ~ x",
            "shifted_lognormal",
            [("student_t(3, 0, 2.5)", "sigma", 0.0, None), ("uniform(0, 0.5)", "ndt", 0.0, 0.5)],
        ),
        ("count | trials(n) ~ x", "zero_inflated_binomial", [("beta(1, 1)", "zi", 0.0, 1.0)]),
        (
            "prop ~ x",
            "zero_inflated_beta",
            [("gamma(0.01, 0.01)", "phi", 0.0, None), ("beta(1, 1)", "zi", 0.0, 1.0)],
        ),
        (
            "prop ~ x",
            "zero_one_inflated_beta",
            [
                ("gamma(0.01, 0.01)", "phi", 0.0, None),
                ("beta(1, 1)", "zoi", 0.0, 1.0),
                ("beta(1, 1)", "coi", 0.0, 1.0),
            ],
        ),
        (
            bf("prop ~ x", zoi="~ x", coi="~ 1"),
            "zero_one_inflated_beta",
            [
                ("logistic(0, 1)", "Intercept", None, None),
                ("logistic(0, 1)", "Intercept", None, None),
                ("gamma(0.01, 0.01)", "phi", 0.0, None),
            ],
        ),
        (
            "y ~ x",
            "hurdle_gamma",
            [("gamma(0.01, 0.01)", "shape", 0.0, None), ("beta(1, 1)", "hu", 0.0, 1.0)],
        ),
        (
            bf("y ~ x", hu="~ x"),
            "hurdle_lognormal",
            [
                ("logistic(0, 1)", "Intercept", None, None),
                ("student_t(3, 0, 2.5)", "sigma", 0.0, None),
            ],
        ),
        ("count | trials(n) ~ x", "beta_binomial", [("gamma(0.01, 0.01)", "phi", 0.0, None)]),
        ("count ~ x", "geometric", []),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_brms_default_priors_and_bounds_of_family_parameters(formula, fam, expected):
    column = next(c for c in RESPONSES if c in str(formula))
    spec = build_spec(formula, _df(n=[5] * 6, **{column: RESPONSES[column]}), fam)
    rows = [r for r in spec.priors.rows if r.cls != "b" and (r.cls, r.dpar) != ("Intercept", "")]
    assert [(str(r.prior), r.cls, r.lb, r.ub) for r in rows] == expected


@pytest.mark.parametrize("smallest", [0.7, 1 / 3, 6.7556901546155395, 2.5e-7, 12345.678901234567])
def test_ndt_lies_below_the_smallest_response_the_program_computes(smallest):
    """As brms: ndt's bound is min(Y), computed in transformed data (no number that new
    data would change), and the upper limit of its uniform prior (data) is that same
    number, so that the prior keeps all its mass within the bounds."""
    y = [smallest * k for k in (1.5, 1, 2, 3, 4, 5)]
    spec = build_spec("y ~ x", _df(y=y), "shifted_lognormal")
    code = render(spec)
    assert "  real min_Y = min(Y);\n" in code
    assert "  real<lower=0, upper=min_Y> ndt;  // non-decision time parameter\n" in code
    assert (
        "  lprior += uniform_lpdf(ndt | ndt_prior_alpha, ndt_prior_beta)\n"
        "    - 1 * uniform_lcdf(min_Y | ndt_prior_alpha, ndt_prior_beta);\n"
    ) in code
    data = make_standata(spec)
    assert data["ndt_prior_beta"] == min(data["Y"]) == smallest


def test_min_y_of_each_response_and_of_mixture_components():
    """A multivariate model computes min_Y_<resp> for its shifted_lognormal response,
    which bounds and truncates a user prior on ndt_<resp> (brms's min_Y_<resp>); the
    components of a mixture share min_Y."""
    data = _df(y=Y, z=[2.0, 0.4, 1.1, 0.9, 3.0, 0.6])
    user = bm.prior("normal(0.1, 0.1)", class_="ndt", resp="z")
    formula = bf("z ~ x") + bf("y ~ x") + set_rescor(False)
    mv = render(build_model(formula, data, ("shifted_lognormal", "gaussian"), user)).splitlines()
    assert "  real min_Y_z = min(Y_z);" in mv
    assert "  real<lower=0, upper=min_Y_z> ndt_z;  // non-decision time parameter" in mv
    assert any("normal_lcdf(min_Y_z | ndt_z_prior_mu, ndt_z_prior_sigma)" in s for s in mv)
    two = bm.mixture("shifted_lognormal", "shifted_lognormal")
    mixed = render(build_spec("y ~ x", _df(y=Y), two))
    assert mixed.count("real min_Y = min(Y);") == 1
    assert "real<lower=0, upper=min_Y> ndt2;" in mixed


def test_bounded_family_parameters_are_declared_with_both_bounds():
    code = render(build_spec("count ~ x", _df(count=[1, 2, 3, 0, 1, 2]), "zero_inflated_poisson"))
    assert "real<lower=0, upper=1> zi;  // zero-inflation probability" in code
    assert "lprior += beta_lpdf(zi | zi_prior_alpha, zi_prior_beta);" in code


def test_parameters_fixed_by_the_formula_are_not_sampled():
    spec = build_spec(bf("y ~ x", sigma=1.5), _df(y=Y), "gaussian")
    assert spec.fixed_dpars == {"sigma": 1.5} and not spec.scalar_dpars
    assert "sigma" not in set(get_prior(bf("y ~ x", sigma=1.5), _df(y=Y))["class"])
    # disc other than 1: brms's own density, not Stan's ordered_logistic
    code = render(build_spec(bf("y ~ x", disc=2), _df(y=[1, 2, 3, 2, 1, 3]), "cumulative"))
    assert "cumulative_logit_lpmf(Y[n] | mu[n], 2, Intercept)" in code


def test_student_nu_is_predicted_through_logm1():
    spec = build_spec(bf("y ~ x", nu="~ x"), _df(y=Y), "student")
    (nu,) = [p for p in spec.predictors if p.dpar == "nu"]
    assert nu.link.name == "logm1"
    assert "nu" not in {d.name for d in spec.scalar_dpars}
    assert "vector[N] nu = expp1(" in render(spec)


def test_unknown_columns_listed_with_close_matches(epilepsy):
    with pytest.raises(SpecError, match=r"Column 'zage' .*'zAge'.*Column 'zbase' .*'zBase'"):
        build_spec("count ~ zage + zbase", epilepsy, "poisson")


def test_ordered_categorical_response():
    y = pd.Categorical(list("lmhlmh"), categories=["l", "m", "h"], ordered=True)
    spec = build_spec("y ~ x", _df(y=y), "cumulative")
    assert spec.response.values.tolist() == [1, 2, 3, 1, 2, 3] and spec.response.nthres == 2


def test_every_family_has_its_template():
    from pybrms.codegen.render import template_dir

    templates = template_dir()
    for fam in FAMILIES.values():
        likelihoods = [s for s in (fam.stan, fam.general_stan) if s is not None]
        for stan in likelihoods:
            assert (templates / "families" / f"{stan.template}.stan.j2").is_file()
            assert all((templates / "functions" / f).is_file() for f in stan.functions)
            assert set(stan.dist) <= set(fam.links)
        assert {link for s in likelihoods for link in s.dist} == set(fam.links)
        for link in fam.links:
            assert all((templates / "functions" / f).is_file() for f in LINKS[link].functions)


def test_every_family_record_pickles():
    """A fitted model pickles its family: the record holds no lambdas or closures."""
    for fam in FAMILIES.values():
        assert pickle.loads(pickle.dumps(fam)).stan == fam.stan


def test_one_observation_makes_a_model() -> None:
    """As brms, a single row fits (priors carry the model); nothing divides by N - 1."""
    df = pd.DataFrame({"y": [1.5], "x": [0.3]})
    spec = build_spec("y ~ x", df)
    assert spec.N == 1
    assert str(spec.priors.resolve([("Intercept", "", "", "")])) == "student_t(3, 1.5, 2.5)"
    data = make_standata(spec)
    assert data["N"] == 1 and data["X"].shape == (1, 2)
    assert "vector[N] Y;" in render(spec)


ORD = [1, 2, 3, 2, 1, 3]
Z = [0.3, -1.0, 0.5, 2.0, -0.2, 0.7]


@pytest.mark.parametrize("fam", ["cumulative", "sratio", "cratio", "acat"])
def test_disc_is_fixed_at_one_unless_predicted(fam):
    fixed = build_spec("y ~ x", _df(y=ORD), fam)
    assert fixed.fixed_dpars == {"disc": 1.0}
    assert not fixed.scalar_dpars
    assert not any("disc" in n.name for n in fixed.names)
    assert "disc" not in fixed.priors.to_frame()["class"].tolist()
    predicted = build_spec(bf("y ~ x", disc="~ 0 + z"), _df(y=ORD, z=Z), fam)
    assert predicted.fixed_dpars == {}
    assert [n.name for n in predicted.names if "disc" in n.name] == ["b_disc_z"]
    assert "vector[N] disc = exp(X_disc * b_disc);" in render(predicted)


@pytest.mark.parametrize(
    ("fam", "declared"),
    [("cumulative", "ordered"), ("sratio", "vector"), ("cratio", "vector"), ("acat", "vector")],
)
def test_thresholds_are_ordered_only_for_cumulative(fam, declared):
    """brms's special "ordered_thres" is cumulative's alone: the sequential and adjacent
    category families' thresholds are a plain vector (an ordering constraint would
    change their posterior)."""
    code = render(build_spec("y ~ x", _df(y=ORD), fam))
    assert f"  {declared}[nthres] Intercept;" in code


@pytest.mark.parametrize(
    ("formula", "link", "call"),
    [
        ("y ~ x", "logit", "ordered_logistic_glm_lpmf(Y | Xc, b, Intercept)"),
        ("y ~ x + (1 | g)", "probit", "ordered_probit_lpmf(Y | mu, Intercept)"),
        ("y ~ x", "cloglog", "cumulative_cloglog_lpmf(Y[n] | mu[n], 1, Intercept)"),
        (
            bf("y ~ x", disc="~ 0 + z"),
            "logit",
            "cumulative_logit_lpmf(Y[n] | mu[n], disc[n], Intercept)",
        ),
    ],
    ids=["glm", "builtin", "cloglog", "disc"],
)
def test_cumulative_uses_stan_densities_where_brms_does(formula, link, call):
    """As brms: Stan's ordered_* densities for logit and probit with disc fixed, else
    brms's own cumulative_<link> density of one response."""
    code = render(build_spec(formula, _df(y=ORD, z=Z), family("cumulative", link=link)))
    assert call in code


@pytest.mark.parametrize(
    ("fam", "link", "functions"),
    [
        ("sratio", "cauchit", ("real sratio_cauchit_lpmf(", "real inv_cauchit(")),
        ("cratio", "logit", ("real cratio_logit_lpmf(",)),
        ("acat", "probit", ("real acat_probit_lpmf(",)),
        ("von_mises", "tan_half", ("real inv_tan_half(",)),
    ],
)
def test_functions_of_family_and_link_are_included(fam, link, functions):
    y = ORD if fam != "von_mises" else [0.1, -2.0, 3.0, 1.0, 0.5, -0.3]
    code = render(build_spec("y ~ x", _df(y=y), family(fam, link=link)))
    for f in functions:
        assert code.count(f) == 1
    assert code.count("_lpmf(int y") == (fam != "von_mises")


@pytest.mark.parametrize(
    ("y", "categories", "codes"),
    [
        (["b", "a", "c", "a"], ("a", "b", "c"), [2, 1, 3, 1]),
        (
            pd.Categorical(["x", "z", "y", "z"], categories=["z", "y", "x"]),
            ("z", "y", "x"),
            [3, 1, 2, 1],
        ),
        ([3, 1, 2, 1], ("1", "2", "3"), [3, 1, 2, 1]),
    ],
    ids=["strings", "categorical_levels", "integers"],
)
def test_categorical_response_codes_and_predictor_names(y, categories, codes):
    df = pd.DataFrame({"y": y, "x": [0.1, 0.4, -0.3, 1.2], "z": [1.0, 0.0, 2.0, 1.0]})
    spec = build_spec("y ~ x", df, "categorical")
    assert spec.response.categories == categories
    assert spec.response.values.tolist() == codes
    names = [f"mu{c}" for c in categories[1:]]
    assert [p.dpar for p in spec.predictors] == names
    own = build_spec(bf("y ~ x", **{names[1]: "~ z"}), df, "categorical")
    assert [n.name for n in own.names if n.cls == "b"] == [
        f"b_{names[0]}_Intercept",
        f"b_{names[0]}_x",
        f"b_{names[1]}_Intercept",
        f"b_{names[1]}_z",
    ]
