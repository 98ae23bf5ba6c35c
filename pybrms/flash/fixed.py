"""User-supplied and fixed factors, and the intercept (FLASH.md section 10)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pybrms.errors import FlashError
from pybrms.flash.data import as_float_array
from pybrms.flash.factor import residual_times
from pybrms.flash.state import FlashState, Problem, append_factors, with_fixed
from pybrms.flash.tau import RankOnePrecision

MODE_NAMES = ("loadings", "factors")


def factors_init(
    state: FlashState,
    problem: Problem,
    L: np.ndarray,
    F: np.ndarray,
    families: tuple[str, str],
) -> FlashState:
    """Append factors with first moments ``L``, ``F`` and second moments ``L²``, ``F²``."""
    n, p = problem.data.shape
    L, F = _as_columns("L", L, n), _as_columns("F", F, p)
    if L.shape[1] != F.shape[1]:
        raise FlashError(
            f"factors_init: L and F must have the same number of columns, got {L.shape[1]} and "
            f"{F.shape[1]}"
        )
    return append_factors(state, problem, (L, F), (L**2, F**2), [families] * L.shape[1])


def factors_fix(
    state: FlashState, kset: Sequence[int], which: str, idx: Sequence[int] | np.ndarray | None
) -> FlashState:
    """Fix the entries ``idx`` (all when ``None``) of the loadings or factors of ``kset``."""
    if which not in MODE_NAMES:
        raise FlashError(f"factors_fix: which must be one of {MODE_NAMES}, got {which!r}")
    mode = MODE_NAMES.index(which)
    size = state.EF[mode].shape[0]
    mask = np.ones(size, dtype=bool)
    if idx is not None:
        mask = _index_mask(idx, size, which)
    for k in check_kset(kset, state.n_factors, "factors_fix"):
        state = with_fixed(state, k, mode, mask)
    return state


def check_kset(kset: Sequence[int], n_factors: int, where: str) -> list[int]:
    """The factor indices ``kset`` as a list; a :class:`FlashError` if one is not a factor.

    Examples
    --------
    >>> check_kset((0, 2), 3, "backfit")
    [0, 2]
    """
    ks = list(kset) if isinstance(kset, Sequence | np.ndarray) else [kset]
    bad = [k for k in ks if not _is_index(k) or not 0 <= k < n_factors]
    if bad:
        raise FlashError(
            f"{where}: kset holds {bad}, but the fit has {n_factors} factors (0 to {n_factors - 1})"
        )
    return [int(k) for k in ks]


def _is_index(k: object) -> bool:
    return isinstance(k, int | np.integer) and not isinstance(k, bool)


def intercept_factor(
    state: FlashState, problem: Problem, rowwise: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Moments ``(L, F)`` of an intercept: ones on the fixed mode, residual means on the other.

    With ``rowwise`` the loadings are ones and the factor holds the column means of
    the current residuals; otherwise the mirror image.
    """
    data = problem.data
    n, p = data.shape
    fixed_mode = 0 if rowwise else 1
    free_mode = 1 - fixed_mode
    ones = np.ones(data.shape[fixed_mode])
    unit = RankOnePrecision(np.ones(n), np.ones(p))
    sums = residual_times(problem, unit, state.EF, ones, free_mode)
    counts = data.counts(free_mode)
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    return (ones, means) if rowwise else (means, ones)


def _as_columns(name: str, A: np.ndarray, size: int) -> np.ndarray:
    A = as_float_array(f"factors_init: {name}", A)
    if A.ndim == 1:
        A = A[:, None]
    if A.ndim != 2 or A.shape[0] != size or not np.all(np.isfinite(A)):
        raise FlashError(
            f"factors_init: {name} must be a finite array with {size} rows (1-d or 2-d), "
            f"got shape {A.shape}"
        )
    return A


def _index_mask(idx: Sequence[int] | np.ndarray, size: int, which: str) -> np.ndarray:
    idx = np.asarray(idx)
    if idx.dtype != bool and not np.issubdtype(idx.dtype, np.integer):
        raise FlashError(
            f"factors_fix: idx for the {which} must hold integer indices or booleans, "
            f"got dtype {idx.dtype}"
        )
    if idx.dtype == bool:
        if idx.shape != (size,):
            raise FlashError(
                f"factors_fix: a boolean idx for the {which} must have length {size}, "
                f"got shape {idx.shape}"
            )
        return idx.copy()
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        raise FlashError(f"factors_fix: idx for the {which} must lie in 0..{size - 1}")
    mask = np.zeros(size, dtype=bool)
    mask[idx.astype(int)] = True
    return mask
