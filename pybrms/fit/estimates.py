"""brms's estimate extractors: fixef, ranef, coef, VarCorr, posterior_summary, posterior_interval.

Every summary has brms's columns: Estimate (mean, or median when ``robust``),
Est.Error (sd, or MAD), and one ``Q<100 p>`` column per probability in ``probs``
(``Q2.5``, ``Q97.5``). Three-dimensional brms arrays (``ranef(fit)$g`` is
levels x statistics x coefficients) become DataFrames whose columns are a
MultiIndex (coefficient, statistic), so ``ranef(fit)["g"]["Intercept"]`` is
brms's ``ranef(fit)$g[, , "Intercept"]``. With ``summary=False`` the draws are
returned, one row per draw (chains stacked in order, as brms's ``.draw``).

Names are read from the spec's names table (:class:`~pybrms.spec.names.ParName`)
and its group-level terms; nothing is re-parsed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.spec.names import ParName

if TYPE_CHECKING:
    from pybrms.fit.brmsfit import BrmsFit

__all__ = [
    "VarCorr",
    "coef",
    "draws_frame",
    "fixef",
    "posterior_interval",
    "posterior_summary",
    "ranef",
    "summarize_draws",
]

PROBS = (0.025, 0.975)
#: R's ``mad()`` constant: the MAD of a normal sample estimates its sd.
MAD_CONSTANT = 1.4826
DRAW_COLUMNS = (".chain", ".iteration", ".draw")
# brms's threshold names in ordinal models, e.g. "Intercept[2]".
_THRESHOLD = re.compile(r"^(?P<base>.+)\[\d+\]$")


def summarize_draws(
    draws: pd.DataFrame, probs: Sequence[float] = PROBS, robust: bool = False
) -> pd.DataFrame:
    """brms's ``posterior_summary()`` of the columns of ``draws`` (one row per draw).

    Parameters
    ----------
    draws
        One column per quantity.
    probs
        Probabilities of the quantile columns.
    robust
        Median and MAD (scaled as R's ``mad``) instead of mean and sd.

    Returns
    -------
    pandas.DataFrame
        One row per column of ``draws``: Estimate, Est.Error, ``Q...``.

    Examples
    --------
    >>> summarize_draws(pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]}), probs=(0.5,))
       Estimate  Est.Error  Q50
    a       2.5   1.290994  2.5
    """
    probs = _check_probs(probs)
    values = draws.to_numpy(dtype=float)
    if robust:
        center = np.median(values, axis=0)
        spread = MAD_CONSTANT * np.median(np.abs(values - center), axis=0)
    else:
        center = values.mean(axis=0)
        spread = values.std(axis=0, ddof=1)
    table = {"Estimate": center, "Est.Error": spread}
    for p, q in zip(probs, np.quantile(values, probs, axis=0), strict=True):
        table[_quantile_name(p)] = q
    return pd.DataFrame(table, index=draws.columns)


def posterior_summary(
    fit: BrmsFit,
    variable: str | Sequence[str] | None = None,
    *,
    regex: bool = False,
    probs: Sequence[float] = PROBS,
    robust: bool = False,
) -> pd.DataFrame:
    """brms's ``posterior_summary(fit)``: every variable of ``as_draws_df``, or a selection.

    Examples
    --------
    >>> posterior_summary(fit, "^b_", regex=True)  # doctest: +SKIP
    """
    frame = draws_frame(fit, variable, regex=regex).drop(columns=list(DRAW_COLUMNS))
    return summarize_draws(frame, probs, robust)


def posterior_interval(
    fit: BrmsFit,
    variable: str | Sequence[str] | None = None,
    *,
    regex: bool = False,
    prob: float = 0.9,
) -> pd.DataFrame:
    """Central posterior intervals (rstantools' ``posterior_interval``), default 90%.

    Columns are named by percent, ``5%`` and ``95%``; rows are variables.

    Examples
    --------
    >>> posterior_interval(fit, "b_x")  # doctest: +SKIP
              5%       95%
    b_x  0.31...  0.72...
    """
    if not 0 < prob < 1:
        raise SpecError(f"prob must lie in (0, 1), got {prob!r}.")
    frame = draws_frame(fit, variable, regex=regex).drop(columns=list(DRAW_COLUMNS))
    low = (1 - prob) / 2
    bounds = np.quantile(frame.to_numpy(dtype=float), [low, 1 - low], axis=0)
    names = [f"{100 * p:g}%" for p in (low, 1 - low)]
    return pd.DataFrame(bounds.T, index=frame.columns, columns=names)


def draws_frame(
    fit: BrmsFit, variable: str | Sequence[str] | None = None, *, regex: bool = False
) -> pd.DataFrame:
    """brms's ``as_draws_df(fit, variable, regex)``: one row per draw, one column per variable.

    Parameters
    ----------
    fit
        The fitted model.
    variable
        Names of the variables to keep (all when None); with ``regex=True``,
        regular expressions, any of which a kept name matches (``re.search``).
    regex
        Treat ``variable`` as regular expressions.

    Returns
    -------
    pandas.DataFrame
        The selected variables in the fit's order, then ``.chain``,
        ``.iteration`` and ``.draw``.

    Raises
    ------
    SpecError
        For a name that is not a variable (listing close ones), or a pattern
        that matches none.
    """
    available = [p.name for p in fit.spec.names] + ["lp__"]
    selected = select_names(available, variable, regex=regex)
    chains, draws = fit.draws.num_chains, fit.draws.num_draws
    columns = {p.name: p.column for p in fit.spec.names} | {"lp__": "lp__"}
    frame = pd.DataFrame({n: fit.draws.column(columns[n]).ravel() for n in selected})
    frame[".chain"] = np.repeat(np.arange(1, chains + 1), draws)
    frame[".iteration"] = np.tile(np.arange(1, draws + 1), chains)
    frame[".draw"] = np.arange(1, chains * draws + 1)
    return frame


def select_names(
    available: Sequence[str], variable: str | Sequence[str] | None, *, regex: bool = False
) -> list[str]:
    """The names of ``available`` that ``variable`` selects, in the order of ``available``.

    Examples
    --------
    >>> select_names(["b_Intercept", "b_x", "sigma"], "^b_", regex=True)
    ['b_Intercept', 'b_x']
    >>> select_names(["b_Intercept", "b_x", "sigma"], ["sigma", "b_x"])
    ['sigma', 'b_x']
    """
    if variable is None:
        return list(available)
    wanted = [variable] if isinstance(variable, str) else list(variable)
    if regex:
        patterns = [re.compile(w) for w in wanted]
        for pattern in patterns:
            if not any(pattern.search(n) for n in available):
                raise SpecError(f"No variable matches the regular expression {pattern.pattern!r}.")
        return [n for n in available if any(p.search(n) for p in patterns)]
    missing = [w for w in wanted if w not in available]
    if missing:
        raise SpecError(
            f"The following variables are missing in the draws: {', '.join(missing)}. "
            f"Variables: {', '.join(available)}."
        )
    return wanted


def fixef(
    fit: BrmsFit,
    *,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = PROBS,
    pars: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Population-level effects, brms's ``fixef()``: rows ``Intercept``, ``x``, ``sigma_x``,
    and the coefficients of special terms (``bsp_mox`` as ``mox``), as brms's.

    Examples
    --------
    >>> fixef(fit)  # doctest: +SKIP
               Estimate  Est.Error      Q2.5     Q97.5
    Intercept      1.02       0.21      0.61      1.43
    x              0.49       0.08      0.33      0.65
    """
    # brms's fixef_pars: b_ and bsp_ (the prefix up to the first underscore goes)
    rows = [(p.name.split("_", 1)[1], p) for p in fit.spec.names if p.cls in ("b", "bsp")]
    if pars is not None:
        rows = [(label, p) for label, p in rows if label in set(pars)]
    draws = _draws_of(fit, rows)
    return summarize_draws(draws, probs, robust) if summary else draws


def ranef(
    fit: BrmsFit,
    *,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = PROBS,
    pars: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Group-level effects by grouping, brms's ``ranef()``.

    Returns
    -------
    dict
        Grouping -> DataFrame. Summarized: one row per level, columns
        (coefficient, statistic). ``summary=False``: one row per draw, columns
        (coefficient, level).

    Raises
    ------
    SpecError
        If the model has no group-level effects, or ``groups`` names an unknown grouping.

    Examples
    --------
    >>> ranef(fit)["g"]["Intercept"]  # doctest: +SKIP
       Estimate  Est.Error   Q2.5  Q97.5
    g
    a     -0.41       0.30  -1.02   0.15
    """
    out = {}
    for group, effects in _group_effects(fit, groups).items():
        if pars is not None:
            effects = {c: v for c, v in effects.items() if c in set(pars)}
        if effects:
            out[group] = _summarize_3d(
                effects, group, summary, probs, robust, levels=_levels(fit, group)
            )
    return out


def coef(
    fit: BrmsFit,
    *,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = PROBS,
    groups: Sequence[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Population-level plus group-level effects per level, brms's ``coef()``.

    Each grouping gets its varying coefficients (fixed effect + level effect;
    0 for a varying coefficient without a fixed one) followed by the
    population-level effects that do not vary over it. In ordinal models the
    thresholds of a level are ``Intercept[k]`` minus its varying intercept.
    Layout as :func:`ranef`.

    Examples
    --------
    >>> coef(fit)["g"]["x"]  # doctest: +SKIP
    """
    fixed = fixef(fit, summary=False)
    out = {}
    for group, effects in _group_effects(fit, groups).items():
        combined: dict[str, np.ndarray] = {}
        covered: set[str] = set()
        for name, r in effects.items():
            thresholds = [f for f in fixed.columns if _base(f) == name and f != name]
            if thresholds:
                covered.update(thresholds)
                continue
            fixed_part = fixed[name].to_numpy()[:, np.newaxis] if name in fixed else 0.0
            combined[name] = fixed_part + r
            covered.add(name)
        for name in fixed.columns:
            if name not in covered:
                combined[name] = np.repeat(
                    fixed[name].to_numpy()[:, np.newaxis],
                    next(iter(effects.values())).shape[1],
                    axis=1,
                )
            elif _base(name) in effects and name not in effects:
                # thresholds minus eta, as brms's cumulative families
                combined[name] = fixed[name].to_numpy()[:, np.newaxis] - effects[_base(name)]
        out[group] = _summarize_3d(
            combined, group, summary, probs, robust, levels=_levels(fit, group)
        )
    return out


def VarCorr(
    fit: BrmsFit, *, summary: bool = True, robust: bool = False, probs: Sequence[float] = PROBS
) -> dict[str, dict[str, pd.DataFrame]]:
    """Standard deviations, correlations and covariances per grouping, brms's ``VarCorr()``.

    Returns
    -------
    dict
        Grouping -> ``{"sd": ..., "cor": ..., "cov": ...}`` (``cor`` and ``cov``
        only when the grouping has correlations), plus ``"residual__"`` ->
        ``{"sd": ...}`` for a ``sigma`` without a formula. Summarized, ``sd``
        has one row per coefficient and ``cor``/``cov`` have rows per coefficient
        and columns (coefficient, statistic), so ``VarCorr(fit)["g"]["cor"]["x"]``
        is brms's ``VarCorr(fit)$g$cor[, , "x"]``. Correlations a model does not
        estimate (``||`` terms on the same grouping) are 0, as in brms.

    Raises
    ------
    SpecError
        If the model has neither group-level effects nor a ``sigma``.

    Examples
    --------
    >>> VarCorr(fit)["g"]["sd"]  # doctest: +SKIP
    """
    by_name = {p.name: p for p in fit.spec.names}
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for group in dict.fromkeys(g.group for g in fit.univariate_spec.groups):
        rnames = _rnames(fit, group)
        sd = _draws_of(fit, [(r, by_name[f"sd_{group}__{r}"]) for r in rnames])
        entry = {"sd": summarize_draws(sd, probs, robust) if summary else sd}
        pairs = [(i, j) for j in range(len(rnames)) for i in range(j)]
        names = [f"cor_{group}__{rnames[i]}__{rnames[j]}" for i, j in pairs]
        if any(n in by_name for n in names):
            cor = np.zeros((len(sd), len(rnames), len(rnames)))
            cor[:, range(len(rnames)), range(len(rnames))] = 1.0
            for (i, j), name in zip(pairs, names, strict=True):
                if name in by_name:
                    cor[:, i, j] = cor[:, j, i] = fit.draws.column(by_name[name].column).ravel()
            scale = sd.to_numpy()
            cov = cor * scale[:, :, np.newaxis] * scale[:, np.newaxis, :]
            for key, values in (("cor", cor), ("cov", cov)):
                arrays = {r: values[:, :, k] for k, r in enumerate(rnames)}
                entry[key] = _summarize_3d(arrays, None, summary, probs, robust, levels=rnames)
        out[group] = entry
    if "sigma" in {d.name for d in fit.univariate_spec.scalar_dpars}:
        sigma = _draws_of(fit, [(fit.univariate_spec.response.expr, by_name["sigma"])])
        out["residual__"] = {"sd": summarize_draws(sigma, probs, robust) if summary else sigma}
    if not out:
        raise SpecError("The model does not contain covariance matrices.")
    return out


def _check_probs(probs: Sequence[float]) -> list[float]:
    values = [float(p) for p in np.atleast_1d(probs)]
    if not values or not all(0 <= p <= 1 for p in values):
        raise SpecError(f"probs must be probabilities in [0, 1], got {probs!r}.")
    return values


def _quantile_name(p: float) -> str:
    """R's ``paste0("Q", p * 100)``: ``Q2.5``, ``Q50``."""
    return f"Q{round(100 * p, 10):g}"


def _base(name: str) -> str:
    match = _THRESHOLD.match(name)
    return match.group("base") if match else name


def _draws_of(fit: BrmsFit, rows: Sequence[tuple[str, ParName]]) -> pd.DataFrame:
    """Draws of the named parameters, one column per label, chains stacked."""
    data = {label: fit.draws.column(p.column).ravel() for label, p in rows}
    total = fit.draws.num_chains * fit.draws.num_draws
    return pd.DataFrame(data, index=pd.RangeIndex(1, total + 1, name="draw"))


def _levels(fit: BrmsFit, group: str) -> tuple[str, ...]:
    return next(g.levels for g in fit.univariate_spec.groups if g.group == group)


def _rnames(fit: BrmsFit, group: str) -> list[str]:
    """brms's coefficient names of a grouping over all its terms: ``x``, ``sigma_Intercept``,
    per level of ``by`` for ``gr(g, by = f)`` (``x:fa``, ``x:fb``)."""
    return [
        f"{'' if g.dpar == 'mu' else g.dpar + '_'}{c}{by}"
        for g in fit.univariate_spec.groups
        if g.group == group
        for by in g.by_labels
        for c in g.coefs
    ]


def _group_effects(fit: BrmsFit, groups: Sequence[str] | None) -> dict[str, dict[str, np.ndarray]]:
    """Grouping -> coefficient -> draws ``(S, levels)`` of the group-level effects."""
    if not fit.univariate_spec.groups:
        raise SpecError("The model does not contain group-level effects.")
    known = list(dict.fromkeys(g.group for g in fit.univariate_spec.groups))
    if groups is not None:
        unknown = [g for g in groups if g not in known]
        if unknown:
            raise SpecError(
                f"Unknown grouping(s) {', '.join(unknown)}; groupings: {', '.join(known)}."
            )
        known = [g for g in known if g in set(groups)]
    out: dict[str, dict[str, np.ndarray]] = {group: {} for group in known}
    for term in fit.univariate_spec.groups:
        if term.group not in out:
            continue
        prefix = "" if term.dpar == "mu" else f"{term.dpar}_"
        for r, c in zip(term.r, term.coefs, strict=True):
            columns = [fit.draws.column(f"{r}.{j}").ravel() for j in range(1, len(term.levels) + 1)]
            out[term.group][f"{prefix}{c}"] = np.stack(columns, axis=1)
    return out


def _summarize_3d(
    arrays: dict[str, np.ndarray],
    index_name: str | None,
    summary: bool,
    probs: Sequence[float],
    robust: bool,
    levels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Draws ``(S, L)`` per coefficient -> brms's 3-d layout as a DataFrame.

    Summarized: rows are the L entries, columns (coefficient, statistic).
    Not summarized: rows are draws, columns (coefficient, entry).
    """
    first = next(iter(arrays.values()))
    labels = list(levels) if levels is not None else [str(k) for k in range(first.shape[1])]
    if not summary:
        columns = pd.MultiIndex.from_product([list(arrays), labels])
        values = np.concatenate(list(arrays.values()), axis=1)
        return pd.DataFrame(
            values, columns=columns, index=pd.RangeIndex(1, len(values) + 1, name="draw")
        )
    tables = {
        name: summarize_draws(pd.DataFrame(values, columns=labels), probs, robust)
        for name, values in arrays.items()
    }
    out = pd.concat(tables, axis=1)
    out.index.name = index_name
    return out
