"""brms's ``stanvar()``: Stan code the user adds to the generated program.

pybrms takes the code of the ``functions`` block (what a custom family's density
needs); brms's other blocks and data passed through ``stanvar(x, name)`` are not
supported yet and say so before anything is compiled.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pybrms.errors import SpecError

__all__ = ["Stanvar", "Stanvars", "as_stanvars", "stanvar"]

#: brms's blocks of ``stanvar()``; pybrms supports the first.
_BLOCKS = ("functions", "data", "tdata", "parameters", "tparameters", "model", "genquant")


@dataclass(frozen=True)
class Stanvar:
    """Stan code for one block of the program (brms's ``stanvar``).

    Attributes
    ----------
    scode
        The Stan code, inserted as it is.
    block
        The program block: ``"functions"``.
    """

    scode: str
    block: str = "functions"

    def defines(self, name: str) -> bool:
        """Whether the code defines the Stan function ``name``.

        Examples
        --------
        >>> stanvar(scode="real f_lpdf(real y, real mu) { return 0; }").defines("f_lpdf")
        True
        """
        return re.search(rf"\b{re.escape(name)}\s*\(", self.scode) is not None


Stanvars = Stanvar | Sequence[Stanvar]


def stanvar(
    scode: str | None = None,
    block: str = "functions",
    *,
    x: object = None,
    name: str | None = None,
) -> Stanvar:
    """Stan code to add to the program, as brms's ``stanvar(scode = ..., block = ...)``.

    Parameters
    ----------
    scode
        Stan code: for ``block="functions"``, function definitions, such as the
        density (``<name>_lpmf`` or ``<name>_lpdf``) of a :func:`pybrms.custom_family`.
    block
        The block of the program; pybrms supports ``"functions"``.
    x, name
        brms's data passed to the program; not supported yet (a :class:`SpecError`
        says so, naming ``name``).

    Returns
    -------
    Stanvar
        Pass it, or a list of them, as ``stanvars=`` to :func:`pybrms.brm`,
        :func:`pybrms.stancode`, :func:`pybrms.write_stan` or :func:`pybrms.get_prior`.

    Raises
    ------
    SpecError
        For code that is not a string, a block other than ``"functions"``, or data
        (``x``, ``name``).

    Examples
    --------
    >>> sv = stanvar("real twice(real x) { return 2 * x; }", block="functions")
    >>> sv.block
    'functions'
    """
    if x is not None or name is not None:
        raise SpecError(
            f"stanvar(x, name={name!r}): data passed to the program is not supported yet by "
            "pybrms; stanvar(scode=..., block='functions') is (the functions of a custom "
            "family)."
        )
    if not isinstance(scode, str) or not scode.strip():
        raise SpecError(f"stanvar(scode=...) takes Stan code as a non-empty string; got {scode!r}.")
    if block not in _BLOCKS:
        raise SpecError(
            f"stanvar(block={block!r}): unknown block; brms's blocks are {', '.join(_BLOCKS)}."
        )
    if block != "functions":
        raise SpecError(
            f"stanvar(block={block!r}) is not supported yet by pybrms; "
            "only block='functions' is (the functions of a custom family)."
        )
    return Stanvar(scode, block)


def as_stanvars(value: Stanvars | None) -> tuple[Stanvar, ...]:
    """A tuple of stanvars from None, one stanvar or a list of them.

    Examples
    --------
    >>> as_stanvars(None), len(as_stanvars(stanvar("void f() {}")))
    ((), 1)
    """
    if value is None:
        return ()
    items = (value,) if isinstance(value, Stanvar) else tuple(value)
    for item in items:
        if not isinstance(item, Stanvar):
            raise SpecError(
                "stanvars takes pybrms.stanvar(...) results (one or a list); "
                f"got {type(item).__name__} {item!r}."
            )
    return items
