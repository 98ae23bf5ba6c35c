"""Real fits shared by the tests of brms's post-fit toolbox, read from saved draws.

The data (``simulated.py``) have known coefficients, so estimates can be checked
against the truth as well as against the draws. The fits are session fixtures built
from the draws of real runs saved under ``tests/fixtures/draws`` (nothing is compiled or
sampled; ``tests/fixtures/make_draws.py`` samples them again after a model change).
Under pytest-xdist all these tests run on one worker, which builds each fit once.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

import pybrms as bm

sys.path.insert(0, str(Path(__file__).parent))  # the tests import simulated.py
sys.path.insert(0, str(Path(__file__).parents[2] / "fixtures"))
from saved_draws import SAVED_FITS, load  # noqa: E402
from simulated import simulate  # noqa: E402

matplotlib.use("Agg")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.xdist_group("tests/fit/toolbox"))


@pytest.fixture(scope="session")
def toolbox_data() -> pd.DataFrame:
    return simulate()


@pytest.fixture(scope="session")
def gaussian_fit() -> bm.BrmsFit:
    """``y ~ x + f + (1 + x | g)``: correlated varying intercept and slope, a numeric and a
    categorical predictor (2 chains of 300 draws)."""
    return load(SAVED_FITS["toolbox_gaussian"])


@pytest.fixture(scope="session")
def intercept_fit() -> bm.BrmsFit:
    """``y ~ x + (1 | g)``: a smaller model of the same response, for comparisons."""
    return load(SAVED_FITS["toolbox_intercept"])


@pytest.fixture(scope="session")
def poisson_fit() -> bm.BrmsFit:
    """``count ~ x + (1 | g)``: a count model, for discrete predictive checks."""
    return load(SAVED_FITS["toolbox_poisson"])


@pytest.fixture(scope="session")
def ordinal_fit() -> bm.BrmsFit:
    """``ord ~ x + f``, cumulative: four labelled categories (an ordered Categorical
    response, whose labels brms's tables show), for category probabilities."""
    return load(SAVED_FITS["toolbox_ordinal"])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
