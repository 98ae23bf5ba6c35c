"""Parallel backfit: the same result in process, on threads, on worker processes and on Dask."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import pybrms as bm
from pybrms.flash import FlashFit, VarType, flash, flash_init
from pybrms.flash.factor import make_task, parallel_tasks
from pybrms.flash.state import refresh

MAXITER = 15


@pytest.fixture(scope="module")
def greedy_fit(simulate) -> FlashFit:
    sim = simulate(n=100, p=60, K=4, seed=21)
    return flash(sim.Y, greedy_Kmax=4, nullcheck=False, verbose=0)


@pytest.fixture(scope="module")
def in_process(greedy_fit: FlashFit) -> FlashFit:
    return greedy_fit.backfit(order="parallel", maxiter=MAXITER)


def _assert_same(a: FlashFit, b: FlashFit) -> None:
    assert a.n_factors == b.n_factors
    assert a.elbo == pytest.approx(b.elbo, rel=1e-12)
    np.testing.assert_allclose(a.L_pm, b.L_pm, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.F_pm, b.F_pm, rtol=1e-10, atol=1e-12)


def test_parallel_backfit_improves_greedy_fit(greedy_fit: FlashFit, in_process: FlashFit) -> None:
    assert greedy_fit.n_factors == 4
    assert in_process.elbo > greedy_fit.elbo
    steps = in_process.trace["step"]
    assert (steps == "backfit (parallel)").sum() <= MAXITER


@pytest.mark.parametrize(("var_type", "S"), [(1, None), (2, None), ((1, 2), None), (None, 0.8)])
def test_parallel_backfit_with_rank_one_precision(simulate, var_type: VarType, S: object) -> None:
    """τ_i τ_j (by row, by column, Kronecker, known scalar): the backfit climbs, and the
    ELBO it reports is the one of its final moments (the task inputs themselves are
    checked against single-factor updates below)."""
    sim = simulate(n=100, p=60, K=4, seed=21, noise_sd=np.linspace(0.6, 1.4, 60))
    fit = flash(sim.Y, S, var_type=var_type, greedy_Kmax=4, nullcheck=False, verbose=0)
    par = fit.backfit(order="parallel", maxiter=5)
    assert par.elbo > fit.elbo
    assert refresh(par._state, par._problem).elbo == pytest.approx(par.elbo, rel=1e-10)


@pytest.mark.parametrize("executor", ["threads", "processes", "spawn"])
def test_named_executors_match_in_process(greedy_fit, in_process, executor: str) -> None:
    threads = bm.threading(2, grainsize=1 if executor == "spawn" else None)
    fit = greedy_fit.backfit(order="parallel", maxiter=MAXITER, threads=threads, executor=executor)
    _assert_same(fit, in_process)


def test_caller_owned_executor_stays_open(greedy_fit, in_process) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        fit = greedy_fit.backfit(order="parallel", maxiter=MAXITER, threads=2, executor=pool)
        assert pool.submit(int, "3").result() == 3
    _assert_same(fit, in_process)


def test_dask_local_cluster_matches_in_process(greedy_fit, in_process) -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        fit = greedy_fit.backfit(
            order="parallel", maxiter=MAXITER, threads=bm.threading(2), executor=client
        )
    _assert_same(fit, in_process)


def test_parallel_backfit_leaves_fixed_factors_alone(simulate) -> None:
    sim = simulate(n=80, p=50, K=2, seed=22)
    fit = flash_init(sim.Y + np.linspace(-2, 2, 50), verbose=0).add_intercept().greedy(Kmax=2)
    with pytest.warns(UserWarning, match=r"leaves factors \[0\] \(with fixed") as record:
        par = fit.backfit(order="parallel", maxiter=5)
    assert [w.filename for w in record] == [__file__]
    np.testing.assert_array_equal(par.L_pm[:, 0], fit.L_pm[:, 0])
    np.testing.assert_array_equal(par.F_pm[:, 0], fit.F_pm[:, 0])
    assert not np.array_equal(par.F_pm[:, 1:], fit.F_pm[:, 1:])


@pytest.mark.parametrize("var_type", [0, 1, 2, (1, 2)])
@pytest.mark.parametrize("mode", [0, 1])
def test_batched_tasks_match_one_factor_tasks(simulate, mode: int, var_type: VarType) -> None:
    """The K x K cross-product form of FLASH.md 8.4 equals the per-factor residual products."""
    sim = simulate(n=70, p=40, K=3, seed=23)
    start = flash_init(sim.Y + np.linspace(-1, 1, 40), var_type=var_type, verbose=0)
    fit = start.add_intercept().greedy(Kmax=3)
    state, problem = fit._state, fit._problem
    kset = list(range(1, state.n_factors))
    assert len(kset) >= 2
    batched = parallel_tasks(state, problem, kset, mode)
    for k, task in zip(kset, batched, strict=True):
        single = make_task(state, problem, k, mode, warmstart=True)
        np.testing.assert_allclose(task.x, single.x, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(task.s, single.s, rtol=1e-12)
        assert task.g_init == single.g_init


def test_diverging_parallel_backfit_warns_and_returns_its_best_iterate() -> None:
    """Six copies of one factor: Jacobi steps amplify their common error by 5 each sweep."""
    rng = np.random.default_rng(1)
    n, p, K = 60, 40, 6
    u, v = rng.normal(size=n), rng.normal(size=p)
    Y = 3 * np.outer(u, v) + rng.normal(size=(n, p))
    copies = flash_init(Y, verbose=0).factors_init(
        3 * u[:, None] + 0.3 * rng.normal(size=(n, K)), np.tile(v[:, None] / K, (1, K))
    )
    with pytest.warns(RuntimeWarning, match=r"diverged at iteration \d+.*'dropout'") as record:
        par = copies.backfit(order="parallel", maxiter=500)
    assert [w.filename for w in record] == [__file__]
    steps = par.trace.loc[par.trace["step"] == "backfit (parallel)", "elbo"]
    assert par.elbo == max(copies.elbo, steps.max())
    assert np.isfinite(par.L_pm).all()
    assert par.backfit(order="dropout").elbo >= par.elbo
