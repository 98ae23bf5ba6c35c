"""Bad inputs are refused by brm() with a specific error, before anything is compiled.

One row per bad input: what brm() is called with, the exception class, and the
texts that must appear in the message (the column, term, prior or argument to
blame, and the row where there is one). The compile step is replaced by a
function that fails the test, and every call runs in an empty directory that
must stay empty: formula code must never run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pybrms as bm
from pybrms.errors import FormulaSyntaxError, PybrmsError, SpecError


def frame(**changes: Any) -> pd.DataFrame:
    """Eight clean rows (index 10..17), with ``changes`` as {column: {row: value}}."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "y": rng.normal(size=8),
            "x": rng.normal(size=8),
            "z": rng.normal(size=8),
            "t": rng.uniform(1, 2, size=8),
            "w": np.ones(8),
            "n": np.full(8, 10),
            "k": np.arange(8),
            "g": list("aabbccdd"),
            "p": rng.uniform(0.1, 0.9, size=8),
        },
        index=range(10, 18),
    )
    for column, rows in changes.items():
        df[column] = df[column].astype(object if isinstance(df[column].iloc[0], str) else float)
        for row, value in rows.items():
            df.loc[row, column] = value
    return df


def memberships(**changes: Any) -> pd.DataFrame:
    """:func:`frame` with a second membership ``g2`` and weights ``w1``, ``w2`` for mm()."""
    df = frame()
    df["g2"] = list("bbccddaa")
    df["w1"] = np.linspace(0.1, 0.8, 8)
    df["w2"] = 1.0
    for column, rows in changes.items():
        if any(isinstance(value, str) for value in rows.values()):
            df[column] = df[column].astype(object)
        for row, value in rows.items():
            df.loc[row, column] = value
    return df


def duplicated_columns() -> pd.DataFrame:
    df = frame()
    return pd.concat([df, df[["x"]]], axis=1)


Row = tuple[Callable[[], dict[str, Any]], type[PybrmsError], tuple[str, ...]]

ROWS: dict[str, Row] = {
    # non-finite data, named by column or term and row
    "predictor_inf": (
        lambda: dict(formula="y ~ x", data=frame(x={12: np.inf})),
        SpecError,
        ("Predictor 'x'", "row 12", "inf"),
    ),
    "transformed_predictor_inf": (
        lambda: dict(formula="y ~ log(t)", data=frame(t={13: 0.0})),
        SpecError,
        ("Predictor 'log(t)'", "row 13", "-inf"),
    ),
    "group_predictor_inf": (
        lambda: dict(formula="y ~ 1 + (1 + z | g)", data=frame(z={11: -np.inf})),
        SpecError,
        ("Predictor 'z'", "row 11"),
    ),
    "offset_inf": (
        lambda: dict(formula="y ~ x + offset(log(t))", data=frame(t={14: 0.0})),
        SpecError,
        ("Offset 'log(t)'", "row 14"),
    ),
    "weights_inf": (
        lambda: dict(formula="y | weights(w) ~ x", data=frame(w={15: np.inf})),
        SpecError,
        ("weights(w)", "row 15"),
    ),
    "trials_inf": (
        lambda: dict(formula="k | trials(n) ~ x", family="binomial", data=frame(n={16: np.inf})),
        SpecError,
        ("trials(n)", "row 16"),
    ),
    "response_inf": (
        lambda: dict(formula="y ~ x", data=frame(y={10: np.inf})),
        SpecError,
        ("Response 'y'", "row 10"),
    ),
    "count_response_inf": (
        lambda: dict(formula="k ~ x", family="poisson", data=frame(k={17: np.inf})),
        SpecError,
        ("Response 'k'", "row 17"),
    ),
    # integers beyond Stan's int
    "count_beyond_int": (
        lambda: dict(formula="k ~ x", family="poisson", data=frame(k={12: 2**40})),
        SpecError,
        ("Response 'k'", "integer range", "32-bit", "row 12", str(2**40)),
    ),
    "trials_beyond_int": (
        lambda: dict(formula="k | trials(n) ~ x", family="binomial", data=frame(n={13: 2**62})),
        SpecError,
        ("trials(n)", "integer range", "row 13"),
    ),
    # addition terms se(), rate(), cens(), trunc(): family, values and rows
    "se_on_count_family": (
        lambda: dict(formula="k | se(t) ~ x", family="poisson", data=frame()),
        SpecError,
        ("se(t)", "'poisson'", "gaussian, student or skew_normal"),
    ),
    "se_zero_without_sigma": (
        lambda: dict(formula="y | se(t) ~ x", data=frame(t={14: 0.0})),
        SpecError,
        ("se(t)", "positive", "sigma = TRUE", "row 14"),
    ),
    "se_negative": (
        lambda: dict(formula="y | se(t, sigma = TRUE) ~ x", data=frame(t={15: -0.5})),
        SpecError,
        ("se(t, sigma = TRUE)", "non-negative", "row 15", "-0.5"),
    ),
    "se_with_sigma_formula": (
        lambda: dict(formula=bm.bf("y | se(t) ~ x", sigma="~ z"), data=frame()),
        SpecError,
        ("sigma cannot have a formula", "se(t)", "sigma = TRUE"),
    ),
    "rate_on_continuous_family": (
        lambda: dict(formula="y | rate(t) ~ x", data=frame()),
        SpecError,
        ("rate(t)", "'gaussian'", "count family"),
    ),
    "rate_zero": (
        lambda: dict(formula="k | rate(t) ~ x", family="poisson", data=frame(t={12: 0.0})),
        SpecError,
        ("rate(t)", "positive", "row 12"),
    ),
    "cens_without_cdf": (
        lambda: dict(formula="k | cens(w) ~ x", family="bernoulli", data=frame()),
        SpecError,
        ("cens(w)", "'bernoulli'", "cumulative distribution function"),
    ),
    "cens_code_5": (
        lambda: dict(formula="y | cens(w) ~ x", data=frame(w={15: 5})),
        SpecError,
        ("cens(w)", "row 15 has 5", "'left', 'none', 'right', 'interval'"),
    ),
    "cens_word_unknown": (
        lambda: dict(
            formula="y | cens(c) ~ x", data=frame().assign(c=["none", "above"] + ["right"] * 6)
        ),
        SpecError,
        ("cens(c)", "row 11 has 'above'"),
    ),
    "cens_interval_without_y2": (
        lambda: dict(formula="y | cens(w) ~ x", data=frame(w={11: 2})),
        SpecError,
        ("cens(w)", "interval-censored", "cens(x, y2)", "row 11"),
    ),
    "cens_y2_below_response": (
        lambda: dict(formula="y | cens(w, z) ~ x", data=frame(w={11: 2}, y={11: 1.0}, z={11: 0.5})),
        SpecError,
        ("y2 of cens(w, y2 = z)", "row 11", "0.5 <= 1"),
    ),
    "trunc_without_cdf": (
        lambda: dict(
            formula="p | trunc(ub = 1) ~ x", family="zero_one_inflated_beta", data=frame()
        ),
        SpecError,
        ("trunc(ub = 1)", "'zero_one_inflated_beta'", "cumulative distribution function"),
    ),
    "trunc_response_outside": (
        lambda: dict(formula="y | trunc(lb = -10) ~ x", data=frame(y={13: -20.0})),
        SpecError,
        ("Response 'y'", "trunc(lb = -10)", "row 13", "-20"),
    ),
    "trunc_bounds_crossed": (
        lambda: dict(formula="y | trunc(lb = -10, ub = t) ~ x", data=frame(t={12: -20.0})),
        SpecError,
        ("trunc(lb = -10, ub = t)", "lb < ub", "row 12"),
    ),
    "trunc_count_bound_not_integer": (
        lambda: dict(formula="k | trunc(lb = 0.5) ~ x", family="poisson", data=frame()),
        SpecError,
        ("bound lb of trunc(lb = 0.5)", "integers", "'poisson'"),
    ),
    "trunc_unknown_argument": (
        lambda: dict(formula="y | trunc(lo = 0) ~ x", data=frame()),
        FormulaSyntaxError,
        ("trunc() has no argument 'lo'", "lb, ub"),
    ),
    # priors outside their support, named by prior and argument
    "prior_negative_scale": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("normal(0, -1)")),
        SpecError,
        ("normal(0, -1)", "sigma", "positive"),
    ),
    "prior_zero_df": (
        lambda: dict(
            formula="y ~ x", data=frame(), prior=bm.prior("student_t(0, 0, 1)", class_="sigma")
        ),
        SpecError,
        ("student_t(0, 0, 1)", "nu"),
    ),
    "prior_zero_rate": (
        lambda: dict(
            formula="k ~ x",
            family="negbinomial",
            data=frame(),
            prior=bm.prior("gamma(2, 0)", class_="shape"),
        ),
        SpecError,
        ("gamma(2, 0)", "beta"),
    ),
    "prior_lkj_eta": (
        lambda: dict(
            formula="y ~ x + (1 + x | g)", data=frame(), prior=bm.prior("lkj(0)", class_="cor")
        ),
        SpecError,
        ("lkj(0)", "eta"),
    ),
    "prior_uniform_limits": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("uniform(1, 0)")),
        SpecError,
        ("uniform(1, 0)", "alpha=1", "beta=0"),
    ),
    "prior_support_beyond_bounds": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("uniform(0, 1)", lb=-1, ub=1)),
        SpecError,
        ("uniform(0, 1)", "class='b'", "-1"),
    ),
    "prior_bounded_on_unbounded_class": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("gamma(2, 1)", "Intercept")),
        SpecError,
        ("gamma(2, 1)", "class='Intercept'", "bounded below"),
    ),
    "prior_bound_not_a_number": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("normal(0, 1)", lb="0")),
        SpecError,
        ("lb", "'0'"),
    ),
    # data and formula structure
    "duplicated_column": (
        lambda: dict(formula="y ~ x", data=duplicated_columns()),
        SpecError,
        ("more than one column named 'x'",),
    ),
    "empty_term": (
        lambda: dict(formula="y ~ 1 + + x", data=frame()),
        FormulaSyntaxError,
        ("empty term between '+' and '+'", "^^^"),
    ),
    "duplicated_group_intercept": (
        lambda: dict(formula="y ~ x + (1 | g) + (1 | g)", data=frame()),
        SpecError,
        ("Duplicated group-level effects", "'Intercept'", "group 'g'", "(1 | g)"),
    ),
    "duplicated_group_intercept_with_slopes": (
        lambda: dict(formula="y ~ x + (1 + x | g) + (1 + z | g)", data=frame()),
        SpecError,
        ("Duplicated group-level effects", "'Intercept'", "(1 + x | g)", "(1 + z | g)"),
    ),
    "duplicated_group_slope": (
        lambda: dict(formula="y ~ x + (1 + x | g) + (0 + x | g)", data=frame()),
        SpecError,
        ("Duplicated group-level effects", "effect 'x'", "group 'g'"),
    ),
    "family_not_a_name": (
        lambda: dict(formula="y ~ x", data=frame(), family=bm.family(1)),
        SpecError,
        ("family()", "1"),
    ),
    "link_not_a_name": (
        lambda: dict(formula="y ~ x", data=frame(), family=bm.family("gaussian", link=2)),
        SpecError,
        ("family()", "2"),
    ),
    "formula_not_a_string": (
        lambda: dict(formula=["y ~ x"], data=frame()),
        SpecError,
        ("formula", "list"),
    ),
    # formulas are code: nothing outside data, numbers and the documented functions
    "import_in_term": (
        lambda: dict(formula="y ~ I(__import__('os').system('touch f') + x)", data=frame()),
        SpecError,
        ("I(__import__('os').system('touch f') + x)", "'__import__'"),
    ),
    "import_in_python_block": (
        lambda: dict(formula="y ~ {__import__('os').system('touch f')}", data=frame()),
        SpecError,
        ("'__import__'",),
    ),
    "builtin_in_response": (
        lambda: dict(formula="I(open('f', 'w').close() or y) ~ x", data=frame()),
        SpecError,
        ("the function 'open'",),
    ),
    "builtin_in_offset": (
        lambda: dict(formula="y ~ x + offset(eval('t'))", data=frame()),
        SpecError,
        ("the function 'eval'", "offset(eval('t'))"),
    ),
    "builtin_in_addition": (
        lambda: dict(formula="y | weights(exec('w')) ~ x", data=frame()),
        SpecError,
        ("the function 'exec'",),
    ),
    "numpy_file_io": (
        lambda: dict(formula="y ~ I(np.save('f', x))", data=frame()),
        SpecError,
        ("'.save'", "np.save('f', x)"),
    ),
    "column_method": (
        lambda: dict(formula="y ~ I(x.to_csv('f'))", data=frame()),
        SpecError,
        ("'.to_csv'",),
    ),
    "dunder_attribute": (
        lambda: dict(formula="y ~ I(x.__class__)", data=frame()),
        SpecError,
        ("'.__class__'",),
    ),
    "call_of_computed_value": (
        lambda: dict(formula="y ~ I((lambda: x)())", data=frame()),
        SpecError,
        ("I((lambda: x)())", "a call of a computed value"),
    ),
    "lambda": (
        lambda: dict(formula="y ~ I(where(x > 0, lambda: 1, x))", data=frame()),
        SpecError,
        ("Lambda syntax",),
    ),
    # responses outside the support of the family, named by row and value
    "von_mises_beyond_pi": (
        lambda: dict(formula="y ~ x", family="von_mises", data=frame(y={12: 4.0})),
        SpecError,
        ("Response 'y'", "'von_mises'", "between -pi and pi", "row 12 has 4"),
    ),
    "frechet_negative": (
        lambda: dict(formula="t ~ x", family="frechet", data=frame(t={13: -1.0})),
        SpecError,
        ("Response 't'", "'frechet'", "positive", "row 13", "-1"),
    ),
    "sratio_zero_category": (
        lambda: dict(formula="k ~ x", family="sratio", data=frame()),
        SpecError,
        ("Response 'k'", "'sratio'", "integer 1..K", "row 10 has 0"),
    ),
    "acat_fractional_category": (
        lambda: dict(formula="k ~ x", family="acat", data=frame(k={10: 1, 13: 2.5})),
        SpecError,
        ("Response 'k'", "'acat'", "row 13 has 2.5"),
    ),
    "cratio_one_category": (
        lambda: dict(
            formula="k ~ x", family="cratio", data=frame(k=dict.fromkeys(range(10, 18), 1))
        ),
        SpecError,
        ("Response 'k'", "'cratio'", "at least two categories"),
    ),
    # parameters and links the family does not have
    "disc_of_gaussian": (
        lambda: dict(formula=bm.bf("y ~ x", disc="~ z"), data=frame()),
        SpecError,
        ("'gaussian'", "'disc'", "sigma"),
    ),
    "sratio_log_link": (
        lambda: dict(formula="k ~ x", family=bm.family("sratio", link="log"), data=frame()),
        SpecError,
        ("'log'", "'sratio'", "logit, probit, cloglog, cauchit"),
    ),
    # responses outside the support of the family, named by column, row and value
    "zero_inflated_binomial_fraction": (
        lambda: dict(
            formula="k | trials(n) ~ x", family="zero_inflated_binomial", data=frame(k={12: 2.5})
        ),
        SpecError,
        ("Response 'k'", "'zero_inflated_binomial'", "non-negative integer", "row 12", "2.5"),
    ),
    "zero_inflated_binomial_above_trials": (
        lambda: dict(
            formula="k | trials(n) ~ x", family="zero_inflated_binomial", data=frame(k={13: 11})
        ),
        SpecError,
        ("Response 'k'", "must not exceed trials()", "row 13", "11 > 10"),
    ),
    "zero_inflated_binomial_without_trials": (
        lambda: dict(formula="k ~ x", family="zero_inflated_binomial", data=frame()),
        SpecError,
        ("'zero_inflated_binomial'", "trials()"),
    ),
    "beta_binomial_negative": (
        lambda: dict(formula="k | trials(n) ~ x", family="beta_binomial", data=frame(k={14: -1})),
        SpecError,
        ("Response 'k'", "'beta_binomial'", "non-negative integer", "row 14", "-1"),
    ),
    "beta_binomial_without_trials": (
        lambda: dict(formula="k ~ x", family="beta_binomial", data=frame()),
        SpecError,
        ("'beta_binomial'", "trials()"),
    ),
    "geometric_fraction": (
        lambda: dict(formula="k ~ x", family="geometric", data=frame(k={15: 0.5})),
        SpecError,
        ("Response 'k'", "'geometric'", "non-negative integer", "row 15", "0.5"),
    ),
    "zero_inflated_beta_one": (
        lambda: dict(formula="p ~ x", family="zero_inflated_beta", data=frame(p={11: 1.0})),
        SpecError,
        ("Response 'p'", "'zero_inflated_beta'", "at least 0 and below 1", "row 11", "has 1"),
    ),
    "zero_one_inflated_beta_above_one": (
        lambda: dict(formula="p ~ x", family="zero_one_inflated_beta", data=frame(p={12: 1.5})),
        SpecError,
        ("Response 'p'", "'zero_one_inflated_beta'", "between 0 and 1", "row 12", "1.5"),
    ),
    "hurdle_gamma_negative": (
        lambda: dict(formula="t ~ x", family="hurdle_gamma", data=frame(t={13: -0.5})),
        SpecError,
        ("Response 't'", "'hurdle_gamma'", "non-negative", "row 13", "-0.5"),
    ),
    "hurdle_lognormal_negative": (
        lambda: dict(formula="t ~ x", family="hurdle_lognormal", data=frame(t={16: -2.0})),
        SpecError,
        ("Response 't'", "'hurdle_lognormal'", "non-negative", "row 16", "-2"),
    ),
    # shrinkage priors: brms's argument checks, on the whole class b only
    "horseshoe_df": (
        lambda: dict(formula="y ~ x + z", data=frame(), prior=bm.prior("horseshoe(-1)")),
        SpecError,
        ("'horseshoe(-1)'", "argument df", "positive"),
    ),
    "horseshoe_scale_global": (
        lambda: dict(formula="y ~ x + z", data=frame(), prior=bm.prior("horseshoe(1, 0)")),
        SpecError,
        ("argument scale_global", "positive", "got 0"),
    ),
    "horseshoe_df_slab": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("horseshoe(df_slab = -4)")),
        SpecError,
        ("argument df_slab", "positive", "-4"),
    ),
    "horseshoe_par_ratio": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("horseshoe(par_ratio = 0)")),
        SpecError,
        ("argument par_ratio", "positive", "got 0"),
    ),
    "horseshoe_scale_global_and_par_ratio": (
        lambda: dict(
            formula="y ~ x",
            data=frame(),
            prior=bm.prior("horseshoe(scale_global = 0.5, par_ratio = 0.1)"),
        ),
        SpecError,
        ("scale_global", "par_ratio", "not both"),
    ),
    "horseshoe_unknown_argument": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("horseshoe(dof = 3)")),
        SpecError,
        ("no argument 'dof'", "df, scale_global, df_global"),
    ),
    "horseshoe_not_a_number": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("horseshoe(df = sqrt(2))")),
        SpecError,
        ("argument df", "finite number", "'sqrt(2)'"),
    ),
    "horseshoe_too_many_arguments": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("horseshoe(1,1,1,1,1,1,1,1,1)")),
        SpecError,
        ("at most 8 arguments", "got 9"),
    ),
    "horseshoe_autoscale": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("horseshoe(autoscale = 2)")),
        SpecError,
        ("argument autoscale", "TRUE or FALSE"),
    ),
    "r2d2_mean": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("R2D2(mean_R2 = 1.5)")),
        SpecError,
        ("argument mean_R2", "between 0 and 1", "1.5"),
    ),
    "r2d2_prec": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("R2D2(0.5, 0)")),
        SpecError,
        ("argument prec_R2", "positive", "got 0"),
    ),
    "r2d2_cons": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("R2D2(cons_D2 = -1)")),
        SpecError,
        ("argument cons_D2", "positive", "-1"),
    ),
    "shrinkage_on_a_coefficient": (
        lambda: dict(formula="y ~ x + z", data=frame(), prior=bm.prior("horseshoe(1)", coef="x")),
        SpecError,
        ("'horseshoe(1)'", "coef='x'", "whole class 'b'"),
    ),
    "shrinkage_on_sd": (
        lambda: dict(
            formula="y ~ x + (1 | g)", data=frame(), prior=bm.prior("R2D2()", class_="sd")
        ),
        SpecError,
        ("'R2D2()'", "class 'sd'", "only for the population-level effects"),
    ),
    "shrinkage_with_bounds": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("horseshoe(1)", lb=0)),
        SpecError,
        ("'horseshoe(1)'", "bounds", "cannot be bounded"),
    ),
    "shrinkage_and_a_coefficient_prior": (
        lambda: dict(
            formula="y ~ x + z",
            data=frame(),
            prior=bm.prior("horseshoe(1)") + bm.prior("normal(0, 1)", coef="z"),
        ),
        SpecError,
        ("'horseshoe(1)'", "coefficient 'z'", "normal(0, 1)"),
    ),
    "shrinkage_with_monotonic_effects": (
        lambda: dict(formula="y ~ x + mo(k)", data=frame(), prior=bm.prior("R2D2()")),
        SpecError,
        ("'R2D2()'", "'bsp'", "not supported yet"),
    ),
    "shrinkage_without_coefficients": (
        lambda: dict(formula="y ~ 1", data=frame(), prior=bm.prior("horseshoe(1)")),
        SpecError,
        ("horseshoe(1)", "class='b'", "does not correspond to any model parameter"),
    ),
    # smooth terms s() and t2(): mgcv options pybrms does not build, bad values, data
    "smooth_basis_unsupported": (
        lambda: dict(formula="y ~ s(x, bs = 'ps')", data=frame()),
        SpecError,
        ('s(x, bs = "ps")', "bs = 'ps' is not supported", "supported: 'tp'"),
    ),
    "smooth_option_unsupported": (
        lambda: dict(formula="y ~ s(x, xt = 1)", data=frame()),
        SpecError,
        ("option 'xt' is not supported", "supported: k, bs, by, m, fx, id"),
    ),
    "smooth_penalty_constraint_unsupported": (
        lambda: dict(formula="y ~ s(x, pc = 0)", data=frame()),
        SpecError,
        ("s(x, pc = 0)", "option 'pc' is not supported"),
    ),
    "smooth_option_twice": (
        lambda: dict(formula="y ~ s(x, k = 4, k = 5)", data=frame()),
        SpecError,
        ("s(x, k = 4, k = 5)", "option 'k' is given twice"),
    ),
    "smooth_option_before_covariate": (
        lambda: dict(formula="y ~ s(k = 4, x)", data=frame()),
        SpecError,
        ("s(k = 4, x)", "covariates come before the named options"),
    ),
    "smooth_without_covariate": (
        lambda: dict(formula="y ~ s()", data=frame()),
        SpecError,
        ("s() needs at least one covariate",),
    ),
    "smooth_covariate_twice": (
        lambda: dict(formula="y ~ s(x, x)", data=frame()),
        SpecError,
        ("s(x, x)", "a covariate appears twice"),
    ),
    "smooth_k_fraction": (
        lambda: dict(formula="y ~ s(x, k = 2.5)", data=frame()),
        SpecError,
        ("s(x, k = 2.5)", "k must be a whole number", "'2.5'"),
    ),
    "smooth_k_too_small": (
        lambda: dict(formula="y ~ s(x, k = 2)", data=frame()),
        SpecError,
        ("s(x, k = 2)", "needs k >= 3"),
    ),
    "t2_k_too_small": (
        lambda: dict(formula="y ~ t2(x, z, k = 2)", data=frame()),
        SpecError,
        ("t2(x, z, k = 2)", "needs k >= 3"),
    ),
    "smooth_k_above_unique_values": (
        lambda: dict(formula="y ~ s(x, k = 200)", data=frame()),
        SpecError,
        ("s(x, k = 200)", "8 unique covariate values", "fewer than its basis dimension k = 200"),
    ),
    "smooth_default_k_above_unique_values": (
        lambda: dict(formula="y ~ s(x)", data=frame()),
        SpecError,
        ("s(x)", "8 unique covariate values", "basis dimension k = 10"),
    ),
    "smooth_transformed_covariate": (
        lambda: dict(formula="y ~ s(log(x))", data=frame()),
        SpecError,
        ("covariate 'log(x)' must be a column name",),
    ),
    "smooth_cr_of_two_covariates": (
        lambda: dict(formula="y ~ s(x, z, bs = 'cr')", data=frame()),
        SpecError,
        ("s() of several covariates uses the thin plate basis", "t2()"),
    ),
    "t2_of_one_covariate": (
        lambda: dict(formula="y ~ t2(x)", data=frame()),
        SpecError,
        ("t2(x)", "tensor product of two or more covariates"),
    ),
    "smooth_of_strings": (
        lambda: dict(formula="y ~ s(g)", data=frame()),
        SpecError,
        ("s(g) needs numbers in column 'g'", "'a'"),
    ),
    "smooth_covariate_inf": (
        lambda: dict(formula="y ~ s(x, k = 5)", data=frame(x={12: np.inf})),
        SpecError,
        ("s(x, k = 5)", "row 12", "has inf in 'x'"),
    ),
    "cyclic_smooth_covariate_inf": (
        lambda: dict(formula="y ~ s(x, bs = 'cc', k = 5)", data=frame(x={11: -np.inf})),
        SpecError,
        ("row 11", "has -inf in 'x'"),
    ),
    "smooth_twice": (
        lambda: dict(formula="y ~ s(x) + s(x)", data=frame()),
        FormulaSyntaxError,
        ("s(x) appears twice",),
    ),
    "smooth_in_interaction": (
        lambda: dict(formula="y ~ z:s(x)", data=frame()),
        FormulaSyntaxError,
        ("s(x) is not allowed here", "s() and t2() are added to a formula on their own"),
    ),
    "smooth_in_group_term": (
        lambda: dict(formula="y ~ (1 + s(x) | g)", data=frame()),
        FormulaSyntaxError,
        ("s(x) is not allowed here", "smooths in group-level terms are not supported"),
    ),
    "smooth_by_missing_column": (
        lambda: dict(formula="y ~ s(x, by = nope)", data=frame()),
        SpecError,
        ("Column 'nope' is not in the data",),
    ),
    "smooth_by_quoted": (
        lambda: dict(formula="y ~ s(x, k = 5, by = 'g')", data=frame()),
        SpecError,
        ("by must be a column name",),
    ),
    "smooth_by_is_covariate": (
        lambda: dict(formula="y ~ s(x, by = x)", data=frame()),
        SpecError,
        ("s(x, by = x)", "the by variable 'x' is also a covariate"),
    ),
    # Gaussian processes gp()
    "gp_covariate_not_numeric": (
        lambda: dict(formula="y ~ gp(g)", data=frame()),
        SpecError,
        ("Covariate 'g'", "gp(g)", "must be numeric", "'a'"),
    ),
    "gp_covariate_inf": (
        lambda: dict(formula="y ~ gp(x)", data=frame(x={12: np.inf})),
        SpecError,
        ("Covariate 'x'", "gp(x)", "row 12", "inf"),
    ),
    "gp_one_distinct_value": (
        lambda: dict(formula="y ~ gp(w)", data=frame()),
        SpecError,
        ("gp(w)", "two distinct values"),
    ),
    "gp_unsupported_kernel": (
        lambda: dict(formula='y ~ gp(x, cov = "matern32")', data=frame()),
        FormulaSyntaxError,
        ("'matern32' is not a supported GP covariance kernel", "supported: exp_quad"),
    ),
    "gp_unknown_kernel": (
        lambda: dict(formula='y ~ gp(x, cov = "cosine")', data=frame()),
        FormulaSyntaxError,
        ("'cosine'", "supported: exp_quad"),
    ),
    "gp_k_zero": (
        lambda: dict(formula="y ~ gp(x, k = 0)", data=frame()),
        FormulaSyntaxError,
        ("k of gp()", "positive whole number", "'0'"),
    ),
    "gp_k_fraction": (
        lambda: dict(formula="y ~ gp(x, k = 2.5)", data=frame()),
        FormulaSyntaxError,
        ("k of gp()", "'2.5'"),
    ),
    "gp_c_negative": (
        lambda: dict(formula="y ~ gp(x, k = 5, c = -1)", data=frame()),
        FormulaSyntaxError,
        ("c of gp()", "positive"),
    ),
    "gp_c_length": (
        lambda: dict(formula="y ~ gp(x, z, k = 5, c = c(1.2, 1.3, 1.4))", data=frame()),
        FormulaSyntaxError,
        ("c of gp()", "one per covariate (2)"),
    ),
    "gp_unknown_option": (
        lambda: dict(formula="y ~ gp(x, lengthscale = 2)", data=frame()),
        FormulaSyntaxError,
        ("gp() has no argument 'lengthscale'", "by, k, cov"),
    ),
    "gp_flag_not_logical": (
        lambda: dict(formula="y ~ gp(x, z, iso = maybe)", data=frame()),
        FormulaSyntaxError,
        ("iso of gp() must be TRUE or FALSE", "'maybe'"),
    ),
    "gp_no_covariate": (
        lambda: dict(formula="y ~ gp(k = 5)", data=frame()),
        FormulaSyntaxError,
        ("gp() needs at least one covariate",),
    ),
    "gp_in_group_term": (
        lambda: dict(formula="y ~ (gp(x) | g)", data=frame()),
        FormulaSyntaxError,
        ("gp(x) is not allowed here", "on its own"),
    ),
    "gp_missing_column": (
        lambda: dict(formula="y ~ gp(x, q)", data=frame()),
        SpecError,
        ("'q'",),
    ),
    "lscale_prior_unknown_coef": (
        lambda: dict(
            formula="y ~ gp(x)",
            data=frame(),
            prior=bm.prior("inv_gamma(2, 1)", class_="lscale", coef="gpz"),
        ),
        SpecError,
        ("class='lscale', coef='gpz'", "does not correspond", "class='lscale', coef='gpx'"),
    ),
    "weights_scale_not_logical": (
        lambda: dict(formula="y | weights(w, scale = w) ~ x", data=frame()),
        FormulaSyntaxError,
        ("scale of weights() must be TRUE or FALSE", "scale = w"),
    ),
    "weights_scale_zero_sum": (
        lambda: dict(
            formula="y | weights(w, scale = TRUE) ~ x",
            data=frame(w=dict.fromkeys(range(10, 18), 0.0)),
        ),
        SpecError,
        ("weights(w, scale = TRUE)", "positive sum"),
    ),
    "nlpar_without_formula": (
        lambda: dict(formula=bm.bf("y ~ a * exp(b * x)", "a ~ 1", nl=True), data=frame()),
        SpecError,
        ("Variable 'b'", "'a * exp(b * x)'", "neither a non-linear parameter", "'b ~ 1'"),
    ),
    "nl_formula_not_in_expression": (
        lambda: dict(
            formula=bm.bf("y ~ a * exp(b * x)", "a ~ 1", "b ~ 1", "c ~ 1", nl=True),
            data=frame(),
        ),
        SpecError,
        ("formula of 'c'", "non-linear parameter", "uses a, b"),
    ),
    "nl_covariate_missing": (
        lambda: dict(formula=bm.bf("y ~ a * exp(b * q)", "a ~ 1", "b ~ 1", nl=True), data=frame()),
        SpecError,
        ("Variable 'q'", "nor a column of the data"),
    ),
    "nlpar_formula_column_missing": (
        lambda: dict(
            formula=bm.bf("y ~ a * exp(b * x)", "a ~ 1 + q", "b ~ 1", nl=True), data=frame()
        ),
        SpecError,
        ("'q'",),
    ),
    "nl_expression_without_nlpar": (
        lambda: dict(formula=bm.bf("y ~ x + z", "a ~ 1", nl=True), data=frame()),
        SpecError,
        ("'y ~ x + z'", "uses no non-linear parameter", "'x', 'z'", "drop nl=True"),
    ),
    "nl_unknown_function": (
        lambda: dict(formula=bm.bf("y ~ a * gamma(x)", "a ~ 1", nl=True), data=frame()),
        SpecError,
        ("'a * gamma(x)'", "the function 'gamma'", "inv_logit"),
    ),
    "nl_flag_not_logical": (
        lambda: dict(formula=bm.bf("y ~ a * x", "a ~ 1", nl="yes"), data=frame()),
        SpecError,
        ("nl must be True or False", "'yes'"),
    ),
    "nlpar_prior_unknown_nlpar": (
        lambda: dict(
            formula=bm.bf("y ~ a * exp(b * x)", "a ~ 1", "b ~ 1", nl=True),
            data=frame(),
            prior=bm.prior("normal(0, 1)", nlpar="c"),
        ),
        SpecError,
        ("'c'", "does not correspond", "nlpar='a'"),
    ),
    "prior_with_dpar_and_nlpar": (
        lambda: dict(
            formula=bm.bf("y ~ a * exp(b * x)", "a ~ 1", "b ~ 1", nl=True),
            data=frame(),
            prior=bm.prior("normal(0, 1)", dpar="sigma", nlpar="a"),
        ),
        SpecError,
        ("both dpar='sigma' and nlpar='a'",),
    ),
    "nlpar_named_like_a_dpar": (
        lambda: dict(formula=bm.bf("y ~ sigma * x", "sigma ~ 1", nl=True), data=frame()),
        SpecError,
        ("non-linear parameter 'sigma'", "distributional parameter", "rename"),
    ),
    # ARMA autocorrelation terms
    "ar_family_without_residuals": (
        lambda: dict(formula="k ~ x + ar(t, g)", data=frame(), family="poisson"),
        SpecError,
        ("ar(t, g)", "'poisson'", "'gaussian', 'student'"),
    ),
    "ar_p_not_integer": (
        lambda: dict(formula="y ~ x + ar(p = 1.5)", data=frame()),
        FormulaSyntaxError,
        ("'p' of ar()", "non-negative integer", "'1.5'"),
    ),
    "ar_time_column_missing": (
        lambda: dict(formula="y ~ x + ar(time = tt, gr = g)", data=frame()),
        SpecError,
        ("'tt'",),
    ),
    "ar_one_row_per_series": (
        lambda: dict(formula="y ~ x + ar(t, k)", data=frame()),
        SpecError,
        ("ar(t, k)", "single row"),
    ),
    "ar_duplicated_time": (
        lambda: dict(formula="y ~ x + ar(n, g)", data=frame()),
        SpecError,
        ("ar(n, g)", "must be unique", "row 10", "row 11"),
    ),
    "ar_threads": (
        lambda: dict(formula="y ~ x + ar(t, g)", data=frame(), threads=2),
        SpecError,
        ("Threading is not supported", "ar(t, g)"),
    ),
    "ar_cov_order_two": (
        lambda: dict(formula="y ~ x + ar(t, g, p = 2, cov = TRUE)", data=frame()),
        SpecError,
        ("ar(t, g, p = 2, cov = TRUE)", "maximal order one"),
    ),
    "ar_in_dpar_formula": (
        lambda: dict(formula=bm.bf("y ~ x", sigma="~ ar(t, g)"), data=frame()),
        SpecError,
        ("ar(t, g)", "main formula", "'sigma'"),
    ),
    "ar_with_se": (
        lambda: dict(formula="y | se(w) ~ x + ar(t, g)", data=frame()),
        SpecError,
        ("ar(t, g)", "se()", "cov = TRUE"),
    ),
    "ar_log_link": (
        lambda: dict(
            formula="y ~ x + ar(t, g)", data=frame(), family=bm.family("gaussian", link="log")
        ),
        SpecError,
        ("ar(t, g)", "identity link", "'log'"),
    ),
    "shared_id_other_grouping": (
        lambda: dict(formula=bm.bf("y ~ (1 | p | g)", sigma="~ (1 | p | k)"), data=frame()),
        SpecError,
        ("same grouping factors", "ID 'p'", "(1 | p | g)", "(1 | p | k)"),
    ),
    "shared_id_other_grouping_in_mu": (
        lambda: dict(formula="y ~ (1 | p | g) + (0 + x | p | g:k)", data=frame()),
        SpecError,
        ("ID 'p'", "'g:k'", "(0 + x | p | g:k)"),
    ),
    "gr_by_varies_within_a_level": (
        lambda: dict(formula="y ~ (1 | gr(g, by = k))", data=frame()),
        SpecError,
        ("Some levels of 'g'", "multiple levels of 'k'", "gr(g, by = k)"),
    ),
    "gr_by_not_a_name": (
        lambda: dict(formula="y ~ (1 | gr(g, by = 2 * k))", data=frame()),
        FormulaSyntaxError,
        ("by of gr()", "by = 2 * k"),
    ),
    "categorical_one_category": (
        lambda: dict(
            formula="g ~ x", data=frame(g=dict.fromkeys(range(10, 18), "a")), family="categorical"
        ),
        SpecError,
        ("Response 'g'", "'categorical'", "at least two categories", "'a'"),
    ),
    "categorical_unknown_dpar": (
        lambda: dict(formula=bm.bf("g ~ x", "mue ~ z"), data=frame(), family="categorical"),
        SpecError,
        ("'mue'", "mub, muc, mud"),
    ),
    "categorical_cens": (
        lambda: dict(formula="g | cens(w) ~ x", data=frame(), family="categorical"),
        SpecError,
        ("cens(w)", "'categorical'", "allowed: weights"),
    ),
    "multinomial_counts_not_summing_to_trials": (
        lambda: dict(formula="cbind(k, n) | trials(n) ~ x", data=frame(), family="multinomial"),
        SpecError,
        ("'cbind(k, n)'", "sum to trials(n)", "row 11 sums to 11", "trials(n) is 10"),
    ),
    "multinomial_counts_not_integers": (
        lambda: dict(formula="cbind(k, t) | trials(n) ~ x", data=frame(), family="multinomial"),
        SpecError,
        ("Response column 't'", "non-negative integer counts", "row 10"),
    ),
    "multinomial_one_column": (
        lambda: dict(formula="cbind(k) | trials(k) ~ x", data=frame(), family="multinomial"),
        SpecError,
        ("'multinomial'", "at least two columns", "'cbind(k)'"),
    ),
    "multinomial_without_trials": (
        lambda: dict(formula="cbind(k, n) ~ x", data=frame(), family="multinomial"),
        SpecError,
        ("'multinomial'", "trials()"),
    ),
    "matrix_response_of_another_family": (
        lambda: dict(formula="cbind(k, n) ~ x", data=frame()),
        SpecError,
        ("'cbind(k, n)'", "only for family 'multinomial'", "'gaussian'"),
    ),
    "dirichlet_rows_not_summing_to_one": (
        lambda: dict(formula="cbind(p, p) ~ x", data=frame(), family="dirichlet"),
        SpecError,
        ("'cbind(p, p)'", "sum to 1 in every row", "row 10 sums to"),
    ),
    "dirichlet_proportion_outside": (
        lambda: dict(formula="cbind(p, 1 - p) ~ x", data=frame(p={12: 0.0}), family="dirichlet"),
        SpecError,
        ("Response column 'p'", "strictly between 0 and 1", "row 12 has 0"),
    ),
    "dirichlet_unknown_dpar": (
        lambda: dict(
            formula=bm.bf("cbind(p, 1 - p) ~ x", sigma="~ z"), data=frame(), family="dirichlet"
        ),
        SpecError,
        ("'sigma'", "mu1p, phi"),
    ),
    "mixture_one_component": (
        lambda: dict(formula="y ~ x", data=frame(), family=bm.mixture("gaussian")),
        SpecError,
        ("at least 2 components", "got 1", "gaussian"),
    ),
    "mixture_real_and_integer": (
        lambda: dict(formula="k ~ x", data=frame(), family=bm.mixture("gaussian", "poisson")),
        SpecError,
        ("real and integer", "'gaussian' has real", "'poisson' has integer"),
    ),
    "mixture_unknown_theta": (
        lambda: dict(
            formula=bm.bf("y ~ x", theta3="~ z"),
            data=frame(),
            family=bm.mixture("gaussian", "gaussian"),
        ),
        SpecError,
        ("'theta3'", "'mixture'", "theta1, theta2"),
    ),
    "mixture_all_thetas_predicted": (
        lambda: dict(
            formula=bm.bf("y ~ x", theta1="~ z", theta2="~ z"),
            data=frame(),
            family=bm.mixture("gaussian", "gaussian"),
        ),
        SpecError,
        ("all mixing proportions but one", "theta1, theta2"),
    ),
    "mixture_ordered_without_intercept": (
        lambda: dict(formula="y ~ 0 + x", data=frame(), family=bm.mixture("gaussian", "gaussian")),
        SpecError,
        ("ordering", "mu1", "order='none'"),
    ),
    "mixture_unknown_order": (
        lambda: dict(formula="y ~ x", data=frame(), family=bm.mixture("gaussian", order="sigma")),
        SpecError,
        ("order", "'sigma'"),
    ),
    # multivariate models
    "mv_rescor_with_poisson": (
        lambda: dict(
            formula=bm.bf("y ~ x") + bm.bf("k ~ x") + bm.set_rescor(True),
            data=frame(),
            family=["gaussian", "poisson"],
        ),
        SpecError,
        ("rescor", "k: poisson", "set_rescor(False)"),
    ),
    "mv_prior_unknown_resp": (
        lambda: dict(
            formula="mvbind(y, z) ~ x", data=frame(), prior=bm.prior("normal(0, 1)", resp="y3")
        ),
        SpecError,
        ("resp='y3'", "does not correspond"),
    ),
    "mv_non_numeric_response": (
        lambda: dict(formula="mvbind(y, g) ~ x", data=frame()),
        SpecError,
        ("response 'g'", "numeric"),
    ),
    "mv_family_list_length": (
        lambda: dict(formula="mvbind(y, z) ~ x", data=frame(), family=["gaussian"]),
        SpecError,
        ("one per response", "2 responses", "got 1"),
    ),
    "mv_family_list_univariate": (
        lambda: dict(formula="y ~ x", data=frame(), family=["gaussian", "poisson"]),
        SpecError,
        ("list of families", "multivariate"),
    ),
    "mv_addition_not_yet": (
        lambda: dict(formula=bm.mvbf("y | weights(w) ~ x", "z ~ x"), data=frame()),
        SpecError,
        ("'y'", "weights()", "not supported yet"),
    ),
    "mv_bf_of_mvbind_positional_dpar": (
        lambda: dict(formula=bm.bf("mvbind(y, z) ~ x", "sigma ~ x"), data=frame()),
        SpecError,
        ("mvbind(y, z) ~ x", "by keyword", "mvbf"),
    ),
    "mv_one_response": (
        lambda: dict(formula=bm.mvbf("y ~ x"), data=frame()),
        SpecError,
        ("at least two responses",),
    ),
    "mv_same_response_twice": (
        lambda: dict(formula=bm.bf("y ~ x") + bm.bf("y ~ z"), data=frame()),
        SpecError,
        ("responses", "must differ"),
    ),
    # brms: with residual correlations sigma may be predicted, the other parameters not
    "mv_rescor_predicted_nu": (
        lambda: dict(
            formula=bm.mvbf(bm.bf("y ~ x", nu="~ x"), "z ~ x", rescor=True),
            family="student",
            data=frame(),
        ),
        SpecError,
        ("'y'", "predicts nu", "other than sigma", "set_rescor(False)"),
    ),
    "mv_fixed_sigma": (
        lambda: dict(
            formula=bm.bf("y ~ x", sigma=2) + bm.bf("z ~ x") + bm.set_rescor(False), data=frame()
        ),
        SpecError,
        ("Response 'y'", "sigma = 2", "multivariate", "not supported yet"),
    ),
    # multi-membership groupings, mm()
    "mm_one_member": (
        lambda: dict(formula="y ~ x + (1 | mm(g))", data=memberships()),
        FormulaSyntaxError,
        ("mm() takes at least two grouping columns",),
    ),
    "mm_weights_per_member": (
        lambda: dict(formula="y ~ (1 | mm(g, g2, weights = cbind(w1)))", data=memberships()),
        FormulaSyntaxError,
        ("2 members but 1 weight columns",),
    ),
    "mm_by_not_yet": (
        lambda: dict(formula="y ~ (1 | mm(g, g2, by = g))", data=memberships()),
        SpecError,
        ("mm(by = )", "not supported yet"),
    ),
    "mm_negative_weight": (
        lambda: dict(
            formula="y ~ (1 | mm(g, g2, weights = cbind(w1, w2)))",
            data=memberships(w1={13: -0.5}),
        ),
        SpecError,
        ("negative weight", "row 13", "w1, w2"),
    ),
    "mm_text_weight": (
        lambda: dict(
            formula="y ~ (1 | mm(g, g2, weights = cbind(w1, w2)))",
            data=memberships(w2={11: "heavy"}),
        ),
        SpecError,
        ("Weight column 'w2'", "numeric"),
    ),
    # student-t group-level effects, gr(g, dist = "student")
    "gr_unknown_dist": (
        lambda: dict(formula="y ~ x + (1 | gr(g, dist = 'cauchy'))", data=frame()),
        FormulaSyntaxError,
        ("dist of a grouping is one of 'gaussian', 'student'",),
    ),
    # known covariance between levels, gr(g, cov = A) with data2
    "gr_cov_not_in_data2": (
        lambda: dict(formula="y ~ x + (1 | gr(g, cov = A))", data=frame(), data2={"B": None}),
        SpecError,
        ("'A' of gr(g, cov = A)", "data2", "'B'"),
    ),
    "gr_cov_missing_level": (
        lambda: dict(
            formula="y ~ x + (1 | gr(g, cov = A))",
            data=frame(),
            data2={"A": pd.DataFrame(np.eye(3), index=list("abc"), columns=list("abc"))},
        ),
        SpecError,
        ("Covariance matrix 'A' of grouping 'g'", "level(s) 'd'"),
    ),
    "gr_cov_with_by": (
        lambda: dict(
            formula="y ~ x + (1 | gr(g, by = k, cov = A))",
            data=frame(),
            data2={"A": pd.DataFrame(np.eye(4), index=list("abcd"), columns=list("abcd"))},
        ),
        SpecError,
        ("by = k, cov = A", "not supported yet"),
    ),
    "refcat_not_a_category": (
        lambda: dict(formula="g ~ x", family=bm.family("categorical", refcat="e"), data=frame()),
        SpecError,
        ("refcat='e'", "not a category", "'a', 'b', 'c', 'd'"),
    ),
    "refcat_of_gaussian": (
        lambda: dict(formula="y ~ x", family=bm.family("gaussian", refcat="a"), data=frame()),
        SpecError,
        ("refcat='a'", "'categorical'", "got family 'gaussian'"),
    ),
    # parameters fixed by the formula, bf(y ~ x, sigma = 2)
    "fixed_sigma_negative": (
        lambda: dict(formula=bm.bf("y ~ x", sigma=-1), data=frame()),
        SpecError,
        ("sigma = -1", "outside the bounds of sigma", "lower 0"),
    ),
    "fixed_parameter_of_another_family": (
        lambda: dict(formula=bm.bf("y ~ x", shape=2), data=frame()),
        SpecError,
        ("shape = 2", "'gaussian'", "it can fix: sigma"),
    ),
    "fixed_category_predictor": (
        lambda: dict(formula=bm.bf("g ~ x", mub=0.5), data=frame(), family="categorical"),
        SpecError,
        ("mub = 0.5", "'categorical'", "it can fix: none"),
    ),
    "fixed_mu": (
        lambda: dict(formula=bm.bf("y ~ x", mu=1), data=frame()),
        SpecError,
        ("mu cannot be fixed",),
    ),
    "fixed_mixture_component_mu": (
        lambda: dict(
            formula=bm.bf("y ~ x", mu2=1),
            data=frame(),
            family=bm.mixture("gaussian", "gaussian"),
        ),
        SpecError,
        ("mu2 cannot be fixed",),
    ),
    "fixed_not_finite": (
        lambda: dict(formula=bm.bf("y ~ x", sigma=np.inf), data=frame()),
        SpecError,
        ("'sigma'", "inf", "finite number"),
    ),
    "fixed_boolean": (
        lambda: dict(formula=bm.bf("y ~ x", sigma=True), data=frame()),
        SpecError,
        ("'sigma'", "True", "use a number"),
    ),
    "fixed_and_predicted": (
        lambda: dict(formula=bm.bf("y ~ x", "sigma ~ z", sigma=2), data=frame()),
        SpecError,
        ("'sigma'", "has a formula and is fixed"),
    ),
    "mixture_some_thetas_fixed": (
        lambda: dict(
            formula=bm.bf("y ~ x", theta1=0.3),
            data=frame(),
            family=bm.mixture("gaussian", "gaussian"),
        ),
        SpecError,
        ("all mixing proportions or none", "theta1", "theta1, theta2"),
    ),
    "gen_extreme_value_infinite": (
        lambda: dict(formula="y ~ x", family="gen_extreme_value", data=frame(y={14: np.inf})),
        SpecError,
        ("Response 'y'", "'gen_extreme_value'", "finite", "row 14 has inf"),
    ),
    "gen_extreme_value_se": (
        lambda: dict(formula="y | se(t) ~ x", family="gen_extreme_value", data=frame()),
        SpecError,
        ("se(t)", "'gen_extreme_value'", "allowed: cens, trunc, weights"),
    ),
    # category-specific effects: only sratio, cratio and acat, only in mu (k: categories 1..8)
    "cs_cumulative": (
        lambda: dict(formula="k ~ x + cs(z)", data=frame(k={10: 8}), family="cumulative"),
        SpecError,
        ("Category specific effects", "'cumulative'", "cs(z)"),
    ),
    "cs_in_disc": (
        lambda: dict(formula=bm.bf("k ~ x", disc="~ cs(z)"), data=frame(k={10: 8}), family="acat"),
        SpecError,
        ("main parameter 'mu'", "'disc'", "cs(z)"),
    ),
    "cs_intercept": (
        lambda: dict(formula="k ~ x + cs(1)", data=frame(k={10: 8}), family="sratio"),
        FormulaSyntaxError,
        ("cs()", "cs(1)"),
    ),
    "cs_constant_prior": (
        lambda: dict(
            formula="k ~ cs(z)",
            data=frame(k={10: 8}),
            family="sratio",
            prior=bm.prior("constant(0.5)", coef="z"),
        ),
        SpecError,
        ("constant(0.5)", "coef='z'", "category-specific"),
    ),
    # noise-free predictors: non-negative, finite noise; one me() in the main formula
    "me_negative_noise": (
        lambda: dict(formula="y ~ me(x, p)", data=frame(p={13: -0.5})),
        SpecError,
        ("'p' of me(x, p)", "non-negative", "row 13"),
    ),
    "me_missing_noise_column": (
        lambda: dict(formula="y ~ me(x, sdx)", data=frame()),
        SpecError,
        ("sdx",),
    ),
    "me_in_sigma": (
        lambda: dict(formula=bm.bf("y ~ x", sigma="~ me(z, p)"), data=frame()),
        SpecError,
        ("me(z, p)", "'sigma'"),
    ),
    # missing responses, mi(): families whose missing values brms estimates, a data
    # column, observed values within the support; no measurement error mi(sdy) yet
    "mi_poisson": (
        lambda: dict(formula="k | mi() ~ x", data=frame(k={12: None}), family="poisson"),
        SpecError,
        ("mi()", "'poisson'", "allowed:"),
    ),
    "mi_sdy": (
        lambda: dict(formula="y | mi(t) ~ x", data=frame(y={12: None})),
        SpecError,
        ("mi(sdy = t)", "measurement error", "mi()"),
    ),
    "mi_expression": (
        lambda: dict(formula="log(t) | mi() ~ x", data=frame(t={12: None})),
        SpecError,
        ("mi()", "'log(t)'", "column"),
    ),
    "mi_text_response": (
        lambda: dict(formula="g | mi() ~ x", data=frame(g={12: None})),
        SpecError,
        ("'g'", "numeric"),
    ),
    "mi_outside_support": (
        lambda: dict(
            formula="t | mi() ~ x", data=frame(t={12: None, 14: -1.0}), family="lognormal"
        ),
        SpecError,
        ("'t'", "positive", "row 14"),
    ),
    "mi_two_arguments": (
        lambda: dict(formula="y | mi(t, w) ~ x", data=frame(y={12: None})),
        FormulaSyntaxError,
        ("mi()", "at most 1 argument"),
    ),
    # mi(x): x needs its own model with mi() in a multivariate formula; one plain variable
    "mi_predictor_univariate": (
        lambda: dict(formula="y ~ mi(x) + z", data=frame(x={12: None})),
        SpecError,
        ("mi(x)", "bf(x | mi() ~"),
    ),
    "mi_predictor_without_model": (
        lambda: dict(
            formula=bm.bf("y ~ mi(x)") + bm.bf("z ~ t") + bm.set_rescor(False),
            data=frame(x={12: None}),
        ),
        SpecError,
        ("mi(x)", "'y'", "bf(x | mi() ~"),
    ),
    "mi_predictor_model_without_mi": (
        lambda: dict(
            formula=bm.bf("y ~ mi(x)") + bm.bf("x ~ z") + bm.set_rescor(False),
            data=frame(x={12: None}),
        ),
        SpecError,
        ("mi(x)", "'x'", "mi()"),
    ),
    "mi_predictor_text": (
        lambda: dict(
            formula=bm.bf("y ~ mi(g)") + bm.bf("g | mi() ~ z") + bm.set_rescor(False),
            data=frame(g={12: None}),
        ),
        SpecError,
        ("'g'", "numeric"),
    ),
    "mi_predictor_interaction_text": (
        lambda: dict(
            formula=bm.bf("y ~ mi(x):g") + bm.bf("x | mi() ~ z") + bm.set_rescor(False),
            data=frame(x={12: None}),
        ),
        SpecError,
        ("mi(x):g", "'g'", "numeric"),
    ),
    "mi_predictor_transformed": (
        lambda: dict(
            formula=bm.bf("y ~ mi(log(t))") + bm.bf("t | mi() ~ z") + bm.set_rescor(False),
            data=frame(t={12: None}),
        ),
        FormulaSyntaxError,
        ("mi()", "untransformed", "log(t)"),
    ),
    "mi_predictor_read_elsewhere": (
        lambda: dict(
            formula=bm.bf("y ~ mi(x) + (1 | x)") + bm.bf("x | mi() ~ z") + bm.set_rescor(False),
            data=frame(x={12: None}),
        ),
        SpecError,
        ("'y'", "'x'", "outside mi(x)"),
    ),
    "mi_arma": (
        lambda: dict(formula="y | mi() ~ x + ar(p = 1)", data=frame(y={12: None})),
        SpecError,
        ("mi()", "ar(p = 1)"),
    ),
    "mi_rescor": (
        lambda: dict(
            formula=bm.bf("y ~ mi(x)") + bm.bf("x | mi() ~ z") + bm.set_rescor(True),
            data=frame(x={12: None}),
        ),
        SpecError,
        ("Residual correlations", "x", "set_rescor(False)"),
    ),
    # interactions of mo(): numeric covariates, written with ':' or '*'
    "mo_interaction_with_logical": (
        lambda: dict(formula="y ~ mo(k):b", data=frame().assign(b=[True, False] * 4)),
        SpecError,
        ("mo(k):b", "'b'", "numeric or categorical"),
    ),
    "mo_interaction_missing_covariate": (
        lambda: dict(formula="y ~ mo(k):zz", data=frame()),
        SpecError,
        ("'zz'",),
    ),
    "mo_interaction_infinite_covariate": (
        lambda: dict(formula="y ~ mo(k):log(t)", data=frame(t={12: 0.0})),
        SpecError,
        ("mo(k):log(t)", "'log(t)'", "row 12", "finite"),
    ),
    "mo_nested": (
        lambda: dict(formula="y ~ mo(k) / x", data=frame()),
        FormulaSyntaxError,
        ("mo(k)", "':' or '*'"),
    ),
    "mo_interaction_removed": (
        lambda: dict(formula="y ~ x - mo(k):z", data=frame()),
        FormulaSyntaxError,
        ("mo(k):z", "only be added"),
    ),
    # smooth options: m for the thin plate basis with 2m > d, fx TRUE or FALSE
    "smooth_m_of_cr": (
        lambda: dict(formula="y ~ s(x, bs = 'cr', m = 1)", data=frame()),
        SpecError,
        ('s(x, bs = "cr", m = 1)', "thin plate basis", "'cr'"),
    ),
    "smooth_m_too_small": (
        lambda: dict(formula="y ~ s(x, z, m = 1)", data=frame()),
        SpecError,
        ("s(x, z, m = 1)", "2m > 2", "'1'"),
    ),
    "smooth_fx_not_logical": (
        lambda: dict(formula="y ~ s(x, fx = 2)", data=frame()),
        SpecError,
        ("s(x, fx = 2)", "fx must be TRUE or FALSE"),
    ),
    "t2_m": (
        lambda: dict(formula="y ~ t2(x, z, m = 2)", data=frame()),
        SpecError,
        ("t2(x, z, m = 2)", "'m'", "supported: k, bs, by"),
    ),
    "mo_shared_id_different_lengths": (
        lambda: dict(formula="y ~ mo(k, id = 'a') + mo(n, id = 'a'):z", data=frame(n={10: 12})),
        SpecError,
        ('id = "a"', "mo(k) has 8", "mo(n) has 3"),
    ),
    "mo_interaction_operation_factor": (
        lambda: dict(formula="y ~ mo(k):(x + z - 1)", data=frame()),
        FormulaSyntaxError,
        ("x + z - 1", "cannot be a factor of an interaction with mo()"),
    ),
}


def subsetted(s: list[object] | None = None) -> pd.DataFrame:
    """:func:`frame` with the subset column ``s`` (rows 10, 12, 14, 16 by default)."""
    df = frame()
    df["s"] = [True, False] * 4 if s is None else s
    return df


_SUBSET_MV = bm.bf("y | subset(s) ~ x") + bm.bf("z ~ x") + bm.set_rescor(False)

ROWS |= {
    "subset_univariate": (
        lambda: dict(formula="y | subset(s) ~ x", data=subsetted()),
        SpecError,
        ("subset(s)", "multivariate"),
    ),
    "subset_with_rescor": (
        lambda: dict(formula=bm.bf("y | subset(s) ~ x") + bm.bf("z ~ x"), data=subsetted()),
        SpecError,
        ("subset(s)", "rescor", "set_rescor(False)"),
    ),
    "subset_missing_value": (
        lambda: dict(formula=_SUBSET_MV, data=subsetted([True, False, None] + [True] * 5)),
        SpecError,
        ("subset(s)", "missing", "row 12"),
    ),
    "subset_without_rows": (
        lambda: dict(formula=_SUBSET_MV, data=subsetted([False] * 8)),
        SpecError,
        ("subset(s)", "no row"),
    ),
    "subset_not_logical": (
        lambda: dict(formula=_SUBSET_MV, data=subsetted(["TRUE", "maybe"] * 4)),
        SpecError,
        ("subset(s)", "'maybe'"),
    ),
    "subset_shared_id_multi_membership": (
        lambda: dict(
            formula=bm.bf("y | subset(s) ~ x + (1 | q | mm(g, g2))")
            + bm.bf("z ~ x + (1 | q | mm(g, g2))")
            + bm.set_rescor(False),
            data=subsetted().assign(g2=memberships()["g2"]),
        ),
        SpecError,
        ("(Intercept | mmgg2)", "'y'", "subset()", "multi-membership"),
    ),
    # brms 2.18 has no cdf of zero_one_inflated_beta (nor does trunc_without_cdf); a
    # mixture is censored component by component, so each needs its cdfs
    "cens_zero_one_inflated_beta": (
        lambda: dict(formula="p | cens(w) ~ x", family="zero_one_inflated_beta", data=frame()),
        SpecError,
        ("cens(w)", "'zero_one_inflated_beta'", "cumulative distribution function"),
    ),
    "cens_mixture": (
        lambda: dict(
            formula="p | cens(w) ~ x", family=bm.mixture("gaussian", "von_mises"), data=frame()
        ),
        SpecError,
        ("cens(w)", "'mixture'", "component by component", "'von_mises' takes no cens()"),
    ),
    # brms 2.18's program calls von_mises_real_lcdf/_lccdf, which it does not define
    "cens_von_mises": (
        lambda: dict(formula="p | cens(w) ~ x", family="von_mises", data=frame()),
        SpecError,
        ("cens(w)", "'von_mises'", "von_mises_real_lccdf", "does not compile"),
    ),
    "trunc_von_mises": (
        lambda: dict(formula="p | trunc(lb = -1, ub = 1) ~ x", family="von_mises", data=frame()),
        SpecError,
        ("trunc(lb = -1, ub = 1)", "'von_mises'", "von_mises_real_lcdf"),
    ),
    # mo() in group-level terms: brms's "Special group-level terms require corresponding
    # population-level terms"; not yet over a multi-membership grouping
    "mo_group_without_population_term": (
        lambda: dict(formula="y ~ x + (1 + mo(k) | g)", data=frame()),
        SpecError,
        ("mo(k)", "(1 + mo(k) | g)", "population-level terms"),
    ),
    "mo_group_interaction_without_population_term": (
        lambda: dict(formula="y ~ mo(k) + (1 + mo(k):x | g)", data=frame()),
        SpecError,
        ("mo(k):x", "(1 + mo(k):x | g)", "population-level terms"),
    ),
    "mo_group_interaction_factors_reordered": (
        lambda: dict(formula="y ~ mo(k) * x + (1 + x + mo(k):x | g)", data=frame()),
        SpecError,
        ("x:mo(k)", "The formula has mo(k):x", "first use"),
    ),
    "mo_group_categorical_covariate": (
        lambda: dict(
            formula="y ~ mo(k) * g + (1 + mo(k):g | h)", data=frame().assign(h=list("abab") * 2)
        ),
        SpecError,
        ("mo(k):g", "categorical covariate", "(1 + mo(k):g | h)"),
    ),
    # knots of smooths (brms's knots argument, mgcv's rules)
    "knots_wrong_number": (
        lambda: dict(formula="y ~ s(x, bs = 'cr', k = 5)", data=frame(), knots={"x": [0, 1, 2]}),
        SpecError,
        ('s(x, bs = "cr", k = 5)', "3 knots", "k = 5"),
    ),
    "knots_not_increasing": (
        lambda: dict(
            formula="y ~ s(x, bs = 'cr', k = 5)", data=frame(), knots={"x": [0, 2, 1, 3, 4]}
        ),
        SpecError,
        ('s(x, bs = "cr", k = 5)', "increasing", "0, 2, 1, 3, 4"),
    ),
    "knots_of_thin_plate": (
        lambda: dict(formula="y ~ s(x, k = 5)", data=frame(), knots={"x": [0, 1, 2, 3, 4]}),
        SpecError,
        ("'x'", "thin plate", "s(x, k = 5)", "cr"),
    ),
    "knots_not_a_mapping": (
        lambda: dict(formula="y ~ s(x, bs = 'cr', k = 5)", data=frame(), knots=[0, 1, 2, 3, 4]),
        SpecError,
        ("knots must map variables", "list"),
    ),
    "knots_not_numbers": (
        lambda: dict(
            formula="y ~ s(x, bs = 'cr', k = 5)", data=frame(), knots={"x": ["a", "b", "c"]}
        ),
        SpecError,
        ('s(x, bs = "cr", k = 5)', "must be numbers", "'a'"),
    ),
    "knots_unused_variable": (
        lambda: dict(formula="y ~ s(x, bs = 'cr', k = 5)", data=frame(), knots={"q": [0, 1]}),
        SpecError,
        ("'q'", "no smooth", "variables: x"),
    ),
    "mo_group_multi_membership": (
        lambda: dict(formula="y ~ mo(k) + (1 + mo(k) | mm(g, g2))", data=memberships()),
        SpecError,
        ("mo(k)", "multi-membership", "mmgg2"),
    ),
    "mo_group_not_whole": (
        lambda: dict(formula="y ~ mo(k) + (1 + mo(k) | g)", data=frame(k={12: 2.5})),
        SpecError,
        ("mo(k)", "row 12", "2.5"),
    ),
    # time-series covariance structures: cosy() and ARMA terms with cov = TRUE
    "cosy_family_without_residuals": (
        lambda: dict(formula="k ~ x + cosy(t, g)", data=frame(), family="poisson"),
        SpecError,
        ("cosy(t, g)", "'poisson'", "'gaussian', 'student'", "latent residuals"),
    ),
    "ar_cov_lognormal": (
        lambda: dict(formula="y ~ ar(t, g, cov = TRUE)", data=frame(), family="lognormal"),
        SpecError,
        ("ar(t, g, cov = TRUE)", "'lognormal'", "latent residuals"),
    ),
    "cosy_weights": (
        lambda: dict(formula="y | weights(w) ~ x + cosy(t, g)", data=frame()),
        SpecError,
        ("weights()", "cosy(t, g)", "not allowed"),
    ),
    "cosy_cens": (
        lambda: dict(formula="y | cens(w) ~ x + cosy(t, g)", data=frame()),
        SpecError,
        ("cens()", "cosy(t, g)", "not allowed"),
    ),
    "cosy_se": (
        lambda: dict(formula="y | se(w) ~ x + cosy(t, g)", data=frame()),
        SpecError,
        ("se()", "cosy(t, g)", "not supported yet"),
    ),
    "cosy_nu_formula": (
        lambda: dict(formula=bm.bf("y ~ x + cosy(t, g)", nu="~ x"), data=frame(), family="student"),
        SpecError,
        ("cosy(t, g)", "'nu'"),
    ),
    "cosy_duplicated_time": (
        lambda: dict(formula="y ~ x + cosy(n, g)", data=frame()),
        SpecError,
        ("cosy(n, g)", "must be unique", "row 10", "row 11"),
    ),
    "cosy_unknown_argument": (
        lambda: dict(formula="y ~ x + cosy(t, g, p = 1)", data=frame()),
        FormulaSyntaxError,
        ("cosy() has no argument 'p'", "time, gr"),
    ),
    "cosy_with_ar": (
        lambda: dict(formula="y ~ x + cosy(t, g) + ar(t, g)", data=frame()),
        FormulaSyntaxError,
        ("more than one time-series term",),
    ),
    "cosy_in_dpar_formula": (
        lambda: dict(formula=bm.bf("y ~ x", sigma="~ cosy(t, g)"), data=frame()),
        SpecError,
        ("cosy(t, g)", "main formula", "'sigma'"),
    ),
    "cosy_multivariate": (
        lambda: dict(
            formula=bm.bf("y ~ x + cosy(t, g)") + bm.bf("z ~ x") + bm.set_rescor(False),
            data=frame(),
        ),
        SpecError,
        ("cosy(t, g)", "multivariate"),
    ),
    "gp_by_neither_numeric_nor_factor": (
        lambda: dict(
            formula="y ~ gp(x, by = d)",
            data=frame().assign(d=pd.date_range("2020-01-01", periods=8)),
        ),
        SpecError,
        ("by = d", "gp(x, by = d)", "numeric", "factor", "Timestamp"),
    ),
    "gp_factor_by_cmc_false": (
        lambda: dict(formula="y ~ gp(x, by = g, cmc = FALSE)", data=frame()),
        SpecError,
        ("gp(x, by = g, cmc = FALSE)", "cmc = FALSE", "not supported yet"),
    ),
    "gp_factor_by_level_one_value": (
        lambda: dict(formula="y ~ gp(x, by = g)", data=frame(x={10: 1.0, 11: 1.0})),
        SpecError,
        ("gp(x, by = g)", "two distinct values", "in level 'a' of 'g'"),
    ),
    "smooth_id_not_a_name": (
        lambda: dict(formula="y ~ s(x, id = x + 1)", data=frame()),
        SpecError,
        ("s(x, id = x + 1)", "id must be a number or a name", "'x + 1'"),
    ),
    # interactions of mi(): numeric covariates, written with ':' or '*', without mo()
    "mi_interaction_with_mo": (
        lambda: dict(
            formula=bm.bf("y ~ mo(k):mi(x)") + bm.bf("x | mi() ~ z") + bm.set_rescor(False),
            data=frame(x={12: None}),
        ),
        FormulaSyntaxError,
        ("mo(k):mi(x)", "mo() with mi()"),
    ),
    "mi_interaction_nesting": (
        lambda: dict(
            formula=bm.bf("y ~ mi(x) / z") + bm.bf("x | mi() ~ z") + bm.set_rescor(False),
            data=frame(x={12: None}),
        ),
        FormulaSyntaxError,
        ("mi(x)", "':' or '*'"),
    ),
    "mi_interaction_infinite_covariate": (
        lambda: dict(
            formula=bm.bf("y ~ mi(x):t") + bm.bf("x | mi() ~ z") + bm.set_rescor(False),
            data=frame(x={12: None}, t={13: float("inf")}),
        ),
        SpecError,
        ("mi(x):t", "'t'", "row 13", "finite"),
    ),
    "mi_interaction_in_sigma": (
        lambda: dict(
            formula=bm.bf("y ~ z", sigma="~ mi(x):z")
            + bm.bf("x | mi() ~ z")
            + bm.set_rescor(False),
            data=frame(x={12: None}),
        ),
        SpecError,
        ("'sigma'", "mi(x):z", "not supported yet"),
    ),
}


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_bad_input_is_refused_before_compiling(
    row: Row, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_compile: None
) -> None:
    make, error, culprits = row
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error) as caught:
        bm.brm(**{"family": "gaussian", **make()}, show_progress=False)
    assert isinstance(caught.value, PybrmsError)
    message = str(caught.value)
    for culprit in culprits:
        assert culprit in message, f"{culprit!r} not in the message:\n{message}"
    assert not list(tmp_path.iterdir()), "formula code ran and created a file"
