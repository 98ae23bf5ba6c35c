"""Tests of pybrms.formula.terms: syntax tree -> typed brms terms."""

from __future__ import annotations

from typing import Any

import pytest

from pybrms.errors import FormulaSyntaxError
from pybrms.formula import Addition, FormulaTerms, GroupTerm, ResponseTerm, parse


def y(*additions: Addition) -> ResponseTerm:
    return ResponseTerm("y", additions)


def terms(fixed: str = "1 + x", variables: str | set[str] = "x y", **fields: Any) -> dict[str, Any]:
    """Expected FormulaTerms fields; `variables` may be a space-separated string."""
    names = variables.split() if isinstance(variables, str) else variables
    defaults = {"response": y(), "intercept": fixed.startswith("1"), "offsets": (), "groups": ()}
    return {**defaults, "fixed": fixed, "variables": frozenset(names), **fields}


def group(expr: str = "1", group: str = "g", **fields: Any) -> GroupTerm:
    fields.setdefault("factors", tuple(group.split(":")))
    return GroupTerm(expr, expr.startswith("1"), group, **fields)


TERMS = {
    # population-level part
    "y ~ x": terms(),
    "y ~ x + z": terms("1 + x + z", "x y z"),
    "y ~ x:z": terms("1 + x:z", "x y z"),
    "y ~ x * z": terms("1 + x * z", "x y z"),
    "y ~ x*z - x": terms("1 + x * z - x", "x y z"),
    "y ~ 0 + x": terms("0 + x"),
    "y ~ x - 1": terms("0 + x"),
    "y ~ -1 + x": terms("0 + x"),
    "y ~ x + 0": terms("0 + x"),
    "y ~ 1": terms("1", "y"),
    "y ~ 0": terms("0", "y"),
    "y ~ x - 1 + 1": terms("1 + x"),
    "y ~ log(x) + I(x**2) + np.exp(z)": terms("1 + log(x) + I(x**2) + np.exp(z)", "x y z"),
    "y ~ poly(x, 2) + center(z) + scale(w)": terms(
        "1 + poly(x, 2) + center(z) + scale(w)", "w x y z"
    ),
    "y ~ C(cat, Treatment('b')) + x": terms("1 + C(cat, Treatment('b')) + x", "cat x y"),
    "y ~ {x + 1}": terms("1 + {x + 1}"),
    "y ~ `my var`": terms("1 + `my var`", {"y", "my var"}),
    "count ~ zAge + zBase * Trt": terms(
        "1 + zAge + zBase * Trt",
        "count zAge zBase Trt",
        response=ResponseTerm("count"),
    ),
    "log(y) ~ x": terms(response=ResponseTerm("log(y)")),
    # R's arithmetic in expressions (^ is the power), R's nesting, R's crossing
    "y ~ I(x^2) + exp(-x^2)": terms("1 + I(x**2) + exp(-x**2)"),
    "y ~ {x^2}": terms("1 + {x**2}"),
    "y ~ poly(x, 2, raw = TRUE)": terms("1 + poly(x, 2, raw = True)"),
    "y ~ x %in% f": terms("1 + x:f", "f x y"),
    "y ~ x + z %in% (f + g)": terms("1 + x + z:(f + g)", "f g x y z"),
    "y ~ (x + z)^2": terms("1 + (x + z) ^ 2", "x y z"),
    "y^2 ~ x": terms(response=ResponseTerm("y**2")),
    "y / 10 ~ x": terms(response=ResponseTerm("y / 10")),
    "log(y^2) ~ x": terms(response=ResponseTerm("log(y**2)")),
    # offsets
    "y ~ x + offset(log(t))": terms("1 + x", "t x y", offsets=("log(t)",)),
    "y ~ offset(t) + offset(u)": terms("1", "t u y", offsets=("t", "u")),
    "y ~ offset(t^2)": terms("1", "t y", offsets=("t**2",)),
    # group-level terms
    "y ~ x + (1 | g)": terms("1 + x", "g x y", groups=(group(),)),
    "y ~ (1 + x | g)": terms("1", "g x y", groups=(group("1 + x"),)),
    "y ~ (x | g)": terms("1", "g x y", groups=(group("1 + x"),)),
    "y ~ (1 + x || g)": terms("1", "g x y", groups=(group("1 + x", correlated=False),)),
    "y ~ (0 + x | g)": terms("1", "g x y", groups=(group("0 + x"),)),
    "y ~ (x - 1 | g)": terms("1", "g x y", groups=(group("0 + x"),)),
    "y ~ (1 | g1:g2)": terms("1", "g1 g2 y", groups=(group(group="g1:g2"),)),
    "y ~ (1 | g1/g2)": terms("1", "g1 g2 y", groups=(group(group="g1"), group(group="g1:g2"))),
    "y ~ (1 | a/b/c)": terms(
        "1", "a b c y", groups=(group(group="a"), group(group="a:b"), group(group="a:b:c"))
    ),
    "y ~ (1 | a:b/c)": terms("1", "a b c y", groups=(group(group="a:b"), group(group="a:b:c"))),
    "y ~ x + (1 | g) + (1 + x | h)": terms(
        "1 + x", "g h x y", groups=(group(), group("1 + x", "h"))
    ),
    "y ~ (1 + x | p | g) + (1 | p | h)": terms(
        "1", "g h x y", groups=(group("1 + x", id="p"), group(group="h", id="p"))
    ),
    "y ~ (1 | gr(g, id = 'p'))": terms("1", "g y", groups=(group(id="p"),)),
    "y ~ (1 | gr(g, cor = FALSE))": terms("1", "g y", groups=(group(correlated=False),)),
    "y ~ (1 | gr(g1:g2, id = 2))": terms("1", "g1 g2 y", groups=(group(group="g1:g2", id="2"),)),
    "y ~ (1 | gr(g, by = f))": terms("1", "f g y", groups=(group(by="f"),)),
    "y ~ (1 | `my g`)": terms("1", {"y", "my g"}, groups=(group(group="my g"),)),
    "y ~ (log(x) | g)": terms("1", "g x y", groups=(group("1 + log(x)"),)),
    # addition terms
    "y | trials(n) ~ x": terms("1 + x", "n x y", response=y(Addition("trials", ("n",)))),
    "y | trials(10) ~ x": terms("1 + x", "x y", response=y(Addition("trials", ("10",)))),
    "y | trials(n^2) ~ x": terms("1 + x", "n x y", response=y(Addition("trials", ("n**2",)))),
    "y | weights(w) ~ x": terms("1 + x", "w x y", response=y(Addition("weights", ("w",)))),
    "y | trials(n) + weights(w) ~ x": terms(
        "1 + x", "n w x y", response=y(Addition("trials", ("n",)), Addition("weights", ("w",)))
    ),
    # no response (distributional-parameter formulas)
    "~ x": terms("1 + x", "x", response=None),
}


@pytest.mark.parametrize("formula, expected", TERMS.items())
def test_terms(formula: str, expected: dict[str, Any]) -> None:
    assert parse(formula) == FormulaTerms(source=formula, **expected)


def test_contract_example() -> None:
    formula = "count | trials(n) ~ zAge + zBase * Trt + offset(log(t)) + (1 + x || g) + (1|g1/g2)"
    t = parse(formula)
    assert t.response == ResponseTerm(expr="count", additions=(Addition("trials", ("n",)),))
    assert t.response.addition("trials") == Addition("trials", ("n",))
    assert t.response.addition("weights") is None
    assert t.fixed == "1 + zAge + zBase * Trt"
    assert t.intercept
    assert t.offsets == ("log(t)",)
    assert [(g.group, g.factors, g.correlated, g.expr) for g in t.groups] == [
        ("g", ("g",), False, "1 + x"),
        ("g1", ("g1",), True, "1"),
        ("g1:g2", ("g1", "g2"), True, "1"),
    ]
    assert t.variables == {"count", "n", "zAge", "zBase", "Trt", "t", "x", "g", "g1", "g2"}


def test_terms_keep_spans() -> None:
    source = "y | trials(n) ~ x + (1 | g1/g2)"
    t = parse(source)
    assert t.response.span.text(source) == "y"
    assert t.response.additions[0].span.text(source) == "trials(n)"
    assert [g.span.text(source) for g in t.groups] == ["(1 | g1/g2)"] * 2


GROUP_USAGE = "a group-level term is written (terms | group), e.g. (1 | g) or (1 + x | g)"
BAR_USAGE = f"{GROUP_USAGE}; addition terms are written y | trials(n) ~ terms"
ERRORS = {
    "y + x": "missing '~'; a formula is written response ~ terms\n  y + x\n  ^^^^^",
    "y ~ x ~ z": (
        "'~' is not allowed here; a formula is written response ~ terms, with one '~'"
        "\n  y ~ x ~ z\n    ^"
    ),
    "y ~ x || g": (
        "'||' is not allowed here; uncorrelated group-level terms are written (terms || group)"
        "\n  y ~ x || g\n        ^^"
    ),
    "y ~ x | g": f"'|' is not allowed here; {BAR_USAGE}\n  y ~ x | g\n        ^",
    "y ~ (1 | a | b | g)": (
        f"'|' is not allowed here; {BAR_USAGE}\n  y ~ (1 | a | b | g)\n         ^"
    ),
    "y | foo(c) ~ x": (
        "unknown addition term 'foo'; valid addition terms: trials, weights, se, rate, cens, "
        "trunc, mi, subset, vint, vreal, e.g. y | trials(n) ~ x\n  y | foo(c) ~ x\n      ^^^^^^"
    ),
    "y | w ~ x": (
        "unknown addition term 'w'; valid addition terms: trials, weights, se, rate, cens, "
        "trunc, mi, subset, vint, vreal, e.g. y | trials(n) ~ x\n  y | w ~ x\n      ^"
    ),
    "y | trials(n, m) ~ x": (
        "trials() takes at most 1 argument (x)\n  y | trials(n, m) ~ x\n                ^"
    ),
    "y | trials(size = n) ~ x": (
        "trials() has no argument 'size'; its arguments: x\n  y | trials(size = n) ~ x\n"
        "             ^^^^^^^^"
    ),
    "y ~ trials(n)": (
        "trials(n) is not allowed here; addition terms follow the response, "
        "e.g. y | trials(n) ~ x\n  y ~ trials(n)\n      ^^^^^^^^^"
    ),
    "y ~ 2 + x": (
        "a number alone must be 0 or 1 (the intercept), e.g. y ~ 0 + x\n  y ~ 2 + x\n      ^"
    ),
    "y ~ x - (1 | g)": (
        "a group-level term can only be added with '+', not removed\n"
        "  y ~ x - (1 | g)\n          ^^^^^^^"
    ),
    "y ~ x - offset(t)": (
        "offset() can only be added with '+', not removed\n  y ~ x - offset(t)\n          ^^^^^^^^^"
    ),
    "y ~ x * (1 | g)": (
        "(1 | g) is not allowed here; group-level terms are added to the main formula, "
        "e.g. y ~ x + (1 | g)\n  y ~ x * (1 | g)\n          ^^^^^^^"
    ),
    "y ~ (1 + (1 | h) | g)": (
        "(1 | h) is not allowed here; group-level terms are added to the main formula, "
        "e.g. y ~ x + (1 | g)\n  y ~ (1 + (1 | h) | g)\n           ^^^^^^^"
    ),
    "y ~ (1 + offset(t) | g)": (
        "offset(t) is not allowed here; offset() is added to the main formula, "
        "e.g. y ~ x + offset(log(t))\n  y ~ (1 + offset(t) | g)\n           ^^^^^^^^^"
    ),
    "y ~ x:offset(t)": (
        "offset(t) is not allowed here; offset() is added to the main formula, "
        "e.g. y ~ x + offset(log(t))\n  y ~ x:offset(t)\n        ^^^^^^^^^"
    ),
    "y ~ offset(t, u)": (
        "offset() takes one unnamed argument\n  y ~ offset(t, u)\n      ^^^^^^^^^^^^"
    ),
    "y ~ gr(g)": (
        "gr(g) is not allowed here; gr() and mm() are the grouping of a group-level term, "
        "e.g. (1 | gr(g, id = 'a')) or (1 | mm(g1, g2))\n  y ~ gr(g)\n      ^^^^^"
    ),
    "y ~ (1 | g1 + g2)": (
        "a grouping is a column name, g1:g2 (interaction) or g1/g2 (nested)"
        "\n  y ~ (1 | g1 + g2)\n           ^^^^^^^"
    ),
    "y ~ (1 | log(g))": (
        "a grouping is a column name, g1:g2 (interaction) or g1/g2 (nested)"
        "\n  y ~ (1 | log(g))\n           ^^^^^^"
    ),
    "y ~ (1 | gr(g, bye = x))": (
        "unknown gr() argument 'bye'; valid arguments: id, cor, by, dist, cov\n"
        "  y ~ (1 | gr(g, bye = x))\n                 ^^^^^^^"
    ),
    "y ~ (1 | gr(g, h))": (
        "gr() takes one grouping, e.g. gr(g) or gr(g1:g2)\n"
        "  y ~ (1 | gr(g, h))\n           ^^^^^^^^"
    ),
    "y ~ (1 | gr(g, cor = maybe))": (
        "cor must be TRUE or FALSE\n  y ~ (1 | gr(g, cor = maybe))\n                 ^^^^^^^^^^^"
    ),
    "y ~ (1 | gr(g +))": "'+' needs a term on its right\n  y ~ (1 | gr(g +))\n                ^",
    "y ~ (1 | a + b | g)": (
        "an id is a name, a number or a quoted string\n  y ~ (1 | a + b | g)\n           ^^^^^"
    ),
    "y ~ (1 | p | gr(g, id = q))": (
        "the id is given twice, by |ID| and by gr(id = )\n"
        "  y ~ (1 | p | gr(g, id = q))\n      ^^^^^^^^^^^^^^^^^^^^^^^"
    ),
    "y ~ (0 | g)": (
        "a group-level term needs an intercept or a variable, e.g. (1 | g)\n  y ~ (0 | g)\n       ^"
    ),
    "y ~ log(x +)": (
        "formulaic cannot parse 'log(x +)': invalid syntax\n  y ~ log(x +)\n      ^^^^^^^^"
    ),
    "y ~ a %in% 2": (
        "a number cannot be part of an interaction '%in%'; to scale a variable write I(2 * x)"
        "\n  y ~ a %in% 2\n      ^^^^^^^^"
    ),
    "y ~ x + 2:a": (
        "a number cannot be part of an interaction ':'; to scale a variable write I(2 * x)"
        "\n  y ~ x + 2:a\n          ^^^"
    ),
    "y | trials(n +) ~ x": (
        "'n +' is not valid Python: invalid syntax\n  y | trials(n +) ~ x\n             ^^^"
    ),
    "y ~ x + C(": "unbalanced parentheses: '(' is never closed\n  y ~ x + C(\n           ^",
    "y ~ x + a[": "unexpected character '['\n  y ~ x + a[\n           ^",
}


@pytest.mark.parametrize("formula, message", ERRORS.items())
def test_terms_errors(formula: str, message: str) -> None:
    with pytest.raises(FormulaSyntaxError) as info:
        parse(formula)
    assert str(info.value) == message


@pytest.mark.parametrize("formula", ["y ~ 1 + + x", "y ~ x - + z", "y ~ (1 + + x | g)"])
def test_unary_plus_after_a_sign_is_an_empty_term(formula: str) -> None:
    with pytest.raises(FormulaSyntaxError, match="empty term between"):
        parse(formula)


def test_unary_minus_after_a_sign_removes_the_term_as_in_r() -> None:
    assert parse("y ~ x + -1").fixed == "0 + x"


@pytest.mark.parametrize(
    ("formula", "columns", "variables"),
    [
        ("cbind(y1, y2, y3) | trials(n) ~ x", ("y1", "y2", "y3"), {"y1", "y2", "y3", "n", "x"}),
        ("cbind(a, b * 2) ~ 1", ("a", "b * 2"), {"a", "b"}),
        ("y ~ x", (), {"y", "x"}),
    ],
)
def test_matrix_response_columns(formula, columns, variables):
    terms = parse(formula)
    assert terms.response.columns == columns
    assert terms.variables == variables
