"""Censored and truncated responses over draws: log-likelihood and predictions.

As the Stan program brms writes: a censored row contributes ``lccdf(y)`` (right),
``lcdf(y)`` (left) or the log probability between ``y`` and ``y2`` (interval); a
truncated row subtracts the log probability within its bounds, a discrete
response's lower bound counting from ``lb - 1`` (the program's
``lccdf(lb - 1)``). The family's scipy distribution at the draws
(:attr:`pybrms.spec.families.Family.distribution`) gives the cdfs. A mixture is
censored and truncated component by component, as brms: a mixture of censored or
truncated components, whose responses come from one component truncated to the
bounds and whose mean weights the components' truncated means.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special, stats

from pybrms.spec.families import DparDraws, Family
from pybrms.spec.families.mixture import component_draws, mixture_weights, pick_components
from pybrms.spec.model_spec import Response

__all__ = [
    "censored_log_lik",
    "log_prob_interval",
    "response_log_lik",
    "truncated_epred",
    "truncated_predict",
    "truncation_log_mass",
]

_LOG_HALF = np.log(0.5)


def _log_diff_exp(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(exp(a) - exp(b))`` for ``a >= b``; ``a`` where ``b`` is ``-inf``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return a + np.log1p(-np.exp(b - a))


def log_prob_interval(dist: Any, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """``log(F(upper) - F(lower))``, from the cdf where ``F(lower) <= 1/2`` and from the
    survival function elsewhere, so that neither tail loses its digits (brms's
    ``log_prob_interval``).

    Examples
    --------
    >>> from scipy import stats
    >>> float(np.exp(log_prob_interval(stats.norm(0, 1), np.array(-1.0), np.array(1.0))))
    0.6826894921370859
    >>> round(float(log_prob_interval(stats.norm(0, 1), np.array(30.0), np.array(31.0))), 4)
    -454.3212
    """
    with np.errstate(divide="ignore"):
        low_cdf = dist.logcdf(lower)
        from_cdf = _log_diff_exp(dist.logcdf(upper), low_cdf)
        from_sf = _log_diff_exp(dist.logsf(lower), dist.logsf(upper))
    return np.where(low_cdf <= _LOG_HALF, from_cdf, from_sf)


def response_log_lik(family: Family, draws: DparDraws, response: Response) -> np.ndarray:
    """Log-likelihood ``(S, N)`` of the response, censored and truncated as the Stan
    program (unweighted); a mixture's is the log-sum-exp of its weighted components',
    each censored and truncated."""
    components = family.components
    if components is not None and response.uses_cdf:
        parts = [
            np.log(draws[f"theta{k}"]) + response_log_lik(f, dk, response)
            for k, (f, dk) in enumerate(component_draws(components, draws), 1)
        ]
        return special.logsumexp(np.stack(np.broadcast_arrays(*parts)), axis=0)
    out = family.log_lik(draws, response.values)
    if response.cens is not None:
        out = censored_log_lik(family, draws, response, out)
    if response.truncated:
        out = out - truncation_log_mass(family, draws, response)
    return out


def censored_log_lik(
    family: Family, draws: DparDraws, response: Response, uncensored: np.ndarray
) -> np.ndarray:
    """Log-likelihood ``(S, N)`` of censored rows, ``uncensored`` (the density) elsewhere."""
    assert response.cens is not None and family.distribution is not None
    dist = family.distribution(draws)
    y = response.values
    cens = response.cens
    with np.errstate(divide="ignore"):
        out = np.where(cens == 1, dist.logsf(y), uncensored)
        out = np.where(cens == -1, dist.logcdf(y), out)
    if response.rcens is not None:
        out = np.where(cens == 2, log_prob_interval(dist, y, response.rcens), out)
    return out


def _lower(family: Family, lb: np.ndarray) -> np.ndarray:
    """The cdf's argument at a lower bound: ``lb - 1`` for a discrete response."""
    return lb - 1 if family.discrete else lb


def truncation_log_mass(family: Family, draws: DparDraws, response: Response) -> np.ndarray:
    """Log probability ``(S, N)`` within each row's truncation bounds."""
    assert response.truncated and family.distribution is not None
    dist = family.distribution(draws)
    with np.errstate(divide="ignore"):
        if response.ub is None:
            assert response.lb is not None  # truncated, so some bound is set
            return dist.logsf(_lower(family, response.lb))
        if response.lb is None:
            return dist.logcdf(response.ub)
        return log_prob_interval(dist, _lower(family, response.lb), response.ub)


def _bounds(
    family: Family, shape: tuple[int, int], lb: np.ndarray | None, ub: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """The cdf's arguments at both bounds, ``(N,)`` floats, infinite where not given."""
    lower = np.full(shape[1], -np.inf) if lb is None else _lower(family, lb).astype(float)
    upper = np.full(shape[1], np.inf) if ub is None else ub.astype(float)
    return lower, upper


def _where(dist: Any, method: str, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``dist.<method>(x)`` where ``mask`` holds (else nan), evaluating only there: a
    quantile function is costly, and each level needs only one of ``ppf`` and ``isf``."""
    arrays = np.broadcast_arrays(x, *dist.args, *dist.kwds.values())
    picked = [a[mask] for a in arrays]
    kwds = dict(zip(dist.kwds, picked[1 + len(dist.args) :], strict=True))
    out = np.full(arrays[0].shape, np.nan)
    out[mask] = getattr(dist.dist, method)(picked[0], *picked[1 : 1 + len(dist.args)], **kwds)
    return out


def _truncated_quantile(
    dist: Any, lower: np.ndarray, upper: np.ndarray
) -> Callable[[Any, Any], np.ndarray]:
    """The quantile function of ``dist`` truncated to ``(lower, upper]``, taking a level
    ``u`` and ``1 - u``: from the cdf where the level's cdf is at most 1/2 and from the
    survival function elsewhere, so that neither tail loses its digits."""
    low_cdf, up_cdf = dist.cdf(lower), dist.cdf(upper)
    low_sf, up_sf = dist.sf(lower), dist.sf(upper)

    def quantile(u: Any, v: Any) -> np.ndarray:
        cdf = low_cdf + u * (up_cdf - low_cdf)
        sf = up_sf + v * (low_sf - up_sf)
        from_cdf = cdf <= 0.5
        with np.errstate(invalid="ignore"):
            out = _where(dist, "ppf", cdf, from_cdf)
            return np.where(from_cdf, out, _where(dist, "isf", sf, ~from_cdf))

    return quantile


def truncated_predict(
    family: Family,
    draws: DparDraws,
    lb: np.ndarray | None,
    ub: np.ndarray | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """Responses ``(S, N)`` drawn within the bounds by inverting the cdf: a uniform
    level mapped through the truncated quantile function, so that every draw lies
    within the bounds; a mixture's from one component, picked by its proportion."""
    if family.components is not None:
        u = rng.uniform(size=draws.shape)
        parts = [
            truncated_predict(f, dk, lb, ub, rng)
            for f, dk in component_draws(family.components, draws)
        ]
        return pick_components(mixture_weights(draws, len(family.components)), parts, u)
    assert family.distribution is not None
    lower, upper = _bounds(family, draws.shape, lb, ub)
    u = rng.uniform(size=draws.shape)
    out = _truncated_quantile(family.distribution(draws), lower, upper)(u, 1 - u)
    lowest = lower + 1 if family.discrete else lower
    out = np.clip(out, lowest, upper)
    return out.astype(np.int64) if family.discrete else out


def truncated_epred(
    family: Family, draws: DparDraws, lb: np.ndarray | None, ub: np.ndarray | None
) -> np.ndarray:
    """Expected value ``(S, N)`` of the response within the bounds, as brms's
    ``posterior_epred_trunc_<family>``.

    In closed form for the normal; a bounded sum of ``k * pmf(k)`` for a discrete
    response; otherwise tanh-sinh quadrature of the truncated quantile function
    over ``(0, 1)``, whose nodes crowd the ends so that an infinite bound costs no
    accuracy. As in the Stan program, a discrete lower bound is a possible value. A
    mixture's is its components' truncated means weighted by their proportions (brms
    has none).

    Examples
    --------
    >>> from scipy import stats
    >>> from pybrms.spec.families import FAMILIES, DparDraws, LINKS
    >>> draws = DparDraws({"mu": np.zeros((1, 1)), "sigma": np.ones((1, 1))},
    ...                   np.zeros((1, 1)), LINKS["identity"], None, None)
    >>> family = FAMILIES["gaussian"]
    >>> got = truncated_epred(family, draws, np.array([0.0]), None)
    >>> bool(np.isclose(got[0, 0], np.sqrt(2 / np.pi)))
    True
    >>> got = truncated_epred(FAMILIES["student"], DparDraws(
    ...     {**draws.dpars, "nu": np.full((1, 1), 5.0)}, draws.eta, draws.link, None, None),
    ...     np.array([0.0]), np.array([2.0]))
    >>> bool(np.isclose(got[0, 0], stats.t(5).expect(lb=0, ub=2, conditional=True)))
    True
    """
    if family.components is not None:
        means = [
            truncated_epred(f, dk, lb, ub) for f, dk in component_draws(family.components, draws)
        ]
        theta = mixture_weights(draws, len(family.components))
        return np.sum(theta * np.stack(np.broadcast_arrays(*means)), axis=0)
    assert family.distribution is not None
    dist = family.distribution(draws)
    lower, upper = _bounds(family, draws.shape, lb, ub)
    if family.discrete:
        return _discrete_truncated_mean(dist, lower, upper)
    if dist.dist.name == "norm":
        return _normal_truncated_mean(dist.mean(), dist.std(), lower, upper)
    quantile = _truncated_quantile(dist, lower, upper)
    return sum(w * quantile(u, v) for u, v, w in zip(*_TANH_SINH, strict=True))


def _tanh_sinh(step: float, end: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tanh-sinh nodes on ``(0, 1)``: the levels ``u``, their complements ``1 - u``
    (exact near 1) and the weights."""
    t = np.arange(-end, end + step / 2, step)
    z = np.pi * np.sinh(t)
    u, v = special.expit(z), special.expit(-z)
    return u, v, step * np.pi * np.cosh(t) * u * v


# 29 nodes: relative error below 1e-9 on normal, lognormal and gamma truncations,
# bounded or not (the quantile function's singularity at an infinite bound is mild).
_TANH_SINH = _tanh_sinh(0.25, 3.5)


def _normal_truncated_mean(
    mu: np.ndarray, sigma: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> np.ndarray:
    """``mu + sigma * (phi(a) - phi(b)) / (Phi(b) - Phi(a))``, the mass in log space."""
    a, b = (lower - mu) / sigma, (upper - mu) / sigma
    log_mass = log_prob_interval(stats.norm, a, b)
    density = np.exp(stats.norm.logpdf(a) - log_mass) - np.exp(stats.norm.logpdf(b) - log_mass)
    return mu + sigma * density


# Levels left out at each end of a discrete sum: their share of the mean is negligible.
_DISCRETE_TAIL = 1e-10


def _discrete_truncated_mean(dist: Any, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Sum of ``k * pmf(k)`` over ``lower < k <= upper``, over the truncated
    distribution's values between its ``_DISCRETE_TAIL`` quantiles in any draw."""
    quantile = _truncated_quantile(dist, lower, upper)
    first = np.nanmin(quantile(_DISCRETE_TAIL, 1 - _DISCRETE_TAIL), axis=0)
    last = np.nanmax(quantile(1 - _DISCRETE_TAIL, _DISCRETE_TAIL), axis=0)
    first = np.maximum(first, lower + 1)
    last = np.minimum(last, upper)
    mass = np.zeros(np.broadcast_shapes(dist.mean().shape, lower.shape))
    total = np.zeros_like(mass)
    for step in range(int(np.max(last - first)) + 1):
        k = first + step
        p = np.where(k <= last, dist.pmf(k), 0.0)
        mass += p
        total += k * p
    return total / mass
