"""BrmsFit from a real fit of brms's epilepsy model: summary, draws, ArviZ, update."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pybrms as bm
from pybrms.errors import SettingsError, SpecError

pytestmark = pytest.mark.stan

FORMULA = "count ~ zAge + zBase * Trt + (1|patient)"
DIRICHLET = bm.bf("cbind(y1, y2, y3) ~ x", phi="~ z")


def proportions() -> pd.DataFrame:
    """40 rows of a dirichlet response ``y1, y2, y3`` and predictors ``x``, ``z``."""
    rng = np.random.default_rng(4)
    n = 40
    df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    df["y1"], df["y2"], df["y3"] = rng.dirichlet([2.0, 3.0, 5.0], size=n).T
    return df


def stan_programs() -> list[str]:
    """The fits' programs (compiled at the session's start, tests/conftest.py)."""
    epilepsy = bm.datasets.load_epilepsy()
    return [
        bm.stancode(FORMULA, epilepsy, family="poisson", threads=bm.threading(2)),
        bm.stancode(DIRICHLET, proportions(), family="dirichlet"),
    ]


@pytest.fixture(scope="module")
def epilepsy():
    return bm.datasets.load_epilepsy()


@pytest.fixture(scope="module")
def fit(epilepsy):
    return bm.brm(
        FORMULA,
        data=epilepsy,
        family="poisson",
        chains=2,
        iter=600,
        seed=8,
        threads=bm.threading(2),
        data_name="epilepsy",
        show_progress=False,
    )


def test_summary_has_the_brms_layout(fit):
    text = str(fit.summary())
    lines = text.splitlines()
    assert lines[0].strip() == "Family: poisson"
    assert lines[1].strip() == "Links: mu = log"
    assert "Formula: count ~ zAge + zBase * Trt + (1|patient)" in text
    assert "Data: epilepsy (Number of observations: 236)" in text
    assert "Draws: 2 chains, each with iter = 600; warmup = 300; thin = 1;" in text
    assert "total post-warmup draws = 600" in text
    order = [
        text.index(h)
        for h in (
            "Group-Level Effects:",
            "~patient (Number of levels: 59)",
            "Population-Level Effects:",
        )
    ]
    assert order == sorted(order)
    header = "Estimate Est.Error l-95% CI u-95% CI  Rhat Bulk_ESS Tail_ESS"
    assert text.count(header) == 2


def test_summary_numbers_are_the_draws(fit):
    summary = fit.summary(prob=0.9)
    frame = fit.draws_frame()
    table = summary.population_level
    assert list(table.index) == ["Intercept", "zAge", "zBase", "Trt1", "zBase:Trt1"]
    assert list(table.columns[2:4]) == ["l-90% CI", "u-90% CI"]
    np.testing.assert_allclose(table.loc["zAge", "Estimate"], frame["b_zAge"].mean())
    np.testing.assert_allclose(table.loc["zAge", "Est.Error"], frame["b_zAge"].std())
    np.testing.assert_allclose(table.loc["zAge", "l-90% CI"], frame["b_zAge"].quantile(0.05))
    sd = summary.group_level["~patient (Number of levels: 59)"]
    assert list(sd.index) == ["sd(Intercept)"]
    # brms's epilepsy fit: sd(Intercept) about 0.58, zBase about 0.70
    assert 0.4 < sd.loc["sd(Intercept)", "Estimate"] < 0.8
    assert 0.45 < table.loc["zBase", "Estimate"] < 0.95
    # Convergence columns are filled; how far they land from a threshold depends on the
    # machine's floating point, so no threshold is asserted on a fixed seed here.
    assert np.isfinite(table["Rhat"]).all() and (table["Bulk_ESS"] > 0).all()


def test_draws_frame_has_brms_columns(fit):
    frame = fit.draws_frame()
    assert {
        "b_Intercept",
        "b_zAge",
        "sd_patient__Intercept",
        "r_patient[1,Intercept]",
        "lp__",
        ".chain",
        ".iteration",
        ".draw",
    } <= set(frame.columns)
    assert len(frame) == 600 and frame[".chain"].tolist()[299:301] == [1, 2]


def test_inference_data(fit):
    idata = fit.to_inference_data()
    assert {
        "posterior",
        "log_likelihood",
        "posterior_predictive",
        "sample_stats",
        "observed_data",
    } <= set(idata.groups())
    assert idata.log_likelihood["y"].shape == (2, 300, 236)
    np.testing.assert_allclose(idata.log_likelihood["y"].values.reshape(600, 236), fit.log_lik())
    assert idata.posterior["b_zBase:Trt1"].shape == (2, 300)
    r = idata.posterior["r_patient"]
    assert r.dims == ("chain", "draw", "patient", "r_patient_coef")
    assert r.sizes["patient"] == 59 and r.coords["r_patient_coef"].values.tolist() == ["Intercept"]
    np.testing.assert_array_equal(
        r.sel(patient="1").values[..., 0],
        fit.draws_frame()["r_patient[1,Intercept]"].to_numpy().reshape(2, 300),
    )
    assert idata.sample_stats["diverging"].dtype == bool
    np.testing.assert_array_equal(idata.observed_data["y"].values, fit.spec.response.values)


def test_update_changes_threads_and_grainsize_without_recompiling(fit):
    again = fit.update(
        chains=1, iter=400, threads=bm.threading(1, grainsize=50), show_progress=False
    )
    assert again.model is fit.model
    assert again.standata["grainsize"] == 50 and again.draws.num_chains == 1
    assert again.draws.chains[0].config["threads_per_chain"] == "1"


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"control": {"adapt_dleta": 0.9}}, SettingsError, "unknown key.*adapt_dleta"),
        ({"chains": 0}, SettingsError, "chains must be a positive integer"),
        ({"iter": 100, "warmup": 100}, SettingsError, r"warmup must be .* in \[0, iter\)"),
        ({"family": "poison"}, SpecError, "Unknown family 'poison'.*poisson"),
    ],
)
def test_bad_arguments_fail_before_compiling(epilepsy, kwargs, error, pattern):
    kwargs = {"family": "poisson", **kwargs}
    with pytest.raises(error, match=pattern):
        bm.brm(FORMULA, data=epilepsy, show_progress=False, **kwargs)


def test_update_rejects_unknown_settings(fit):
    with pytest.raises(SettingsError, match="'iterations', which is not a sampling argument"):
        fit.update(iterations=10)


def test_predictions_and_loo(fit, epilepsy):
    epred = fit.posterior_epred()
    assert epred.shape == (600, 236) and (epred > 0).all()
    # the expected count tracks the observed one
    assert np.corrcoef(epred.mean(axis=0), epilepsy["count"])[0, 1] > 0.8
    new = epilepsy.iloc[:3]
    np.testing.assert_allclose(fit.posterior_epred(newdata=new), epred[:, :3])
    loo = fit.loo()
    assert np.isfinite(loo.elpd_loo) and loo.n_data_points == 236


def test_matrix_response_in_inference_data_and_loo():
    """A dirichlet response (the structure of the recovery case ``dirichlet_phi``): the
    observed and predicted proportions have a category dimension, loo one value per row."""
    df = proportions()
    n = len(df)
    fit = bm.brm(
        DIRICHLET,
        data=df,
        family="dirichlet",
        chains=1,
        iter=200,
        seed=1,
        show_progress=False,
    )
    idata = fit.to_inference_data()
    assert idata.observed_data["y"].dims == ("obs_id", "category")
    assert list(idata.observed_data["category"].values) == ["y1", "y2", "y3"]
    assert idata.posterior_predictive["y"].shape == (1, 100, n, 3)
    np.testing.assert_allclose(idata.posterior_predictive["y"].sum("category"), 1.0)
    assert fit.loo().n_data_points == n
