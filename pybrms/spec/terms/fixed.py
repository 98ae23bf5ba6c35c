"""Population-level effects: ``y ~ x + f``, centered as in brms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from pybrms.spec.default_priors import PriorRow, PriorTarget
from pybrms.spec.frame import Design
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

if TYPE_CHECKING:  # the module imports this one
    from pybrms.spec.shrinkage import ShrinkagePrior

__all__ = ["FixedEffects"]


@dataclass(frozen=True, eq=False)
class FixedEffects(Term):
    """Population-level effects of one linear predictor.

    With an intercept, predictors are centered as in brms: the program samples
    ``Intercept`` of the centered design ``Xc`` and reports
    ``b_Intercept = Intercept - dot(means_X, b)``. For ordinal families the
    intercept becomes ``nthres`` ordered thresholds and ``X`` has no intercept
    column.

    Attributes
    ----------
    dpar
        ``"mu"`` or a distributional parameter such as ``"sigma"``.
    design
        Design matrix with brms's column names (intercept column included
        unless ``thresholds``).
    intercept
        Whether the predictor has a centered intercept (centering
        parameterization); False for a non-linear parameter, whose intercept
        column, if any, has a coefficient in ``b`` as any other.
    thresholds
        Number of ordinal thresholds; 0 for other families.
    shrinkage
        The shrinkage prior (``horseshoe()``, ``R2D2()``) set on the class ``b``
        of the predictor, if any: ``b`` is then ``zb .* sdb``.
    ordered
        For ``mu<k>`` of a mixture whose components are identified by ordered
        intercepts: ``k``, the intercept being ``ordered_Intercept[k]``; else 0.
    ordered_thresholds
        Whether the thresholds are declared ``ordered`` (``cumulative``) or a plain
        vector (``sratio``, ``cratio``, ``acat``), as brms.
    """

    template: ClassVar[str] = "terms/fixed.stan.j2"

    dpar: str
    design: Design
    intercept: bool
    thresholds: int = 0
    shrinkage: ShrinkagePrior | None = None
    ordered: int = 0
    ordered_thresholds: bool = True

    @property
    def suffix(self) -> str:
        """Name suffix of the dpar (``""`` or ``"_sigma"``)."""
        return "" if self.dpar == "mu" else f"_{self.dpar}"

    @property
    def coefs(self) -> tuple[str, ...]:
        """brms names of the columns with a ``b`` coefficient: all but a centered
        intercept (a non-linear parameter's ``Intercept`` is not centered)."""
        return tuple(n for n in self.design.names if n != "Intercept" or not self.intercept)

    @property
    def intercept_column(self) -> bool:
        """Whether ``X`` holds an intercept column (dropped after centering)."""
        return "Intercept" in self.design.names

    def stan(self, name: str) -> str:
        """The Stan name of ``name`` for this dpar: ``stan("b") == "b_sigma"``."""
        return f"{name}{self.suffix}"

    @property
    def b_intercept(self) -> str:
        """The generated quantity holding the uncentered intercept (``b_sigma_Intercept``)."""
        return f"b_{self.dpar}_Intercept" if self.dpar != "mu" else "b_Intercept"

    def standata(self) -> dict[str, object]:
        """``K``, ``X`` and, when centering, ``Kc``; nothing for an intercept-only predictor."""
        if not self.coefs:
            return {}
        out: dict[str, object] = {self.stan("K"): self.design.matrix.shape[1]}
        out[self.stan("X")] = self.design.matrix
        if self.intercept:
            out[self.stan("Kc")] = len(self.coefs)
        if self.shrinkage is not None:
            out.update(self.shrinkage.standata())
        return out

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """The intercept (not the thresholds, which the likelihood reads), then design x b."""
        out = []
        if self.intercept and not self.thresholds:
            out.append(EtaPart("intercept", StanArg(self.stan("Intercept"), "real", False)))
        if self.coefs:
            X = StanArg(self.stan("Xc" if self.intercept else "X"), "matrix", True)
            out.append(EtaPart("design", StanArg(self.stan("b"), "vector", False), X))
        return tuple(out)

    @property
    def threshold_arg(self) -> StanArg:
        """The ordered thresholds, an argument of ordinal likelihoods."""
        return StanArg(self.stan("Intercept"), "vector", False)

    def likelihood_args(self) -> dict[str, StanArg]:
        """The ordered thresholds, an argument of ordinal likelihoods."""
        return {"thres": self.threshold_arg} if self.thresholds else {}

    def functions(self) -> tuple[str, ...]:
        """The scales of a shrinkage prior (``scales_horseshoe``, ``scales_R2D2``)."""
        if self.shrinkage is None:
            return ()
        return ("horseshoe.stan",) if self.shrinkage.kind == "horseshoe" else ("r2d2.stan",)

    def prior_rows(self, defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """``b`` (flat) with one row per coefficient, and ``Intercept``."""
        d = dpar_label(self.dpar)
        rows: list[PriorRow] = []
        if self.coefs:
            rows.append(PriorRow(None, "b", dpar=d))
            rows += [PriorRow(None, "b", c, dpar=d, source="(vectorized)") for c in self.coefs]
        if self.intercept:
            rows.append(PriorRow(defaults.intercept[self.dpar], "Intercept", dpar=d))
            rows += [
                PriorRow(None, "Intercept", str(k), dpar=d, source="(vectorized)")
                for k in range(1, self.thresholds + 1)
            ]
        return tuple(rows)

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """``b`` element by coefficient, then ``Intercept`` (or each threshold)."""
        d = dpar_label(self.dpar)
        infix = f"{self.dpar}_" if self.dpar != "mu" else ""
        out = []
        if self.coefs:
            chains = tuple((("b", c, "", d), ("b", "", "", d)) for c in self.coefs)
            labels = tuple(f"b_{infix}{c}" for c in self.coefs)
            out.append(PriorTarget(self.stan("b"), chains, element_labels=labels))
        if self.intercept:
            if self.thresholds:
                ks = range(1, self.thresholds + 1)
                chains = tuple((("Intercept", str(k), "", d), ("Intercept", "", "", d)) for k in ks)
                labels = tuple(f"Intercept[{k}]" for k in ks)
                out.append(
                    PriorTarget(
                        self.stan("Intercept"),
                        chains,
                        ordered=self.ordered_thresholds,
                        element_labels=labels,
                    )
                )
            else:
                chain = (("Intercept", "", "", d),)
                out.append(PriorTarget(self.stan("Intercept"), (chain,), scalar=True))
        return tuple(out)

    def par_names(self) -> tuple[ParName, ...]:
        """``b_Intercept`` (or ``b_Intercept[k]``), ``b_<coef>``, the centered ``Intercept``
        and the variables of a shrinkage prior; the ``b_`` names are rows of the
        summary's population-level effects."""
        infix = f"{self.dpar}_" if self.dpar != "mu" else ""

        def b(stan: str, index: tuple[int, ...], name: str) -> ParName:
            label = name.removeprefix("b_")
            return ParName(stan, index, name, "b", self.dpar, POPULATION_LEVEL, label)

        out: list[ParName] = []
        if self.intercept:
            gq = self.b_intercept
            if self.thresholds:
                out += [b(gq, (k,), f"b_Intercept[{k}]") for k in range(1, self.thresholds + 1)]
            else:
                out.append(b(gq, (), gq))
        out += [b(self.stan("b"), (k,), f"b_{infix}{c}") for k, c in enumerate(self.coefs, start=1)]
        if self.intercept:
            if self.thresholds:
                out += [
                    ParName(self.stan("Intercept"), (k,), f"Intercept[{k}]", "Intercept", self.dpar)
                    for k in range(1, self.thresholds + 1)
                ]
            else:
                name = self.stan("Intercept")
                out.append(ParName(name, (), name, "Intercept", self.dpar))
        if self.shrinkage is not None:
            out += self.shrinkage.par_names(self.coefs)
        return tuple(out)

    def rows(self, request: RowRequest) -> np.ndarray:
        """The uncentered design ``(N, K)`` of the coefficients ``b`` (no intercept column)."""
        return self.design.columns(self.coefs, request.newdata)

    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """``b_Intercept + X b`` (the thresholds of ordinal models are not part of it)."""
        out = np.zeros((1, 1))
        if self.intercept and not self.thresholds:
            out = draws_of(variables, self.b_intercept)[:, np.newaxis]
        if self.coefs:
            out = out + draws_of(variables, self.stan("b")) @ np.asarray(rows).T
        return out

    def likelihood_draws(self, variables: Variables) -> dict[str, np.ndarray]:
        """The uncentered thresholds ``(S, nthres)`` of ordinal models."""
        return {"thres": draws_of(variables, self.b_intercept)} if self.thresholds else {}

    def effects(self) -> tuple[tuple[str, ...], ...]:
        """Data variables of each main effect, and of two-way interactions with their
        main effects, in formula order."""
        found: dict[tuple[str, ...], None] = {}
        model_spec = self.design.model_spec
        data_vars = model_spec.variables_by_source.get("data", set())
        for term in model_spec.terms:
            names = [f for f in model_spec.term_variables[term] if f in data_vars]
            ordered = tuple(sorted(names, key=lambda v: str(term).find(v)))
            if len(ordered) == 2:
                for single in ordered:
                    found.setdefault((single,), None)
            if 1 <= len(ordered) <= 2:
                found.setdefault(ordered, None)
        return tuple(found)
