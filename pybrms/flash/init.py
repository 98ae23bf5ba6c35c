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


def init_problem(
    Y: object, S: object, var_type: object, S_dim: object = None
) -> tuple[Problem, FlashState]:
    """Validate the inputs and build the fixed part of a fit and its empty state.

    ``S`` is a scalar, a vector (one sd per row or per column, the sense read from its
    length or from ``S_dim``) or an ``n x p`` array.  With an estimated ``var_type`` it
    follows flashier's ``is.S2.stored``: a scalar ``S`` with ``var_type`` 0, 1 or 2, or
    a vector along the mode ``var_type`` estimates, is a floor on the residual sd;
    any other ``S`` (and every ``S`` with ``var_type=(1, 2)``) gives known standard
    errors to which an estimated variance is added (the "noisy" types,
    :mod:`pybrms.flash.noisy`).

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
    known: Precision | None = None
    tau_max: float | np.ndarray = np.inf
    noisy = None
    if var_type is None:
        if S is None:
            raise FlashError(
                "var_type=None means the standard errors are known, so S must be given"
            )
        known = _known_precision(data, _check_sd(data, S, None, S_dim))
    elif S is not None:
        S2 = _check_sd(data, S, var_type, S_dim) ** 2
        along = _sd_mode(S2)
        if isinstance(var_type, int) and along in (-1, var_type - 1):
            tau_max = 1.0 / (S2.ravel() if along >= 0 else float(S2[0, 0]))
        else:
            noisy = NoisyVariance(var_type, S2)
    elif S_dim is not None:
        raise FlashError(f"S_dim={S_dim!r} was given without S; S_dim says how a vector S is read")
    _check_estimable(data, var_type, tau_max, noisy is not None)
    problem = Problem(data, var_type, known, tau_max, default_tol(data.shape), noisy)
    return problem, empty_state(problem)


def _check_estimable(
    data: FlashData, var_type: object, tau_max: float | np.ndarray, noisy: bool
) -> None:
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
        if np.all(np.isinf(tau_max)) and not np.any(data.sum_squares(0)):
            raise FlashError(
                f"every observed entry of Y is zero, so the residual sd would be 0; {floor_hint}"
            )
        return
    modes = (0, 1) if var_type == KRONECKER else (var_type - 1,)  # type: ignore[operator]
    for mode in modes:
        _check_slices(data, var_type, tau_max, mode, floor_hint)


def _check_slices(
    data: FlashData,
    var_type: object,
    tau_max: float | np.ndarray,
    mode: int,
    floor_hint: str,
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
    zero = np.flatnonzero(data.sum_squares(mode) == 0) if np.all(np.isinf(tau_max)) else empty
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


def _check_sd(data: FlashData, S: object, var_type: object, S_dim: object) -> np.ndarray:
    """``S`` as a 2-d array broadcastable to ``Y``'s shape: ``1 x 1`` (a scalar),
    ``n x 1`` (one sd per row), ``1 x p`` (per column) or ``n x p`` (set to 1 at
    missing entries), after flashier's ``infer.S.dim`` and ``dims.must.match``.

    Examples
    --------
    >>> import numpy as np
    >>> d = as_flash_data(np.ones((3, 2)))
    >>> _check_sd(d, [1.0, 2.0], 0, None).shape, _check_sd(d, 2.0, 0, None).shape
    ((1, 2), (1, 1))
    """
    S_arr = as_float_array("S", S)
    n, p = data.shape
    if S_dim not in (None, 0, 1, 2) or isinstance(S_dim, bool):
        raise FlashError(f"S_dim must be None, 1 (S by row) or 2 (S by column), got {S_dim!r}")
    if S_arr.ndim == 0 and S_dim in (None, 0):
        _check_sd_values(S_arr.reshape(1))
        return S_arr.reshape(1, 1)
    if S_arr.ndim == 1 and S_dim != 0:
        along = _vector_mode(S_arr.size, (n, p), S_dim)
        _check_sd_values(S_arr)
        return S_arr[:, None] if along == 0 else S_arr[None, :]
    if S_arr.shape != (n, p) or S_dim is not None:
        roles = (
            ""
            if var_type is None
            else f" (with var_type={var_type!r}, a scalar S, or a vector along the mode that "
            "var_type estimates, is a floor on the residual sd; any other S gives known "
            "standard errors, to which an estimated variance is added)"
        )
        dim_note = "" if S_dim is None else f" with S_dim={S_dim!r}"
        raise FlashError(
            "S must be a positive scalar, a vector of length n (one sd per row) or p (per "
            f"column), or an array of the same shape as Y {(n, p)}; got shape "
            f"{S_arr.shape}{dim_note}{roles}"
        )
    observed = np.ones((n, p), dtype=bool)
    observed[data.missing_rows, data.missing_cols] = False
    _check_sd_values(S_arr[observed])
    return np.where(observed, S_arr, 1.0)


def _vector_mode(length: int, shape: tuple[int, int], S_dim: object) -> int:
    """0 when a vector ``S`` holds one sd per row, 1 per column (flashier's ``S.dim - 1``)."""
    n, p = shape
    if S_dim is not None:
        along = int(S_dim) - 1  # type: ignore[call-overload]
        if length != shape[along]:
            name = ("rows", "columns")[along]
            raise FlashError(
                f"S_dim={S_dim} reads S as one sd per {name[:-1]}, so S needs length "
                f"{shape[along]} (the {name} of Y), got length {length}"
            )
        return along
    if length == n == p:
        raise FlashError(
            f"S has length {length} and Y is square ({n} x {p}), so S could hold one sd per "
            "row or per column; pass S_dim=1 (by row) or S_dim=2 (by column)"
        )
    if length not in (n, p):
        raise FlashError(
            f"S has length {length}, which matches neither the {n} rows nor the {p} columns of Y"
        )
    return 0 if length == n else 1


def _sd_mode(S: np.ndarray) -> int:
    """-1 for a scalar ``S``, 0 (by row) or 1 (by column) for a vector, 2 for a matrix."""
    rows, cols = S.shape
    if rows == 1 and cols == 1:
        return -1
    if cols == 1:
        return 0
    return 1 if rows == 1 else 2


def _known_precision(data: FlashData, S: np.ndarray) -> Precision:
    """τ = 1/S² as a rank-one precision (the vectors only) unless ``S`` is ``n x p``."""
    if _sd_mode(S) == 2:
        return FullPrecision.from_sd(data, S)
    n, p = data.shape
    if _sd_mode(S) == 1:
        return RankOnePrecision(np.ones(n), 1.0 / S.ravel() ** 2)
    return RankOnePrecision(np.broadcast_to(1.0 / S**2, (n, 1)).ravel(), np.ones(p))


def _check_sd_values(values: np.ndarray) -> None:
    if not np.all(np.isfinite(values) & (values > 0)):
        raise FlashError("S must hold positive, finite standard errors at every observed entry")
