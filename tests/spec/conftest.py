"""Data sets shared by the spec tests."""

from __future__ import annotations

from importlib.resources import files

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def epilepsy() -> pd.DataFrame:
    """brms's epilepsy data, with Trt a factor as in R."""
    df = pd.read_csv(files("pybrms") / "datasets" / "epilepsy.csv")
    df["Trt"] = df["Trt"].astype("category")
    return df


@pytest.fixture(scope="session")
def inhaler() -> pd.DataFrame:
    """brms's inhaler data: an ordinal rating 1..4 (three thresholds)."""
    return pd.read_csv(files("pybrms") / "datasets" / "inhaler.csv")
