"""write_stan: the program and its JSON data, run by a Stan interface from the files alone."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import pybrms as bm
from pybrms.backends import compile_model
from pybrms.backends.cmdstanpy import cmdstan_available
from pybrms.errors import OutputFileError, PybrmsError, SettingsError

FORMULA = "y ~ x"
TRUTH = {"Intercept": 1.0, "x": 0.7, "sigma": 0.5}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    x = rng.normal(size=40)
    y = TRUTH["Intercept"] + TRUTH["x"] * x + rng.normal(scale=TRUTH["sigma"], size=x.size)
    return pd.DataFrame({"y": y, "x": x})


def test_files_hold_the_program_and_data_brm_uses(tmp_path, data):
    threads = bm.threading(2)
    program, values = bm.write_stan(tmp_path / "new", FORMULA, data, threads=threads)
    assert program.read_text() == bm.stancode(FORMULA, data, threads=threads)
    assert json.loads(values.read_text()) == bm.standata(FORMULA, data, threads=threads)
    assert sorted(p.name for p in program.parent.iterdir()) == ["model.json", "model.stan"]


@pytest.mark.parametrize("existing", ["model.stan", "model.json"])
def test_existing_files_are_kept(tmp_path, data, existing):
    (tmp_path / existing).write_text("mine")
    with pytest.raises(OutputFileError, match=existing) as error:
        bm.write_stan(tmp_path, FORMULA, data)
    assert isinstance(error.value, PybrmsError)
    assert [p.name for p in tmp_path.iterdir()] == [existing]
    assert (tmp_path / existing).read_text() == "mine"
    program, _ = bm.write_stan(tmp_path, FORMULA, data, overwrite=True)
    assert program.read_text().startswith("//")


@pytest.mark.parametrize("name", ["", "sub/model"])
def test_name_must_be_a_file_stem(tmp_path, data, name):
    with pytest.raises(SettingsError, match="name must be a plain file stem"):
        bm.write_stan(tmp_path, FORMULA, data, name=name)


def test_bad_model_writes_nothing(tmp_path, data):
    with pytest.raises(PybrmsError, match="missing"):
        bm.write_stan(tmp_path / "out", "y ~ missing", data)
    assert not (tmp_path / "out").exists()


def _recovers_truth(draws: dict[str, np.ndarray]) -> None:
    """Posterior means within five posterior sds of the simulated truth."""
    for name, truth in (("b_Intercept", TRUTH["Intercept"]), ("sigma", TRUTH["sigma"])):
        values = np.asarray(draws[name]).ravel()
        assert abs(values.mean() - truth) < 5 * values.std(), name
    slope = np.asarray(draws["b"])[..., 0].ravel()
    assert abs(slope.mean() - TRUTH["x"]) < 5 * slope.std()


@pytest.mark.stan
def test_files_run_on_their_own(tmp_path, data):
    program, values = bm.write_stan(tmp_path, FORMULA, data)
    model = compile_model(program.read_text(), show_progress=False)
    draws = model.sample(
        json.loads(values.read_text()),
        chains=1,
        iter_warmup=300,
        iter_sampling=300,
        show_progress=False,
    )
    _recovers_truth(draws.variables())


@pytest.mark.cmdstan
@pytest.mark.skipif(not cmdstan_available(), reason="no CmdStan installation")
def test_cmdstan_runs_the_files(tmp_path, data):
    import cmdstanpy

    program, values = bm.write_stan(tmp_path, FORMULA, data)
    fit = cmdstanpy.CmdStanModel(stan_file=program).sample(
        data=str(values), chains=1, iter_warmup=300, iter_sampling=300, show_progress=False
    )
    _recovers_truth(fit.stan_variables())
