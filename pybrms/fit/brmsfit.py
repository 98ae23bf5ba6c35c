"""BrmsFit: a fitted model — its spec, data, draws and compiled program."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pybrms.backends import CompiledModel
from pybrms.codegen import render
from pybrms.draws import Draws
from pybrms.fit import predict, storage
from pybrms.fit.arviz import loo, to_inference_data
from pybrms.fit.diagnostics import Diagnostics, diagnose, warn_user
from pybrms.fit.program import StanProgram
from pybrms.fit.settings import SamplerSettings
from pybrms.fit.summary import Summary, summarize
from pybrms.spec.model_spec import ModelSpec
from pybrms.standata import make_standata

if TYPE_CHECKING:
    from arviz import ELPDData, InferenceData


@dataclass(frozen=True, eq=False)
class BrmsFit:
    """A fitted brms-style model (returned by :func:`pybrms.brm`).

    A fit pickles (the compiled model as its code and backend, found again in
    the compile cache or rebuilt when a run needs it); :meth:`save` and
    :func:`pybrms.load` keep it in a file.

    Attributes
    ----------
    spec
        The model description.
    standata
        The data passed to Stan.
    draws
        Draws of every Stan variable and the sampler diagnostics.
    program
        The Stan program and its backend (reused by :meth:`update`).
    settings
        Sampler settings of this run.
    data_name
        How the data are called in the summary header.
    """

    spec: ModelSpec
    standata: dict[str, Any]
    draws: Draws
    program: StanProgram
    settings: SamplerSettings
    data_name: str = "data"

    def __repr__(self) -> str:
        # As brms's print(fit): the summary, not the arrays behind it.
        return str(self.summary())

    def __getstate__(self) -> dict[str, Any]:
        # Cached views of the draws are rebuilt on demand, not stored.
        return {k: v for k, v in self.__dict__.items() if k not in ("_variables", "diagnostics")}

    @property
    def stan_code(self) -> str:
        """The Stan program that was sampled."""
        return self.program.stan_code

    @property
    def backend(self) -> str:
        """The backend that compiled and sampled the program (``"embedded"``, ``"cmdstanpy"``)."""
        return self.program.backend

    @property
    def model(self) -> CompiledModel:
        """The compiled program, from the compile cache (or compiled now after :func:`load`)."""
        return self.program.model()

    @cached_property
    def diagnostics(self) -> Diagnostics:
        """Divergences, tree depth, E-BFMI, R-hat and ESS of this run (see :meth:`summary`)."""
        columns = [p.column for p in self.spec.names] + ["lp__"]
        return diagnose(self.draws, columns, adapt_delta=self.settings.adapt_delta,
                        max_treedepth=self.settings.max_treedepth)

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
            warnings=self.diagnostics.messages(), prob=prob,
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

    def update(self, *, show_progress: bool = True, **changes: Any) -> BrmsFit:
        """Sample again with other sampling arguments, on the same backend.

        Takes every sampling argument of :func:`pybrms.brm`: ``chains``, ``iter``,
        ``warmup``, ``thin``, ``threads`` (an int or :func:`pybrms.threading`),
        ``seed``, ``init``, ``control`` and ``parallel``. Arguments not given keep
        this fit's values; ``control`` changes only the keys it names; a new
        ``iter`` without ``warmup`` sets ``warmup = iter // 2``.

        Changing ``chains``, ``iter``, ``seed`` or the thread count or grainsize
        never recompiles: the grainsize is data. Going between the plain and the
        threaded program, or between ``static=False`` and ``static=True``,
        renders another program, compiled once on this fit's backend and cached.

        Raises
        ------
        pybrms.errors.SettingsError
            For an argument that is not a sampling argument, or a bad value.

        Examples
        --------
        >>> import pybrms as bm
        >>> fit2 = fit.update(chains=1, threads=bm.threading(4, grainsize=250))  # doctest: +SKIP
        >>> fit3 = fit.update(iter=4000, control={"adapt_delta": 0.95})  # doctest: +SKIP
        """
        settings = self.settings.updated(**changes)
        code = render(self.spec, settings.threads)
        program = self.program if code == self.stan_code else StanProgram(code, self.backend)
        return sample(self.spec, program, settings, data_name=self.data_name,
                      show_progress=show_progress)

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        """Write this fit to a file that :func:`pybrms.load` reads back.

        See :mod:`pybrms.fit.storage` for the file format. The file is written
        to a temporary name and renamed, so a failed write leaves nothing behind.

        Parameters
        ----------
        path
            The file to write (``.pybrms`` by convention).
        overwrite
            Replace an existing file; without it an existing file is an error.

        Raises
        ------
        pybrms.fit.storage.FitFileError
            ``path`` exists and ``overwrite`` is False, or cannot be written.

        Examples
        --------
        >>> fit.save("epilepsy.pybrms")  # doctest: +SKIP
        >>> fit = bm.load("epilepsy.pybrms")  # doctest: +SKIP
        """
        storage.save(self, path, overwrite=overwrite)


def sample(spec: ModelSpec, program: StanProgram, settings: SamplerSettings, *, data_name: str,
           show_progress: bool) -> BrmsFit:
    """Sample ``program`` for ``spec`` with ``settings``, warn about its diagnostics, wrap it.

    Inits are checked against the program's parameters before anything compiles.
    """
    program.check_init(settings.init)
    model = program.model(show_progress=show_progress)
    standata = make_standata(spec, settings.threads)
    draws = model.sample(standata, show_progress=show_progress, **settings.sample_kwargs())
    fit = BrmsFit(spec=spec, standata=standata, draws=draws, program=program, settings=settings,
                  data_name=data_name)
    for message in fit.diagnostics.messages():
        warn_user(message)
    return fit
