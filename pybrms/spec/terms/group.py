"""Group-level effects: ``(1 + x | g)``, non-centered as in brms."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.priors import Dist
from pybrms.spec.default_priors import PriorRow, PriorTarget
from pybrms.spec.frame import Design, check_columns, group_levels
from pybrms.spec.names import GROUP_LEVEL, ParName, Section
from pybrms.spec.terms.base import (
    EtaPart,
    PriorDefaults,
    RowRequest,
    SampleNewLevels,
    StanArg,
    Term,
    Variables,
    dpar_label,
    draws_of,
)
from pybrms.spec.terms.monotonic import MonotonicSlope

__all__ = ["DEFAULT_DF_PRIOR", "GroupEffects", "GroupRows", "by_of_levels"]

#: brms's prior on the degrees of freedom of student-t group-level effects.
DEFAULT_DF_PRIOR = Dist("gamma", (2, 0.1))


@dataclass(frozen=True, eq=False)
class GroupEffects(Term):
    """Group-level effects of one grouping term, numbered ``id`` as in brms.

    ``(1 + x | g)`` gives standard deviations ``sd_<id>``, standardized
    effects ``z_<id>`` and, when correlated with more than one coefficient, the
    Cholesky factor ``L_<id>`` of their correlation matrix (non-centered
    parameterization, as brms).

    Terms sharing a correlation ID (``(1 | p | g)`` in ``mu`` and in ``sigma``)
    share one ``id``: the first of them (the owner) declares the ID's data,
    parameters and priors over all its coefficients (``columns``), and each term
    adds its own coefficients, columns ``first + 1, ...`` of the ID, to its
    linear predictor.

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
    columns
        ``(dpar, coefficient)`` of every coefficient of the ID, in brms's order
        (the terms of ``mu`` first, then those of the other dpars).
    first
        0-based position of the term's first coefficient in ``columns``.
    by
        The factor of ``gr(g, by = f)``, or None: standard deviations (and
        correlations) per level of ``by``, brms's ``sd_g__x:fa``.
    by_levels
        The levels of ``by``.
    Jby
        1-based level of ``by`` of each level of the grouping.
    dist
        Distribution of the effects: ``"gaussian"``, or ``"student"`` (brms's
        ``gr(g, dist = "student")``: the effects of each level scaled by
        ``sqrt(df * udf)``, ``udf ~ inv_chi_square(df)``).
    ggn
        brms's number of the grouping among all groupings of the model, which
        names the degrees of freedom of student-t effects (``df_<ggn>``).
    declares_df
        Whether the term declares ``df``, ``udf`` and ``dfm`` of its grouping (the
        first term with student-t effects on the grouping).
    cov
        The name in ``data2`` of a known covariance matrix between the levels
        (``gr(g, cov = A)``), or None.
    Lcov
        Its lower Cholesky factor over ``levels`` (brms's ``Lcov_<id>``).
    special
        The ``mo()`` terms that vary over the grouping (``(1 + mo(x) | g)``), after
        the columns of ``design``: their effects have no ``Z``; the monotonic term
        adds them to its coefficient (brms's ``bsp[j] + r_1_2[J_1[n]]``).
    without_Z
        0-based positions in ``columns`` of the special terms of the whole ID.
    row_resp
        When the terms of the ID have different rows (responses of a multivariate model
        with ``subset()``): the response whose rows the term's level index and ``Z``
        cover, which suffixes the index (brms's ``J_1_y1``); else ``""``.
    row_owner
        With ``row_resp``: whether the term declares that index (the ID's first term on
        those rows).
    """

    template: ClassVar[str] = "terms/group.stan.j2"
    prior_scope: ClassVar[str] = "model"

    id: int
    dpar: str
    group: str
    factors: tuple[str, ...]
    design: Design
    correlated: bool
    levels: tuple[str, ...]
    J: np.ndarray
    columns: tuple[tuple[str, str], ...]
    first: int = 0
    by: str | None = None
    by_levels: tuple[str, ...] = ()
    Jby: np.ndarray | None = None
    dist: str = "gaussian"
    ggn: int = 0
    declares_df: bool = False
    cov: str | None = None
    Lcov: np.ndarray | None = None
    special: tuple[MonotonicSlope, ...] = ()
    without_Z: frozenset[int] = frozenset()
    row_resp: str = ""
    row_owner: bool = False

    @property
    def coefs(self) -> tuple[str, ...]:
        """brms names of the term's varying coefficients: the design's, then the special
        terms'."""
        return (*self.design.names, *(s.coef for s in self.special))

    @property
    def M(self) -> int:
        """Number of coefficients per level of the ID (all its terms)."""
        return len(self.columns)

    @property
    def owner(self) -> bool:
        """Whether the term declares the ID's data, parameters and priors (its first term)."""
        return self.first == 0

    @property
    def declares_rows(self) -> bool:
        """Whether the term declares the level index of its rows (:attr:`J_name`)."""
        return self.row_owner if self.row_resp else self.owner

    @property
    def J_name(self) -> str:
        """Stan name of the level index of the term's rows: ``J_1``, or ``J_1_y1`` when the
        terms of the ID have different rows."""
        return f"{self.stan('J')}_{self.row_resp}" if self.row_resp else self.stan("J")

    @property
    def row_Z(self) -> tuple[str, ...]:
        """Stan names of the group-level predictor columns the term declares: the owner
        declares those of the whole ID, but where the ID's terms have different rows
        each declares its own."""
        if self.row_resp:
            return self.Z
        return self.id_Z if self.owner else ()

    @property
    def has_cor(self) -> bool:
        """Whether correlations are modelled (a correlated ID with two or more coefficients)."""
        return self.correlated and self.M > 1

    @property
    def Nby(self) -> int:
        """Number of levels of ``by`` (1 without ``by``)."""
        return len(self.by_levels) or 1

    @property
    def sd_size(self) -> str:
        """Stan size of ``sd_id``: one per coefficient and level of ``by``, as brms's
        ``matrix[M, Nby]`` column by column."""
        return self.stan("M") if self.by is None else f"{self.stan('M')} * {self.stan('Nby')}"

    @property
    def by_labels(self) -> tuple[str, ...]:
        """brms's suffixes of the names per level of ``by``: ``(":fa", ":fb")``, or ``("",)``."""
        return tuple(f":{self.by}{level}" for level in self.by_levels) or ("",)

    @property
    def own(self) -> slice:
        """The term's coefficients among the ID's."""
        return slice(self.first, self.first + len(self.coefs))

    def stan(self, name: str) -> str:
        """Stan name of a per-ID variable: ``stan("sd") == "sd_1"``."""
        return f"{name}_{self.id}"

    @property
    def student(self) -> bool:
        """Whether the effects are student-t distributed (``dist = "student"``)."""
        return self.dist == "student"

    def per_group(self, name: str) -> str:
        """Stan name of a per-grouping variable of student-t effects: ``df_1``, ``udf_1``."""
        return f"{name}_{self.ggn}"

    def _coef_stan(self, name: str) -> tuple[str, ...]:
        """Stan names of a per-coefficient variable over the ID: ``Z_1_1``, ``Z_1_sigma_2``."""
        return tuple(
            f"{name}_{self.id}{'' if dpar == 'mu' else '_' + dpar}_{k}"
            for k, (dpar, _) in enumerate(self.columns, start=1)
        )

    def index_data(self, nobs: str = "N") -> tuple[tuple[str, str, str], ...]:
        """Stan type, name and comment of the ID's level index data over ``nobs`` rows:
        ``J_id``."""
        return ((f"array[{nobs}] int<lower=1>", self.J_name, "grouping indicator per observation"),)

    @property
    def id_Z(self) -> tuple[str, ...]:
        """Stan names of the group-level predictor columns of the whole ID (none for its
        special terms)."""
        return tuple(z for k, z in enumerate(self._coef_stan("Z")) if k not in self.without_Z)

    @property
    def id_r(self) -> tuple[str, ...]:
        """Stan names of the effects of the whole ID, one vector per coefficient."""
        return self._coef_stan("r")

    @property
    def Z(self) -> tuple[str, ...]:
        """Stan names of the term's group-level predictor columns (none for its special
        terms)."""
        return self._coef_stan("Z")[self.own][: len(self.design.names)]

    @property
    def r(self) -> tuple[str, ...]:
        """Stan names of the term's actual group-level effects, one vector per coefficient."""
        return self.id_r[self.own]

    @property
    def id_coefs(self) -> tuple[str, ...]:
        """brms's labels of the ID's coefficients: ``Intercept``, ``sigma_Intercept``."""
        return tuple(c if dpar == "mu" else f"{dpar}_{c}" for dpar, c in self.columns)

    def standata(self) -> dict[str, object]:
        """The term's ``Z_id_k``; the owner adds ``N_id``, ``M_id`` and ``NC_id``, the
        declarer of its rows' level index ``J_id``."""
        out: dict[str, object] = {}
        if self.declares_rows:
            out[self.J_name] = self.J
        if self.owner:
            out |= {self.stan("N"): len(self.levels), self.stan("M"): self.M}
            if self.has_cor:
                out[self.stan("NC")] = self.M * (self.M - 1) // 2
            if self.Jby is not None:
                out[self.stan("Nby")] = self.Nby
                out[self.stan("Jby")] = self.Jby
            if self.Lcov is not None:
                out[self.stan("Lcov")] = self.Lcov
        for k, name in enumerate(self.Z):
            out[name] = self.design.matrix[:, k]
        return out

    @property
    def unit_Z(self) -> tuple[bool, ...]:
        """Per coefficient, whether its ``Z`` column is all ones (as for ``(1 | g)``), so
        that the likelihood adds the effect without multiplying by ``Z``."""
        return tuple(bool(np.all(column == 1.0)) for column in self.design.matrix.T)

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """Per coefficient of the design: the effects at each row's level, times ``Z`` unless
        all ones (the monotonic term adds the effects of special terms)."""
        J = StanArg(self.J_name, "array[] int", True)
        return tuple(
            EtaPart(
                "group",
                StanArg(r, "vector", False),
                J,
                None if unit else StanArg(z, "vector", True),
                size=self.stan("N"),
            )
            for r, z, unit in zip(self.r[: len(self.Z)], self.Z, self.unit_Z, strict=True)
        )

    def prior_rows(self, defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """``sd`` of the dpar, of the group and of each coefficient, and ``cor`` of the group."""
        d = dpar_label(self.dpar)
        rows = [PriorRow(None, "sd", "", self.group, d, lb=0.0, source="(vectorized)")]
        rows += [
            PriorRow(None, "sd", c, self.group, d, lb=0.0, source="(vectorized)")
            for c in self.coefs
        ]
        if self.has_cor and self.owner:
            rows.append(PriorRow(None, "cor", "", self.group, source="(vectorized)"))
        return (PriorRow(defaults.sd, "sd", dpar=d, lb=0.0), *rows)

    @classmethod
    def prior_rows_of(cls, terms: Sequence[Term], defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """brms's ``lkj_corr_cholesky(1)`` for all correlations first, then each term's rows."""
        rows = tuple(row for t in terms for row in t.prior_rows(defaults))
        groups = [t for t in terms if isinstance(t, GroupEffects)]
        # brms's gamma(2, 0.1) on the degrees of freedom of each student-t grouping, last
        rows += tuple(
            PriorRow(DEFAULT_DF_PRIOR, "df", group=group, lb=1.0)
            for group in dict.fromkeys(t.group for t in groups if t.student)
        )
        if any(t.has_cor for t in groups):
            return (PriorRow(Dist("lkj_corr_cholesky", (1,)), "cor"), *rows)
        return rows

    @classmethod
    def prior_kind(cls) -> type[Term]:
        """Every kind of grouping (``mm()`` too) lists its rows together, as brms."""
        return GroupEffects

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """The owner's ``df`` of a student-t grouping (if it declares it), ``sd_id``, by
        coefficient of the ID, and ``L_id``; none for the other terms of a shared ID."""
        if not self.owner:
            return ()
        # the degrees of freedom of student-t effects first, as brms's stan_re
        df: list[PriorTarget] = []
        if self.declares_df:
            chain = (("df", "", self.group, ""),)
            df.append(
                PriorTarget(self.per_group("df"), (chain,), scalar=True, label=f"df_{self.group}")
            )
        chains = (
            tuple(
                (("sd", c, self.group, d), ("sd", "", self.group, d), ("sd", "", "", d))
                for d, c in ((dpar_label(dpar), c) for dpar, c in self.columns)
            )
            * self.Nby
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
            cor = (("cor", "", self.group, ""), ("cor", "", "", ""))
            # with by, one Cholesky factor per level of by: L_id[j]
            factors = [f"{self.stan('L')}[{j}]" for j in range(1, self.Nby + 1)]
            out += [
                PriorTarget(L, (cor,), label=f"cor_{self.group}{suffix}", size=self.stan("M"))
                for L in (factors if self.by is not None else [self.stan("L")])
            ]
        return (*df, *out)

    def with_levels_of(self, data: pd.DataFrame) -> GroupEffects:
        """The term, built on some rows of ``data`` (a response with ``subset()``), on the
        levels of all rows of ``data`` where the grouping (and ``by``) is known, as brms:
        a level outside its rows keeps effects that only their prior informs.

        Raises
        ------
        SpecError
            If a level of the grouping has rows in two levels of ``by``.
        """
        known = data[[*self.factors, *([self.by] if self.by else [])]].notna().all(axis=1)
        rows = data.loc[known.to_numpy()]
        levels, index = group_levels(rows, self.factors)
        position = {level: k for k, level in enumerate(levels, start=1)}
        J = np.array([position[self.levels[j - 1]] for j in self.J], dtype=np.int64)
        by_levels, Jby = by_of_levels(rows, self.group, self.by, len(levels), index)
        return replace(self, levels=levels, J=J, by_levels=by_levels, Jby=Jby)

    def sliced_index(self) -> StanArg | None:
        """The level index ``J``, an integer array over rows."""
        return StanArg(self.J_name, "array[] int", True)

    def functions(self) -> tuple[str, ...]:
        """``scale_r_cor`` for correlated effects (``scale_r_cor_by`` with ``by``,
        ``scale_r_cor_cov`` with a known covariance)."""
        if not self.has_cor:
            return ()
        if self.cov is not None:
            return ("scale_r_cor_cov.stan",)
        return ("scale_r_cor.stan",) if self.by is None else ("scale_r_cor_by.stan",)

    def par_names(self) -> tuple[ParName, ...]:
        """``sd_g__x``, ``cor_g__x__y`` and ``r_g[level,x]`` (``r_g__sigma[...]`` for dpars).

        ``sd`` and ``cor`` are rows of the summary's group-level effects of ``g``,
        named by the owner of the ID over all its coefficients (``sd_g__sigma_x``
        for those of ``sigma``); ``r`` elements form the ArviZ array ``r_g`` with
        dims ``g`` and ``r_g_coef``.
        """
        coefs = self.id_coefs
        section = Section(GROUP_LEVEL, 0, f"~{self.group} (Number of levels: {len(self.levels)})")
        out = []
        if self.declares_df:
            df = self.per_group("df")
            out.append(ParName(df, (), f"df_{self.group}", "df", section=section, label="df"))
        if self.owner:
            dpars = [dpar for dpar, _ in self.columns] * self.Nby
            labels = [f"{c}{by}" for by in self.by_labels for c in coefs]
            out += [
                ParName(
                    self.stan("sd"), (k,), f"sd_{self.group}__{c}", "sd", dpar, section, f"sd({c})"
                )
                for k, (dpar, c) in enumerate(zip(dpars, labels, strict=True), start=1)
            ]
        if self.owner and self.has_cor:
            pairs = [(i, j) for j in range(self.M) for i in range(j)]
            for b, by in enumerate(self.by_labels, start=1):
                named = [f"{c}{by}" for c in coefs]
                out += [
                    ParName(
                        self.stan("cor"),
                        (b, n) if self.by is not None else (n,),
                        f"cor_{self.group}__{named[i]}__{named[j]}",
                        "cor",
                        section=section,
                        label=f"cor({named[i]},{named[j]})",
                    )
                    for n, (i, j) in enumerate(pairs, start=1)
                ]
        r_group = self.group if self.dpar == "mu" else f"{self.group}__{self.dpar}"
        array = f"r_{r_group}"
        for r, c in zip(self.r, self.coefs, strict=True):
            out += [
                ParName(
                    r,
                    (j,),
                    f"{array}[{level},{c}]",
                    "r",
                    self.dpar,
                    array=array,
                    dims=((self.group, level), (f"{array}_coef", c)),
                )
                for j, level in enumerate(self.levels, start=1)
            ]
        return tuple(out)

    def rows(self, request: RowRequest) -> GroupRows | None:
        """Design and level of each row; None when ``request.group_coefs`` leaves the
        term out, and its effects left out multiplied by 0."""
        keep = None
        if request.group_coefs is not None:
            keep = request.group_coefs.get(self.group, frozenset())
            if not keep & set(self.coefs):
                return None
        if request.newdata is None:
            Z = self._with_special(self.design.matrix, None)
            rows = GroupRows(
                self._weighted_Z(Z, self.weights), self.index, (), special=self._codes()
            )
        else:
            rows = self._new_rows(request)
        if keep is None:
            return rows
        mask = np.array([c in keep for c in self.coefs], dtype=float)
        return replace(rows, Z=rows.Z * mask)

    @property
    def index(self) -> np.ndarray:
        """0-based level of each row, one row per member of the grouping: ``(K, N)``."""
        return np.atleast_2d(self.J - 1)

    @property
    def weights(self) -> np.ndarray:
        """Weight of each member of the grouping in each row, ``(K, N)``: ones here."""
        return np.ones((1, len(self.J)))

    @staticmethod
    def _weighted_Z(Z: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The design ``(N, M)`` times each member's weights ``(K, N)``: ``(K, N, M)``."""
        return weights[:, :, np.newaxis] * Z[np.newaxis]

    def _members(self, data: pd.DataFrame) -> tuple[tuple[tuple[str, ...], np.ndarray], ...]:
        """Level labels and 1-based level of each row of ``data``, per member of the
        grouping: one member, the combination of ``factors``."""
        return (group_levels(data, self.factors),)

    def _new_weights(self, data: pd.DataFrame) -> np.ndarray:
        """Weights ``(K, N)`` of the members in the rows of ``data``: ones here."""
        return np.ones((1, len(data)))

    def _new_rows(self, request: RowRequest) -> GroupRows:
        newdata = request.newdata
        assert newdata is not None  # rows() reads the fitted rows otherwise
        check_columns(newdata, self.factors)
        missing = newdata[list(self.factors)].isna().any(axis=1).to_numpy()
        if missing.any():
            row = newdata.index[int(np.flatnonzero(missing)[0])]
            raise SpecError(f"newdata row {row!r} has a missing value in grouping {self.group!r}.")
        members = self._members(newdata)
        fitted = {level: k for k, level in enumerate(self.levels)}
        new_levels = tuple(
            dict.fromkeys(level for labels, _ in members for level in labels if level not in fitted)
        )
        if new_levels and self.cov is not None:
            raise SpecError(
                f"Level(s) {', '.join(map(repr, new_levels[:5]))} of group {self.group!r} are "
                f"not in the fitted data; new levels of a grouping with a known covariance "
                f"(cov = {self.cov}) are not supported yet."
            )
        if new_levels and not request.allow_new_levels:
            shown = ", ".join(repr(level) for level in new_levels[:5])
            more = f" and {len(new_levels) - 5} more" if len(new_levels) > 5 else ""
            raise SpecError(
                f"Level(s) {shown}{more} of group {self.group!r} are not in the fitted data. "
                "Use allow_new_levels=True to draw their effects (see sample_new_levels)."
            )
        position = {**fitted, **{level: len(self.levels) + k for k, level in enumerate(new_levels)}}
        index = np.stack(
            [
                np.array([position[level] for level in labels], dtype=np.int64)[codes - 1]
                for labels, codes in members
            ]
        )
        Z = self._with_special(self.design.columns(self.design.names, newdata), newdata)
        Z = self._weighted_Z(Z, self._new_weights(newdata))
        new_by = None
        if new_levels:
            new_by = self._new_level_by(newdata, *members[0], new_levels)
        return GroupRows(
            Z,
            index,
            new_levels,
            request.sample_new_levels,
            request.new_level_seed,
            new_by,
            self._codes(newdata),
        )

    def _with_special(self, Z: np.ndarray, newdata: pd.DataFrame | None) -> np.ndarray:
        """The design ``Z`` with a column per special term: its covariate product, which
        :meth:`eta` multiplies by its monotonic transform."""
        columns = [s.rows(newdata)[1] for s in self.special]
        return np.column_stack([Z, *columns]) if columns else Z

    def _codes(self, newdata: pd.DataFrame | None = None) -> tuple[tuple[np.ndarray, ...], ...]:
        """The codes of each special term's ``mo()`` calls in the rows."""
        return tuple(s.rows(newdata)[0] for s in self.special)

    def _new_level_by(
        self,
        newdata: pd.DataFrame,
        labels: tuple[str, ...],
        index: np.ndarray,
        new_levels: tuple[str, ...],
    ) -> np.ndarray | None:
        """0-based level of ``by`` of each new level, read from ``newdata`` (None without
        ``by``): a new level of the grouping lies within a fitted level of ``by``."""
        if self.by is None:
            return None
        check_columns(newdata, (self.by,))
        known = {level: k for k, level in enumerate(self.by_levels)}
        found: dict[str, int] = {}
        for label, value in zip(
            (labels[k - 1] for k in index), newdata[self.by].astype(str), strict=True
        ):
            if label not in new_levels:
                continue
            if value not in known:
                raise SpecError(
                    f"New level {label!r} of group {self.group!r} has {self.by} = {value!r}, "
                    f"which is not a level of the fitted 'by' variable {self.by!r}: "
                    f"{', '.join(map(repr, self.by_levels))}."
                )
            if found.setdefault(label, known[value]) != known[value]:
                raise SpecError(
                    f"New level {label!r} of group {self.group!r} has rows in two levels "
                    f"of {self.by!r}; each level of the grouping needs one."
                )
        return np.array([found[level] for level in new_levels], dtype=np.int64)

    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """``sum_k r_k[level] * Z_k``; effects of new levels are drawn as
        ``rows.sample_new_levels`` says (brms's ``sample_new_levels``)."""
        assert isinstance(rows, GroupRows)
        r = np.stack([draws_of(variables, name) for name in self.r], axis=-1)
        if rows.new_levels:
            if rows.sample_new_levels == "gaussian":
                new = self._gaussian_effects(variables, rows)
            else:
                new = self._existing_level_effects(r, rows)
            r = np.concatenate([r, new], axis=1)
        Z = rows.Z
        if self.special:  # the Z of a special term is its transform, a function of draws
            Zs = np.broadcast_to(Z, (r.shape[0], *Z.shape)).copy()
            found = zip(self.special, rows.special, strict=True)
            for m, (s, codes) in enumerate(found, start=len(self.design.names)):
                Zs[..., m] *= s.transform(codes, variables)[:, np.newaxis, :]
            return np.einsum("sknm,sknm->sn", r[:, rows.index, :], Zs)
        return np.einsum("sknm,knm->sn", r[:, rows.index, :], Z)

    def _existing_level_effects(self, r: np.ndarray, rows: GroupRows) -> np.ndarray:
        """Effects ``(S, n_new, M)`` of unseen levels taken from existing levels' draws ``r``:
        a level picked per draw (``"uncertainty"``) or one level for all draws
        (``"old_levels"``), the same picks for every term on the grouping."""
        S, n_levels = r.shape[:2]
        size = S if rows.sample_new_levels == "uncertainty" else 1
        # with by, a new level takes the effects of fitted levels of its own by level
        candidates = [
            np.arange(n_levels) if rows.new_by is None else np.flatnonzero(self.Jby == b + 1)
            for b in (rows.new_by if rows.new_by is not None else [0] * len(rows.new_levels))
        ]
        picks = np.stack(
            [
                np.broadcast_to(
                    among[self._picks(rows.seed, level).integers(len(among), size=size)], S
                )
                for level, among in zip(rows.new_levels, candidates, strict=True)
            ],
            axis=1,
        )
        return np.take_along_axis(r, picks[:, :, np.newaxis], axis=1)

    def _picks(self, seed: int, level: str) -> np.random.Generator:
        """The generator of a new level's picks: one per grouping and level, so that all
        terms on the grouping pick alike (a stable checksum, not ``hash``, keeps a seed
        reproducible across processes)."""
        keys = (zlib.crc32(self.group.encode()), zlib.crc32(str(level).encode()))
        return np.random.default_rng((seed, *keys))

    def _gaussian_effects(self, variables: Variables, rows: GroupRows) -> np.ndarray:
        """The term's effects ``(S, n_new, own)`` of unseen levels: its columns of
        ``diag(sd) L z`` over the ID, with ``z ~ N(0, I)`` drawn per ID and level from
        ``rows.seed``, so that the terms of a shared ID draw one correlated vector."""
        # sd per level of by (one without by): (S, Nby, M), as Stan's column-major matrix
        sd = draws_of(variables, self.stan("sd"))
        S = sd.shape[0]
        sd = sd.reshape(S, self.Nby, self.M)
        if self.has_cor:
            cholesky = draws_of(variables, self.stan("L")).reshape(S, self.Nby, self.M, self.M)
        else:
            cholesky = np.broadcast_to(np.eye(self.M), (S, self.Nby, self.M, self.M))
        by = np.zeros(len(rows.new_levels), dtype=np.int64) if rows.new_by is None else rows.new_by
        keys = (self.id, *(zlib.crc32(str(level).encode()) for level in rows.new_levels))
        z = np.random.default_rng((rows.seed, *keys)).standard_normal(
            (S, len(rows.new_levels), self.M)
        )
        scaled = sd[:, by, :, np.newaxis] * cholesky[:, by]
        effects = np.einsum("slij,slj->sli", scaled, z)
        if self.student:  # brms's scale mixture: times sqrt(df * udf), udf ~ inv_chi_square(df)
            df = draws_of(variables, self.per_group("df"))[:, np.newaxis]
            udf = 1.0 / np.random.default_rng((rows.seed, *keys, 1)).chisquare(df, z.shape[:2])
            effects *= np.sqrt(df * udf)[:, :, np.newaxis]
        return effects[:, :, self.own]


def by_of_levels(
    data: pd.DataFrame, group: str, by: str | None, n_levels: int, J: np.ndarray
) -> tuple[tuple[str, ...], np.ndarray | None]:
    """The levels of ``gr(group, by = by)``'s ``by`` and the 1-based level of ``by`` of each
    level of the grouping (``((), None)`` without ``by``).

    Raises
    ------
    SpecError
        If a level of the grouping has rows in two levels of ``by`` (brms's "Some levels
        of g correspond to multiple levels of f").
    """
    if by is None:
        return (), None
    check_columns(data, (by,))
    by_levels, by_index = group_levels(data, (by,))
    Jby = np.zeros(n_levels, dtype=np.int64)
    for level, b in zip(J - 1, by_index, strict=True):
        if Jby[level] not in (0, b):
            raise SpecError(
                f"Some levels of {group!r} correspond to multiple levels of "
                f"{by!r} in gr({group}, by = {by}): each level of the "
                f"grouping needs one level of {by!r}, "
                f"got {by_levels[Jby[level] - 1]!r} and {by_levels[b - 1]!r} in one level."
            )
        Jby[level] = b
    return by_levels, Jby


@dataclass(frozen=True, eq=False)
class GroupRows:
    """The rows of one group-level term, for predictions.

    Attributes
    ----------
    Z
        Group-level design per member of the grouping, times the member's weights
        ``(K, N, M)``, columns in the order of the term's ``coefs`` (``K = 1`` but
        for multi-membership groupings).
    index
        0-based level of every row per member ``(K, N)``: fitted levels first, then
        ``new_levels``.
    new_levels
        Labels not seen in the fit, in the order of their indices.
    sample_new_levels, seed
        How their effects are drawn, and the seed of the existing levels they take
        (:class:`~pybrms.spec.terms.base.RowRequest`).
    new_by
        0-based level of ``by`` of each new level (``gr(g, by = f)``), else None.
    special
        The codes of the ``mo()`` calls of each special term of the grouping.
    """

    Z: np.ndarray
    index: np.ndarray
    new_levels: tuple[str, ...]
    sample_new_levels: SampleNewLevels = "uncertainty"
    seed: int = 0
    new_by: np.ndarray | None = None
    special: tuple[tuple[np.ndarray, ...], ...] = ()
