"""Non-linear expressions: parsing, vectorized Stan code, numpy evaluation, bf()/lf()/nlf()."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import special

from pybrms.datasets import load_epilepsy
from pybrms.errors import FormulaSyntaxError, PybrmsError, SpecError
from pybrms.fit.summary import _header
from pybrms.formula import bf, lf, nlf
from pybrms.formula.nonlinear import nonlinear
from pybrms.spec import build_spec

NLPARS = frozenset({"a", "b", "c"})

# expression -> (Stan code with nlp_<name> and C_<k>, covariates numbered by first use as
# in brms; the same in numpy over a, b, c, x, t)
EXPRESSIONS = {
    "a * exp(b * x)": (
        "(nlp_a .* exp(nlp_b .* C_1))",
        lambda a, b, c, x, t: a * np.exp(b * x),
    ),
    "a / (1 + exp(-(x - b) / c))": (
        "(nlp_a ./ (1 + exp(-(C_1 - nlp_b) ./ nlp_c)))",
        lambda a, b, c, x, t: a / (1 + np.exp(-(x - b) / c)),
    ),
    "a * x^b + 2^c": (
        "((nlp_a .* (C_1 .^ nlp_b)) + (2 .^ nlp_c))",
        lambda a, b, c, x, t: a * x**b + 2**c,
    ),
    "inv_logit(a + b * t) * 10 - x / 2": (
        "((inv_logit(nlp_a + (nlp_b .* C_1)) * 10) - (C_2 / 2))",
        lambda a, b, c, x, t: special.expit(a + b * t) * 10 - x / 2,
    ),
    "-a^2 + log1p(square(b)) - 0.5": (
        "((-(nlp_a .^ 2) + log1p(square(nlp_b))) - 0.5)",
        lambda a, b, c, x, t: -(a**2) + np.log1p(b**2) - 0.5,
    ),
}


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=list(EXPRESSIONS))
def test_stan_code_and_numpy_values(expr):
    code, reference = EXPRESSIONS[expr]
    nl = nonlinear(expr, NLPARS)
    assert nl.stan(lambda p: f"nlp_{p}", lambda k: f"C_{k}") == code
    rng = np.random.default_rng(0)
    draws = {p: rng.uniform(0.5, 1.5, size=(4, 6)) for p in NLPARS}
    data = {"x": rng.uniform(0.5, 2.0, size=6), "t": rng.normal(size=6)}
    columns = np.column_stack([data[name] for name in nl.covariates] or [np.zeros((6, 0))])
    got = nl.evaluate({p: draws[p] for p in nl.nlpars}, columns)
    np.testing.assert_allclose(got, reference(*(draws[p] for p in "abc"), data["x"], data["t"]))


@pytest.mark.parametrize(
    ("expr", "error", "culprit"),
    [
        ("a * gamma(x)", SpecError, "the function 'gamma'"),
        ("a * exp(x, 2)", SpecError, "exp() with 2 arguments"),
        ("a * x[1]", SpecError, "Subscript syntax"),
        ("a * x.real", SpecError, "Attribute syntax"),
        ("a * 'x'", SpecError, "the constant 'x'"),
        ("a % x", SpecError, "the operator Mod"),
        ("a * __x", SpecError, "the name '__x'"),
        ("a * (x", FormulaSyntaxError, "not valid arithmetic"),
    ],
)
def test_refused_expressions_name_the_culprit(expr, error, culprit):
    with pytest.raises(error) as caught:
        nonlinear(expr, NLPARS)
    assert isinstance(caught.value, PybrmsError)
    assert culprit in str(caught.value)


def test_bf_sorts_names_into_nlpars_dpars_and_covariates():
    f = bf("y ~ b * exp(a * x)", "a ~ 1 + z", lf("b ~ 1 + (1 | g)"), "sigma ~ z", nl=True)
    assert list(f.nlpars) == ["a", "b"]  # by name, as brms
    assert list(f.dpars) == ["sigma"]
    assert f.nl["mu"].nlpars == ("b", "a") and f.nl["mu"].covariates == ("x",)
    assert f.nlpars["b"].groups[0].group == "g"
    assert sorted(f.variables) == ["g", "x", "y", "z"]


def test_nlf_gives_a_dpar_a_non_linear_formula():
    f = bf("y ~ x", nlf("sigma ~ s * z"), s="~ 1")
    assert f.nl["sigma"].nlpars == ("s",) and f.nl["sigma"].covariates == ("z",)
    assert list(f.nlpars) == ["s"] and f.mu.fixed == "1 + x"


def test_summary_header_lists_every_formula_and_no_nlpar_link():
    """As brms's summary: the dpar and nlpar formulas under the main one; links of the
    family's parameters only."""
    formula = bf(
        "count ~ a * exp(b * zAge)",
        "a ~ 1 + (1 | patient)",
        "b ~ 1",
        nlf("sigma ~ s * zBase", "s ~ 1"),
        nl=True,
    )
    spec = build_spec(formula, load_epilepsy())
    header = _header(spec, SimpleNamespace(num_chains=2, num_draws=100), "df", 100, 100, 1)
    assert header[1:7] == (
        "  Links: mu = identity, sigma = log ",
        "Formula: count ~ a * exp(b * zAge) ",
        "         sigma ~ s * zBase",
        "         a ~ 1 + (1 | patient)",
        "         b ~ 1",
        "         s ~ 1",
    )
