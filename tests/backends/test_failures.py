"""A failing sampler says why in Stan's words, on the exception's first line."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from pybrms.backends import compile_model
from pybrms.errors import DataError, PybrmsError, SamplingError

pytestmark = pytest.mark.stan

# With y far outside (mu - width, mu + width) for every init of mu in (-2, 2), the
# log density is -inf wherever the sampler starts; a negative sigma makes
# normal_lpdf throw instead.
PROGRAM = """
data { real y; real sigma; real<lower=0> width; }
parameters { real mu; }
model { y ~ normal(mu, sigma); y ~ uniform(mu - width, mu + width); }
"""

LOG_ZERO = "Log probability evaluates to log(0), i.e. negative infinity"


def stan_programs() -> list[str]:
    """The program the tests run (compiled at the session's start, tests/conftest.py)."""
    return [PROGRAM]


@pytest.fixture(scope="module")
def model():
    return compile_model(PROGRAM, backend="embedded", show_progress=False)


@pytest.mark.parametrize(
    ("data", "settings", "expected"),
    [
        ({"y": 100.0, "sigma": 1.0, "width": 1.0}, {"chains": 1}, [LOG_ZERO]),
        ({"y": 100.0, "sigma": 1.0, "width": 1.0}, {"chains": 2}, [LOG_ZERO]),
        (
            {"y": 100.0, "sigma": 1.0, "width": 1.0},
            {"chains": 2, "parallel": "processes"},
            [LOG_ZERO],
        ),
        (
            {"y": 0.0, "sigma": -1.0, "width": 1.0},
            {"chains": 1},
            ["normal_lpdf: Scale parameter is -1, but must be positive", "line 4"],
        ),
    ],
)
def test_first_line_of_a_failed_run_is_stans_message(model, data, settings, expected):
    with pytest.raises(SamplingError) as info:
        model.sample(data, iter_warmup=50, iter_sampling=50, show_progress=False, **settings)
    assert isinstance(info.value, PybrmsError)
    first = str(info.value).splitlines()[0]
    assert re.match(r"chain \d failed: Initialization failed\. Rejecting initial value", first)
    for fragment in expected:
        assert fragment in first
    assert "exit code" not in first


def test_data_the_program_rejects_is_a_data_error_naming_the_variable(model):
    with pytest.raises(DataError, match=r"^the Stan program rejected the data: .*width"):
        model.sample({"y": 0.0, "sigma": 1.0, "width": -1.0}, chains=1, show_progress=False)


def test_log_prob_reports_non_finite_values(model):
    result = model.log_prob({"y": 100.0, "sigma": 1.0, "width": 1.0}, np.array([[0.0], [99.5]]))
    assert result.lp[0] == -np.inf and np.isfinite(result.lp[1])


def test_progress_written_to_a_log_is_a_few_lines_per_chain(model, monkeypatch):
    log = io.StringIO()  # not a terminal
    monkeypatch.setattr("sys.stderr", log)
    model.sample(
        {"y": 0.0, "sigma": 1.0, "width": 1.0},
        chains=2,
        iter_warmup=1000,
        iter_sampling=1000,
        show_progress=True,
    )
    written = [line for line in re.split(r"[\r\n]", log.getvalue()) if line.strip()]
    for chain in (1, 2):
        mine = [line for line in written if line.startswith(f"chain {chain}")]
        assert 2 <= len(mine) <= 12, mine
