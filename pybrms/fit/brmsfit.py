"""BrmsFit: a fitted model — its spec, data, draws and compiled program."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pybrms.backends import CompiledModel, check_sample_args
from pybrms.codegen import render
from pybrms.draws import Draws
from pybrms.errors import SpecError, warn_user
from pybrms.fit import (
    conditional_effects,
    criteria,
    estimates,
    mcmc_plot,
    multivariate,
    pp_check,
    predict,
    prediction_summaries,
    r2,
    storage,
)
from pybrms.fit import hypothesis as hypotheses
from pybrms.fit import kfold as kfolds
from pybrms.fit.arviz import loo, to_inference_data
from pybrms.fit.diagnostics import Diagnostics, SamplingWarning, diagnose
from pybrms.fit.program import StanProgram
from pybrms.fit.settings import SamplerSettings
from pybrms.fit.summary import Summary, summarize
from pybrms.spec.model_spec import ModelSpec
from pybrms.spec.multivariate import MvSpec, rebuild_model
from pybrms.standata import make_standata

if TYPE_CHECKING:
    from arviz import ELPDData, InferenceData
    from matplotlib.figure import Figure


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

    spec: ModelSpec | MvSpec
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
    def univariate_spec(self) -> ModelSpec:
        """The spec of a univariate model, for the methods multivariate models lack yet.

        Raises
        ------
        SpecError
            For a multivariate model.
        """
        if isinstance(self.spec, MvSpec):
            raise SpecError(
                "This method is not supported for multivariate models yet; they have "
                "summary(), log_lik(), posterior_epred(), posterior_predict(), fitted(), "
                "predict(), loo(resp=), bayes_R2(), pp_check(resp=), hypothesis(), "
                "conditional_effects() and kfold()."
            )
        return self.spec

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
        # draws from the priors are independent draws, not a Markov chain to diagnose
        columns = [p.column for p in self.spec.names if p.cls != "prior"] + ["lp__"]
        return diagnose(
            self.draws,
            columns,
            adapt_delta=self.settings.adapt_delta,
            max_treedepth=self.settings.max_treedepth,
        )

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
            self.spec,
            self.draws,
            data_name=self.data_name,
            iter_warmup=self.settings.iter_warmup,
            iter_sampling=self.settings.iter_sampling,
            thin=self.settings.thin,
            warnings=self.diagnostics.messages(),
            prob=prob,
        )

    def draws_frame(
        self, variable: str | Sequence[str] | None = None, *, regex: bool = False
    ) -> pd.DataFrame:
        """One row per draw and one column per parameter, as brms's ``as_draws_df``;
        ``variable`` selects names (regular expressions with ``regex=True``).

        Examples
        --------
        >>> fit.draws_frame("^b_", regex=True).columns[:2].tolist()  # doctest: +SKIP
        ['b_Intercept', 'b_x']
        """
        return estimates.draws_frame(self, variable, regex=regex)

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
        if isinstance(self.spec, MvSpec):
            out = multivariate.mv_log_lik(self.spec, self._variables, newdata, **kwargs)
        else:
            out = predict.log_lik(self.spec, self._variables, newdata, **kwargs)
        if np.isnan(out).any():
            # as brms: missing responses (estimated by mi()) have no log-likelihood
            warn_user(
                "NaNs were found in the log-likelihood: some responses are missing. With "
                "mi(), predict the complete rows through 'newdata' (or, in a multivariate "
                "model, choose a response without missing values through 'resp')."
            )
        return out

    def posterior_epred(self, newdata: pd.DataFrame | None = None, **kwargs: Any) -> np.ndarray:
        """Expected value of the response per draw (brms's ``posterior_epred``); for a
        multivariate model ``(S, N, nresp)``, or ``(S, N)`` of the response ``resp=``."""
        if isinstance(self.spec, MvSpec):
            return multivariate.mv_posterior_epred(self.spec, self._variables, newdata, **kwargs)
        return predict.posterior_epred(self.spec, self._variables, newdata, **kwargs)

    def posterior_predict(self, newdata: pd.DataFrame | None = None, **kwargs: Any) -> np.ndarray:
        """Draws from the posterior predictive distribution (brms's ``posterior_predict``);
        for a multivariate model ``(S, N, nresp)``, or ``(S, N)`` of the response ``resp=``."""
        if isinstance(self.spec, MvSpec):
            return multivariate.mv_posterior_predict(self.spec, self._variables, newdata, **kwargs)
        return predict.posterior_predict(self.spec, self._variables, newdata, **kwargs)

    def posterior_linpred(self, newdata: pd.DataFrame | None = None, **kwargs: Any) -> np.ndarray:
        """Linear predictor per draw (brms's ``posterior_linpred``): ``(S, N)``; for a
        multivariate model ``(S, N, nresp)``, or ``(S, N)`` of the response ``resp=``."""
        if isinstance(self.spec, MvSpec):
            return multivariate.mv_posterior_linpred(self.spec, self._variables, newdata, **kwargs)
        return predict.posterior_linpred(self.univariate_spec, self._variables, newdata, **kwargs)

    def loo(self, resp: str | None = None) -> ELPDData:
        """PSIS leave-one-out cross-validation (ArviZ's ``loo``), as brms's ``loo()``; of
        one response of a multivariate model with ``resp=``.

        Examples
        --------
        >>> fit.loo(resp="y1").elpd_loo  # doctest: +SKIP
        -412.3
        """
        return loo(self, resp)

    @cached_property
    def _variables(self) -> dict[str, np.ndarray]:
        return self.draws.variables()

    def update(
        self,
        *,
        newdata: pd.DataFrame | None = None,
        show_progress: bool = True,
        **changes: Any,
    ) -> BrmsFit:
        """Sample again with other sampling arguments or on other data, on the same backend.

        Takes every sampling argument of :func:`pybrms.brm`: ``chains``, ``iter``,
        ``warmup``, ``thin``, ``threads`` (an int or :func:`pybrms.threading`),
        ``seed``, ``init``, ``control``, ``parallel`` and ``normalize``. Arguments not given keep
        this fit's values; ``control`` changes only the keys it names; a new
        ``iter`` without ``warmup`` sets ``warmup = iter // 2``. ``newdata``, as
        brms's ``update(fit, newdata = )``, fits the same model (formula, family, the
        user's priors, ``data2``, stanvars, knots) to other data, with the default
        priors of those data.

        Changing ``chains``, ``iter``, ``seed`` or the thread count or grainsize
        never recompiles: the grainsize is data. Neither do new data of the same
        structure: a program depends only on the model's structure, and every number
        the data decide (default prior locations and scales, the smallest response
        ``min_Y``, the numbers of rows and levels) is data or computed by the program.
        Going between the plain and the threaded program, or between
        ``static=False`` and ``static=True``, renders another program, compiled once
        on this fit's backend and cached; so does changing ``normalize``.

        Raises
        ------
        pybrms.errors.SettingsError
            For an argument that is not a sampling argument, or a bad value.
        pybrms.errors.SpecError
            For ``newdata`` the model cannot be built on (a missing column, a response
            outside the family's support, ...), before anything is compiled.

        Examples
        --------
        >>> import pybrms as bm
        >>> fit2 = fit.update(chains=1, threads=bm.threading(4, grainsize=250))  # doctest: +SKIP
        >>> fit3 = fit.update(iter=4000, control={"adapt_delta": 0.95})  # doctest: +SKIP
        >>> replicate = fit.update(newdata=simulated)  # doctest: +SKIP
        """
        settings = self.settings.updated(**changes)
        spec = self.spec if newdata is None else rebuild_model(self.spec, newdata)
        code = render(spec, settings.threads, normalize=settings.normalize)
        program = self.program if code == self.stan_code else StanProgram(code, self.backend)
        return sample(
            spec, program, settings, data_name=self.data_name, show_progress=show_progress
        )

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

    # brms's post-fit toolbox: each method delegates to its module in pybrms.fit.
    def fixef(self, **kwargs: Any) -> pd.DataFrame:
        """Population-level effects, brms's ``fixef()``: :func:`pybrms.fit.estimates.fixef`."""
        return estimates.fixef(self, **kwargs)

    def ranef(self, **kwargs: Any) -> dict[str, pd.DataFrame]:
        """Group-level effects, brms's ``ranef()``: :func:`pybrms.fit.estimates.ranef`."""
        return estimates.ranef(self, **kwargs)

    def coef(self, **kwargs: Any) -> dict[str, pd.DataFrame]:
        """Fixed plus group-level effects: :func:`pybrms.fit.estimates.coef`."""
        return estimates.coef(self, **kwargs)

    def VarCorr(self, **kwargs: Any) -> dict[str, dict[str, pd.DataFrame]]:
        """Group-level SDs, correlations, covariances: :func:`pybrms.fit.estimates.VarCorr`."""
        return estimates.VarCorr(self, **kwargs)

    def posterior_summary(self, variable: Any = None, **kwargs: Any) -> pd.DataFrame:
        """brms's ``posterior_summary()``: :func:`pybrms.fit.estimates.posterior_summary`."""
        return estimates.posterior_summary(self, variable, **kwargs)

    def posterior_interval(self, variable: Any = None, **kwargs: Any) -> pd.DataFrame:
        """Central intervals (default 90%): :func:`pybrms.fit.estimates.posterior_interval`."""
        return estimates.posterior_interval(self, variable, **kwargs)

    def prior_summary(self) -> pd.DataFrame:
        """The prior table of the model, as brms's ``prior_summary()``."""
        return self.spec.priors.to_frame()

    def fitted(self, newdata: pd.DataFrame | None = None, **kwargs: Any) -> pd.DataFrame:
        """Expected values per row: :func:`pybrms.fit.prediction_summaries.fitted`."""
        return prediction_summaries.fitted(self, newdata, **kwargs)

    def predict(self, newdata: pd.DataFrame | None = None, **kwargs: Any) -> pd.DataFrame:
        """Predictions per row: :func:`pybrms.fit.prediction_summaries.predict`."""
        return prediction_summaries.predict(self, newdata, **kwargs)

    def predictive_error(self, newdata: pd.DataFrame | None = None, **kwargs: Any) -> pd.DataFrame:
        """Draws of ``y - yrep``: :func:`pybrms.fit.prediction_summaries.predictive_error`."""
        return prediction_summaries.predictive_error(self, newdata, **kwargs)

    def residuals(self, newdata: pd.DataFrame | None = None, **kwargs: Any) -> pd.DataFrame:
        """Residuals per row: :func:`pybrms.fit.prediction_summaries.residuals`."""
        return prediction_summaries.residuals(self, newdata, **kwargs)

    def bayes_R2(self, **kwargs: Any) -> pd.DataFrame:
        """Bayesian R², brms's ``bayes_R2()``: :func:`pybrms.fit.r2.bayes_R2`."""
        return r2.bayes_R2(self, **kwargs)

    def loo_R2(self, **kwargs: Any) -> pd.DataFrame:
        """Leave-one-out R², brms's ``loo_R2()``: :func:`pybrms.fit.r2.loo_R2`."""
        return r2.loo_R2(self, **kwargs)

    def waic(self) -> criteria.Criterion:
        """WAIC, brms's ``waic()``: :func:`pybrms.fit.criteria.waic`."""
        return criteria.waic(self)

    def kfold(self, K: int = 10, **kwargs: Any) -> kfolds.KFold:
        """Exact K-fold cross-validation, brms's ``kfold()``: :func:`pybrms.fit.kfold.kfold`."""
        return kfolds.kfold(self, K, **kwargs)

    def loo_compare(self, *others: BrmsFit, **kwargs: Any) -> pd.DataFrame:
        """This fit against ``others``: :func:`pybrms.fit.criteria.loo_compare`."""
        return criteria.loo_compare(self, *others, **kwargs)

    def hypothesis(self, hypothesis: Any, **kwargs: Any) -> hypotheses.Hypothesis:
        """Test hypotheses, brms's ``hypothesis()``: :func:`pybrms.fit.hypothesis.hypothesis`."""
        return hypotheses.hypothesis(self, hypothesis, **kwargs)

    def pp_check(self, type: str = "dens_overlay", **kwargs: Any) -> Figure:
        """Posterior predictive check: :func:`pybrms.fit.pp_check.pp_check`."""
        return pp_check.pp_check(self, type, **kwargs)

    def conditional_effects(
        self, effects: Any = None, **kwargs: Any
    ) -> conditional_effects.ConditionalEffects:
        """Conditional effects: :func:`pybrms.fit.conditional_effects.conditional_effects`."""
        return conditional_effects.conditional_effects(self, effects, **kwargs)

    def mcmc_plot(self, type: str = "intervals", variable: Any = None, **kwargs: Any) -> Figure:
        """Plots of the draws, brms's ``mcmc_plot()``: :func:`pybrms.fit.mcmc_plot.mcmc_plot`."""
        return mcmc_plot.mcmc_plot(self, type, variable, **kwargs)


def sample(
    spec: ModelSpec | MvSpec,
    program: StanProgram,
    settings: SamplerSettings,
    *,
    data_name: str,
    show_progress: bool,
    warn: bool = True,
) -> BrmsFit:
    """Sample ``program`` for ``spec`` with ``settings``, warn about its diagnostics
    (unless ``warn`` is False: the caller reports them), wrap it.

    Inits are checked against the program's parameters before anything compiles.
    """
    check_sample_args(program.backend, settings.check())
    program.check_init(settings.init)
    model = program.model(show_progress=show_progress)
    standata = make_standata(spec, settings.threads)
    draws = model.sample(standata, show_progress=show_progress, **settings.sample_kwargs())
    fit = BrmsFit(
        spec=spec,
        standata=standata,
        draws=draws,
        program=program,
        settings=settings,
        data_name=data_name,
    )
    for message in fit.diagnostics.messages() if warn else ():
        warn_user(message, SamplingWarning)
    return fit
