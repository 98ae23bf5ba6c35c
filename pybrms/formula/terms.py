"""Typed terms of a brms formula: the contract between parsing and the model spec.

The dataclasses here describe a formula without looking at data. The spec stage
(:mod:`pybrms.spec`) reads them; nothing downstream reparses the formula string.
Population-level parts stay formulaic strings (``fixed``, ``GroupTerm.expr``) so
that formulaic builds the design matrices, contrasts and transforms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar, cast

import formulaic
from formulaic.errors import FormulaicError
from formulaic.parser.types import Factor

from pybrms.errors import FormulaSyntaxError, SpecError
from pybrms.formula.ac import AC_SIGNATURES, ArmaCall, arma_call
from pybrms.formula.ast import (
    OPERATORS,
    SYMBOLS,
    Atom,
    Call,
    Node,
    Operation,
    Paren,
    render,
    tokens_to_ast,
)
from pybrms.formula.expressions import expression_columns, python_code
from pybrms.formula.gp import GpCall, gp_call
from pybrms.formula.kinds import NOT_YET_ADDITIONS, NOT_YET_TERMS, not_yet
from pybrms.formula.nonlinear import NonLinear
from pybrms.formula.smooths import SmoothCall, smooth_call
from pybrms.formula.tokens import LOGICAL_VALUES, Span, TokenKind, syntax_error, tokenize

if TYPE_CHECKING:  # the multivariate module imports this one
    from pybrms.formula.multivariate import MvFormula

__all__ = [
    "ADDITIONS",
    "Addition",
    "AdditionSignature",
    "BrmsFormula",
    "FormulaTerms",
    "GroupTerm",
    "MissingTerm",
    "MonotonicTerm",
    "ResponseTerm",
    "response_terms",
    "terms_from_ast",
]


@dataclass(frozen=True)
class Addition:
    """One addition term on the response, e.g. ``trials(n)`` in ``y | trials(n) ~ x``.

    Attributes
    ----------
    name : str
        The addition function, a key of :data:`ADDITIONS`
        (``"trials"``, ``"weights"``, ``"se"``, ``"rate"``, ``"cens"``, ``"trunc"``).
    args : tuple of str
        The arguments given, as written (a column name, a number, an expression
        or a logical flag), e.g. ``("n",)``, in the order of ``params``.
    params : tuple of str
        brms's name of each argument (``("x",)``; ``("lb", "ub")`` for
        ``trunc(0, 10)``), positional arguments matched as R does.
    span : Span or None
        Where the term sits in the formula, for error messages; not compared.
    """

    name: str
    args: tuple[str, ...]
    params: tuple[str, ...] = ("x",)
    span: Span | None = field(default=None, compare=False, repr=False)

    def value(self, param: str) -> str | None:
        """The argument given for ``param``, or None.

        Examples
        --------
        >>> from pybrms.formula import parse
        >>> parse("y | trunc(ub = 10) ~ x").response.addition("trunc").value("ub")
        '10'
        """
        return dict(zip(self.params, self.args, strict=True)).get(param)

    @property
    def label(self) -> str:
        """The term for messages, optional arguments named: ``cens(c, y2 = u)``.

        Examples
        --------
        >>> from pybrms.formula import parse
        >>> parse("y | trunc(ub = 10) ~ x").response.addition("trunc").label
        'trunc(ub = 10)'
        """
        signature = ADDITIONS[self.name]
        positional = signature.params[: signature.required]
        given = ", ".join(
            a if p in positional or p in VARS_PARAMS else f"{p} = {a}"
            for p, a in zip(self.params, self.args, strict=True)
        )
        return f"{self.name}({given})"


@dataclass(frozen=True)
class ResponseTerm:
    """The left-hand side of the main formula.

    Attributes
    ----------
    expr : str
        The response as a formulaic expression, e.g. ``"count"`` or ``"log(y)"``.
    additions : tuple of Addition
        Addition terms after ``|``, in the order written.
    span : Span or None
        Where the response expression sits in the formula; not compared.
    columns : tuple of str
        The expressions of a matrix response ``cbind(y1, y2, y3)`` (multinomial),
        one per column; empty for a single response.
    """

    expr: str
    additions: tuple[Addition, ...] = ()
    span: Span | None = field(default=None, compare=False, repr=False)
    columns: tuple[str, ...] = ()

    def addition(self, name: str) -> Addition | None:
        """Return the addition term called `name`, or None if it was not given.

        Examples
        --------
        >>> from pybrms.formula import parse
        >>> parse("y | trials(n) ~ x").response.addition("trials").args
        ('n',)
        """
        return next((a for a in self.additions if a.name == name), None)


@dataclass(frozen=True)
class GroupTerm:
    """One group-level (varying effects) term such as ``(1 + x | g)``.

    Nested groupings are already expanded: ``(1 | g1/g2)`` yields two terms with
    ``group`` ``"g1"`` and ``"g1:g2"``.

    Attributes
    ----------
    expr : str
        Formulaic right-hand side of the group-level design with the intercept
        spelled out: ``"1 + x"``, or ``"0 + x"`` for ``(0 + x | g)``.
    intercept : bool
        Whether the term has a varying intercept.
    group : str
        The brms name of the grouping, used in parameter names
        (``sd_g1:g2__Intercept``): ``"g"`` or ``"g1:g2"``.
    factors : tuple of str
        Data columns whose combination defines the levels, e.g. ``("g1", "g2")``.
    correlated : bool
        False for ``||`` or ``gr(g, cor = FALSE)``: no correlations are modelled.
    id : str or None
        Shared correlation id from ``(1 | ID | g)`` or ``gr(g, id = "ID")``.
    by : str or None
        The factor of ``gr(g, by = f)``: separate standard deviations (and
        correlations) per level of ``f``.
    multi_membership : bool
        Whether the grouping is ``mm(g1, g2, ...)``: each row belongs to the levels
        of all of ``factors`` (``group`` is brms's ``"mmg1g2"``).
    weights : tuple of str or None
        The columns of ``mm(..., weights = cbind(w1, w2))``, one per member; None
        gives every member the weight ``1/k``.
    scale : bool
        ``mm(..., scale = TRUE)``: rescale each row's weights to sum to 1.
    cov : str or None
        ``gr(g, cov = A)``: the name in ``data2`` of a known covariance matrix
        between the levels of the grouping.
    dist : str
        Distribution of the effects, ``gr(g, dist = "student")``: ``"gaussian"``
        (the default) or ``"student"`` (a scale mixture with degrees of freedom
        ``df`` per grouping).
    monotonic : tuple of MonotonicTerm
        The ``mo()`` terms that vary over the grouping, ``(1 + mo(x) | g)``, in R's
        order: each adds its effects to the coefficient of the same term of the
        population level (brms's ``bsp[j] + r_1_2[J_1[n]]``).
    span : Span or None
        Where the parenthesized term sits in the formula; not compared.
    """

    expr: str
    intercept: bool
    group: str
    factors: tuple[str, ...]
    correlated: bool = True
    id: str | None = None
    by: str | None = None
    multi_membership: bool = False
    weights: tuple[str, ...] | None = None
    scale: bool = True
    dist: str = "gaussian"
    cov: str | None = None
    monotonic: tuple[MonotonicTerm, ...] = ()
    span: Span | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        """The term's variables as written for messages: ``"1 + x + mo(z)"``.

        Examples
        --------
        >>> from pybrms.formula import parse
        >>> parse("y ~ mo(z) + (1 + x + mo(z) | g)").groups[0].label
        '1 + x + mo(z)'
        """
        return " + ".join([self.expr, *(m.label for m in self.monotonic)])


@dataclass(frozen=True)
class MonotonicTerm:
    """One brms special term of ``mo()`` calls: ``mo(x)``, or an interaction such as
    ``mo(x):z`` or ``mo(x):mo(w)`` (one coefficient ``bsp`` for the product).

    Attributes
    ----------
    factors : tuple of (str, bool)
        The factors in R's order (variables in the order the formula first uses
        them): the expression inside ``mo()`` with True, or a covariate's
        expression with False, e.g. ``(("x", True), ("z", False))``.
    ids : tuple of str or None
        The ``id`` of each ``mo()`` call (``mo(x, id = "a")``), or None: calls with
        the same id share one simplex.
    """

    factors: tuple[tuple[str, bool], ...]
    ids: tuple[str | None, ...] = ()

    @property
    def monotonic(self) -> tuple[str, ...]:
        """The expressions inside the term's ``mo()`` calls."""
        return tuple(expr for expr, mo in self.factors if mo)

    @property
    def covariates(self) -> tuple[str, ...]:
        """The expressions of the term's other factors, which multiply it."""
        return tuple(expr for expr, mo in self.factors if not mo)

    @property
    def label(self) -> str:
        """The term as brms labels it, e.g. ``"mo(x):z"`` or ``'mo(x, id = "a")'``."""
        ids = iter(self.ids or (None,) * len(self.monotonic))
        return ":".join(_mo_label(expr, next(ids)) if mo else expr for expr, mo in self.factors)

    def reordered(self, rank: Callable[[tuple[str, bool]], int]) -> MonotonicTerm:
        """The term with its factors (and their ids) sorted by ``rank``."""
        ids = iter(self.ids or (None,) * len(self.monotonic))
        tagged = [(f, next(ids) if f[1] else None) for f in self.factors]
        tagged.sort(key=lambda p: rank(p[0]))
        return MonotonicTerm(
            tuple(f for f, _ in tagged), tuple(i for f, i in tagged if f[1]) if self.ids else ()
        )


@dataclass(frozen=True)
class MissingTerm:
    """One brms special term of ``mi()`` calls: ``mi(x)``, or an interaction such as
    ``mi(x):z`` or ``mi(x):mi(w)`` (one coefficient ``bsp`` for the product).

    Attributes
    ----------
    factors : tuple of (str, bool)
        The factors in R's order: the variable inside ``mi()`` with True, or a
        covariate's expression with False, e.g. ``(("x", True), ("z", False))``.
    """

    factors: tuple[tuple[str, bool], ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """The variables inside the term's ``mi()`` calls."""
        return tuple(expr for expr, mi in self.factors if mi)

    @property
    def covariates(self) -> tuple[str, ...]:
        """The expressions of the term's other factors, which multiply it."""
        return tuple(expr for expr, mi in self.factors if not mi)

    @property
    def label(self) -> str:
        """The term as brms labels it, e.g. ``"mi(x):z"``."""
        return ":".join(f"mi({expr})" if mi else expr for expr, mi in self.factors)

    def reordered(self, rank: Callable[[tuple[str, bool]], int]) -> MissingTerm:
        """The term with its factors sorted by ``rank``."""
        return MissingTerm(tuple(sorted(self.factors, key=rank)))


_Special = TypeVar("_Special", MonotonicTerm, MissingTerm)


def _special_order(terms: list[_Special]) -> tuple[_Special, ...]:
    """The special terms as brms orders them: by their number of factors, and the
    factors of each by their first use among the special terms alone (brms builds the
    formula ``~ 0 + <special terms>`` and lets R order it), so that ``z + mo(x) +
    mo(x):z`` has ``mo(x):z``, and ``(1 + z:mo(x) | g)`` has ``z:mo(x)``."""
    ordered = sorted(terms, key=lambda t: len(t.factors))
    first_use: dict[tuple[str, bool], int] = {}
    for t in ordered:
        for factor in t.factors:
            first_use.setdefault(factor, len(first_use))
    return tuple(t.reordered(first_use.__getitem__) for t in ordered)


def _mo_label(expr: str, id_: str | None) -> str:
    return f"mo({expr})" if id_ is None else f'mo({expr}, id = "{id_}")'


@dataclass(frozen=True)
class FormulaTerms:
    """A parsed brms formula (one linear predictor), without data.

    Attributes
    ----------
    source : str
        The formula as the user wrote it.
    response : ResponseTerm or None
        The left-hand side; None for a distributional-parameter formula
        such as ``sigma ~ x``.
    fixed : str
        Formulaic right-hand side of the population-level part with the
        intercept spelled out: ``"1 + zAge + zBase * Trt"``, or ``"0 + x"``.
    intercept : bool
        Whether the population-level part has an intercept.
    offsets : tuple of str
        Formulaic expressions inside ``offset(...)``, e.g. ``("log(t)",)``.
    groups : tuple of GroupTerm
        Group-level terms, nested groupings expanded, in the order written.
    monotonic : tuple of MonotonicTerm
        The terms of ``mo()`` calls and their interactions, in R's order (by the
        number of factors, then as written).
    category_specific : tuple of str
        Formulaic terms inside ``cs(...)``, e.g. ``("treat",)``, in the order written.
    measurement_error : tuple of (str, str)
        The value and standard error expressions of each ``me(x, sdx)``.
    missing : tuple of MissingTerm
        The terms of ``mi()`` calls and their interactions, in R's order (by the
        number of factors, then as written); each variable inside ``mi()`` is a
        response of the model whose missing values it estimates (not in
        ``variables``, whose missing values drop rows).
    smooths : tuple of SmoothCall
        The ``s()`` and ``t2()`` terms, in the order written.
    gps : tuple of GpCall
        The ``gp(...)`` terms, in the order written.
    arma : ArmaCall or None
        The ``ar()``, ``ma()``, ``arma()`` or ``cosy()`` term, if any.
    variables : frozenset of str
        Every data column the formula refers to (response, additions, fixed,
        groups, offsets), for missing-value handling and unknown-column errors.
    """

    source: str
    response: ResponseTerm | None
    fixed: str
    intercept: bool
    offsets: tuple[str, ...] = ()
    groups: tuple[GroupTerm, ...] = ()
    monotonic: tuple[MonotonicTerm, ...] = ()
    category_specific: tuple[str, ...] = ()
    measurement_error: tuple[tuple[str, str], ...] = ()
    missing: tuple[MissingTerm, ...] = ()
    smooths: tuple[SmoothCall, ...] = ()
    gps: tuple[GpCall, ...] = ()
    arma: ArmaCall | None = None
    variables: frozenset[str] = frozenset()


@dataclass(frozen=True)
class BrmsFormula:
    """A full brms model formula: the mean formula and distributional-parameter formulas.

    Attributes
    ----------
    mu : FormulaTerms
        The main formula, with a response.
    dpars : Mapping of str to FormulaTerms
        Formulas of distributional parameters keyed by name, e.g. ``{"sigma": ...}``;
        their ``response`` is None. Empty when only the mean is modelled.
    nlpars : Mapping of str to FormulaTerms
        Linear formulas of the non-linear parameters (``{"a": a ~ 1 + (1 | g)}``),
        ordered as brms orders them (by name).
    nl : Mapping of str to NonLinear
        The non-linear expression of ``"mu"`` or of a distributional parameter
        (``nlf()``); such a parameter's entry in ``mu``/``dpars`` then holds no terms.
    pfix : Mapping of str to float
        Distributional parameters fixed to a number, as brms's ``bf(y ~ x, sigma = 2)``.
    """

    mu: FormulaTerms
    dpars: Mapping[str, FormulaTerms] = field(default_factory=dict, hash=False)
    nlpars: Mapping[str, FormulaTerms] = field(default_factory=dict, hash=False)
    nl: Mapping[str, NonLinear] = field(default_factory=dict, hash=False)
    pfix: Mapping[str, float] = field(default_factory=dict, hash=False)

    @property
    def variables(self) -> frozenset[str]:
        """All data columns referenced by the mean and distributional formulas.

        Examples
        --------
        >>> from pybrms.formula import bf
        >>> sorted(bf("y ~ x", sigma="~ z").variables)
        ['x', 'y', 'z']
        """
        return self.mu.variables.union(
            *(d.variables for d in (*self.dpars.values(), *self.nlpars.values())),
            *(e.covariates for e in self.nl.values()),
        )

    def __add__(self, other: object) -> MvFormula:
        """``bf("y1 ~ x") + bf("y2 ~ z")``: a multivariate formula, as brms."""
        # here: the multivariate module imports this one
        from pybrms.formula.multivariate import MvFormula

        return MvFormula((self,)) + other  # type: ignore[operator]


# ---------------------------------------------------------------------------
# Building terms from the syntax tree
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AdditionSignature:
    """brms's arguments of one addition term.

    Attributes
    ----------
    params : tuple of str
        Argument names in R's order; positional arguments fill them in turn.
    required : int
        How many of the first ``params`` must be given.
    flags : frozenset of str
        Logical arguments (``TRUE``/``FALSE``), which name no data column.
    bare : bool
        Whether it may be written without arguments (``mi()``).
    """

    params: tuple[str, ...]
    required: int = 1
    flags: frozenset[str] = frozenset()
    bare: bool = False


#: The arguments of ``vint()`` and ``vreal()``, R's ``...``, named as R names them.
VARS_PARAMS = tuple(f"..{i}" for i in range(1, 21))

#: Addition terms allowed on the response, with brms's arguments.
ADDITIONS: Mapping[str, AdditionSignature] = {
    "trials": AdditionSignature(("x",)),
    "weights": AdditionSignature(("x", "scale"), flags=frozenset({"scale"})),
    "se": AdditionSignature(("x", "sigma"), flags=frozenset({"sigma"})),
    "rate": AdditionSignature(("denom",)),
    "cens": AdditionSignature(("x", "y2")),
    "trunc": AdditionSignature(("lb", "ub"), required=0),
    # missing responses estimated as parameters; brms's sdy (measurement error) is not yet
    "mi": AdditionSignature(("sdy",), required=0, bare=True),
    # the rows of one response of a multivariate model
    "subset": AdditionSignature(("x",)),
    # brms's vint(...) and vreal(...): the data of a custom family, R's `...`
    "vint": AdditionSignature(VARS_PARAMS),
    "vreal": AdditionSignature(VARS_PARAMS),
}

# Operators that carry brms structure rather than formulaic design: valid only
# where this module looks for them (the root, a group term, the response).
_STRUCTURAL_SYMBOLS = frozenset({"~", "|", "||"})
_GROUP_BARS = frozenset({"|", "||"})
_INTERACTIONS = frozenset({":", "%in%"})

# Intercept given by a signed 0 or 1 on a right-hand side, as in R.
_INTERCEPT = {("+", "1"): True, ("+", "0"): False, ("-", "1"): False, ("-", "0"): True}
_SIGNS = {("+", "+"): "+", ("+", "-"): "-", ("-", "+"): "-", ("-", "-"): "+"}

# What a right-hand-side term is, by call name; other calls are formulaic transforms.
_CALL_KINDS = {
    **dict.fromkeys(NOT_YET_TERMS, "not yet"),
    "offset": "offset",
    "mo": "monotonic",
    "cs": "category_specific",
    "me": "measurement_error",
    "s": "smooth",
    "t2": "smooth",
    "gp": "gp",
    "gr": "gr",
    "mm": "gr",
    **dict.fromkeys(AC_SIGNATURES, "arma"),
    **dict.fromkeys(ADDITIONS, "addition"),
    # mi() is an addition term on the response, mi(x) a term of a right-hand side
    "mi": "missing",
}

# Where each kind of term belongs, for "not allowed here" errors.
_KIND_USAGE = {
    "group": "group-level terms are added to the main formula, e.g. y ~ x + (1 | g)",
    "offset": "offset() is added to the main formula, e.g. y ~ x + offset(log(t))",
    "monotonic": "mo() is added to the formula on its own or in interactions written with "
    "':' or '*', e.g. y ~ x + mo(income) or y ~ mo(income) * age; "
    "mo() in group-level terms is not supported yet",
    "category_specific": "cs() is added to the main formula of an ordinal family on its own, "
    "e.g. y ~ x + cs(z); category-specific group-level effects are not supported yet",
    "measurement_error": "me() is added to the main formula on its own, e.g. y ~ z + me(x, sdx); "
    "interactions with me() and me() in group-level terms are not supported yet",
    "missing": "mi() is added to the formula on its own or in interactions written with "
    "':' or '*', e.g. y ~ z + mi(x) or y ~ mi(x) * z; mi() in group-level terms is not "
    "supported yet",
    "smooth": "s() and t2() are added to a formula on their own, e.g. y ~ x + s(z); "
    "interactions with them and smooths in group-level terms are not supported",
    "gp": "gp() is added to a formula on its own, e.g. y ~ x + gp(z); "
    "interactions with gp() and gp() in group-level terms are not supported",
    "arma": "ar(), ma(), arma() and cosy() are added to the main formula on their own, "
    "e.g. y ~ x + ar(time, gr, p = 1)",
    "gr": "gr() and mm() are the grouping of a group-level term, "
    "e.g. (1 | gr(g, id = 'a')) or (1 | mm(g1, g2))",
    "addition": "addition terms follow the response, e.g. y | trials(n) ~ x",
}

_ID_VALUE = re.compile(r"""(?:"([^"]*)"|'([^']*)'|([\w.]+))""")


def terms_from_ast(tree: Node, source: str, dpar: str | None = None) -> FormulaTerms:
    """Interpret a formula syntax tree as brms terms.

    Parameters
    ----------
    tree : Node
        Output of :func:`~pybrms.formula.ast.tokens_to_ast`.
    source : str
        The formula, for error messages.
    dpar : str, optional
        For the formula of a distributional parameter: its name, which may be the
        only thing left of ``~`` (``sigma ~ x`` or ``~ x``). The result then has
        no response.

    Returns
    -------
    FormulaTerms

    Raises
    ------
    FormulaSyntaxError
        If the tree is not a brms formula; the message marks the offending part.

    Examples
    --------
    >>> from pybrms.formula.parse import parse
    >>> t = terms_from_ast(parse("y ~ x + (1 | g)", target="ast"), "y ~ x + (1 | g)")
    >>> t.fixed, t.groups[0].group
    ('1 + x', 'g')
    """
    if not (isinstance(tree, Operation) and tree.symbol == "~"):
        raise syntax_error(source, tree.span, "missing '~'; a formula is written response ~ terms")
    *lhs, rhs = tree.operands
    response: ResponseTerm | None = None
    variables: set[str] = set()
    if dpar is not None:
        _check_dpar_lhs(lhs, dpar, source)
    elif lhs:
        response, variables = _response(lhs[0], source)
    predictor = _Predictor(
        source,
        frozenset(
            {
                "number",
                "fixed",
                "group",
                "offset",
                "monotonic",
                "category_specific",
                "measurement_error",
                "missing",
                "smooth",
                "gp",
                "arma",
            }
        ),
    )
    predictor.add(rhs)
    return FormulaTerms(
        source=source,
        response=response,
        fixed=predictor.text(),
        intercept=predictor.intercept,
        offsets=tuple(predictor.offsets),
        groups=tuple(predictor.groups),
        monotonic=_special_order(predictor.monotonic),
        category_specific=tuple(predictor.category_specific),
        measurement_error=tuple(predictor.measurement_error),
        missing=_special_order(predictor.missing),
        smooths=tuple(predictor.smooths),
        gps=tuple(predictor.gps),
        arma=predictor.arma,
        variables=frozenset(variables | predictor.variables),
    )


def response_terms(tree: Operation, source: str) -> FormulaTerms:
    """The response of a non-linear main formula (``y ~ a * exp(b * x)``), and no terms:
    its right-hand side is an expression (:mod:`pybrms.formula.nonlinear`)."""
    lhs = tree.operands[:-1]
    if not lhs:
        raise syntax_error(source, tree.span, "the non-linear formula needs a response, y ~ ...")
    response, variables = _response(lhs[0], source)
    return FormulaTerms(source, response, "0", False, variables=frozenset(variables))


def _check_dpar_lhs(lhs: list[Node], dpar: str, source: str) -> None:
    if lhs and not (isinstance(lhs[0], Atom) and lhs[0].token.text == dpar):
        raise syntax_error(
            source,
            lhs[0].span,
            f"the formula of {dpar!r} may only have {dpar!r} left of '~', e.g. {dpar} ~ x",
        )


def _response(node: Node, source: str) -> tuple[ResponseTerm, set[str]]:
    """The response and its additions, with the data columns they use."""
    calls: list[Call] = []
    if isinstance(node, Operation) and node.symbol == "|":
        node, written = node.operands
        signed = _signed_terms(written, source)
        calls = [_addition_call(sign, term, source) for sign, term in signed]
    _check_plain(node, source)
    # R evaluates the response (log(y), y^2, y / 10) as arithmetic, not as terms
    expr = python_code(node.span.text(source))
    additions = tuple(_addition(call, source) for call in calls)
    # a matrix response cbind(y1, y2, y3): each column is an expression of its own
    matrix = _CBIND.fullmatch(expr)
    columns = tuple(c.strip() for c in matrix[1].split(",")) if matrix else ()
    variables = (
        set()
        .union(*(_python_variables(c, node.span, source) for c in columns or (expr,)))
        .union(
            *(
                _python_variables(python_code(arg.text), arg.span, source)
                for call in calls
                for param, arg in zip(_matched_params(call, source), call.token.args, strict=True)
                if param not in ADDITIONS[call.name].flags
            )
        )
    )
    return ResponseTerm(expr, additions, node.span, columns), variables


_CBIND = re.compile(r"cbind\(([^()]*)\)")


def _matched_params(call: Call, source: str) -> tuple[str, ...]:
    """The parameter of each argument of an addition term, matched as R does: by
    name, then the unnamed ones in order."""
    signature = ADDITIONS[call.name]
    args = call.token.args
    named = [arg.keyword for arg in args if arg.keyword]
    for arg in args:
        if arg.keyword and arg.keyword not in signature.params:
            raise syntax_error(
                source,
                arg.span,
                f"{call.name}() has no argument {arg.keyword!r}; its arguments: "
                f"{', '.join(signature.params)}",
            )
    if len(set(named)) != len(named):
        raise syntax_error(source, call.span, f"an argument of {call.name}() is given twice")
    free = iter(p for p in signature.params if p not in named)
    params = []
    for arg in args:
        param = arg.keyword or next(free, None)
        if param is None:
            raise syntax_error(
                source,
                arg.span,
                f"{call.name}() takes at most {len(signature.params)} "
                f"argument{'s' * (len(signature.params) > 1)} ({', '.join(signature.params)})",
            )
        params.append(param)
    missing = [p for p in signature.params[: signature.required] if p not in params]
    if missing or not (params or signature.bare):
        raise syntax_error(
            source,
            call.span,
            f"{call.name}() needs the argument {(missing or signature.params)[0]!r}, "
            f"e.g. y | {_ADDITION_EXAMPLES[call.name]} ~ x",
        )
    for param, arg in zip(params, args, strict=True):
        if param in signature.flags and arg.text not in LOGICAL_VALUES:
            raise syntax_error(source, arg.span, f"{param} of {call.name}() must be TRUE or FALSE")
    return tuple(params)


def _addition(call: Call, source: str) -> Addition:
    params = _matched_params(call, source)
    flags = ADDITIONS[call.name].flags
    args = tuple(
        arg.text if param in flags else python_code(arg.text)
        for param, arg in zip(params, call.token.args, strict=True)
    )
    return Addition(call.name, args, params, call.span)


_ADDITION_EXAMPLES = {
    "mi": "mi()",
    "trials": "trials(n)",
    "weights": "weights(w)",
    "se": "se(sei)",
    "rate": "rate(exposure)",
    "cens": "cens(censored)",
    "trunc": "trunc(lb = 0)",
    "vint": "vint(size)",
    "vreal": "vreal(x)",
}


def _addition_call(sign: str, node: Node, source: str) -> Call:
    """Check one addition term written after ``|`` on the response."""
    if isinstance(node, Call) and node.name in NOT_YET_ADDITIONS:
        raise _not_yet(node, NOT_YET_ADDITIONS[node.name], source)
    if not isinstance(node, Call) or node.name not in ADDITIONS:
        written = node.name if isinstance(node, Call) else node.span.text(source)
        raise syntax_error(
            source,
            node.span,
            f"unknown addition term {written!r}; valid addition terms: "
            f"{', '.join(ADDITIONS)}, e.g. y | trials(n) ~ x",
        )
    _require_plus(sign, node, "an addition term", source)
    return node


def _signed_terms(node: Node, source: str, sign: str = "+") -> list[tuple[str, Node]]:
    """Flatten a chain of ``+`` and ``-`` into (sign, term) pairs, in order.

    A unary ``+`` right after ``+`` or ``-`` (``1 + + x``) leaves an empty term
    between them: refused. A unary ``-`` there removes its term, as in R (``x + -1``).
    """
    if _is_additive(node):
        *left, right = node.operands
        if left and _is_additive(right) and right.operator.arity == 1 and right.symbol == "+":
            span = Span(node.op_span.start, right.op_span.end)
            raise syntax_error(
                source,
                span,
                f"empty term between {node.symbol!r} and {right.symbol!r}; remove one of them",
            )
        head = _signed_terms(left[0], source, sign) if left else []
        return head + _signed_terms(right, source, _SIGNS[sign, node.symbol])
    return [(sign, node)]


def _is_additive(node: Node) -> TypeGuard[Operation]:
    return isinstance(node, Operation) and node.symbol in ("+", "-")


def _kind(node: Node) -> str:
    match node:
        case Atom(token) if token.kind is TokenKind.NUMBER:
            return "number"
        case Paren(Operation() as inner) if inner.symbol in _GROUP_BARS:
            return "group"
        case Call():
            return _CALL_KINDS.get(node.name, "fixed")
    return "fixed"


def _require_plus(sign: str, node: Node, what: str, source: str) -> None:
    if sign != "+":
        raise syntax_error(source, node.span, f"{what} can only be added with '+', not removed")


def _check_plain(node: Node, source: str) -> None:
    """Reject brms structure (``~``, ``|``, ``||``, offset(), gr(), ...) inside a term."""
    kind = _kind(node)
    if isinstance(node, Call) and kind == "not yet":
        raise _not_yet(node, NOT_YET_TERMS[node.name], source)
    if kind in _KIND_USAGE:
        raise _misplaced(node, kind, source)
    match node:
        case Operation(operator) if operator.symbol in _STRUCTURAL_SYMBOLS:
            raise syntax_error(
                source, node.op_span, f"{operator.symbol!r} is not allowed here; {operator.usage}"
            )
        case Operation(operator, operands) if operator.symbol in _INTERACTIONS and any(
            _kind(operand) == "number" for operand in operands
        ):
            # formulaic would scale by the number; R refuses it
            raise syntax_error(
                source,
                node.span,
                f"a number cannot be part of an interaction {operator.symbol!r}; "
                "to scale a variable write I(2 * x)",
            )
        case Operation(_, operands):
            for operand in operands:
                _check_plain(operand, source)
        case Paren(inner):
            _check_plain(inner, source)


def _not_yet(node: Call, what: str, source: str) -> Exception:
    return SpecError(f"{not_yet(node.name, what)}\n{node.span.mark(source)}")


_COLON = next(op for op in OPERATORS if op.symbol == ":")


def _formulaic_text(node: Node) -> str:
    """`node` written for formulaic, with R's meaning of ``%in%`` and ``^``.

    ``a %in% b`` is ``a:b`` in R (formulaic would add ``b``); Python code in calls
    and ``{...}`` gets ``**`` for R's power ``^`` (:func:`python_code`). ``^``
    between terms keeps its formula meaning, ``(a + b)^2`` (all interactions up to
    order 2), which formulaic shares with R.
    """
    return render(_formulaic_tree(node))


def _formulaic_tree(node: Node) -> Node:
    match node:
        case Call(token):
            return Call(replace(token, text=python_code(token.text)))
        case Atom(token) if token.kind is TokenKind.PYTHON:
            return Atom(replace(token, text=python_code(token.text)))
        case Paren(inner, span):
            return Paren(_formulaic_tree(inner), span)
        case Operation(operator, operands, span, op_span):
            # nothing binds between %in% and ':', so the tree needs no new parentheses
            operator = _COLON if operator.symbol == "%in%" else operator
            return Operation(operator, tuple(map(_formulaic_tree, operands)), span, op_span)
    return node


def _misplaced(node: Node, kind: str, source: str) -> Exception:
    return syntax_error(
        source, node.span, f"{node.span.text(source)} is not allowed here; {_KIND_USAGE[kind]}"
    )


def _formulaic_variables(text: str, span: Span, source: str) -> set[str]:
    """Data columns that formulaic needs to evaluate the formula part `text`.

    Python factors (``log(t)``, ``I(x**2)``, ``poly(x, 2)``) are checked by
    :func:`~pybrms.formula.expressions.expression_columns`, which also reads the
    columns of stateful transforms (formulaic 1.2 reports none for them).
    """
    try:
        formula = formulaic.Formula(text)
    except (FormulaicError, SyntaxError) as exc:  # formulaic lets Python's SyntaxError through
        message = exc.msg if isinstance(exc, SyntaxError) else str(exc).splitlines()[0]
        raise syntax_error(source, span, f"formulaic cannot parse {text!r}: {message}") from None
    factors = {factor for term in formula for factor in term.factors}
    return set().union(
        *(
            _python_variables(factor.expr, span, source)
            if factor.eval_method is Factor.EvalMethod.PYTHON
            else set(map(str, factor.required_variables))
            for factor in factors
        )
    )


def _python_variables(expr: str, span: Span, source: str) -> set[str]:
    """Data columns read by a Python expression such as ``log(t)`` or ``10``.

    Refuses, with the formula marked, anything but the small language of
    :mod:`pybrms.formula.expressions` (formulas are code).
    """
    try:
        return expression_columns(expr)
    except FormulaSyntaxError as exc:
        raise syntax_error(source, span, str(exc)) from None
    except SpecError as exc:
        raise SpecError(f"{exc}\n{span.mark(source)}") from None


class _Predictor:
    """Collects the terms of one linear predictor (a right-hand side or a group's terms)."""

    def __init__(self, source: str, allowed: frozenset[str]) -> None:
        self.source = source
        self.allowed = allowed
        self.intercept = True
        self.parts: list[str] = []
        self.offsets: list[str] = []
        self.monotonic: list[MonotonicTerm] = []
        # R orders the factors of an interaction by the variables' first use
        self.first_use: dict[str, int] = {}
        self.category_specific: list[str] = []
        self.measurement_error: list[tuple[str, str]] = []
        self.missing: list[MissingTerm] = []
        self.smooths: list[SmoothCall] = []
        self.gps: list[GpCall] = []
        self.arma: ArmaCall | None = None
        self.groups: list[GroupTerm] = []
        self.variables: set[str] = set()

    def add(self, node: Node) -> None:
        for sign, term in _signed_terms(node, self.source):
            kind = _kind(term)
            if isinstance(term, Call) and kind == "not yet":
                raise _not_yet(term, NOT_YET_TERMS[term.name], self.source)
            if kind not in self.allowed:
                raise _misplaced(term, kind, self.source)
            for factor in _leaves(term):
                self.first_use.setdefault(self._key(factor), len(self.first_use))
            if kind == "fixed" and _has_kind(term, "monotonic") and _has_kind(term, "missing"):
                message = "interactions of mo() with mi() are not supported yet"
                raise syntax_error(self.source, term.span, message)
            if kind == "fixed" and "monotonic" in self.allowed and _has_kind(term, "monotonic"):
                self.add_monotonic_interaction(sign, term)
            elif kind == "fixed" and "missing" in self.allowed and _has_kind(term, "missing"):
                self.add_missing_interaction(sign, term)
            else:
                _TERM_HANDLERS[kind](self, sign, term)

    def text(self) -> str:
        return " ".join(["1" if self.intercept else "0", *self.parts])

    def add_number(self, sign: str, node: Node) -> None:
        key = (sign, node.span.text(self.source))
        if key not in _INTERCEPT:
            raise syntax_error(
                self.source,
                node.span,
                "a number alone must be 0 or 1 (the intercept), e.g. y ~ 0 + x",
            )
        self.intercept = _INTERCEPT[key]

    def add_fixed(self, sign: str, node: Node) -> None:
        _check_plain(node, self.source)
        text = _formulaic_text(node)
        self.parts.append(f"{sign} {text}")
        self.variables |= _formulaic_variables(text, node.span, self.source)

    def add_offset(self, sign: str, node: Call) -> None:
        _require_plus(sign, node, "offset()", self.source)
        args = node.token.args
        if len(args) != 1 or args[0].keyword:
            raise syntax_error(self.source, node.span, "offset() takes one unnamed argument")
        expr = python_code(args[0].text)
        self.offsets.append(expr)
        self.variables |= _python_variables(expr, args[0].span, self.source)

    def add_monotonic(self, sign: str, node: Call) -> None:
        _require_plus(sign, node, "mo()", self.source)
        expr, id_ = self._monotonic_call(node)
        term = MonotonicTerm(((expr, True),), (id_,))
        if term in self.monotonic:
            raise syntax_error(self.source, node.span, f"{term.label} appears twice")
        self.monotonic.append(term)

    def add_monotonic_interaction(self, sign: str, node: Node) -> None:
        """An interaction with ``mo()`` (``mo(x):z``, ``mo(x) * mo(w)``), expanded as R
        expands it: the terms with a ``mo()`` become special terms, the others fixed."""
        for ordered in self._special_products(sign, node, "monotonic"):
            calls = {
                id(f): self._monotonic_call(f)
                for f in ordered
                if isinstance(f, Call) and _kind(f) == "monotonic"
            }
            term = MonotonicTerm(
                tuple(
                    (calls[id(f)][0], True) if id(f) in calls else self._covariate(f)
                    for f in ordered
                ),
                tuple(call[1] for call in calls.values()),
            )
            if term not in self.monotonic:  # R drops a term that a '*' repeats
                self.monotonic.append(term)

    def _special_products(self, sign: str, node: Node, kind: str) -> Iterator[list[Node]]:
        """The products of an interaction with ``mo()`` or ``mi()`` (``kind``), as R
        expands it, each with its factors in R's order: a product without such a call
        becomes a fixed term here, the others are yielded to become special terms."""
        call = {"monotonic": "mo()", "missing": "mi()"}[kind]
        _require_plus(sign, node, f"an interaction with {call}", self.source)
        for factors in _interaction_terms(node, self.source):
            ordered = sorted(factors, key=lambda f: self.first_use[self._key(f)])
            if any(_kind(f) == kind for f in ordered):
                yield ordered
                continue
            text = ":".join(_formulaic_text(_parenthesized(f)) for f in ordered)
            self.parts.append(f"+ {text}")
            self.variables |= _formulaic_variables(text, node.span, self.source)

    def _key(self, factor: Node) -> str:
        return "".join(factor.span.text(self.source).split())

    def _monotonic_call(self, node: Call) -> tuple[str, str | None]:
        """The expression inside ``mo()`` and its ``id``, if any."""
        args = node.token.args
        if not args or args[0].keyword or any(a.keyword != "id" for a in args[1:]) or len(args) > 2:
            message = 'mo() takes one unnamed argument and an optional id, e.g. mo(x, id = "a")'
            raise syntax_error(self.source, node.span, message)
        expr = python_code(args[0].text)
        self.variables |= _python_variables(expr, args[0].span, self.source)
        id_ = _id_value(args[1].text, args[1].span, self.source) if len(args) == 2 else None
        return expr, id_

    def _covariate(self, node: Node, what: str = "mo()") -> tuple[str, bool]:
        """A covariate of a special term (a column or a call such as ``log(z)``), which
        multiplies the term."""
        if not isinstance(node, Atom | Call):
            raise syntax_error(
                self.source,
                node.span,
                f"{node.span.text(self.source)} cannot be a factor of an interaction with "
                f"{what}; use a column or a call such as log(z)",
            )
        _check_plain(node, self.source)
        expr = python_code(node.span.text(self.source))
        self.variables |= _python_variables(expr, node.span, self.source)
        return expr, False

    def add_category_specific(self, sign: str, node: Call) -> None:
        _require_plus(sign, node, "cs()", self.source)
        args = node.token.args
        if len(args) != 1 or args[0].keyword:
            message = "cs() takes one unnamed argument, its population-level terms, e.g. cs(x)"
            raise syntax_error(self.source, node.span, message)
        span = args[0].span
        inner = _Predictor(self.source, frozenset({"number", "fixed"}))
        inner.add(tokens_to_ast(tokenize(self.source, SYMBOLS, span.start, span.end), self.source))
        if not inner.parts:
            # brms's cs(1) only makes sense with category-specific group-level effects
            message = (
                "cs() needs a variable, e.g. cs(x); category-specific intercepts (cs(1)) "
                "and group-level effects are not supported yet"
            )
            raise syntax_error(self.source, node.span, message)
        text = " ".join(inner.parts).removeprefix("+ ")
        if text in self.category_specific:
            raise syntax_error(self.source, node.span, f"cs({text}) appears twice")
        self.category_specific.append(text)
        self.variables |= inner.variables

    def add_measurement_error(self, sign: str, node: Call) -> None:
        _require_plus(sign, node, "me()", self.source)
        args = node.token.args
        if len(args) != 2 or any(a.keyword for a in args):
            message = (
                "me() takes the noisy values and their standard errors, me(x, sdx) "
                "(gr = is not supported yet)"
            )
            raise syntax_error(self.source, node.span, message)
        call = (python_code(args[0].text), python_code(args[1].text))
        if call in self.measurement_error:
            raise syntax_error(self.source, node.span, f"me({call[0]}, {call[1]}) appears twice")
        self.measurement_error.append(call)
        for arg, expr in zip(args, call, strict=True):
            self.variables |= _python_variables(expr, arg.span, self.source)

    def add_missing(self, sign: str, node: Call) -> None:
        _require_plus(sign, node, "mi()", self.source)
        term = MissingTerm(((self._missing_call(node), True),))
        if term in self.missing:
            raise syntax_error(self.source, node.span, f"{term.label} appears twice")
        self.missing.append(term)

    def add_missing_interaction(self, sign: str, node: Node) -> None:
        """An interaction with ``mi()`` (``mi(x):z``, ``mi(x) * z``), expanded as R
        expands it: the terms with a ``mi()`` become special terms, the others fixed."""
        for ordered in self._special_products(sign, node, "missing"):
            term = MissingTerm(
                tuple(
                    (self._missing_call(f), True)
                    if isinstance(f, Call) and _kind(f) == "missing"
                    else self._covariate(f, "mi()")
                    for f in ordered
                )
            )
            if term not in self.missing:  # R drops a term that a '*' repeats
                self.missing.append(term)

    def _missing_call(self, node: Call) -> str:
        """The variable inside ``mi()``; not in ``variables``: the column's missing values
        are kept (see ``FormulaTerms.missing``)."""
        args = node.token.args
        if len(args) != 1 or args[0].keyword:
            message = "mi() takes one variable, mi(x) (mi(x, idx) is not supported yet)"
            raise syntax_error(self.source, node.span, message)
        name = args[0].text.strip()
        if not name.isidentifier():
            message = f"mi() takes one untransformed variable, as brms; got {name!r}"
            raise syntax_error(self.source, node.span, message)
        return name

    def add_smooth(self, sign: str, node: Call) -> None:
        _require_plus(sign, node, f"{node.name}()", self.source)
        try:
            call = smooth_call(node.name, node.token.args)
        except SpecError as exc:
            raise SpecError(f"{exc}\n{node.span.mark(self.source)}") from None
        if any(s.term == call.term for s in self.smooths):
            raise syntax_error(self.source, node.span, f"{call.term} appears twice")
        self.smooths.append(call)
        self.variables |= {*call.covariates, *([call.by] if call.by else [])}

    def add_gp(self, sign: str, node: Call) -> None:
        _require_plus(sign, node, "gp()", self.source)
        term = gp_call(node, self.source)
        if any(g.covariates == term.covariates and g.by == term.by for g in self.gps):
            raise syntax_error(self.source, node.span, f"{term.text} appears twice")
        self.gps.append(term)
        for arg in node.token.args:
            if arg.keyword is None:
                expr = python_code(arg.text)
                self.variables |= _python_variables(expr, arg.span, self.source)
        if term.by is not None:
            self.variables.add(term.by)

    def add_arma(self, sign: str, node: Call) -> None:
        _require_plus(sign, node, f"{node.name}()", self.source)
        if self.arma is not None:
            # brms: "Can only model one time-series term."
            raise syntax_error(
                self.source,
                node.span,
                "a formula may not contain more than one time-series term "
                "(ar(), ma(), arma(), cosy())",
            )
        self.arma = arma_call(node, self.source)
        self.variables |= set(self.arma.variables)

    def add_group(self, sign: str, node: Paren) -> None:
        _require_plus(sign, node, "a group-level term", self.source)
        terms, variables = _group_terms(node, self.source)
        self.groups.extend(terms)
        self.variables |= variables


def _has_kind(node: Node, kind: str) -> bool:
    """Whether an interaction has a call of ``kind`` (``mo()``, ``mi()``) among its factors."""
    return any(_kind(leaf) == kind for leaf in _leaves(node))


def _leaves(node: Node) -> list[Node]:
    """The factors of a term of ``:``, ``*``, ``%in%`` and ``+`` (in parentheses), in
    written order."""
    match node:
        case Paren(inner):
            return _leaves(inner)
        case Operation(operator, operands) if operator.symbol in _EXPANDED:
            return [leaf for operand in operands for leaf in _leaves(operand)]
    return [node]


# The operators R expands into terms, which an interaction with mo() or mi() may use.
_EXPANDED = frozenset({":", "%in%", "*", "+"})


def _interaction_terms(node: Node, source: str) -> list[tuple[Node, ...]]:
    """R's expansion of ``node`` into terms, each a tuple of factors: ``a:b`` is one
    term, ``a * b`` is ``a + b + a:b``, and ``(a + b):c`` is ``a:c + b:c``."""
    match node:
        case Paren(inner):
            return _interaction_terms(inner, source)
        case Operation(operator, (left, right)) if operator.symbol in _EXPANDED:
            a, b = _interaction_terms(left, source), _interaction_terms(right, source)
            if operator.symbol == "+":
                return _unique_terms([*a, *b], source)
            product = [(*x, *y) for x in a for y in b]
            return _unique_terms([*a, *b, *product] if operator.symbol == "*" else product, source)
        case Operation(operator) if _has_kind(node, "monotonic") or _has_kind(node, "missing"):
            call = "mo" if _has_kind(node, "monotonic") else "mi"
            raise syntax_error(
                source,
                node.op_span,
                f"{operator.symbol!r} is not allowed in an interaction with {call}(); "
                f"write it with ':' or '*', e.g. {call}(x):z or {call}(x) * z",
            )
    return [(node,)]


def _unique_terms(terms: list[tuple[Node, ...]], source: str) -> list[tuple[Node, ...]]:
    """``terms`` without repeated factors in a term or repeated terms, as R has them."""
    seen: dict[frozenset[str], tuple[Node, ...]] = {}
    for factors in terms:
        by_text = {"".join(f.span.text(source).split()): f for f in factors}
        seen.setdefault(frozenset(by_text), tuple(by_text.values()))
    return list(seen.values())


def _parenthesized(node: Node) -> Node:
    return Paren(node, node.span) if isinstance(node, Operation) else node


# Handlers receive the node type that `_kind` guarantees for their kind.
_TERM_HANDLERS: dict[str, Callable[[_Predictor, str, Any], None]] = {
    "number": _Predictor.add_number,
    "fixed": _Predictor.add_fixed,
    "offset": _Predictor.add_offset,
    "monotonic": _Predictor.add_monotonic,
    "category_specific": _Predictor.add_category_specific,
    "measurement_error": _Predictor.add_measurement_error,
    "missing": _Predictor.add_missing,
    "smooth": _Predictor.add_smooth,
    "gp": _Predictor.add_gp,
    "arma": _Predictor.add_arma,
    "group": _Predictor.add_group,
}


def _group_terms(node: Paren, source: str) -> tuple[list[GroupTerm], set[str]]:
    """Expand ``(terms | group)``, ``(terms || group)`` or ``(terms | ID | group)``."""
    bar = cast(Operation, node.inner)  # `_kind` only calls this for (... | ...)
    design, grouping = bar.operands
    group_id = None
    if bar.symbol == "|" and isinstance(design, Operation) and design.symbol == "|":
        design, id_node = design.operands
        group_id = _id_value(id_node.span.text(source), id_node.span, source)
    predictor = _Predictor(source, frozenset({"number", "fixed", "monotonic"}))
    predictor.add(design)
    if not (predictor.intercept or predictor.parts or predictor.monotonic):
        raise syntax_error(
            source, design.span, "a group-level term needs an intercept or a variable, e.g. (1 | g)"
        )
    factor_sets, options = _grouping(grouping, source)
    if group_id is not None and options.get("id") is not None:
        raise syntax_error(source, node.span, "the id is given twice, by |ID| and by gr(id = )")
    terms = [
        GroupTerm(
            expr=predictor.text(),
            intercept=predictor.intercept,
            group=":".join(factors),
            factors=factors,
            correlated=bar.symbol == "|" and options.get("cor", True),
            id=group_id if group_id is not None else options.get("id"),
            by=options.get("by"),
            multi_membership=options.get("mm", False),
            weights=options.get("weights"),
            scale=options.get("scale", True),
            dist=options.get("dist", "gaussian"),
            cov=options.get("cov"),
            monotonic=_special_order(predictor.monotonic),
            span=node.span,
        )
        for factors in factor_sets
    ]
    if options.get("mm"):
        terms = [replace(t, group="mm" + "".join(t.factors)) for t in terms]
    by = {options["by"]} if "by" in options else set()
    weights = set(options.get("weights") or ())
    variables = predictor.variables.union(by, weights, *(term.factors for term in terms))
    return terms, variables


def _grouping(node: Node, source: str) -> tuple[list[tuple[str, ...]], dict[str, Any]]:
    """The factor combinations of a grouping and the options given by gr() or mm()."""
    if isinstance(node, Call) and node.name == "mm":
        return _mm_grouping(node, source)
    if isinstance(node, Call) and node.name in NOT_YET_TERMS:
        raise _not_yet(node, NOT_YET_TERMS[node.name], source)
    if not (isinstance(node, Call) and node.name == "gr"):
        return _factor_sets(node, source), {}
    positional = [arg for arg in node.token.args if arg.keyword is None]
    if len(positional) != 1:
        raise syntax_error(source, node.span, "gr() takes one grouping, e.g. gr(g) or gr(g1:g2)")
    arg = positional[0]
    tree = tokens_to_ast(tokenize(source, SYMBOLS, arg.span.start, arg.span.end), source)
    return _factor_sets(tree, source), _options(node, _GR_OPTIONS, _GR_NOT_YET, source)


def _mm_grouping(node: Call, source: str) -> tuple[list[tuple[str, ...]], dict[str, Any]]:
    """The members of ``mm(g1, g2, ...)``, one factor combination, and its options."""
    members = tuple(
        _name_value(arg.text, arg.span, source, "a member of mm() is a column name")
        for arg in node.token.args
        if arg.keyword is None
    )
    if len(members) < 2:
        raise syntax_error(
            source, node.span, "mm() takes at least two grouping columns, e.g. mm(g1, g2)"
        )
    options = _options(node, _MM_OPTIONS, _MM_NOT_YET, source)
    weights = options.get("weights")
    if weights is not None and len(weights) != len(members):
        raise syntax_error(
            source,
            node.span,
            f"mm() has {len(members)} members but {len(weights)} weight columns; "
            "weights = cbind(w1, w2, ...) needs one column per member",
        )
    return [members], {**options, "mm": True}


def _options(
    node: Call,
    valid: Mapping[str, Callable[[str, Span, str], Any]],
    not_yet: Mapping[str, str],
    source: str,
) -> dict[str, Any]:
    """The keyword arguments of ``gr()`` or ``mm()``, each read by its reader in ``valid``;
    brms's arguments in ``not_yet`` are refused as not supported yet."""
    options = {}
    for option in node.token.args:
        if option.keyword is None:
            continue
        if option.keyword in not_yet:
            raise SpecError(
                f"{node.name}({option.keyword} = ) ({not_yet[option.keyword]}) is not "
                f"supported yet by pybrms; supported {node.name}() arguments: "
                f"{', '.join(valid)}\n{option.span.mark(source)}"
            )
        if option.keyword not in valid:
            raise syntax_error(
                source,
                option.span,
                f"unknown {node.name}() argument {option.keyword!r}; "
                f"valid arguments: {', '.join(valid)}",
            )
        options[option.keyword] = valid[option.keyword](option.text, option.span, source)
    return options


def _factor_sets(node: Node, source: str) -> list[tuple[str, ...]]:
    """Factor combinations of a grouping: ``g`` -> [(g,)], ``g1/g2`` -> [(g1,), (g1, g2)]."""
    match node:
        case Atom(token) if token.kind is TokenKind.NAME:
            return [(token.text.strip("`"),)]
        case Paren(inner):
            return _factor_sets(inner, source)
        case Operation(operator, (left, right)) if operator.symbol in _GROUPING_OPERATORS:
            combine = _GROUPING_OPERATORS[operator.symbol]
            return combine(_factor_sets(left, source), _factor_sets(right, source))
    raise syntax_error(
        source, node.span, "a grouping is a column name, g1:g2 (interaction) or g1/g2 (nested)"
    )


def _interaction(
    left: list[tuple[str, ...]], right: list[tuple[str, ...]]
) -> list[tuple[str, ...]]:
    return [a + b for a in left for b in right]


def _nesting(left: list[tuple[str, ...]], right: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return left + [left[-1] + b for b in right]


_GROUPING_OPERATORS = {":": _interaction, "/": _nesting}


def _id_value(text: str, span: Span, source: str) -> str:
    match = _ID_VALUE.fullmatch(text)
    if match is None:
        raise syntax_error(source, span, "an id is a name, a number or a quoted string")
    return next(group for group in match.groups() if group is not None)


def _name_value(text: str, span: Span, source: str, what: str) -> str:
    if _NAME_VALUE.fullmatch(text) is None:
        raise syntax_error(source, span, what)
    return text.strip("`")


def _by_value(text: str, span: Span, source: str) -> str:
    return _name_value(text, span, source, "by of gr() is the name of a factor column, e.g. by = f")


def _cov_value(text: str, span: Span, source: str) -> str:
    what = "cov of gr() is the name of a matrix in data2, e.g. cov = A"
    return _name_value(text, span, source, what)


_NAME_VALUE = re.compile(r"[A-Za-z.][\w.]*|`[^`]+`")
_CBIND = re.compile(r"cbind\((.*)\)", re.DOTALL)


def _weights_value(text: str, span: Span, source: str) -> tuple[str, ...]:
    match = _CBIND.fullmatch(text)
    what = "weights of mm() are columns bound by cbind(), e.g. weights = cbind(w1, w2)"
    if match is None:
        raise syntax_error(source, span, what)
    return tuple(_name_value(part.strip(), span, source, what) for part in match[1].split(","))


def _dist_value(text: str, span: Span, source: str) -> str:
    value = text.strip("\"'")
    if len(text) < 2 or text[0] != text[-1] or text[0] not in "\"'" or value not in _DISTS:
        raise syntax_error(
            source, span, f"dist of a grouping is one of {', '.join(map(repr, _DISTS))}"
        )
    return value


_DISTS = ("gaussian", "student")


def _scale_value(text: str, span: Span, source: str) -> bool:
    if text not in LOGICAL_VALUES:
        raise syntax_error(source, span, "scale must be TRUE or FALSE")
    return LOGICAL_VALUES[text]


def _correlation_value(text: str, span: Span, source: str) -> bool:
    if text not in LOGICAL_VALUES:
        raise syntax_error(source, span, "cor must be TRUE or FALSE")
    return LOGICAL_VALUES[text]


_GR_OPTIONS: dict[str, Callable[[str, Span, str], Any]] = {
    "id": _id_value,
    "cor": _correlation_value,
    "by": _by_value,
    "dist": _dist_value,
    "cov": _cov_value,
}
_MM_OPTIONS: dict[str, Callable[[str, Span, str], Any]] = {
    "weights": _weights_value,
    "scale": _scale_value,
    "id": _id_value,
    "cor": _correlation_value,
    "dist": _dist_value,
}
# brms's gr() arguments that pybrms does not support yet, with what they do.
_GR_NOT_YET = {"pw": "prior weights of the levels"}
_MM_NOT_YET = {
    **_GR_NOT_YET,
    "by": "a by-variable per member",
    "cov": "known covariance between levels",
}
