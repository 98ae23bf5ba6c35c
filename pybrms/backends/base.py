"""The interface every Stan backend implements.

A backend turns Stan code into a :class:`CompiledModel` (``compile``); a compiled
model samples (``sample`` -> :class:`~pybrms.draws.Draws`) and evaluates the log
density with its gradient (``log_prob`` -> :class:`LogProb`). Each call has
exactly one return type, whatever the options.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np

from pybrms.backends.sample_args import Init, Parallel, SampleArgs, make_sample_args
from pybrms.draws import Draws
from pybrms.errors import CompileError
from pybrms.scheduler import Threading

T = TypeVar("T")


@dataclass(frozen=True)
class LogProb:
    """Log density and gradient at unconstrained points.

    Attributes
    ----------
    lp
        Log density, shape ``(n_points,)``.
    grad
        Gradient with respect to the unconstrained parameters, ``(n_points, dim)``.
    """

    lp: np.ndarray
    grad: np.ndarray


class CompiledModel(ABC):
    """A Stan program ready to run; obtained from :func:`pybrms.backends.compile_model`.

    :meth:`sample` checks its arguments once, here, and hands them to the
    backend's :meth:`_sample` as :class:`~pybrms.backends.sample_args.SampleArgs`.
    """

    stan_code: str

    @abstractmethod
    def data_inputs(self) -> dict[str, dict[str, Any]]:
        """Declared data variables as stanc reports them (``type``, ``dimensions``)."""

    @abstractmethod
    def num_unconstrained(self, data: Mapping[str, Any]) -> int:
        """Number of unconstrained parameters given ``data`` (a ``log_prob`` point's length)."""

    @abstractmethod
    def log_prob(
        self, data: Mapping[str, Any], unconstrained: np.ndarray, *, jacobian: bool = True
    ) -> LogProb:
        """Log density (all constants kept) and gradient at one point ``(dim,)`` or many
        ``(n_points, dim)`` of unconstrained parameters."""

    def sample(
        self,
        data: Mapping[str, Any],
        *,
        chains: int = 4,
        threads: Threading | int = 1,
        seed: int | None = None,
        iter_warmup: int = 1000,
        iter_sampling: int = 1000,
        thin: int = 1,
        adapt_delta: float = 0.8,
        max_treedepth: int = 10,
        init: Init = None,
        step_size: float | Sequence[float] | None = None,
        inv_metric: np.ndarray | None = None,
        adapt_engaged: bool = True,
        save_warmup: bool = False,
        parallel: Parallel = "threads",
        show_progress: bool = True,
    ) -> Draws:
        """Run NUTS (diagonal metric) on ``chains`` chains with ``threads`` threads each.

        All chains share one pool of ``chains * threads`` threads; with
        ``parallel="processes"`` each chain runs in a process of its own. A fixed
        ``step_size`` and ``inv_metric`` with ``adapt_engaged=False`` make runs
        follow the same trajectory (see :mod:`pybrms.benchmark`).

        Examples
        --------
        >>> draws = model.sample({"N": 3, "y": [1, 2, 3]}, chains=2, threads=2)  # doctest: +SKIP
        >>> draws.variables()["mu"].shape  # doctest: +SKIP
        (2, 1000)
        """
        args = make_sample_args(
            chains=chains,
            threads=threads,
            seed=seed,
            iter_warmup=iter_warmup,
            iter_sampling=iter_sampling,
            thin=thin,
            adapt_delta=adapt_delta,
            max_treedepth=max_treedepth,
            init=init,
            step_size=step_size,
            inv_metric=inv_metric,
            adapt_engaged=adapt_engaged,
            save_warmup=save_warmup,
            parallel=parallel,
        )
        return self._sample(data, args, show_progress)

    @abstractmethod
    def _sample(self, data: Mapping[str, Any], args: SampleArgs, show_progress: bool) -> Draws:
        """Run the sampler with checked arguments."""


class Backend(Protocol):
    """Compiles Stan code; one implementation per toolchain."""

    name: str

    def compile(
        self, stan_code: str, *, show_progress: bool = True, optimize: bool = True
    ) -> CompiledModel:
        """Compile (or fetch from the cache) and return the runnable model; without
        optimisation if not ``optimize``."""
        ...

    def compile_many(
        self, stan_codes: Sequence[str], *, show_progress: bool = True, optimize: bool = True
    ) -> Sequence[CompiledModel]:
        """Compile several programs (where the backend can, in one compiler run) and
        return them in order; raise one CompileError naming each program that failed,
        after building the others."""
        ...


def raise_failures(results: Sequence[T | CompileError]) -> list[T]:
    """The results, if none is a CompileError; else one CompileError naming each failure.

    Examples
    --------
    >>> raise_failures([1, 2])
    [1, 2]
    >>> raise_failures([1, CompileError("stanc could not translate it")])
    Traceback (most recent call last):
    ...
    pybrms.errors.CompileError: 1 of 2 Stan programs did not compile:
    program 1: stanc could not translate it
    """
    failed = [(number, r) for number, r in enumerate(results) if isinstance(r, CompileError)]
    if failed:
        raise CompileError(
            f"{len(failed)} of {len(results)} Stan programs did not compile:\n"
            + "\n".join(f"program {number}: {error}" for number, error in failed)
        )
    return [result for result in results if not isinstance(result, CompileError)]
