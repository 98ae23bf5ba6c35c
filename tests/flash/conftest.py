"""Small simulated EBMF problems shared by the flash tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


@dataclass(frozen=True)
class Simulated:
    """``Y = L Fᵀ + E`` with known parts."""

    Y: np.ndarray
    L: np.ndarray
    F: np.ndarray
    noise_sd: np.ndarray


def simulate(
    n: int = 120,
    p: int = 80,
    K: int = 3,
    noise_sd: float | np.ndarray = 1.0,
    seed: int = 1,
    density: float = 0.5,
    nonnegative: bool = False,
) -> Simulated:
    """Sparse-ish loadings, dense factors, Gaussian noise (sd may vary by column)."""
    rng = np.random.default_rng(seed)
    L = rng.normal(0.0, 2.0, size=(n, K)) * (rng.random((n, K)) < density)
    F = rng.normal(size=(p, K))
    if nonnegative:
        L, F = np.abs(L), np.abs(F)
    sd = np.broadcast_to(np.asarray(noise_sd, dtype=float), (p,))
    Y = L @ F.T + rng.normal(size=(n, p)) * sd
    return Simulated(Y, L, F, sd)


@pytest.fixture(name="simulate", scope="session")
def simulate_fixture() -> Callable[..., Simulated]:
    """The simulator itself, so tests can ask for their own sizes and seeds."""
    return simulate
