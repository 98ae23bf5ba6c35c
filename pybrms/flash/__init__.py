"""Empirical Bayes matrix factorization (EBMF), a Python port of the R package flashier.

``flash`` fits ``Y ≈ L Fᵀ + E`` where every column of ``L`` and of ``F`` gets a prior
estimated from the data (an ebnm family), factors are added greedily, then
backfitted, and every step maximizes an evidence lower bound. The pipeline verbs
mirror flashier::

    fit = flash_init(Y).greedy(Kmax=10).backfit().nullcheck()

Dense arrays, ``scipy.sparse`` matrices (never densified) and missing values (NaN)
are supported. See ``shared/FLASH.md`` for the mathematics.
"""

from __future__ import annotations

from pybrms.flash.data import LowRankMatrix
from pybrms.flash.fit import FlashFit, PriorSpec, TraceRecord
from pybrms.flash.init import init_problem

VarType = int | tuple[int, int] | None


def flash_init(
    Y: object, S: object = None, var_type: VarType = 0, verbose: int = 1, S_dim: int | None = None
) -> FlashFit:
    """Start a flash fit with no factors (flashier's ``flash_init``).

    Parameters
    ----------
    Y
        ``n x p`` data: a numpy array (NaN marks missing entries), a ``scipy.sparse``
        matrix (explicit NaN entries are missing; it is never densified) or a
        :class:`LowRankMatrix`.
    S
        Standard errors: a positive scalar, a vector of length ``n`` (one per row) or
        ``p`` (one per column), or an ``n x p`` array. With ``var_type=None`` they are
        known. With ``var_type`` 0, 1 or 2 a scalar ``S``, or a vector along the mode
        that ``var_type`` estimates (length ``n`` with ``var_type=1``, ``p`` with 2), is
        a floor on the residual sd (``τ = min(1/S², τ̂)``, as flashier), which keeps a
        column or row that one factor fits exactly from driving τ to infinity. Any
        other ``S`` (and every ``S`` with ``var_type=(1, 2)``) gives known standard
        errors to which the estimated variance is added, ``1/τ_ij = S_ij² + σ²``
        (flashier's "noisy" variance types). A scalar or vector ``S`` is never
        expanded to ``n x p``.
    var_type
        Residual variance structure: 0 (one constant, default), 1 (one per row),
        2 (one per column), ``(1, 2)`` (Kronecker: ``τ_ij = τ_i τ_j``, one factor per
        row times one per column) or ``None`` (known, given by ``S``).
    verbose
        0 prints nothing; 1 prints the ELBO after every step.
    S_dim
        How a vector ``S`` is read when ``Y`` is square: 1 (one sd per row) or 2 (per
        column). Otherwise the length of ``S`` tells, and ``S_dim`` may be left out.

    Returns
    -------
    FlashFit

    Raises
    ------
    FlashError
        For a bad ``Y``, ``S`` or ``var_type``.

    Examples
    --------
    >>> import numpy as np
    >>> fit = flash_init(np.arange(6.0).reshape(3, 2), verbose=0)
    >>> fit.n_factors
    0
    """
    problem, state = init_problem(Y, S, var_type, S_dim)
    return FlashFit(problem, state, verbose=verbose)


def flash(
    Y: object,
    S: object = None,
    prior: PriorSpec = "point_normal",
    var_type: VarType = 0,
    greedy_Kmax: int = 50,
    backfit: bool = False,
    nullcheck: bool = True,
    verbose: int = 1,
    S_dim: int | None = None,
) -> FlashFit:
    """Fit an empirical Bayes matrix factorization (flashier's ``flash``).

    Runs :func:`flash_init`, then :meth:`FlashFit.greedy`, then (optionally)
    :meth:`FlashFit.backfit`, then :meth:`FlashFit.nullcheck`.

    Parameters
    ----------
    Y, S, var_type, verbose, S_dim
        See :func:`flash_init`.
    prior
        ebnm family for loadings and factors (``"point_normal"``, ``"normal"``,
        ``"point_laplace"``, ``"point_exponential"``, ``"normal_scale_mixture"``), or a
        pair ``(loadings family, factors family)``.
    greedy_Kmax
        Maximum number of factors added greedily.
    backfit
        Backfit (extrapolated order) after the greedy step.
    nullcheck
        Remove factors that do not improve the ELBO.

    Returns
    -------
    FlashFit

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> L, F = rng.normal(size=(100, 2)), rng.normal(size=(50, 2))
    >>> Y = L @ F.T + 0.5 * rng.normal(size=(100, 50))
    >>> fit = flash(Y, backfit=True, verbose=0)
    >>> fit.n_factors, round(float(fit.residuals_sd), 1)
    (2, 0.5)
    """
    start = flash_init(Y, S=S, var_type=var_type, verbose=verbose, S_dim=S_dim)
    fit = start.greedy(greedy_Kmax, prior)
    if backfit:
        fit = fit.backfit()
    if nullcheck:
        fit = fit.nullcheck()
    return fit


__all__ = ["FlashFit", "LowRankMatrix", "TraceRecord", "VarType", "flash", "flash_init"]
