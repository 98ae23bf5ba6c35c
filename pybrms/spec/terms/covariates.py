"""Covariates of a non-linear expression: brms's data ``C_1``, ``C_2``, ..."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from pybrms.spec.frame import check_finite, numeric
from pybrms.spec.terms.base import EtaPart, RowRequest, StanArg, Term, Variables

__all__ = ["Covariates"]


@dataclass(frozen=True, eq=False)
class Covariates(Term):
    """The data columns a non-linear expression reads, as Stan data vectors.

    The expression itself belongs to the predictor
    (:attr:`~pybrms.spec.model_spec.Predictor.nonlinear`), which combines them
    with the non-linear parameters; this term adds nothing to a linear predictor.

    Attributes
    ----------
    dpar
        The parameter the expression predicts (``"mu"``).
    names
        The columns, in order of first use in the expression.
    values
        Their values, ``(N, len(names))``.
    """

    template: ClassVar[str] = "terms/covariates.stan.j2"

    dpar: str
    names: tuple[str, ...]
    values: np.ndarray

    @classmethod
    def from_data(cls, dpar: str, names: tuple[str, ...], data: pd.DataFrame) -> Covariates:
        """The covariates ``names`` of ``data``, numeric and finite."""
        return cls(dpar, names, covariate_values(names, data))

    @property
    def args(self) -> tuple[StanArg, ...]:
        """brms's names: ``C_1``, ... for mu, ``C_sigma_1``, ... for sigma."""
        prefix = "C" if self.dpar == "mu" else f"C_{self.dpar}"
        return tuple(
            StanArg(f"{prefix}_{k}", "vector", True) for k in range(1, len(self.names) + 1)
        )

    def standata(self) -> dict[str, object]:
        """One vector per covariate."""
        return {a.name: self.values[:, k] for k, a in enumerate(self.args)}

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """None: the predictor's expression reads the covariates."""
        return ()

    def rows(self, request: RowRequest) -> np.ndarray:
        """The covariates of the fitted rows or of ``request.newdata``, ``(N, k)``."""
        if request.newdata is None:
            return self.values
        return covariate_values(self.names, request.newdata)

    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """Nothing: the predictor's expression reads the covariates."""
        return np.zeros((1, 1))

    def effects(self) -> tuple[tuple[str, ...], ...]:
        """Each covariate, for conditional effects."""
        return tuple((name,) for name in self.names)


def covariate_values(names: tuple[str, ...], data: pd.DataFrame) -> np.ndarray:
    """The columns ``names`` of ``data`` as floats ``(N, k)``, checked finite."""
    columns = []
    for name in names:
        values = numeric(data[name].to_numpy(), f"non-linear covariate {name!r}")
        check_finite(values, f"Non-linear covariate {name!r}", data.index)
        columns.append(values)
    return np.column_stack(columns) if columns else np.zeros((len(data), 0))
