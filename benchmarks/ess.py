"""ESS per second: pybrms's samplers against bambi + nutpie, side by side on the same data.

The model of brms's threading vignette: Poisson, N = 10,000 rows, 1,000 groups,
``y ~ 1 + x1 + x2 + (1 | g)`` with ``normal(0, 1)`` on b and the group sd fixed
to 1. Samplers, each 2 chains x (1,000 warmup + 1,000 draws) on 2 cores:

* ``embedded``: Stan's NUTS on pybrms's program (``normalize=True``, brms's default);
* ``embedded-lu``: the same with ``normalize=False`` (the likelihood's constants dropped);
* ``nutpie``, ``nutpie-lu``: nutpie's NUTS on the same two compiled programs;
* ``bambi``: the peer, the same model written in bambi, compiled by nutpie with its
  numba backend and sampled by ``nutpie.sample`` (as bambi users run it). Needs
  ``pip install 'pybrms[bench]'``; skipped with a message when bambi is missing.

Programs are compiled (and cached) before the clock starts. Samplers alternate,
each run with a new seed, and the median over repeats is reported.

ESS/s is the smallest bulk ESS over the intercept and the two slopes divided by the
wall time of the run (warmup and sampling). It is the product of three factors,
printed apart to show where a difference comes from:

    ESS/s = (ESS per draw) x draws / (gradients per draw x seconds per gradient)

"gradients per draw" counts every leapfrog step of warmup and sampling per
iteration; "seconds per gradient" is wall time over leapfrog steps per chain, so
it holds the sampler's own overhead too.

On a shared machine wall time depends on the load (printed with every run), so
every run is also measured in CPU seconds (this process and its children: the
embedded driver is a child process, nutpie runs in threads of this one).
"cpu ms/gradient" is CPU time over leapfrog steps, and "ESS/cpu-s" is the ESS
per second the run would reach with a free core per chain (ESS over CPU seconds
per chain). Last, "gradient alone" times each model's log density and gradient in
a tight loop on one thread (pybrms's through its C model API, bambi's through the
numba function nutpie calls), at the same random point on the unconstrained scale.

    python benchmarks/ess.py [--repeats 3] [--samplers embedded nutpie bambi]
                             [--warmup 1000] [--draws 1000]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from arviz import ess, rhat

import pybrms as bm
from pybrms.backends import compile_model
from pybrms.codegen import render
from pybrms.spec import build_spec
from pybrms.spec.model_spec import ModelSpec
from pybrms.standata import make_standata

FORMULA = "y ~ 1 + x1 + x2 + (1 | g)"
# pybrms's Stan columns and bambi's names of the intercept and the two slopes
STAN_COLUMNS = ("b_Intercept", "b.1", "b.2")
BAMBI_NAMES = ("Intercept", "x1", "x2")
CHAINS = 2
OURS = {
    "embedded": ("embedded", True),
    "embedded-lu": ("embedded", False),
    "nutpie": ("nutpie", True),
    "nutpie-lu": ("nutpie", False),
}
SAMPLERS = (*OURS, "bambi")


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


def vignette_spec(frame: pd.DataFrame) -> ModelSpec:
    """The vignette's model: normal(0, 1) on b, the group sd fixed to 1."""
    priors = bm.prior("normal(0, 1)", class_="b") + bm.prior("constant(1)", class_="sd")
    return build_spec(FORMULA, frame, "poisson", priors)


@dataclass(frozen=True)
class Result:
    """One run's figures."""

    ess: float
    rhat: float
    draws: int
    seconds: float
    cpu_seconds: float
    leapfrogs: np.ndarray  # (chains, warmup + draws)

    @property
    def ess_per_second(self) -> float:
        return self.ess / self.seconds

    @property
    def ess_per_cpu_second(self) -> float:
        return self.ess / (self.cpu_seconds / CHAINS)

    @property
    def ess_per_draw(self) -> float:
        return self.ess / (CHAINS * self.draws)

    @property
    def gradients_per_draw(self) -> float:
        return float(self.leapfrogs.mean())

    @property
    def seconds_per_gradient(self) -> float:
        # chains run side by side: wall time over the leapfrog steps of one chain
        return self.seconds / float(self.leapfrogs.sum(axis=1).mean())

    @property
    def cpu_seconds_per_gradient(self) -> float:
        return self.cpu_seconds / float(self.leapfrogs.sum())


def summarize(chains_by_name: dict[str, np.ndarray]) -> tuple[float, float]:
    """Smallest bulk ESS and largest rank R-hat over the named ``(chains, draws)`` arrays."""
    values = list(chains_by_name.values())
    return (
        min(float(ess(v, method="bulk")) for v in values),
        max(float(rhat(v)) for v in values),
    )


def timed(sample: Callable[[], Any]) -> tuple[Any, float, float]:
    """``sample()``, its wall seconds and its CPU seconds."""
    start, cpu_start = time.perf_counter(), cpu_seconds()
    out = sample()
    return out, time.perf_counter() - start, cpu_seconds() - cpu_start


def cpu_seconds() -> float:
    """CPU time of this process, its threads and its finished children."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class Ours:
    """pybrms's compiled program on one of its backends."""

    def __init__(self, spec: ModelSpec, backend: str, normalize: bool) -> None:
        self.code = render(spec, None, normalize=normalize)
        self.model = compile_model(self.code, backend=backend)  # type: ignore[arg-type]
        self.standata = make_standata(spec, None)

    def run(self, seed: int, warmup: int, draws: int) -> Result:
        out, seconds, cpu = timed(
            lambda: self.model.sample(
                self.standata,
                chains=CHAINS,
                seed=seed,
                iter_warmup=warmup,
                iter_sampling=draws,
                save_warmup=True,
                show_progress=False,
            )
        )
        smallest, largest = summarize({c: out.column(c) for c in STAN_COLUMNS})
        leapfrogs = out.column("n_leapfrog__", include_warmup=True)
        return Result(smallest, largest, draws, seconds, cpu, leapfrogs)

    def gradient(self) -> Callable[[np.ndarray], None]:
        """One log density and gradient (constants dropped, as NUTS) at a point."""
        library = compile_model(self.code, backend="nutpie", show_progress=False)
        model = library.instantiate(self.standata)  # type: ignore[attr-defined]
        return lambda theta: model.log_density_gradient(theta, propto=True)

    @property
    def dim(self) -> int:
        return int(self.model.num_unconstrained(self.standata))  # type: ignore[attr-defined]


class Bambi:
    """The peer: the vignette's model in bambi, compiled by nutpie (numba backend)."""

    def __init__(self, frame: pd.DataFrame, spec: ModelSpec) -> None:
        import bambi as bmb
        import nutpie
        import pymc

        self.nutpie = nutpie
        intercept = next(row.prior for row in spec.priors.rows if row.cls == "Intercept")
        assert intercept is not None  # brms's default student_t(3, location, 2.5)
        nu, mu, sigma = intercept.args
        normal = bmb.Prior("Normal", mu=0, sigma=1)
        priors = {"Intercept": bmb.Prior("StudentT", nu=nu, mu=mu, sigma=sigma), "x1": normal}
        priors["x2"] = normal
        data = frame.assign(g=frame["g"].astype(str))
        model = bmb.Model(FORMULA, data, family="poisson", priors=priors)
        model.build()
        # bambi wants a hyperprior on the group sd: fix it to 1 afterwards, which leaves
        # brms's non-centred form r = 1 * z, z ~ normal(0, 1)
        fixed = pymc.do(model.backend.model, {"1|g_sigma": np.array(1.0)})
        # what bambi's fit() keeps: every variable but the likelihood's mu
        keep = [*BAMBI_NAMES, "1|g_offset", "1|g"]
        self.compiled = nutpie.compile_pymc_model(fixed, backend="numba", var_names=keep)

    def run(self, seed: int, warmup: int, draws: int) -> Result:
        trace, seconds, cpu = timed(
            lambda: self.nutpie.sample(
                self.compiled,
                chains=CHAINS,
                cores=CHAINS,
                tune=warmup,
                draws=draws,
                seed=seed,
                save_warmup=True,
                progress_bar=False,
            )
        )
        posterior = trace.posterior
        smallest, largest = summarize({n: posterior[n].to_numpy() for n in BAMBI_NAMES})
        steps = [trace.warmup_sample_stats["n_steps"], trace.sample_stats["n_steps"]]
        leapfrogs = np.concatenate([s.to_numpy() for s in steps], axis=1)
        return Result(smallest, largest, draws, seconds, cpu, leapfrogs)

    def gradient(self) -> Callable[[np.ndarray], None]:
        """The numba log density and gradient nutpie calls, through ctypes."""
        function = self.compiled.compiled_logp_func.ctypes
        user_data = self.compiled.user_data.ctypes.data_as(ctypes.c_void_p)
        grad, logp = np.empty(self.dim), np.empty(())
        pointer = ctypes.POINTER(ctypes.c_double)

        def evaluate(theta: np.ndarray) -> None:
            code = function(
                self.dim,
                theta.ctypes.data_as(pointer),
                grad.ctypes.data_as(pointer),
                logp.ctypes.data_as(pointer),
                user_data,
            )
            if code != 0:
                raise RuntimeError(f"bambi's log density failed with code {code}")

        return evaluate

    @property
    def dim(self) -> int:
        return int(self.compiled.n_dim)


def gradient_alone(sampler: Ours | Bambi, repeats: int = 500) -> float:
    """CPU seconds per log density and gradient in a tight loop on this thread."""
    evaluate = sampler.gradient()
    theta = np.random.default_rng(0).uniform(-0.5, 0.5, sampler.dim)
    evaluate(theta)
    start = time.thread_time()
    for _ in range(repeats):
        evaluate(theta)
    return (time.thread_time() - start) / repeats


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def make_samplers(names: list[str], frame: pd.DataFrame) -> dict[str, Ours | Bambi]:
    spec = vignette_spec(frame)
    out: dict[str, Ours | Bambi] = {}
    for name in names:
        if name in OURS:
            out[name] = Ours(spec, *OURS[name])
            continue
        try:
            out[name] = Bambi(frame, spec)
        except ImportError as error:  # bambi, pymc or nutpie's numba backend missing
            print(f"bambi + nutpie skipped: {error} (pip install 'pybrms[bench]')")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samplers", nargs="+", choices=SAMPLERS, default=list(SAMPLERS))
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--no-gradient", action="store_true", help="skip the tight loops")
    options = parser.parse_args()

    samplers = make_samplers(options.samplers, simulate())
    print(f"before: {load()}")
    results: dict[str, list[Result]] = {name: [] for name in samplers}
    for repeat in range(options.repeats):
        for name, sampler in samplers.items():
            r = sampler.run(1000 + repeat, options.warmup, options.draws)
            results[name].append(r)
            print(
                f"  {name:11s} run {repeat + 1}: ESS {r.ess:6.0f} in {r.seconds:5.1f} s "
                f"= {r.ess_per_second:5.1f} ESS/s ({r.ess_per_cpu_second:5.1f} ESS/cpu-s); "
                f"R-hat {r.rhat:.3f}; {r.gradients_per_draw:5.1f} gradients/draw, "
                f"{1e3 * r.seconds_per_gradient:.3f} ms/gradient "
                f"({1e3 * r.cpu_seconds_per_gradient:.3f} cpu)  ({load()})"
            )
    alone = {} if options.no_gradient else {n: gradient_alone(s) for n, s in samplers.items()}
    print(f"after: {load()}")

    rows = {
        name: {
            "ESS/s": statistics.median(r.ess_per_second for r in runs),
            "ESS/cpu-s": statistics.median(r.ess_per_cpu_second for r in runs),
            "min bulk ESS": statistics.median(r.ess for r in runs),
            "max R-hat": max(r.rhat for r in runs),
            "seconds": statistics.median(r.seconds for r in runs),
            "ESS/draw": statistics.median(r.ess_per_draw for r in runs),
            "gradients/draw": statistics.median(r.gradients_per_draw for r in runs),
            "ms/gradient": 1e3 * statistics.median(r.seconds_per_gradient for r in runs),
            "cpu ms/gradient": 1e3 * statistics.median(r.cpu_seconds_per_gradient for r in runs),
            "gradient alone cpu ms": 1e3 * alone[name] if name in alone else np.nan,
        }
        for name, runs in results.items()
    }
    table = pd.DataFrame(rows).T
    print(
        f"\nmedian of {options.repeats} runs, {CHAINS} chains x ({options.warmup} warmup + "
        f"{options.draws} draws):"
    )
    print(table.round(3).to_string())
    if "bambi" in rows:
        print("\nours / bambi + nutpie:")
        print((table.drop(index="bambi") / table.loc["bambi"]).round(2).to_string())


if __name__ == "__main__":
    main()
