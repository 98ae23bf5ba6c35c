"""Benchmark flash backfits: seconds per iteration, peak memory, parallel vs sequential.

Run from the repository root::

    python benchmarks/flash.py            # both problems
    python benchmarks/flash.py --quick    # the dense problem only
    OPENBLAS_NUM_THREADS=1 python benchmarks/flash.py

The last form matters for the worker-process rows: each EBNM solve takes only
milliseconds, and OpenBLAS threads that busy-wait in the parent process after
each matrix product take the cores away from the workers (on a 2-core machine
this made the process pool 2x slower than serial; with one BLAS thread it is
faster than serial).

Two problems with a rank-5 signal: a dense 500 x 300 matrix with Gaussian noise and
a 20,000 x 2,000 ``scipy.sparse`` count matrix with about 5% nonzeros (built row
block by row block by ``flash_memory.sparse_counts``, never densified). Each problem
is initialized greedily once; then every backfit order runs a fixed number of
iterations from the same start, in one process, so the timings are side by side.
``s/iter`` is the median time of one backfit iteration (from the fit's trace);
``wall s`` is the whole backfit call, including opening and closing a worker pool.
Peak memory is the tracemalloc peak of the allocations made during the backfit
(numpy buffers included; the data themselves were allocated before); the process's
maximum RSS is printed after each problem. The parallel backfit runs in process, on
2 threads and on 2 forked worker processes."""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from flash_memory import sparse_counts  # sibling script in benchmarks/

import pybrms as bm
from pybrms.flash import FlashFit, flash_init

K_TRUE = 5
ITERATIONS = 10


@dataclass(frozen=True)
class Run:
    label: str
    iterations: int
    seconds_per_iteration: float
    wall_seconds: float
    peak_mb: float
    elbo: float


def dense_problem(rng: np.random.Generator) -> np.ndarray:
    L = rng.normal(size=(500, K_TRUE)) * (rng.random((500, K_TRUE)) < 0.3)
    F = rng.normal(size=(300, K_TRUE))
    return L @ F.T + rng.normal(size=(500, 300))


def sparse_problem(rng: np.random.Generator) -> sp.csr_matrix:
    """A 20,000 x 2,000 count matrix with about 5% nonzeros, built without densifying."""
    return sparse_counts(20_000, 2_000, 0.05, rng)


def timed_backfit(fit: FlashFit, label: str, **kwargs: object) -> Run:
    tracemalloc.start()
    start = time.perf_counter()
    out = fit.backfit(maxiter=ITERATIONS, tol=0.0, **kwargs)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    trace = out.trace
    per_iteration = trace.loc[trace["step"].str.startswith("backfit"), "seconds"]
    return Run(
        label, per_iteration.size, float(per_iteration.median()), seconds, peak / 2**20, out.elbo
    )


def benchmark(name: str, Y: np.ndarray | sp.csr_matrix) -> None:
    start = time.perf_counter()
    fit = flash_init(Y, verbose=0).greedy(Kmax=K_TRUE)
    greedy_seconds = time.perf_counter() - start
    print(f"\n{name}: {Y.shape[0]} x {Y.shape[1]}, {type(Y).__name__}")
    print(f"  greedy: {fit.n_factors} factors in {greedy_seconds:.1f} s")
    two = bm.threading(2)
    runs = [
        timed_backfit(fit, "sequential", order="sequential"),
        timed_backfit(fit, "extrapolate", order="extrapolate"),
        timed_backfit(fit, "parallel, serial", order="parallel"),
        timed_backfit(fit, "parallel, threads", order="parallel", threads=two, executor="threads"),
        timed_backfit(fit, "parallel, processes", order="parallel", threads=two, executor="fork"),
    ]
    sequential = runs[0].seconds_per_iteration
    print(
        f"  {'order':<22}{'iters':>6}{'s/iter':>8}{'vs seq':>8}{'wall s':>8}"
        f"{'peak MB':>9}{'ELBO':>17}"
    )
    for run in runs:
        ratio = run.seconds_per_iteration / sequential
        print(
            f"  {run.label:<22}{run.iterations:>6}{run.seconds_per_iteration:>8.3f}"
            f"{ratio:>8.2f}{run.wall_seconds:>8.2f}{run.peak_mb:>9.1f}{run.elbo:>17.2f}"
        )
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  process max RSS so far: {max_rss:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="dense problem only")
    args = parser.parse_args()
    rng = np.random.default_rng(2024)
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    print(
        f"flash backfit benchmark: {ITERATIONS} iterations per order (tol=0), K = {K_TRUE}, "
        f"{os.cpu_count()} CPUs, OPENBLAS_NUM_THREADS={blas}"
    )
    benchmark("dense", dense_problem(rng))
    if not args.quick:
        benchmark("sparse", sparse_problem(rng))


if __name__ == "__main__":
    main()
