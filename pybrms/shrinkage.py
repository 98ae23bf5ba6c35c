"""brms's shrinkage priors on a whole class of coefficients: ``horseshoe()`` and ``R2D2()``.

They are not Stan distributions: as brms, the coefficients become
``b = zb .* sdb`` with standard normal ``zb`` and scales ``sdb`` built from
shrinkage parameters with priors of their own (:mod:`pybrms.spec.shrinkage`
writes that part of the model). This module is the syntax side: the prior
strings ``"horseshoe(1)"``, ``"horseshoe(df = 3, par_ratio = 0.1)"`` and
``"R2D2(mean_R2 = 0.5, prec_R2 = 2)"`` are parsed strictly, with brms's
arguments, defaults and checks, as :func:`pybrms.priors.prior` accepts them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields
from typing import ClassVar

from pybrms.errors import SpecError
from pybrms.formula.tokens import LOGICAL_VALUES

__all__ = ["SHRINKAGE_PRIORS", "Horseshoe", "R2D2", "Shrinkage", "parse_shrinkage"]

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NULL = frozenset({"NULL", "None"})
_NAMED = re.compile(r"\s*(\w+)\s*=\s*(.*?)\s*", re.DOTALL)


def _show(value: float | bool | None) -> str:
    """A value as R deparses it in brms's prior strings (``3``, ``0.1``, ``TRUE``, ``NULL``)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return f"{value:.15g}"


def _check(prior: str, arg: str, value: float, ok: bool, expected: str) -> None:
    if not ok:
        raise SpecError(
            f"invalid prior {prior!r}: argument {arg} must be {expected}, got {_show(value)}"
        )


@dataclass(frozen=True)
class Horseshoe:
    """brms's regularized horseshoe prior, ``horseshoe(df = 1, scale_global = 1, ...)``.

    Attributes
    ----------
    df
        Degrees of freedom of the half-Student-t priors of the local scales ``hs_local``.
    scale_global, df_global
        Scale and degrees of freedom of the half-Student-t prior of the global
        scale ``hs_global``; the scale is multiplied by ``sigma`` when
        autoscaling applies.
    scale_slab, df_slab
        Scale and degrees of freedom of the Student-t slab (``hs_slab`` has an
        inverse-gamma prior with shape and scale ``df_slab / 2``).
    par_ratio
        Expected ratio of non-zero to zero coefficients; when given, the global
        scale is ``par_ratio / sqrt(N)`` instead of ``scale_global``.
    autoscale
        Multiply the global scale by the residual standard deviation ``sigma``
        (only for ``mu`` of a family with an estimated, unpredicted ``sigma``).
    main
        brms's marker of the main instance of a prior spanning several classes;
        with the class ``b`` alone it changes nothing.
    call
        The prior string, as brms prints it.

    Examples
    --------
    >>> h = parse_shrinkage("horseshoe(3, par_ratio=0.1)")
    >>> h.df, h.par_ratio, str(h)
    (3.0, 0.1, 'horseshoe(3, par_ratio = 0.1)')
    """

    name: ClassVar[str] = "horseshoe"

    df: float = 1.0
    scale_global: float = 1.0
    df_global: float = 1.0
    scale_slab: float = 2.0
    df_slab: float = 4.0
    par_ratio: float | None = None
    autoscale: bool = True
    main: bool = False
    call: str = field(default="horseshoe()", compare=False, repr=False)

    def __post_init__(self) -> None:
        for arg, what in (
            ("df", "degrees of freedom of the local priors"),
            ("df_global", "degrees of freedom of the global prior"),
            ("scale_global", "scale of the global prior"),
            ("df_slab", "degrees of freedom of the slab"),
            ("scale_slab", "scale of the slab"),
        ):
            value = getattr(self, arg)
            _check(self.call, arg, value, value > 0, f"a positive number ({what})")
        if self.par_ratio is not None:
            _check(
                self.call,
                "par_ratio",
                self.par_ratio,
                self.par_ratio > 0,
                "a positive number (the ratio of non-zero to zero coefficients) or NULL",
            )

    def __str__(self) -> str:
        return self.call


@dataclass(frozen=True)
class R2D2:
    """brms's R2D2 prior, ``R2D2(mean_R2 = 0.5, prec_R2 = 2, cons_D2 = 0.5, ...)``.

    Attributes
    ----------
    mean_R2, prec_R2
        Mean and precision of the beta prior of the coefficient of determination
        ``R2D2_R2``.
    cons_D2
        Concentration of the Dirichlet prior of the variance decomposition
        ``R2D2_phi`` (the same for every coefficient); lower values shrink more.
    autoscale
        Multiply the global variance by ``sigma^2`` (only for ``mu`` of a family
        with an estimated, unpredicted ``sigma``).
    main
        As for :class:`Horseshoe`.
    call
        The prior string, as brms prints it.

    Examples
    --------
    >>> r = parse_shrinkage("R2D2(mean_R2 = 0.8, prec_R2 = 10)")
    >>> r.mean_R2, r.cons_D2, str(r)
    (0.8, 0.5, 'R2D2(mean_R2 = 0.8, prec_R2 = 10)')
    """

    name: ClassVar[str] = "R2D2"

    mean_R2: float = 0.5
    prec_R2: float = 2.0
    cons_D2: float = 0.5
    autoscale: bool = True
    main: bool = False
    call: str = field(default="R2D2()", compare=False, repr=False)

    def __post_init__(self) -> None:
        _check(
            self.call,
            "mean_R2",
            self.mean_R2,
            0 < self.mean_R2 < 1,
            "a number between 0 and 1 (the mean of the beta prior of R2)",
        )
        _check(
            self.call,
            "prec_R2",
            self.prec_R2,
            self.prec_R2 > 0,
            "a positive number (the precision of the beta prior of R2)",
        )
        _check(
            self.call,
            "cons_D2",
            self.cons_D2,
            self.cons_D2 > 0,
            "a positive number (the concentration of the Dirichlet prior)",
        )

    def __str__(self) -> str:
        return self.call


Shrinkage = Horseshoe | R2D2
"""A shrinkage prior on a whole class of coefficients."""

#: The shrinkage priors by name, as written in a prior string.
SHRINKAGE_PRIORS: dict[str, type[Horseshoe] | type[R2D2]] = {"horseshoe": Horseshoe, "R2D2": R2D2}

_LOGICAL_ARGS = frozenset({"autoscale", "main"})
_NULLABLE_ARGS = frozenset({"par_ratio"})


def _value(text: str, arg: str, where: str) -> float | bool | None:
    """A literal argument: a finite number, TRUE/FALSE for logical arguments, NULL
    where brms accepts it."""
    if arg in _LOGICAL_ARGS:
        if text not in LOGICAL_VALUES:
            raise SpecError(f"invalid prior {where}: argument {arg} must be TRUE or FALSE")
        return LOGICAL_VALUES[text]
    if arg in _NULLABLE_ARGS and text in _NULL:
        return None
    if not _NUMBER.fullmatch(text) or not math.isfinite(float(text)):
        expected = "a finite number" + (" or NULL" if arg in _NULLABLE_ARGS else "")
        raise SpecError(f"invalid prior {where}: argument {arg} must be {expected}, got {text!r}")
    return float(text)


def parse_shrinkage(text: str) -> Shrinkage:
    """Parse ``horseshoe(...)`` or ``R2D2(...)`` with brms's arguments, matched as R does.

    Named arguments (``df = 3`` or ``df=3``) are matched first, the positional
    ones then fill the other arguments in brms's order.

    Raises
    ------
    SpecError
        For an unknown argument, one given twice, too many arguments, a value
        that is not a literal of the argument's type or breaks brms's rule, and
        for ``scale_global`` given together with ``par_ratio`` (which replaces it);
        the message names the argument and what is expected.

    Examples
    --------
    >>> parse_shrinkage("horseshoe(1)")
    Horseshoe(df=1.0, scale_global=1.0, df_global=1.0, scale_slab=2.0, df_slab=4.0, \
par_ratio=None, autoscale=True, main=False)
    >>> parse_shrinkage("R2D2(0.5, 2, autoscale = FALSE)").autoscale
    False
    """
    name, _, rest = text.strip().partition("(")
    name = name.strip()
    inner = rest.rstrip().removesuffix(")")
    kind = SHRINKAGE_PRIORS[name]
    where = repr(text.strip())
    order = [f.name for f in fields(kind) if f.name != "call"]
    named: dict[str, str] = {}
    positional: list[str] = []
    for arg in inner.split(",") if inner.strip() else []:
        match = _NAMED.fullmatch(arg)
        if match is None:
            positional.append(arg.strip())
            continue
        key, value = match.groups()
        if key not in order:
            raise SpecError(
                f"invalid prior {where}: {name}() has no argument {key!r}; "
                f"its arguments: {', '.join(order)}"
            )
        if key in named:
            raise SpecError(f"invalid prior {where}: argument {key} is given twice")
        named[key] = value
    free = [a for a in order if a not in named]
    if len(positional) > len(free):
        raise SpecError(
            f"invalid prior {where}: {name}() takes at most {len(order)} arguments "
            f"({', '.join(order)}), got {len(positional) + len(named)}"
        )
    given = dict(zip(free, positional, strict=False)) | named
    values = {arg: _value(value, arg, where) for arg, value in given.items()}
    if values.get("par_ratio") is not None and "scale_global" in values:
        raise SpecError(
            f"invalid prior {where}: give either scale_global or par_ratio, not both; "
            "par_ratio sets the global scale to par_ratio / sqrt(N)"
        )
    shown = [_show(values[a]) for a in free[: len(positional)]]
    shown += [f"{a} = {_show(values[a])}" for a in named]
    return kind(**values, call=f"{name}({', '.join(shown)})")  # type: ignore[arg-type]
