"""Greedy addition of factors (FLASH.md section 7, flashier's ``flash_greedy``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pybrms.flash.factor import residual_times, update_factor
from pybrms.flash.state import FlashState, Problem, append_factors
from pybrms.flash.tau import RankOnePrecision

INIT_SEED = 666
INIT_MAXITER = 100


def greedy(
    state: FlashState,
    problem: Problem,
    Kmax: int,
    families: tuple[str, str],
    nonnegative: tuple[bool, bool],
    maxiter: int,
    on_factor: Callable[[FlashState, int], None],
) -> tuple[FlashState, str]:
    """Add up to ``Kmax`` factors, one at a time, stopping at the first rejected one.

    A candidate is accepted iff it is not zero and raises the ELBO by more than
    ``problem.tol``.  ``on_factor(state, iterations)`` is called after each accepted
    factor.  Returns the new state and why the loop stopped.
    """
    for _ in range(Kmax):
        init = power_init(state, problem, nonnegative)
        if init is None:
            return state, "the residuals have no rank-one structure left (of the required signs)"
        u, v = init
        candidate = append_factors(
            state, problem, (u[:, None], v[:, None]), (u[:, None] ** 2, v[:, None] ** 2), [families]
        )
        candidate, iterations = _fit_candidate(candidate, problem, maxiter)
        if candidate.is_zero[-1] or candidate.elbo <= state.elbo + problem.tol:
            return state, "the next factor does not raise the ELBO by more than tol"
        state = candidate
        on_factor(state, iterations)
    return state, f"Kmax = {Kmax} factors added"


def _fit_candidate(candidate: FlashState, problem: Problem, maxiter: int) -> tuple[FlashState, int]:
    """Single-factor coordinate ascent on the newest factor, with cold-started priors
    (parametric families start their optimizer from the previous iteration's prior,
    which reaches the same fit in fewer steps; see :func:`pybrms.flash.factor.make_task`).

    The first iteration always counts as progress (the initial ELBO is not a valid
    bound); afterwards a decrease reverts to the previous iterate and stops.
    """
    k = candidate.n_factors - 1
    iteration = 0
    for iteration in range(1, maxiter + 1):
        updated = update_factor(candidate, problem, k, warmstart=False)
        if iteration > 1 and updated.elbo < candidate.elbo:
            break
        gain = updated.elbo - candidate.elbo
        candidate = updated
        if candidate.is_zero[k] or (iteration > 1 and gain < problem.tol):
            break
    return candidate, iteration


def power_init(
    state: FlashState, problem: Problem, nonnegative: tuple[bool, bool]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Rank-one start for a new factor by alternating least squares on the residuals.

    Starts from seeded Gaussian vectors (signs folded for nonnegative modes), updates
    the unconstrained mode first, clips to the sign constraint, and stops when the
    normalized vectors move less than ``1/max(n, p)`` (at most 100 rounds).  Both are
    then rescaled to the common norm ``sqrt(‖u‖ ‖v‖)``.  Returns ``None`` when either
    vector is zero.

    With a sign constraint the random start can end at zero although the residuals
    hold nonnegative structure: when most residuals are negative (sparse data after
    a few factors), ``R v < 0`` for every row at a random ``v >= 0``.  The search
    then restarts from the unconstrained leading pair, signed so that most of its
    mass is positive and clipped.
    """
    n, p = problem.data.shape
    rng = np.random.default_rng(INIT_SEED)
    start = [rng.standard_normal(n) / np.sqrt(n), rng.standard_normal(p) / np.sqrt(p)]
    folded = [np.abs(w) if nonneg else w for w, nonneg in zip(start, nonnegative, strict=True)]
    uv = _alternate(state, problem, folded, nonnegative)
    if _is_zero(uv) and any(nonnegative):
        free = _alternate(state, problem, start, (False, False))
        if not _is_zero(free):
            uv = _alternate(state, problem, _signed_clip(free, nonnegative), nonnegative)
    if _is_zero(uv):
        return None
    norms = [float(np.linalg.norm(w)) for w in uv]
    scale = np.sqrt(norms[0] * norms[1])
    return uv[0] * scale / norms[0], uv[1] * scale / norms[1]


def _alternate(
    state: FlashState, problem: Problem, uv: list[np.ndarray], nonnegative: tuple[bool, bool]
) -> list[np.ndarray]:
    """Alternating least squares from ``uv``, constrained modes updated last."""
    data = problem.data
    n, p = data.shape
    uv = list(uv)
    order = sorted((0, 1), key=lambda m: nonnegative[m])
    unit = RankOnePrecision(np.ones(n), np.ones(p))
    tol = 1.0 / max(n, p)
    previous = _normalized(uv)
    for _ in range(INIT_MAXITER):
        for mode in order:
            other = uv[1 - mode]
            numer = residual_times(problem, unit, state.EF, other, mode)
            denom = data.mask_times(other**2, mode)
            with np.errstate(divide="ignore", invalid="ignore"):
                update = np.where(denom > 0, numer / denom, 0.0)
            uv[mode] = np.maximum(update, 0.0) if nonnegative[mode] else update
        current = _normalized(uv)
        if current is None or np.max(np.abs(current - previous)) < tol:
            break
        previous = current
    return uv


def _signed_clip(uv: list[np.ndarray], nonnegative: tuple[bool, bool]) -> list[np.ndarray]:
    """``±(u, v)`` (the sign keeping more norm on the constrained modes), then clipped."""

    def clipped(sign: float) -> list[np.ndarray]:
        pairs = zip(uv, nonnegative, strict=True)
        return [np.maximum(sign * w, 0.0) if nn else sign * w for w, nn in pairs]

    def kept(pair: list[np.ndarray]) -> float:
        return float(np.prod([np.linalg.norm(w) for w in pair]))

    return max(clipped(1.0), clipped(-1.0), key=kept)


def _is_zero(uv: list[np.ndarray]) -> bool:
    return min(float(np.linalg.norm(w)) for w in uv) == 0.0


def _normalized(uv: list[np.ndarray]) -> np.ndarray | None:
    norms = [np.linalg.norm(w) for w in uv]
    if min(norms) == 0.0:
        return None
    return np.concatenate([w / nrm for w, nrm in zip(uv, norms, strict=True)])
