"""Sampler arguments: checked once, then composed by each backend.

:class:`SampleArgs` validates every argument with a small check of its own that
names the argument, the value found and the rule broken, before any process
starts (:class:`~pybrms.errors.SettingsError`). Backends then turn it into their
own configuration. brms's sampler defaults and the int -> :class:`Threading`
conversion live here and nowhere else.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from pybrms.errors import SettingsError
from pybrms.scheduler import Threading

# brms's defaults.
DEFAULT_CHAINS = 4
DEFAULT_ITER = 2000
DEFAULT_ADAPT_DELTA = 0.8
DEFAULT_MAX_TREEDEPTH = 10
DEFAULT_INIT_RADIUS = 2.0

Init = float | str | Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
Parallel = Literal["threads", "processes"]


@dataclass(frozen=True)
class SampleArgs:
    """Validated NUTS settings of one run (see ``CompiledModel.sample``)."""

    chains: int
    threads: Threading
    seed: int
    iter_warmup: int
    iter_sampling: int
    thin: int
    adapt_delta: float
    max_treedepth: int
    init_radius: float
    inits: tuple[Mapping[str, Any], ...] | None
    step_size: tuple[float, ...]
    inv_metric: np.ndarray | None
    adapt_engaged: bool
    save_warmup: bool
    parallel: str

    @property
    def refresh(self) -> int:
        """Iterations between progress messages: about 100 per chain."""
        return max(1, (self.iter_warmup + self.iter_sampling) // 100)

    @property
    def num_warmup_saved(self) -> int:
        """Warmup draws kept per chain."""
        return -(-self.iter_warmup // self.thin) if self.save_warmup else 0


def as_threading(threads: Threading | int | None) -> Threading | None:
    """``threads`` as brms's ``threading()``: an int ``n`` means ``threading(n)``; None stays None.

    Examples
    --------
    >>> as_threading(2)
    Threading(threads=2, grainsize=None, static=False)
    >>> as_threading(None) is None
    True
    """
    if threads is None or isinstance(threads, Threading):
        return threads
    _positive_int("threads", threads)
    return Threading(int(threads))


def make_sample_args(
    *,
    chains: int,
    threads: Threading | int,
    seed: int | None,
    iter_warmup: int,
    iter_sampling: int,
    thin: int,
    adapt_delta: float,
    max_treedepth: int,
    init: Init,
    step_size: float | Sequence[float] | None,
    inv_metric: np.ndarray | None,
    adapt_engaged: bool,
    save_warmup: bool,
    parallel: str,
) -> SampleArgs:
    """Check every argument and return :class:`SampleArgs`.

    Raises
    ------
    pybrms.errors.SettingsError
        Naming the argument, the value and the rule.

    Examples
    --------
    >>> args = make_sample_args(chains=2, threads=1, seed=1, iter_warmup=100,
    ...     iter_sampling=100, thin=1, adapt_delta=0.8, max_treedepth=10, init=None,
    ...     step_size=None, inv_metric=None, adapt_engaged=True, save_warmup=False,
    ...     parallel="threads")
    >>> args.step_size
    (1.0, 1.0)
    """
    _positive_int("chains", chains)
    _nonnegative_int("iter_warmup", iter_warmup)
    _positive_int("iter_sampling", iter_sampling)
    _positive_int("thin", thin)
    if thin > iter_sampling:
        # A larger thin keeps only the first draw: a "posterior" of one draw per chain.
        raise SettingsError(
            f"thin must be <= the number of sampling iterations; got thin = {thin} with "
            f"iter_sampling = {iter_sampling} (iter - warmup)"
        )
    _positive_int("max_treedepth", max_treedepth)
    if (
        isinstance(adapt_delta, bool)
        or not isinstance(adapt_delta, int | float)
        or not 0 < adapt_delta < 1
    ):
        raise SettingsError(f"adapt_delta must lie in (0, 1), got {adapt_delta!r}")
    if parallel not in ("threads", "processes"):
        raise SettingsError(f"parallel must be 'threads' or 'processes', got {parallel!r}")
    if seed is None:
        seed = random.randrange(2**31 - 1)
    _nonnegative_int("seed", seed)
    if seed >= 2**31:
        raise SettingsError(f"seed must be below 2**31, got {seed}")
    init_radius, inits = _inits(init, chains)
    threading = as_threading(threads)
    return SampleArgs(
        chains=chains,
        threads=threading if threading is not None else Threading(1),
        seed=seed,
        iter_warmup=iter_warmup,
        iter_sampling=iter_sampling,
        thin=thin,
        adapt_delta=float(adapt_delta),
        max_treedepth=max_treedepth,
        init_radius=init_radius,
        inits=inits,
        step_size=_step_sizes(step_size, chains),
        inv_metric=_inv_metric(inv_metric, chains),
        adapt_engaged=bool(adapt_engaged),
        save_warmup=bool(save_warmup),
        parallel=parallel,
    )


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise SettingsError(f"{name} must be a positive integer, got {value!r}")


def _nonnegative_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise SettingsError(f"{name} must be a non-negative integer, got {value!r}")


def _inits(init: Init, chains: int) -> tuple[float, tuple[Mapping[str, Any], ...] | None]:
    if init is None or init == "random":
        return DEFAULT_INIT_RADIUS, None
    if init == "0":  # brms's spelling of "all parameters start at zero"
        return 0.0, None
    if isinstance(init, int | float) and not isinstance(init, bool):
        if not 0 <= init < np.inf:
            raise SettingsError(f"init as a radius must be a finite number >= 0, got {init!r}")
        return float(init), None
    if isinstance(init, Mapping):
        return DEFAULT_INIT_RADIUS, (init,) * chains
    inits = tuple(init) if isinstance(init, Sequence) and not isinstance(init, str) else None
    if inits is None or len(inits) != chains or not all(isinstance(i, Mapping) for i in inits):
        length = "" if inits is None else f" of length {len(inits)}"
        raise SettingsError(
            f"init must be a radius, 'random', '0', one dict, or a list of {chains} dicts "
            f"(one per chain); got {type(init).__name__}{length}: {init!r}"
        )
    return DEFAULT_INIT_RADIUS, inits


def init_names(init: Init) -> set[str]:
    """Parameter names the inits give values for (none for a radius).

    Examples
    --------
    >>> sorted(init_names([{"b": [0.1]}, {"sigma": 1.0}]))
    ['b', 'sigma']
    """
    if isinstance(init, Mapping):
        return set(init)
    if isinstance(init, Sequence) and not isinstance(init, str):
        return {name for values in init if isinstance(values, Mapping) for name in values}
    return set()


def _step_sizes(step_size: float | Sequence[float] | None, chains: int) -> tuple[float, ...]:
    if step_size is None:
        return (1.0,) * chains
    values = np.atleast_1d(np.asarray(step_size, dtype=float))
    if values.size == 1:
        values = np.repeat(values, chains)
    if values.size != chains or not np.all(values > 0) or not np.all(np.isfinite(values)):
        raise SettingsError(
            f"step_size must be a positive number or {chains} positive numbers, got {step_size!r}"
        )
    return tuple(float(v) for v in values)


def _inv_metric(inv_metric: np.ndarray | None, chains: int) -> np.ndarray | None:
    if inv_metric is None:
        return None
    metric = np.asarray(inv_metric, dtype=float)
    if metric.ndim == 1:
        metric = np.tile(metric, (chains, 1))
    if metric.ndim != 2 or metric.shape[0] != chains:
        raise SettingsError(
            "inv_metric must be a diagonal (dim,) or one diagonal per chain "
            f"({chains}, dim); got shape {metric.shape}"
        )
    if not np.all(metric > 0) or not np.all(np.isfinite(metric)):
        raise SettingsError("inv_metric must hold positive finite numbers")
    return metric
