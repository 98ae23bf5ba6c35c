"""Category-specific effects cs(): brms's data, names, priors and Stan code, new rows,
bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from pybrms import threading
from pybrms.codegen import render
from pybrms.errors import FormulaSyntaxError, PybrmsError, SpecError
from pybrms.fit.predict import posterior_epred
from pybrms.formula import bf, parse
from pybrms.priors import prior
from pybrms.spec import build_spec, family
from pybrms.standata import make_standata


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 30
    return pd.DataFrame(
        {
            "y": np.tile([1, 2, 3, 4], n)[:n],
            "x": rng.normal(size=n),
            "z": rng.normal(size=n),
            "f": rng.choice(["a", "b", "c"], size=n),
            "g": rng.choice(["g1", "g2"], size=n),
        }
    )


def test_parse_keeps_the_terms():
    terms = parse("y ~ x + cs(z) + cs(f + log(w))")
    assert terms.category_specific == ("z", "f + log(w)")
    assert terms.fixed == "1 + x"
    assert {"z", "f", "w"} <= terms.variables


def test_standata_is_brms(data):
    sd = make_standata(build_spec("y ~ x + cs(z + f)", data, "sratio"))
    assert sd["Kcs"] == 3
    expected = np.column_stack([data["z"], data["f"] == "b", data["f"] == "c"])
    np.testing.assert_array_equal(sd["Xcs"], expected.astype(float))
    assert sd["nthres"] == 3


def test_names_and_summary_rows(data):
    spec = build_spec("y ~ x + cs(z + f)", data, "acat")
    names = [n.name for n in spec.names]
    bcs = [f"bcs_{c}[{k}]" for c in ("z", "fb", "fc") for k in (1, 2, 3)]
    assert names[: 4 + len(bcs)] == [*(f"b_Intercept[{k}]" for k in (1, 2, 3)), "b_x", *bcs]
    row = next(n for n in spec.names if n.name == "bcs_fb[2]")
    assert (row.column, row.label, row.array, row.dims) == (
        "bcs.2.2",
        "fb[2]",
        "bcs_fb",
        (("bcs_fb_dim_0", "2"),),
    )
    assert row.section is not None and row.section.heading == "Population-Level Effects"


def test_default_priors_are_brms(data):
    table = build_spec("y ~ x + cs(z)", data, "cratio").priors.to_frame()
    rows = [r for r in zip(table["prior"], table["class"], table["coef"], strict=True)]
    assert [r for r in rows if r[1] == "b"] == [
        ("(flat)", "b", ""),
        ("(flat)", "b", "x"),
        ("(flat)", "b", "z"),
    ]


def test_user_priors_reach_each_row_of_bcs(data):
    user = prior("normal(0, 5)") + prior("normal(0, 1)", coef="z")
    code = render(build_spec("y ~ x + cs(z + f)", data, "sratio", prior=user))
    assert "lprior += normal_lpdf(b | b_prior_mu, b_prior_sigma);" in code
    assert "lprior += normal_lpdf(bcs[1] | bcs_1_prior_mu, bcs_1_prior_sigma);" in code
    assert "lprior += normal_lpdf(bcs[3] | bcs_3_prior_mu, bcs_3_prior_sigma);" in code
    # one prior for the whole matrix: its elements as a vector, truncation counted per element
    bounded = render(build_spec("y ~ cs(z + f)", data, "sratio", prior=prior("normal(0, 2)", lb=0)))
    assert "matrix<lower=lb_bcs>[Kcs, nthres] bcs;" in bounded
    assert "normal_lpdf(to_vector(bcs) | bcs_prior_mu, bcs_prior_sigma)" in bounded
    assert "- 9 * normal_lccdf(lb_bcs | bcs_prior_mu, bcs_prior_sigma);" in bounded


@pytest.mark.parametrize("threads", [None, threading(2)], ids=["plain", "threaded"])
def test_stan_code_is_brms(data, threads):
    code = render(build_spec("y ~ x + cs(z)", data, "sratio"), threads)
    rows = "Xcs[start:end]" if threads else "Xcs"
    assert "matrix[N, Kcs] Xcs;  // category specific design matrix" in code
    assert "matrix[Kcs, nthres] bcs;  // category specific effects" in code
    assert f"matrix[N, nthres] mucs = {rows} * bcs;" in code
    assert "sratio_logit_lpmf(Y[n] | mu[n], 1, Intercept - transpose(mucs[n]))" in code
    if threads:
        assert "data int nthres, data matrix Xcs, matrix bcs" in code


def test_new_rows_shift_each_threshold(data):
    """``P(Y = 1) = F(thres_1 - Xcs bcs[, 1] - eta)`` in sratio, at new rows coded as in
    the fit (the factor's treatment contrasts)."""
    spec = build_spec("y ~ x + cs(z + f)", data, "sratio")
    thres, b, bcs = np.array([-1.0, 0.0, 1.0]), 0.5, np.arange(9.0).reshape(3, 3) / 10
    variables = {
        "b_Intercept": thres.reshape(1, 1, 3),
        "b": np.full((1, 1, 1), b),
        "bcs": bcs.reshape(1, 1, 3, 3),
    }
    new = pd.DataFrame({"x": [1.0, -2.0], "z": [0.5, 2.0], "f": ["c", "a"]})
    probs = posterior_epred(spec, variables, new)
    xcs = np.array([[0.5, 0.0, 1.0], [2.0, 0.0, 0.0]])
    first = expit(thres[0] - xcs @ bcs[:, 0] - b * new["x"].to_numpy())
    np.testing.assert_allclose(probs[0, :, 0], first)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0)


BAD_FORMULAS = {
    "cumulative": ("y ~ cs(z)", "cumulative", SpecError, "not supported for family 'cumulative'"),
    "gaussian": ("y ~ x + cs(z)", "gaussian", SpecError, "family 'gaussian': cs(z)"),
    "disc": (
        bf("y ~ x", disc="~ cs(z)"),
        "sratio",
        SpecError,
        "only supported for the main parameter 'mu'; the formula of 'disc' has cs(z)",
    ),
    "intercept": ("y ~ cs(1)", "sratio", FormulaSyntaxError, "cs() needs a variable"),
    "group": ("y ~ (cs(z) | g)", "sratio", FormulaSyntaxError, "cs() is added to the main"),
    "two arguments": ("y ~ cs(z, x)", "sratio", FormulaSyntaxError, "cs() takes one unnamed"),
    "twice": ("y ~ cs(z) + cs(z)", "sratio", FormulaSyntaxError, "cs(z) appears twice"),
    "removed": ("y ~ x - cs(z)", "sratio", FormulaSyntaxError, "cs() can only be added"),
    "unknown column": ("y ~ cs(q)", "acat", SpecError, "q"),
}


@pytest.mark.parametrize(
    ("formula", "fam", "error", "message"), BAD_FORMULAS.values(), ids=BAD_FORMULAS
)
def test_bad_category_specific_terms_are_refused(formula, fam, error, message, data, no_compile):
    with pytest.raises(error) as info:
        build_spec(formula, data, family(fam))
    assert isinstance(info.value, PybrmsError)
    assert message in str(info.value)


def test_constant_priors_cannot_fix_category_specific_effects(data, no_compile):
    with pytest.raises(SpecError) as info:
        build_spec("y ~ cs(z)", data, "acat", prior=prior("constant(1)", coef="z"))
    assert isinstance(info.value, PybrmsError)
    message = "Prior constant(1) on class='b', coef='z' would fix category-specific effects"
    assert message in str(info.value)


def test_bad_new_rows_are_refused(data):
    spec = build_spec("y ~ cs(z + f)", data, "acat")
    variables = {"b_Intercept": np.zeros((1, 1, 3)), "bcs": np.zeros((1, 1, 3, 3))}
    with pytest.raises(SpecError) as info:
        posterior_epred(spec, variables, pd.DataFrame({"z": [0.0], "f": ["new"]}))
    assert isinstance(info.value, PybrmsError)
    assert "new" in str(info.value)
