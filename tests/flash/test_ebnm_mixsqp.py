"""Tests of the mixture-weight solver and the ash grid behind normal_scale_mixture."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from pybrms.flash.ebnm.ash_grid import compute_smn_kl_table, scale_mixture_grid, smn_kl_table
from pybrms.flash.ebnm.mixsqp import _nonnegative_qp, _qp_step, mixsqp
from pybrms.flash.ebnm.scale_mixture import _log_components


def scaled(log_lik: np.ndarray) -> np.ndarray:
    """Likelihoods from log densities, each row scaled so that its maximum is 1."""
    return np.exp(log_lik - log_lik.max(axis=1, keepdims=True))


def ash_problem(seed: int) -> np.ndarray:
    """Component likelihoods of an ash fit to heavy-tailed data with varying s."""
    rng = np.random.default_rng(seed)
    n = 3000
    theta = np.where(rng.random(n) < 0.6, 0.0, 2.0 * rng.standard_t(3, n))
    s = rng.uniform(0.3, 2.0, n)
    x = theta + s * rng.normal(size=n)
    return scaled(_log_components(x, s, scale_mixture_grid(x, s, 0.0)))


def random_problem(seed: int) -> np.ndarray:
    """A generic, not grid-structured likelihood matrix."""
    rng = np.random.default_rng(seed)
    return scaled(np.log(rng.gamma(0.3, size=(1000, 25))))


def em(lik: np.ndarray, iterations: int) -> np.ndarray:
    pi = np.full(lik.shape[1], 1.0 / lik.shape[1])
    for _ in range(iterations):
        pi *= np.mean(lik / (lik @ pi)[:, None], axis=0)
    return pi


PROBLEMS = [ash_problem(1), ash_problem(2), random_problem(3)]


@pytest.mark.parametrize("lik", PROBLEMS)
def test_beats_2000_em_iterations_and_meets_kkt(lik: np.ndarray) -> None:
    res = mixsqp(lik)
    assert res.converged

    def objective(pi):
        return np.sum(np.log(lik @ pi))

    assert objective(res.weights) >= objective(em(lik, 2000)) - 1e-9
    assert np.all(res.weights >= 0.0)
    assert np.sum(res.weights) == pytest.approx(1.0, abs=1e-12)
    # KKT on the simplex: d/dpi_k (1/n) sum_i log (L pi)_i <= 1, with equality on the support.
    grad = lik.T @ (1.0 / (lik @ res.weights)) / lik.shape[0]
    assert np.max(grad) <= 1.0 + 1e-6
    np.testing.assert_allclose(grad[res.weights > 1e-6], 1.0, atol=1e-6)


def test_warm_start_from_the_solution_stops_at_once() -> None:
    first = mixsqp(PROBLEMS[0])
    again = mixsqp(PROBLEMS[0], first.weights)
    assert again.iterations <= 2
    np.testing.assert_allclose(again.weights, first.weights, atol=1e-8)


def test_warm_start_with_zero_weights_recovers() -> None:
    lik = PROBLEMS[0]
    start = np.zeros(lik.shape[1])
    start[0] = 1.0  # gives every observation away from 0 nearly zero likelihood
    res = mixsqp(lik, start)
    assert res.converged
    np.testing.assert_allclose(res.weights, mixsqp(lik).weights, atol=1e-5)


def test_grid_follows_ebnm_rules() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(0, 5, 2000)
    s = rng.uniform(0.5, 1.0, 2000)
    sds = scale_mixture_grid(x, s, 0.0)
    min_s2 = np.min(s) ** 2
    mult = 1.0 + sds[1] ** 2 / min_s2
    assert sds[0] == 0.0
    assert 3 <= sds.size <= 300
    # geometric in variance: sigma_k^2 = min(s)^2 (mult^(k-1) - 1)
    np.testing.assert_allclose(sds**2, min_s2 * (mult ** np.arange(sds.size) - 1.0), rtol=1e-10)
    # wide enough to reach the largest squared observation (relative to min s^2)
    assert sds[-1] ** 2 + min_s2 >= np.max(x**2)
    # a larger KL budget gives a coarser grid
    assert scale_mixture_grid(x, s, 0.0, kl_target=1e-2).size < sds.size


def test_smn_table_matches_quadrature() -> None:
    kl, mult = smn_kl_table()
    assert kl.size == 100 and np.all(np.diff(kl) > 0) and np.all(np.diff(mult) > 0)
    m = mult[60]

    def kl_at(s2: float, omega: float) -> float:
        def f(x):
            mix = np.logaddexp(
                np.log(omega) + stats.norm.logpdf(x),
                np.log1p(-omega) + stats.norm.logpdf(x, 0, m**0.5),
            )
            return stats.norm.pdf(x, 0, s2**0.5) * (stats.norm.logpdf(x, 0, s2**0.5) - mix)

        return integrate.quad(f, -np.inf, np.inf, epsabs=0, epsrel=1e-10)[0]

    # The table holds a max over s2 of a min over omega: at any one s2 the min is below it,
    # and at the interior worst case (near the geometric middle) it comes close.
    s2 = m**0.5
    inner = optimize.minimize_scalar(
        lambda w: kl_at(s2, w), bounds=(0, 1), method="bounded", options={"xatol": 1e-9}
    ).fun
    assert inner <= kl[60] * (1 + 1e-6)
    assert inner >= 0.9 * kl[60]


def test_stored_smn_table_is_the_computed_one() -> None:
    stored_kl, stored_mult = smn_kl_table()
    kl, mult = compute_smn_kl_table()
    np.testing.assert_array_equal(stored_mult, mult)
    # bounded 1-d optimizers stop at xatol 1e-10; the KL is flat at its optimum
    np.testing.assert_allclose(stored_kl, kl, rtol=1e-8)


def test_nnls_qp_step_matches_active_set() -> None:
    rng = np.random.default_rng(3)
    for k in (2, 5, 15):
        A = rng.exponential(size=(200, k))
        hess = A.T @ A / 200
        lin = rng.normal(size=k) - hess @ np.full(k, 1.0 / k)
        start = np.full(k, 1.0 / k)
        fast = _qp_step(hess, lin, start, 100)
        slow = _nonnegative_qp(hess, lin, start, 100)
        assert np.all(fast >= 0)
        np.testing.assert_allclose(fast, slow, atol=1e-10)


def test_qp_step_falls_back_when_hessian_is_singular() -> None:
    hess = np.diag([1.0, 0.0])  # no Cholesky factor
    y = _qp_step(hess, np.array([-1.0, 1.0]), np.array([0.5, 0.0]), 100)
    np.testing.assert_allclose(y, [1.0, 0.0])
