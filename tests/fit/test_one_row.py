"""One row of data: the draws vary as they should (no parsing shortcut for N = 1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pybrms as bm

pytestmark = [pytest.mark.stan, pytest.mark.filterwarnings("ignore::pybrms.SamplingWarning")]


def test_one_row_gives_varying_draws_of_the_posterior():
    fit = bm.brm(
        "y ~ 1", pd.DataFrame({"y": [1.2]}), chains=2, iter=400, seed=2, show_progress=False
    )
    assert fit.standata["N"] == 1 and fit.standata["Y"].shape == (1,)
    frame = fit.draws_frame()
    for name in ("b_Intercept", "sigma"):
        # NUTS repeats a draw only when it rejects a proposal: most draws differ.
        assert frame[name].nunique() > 100
        assert frame[name].std() > 0.1
    # With one observation the posterior of the mean is wide and centred near it.
    assert abs(np.median(frame["b_Intercept"]) - 1.2) < 1.0
    predicted = fit.posterior_predict(rng=1)
    assert predicted.shape == (400, 1) and np.unique(predicted).size == 400
