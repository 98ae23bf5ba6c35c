"""ModelSpec -> the plain values the templates render; every decision is made here.

The templates only print: which variable is sliced or indexed where, which
Stan distribution a family and link use, which priors become statements, and
the ``partial_log_lik`` signature (derived from the spec's likelihood
arguments) are all decided in this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pybrms._version import __version__
from pybrms.spec.default_priors import (
    PriorStatement,
    format_number,
    prior_data,
    prior_statements,
    user_bounds,
)
from pybrms.spec.model_spec import ModelSpec, Predictor, ScalarDpar
from pybrms.spec.multivariate import MvSpec
from pybrms.spec.names import with_resp
from pybrms.spec.prior_draws import PriorDraw
from pybrms.spec.terms import Covariates, EtaPart, StanArg, TimeCovariance
from pybrms.spec.terms.base import MuUpdate

__all__ = [
    "ByLevel",
    "Call",
    "Component",
    "Contribution",
    "Density",
    "IndexSet",
    "Likelihood",
    "LocalVector",
    "Position",
    "PriorDrawCode",
    "Rows",
    "prior_draw_code",
    "render_context",
]


@dataclass(frozen=True)
class Position:
    """Where the likelihood is evaluated: all rows, or rows ``start:end`` of a partial sum.

    Attributes
    ----------
    threaded
        Whether this is the partial sum of the threaded program.
    sliced
        The data array ``reduce_sum`` slices (threaded program only): inside the
        partial sum it holds rows ``start:end`` already, so it is read unsliced.
    levels
        When the partial sum slices group levels instead of rows (see
        :class:`ByLevel`), the level index: the partial sum reads the rows
        ``row_start:row_end`` of the levels ``start:end``.
    copied
        The integer arrays among them that the partial sum reads from local
        copies of those rows, ``<name>_rows`` (see :class:`ByLevel`).
    """

    threaded: bool
    sliced: str = ""
    levels: str = ""
    copied: frozenset[str] = frozenset()

    def rows(self, name: str) -> str:
        """All rows of the observation-indexed data ``name`` at this position."""
        if not self.threaded or name == self.sliced:
            return name
        if self.levels:
            return f"{name}_rows" if name in self.copied else f"{name}[row_start:row_end]"
        return f"{name}[start:end]"

    def index(self, name: str) -> str:
        """The index of row ``n`` of the loop over this position's rows in the
        observation-indexed data ``name`` (``nn`` counts all rows)."""
        return "nn" if self.threaded and name != self.sliced else "n"

    def row(self, name: str) -> str:
        """Row ``n`` of the loop over this position's rows."""
        return f"{name}[{self.index(name)}]"


@dataclass(frozen=True)
class LocalVector:
    """A local ``vector[size] name = value;`` computed before the likelihood.

    ``rowwise``, when set, is then added to row ``n`` in a loop over rows (brms's
    special terms), ``update`` updates the finished vector row by row (ARMA
    terms), and ``inverse``, the inverse link, is applied after them.
    ``comment`` describes it. ``type`` is ``"matrix"`` for a matrix of one row
    per observation (``size`` then gives both dimensions).
    """

    name: str
    size: str
    value: str
    rowwise: str = ""
    inverse: str = ""
    comment: str = ""
    update: MuUpdate | None = None
    type: str = "vector"


@dataclass(frozen=True)
class Rows:
    """The rows one density call reads at its position: all of them (a vectorized
    call), row ``n`` of a loop, or an index set such as ``Jrcens[1:Nrcens]`` of the
    position's rows.

    Observation-level data hold every row (sliced in the threaded program only
    for ``pos.sliced``); local vectors such as ``mu`` hold the position's rows.
    """

    pos: Position
    index: str = ""

    @property
    def one(self) -> bool:
        """Whether the call reads one row (inside a loop over rows)."""
        return self.index == "n"

    def data(self, name: str) -> str:
        """The observation-level data ``name`` at these rows."""
        if not self.index:
            return self.pos.rows(name)
        if self.one:
            return self.pos.row(name)
        return f"{self.pos.rows(name)}[{self.index}]"

    def local(self, name: str) -> str:
        """The local vector ``name`` (one entry per row of the position) at these rows."""
        return f"{name}[{self.index}]" if self.index else name


@dataclass(frozen=True)
class Call:
    """One call of a family macro: ``fn`` (``lpdf``, ``lcdf`` or ``lccdf``) with ``args``."""

    fn: str
    args: dict[str, str]


@dataclass(frozen=True)
class Density:
    """A log probability: one call, or ``log_diff_exp(upper, lower)`` of two ``lcdf`` calls."""

    upper: Call
    lower: Call | None = None


@dataclass(frozen=True)
class Contribution:
    """One ``target +=`` statement: ``density`` minus the log probability inside the
    truncation bounds, for the rows where ``condition`` holds (all when empty)."""

    density: Density
    truncation: Density | None = None
    condition: str = ""


@dataclass(frozen=True)
class IndexSet:
    """Rows of one kind of censoring, gathered as brms does to vectorize over them:
    ``N<name>`` rows listed in ``J<name>``, those with ``cens == code``."""

    name: str
    code: int

    @property
    def rows(self) -> str:
        return f"J{self.name}[1:N{self.name}]"


# brms's index sets of a censored likelihood that can be vectorized.
_INDEX_SETS = (IndexSet("event", 0), IndexSet("rcens", 1), IndexSet("lcens", -1))


@dataclass(frozen=True)
class Component:
    """One component of a mixture's likelihood, brms's ``ps[k] = theta + lpdf``:
    the log of its mixing proportion (``log_theta``) plus its family's density
    (``template``) at row ``n``, one statement per censoring code and each minus the
    log probability within the truncation bounds (``contributions``, as
    :func:`_contributions`: brms censors and truncates component by component)."""

    template: str
    contributions: tuple[Contribution, ...]
    log_theta: str


@dataclass(frozen=True)
class Likelihood:
    """Everything the shared ``likelihood`` macro renders at one position.

    Attributes
    ----------
    pos
        Where it is evaluated.
    family_template
        The family's template; its ``lpdf``, ``lcdf`` and ``lccdf`` macros (or
        ``glm`` when ``glm``) render the calls of ``contributions``.
    glm
        Call the family's GLM function with the design matrix and coefficients
        (``args``).
    args
        Arguments of the family macros for the rows of ``contributions``
        (without ``y``), or of the ``glm`` macro.
    dpars
        Linear predictors computed as vectors first (those the GLM call does not take).
    pointwise
        The density is summed row by row: with weights, censoring that cannot be
        vectorized, truncation, or for a family whose density takes one observation.
    weights
        Weight of row ``n`` (empty without weights).
    contributions
        The ``target +=`` statements: one, or one per kind of censoring (each
        with its condition in a loop, or its index set when vectorized).
    index_sets
        Index sets of censored rows to gather before the vectorized calls.
    cens
        Censoring code of row ``n``, read when gathering the index sets.
    reads
        Every variable the likelihood reads, in order of first use: the
        ``partial_log_lik`` arguments.
    components
        For a mixture, its components (summed row by row with ``log_sum_exp``);
        else empty.
    thetas
        For a mixture whose proportions have formulas, the linear predictors
        ``theta<k>`` that become log proportions row by row (brms's softmax);
        else empty.
    """

    pos: Position
    family_template: str
    glm: bool
    args: dict[str, str]
    dpars: tuple[LocalVector, ...]
    pointwise: bool
    weights: str
    contributions: tuple[Contribution, ...]
    index_sets: tuple[IndexSet, ...]
    cens: str
    reads: tuple[StanArg, ...]
    components: tuple[Component, ...] = ()
    thetas: tuple[str, ...] = ()

    @property
    def local_rows(self) -> bool:
        """Whether the partial sum needs its number of rows ``N``."""
        return bool(self.dpars or self.pointwise or self.index_sets)


@dataclass(frozen=True)
class PriorDrawCode:
    """A draw from a prior in generated quantities: ``real stan = rng;``, redrawn while
    ``reject`` holds (a prior truncated at the parameter's bounds; ``""``: never)."""

    stan: str
    rng: str
    reject: str


def prior_draw_code(draw: PriorDraw) -> PriorDrawCode:
    """The Stan code of one of :meth:`ModelSpec.prior_draws`, as brms's ``stan_rngprior``.

    An lkj prior gives the correlation ``[1, 2]`` of a matrix drawn with
    ``lkj_corr_rng``.

    Examples
    --------
    >>> from pybrms.priors import Dist
    >>> from pybrms.spec.default_priors import PriorStatement, PriorValue
    >>> s = PriorStatement("sigma", Dist("student_t", (3, 0, 2.5)), 1, lb=PriorValue(0.0))
    >>> prior_draw_code(PriorDraw("prior_sigma", "prior_sigma", s))
    PriorDrawCode(stan='prior_sigma', rng='student_t_rng(sigma_prior_nu, sigma_prior_mu, \
sigma_prior_sigma)', reject='prior_sigma < 0')
    """
    s = draw.statement
    if s.dist.name == "lkj_corr_cholesky":
        rng = f"lkj_corr_rng({draw.size}, {s.args})[1, 2]"
    else:
        rng = f"{s.dist.name}_rng({s.args})"
    reject = [f"{draw.stan} < {s.lb_code}"] if s.lb is not None else []
    reject += [f"{draw.stan} > {s.ub_code}"] if s.ub is not None else []
    return PriorDrawCode(draw.stan, rng, " || ".join(reject))


@dataclass(frozen=True)
class _Fold:
    """The intercept ``intercept`` added to the effects of the group part ``group``."""

    intercept: str
    group: EtaPart

    @property
    def local(self) -> LocalVector:
        r = self.group.value.name
        return LocalVector(
            f"{self.intercept}_{r}",
            self.group.size,
            f"{self.intercept} + {r}",
            comment="intercepts added to group-level effects once per level, not once per row",
        )


def _folds(spec: ModelSpec | MvSpec) -> dict[str, _Fold]:
    """Per dpar with an intercept and a group-level effect whose ``Z`` is all ones
    (``(1 | g)``): the first such effect. The intercept is then added to the
    ``N_id`` effects once, not to each of the N rows, and the GLM functions take
    the sum, indexed by row, as their intercept vector."""
    out = {}
    for p in spec.predictors:
        parts = [part for t in p.terms for part in t.eta_parts()]
        intercept = next((part for part in parts if part.kind == "intercept"), None)
        unit = next((part for part in parts if part.kind == "group" and part.weight is None), None)
        if intercept is not None and unit is not None:
            out[p.dpar] = _Fold(intercept.value.name, unit)
    return out


def shared_locals(spec: ModelSpec | MvSpec) -> tuple[LocalVector, ...]:
    """Vectors of parameters the likelihood reads, computed once in the model block
    (and passed to ``partial_log_lik`` in the threaded program): the terms' own
    (:meth:`~pybrms.spec.terms.Term.model_locals`), then the folded intercepts."""
    terms = tuple(
        LocalVector(v.name, v.size, v.value, comment=v.comment)
        for t in spec.terms
        for v in t.model_locals()
    )
    return terms + tuple(fold.local for fold in _folds(spec).values())


def _eta_parts(spec: ModelSpec | MvSpec, p: Predictor) -> list[EtaPart]:
    """The additive parts of ``p``'s linear predictor, the intercept folded (see :func:`_folds`)."""
    parts = [part for t in p.terms for part in t.eta_parts()]
    fold = _folds(spec).get(p.dpar)
    if fold is None:
        return parts
    folded = replace(fold.group, value=StanArg(fold.local.name, "vector", False))
    return [folded if part == fold.group else part for part in parts if part.kind != "intercept"]


def _format(part: EtaPart, pos: Position) -> str:
    if part.kind == "intercept":
        return part.value.name
    if part.kind == "offset":
        return pos.rows(part.value.name)
    assert part.data is not None  # design and group parts always read a data variable
    if part.kind == "design":
        return f"{pos.rows(part.data.name)} * {part.value.name}"
    code = f"{part.value.name}[{pos.rows(part.data.name)}]"
    return code if part.weight is None else f"{code} .* {pos.rows(part.weight.name)}"


def _local_vector(
    name: str, parts: list[EtaPart], pos: Position, inverse: str | None, nobs: str = "N"
) -> LocalVector:
    """The linear predictor ``name`` of ``nobs`` rows from its parts: the vector parts at
    once, the rowwise parts in a loop, then the inverse link."""
    vector = [part for part in parts if part.kind != "rowwise"]
    rowwise = [part for part in parts if part.kind == "rowwise"]
    value = " + ".join(_format(part, pos) for part in vector) or "0"
    if inverse and not rowwise:
        value = f"{inverse}({value})"
    if all(part.kind == "intercept" for part in vector):
        value = f"rep_vector({value}, {nobs})"
    row = " + ".join(
        part.code.format(row=pos.row(part.data.name), n=pos.index(part.data.name), at=_Rows(pos))
        for part in rowwise
        if part.data is not None
    )
    return LocalVector(name, nobs, value, row, (inverse or "") if rowwise else "")


class _Rows:
    """``{at[J_1]}`` in the code of a rowwise part: row ``n`` of the observation-indexed
    data ``J_1``, which may be the array ``reduce_sum`` slices."""

    def __init__(self, pos: Position) -> None:
        self.pos = pos

    def __getitem__(self, name: str) -> str:
        return self.pos.row(name)


def _nonlinear_vector(p: Predictor, pos: Position, use: Callable[[StanArg], str]) -> LocalVector:
    """The parameter ``p`` from its non-linear expression, vectorized over rows: the
    non-linear parameters' vectors ``nlp_<name>`` and the covariates ``C_<k>``."""
    assert p.nonlinear is not None
    covariates = [a for t in p.terms if isinstance(t, Covariates) for a in t.args]
    for arg in covariates:
        use(arg)
    value = p.nonlinear.stan(lambda name: f"nlp_{name}", lambda k: pos.rows(covariates[k - 1].name))
    if p.inverse_link:
        value = f"{p.inverse_link}{value}"
    return LocalVector(p.local, "N", value, comment="non-linear predictor values")


def sliced_variable(spec: ModelSpec) -> StanArg:
    """What ``reduce_sum`` slices: an integer array the likelihood reads anyway (the
    response of discrete families, else the level index of a group-level term), so
    that the partial sum copies no extra data; brms's ``seq`` only when there is none."""
    if spec.family.family.discrete:
        return _response(spec)
    found = (t.sliced_index() for t in spec.terms)
    return next((arg for arg in found if arg is not None), StanArg("seq", "array[] int", False))


# Sorted copies of observation-level data in transformed data, by Stan argument type.
_SORTED_DECLARATIONS = {
    "vector": "vector[N]",
    "matrix": "matrix[N, cols({name})]",
    "array[] int": "array[N] int",
    "array[] real": "array[N] real",
}

# The observation-level data of the response and of the addition terms a vectorized
# likelihood reads (weights, censoring and truncation make it a loop or index sets).
_RESPONSE_ROWS = frozenset({"Y", "trials", "se", "se2", "denom", "log_denom"})


@dataclass(frozen=True)
class ByLevel:
    """A threaded likelihood that slices the levels of its one group-level effect.

    ``reduce_sum`` copies every shared parameter into every chunk's autodiff
    stack, so slicing rows while sharing the ``size`` effects of a grouping
    factor copies all effects once per chunk. Slicing the effects instead
    copies each once: transformed data order the rows by level (``index``), each
    of the observation-level data the likelihood reads (``rows``) copied in that
    order, and the partial sum of levels ``start:end`` reads their rows
    ``first_row[start]:last_row[end]``. Its effects ``effects`` are a local vector
    of levels ``1:end`` whose levels before ``start`` repeat the first one (copies of
    a parameter cost no autodiff), so the level index ``index`` reads it as it is.
    Integer arrays (``copied``: the level index and integer ``rows``) are read from
    local copies of their rows, made in blocks (``head``, ``tail``) rather than by
    ``x[row_start:row_end]``, which checks every element. The grainsize stays a
    number of rows: ``grainsize_levels`` levels hold about as many.

    Examples
    --------
    >>> b = ByLevel("J_1", "N_1", "r_1_1", (StanArg("Y", "array[] int", True),))
    >>> b.declarations
    ('array[N] int Y_sorted = Y[level_order]',)
    >>> b.sorted("Y"), b.sorted("b")
    ('Y_sorted', 'b')
    >>> b.copied
    ('J_1', 'Y')
    """

    index: str
    size: str
    effects: str
    rows: tuple[StanArg, ...]

    def sorted(self, name: str) -> str:
        """The name of ``name`` passed to the partial sum: its sorted copy if it has one."""
        return f"{name}_sorted" if any(a.name == name for a in self.rows) else name

    @property
    def declarations(self) -> tuple[str, ...]:
        """The sorted copies of ``rows``."""
        return tuple(
            f"{_SORTED_DECLARATIONS[a.type].format(name=a.name)} {a.name}_sorted"
            f" = {a.name}[level_order]"
            for a in self.rows
        )

    @property
    def copied(self) -> tuple[str, ...]:
        """The integer arrays the partial sum copies the rows of: the index, then ``rows``."""
        ints = (a.name for a in self.rows if a.type == "array[] int")
        return tuple(dict.fromkeys((self.index, *ints)))

    @property
    def sliced(self) -> StanArg:
        """The argument ``reduce_sum`` slices: the effects as an array."""
        return StanArg(f"{self.effects}_slice", "array[] real", False)


def time_series(spec: ModelSpec) -> TimeCovariance | None:
    """The model's time-series covariance structure (``cosy()``, ``ar(cov = TRUE)``), if any."""
    return next((t for t in spec.terms if isinstance(t, TimeCovariance)), None)


# The threaded likelihood of a time-series covariance structure slices the series:
# the rows of each must stay in one partial sum. Its partial sum of series start:end
# reads their rows row_start:row_end (the program_threaded template computes them and
# the first and last row of each series among them, begin_rows and end_rows).
_SERIES_POSITION = Position(True, sliced="nobs_tg", levels="nobs_tg")
_SERIES_SLICED = StanArg("nobs_tg", "array[] int", True)


def _by_level(spec: ModelSpec, lik: Likelihood) -> ByLevel | None:
    """The level slicing of the threaded likelihood ``lik`` (see :class:`ByLevel`), or
    None unless it fits: one vectorized density call (no loop over rows, no index
    sets, no mixture), linear predictors whose parts read only their own row
    (no non-linear formulas, special terms or ARMA updates), one group-level
    effect in all of them, and every data variable read one value per row.
    """
    if lik.pointwise or lik.index_sets or lik.components:
        return None
    if time_series(spec) is not None:
        return None  # the partial sums slice the series (see BySeries)
    if spec.response.mi is not None:
        return None  # Yl, computed in the model block, has no sorted copy
    if any(p.nonlinear is not None for p in spec.predictors):
        return None
    if any(t.mu_update() is not None for p in spec.predictors for t in p.terms):
        return None
    parts = [part for p in spec.predictors for part in _eta_parts(spec, p)]
    groups = [part for part in parts if part.kind == "group"]
    if len(groups) != 1 or any(part.kind == "rowwise" for part in parts):
        return None
    rows = set(_RESPONSE_ROWS)
    for part in parts:
        if part.kind == "offset":
            rows.add(part.value.name)
        rows.update(a.name for a in (part.data, part.weight) if a is not None)
    data = tuple(a for a in lik.reads if a.data)
    if any(a.name not in rows or a.type not in _SORTED_DECLARATIONS for a in data):
        return None
    group = groups[0]
    assert group.data is not None  # a group part always reads its level index
    return ByLevel(group.data.name, group.size, group.value.name, data)


def _use_glm(spec: ModelSpec, parts: list[EtaPart]) -> bool:
    """Whether mu goes through Stan's GLM function: as brms, when the family and link
    have one, mu has population-level coefficients and there are no addition terms
    but trials (weights, se, rate, cens, trunc); and when the function takes mu's
    other parts and the other dpars as they are."""
    glm = spec.likelihood.glm.get(spec.family.link.name)
    r = spec.response
    if (
        glm is None
        or time_series(spec) is not None
        or r.weights is not None
        or r.se is not None
        or r.denom is not None
    ):
        return False
    if r.uses_cdf or not any(part.kind == "design" for part in parts):
        return False
    if any(t.mu_update() is not None for t in spec.predictors[0].terms):
        return False
    if not glm.alpha and any(part.kind != "design" for part in parts):
        return False
    return glm.vector_dpars or len(spec.predictors) == 1


def _use_categorical_glm(spec: ModelSpec) -> bool:
    """Whether the categories' linear predictors go through Stan's
    ``categorical_logit_glm``: as brms, when each has population-level effects and
    nothing else (its intercept vector takes one value per category, not per row),
    all with the same design, and there are no weights."""
    has_glm = spec.family.link.name in spec.likelihood.glm
    if not has_glm or spec.response.weights is not None:
        return False
    fixed = []
    for p in spec.predictors:
        kinds = {part.kind for part in _eta_parts(spec, p)}
        if "design" not in kinds or not kinds <= {"design", "intercept"} or p.fixed is None:
            return False
        fixed.append(p.fixed)
    first = fixed[0]
    return all(
        f.intercept == first.intercept
        and f.design.names == first.design.names
        and np.array_equal(f.design.matrix, first.design.matrix)
        for f in fixed[1:]
    )


def _categorical_glm_args(spec: ModelSpec, pos: Position) -> dict[str, str]:
    """The design of the first category's predictor and, one column per category,
    the intercepts and coefficients; the reference category's are zero."""
    parts = [{part.kind: part for part in _eta_parts(spec, p)} for p in spec.predictors]
    design = parts[0]["design"]
    assert design.data is not None  # a design part always reads its matrix
    betas = [p["design"].value.name for p in parts]
    betas.insert(spec.reference, f"rep_vector(0, rows({betas[0]}))")
    beta = betas[0]
    for b in betas[1:]:
        beta = f"append_col({beta}, {b})"
    alphas = [p["intercept"].value.name if "intercept" in p else "0" for p in parts]
    alphas.insert(spec.reference, "0")
    return {"x": pos.rows(design.data.name), "alpha": f"[{', '.join(alphas)}]'", "beta": beta}


def _response(spec: ModelSpec) -> StanArg:
    """The response ``Y``: a matrix of counts ``array[,] int`` (one row per
    observation) for a multinomial response, else observation-level data; with
    ``mi()``, brms's ``Yl``, the response with its missing values' parameters."""
    family = spec.family.family
    if spec.response.mi is not None:
        return StanArg("Yl", "vector", False)
    if family.matrix_response:
        return StanArg("Y", "array[,] int" if family.discrete else "array[] vector", True)
    return StanArg("Y", _data_type(spec), True)


def _response_declaration(spec: ModelSpec) -> str:
    """The declaration of ``Y`` in the data block."""
    family = spec.family.family
    if family.matrix_response:
        return "array[N, ncat] int Y;" if family.discrete else "array[N] vector[ncat] Y;"
    return "array[N] int Y;" if family.discrete else "vector[N] Y;"


def _data_type(spec: ModelSpec) -> str:
    """Stan type of observation-level data on the scale of the response."""
    return "array[] int" if spec.family.family.discrete else "vector"


def density_suffixes(spec: ModelSpec, normalize: bool) -> dict[str, str]:
    """The suffixes of the likelihood's density calls, ``{"lpmf": ..., "lpdf": ...}``:
    Stan's ``_lupmf``/``_lupdf`` with ``normalize=False``, which drop the terms that
    do not depend on parameters (such as ``lgamma(Y + 1)`` of the Poisson density)
    when the sampler asks for the log density up to a constant; the family's density
    stays normalized where brms always normalizes it (``StanLikelihood.normalized``).

    Examples
    --------
    >>> import pandas as pd
    >>> from pybrms.spec import build_spec
    >>> spec = build_spec("y ~ 1", pd.DataFrame({"y": [1, 0, 3]}), "poisson")
    >>> density_suffixes(spec, normalize=False)
    {'lpmf': 'lupmf', 'lpdf': 'lupdf'}
    """
    return suffixes(normalize or spec.likelihood.normalized)


def suffixes(normalized: bool) -> dict[str, str]:
    """``{"lpmf": ..., "lpdf": ...}`` of normalized densities or of Stan's unnormalized
    ``_lupmf``/``_lupdf``.

    Examples
    --------
    >>> suffixes(False)
    {'lpmf': 'lupmf', 'lpdf': 'lupdf'}
    """
    if normalized:
        return {"lpmf": "lpmf", "lpdf": "lpdf"}
    return {"lpmf": "lupmf", "lpdf": "lupdf"}


def _likelihood(spec: ModelSpec, pos: Position, normalize: bool) -> Likelihood:
    family = spec.family.family
    response = spec.response
    stan = spec.likelihood
    reads: dict[str, StanArg] = {}

    def use(arg: StanArg) -> str:
        reads.setdefault(arg.name, arg)
        return arg.name

    # brms vectorizes a censored likelihood over index sets of rows, unless
    # interval censoring, weights or truncation make it a loop
    censored = response.cens is not None
    by_index = (
        censored
        and stan.vectorized
        and response.rcens is None
        and response.weights is None
        and not response.truncated
    )
    weighted = response.weights is not None
    pointwise = weighted or not stan.vectorized or response.uses_cdf and not by_index
    use(_response(spec))
    # a matrix of counts holds its number of trials
    trials = response.trials is not None and not family.matrix_response
    if trials:
        use(StanArg("trials", "array[] int", True))
    for name in response.vars:
        use(StanArg(name, "array[] int" if name.startswith("vint") else "array[] real", True))
    weights = pos.row(use(StanArg("weights", "vector", True))) if weighted else ""
    cens = pos.row(use(StanArg("cens", "array[] int", True))) if censored else ""

    mu_parts = _eta_parts(spec, spec.predictors[0])
    per_category = family.per_category
    glm = _use_categorical_glm(spec) if per_category else _use_glm(spec, mu_parts)
    glm_args: dict[str, str] = {}
    dpars = []
    # non-linear parameters first: the non-linear expressions read them
    for p in sorted(spec.predictors, key=lambda p: not p.nlpar):
        if p.nonlinear is not None:
            dpars.append(_nonlinear_vector(p, pos, use))
            continue
        parts = mu_parts if p.dpar == "mu" else _eta_parts(spec, p)
        for part in parts:
            for arg in part.reads:
                use(arg)
        if per_category and glm:
            glm_args = _categorical_glm_args(spec, pos)
            continue
        if p.dpar == "mu" and glm:
            design = next(part for part in parts if part.kind == "design")
            assert design.data is not None  # a design part always reads its matrix
            rest = [part for part in parts if part is not design]
            alpha = " + ".join(_format(part, pos) for part in rest) or "0"
            if any(part.kind == "rowwise" for part in rest):
                dpars.append(_local_vector(p.dpar, rest, pos, None))
                alpha = p.dpar
            glm_args = {"x": pos.rows(design.data.name), "beta": design.value.name, "alpha": alpha}
            continue
        local = _local_vector(p.local, parts, pos, p.inverse_link)
        update = next((u for t in p.terms if (u := t.mu_update()) is not None), None)
        if update is not None:
            for arg in update.reads:
                use(arg)
            # ARMA terms need the identity link (pybrms.spec.build), so no inverse to move
            local = replace(local, update=update)
        dpars.append(local)
    nlpars = {p.local for p in spec.predictors if p.nlpar}
    local_dpars = {d.name for d in dpars}
    series = time_series(spec)
    if spec.family.family.components is not None:
        return _mixture_likelihood(spec, pos, normalize, dpars, use, reads, weights)
    term_args = {
        name: use(arg)
        for t in spec.predictors[0].terms
        for name, arg in t.likelihood_args().items()
    }
    shifts = [s for t in spec.predictors[0].terms for s in t.likelihood_shifts()]
    matrices = tuple(
        LocalVector(
            s.name,
            f"N, {use(s.cols)}",
            f"{pos.rows(use(s.data))} * {use(s.value)}",
            type="matrix",
        )
        for s in shifts
    )
    for d in spec.scalar_dpars:
        use(StanArg(d.name, "real", False))
    dist, takes_eta = stan.distribution(spec.family.link.name, response.uses_cdf)
    takes_eta = not takes_eta
    for name, kind in _addition_reads(spec, takes_eta):
        use(StanArg(name, kind, True))

    def args(rows: Rows) -> dict[str, str]:
        """Arguments of the family macros at ``rows``, ``y`` the response."""
        out = {"y": rows.data(_response(spec).name)}
        if trials:
            out["trials"] = rows.data("trials")
        out |= {d.name: rows.local(d.name) for d in dpars if d.name not in nlpars}
        if per_category:
            # one row's linear predictors of all categories, the reference one's 0
            mus = [
                rows.local(d.name)
                for d in dpars
                if d.name not in family.dpar_names and d.name not in nlpars
            ]
            mus.insert(spec.reference, "0")
            out["mu"] = f"[{', '.join(mus)}]'"
        out |= {d.name: d.name for d in spec.scalar_dpars}
        out |= {name: format_number(value) for name, value in spec.fixed_dpars.items()}
        out |= term_args
        if series is not None:
            out["se2"] = rows.data("se2")
            out["variance"] = "het" if "sigma" in local_dpars else "hom"
            if pos.levels:
                out["begin"], out["end"] = "begin_rows", "end_rows"
        for s in shifts:
            out[s.arg] = f"{out[s.arg]} - transpose({rows.local(s.name)})"
        out |= density_suffixes(spec, normalize)
        if glm:
            return out | glm_args | {"dist": stan.glm[spec.family.link.name].name}
        if response.se is not None and response.se_sigma:
            out["sigma"] = f"sqrt(square({out['sigma']}) + {rows.data('se2')})"
        elif response.se is not None:
            out["sigma"] = rows.data("se")
        if response.denom is not None:
            for dpar in family.rate_dpars:
                if dpar == "mu" and takes_eta:
                    out[dpar] = f"{out[dpar]} + {rows.data('log_denom')}"
                else:
                    out[dpar] = f"{out[dpar]} .* {rows.data('denom')}"
        out["dist"] = dist
        if stan.arguments:
            # a custom family: its vars are data of vint() and vreal()
            out |= {name: rows.data(name) for name in response.vars}
            out["custom"] = ", ".join(out[name] for name in stan.arguments)
            out["density"] = out["lpmf" if family.discrete else "lpdf"]
        return out

    if by_index:
        contributions = tuple(
            Contribution(Density(Call(fn, args(Rows(pos, s.rows)))))
            for s, fn in zip(_INDEX_SETS, ("lpdf", "lccdf", "lcdf"), strict=True)
        )
        row_args = args(Rows(pos, "n"))
    else:
        # a GLM function takes all rows, though the family's density takes one
        rows = Rows(pos, "n" if pointwise and not glm else "")
        row_args = args(rows)
        contributions = _contributions(spec, rows, row_args)
    return Likelihood(
        pos=pos,
        family_template=f"families/{stan.template}{'_time' if series else ''}.stan.j2",
        glm=glm,
        args=row_args,
        dpars=(*matrices, *dpars),
        pointwise=pointwise,
        weights=weights,
        contributions=contributions,
        index_sets=_INDEX_SETS if by_index else (),
        cens=cens,
        reads=tuple(reads.values()),
    )


def _mixture_likelihood(
    spec: ModelSpec,
    pos: Position,
    normalize: bool,
    dpars: list[LocalVector],
    use: Callable[[StanArg], str],
    reads: dict[str, StanArg],
    weights: str,
) -> Likelihood:
    """brms's likelihood of a mixture: per row, ``ps[k]`` is the log proportion of
    component ``k`` plus its density, written by its family's own template, and
    ``log_sum_exp(ps)`` is added. Predicted proportions are linear predictors,
    the reference component's 0, scaled to log proportions row by row."""
    components = spec.family.family.components
    assert components is not None
    rows = Rows(pos, "n")
    local = {d.name for d in dpars}
    thetas = tuple(f"theta{k}" for k in range(1, len(components) + 1))
    # proportions fixed by the formula are numbers, like those of the simplex
    predicted = not spec.theta_simplex and thetas[0] not in spec.fixed_dpars
    if predicted:
        reference = next(t for t in thetas if t not in local)
        dpars = [*dpars, LocalVector(reference, "N", "rep_vector(0.0, N)")]
        local.add(reference)
    for d in spec.scalar_dpars:
        use(StanArg(d.name, "real", False))
    if spec.theta_simplex:
        for theta in thetas:
            use(StanArg(theta, "real", False))
    for name, kind in _addition_reads(spec, takes_eta=False):
        use(StanArg(name, kind, True))

    def value(name: str) -> str:
        if name in spec.fixed_dpars:
            return format_number(spec.fixed_dpars[name])
        return rows.local(name) if name in local else name

    out = []
    y = {"y": rows.data(_response(spec).name)} | (
        {"trials": rows.data("trials")} if spec.response.trials is not None else {}
    )
    for k, (family, link) in enumerate(components.families, 1):
        own = [d.name for d in family.dpars if f"{d.name}{k}" in local]
        stan = family.likelihood(link.name, own)
        dist, _ = stan.distribution(link.name, spec.response.uses_cdf)
        keep = normalize or stan.normalized
        args = y | {
            "dist": dist,
            "lpdf": "lpdf" if keep else "lupdf",
            "lpmf": "lpmf" if keep else "lupmf",
            "mu": value(f"mu{k}"),
        }
        args |= {d.name: value(f"{d.name}{k}") for d in family.dpars}
        theta = value(f"theta{k}")
        log_theta = theta if predicted else f"log({theta})"
        template = f"families/{stan.template}.stan.j2"
        out.append(Component(template, _contributions(spec, rows, args), log_theta))
    return Likelihood(
        pos=pos,
        family_template="",
        glm=False,
        args={},
        dpars=tuple(dpars),
        pointwise=True,
        weights=weights,
        contributions=(),
        index_sets=(),
        cens="",
        reads=tuple(reads.values()),
        components=tuple(out),
        thetas=thetas if predicted else (),
    )


def _addition_reads(spec: ModelSpec, takes_eta: bool) -> list[tuple[str, str]]:
    """The data of the addition terms the likelihood reads (besides trials, weights and
    cens), with their Stan types: brms's ``se``/``se2``, ``denom``/``log_denom``,
    ``rcens``, ``lb`` and ``ub``."""
    r = spec.response
    out = []
    if r.se is not None:
        out.append(("se2" if r.se_sigma else "se", "vector"))
    if r.denom is not None:
        out.append(("log_denom" if takes_eta else "denom", "vector"))
        if len(spec.family.family.rate_dpars) > 1:
            out.append(("denom", "vector"))
    bound_type = "array[] int" if spec.family.family.discrete else "array[] real"
    out += [(name, bound_type) for name, v in (("lb", r.lb), ("ub", r.ub)) if v is not None]
    if r.rcens is not None:
        out.append(("rcens", _data_type(spec)))
    return out


def _contributions(spec: ModelSpec, rows: Rows, args: dict[str, str]) -> tuple[Contribution, ...]:
    """The statements of a likelihood that is not vectorized over index sets: the
    density, or one per censoring code (brms's ``if (cens[n] == 0) ... else if``),
    each minus the log probability within the truncation bounds."""
    r = spec.response
    trunc = _truncation(spec, rows, args)
    if r.cens is None:
        return (Contribution(Density(Call("lpdf", args)), trunc),)
    cens = rows.data("cens")
    out = [
        Contribution(Density(Call(fn, args)), trunc, f"{cens} == {code}")
        for code, fn in ((0, "lpdf"), (1, "lccdf"), (-1, "lcdf"))
    ]
    if r.rcens is not None:
        upper = Call("lcdf", args | {"y": rows.data("rcens")})
        out.append(Contribution(Density(upper, Call("lcdf", args)), trunc, f"{cens} == 2"))
    return tuple(out)


def _truncation(spec: ModelSpec, rows: Rows, args: dict[str, str]) -> Density | None:
    """The log probability within the bounds of ``trunc()``, as brms: ``lccdf(lb)``,
    ``lcdf(ub)`` or ``log_diff_exp(lcdf(ub), lcdf(lb))``; a discrete response's lower
    bound is inclusive, so its cdf is taken at ``lb - 1``."""
    r = spec.response
    lb = rows.data("lb") + (" - 1" if spec.family.family.discrete else "")
    ub = rows.data("ub")
    if r.lb is not None and r.ub is not None:
        return Density(Call("lcdf", args | {"y": ub}), Call("lcdf", args | {"y": lb}))
    if r.lb is not None:
        return Density(Call("lccdf", args | {"y": lb}))
    if r.ub is not None:
        return Density(Call("lcdf", args | {"y": ub}))
    return None


def dpar_bounds(d: ScalarDpar, resp: str = "") -> str:
    """``<lower=.., upper=..>`` for the bounds of ``d`` that are set, else empty; a bound
    the response sets is its variable (``upper=min_Y``, see :func:`response_bounds`).

    Examples
    --------
    >>> dpar_bounds(ScalarDpar("zi", 0.0, 1.0)), dpar_bounds(ScalarDpar("alpha", None, None))
    ('<lower=0, upper=1>', '')
    """
    ub = d.ub_variable(resp) or (None if d.ub is None else format_number(d.ub))
    lb = None if d.lb is None else format_number(d.lb)
    parts = [f"{side}={v}" for side, v in (("lower", lb), ("upper", ub)) if v is not None]
    return f"<{', '.join(parts)}>" if parts else ""


def response_bounds(dpars: Iterable[ScalarDpar], resp: str = "") -> list[str]:
    """brms's transformed data computing bounds from the response (``real min_Y =
    min(Y);``), one per kind of bound that ``dpars`` of response ``resp`` read.

    Examples
    --------
    >>> from pybrms.spec.families import FAMILIES
    >>> bound = FAMILIES["shifted_lognormal"].dpar("ndt").response_bound
    >>> response_bounds([ScalarDpar("ndt1", 0.0, 0.3, response_bound=bound)] * 2, "rt")
    ['real min_Y_rt = min(Y_rt);']
    """
    bounds = dict.fromkeys(d.response_bound for d in dpars if d.response_bound is not None)
    y = with_resp("Y", resp)
    return [f"real {with_resp(b.name, resp)} = {b.stan}({y});" for b in bounds]


def _dpar_comment(spec: ModelSpec, d: ScalarDpar) -> str:
    """brms's comment on the declaration of a parameter estimated as one value."""
    comment = spec.family.family.dpar(d.name).comment
    return f"{comment} (temporary)" if d.scale else comment


def _scaled_dpars(spec: ModelSpec) -> list[dict[str, str]]:
    """brms's ``tmp_dpars`` in transformed parameters: the parameter computed by its
    ``scale`` function from ``tmp_<name>``, the response and the family's earlier
    parameters (``xi = scale_xi(tmp_xi, Y, mu, sigma)``)."""
    family = spec.family.family
    out = []
    for d in spec.scalar_dpars:
        if d.scale is None:
            continue
        earlier = ["mu", *family.dpar_names[: family.dpar_names.index(d.name)]]
        # a parameter fixed by the formula is a number in the program
        args = [format_number(spec.fixed_dpars[e]) if e in spec.fixed_dpars else e for e in earlier]
        call = f"{d.scale}({', '.join([d.stan, 'Y', *args])})"
        out.append({"name": d.name, "comment": family.dpar(d.name).comment, "call": call})
    return out


def _bounds(spec: ModelSpec | MvSpec) -> dict[str, str]:
    """Bounds set by the user on class ``b``, Stan name -> ``<lower=lb_b, upper=ub_b>``
    (the bounds are data, see :func:`~pybrms.spec.default_priors.user_bounds`)."""
    out = {}
    for target in spec.prior_targets():
        lb, ub = user_bounds(spec.priors, target)
        parts = [f"{side}={v.name}" for side, v in (("lower", lb), ("upper", ub)) if v is not None]
        if parts:
            out[target.stan] = f"<{', '.join(parts)}>"
    return out


def lprior_statements(spec: ModelSpec) -> list[PriorStatement]:
    """The ``lprior`` statements of the spec's prior table.

    Examples
    --------
    >>> import pandas as pd
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [0.5, 1.5, 2.0, 4.0], "x": [1.0, 2.0, 3.0, 5.0]})
    >>> [s.target for s in lprior_statements(build_spec("y ~ x", df))]
    ['Intercept', 'sigma']
    """
    return prior_statements(spec.priors, spec.prior_targets())


def _functions(spec: ModelSpec) -> list[str]:
    """The functions files the program includes, each once: the likelihood's, the
    inverse links Stan lacks, and the terms' (``scale_r_cor``, ``mo``)."""
    files = [
        *spec.likelihood.functions,
        *(f for p in spec.predictors for f in p.link.functions),
        *(f for t in spec.terms for f in t.functions()),
    ]
    return [f"functions/{f}" for f in dict.fromkeys(files)]


def _mixture_context(spec: ModelSpec) -> dict[str, Any]:
    """What a mixture adds to the program: brms's simplex ``theta`` of ``size``
    elements (0: none) and its ``ordered_Intercept`` of ``ordered`` elements (0: none)."""
    components = spec.family.family.components
    if components is None:
        return {"size": 0, "ordered": 0}
    return {"size": spec.theta_simplex, "ordered": len(components) if components.ordered else 0}


def render_context(
    spec: ModelSpec, *, static: bool = False, normalize: bool = True
) -> dict[str, Any]:
    """The template context for ``spec``; the same for the plain and threaded programs.

    Parameters
    ----------
    spec
        The model.
    static
        Use ``reduce_sum_static`` in the threaded program.
    normalize
        As brms's ``normalize``: False writes the likelihood and the group-level
        effects' standard normal prior with ``_lupmf``/``_lupdf`` (see
        :func:`density_suffixes`), and calls the partial sum of the threaded
        program as ``partial_log_lik_lupmf``, so that they drop their constants.

    Returns
    -------
    dict
        Values the templates print.

    Examples
    --------
    >>> import pandas as pd
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [1, 0, 3, 2], "x": [0.1, 0.5, 0.9, 1.3], "g": list("aabb")})
    >>> render_context(build_spec("y ~ x + (1 | g)", df, "poisson"))["pll_call"]
    'Y_sorted, Xc_sorted, b, J_1_sorted, first_row, last_row'
    >>> render_context(build_spec("y ~ x + (1 | g) + (1 | x)", df, "poisson"))["pll_call"]
    'Xc, b, J_1, Intercept_r_1_1, J_2, r_2_1'
    """
    family = spec.family.family
    sliced = sliced_variable(spec)
    threaded = _likelihood(spec, Position(threaded=True, sliced=sliced.name), normalize)
    shared = [a for a in threaded.reads if a.name != sliced.name]
    call = [a.name for a in shared]
    sliced_value, grainsize, suffix = sliced.name, "grainsize", "lpmf"
    by_level = _by_level(spec, threaded)
    if by_level is not None:
        position = Position(True, levels=by_level.index, copied=frozenset(by_level.copied))
        threaded = _likelihood(spec, position, normalize)
        sliced = by_level.sliced
        shared = [a for a in threaded.reads if a.name != by_level.effects]
        shared += [StanArg(name, "array[] int", True) for name in ("first_row", "last_row")]
        call = [by_level.sorted(a.name) for a in shared]
        sliced_value, grainsize = f"to_array_1d({by_level.effects})", "grainsize_levels"
        # a partial sum whose first argument is real is a density
        suffix = "lpdf"
    by_series = time_series(spec) is not None
    if by_series:
        threaded = _likelihood(spec, _SERIES_POSITION, normalize)
        sliced = _SERIES_SLICED
        shared = [a for a in threaded.reads if a.name != sliced.name]
        call = [a.name for a in shared]
        sliced_value, grainsize = sliced.name, "grainsize_series"
    ctx: dict[str, Any] = {
        "version": __version__,
        "response_decl": _response_declaration(spec),
        "trials": spec.response.trials is not None,
        "weights": spec.response.weights is not None,
        "response": spec.response,
        "missing_bounds": spec.family.family.support.bounds,
        "int_response": family.discrete,
        "nthres": spec.response.nthres,
        "ncat": len(spec.response.categories) if family.per_category else 0,
        "terms": spec.terms,
        # every term has the N rows (see pybrms.codegen.multivariate)
        "nobs": {},
        "scalar_dpars": [
            {"name": d.stan, "bounds": dpar_bounds(d), "comment": _dpar_comment(spec, d)}
            for d in spec.scalar_dpars
        ],
        "response_bounds": response_bounds(spec.scalar_dpars),
        "scaled_dpars": _scaled_dpars(spec),
        "constants": {c.stan: c for c in spec.constants()},
        "bounds": _bounds(spec),
        "lprior": lprior_statements(spec),
        "prior_data": prior_data(spec.priors, spec.prior_targets()),
        "prior_draws": [prior_draw_code(d) for d in spec.prior_draws()],
        "functions": _functions(spec),
        # for functions files written per family and link (ordinal densities)
        "family_name": family.name,
        "link_name": spec.family.link.name,
        "shared_locals": shared_locals(spec),
        "plain": _likelihood(spec, Position(threaded=False), normalize),
        "threaded": threaded,
        "sliced": sliced,
        "sliced_value": sliced_value,
        "by_level": by_level,
        "by_series": by_series,
        "grainsize": grainsize,
        "pll_signature": ", ".join(a.signature for a in shared),
        "pll_call": ", ".join(call),
        "pll_suffix": suffix,
        "reduce": "reduce_sum_static" if static else "reduce_sum",
        # brms's comments: "likelihood including constants" or "... not including ..."
        "constants_comment": "including constants" if normalize else "not including constants",
        "partial_log_lik": f"partial_log_lik_{suffix if normalize else 'lu' + suffix[1:]}",
        # the group-level effects' std_normal prior (lprior stays normalized, see docs)
        "lpdf": "lpdf" if normalize else "lupdf",
        "mixture": _mixture_context(spec),
        "stanvars": spec.stanvars,
    }
    ctx["ctx"] = ctx
    return ctx
