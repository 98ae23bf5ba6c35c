"""The data of the linear predictors for post-processing: the fitted rows or new data.

New data are materialized the way the fit was: population- and group-level
designs through the formulaic ``ModelSpec`` kept in each term's
:class:`~pybrms.spec.frame.Design` (same contrasts, levels and transform
state), group labels through :func:`~pybrms.spec.frame.group_levels` and then
mapped onto the fitted levels. Nothing here looks at draws.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from formulaic.errors import DataMismatchWarning

from pybrms.errors import SpecError
from pybrms.formula import FormulaTerms
from pybrms.formula.expressions import NAMESPACE
from pybrms.spec.additions import addition_values, known_se, rate_denominators, truncation
from pybrms.spec.build import response_from_data
from pybrms.spec.frame import Design, check_columns, evaluate, group_levels
from pybrms.spec.model_spec import ModelSpec, Predictor, Response
from pybrms.spec.names import brms_column_names
from pybrms.spec.terms import GroupEffects

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
    X
        Uncentered design ``(N, K)`` of the coefficients ``b`` (no intercept
        column), or None without coefficients.
    offset
        Sum of the offsets, or None.
    groups
        One entry per group-level term of the predictor.
    """

    predictor: Predictor
    X: np.ndarray | None
    offset: np.ndarray | None
    groups: tuple[GroupData, ...]


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
    """

    N: int
    predictors: tuple[PredictorData, ...]
    trials: np.ndarray | None
    se: np.ndarray | None = None
    denom: np.ndarray | None = None
    lb: np.ndarray | None = None
    ub: np.ndarray | None = None


def prediction_data(
    spec: ModelSpec, newdata: pd.DataFrame | None = None, *, allow_new_levels: bool = False
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
    >>> new.predictors[0].X.tolist(), new.predictors[0].groups[0].new_levels
    ([[2.0]], ('c',))
    """
    r = spec.response
    if newdata is None:
        predictors = tuple(_fitted_predictor(p) for p in spec.predictors)
        return PredictionData(spec.N, predictors, r.trials, r.se, r.denom, r.lb, r.ub)
    if not isinstance(newdata, pd.DataFrame):
        raise SpecError(f"newdata must be a pandas DataFrame, got {type(newdata).__name__}.")
    _check_finite(newdata, spec.formula.variables - _lhs_variables(spec, "response", "cens"))
    predictors = tuple(_new_predictor(spec, p, newdata, allow_new_levels) for p in spec.predictors)
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
    )


# Addition terms whose columns new rows need for predictions (brms reads them too);
# log_lik also needs the response, weights and cens().
_PREDICTION_ADDITIONS = ("trials", "se", "rate", "trunc")


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
    check_columns(
        newdata, _lhs_variables(spec, "response", "weights", "cens", *_PREDICTION_ADDITIONS)
    )
    return response_from_data(
        spec.formula.mu, newdata, spec.family.family, nthres=spec.response.nthres or None
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


def _formula_terms(spec: ModelSpec, dpar: str) -> FormulaTerms:
    return spec.formula.mu if dpar == "mu" else spec.formula.dpars[dpar]


def _fitted_predictor(p: Predictor) -> PredictorData:
    X = None
    if p.fixed is not None and p.fixed.coefs:
        X = _select(p.fixed.design.matrix, p.fixed.design.names, p.fixed.coefs)
    groups = tuple(GroupData(g, g.design.matrix, g.J - 1, ()) for g in p.groups)
    offset = p.offset.values if p.offset is not None else None
    return PredictorData(p, X, offset, groups)


def _new_predictor(
    spec: ModelSpec, p: Predictor, newdata: pd.DataFrame, allow_new_levels: bool
) -> PredictorData:
    X = None
    if p.fixed is not None and p.fixed.coefs:
        X = _materialize(p.fixed.design, p.fixed.coefs, newdata)
    offset = None
    if p.offset is not None:
        exprs = _formula_terms(spec, p.dpar).offsets
        offset = sum(np.asarray(evaluate(e, newdata), dtype=float) for e in exprs)
    groups = tuple(_new_group(g, newdata, allow_new_levels) for g in p.groups)
    return PredictorData(p, X, offset, groups)


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
    Z = _materialize(g.design, g.coefs, newdata)
    return GroupData(g, Z, codes[index - 1], new_levels)


def _materialize(design: Design, columns: tuple[str, ...], newdata: pd.DataFrame) -> np.ndarray:
    """Columns ``columns`` of ``design`` for ``newdata``, encoded as in the fit."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DataMismatchWarning)
            matrix = design.model_spec.get_model_matrix(
                newdata, context=NAMESPACE, na_action="raise"
            )
    except DataMismatchWarning as exc:
        raise SpecError(f"newdata has values not seen in the fit: {exc}") from None
    except Exception as exc:  # formulaic raises many types; report them as one
        raise SpecError(f"Cannot build the design matrix for newdata: {exc}") from exc
    all_names = brms_column_names(design.model_spec)
    return _select(np.asarray(matrix, dtype=float), all_names, columns)


def _select(matrix: np.ndarray, names: tuple[str, ...], columns: tuple[str, ...]) -> np.ndarray:
    return matrix[:, [names.index(c) for c in columns]]
