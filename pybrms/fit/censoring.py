"""Censored and truncated responses over draws: log-likelihood and predictions.

As the Stan program brms writes: a censored row contributes ``lccdf(y)`` (right),
``lcdf(y)`` (left) or the log probability between ``y`` and ``y2`` (interval); a
truncated row subtracts the log probability within its bounds, a discrete
response's lower bound counting from ``lb - 1`` (the program's
``lccdf(lb - 1)``). The family's scipy distribution at the draws
(:attr:`pybrms.spec.families.Family.distribution`) gives the cdfs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pybrms.spec.families import DparDraws, Family
from pybrms.spec.model_spec import Response

__all__ = ["censored_log_lik", "log_prob_interval", "truncated_predict", "truncation_log_mass"]

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


def truncated_predict(
    family: Family,
    draws: DparDraws,
    lb: np.ndarray | None,
    ub: np.ndarray | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """Responses ``(S, N)`` drawn within the bounds by inverting the cdf: a uniform
    draw between the cdf at the two bounds, mapped back through the quantile
    function (or, in the upper tail, between the survival function at the two
    bounds through its inverse), so that every draw lies within the bounds."""
    assert family.distribution is not None
    dist = family.distribution(draws)
    shape = draws.shape
    lower = np.full(shape[1], -np.inf) if lb is None else _lower(family, lb).astype(float)
    upper = np.full(shape[1], np.inf) if ub is None else ub.astype(float)
    u = rng.uniform(size=shape)
    low_cdf, up_cdf = dist.cdf(lower), dist.cdf(upper)
    low_sf, up_sf = dist.sf(lower), dist.sf(upper)
    with np.errstate(invalid="ignore"):
        from_cdf = dist.ppf(low_cdf + u * (up_cdf - low_cdf))
        from_sf = dist.isf(up_sf + u * (low_sf - up_sf))
    out = np.where(low_cdf <= 0.5, from_cdf, from_sf)
    lowest = lower + 1 if family.discrete else lower
    out = np.clip(out, lowest, upper)
    return out.astype(np.int64) if family.discrete else out
