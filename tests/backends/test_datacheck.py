"""The backend's last check of int data: integers beyond Stan's 32-bit int are named."""

from __future__ import annotations

import numpy as np
import pytest

from pybrms.backends.datacheck import check_data
from pybrms.errors import DataError, PybrmsError

COUNT = {"type": "int", "dimensions": 0}
COUNTS = {"type": "int", "dimensions": 1}


@pytest.mark.parametrize(
    ("value", "declaration", "shown"),
    [
        (2**40, COUNT, "1099511627776"),
        (-(2**31) - 1, COUNT, "-2147483649"),
        ([1, 2, 2**31], COUNTS, "2147483648"),
        (np.array([5, 2**40], dtype=np.int64), COUNTS, "1099511627776"),
        (2.0**40, COUNT, "1099511627776"),
    ],
)
def test_int_beyond_32_bits_is_named_with_its_value(value, declaration, shown):
    with pytest.raises(DataError) as info:
        check_data({"n": value}, {"n": declaration})
    assert isinstance(info.value, PybrmsError)
    message = str(info.value)
    assert "'n'" in message and shown in message
    assert "outside Stan's 32-bit integer range [-2147483648, 2147483647]" in message
    assert "non-int" not in message


@pytest.mark.parametrize("value", [2**31 - 1, -(2**31), [0, 2**31 - 1]])
def test_int_range_bounds_are_accepted(value):
    check_data({"n": value}, {"n": COUNT if np.ndim(value) == 0 else COUNTS})
