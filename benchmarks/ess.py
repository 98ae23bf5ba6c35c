"""ESS per second: the embedded backend's NUTS (Stan) against nutpie, side by side.

The model of brms's threading vignette: Poisson, N = 10,000 rows, 1,000 groups,
``y ~ 1 + x1 + x2 + (1 | g)`` with ``normal(0, 1)`` on b and the group sd fixed
to 1. Each backend runs 2 chains x (1,000 warmup + 1,000 draws) on 2 cores with
the program compiled (and cached) beforehand; backends alternate, each run with
a new seed, and the median over repeats is reported.

ESS/s is the smallest bulk ESS over b_Intercept, b_x1 and b_x2 divided by the
wall time of the run (warmup and sampling). It is the product of three factors,
printed apart to show where a difference comes from:

    ESS/s = (ESS per draw) x draws / (gradients per draw x seconds per gradient)

"gradients per draw" counts every leapfrog step of warmup and sampling per
iteration, and "seconds per gradient" is chain time over leapfrog steps, so it
holds the sampler's own overhead too; "gradient alone" times the model's
gradient in a tight loop through the C model API (no sampler), at a posterior draw.

On a shared machine wall time depends on the load (printed with every run), so
every run is also measured in CPU seconds (this process and its children: the
embedded driver is a child process, nutpie runs in threads of this one).
"cpu ms/gradient" is CPU time over leapfrog steps, and "ESS/cpu-s" is the ESS
per second the run would reach with a free core per chain (ESS over CPU seconds
per chain). Wall-time figures from a busy machine are provisional.

    python benchmarks/ess.py [--repeats 3] [--backends embedded nutpie]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from arviz import ess

import pybrms as bm
from pybrms.backends import compile_model
from pybrms.codegen import render
from pybrms.fit.brmsfit import SamplerSettings, run
from pybrms.spec import build_spec

FORMULA = "y ~ 1 + x1 + x2 + (1 | g)"
PARAMETERS = ("b_Intercept", "b_x1", "b_x2")
CHAINS, WARMUP, DRAWS = 2, 1000, 1000


def simulate(n: int = 10_000, groups: int = 1_000, seed: int = 1) -> pd.DataFrame:
    """Poisson counts with two covariates and a group intercept of sd 1."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "g": rng.integers(1, groups + 1, size=n),
        }
    )
    eta = 0.5 + 0.3 * frame["x1"] - 0.2 * frame["x2"] + rng.normal(size=groups)[frame["g"] - 1]
    frame["y"] = rng.poisson(np.exp(eta))
    return frame


@dataclass(frozen=True)
class Result:
    """One run's figures."""

    ess: float
    seconds: float
    cpu_seconds: float
    gradients_per_draw: float
    seconds_per_gradient: float
    cpu_seconds_per_gradient: float

    @property
    def ess_per_second(self) -> float:
        return self.ess / self.seconds

    @property
    def ess_per_cpu_second(self) -> float:
        return self.ess / (self.cpu_seconds / CHAINS)

    @property
    def ess_per_draw(self) -> float:
        return self.ess / (CHAINS * DRAWS)


def one_run(spec, model, seed: int) -> Result:
    """Sample once and measure (warmup kept, to count its leapfrog steps)."""
    settings = SamplerSettings(
        chains=CHAINS,
        iter_warmup=WARMUP,
        iter_sampling=DRAWS,
        seed=seed,
        extra={"save_warmup": True},
    )
    start, cpu_start = time.perf_counter(), cpu_seconds()
    fit = run(spec, model, settings, data_name="sim", show_progress=False)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
    frame = fit.draws_frame()
    smallest = min(
        float(ess(frame[name].to_numpy().reshape(CHAINS, DRAWS), method="bulk"))
        for name in PARAMETERS
    )
    leapfrogs = fit.draws.column("n_leapfrog__", include_warmup=True)
    chain_seconds = fit.draws.elapsed.sum(axis=1).to_numpy()
    return Result(
        ess=smallest,
        seconds=seconds,
        cpu_seconds=cpu,
        gradients_per_draw=float(leapfrogs.mean()),
        seconds_per_gradient=float(np.mean(chain_seconds / leapfrogs.sum(axis=1))),
        cpu_seconds_per_gradient=cpu / float(leapfrogs.sum()),
    )


def cpu_seconds() -> float:
    """CPU time of this process, its threads and its finished children."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def gradient_alone(code: str, standata: dict, repeats: int = 500) -> float:
    """CPU seconds per gradient of the model (constants dropped, as NUTS) in a tight loop."""
    model = compile_model(code, backend="nutpie", show_progress=False).instantiate(standata)
    theta = np.random.default_rng(0).uniform(-0.5, 0.5, model.dim)
    model.log_density_gradient(theta, propto=True)
    start = time.thread_time()
    for _ in range(repeats):
        model.log_density_gradient(theta, propto=True)
    return (time.thread_time() - start) / repeats


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backends", nargs="+", default=["embedded", "nutpie"])
    options = parser.parse_args()

    spec = build_spec(
        FORMULA,
        simulate(),
        "poisson",
        bm.prior("normal(0, 1)", class_="b") + bm.prior("constant(1)", class_="sd"),
    )
    code = render(spec, None)
    models = {name: compile_model(code, backend=name) for name in options.backends}
    print(f"before: {load()}")
    results: dict[str, list[Result]] = {name: [] for name in options.backends}
    for repeat in range(options.repeats):
        for name, model in models.items():
            results[name].append(one_run(spec, model, seed=1000 + repeat))
            r = results[name][-1]
            print(
                f"  {name:9s} run {repeat + 1}: ESS {r.ess:6.0f} in {r.seconds:5.1f} s "
                f"= {r.ess_per_second:5.1f} ESS/s ({r.ess_per_cpu_second:5.1f} ESS/cpu-s); "
                f"{r.gradients_per_draw:5.1f} gradients/draw, "
                f"{1e3 * r.seconds_per_gradient:.3f} ms/gradient "
                f"({1e3 * r.cpu_seconds_per_gradient:.3f} cpu)  ({load()})"
            )
    if "nutpie" in models:
        from pybrms.standata import make_standata

        alone = gradient_alone(code, make_standata(spec, None))
        print(f"gradient alone (C model API, one thread): {1e3 * alone:.3f} cpu ms")
    print(f"after: {load()}")

    rows = {
        name: {
            "ESS/s": statistics.median(r.ess_per_second for r in runs),
            "ESS/cpu-s": statistics.median(r.ess_per_cpu_second for r in runs),
            "min bulk ESS": statistics.median(r.ess for r in runs),
            "seconds": statistics.median(r.seconds for r in runs),
            "ESS/draw": statistics.median(r.ess_per_draw for r in runs),
            "gradients/draw": statistics.median(r.gradients_per_draw for r in runs),
            "ms/gradient": 1e3 * statistics.median(r.seconds_per_gradient for r in runs),
            "cpu ms/gradient": 1e3 * statistics.median(r.cpu_seconds_per_gradient for r in runs),
        }
        for name, runs in results.items()
    }
    table = pd.DataFrame(rows).T
    print(
        f"\nmedian of {options.repeats} runs, {CHAINS} chains x ({WARMUP} warmup + {DRAWS} draws):"
    )
    print(table.round(3).to_string())
    if {"embedded", "nutpie"} <= set(rows):
        ratio = table.loc["nutpie"] / table.loc["embedded"]
        print("\nnutpie / embedded:")
        print(ratio.round(2).to_string())


if __name__ == "__main__":
    main()
