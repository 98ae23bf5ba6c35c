"""Posterior predictive checks, brms's ``pp_check()`` (bayesplot's ``ppc_*`` plots) in matplotlib.

Each type draws the observed response ``y`` against replicated data ``yrep``
from :meth:`BrmsFit.posterior_predict`, in bayesplot's colours (dark ``y``, light
``yrep``). As brms, overlay-like types use 10 draws unless ``ndraws`` is given
and the types of :data:`ALL_DRAWS_TYPES` use all draws.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

import numpy as np
from scipy import stats

from pybrms.errors import SpecError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from pybrms.fit.brmsfit import BrmsFit

__all__ = ["ALL_DRAWS_TYPES", "PPC_TYPES", "pp_check"]

logger = logging.getLogger(__name__)

#: bayesplot's default colour scheme: dark for ``y``, light for ``yrep``.
DARK, MID, LIGHT = "#011f4b", "#6497b1", "#b3cde0"
#: brms's default number of draws for types that draw one line per draw.
DEFAULT_NDRAWS = 10
#: Types brms draws with all posterior draws by default.
ALL_DRAWS_TYPES = frozenset({"intervals", "scatter_avg", "stat", "error_scatter_avg", "ribbon"})
#: Statistics ``stat`` may name, as R's functions.
STATS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "mean": lambda v: v.mean(axis=-1),
    "median": lambda v: np.median(v, axis=-1),
    "sd": lambda v: v.std(axis=-1, ddof=1),
    "var": lambda v: v.var(axis=-1, ddof=1),
    "min": lambda v: v.min(axis=-1),
    "max": lambda v: v.max(axis=-1),
}


def pp_check(
    fit: BrmsFit,
    type: str = "dens_overlay",
    ndraws: int | None | Literal["auto"] = "auto",
    *,
    stat: str = "mean",
    prob: float = 0.5,
    prob_outer: float = 0.9,
    rng: np.random.Generator | int | None = None,
) -> Figure:
    """Posterior predictive check of a fit, brms's ``pp_check()``.

    Parameters
    ----------
    fit
        The fitted model.
    type
        One of :data:`PPC_TYPES`: ``"dens_overlay"`` (default), ``"hist"``,
        ``"ecdf_overlay"``, ``"boxplot"``, ``"stat"``, ``"intervals"``,
        ``"ribbon"``, ``"bars"``, ``"scatter_avg"``, ``"error_hist"``,
        ``"error_scatter_avg"``.
    ndraws
        Number of posterior draws; ``"auto"`` chooses as brms (10, or all for
        :data:`ALL_DRAWS_TYPES`), None uses all.
    stat
        Test statistic of ``type="stat"``: a name of :data:`STATS`.
    prob, prob_outer
        Inner and outer interval of ``"intervals"``/``"ribbon"``; ``"bars"``
        uses ``prob_outer``.
    rng
        Random generator (or seed) for the draws picked and the predictions.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    SpecError
        For an unknown type or statistic, or ``"bars"`` with a continuous response.

    Examples
    --------
    >>> fig = pp_check(fit, "dens_overlay")  # doctest: +SKIP
    >>> len(fig.axes[0].lines)  # doctest: +SKIP
    11
    """
    if type not in PPC_TYPES:
        raise SpecError(
            f"Type {type!r} is not a valid ppc type. Valid types are: {', '.join(PPC_TYPES)}."
        )
    if stat not in STATS:
        raise SpecError(f"stat must be one of {', '.join(STATS)}; got {stat!r}.")
    if ndraws == "auto":
        if type in ALL_DRAWS_TYPES:
            ndraws = None
            logger.info("Using all posterior draws for ppc type %r by default.", type)
        else:
            ndraws = DEFAULT_NDRAWS
            logger.info("Using %d posterior draws for ppc type %r by default.", ndraws, type)
    generator = np.random.default_rng(rng)
    yrep = np.asarray(fit.posterior_predict(ndraws=ndraws, rng=generator), dtype=float)
    y = np.asarray(fit.spec.response.values, dtype=float)
    return PPC_TYPES[type](y, yrep, stat=stat, prob=prob, prob_outer=prob_outer)


def _figure(panels: int = 1) -> tuple[Figure, list[Axes]]:
    import matplotlib.pyplot as plt  # pyplot only when a plot is drawn

    columns = min(panels, 4)
    rows = -(-panels // columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(2.5 * columns + 1, 2.2 * rows + 0.8), squeeze=False, sharex=True
    )
    flat = list(axes.ravel())
    for extra in flat[panels:]:
        extra.remove()
    return figure, flat[:panels]


def _grid(y: np.ndarray, yrep: np.ndarray) -> np.ndarray:
    values = np.concatenate([y, yrep.ravel()])
    return np.linspace(values.min(), values.max(), 512)


def _dens_overlay(y: np.ndarray, yrep: np.ndarray, **_: object) -> Figure:
    figure, (ax,) = _figure()
    grid = _grid(y, yrep)
    for k, draw in enumerate(yrep):
        ax.plot(
            grid,
            stats.gaussian_kde(draw)(grid),
            color=LIGHT,
            lw=0.7,
            label="y_rep" if k == 0 else None,
        )
    ax.plot(grid, stats.gaussian_kde(y)(grid), color=DARK, lw=2, label="y")
    ax.set_yticks([])
    ax.legend(frameon=False)
    return figure


def _ecdf_overlay(y: np.ndarray, yrep: np.ndarray, **_: object) -> Figure:
    figure, (ax,) = _figure()
    for k, draw in enumerate(yrep):
        ax.ecdf(draw, color=LIGHT, lw=0.7, label="y_rep" if k == 0 else None)
    ax.ecdf(y, color=DARK, lw=2, label="y")
    ax.legend(frameon=False)
    return figure


def _hist(y: np.ndarray, yrep: np.ndarray, **_: object) -> Figure:
    figure, axes = _figure(1 + len(yrep))
    edges = np.histogram_bin_edges(np.concatenate([y, yrep.ravel()]), bins=30).tolist()
    axes[0].hist(y, bins=edges, color=DARK, label="y")
    axes[0].set_title("y")
    for k, (ax, draw) in enumerate(zip(axes[1:], yrep, strict=True), start=1):
        ax.hist(draw, bins=edges, color=LIGHT, edgecolor=MID, lw=0.3)
        ax.set_title(f"y_rep {k}")
    for ax in axes:
        ax.set_yticks([])
    return figure


def _boxplot(y: np.ndarray, yrep: np.ndarray, **_: object) -> Figure:
    figure, (ax,) = _figure()
    parts = ax.boxplot([y, *yrep], tick_labels=["y"] + ["y_rep"] * len(yrep), patch_artist=True)
    for k, box in enumerate(parts["boxes"]):
        box.set_facecolor(DARK if k == 0 else LIGHT)
    return figure


def _stat(y: np.ndarray, yrep: np.ndarray, *, stat: str, **_: object) -> Figure:
    figure, (ax,) = _figure()
    ax.hist(
        STATS[stat](yrep), bins=30, color=LIGHT, edgecolor=MID, lw=0.3, label=f"T(y_rep) = {stat}"
    )
    ax.axvline(float(STATS[stat](y)), color=DARK, lw=2, label=f"T(y) = {stat}")
    ax.set_yticks([])
    ax.legend(frameon=False)
    return figure


def _intervals(
    y: np.ndarray, yrep: np.ndarray, *, prob: float, prob_outer: float, **_: object
) -> Figure:
    figure, (ax,) = _figure()
    x = np.arange(1, len(y) + 1)
    low, high, low_outer, high_outer, median = _quantiles(yrep, prob, prob_outer)
    ax.vlines(x, low_outer, high_outer, color=MID, lw=1, label=f"{prob_outer:.0%} interval")
    ax.vlines(x, low, high, color=MID, lw=3, label=f"{prob:.0%} interval")
    ax.plot(x, median, "o", color=LIGHT, mec=MID, ms=4, label="y_rep median")
    ax.plot(x, y, "o", color=DARK, ms=3, label="y")
    ax.set_xlabel("Index")
    ax.legend(frameon=False, fontsize="small")
    return figure


def _ribbon(
    y: np.ndarray, yrep: np.ndarray, *, prob: float, prob_outer: float, **_: object
) -> Figure:
    figure, (ax,) = _figure()
    x = np.arange(1, len(y) + 1)
    low, high, low_outer, high_outer, median = _quantiles(yrep, prob, prob_outer)
    ax.fill_between(x, low_outer, high_outer, color=LIGHT, label=f"{prob_outer:.0%} interval")
    ax.fill_between(x, low, high, color=MID, label=f"{prob:.0%} interval")
    ax.plot(x, median, color=MID, lw=1, label="y_rep median")
    ax.plot(x, y, color=DARK, lw=1, label="y")
    ax.set_xlabel("Index")
    ax.legend(frameon=False, fontsize="small")
    return figure


def _bars(y: np.ndarray, yrep: np.ndarray, *, prob_outer: float, **_: object) -> Figure:
    if not (np.allclose(y, np.round(y)) and np.allclose(yrep, np.round(yrep))):
        raise SpecError("ppc type 'bars' is for discrete responses; this response is continuous.")
    values = np.arange(int(min(y.min(), yrep.min())), int(max(y.max(), yrep.max())) + 1)
    observed = (y[:, np.newaxis] == values).sum(axis=0)
    replicated = (yrep[:, :, np.newaxis] == values).sum(axis=1)
    tail = (1 - prob_outer) / 2
    low, median, high = np.quantile(replicated, [tail, 0.5, 1 - tail], axis=0)
    figure, (ax,) = _figure()
    ax.bar(values, observed, color=LIGHT, edgecolor=MID, label="y")
    ax.errorbar(
        values, median, yerr=[median - low, high - median], fmt="o", color=DARK, ms=4, label="y_rep"
    )
    ax.set_ylabel("Count")
    ax.legend(frameon=False)
    return figure


def _scatter_avg(y: np.ndarray, yrep: np.ndarray, **_: object) -> Figure:
    figure, (ax,) = _figure()
    average = yrep.mean(axis=0)
    ax.scatter(average, y, color=DARK, s=12)
    lims = [min(average.min(), y.min()), max(average.max(), y.max())]
    ax.plot(lims, lims, ls="--", color=MID, lw=1)
    ax.set_xlabel("Average y_rep")
    ax.set_ylabel("y")
    return figure


def _error_hist(y: np.ndarray, yrep: np.ndarray, **_: object) -> Figure:
    figure, axes = _figure(len(yrep))
    for k, (ax, draw) in enumerate(zip(axes, y - yrep, strict=True), start=1):
        ax.hist(draw, bins=30, color=LIGHT, edgecolor=MID, lw=0.3)
        ax.set_title(f"y - y_rep {k}")
        ax.set_yticks([])
    return figure


def _error_scatter_avg(y: np.ndarray, yrep: np.ndarray, **_: object) -> Figure:
    figure, (ax,) = _figure()
    ax.scatter(y, (y - yrep).mean(axis=0), color=DARK, s=12)
    ax.axhline(0.0, ls="--", color=MID, lw=1)
    ax.set_xlabel("y")
    ax.set_ylabel("Average y - y_rep")
    return figure


def _quantiles(yrep: np.ndarray, prob: float, prob_outer: float) -> tuple[np.ndarray, ...]:
    inner, outer = (1 - prob) / 2, (1 - prob_outer) / 2
    return tuple(np.quantile(yrep, [inner, 1 - inner, outer, 1 - outer, 0.5], axis=0))


#: The plot of each type.
PPC_TYPES: dict[str, Callable[..., Figure]] = {
    "dens_overlay": _dens_overlay,
    "hist": _hist,
    "ecdf_overlay": _ecdf_overlay,
    "boxplot": _boxplot,
    "stat": _stat,
    "intervals": _intervals,
    "ribbon": _ribbon,
    "bars": _bars,
    "scatter_avg": _scatter_avg,
    "error_hist": _error_hist,
    "error_scatter_avg": _error_scatter_avg,
}
