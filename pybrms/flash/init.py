"""Setting up a fit: validate ``Y``, ``S`` and ``var_type`` (flashier's ``flash_init``)."""

from __future__ import annotations

import numpy as np

from pybrms.errors import FlashError
from pybrms.flash.data import FlashData, as_flash_data, as_float_array
from pybrms.flash.noisy import NoisyVariance
from pybrms.flash.state import FlashState, Problem, empty_state
from pybrms.flash.tau import FullPrecision, Precision, RankOnePrecision

KRONECKER = (1, 2)
VAR_TYPES = (0, 1, 2, KRONECKER, None)


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

    ``S`` with an estimated ``var_type`` follows flashier: a scalar ``S`` with
    ``var_type`` 0, 1 or 2 is a floor on the residual sd; an ``n x p`` ``S`` (or any
    ``S`` with ``var_type=(1, 2)``) gives known standard errors to which an estimated
    variance is added (the "noisy" types, :mod:`pybrms.flash.noisy`).

    Raises
    ------
    FlashError
        For a ``var_type`` outside ``VAR_TYPES``, ``var_type=None`` without ``S``,
        ``S`` of the wrong shape or with values that are not positive and finite, and
        for data whose residual sd cannot be estimated (no observed entry, or a row or
        column with no observed entry or only zeros when ``var_type`` estimates one sd
        per row or column).
    """
    var_type = _check_var_type(var_type)
    data = as_flash_data(Y)
    known, tau_max, noisy = None, np.inf, None
    if var_type is None:
        known = _known_precision(data, S)
    elif S is not None:
        S_arr = _check_sd(data, S, var_type)
        if S_arr.ndim == 0 and var_type != KRONECKER:
            tau_max = 1.0 / float(S_arr) ** 2
        else:
            noisy = NoisyVariance.build(data, S_arr, var_type)
    _check_estimable(data, var_type, tau_max, noisy is not None)
    problem = Problem(data, var_type, known, tau_max, default_tol(data.shape), noisy)
    return problem, empty_state(problem)


def _check_estimable(data: FlashData, var_type: object, tau_max: float, noisy: bool) -> None:
    """Every residual sd that ``var_type`` estimates needs observed data that are not all zero.

    Without this check an all-NaN slice gets an infinite residual sd and an all-zero
    one a residual sd of 0 (an unbounded likelihood), both without a word.  Known
    standard errors (``var_type=None`` or the noisy types) keep every sd positive.
    """
    if data.n_obs == 0:
        raise FlashError("Y has no observed entries (every entry is NaN); there is nothing to fit")
    if var_type is None or noisy:
        return
    floor_hint = "or pass a scalar S as a floor on the residual sd"
    if var_type == 0:
        if np.isinf(tau_max) and not np.any(data.sum_squares(0)):
            raise FlashError(
                f"every observed entry of Y is zero, so the residual sd would be 0; {floor_hint}"
            )
        return
    modes = (0, 1) if var_type == KRONECKER else (var_type - 1,)  # type: ignore[operator]
    for mode in modes:
        _check_slices(data, var_type, tau_max, mode, floor_hint)


def _check_slices(
    data: FlashData, var_type: object, tau_max: float, mode: int, floor_hint: str
) -> None:
    name = ("row", "column")[mode]
    fallback = "var_type=0" if var_type != KRONECKER else f"var_type={2 - mode}"
    empty = np.flatnonzero(data.counts(mode) == 0)
    if empty.size:
        raise FlashError(
            f"var_type={var_type} estimates one residual sd per {name}, but {name}s "
            f"{index_list(empty)} of Y have no observed entries (all NaN); remove them or use "
            f"{fallback}"
        )
    zero = np.flatnonzero(data.sum_squares(mode) == 0) if np.isinf(tau_max) else empty
    if zero.size:
        hint = floor_hint if var_type != KRONECKER else "or pass S (known standard errors)"
        raise FlashError(
            f"var_type={var_type} estimates one residual sd per {name}, but {name}s "
            f"{index_list(zero)} of Y are all zero, so their residual sd would be 0; remove them, "
            f"use {fallback}, {hint}"
        )


def index_list(idx: np.ndarray, shown: int = 10) -> str:
    """``[i, j, ...]`` (0-based), cut after ``shown`` entries with the total count."""
    head = ", ".join(str(i) for i in idx[:shown])
    return f"[{head}]" if idx.size <= shown else f"[{head}, ...] ({idx.size} in all)"


def _check_var_type(var_type: object) -> int | tuple[int, int] | None:
    """``var_type`` as stored: ``None``, 0, 1, 2 or ``(1, 2)`` (from a tuple or list)."""
    if var_type is None or (type(var_type) is int and var_type in (0, 1, 2)):
        return var_type
    if isinstance(var_type, tuple | list) and all(type(v) is int for v in var_type):
        if sorted(var_type) == list(KRONECKER):
            return KRONECKER
    raise FlashError(
        "var_type must be 0 (constant), 1 (by row), 2 (by column), (1, 2) (Kronecker: "
        f"by row times by column) or None (known S); got {var_type!r}"
    )


def _check_sd(data: FlashData, S: object, var_type: object) -> np.ndarray:
    """``S`` as a positive scalar or an ``n x p`` array (set to 1 at missing entries)."""
    S_arr = as_float_array("S", S)
    n, p = data.shape
    if S_arr.ndim == 0:
        _check_sd_values(S_arr.reshape(1))
        return S_arr
    if S_arr.shape != (n, p):
        roles = (
            ""
            if var_type is None
            else f" (with var_type={var_type!r}, a scalar S is a floor on the residual sd and "
            "an array gives known standard errors, to which an estimated variance is added)"
        )
        raise FlashError(
            f"S must be a positive scalar or an array of the same shape as Y {(n, p)}, "
            f"got shape {S_arr.shape}{roles}"
        )
    observed = np.ones((n, p), dtype=bool)
    observed[data.missing_rows, data.missing_cols] = False
    _check_sd_values(S_arr[observed])
    return np.where(observed, S_arr, 1.0)


def _known_precision(data: FlashData, S: object) -> Precision:
    if S is None:
        raise FlashError("var_type=None means the standard errors are known, so S must be given")
    S_arr = _check_sd(data, S, None)
    if S_arr.ndim == 0:
        n, p = data.shape
        return RankOnePrecision(np.full(n, 1.0 / float(S_arr) ** 2), np.ones(p))
    return FullPrecision.from_sd(data, S_arr)


def _check_sd_values(values: np.ndarray) -> None:
    if not np.all(np.isfinite(values) & (values > 0)):
        raise FlashError("S must hold positive, finite standard errors at every observed entry")
