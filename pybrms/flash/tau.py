"""Residual precision τ: its structures, its closed-form M-step and its log-likelihood term.

Everything here works from sufficient statistics (FLASH.md, sections 2-4): the
expected squared residuals ``Σ_j Z_ij E[R_ij²]`` are assembled from products of
``Y`` with the posterior means (kept in the fit state as ``YP``), Gram matrices
and mask products, never from a residual matrix.

Two structures cover flashier's variance types:

* :class:`RankOnePrecision` ``τ_ij = row_i · col_j``: constant (``var_type=0``),
  by row (``1``), by column (``2``), Kronecker (``(1, 2)``, estimated in
  :mod:`pybrms.flash.kronecker`) and a known scalar ``S`` (``var_type=None``).
* :class:`FullPrecision` ``τ_ij = 1/S_ij²``: a known matrix of standard errors; its
  subclass :class:`pybrms.flash.noisy.NoisyPrecision` adds an estimated variance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Self

import numpy as np
from scipy.special import xlogy

from pybrms.flash.data import FlashData, MatrixLike

EPS = float(np.finfo(float).eps)
# A slice whose residual variance is this small next to its mean square is fit exactly.
VANISHING = 1e-6
LOG_2PI = float(np.log(2 * np.pi))

Moments = tuple[np.ndarray, np.ndarray]


def rowdot(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Row-wise inner products ``Σ_k A_ik B_ik``."""
    return np.einsum("ik,ik->i", A, B)


def expected_sq_residuals(
    data: FlashData, EF: Moments, EF2: Moments, YP: Moments, mode: int
) -> np.ndarray:
    """``Σ Z_ij E_q[R_ij²]`` by row (``mode=0``) or by column (``mode=1``).

    Parameters
    ----------
    data
        The observed data.
    EF, EF2
        First and second posterior moments ``(L̄, F̄)`` and ``(L̃, F̃)``.
    YP
        ``(Y F̄, Yᵀ L̄)``.
    mode
        0 for a vector over rows, 1 for a vector over columns.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from pybrms.flash.data import as_flash_data
    >>> Y = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> L, F = np.zeros((2, 1)), np.zeros((2, 1))
    >>> expected_sq_residuals(as_flash_data(Y), (L, F), (L, F), (L, F), 0).tolist()
    [5.0, 25.0]
    """
    own, other = EF[mode], EF[1 - mode]
    own2, other2 = EF2[mode], EF2[1 - mode]
    cross = rowdot(own, YP[mode])
    quad = data.masked_square_norm(EF[0], EF[1], mode)
    second = rowdot(own2, data.mask_times(other2, mode))
    var = second - rowdot(own**2, data.mask_times(other**2, mode))
    return data.sum_squares(mode) - 2 * cross + quad + var


@dataclass(frozen=True)
class WeightedResiduals:
    """Slice sums ``Σ Z w E_q[R²]`` for any weights ``w`` along the summed mode.

    ``Y ∘ Y`` and ``Y ∘ L̄F̄ᵀ`` are formed once, of the same kind as ``Y`` (sparse
    stays sparse), so each new set of weights costs one pass over them plus
    ``O((n + p) K²)``: the Kronecker M-step asks for up to 200 sets.

    Examples
    --------
    >>> import numpy as np
    >>> from pybrms.flash.data import as_flash_data
    >>> Y = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> L, F = np.zeros((2, 1)), np.zeros((2, 1))
    >>> sums = WeightedResiduals.build(as_flash_data(Y), (L, F), (L, F))
    >>> sums(np.array([1.0, 0.5]), 0).tolist()
    [3.0, 17.0]
    """

    data: FlashData
    EF: Moments
    EF2: Moments
    y_fitted: MatrixLike

    @classmethod
    def build(cls, data: FlashData, EF: Moments, EF2: Moments) -> WeightedResiduals:
        """Precompute ``Y ∘ L̄F̄ᵀ`` for the moments ``EF``, ``EF2``."""
        return cls(data, EF, EF2, data.times_low_rank(EF[0], EF[1]))

    def __call__(self, weights: np.ndarray, mode: int) -> np.ndarray:
        """``Σ_j Z_ij w_j E[R_ij²]`` by row (``mode=0``), ``Σ_i Z_ij w_i E[R_ij²]`` by column."""
        data = self.data
        own, other = self.EF[mode], self.EF[1 - mode]
        own2, other2 = self.EF2[mode], self.EF2[1 - mode]

        def contract(M: MatrixLike) -> np.ndarray:
            return np.asarray(M @ weights if mode == 0 else M.T @ weights)

        w = weights[:, None]
        quad = data.masked_square_norm(self.EF[0], self.EF[1], mode, weights)
        second = rowdot(own2, data.mask_times(w * other2, mode))
        var = second - rowdot(own**2, data.mask_times(w * other**2, mode))
        return contract(data.squared) - 2 * contract(self.y_fitted) + quad + var


@dataclass(frozen=True)
class RankOnePrecision:
    """Precision ``τ_ij = row_i · col_j`` on the observed entries.

    Examples
    --------
    >>> import numpy as np
    >>> RankOnePrecision(np.full(3, 4.0), np.ones(2)).residuals_sd()
    0.5
    """

    row: np.ndarray
    col: np.ndarray

    def side(self, mode: int) -> np.ndarray:
        """The factor of τ along ``mode``."""
        return self.row if mode == 0 else self.col

    def _uniform(self, mode: int) -> bool:
        v = self.side(mode)
        return bool(np.all(v == v[0]))

    def times(self, data: FlashData, V: np.ndarray, mode: int) -> np.ndarray:
        """``Σ_other W V`` with ``W = Z ∘ τ``: ``W @ V`` (mode 0) or ``Wᵀ @ V`` (mode 1)."""
        a, b = self.side(mode), self.side(1 - mode)
        return a[:, None] * data.mask_times(b[:, None] * V, mode)

    def y_times(
        self, data: FlashData, v: np.ndarray, mode: int, cached: np.ndarray | None = None
    ) -> np.ndarray:
        """``(W ∘ Y) v`` (mode 0) or ``(W ∘ Y)ᵀ v`` (mode 1).

        ``cached`` is the unweighted product ``Y v`` (resp. ``Yᵀ v``) if known; it is
        used when τ does not vary along the contracted mode.
        """
        a, b = self.side(mode), self.side(1 - mode)
        if cached is not None and self._uniform(1 - mode):
            return a * (b[0] * cached)
        return a * data.project(b * v, mode)

    def loglik(self, data: FlashData, EF: Moments, EF2: Moments, YP: Moments) -> float:
        """``E_q log p(Y | L, F, τ)``."""
        if self._uniform(0) or self._uniform(1):
            mode = 0 if self._uniform(1) else 1
            return self.loglik_from_sums(data, expected_sq_residuals(data, EF, EF2, YP, mode), mode)
        r2 = np.maximum(WeightedResiduals.build(data, EF, EF2)(self.col, 0), 0.0)
        return self._loglik(data, float(np.sum(self.row * r2)))

    def loglik_from_sums(self, data: FlashData, r2: np.ndarray, mode: int) -> float:
        """:meth:`loglik` from the slice sums ``r2 = Σ Z E[R²]`` along ``mode``, for a τ
        uniform along the other mode."""
        # Slice sums are ≥ 0 by definition; cancellation can leave a tiny negative value
        # for a column (or row) fitted exactly, which τ ~ n/eps would turn into a huge bonus.
        r2 = np.maximum(r2, 0.0)
        return self._loglik(data, float(np.sum(self.side(mode) * self.side(1 - mode)[0] * r2)))

    def _loglik(self, data: FlashData, weighted: float) -> float:
        logdet = float(
            np.sum(xlogy(data.counts(0), self.row)) + np.sum(xlogy(data.counts(1), self.col))
        )
        return -0.5 * (data.n_obs * LOG_2PI - logdet + weighted)

    def noise_variance_sum(self, data: FlashData) -> float:
        """``Σ Z_ij / τ_ij``, the residual part of the total variance (for the PVE)."""
        inv_col = data.mask_times(1.0 / self.col, 0)
        return float(np.sum(inv_col / self.row))

    def vanishing(self, data: FlashData, mode: int) -> np.ndarray:
        """Slices of ``mode`` (rows or columns) whose τ varies and whose mean residual
        variance is below ``VANISHING`` times their mean square: the factors fit them
        exactly, and their τ (with the ELBO) grows without bound.

        Examples
        --------
        >>> import numpy as np
        >>> from pybrms.flash.data import as_flash_data
        >>> tau = RankOnePrecision(np.array([1.0, 1e9]), np.ones(2))
        >>> tau.vanishing(as_flash_data(np.ones((2, 2))), 0).tolist()
        [1]
        """
        if self._uniform(mode):
            return np.zeros(0, dtype=int)
        # Both sums run over the same observed entries, so the counts cancel.
        variance_sum = data.mask_times(1.0 / self.side(1 - mode), mode) / self.side(mode)
        return np.flatnonzero(variance_sum < VANISHING * data.sum_squares(mode))

    def residuals_sd(self) -> float | np.ndarray | tuple[np.ndarray, np.ndarray]:
        """``1/sqrt(τ)``: a scalar when τ is constant, a vector over the varying mode,
        or the pair ``(by row, by column)`` when both vary (Kronecker; the sd of entry
        ``(i, j)`` is their product)."""
        if self._uniform(0) and self._uniform(1):
            return float(1.0 / np.sqrt(self.row[0] * self.col[0]))
        if not (self._uniform(0) or self._uniform(1)):
            return (1.0 / np.sqrt(self.row), 1.0 / np.sqrt(self.col))
        mode = 0 if self._uniform(1) else 1
        return 1.0 / np.sqrt(self.side(mode) * self.side(1 - mode)[0])

    def extrapolate(self, previous: Precision, beta: float, data: FlashData) -> RankOnePrecision:
        """``τ + β (τ - τ_prev)``, kept above 1e-10 (FLASH.md 8.2)."""
        assert isinstance(previous, RankOnePrecision)  # a fit keeps one kind of τ
        return RankOnePrecision(
            np.maximum(self.row + beta * (self.row - previous.row), 1e-10),
            np.maximum(self.col + beta * (self.col - previous.col), 1e-10),
        )


@dataclass(frozen=True)
class FullPrecision:
    """Known precision ``τ_ij = 1/S_ij²`` given entry by entry (``var_type=None``).

    Parameters
    ----------
    W
        Dense ``n x p`` weights ``Z / S²`` (zero at missing entries).
    WY
        The data multiplied elementwise by ``W``.
    wy2
        ``Σ W Y²``.
    """

    W: np.ndarray
    WY: FlashData
    wy2: float

    @classmethod
    def from_sd(cls, data: FlashData, S: np.ndarray) -> FullPrecision:
        """Build from a matrix of standard errors.

        Examples
        --------
        >>> import numpy as np
        >>> from pybrms.flash.data import as_flash_data
        >>> d = as_flash_data(np.ones((2, 2)))
        >>> FullPrecision.from_sd(d, np.full((2, 2), 0.5)).wy2
        16.0
        """
        return cls.from_weights(data, 1.0 / np.asarray(S, dtype=float) ** 2)

    @classmethod
    def from_weights(cls, data: FlashData, W: np.ndarray, **more: object) -> Self:
        """Build from dense precisions ``W`` (set to zero here at missing entries).

        ``more`` holds the fields a subclass adds.
        """
        W[data.missing_rows, data.missing_cols] = 0.0
        return cls(W, data.multiply(W), data.weighted_sum_squares(W), **more)

    def times(self, data: FlashData, V: np.ndarray, mode: int) -> np.ndarray:
        """``W @ V`` (mode 0) or ``Wᵀ @ V`` (mode 1)."""
        return self.W @ V if mode == 0 else self.W.T @ V

    def y_times(
        self, data: FlashData, v: np.ndarray, mode: int, cached: np.ndarray | None = None
    ) -> np.ndarray:
        """``(W ∘ Y) v`` (mode 0) or ``(W ∘ Y)ᵀ v`` (mode 1); ``cached`` is not used."""
        return self.WY.project(v, mode)

    def loglik(self, data: FlashData, EF: Moments, EF2: Moments, YP: Moments) -> float:
        """``E_q log p(Y | L, F, τ)`` with the weighted sum formed densely (W is dense)."""
        (L, F), (L2, F2) = EF, EF2
        cross = float(np.sum(L * self.WY.project(F, 0)))
        fitted = L @ F.T
        quad = float(np.sum(self.W * fitted**2))
        var = float(np.sum(L2 * (self.W @ F2)) - np.sum(L**2 * (self.W @ F**2)))
        weighted = max(self.wy2 - 2 * cross + quad + var, 0.0)
        logdet = float(np.sum(np.log(self.W[self.W > 0])))
        return -0.5 * (data.n_obs * LOG_2PI - logdet + weighted)

    def noise_variance_sum(self, data: FlashData) -> float:
        """``Σ Z_ij / τ_ij``."""
        return float(np.sum(1.0 / self.W[self.W > 0]))

    def residuals_sd(self) -> np.ndarray:
        """The given standard errors (NaN at missing entries)."""
        with np.errstate(divide="ignore"):
            return np.where(self.W > 0, 1.0 / np.sqrt(self.W), np.nan)

    def extrapolate(self, previous: Precision, beta: float, data: FlashData) -> FullPrecision:
        """A known precision is never extrapolated."""
        return self


class Precision(Protocol):
    """What the algorithm asks of a residual precision τ (whatever its storage)."""

    def times(self, data: FlashData, V: np.ndarray, mode: int) -> np.ndarray: ...

    def y_times(
        self, data: FlashData, v: np.ndarray, mode: int, cached: np.ndarray | None = None
    ) -> np.ndarray: ...

    def loglik(self, data: FlashData, EF: Moments, EF2: Moments, YP: Moments) -> float: ...

    def noise_variance_sum(self, data: FlashData) -> float: ...

    def residuals_sd(self) -> float | np.ndarray | tuple[np.ndarray, np.ndarray]: ...

    def extrapolate(self, previous: Precision, beta: float, data: FlashData) -> Precision: ...


def estimate_precision(
    var_type: int,
    data: FlashData,
    EF: Moments,
    EF2: Moments,
    YP: Moments,
    tau_max: float | np.ndarray = np.inf,
) -> RankOnePrecision:
    """Closed-form M-step for τ (FLASH.md, section 4), capped at ``tau_max``.

    Parameters
    ----------
    var_type
        0 (constant), 1 (by row) or 2 (by column).
    data, EF, EF2, YP
        As for :func:`expected_sq_residuals`.
    tau_max
        Upper bound on τ, ``1/S²`` for a floor ``S`` on the residual sd
        (FLASH.md section 1: ``τ = min(1/S², τ̂)``): a scalar, or a vector along the
        mode that ``var_type`` estimates.

    Returns
    -------
    RankOnePrecision

    Examples
    --------
    >>> import numpy as np
    >>> from pybrms.flash.data import as_flash_data
    >>> Y = np.array([[1.0, -1.0], [2.0, -2.0]])
    >>> Z = (np.zeros((2, 0)),) * 2
    >>> estimate_precision(2, as_flash_data(Y), Z, Z, Z).col.tolist()
    [0.4, 0.4]
    >>> estimate_precision(2, as_flash_data(Y), Z, Z, Z, tau_max=0.25).col.tolist()
    [0.25, 0.25]
    """
    return estimate_precision_and_loglik(var_type, data, EF, EF2, YP, tau_max)[0]


def estimate_precision_and_loglik(
    var_type: int,
    data: FlashData,
    EF: Moments,
    EF2: Moments,
    YP: Moments,
    tau_max: float | np.ndarray = np.inf,
) -> tuple[RankOnePrecision, float]:
    """:func:`estimate_precision` and the new τ's :meth:`RankOnePrecision.loglik`, from one
    computation of the expected squared residuals (the costly part of both).

    Examples
    --------
    >>> import numpy as np
    >>> from pybrms.flash.data import as_flash_data
    >>> data = as_flash_data(np.array([[1.0, -1.0], [2.0, -2.0]]))
    >>> Z = (np.zeros((2, 0)),) * 2
    >>> tau, loglik = estimate_precision_and_loglik(0, data, Z, Z, Z)
    >>> bool(np.isclose(loglik, tau.loglik(data, Z, Z, Z)))
    True
    """
    n, p = data.shape
    mode = 0 if var_type == 0 else var_type - 1
    r2_by = expected_sq_residuals(data, EF, EF2, YP, mode)
    if var_type == 0:
        tau = min(data.n_obs / max(float(np.sum(r2_by)), EPS), float(tau_max))
        precision = RankOnePrecision(np.full(n, tau), np.ones(p))
    else:
        tau_by = np.minimum(data.counts(mode) / np.maximum(r2_by, EPS), tau_max)
        ones = np.ones(data.shape[1 - mode])
        precision = RankOnePrecision(tau_by, ones) if mode == 0 else RankOnePrecision(ones, tau_by)
    return precision, precision.loglik_from_sums(data, r2_by, mode)
