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


def counts() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"x": rng.normal(size=600), "g": rng.integers(1, 31, size=600)})
    df["y"] = rng.poisson(np.exp(0.5 + 0.3 * df["x"]))
    return df


def stan_programs() -> list[str]:
    """The fit's program, and the static threaded and the plain programs the benchmarks
    run (compiled at the session's start, tests/conftest.py)."""
    return [
        bm.stancode("y ~ x + (1|g)", counts(), family="poisson", threads=threads)
        for threads in (bm.threading(1), bm.threading(1, static=True), None)
    ]


@pytest.fixture(scope="module")
def fit():
    return bm.brm(
        "y ~ x + (1|g)",
        data=counts(),
        family="poisson",
        chains=1,
        iter=300,
        seed=3,
        threads=bm.threading(1),
        show_progress=False,
    )


@pytest.mark.stan
def test_threading_runs_follow_one_trajectory(fit):
    # static chunking makes the sums, hence the trajectories, identical bit for bit
    table = benchmark_threading(fit, cores=[1, 2], grainsize=[100, 600], iter=[15], static=True)
    assert len(table) == 4
    assert set(table["grainsize"]) == {100, 600} and set(table["cores"]) == {1, 2}
    assert table["leapfrogs"].nunique() == 1  # same inits, step size, metric and seed
    ones = table[table["cores"] == 1]
    np.testing.assert_allclose(ones["speedup"], 1.0)
    assert (table["runtime_per_leapfrog"] > 0).all()
    # N = 600 rows: grainsize 100 cuts them into 6 chunks, 600 into one, the baseline
    assert dict(zip(table["grainsize"], table["chunks"], strict=True)) == {100: 6, 600: 1}
    one_chunk = table[table["chunks"] == 1].set_index("cores")["runtime_per_leapfrog"]
    np.testing.assert_allclose(
        table["slowdown"],
        table["runtime_per_leapfrog"] / one_chunk.loc[table["cores"]].to_numpy(),
    )

    reference = benchmark_reference(fit, iter=[15])
    assert reference["leapfrogs"].iloc[0] > 0 and len(reference) == 1
    speedup = plot_speedup(table)
    assert speedup.get_xlabel() == "threads per chain"
    assert list(speedup.get_xticks()) == [1, 2]  # whole thread counts only
    assert list(plot_runtime(table).get_xticks()) == [1, 2]
    assert plot_slowdown(table).get_ylabel() == "slowdown vs fewest chunks"
    chunks = plot_chunks(table, reference)
    assert chunks.lines[1].get_linestyle() == "--"  # the plain program
    np.testing.assert_allclose(
        chunks.lines[1].get_ydata()[0], reference["runtime_per_leapfrog"].mean() * 1e3
    )


# Measured-looking tables: 1 to 3 threads, 1 to 64 chunks (as the vignette's 4^k).
CORES = [1, 2, 3]
CHUNKS = [1, 4, 16, 64]
TABLE = pd.DataFrame(
    [
        {
            "cores": cores,
            "grainsize": -(-1000 // chunks),
            "chunks": chunks,
            "runtime_per_leapfrog": 1e-3 * (1 + 0.01 * chunks) / cores,
            "speedup": float(cores),
            "slowdown": 1 + 0.01 * (chunks - 1),
        }
        for cores in CORES
        for chunks in CHUNKS
    ]
)
REFERENCE = pd.DataFrame({"runtime_per_leapfrog": [9e-4]})


@pytest.mark.parametrize(
    "plot, ticks",
    [
        (plot_speedup, CORES),
        (plot_runtime, CORES),
        (lambda t: plot_slowdown(t), CHUNKS),
        (lambda t: plot_chunks(t, REFERENCE), CHUNKS),
    ],
    ids=["speedup", "runtime", "slowdown", "chunks"],
)
def test_plots_tick_whole_counts(plot, ticks):
    # Drawn, so the tick labels are the ones a reader sees: thread and chunk counts are
    # whole numbers, ticked where they were measured (no 1.2, 1.4, ... nor 10^0, 10^1).
    ax = plot(TABLE)
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels == [str(t) for t in ticks]
    assert not any(t.get_text() for t in ax.xaxis.get_minorticklabels())
    left, right = ax.get_xlim()
    assert left <= ticks[0] and ticks[-1] <= right


def test_speedup_plot_has_the_unity_line():
    ax = plot_speedup(TABLE)
    ideal = next(line for line in ax.lines if line.get_label() == "ideal")
    assert ideal.get_linestyle() == "--"
    np.testing.assert_array_equal(ideal.get_xdata(), ideal.get_ydata())
    np.testing.assert_array_equal(ideal.get_xdata(), [1, max(CORES)])
