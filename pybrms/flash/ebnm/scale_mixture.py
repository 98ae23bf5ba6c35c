"""Family ``normal_scale_mixture``: g = sum_k pi_k N(mu, sigma_k^2), sigma_1 = 0 (ash).

The grid of sigma_k is fixed from the data (:mod:`pybrms.flash.ebnm.ash_grid`) and
only the weights are fit, by :func:`pybrms.flash.ebnm.mixsqp.mixsqp`. A warm start
reuses the old grid and starts from the old weights. The mode is fixed. The matrix of
component densities is built once per problem and serves the fit, the marginal
likelihood and the posterior.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from pybrms.errors import FlashError
from pybrms.flash.ebnm.ash_grid import scale_mixture_grid
from pybrms.flash.ebnm.data import NormalMeans
from pybrms.flash.ebnm.family import Family, PosteriorSummary, normalmix_warm_start_ok
from pybrms.flash.ebnm.mixsqp import mixsqp
from pybrms.flash.ebnm.numerics import LOG_2PI
from pybrms.flash.ebnm.prior import Prior


def _log_components(y: np.ndarray, s: np.ndarray, sds: np.ndarray) -> np.ndarray:
    """n x K matrix of log N(y_i; 0, s_i^2 + sigma_k^2).

    Where s_i = 0 the densities are with respect to Lebesgue measure plus a unit atom
    at 0: a zero-sd component has log density 0 at y = 0 and -inf elsewhere, and at
    y = 0 only the zero-sd components count. The matrix is the transpose of a
    C-ordered K x n array (see :class:`_Components`).
    """
    sd2 = (sds * sds)[:, None]
    s2 = s * s
    with np.errstate(divide="ignore", invalid="ignore"):  # s = sd = 0: fixed below
        if s2.size and s2.min() == s2.max():  # one s for all: K logs instead of n x K
            var = sd2 + s2[0]
            out = (y * y) * (-0.5 / var) - 0.5 * (LOG_2PI + np.log(var))
        else:
            var = sd2 + s2
            out = -0.5 * (LOG_2PI + np.log(var) + (y * y) / var)
    exact = s == 0.0
    if exact.any():
        point = sds == 0.0
        out[np.ix_(point, exact)] = np.where(y[exact] == 0.0, 0.0, -np.inf)
        out[np.ix_(~point, exact & (y == 0.0))] = -np.inf
    return out.T


# Where sum_k pi_k L_ik falls below this (with L_ik scaled by observation so that its
# largest is 1), observation i is rescaled by its largest weighted term instead, as a
# log-sum-exp would.
_UNDERFLOW = 1e-250


@dataclass(frozen=True)
class _Components:
    """The component log densities log N(y_i; 0, s_i^2 + sigma_k^2) of one EBNM problem.

    Built once per problem and shared by mix-SQP, the log marginal likelihood and the
    posterior. Arrays are K x n (component by observation, C-ordered), so that the
    sums and maxima over components run along contiguous memory; ``lik`` holds the
    likelihoods scaled by observation, exp(log - shift), whose maximum is 1.
    """

    log: np.ndarray
    shift: np.ndarray
    lik: np.ndarray

    @classmethod
    def build(cls, y: np.ndarray, s: np.ndarray, sds: np.ndarray) -> _Components:
        log = _log_components(y, s, sds).T
        shift = log.max(axis=0)
        shift[~np.isfinite(shift)] = 0.0  # no component covers y_i: log marginal -inf
        return cls(log, shift, np.exp(log - shift))


@dataclass(frozen=True)
class _Weighted:
    """log sum_k pi_k N(y_i; 0, s_i^2 + sigma_k^2) and the K x n responsibilities of the
    components, for fixed weights."""

    log_marginal: np.ndarray
    resp: np.ndarray

    @classmethod
    def build(cls, comps: _Components, weights: np.ndarray) -> _Weighted:
        terms = comps.lik * weights[:, None]
        total = terms.sum(axis=0)
        shift = comps.shift
        low = total < _UNDERFLOW
        if low.any():  # every weighted component is far below the best one: rescale
            with np.errstate(divide="ignore"):
                log_w = np.log(weights)[:, None] + comps.log[:, low]
            low_shift = log_w.max(axis=0)
            low_shift[~np.isfinite(low_shift)] = 0.0
            terms[:, low] = np.exp(log_w - low_shift)
            total[low] = terms[:, low].sum(axis=0)
            shift = shift.copy()
            shift[low] = low_shift
        with np.errstate(divide="ignore", invalid="ignore"):
            return cls(np.log(total) + shift, terms / total)


class NormalScaleMixture(Family):
    """Scale mixture of normals on an adaptive grid, fit by mix-SQP.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_t(3, 2000) + rng.normal(size=2000)
    >>> g = NormalScaleMixture().fit(NormalMeans.from_arrays(x, 1.0), 0.0, None)
    >>> g.sds[0], round(sum(g.weights), 12)
    (0.0, 1.0)
    """

    name = "normal_scale_mixture"

    def fit(self, data: NormalMeans, mode: float | str, g_init: Prior | None) -> Prior:
        """mix-SQP weights on ebnm's default grid (or on g_init's grid, from its weights)."""
        return self.solve(data, mode, g_init, False, posterior=False, lfsr=False)[0]

    def solve(
        self,
        data: NormalMeans,
        mode: float | str,
        g_init: Prior | None,
        fix_g: bool,
        posterior: bool,
        lfsr: bool,
    ) -> tuple[Prior, np.ndarray, PosteriorSummary | None]:
        """Fit, log marginal and posterior from one matrix of component log densities."""
        if fix_g:
            assert g_init is not None  # ebnm() refuses fix_g without g_init
            mode = g_init.mode
        elif isinstance(mode, str):  # "estimate"; ebnm() refuses other strings
            raise FlashError("normal_scale_mixture supports a fixed mode only.")
        keep = data.informative
        y, s = data.x[keep] - mode, data.s[keep]
        if not y.size:
            prior = g_init if g_init is not None else self._prior(np.ones(1), np.zeros(1), mode)
            return super().solve(data, mode, prior, True, posterior, lfsr)
        if g_init is not None:
            sds, weights = np.asarray(g_init.sds), np.asarray(g_init.weights)
        else:
            positive = s > 0.0
            sds = scale_mixture_grid(y, s[positive] if np.any(positive) else np.ones(1), 0.0)
            weights = None
        comps = _Components.build(y, s, sds)
        if fix_g and g_init is not None:  # ebnm() refuses fix_g without g_init
            prior = g_init
        else:
            prior = self._prior(mixsqp(comps.lik.T, weights).weights, sds, mode)
        weighted = _Weighted.build(comps, np.asarray(prior.weights))
        log_marginal = np.zeros_like(data.x)
        log_marginal[keep] = weighted.log_marginal
        if not posterior:
            return prior, log_marginal, None
        regular = data.regular[keep]
        resp = weighted.resp if regular.all() else weighted.resp[:, regular]
        summary = self._posterior(prior, resp, y[regular], s[regular], lfsr)
        return prior, log_marginal, self.posterior(prior, data, lfsr, regular=summary)

    def _prior(self, weights: np.ndarray, sds: np.ndarray, mode: float) -> Prior:
        pi0 = float(np.sum(weights[sds == 0.0]))
        return Prior(self.name, pi0=min(pi0, 1.0), mode=float(mode), weights=weights, sds=sds)

    def _weighted(self, prior: Prior, x: np.ndarray, s: np.ndarray) -> _Weighted:
        comps = _Components.build(x - prior.mode, s, np.asarray(prior.sds))
        return _Weighted.build(comps, np.asarray(prior.weights))

    def log_marginal_regular(self, prior: Prior, x: np.ndarray, s: np.ndarray) -> np.ndarray:
        """log sum_k pi_k N(x; mode, s^2 + sigma_k^2)."""
        return self._weighted(prior, x, s).log_marginal

    def log_density(self, prior: Prior, x: np.ndarray) -> np.ndarray:
        """log of the mixture density at x (the atom's weight at x = mode)."""
        return self._weighted(prior, x, np.zeros_like(x)).log_marginal

    def posterior_regular(
        self, prior: Prior, x: np.ndarray, s: np.ndarray, lfsr: bool
    ) -> PosteriorSummary:
        """Responsibility-weighted mixture of the normal component posteriors."""
        resp = self._weighted(prior, x, s).resp
        return self._posterior(prior, resp, x - prior.mode, s, lfsr)

    def _posterior(
        self, prior: Prior, resp: np.ndarray, y: np.ndarray, s: np.ndarray, lfsr: bool
    ) -> PosteriorSummary:
        """Mix the component posteriors N(shrink y, shrink s^2), shrink = sd^2 / (s^2 + sd^2),
        with the K x n responsibilities ``resp``."""
        sd2 = (np.asarray(prior.sds) ** 2)[:, None]
        s2 = s * s
        shrink = sd2 / (s2 + sd2)
        resp_shrink = resp * shrink
        mean_shrink = resp_shrink.sum(axis=0)
        mean_w = y * mean_shrink
        second_w = y * y * (resp_shrink * shrink).sum(axis=0) + s2 * mean_shrink
        if not lfsr:
            return self._summary(prior, resp, mean_w, second_w)
        return self._summary(prior, resp, mean_w, second_w, shrink * y, np.sqrt(shrink * s2))

    def prior_summary(self, prior: Prior, lfsr: bool) -> PosteriorSummary:
        """Moments and sign probabilities of g itself."""
        weights, sds = np.asarray(prior.weights), np.asarray(prior.sds)
        second_w = np.sum(weights * sds**2)
        zero = np.zeros_like(sds)
        if not lfsr:
            return self._summary(prior, weights, np.asarray(0.0), second_w)
        return self._summary(prior, weights, np.asarray(0.0), second_w, zero, sds)

    def _summary(
        self,
        prior: Prior,
        resp: np.ndarray,
        mean_w: np.ndarray,
        second_w: np.ndarray,
        comp_mean: np.ndarray | None = None,
        comp_sd: np.ndarray | None = None,
    ) -> PosteriorSummary:
        """Shift moments of W = theta - mode to theta; with the components' means and sds,
        sign probabilities too."""
        mu = prior.mode
        mean, second = mu + mean_w, mu**2 + 2.0 * mu * mean_w + second_w
        if comp_mean is None or comp_sd is None:
            return PosteriorSummary(mean, second)
        theta = mu + comp_mean
        point = comp_sd == 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            z = theta / comp_sd
        below = np.where(point, theta < 0.0, ndtr(-z))
        above = np.where(point, theta > 0.0, ndtr(z))
        zero = point & (theta == 0.0)
        below, zero, above = (np.sum(resp * p, axis=0) for p in (below, zero, above))
        return PosteriorSummary(mean, second, below, zero, above)

    def warm_start_ok(self, prior: Prior, data: NormalMeans) -> bool:
        """flashier's range check with the largest grid sd."""
        return normalmix_warm_start_ok(max(prior.sds), prior.mode, data)


NORMAL_SCALE_MIXTURE = NormalScaleMixture()
