"""Shared model cases of ``tests/codegen`` (one model per family), and one small fit."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pybrms as bm

sys.path.insert(0, str(Path(__file__).parents[1] / "codegen"))


@pytest.fixture(scope="session")
def line_data() -> pd.DataFrame:
    """20 rows of y = 1 + 0.5 x + N(0, 1): a small, well-behaved gaussian regression."""
    rng = np.random.default_rng(20)
    x = rng.normal(size=20)
    return pd.DataFrame({"x": x, "y": 1 + 0.5 * x + rng.normal(size=20)})


@pytest.fixture(scope="session")
def line_fit(line_data: pd.DataFrame) -> bm.BrmsFit:
    """A well-behaved fit of ``y ~ x``: 2 chains of 1000 draws (ESS far above 200)."""
    return bm.brm("y ~ x", line_data, chains=2, iter=2000, seed=5, show_progress=False)
