"""Known covariance matrices between grouping levels, ``gr(g, cov = A)`` with
``data2 = {"A": A}`` (brms's ``validate_recov_matrix`` and ``Lcov_<id>``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pybrms.errors import SpecError

__all__ = ["known_cov_cholesky"]


def known_cov_cholesky(
    name: str, group: str, levels: tuple[str, ...], data2: Mapping[str, object] | None
) -> np.ndarray:
    """The lower Cholesky factor of ``data2[name]`` over ``levels``, in their order.

    ``data2[name]`` is a square pandas DataFrame whose index (and columns) are the
    levels, symmetric and positive definite; levels it has beyond ``levels`` are
    dropped, as brms does.

    Raises
    ------
    SpecError
        If ``name`` is not in ``data2``, the matrix is not a labelled square DataFrame,
        is not symmetric or not positive definite, or lacks a level (naming it).

    Examples
    --------
    >>> A = pd.DataFrame([[1.0, 0.5], [0.5, 1.0]], index=["b", "a"], columns=["b", "a"])
    >>> known_cov_cholesky("A", "g", ("a", "b"), {"A": A}).round(3).tolist()
    [[1.0, 0.0], [0.5, 0.866]]
    """
    if data2 is None or name not in data2:
        found = ", ".join(map(repr, data2 or {})) or "none"
        raise SpecError(
            f"Covariance matrix {name!r} of gr({group}, cov = {name}) was not found in "
            f"data2 (found: {found}); pass data2={{{name!r}: A}}."
        )
    matrix = data2[name]
    where = f"Covariance matrix {name!r} of grouping {group!r}"
    if not isinstance(matrix, pd.DataFrame):
        raise SpecError(
            f"{where} must be a pandas DataFrame whose index and columns are the levels "
            f"of {group!r}; got {type(matrix).__name__}."
        )
    rows, columns = [str(v) for v in matrix.index], [str(v) for v in matrix.columns]
    if rows != columns:
        raise SpecError(f"{where} needs the same labels, in the same order, as index and columns.")
    missing = [level for level in levels if level not in rows]
    if missing:
        shown = ", ".join(map(repr, missing[:5]))
        raise SpecError(f"{where} has no row for level(s) {shown} of {group!r}.")
    values = matrix.to_numpy(dtype=float)
    if not np.allclose(values, values.T, rtol=1e-8, atol=1e-10):
        raise SpecError(f"{where} must be symmetric.")
    position = {label: k for k, label in enumerate(rows)}
    order = [position[level] for level in levels]
    try:
        return np.linalg.cholesky(values[np.ix_(order, order)])
    except np.linalg.LinAlgError:
        raise SpecError(f"{where} must be positive definite.") from None
