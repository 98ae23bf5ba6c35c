"""Predictors with missing values estimated, brms's ``mi()``:
``bf(y ~ mi(x) + z) + bf(x | mi() ~ z)``.

The variable ``x`` is itself a response of the multivariate model, with ``mi()``:
its missing values are the parameters ``Ymi_x``, and ``Yl_x`` is ``x`` with them in
place (:mod:`pybrms.spec.build`). The linear predictor of ``y`` takes ``bsp_y[k] *
Yl_x[n]``, row by row as brms writes its special terms. Stan code, data and names
are brms's (``R/stan-predictor.R`` ``stan_sp``, ``R/formula-sp.R``); the
coefficient is ``bsp_y_mix``, of prior class ``b`` with coefficient ``mix``.
Predictions for the fitted rows use the draws of ``Ymi_x``; new data must give
``x`` in every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, cast

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.spec.default_priors import PriorRow, PriorTarget
from pybrms.spec.frame import check_columns, check_finite, numeric
from pybrms.spec.names import POPULATION_LEVEL, ParName
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

__all__ = ["MissingValues"]


@dataclass(frozen=True, eq=False)
class MissingValues(Term):
    """The ``mi(x)`` terms of one linear predictor.

    Stan data ``Ksp_<dpar>``; parameters ``bsp_<dpar>``, one per variable; the
    linear predictor reads ``Yl_<x>``, the variable's values with its estimated
    missing values, which the variable's own model computes.

    Attributes
    ----------
    dpar
        The linear predictor (``"y"``: mu of the response ``y``).
    variables
        The variables of ``mi(x)``, in the order written.
    values
        Their values in the fitted rows, NaN where missing.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [0.5, None, 1.5]})
    >>> t = MissingValues.from_data("y", ("x",), df)
    >>> [p.name for p in t.par_names()], t.standata()
    (['bsp_y_mix'], {'Ksp_y': 1})
    """

    template: ClassVar[str] = "terms/missing.stan.j2"

    dpar: str
    variables: tuple[str, ...]
    values: tuple[np.ndarray, ...]

    @classmethod
    def from_data(cls, dpar: str, variables: tuple[str, ...], data: pd.DataFrame) -> MissingValues:
        """``mi(x)`` of each of ``variables`` read from ``data``: numeric, NaN where missing."""
        return cls(dpar, variables, _read(variables, data, ""))

    def stan(self, name: str) -> str:
        """Stan name: ``stan("bsp") == "bsp_y"``."""
        return name if self.dpar == "mu" else f"{name}_{self.dpar}"

    @property
    def infix(self) -> str:
        """The predictor's part of output names: ``""`` or ``"y_"``."""
        return "" if self.dpar == "mu" else f"{self.dpar}_"

    @property
    def coefs(self) -> tuple[str, ...]:
        """brms's coefficient names, ``mix``."""
        return tuple(f"mi{x}" for x in self.variables)

    def standata(self) -> dict[str, object]:
        """``Ksp``: the number of ``mi()`` terms."""
        return {self.stan("Ksp"): len(self.variables)}

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """``bsp[k] * Yl_x[n]``, row by row as brms writes it."""
        bsp = StanArg(self.stan("bsp"), "vector", False)
        return tuple(
            EtaPart(
                "rowwise",
                bsp,
                StanArg(f"Yl_{x}", "vector", False),
                code=f"({bsp.name}[{k}]) * {{row}}",
            )
            for k, x in enumerate(self.variables, 1)
        )

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

    def rows(self, request: RowRequest) -> tuple[np.ndarray, ...]:
        """The values of the fitted rows (NaN where the draws of ``Ymi_x`` go), or
        those of ``newdata``, which must all be observed."""
        if request.newdata is None:
            return self.values
        return _read(self.variables, request.newdata, "newdata ")

    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """``sum_k bsp[k] * x_k``, each missing value of a fitted row at its draw of ``Ymi_x``."""
        bsp = draws_of(variables, self.stan("bsp"))
        out = np.zeros((1, 1))
        for k, (x, values) in enumerate(
            zip(self.variables, cast(tuple[np.ndarray, ...], rows), strict=True)
        ):
            filled = np.broadcast_to(values, (len(bsp), len(values))).copy()
            missing = np.isnan(values)
            if missing.any():
                filled[:, missing] = draws_of(variables, f"Ymi_{x}")
            out = out + bsp[:, k, np.newaxis] * filled
        return out

    def effects(self) -> tuple[tuple[str, ...], ...]:
        """None: conditional effects of mi() are not supported yet."""
        return ()


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
