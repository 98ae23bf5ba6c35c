"""The normal slab: families ``normal`` (slab only) and ``point_normal``.

g = pi0 delta_mu + (1 - pi0) N(mu, sigma^2). Convolution with the noise stays normal,
N(mu, s^2 + sigma^2), and the slab posterior is N(m, v) with
m = sigma^2 y / (sigma^2 + s^2) + mu and v = sigma^2 s^2 / (sigma^2 + s^2).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from pybrms.flash.ebnm.data import NormalMeans
from pybrms.flash.ebnm.family import normalmix_warm_start_ok
from pybrms.flash.ebnm.numerics import log_normal_pdf
from pybrms.flash.ebnm.parametric import ParametricFamily, Slab, SlabPosterior, SlabTerms
from pybrms.flash.ebnm.prior import Prior


class NormalSlab(Slab):
    """N(0, scale^2); the optimizer's beta is log(scale) (the sd, not the variance)."""

    def log_conv(self, y: np.ndarray, s: np.ndarray, scale: float) -> np.ndarray:
        return log_normal_pdf(y, 0.0, s * s + scale * scale)

    def log_conv_terms(
        self, y: np.ndarray, s: np.ndarray, scale: float, mode_terms: bool
    ) -> SlabTerms:
        u = scale * scale
        var = s * s + u
        inv_var = 1.0 / var
        excess = (y * y - var) * inv_var**2  # d log N / d var, times 2
        d_beta = u * excess
        d_beta2 = 2.0 * d_beta - 2.0 * u * u * inv_var**2 - 4.0 * u * d_beta * inv_var
        value = log_normal_pdf(y, 0.0, var)
        if not mode_terms:
            return SlabTerms(value, d_beta, None, d_beta2, None, None)
        return SlabTerms(value, d_beta, -y * inv_var, d_beta2, 2.0 * u * y * inv_var**2, -inv_var)

    def log_density(self, y: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        z2 = (y / scale) ** 2
        return log_normal_pdf(y, 0.0, scale**2), z2 - 1.0, -2.0 * z2

    def posterior(
        self, y: np.ndarray, s: np.ndarray, scale: float, cut: float, lfsr: bool
    ) -> tuple[np.ndarray, SlabPosterior]:
        var = s**2 + scale**2
        log_conv = log_normal_pdf(y, 0.0, var)
        mean = scale**2 * y / var
        post_var = scale**2 * s**2 / var
        if not lfsr:
            return log_conv, SlabPosterior(mean, mean**2 + post_var)
        post_sd = np.sqrt(post_var)
        below = ndtr((cut - mean) / post_sd)
        above = ndtr((mean - cut) / post_sd)
        return log_conv, SlabPosterior(mean, mean**2 + post_var, below, above)

    def prior(self, scale: float, cut: float, lfsr: bool) -> SlabPosterior:
        if not lfsr:
            return SlabPosterior(np.asarray(0.0), np.asarray(scale**2))
        below, above = ndtr(cut / scale), ndtr(-cut / scale)
        return SlabPosterior(np.asarray(0.0), np.asarray(scale**2), below, above)

    def start_scale(self, y: np.ndarray) -> float:
        return float(np.sqrt(np.mean(y**2)))

    def start_mode(self, x: np.ndarray) -> float:
        return float(np.mean(x))

    def warm_start_ok(self, prior: Prior, data: NormalMeans) -> bool:
        return normalmix_warm_start_ok(prior.slab_scale, prior.mode, data)


NORMAL = ParametricFamily("normal", NormalSlab(), pointmass=False)
POINT_NORMAL = ParametricFamily("point_normal", NormalSlab(), pointmass=True)
