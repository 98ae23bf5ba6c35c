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
from pybrms.spec.multivariate import MvSpec
from pybrms.spec.names import FAMILY_SPECIFIC, GROUP_LEVEL, POPULATION_LEVEL, Section

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
    sections
        Heading (``"Population-Level Effects"``, ...) -> title -> table, in
        brms's order; a title is ``""`` unless the section has several tables
        (``"~g (Number of levels: 4)"`` of group-level effects).
    warnings
        Problems found by the sampler diagnostics (divergences, tree depth,
        E-BFMI, R-hat, ESS), in brms's words.
    """

    header: tuple[str, ...]
    sections: dict[str, dict[str, pd.DataFrame]]
    warnings: tuple[str, ...]

    @property
    def group_level(self) -> dict[str, pd.DataFrame]:
        """Group -> table of ``sd(...)`` and ``cor(...)`` rows."""
        return self.sections.get(GROUP_LEVEL, {})

    @property
    def population_level(self) -> pd.DataFrame:
        """Regression coefficients (``Intercept``, ``x``, ``sigma_x``, thresholds)."""
        return self.table(POPULATION_LEVEL.heading)

    @property
    def family_specific(self) -> pd.DataFrame:
        """Distributional parameters without a formula (``sigma``, ``shape``, ...)."""
        return self.table(FAMILY_SPECIFIC.heading)

    def table(self, heading: str) -> pd.DataFrame:
        """The table of a section with one table (empty if the model has none).

        Examples
        --------
        >>> fit.summary().table("Monotonic Simplex Parameters")  # doctest: +SKIP
        """
        return self.sections.get(heading, {}).get("", pd.DataFrame())

    def __str__(self) -> str:
        lines = list(self.header)
        for heading, tables in self.sections.items():
            lines += ["", f"{heading}:"]
            for title, table in tables.items():
                lines += [title, _format(table)] if title else [_format(table)]
        lines += ["", FOOTER]
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    __repr__ = __str__


def summarize(
    spec: ModelSpec | MvSpec,
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

    rows: dict[Section, list[tuple[str, np.ndarray]]] = {}
    for p in spec.names:
        if p.section is not None:
            rows.setdefault(p.section, []).append((p.label, draws.column(p.column)))
    # as brms, parameters fixed to a value (disc of ordinal families, bf(y ~ x, sigma = 2))
    # are rows of constant draws, with NA diagnostics
    shape = (draws.num_chains, draws.num_draws)
    for name, value in spec.fixed_dpars.items():
        rows.setdefault(FAMILY_SPECIFIC, []).append((name, np.full(shape, value)))
    sections: dict[str, dict[str, pd.DataFrame]] = {}
    for section in sorted(rows, key=lambda s: s.rank):
        sections.setdefault(section.heading, {})[section.title] = _table(
            rows[section], low, high, interval
        )
    return Summary(
        header=_header(spec, draws, data_name, iter_warmup, iter_sampling, thin),
        sections=sections,
        warnings=tuple(warnings),
    )


def _table(
    rows: Sequence[tuple[str, np.ndarray]], low: float, high: float, interval: tuple[str, str]
) -> pd.DataFrame:
    columns = ["Estimate", "Est.Error", *interval, "Rhat", "Bulk_ESS", "Tail_ESS"]
    records = []
    for _, values in rows:
        records.append(
            [
                values.mean(),
                values.std(ddof=1),
                np.quantile(values, low),
                np.quantile(values, high),
                *convergence(values),
            ]
        )
    return pd.DataFrame(records, index=[label for label, _ in rows], columns=columns, dtype=float)


def _header(
    spec: ModelSpec | MvSpec,
    draws: Draws,
    data_name: str,
    iter_warmup: int,
    iter_sampling: int,
    thin: int,
) -> tuple[str, ...]:
    total = draws.num_chains * draws.num_draws
    draws_lines = (
        f"  Draws: {draws.num_chains} chains, each with iter = {iter_warmup + iter_sampling}; "
        f"warmup = {iter_warmup}; thin = {thin};",
        f"         total post-warmup draws = {total}",
    )
    data_line = f"   Data: {data_name} (Number of observations: {spec.N}) "
    if isinstance(spec, MvSpec):
        return (*_mv_header(spec), data_line, *draws_lines)
    links = ", ".join(f"{p.dpar} = {p.link.name}" for p in spec.predictors if not p.nlpar)
    scalar = [d.name for d in spec.scalar_dpars] + list(spec.fixed_dpars)
    scalar += [f"theta{k}" for k in range(1, spec.theta_simplex + 1)]
    scalar_links = ", ".join(f"{name} = identity" for name in scalar)
    components = spec.family.family.components
    family = spec.family.name
    if components is not None:
        family = f"mixture({', '.join(f.name for f, _ in components.families)})"
    formula = spec.formula.mu.source
    extra = [
        f"         {d} ~ {f.source.split('~', 1)[-1].strip()}"
        for d, f in (*spec.formula.dpars.items(), *spec.formula.nlpars.items())
    ]
    return (
        f" Family: {family} ",
        f"  Links: {', '.join(x for x in (links, scalar_links) if x)} ",
        f"Formula: {formula} ",
        *extra,
        data_line,
        *draws_lines,
    )


def _mv_header(spec: MvSpec) -> tuple[str, ...]:
    """brms's header of a multivariate model: ``MV(gaussian, gaussian)``, then the links
    and the formula of each response on a line of its own."""
    families = ", ".join(part.family.name for part in spec.parts)
    links = []
    formulas = []
    for part, bform in zip(spec.parts, spec.formula.formulas, strict=True):
        predicted = [f"{p.family_dpar} = {p.link.name}" for p in part.predictors]
        scalar = [f"{d.name} = identity" for d in part.scalar_dpars]
        links.append("; ".join(predicted + scalar))
        formulas.append(bform.mu.source)
        formulas += [f"{d} ~ {f.source.split('~', 1)[-1].strip()}" for d, f in bform.dpars.items()]
    return (
        f" Family: MV({families}) ",
        f"  Links: {links[0]}",
        *(f"         {line}" for line in links[1:]),
        f"Formula: {formulas[0]} ",
        *(f"         {line} " for line in formulas[1:]),
    )


def _format(table: pd.DataFrame) -> str:
    shown = table.copy()
    for column in ("Bulk_ESS", "Tail_ESS"):
        shown[column] = shown[column].map(lambda v: "NA" if np.isnan(v) else f"{v:.0f}")
    for column in table.columns[:5]:
        shown[column] = shown[column].map(lambda v: "NA" if np.isnan(v) else f"{v:.2f}")
    return shown.to_string()
