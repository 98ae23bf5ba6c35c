"""The compiled point_laplace loops (numba) against the numpy path they replace."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from pybrms.flash.ebnm import ebnm
from pybrms.flash.ebnm.data import NormalMeans
from pybrms.flash.ebnm.parametric import ParametricFamily, _Objective
from pybrms.flash.ebnm.point_laplace import POINT_LAPLACE, LaplaceSlab, _kernel

NUMPY_LAPLACE = ParametricFamily("point_laplace", LaplaceSlab(compiled=False), pointmass=True)


def data_with_tails(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Laplace-distributed signal plus points far in both tails (one piece's Mills ratio
    overflowing, truncated normals past the continued-fraction switch)."""
    rng = np.random.default_rng(seed)
    theta = np.where(rng.random(300) < 0.5, 0.0, rng.laplace(0.0, 2.0, 300))
    s = rng.uniform(0.5, 1.5, 300)
    x = theta + s * rng.normal(size=300)
    x[:6] = [300.0, -2e3, 5.0, -5.0, 40.0, -60.0]
    s[:6] = [1.0, 2.0, 1e-4, 1e-4, 0.05, 0.1]
    return x, s


@pytest.fixture(autouse=True)
def _needs_numba() -> None:
    pytest.importorskip("numba")


@pytest.mark.parametrize("alpha", [-3.0, 0.4, 8.0])
@pytest.mark.parametrize("beta", [-4.0, 0.3, 3.0])
def test_compiled_objective_matches_numpy(alpha: float, beta: float) -> None:
    x, s = data_with_tails(1)
    data = NormalMeans.from_arrays(x, s)
    compiled = _Objective(POINT_LAPLACE.slab, data, pointmass=True, mode=0.0)
    plain = _Objective(NUMPY_LAPLACE.slab, data, pointmass=True, mode=0.0)
    assert compiled.compiled is not None and plain.compiled is None
    p = np.array([alpha, beta])
    # Same arithmetic per observation; only the order of the sums differs.
    for got, want in zip(compiled.derivatives(p), plain.derivatives(p), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("scale", [0.01, 1.0, 30.0])
def test_compiled_posterior_matches_numpy(scale: float) -> None:
    x, s = data_with_tails(2)
    log_conv, slab = POINT_LAPLACE.slab.posterior(x, s, scale, 0.0, lfsr=False)
    want_log_conv, want = NUMPY_LAPLACE.slab.posterior(x, s, scale, 0.0, lfsr=False)
    np.testing.assert_allclose(log_conv, want_log_conv, rtol=1e-14)
    np.testing.assert_allclose(slab.mean, want.mean, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(slab.second_moment, want.second_moment, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("seed", [3, 4])
def test_compiled_fit_matches_numpy(seed: int) -> None:
    x, s = data_with_tails(seed)
    data = NormalMeans.from_arrays(x[6:], s[6:])
    prior, log_marginal, post = POINT_LAPLACE.solve(data, 0.0, None, False, True, False)
    want_prior, want_log_marginal, want_post = NUMPY_LAPLACE.solve(
        data, 0.0, None, False, True, False
    )
    assert 0.2 < prior.pi0 < 0.8
    assert prior.pi0 == pytest.approx(want_prior.pi0, rel=1e-9)
    assert prior.scale == pytest.approx(want_prior.scale, rel=1e-9)
    np.testing.assert_allclose(log_marginal, want_log_marginal, rtol=1e-9)
    assert post is not None and want_post is not None
    np.testing.assert_allclose(post.mean, want_post.mean, rtol=1e-8, atol=1e-12)


def test_without_numba_point_laplace_runs_on_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    x, s = data_with_tails(5)
    compiled = ebnm(x, s, "point_laplace")
    # As in a process where numba cannot be imported (the kernel's module cannot).
    monkeypatch.setitem(sys.modules, "pybrms.flash.ebnm.laplace_kernel", None)
    _kernel.cache_clear()
    try:
        assert LaplaceSlab().compiled_objective() is None
        plain = ebnm(x, s, "point_laplace")
    finally:
        _kernel.cache_clear()
    assert plain.log_likelihood == pytest.approx(compiled.log_likelihood, rel=1e-12)
    np.testing.assert_allclose(plain.posterior_mean, compiled.posterior_mean, rtol=1e-8, atol=1e-12)
