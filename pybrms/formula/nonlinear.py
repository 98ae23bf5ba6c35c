"""Non-linear expressions of brms's ``bf(..., nl = TRUE)``: R arithmetic over parameters and data.

The right-hand side of a non-linear formula (``a * exp(b * x)``) is read once, as
a Python syntax tree (``^`` rewritten as ``**`` by
:func:`~pybrms.formula.expressions.python_code`), and only a small language gets
through: names, numbers, ``+ - * / ^``, parentheses and the functions of
:data:`NL_FUNCTIONS`. The names split into non-linear parameters (those with a
formula of their own) and covariates (data columns, brms's ``C_1``, ``C_2``,
...). The same tree is then written as vectorized Stan code (elementwise
operators) and evaluated over posterior draws in numpy, without ``eval``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from scipy import special

from pybrms.errors import FormulaSyntaxError, SpecError
from pybrms.formula.expressions import python_code

__all__ = ["NL_FUNCTIONS", "NonLinear", "nonlinear"]

#: Functions a non-linear expression may call: Stan's name (vectorized in Stan)
#: and the same function in numpy.
NL_FUNCTIONS: Mapping[str, Callable[[np.ndarray], np.ndarray]] = MappingProxyType(
    {
        "exp": np.exp,
        "log": np.log,
        "log1p": np.log1p,
        "expm1": np.expm1,
        "sqrt": np.sqrt,
        "square": np.square,
        "abs": np.abs,
        "inv": np.reciprocal,
        "inv_logit": special.expit,
        "logit": special.logit,
        "log_inv_logit": special.log_expit,
        "inv_cloglog": lambda x: -np.expm1(-np.exp(x)),
        "Phi": special.ndtr,
        "sin": np.sin,
        "cos": np.cos,
        "tanh": np.tanh,
    }
)

# Python operator -> (Stan operator between two vectors, numpy function)
_BINARY: Mapping[type, tuple[str, str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    ast.Add: ("+", "+", np.add),
    ast.Sub: ("-", "-", np.subtract),
    ast.Mult: (".*", "*", np.multiply),
    ast.Div: ("./", "/", np.divide),
    ast.Pow: (".^", "^", np.power),
}


@dataclass(frozen=True)
class NonLinear:
    """A parsed non-linear expression.

    Attributes
    ----------
    source
        The expression as written (``"a * exp(b * x)"``).
    nlpars
        The non-linear parameters it uses, in order of first use.
    covariates
        The data columns it uses, in order of first use; brms's ``C_1``, ``C_2``, ...
    """

    source: str
    nlpars: tuple[str, ...]
    covariates: tuple[str, ...]

    @property
    def _tree(self) -> ast.expr:
        return ast.parse(python_code(self.source).strip(), mode="eval").body

    def stan(self, nlpar: Callable[[str], str], covariate: Callable[[int], str]) -> str:
        """Vectorized Stan code of the expression.

        ``nlpar(name)`` and ``covariate(k)`` (1-based) give the Stan code of a
        parameter's and a covariate's vector; operators between vectors are the
        elementwise ones.

        Examples
        --------
        >>> nl = nonlinear("a * exp(-b * x) + 2^a", frozenset({"a", "b"}))
        >>> nl.stan(lambda p: f"nlp_{p}", lambda k: f"C_{k}")
        '((nlp_a .* exp(-nlp_b .* C_1)) + (2 .^ nlp_a))'
        """
        code, _ = self._stan(self._tree, nlpar, covariate)
        return f"({code})"

    def _stan(
        self, node: ast.expr, nlpar: Callable[[str], str], covariate: Callable[[int], str]
    ) -> tuple[str, bool]:
        """Stan code of ``node`` and whether it is a vector."""
        match node:
            case ast.Constant(value=int() | float() as value):
                return _number(value), False
            case ast.Name(id=name) if name in self.nlpars:
                return nlpar(name), True
            case ast.Name(id=name):
                return covariate(self.covariates.index(name) + 1), True
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                code, vector = self._stan(operand, nlpar, covariate)
                return (f"-({code})" if isinstance(operand, ast.BinOp) else f"-{code}"), vector
            case ast.UnaryOp(operand=operand):
                return self._stan(operand, nlpar, covariate)
            case ast.BinOp(left=left, op=op, right=right):
                lcode, lvec = self._stan(left, nlpar, covariate)
                rcode, rvec = self._stan(right, nlpar, covariate)
                elementwise, scalar, _ = _BINARY[type(op)]
                # a real and a vector take the plain operator, except a real divided
                # by a vector and powers, which Stan writes elementwise
                plain = not (lvec and rvec) and not (type(op) is ast.Pow and (lvec or rvec))
                plain = plain and not (type(op) is ast.Div and rvec)
                sign = scalar if plain else elementwise
                if isinstance(left, ast.BinOp):
                    lcode = f"({lcode})"
                if isinstance(right, ast.BinOp):
                    rcode = f"({rcode})"
                return f"{lcode} {sign} {rcode}", lvec or rvec
            case ast.Call(func=ast.Name(id=name), args=[arg]):
                code, vector = self._stan(arg, nlpar, covariate)
                return f"{name}({code})", vector
        raise AssertionError(f"unchecked node {ast.dump(node)}")  # nonlinear() refuses it

    def evaluate(self, nlpars: Mapping[str, np.ndarray], covariates: np.ndarray) -> np.ndarray:
        """The expression over draws: ``nlpars`` by name, ``covariates`` ``(N, k)``.

        Examples
        --------
        >>> nl = nonlinear("a * exp(b * x)", frozenset({"a", "b"}))
        >>> nl.evaluate({"a": np.array([[2.0]]), "b": np.array([[0.0]])}, np.ones((1, 1)))
        array([[2.]])
        """
        with np.errstate(all="ignore"):
            return np.asarray(self._evaluate(self._tree, nlpars, covariates), dtype=float)

    def _evaluate(
        self, node: ast.expr, nlpars: Mapping[str, np.ndarray], covariates: np.ndarray
    ) -> np.ndarray:
        match node:
            case ast.Constant(value=int() | float() as value):
                return np.asarray(float(value))
            case ast.Name(id=name) if name in self.nlpars:
                return nlpars[name]
            case ast.Name(id=name):
                return covariates[:, self.covariates.index(name)]
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                return -self._evaluate(operand, nlpars, covariates)
            case ast.UnaryOp(operand=operand):
                return self._evaluate(operand, nlpars, covariates)
            case ast.BinOp(left=left, op=op, right=right):
                fn = _BINARY[type(op)][2]
                return fn(
                    self._evaluate(left, nlpars, covariates),
                    self._evaluate(right, nlpars, covariates),
                )
            case ast.Call(func=ast.Name(id=name), args=[arg]):
                return NL_FUNCTIONS[name](self._evaluate(arg, nlpars, covariates))
        raise AssertionError(f"unchecked node {ast.dump(node)}")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def nonlinear(source: str, nlpars: frozenset[str]) -> NonLinear:
    """Read a non-linear expression, refusing anything beyond its small language.

    Parameters
    ----------
    source
        The right-hand side as written, R's arithmetic (``^`` is the power).
    nlpars
        The names that have a formula of their own; other names are data columns.

    Returns
    -------
    NonLinear

    Raises
    ------
    FormulaSyntaxError
        If the expression is not valid arithmetic.
    SpecError
        If it uses another syntax or function; the message names it and lists
        the allowed functions.

    Examples
    --------
    >>> nl = nonlinear("a * exp(b * x)", frozenset({"a", "b"}))
    >>> nl.nlpars, nl.covariates
    (('a', 'b'), ('x',))
    """
    try:
        tree = ast.parse(python_code(source).strip(), mode="eval").body
    except SyntaxError as exc:
        raise FormulaSyntaxError(
            f"The non-linear expression {source!r} is not valid arithmetic: {exc.msg}"
        ) from None
    for node in ast.walk(tree):
        _check(node, source)
    # in the order written, as R's all.vars()
    used = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.Name) and not _is_called(n, tree)),
        key=lambda n: (n.lineno, n.col_offset),
    )
    names = dict.fromkeys(n.id for n in used)
    return NonLinear(
        source,
        tuple(n for n in names if n in nlpars),
        tuple(n for n in names if n not in nlpars),
    )


def _is_called(name: ast.Name, tree: ast.expr) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(tree))


def _check(node: ast.AST, source: str) -> None:
    def refuse(what: str) -> SpecError:
        return SpecError(
            f"The non-linear expression {source!r} uses {what}; it may use parameters, "
            "data columns, numbers, + - * / ^, parentheses and the functions "
            f"{', '.join(NL_FUNCTIONS)}."
        )

    match node:
        case ast.Call(func=ast.Name(id=name), args=args, keywords=keywords):
            if name not in NL_FUNCTIONS:
                raise refuse(f"the function {name!r}")
            if len(args) != 1 or keywords:
                raise refuse(f"{name}() with {len(args) + len(keywords)} arguments instead of 1")
        case ast.Call():
            raise refuse("a call of a computed value")
        case ast.Constant(value=value) if isinstance(value, bool) or not isinstance(
            value, int | float
        ):
            raise refuse(f"the constant {value!r}")
        case ast.Name(id=name) if name.startswith("_"):
            raise refuse(f"the name {name!r}")
        case ast.BinOp(op=op) if type(op) not in _BINARY:
            raise refuse(f"the operator {type(op).__name__}")
        case ast.UnaryOp(op=op) if not isinstance(op, ast.USub | ast.UAdd):
            raise refuse(f"the operator {type(op).__name__}")
        case (
            ast.Constant()
            | ast.Name()
            | ast.BinOp()
            | ast.UnaryOp()
            | ast.Load()
            | ast.operator()
            | ast.unaryop()
        ):
            pass
        case _:
            raise refuse(f"{type(node).__name__} syntax")
