"""The registry of EBNM prior families: one explicit dict from name to family."""

from __future__ import annotations

from pybrms.errors import FlashError
from pybrms.flash.ebnm.family import Family
from pybrms.flash.ebnm.point_exponential import POINT_EXPONENTIAL
from pybrms.flash.ebnm.point_laplace import POINT_LAPLACE
from pybrms.flash.ebnm.point_normal import NORMAL, POINT_NORMAL
from pybrms.flash.ebnm.scale_mixture import NORMAL_SCALE_MIXTURE

FAMILIES: dict[str, Family] = {
    "normal": NORMAL,
    "point_normal": POINT_NORMAL,
    "point_laplace": POINT_LAPLACE,
    "point_exponential": POINT_EXPONENTIAL,
    "normal_scale_mixture": NORMAL_SCALE_MIXTURE,
}


def get_family(family: str | Family) -> Family:
    """The family object for a name (a family object is returned as it is).

    Examples
    --------
    >>> get_family("point_normal").nonnegative
    False
    >>> get_family("cauchy")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pybrms.errors.FlashError: Unknown EBNM family 'cauchy'; choose one of: normal, ...
    """
    if isinstance(family, Family):
        return family
    try:
        return FAMILIES[family]
    except (KeyError, TypeError):
        valid = ", ".join(FAMILIES)
        raise FlashError(f"Unknown EBNM family {family!r}; choose one of: {valid}.") from None
