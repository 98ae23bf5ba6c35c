"""The data of the linear predictors for post-processing: the fitted rows or new data.

New data are materialized the way the fit was: population- and group-level
designs through the formulaic ``ModelSpec`` kept in each term's
:class:`~pybrms.spec.frame.Design` (same contrasts, levels and transform
state), group labels through :func:`~pybrms.spec.frame.group_levels` and then
mapped onto the fitted levels. Nothing here looks at draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.spec.additions import (
    addition_values,
    custom_data,
    known_se,
    rate_denominators,
    truncation,
)
from pybrms.spec.build import response_from_data
from pybrms.spec.frame import check_columns
from pybrms.spec.model_spec import ModelSpec, Predictor, Response
from pybrms.spec.terms import RowRequest, Term
from pybrms.spec.terms.base import SampleNewLevels

__all__ = ["PredictionData", "PredictorData", "prediction_data", "response_data"]


@dataclass(frozen=True, eq=False)
class PredictorData:
    """The rows of one linear predictor.

    Attributes
    ----------
    predictor
        The fitted predictor.
    terms
        The included terms and their rows (:meth:`pybrms.spec.terms.Term.rows`).
    """

    predictor: Predictor
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
    se, denom, lb, ub
        Known standard errors (``se()``), rate denominators (``rate()``) and
        truncation bounds (``trunc()``) per row, each None when not in the model.
    vars
        The data of ``vint()`` and ``vreal()`` of a custom family (``vint1``, ...).
    """

    N: int
    predictors: tuple[PredictorData, ...]
    trials: np.ndarray | None
    se: np.ndarray | None = None
    denom: np.ndarray | None = None
    lb: np.ndarray | None = None
    ub: np.ndarray | None = None
    vars: dict[str, np.ndarray] = field(default_factory=dict)


def prediction_data(
    spec: ModelSpec,
    newdata: pd.DataFrame | None = None,
    *,
    allow_new_levels: bool = False,
    group_coefs: Mapping[str, frozenset[str]] | None = None,
    sample_new_levels: SampleNewLevels = "uncertainty",
    new_level_seed: int = 0,
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
    sample_new_levels, new_level_seed
        How the effects of new levels are drawn later
        (:class:`~pybrms.spec.terms.base.RowRequest`).

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
    >>> fixed, group = new.predictors[0].terms
    >>> fixed[1].tolist(), group[1].new_levels
    ([[2.0]], ('c',))
    """
    request = RowRequest(newdata, allow_new_levels, group_coefs, sample_new_levels, new_level_seed)
    r = spec.response
    if newdata is None:
        predictors = tuple(_predictor_data(p, request) for p in spec.predictors)
        return PredictionData(spec.N, predictors, r.trials, r.se, r.denom, r.lb, r.ub, r.vars)
    if not isinstance(newdata, pd.DataFrame):
        raise SpecError(f"newdata must be a pandas DataFrame, got {type(newdata).__name__}.")
    _check_finite(newdata, spec.formula.variables - _lhs_variables(spec, "response", "cens"))
    predictors = tuple(_predictor_data(p, request) for p in spec.predictors)
    terms = spec.formula.mu
    check_columns(newdata, _lhs_variables(spec, *_PREDICTION_ADDITIONS))
    trials = addition_values(terms, "trials", newdata)
    if trials is not None:
        trials = np.asarray(trials, dtype=np.int64)
    se = known_se(terms, newdata)
    bounds = truncation(terms, newdata, None, spec.family.family)
    return PredictionData(
        len(newdata),
        predictors,
        trials,
        None if se is None else se[0],
        rate_denominators(terms, newdata),
        None if bounds is None else bounds.lb,
        None if bounds is None else bounds.ub,
        custom_data(terms, newdata),
    )


# Addition terms whose columns new rows need for predictions (brms reads them too);
# log_lik also needs the response, weights and cens().
_PREDICTION_ADDITIONS = ("trials", "se", "rate", "trunc", "vint", "vreal")


def response_data(spec: ModelSpec, newdata: pd.DataFrame | None = None) -> Response:
    """Response values, trials and weights of the fitted rows (in the user's order) or
    of ``newdata``.

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
        return spec.input_response
    check_columns(
        newdata, _lhs_variables(spec, "response", "weights", "cens", *_PREDICTION_ADDITIONS)
    )
    family = spec.family.family
    return response_from_data(
        spec.formula.mu,
        newdata,
        family,
        nthres=spec.response.nthres or None,
        categories=spec.response.categories if family.per_category else (),
    )


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
    """Each term with its rows; terms whose rows are None are left out."""
    found = ((t, t.rows(request)) for t in p.terms)
    return PredictorData(p, tuple((t, rows) for t, rows in found if rows is not None))
