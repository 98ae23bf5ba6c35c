"""brms's ``stanvar()``: Stan code and data the user adds to the generated program.

Code goes into one block of the program (``functions``, ``data``, ``tdata``,
``parameters``, ``tparameters``, ``model``, ``genquant``), at its start or its end
(``position``), as brms places it; ``stanvar(x=value, name="...")`` declares data in
the ``data`` block and passes the value with the model's data. The plain and the
threaded program hold the same code: it never enters the threaded likelihood
(brms's ``likelihood`` block and ``pll_args`` are not supported).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pybrms.errors import SpecError

__all__ = ["Stanvar", "Stanvars", "as_stanvars", "stanvar"]

#: brms's blocks of ``stanvar()`` that pybrms supports.
BLOCKS = ("functions", "data", "tdata", "parameters", "tparameters", "model", "genquant")
_POSITIONS = ("start", "end")
_STAN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Stanvar:
    """Stan code for one block of the program (brms's ``stanvar``).

    Attributes
    ----------
    scode
        The Stan code, inserted as it is.
    block
        The program block, one of :data:`BLOCKS`.
    position
        ``"start"`` or ``"end"`` of the block.
    name
        The name of the data (``block="data"``), else ``""``.
    value
        The data passed to the program (``block="data"``), else None.
    """

    scode: str
    block: str = "functions"
    position: str = "start"
    name: str = ""
    # an array: left out of comparisons and hashing (the name identifies the data)
    value: Any = field(default=None, compare=False)

    def defines(self, name: str) -> bool:
        """Whether the code defines the Stan function ``name``.

        Examples
        --------
        >>> stanvar(scode="real f_lpdf(real y, real mu) { return 0; }").defines("f_lpdf")
        True
        """
        return re.search(rf"\b{re.escape(name)}\s*\(", self.scode) is not None


Stanvars = Stanvar | Sequence[Stanvar]


def _data_value(x: object, name: str) -> tuple[Any, str]:
    """The value of ``x`` for the program and its declaration, as brms infers them:
    ``int``/``array[n] int`` for integers, ``real``/``vector[n]`` for other numbers,
    ``matrix[r, c]`` for a two-dimensional array."""
    value = np.asarray(x)
    if value.dtype == bool or not np.issubdtype(value.dtype, np.number) or value.ndim > 2:
        raise SpecError(
            f"stanvar(x, name={name!r}): cannot infer the Stan declaration of "
            f"{type(x).__name__} {x!r}; pass numbers (a scalar, a 1-d or a 2-d array), or "
            "give the declaration as scode=..."
        )
    if not np.isfinite(value).all():
        raise SpecError(f"stanvar(x, name={name!r}): x has non-finite values.")
    integer = np.issubdtype(value.dtype, np.integer)
    if value.ndim == 0:
        return (int(value) if integer else float(value)), f"{'int' if integer else 'real'} {name};"
    if value.ndim == 1:
        kind = f"array[{value.size}] int" if integer else f"vector[{value.size}]"
        return value.astype(int if integer else float), f"{kind} {name};"
    return value.astype(float), f"matrix[{value.shape[0]}, {value.shape[1]}] {name};"


def stanvar(
    scode: str | None = None,
    block: str | None = None,
    *,
    x: object = None,
    name: str | None = None,
    position: str = "start",
) -> Stanvar:
    """Stan code or data to add to the program, as brms's ``stanvar()``.

    Parameters
    ----------
    scode
        Stan code: function definitions (``block="functions"``, such as the density
        of a :func:`pybrms.custom_family`), declarations or statements; for data,
        its declaration (inferred from ``x`` when not given).
    block
        The block of the program: ``"functions"``, ``"data"``, ``"tdata"``
        (transformed data), ``"parameters"``, ``"tparameters"`` (transformed
        parameters), ``"model"`` or ``"genquant"`` (generated quantities). By
        default ``"data"`` when ``x`` is given, else ``"functions"`` (brms's
        default is always ``"data"``).
    x, name
        Data passed to the program under ``name``: a number or a 1-d or 2-d array
        (``int``, ``array[n] int``, ``real``, ``vector[n]`` or ``matrix[r, c]``).
    position
        ``"start"`` or ``"end"`` of the block, as brms; not for ``functions``, ``data``.

    Returns
    -------
    Stanvar
        Pass it, or a list of them, as ``stanvars=`` to :func:`pybrms.brm`,
        :func:`pybrms.stancode`, :func:`pybrms.standata`, :func:`pybrms.write_stan`
        or :func:`pybrms.get_prior`.

    Raises
    ------
    SpecError
        For code that is not a string, an unknown block or position, data without
        a valid name, or a value whose declaration cannot be inferred.

    Examples
    --------
    >>> stanvar("real twice(real x) { return 2 * x; }").block
    'functions'
    >>> stanvar(x=2.5, name="tau_scale").scode
    'real tau_scale;'
    >>> stanvar("real tau2 = square(tau);", block="genquant", position="end").position
    'end'
    """
    block = block or ("data" if x is not None else "functions")
    if block not in BLOCKS:
        raise SpecError(
            f"stanvar(block={block!r}) is not supported; pybrms supports the blocks "
            f"{', '.join(BLOCKS)}."
        )
    if position not in _POSITIONS:
        raise SpecError(f"stanvar(position={position!r}): expected 'start' or 'end'.")
    if position == "end" and block in ("functions", "data"):
        raise SpecError(f"stanvar(position='end') is not sensible for block {block!r}.")
    if block == "data":
        if x is None:
            raise SpecError(f"stanvar(block='data', name={name!r}) needs the data as x=...")
        if not isinstance(name, str) or not _STAN_NAME.match(name):
            raise SpecError(
                f"stanvar(x, name={name!r}): name must be a valid Stan variable name "
                "(a letter, then letters, digits or underscores)."
            )
        value, declaration = _data_value(x, name)
        return Stanvar(scode or declaration, block, position, name, value)
    if x is not None:
        raise SpecError(f"stanvar(x=..., block={block!r}): data goes into block='data'.")
    if not isinstance(scode, str) or not scode.strip():
        raise SpecError(f"stanvar(scode=...) takes Stan code as a non-empty string; got {scode!r}.")
    return Stanvar(scode, block, position)


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
    names = [item.name for item in items if item.block == "data"]
    for name in names:
        if names.count(name) > 1:
            raise SpecError(f"stanvars pass the data {name!r} twice.")
    return items
