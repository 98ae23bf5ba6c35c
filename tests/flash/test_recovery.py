"""Known simulated structure is recovered: factors, subspace, noise levels, missing entries."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.linalg import subspace_angles

from pybrms.flash import flash


def test_recovers_number_of_factors_and_subspace(simulate) -> None:
    sim = simulate(n=150, p=100, K=3, seed=11)
    fit = flash(sim.Y, backfit=True, verbose=0)
    assert fit.n_factors == 3
    assert np.degrees(subspace_angles(fit.L_pm, sim.L)).max() < 10
    assert np.degrees(subspace_angles(fit.F_pm, sim.F)).max() < 10
    assert fit.residuals_sd == pytest.approx(1.0, rel=0.05)
    assert fit.pve.sum() < 1 and np.all(fit.pve > 0.01)


def test_var_type_2_recovers_column_noise(simulate) -> None:
    sd = np.linspace(0.5, 2.0, 80)
    sim = simulate(n=200, p=80, K=2, noise_sd=sd, seed=12)
    fit = flash(sim.Y, var_type=2, backfit=True, verbose=0)
    assert fit.n_factors == 2
    estimated = fit.residuals_sd
    assert estimated.shape == (80,)
    assert np.median(np.abs(estimated / sd - 1)) < 0.06
    assert np.corrcoef(estimated, sd)[0, 1] > 0.98


def test_var_type_1_gives_row_noise(simulate) -> None:
    sim = simulate(n=60, p=120, K=2, seed=13)
    fit = flash(sim.Y.T, var_type=1, verbose=0)
    assert fit.residuals_sd.shape == (120,)
    assert np.median(fit.residuals_sd) == pytest.approx(1.0, rel=0.1)


def test_sparse_and_dense_inputs_give_the_same_fit(simulate) -> None:
    sim = simulate(n=100, p=60, K=2, seed=14, density=0.3, nonnegative=True)
    Y = np.where(np.abs(sim.Y) < 1.0, 0.0, sim.Y)
    sparse = flash(sp.csr_matrix(Y), backfit=True, verbose=0)
    dense = flash(Y, backfit=True, verbose=0)
    assert sparse._problem.data.is_sparse
    assert sparse.n_factors == dense.n_factors >= 1
    assert sparse.elbo == pytest.approx(dense.elbo, rel=1e-10)
    np.testing.assert_allclose(sparse.L_pm, dense.L_pm, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(sparse.F_pm, dense.F_pm, rtol=1e-6, atol=1e-8)


def test_missing_values_imputed_better_than_column_means(simulate) -> None:
    sim = simulate(n=120, p=80, K=3, seed=15)
    held_out = np.random.default_rng(3).random(sim.Y.shape) < 0.1
    Y = np.where(held_out, np.nan, sim.Y)
    fit = flash(Y, backfit=True, verbose=0)
    filled = fit.fill()
    assert not np.isnan(filled).any()
    np.testing.assert_array_equal(filled[~held_out], sim.Y[~held_out])
    truth = (sim.L @ sim.F.T)[held_out]
    col_means = np.broadcast_to(np.nanmean(Y, axis=0), Y.shape)[held_out]
    flash_rmse = np.sqrt(np.mean((filled[held_out] - truth) ** 2))
    mean_rmse = np.sqrt(np.mean((col_means - truth) ** 2))
    assert flash_rmse < 0.5 * mean_rmse
    assert np.isnan(fit.residuals()[held_out]).all()


def test_nonnegative_prior_gives_nonnegative_loadings(simulate) -> None:
    sim = simulate(n=100, p=60, K=2, seed=16, nonnegative=True)
    fit = flash(sim.Y, prior=("point_exponential", "point_normal"), greedy_Kmax=4, verbose=0)
    assert fit.n_factors >= 2
    assert fit.L_pm.min() >= 0
    assert fit.L_ghat[0].family == "point_exponential"
    assert fit.F_ghat[0].family == "point_normal"


def test_scalar_s_floors_estimated_residual_sd(simulate) -> None:
    sim = simulate(n=80, p=40, K=1, seed=17)
    Y = sim.Y.copy()
    Y[:, 0] = 3.0 * sim.L[:, 0]
    floored = flash(Y, S=0.2, var_type=2, verbose=0)
    assert floored.residuals_sd.min() == pytest.approx(0.2)
    assert np.median(floored.residuals_sd) == pytest.approx(1.0, rel=0.15)
