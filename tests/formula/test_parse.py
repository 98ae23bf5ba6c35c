"""Tests of pybrms.formula.parse: the staged pipeline, bf() and as_brms_formula()."""

from __future__ import annotations

import pytest

from pybrms.errors import FormulaSyntaxError, SpecError
from pybrms.formula import BrmsFormula, FormulaTerms, as_brms_formula, bf, parse
from pybrms.formula.ast import Operation
from pybrms.formula.tokens import Token


def test_parse_stops_at_each_target() -> None:
    formula = "y ~ x + (1 | g)"
    tokens = parse(formula, target="tokens")
    assert isinstance(tokens, tuple) and all(isinstance(t, Token) for t in tokens)
    tree = parse(formula, target="ast")
    assert isinstance(tree, Operation) and tree.symbol == "~"
    assert isinstance(parse(formula), FormulaTerms)
    assert parse(formula, target="terms") == parse(formula)


def test_parse_rejects_unknown_target_and_non_strings() -> None:
    with pytest.raises(SpecError, match="unknown parse target 'tree'; valid targets: tokens, ast"):
        parse("y ~ x", target="tree")  # type: ignore[call-overload]
    with pytest.raises(SpecError, match="a formula must be a string, got int"):
        parse(3)  # type: ignore[call-overload]


DPARS = {
    'bf("y ~ x + (1|g)", sigma="~ x")': (bf("y ~ x + (1|g)", sigma="~ x"), "~ x"),
    'bf("y ~ x", sigma="sigma ~ x")': (bf("y ~ x", sigma="sigma ~ x"), "sigma ~ x"),
    'bf("y ~ x", "sigma ~ x")': (bf("y ~ x", "sigma ~ x"), "sigma ~ x"),
}


@pytest.mark.parametrize("call, case", DPARS.items())
def test_bf_sigma(call: str, case: tuple[BrmsFormula, str]) -> None:
    formula, sigma_source = case
    assert formula.mu.response is not None and formula.mu.response.expr == "y"
    assert list(formula.dpars) == ["sigma"]
    sigma = formula.dpars["sigma"]
    assert sigma == FormulaTerms(
        source=sigma_source,
        response=None,
        fixed="1 + x",
        intercept=True,
        variables=frozenset({"x"}),
    )


def test_bf_dpar_with_group_terms_and_variables() -> None:
    f = bf("y ~ x", sigma="~ 0 + z + (1 | g)", shape="~ 1")
    assert f.dpars["sigma"].fixed == "0 + z"
    assert [g.group for g in f.dpars["sigma"].groups] == ["g"]
    assert f.dpars["shape"].fixed == "1"
    assert f.variables == {"x", "y", "z", "g"}


def test_as_brms_formula() -> None:
    f = as_brms_formula("y ~ x")
    assert f == BrmsFormula(parse("y ~ x"), {})
    assert as_brms_formula(f) is f


BF_ERRORS = {
    ("~ x",): (SpecError, "the main formula '~ x' needs a response, e.g. 'y ~ x'"),
    ("y ~ x", "~ z"): (
        SpecError,
        "a distributional-parameter formula passed by position must name its parameter "
        "left of '~', e.g. 'sigma ~ x'; got '~ z'",
    ),
}


@pytest.mark.parametrize("args, error", BF_ERRORS.items())
def test_bf_errors(args: tuple[str, ...], error: tuple[type[Exception], str]) -> None:
    kind, message = error
    with pytest.raises(kind) as info:
        bf(*args)
    assert str(info.value) == message


def test_bf_rejects_dpar_given_twice() -> None:
    with pytest.raises(SpecError, match="the formula of 'sigma' is given twice"):
        bf("y ~ x", "sigma ~ z", sigma="~ x")


def test_bf_dpar_left_side_must_be_its_name() -> None:
    with pytest.raises(FormulaSyntaxError) as info:
        bf("y ~ x", sigma="shape ~ x")
    assert str(info.value) == (
        "the formula of 'sigma' may only have 'sigma' left of '~', e.g. sigma ~ x"
        "\n  shape ~ x\n  ^^^^^"
    )
