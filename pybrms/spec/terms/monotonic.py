"""Monotonic effects: ``y ~ mo(income)``, brms's ``mo()`` of an ordinal predictor.

For a predictor with values ``0..D`` (an ordered categorical's codes, or integers
less their minimum) the effect of value ``i`` is ``bsp * D * sum(simo[1:i])``:
the coefficient ``bsp`` is the average difference between adjacent values and
the simplex ``simo`` (``D`` elements, Dirichlet prior) distributes the total
``D * bsp`` over the steps, so that the effect is monotonic (Bürkner and
Charpentier, 2020). Stan code, data and names are brms's (``R/stan-predictor.R``
``stan_sp``, ``R/data-predictor.R`` ``data_sp``, ``inst/chunks/fun_monotonic.stan``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
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

__all__ = ["MonotonicEffects", "MonotonicVariable"]

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
class MonotonicEffects(Term):
    """The monotonic effects of one linear predictor, brms's ``sp`` terms of ``mo()``.

    Stan data ``Ksp``, ``Imo``, ``Jmo``, ``Xmo_k`` and ``con_simo_k``; parameters
    ``simo_k`` (simplexes) and ``bsp`` (coefficients), named ``simo_mox1[j]`` and
    ``bsp_mox`` (``_sigma`` infixes for a dpar, as brms).

    Attributes
    ----------
    dpar
        The linear predictor the effects belong to.
    variables
        One entry per ``mo()``, in formula order.
    """

    template: ClassVar[str] = "terms/monotonic.stan.j2"

    dpar: str
    variables: tuple[MonotonicVariable, ...]

    @classmethod
    def from_data(cls, dpar: str, exprs: tuple[str, ...], data: pd.DataFrame) -> MonotonicEffects:
        """The ``mo()`` terms ``exprs`` of predictor ``dpar``, coded from ``data``."""
        return cls(dpar, tuple(MonotonicVariable.from_data(e, data) for e in exprs))

    def stan(self, name: str, k: int | None = None) -> str:
        """Stan name: ``stan("bsp") == "bsp_sigma"``, ``stan("Xmo", 1) == "Xmo_sigma_1"``."""
        suffix = "" if self.dpar == "mu" else f"_{self.dpar}"
        return f"{name}{suffix}" if k is None else f"{name}{suffix}_{k}"

    @property
    def ks(self) -> range:
        """1-based numbers of the monotonic variables."""
        return range(1, len(self.variables) + 1)

    @property
    def coefs(self) -> tuple[str, ...]:
        """brms's coefficient names (``mox``)."""
        return tuple(v.coef for v in self.variables)

    def standata(self) -> dict[str, object]:
        """``Ksp``, ``Imo``, ``Jmo`` and ``Xmo_k``."""
        out: dict[str, object] = {
            self.stan("Ksp"): len(self.variables),
            self.stan("Imo"): len(self.variables),
            self.stan("Jmo"): np.array([v.D for v in self.variables], dtype=np.int64),
        }
        out |= {self.stan("Xmo", k): v.values for k, v in zip(self.ks, self.variables, strict=True)}
        return out

    def _simo_chain(self, v: MonotonicVariable) -> tuple[tuple[str, str, str, str], ...]:
        return (("simo", f"{v.coef}1", "", dpar_label(self.dpar)),)

    def prior_standata(self, priors: PriorTable) -> dict[str, object]:
        """``con_simo_k``: the Dirichlet concentration of each simplex, from its prior."""
        out: dict[str, object] = {}
        for k, v in zip(self.ks, self.variables, strict=True):
            prior = priors.resolve(self._simo_chain(v)) or DEFAULT_SIMO_PRIOR
            out[self.stan("con_simo", k)] = np.full(v.D, float(prior.args[0]))
        return out

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """``bsp[k] * mo(simo_k, Xmo_k[n])``, row by row as brms writes it."""
        bsp = StanArg(self.stan("bsp"), "vector", False)
        return tuple(
            EtaPart(
                "rowwise",
                bsp,
                StanArg(self.stan("Xmo", k), "array[] int", True),
                code=f"({bsp.name}[{k}]) * mo({self.stan('simo', k)}, {{row}})",
                extra=(StanArg(self.stan("simo", k), "vector", False),),
            )
            for k in self.ks
        )

    def functions(self) -> tuple[str, ...]:
        """brms's ``mo()``."""
        return ("monotonic.stan",)

    def prior_rows(self, defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """Class ``b`` with a row per coefficient, and ``dirichlet(1)`` per simplex."""
        d = dpar_label(self.dpar)
        rows = [PriorRow(None, "b", dpar=d)]
        rows += [PriorRow(None, "b", c, dpar=d, source="(vectorized)") for c in self.coefs]
        rows += [PriorRow(DEFAULT_SIMO_PRIOR, "simo", f"{c}1", dpar=d) for c in self.coefs]
        return tuple(rows)

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """Each simplex (its concentration is data), then ``bsp`` by coefficient."""
        d = dpar_label(self.dpar)
        out = [
            PriorTarget(self.stan("simo", k), (self._simo_chain(v),), args=self.stan("con_simo", k))
            for k, v in zip(self.ks, self.variables, strict=True)
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
                (k,),
                f"bsp_{infix}{c}",
                "bsp",
                self.dpar,
                POPULATION_LEVEL,
                f"{infix}{c}",
            )
            for k, c in zip(self.ks, self.coefs, strict=True)
        ]
        for k, v in zip(self.ks, self.variables, strict=True):
            array = f"simo_{infix}{v.coef}1"
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

    def rows(self, request: RowRequest) -> tuple[np.ndarray, ...]:
        """The codes ``0..D`` of each variable in the fitted rows or in ``newdata``."""
        if request.newdata is None:
            return tuple(v.values for v in self.variables)
        return tuple(v.codes(request.newdata) for v in self.variables)

    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """``sum_k bsp[k] * D_k * sum(simo_k[1:i])`` at each row's code ``i``."""
        bsp = draws_of(variables, self.stan("bsp"))
        out = np.zeros((1, 1))
        for k, v, codes in zip(self.ks, self.variables, rows, strict=True):  # type: ignore[call-overload]
            simo = draws_of(variables, self.stan("simo", k))
            steps = np.concatenate([np.zeros((simo.shape[0], 1)), np.cumsum(simo, axis=1)], axis=1)
            out = out + bsp[:, k - 1, np.newaxis] * v.D * steps[:, codes]
        return out

    def integer_variables(self) -> tuple[str, ...]:
        """The integer (not categorical) monotonic variables that are data columns."""
        return tuple(v.expr for v in self.variables if v.categories is None and _is_column(v))

    def effects(self) -> tuple[tuple[str, ...], ...]:
        """Each monotonic variable that is a data column."""
        return tuple((v.expr,) for v in self.variables if _is_column(v))


def _is_column(v: MonotonicVariable) -> bool:
    return v.expr.isidentifier()
