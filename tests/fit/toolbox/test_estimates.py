"""fixef, ranef, coef, VarCorr, posterior_summary, posterior_interval, prior_summary and
draws_frame selection, on a real fit of simulated data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from simulated import F_EFFECTS, SIGMA, SLOPE

pytestmark = pytest.mark.stan

STATS = ["Estimate", "Est.Error", "Q2.5", "Q97.5"]


def test_fixef_is_the_summary_of_the_b_draws(gaussian_fit):
    table = gaussian_fit.fixef()
    frame = gaussian_fit.draws_frame()
    assert list(table.index) == ["Intercept", "x", "fb", "fc"]
    assert list(table.columns) == STATS
    np.testing.assert_allclose(table.loc["x", "Estimate"], frame["b_x"].mean())
    np.testing.assert_allclose(table.loc["x", "Est.Error"], frame["b_x"].std())
    np.testing.assert_allclose(table.loc["x", "Q97.5"], frame["b_x"].quantile(0.975))
    draws = gaussian_fit.fixef(summary=False)
    np.testing.assert_array_equal(draws["fc"], frame["b_fc"])
    assert gaussian_fit.fixef(pars=["x"]).index.tolist() == ["x"]


def test_fixef_recovers_the_simulated_truth(gaussian_fit):
    # the posterior sd includes the spread of the simulated group slopes; 4 sd is far in the tail
    table = gaussian_fit.fixef()
    truth = {"x": SLOPE, "fb": F_EFFECTS["b"], "fc": F_EFFECTS["c"]}
    for name, value in truth.items():
        assert abs(table.loc[name, "Estimate"] - value) < 4 * table.loc[name, "Est.Error"]


def test_probs_and_robust_change_the_columns(gaussian_fit):
    table = gaussian_fit.fixef(probs=(0.05, 0.5, 0.95), robust=True)
    frame = gaussian_fit.draws_frame()
    assert list(table.columns) == ["Estimate", "Est.Error", "Q5", "Q50", "Q95"]
    x = frame["b_x"]
    np.testing.assert_allclose(table.loc["x", "Estimate"], x.median())
    np.testing.assert_allclose(
        table.loc["x", "Est.Error"], 1.4826 * (x - x.median()).abs().median()
    )


def test_ranef_has_brms_layout_and_values(gaussian_fit):
    ranef = gaussian_fit.ranef()
    frame = gaussian_fit.draws_frame()
    assert list(ranef) == ["g"]
    table = ranef["g"]
    assert list(table.index) == [f"g{k}" for k in range(1, 9)]
    assert list(table.columns.get_level_values(0).unique()) == ["Intercept", "x"]
    assert list(table["x"].columns) == STATS
    np.testing.assert_allclose(table.loc["g3", ("x", "Estimate")], frame["r_g[g3,x]"].mean())
    draws = gaussian_fit.ranef(summary=False)["g"]
    np.testing.assert_array_equal(draws[("Intercept", "g2")], frame["r_g[g2,Intercept]"])
    assert gaussian_fit.ranef(groups=["g"], pars=["x"])["g"].columns.get_level_values(0)[0] == "x"


def test_coef_adds_fixed_and_group_effects(gaussian_fit):
    coef = gaussian_fit.coef(summary=False)["g"]
    frame = gaussian_fit.draws_frame()
    # varying coefficients first, then the population-level effects that do not vary
    assert list(coef.columns.get_level_values(0).unique()) == ["Intercept", "x", "fb", "fc"]
    np.testing.assert_allclose(coef[("x", "g5")], frame["b_x"] + frame["r_g[g5,x]"])
    np.testing.assert_allclose(coef[("fb", "g5")], frame["b_fb"])
    summary = gaussian_fit.coef()["g"]
    np.testing.assert_allclose(
        summary.loc["g1", ("Intercept", "Estimate")],
        (frame["b_Intercept"] + frame["r_g[g1,Intercept]"]).mean(),
    )


def test_varcorr_sd_cor_cov_and_residual(gaussian_fit):
    vc = gaussian_fit.VarCorr()
    frame = gaussian_fit.draws_frame()
    assert list(vc) == ["g", "residual__"]
    assert list(vc["g"]["sd"].index) == ["Intercept", "x"]
    np.testing.assert_allclose(vc["g"]["sd"].loc["x", "Estimate"], frame["sd_g__x"].mean())
    cor = vc["g"]["cor"]
    assert cor.loc["Intercept", ("Intercept", "Estimate")] == 1.0
    np.testing.assert_allclose(
        cor.loc["x", ("Intercept", "Estimate")], frame["cor_g__Intercept__x"].mean()
    )
    cov = gaussian_fit.VarCorr(summary=False)["g"]["cov"]
    expected = frame["sd_g__Intercept"] * frame["sd_g__x"] * frame["cor_g__Intercept__x"]
    np.testing.assert_allclose(cov[("x", "Intercept")], expected)
    np.testing.assert_allclose(cov[("x", "x")], frame["sd_g__x"] ** 2)
    residual = vc["residual__"]["sd"]
    assert list(residual.index) == ["y"]
    assert abs(residual.loc["y", "Estimate"] - SIGMA) < 4 * residual.loc["y", "Est.Error"]


def test_varcorr_without_correlations_has_sd_only(intercept_fit):
    vc = intercept_fit.VarCorr()
    assert set(vc["g"]) == {"sd"}


def test_posterior_summary_interval_and_draws_selection(gaussian_fit):
    frame = gaussian_fit.draws_frame()
    summary = gaussian_fit.posterior_summary()
    assert list(summary.index) == [c for c in frame.columns if not c.startswith(".")]
    assert "lp__" in summary.index and "r_g[g1,x]" in summary.index
    selected = gaussian_fit.draws_frame("^sd_|^sigma$", regex=True)
    kept = [c for c in frame.columns if c.startswith("sd_") or c == "sigma"]
    assert list(selected.columns) == [*kept, ".chain", ".iteration", ".draw"]
    assert kept == ["sd_g__Intercept", "sd_g__x", "sigma"]
    named = gaussian_fit.draws_frame(["sigma", "b_x"])
    assert list(named.columns[:2]) == ["sigma", "b_x"]
    assert named[".draw"].tolist() == list(range(1, len(frame) + 1))
    interval = gaussian_fit.posterior_interval(["b_x"], prob=0.8)
    assert list(interval.columns) == ["10%", "90%"]
    np.testing.assert_allclose(interval.loc["b_x", "90%"], frame["b_x"].quantile(0.9))


def test_prior_summary_is_the_prior_table(gaussian_fit):
    table = gaussian_fit.prior_summary()
    assert list(table.columns) == [
        "prior",
        "class",
        "coef",
        "group",
        "resp",
        "dpar",
        "nlpar",
        "lb",
        "ub",
        "source",
    ]
    sd = table[(table["class"] == "sd") & (table["group"] == "")]
    assert sd["prior"].iloc[0].startswith("student_t(3, 0")
    assert isinstance(table, pd.DataFrame)
