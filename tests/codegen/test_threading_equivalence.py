"""The plain and the threaded program define the same log density.

For one model per family (combining its term kinds), for one with constant()
priors fixing parts of vectors, and for programs that slice group levels, both
programs are compiled and evaluated at random unconstrained points; log density
and gradient must agree to a relative 1e-8, whatever the grainsize and chunking mode.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from model_cases import (
    ADDITION_MODELS,
    CONSTANT_MODEL,
    FAMILY_MODELS,
    LEVEL_MODELS,
    SHRINKAGE_MODELS,
    Case,
    synthetic_data,
)

from pybrms import precompile, threading
from pybrms.backends import compile_model
from pybrms.codegen import render
from pybrms.errors import CompileError
from pybrms.spec import build_spec
from pybrms.standata import make_standata

pytestmark = pytest.mark.stan

CASES = (*FAMILY_MODELS, CONSTANT_MODEL, *ADDITION_MODELS, *SHRINKAGE_MODELS, *LEVEL_MODELS)


@pytest.fixture(scope="session", autouse=True)
def programs() -> None:
    """Compile every case's two programs up front, many per compiler run.

    Session-scoped, so pytest-xdist still hands the tests out one by one: the first
    worker here compiles what is missing on every core, and another worker arriving
    meanwhile waits for those entries instead of compiling them again.
    """
    codes = []
    for case in CASES:
        spec = build_spec(case.formula, synthetic_data(), case.family, case.prior)
        codes += [render(spec), render(spec, threading(2))]
    with contextlib.suppress(CompileError):  # a program that fails, fails its own test
        precompile(codes, show_progress=False)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_plain_and_threaded_log_density_agree(case: Case):
    spec = build_spec(case.formula, synthetic_data(), case.family, case.prior)
    plain = compile_model(render(spec), show_progress=False)
    threaded = compile_model(render(spec, threading(2)), show_progress=False)
    plain_data = make_standata(spec)
    dim = plain.num_unconstrained(plain_data)
    points = np.random.default_rng(7).normal(scale=0.5, size=(3, dim))
    expected = plain.log_prob(plain_data, points)
    assert np.isfinite(expected.lp).all()
    for setting in (threading(2, grainsize=7), threading(2, grainsize=1000, static=True)):
        got = threaded.log_prob(make_standata(spec, setting), points)
        np.testing.assert_allclose(got.lp, expected.lp, rtol=1e-8)
        np.testing.assert_allclose(got.grad, expected.grad, rtol=1e-8, atol=1e-8)
