"""Category-specific effects: ``y ~ x + cs(z)``, brms's ``cs()`` of ordinal families.

In the sequential (``sratio``, ``cratio``) and adjacent-category (``acat``)
families, a category-specific predictor has one coefficient per threshold: the
matrix ``bcs`` (``Kcs x nthres``) times the design ``Xcs`` gives ``mucs``, one
row per observation, which brms subtracts from the thresholds,
``thres - transpose(mucs[n])``. Stan code, data and names are brms's
(``R/stan-predictor.R`` ``stan_cs``, ``R/data-predictor.R`` ``data_cs``,
``R/rename_pars.R`` ``rename_cs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.spec.default_priors import PriorRow, PriorTarget
from pybrms.spec.frame import Design, design_matrix
from pybrms.spec.names import POPULATION_LEVEL, ParName
from pybrms.spec.terms.base import (
    EtaPart,
    LikelihoodShift,
    PriorDefaults,
    RowRequest,
    StanArg,
    Term,
    Variables,
    draws_of,
)

__all__ = ["CategorySpecificEffects"]


@dataclass(frozen=True, eq=False)
class CategorySpecificEffects(Term):
    """The category-specific effects of the main predictor of an ordinal model.

    Stan data ``Kcs`` and ``Xcs`` (uncentered, as brms); the parameter
    ``matrix[Kcs, nthres] bcs``, named ``bcs_<coef>[k]`` for threshold ``k``.

    Attributes
    ----------
    dpar
        Always ``"mu"`` (brms allows ``cs()`` only there).
    design
        The design of the ``cs()`` terms without an intercept column, with
        brms's column names.
    nthres
        Number of thresholds.
    terms
        The ``cs()`` terms as written, for messages.

    Examples
    --------
    >>> df = pd.DataFrame({"y": [1, 2, 3, 1], "x": [0.5, 1.0, 1.5, 2.0]})
    >>> t = CategorySpecificEffects.from_data("mu", ("x",), df, nthres=2)
    >>> [p.name for p in t.par_names()]
    ['bcs_x[1]', 'bcs_x[2]']
    """

    template: ClassVar[str] = "terms/category_specific.stan.j2"

    dpar: str
    design: Design
    nthres: int
    terms: tuple[str, ...]

    @classmethod
    def from_data(
        cls, dpar: str, terms: tuple[str, ...], data: pd.DataFrame, nthres: int
    ) -> CategorySpecificEffects:
        """The ``cs()`` terms ``terms`` of the main predictor, coded from ``data``."""
        design = design_matrix(f"1 + {' + '.join(terms)}", data)
        keep = [n != "Intercept" for n in design.names]
        names = tuple(n for n, k in zip(design.names, keep, strict=True) if k)
        if not names:
            written = " + ".join(f"cs({t})" for t in terms)
            raise SpecError(f"{written} has no columns; category-specific effects need a variable.")
        return cls(dpar, Design(design.matrix[:, keep], names, design.model_spec), nthres, terms)

    @property
    def coefs(self) -> tuple[str, ...]:
        """brms's coefficient names, one per column of ``Xcs``."""
        return self.design.names

    def standata(self) -> dict[str, object]:
        """``Kcs`` and ``Xcs``."""
        return {"Kcs": len(self.coefs), "Xcs": self.design.matrix}

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """None: the effects shift the thresholds (:meth:`likelihood_shifts`)."""
        return ()

    def likelihood_shifts(self) -> tuple[LikelihoodShift, ...]:
        """``mucs = Xcs * bcs``, subtracted from the thresholds row by row."""
        return (
            LikelihoodShift(
                "thres",
                "mucs",
                StanArg("Xcs", "matrix", True),
                StanArg("bcs", "matrix", False),
                StanArg("nthres", "int", True),
            ),
        )

    def prior_rows(self, defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """Class ``b`` and a row per coefficient (brms's ``prior_cs``)."""
        rows = [PriorRow(None, "b")]
        rows += [PriorRow(None, "b", c, source="(vectorized)") for c in self.coefs]
        return tuple(rows)

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """``bcs`` by coefficient: each row of the matrix takes the coefficient's prior."""
        chains = tuple((("b", c, "", ""), ("b", "", "", "")) for c in self.coefs)
        labels = tuple(f"bcs_{c}" for c in self.coefs)
        return (PriorTarget("bcs", chains, element_labels=labels, row_size=self.nthres),)

    def par_names(self) -> tuple[ParName, ...]:
        """``bcs_<coef>[k]``, rows ``<coef>[k]`` of the population-level effects."""
        return tuple(
            ParName(
                "bcs",
                (i, k),
                f"bcs_{c}[{k}]",
                "bcs",
                self.dpar,
                POPULATION_LEVEL,
                f"{c}[{k}]",
                f"bcs_{c}",
                ((f"bcs_{c}_dim_0", str(k)),),
            )
            for i, c in enumerate(self.coefs, start=1)
            for k in range(1, self.nthres + 1)
        )

    def rows(self, request: RowRequest) -> np.ndarray:
        """``Xcs`` of the fitted rows or of ``newdata``, coded as in the fit."""
        return self.design.columns(self.coefs, request.newdata)

    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """Nothing: the effects shift the thresholds (:meth:`shift_likelihood_draws`)."""
        return np.zeros((1, 1))

    def shift_likelihood_draws(
        self, draws: dict[str, np.ndarray], rows: object, variables: Variables
    ) -> dict[str, np.ndarray]:
        """The thresholds ``(S, nthres)`` become ``thres - Xcs bcs``, ``(S, N, nthres)``."""
        bcs = draws_of(variables, "bcs")
        mucs = np.einsum("nk,skt->snt", np.asarray(rows), bcs)
        thres = draws["thres"]
        return draws | {"thres": (thres[:, np.newaxis, :] if thres.ndim == 2 else thres) - mucs}

    def effects(self) -> tuple[tuple[str, ...], ...]:
        """Data variables of each main effect, for conditional effects."""
        model_spec = self.design.model_spec
        data_vars = model_spec.variables_by_source.get("data", set())
        found: dict[tuple[str, ...], None] = {}
        for term in model_spec.terms:
            names = tuple(f for f in model_spec.term_variables[term] if f in data_vars)
            if len(names) == 1:
                found.setdefault(names, None)
        return tuple(found)
