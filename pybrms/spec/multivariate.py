"""Multivariate models: one part per response, its names suffixed by the response.

As brms's ``mvbrmsterms``, a multivariate model is a list of univariate parts
(response, family, linear predictors, family parameters) that share the rows,
the group-level IDs (``(1 | p | g)`` across responses gives one correlation
matrix) and, for gaussian or student responses, the residual correlations
``rescor``. Every term of a part carries the response in its dpar name
(``y1``, ``sigma_y1``; :func:`~pybrms.spec.names.with_resp`), which gives brms's
Stan names (``b_y1``, ``Intercept_y1``) and output names (``b_y1_x``,
``sd_g__y1_Intercept``, ``r_g__y1[...]``) without any term knowing about responses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.formula import BrmsFormula
from pybrms.formula.multivariate import MvFormula, mvbf, split_mvbind
from pybrms.priors import Dist, Priors
from pybrms.spec.build import (
    FamilyLike,
    FormulaLike,
    build_predictor,
    build_spec,
    check_additions,
    check_dpars,
    group_ids,
    imputed_responses,
    intercept_prior,
    known_covariances,
    missing_names,
    name_order,
    number_groupings,
    predicted_parameters,
    response_from_data,
    share_ids,
    vary_special_terms,
)
from pybrms.spec.default_priors import (
    Constants,
    PriorRow,
    PriorTable,
    PriorTarget,
    constants,
    prior_dist,
    scale_prior,
)
from pybrms.spec.families import BoundFamily, StanLikelihood, resolve_family
from pybrms.spec.frame import check_columns
from pybrms.spec.model_spec import ModelSpec, Predictor, Response, ScalarDpar
from pybrms.spec.names import FAMILY_SPECIFIC, ParName, Section, with_resp
from pybrms.spec.prior_draws import (
    PriorDraw,
    SamplePrior,
    check_proper_priors,
    check_sample_prior,
    prior_draws,
)
from pybrms.spec.stanvars import Stanvars, as_stanvars
from pybrms.spec.subset import complete_mv_rows, subset_of
from pybrms.spec.terms import GroupEffects, PriorDefaults, Term
from pybrms.spec.terms.smooth import Knots, check_knots
from pybrms.spec.user_priors import user_prior_rows

__all__ = [
    "ModelFamily",
    "ModelFormula",
    "MvPart",
    "MvSpec",
    "RESCOR_FAMILIES",
    "as_mv_formula",
    "build_model",
    "build_mv_spec",
    "rebuild_model",
]

#: A univariate or multivariate formula.
ModelFormula = FormulaLike | MvFormula
#: One family, or one per response of a multivariate model.
ModelFamily = FamilyLike | Sequence[FamilyLike]

#: Families whose responses can have residual correlations, as brms's ``has_rescor``.
RESCOR_FAMILIES = ("gaussian", "student")

RESIDUAL_CORRELATIONS = Section("Residual Correlations", 4)

# Addition terms a response of a multivariate model may have (others are not supported yet).
_MV_ADDITIONS = frozenset({"trials", "mi", "subset"})


@dataclass(frozen=True, eq=False)
class MvPart:
    """One response of a multivariate model.

    Attributes
    ----------
    resp
        brms's name of the response (``"y1"``), the suffix of its Stan names.
    family
        Its family and link.
    response
        Its values (additions: ``trials()`` only).
    predictors
        Its linear predictors, mu first; their ``dpar`` carries the response
        (``"y1"``, ``"sigma_y1"``).
    scalar_dpars
        Its family parameters without a formula, by the family's names
        (``"sigma"``); the Stan variable is :meth:`stan_dpar` (``sigma_y1``).
    subset
        Its rows among the model's (``subset()``), None for all.
    nobs
        The Stan name of its number of rows: ``N``, or brms's ``N_y1`` when a
        response of the model has ``subset()``.
    """

    resp: str
    family: BoundFamily
    response: Response
    predictors: tuple[Predictor, ...]
    scalar_dpars: tuple[ScalarDpar, ...]
    subset: np.ndarray | None = None
    nobs: str = "N"

    @property
    def terms(self) -> tuple[Term, ...]:
        """The terms of all its predictors."""
        return tuple(t for p in self.predictors for t in p.terms)

    @property
    def likelihood(self) -> StanLikelihood:
        """The family's Stan likelihood for its link and predicted parameters."""
        predicted = [p.family_dpar for p in self.predictors[1:]]
        return self.family.family.likelihood(self.family.link.name, predicted)

    def stan_dpar(self, dpar: str) -> str:
        """The Stan name of its family parameter ``dpar``: ``sigma_y1``."""
        return with_resp(dpar, self.resp)


@dataclass(frozen=True, eq=False)
class MvSpec:
    """A multivariate model: its parts, shared rows, residual correlations, priors, names.

    Attributes
    ----------
    formula
        The multivariate formula.
    data
        The rows complete in every variable of every response (original index kept).
    parts
        One :class:`MvPart` per response, in formula order.
    rescor
        Whether the residuals of the (gaussian or student) responses are correlated:
        the likelihood is then one multivariate density per row.
    shared_dpars
        Family parameters shared by all responses: ``nu`` of a multivariate student.
    priors
        The prior table, ``resp`` filled in as brms.
    names
        Stan variable elements and their brms output names.
    user_priors, sample_prior, data2, knots
        As :class:`~pybrms.spec.model_spec.ModelSpec`: kept so that the model can be
        built again on other rows (``kfold()``).
    """

    formula: MvFormula
    data: pd.DataFrame
    parts: tuple[MvPart, ...]
    rescor: bool
    shared_dpars: tuple[ScalarDpar, ...]
    priors: PriorTable
    names: tuple[ParName, ...]
    user_priors: Priors | None = None
    sample_prior: SamplePrior = "no"
    data2: Mapping[str, Any] | None = None
    knots: Mapping[str, Sequence[float]] = field(default_factory=dict)

    def __repr__(self) -> str:
        parts = ", ".join(f"{p.resp}: {p.family.name}" for p in self.parts)
        return f"MvSpec({parts}, rescor={self.rescor}, N={self.N})"

    @property
    def N(self) -> int:
        """Number of observations (rows)."""
        return len(self.data)

    @property
    def input_data(self) -> pd.DataFrame:
        """The rows in the user's order: ``data`` (no multivariate model reorders them)."""
        return self.data

    @property
    def fixed_dpars(self) -> dict[str, float]:
        """Parameters fixed by the formula: none (multivariate models refuse them)."""
        return {}

    @property
    def responses(self) -> tuple[str, ...]:
        """brms's names of the responses."""
        return tuple(p.resp for p in self.parts)

    @property
    def predictors(self) -> tuple[Predictor, ...]:
        """The linear predictors of all responses."""
        return tuple(p for part in self.parts for p in part.predictors)

    @property
    def terms(self) -> tuple[Term, ...]:
        """The terms of all responses."""
        return tuple(t for part in self.parts for t in part.terms)

    def part(self, resp: str) -> MvPart:
        """The part of response ``resp``.

        Raises
        ------
        SpecError
            If the model has no such response.
        """
        for p in self.parts:
            if p.resp == resp:
                return p
        raise SpecError(
            f"Unknown response {resp!r}; the responses of this model are "
            f"{', '.join(map(repr, self.responses))}."
        )

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """Stan variables governed by the prior table, in brms's statement order."""

        def of_scope(scope: str) -> list[PriorTarget]:
            return [
                t for term in self.terms if term.prior_scope == scope for t in term.prior_targets()
            ]

        dpars = [
            PriorTarget(
                part.stan_dpar(d.name),
                (((d.name, "", "", part.resp),),),
                scalar=True,
                ub=d.ub_variable(part.resp),
            )
            for part in self.parts
            for d in part.scalar_dpars
        ]
        dpars += [
            PriorTarget(d.name, (((d.name, "", "", ""),),), scalar=True) for d in self.shared_dpars
        ]
        if self.rescor:
            rescor = ((("rescor", "", "", ""),),)
            dpars.append(PriorTarget("Lrescor", rescor, label="rescor", size="nresp"))
        return (*of_scope("predictor"), *dpars, *of_scope("model"))

    def constants(self) -> tuple[Constants, ...]:
        """Stan variables that ``constant(x)`` priors fix."""
        return tuple(constants(self.priors, self.prior_targets()))

    def prior_draws(self) -> tuple[PriorDraw, ...]:
        """Draws from the priors in generated quantities (none unless ``sample_prior="yes"``)."""
        if self.sample_prior != "yes":
            return ()
        return prior_draws(self.priors, self.prior_targets())


def as_mv_formula(formula: object) -> MvFormula | None:
    """``formula`` as a multivariate formula: an :class:`MvFormula`, or a string whose
    response is ``mvbind()``; None for a univariate formula."""
    if isinstance(formula, MvFormula):
        return formula
    if isinstance(formula, str) and split_mvbind(formula) is not None:
        return mvbf(formula)
    return None


def build_model(
    formula: ModelFormula,
    data: pd.DataFrame,
    family: ModelFamily = "gaussian",
    prior: Priors | None = None,
    sample_prior: SamplePrior | bool = "no",
    data2: Mapping[str, Any] | None = None,
    stanvars: Stanvars | None = None,
    knots: Knots | None = None,
) -> ModelSpec | MvSpec:
    """The univariate or multivariate model of ``formula``: :func:`build_mv_spec` for
    :func:`pybrms.mvbf`, ``bf(...) + bf(...)`` or ``"mvbind(y1, y2) ~ x"``, else
    :func:`~pybrms.spec.build_spec`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1.0, 2.5, 2.0, 4.1], "b": [0.3, 0.1, 0.8, 0.5]})
    >>> build_model("mvbind(a, b) ~ 1", df)
    MvSpec(a: gaussian, b: gaussian, rescor=True, N=4)
    """
    mv = as_mv_formula(formula)
    if mv is not None:
        if as_stanvars(stanvars):
            raise SpecError("stanvars are not supported yet for multivariate models.")
        return build_mv_spec(mv, data, family, prior, sample_prior, data2, knots)
    if isinstance(family, list | tuple):
        raise SpecError(
            "A list of families is for multivariate models (one per response); "
            f"got {len(family)} families for a univariate formula."
        )
    return build_spec(formula, data, family, prior, sample_prior, data2, stanvars, knots)  # type: ignore[arg-type]


def _families(formula: MvFormula, family: FamilyLike | Sequence[FamilyLike]) -> list[BoundFamily]:
    """One family per response: the same for all, or a list in response order (brms)."""
    n = len(formula.formulas)
    if not isinstance(family, str | BoundFamily):
        if len(family) != n:
            raise SpecError(
                f"A list of families needs one per response: the model has {n} responses "
                f"({', '.join(formula.responses)}), got {len(family)} families."
            )
        return [resolve_family(f) for f in family]
    return [resolve_family(family)] * n


def _check_part(resp: str, bform: BrmsFormula, bound: BoundFamily) -> None:
    """Refuse, per response, what pybrms's multivariate models do not support yet."""
    family = bound.family
    unsupported = (
        "a mixture"
        if family.components is not None
        else "a custom family"
        if family.stan.arguments
        else "a categorical or ordinal family"
        if family.per_category or family.ordinal
        else "a matrix response"
        if family.matrix_response
        else "a family whose density takes one observation at a time"
        if not family.likelihood(bound.link.name, tuple(bform.dpars)).vectorized
        else ""
    )
    if unsupported:
        raise SpecError(
            f"Response {resp!r} has {unsupported} ({bound.name!r}), which multivariate "
            "models do not support yet."
        )
    if bform.nl or bform.nlpars:
        raise SpecError(
            f"Response {resp!r}: non-linear formulas in multivariate models are not supported yet."
        )
    if bform.pfix:
        fixed = ", ".join(f"{name} = {value:g}" for name, value in bform.pfix.items())
        raise SpecError(
            f"Response {resp!r}: parameters fixed to a value ({fixed}) in multivariate models "
            "are not supported yet."
        )
    if bform.mu.arma is not None:
        raise SpecError(
            f"Response {resp!r}: {bform.mu.arma.text} in multivariate models is not supported yet."
        )
    assert bform.mu.response is not None  # bf() refuses a main formula without one
    for addition in bform.mu.response.additions:
        if addition.name not in _MV_ADDITIONS:
            raise SpecError(
                f"Response {resp!r}: addition term {addition.name}() in multivariate models "
                f"is not supported yet; supported: {', '.join(sorted(_MV_ADDITIONS))}."
            )


def _check_missing_terms(formula: MvFormula, imputed: frozenset[str]) -> None:
    """Each ``mi(x)`` needs ``x`` to be a response of the model with ``mi()``, as brms."""
    for resp, bform in zip(formula.responses, formula.formulas, strict=True):
        for x in dict.fromkeys(x for t in bform.mu.missing for x in t.missing):
            if x not in imputed:
                raise SpecError(
                    f"mi({x}) in the formula of {resp!r} needs a model of {x!r} with mi() "
                    f"estimating its missing values, as brms: add bf({x} | mi() ~ ...)."
                )


def _check_imputed_columns(formula: MvFormula, imputed: frozenset[str], data: pd.DataFrame) -> None:
    """A column whose missing values mi() estimates is read through mi() only, outside
    its own response: elsewhere its missing values would reach the data."""
    for resp, bform in zip(formula.responses, formula.formulas, strict=True):
        for x in sorted((bform.variables - imputed_responses(bform.mu)) & imputed):
            if data[x].isna().any():
                raise SpecError(
                    f"The formula of {resp!r} reads {x!r}, whose missing values mi() estimates, "
                    f"outside mi({x}); write mi({x}), e.g. mi({x}):z for an interaction (mi() in "
                    "group-level terms or distributional parameters is not supported yet)."
                )


def _rescor(formula: MvFormula, families: list[BoundFamily]) -> bool:
    """brms's rule: residual correlations only when every response is gaussian or every
    one student; by default, whenever they are allowed."""
    names = {b.family.name for b in families}
    allowed = len(names) == 1 and names <= set(RESCOR_FAMILIES)
    # as brms: models with mi() go without residual correlations by default
    imputed = sorted(set().union(*(imputed_responses(f.mu) for f in formula.formulas)))
    rescor = allowed and not imputed if formula.rescor is None else formula.rescor
    if rescor and imputed:
        raise SpecError(
            f"Residual correlations with missing responses estimated by mi() "
            f"({', '.join(imputed)}) are not supported yet; add set_rescor(False)."
        )
    subsets = [f.mu.response.addition("subset") for f in formula.formulas if f.mu.response]
    subset = next((a for a in subsets if a is not None), None)
    if rescor and subset is not None:
        raise SpecError(
            f"Residual correlations (rescor) need every response on every row, but "
            f"{subset.label} leaves rows out (brms: only 'se', "
            "'weights' and 'mi' are supported addition arguments when 'rescor' is "
            "estimated); add set_rescor(False)."
        )
    if rescor and not allowed:
        found = ", ".join(
            f"{r}: {b.name}" for r, b in zip(formula.responses, families, strict=True)
        )
        raise SpecError(
            "Residual correlations (rescor) are only possible when all responses are "
            f"gaussian or all are student; got {found}. Add set_rescor(False) to model "
            "the responses without them."
        )
    if rescor:
        for resp, bform in zip(formula.responses, formula.formulas, strict=True):
            # as brms: sigma may vary by row (each row's own residual covariance)
            others = [d for d in bform.dpars if d != "sigma"]
            if others:
                raise SpecError(
                    f"Response {resp!r} predicts {', '.join(others)}: with residual "
                    "correlations, predicted family parameters other than sigma are not "
                    "supported yet; add set_rescor(False) or drop their formulas."
                )
    return rescor


def build_mv_spec(
    formula: MvFormula,
    data: pd.DataFrame,
    family: FamilyLike | Sequence[FamilyLike] = "gaussian",
    prior: Priors | None = None,
    sample_prior: SamplePrior | bool = "no",
    data2: Mapping[str, Any] | None = None,
    knots: Knots | None = None,
) -> MvSpec:
    """Check the inputs and describe a multivariate model (brms's ``mvbrmsterms``).

    Parameters
    ----------
    formula
        From :func:`pybrms.mvbf`, ``bf(...) + bf(...)`` or ``"mvbind(y1, y2) ~ x"``.
    data
        One row per observation; rows missing a value of any response's variables
        are dropped, as brms.
    family
        One family for all responses, or a list with one per response.
    prior, sample_prior, data2, knots
        As :func:`pybrms.spec.build_spec`; ``resp=`` names a response's priors.

    Returns
    -------
    MvSpec

    Raises
    ------
    SpecError
        For anything that would not make a valid model, before anything is compiled.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y1": [1.0, 2.5, 2.0, 4.1], "y2": [0.3, 0.1, 0.8, 0.5],
    ...                    "x": [1.0, 2.0, 3.0, 4.0]})
    >>> spec = build_mv_spec(mvbf("mvbind(y1, y2) ~ x"), df)
    >>> [n.name for n in spec.names][:4], spec.rescor
    (['b_y1_Intercept', 'b_y1_x', 'b_y2_Intercept', 'b_y2_x'], True)
    """
    sample_prior = check_sample_prior(sample_prior)
    families = _families(formula, family)
    responses = formula.responses
    if len(set(responses)) != len(responses):
        raise SpecError(f"The responses of a multivariate model must differ; got {responses}.")
    for resp, bform, bound in zip(responses, formula.formulas, families, strict=True):
        check_dpars(bform, bound.family)
        check_additions(bform, bound.family)
        _check_part(resp, bform, bound)
    rescor = _rescor(formula, families)
    if not isinstance(data, pd.DataFrame):
        raise SpecError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    imputed = frozenset().union(*(imputed_responses(f.mu) for f in formula.formulas))
    _check_missing_terms(formula, imputed)
    check_columns(data, formula.variables)
    _check_imputed_columns(formula, imputed, data)
    data, subsets = complete_mv_rows(
        formula.formulas,
        data,
        [subset_of(bform, data) for bform in formula.formulas],
        ignored=imputed,
    )
    rows = [data if s is None else data.loc[s] for s in subsets]
    values = [
        response_from_data(bform.mu, own, bound.family)
        for bform, bound, own in zip(formula.formulas, families, rows, strict=True)
    ]
    formulas = [
        [(dpar, terms) for dpar, terms in predicted_parameters(bform, bound.family)]
        for bform, bound in zip(formula.formulas, families, strict=True)
    ]
    knots = check_knots(knots, [s for fs in formulas for _, terms in fs for s in terms.smooths])
    ids = group_ids(
        [(with_resp(d, r), t) for r, fs in zip(responses, formulas, strict=True) for d, t in fs]
    )
    built = [
        _with_levels(
            build_predictor(
                dpar, terms, own, bound, bound.family.likelihood(bound.link.name, ()), y, ids,
                resp=resp, knots=knots,
            ),
            data if subset is not None else None,
        )
        for resp, fs, bound, y, own, subset in zip(
            responses, formulas, families, values, rows, subsets, strict=True
        )
        for dpar, terms in fs
    ]  # fmt: skip
    split = _split_id_rows(share_ids(built), responses, subsets)
    predictors = known_covariances(number_groupings(vary_special_terms(split)), data2)
    nobs = {r: "N" if all(s is None for s in subsets) else f"N_{r}" for r in responses}
    student = rescor and families[0].family.name == "student"
    parts = []
    for resp, bound, y, subset in zip(responses, families, values, subsets, strict=True):
        own = tuple(p for p in predictors if p.resp == resp)
        predicted = {p.family_dpar for p in own}
        scalar = tuple(
            ScalarDpar(d.name, *d.bounds(y.observed), response_bound=d.response_bound)
            for d in bound.family.dpars
            if d.name not in predicted and d.fixed is None and not (student and d.name == "nu")
        )
        parts.append(MvPart(resp, bound, y, own, scalar, subset, nobs[resp]))
    shared: tuple[ScalarDpar, ...] = ()
    if student:
        nu = families[0].family.dpar("nu")
        shared = (ScalarDpar("nu", *nu.bounds(values[0].observed)),)
    table = _default_priors(parts, shared, rescor).merge(user_prior_rows(prior))
    spec = MvSpec(
        formula=formula,
        data=data,
        parts=tuple(parts),
        rescor=rescor,
        shared_dpars=shared,
        priors=table,
        names=_names(parts, shared, rescor),
        user_priors=prior,
        sample_prior=sample_prior,
        data2=data2,
        knots=knots,
    )
    spec.constants()  # refuses constant() priors that cannot fix their parameters
    if sample_prior == "only":
        check_proper_priors(table, spec.prior_targets())
    draws = tuple(ParName(d.stan, (), d.name, "prior") for d in spec.prior_draws())
    return replace(spec, names=spec.names + draws) if draws else spec


def _split_id_rows(
    predictors: list[Predictor], responses: Sequence[str], subsets: Sequence[np.ndarray | None]
) -> list[Predictor]:
    """The terms of an ID shared by responses with different rows (``(1 | p | g)`` with
    ``subset()``) each read the level index of their response's rows, declared by the
    ID's first term on those rows (brms's ``J_1_y1``, ``J_1_y2``)."""
    subsetted = {r for r, s in zip(responses, subsets, strict=True) if s is not None}
    resps: dict[int, set[str]] = {}
    for p in predictors:
        for g in p.groups:
            resps.setdefault(g.id, set()).add(p.resp)
    split = {i for i, rs in resps.items() if len(rs) > 1 and rs & subsetted}
    declared: set[tuple[int, str]] = set()
    done: dict[int, GroupEffects] = {}
    for p in predictors:
        for g in (g for g in p.groups if g.id in split):
            if type(g) is not GroupEffects:
                raise SpecError(
                    f"Group-level term ({' + '.join(g.coefs)} | {g.group}) of response "
                    f"{p.resp!r} shares its ID with responses whose rows differ (subset()): "
                    "multi-membership terms in such an ID are not supported yet."
                )
            done[id(g)] = replace(g, row_resp=p.resp, row_owner=(g.id, p.resp) not in declared)
            declared.add((g.id, p.resp))
    return [replace(p, terms=tuple(done.get(id(t), t) for t in p.terms)) for p in predictors]


def _with_levels(predictor: Predictor, data: pd.DataFrame | None) -> Predictor:
    """The group-level terms of a response with ``subset()`` on the levels of all rows
    (``data``), as brms; the predictor as it is when ``data`` is None."""
    if data is None:
        return predictor
    terms = predictor.terms
    return replace(
        predictor,
        terms=tuple(t.with_levels_of(data) if isinstance(t, GroupEffects) else t for t in terms),
    )


def _resp_row(row: PriorRow, resp: str) -> PriorRow:
    """A term's row in brms's columns: its dpar ``sigma_y1`` becomes dpar ``sigma`` and
    resp ``y1``; rows of no response's predictor (correlations) stay as they are."""
    if row.dpar == resp:
        return replace(row, dpar="", resp=resp)
    if row.dpar.endswith(f"_{resp}"):
        return replace(row, dpar=row.dpar.removesuffix(f"_{resp}"), resp=resp)
    return row


def _default_priors(
    parts: Sequence[MvPart], shared: tuple[ScalarDpar, ...], rescor: bool
) -> PriorTable:
    """brms's order: each response's terms and family parameters, the shared ``nu`` and
    ``rescor``, then the group-level terms of every response, kind by kind."""
    rows: list[PriorRow] = []
    model_wide: list[tuple[Term, PriorDefaults, str]] = []
    for part in parts:
        bound, y = part.family, part.response.observed
        defaults = PriorDefaults(
            {
                p.dpar: intercept_prior(p, bound, y)
                for p in part.predictors
                if p.fixed is not None and p.fixed.intercept
            },
            scale_prior(y, bound, bound.link.name),
        )
        for p in part.predictors:
            local = [t for t in p.terms if t.prior_scope == "predictor"]
            for kind in dict.fromkeys(type(t) for t in local):
                of_kind = [t for t in local if type(t) is kind]
                rows += [_resp_row(r, part.resp) for r in kind.prior_rows_of(of_kind, defaults)]
        for d in part.scalar_dpars:
            default = bound.family.dpar(d.name).prior(y)
            dist = scale_prior(y, bound, "identity") if default is None else prior_dist(default)
            rows.append(PriorRow(dist, d.name, lb=d.lb, ub=d.ub, resp=part.resp))
        model_wide += [(t, defaults, part.resp) for t in part.terms if t.prior_scope == "model"]
    for d in shared:
        default = parts[0].family.family.dpar(d.name).prior(parts[0].response.observed)
        assert default is not None  # nu has a fixed default, gamma(2, 0.1)
        rows.append(PriorRow(Dist(*default), d.name, lb=d.lb, ub=d.ub))
    if rescor:
        rows.append(PriorRow(Dist("lkj_corr_cholesky", (1,)), "rescor"))
    for kind in dict.fromkeys(type(t) for t, _, _ in model_wide):
        for term, defaults, resp in ((t, d, r) for t, d, r in model_wide if type(t) is kind):
            rows += [_resp_row(r, resp) for r in kind.prior_rows_of([term], defaults)]
    unique: dict[tuple[str, str, str, str], PriorRow] = {}
    for row in rows:
        unique.setdefault(row.key, row)
    return PriorTable(tuple(unique.values()))


def _names(
    parts: Sequence[MvPart], shared: tuple[ScalarDpar, ...], rescor: bool
) -> tuple[ParName, ...]:
    names = [n for part in parts for t in part.terms for n in t.par_names()]
    names += [n for part in parts for n in missing_names(part.response, part.resp)]
    for part in parts:
        for d in part.scalar_dpars:
            stan = part.stan_dpar(d.name)
            names.append(ParName(stan, (), stan, d.name, stan, FAMILY_SPECIFIC, stan))
    names += [ParName(d.name, (), d.name, d.name, d.name, FAMILY_SPECIFIC, d.name) for d in shared]
    if rescor:
        pairs = [(a, b) for k, b in enumerate(parts) for a in parts[:k]]
        names += [
            ParName(
                "rescor", (k,), f"rescor__{a.resp}__{b.resp}", "rescor", "",
                RESIDUAL_CORRELATIONS, f"rescor({a.resp},{b.resp})",
            )
            for k, (a, b) in enumerate(pairs, start=1)
        ]  # fmt: skip
    return tuple(sorted(names, key=name_order))


def rescor_matrix(draws: np.ndarray, nresp: int) -> np.ndarray:
    """The residual correlation matrices ``(S, nresp, nresp)`` from brms's ``rescor``
    draws ``(S, nresp * (nresp - 1) / 2)``, ordered by column of the upper triangle."""
    S = draws.shape[0]
    out = np.tile(np.eye(nresp), (S, 1, 1))
    k = 0
    for col in range(1, nresp):
        for row in range(col):
            out[:, row, col] = out[:, col, row] = draws[:, k]
            k += 1
    return out


def rebuild_model(spec: ModelSpec | MvSpec, data: pd.DataFrame) -> ModelSpec | MvSpec:
    """The model of ``spec`` (formula, families, the user's priors, ``sample_prior``,
    ``data2``, stanvars and knots) on other ``data``: a fold's training rows, or new data
    of :meth:`BrmsFit.update <pybrms.fit.brmsfit.BrmsFit.update>`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.5, 2.0, 4.1], "x": [1.0, 2.0, 3.0, 4.0]})
    >>> rebuild_model(build_model("y ~ x", df), df.iloc[:3])
    ModelSpec('y ~ x', family=gaussian(identity), N=3)
    """
    if isinstance(spec, MvSpec):
        families = [p.family for p in spec.parts]
        return build_mv_spec(
            spec.formula,
            data,
            families,
            spec.user_priors,
            spec.sample_prior,
            spec.data2,
            spec.knots,
        )
    return build_spec(
        spec.formula,
        data,
        spec.family,
        spec.user_priors,
        spec.sample_prior,
        spec.data2,
        spec.stanvars,
        spec.knots,
    )
