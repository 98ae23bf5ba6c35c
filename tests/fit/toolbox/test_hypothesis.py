"""hypothesis(): brms's table, one- and two-sided, classes and groups."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.stan

COLUMNS = [
    "Hypothesis",
    "Estimate",
    "Est.Error",
    "CI.Lower",
    "CI.Upper",
    "Evid.Ratio",
    "Post.Prob",
    "Star",
]


def test_one_sided_hypothesis(gaussian_fit):
    result = gaussian_fit.hypothesis("x - 1 < 0")
    frame = gaussian_fit.draws_frame()
    values = frame["b_x"] - 1
    row = result.hypothesis.iloc[0]
    assert list(result.hypothesis.columns) == COLUMNS
    assert row["Hypothesis"] == "(x-1) < 0"
    np.testing.assert_allclose(row["Estimate"], values.mean())
    np.testing.assert_allclose([row["CI.Lower"], row["CI.Upper"]], values.quantile([0.05, 0.95]))
    p = (values < 0).mean()
    np.testing.assert_allclose(row["Evid.Ratio"], p / (1 - p))
    np.testing.assert_allclose(row["Post.Prob"], p)
    assert row["Star"] == ("*" if p > 0.95 else "")
    np.testing.assert_allclose(result.samples["H1"], values)


def test_point_hypothesis_has_no_evidence_ratio_without_prior_draws(gaussian_fit):
    result = gaussian_fit.hypothesis("fb - fc = 0")
    frame = gaussian_fit.draws_frame()
    values = frame["b_fb"] - frame["b_fc"]
    row = result.hypothesis.iloc[0]
    assert row["Hypothesis"] == "(fb-fc) = 0"
    np.testing.assert_allclose([row["CI.Lower"], row["CI.Upper"]], values.quantile([0.025, 0.975]))
    assert np.isnan(row["Evid.Ratio"]) and np.isnan(row["Post.Prob"])
    # simulated difference is 2 with sd about 0.2: 0 lies far outside the interval
    assert row["Star"] == "*"
    assert "NA" in str(result)


def test_several_named_and_functions(gaussian_fit):
    result = gaussian_fit.hypothesis({"slope": "x > 0", "ratio": "exp(fb) / 2 = 1"})
    assert list(result.hypothesis["Hypothesis"]) == ["slope", "ratio"]
    frame = gaussian_fit.draws_frame()
    np.testing.assert_allclose(result.samples["H2"], np.exp(frame["b_fb"]) / 2 - 1)
    # every draw of the simulated slope (0.8, posterior sd 0.1) is positive
    assert result.hypothesis.loc[1, "Post.Prob"] > 0.99
    assert result.hypothesis.loc[1, "Star"] == "*"


def test_class_and_group(gaussian_fit):
    result = gaussian_fit.hypothesis("Intercept^2 > x^2", class_="sd", group="g")
    frame = gaussian_fit.draws_frame()
    np.testing.assert_allclose(
        result.samples["H1"], frame["sd_g__Intercept"] ** 2 - frame["sd_g__x"] ** 2
    )
    assert result.cls == "sd_g"
    assert str(result).startswith("Hypothesis Tests for class sd_g:")
    full = gaussian_fit.hypothesis(
        "sd_g__Intercept^2 / (sd_g__Intercept^2 + sigma^2) = 0", class_=None
    )
    icc = full.samples["H1"]
    assert ((icc > 0) & (icc < 1)).all()
