"""Empirical Bayes normal means (a Python port of the R package ebnm).

Given x_i ~ N(theta_i, s_i^2) with theta_i ~ g, :func:`ebnm` estimates g within a
prior family by maximum marginal likelihood and returns the posterior of each theta_i.
The families are listed in :data:`FAMILIES`; see ``shared/FLASH.md`` section 6.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from pybrms.errors import FlashError
from pybrms.flash.ebnm.data import NormalMeans
from pybrms.flash.ebnm.families import FAMILIES, get_family
from pybrms.flash.ebnm.family import Family
from pybrms.flash.ebnm.prior import Prior

OUTPUTS = frozenset({"mean", "second_moment", "log_likelihood", "lfsr"})


@dataclass(frozen=True)
class EbnmResult:
    """Fitted prior and posterior summaries of one EBNM problem.

    Attributes
    ----------
    prior : Prior
        The fitted (or, with ``fix_g=True``, the given) g.
    posterior_mean, posterior_second_moment : numpy.ndarray or None
        E[theta_i | x] and E[theta_i^2 | x] (clamped to at least the squared mean);
        None unless ``"mean"`` or ``"second_moment"`` was requested.
    log_likelihood : float
        sum_i log p(x_i | g) over observations with finite s.
    lfsr : numpy.ndarray or None
        Local false sign rate min(P(theta_i <= 0 | x), P(theta_i >= 0 | x)); None
        unless ``"lfsr"`` was requested.
    """

    prior: Prior
    posterior_mean: np.ndarray | None
    posterior_second_moment: np.ndarray | None
    log_likelihood: float
    lfsr: np.ndarray | None = None


def ebnm(
    x: np.ndarray,
    s: np.ndarray | float,
    family: str | Family = "point_normal",
    *,
    mode: float | str = 0.0,
    g_init: Prior | None = None,
    fix_g: bool = False,
    output: Iterable[str] = ("mean", "second_moment", "log_likelihood"),
) -> EbnmResult:
    """Solve the empirical Bayes normal means problem x_i ~ N(theta_i, s_i^2), theta_i ~ g.

    Parameters
    ----------
    x : array_like
        Observations (1-d, finite).
    s : array_like or float
        Their standard errors, >= 0. Observations with ``s = inf`` do not inform g and
        get the prior as posterior; with ``s = 0`` theta_i = x_i exactly.
    family : str or Family
        One of :data:`FAMILIES` (``"normal"``, ``"point_normal"``, ``"point_laplace"``,
        ``"point_exponential"``, ``"normal_scale_mixture"``) or a family object.
    mode : float or "estimate"
        Location of the point mass (the prior's mode), fixed or estimated.
    g_init : Prior, optional
        Warm start for the fit, or with ``fix_g=True`` the prior to evaluate.
    fix_g : bool
        Skip fitting and use ``g_init`` as g.
    output : iterable of str
        Which of ``"mean"``, ``"second_moment"``, ``"log_likelihood"`` and ``"lfsr"``
        to compute (the log-likelihood is always returned).

    Returns
    -------
    EbnmResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> theta = np.where(rng.random(1000) < 0.7, 0.0, rng.normal(0.0, 4.0, 1000))
    >>> res = ebnm(theta + rng.normal(size=1000), 1.0, "point_normal")
    >>> round(res.prior.pi0, 1), round(res.prior.scale, 0)
    (0.7, 4.0)
    >>> bool(np.all(res.posterior_second_moment >= res.posterior_mean**2))
    True
    """
    fam = get_family(family)
    output = _check_output(output)
    data = NormalMeans.from_arrays(x, s)
    _check_g_init(fam, g_init, fix_g, mode)
    want_posterior = bool(output & {"mean", "second_moment", "lfsr"})
    prior, log_marginal, post = fam.solve(
        data, mode, g_init, fix_g, posterior=want_posterior, lfsr="lfsr" in output
    )
    mean = second = lfsr = None
    if post is not None:
        if output & {"mean", "second_moment"}:
            mean, second = post.mean, post.second_moment
        lfsr = post.lfsr
    log_lik = float(np.sum(log_marginal))
    return EbnmResult(prior, mean, second, log_lik, lfsr)


def warm_start_ok(prior: Prior, x: np.ndarray, s: np.ndarray | float) -> bool:
    """flashier's check whether ``prior`` may warm start a fit to (x, s).

    For normal-mixture priors (``normal``, ``point_normal``, ``normal_scale_mixture``)
    the warm start is refused when some x lies far outside +-2 times the largest prior
    sd, so that the grid (or start) of the old g would not fit the new data; Laplace
    and exponential priors are always warm started (FLASH.md section 8.5).

    Examples
    --------
    >>> g = Prior("point_normal", pi0=0.5, scale=1.0)
    >>> warm_start_ok(g, np.array([0.3, -1.2]), 1.0), warm_start_ok(g, np.array([50.0]), 1.0)
    (True, False)
    """
    return get_family(prior.family).warm_start_ok(prior, NormalMeans.from_arrays(x, s))


def _check_output(output: Iterable[str]) -> frozenset[str]:
    requested = frozenset([output] if isinstance(output, str) else output)
    unknown = requested - OUTPUTS
    if unknown:
        raise FlashError(
            f"Unknown ebnm output(s) {sorted(unknown)}; choose from {sorted(OUTPUTS)}."
        )
    return requested


def _check_g_init(fam: Family, g_init: Prior | None, fix_g: bool, mode: float | str) -> None:
    if isinstance(mode, str) and mode != "estimate":
        raise FlashError(f"mode must be a number or 'estimate'; got {mode!r}.")
    if g_init is None:
        if fix_g:
            raise FlashError("fix_g=True needs g_init, the prior to evaluate.")
        return
    if g_init.family != fam.name:
        raise FlashError(f"g_init is a {g_init.family} prior but the family is {fam.name}.")
    # np.isclose(g_init.mode, mode, rtol=1e-12), without its array machinery
    # mode is a number, or "estimate"
    if (
        not fix_g
        and not isinstance(mode, str)
        and abs(g_init.mode - mode) > 1e-8 + 1e-12 * abs(mode)
    ):
        raise FlashError(
            f"g_init has mode {g_init.mode} but mode={mode} is fixed; pass mode='estimate' "
            "or a g_init with the same mode."
        )


__all__ = ["FAMILIES", "EbnmResult", "Prior", "ebnm", "get_family", "warm_start_ok"]
