"""Information criteria and model comparison: brms's ``waic()`` and ``loo_compare()``.

A :class:`Criterion` holds the pointwise values of one criterion for one fit:
``elpd_<c>``, ``p_<c>`` and ``<c>`` (``-2 elpd``), as the ``loo`` package's
``pointwise`` matrix, and prints the ``loo`` package's estimates table
(Estimate and SE, ``SE = sqrt(N var(pointwise))``). WAIC is computed here from
the pointwise log-likelihood; PSIS-LOO comes from :meth:`BrmsFit.loo` (ArviZ).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from pybrms.errors import SpecError

if TYPE_CHECKING:
    from pybrms.fit.brmsfit import BrmsFit

__all__ = ["Criterion", "loo_compare", "loo_criterion", "waic"]

CriterionName = Literal["loo", "waic"]
#: Pointwise p_waic above which WAIC is unreliable (the loo package's threshold).
P_WAIC_WARNING = 0.4


@dataclass(frozen=True)
class Criterion:
    """Pointwise values of one information criterion of one fit.

    Attributes
    ----------
    name
        ``"loo"`` or ``"waic"``.
    pointwise
        One row per observation; columns ``elpd_<name>``, ``p_<name>`` and
        ``looic`` or ``waic``.
    """

    name: CriterionName
    pointwise: pd.DataFrame

    @property
    def estimates(self) -> pd.DataFrame:
        """The ``loo`` package's table: rows ``elpd_<c>``, ``p_<c>``, ``<c>ic``; Estimate, SE."""
        n = len(self.pointwise)
        return pd.DataFrame(
            {
                "Estimate": self.pointwise.sum(axis=0),
                "SE": np.sqrt(n * self.pointwise.var(axis=0, ddof=1)),
            }
        )

    def __str__(self) -> str:
        return f"Computed from {len(self.pointwise)} observations.\n\n{self.estimates.round(1)}"

    __repr__ = __str__


def waic(fit: BrmsFit) -> Criterion:
    """Widely applicable information criterion, brms's ``waic()``.

    ``elpd_waic_i = log mean_s p(y_i | theta_s) - var_s log p(y_i | theta_s)``.
    Warns, as the ``loo`` package, when some ``p_waic_i`` exceed 0.4.

    Examples
    --------
    >>> waic(fit).estimates  # doctest: +SKIP
                  Estimate     SE
    elpd_waic      -68.1    7.2
    p_waic          12.3    2.1
    waic           136.2   14.4
    """
    log_lik = fit.log_lik()
    lpd = logsumexp(log_lik, axis=0) - np.log(len(log_lik))
    p_waic = log_lik.var(axis=0, ddof=1)
    bad = int((p_waic > P_WAIC_WARNING).sum())
    if bad:
        warnings.warn(
            f"{bad} ({bad / len(p_waic):.1%}) p_waic estimates greater than {P_WAIC_WARNING}. "
            "We recommend trying loo instead.",
            stacklevel=3,
        )
    return _criterion("waic", lpd - p_waic, p_waic, fit.spec.data.index)


def loo_criterion(fit: BrmsFit) -> Criterion:
    """PSIS-LOO of :meth:`BrmsFit.loo` as a :class:`Criterion`; ``p_loo_i = lpd_i - elpd_loo_i``.

    Examples
    --------
    >>> loo_criterion(fit).estimates  # doctest: +SKIP
    """
    log_lik = fit.log_lik()
    lpd = logsumexp(log_lik, axis=0) - np.log(len(log_lik))
    elpd = np.asarray(fit.loo().loo_i, dtype=float)
    return _criterion("loo", elpd, lpd - elpd, fit.spec.data.index)


def loo_compare(*fits: BrmsFit, criterion: CriterionName = "loo", **named: BrmsFit) -> pd.DataFrame:
    """Compare fits of the same data by expected log predictive density, brms's ``loo_compare()``.

    Parameters
    ----------
    *fits
        Fits named ``model1``, ``model2``, ... in the order given.
    criterion
        ``"loo"`` (PSIS-LOO) or ``"waic"``.
    **named
        Fits named by their keyword.

    Returns
    -------
    pandas.DataFrame
        One row per model, best first, with the ``loo`` package's columns:
        ``elpd_diff`` and ``se_diff`` (difference to the best model and its
        standard error, ``sqrt(N) sd(elpd_i - elpd_best_i)``), then
        ``elpd_<c>``, ``se_elpd_<c>``, ``p_<c>``, ``se_p_<c>``, ``<c>ic``, ``se_<c>ic``.

    Raises
    ------
    SpecError
        With fewer than two fits, an unknown criterion, or fits of different
        numbers of observations.

    Examples
    --------
    >>> loo_compare(full=fit1, small=fit2)  # doctest: +SKIP
           elpd_diff  se_diff  elpd_loo  se_elpd_loo  p_loo  se_p_loo  looic  se_looic
    full        0.0      0.0     -70.1          7.1   11.8       2.0  140.2      14.2
    small     -25.3      6.1     -95.4          6.9    5.1       0.9  190.8      13.8
    """
    compute = {"loo": loo_criterion, "waic": waic}
    if criterion not in compute:
        raise SpecError(f"criterion must be 'loo' or 'waic', got {criterion!r}.")
    models: Mapping[str, BrmsFit] = {f"model{k}": f for k, f in enumerate(fits, 1)} | named
    if len(models) < 2:
        raise SpecError("loo_compare needs at least two fits.")
    values = {name: compute[criterion](fit) for name, fit in models.items()}
    sizes = {name: len(c.pointwise) for name, c in values.items()}
    if len(set(sizes.values())) > 1:
        shown = ", ".join(f"{name}: {n}" for name, n in sizes.items())
        raise SpecError(
            f"Fits must have the same number of observations to be compared; got {shown}."
        )
    elpd = f"elpd_{criterion}"
    order = sorted(values, key=lambda name: -values[name].pointwise[elpd].sum())
    best = values[order[0]].pointwise[elpd].to_numpy()
    rows = {}
    for name in order:
        pointwise = values[name].pointwise
        diff = pointwise[elpd].to_numpy() - best
        row = {"elpd_diff": diff.sum(), "se_diff": np.sqrt(len(diff)) * np.std(diff, ddof=1)}
        for column, (estimate, se) in values[name].estimates.iterrows():
            row[column] = estimate
            row[f"se_{column}"] = se
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    ic = "looic" if criterion == "loo" else "waic"
    columns = [
        "elpd_diff",
        "se_diff",
        elpd,
        f"se_{elpd}",
        f"p_{criterion}",
        f"se_p_{criterion}",
        ic,
        f"se_{ic}",
    ]
    return table[columns]


def _criterion(name: CriterionName, elpd: np.ndarray, p: np.ndarray, index: pd.Index) -> Criterion:
    ic = "looic" if name == "loo" else "waic"
    pointwise = pd.DataFrame({f"elpd_{name}": elpd, f"p_{name}": p, ic: -2 * elpd}, index=index)
    return Criterion(name, pointwise)
