"""Known standard errors plus an estimated variance (flashier's "noisy" variance types).

When ``S`` is given, ``var_type`` is not ``None`` and ``S`` does not simply floor the
estimated τ (an ``n x p`` ``S``, a vector ``S`` across the estimated mode, or any ``S``
with ``var_type=(1, 2)``), the residual precision is

    τ_ij = 1 / (S_ij² + σ²_ij)

with ``σ²`` one constant (``var_type=0``), one per row (``1``), one per column
(``2``) or a Kronecker product ``a_i b_j`` (``(1, 2)``).  No closed form exists:
for each slice (everything, a row or a column), flashier maximizes

    −½ Σ_j [ log(w_j x + S_j²) + E[R_j²] / (w_j x + S_j²) ]

over ``x ∈ [0, max_j (E[R_j²] − S_j²)/w_j]`` (beyond that bound the objective
only falls), with ``w = 1`` except in the Kronecker case, which alternates rows
and columns as :mod:`pybrms.flash.kronecker` does.

How much is stored depends on ``S`` (flashier expands every ``S`` to ``n x p``):

* ``n x p`` ``S``: ``E[R²]`` and τ are dense matrices, as ``S`` already is
  (:class:`NoisyPrecision`).
* a vector ``S`` with ``var_type=0``: τ varies along ``S``'s mode only, so it is a
  rank-one precision (:class:`NoisyRankOnePrecision`) and the single slice's
  objective needs only the sums of ``E[R²]`` along that mode, from sufficient
  statistics.
* a scalar or vector ``S`` across the estimated mode, or with ``(1, 2)``: τ is
  recomputed from ``S²`` and ``σ²`` in blocks of rows (or columns) when needed
  (:class:`StreamedNoisyPrecision`), and so is ``E[R²]`` in the M-step; nothing of
  size ``n x p`` is kept.

Every slice is solved at once, by safeguarded Newton steps on the derivative
(flashier uses R's ``optimize``, a golden-section search).  The previous ``σ²``
and zero are kept as candidates, so an update never lowers the ELBO, even where a
slice's objective has more than one local optimum.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from pybrms.flash.data import FlashData
from pybrms.flash.kronecker import MAXITER, TOL
from pybrms.flash.tau import (
    LOG_2PI,
    FullPrecision,
    Moments,
    Precision,
    RankOnePrecision,
    expected_sq_residuals,
)

ROOT_TOL = 1e-12
ROOT_MAXITER = 100
# Entries of a dense block of rows or columns formed at a time (2 MB of float64).
BLOCK_ENTRIES = 2**18
# An extrapolated τ is kept above this (FLASH.md 8.2).
TAU_FLOOR = 1e-10

Extra = tuple[np.ndarray, np.ndarray]
# A block: the slices it covers, then E[R²], the observed mask and S², slices as rows.
Block = tuple[slice, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class NoisyVariance:
    """What stays fixed in a noisy fit: the variance structure and the squared ``S``.

    Attributes
    ----------
    var_type
        0, 1, 2 or ``(1, 2)``: the structure of the estimated variance.
    S2
        Squared standard errors, a 2-d array broadcastable to ``Y``'s shape:
        ``1 x 1``, ``n x 1``, ``1 x p`` or ``n x p`` (one at missing entries).
    """

    var_type: int | tuple[int, int]
    S2: np.ndarray

    @property
    def dense(self) -> bool:
        """True for an ``n x p`` ``S``."""
        return min(self.S2.shape) > 1

    def oriented(self, mode: int) -> np.ndarray:
        """``S²`` with the slices of ``mode`` as rows."""
        return self.S2 if mode == 0 else self.S2.T


@dataclass(frozen=True)
class NoisyPrecision(FullPrecision):
    """``τ_ij = 1/(S_ij² + a_i b_j)``; ``extra = (a, b)`` is the estimated variance.

    In an extrapolated backfit step τ is extrapolated entry by entry, as flashier
    does, and ``extra`` keeps its last estimate (it only starts the next M-step).
    """

    extra: Extra

    def extrapolate(self, previous: Precision, beta: float, data: FlashData) -> NoisyPrecision:
        """``τ + β (τ - τ_prev)`` entry by entry, kept above 1e-10 at observed entries."""
        assert isinstance(previous, FullPrecision)  # a fit keeps one kind of τ
        W = np.maximum(self.W + beta * (self.W - previous.W), 1e-10) * (self.W > 0)
        return NoisyPrecision.from_weights(data, W, extra=self.extra)


@dataclass(frozen=True)
class NoisyRankOnePrecision(RankOnePrecision):
    """``τ`` along the mode of a vector ``S``: ``1/(S² + σ²)`` (``var_type=0``).

    ``extra = (a, b)`` holds the estimated variance, ``σ² = a_i b_j`` (constant).
    """

    extra: Extra

    def extrapolate(
        self, previous: Precision, beta: float, data: FlashData
    ) -> NoisyRankOnePrecision:
        """τ extrapolated entry by entry (it is rank one), ``extra`` kept."""
        step = RankOnePrecision.extrapolate(self, previous, beta, data)
        return NoisyRankOnePrecision(step.row, step.col, extra=self.extra)


@dataclass(frozen=True)
class StreamedNoisyPrecision:
    """``τ_ij = 1/(S_ij² + a_i b_j)`` for a scalar or vector ``S``, never stored as ``n x p``.

    Each operation forms τ block by block (rows of ``Y``) from ``S²`` and the
    variance terms.  An extrapolated τ (FLASH.md 8.2) is
    ``max(Σ_t c_t / (S² + a_t b_tᵀ), 1e-10)``, which is flashier's entry-by-entry
    extrapolation without the matrix.

    Attributes
    ----------
    noisy
        The variance structure and ``S²``.
    extra
        The latest estimate ``(a, b)`` (it starts the next M-step).
    terms
        ``(c_t, a_t, b_t)``: τ is the sum of ``c_t / (S² + a_t b_tᵀ)``.
    """

    noisy: NoisyVariance
    extra: Extra
    terms: tuple[tuple[float, np.ndarray, np.ndarray], ...]

    def block(self, data: FlashData, rows: slice, observed: np.ndarray) -> np.ndarray:
        """τ on the rows ``rows`` of ``Y`` (dense), zero at missing entries."""
        S2 = _slice_rows(self.noisy.S2, rows)
        W = sum(c / (S2 + np.outer(a[rows], b)) for c, a, b in self.terms)
        if len(self.terms) > 1:
            W = np.maximum(W, TAU_FLOOR)
        return np.where(observed, W, 0.0)

    def _blocks(self, data: FlashData) -> Iterator[tuple[slice, np.ndarray, np.ndarray]]:
        """``(rows, Y block, τ block)`` over blocks of rows."""
        for rows in _spans(data.shape, 0):
            Y, observed = data.dense_block(rows.start, rows.stop, 0)
            yield rows, Y, self.block(data, rows, observed)

    def times(self, data: FlashData, V: np.ndarray, mode: int) -> np.ndarray:
        """``W @ V`` (mode 0) or ``Wᵀ @ V`` (mode 1), ``W = Z ∘ τ``."""
        return _contract(((rows, W) for rows, _, W in self._blocks(data)), V, mode)

    def y_times(
        self, data: FlashData, v: np.ndarray, mode: int, cached: np.ndarray | None = None
    ) -> np.ndarray:
        """``(W ∘ Y) v`` (mode 0) or ``(W ∘ Y)ᵀ v`` (mode 1); ``cached`` is not used."""
        return _contract(((rows, W * Y) for rows, Y, W in self._blocks(data)), v, mode)

    def loglik(self, data: FlashData, EF: Moments, EF2: Moments, YP: Moments) -> float:
        """``E_q log p(Y | L, F, τ)``, summed block by block."""
        total = 0.0
        for rows, R2, observed, _ in _residual_blocks(data, self.noisy, EF, EF2, 0):
            W = self.block(data, rows, observed)
            with np.errstate(divide="ignore"):
                logw = np.where(observed, np.log(W), 0.0)
            total += float(np.sum(logw) - np.sum(W * R2))
        return -0.5 * (data.n_obs * LOG_2PI - total)

    def noise_variance_sum(self, data: FlashData) -> float:
        """``Σ Z_ij / τ_ij``."""
        total = 0.0
        for rows in _spans(data.shape, 0):
            observed = data.dense_block(rows.start, rows.stop, 0)[1]
            W = self.block(data, rows, observed)
            total += float(np.sum(1.0 / W[observed]))
        return total

    def residuals_sd(self) -> np.ndarray:
        """``1/sqrt(τ)`` as an ``n x p`` matrix (formed on request only; NaN where missing)."""
        S2 = self.noisy.S2
        W = sum(c / (S2 + np.outer(a, b)) for c, a, b in self.terms)
        return 1.0 / np.sqrt(np.maximum(W, TAU_FLOOR) if len(self.terms) > 1 else W)

    def extrapolate(
        self, previous: Precision, beta: float, data: FlashData
    ) -> StreamedNoisyPrecision:
        """``τ + β (τ - τ_prev)`` entry by entry, as new terms (floored at 1e-10)."""
        assert isinstance(previous, StreamedNoisyPrecision)  # a fit keeps one kind of τ
        terms = tuple((c * (1 + beta), a, b) for c, a, b in self.terms) + tuple(
            (-c * beta, a, b) for c, a, b in previous.terms
        )
        return StreamedNoisyPrecision(self.noisy, self.extra, terms)


AnyNoisyPrecision = NoisyPrecision | NoisyRankOnePrecision | StreamedNoisyPrecision


def estimate_noisy(
    data: FlashData,
    noisy: NoisyVariance,
    EF: Moments,
    EF2: Moments,
    YP: Moments,
    start: Extra | None,
) -> AnyNoisyPrecision:
    """M-step for the estimated variance on top of ``S`` (see the module docstring).

    Parameters
    ----------
    data
        The observed data.
    noisy
        The variance structure and ``S²``.
    EF, EF2
        First and second posterior moments.
    YP
        ``(Y F̄, Yᵀ L̄)``.
    start
        The previous estimate ``(a, b)``, or ``None``.

    Returns
    -------
    NoisyPrecision, NoisyRankOnePrecision or StreamedNoisyPrecision

    Examples
    --------
    >>> import numpy as np
    >>> from pybrms.flash.data import as_flash_data
    >>> Y = np.random.default_rng(0).normal(0.0, np.sqrt(1.25), size=(300, 200))
    >>> data = as_flash_data(Y)
    >>> none = (np.zeros((300, 0)), np.zeros((200, 0)))
    >>> noisy = NoisyVariance(0, np.full((1, 200), 0.25))
    >>> est = estimate_noisy(data, noisy, none, none, none, None)
    >>> round(float(est.extra[0][0]), 2)
    1.0
    """
    n, p = data.shape
    var_type = noisy.var_type
    if var_type == 0 and not noisy.dense:
        return _estimate_rank_one(data, noisy, EF, EF2, YP, start)
    # E[R²] by blocks of slices: formed once when S is dense anyway, else as needed.
    whole = _residual_block(data, noisy, EF, EF2, 0, slice(0, n)) if noisy.dense else None

    def blocks(mode: int) -> Iterator[Block]:
        if whole is not None:
            return _dense_blocks(whole, mode)
        return _residual_blocks(data, noisy, EF, EF2, mode)

    if var_type == 0:
        _, R2_all, observed, S2 = next(blocks(0))
        x = _best_slices(
            R2_all.reshape(1, -1),
            S2.reshape(1, -1),
            observed.reshape(1, -1),
            np.ones(n * p),
            None if start is None else start[0][:1],
        )
        extra = (np.full(n, x[0]), np.ones(p))
    elif var_type in (1, 2):
        mode = var_type - 1
        ones = np.ones((n, p)[1 - mode])
        x = _solve_mode(blocks(mode), ones, None if start is None else start[mode])
        extra = (x, ones) if mode == 0 else (ones, x)
    else:
        extra = _kronecker(blocks, (np.ones(n), np.ones(p)) if start is None else start)
    if not noisy.dense:
        return StreamedNoisyPrecision(noisy, extra, ((1.0, *extra),))
    observed = np.ones((n, p), dtype=bool)
    observed[data.missing_rows, data.missing_cols] = False
    W = np.where(observed, 1.0 / (noisy.S2 + np.outer(*extra)), 0.0)
    return NoisyPrecision.from_weights(data, W, extra=extra)


def _estimate_rank_one(
    data: FlashData,
    noisy: NoisyVariance,
    EF: Moments,
    EF2: Moments,
    YP: Moments,
    start: Extra | None,
) -> NoisyRankOnePrecision:
    """``var_type=0`` with a vector ``S``: one slice, grouped by the mode of ``S``.

    Entries sharing ``S_m`` share ``v_m = S_m² + x``, so the objective is
    ``Σ_m [c_m log v_m + r_m / v_m]`` with ``c_m`` the observed count and ``r_m`` the
    sum of ``E[R²]`` along slice ``m`` (sufficient statistics, FLASH.md section 3).
    """
    n, p = data.shape
    mode = 0 if noisy.S2.shape[1] == 1 else 1
    S2 = noisy.S2.ravel()
    r2 = np.maximum(expected_sq_residuals(data, EF, EF2, YP, mode), 0.0)
    x = _best_slices(
        r2[None, :],
        S2[None, :],
        data.counts(mode)[None, :].astype(float),
        np.ones(S2.size),
        None if start is None else start[0][:1],
    )[0]
    tau = 1.0 / (S2 + x)
    extra = (np.full(n, x), np.ones(p))
    if mode == 0:
        return NoisyRankOnePrecision(tau, np.ones(p), extra=extra)
    return NoisyRankOnePrecision(np.ones(n), tau, extra=extra)


def _kronecker(blocks: Callable[[int], Iterator[Block]], start: Extra) -> Extra:
    """Alternate the row and column slices (flashier's noisy Kronecker type)."""
    sides = list(start)
    for _ in range(MAXITER):
        old = list(sides)
        for mode in (0, 1):
            sides[mode] = _solve_mode(blocks(mode), sides[1 - mode], sides[mode])
        change = max(np.max(np.abs(new - prev)) for new, prev in zip(sides, old, strict=True))
        if change <= TOL * max(np.max(side) for side in sides):
            break
    return sides[0], sides[1]


def _solve_mode(blocks: Iterator[Block], w: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """The best ``x`` of every slice of a mode, block by block."""
    parts = []
    for span, R2, observed, S2 in blocks:
        prev = None if previous is None else previous[span]
        parts.append(_best_slices(R2, S2, observed, w, prev))
    return np.concatenate(parts)


def _spans(shape: tuple[int, int], mode: int) -> Iterator[slice]:
    """Consecutive slices of ``mode`` covering about ``BLOCK_ENTRIES`` entries each."""
    size, other = shape[mode], shape[1 - mode]
    step = max(1, BLOCK_ENTRIES // other)
    for start in range(0, size, step):
        yield slice(start, min(start + step, size))


def _slice_rows(M: np.ndarray, rows: slice) -> np.ndarray:
    """Rows ``rows`` of an array broadcastable along its first axis."""
    return M if M.shape[0] == 1 else M[rows]


def _residual_block(
    data: FlashData, noisy: NoisyVariance, EF: Moments, EF2: Moments, mode: int, span: slice
) -> Block:
    """``E[R²]`` (zero at missing entries) on the slices ``span`` of ``mode``, as rows."""
    own, other = EF[mode][span], EF[1 - mode]
    own2, other2 = EF2[mode][span], EF2[1 - mode]
    Y, observed = data.dense_block(span.start, span.stop, mode)
    R2 = (Y - own @ other.T) ** 2 + own2 @ other2.T - own**2 @ (other**2).T
    R2 = np.where(observed, np.maximum(R2, 0.0), 0.0)
    return span, R2, observed, _slice_rows(noisy.oriented(mode), span)


def _residual_blocks(
    data: FlashData, noisy: NoisyVariance, EF: Moments, EF2: Moments, mode: int
) -> Iterator[Block]:
    """:func:`_residual_block` over consecutive blocks of the slices of ``mode``."""
    return (_residual_block(data, noisy, EF, EF2, mode, span) for span in _spans(data.shape, mode))


def _dense_blocks(whole: Block, mode: int) -> Iterator[Block]:
    """The whole dense ``E[R²]`` as one block with the slices of ``mode`` as rows."""
    span, R2, observed, S2 = whole
    if mode == 0:
        yield span, R2, observed, S2
    else:
        yield slice(0, R2.shape[1]), R2.T, observed.T, S2.T


def _contract(blocks: Iterator[tuple[slice, np.ndarray]], V: np.ndarray, mode: int) -> np.ndarray:
    """``M @ V`` (mode 0) or ``Mᵀ @ V`` (mode 1) for ``M`` given in blocks of rows."""
    if mode == 0:
        return np.concatenate([M @ V for _, M in blocks])
    out = None
    for rows, M in blocks:
        part = M.T @ V[rows]
        out = part if out is None else out + part
    assert out is not None
    return out


def _best_slices(
    R2: np.ndarray,
    S2: np.ndarray,
    count: np.ndarray,
    w: np.ndarray,
    previous: np.ndarray | None,
) -> np.ndarray:
    """Per row ``m``: the ``x ≥ 0`` minimizing ``f_m(x) = Σ_j (c_j log v_j + R2_j / v_j)``,
    ``v_j = w_j x + S2_j``, where ``c_j`` counts the entries sharing ``v_j`` (the
    observed mask for single entries) and ``R2_j`` sums their ``E[R²]``.

    ``f_m' = Σ_j w_j (c_j v_j − R2_j) / v_j²`` is ≥ 0 from
    ``hi = max_j (R2_j / c_j − S2_j)/w_j`` on, so a minimum lies in ``[0, hi]``: at 0
    when ``f_m'(0) ≥ 0``, else at a root of ``f_m'`` found by Newton steps kept inside a
    shrinking bracket (bisection when a step leaves it or ``f_m'' ≤ 0``).  Finding the
    root of ``f'`` pins ``x`` down to machine precision, where minimizing ``f``
    directly would stop at ``sqrt(eps)``.  The root, zero and ``previous`` compete on
    ``f``.
    """
    count = np.asarray(count, dtype=float)
    S2 = np.broadcast_to(S2, R2.shape)

    def derivatives(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        v = w * x[:, None] + S2
        first = np.sum(w * (count * v - R2) / v**2, axis=1)
        second = np.sum(w**2 * (2 * R2 - count * v) / v**3, axis=1)
        return first, second

    def objective(x: np.ndarray) -> np.ndarray:
        v = w * x[:, None] + S2
        return np.sum(count * np.log(v) + R2 / v, axis=1)

    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.where((count > 0) & (w > 0), (R2 / count - S2) / w, -np.inf)
    hi = np.max(bound, axis=1, initial=0.0)
    lo = np.zeros_like(hi)
    x = hi / 2 if previous is None else np.clip(previous, lo, hi)
    interior = derivatives(lo)[0] < 0
    for _ in range(ROOT_MAXITER):
        first, second = derivatives(x)
        lo, hi = np.where(first < 0, x, lo), np.where(first > 0, x, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = x - first / second
        ok = (second > 0) & (newton >= lo) & (newton <= hi)
        step = np.where(ok, newton, (lo + hi) / 2)
        moved = np.abs(step - x) > ROOT_TOL * np.maximum(hi, np.abs(x))
        x = step
        if not np.any(moved & interior & (first != 0)):
            break
    candidates = np.array([np.where(interior, x, 0.0), lo * 0.0])
    if previous is not None:
        candidates = np.vstack([candidates, np.asarray(previous, dtype=float)[None, :]])
    values = np.array([objective(c) for c in candidates])
    return candidates[np.argmin(values, axis=0), np.arange(hi.size)]
