"""Posterior predictive checks, brms's ``pp_check()`` (bayesplot's ``ppc_*`` plots) in matplotlib.

Each type draws the observed response ``y`` against replicated data ``yrep``
from :meth:`BrmsFit.posterior_predict`, in bayesplot's colours (dark ``y``, light
``yrep``). As brms, overlay-like types use 10 draws unless ``ndraws`` is given
and the types of :data:`ALL_DRAWS_TYPES` use all draws. ``"loo_pit_overlay"``
weighs the draws by their PSIS leave-one-out weights (bayesplot's
``ppc_loo_pit_overlay`` with brms's weights).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
from scipy import stats

from pybrms.errors import SpecError
from pybrms.fit.arviz import psis_log_weights
from pybrms.fit.draw_ids import pick_draw_ids
from pybrms.spec.multivariate import MvSpec

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from pybrms.fit.brmsfit import BrmsFit

__all__ = ["ALL_DRAWS_TYPES", "PPC_TYPES", "loo_pit", "pp_check"]

logger = logging.getLogger(__name__)

#: bayesplot's default colour scheme: dark for ``y``, light for ``yrep``.
DARK, MID, LIGHT = "#011f4b", "#6497b1", "#b3cde0"
#: brms's default number of draws for types that draw one line per draw.
DEFAULT_NDRAWS = 10
#: Types brms draws with all posterior draws by default.
ALL_DRAWS_TYPES = frozenset(
    {
        "intervals",
        "scatter_avg",
        "stat",
        "stat_2d",
        "error_scatter_avg",
        "ribbon",
        "loo_pit_overlay",
    }
)
#: Uniform samples drawn under the LOO-PIT density, as bayesplot's ``samples``.
LOO_PIT_SAMPLES = 100
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
    resp: str | None = None,
    draw_ids: Sequence[int] | None = None,
    stat: str | Sequence[str] | None = None,
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
        ``"error_scatter_avg"``, ``"stat_2d"``, ``"loo_pit_overlay"``.
    ndraws
        Number of posterior draws; ``"auto"`` chooses as brms (10, or all for
        :data:`ALL_DRAWS_TYPES`), None uses all.
    resp
        The response of a multivariate model to check (required there, as brms).
    draw_ids
        1-based draws to use instead (``ndraws`` is then ignored, as brms).
    stat
        Test statistic of ``type="stat"``, a name of :data:`STATS` (default
        ``"mean"``), or the two of ``"stat_2d"`` (default ``("mean", "sd")``).
    prob, prob_outer
        Inner and outer interval of ``"intervals"``/``"ribbon"``; ``"bars"``
        uses ``prob_outer``.
    rng
        Random generator (or seed) for the draws picked, the predictions and the
        randomized PIT of discrete responses.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    SpecError
        For an unknown type or statistic, ``"bars"`` with a continuous response, or a
        multivariate model without ``resp`` (or ``resp`` of a univariate one).

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
    stat = _check_stat(type, stat)
    if draw_ids is not None:
        ndraws = None
    elif ndraws == "auto":
        if type in ALL_DRAWS_TYPES:
            ndraws = None
            logger.info("Using all posterior draws for ppc type %r by default.", type)
        else:
            ndraws = DEFAULT_NDRAWS
            logger.info("Using %d posterior draws for ppc type %r by default.", ndraws, type)
    generator = np.random.default_rng(rng)
    y, which = _observed(fit, resp)
    if not type.startswith("loo_pit"):
        yrep = fit.posterior_predict(ndraws=ndraws, draw_ids=draw_ids, rng=generator, **which)
        return PPC_TYPES[type](
            y, np.asarray(yrep, dtype=float), stat=stat, prob=prob, prob_outer=prob_outer
        )
    # the same draws for the predictions and their leave-one-out weights
    total = fit.draws.num_chains * fit.draws.num_draws
    ids = pick_draw_ids(total, ndraws=ndraws, draw_ids=draw_ids, rng=generator)
    yrep = fit.posterior_predict(draw_ids=ids, rng=generator, **which)
    log_lik = fit.log_lik(draw_ids=ids, **which)
    chains = fit.draws.num_chains if ids is None else 1
    log_weights = psis_log_weights(log_lik.reshape(chains, -1, log_lik.shape[1]))
    return _loo_pit_overlay(y, np.asarray(yrep, dtype=float), log_weights, generator)


def _observed(fit: BrmsFit, resp: str | None) -> tuple[np.ndarray, dict[str, str]]:
    """The observed response and the ``resp=`` argument of the predictions: of the
    response ``resp`` of a multivariate model (which brms requires), else of the model."""
    spec = fit.spec
    if not isinstance(spec, MvSpec):
        if resp is not None:
            raise SpecError(f"resp={resp!r} selects a response of a multivariate model.")
        return np.asarray(spec.input_response.values, dtype=float), {}
    if resp is None:
        raise SpecError(
            "pp_check() of a multivariate model needs the response to check, resp= (one of "
            f"{', '.join(map(repr, spec.responses))}), as brms."
        )
    part = spec.part(resp)
    return np.asarray(part.response.values, dtype=float), {"resp": part.resp}


def _check_stat(type: str, stat: str | Sequence[str] | None) -> str | tuple[str, ...]:
    """The statistic(s) of ``type``: one name, or two for ``"stat_2d"``."""
    if type == "stat_2d":
        names = ("mean", "sd") if stat is None else (stat,) if isinstance(stat, str) else stat
        names = tuple(names)
        if len(names) != 2:
            raise SpecError(f"ppc type 'stat_2d' needs two statistics; got {stat!r}.")
    else:
        names = ("mean",) if stat is None else (stat,) if isinstance(stat, str) else tuple(stat)
        if len(names) != 1:
            raise SpecError(f"ppc type {type!r} takes one statistic; got {stat!r}.")
    for name in names:
        if name not in STATS:
            raise SpecError(f"stat must be one of {', '.join(STATS)}; got {name!r}.")
    return names if type == "stat_2d" else names[0]


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


def _stat_2d(y: np.ndarray, yrep: np.ndarray, *, stat: tuple[str, str], **_: object) -> Figure:
    figure, (ax,) = _figure()
    first, second = (STATS[name] for name in stat)
    ax.scatter(first(yrep), second(yrep), color=LIGHT, edgecolor=MID, s=10, label="T(y_rep)")
    ax.scatter([first(y)], [second(y)], color=DARK, marker="s", s=60, label="T(y)")
    ax.set_xlabel(stat[0])
    ax.set_ylabel(stat[1])
    ax.legend(frameon=False)
    return figure


def loo_pit(
    y: np.ndarray,
    yrep: np.ndarray,
    log_weights: np.ndarray,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Leave-one-out probability integral transform ``P(yrep_i <= y_i | y_-i)`` of each
    row, from draws ``yrep`` ``(S, N)`` and their normalized PSIS log weights; for ties
    (discrete responses) a uniform point between ``P(yrep_i < y_i)`` and that, as
    bayesplot's randomized PIT.

    Examples
    --------
    >>> yrep = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [3.0, 4.0]])
    >>> loo_pit(np.array([1.5, 0.5]), yrep, np.log(np.full((4, 2), 0.25)), None).tolist()
    [0.5, 0.0]
    """
    weights = np.exp(log_weights)
    below = (weights * (yrep < y)).sum(axis=0)
    tied = (weights * (yrep == y)).sum(axis=0)
    if tied.any():
        below = below + np.random.default_rng(rng).uniform(size=len(y)) * tied
    return np.clip(below, 0.0, 1.0)


def _loo_pit_overlay(
    y: np.ndarray, yrep: np.ndarray, log_weights: np.ndarray, rng: np.random.Generator
) -> Figure:
    """The density of the LOO-PIT values against samples of the standard uniform."""
    pit = loo_pit(y, yrep, log_weights, rng)
    grid = np.linspace(0.0, 1.0, 256)
    figure, (ax,) = _figure()
    for k in range(LOO_PIT_SAMPLES):
        ax.plot(
            grid,
            _unit_density(rng.uniform(size=len(y)), grid),
            color=LIGHT,
            lw=0.5,
            label="Uniform" if k == 0 else None,
        )
    ax.plot(grid, _unit_density(pit, grid), color=DARK, lw=2, label="LOO-PIT")
    ax.set_yticks([])
    ax.legend(frameon=False)
    return figure


def _unit_density(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Kernel density on [0, 1], reflected at both ends so that it does not fall there."""
    kde = stats.gaussian_kde(values)
    return kde(grid) + kde(-grid) + kde(2.0 - grid)


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
    "stat_2d": _stat_2d,
    "intervals": _intervals,
    "ribbon": _ribbon,
    "bars": _bars,
    "scatter_avg": _scatter_avg,
    "error_hist": _error_hist,
    "error_scatter_avg": _error_scatter_avg,
    # drawn by pp_check itself, which also finds the leave-one-out weights
    "loo_pit_overlay": _loo_pit_overlay,
}
