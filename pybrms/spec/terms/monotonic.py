"""Monotonic effects: ``y ~ mo(income)``, brms's ``mo()`` of an ordinal predictor.

For a predictor with values ``0..D`` (an ordered categorical's codes, or integers
less their minimum) the effect of value ``i`` is ``bsp * D * sum(simo[1:i])``:
the coefficient ``bsp`` is the average difference between adjacent values and
the simplex ``simo`` (``D`` elements, Dirichlet prior) distributes the total
``D * bsp`` over the steps, so that the effect is monotonic (Bürkner and
Charpentier, 2020). A term may be an interaction, ``mo(x):z`` or ``mo(x):mo(w)``:
its coefficient then multiplies the product of its monotonic transforms and
covariates (brms's ``Csp``). Stan code, data and names are brms's (``R/stan-predictor.R``
``stan_sp``, ``R/data-predictor.R`` ``data_sp``, ``inst/chunks/fun_monotonic.stan``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import ClassVar, cast

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.formula.terms import MonotonicTerm as MonotonicCall
from pybrms.priors import Dist
from pybrms.spec.default_priors import PriorRow, PriorTable, PriorTarget
from pybrms.spec.frame import check_columns, evaluate, group_levels, row_label
from pybrms.spec.names import POPULATION_LEVEL, ParName, Section, rename
from pybrms.spec.terms.base import (
    EtaPart,
    PriorDefaults,
    RowRequest,
    StanArg,
    Term,
    Variables,
    dpar_label,
    draws_of,
)

__all__ = [
    "MonotonicEffects",
    "MonotonicSlope",
    "MonotonicTerm",
    "MonotonicVariable",
    "covariate_product",
]

SIMPLEXES = Section("Monotonic Simplex Parameters", 2)

#: brms's default prior of a simplex.
DEFAULT_SIMO_PRIOR = Dist("dirichlet", (1,))


@dataclass(frozen=True, eq=False)
class MonotonicVariable:
    """One ``mo(x)`` with its values coded ``0..D``.

    Attributes
    ----------
    expr
        The expression inside ``mo()``.
    values
        Codes ``0..D`` of the rows.
    D
        The largest code: the length of the simplex.
    minimum
        The smallest value of an integer predictor (code 0), else None.
    categories
        The categories of an ordered categorical predictor, else None.
    """

    expr: str
    values: np.ndarray
    D: int
    minimum: float | None = None
    categories: tuple[object, ...] | None = None

    @property
    def coef(self) -> str:
        """brms's coefficient name, ``mox`` for ``mo(x)``."""
        return rename(f"mo({self.expr})")

    @property
    def label(self) -> str:
        """The term as written, for messages."""
        return f"mo({self.expr})"

    @classmethod
    def from_data(cls, expr: str, data: pd.DataFrame) -> MonotonicVariable:
        """Code the values of ``expr`` in ``data``, as brms's ``get_mo_values``.

        Raises
        ------
        SpecError
            For values that are neither integers nor an ordered categorical, or
            fewer than two distinct values; the message names the term and row.
        """
        raw = evaluate(expr, data)
        if isinstance(raw, pd.Categorical) or isinstance(
            getattr(raw, "dtype", None), pd.CategoricalDtype
        ):
            column = pd.Categorical(raw)
            if not column.ordered:
                raise SpecError(
                    f"mo({expr}) needs integers or an ordered pandas Categorical; "
                    f"{expr!r} is an unordered Categorical."
                )
            categories = tuple(column.categories)
            out = cls(expr, column.codes.astype(np.int64), len(categories) - 1, None, categories)
        else:
            values = _integers(raw, f"mo({expr})", data.index)
            low = float(values.min())
            out = cls(expr, (values - low).astype(np.int64), int(values.max() - low), low)
        if out.D < 1:
            raise SpecError(
                f"mo({expr}) needs at least two distinct values (or categories); {expr!r} has one."
            )
        return out

    def codes(self, newdata: pd.DataFrame) -> np.ndarray:
        """The codes of ``newdata``, which must lie within the fitted range (brms's
        ``validate_newdata``)."""
        if self.expr.isidentifier():
            check_columns(newdata, [self.expr])
        raw = evaluate(self.expr, newdata)
        if self.categories is not None:
            column = pd.Series(np.asarray(raw, dtype=object), index=newdata.index)
            known = {c: k for k, c in enumerate(self.categories)}
            pos = _first_unknown(column, known)
            if pos is not None:
                raise SpecError(
                    f"newdata {row_label(newdata.index, pos)} has {column.iloc[pos]!r} in "
                    f"{self.label}, which is not a category of the fit "
                    f"({', '.join(map(repr, self.categories))})."
                )
            return column.map(known).to_numpy(dtype=np.int64)
        assert self.minimum is not None
        codes = _integers(raw, f"mo({self.expr}) in newdata", newdata.index) - self.minimum
        outside = (codes < 0) | (codes > self.D)
        if outside.any():
            pos = int(np.flatnonzero(outside)[0])
            high = self.minimum + self.D
            raise SpecError(
                f"newdata {row_label(newdata.index, pos)} has {np.asarray(raw)[pos].item()!r} in "
                f"{self.label}, "
                f"outside the fitted values {self.minimum:g}..{high:g}."
            )
        return codes.astype(np.int64)


def _integers(raw: np.ndarray, what: str, index: pd.Index) -> np.ndarray:
    """Whole numbers as floats, or a SpecError naming ``what`` and the first bad row."""
    try:
        values = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(
            f"{what} needs integers or an ordered pandas Categorical; got values such as "
            f"{raw[0]!r}."
        ) from None
    bad = ~np.isfinite(values) | (values != np.round(values))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise SpecError(
            f"{what} needs integers or an ordered pandas Categorical; "
            f"{row_label(index, pos)} has {values[pos]!r}."
        )
    return values


@dataclass(frozen=True, eq=False)
class MonotonicTerm:
    """One special term of ``mo()`` calls with its data: ``mo(x)``, ``mo(x):z`` or
    ``mo(x):mo(w)``, whose coefficient ``bsp`` multiplies the product of its monotonic
    transforms and covariates (brms's ``sp`` terms).

    Attributes
    ----------
    label
        The term as brms labels it (``"mo(x):z"``).
    variables
        Its ``mo()`` calls, coded.
    covariates
        The expressions of its numeric factors.
    values
        The product of the covariates at the fitted rows (brms's ``Csp``), or None.
    ids
        The ``id`` of each ``mo()`` call, or None (calls with one id share a simplex).
    levels
        A categorical factor's column of this term (``mo(x):fb``), one entry per
        categorical factor: its expression, its level and all its fitted levels.
    written
        The term as the formula has it (``"mo(x):f"`` for ``mo(x):fb``).
    """

    label: str
    variables: tuple[MonotonicVariable, ...]
    covariates: tuple[str, ...]
    values: np.ndarray | None
    ids: tuple[str | None, ...]
    levels: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    written: str = ""

    @property
    def coef(self) -> str:
        """brms's coefficient name, ``mox:z`` for ``mo(x):z``."""
        return rename(self.label)

    @classmethod
    def expand(
        cls, calls: tuple[MonotonicCall, ...], data: pd.DataFrame
    ) -> tuple[MonotonicTerm, ...]:
        """The terms ``calls`` coded from ``data``, each categorical covariate expanded
        into one term per column of its coding, as brms's model matrix of its special
        terms (``~ 0 + mo(x) + mo(x):f``, R's rule): the first level left out when the
        term without the covariate is also a special term, else one column per level."""
        written = {frozenset(c.factors) for c in calls}
        out = []
        for call in calls:
            categorical = {e: _levels(e, data) for e in call.covariates if _is_categorical(e, data)}
            columns: list[tuple[tuple[str, str, tuple[str, ...]], ...]] = [()]
            for expr, levels in categorical.items():
                rest = frozenset(call.factors) - {(expr, False)}
                coded = levels[1:] if rest in written else levels
                # R's columns of an interaction: its first factor varies fastest
                columns = [(*c, (expr, level, levels)) for level in coded for c in columns]
            numeric = tuple(e for e in call.covariates if e not in categorical)
            out += [cls._coded(call, numeric, column, data) for column in columns]
        return tuple(out)

    @classmethod
    def _coded(
        cls,
        call: MonotonicCall,
        numeric: tuple[str, ...],
        levels: tuple[tuple[str, str, tuple[str, ...]], ...],
        data: pd.DataFrame,
    ) -> MonotonicTerm:
        """The term ``call`` at one column of its categorical covariates, ``levels``."""
        variables = tuple(MonotonicVariable.from_data(e, data) for e in call.monotonic)
        named = {expr: f"{expr}{level}" for expr, level, _ in levels}
        label = ":".join(named.get(part, part) for part in call.label.split(":"))
        out = cls(
            label,
            variables,
            numeric,
            None,
            call.ids or (None,) * len(variables),
            levels,
            call.label,
        )
        values = out.covariate_values(data) if numeric or levels else None
        return replace(out, values=values)

    def covariate_values(self, newdata: pd.DataFrame) -> np.ndarray | None:
        """The product of the covariates in ``newdata`` (a categorical one as the indicator
        of the term's level), or None without covariates."""
        if not (self.covariates or self.levels):
            return None
        exprs = (*self.covariates, *(expr for expr, _, _ in self.levels))
        check_columns(newdata, [c for c in exprs if c.isidentifier()])
        out = covariate_product(self.covariates, newdata, self.label)
        for expr, level, levels in self.levels:
            values = pd.Series(np.asarray(evaluate(expr, newdata)), index=newdata.index)
            labels = values.astype(str)
            pos = _first_unknown(labels, levels)
            if pos is not None:
                raise SpecError(
                    f"{self.written}: {row_label(newdata.index, pos)} has {values.iloc[pos]!r} "
                    f"in {expr!r}, which is not a level of the fit "
                    f"({', '.join(map(repr, levels))})."
                )
            out = out * (labels == level).to_numpy(dtype=float)
        return out


def _first_unknown(values: pd.Series, fitted: Collection[object]) -> int | None:
    """Position of the first value of new data that is not among the fitted ones."""
    unknown = np.flatnonzero(~values.isin(list(fitted)).to_numpy())
    return int(unknown[0]) if unknown.size else None


def _is_categorical(expr: str, data: pd.DataFrame) -> bool:
    """Whether the covariate ``expr`` is categorical: a pandas Categorical or strings."""
    raw = evaluate(expr, data)
    dtype = getattr(raw, "dtype", np.asarray(raw).dtype)
    return isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype)


def _levels(expr: str, data: pd.DataFrame) -> tuple[str, ...]:
    """The levels of the categorical covariate ``expr``, in R's order."""
    return group_levels(pd.DataFrame({expr: evaluate(expr, data)}, index=data.index), (expr,))[0]


def _transform(simo: np.ndarray, D: int, codes: np.ndarray) -> np.ndarray:
    """brms's ``mo(simo, i) = D * sum(simo[1:i])`` per draw of ``simo`` ``(S, D)`` at each
    code: ``(S, len(codes))``."""
    steps = np.concatenate([np.zeros((simo.shape[0], 1)), np.cumsum(simo, axis=1)], axis=1)
    return D * steps[:, codes]


def covariate_product(
    exprs: tuple[str, ...],
    data: pd.DataFrame,
    label: str,
    expected: str = "numeric or categorical (a pandas Categorical or strings)",
) -> np.ndarray:
    """The product of the numeric covariates ``exprs`` of the special term ``label``
    (brms's ``Csp``), or a SpecError naming the term and what it ``expected``."""
    out = np.ones(len(data))
    for expr in exprs:
        raw = np.asarray(evaluate(expr, data))
        if raw.dtype == bool or not pd.api.types.is_numeric_dtype(raw.dtype):
            raise SpecError(
                f"{label}: the covariate {expr!r} must be {expected}; it has {raw.dtype} values."
            )
        values = np.asarray(raw, dtype=float)
        if not np.isfinite(values).all():
            pos = int(np.flatnonzero(~np.isfinite(values))[0])
            raise SpecError(
                f"{label}: the covariate {expr!r} has {values[pos]!r} in "
                f"{row_label(data.index, pos)}; it must be finite."
            )
        out = out * values
    return out


@dataclass(frozen=True, eq=False)
class MonotonicSlope:
    """A ``mo()`` term varying over a grouping, ``(1 + mo(x) | g)``: its group-level
    effects add to the population-level coefficient of the same term (brms's
    ``(bsp[j] + r_1_2[J_1[n]]) * mo(simo_1, Xmo_1[n])``), so its group-level predictor
    is the term's product of monotonic transforms and covariates, which depends on
    the simplexes.

    Attributes
    ----------
    term
        The population-level term, coded.
    j
        Its 1-based number among the predictor's special terms (``bsp[j]``).
    simo
        The Stan names of its simplexes, one per ``mo()`` call.
    """

    term: MonotonicTerm
    j: int
    simo: tuple[str, ...]

    @property
    def coef(self) -> str:
        """brms's coefficient name, ``mox``."""
        return self.term.coef

    def rows(self, newdata: pd.DataFrame | None) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """The codes of each ``mo()`` call and the covariate product (ones without
        covariates) in the fitted rows, or in ``newdata``."""
        t = self.term
        if newdata is None:
            codes = tuple(v.values for v in t.variables)
            covariates = t.values
        else:
            codes = tuple(v.codes(newdata) for v in t.variables)
            covariates = t.covariate_values(newdata)
        n = len(codes[0])
        return codes, np.ones(n) if covariates is None else covariates

    def transform(self, codes: tuple[np.ndarray, ...], variables: Variables) -> np.ndarray:
        """The product of the term's monotonic transforms at ``codes``, per draw: ``(S, N)``."""
        out = np.ones((1, 1))
        for name, v, c in zip(self.simo, self.term.variables, codes, strict=True):
            out = out * _transform(draws_of(variables, name), v.D, c)
        return out


@dataclass(frozen=True, eq=False)
class MonotonicEffects(Term):
    """The monotonic effects of one linear predictor, brms's ``sp`` terms of ``mo()``.

    Stan data ``Ksp``, ``Csp_c`` (the covariates of interactions), ``Imo``, ``Jmo``,
    ``Xmo_k`` and ``con_simo_k``; parameters ``simo_k`` (one simplex per ``mo()``
    call of each term) and ``bsp`` (one coefficient per term), named
    ``simo_mox:z1[j]`` and ``bsp_mox:z`` (``_sigma`` infixes for a dpar, as brms).

    Attributes
    ----------
    dpar
        The linear predictor the effects belong to.
    terms
        One entry per special term, in brms's order.
    varying
        The group-level effects added to the coefficients (``(1 + mo(x) | g)``):
        ``(j, r, J)``, the effects ``r`` at level ``J[n]`` added to ``bsp[j]``.
    """

    template: ClassVar[str] = "terms/monotonic.stan.j2"

    dpar: str
    terms: tuple[MonotonicTerm, ...]
    varying: tuple[tuple[int, str, str], ...] = ()

    @classmethod
    def from_data(
        cls, dpar: str, calls: tuple[MonotonicCall, ...], data: pd.DataFrame
    ) -> MonotonicEffects:
        """The special terms ``calls`` of predictor ``dpar``, coded from ``data``.

        Raises
        ------
        SpecError
            When ``mo()`` calls with one id have different numbers of values.
        """
        out = cls(dpar, MonotonicTerm.expand(calls, data))
        for k, first in out.shared.items():
            v, w = out.variables[k - 1], out.variables[first - 1]
            if v.D != w.D:
                raise SpecError(
                    f'mo() terms with id = "{out.ids[k - 1]}" share a simplex, so they need '
                    f"the same number of values: mo({w.expr}) has {w.D + 1}, "
                    f"mo({v.expr}) has {v.D + 1}."
                )
        return out

    def slopes(self, calls: tuple[MonotonicCall, ...], where: str) -> tuple[MonotonicSlope, ...]:
        """The terms ``calls`` of the group-level term ``where``, each found among the
        population-level terms.

        Raises
        ------
        SpecError
            For a call without its population-level term, as brms ("Special group-level
            terms require corresponding population-level terms").
        """
        numbers = {t.coef: j for j, t in enumerate(self.terms, start=1)}
        out = []
        for call in calls:
            j = numbers.get(rename(call.label))
            if j is None and any(t.written == call.label and t.levels for t in self.terms):
                raise SpecError(
                    f"{call.label} with a categorical covariate in {where} is not supported "
                    "yet; let it vary over the grouping with numeric covariates only."
                )
            if j is None:
                message = missing_population_term(call.label, where)
                parts = set(call.label.split(":"))
                reordered = [t.label for t in self.terms if set(t.label.split(":")) == parts]
                if reordered:
                    message += (
                        f" The formula has {reordered[0]}: brms orders the factors of an "
                        "interaction by their first use in each formula, so write them in that "
                        "order in the group-level term too."
                    )
                raise SpecError(message)
            ks = self.numbered[j - 1][1]
            out.append(
                MonotonicSlope(self.terms[j - 1], j, tuple(self.stan("simo", k) for k in ks))
            )
        return tuple(out)

    @property
    def ids(self) -> tuple[str | None, ...]:
        """The id of each ``mo()`` call, in the order of :attr:`variables`."""
        return tuple(i for t in self.terms for i in t.ids)

    @property
    def shared(self) -> dict[int, int]:
        """Simplex numbers that copy an earlier one (same id): ``k -> first``, as brms's
        ``simo_2 = simo_1``."""
        first: dict[str, int] = {}
        out = {}
        for k, id_ in zip(self.ks, self.ids, strict=True):
            if id_ is not None and first.setdefault(id_, k) != k:
                out[k] = first[id_]
        return out

    def stan(self, name: str, k: int | None = None) -> str:
        """Stan name: ``stan("bsp") == "bsp_sigma"``, ``stan("Xmo", 1) == "Xmo_sigma_1"``."""
        suffix = "" if self.dpar == "mu" else f"_{self.dpar}"
        return f"{name}{suffix}" if k is None else f"{name}{suffix}_{k}"

    @property
    def variables(self) -> tuple[MonotonicVariable, ...]:
        """Every ``mo()`` call of every term, in the order of their simplexes."""
        return tuple(v for t in self.terms for v in t.variables)

    @property
    def ks(self) -> range:
        """1-based numbers of the monotonic variables (of their simplexes)."""
        return range(1, len(self.variables) + 1)

    @property
    def numbered(self) -> tuple[tuple[MonotonicTerm, tuple[int, ...], int | None], ...]:
        """Each term with the numbers of its simplexes and of its ``Csp`` (None without
        covariates)."""
        out = []
        k, c = 1, 1
        for t in self.terms:
            csp = c if t.values is not None else None
            out.append((t, tuple(range(k, k + len(t.variables))), csp))
            k, c = k + len(t.variables), c + (csp is not None)
        return tuple(out)

    @property
    def coefs(self) -> tuple[str, ...]:
        """brms's coefficient names (``mox``, ``mox:z``)."""
        return tuple(t.coef for t in self.terms)

    def standata(self) -> dict[str, object]:
        """``Ksp``, ``Csp_c``, ``Imo``, ``Jmo`` and ``Xmo_k``."""
        out: dict[str, object] = {self.stan("Ksp"): len(self.terms)}
        out |= {self.stan("Csp", c): t.values for t, _, c in self.numbered if t.values is not None}
        out |= {
            self.stan("Imo"): len(self.variables),
            self.stan("Jmo"): np.array([v.D for v in self.variables], dtype=np.int64),
        }
        out |= {self.stan("Xmo", k): v.values for k, v in zip(self.ks, self.variables, strict=True)}
        return out

    def _simo_chains(self) -> tuple[tuple[tuple[str, str, str, str], ...], ...]:
        """The prior chain of each simplex: class ``simo``, coef ``mox:z1``."""
        d = dpar_label(self.dpar)
        return tuple(
            (("simo", id_ if id_ is not None else f"{t.coef}{i}", "", d),)
            for t in self.terms
            for i, id_ in enumerate(t.ids, start=1)
        )

    def prior_standata(self, priors: PriorTable) -> dict[str, object]:
        """``con_simo_k``: the Dirichlet concentration of each simplex, from its prior."""
        out: dict[str, object] = {}
        for k, v, chain in zip(self.ks, self.variables, self._simo_chains(), strict=True):
            if k in self.shared:
                continue  # a copy of an earlier simplex, as brms
            prior = priors.resolve(chain) or DEFAULT_SIMO_PRIOR
            out[self.stan("con_simo", k)] = np.full(v.D, float(prior.args[0]))
        return out

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """``(bsp[j] + r_1_2[J_1[n]]) * mo(simo_k, Xmo_k[n]) * ... * Csp_c[n]``, row by row
        as brms writes it (the group-level effects only for terms that vary)."""
        bsp = StanArg(self.stan("bsp"), "vector", False)
        parts = []
        for j, (_, ks, c) in enumerate(self.numbered, start=1):
            varying = [(r, J) for i, r, J in self.varying if i == j]
            coef = "".join([f"{bsp.name}[{j}]", *(f" + {r}[{{at[{J}]}}]" for r, J in varying)])
            reads = [StanArg(J, "array[] int", True) for _, J in varying]
            reads += [StanArg(r, "vector", False) for r, _ in varying]
            reads += [StanArg(self.stan("Xmo", k), "array[] int", True) for k in ks[1:]]
            factors = [f"mo({self.stan('simo', ks[0])}, {{row}})"]
            factors += [f"mo({self.stan('simo', k)}, {self.stan('Xmo', k)}[{{n}}])" for k in ks[1:]]
            if c is not None:
                reads.append(StanArg(self.stan("Csp", c), "vector", True))
                factors.append(f"{self.stan('Csp', c)}[{{n}}]")
            parts.append(
                EtaPart(
                    "rowwise",
                    bsp,
                    StanArg(self.stan("Xmo", ks[0]), "array[] int", True),
                    code=f"({coef}) * " + " * ".join(factors),
                    extra=(*reads, *(StanArg(self.stan("simo", k), "vector", False) for k in ks)),
                )
            )
        return tuple(parts)

    def functions(self) -> tuple[str, ...]:
        """brms's ``mo()``."""
        return ("monotonic.stan",)

    def prior_rows(self, defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """Class ``b`` with a row per coefficient, and ``dirichlet(1)`` per simplex."""
        d = dpar_label(self.dpar)
        rows = [PriorRow(None, "b", dpar=d)]
        rows += [PriorRow(None, "b", c, dpar=d, source="(vectorized)") for c in self.coefs]
        rows += [
            PriorRow(DEFAULT_SIMO_PRIOR, "simo", chain[0][1], dpar=d)
            for k, chain in zip(self.ks, self._simo_chains(), strict=True)
            if k not in self.shared
        ]
        return tuple(rows)

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """Each simplex (its concentration is data), then ``bsp`` by coefficient."""
        d = dpar_label(self.dpar)
        out = [
            PriorTarget(self.stan("simo", k), (chain,), args=self.stan("con_simo", k))
            for k, chain in zip(self.ks, self._simo_chains(), strict=True)
            if k not in self.shared
        ]
        chains = tuple((("b", c, "", d), ("b", "", "", d)) for c in self.coefs)
        out.append(PriorTarget(self.stan("bsp"), chains))
        return tuple(out)

    def par_names(self) -> tuple[ParName, ...]:
        """``bsp_mox`` (population-level effects) and ``simo_mox1[j]`` (simplexes)."""
        infix = "" if self.dpar == "mu" else f"{self.dpar}_"
        out = [
            ParName(
                self.stan("bsp"),
                (j,),
                f"bsp_{infix}{c}",
                "bsp",
                self.dpar,
                POPULATION_LEVEL,
                f"{infix}{c}",
            )
            for j, c in enumerate(self.coefs, start=1)
        ]
        # brms names every simplex by its term, a shared one too (get_simo_labels)
        labels = [f"{t.coef}{i}" for t in self.terms for i in range(1, len(t.variables) + 1)]
        for k, v, label in zip(self.ks, self.variables, labels, strict=True):
            array = f"simo_{infix}{label}"
            out += [
                ParName(
                    self.stan("simo", k),
                    (j,),
                    f"{array}[{j}]",
                    "simo",
                    self.dpar,
                    SIMPLEXES,
                    f"{array.removeprefix('simo_')}[{j}]",
                    array,
                    ((f"{array}_dim_0", str(j)),),
                )
                for j in range(1, v.D + 1)
            ]
        return tuple(out)

    def rows(
        self, request: RowRequest
    ) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray | None, ...]]:
        """The codes ``0..D`` of each variable and the covariate product of each term,
        in the fitted rows or in ``newdata``."""
        if request.newdata is None:
            return tuple(v.values for v in self.variables), tuple(t.values for t in self.terms)
        new = request.newdata
        codes = tuple(v.codes(new) for v in self.variables)
        return codes, tuple(t.covariate_values(new) for t in self.terms)

    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """``sum_j bsp[j] * prod_k D_k * sum(simo_k[1:i_k]) * Csp_j`` at each row's codes."""
        codes, covariates = cast(tuple[tuple[np.ndarray, ...], tuple[np.ndarray | None, ...]], rows)
        bsp = draws_of(variables, self.stan("bsp"))
        out = np.zeros((1, 1))
        for j, (t, ks, _) in enumerate(self.numbered):
            part = bsp[:, j, np.newaxis]
            for k, v in zip(ks, t.variables, strict=True):
                part = part * _transform(
                    draws_of(variables, self.stan("simo", k)), v.D, codes[k - 1]
                )
            if covariates[j] is not None:
                part = part * covariates[j]
            out = out + part
        return out

    def integer_variables(self) -> tuple[str, ...]:
        """The integer (not categorical) monotonic variables that are data columns."""
        found = (v.expr for v in self.variables if v.categories is None and _is_column(v.expr))
        return tuple(dict.fromkeys(found))

    def effects(self) -> tuple[tuple[str, ...], ...]:
        """The data columns of each term: ``("x",)`` for ``mo(x)``, ``("x", "z")`` for
        ``mo(x):z``."""
        found = (
            tuple(
                e
                for e in (*(v.expr for v in t.variables), *t.covariates, *(e for e, *_ in t.levels))
                if _is_column(e)
            )
            for t in self.terms
        )
        return tuple(dict.fromkeys(e for e in found if e))


def missing_population_term(label: str, where: str) -> str:
    """The message for a special group-level term without its population-level term."""
    return (
        f"{label} varies over a grouping in {where}, but the formula has no population-level "
        f"{label}: special group-level terms require corresponding population-level terms, "
        f"as brms; add {label} to the formula, e.g. y ~ {label} + (1 + {label} | g)."
    )


def _is_column(expr: str) -> bool:
    return expr.isidentifier()
