"""Bad programs, bad data and bad arguments fail early with messages that name the culprit."""

from __future__ import annotations

import signal
import subprocess
import textwrap
import time

import numpy as np
import psutil
import pytest

from pybrms.backends import compile_model, get_backend
from pybrms.errors import CompileError, DataError

pytestmark = pytest.mark.stan

PROGRAM = """
data { int N; array[N] int k; vector[N] x; }
parameters { real a; }
model { target += poisson_log_lpmf(k | a + x); target += normal_lpdf(a | 0, 1); }
"""


def stan_programs() -> list[str]:
    """The program the tests run (compiled at the session's start, tests/conftest.py)."""
    return [PROGRAM]


@pytest.fixture(scope="module")
def model():
    return compile_model(PROGRAM, backend="embedded", show_progress=False)


def test_stan_syntax_error_shows_stanc_message_with_line():
    broken = "parameters { real mu; }\nmodel {\n  mu ~ normal(0, 1)\n}\n"
    with pytest.raises(CompileError) as info:
        compile_model(broken, backend="embedded", show_progress=False)
    message = str(info.value)
    assert "line 3" in message or "line 4" in message
    assert "Syntax error" in message or "Ill-formed" in message


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        ({"N": 2, "k": [1, 2]}, "lacks variable.*x"),
        ({"N": 2, "k": [[1, 2]], "x": [0.0, 1.0]}, "'k' is declared with 1 dimension"),
        ({"N": 2, "k": [1, 2.5], "x": [0.0, 1.0]}, "'k' is declared int .* 2.5"),
        ({"N": 2.0000001, "k": [1, 2], "x": [0.0, 1.0]}, "'N' is declared int"),
        ({"N": 3, "k": [1, 2], "x": [0.0, 1.0]}, "variable name=k"),
    ],
)
def test_data_errors_name_the_variable(model, data, pattern):
    with pytest.raises(DataError, match=pattern):
        model.sample(data, chains=1, show_progress=False)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"chains": 0}, "chains must be a positive integer, got 0"),
        ({"adapt_delta": 1.5}, r"adapt_delta must lie in \(0, 1\), got 1.5"),
        ({"step_size": [0.1, 0.2, 0.3]}, "step_size must be"),
        ({"inv_metric": np.ones((3, 1))}, "inv_metric must be"),
        ({"parallel": "mpi"}, "parallel must be 'threads' or 'processes'"),
        ({"init": [{"a": 0.0}]}, "list of 2 dicts"),
    ],
)
def test_argument_errors(model, kwargs, pattern):
    data = {"N": 1, "k": [1], "x": [0.0]}
    with pytest.raises(ValueError, match=pattern):
        model.sample(data, **{"chains": 2, **kwargs})


def test_unknown_backend_lists_choices():
    with pytest.raises(ValueError, match="'embedded', 'cmdstanpy'"):
        get_backend("pystan")


def test_ctrl_c_stops_the_sampler_and_raises_keyboard_interrupt(tmp_path, python_child):
    # A long run in a child Python; SIGINT to it must end the driver too.
    script = tmp_path / "run.py"
    script.write_text(
        textwrap.dedent(f"""
        import sys
        from pybrms.backends import compile_model
        model = compile_model({PROGRAM!r}, backend="embedded", show_progress=False)
        data = {{"N": 20000, "k": [1] * 20000, "x": [0.0] * 20000}}
        print("sampling", flush=True)
        try:
            model.sample(data, chains=2, iter_warmup=100000, iter_sampling=100000,
                         show_progress=False)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(130)
    """)
    )
    child = python_child(str(script), stdout=subprocess.PIPE)
    assert child.stdout.readline().strip() == "sampling"
    deadline = time.monotonic() + 60
    drivers = []
    while not drivers and time.monotonic() < deadline:
        time.sleep(0.2)
        drivers = psutil.Process(child.pid).children()
    assert drivers, "the sampler process never started"
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 130 and "interrupted" in out
    for driver in drivers:
        assert not driver.is_running() or driver.status() == psutil.STATUS_ZOMBIE
