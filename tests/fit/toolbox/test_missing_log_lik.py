"""Responses that ``mi()`` estimates have no log-likelihood (brms: NA), and the warning
that says so points at the user's line, however deep in pybrms it is raised."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from saved_draws import SAVED_FITS, load  # tests/fixtures, on the path by conftest.py


@pytest.fixture(scope="module")
def fit():
    return load(SAVED_FITS["missing_response"])


@pytest.mark.parametrize(
    "method", ["log_lik", "waic", "loo", "to_inference_data"], ids=lambda name: name
)
def test_nan_log_lik_warning_points_at_the_caller(fit, method):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        getattr(fit, method)()
    ours = [w for w in record if "NaNs were found in the log-likelihood" in str(w.message)]
    assert ours
    assert {w.filename for w in ours} == {__file__}


def test_log_lik_is_nan_exactly_in_the_missing_rows(fit):
    with pytest.warns(UserWarning, match="NaNs were found"):
        log_lik = fit.log_lik()
    missing = fit.spec.input_data["y"].isna().to_numpy()
    assert missing.sum() == 8
    assert np.isnan(log_lik[:, missing]).all()
    assert np.isfinite(log_lik[:, ~missing]).all()
