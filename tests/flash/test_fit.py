"""The public fit object: fixed factors, intercept, posterior summaries, trace and plots."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import scipy.sparse as sp
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pybrms.flash import LowRankMatrix, flash, flash_init


@pytest.fixture(scope="module")
def fit(simulate):
    return flash(simulate(n=80, p=50, K=2, seed=31).Y, backfit=True, verbose=0)


def test_posterior_summaries(fit) -> None:
    K = fit.n_factors
    assert K == 2
    assert fit.L_pm.shape == fit.L_psd.shape == fit.L_lfsr.shape == (80, K)
    assert fit.F_pm.shape == fit.F_psd.shape == fit.F_lfsr.shape == (50, K)
    assert np.all((fit.L_lfsr >= 0) & (fit.L_lfsr <= 1))
    strongest = np.argsort(-np.abs(fit.L_pm[:, 0]))[:5]
    assert fit.L_lfsr[strongest, 0].max() < 0.01
    assert np.all(fit.F_psd > 0)
    assert [g.family for g in fit.L_ghat] == ["point_normal"] * K
    np.testing.assert_allclose(fit.fitted(), fit.L_pm @ fit.F_pm.T)
    assert "2 factors" in repr(fit)


def test_trace_records_every_step(fit) -> None:
    trace = fit.trace
    assert list(trace.columns) == ["step", "iteration", "n_factors", "elbo", "seconds"]
    assert list(dict.fromkeys(trace["step"])) == ["greedy", "backfit (extrapolate)", "nullcheck"]
    assert trace["elbo"].iloc[-1] == pytest.approx(fit.elbo)
    assert (trace["seconds"] >= 0).all()


def test_plots_return_matplotlib_objects(fit) -> None:
    labels = np.repeat(["b", "a"], 40)
    assert isinstance(fit.plot_pve(), Axes)
    assert isinstance(fit.plot_elbo(), Axes)
    ax = fit.plot_structure(labels)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert isinstance(fit.plot_heatmap(labels, which="loadings"), Axes)
    assert isinstance(fit.plot_overview(labels), Figure)
    plt.close("all")


def test_fixed_loadings_are_kept_and_other_mode_is_fitted(simulate) -> None:
    sim = simulate(n=60, p=40, K=1, seed=32)
    start = flash_init(sim.Y, verbose=0).factors_init(sim.L[:, 0], np.ones(40))
    fixed = start.factors_fix([0], "loadings").backfit(order="sequential")
    np.testing.assert_array_equal(fixed.L_pm[:, 0], sim.L[:, 0])
    assert np.corrcoef(fixed.F_pm[:, 0], sim.F[:, 0])[0, 1] > 0.95
    assert fixed.L_ghat[0] is None and np.isnan(fixed.L_lfsr).all()
    assert fixed.elbo > start.elbo


def test_partly_fixed_loadings(simulate) -> None:
    sim = simulate(n=60, p=40, K=1, seed=33)
    start = flash_init(sim.Y, verbose=0).factors_init(sim.L[:, 0] + 0.5, sim.F[:, 0])
    part = start.factors_fix([0], "loadings", idx=np.arange(10)).backfit(order="sequential")
    np.testing.assert_array_equal(part.L_pm[:10, 0], sim.L[:10, 0] + 0.5)
    assert np.isnan(part.L_lfsr[:10, 0]).all() and not np.isnan(part.L_lfsr[10:, 0]).any()
    assert not np.allclose(part.L_pm[10:, 0], sim.L[10:, 0] + 0.5)


def test_intercept_then_greedy(simulate) -> None:
    sim = simulate(n=80, p=50, K=2, seed=34)
    offsets = np.linspace(-3, 3, 50)
    start = flash_init(sim.Y + offsets, verbose=0).add_intercept()
    fit = start.greedy(Kmax=5).backfit().nullcheck()
    np.testing.assert_array_equal(fit.L_pm[:, 0], 1.0)
    assert np.corrcoef(fit.F_pm[:, 0], offsets)[0, 1] > 0.98
    assert fit.n_factors == 3


def test_nullcheck_removes_useless_factor(simulate) -> None:
    sim = simulate(n=60, p=40, K=1, seed=35)
    fit = flash(sim.Y, greedy_Kmax=1, verbose=0)
    rng = np.random.default_rng(0)
    noisy = fit.factors_init(rng.normal(size=60) * 1e-3, rng.normal(size=40) * 1e-3)
    assert noisy.backfit(order="sequential").nullcheck().n_factors == 1


def test_known_standard_errors(simulate) -> None:
    sim = simulate(n=80, p=50, K=2, seed=36)
    scalar = flash(sim.Y, S=1.0, var_type=None, verbose=0)
    matrix = flash(sim.Y, S=np.ones((80, 50)), var_type=None, verbose=0)
    assert scalar.n_factors == matrix.n_factors == 2
    assert scalar.elbo == pytest.approx(matrix.elbo, rel=1e-9)
    assert scalar.residuals_sd == 1.0
    np.testing.assert_allclose(matrix.residuals_sd, 1.0)


def test_low_rank_input_matches_dense() -> None:
    rng = np.random.default_rng(37)
    U, V = rng.normal(size=(40, 2)) * 3, rng.normal(size=(30, 2))
    low = flash(LowRankMatrix(U, V), greedy_Kmax=3, verbose=0)
    dense = flash(U @ V.T, greedy_Kmax=3, verbose=0)
    assert low.elbo == pytest.approx(dense.elbo, rel=1e-9)
    sparse = flash(sp.csr_matrix(U @ V.T), greedy_Kmax=3, verbose=0)
    assert sparse.elbo == pytest.approx(dense.elbo, rel=1e-9)
