"""Data-dependent facts: checked columns, complete rows, design matrices, group indices.

Everything that looks at data before the spec is frozen lives here; each
function is pure and returns new objects.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import formulaic
import numpy as np
import pandas as pd
from formulaic.errors import DataMismatchWarning

from pybrms.errors import SpecError, warn_user
from pybrms.formula.expressions import NAMESPACE
from pybrms.spec.names import brms_column_names

__all__ = [
    "Design",
    "check_columns",
    "check_finite",
    "complete_rows",
    "design_matrix",
    "evaluate",
    "group_levels",
    "numeric",
    "row_label",
]


def check_columns(data: pd.DataFrame, variables: Iterable[str]) -> None:
    """Raise a SpecError naming every variable that is not a column of ``data``.

    Examples
    --------
    >>> check_columns(pd.DataFrame({"count": [1]}), ["cont"])
    Traceback (most recent call last):
    ...
    pybrms.errors.SpecError: Column 'cont' is not in the data (did you mean 'count'?).
    """
    columns = [str(c) for c in data.columns]
    duplicated = sorted(set(data.columns[data.columns.duplicated()].map(str)))
    if duplicated:
        raise SpecError(
            f"The data have more than one column named {', '.join(map(repr, duplicated))}; "
            "column names must be unique (rename or drop the copies)."
        )
    problems = []
    for name in sorted(set(variables) - set(columns)):
        close = difflib.get_close_matches(name, columns, n=3)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        problems.append(f"Column {name!r} is not in the data{hint}.")
    if problems:
        raise SpecError(" ".join(problems))


def complete_rows(data: pd.DataFrame, variables: Iterable[str]) -> pd.DataFrame:
    """Keep the rows without missing values in ``variables``, warning if any are dropped.

    The index is kept, so that error messages can name rows as the user knows them.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     out = complete_rows(pd.DataFrame({"y": [1.0, None, 3.0]}), ["y"])
    >>> len(out), str(caught[0].message)
    (2, 'Dropped 1 of 3 rows with missing values in the variables used by the model.')
    """
    used = sorted(set(variables))
    keep = data[used].notna().all(axis=1).to_numpy() if used else np.ones(len(data), bool)
    return keep_rows(data, keep)


def keep_rows(data: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The rows of ``data`` where ``keep`` holds, warning at the user's call about
    those dropped for missing values.

    Raises
    ------
    SpecError
        If no row is left.

    Examples
    --------
    >>> keep_rows(pd.DataFrame({"y": [1.0, 2.0]}), np.array([True, True])).shape
    (2, 1)
    """
    dropped = int((~keep).sum())
    if dropped:
        warn_user(
            f"Dropped {dropped} of {len(data)} rows with missing values "
            "in the variables used by the model."
        )
    if not keep.any():
        raise SpecError("No rows are left after dropping rows with missing values.")
    return data.loc[keep]


@dataclass(frozen=True, eq=False)
class Design:
    """A materialized design matrix with brms's column names.

    Attributes
    ----------
    matrix
        Array ``(N, K)``.
    names
        brms's column names (``Intercept``, ``zAge``, ``Trt1``, ...).
    model_spec
        formulaic's ModelSpec, which keeps the encoding (levels, contrasts,
        transform state) so that new data can be materialized the same way.
    """

    matrix: np.ndarray
    names: tuple[str, ...]
    model_spec: formulaic.ModelSpec

    def columns(self, columns: tuple[str, ...], newdata: pd.DataFrame | None = None) -> np.ndarray:
        """The columns ``columns`` of the fitted rows, or of ``newdata`` encoded as in the fit.

        Raises
        ------
        SpecError
            When ``newdata`` has values the fit has not seen (a new category) or
            the design cannot be built for it.

        Examples
        --------
        >>> d = design_matrix("1 + x + g", pd.DataFrame({"x": [0.5, 1.0], "g": ["a", "b"]}))
        >>> d.columns(("gb",), pd.DataFrame({"x": [3.0], "g": ["b"]})).tolist()
        [[1.0]]
        """
        if newdata is None:
            return self.matrix[:, [self.names.index(c) for c in columns]]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", DataMismatchWarning)
                matrix = self.model_spec.get_model_matrix(
                    newdata, context=NAMESPACE, na_action="raise"
                )
        except DataMismatchWarning as exc:
            raise SpecError(f"newdata has values not seen in the fit: {exc}") from None
        except Exception as exc:  # formulaic raises many types; report them as one
            raise SpecError(f"Cannot build the design matrix for newdata: {exc}") from exc
        names = brms_column_names(self.model_spec)
        return np.asarray(matrix, dtype=float)[:, [names.index(c) for c in columns]]


def check_finite(values: np.ndarray, what: str, index: pd.Index) -> None:
    """Raise a SpecError naming ``what`` and the first row whose value is not finite.

    Stan rejects infinite data only when sampling starts, after the compile, and
    without saying which column is to blame; this says it first.

    Examples
    --------
    >>> check_finite(np.array([1.0, np.inf]), "Offset 'log(t)'", pd.Index([10, 11]))
    Traceback (most recent call last):
    ...
    pybrms.errors.SpecError: Offset 'log(t)' must be finite; row 11 has inf.
    """
    bad = ~np.isfinite(values)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        value = float(values[pos])
        raise SpecError(f"{what} must be finite; {row_label(index, pos)} has {value!r}.")


def numeric(values: np.ndarray, what: str) -> np.ndarray:
    """``values`` as floats (booleans as 0 and 1), or a SpecError naming ``what``.

    Examples
    --------
    >>> numeric(np.array([True, False]), "offset 'b'").tolist()
    [1.0, 0.0]
    """
    if values.dtype == bool:
        return values.astype(float)
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"The {what} must be numeric; got values such as {values[0]!r}.") from exc


def row_label(index: pd.Index, pos: int) -> str:
    """``row <label>`` of position ``pos``, with the label as the user's index shows it.

    Examples
    --------
    >>> row_label(pd.Index([10, 11]), 1), row_label(pd.Index(["a", "b"]), 0)
    ('row 11', "row 'a'")
    """
    label = index[pos]
    return f"row {(label.item() if isinstance(label, np.generic) else label)!r}"


def design_matrix(rhs: str, data: pd.DataFrame) -> Design:
    """Materialize a formulaic right-hand side with treatment contrasts, as R does.

    Python factors are evaluated in :data:`~pybrms.formula.expressions.NAMESPACE`
    (data columns, formulaic's transforms and numpy math; the formula stage has
    already refused anything else). Every column must be finite.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [0.5, 1.0, 2.0], "g": ["a", "b", "a"]})
    >>> d = design_matrix("1 + x + g", df)
    >>> d.names, d.matrix.shape
    (('Intercept', 'x', 'gb'), (3, 3))
    """
    mm = _model_matrix(rhs, data)
    model_spec = mm.model_spec
    matrix = np.asarray(mm, dtype=float)
    for column, values in zip(model_spec.column_names, matrix.T, strict=True):
        check_finite(values, f"Predictor {column!r} (from '{rhs}')", data.index)
    return Design(matrix, brms_column_names(model_spec), model_spec)


def _model_matrix(rhs: str, data: pd.DataFrame) -> formulaic.ModelMatrix:
    try:
        # log(0) and the like are reported by check_finite, naming the row
        with np.errstate(divide="ignore", invalid="ignore"):
            return formulaic.model_matrix(rhs, data, context=NAMESPACE, na_action="raise")
    except Exception as exc:  # formulaic raises many types; report them as one
        raise SpecError(f"Cannot build the design matrix of '{rhs}': {exc}") from exc


def evaluate(expr: str, data: pd.DataFrame) -> np.ndarray:
    """Values of a column or of a Python expression such as ``log(t)`` or ``t**2``.

    The expression is evaluated as Python code (``{...}`` for formulaic), never
    as formula terms: an offset ``t**2`` is the square of ``t``, not ``t``.
    The caller checks the values (finite, in range) and names them in errors.

    Examples
    --------
    >>> evaluate("log(t)", pd.DataFrame({"t": [1.0, np.e]})).round(6).tolist()
    [0.0, 1.0]
    >>> evaluate("t**2", pd.DataFrame({"t": [1.0, 3.0]})).tolist()
    [1.0, 9.0]
    """
    if expr in data.columns:
        return data[expr].values
    mm = _model_matrix(f"0 + {{{expr}}}", data)
    if mm.shape[1] != 1:
        raise SpecError(f"Expression '{expr}' must give one numeric column.")
    return np.asarray(mm, dtype=float)[:, 0]


def group_levels(
    data: pd.DataFrame, factors: tuple[str, ...]
) -> tuple[tuple[str, ...], np.ndarray]:
    """Levels of a grouping factor and the 1-based level index of every row.

    One factor keeps its natural order (categories of a pandas Categorical,
    numeric order for numbers, sorted strings otherwise); a combination such as
    ``g1:g2`` joins the values with ``_`` and sorts the results, as brms does.

    Examples
    --------
    >>> levels, J = group_levels(pd.DataFrame({"g": [3, 1, 3, 10]}), ("g",))
    >>> levels, J.tolist()
    (('1', '3', '10'), [2, 1, 2, 3])
    """
    if len(factors) == 1:
        column = data[factors[0]]
        if isinstance(column.dtype, pd.CategoricalDtype):
            present = set(column)
            ordered = [c for c in column.cat.categories if c in present]
        else:
            ordered = sorted(set(column))
        labels = [str(v) for v in ordered]
        codes = {v: i for i, v in enumerate(ordered)}
        index = np.array([codes[v] for v in column], dtype=np.int64) + 1
        return tuple(labels), index
    joined = data[list(factors)].astype(str).agg("_".join, axis=1)
    labels = sorted(set(joined))
    codes = {v: i for i, v in enumerate(labels)}
    return tuple(labels), np.array([codes[v] for v in joined], dtype=np.int64) + 1
