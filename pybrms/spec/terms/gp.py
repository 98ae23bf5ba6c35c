"""Gaussian process terms: ``y ~ gp(x)``, ``gp(x1, x2)``, approximate ``gp(x, k = 10)``.

One term per ``gp()`` of a linear predictor, numbered ``i`` in the predictor as
in brms: Stan data ``Dgp_i``, ``Kgp_i`` (1), ``Nsubgp_i`` latent points (the
distinct covariate values with brms's default ``gr = TRUE``, else every row),
their index ``Jgp_i`` per row, the scaled covariates ``Xgp_i`` (exact GP) or the
basis ``Xgp_i`` and square-root eigenvalues ``slambda_i`` of the Hilbert space
approximation (``NBgp_i = k^D`` basis functions); a numeric ``by`` multiplies
the GP (``Cgp_i``). Parameters ``sdgp_i``, ``lscale_i`` and ``zgp_i`` are named
``sdgp_gpx``, ``lscale_gpx`` and ``zgp_gpx[j]`` (brms's ``R/stan-predictor.R``
``stan_gp``, ``R/data-predictor.R`` ``data_gp``, ``R/rename_pars.R``).
Covariates are divided by the largest distance between two points, so that it
is 1 (brms's ``scale = TRUE``).

A factor ``by`` gives one latent GP per level ``j`` (``Kgp_i`` of them), each of its
level's rows alone as in brms: its own points ``Xgp_i_j`` (scaled by its own largest
distance), ``zgp_i_j``, ``sdgp_i[j]``, lengthscales and default lengthscale priors,
named ``sdgp_gpxfa`` for level ``a`` of ``f``. brms passes each GP only its level's
rows (``Igp_i_j``); pybrms passes every row with the level's 0/1 indicator as the
weight ``Cgp_i_j`` (and point 1 on other rows), so that the linear predictor is
the same and the threaded program slices it like any other term. ``lscale_i`` is one
vector, level by level (brms: an array of vectors).

The model block computes the GP at the latent points once, before the
likelihood (and outside ``partial_log_lik`` in the threaded program), as brms.
Predictions for new data use the basis at the new points (approximate GP) or a
draw from the GP's conditional normal given its fitted values (exact GP).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from pybrms.errors import DataError, SpecError
from pybrms.formula.gp import GpCall
from pybrms.priors import Dist
from pybrms.spec.default_priors import PriorRow, PriorTarget
from pybrms.spec.frame import check_columns, evaluate, row_label
from pybrms.spec.names import ParName, Section, rename
from pybrms.spec.terms.base import (
    EtaPart,
    ModelLocal,
    PriorDefaults,
    RowRequest,
    StanArg,
    Term,
    Variables,
    dpar_label,
    draws_of,
)
from pybrms.spec.terms.gp_math import (
    basis_functions,
    boundary,
    conditional_draws,
    exact_gp,
    lscale_prior,
    max_distance,
    spd_exp_quad,
)

__all__ = ["GaussianProcess", "GpRows", "SubGp"]

#: brms's summary section of GP hyperparameters (printed before group-level effects).
GP_SECTION = Section("Gaussian Process Terms", -2)


@dataclass(frozen=True, eq=False)
class SubGp:
    """One latent GP of a term: the term's only GP, or the GP of one level of a factor ``by``.

    Attributes
    ----------
    points
        Scaled covariates of the latent points ``(Nsubgp, D)`` (brms's ``Xgp_prior``).
    J
        1-based latent point of every row (1 for rows of other levels of a factor ``by``).
    dmax
        The scale the covariates were divided by (1 with ``scale = FALSE``).
    cmeans
        Column means of ``points``: the approximate GP's basis is centered there.
    weights
        Per row, the numeric ``by`` variable or the 0/1 indicator of the level of a
        factor ``by``; None when the GP applies to every row as is.
    lscale_priors
        brms's default lengthscale prior, one per lengthscale.
    """

    points: np.ndarray
    J: np.ndarray
    dmax: float
    cmeans: np.ndarray
    weights: np.ndarray | None
    lscale_priors: tuple[Dist, ...]


@dataclass(frozen=True, eq=False)
class GpRows:
    """The rows of one latent GP of a term, for predictions.

    Attributes
    ----------
    index
        0-based point of each row: the fitted latent points first, then ``new``.
    new
        Scaled covariates of the points of new data that are not fitted latent points
        ``(n_new, D)``.
    weights
        The weight of each row (see :attr:`SubGp.weights`), or None.
    """

    index: np.ndarray
    new: np.ndarray
    weights: np.ndarray | None


@dataclass(frozen=True, eq=False)
class GaussianProcess(Term):
    """One ``gp()`` of one linear predictor (see the module docstring).

    Attributes
    ----------
    dpar
        The linear predictor the term belongs to.
    number
        brms's number of the term in its predictor (1, 2, ...).
    call
        The term as written.
    subs
        Its latent GPs: one, or one per level of a factor ``by``.
    levels
        The levels of a factor ``by`` (one per entry of ``subs``), else empty.
    """

    template: ClassVar[str] = "terms/gp.stan.j2"

    dpar: str
    number: int
    call: GpCall
    subs: tuple[SubGp, ...]
    levels: tuple[str, ...] = ()

    # --- construction -------------------------------------------------------

    @classmethod
    def from_data(cls, dpar: str, number: int, call: GpCall, data: pd.DataFrame) -> GaussianProcess:
        """The term ``call`` of predictor ``dpar`` from the fitted data.

        Raises
        ------
        SpecError
            For a covariate that is not numeric, a ``by`` that is neither numeric nor
            a factor, ``cmc = FALSE`` with a factor ``by``, or covariates without two
            distinct points (within each level of a factor ``by``).
        """
        X = _covariates(call, data, "")
        if call.by is None:
            return cls(dpar, number, call, (_sub_gp(call, X, None, ""),))
        by = _by_variable(call, data)
        if by.dtype.kind == "f":
            return cls(dpar, number, call, (_sub_gp(call, X, by.to_numpy(), ""),))
        if not call.cmc:
            raise SpecError(
                f"{call.text}: cmc = FALSE (a GP of the first level plus differences) "
                "is not supported yet; leave cmc = TRUE for one GP per level of "
                f"{call.by!r}."
            )
        levels = tuple(str(v) for v in _levels(by))
        subs = []
        for level in levels:
            indicator = (by.astype(str) == level).to_numpy(dtype=float)
            subs.append(_sub_gp(call, X, indicator, f" in level {level!r} of {call.by!r}"))
        return cls(dpar, number, call, tuple(subs), levels)

    # --- names --------------------------------------------------------------

    @property
    def label(self) -> str:
        """brms's label of the term: ``gpx``, ``gpx1x2``, ``gpxz`` for ``gp(x, by = z)``."""
        by = rename(self.call.by) if self.call.by else ""
        return f"gp{rename(''.join(self.call.written))}{by}"

    @property
    def sd_coefs(self) -> tuple[str, ...]:
        """brms's coefficient of each ``sdgp``: the label, with the level of a factor ``by``."""
        if not self.levels:
            return (self.label,)
        return tuple(f"{self.label}{rename(level).replace(' ', '')}" for level in self.levels)

    @property
    def n_lscale(self) -> int:
        """Number of lengthscales of each latent GP: 1 (isotropic) or ``D``."""
        return len(self.subs[0].lscale_priors)

    @property
    def lscale_coefs(self) -> tuple[str, ...]:
        """brms's coefficient of each lengthscale, level by level: the ``sdgp``
        coefficient, or that coefficient + covariate."""
        if self.n_lscale == 1:
            return self.sd_coefs
        return tuple(f"{c}{rename(w)}" for c in self.sd_coefs for w in self.call.written)

    @property
    def lscale_size(self) -> str:
        """Stan length of ``lscale_i``: 1 (isotropic) or ``Dgp_i``, per latent GP."""
        if not self.levels:
            return "1" if self.n_lscale == 1 else self.stan("Dgp")
        kgp = self.stan("Kgp")
        return kgp if self.n_lscale == 1 else f"{kgp} * {self.stan('Dgp')}"

    def stan(self, name: str, j: int | None = None) -> str:
        """Stan name: ``stan("sdgp") == "sdgp_1"`` (``"sdgp_sigma_1"`` in sigma's formula);
        with ``j``, the name of the ``j``-th latent GP (``"Xgp_1_2"`` for a factor ``by``)."""
        infix = "" if self.dpar == "mu" else f"_{self.dpar}"
        level = f"_{j}" if j is not None and self.levels else ""
        return f"{name}{infix}_{self.number}{level}"

    def size(self, j: int) -> str:
        """Stan number of latent points of the ``j``-th latent GP."""
        return f"{self.stan('Nsubgp')}[{j}]" if self.levels else self.stan("Nsubgp")

    @property
    def numbered(self) -> tuple[tuple[int, SubGp], ...]:
        """The latent GPs with their 1-based numbers."""
        return tuple(enumerate(self.subs, start=1))

    @property
    def approximate(self) -> bool:
        """Whether the term is the Hilbert space approximation (``k`` given)."""
        return self.call.k is not None

    @property
    def D(self) -> int:
        """Number of covariates."""
        return len(self.call.covariates)

    @property
    def n_basis(self) -> int:
        """Number of basis functions of the approximate GP, ``k^D``."""
        assert self.call.k is not None
        return self.call.k**self.D

    def boundary(self, sub: SubGp) -> np.ndarray:
        """Boundary of an approximate GP's domain, per dimension (brms's ``Lgp``)."""
        return boundary(sub.points - sub.cmeans, self.call.c)

    def _basis(self, sub: SubGp, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        assert self.call.k is not None
        return basis_functions(points - sub.cmeans, self.call.k, self.boundary(sub))

    def _lscale(self, j: int) -> str:
        """Stan code of the lengthscales of the ``j``-th latent GP."""
        if not self.levels:
            return self.stan("lscale")
        return f"segment({self.stan('lscale')}, {(j - 1) * self.n_lscale + 1}, {self.n_lscale})"

    # --- Stan program -------------------------------------------------------

    def standata(self) -> dict[str, object]:
        """``Kgp``, ``Dgp``, ``NBgp``, ``Nsubgp``, and per latent GP ``Jgp``, ``Cgp``,
        ``Xgp`` and ``slambda``."""
        sizes = [len(sub.points) for sub in self.subs]
        out: dict[str, object] = {
            self.stan("Kgp"): len(self.subs),
            self.stan("Dgp"): self.D,
            self.stan("Nsubgp"): np.array(sizes) if self.levels else sizes[0],
        }
        if self.approximate:
            out[self.stan("NBgp")] = self.n_basis
        for j, sub in self.numbered:
            out[self.stan("Jgp", j)] = sub.J
            if sub.weights is not None:
                out[self.stan("Cgp", j)] = sub.weights
            if self.approximate:
                basis, slambda = self._basis(sub, sub.points)
                out |= {self.stan("Xgp", j): basis, self.stan("slambda", j): slambda}
            else:
                out[self.stan("Xgp", j)] = sub.points
        return out

    def model_locals(self) -> tuple[ModelLocal, ...]:
        """Each latent GP at its points (``gp_pred_i``), and for the approximate GP first
        the basis weights ``rgp_i``."""
        out = []
        for j, _ in self.numbered:
            sdgp, lscale, z = f"{self.stan('sdgp')}[{j}]", self._lscale(j), self.stan("zgp", j)
            xgp, pred = self.stan("Xgp", j), self.stan("gp_pred", j)
            if not self.approximate:
                call = f"gp_exp_quad({xgp}, {sdgp}, {lscale}, {z})"
                out.append(ModelLocal(pred, self.size(j), call, "Gaussian process at its points"))
                continue
            rgp = self.stan("rgp", j)
            spd = f"sqrt(spd_gp_exp_quad({self.stan('slambda', j)}, {sdgp}, {lscale})) .* {z}"
            out += [
                ModelLocal(rgp, self.stan("NBgp"), spd, "scale latent variables of the GP"),
                ModelLocal(pred, self.size(j), f"{xgp} * {rgp}", "approximate GP at its points"),
            ]
        return tuple(out)

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """Each latent GP at each row's point, times its weight (a numeric ``by``, or the
        indicator of the level of a factor ``by``: brms adds it to that level's rows)."""
        return tuple(
            EtaPart(
                "group",
                StanArg(self.stan("gp_pred", j), "vector", False),
                StanArg(self.stan("Jgp", j), "array[] int", True),
                None if sub.weights is None else StanArg(self.stan("Cgp", j), "vector", True),
                size=self.size(j),
            )
            for j, sub in self.numbered
        )

    def sliced_index(self) -> StanArg:
        """The latent point index ``Jgp`` (of the first latent GP), an integer array over rows."""
        return StanArg(self.stan("Jgp", 1), "array[] int", True)

    def functions(self) -> tuple[str, ...]:
        """The kernel (exact GP) or its spectral density (approximate GP)."""
        return ("spd_gp_exp_quad.stan",) if self.approximate else ("gp_exp_quad.stan",)

    # --- priors and names ---------------------------------------------------

    @classmethod
    def prior_rows_of(cls, terms: Sequence[Term], defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """brms's ``prior_gp``: ``sdgp`` (the default scale prior) and its rows per latent
        GP, ``lscale`` (flat, bounded at 0) and the data-dependent prior per lengthscale."""
        gps = [t for t in terms if isinstance(t, GaussianProcess)]
        d = dpar_label(gps[0].dpar)
        rows = [PriorRow(defaults.sd, "sdgp", dpar=d, lb=0.0)]
        rows += [
            PriorRow(None, "sdgp", c, dpar=d, source="(vectorized)")
            for t in gps
            for c in t.sd_coefs
        ]
        rows.append(PriorRow(None, "lscale", dpar=d, lb=0.0))
        rows += [
            PriorRow(prior, "lscale", coef, dpar=d)
            for t in gps
            for coef, prior in zip(t.lscale_coefs, t.lscale_priors, strict=True)
        ]
        return tuple(rows)

    @property
    def lscale_priors(self) -> tuple[Dist, ...]:
        """The default prior of each lengthscale, level by level."""
        return tuple(p for sub in self.subs for p in sub.lscale_priors)

    def prior_rows(self, defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """The term's rows alone (see :meth:`prior_rows_of`)."""
        return self.prior_rows_of([self], defaults)

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """``sdgp_i`` by latent GP, then ``lscale_i`` by lengthscale."""
        d = dpar_label(self.dpar)
        names = self.par_names()
        sdgp_names = tuple(p.name for p in names if p.cls == "sdgp")
        lscale_names = tuple(p.name for p in names if p.cls == "lscale")
        return (
            PriorTarget(
                self.stan("sdgp"),
                tuple((("sdgp", c, "", d), ("sdgp", "", "", d)) for c in self.sd_coefs),
                label=sdgp_names[0] if len(sdgp_names) == 1 else f"sdgp_{self.label}",
                element_labels=sdgp_names,
            ),
            PriorTarget(
                self.stan("lscale"),
                tuple((("lscale", c, "", d), ("lscale", "", "", d)) for c in self.lscale_coefs),
                label=lscale_names[0] if len(lscale_names) == 1 else f"lscale_{self.label}",
                element_labels=lscale_names,
            ),
        )

    def par_names(self) -> tuple[ParName, ...]:
        """``sdgp_gpx`` and ``lscale_gpx`` (rows of the GP section of the summary) and
        ``zgp_gpx[j]``; ``sdgp_sigma_gpx`` and so on in the formula of ``sigma``;
        ``sdgp_gpxfa`` per level ``a`` of a factor ``by`` ``f``."""
        infix = "" if self.dpar == "mu" else f"{self.dpar}_"
        out = [
            ParName(
                self.stan(cls),
                (k,),
                f"{cls}_{infix}{coef}",
                cls,
                self.dpar,
                GP_SECTION,
                f"{cls}({infix}{coef})",
            )
            for cls, coefs in (("sdgp", self.sd_coefs), ("lscale", self.lscale_coefs))
            for k, coef in enumerate(coefs, start=1)
        ]
        for (j, sub), coef in zip(self.numbered, self.sd_coefs, strict=True):
            array = f"zgp_{infix}{coef}"
            n_z = self.n_basis if self.approximate else len(sub.points)
            out += [
                ParName(
                    self.stan("zgp", j),
                    (i,),
                    f"{array}[{i}]",
                    "zgp",
                    self.dpar,
                    array=array,
                    dims=((f"{array}_dim_0", str(i)),),
                )
                for i in range(1, n_z + 1)
            ]
        return tuple(out)

    # --- post-processing ----------------------------------------------------

    def rows(self, request: RowRequest) -> tuple[GpRows, ...]:
        """Per latent GP, the latent point of each fitted row or row of ``newdata``;
        points of new data that are not fitted points are listed in ``new`` (scaled as
        in the fit). A row of new data uses the GP of its level of a factor ``by``."""
        if request.newdata is None:
            return tuple(GpRows(s.J - 1, np.empty((0, self.D)), s.weights) for s in self.subs)
        newdata = request.newdata
        check_columns(newdata, [c for c in self.call.variables if c.isidentifier()])
        X = _covariates(self.call, newdata, "newdata ")
        weights: list[np.ndarray | None] = [None]
        if self.call.by is not None:
            by = _by_variable(self.call, newdata)
            weights = [by.to_numpy(dtype=float)] if not self.levels else self._indicators(by)
        out = []
        for sub, w in zip(self.subs, weights, strict=True):
            rows = np.ones(len(X), dtype=bool) if not self.levels else w != 0
            points, index = _latent_points(X[rows] / sub.dmax, self.call.gr)
            # a fitted point keeps its fitted value: the GP's conditional there is degenerate
            fitted = {tuple(p): k for k, p in enumerate(sub.points)}
            new = list(dict.fromkeys(tuple(p) for p in points if tuple(p) not in fitted))
            position = fitted | {p: len(sub.points) + k for k, p in enumerate(new)}
            where = np.zeros(len(X), dtype=np.int64)
            where[rows] = np.array([position[tuple(p)] for p in points], dtype=np.int64)[index]
            out.append(GpRows(where, np.array(new).reshape(-1, self.D), w))
        return tuple(out)

    def _indicators(self, by: pd.Series) -> list[np.ndarray | None]:
        """The 0/1 indicator of each fitted level of a factor ``by`` in new data."""
        values = by.astype(str)
        unknown = sorted(set(values) - set(self.levels))
        if unknown:
            raise DataError(
                f"newdata has level {unknown[0]!r} of {self.call.by!r}, the factor 'by' of "
                f"{self.call.text}, which has one GP per fitted level: "
                f"{', '.join(map(repr, self.levels))}."
            )
        return [(values == level).to_numpy(dtype=float) for level in self.levels]

    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """The sum over latent GPs of the GP at each row's point, times its weight."""
        assert isinstance(rows, tuple)
        sdgp = draws_of(variables, self.stan("sdgp"))
        lscale = draws_of(variables, self.stan("lscale"))
        total = 0.0
        for (j, sub), r in zip(self.numbered, rows, strict=True):
            assert isinstance(r, GpRows)
            sd = sdgp[:, j - 1]
            ls = lscale[:, (j - 1) * self.n_lscale : j * self.n_lscale]
            z = draws_of(variables, self.stan("zgp", j))
            if self.approximate:
                basis, slambda = self._basis(sub, np.concatenate([sub.points, r.new]))
                f = (np.sqrt(spd_exp_quad(slambda, sd, ls)) * z) @ basis.T
            else:
                f = exact_gp(sub.points, sd, ls, z)
                if len(r.new):
                    new = conditional_draws(sub.points, f, r.new, sd, ls, rng)
                    f = np.concatenate([f, new], axis=1)
            out = f[:, r.index]
            total = total + (out if r.weights is None else out * r.weights)
        return np.asarray(total)

    def effects(self) -> tuple[tuple[str, ...], ...]:
        """The covariates (and the ``by`` variable) that are data columns, as one effect."""
        found = tuple(v for v in self.call.variables if v.isidentifier())
        return (found,) if found else ()


def _sub_gp(call: GpCall, X: np.ndarray, weights: np.ndarray | None, where: str) -> SubGp:
    """The latent GP of the rows of ``X`` (those of nonzero 0/1 ``weights`` for a level
    of a factor ``by``, whose other rows get point 1), scaled and with its priors."""
    level = where != ""
    rows = weights != 0 if level and weights is not None else np.ones(len(X), dtype=bool)
    points, J = _latent_points(X[rows], call.gr)
    if len(np.unique(points, axis=0)) < 2:
        found = (
            f"all its rows have {', '.join(f'{v:g}' for v in points[0])}"
            if len(points)
            else "it has no rows"
        )
        raise SpecError(
            f"{call.text} needs at least two distinct values of its covariates{where}; {found}."
        )
    dmax = max_distance(points) if call.scale else 1.0
    points = points / dmax
    if call.iso or points.shape[1] == 1:
        priors = [lscale_prior(points)]
    else:
        priors = [_column_prior(call, points, d) for d in range(points.shape[1])]
    index = np.ones(len(X), dtype=np.int64)
    index[rows] = J + 1
    return SubGp(points, index, dmax, points.mean(axis=0), weights, tuple(priors))


def _covariates(call: GpCall, data: pd.DataFrame, where: str) -> np.ndarray:
    """The covariates ``(N, D)`` as floats, or a SpecError naming the term and covariate."""
    columns = []
    for expr in call.covariates:
        raw = evaluate(expr, data)
        dtype = getattr(raw, "dtype", None)
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            raise SpecError(
                f"Covariate {expr!r} of {call.text} must be numeric; {where}has values such "
                f"as {np.asarray(raw)[0]!r} (dtype {dtype})."
            )
        values = np.asarray(raw, dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise SpecError(
                f"Covariate {expr!r} of {call.text} must be finite; {where}"
                f"{row_label(data.index, pos)} has {values[pos]!r}."
            )
        columns.append(values)
    return np.column_stack(columns)


def _column_prior(call: GpCall, points: np.ndarray, d: int) -> Dist:
    """The default prior of the lengthscale of covariate ``d`` (``iso = FALSE``)."""
    column = np.unique(points[:, d])
    if len(column) < 2:
        raise SpecError(
            f"{call.text} with iso = FALSE needs two distinct values of each covariate; "
            f"{call.covariates[d]!r} has one."
        )
    return lscale_prior(column[:, np.newaxis])


def _by_variable(call: GpCall, data: pd.DataFrame) -> pd.Series:
    """The ``by`` variable: numeric (as floats), or a factor (categorical, string or
    boolean), or a SpecError naming the term and a value."""
    assert call.by is not None
    values = data[call.by]
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        if isinstance(values.dtype, pd.CategoricalDtype) or values.map(_is_label).all():
            return values
        bad = values[~values.map(_is_label)].iloc[0]
        raise SpecError(
            f"by = {call.by} of {call.text} must be numeric (it multiplies the GP) or a "
            f"factor (one GP per level); it has {bad!r} ({type(bad).__name__})."
        )
    return values.astype(float)


def _is_label(value: object) -> bool:
    """Whether ``value`` can be a level of a factor: a string or a boolean."""
    return isinstance(value, str | bool | np.bool_)


def _levels(by: pd.Series) -> list[object]:
    """The levels of a factor ``by`` in brms's order: a categorical's categories, else
    the sorted distinct values (R's ``as.factor``)."""
    if isinstance(by.dtype, pd.CategoricalDtype):
        return list(by.cat.categories)
    return sorted(by.unique())


def _latent_points(X: np.ndarray, gr: bool) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``X`` in order of first appearance and each row's 0-based
    point (brms's ``gr = TRUE``), or every row (``gr = FALSE``)."""
    if not gr:
        return X, np.arange(len(X))
    _, first, inverse = np.unique(X, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return X[first[order]], rank[inverse.ravel()]
