"""Tiny real fits shared by the tests of brms's post-fit toolbox (compiled once, cached).

The data (``simulated.py``) have known coefficients, so estimates can be checked
against the truth as well as against the draws. The fits are session fixtures shared by
every module here, so under pytest-xdist all these tests run on one worker (each worker
would otherwise make every fit again).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

import pybrms as bm

sys.path.insert(0, str(Path(__file__).parent))  # the tests import simulated.py
from simulated import simulate  # noqa: E402

SEVERITY = ["none", "mild", "moderate", "severe"]  # labels of ord = 1..4

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


def _fit(formula: str, data: pd.DataFrame, family: str = "gaussian") -> bm.BrmsFit:
    return bm.brm(
        formula, data=data, family=family, chains=2, iter=600, seed=11, show_progress=False
    )


@pytest.fixture(scope="session")
def gaussian_fit(toolbox_data: pd.DataFrame) -> bm.BrmsFit:
    """Correlated varying intercept and slope, a numeric and a categorical predictor."""
    return _fit("y ~ x + f + (1 + x | g)", toolbox_data)


@pytest.fixture(scope="session")
def intercept_fit(toolbox_data: pd.DataFrame) -> bm.BrmsFit:
    """A smaller model of the same response, for comparisons."""
    return _fit("y ~ x + (1 | g)", toolbox_data)


@pytest.fixture(scope="session")
def poisson_fit(toolbox_data: pd.DataFrame) -> bm.BrmsFit:
    """A count model, for discrete predictive checks."""
    return _fit("count ~ x + (1 | g)", toolbox_data, "poisson")


@pytest.fixture(scope="session")
def ordinal_fit(toolbox_data: pd.DataFrame) -> bm.BrmsFit:
    """A cumulative model of four labelled categories (an ordered Categorical response,
    whose labels brms's tables show), for category probabilities."""
    labelled = pd.Categorical.from_codes(toolbox_data["ord"] - 1, SEVERITY, ordered=True)
    return _fit("ord ~ x + f", toolbox_data.assign(ord=labelled), "cumulative")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
