"""``subset()``: the rows of one response of a multivariate model, as brms's.

``bf(y1 | subset(s1) ~ x) + bf(y2 ~ x)`` fits ``y1`` to the rows where ``s1`` is
true and ``y2`` to all rows. As brms (``subset_data``, ``na_omit``), a row is
dropped only when a variable of a response is missing in a row that response
uses, so the columns of ``y1`` may be missing where ``s1`` is false.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.formula import BrmsFormula
from pybrms.formula.terms import LOGICAL_VALUES
from pybrms.spec.additions import addition_values
from pybrms.spec.frame import keep_rows, row_label

__all__ = ["complete_mv_rows", "subset_of"]


def subset_of(bform: BrmsFormula, data: pd.DataFrame) -> np.ndarray | None:
    """The rows of the response of ``bform`` (booleans), None without ``subset()``.

    Values are read as R's ``as.logical``: booleans, numbers (not 0 is true) or the
    words ``TRUE``/``FALSE`` (``T``/``F``, any case).

    Raises
    ------
    SpecError
        For a missing or unreadable value, or a subset without rows.

    Examples
    --------
    >>> from pybrms.formula import bf
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0], "s": [1, 0, 2]})
    >>> subset_of(bf("y | subset(s) ~ 1"), df).tolist()
    [True, False, True]
    """
    terms = bform.mu
    assert terms.response is not None  # bf() refuses a main formula without one
    addition = terms.response.addition("subset")
    if addition is None:
        return None
    values = addition_values(terms, "subset", data)
    assert values is not None  # subset() has one required argument
    column = pd.Series(values, index=data.index)
    missing = column.isna().to_numpy()
    if missing.any():
        raise SpecError(
            f"{addition.label}: subset variables may not contain missing values, as in brms; "
            f"the value of {row_label(data.index, int(np.flatnonzero(missing)[0]))} is missing."
        )
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        out = column.to_numpy(dtype=float) != 0
    else:
        words = {k.upper(): v for k, v in LOGICAL_VALUES.items()}
        bad = [v for v in column if str(v).upper() not in words]
        if bad:
            raise SpecError(
                f"{addition.label}: values must be logical (True/False, 1/0, 'TRUE'/'FALSE'), "
                f"got {bad[0]!r}."
            )
        out = np.array([words[str(v).upper()] for v in column], dtype=bool)
    if not out.any():
        raise SpecError(
            f"{addition.label} keeps no row: every value is false; each subset needs at "
            "least one row."
        )
    return out


def complete_mv_rows(
    formulas: Sequence[BrmsFormula],
    data: pd.DataFrame,
    subsets: Sequence[np.ndarray | None],
    ignored: frozenset[str] = frozenset(),
) -> tuple[pd.DataFrame, list[np.ndarray | None]]:
    """The rows without missing values in the rows each response uses (brms's
    ``na_omit``), warning if any are dropped, and the subsets of the rows kept. Columns
    in ``ignored`` (those whose missing values ``mi()`` estimates) may be missing.

    Examples
    --------
    >>> from pybrms.formula import bf
    >>> df = pd.DataFrame({"y1": [1.0, None, 3.0], "y2": [1.0, 2.0, 3.0],
    ...                    "s": [True, False, True]})
    >>> forms = [bf("y1 | subset(s) ~ 1"), bf("y2 ~ 1")]
    >>> rows, subsets = complete_mv_rows(forms, df, [subset_of(f, df) for f in forms])
    >>> len(rows), subsets[0].tolist()
    (3, [True, False, True])
    """
    keep = np.ones(len(data), dtype=bool)
    for bform, subset in zip(formulas, subsets, strict=True):
        used = sorted(bform.variables - ignored)
        complete = data[used].notna().all(axis=1).to_numpy()
        keep &= complete if subset is None else complete | ~subset
    rows = keep_rows(data, keep)
    return rows, [None if s is None else s[keep] for s in subsets]
