"""A compiled model of the nutpie backend: a shared library that nutpie samples."""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
from collections.abc import Mapping
from typing import Any

import numpy as np

from pybrms.backends.base import LogProb
from pybrms.backends.datacheck import check_data
from pybrms.backends.embedded.build import SHARED_LIBRARY
from pybrms.backends.embedded.library import LibraryModel, ModelLibrary
from pybrms.backends.embedded.model import CacheEntryModel
from pybrms.backends.sample_args import SampleArgs
from pybrms.draws import Draws
from pybrms.errors import SettingsError, ToolchainError

# nutpie versions whose low-level interface (LogpFunc, ExpandFunc, PyMcModel,
# PySampler.from_pymc, template progress) this backend was written against.
SUPPORTED_NUTPIE = ("0.16.",)


def nutpie_available() -> bool:
    """Whether nutpie is installed.

    Examples
    --------
    >>> isinstance(nutpie_available(), bool)
    True
    """
    return importlib.util.find_spec("nutpie") is not None


def require_nutpie() -> None:
    """Raise :class:`ToolchainError` unless a supported nutpie is installed.

    Examples
    --------
    >>> require_nutpie()  # doctest: +SKIP
    """
    if not nutpie_available():
        raise ToolchainError(
            "backend='nutpie' needs the nutpie package: pip install 'pybrms[nutpie]'"
        )
    version = importlib.metadata.version("nutpie")
    if not version.startswith(SUPPORTED_NUTPIE):
        raise ToolchainError(
            f"nutpie {version} is not supported by backend='nutpie'; supported: "
            f"{', '.join(v + 'x' for v in SUPPORTED_NUTPIE)}"
        )


def check_supported(args: SampleArgs) -> None:
    """Reject settings nutpie cannot honour, naming each, before anything runs.

    Raises
    ------
    SettingsError
        Adaptation switched off, a given metric, per-chain step sizes or inits,
        or one process per chain.

    Examples
    --------
    >>> from pybrms.backends.sample_args import make_sample_args
    >>> args = make_sample_args(chains=2, threads=1, seed=1, iter_warmup=10,
    ...     iter_sampling=10, thin=1, adapt_delta=0.8, max_treedepth=10, init=None,
    ...     step_size=None, inv_metric=None, adapt_engaged=False, save_warmup=False,
    ...     parallel="threads")
    >>> check_supported(args)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pybrms.errors.SettingsError: backend='nutpie' always adapts: adapt_engaged=False needs ...
    """
    backend = "backend='nutpie'"
    if not args.adapt_engaged:
        raise SettingsError(
            f"{backend} always adapts: adapt_engaged=False needs backend='embedded' or 'cmdstanpy'"
        )
    if args.inv_metric is not None:
        raise SettingsError(
            f"{backend} adapts its own mass matrix: inv_metric cannot be "
            "given; use backend='embedded' or 'cmdstanpy'"
        )
    if len(set(args.step_size)) > 1:
        raise SettingsError(
            f"{backend} takes one initial step_size for all chains, got {list(args.step_size)}"
        )
    if args.parallel != "threads":
        raise SettingsError(
            f"{backend} runs chains as threads of one process: parallel="
            f"{args.parallel!r} is not available; use parallel='threads'"
        )
    if args.inits is not None and any(init != args.inits[0] for init in args.inits[1:]):
        raise SettingsError(
            f"{backend} takes one init for all chains (a radius or one dict), "
            f"got {len(args.inits)} different dicts"
        )


class NutpieModel(CacheEntryModel):
    """A Stan program built as a shared library, sampled by nutpie; its cache entry holds
    the library."""

    @functools.cached_property
    def library(self) -> ModelLibrary:
        """The loaded shared library (loaded on first use)."""
        return ModelLibrary(self.directory / SHARED_LIBRARY)

    def data_inputs(self) -> dict[str, dict[str, Any]]:
        """Declared data variables (stanc ``--info``)."""
        return dict(self._info["inputs"])

    def num_unconstrained(self, data: Mapping[str, Any]) -> int:
        """Number of unconstrained parameters given ``data``."""
        return self.instantiate(data).dim

    def log_prob(
        self, data: Mapping[str, Any], unconstrained: np.ndarray, *, jacobian: bool = True
    ) -> LogProb:
        """Log density (all constants kept) and gradient at unconstrained points.

        Examples
        --------
        >>> model.log_prob({"N": 0, "y": []}, np.zeros(1)).lp  # doctest: +SKIP
        array([-0.91893853])
        """
        model = self.instantiate(data)
        points = np.atleast_2d(np.asarray(unconstrained, dtype=float))
        results = [model.log_density_gradient(p, jacobian=jacobian) for p in points]
        return LogProb(
            lp=np.array([lp for lp, _ in results]),
            grad=np.array([grad for _, grad in results]).reshape(points.shape),
        )

    def instantiate(self, data: Mapping[str, Any], seed: int = 0) -> LibraryModel:
        """The program bound to ``data`` (checked against the declarations first)."""
        check_data(data, self._info["inputs"])
        return self.library.instantiate({name: data[name] for name in self._info["inputs"]}, seed)

    def _sample(self, data: Mapping[str, Any], args: SampleArgs, show_progress: bool) -> Draws:
        """Run nutpie on all chains at once and constrain the draws."""
        # nutpie is optional: imported only to sample.
        from pybrms.backends.nutpie.run import run_nutpie

        check_supported(args)
        return run_nutpie(self.instantiate(data, seed=args.seed), args, show_progress)
