"""Backfitting existing factors (FLASH.md section 8, flashier's ``flash_backfit``).

Six orders:

* ``"sequential"``: Gauss-Seidel sweeps of full single-factor updates; each
  update is kept only if the ELBO goes up, so the ELBO never decreases.
* ``"dropout"``, ``"random"``, ``"montaigne"`` (FLASH.md 8.3, flashier <= 0.2):
  the same kept-if-better updates in another order.  ``"dropout"`` sweeps only
  over factors whose last update raised the ELBO by more than ``tol``;
  ``"random"`` shuffles the factors every sweep; ``"montaigne"`` always updates
  the factor whose last update raised the ELBO most, never the same one twice
  in a row.  All three are monotone.
* ``"extrapolate"`` (flashier's default): sweeps with τ fixed, accelerated by
  extrapolating the moments and τ along the last step (Ang and Gillis).
* ``"parallel"``: Jacobi updates of all loadings, then all factors, with the K
  normal-means problems of a mode solved in chunks on an executor
  (:func:`pybrms.scheduler.map_chunks`). Constant τ only; not monotone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from pybrms.flash.factor import (
    apply_outcomes,
    parallel_tasks,
    solve_tasks,
    update_factor,
    update_mode,
)
from pybrms.flash.state import FlashState, Problem, refresh, with_moments
from pybrms.scheduler import Submitter, Threading, map_chunks

ORDERS: tuple[str, ...] = (
    "extrapolate",
    "sequential",
    "dropout",
    "random",
    "montaigne",
    "parallel",
)
RANDOM_SEED = 666

BETA_INIT = 0.5 / 1.2
BETA_UP, BETA_DOWN, BETA_MAX = 1.2, 0.5, 2.0
MOMENT_FLOOR = 1e-10

OnIteration = Callable[[FlashState, int], None]


def backfit_sequential(
    state: FlashState,
    problem: Problem,
    kset: list[int],
    maxiter: int,
    tol: float,
    on_iteration: OnIteration,
    shuffle: np.random.Generator | None = None,
) -> FlashState:
    """Sweep over the factors ``kset`` until no update raises the ELBO by more than ``tol``.

    With ``shuffle`` (order ``"random"``), each sweep visits the factors in a new
    random order.
    """
    for iteration in range(1, maxiter + 1):
        max_gain = 0.0
        live = _live(state, kset)
        for k in live if shuffle is None else shuffle.permutation(live).tolist():
            state, gain = _kept_update(state, problem, k)
            max_gain = max(max_gain, gain)
        on_iteration(state, iteration)
        if max_gain <= tol:
            break
    return state


def backfit_dropout(
    state: FlashState,
    problem: Problem,
    kset: list[int],
    maxiter: int,
    tol: float,
    on_iteration: OnIteration,
) -> FlashState:
    """Sweeps over the factors whose last update raised the ELBO by more than ``tol``.

    A factor that stops improving drops out for good; the backfit ends when none
    is left.  Cheaper than ``"sequential"``, but it can stop before the
    sequential optimum.
    """
    gains = dict.fromkeys(kset, np.inf)
    for iteration in range(1, maxiter + 1):
        for k in _active(state, kset, gains, tol):
            state, gains[k] = _kept_update(state, problem, k)
        on_iteration(state, iteration)
        if not _active(state, kset, gains, tol):
            break
    return state


def backfit_montaigne(
    state: FlashState,
    problem: Problem,
    kset: list[int],
    maxiter: int,
    tol: float,
    on_iteration: OnIteration,
) -> FlashState:
    """Always update the factor whose last update raised the ELBO most, never twice in a row.

    Factors not yet updated count as infinitely improving, so the first
    ``len(kset)`` updates visit every factor once, in order.  One iteration is
    ``len(kset)`` single-factor updates (the work of a sweep), so ``maxiter``
    bounds the work as for the other orders.  Stops when no factor's last update
    raised the ELBO by more than ``tol``.
    """
    gains = dict.fromkeys(kset, np.inf)
    last: int | None = None
    for iteration in range(1, maxiter + 1):
        for _ in kset:
            active = _active(state, kset, gains, tol)
            if not active:
                break
            live = _live(state, kset)
            last = max((k for k in live if k != last), key=gains.__getitem__, default=last)
            # ``live`` holds the active factors, so a first pick always exists.
            assert last is not None
            state, gains[last] = _kept_update(state, problem, last)
        on_iteration(state, iteration)
        if not _active(state, kset, gains, tol):
            break
    return state


def backfit_extrapolate(
    state: FlashState,
    problem: Problem,
    kset: list[int],
    maxiter: int,
    tol: float,
    on_iteration: OnIteration,
) -> FlashState:
    """Extrapolated sweeps (FLASH.md 8.2); falls back to a plain sweep when a proposal fails."""
    beta, previous = BETA_INIT, state
    for iteration in range(1, maxiter + 1):
        extrapolated = iteration > 1
        start = _extrapolate(state, previous, problem, kset, beta) if extrapolated else state
        swept = _sweep_fixed_tau(start, problem, kset)
        if swept.elbo - state.elbo >= tol:
            beta = min(BETA_UP * beta, BETA_MAX)
        elif extrapolated:
            swept = _sweep_fixed_tau(state, problem, kset)
            beta *= BETA_DOWN
        gain = swept.elbo - state.elbo
        previous, state = state, swept
        on_iteration(state, iteration)
        if gain <= tol:
            break
    return state


def backfit_parallel(
    state: FlashState,
    problem: Problem,
    kset: list[int],
    maxiter: int,
    tol: float,
    on_iteration: OnIteration,
    threading: Threading,
    executor: Submitter | None,
) -> tuple[FlashState, int | None]:
    """Jacobi updates of the factors ``kset`` at once; stops when ``|ΔELBO| <= tol``.

    ``executor`` must already be open (see :func:`pybrms.scheduler.open_executor`).
    Jacobi steps can overshoot without bound when many factors are correlated; if an
    iteration makes the moments or the ELBO non-finite, the backfit stops and
    returns the state with the highest ELBO seen, with that iteration's number
    (otherwise the last state and ``None``).
    """
    kset = _live(state, kset)
    best = state
    for iteration in range(1, maxiter + 1):
        if not kset:
            break
        before = state.elbo
        # Overflow in a diverging step is detected below, not reported by numpy.
        with np.errstate(over="ignore", invalid="ignore"):
            for mode in (0, 1):
                tasks = parallel_tasks(state, problem, kset, mode)
                outcomes = map_chunks(solve_tasks, tasks, threading, executor)
                state = apply_outcomes(state, problem, kset, mode, outcomes)
                if not (np.isfinite(state.EF[mode]).all() and np.isfinite(state.EF2[mode]).all()):
                    return best, iteration
            state = refresh(state, problem)
        if not np.isfinite(state.elbo):
            return best, iteration
        on_iteration(state, iteration)
        best = state if state.elbo > best.elbo else best
        kset = _live(state, kset)
        if abs(state.elbo - before) <= tol:
            break
    return state, None


def _live(state: FlashState, kset: list[int]) -> list[int]:
    return [k for k in kset if not state.is_zero[k]]


def _active(state: FlashState, kset: list[int], gains: dict[int, float], tol: float) -> list[int]:
    """Live factors whose last update raised the ELBO by more than ``tol``."""
    return [k for k in _live(state, kset) if gains[k] > tol]


def _kept_update(state: FlashState, problem: Problem, k: int) -> tuple[FlashState, float]:
    """Update factor ``k``; keep the update only if the ELBO went up (FLASH.md 8.1).

    Returns the new state and the ELBO change of the update (kept or not).
    """
    updated = update_factor(state, problem, k, warmstart=True)
    gain = updated.elbo - state.elbo
    return (updated if gain > 0 else state), gain


def _sweep_fixed_tau(state: FlashState, problem: Problem, kset: list[int]) -> FlashState:
    """Update loadings then factor of each factor in turn with τ fixed; then τ and the ELBO."""
    for k in kset:
        for mode in (0, 1):
            if not state.is_zero[k] and not state.fully_fixed(k, mode):
                state = update_mode(state, problem, k, mode, warmstart=True)
    return refresh(state, problem)


def _extrapolate(
    state: FlashState, previous: FlashState, problem: Problem, kset: list[int], beta: float
) -> FlashState:
    """``X + β (X - X_prev)`` for the moments of the live factors of ``kset`` and τ, clamped."""
    live = np.zeros(state.n_factors, dtype=bool)
    live[_live(state, kset)] = True
    EF, EF2 = [], []
    for mode in (0, 1):
        mean, second = state.EF[mode].copy(), state.EF2[mode].copy()
        mean[:, live] += beta * (mean[:, live] - previous.EF[mode][:, live])
        second[:, live] += beta * (second[:, live] - previous.EF2[mode][:, live])
        EF.append(mean)
        EF2.append(np.maximum(second, mean**2 + MOMENT_FLOOR * live))
    proposal = with_moments(state, problem, (EF[0], EF[1]), (EF2[0], EF2[1]))
    return replace(
        proposal, precision=state.precision.extrapolate(previous.precision, beta, problem.data)
    )
