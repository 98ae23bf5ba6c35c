"""The formula pipeline: ``parse(formula, target=)`` and the ``bf()`` constructor.

Each stage is a pure function of the previous one (tokens -> syntax tree ->
terms), and :func:`parse` can stop at any of them for inspection and tests.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, overload

from pybrms.errors import SpecError
from pybrms.formula.ast import SYMBOLS, Atom, Node, Operation, tokens_to_ast
from pybrms.formula.nonlinear import nonlinear
from pybrms.formula.terms import BrmsFormula, FormulaTerms, response_terms, terms_from_ast
from pybrms.formula.tokens import Token, tokenize

if TYPE_CHECKING:
    from pybrms.formula.multivariate import MvFormula

__all__ = ["PartFormula", "as_brms_formula", "bf", "lf", "nlf", "parse", "split_mvbind"]

_MVBIND = re.compile(r"^\s*mvbind\s*\((?P<responses>[^()]*)\)\s*(?P<rest>[|~].*)$", re.DOTALL)

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


@dataclass(frozen=True)
class PartFormula:
    """A formula for one parameter, marked linear (:func:`lf`) or non-linear (:func:`nlf`),
    with the formulas of the non-linear parameters given along (``nlf(f, "a ~ 1")``)."""

    text: str
    nl: bool = False
    nlpars: tuple[str, ...] = ()


def lf(formula: str) -> PartFormula:
    """A linear formula for a distributional or non-linear parameter, as brms's ``lf()``.

    Examples
    --------
    >>> f = bf("y ~ a * exp(b * x)", lf("a ~ 1"), lf("b ~ 1"), nl=True)
    >>> sorted(f.nlpars)
    ['a', 'b']
    """
    return PartFormula(_text(formula), nl=False)


def nlf(formula: str, *nlpar_formulas: str) -> PartFormula:
    """A non-linear formula for a distributional parameter, as brms's ``nlf()``.

    ``nlpar_formulas`` are linear formulas of its non-linear parameters, which can
    also be given to :func:`bf` directly.

    Examples
    --------
    >>> f = bf("y ~ x", nlf("sigma ~ a * z"), "a ~ 1")
    >>> f.nl["sigma"].nlpars, f.nl["sigma"].covariates
    (('a',), ('z',))
    >>> list(bf("y ~ x", nlf("sigma ~ a * z", "a ~ 1 + w")).nlpars)
    ['a']
    """
    return PartFormula(_text(formula), nl=True, nlpars=tuple(map(_text, nlpar_formulas)))


def _text(formula: object) -> str:
    if not isinstance(formula, str):
        raise SpecError(f"a formula must be a string, got {type(formula).__name__}")
    return formula


def bf(
    formula: str,
    *dpar_formulas: str | PartFormula,
    nl: bool = False,
    **dpars: str | PartFormula | float,
) -> BrmsFormula | MvFormula:
    """Combine the main formula with formulas for other parameters, like brms's bf().

    Parameters
    ----------
    formula : str
        The main formula, with a response: ``"y ~ x + (1 | g)"``; with ``nl=True``
        a non-linear expression of parameters and data: ``"y ~ a * exp(b * x)"``.
        With several responses, ``"mvbind(y1, y2) ~ x"``, the formula of a
        multivariate model (as :func:`~pybrms.formula.mvbf`), to which
        ``+ set_rescor(...)`` can be added, as in brms.
    *dpar_formulas : str or PartFormula
        Formulas of distributional or non-linear parameters named by their
        left-hand side, e.g. ``"sigma ~ x"``, ``"a ~ 1 + (1 | g)"``, :func:`lf`
        or :func:`nlf` (a non-linear formula of a distributional parameter).
    nl : bool, default False
        Whether the main formula is non-linear, as brms's ``nl = TRUE``.
    **dpars : str, PartFormula or float
        Formulas by keyword, e.g. ``sigma="~ x"`` (``sigma="sigma ~ x"`` is accepted too),
        or a number that fixes the parameter, as brms's ``bf(y ~ x, sigma = 2)``.

    Returns
    -------
    BrmsFormula, or MvFormula for ``mvbind()``

    Raises
    ------
    FormulaSyntaxError
        If a formula is not valid brms syntax.
    SpecError
        If the main formula has no response, a positional formula has no name
        left of ``~``, a parameter is given twice, a parameter is fixed to a value
        that is not a finite number (or ``mu`` is fixed), or a non-linear
        expression uses no parameter that has a formula.

    Examples
    --------
    >>> f = bf("y ~ x + (1 | g)", sigma="~ x")
    >>> f.mu.fixed, f.dpars["sigma"].fixed, f.dpars["sigma"].response
    ('1 + x', '1 + x', None)
    >>> bf("y ~ x", "sigma ~ z").dpars["sigma"].fixed
    '1 + z'
    >>> f = bf("y ~ a * exp(b * x)", "a ~ 1 + (1 | g)", "b ~ 1", nl=True)
    >>> f.nl["mu"].source, f.nlpars["a"].groups[0].group
    ('a * exp(b * x)', 'g')
    >>> bf("y ~ x", sigma=2).pfix
    {'sigma': 2.0}
    >>> bf("mvbind(y1, y2) ~ x", sigma="~ z").responses
    ('y1', 'y2')
    """
    if isinstance(formula, str) and split_mvbind(formula) is not None:
        # here: the multivariate module imports this one
        from pybrms.formula.multivariate import mvbf

        if dpar_formulas or nl:
            raise SpecError(
                f"bf({formula!r}, ...) takes the formulas of distributional parameters "
                "shared by the responses by keyword (sigma='~ z'); positional formulas and "
                "nl=True are for one response: use pybrms.mvbf(bf(...), bf(...))."
            )
        return mvbf(formula, **dpars)  # type: ignore[arg-type]  # dpars name parameters, never rescor=
    return single_bf(formula, *dpar_formulas, nl=nl, **dpars)


def single_bf(
    formula: str,
    *dpar_formulas: str | PartFormula,
    nl: bool = False,
    **dpars: str | PartFormula | float,
) -> BrmsFormula:
    """:func:`bf` of one response.

    Examples
    --------
    >>> single_bf("y ~ x").mu.fixed
    '1 + x'
    """
    if not isinstance(nl, bool):
        raise SpecError(f"nl must be True or False, got {nl!r}")
    if isinstance(formula, str) and split_mvbind(formula) is not None:
        raise SpecError(f"{formula!r} has several responses; use pybrms.bf() or pybrms.mvbf().")
    tree = parse(_text(formula), target="ast")
    if nl:
        assert isinstance(tree, Operation)  # parse() refuses a formula without '~'
        mu = response_terms(tree, formula)
    else:
        mu = parse(formula)
    if mu.response is None:
        raise SpecError(f"the main formula {formula!r} needs a response, e.g. 'y ~ x'")
    parts: dict[str, tuple[Node, str, bool]] = {}
    given = [
        *dpar_formulas,
        *(
            n
            for f in (*dpar_formulas, *dpars.values())
            if isinstance(f, PartFormula)
            for n in f.nlpars
        ),
    ]
    pfix = {name: _fixed_value(name, v) for name, v in dpars.items() if isinstance(v, int | float)}
    # brms scales fixed mixing proportions to sum to 1
    thetas = {name: v for name, v in pfix.items() if _THETA.fullmatch(name)}
    pfix |= {name: v / sum(thetas.values()) for name, v in thetas.items()}
    named = [(name, f) for name, f in dpars.items() if name not in pfix]
    for name, f in [*((None, f) for f in given), *named]:
        part = f if isinstance(f, PartFormula) else PartFormula(_text(f))
        part_tree = parse(part.text, target="ast")
        if name is None:
            name = _dpar_name(part_tree, part.text)
        if name in parts or name == "mu":
            raise SpecError(f"the formula of {name!r} is given twice")
        parts[name] = (part_tree, part.text, part.nl)
    linear = frozenset(name for name, (_, _, is_nl) in parts.items() if not is_nl)
    expressions = {"mu": tree.operands[-1].span.text(formula)} if nl else {}  # type: ignore[union-attr]
    expressions |= {
        name: t.operands[-1].span.text(text)  # type: ignore[union-attr]
        for name, (t, text, is_nl) in parts.items()
        if is_nl
    }
    exprs = {name: nonlinear(text, linear) for name, text in expressions.items()}
    for name, e in exprs.items():
        if not e.nlpars:
            where = formula if name == "mu" else parts[name][1]
            raise SpecError(
                f"The non-linear formula {where!r} uses no non-linear parameter: none of "
                f"{', '.join(map(repr, e.covariates)) or 'its names'} has a formula of its "
                "own. Give each parameter a formula (e.g. 'a ~ 1'), or drop nl=True for a "
                "linear model."
            )
    used = {p for e in exprs.values() for p in e.nlpars}
    parsed = {
        name: terms_from_ast(t, text, dpar=name)
        for name, (t, text, is_nl) in parts.items()
        if not is_nl and name not in used
    }
    parsed |= {
        name: FormulaTerms(text, None, "0", False)
        for name, (_, text, is_nl) in parts.items()
        if is_nl
    }
    nlpars = {
        name: terms_from_ast(parts[name][0], parts[name][1], dpar=name) for name in sorted(used)
    }
    twice = sorted(set(pfix) & set(parsed))
    if twice:
        raise SpecError(f"the parameter {twice[0]!r} has a formula and is fixed to a value")
    return BrmsFormula(mu, parsed, nlpars, exprs, pfix)


_THETA = re.compile(r"theta\d+")


def _fixed_value(name: str, value: float) -> float:
    """brms's fixed parameter ``bf(..., sigma = 2)``: a finite number, not for ``mu``
    (nor a mixture component's ``mu<k>``)."""
    if isinstance(value, bool):
        raise SpecError(f"the parameter {name!r} is fixed to {value!r}; use a number")
    if re.fullmatch(r"mu\d*", name):
        raise SpecError(f"{name} cannot be fixed to a value; give it a formula instead")
    if not math.isfinite(value) or _THETA.fullmatch(name) and value <= 0:
        raise SpecError(
            f"the parameter {name!r} is fixed to {value!r}; use a finite number"
            " (a positive one for a mixing proportion)"
        )
    return float(value)


def _dpar_name(tree: Node, formula: str) -> str:
    """The parameter named left of ``~`` in a positional dpar formula like ``sigma ~ x``."""
    match tree:
        case Operation(operands=(Atom(token), _)) if tree.symbol == "~":
            return token.text
    raise SpecError(
        "a distributional-parameter formula passed by position must name its "
        f"parameter left of '~', e.g. 'sigma ~ x'; got {formula!r}"
    )


def split_mvbind(formula: str) -> tuple[str, ...] | None:
    """The formulas of ``"mvbind(y1, y2) ~ x"``, one per response (``"y1 ~ x"``,
    ``"y2 ~ x"``), addition terms kept; None when the response is not ``mvbind()``.

    Examples
    --------
    >>> split_mvbind("mvbind(y1, y2) ~ x + (1 | g)")
    ('y1 ~ x + (1 | g)', 'y2 ~ x + (1 | g)')
    >>> split_mvbind("y ~ x") is None
    True
    """
    match = _MVBIND.match(formula)
    if match is None:
        return None
    responses = [r.strip() for r in match["responses"].split(",")]
    if len(responses) < 2 or not all(responses):
        raise SpecError(
            f"mvbind() needs at least two responses separated by commas, e.g. "
            f"'mvbind(y1, y2) ~ x'; got {formula!r}."
        )
    return tuple(f"{r} {match['rest']}" for r in responses)


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
    return single_bf(formula)
