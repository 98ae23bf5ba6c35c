"""Smooth terms: ``y ~ s(x)``, ``s(x, z)``, ``t2(x, z)``, brms's splines through mgcv.

Each smooth is brms's mixed-model form of mgcv's basis
(:mod:`~pybrms.spec.terms.smooth_bases`): unpenalized columns ``Xs`` with
population-level coefficients ``bs`` and, per penalty, columns ``Zs_i_j`` with
coefficients ``s_i_j = sds_i[j] * zs_i_j``, ``zs_i_j ~ std_normal()``. A factor
``by`` gives one smooth per level. Stan code, data and names are brms's
(``R/stan-predictor.R`` ``stan_sm``, ``R/data-predictor.R`` ``data_sm``,
``R/rename_pars.R`` ``rename_sm``, ``R/priors.R`` ``prior_sm``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, cast

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.formula.smooths import SmoothCall
from pybrms.spec.default_priors import PriorRow, PriorTarget
from pybrms.spec.frame import check_columns, row_label
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
from pybrms.spec.terms.smooth_bases import (
    Basis,
    CubicRegression,
    Cyclic,
    MixedSmooth,
    TensorT2,
    ThinPlate,
    mixed_smooth,
)

__all__ = ["Knots", "Smooth", "SmoothTerms", "check_knots"]

Knots = Mapping[str, Sequence[float]]
"""User knots of smooths by variable, brms's ``knots = list(x = c(...))``."""

SPLINES = Section("Smoothing Spline Hyperparameters", -3)

#: The bases of one covariate that take knots, by mgcv's name.
_CUBIC: dict[str, type[CubicRegression] | type[Cyclic]] = {"cr": CubicRegression, "cc": Cyclic}


@dataclass(frozen=True, eq=False)
class Smooth:
    """One smooth of brms's ``smframe``: a term, or one level of its factor ``by``.

    Attributes
    ----------
    call
        The term as written.
    mixed
        The basis in brms's mixed-model form.
    level
        The level of a factor ``by`` this smooth is for, else None.
    levels
        All levels of a factor ``by`` (to check new data), else None.
    """

    call: SmoothCall
    mixed: MixedSmooth
    level: str | None = None
    levels: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        """brms's label: ``sx``, ``t2xz``, ``sxfa`` for level ``a`` of ``by = f``."""
        return self.call.label + (rename(self.level) if self.level is not None else "")

    @property
    def mgcv_label(self) -> str:
        """mgcv's label, which names the ``Xs`` columns: ``s(x)``, ``s(x):fa``."""
        base = f"{self.call.fun}({','.join(self.call.covariates)})"
        if self.call.by is None:
            return base
        return f"{base}:{self.call.by}{self.level if self.level is not None else ''}"

    def matrices(self, data: pd.DataFrame) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """``Xs`` and the ``Zs`` blocks of ``data``'s rows."""
        x = _covariates(self.call, data)
        by = None
        if self.call.by is not None:
            raw = data[self.call.by]
            if self.level is None:
                by = _numeric(raw, self.call, self.call.by)
            else:
                by = (raw.astype(str) == self.level).to_numpy(dtype=float)
        return self.mixed.matrices(x, by)


def _numeric(column: pd.Series, call: SmoothCall, name: str) -> np.ndarray:
    try:
        values = np.asarray(column, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(
            f"{call.term} needs numbers in column {name!r}; got values such as {column.iloc[0]!r}."
        ) from None
    bad = ~np.isfinite(values)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise SpecError(
            f"{call.term}: {row_label(column.index, pos)} has {values[pos]} in {name!r}; "
            "a smooth needs finite numbers."
        )
    return values


def _covariates(call: SmoothCall, data: pd.DataFrame) -> np.ndarray:
    check_columns(data, call.covariates)
    return np.column_stack([_numeric(data[c], call, c) for c in call.covariates])


def _basis(call: SmoothCall, x: np.ndarray, knots: Knots) -> Basis:
    """mgcv's basis of ``call`` at covariate rows ``x``, with the ``knots`` given for its
    covariates."""
    given = [c for c in call.covariates if c in knots]
    if given and call.basis == "tp":
        raise SpecError(
            f"knots for {', '.join(map(repr, given))} of the thin plate smooth {call.term} are "
            'not supported yet; knots are for bs = "cr" and "cc".'
        )
    if call.fun == "s" and call.basis == "tp":
        return ThinPlate.fit(x, call.k, call.term, call.m)
    if call.fun == "s":
        return _CUBIC[call.basis].fit(x, call.k, call.term, _knots_of(knots, call.covariates[0]))
    k = 5 if call.k is None else call.k  # mgcv's t2: 5 per margin
    margins: list[tuple[Basis, tuple[int, ...]]] = [
        (
            ThinPlate.fit(x[:, [i]], k, call.term)
            if call.basis == "tp"
            else _CUBIC[call.basis].fit(x[:, [i]], k, call.term, _knots_of(knots, c)),
            (i,),
        )
        for i, c in enumerate(call.covariates)
    ]
    return TensorT2.fit(x, margins)


def _knots_of(knots: Knots, covariate: str) -> np.ndarray | None:
    return None if covariate not in knots else np.asarray(knots[covariate])


def check_knots(knots: Knots | None, calls: Sequence[SmoothCall]) -> dict[str, Sequence[float]]:
    """The user's ``knots`` as a dict, checked: a mapping whose variables the smooths use
    (mgcv would ignore the others).

    Raises
    ------
    SpecError
        For knots that are not a mapping, or name a variable no smooth uses; the message
        names the variable and the smooths' variables.
    """
    if knots is None:
        return {}
    if not isinstance(knots, Mapping):
        raise SpecError(
            f"knots must map variables to knot values, e.g. {{'x': [0, 1, 2, 3, 4]}}; got "
            f"{type(knots).__name__}."
        )
    used = {c for call in calls for c in call.covariates}
    unused = [name for name in knots if name not in used]
    if unused:
        raise SpecError(
            f"knots are given for {', '.join(map(repr, unused))}, which no smooth of the "
            f"model uses; the smooths' variables: {', '.join(sorted(used)) or 'none'}."
        )
    return dict(knots)


def _smooths(call: SmoothCall, data: pd.DataFrame, knots: Knots) -> list[Smooth]:
    """The smooths of one term: one, or one per level of a factor ``by`` (all levels
    of an unordered factor, all but the first of an ordered one, as mgcv)."""
    x = _covariates(call, data)
    basis = _basis(call, x, knots)
    if call.by is None:
        return [Smooth(call, mixed_smooth(basis, x, fixed=call.fx))]
    check_columns(data, [call.by])
    raw = data[call.by]
    if pd.api.types.is_numeric_dtype(raw) and not isinstance(raw.dtype, pd.CategoricalDtype):
        by = _numeric(raw, call, call.by)
        constant = by.std(ddof=1) <= abs(by.mean()) * np.finfo(float).eps * 1000
        mixed = mixed_smooth(basis, x, constrain=constant, weight=by, fixed=call.fx)
        return [Smooth(call, mixed)]
    categorical = pd.Categorical(raw)
    levels = tuple(str(c) for c in categorical.categories)
    used = levels[1:] if categorical.ordered and len(levels) > 1 else levels
    values = raw.astype(str).to_numpy()
    first = (values == used[0]).astype(float)
    mixed = mixed_smooth(basis, x, weight=first, fixed=call.fx)
    return [Smooth(call, mixed, level, levels) for level in used]


@dataclass(frozen=True, eq=False)
class SmoothTerms(Term):
    """The smooth terms of one linear predictor, brms's ``sm`` terms.

    Stan data ``Ks``, ``Xs``, ``nb_i``, ``knots_i`` and ``Zs_i_j``; parameters
    ``bs``, ``zs_i_j`` and ``sds_i``; ``s_i_j = sds_i[j] * zs_i_j``. Output names
    ``bs_sx_1``, ``sds_sx_1``, ``s_sx_1[k]`` (``_sigma`` infixes for a dpar).

    Attributes
    ----------
    dpar
        The linear predictor the smooths belong to.
    smooths
        brms's smooths in order (a factor ``by`` expanded to its levels).
    Xs
        The unpenalized columns of all smooths, ``(N, Ks)``.
    Zs
        Per smooth, its penalized blocks.
    """

    template: ClassVar[str] = "terms/smooth.stan.j2"

    dpar: str
    smooths: tuple[Smooth, ...]
    Xs: np.ndarray
    Zs: tuple[tuple[np.ndarray, ...], ...]

    @classmethod
    def from_data(
        cls,
        dpar: str,
        calls: tuple[SmoothCall, ...],
        data: pd.DataFrame,
        knots: Knots | None = None,
    ) -> SmoothTerms:
        """The smooths ``calls`` of predictor ``dpar``, built from ``data`` (with the
        ``knots`` given by variable, as mgcv's ``knots``)."""
        smooths = tuple(s for call in calls for s in _smooths(call, data, knots or {}))
        Xs, Zs = _stack([s.matrices(data) for s in smooths], len(data))
        return cls(dpar, smooths, Xs, Zs)

    # --- names ---------------------------------------------------------------

    @property
    def suffix(self) -> str:
        """``""`` or ``"_sigma"``."""
        return "" if self.dpar == "mu" else f"_{self.dpar}"

    @property
    def infix(self) -> str:
        """The dpar part of output names: ``""`` or ``"sigma_"``."""
        return "" if self.dpar == "mu" else f"{self.dpar}_"

    def stan(self, name: str, *index: int) -> str:
        """Stan name: ``stan("Zs", 1, 2) == "Zs_sigma_1_2"`` for sigma's smooths."""
        return "_".join((f"{name}{self.suffix}", *map(str, index)))

    @property
    def Xs_names(self) -> tuple[str, ...]:
        """brms's names of the ``Xs`` columns (``sx_1``)."""
        return tuple(
            rename(f"{s.mgcv_label}_{c}")
            for s in self.smooths
            for c in range(1, s.mixed.n_fixed + 1)
        )

    @property
    def numbered(self) -> tuple[tuple[int, Smooth], ...]:
        """The smooths with penalized blocks, numbered 1, 2, ... as brms's ``i``."""
        return tuple((i, s) for i, s in enumerate(self.smooths, 1) if s.mixed.blocks)

    # --- Stan program --------------------------------------------------------

    def standata(self) -> dict[str, object]:
        """``Ks``, ``Xs``, and per smooth ``nb_i``, ``knots_i`` and ``Zs_i_j``."""
        out: dict[str, object] = {}
        if self.Xs.shape[1]:
            out[self.stan("Ks")] = self.Xs.shape[1]
            out[self.stan("Xs")] = self.Xs
        for i, s in self.numbered:
            out[self.stan("nb", i)] = len(s.mixed.blocks)
            out[self.stan("knots", i)] = np.array(s.mixed.blocks, dtype=np.int64)
            for j, Z in enumerate(self.Zs[i - 1], 1):
                out[self.stan("Zs", i, j)] = Z
        return out

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """``Xs * bs`` and ``Zs_i_j * s_i_j``."""
        out = []
        if self.Xs.shape[1]:
            bs = StanArg(self.stan("bs"), "vector", False)
            out.append(EtaPart("design", bs, StanArg(self.stan("Xs"), "matrix", True)))
        for i, s in self.numbered:
            for j in range(1, len(s.mixed.blocks) + 1):
                value = StanArg(self.stan("s", i, j), "vector", False)
                data = StanArg(self.stan("Zs", i, j), "matrix", True)
                out.append(EtaPart("design", value, data))
        return tuple(out)

    # --- priors and names ----------------------------------------------------

    def prior_rows(self, defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """``b`` with a row per ``Xs`` column, then ``sds`` and a row per term."""
        d = dpar_label(self.dpar)
        rows = []
        if self.Xs_names:
            rows.append(PriorRow(None, "b", dpar=d))
            rows += [PriorRow(None, "b", c, dpar=d, source="(vectorized)") for c in self.Xs_names]
        rows.append(PriorRow(defaults.sd, "sds", dpar=d, lb=0.0))
        terms = dict.fromkeys(s.call.term for s in self.smooths)
        rows += [PriorRow(None, "sds", t, dpar=d, lb=0.0, source="(vectorized)") for t in terms]
        return tuple(rows)

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """``bs`` by column, then each ``sds_i``."""
        d = dpar_label(self.dpar)
        out = []
        if self.Xs_names:
            chains = tuple((("b", c, "", d), ("b", "", "", d)) for c in self.Xs_names)
            labels = tuple(f"bs_{self.infix}{c}" for c in self.Xs_names)
            out.append(PriorTarget(self.stan("bs"), chains, element_labels=labels))
        for i, s in self.numbered:
            chain = (("sds", s.call.term, "", d), ("sds", "", "", d))
            out.append(
                PriorTarget(
                    self.stan("sds", i),
                    (chain,) * len(s.mixed.blocks),
                    label=f"sds_{self.infix}{s.label}",
                )
            )
        return tuple(out)

    def par_names(self) -> tuple[ParName, ...]:
        """``bs_sx_1`` (population-level), ``sds_sx_1`` (splines) and ``s_sx_1[k]``."""
        out = [
            ParName(self.stan("bs"), (k,), f"bs_{self.infix}{c}", "bs", self.dpar,
                    POPULATION_LEVEL, f"{self.infix}{c}")
            for k, c in enumerate(self.Xs_names, 1)
        ]  # fmt: skip
        for i, s in self.numbered:
            for j, size in enumerate(s.mixed.blocks, 1):
                name = f"sds_{self.infix}{s.label}_{j}"
                label = f"sds({name.removeprefix('sds_')})"
                out.append(
                    ParName(self.stan("sds", i), (j,), name, "sds", self.dpar, SPLINES, label)
                )
                array = f"s_{self.infix}{s.label}_{j}"
                out += [
                    ParName(self.stan("s", i, j), (k,), f"{array}[{k}]", "s", self.dpar,
                            None, "", array, ((f"{array}_dim_0", str(k)),))
                    for k in range(1, size + 1)
                ]  # fmt: skip
        return tuple(out)

    # --- post-processing -----------------------------------------------------

    def rows(self, request: RowRequest) -> tuple[np.ndarray, tuple[tuple[np.ndarray, ...], ...]]:
        """``Xs`` and the ``Zs`` blocks of the fitted rows or of ``newdata``, on the
        basis of the fit."""
        if request.newdata is None:
            return self.Xs, self.Zs
        new = request.newdata
        for s in self.smooths:
            if s.levels is None or s.call.by is None:
                continue
            check_columns(new, [s.call.by])
            column = new[s.call.by].astype(str)
            unknown = ~column.isin(s.levels).to_numpy()
            if unknown.any():
                pos = int(np.flatnonzero(unknown)[0])
                raise SpecError(
                    f"newdata {row_label(new.index, pos)} has {column.iloc[pos]!r} in "
                    f"{s.call.by!r}, the by variable of {s.call.term}, which is not a level "
                    f"of the fit ({', '.join(map(repr, s.levels))})."
                )
        return _stack([s.matrices(new) for s in self.smooths], len(new))

    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """``bs Xs' + sum s_i_j Zs_i_j'`` over draws."""
        Xs, Zs = cast(tuple[np.ndarray, tuple[tuple[np.ndarray, ...], ...]], rows)
        out = np.zeros((1, 1))
        if Xs.shape[1]:
            out = out + draws_of(variables, self.stan("bs")) @ Xs.T
        for i, s in self.numbered:
            for j in range(1, len(s.mixed.blocks) + 1):
                out = out + draws_of(variables, self.stan("s", i, j)) @ Zs[i - 1][j - 1].T
        return out

    def effects(self) -> tuple[tuple[str, ...], ...]:
        """Each term's covariates and ``by`` variable (brms's ``get_all_effects``)."""
        found = ((*s.call.covariates, *([s.call.by] if s.call.by else [])) for s in self.smooths)
        return tuple(dict.fromkeys(found))


def _stack(
    parts: list[tuple[np.ndarray, tuple[np.ndarray, ...]]], n: int
) -> tuple[np.ndarray, tuple[tuple[np.ndarray, ...], ...]]:
    """All smooths' ``Xs`` side by side, and each smooth's ``Zs`` blocks."""
    Xs = np.hstack([np.zeros((n, 0)), *(X for X, _ in parts)])
    return Xs, tuple(Z for _, Z in parts)
