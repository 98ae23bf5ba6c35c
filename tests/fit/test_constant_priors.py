"""A real fit with constant() priors: fixed elements are constants in every draw.

The threaded program is the one ``tests/codegen/test_threading_equivalence.py``
compiles for the same model, so the compile cache serves both tests.
"""

from __future__ import annotations

import numpy as np
import pytest
from model_cases import CONSTANT_MODEL, synthetic_data

import pybrms as bm

pytestmark = pytest.mark.stan


@pytest.fixture(scope="module")
def fit():
    return bm.brm(
        CONSTANT_MODEL.formula,
        data=synthetic_data(),
        family=CONSTANT_MODEL.family,
        prior=CONSTANT_MODEL.prior,
        chains=1,
        iter=300,
        seed=5,
        threads=bm.threading(2),
        show_progress=False,
    )


def test_fixed_elements_are_constant_and_the_others_sampled(fit):
    frame = fit.draws_frame()
    fixed = {"b_x": 0.5, "b_sigma_z": 0.2, "sd_g__x": 1.0}
    for name, value in fixed.items():
        assert (frame[name] == value).all(), name
    sampled = ("b_Intercept", "b_z", "b_sigma_Intercept", "sd_g__Intercept", "cor_g__Intercept__x")
    for name in sampled:
        assert frame[name].std() > 0, name


def test_summary_and_predictions_use_the_fixed_values(fit):
    table = fit.summary().population_level
    assert table.loc["x", "Estimate"] == 0.5 and table.loc["x", "Est.Error"] == 0
    # one chain: no Rhat at all; a constant has no effective sample size either
    assert np.isnan(table.loc["x", "Bulk_ESS"]) and table.loc["z", "Bulk_ESS"] > 0
    epred = fit.posterior_epred()
    assert epred.shape == (150, 60) and np.isfinite(epred).all()
