"""Multivariate specs: brms's names, the resp column of the prior table, families."""

from __future__ import annotations

import numpy as np
import pandas as pd

import pybrms as bm
from pybrms.codegen import render
from pybrms.formula import bf, mvbf, set_rescor
from pybrms.spec import build_model
from pybrms.spec.multivariate import rebuild_model
from pybrms.spec.terms import GroupEffects


def data(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "y1": rng.normal(size=n),
            "y2": rng.normal(size=n),
            "c": rng.poisson(2.0, size=n),
            "g": rng.choice(["a", "b", "c", "d"], size=n),
        }
    )


def test_names_follow_brms():
    spec = build_model(mvbf("mvbind(y1, y2) ~ x + (1 | p | g)"), data())
    names = [n.name for n in spec.names]
    for expected in (
        "b_y1_Intercept",
        "b_y2_x",
        "sd_g__y2_Intercept",
        "cor_g__y1_Intercept__y2_Intercept",
        "sigma_y1",
        "rescor__y1__y2",
        "r_g__y2[a,Intercept]",
    ):
        assert expected in names
    labels = {n.label for n in spec.names if n.section is not None}
    assert {"y1_Intercept", "y2_x", "sigma_y2", "rescor(y1,y2)"} <= labels


def test_rescor_defaults_follow_the_families():
    assert build_model("mvbind(y1, y2) ~ x", data()).rescor
    assert build_model("mvbind(y1, y2) ~ x", data(), "student").shared_dpars[0].name == "nu"
    mixed = build_model(bf("y1 ~ x") + bf("c ~ x"), data(), family=["gaussian", "poisson"])
    assert not mixed.rescor
    assert "rescor__y1__c" not in [n.name for n in mixed.names]


def test_prior_with_resp_applies_to_that_response_only():
    prior = bm.prior("normal(0, 1)", class_="b", resp="y2")
    table = build_model("mvbind(y1, y2) ~ x", data(), prior=prior).priors.to_frame()
    user = table[table["source"] == "user"]
    assert user[["class", "resp"]].values.tolist() == [["b", "y2"]]
    code = bm.stancode("mvbind(y1, y2) ~ x", data(), prior=prior)
    assert "lprior += normal_lpdf(b_y2 | b_y2_prior_mu, b_y2_prior_sigma);" in code
    assert "b_y1 |" not in code


def test_formula_combinations_agree():
    a = mvbf("mvbind(y1, y2) ~ x", rescor=False)
    b = bf("y1 ~ x") + bf("y2 ~ x") + set_rescor(False)
    c = mvbf("y1 ~ x", "y2 ~ x", rescor=False)
    assert a.responses == b.responses == c.responses == ("y1", "y2")
    assert a.rescor is b.rescor is c.rescor is False
    assert [f.mu.source for f in a.formulas] == [f.mu.source for f in c.formulas]


def test_bf_of_mvbind_is_the_multivariate_formula_as_in_brms():
    """brms's bf(mvbind(y1, y2) ~ x) + set_rescor(TRUE), dpar formulas shared."""
    formula = bf("mvbind(y1, y2) ~ x", sigma="~ x") + bm.set_rescor(False)
    assert formula == mvbf("mvbind(y1, y2) ~ x", sigma="~ x", rescor=False)
    spec = build_model(formula, data())
    assert [n.name for n in spec.names if n.name.startswith("b_sigma")] == [
        "b_sigma_y1_Intercept",
        "b_sigma_y1_x",
        "b_sigma_y2_Intercept",
        "b_sigma_y2_x",
    ]


def test_data2_and_knots_are_kept_for_refits_on_other_rows():
    """gr(g, cov = A) from data2 and the knots of a cr smooth: the spec keeps both, so
    that kfold's training model on fewer rows (the program unchanged) has them too."""
    levels = ["a", "b", "c", "d"]
    A = pd.DataFrame(np.eye(4) * 0.5 + 0.5, index=levels, columns=levels)
    knots = {"x": [-3.0, -1.0, 0.0, 1.0, 3.0]}
    formula = bf("y1 ~ s(x, bs = 'cr', k = 5)") + bf("y2 ~ (1 | gr(g, cov = A))")
    spec = build_model(formula + set_rescor(False), data(), data2={"A": A}, knots=knots)
    assert spec.data2 == {"A": A} and dict(spec.knots) == knots
    train = rebuild_model(spec, spec.data.iloc[:30])
    assert train.N == 30 and train.data2 is spec.data2
    (group,) = (t for t in train.terms if isinstance(t, GroupEffects))
    np.testing.assert_allclose(group.Lcov @ group.Lcov.T, A.to_numpy())
    assert bm.stancode(formula + set_rescor(False), data(), data2={"A": A}, knots=knots) == (
        render(train)
    )
