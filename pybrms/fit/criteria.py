"""Information criteria and model comparison: brms's ``waic()`` and ``loo_compare()``.

A :class:`Criterion` holds the pointwise values of one criterion for one fit:
``elpd_<c>``, ``p_<c>`` and ``<c>ic`` (``-2 elpd``; ``waic`` for WAIC), as the
``loo`` package's ``pointwise`` matrix, and prints the ``loo`` package's
estimates table (Estimate and SE, ``SE = sqrt(N var(pointwise))``). WAIC is
computed here from the pointwise log-likelihood; PSIS-LOO comes from
:meth:`BrmsFit.loo` (ArviZ); K-fold cross-validation from
:func:`pybrms.fit.kfold.kfold`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from pybrms.errors import SpecError, warn_user

if TYPE_CHECKING:
    from pybrms.fit.brmsfit import BrmsFit

__all__ = ["Criterion", "loo_compare", "loo_criterion", "waic"]

CriterionName = Literal["loo", "waic", "kfold"]
#: The information criterion column of each criterion's table.
IC_COLUMNS: dict[str, str] = {"loo": "looic", "waic": "waic", "kfold": "kfoldic"}
#: Pointwise p_waic above which WAIC is unreliable (the loo package's threshold).
P_WAIC_WARNING = 0.4


@dataclass(frozen=True)
class Criterion:
    """Pointwise values of one information criterion of one fit.

    Attributes
    ----------
    name
        ``"loo"``, ``"waic"`` or ``"kfold"``.
    pointwise
        One row per observation; columns ``elpd_<name>``, ``p_<name>`` and
        ``looic``, ``waic`` or ``kfoldic``.
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
        warn_user(
            f"{bad} ({bad / len(p_waic):.1%}) p_waic estimates greater than {P_WAIC_WARNING}. "
            "We recommend trying loo instead."
        )
    return _criterion("waic", lpd - p_waic, p_waic, fit.spec.input_data.index)


def loo_criterion(fit: BrmsFit) -> Criterion:
    """PSIS-LOO of :meth:`BrmsFit.loo` as a :class:`Criterion`; ``p_loo_i = lpd_i - elpd_loo_i``.

    Examples
    --------
    >>> loo_criterion(fit).estimates  # doctest: +SKIP
    """
    log_lik = fit.log_lik()
    lpd = logsumexp(log_lik, axis=0) - np.log(len(log_lik))
    elpd = np.asarray(fit.loo().loo_i, dtype=float)
    return _criterion("loo", elpd, lpd - elpd, fit.spec.input_data.index)


def loo_compare(
    *fits: BrmsFit | Criterion,
    criterion: CriterionName | None = None,
    **named: BrmsFit | Criterion,
) -> pd.DataFrame:
    """Compare fits of the same data by expected log predictive density, brms's ``loo_compare()``.

    Parameters
    ----------
    *fits
        Fits, or criteria computed for them (such as the results of
        :meth:`BrmsFit.kfold`), named ``model1``, ``model2``, ... in the order given.
    criterion
        ``"loo"`` (PSIS-LOO, the default for fits) or ``"waic"``, computed for
        the fits; criteria given must be of this kind. K-fold criteria are
        compared when given as criteria (computed with the same folds).
    **named
        Fits or criteria named by their keyword.

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
        With fewer than two fits, an unknown criterion, criteria of different
        kinds, ``criterion="kfold"`` with a fit, or fits of different numbers of
        observations.

    Examples
    --------
    >>> loo_compare(full=fit1, small=fit2)  # doctest: +SKIP
           elpd_diff  se_diff  elpd_loo  se_elpd_loo  p_loo  se_p_loo  looic  se_looic
    full        0.0      0.0     -70.1          7.1   11.8       2.0  140.2      14.2
    small     -25.3      6.1     -95.4          6.9    5.1       0.9  190.8      13.8
    """
    models: Mapping[str, BrmsFit | Criterion] = {
        f"model{k}": f for k, f in enumerate(fits, 1)
    } | named
    if len(models) < 2:
        raise SpecError("loo_compare needs at least two fits.")
    given = {m.name for m in models.values() if isinstance(m, Criterion)}
    if criterion is None:
        criterion = given.pop() if len(given) == 1 else "loo"
    if criterion not in IC_COLUMNS:
        raise SpecError(f"criterion must be 'loo', 'waic' or 'kfold', got {criterion!r}.")
    values = {name: _criterion_of(m, criterion) for name, m in models.items()}
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
    ic = IC_COLUMNS[criterion]
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


def _criterion_of(model: BrmsFit | Criterion, criterion: CriterionName) -> Criterion:
    """``model`` itself if it is a criterion of kind ``criterion``, else computed for the fit."""
    if isinstance(model, Criterion):
        if model.name != criterion:
            raise SpecError(
                f"loo_compare compares criteria of one kind; got {model.name!r} with {criterion!r}."
            )
        return model
    if criterion == "kfold":
        raise SpecError(
            "loo_compare does not refit models: compute fit.kfold(...) for each fit, with the "
            "same folds (folds=...), and pass the results."
        )
    return {"loo": loo_criterion, "waic": waic}[criterion](model)


def _criterion(name: CriterionName, elpd: np.ndarray, p: np.ndarray, index: pd.Index) -> Criterion:
    pointwise = pd.DataFrame(
        {f"elpd_{name}": elpd, f"p_{name}": p, IC_COLUMNS[name]: -2 * elpd}, index=index
    )
    return Criterion(name, pointwise)
