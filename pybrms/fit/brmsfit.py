"""BrmsFit: a fitted model — its spec, data, draws and compiled program."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pybrms.backends import CompiledModel, compile_model
from pybrms.backends.sample_args import SampleArgs, make_sample_args
from pybrms.codegen import render
from pybrms.draws import Draws
from pybrms.fit import predict
from pybrms.fit.arviz import loo, to_inference_data
from pybrms.fit.summary import Summary, summarize
from pybrms.scheduler import Threading
from pybrms.spec.model_spec import ModelSpec
from pybrms.standata import make_standata

if TYPE_CHECKING:
    from arviz import ELPDData, InferenceData


@dataclass(frozen=True)
class SamplerSettings:
    """How a fit was sampled; ``update()`` replaces some of them and samples again."""

    chains: int = 4
    iter_warmup: int = 1000
    iter_sampling: int = 1000
    thin: int = 1
    adapt_delta: float = 0.8
    max_treedepth: int = 10
    seed: int | None = None
    init: Any = None
    threads: Threading | None = None
    parallel: str = "threads"
    extra: dict[str, Any] = field(default_factory=dict)

    def sample_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``CompiledModel.sample`` these settings stand for."""
        return {
            "chains": self.chains, "threads": self.threads or 1, "seed": self.seed,
            "iter_warmup": self.iter_warmup, "iter_sampling": self.iter_sampling,
            "thin": self.thin, "adapt_delta": self.adapt_delta,
            "max_treedepth": self.max_treedepth, "init": self.init, "parallel": self.parallel,
            **self.extra,
        }

    def check(self) -> SampleArgs:
        """Raise ValueError for an invalid setting, naming it (nothing is run); return the
        checked arguments."""
        defaults = {"step_size": None, "inv_metric": None, "adapt_engaged": True,
                    "save_warmup": False}
        return make_sample_args(**{**defaults, **self.sample_kwargs()})


@dataclass(frozen=True, eq=False)
class BrmsFit:
    """A fitted brms-style model (returned by :func:`pybrms.brm`).

    Attributes
    ----------
    spec
        The model description.
    standata
        The data passed to Stan.
    draws
        Draws of every Stan variable and the sampler diagnostics.
    model
        The compiled program (reused by :meth:`update`).
    settings
        Sampler settings of this run.
    data_name
        How the data are called in the summary header.
    """

    spec: ModelSpec
    standata: dict[str, Any]
    draws: Draws
    model: CompiledModel
    settings: SamplerSettings
    data_name: str = "data"

    def __repr__(self) -> str:
        # As brms's print(fit): the summary, not the arrays behind it.
        return str(self.summary())

    @property
    def stan_code(self) -> str:
        """The Stan program that was sampled."""
        return self.model.stan_code

    def summary(self, prob: float = 0.95) -> Summary:
        """brms's summary: header, group-level, population-level and family parameters.

        Examples
        --------
        >>> print(fit.summary())  # doctest: +SKIP
         Family: poisson
          Links: mu = log
        ...
        """
        return summarize(
            self.spec, self.draws, data_name=self.data_name, iter_warmup=self.settings.iter_warmup,
            iter_sampling=self.settings.iter_sampling, thin=self.settings.thin,
            adapt_delta=self.settings.adapt_delta, prob=prob,
        )

    def draws_frame(self) -> pd.DataFrame:
        """One row per draw and one column per parameter, named as brms's ``as_draws_df``.

        Examples
        --------
        >>> fit.draws_frame()[["b_Intercept", ".chain"]].head(2)  # doctest: +SKIP
        """
        chains, draws = self.draws.num_chains, self.draws.num_draws
        frame = pd.DataFrame(
            {p.name: self.draws.column(p.column).ravel() for p in self.spec.names}
        )
        frame["lp__"] = self.draws.column("lp__").ravel()
        frame[".chain"] = np.repeat(np.arange(1, chains + 1), draws)
        frame[".iteration"] = np.tile(np.arange(1, draws + 1), chains)
        frame[".draw"] = np.arange(1, chains * draws + 1)
        return frame

    def to_inference_data(self) -> InferenceData:
        """ArviZ InferenceData: posterior (brms names), log_likelihood, posterior_predictive,
        observed_data and sample_stats."""
        return to_inference_data(self)

    def log_lik(self, newdata: pd.DataFrame | None = None, **kwargs: Any) -> np.ndarray:
        """Pointwise log-likelihood, draws x observations (brms's ``log_lik``).

        Examples
        --------
        >>> fit.log_lik().shape  # doctest: +SKIP
        (4000, 236)
        """
        return predict.log_lik(self.spec, self._variables, newdata, **kwargs)

    def posterior_epred(self, newdata: pd.DataFrame | None = None, **kwargs: Any) -> np.ndarray:
        """Expected value of the response per draw (brms's ``posterior_epred``)."""
        return predict.posterior_epred(self.spec, self._variables, newdata, **kwargs)

    def posterior_predict(self, newdata: pd.DataFrame | None = None, **kwargs: Any) -> np.ndarray:
        """Draws from the posterior predictive distribution (brms's ``posterior_predict``)."""
        return predict.posterior_predict(self.spec, self._variables, newdata, **kwargs)

    def posterior_linpred(self, newdata: pd.DataFrame | None = None, **kwargs: Any) -> np.ndarray:
        """Linear predictor per draw (brms's ``posterior_linpred``)."""
        return predict.posterior_linpred(self.spec, self._variables, newdata, **kwargs)

    def loo(self) -> ELPDData:
        """PSIS leave-one-out cross-validation (ArviZ's ``loo``), as brms's ``loo()``."""
        return loo(self)

    @cached_property
    def _variables(self) -> dict[str, np.ndarray]:
        return self.draws.variables()

    def update(self, *, show_progress: bool = True, **settings: Any) -> BrmsFit:
        """Sample again with other sampler settings, reusing the compiled program.

        Changing ``chains``, ``iter_warmup``, ``iter_sampling``, ``seed``, ``threads``
        (thread count or grainsize) never recompiles: the grainsize is data. Going
        between the plain and the threaded program, or between ``static=False`` and
        ``static=True``, renders another program, compiled once and then cached.

        Examples
        --------
        >>> import pybrms as bm
        >>> fit2 = fit.update(chains=1, threads=bm.threading(4, grainsize=250))  # doctest: +SKIP
        """
        unknown = set(settings) - set(SamplerSettings.__dataclass_fields__) - {"extra"}
        if unknown:
            raise TypeError(
                f"update() got unknown setting(s) {', '.join(sorted(unknown))}; valid: "
                f"{', '.join(f for f in SamplerSettings.__dataclass_fields__ if f != 'extra')}"
            )
        new = replace(self.settings, **settings)
        new.check()
        code = render(self.spec, new.threads)
        model = (self.model if code == self.model.stan_code
                 else compile_model(code, show_progress=show_progress))
        return run(self.spec, model, new, data_name=self.data_name, show_progress=show_progress)


def run(spec: ModelSpec, model: CompiledModel, settings: SamplerSettings, *, data_name: str,
        show_progress: bool) -> BrmsFit:
    """Sample ``model`` for ``spec`` with ``settings`` and wrap the result."""
    standata = make_standata(spec, settings.threads)
    draws = model.sample(standata, show_progress=show_progress, **settings.sample_kwargs())
    return BrmsFit(spec=spec, standata=standata, draws=draws, model=model, settings=settings,
                   data_name=data_name)
