"""The numbers of Gaussian process terms: kernel, approximate basis, lengthscale prior.

Exact GPs use the exponentiated-quadratic kernel
``sdgp^2 exp(-sum_d (x_d - x'_d)^2 / (2 lscale_d^2))``. Approximate GPs are
the Hilbert space approximation of Riutort-Mayol et al. (2023): on ``[-L, L]``
per dimension, eigenfunctions ``prod_d sin(m_d pi (x_d + L_d) / (2 L_d)) / sqrt(L_d)``
with square-root eigenvalues ``m_d pi / (2 L_d)``, weighted by the square root of
the kernel's spectral density. The facts are brms's (``R/formula-gp.R``,
``R/predictor.R``, ``R/priors.R``).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import optimize, stats
from scipy.spatial.distance import pdist

from pybrms.priors import Dist

__all__ = [
    "NUGGET",
    "NUGGET_NEW",
    "basis_functions",
    "boundary",
    "conditional_draws",
    "exact_gp",
    "exp_quad_cov",
    "lscale_prior",
    "max_distance",
    "spd_exp_quad",
]

#: Added to the diagonal of the covariance of the fitted points, as in the Stan program.
NUGGET = 1e-12
#: Added to the diagonal of the conditional covariance of new points (brms's ``nug``).
NUGGET_NEW = 1e-8
#: brms's prior mass of the lengthscale below the smallest and above the largest distance.
TAIL_MASS = 0.01
# draws per batch of the numpy GP computations: bounds memory at batch * points^2
_BATCH = 64


def max_distance(x: np.ndarray) -> float:
    """The largest Euclidean distance between two of the points ``x`` ``(n, D)``.

    Examples
    --------
    >>> max_distance(np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]]))
    5.0
    """
    return float(pdist(x).max())


def exp_quad_cov(x: np.ndarray, y: np.ndarray, sdgp: np.ndarray, lscale: np.ndarray) -> np.ndarray:
    """Exponentiated-quadratic covariances ``(S, len(x), len(y))`` of points ``(n, D)``.

    ``sdgp`` is ``(S,)``, ``lscale`` ``(S, 1)`` (isotropic) or ``(S, D)``.

    Examples
    --------
    >>> x = np.array([[0.0], [1.0]])
    >>> exp_quad_cov(x, x, np.array([2.0]), np.array([[1.0]]))[0].round(4).tolist()
    [[4.0, 2.4261], [2.4261, 4.0]]
    """
    diff = (x[np.newaxis, :, np.newaxis, :] - y[np.newaxis, np.newaxis, :, :]) / lscale[
        :, np.newaxis, np.newaxis, :
    ]
    return sdgp[:, np.newaxis, np.newaxis] ** 2 * np.exp(-0.5 * np.sum(diff**2, axis=-1))


def exact_gp(x: np.ndarray, sdgp: np.ndarray, lscale: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The GP at the fitted points as the Stan program computes it: ``chol(K + 1e-12 I) z``.

    Examples
    --------
    >>> x = np.array([[0.0], [1.0]])
    >>> exact_gp(x, np.array([1.0]), np.array([[1e-3]]), np.array([[0.5, -2.0]])).round(6).tolist()
    [[0.5, -2.0]]
    """
    out = np.empty(z.shape)
    eye = NUGGET * np.eye(len(x))
    for s in range(0, len(z), _BATCH):
        batch = slice(s, s + _BATCH)
        chol = np.linalg.cholesky(exp_quad_cov(x, x, sdgp[batch], lscale[batch]) + eye)
        out[batch] = np.einsum("sij,sj->si", chol, z[batch])
    return out


def conditional_draws(
    x: np.ndarray,
    f: np.ndarray,
    x_new: np.ndarray,
    sdgp: np.ndarray,
    lscale: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draws of the GP at ``x_new`` given its values ``f`` ``(S, n)`` at the fitted points.

    Per draw, one draw of the conditional normal (brms's ``.predictor_gp_new``),
    with ``1e-12`` added to the fitted points' covariance as in the Stan program and
    ``1e-8`` to the conditional covariance.
    """
    out = np.empty((len(f), len(x_new)))
    eye, eye_new = NUGGET * np.eye(len(x)), NUGGET_NEW * np.eye(len(x_new))
    for s in range(0, len(f), _BATCH):
        batch = slice(s, s + _BATCH)
        sd, ls = sdgp[batch], lscale[batch]
        chol = np.linalg.cholesky(exp_quad_cov(x, x, sd, ls) + eye)
        cross = exp_quad_cov(x, x_new, sd, ls)
        v = np.linalg.solve(chol, cross)  # L^-1 K(x, x_new)
        w = np.linalg.solve(chol, f[batch][:, :, np.newaxis])  # L^-1 f
        mean = np.einsum("sij,sik->sj", v, w)
        cov = exp_quad_cov(x_new, x_new, sd, ls) - np.einsum("sij,sik->sjk", v, v) + eye_new
        u = rng.standard_normal(mean.shape)
        out[batch] = mean + np.einsum("sij,sj->si", np.linalg.cholesky(cov), u)
    return out


def boundary(x: np.ndarray, c: tuple[float, ...]) -> np.ndarray:
    """brms's ``choose_L``: ``c`` times the range of the centered points (at least 1).

    Examples
    --------
    >>> boundary(np.array([[-0.5], [0.5]]), (1.25,)).tolist()
    [1.25]
    """
    spread = max(1.0, float(np.max(x) - np.min(x)))
    return np.asarray(c, dtype=float) * spread


def _orders(k: int, D: int) -> np.ndarray:
    """Orders ``m`` ``(k^D, D)`` of the basis functions, the first dimension fastest
    (R's ``expand.grid``)."""
    return np.array([m[::-1] for m in itertools.product(range(1, k + 1), repeat=D)])


def basis_functions(x: np.ndarray, k: int, L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenfunctions at centered points ``x`` ``(n, D)`` and square-root eigenvalues.

    Returns the basis ``(n, k^D)`` and ``slambda`` ``(k^D, D)``, brms's ``Xgp`` and
    ``slambda`` of an approximate GP.

    Examples
    --------
    >>> phi, slambda = basis_functions(np.array([[0.0]]), 2, np.array([1.0]))
    >>> phi.round(6).tolist(), (slambda / np.pi).tolist()
    ([[1.0, 0.0]], [[0.5], [1.0]])
    """
    orders = _orders(k, x.shape[1])
    slambda = orders * math.pi / (2 * L)
    phi = np.prod(np.sin(slambda[np.newaxis] * (x[:, np.newaxis, :] + L)) / np.sqrt(L), axis=-1)
    return phi, slambda


def spd_exp_quad(slambda: np.ndarray, sdgp: np.ndarray, lscale: np.ndarray) -> np.ndarray:
    """Spectral density ``(S, NB)`` of the exponentiated-quadratic kernel at ``slambda``.

    ``sdgp^2 * sqrt(2 pi)^D * prod(lscale) * exp(-sum_d lscale_d^2 slambda_d^2 / 2)``,
    with one lengthscale for all ``D`` dimensions when ``lscale`` is ``(S, 1)``.

    Examples
    --------
    >>> spd_exp_quad(np.array([[0.0]]), np.array([1.0]), np.array([[1.0]])).round(6).tolist()
    [[2.506628]]
    """
    D = slambda.shape[1]
    ls = np.broadcast_to(lscale, (len(lscale), D))
    constant = sdgp**2 * math.sqrt(2 * math.pi) ** D * np.prod(ls, axis=1)
    scaled = ls[:, np.newaxis, :] * slambda[np.newaxis]
    return constant[:, np.newaxis] * np.exp(-0.5 * np.sum(scaled**2, axis=-1))


def lscale_prior(x: np.ndarray) -> Dist:
    """brms's default prior of a GP lengthscale from the (scaled) points ``x`` ``(n, D)``.

    An ``inv_gamma(alpha, beta)`` with 1% of its mass below the smallest distance
    between two distinct points and 1% above the largest (the smallest raised to a
    hundredth of the largest), solved on the log scale from ``alpha = beta = 1``
    and rounded to 6 digits (brms's ``def_lscale_prior``); ``normal(0, 0.5)`` when
    the equations cannot be solved.

    Examples
    --------
    >>> str(lscale_prior(np.linspace(0, 1, 11)[:, np.newaxis]))
    'inv_gamma(4.62909, 1.103366)'
    """
    distances = pdist(x)
    ub = float(distances.max())
    lb = max(float(distances[distances > 0].min()), 0.01 * ub)
    target = math.log(TAIL_MASS)

    def tails(log_pars: np.ndarray) -> np.ndarray:
        alpha, beta = np.exp(log_pars)
        low = stats.invgamma.logcdf(lb, alpha, scale=beta)
        high = stats.invgamma.logsf(ub, alpha, scale=beta)
        return np.array([low - target, high - target])

    # Levenberg-Marquardt: MINPACK's hybrid method stalls at the starting point
    result = optimize.root(tails, np.zeros(2), method="lm")
    if not result.success or not np.allclose(tails(result.x), 0.0, atol=1e-6):
        return Dist("normal", (0.0, 0.5))
    alpha, beta = np.exp(result.x)
    return Dist("inv_gamma", (round(float(alpha), 6), round(float(beta), 6)))
