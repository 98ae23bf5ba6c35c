"""One class per term kind: population-level effects, group-level effects, offsets.

Each term knows, for its part of one linear predictor: the Stan names it
declares, its Stan data (:meth:`standata`), what it adds to the linear
predictor (:meth:`eta_parts`, Stan variables from which codegen writes the
likelihood and derives the ``partial_log_lik`` signature), its rows of the
prior table (:meth:`prior_rows`), the Stan variables those rows govern
(:meth:`prior_targets`) and its brms output names (:meth:`par_names`). Its
template (``templates/terms/<kind>.stan.j2``) exports the same macros as every
other term template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from pybrms.priors import Dist
from pybrms.spec.default_priors import PriorRow, PriorTarget
from pybrms.spec.frame import Design
from pybrms.spec.names import ParName

__all__ = ["EtaPart", "FixedEffects", "GroupEffects", "Offset", "StanArg", "Term"]


@dataclass(frozen=True)
class StanArg:
    """A variable passed to ``partial_log_lik``: name, function-argument type, data or not."""

    name: str
    type: str
    data: bool

    @property
    def signature(self) -> str:
        """The argument as written in the function signature, e.g. ``data matrix Xc``."""
        return f"{'data ' if self.data else ''}{self.type} {self.name}"


@dataclass(frozen=True)
class EtaPart:
    """One additive part of a linear predictor, as Stan variables.

    Attributes
    ----------
    kind
        ``"intercept"``: the real ``value``, the same for every row;
        ``"design"``: data matrix ``data`` times coefficients ``value``;
        ``"offset"``: the data vector ``value``, one entry per row;
        ``"group"``: group-level effects ``value`` at the level index ``data`` of
        each row, times the data vector ``weight`` (None when that is all ones).
    value, data, weight
        The variables the part reads.
    """

    kind: Literal["intercept", "design", "offset", "group"]
    value: StanArg
    data: StanArg | None = None
    weight: StanArg | None = None


def _dpar_label(dpar: str) -> str:
    """``""`` for mu, else the dpar name: brms's ``dpar`` column and name infix."""
    return "" if dpar == "mu" else dpar


@dataclass(frozen=True, eq=False)
class FixedEffects:
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
        Whether the predictor has an intercept (centering parameterization).
    thresholds
        Number of ordinal thresholds; 0 for other families.
    """

    template: ClassVar[str] = "terms/fixed.stan.j2"

    dpar: str
    design: Design
    intercept: bool
    thresholds: int = 0

    @property
    def suffix(self) -> str:
        """Name suffix of the dpar (``""`` or ``"_sigma"``)."""
        return "" if self.dpar == "mu" else f"_{self.dpar}"

    @property
    def coefs(self) -> tuple[str, ...]:
        """brms names of the columns with a ``b`` coefficient."""
        return tuple(n for n in self.design.names if n != "Intercept")

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

    def prior_rows(self, intercept_prior: Dist | None) -> tuple[PriorRow, ...]:
        """``b`` (flat) with one row per coefficient, and ``Intercept``."""
        d = _dpar_label(self.dpar)
        rows: list[PriorRow] = []
        if self.coefs:
            rows.append(PriorRow(None, "b", dpar=d))
            rows += [PriorRow(None, "b", c, dpar=d, source="(vectorized)") for c in self.coefs]
        if self.intercept:
            rows.append(PriorRow(intercept_prior, "Intercept", dpar=d))
            rows += [
                PriorRow(None, "Intercept", str(k), dpar=d, source="(vectorized)")
                for k in range(1, self.thresholds + 1)
            ]
        return tuple(rows)

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """``b`` element by coefficient, then ``Intercept`` (or each threshold)."""
        d = _dpar_label(self.dpar)
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
                        self.stan("Intercept"), chains, ordered=True, element_labels=labels
                    )
                )
            else:
                chain = (("Intercept", "", "", d),)
                out.append(PriorTarget(self.stan("Intercept"), (chain,), scalar=True))
        return tuple(out)

    def par_names(self) -> tuple[ParName, ...]:
        """``b_Intercept`` (or ``b_Intercept[k]``), ``b_<coef>``, and the centered ``Intercept``."""
        infix = f"{self.dpar}_" if self.dpar != "mu" else ""
        out: list[ParName] = []
        if self.intercept:
            gq = self.b_intercept
            if self.thresholds:
                for k in range(1, self.thresholds + 1):
                    out.append(ParName(gq, (k,), f"b_Intercept[{k}]", "b", self.dpar))
            else:
                out.append(ParName(gq, (), gq, "b", self.dpar))
        out += [
            ParName(self.stan("b"), (k,), f"b_{infix}{c}", "b", self.dpar)
            for k, c in enumerate(self.coefs, start=1)
        ]
        if self.intercept:
            if self.thresholds:
                out += [
                    ParName(self.stan("Intercept"), (k,), f"Intercept[{k}]", "Intercept", self.dpar)
                    for k in range(1, self.thresholds + 1)
                ]
            else:
                name = self.stan("Intercept")
                out.append(ParName(name, (), name, "Intercept", self.dpar))
        return tuple(out)


@dataclass(frozen=True, eq=False)
class GroupEffects:
    """Group-level effects of one grouping term, numbered ``id`` as in brms.

    ``(1 + x | g)`` gives standard deviations ``sd_<id>``, standardized
    effects ``z_<id>`` and, when correlated with more than one coefficient, the
    Cholesky factor ``L_<id>`` of their correlation matrix (non-centered
    parameterization, as brms).

    Attributes
    ----------
    id
        brms's number of the term (1, 2, ... over the whole model).
    dpar
        The linear predictor the term belongs to.
    group
        brms's name of the grouping (``"g"``, ``"g1:g2"``).
    factors
        Data columns defining the groups.
    design
        Group-level design ``Z`` with brms's column names.
    correlated
        Whether the term was written with ``|`` (not ``||``).
    levels
        Level labels, in the order of the effects.
    J
        1-based level index of every observation.
    """

    template: ClassVar[str] = "terms/group.stan.j2"

    id: int
    dpar: str
    group: str
    factors: tuple[str, ...]
    design: Design
    correlated: bool
    levels: tuple[str, ...]
    J: np.ndarray

    @property
    def coefs(self) -> tuple[str, ...]:
        """brms names of the varying coefficients."""
        return self.design.names

    @property
    def M(self) -> int:
        """Number of coefficients per level."""
        return len(self.coefs)

    @property
    def has_cor(self) -> bool:
        """Whether correlations are modelled (correlated term with two or more coefficients)."""
        return self.correlated and self.M > 1

    @property
    def infix(self) -> str:
        """The dpar part of per-coefficient names: ``""`` or ``"_sigma"``."""
        return "" if self.dpar == "mu" else f"_{self.dpar}"

    def stan(self, name: str) -> str:
        """Stan name of a per-term variable: ``stan("sd") == "sd_1"``."""
        return f"{name}_{self.id}"

    def coef_stan(self, name: str, k: int) -> str:
        """Stan name of a per-coefficient variable: ``coef_stan("Z", 1) == "Z_1_1"``."""
        return f"{name}_{self.id}{self.infix}_{k}"

    @property
    def Z(self) -> tuple[str, ...]:
        """Stan names of the group-level predictor columns."""
        return tuple(self.coef_stan("Z", k) for k in range(1, self.M + 1))

    @property
    def r(self) -> tuple[str, ...]:
        """Stan names of the actual group-level effects, one vector per coefficient."""
        return tuple(self.coef_stan("r", k) for k in range(1, self.M + 1))

    def standata(self) -> dict[str, object]:
        """``N_id``, ``M_id``, ``J_id``, ``Z_id_k`` and ``NC_id``."""
        out: dict[str, object] = {
            self.stan("N"): len(self.levels),
            self.stan("M"): self.M,
            self.stan("J"): self.J,
        }
        for k, name in enumerate(self.Z):
            out[name] = self.design.matrix[:, k]
        if self.has_cor:
            out[self.stan("NC")] = self.M * (self.M - 1) // 2
        return out

    @property
    def unit_Z(self) -> tuple[bool, ...]:
        """Per coefficient, whether its ``Z`` column is all ones (as for ``(1 | g)``), so
        that the likelihood adds the effect without multiplying by ``Z``."""
        return tuple(bool(np.all(column == 1.0)) for column in self.design.matrix.T)

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """Per coefficient: the effects at each row's level, times ``Z`` unless all ones."""
        J = StanArg(self.stan("J"), "array[] int", True)
        return tuple(
            EtaPart(
                "group",
                StanArg(r, "vector", False),
                J,
                None if unit else StanArg(z, "vector", True),
            )
            for r, z, unit in zip(self.r, self.Z, self.unit_Z, strict=True)
        )

    def prior_rows(self, sd_prior: Dist) -> tuple[PriorRow, ...]:
        """``sd`` of the group and of each coefficient, and ``cor`` of the group."""
        d = _dpar_label(self.dpar)
        rows = [PriorRow(None, "sd", "", self.group, d, lb=0.0, source="(vectorized)")]
        rows += [
            PriorRow(None, "sd", c, self.group, d, lb=0.0, source="(vectorized)")
            for c in self.coefs
        ]
        if self.has_cor:
            rows.append(PriorRow(None, "cor", "", self.group, source="(vectorized)"))
        return (PriorRow(sd_prior, "sd", dpar=d, lb=0.0), *rows)

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """``sd_id`` by coefficient and ``L_id``."""
        d = _dpar_label(self.dpar)
        chains = tuple(
            (("sd", c, self.group, d), ("sd", "", self.group, d), ("sd", "", "", d))
            for c in self.coefs
        )
        # prior draws: prior_sd_g (prior_sd_g__sigma for a dpar's terms), prior_sd_g__x
        suffix = f"__{self.dpar}" if self.dpar != "mu" else ""
        sd_labels = tuple(p.name for p in self.par_names() if p.cls == "sd")
        out = [
            PriorTarget(
                self.stan("sd"), chains, label=f"sd_{self.group}{suffix}", element_labels=sd_labels
            )
        ]
        if self.has_cor:
            chain = (("cor", "", self.group, ""), ("cor", "", "", ""))
            out.append(
                PriorTarget(
                    self.stan("L"), (chain,), label=f"cor_{self.group}{suffix}", size=self.stan("M")
                )
            )
        return tuple(out)

    def par_names(self) -> tuple[ParName, ...]:
        """``sd_g__x``, ``cor_g__x__y`` and ``r_g[level,x]`` (``r_g__sigma[...]`` for dpars)."""
        pre = f"{self.dpar}_" if self.dpar != "mu" else ""
        coefs = [f"{pre}{c}" for c in self.coefs]
        out = [
            ParName(self.stan("sd"), (k,), f"sd_{self.group}__{c}", "sd", self.dpar)
            for k, c in enumerate(coefs, start=1)
        ]
        if self.has_cor:
            pairs = [(i, j) for j in range(self.M) for i in range(j)]
            out += [
                ParName(self.stan("cor"), (n,), f"cor_{self.group}__{coefs[i]}__{coefs[j]}", "cor")
                for n, (i, j) in enumerate(pairs, start=1)
            ]
        r_group = self.group if self.dpar == "mu" else f"{self.group}__{self.dpar}"
        for r, c in zip(self.r, self.coefs, strict=True):
            out += [
                ParName(r, (j,), f"r_{r_group}[{level},{c}]", "r", self.dpar)
                for j, level in enumerate(self.levels, start=1)
            ]
        return tuple(out)


@dataclass(frozen=True, eq=False)
class Offset:
    """Fixed offsets of one linear predictor (the sum of its ``offset(...)`` terms)."""

    template: ClassVar[str] = "terms/offset.stan.j2"

    dpar: str
    values: np.ndarray

    def stan(self, name: str) -> str:
        """Stan name: ``stan("offsets") == "offsets_sigma"`` for sigma."""
        return name if self.dpar == "mu" else f"{name}_{self.dpar}"

    def standata(self) -> dict[str, object]:
        """The offsets vector."""
        return {self.stan("offsets"): self.values}

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """The offsets vector."""
        return (EtaPart("offset", StanArg(self.stan("offsets"), "vector", True)),)

    def prior_rows(self) -> tuple[PriorRow, ...]:
        """Offsets have no parameters."""
        return ()

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """Offsets have no parameters."""
        return ()

    def par_names(self) -> tuple[ParName, ...]:
        """Offsets have no parameters."""
        return ()


Term = FixedEffects | GroupEffects | Offset
