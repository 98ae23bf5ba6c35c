"""Updating one mode of one factor: build its normal-means problem, solve it, write it back.

This is FLASH.md section 5. Loadings of factor ``k`` (``mode=0``) see the
observations ``x_i = s_i² Σ_j W_ij R^(k)_ij f̄_jk`` with ``s_i² = 1 / Σ_j W_ij f̃_jk``,
where ``W = Z ∘ τ`` and ``R^(k)`` is the residual without factor ``k``; factors
(``mode=1``) are the transpose.  The three pieces (:func:`make_task`,
:func:`solve_task`, :func:`apply_outcome`) are separate, and the parallel backfit
has batch versions of the first and last (:func:`parallel_tasks`,
:func:`apply_outcomes`) that build every task from one state, so the tasks can be
solved on workers and written back together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pybrms.flash.ebnm import ebnm, get_family, warm_start_ok
from pybrms.flash.state import FlashState, Problem, refresh, with_column, with_columns
from pybrms.flash.tau import LOG_2PI, Precision, RankOnePrecision, rowdot


@dataclass(frozen=True)
class EbnmTask:
    """One normal-means problem: observations of the free entries and the prior to fit."""

    x: np.ndarray
    s: np.ndarray
    family: str
    g_init: Any = None


@dataclass(frozen=True)
class EbnmOutcome:
    """Posterior moments of the free entries, the stored "KL" (≤ 0) and the fitted prior."""

    mean: np.ndarray
    second: np.ndarray
    kl: float
    prior: Any


def residual_times(
    problem: Problem,
    precision: Precision,
    EF: tuple[np.ndarray, np.ndarray],
    v: np.ndarray,
    mode: int,
    cached: np.ndarray | None = None,
) -> np.ndarray:
    """``(W ∘ (Y - L̄F̄ᵀ)) v`` (mode 0) or its transpose (mode 1), without forming it.

    Parameters
    ----------
    problem
        The data.
    precision
        τ, giving the weights ``W = Z ∘ τ``.
    EF
        Posterior means ``(L̄, F̄)`` of the factors making up the fitted part.
    v
        Vector along the contracted mode.
    mode
        0 for a product over columns, 1 for a product over rows.
    cached
        ``Y v`` (or ``Yᵀ v``) when already known.

    Returns
    -------
    numpy.ndarray
    """
    data = problem.data
    own, other = EF[mode], EF[1 - mode]
    fitted_part = rowdot(own, precision.times(data, other * v[:, None], mode))
    return precision.y_times(data, v, mode, cached) - fitted_part


def ebnm_inputs(
    state: FlashState, problem: Problem, k: int, mode: int
) -> tuple[np.ndarray, np.ndarray]:
    """Observations ``x`` and standard errors ``s`` for mode ``mode`` of factor ``k``.

    Entries with no information (``Σ W f̃ = 0``) get ``s = inf`` and ``x = 0``.
    """
    other = 1 - mode
    fbar, f2 = state.EF[other][:, k], state.EF2[other][:, k]
    rest = [j for j in range(state.n_factors) if j != k]
    EF_rest = (state.EF[0][:, rest], state.EF[1][:, rest])
    precision = state.precision
    numer = residual_times(problem, precision, EF_rest, fbar, mode, cached=state.YP[mode][:, k])
    denom = precision.times(problem.data, f2[:, None], mode)[:, 0]
    informative = denom > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(informative, numer / denom, 0.0)
        s = np.where(informative, 1.0 / np.sqrt(denom), np.inf)
    return x, s


def make_task(state: FlashState, problem: Problem, k: int, mode: int, warmstart: bool) -> EbnmTask:
    """The normal-means problem for the free entries of factor ``k``, mode ``mode``.

    With ``warmstart``, the factor's previous prior starts the fit unless the
    sanity check of FLASH.md 8.5 fails; otherwise a parametric family still starts
    its optimizer near that prior (:func:`_g_init`), which reaches the cold start's fit.
    """
    x, s = ebnm_inputs(state, problem, k, mode)
    free = state.free(k, mode)
    x, s = x[free], s[free]
    return EbnmTask(x, s, state.families[k][mode], _g_init(state.g[k][mode], x, s, warmstart))


def parallel_tasks(
    state: FlashState, problem: Problem, kset: list[int], mode: int
) -> list[EbnmTask]:
    """The normal-means problems of mode ``mode`` of every factor in ``kset``, from one state.

    FLASH.md 8.4, for any ``τ_ij = r_i c_j`` (var_type 0, 1, 2, (1, 2) or a scalar
    ``S``), no missing data and no fixed entries in ``kset``.  With ``c`` the side of
    τ along the summed mode and ``G = F̄ᵀ diag(c) F̄``, the observations of all
    factors come from one product with ``Y`` and ``K x K`` cross-products,

        x = (Y diag(c) F̄ - L̄ G + L̄ diag(G)) / (cᵀ F̃),   s_ik = 1 / sqrt(r_i (cᵀ F̃)_k),

    instead of one residual product per factor; when ``c`` is constant the product
    with ``Y`` is the cached ``Y F̄``.  Priors are warm started as in :func:`make_task`.
    """
    precision = state.precision
    assert isinstance(precision, RankOnePrecision)
    own, fbar = state.EF[mode], state.EF[1 - mode]
    r, c = precision.side(mode), precision.side(1 - mode)
    weighted = c[:, None] * fbar[:, kset]
    gram = fbar.T @ weighted
    self_gram = gram[kset, np.arange(len(kset))]
    if np.all(c == c[0]):
        y_times = c[0] * state.YP[mode][:, kset]
    else:
        y_times = problem.data.project(weighted, mode)
    numer = y_times - own @ gram + own[:, kset] * self_gram
    f2_sums = c @ state.EF2[1 - mode][:, kset]
    tasks = []
    for j, k in enumerate(kset):
        informative = f2_sums[j] > 0
        x = numer[:, j] / f2_sums[j] if informative else np.zeros(own.shape[0])
        s = 1.0 / np.sqrt(r * f2_sums[j]) if informative else np.full(own.shape[0], np.inf)
        tasks.append(EbnmTask(x, s, state.families[k][mode], _g_init(state.g[k][mode], x, s)))
    return tasks


def _g_init(g_old: Any, x: np.ndarray, s: np.ndarray, warmstart: bool = True) -> Any:
    """The prior that starts the fit: ``g_old`` for a warm start that passes the check of
    FLASH.md 8.5, otherwise the family's cold-start hint from ``g_old`` (or None).

    A parametric family's cold start from a hint reaches the optimum of a cold start
    (it only moves the optimizer's first point), in fewer iterations.
    """
    if g_old is None:
        return None
    if warmstart and warm_start_ok(g_old, x, s):
        return g_old
    return get_family(g_old.family).cold_start_hint(g_old)


def solve_task(task: EbnmTask) -> EbnmOutcome:
    """Solve one EBNM problem; a failed warm start is retried once from scratch.

    Examples
    --------
    >>> import numpy as np
    >>> out = solve_task(EbnmTask(np.array([3.0, 0.1, -2.0]), np.ones(3), "normal"))
    >>> out.kl <= 0
    True
    """
    try:
        res = ebnm(task.x, task.s, task.family, g_init=task.g_init)
    except (ValueError, ArithmeticError, RuntimeError):
        if task.g_init is None:
            raise
        res = ebnm(task.x, task.s, task.family)
    mean, second = res.posterior_mean, res.posterior_second_moment
    # The default ``output`` of ebnm includes both moments.
    assert mean is not None and second is not None
    kl = res.log_likelihood + _expected_normal_loglik_gap(task.x, task.s, mean, second)
    return EbnmOutcome(mean, second, float(kl), res.prior)


def solve_tasks(tasks: list[EbnmTask]) -> list[EbnmOutcome]:
    """Solve a chunk of EBNM problems in order (the unit of work of a parallel backfit)."""
    return [solve_task(task) for task in tasks]


def apply_outcome(
    state: FlashState, problem: Problem, k: int, mode: int, outcome: EbnmOutcome
) -> FlashState:
    """Write the posterior of the free entries of factor ``k``, mode ``mode``, into the state."""
    free = state.free(k, mode)
    mean, second = state.EF[mode][:, k].copy(), state.EF2[mode][:, k].copy()
    mean[free], second[free] = outcome.mean, outcome.second
    return with_column(state, problem, k, mode, mean, second, outcome.kl, outcome.prior)


def apply_outcomes(
    state: FlashState, problem: Problem, kset: list[int], mode: int, outcomes: list[EbnmOutcome]
) -> FlashState:
    """Write the posteriors of mode ``mode`` of the (unfixed) factors ``kset`` at once."""
    mean = np.column_stack([outcome.mean for outcome in outcomes])
    second = np.column_stack([outcome.second for outcome in outcomes])
    kl = [outcome.kl for outcome in outcomes]
    priors = [outcome.prior for outcome in outcomes]
    return with_columns(state, problem, kset, mode, mean, second, kl, priors)


def update_mode(
    state: FlashState, problem: Problem, k: int, mode: int, warmstart: bool
) -> FlashState:
    """Coordinate-ascent update of one mode of factor ``k``, τ held fixed."""
    outcome = solve_task(make_task(state, problem, k, mode, warmstart))
    return apply_outcome(state, problem, k, mode, outcome)


def update_factor(state: FlashState, problem: Problem, k: int, warmstart: bool) -> FlashState:
    """Update loadings, then factor (skipping fully fixed modes), then τ and the ELBO.

    Each block maximizes the ELBO given the others, so the ELBO never decreases
    (up to optimizer error inside ebnm).
    """
    for mode in (0, 1):
        if state.is_zero[k]:
            break
        if not state.fully_fixed(k, mode):
            state = update_mode(state, problem, k, mode, warmstart)
    return refresh(state, problem)


def _expected_normal_loglik_gap(
    x: np.ndarray, s: np.ndarray, mean: np.ndarray, second: np.ndarray
) -> float:
    """``-E_q Σ log N(x_i; θ_i, s_i²)`` over ``0 < s < inf`` (FLASH.md section 2).

    Added to the marginal log-likelihood it gives ``-KL(q ‖ g)``.
    """
    ok = np.isfinite(s) & (s > 0)
    x, s2, m, m2 = x[ok], s[ok] ** 2, mean[ok], second[ok]
    return 0.5 * float(np.sum(LOG_2PI + np.log(s2) + (m2 - 2 * x * m + x**2) / s2))
