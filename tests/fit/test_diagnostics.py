"""brms's sampler warnings, from fits built so that each problem is certain (or surely absent)."""

from __future__ import annotations

import logging
import warnings

import arviz as az
import numpy as np
import pandas as pd
import pytest

import pybrms as bm
from pybrms.fit.arviz import bfmi, convergence, split_rhat
from pybrms.fit.diagnostics import Diagnostics, SamplingWarning

stan = pytest.mark.stan


def ours(record: list[warnings.WarningMessage]) -> list[warnings.WarningMessage]:
    return [w for w in record if issubclass(w.category, SamplingWarning)]


def sampling_warnings(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in ours(record)]


def ridge_data() -> pd.DataFrame:
    """x1 and x2 differ by 1e-3 noise."""
    rng = np.random.default_rng(7)
    x1 = rng.normal(size=20)
    data = pd.DataFrame({"x1": x1, "x2": x1 + 1e-3 * rng.normal(size=20)})
    data["y"] = 1 + data["x1"] + rng.normal(size=20)
    return data


def stan_programs() -> list[str]:
    """The ridge's program and line_fit's (compiled at the session's start,
    tests/conftest.py)."""
    data = ridge_data()
    return [
        bm.stancode("y ~ x1 + x2", data),
        bm.stancode("y ~ x", data.rename(columns={"x1": "x"})),
    ]


@pytest.fixture(scope="module")
def ridge():
    """Two chains stuck far apart on a ridge, with one leapfrog step per iteration.

    x1 and x2 differ by 1e-3 noise, so with flat priors b_x1 + b_x2 is pinned
    and b_x1 - b_x2 has a posterior sd of about 100. ``max_treedepth=1`` makes
    every transition one leapfrog step, so every transition hits the maximum
    tree depth, and the chains, started 200 apart along the ridge, move a
    few units at most: R-hat stays far above 1.05 and the ESS far below 100.
    """
    data = ridge_data()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fit = bm.brm(
            "y ~ x1 + x2",
            data,
            chains=2,
            iter=400,
            control={"max_treedepth": 1},
            init=[{"b": [100.0, -100.0]}, {"b": [-100.0, 100.0]}],
            show_progress=False,
        )
    return fit, record


@stan
def test_every_transition_at_max_treedepth_is_counted_and_warned(ridge):
    fit, record = ridge
    assert fit.diagnostics.treedepth_hits == 2 * 200
    messages = sampling_warnings(record)
    assert (
        "There were 400 transitions after warmup that exceeded the maximum treedepth. "
        "Increase max_treedepth above 1."
    ) in "\n".join(messages)


@stan
def test_chains_that_have_not_mixed_warn_about_rhat_and_ess(ridge):
    fit, record = ridge
    assert fit.diagnostics.max_rhat > 1.5
    assert fit.diagnostics.min_bulk_ess < 20
    text = "\n".join(sampling_warnings(record))
    assert "Parts of the model have not converged (some Rhats are > 1.05" in text
    assert (
        "Bulk Effective Samples Size (ESS) is too low, indicating posterior means and "
        "medians may be unreliable."
    ) in text
    assert (
        "Tail Effective Samples Size (ESS) is too low, indicating posterior variances and "
        "tail quantiles may be unreliable."
    ) in text


@stan
def test_one_warning_per_problem_pointing_at_the_users_call(ridge):
    _, record = ridge
    found = ours(record)
    assert len(found) == len({str(w.message) for w in found}) == 4  # treedepth, Rhat, bulk, tail
    assert {w.filename for w in found} == {__file__}


@stan
def test_summary_footer_repeats_the_warnings(ridge):
    fit, _ = ridge
    text = str(fit.summary())
    footer = text.split("(at convergence, Rhat = 1).")[1]
    assert footer.count("Warning: ") == 4
    assert all(f"Warning: {m}" in footer for m in fit.diagnostics.messages())


@stan
def test_low_adapt_delta_gives_divergences_with_brms_advice(line_data):
    # Targeting 5% acceptance makes the step size far too large for this
    # posterior: most transitions diverge (60-80 of 100 in trials), so none is
    # practically impossible.
    with pytest.warns(SamplingWarning) as record:
        fit = bm.brm(
            "y ~ x",
            line_data,
            chains=1,
            iter=200,
            control={"adapt_delta": 0.05},
            show_progress=False,
        )
    divergent = int(fit.draws.sampler_diagnostics()["divergent__"].sum())
    assert fit.diagnostics.divergent == divergent > 10
    assert (
        f"There were {divergent} divergent transitions after warmup. Increasing "
        "adapt_delta above 0.05 may help."
    ) in "\n".join(sampling_warnings(record.list))
    assert {w.filename for w in ours(record.list)} == {__file__}


@stan
def test_a_well_behaved_fit_warns_about_nothing(line_data):
    # 2 x 1000 draws of a 3-parameter linear regression: ESS in the thousands
    # (threshold 200), R-hat within 0.01 of 1, no divergences.
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingWarning)
        fit = bm.brm("y ~ x", line_data, chains=2, iter=2000, show_progress=False)
    assert fit.diagnostics.messages() == ()
    assert "Warning" not in str(fit.summary())


@stan
def test_update_warns_too(line_fit):
    with pytest.warns(SamplingWarning, match="exceeded the maximum treedepth") as record:
        line_fit.update(chains=1, iter=200, control={"max_treedepth": 1}, show_progress=False)
    assert {w.filename for w in ours(record.list)} == {__file__}


@stan
def test_one_chain_has_split_rhat_and_no_arviz_noise(line_data, caplog):
    with caplog.at_level(logging.DEBUG):
        fit = bm.brm("y ~ x", line_data, chains=1, iter=1000, show_progress=False)
        table = fit.summary().population_level
    assert np.isfinite(table["Rhat"]).all() and (table["Rhat"] < 1.1).all()
    assert "split chains" in str(fit.summary())
    assert not [r for r in caplog.records if r.name.startswith("arviz")]


def test_split_rhat_is_arviz_rank_rhat_for_several_chains():
    rng = np.random.default_rng(3)
    for chains, draws in ((2, 100), (4, 51), (3, 8)):
        values = rng.normal(size=(chains, draws)) + rng.normal(size=(chains, 1))
        assert split_rhat(values) == pytest.approx(az.rhat(values, method="rank"), rel=1e-12)


def test_split_rhat_of_one_chain_is_that_of_its_halves():
    rng = np.random.default_rng(4)
    stationary = rng.normal(size=(1, 1000))
    assert split_rhat(stationary) < 1.01
    drifting = stationary + np.linspace(0, 5, 1000)  # the halves differ: not converged
    assert split_rhat(drifting) > 1.5


def test_too_few_draws_give_nan_without_arviz_noise(caplog):
    with caplog.at_level(logging.DEBUG):
        assert np.isnan(convergence(np.arange(6.0).reshape(2, 3))).all()
        assert np.isnan(split_rhat(np.arange(14.0).reshape(2, 7)))
    assert not caplog.records


def test_low_bfmi_rule_and_wording():
    # E-BFMI is low when the energy moves like a random walk between draws.
    rng = np.random.default_rng(5)
    energy = np.stack([np.cumsum(rng.normal(size=1000)), rng.normal(size=1000)])
    low = bfmi(energy) < 0.2
    assert low.tolist() == [True, False]
    diagnostics = Diagnostics(
        chains=2,
        divergent=0,
        adapt_delta=0.8,
        treedepth_hits=0,
        max_treedepth=10,
        low_bfmi_chains=int(low.sum()),
        max_rhat=1.0,
        min_bulk_ess=1000.0,
        min_tail_ess=1000.0,
    )
    assert diagnostics.messages() == (
        "There were 1 chains where the estimated Bayesian Fraction of Missing Information was "
        "low. See https://mc-stan.org/misc/warnings.html#bfmi-low",
    )
