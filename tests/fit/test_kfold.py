"""kfold(): the loo package's splits, refits on real Stan programs, loo_compare of the results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pybrms as bm
from pybrms.backends.embedded import EmbeddedBackend
from pybrms.backends.embedded import programs as embedded_programs
from pybrms.errors import PybrmsError, SettingsError, SpecError
from pybrms.fit import criteria
from pybrms.fit.kfold import (
    KFold,
    kfold_split_grouped,
    kfold_split_random,
    kfold_split_stratified,
)

# ---------------------------------------------------------------- splits (no Stan)


@pytest.mark.parametrize(("K", "N"), [(2, 2), (3, 10), (10, 10), (7, 100)])
def test_random_split_gives_K_folds_of_near_equal_size(K, N):
    folds = kfold_split_random(K, N, np.random.default_rng(K * N))
    sizes = np.bincount(folds, minlength=K + 1)[1:]
    assert folds.shape == (N,) and set(folds) == set(range(1, K + 1))
    assert sizes.max() - sizes.min() <= 1


@pytest.mark.parametrize("K", [2, 3, 5])
def test_stratified_split_spreads_every_level_evenly(K):
    x = np.repeat(["a", "b", "c"], [17, 9, 4])
    folds = kfold_split_stratified(K, x, np.random.default_rng(K))
    table = pd.crosstab(x, folds)
    assert list(table.columns) == list(range(1, K + 1))
    assert (table.max(axis=1) - table.min(axis=1) <= 1).all()  # each level, as even as it can be
    sizes = np.bincount(folds)[1:]
    assert sizes.max() - sizes.min() <= 1


@pytest.mark.parametrize("K", [2, 3, 7])
def test_grouped_split_keeps_levels_together_and_deals_them_evenly(K):
    x = np.repeat([f"g{i}" for i in range(7)], [3, 1, 4, 2, 2, 5, 1])
    folds = kfold_split_grouped(K, x, np.random.default_rng(K))
    per_level = pd.Series(folds).groupby(x).nunique()
    assert (per_level == 1).all()
    levels_per_fold = pd.Series(x).groupby(folds).nunique()
    assert list(levels_per_fold.index) == list(range(1, K + 1))
    assert levels_per_fold.max() - levels_per_fold.min() <= 1


def test_grouped_split_needs_K_levels():
    with pytest.raises(SpecError, match="K=3 folds need at least K levels.*has 2"):
        kfold_split_grouped(3, ["a", "b", "a", "b"], np.random.default_rng(1))


# ---------------------------------------------------------------- fits


@pytest.fixture(scope="module")
def line60() -> pd.DataFrame:
    rng = np.random.default_rng(60)
    x = rng.normal(size=60)
    return pd.DataFrame({"x": x, "y": 1 + 0.5 * x + rng.normal(size=60)})


@pytest.fixture(scope="module")
def line60_fit(line60) -> bm.BrmsFit:
    return bm.brm("y ~ x", line60, chains=2, iter=2000, seed=5, show_progress=False)


def levels_data() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    g = np.repeat([f"s{i}" for i in range(6)], 6)
    effect = dict(zip(np.unique(g), rng.normal(scale=0.7, size=6), strict=True))
    x = rng.normal(size=len(g))
    y = 0.5 + 0.8 * x + np.array([effect[v] for v in g]) + rng.normal(scale=0.6, size=len(g))
    return pd.DataFrame({"x": x, "g": g, "y": y, "hi": np.where(y > np.median(y), "yes", "no")})


def response_times(shift: float, n: int = 60, seed: int = 6) -> pd.DataFrame:
    """Shifted lognormal responses above ``shift``: the smallest response, ndt's bound, moves
    with it."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "y": shift + rng.lognormal(-0.5 + 0.4 * x, 0.6)})


def stan_programs() -> list[str]:
    """The programs the fits and refits run (compiled at the session's start,
    tests/conftest.py); the shifted lognormal one is that of the recovery case too."""
    data = levels_data()
    return [
        *(bm.stancode(f, data) for f in ("y ~ x", "y ~ x + (1 | g)", "y ~ 1 + (1 | g)")),
        bm.stancode("y ~ x", response_times(0.3), "shifted_lognormal"),
    ]


@pytest.fixture(scope="module")
def grouped_data() -> pd.DataFrame:
    return levels_data()


@pytest.fixture(scope="module")
def grouped_fit(grouped_data) -> bm.BrmsFit:
    return bm.brm(
        "y ~ x + (1 | g)",
        grouped_data,
        chains=2,
        iter=1000,
        seed=3,
        show_progress=False,
        control={"adapt_delta": 0.95},
    )


@pytest.mark.stan
def test_kfold_agrees_with_psis_loo_within_its_error(line60_fit):
    kf = line60_fit.kfold(K=3, seed=4, show_progress=False)
    loo = criteria.loo_criterion(line60_fit)
    assert isinstance(kf, KFold) and kf.K == 3 and kf.fold_type == "random"
    assert list(kf.estimates.index) == ["elpd_kfold", "p_kfold", "kfoldic"]
    assert list(kf.pointwise.index) == list(line60_fit.spec.data.index)
    np.testing.assert_allclose(kf.pointwise.kfoldic, -2 * kf.pointwise.elpd_kfold)
    diff = kf.pointwise.elpd_kfold - loo.pointwise.elpd_loo
    se_diff = np.sqrt(len(diff)) * diff.std(ddof=1)
    # Training on 2/3 of the rows costs about (p/2)(N/n_train - 1) of elpd for p = 3
    # parameters (the 1/n term of the expected log predictive density); the rest is
    # the noise of the split, which se_diff measures, as loo_compare's se_diff does.
    bias = 3 / 2 * (3 / 2 - 1)
    assert abs(diff.sum()) < 5 * se_diff + bias


@pytest.mark.stan
def test_exact_loo_by_refitting_matches_psis_loo(line60_fit, line60):
    small = line60_fit.update(iter=1000, seed=2, show_progress=False)
    loo = criteria.loo_criterion(small)
    kf = small.kfold(folds="loo", seed=1, show_progress=False)
    assert kf.K == 60 and kf.fold_type == "loo"
    diff = kf.pointwise.elpd_kfold - loo.pointwise.elpd_loo
    # PSIS-LOO approximates exactly this: pointwise agreement far inside 5 se_diff
    assert abs(diff.sum()) < 5 * np.sqrt(len(diff)) * diff.std(ddof=1)
    assert np.abs(diff).max() < 0.3


@pytest.mark.stan
def test_refits_never_compile_on_any_executor(line60_fit, no_compile, monkeypatch):
    def refuse(*args, **kwargs):
        pytest.fail("a fold compiled a program")

    monkeypatch.setattr(EmbeddedBackend, "compile", refuse)
    in_process = line60_fit.kfold(K=3, seed=9, executor=None, show_progress=False, chains=1)
    processes = line60_fit.kfold(K=3, seed=9, executor="processes", show_progress=False, chains=1)
    threads = line60_fit.kfold(
        K=3, seed=9, executor="threads", workers=2, show_progress=False, chains=1
    )
    # same folds, same refit seeds: the executor changes where folds run, not the result
    np.testing.assert_array_equal(in_process.folds, processes.folds)
    pd.testing.assert_frame_equal(in_process.pointwise, processes.pointwise)
    pd.testing.assert_frame_equal(in_process.pointwise, threads.pointwise)


@pytest.mark.stan
@pytest.mark.filterwarnings("ignore::pybrms.SamplingWarning")  # short runs, on purpose
def test_folds_and_new_data_with_another_smallest_response_reuse_the_program(monkeypatch):
    """ndt lies below the smallest response, which the program computes (brms's min_Y):
    folds whose training rows have another smallest response, and a data set shifted by
    0.5, run the fit's program without compiling."""
    kwargs = {"chains": 1, "iter": 400, "seed": 1, "show_progress": False}
    fit = bm.brm("y ~ x", response_times(0.3), "shifted_lognormal", **kwargs)

    def refuse(*args: object, **kw: object) -> None:
        pytest.fail("new data of the same structure compiled a new program")

    monkeypatch.setattr(embedded_programs, "Pool", refuse)
    kf = fit.kfold(K=3, seed=2, show_progress=False)
    assert np.isfinite(kf.pointwise.elpd_kfold).all()
    shifted = bm.brm("y ~ x", response_times(0.8), "shifted_lognormal", **kwargs)
    assert shifted.stan_code == fit.stan_code and shifted.program.model().from_cache
    # the posterior of ndt follows the data below their new smallest response
    ndt = shifted.draws.column("ndt")
    assert (ndt < shifted.standata["Y"].min()).all() and ndt.max() > fit.standata["Y"].min()


@pytest.mark.stan
def test_refits_run_on_a_dask_cluster(line60_fit):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = line60_fit.kfold(K=3, seed=9, executor=client, show_progress=False, chains=1)
    in_process = line60_fit.kfold(K=3, seed=9, executor=None, show_progress=False, chains=1)
    pd.testing.assert_frame_equal(on_dask.pointwise, in_process.pointwise)


@pytest.mark.stan
def test_grouped_folds_predict_unseen_levels(grouped_fit, grouped_data):
    kf = grouped_fit.kfold(K=3, folds="grouped", group="g", seed=2, show_progress=False)
    assert kf.fold_type == "grouped"
    folds = pd.Series(kf.folds, index=grouped_data.index)
    assert (folds.groupby(grouped_data.g).nunique() == 1).all()  # a level is held out whole
    assert np.isfinite(kf.pointwise.elpd_kfold).all()
    # held-out levels are new: their effects come from the group-level distribution, so
    # predicting them is worse than predicting rows of levels seen in training
    loo = criteria.loo_criterion(grouped_fit)
    assert kf.estimates.loc["elpd_kfold", "Estimate"] < loo.estimates.loc["elpd_loo", "Estimate"]


@pytest.mark.stan
def test_leave_one_group_out_and_stratified_folds(grouped_fit, grouped_data):
    by_level = grouped_fit.kfold(group="g", seed=1, show_progress=False, chains=1)
    assert by_level.K == 6 and by_level.fold_type == "group"
    codes = pd.factorize(grouped_data.g, sort=True)[0] + 1
    np.testing.assert_array_equal(by_level.folds, codes)
    stratified = grouped_fit.kfold(
        K=3, folds="stratified", group="hi", seed=1, show_progress=False, chains=1
    )
    table = pd.crosstab(grouped_data.hi, stratified.folds)
    assert (table.max(axis=1) - table.min(axis=1) <= 1).all()


@pytest.mark.stan
def test_loo_compare_ranks_kfold_criteria(grouped_fit, grouped_data):
    folds = kfold_split_random(3, len(grouped_data), np.random.default_rng(5))
    smaller = bm.brm(
        "y ~ 1 + (1 | g)",
        grouped_data,
        chains=2,
        iter=1000,
        seed=3,
        show_progress=False,
        control={"adapt_delta": 0.95},
    )
    full = grouped_fit.kfold(folds=folds, seed=1, show_progress=False)
    small = smaller.kfold(folds=folds, seed=1, show_progress=False)
    table = bm.loo_compare(full=full, small=small)
    assert list(table.columns) == [
        "elpd_diff",
        "se_diff",
        "elpd_kfold",
        "se_elpd_kfold",
        "p_kfold",
        "se_p_kfold",
        "kfoldic",
        "se_kfoldic",
    ]
    assert table.index[0] == "full"  # x has a strong effect (0.8 against noise 0.6)
    diff = small.pointwise.elpd_kfold - full.pointwise.elpd_kfold
    np.testing.assert_allclose(table.loc["small", "elpd_diff"], diff.sum())


# ---------------------------------------------------------------- bad inputs

BAD = [
    ("K too small", {"K": 1}, SpecError, "K"),
    ("K above N", {"K": 61}, SpecError, "61"),
    ("K not an int", {"K": 2.5}, SpecError, "2.5"),
    ("unknown fold type", {"folds": "blocked"}, SpecError, "blocked"),
    ("stratified without group", {"folds": "stratified"}, SpecError, "group="),
    ("unknown group column", {"group": "h"}, SpecError, "'h'"),
    ("fold labels of the wrong length", {"folds": [1, 2, 1]}, SpecError, "60"),
    ("a single fold", {"folds": np.ones(60)}, SpecError, "two"),
    ("unknown sampling argument", {"cores": 2}, SettingsError, "cores"),
    ("bad workers", {"workers": 0}, SettingsError, "workers"),
    ("bad executor", {"executor": "mpi"}, SettingsError, "mpi"),
]


@pytest.mark.stan
@pytest.mark.parametrize(("name", "kwargs", "error", "culprit"), BAD, ids=[b[0] for b in BAD])
def test_bad_kfold_arguments_fail_before_any_refit(
    line60_fit, no_compile, monkeypatch, name, kwargs, error, culprit
):
    def refuse(*args, **kw):
        pytest.fail("sampled although the input is invalid")

    monkeypatch.setattr(type(line60_fit.model), "sample", refuse)
    with pytest.raises(error) as info:
        line60_fit.kfold(show_progress=False, **kwargs)
    assert isinstance(info.value, PybrmsError)
    assert culprit in str(info.value)
