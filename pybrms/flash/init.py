"""Setting up a fit: validate ``Y``, ``S`` and ``var_type`` (flashier's ``flash_init``)."""

from __future__ import annotations

import numpy as np

from pybrms.flash.data import FlashData, as_flash_data
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
    ValueError
        For a ``var_type`` outside ``VAR_TYPES``, ``var_type=None`` without ``S``,
        ``S`` with an estimated ``var_type`` or ``S`` of the wrong shape.
    """
    _check_var_type(var_type)
    data = as_flash_data(Y)
    if var_type is None:
        known, tau_max = _known_precision(data, S), np.inf
    else:
        known, tau_max = None, _tau_max(S, var_type)
    problem = Problem(data, var_type, known, tau_max, default_tol(data.shape))  # type: ignore[arg-type]
    return problem, empty_state(problem)


def _check_var_type(var_type: object) -> None:
    valid = var_type is None or (type(var_type) is int and var_type in (0, 1, 2))
    if not valid:
        raise ValueError(
            "var_type must be 0 (constant), 1 (by row), 2 (by column) or None (known S); "
            f"got {var_type!r}"
        )


def _tau_max(S: object, var_type: object) -> float:
    """``1/S²`` for a scalar floor ``S`` on an estimated residual sd; infinity without ``S``."""
    if S is None:
        return np.inf
    S_arr = np.asarray(S, dtype=float)
    if S_arr.ndim != 0:
        raise ValueError(
            f"with an estimated var_type ({var_type!r}), S is a floor on the residual sd and "
            f"must be a positive scalar; got an array of shape {S_arr.shape}. Pass "
            "var_type=None to give every entry's standard error"
        )
    _check_sd_values(S_arr.reshape(1))
    return 1.0 / float(S_arr) ** 2


def _known_precision(data: FlashData, S: object) -> Precision:
    if S is None:
        raise ValueError("var_type=None means the standard errors are known, so S must be given")
    n, p = data.shape
    S_arr = np.asarray(S, dtype=float)
    if S_arr.ndim == 0:
        _check_sd_values(S_arr.reshape(1))
        return RankOnePrecision(np.full(n, 1.0 / float(S_arr) ** 2), np.ones(p))
    if S_arr.shape != (n, p):
        raise ValueError(
            f"S must be a positive scalar or an array of the same shape as Y {(n, p)}, "
            f"got shape {S_arr.shape}"
        )
    observed = np.ones((n, p), dtype=bool)
    observed[data.missing_rows, data.missing_cols] = False
    _check_sd_values(S_arr[observed])
    return FullPrecision.from_sd(data, np.where(observed, S_arr, 1.0))


def _check_sd_values(values: np.ndarray) -> None:
    if not np.all(np.isfinite(values) & (values > 0)):
        raise ValueError("S must hold positive, finite standard errors at every observed entry")
