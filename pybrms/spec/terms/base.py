"""What every term kind answers, for its part of one linear predictor.

A term kind is one class (a subclass of :class:`Term`) in one module of this
package, with one template, ``templates/terms/<kind>.stan.j2``. Everything
downstream asks the terms of a :class:`~pybrms.spec.model_spec.Predictor` the
same questions and never asks which kind a term is:

* the Stan program: its data (:meth:`Term.standata`, and
  :meth:`Term.prior_standata` for data its priors decide), what it adds to the
  linear predictor as Stan variables (:meth:`Term.eta_parts`, from which codegen
  writes the likelihood and derives the ``partial_log_lik`` signature), other
  arguments of the likelihood (:meth:`Term.likelihood_args`), vectors the model
  block computes before the likelihood (:meth:`Term.model_locals`), the functions
  files it needs (:meth:`Term.functions`), and its template's macros;
* the prior table: its rows (:meth:`Term.prior_rows_of`) and the Stan variables
  they govern (:meth:`Term.prior_targets`);
* the names table: its brms output names, summary rows and ArviZ dims
  (:meth:`Term.par_names`);
* post-processing: its data for the fitted or new rows (:meth:`Term.rows`), its
  contribution to the linear predictor over draws (:meth:`Term.eta`), and draws
  the family reads besides the linear predictors (:meth:`Term.likelihood_draws`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import pandas as pd

from pybrms.errors import DataError
from pybrms.priors import Dist
from pybrms.spec.default_priors import PriorRow, PriorTable, PriorTarget
from pybrms.spec.names import ParName

__all__ = [
    "EtaPart",
    "LikelihoodShift",
    "ModelLocal",
    "MuUpdate",
    "PriorDefaults",
    "RowRequest",
    "SAMPLE_NEW_LEVELS",
    "SampleNewLevels",
    "StanArg",
    "Term",
    "Variables",
    "draws_of",
    "dpar_label",
]

Variables = Mapping[str, np.ndarray]
"""Stan variables of a fit: name -> draws ``(chains, draws, *dims)``."""


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

    The shapes are the ways a part can be written in Stan; codegen formats each
    (and decides from them whether Stan's GLM functions apply and where an
    intercept can be added once per group level instead of once per row).

    Attributes
    ----------
    kind
        ``"intercept"``: the real ``value``, the same for every row;
        ``"design"``: data matrix ``data`` times coefficients ``value``;
        ``"offset"``: the data vector ``value``, one entry per row;
        ``"group"``: effects ``value`` (``size`` of them) at the level index
        ``data`` of each row, times the data vector ``weight`` (None when that is
        all ones);
        ``"rowwise"``: ``code``, the part for row ``n``, where ``{row}`` stands
        for the row of the observation-indexed data ``data``, ``{n}`` for the
        index of that row in observation-indexed data and ``{at[J_1]}`` for the
        row of ``J_1`` (which may be the array ``reduce_sum`` slices); added in a
        loop over rows, as brms adds its special terms.
    value, data, weight
        The variables the part reads.
    size
        Number of effects of a ``"group"`` part.
    code
        Stan code of a ``"rowwise"`` part.
    extra
        Further variables a ``"rowwise"`` part reads.
    """

    kind: Literal["intercept", "design", "offset", "group", "rowwise"]
    value: StanArg
    data: StanArg | None = None
    weight: StanArg | None = None
    size: str = ""
    code: str = ""
    extra: tuple[StanArg, ...] = ()

    @property
    def reads(self) -> tuple[StanArg, ...]:
        """Every variable the part reads: data first, then parameters."""
        found = (self.data, self.weight, *self.extra, self.value)
        return tuple(a for a in found if a is not None)


@dataclass(frozen=True)
class ModelLocal:
    """A vector the model block computes from parameters before the likelihood:
    ``vector[size] name = value;`` (brms's ``model_no_pll_def``: in the threaded
    program, outside ``partial_log_lik``, which receives it when an eta part reads it).

    Attributes
    ----------
    name, size, value
        The Stan variable, its length and its Stan expression.
    comment
        What it is, printed above it.
    """

    name: str
    size: str
    value: str
    comment: str


@dataclass(frozen=True)
class LikelihoodShift:
    """A matrix ``name = data * value``, one row per observation and ``cols`` columns,
    computed with the linear predictors; at each row the likelihood argument ``arg``
    becomes ``arg - transpose(name[n])`` (brms's ``mucs``, the category-specific
    predictor subtracted from the ordinal thresholds).

    Attributes
    ----------
    arg
        The likelihood argument shifted (``"thres"``).
    name
        The Stan matrix (``"mucs"``).
    data, value
        The data matrix and the coefficient matrix it multiplies.
    cols
        The integer data giving the number of columns (``nthres``).
    """

    arg: str
    name: str
    data: StanArg
    value: StanArg
    cols: StanArg


@dataclass(frozen=True)
class MuUpdate:
    """Stan statements that update the finished vector ``mu`` row by row, before the
    inverse link (brms's ``model_comp_arma``: ARMA terms read residuals of earlier rows).

    Attributes
    ----------
    declarations
        Model-block locals declared before the loop, one statement each.
    body
        Statements of the loop ``for (n in 1:N)``.
    reads
        Every variable the statements read.
    comment
        What the loop does, printed above it.
    term
        The term as written, for messages.
    """

    declarations: tuple[str, ...]
    body: tuple[str, ...]
    reads: tuple[StanArg, ...]
    comment: str
    term: str


@dataclass(frozen=True)
class PriorDefaults:
    """The data-dependent defaults that terms' prior rows use (brms's ``def_scale_prior``).

    Attributes
    ----------
    intercept
        Default prior of the intercept of each predictor, by dpar.
    sd
        Default prior of group-level standard deviations.
    """

    intercept: Mapping[str, Dist | None]
    sd: Dist


SampleNewLevels = Literal["uncertainty", "gaussian", "old_levels"]

#: brms's ways of drawing the effects of new grouping levels, its default first.
SAMPLE_NEW_LEVELS: tuple[SampleNewLevels, ...] = ("uncertainty", "gaussian", "old_levels")


@dataclass(frozen=True, eq=False)
class RowRequest:
    """Which rows a prediction is for.

    Attributes
    ----------
    newdata
        New rows, or None for the rows of the fit.
    allow_new_levels
        Accept grouping levels not seen in the fit.
    group_coefs
        brms's ``re_formula`` resolved: grouping -> coefficients to include;
        None includes every group-level effect.
    sample_new_levels
        How effects of new levels are drawn, brms's ``sample_new_levels``
        (one of :data:`SAMPLE_NEW_LEVELS`): ``"uncertainty"``, in each draw the
        effects of an existing level picked at random for that draw;
        ``"gaussian"``, from the fitted multivariate normal of that draw;
        ``"old_levels"``, all draws of one existing level picked at random.
    new_level_seed
        Seed of those picks. Every term on a grouping draws the same picks for a
        new level, so its effects all come from one existing level, with their
        correlations (as brms, which picks per grouping).
    """

    newdata: pd.DataFrame | None = None
    allow_new_levels: bool = False
    group_coefs: Mapping[str, frozenset[str]] | None = None
    sample_new_levels: SampleNewLevels = "uncertainty"
    new_level_seed: int = 0


def dpar_label(dpar: str) -> str:
    """``""`` for mu, else the dpar name: brms's ``dpar`` column of the prior table."""
    return "" if dpar == "mu" else dpar


def draws_of(variables: Variables, name: str) -> np.ndarray:
    """The draws of one Stan variable, chains flattened: ``(S, *dims)``.

    Raises
    ------
    DataError
        When ``variables`` lacks ``name`` or it is not shaped ``(chains, draws, ...)``.

    Examples
    --------
    >>> draws_of({"b": np.zeros((2, 5, 3))}, "b").shape
    (10, 3)
    """
    try:
        value = np.asarray(variables[name])
    except KeyError:
        raise DataError(
            f"The draws have no Stan variable {name!r}, which this model needs; "
            "pass all variables of the fit (Draws.variables())."
        ) from None
    if value.ndim < 2:
        raise DataError(
            f"Stan variable {name!r} must be shaped (chains, draws, ...); got {value.shape}."
        )
    return value.reshape(-1, *value.shape[2:])


class Term(ABC):
    """One term kind's part of one linear predictor (see the module docstring).

    Subclasses are frozen dataclasses with at least a ``dpar`` field, and name
    their template in ``template``. ``prior_scope`` says where their priors
    stand in brms's order: ``"predictor"`` with the predictor's other terms
    (before the family's parameters), ``"model"`` after them, all terms of the
    kind together (group-level terms, as brms's ``stan_re``).
    """

    template: ClassVar[str]
    prior_scope: ClassVar[str] = "predictor"
    dpar: str

    # --- Stan program ------------------------------------------------------

    @abstractmethod
    def standata(self) -> dict[str, object]:
        """The term's entries of the Stan data, by brms's names."""

    def prior_standata(self, priors: PriorTable) -> dict[str, object]:
        """Stan data that the prior table decides (a simplex's concentration)."""
        return {}

    @abstractmethod
    def eta_parts(self) -> tuple[EtaPart, ...]:
        """What the term adds to the linear predictor, as Stan variables."""

    def likelihood_args(self) -> dict[str, StanArg]:
        """Arguments of the family's likelihood besides the dpars (ordinal thresholds)."""
        return {}

    def likelihood_shifts(self) -> tuple[LikelihoodShift, ...]:
        """Per-row shifts of likelihood arguments (category-specific effects), if any."""
        return ()

    def model_locals(self) -> tuple[ModelLocal, ...]:
        """Vectors computed once before the likelihood, in order (a Gaussian process at
        its points), which the term's eta parts may read."""
        return ()

    def mu_update(self) -> MuUpdate | None:
        """Statements that update the finished ``mu`` row by row (ARMA terms), if any."""
        return None

    def sliced_index(self) -> StanArg | None:
        """An integer array over rows that ``reduce_sum`` may slice, if the term has one."""
        return None

    def functions(self) -> tuple[str, ...]:
        """Files under ``templates/functions/`` the program must include."""
        return ()

    def known_eta(self) -> np.ndarray | None:
        """The part of the linear predictor known without parameters (offsets), else None."""
        return None

    # --- priors and names --------------------------------------------------

    def prior_rows(self, defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """The term's rows of the prior table."""
        return ()

    @classmethod
    def prior_rows_of(cls, terms: Sequence[Term], defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """Rows of all ``terms`` of this kind in one predictor (``prior_scope ==
        "predictor"``) or in the model (``"model"``), in brms's order."""
        return tuple(row for t in terms for row in t.prior_rows(defaults))

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """The Stan variables the prior table governs, in brms's statement order."""
        return ()

    @classmethod
    def prior_kind(cls) -> type[Term]:
        """The kind whose :meth:`prior_rows_of` lists this term's rows with those of the
        other terms of the kind: its own class unless a subclass shares its base's."""
        return cls

    def par_names(self) -> tuple[ParName, ...]:
        """The term's rows of the names table."""
        return ()

    # --- post-processing ---------------------------------------------------

    @abstractmethod
    def rows(self, request: RowRequest) -> object | None:
        """The term's data for the fitted rows or new rows, or None to leave it out.

        Raises
        ------
        SpecError
            For new data that cannot be read as in the fit; the message names
            the column, value or level.
        """

    @abstractmethod
    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """The term's part of the linear predictor over draws, ``(S, N)`` or broadcastable."""

    def update_eta(self, eta: np.ndarray, rows: object, variables: Variables) -> np.ndarray:
        """The predictor's finished linear predictor ``(S, N)`` updated as
        :meth:`mu_update` updates it in Stan; unchanged for most kinds."""
        return eta

    def likelihood_draws(self, variables: Variables) -> dict[str, np.ndarray]:
        """Draws the family reads besides the linear predictors (ordinal thresholds)."""
        return {}

    def shift_likelihood_draws(
        self, draws: dict[str, np.ndarray], rows: object, variables: Variables
    ) -> dict[str, np.ndarray]:
        """``draws`` (:meth:`likelihood_draws` of the predictor's terms) with the
        term's :meth:`likelihood_shifts` applied at ``rows``; unchanged for most kinds."""
        return draws

    def integer_variables(self) -> tuple[str, ...]:
        """Data variables the term reads as integers (brms's ``int_vars``): conditional
        effects hold them at their rounded median and vary them in steps of 1."""
        return ()

    def effects(self) -> tuple[tuple[str, ...], ...]:
        """Data variables of the term's main effects and interactions (brms's
        ``get_all_effects``), for conditional effects."""
        return ()
