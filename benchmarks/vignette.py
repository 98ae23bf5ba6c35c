"""The model of brms's threading vignette, and fair timing of Stan programs on it.

Poisson, N = 10,000 rows, 1,000 groups: ``y ~ 1 + x1 + x2 + (1 | g)`` with
``normal(0, 1)`` on ``b`` and the group sd fixed to 1 (``constant(1)``). One
program is adapted once; every timed run then starts from the same point with the
same seed, step size and metric and adaptation off, so runs of programs with the
same density follow (nearly) the same trajectory and time per leapfrog step
compares them. The machine's load is measured during each run: other processes
slow a run down, and ratios are only trustworthy when measured side by side.

Used by ``benchmarks/codegen.py`` and ``benchmarks/threads.py``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from pybrms.priors import prior
from pybrms.spec import build_spec
from pybrms.spec.model_spec import ModelSpec

T = TypeVar("T")

FORMULA = "y ~ 1 + x1 + x2 + (1 | g)"
PRIOR = prior("normal(0, 1)", class_="b") + prior("constant(1)", class_="sd", group="g")


def simulate(n: int = 10_000, groups: int = 1_000, seed: int = 1) -> pd.DataFrame:
    """Poisson counts with two covariates and a group intercept of sd 1, as in the vignette."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    g = rng.integers(1, groups + 1, size=n)
    eta = 0.5 + 0.3 * x1 - 0.2 * x2 + rng.normal(size=groups)[g - 1]
    return pd.DataFrame({"y": rng.poisson(np.exp(eta)), "x1": x1, "x2": x2, "g": g})


def vignette_spec() -> ModelSpec:
    """The vignette's model as a pybrms spec."""
    return build_spec(FORMULA, simulate(), "poisson", PRIOR)


def fixed_state(model: Any, data: dict, draws: int, warmup: int = 300) -> dict[str, Any]:
    """Sampler arguments that start every run from one adapted state, adaptation off."""
    adapted = model.sample(
        data, chains=1, seed=7, iter_warmup=warmup, iter_sampling=1, show_progress=False
    )
    init = {name: values[0, -1] for name, values in adapted.variables().items()}
    return dict(
        chains=1,
        seed=11,
        iter_warmup=0,
        iter_sampling=draws,
        adapt_engaged=False,
        step_size=float(adapted.step_size[0]),
        inv_metric=adapted.inv_metric[0],
        init=init,
        show_progress=False,
    )


@dataclass(frozen=True)
class Timing:
    """One timed run: wall seconds of sampling (slowest chain), leapfrog steps of all
    chains, and the CPU share other processes took meanwhile (None if unknown)."""

    seconds: float
    leapfrogs: int
    others: float | None

    @property
    def ms_per_leapfrog(self) -> float:
        return 1000 * self.seconds / self.leapfrogs


def timed_run(model: Any, data: dict, **kwargs: Any) -> Timing:
    """Sample once and time it (see :class:`Timing`)."""
    draws, share = others_share(lambda: model.sample(data, **kwargs))
    leapfrogs = int(draws.sampler_diagnostics()["n_leapfrog__"].sum())
    return Timing(float(draws.elapsed["sampling"].max()), leapfrogs, share)


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


def wait_until_idle(busy: float, timeout: float) -> None:
    """Wait (at most ``timeout`` s) until other processes use less than ``busy`` of the CPUs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        share = others_share(lambda: time.sleep(1.0))[1]
        if share is None or share < busy:
            return


def load_report(shares: list[float | None]) -> str:
    """The load average and the other processes' CPU share during the timed runs."""
    known = sorted(s for s in shares if s is not None)
    text = f"load average {os.getloadavg()[0]:.2f}"
    if known:
        text += (
            f"; CPU share of other processes during the runs: median "
            f"{known[len(known) // 2]:.0%}, max {known[-1]:.0%}"
        )
        if known[-1] > 0.05:
            text += "\nwarning: the machine was busy: figures are provisional"
    return text
