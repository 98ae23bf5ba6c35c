"""Quantile functions solved elementwise over draws, where scipy has no closed form.

scipy's generic ``ppf`` finds each quantile with its own scalar root search, minutes
for the draws × rows of a truncated prediction. :func:`solve_increasing` runs Newton's
method on whole arrays at once, each step kept within a bracket that shrinks around
the root (a bisection step where Newton's would leave it), so that it converges from
any bracket. :data:`EXPONNORM` is scipy's ``exponnorm`` (the exgaussian family) with
its ``ppf`` and ``isf`` solved so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["EXPONNORM", "solve_increasing"]

# Steps of Newton's method or bisection before giving up: a bisection alone halves the
# bracket 60 times, enough for any bracket of finite doubles to reach the tolerance.
_MAX_STEPS = 200


def solve_increasing(
    h: Callable[[np.ndarray, np.ndarray], np.ndarray],
    dh: Callable[[np.ndarray, np.ndarray], np.ndarray],
    lo: np.ndarray,
    hi: np.ndarray,
    rtol: float = 1e-12,
) -> np.ndarray:
    """The root of each element's increasing function within its bracket.

    ``h(x, idx)`` and its derivative ``dh(x, idx)`` are evaluated at the points ``x``
    of the elements ``idx`` (flat indices) still moving; ``h(lo) <= 0 <= h(hi)``.
    Each element stops once its step is below ``rtol * (1 + |x|)``.

    Examples
    --------
    >>> a = np.array([2.0, 9.0, 1e6])
    >>> root = solve_increasing(lambda x, i: x**2 - a[i], lambda x, i: 2 * x,
    ...                         np.zeros(3), a + 1)
    >>> np.allclose(root, np.sqrt(a), rtol=1e-12)
    True
    """
    lo, hi = np.array(lo, float), np.array(hi, float)
    x = 0.5 * (lo + hi)
    active = np.arange(x.size)
    for _ in range(_MAX_STEPS):
        at, low, high = x[active], lo[active], hi[active]
        value = h(at, active)
        below = value < 0
        low, high = np.where(below, at, low), np.where(below, high, at)
        lo[active], hi[active] = low, high
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = at - value / dh(at, active)
        inside = np.isfinite(newton) & (newton > low) & (newton < high)
        step = np.where(inside, newton, 0.5 * (low + high))
        tolerance = rtol * (1 + np.abs(at))
        done = (np.abs(step - at) <= tolerance) | (value == 0) | (high - low <= tolerance)
        x[active] = np.where(value == 0, at, step)
        active = active[~done]
        if not active.size:
            break
    return x


_exponnorm_class: Any = type(stats.exponnorm)


class _ExponNorm(_exponnorm_class):
    """scipy's ``exponnorm`` (a standard normal plus ``K`` times a standard exponential)
    whose quantiles are solved on whole arrays. A level ``q`` has its quantile between
    the normal's (the exponential only adds) and the point where neither part exceeds
    its ``(1 - q) / 2`` upper quantile; a level above 1/2 is solved from the other side,
    through ``isf``, so that neither bracket is infinite."""

    def _quantile(self, level: np.ndarray, shape: np.ndarray, upper: bool) -> np.ndarray:
        """``isf(level)`` if ``upper``, else ``ppf(level)``, for ``level <= 1/2``."""
        level, shape = (a.ravel() for a in np.broadcast_arrays(level, shape))
        if upper:
            lo = stats.norm.isf(level)
            hi = stats.norm.isf(level / 2) - shape * np.log(level / 2)

            def h(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
                return level[idx] - self._sf(x, shape[idx])
        else:
            lo = stats.norm.ppf(level)
            hi = stats.norm.isf((1 - level) / 2) - shape * np.log((1 - level) / 2)

            def h(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
                return self._cdf(x, shape[idx]) - level[idx]

        def dh(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
            return self._pdf(x, shape[idx])

        return solve_increasing(h, dh, lo, hi)

    def _solve(self, level: np.ndarray, shape: np.ndarray, upper: bool) -> np.ndarray:
        level, shape = np.broadcast_arrays(level, shape)
        high = level > 0.5
        out = np.empty(level.shape)
        out[~high] = self._quantile(level[~high], shape[~high], upper)
        out[high] = self._quantile(1 - level[high], shape[high], not upper)
        return out

    def _ppf(self, q: np.ndarray, shape: np.ndarray) -> np.ndarray:
        return self._solve(q, shape, upper=False)

    def _isf(self, q: np.ndarray, shape: np.ndarray) -> np.ndarray:
        return self._solve(q, shape, upper=True)


#: scipy's ``exponnorm`` with vectorized ``ppf`` and ``isf``.
EXPONNORM = _ExponNorm(name="exponnorm")
