"""Within-chain threading speedup of the embedded backend (reduce_sum, threads 1 vs 2).

The Poisson model of brms's threading vignette: N = 10,000 rows, 1,000 groups,
3 covariates, a varying intercept, written by hand as a reduce_sum program.
One chain is adapted once; then every timed run starts from the same point with
the same seed, step size and metric and adaptation off, so all runs follow the
same trajectory and do the same number of leapfrog steps. Runs of different
thread counts are interleaved and repeated; the median is reported.

    python benchmarks/threads.py [--draws 300] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

from pybrms.backends import compile_model

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()

    data = simulate()
    model = compile_model(PROGRAM, backend="embedded")
    adapted = model.sample(dict(data, grainsize=data["N"]), chains=1, seed=7,
                           iter_warmup=300, iter_sampling=1, show_progress=False)
    init = {name: values[0, -1] for name, values in adapted.variables().items()}
    fixed = dict(chains=1, seed=11, iter_warmup=0, iter_sampling=options.draws,
                 adapt_engaged=False, step_size=float(adapted.step_size[0]),
                 inv_metric=adapted.inv_metric[0], init=init, show_progress=False)

    seconds: dict[int, list[float]] = {1: [], 2: []}
    leapfrogs: dict[int, int] = {}
    for _ in range(options.repeats):
        for threads in seconds:
            grainsize = max(100, -(-data["N"] // (2 * threads)))  # brms's default
            draws = model.sample(dict(data, grainsize=grainsize), threads=threads, **fixed)
            seconds[threads].append(float(draws.elapsed["sampling"].iloc[0]))
            leapfrogs[threads] = int(draws.sampler_diagnostics()["n_leapfrog__"].sum())

    print(f"Poisson, N={data['N']}, G={data['G']}, K=3; one chain, {options.draws} draws, "
          f"adaptation off, fixed step size {fixed['step_size']:.3g}; median of "
          f"{options.repeats} runs")
    print(f"{'threads':>7} {'seconds':>9} {'leapfrogs':>10} {'ms/leapfrog':>12}")
    median = {t: statistics.median(s) for t, s in seconds.items()}
    for threads, value in median.items():
        print(f"{threads:>7} {value:>9.3f} {leapfrogs[threads]:>10} "
              f"{1000 * value / leapfrogs[threads]:>12.4f}")
    if leapfrogs[1] != leapfrogs[2]:
        print("warning: the runs took different trajectories; compare ms/leapfrog")
    speedup = (median[1] / leapfrogs[1]) / (median[2] / leapfrogs[2])
    print(f"speedup threads 2 vs 1 (per leapfrog step): {speedup:.2f}x")


if __name__ == "__main__":
    main()
