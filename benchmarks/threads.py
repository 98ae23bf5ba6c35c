"""Within-chain threading speedup of the embedded backend (reduce_sum, threads 1 vs 2).

The Poisson model of brms's threading vignette: N = 10,000 rows, 1,000 groups,
3 covariates, a varying intercept, written by hand as a reduce_sum program.
One chain is adapted once; then every timed run starts from the same point with
the same seed, step size and metric and adaptation off, so all runs follow the
same trajectory and do the same number of leapfrog steps. Runs of different
thread counts are interleaved and repeated; the median is reported. Two chains
of one thread each are timed too, as the bound the two cores set.

A 2-thread run can only be faster if a second core is free: when other processes
take CPU time, the TBB worker shares a core with them, every gradient waits for
its chunk, and the "speedup" drops to about 1x or below. So each timed run first
waits (up to --wait seconds) for the machine to be idle, measures the CPU share
that other processes took during the run (Linux /proc/stat), and is repeated
(up to --retries times) when that share exceeds --busy; the share is printed.

    python benchmarks/threads.py [--draws 300] [--repeats 5]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from pybrms.backends import compile_model

T = TypeVar("T")

PROGRAM = """
functions {
  real partial_log_lik_lpmf(array[] int seq, int start, int end, array[] int y,
                            matrix X, vector b, real Intercept, array[] int g,
                            vector r) {
    vector[end - start + 1] eta = Intercept + X[start:end] * b + r[g[start:end]];
    return poisson_log_lupmf(y[start:end] | eta);
  }
}
data {
  int<lower=1> N;
  int<lower=1> K;
  int<lower=1> G;
  array[N] int y;
  matrix[N, K] X;
  array[N] int<lower=1, upper=G> g;
  int<lower=1> grainsize;
}
transformed data {
  array[N] int seq = linspaced_int_array(N, 1, N);
}
parameters {
  vector[K] b;
  real Intercept;
  real<lower=0> sd_g;
  vector[G] z;
}
model {
  vector[G] r = sd_g * z;
  target += reduce_sum(partial_log_lik_lupmf, seq, grainsize, y, X, b, Intercept, g, r);
  target += student_t_lpdf(Intercept | 3, 0, 2.5);
  target += student_t_lpdf(sd_g | 3, 0, 2.5) - student_t_lccdf(0 | 3, 0, 2.5);
  target += std_normal_lpdf(z);
}
"""


def simulate(n: int = 10_000, groups: int = 1_000, seed: int = 1) -> dict:
    """Poisson data with three covariates and a group intercept of sd 0.5."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    g = rng.integers(1, groups + 1, size=n)
    r = rng.normal(0, 0.5, size=groups)
    eta = 1.0 + X @ np.array([0.3, -0.2, 0.1]) + r[g - 1]
    return {"N": n, "K": 3, "G": groups, "y": rng.poisson(np.exp(eta)), "X": X, "g": g}


def cpu_jiffies() -> tuple[int, int] | None:
    """Busy and total CPU time of the whole machine in clock ticks (/proc/stat), if readable."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = ticks[3] + ticks[4]  # idle + iowait
    return sum(ticks) - idle, sum(ticks)


def own_cpu_seconds() -> float:
    """CPU time of this process and its finished children (the driver processes)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def wait_until_idle(busy: float, timeout: float) -> None:
    """Wait until other processes use less than ``busy`` of the machine for one second."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        share = others_share(lambda: time.sleep(1.0))[1]
        if share is None or share < busy:
            return


def others_share(run: Callable[[], T]) -> tuple[T, float | None]:
    """``run()`` and the share of all CPUs that other processes used meanwhile (or None)."""
    before, own_before = cpu_jiffies(), own_cpu_seconds()
    result = run()
    after, own_after = cpu_jiffies(), own_cpu_seconds()
    if before is None or after is None or after[1] == before[1]:
        return result, None
    tick = os.sysconf("SC_CLK_TCK")
    others = (after[0] - before[0]) - (own_after - own_before) * tick
    return result, max(0.0, others / (after[1] - before[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--busy", type=float, default=0.05,
                        help="largest tolerated CPU share of other processes (0-1)")
    parser.add_argument("--wait", type=float, default=120.0,
                        help="seconds to wait for an idle machine before each run")
    parser.add_argument("--retries", type=int, default=3,
                        help="re-runs of a run during which the machine was busy")
    options = parser.parse_args()

    data = simulate()
    model = compile_model(PROGRAM, backend="embedded")
    adapted = model.sample(dict(data, grainsize=data["N"]), chains=1, seed=7,
                           iter_warmup=300, iter_sampling=1, show_progress=False)
    init = {name: values[0, -1] for name, values in adapted.variables().items()}
    fixed = dict(chains=1, seed=11, iter_warmup=0, iter_sampling=options.draws,
                 adapt_engaged=False, step_size=float(adapted.step_size[0]),
                 inv_metric=adapted.inv_metric[0], init=init, show_progress=False)

    # (chains, threads per chain): the target compares the first two; two chains of
    # one thread show what the two cores give when nothing has to be split.
    layouts = ((1, 1), (1, 2), (2, 1))
    seconds: dict[tuple[int, int], list[float]] = {layout: [] for layout in layouts}
    leapfrogs: dict[tuple[int, int], int] = {}
    shares: list[float] = []
    for _ in range(options.repeats):
        for chains, threads in layouts:
            grainsize = max(100, -(-data["N"] // (2 * threads)))  # brms's default
            run = functools.partial(model.sample, dict(data, grainsize=grainsize),
                                    **dict(fixed, chains=chains, threads=threads))
            for _attempt in range(1 + options.retries):
                wait_until_idle(options.busy, options.wait)
                draws, share = others_share(run)
                if share is None or share <= options.busy:
                    break
            if share is not None:
                shares.append(share)
            # The slowest chain's time over all chains' steps: wall time per step.
            seconds[chains, threads].append(float(draws.elapsed["sampling"].max()))
            leapfrogs[chains, threads] = int(draws.sampler_diagnostics()["n_leapfrog__"].sum())

    print(f"Poisson, N={data['N']}, G={data['G']}, K=3; {options.draws} draws per chain, "
          f"adaptation off, fixed step size {fixed['step_size']:.3g}; median of "
          f"{options.repeats} runs")
    print(f"{'chains':>6} {'threads':>7} {'seconds':>9} {'leapfrogs':>10} {'ms/leapfrog':>12}")
    per_step = {}
    for (chains, threads), values in seconds.items():
        median = statistics.median(values)
        per_step[chains, threads] = median / leapfrogs[chains, threads]
        print(f"{chains:>6} {threads:>7} {median:>9.3f} {leapfrogs[chains, threads]:>10} "
              f"{1000 * per_step[chains, threads]:>12.4f}")
    if leapfrogs[1, 1] != leapfrogs[1, 2]:
        print("warning: the runs took different trajectories; compare ms/leapfrog")
    print(f"speedup threads 2 vs 1 (per leapfrog step): "
          f"{per_step[1, 1] / per_step[1, 2]:.2f}x")
    print(f"(2 chains x 1 thread vs 1 chain x 1 thread, steps per second: "
          f"{per_step[1, 1] / per_step[2, 1]:.2f}x)")
    if shares:
        print(f"CPU share of other processes during the timed runs: median "
              f"{statistics.median(shares):.0%}, max {max(shares):.0%} "
              f"(load average {os.getloadavg()[0]:.2f})")
        if max(shares) > options.busy:
            print("warning: other processes took CPU time during some runs; "
                  "the speedup is understated")

if __name__ == "__main__":
    main()
