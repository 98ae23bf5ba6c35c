"""update() takes every sampling argument of brm(), keeps the rest, and keeps the backend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pybrms as bm
from pybrms import backends
from pybrms.backends.embedded import programs as embedded_programs
from pybrms.errors import PybrmsError, SamplingError, SpecError
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


def test_newdata_of_the_same_structure_reuse_the_program(line_fit, line_data, monkeypatch):
    """brms's update(fit, newdata = ): the same model on other data, with the default
    priors of those data. Shifted, scaled, reordered and fewer rows give the same program
    (its numbers are data), so nothing compiles."""

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("new data of the same structure compiled a new program")

    monkeypatch.setattr(embedded_programs, "Pool", refuse)
    new = line_data.assign(x=line_data.x - 2, y=10 + 3 * line_data.y).iloc[::-1].iloc[:15]
    again = line_fit.update(newdata=new, chains=1, iter=400, show_progress=False)
    assert again.program is line_fit.program
    assert list(again.spec.data.index) == list(new.index)
    np.testing.assert_array_equal(again.standata["Y"], new["y"])
    for prior in ("Intercept_prior_mu", "Intercept_prior_sigma", "sigma_prior_sigma"):
        assert again.standata[prior] != line_fit.standata[prior]


@pytest.mark.parametrize(
    ("newdata", "culprit"),
    [
        (pd.DataFrame({"y": [1.0, 2.0, 3.0]}), "Column 'x' is not in the data"),
        ([[1.0, 2.0]], "must be a pandas DataFrame, got list"),
        (pd.DataFrame({"x": [1.0, 2.0], "y": ["a", "b"]}), "response 'y' must be numeric"),
    ],
    ids=["missing_column", "not_a_frame", "text_response"],
)
def test_bad_newdata_is_refused_before_compiling(line_fit, no_compile, newdata, culprit):
    with pytest.raises(SpecError, match=culprit) as info:
        line_fit.update(newdata=newdata, show_progress=False)
    assert isinstance(info.value, PybrmsError)
