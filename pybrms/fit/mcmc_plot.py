"""brms's ``mcmc_plot()``: plots of the draws of selected parameters, drawn by ArviZ.

As brms, the default parameters are the population-level effects, the
standard deviations and correlations of the group-level effects and the
distributional parameters without a formula (no ``r_`` effects, no centered
``Intercept``, no ``lp__``). Each ``type`` is one ArviZ plot; ``"intervals"``
shows 50% (thick) and 90% (thin) intervals, as bayesplot's ``mcmc_intervals``
(ArviZ's forest plot: the outer interval is the highest density interval).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pybrms.errors import SpecError
from pybrms.fit.estimates import select_names

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from pybrms.fit.brmsfit import BrmsFit

__all__ = ["MCMC_TYPES", "mcmc_plot"]


def _intervals(az: Any, idata: Any) -> Any:
    return az.plot_forest(idata, combined=True, hdi_prob=0.9, quartiles=True)


def _areas(az: Any, idata: Any) -> Any:
    return az.plot_forest(idata, kind="ridgeplot", combined=True, hdi_prob=0.9)


#: The ArviZ call of each type.
MCMC_TYPES: dict[str, Callable[[Any, Any], Any]] = {
    "intervals": _intervals,
    "areas": _areas,
    "trace": lambda az, idata: az.plot_trace(idata, compact=False),
    "dens": lambda az, idata: az.plot_density(idata, hdi_prob=0.9),
    "hist": lambda az, idata: az.plot_posterior(idata, kind="hist", hdi_prob=0.9),
    "acf": lambda az, idata: az.plot_autocorr(idata),
    "rank": lambda az, idata: az.plot_rank(idata),
    "pairs": lambda az, idata: az.plot_pair(idata),
}


def mcmc_plot(
    fit: BrmsFit,
    type: str = "intervals",
    variable: str | Sequence[str] | None = None,
    *,
    regex: bool = False,
) -> Figure:
    """Plot the draws of selected parameters, brms's ``mcmc_plot()``.

    Parameters
    ----------
    fit
        The fitted model.
    type
        One of :data:`MCMC_TYPES`: ``"intervals"`` (default), ``"areas"``,
        ``"trace"``, ``"dens"``, ``"hist"``, ``"acf"``, ``"rank"``, ``"pairs"``.
    variable, regex
        Parameters to plot, as :func:`pybrms.fit.estimates.draws_frame`; None
        for brms's default selection.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    SpecError
        For an unknown type or parameter.

    Examples
    --------
    >>> mcmc_plot(fit, "trace", "^b_", regex=True)  # doctest: +SKIP
    """
    import arviz as az  # plotting only when asked for

    if type not in MCMC_TYPES:
        raise SpecError(f"Invalid plot type {type!r}; valid types: {', '.join(MCMC_TYPES)}.")
    names = [p.name for p in fit.spec.names]
    if variable is None:
        scalar = {d.name for d in fit.univariate_spec.scalar_dpars}
        selected = [p.name for p in fit.spec.names if p.cls in {"b", "sd", "cor"} | scalar]
    else:
        selected = select_names([*names, "lp__"], variable, regex=regex)
    columns = {p.name: p.column for p in fit.spec.names} | {"lp__": "lp__"}
    idata = az.from_dict(posterior={n: fit.draws.column(columns[n]) for n in selected})
    axes = np.ravel(np.asarray(MCMC_TYPES[type](az, idata), dtype=object))
    return axes[0].figure
