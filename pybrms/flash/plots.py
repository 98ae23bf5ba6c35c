"""Plots of a flash fit with matplotlib; every function returns its Axes (or Figure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pybrms.errors import FlashError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from pybrms.flash.fit import FlashFit


def plot_pve(pve: np.ndarray, ax: Axes | None = None) -> Axes:
    """Bar chart of the proportion of variance explained by each factor.

    Examples
    --------
    >>> import numpy as np
    >>> ax = plot_pve(np.array([0.5, 0.2]))
    >>> ax.get_ylabel()
    'PVE'
    """
    ax = _axes(ax)
    ax.bar(np.arange(1, pve.size + 1), pve, color="tab:blue")
    ax.set_xlabel("factor")
    ax.set_ylabel("PVE")
    ax.set_xticks(np.arange(1, pve.size + 1))
    return ax


def plot_elbo(trace: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """The ELBO after each recorded step against cumulative seconds, one colour per step.

    Examples
    --------
    >>> import pandas as pd
    >>> trace = pd.DataFrame({"step": ["greedy", "backfit"], "elbo": [-10.0, -9.0],
    ...                       "seconds": [0.1, 0.2]})
    >>> plot_elbo(trace).get_xlabel()
    'seconds'
    """
    ax = _axes(ax)
    elapsed = trace["seconds"].cumsum()
    for step, rows in trace.groupby("step", sort=False):
        ax.plot(elapsed[rows.index], rows["elbo"], marker="o", ms=3, label=str(step))
    ax.set_xlabel("seconds")
    ax.set_ylabel("ELBO")
    if len(trace):
        ax.legend(fontsize="small")
    return ax


def plot_structure(
    loadings: np.ndarray,
    labels: Sequence[Any],
    factors: Sequence[int] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Structure plot: one stacked bar per sample, samples grouped by ``labels``.

    Each factor's loadings are scaled to a maximum absolute value of one. Positive
    parts stack upwards and negative parts downwards, so nonnegative fits (e.g.
    ``point_exponential`` loadings) give the classic admixture plot.

    Examples
    --------
    >>> import numpy as np
    >>> ax = plot_structure(np.abs(np.eye(4, 2)), ["a", "a", "b", "b"])
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a', 'b']
    """
    ax = _axes(ax, figsize=(10, 3))
    L, groups = _grouped(loadings, labels, factors)
    gap = max(1, L.shape[0] // 100)
    x = np.arange(L.shape[0], dtype=float)
    for g, (_, start, stop) in enumerate(groups):
        x[start:stop] += g * gap
    colors = _colors(L.shape[1])
    up, down = np.zeros(L.shape[0]), np.zeros(L.shape[0])
    for k, name in enumerate(_factor_names(loadings, factors)):
        pos, neg = np.maximum(L[:, k], 0), np.minimum(L[:, k], 0)
        ax.bar(x, pos, bottom=up, width=1.0, color=colors[k], label=name, linewidth=0)
        ax.bar(x, neg, bottom=down, width=1.0, color=colors[k], linewidth=0)
        up, down = up + pos, down + neg
    ticks = [x[start:stop].mean() for _, start, stop in groups]
    ax.set_xticks(ticks, [str(g) for g, _, _ in groups], rotation=45, ha="right")
    ax.set_xlim(-0.5, x[-1] + 0.5 if x.size else 0.5)
    ax.set_ylabel("loading (scaled)")
    if L.shape[1]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", title="factor")
    return ax


def plot_heatmap(
    loadings: np.ndarray,
    labels: Sequence[Any],
    factors: Sequence[int] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of scaled loadings (samples by factors), samples grouped by ``labels``.

    Examples
    --------
    >>> import numpy as np
    >>> ax = plot_heatmap(np.eye(4, 2), ["a", "a", "b", "b"])
    >>> ax.get_xlabel()
    'factor'
    """
    ax = _axes(ax, figsize=(4, 6))
    L, groups = _grouped(loadings, labels, factors)
    image = ax.imshow(L, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    names = _factor_names(loadings, factors)
    ax.set_xticks(np.arange(len(names)), names)
    ax.set_xlabel("factor")
    ticks = [(start + stop - 1) / 2 for _, start, stop in groups]
    ax.set_yticks(ticks, [str(g) for g, _, _ in groups])
    for _, start, _ in groups[1:]:
        ax.axhline(start - 0.5, color="black", linewidth=0.5)
    ax.figure.colorbar(image, ax=ax, label="loading (scaled)")
    return ax


def plot_overview(fit: FlashFit, labels: Sequence[Any]) -> Figure:
    """PVE, ELBO trace and structure plot of a fit in one figure.

    Examples
    --------
    >>> import numpy as np
    >>> from pybrms.flash import flash_init
    >>> fit = flash_init(np.arange(12.0).reshape(4, 3), verbose=0)
    >>> len(plot_overview(fit, ["a", "a", "b", "b"]).axes)
    3
    """
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(12, 6), layout="constrained")
    top, bottom = fig.subfigures(2, 1, squeeze=False)[:, 0]
    left, right = top.subplots(1, 2)
    plot_pve(fit.pve, ax=left)
    plot_elbo(fit.trace, ax=right)
    plot_structure(fit.L_pm, labels, ax=bottom.subplots())
    return fig


def _axes(ax: Axes | None, figsize: tuple[float, float] = (5, 3.5)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1]


def _grouped(
    loadings: np.ndarray, labels: Sequence[Any], factors: Sequence[int] | None
) -> tuple[np.ndarray, list[tuple[Any, int, int]]]:
    """Scaled loadings with rows sorted by group, and (group, start row, stop row)."""
    label_series = pd.Series(np.asarray(labels))
    if label_series.size != loadings.shape[0]:
        raise FlashError(
            f"labels must have one entry per row of the loadings ({loadings.shape[0]}), "
            f"got {label_series.size}"
        )
    L = loadings if factors is None else loadings[:, list(factors)]
    scale = np.max(np.abs(L), axis=0)
    L = L / np.where(scale > 0, scale, 1.0)
    codes = pd.Categorical(label_series)
    order = np.argsort(codes.codes, kind="stable")
    sorted_codes = codes.codes[order]
    groups = []
    for c, name in enumerate(codes.categories):
        rows = np.flatnonzero(sorted_codes == c)
        if rows.size:
            groups.append((name, int(rows[0]), int(rows[-1]) + 1))
    return L[order], groups


def _factor_names(loadings: np.ndarray, factors: Sequence[int] | None) -> list[str]:
    idx = range(loadings.shape[1]) if factors is None else factors
    return [str(k + 1) for k in idx]


def _colors(K: int) -> list[Any]:
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("tab20" if K > 10 else "tab10")
    return [cmap(k % cmap.N) for k in range(K)]
