"""Parallel backfit against the dropout order: ELBO against elapsed time on 2 workers.

Run from the repository root (the script sets ``OPENBLAS_NUM_THREADS=1`` itself,
before numpy loads, so BLAS threads in the parent do not compete with the workers)::

    python benchmarks/flash_parallel.py                  # PBMC, K = 50, and 20,000 x 2,000
    python benchmarks/flash_parallel.py --kmax 20 --rows 5000   # a quicker run

This reproduces the comparison in flashier's note on parallel backfits. Each problem
is fitted greedily with up to ``--kmax`` point-normal factors (50, as in the note),
then, from that same start:

1. ``backfit(order="dropout")``, the sequential order the note compares against;
2. ``backfit(order="parallel")`` on 2 worker processes, then a ``"dropout"`` pass
   from where the parallel backfit stopped (the parallel ELBO can end below the
   sequential one; the pass shows whether that gap closes);
3. the same parallel backfit on a local Dask cluster (``dask.distributed.LocalCluster``,
   2 worker processes of 1 thread each), to check it gives the same ELBO.

Problems: the PBMC data shipped with pybrms (700 cells x 765 genes, log-normalized,
sparse) and a simulated count matrix of ``--rows`` x ``--cols`` with 5% nonzeros,
built row block by row block by ``flash_memory.sparse_counts`` (never dense).

Timings come from each fit's trace (``seconds`` per iteration, which includes
opening the worker pool). "Time to dropout's ELBO" is the first elapsed time at
which the parallel run (continued by its dropout pass) reaches the ELBO at which
dropout stopped; the speedup is dropout's time divided by that. The figure is saved
as ``benchmarks/out/flash_parallel.png``. On a machine shared with other work the
timings are provisional: the 1-minute load average is printed before every step.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402 - the BLAS setting must come before numpy
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from flash_memory import sparse_counts  # noqa: E402 - sibling script in benchmarks/

import pybrms as bm  # noqa: E402
from pybrms.datasets import load_pbmc  # noqa: E402
from pybrms.flash import FlashFit, flash_init  # noqa: E402

OUT = Path(__file__).parent / "out"
WORKERS = 2
PARALLEL_MAXITER = 200


@dataclass(frozen=True)
class Curve:
    """ELBO after each backfit iteration against seconds since the backfit started."""

    label: str
    seconds: np.ndarray
    elbo: np.ndarray

    @property
    def final(self) -> float:
        return float(self.elbo[-1])

    @property
    def total(self) -> float:
        return float(self.seconds[-1])

    def time_to(self, target: float) -> float:
        """First elapsed time at which the ELBO reaches ``target`` (inf if never)."""
        reached = np.flatnonzero(self.elbo >= target)
        return float(self.seconds[reached[0]]) if reached.size else np.inf


@dataclass(frozen=True)
class Result:
    name: str
    n_factors: int
    parallel_elbo: float  # what the parallel backfit returned (its best iterate if it diverged)
    dropout: Curve
    parallel: Curve
    parallel_then_dropout: Curve
    dask: Curve

    @property
    def speedup(self) -> float:
        return self.dropout.total / self.parallel_then_dropout.time_to(self.dropout.final)


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def curve(label: str, start: FlashFit, fit: FlashFit, offset: float = 0.0) -> Curve:
    """The backfit iterations ``fit`` added to ``start``'s trace, as elapsed time and ELBO."""
    steps = fit.trace.iloc[len(start.trace) :]
    return Curve(label, offset + steps["seconds"].cumsum().to_numpy(), steps["elbo"].to_numpy())


def chain(label: str, first: Curve, second: Curve) -> Curve:
    return Curve(
        label,
        np.concatenate([first.seconds, second.seconds]),
        np.concatenate([first.elbo, second.elbo]),
    )


def run(name: str, Y: sp.csr_matrix, kmax: int) -> Result:
    print(f"\n{name}: {Y.shape[0]} x {Y.shape[1]}, {Y.nnz:,} nonzeros ({load()})")
    start = time.perf_counter()
    greedy = flash_init(Y, verbose=0).greedy(Kmax=kmax)
    print(f"  greedy: {greedy.n_factors} factors in {time.perf_counter() - start:.1f} s")
    two = bm.threading(WORKERS)

    print(f"  dropout backfit ({load()})")
    dropout_fit = greedy.backfit(order="dropout")
    dropout = curve("dropout", greedy, dropout_fit)

    print(f"  parallel backfit, {WORKERS} processes ({load()})")
    with warnings.catch_warnings(record=True) as diverged:
        warnings.simplefilter("always", RuntimeWarning)
        par_fit = greedy.backfit(
            order="parallel", maxiter=PARALLEL_MAXITER, threads=two, executor="processes"
        )
    for warning in diverged:
        print(f"  warning: {warning.message}")
    parallel = curve(f"parallel ({WORKERS} processes)", greedy, par_fit)
    print(f"  dropout pass after the parallel backfit ({load()})")
    then_fit = par_fit.backfit(order="dropout")
    tail = curve("then dropout", par_fit, then_fit, offset=parallel.total)

    print(f"  parallel backfit on a Dask LocalCluster, {WORKERS} workers ({load()})")
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=WORKERS, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        dask_fit = greedy.backfit(
            order="parallel", maxiter=PARALLEL_MAXITER, threads=two, executor=client
        )
    dask = curve(f"parallel (Dask, {WORKERS} workers)", greedy, dask_fit)
    return Result(
        name,
        greedy.n_factors,
        par_fit.elbo,
        dropout,
        parallel,
        chain("parallel, then dropout", parallel, tail),
        dask,
    )


def report(result: Result) -> None:
    d, p, pd_, k = result.dropout, result.parallel, result.parallel_then_dropout, result.dask
    print(f"\n{result.name} ({result.n_factors} factors):")
    print(f"  {'run':<34}{'iters':>6}{'seconds':>9}{'final ELBO':>17}")
    for c in (d, p, pd_, k):
        print(f"  {c.label:<34}{c.elbo.size:>6}{c.total:>9.1f}{c.final:>17.3f}")
    print(f"  ELBO gap, parallel (returned) - dropout: {result.parallel_elbo - d.final:+.3f}")
    closed = pd_.final >= d.final
    print(
        f"  after the dropout pass: {pd_.final - d.final:+.3f} "
        f"({'closes' if closed else 'does not close'} the gap)"
    )
    print(f"  Dask - processes, final ELBO: {k.final - p.final:+.2e}")
    reached = pd_.time_to(d.final)
    print(
        f"  time to dropout's ELBO: dropout {d.total:.1f} s, parallel {reached:.1f} s "
        f"-> {result.speedup:.2f}x"
    )


def plot(results: list[Result], path: Path) -> None:
    fig, axes = plt.subplots(1, len(results), figsize=(6 * len(results), 4.2), squeeze=False)
    for ax, result in zip(axes[0], results, strict=True):
        best = max(result.dropout.final, result.parallel_then_dropout.final)
        for c, style in (
            (result.dropout, "-"),
            (result.parallel_then_dropout, "-"),
            (result.dask, ":"),
        ):
            ax.plot(c.seconds, best - c.elbo + 1.0, style, marker=".", label=c.label)
        ax.axvline(result.parallel.total, color="grey", lw=0.8, ls="--")
        ax.set_yscale("log")
        ax.set_xlabel("elapsed seconds")
        ax.set_ylabel("best ELBO - ELBO + 1")
        ax.set_title(f"{result.name}: {result.n_factors} factors, {result.speedup:.2f}x")
        ax.legend()
    fig.tight_layout()
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, dpi=120)
    print(f"\nfigure: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kmax", type=int, default=50, help="greedy factors (default 50)")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--cols", type=int, default=2_000)
    parser.add_argument("--skip-sim", action="store_true", help="PBMC only")
    args = parser.parse_args()
    print(
        f"flash parallel backfit vs dropout: Kmax = {args.kmax}, {WORKERS} workers, "
        f"{os.cpu_count()} CPUs, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, "
        f"{load()}"
    )
    pbmc, _, _ = load_pbmc()
    results = [run("PBMC", pbmc, args.kmax)]
    report(results[-1])
    if not args.skip_sim:
        Y = sparse_counts(args.rows, args.cols, 0.05, np.random.default_rng(7))
        results.append(run("simulated counts", Y, args.kmax))
        report(results[-1])
    plot(results, OUT / "flash_parallel.png")
    print(f"load at the end: {load()}")
    print(f"speedup (time to dropout's ELBO): {results[0].speedup:.2f}x")


if __name__ == "__main__":
    main()
