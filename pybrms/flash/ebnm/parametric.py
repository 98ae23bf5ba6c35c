"""Maximum marginal likelihood for the parametric "spike and slab" families.

Each family is g = pi0 delta_mu + (1 - pi0) h(. - mu; scale), a point mass at the mode
plus a continuous slab h. The slab is the only family-specific part; it is described
by a :class:`Slab` (see ``point_normal.py``, ``point_laplace.py`` and
``point_exponential.py``) and everything else lives here:

* the optimizer parameters ``alpha = logit(1 - pi0)``, ``beta = log(scale)`` and
  (with ``mode="estimate"``) ``mu``, with the analytic gradient and Hessian, and a
  Newton method (:mod:`pybrms.flash.ebnm.newton`);
* ebnm's rescaling of x and s by median(s) before optimizing;
* ebnm's final comparison with the all-null solution pi0 = 1;
* warm starts from a previous g, and the combination of slab and point mass in the
  posterior.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace

import numpy as np
from scipy.special import expit, log_expit, logit

from pybrms.errors import FlashError
from pybrms.flash.ebnm.data import NormalMeans
from pybrms.flash.ebnm.family import Family, PosteriorSummary
from pybrms.flash.ebnm.newton import minimize_newton
from pybrms.flash.ebnm.numerics import log_normal_pdf
from pybrms.flash.ebnm.prior import Prior

# Box for the optimizer (scale in median(s) units), wide enough never to bind at a real
# optimum; it keeps a line search from wandering off to overflow when pi0 -> 0 or 1.
_ALPHA_BOUND = 40.0
_MIN_SCALE = 1e-12
_LOG_SCALE_BOUNDS = (np.log(_MIN_SCALE), -np.log(_MIN_SCALE))
# pi0 range of a cold-start hint: alpha within +-5 of the cold start's alpha = 0.
_HINT_PI0 = (float(expit(-5.0)), float(expit(5.0)))


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


@dataclass(frozen=True)
class SlabTerms:
    """log (h * N(0, s^2))(y) and its derivatives in beta = log(scale) and in y.

    The derivatives in y are None when the mode is fixed (they are not needed then).
    """

    value: np.ndarray
    d_beta: np.ndarray
    d_y: np.ndarray | None
    d_beta2: np.ndarray
    d_beta_y: np.ndarray | None
    d_y2: np.ndarray | None


def rate_terms(
    a: float,
    value: np.ndarray,
    g_a: np.ndarray,
    h_aa: np.ndarray,
    y_terms: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
) -> SlabTerms:
    """Derivatives in the rate ``a`` turned into derivatives in ``beta = log(1 / a)``;
    ``y_terms`` are ``(g_y, h_ay, h_yy)`` or None."""
    d_beta, d_beta2 = -a * g_a, a * g_a + a * a * h_aa
    if y_terms is None:
        return SlabTerms(value, d_beta, None, d_beta2, None, None)
    g_y, h_ay, h_yy = y_terms
    return SlabTerms(value, d_beta, g_y, d_beta2, -a * h_ay, h_yy)


class Slab(ABC):
    """The continuous part h of a spike-and-slab prior, centred at 0.

    All methods take ``y = x - mode`` and the slab's scale (the standard deviation of
    a normal slab, ``1 / rate`` of a Laplace or exponential slab). Derivatives are
    with respect to ``log(scale)`` and to ``y``.
    """

    nonnegative: bool = False

    @abstractmethod
    def log_conv(self, y: np.ndarray, s: np.ndarray, scale: float) -> np.ndarray:
        """log of (h * N(0, s^2))(y) for 0 < s < inf."""

    @abstractmethod
    def log_conv_terms(
        self, y: np.ndarray, s: np.ndarray, scale: float, mode_terms: bool
    ) -> SlabTerms:
        """:meth:`log_conv` with its first and second derivatives (those in y only
        with ``mode_terms``)."""

    @abstractmethod
    def log_density(self, y: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """log h(y) and its first and second derivatives with respect to log(scale)."""

    @abstractmethod
    def posterior(
        self, y: np.ndarray, s: np.ndarray, scale: float, cut: float, lfsr: bool
    ) -> tuple[np.ndarray, SlabPosterior]:
        """:meth:`log_conv` and the posterior of W given y = W + N(0, s^2) and W ~ h,
        for 0 < s < inf (together, because they share most of their work)."""

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


def _exact_terms(slab: Slab, y: np.ndarray, scale: float, pointmass: bool) -> _Terms:
    """Point-mass and slab log densities (and derivatives) where s == 0.

    With a point mass, densities are with respect to Lebesgue measure plus a unit atom
    at the mode, so at y == 0 only the point mass counts and elsewhere only the slab.
    Without one they are plain Lebesgue densities. The mode is fixed here (estimating
    it needs every s > 0), so the derivatives in y are zero.
    """
    at_mode = (y == 0.0) & pointmass
    log_slab, d_beta, d_beta2 = slab.log_density(y, scale)
    zero = np.zeros_like(y)
    return _Terms(
        log_null=np.where(at_mode, 0.0, -np.inf),
        d_null_y=zero,
        d_null_y2=zero,
        slab=SlabTerms(
            np.where(at_mode, -np.inf, log_slab),
            np.where(at_mode, 0.0, d_beta),
            zero,
            np.where(at_mode, 0.0, d_beta2),
            zero,
            zero,
        ),
    )


@dataclass(frozen=True)
class _Terms:
    """Per-observation log densities of the point mass and the slab, with derivatives."""

    log_null: np.ndarray
    d_null_y: np.ndarray
    d_null_y2: np.ndarray
    slab: SlabTerms


NullTerms = tuple[np.ndarray, np.ndarray, np.ndarray]


def _null_terms(y: np.ndarray, s: np.ndarray) -> NullTerms:
    """log N(y; 0, s^2) and its first and second derivatives in y."""
    s2 = s * s
    return log_normal_pdf(y, 0.0, s2), -y / s2, -1.0 / s2


def _regular_terms(
    slab: Slab,
    y: np.ndarray,
    s: np.ndarray,
    scale: float,
    mode_terms: bool,
    null: NullTerms | None = None,
) -> _Terms:
    """Terms where 0 < s < inf; ``null`` is the point mass's part when already known."""
    return _Terms(*(null or _null_terms(y, s)), slab.log_conv_terms(y, s, scale, mode_terms))


def _scatter_terms(mask: np.ndarray, inside: _Terms, outside: _Terms) -> _Terms:
    """Terms of ``inside`` where ``mask`` holds and of ``outside`` elsewhere."""

    def both(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.empty(mask.shape)
        out[mask] = a
        out[~mask] = b
        return out

    def both_or_none(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
        return None if a is None or b is None else both(a, b)  # None: y-terms not asked for

    a, b = inside.slab, outside.slab
    slab = SlabTerms(
        both(a.value, b.value),
        both(a.d_beta, b.d_beta),
        both_or_none(a.d_y, b.d_y),
        both(a.d_beta2, b.d_beta2),
        both_or_none(a.d_beta_y, b.d_beta_y),
        both_or_none(a.d_y2, b.d_y2),
    )
    return _Terms(
        both(inside.log_null, outside.log_null),
        both(inside.d_null_y, outside.d_null_y),
        both(inside.d_null_y2, outside.d_null_y2),
        slab,
    )


class _Objective:
    """Mean negative log marginal likelihood in (alpha, beta, mu), with derivatives.

    Parameters missing from the optimizer vector (pi0 for a family without point mass,
    mu when the mode is fixed) are held at the values given here.
    """

    def __init__(self, slab: Slab, data: NormalMeans, pointmass: bool, mode: float | None):
        self.slab = slab
        self.pointmass = pointmass
        self.fixed_mode = mode
        self.all_regular = data.all_regular
        if self.all_regular:  # the usual case: no copies
            self.x, self.s, self.regular = data.x, data.s, data.regular
        else:
            keep = data.informative
            self.x, self.s = data.x[keep], data.s[keep]
            self.regular = data.regular[keep]
            self.all_regular = bool(self.regular.all())
        # With the mode fixed the point mass's terms never change: compute them once.
        fixed = mode is not None and self.all_regular
        self.null = _null_terms(self.x - mode, self.s) if fixed else None

    def unpack(self, p: np.ndarray) -> tuple[float, float, float]:
        """(alpha, scale, mode) from the optimizer vector."""
        alpha = p[0] if self.pointmass else np.inf
        beta = p[1] if self.pointmass else p[0]
        mode = p[-1] if self.fixed_mode is None else self.fixed_mode
        return alpha, float(np.exp(beta)), mode

    def value(self, p: np.ndarray) -> float:
        """The objective alone: the slab's log convolution without derivatives."""
        alpha, scale, mode = self.unpack(p)
        if not self.all_regular:
            with np.errstate(invalid="ignore"):  # NaN derivatives where a density is 0
                return self.derivatives(p)[0]
        y, s = self.x - mode, self.s
        log_slab = self.slab.log_conv(y, s, scale)
        if not self.pointmass:
            return -float(log_slab.sum()) / log_slab.size
        log_null = self.null[0] if self.null else log_normal_pdf(y, 0.0, s * s)
        ll = np.logaddexp(log_expit(-alpha) + log_null, log_expit(alpha) + log_slab)
        return -float(ll.sum()) / ll.size

    def null_value(self, p: np.ndarray) -> float:
        """The objective at pi0 = 1 (the other parameters as in ``p``)."""
        if self.null is not None:
            return -float(self.null[0].sum()) / self.null[0].size
        null = p.copy()
        null[0] = -np.inf
        return self.value(null)

    def derivatives(self, p: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """The objective, its gradient and its Hessian in the optimizer's parameters."""
        alpha, scale, mode = self.unpack(p)
        t = self._terms(self.x - mode, scale)
        sl = t.slab
        estimate_mode = self.fixed_mode is None
        if self.pointmass:
            w = float(expit(alpha))
            c_slab = log_expit(alpha) + sl.value
            ll = np.logaddexp(log_expit(-alpha) + t.log_null, c_slab)
            post = np.exp(c_slab - ll)  # posterior probability of the slab
        else:
            ll, post = sl.value, np.ones_like(sl.value)
        q = post * (1.0 - post)
        # d/d(alpha, beta, mu) of each component's log density; their mixture's
        # Hessian is the posterior-weighted Hessians plus q times the outer product
        # of the difference of the component gradients. Entries in the order of the
        # optimizer's parameters (alpha if a point mass, beta, mu if estimated).
        q_beta = q * sl.d_beta
        grads = [float(post @ sl.d_beta)]
        hess = [[float(post @ sl.d_beta2 + q_beta @ sl.d_beta)]]
        if estimate_mode:
            assert sl.d_y is not None and sl.d_y2 is not None and sl.d_beta_y is not None
            diff_mu = t.d_null_y - sl.d_y
            grads.append(-float((post * sl.d_y + (1.0 - post) * t.d_null_y).sum()))
            h_bm = float((q * sl.d_beta * diff_mu - post * sl.d_beta_y).sum())
            h_mm = (post * sl.d_y2 + (1.0 - post) * t.d_null_y2 + q * diff_mu**2).sum()
            hess = [[hess[0][0], h_bm], [h_bm, float(h_mm)]]
        n = ll.size
        if self.pointmass:
            grads.insert(0, float(post.sum()) - w * n)
            h_a = [float(q.sum()) - n * w * (1.0 - w), float(q_beta.sum())]
            if estimate_mode:
                h_a.append(float((q * diff_mu).sum()))
            hess = [h_a] + [[h_a[i + 1], *row] for i, row in enumerate(hess)]
        return -float(ll.sum()) / n, np.array(grads) / -n, np.array(hess) / -n

    def _terms(self, y: np.ndarray, scale: float) -> _Terms:
        reg = self.regular
        mode_terms = self.fixed_mode is None
        if self.all_regular:
            return _regular_terms(self.slab, y, self.s, scale, mode_terms, self.null)
        regular = _regular_terms(self.slab, y[reg], self.s[reg], scale, mode_terms)
        exact = _exact_terms(self.slab, y[~reg], scale, self.pointmass)
        return _scatter_terms(reg, regular, exact)


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
        lower = np.array([-_ALPHA_BOUND] * self.pointmass + [_LOG_SCALE_BOUNDS[0]])
        upper = np.array([_ALPHA_BOUND] * self.pointmass + [_LOG_SCALE_BOUNDS[1]])
        if estimate_mode:
            lower, upper = np.append(lower, -np.inf), np.append(upper, np.inf)
        best, best_value = minimize_newton(objective.derivatives, start, lower, upper)
        alpha, scale, fitted_mode = objective.unpack(best)
        fitted = self._prior(alpha, scale * unit, fitted_mode * unit)
        if not self.pointmass or estimate_mode:
            return fitted
        # Ties go to the null: a slab shrunk to nothing is the null, and exact zeros are
        # what let flash drop a factor. (Both values are in median(s) units.)
        if objective.null_value(best) <= best_value:
            return self._prior(-np.inf, fitted.slab_scale, fitted.mode)
        return fitted

    def cold_start_hint(self, prior: Prior) -> Prior:
        """``prior`` with pi0 pulled into ``expit(-+_HINT_ALPHA)``.

        The Newton method reaches the same optimum from any start that is not stuck in
        a tail: far out in alpha the objective is flat to ``GTOL`` and it would stop at
        once, at pi0 near 0 or 1, where a cold start (alpha = 0) may find an interior
        optimum.
        """
        if not self.pointmass or _HINT_PI0[0] <= prior.pi0 <= _HINT_PI0[1]:
            return prior
        return replace(prior, pi0=min(max(prior.pi0, _HINT_PI0[0]), _HINT_PI0[1]))

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
            beta = np.log(g_init.slab_scale / unit)
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
        log_slab = self.slab.log_conv(y, s, prior.slab_scale)
        return self._mix(prior, log_normal_pdf(y, 0.0, s**2), log_slab)

    def log_density(self, prior: Prior, x: np.ndarray) -> np.ndarray:
        """log pi0 at x = mode, log[(1 - pi0) h(x - mode)] elsewhere."""
        terms = _exact_terms(self.slab, x - prior.mode, prior.slab_scale, self.pointmass)
        return self._mix(prior, terms.log_null, terms.slab.value)

    def _mix(self, prior: Prior, log_null: np.ndarray, log_slab: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.logaddexp(np.log(prior.pi0) + log_null, np.log1p(-prior.pi0) + log_slab)

    def solve(
        self,
        data: NormalMeans,
        mode: float | str,
        g_init: Prior | None,
        fix_g: bool,
        posterior: bool,
        lfsr: bool,
    ) -> tuple[Prior, np.ndarray, PosteriorSummary | None]:
        """As :meth:`Family.solve`; with every s regular, the log marginal and the posterior
        come from one pass over the data."""
        if not (posterior and data.all_regular):
            return super().solve(data, mode, g_init, fix_g, posterior, lfsr)
        if fix_g:
            assert g_init is not None  # ebnm() refuses fix_g without g_init
            prior = g_init
        else:
            prior = self.fit(data, mode, g_init)
        log_marginal, regular = self._regular_pass(prior, data.x, data.s, lfsr)
        return prior, log_marginal, self.posterior(prior, data, lfsr, regular=regular)

    def posterior_regular(
        self, prior: Prior, x: np.ndarray, s: np.ndarray, lfsr: bool
    ) -> PosteriorSummary:
        """Mix the slab posterior with the point mass by the posterior slab weight."""
        return self._regular_pass(prior, x, s, lfsr)[1]

    def _regular_pass(
        self, prior: Prior, x: np.ndarray, s: np.ndarray, lfsr: bool
    ) -> tuple[np.ndarray, PosteriorSummary]:
        """log p(x_i | g) and the posterior summary, for 0 < s < inf."""
        y = x - prior.mode
        log_slab, slab = self.slab.posterior(y, s, prior.slab_scale, -prior.mode, lfsr)
        log_marginal = self._mix(prior, log_normal_pdf(y, 0.0, s**2), log_slab)
        with np.errstate(divide="ignore"):
            log_w = np.log1p(-prior.pi0) + log_slab
        weight = np.exp(log_w - log_marginal)
        return log_marginal, self._combine(prior, weight, slab)

    def prior_summary(self, prior: Prior, lfsr: bool) -> PosteriorSummary:
        """Moments and sign probabilities of g itself."""
        weight = np.asarray(1.0 - prior.pi0)
        return self._combine(prior, weight, self.slab.prior(prior.slab_scale, -prior.mode, lfsr))

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
