"""Tests of pybrms.formula.ast: tokens -> syntax tree, driven by the operator table."""

from __future__ import annotations

import pytest

from pybrms.errors import FormulaSyntaxError
from pybrms.formula.ast import OPERATORS, Atom, Call, Node, Operation, Paren, render
from pybrms.formula.parse import parse


def sexpr(node: Node) -> str:
    """The tree as an S-expression, so that tests show grouping and precedence."""
    match node:
        case Atom(token) | Call(token):
            return token.text
        case Paren(inner):
            return f"[{sexpr(inner)}]"
        case Operation(operator, operands):
            return f"({operator.symbol} {' '.join(sexpr(o) for o in operands)})"
    raise TypeError(node)


TREES = {
    "y ~ x": "(~ y x)",
    "~ x": "(~ x)",
    "y ~ a + b + c": "(~ y (+ (+ a b) c))",
    "y ~ a - b + c": "(~ y (+ (- a b) c))",
    "y ~ a + b * c": "(~ y (+ a (* b c)))",
    "y ~ a * b:c": "(~ y (* a (: b c)))",
    "y ~ a / b": "(~ y (/ a b))",
    "y ~ a %in% b:c": "(~ y (%in% a (: b c)))",
    "y ~ (a + b)^2": "(~ y (^ [(+ a b)] 2))",
    "y ~ a ** b ** c": "(~ y (** a (** b c)))",
    "y ~ -1 + x": "(~ y (+ (- 1) x))",
    "y ~ 0 + x": "(~ y (+ 0 x))",
    "y ~ (1 + x | g)": "(~ y [(| (+ 1 x) g)])",
    "y ~ (1 + x || g)": "(~ y [(|| (+ 1 x) g)])",
    "y ~ (1 | p | g)": "(~ y [(| (| 1 p) g)])",
    "y ~ (1 | g1/g2)": "(~ y [(| 1 (/ g1 g2))])",
    "y | trials(n) + weights(w) ~ x": "(~ (| y (+ trials(n) weights(w))) x)",
    "y ~ x + offset(log(t))": "(~ y (+ x offset(log(t))))",
    "y ~ x + (1 | gr(g, id = 'a'))": "(~ y (+ x [(| 1 gr(g, id = 'a'))]))",
}


@pytest.mark.parametrize("formula, expected", TREES.items())
def test_tokens_to_ast(formula: str, expected: str) -> None:
    assert sexpr(parse(formula, target="ast")) == expected


RENDERED = {
    "y~zBase*Trt": "y ~ zBase * Trt",
    "y ~ a : b": "y ~ a:b",
    "y ~ (a+b)^2": "y ~ (a + b) ^ 2",
    "y ~ -1 + log( x )": "y ~ -1 + log( x )",
}


@pytest.mark.parametrize("formula, expected", RENDERED.items())
def test_render(formula: str, expected: str) -> None:
    assert render(parse(formula, target="ast")) == expected


def test_operator_table_has_one_row_per_symbol_and_arity() -> None:
    keys = [(op.symbol, op.arity) for op in OPERATORS]
    assert len(keys) == len(set(keys))


GROUP_USAGE = (
    "a group-level term is written (terms | group), e.g. (1 | g) or (1 + x | g); "
    "addition terms are written y | trials(n) ~ terms"
)
ERRORS = {
    "y ~ x + ( | g)": (
        f"'|' needs a term on its left; {GROUP_USAGE}\n  y ~ x + ( | g)\n            ^"
    ),
    "y ~ (1 | )": f"'|' needs a term on its right; {GROUP_USAGE}\n  y ~ (1 | )\n         ^",
    "y ~ x +": "'+' needs a term on its right\n  y ~ x +\n        ^",
    "y ~": (
        "'~' needs a term on its right; a formula is written response ~ terms, with one '~'"
        "\n  y ~\n    ^"
    ),
    "y ~ * x": "'*' needs a term on its left\n  y ~ * x\n      ^",
    "y ~ x z": "missing operator between 'x' and 'z'\n  y ~ x z\n        ^",
    "y ~ x (1 | g)": "missing operator between 'x' and '('\n  y ~ x (1 | g)\n        ^",
    "y ~ (a b)": "missing operator between 'a' and 'b'\n  y ~ (a b)\n         ^",
    "y ~ ()": "empty parentheses '()'\n  y ~ ()\n      ^",
    "": "empty formula\n  \n  ^",
}


@pytest.mark.parametrize("formula, message", ERRORS.items())
def test_ast_errors(formula: str, message: str) -> None:
    with pytest.raises(FormulaSyntaxError) as info:
        parse(formula, target="ast")
    assert str(info.value) == message
