"""Python expressions inside formulas, checked before anything evaluates them.

A formula is code: formulaic evaluates ``I(x**2)``, ``log(t)`` or ``{x + 1}``
with Python's ``eval``, where the builtins (``__import__``, ``open``) are in
reach. So every Python expression of a formula (terms, response, offsets,
addition arguments) is read here first, as a syntax tree, and only a small
language gets through: data columns, numbers and strings, arithmetic and
comparisons, subscripts, and calls of :data:`FUNCTIONS` (formulaic's transforms
and numpy's elementwise math, also as ``np.<name>``). Names starting with ``_``,
attribute access other than ``np.<name>`` and ``contr.<name>``, lambdas and
comprehensions are refused with a :class:`~pybrms.errors.SpecError`.
:data:`NAMESPACE` is what formulaic then evaluates in.

Formulas are written in R's arithmetic, where ``^`` is the power (``I(x^2)``);
:func:`python_code` rewrites it as Python's ``**`` before anything evaluates it.
brms's special terms (``s()``, ``mo()``, ...) are refused by name, see
:mod:`pybrms.formula.kinds`; formulaic's ``cs()`` (a cubic spline) is left out
of :data:`FUNCTIONS` since in brms ``cs()`` means category-specific effects.
"""

from __future__ import annotations

import ast
import builtins
import io
import re
import tokenize
from collections.abc import Mapping
from types import MappingProxyType, SimpleNamespace

import numpy as np
from formulaic.transforms import TRANSFORMS

from pybrms.errors import FormulaSyntaxError, SpecError
from pybrms.formula.kinds import NOT_YET_TERMS, not_yet

__all__ = ["FUNCTIONS", "NAMESPACE", "expression_columns", "python_code"]

# numpy's elementwise math, callable by name (``sqrt(x)``) or as ``np.sqrt(x)``.
_NUMPY_MATH = (
    "abs",
    "arccos",
    "arcsin",
    "arctan",
    "ceil",
    "cos",
    "cosh",
    "exp",
    "exp2",
    "expm1",
    "floor",
    "log",
    "log10",
    "log1p",
    "log2",
    "maximum",
    "minimum",
    "round",
    "sign",
    "sin",
    "sinh",
    "sqrt",
    "square",
    "tan",
    "tanh",
    "where",
)

#: Functions a formula may call: formulaic's transforms (``I``, ``C``, ``Q``,
#: ``center``, ``scale``, ``poly``, ``bs``, ...) and numpy's elementwise math;
#: not the ones whose names are brms special terms (formulaic's spline ``cs``).
FUNCTIONS: Mapping[str, object] = MappingProxyType(
    {
        **{name: getattr(np, name) for name in _NUMPY_MATH},
        **{name: f for name, f in TRANSFORMS.items() if name != "np" and name not in NOT_YET_TERMS},
    }
)

# The only names whose attributes may be read: ``np.sqrt``, ``contr.treatment``.
_NAMESPACES: Mapping[str, frozenset[str]] = {
    "np": frozenset((*_NUMPY_MATH, "pi", "e")),
    "contr": frozenset(("treatment", "sum", "helmert", "diff", "poly", "custom", "SAS")),
}

#: The evaluation context handed to formulaic: the functions and a restricted ``np``.
#: formulaic's ``eval`` would fall back on Python's builtins, and on its own
#: transforms (``cs``); every builtin name and brms special term is shadowed by None
#: here, so an expression finds none of them even past the check. Data columns
#: come first in formulaic's lookup, so a column named ``id`` or ``s`` still works.
NAMESPACE: Mapping[str, object] = MappingProxyType(
    {
        **dict.fromkeys(dir(builtins)),
        **dict.fromkeys(NOT_YET_TERMS),
        **FUNCTIONS,
        "np": SimpleNamespace(**{n: getattr(np, n) for n in _NAMESPACES["np"]}),
    }
)

# Syntax that may appear at all; everything else (lambda, comprehensions, f-strings,
# walrus, starred arguments) is refused.
_ALLOWED_NODES = (
    ast.Expression,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.keyword,
    ast.Attribute,
    ast.Subscript,
    ast.Slice,
    ast.Tuple,
    ast.List,
    ast.operator,
    ast.unaryop,
    ast.boolop,
    ast.cmpop,
)
_BACKTICKED = re.compile(r"`([^`]*)`")
# R's spelling of Python's power and logical constants, for python_code().
_PYTHON_SPELLING = {"^": "**", "TRUE": "True", "FALSE": "False"}
_R_SPELLING = re.compile(r"\^|\bTRUE\b|\bFALSE\b")


def python_code(expr: str) -> str:
    """Python code of a formula expression written in R: ``^`` is ``**``, ``TRUE`` is ``True``.

    In R, ``^`` is the power inside an expression (``I(x^2)``, ``log(x^2)``); in
    Python it is the exclusive or. R's logical constants ``TRUE`` and ``FALSE``
    (``poly(x, 2, raw = TRUE)``) become Python's. Only operators and names are
    rewritten, not text in a string or a backticked name; text that is not valid
    Python is returned as it is, for :func:`expression_columns` to report.

    Examples
    --------
    >>> python_code("I(x^2)"), python_code("exp(-(t - 1)^2 / 2)"), python_code("Q('a^b')")
    ('I(x**2)', 'exp(-(t - 1)**2 / 2)', "Q('a^b')")
    >>> python_code("poly(x, 2, raw = TRUE)")
    'poly(x, 2, raw = True)'
    """
    if not _R_SPELLING.search(expr):
        return expr
    # backticked names are not Python; hide them behind names of the same length
    code = _BACKTICKED.sub(lambda m: "b" * len(m.group()), expr)
    starts = [0]
    for line in code.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    try:
        edits = [
            (starts[tok.start[0] - 1] + tok.start[1], tok.string, _PYTHON_SPELLING[tok.string])
            for tok in tokenize.generate_tokens(io.StringIO(code).readline)
            if tok.type in (tokenize.OP, tokenize.NAME) and tok.string in _PYTHON_SPELLING
        ]
    except (tokenize.TokenError, SyntaxError):
        return expr
    for pos, old, new in reversed(edits):
        expr = f"{expr[:pos]}{new}{expr[pos + len(old) :]}"
    return expr


def expression_columns(expr: str) -> set[str]:
    """The data columns a formula's Python expression reads, after checking that it is safe.

    Parameters
    ----------
    expr : str
        A Python expression as formulaic evaluates it, e.g. ``"log(t)"`` or
        ``"I(x ** 2)"``; backticks quote column names (```my col```).

    Returns
    -------
    set of str
        Names read as values (data columns), plus the columns named by ``Q("...")``.

    Raises
    ------
    FormulaSyntaxError
        If the expression is not valid Python.
    SpecError
        If the expression uses anything beyond data columns,
        literals, operators and :data:`FUNCTIONS`; the message names the expression
        and the refused part.

    Examples
    --------
    >>> sorted(expression_columns("poly(x, 2) + np.log(t) + Q('a b')"))
    ['a b', 't', 'x']
    >>> expression_columns("open('f', 'w')")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pybrms.errors.SpecError: Formula expression "open('f', 'w')" uses the function 'open': ...
    """
    quoted: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        name = f"backticked{len(quoted)}x"
        quoted[name] = match.group(1)
        return name

    code = _BACKTICKED.sub(placeholder, expr)
    try:
        tree = ast.parse(code.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaSyntaxError(f"{expr!r} is not valid Python: {exc.msg}") from None
    checker = _Checker(expr)
    checker.visit(tree)
    return {quoted.get(name, name) for name in checker.columns}


class _Checker(ast.NodeVisitor):
    """Walks one expression, refusing what is not allowed and collecting column names."""

    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.columns: set[str] = set()

    def refuse(self, what: str, why: str) -> SpecError:
        return SpecError(f"Formula expression {self.expr!r} uses {what}: {why}.")

    def generic_visit(self, node: ast.AST) -> None:
        if not isinstance(node, _ALLOWED_NODES):
            raise self.refuse(
                f"{type(node).__name__} syntax",
                "formulas allow data columns, numbers, strings, operators and function calls",
            )
        super().generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        self._check_name(node.id)
        self.columns.add(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        base = node.value
        if not isinstance(base, ast.Name):
            self.visit(base)  # report what the attribute is read from first
        allowed = _NAMESPACES.get(base.id) if isinstance(base, ast.Name) else None
        if allowed is None or node.attr not in allowed:
            raise self.refuse(
                f"the attribute '.{node.attr}'",
                "only np.<function> (numpy math) and contr.<name> (contrasts) are allowed",
            )

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            self._check_name(func.id)
            if func.id in NOT_YET_TERMS:
                raise not_yet(func.id, NOT_YET_TERMS[func.id])
            if func.id not in FUNCTIONS:
                raise self.refuse(
                    f"the function {func.id!r}",
                    f"formulas may call {', '.join(sorted(FUNCTIONS))} (and np.<name>)",
                )
            if func.id == "Q":
                self.columns |= {
                    a.value
                    for a in node.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value
                }
        elif isinstance(func, ast.Attribute):
            self.visit_Attribute(func)
        else:
            raise self.refuse("a call of a computed value", "only named functions can be called")
        for child in (*node.args, *node.keywords):
            self.visit(child)

    def _check_name(self, name: str) -> None:
        if name.startswith("_"):
            raise self.refuse(repr(name), "names starting with '_' are not allowed in formulas")
