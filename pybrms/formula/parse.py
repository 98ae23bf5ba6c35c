"""The formula pipeline: ``parse(formula, target=)`` and the ``bf()`` constructor.

Each stage is a pure function of the previous one (tokens -> syntax tree ->
terms), and :func:`parse` can stop at any of them for inspection and tests.
"""

from __future__ import annotations

from typing import Literal, overload

from pybrms.errors import SpecError
from pybrms.formula.ast import SYMBOLS, Atom, Node, Operation, tokens_to_ast
from pybrms.formula.terms import BrmsFormula, FormulaTerms, terms_from_ast
from pybrms.formula.tokens import Token, tokenize

__all__ = ["as_brms_formula", "bf", "parse"]

Target = Literal["tokens", "ast", "terms"]


@overload
def parse(formula: str, target: Literal["tokens"]) -> tuple[Token, ...]: ...
@overload
def parse(formula: str, target: Literal["ast"]) -> Node: ...
@overload
def parse(formula: str, target: Literal["terms"] = ...) -> FormulaTerms: ...


def parse(formula: str, target: Target = "terms") -> tuple[Token, ...] | Node | FormulaTerms:
    """Parse a brms formula string, stopping at the stage named by `target`.

    Parameters
    ----------
    formula : str
        A brms formula such as ``"count ~ zAge + zBase * Trt + (1 | patient)"``.
    target : {"tokens", "ast", "terms"}, default "terms"
        The stage to return: the token tuple, the syntax tree or the typed terms.

    Returns
    -------
    tuple of Token, Node or FormulaTerms
        One fixed type per target.

    Raises
    ------
    FormulaSyntaxError
        If `formula` is not valid brms syntax; the message marks the offending part.

    Examples
    --------
    >>> t = parse("count | trials(n) ~ zAge + zBase * Trt + (1 + x || g)")
    >>> t.response.expr, t.fixed
    ('count', '1 + zAge + zBase * Trt')
    >>> t.groups[0].expr, t.groups[0].correlated
    ('1 + x', False)
    >>> [tok.text for tok in parse("y ~ x", target="tokens")]
    ['y', '~', 'x']
    """
    if not isinstance(formula, str):
        raise SpecError(f"a formula must be a string, got {type(formula).__name__}")
    tokens = tokenize(formula, SYMBOLS)
    if target == "tokens":
        return tokens
    tree = tokens_to_ast(tokens, formula)
    if target == "ast":
        return tree
    if target == "terms":
        return terms_from_ast(tree, formula)
    raise SpecError(f"unknown parse target {target!r}; valid targets: tokens, ast, terms")


def bf(formula: str, *dpar_formulas: str, **dpars: str) -> BrmsFormula:
    """Combine the main formula with formulas for distributional parameters, like brms's bf().

    Parameters
    ----------
    formula : str
        The main formula, with a response: ``"y ~ x + (1 | g)"``.
    *dpar_formulas : str
        Distributional-parameter formulas named by their left-hand side,
        e.g. ``"sigma ~ x"``.
    **dpars : str
        Distributional-parameter formulas by keyword, e.g. ``sigma="~ x"``
        (``sigma="sigma ~ x"`` is accepted too).

    Returns
    -------
    BrmsFormula

    Raises
    ------
    FormulaSyntaxError
        If a formula is not valid brms syntax.
    SpecError
        If the main formula has no response, a positional dpar formula has no name
        left of ``~``, or a parameter is given twice.

    Examples
    --------
    >>> f = bf("y ~ x + (1 | g)", sigma="~ x")
    >>> f.mu.fixed, f.dpars["sigma"].fixed, f.dpars["sigma"].response
    ('1 + x', '1 + x', None)
    >>> bf("y ~ x", "sigma ~ z").dpars["sigma"].fixed
    '1 + z'
    """
    mu = parse(formula)
    if mu.response is None:
        raise SpecError(f"the main formula {formula!r} needs a response, e.g. 'y ~ x'")
    parsed = {
        name: terms_from_ast(parse(text, target="ast"), text, dpar=name)
        for name, text in dpars.items()
    }
    for text in dpar_formulas:
        tree = parse(text, target="ast")
        name = _dpar_name(tree, text)
        if name in parsed:
            raise SpecError(f"the formula of {name!r} is given twice")
        parsed[name] = terms_from_ast(tree, text, dpar=name)
    return BrmsFormula(mu, parsed)


def _dpar_name(tree: Node, formula: str) -> str:
    """The parameter named left of ``~`` in a positional dpar formula like ``sigma ~ x``."""
    match tree:
        case Operation(operands=(Atom(token), _)) if tree.symbol == "~":
            return token.text
    raise SpecError(
        "a distributional-parameter formula passed by position must name its "
        f"parameter left of '~', e.g. 'sigma ~ x'; got {formula!r}"
    )


def as_brms_formula(formula: str | BrmsFormula) -> BrmsFormula:
    """Return `formula` as a BrmsFormula: a string becomes ``bf(formula)``.

    Examples
    --------
    >>> as_brms_formula("y ~ x").dpars
    {}
    >>> f = bf("y ~ x", sigma="~ 1")
    >>> as_brms_formula(f) is f
    True
    """
    if isinstance(formula, BrmsFormula):
        return formula
    return bf(formula)
