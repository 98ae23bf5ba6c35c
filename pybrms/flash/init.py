"""Setting up a fit: validate ``Y``, ``S`` and ``var_type`` (flashier's ``flash_init``)."""

from __future__ import annotations

import numpy as np

from pybrms.errors import FlashError
from pybrms.flash.data import FlashData, as_flash_data, as_float_array
from pybrms.flash.state import FlashState, Problem, empty_state
from pybrms.flash.tau import FullPrecision, Precision, RankOnePrecision

VAR_TYPES = (0, 1, 2, None)


def default_tol(shape: tuple[int, int]) -> float:
    """flashier's tolerance ``sqrt(eps) n p``.

    Examples
    --------
    >>> round(default_tol((500, 300)), 5)
    0.00224
    """
    return float(np.sqrt(np.finfo(float).eps) * shape[0] * shape[1])


def init_problem(Y: object, S: object, var_type: object) -> tuple[Problem, FlashState]:
    """Validate the inputs and build the fixed part of a fit and its empty state.

    Raises
    ------
    FlashError
        For a ``var_type`` outside ``VAR_TYPES``, ``var_type=None`` without ``S``,
        ``S`` with an estimated ``var_type`` or ``S`` of the wrong shape, and for data
        whose residual sd cannot be estimated (no observed entry, or a row or column
        with no observed entry or only zeros when ``var_type`` estimates one sd per row
        or column).
    """
    _check_var_type(var_type)
    data = as_flash_data(Y)
    if var_type is None:
        known, tau_max = _known_precision(data, S), np.inf
    else:
        known, tau_max = None, _tau_max(S, var_type)
    _check_estimable(data, var_type, tau_max)
    problem = Problem(data, var_type, known, tau_max, default_tol(data.shape))  # type: ignore[arg-type]
    return problem, empty_state(problem)


def _check_estimable(data: FlashData, var_type: object, tau_max: float) -> None:
    """Every residual sd that ``var_type`` estimates needs observed data that are not all zero.

    Without this check an all-NaN slice gets an infinite residual sd and an all-zero
    one a residual sd of 0 (an unbounded likelihood), both without a word.
    """
    if data.n_obs == 0:
        raise FlashError("Y has no observed entries (every entry is NaN); there is nothing to fit")
    if var_type is None:
        return
    floor_hint = "or pass a scalar S as a floor on the residual sd"
    if var_type == 0:
        if np.isinf(tau_max) and not np.any(data.sum_squares(0)):
            raise FlashError(
                f"every observed entry of Y is zero, so the residual sd would be 0; {floor_hint}"
            )
        return
    mode = var_type - 1  # type: ignore[operator]
    name = ("row", "column")[mode]
    empty = np.flatnonzero(data.counts(mode) == 0)
    if empty.size:
        raise FlashError(
            f"var_type={var_type} estimates one residual sd per {name}, but {name}s "
            f"{_some(empty)} of Y have no observed entries (all NaN); remove them or use "
            "var_type=0"
        )
    zero = np.flatnonzero(data.sum_squares(mode) == 0) if np.isinf(tau_max) else empty
    if zero.size:
        raise FlashError(
            f"var_type={var_type} estimates one residual sd per {name}, but {name}s "
            f"{_some(zero)} of Y are all zero, so their residual sd would be 0; remove them, "
            f"use var_type=0, {floor_hint}"
        )


def _some(idx: np.ndarray, shown: int = 10) -> str:
    """``[i, j, ...]`` (0-based), cut after ``shown`` entries with the total count."""
    head = ", ".join(str(i) for i in idx[:shown])
    return f"[{head}]" if idx.size <= shown else f"[{head}, ...] ({idx.size} in all)"


def _check_var_type(var_type: object) -> None:
    valid = var_type is None or (type(var_type) is int and var_type in (0, 1, 2))
    if not valid:
        raise FlashError(
            "var_type must be 0 (constant), 1 (by row), 2 (by column) or None (known S); "
            f"got {var_type!r}"
        )


def _tau_max(S: object, var_type: object) -> float:
    """``1/S²`` for a scalar floor ``S`` on an estimated residual sd; infinity without ``S``."""
    if S is None:
        return np.inf
    S_arr = as_float_array("S", S)
    if S_arr.ndim != 0:
        raise FlashError(
            f"with an estimated var_type ({var_type!r}), S is a floor on the residual sd and "
            f"must be a positive scalar; got an array of shape {S_arr.shape}. Pass "
            "var_type=None to give every entry's standard error"
        )
    _check_sd_values(S_arr.reshape(1))
    return 1.0 / float(S_arr) ** 2


def _known_precision(data: FlashData, S: object) -> Precision:
    if S is None:
        raise FlashError("var_type=None means the standard errors are known, so S must be given")
    n, p = data.shape
    S_arr = as_float_array("S", S)
    if S_arr.ndim == 0:
        _check_sd_values(S_arr.reshape(1))
        return RankOnePrecision(np.full(n, 1.0 / float(S_arr) ** 2), np.ones(p))
    if S_arr.shape != (n, p):
        raise FlashError(
            f"S must be a positive scalar or an array of the same shape as Y {(n, p)}, "
            f"got shape {S_arr.shape}"
        )
    observed = np.ones((n, p), dtype=bool)
    observed[data.missing_rows, data.missing_cols] = False
    _check_sd_values(S_arr[observed])
    return FullPrecision.from_sd(data, np.where(observed, S_arr, 1.0))


def _check_sd_values(values: np.ndarray) -> None:
    if not np.all(np.isfinite(values) & (values > 0)):
        raise FlashError("S must hold positive, finite standard errors at every observed entry")
