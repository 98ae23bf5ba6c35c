"""Stage 2 of formula parsing: tokens to an abstract syntax tree.

The grammar is the :data:`OPERATORS` table: each row gives a symbol, its arity,
precedence and associativity, plus the texts used in error messages. The parser
(:func:`tokens_to_ast`, precedence climbing) only reads the table, so adding an
operator is one new row and never touches the algorithm. The tree says nothing
about what a term means in brms; :mod:`pybrms.formula.terms` decides that.

Precedences follow R: ``~`` binds loosest, then ``|`` and ``||`` (so
``(1 + x | g)`` is ``(1 + x) | g``), then ``+ -``, ``* /``, ``%in%``, ``:``,
unary ``+ -`` and ``^ **``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

from pybrms.formula.tokens import Span, Token, TokenKind, syntax_error

__all__ = [
    "OPERATORS",
    "Associativity",
    "Atom",
    "Call",
    "Node",
    "Operation",
    "Operator",
    "Paren",
    "SYMBOLS",
    "render",
    "tokens_to_ast",
]


class Associativity(Enum):
    """How a chain of one binary operator groups: ``a - b - c`` is ``(a - b) - c``."""

    LEFT = "left"
    RIGHT = "right"


@dataclass(frozen=True)
class Operator:
    """One row of the operator table.

    Attributes
    ----------
    symbol : str
        The operator as written.
    arity : int
        1 for a prefix operator, 2 for an infix one.
    precedence : int
        Higher binds tighter.
    associativity : Associativity
        Grouping of a chain of the same binary operator.
    usage : str
        Where the operator may appear, appended to error messages when it is
        misplaced or lacks an operand.
    spaced : bool
        Whether :func:`render` writes spaces around it (``a + b`` but ``a:b``).
    """

    symbol: str
    arity: int
    precedence: int
    associativity: Associativity = Associativity.LEFT
    usage: str = ""
    spaced: bool = True


_GROUP_USAGE = "a group-level term is written (terms | group), e.g. (1 | g) or (1 + x | g)"

OPERATORS: tuple[Operator, ...] = (
    Operator("~", 2, 10, usage="a formula is written response ~ terms, with one '~'"),
    Operator("~", 1, 10, usage="a formula is written response ~ terms, with one '~'"),
    Operator(
        "|",
        2,
        20,
        usage=f"{_GROUP_USAGE}; addition terms are written y | trials(n) ~ terms",
    ),
    Operator("||", 2, 20, usage="uncorrelated group-level terms are written (terms || group)"),
    Operator("+", 2, 30),
    Operator("-", 2, 30),
    Operator("*", 2, 40),
    Operator("/", 2, 40),
    Operator("%in%", 2, 50),
    Operator(":", 2, 60, spaced=False),
    Operator("+", 1, 70),
    Operator("-", 1, 70),
    Operator("^", 2, 80, Associativity.RIGHT),
    Operator("**", 2, 80, Associativity.RIGHT),
)
#: Every operator symbol, for the tokenizer.
SYMBOLS = frozenset(op.symbol for op in OPERATORS)
_BINARY = {op.symbol: op for op in OPERATORS if op.arity == 2}
_PREFIX = {op.symbol: op for op in OPERATORS if op.arity == 1}


@dataclass(frozen=True)
class Atom:
    """A name, a number or a ``{python}`` expression."""

    token: Token

    @property
    def span(self) -> Span:
        """Where the atom sits in the formula."""
        return self.token.span


@dataclass(frozen=True)
class Call:
    """A function call ``name(args)``; its meaning is decided by the terms stage."""

    token: Token

    @property
    def span(self) -> Span:
        """Where the whole call sits in the formula."""
        return self.token.span

    @property
    def name(self) -> str:
        """The function name."""
        return self.token.name


@dataclass(frozen=True)
class Paren:
    """A parenthesized expression; `span` includes the parentheses."""

    inner: Node
    span: Span


@dataclass(frozen=True)
class Operation:
    """An operator applied to its operands; `op_span` marks the operator itself."""

    operator: Operator
    operands: tuple[Node, ...]
    span: Span
    op_span: Span

    @property
    def symbol(self) -> str:
        """The operator symbol."""
        return self.operator.symbol


Node = Atom | Call | Paren | Operation


def render(node: Node) -> str:
    """Write `node` back as formula text, with the spacing of the operator table.

    Atoms and calls keep their text as written.

    Examples
    --------
    >>> from pybrms.formula.parse import parse
    >>> render(parse("y~zBase*Trt+log(t)", target="ast"))
    'y ~ zBase * Trt + log(t)'
    """
    match node:
        case Atom(token) | Call(token):
            return token.text
        case Paren(inner):
            return f"({render(inner)})"
        case Operation(operator, (operand,)):
            return f"{operator.symbol}{render(operand)}"
        case Operation(operator, (left, right)):
            symbol = f" {operator.symbol} " if operator.spaced else operator.symbol
            return f"{render(left)}{symbol}{render(right)}"
    raise TypeError(f"not a formula node: {node!r}")


Side = Literal["left", "right"]

_ATOMS: dict[TokenKind, type[Atom] | type[Call]] = {
    TokenKind.NAME: Atom,
    TokenKind.NUMBER: Atom,
    TokenKind.PYTHON: Atom,
    TokenKind.CALL: Call,
}


def tokens_to_ast(tokens: tuple[Token, ...], source: str) -> Node:
    """Build the syntax tree of `tokens` by precedence climbing over :data:`OPERATORS`.

    Parameters
    ----------
    tokens : tuple of Token
        Output of :func:`~pybrms.formula.tokens.tokenize` (parentheses balanced).
    source : str
        The formula, for error messages.

    Returns
    -------
    Node

    Raises
    ------
    FormulaSyntaxError
        If an operator lacks an operand, two terms follow each other without an
        operator, or the formula is empty.

    Examples
    --------
    >>> from pybrms.formula.parse import parse
    >>> tree = parse("y ~ a + b:c", target="ast")
    >>> tree.symbol, render(tree.operands[1])
    ('~', 'a + b:c')
    """
    if not tokens:
        raise syntax_error(source, Span(0, len(source)), "empty formula")
    parser = _Parser(tokens, source)
    tree = parser.expression(0)
    if parser.peek() is not None:
        raise parser.missing_operator()
    return tree


class _Parser:
    """Cursor over a token tuple for precedence climbing; all grammar comes from the table."""

    def __init__(self, tokens: tuple[Token, ...], source: str) -> None:
        self.tokens = tokens
        self.source = source
        self.pos = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def expression(self, min_precedence: int) -> Node:
        left = self.operand()
        while (token := self.peek()) is not None and token.kind is TokenKind.OPERATOR:
            operator = _BINARY.get(token.text)
            if operator is None or operator.precedence < min_precedence:
                break
            self.pos += 1
            right_min = operator.precedence + (operator.associativity is Associativity.LEFT)
            right = self.operand_of(operator, token, "right", right_min)
            left = Operation(
                operator, (left, right), Span(left.span.start, right.span.end), token.span
            )
        return left

    def operand_of(self, operator: Operator, token: Token, side: Side, precedence: int) -> Node:
        following = self.peek()
        if following is None or following.kind is TokenKind.RPAREN:
            raise self.missing_operand(operator, token, side)
        return self.expression(precedence)

    def missing_operand(self, operator: Operator, token: Token, side: Side) -> Exception:
        usage = f"; {operator.usage}" if operator.usage else ""
        return syntax_error(
            self.source, token.span, f"{operator.symbol!r} needs a term on its {side}{usage}"
        )

    def missing_operator(self) -> Exception:
        token, previous = self.tokens[self.pos], self.tokens[self.pos - 1]
        return syntax_error(
            self.source,
            token.span,
            f"missing operator between {previous.text!r} and {token.text!r}",
        )

    def operand(self) -> Node:
        token = self.tokens[self.pos]
        if token.kind is TokenKind.OPERATOR:
            prefix = _PREFIX.get(token.text)
            if prefix is None:
                raise self.missing_operand(_BINARY[token.text], token, "left")
            self.pos += 1
            inner = self.operand_of(prefix, token, "right", prefix.precedence)
            return Operation(prefix, (inner,), Span(token.span.start, inner.span.end), token.span)
        if token.kind is TokenKind.LPAREN:
            self.pos += 1
            if self.tokens[self.pos].kind is TokenKind.RPAREN:  # balanced: a token follows
                raise syntax_error(self.source, token.span, "empty parentheses '()'")
            inner = self.expression(0)
            closing = self.tokens[self.pos]
            if closing.kind is not TokenKind.RPAREN:
                raise self.missing_operator()
            self.pos += 1
            return Paren(inner, Span(token.span.start, closing.span.end))
        self.pos += 1
        return _ATOMS[token.kind](token)
