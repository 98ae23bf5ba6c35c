"""brm(): formula + data + family -> Stan program -> NUTS -> BrmsFit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from pybrms.backends import BackendName
from pybrms.backends.sample_args import DEFAULT_CHAINS, DEFAULT_ITER, Init, Parallel
from pybrms.codegen import render
from pybrms.fit.brmsfit import BrmsFit, sample
from pybrms.fit.program import StanProgram
from pybrms.fit.settings import SamplerSettings
from pybrms.priors import Priors
from pybrms.scheduler import Threading
from pybrms.spec import build_model
from pybrms.spec.multivariate import ModelFamily, ModelFormula
from pybrms.spec.prior_draws import SamplePrior
from pybrms.spec.stanvars import Stanvars


def brm(
    formula: ModelFormula,
    data: pd.DataFrame,
    family: ModelFamily = "gaussian",
    prior: Priors | None = None,
    *,
    data2: Mapping[str, Any] | None = None,
    stanvars: Stanvars | None = None,
    knots: Mapping[str, Sequence[float]] | None = None,
    sample_prior: SamplePrior | bool = "no",
    chains: int = DEFAULT_CHAINS,
    iter: int = DEFAULT_ITER,
    warmup: int | None = None,
    thin: int = 1,
    threads: Threading | int | None = None,
    seed: int | None = None,
    init: Init = None,
    control: Mapping[str, Any] | None = None,
    backend: BackendName = "auto",
    parallel: Parallel = "threads",
    normalize: bool = True,
    data_name: str | None = None,
    show_progress: bool = True,
) -> BrmsFit:
    """Fit a Bayesian regression model with brms's syntax, defaults and names.

    Parameters
    ----------
    formula
        A brms formula, e.g. ``"count ~ zAge + zBase * Trt + (1|patient)"``, or
        :func:`pybrms.bf` for distributional models.
    data
        A DataFrame with every column the formula uses. Rows with missing values
        in those columns are dropped with a warning.
    family
        ``"gaussian"``, ``"student"``, ``"poisson"``, ``"negbinomial"``,
        ``"bernoulli"``, ``"binomial"``, ``"lognormal"``, ``"Gamma"``, ``"beta"``,
        ``"cumulative"``, or :func:`pybrms.family` for another link.
    prior
        User priors, :func:`pybrms.prior` combined with ``+``; brms's defaults
        for everything else.
    data2
        As brms's ``data2``: data that are not one value per row, by name, such as
        the known covariance matrix ``A`` of ``(1 | gr(g, cov = A))``, a pandas
        DataFrame whose index and columns are the levels of ``g``.
    stanvars
        Stan code added to the program, :func:`pybrms.stanvar` (one or a list): the
        functions of a :func:`pybrms.custom_family`.
    knots
        Knots of cubic regression smooths by variable, as brms's ``knots``:
        ``{"x": [0, 1, 2, 3, 4]}`` for ``s(x, bs = "cr", k = 5)`` (``k`` knots, or the
        two ends of the cycle for ``bs = "cc"``).
    sample_prior
        As brms: ``"no"``; ``"yes"`` adds draws from the priors (``prior_b``,
        ``prior_Intercept``, ``prior_sigma``, ``prior_sd_<group>``, ...; see
        :mod:`pybrms.spec.prior_draws`), which :meth:`~BrmsFit.hypothesis` uses for
        the evidence ratio of point hypotheses; ``"only"`` samples from the
        priors alone (the same program as ``"no"``, the likelihood switched off
        by the data), which needs a proper prior on every parameter.
    chains, iter, warmup, thin
        As in brms: ``iter`` counts warmup too; ``warmup`` defaults to ``iter // 2``;
        ``thin`` must not exceed ``iter - warmup``.
    threads
        :func:`pybrms.threading` (or an int) for within-chain parallelism with a
        ``reduce_sum`` likelihood; None samples the plain program.
    seed, init
        Random seed; inits: ``"random"`` (uniform on (-2, 2) on the unconstrained
        scale), ``"0"``, a radius, a dict of parameter values, or one dict per chain.
        Dicts may only name parameters of the Stan program (see ``stancode()``).
    control
        ``{"adapt_delta": ..., "max_treedepth": ...}``.
    backend
        ``"auto"``, ``"embedded"``, ``"cmdstanpy"`` or ``"nutpie"`` (nutpie's NUTS on
        the compiled model's gradient; ``pip install 'pybrms[nutpie]'``). ``"auto"`` is
        resolved once, and ``update()`` stays on the fit's backend.
    parallel
        ``"threads"`` (all chains in one process) or ``"processes"`` (one per chain).
    normalize
        As brms: True (the default) keeps the normalizing constants of the
        likelihood; False writes it with Stan's ``_lupmf``/``_lupdf``, which drop
        them (``lgamma(Y + 1)`` per row of a Poisson model, for instance), so each
        gradient costs less. The posterior is the same; ``lp__`` differs by a
        constant. Priors in ``lprior`` stay normalized (see docs/backends.md).
    data_name
        Name shown in the summary; defaults to ``"data"``.
    show_progress
        Progress bars while compiling and sampling.

    Returns
    -------
    BrmsFit

    Raises
    ------
    pybrms.errors.SpecError
        The formula, data, family or priors do not make a model.
    pybrms.errors.SettingsError
        A sampling argument is invalid (named with its value and rule); raised
        before anything is compiled.

    Warns
    -----
    pybrms.fit.diagnostics.SamplingWarning
        One per problem the sampler diagnostics show, in brms's words:
        divergent transitions, transitions at the maximum tree depth, chains with
        low E-BFMI, R-hat above 1.05, low bulk or tail ESS.

    Examples
    --------
    >>> import pybrms as bm
    >>> df = bm.datasets.load_epilepsy()  # doctest: +SKIP
    >>> fit = bm.brm("count ~ zAge + zBase * Trt + (1|patient)", data=df,
    ...              family="poisson", chains=2, threads=bm.threading(2))  # doctest: +SKIP
    >>> print(fit.summary())  # doctest: +SKIP
    """
    settings = SamplerSettings.from_brm(
        chains=chains,
        iter=iter,
        warmup=warmup,
        thin=thin,
        threads=threads,
        seed=seed,
        init=init,
        control=control,
        parallel=parallel,
        normalize=normalize,
    )  # sampler arguments fail here, before the compile
    spec = build_model(formula, data, family, prior, sample_prior, data2, stanvars, knots)
    program = StanProgram(render(spec, settings.threads, normalize=normalize), backend)
    return sample(
        spec, program, settings, data_name=data_name or "data", show_progress=show_progress
    )
