"""The interface every EBNM prior family implements, and its shared bookkeeping.

A family knows how to fit g to regular observations and how to evaluate its marginal
density and posterior. This base class handles the two special kinds of observation
once for all families: ``s == inf`` (no information: the posterior is the prior) and
``s == 0`` (theta is known: the posterior is a point mass at x).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace

import numpy as np
from scipy.special import log_ndtr

from pybrms.flash.ebnm.data import NormalMeans
from pybrms.flash.ebnm.prior import Prior


@dataclass(frozen=True)
class PosteriorSummary:
    """Posterior moments of theta and, when asked for, the sign probabilities.

    ``prob_negative``, ``prob_zero`` and ``prob_positive`` are P(theta < 0),
    P(theta = 0) and P(theta > 0), each computed directly so that the smallest keeps
    its relative accuracy; they are None when lfsr was not requested.
    """

    mean: np.ndarray
    second_moment: np.ndarray
    prob_negative: np.ndarray | None = None
    prob_zero: np.ndarray | None = None
    prob_positive: np.ndarray | None = None

    @property
    def lfsr(self) -> np.ndarray | None:
        """Local false sign rate min(P(theta <= 0), P(theta >= 0))."""
        if self.prob_negative is None or self.prob_zero is None or self.prob_positive is None:
            return None
        return np.minimum(self.prob_negative + self.prob_zero, self.prob_positive + self.prob_zero)


class Family(ABC):
    """An EBNM prior family: fitting g and evaluating the posterior it implies.

    Subclasses implement the regular case (``0 < s < inf``), the density of g itself
    (the ``s == 0`` case) and the moments of g (the ``s == inf`` case).
    """

    name: str
    nonnegative: bool = False

    @abstractmethod
    def fit(self, data: NormalMeans, mode: float | str, g_init: Prior | None) -> Prior:
        """Maximize sum_i log p(x_i | g) over the family, from g_init if given."""

    @abstractmethod
    def log_marginal_regular(self, prior: Prior, x: np.ndarray, s: np.ndarray) -> np.ndarray:
        """log p(x_i | g) for observations with 0 < s < inf."""

    @abstractmethod
    def log_density(self, prior: Prior, x: np.ndarray) -> np.ndarray:
        """log density of g at x, with respect to Lebesgue measure plus a unit atom
        at the mode (the ``s == 0`` limit of the marginal)."""

    @abstractmethod
    def posterior_regular(
        self, prior: Prior, x: np.ndarray, s: np.ndarray, lfsr: bool
    ) -> PosteriorSummary:
        """Posterior summary for observations with 0 < s < inf."""

    @abstractmethod
    def prior_summary(self, prior: Prior, lfsr: bool) -> PosteriorSummary:
        """The same summary for g itself (0-d arrays), used where s is infinite."""

    def warm_start_ok(self, prior: Prior, data: NormalMeans) -> bool:
        """Whether a previous g may warm start a fit to these data (flashier's check)."""
        return True

    def cold_start_hint(self, prior: Prior) -> Prior | None:
        """A ``g_init`` near ``prior`` from which :meth:`fit` reaches the optimum of a cold
        start (``g_init=None``), or None when no such start exists (the default: for
        the scale mixture a warm start keeps the old grid, which changes the fit)."""
        return None

    def solve(
        self,
        data: NormalMeans,
        mode: float | str,
        g_init: Prior | None,
        fix_g: bool,
        posterior: bool,
        lfsr: bool,
    ) -> tuple[Prior, np.ndarray, PosteriorSummary | None]:
        """Fit g (or take ``g_init`` with ``fix_g``), then log p(x_i | g) and the posterior.

        A family that can share work between the three steps overrides this; the
        posterior is None unless ``posterior`` is set.
        """
        if fix_g:
            assert g_init is not None  # ebnm() refuses fix_g without g_init
            prior = g_init
        else:
            prior = self.fit(data, mode, g_init)
        summary = self.posterior(prior, data, lfsr) if posterior else None
        return prior, self.log_marginal(prior, data), summary

    def log_marginal(self, prior: Prior, data: NormalMeans) -> np.ndarray:
        """log p(x_i | g) for every observation (0 where s is infinite)."""
        if data.all_regular:
            return self.log_marginal_regular(prior, data.x, data.s)
        out = np.zeros_like(data.x)
        out[data.regular] = self.log_marginal_regular(
            prior, data.x[data.regular], data.s[data.regular]
        )
        out[data.exact] = self.log_density(prior, data.x[data.exact])
        return out

    def posterior(
        self,
        prior: Prior,
        data: NormalMeans,
        lfsr: bool,
        regular: PosteriorSummary | None = None,
    ) -> PosteriorSummary:
        """Posterior summary for every observation.

        ``regular``, when given, is the already computed summary of the regular
        observations (``0 < s < inf``).
        """
        if regular is None:
            regular = self.posterior_regular(
                prior, data.x[data.regular], data.s[data.regular], lfsr
            )
        if data.all_regular:
            second = np.maximum(regular.second_moment, regular.mean**2)
            return replace(regular, second_moment=second)
        n = data.x.size
        fields = ["mean", "second_moment"]
        if lfsr:
            fields += ["prob_negative", "prob_zero", "prob_positive"]
        out = {name: np.empty(n) for name in fields}
        x_exact = data.x[data.exact]
        exact = PosteriorSummary(
            x_exact, x_exact**2, 1.0 * (x_exact < 0), 1.0 * (x_exact == 0), 1.0 * (x_exact > 0)
        )
        uninformed = self.prior_summary(prior, lfsr)
        for mask, part in (
            (data.regular, regular),
            (data.exact, exact),
            (~data.informative, uninformed),
        ):
            for name in fields:
                out[name][mask] = getattr(part, name)
        out["second_moment"] = np.maximum(out["second_moment"], out["mean"] ** 2)
        return PosteriorSummary(**out)


def normalmix_warm_start_ok(max_sd: float, mode: float, data: NormalMeans) -> bool:
    """flashier's sanity check before warm starting a normal-mixture prior.

    The old g is kept only if no observation falls so far outside +-2 max_sd (around
    the mode) that a fresh grid would be needed: both tail probabilities
    Phi(min((x - lo) / s)) and 1 - Phi(max((x - hi) / s)) must exceed 1 - 0.95^(1/n).

    Examples
    --------
    >>> near = NormalMeans.from_arrays(np.array([0.5, -1.0]), 1.0)
    >>> far = NormalMeans.from_arrays(np.array([0.5, 30.0]), 1.0)
    >>> normalmix_warm_start_ok(1.0, 0.0, near), normalmix_warm_start_ok(1.0, 0.0, far)
    (True, False)
    """
    x, s = data.x[data.regular] - mode, data.s[data.regular]
    if x.size == 0:
        return True
    hi = 2.0 * max_sd
    log_p_lo = log_ndtr(np.min((x + hi) / s))
    log_p_hi = log_ndtr(-np.max((x - hi) / s))
    threshold = -np.expm1(np.log(0.95) / x.size)
    return bool(min(log_p_lo, log_p_hi) > np.log(threshold))
