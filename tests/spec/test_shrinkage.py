"""Shrinkage priors horseshoe() and R2D2(): parsing, prior table, names, Stan data and code.

The Stan fragments are those brms's own tests expect (``tests/testthat/tests.stancode.R``,
"special shrinkage priors appear in the Stan code"); the fits are in
``tests/fit/test_shrinkage.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pybrms import threading
from pybrms.codegen import render
from pybrms.errors import SpecError
from pybrms.formula import bf
from pybrms.priors import parse_prior, prior
from pybrms.shrinkage import R2D2, Horseshoe
from pybrms.spec import build_spec
from pybrms.standata import make_standata


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 16
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "count": rng.poisson(2.0, size=n),
            "g": list("abcd") * 4,
        }
    )


@pytest.mark.parametrize(
    ("text", "expected", "shown"),
    [
        ("horseshoe(1)", Horseshoe(), "horseshoe(1)"),
        ("horseshoe()", Horseshoe(), "horseshoe()"),
        (
            "horseshoe(7, scale_global = 2, df_global = 3, df_slab = 6, scale_slab = 3)",
            Horseshoe(7, 2, 3, 3, 6),
            "horseshoe(7, scale_global = 2, df_global = 3, df_slab = 6, scale_slab = 3)",
        ),
        (
            "horseshoe(df=3, par_ratio=0.1, autoscale=FALSE)",
            Horseshoe(3, par_ratio=0.1, autoscale=False),
            "horseshoe(df = 3, par_ratio = 0.1, autoscale = FALSE)",
        ),
        ("horseshoe(par_ratio = NULL, main = TRUE)", Horseshoe(main=True), None),
        # R matches named arguments first, then fills the others in order
        ("horseshoe(scale_global = 0.5, 3)", Horseshoe(3, 0.5), None),
        ("R2D2()", R2D2(), "R2D2()"),
        ("R2D2(0.5, 10)", R2D2(0.5, 10), "R2D2(0.5, 10)"),
        (
            "R2D2(mean_R2 = 0.8, prec_R2 = 10, cons_D2 = 2, autoscale = F)",
            R2D2(0.8, 10, 2, autoscale=False),
            None,
        ),
    ],
)
def test_shrinkage_priors_parse_with_brms_arguments(text, expected, shown):
    parsed = parse_prior(text)
    assert parsed == expected
    if shown is not None:
        assert str(parsed) == shown


def test_prior_table_shows_the_shrinkage_prior_on_class_b(df):
    table = build_spec("y ~ x1 + x2", df, prior=prior("horseshoe(3)")).priors.to_frame()
    b = table[table["class"] == "b"]
    assert list(b["prior"]) == ["horseshoe(3)", "(flat)", "(flat)"]
    assert list(b["coef"]) == ["", "x1", "x2"]
    assert list(b["source"]) == ["user", "(vectorized)", "(vectorized)"]


def test_names_are_brms_names_and_b_stays_b(df):
    spec = build_spec(
        bf("y ~ x1 + x2", sigma="~ x1"), df, prior=prior("horseshoe(1)", dpar="sigma")
    )
    names = [p.name for p in spec.names]
    assert names == [
        "b_Intercept",
        "b_x1",
        "b_x2",
        "b_sigma_Intercept",
        "b_sigma_x1",
        "hs_global_sigma",
        "hs_slab_sigma",
        "sdb_sigma_x1",
        "Intercept",
        "Intercept_sigma",
    ]
    assert {p.column for p in spec.names if p.name == "b_sigma_x1"} == {"b_sigma.1"}
    r2d2 = build_spec("y ~ x1 + x2", df, prior=prior("R2D2()"))
    assert [p.name for p in r2d2.names if p.cls in ("R2D2", "sdb")] == [
        "R2D2_R2",
        "R2D2_tau2",
        "sdb_x1",
        "sdb_x2",
    ]


def test_standata_holds_the_prior_arguments_by_brms_names(df):
    spec = build_spec("y ~ x1 + x2", df, prior=prior("horseshoe(3, df_slab = 6, par_ratio = 0.2)"))
    sd = make_standata(spec)
    assert sd["Kscales"] == sd["Kc"] == 2
    assert (sd["hs_df"], sd["hs_df_global"], sd["hs_df_slab"], sd["hs_scale_slab"]) == (3, 1, 6, 2)
    assert sd["hs_scale_global"] == pytest.approx(0.2 / math.sqrt(len(df)))
    sd = make_standata(build_spec("y ~ x1 + x2", df, prior=prior("R2D2(0.3, 5, cons_D2 = 2)")))
    assert (sd["R2D2_mean_R2"], sd["R2D2_prec_R2"]) == (0.3, 5)
    assert sd["R2D2_cons_D2"].tolist() == [2.0, 2.0]


def test_prior_arguments_are_data_so_the_program_depends_on_structure_only(df):
    one = render(build_spec("y ~ x1 + x2", df, prior=prior("horseshoe(1)")))
    other = render(build_spec("y ~ x1 + x2", df, prior=prior("horseshoe(3, par_ratio = 0.1)")))
    assert one == other
    one = render(build_spec("y ~ x1 + x2", df, prior=prior("R2D2()")))
    assert one == render(build_spec("y ~ x1 + x2", df, prior=prior("R2D2(0.8, 10, 2)")))


# brms's expected fragments (tests.stancode.R), with sigma autoscaling for gaussian
_BRMS_HORSESHOE = (
    "vector<lower=0>[Kscales] hs_local;",
    "real<lower=0> hs_global;",
    "target += student_t_lpdf(hs_local | hs_df, 0, 1)",
    "lprior += student_t_lpdf(hs_global | hs_df_global, 0, hs_scale_global * sigma)",
    "lprior += inv_gamma_lpdf(hs_slab | 0.5 * hs_df_slab, 0.5 * hs_df_slab)",
    "scales_horseshoe(hs_local, hs_global, hs_scale_slab^2 * hs_slab);",
    "target += std_normal_lpdf(zb);",
    "b = zb .* sdb;",
)
_BRMS_R2D2 = (
    "scales_R2D2(R2D2_phi, R2D2_tau2);",
    "target += dirichlet_lpdf(R2D2_phi | R2D2_cons_D2);",
    "lprior += beta_lpdf(R2D2_R2 | R2D2_mean_R2 * R2D2_prec_R2, "
    "(1 - R2D2_mean_R2) * R2D2_prec_R2);",
    "R2D2_tau2 = sigma^2 * R2D2_R2 / (1 - R2D2_R2);",
)


@pytest.mark.parametrize("threads", [None, threading(2)], ids=["plain", "threaded"])
@pytest.mark.parametrize(
    ("text", "fragments"), [("horseshoe(1)", _BRMS_HORSESHOE), ("R2D2(0.5, 10)", _BRMS_R2D2)]
)
def test_stan_code_has_brms_statements(df, text, fragments, threads):
    code = render(build_spec("y ~ x1 * x2", df, prior=prior(text)), threads)
    for fragment in fragments:
        assert fragment in code, fragment


def test_autoscaling_only_for_mu_with_an_estimated_sigma(df):
    poisson = render(build_spec("count ~ x1", df, "poisson", prior("horseshoe(scale_global = 3)")))
    assert "hs_global | hs_df_global, 0, hs_scale_global)" in poisson
    off = render(build_spec("y ~ x1", df, prior=prior("R2D2(autoscale = FALSE)")))
    assert "R2D2_tau2 = R2D2_R2 / (1 - R2D2_R2);" in off
    spec = build_spec(
        bf("y ~ x1", sigma="~ x2"),
        df,
        prior=prior("horseshoe(1)") + prior("horseshoe(1)", dpar="sigma"),
    )
    code = render(spec)
    # sigma is predicted: neither predictor is scaled by it
    assert "hs_global | hs_df_global, 0, hs_scale_global)" in code
    assert "hs_global_sigma | hs_df_global_sigma, 0, hs_scale_global_sigma)" in code


def test_coefficient_priors_under_a_shrinkage_prior_are_refused(df):
    with pytest.raises(SpecError, match="coefficient 'x1' cannot have a prior of its own"):
        build_spec(
            "y ~ x1 + x2", df, prior=prior("horseshoe(1)") + prior("normal(0, 1)", coef="x1")
        )
