"""Correlation IDs shared across group-level terms: ``(1 | p | g)`` in mu and in a dpar.

brms (R/formula-re.R ``frame_re``, R/stan-predictor.R ``.stan_re``): terms with the
same ID and grouping share one ID number, one ``sd_<id>`` over all their
coefficients (mu's first), one Cholesky factor ``L_<id>``; names carry the dpar
(``sd_g__sigma_Intercept``, ``cor_g__Intercept__sigma_Intercept``, ``r_g__sigma``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybrms import threading
from pybrms.codegen import render
from pybrms.fit.predict import linear_predictors
from pybrms.formula import bf
from pybrms.spec import build_spec, get_prior
from pybrms.standata import make_standata


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 48
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            "z": rng.normal(size=n),
            "g": np.repeat([f"g{k}" for k in range(6)], 8),
            "h": np.tile(["h1", "h2", "h3"], 16),
        }
    )


SHARED = bf("y ~ x + (1 + x | p | g) + (1 | h)", sigma="~ z + (1 | p | g)")


def test_shared_id_numbers_columns_and_names_as_brms(data):
    spec = build_spec(SHARED, data)
    mu_g, h, sigma_g = spec.groups
    assert (mu_g.id, h.id, sigma_g.id) == (1, 2, 1)
    assert (
        mu_g.columns
        == sigma_g.columns
        == (("mu", "Intercept"), ("mu", "x"), ("sigma", "Intercept"))
    )
    assert (mu_g.Z, sigma_g.Z) == (("Z_1_1", "Z_1_2"), ("Z_1_sigma_3",))
    assert sigma_g.r == ("r_1_sigma_3",)
    names = [n.name for n in spec.names if n.cls in ("sd", "cor")]
    assert names == [
        "sd_g__Intercept",
        "sd_g__x",
        "sd_g__sigma_Intercept",
        "sd_h__Intercept",
        "cor_g__Intercept__x",
        "cor_g__Intercept__sigma_Intercept",
        "cor_g__x__sigma_Intercept",
    ]
    r_names = [n.name for n in spec.names if n.cls == "r"]
    assert "r_g__sigma[g0,Intercept]" in r_names and "r_g[g5,x]" in r_names
    sd_1 = next(n for n in spec.names if n.name == "sd_g__sigma_Intercept")
    assert (sd_1.stan, sd_1.index, sd_1.dpar) == ("sd_1", (3,), "sigma")


def test_shared_id_stan_data_has_one_index_and_every_column(data):
    spec = build_spec(SHARED, data)
    sd = make_standata(spec)
    assert (sd["N_1"], sd["M_1"], sd["NC_1"], sd["N_2"], sd["M_2"]) == (6, 3, 3, 3, 1)
    assert {"J_1", "Z_1_1", "Z_1_2", "Z_1_sigma_3", "J_2", "Z_2_1"} <= set(sd)
    assert "J_1_sigma" not in sd and "M_1_sigma" not in sd
    np.testing.assert_array_equal(sd["Z_1_2"], data["x"])


@pytest.mark.parametrize("threads", [None, threading(2)], ids=["plain", "threaded"])
def test_shared_id_declares_one_block(data, threads):
    code = render(build_spec(SHARED, data), threads)
    for line in (
        "vector[N] Z_1_sigma_3;",
        "matrix[M_1, N_1] z_1;",
        "cholesky_factor_corr[M_1] L_1;",
        "matrix[N_1, M_1] r_1 = scale_r_cor(z_1, sd_1, L_1);",
        "vector[N_1] r_1_sigma_3 = r_1[, 3];",
    ):
        assert code.count(line) == 1, line
    assert code.count("target += std_normal_lpdf(to_vector(z_1));") == 1
    assert code.count("int<lower=1> N_1;") == 1
    assert "r_1_sigma_3[J_1]" in code


def test_terms_of_one_id_within_mu_share_it(data):
    spec = build_spec("y ~ x + (1 | p | g) + (0 + x | p | g)", data)
    first, second = spec.groups
    assert (first.id, second.id, first.M, second.first) == (1, 1, 2, 1)
    assert [n.name for n in spec.names if n.cls == "cor"] == ["cor_g__Intercept__x"]


def test_gr_id_argument_shares_like_the_bar_syntax(data):
    a = build_spec(bf("y ~ (1 | gr(g, id = 'p'))", sigma="~ (1 | gr(g, id = 'p'))"), data)
    b = build_spec(bf("y ~ (1 | p | g)", sigma="~ (1 | p | g)"), data)
    assert [n.name for n in a.names] == [n.name for n in b.names]
    assert render(a) == render(b)


def test_shared_id_priors_as_brms(data):
    table = get_prior(SHARED, data)
    rows = table[table["class"].isin(["sd", "cor"])]
    got = {tuple(r) for r in rows[["class", "coef", "group", "dpar"]].to_numpy()}
    assert got == {
        ("cor", "", "", ""),
        ("cor", "", "g", ""),
        ("sd", "", "", ""),
        ("sd", "", "", "sigma"),
        ("sd", "", "g", ""),
        ("sd", "Intercept", "g", ""),
        ("sd", "x", "g", ""),
        ("sd", "", "g", "sigma"),
        ("sd", "Intercept", "g", "sigma"),
        ("sd", "", "h", ""),
        ("sd", "Intercept", "h", ""),
    }


def _variables(spec, S: int = 20000) -> dict[str, np.ndarray]:
    """Draws with fixed sd and correlation of the shared ID, effects of fitted levels 0."""
    rng = np.random.default_rng(0)
    cor = np.array([[1.0, 0.0, 0.8], [0.0, 1.0, 0.0], [0.8, 0.0, 1.0]])
    return {
        "b": np.zeros((1, S, 1)),
        "b_Intercept": np.zeros((1, S)),
        "b_sigma": np.zeros((1, S, 1)),
        "b_sigma_Intercept": np.zeros((1, S)),
        "sd_1": np.broadcast_to([1.0, 0.5, 0.4], (1, S, 3)),
        "L_1": np.broadcast_to(np.linalg.cholesky(cor), (1, S, 3, 3)),
        "sd_2": np.ones((1, S, 1)),
        **{r: np.zeros((1, S, 6)) for r in ("r_1_1", "r_1_2", "r_1_sigma_3")},
        "r_2_1": rng.normal(size=(1, S, 3)),
    }


def test_new_levels_draw_one_correlated_vector_for_mu_and_sigma(data):
    """sample_new_levels = "gaussian": the intercepts of a new level in mu and in
    log(sigma) come from one draw of the ID's distribution (sd 1 and 0.4, cor 0.8)."""
    spec = build_spec(SHARED, data)
    variables = _variables(spec)
    newdata = pd.DataFrame({"x": [0.0], "z": [0.0], "g": ["new"], "h": ["h1"]})
    eta = linear_predictors(
        spec,
        variables,
        newdata,
        allow_new_levels=True,
        sample_new_levels="gaussian",
        re_formula="~ (1 + x | g)",
        rng=3,
    )
    mu, log_sigma = eta["mu"][:, 0], eta["sigma"][:, 0]
    assert mu.std() == pytest.approx(1.0, rel=0.03)
    assert log_sigma.std() == pytest.approx(0.4, rel=0.03)
    assert np.corrcoef(mu, log_sigma)[0, 1] == pytest.approx(0.8, abs=0.02)


def test_new_levels_take_one_existing_level_for_mu_and_sigma(data):
    """sample_new_levels = "uncertainty": mu and sigma of a new level take the
    effects of the same existing level in each draw."""
    spec = build_spec(SHARED, data)
    variables = _variables(spec, S=500)
    levels = np.arange(6.0)
    variables |= {
        "r_1_1": np.broadcast_to(levels, (1, 500, 6)),
        "r_1_sigma_3": np.broadcast_to(-levels, (1, 500, 6)),
    }
    newdata = pd.DataFrame({"x": [0.0], "z": [0.0], "g": ["new"], "h": ["h1"]})
    eta = linear_predictors(
        spec, variables, newdata, allow_new_levels=True, re_formula="~ (1 + x | g)", rng=5
    )
    np.testing.assert_array_equal(eta["mu"][:, 0], -eta["sigma"][:, 0])
    assert len(np.unique(eta["mu"][:, 0])) == 6
