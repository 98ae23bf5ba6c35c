"""ARMA autocorrelation of the residuals: ``ar()``, ``ma()`` and ``arma()`` (brms's
``cov = FALSE`` formulation).

As brms's ``stan_ac``: the residual of row ``n`` is ``err[n] = Y[n] - mu[n]``,
with ``mu`` holding the moving-average part but not yet the autoregressive one;
row ``n`` then adds ``ar[k] * err[n - k]`` and ``ma[k] * err[n - k]`` over the
earlier rows of its time series (``J_lag`` says how many there are). The data
are ordered by ``gr``, then ``time``, as brms orders them (:func:`time_positions`);
everything returned per row is in the user's order again
(:meth:`~pybrms.spec.model_spec.ModelSpec.in_input_order`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.formula.ac import ArmaCall
from pybrms.spec.default_priors import PriorRow, PriorTarget
from pybrms.spec.frame import check_columns, check_finite, evaluate, numeric, row_label
from pybrms.spec.names import ParName, Section
from pybrms.spec.terms.base import (
    EtaPart,
    MuUpdate,
    PriorDefaults,
    RowRequest,
    StanArg,
    Term,
    Variables,
    draws_of,
)

__all__ = [
    "CORRELATION_STRUCTURES",
    "ArmaEffects",
    "ArmaRows",
    "arma_par_names",
    "arma_prior_rows",
    "arma_prior_targets",
    "lags",
    "series_of",
    "time_positions",
]

#: brms's summary section of autocorrelation parameters.
CORRELATION_STRUCTURES = Section("Correlation Structures", -1)


@dataclass(frozen=True, eq=False)
class ArmaRows:
    """The rows an ARMA term reads, in time order: the response and the lags of each
    row, and ``order``, the position of each in the rows predicted."""

    y: np.ndarray
    J_lag: np.ndarray
    order: np.ndarray


@dataclass(frozen=True, eq=False)
class ArmaEffects(Term):
    """ARMA autocorrelation of the residuals of ``mu``.

    Attributes
    ----------
    dpar
        Always ``"mu"``.
    call
        The term as written.
    response
        The response expression, read again from new rows.
    y
        The response of the fitted rows (ordered as the data).
    J_lag
        brms's ``J_lag``: how many residuals of earlier rows of the same time
        series row ``n + 1`` reads.

    Examples
    --------
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [0.3, 1.2, 0.8, 2.0], "t": [2, 1, 2, 1], "g": list("aabb")})
    >>> term = build_spec("y ~ ar(t, g)", df).predictors[0].terms[-1]
    >>> term.standata()["J_lag"].tolist(), [n.name for n in term.par_names()]
    ([1, 0, 1, 0], ['ar[1]'])
    """

    template: ClassVar[str] = "terms/arma.stan.j2"

    dpar: str
    call: ArmaCall
    response: str
    y: np.ndarray
    J_lag: np.ndarray

    @classmethod
    def from_data(
        cls, call: ArmaCall, response: str, y: np.ndarray, data: pd.DataFrame
    ) -> ArmaEffects:
        """The term for ``data``, ordered by :func:`time_positions`.

        Raises
        ------
        SpecError
            When no time series has two rows (no residual would ever be read).
        """
        J_lag = lags(call, data)
        if len(J_lag) and not J_lag.any():
            raise SpecError(
                f"{call.text}: every time series has a single row, so no residual of an "
                "earlier row is ever used; give 'time' and 'gr' with several rows per series."
            )
        return cls("mu", call, response, y, J_lag)

    @property
    def p(self) -> int:
        """The autoregressive order."""
        return self.call.p

    @property
    def q(self) -> int:
        """The moving-average order."""
        return self.call.q

    def standata(self) -> dict[str, object]:
        """brms's ``Kar``, ``Kma`` and ``J_lag``."""
        return {"Kar": self.p, "Kma": self.q, "J_lag": self.J_lag}

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """None: the term updates the finished ``mu`` (:meth:`mu_update`)."""
        return ()

    def mu_update(self) -> MuUpdate:
        """brms's loop over rows: add the MA part, take the residual, store it for the
        later rows of the series, add the AR part."""
        body = []
        reads = [StanArg("Y", "vector", True), StanArg("J_lag", "array[] int", True)]
        if self.q:
            body.append("mu[n] += Err[n, 1:Kma] * ma;")
            reads += [StanArg("Kma", "int", True), StanArg("ma", "vector", False)]
        body += [
            "err[n] = Y[n] - mu[n];",
            "for (i in 1:J_lag[n]) {",
            "  Err[n + 1, i] = err[n + 1 - i];",
            "}",
        ]
        if self.p:
            body.append("mu[n] += Err[n, 1:Kar] * ar;")
            reads += [StanArg("Kar", "int", True), StanArg("ar", "vector", False)]
        declarations = (
            "// matrix storing lagged residuals",
            "matrix[N, max_lag] Err = rep_matrix(0, N, max_lag);",
            "vector[N] err;  // actual residuals",
        )
        return MuUpdate(
            declarations, tuple(body), tuple(reads), "include ARMA terms", self.call.text
        )

    def prior_rows(self, defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """brms's flat priors on ``ar`` and ``ma``, bounded to (-1, 1)."""
        return arma_prior_rows(self.call)

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """``ar``, then ``ma``, one class-wide prior for all their elements."""
        return arma_prior_targets(self.call)

    def par_names(self) -> tuple[ParName, ...]:
        """``ar[1]``, ..., ``ma[1]``, ... (brms's section "Correlation Structures")."""
        return arma_par_names(self.call)

    def rows(self, request: RowRequest) -> ArmaRows | None:
        """The response and lags of the fitted rows or of ``request.newdata``, in the
        order of :func:`time_positions`; None (the term left out, as brms's
        ``incl_autocor = FALSE`` of conditional effects) for new data without the
        response, whose residuals the term reads."""
        if request.newdata is None:
            return ArmaRows(self.y, self.J_lag, np.arange(len(self.y)))
        data = request.newdata
        if self.response not in data.columns:
            return None
        y = numeric(evaluate(self.response, data), f"response {self.response!r}")
        check_finite(y, f"Response {self.response!r}", data.index)
        order = time_positions(self.call, data)
        return ArmaRows(y[order], lags(self.call, data.iloc[order]), order)

    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """Zero: the term updates the finished linear predictor (:meth:`update_eta`)."""
        return np.zeros((1, 1))

    def update_eta(self, eta: np.ndarray, rows: object, variables: Variables) -> np.ndarray:
        """``mu`` with the ARMA parts, row by row as the Stan program computes it."""
        assert isinstance(rows, ArmaRows)
        ar = draws_of(variables, "ar") if self.p else None
        ma = draws_of(variables, "ma") if self.q else None
        out = np.array(eta, dtype=float)[:, rows.order]
        err = np.zeros_like(out)
        for n in range(out.shape[1]):
            # residuals of earlier rows that row n reads: brms's Err[n, 1:J_lag[n - 1]]
            lagged = rows.J_lag[n - 1] if n else 0
            past = err[:, n - lagged : n][:, ::-1] if lagged else err[:, :0]
            if ma is not None:
                k = min(self.q, lagged)
                out[:, n] += np.sum(past[:, :k] * ma[:, :k], axis=1)
            err[:, n] = rows.y[n] - out[:, n]
            if ar is not None:
                k = min(self.p, lagged)
                out[:, n] += np.sum(past[:, :k] * ar[:, :k], axis=1)
        result = np.empty_like(out)
        result[:, rows.order] = out
        return result


def _arma_classes(call: ArmaCall) -> tuple[tuple[str, int], ...]:
    return tuple((cls, k) for cls, k in (("ar", call.p), ("ma", call.q)) if k)


def arma_prior_rows(call: ArmaCall) -> tuple[PriorRow, ...]:
    """brms's flat priors on ``ar`` and ``ma`` of ``call``, bounded to (-1, 1)."""
    return tuple(PriorRow(None, cls, lb=-1.0, ub=1.0) for cls, _ in _arma_classes(call))


def arma_prior_targets(call: ArmaCall) -> tuple[PriorTarget, ...]:
    """``ar``, then ``ma``, one class-wide prior for all their elements."""
    return tuple(
        PriorTarget(cls, tuple(((cls, "", "", ""),) for _ in range(k)))
        for cls, k in _arma_classes(call)
    )


def arma_par_names(call: ArmaCall) -> tuple[ParName, ...]:
    """``ar[1]``, ..., ``ma[1]``, ... (brms's section "Correlation Structures")."""
    return tuple(
        ParName(
            cls,
            (j,),
            f"{cls}[{j}]",
            cls,
            "mu",
            CORRELATION_STRUCTURES,
            f"{cls}[{j}]",
            array=cls,
            dims=((f"{cls}_dim_0", str(j)),),
        )
        for cls, k in _arma_classes(call)
        for j in range(1, k + 1)
    )


def series_of(call: ArmaCall, data: pd.DataFrame) -> np.ndarray:
    """The series code of each row of ``data`` (0 for all rows without ``gr``)."""
    return _series(call, data)[0]


def _series(call: ArmaCall, data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The series code and time of each row (one series; the row order)."""
    check_columns(data, call.variables)  # new data may lack them
    n = len(data)
    group = pd.factorize(data[call.gr], sort=True)[0] if call.gr else np.zeros(n, dtype=np.int64)
    if call.time is None:
        return group, np.arange(n, dtype=float)
    time = data[call.time].to_numpy()
    if not pd.api.types.is_numeric_dtype(time):
        raise SpecError(
            f"{call.text}: time column {call.time!r} must be numeric, got {data[call.time].dtype}."
        )
    return group, time.astype(float)


def time_positions(call: ArmaCall, data: pd.DataFrame) -> np.ndarray:
    """Positions of the rows of ``data`` ordered by ``gr``, then ``time``, as brms's
    ``order_data``.

    Raises
    ------
    SpecError
        When a time point appears twice in one series (naming the rows).

    Examples
    --------
    >>> from pybrms.formula.ac import ArmaCall
    >>> df = pd.DataFrame({"t": [2, 1, 1], "g": ["a", "a", "b"]})
    >>> time_positions(ArmaCall("t", "g", 1, 0), df).tolist()
    [1, 0, 2]
    """
    group, time = _series(call, data)
    order = np.lexsort((time, group))
    same = (np.diff(group[order]) == 0) & (np.diff(time[order]) == 0)
    if same.any():
        k = int(np.flatnonzero(same)[0])
        first, second = row_label(data.index, order[k]), row_label(data.index, order[k + 1])
        raise SpecError(
            f"{call.text}: time points within groups must be unique; {first} and {second} "
            f"share {call.time or 'the row'} {time[order[k]]:g}."
        )
    return order


def lags(call: ArmaCall, data: pd.DataFrame) -> np.ndarray:
    """brms's ``J_lag`` of ``data`` (ordered by :func:`time_positions`): for row ``n``,
    how many of the residuals of rows ``n, n - 1, ..., n + 1 - max(p, q)`` belong
    to the series of row ``n + 1``; 0 for the last row.

    Examples
    --------
    >>> from pybrms.formula.ac import ArmaCall
    >>> df = pd.DataFrame({"g": ["a", "a", "a", "b", "b"]})
    >>> lags(ArmaCall(None, "g", 2, 0), df).tolist()
    [1, 2, 0, 1, 0]
    """
    group, _ = _series(call, data)
    max_lag = max(call.p, call.q)
    n = len(group)
    out = np.zeros(n, dtype=np.int64)
    for row in range(n - 1):
        window = group[max(0, row + 1 - max_lag) : row + 1]
        out[row] = int(np.sum(window == group[row + 1]))
    return out
