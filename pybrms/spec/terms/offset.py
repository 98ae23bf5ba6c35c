"""Offsets: ``offset(log(t))``, data added to the linear predictor with coefficient 1."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from pybrms.spec.frame import check_finite, evaluate, numeric
from pybrms.spec.terms.base import EtaPart, RowRequest, StanArg, Term, Variables

__all__ = ["Offset"]


@dataclass(frozen=True, eq=False)
class Offset(Term):
    """Fixed offsets of one linear predictor (the sum of its ``offset(...)`` terms).

    Attributes
    ----------
    dpar
        The linear predictor the offsets belong to.
    values
        The sum of the offsets of every row.
    exprs
        The expressions inside ``offset(...)``, evaluated again for new rows.
    """

    template: ClassVar[str] = "terms/offset.stan.j2"

    dpar: str
    values: np.ndarray
    exprs: tuple[str, ...] = ()

    def stan(self, name: str) -> str:
        """Stan name: ``stan("offsets") == "offsets_sigma"`` for sigma."""
        return name if self.dpar == "mu" else f"{name}_{self.dpar}"

    def standata(self) -> dict[str, object]:
        """The offsets vector."""
        return {self.stan("offsets"): self.values}

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """The offsets vector."""
        return (EtaPart("offset", StanArg(self.stan("offsets"), "vector", True)),)

    def known_eta(self) -> np.ndarray:
        """The offsets (they shift the default intercept prior, as in brms)."""
        return self.values

    def rows(self, request: RowRequest) -> np.ndarray:
        """The summed offsets of the fitted rows or of ``request.newdata``."""
        if request.newdata is None:
            return self.values
        return offset_values(self.exprs, request.newdata)

    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """The offsets, the same for every draw."""
        return np.asarray(rows)[np.newaxis, :]


def offset_values(exprs: tuple[str, ...], data: pd.DataFrame) -> np.ndarray:
    """The sum of the offsets ``exprs`` over the rows of ``data``, checked finite."""
    total = np.zeros(len(data))
    for expr in exprs:
        values = numeric(evaluate(expr, data), f"offset {expr!r}")
        check_finite(values, f"Offset {expr!r}", data.index)
        total = total + values
    return total
