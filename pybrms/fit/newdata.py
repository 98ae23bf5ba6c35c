"""The data of the linear predictors for post-processing: the fitted rows or new data.

New data are materialized the way the fit was: population- and group-level
designs through the formulaic ``ModelSpec`` kept in each term's
:class:`~pybrms.spec.frame.Design` (same contrasts, levels and transform
state), group labels through :func:`~pybrms.spec.frame.group_levels` and then
mapped onto the fitted levels. Nothing here looks at draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.spec.build import addition_values, response_from_data
from pybrms.spec.frame import check_columns, group_levels
from pybrms.spec.model_spec import ModelSpec, Predictor, Response
from pybrms.spec.terms import GroupEffects, RowRequest, Term

__all__ = ["GroupData", "PredictionData", "PredictorData", "prediction_data", "response_data"]


@dataclass(frozen=True, eq=False)
class GroupData:
    """The rows of one group-level term.

    Attributes
    ----------
    term
        The fitted term.
    Z
        Group-level design ``(N, M)``, columns in the order of ``term.coefs``.
    index
        0-based level of every row: fitted levels first (``term.levels``), then
        ``new_levels``.
    new_levels
        Labels not seen in the fit, in the order of their indices.
    """

    term: GroupEffects
    Z: np.ndarray
    index: np.ndarray
    new_levels: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class PredictorData:
    """The rows of one linear predictor.

    Attributes
    ----------
    predictor
        The fitted predictor.
    groups
        One entry per group-level term of the predictor.
    terms
        The other terms and their rows (:meth:`pybrms.spec.terms.Term.rows`).
    """

    predictor: Predictor
    groups: tuple[GroupData, ...]
    terms: tuple[tuple[Term, object], ...]


@dataclass(frozen=True, eq=False)
class PredictionData:
    """Everything but draws that predictions need: rows, designs and trials.

    Attributes
    ----------
    N
        Number of rows.
    predictors
        One entry per predictor of the spec, in the spec's order.
    trials
        Number of trials per row (binomial), else None.
    """

    N: int
    predictors: tuple[PredictorData, ...]
    trials: np.ndarray | None


def prediction_data(
    spec: ModelSpec,
    newdata: pd.DataFrame | None = None,
    *,
    allow_new_levels: bool = False,
    group_coefs: Mapping[str, frozenset[str]] | None = None,
) -> PredictionData:
    """Designs, group indices and trials of the fitted rows or of ``newdata``.

    Parameters
    ----------
    spec
        The fitted model.
    newdata
        New rows; None uses the rows of the fit. The response column is not needed.
    allow_new_levels
        Accept grouping levels that are not in the fit (their effects are
        drawn later); otherwise such levels raise.
    group_coefs
        Grouping -> the group-level coefficients to include (brms's ``re_formula``,
        see :func:`pybrms.fit.re_formula.group_coefs`); None includes all. Terms
        left out entirely read no columns of ``newdata``.

    Returns
    -------
    PredictionData

    Raises
    ------
    SpecError
        For a missing column, a missing or infinite value of a predictor (naming
        the column and the row), a category or grouping level not seen in the
        fit (naming the variable or group and the level).

    Examples
    --------
    >>> import pandas as pd
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [1, 0, 3, 2], "x": [0.1, 0.5, 0.9, 1.3], "g": list("aabb")})
    >>> spec = build_spec("y ~ x + (1 | g)", df, family="poisson")
    >>> new = prediction_data(spec, pd.DataFrame({"x": [2.0], "g": ["c"]}), allow_new_levels=True)
    >>> [(type(t).__name__, rows.tolist()) for t, rows in new.predictors[0].terms]
    [('FixedEffects', [[2.0]])]
    >>> new.predictors[0].groups[0].new_levels
    ('c',)
    """
    request = RowRequest(newdata, allow_new_levels, group_coefs)
    if newdata is None:
        return PredictionData(
            spec.N, tuple(_predictor_data(p, request) for p in spec.predictors),
            spec.response.trials,
        )
    if not isinstance(newdata, pd.DataFrame):
        raise SpecError(f"newdata must be a pandas DataFrame, got {type(newdata).__name__}.")
    _check_finite(newdata, spec.formula.variables - _lhs_variables(spec, "response"))
    predictors = tuple(_predictor_data(p, request) for p in spec.predictors)
    check_columns(newdata, _lhs_variables(spec, "trials"))
    trials = addition_values(spec.formula.mu, "trials", newdata)
    if trials is not None:
        trials = np.asarray(trials, dtype=np.int64)
    return PredictionData(len(newdata), predictors, trials)


def response_data(spec: ModelSpec, newdata: pd.DataFrame | None = None) -> Response:
    """Response values, trials and weights of the fitted rows or of ``newdata``.

    New responses are checked as at fitting time (range, integers, trials).

    Examples
    --------
    >>> import pandas as pd
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [1, 0, 3, 2], "x": [0.1, 0.5, 0.9, 1.3]})
    >>> spec = build_spec("y ~ x", df, family="poisson")
    >>> response_data(spec, pd.DataFrame({"y": [4], "x": [1.0]})).values.tolist()
    [4]
    """
    if newdata is None:
        return spec.response
    check_columns(newdata, _lhs_variables(spec, "response", "trials", "weights"))
    return response_from_data(spec.formula.mu, newdata, spec.family.family,
                              nthres=spec.response.nthres or None)


def _check_finite(newdata: pd.DataFrame, variables: frozenset[str]) -> None:
    """Refuse NaN and infinite values in the numeric columns the predictors read."""
    for column in newdata.columns:
        values = newdata[column]
        if column not in variables or not pd.api.types.is_numeric_dtype(values):
            continue
        bad = np.flatnonzero(~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan)))
        if bad.size:
            row = newdata.index[bad[0]]
            row = row.item() if isinstance(row, np.generic) else row
            more = f" (and {bad.size - 1} more rows)" if bad.size > 1 else ""
            raise SpecError(
                f"newdata column {column!r} has the non-finite value {values.iloc[bad[0]]} in "
                f"row {row!r}{more}; predictors must be finite "
                "numbers."
            )


def _lhs_variables(spec: ModelSpec, *parts: str) -> frozenset[str]:
    """Data columns named by the response (``"response"``) and the addition terms ``parts``."""
    response = spec.formula.mu.response
    assert response is not None  # the main formula always has a response
    names = {response.expr} if "response" in parts else set()
    names |= {arg for a in response.additions if a.name in parts for arg in a.args}
    return frozenset(names) & spec.formula.variables


def _predictor_data(p: Predictor, request: RowRequest) -> PredictorData:
    groups = []
    for g in p.groups:
        coefs = request.group_coefs
        keep = None if coefs is None else coefs.get(g.group, frozenset())
        if keep is not None and not keep & set(g.coefs):
            continue
        if request.newdata is None:
            data = GroupData(g, g.design.matrix, g.J - 1, ())
        else:
            data = _new_group(g, request.newdata, request.allow_new_levels)
        if keep is not None:
            mask = np.array([c in keep for c in g.coefs], dtype=float)
            data = replace(data, Z=data.Z * mask)
        groups.append(data)
    return PredictorData(p, tuple(groups), _term_rows(p, request))


def _term_rows(p: Predictor, request: RowRequest) -> tuple[tuple[Term, object], ...]:
    """The terms other than group-level effects, with their rows."""
    others = (t for t in p.terms if not isinstance(t, GroupEffects))
    return tuple((t, t.rows(request)) for t in others)


def _new_group(g: GroupEffects, newdata: pd.DataFrame, allow_new_levels: bool) -> GroupData:
    check_columns(newdata, g.factors)
    missing = newdata[list(g.factors)].isna().any(axis=1).to_numpy()
    if missing.any():
        row = newdata.index[int(np.flatnonzero(missing)[0])]
        raise SpecError(f"newdata row {row!r} has a missing value in grouping {g.group!r}.")
    labels, index = group_levels(newdata, g.factors)
    fitted = {level: k for k, level in enumerate(g.levels)}
    new_levels = tuple(level for level in labels if level not in fitted)
    if new_levels and not allow_new_levels:
        shown = ", ".join(repr(level) for level in new_levels[:5])
        more = f" and {len(new_levels) - 5} more" if len(new_levels) > 5 else ""
        raise SpecError(
            f"Level(s) {shown}{more} of group {g.group!r} are not in the fitted data. "
            "Use allow_new_levels=True to draw their effects from the fitted "
            "group-level distribution."
        )
    position = {**fitted, **{level: len(g.levels) + k for k, level in enumerate(new_levels)}}
    codes = np.array([position[level] for level in labels], dtype=np.int64)
    Z = g.design.columns(g.coefs, newdata)
    return GroupData(g, Z, codes[index - 1], new_levels)
