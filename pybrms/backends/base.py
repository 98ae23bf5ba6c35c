"""The interface every Stan backend implements.

A backend turns Stan code into a :class:`CompiledModel` (``compile``); a compiled
model samples (``sample`` -> :class:`~pybrms.draws.Draws`) and evaluates the log
density with its gradient (``log_prob`` -> :class:`LogProb`). Each call has
exactly one return type, whatever the options.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

from pybrms.draws import Draws
from pybrms.scheduler import Threading

Init = float | Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
Parallel = Literal["threads", "processes"]


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


class CompiledModel(Protocol):
    """A Stan program ready to run; obtained from :func:`pybrms.backends.compile_model`."""

    stan_code: str

    def data_inputs(self) -> dict[str, dict[str, Any]]:
        """Declared data variables as stanc reports them (``type``, ``dimensions``)."""
        ...

    def num_unconstrained(self, data: Mapping[str, Any]) -> int:
        """Number of unconstrained parameters given ``data`` (a ``log_prob`` point's length)."""
        ...

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
        """Run NUTS (diagonal metric) on ``chains`` chains with ``threads`` threads each."""
        ...

    def log_prob(
        self,
        data: Mapping[str, Any],
        unconstrained: np.ndarray,
        *,
        jacobian: bool = True,
    ) -> LogProb:
        """Log density and gradient at one point ``(dim,)`` or many ``(n_points, dim)``."""
        ...


class Backend(Protocol):
    """Compiles Stan code; one implementation per toolchain."""

    name: str

    def compile(self, stan_code: str, *, show_progress: bool = True) -> CompiledModel:
        """Compile (or fetch from the cache) and return the runnable model."""
        ...
