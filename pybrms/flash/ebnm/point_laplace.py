"""The Laplace slab: family ``point_laplace``.

g = pi0 delta_mu + (1 - pi0) Laplace(mu, scale b), rate a = 1 / b, density
(a / 2) exp(-a |theta - mu|). With y = x - mu, the convolved slab is

    (a / 2) exp(a^2 s^2 / 2) [exp(-a y) Phi(y / s - a s) + exp(a y) Phi(-y / s - a s)],

computed in logs as (a / 2) phi(y / s) [R(-y / s + a s) + R(y / s + a s)], with R the
Mills ratio, which avoids cancelling exp(a^2 s^2 / 2) against Phi when a s is large.
The slab posterior of theta - mu is a two-piece truncated normal:
N(y - a s^2, s^2) on (0, inf) with probability lambda (the share of the first term
above) and N(y + a s^2, s^2) on (-inf, 0) otherwise.
"""

from __future__ import annotations

import numpy as np

from pybrms.flash.ebnm.numerics import (
    MILLS_FLOOR,
    log_mills,
    log_std_normal_pdf,
    mills,
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


def _pieces(y: np.ndarray, s: np.ndarray, a: float) -> tuple[np.ndarray, ...]:
    """Standardized truncation points, log of the two terms (less log phi(y / s)),
    and their log sum."""
    ys, a_s = y / s, a * s
    z_pos = ys - a_s
    z_neg = -ys - a_s
    # One call for both pieces: this runs in every optimizer step, on short vectors.
    both = log_mills(np.concatenate([-z_pos, -z_neg]))
    log_pos, log_neg = both[: y.size], both[y.size :]
    return z_pos, z_neg, log_pos, log_neg, np.logaddexp(log_pos, log_neg)


def _ratios(
    z_pos: np.ndarray, z_neg: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(lam, r_pos, r_neg, log_sum)`` straight from the Mills ratios ``M(-z)``.

    This skips the logs and exponentials of :func:`_pieces`, which dominate the cost
    of an optimizer step. Where ``-z`` is below ``MILLS_FLOOR`` (at most one of the
    two pieces, as ``-z_pos - z_neg = 2 a s > 0``) that piece's ratio overflows:
    there it is the whole sum to double precision, so ``lam`` is 1 or 0, its ``r`` is
    0 and the log of the sum is its log Mills ratio's asymptote.
    """
    t = np.concatenate([-z_pos, -z_neg])
    m = mills(np.maximum(t, MILLS_FLOOR))
    n = z_pos.size
    m_pos, m_neg = m[:n], m[n:]
    total = m_pos + m_neg
    lam, r_pos, r_neg, log_sum = m_pos / total, 1.0 / m_pos, 1.0 / m_neg, np.log(total)
    far = t < MILLS_FLOOR
    if far.any():
        far_pos, far_neg = far[:n], far[n:]
        r_pos[far_pos], r_neg[far_neg] = 0.0, 0.0
        lam[far_pos], lam[far_neg] = 1.0, 0.0
        log_sum[far_pos] = log_mills(t[:n][far_pos])
        log_sum[far_neg] = log_mills(t[n:][far_neg])
    return lam, r_pos, r_neg, log_sum


class LaplaceSlab(Slab):
    """Laplace(0, scale); the optimizer's beta is log(scale)."""

    def log_conv(self, y: np.ndarray, s: np.ndarray, scale: float) -> np.ndarray:
        a = 1.0 / scale
        log_sum = _pieces(y, s, a)[4]
        return np.log(a / 2.0) + log_std_normal_pdf(y / s) + log_sum

    def log_conv_terms(
        self, y: np.ndarray, s: np.ndarray, scale: float, mode_terms: bool
    ) -> SlabTerms:
        # Each piece is log(e^{-+a y} Phi(z)); r = phi(z)/Phi(z) and q = r (z + r) give
        # its derivatives (dr/dz = -q); the two pieces mix with weights lam, 1 - lam.
        a = 1.0 / scale
        a_s = a * s
        z_pos, z_neg = y / s - a_s, -y / s - a_s
        lam, r_pos, r_neg, log_sum = _ratios(z_pos, z_neg)
        mu = 1.0 - lam
        q_pos, q_neg = r_pos * (z_pos + r_pos), r_neg * (z_neg + r_neg)
        s2 = s * s
        g_a_pos, g_a_neg = -y - s * r_pos, y - s * r_neg
        diff_a = g_a_pos - g_a_neg
        mixed_q = lam * q_pos + mu * q_neg
        both = lam * mu
        y_terms = None
        if mode_terms:
            g_y_pos, g_y_neg = r_pos / s - a, a - r_neg / s
            diff_y = g_y_pos - g_y_neg
            y_terms = (
                lam * g_y_pos + mu * g_y_neg,
                lam * (q_pos - 1.0) + mu * (1.0 - q_neg) + both * diff_a * diff_y,
                both * diff_y**2 - mixed_q / s2,
            )
        return rate_terms(
            a,
            value=np.log(a / 2.0) + log_std_normal_pdf(y / s) + log_sum,
            g_a=lam * g_a_pos + mu * g_a_neg + 1.0 / a + a * s2,
            h_aa=s2 * (1.0 - mixed_q) + both * diff_a**2 - 1.0 / a**2,
            y_terms=y_terms,
        )

    def log_density(self, y: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a_y = np.abs(y) / scale
        return np.log(0.5 / scale) - a_y, a_y - 1.0, -a_y

    def posterior(
        self, y: np.ndarray, s: np.ndarray, scale: float, cut: float, lfsr: bool
    ) -> tuple[np.ndarray, SlabPosterior]:
        a = 1.0 / scale
        _, _, log_pos, log_neg, log_sum = _pieces(y, s, a)
        log_conv = np.log(a / 2.0) + log_std_normal_pdf(y / s) + log_sum
        lam = np.exp(log_pos - log_sum)
        mean_pos = y - a * s**2  # mean of the untruncated positive piece
        mean_neg = -y - a * s**2  # same for -W on the negative piece
        # The pieces' log Mills ratios are the truncated normals' ones too.
        first_pos, second_pos = truncnorm_positive_moments(mean_pos, s, log_pos)
        first_neg, second_neg = truncnorm_positive_moments(mean_neg, s, log_neg)
        first = lam * first_pos - (1.0 - lam) * first_neg
        second = lam * second_pos + (1.0 - lam) * second_neg
        if not lfsr:
            return log_conv, SlabPosterior(first, second)
        below_pos, above_pos = truncnorm_positive_tail(mean_pos, s, cut)
        # On the negative piece W < cut  <=>  -W > -cut.
        above_neg, below_neg = truncnorm_positive_tail(mean_neg, s, -cut)
        below = lam * below_pos + (1.0 - lam) * below_neg
        above = lam * above_pos + (1.0 - lam) * above_neg
        return log_conv, SlabPosterior(first, second, below, above)

    def prior(self, scale: float, cut: float, lfsr: bool) -> SlabPosterior:
        first, second = np.asarray(0.0), np.asarray(2.0 * scale**2)
        if not lfsr:
            return SlabPosterior(first, second)
        near = 0.5 * np.exp(-abs(cut) / scale)  # P(W beyond cut, away from 0)
        far = 1.0 - near
        if cut >= 0.0:
            return SlabPosterior(first, second, far, near)
        return SlabPosterior(first, second, near, far)

    def start_scale(self, y: np.ndarray) -> float:
        return float(np.sqrt(np.mean(y**2) / 2.0))

    def start_mode(self, x: np.ndarray) -> float:
        return float(np.mean(x))


POINT_LAPLACE = ParametricFamily("point_laplace", LaplaceSlab(), pointmass=True)
