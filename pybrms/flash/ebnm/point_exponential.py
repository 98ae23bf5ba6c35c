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
    log_mills,
    log_std_normal_pdf,
    truncnorm_positive_moments,
    truncnorm_positive_tail,
)
from pybrms.flash.ebnm.parametric import (
    ParametricFamily,
    Slab,
    SlabPosterior,
    SlabTerms,
    rate_terms,
)


class ExponentialSlab(Slab):
    """Exp(rate 1 / scale) on (0, inf); the optimizer's beta is log(scale)."""

    nonnegative = True

    def log_conv(self, y: np.ndarray, s: np.ndarray, scale: float) -> np.ndarray:
        a = 1.0 / scale
        return np.log(a) + log_std_normal_pdf(y / s) + log_mills(a * s - y / s)

    def log_conv_terms(
        self, y: np.ndarray, s: np.ndarray, scale: float, mode_terms: bool
    ) -> SlabTerms:
        # r = phi(z)/Phi(z) and q = r (z + r) give the derivatives of log Phi(z).
        a = 1.0 / scale
        z = y / s - a * s
        log_m = log_mills(-z)
        r = np.exp(-log_m)
        q = r * (z + r)
        s2 = s * s
        return rate_terms(
            a,
            value=np.log(a) + log_std_normal_pdf(y / s) + log_m,
            g_a=1.0 / a + a * s2 - y - s * r,
            h_aa=s2 * (1.0 - q) - 1.0 / a**2,
            y_terms=(r / s - a, q - 1.0, -q / s2) if mode_terms else None,
        )

    def log_density(self, y: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a_y = y / scale
        inside = y >= 0.0
        value = np.where(inside, -np.log(scale) - a_y, -np.inf)
        return value, np.where(inside, a_y - 1.0, 0.0), np.where(inside, -a_y, 0.0)

    def posterior(
        self, y: np.ndarray, s: np.ndarray, scale: float, cut: float, lfsr: bool
    ) -> tuple[np.ndarray, SlabPosterior]:
        a = 1.0 / scale
        mean = y - a * s**2
        # log M(-z) with z = mean / s is both the log convolution's and the moments' ratio.
        log_m = log_mills(a * s - y / s)
        log_conv = np.log(a) + log_std_normal_pdf(y / s) + log_m
        first, second = truncnorm_positive_moments(mean, s, log_m)
        if not lfsr:
            return log_conv, SlabPosterior(first, second)
        return log_conv, SlabPosterior(first, second, *truncnorm_positive_tail(mean, s, cut))

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
