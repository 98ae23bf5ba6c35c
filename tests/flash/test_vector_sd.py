"""A vector ``S`` (one sd per row or per column) is kept as a vector, and fits exactly as the
``n x p`` matrix it stands for; the noisy types with a scalar or vector ``S`` keep nothing
of size ``n x p``."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from pybrms.flash import VarType, flash, flash_init
from pybrms.flash.factor import make_task, parallel_tasks
from pybrms.flash.noisy import NoisyRankOnePrecision, StreamedNoisyPrecision
from pybrms.flash.state import refresh
from pybrms.flash.tau import RankOnePrecision

N, P = 40, 30
ROW_SD = np.random.default_rng(21).uniform(0.5, 1.5, size=N)
COL_SD = np.random.default_rng(22).uniform(0.5, 1.5, size=P)


def _data(simulate, missing: bool, seed: int = 8) -> np.ndarray:
    Y = simulate(n=N, p=P, K=2, seed=seed).Y
    if missing:
        Y[np.random.default_rng(seed).random(Y.shape) < 0.15] = np.nan
    return Y


def _as_matrix(S: np.ndarray) -> np.ndarray:
    return np.broadcast_to(S[:, None] if S.size == N else S[None, :], (N, P)).copy()


# (var_type, vector S, missing, how τ is stored for the vector)
EQUIVALENT = [
    (None, ROW_SD, False, RankOnePrecision),
    (None, COL_SD, True, RankOnePrecision),
    (0, ROW_SD, True, NoisyRankOnePrecision),
    (0, COL_SD, False, NoisyRankOnePrecision),
    (1, COL_SD, True, StreamedNoisyPrecision),
    (2, ROW_SD, False, StreamedNoisyPrecision),
    ((1, 2), COL_SD, False, StreamedNoisyPrecision),
    ((1, 2), ROW_SD, True, StreamedNoisyPrecision),
]


@pytest.mark.parametrize(("var_type", "S", "missing", "kind"), EQUIVALENT)
def test_vector_sd_fits_as_its_matrix(
    simulate, var_type: VarType, S: np.ndarray, missing: bool, kind: type
) -> None:
    Y = _data(simulate, missing)
    by_vector = flash(Y, S, var_type=var_type, greedy_Kmax=2, backfit=True, verbose=0)
    by_matrix = flash(Y, _as_matrix(S), var_type=var_type, greedy_Kmax=2, backfit=True, verbose=0)
    assert isinstance(by_vector._state.precision, kind)
    assert by_vector.n_factors == by_matrix.n_factors == 2
    assert by_vector.elbo == pytest.approx(by_matrix.elbo, rel=1e-9)
    np.testing.assert_allclose(by_vector.L_pm, by_matrix.L_pm, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("var_type", "S", "missing", "kind"), EQUIVALENT[:2] + EQUIVALENT[4:6])
def test_vector_sd_stores_no_n_by_p_array(
    simulate, var_type: VarType, S: np.ndarray, missing: bool, kind: type
) -> None:
    fit = flash_init(_data(simulate, missing), S, var_type=var_type, verbose=0).greedy(Kmax=1)
    precision = fit._state.precision
    arrays = [v for v in vars(precision).values() if isinstance(v, np.ndarray)]
    if isinstance(precision, StreamedNoisyPrecision):
        arrays = [precision.noisy.S2, *precision.extra]
    assert arrays and all(a.size <= max(N, P) for a in arrays)


@pytest.mark.parametrize(("var_type", "S"), [(1, ROW_SD), (2, COL_SD)])
def test_vector_sd_along_the_estimated_mode_is_a_floor(
    simulate, var_type: int, S: np.ndarray
) -> None:
    Y = _data(simulate, False)
    plain = flash_init(Y, var_type=var_type, verbose=0)
    floored = flash_init(Y, S * 1.1, var_type=var_type, verbose=0)
    np.testing.assert_allclose(floored.residuals_sd, np.maximum(plain.residuals_sd, S * 1.1))
    assert np.any(floored.residuals_sd == S * 1.1) and np.any(floored.residuals_sd > S * 1.1)


@pytest.mark.parametrize(("var_type", "S"), [(None, ROW_SD), (0, COL_SD), (1, COL_SD)])
def test_vector_sd_with_sparse_data_matches_dense(
    simulate, var_type: VarType, S: np.ndarray
) -> None:
    Y = _data(simulate, False)
    Y[np.abs(Y) < 1.0] = 0.0
    dense = flash(Y, S, var_type=var_type, greedy_Kmax=2, backfit=True, verbose=0)
    sparse = flash(sp.csr_matrix(Y), S, var_type=var_type, greedy_Kmax=2, backfit=True, verbose=0)
    assert sparse.elbo == pytest.approx(dense.elbo, rel=1e-9)


def test_square_data_reads_the_vector_by_s_dim(simulate) -> None:
    Y = simulate(n=P, p=P, K=2, seed=9).Y
    by_row = flash_init(Y, COL_SD, var_type=None, S_dim=1, verbose=0)
    by_col = flash_init(Y, COL_SD, var_type=None, S_dim=2, verbose=0)
    np.testing.assert_allclose(by_row._state.precision.row, 1 / COL_SD**2)
    np.testing.assert_allclose(by_col._state.precision.col, 1 / COL_SD**2)
    assert by_row.elbo != pytest.approx(by_col.elbo)


@pytest.mark.parametrize(("var_type", "S"), [(None, ROW_SD), (0, COL_SD)])
@pytest.mark.parametrize("mode", [0, 1])
def test_parallel_tasks_take_a_vector_sd(
    simulate, var_type: VarType, S: np.ndarray, mode: int
) -> None:
    """τ stays rank one, so the K x K cross-product form of FLASH.md 8.4 is exact."""
    fit = flash(_data(simulate, False), S, var_type=var_type, greedy_Kmax=2, verbose=0)
    state, problem = fit._state, fit._problem
    for k, task in enumerate(parallel_tasks(state, problem, [0, 1], mode)):
        single = make_task(state, problem, k, mode, warmstart=True)
        np.testing.assert_allclose(task.x, single.x, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(task.s, single.s, rtol=1e-12)
    par = fit.backfit(order="parallel", maxiter=5)
    assert par.elbo > fit.elbo
    assert refresh(par._state, par._problem).elbo == pytest.approx(par.elbo, rel=1e-10)
