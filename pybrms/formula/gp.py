"""brms's ``gp()`` term as written in a formula: covariates and options, without data.

``gp(x1, x2, by = NA, k = NA, cov = "exp_quad", iso = TRUE, gr = TRUE, cmc = TRUE,
scale = TRUE, c = 5/4)`` (brms's ``R/formula-gp.R``). Arguments are matched as R
matches them: by name, then the unnamed ones are the covariates.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from pybrms.formula.ast import Call
from pybrms.formula.expressions import python_code
from pybrms.formula.tokens import LOGICAL_VALUES, Argument, Span, syntax_error

__all__ = ["GP_KERNELS", "GpCall", "gp_call"]

T = TypeVar("T")

#: Covariance kernels of ``gp(cov = )``; brms's ``matern12`` is its ``exponential``.
GP_KERNELS = ("exp_quad",)
_BRMS_KERNELS = ("matern52", "matern32", "exponential", "matern12")

_OPTIONS = ("by", "k", "cov", "iso", "gr", "cmc", "scale", "c")


@dataclass(frozen=True)
class GpCall:
    """One ``gp(...)`` of a formula.

    Attributes
    ----------
    covariates
        Python expressions of the covariates, in order (``("x1", "x2")``).
    written
        The covariates as written (R spelling), for brms's names.
    by
        The ``by`` variable, or None.
    k
        Number of basis functions per dimension of the approximate (Hilbert space)
        GP, or None for the exact GP.
    cov
        Covariance kernel.
    iso
        One length-scale for all covariates (isotropic), else one per covariate.
    gr
        One latent value per distinct covariate value (brms's default), instead of
        one per row.
    cmc
        Cell-mean coding of a factor ``by`` (one GP per level).
    scale
        Scale the covariates so that the largest distance between two points is 1.
    c
        Boundary factor of the approximate GP, one per covariate.
    text
        The term as written, for messages.
    """

    covariates: tuple[str, ...]
    written: tuple[str, ...] = ()
    by: str | None = None
    k: int | None = None
    cov: str = "exp_quad"
    iso: bool = True
    gr: bool = True
    cmc: bool = True
    scale: bool = True
    c: tuple[float, ...] = (1.25,)
    text: str = ""
    span: Span | None = field(default=None, compare=False, repr=False)

    @property
    def variables(self) -> tuple[str, ...]:
        """Expressions the term reads: covariates, then ``by``."""
        return (*self.covariates, *((self.by,) if self.by else ()))


def gp_call(node: Call, source: str) -> GpCall:
    """The ``gp()`` call ``node`` with its options checked.

    Raises
    ------
    FormulaSyntaxError
        For an unknown or repeated option, no covariate, or an option value that
        is not of its type; the message marks the argument in the formula.

    Examples
    --------
    >>> from pybrms.formula.parse import parse
    >>> tree = parse("y ~ gp(x, k = 10, c = 5/4)", target="ast")
    >>> gp_call(tree.operands[1], "y ~ gp(x, k = 10, c = 5/4)").k
    10
    """
    args = node.token.args
    given: dict[str, Argument] = {}
    covariates: list[str] = []
    written: list[str] = []
    for arg in args:
        if arg.keyword is None:
            covariates.append(python_code(arg.text))
            written.append(arg.text.strip())
            continue
        if arg.keyword not in _OPTIONS:
            raise syntax_error(
                source,
                arg.span,
                f"gp() has no argument {arg.keyword!r}; its options: {', '.join(_OPTIONS)}",
            )
        if arg.keyword in given:
            raise syntax_error(source, arg.span, f"gp() argument {arg.keyword!r} is given twice")
        given[arg.keyword] = arg
    if not covariates:
        raise syntax_error(source, node.span, "gp() needs at least one covariate, e.g. gp(x)")
    if len(set(covariates)) != len(covariates):
        raise syntax_error(source, node.span, "gp() has a covariate twice")

    def option(name: str, read: Callable[[str], T], what: str, default: T) -> T:
        arg = given.get(name)
        if arg is None:
            return default
        try:
            return read(arg.text.strip())
        except ValueError:
            raise syntax_error(
                source, arg.span, f"{name} of gp() must be {what}, got {arg.text!r}"
            ) from None

    logical = "TRUE or FALSE"
    cov = option("cov", _string, 'a quoted kernel name such as "exp_quad"', "exp_quad")
    if cov not in GP_KERNELS:
        later = " (brms's other kernels are not supported yet)" if cov in _BRMS_KERNELS else ""
        raise syntax_error(
            source,
            given["cov"].span,
            f"{cov!r} is not a supported GP covariance kernel{later}; "
            f"supported: {', '.join(GP_KERNELS)}",
        )
    default_c: tuple[float, ...] = (1.25,)
    c = option("c", _numbers, "a positive number or c(...) of positive numbers", default_c)
    if len(c) == 1:
        c = c * len(covariates)
    if len(c) != len(covariates) or min(c) <= 0:
        raise syntax_error(
            source,
            given["c"].span,
            f"c of gp() must be positive, one value or one per covariate ({len(covariates)})",
        )
    return GpCall(
        covariates=tuple(covariates),
        written=tuple(written),
        by=option("by", _by, "NA or a variable name", None),
        k=option("k", _count, "NA or a positive whole number of basis functions", None),
        cov=cov,
        iso=option("iso", _logical, logical, True),
        gr=option("gr", _logical, logical, True),
        cmc=option("cmc", _logical, logical, True),
        scale=option("scale", _logical, logical, True),
        c=c,
        text=node.span.text(source),
        span=node.span,
    )


def _count(text: str) -> int | None:
    if text == "NA":
        return None
    value = _number(text)
    if value != int(value) or value < 1:
        raise ValueError(text)
    return int(value)


def _string(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    raise ValueError(text)


def _logical(text: str) -> bool:
    if text not in LOGICAL_VALUES:
        raise ValueError(text)
    return LOGICAL_VALUES[text]


def _by(text: str) -> str | None:
    if text == "NA":
        return None
    if not text.isidentifier():
        raise ValueError(text)
    return text


def _numbers(text: str) -> tuple[float, ...]:
    if text.startswith("c(") and text.endswith(")"):
        return tuple(_number(part) for part in text[2:-1].split(","))
    return (_number(text),)


_ARITHMETIC: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _number(text: str) -> float:
    """A number written as R arithmetic of literals, such as ``5/4``."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise ValueError(text) from None
    return _evaluate(tree, text)


def _evaluate(node: ast.expr, text: str) -> float:
    match node:
        case ast.Constant(value) if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        case ast.UnaryOp(ast.USub(), operand):
            return -_evaluate(operand, text)
        case ast.BinOp(left, op, right) if type(op) in _ARITHMETIC:
            try:
                return _ARITHMETIC[type(op)](_evaluate(left, text), _evaluate(right, text))
            except ZeroDivisionError:
                raise ValueError(text) from None
    raise ValueError(text)
