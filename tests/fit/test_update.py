"""update() takes every sampling argument of brm(), keeps the rest, and keeps the backend."""

from __future__ import annotations

import pandas as pd
import pytest

import pybrms as bm
from pybrms import backends
from pybrms.errors import SamplingError
from pybrms.scheduler import Threading

pytestmark = [pytest.mark.stan, pytest.mark.filterwarnings("ignore::pybrms.SamplingWarning")]


def stan_programs() -> list[str]:
    """line_fit's program, plain and threaded, dynamic and static (compiled at the
    session's start, tests/conftest.py)."""
    data = pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [1.0, 0.0, 2.0]})
    return [
        bm.stancode("y ~ x", data, threads=threads)
        for threads in (None, bm.threading(2), bm.threading(2, static=True))
    ]


def test_threads_as_an_int_is_threading(line_fit):
    again = line_fit.update(threads=2, chains=1, iter=200, show_progress=False)
    assert again.settings.threads == Threading(2)
    assert again.standata["grainsize"] == 100  # brms's default: max(100, ceil(20 / 4))
    assert again.draws.chains[0].config["threads_per_chain"] == "2"
    back = again.update(threads=None, show_progress=False)
    assert back.stan_code == line_fit.stan_code and "reduce_sum" not in back.stan_code


def test_iter_and_warmup_as_in_brm(line_fit):
    assert line_fit.settings.iter == 2000
    fewer = line_fit.update(chains=1, iter=300, show_progress=False)
    assert (fewer.settings.iter_warmup, fewer.draws.num_draws) == (150, 150)  # warmup = iter // 2
    short_warmup = fewer.update(warmup=50, show_progress=False)
    assert (short_warmup.settings.iter_warmup, short_warmup.draws.num_draws) == (50, 250)
    assert short_warmup.draws.num_chains == 1  # chains kept from `fewer`
    assert short_warmup.program is line_fit.program  # the same program: nothing recompiled


def test_every_other_sampling_argument(line_fit):
    again = line_fit.update(
        chains=2,
        iter=400,
        thin=2,
        seed=11,
        init=0.5,
        parallel="processes",
        control={"adapt_delta": 0.95},
        show_progress=False,
    )
    settings = again.settings
    assert (settings.thin, settings.seed, settings.init, settings.parallel) == (
        2,
        11,
        0.5,
        "processes",
    )
    assert (settings.adapt_delta, settings.max_treedepth) == (0.95, 10)  # control merged
    assert again.draws.num_draws == 100  # 200 sampling iterations, thinned by 2
    config = again.draws.chains[0].config
    assert (config["thin"], config["seed"], config["delta"]) == ("2", "11", "0.95")
    twin = again.update(show_progress=False)  # same seed, same settings: the same draws
    assert (twin.draws.values == again.draws.values).all()


def test_inits_by_parameter_name_reach_the_sampler(line_fit):
    valid = line_fit.update(
        chains=2, iter=200, init={"Intercept": 1.0, "b": [0.5]}, show_progress=False
    )
    assert valid.draws.num_chains == 2
    # sigma has a lower bound of 0: Stan itself rejects this init, so it was passed on.
    with pytest.raises(SamplingError, match="Lower bounded variable is -1"):
        line_fit.update(chains=1, iter=200, init={"sigma": -1.0}, show_progress=False)


def test_a_recompile_stays_on_the_fits_backend(line_fit, monkeypatch):
    # Even where backend="auto" would now pick CmdStan, update() keeps the fit's backend.
    monkeypatch.setattr(backends, "cmdstan_available", lambda: True)
    again = line_fit.update(
        threads=bm.threading(2, static=True), chains=1, iter=200, show_progress=False
    )
    assert again.backend == "embedded" and "reduce_sum_static" in again.stan_code
    assert type(again.model).__name__ == "EmbeddedModel"
