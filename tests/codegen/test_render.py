"""Rendering: every family x term kind through stanc, plain and threaded; golden programs.

stanc (shipped in the httpstan wheel) type-checks a program in well under a
second, so every case is checked in both variants without a C++ compiler.
Set PYBRMS_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpstan
import pandas as pd
import pytest
from model_cases import (
    AC_MODELS,
    ADDITION_MODELS,
    CASES,
    CONSTANT_MODEL,
    FAMILY_MODELS,
    MISSING_MODELS,
    MV_MODELS,
    SHRINKAGE_MODELS,
    SUBSET_MODELS,
    TIME_COV_MODELS,
    Case,
    synthetic_data,
)

from pybrms import threading
from pybrms.codegen import render, stancode
from pybrms.codegen.context import render_context
from pybrms.formula import bf
from pybrms.priors import prior
from pybrms.spec import build_spec, family, mixture

STANC = Path(httpstan.__file__).parent / "stanc"
GOLDEN = Path(__file__).parents[1] / "golden"
VARIANTS = {"plain": None, "threaded": threading(2), "static": threading(2, static=True)}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return synthetic_data()


def _stanc(code: str, tmp_path: Path) -> None:
    source = tmp_path / "model.stan"
    source.write_text(code)
    result = subprocess.run(
        [str(STANC), str(source), "--o", str(tmp_path / "model.hpp")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"stanc failed:\n{result.stderr}\n{code}"


@pytest.mark.parametrize("variant", ["plain", "threaded"])
@pytest.mark.parametrize(
    "case",
    (
        *CASES,
        *FAMILY_MODELS,
        CONSTANT_MODEL,
        *ADDITION_MODELS,
        *SHRINKAGE_MODELS,
        *MV_MODELS,
        *MISSING_MODELS,
        *TIME_COV_MODELS,
    ),
    ids=lambda c: c.id,
)
def test_every_case_passes_stanc(case: Case, variant: str, data, tmp_path):
    code = stancode(
        case.formula, data, case.family, case.prior, VARIANTS[variant], data2=case.data2
    )
    _stanc(code, tmp_path)


def test_priors_and_constants_pass_stanc(data, tmp_path):
    user = (
        prior("normal(0, 2)", class_="b", lb=-10, ub=10)
        + prior("normal(0, 1)", class_="b", coef="x", dpar="sigma")
        + prior("constant(0.5)", class_="Intercept")
        + prior("exponential(1)", class_="sd", group="g")
        + prior("lkj(2)", class_="cor")
    )
    formula = "y ~ x + f + (1 + x | g)"
    code = stancode(bf(formula, sigma="~ x"), data, "gaussian", prior=user)
    assert "real Intercept = 0.5;" in code
    assert "vector<lower=lb_b, upper=ub_b>[Kc] b;" in code
    assert (
        "lprior += normal_lpdf(b | b_prior_mu, b_prior_sigma)\n"
        "    - 3 * log_diff_exp(normal_lcdf(ub_b | b_prior_mu, b_prior_sigma), "
        "normal_lcdf(lb_b | b_prior_mu, b_prior_sigma));"
    ) in code
    assert "lprior += normal_lpdf(b_sigma | b_sigma_prior_mu, b_sigma_prior_sigma);" in code
    assert "lprior += exponential_lpdf(sd_1 | sd_1_prior_beta);" in code
    assert "lprior += lkj_corr_cholesky_lpdf(L_1 | L_1_prior_eta);" in code
    _stanc(code, tmp_path)


B = "vector[Kc] b;  // regression coefficients"
INTERCEPT = "real Intercept;  // temporary intercept for centered predictors"
SIGMA = "real<lower=0> sigma;  // dispersion parameter"
SD_1 = "vector<lower=0>[M_1] sd_1;  // group-level standard deviations"
Z_1 = "array[M_1] vector[N_1] z_1;  // standardized group-level effects"
THRESHOLDS = (
    prior("constant(-1)", class_="Intercept", coef="1")
    + prior("constant(0)", class_="Intercept", coef="2")
    + prior("constant(1.5)", class_="Intercept", coef="3")
)

# id: (formula, family, priors, the lines of the parameters block,
#      lines of the transformed parameters block, in this order)
CONSTANT_CODE = {
    "b_coef": (
        "y ~ x + z",
        "gaussian",
        prior("constant(0.5)", coef="x"),
        ("real par_b_2;", INTERCEPT, SIGMA),
        (B, "b[1] = 0.5;", "b[2] = par_b_2;"),
    ),
    "b_class_no_intercept": (
        "count ~ 0 + x + z + (1 | g)",
        "poisson",
        prior("constant(0)"),
        (SD_1, Z_1),
        ("vector[K] b;  // regression coefficients", "b = rep_vector(0, rows(b));"),
    ),
    "b_bounds": (
        "y ~ x + z",
        "gaussian",
        prior("normal(0, 2)", lb=-1, ub=1) + prior("constant(0.5)", coef="z"),
        ("real<lower=lb_b, upper=ub_b> par_b_1;", INTERCEPT, SIGMA),
        (
            "vector<lower=lb_b, upper=ub_b>[Kc] b;  // regression coefficients",
            "b[1] = par_b_1;",
            "b[2] = 0.5;",
            "lprior += normal_lpdf(b[1] | b_1_prior_mu, b_1_prior_sigma)",
            "- 1 * log_diff_exp(normal_lcdf(ub_b | b_1_prior_mu, b_1_prior_sigma), "
            "normal_lcdf(lb_b | b_1_prior_mu, b_1_prior_sigma));",
        ),
    ),
    "b_sigma": (
        bf("y ~ x", sigma="~ x + z"),
        "gaussian",
        prior("constant(0.2)", coef="z", dpar="sigma"),
        (
            B,
            INTERCEPT,
            "real par_b_sigma_1;",
            "real Intercept_sigma;  // temporary intercept for centered predictors",
        ),
        (
            "vector[Kc_sigma] b_sigma;  // regression coefficients",
            "b_sigma[1] = par_b_sigma_1;",
            "b_sigma[2] = 0.2;",
        ),
    ),
    "sd_coef": (
        "y ~ x + (1 + x || g) + (1 | h)",
        "gaussian",
        prior("constant(0.5)", class_="sd", group="g", coef="x"),
        (
            B,
            INTERCEPT,
            "real<lower=0> par_sd_1_1;",
            Z_1,
            "vector<lower=0>[M_2] sd_2;  // group-level standard deviations",
            "array[M_2] vector[N_2] z_2;  // standardized group-level effects",
            SIGMA,
        ),
        (
            SD_1,
            "sd_1[1] = par_sd_1_1;",
            "sd_1[2] = 0.5;",
            "vector[N_1] r_1_1 = sd_1[1] * z_1[1];  // actual group-level effects",
            "lprior += student_t_lpdf(sd_1[1] | sd_1_1_prior_nu, sd_1_1_prior_mu, "
            "sd_1_1_prior_sigma)",
            "lprior += student_t_lpdf(sd_2 | sd_2_prior_nu, sd_2_prior_mu, sd_2_prior_sigma)",
        ),
    ),
    "sd_group_cor": (
        "y ~ x + (1 + x | g)",
        "gaussian",
        prior("constant(1)", class_="sd", group="g"),
        (
            B,
            INTERCEPT,
            "matrix[M_1, N_1] z_1;  // standardized group-level effects",
            "cholesky_factor_corr[M_1] L_1;  // cholesky factor of correlation matrix",
            SIGMA,
        ),
        (
            SD_1,
            "sd_1 = rep_vector(1, rows(sd_1));",
            "matrix[N_1, M_1] r_1 = scale_r_cor(z_1, sd_1, L_1);",
        ),
    ),
    "thresholds": (
        "ord ~ x",
        "cumulative",
        THRESHOLDS,
        (B,),
        (
            "ordered[nthres] Intercept;  // temporary thresholds for centered predictors",
            "Intercept[1] = -1;",
            "Intercept[2] = 0;",
            "Intercept[3] = 1.5;",
        ),
    ),
    "scalars": (
        "y ~ x",
        "gaussian",
        prior("constant(1)", class_="Intercept") + prior("constant(2)", class_="sigma"),
        (B,),
        (
            "real sigma = 2;  // dispersion parameter",
            "real Intercept = 1;  // temporary intercept for centered predictors",
        ),
    ),
}


def _block(code: str, name: str) -> list[str]:
    """The stripped lines of a top-level block of a Stan program."""
    start = code.index(f"\n{name} {{\n") + len(name) + 4
    return [line.strip() for line in code[start : code.index("\n}\n", start)].splitlines()]


@pytest.mark.parametrize("case", CONSTANT_CODE.values(), ids=CONSTANT_CODE.keys())
def test_constant_priors_move_fixed_elements_to_transformed_parameters(case, data, tmp_path):
    formula, fam, user, parameters, tparameters = case
    code = stancode(formula, data, fam, user)
    assert tuple(_block(code, "parameters")) == parameters
    tpar = _block(code, "transformed parameters")
    positions = [tpar.index(line) for line in tparameters]
    assert positions == sorted(positions)
    _stanc(code, tmp_path)
    _stanc(stancode(formula, data, fam, user, threads=threading(2)), tmp_path)


def test_student_nu_truncation(data):
    code = stancode("y ~ x", data, "student")
    assert (
        "lprior += gamma_lpdf(nu | nu_prior_alpha, nu_prior_beta)\n"
        "    - 1 * gamma_lccdf(1 | nu_prior_alpha, nu_prior_beta);"
    ) in code
    assert "real<lower=1> nu;" in code


def test_threaded_signature_is_derived_from_the_spec(data):
    spec = build_spec("succ | trials(n) ~ x + (1 | g:h) + (1 | f)", data, "binomial")
    ctx = render_context(spec)
    assert ctx["by_level"] is None  # two grouping factors: rows are sliced
    assert ctx["sliced"].signature == "data array[] int Y"
    assert ctx["pll_call"] == "trials, Xc, b, J_1, Intercept_r_1_1, J_2, r_2_1"
    assert ctx["pll_signature"] == (
        "data array[] int trials, data matrix Xc, vector b, data array[] int J_1, "
        "vector Intercept_r_1_1, data array[] int J_2, vector r_2_1"
    )


def test_one_grouping_factor_slices_its_levels(data):
    spec = build_spec("succ | trials(n) ~ x + (1 | g:h)", data, "binomial")
    ctx = render_context(spec)
    assert ctx["by_level"].index == "J_1" and ctx["by_level"].size == "N_1"
    assert ctx["sliced"].signature == "array[] real Intercept_r_1_1_slice"
    assert ctx["sliced_value"] == "to_array_1d(Intercept_r_1_1)"
    assert ctx["grainsize"] == "grainsize_levels"
    # every observation-level datum read is passed sorted by level
    assert ctx["pll_call"] == (
        "Y_sorted, trials_sorted, Xc_sorted, b, J_1_sorted, first_row, last_row"
    )
    assert ctx["pll_signature"] == (
        "data array[] int Y, data array[] int trials, data matrix Xc, vector b, "
        "data array[] int J_1, data array[] int first_row, data array[] int last_row"
    )


# formulas whose threaded likelihood slices rows though they have group-level terms
ROW_SLICED = {
    "two_coefficients": ("y ~ x + (1 + x | g)", "gaussian"),
    "two_factors": ("y ~ x + (1 | g) + (1 | f)", "gaussian"),
    "dpar_effects": (bf("y ~ x + (1 | g)", sigma="~ (1 | g)"), "gaussian"),
    "weights_loop": ("count | weights(w) ~ x + (1 | g)", "poisson"),
    "special_term": ("count ~ mo(ord) + (1 | g)", "poisson"),
    "nonlinear": (
        bf("y ~ a * exp(b * z)", "a ~ 1 + (1 | g)", "b ~ 1", nl=True),
        "gaussian",
        prior("normal(1, 2)", nlpar="a") + prior("normal(0, 1)", nlpar="b"),
    ),
}


@pytest.mark.parametrize("case", ROW_SLICED.values(), ids=ROW_SLICED.keys())
def test_other_group_structures_slice_rows(case, data):
    formula, fam, *prior_ = case
    ctx = render_context(build_spec(formula, data, fam, *prior_))
    assert ctx["by_level"] is None
    assert ctx["grainsize"] == "grainsize"


FOLD = "vector[N_1] Intercept_r_1_1 = Intercept + r_1_1;"

# The start of a partial sum over the levels of one grouping factor.
BY_LEVEL = (
    "int row_start = first_row[start];",
    "int row_end = last_row[end];",
    "array[row_end - row_start + 1] int J_1_rows = int_rows(J_1, row_start, row_end);",
    "array[row_end - row_start + 1] int Y_rows = int_rows(Y, row_start, row_end);",
)

# id: (formula, family, lines of the plain model block, lines of the partial sum
#      (its signature first), the reduce_sum call); no case has a per-row loop
#      unless it has weights.
LIKELIHOOD_CODE = {
    "poisson_glm": (
        "count ~ x + (1 | g)",
        "poisson",
        (FOLD, "target += poisson_log_glm_lpmf(Y | Xc, Intercept_r_1_1[J_1], b);"),
        (
            "real partial_log_lik_lpdf(array[] real Intercept_r_1_1_slice, int start, int end, "
            "data array[] int Y, data matrix Xc, vector b, data array[] int J_1, "
            "data array[] int first_row, data array[] int last_row) {",
            *BY_LEVEL,
            "vector[end] Intercept_r_1_1 = append_row(rep_vector(Intercept_r_1_1_slice[1], "
            "start - 1), to_vector(Intercept_r_1_1_slice));",
            "ptarget += poisson_log_glm_lpmf(Y_rows | Xc[row_start:row_end], "
            "Intercept_r_1_1[J_1_rows], b);",
        ),
        "reduce_sum(partial_log_lik_lpdf, to_array_1d(Intercept_r_1_1), grainsize_levels, "
        "Y_sorted, Xc_sorted, b, J_1_sorted, first_row, last_row);",
    ),
    "gaussian_glm_slopes_offset": (
        "y ~ x + offset(o) + (1 + x | g)",
        "gaussian",
        (
            FOLD,
            "target += normal_id_glm_lpdf(Y | Xc, offsets + Intercept_r_1_1[J_1] "
            "+ r_1_2[J_1] .* Z_1_2, b, sigma);",
        ),
        (
            "real partial_log_lik_lpmf(data array[] int J_1, int start, int end, data vector Y, "
            "data matrix Xc, vector b, data vector offsets, vector Intercept_r_1_1, "
            "data vector Z_1_2, vector r_1_2, real sigma) {",
            "ptarget += normal_id_glm_lpdf(Y[start:end] | Xc[start:end], offsets[start:end] "
            "+ Intercept_r_1_1[J_1] + r_1_2[J_1] .* Z_1_2[start:end], b, sigma);",
        ),
        "reduce_sum(partial_log_lik_lpmf, J_1, grainsize, Y, Xc, b, offsets, Intercept_r_1_1, "
        "Z_1_2, r_1_2, sigma);",
    ),
    "gaussian_glm_seq": (
        "y ~ x",
        "gaussian",
        ("target += normal_id_glm_lpdf(Y | Xc, Intercept, b, sigma);",),
        (
            "real partial_log_lik_lpmf(array[] int seq, int start, int end, data vector Y, "
            "real Intercept, data matrix Xc, vector b, real sigma) {",
            "ptarget += normal_id_glm_lpdf(Y[start:end] | Xc[start:end], Intercept, b, sigma);",
        ),
        "reduce_sum(partial_log_lik_lpmf, seq, grainsize, Y, Intercept, Xc, b, sigma);",
    ),
    "negbinomial_glm": (
        "count ~ x + (1 | g)",
        "negbinomial",
        (FOLD, "target += neg_binomial_2_log_glm_lpmf(Y | Xc, Intercept_r_1_1[J_1], b, shape);"),
        (
            "real partial_log_lik_lpdf(array[] real Intercept_r_1_1_slice, int start, int end, "
            "data array[] int Y, data matrix Xc, vector b, data array[] int J_1, real shape, "
            "data array[] int first_row, data array[] int last_row) {",
            *BY_LEVEL,
            "ptarget += neg_binomial_2_log_glm_lpmf(Y_rows | "
            "Xc[row_start:row_end], Intercept_r_1_1[J_1_rows], b, shape);",
        ),
        "reduce_sum(partial_log_lik_lpdf, to_array_1d(Intercept_r_1_1), grainsize_levels, "
        "Y_sorted, Xc_sorted, b, J_1_sorted, shape, first_row, last_row);",
    ),
    "negbinomial_shape_no_glm": (
        bf("count ~ x", shape="~ z"),
        "negbinomial",
        (
            "vector[N] mu = Intercept + Xc * b;",
            "vector[N] shape = exp(Intercept_shape + Xc_shape * b_shape);",
            "target += neg_binomial_2_log_lpmf(Y | mu, shape);",
        ),
        (
            "real partial_log_lik_lpmf(data array[] int Y, int start, int end, real Intercept, "
            "data matrix Xc, vector b, real Intercept_shape, data matrix Xc_shape, "
            "vector b_shape) {",
            "int N = end - start + 1;",
            "vector[N] mu = Intercept + Xc[start:end] * b;",
            "ptarget += neg_binomial_2_log_lpmf(Y | mu, shape);",
        ),
        "reduce_sum(partial_log_lik_lpmf, Y, grainsize, Intercept, Xc, b, Intercept_shape, "
        "Xc_shape, b_shape);",
    ),
    "gaussian_glm_sigma": (
        bf("y ~ x", sigma="~ z"),
        "gaussian",
        (
            "vector[N] sigma = exp(Intercept_sigma + Xc_sigma * b_sigma);",
            "target += normal_id_glm_lpdf(Y | Xc, Intercept, b, sigma);",
        ),
        (
            "real partial_log_lik_lpmf(array[] int seq, int start, int end, data vector Y, "
            "real Intercept, data matrix Xc, vector b, real Intercept_sigma, "
            "data matrix Xc_sigma, vector b_sigma) {",
            "ptarget += normal_id_glm_lpdf(Y[start:end] | Xc[start:end], Intercept, b, sigma);",
        ),
        "reduce_sum(partial_log_lik_lpmf, seq, grainsize, Y, Intercept, Xc, b, Intercept_sigma, "
        "Xc_sigma, b_sigma);",
    ),
    "bernoulli_no_intercept": (
        "bin ~ 0 + x + (0 + x | g)",
        "bernoulli",
        ("target += bernoulli_logit_glm_lpmf(Y | X, r_1_1[J_1] .* Z_1_1, b);",),
        (
            "real partial_log_lik_lpdf(array[] real r_1_1_slice, int start, int end, "
            "data array[] int Y, data matrix X, vector b, data array[] int J_1, "
            "data vector Z_1_1, data array[] int first_row, data array[] int last_row) {",
            *BY_LEVEL,
            "ptarget += bernoulli_logit_glm_lpmf(Y_rows | X[row_start:row_end], "
            "r_1_1[J_1_rows] .* Z_1_1[row_start:row_end], b);",
        ),
        "reduce_sum(partial_log_lik_lpdf, to_array_1d(r_1_1), grainsize_levels, Y_sorted, "
        "X_sorted, b, J_1_sorted, Z_1_1_sorted, first_row, last_row);",
    ),
    "binomial_glm": (
        "succ | trials(n) ~ x",
        "binomial",
        ("target += binomial_logit_glm_lpmf(Y | trials, Xc, Intercept, b);",),
        (
            "real partial_log_lik_lpmf(data array[] int Y, int start, int end, "
            "data array[] int trials, real Intercept, data matrix Xc, vector b) {",
            "ptarget += binomial_logit_glm_lpmf(Y | trials[start:end], Xc[start:end], "
            "Intercept, b);",
        ),
        "reduce_sum(partial_log_lik_lpmf, Y, grainsize, trials, Intercept, Xc, b);",
    ),
    "cumulative_glm": (
        "ord ~ x + f",
        "cumulative",
        ("target += ordered_logistic_glm_lpmf(Y | Xc, b, Intercept);",),
        (
            "real partial_log_lik_lpmf(data array[] int Y, int start, int end, data matrix Xc, "
            "vector b, vector Intercept) {",
            "ptarget += ordered_logistic_glm_lpmf(Y | Xc[start:end], b, Intercept);",
        ),
        "reduce_sum(partial_log_lik_lpmf, Y, grainsize, Xc, b, Intercept);",
    ),
    "cumulative_groups_vectorized": (
        "ord ~ x + (1 | g)",
        "cumulative",
        (
            "vector[N] mu = Xc * b + r_1_1[J_1];",
            "target += ordered_logistic_lpmf(Y | mu, Intercept);",
        ),
        (
            "real partial_log_lik_lpdf(array[] real r_1_1_slice, int start, int end, "
            "data array[] int Y, data matrix Xc, vector b, data array[] int J_1, "
            "vector Intercept, data array[] int first_row, data array[] int last_row) {",
            *BY_LEVEL,
            "int N = row_end - row_start + 1;",
            "vector[N] mu = Xc[row_start:row_end] * b + r_1_1[J_1_rows];",
            "ptarget += ordered_logistic_lpmf(Y_rows | mu, Intercept);",
        ),
        "reduce_sum(partial_log_lik_lpdf, to_array_1d(r_1_1), grainsize_levels, Y_sorted, "
        "Xc_sorted, b, J_1_sorted, Intercept, first_row, last_row);",
    ),
    "probit_inverse_link": (
        "bin ~ x + (1 | g)",
        family("bernoulli", link="probit"),
        (
            FOLD,
            "vector[N] mu = Phi(Xc * b + Intercept_r_1_1[J_1]);",
            "target += bernoulli_lpmf(Y | mu);",
        ),
        (
            "real partial_log_lik_lpdf(array[] real Intercept_r_1_1_slice, int start, int end, "
            "data array[] int Y, data matrix Xc, vector b, data array[] int J_1, "
            "data array[] int first_row, data array[] int last_row) {",
            *BY_LEVEL,
            "vector[N] mu = Phi(Xc[row_start:row_end] * b + Intercept_r_1_1[J_1_rows]);",
            "ptarget += bernoulli_lpmf(Y_rows | mu);",
        ),
        "reduce_sum(partial_log_lik_lpdf, to_array_1d(Intercept_r_1_1), grainsize_levels, "
        "Y_sorted, Xc_sorted, b, J_1_sorted, first_row, last_row);",
    ),
    "intercept_only": (
        "y ~ 1",
        "gaussian",
        ("vector[N] mu = rep_vector(Intercept, N);", "target += normal_lpdf(Y | mu, sigma);"),
        (
            "real partial_log_lik_lpmf(array[] int seq, int start, int end, data vector Y, "
            "real Intercept, real sigma) {",
            "vector[N] mu = rep_vector(Intercept, N);",
            "ptarget += normal_lpdf(Y[start:end] | mu, sigma);",
        ),
        "reduce_sum(partial_log_lik_lpmf, seq, grainsize, Y, Intercept, sigma);",
    ),
    "weights_loop": (
        "count | weights(w) ~ x + (1 | g)",
        "poisson",
        (
            FOLD,
            "vector[N] mu = Xc * b + Intercept_r_1_1[J_1];",
            "for (n in 1:N) {",
            "target += weights[n] * (poisson_log_lpmf(Y[n] | mu[n]));",
        ),
        (
            "real partial_log_lik_lpmf(data array[] int Y, int start, int end, "
            "data vector weights, data matrix Xc, vector b, data array[] int J_1, "
            "vector Intercept_r_1_1) {",
            "vector[N] mu = Xc[start:end] * b + Intercept_r_1_1[J_1[start:end]];",
            "for (n in 1:N) {",
            "int nn = n + start - 1;",
            "ptarget += weights[nn] * (poisson_log_lpmf(Y[n] | mu[n]));",
        ),
        "reduce_sum(partial_log_lik_lpmf, Y, grainsize, weights, Xc, b, J_1, Intercept_r_1_1);",
    ),
}


def _in_order(lines: list[str], expected: tuple[str, ...]) -> None:
    positions = [lines.index(line) for line in expected]
    assert positions == sorted(positions)


@pytest.mark.parametrize("case", LIKELIHOOD_CODE.values(), ids=LIKELIHOOD_CODE.keys())
def test_likelihood_is_vectorized(case, data, tmp_path):
    formula, fam, model, partial_sum, call = case
    plain = stancode(formula, data, fam)
    lines = _block(plain, "model")
    _in_order(lines, model)
    assert ("for (n in 1:N) {" in lines) == ("weights" in str(formula))
    threaded = stancode(formula, data, fam, threads=threading(2))
    functions = _block(threaded, "functions")
    _in_order(functions, partial_sum)
    assert f"target += {call}" in _block(threaded, "model")
    assert ("seq" in threaded) == ("seq" in call)
    _stanc(plain, tmp_path)
    _stanc(threaded, tmp_path)


@pytest.mark.parametrize("variant", ["threaded", "static"])
def test_threading_settings_do_not_change_the_program(data, variant):
    spec = build_spec("count ~ x + (1 | g)", data, "poisson")
    base = render(spec, VARIANTS[variant])
    static = variant == "static"
    for other in (threading(1, static=static), threading(8, grainsize=3, static=static)):
        assert render(spec, other) == base
    reduce = "reduce_sum_static" if static else "reduce_sum"
    assert f"target += {reduce}(partial_log_lik_lpdf, to_array_1d(Intercept_r_1_1)," in base


GOLDEN_CASES = {
    "epilepsy_poisson": ("count ~ zAge + zBase * Trt + (1|patient)", "poisson"),
    "gaussian_fixed_offset_cor": ("y ~ x + f + offset(o) + (1 + x | g)", "gaussian"),
    "gaussian_sigma_weights": next(
        (c.formula, c.family) for c in CASES if c.id == "gaussian_sigma_weights"
    ),
    "cumulative_logit": ("ord ~ x + f + (1 | g)", "cumulative"),
    "binomial_trials": ("succ | trials(n) ~ x + (1 | g:h)", "binomial"),
    "gaussian_nonlinear": next(
        (c.formula, c.family) for c in FAMILY_MODELS if c.id == "gaussian_nonlinear"
    ),
}


def _golden_data(name: str, data: pd.DataFrame) -> pd.DataFrame:
    if not name.startswith("epilepsy"):
        return data
    from importlib.resources import files

    df = pd.read_csv(files("pybrms") / "datasets" / "epilepsy.csv")
    df["Trt"] = df["Trt"].astype("category")
    return df


@pytest.mark.parametrize("variant", ["plain", "threaded"])
@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden(name: str, variant: str, data):
    formula, fam = GOLDEN_CASES[name]
    code = stancode(formula, _golden_data(name, data), fam, threads=VARIANTS[variant])
    path = GOLDEN / f"{name}.{variant}.stan"
    if os.environ.get("PYBRMS_UPDATE_GOLDEN"):
        path.write_text(code)
    assert code == path.read_text()


@pytest.mark.parametrize(
    "case", (*CASES, *FAMILY_MODELS, CONSTANT_MODEL, *SHRINKAGE_MODELS), ids=lambda c: c.id
)
def test_every_case_with_prior_draws_passes_stanc(case: Case, data, tmp_path):
    code = stancode(
        case.formula, data, case.family, case.prior, sample_prior="yes", data2=case.data2
    )
    spec = build_spec(case.formula, data, case.family, case.prior, "yes", case.data2)
    draws = [p for p in spec.names if p.cls == "prior"]
    assert draws and all(f"real {p.stan} = " in code for p in draws)
    assert len({p.name for p in draws}) == len(draws)  # brms names, none twice
    _stanc(code, tmp_path)


def test_prior_draws_take_brms_names(data, tmp_path):
    user = (
        prior("normal(0, 2)", class_="b", lb=-10, ub=10)
        + prior("normal(0, 1)", class_="b", coef="x", dpar="sigma")
        + prior("exponential(1)", class_="sd", group="g")
        + prior("lkj(2)", class_="cor")
    )
    formula = bf("y ~ x + f + (1 + x | g)", sigma="~ x + (1 | h)")
    spec = build_spec(formula, data, "gaussian", prior=user, sample_prior="yes")
    names = {p.stan: p.name for p in spec.names if p.cls == "prior"}
    assert names == {
        "prior_b": "prior_b",
        "prior_Intercept": "prior_Intercept",
        "prior_b_sigma": "prior_b_sigma",
        "prior_Intercept_sigma": "prior_Intercept_sigma",
        "prior_sd_1": "prior_sd_g",
        "prior_L_1": "prior_cor_g",
        "prior_sd_2": "prior_sd_h__sigma",
    }
    code = stancode(formula, data, "gaussian", prior=user, sample_prior="yes")
    assert "while (prior_b < lb_b || prior_b > ub_b)" in code
    assert "real prior_L_1 = lkj_corr_rng(M_1, L_1_prior_eta)[1, 2];" in code
    assert "real prior_sd_1 = exponential_rng(sd_1_prior_beta);" in code
    assert "while (prior_sd_1" not in code  # exponential has no mass below 0: nothing to reject
    _stanc(code, tmp_path)


# Addition terms: the likelihood lines brms writes (brms's tests.stancode.R), plain
# program unless the id says threaded.
ADDITION_CODE = {
    "se": ("y | se(s) ~ x", "gaussian", ("target += normal_lpdf(Y | mu, se);",)),
    "se_weights": (
        "y | se(s) + weights(w) ~ x",
        "gaussian",
        ("target += weights[n] * (normal_lpdf(Y[n] | mu[n], se[n]));",),
    ),
    "se_sigma": (
        "y | se(s, sigma = TRUE) ~ x",
        "gaussian",
        (
            "vector<lower=0>[N] se2 = square(se);",
            "target += normal_lpdf(Y | mu, sqrt(square(sigma) + se2));",
        ),
    ),
    "rate_log": ("count | rate(e) ~ x", "poisson", ("poisson_log_lpmf(Y | mu + log_denom);",)),
    "rate_identity": (
        "count | rate(e) ~ x",
        family("poisson", link="identity"),
        ("target += poisson_lpmf(Y | mu .* denom);",),
    ),
    "rate_negbinomial": (
        "count | rate(e) ~ x",
        "negbinomial",
        ("target += neg_binomial_2_log_lpmf(Y | mu + log_denom, shape .* denom);",),
    ),
    "rate_cens": (
        "count | rate(e) + cens(c3) ~ x",
        "negbinomial",
        (
            "target += neg_binomial_2_lpmf(Y[Jevent[1:Nevent]] | mu[Jevent[1:Nevent]] .* "
            "denom[Jevent[1:Nevent]], shape .* denom[Jevent[1:Nevent]]);",
        ),
    ),
    "cens_vectorized": (
        "y | cens(c3) ~ x",
        "gaussian",
        (
            "array[N] int<lower=-1, upper=2> cens;",
            "target += normal_lccdf(Y[Jrcens[1:Nrcens]] | mu[Jrcens[1:Nrcens]], sigma);",
            "target += normal_lcdf(Y[Jlcens[1:Nlcens]] | mu[Jlcens[1:Nlcens]], sigma);",
        ),
    ),
    "cens_shifted": (
        "pos | cens(c3) ~ x",
        "shifted_lognormal",
        ("target += lognormal_lcdf(Y[Jlcens[1:Nlcens]] - ndt | mu[Jlcens[1:Nlcens]], sigma);",),
    ),
    "cens_interval_poisson": (
        "count | cens(c4, cu) ~ x",
        "poisson",
        (
            "array[N] int rcens;",
            "if (cens[n] == 0) {",
            "target += poisson_lpmf(Y[n] | mu[n]);",
            "target += log_diff_exp(poisson_lcdf(rcens[n] | mu[n]), poisson_lcdf(Y[n] | mu[n]));",
        ),
    ),
    "cens_weights": (
        "pos | cens(c3) + weights(w) ~ x",
        "exponential",
        ("target += weights[n] * (exponential_lccdf(Y[n] | inv(mu[n])));",),
    ),
    "trunc_lb": (
        "pos | trunc(0) ~ x",
        "Gamma",
        (
            "target += gamma_lpdf(Y[n] | shape, shape ./ mu[n]) -",
            "gamma_lccdf(lb[n] | shape, shape ./ mu[n]);",
        ),
    ),
    "trunc_ub": (
        "y | trunc(ub = 100) ~ x",
        family("student", link="log"),
        (
            "target += student_t_lpdf(Y[n] | nu, mu[n], sigma) -",
            "student_t_lcdf(ub[n] | nu, mu[n], sigma);",
        ),
    ),
    "trunc_count": (
        "count | trunc(0, 150) ~ x",
        "poisson",
        (
            "array[N] int lb;",
            "target += poisson_lpmf(Y[n] | mu[n]) -",
            "log_diff_exp(poisson_lcdf(ub[n] | mu[n]), poisson_lcdf(lb[n] - 1 | mu[n]));",
        ),
    ),
    "trunc_geometric": (
        "count | trunc(ub = cu) ~ x",
        "geometric",
        (
            "target += neg_binomial_2_lpmf(Y[n] | mu[n], 1) -",
            "neg_binomial_2_lcdf(ub[n] | mu[n], 1);",
        ),
    ),
    "cens_mixture": (
        "y | cens(c3) ~ x",
        mixture("gaussian", "gaussian"),
        (
            "if (cens[n] == 0) {",
            "ps[1] = log(theta1) + normal_lpdf(Y[n] | mu1[n], sigma1);",
            "} else if (cens[n] == 1) {",
            "ps[2] = log(theta2) + normal_lccdf(Y[n] | mu2[n], sigma2);",
            "target += log_sum_exp(ps);",
        ),
    ),
    "trunc_mixture": (
        "pos | trunc(lb = 0, ub = 100) ~ x",
        mixture("gaussian", "lognormal"),
        (
            "ps[1] = log(theta1) + normal_lpdf(Y[n] | mu1[n], sigma1) -",
            "log_diff_exp(normal_lcdf(ub[n] | mu1[n], sigma1), "
            "normal_lcdf(lb[n] | mu1[n], sigma1));",
            "ps[2] = log(theta2) + lognormal_lpdf(Y[n] | mu2[n], sigma2) -",
            "log_diff_exp(lognormal_lcdf(ub[n] | mu2[n], sigma2), "
            "lognormal_lcdf(lb[n] | mu2[n], sigma2));",
        ),
    ),
    "trunc_cens_threaded": (
        "y | cens(c3) + trunc(ub = 30) ~ x",
        "gaussian",
        ("ptarget += normal_lccdf(Y[nn] | mu[n], sigma) -", "normal_lcdf(ub[nn] | mu[n], sigma);"),
    ),
    "cens_threaded": (
        "pos | cens(c3) ~ x",
        "lognormal",
        (
            "if (cens[nn] == 0) {",
            "Jrcens[Nrcens] = n;",
            "ptarget += lognormal_lcdf(Y[start:end][Jlcens[1:Nlcens]] | "
            "mu[Jlcens[1:Nlcens]], sigma);",
        ),
    ),
}


@pytest.mark.parametrize("name", ADDITION_CODE)
def test_addition_terms_write_the_likelihood_as_brms(name: str, data):
    formula, fam, lines = ADDITION_CODE[name]
    threads = threading(2) if name.endswith("threaded") else None
    code = stancode(formula, data, fam, threads=threads)
    flat = " ".join(code.split())
    for line in lines:
        assert " ".join(line.split()) in flat, f"{line!r} not in:\n{code}"


@pytest.mark.parametrize("case", AC_MODELS, ids=lambda c: c.id)
def test_arma_cases_pass_stanc_with_priors_and_prior_draws(case: Case, data, tmp_path):
    """The plain program only: brms refuses to thread ARMA models (tests/spec/test_arma.py)."""
    cls = "ma" if case.id.endswith("ma2") else "ar"
    user = prior("normal(0, 0.5)", class_=cls)
    code = stancode(case.formula, data, case.family, user, sample_prior="yes")
    assert f"real prior_{cls} = normal_rng(" in code
    _stanc(code, tmp_path)
    _stanc(stancode(case.formula, data, case.family, prior("constant(0.3)", class_=cls)), tmp_path)


def test_mixture_is_written_as_brms(data):
    """brms's stan_mixture and stan_log_lik_mixfamily: the simplex theta with its
    dirichlet prior, ordered intercepts for components of one family, and per row the
    log_sum_exp over the components' densities."""
    code = stancode("y ~ x + (1 | g)", data, mixture("gaussian", "gaussian"))
    for line in (
        "vector[2] con_theta;  // prior concentration",
        "simplex[2] theta;  // mixing proportions",
        "ordered[2] ordered_Intercept;  // to identify mixtures",
        "real<lower=0, upper=1> theta1 = theta[1];",
        "real Intercept_mu2 = ordered_Intercept[2];",
        "lprior += dirichlet_lpdf(theta | con_theta);",
        "ps[1] = log(theta1) + normal_lpdf(Y[n] | mu1[n], sigma1);",
        "ps[2] = log(theta2) + normal_lpdf(Y[n] | mu2[n], sigma2);",
        "target += log_sum_exp(ps);",
    ):
        assert line in code, line
    assert "real Intercept_mu1;" not in code
    unordered = stancode("count ~ x", data, mixture("poisson", family("negbinomial")))
    assert "ordered_Intercept" not in unordered
    assert "ps[2] = log(theta2) + neg_binomial_2_log_lpmf(Y[n] | mu2[n], shape2);" in unordered
    predicted = stancode(bf("y ~ x", theta2="~ z"), data, mixture("gaussian", "gaussian"))
    assert "simplex" not in predicted
    assert "vector[N] theta1 = rep_vector(0.0, N);" in predicted
    assert "theta2[n] = theta2[n] - log_sum_exp_theta;" in predicted
    assert "ps[2] = theta2[n] + normal_lpdf(Y[n] | mu2[n], sigma2);" in predicted


def test_mixture_parameters_take_brms_names(data):
    spec = build_spec(bf("y ~ x + (1 | g)", sigma2="~ z"), data, mixture("gaussian", "gaussian"))
    names = [n.name for n in spec.names]
    for name in ("b_mu1_Intercept", "b_mu2_x", "b_sigma2_z", "sd_g__mu1_Intercept", "sigma1"):
        assert name in names, name
    assert {"theta1", "theta2"} <= set(names)
    assert "sigma2" not in names  # predicted: b_sigma2_Intercept, b_sigma2_z


MV_LINES = {
    "mv_gaussian_rescor": (
        "vector[N] Y_y;  // response variable",
        "Y[n] = transpose([Y_y[n], Y_y2[n]]);",
        "cholesky_factor_corr[nresp] Lrescor;  // parameters for multivariate linear models",
        "lprior += lkj_corr_cholesky_lpdf(Lrescor | Lrescor_prior_eta);",
        "matrix[nresp, nresp] LSigma = diag_pre_multiply(sigma, Lrescor);",
        "Mu[n] = transpose([mu_y[n], mu_y2[n]]);",
        "target += multi_normal_cholesky_lpdf(Y | Mu, LSigma);",
        "rescor[choose(k - 1, 2) + j] = Rescor[j, k];",
    ),
    "mv_gaussian_poisson": (
        "array[N] int Y_count;  // response variable",
        "target += normal_lpdf(Y_y | mu_y, sigma_y);",
        "target += poisson_log_lpmf(Y_count | mu_count);",
    ),
    "mv_student_rescor": (
        "real<lower=1> nu;  // degrees of freedom or shape",
        "LSigma[n] = diag_pre_multiply(transpose([sigma_y[n], sigma_y2]), Lrescor);",
        "target += multi_student_t_cholesky_lpdf(Y[n] | nu, Mu[n], LSigma[n]);",
    ),
}


@pytest.mark.parametrize("case", MV_MODELS, ids=lambda c: c.id)
def test_multivariate_program_is_written_as_brms(case: Case, data):
    """brms's variables (``Y_<resp>``, ``Lrescor``, ``Mu``, ``LSigma``) and likelihoods."""
    lines = [line.strip() for line in stancode(case.formula, data, case.family).splitlines()]
    _in_order(lines, MV_LINES[case.id])


@pytest.mark.parametrize("case", SUBSET_MODELS, ids=lambda c: c.id)
def test_subset_program_is_written_as_brms(case: Case, data, tmp_path):
    """brms's N_<resp> for every response, each response's data and predictors over its
    own rows, the level index of a shared ID per response (brms's J_1_<resp>); threaded,
    one partial sum per response over its own rows (each slicing its level index), as
    brms. stanc accepts both."""
    code = stancode(case.formula, data, case.family)
    lines = [line.strip() for line in code.splitlines()]
    _in_order(
        lines,
        (
            "int<lower=1> N;  // total number of observations",
            "int<lower=1> N_ys;  // number of observations",
            "vector[N_ys] Y_ys;  // response variable",
            "matrix[N_ys, K_ys] X_ys;  // population-level design matrix",
            "array[N_ys] int<lower=1> J_1_ys;  // grouping indicator per observation",
            "vector[N_ys] Z_1_ys_1;",
            "array[N_ys] int<lower=1> J_2_1;  // grouping indicator per observation",
            "int<lower=1> N_count;  // number of observations",
            "array[N_count] int Y_count;  // response variable",
            "matrix[N_count, K_count] X_count;  // population-level design matrix",
            "array[N_count] int<lower=1> J_1_count;  // grouping indicator per observation",
            "vector[N_count] Z_1_count_2;",
            "vector[N_ys] mu_ys = Xc_ys * b_ys + Intercept_ys_r_1_ys_1[J_1_ys];",
            "vector[N_count] mu_count = Xc_count * b_count "
            "+ Intercept_count_r_1_count_2[J_1_count];",
            "target += normal_lpdf(Y_ys | mu_ys, sigma_ys);",
        ),
    )
    _stanc(code, tmp_path)
    threaded = stancode(case.formula, data, case.family, threads=threading(2))
    lines = [line.strip() for line in threaded.splitlines()]
    _in_order(
        lines,
        (
            "real partial_log_lik_ys_lpmf(data array[] int J_1_ys, int start, int end, "
            "data vector Y_ys, data matrix Xc_ys, vector b_ys, vector Intercept_ys_r_1_ys_1, "
            "data array[] int J_2_1, data array[] int J_2_2, data array[] real W_2_1, "
            "data array[] real W_2_2, data vector Z_2_ys_1_1, data vector Z_2_ys_1_2, "
            "vector r_2_ys_1, real sigma_ys) {",
            "int N_ys = end - start + 1;",
            "real partial_log_lik_count_lpmf(data array[] int J_1_count, int start, int end, "
            "data array[] int Y_count, data matrix Xc_count, vector b_count, "
            "vector Intercept_count_r_1_count_2) {",
            "target += reduce_sum(partial_log_lik_ys_lpmf, J_1_ys, grainsize, Y_ys, Xc_ys, b_ys, "
            "Intercept_ys_r_1_ys_1, J_2_1, J_2_2, W_2_1, W_2_2, Z_2_ys_1_1, Z_2_ys_1_2, "
            "r_2_ys_1, sigma_ys);",
            "target += reduce_sum(partial_log_lik_count_lpmf, J_1_count, grainsize, Y_count, "
            "Xc_count, b_count, Intercept_count_r_1_count_2);",
        ),
    )
    _stanc(threaded, tmp_path)
