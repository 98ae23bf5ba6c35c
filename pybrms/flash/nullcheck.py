"""Removing factors that do not improve the ELBO (FLASH.md section 9, ``flash_nullcheck``)."""

from __future__ import annotations

from pybrms.flash.state import FlashState, Problem, keep_factors, refresh, zero_factor


def nullcheck(state: FlashState, problem: Problem, tol: float) -> FlashState:
    """Zero every valid factor whose removal costs less than ``tol``, then drop zero factors.

    Factor ``k`` is zeroed when ``ELBO(without k) - ELBO(with k) >= -tol``; τ is
    re-estimated without it and the new state kept.
    """
    for k in range(state.n_factors):
        if state.is_zero[k] or not state.is_valid[k]:
            continue
        without = refresh(zero_factor(state, k), problem)
        if without.elbo - state.elbo >= -tol:
            state = without
    keep = [k for k in range(state.n_factors) if not state.is_zero[k]]
    return keep_factors(state, keep)
