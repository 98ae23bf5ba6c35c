"""Simulated data with known truth for the toolbox tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

INTERCEPT, SLOPE, SIGMA = 1.0, 0.8, 0.5
F_EFFECTS = {"a": 0.0, "b": 1.0, "c": -1.0}
SD_INTERCEPT, SD_SLOPE = 0.8, 0.4
N_GROUPS, PER_GROUP = 8, 10
THRESHOLDS = (-1.0, 0.0, 1.0)
SEVERITY = ["none", "mild", "moderate", "severe"]  # labels of ord = 1..4


def simulate() -> pd.DataFrame:
    """A gaussian response ``y`` and a count ``count`` with varying intercepts and slopes,
    and an ordinal ``ord`` (categories 1..4) without group effects."""
    rng = np.random.default_rng(20240601)
    n = N_GROUPS * PER_GROUP
    g = np.repeat([f"g{k}" for k in range(1, N_GROUPS + 1)], PER_GROUP)
    x = rng.normal(size=n)
    f = rng.choice(list(F_EFFECTS), size=n)
    u0 = rng.normal(0, SD_INTERCEPT, N_GROUPS)
    u1 = rng.normal(0, SD_SLOPE, N_GROUPS)
    codes = np.repeat(np.arange(N_GROUPS), PER_GROUP)
    eta = INTERCEPT + SLOPE * x + np.array([F_EFFECTS[v] for v in f]) + u0[codes] + u1[codes] * x
    y = eta + rng.normal(0, SIGMA, n)
    count = rng.poisson(np.exp(0.3 + 0.5 * x + 0.5 * u0[codes]))
    # four ordered categories: a latent logistic variable cut at brms-style thresholds
    latent = SLOPE * x + np.array([F_EFFECTS[v] for v in f]) + rng.logistic(size=n)
    ordinal = np.digitize(latent, THRESHOLDS) + 1
    return pd.DataFrame({"y": y, "count": count, "ord": ordinal, "x": x, "f": f, "g": g})


def simulate_labelled() -> pd.DataFrame:
    """:func:`simulate` with ``ord`` as an ordered Categorical of labels (brms's tables
    show them)."""
    data = simulate()
    return data.assign(ord=pd.Categorical.from_codes(data["ord"] - 1, SEVERITY, ordered=True))
