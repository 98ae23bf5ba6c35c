"""Tests of pybrms.formula.tokens: formula string -> tokens with spans."""

from __future__ import annotations

import pytest

from pybrms.errors import FormulaSyntaxError
from pybrms.formula.ast import SYMBOLS
from pybrms.formula.tokens import Argument, Span, TokenKind, syntax_error, tokenize

KINDS = {
    "N": TokenKind.NAME,
    "#": TokenKind.NUMBER,
    "O": TokenKind.OPERATOR,
    "(": TokenKind.LPAREN,
    ")": TokenKind.RPAREN,
    "C": TokenKind.CALL,
    "P": TokenKind.PYTHON,
}

# formula -> (one kind code per token, token texts)
TOKENS = {
    "y ~ x": ("NON", ["y", "~", "x"]),
    "count ~ zAge + zBase * Trt": ("NONONON", ["count", "~", "zAge", "+", "zBase", "*", "Trt"]),
    "y~0+x": ("NO#ON", ["y", "~", "0", "+", "x"]),
    "y ~ x - 1": ("NONO#", ["y", "~", "x", "-", "1"]),
    "y ~ a:b": ("NONON", ["y", "~", "a", ":", "b"]),
    "y ~ (1 + x || g)": ("NO(#ONON)", ["y", "~", "(", "1", "+", "x", "||", "g", ")"]),
    "y ~ (1 | g1/g2)": ("NO(#ONON)", ["y", "~", "(", "1", "|", "g1", "/", "g2", ")"]),
    "y | trials(n) ~ x": ("NOCON", ["y", "|", "trials(n)", "~", "x"]),
    "y ~ offset(log(t))": ("NOC", ["y", "~", "offset(log(t))"]),
    "y ~ I(x**2) + poly(x, 2)": ("NOCOC", ["y", "~", "I(x**2)", "+", "poly(x, 2)"]),
    "y ~ C(x, Treatment('a)'))": ("NOC", ["y", "~", "C(x, Treatment('a)'))"]),
    "y ~ {x + 1}": ("NOP", ["y", "~", "{x + 1}"]),
    "y ~ `my var` + x.1 + x_2": ("NONONON", ["y", "~", "`my var`", "+", "x.1", "+", "x_2"]),
    "y ~ a %in% b": ("NONON", ["y", "~", "a", "%in%", "b"]),
    "y ~ 1.5e-3 + .5": ("NO#O#", ["y", "~", "1.5e-3", "+", ".5"]),
    "~ x": ("ON", ["~", "x"]),
}


@pytest.mark.parametrize("formula, expected", TOKENS.items())
def test_tokenize(formula: str, expected: tuple[str, list[str]]) -> None:
    kinds, texts = expected
    tokens = tokenize(formula, SYMBOLS)
    assert [t.text for t in tokens] == texts
    assert [t.kind for t in tokens] == [KINDS[code] for code in kinds]
    assert all(t.span.text(formula) == t.text for t in tokens)


ARGUMENTS = {
    "trials(n)": (Argument(None, "n", Span(7, 8)),),
    "gr(g, id = 'a')": (Argument(None, "g", Span(3, 4)), Argument("id", "'a'", Span(6, 14))),
    "poly(x, degree=2)": (Argument(None, "x", Span(5, 6)), Argument("degree", "2", Span(8, 16))),
    "f(x == 2, g(a))": (Argument(None, "x == 2", Span(2, 8)), Argument(None, "g(a)", Span(10, 14))),
    "f()": (),
}


@pytest.mark.parametrize("call, expected", ARGUMENTS.items())
def test_call_arguments(call: str, expected: tuple[Argument, ...]) -> None:
    (token,) = tokenize(call, SYMBOLS)
    assert token.args == expected
    assert token.name == call.split("(")[0]


def test_tokenize_region_keeps_source_positions() -> None:
    source = "y ~ (1 | gr(g1:g2))"
    tokens = tokenize(source, SYMBOLS, 12, 17)
    assert [(t.text, t.span) for t in tokens] == [
        ("g1", Span(12, 14)),
        (":", Span(14, 15)),
        ("g2", Span(15, 17)),
    ]


ERRORS = {
    "y ~ x + (1 | g": "unbalanced parentheses: '(' is never closed\n  y ~ x + (1 | g\n          ^",
    "y ~ x)": "unbalanced parentheses: ')' has no '('\n  y ~ x)\n       ^",
    "y ~ log(x": "unbalanced parentheses: '(' is never closed\n  y ~ log(x\n         ^",
    "y ~ f(x]": "unbalanced brackets: expected ')'\n  y ~ f(x]\n         ^",
    "y ~ {x": "unbalanced brackets: '{' is never closed\n  y ~ {x\n      ^",
    "y ~ f('x)": "unclosed quote '\n  y ~ f('x)\n        ^",
    "y ~ x; z": "unexpected character ';'\n  y ~ x; z\n       ^",
    "y ~ 2x": "unexpected character '2'\n  y ~ 2x\n      ^",
}


@pytest.mark.parametrize("formula, message", ERRORS.items())
def test_tokenize_errors(formula: str, message: str) -> None:
    with pytest.raises(FormulaSyntaxError) as info:
        tokenize(formula, SYMBOLS)
    assert str(info.value) == message


def test_syntax_error_marks_span_on_one_line() -> None:
    error = syntax_error("y ~\nx || g", Span(6, 8), "bad")
    assert str(error) == "bad\n  y ~ x || g\n        ^^"
    assert str(syntax_error("y ~ ", Span(4, 4), "end")) == "end\n  y ~ \n      ^"
