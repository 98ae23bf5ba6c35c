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

from dataclasses import dataclass
from typing import ClassVar, cast

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.formula.terms import MonotonicTerm as MonotonicCall
from pybrms.priors import Dist
from pybrms.spec.default_priors import PriorRow, PriorTable, PriorTarget
from pybrms.spec.frame import check_columns, evaluate, row_label
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

__all__ = ["MonotonicEffects", "MonotonicTerm", "MonotonicVariable"]

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
            bad = ~column.isin(list(known)).to_numpy()
            if bad.any():
                pos = int(np.flatnonzero(bad)[0])
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
        The expressions of its other factors.
    values
        The product of the covariates at the fitted rows (brms's ``Csp``), or None.
    ids
        The ``id`` of each ``mo()`` call, or None (calls with one id share a simplex).
    """

    label: str
    variables: tuple[MonotonicVariable, ...]
    covariates: tuple[str, ...]
    values: np.ndarray | None
    ids: tuple[str | None, ...]

    @property
    def coef(self) -> str:
        """brms's coefficient name, ``mox:z`` for ``mo(x):z``."""
        return rename(self.label)

    @classmethod
    def from_data(cls, call: MonotonicCall, data: pd.DataFrame) -> MonotonicTerm:
        """The term ``call`` coded from ``data``."""
        variables = tuple(MonotonicVariable.from_data(e, data) for e in call.monotonic)
        values = _covariate_product(call.covariates, data, call.label) if call.covariates else None
        ids = call.ids or (None,) * len(variables)
        return cls(call.label, variables, call.covariates, values, ids)

    def covariate_values(self, newdata: pd.DataFrame) -> np.ndarray | None:
        """The product of the covariates in ``newdata``, or None without covariates."""
        if not self.covariates:
            return None
        check_columns(newdata, [c for c in self.covariates if c.isidentifier()])
        return _covariate_product(self.covariates, newdata, self.label)


def _covariate_product(exprs: tuple[str, ...], data: pd.DataFrame, label: str) -> np.ndarray:
    """The product of the numeric covariates ``exprs``, or a SpecError naming the term."""
    out = np.ones(len(data))
    for expr in exprs:
        raw = np.asarray(evaluate(expr, data))
        if raw.dtype == bool or not pd.api.types.is_numeric_dtype(raw.dtype):
            raise SpecError(
                f"{label}: the covariate {expr!r} must be numeric; interactions of mo() with "
                "categorical variables are not supported yet."
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
    """

    template: ClassVar[str] = "terms/monotonic.stan.j2"

    dpar: str
    terms: tuple[MonotonicTerm, ...]

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
        out = cls(dpar, tuple(MonotonicTerm.from_data(c, data) for c in calls))
        for k, first in out.shared.items():
            v, w = out.variables[k - 1], out.variables[first - 1]
            if v.D != w.D:
                raise SpecError(
                    f'mo() terms with id = "{out.ids[k - 1]}" share a simplex, so they need '
                    f"the same number of values: mo({w.expr}) has {w.D + 1}, "
                    f"mo({v.expr}) has {v.D + 1}."
                )
        return out

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
        """``bsp[j] * mo(simo_k, Xmo_k[n]) * ... * Csp_c[n]``, row by row as brms writes it."""
        bsp = StanArg(self.stan("bsp"), "vector", False)
        parts = []
        for j, (_, ks, c) in enumerate(self.numbered, start=1):
            reads = [StanArg(self.stan("Xmo", k), "array[] int", True) for k in ks[1:]]
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
                    code=f"({bsp.name}[{j}]) * " + " * ".join(factors),
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
                simo = draws_of(variables, self.stan("simo", k))
                zero = np.zeros((simo.shape[0], 1))
                steps = np.concatenate([zero, np.cumsum(simo, axis=1)], axis=1)
                part = part * v.D * steps[:, codes[k - 1]]
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
            tuple(e for e in (*(v.expr for v in t.variables), *t.covariates) if _is_column(e))
            for t in self.terms
        )
        return tuple(dict.fromkeys(e for e in found if e))


def _is_column(expr: str) -> bool:
    return expr.isidentifier()
