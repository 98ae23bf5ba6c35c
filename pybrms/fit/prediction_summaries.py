"""brms's ``fitted()``, ``predict()``, ``predictive_error()`` and ``residuals()``.

Each summarizes draws of :mod:`pybrms.fit.predict` per row, in brms's layout:
one row per observation with Estimate, Est.Error and ``Q2.5``/``Q97.5``. Rows
are labelled by the index of the data (the fitted rows or ``newdata``). With
``summary=False`` the draws are returned, one row per draw and one column per
observation. Ordinal expected values have one block of columns per category,
``P(Y = k)`` (brms's third array dimension), and ordinal predictions are the
share of draws in each category, as brms's ``predict()``.

Keyword arguments such as ``re_formula``, ``ndraws``, ``draw_ids``,
``allow_new_levels`` and ``rng`` are passed to the predictions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.fit.estimates import PROBS, summarize_draws
from pybrms.fit.newdata import response_data
from pybrms.spec.multivariate import MvSpec

if TYPE_CHECKING:
    from pybrms.fit.brmsfit import BrmsFit

__all__ = ["fitted", "predict", "predictive_error", "residuals", "rows_frame"]

Method = Literal["posterior_predict", "posterior_epred", "posterior_linpred"]
METHODS = ("posterior_predict", "posterior_epred", "posterior_linpred")


def fitted(
    fit: BrmsFit,
    newdata: pd.DataFrame | None = None,
    *,
    scale: Literal["response", "linear"] = "response",
    dpar: str | None = None,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = PROBS,
    **kwargs: Any,
) -> pd.DataFrame:
    """Expected values per row, brms's ``fitted()``.

    Parameters
    ----------
    fit
        The fitted model.
    newdata
        Rows to predict; None for the fitted rows.
    scale
        ``"response"`` (``posterior_epred``) or ``"linear"`` (the linear predictor).
    dpar
        A distributional parameter with a formula (``"sigma"``), on the scale
        ``scale``, instead of the expected response.
    summary, robust, probs
        As :func:`pybrms.fit.estimates.summarize_draws`; ``summary=False``
        returns the draws.
    **kwargs
        ``re_formula``, ``ndraws``, ``draw_ids``, ``allow_new_levels``, ``rng``.

    Examples
    --------
    >>> fitted(fit).head(2)  # doctest: +SKIP
       Estimate  Est.Error  Q2.5  Q97.5
    0      1.93       0.14  1.66   2.21
    """
    if scale not in ("response", "linear"):
        raise SpecError(f"scale must be 'response' or 'linear', got {scale!r}.")
    if dpar is None and scale == "response":
        draws = fit.posterior_epred(newdata, **kwargs)
    else:
        draws = fit.posterior_linpred(
            newdata, transform=scale == "response", dpar=dpar or "mu", **kwargs
        )
    index = _row_index(fit, newdata)
    if isinstance(fit.spec, MvSpec):
        return rows_frame(draws, index, summary, robust, probs, responses=_responses(fit, draws))
    return rows_frame(draws, index, summary, robust, probs, fit.spec.response.categories)


def predict(
    fit: BrmsFit,
    newdata: pd.DataFrame | None = None,
    *,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = PROBS,
    **kwargs: Any,
) -> pd.DataFrame:
    """Posterior predictions per row, brms's ``predict()``.

    For ordinal and categorical families the summary has one column ``P(Y = k)``
    per category: the share of predicted draws in that category; for multinomial
    ones, one block of columns per category.

    Examples
    --------
    >>> predict(fit, pd.DataFrame({"x": [0.0, 1.0]}), re_formula="NA")  # doctest: +SKIP
    """
    draws = fit.posterior_predict(newdata, **kwargs)
    index = _row_index(fit, newdata)
    if isinstance(fit.spec, MvSpec):
        return rows_frame(draws, index, summary, robust, probs, responses=_responses(fit, draws))
    labels = fit.spec.response.categories
    if summary and labels and draws.ndim == 2:
        categories = np.arange(1, len(labels) + 1)
        shares = (draws[:, :, np.newaxis] == categories).mean(axis=0)
        return pd.DataFrame(shares, index=index, columns=[f"P(Y = {c})" for c in labels])
    # counts of each category (multinomial): one block per category, as fitted()
    return rows_frame(draws, index, summary, robust, probs, labels)


def _responses(fit: BrmsFit, draws: np.ndarray) -> tuple[str, ...]:
    """The responses of a multivariate model, one block of columns each (as brms's third
    dimension); none for the draws of one response (``resp=``)."""
    assert isinstance(fit.spec, MvSpec)
    return fit.spec.responses if draws.ndim == 3 else ()


def predictive_error(
    fit: BrmsFit,
    newdata: pd.DataFrame | None = None,
    *,
    method: Method = "posterior_predict",
    **kwargs: Any,
) -> pd.DataFrame:
    """Draws of ``y - yrep``, brms's ``predictive_error()``: one row per draw.

    ``yrep`` comes from ``method``: ``"posterior_predict"`` (default),
    ``"posterior_epred"`` or ``"posterior_linpred"``. ``newdata`` must hold
    the response.

    Raises
    ------
    SpecError
        For ordinal models (no predictive errors, as brms) or an unknown method.

    Examples
    --------
    >>> predictive_error(fit, ndraws=100).shape  # doctest: +SKIP
    (100, 80)
    """
    if method not in METHODS:
        raise SpecError(f"method must be one of {', '.join(METHODS)}; got {method!r}.")
    spec = fit.univariate_spec
    if spec.response.categories:
        raise SpecError("Predictive errors are not defined for ordinal or categorical models.")
    y = np.asarray(response_data(spec, newdata).values, dtype=float)
    yrep = getattr(fit, method)(newdata, **kwargs)
    return rows_frame(y - yrep, _row_index(fit, newdata), summary=False)


def residuals(
    fit: BrmsFit,
    newdata: pd.DataFrame | None = None,
    *,
    method: Method = "posterior_predict",
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = PROBS,
    **kwargs: Any,
) -> pd.DataFrame:
    """Summaries of :func:`predictive_error` per row, brms's ``residuals()`` (ordinary type).

    As brms (2.20 and later), ``method`` defaults to ``"posterior_predict"``;
    ``method="posterior_epred"`` gives ``y`` minus the expected value.

    Examples
    --------
    >>> residuals(fit, method="posterior_epred").head(2)  # doctest: +SKIP
    """
    errors = predictive_error(fit, newdata, method=method, **kwargs)
    return summarize_draws(errors, probs, robust) if summary else errors


def rows_frame(
    draws: np.ndarray,
    index: pd.Index,
    summary: bool,
    robust: bool = False,
    probs: Sequence[float] = PROBS,
    categories: Sequence[str] = (),
    responses: Sequence[str] = (),
) -> pd.DataFrame:
    """Draws ``(S, N)`` or ``(S, N, K)`` -> brms's per-row table, or the draws as a frame.

    The blocks of ``(S, N, K)`` draws are ``P(Y = <label>)`` with the labels of
    ``categories`` (default ``1``..``K``), or the ``responses`` of a multivariate model.

    Examples
    --------
    >>> rows_frame(np.array([[1.0, 2.0], [3.0, 4.0]]), pd.Index(["a", "b"]), True, probs=(0.5,))
       Estimate  Est.Error  Q50
    a       2.0   1.414214  2.0
    b       3.0   1.414214  3.0
    """
    if draws.ndim == 2:
        frame = pd.DataFrame(draws, columns=index)
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="draw")
        return summarize_draws(frame, probs, robust) if summary else frame
    labels = categories or [str(k) for k in range(1, draws.shape[2] + 1)]
    names = responses or [f"P(Y = {label})" for label in labels]
    blocks = {
        name: rows_frame(draws[:, :, k], index, summary, robust, probs)
        for k, name in enumerate(names)
    }
    return pd.concat(blocks, axis=1)


def _row_index(fit: BrmsFit, newdata: pd.DataFrame | None) -> pd.Index:
    return fit.spec.input_data.index if newdata is None else newdata.index
