"""Fits outlive the session: pickle, BrmsFit.save and pybrms.load, here and in a fresh Python."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pybrms as bm
from pybrms.errors import FitFileError, PybrmsError
from pybrms.fit.storage import FORMAT_VERSION

pytestmark = pytest.mark.stan

NEWDATA = pd.DataFrame({"x": [-1.0, 0.0, 2.5]})


def assert_same_fit(a: bm.BrmsFit, b: bm.BrmsFit) -> None:
    assert str(a.summary()) == str(b.summary())
    np.testing.assert_array_equal(a.draws.values, b.draws.values)
    np.testing.assert_array_equal(
        a.posterior_epred(newdata=NEWDATA), b.posterior_epred(newdata=NEWDATA)
    )
    np.testing.assert_array_equal(a.posterior_predict(rng=3), b.posterior_predict(rng=3))
    np.testing.assert_array_equal(a.log_lik(), b.log_lik())
    assert a.settings == b.settings and a.backend == b.backend and a.stan_code == b.stan_code


def test_a_fit_pickles_and_finds_its_model_again(line_fit):
    line_fit.posterior_epred()  # fills the cache of variables, which is not stored
    again = pickle.loads(pickle.dumps(line_fit))
    assert_same_fit(line_fit, again)
    assert repr(again.program) == "StanProgram(backend='embedded', compiled=False)"
    # The compiled model comes back from the compile cache, keyed by the code.
    assert again.model.stan_code == line_fit.stan_code
    assert again.model.directory == line_fit.model.directory


def test_save_and_load_round_trip(line_fit, tmp_path):
    path = tmp_path / "line.pybrms"
    line_fit.save(path)
    loaded = bm.load(path)
    assert_same_fit(line_fit, loaded)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert archive.read("model.stan").decode() == line_fit.stan_code
    assert manifest["format"] == "pybrms-fit" and manifest["format_version"] == FORMAT_VERSION
    assert manifest["backend"] == "embedded" and manifest["formula"] == "y ~ x"
    assert os.listdir(tmp_path) == ["line.pybrms"]  # no temporary file left behind


@pytest.mark.filterwarnings("ignore::pybrms.SamplingWarning")  # a short run, on purpose
def test_a_loaded_fit_samples_again(line_fit, tmp_path):
    line_fit.save(tmp_path / "line.pybrms")
    again = bm.load(tmp_path / "line.pybrms").update(chains=1, iter=400, show_progress=False)
    assert again.draws.num_chains == 1 and again.draws.num_draws == 200
    assert again.backend == "embedded"


def test_save_never_overwrites_unless_asked(line_fit, tmp_path):
    path = tmp_path / "results.pybrms"
    path.write_text("the user's own file")
    with pytest.raises(FitFileError, match="results.pybrms' exists; pass overwrite=True") as error:
        line_fit.save(path)
    assert isinstance(error.value, PybrmsError)
    assert path.read_text() == "the user's own file"
    assert os.listdir(tmp_path) == ["results.pybrms"]
    line_fit.save(path, overwrite=True)
    assert_same_fit(line_fit, bm.load(path))


def test_load_in_a_fresh_python(line_fit, tmp_path):
    path = tmp_path / "line.pybrms"
    line_fit.save(path)
    script = (
        "import sys, numpy as np, pandas as pd, pybrms as bm\n"
        "fit = bm.load(sys.argv[1])\n"
        "print(fit.summary())\n"
        "np.save(sys.argv[2], fit.posterior_epred(newdata=pd.DataFrame({'x': [-1.0, 0.0, 2.5]})))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(bm.__file__).parents[1])}
    result = subprocess.run(
        [sys.executable, "-c", script, str(path), str(tmp_path / "e.npy")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(line_fit.summary()).strip()
    np.testing.assert_array_equal(
        np.load(tmp_path / "e.npy"), line_fit.posterior_epred(newdata=NEWDATA)
    )


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (None, "no saved fit at"),
        (b"not a zip file", "is not a fit saved by pybrms"),
        ({"manifest.json": json.dumps({"format": "other"})}, "is not a fit saved by pybrms"),
        (
            {
                "manifest.json": json.dumps(
                    {"format": "pybrms-fit", "format_version": 99, "pybrms_version": "9.0"}
                )
            },
            "has fit format 99 .*upgrade pybrms",
        ),
        (
            {
                "manifest.json": json.dumps({"format": "pybrms-fit", "format_version": 1}),
                "fit.pickle": pickle.dumps([1, 2]),
            },
            "holds a list, not a BrmsFit",
        ),
    ],
    ids=["missing", "not-zip", "other-format", "newer-format", "not-a-fit"],
)
def test_load_refuses_what_is_not_a_fit(tmp_path, content, pattern):
    path = tmp_path / "x.pybrms"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in content.items():
                archive.writestr(name, data)
    with pytest.raises(FitFileError, match=pattern) as error:
        bm.load(path)
    assert isinstance(error.value, PybrmsError)
