"""brms's ``summary()`` layout: header, group-level, population-level and family parameters.

Each row has Estimate (posterior mean), Est.Error (posterior sd), the bounds of
the central interval, and ArviZ's rank-normalized split Rhat, bulk and tail ESS.
Rows are selected from the names table of the spec; no name is re-derived.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pybrms.draws import Draws
from pybrms.errors import SettingsError
from pybrms.fit.arviz import convergence
from pybrms.spec.model_spec import ModelSpec
from pybrms.spec.names import ParName

FOOTER = (
    "Draws were sampled using sampling(NUTS). For each parameter, Bulk_ESS\n"
    "and Tail_ESS are effective sample size measures, and Rhat is the potential\n"
    "scale reduction factor on split chains (at convergence, Rhat = 1)."
)


@dataclass(frozen=True)
class Summary:
    """A fitted model's summary; ``print()`` it for brms's layout.

    Attributes
    ----------
    header
        Family, links, formula, data and draws lines.
    group_level
        Group name -> table of ``sd(...)`` and ``cor(...)`` rows.
    population_level
        Regression coefficients (``Intercept``, ``x``, ``sigma_x``, thresholds).
    family_specific
        Distributional parameters without a formula (``sigma``, ``shape``, ...).
    warnings
        Problems found by the sampler diagnostics (divergences, tree depth,
        E-BFMI, R-hat, ESS), in brms's words.
    """

    header: tuple[str, ...]
    group_level: dict[str, pd.DataFrame]
    population_level: pd.DataFrame
    family_specific: pd.DataFrame
    warnings: tuple[str, ...]

    def __str__(self) -> str:
        lines = list(self.header)
        if self.group_level:
            lines += ["", "Group-Level Effects:"]
            for title, table in self.group_level.items():
                lines += [title, _format(table)]
        if len(self.population_level):
            lines += ["", "Population-Level Effects:", _format(self.population_level)]
        if len(self.family_specific):
            lines += ["", "Family Specific Parameters:", _format(self.family_specific)]
        lines += ["", FOOTER]
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    __repr__ = __str__


def summarize(
    spec: ModelSpec,
    draws: Draws,
    *,
    data_name: str,
    iter_warmup: int,
    iter_sampling: int,
    thin: int,
    warnings: Sequence[str] = (),
    prob: float = 0.95,
) -> Summary:
    """Build the :class:`Summary` of a fit.

    Parameters
    ----------
    spec
        The model's spec (names table, family, formula, data).
    draws
        Post-warmup draws of all chains.
    data_name
        How the data are called in the header.
    iter_warmup, iter_sampling, thin
        Sampler settings, for the header.
    warnings
        The fit's diagnostic messages
        (:meth:`pybrms.fit.diagnostics.Diagnostics.messages`), for the footer.
    prob
        Coverage of the central interval.

    Returns
    -------
    Summary

    Raises
    ------
    pybrms.errors.SettingsError
        ``prob`` is not a number in (0, 1).
    """
    if isinstance(prob, bool) or not isinstance(prob, int | float) or not 0 < prob < 1:
        raise SettingsError(f"summary(prob=...) must lie in (0, 1), got {prob!r}")
    low, high = (1 - prob) / 2, 1 - (1 - prob) / 2
    interval = (f"l-{prob:.0%} CI", f"u-{prob:.0%} CI")

    def table(rows: Sequence[tuple[str, ParName]]) -> pd.DataFrame:
        return _table([(label, draws.column(p.column)) for label, p in rows], low, high, interval)

    names = spec.names
    group_level = {}
    for group, effects in _groups(spec).items():
        rows = [(f"sd({_label(p.name, f'sd_{group}__')})", p) for p in names
                if p.cls == "sd" and p.name.startswith(f"sd_{group}__")]
        rows += [(f"cor({','.join(_label(p.name, f'cor_{group}__').split('__'))})", p)
                 for p in names if p.cls == "cor" and p.name.startswith(f"cor_{group}__")]
        group_level[f"~{group} (Number of levels: {len(effects)})"] = table(rows)
    population = table([(p.name.removeprefix("b_"), p) for p in names if p.cls == "b"])
    scalar = {d.name for d in spec.scalar_dpars}
    family_rows = table([(p.name, p) for p in names if p.cls in scalar])
    return Summary(
        header=_header(spec, draws, data_name, iter_warmup, iter_sampling, thin),
        group_level=group_level,
        population_level=population,
        family_specific=family_rows,
        warnings=tuple(warnings),
    )


def _groups(spec: ModelSpec) -> dict[str, tuple[str, ...]]:
    """Group name -> its levels, in order of first appearance."""
    groups: dict[str, tuple[str, ...]] = {}
    for effects in spec.groups:
        groups.setdefault(effects.group, effects.levels)
    return groups


def _label(name: str, prefix: str) -> str:
    return name.removeprefix(prefix)


def _table(
    rows: Sequence[tuple[str, np.ndarray]], low: float, high: float, interval: tuple[str, str]
) -> pd.DataFrame:
    columns = ["Estimate", "Est.Error", *interval, "Rhat", "Bulk_ESS", "Tail_ESS"]
    records = []
    for _, values in rows:
        records.append([
            values.mean(), values.std(ddof=1), np.quantile(values, low), np.quantile(values, high),
            *convergence(values),
        ])
    return pd.DataFrame(records, index=[label for label, _ in rows], columns=columns,
                        dtype=float)


def _header(spec: ModelSpec, draws: Draws, data_name: str, iter_warmup: int,
            iter_sampling: int, thin: int) -> tuple[str, ...]:
    links = ", ".join(f"{p.dpar} = {p.link.name}" for p in spec.predictors)
    scalar = [d.name for d in spec.scalar_dpars] + list(spec.fixed_dpars)
    scalar_links = ", ".join(f"{name} = identity" for name in scalar)
    formula = spec.formula.mu.source
    extra = [f"         {d} ~ {f.source.split('~', 1)[-1].strip()}"
             for d, f in spec.formula.dpars.items()]
    total = draws.num_chains * draws.num_draws
    return (
        f" Family: {spec.family.name} ",
        f"  Links: {', '.join(x for x in (links, scalar_links) if x)} ",
        f"Formula: {formula} ",
        *extra,
        f"   Data: {data_name} (Number of observations: {spec.N}) ",
        f"  Draws: {draws.num_chains} chains, each with iter = {iter_warmup + iter_sampling}; "
        f"warmup = {iter_warmup}; thin = {thin};",
        f"         total post-warmup draws = {total}",
    )


def _format(table: pd.DataFrame) -> str:
    shown = table.copy()
    for column in ("Bulk_ESS", "Tail_ESS"):
        shown[column] = shown[column].map(lambda v: "NA" if np.isnan(v) else f"{v:.0f}")
    for column in table.columns[:5]:
        shown[column] = shown[column].map(lambda v: "NA" if np.isnan(v) else f"{v:.2f}")
    return shown.to_string()
