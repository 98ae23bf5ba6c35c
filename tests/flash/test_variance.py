"""Kronecker and noisy residual variances: the M-steps are exact and recover known variances.

Tolerances: a variance estimated from ``m`` Gaussian residuals has a relative
standard error ``sqrt(2/m)`` (Fisher information ``½ Σ 1/v²`` for the noisy types).
Errors are first reduced by ``K (n + p) / (n p)`` of the variance, the share of
degrees of freedom the fitted factors take from the residuals, then divided by
their standard error.  A single estimate must lie within 5 standard errors.  For
the ``m ≥ 100`` estimates of one per row or column, ``Σ z²`` is about ``χ²_m``: the
checks are ``mean z² < 2`` (``P(χ²_100 > 200) < 1e-8``) and ``max |z| < 6``, which
a heavy-tailed outlier among 100 cannot fail by chance but a biased estimate does.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from pybrms.flash import FlashFit, LowRankMatrix, flash, flash_init

N, P, K = 150, 100, 2
DOF = K * (N + P) / (N * P)


def _signal(seed: int) -> tuple[np.ndarray, np.random.Generator]:
    """``L Fᵀ`` with sparse loadings (well-separated factors) and the generator."""
    rng = np.random.default_rng(seed)
    L = rng.normal(0.0, 2.0, size=(N, K)) * (rng.random((N, K)) < 0.4)
    return L @ rng.normal(size=(P, K)).T, rng


def _assert_within(error: np.ndarray, se: np.ndarray, allowance: float) -> None:
    z = np.maximum(np.abs(error) - allowance, 0.0) / se
    if z.size == 1:
        assert z.item() < 5
    else:
        assert np.mean(z**2) < 2
        assert np.max(z) < 6


def _row_and_column_errors(log_ratio: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Split ``log v̂_ij − log v_ij = α_i + β_j`` into centred row and column parts and a level."""
    level = float(log_ratio.mean())
    return log_ratio.mean(axis=1) - level, log_ratio.mean(axis=0) - level, level


@pytest.fixture(scope="module")
def kronecker() -> tuple[FlashFit, np.ndarray, np.ndarray]:
    signal, rng = _signal(31)
    row_sd, col_sd = np.exp(rng.normal(0, 0.4, N)), np.exp(rng.normal(0, 0.4, P))
    Y = signal + rng.normal(size=(N, P)) * np.outer(row_sd, col_sd)
    return flash(Y, var_type=(1, 2), greedy_Kmax=4, backfit=True, verbose=0), row_sd, col_sd


def test_kronecker_recovers_row_and_column_variances(kronecker) -> None:
    fit, row_sd, col_sd = kronecker
    assert fit.n_factors == K
    rows, cols = fit.residuals_sd
    assert np.exp(np.mean(np.log(cols))) == pytest.approx(1.0)  # the scale sits in the rows
    log_ratio = 2 * np.log(np.outer(rows, cols) / np.outer(row_sd, col_sd))
    row_err, col_err, level = _row_and_column_errors(log_ratio)
    _assert_within(row_err, np.full(N, np.sqrt(2 / P)), DOF)
    _assert_within(col_err, np.full(P, np.sqrt(2 / N)), DOF)
    _assert_within(np.array(level), np.array(2 / np.sqrt(N * P)), DOF)


def test_kronecker_tau_solves_both_closed_forms(kronecker) -> None:
    """τ_i = p_i / Σ_j τ_j E[R_ij²] and τ_j = n_j / Σ_i τ_i E[R_ij²], from dense moments."""
    fit, _, _ = kronecker
    state = fit._state
    (L, F), (L2, F2) = state.EF, state.EF2
    Y = fit._problem.data.to_dense()
    ER2 = (Y - L @ F.T) ** 2 + L2 @ F2.T - L**2 @ (F**2).T
    tau_row, tau_col = state.precision.row, state.precision.col
    np.testing.assert_allclose(tau_row, P / (ER2 @ tau_col), rtol=1e-6)
    np.testing.assert_allclose(tau_col, N / (ER2.T @ tau_row), rtol=1e-6)


@pytest.mark.parametrize("kind", ["sparse", "lowrank"])
def test_kronecker_sparse_and_low_rank_data_match_dense(kind: str) -> None:
    rng = np.random.default_rng(32)
    if kind == "sparse":
        Y = rng.normal(size=(60, 40)) * (rng.random((60, 40)) < 0.5)
        Y[:, :2] += 3.0 * rng.normal(size=(60, 1))
        given = sp.csr_matrix(Y)
    else:
        U, V = rng.normal(size=(60, 12)), rng.normal(size=(40, 12))
        Y, given = U @ V.T, LowRankMatrix(U, V)
    dense = flash(Y, var_type=(1, 2), greedy_Kmax=2, verbose=0)
    other = flash(given, var_type=(1, 2), greedy_Kmax=2, verbose=0)
    assert other.n_factors == dense.n_factors >= 1
    assert other.elbo == pytest.approx(dense.elbo, rel=1e-9)


def _noisy_data(var_type: object, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Y``, known ``S`` and the true added variance (an ``n x p`` matrix)."""
    signal, rng = _signal(seed)
    S = rng.uniform(0.2, 0.7, size=(N, P))
    if var_type == 0:
        extra = np.full((N, P), 0.8)
    elif var_type == 1:
        extra = np.outer(rng.uniform(0.3, 1.5, N), np.ones(P))
    elif var_type == 2:
        extra = np.outer(np.ones(N), rng.uniform(0.3, 1.5, P))
    else:
        extra = np.outer(np.exp(rng.normal(0, 0.3, N)), np.exp(rng.normal(0, 0.3, P)))
    Y = signal + rng.normal(size=(N, P)) * np.sqrt(S**2 + extra)
    return Y, S, extra


def _estimated_extra(fit: FlashFit, S: np.ndarray) -> np.ndarray:
    return fit.residuals_sd**2 - S**2


@pytest.mark.parametrize("var_type", [0, 1, 2])
def test_noisy_recovers_the_added_variance(var_type: int) -> None:
    Y, S, extra = _noisy_data(var_type, 40 + var_type)
    fit = flash(Y, S, var_type=var_type, greedy_Kmax=4, backfit=True, verbose=0)
    assert fit.n_factors == K
    got = _estimated_extra(fit, S)
    # One estimate per slice: all entries (0), a row (1) or a column (2).
    summed = {0: None, 1: 1, 2: 0}[var_type]
    assert np.all(np.ptp(got, axis=summed) < 1e-8)
    estimate = got.mean(axis=summed)
    truth = extra.mean(axis=summed)
    # Standard error of each estimated variance from the Fisher information ½ Σ 1/v².
    se = 1 / np.sqrt(0.5 * np.sum(1 / (S**2 + extra) ** 2, axis=summed))
    _assert_within(np.atleast_1d(estimate - truth), np.atleast_1d(se), DOF * np.max(S**2 + extra))


def test_noisy_kronecker_recovers_row_and_column_parts() -> None:
    Y, S, extra = _noisy_data((1, 2), 44)
    fit = flash(Y, S, var_type=(1, 2), greedy_Kmax=4, backfit=True, verbose=0)
    assert fit.n_factors == K
    row_err, col_err, level = _row_and_column_errors(np.log(_estimated_extra(fit, S) / extra))
    # Fisher information of log a_i (resp. log b_j): ½ Σ (a_i b_j)² / v².
    info = 0.5 * extra**2 / (S**2 + extra) ** 2
    # The factors' share of the total variance, relative to the added part.
    allowance = DOF * np.max((S**2 + extra) / extra)
    _assert_within(row_err, 1 / np.sqrt(info.sum(axis=1)), allowance)
    _assert_within(col_err, 1 / np.sqrt(info.sum(axis=0)), allowance)
    _assert_within(np.array(level), np.array(2 / np.sqrt(info.sum())), allowance)


@pytest.mark.parametrize(("var_type", "S"), [(0, "matrix"), (2, "matrix"), ((1, 2), 0.5)])
def test_noisy_estimate_is_a_stationary_point(var_type: object, S: object) -> None:
    """Where an estimated variance is > 0 its slice's expected log-likelihood is flat; where
    it is 0 the slope points below zero (dense computation)."""
    Y, S_matrix, _ = _noisy_data(var_type, 45)
    given = S_matrix if S == "matrix" else S
    fit = flash(Y, given, var_type=var_type, greedy_Kmax=2, verbose=0)
    state = fit._state
    (L, F), (L2, F2) = state.EF, state.EF2
    ER2 = (Y - L @ F.T) ** 2 + L2 @ F2.T - L**2 @ (F**2).T
    a, b = state.precision.extra
    v = np.broadcast_to(given, (N, P)) ** 2 + np.outer(a, b)
    # −d/dσ²_ij of ½ (log v + ER2/v), and its size for a relative tolerance.
    slope, size = (v - ER2) / v**2, (v + ER2) / v**2
    if var_type == 0:
        checks = [(a[:1], slope.sum(keepdims=True), size.sum(keepdims=True))]
    else:
        checks = [
            (side, np.sum(w * slope, axis=axis), np.sum(w * size, axis=axis))
            for side, w, axis, mode in ((a, b[None, :], 1, 1), (b, a[:, None], 0, 2))
            if var_type in (mode, (1, 2))
        ]
    for side, summed, scale in checks:
        interior = side > 0
        assert np.all(np.abs(summed[interior]) < 1e-8 * scale[interior])
        assert np.all(summed[~interior] >= -1e-8 * scale[~interior])


@pytest.mark.parametrize("seed", [0, 1])
def test_a_row_fitted_exactly_warns_and_a_floor_prevents_it(seed: int) -> None:
    """One row holds a pattern no other row shares: a factor fits it exactly and its
    τ_i runs off (the likelihood is unbounded) until a floor S stops it."""
    rng = np.random.default_rng(seed)
    Y = rng.normal(size=(40, 30))
    Y[0] = 10 * rng.normal(size=30) * (rng.random(30) < 0.3)
    match = r"var_type=1: rows \[0\] of Y are fitted almost exactly .* Pass a scalar S"
    with pytest.warns(RuntimeWarning, match=match) as record:
        flash_init(Y, var_type=1, verbose=0).greedy(Kmax=2)
    assert [w.filename for w in record] == [__file__]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        floored = flash_init(Y, S=0.1, var_type=1, verbose=0).greedy(Kmax=2)
    assert floored.residuals_sd[0] == pytest.approx(0.1)
