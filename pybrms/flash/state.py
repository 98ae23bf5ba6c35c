"""The internal fit state of flash and the functions that derive new states from it.

A :class:`FlashState` is never modified: every update returns a new state (with
``dataclasses.replace``), which is what lets the greedy step try a candidate
factor and drop it, and the extrapolated backfit keep the previous iterate.
The public view of a fit is :class:`pybrms.flash.fit.FlashFit`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from pybrms.flash.data import FlashData
from pybrms.flash.kronecker import estimate_kronecker
from pybrms.flash.noisy import (
    NoisyPrecision,
    NoisyRankOnePrecision,
    NoisyVariance,
    StreamedNoisyPrecision,
    estimate_noisy,
)
from pybrms.flash.tau import (
    Moments,
    Precision,
    RankOnePrecision,
    estimate_precision,
    estimate_precision_and_loglik,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

Pair = tuple[Any, Any]


@dataclass(frozen=True)
class Problem:
    """What stays fixed during a fit: the data, the variance structure, the tolerance.

    Attributes
    ----------
    data
        The observed data.
    var_type
        0, 1, 2 (estimated τ: constant, by row, by column), ``(1, 2)`` (Kronecker) or
        ``None`` (known ``S``).
    known_precision
        The precision from ``S`` when ``var_type`` is ``None``.
    tau_max
        Upper bound on an estimated τ: ``1/S²`` when ``S`` is a floor on the residual
        sd (a scalar ``S`` with ``var_type`` 0, 1 or 2, or a vector along the mode
        ``var_type`` estimates), else infinity.
    tol
        Convergence tolerance on the ELBO, ``sqrt(eps) n p`` by default.
    noisy
        ``S`` and the data when a variance is estimated on top of a matrix ``S``
        (flashier's "noisy" types), else ``None``.
    """

    data: FlashData
    var_type: int | tuple[int, int] | None
    known_precision: Precision | None
    tau_max: float | np.ndarray
    tol: float
    noisy: NoisyVariance | None = None

    def precision(
        self, EF: Moments, EF2: Moments, YP: Moments, previous: Precision | None = None
    ) -> Precision:
        """τ for the given moments: estimated (M-step, started from ``previous``) or known."""
        if self.var_type is None:
            assert self.known_precision is not None
            return self.known_precision
        if self.noisy is not None:
            noisy_kinds = (NoisyPrecision, NoisyRankOnePrecision, StreamedNoisyPrecision)
            extra = previous.extra if isinstance(previous, noisy_kinds) else None
            return estimate_noisy(self.data, self.noisy, EF, EF2, YP, extra)
        if isinstance(self.var_type, tuple):  # (1, 2), the only tuple _check_var_type keeps
            start = previous if isinstance(previous, RankOnePrecision) else None
            return estimate_kronecker(self.data, EF, EF2, start)
        return estimate_precision(self.var_type, self.data, EF, EF2, YP, self.tau_max)

    def precision_and_loglik(
        self, EF: Moments, EF2: Moments, YP: Moments, previous: Precision | None = None
    ) -> tuple[Precision, float]:
        """:meth:`precision` and its ``E_q log p(Y | L, F, τ)``, sharing the expected squared
        residuals when τ is estimated in closed form (var_type 0, 1 or 2)."""
        if isinstance(self.var_type, int) and self.noisy is None:
            return estimate_precision_and_loglik(
                self.var_type, self.data, EF, EF2, YP, self.tau_max
            )
        precision = self.precision(EF, EF2, YP, previous)
        return precision, precision.loglik(self.data, EF, EF2, YP)


@dataclass(frozen=True)
class FlashState:
    """Posterior moments, priors and τ of a fit with ``K`` factors (columns).

    Attributes
    ----------
    EF, EF2
        First and second posterior moments ``(L̄, F̄)``, ``(L̃, F̃)``: ``n x K``, ``p x K``.
    YP
        Cached products ``(Y F̄, Yᵀ L̄)``, kept in step with ``EF``.
    KL
        ``K x 2`` stored "KL" terms (minus the KL divergences, ≤ 0) by factor and mode.
    g
        Fitted prior per (factor, mode); ``None`` before the mode is first updated.
    families
        Prior family name per (factor, mode).
    fixed
        Boolean mask of fixed entries per (factor, mode), or ``None``.
    is_zero, is_valid
        Flags per factor: zero factors are skipped; a factor is valid once updated.
    precision
        Residual precision τ.
    elbo
        The objective for these moments and τ.
    """

    EF: Moments
    EF2: Moments
    YP: Moments
    KL: np.ndarray
    g: tuple[Pair, ...]
    families: tuple[tuple[str, str], ...]
    fixed: tuple[Pair, ...]
    is_zero: np.ndarray
    is_valid: np.ndarray
    precision: Precision
    elbo: float = field(default=float("nan"))

    @property
    def n_factors(self) -> int:
        """Number of factors ``K``, zero factors included."""
        return self.EF[0].shape[1]

    def free(self, k: int, mode: int) -> np.ndarray | slice:
        """Index of the entries of factor ``k``, mode ``mode``, that are not fixed."""
        mask = self.fixed[k][mode]
        return slice(None) if mask is None else ~mask

    def fully_fixed(self, k: int, mode: int) -> bool:
        """True when every entry of factor ``k`` in ``mode`` is fixed."""
        mask = self.fixed[k][mode]
        return mask is not None and bool(mask.all())

    def updatable(self) -> list[int]:
        """Factors a backfit visits: non-zero, with at least one mode not fully fixed."""
        return [
            k
            for k in range(self.n_factors)
            if not self.is_zero[k] and not (self.fully_fixed(k, 0) and self.fully_fixed(k, 1))
        ]


def empty_state(problem: Problem) -> FlashState:
    """The state with no factors: τ from the data alone."""
    n, p = problem.data.shape
    EF = (np.zeros((n, 0)), np.zeros((p, 0)))
    state = FlashState(
        EF=EF,
        EF2=EF,
        YP=EF,
        KL=np.zeros((0, 2)),
        g=(),
        families=(),
        fixed=(),
        is_zero=np.zeros(0, dtype=bool),
        is_valid=np.zeros(0, dtype=bool),
        precision=problem.precision(EF, EF, EF),
    )
    return refresh(state, problem)


def refresh(state: FlashState, problem: Problem) -> FlashState:
    """Re-estimate τ (section 4) and recompute the ELBO (section 2)."""
    precision, loglik = problem.precision_and_loglik(state.EF, state.EF2, state.YP, state.precision)
    return replace(state, precision=precision, elbo=float(state.KL.sum()) + loglik)


def with_column(
    state: FlashState,
    problem: Problem,
    k: int,
    mode: int,
    mean: np.ndarray,
    second: np.ndarray,
    kl: float,
    g: Any,
) -> FlashState:
    """Replace mode ``mode`` of factor ``k``; τ and the ELBO are left as they were."""
    return with_columns(state, problem, [k], mode, mean[:, None], second[:, None], [kl], [g])


def with_columns(
    state: FlashState,
    problem: Problem,
    ks: Sequence[int],
    mode: int,
    mean: np.ndarray,
    second: np.ndarray,
    kl: Sequence[float],
    g: Sequence[Any],
) -> FlashState:
    """Replace mode ``mode`` of the factors ``ks`` (columns of ``mean``, ``second``) at once.

    The cached products of the new columns come from one product with ``Y``; τ and
    the ELBO are left as they were.
    """
    ks = list(ks)
    EF, EF2 = _set_cols(state.EF, mode, ks, mean), _set_cols(state.EF2, mode, ks, second)
    YP = _set_cols(state.YP, 1 - mode, ks, problem.data.project(mean, 1 - mode))
    KL = state.KL.copy()
    KL[ks, mode] = kl
    priors = list(state.g)
    for k, g_k in zip(ks, g, strict=True):
        priors[k] = tuple(g_k if m == mode else state.g[k][m] for m in (0, 1))
    is_zero = state.is_zero.copy()
    is_zero[ks] = np.all(np.abs(mean) < np.finfo(float).eps, axis=0)
    is_valid = state.is_valid.copy()
    is_valid[ks] = True
    return replace(
        state, EF=EF, EF2=EF2, YP=YP, KL=KL, g=tuple(priors), is_zero=is_zero, is_valid=is_valid
    )


def with_moments(state: FlashState, problem: Problem, EF: Moments, EF2: Moments) -> FlashState:
    """Replace all moments at once; the cached products are recomputed."""
    YP = (problem.data.project(EF[1], 0), problem.data.project(EF[0], 1))
    return replace(state, EF=EF, EF2=EF2, YP=YP)


def append_factors(
    state: FlashState,
    problem: Problem,
    EF: Moments,
    EF2: Moments,
    families: Sequence[tuple[str, str]],
) -> FlashState:
    """Add factors with the given moments (KL 0, no prior yet, not valid); τ is re-estimated."""
    K = EF[0].shape[1]
    grown = replace(
        state,
        KL=np.vstack([state.KL, np.zeros((K, 2))]),
        g=(*state.g, *((None, None),) * K),
        families=(*state.families, *families),
        fixed=(*state.fixed, *((None, None),) * K),
        is_zero=np.concatenate([state.is_zero, np.zeros(K, dtype=bool)]),
        is_valid=np.concatenate([state.is_valid, np.zeros(K, dtype=bool)]),
    )
    EF = (np.hstack([state.EF[0], EF[0]]), np.hstack([state.EF[1], EF[1]]))
    EF2 = (np.hstack([state.EF2[0], EF2[0]]), np.hstack([state.EF2[1], EF2[1]]))
    return refresh(with_moments(grown, problem, EF, EF2), problem)


def zero_factor(state: FlashState, k: int) -> FlashState:
    """Set both modes of factor ``k`` to point masses at zero (τ and ELBO not updated)."""
    EF, EF2, YP = (
        (_with_col(pair[0], k, 0.0), _with_col(pair[1], k, 0.0))
        for pair in (state.EF, state.EF2, state.YP)
    )
    KL = state.KL.copy()
    KL[k] = 0.0
    is_zero = state.is_zero.copy()
    is_zero[k] = True
    return replace(state, EF=EF, EF2=EF2, YP=YP, KL=KL, is_zero=is_zero)


def keep_factors(state: FlashState, keep: Sequence[int]) -> FlashState:
    """The state restricted to the factors ``keep`` (τ and ELBO unchanged)."""
    idx = list(keep)

    def sub(pair: Moments) -> Moments:
        return (pair[0][:, idx], pair[1][:, idx])

    return replace(
        state,
        EF=sub(state.EF),
        EF2=sub(state.EF2),
        YP=sub(state.YP),
        KL=state.KL[idx],
        g=tuple(state.g[k] for k in idx),
        families=tuple(state.families[k] for k in idx),
        fixed=tuple(state.fixed[k] for k in idx),
        is_zero=state.is_zero[idx],
        is_valid=state.is_valid[idx],
    )


def with_fixed(state: FlashState, k: int, mode: int, mask: np.ndarray) -> FlashState:
    """Mark the entries ``mask`` of factor ``k``, mode ``mode``, as fixed."""
    old = state.fixed[k]
    fixed_k = (mask, old[1]) if mode == 0 else (old[0], mask)
    return replace(state, fixed=(*state.fixed[:k], fixed_k, *state.fixed[k + 1 :]))


def _set_cols(pair: Moments, mode: int, ks: list[int], columns: np.ndarray) -> Moments:
    out = _with_col(pair[mode], ks, columns)
    return (out, pair[1]) if mode == 0 else (pair[0], out)


def _with_col(a: np.ndarray, k: int | list[int], column: np.ndarray | float) -> np.ndarray:
    out = a.copy()
    out[:, k] = column
    return out
