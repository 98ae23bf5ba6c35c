"""The cmdstanpy backend, where a CmdStan installation exists; skipped cleanly elsewhere."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st
from arviz import mcse

from pybrms.backends import compile_model, get_backend
from pybrms.backends.cmdstanpy import cmdstan_available
from pybrms.errors import ToolchainError

needs_cmdstan = pytest.mark.skipif(
    not cmdstan_available(), reason="no CmdStan installation (cmdstanpy.cmdstan_path() fails)"
)

PROGRAM = """
data { int N; vector[N] y; }
parameters { real mu; }
model { target += normal_lpdf(mu | 0, 10); target += normal_lpdf(y | mu, 1); }
"""


@pytest.mark.skipif(cmdstan_available(), reason="CmdStan is installed here")
def test_missing_cmdstan_is_a_clear_error():
    with pytest.raises(ToolchainError, match="backend='cmdstanpy' needs cmdstanpy and a CmdStan"):
        get_backend("cmdstanpy").compile(PROGRAM)


def test_auto_picks_embedded_without_cmdstan():
    expected = "cmdstanpy" if cmdstan_available() else "embedded"
    assert get_backend("auto").name == expected


@needs_cmdstan
@pytest.mark.cmdstan
def test_sample_and_log_prob_match_closed_form():
    rng = np.random.default_rng(3)
    y = rng.normal(2.0, 1.0, size=30)
    data = {"N": y.size, "y": y}
    model = compile_model(PROGRAM, backend="cmdstanpy", show_progress=False)
    draws = model.sample(data, chains=2, threads=2, seed=1, show_progress=False)
    mu = draws.variables()["mu"]
    precision = 1 / 100 + y.size
    assert abs(mu.mean() - y.sum() / precision) < 4 * mcse(mu, method="mean")
    assert draws.step_size.shape == (2,)
    points = np.array([[0.5], [2.0]])
    lp = model.log_prob(data, points)
    expected = st.norm.logpdf(points[:, 0], 0, 10) + st.norm.logpdf(y[None, :], points, 1).sum(
        axis=1
    )
    np.testing.assert_allclose(lp.lp, expected, rtol=1e-8)
    assert model.num_unconstrained(data) == 1
