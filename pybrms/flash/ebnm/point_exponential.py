"""The exponential slab: family ``point_exponential``.

g = pi0 delta_mu + (1 - pi0) Exp(rate a) shifted to mu (ebnm's gammamix with shape 1).
With y = x - mu and z = y / s - a s, the convolved slab is
a exp(a^2 s^2 / 2 - a y) Phi(z) = a phi(y / s) R(-z), where R is the Mills ratio; the
second form is used because the first cancels huge terms when a s is large. The slab
posterior of theta - mu is N(y - a s^2, s^2) truncated to (0, inf).
"""

from __future__ import annotations

import numpy as np

from pybrms.flash.ebnm.numerics import (
    inverse_mills,
    log_mills,
    log_normal_pdf,
    truncnorm_positive_moments,
    truncnorm_positive_tail,
)
from pybrms.flash.ebnm.parametric import ParametricFamily, Slab, SlabPosterior


class ExponentialSlab(Slab):
    """Exp(rate 1 / scale) on (0, inf); the optimizer's beta is log(scale)."""

    nonnegative = True

    def log_conv(
        self, y: np.ndarray, s: np.ndarray, scale: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a = 1.0 / scale
        z = y / s - a * s
        mills = inverse_mills(z)
        value = np.log(a) + log_normal_pdf(y / s, 0.0, 1.0) + log_mills(-z)
        d_beta = -1.0 - (a * s) ** 2 + a * y + a * s * mills
        return value, d_beta, mills / s - a

    def log_density(self, y: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
        a = 1.0 / scale
        inside = y >= 0.0
        value = np.where(inside, np.log(a) - a * y, -np.inf)
        return value, np.where(inside, a * y - 1.0, 0.0)

    def posterior(
        self, y: np.ndarray, s: np.ndarray, scale: float, cut: float, lfsr: bool
    ) -> SlabPosterior:
        mean = y - s**2 / scale
        first, second = truncnorm_positive_moments(mean, s)
        if not lfsr:
            return SlabPosterior(first, second)
        return SlabPosterior(first, second, *truncnorm_positive_tail(mean, s, cut))

    def prior(self, scale: float, cut: float, lfsr: bool) -> SlabPosterior:
        first, second = np.asarray(scale), np.asarray(2.0 * scale**2)
        if not lfsr:
            return SlabPosterior(first, second)
        u = -max(cut, 0.0) / scale
        return SlabPosterior(first, second, -np.expm1(u), np.exp(u))

    def start_scale(self, y: np.ndarray) -> float:
        return float(np.sqrt(np.mean(y**2) / 2.0))

    def start_mode(self, x: np.ndarray) -> float:
        return float(np.min(x))


POINT_EXPONENTIAL = ParametricFamily("point_exponential", ExponentialSlab(), pointmass=True)
