"""``gr(g, by = f)``: standard deviations and correlations per level of ``f``.

brms (R/formula-re.R ``frame_re``, ``get_rnames``; R/stan-predictor.R ``.stan_re``):
data ``Nby_<id>`` and ``Jby_<id>`` (the level of ``f`` of each level of ``g``), one
Cholesky factor per level of ``f``, names ``sd_g__x:fa`` and ``cor_g__Intercept:fa__x:fa``.
pybrms keeps brms's ``matrix[M, Nby]`` of standard deviations as a vector, column by
column, so that every element takes its prior like any ``sd``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybrms import threading
from pybrms.codegen import render
from pybrms.errors import PybrmsError, SpecError
from pybrms.fit.predict import linear_predictors
from pybrms.spec import build_spec, get_prior
from pybrms.standata import make_standata


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    g = np.repeat([f"g{k}" for k in range(6)], 8)
    return pd.DataFrame(
        {
            "y": rng.normal(size=48),
            "x": rng.normal(size=48),
            "g": g,
            "f": np.where(np.isin(g, ["g0", "g1", "g4"]), "a", "b"),
        }
    )


FORMULA = "y ~ x + (1 + x | gr(g, by = f))"


def test_names_per_level_of_by(data):
    spec = build_spec(FORMULA, data)
    sd = [(n.name, n.column) for n in spec.names if n.cls == "sd"]
    assert sd == [
        ("sd_g__Intercept:fa", "sd_1.1"),
        ("sd_g__x:fa", "sd_1.2"),
        ("sd_g__Intercept:fb", "sd_1.3"),
        ("sd_g__x:fb", "sd_1.4"),
    ]
    cor = [(n.name, n.column) for n in spec.names if n.cls == "cor"]
    assert cor == [
        ("cor_g__Intercept:fa__x:fa", "cor_1.1.1"),
        ("cor_g__Intercept:fb__x:fb", "cor_1.2.1"),
    ]
    assert "r_g[g4,x]" in [n.name for n in spec.names]


def test_stan_data_has_the_by_level_of_each_group_level(data):
    sd = make_standata(build_spec(FORMULA, data))
    assert sd["Nby_1"] == 2
    assert sd["Jby_1"].tolist() == [1, 1, 2, 2, 1, 2]


@pytest.mark.parametrize("threads", [None, threading(2)], ids=["plain", "threaded"])
def test_code_scales_by_the_sds_of_each_level(data, threads):
    code = render(build_spec(FORMULA, data), threads)
    for line in (
        "array[N_1] int<lower=1> Jby_1;",
        "vector<lower=0>[M_1 * Nby_1] sd_1;",
        "array[Nby_1] cholesky_factor_corr[M_1] L_1;",
        "scale_r_cor_by(z_1, to_matrix(sd_1, M_1, Nby_1), L_1, Jby_1);",
        "lprior += lkj_corr_cholesky_lpdf(L_1[2] | L_1_2_prior_eta);",
    ):
        assert line in code, line
    uncorrelated = render(build_spec("y ~ x + (1 + x || gr(g, by = f))", data), threads)
    assert "r_1_2 = transpose(to_matrix(sd_1, M_1, Nby_1)[2, Jby_1]) .* z_1[2];" in uncorrelated


def test_default_priors_as_brms(data):
    table = get_prior(FORMULA, data)
    rows = table[table["class"].isin(["sd", "cor"])]
    assert [tuple(r) for r in rows[["class", "coef", "group"]].to_numpy()] == [
        ("cor", "", ""),
        ("sd", "", ""),
        ("sd", "", "g"),
        ("sd", "Intercept", "g"),
        ("sd", "x", "g"),
        ("cor", "", "g"),
    ]


def _variables(S: int = 20000) -> dict[str, np.ndarray]:
    """sd 2 (intercept) in level a of f, 0.5 in level b; fitted effects 0 or the level number."""
    return {
        "b": np.zeros((1, S, 1)),
        "b_Intercept": np.zeros((1, S)),
        "sigma": np.ones((1, S)),
        "sd_1": np.broadcast_to([2.0, 1.0, 0.5, 1.0], (1, S, 4)),
        "L_1": np.broadcast_to(np.eye(2), (1, S, 2, 2, 2)),
        "r_1_1": np.broadcast_to(np.arange(6.0), (1, S, 6)),
        "r_1_2": np.zeros((1, S, 6)),
    }


def test_new_levels_take_the_sds_of_their_by_level(data):
    spec = build_spec(FORMULA, data)
    newdata = pd.DataFrame({"x": [0.0, 0.0], "g": ["n1", "n2"], "f": ["a", "b"]})
    eta = linear_predictors(
        spec, _variables(), newdata, allow_new_levels=True, sample_new_levels="gaussian", rng=1
    )["mu"]
    np.testing.assert_allclose(eta.std(axis=0), [2.0, 0.5], rtol=0.03)


def test_new_levels_take_fitted_levels_of_their_by_level(data):
    """ "uncertainty": a new level in f = b takes the effects of g2, g3 or g5."""
    spec = build_spec(FORMULA, data)
    newdata = pd.DataFrame({"x": [0.0], "g": ["n1"], "f": ["b"]})
    eta = linear_predictors(spec, _variables(600), newdata, allow_new_levels=True, rng=2)["mu"]
    assert set(np.unique(eta)) == {2.0, 3.0, 5.0}


BAD = {
    "group_level_in_two_by_levels": (
        lambda d: d.assign(f=np.where(np.arange(48) == 3, "b", d["f"])),
        FORMULA,
        ("Some levels of 'g'", "multiple levels of 'f'", "'a' and 'b'"),
    ),
    "by_column_missing": (
        lambda d: d.drop(columns="f"),
        FORMULA,
        ("'f'",),
    ),
    "shared_id_with_other_by": (
        lambda d: d.assign(h=d["f"]),
        "y ~ (1 | gr(g, id = 'p', by = f)) + (0 + x | gr(g, id = 'p', by = h))",
        ("correlation ID 'p'", "same 'by'"),
    ),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_bad_by_is_refused(data, case, no_compile):
    change, formula, culprits = case
    with pytest.raises(SpecError) as caught:
        build_spec(formula, change(data))
    assert isinstance(caught.value, PybrmsError)
    for culprit in culprits:
        assert culprit in str(caught.value)


NEW_BAD = {
    "unknown_by_level": (
        pd.DataFrame({"x": [0.0], "g": ["n1"], "f": ["c"]}),
        ("New level 'n1'", "f = 'c'", "'a', 'b'"),
    ),
    "new_level_in_two_by_levels": (
        pd.DataFrame({"x": [0.0, 0.0], "g": ["n1", "n1"], "f": ["a", "b"]}),
        ("New level 'n1'", "two levels of 'f'"),
    ),
}


@pytest.mark.parametrize("case", NEW_BAD.values(), ids=NEW_BAD.keys())
def test_bad_new_by_is_refused(data, case):
    newdata, culprits = case
    spec = build_spec(FORMULA, data)
    with pytest.raises(SpecError) as caught:
        linear_predictors(spec, _variables(10), newdata, allow_new_levels=True)
    for culprit in culprits:
        assert culprit in str(caught.value)
