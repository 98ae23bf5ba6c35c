"""Residual correlation of time series through their covariance matrix: brms's
``cosy()`` (compound symmetry) and ``ar()``, ``ma()``, ``arma()`` with ``cov = TRUE``.

As brms's ``normal_time_hom`` likelihood: the rows are ordered by ``gr``, then
``time`` (:func:`~pybrms.spec.terms.arma.time_positions`); the rows of each
series ``i`` (``begin_tg[i]:end_tg[i]``, ``nobs_tg[i]`` of them) are one draw of
a multivariate normal (or Student-t) with mean ``mu`` and covariance
``sigma^2 * cor``, ``cor`` the leading block of the correlation matrix
``cor(t - s)`` of the structure (``chol_cor``, its Cholesky factor); series are
independent. Everything returned per row is in the user's order again
(:meth:`~pybrms.spec.model_spec.ModelSpec.in_input_order`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from pybrms.formula.ac import ArmaCall
from pybrms.spec.default_priors import PriorRow, PriorTarget
from pybrms.spec.families import DparDraws
from pybrms.spec.names import ParName
from pybrms.spec.terms.arma import (
    CORRELATION_STRUCTURES,
    arma_par_names,
    arma_prior_rows,
    arma_prior_targets,
    series_of,
    time_positions,
)
from pybrms.spec.terms.base import (
    EtaPart,
    PriorDefaults,
    RowRequest,
    StanArg,
    Term,
    Variables,
    draws_of,
)

__all__ = ["SeriesRows", "TimeCovariance", "correlation_matrices"]

# brms's Stan densities of the families whose residuals the structures correlate.
_DENSITIES = {"gaussian": "normal_time", "student": "student_t_time"}


@dataclass(frozen=True, eq=False)
class SeriesRows:
    """The series of the rows a prediction reads: rows per series (``nobs``) in
    time order, and ``order``, the position of each of those rows in the rows predicted."""

    nobs: np.ndarray
    order: np.ndarray


@dataclass(frozen=True, eq=False)
class TimeCovariance(Term):
    """Correlated residuals within time series, through their covariance matrix.

    Attributes
    ----------
    dpar
        Always ``"mu"``.
    call
        The term as written: ``cosy()``, or an ARMA term of order one with ``cov = TRUE``.
    family
        ``"gaussian"`` or ``"student"``: which of brms's densities the model uses.
    nobs
        Rows per series of the fitted rows, in time order (brms's ``nobs_tg``).

    Examples
    --------
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [0.3, 1.2, 0.8, 2.0, 1.1], "t": [2, 1, 2, 1, 3],
    ...                    "g": list("aabbb")})
    >>> term = build_spec("y ~ cosy(t, g)", df).predictors[0].terms[-1]
    >>> {k: np.asarray(v).tolist() for k, v in term.standata().items()}
    {'N_tg': 2, 'begin_tg': [1, 3], 'end_tg': [2, 5], 'nobs_tg': [2, 3]}
    >>> [n.name for n in term.par_names()]
    ['cosy']
    """

    template: ClassVar[str] = "terms/time_cov.stan.j2"

    dpar: str
    call: ArmaCall
    family: str
    nobs: np.ndarray

    @classmethod
    def from_data(cls, call: ArmaCall, family: str, data: pd.DataFrame) -> TimeCovariance:
        """The term for ``data``, already ordered by
        :func:`~pybrms.spec.terms.arma.time_positions`."""
        return cls("mu", call, family, series_sizes(call, data))

    @property
    def cosy(self) -> bool:
        """Whether this is ``cosy()`` rather than an ARMA structure."""
        return self.call.kind == "cosy"

    @property
    def cholesky(self) -> str:
        """brms's Stan call of the Cholesky factor of the correlation matrix."""
        if self.cosy:
            return "cholesky_cor_cosy(cosy, max_nobs_tg)"
        if self.call.p and self.call.q:
            return "cholesky_cor_arma1(ar[1], ma[1], max_nobs_tg)"
        if self.call.p:
            return "cholesky_cor_ar1(ar[1], max_nobs_tg)"
        return "cholesky_cor_ma1(ma[1], max_nobs_tg)"

    @property
    def density(self) -> str:
        """brms's density of the series without its ``_hom``/``_het`` suffix."""
        return _DENSITIES[self.family]

    def standata(self) -> dict[str, object]:
        """brms's ``Kar`` and ``Kma`` (ARMA structures), ``N_tg``, ``begin_tg``,
        ``end_tg`` and ``nobs_tg``."""
        end = np.cumsum(self.nobs)
        out: dict[str, object] = {} if self.cosy else {"Kar": self.call.p, "Kma": self.call.q}
        return out | {
            "N_tg": len(self.nobs),
            "begin_tg": end - self.nobs + 1,
            "end_tg": end,
            "nobs_tg": self.nobs,
        }

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """None: the structure is in the likelihood (:meth:`likelihood_args`)."""
        return ()

    def likelihood_args(self) -> dict[str, StanArg]:
        """What brms's time-series density reads besides ``Y``, ``mu`` and the dpars."""
        return {
            "chol_cor": StanArg("chol_cor", "matrix", False),
            "se2": StanArg("se2", "vector", True),
            "nobs": StanArg("nobs_tg", "array[] int", True),
            "begin": StanArg("begin_tg", "array[] int", True),
            "end": StanArg("end_tg", "array[] int", True),
        }

    def functions(self) -> tuple[str, ...]:
        """The density and the Cholesky factor of the correlation matrix (brms's files)."""
        cor = self.cholesky.split("(")[0]
        return (f"{self.density}.stan", f"{cor}.stan")

    def prior_rows(self, defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """brms's flat prior on ``cosy`` bounded to (0, 1), or on ``ar`` and ``ma``
        bounded to (-1, 1)."""
        if self.cosy:
            return (PriorRow(None, "cosy", lb=0.0, ub=1.0),)
        return arma_prior_rows(self.call)

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """``cosy``, or ``ar`` then ``ma``."""
        if self.cosy:
            return (PriorTarget("cosy", ((("cosy", "", "", ""),),), scalar=True),)
        return arma_prior_targets(self.call)

    def par_names(self) -> tuple[ParName, ...]:
        """``cosy``, or ``ar[1]`` and ``ma[1]`` (brms's section "Correlation Structures")."""
        if self.cosy:
            return (ParName("cosy", (), "cosy", "cosy", "mu", CORRELATION_STRUCTURES, "cosy"),)
        return arma_par_names(self.call)

    def rows(self, request: RowRequest) -> SeriesRows:
        """The series of the fitted rows, or of ``request.newdata`` ordered by
        :func:`~pybrms.spec.terms.arma.time_positions`."""
        if request.newdata is None:
            return SeriesRows(self.nobs, np.arange(int(self.nobs.sum())))
        order = time_positions(self.call, request.newdata)
        return SeriesRows(series_sizes(self.call, request.newdata.iloc[order]), order)

    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """Zero: the structure correlates the residuals, not the mean."""
        return np.zeros((1, 1))

    def log_lik(
        self, draws: DparDraws, y: np.ndarray, rows: SeriesRows, variables: Variables
    ) -> np.ndarray:
        """brms's pointwise log-likelihood (``log_lik_gaussian_time``,
        ``log_lik_student_time``): the density of each row given the other rows of
        its series, ``(S, N)``."""
        out = np.empty_like(draws.dpars["mu"], dtype=float)
        for rows_i, cov in self._blocks(draws, rows, variables):
            e = y[rows_i] - draws.dpars["mu"][:, rows_i]
            inverse = np.linalg.inv(cov)
            g = np.einsum("sij,sj->si", inverse, e)
            cbar = np.diagonal(inverse, axis1=1, axis2=2)
            loo_mean = y[rows_i] - g / cbar
            if self.family == "gaussian":
                out[:, rows_i] = stats.norm.logpdf(y[rows_i], loo_mean, np.sqrt(1 / cbar))
                continue
            nu = draws.dpars["nu"][:, :1]
            n = len(rows_i)
            # e'C_{-i}^{-1}e_{-i} of brms's student_t_cov_factor, through the whole inverse
            beta1 = np.sum(e * g, axis=1, keepdims=True) - g**2 / cbar
            scale = np.sqrt((nu + beta1) / (nu + n - 1) / cbar)
            out[:, rows_i] = stats.t.logpdf(y[rows_i], nu + n - 1, loo_mean, scale)
        return out

    def predict(
        self,
        draws: DparDraws,
        rows: SeriesRows,
        variables: Variables,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Draws of the series, correlated as the model says (brms's
        ``posterior_predict_gaussian_time`` and ``..._student_time``), ``(S, N)``."""
        mu = draws.dpars["mu"]
        out = np.empty_like(mu, dtype=float)
        for rows_i, cov in self._blocks(draws, rows, variables):
            z = rng.standard_normal((mu.shape[0], len(rows_i)))
            noise = np.einsum("sij,sj->si", np.linalg.cholesky(cov), z)
            if self.family == "student":
                nu = draws.dpars["nu"][:, :1]
                noise /= np.sqrt(rng.chisquare(nu) / nu)
            out[:, rows_i] = mu[:, rows_i] + noise
        return out

    def _blocks(
        self, draws: DparDraws, rows: SeriesRows, variables: Variables
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Per series: its positions among the rows predicted and the covariance
        matrices ``(S, n, n)`` of its rows."""
        sigma = np.broadcast_to(draws.dpars["sigma"], draws.dpars["mu"].shape)
        end = np.cumsum(rows.nobs)
        for first, last in zip(end - rows.nobs, end, strict=True):
            rows_i = rows.order[first:last]
            cor = correlation_matrices(self.call, variables, len(rows_i))
            sd = sigma[:, rows_i]
            yield rows_i, sd[:, :, np.newaxis] * sd[:, np.newaxis, :] * cor


def series_sizes(call: ArmaCall, data: pd.DataFrame) -> np.ndarray:
    """Rows per series of ``data``, ordered by series (brms's ``nobs_tg``).

    Examples
    --------
    >>> series_sizes(ArmaCall(None, "g", 0, 0, kind="cosy"), pd.DataFrame({"g": list("aab")}))
    array([2, 1])
    """
    group = series_of(call, data)
    return np.diff(np.flatnonzero(np.r_[True, np.diff(group) != 0, True]))


def correlation_matrices(call: ArmaCall, variables: Variables, n: int) -> np.ndarray:
    """brms's correlation matrices ``(S, n, n)`` of ``n`` consecutive times of one
    series (``get_cor_matrix_cosy``, ``..._ar1``, ``..._ma1``, ``..._arma1``).

    Examples
    --------
    >>> call = ArmaCall(None, None, 1, 0, cov=True)
    >>> correlation_matrices(call, {"ar": np.full((1, 1, 1), 0.5)}, 3)[0].round(3).tolist()
    [[1.333, 0.667, 0.333], [0.667, 1.333, 0.667], [0.333, 0.667, 1.333]]
    """
    lag = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    if call.kind == "cosy":
        cosy = draws_of(variables, "cosy")[:, np.newaxis, np.newaxis]
        return np.where(lag == 0, 1.0, cosy)
    ar = draws_of(variables, "ar")[:, :1, np.newaxis] if call.p else None
    ma = draws_of(variables, "ma")[:, :1, np.newaxis] if call.q else None
    if ar is None:
        assert ma is not None
        return np.where(lag == 0, 1 + ma**2, np.where(lag == 1, ma, 0.0))
    if ma is None:
        return ar**lag / (1 - ar**2)
    gamma = (1 + ar * ma) * (ar + ma) * ar ** np.maximum(lag - 1, 0)
    return np.where(lag == 0, 1 + ma**2 + 2 * ar * ma, gamma) / (1 - ar**2)
