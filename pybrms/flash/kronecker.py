"""The Kronecker residual precision ``τ_ij = τ_i τ_j`` (flashier's ``var_type = c(1, 2)``).

With the expected squared residuals ``E_ij = Z_ij E_q[R_ij²]`` held fixed, the
expected log-likelihood is, up to a constant,

    ½ Σ_i p_i log τ_i + ½ Σ_j n_j log τ_j − ½ Σ_ij τ_i τ_j E_ij

(``p_i``, ``n_j``: observed entries per row and column).  Given the column side,
the best row side is ``τ_i = p_i / Σ_j τ_j E_ij``, and conversely.  As flashier
does, the M-step alternates these two closed forms from the previous τ.  The
objective is concave in ``(log τ_i, log τ_j)``, so the alternation climbs to its
optimum, which is unique up to a scale shared between the two sides.  Each
half-step raises the objective, so the ELBO cannot go down even when the loop
stops early.
"""

from __future__ import annotations

import numpy as np

from pybrms.flash.data import FlashData
from pybrms.flash.tau import EPS, Moments, RankOnePrecision, WeightedResiduals

TOL = float(np.sqrt(EPS))
MAXITER = 100


def estimate_kronecker(
    data: FlashData, EF: Moments, EF2: Moments, start: RankOnePrecision | None
) -> RankOnePrecision:
    """Alternating M-step for ``τ_ij = τ_i τ_j``, started from ``start`` (ones if ``None``).

    Stops when the largest change of a τ, relative to the largest τ, is below
    ``sqrt(eps)``, or after 100 rounds (flashier's settings).  The column side is
    then scaled to geometric mean 1 (the product ``τ_i τ_j`` does not change), so
    the row side carries the overall level.

    Parameters
    ----------
    data
        The observed data.
    EF, EF2
        First and second posterior moments.
    start
        The previous τ.

    Returns
    -------
    RankOnePrecision

    Examples
    --------
    >>> import numpy as np
    >>> from pybrms.flash.data import as_flash_data
    >>> Y = np.outer([1.0, 2.0, 4.0], [1.0, 3.0]) * np.array([[1, -1], [-1, 1], [1, 1]])
    >>> none = (np.zeros((3, 0)), np.zeros((2, 0)))
    >>> tau = estimate_kronecker(as_flash_data(Y), none, none, None)
    >>> np.round(1 / np.outer(tau.row, tau.col), 6).tolist()  # = Y² for a rank-one Y²
    [[1.0, 9.0], [4.0, 36.0], [16.0, 144.0]]
    """
    n, p = data.shape
    sums = WeightedResiduals.build(data, EF, EF2)
    counts = (data.counts(0), data.counts(1))
    sides = [np.ones(n), np.ones(p)] if start is None else [start.row, start.col]
    for _ in range(MAXITER):
        old = list(sides)
        for mode in (0, 1):
            sides[mode] = counts[mode] / np.maximum(sums(sides[1 - mode], mode), EPS)
        change = max(np.max(np.abs(new - prev)) for new, prev in zip(sides, old, strict=True))
        if change < TOL * max(np.max(side) for side in sides):
            break
    scale = float(np.exp(np.mean(np.log(sides[1]))))
    return RankOnePrecision(sides[0] * scale, sides[1] / scale)
