"""The plain and the threaded program define the same log density.

For one model per family (combining its term kinds), for one with constant()
priors fixing parts of vectors, and for programs that slice group levels, both
programs are compiled and evaluated at random unconstrained points; log density
and gradient must agree to a relative 1e-8, whatever the grainsize and chunking mode.

The threaded programs only evaluate the log density here, at three points: they are
compiled without optimisation (``optimize=False``, about 60% of the compiler time).
The plain ones are compiled as usual, since tests/fit/test_predict.py samples them.
"""

from __future__ import annotations

import numpy as np
import pytest
from model_cases import (
    ADDITION_MODELS,
    CONSTANT_MODEL,
    FAMILY_MODELS,
    FIXED_MODELS,
    LEVEL_MODELS,
    MISSING_MODELS,
    MV_MODELS,
    SHRINKAGE_MODELS,
    SUBSET_MODELS,
    TIME_COV_MODELS,
    Case,
    synthetic_data,
)

from pybrms import threading
from pybrms.backends import compile_model
from pybrms.codegen import render
from pybrms.spec import build_model
from pybrms.standata import make_standata

pytestmark = pytest.mark.stan

CASES = (
    *FAMILY_MODELS,
    CONSTANT_MODEL,
    *ADDITION_MODELS,
    *SHRINKAGE_MODELS,
    # mv_subset's threaded program covers mv_gaussian_poisson's (a gaussian and a poisson
    # response without residual correlations, group-level effects) and its own partial sums
    # per response: one program for both
    *(c for c in MV_MODELS if c.id != "mv_gaussian_poisson"),
    *SUBSET_MODELS,
    *FIXED_MODELS,
    *LEVEL_MODELS,
    *MISSING_MODELS,
    *TIME_COV_MODELS,
)


def stan_programs() -> list[str | tuple[str, str, bool]]:
    """Every case's two programs (compiled at the session's start, tests/conftest.py)."""
    codes: list[str | tuple[str, str, bool]] = []
    for case in CASES:
        spec = build_model(
            case.formula, synthetic_data(), case.family, case.prior, data2=case.data2
        )
        codes += [render(spec), (render(spec, threading(2)), "auto", False)]
    return codes


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
