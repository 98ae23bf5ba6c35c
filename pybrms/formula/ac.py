"""brms's time-series autocorrelation terms as written in a formula, without data.

``ar(time = NA, gr = NA, p = 1, cov = FALSE)``, ``ma(time = NA, gr = NA, q = 1,
cov = FALSE)``, ``arma(time = NA, gr = NA, p = 1, q = 1, cov = FALSE)`` and
``cosy(time = NA, gr = NA)`` (brms's ``R/formula-ac.R``). Arguments are matched as R
matches them: by name, then the unnamed ones in the order of the signature.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pybrms.formula.ast import Call
from pybrms.formula.tokens import LOGICAL_VALUES, Argument, Span, syntax_error

__all__ = ["AC_SIGNATURES", "ArmaCall", "arma_call"]

#: brms's arguments of each ARMA term, in R's order, with their defaults.
AC_SIGNATURES: dict[str, dict[str, str]] = {
    "ar": {"time": "NA", "gr": "NA", "p": "1", "cov": "FALSE"},
    "ma": {"time": "NA", "gr": "NA", "q": "1", "cov": "FALSE"},
    "arma": {"time": "NA", "gr": "NA", "p": "1", "q": "1", "cov": "FALSE"},
    "cosy": {"time": "NA", "gr": "NA"},
}


@dataclass(frozen=True)
class ArmaCall:
    """One ``ar()``, ``ma()``, ``arma()`` or ``cosy()`` of a formula.

    Attributes
    ----------
    time
        The time variable, or None for the order of the rows.
    gr
        The grouping variable of independent time series, or None for one series.
    p, q
        Autoregressive and moving-average orders.
    cov
        brms's ``cov = TRUE`` (the covariance formulation); False is the residual
        (predictor) formulation. Always True for ``cosy()``.
    kind
        ``"arma"`` for ``ar()``, ``ma()`` and ``arma()``; ``"cosy"`` for the
        compound symmetry of ``cosy()`` (no orders).
    text
        The term as written, for messages.
    """

    time: str | None
    gr: str | None
    p: int
    q: int
    cov: bool = False
    kind: str = "arma"
    text: str = field(default="", compare=False)
    span: Span | None = field(default=None, compare=False, repr=False)

    @property
    def variables(self) -> tuple[str, ...]:
        """Data columns the term reads: time, then gr."""
        return tuple(v for v in (self.time, self.gr) if v is not None)


def arma_call(node: Call, source: str) -> ArmaCall:
    """The autocorrelation term ``node`` with its arguments checked.

    Raises
    ------
    FormulaSyntaxError
        For an unknown or repeated argument, too many arguments, an order that is
        not a non-negative whole number, both orders zero, or ``cov`` not logical;
        the message marks the argument in the formula.

    Examples
    --------
    >>> from pybrms.formula.parse import parse
    >>> tree = parse("y ~ x + ar(t, g, p = 2)", target="ast")
    >>> call = arma_call(tree.operands[1].operands[1], "y ~ x + ar(t, g, p = 2)")
    >>> call.time, call.gr, call.p, call.q
    ('t', 'g', 2, 0)
    """
    name = node.name
    signature = AC_SIGNATURES[name]
    given = _match(name, list(signature), node.token.args, source)

    def text(param: str) -> str:
        arg = given.get(param)
        return signature[param] if arg is None else arg.text.strip()

    def span(param: str) -> Span:
        arg = given.get(param)
        return node.span if arg is None else arg.span

    def variable(param: str) -> str | None:
        value = text(param)
        if value == "NA":
            return None
        if not value.isidentifier():
            raise syntax_error(
                source, span(param), f"{param} of {name}() must be NA or a column name"
            )
        return value

    def order(param: str) -> int:
        if param not in signature:
            return 0
        value = text(param)
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if number < 0 or number != int(number):
            raise syntax_error(
                source,
                span(param),
                f"Autocorrelation argument {param!r} of {name}() must be a non-negative "
                f"integer, got {value!r}",
            )
        return int(number)

    if name == "cosy":
        return ArmaCall(
            time=variable("time"),
            gr=variable("gr"),
            p=0,
            q=0,
            cov=True,
            kind="cosy",
            text=node.span.text(source),
            span=node.span,
        )
    cov = text("cov")
    if cov not in LOGICAL_VALUES:
        raise syntax_error(source, span("cov"), f"cov of {name}() must be TRUE or FALSE")
    p, q = order("p"), order("q")
    if p + q == 0:
        raise syntax_error(
            source, node.span, f"{name}(): at least one of 'p' and 'q' should be greater zero"
        )
    return ArmaCall(
        time=variable("time"),
        gr=variable("gr"),
        p=p,
        q=q,
        cov=LOGICAL_VALUES[cov],
        text=node.span.text(source),
        span=node.span,
    )


def _match(name: str, params: list[str], args: tuple[Argument, ...], source: str) -> dict:
    """R's matching of ``args`` to ``params``: named ones first, then the rest in order."""
    given: dict[str, Argument] = {}
    for arg in args:
        if arg.keyword is None:
            continue
        if arg.keyword not in params:
            raise syntax_error(
                source,
                arg.span,
                f"{name}() has no argument {arg.keyword!r}; its arguments: {', '.join(params)}",
            )
        if arg.keyword in given:
            raise syntax_error(source, arg.span, f"{name}() argument {arg.keyword!r} given twice")
        given[arg.keyword] = arg
    free = [p for p in params if p not in given]
    positional = [arg for arg in args if arg.keyword is None]
    if len(positional) > len(free):
        raise syntax_error(
            source, positional[len(free)].span, f"{name}() takes at most {len(params)} arguments"
        )
    given |= dict(zip(free, positional, strict=False))
    return given
