"""Maximum marginal likelihood for the parametric "spike and slab" families.

Each family is g = pi0 delta_mu + (1 - pi0) h(. - mu; scale), a point mass at the mode
plus a continuous slab h. The slab is the only family-specific part; it is described
by a :class:`Slab` (see ``point_normal.py``, ``point_laplace.py`` and
``point_exponential.py``) and everything else lives here:

* the optimizer parameters ``alpha = logit(1 - pi0)``, ``beta = log(scale)`` and
  (with ``mode="estimate"``) ``mu``, with the analytic gradient;
* ebnm's rescaling of x and s by median(s) before optimizing;
* ebnm's final comparison with the all-null solution pi0 = 1;
* warm starts from a previous g, and the combination of slab and point mass in the
  posterior.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit, logit

from pybrms.errors import FlashError
from pybrms.flash.ebnm.data import NormalMeans
from pybrms.flash.ebnm.family import Family, PosteriorSummary
from pybrms.flash.ebnm.numerics import log_normal_pdf
from pybrms.flash.ebnm.prior import Prior

# Box for the optimizer (scale in median(s) units), wide enough never to bind at a real
# optimum; it keeps a line search from wandering off to overflow when pi0 -> 0 or 1.
_ALPHA_BOUND = 40.0
_MIN_SCALE = 1e-12
_LOG_SCALE_BOUNDS = (np.log(_MIN_SCALE), -np.log(_MIN_SCALE))
_OPTIONS = {"maxiter": 500, "ftol": 1e-15, "gtol": 1e-10}


@dataclass(frozen=True)
class SlabPosterior:
    """Posterior of W = theta - mode given the slab component.

    ``below``/``above`` are P(W < cut) and P(W > cut) with ``cut = -mode``, i.e.
    P(theta < 0) and P(theta > 0); None when lfsr was not requested.
    """

    mean: np.ndarray
    second_moment: np.ndarray
    below: np.ndarray | None = None
    above: np.ndarray | None = None


class Slab(ABC):
    """The continuous part h of a spike-and-slab prior, centred at 0.

    All methods take ``y = x - mode`` and the slab's scale (the standard deviation of
    a normal slab, ``1 / rate`` of a Laplace or exponential slab). Derivatives are
    with respect to ``log(scale)`` and to ``y``.
    """

    nonnegative: bool = False

    @abstractmethod
    def log_conv(
        self, y: np.ndarray, s: np.ndarray, scale: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """log of (h * N(0, s^2))(y) for 0 < s < inf, and its derivatives."""

    @abstractmethod
    def log_density(self, y: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
        """log h(y) and its derivative with respect to log(scale)."""

    @abstractmethod
    def posterior(
        self, y: np.ndarray, s: np.ndarray, scale: float, cut: float, lfsr: bool
    ) -> SlabPosterior:
        """Posterior of W given y = W + N(0, s^2) and W ~ h, for 0 < s < inf."""

    @abstractmethod
    def prior(self, scale: float, cut: float, lfsr: bool) -> SlabPosterior:
        """The same summary for W ~ h itself."""

    @abstractmethod
    def start_scale(self, y: np.ndarray) -> float:
        """Default starting scale for data y (centred at the starting mode)."""

    @abstractmethod
    def start_mode(self, x: np.ndarray) -> float:
        """Default starting mode when the mode is estimated."""

    def warm_start_ok(self, prior: Prior, data: NormalMeans) -> bool:
        """flashier warm starts every slab except normal ones unconditionally."""
        return True


def _exact_terms(
    slab: Slab, y: np.ndarray, scale: float, pointmass: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point-mass and slab log densities (and slab d/d log scale) where s == 0.

    With a point mass, densities are with respect to Lebesgue measure plus a unit atom
    at the mode, so at y == 0 only the point mass counts and elsewhere only the slab.
    Without one they are plain Lebesgue densities.
    """
    at_mode = (y == 0.0) & pointmass
    log_slab, d_beta = slab.log_density(y, scale)
    log_null = np.where(at_mode, 0.0, -np.inf)
    return log_null, np.where(at_mode, -np.inf, log_slab), np.where(at_mode, 0.0, d_beta)


def _scatter(mask: np.ndarray, values: np.ndarray, rest: np.ndarray) -> np.ndarray:
    """Array with ``values`` where ``mask`` holds and ``rest`` elsewhere."""
    out = np.empty(mask.shape)
    out[mask] = values
    out[~mask] = rest
    return out


class _Objective:
    """Mean negative log marginal likelihood and its gradient in (alpha, beta, mu).

    Parameters missing from the optimizer vector (pi0 for a family without point mass,
    mu when the mode is fixed) are held at the values given here.
    """

    def __init__(self, slab: Slab, data: NormalMeans, pointmass: bool, mode: float | None):
        self.slab = slab
        self.pointmass = pointmass
        self.fixed_mode = mode
        keep = data.informative
        self.x, self.s = data.x[keep], data.s[keep]
        self.regular = data.regular[keep]

    def unpack(self, p: np.ndarray) -> tuple[float, float, float]:
        """(alpha, scale, mode) from the optimizer vector."""
        alpha = p[0] if self.pointmass else np.inf
        beta = p[1] if self.pointmass else p[0]
        mode = p[-1] if self.fixed_mode is None else self.fixed_mode
        return alpha, float(np.exp(beta)), mode

    def __call__(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        alpha, scale, mode = self.unpack(p)
        reg = self.regular
        y, s = self.x - mode, self.s[reg]
        conv, d_beta_reg, d_y_reg = self.slab.log_conv(y[reg], s, scale)
        null_exact, slab_exact, d_beta_exact = _exact_terms(
            self.slab, y[~reg], scale, self.pointmass
        )
        log_slab = _scatter(reg, conv, slab_exact)
        d_beta = _scatter(reg, d_beta_reg, d_beta_exact)
        d_y = _scatter(reg, d_y_reg, 0.0)
        grads = []
        if self.pointmass:
            log_null = _scatter(reg, log_normal_pdf(y[reg], 0.0, s**2), null_exact)
            a = log_expit(-alpha) + log_null
            ll = np.logaddexp(a, log_expit(alpha) + log_slab)
            post_null = np.exp(a - ll)
            post_slab = 1.0 - post_null
            w = expit(alpha)
            grads.append(np.sum((1.0 - w) * post_slab - w * post_null))
            d_null_mu = post_null * _scatter(reg, y[reg] / s**2, 0.0)
        else:
            ll = log_slab
            post_slab = 1.0
            d_null_mu = 0.0
        grads.append(np.sum(post_slab * d_beta))
        if self.fixed_mode is None:
            grads.append(np.sum(d_null_mu - post_slab * d_y))
        return -float(np.mean(ll)), -np.asarray(grads) / y.size


class ParametricFamily(Family):
    """A spike-and-slab family (or, with ``pointmass=False``, the slab alone).

    Examples
    --------
    >>> from pybrms.flash.ebnm.point_normal import NormalSlab
    >>> fam = ParametricFamily("point_normal", NormalSlab(), pointmass=True)
    >>> rng = np.random.default_rng(1)
    >>> theta = np.where(rng.random(2000) < 0.5, 0.0, rng.normal(0, 3, 2000))
    >>> g = fam.fit(NormalMeans.from_arrays(theta + rng.normal(size=2000), 1.0), 0.0, None)
    >>> round(g.pi0, 1), round(g.scale, 0)
    (0.5, 3.0)
    """

    def __init__(self, name: str, slab: Slab, pointmass: bool):
        self.name = name
        self.slab = slab
        self.pointmass = pointmass
        self.nonnegative = slab.nonnegative

    def fit(self, data: NormalMeans, mode: float | str, g_init: Prior | None) -> Prior:
        """Maximum marginal likelihood g, then ebnm's check of the all-null g."""
        estimate_mode = mode == "estimate"
        if estimate_mode and np.any(data.exact):
            raise FlashError("mode='estimate' needs every s > 0 (the likelihood has no gradient).")
        unit = data.typical_scale()
        scaled = data.scaled(unit)
        if not np.any(scaled.informative):
            return (
                g_init
                if g_init is not None
                else self._prior(-np.inf if self.pointmass else np.inf, 1.0, self._fixed_mode(mode))
            )
        objective = _Objective(
            self.slab,
            scaled,
            self.pointmass,
            None if estimate_mode else self._fixed_mode(mode) / unit,
        )
        start = self._start(objective, g_init, unit)
        bounds = [(-_ALPHA_BOUND, _ALPHA_BOUND)] * self.pointmass + [_LOG_SCALE_BOUNDS]
        bounds += [(None, None)] * estimate_mode
        result = minimize(
            objective, start, jac=True, method="L-BFGS-B", bounds=bounds, options=_OPTIONS
        )
        alpha, scale, fitted_mode = objective.unpack(result.x)
        fitted = self._prior(alpha, scale * unit, fitted_mode * unit)
        if not self.pointmass or estimate_mode:
            return fitted
        null = self._prior(-np.inf, fitted.scale, fitted.mode)
        # Ties go to the null: a slab shrunk to nothing is the null, and exact zeros are
        # what let flash drop a factor.
        if self.log_marginal(null, data).sum() >= self.log_marginal(fitted, data).sum():
            return null
        return fitted

    def _fixed_mode(self, mode: float | str) -> float:
        if mode == "estimate":
            return 0.0
        return float(mode)

    def _prior(self, alpha: float, scale: float, mode: float) -> Prior:
        return Prior(self.name, pi0=float(expit(-alpha)), scale=float(scale), mode=float(mode))

    def _start(self, objective: _Objective, g_init: Prior | None, unit: float) -> np.ndarray:
        """Optimizer start: g_init's parameters (in median(s) units) or ebnm's defaults."""
        x = objective.x
        if g_init is not None:
            pi0 = g_init.pi0
            alpha = 0.0 if pi0 in (0.0, 1.0) else float(logit(1.0 - pi0))
            beta = np.log(g_init.scale / unit)
            mode = g_init.mode / unit
        else:
            alpha = 0.0
            mode = self.slab.start_mode(x) if objective.fixed_mode is None else objective.fixed_mode
            beta = np.log(max(self.slab.start_scale(x - mode), _MIN_SCALE))
        beta = float(np.clip(beta, *_LOG_SCALE_BOUNDS))
        start = [alpha] * self.pointmass + [beta]
        if objective.fixed_mode is None:
            start.append(mode)
        return np.asarray(start)

    def log_marginal_regular(self, prior: Prior, x: np.ndarray, s: np.ndarray) -> np.ndarray:
        """log[pi0 N(x; mode, s^2) + (1 - pi0) (h * N(0, s^2))(x - mode)]."""
        y = x - prior.mode
        log_slab = self.slab.log_conv(y, s, prior.scale)[0]
        return self._mix(prior, log_normal_pdf(y, 0.0, s**2), log_slab)

    def log_density(self, prior: Prior, x: np.ndarray) -> np.ndarray:
        """log pi0 at x = mode, log[(1 - pi0) h(x - mode)] elsewhere."""
        log_null, log_slab, _ = _exact_terms(self.slab, x - prior.mode, prior.scale, self.pointmass)
        return self._mix(prior, log_null, log_slab)

    def _mix(self, prior: Prior, log_null: np.ndarray, log_slab: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.logaddexp(np.log(prior.pi0) + log_null, np.log1p(-prior.pi0) + log_slab)

    def posterior_regular(
        self, prior: Prior, x: np.ndarray, s: np.ndarray, lfsr: bool
    ) -> PosteriorSummary:
        """Mix the slab posterior with the point mass by the posterior slab weight."""
        y = x - prior.mode
        log_slab = self.slab.log_conv(y, s, prior.scale)[0]
        with np.errstate(divide="ignore"):
            log_w = np.log1p(-prior.pi0) + log_slab
        weight = np.exp(log_w - self._mix(prior, log_normal_pdf(y, 0.0, s**2), log_slab))
        return self._combine(
            prior, weight, self.slab.posterior(y, s, prior.scale, -prior.mode, lfsr)
        )

    def prior_summary(self, prior: Prior, lfsr: bool) -> PosteriorSummary:
        """Moments and sign probabilities of g itself."""
        weight = np.asarray(1.0 - prior.pi0)
        return self._combine(prior, weight, self.slab.prior(prior.scale, -prior.mode, lfsr))

    def _combine(self, prior: Prior, weight: np.ndarray, slab: SlabPosterior) -> PosteriorSummary:
        mu = prior.mode
        mean_w = weight * slab.mean
        second = mu**2 + 2.0 * mu * mean_w + weight * slab.second_moment
        if slab.below is None:
            return PosteriorSummary(mu + mean_w, second)
        null = 1.0 - weight
        return PosteriorSummary(
            mu + mean_w,
            second,
            weight * slab.below + null * (mu < 0),
            null * (mu == 0),
            weight * slab.above + null * (mu > 0),
        )

    def warm_start_ok(self, prior: Prior, data: NormalMeans) -> bool:
        """Delegate to the slab (normal slabs get flashier's normalmix range check)."""
        return self.slab.warm_start_ok(prior, data)
