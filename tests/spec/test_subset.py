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


def test_shared_id_reads_each_response_rows():
    """(1 | p | g) in both responses: one ID over the levels of all rows, and per response
    its own level index and Z over its rows (brms's J_1_y1, J_1_y2), declared once each
    even when two of a response's parameters share the ID."""
    formula = (
        bm.bf("y1 | subset(s) ~ x + (1 | p | g)", sigma="~ (1 | p | g)")
        + bm.bf("y2 ~ x + (1 | p | g)")
        + bm.set_rescor(False)
    )
    spec = build_model(formula, rows())
    sd = make_standata(spec)
    assert (sd["N_1"], sd["M_1"], sd["NC_1"]) == (4, 3, 3)
    assert sd["J_1_y1"].tolist() == [1, 2, 3, 1]
    assert sd["J_1_y2"].tolist() == [1, 4, 2, 4, 3, 4, 1, 4]
    assert "J_1" not in sd
    assert [len(sd[z]) for z in ("Z_1_y1_1", "Z_1_sigma_y1_2", "Z_1_y2_3")] == [4, 4, 8]
    code = bm.stancode(formula, rows())
    assert code.count("int<lower=1> J_1_y1;") == 1


def test_by_and_multi_membership_take_the_levels_of_all_rows():
    """gr(g, by = b) and mm(g, h) of a response with subset(): the levels (and by's level
    of each) of all rows, as brms; the response's indices over its own rows."""
    df = rows().assign(b=["u", "v", "w", "v", "u", "v", "u", "v"], h=["g2", "g5"] * 4)
    formula = (
        bm.bf("y1 | subset(s) ~ x + (1 | gr(g, by = b)) + (1 | mm(g, h))")
        + bm.bf("y2 ~ x")
        + bm.set_rescor(False)
    )
    spec = build_model(formula, df)
    by, mm = (t for t in spec.terms if isinstance(t, bm.spec.terms.GroupEffects))
    # g4 and by level v only outside the subset
    assert by.levels == ("g1", "g2", "g3", "g4") and by.by_levels == ("u", "v", "w")
    assert by.Jby.tolist() == [1, 3, 1, 2]
    assert by.J.tolist() == [1, 2, 3, 1]
    # g4 and g5 only outside the subset
    assert mm.levels == ("g1", "g2", "g3", "g4", "g5")
    assert mm.J.tolist() == [[1, 2, 3, 1], [2, 2, 2, 2]]
