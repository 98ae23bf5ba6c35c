"""Bayesian R², brms's ``bayes_R2()`` and ``loo_R2()``.

``bayes_R2``: per draw, ``var(epred) / (var(epred) + var(y - epred))`` over the
observations (Gelman, Goodrich, Gabry and Vehtari, 2019), brms's residual-based
definition. ``loo_R2``: ``1 - var(y - E_loo[epred]) / var(y)`` with PSIS
leave-one-out expectations and Bayesian-bootstrap (Dirichlet) weights over the
observations, clipped to [-1, 1], as brms and rstanarm. Both summarize to one
row, ``R2``; of a multivariate model to one row per response, ``R2<resp>`` (the
response ``resp=`` alone), each over the rows of its response.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pybrms.errors import SpecError, warn_user
from pybrms.fit.arviz import psis_log_weights
from pybrms.fit.draw_ids import pick_draw_ids
from pybrms.fit.estimates import PROBS, summarize_draws
from pybrms.spec.multivariate import MvSpec

if TYPE_CHECKING:
    from pybrms.fit.brmsfit import BrmsFit

__all__ = ["bayes_R2", "loo_R2"]


def bayes_R2(
    fit: BrmsFit,
    *,
    resp: str | None = None,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = PROBS,
    **kwargs: Any,
) -> pd.DataFrame:
    """Bayesian R² of the fitted rows, brms's ``bayes_R2()``.

    Parameters
    ----------
    fit
        The fitted model.
    resp
        A response of a multivariate model: its R² alone; None for every response.
    summary, robust, probs
        As :func:`pybrms.fit.estimates.summarize_draws`; ``summary=False``
        returns the draws of R² (column ``R2``, or ``R2<resp>`` per response).
    **kwargs
        ``re_formula``, ``ndraws``, ``draw_ids``, ``rng`` for ``posterior_epred``.

    Raises
    ------
    SpecError
        For ``resp`` of a univariate model or an unknown response.

    Examples
    --------
    >>> bayes_R2(fit)  # doctest: +SKIP
        Estimate  Est.Error  Q2.5  Q97.5
    R2      0.83       0.02  0.79   0.86
    >>> bayes_R2(mv_fit)  # doctest: +SKIP
          Estimate  Est.Error  Q2.5  Q97.5
    R2y1      0.51       0.04  0.43   0.58
    R2y2      0.22       0.05  0.13   0.31
    """
    columns = {}
    for name, y, epred_args in _responses(fit, resp):
        ypred = _expected(fit, "bayes_R2", **epred_args, **kwargs)
        var_ypred = ypred.var(axis=1, ddof=1)
        var_res = (y - ypred).var(axis=1, ddof=1)
        columns[name] = var_ypred / (var_ypred + var_res)
    return _result(columns, summary, robust, probs)


def _responses(fit: BrmsFit, resp: str | None) -> list[tuple[str, np.ndarray, dict[str, str]]]:
    """(column name, observed response, posterior_epred arguments) of each response:
    ``R2`` of a univariate model, ``R2<resp>`` of each response (or of ``resp``) of a
    multivariate one, as brms."""
    spec = fit.spec
    if not isinstance(spec, MvSpec):
        if resp is not None:
            raise SpecError(f"resp={resp!r} selects a response of a multivariate model.")
        return [("R2", _response(fit), {})]
    parts = spec.parts if resp is None else (spec.part(resp),)
    return [
        (f"R2{p.resp}", np.asarray(p.response.values, dtype=float), {"resp": p.resp}) for p in parts
    ]


def loo_R2(
    fit: BrmsFit,
    *,
    resp: str | None = None,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = PROBS,
    rng: np.random.Generator | int | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Leave-one-out R², brms's ``loo_R2()``.

    Parameters
    ----------
    fit
        The fitted model.
    resp
        A response of a multivariate model: its R² alone; None for every response,
        each from its own expectations and log-likelihood (residual correlations
        aside), as brms.
    summary, robust, probs
        As :func:`bayes_R2`.
    rng
        Random generator (or seed) of the Dirichlet weights and of ``ndraws``.
    **kwargs
        ``re_formula``, ``ndraws``, ``draw_ids`` for ``posterior_epred`` and
        ``log_lik``, which use the same draws.

    Raises
    ------
    SpecError
        For ``resp`` of a univariate model or an unknown response.

    Examples
    --------
    >>> loo_R2(fit, rng=1)  # doctest: +SKIP
    >>> loo_R2(mv_fit, resp="y1", rng=1)  # doctest: +SKIP
    """
    generator = np.random.default_rng(rng)
    chains, draws = fit.draws.num_chains, fit.draws.num_draws
    ids = pick_draw_ids(
        chains * draws,
        ndraws=kwargs.pop("ndraws", None),
        draw_ids=kwargs.pop("draw_ids", None),
        rng=generator,
    )
    # a subset of the draws is not a set of chains: one chain for the relative efficiency
    shape = (chains, draws, -1) if ids is None else (1, len(ids), -1)
    columns = {}
    for name, y, args in _responses(fit, resp):
        ypred = _expected(fit, "loo_R2", draw_ids=ids, **args, **kwargs)
        log_lik = fit.log_lik(draw_ids=ids, **args, **kwargs).reshape(shape)
        columns[name] = _loo_r2(y, ypred, np.exp(psis_log_weights(log_lik)), generator)
    return _result(columns, summary, robust, probs)


def _loo_r2(
    y: np.ndarray, ypred: np.ndarray, weights: np.ndarray, generator: np.random.Generator
) -> np.ndarray:
    """Draws of LOO R² from PSIS weights, with Bayesian-bootstrap weights over rows."""
    err_loo = (weights * ypred).sum(axis=0) - y
    S, N = ypred.shape
    exp_draws = generator.exponential(size=(S, N))
    omega = exp_draws / exp_draws.sum(axis=1, keepdims=True)

    def weighted_var(v: np.ndarray) -> np.ndarray:
        return N / (N - 1) * (omega @ v**2 - (omega @ v) ** 2)

    return np.clip(1 - weighted_var(err_loo) / weighted_var(y), -1.0, 1.0)


def _response(fit: BrmsFit) -> np.ndarray:
    return np.asarray(fit.univariate_spec.input_response.values, dtype=float)


def _expected(fit: BrmsFit, what: str, **kwargs: Any) -> np.ndarray:
    """``posterior_epred``; for ordinal models the expected category ``sum_k k P(Y = k)``."""
    ypred = fit.posterior_epred(**kwargs)
    if ypred.ndim == 3:
        warn_user(
            f"Predictions are treated as continuous variables in '{what}' which is likely "
            "invalid for ordinal families."
        )
        ypred = ypred @ np.arange(1, ypred.shape[2] + 1)
    return ypred


def _result(
    columns: dict[str, np.ndarray], summary: bool, robust: bool, probs: Sequence[float]
) -> pd.DataFrame:
    """Draws of R² (one column per response) or their summary, one row per column."""
    frame = pd.DataFrame(columns)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="draw")
    return summarize_draws(frame, probs, robust) if summary else frame
