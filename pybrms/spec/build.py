"""Formula + data + family + priors -> ModelSpec, with every input check up front.

:func:`build_spec` is the only place that looks at user input. It checks
columns, families, links, addition terms, response values and grouping factors,
drops incomplete rows, materializes the terms, builds the prior table and the
names table, and returns a frozen :class:`~pybrms.spec.model_spec.ModelSpec`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.formula import BrmsFormula, FormulaTerms, GroupTerm, as_brms_formula
from pybrms.priors import Dist, Priors
from pybrms.spec.default_priors import PriorRow, PriorTable, scale_prior
from pybrms.spec.families import LINKS, BoundFamily, Family, StanLikelihood, resolve_family
from pybrms.spec.frame import (
    check_columns,
    check_finite,
    complete_rows,
    design_matrix,
    evaluate,
    group_levels,
    row_label,
)
from pybrms.spec.model_spec import ModelSpec, Predictor, Response, ScalarDpar
from pybrms.spec.names import ParName
from pybrms.spec.terms import FixedEffects, GroupEffects, Offset
from pybrms.spec.user_priors import user_prior_rows

__all__ = ["build_spec", "get_prior"]

FormulaLike = str | BrmsFormula
FamilyLike = str | BoundFamily

# brms's order of variables in a fit: b_, sd_, cor_, family parameters, Intercept, r_.
_NAME_ORDER = {"b": 0, "sd": 1, "cor": 2, "Intercept": 4, "r": 5}

# Stan's int is a 32-bit signed integer.
_STAN_INT_MAX = 2**31 - 1


def build_spec(
    formula: FormulaLike,
    data: pd.DataFrame,
    family: FamilyLike = "gaussian",
    prior: Priors | None = None,
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
    if not isinstance(formula, str | BrmsFormula):
        raise SpecError(
            f"formula must be a string such as 'y ~ x' or pybrms.bf(...), "
            f"got {type(formula).__name__}."
        )
    bform = as_brms_formula(formula)
    bound = resolve_family(family)
    _check_dpars(bform, bound.family)
    _check_additions(bform.mu, bound.family)
    if not isinstance(data, pd.DataFrame):
        raise SpecError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    check_columns(data, bform.variables)
    data = complete_rows(data, bform.variables)
    response = response_from_data(bform.mu, data, bound.family)

    stan = bound.family.likelihood(bound.link.name, tuple(bform.dpars))
    predictors: list[Predictor] = []
    n_groups = 0
    for dpar, terms in (("mu", bform.mu), *bform.dpars.items()):
        predictor = _predictor(dpar, terms, data, bound, stan, response, first_id=n_groups + 1)
        n_groups += len(predictor.groups)
        predictors.append(predictor)
    scalar_dpars = tuple(
        ScalarDpar(d.name, *d.bounds(response.values))
        for d in bound.family.dpars
        if d.name not in bform.dpars and d.fixed is None
    )
    defaults = _default_priors(predictors, scalar_dpars, bound, response)
    table = defaults.merge(user_prior_rows(prior))
    spec = ModelSpec(
        formula=bform,
        family=bound,
        data=data,
        response=response,
        predictors=tuple(predictors),
        scalar_dpars=scalar_dpars,
        priors=table,
        names=_names(predictors, scalar_dpars),
    )
    spec.constants()  # refuses constant() priors that cannot fix their parameters
    return spec


def get_prior(
    formula: FormulaLike, data: pd.DataFrame, family: FamilyLike = "gaussian"
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
    return build_spec(formula, data, family).priors.to_frame()


def _check_dpars(bform: BrmsFormula, family: Family) -> None:
    for dpar in bform.dpars:
        if dpar not in family.dpar_names:
            valid = ", ".join(family.dpar_names) or "none"
            raise SpecError(
                f"Family {family.name!r} has no distributional parameter {dpar!r}. "
                f"Its parameters besides mu: {valid}."
            )
        if family.dpar(dpar).link is None:
            predictable = ", ".join(d.name for d in family.dpars if d.link is not None)
            raise SpecError(
                f"Parameter {dpar!r} cannot have its own formula yet; "
                f"predictable parameters of {family.name!r}: {predictable or 'none'}."
            )


def _check_additions(terms: FormulaTerms, family: Family) -> None:
    assert terms.response is not None  # guaranteed by the parser for the main formula
    given = {a.name for a in terms.response.additions}
    for name in sorted(given - family.additions):
        raise SpecError(
            f"Addition term {name}() is not allowed for family {family.name!r}; "
            f"allowed: {', '.join(sorted(family.additions))}."
        )
    for name in sorted(family.required_additions - given):
        raise SpecError(
            f"Family {family.name!r} needs the addition term {name}(), e.g. 'y | {name}(n) ~ x'."
        )


def addition_values(terms: FormulaTerms, name: str, data: pd.DataFrame) -> np.ndarray | None:
    """Values of the addition term ``name`` (``trials``, ``weights``) in ``data``, or None."""
    assert terms.response is not None
    addition = terms.response.addition(name)
    if addition is None:
        return None
    (arg,) = addition.args
    if arg in data.columns:
        return data[arg].to_numpy()
    try:
        return np.full(len(data), float(arg))
    except ValueError:
        return evaluate(arg, data)


def _addition_label(terms: FormulaTerms, name: str) -> str:
    """The addition term as written, e.g. ``trials(n)``."""
    assert terms.response is not None
    return f"{name}({', '.join(terms.response.addition(name).args)})"


def _first_bad(values: np.ndarray, bad: np.ndarray, index: pd.Index) -> str:
    pos = int(np.flatnonzero(bad)[0])
    value = float(values[pos])
    return f"{row_label(index, pos)} has {int(value) if value.is_integer() else value!r}"


def response_from_data(
    terms: FormulaTerms, data: pd.DataFrame, family: Family, nthres: int | None = None
) -> Response:
    """The checked response and addition terms of ``data``.

    ``nthres`` is the fitted number of ordinal thresholds, for new data: then a
    single observed category is fine, and categories beyond the fitted ones are not.
    """
    assert terms.response is not None
    expr = terms.response.expr
    raw = evaluate(expr, data)
    trials = addition_values(terms, "trials", data)
    weights = addition_values(terms, "weights", data)
    where = f"Response {expr!r} of family {family.name!r}"
    if weights is not None:
        weights = _numeric(weights, "weights")
        check_finite(weights, _addition_label(terms, "weights"), data.index)
        if (weights < 0).any():
            raise SpecError(
                f"Weights must be non-negative; {_first_bad(weights, weights < 0, data.index)}."
            )
    if family.ordinal:
        values = _ordinal_codes(raw, where, data.index, nthres)
        nthres = int(values.max()) - 1 if nthres is None else nthres
        return Response(expr, values, weights=weights, nthres=nthres)
    y = _numeric(raw, f"response {expr!r}")
    check_finite(y, where, data.index)
    assert family.support.outside is not None  # only ordinal responses have none
    bad = family.support.outside(y)
    if bad.any():
        rule = family.support.rule
        raise SpecError(f"{where} must be {rule}; {_first_bad(y, bad, data.index)}.")
    if family.discrete:
        _check_stan_int(y, where, data.index)
    if trials is not None:
        trials = _numeric(trials, "trials")
        what = _addition_label(terms, "trials")
        check_finite(trials, what, data.index)
        bad_trials = (trials < 0) | (trials != np.round(trials))
        if bad_trials.any():
            first = _first_bad(trials, bad_trials, data.index)
            raise SpecError(f"{what} must be non-negative integers; {first}.")
        _check_stan_int(trials, what, data.index)
        over = y > trials
        if over.any():
            pos = int(np.flatnonzero(over)[0])
            raise SpecError(
                f"{where} must not exceed trials(); {row_label(data.index, pos)} has "
                f"{int(y[pos])} > {int(trials[pos])} trials."
            )
        trials = trials.astype(np.int64)
    values = y.astype(np.int64) if family.discrete else y
    return Response(expr, values, trials=trials, weights=weights)


def _numeric(values: np.ndarray, what: str) -> np.ndarray:
    if values.dtype == bool:
        return values.astype(float)
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"The {what} must be numeric; got values such as {values[0]!r}.") from exc


def _check_stan_int(values: np.ndarray, what: str, index: pd.Index) -> None:
    """Refuse integers that Stan's ``int`` (32-bit signed) cannot hold."""
    over = np.abs(values) > _STAN_INT_MAX
    if over.any():
        raise SpecError(
            f"{what} exceeds Stan's integer range (32-bit signed int, at most "
            f"{_STAN_INT_MAX}); {_first_bad(values, over, index)}."
        )


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
        _check_stan_int(y, where, index)
        bad = (y < 1) | _not_integer(y)
        if bad.any():
            raise SpecError(f"{where} must be an integer 1..K; {_first_bad(y, bad, index)}.")
        values = y.astype(np.int64)
    if nthres is None and values.max() < 2:
        raise SpecError(f"{where} needs at least two categories.")
    if nthres is not None and values.max() > nthres + 1:
        raise SpecError(
            f"{where} has category {values.max()}, but the fitted model has {nthres + 1}."
        )
    return values


def _predictor(
    dpar: str,
    terms: FormulaTerms,
    data: pd.DataFrame,
    bound: BoundFamily,
    stan: StanLikelihood,
    response: Response,
    first_id: int,
) -> Predictor:
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
    fixed = None
    if design.names or terms.intercept:
        fixed = FixedEffects(dpar, design, terms.intercept, response.nthres if ordinal else 0)
    offset = None
    if terms.offsets:
        offset = Offset(dpar, sum(_offset_values(e, data) for e in terms.offsets))
    groups = tuple(_group(first_id + k, dpar, g, data) for k, g in enumerate(terms.groups))
    _check_duplicated_effects(terms.groups, groups)
    if dpar == "mu":
        link = bound.link
        applies_inverse = stan.dist[link.name][1]
    else:
        link = LINKS[bound.family.dpar(dpar).link or "identity"]
        applies_inverse = True
    inverse = link.stan_inverse if applies_inverse else None
    return Predictor(dpar, link, inverse, fixed, offset, groups)


def _offset_values(expr: str, data: pd.DataFrame) -> np.ndarray:
    values = _numeric(evaluate(expr, data), f"offset {expr!r}")
    check_finite(values, f"Offset {expr!r}", data.index)
    return values


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


def _group(id_: int, dpar: str, term: GroupTerm, data: pd.DataFrame) -> GroupEffects:
    if term.id is not None:
        raise SpecError(
            f"Correlation ids such as ({term.expr} | {term.id} | {term.group}) "
            "are not supported yet."
        )
    levels, index = group_levels(data, term.factors)
    if len(levels) < 2:
        raise SpecError(
            f"Grouping factor {term.group!r} has only one level ({levels[0]!r}); "
            "group-level effects need at least two."
        )
    design = design_matrix(term.expr, data)
    if not design.names:
        raise SpecError(f"Group-level term ({term.expr} | {term.group}) has no coefficients.")
    return GroupEffects(id_, dpar, term.group, term.factors, design, term.correlated, levels, index)


def _default_priors(
    predictors: list[Predictor],
    scalar_dpars: tuple[ScalarDpar, ...],
    bound: BoundFamily,
    response: Response,
) -> PriorTable:
    y = response.values
    rows: list[PriorRow] = []
    for p in predictors:
        if p.fixed is None:
            continue
        if p.dpar == "mu":
            offset_mean = float(np.mean(p.offset.values)) if p.offset is not None else 0.0
            family_prior = bound.family.intercept_priors.get(bound.link.name)
            intercept = (
                scale_prior(y, bound, bound.link.name, center=False, offset_mean=offset_mean)
                if family_prior is None
                else Dist(*family_prior)
            )
        else:
            default = bound.family.dpar(p.dpar).intercept_prior
            intercept = scale_prior(y, bound, p.link.name) if default is None else Dist(*default)
        rows += p.fixed.prior_rows(intercept)
    for d in scalar_dpars:
        default = bound.family.dpar(d.name).prior(y)
        dist = scale_prior(y, bound, "identity") if default is None else Dist(*default)
        rows.append(PriorRow(dist, d.name, lb=d.lb, ub=d.ub))
    groups = [g for p in predictors for g in p.groups]
    if groups:
        sd_prior = scale_prior(y, bound, bound.link.name)
        if any(g.has_cor for g in groups):
            rows.append(PriorRow(Dist("lkj_corr_cholesky", (1,)), "cor"))
        unique: dict[tuple[str, str, str, str], PriorRow] = {}
        for g in groups:
            for row in g.prior_rows(sd_prior):
                unique.setdefault(row.key, row)
        rows += unique.values()
    return PriorTable(tuple(rows))


def _names(
    predictors: list[Predictor], scalar_dpars: tuple[ScalarDpar, ...]
) -> tuple[ParName, ...]:
    names = [n for p in predictors for t in p.terms for n in t.par_names()]
    names += [ParName(d.name, (), d.name, d.name, d.name) for d in scalar_dpars]
    return tuple(sorted(names, key=lambda n: _NAME_ORDER.get(n.cls, 3)))
