"""Smooth terms of a formula, ``s(x)`` and ``t2(x, z)``, read as mgcv's arguments.

Only the syntax is checked here (covariates are column names, options are
supported and well-formed); the bases are built from the data by
:mod:`pybrms.spec.terms.smooth`.

mgcv's ``id`` (smooths with one id share a smoothing parameter in ``gam()``) is
accepted and, as in brms 2.18, changes nothing but the term as written: each
smooth keeps its own basis and its own ``sds`` (brms passes each term to
``smoothCon()`` alone, which does not read ``id``), and the ``coef`` of its
``sds`` prior is the term with its id, ``s(x, id = 1)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pybrms.errors import SpecError
from pybrms.formula.tokens import LOGICAL_VALUES, Argument

__all__ = ["SMOOTH_BASES", "SmoothCall", "smooth_call"]

#: Bases pybrms builds, by mgcv's name.
SMOOTH_BASES = {
    "tp": "thin plate regression spline",
    "cr": "cubic regression spline",
    "cc": "cyclic cubic regression spline",
}

# mgcv arguments pybrms reads, per function.
_OPTIONS = {"s": ("k", "bs", "by", "m", "fx", "id"), "t2": ("k", "bs", "by", "id")}
_NAME = re.compile(r"[A-Za-z.][\w.]*")
_QUOTED = re.compile(r"""(?:"([^"]*)"|'([^']*)')""")


@dataclass(frozen=True)
class SmoothCall:
    """One ``s()`` or ``t2()`` as written.

    Attributes
    ----------
    fun
        ``"s"`` or ``"t2"``.
    covariates
        The data columns smoothed over, in order.
    k
        Basis dimension (``t2``: of each margin), or None for mgcv's default.
    bs
        mgcv's basis name; None for the default (``"tp"`` for ``s``, ``"cr"`` for ``t2``).
    by
        The ``by`` variable, or None.
    m
        The order of the thin plate penalty (``s()`` with ``bs = "tp"``), or None
        for mgcv's default.
    fx
        Whether the smooth is unpenalized (mgcv's ``fx = TRUE``): all its columns
        are then population-level effects ``bs``.
    term
        The term as brms writes it (R's deparse), e.g. ``'s(x, k = 5)'``: the
        ``coef`` of its ``sds`` prior.
    """

    fun: str
    covariates: tuple[str, ...]
    k: int | None = None
    bs: str | None = None
    by: str | None = None
    term: str = ""
    m: int | None = None
    fx: bool = False

    @property
    def basis(self) -> str:
        """The basis, mgcv's default filled in."""
        return self.bs or ("tp" if self.fun == "s" else "cr")

    @property
    def label(self) -> str:
        """brms's label of the smooth: function and variables, ``sxz`` for ``s(x, z)``,
        ``sxf`` for ``s(x, by = f)`` (``frame_sm``)."""
        return self.fun + "".join((*self.covariates, *([self.by] if self.by else [])))


def smooth_call(fun: str, args: tuple[Argument, ...]) -> SmoothCall:
    """Read the arguments of ``s(...)`` or ``t2(...)``.

    Raises
    ------
    SpecError
        For a covariate that is not a column name, an unsupported or repeated
        option, or a bad value; the message names the term and what is supported.

    Examples
    --------
    >>> from pybrms.formula.tokens import Argument, Span
    >>> a = [Argument(None, "x", Span(0, 1)), Argument("bs", '"cr"', Span(0, 1))]
    >>> smooth_call("s", tuple(a)).term
    's(x, bs = "cr")'
    """
    written = f"{fun}({', '.join(_written(a) for a in args)})"
    covariates: list[str] = []
    options: dict[str, str] = {}
    for arg in args:
        if arg.keyword is None:
            if options:
                raise SpecError(f"{written}: the covariates come before the named options.")
            if not _NAME.fullmatch(arg.text):
                raise SpecError(
                    f"{written}: covariate {arg.text!r} must be a column name; "
                    "transform it in the data first."
                )
            covariates.append(arg.text)
            continue
        if arg.keyword not in _OPTIONS[fun]:
            raise SpecError(
                f"{written}: option {arg.keyword!r} is not supported by pybrms; "
                f"supported: {', '.join(_OPTIONS[fun])} (bs one of {', '.join(SMOOTH_BASES)})."
            )
        if arg.keyword in options:
            raise SpecError(f"{written}: option {arg.keyword!r} is given twice.")
        options[arg.keyword] = arg.text
    if not covariates:
        raise SpecError(f"{written} needs at least one covariate, e.g. {fun}(x).")
    if len(set(covariates)) != len(covariates):
        raise SpecError(f"{written}: a covariate appears twice.")
    if fun == "t2" and len(covariates) < 2:
        raise SpecError(f"{written}: t2() is a tensor product of two or more covariates.")
    bs = _basis(options.get("bs"), written)
    if bs is not None and bs != "tp" and fun == "s" and len(covariates) > 1:
        raise SpecError(
            f"{written}: bs = {bs!r} smooths one covariate; s() of several covariates "
            "uses the thin plate basis (bs = 'tp'); for other margins use t2()."
        )
    by = options.get("by")
    if by is not None and (not _NAME.fullmatch(by) or by == "NA"):
        raise SpecError(f"{written}: by must be a column name, got {by!r}.")
    if by in covariates:
        raise SpecError(f"{written}: the by variable {by!r} is also a covariate.")
    k = _k(options.get("k"), written)
    m = _m(options.get("m"), bs, len(covariates), written)
    smooth_id = options.get("id")
    if smooth_id is not None and not re.fullmatch(r"\d+|[A-Za-z.][\w.]*", smooth_id):
        if not _QUOTED.fullmatch(smooth_id):
            raise SpecError(
                f'{written}: id must be a number or a name such as id = 1 or id = "a", '
                f"got {smooth_id!r}."
            )
    fx = options.get("fx", "FALSE")
    if fx not in LOGICAL_VALUES:
        raise SpecError(f"{written}: fx must be TRUE or FALSE, got {fx!r}.")
    term = f"{fun}({', '.join(_written(a) for a in args)})"
    return SmoothCall(fun, tuple(covariates), k, bs, by, term, m, LOGICAL_VALUES[fx])


def _written(arg: Argument) -> str:
    """An argument as R deparses it: ``k = 5``, ``bs = "cr"``."""
    text = arg.text
    quoted = _QUOTED.fullmatch(text)
    if quoted:
        text = f'"{next(g for g in quoted.groups() if g is not None)}"'
    return text if arg.keyword is None else f"{arg.keyword} = {text}"


def _basis(text: str | None, written: str) -> str | None:
    if text is None:
        return None
    quoted = _QUOTED.fullmatch(text)
    value = next(g for g in quoted.groups() if g is not None) if quoted else text
    if value not in SMOOTH_BASES:
        supported = ", ".join(f"{b!r} ({what})" for b, what in SMOOTH_BASES.items())
        raise SpecError(
            f"{written}: bs = {text} is not supported by pybrms; supported: {supported}."
        )
    return value


def _k(text: str | None, written: str) -> int | None:
    if text is None:
        return None
    if not re.fullmatch(r"\d+", text.strip()):
        raise SpecError(
            f"{written}: k must be a whole number such as k = 5 (one k for all margins "
            f"of t2()), got {text!r}."
        )
    return int(text)


def _m(text: str | None, bs: str | None, d: int, written: str) -> int | None:
    """The thin plate penalty order: a whole number with ``2m > d`` (mgcv's condition)."""
    if text is None:
        return None
    if bs not in (None, "tp"):
        raise SpecError(
            f"{written}: m is supported for the thin plate basis (bs = 'tp') only; "
            f"mgcv's {bs!r} basis has a fixed penalty."
        )
    if not re.fullmatch(r"\d+", text.strip()) or 2 * int(text) <= d:
        raise SpecError(
            f"{written}: m must be a whole number with 2m > {d} (the number of "
            f"covariates), e.g. m = {d // 2 + 1}; got {text!r}."
        )
    return int(text)
