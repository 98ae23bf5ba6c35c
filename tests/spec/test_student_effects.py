"""Student-t group-level effects ``gr(g, dist = "student")``: brms's ``df``/``udf``/``dfm``
variables per grouping, default prior and names (R/stan-predictor.R ``stan_re``,
R/priors.R ``prior_re``, R/rename_pars.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybrms.codegen import stancode
from pybrms.errors import FormulaSyntaxError, PybrmsError
from pybrms.formula import parse
from pybrms.scheduler import threading
from pybrms.spec import build_spec, get_prior
from pybrms.spec.terms import RowRequest

FORMULA = "y ~ x + (1 + x | gr(g, dist = 'student')) + (1 | h) + (1 | gr(f, dist = 'student'))"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 24
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            "g": np.repeat(list("abcd"), 6),
            "h": np.tile(list("uv"), 12),
            "f": np.tile(list("pqr"), 8),
        }
    )


def test_parse_keeps_the_distribution():
    (term,) = parse('y ~ (1 | gr(g, dist = "student"))').groups
    assert term.dist == "student"
    (term,) = parse("y ~ (1 | mm(g, h, dist = 'student'))").groups
    assert term.dist == "student"


@pytest.mark.parametrize("threads", [None, threading(2)], ids=["plain", "threaded"])
def test_stan_code_scales_the_effects_as_brms(data, threads):
    code = stancode(FORMULA, data, threads=threads)
    # df and udf are numbered by grouping (g is 1, h 2, f 3), not by ID
    for statement in (
        "real<lower=1> df_1;",
        "vector<lower=0>[N_1] udf_1;",
        "vector[N_1] dfm_1 = sqrt(df_1 * udf_1);",
        "matrix[N_1, M_1] r_1 = rep_matrix(dfm_1, M_1) .* scale_r_cor(z_1, sd_1, L_1);",
        "vector[N_2] r_2_1 = sd_2[1] * z_2[1];",
        "vector[N_3] r_3_1 = dfm_3 .* (sd_3[1] * z_3[1]);",
        "target += inv_chi_square_lpdf(udf_3 | df_3);",
        "lprior += gamma_lpdf(df_1 | df_1_prior_alpha, df_1_prior_beta)",
        "- 1 * gamma_lccdf(1 | df_1_prior_alpha, df_1_prior_beta);",
    ):
        assert statement in code
    assert "df_2" not in code


def test_default_prior_and_names(data):
    table = get_prior(FORMULA, data)
    df = table[table["class"] == "df"]
    assert df[["prior", "group", "lb"]].to_numpy().tolist() == [
        ["gamma(2, 0.1)", "g", "1"],
        ["gamma(2, 0.1)", "f", "1"],
    ]
    spec = build_spec(FORMULA, data)
    names = [p.name for g in spec.groups for p in g.par_names() if p.cls == "df"]
    assert names == ["df_g", "df_f"]


def test_terms_on_one_grouping_share_its_degrees_of_freedom(data):
    spec = build_spec("y ~ (1 | gr(g, dist = 'student')) + (0 + x | gr(g, dist = 'student'))", data)
    assert [(g.id, g.ggn, g.declares_df) for g in spec.groups] == [(1, 1, True), (2, 1, False)]
    code = stancode("y ~ (1 | gr(g, dist = 'student')) + (0 + x | gr(g, dist = 'student'))", data)
    assert "vector[N_2] r_2_1 = dfm_1 .* (sd_2[1] * z_2[1]);" in code


@pytest.mark.parametrize(
    "formula",
    ["y ~ (1 | gr(g, dist = 'cauchy'))", "y ~ (1 | gr(g, dist = student))"],
    ids=["unknown", "unquoted"],
)
def test_bad_distributions_are_refused(data, formula):
    with pytest.raises(FormulaSyntaxError) as caught:
        build_spec(formula, data)
    assert isinstance(caught.value, PybrmsError)
    assert "dist of a grouping is one of 'gaussian', 'student'" in str(caught.value)


def test_new_levels_are_drawn_from_the_student_t(data):
    """sample_new_levels = "gaussian" scales the normal draw by sqrt(df * udf): with
    sd 1 and df 10 the effect of a new level has variance df / (df - 2) = 1.25 (the
    sample variance of 20000 draws has sd 0.015 there; a normal draw would give 1)."""
    (g, *_) = build_spec(FORMULA, data).groups
    S = 20000
    variables = {
        "sd_1": np.ones((1, S, 2)),
        "L_1": np.broadcast_to(np.eye(2), (1, S, 2, 2)),
        "df_1": np.full((1, S), 10.0),
        "r_1_1": np.zeros((1, S, 4)),
        "r_1_2": np.zeros((1, S, 4)),
    }
    new = pd.DataFrame({"x": [0.0], "g": ["new"]})
    rows = g.rows(RowRequest(newdata=new, allow_new_levels=True, sample_new_levels="gaussian"))
    eta = g.eta(rows, variables, np.random.default_rng())
    assert abs(eta.var() - 1.25) < 0.1
