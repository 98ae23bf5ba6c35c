"""Numerically stable normal-distribution helpers shared by the EBNM families.

Everything here works on numpy arrays elementwise and stays finite and accurate for
arguments far in the tails (``|z|`` up to about 1e4), where the textbook formulas lose
all their digits to cancellation or underflow.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erfcx, log_ndtr

LOG_2PI = float(np.log(2.0 * np.pi))
_LOG_SQRT_HALF_PI = float(0.5 * np.log(np.pi / 2.0))
_SQRT_HALF = float(np.sqrt(0.5))
_SQRT_HALF_PI = float(np.sqrt(np.pi / 2.0))
# Below t = -37, Phi(-t) = 1 to double precision and erfcx(t / sqrt 2) would overflow.
MILLS_FLOOR = -37.0

# Below this z the Mills-ratio continued fraction replaces the direct formula for the
# truncated-normal moments. At z = -5 the direct formula loses about one digit; the
# continued fraction with _CF_TERMS terms is accurate to machine precision for every
# t = -z >= 5.
_CF_SWITCH = -5.0
_CF_TERMS = 40


def log_normal_pdf(x: np.ndarray, mean: np.ndarray | float, var: np.ndarray | float) -> np.ndarray:
    """Log density of N(mean, var) at x.

    Examples
    --------
    >>> float(log_normal_pdf(np.array(0.0), 0.0, 1.0))  # doctest: +ELLIPSIS
    -0.918938533...
    """
    return -0.5 * (LOG_2PI + np.log(var) + (x - mean) ** 2 / var)


def log_std_normal_pdf(z: np.ndarray) -> np.ndarray:
    """log phi(z), the standard normal log density.

    Examples
    --------
    >>> float(log_std_normal_pdf(np.array(0.0)))  # doctest: +ELLIPSIS
    -0.918938533...
    """
    return -0.5 * (LOG_2PI + z * z)


def log_mills(t: np.ndarray) -> np.ndarray:
    """log of the Mills ratio Phi(-t) / phi(t), accurate for every t.

    The Mills ratio is ``sqrt(pi / 2) erfcx(t / sqrt 2)``; the scaled complementary
    error function never subtracts two huge numbers (log Phi(-t) and log phi(t) both
    behave like -t^2 / 2), and one call covers the whole range.

    Examples
    --------
    >>> np.round(np.exp(log_mills(np.array([0.0, 1e6]))) * [1.0, 1e6], 6).tolist()
    [1.253314, 1.0]
    """
    t = np.asarray(t, dtype=float)
    out = _LOG_SQRT_HALF_PI + np.log(erfcx(np.maximum(t, MILLS_FLOOR) * _SQRT_HALF))
    far = t < MILLS_FLOOR
    if far.any():  # rare, so the asymptote is skipped in the optimizer's usual steps
        return np.where(far, 0.5 * (LOG_2PI + t * t), out)
    return np.asarray(out)


def mills(t: np.ndarray) -> np.ndarray:
    """The Mills ratio Phi(-t) / phi(t) itself, for ``t >= MILLS_FLOOR`` (it overflows
    below); :func:`log_mills` covers every t.

    Examples
    --------
    >>> round(float(mills(np.array(0.0))), 6)
    1.253314
    """
    return _SQRT_HALF_PI * erfcx(np.asarray(t, dtype=float) * _SQRT_HALF)


def inverse_mills(z: np.ndarray) -> np.ndarray:
    """phi(z) / Phi(z), the reciprocal of the Mills ratio at -z; never overflows.

    Examples
    --------
    >>> float(inverse_mills(np.array(0.0)))  # doctest: +ELLIPSIS
    0.797884560...
    """
    return np.exp(-log_mills(-np.asarray(z, dtype=float)))


def _mills_fractions(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tails of Laplace's continued fraction for the Mills ratio, for t >= 5.

    Returns ``d = 1 / (t + e)`` and ``e = 2 / (t + 3 / (t + 4 / (t + ...)))``. Then
    ``phi(-t) / Phi(-t) = t + d`` exactly, so ``d`` is the excess of the inverse Mills
    ratio over t without the cancellation of subtracting two nearly equal numbers.
    """
    e = np.zeros_like(t)
    if not t.size:
        return e, e
    for k in range(_CF_TERMS, 1, -1):
        e = k / (t + e)
    return 1.0 / (t + e), e


def truncnorm_positive_moments(
    mean: np.ndarray, sd: np.ndarray, log_mills_at: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """First and second moments of W ~ N(mean, sd^2) conditioned on W > 0.

    ``log_mills_at``, when given, is ``log_mills(-mean / sd)``, already known to the caller.

    With ``z = mean / sd`` and ``r = phi(z) / Phi(z)``, ``E W = mean + sd r`` and
    ``E W^2 = mean^2 + sd^2 + mean sd r``. For ``z < -5`` both are rewritten with the
    Mills-ratio continued fraction (``E W = sd d`` and ``E W^2 = sd^2 d e``, see
    :func:`_mills_fractions`), which keeps full relative accuracy far in the tail,
    where the posterior sits just above zero.

    Examples
    --------
    >>> m1, m2 = truncnorm_positive_moments(np.array([0.0, -1e3]), np.array([1.0, 1.0]))
    >>> [round(float(v), 6) for v in m1]
    [0.797885, 0.001]
    """
    mean, sd = np.broadcast_arrays(np.asarray(mean, dtype=float), np.asarray(sd, dtype=float))
    z = mean / sd
    first = np.empty_like(z)
    second = np.empty_like(z)
    direct = z >= _CF_SWITCH
    zd, sdd = z[direct], sd[direct]
    r = inverse_mills(zd) if log_mills_at is None else np.exp(-log_mills_at[direct])
    first[direct] = sdd * (zd + r)
    second[direct] = sdd**2 * (1.0 + zd * (zd + r))
    tail = ~direct
    d, e = _mills_fractions(-z[tail])
    first[tail] = sd[tail] * d
    second[tail] = sd[tail] ** 2 * d * e
    return first, second


def log_ndtr_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log(Phi(b) - Phi(a)) for a <= b, accurate in both tails.

    When both bounds are positive the difference is taken between upper tails,
    Phi(-a) - Phi(-b), so it does not cancel near 1.

    Examples
    --------
    >>> round(float(log_ndtr_diff(np.array(40.0), np.array(np.inf))), 4)  # log Phi(-40)
    -804.6084
    """
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    flip = a > 0
    lo = np.where(flip, -b, a)
    hi = np.where(flip, -a, b)
    log_hi = log_ndtr(hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        return log_hi + log1mexp(log_ndtr(lo) - log_hi)


def log1mexp(u: np.ndarray) -> np.ndarray:
    """log(1 - exp(u)) for u <= 0 (Maechler's switch between expm1 and log1p).

    Examples
    --------
    >>> float(log1mexp(np.array(-1e-20)))  # doctest: +ELLIPSIS
    -46.05170185...
    """
    u = np.asarray(u, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(u > -np.log(2.0), np.log(-np.expm1(u)), np.log1p(-np.exp(u)))


def truncnorm_positive_tail(
    mean: np.ndarray, sd: np.ndarray, cut: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """P(W < cut) and P(W > cut) for W ~ N(mean, sd^2) conditioned on W > 0.

    Both probabilities are computed directly (neither as one minus the other), so the
    smaller one keeps its relative accuracy. A cut at or below zero gives (0, 1).

    Examples
    --------
    >>> below, above = truncnorm_positive_tail(np.array(0.0), np.array(1.0), 1.0)
    >>> round(float(below), 6), round(float(above), 6)
    (0.682689, 0.317311)
    """
    mean, sd, cut = np.broadcast_arrays(
        np.asarray(mean, dtype=float), np.asarray(sd, dtype=float), np.asarray(cut, dtype=float)
    )
    cut = np.maximum(cut, 0.0)
    log_norm = log_ndtr(mean / sd)
    above = np.exp(log_ndtr((mean - cut) / sd) - log_norm)
    below = np.exp(log_ndtr_diff(-mean / sd, (cut - mean) / sd) - log_norm)
    return below, above
