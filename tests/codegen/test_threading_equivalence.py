"""The plain and the threaded program define the same log density.

Both programs of a model are compiled and evaluated at random unconstrained points;
log density and gradient must agree to a relative 1e-8, whatever the grainsize and
chunking mode.

Which models: the threaded program renders its likelihood with the same macros and
family templates as the plain one, so what threading can get wrong is what the
render context gives them: the variable ``reduce_sum`` slices, the ``partial_log_lik``
arguments, the rows each expression reads, the likelihood's form. These are a model's
*threaded features* (tests/codegen/threaded_features.py, read off the render context
and the rendered partial sum, no compile). The rule: ``EQUIVALENCE_CASES`` covers every
threaded feature of every case of tests/codegen/model_cases.py, each feature by at
least one compiled pair, and ``test_equivalence_cases_cover_every_threaded_feature``
enforces it. A new model case whose threaded program does something new (a slicing
mode, an argument kind, a term part, a censoring shape) fails that test, naming the
case and the feature; adding its id here makes it one of the compiled pairs.
``EQUIVALENCE_CASES`` is a smallest such cover (the fewest programs, preferring cases
whose plain program tests/fit/test_predict.py compiles anyway); a case may leave it
when the others cover its features.

The threaded programs only evaluate the log density here, at three points: they are
compiled without optimisation (``optimize=False``, about 60% of the compiler time).
The plain ones are compiled as usual, since tests/fit/test_predict.py samples most.
"""

from __future__ import annotations

import numpy as np
import pytest
from model_cases import Case, synthetic_data
from threaded_features import every_case, threaded_features

from pybrms import threading
from pybrms.backends import compile_model
from pybrms.codegen import render
from pybrms.spec import build_model
from pybrms.standata import make_standata

# One case per group of threaded features; see the module docstring for the rule.
EQUIVALENCE_CASES = (
    # families and their likelihood forms (GLM, loops, response kinds)
    "cumulative_glm",
    "acat_cloglog",
    "multinomial",
    "dirichlet",
    "gaussian_nonlinear",
    # term kinds
    "poisson_no_intercept",
    "gaussian_smooth_options",
    "gaussian_gp",
    "gp_exact_by",
    "gaussian_mm",
    "sratio_cs",
    "gaussian_me",
    "gaussian_mo_group_interaction",
    "gaussian_mo_factor",
    # addition terms: se, rate, weights, censoring, truncation, mi
    "gaussian_se",
    "student_se_sigma_weights",
    "poisson_rate",
    "negbinomial_rate_cens",
    "lognormal_cens_trunc",
    "lognormal_mi_weights",
    "hurdle_negbinomial_trunc",
    "exgaussian_cens",
    "beta_binomial_cens",
    "geometric_trunc",
    "exgaussian_trunc",
    # mixtures
    "mixture_gaussian",
    "mixture_gaussian_cens",
    "mixture_poisson_negbinomial_trunc",
    "mixture_fixed_theta_sigma",
    # multivariate models
    "mv_gaussian_rescor",
    "mv_subset",
    "mv_student_rescor",
    "mv_student_mi_both",
    "mv_gaussian_mi_predictor",
    # time-series covariance (slicing the series)
    "student_arma_cov_sigma",
)
CASES = tuple(every_case()[case_id] for case_id in EQUIVALENCE_CASES)


def stan_programs() -> list[str | tuple[str, str, bool]]:
    """Every case's two programs (compiled at the session's start, tests/conftest.py)."""
    codes: list[str | tuple[str, str, bool]] = []
    for case in CASES:
        spec = build_model(
            case.formula, synthetic_data(), case.family, case.prior, data2=case.data2
        )
        codes += [render(spec), (render(spec, threading(2)), "auto", False)]
    return codes


def test_equivalence_cases_cover_every_threaded_feature():
    data = synthetic_data()
    covered = set().union(*(threaded_features(case, data) for case in CASES))
    missing = [
        f"{case_id}: {feature}"
        for case_id, case in every_case().items()
        for feature in sorted(threaded_features(case, data) - covered)
    ]
    assert not missing, (
        "threaded features no case of EQUIVALENCE_CASES covers (add the case's id):\n"
        + "\n".join(missing)
    )


def test_threaded_features_tell_slicing_modes_apart():
    # the feature extraction itself: one case per slicing mode, each seen as such
    data = synthetic_data()
    modes = {
        "cumulative_glm": "slice:response:array[] int",
        "poisson_no_intercept": "slice:by_level",
        "gaussian_mm": "slice:seq",
        "student_arma_cov_sigma": "slice:by_series",
        "mv_gaussian_rescor": "mv:slice:GroupEffects",
        "mv_student_rescor": "mv:slice:seq",
    }
    for case_id, mode in modes.items():
        features = threaded_features(every_case()[case_id], data)
        assert any(f.startswith(mode) for f in features), (case_id, sorted(features))


@pytest.mark.stan
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_plain_and_threaded_log_density_agree(case: Case):
    spec = build_model(case.formula, synthetic_data(), case.family, case.prior, data2=case.data2)
    plain = compile_model(render(spec), show_progress=False)
    threaded = compile_model(render(spec, threading(2)), show_progress=False, optimize=False)
    plain_data = make_standata(spec)
    dim = plain.num_unconstrained(plain_data)
    points = np.random.default_rng(7).normal(scale=0.5, size=(3, dim))
    expected = plain.log_prob(plain_data, points)
    assert np.isfinite(expected.lp).all()
    for setting in (threading(2, grainsize=7), threading(2, grainsize=1000, static=True)):
        got = threaded.log_prob(make_standata(spec, setting), points)
        np.testing.assert_allclose(got.lp, expected.lp, rtol=1e-8)
        np.testing.assert_allclose(got.grad, expected.grad, rtol=1e-8, atol=1e-8)
