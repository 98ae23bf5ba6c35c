"""brms's ``conditional_effects()``: predictions along one predictor (or a pair), others fixed.

As brms: numeric predictors vary over 100 values from their minimum to
their maximum; factors over their levels. The other variables are held at
their mean (numeric) or reference level (factors), or at the values of each row
of ``conditions``; ``trials`` are set to 1; the group-level effects are left out
(``re_formula = NA``). Each row has brms's columns ``effect1__`` (and
``effect2__``), ``cond__``, and the median (``estimate__``), MAD (``se__``) and
central interval (``lower__``, ``upper__``) of the predictions. In a pair, a
numeric second predictor takes its mean and mean +/- one sd, as brms. With
``categorical=True`` (ordinal families) each category's probability is a row,
its category in ``cats__`` (also ``effect2__``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from pybrms.errors import SpecError, warn_user
from pybrms.fit.estimates import summarize_draws
from pybrms.fit.multivariate import part_spec
from pybrms.fit.pp_check import DARK, LIGHT
from pybrms.spec.model_spec import ModelSpec
from pybrms.spec.multivariate import MvSpec

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from pybrms.fit.brmsfit import BrmsFit

__all__ = ["ConditionalEffects", "conditional_effects", "effect_candidates"]

RESOLUTION = 100
SUMMARY_COLUMNS = ["estimate__", "se__", "lower__", "upper__"]
METHODS = ("posterior_epred", "posterior_predict", "posterior_linpred")
CATEGORIES = "cats__"


class ConditionalEffects(dict[str, pd.DataFrame]):
    """Effect (``"x"``, ``"x:f"``, ``"x:cats__"``) -> table of conditional predictions;
    ``.plot()`` draws them."""

    def plot(self) -> Figure:
        """One panel per effect (a row of panels) and condition (a column): a line and
        credible band for numeric predictors, points and interval bars for factors,
        one colour per level of a second predictor or per category.

        Examples
        --------
        >>> conditional_effects(fit).plot()  # doctest: +SKIP
        """
        import matplotlib.pyplot as plt  # pyplot only when a plot is drawn

        n_conditions = max(len(t["cond__"].cat.categories) for t in self.values())
        figure, axes = plt.subplots(
            len(self),
            n_conditions,
            figsize=(4 * n_conditions, 3.2 * len(self)),
            squeeze=False,
        )
        for row, (name, table) in zip(axes, self.items(), strict=True):
            conditions = table["cond__"].cat.categories
            for ax, label in zip(row, conditions, strict=False):
                _panel(ax, name, table[table["cond__"] == label])
                if len(conditions) > 1:
                    ax.set_title(str(label), fontsize="medium")
            for ax in row[len(conditions) :]:
                ax.set_visible(False)
        figure.tight_layout()
        return figure


def conditional_effects(
    fit: BrmsFit,
    effects: str | Sequence[str] | None = None,
    *,
    conditions: pd.DataFrame | None = None,
    re_formula: str | None = "NA",
    prob: float = 0.95,
    robust: bool = True,
    method: Literal["posterior_epred", "posterior_predict", "posterior_linpred"] = (
        "posterior_epred"
    ),
    categorical: bool = False,
    resolution: int = RESOLUTION,
    resp: str | None = None,
    **kwargs: Any,
) -> ConditionalEffects:
    """Conditional effects of predictors, brms's ``conditional_effects()``.

    Parameters
    ----------
    fit
        The fitted model.
    effects
        ``"x"``, ``"x:f"`` or a list of them; None for every main effect and
        two-way interaction of the model.
    conditions
        Values to condition on, one row per condition (brms's ``conditions``):
        every effect is computed for each row, labelled by its ``cond__`` column
        (else by its index). Variables it leaves out take the defaults (mean,
        reference level, 1 for trials). None: one condition of defaults.
    re_formula
        Group-level effects to include, as in :meth:`BrmsFit.posterior_epred`;
        ``"NA"`` (default) none. Grouping columns then come from ``conditions``;
        levels not in the fit are new levels (``allow_new_levels``, as brms).
    prob
        Coverage of the interval.
    robust
        Median and MAD (brms's default) instead of mean and sd.
    method
        ``"posterior_epred"`` (default), ``"posterior_predict"`` or ``"posterior_linpred"``.
    categorical
        For ordinal families: the probability of every category (``cats__``)
        instead of predictions treated as continuous. Interactions are dropped
        (with a warning, as brms); use ``conditions`` instead.
    resolution
        Number of values of a numeric predictor.
    resp
        A response of a multivariate model: its effects alone. Without it, the effects
        of every response, named as brms's ``"<resp>.<resp>_<effect>"`` (``"y1.y1_x"``);
        a requested effect is computed for the responses it is a predictor of.
    **kwargs
        ``ndraws``, ``draw_ids``, ``rng``, ``sample_new_levels`` for the predictions.

    Returns
    -------
    ConditionalEffects

    Raises
    ------
    SpecError
        For an effect that is not a predictor (or a pair of predictors) of the
        model, listing the valid ones; ``categorical=True`` for a family without
        categories or another method than ``"posterior_epred"``; bad ``conditions``.

    Warns
    -----
    UserWarning
        Predictions of an ordinal family treated as continuous (``categorical=False``
        with ``"posterior_epred"`` or ``"posterior_predict"``), as brms; variables of
        ``conditions`` that are not in the model.

    Examples
    --------
    >>> ce = conditional_effects(fit, "x")  # doctest: +SKIP
    >>> ce["x"][["x", "estimate__", "lower__", "upper__"]].head(2)  # doctest: +SKIP
    >>> conditional_effects(fit, "x", conditions=pd.DataFrame({"f": ["a", "b"]}))  # doctest: +SKIP
    """
    if not 0 < prob < 1:
        raise SpecError(f"prob must lie in (0, 1), got {prob!r}.")
    if method not in METHODS:
        raise SpecError(f"method must be one of {', '.join(METHODS)}; got {method!r}.")
    out = ConditionalEffects()
    for prefix, spec, which in _targets(fit, resp):
        chosen = _chosen_effects(spec, effects, skip_invalid=bool(prefix) and resp is None)
        predict = dict(re_formula=re_formula, allow_new_levels=True, **which, **kwargs)
        tables = _effects_of(
            fit, spec, chosen, conditions, prob, robust, method, categorical, resolution, predict
        )
        out |= {prefix + name: table for name, table in tables.items()}
    if not out:
        raise SpecError(
            f"No valid effects: {effects!r} is not a predictor of any response of the model."
        )
    return out


def _targets(fit: BrmsFit, resp: str | None) -> list[tuple[str, ModelSpec, dict[str, str]]]:
    """(name prefix, univariate spec, prediction arguments) of each response: the model
    itself, or each response of a multivariate model (or ``resp``), named as brms's
    ``<resp>.<resp>_<effect>``."""
    spec = fit.spec
    if not isinstance(spec, MvSpec):
        if resp is not None:
            raise SpecError(f"resp={resp!r} selects a response of a multivariate model.")
        return [("", spec, {})]
    parts = spec.parts if resp is None else (spec.part(resp),)
    return [(f"{p.resp}.{p.resp}_", part_spec(spec, p), {"resp": p.resp}) for p in parts]


def _effects_of(
    fit: BrmsFit,
    spec: ModelSpec,
    chosen: list[tuple[str, ...]],
    conditions: pd.DataFrame | None,
    prob: float,
    robust: bool,
    method: str,
    categorical: bool,
    resolution: int,
    predict: dict[str, Any],
) -> dict[str, pd.DataFrame]:
    """The tables of the effects ``chosen`` of one response (``spec``)."""
    ordinal = bool(spec.response.nthres)
    categories = bool(spec.response.categories)
    if categorical and method != "posterior_epred":
        raise SpecError(f"categorical=True needs method='posterior_epred', got {method!r}.")
    if categorical and not categories:
        raise SpecError(
            f"categorical=True is only for families with response categories (ordinal: "
            f"cumulative, sratio, cratio, acat; categorical); this model's family is "
            f"{spec.family.family.name!r}."
        )
    if categorical and any(len(parts) == 2 for parts in chosen):
        warn_user(
            "Interactions cannot be plotted directly if 'categorical' is True. "
            "Please use argument 'conditions' instead."
        )
        chosen = [parts for parts in chosen if len(parts) == 1]
        if not chosen:
            raise SpecError("No valid effects: categorical=True keeps main effects only.")
    labels, values = _condition_rows(spec, conditions)
    if ordinal and not categorical and method != "posterior_linpred":
        warn_user(
            "Predictions are treated as continuous variables in 'conditional_effects' "
            "by default which is likely invalid for ordinal families. "
            "Please set 'categorical' to True."
        )
    tail = (1 - prob) / 2
    integers = _integer_variables(spec)
    out = {}
    for parts in chosen:
        grids = [
            _grid(fit.spec.data, parts, condition, resolution, integers) for condition in values
        ]
        grid = pd.concat(grids, ignore_index=True)
        grid["cond__"] = pd.Categorical(
            np.repeat(labels, [len(g) for g in grids]), categories=labels
        )
        draws = getattr(fit, method)(grid, **predict)
        if categorical:
            out[f"{parts[0]}:{CATEGORIES}"] = _by_category(
                grid, draws, tail, robust, spec.response.categories
            )
            continue
        if draws.ndim == 3:
            # brms's ordinal_probs_continuous: the expected category 1..K
            draws = draws @ np.arange(1, draws.shape[2] + 1)
        out[":".join(parts)] = pd.concat([grid, _summary(draws, tail, robust)], axis=1)
    return out


def _chosen_effects(
    spec: ModelSpec, effects: str | Sequence[str] | None, skip_invalid: bool = False
) -> list[tuple[str, ...]]:
    """The effects to compute: brms's defaults, or the requested ones checked (those
    that are not predictors of ``spec`` left out with ``skip_invalid``: a response of a
    multivariate model without them)."""
    valid = effect_candidates(spec)
    if effects is None:
        # numeric effects first, as brms orders its default effects
        return [tuple(sorted(v, key=lambda name: _is_factor(spec.data[name]))) for v in valid]
    # any predictor, or any pair of predictors, as brms's comb_all = TRUE
    singles = [v for v in valid if len(v) == 1]
    requested = [effects] if isinstance(effects, str) else list(effects)
    chosen = []
    for effect in requested:
        parts = tuple(effect.split(":"))
        if (
            len(parts) > 2
            or len(set(parts)) != len(parts)
            or any((p,) not in singles for p in parts)
        ):
            if skip_invalid:
                continue
            raise SpecError(
                f"Effect {effect!r} is invalid for this model. Valid effects are "
                f"(pairs of): {', '.join(v[0] for v in singles)}."
            )
        chosen.append(parts)
    return chosen


def _summary(draws: np.ndarray, tail: float, robust: bool) -> pd.DataFrame:
    """brms's ``estimate__``, ``se__``, ``lower__``, ``upper__`` of draws ``(S, N)``."""
    table = summarize_draws(pd.DataFrame(draws), (tail, 1 - tail), robust)
    table.columns = SUMMARY_COLUMNS
    return table.reset_index(drop=True)


def _by_category(
    grid: pd.DataFrame, draws: np.ndarray, tail: float, robust: bool, categories: Sequence[str]
) -> pd.DataFrame:
    """One block of rows per category, its label in ``cats__`` and ``effect2__``."""
    blocks = []
    for k, label in enumerate(categories):
        block = grid.assign(**{CATEGORIES: label})
        blocks.append(pd.concat([block, _summary(draws[:, :, k], tail, robust)], axis=1))
    table = pd.concat(blocks, ignore_index=True)
    table[CATEGORIES] = pd.Categorical(table[CATEGORIES], categories=categories)
    table["effect2__"] = table[CATEGORIES]
    return table


def _condition_rows(
    spec: ModelSpec, conditions: pd.DataFrame | None
) -> tuple[list[str], list[dict[str, Any]]]:
    """Label and values of each condition: brms's ``prepare_conditions``, defaults for
    the variables ``conditions`` leaves out."""
    defaults = _conditions(spec)
    if conditions is None:
        return ["1"], [defaults]
    if not isinstance(conditions, pd.DataFrame):
        raise SpecError(
            f"conditions must be a pandas DataFrame (one row per condition), "
            f"got {type(conditions).__name__}."
        )
    if conditions.empty:
        raise SpecError("conditions must have at least one row.")
    conditions = conditions.drop_duplicates()
    if "cond__" in conditions:
        labels = [str(v) for v in conditions["cond__"]]
    else:
        labels = [str(v) for v in conditions.index]
    if len(set(labels)) != len(labels):
        raise SpecError(f"Condition labels (cond__) must be unique, got {labels}.")
    unused = sorted(set(conditions.columns) - spec.formula.variables - {"cond__"})
    if unused:
        warn_user(
            f"The following variables in 'conditions' are not part of the model: "
            f"{', '.join(unused)}."
        )
    given = conditions.drop(columns=["cond__", *unused], errors="ignore")
    return labels, [defaults | row for row in given.to_dict("records")]


def effect_candidates(spec: ModelSpec) -> list[tuple[str, ...]]:
    """Main effects and two-way interactions of the population-level terms, brms's
    ``get_all_effects``: data variables of each term, in formula order.

    Examples
    --------
    >>> import pandas as pd
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "x": [0.0, 1, 2, 3], "f": list("abab")})
    >>> effect_candidates(build_spec("y ~ log(x + 1) * f", df))
    [('x',), ('f',), ('x', 'f')]
    """
    found = (e for p in spec.predictors for t in p.terms for e in t.effects())
    return list(dict.fromkeys(found))


def _is_factor(column: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)


def _levels(column: pd.Series) -> list[Any]:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [c for c in column.cat.categories if c in set(column)]
    return sorted(set(column))


def _conditions(spec: ModelSpec) -> dict[str, Any]:
    """Values of every predictor not varied: mean, reference level, or 1 for trials.

    As brms, the columns of se(), rate() and trunc() are set like predictors (the
    predictions read them); those of weights() and cens() are not needed.
    """
    response = spec.formula.mu.response
    assert response is not None  # the main formula always has a response
    trials = {a for add in response.additions if add.name == "trials" for a in add.args}
    unused = ("trials", "weights", "cens")
    skip = {response.expr}
    skip |= {a for add in response.additions if add.name in unused for a in add.args}
    skip |= {f for g in spec.groups for f in g.factors}
    out: dict[str, Any] = dict.fromkeys(trials & set(spec.data.columns), 1)
    integers = _integer_variables(spec)
    for name in sorted(spec.formula.variables - skip):
        column = spec.data[name]
        if _is_factor(column):
            out[name] = _levels(column)[0]
        elif name in integers:
            out[name] = float(np.round(column.median()))
        else:
            out[name] = float(column.mean())
    return out


def _integer_variables(spec: ModelSpec) -> frozenset[str]:
    """Variables that terms and ``vint()`` read as integers (brms's ``int_vars``)."""
    response = spec.formula.mu.response
    assert response is not None  # the main formula always has a response
    vint = {a for add in response.additions if add.name == "vint" for a in add.args}
    terms = {v for p in spec.predictors for t in p.terms for v in t.integer_variables()}
    return frozenset(terms | vint & set(spec.data.columns))


def _grid(
    data: pd.DataFrame,
    parts: tuple[str, ...],
    conditions: dict[str, Any],
    resolution: int,
    integers: frozenset[str],
) -> pd.DataFrame:
    """The rows to predict: the effect's values crossed, the other variables at their
    conditions; integer variables in steps of 1 (second effect: median and median +- mad)."""
    first = data[parts[0]]
    values: list[Sequence[Any] | np.ndarray]
    if _is_factor(first):
        values = [_levels(first)]
    elif parts[0] in integers:
        values = [np.arange(first.min(), first.max() + 1)]
    else:
        values = [np.linspace(first.min(), first.max(), resolution)]
    if len(parts) == 2:
        second = data[parts[1]]
        if _is_factor(second):
            values.append(_levels(second))
        elif parts[1] in integers:
            median, mad = second.median(), stats.median_abs_deviation(second, scale="normal")
            values.append(list(dict.fromkeys(np.round([median + mad, median, median - mad]))))
        else:
            mean, sd = second.mean(), second.std(ddof=1)
            values.append([mean + sd, mean, mean - sd])
    grid = pd.MultiIndex.from_product(values, names=list(parts)).to_frame(index=False)
    for name, value in conditions.items():
        if name in parts:
            continue
        if isinstance(data[name].dtype, pd.CategoricalDtype):
            levels = _levels(data[name])
            if value not in levels:
                raise SpecError(
                    f"conditions: {value!r} is not a level of {name!r}; its levels are "
                    f"{', '.join(map(repr, levels))}."
                )
            grid[name] = pd.Categorical([value] * len(grid), categories=levels)
        else:
            grid[name] = value
    grid["effect1__"] = grid[parts[0]]
    if len(parts) == 2:
        second_values = grid[parts[1]]
        grid["effect2__"] = (
            second_values.round(2) if not _is_factor(data[parts[1]]) else second_values
        )
    return grid


def _panel(ax: Any, name: str, table: pd.DataFrame) -> None:
    effects = name.split(":")
    numeric = not _is_factor(table["effect1__"])
    groups = (
        table.groupby("effect2__", sort=False, observed=True)
        if "effect2__" in table
        else [(None, table)]
    )
    for k, (level, rows) in enumerate(groups):
        color = DARK if level is None else f"C{k}"
        label = None if level is None else f"{effects[1]} = {level}"
        if numeric:
            ax.plot(rows["effect1__"], rows["estimate__"], color=color, label=label)
            ax.fill_between(
                rows["effect1__"],
                rows["lower__"],
                rows["upper__"],
                color=LIGHT if level is None else color,
                alpha=1 if level is None else 0.4,
            )
        else:
            positions = np.arange(len(rows)) + (0.1 * k if level is not None else 0)
            ax.errorbar(
                positions,
                rows["estimate__"],
                yerr=[rows["estimate__"] - rows["lower__"], rows["upper__"] - rows["estimate__"]],
                fmt="o",
                color=color,
                capsize=3,
                label=label,
            )
            ax.set_xticks(np.arange(len(rows)), [str(v) for v in rows["effect1__"]])
    ax.set_xlabel(effects[0])
    ax.set_ylabel("estimate__")
    if "effect2__" in table:
        ax.legend(frameon=False, fontsize="small")
