"""Post-processing over posterior draws: linear predictors, log-likelihood, predictions.

Every function takes the fitted :class:`~pybrms.spec.model_spec.ModelSpec` and
the Stan variables of a fit (:meth:`pybrms.draws.Draws.variables`: name ->
array ``(chains, draws, *dims)``) and works on all draws at once, as brms's
``prepare_predictions`` does: draws are flattened chain by chain to
``S = chains * draws`` rows, and results are arrays ``(S, N)``.

Linear predictors are built from the spec's terms (population-level design and
coefficients, offsets, group-level effects indexed by level), so the same code
serves the fitted rows and new data. The family's record
(:class:`pybrms.spec.families.Family`) holds its log-likelihood, expected value
and random draws, following brms's ``log_lik_<family>``,
``posterior_epred_<family>`` and ``posterior_predict_<family>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.fit.censoring import response_log_lik, truncated_epred, truncated_predict
from pybrms.fit.draw_ids import select_draws
from pybrms.fit.newdata import (
    PredictionData,
    PredictorData,
    response_data,
)
from pybrms.fit.re_formula import select_prediction_data
from pybrms.spec.families import DparDraws
from pybrms.spec.families.mixture import mixture_thetas
from pybrms.spec.model_spec import ModelSpec
from pybrms.spec.terms.base import SAMPLE_NEW_LEVELS, SampleNewLevels, Variables, draws_of
from pybrms.spec.terms.time_cov import SeriesRows, TimeCovariance

__all__ = [
    "linear_predictors",
    "log_lik",
    "posterior_epred",
    "posterior_linpred",
    "posterior_predict",
]

RngLike = np.random.Generator | int | None


def linear_predictors(
    spec: ModelSpec,
    variables: Variables,
    newdata: pd.DataFrame | None = None,
    *,
    allow_new_levels: bool = False,
    sample_new_levels: SampleNewLevels = "uncertainty",
    re_formula: str | None = None,
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    rng: RngLike = None,
) -> dict[str, np.ndarray]:
    """Draws of the linear predictor of ``mu`` and of every predicted parameter.

    As brms, the linear predictor of an ordinal model excludes the thresholds.

    Parameters
    ----------
    spec
        The fitted model.
    variables
        Stan variables of the fit, name -> ``(chains, draws, *dims)``
        (:meth:`pybrms.draws.Draws.variables`).
    newdata
        Rows to predict; None uses the rows of the fit. Categorical encodings,
        centering and grouping levels are those of the fit.
    allow_new_levels
        Accept grouping levels that are not in the fit; their effects are drawn
        as ``sample_new_levels`` says.
    sample_new_levels
        brms's ways of drawing the effects of a new level: ``"uncertainty"``
        (default), in each draw those of an existing level picked at random for
        that draw, so that the draws show the variation across existing levels;
        ``"gaussian"``, from the multivariate normal given by the draw's
        standard deviations and correlations; ``"old_levels"``, all draws of one
        existing level picked at random. Each new level is drawn on its own; the
        terms on one grouping pick the same existing levels.
    re_formula
        Group-level terms to include, as brms: None all, ``"NA"`` none, or a
        formula such as ``"~ (1 | g)"`` for only those.
    ndraws, draw_ids
        Use ``ndraws`` draws picked at random, or the 1-based draws ``draw_ids``;
        None for all draws.
    rng
        Random generator (or seed) for the effects of new levels and ``ndraws``.

    Returns
    -------
    dict
        Parameter name (``"mu"``, ``"sigma"``, ...) -> array ``(S, N)``.

    Raises
    ------
    SpecError
        For new data that cannot be encoded as in the fit, e.g. an unknown
        grouping level without ``allow_new_levels``.
    DataError
        When ``variables`` lacks a variable the model needs, or one is not
        shaped ``(chains, draws, ...)``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [1, 0, 3, 2], "x": [0.0, 1.0, 2.0, 3.0]})
    >>> spec = build_spec("y ~ x", df, family="poisson")
    >>> variables = {"b": np.array([[[0.5], [1.0]]]), "b_Intercept": np.array([[0.0, 1.0]])}
    >>> linear_predictors(spec, variables)["mu"]
    array([[0. , 0.5, 1. , 1.5],
           [1. , 2. , 3. , 4. ]])
    >>> linear_predictors(spec, variables, pd.DataFrame({"x": [10.0]}))["mu"]
    array([[ 5.],
           [11.]])
    """
    generator = np.random.default_rng(rng)
    data, variables = _prepare(
        spec,
        variables,
        newdata,
        _RowOptions(allow_new_levels, sample_new_levels, re_formula),
        ndraws,
        draw_ids,
        generator,
    )
    etas = _linear_predictors(data, variables, generator)
    return {dpar: _returned(spec, newdata, eta) for dpar, eta in etas.items()}


def posterior_linpred(
    spec: ModelSpec,
    variables: Variables,
    newdata: pd.DataFrame | None = None,
    *,
    transform: bool = False,
    dpar: str = "mu",
    allow_new_levels: bool = False,
    sample_new_levels: SampleNewLevels = "uncertainty",
    re_formula: str | None = None,
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    rng: RngLike = None,
) -> np.ndarray:
    """Draws of one linear predictor, as brms's ``posterior_linpred()``.

    Parameters
    ----------
    spec, variables, newdata, ndraws, draw_ids, rng
        As in :func:`linear_predictors`.
    allow_new_levels, sample_new_levels, re_formula
        As in :func:`linear_predictors`.
    transform
        Apply the inverse link of the parameter.
    dpar
        ``"mu"`` or a parameter with its own formula.

    Returns
    -------
    numpy.ndarray
        Array ``(S, N)``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [1, 0, 3, 2], "x": [0.0, 1.0, 2.0, 3.0]})
    >>> spec = build_spec("y ~ x", df, family="poisson")
    >>> variables = {"b": np.array([[[0.5]]]), "b_Intercept": np.array([[0.0]])}
    >>> posterior_linpred(spec, variables, transform=True).round(3)
    array([[1.   , 1.649, 2.718, 4.482]])
    """
    etas = linear_predictors(
        spec,
        variables,
        newdata,
        allow_new_levels=allow_new_levels,
        sample_new_levels=sample_new_levels,
        re_formula=re_formula,
        ndraws=ndraws,
        draw_ids=draw_ids,
        rng=rng,
    )
    if dpar not in etas:
        raise SpecError(
            f"{dpar!r} has no linear predictor; predicted parameters: {', '.join(etas)}."
        )
    if not transform:
        return etas[dpar]
    link = next(p.link for p in spec.predictors if p.dpar == dpar)
    return link.inverse(etas[dpar])


def posterior_epred(
    spec: ModelSpec,
    variables: Variables,
    newdata: pd.DataFrame | None = None,
    *,
    allow_new_levels: bool = False,
    sample_new_levels: SampleNewLevels = "uncertainty",
    re_formula: str | None = None,
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    rng: RngLike = None,
) -> np.ndarray:
    """Draws of the expected value of the response, as brms's ``posterior_epred()``.

    ``mu`` for most families, ``trials * mu`` for binomial,
    ``exp(mu + sigma^2 / 2)`` for lognormal, and for ordinal families the
    probability of every category, ``(S, N, K)``. For a truncated model
    (``trunc()``), the mean of the distribution within each row's bounds.

    Parameters
    ----------
    spec, variables, newdata, ndraws, draw_ids, rng
        As in :func:`linear_predictors`; ``newdata`` needs no response column.
    allow_new_levels, sample_new_levels, re_formula
        As in :func:`linear_predictors`.

    Returns
    -------
    numpy.ndarray
        Array ``(S, N)``, or ``(S, N, K)`` for ordinal families.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"s": [1, 0, 3, 2], "n": [4, 4, 5, 5], "x": [0.0, 1.0, 2.0, 3.0]})
    >>> spec = build_spec("s | trials(n) ~ x", df, family="binomial")
    >>> variables = {"b": np.array([[[0.0]]]), "b_Intercept": np.array([[0.0]])}
    >>> posterior_epred(spec, variables)
    array([[2. , 2. , 2.5, 2.5]])
    """
    generator = np.random.default_rng(rng)
    data, variables = _prepare(
        spec,
        variables,
        newdata,
        _RowOptions(allow_new_levels, sample_new_levels, re_formula),
        ndraws,
        draw_ids,
        generator,
    )
    draws = _dpar_draws(spec, data, variables, generator)
    family = spec.family.family
    if data.lb is not None or data.ub is not None:
        return _returned(spec, newdata, truncated_epred(family, draws, data.lb, data.ub))
    return _returned(spec, newdata, family.epred(draws))


def posterior_predict(
    spec: ModelSpec,
    variables: Variables,
    newdata: pd.DataFrame | None = None,
    *,
    allow_new_levels: bool = False,
    sample_new_levels: SampleNewLevels = "uncertainty",
    re_formula: str | None = None,
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    rng: RngLike = None,
) -> np.ndarray:
    """Draws from the posterior predictive distribution, as brms's ``posterior_predict()``.

    One response per posterior draw and row, drawn from the family with that
    draw's parameters; ordinal responses are categories ``1..K``. As brms, the
    known standard errors of ``se()`` join ``sigma``, ``rate()`` scales the
    mean, responses of a truncated model lie within the bounds of ``trunc()``
    (drawn by inverting the cdf), and censoring is ignored. With ``cosy()`` or
    ``ar(cov = TRUE)``, the rows of each time series are drawn together, correlated
    as the model says.

    Parameters
    ----------
    spec, variables, newdata, ndraws, draw_ids
        As in :func:`linear_predictors`; ``newdata`` needs no response column.
    allow_new_levels, sample_new_levels, re_formula
        As in :func:`linear_predictors`.
    rng
        Random generator (or seed) for the responses, any new levels and ``ndraws``.

    Returns
    -------
    numpy.ndarray
        Array ``(S, N)``; integers for discrete families.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [1.0, 0.2, 3.1, 2.4], "x": [0.0, 1.0, 2.0, 3.0]})
    >>> spec = build_spec("y ~ x", df)
    >>> variables = {"b": np.ones((2, 50, 1)), "b_Intercept": np.zeros((2, 50)),
    ...              "sigma": np.full((2, 50), 1e-9)}
    >>> posterior_predict(spec, variables, rng=1).shape
    (100, 4)
    >>> bool(np.allclose(posterior_predict(spec, variables, rng=1), [0, 1, 2, 3], atol=1e-6))
    True
    """
    generator = np.random.default_rng(rng)
    data, variables = _prepare(
        spec,
        variables,
        newdata,
        _RowOptions(allow_new_levels, sample_new_levels, re_formula),
        ndraws,
        draw_ids,
        generator,
    )
    draws = _dpar_draws(spec, data, variables, generator)
    family = spec.family.family
    series = _time_series(data)
    if series is not None:
        term, rows = series
        out = term.predict(draws, rows, variables, generator)
    elif data.lb is not None or data.ub is not None:
        out = truncated_predict(family, draws, data.lb, data.ub, generator)
    else:
        out = family.predict(draws, generator)
    return _returned(spec, newdata, out)


def log_lik(
    spec: ModelSpec,
    variables: Variables,
    newdata: pd.DataFrame | None = None,
    *,
    allow_new_levels: bool = False,
    sample_new_levels: SampleNewLevels = "uncertainty",
    re_formula: str | None = None,
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    rng: RngLike = None,
) -> np.ndarray:
    """Pointwise log-likelihood of every draw, as brms's ``log_lik()``.

    With ``weights()``, each row's log density is multiplied by its weight,
    as in the Stan program; a censored row (``cens()``) contributes the log
    probability of its censoring interval, and a truncated row (``trunc()``)
    its log density minus the log probability within its bounds. Summed over
    rows, the result is the log-likelihood term of the model's log density;
    except with ``cosy()`` or ``ar(cov = TRUE)``, where, as brms's, each row's
    value is its density given the other rows of its time series.

    Parameters
    ----------
    spec, variables, newdata, ndraws, draw_ids, rng
        As in :func:`linear_predictors`; ``newdata`` must hold the response and
        the columns of its addition terms.
    allow_new_levels, sample_new_levels, re_formula
        As in :func:`linear_predictors`.

    Returns
    -------
    numpy.ndarray
        Array ``(S, N)``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [0, 1, 1, 1], "x": [0.0, 1.0, 2.0, 3.0]})
    >>> spec = build_spec("y ~ x", df, family="bernoulli")
    >>> variables = {"b": np.zeros((1, 1, 1)), "b_Intercept": np.zeros((1, 1))}
    >>> log_lik(spec, variables).round(4)
    array([[-0.6931, -0.6931, -0.6931, -0.6931]])
    """
    # the fitted rows in the order of the Stan data, as the draws below
    response = spec.response if newdata is None else response_data(spec, newdata)
    generator = np.random.default_rng(rng)
    data, variables = _prepare(
        spec,
        variables,
        newdata,
        _RowOptions(allow_new_levels, sample_new_levels, re_formula),
        ndraws,
        draw_ids,
        generator,
    )
    draws = _dpar_draws(spec, data, variables, generator)
    family = spec.family.family
    series = _time_series(data)
    if series is not None:
        term, rows = series
        return _returned(spec, newdata, term.log_lik(draws, response.values, rows, variables))
    out = response_log_lik(family, draws, response)
    out = out if response.weights is None else out * response.weights
    return _returned(spec, newdata, out)


def _returned(spec: ModelSpec, newdata: pd.DataFrame | None, rows: np.ndarray) -> np.ndarray:
    """Draws of the fitted rows in the user's order of the rows (the Stan data of an ARMA
    model orders them by time, as brms's ``old_order``); those of new rows as they are."""
    return spec.in_input_order(rows) if newdata is None else rows


@dataclass(frozen=True)
class _RowOptions:
    """The arguments that decide the rows and group-level effects of a prediction."""

    allow_new_levels: bool
    sample_new_levels: SampleNewLevels
    re_formula: str | None


def _prepare(
    spec: ModelSpec,
    variables: Variables,
    newdata: pd.DataFrame | None,
    options: _RowOptions,
    ndraws: int | None,
    draw_ids: Sequence[int] | None,
    rng: np.random.Generator,
) -> tuple[PredictionData, Variables]:
    """The rows (with the group-level terms of ``re_formula``) and the draws to use."""
    if options.sample_new_levels not in SAMPLE_NEW_LEVELS:
        raise SpecError(
            f"sample_new_levels must be one of {', '.join(map(repr, SAMPLE_NEW_LEVELS))}; "
            f"got {options.sample_new_levels!r}."
        )
    variables = select_draws(variables, ndraws=ndraws, draw_ids=draw_ids, rng=rng)
    # drawn only when new levels may come, so other predictions keep their random streams
    seed = int(rng.integers(2**63)) if options.allow_new_levels else 0
    data = select_prediction_data(
        spec,
        newdata,
        allow_new_levels=options.allow_new_levels,
        sample_new_levels=options.sample_new_levels,
        new_level_seed=seed,
        re_formula=options.re_formula,
    )
    return data, variables


def _linear_predictors(
    data: PredictionData, variables: Variables, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    first = np.shape(next(iter(variables.values())))
    start = np.zeros((first[0] * first[1], data.N))
    etas = {p.predictor.dpar: _linear_predictor(p, variables, start, rng) for p in data.predictors}
    for p in data.predictors:
        nl = p.predictor.nonlinear
        if nl is not None:
            # the covariates are the only term of a non-linear predictor
            covariates = np.asarray(p.terms[0][1]) if p.terms else np.zeros((data.N, 0))
            etas[p.predictor.dpar] = start + nl.evaluate(
                {name: etas[name] for name in nl.nlpars}, covariates
            )
    return etas


def _linear_predictor(
    data: PredictorData, variables: Variables, start: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """``start`` plus every term of one predictor, then the terms' updates of the sum."""
    eta = sum((term.eta(rows, variables, rng) for term, rows in data.terms), start=start)
    for term, rows in data.terms:
        eta = term.update_eta(eta, rows, variables)
    return eta


def _time_series(data: PredictionData) -> tuple[TimeCovariance, SeriesRows] | None:
    """The time-series covariance structure of mu and its series at the rows, if any."""
    found = (
        (term, rows)
        for term, rows in data.predictors[0].terms
        if isinstance(term, TimeCovariance) and isinstance(rows, SeriesRows)
    )
    return next(found, None)


def _dpar_draws(
    spec: ModelSpec, data: PredictionData, variables: Variables, rng: np.random.Generator
) -> DparDraws:
    etas = _linear_predictors(data, variables, rng)
    mu = spec.predictors[0]
    family = spec.family.family
    predictors = tuple(p for p in spec.predictors if not p.nlpar)
    if family.per_category:
        # the categories' linear predictors side by side, the reference category's 0
        mus = [etas[p.dpar] for p in predictors if p.dpar not in family.dpar_names]
        predictors = tuple(p for p in predictors if p.dpar in family.dpar_names)
        mus.insert(spec.reference, np.zeros_like(mus[0]))
        eta = np.stack(mus, axis=-1)
    else:
        eta = etas[mu.dpar]  # mu1 of a mixture
    dpars = {p.dpar: p.link.inverse(etas[p.dpar]) for p in predictors}
    dpars |= {d.name: draws_of(variables, d.name)[:, np.newaxis] for d in spec.scalar_dpars}
    S = eta.shape[0]
    if family.components is not None:
        K = len(family.components)
        thetas = [f"theta{k}" for k in range(1, K + 1)] if spec.theta_simplex else []
        dpars |= {t: draws_of(variables, t)[:, np.newaxis] for t in thetas}
        if "theta1" not in spec.fixed_dpars:  # fixed proportions join with the others below
            dpars |= mixture_thetas(dpars, K, predicted=not spec.theta_simplex, S=S)
    dpars |= {name: np.full((S, 1), value) for name, value in spec.fixed_dpars.items()}
    if data.se is not None:
        # brms's add_sigma_se: the known standard errors join or replace sigma
        se = data.se[np.newaxis, :]
        dpars["sigma"] = np.sqrt(dpars["sigma"] ** 2 + se**2) if spec.response.se_sigma else se
    if data.denom is not None:
        for name in family.rate_dpars:
            dpars[name] = dpars[name] * data.denom
    extra = {k: v for t in mu.terms for k, v in t.likelihood_draws(variables).items()}
    mu_data = next(p for p in data.predictors if p.predictor is mu)
    for term, rows in mu_data.terms:
        extra = term.shift_likelihood_draws(extra, rows, variables)
    return DparDraws(dpars, eta, mu.link, extra.get("thres"), data.trials, data.vars)
