"""Predictions of multivariate models, vectorized over draws, as brms.

Each response is predicted through a univariate view of its part
(:func:`part_spec`): its predictors under the family's names (``mu``, ``sigma``)
whose terms keep the response in their Stan names. With residual correlations,
log-likelihood and predictions are joint over the responses of a row:
brms's ``log_lik`` then gives one multivariate normal (or student) log density
per row, and ``posterior_predict`` draws the responses together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from pybrms.errors import SpecError
from pybrms.fit import predict
from pybrms.fit.draw_ids import select_draws
from pybrms.fit.newdata import response_data
from pybrms.spec.model_spec import ModelSpec
from pybrms.spec.multivariate import MvPart, MvSpec, rescor_matrix
from pybrms.spec.subset import subset_of
from pybrms.spec.terms.base import Variables, draws_of

__all__ = [
    "mv_log_lik",
    "mv_posterior_epred",
    "mv_posterior_linpred",
    "mv_posterior_predict",
    "part_spec",
]


def part_spec(spec: MvSpec, part: MvPart) -> ModelSpec:
    """A univariate view of one response, for the univariate prediction functions:
    predictors and family parameters under the family's names; read its draws with
    :func:`part_variables`."""
    predictors = tuple(replace(p, dpar=p.family_dpar, resp="") for p in part.predictors)
    bform = spec.formula.formulas[spec.parts.index(part)]
    return ModelSpec(
        formula=bform,
        family=part.family,
        data=spec.data if part.subset is None else spec.data.loc[part.subset],
        response=part.response,
        predictors=predictors,
        scalar_dpars=part.scalar_dpars + spec.shared_dpars,
        priors=spec.priors,
        names=(),
    )


def part_variables(part: MvPart, variables: Variables) -> dict[str, Any]:
    """``variables`` with the part's family parameters under the family's names
    (``sigma`` for ``sigma_y1``)."""
    own = {d.name: variables[part.stan_dpar(d.name)] for d in part.scalar_dpars}
    return {**variables, **own}


def _per_response(
    spec: MvSpec,
    resp: str | None,
    fn: Callable[..., np.ndarray],
    variables: Variables,
    newdata: pd.DataFrame | None,
    kwargs: dict[str, Any],
) -> list[np.ndarray]:
    parts = spec.parts if resp is None else (spec.part(resp),)
    subset = next((p for p in parts if p.subset is not None), None)
    if len(parts) > 1 and subset is not None:
        raise SpecError(
            f"Response {subset.resp!r} has subset(), so the responses have different rows; "
            f"ask for one response with resp= (one of {', '.join(map(repr, spec.responses))})."
        )
    return [
        fn(part_spec(spec, p), part_variables(p, variables), _rows_of(spec, p, newdata), **kwargs)
        for p in parts
    ]


def _rows_of(spec: MvSpec, part: MvPart, newdata: pd.DataFrame | None) -> pd.DataFrame | None:
    """The rows of ``newdata`` of the response of ``part``: those its ``subset()`` keeps,
    as brms."""
    if newdata is None or part.subset is None:
        return newdata
    subset = subset_of(spec.formula.formulas[spec.parts.index(part)], newdata)
    assert subset is not None  # the part has subset()
    return newdata.loc[subset]


def mv_posterior_epred(
    spec: MvSpec,
    variables: Variables,
    newdata: pd.DataFrame | None = None,
    *,
    resp: str | None = None,
    **kwargs: Any,
) -> np.ndarray:
    """Expected values: ``(S, N, nresp)`` for all responses, ``(S, N)`` for ``resp``.

    Raises
    ------
    SpecError
        If ``resp`` is not a response of the model.
    """
    out = _per_response(spec, resp, predict.posterior_epred, variables, newdata, kwargs)
    return out[0] if resp is not None else np.stack(out, axis=-1)


def mv_posterior_linpred(
    spec: MvSpec,
    variables: Variables,
    newdata: pd.DataFrame | None = None,
    *,
    resp: str | None = None,
    **kwargs: Any,
) -> np.ndarray:
    """Linear predictors, as brms's ``posterior_linpred()`` of a multivariate model:
    ``(S, N, nresp)`` for all responses, ``(S, N)`` for ``resp``; ``dpar=`` (e.g.
    ``"sigma"``) names each response's parameter, ``transform=True`` applies its
    inverse link (see :func:`pybrms.fit.predict.posterior_linpred`).

    Raises
    ------
    SpecError
        If ``resp`` is not a response of the model, or a response has no linear
        predictor ``dpar``.
    """
    out = _per_response(spec, resp, predict.posterior_linpred, variables, newdata, kwargs)
    return out[0] if resp is not None else np.stack(out, axis=-1)


def _joint_args(spec: MvSpec, variables: Variables, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Draw selection fixed once, so that every response and ``rescor`` use the same draws."""
    rng = np.random.default_rng(kwargs.pop("rng", None))
    selected = select_draws(
        variables, ndraws=kwargs.pop("ndraws", None), draw_ids=kwargs.pop("draw_ids", None), rng=rng
    )
    return {"variables": selected, "rng": rng}


def _cholesky(spec: MvSpec, variables: Variables, sigmas: np.ndarray) -> np.ndarray:
    """Cholesky factors ``(S, N, R, R)`` of the residual covariance of every draw and row
    from the scales ``sigmas`` ``(S, N, R)``: ``diag(sigma) L``, ``L`` that of ``rescor``."""
    R = len(spec.parts)
    cor = rescor_matrix(draws_of(variables, "rescor").reshape(-1, R * (R - 1) // 2), R)
    return sigmas[..., np.newaxis] * np.linalg.cholesky(cor)[:, np.newaxis]


def _sigmas(
    spec: MvSpec, variables: Variables, newdata: pd.DataFrame | None, kwargs: dict[str, Any]
) -> np.ndarray:
    """The responses' ``sigma`` ``(S, N, R)``: a draw per response, or per row where the
    response predicts it (brms's ``sigma_y1 ~ x`` with residual correlations)."""
    out = []
    for part in spec.parts:
        if any(p.family_dpar == "sigma" for p in part.predictors):
            sigma = predict.posterior_linpred(
                part_spec(spec, part), variables, newdata, dpar="sigma", transform=True, **kwargs
            )
        else:
            sigma = draws_of(variables, part.stan_dpar("sigma"))[:, np.newaxis]
        out.append(sigma)
    return np.stack(np.broadcast_arrays(*out), axis=-1)


def mv_log_lik(
    spec: MvSpec,
    variables: Variables,
    newdata: pd.DataFrame | None = None,
    *,
    resp: str | None = None,
    **kwargs: Any,
) -> np.ndarray:
    """Pointwise log-likelihood ``(S, N)``, as brms: with residual correlations the joint
    log density of each row's responses; otherwise the sum over responses. The response
    ``resp`` alone has its own (marginal) density, residual correlations or not, as
    brms's ``log_lik(fit, resp = )``.

    Raises
    ------
    SpecError
        If ``resp`` is not a response of the model.
    """
    if not spec.rescor or resp is not None:
        out = _per_response(spec, resp, predict.log_lik, variables, newdata, kwargs)
        return np.sum(out, axis=0)
    joint = _joint_args(spec, variables, kwargs)
    selected = joint["variables"]
    mu = mv_posterior_epred(spec, selected, newdata, rng=joint["rng"], **kwargs)
    y = np.stack([response_data(part_spec(spec, p), newdata).values for p in spec.parts], axis=-1)
    sigmas = _sigmas(spec, selected, newdata, {"rng": joint["rng"], **kwargs})
    L = _cholesky(spec, selected, np.broadcast_to(sigmas, mu.shape))
    # solve L z = (y - mu) per draw and row: the Mahalanobis distance and log det
    z = np.linalg.solve(L, (y[np.newaxis] - mu)[..., np.newaxis])[..., 0]
    logdet = np.log(np.diagonal(L, axis1=2, axis2=3)).sum(axis=-1)
    R = len(spec.parts)
    q = (z**2).sum(axis=-1)
    if spec.shared_dpars:
        nu = draws_of(selected, "nu")[:, np.newaxis]
        return (
            special.gammaln((nu + R) / 2)
            - special.gammaln(nu / 2)
            - R / 2 * np.log(nu * np.pi)
            - logdet
            - (nu + R) / 2 * np.log1p(q / nu)
        )
    return -R / 2 * np.log(2 * np.pi) - logdet - q / 2


def mv_posterior_predict(
    spec: MvSpec,
    variables: Variables,
    newdata: pd.DataFrame | None = None,
    *,
    resp: str | None = None,
    **kwargs: Any,
) -> np.ndarray:
    """Draws from the posterior predictive: ``(S, N, nresp)``, or ``(S, N)`` for ``resp``;
    with residual correlations, each row's responses are drawn together."""
    if not spec.rescor:
        out = _per_response(spec, resp, predict.posterior_predict, variables, newdata, kwargs)
        return out[0] if resp is not None else np.stack(out, axis=-1)
    joint = _joint_args(spec, variables, kwargs)
    selected, rng = joint["variables"], joint["rng"]
    mu = mv_posterior_epred(spec, selected, newdata, rng=rng, **kwargs)
    sigmas = _sigmas(spec, selected, newdata, {"rng": rng, **kwargs})
    L = _cholesky(spec, selected, np.broadcast_to(sigmas, mu.shape))
    S, N, R = mu.shape
    z = rng.standard_normal((S, N, R))
    if spec.shared_dpars:
        nu = draws_of(selected, "nu")[:, np.newaxis, np.newaxis]
        z = z / np.sqrt(stats.chi2.rvs(nu, size=(S, N, 1), random_state=rng) / nu)
    out = mu + np.einsum("snij,snj->sni", L, z)
    if resp is None:
        return out
    return out[..., spec.responses.index(spec.part(resp).resp)]
