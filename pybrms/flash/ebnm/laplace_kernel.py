"""Compiled (numba) loops for ``point_laplace``: the optimizer's objective and the posterior.

A ``point_laplace`` solve of flash's size (a few hundred observations) spends most of
its time in numpy's per-call overhead: each objective evaluation chains some forty
array operations on short vectors. These loops do the same arithmetic, observation by
observation, in one pass (see ``point_laplace.py`` for the formulas); they are used
for the usual case (mode fixed, every ``0 < s < inf``) when numba is installed, and
the numpy path serves every other case and is the reference in the tests.

The Mills ratio comes from scipy's own ``erfcx`` (``scipy.special.cython_special``),
bound by name so that numba's on-disk cache (``cache=True``) holds across processes:
only the first process after an install pays the compilation (about 1.5 s of CPU).
"""

from __future__ import annotations

import math
from typing import Any

import llvmlite.binding as llvm
import numba
import numpy as np
from numba.extending import get_cython_function_address

from pybrms.flash.ebnm.numerics import _CF_SWITCH, _CF_TERMS, LOG_2PI, MILLS_FLOOR

# The double (not complex) specialization of scipy's fused erfcx.
llvm.add_symbol(
    "pybrms_erfcx",
    get_cython_function_address("scipy.special.cython_special", "__pyx_fuse_1erfcx"),
)
# A numba type, callable only inside compiled code (hence Any for mypy).
_erfcx: Any = numba.types.ExternalFunction("pybrms_erfcx", numba.float64(numba.float64))

_SQRT_HALF = math.sqrt(0.5)
_SQRT_HALF_PI = math.sqrt(math.pi / 2.0)
_LOG_SQRT_HALF_PI = 0.5 * math.log(math.pi / 2.0)
_LN2 = math.log(2.0)


@numba.njit(cache=True)
def _mills(t: float) -> float:
    """Phi(-t) / phi(t) for t >= MILLS_FLOOR (as ``numerics.mills``)."""
    return _SQRT_HALF_PI * _erfcx(t * _SQRT_HALF)


@numba.njit(cache=True)
def _log_mills(t: float) -> float:
    """log Phi(-t) / phi(t) for every t (as ``numerics.log_mills``)."""
    if t < MILLS_FLOOR:
        return 0.5 * (LOG_2PI + t * t)
    return _LOG_SQRT_HALF_PI + math.log(_erfcx(t * _SQRT_HALF))


@numba.njit(cache=True)
def _logaddexp(a: float, b: float) -> float:
    """numpy's ``logaddexp`` for two floats."""
    if a == b:
        return a + _LN2
    d = a - b
    if d > 0.0:
        return a + math.log1p(math.exp(-d))
    return b + math.log1p(math.exp(d))


@numba.njit(cache=True)
def _log_expit(x: float) -> float:
    if x < 0.0:
        return x - math.log1p(math.exp(x))
    return -math.log1p(math.exp(-x))


@numba.njit(cache=True)
def objective(
    y: np.ndarray, s: np.ndarray, log_null: np.ndarray, alpha: float, beta: float
) -> tuple[float, float, float, float, float, float]:
    """Mean negative log marginal likelihood of point_laplace in (alpha, beta) and its
    gradient and Hessian: ``(f, g_alpha, g_beta, h_alpha_alpha, h_alpha_beta, h_beta_beta)``.

    ``log_null`` is log N(y; 0, s^2); alpha = logit(1 - pi0), beta = log(scale).

    Examples
    --------
    >>> y, s = np.array([0.0, 1.5, -3.0]), np.ones(3)
    >>> f, g_alpha, *_ = objective(y, s, -0.5 * (LOG_2PI + y**2), 0.0, 0.0)
    >>> round(f, 6), round(g_alpha, 6)  # pi0 = 1/2, scale 1: more slab would fit better
    (2.289348, -0.111509)
    """
    a = 1.0 / math.exp(beta)
    log_w_slab, log_w_null = _log_expit(alpha), _log_expit(-alpha)
    w = 1.0 / (1.0 + math.exp(-alpha))
    log_half_a = math.log(a / 2.0)
    sum_ll = sum_post = sum_q = sum_post_b = sum_q_b = sum_h_bb = 0.0
    n = y.size
    for i in range(n):
        si, yi = s[i], y[i]
        s2, ys, a_s = si * si, yi / si, a * si
        z_pos, z_neg = ys - a_s, -ys - a_s
        # The two pieces' Mills ratios; where one overflows it is the whole sum.
        m_pos = _mills(max(-z_pos, MILLS_FLOOR))
        m_neg = _mills(max(-z_neg, MILLS_FLOOR))
        total = m_pos + m_neg
        lam, r_pos, r_neg, log_sum = m_pos / total, 1.0 / m_pos, 1.0 / m_neg, math.log(total)
        if -z_pos < MILLS_FLOOR:
            lam, r_pos, log_sum = 1.0, 0.0, _log_mills(-z_pos)
        elif -z_neg < MILLS_FLOOR:
            lam, r_neg, log_sum = 0.0, 0.0, _log_mills(-z_neg)
        mu = 1.0 - lam
        q_pos, q_neg = r_pos * (z_pos + r_pos), r_neg * (z_neg + r_neg)
        g_a_pos, g_a_neg = -yi - si * r_pos, yi - si * r_neg
        diff_a = g_a_pos - g_a_neg
        value = log_half_a - 0.5 * (LOG_2PI + ys * ys) + log_sum
        g_a = lam * g_a_pos + mu * g_a_neg + 1.0 / a + a * s2
        h_aa = s2 * (1.0 - (lam * q_pos + mu * q_neg)) + lam * mu * diff_a**2 - 1.0 / a**2
        d_beta, d_beta2 = -a * g_a, a * g_a + a * a * h_aa
        c_slab = log_w_slab + value
        ll = _logaddexp(log_w_null + log_null[i], c_slab)
        post = math.exp(c_slab - ll)  # posterior probability of the slab
        q = post * (1.0 - post)
        sum_ll += ll
        sum_post += post
        sum_q += q
        sum_post_b += post * d_beta
        sum_q_b += q * d_beta
        sum_h_bb += post * d_beta2 + q * d_beta * d_beta
    return (
        -sum_ll / n,
        -(sum_post - w * n) / n,
        -sum_post_b / n,
        -(sum_q - n * w * (1.0 - w)) / n,
        -sum_q_b / n,
        -sum_h_bb / n,
    )


@numba.njit(cache=True)
def _truncnorm_positive(mean: float, sd: float, log_mills_at: float) -> tuple[float, float]:
    """First and second moments of N(mean, sd^2) on (0, inf) (as
    ``numerics.truncnorm_positive_moments``)."""
    z = mean / sd
    if z >= _CF_SWITCH:
        r = math.exp(-log_mills_at)
        return sd * (z + r), sd * sd * (1.0 + z * (z + r))
    t, e = -z, 0.0
    for k in range(_CF_TERMS, 1, -1):
        e = k / (t + e)
    d = 1.0 / (t + e)
    return sd * d, sd * sd * d * e


@numba.njit(cache=True)
def posterior(
    y: np.ndarray, s: np.ndarray, scale: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log (Laplace * N(0, s^2))(y) and the first two moments of the slab posterior.

    Examples
    --------
    >>> log_conv, first, second = posterior(np.array([50.0]), np.array([1.0]), 1.0)
    >>> first.tolist(), second.tolist()  # far out: N(y - s^2 / scale, s^2)
    ([49.0], [2402.0])
    """
    a = 1.0 / scale
    n = y.size
    log_conv, first, second = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        si, yi = s[i], y[i]
        ys, a_s = yi / si, a * si
        log_pos, log_neg = _log_mills(a_s - ys), _log_mills(ys + a_s)
        log_sum = _logaddexp(log_pos, log_neg)
        log_conv[i] = math.log(a / 2.0) - 0.5 * (LOG_2PI + ys * ys) + log_sum
        lam = math.exp(log_pos - log_sum)
        a_s2 = a * (si * si)
        first_pos, second_pos = _truncnorm_positive(yi - a_s2, si, log_pos)
        first_neg, second_neg = _truncnorm_positive(-yi - a_s2, si, log_neg)
        first[i] = lam * first_pos - (1.0 - lam) * first_neg
        second[i] = lam * second_pos + (1.0 - lam) * second_neg
    return log_conv, first, second
