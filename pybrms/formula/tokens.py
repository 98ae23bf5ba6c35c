"""Stage 1 of formula parsing: split a brms formula string into tokens.

Every token keeps its :class:`Span` in the source, so later stages can raise a
:class:`~pybrms.errors.FormulaSyntaxError` that prints the formula with the
offending part marked (:func:`syntax_error`).

A function call such as ``log(t)``, ``I(x**2)`` or ``gr(g, id = 1)`` is one
``CALL`` token, as formulaic treats Python calls: its arguments are arbitrary
Python for formulaic to evaluate, so they are only split at top-level commas
(:class:`Argument`), never tokenized here. Later stages re-tokenize the one
argument whose content is formula syntax (the grouping inside ``gr()``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from pybrms.errors import FormulaSyntaxError

#: R's spellings of a logical argument, and Python's.
LOGICAL_VALUES = {"TRUE": True, "True": True, "T": True, "FALSE": False, "False": False, "F": False}

__all__ = ["LOGICAL_VALUES", "Argument", "Span", "Token", "TokenKind", "syntax_error", "tokenize"]


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` of a formula string."""

    start: int
    end: int

    def text(self, source: str) -> str:
        """Return the part of `source` this span covers.

        Examples
        --------
        >>> Span(4, 7).text("y ~ x12 + z")
        'x12'
        """
        return source[self.start : self.end]

    def mark(self, source: str) -> str:
        """Return `source` with a line of carets under this span.

        Examples
        --------
        >>> print(Span(4, 6).mark("y ~ x || g"))
          y ~ x || g
              ^^
        """
        line = " ".join(source.splitlines())
        width = max(self.end - self.start, 1)
        return f"  {line}\n  {' ' * self.start}{'^' * width}"


def syntax_error(source: str, span: Span, message: str) -> FormulaSyntaxError:
    """Build a FormulaSyntaxError whose message marks `span` in `source`.

    Examples
    --------
    >>> print(syntax_error("y ~ (x", Span(4, 5), "'(' is never closed"))
    '(' is never closed
      y ~ (x
          ^
    """
    return FormulaSyntaxError(f"{message}\n{span.mark(source)}")


class TokenKind(Enum):
    """The kinds of token the tokenizer emits."""

    NAME = "name"
    NUMBER = "number"
    OPERATOR = "operator"
    LPAREN = "lparen"
    RPAREN = "rparen"
    CALL = "call"
    PYTHON = "python"


@dataclass(frozen=True)
class Argument:
    """One argument of a CALL token: ``keyword = text`` or a positional ``text``.

    `span` covers the whole argument, keyword included, without surrounding spaces.
    """

    keyword: str | None
    text: str
    span: Span


@dataclass(frozen=True)
class Token:
    """One token: its kind, its text as written and where it sits in the formula.

    ``CALL`` tokens (``name(...)``) also carry their :class:`Argument` list.
    """

    kind: TokenKind
    text: str
    span: Span
    args: tuple[Argument, ...] = ()

    @property
    def name(self) -> str:
        """The function name of a CALL token (the text before ``(``), else the text."""
        return self.text.split("(", 1)[0] if self.kind is TokenKind.CALL else self.text


# Token patterns tried in order at each position; the first match wins. CALL and
# PYTHON only match their opening here, the rest is scanned by `_scan_brackets`.
_PATTERNS: tuple[tuple[TokenKind, re.Pattern[str]], ...] = (
    (TokenKind.CALL, re.compile(r"[A-Za-z_.][\w.]*\(")),
    (TokenKind.NUMBER, re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w.])")),
    (TokenKind.NAME, re.compile(r"[A-Za-z_.][\w.]*|`[^`]*`")),
    (TokenKind.PYTHON, re.compile(r"\{")),
    (TokenKind.LPAREN, re.compile(r"\(")),
    (TokenKind.RPAREN, re.compile(r"\)")),
)
_CLOSERS = {"(": ")", "[": "]", "{": "}"}
_QUOTES = "\"'`"
_KEYWORD = re.compile(r"([A-Za-z_.][\w.]*)\s*=(?!=)\s*")


def tokenize(
    source: str, operators: Iterable[str], start: int = 0, end: int | None = None
) -> tuple[Token, ...]:
    """Split ``source[start:end]`` into tokens whose spans index into `source`.

    Parameters
    ----------
    source : str
        The whole formula (spans and error messages refer to it).
    operators : iterable of str
        Operator symbols to recognise; the longest match wins (``||`` before ``|``).
    start, end : int, optional
        The region to tokenize, by default all of `source`.

    Returns
    -------
    tuple of Token

    Raises
    ------
    FormulaSyntaxError
        On unbalanced brackets or quotes, or a character that cannot start a token.

    Examples
    --------
    >>> [t.text for t in tokenize("y ~ log(x) + (1||g)", ["~", "+", "|", "||"])]
    ['y', '~', 'log(x)', '+', '(', '1', '||', 'g', ')']
    """
    end = len(source) if end is None else end
    symbols = sorted(operators, key=len, reverse=True)
    tokens: list[Token] = []
    open_parens: list[Token] = []
    pos = start
    while pos < end:
        if source[pos].isspace():
            pos += 1
            continue
        token = _next_token(source, pos, end, symbols)
        if token.kind is TokenKind.LPAREN:
            open_parens.append(token)
        elif token.kind is TokenKind.RPAREN:
            if not open_parens:
                raise syntax_error(source, token.span, "unbalanced parentheses: ')' has no '('")
            open_parens.pop()
        tokens.append(token)
        pos = token.span.end
    if open_parens:
        raise syntax_error(
            source, open_parens[-1].span, "unbalanced parentheses: '(' is never closed"
        )
    return tuple(tokens)


def _next_token(source: str, pos: int, end: int, symbols: list[str]) -> Token:
    """Return the token starting at `pos` (not whitespace)."""
    for symbol in symbols:
        if source.startswith(symbol, pos) and pos + len(symbol) <= end:
            return Token(TokenKind.OPERATOR, symbol, Span(pos, pos + len(symbol)))
    for kind, pattern in _PATTERNS:
        match = pattern.match(source, pos, end)
        if not match:
            continue
        if kind is TokenKind.CALL:
            return _call_token(source, pos, match.end() - 1, end)
        if kind is TokenKind.PYTHON:
            stop, _ = _scan_brackets(source, pos, end)
            return Token(kind, source[pos:stop], Span(pos, stop))
        return Token(kind, match.group(), Span(pos, match.end()))
    raise syntax_error(source, Span(pos, pos + 1), f"unexpected character {source[pos]!r}")


def _call_token(source: str, start: int, paren: int, end: int) -> Token:
    """Build the CALL token ``name(...)`` whose ``(`` is at `paren`."""
    stop, commas = _scan_brackets(source, paren, end)
    bounds = [paren, *commas, stop - 1]
    args = tuple(
        _argument(source, left + 1, right) for left, right in zip(bounds, bounds[1:], strict=False)
    )
    if len(args) == 1 and not args[0].text:
        args = ()
    return Token(TokenKind.CALL, source[start:stop], Span(start, stop), args)


def _argument(source: str, start: int, stop: int) -> Argument:
    """Split one call argument into an optional keyword and its value text."""
    written = source[start:stop]
    first = start + len(written) - len(written.lstrip())
    last = stop - len(written) + len(written.rstrip())
    keyword = _KEYWORD.match(source, first, last)
    value = source[keyword.end() if keyword else first : last]
    return Argument(keyword.group(1) if keyword else None, value, Span(first, max(first, last)))


def _scan_brackets(source: str, opening: int, end: int) -> tuple[int, list[int]]:
    """Find the bracket that closes the one at `opening`, skipping quoted strings.

    Returns the position after the closing bracket and the positions of the commas
    at the top level between the two.
    """
    stack = [opening]
    commas: list[int] = []
    pos = opening + 1
    while pos < end:
        char = source[pos]
        if char in _QUOTES:
            closing = source.find(char, pos + 1, end)
            if closing < 0:
                raise syntax_error(source, Span(pos, pos + 1), f"unclosed quote {char}")
            pos = closing
        elif char in _CLOSERS:
            stack.append(pos)
        elif char in _CLOSERS.values():
            expected = _CLOSERS[source[stack[-1]]]
            if char != expected:
                raise syntax_error(
                    source, Span(pos, pos + 1), f"unbalanced brackets: expected {expected!r}"
                )
            stack.pop()
            if not stack:
                return pos + 1, commas
        elif char == "," and len(stack) == 1:
            commas.append(pos)
        pos += 1
    bracket = source[stack[-1]]
    kind = "parentheses" if bracket == "(" else "brackets"
    raise syntax_error(
        source, Span(stack[-1], stack[-1] + 1), f"unbalanced {kind}: {bracket!r} is never closed"
    )
