"""The data protocol of flash: the few operations the algorithm needs from ``Y``.

EBMF never forms the residual matrix.  Every use of the data goes through
products of ``Y`` (with zeros at missing entries) or of the observation mask
``Z`` with a vector or a thin matrix, plus sums of squares by row and column
(FLASH.md, section 3).  :class:`FlashData` provides them for dense arrays,
``scipy.sparse`` matrices and :class:`LowRankMatrix`, so a sparse ``Y`` stays
sparse.  Missing entries are kept as a sparse indicator ``M = 1 - Z``, so
``Z @ V = 1 (1ᵀ V) - M @ V`` costs one pass over the missing entries.

Modes: ``mode=0`` indexes rows (length ``n``), ``mode=1`` columns (length ``p``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TypeAlias

import numpy as np
import scipy.sparse as sp

from pybrms.errors import FlashError


@dataclass(frozen=True)
class LowRankMatrix:
    """A matrix stored as ``U @ V.T``; products with it never form it.

    Parameters
    ----------
    U
        ``n x r`` left factor.
    V
        ``p x r`` right factor.

    Examples
    --------
    >>> import numpy as np
    >>> Y = LowRankMatrix(np.ones((3, 1)), np.arange(2.0)[:, None])
    >>> Y.shape
    (3, 2)
    """

    U: np.ndarray
    V: np.ndarray

    def __post_init__(self) -> None:
        if self.U.ndim != 2 or self.V.ndim != 2 or self.U.shape[1] != self.V.shape[1]:
            raise FlashError(
                "LowRankMatrix(U, V) needs 2-d U (n x r) and V (p x r) with the same r, "
                f"got shapes {self.U.shape} and {self.V.shape}"
            )

    @property
    def shape(self) -> tuple[int, int]:
        return (self.U.shape[0], self.V.shape[0])

    @property
    def T(self) -> LowRankMatrix:  # noqa: N802 - mirrors numpy's .T
        return LowRankMatrix(self.V, self.U)

    def __matmul__(self, other: np.ndarray) -> np.ndarray:
        return self.U @ (self.V.T @ other)

    def sum_squares(self, mode: int) -> np.ndarray:
        """Sums of squared entries of each row (``mode=0``) or column (``mode=1``)."""
        A, B = (self.U, self.V) if mode == 0 else (self.V, self.U)
        return np.einsum("ik,ik->i", A @ (B.T @ B), A)

    def multiply(self, W: np.ndarray) -> np.ndarray:
        """Elementwise product with a dense matrix (dense result)."""
        return (self.U @ self.V.T) * W

    def hadamard(self, A: np.ndarray, B: np.ndarray) -> LowRankMatrix:
        """Elementwise product with ``A @ B.T``, as a low-rank matrix (row-wise Kronecker)."""
        return LowRankMatrix(_row_kron(self.U, A), _row_kron(self.V, B))

    def toarray(self) -> np.ndarray:
        return self.U @ self.V.T


MatrixLike: TypeAlias = np.ndarray | sp.csr_matrix | LowRankMatrix


class FlashData:
    """Observed data ``Y`` (zeros at missing entries) and its missing-entry indicator.

    Build it with :func:`as_flash_data`.

    Parameters
    ----------
    Y
        Dense array, ``scipy.sparse`` matrix or :class:`LowRankMatrix`, with no NaN.
    missing_rows, missing_cols
        Coordinates of the missing entries (empty when nothing is missing).
    """

    def __init__(
        self,
        Y: MatrixLike,
        missing_rows: np.ndarray,
        missing_cols: np.ndarray,
    ) -> None:
        self.Y = Y
        self.shape: tuple[int, int] = Y.shape
        self.missing_rows = np.asarray(missing_rows, dtype=np.int64)
        self.missing_cols = np.asarray(missing_cols, dtype=np.int64)
        n, p = self.shape
        self._missing = sp.csr_matrix(
            (np.ones(self.missing_rows.size), (self.missing_rows, self.missing_cols)),
            shape=(n, p),
        )

    @property
    def has_missing(self) -> bool:
        """True when some entries of ``Y`` are unobserved."""
        return self.missing_rows.size > 0

    @property
    def is_sparse(self) -> bool:
        """True for ``scipy.sparse`` data."""
        return sp.issparse(self.Y)

    @cached_property
    def n_obs(self) -> int:
        """Number of observed entries ``N = ΣZ``."""
        n, p = self.shape
        return n * p - self.missing_rows.size

    def counts(self, mode: int) -> np.ndarray:
        """Observed entries per row (``mode=0``) or per column (``mode=1``)."""
        idx = self.missing_rows if mode == 0 else self.missing_cols
        return self.shape[1 - mode] - np.bincount(idx, minlength=self.shape[mode])

    def sum_squares(self, mode: int) -> np.ndarray:
        """``Σ Z Y²`` by row (``mode=0``) or column (``mode=1``)."""
        return self._sum_squares[mode]

    @cached_property
    def _sum_squares(self) -> tuple[np.ndarray, np.ndarray]:
        Y = self.Y
        if isinstance(Y, LowRankMatrix):
            return (Y.sum_squares(0), Y.sum_squares(1))
        if isinstance(Y, np.ndarray):
            return (np.einsum("ij,ij->i", Y, Y), np.einsum("ij,ij->j", Y, Y))
        # CSR: squares of the stored values only, sharing Y's index arrays.
        squares = Y.data**2
        Y2 = sp.csr_matrix((squares, Y.indices, Y.indptr), shape=Y.shape, copy=False)
        by_col = np.bincount(Y.indices, weights=squares, minlength=Y.shape[1])
        return (np.asarray(Y2.sum(axis=1)).ravel(), by_col)

    def weighted_sum_squares(self, W: np.ndarray) -> float:
        """``Σ W_ij Y_ij²`` for a dense weight matrix ``W``."""
        Y = self.Y
        if isinstance(Y, np.ndarray | LowRankMatrix):
            dense = Y.toarray() if isinstance(Y, LowRankMatrix) else Y
            return float(np.sum(W * dense**2))
        return float(Y.multiply(Y).multiply(W).sum())

    @cached_property
    def squared(self) -> MatrixLike:
        """``Z ∘ Y ∘ Y``, of the same kind as ``Y`` (sparse stays sparse)."""
        Y = self.Y
        if isinstance(Y, LowRankMatrix):
            return Y.hadamard(Y.U, Y.V)
        if isinstance(Y, np.ndarray):
            return Y * Y
        return sp.csr_matrix((Y.data**2, Y.indices, Y.indptr), shape=Y.shape)

    def times_low_rank(self, A: np.ndarray, B: np.ndarray) -> MatrixLike:
        """``Z ∘ Y ∘ (A Bᵀ)``, of the same kind as ``Y``; ``A Bᵀ`` is never formed.

        Examples
        --------
        >>> import numpy as np
        >>> d = as_flash_data(np.array([[1.0, np.nan], [3.0, 4.0]]))
        >>> d.times_low_rank(np.ones((2, 1)), np.array([[2.0], [5.0]])).tolist()
        [[2.0, 0.0], [6.0, 20.0]]
        """
        Y = self.Y
        if isinstance(Y, LowRankMatrix):
            return Y.hadamard(A, B)
        if isinstance(Y, np.ndarray):
            return Y * (A @ B.T)
        rows = np.repeat(np.arange(Y.shape[0]), np.diff(Y.indptr))
        values = Y.data * np.einsum("ik,ik->i", A[rows], B[Y.indices])
        return sp.csr_matrix((values, Y.indices, Y.indptr), shape=Y.shape)

    def project(self, V: np.ndarray, mode: int) -> np.ndarray:
        """``Y @ V`` (``mode=0``, V has p rows) or ``Yᵀ @ V`` (``mode=1``, V has n rows)."""
        out = self.Y @ V if mode == 0 else self.Y.T @ V
        return np.asarray(out)

    def mask_times(self, V: np.ndarray, mode: int) -> np.ndarray:
        """``Z @ V`` (``mode=0``) or ``Zᵀ @ V`` (``mode=1``) for 1-d or 2-d ``V``."""
        full = np.broadcast_to(V.sum(axis=0), (self.shape[mode], *V.shape[1:]))
        if not self.has_missing:
            return full
        M = self._missing if mode == 0 else self._missing.T
        return full - M @ V

    def masked_square_norm(
        self, A: np.ndarray, B: np.ndarray, mode: int, weights: np.ndarray | None = None
    ) -> np.ndarray:
        """``Σ Z_ij w ((A Bᵀ)_ij)²`` by row (``mode=0``) or column (``mode=1``).

        ``A`` is ``n x K`` and ``B`` is ``p x K``; ``weights`` (default ones) are
        indexed by the summed mode (``w_j`` by row, ``w_i`` by column).
        """
        own, other = (A, B) if mode == 0 else (B, A)
        weighted = other if weights is None else weights[:, None] * other
        out = np.einsum("ik,ik->i", own @ (other.T @ weighted), own)
        if self.has_missing:
            at_missing = np.einsum("ik,ik->i", A[self.missing_rows], B[self.missing_cols]) ** 2
            idx, summed = (
                (self.missing_rows, self.missing_cols)
                if mode == 0
                else (self.missing_cols, self.missing_rows)
            )
            if weights is not None:
                at_missing = at_missing * weights[summed]
            out = out - np.bincount(idx, weights=at_missing, minlength=self.shape[mode])
        return out

    def multiply(self, W: np.ndarray) -> FlashData:
        """Data ``W ∘ Y`` with the same missing entries (sparse stays sparse)."""
        Y = self.Y
        WY: MatrixLike
        if isinstance(Y, LowRankMatrix):
            WY = Y.multiply(W)
        elif isinstance(Y, np.ndarray):
            WY = Y * W
        else:
            WY = sp.csr_matrix(Y.multiply(W))
        return FlashData(WY, self.missing_rows, self.missing_cols)

    def dense_block(self, start: int, stop: int, mode: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows (``mode=0``) or columns (``mode=1``) ``start:stop`` of ``Y`` as a dense
        array with those slices as rows, zero at missing entries, and the observed mask.

        Examples
        --------
        >>> import numpy as np
        >>> d = as_flash_data(np.array([[1.0, np.nan], [3.0, 4.0]]))
        >>> Y, Z = d.dense_block(0, 2, 1)
        >>> Y.tolist(), Z.tolist()
        ([[1.0, 3.0], [0.0, 4.0]], [[True, True], [False, True]])
        """
        Y = self.Y
        if isinstance(Y, LowRankMatrix):
            own, other = (Y.U, Y.V) if mode == 0 else (Y.V, Y.U)
            block = own[start:stop] @ other.T
        elif isinstance(Y, np.ndarray):
            block = np.array(Y[start:stop] if mode == 0 else Y[:, start:stop].T)
        else:
            part = Y[start:stop] if mode == 0 else Y[:, start:stop]
            block = part.toarray() if mode == 0 else part.toarray().T
        observed = np.ones(block.shape, dtype=bool)
        if self.has_missing:
            idx, other_idx = (
                (self.missing_rows, self.missing_cols)
                if mode == 0
                else (self.missing_cols, self.missing_rows)
            )
            inside = (idx >= start) & (idx < stop)
            observed[idx[inside] - start, other_idx[inside]] = False
            block[~observed] = 0.0
        return block, observed

    def to_dense(self) -> np.ndarray:
        """``Y`` as a dense array with NaN at missing entries (small data only)."""
        Y = self.Y
        dense = np.array(Y.toarray() if not isinstance(Y, np.ndarray) else Y, dtype=float)
        dense[self.missing_rows, self.missing_cols] = np.nan
        return dense


def _row_kron(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Row-wise Kronecker product: row ``i`` is ``kron(A_i, B_i)``."""
    return np.einsum("ir,ik->irk", A, B).reshape(A.shape[0], -1)


def as_flash_data(Y: object) -> FlashData:
    """Wrap a data matrix for flash; NaN entries become missing.

    Parameters
    ----------
    Y
        2-d numpy array (NaN = missing), ``scipy.sparse`` matrix or array (implicit
        zeros are observed zeros, explicit NaN are missing) or :class:`LowRankMatrix`.

    Returns
    -------
    FlashData

    Examples
    --------
    >>> import numpy as np
    >>> d = as_flash_data(np.array([[1.0, np.nan], [3.0, 4.0]]))
    >>> d.n_obs, d.counts(0).tolist()
    (3, [1, 2])
    """
    if isinstance(Y, LowRankMatrix):
        return FlashData(Y, np.empty(0), np.empty(0))
    if sp.issparse(Y):
        return _sparse_data(Y)
    if isinstance(Y, np.ndarray | list) or hasattr(Y, "__array__"):
        return _dense_data(as_float_array("Y", Y))
    raise FlashError(
        "Y must be a 2-d numpy array, a scipy.sparse matrix or a LowRankMatrix, "
        f"got {type(Y).__name__}"
    )


def as_float_array(name: str, value: object) -> np.ndarray:
    """``value`` as a float array; a :class:`FlashError` naming ``name`` if it is not numeric.

    Examples
    --------
    >>> as_float_array("S", [1, 2]).tolist()
    [1.0, 2.0]
    """
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise FlashError(f"{name} must be numeric, got {value!r:.60}") from None


def _dense_data(Y: np.ndarray) -> FlashData:
    _check_matrix_shape(Y.shape, Y.ndim)
    if np.isinf(Y).any():
        raise FlashError("Y must not contain infinite values; use NaN for missing entries")
    missing = np.isnan(Y)
    rows, cols = np.nonzero(missing)
    return FlashData(np.where(missing, 0.0, Y), rows, cols)


def _sparse_data(Y: sp.spmatrix | sp.sparray) -> FlashData:
    """CSR copy of ``Y`` with explicit NaN entries removed and recorded as missing.

    Only the NaN entries get coordinates, so nothing of the size of ``Y`` is
    allocated besides the copy itself.
    """
    _check_matrix_shape(Y.shape, len(Y.shape))
    Y = sp.csr_matrix(Y, dtype=float, copy=True)
    if np.isinf(Y.data).any():
        raise FlashError("Y must not contain infinite values; use NaN for missing entries")
    nan = np.flatnonzero(np.isnan(Y.data))
    rows = np.searchsorted(Y.indptr, nan, side="right") - 1
    cols = Y.indices[nan].astype(np.int64)
    if nan.size:
        Y.data[nan] = 0.0
        Y.eliminate_zeros()
    return FlashData(Y, rows, cols)


def _check_matrix_shape(shape: tuple[int, ...], ndim: int) -> None:
    if ndim != 2 or min(shape) < 2:
        raise FlashError(
            f"Y must be a matrix with at least 2 rows and 2 columns, got shape {shape}"
        )
