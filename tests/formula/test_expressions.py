"""Tests of pybrms.formula.expressions: the small language a formula expression may use."""

from __future__ import annotations

import re

import pytest

from pybrms.errors import FormulaSyntaxError, SpecError
from pybrms.formula.expressions import FUNCTIONS, NAMESPACE, expression_columns, python_code

COLUMNS = {
    "x": {"x"},
    "log(t)": {"t"},
    "I(x ** 2)": {"x"},
    "x + 1": {"x"},
    "poly(x, 2)": {"x"},
    "center(x) + scale(z)": {"x", "z"},
    "np.sqrt(t) + sqrt(t) + abs(x) + np.pi": {"t", "x"},
    "C(g, contr.treatment('b'))": {"g"},
    "C(g, levels=['a', 'b'])": {"g"},
    "log(`a b`)": {"a b"},
    "Q('a b')": {"a b"},
    "where(x > 0, x, -x)": {"x"},
    "x[0] if y else z": {"x", "y", "z"},
    "10": set(),
}


@pytest.mark.parametrize(("expr", "columns"), COLUMNS.items())
def test_allowed_expressions_report_their_columns(expr: str, columns: set[str]) -> None:
    assert expression_columns(expr) == columns


REFUSED = {
    "__import__('os').system('ls')": "uses '__import__': names starting with '_'",
    "_private": "uses '_private': names starting with '_'",
    "open('f', 'w')": "uses the function 'open'",
    "getattr(x, 'a')": "uses the function 'getattr'",
    "np.save('f', x)": "uses the attribute '.save'",
    "np.ctypeslib": "uses the attribute '.ctypeslib'",
    "x.to_csv('f')": "uses the attribute '.to_csv'",
    "().__class__": "uses the attribute '.__class__'",
    "contr.mro()": "uses the attribute '.mro'",
    "scale(x).mean()": "uses the attribute '.mean'",
    "(lambda: x)()": "uses a call of a computed value",
    "[v for v in x]": "uses ListComp syntax",
    "f'{x}'": "uses JoinedStr syntax",
    "(v := x)": "uses NamedExpr syntax",
    "log(*x)": "uses Starred syntax",
}


@pytest.mark.parametrize(("expr", "reason"), REFUSED.items())
def test_refused_expressions_name_the_expression_and_the_part(expr: str, reason: str) -> None:
    with pytest.raises(SpecError) as info:
        expression_columns(expr)
    assert str(info.value).startswith(f"Formula expression {expr!r} {reason}")


def test_invalid_python_is_a_syntax_error() -> None:
    with pytest.raises(FormulaSyntaxError, match=re.escape("'x +' is not valid Python")):
        expression_columns("x +")


def test_namespace_has_no_builtins_and_a_restricted_numpy() -> None:
    assert NAMESPACE["open"] is None and NAMESPACE["__import__"] is None
    assert NAMESPACE["np"].sqrt is FUNCTIONS["sqrt"]
    assert not hasattr(NAMESPACE["np"], "save")


PYTHON_CODE = {
    "I(x^2)": "I(x**2)",
    "x ^ 2 ^ 3": "x ** 2 ** 3",
    "exp(-(t - 1)^2 / 2)": "exp(-(t - 1)**2 / 2)",
    "x ** 2": "x ** 2",
    "log(`a^b`^2)": "log(`a^b`**2)",
    "Q('a^b') + C(f, levels=['^'])": "Q('a^b') + C(f, levels=['^'])",
    "poly(x, 2, raw = TRUE)": "poly(x, 2, raw = True)",
    "where(x > 0, FALSE, TRUE_x)": "where(x > 0, False, TRUE_x)",
    "x +": "x +",
}


@pytest.mark.parametrize(("expr", "code"), PYTHON_CODE.items())
def test_python_code_reads_r_arithmetic(expr: str, code: str) -> None:
    assert python_code(expr) == code


def test_formulaic_cubic_spline_is_not_callable_since_cs_is_a_brms_term() -> None:
    assert "cs" not in FUNCTIONS and NAMESPACE["cs"] is None
    with pytest.raises(SpecError, match=r"^brms term 'cs\(\)' \(category-specific effect\)"):
        expression_columns("cs(x)")
