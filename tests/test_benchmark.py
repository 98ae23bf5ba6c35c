"""benchmark_threading / benchmark_reference: fixed sampler state, same trajectory every run."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import pybrms as bm  # noqa: E402
from pybrms.benchmark import (  # noqa: E402
    benchmark_reference,
    benchmark_threading,
    plot_chunks,
    plot_runtime,
    plot_slowdown,
    plot_speedup,
)

pytestmark = pytest.mark.stan


@pytest.fixture(scope="module")
def fit():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"x": rng.normal(size=600), "g": rng.integers(1, 31, size=600)})
    df["y"] = rng.poisson(np.exp(0.5 + 0.3 * df["x"]))
    return bm.brm(
        "y ~ x + (1|g)",
        data=df,
        family="poisson",
        chains=1,
        iter=300,
        seed=3,
        threads=bm.threading(1),
        show_progress=False,
    )


def test_threading_runs_follow_one_trajectory(fit):
    # static chunking makes the sums, hence the trajectories, identical bit for bit
    table = benchmark_threading(fit, cores=[1, 2], grainsize=[100, 600], iter=[15], static=True)
    assert len(table) == 4
    assert set(table["grainsize"]) == {100, 600} and set(table["cores"]) == {1, 2}
    assert table["leapfrogs"].nunique() == 1  # same inits, step size, metric and seed
    ones = table[table["cores"] == 1]
    np.testing.assert_allclose(ones["speedup"], 1.0)
    assert (table["runtime_per_leapfrog"] > 0).all()

    reference = benchmark_reference(fit, iter=[15])
    assert reference["leapfrogs"].iloc[0] > 0 and len(reference) == 1
    speedup = plot_speedup(table)
    assert speedup.get_xlabel() == "threads per chain"
    assert list(speedup.get_xticks()) == [1, 2]  # whole thread counts only
    assert list(plot_runtime(table).get_xticks()) == [1, 2]
    assert plot_slowdown(table, reference).get_ylabel() == "slowdown vs plain program"
    chunks = plot_chunks(table, reference)
    assert chunks.lines[1].get_linestyle() == "--"  # the plain program
    np.testing.assert_allclose(
        chunks.lines[1].get_ydata()[0], reference["runtime_per_leapfrog"].mean() * 1e3
    )
