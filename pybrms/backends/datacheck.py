"""Check data against a Stan program's declarations before anything runs.

stanc's ``--info`` lists each data variable with its base type and number of
dimensions. Missing variables, arrays with the wrong number of dimensions,
non-integer values for ``int`` declarations and integers beyond Stan's 32-bit
``int`` are reported here with the variable's name; size mismatches between
variables are left to the model's constructor, whose message also names the
variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from pybrms.errors import DataError

# Stan's int is a 32-bit signed integer.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def check_data(data: Mapping[str, Any], inputs: Mapping[str, Mapping[str, Any]]) -> None:
    """Raise :class:`DataError` if ``data`` cannot satisfy the declared ``inputs``.

    Parameters
    ----------
    data
        Variable name -> value (scalars, lists, numpy arrays).
    inputs
        stanc ``--info`` ``inputs``: name -> {"type": "int" | "real" | "vector" | ...,
        "dimensions": int} where dimensions counts array and vector/matrix dimensions.

    Examples
    --------
    >>> check_data({"N": 2.5}, {"N": {"type": "int", "dimensions": 0}})
    Traceback (most recent call last):
    ...
    pybrms.errors.DataError: data variable 'N' is declared int but has non-integer value 2.5
    >>> check_data({"N": 2**40}, {"N": {"type": "int", "dimensions": 0}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pybrms.errors.DataError: data variable 'N' ... value 1099511627776, outside Stan's 32-bit ...
    """
    missing = [name for name in inputs if name not in data]
    if missing:
        raise DataError(f"data lacks variable(s) {', '.join(missing)} declared by the Stan program")
    for name, declaration in inputs.items():
        _check_variable(name, np.asarray(data[name]), declaration)


def _check_variable(name: str, value: np.ndarray, declaration: Mapping[str, Any]) -> None:
    base_type = declaration["type"]
    expected = declaration["dimensions"]  # array and container dimensions together
    # An empty array cannot tell how many dimensions it has.
    if value.size and value.ndim != expected:
        raise DataError(
            f"data variable {name!r} is declared with {expected} dimension(s) ({base_type}) "
            f"but has shape {value.shape}"
        )
    if base_type == "int" and value.size:
        if not (np.issubdtype(value.dtype, np.integer) or np.issubdtype(value.dtype, np.floating)):
            raise DataError(f"data variable {name!r} is declared int but has dtype {value.dtype}")
        bad = value[~np.isfinite(value) | (value != np.round(value))]
        if bad.size:
            raise DataError(
                f"data variable {name!r} is declared int but has non-integer value {bad.flat[0]}"
            )
        # int64 and float64 data hold integers far beyond 2**31.
        outside = value[(value < INT_MIN) | (value > INT_MAX)]
        if outside.size:
            raise DataError(
                f"data variable {name!r} is declared int but has value {int(outside.flat[0])}, "
                f"outside Stan's 32-bit integer range [{INT_MIN}, {INT_MAX}]"
            )
