"""subset(): the rows of one response of a multivariate model, as brms's subset_data
and na_omit, its grouping levels and its Stan data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pybrms as bm
from pybrms.fit.multivariate import mv_posterior_epred
from pybrms.spec.multivariate import build_model
from pybrms.standata import make_standata

FORMULA = bm.bf("y1 | subset(s) ~ x + (1 | g)") + bm.bf("y2 ~ x") + bm.set_rescor(False)


def rows(**changes: dict[int, object]) -> pd.DataFrame:
    """Eight rows; y1 is used where s is true (rows 0, 2, 4, 6) and missing elsewhere;
    level g4 appears only outside the subset."""
    df = pd.DataFrame(
        {
            "y1": [1.0, None, 2.0, None, 1.5, None, 3.0, None],
            "y2": np.linspace(0.0, 1.0, 8),
            "x": np.linspace(-1.0, 1.0, 8),
            "s": [True, False] * 4,
            "g": ["g1", "g4", "g2", "g4", "g3", "g4", "g1", "g4"],
        }
    )
    for column, values in changes.items():
        for row, value in values.items():
            df.loc[row, column] = value
    return df


def test_rows_are_dropped_only_where_a_response_uses_them():
    # y1 missing outside the subset: kept; x missing in row 1 (used by y2): dropped;
    # y1 missing in row 2 (inside the subset): dropped
    with pytest.warns(UserWarning, match="Dropped 2 of 8 rows"):
        spec = build_model(FORMULA, rows(x={1: None}, y1={2: None}))
    assert spec.data.index.tolist() == [0, 3, 4, 5, 6, 7]
    part = spec.part("y1")
    assert part.subset is not None and spec.data.index[part.subset].tolist() == [0, 4, 6]
    assert part.response.values.tolist() == [1.0, 1.5, 3.0]


def test_stan_data_are_per_response_with_the_levels_of_all_rows():
    spec = build_model(FORMULA, rows())
    sd = make_standata(spec)
    assert (sd["N"], sd["N_y1"], sd["N_y2"]) == (8, 4, 8)
    assert sd["X_y1"].shape == (4, 2) and sd["Y_y2"].shape == (8,)
    # brms: N_1 counts g4, seen only outside the subset; J_1 indexes the levels of all rows
    assert sd["N_1"] == 4
    assert sd["J_1"].tolist() == [1, 2, 3, 1]
    assert [n.name for n in spec.names if n.name.startswith("r_g")][-1] == "r_g__y1[g4,Intercept]"


def test_new_rows_are_subset_as_the_fitted_ones():
    spec = build_model(FORMULA, rows())
    variables = {
        "b_y1_Intercept": np.zeros((1, 1)),
        "b_y1": np.ones((1, 1, 1)),
        "sigma_y1": np.ones((1, 1)),
        "sd_1": np.ones((1, 1, 1)),
        "r_1_y1_1": np.zeros((1, 1, 4)),
    }
    fitted = mv_posterior_epred(spec, variables, resp="y1")
    # mu = x on the rows where s is true
    np.testing.assert_allclose(fitted, [np.linspace(-1.0, 1.0, 8)[::2]], rtol=1e-12)
    np.testing.assert_allclose(mv_posterior_epred(spec, variables, rows(), resp="y1"), fitted)
