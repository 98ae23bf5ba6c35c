"""Family ``normal_scale_mixture``: g = sum_k pi_k N(mu, sigma_k^2), sigma_1 = 0 (ash).

The grid of sigma_k is fixed from the data (:mod:`pybrms.flash.ebnm.ash_grid`) and
only the weights are fit, by :func:`pybrms.flash.ebnm.mixsqp.mixsqp`. A warm start
reuses the old grid and starts from the old weights. The mode is fixed.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp, ndtr

from pybrms.errors import FlashError
from pybrms.flash.ebnm.ash_grid import scale_mixture_grid
from pybrms.flash.ebnm.data import NormalMeans
from pybrms.flash.ebnm.family import Family, PosteriorSummary, normalmix_warm_start_ok
from pybrms.flash.ebnm.mixsqp import mixsqp
from pybrms.flash.ebnm.numerics import log_normal_pdf
from pybrms.flash.ebnm.prior import Prior


def _log_components(y: np.ndarray, s: np.ndarray, sds: np.ndarray) -> np.ndarray:
    """n x K matrix of log N(y_i; 0, s_i^2 + sigma_k^2).

    Where s_i = 0 the densities are with respect to Lebesgue measure plus a unit atom
    at 0: a zero-sd component has log density 0 at y = 0 and -inf elsewhere, and at
    y = 0 only the zero-sd components count.
    """
    var = s[:, None] ** 2 + sds[None, :] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        out = log_normal_pdf(y[:, None], 0.0, var)
    exact = s == 0.0
    point = sds == 0.0
    at_mode = np.where(y[exact] == 0.0, 0.0, -np.inf)
    out[np.ix_(exact, point)] = at_mode[:, None]
    out[np.ix_(exact & (y == 0.0), ~point)] = -np.inf
    return out


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
        if mode == "estimate":
            raise FlashError("normal_scale_mixture supports a fixed mode only.")
        keep = data.informative
        y, s = data.x[keep] - mode, data.s[keep]
        if not y.size:
            return g_init if g_init is not None else self._prior(np.ones(1), np.zeros(1), mode)
        if g_init is not None:
            sds, init = np.asarray(g_init.sds), np.asarray(g_init.weights)
        else:
            positive = s > 0.0
            sds = scale_mixture_grid(y, s[positive] if np.any(positive) else np.ones(1), 0.0)
            init = None
        weights = mixsqp(_log_components(y, s, sds), init).weights
        return self._prior(weights, sds, mode)

    def _prior(self, weights: np.ndarray, sds: np.ndarray, mode: float) -> Prior:
        pi0 = float(np.sum(weights[sds == 0.0]))
        return Prior(self.name, pi0=min(pi0, 1.0), mode=float(mode), weights=weights, sds=sds)

    def _log_weighted(self, prior: Prior, x: np.ndarray, s: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            log_w = np.log(np.asarray(prior.weights))
        return log_w + _log_components(x - prior.mode, s, np.asarray(prior.sds))

    def log_marginal_regular(self, prior: Prior, x: np.ndarray, s: np.ndarray) -> np.ndarray:
        """log sum_k pi_k N(x; mode, s^2 + sigma_k^2)."""
        return logsumexp(self._log_weighted(prior, x, s), axis=1)

    def log_density(self, prior: Prior, x: np.ndarray) -> np.ndarray:
        """log of the mixture density at x (the atom's weight at x = mode)."""
        return logsumexp(self._log_weighted(prior, x, np.zeros_like(x)), axis=1)

    def posterior_regular(
        self, prior: Prior, x: np.ndarray, s: np.ndarray, lfsr: bool
    ) -> PosteriorSummary:
        """Responsibility-weighted mixture of the normal component posteriors."""
        log_w = self._log_weighted(prior, x, s)
        resp = np.exp(log_w - logsumexp(log_w, axis=1, keepdims=True))
        sd2 = np.asarray(prior.sds) ** 2
        var = s[:, None] ** 2 + sd2
        shrink = sd2 / var
        y = (x - prior.mode)[:, None]
        comp_mean = shrink * y
        comp_var = shrink * s[:, None] ** 2
        mean_w = np.sum(resp * comp_mean, axis=1)
        second_w = np.sum(resp * (comp_mean**2 + comp_var), axis=1)
        return self._summary(prior, resp, comp_mean, np.sqrt(comp_var), mean_w, second_w, lfsr)

    def prior_summary(self, prior: Prior, lfsr: bool) -> PosteriorSummary:
        """Moments and sign probabilities of g itself."""
        weights, sds = np.asarray(prior.weights), np.asarray(prior.sds)
        second_w = np.sum(weights * sds**2)
        zero = np.zeros_like(sds)
        return self._summary(prior, weights, zero, sds, np.asarray(0.0), second_w, lfsr)

    def _summary(
        self,
        prior: Prior,
        resp: np.ndarray,
        comp_mean: np.ndarray,
        comp_sd: np.ndarray,
        mean_w: np.ndarray,
        second_w: np.ndarray,
        lfsr: bool,
    ) -> PosteriorSummary:
        """Shift moments of W = theta - mode to theta; sign probabilities per component."""
        mu = prior.mode
        mean, second = mu + mean_w, mu**2 + 2.0 * mu * mean_w + second_w
        if not lfsr:
            return PosteriorSummary(mean, second)
        theta = mu + comp_mean
        point = comp_sd == 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            z = theta / comp_sd
        below = np.where(point, theta < 0.0, ndtr(-z))
        above = np.where(point, theta > 0.0, ndtr(z))
        zero = point & (theta == 0.0)
        below, zero, above = (np.sum(resp * p, axis=-1) for p in (below, zero, above))
        return PosteriorSummary(mean, second, below, zero, above)

    def warm_start_ok(self, prior: Prior, data: NormalMeans) -> bool:
        """flashier's range check with the largest grid sd."""
        return normalmix_warm_start_ok(max(prior.sds), prior.mode, data)


NORMAL_SCALE_MIXTURE = NormalScaleMixture()
