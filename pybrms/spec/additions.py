"""The addition terms of the response, read from data and checked before anything is compiled.

Each reader takes the main formula's terms, the rows and (where it matters) the
checked response, and returns numpy arrays coded as brms codes its Stan data
(``se``, ``denom``, ``cens`` and ``rcens``, ``lb`` and ``ub``), or raises a
:class:`~pybrms.errors.SpecError` naming the term, the row and the value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.formula import FormulaTerms
from pybrms.formula.terms import ADDITIONS, LOGICAL_VALUES, Addition
from pybrms.spec.families import Family
from pybrms.spec.frame import check_finite, evaluate, numeric, row_label

__all__ = [
    "Censoring",
    "Truncation",
    "addition_values",
    "censoring",
    "check_stan_int",
    "custom_data",
    "first_bad",
    "known_se",
    "numeric",
    "rate_denominators",
    "scaled_weights",
    "truncation",
]

# Stan's int is a 32-bit signed integer.
_STAN_INT_MAX = 2**31 - 1

#: brms's censoring codes and the words (or their beginnings) that stand for them.
CENSORING_CODES = {"left": -1, "none": 0, "right": 1, "interval": 2}


def _addition(terms: FormulaTerms, name: str) -> Addition | None:
    assert terms.response is not None  # guaranteed by the parser for the main formula
    return terms.response.addition(name)


def addition_values(
    terms: FormulaTerms, name: str, data: pd.DataFrame, param: str | None = None
) -> np.ndarray | None:
    """Values of the argument ``param`` (the first by default) of the addition term
    ``name`` in ``data``: a column, a number or an expression; None if not given.

    Examples
    --------
    >>> from pybrms.formula import parse
    >>> df = pd.DataFrame({"y": [1.0, 2.0], "t": [2.0, 4.0]})
    >>> addition_values(parse("y | trunc(0, t) ~ 1"), "trunc", df, "ub").tolist()
    [2.0, 4.0]
    >>> addition_values(parse("y | trunc(0, t) ~ 1"), "trunc", df, "lb").tolist()
    [0.0, 0.0]
    """
    addition = _addition(terms, name)
    if addition is None:
        return None
    arg = addition.value(param or ADDITIONS[name].params[0])
    if arg is None:
        return None
    if arg in data.columns:
        return data[arg].to_numpy()
    try:
        return np.full(len(data), float(arg))
    except ValueError:
        pass
    text = arg.strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
        return np.full(len(data), text[1:-1], dtype=object)  # cens("right")
    return evaluate(arg, data)


def addition_label(terms: FormulaTerms, name: str) -> str:
    """The addition term for messages, e.g. ``trials(n)`` or ``trunc(ub = 10)``."""
    addition = _addition(terms, name)
    assert addition is not None
    return addition.label


def first_bad(values: np.ndarray, bad: np.ndarray, index: pd.Index) -> str:
    """``row <label> has <value>`` for the first row where ``bad`` holds."""
    pos = int(np.flatnonzero(bad)[0])
    value = values[pos]
    if isinstance(value, str):
        return f"{row_label(index, pos)} has {value!r}"
    value = float(value)
    return f"{row_label(index, pos)} has {int(value) if value.is_integer() else value!r}"


def check_stan_int(values: np.ndarray, what: str, index: pd.Index) -> None:
    """Refuse integers that Stan's ``int`` (32-bit signed) cannot hold."""
    over = np.abs(values) > _STAN_INT_MAX
    if over.any():
        raise SpecError(
            f"{what} exceeds Stan's integer range (32-bit signed int, at most "
            f"{_STAN_INT_MAX}); {first_bad(values, over, index)}."
        )


def known_se(terms: FormulaTerms, data: pd.DataFrame) -> tuple[np.ndarray, bool] | None:
    """The standard errors of ``se(x, sigma = FALSE)`` and whether ``sigma`` is
    estimated besides them; None without ``se()``.

    The standard errors must be non-negative, and positive when ``sigma`` is
    not estimated (they are then the whole standard deviation).
    """
    addition = _addition(terms, "se")
    if addition is None:
        return None
    what = addition.label
    sigma = LOGICAL_VALUES[addition.value("sigma") or "FALSE"]
    values = addition_values(terms, "se", data)
    assert values is not None  # the parser requires se()'s first argument
    se = numeric(values, what)
    check_finite(se, what, data.index)
    bad = se < 0 if sigma else se <= 0
    if bad.any():
        rule = "non-negative" if sigma else "positive (or use se(x, sigma = TRUE))"
        raise SpecError(
            f"The standard errors of {what} must be {rule}; {first_bad(se, bad, data.index)}."
        )
    return se, sigma


def scaled_weights(terms: FormulaTerms, weights: np.ndarray) -> np.ndarray:
    """The checked weights of ``weights(x, scale)``: with ``scale = TRUE`` rescaled to sum
    to the number of rows, as brms, so that they keep the likelihood's overall weight.

    Examples
    --------
    >>> from pybrms.formula import parse
    >>> scaled_weights(parse("y | weights(w, scale = TRUE) ~ 1"), np.array([1.0, 3.0])).tolist()
    [0.5, 1.5]
    >>> scaled_weights(parse("y | weights(w) ~ 1"), np.array([1.0, 3.0])).tolist()
    [1.0, 3.0]
    """
    addition = _addition(terms, "weights")
    assert addition is not None
    if not LOGICAL_VALUES[addition.value("scale") or "FALSE"]:
        return weights
    total = weights.sum()
    if not total > 0:
        raise SpecError(f"{addition.label} needs weights with a positive sum to scale them.")
    return weights / total * len(weights)


def rate_denominators(terms: FormulaTerms, data: pd.DataFrame) -> np.ndarray | None:
    """The positive denominators of ``rate(denom)``; None without ``rate()``."""
    if _addition(terms, "rate") is None:
        return None
    what = addition_label(terms, "rate")
    values = addition_values(terms, "rate", data)
    assert values is not None  # the parser requires rate()'s argument
    denom = numeric(values, what)
    check_finite(denom, what, data.index)
    if (denom <= 0).any():
        raise SpecError(
            f"The denominators of {what} must be positive; "
            f"{first_bad(denom, denom <= 0, data.index)}."
        )
    return denom


@dataclass(frozen=True, eq=False)
class Censoring:
    """brms's censoring data.

    Attributes
    ----------
    cens
        Per row: -1 left, 0 none, 1 right, 2 interval censored.
    rcens
        Right ends of the intervals (0 in other rows) when ``y2`` is given, else None.
    """

    cens: np.ndarray
    rcens: np.ndarray | None


def _cens_code(value: object) -> float | None:
    """brms's code of one censoring value: a number, a logical or a word (or its
    beginning, as brms's ``prepare_cens``); None for anything else."""
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, str):
        codes = [code for word, code in CENSORING_CODES.items() if value and word.startswith(value)]
        return float(codes[0]) if codes else None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def censoring(
    terms: FormulaTerms, data: pd.DataFrame, y: np.ndarray, family: Family
) -> Censoring | None:
    """The censoring codes of ``cens(x, y2)`` and the interval ends; None without ``cens()``.

    Examples
    --------
    >>> from pybrms.formula import parse
    >>> from pybrms.spec.families import FAMILIES
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0], "c": ["none", "right", "l"]})
    >>> censoring(parse("y | cens(c) ~ 1"), df, df["y"].to_numpy(), FAMILIES["gaussian"]).cens
    array([ 0,  1, -1])
    """
    if _addition(terms, "cens") is None:
        return None
    what = addition_label(terms, "cens")
    raw = addition_values(terms, "cens", data)
    values = np.asarray(raw, dtype=object)
    codes = np.array([_cens_code(v) for v in values], dtype=object)
    bad = np.array([c is None or c not in (-1.0, 0.0, 1.0, 2.0) for c in codes])
    if bad.any():
        raise SpecError(
            f"{what} must be -1 (left), 0 (none), 1 (right) or 2 (interval censored), the "
            "words 'left', 'none', 'right', 'interval' (or their beginnings), or True/False "
            f"(right/none); {first_bad(values, bad, data.index)}."
        )
    cens = codes.astype(float).astype(np.int64)
    interval = cens == 2
    y2 = addition_values(terms, "cens", data, "y2")
    if y2 is None:
        if interval.any():
            raise SpecError(
                f"{what} has interval-censored rows but no right ends; give them as "
                f"cens(x, y2), e.g. {row_label(data.index, int(np.flatnonzero(interval)[0]))}."
            )
        return Censoring(cens, None)
    y2 = numeric(y2, f"y2 of {what}")
    check_finite(y2[interval], f"y2 of {what}", data.index[interval])
    wrong = interval & ~(y2 > y)
    if wrong.any():
        pos = int(np.flatnonzero(wrong)[0])
        raise SpecError(
            f"y2 of {what} must exceed the response in interval-censored rows; "
            f"{row_label(data.index, pos)} has y2 = {y2[pos]:g} <= {y[pos]:g}."
        )
    assert family.support.outside is not None  # ordinal families take no cens()
    outside = interval & family.support.outside(np.where(interval, y2, y))
    if outside.any():
        raise SpecError(
            f"y2 of {what} must be {family.support.rule} for family {family.name!r}; "
            f"{first_bad(y2, outside, data.index)}."
        )
    rcens = np.where(interval, y2, 0.0)
    return Censoring(cens, rcens.astype(np.int64) if family.discrete else rcens)


@dataclass(frozen=True, eq=False)
class Truncation:
    """The bounds of ``trunc(lb, ub)`` per row; a side without a finite bound is None."""

    lb: np.ndarray | None
    ub: np.ndarray | None


def truncation(
    terms: FormulaTerms, data: pd.DataFrame, y: np.ndarray | None, family: Family
) -> Truncation | None:
    """The truncation bounds of ``trunc(lb, ub)``; None without ``trunc()``.

    Bounds are numbers or columns; every response ``y`` must lie within them
    (None for rows to predict, which have no response). Discrete families need
    integer bounds.

    Examples
    --------
    >>> from pybrms.formula import parse
    >>> from pybrms.spec.families import FAMILIES
    >>> df = pd.DataFrame({"y": [1.0, 2.0]})
    >>> t = truncation(parse("y | trunc(lb = 0) ~ 1"), df, df["y"].to_numpy(), FAMILIES["gaussian"])
    >>> t.lb.tolist(), t.ub
    ([0.0, 0.0], None)
    """
    if _addition(terms, "trunc") is None:
        return None
    what = addition_label(terms, "trunc")
    given = {param: _bound(terms, data, param, what, family) for param in ("lb", "ub")}
    lb = np.full(len(data), -np.inf) if given["lb"] is None else given["lb"]
    ub = np.full(len(data), np.inf) if given["ub"] is None else given["ub"]
    crossed = ~(lb < ub)
    if crossed.any():
        pos = int(np.flatnonzero(crossed)[0])
        raise SpecError(
            f"{what} needs lb < ub; {row_label(data.index, pos)} has lb = {lb[pos]:g} "
            f"and ub = {ub[pos]:g}."
        )
    outside = np.zeros(len(data), bool) if y is None else (y < lb) | (y > ub)
    if outside.any():
        pos = int(np.flatnonzero(outside)[0])
        raise SpecError(
            f"Response {terms.response.expr!r} must lie within the bounds of {what}; "  # type: ignore[union-attr]
            f"{row_label(data.index, pos)} has {y[pos]:g} outside [{lb[pos]:g}, {ub[pos]:g}]."  # type: ignore[index]
        )
    kind = np.int64 if family.discrete else float
    return Truncation(
        *(None if v is None or not np.isfinite(v).any() else v.astype(kind) for v in given.values())
    )


def _bound(
    terms: FormulaTerms, data: pd.DataFrame, param: str, what: str, family: Family
) -> np.ndarray | None:
    """The bound ``param`` (``lb`` or ``ub``) of ``trunc()``, checked; None if not given."""
    values = addition_values(terms, "trunc", data, param)
    if values is None:
        return None
    values = numeric(values, f"bound {param} of {what}")
    bad = np.isnan(values) | (values == (np.inf if param == "lb" else -np.inf))
    if family.discrete:
        bad |= ~np.isfinite(values) | (values != np.round(values))
    if bad.any():
        rule = "finite integers" if family.discrete else "numbers"
        raise SpecError(
            f"The bound {param} of {what} must be {rule} for family {family.name!r}; "
            f"{first_bad(values, bad, data.index)}."
        )
    if family.discrete:
        check_stan_int(values, f"Bound {param} of {what}", data.index)
    return values


def _custom_columns(terms: FormulaTerms, kind: str, data: pd.DataFrame) -> list[np.ndarray]:
    """The checked columns of ``vint(...)`` (integers) or ``vreal(...)`` (finite reals)."""
    assert terms.response is not None
    addition = terms.response.addition(kind)
    if addition is None:
        return []
    out = []
    for param, arg in zip(addition.params, addition.args, strict=True):
        values = addition_values(terms, kind, data, param)
        assert values is not None  # every argument of vint() is given
        what = f"{arg} of {addition.label}"
        x = numeric(values, what)
        check_finite(x, what, data.index)
        if kind == "vint":
            bad = x != np.round(x)
            if bad.any():
                raise SpecError(f"{what} must be integers; {first_bad(x, bad, data.index)}.")
            check_stan_int(x, what, data.index)
            x = x.astype(np.int64)
        out.append(x)
    return out


def custom_data(terms: FormulaTerms, data: pd.DataFrame) -> dict[str, np.ndarray]:
    """The data of ``vint(...)`` and ``vreal(...)`` by brms's names (``vint1``, ``vint2``,
    ``vreal1``): integers and finite reals, checked; empty without them.

    Examples
    --------
    >>> from pybrms.formula import parse
    >>> df = pd.DataFrame({"y": [1, 2], "n": [5, 6], "z": [0.5, 1.5]})
    >>> {k: v.tolist() for k, v in custom_data(parse("y | vint(n) + vreal(z) ~ 1"), df).items()}
    {'vint1': [5, 6], 'vreal1': [0.5, 1.5]}
    """
    return {
        f"{kind}{i}": values
        for kind in ("vint", "vreal")
        for i, values in enumerate(_custom_columns(terms, kind, data), start=1)
    }
