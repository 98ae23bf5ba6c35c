"""Each data operation agrees with the dense computation (dense, sparse, low-rank, missing)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from pybrms.flash.data import LowRankMatrix, as_flash_data
from pybrms.flash.tau import WeightedResiduals, expected_sq_residuals

RNG = np.random.default_rng(7)
N, P, K = 9, 6, 2
U, V = RNG.normal(size=(N, 2)), RNG.normal(size=(P, 2))
DENSE = RNG.normal(size=(N, P)) * (RNG.random((N, P)) < 0.5)
MISSING = RNG.random((N, P)) < 0.2


def _inputs(kind: str, missing: bool) -> tuple[object, np.ndarray, np.ndarray]:
    """(Y as passed to flash, dense Y with zeros at missing, mask Z)."""
    base = U @ V.T if kind == "lowrank" else DENSE
    Z = ~MISSING if missing else np.ones((N, P), dtype=bool)
    if kind == "lowrank":
        return LowRankMatrix(U, V), base, Z
    Y = np.where(Z, base, np.nan)
    if kind == "sparse":
        Y = sp.csr_matrix(np.where(np.isnan(Y), np.nan, Y))
    return Y, np.where(Z, base, 0.0), Z


CASES = [("dense", False), ("dense", True), ("sparse", False), ("sparse", True), ("lowrank", False)]


@pytest.mark.parametrize(("kind", "missing"), CASES)
def test_products_match_dense(kind: str, missing: bool) -> None:
    Y, Y0, Z = _inputs(kind, missing)
    data = as_flash_data(Y)
    A, B = RNG.normal(size=(N, K)), RNG.normal(size=(P, K))
    np.testing.assert_allclose(data.project(B, 0), Y0 @ B)
    np.testing.assert_allclose(data.project(A, 1), Y0.T @ A)
    np.testing.assert_allclose(data.mask_times(B, 0), Z @ B)
    np.testing.assert_allclose(data.mask_times(A, 1), Z.T @ A)
    np.testing.assert_allclose(data.sum_squares(0), (Y0**2).sum(1))
    np.testing.assert_allclose(data.sum_squares(1), (Y0**2).sum(0))
    np.testing.assert_allclose(data.counts(0), Z.sum(1))
    for mode in (0, 1):
        dense_quad = (Z * (A @ B.T) ** 2).sum(axis=1 - mode)
        np.testing.assert_allclose(data.masked_square_norm(A, B, mode), dense_quad)
        w = RNG.random(P if mode == 0 else N)
        weighted = Z * (A @ B.T) ** 2 * (w[None, :] if mode == 0 else w[:, None])
        got = data.masked_square_norm(A, B, mode, w)
        np.testing.assert_allclose(got, weighted.sum(axis=1 - mode))
    for M, dense in ((data.squared, Y0**2), (data.times_low_rank(A, B), Y0 * (A @ B.T))):
        np.testing.assert_allclose(M @ np.ones(P), dense.sum(1))
        np.testing.assert_allclose(M.T @ np.ones(N), dense.sum(0))
    assert data.n_obs == Z.sum()
    assert not (kind == "sparse" and not sp.issparse(data.Y))


@pytest.mark.parametrize(("kind", "missing"), CASES)
def test_expected_squared_residuals_match_dense(kind: str, missing: bool) -> None:
    Y, Y0, Z = _inputs(kind, missing)
    data = as_flash_data(Y)
    L, F = RNG.normal(size=(N, K)), RNG.normal(size=(P, K))
    L2, F2 = L**2 + RNG.random((N, K)), F**2 + RNG.random((P, K))
    YP = (Y0 @ F, Y0.T @ L)
    ER2 = (Y0 - L @ F.T) ** 2 + L2 @ F2.T - (L**2) @ (F**2).T
    sums = WeightedResiduals.build(data, (L, F), (L2, F2))
    for mode in (0, 1):
        got = expected_sq_residuals(data, (L, F), (L2, F2), YP, mode)
        np.testing.assert_allclose(got, (Z * ER2).sum(axis=1 - mode))
        w = RNG.random(P if mode == 0 else N)
        weighted = Z * ER2 * (w[None, :] if mode == 0 else w[:, None])
        np.testing.assert_allclose(sums(w, mode), weighted.sum(axis=1 - mode))


def test_dense_nan_and_sparse_nan_are_missing() -> None:
    Y = np.array([[1.0, np.nan], [0.0, 2.0], [3.0, 4.0]])
    for data in (as_flash_data(Y), as_flash_data(sp.csr_matrix(Y))):
        assert data.has_missing and data.n_obs == 5
        assert data.to_dense()[0, 1] != data.to_dense()[0, 1]
