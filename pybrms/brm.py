"""brm(): formula + data + family -> Stan program -> NUTS -> BrmsFit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pybrms.backends import BackendName, check_sample_args, compile_model
from pybrms.codegen import render
from pybrms.fit.brmsfit import BrmsFit, SamplerSettings, run
from pybrms.priors import Priors
from pybrms.scheduler import Threading
from pybrms.spec import build_spec
from pybrms.spec.build import FamilyLike, FormulaLike

CONTROL_KEYS = ("adapt_delta", "max_treedepth")


def brm(
    formula: FormulaLike,
    data: pd.DataFrame,
    family: FamilyLike = "gaussian",
    prior: Priors | None = None,
    *,
    chains: int = 4,
    iter: int = 2000,
    warmup: int | None = None,
    thin: int = 1,
    threads: Threading | int | None = None,
    seed: int | None = None,
    init: Any = None,
    control: Mapping[str, float] | None = None,
    backend: BackendName = "auto",
    parallel: str = "threads",
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
    chains, iter, warmup, thin
        As in brms: ``iter`` counts warmup too; ``warmup`` defaults to ``iter // 2``.
    threads
        :func:`pybrms.threading` (or an int) for within-chain parallelism with a
        ``reduce_sum`` likelihood; None samples the plain program.
    seed, init
        Random seed; inits (a radius, a dict, or one dict per chain).
    control
        ``{"adapt_delta": ..., "max_treedepth": ...}``.
    backend
        ``"auto"``, ``"embedded"``, ``"cmdstanpy"`` or ``"nutpie"`` (nutpie's NUTS on
        the compiled model's gradient; ``pip install 'pybrms[nutpie]'``).
    parallel
        ``"threads"`` (all chains in one process) or ``"processes"`` (one per chain).
    data_name
        Name shown in the summary; defaults to ``"data"``.
    show_progress
        Progress bars while compiling and sampling.

    Returns
    -------
    BrmsFit

    Examples
    --------
    >>> import pybrms as bm
    >>> df = bm.datasets.load_epilepsy()  # doctest: +SKIP
    >>> fit = bm.brm("count ~ zAge + zBase * Trt + (1|patient)", data=df,
    ...              family="poisson", chains=2, threads=bm.threading(2))  # doctest: +SKIP
    >>> print(fit.summary())  # doctest: +SKIP
    """
    control = dict(control or {})
    unknown = set(control) - set(CONTROL_KEYS)
    if unknown:
        raise ValueError(
            f"control has unknown key(s) {', '.join(sorted(unknown))}; valid: "
            f"{', '.join(CONTROL_KEYS)}"
        )
    if isinstance(iter, bool) or not isinstance(iter, int) or iter < 2:
        raise ValueError(f"iter must be an integer >= 2, got {iter!r}")
    warmup = iter // 2 if warmup is None else warmup
    if not 0 <= warmup < iter:
        raise ValueError(f"warmup must lie in [0, iter) = [0, {iter}), got {warmup!r}")
    if isinstance(threads, int) and not isinstance(threads, bool):
        threads = Threading(threads)
    spec = build_spec(formula, data, family, prior)
    settings = SamplerSettings(
        chains=chains, iter_warmup=warmup, iter_sampling=iter - warmup, thin=thin, seed=seed,
        init=init, threads=threads, parallel=parallel, **control,
    )
    check_sample_args(backend, settings.check())  # sampler arguments fail before the compile
    model = compile_model(render(spec, threads), backend, show_progress=show_progress)
    return run(spec, model, settings, data_name=data_name or "data",
               show_progress=show_progress)

