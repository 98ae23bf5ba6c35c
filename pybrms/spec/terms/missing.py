"""Predictors with missing values estimated, brms's ``mi()``:
``bf(y ~ mi(x) * z) + bf(x | mi() ~ z)``.

The variable ``x`` is itself a response of the multivariate model, with ``mi()``:
its missing values are the parameters ``Ymi_x``, and ``Yl_x`` is ``x`` with them in
place (:mod:`pybrms.spec.build`). The linear predictor of ``y`` takes ``bsp_y[k] *
Yl_x[n]``, times ``Csp_y_c[n]`` for an interaction with covariates (``mi(x):z``; the
product of its covariates) and ``Yl_w[n]`` for one with ``mi(w)``, row by row as
brms writes its special terms. Stan code, data and names are brms's
(``R/stan-predictor.R`` ``stan_sp``, ``R/formula-sp.R``); the coefficients are
``bsp_y_mix`` and ``bsp_y_mix:z``, of prior class ``b`` with coefficients ``mix``
and ``mix:z``.
Predictions for the fitted rows use the draws of ``Ymi_x``; new data must give
``x`` in every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, cast

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.formula.terms import MissingTerm
from pybrms.spec.default_priors import PriorRow, PriorTarget
from pybrms.spec.frame import check_columns, check_finite, numeric
from pybrms.spec.names import POPULATION_LEVEL, ParName, rename
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
from pybrms.spec.terms.monotonic import covariate_product

__all__ = ["MissingValues"]

# The rows a prediction reads: each variable's values, each term's covariate product.
_Rows = tuple[tuple[np.ndarray, ...], tuple[np.ndarray | None, ...]]


@dataclass(frozen=True, eq=False)
class MissingValues(Term):
    """The ``mi()`` terms of one linear predictor.

    Stan data ``Ksp_<dpar>`` and ``Csp_<dpar>_c`` (the covariates of interactions);
    parameters ``bsp_<dpar>``, one per term; the linear predictor reads ``Yl_<x>``,
    the variable's values with its estimated missing values, which the variable's
    own model computes.

    Attributes
    ----------
    dpar
        The linear predictor (``"y"``: mu of the response ``y``).
    terms
        The terms, ``mi(x)`` or interactions such as ``mi(x):z``, in brms's order.
    variables
        The variables inside ``mi()``, each once, in the order of first use.
    values
        Their values in the fitted rows, NaN where missing.
    covariates
        The product of each term's covariates in the fitted rows (brms's ``Csp``),
        or None for a term without covariates.

    Examples
    --------
    >>> from pybrms.formula import parse
    >>> df = pd.DataFrame({"x": [0.5, None, 1.5], "z": [1.0, 2.0, 3.0]})
    >>> t = MissingValues.from_data("y", parse("y ~ mi(x) * z").missing, df)
    >>> [p.name for p in t.par_names()], sorted(t.standata())
    (['bsp_y_mix', 'bsp_y_mix:z'], ['Csp_y_1', 'Ksp_y'])
    """

    template: ClassVar[str] = "terms/missing.stan.j2"

    dpar: str
    terms: tuple[MissingTerm, ...]
    variables: tuple[str, ...]
    values: tuple[np.ndarray, ...]
    covariates: tuple[np.ndarray | None, ...]

    @classmethod
    def from_data(
        cls, dpar: str, terms: tuple[MissingTerm, ...], data: pd.DataFrame
    ) -> MissingValues:
        """The ``terms`` read from ``data``: each ``mi()`` variable numeric, NaN where
        missing, each covariate numeric and finite."""
        variables = tuple(dict.fromkeys(x for t in terms for x in t.missing))
        covariates = _covariates(terms, data)
        return cls(dpar, terms, variables, _read(variables, data, ""), covariates)

    def stan(self, name: str, c: int | None = None) -> str:
        """Stan name: ``stan("bsp") == "bsp_y"``, ``stan("Csp", 1) == "Csp_y_1"``."""
        base = name if self.dpar == "mu" else f"{name}_{self.dpar}"
        return base if c is None else f"{base}_{c}"

    @property
    def infix(self) -> str:
        """The predictor's part of output names: ``""`` or ``"y_"``."""
        return "" if self.dpar == "mu" else f"{self.dpar}_"

    @property
    def coefs(self) -> tuple[str, ...]:
        """brms's coefficient names, ``mix`` and ``mix:z``."""
        return tuple(rename(t.label) for t in self.terms)

    @property
    def numbered(self) -> tuple[tuple[MissingTerm, int | None], ...]:
        """Each term with the number of its ``Csp`` (None without covariates)."""
        numbers = iter(range(1, len(self.terms) + 1))
        return tuple((t, next(numbers) if t.covariates else None) for t in self.terms)

    def standata(self) -> dict[str, object]:
        """``Ksp``, the number of ``mi()`` terms, and ``Csp_c``."""
        out: dict[str, object] = {self.stan("Ksp"): len(self.terms)}
        out |= {
            self.stan("Csp", c): values
            for (_, c), values in zip(self.numbered, self.covariates, strict=True)
            if c is not None
        }
        return out

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """``bsp[k] * Yl_x[n] * Yl_w[n] * Csp_c[n]``, row by row as brms writes it."""
        bsp = StanArg(self.stan("bsp"), "vector", False)
        parts = []
        for k, (t, c) in enumerate(self.numbered, 1):
            first, *rest = t.missing
            reads = [StanArg(f"Yl_{x}", "vector", False) for x in rest]
            factors = ["{row}", *(f"Yl_{x}[{{n}}]" for x in rest)]
            if c is not None:
                reads.append(StanArg(self.stan("Csp", c), "vector", True))
                factors.append(f"{self.stan('Csp', c)}[{{n}}]")
            parts.append(
                EtaPart(
                    "rowwise",
                    bsp,
                    StanArg(f"Yl_{first}", "vector", False),
                    code=f"({bsp.name}[{k}]) * " + " * ".join(factors),
                    extra=tuple(reads),
                )
            )
        return tuple(parts)

    def prior_rows(self, defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """Class ``b`` with a row per coefficient (flat, as brms's ``prior_sp``)."""
        d = dpar_label(self.dpar)
        rows = [PriorRow(None, "b", dpar=d)]
        rows += [PriorRow(None, "b", c, dpar=d, source="(vectorized)") for c in self.coefs]
        return tuple(rows)

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """``bsp`` by coefficient."""
        d = dpar_label(self.dpar)
        chains = tuple((("b", c, "", d), ("b", "", "", d)) for c in self.coefs)
        return (PriorTarget(self.stan("bsp"), chains),)

    def par_names(self) -> tuple[ParName, ...]:
        """``bsp_y_mix`` (population-level effects)."""
        return tuple(
            ParName(self.stan("bsp"), (k,), f"bsp_{self.infix}{c}", "bsp", self.dpar,
                    POPULATION_LEVEL, f"{self.infix}{c}")
            for k, c in enumerate(self.coefs, 1)
        )  # fmt: skip

    def rows(self, request: RowRequest) -> _Rows:
        """The values of the fitted rows (NaN where the draws of ``Ymi_x`` go) and the
        covariate products, or those of ``newdata``, whose values must all be observed."""
        if request.newdata is None:
            return self.values, self.covariates
        newdata = request.newdata
        return _read(self.variables, newdata, "newdata "), _covariates(self.terms, newdata)

    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """``sum_k bsp[k] * prod x * Csp_k``, each missing value of a fitted row at its
        draw of ``Ymi_x``."""
        bsp = draws_of(variables, self.stan("bsp"))
        values, covariates = cast(_Rows, rows)
        filled = {}
        for x, v in zip(self.variables, values, strict=True):
            filled[x] = np.broadcast_to(v, (len(bsp), len(v))).copy()
            missing = np.isnan(v)
            if missing.any():
                filled[x][:, missing] = draws_of(variables, f"Ymi_{x}")
        out = np.zeros((1, 1))
        for k, (t, csp) in enumerate(zip(self.terms, covariates, strict=True)):
            product = bsp[:, k, np.newaxis] * np.prod([filled[x] for x in t.missing], axis=0)
            out = out + (product if csp is None else product * csp)
        return out

    def effects(self) -> tuple[tuple[str, ...], ...]:
        """None: conditional effects of mi() are not supported yet."""
        return ()


def _covariates(
    terms: tuple[MissingTerm, ...], data: pd.DataFrame
) -> tuple[np.ndarray | None, ...]:
    """The product of each term's covariates in ``data``, None for a term without."""
    exprs = [c for t in terms for c in t.covariates]
    check_columns(data, [c for c in exprs if c.isidentifier()])
    return tuple(
        covariate_product(t.covariates, data, t.label, "numeric (categorical ones are not "
                          "supported yet in interactions with mi())")
        if t.covariates else None
        for t in terms
    )  # fmt: skip


def _read(variables: tuple[str, ...], data: pd.DataFrame, where: str) -> tuple[np.ndarray, ...]:
    """The numeric values of each ``mi(x)`` in ``data``; NaN only in the fitted data."""
    check_columns(data, variables)
    out = []
    for x in variables:
        values = numeric(data[x].to_numpy(), f"variable {x!r} of mi({x})")
        if where:
            check_finite(
                values, f"{where}{x!r} of mi({x}) (new data must give it in every row)", data.index
            )
        elif np.isinf(values).any():
            raise SpecError(
                f"The variable {x!r} of mi({x}) has infinite values; missing ones are NaN."
            )
        out.append(values)
    return tuple(out)
