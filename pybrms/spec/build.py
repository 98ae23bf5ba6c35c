"""Formula + data + family + priors -> ModelSpec, with every input check up front.

:func:`build_spec` is the only place that looks at user input. It checks
columns, families, links, addition terms, response values and grouping factors,
drops incomplete rows, materializes the terms, builds the prior table and the
names table, and returns a frozen :class:`~pybrms.spec.model_spec.ModelSpec`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.formula import BrmsFormula, FormulaTerms, GroupTerm, MvFormula, as_brms_formula
from pybrms.formula.ac import ArmaCall
from pybrms.formula.nonlinear import NonLinear
from pybrms.formula.terms import LOGICAL_VALUES
from pybrms.priors import Dist, Priors
from pybrms.spec.additions import (
    addition_label,
    addition_values,
    censoring,
    check_stan_int,
    custom_data,
    first_bad,
    known_se,
    rate_denominators,
    scaled_weights,
    truncation,
)
from pybrms.spec.default_priors import PriorRow, PriorTable, prior_dist, scale_prior
from pybrms.spec.families import LINKS, BoundFamily, Family, StanLikelihood, resolve_family
from pybrms.spec.families.categorical import category_dpars, reference_index
from pybrms.spec.families.mixture import DEFAULT_THETA_PRIOR, dpar_class, simplex_thetas
from pybrms.spec.frame import (
    Design,
    check_columns,
    check_finite,
    complete_rows,
    design_matrix,
    evaluate,
    group_levels,
    numeric,
    row_label,
)
from pybrms.spec.known_cov import known_cov_cholesky
from pybrms.spec.model_spec import ModelSpec, Predictor, Response, ScalarDpar
from pybrms.spec.names import FAMILY_SPECIFIC, ParName, with_resp
from pybrms.spec.prior_draws import SamplePrior, check_proper_priors, check_sample_prior
from pybrms.spec.shrinkage import with_shrinkage
from pybrms.spec.stanvars import Stanvar, Stanvars, as_stanvars
from pybrms.spec.terms import (
    ArmaEffects,
    CategorySpecificEffects,
    Covariates,
    FixedEffects,
    GaussianProcess,
    GroupEffects,
    MeasurementError,
    MissingValues,
    MonotonicEffects,
    MultiMembershipEffects,
    Offset,
    PriorDefaults,
    SmoothTerms,
    Term,
)
from pybrms.spec.terms.arma import time_positions
from pybrms.spec.terms.group import by_of_levels
from pybrms.spec.terms.monotonic import MonotonicSlope, missing_population_term
from pybrms.spec.terms.offset import offset_values
from pybrms.spec.terms.smooth import Knots, check_knots
from pybrms.spec.terms.time_cov import TimeCovariance
from pybrms.spec.user_priors import user_prior_rows

__all__ = ["addition_values", "build_spec", "get_prior", "response_from_data"]

FormulaLike = str | BrmsFormula
FamilyLike = str | BoundFamily

# brms's order of variables in a fit (reorder_pars): these classes, the family's
# parameters in their place, then the rest; classes brms has that pybrms does not
# (yet) keep their place so that a new term only has to use its brms name.
_BEFORE_FAMILY = (
    "b", "bs", "bsp", "bcs", "ar", "ma", "sderr", "lagsar", "errorsar", "car", "rhocar",
    "sdcar", "cosy", "cortime", "sd", "cor", "df", "sds", "sdgp", "lscale",
)  # fmt: skip
_AFTER_FAMILY = (
    "hs", "R2D2", "sdb", "sdbsp", "sdbs", "sdar", "sdma", "lncor", "Intercept", "tmp",
    "rescor", "delta", "simo", "r", "s", "zgp", "rcar", "sbhaz", "Ymi", "Yl", "meanme",
    "sdme", "corme", "Xme", "prior", "lprior", "lp",
)  # fmt: skip
_FAMILY_ORDER = len(_BEFORE_FAMILY)
_NAME_ORDER = {
    **{cls: k for k, cls in enumerate(_BEFORE_FAMILY)},
    **{cls: _FAMILY_ORDER + 1 + k for k, cls in enumerate(_AFTER_FAMILY)},
}


def build_spec(
    formula: FormulaLike,
    data: pd.DataFrame,
    family: FamilyLike = "gaussian",
    prior: Priors | None = None,
    sample_prior: SamplePrior | bool = "no",
    data2: Mapping[str, Any] | None = None,
    stanvars: Stanvars | None = None,
    knots: Knots | None = None,
) -> ModelSpec:
    """Check the inputs and describe the model.

    Parameters
    ----------
    formula
        A brms formula string or the result of :func:`pybrms.formula.bf`.
    data
        One row per observation; every column the formula uses must be present.
        Rows with missing values in those columns are dropped with a warning.
    family
        A family name (``"poisson"``) or :func:`pybrms.spec.family` with a link.
    prior
        User priors (:func:`pybrms.priors.prior`, combined with ``+``), or None
        for brms's defaults.
    sample_prior
        ``"no"``, ``"yes"`` (add draws from the priors) or ``"only"`` (sample from
        the priors alone; every parameter needs a proper prior), as brms.
    data2
        Data that are not one value per row, by name, as brms's ``data2``: the
        known covariance matrix ``A`` of ``gr(g, cov = A)``.
    stanvars
        Stan code added to the program (:func:`pybrms.stanvar`): the functions of a
        :func:`pybrms.custom_family`.
    knots
        Knots of cubic regression smooths by variable, as brms's (mgcv's) ``knots``:
        ``{"x": [0, 1, 2, 3, 4]}`` for ``s(x, bs = "cr", k = 5)``.

    Returns
    -------
    ModelSpec

    Raises
    ------
    SpecError
        For anything that would not make a valid model; the message names the
        column, value or row and lists the valid choices.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1, 0, 3, 2], "x": [0.1, 0.5, 0.9, 1.3], "g": list("aabb")})
    >>> spec = build_spec("y ~ x + (1 | g)", df, family="poisson")
    >>> [n.name for n in spec.names][:3]
    ['b_Intercept', 'b_x', 'sd_g__Intercept']
    >>> str(spec.priors.resolve([("Intercept", "", "", "")]))
    'student_t(3, 0.3, 2.5)'
    """
    sample_prior = check_sample_prior(sample_prior)
    if not isinstance(formula, str | BrmsFormula):
        raise SpecError(
            f"formula must be a string such as 'y ~ x' or pybrms.bf(...), "
            f"got {type(formula).__name__}."
        )
    bform = as_brms_formula(formula)
    bound = resolve_family(family)
    code = as_stanvars(stanvars)
    check_dpars(bform, bound.family)
    check_additions(bform, bound.family)
    check_custom(bform, bound.family, code)
    subset = bform.mu.response.addition("subset") if bform.mu.response else None
    if subset is not None:
        raise SpecError(
            f"{subset.label} chooses the rows of one response of a multivariate model, e.g. "
            "bf('y1 | subset(s) ~ x') + bf('y2 ~ x'); for a single response, pass only the "
            "rows to fit as data."
        )
    if not isinstance(data, pd.DataFrame):
        raise SpecError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    _check_covariates(bform, data)
    check_columns(data, bform.variables)
    if bform.mu.missing:
        _check_missing("mu", bform.mu, "")  # refused before rows are dropped for nothing
    data = complete_rows(data, bform.variables - imputed_responses(bform.mu))
    _check_arma(bform, bound)
    input_rows = None
    if bform.mu.arma is not None:
        order = time_positions(bform.mu.arma, data)
        data = data.iloc[order]
        input_rows = np.argsort(order)
    response = response_from_data(bform.mu, data, bound.family)
    _check_fixed_values(bform, bound.family, response.observed)

    stan = bound.family.likelihood(bound.link.name, (*bform.dpars, *bform.pfix))
    formulas = [
        *_predictor_formulas(bform, bound.family, response, bound.refcat),
        *bform.nlpars.items(),
    ]
    ids = group_ids(formulas)
    knots = check_knots(knots, [s for _, terms in formulas for s in terms.smooths])
    predictors: list[Predictor] = []
    for dpar, terms in formulas:
        predictor = build_predictor(
            dpar, terms, data, bound, stan, response, ids, dpar in bform.nlpars, knots=knots
        )
        if dpar in bform.nl:
            predictor = _nonlinear(predictor, bform.nl[dpar], data)
        predictors.append(predictor)
    predictors = known_covariances(
        number_groupings(vary_special_terms(share_ids(predictors))), data2
    )
    predicted = {p.dpar for p in predictors}
    scalar_dpars = tuple(
        ScalarDpar(d.name, *d.bounds(response.observed), d.scale, d.response_bound)
        for d in bound.family.dpars
        if d.name not in predicted
        and d.name not in bform.pfix
        and d.fixed is None
        and (d.name != "sigma" or response.estimates_sigma)
        and not (bound.family.components and dpar_class(d.name) == "theta")
    )
    # brms's simplex theta: a mixture whose proportions have no formulas and no values
    simplex = simplex_thetas(bound.family, [*predicted, *bform.pfix])
    defaults = _default_priors(predictors, scalar_dpars, bound, response, bool(simplex))
    table = defaults.merge(user_prior_rows(prior))
    simple_sigma = any(d.name == "sigma" for d in scalar_dpars)
    predictors = [
        replace(p, terms=with_shrinkage(p.terms, table, sigma=simple_sigma, nobs=len(data)))
        for p in predictors
    ]
    spec = ModelSpec(
        formula=bform,
        family=bound,
        data=data,
        response=response,
        predictors=tuple(predictors),
        scalar_dpars=scalar_dpars,
        priors=table,
        names=_names(predictors, scalar_dpars, simplex) + missing_names(response),
        user_priors=prior,
        sample_prior=sample_prior,
        data2=data2,
        stanvars=code,
        input_rows=input_rows,
        knots=knots,
    )
    spec.constants()  # refuses constant() priors that cannot fix their parameters
    if any(s.block == "data" for s in code):
        from pybrms.standata import make_standata  # noqa: PLC0415 (standata imports spec)

        make_standata(spec)  # refuses stanvar data named as the model's own
    if sample_prior == "only":
        check_proper_priors(table, spec.prior_targets())
    draws = tuple(ParName(d.stan, (), d.name, "prior") for d in spec.prior_draws())
    return replace(spec, names=spec.names + draws) if draws else spec


def get_prior(
    formula: FormulaLike | MvFormula,
    data: pd.DataFrame,
    family: FamilyLike | Sequence[FamilyLike] = "gaussian",
    data2: Mapping[str, Any] | None = None,
    stanvars: Stanvars | None = None,
    knots: Knots | None = None,
) -> pd.DataFrame:
    """Every prior that can be set for the model, with brms's defaults.

    As brms's ``default_prior()``/``get_prior()``: columns prior, class, coef,
    group, resp, dpar, nlpar, lb, ub, source; ``(flat)`` is the improper flat prior.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.5, 2.0, 4.1], "x": [1.0, 2.0, 3.0, 4.0]})
    >>> table = get_prior("y ~ x", df)
    >>> list(zip(table["prior"], table["class"], table["coef"]))  # doctest: +NORMALIZE_WHITESPACE
    [('(flat)', 'b', ''), ('(flat)', 'b', 'x'), ('student_t(3, 2.2, 2.5)', 'Intercept', ''),
     ('student_t(3, 0, 2.5)', 'sigma', '')]
    """
    # here: the multivariate module imports this one
    from pybrms.spec.multivariate import build_model

    spec = build_model(formula, data, family, data2=data2, stanvars=stanvars, knots=knots)
    return spec.priors.to_frame()


def predicted_parameters(bform: BrmsFormula, family: Family) -> list[tuple[str, FormulaTerms]]:
    """The predicted parameters and their formulas: ``mu`` and those of ``bf()``; for
    a mixture, every component's ``mu<k>``, from the main formula unless ``bf()``
    gives one."""
    if family.components is None:
        return [("mu", bform.mu), *bform.dpars.items()]
    mus = [f"mu{k}" for k in range(1, len(family.components) + 1)]
    return [(mu, bform.dpars.get(mu, bform.mu)) for mu in mus] + [
        (dpar, terms) for dpar, terms in bform.dpars.items() if dpar not in mus
    ]


def _check_mixture_thetas(bform: BrmsFormula, family: Family) -> None:
    """As brms: formulas for all mixing proportions but one (the reference) or for none."""
    if family.components is None:
        return
    thetas = [d for d in bform.dpars if dpar_class(d) == "theta"]
    K = len(family.components)
    fixed = [d for d in bform.pfix if dpar_class(d) == "theta"]
    if fixed and len(fixed) != K:
        raise SpecError(
            f"A mixture of {K} components fixes all mixing proportions or none; got values "
            f"for {', '.join(fixed)}. Give values to all of "
            f"{', '.join(f'theta{k}' for k in range(1, K + 1))} (they are scaled to sum to 1)."
        )
    if thetas and len(thetas) != K - 1:
        raise SpecError(
            f"A mixture of {K} components predicts all mixing proportions but one or none; "
            f"got formulas for {', '.join(thetas)}. Give formulas to {K - 1} of "
            f"{', '.join(f'theta{k}' for k in range(1, K + 1))}."
        )


def check_dpars(bform: BrmsFormula, family: Family) -> None:
    _check_mixture_thetas(bform, family)
    for nlpar in bform.nlpars:
        if nlpar in family.dpar_names:
            raise SpecError(
                f"The non-linear parameter {nlpar!r} has the name of a distributional "
                f"parameter of family {family.name!r}; rename it, e.g. {nlpar}0."
            )
    for dpar in bform.pfix:
        if dpar not in family.dpar_names:
            valid = ", ".join(family.dpar_names) or "none"
            raise SpecError(
                f"{dpar} = {bform.pfix[dpar]:g} fixes no parameter of family {family.name!r}; "
                f"it can fix: {valid}."
            )
    if family.per_category:
        return  # its parameters are named after the response's categories
    for dpar in bform.dpars:
        if dpar not in family.dpar_names and bform.nl:
            used = "; ".join(f"{e.source!r} uses {', '.join(e.nlpars)}" for e in bform.nl.values())
            raise SpecError(
                f"The formula of {dpar!r} is neither for a distributional parameter of "
                f"family {family.name!r} nor for a non-linear parameter of the model "
                f"({used}); remove it or use {dpar!r} in the non-linear formula."
            )
        if dpar not in family.dpar_names:
            valid = ", ".join(family.dpar_names) or "none"
            raise SpecError(
                f"Family {family.name!r} has no distributional parameter {dpar!r}. "
                f"Its parameters besides mu: {valid}. For a non-linear parameter, use "
                f"{dpar!r} in the main formula and set nl=True, as brms."
            )


def _check_fixed_values(bform: BrmsFormula, family: Family, y: np.ndarray) -> None:
    """A parameter fixed by ``bf(..., sigma = 2)`` takes a value within its bounds."""
    for dpar, value in bform.pfix.items():
        lb, ub = family.dpar(dpar).bounds(y)
        if lb is not None and value < lb or ub is not None and value > ub:
            bounds = f"lower {'-inf' if lb is None else lb}, upper {'inf' if ub is None else ub}"
            raise SpecError(f"{dpar} = {value:g} is outside the bounds of {dpar} ({bounds}).")


def _check_covariates(bform: BrmsFormula, data: pd.DataFrame) -> None:
    """Name a variable of a non-linear expression that is neither a parameter nor a column."""
    for e in bform.nl.values():
        for name in e.covariates:
            if name not in data.columns:
                raise SpecError(
                    f"Variable {name!r} of the non-linear formula {e.source!r} is neither a "
                    f"non-linear parameter (give it a formula, e.g. '{name} ~ 1') nor a column "
                    "of the data."
                )


# Why a family may refuse an addition term, for the error message.
_ADDITION_NEEDS = {
    "se": "known standard errors are added to sigma of gaussian, student or skew_normal",
    "rate": "a rate needs a count family (poisson, negbinomial)",
    "cens": "censoring needs a family whose cumulative distribution function Stan has",
    "trunc": "truncation needs a family whose cumulative distribution function Stan has",
}
# Families whose censoring and truncation brms 2.18 refuses in effect: it calls
# von_mises_real_lcdf/_lccdf, which its program does not define, so stanc fails.
_NO_CDF_IN_BRMS = {
    "von_mises": "brms 2.18 calls von_mises_real_lcdf and von_mises_real_lccdf, which its "
    "program does not define, so the model does not compile",
}


#: Families whose residuals the ARMA terms of brms's cov = FALSE formulation read.
_ARMA_FAMILIES = ("gaussian", "student")


def _check_arma(bform: BrmsFormula, bound: BoundFamily) -> None:
    """Refuse what brms refuses for ARMA terms, and what pybrms does not support yet."""
    for dpar, terms in bform.dpars.items():
        if terms.arma is not None:
            raise SpecError(
                f"Autocorrelation term {terms.arma.text} is only allowed in the main formula, "
                f"not in the formula of {dpar!r}."
            )
    call = bform.mu.arma
    if call is None:
        return
    if bound.family.name not in _ARMA_FAMILIES:
        raise SpecError(
            f"{call.text} is not supported for family {bound.name!r}: it correlates the "
            f"residuals of families {', '.join(map(repr, _ARMA_FAMILIES))} (latent "
            "residuals of other families are not supported yet)."
        )
    if call.cov:
        _check_time_covariance(call, bform)
        return
    if bound.link.name != "identity":
        raise SpecError(
            f"{call.text} needs the identity link of family {bound.name!r}, "
            f"got {bound.link.name!r}."
        )
    if bform.mu.response is not None and bform.mu.response.addition("se") is not None:
        raise SpecError(
            f"{call.text}: please set cov = TRUE in ARMA structures when including known "
            "standard errors (se()); se() with cov = TRUE is not supported yet."
        )


# Addition terms brms refuses with a time-series covariance ("Invalid addition arguments
# for this model"), and those pybrms does not support with it yet.
_TIME_COV_REFUSED = ("weights", "cens", "trunc")
_TIME_COV_NOT_YET = ("se", "mi")


def _check_time_covariance(call: ArmaCall, bform: BrmsFormula) -> None:
    """Refuse what brms refuses for ``cosy()`` and ``cov = TRUE``, and what pybrms does
    not support with them yet."""
    if call.p > 1 or call.q > 1:
        raise SpecError(
            f"{call.text}: the covariance formulation of ARMA structures (cov = TRUE) is "
            "only possible for effects of maximal order one."
        )
    response = bform.mu.response
    for name in (*_TIME_COV_REFUSED, *_TIME_COV_NOT_YET):
        if response is not None and response.addition(name) is not None:
            why = "is not supported yet" if name in _TIME_COV_NOT_YET else "is not allowed"
            raise SpecError(f"Addition term {name}() with {call.text} {why}.")
    if "nu" in bform.dpars:
        raise SpecError(
            f"{call.text}: a formula for 'nu' is not supported with a time-series "
            "covariance; its density takes one degrees of freedom per draw."
        )


def check_custom(bform: BrmsFormula, family: Family, stanvars: tuple[Stanvar, ...]) -> None:
    """Refuse a custom family whose density no stanvar defines, or whose ``vars``
    name data that ``vint()``/``vreal()`` do not give, before anything is compiled."""
    arguments = family.stan.arguments
    if not arguments:
        return
    density = f"{family.name}_{'lpmf' if family.discrete else 'lpdf'}"
    if not any(s.defines(density) for s in stanvars):
        raise SpecError(
            f"custom family {family.name!r} needs the Stan function {density}(); define it "
            "in stanvars=pybrms.stanvar(scode=..., block='functions')."
        )
    assert bform.mu.response is not None  # bf() refuses a main formula without one
    given = {
        f"{a.name}{i}"
        for a in bform.mu.response.additions
        if a.name in ("vint", "vreal")
        for i in range(1, len(a.args) + 1)
    }
    for var in arguments[1 + len(family.dpars) :]:
        if var not in given:
            kind = var.rstrip("0123456789")
            raise SpecError(
                f"custom family {family.name!r} reads {var!r}, which the formula does not "
                f"give: add the addition term {kind}(...) with at least "
                f"{var[len(kind) :]} column(s) to the response, e.g. y | {kind}(size) ~ x."
            )


def check_additions(bform: BrmsFormula, family: Family) -> None:
    terms = bform.mu
    assert terms.response is not None  # guaranteed by the parser for the main formula
    # subset() chooses the rows of a response of a multivariate model, of any family
    given = {a.name for a in terms.response.additions} - {"subset"}
    for name in sorted(given - family.additions):
        why = f" ({_ADDITION_NEEDS[name]})" if name in _ADDITION_NEEDS else ""
        if family.name in _NO_CDF_IN_BRMS and name in ("cens", "trunc"):
            why = f" ({_NO_CDF_IN_BRMS[family.name]})"
        if family.components is not None and name in ("cens", "trunc"):
            missing = [f.name for f, _ in family.components.families if name not in f.additions]
            why = (
                " (a mixture is censored and truncated component by component, as brms; "
                f"component {missing[0]!r} takes no {name}())"
            )
        raise SpecError(
            f"Addition term {addition_label(terms, name)} is not allowed for family "
            f"{family.name!r}{why}; allowed: {', '.join(sorted(family.additions))}."
        )
    for name in sorted(family.required_additions - given):
        raise SpecError(
            f"Family {family.name!r} needs the addition term {name}(), e.g. 'y | {name}(n) ~ x'."
        )
    _check_mi(terms)
    se = terms.response.addition("se")
    if se is not None and "sigma" in bform.dpars and not LOGICAL_VALUES[se.value("sigma") or "F"]:
        raise SpecError(
            f"sigma cannot have a formula with {se.label}: the standard errors replace "
            f"sigma; write se({se.args[0]}, sigma = TRUE) to estimate sigma besides them."
        )


def _check_mi(terms: FormulaTerms) -> None:
    """``mi()`` estimates the missing values of a response column; its measurement
    error ``mi(sdy)`` is not supported yet."""
    assert terms.response is not None
    mi = terms.response.addition("mi")
    if mi is None:
        return
    expr = terms.response.expr
    if not expr.isidentifier():
        raise SpecError(
            f"{mi.label} estimates the missing values of a data column; the response "
            f"{expr!r} is an expression. Compute it as a column first, e.g. "
            f"data['y2'] = ..., and write 'y2 | mi() ~ ...'."
        )
    if terms.arma is not None:
        raise SpecError(
            f"{mi.label} with {terms.arma.text} is not supported yet: the residuals of "
            "earlier rows would read estimated responses."
        )
    if mi.value("sdy") is not None:
        raise SpecError(
            f"{mi.label}: measurement error in the response (brms's mi(sdy)) is not "
            "supported yet by pybrms; write mi() to estimate missing responses."
        )


def _predictor_formulas(
    bform: BrmsFormula, family: Family, response: Response, refcat: str | None
) -> list[tuple[str, FormulaTerms]]:
    """Each linear predictor's name and formula: ``mu``, then the predicted
    parameters; for a family with one per category, ``mu<category>`` of every
    category but the reference one (``refcat``, None: the first), with the formula
    of ``mu`` unless the formula names it (``bf(y ~ x, muc ~ z)``), as brms."""
    if not family.per_category:
        return predicted_parameters(bform, family)
    names = list(category_dpars(response.categories))
    del names[reference_index(response.categories, refcat)]
    for dpar in bform.dpars:
        if dpar not in (*names, *family.dpar_names):
            others = "".join(f", {d}" for d in family.dpar_names)
            raise SpecError(
                f"Family {family.name!r} has no distributional parameter {dpar!r}. "
                "Its linear predictors, one per category but the reference one: "
                f"{', '.join(names)}{others}."
            )
    mus = [(name, bform.dpars.get(name, bform.mu)) for name in names]
    return mus + [(d, terms) for d, terms in bform.dpars.items() if d in family.dpar_names]


def response_from_data(
    terms: FormulaTerms,
    data: pd.DataFrame,
    family: Family,
    nthres: int | None = None,
    categories: tuple[str, ...] = (),
) -> Response:
    """The checked response and addition terms of ``data``.

    ``nthres`` is the fitted number of ordinal thresholds, for new data: then a
    single observed category is fine, and categories beyond the fitted ones are not.
    ``categories`` are the fitted categories of a categorical response, for new data.
    """
    assert terms.response is not None
    expr = terms.response.expr
    if terms.response.columns and not family.matrix_response:
        raise SpecError(
            f"A matrix response such as {expr!r} is only for family 'multinomial'; "
            f"family {family.name!r} takes one column."
        )
    trials = addition_values(terms, "trials", data)
    weights = addition_values(terms, "weights", data)
    where = f"Response {expr!r} of family {family.name!r}"
    if weights is not None:
        weights = numeric(weights, "weights")
        check_finite(weights, addition_label(terms, "weights"), data.index)
        if (weights < 0).any():
            raise SpecError(
                f"Weights must be non-negative; {first_bad(weights, weights < 0, data.index)}."
            )
        weights = scaled_weights(terms, weights)
    if family.matrix_response:
        return _matrix_response(terms, data, family, trials, weights)
    raw = evaluate(expr, data)
    if family.per_category:
        codes, found = _category_codes(raw, where, data.index, categories)
        return Response(expr, codes, weights=weights, categories=found)
    if family.ordinal:
        values = _ordinal_codes(raw, where, data.index, nthres)
        nthres = int(values.max()) - 1 if nthres is None else nthres
        labels = raw.categories if isinstance(raw, pd.Categorical) else range(1, nthres + 2)
        categories = tuple(str(label) for label in labels)[: nthres + 1]
        return Response(expr, values, weights=weights, nthres=nthres, categories=categories)
    y = numeric(raw, f"response {expr!r}")
    # mi(): missing responses are estimated, NaN in the values; the checks read the others
    mi = np.flatnonzero(np.isnan(y)) if imputed_responses(terms) else None
    seen = np.ones(len(y), bool) if mi is None else ~np.isnan(y)
    check_finite(y[seen], where, data.index[seen])
    assert family.support.outside is not None  # only ordinal responses have none
    bad = family.support.outside(y) & seen
    if bad.any():
        rule = family.support.rule
        raise SpecError(f"{where} must be {rule}; {first_bad(y, bad, data.index)}.")
    if family.discrete:
        check_stan_int(y, where, data.index)
    if trials is not None:
        trials = numeric(trials, "trials")
        what = addition_label(terms, "trials")
        check_finite(trials, what, data.index)
        bad_trials = (trials < 0) | (trials != np.round(trials))
        if bad_trials.any():
            first = first_bad(trials, bad_trials, data.index)
            raise SpecError(f"{what} must be non-negative integers; {first}.")
        check_stan_int(trials, what, data.index)
        over = y > trials
        if over.any():
            pos = int(np.flatnonzero(over)[0])
            raise SpecError(
                f"{where} must not exceed trials(); {row_label(data.index, pos)} has "
                f"{int(y[pos])} > {int(trials[pos])} trials."
            )
        trials = trials.astype(np.int64)
    values = y.astype(np.int64) if family.discrete else y
    vars = custom_data(terms, data)
    se = known_se(terms, data)
    cens = censoring(terms, data, y, family)
    bounds = truncation(terms, data, y, family)
    return Response(
        expr,
        values,
        trials=trials,
        weights=weights,
        se=None if se is None else se[0],
        se_sigma=se is not None and se[1],
        denom=rate_denominators(terms, data),
        cens=None if cens is None else cens.cens,
        rcens=None if cens is None else cens.rcens,
        lb=None if bounds is None else bounds.lb,
        ub=None if bounds is None else bounds.ub,
        vars=vars,
        mi=mi,
    )


def imputed_responses(terms: FormulaTerms) -> frozenset[str]:
    """The response column whose missing values ``mi()`` estimates, else nothing.

    Examples
    --------
    >>> from pybrms.formula import parse
    >>> sorted(imputed_responses(parse("y | mi() ~ x"))), sorted(imputed_responses(parse("y ~ x")))
    (['y'], [])
    """
    assert terms.response is not None
    return frozenset({terms.response.expr} if terms.response.addition("mi") else ())


def _not_integer(y: np.ndarray) -> np.ndarray:
    return y != np.round(y)


def _ordinal_codes(raw: np.ndarray, where: str, index: pd.Index, nthres: int | None) -> np.ndarray:
    if isinstance(raw, pd.Categorical) or not np.issubdtype(np.asarray(raw).dtype, np.number):
        if not isinstance(raw, pd.Categorical) or not raw.ordered:
            raise SpecError(
                f"{where} must be integers 1..K or an ordered pandas Categorical; "
                f"got values such as {raw[0]!r}."
            )
        values = raw.codes.astype(np.int64) + 1
    else:
        y = np.asarray(raw, dtype=float)
        check_finite(y, where, index)
        check_stan_int(y, where, index)
        bad = (y < 1) | _not_integer(y)
        if bad.any():
            raise SpecError(f"{where} must be an integer 1..K; {first_bad(y, bad, index)}.")
        values = y.astype(np.int64)
    if nthres is None and values.max() < 2:
        raise SpecError(f"{where} needs at least two categories.")
    if nthres is not None and values.max() > nthres + 1:
        raise SpecError(
            f"{where} has category {values.max()}, but the fitted model has {nthres + 1}."
        )
    return values


def _matrix_response(
    terms: FormulaTerms,
    data: pd.DataFrame,
    family: Family,
    trials: np.ndarray | None,
    weights: np.ndarray | None,
) -> Response:
    """The values ``(N, K)`` of a response ``cbind(y1, ..., yK)``, each column checked;
    as brms, counts sum to their ``trials()`` (multinomial) and proportions to 1
    (dirichlet) in each row."""
    assert terms.response is not None
    expr, columns = terms.response.expr, terms.response.columns
    if len(columns) < 2:
        raise SpecError(
            f"Family {family.name!r} needs a matrix response of at least two columns, "
            f"e.g. 'cbind(y1, y2, y3)'; got {expr!r}."
        )
    values = []
    for column in columns:
        y = numeric(evaluate(column, data), f"response column {column!r}")
        where = f"Response column {column!r} of family {family.name!r}"
        check_finite(y, where, data.index)
        assert family.support.outside is not None  # a matrix response has a support
        bad = family.support.outside(y)
        if bad.any():
            raise SpecError(
                f"{where} must be {family.support.rule}; {first_bad(y, bad, data.index)}."
            )
        if family.discrete:
            check_stan_int(y, where, data.index)
        values.append(y)
    matrix = np.column_stack(values)
    if family.discrete:
        matrix = matrix.astype(np.int64)
    if trials is None:
        total, what = np.ones(len(matrix)), "1"
    else:
        total, what = numeric(trials, "trials"), addition_label(terms, "trials")
        check_finite(total, what, data.index)
    # brms's is_equal: equal up to rounding in the sum of proportions
    off = ~np.isclose(matrix.sum(axis=1), total, rtol=0, atol=1e-8)
    if off.any():
        pos = int(np.flatnonzero(off)[0])
        raise SpecError(
            f"The values of {expr!r} must sum to {what} in every row; "
            f"{row_label(data.index, pos)} sums to {matrix[pos].sum():g}"
            + ("." if trials is None else f", but {what} is {total[pos]:g}.")
        )
    n = None if trials is None else total.astype(np.int64)
    return Response(expr, matrix, trials=n, weights=weights, categories=columns)


def _category_codes(
    raw: np.ndarray, where: str, index: pd.Index, fitted: tuple[str, ...]
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes 1..K of an unordered categorical response and the labels of its
    categories: the levels of a pandas Categorical, else its sorted distinct values
    (brms's ``factor(y)``); for new data, the fitted labels."""
    if isinstance(raw, pd.Categorical):
        labels = tuple(str(c) for c in raw.categories)
        values = np.asarray(raw.astype(object), dtype=object)
    else:
        values = np.asarray(raw, dtype=object)
        labels = tuple(str(c) for c in sorted(set(values.tolist())))
    text = np.array([str(v) for v in values], dtype=object)
    if not fitted and len(labels) < 2:
        raise SpecError(
            f"{where} needs at least two categories; it has only {labels[0]!r}."
            if labels
            else f"{where} has no values."
        )
    labels = fitted or labels
    code = {label: k for k, label in enumerate(labels, start=1)}
    unknown = np.array([t not in code for t in text])
    if unknown.any():
        pos = int(np.flatnonzero(unknown)[0])
        raise SpecError(
            f"{where} has category {text[pos]!r} in {row_label(index, pos)}, which is not one "
            f"of the fitted categories ({', '.join(map(repr, labels))})."
        )
    return np.array([code[t] for t in text], dtype=np.int64), labels


def build_predictor(
    dpar: str,
    terms: FormulaTerms,
    data: pd.DataFrame,
    bound: BoundFamily,
    stan: StanLikelihood,
    response: Response,
    ids: dict[tuple[str, int], int],
    nlpar: bool = False,
    resp: str = "",
    knots: Knots | None = None,
) -> Predictor:
    """The linear predictor of ``dpar``; that of a non-linear parameter is not centered
    (its ``Intercept`` is a coefficient of ``b``) and has the identity link, as in brms.
    In a multivariate model, ``resp`` names the response, which suffixes the names of
    the terms (:func:`~pybrms.spec.names.with_resp`)."""
    name = with_resp(dpar, resp)
    ordinal = dpar == "mu" and bound.family.ordinal
    if ordinal and not terms.intercept:
        raise SpecError(
            f"Family {bound.name!r} always has thresholds; remove '0 +' or '- 1' from the formula."
        )
    design = design_matrix(terms.fixed, data)
    if ordinal:
        keep = [n != "Intercept" for n in design.names]
        design = type(design)(
            design.matrix[:, keep],
            tuple(n for n, k in zip(design.names, keep, strict=True) if k),
            design.model_spec,
        )
    ordered = 0
    if bound.family.components and bound.family.components.ordered and dpar_class(dpar) == "mu":
        if not terms.intercept:
            raise SpecError(
                f"Identifying mixture components via ordering requires population-level "
                f"intercepts, but the formula of {dpar} has none; remove '0 +' or '- 1', "
                "or use mixture(..., order='none')."
            )
        ordered = int(dpar[2:])
    fixed = None
    if design.names or terms.intercept:
        centered = terms.intercept and not nlpar
        nthres = response.nthres if ordinal else 0
        fixed = FixedEffects(
            name,
            design,
            centered,
            nthres,
            ordered=ordered,
            ordered_thresholds=bound.family.ordered_thresholds,
        )
    offset = None
    if terms.offsets:
        offset = Offset(name, offset_values(terms.offsets, data), terms.offsets)
    monotonic = None
    if terms.monotonic:
        monotonic = MonotonicEffects.from_data(name, terms.monotonic, data)
    groups = tuple(
        _group(ids[name, k], name, g, data, monotonic) for k, g in enumerate(terms.groups)
    )
    _check_duplicated_effects(terms.groups, groups)
    components = bound.family.components
    if _of_mu(dpar, bound.family):
        link = bound.link
        applies_inverse = stan.distribution(link.name, response.uses_cdf)[1]
    elif components is not None and dpar_class(dpar) == "mu":
        component, link = components.families[int(dpar[2:]) - 1]
        stan_component = component.likelihood(link.name, ())
        applies_inverse = stan_component.distribution(link.name, response.uses_cdf)[1]
    elif nlpar:
        link, applies_inverse = LINKS["identity"], False
    else:
        link = LINKS[bound.family.dpar(dpar).link or "identity"]
        applies_inverse = True
    inverse = link.stan_inverse if applies_inverse else None
    category_specific = None
    if terms.category_specific:
        _check_category_specific(dpar, terms, bound.family)
        category_specific = CategorySpecificEffects.from_data(
            name, terms.category_specific, data, response.nthres
        )
    noise_free = None
    if terms.measurement_error:
        _check_measurement_error(dpar, terms)
        noise_free = MeasurementError.from_data(name, *terms.measurement_error[0], data)
    missing = None
    if terms.missing:
        _check_missing(dpar, terms, resp)
        missing = MissingValues.from_data(name, terms.missing, data)
    smooth = None
    if terms.smooths:
        smooth = SmoothTerms.from_data(name, terms.smooths, data, knots)
    gps = tuple(
        GaussianProcess.from_data(name, k, call, data) for k, call in enumerate(terms.gps, start=1)
    )
    arma: Term | None = None
    if terms.arma is not None and terms.arma.cov:
        arma = TimeCovariance.from_data(terms.arma, bound.family.name, data)
    elif terms.arma is not None:
        arma = ArmaEffects.from_data(terms.arma, response.expr, response.values, data)
    found: tuple[Term | None, ...] = (
        fixed,
        monotonic,
        noise_free,
        missing,
        category_specific,
        smooth,
        *gps,
        offset,
        *groups,
        arma,
    )
    return Predictor(
        name, link, inverse, tuple(t for t in found if t is not None), nlpar=nlpar, resp=resp
    )


def _check_category_specific(dpar: str, terms: FormulaTerms, family: Family) -> None:
    """Refuse ``cs()`` where brms does (``check_cs``), naming the term."""
    written = " + ".join(f"cs({t})" for t in terms.category_specific)
    if dpar != "mu":
        raise SpecError(
            "Category specific effects are only supported for the main parameter 'mu'; "
            f"the formula of {dpar!r} has {written}."
        )
    if not family.category_specific:
        raise SpecError(
            f"Category specific effects are not supported for family {family.name!r}: {written}. "
            "Use family 'sratio', 'cratio' or 'acat', or remove cs()."
        )


def _check_measurement_error(dpar: str, terms: FormulaTerms) -> None:
    """Refuse the ``me()`` terms pybrms does not support yet, naming them."""
    written = " + ".join(f"me({x}, {sdx})" for x, sdx in terms.measurement_error)
    if dpar != "mu":
        raise SpecError(
            f"me() in the formula of {dpar!r} ({written}) is not supported yet; "
            "use it in the main formula."
        )
    if len(terms.measurement_error) > 1:
        raise SpecError(
            f"Several me() terms ({written}), whose latent values brms correlates, are not "
            "supported yet; use one."
        )
    if terms.monotonic:
        raise SpecError(
            f"me() next to mo() ({written}) is not supported yet; their coefficients would "
            "share brms's bsp."
        )


def _check_missing(dpar: str, terms: FormulaTerms, resp: str) -> None:
    """Refuse the ``mi(x)`` terms pybrms does not support yet, naming them: outside a
    multivariate model (``x`` needs its own formula with ``mi()``), outside the main
    formula, and next to ``mo()`` or ``me()`` (their coefficients would share ``bsp``)."""
    written = " + ".join(t.label for t in terms.missing)
    if not resp:
        x = terms.missing[0].missing[0]
        raise SpecError(
            f"{written} needs a model of {x!r} with mi() estimating its missing values, as "
            f"brms: bf(y ~ ... + mi({x})) + bf({x} | mi() ~ ...) + set_rescor(False)."
        )
    if dpar != "mu":
        raise SpecError(
            f"mi() in the formula of {dpar!r} ({written}) is not supported yet; "
            "use it in the main formula."
        )
    if terms.monotonic or terms.measurement_error:
        raise SpecError(
            f"mi() next to mo() or me() ({written}) is not supported yet; their "
            "coefficients would share brms's bsp."
        )


def _nonlinear(predictor: Predictor, expr: NonLinear, data: pd.DataFrame) -> Predictor:
    """``predictor`` computed from the non-linear expression ``expr`` (it has no terms)."""
    covariates = Covariates.from_data(predictor.dpar, expr.covariates, data)
    terms = (covariates,) if expr.covariates else ()
    return replace(predictor, terms=terms, nonlinear=expr)


def _check_duplicated_effects(
    terms: tuple[GroupTerm, ...], groups: tuple[GroupEffects, ...]
) -> None:
    """Refuse one coefficient varying twice over the same grouping, as brms does."""
    seen: dict[tuple[str, str], GroupTerm] = {}
    for term, group in zip(terms, groups, strict=True):
        for coef in group.coefs:
            first = seen.setdefault((group.group, coef), term)
            if first is not term:
                raise SpecError(
                    f"Duplicated group-level effects are not allowed: effect {coef!r} of "
                    f"group {group.group!r} appears in ({first.expr} | {first.group}) and "
                    f"in ({term.expr} | {term.group}); let each effect vary in one term per "
                    "grouping."
                )


def group_ids(formulas: list[tuple[str, FormulaTerms]]) -> dict[tuple[str, int], int]:
    """brms's ID of each group-level term, keyed by (dpar, position in its formula):
    numbered in order of appearance, mu first; terms with the same correlation ID
    (``(1 | p | g)``, ``gr(g, id = "p")``) share one, which needs the same grouping."""
    out: dict[tuple[str, int], int] = {}
    named: dict[str, tuple[int, GroupTerm]] = {}
    for dpar, terms in formulas:
        for k, term in enumerate(terms.groups):
            if term.id is None or term.id not in named:
                number = len(set(out.values())) + 1
                if term.id is not None:
                    named[term.id] = (number, term)
                out[dpar, k] = number
                continue
            number, first = named[term.id]
            if first.by != term.by:
                raise SpecError(
                    f"Terms of correlation ID {term.id!r} need the same 'by' variable; "
                    f"({first.expr} | {first.group}) has by = {first.by}, "
                    f"({term.expr} | {term.group}) has by = {term.by}."
                )
            if (first.group, first.factors) != (term.group, term.factors):
                raise SpecError(
                    f"Can only combine group-level terms of the same grouping factors: "
                    f"correlation ID {term.id!r} is used with grouping {first.group!r} in "
                    f"({first.expr} | {first.id} | {first.group}) and with {term.group!r} in "
                    f"({term.expr} | {term.id} | {term.group})."
                )
            out[dpar, k] = number
    return out


def share_ids(predictors: list[Predictor]) -> list[Predictor]:
    """Terms of one ID share its coefficients (brms's order: mu's terms first) and the
    first term's correlation setting, as brms."""
    members: dict[int, list[GroupEffects]] = {}
    for g in (g for p in predictors for g in p.groups):
        members.setdefault(g.id, []).append(g)
    shared: dict[int, GroupEffects] = {}
    for terms in members.values():
        columns = tuple(column for t in terms for column in t.columns)
        firsts = np.cumsum([0, *(len(t.coefs) for t in terms)])
        # a term's special terms come after its design's columns and have no Z
        without_Z = frozenset(
            int(first) + k
            for t, first in zip(terms, firsts, strict=False)
            for k in range(len(t.design.names), len(t.coefs))
        )
        for t, first in zip(terms, firsts, strict=False):
            shared[id(t)] = replace(
                t,
                columns=columns,
                first=int(first),
                correlated=terms[0].correlated,
                dist=terms[0].dist,
                cov=terms[0].cov,
                without_Z=without_Z,
            )
    return [replace(p, terms=tuple(shared.get(id(t), t) for t in p.terms)) for p in predictors]


def known_covariances(
    predictors: list[Predictor], data2: Mapping[str, Any] | None
) -> list[Predictor]:
    """The Cholesky factor ``Lcov`` of each ID owner's known covariance (``gr(g, cov = A)``)."""
    done = {
        id(g): replace(g, Lcov=known_cov_cholesky(g.cov, g.group, g.levels, data2))
        for p in predictors
        for g in p.groups
        if g.cov is not None and g.owner
    }
    return [replace(p, terms=tuple(done.get(id(t), t) for t in p.terms)) for p in predictors]


def number_groupings(predictors: list[Predictor]) -> list[Predictor]:
    """brms's number of each grouping (``ggn``, in the order of the IDs), and which term
    declares the degrees of freedom of a grouping's student-t effects: the owner of its
    first student-t ID."""
    groups = sorted((g for p in predictors for g in p.groups), key=lambda g: g.id)
    numbers: dict[str, int] = {}
    declared: set[str] = set()
    numbered: dict[int, GroupEffects] = {}
    for g in groups:
        number = numbers.setdefault(g.group, len(numbers) + 1)
        declares = g.student and g.owner and g.group not in declared
        if declares:
            declared.add(g.group)
        numbered[id(g)] = replace(g, ggn=number, declares_df=declares)
    return [replace(p, terms=tuple(numbered.get(id(t), t) for t in p.terms)) for p in predictors]


def _group(
    id_: int,
    dpar: str,
    term: GroupTerm,
    data: pd.DataFrame,
    monotonic: MonotonicEffects | None = None,
) -> GroupEffects:
    design = design_matrix(term.expr, data)
    if not (design.names or term.monotonic):
        raise SpecError(f"Group-level term ({term.label} | {term.group}) has no coefficients.")
    group: GroupEffects
    if term.multi_membership:
        if term.monotonic:
            raise SpecError(
                f"mo() in the multi-membership term ({term.label} | {term.group}) is not "
                "supported yet; let mo() vary over a single grouping, e.g. (1 + mo(x) | g)."
            )
        group = MultiMembershipEffects.from_data(id_, dpar, term, design, data)
    else:
        group = _single_group(id_, dpar, term, design, data, _slopes(term, monotonic))
    if len(group.levels) < 2:
        raise SpecError(
            f"Grouping factor {term.group!r} has only one level ({group.levels[0]!r}); "
            "group-level effects need at least two."
        )
    return group


def _slopes(term: GroupTerm, monotonic: MonotonicEffects | None) -> tuple[MonotonicSlope, ...]:
    """The ``mo()`` terms of ``term``, each found among the population-level terms."""
    if not term.monotonic:
        return ()
    where = f"({term.label} | {term.group})"
    if monotonic is None:
        raise SpecError(missing_population_term(term.monotonic[0].label, where))
    return monotonic.slopes(term.monotonic, where)


def vary_special_terms(predictors: list[Predictor]) -> list[Predictor]:
    """Each monotonic term with the group-level effects of its varying terms (their
    Stan names are final once the IDs are shared: :func:`share_ids`)."""
    out = []
    for p in predictors:
        varying = tuple(
            (s.j, r, g.J_name)
            for g in p.groups
            for s, r in zip(g.special, g.r[len(g.Z) :], strict=True)
        )
        if varying:
            p = replace(
                p,
                terms=tuple(
                    replace(t, varying=varying) if isinstance(t, MonotonicEffects) else t
                    for t in p.terms
                ),
            )
        out.append(p)
    return out


def _single_group(
    id_: int,
    dpar: str,
    term: GroupTerm,
    design: Design,
    data: pd.DataFrame,
    special: tuple[MonotonicSlope, ...] = (),
) -> GroupEffects:
    levels, index = group_levels(data, term.factors)
    columns = tuple((dpar, c) for c in (*design.names, *(s.coef for s in special)))
    if term.by is not None and term.cov is not None:
        raise SpecError(
            f"gr({term.group}, by = {term.by}, cov = {term.cov}): a known covariance with "
            "'by' is not supported yet."
        )
    by_levels, Jby = by_of_levels(data, term.group, term.by, len(levels), index)
    return GroupEffects(
        id_,
        dpar,
        term.group,
        term.factors,
        design,
        term.correlated,
        levels,
        index,
        columns,
        by=term.by,
        by_levels=by_levels,
        Jby=Jby,
        dist=term.dist,
        cov=term.cov,
        special=special,
    )


def _default_priors(
    predictors: list[Predictor],
    scalar_dpars: tuple[ScalarDpar, ...],
    bound: BoundFamily,
    response: Response,
    simplex: bool,
) -> PriorTable:
    """brms's order: each predictor's terms, the family's parameters (``simplex``: a
    mixture's simplex ``theta``), then the terms whose priors are model-wide
    (group-level), kind by kind; a key seen twice keeps its first row."""
    y = response.observed
    defaults = PriorDefaults(
        {
            p.dpar: intercept_prior(p, bound, y)
            for p in predictors
            if p.fixed is not None and p.fixed.intercept
        },
        scale_prior(y, bound, bound.link.name),
    )
    rows: list[PriorRow] = []
    for p in predictors:
        local = [t for t in p.terms if t.prior_scope == "predictor"]
        for kind in dict.fromkeys(t.prior_kind() for t in local):
            rows += kind.prior_rows_of([t for t in local if t.prior_kind() is kind], defaults)
    family_rows = []
    for d in scalar_dpars:
        default = bound.family.dpar(d.name).prior(y)
        dist = scale_prior(y, bound, "identity") if default is None else prior_dist(default)
        family_rows.append(PriorRow(dist, d.name, lb=d.lb, ub=d.ub))
    if bound.family.components is not None:
        # brms sorts its table by dpar: the rows without one (the components'
        # parameters, the joint simplex theta) come first
        if simplex:
            family_rows.append(PriorRow(DEFAULT_THETA_PRIOR, "theta"))
        rows = family_rows + rows
    else:
        rows += family_rows
    model_wide = [t for p in predictors for t in p.terms if t.prior_scope == "model"]
    for kind in dict.fromkeys(t.prior_kind() for t in model_wide):
        rows += kind.prior_rows_of([t for t in model_wide if t.prior_kind() is kind], defaults)
    # rows of a non-linear parameter name it in brms's nlpar column
    nlpars = {p.dpar for p in predictors if p.nlpar}
    unique: dict[tuple[str, str, str, str], PriorRow] = {}
    for row in rows:
        if row.dpar in nlpars:
            row = replace(row, dpar="", nlpar=row.dpar)
        unique.setdefault(row.key, row)
    return PriorTable(tuple(unique.values()))


def intercept_prior(p: Predictor, bound: BoundFamily, y: np.ndarray) -> Dist | None:
    """brms's default intercept prior of one predictor; for mu, the family's own for
    its link (``von_mises`` with ``tan_half``), else centered on the response's median
    on the link scale less the mean offset."""
    components = bound.family.components
    mixture_mu = components is not None and dpar_class(p.dpar) == "mu"
    if components is not None and mixture_mu:
        component, link = components.families[int(p.dpar[2:]) - 1]
        bound = BoundFamily(component, link)
    if mixture_mu or _of_mu(p.family_dpar, bound.family):
        family_prior = bound.family.intercept_priors.get(bound.link.name)
        if family_prior is not None:
            return Dist(*family_prior)
        known = [k for k in (t.known_eta() for t in p.terms) if k is not None]
        offset_mean = float(np.mean(sum(known))) if known else 0.0
        return scale_prior(y, bound, bound.link.name, center=False, offset_mean=offset_mean)
    default = bound.family.dpar(p.family_dpar).intercept_prior
    return scale_prior(y, bound, p.link.name) if default is None else prior_dist(default)


def _of_mu(dpar: str, family: Family) -> bool:
    """Whether the linear predictor ``dpar`` is ``mu`` (or a category's ``mu<category>``)."""
    return dpar == "mu" or family.per_category and dpar not in family.dpar_names


def _names(
    predictors: list[Predictor], scalar_dpars: tuple[ScalarDpar, ...], thetas: tuple[str, ...]
) -> tuple[ParName, ...]:
    names = [n for p in predictors for t in p.terms for n in t.par_names()]
    family = [d.name for d in scalar_dpars] + list(thetas)
    names += [ParName(name, (), name, name, name, FAMILY_SPECIFIC, name) for name in family]
    return tuple(sorted(names, key=name_order))


def missing_names(response: Response, resp: str = "") -> tuple[ParName, ...]:
    """brms's names of the estimated missing responses of ``mi()``, ``Ymi[<row>]``
    (``Ymi_<resp>[<row>]`` in a multivariate model), by row of the fitted data.

    Examples
    --------
    >>> import numpy as np
    >>> r = Response("y", np.array([1.0, np.nan, 2.0]), mi=np.array([1]))
    >>> [(n.column, n.name) for n in missing_names(r)]
    [('Ymi.1', 'Ymi[2]')]
    """
    if response.mi is None:
        return ()
    stan = f"Ymi_{resp}" if resp else "Ymi"
    return tuple(
        ParName(stan, (k,), f"{stan}[{row + 1}]", "Ymi", "mu", None, "", stan,
                ((f"{stan}_dim_0", str(row + 1)),))
        for k, row in enumerate(response.mi, 1)
    )  # fmt: skip


def name_order(name: ParName) -> int:
    """Position of the name's class in brms's order of variables (stable within a class)."""
    return _NAME_ORDER.get(name.cls, _FAMILY_ORDER)
