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

from pybrms.errors import SpecError
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

__all__ = ["GaussianProcess", "GpRows"]

#: brms's summary section of GP hyperparameters (printed before group-level effects).
GP_SECTION = Section("Gaussian Process Terms", -2)


@dataclass(frozen=True, eq=False)
class GpRows:
    """The rows of one GP term, for predictions.

    Attributes
    ----------
    index
        0-based point of each row: the fitted latent points first, then ``new``.
    new
        Scaled covariates of the points of new data that are not fitted latent points
        ``(n_new, D)``.
    weights
        The numeric ``by`` variable of each row, or None.
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
    points
        Scaled covariates of the latent points ``(Nsubgp, D)`` (brms's ``Xgp_prior``).
    J
        1-based latent point of every row.
    dmax
        The scale the covariates were divided by (1 with ``scale = FALSE``).
    cmeans
        Column means of ``points``: the approximate GP's basis is centered there.
    weights
        Values of a numeric ``by`` variable per row, or None.
    lscale_priors
        brms's default lengthscale prior, one per lengthscale.
    """

    template: ClassVar[str] = "terms/gp.stan.j2"

    dpar: str
    number: int
    call: GpCall
    points: np.ndarray
    J: np.ndarray
    dmax: float
    cmeans: np.ndarray
    weights: np.ndarray | None
    lscale_priors: tuple[Dist, ...]

    # --- construction -------------------------------------------------------

    @classmethod
    def from_data(cls, dpar: str, number: int, call: GpCall, data: pd.DataFrame) -> GaussianProcess:
        """The term ``call`` of predictor ``dpar`` from the fitted data.

        Raises
        ------
        SpecError
            For a covariate that is not numeric, a factor ``by`` (not supported
            yet), or covariates without two distinct points.
        """
        X = _covariates(call, data, "")
        weights = None
        if call.by is not None:
            weights = _by_values(call, data)
        points, J = _latent_points(X, call.gr)
        if len(np.unique(points, axis=0)) < 2:
            raise SpecError(
                f"{call.text} needs at least two distinct values of its covariates; "
                f"all rows have {', '.join(f'{v:g}' for v in points[0])}."
            )
        dmax = max_distance(points) if call.scale else 1.0
        points = points / dmax
        if call.iso or points.shape[1] == 1:
            priors = [lscale_prior(points)]
        else:
            priors = [_column_prior(call, points, d) for d in range(points.shape[1])]
        return cls(
            dpar, number, call, points, J + 1, dmax, points.mean(axis=0), weights, tuple(priors)
        )

    # --- names --------------------------------------------------------------

    @property
    def label(self) -> str:
        """brms's label of the term: ``gpx``, ``gpx1x2``, ``gpxz`` for ``gp(x, by = z)``."""
        by = rename(self.call.by) if self.call.by else ""
        return f"gp{rename(''.join(self.call.written))}{by}"

    @property
    def lscale_coefs(self) -> tuple[str, ...]:
        """brms's coefficient of each lengthscale: the label, or label + covariate."""
        if len(self.lscale_priors) == 1:
            return (self.label,)
        return tuple(f"{self.label}{rename(w)}" for w in self.call.written)

    @property
    def lscale_size(self) -> str:
        """Stan length of ``lscale_i``: 1 (isotropic) or ``Dgp_i``."""
        return "1" if len(self.lscale_priors) == 1 else self.stan("Dgp")

    def stan(self, name: str) -> str:
        """Stan name: ``stan("sdgp") == "sdgp_1"`` (``"sdgp_sigma_1"`` in sigma's formula)."""
        infix = "" if self.dpar == "mu" else f"_{self.dpar}"
        return f"{name}{infix}_{self.number}"

    @property
    def approximate(self) -> bool:
        """Whether the term is the Hilbert space approximation (``k`` given)."""
        return self.call.k is not None

    @property
    def D(self) -> int:
        """Number of covariates."""
        return self.points.shape[1]

    @property
    def n_basis(self) -> int:
        """Number of basis functions of the approximate GP, ``k^D``."""
        assert self.call.k is not None
        return self.call.k**self.D

    @property
    def L(self) -> np.ndarray:
        """Boundary of the approximate GP's domain, per dimension (brms's ``Lgp``)."""
        return boundary(self.points - self.cmeans, self.call.c)

    def _basis(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        assert self.call.k is not None
        return basis_functions(points - self.cmeans, self.call.k, self.L)

    # --- Stan program -------------------------------------------------------

    def standata(self) -> dict[str, object]:
        """``Kgp``, ``Dgp``, ``NBgp``, ``Nsubgp``, ``Jgp``, ``Cgp``, ``Xgp`` and ``slambda``."""
        out: dict[str, object] = {
            self.stan("Kgp"): 1,
            self.stan("Dgp"): self.D,
            self.stan("Nsubgp"): len(self.points),
            self.stan("Jgp"): self.J,
        }
        if self.weights is not None:
            out[self.stan("Cgp")] = self.weights
        if self.approximate:
            basis, slambda = self._basis(self.points)
            out |= {
                self.stan("NBgp"): self.n_basis,
                self.stan("Xgp"): basis,
                self.stan("slambda"): slambda,
            }
        else:
            out[self.stan("Xgp")] = self.points
        return out

    def model_locals(self) -> tuple[ModelLocal, ...]:
        """The GP at the latent points (``gp_pred_i``), and for the approximate GP first
        the basis weights ``rgp_i``."""
        sdgp, lscale, z = self.stan("sdgp"), self.stan("lscale"), self.stan("zgp")
        xgp, size = self.stan("Xgp"), self.stan("Nsubgp")
        if not self.approximate:
            call = f"gp_exp_quad({xgp}, {sdgp}[1], {lscale}, {z})"
            return (ModelLocal(self.stan("gp_pred"), size, call, "Gaussian process at its points"),)
        rgp = self.stan("rgp")
        spd = f"sqrt(spd_gp_exp_quad({self.stan('slambda')}, {sdgp}[1], {lscale})) .* {z}"
        return (
            ModelLocal(rgp, self.stan("NBgp"), spd, "scale latent variables of the GP"),
            ModelLocal(
                self.stan("gp_pred"), size, f"{xgp} * {rgp}", "approximate GP at its points"
            ),
        )

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """The GP at each row's latent point, times ``by`` if numeric."""
        weight = None if self.weights is None else StanArg(self.stan("Cgp"), "vector", True)
        return (
            EtaPart(
                "group",
                StanArg(self.stan("gp_pred"), "vector", False),
                StanArg(self.stan("Jgp"), "array[] int", True),
                weight,
                size=self.stan("Nsubgp"),
            ),
        )

    def sliced_index(self) -> StanArg:
        """The latent point index ``Jgp``, an integer array over rows."""
        return StanArg(self.stan("Jgp"), "array[] int", True)

    def functions(self) -> tuple[str, ...]:
        """The kernel (exact GP) or its spectral density (approximate GP)."""
        return ("spd_gp_exp_quad.stan",) if self.approximate else ("gp_exp_quad.stan",)

    # --- priors and names ---------------------------------------------------

    @classmethod
    def prior_rows_of(cls, terms: Sequence[Term], defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """brms's ``prior_gp``: ``sdgp`` (the default scale prior) and its rows per term,
        ``lscale`` (flat, bounded at 0) and the data-dependent prior per lengthscale."""
        gps = [t for t in terms if isinstance(t, GaussianProcess)]
        d = dpar_label(gps[0].dpar)
        rows = [PriorRow(defaults.sd, "sdgp", dpar=d, lb=0.0)]
        rows += [PriorRow(None, "sdgp", t.label, dpar=d, source="(vectorized)") for t in gps]
        rows.append(PriorRow(None, "lscale", dpar=d, lb=0.0))
        rows += [
            PriorRow(prior, "lscale", coef, dpar=d)
            for t in gps
            for coef, prior in zip(t.lscale_coefs, t.lscale_priors, strict=True)
        ]
        return tuple(rows)

    def prior_rows(self, defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """The term's rows alone (see :meth:`prior_rows_of`)."""
        return self.prior_rows_of([self], defaults)

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """``sdgp_i``, then ``lscale_i`` by lengthscale."""
        d = dpar_label(self.dpar)
        names = self.par_names()
        sdgp_names = tuple(p.name for p in names if p.cls == "sdgp")
        lscale_names = tuple(p.name for p in names if p.cls == "lscale")
        return (
            PriorTarget(
                self.stan("sdgp"),
                ((("sdgp", self.label, "", d), ("sdgp", "", "", d)),),
                label=sdgp_names[0],
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
        ``zgp_gpx[j]``; ``sdgp_sigma_gpx`` and so on in the formula of ``sigma``."""
        infix = "" if self.dpar == "mu" else f"{self.dpar}_"
        out = [
            ParName(
                self.stan("sdgp"),
                (1,),
                f"sdgp_{infix}{self.label}",
                "sdgp",
                self.dpar,
                GP_SECTION,
                f"sdgp({infix}{self.label})",
            )
        ]
        out += [
            ParName(
                self.stan("lscale"),
                (k,),
                f"lscale_{infix}{coef}",
                "lscale",
                self.dpar,
                GP_SECTION,
                f"lscale({infix}{coef})",
            )
            for k, coef in enumerate(self.lscale_coefs, start=1)
        ]
        array = f"zgp_{infix}{self.label}"
        n_z = self.n_basis if self.approximate else len(self.points)
        out += [
            ParName(
                self.stan("zgp"),
                (j,),
                f"{array}[{j}]",
                "zgp",
                self.dpar,
                array=array,
                dims=((f"{array}_dim_0", str(j)),),
            )
            for j in range(1, n_z + 1)
        ]
        return tuple(out)

    # --- post-processing ----------------------------------------------------

    def rows(self, request: RowRequest) -> GpRows:
        """The latent point of each fitted row or row of ``newdata``; points of new
        data that are not fitted points are listed in ``new`` (scaled as in the fit)."""
        if request.newdata is None:
            return GpRows(self.J - 1, np.empty((0, self.D)), self.weights)
        newdata = request.newdata
        check_columns(newdata, [c for c in self.call.variables if c.isidentifier()])
        X = _covariates(self.call, newdata, "newdata ")
        weights = None if self.call.by is None else _by_values(self.call, newdata)
        points, index = _latent_points(X / self.dmax, self.call.gr)
        # a fitted point keeps its fitted value: the GP's conditional there is degenerate
        fitted = {tuple(p): k for k, p in enumerate(self.points)}
        new = [tuple(p) for p in points if tuple(p) not in fitted]
        position = fitted | {p: len(self.points) + k for k, p in enumerate(dict.fromkeys(new))}
        where = np.array([position[tuple(p)] for p in points], dtype=np.int64)
        return GpRows(where[index], np.array(list(dict.fromkeys(new))).reshape(-1, self.D), weights)

    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """The GP at each row's point over draws, times ``by`` if numeric."""
        assert isinstance(rows, GpRows)
        sdgp = draws_of(variables, self.stan("sdgp"))[:, 0]
        lscale = draws_of(variables, self.stan("lscale"))
        z = draws_of(variables, self.stan("zgp"))
        if self.approximate:
            basis, slambda = self._basis(np.concatenate([self.points, rows.new]))
            f = (np.sqrt(spd_exp_quad(slambda, sdgp, lscale)) * z) @ basis.T
        else:
            f = exact_gp(self.points, sdgp, lscale, z)
            if len(rows.new):
                new = conditional_draws(self.points, f, rows.new, sdgp, lscale, rng)
                f = np.concatenate([f, new], axis=1)
        out = f[:, rows.index]
        return out if rows.weights is None else out * rows.weights

    def effects(self) -> tuple[tuple[str, ...], ...]:
        """The covariates (and a numeric ``by``) that are data columns, as one effect."""
        found = tuple(v for v in self.call.variables if v.isidentifier())
        return (found,) if found else ()


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


def _by_values(call: GpCall, data: pd.DataFrame) -> np.ndarray:
    """A numeric ``by`` variable; a factor ``by`` is not supported yet."""
    assert call.by is not None
    values = data[call.by]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise SpecError(
            f"by = {call.by} of {call.text}: a factor 'by' (one GP per level) is not "
            "supported yet; a numeric 'by' multiplies the GP."
        )
    return values.to_numpy(dtype=float)


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
