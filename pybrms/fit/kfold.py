"""Exact K-fold cross-validation, brms's ``kfold()``.

The rows of the fit are split into K folds (:func:`kfold_split_random`,
:func:`kfold_split_stratified` and :func:`kfold_split_grouped` follow the
``loo`` package's helpers). For each fold the model is built again on the
other rows and sampled, and the held-out rows are scored with ``log_lik`` on
new data, new grouping levels allowed (their effects drawn from the fitted
group-level distribution, as brms). The K refits run in parallel on an
executor of :mod:`pybrms.scheduler` and reuse the compiled program: priors and
every data-dependent constant are Stan data, so a fold compiles nothing (a fold
whose training rows give another program, e.g. a factor level missing from
them, compiles that program once, before any sampling).

The result is a :class:`KFold` criterion: ``elpd_kfold_i = log mean_s
p(y_i | theta_s^(-k(i)))``, ``p_kfold_i = lpd_i - elpd_kfold_i`` (``lpd_i`` of the
fit on all rows) and ``kfoldic = -2 elpd_kfold``, which
:func:`~pybrms.fit.criteria.loo_compare` compares.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from pybrms.backends import CompiledModel
from pybrms.codegen import render
from pybrms.errors import SettingsError, SpecError, warn_user
from pybrms.fit.criteria import Criterion
from pybrms.fit.diagnostics import SamplingWarning
from pybrms.fit.program import StanProgram
from pybrms.fit.settings import SamplerSettings
from pybrms.progress import SafeBar
from pybrms.scheduler import ExecutorSpec, open_executor
from pybrms.spec.model_spec import ModelSpec
from pybrms.spec.multivariate import MvSpec, rebuild_model

if TYPE_CHECKING:
    from pybrms.fit.brmsfit import BrmsFit

__all__ = [
    "KFold",
    "kfold",
    "kfold_split_grouped",
    "kfold_split_random",
    "kfold_split_stratified",
]

FOLD_TYPES = ("stratified", "grouped", "loo")


@dataclass(frozen=True)
class KFold(Criterion):
    """The K-fold criterion of one fit, with how its rows were split.

    Attributes
    ----------
    K
        Number of folds.
    folds
        Fold (1..K) of every row of the fit.
    fold_type
        ``"random"``, ``"group"`` (one fold per level of ``group``),
        ``"stratified"``, ``"grouped"``, ``"loo"`` or ``"custom"``.
    """

    K: int = 0
    folds: np.ndarray | None = None
    fold_type: str = "random"


def kfold_split_random(K: int, N: int, rng: np.random.Generator) -> np.ndarray:
    """Folds 1..K of N rows, of sizes differing by at most one, at random
    (``loo::kfold_split_random``).

    Examples
    --------
    >>> folds = kfold_split_random(3, 10, np.random.default_rng(1))
    >>> np.bincount(folds)[1:].tolist()
    [3, 3, 4]
    """
    perm = rng.permutation(N) + 1
    breaks = np.ceil(np.linspace(1, N, K + 1))
    # R's .bincode(right = FALSE, include.lowest = TRUE): [b_k, b_k+1), the last closed
    return np.minimum(np.searchsorted(breaks, perm, side="right"), K)


def kfold_split_stratified(K: int, x: Sequence[Any], rng: np.random.Generator) -> np.ndarray:
    """Folds 1..K in which each category of ``x`` is spread as evenly as possible
    (``loo::kfold_split_stratified``).

    Examples
    --------
    >>> x = ["a"] * 6 + ["b"] * 3
    >>> folds = kfold_split_stratified(3, x, np.random.default_rng(1))
    >>> pd.crosstab(np.array(x), folds).to_numpy().tolist()
    [[2, 2, 2], [1, 1, 1]]
    """
    codes, _ = pd.factorize(pd.Series(x), sort=True)
    order = np.concatenate([rng.permutation(np.flatnonzero(codes == c)) for c in np.unique(codes)])
    folds = np.empty(len(codes), dtype=int)
    folds[order] = np.arange(len(codes)) % K + 1
    return folds


def kfold_split_grouped(K: int, x: Sequence[Any], rng: np.random.Generator) -> np.ndarray:
    """Folds 1..K keeping all rows of a level of ``x`` together; the levels are dealt
    to folds at random, their numbers per fold differing by at most one
    (``loo::kfold_split_grouped``).

    Raises
    ------
    SpecError
        If ``x`` has fewer than K levels.

    Examples
    --------
    >>> x = ["a", "a", "b", "c", "c", "d"]
    >>> folds = kfold_split_grouped(2, x, np.random.default_rng(1))
    >>> all(len(set(folds[np.array(x) == g])) == 1 for g in "abcd")
    True
    """
    codes, levels = pd.factorize(pd.Series(x), sort=True)
    if len(levels) < K:
        raise SpecError(
            f"K={K} folds need at least K levels of the grouping, which has {len(levels)}."
        )
    level_folds = np.arange(len(levels)) % K + 1
    return rng.permutation(level_folds)[codes]


def kfold(
    fit: BrmsFit,
    K: int = 10,
    *,
    folds: str | Sequence[int] | np.ndarray | None = None,
    group: str | None = None,
    executor: ExecutorSpec = "processes",
    workers: int | None = None,
    seed: int | None = None,
    show_progress: bool = True,
    resp: str | None = None,
    **changes: Any,
) -> KFold:
    """Exact K-fold cross-validation, brms's ``kfold()``.

    Parameters
    ----------
    fit
        The fitted model; its rows are split.
    K
        Number of folds.
    folds
        How rows are split: None (at random; with ``group``, one fold per level
        of ``group`` and ``K`` ignored, as brms), ``"stratified"`` (each level of
        ``group`` spread evenly over the folds; ``group`` may name the response
        to stratify by it), ``"grouped"`` (all rows of a level of ``group`` in
        one fold, K folds), ``"loo"`` (one fold per row), or one fold label per
        row.
    group
        A column of the fit's data, for the fold types above.
    executor
        Where the refits run (see :func:`pybrms.scheduler.open_executor`):
        ``"processes"`` (default), ``"threads"``, another pool name, a
        ``concurrent.futures`` executor or a ``dask.distributed.Client``; None
        runs them one after the other. Each refit runs its chains as the fit did.
    workers
        Refits at a time for a named executor; default: the cores divided by the
        cores one refit uses (``chains * threads``), at least 1, at most K.
    seed
        Seed of the split and of the refits (None: fresh ones).
    show_progress
        A progress bar over the folds.
    resp
        A response of a multivariate model: score its held-out log-likelihood alone
        (without residual correlations), as brms's ``kfold(fit, resp = )``; None scores
        brms's ``log_lik`` of all responses. A response with ``subset()`` is scored on
        its own rows: the folds split all rows, and ``pointwise`` has the response's.
    **changes
        Sampling arguments for the refits, as in :meth:`BrmsFit.update`
        (``chains``, ``iter``, ``warmup``, ``thin``, ``threads``, ``init``,
        ``control``, ``parallel``).

    Returns
    -------
    KFold
        ``estimates`` (elpd_kfold, p_kfold, kfoldic with SE) and ``pointwise``.

    Raises
    ------
    SpecError
        For a bad ``K``, ``folds``, ``group`` or ``resp``, or a multivariate model with
        ``subset()`` without ``resp`` (its responses have different rows), before
        anything is sampled.
    pybrms.errors.SettingsError
        For a bad sampling argument, ``workers`` or ``executor``.

    Warns
    -----
    pybrms.fit.diagnostics.SamplingWarning
        The sampler diagnostics of the refits, each message once, naming its folds.

    Examples
    --------
    >>> kf = fit.kfold(K=5, chains=2, seed=1)  # doctest: +SKIP
    >>> kf.estimates  # doctest: +SKIP
                Estimate    SE
    elpd_kfold     -31.2   3.9
    p_kfold          3.4   0.9
    kfoldic         62.4   7.8
    >>> kf_grouped = fit.kfold(K=4, folds="grouped", group="patient")  # doctest: +SKIP
    """
    scored = _scored(fit, resp)
    settings = fit.settings.updated(**changes)
    rng = np.random.default_rng(seed)
    data = fit.spec.input_data
    labels, K, fold_type = _fold_labels(data, K, folds, group, rng)
    seeds = rng.integers(0, 2**31 - 1, size=K)
    workers = _workers(workers, settings, K)
    # a response with subset() is scored on its own rows, in each fold those held out
    rows = _scored_rows(fit, scored)
    tasks = _tasks(fit, data, labels, settings, seeds, show_progress, scored, rows)
    bar = SafeBar(show_progress, total=K, desc="kfold", unit="fold")
    results: list[tuple[np.ndarray, tuple[str, ...]]] = []
    try:
        with open_executor(executor, workers) as live:
            if live is None:
                for task in tasks:
                    results.append(_refit(task))
                    bar.update_to(len(results))
            else:
                futures = [live.submit(_refit, task) for task in tasks]
                for future in futures:
                    results.append(future.result())
                    bar.update_to(len(results))
    finally:
        bar.close()
    elpd = np.empty(len(data))
    warned: dict[str, list[int]] = {}
    for k, (log_lik, messages) in enumerate(results, start=1):
        for message in messages:
            warned.setdefault(message, []).append(k)
        if log_lik.size:
            elpd[(labels == k) & rows] = logsumexp(log_lik, axis=0) - np.log(len(log_lik))
    for message, ks in warned.items():
        warn_user(
            f"Fold{'s' * (len(ks) > 1)} {', '.join(map(str, ks))} of {K}: {message}",
            SamplingWarning,
        )
    full = fit.log_lik(**scored)
    lpd = logsumexp(full, axis=0) - np.log(len(full))
    elpd = elpd[rows]
    pointwise = pd.DataFrame(
        {"elpd_kfold": elpd, "p_kfold": lpd - elpd, "kfoldic": -2 * elpd}, index=data.index[rows]
    )
    return KFold("kfold", pointwise, K=K, folds=labels[rows], fold_type=fold_type)


@dataclass(frozen=True)
class _FoldTask:
    """One refit: the model on the training rows, then ``log_lik`` of the held-out rows."""

    spec: ModelSpec | MvSpec
    program: tuple[str, str]  # Stan code and backend
    model: CompiledModel
    settings: SamplerSettings
    heldout: pd.DataFrame
    data_name: str
    scored: dict[str, str]  # resp= of log_lik, if any


def _refit(task: _FoldTask) -> tuple[np.ndarray, tuple[str, ...]]:
    """Run one fold (module level, so that worker processes can unpickle it)."""
    from pybrms.fit.brmsfit import sample  # brmsfit imports this module

    program = StanProgram(*task.program, model=task.model)
    fold_fit = sample(
        task.spec, program, task.settings, data_name=task.data_name, show_progress=False, warn=False
    )
    if task.heldout.empty:  # no held-out row of the scored response (subset())
        return np.empty((0, 0)), fold_fit.diagnostics.messages()
    # new levels of held-out rows as brms (sample_new_levels="uncertainty"), from the fold's seed
    log_lik = fold_fit.log_lik(
        task.heldout, allow_new_levels=True, rng=task.settings.seed, **task.scored
    )
    return log_lik, fold_fit.diagnostics.messages()


def _tasks(
    fit: BrmsFit,
    data: pd.DataFrame,
    labels: np.ndarray,
    settings: SamplerSettings,
    seeds: np.ndarray,
    show_progress: bool,
    scored: dict[str, str],
    rows: np.ndarray,
) -> list[_FoldTask]:
    """Build every fold's model first, so that a fold that cannot be built fails before any
    sampling; programs are compiled (found in the cache) once each, here."""
    programs = {fit.stan_code: fit.program}
    specs = []
    for k in range(1, len(seeds) + 1):
        spec = rebuild_model(fit.spec, data[labels != k])
        code = render(spec, settings.threads, normalize=settings.normalize)
        programs.setdefault(code, StanProgram(code, fit.backend))
        specs.append((spec, code))
    for program in programs.values():
        program.check_init(settings.init)
    models = {code: programs[code].model(show_progress=show_progress) for _, code in specs}
    return [
        _FoldTask(
            spec=spec,
            program=(code, fit.backend),
            model=models[code],
            settings=replace(settings, seed=int(seed)),
            heldout=data[(labels == k) & rows],
            data_name=fit.data_name,
            scored=scored,
        )
        for k, ((spec, code), seed) in enumerate(zip(specs, seeds, strict=True), start=1)
    ]


def _scored(fit: BrmsFit, resp: str | None) -> dict[str, str]:
    """The ``resp=`` argument of the folds' ``log_lik``, checked before any refit."""
    spec = fit.spec
    if not isinstance(spec, MvSpec):
        if resp is not None:
            raise SpecError(
                f"kfold(resp={resp!r}): resp= selects a response of a multivariate model."
            )
        return {}
    subset = next((p for p in spec.parts if p.subset is not None), None)
    if subset is not None and resp is None:
        raise SpecError(
            f"kfold() of a multivariate model with subset() (response {subset.resp!r}) "
            "needs resp=: its responses have different rows, and each is scored on its "
            f"own; the responses are {', '.join(map(repr, spec.responses))}."
        )
    return {} if resp is None else {"resp": spec.part(resp).resp}


def _scored_rows(fit: BrmsFit, scored: dict[str, str]) -> np.ndarray:
    """Which rows of the fit the scored response has: those its ``subset()`` keeps."""
    spec = fit.spec
    rows = spec.part(scored["resp"]).subset if isinstance(spec, MvSpec) and scored else None
    return np.ones(len(spec.input_data), dtype=bool) if rows is None else rows


def _fold_labels(
    data: pd.DataFrame,
    K: int,
    folds: str | Sequence[int] | np.ndarray | None,
    group: str | None,
    rng: np.random.Generator,
) -> tuple[np.ndarray, int, str]:
    """Fold 1..K of every row, K, and brms's fold type; SpecError for bad arguments."""
    N = len(data)
    if group is not None and group not in data.columns:
        raise SpecError(
            f"kfold(group={group!r}): no such column in the data of the fit; columns: "
            f"{', '.join(map(str, data.columns))}."
        )
    if folds is None and group is not None:
        codes, _ = pd.factorize(data[group], sort=True)
        return codes + 1, int(codes.max()) + 1, "group"
    if isinstance(folds, str):
        if folds not in FOLD_TYPES:
            raise SpecError(
                f"kfold(folds={folds!r}): expected None, one of "
                f"{', '.join(map(repr, FOLD_TYPES))}, or one fold label per row."
            )
        if folds == "loo":
            return np.arange(1, N + 1), N, "loo"
        if group is None:
            raise SpecError(f"kfold(folds={folds!r}) needs group=, a column of the data.")
        _check_K(K, N)
        split = kfold_split_stratified if folds == "stratified" else kfold_split_grouped
        return split(K, data[group].to_numpy(), rng), K, folds
    if folds is not None:
        given = np.asarray(folds)
        if given.ndim != 1 or len(given) != N:
            raise SpecError(
                f"kfold(folds=...) as labels must give one fold per row of the fit ({N}), "
                f"got shape {given.shape}."
            )
        codes, uniques = pd.factorize(pd.Series(given), sort=True)
        if len(uniques) < 2:
            raise SpecError("kfold(folds=...) must hold at least two different folds.")
        return codes + 1, len(uniques), "custom"
    _check_K(K, N)
    return kfold_split_random(K, N, rng), K, "random"


def _check_K(K: object, N: int) -> None:
    if isinstance(K, bool) or not isinstance(K, int | np.integer) or not 2 <= K <= N:
        raise SpecError(
            f"kfold(K=...) must be an integer from 2 to the number of rows ({N}), got {K!r}."
        )


def _workers(workers: int | None, settings: SamplerSettings, K: int) -> int:
    if workers is None:
        per_refit = settings.chains * (settings.threads.threads if settings.threads else 1)
        return max(1, min(K, (os.cpu_count() or 1) // per_refit))
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SettingsError(f"kfold(workers=...) must be a positive integer, got {workers!r}.")
    return workers
