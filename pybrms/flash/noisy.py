"""Known standard errors plus an estimated variance (flashier's "noisy" variance types).

When ``S`` is a matrix and ``var_type`` is not ``None`` (or ``var_type=(1, 2)``
with any ``S``), the residual precision is

    τ_ij = 1 / (S_ij² + σ²_ij)

with ``σ²`` one constant (``var_type=0``), one per row (``1``), one per column
(``2``) or a Kronecker product ``a_i b_j`` (``(1, 2)``).  No closed form exists:
for each slice (everything, a row or a column), flashier maximizes

    −½ Σ_j [ log(w_j x + S_j²) + E[R_j²] / (w_j x + S_j²) ]

over ``x ∈ [0, max_j (E[R_j²] − S_j²)/w_j]`` (beyond that bound the objective
only falls), with ``w = 1`` except in the Kronecker case, which alternates rows
and columns as :mod:`pybrms.flash.kronecker` does.  The expected squared
residuals are formed as a dense matrix, as ``S`` already is.

Here every slice is solved at once, by safeguarded Newton steps on the
derivative (flashier uses R's ``optimize``, a golden-section search).  The
previous ``σ²`` and zero are kept as candidates, so an update never lowers the
ELBO, even where a slice's objective has more than one local optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pybrms.flash.data import FlashData
from pybrms.flash.kronecker import MAXITER, TOL
from pybrms.flash.tau import FullPrecision, Moments, Precision

ROOT_TOL = 1e-12
ROOT_MAXITER = 100

Extra = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class NoisyVariance:
    """What stays fixed in a noisy fit: ``Y``, ``S²`` and the mask, dense.

    Attributes
    ----------
    var_type
        0, 1, 2 or ``(1, 2)``: the structure of the estimated variance.
    Y
        The data, zero at missing entries.
    S2
        Squared standard errors (one at missing entries, where they are not used).
    observed
        True at observed entries.
    """

    var_type: int | tuple[int, int]
    Y: np.ndarray
    S2: np.ndarray
    observed: np.ndarray

    @classmethod
    def build(
        cls, data: FlashData, S: np.ndarray, var_type: int | tuple[int, int]
    ) -> NoisyVariance:
        """From the data and a matrix (or scalar) of standard errors."""
        Y = data.to_dense()
        observed = ~np.isnan(Y)
        S2 = np.where(observed, np.broadcast_to(S, Y.shape) ** 2, 1.0)
        return cls(var_type, np.where(observed, Y, 0.0), S2, observed)


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


def estimate_noisy(
    data: FlashData, noisy: NoisyVariance, EF: Moments, EF2: Moments, start: Extra | None
) -> NoisyPrecision:
    """M-step for the estimated variance on top of ``S`` (see the module docstring).

    Parameters
    ----------
    data
        The observed data.
    noisy
        ``Y``, ``S²`` and the mask.
    EF, EF2
        First and second posterior moments.
    start
        The previous estimate ``(a, b)``, or ``None``.

    Returns
    -------
    NoisyPrecision

    Examples
    --------
    >>> import numpy as np
    >>> from pybrms.flash.data import as_flash_data
    >>> Y = np.random.default_rng(0).normal(0.0, np.sqrt(1.25), size=(300, 200))
    >>> data = as_flash_data(Y)
    >>> none = (np.zeros((300, 0)), np.zeros((200, 0)))
    >>> est = estimate_noisy(data, NoisyVariance.build(data, 0.5, 0), none, none, None)
    >>> round(float(est.extra[0][0]), 2)
    1.0
    """
    (L, F), (L2, F2) = EF, EF2
    R2 = (noisy.Y - L @ F.T) ** 2 + L2 @ F2.T - L**2 @ (F**2).T
    R2 = np.where(noisy.observed, np.maximum(R2, 0.0), 0.0)
    n, p = R2.shape
    var_type = noisy.var_type
    old = start
    if var_type == 0:
        x = _best_slices(
            R2.reshape(1, -1),
            noisy.S2.reshape(1, -1),
            noisy.observed.reshape(1, -1),
            np.ones(n * p),
            None if old is None else old[0][:1],
        )
        extra = (np.full(n, x[0]), np.ones(p))
    elif var_type in (1, 2):
        mode = var_type - 1
        prev = None if old is None else old[mode]
        x = _best_slices(*_oriented(R2, noisy, mode), np.ones((n, p)[1 - mode]), prev)
        ones = np.ones((n, p)[1 - mode])
        extra = (x, ones) if mode == 0 else (ones, x)
    else:
        extra = _kronecker(R2, noisy, (np.ones(n), np.ones(p)) if old is None else old)
    W = np.where(noisy.observed, 1.0 / (noisy.S2 + np.outer(*extra)), 0.0)
    return NoisyPrecision.from_weights(data, W, extra=extra)


def _kronecker(R2: np.ndarray, noisy: NoisyVariance, start: Extra) -> Extra:
    """Alternate the row and column slices (flashier's noisy Kronecker type)."""
    sides = list(start)
    for _ in range(MAXITER):
        old = list(sides)
        for mode in (0, 1):
            sides[mode] = _best_slices(*_oriented(R2, noisy, mode), sides[1 - mode], sides[mode])
        change = max(np.max(np.abs(new - prev)) for new, prev in zip(sides, old, strict=True))
        if change <= TOL * max(np.max(side) for side in sides):
            break
    return sides[0], sides[1]


def _oriented(
    R2: np.ndarray, noisy: NoisyVariance, mode: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``E[R²]``, ``S²`` and the mask with the slices of ``mode`` as rows."""
    if mode == 0:
        return R2, noisy.S2, noisy.observed
    return R2.T, noisy.S2.T, noisy.observed.T


def _best_slices(
    R2: np.ndarray, S2: np.ndarray, Z: np.ndarray, w: np.ndarray, previous: np.ndarray | None
) -> np.ndarray:
    """Per row ``m``: the ``x ≥ 0`` minimizing ``f_m(x) = Σ_j Z (log v_j + R2_j / v_j)``,
    ``v_j = w_j x + S2_j``.

    ``f_m' = Σ_j Z w_j (v_j − R2_j) / v_j²`` is ≥ 0 from ``hi = max_j (R2_j − S2_j)/w_j``
    on, so a minimum lies in ``[0, hi]``: at 0 when ``f_m'(0) ≥ 0``, else at a root
    of ``f_m'`` found by Newton steps kept inside a shrinking bracket (bisection when
    a step leaves it or ``f_m'' ≤ 0``).  Finding the root of ``f'`` pins ``x`` down to
    machine precision, where minimizing ``f`` directly would stop at ``sqrt(eps)``.
    The root, zero and ``previous`` compete on ``f``.
    """
    weight = np.where(Z, 1.0, 0.0)

    def derivatives(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        v = w * x[:, None] + S2
        first = np.sum(weight * w * (v - R2) / v**2, axis=1)
        second = np.sum(weight * w**2 * (2 * R2 - v) / v**3, axis=1)
        return first, second

    def objective(x: np.ndarray) -> np.ndarray:
        v = w * x[:, None] + S2
        return np.sum(weight * (np.log(v) + R2 / v), axis=1)

    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.where(Z & (w > 0), (R2 - S2) / w, -np.inf)
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
