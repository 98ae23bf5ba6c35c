"""ebnm's default grid of standard deviations for normal scale mixtures.

The grid is geometric in variance, sigma_k^2 = min(s)^2 (mult^(k-1) - 1), with the
ratio ``mult`` chosen so that approximating any scale mixture of normals on the grid
costs at most KL = 1/n per observation. ebnm reads that ratio from an internal table
(``smngrid``); here the table is recomputed, once and lazily, by Gauss-Hermite
quadrature and two nested one-dimensional optimizations (FLASH.md section 6.5).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.optimize import minimize_scalar

_TABLE_SIZE = 100
_MULT_RANGE = (1.025, 4.0)
_QUADRATURE_NODES = 80


def _worst_case_kl(mult: float, z: np.ndarray, w: np.ndarray) -> float:
    """Worst-case KL of approximating N(0, s2), 1 <= s2 <= mult, on the grid {1, mult}.

    That is max over s2 in [1, mult] of min over omega of
    KL(N(0, s2) || omega N(0, 1) + (1 - omega) N(0, mult)).
    The expectation over x ~ N(0, s2) is written with x = sqrt(s2) z, z ~ N(0, 1), and
    taken by Gauss-Hermite quadrature (nodes z, weights w summing to one).
    """
    half_z2 = 0.5 * z**2

    def kl(s2: float, omega: float) -> float:
        near = np.log(omega) + half_z2 * (1.0 - s2)
        far = np.log1p(-omega) + half_z2 * (1.0 - s2 / mult) - 0.5 * np.log(mult)
        return float(-w @ np.logaddexp(near, far) - 0.5 * np.log(s2))

    def best_kl(s2: float) -> float:
        res = minimize_scalar(
            lambda omega: kl(s2, omega),
            bounds=(0.0, 1.0),
            method="bounded",
            options={"xatol": 1e-10},
        )
        return float(res.fun)

    res = minimize_scalar(
        lambda s2: -best_kl(s2), bounds=(1.0, mult), method="bounded", options={"xatol": 1e-10}
    )
    return -float(res.fun)


@cache
def smn_kl_table() -> tuple[np.ndarray, np.ndarray]:
    """(KL, mult) pairs of ebnm's ``smngrid``, increasing in both; computed on first use.

    Examples
    --------
    >>> kl, mult = smn_kl_table()
    >>> kl.size, bool(np.all(np.diff(kl) > 0)), round(float(mult[-1]), 6)
    (100, True, 4.0)
    """
    lo, hi = np.log(np.log(_MULT_RANGE[0])), np.log(np.log(_MULT_RANGE[1]))
    mult = np.exp(np.exp(np.linspace(lo, hi, _TABLE_SIZE)))
    z, w = hermegauss(_QUADRATURE_NODES)
    w = w / np.sum(w)
    kl = np.array([_worst_case_kl(m, z, w) for m in mult])
    return kl, mult


def scale_mixture_grid(
    x: np.ndarray,
    s: np.ndarray,
    mode: float,
    *,
    kl_target: float | None = None,
    min_k: int = 3,
    max_k: int = 300,
) -> np.ndarray:
    """Grid of standard deviations (the first is 0) for a normal scale mixture prior.

    Parameters
    ----------
    x, s : numpy.ndarray
        Observations and their standard errors, ``0 < s < inf``.
    mode : float
        Centre of the mixture.
    kl_target : float, optional
        Per-observation KL budget of the grid approximation; 1 / len(x) by default.
    min_k, max_k : int
        Bounds on the number of grid points.

    Examples
    --------
    >>> sds = scale_mixture_grid(np.array([-3.0, 0.5, 9.0]), np.ones(3), 0.0)
    >>> sds[0], sds.size >= 3, bool(sds[-1] ** 2 >= 81.0)
    (np.float64(0.0), True, True)
    """
    if kl_target is None:
        kl_target = 1.0 / x.size
    min_s2 = float(np.min(s)) ** 2
    ratio = max(float(np.max((x - mode) ** 2)) / min_s2, 1.0)
    max_mult = (ratio + 1.0) ** (1.0 / (min_k - 1)) + 1e-8
    min_mult = max_mult ** ((min_k - 1) / (max_k - 1)) - 1e-8
    kl, mult_table = smn_kl_table()
    mult = float(np.interp(np.log(kl_target), np.log(kl), mult_table))
    mult = min(max(mult, min_mult), max_mult)
    k = int(np.ceil(np.log(ratio + 1.0) / np.log(mult))) + 1
    return np.sqrt(min_s2 * (mult ** np.arange(k) - 1.0))
