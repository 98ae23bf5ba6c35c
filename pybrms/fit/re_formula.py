"""Which group-level effects a prediction includes: brms's ``re_formula``.

As brms: None includes every group-level term, ``"NA"`` (or ``"~0"``) none, and a
formula such as ``"~ (1 | g)"`` only the group-level terms it names, in every
linear predictor of the model. A term may name fewer coefficients than the fit
has (``(1 | g)`` of a fitted ``(1 + x | g)``); the others are left out.
Terms left out entirely are dropped before new data are read, so ``newdata``
needs no grouping columns for them.
"""

from __future__ import annotations

import pandas as pd

from pybrms.errors import PybrmsError, SpecError
from pybrms.fit.newdata import PredictionData, prediction_data
from pybrms.formula import parse
from pybrms.spec.frame import design_matrix
from pybrms.spec.model_spec import ModelSpec
from pybrms.spec.terms.base import SampleNewLevels

__all__ = ["group_coefs", "select_prediction_data"]

#: How brms's ``re_formula = NA`` is written here.
NO_GROUP_TERMS = "NA"


def group_coefs(spec: ModelSpec, re_formula: str | None) -> dict[str, frozenset[str]] | None:
    """Grouping -> coefficients to include; None includes every group-level term.

    Raises
    ------
    SpecError
        If ``re_formula`` is not a formula, or names a grouping or coefficient the
        model does not have.

    Examples
    --------
    >>> import pandas as pd
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "x": [0.0, 1, 0, 1], "g": list("aabb")})
    >>> spec = build_spec("y ~ x + (1 + x | g)", df)
    >>> group_coefs(spec, "~ (1 | g)")
    {'g': frozenset({'Intercept'})}
    >>> group_coefs(spec, "NA")
    {}
    """
    if re_formula is None:
        return None
    if not isinstance(re_formula, str):
        raise SpecError(
            f"re_formula must be None, 'NA' or a formula string such as '~ (1 | g)', "
            f"got {re_formula!r}."
        )
    if re_formula.strip() == NO_GROUP_TERMS:
        return {}
    try:
        terms = parse(re_formula)
    except PybrmsError as exc:
        raise SpecError(f"re_formula {re_formula!r} is not a valid formula: {exc}") from exc
    fitted: dict[str, set[str]] = {}
    for effects in spec.groups:
        fitted.setdefault(effects.group, set()).update(effects.coefs)
    wanted: dict[str, set[str]] = {}
    for term in terms.groups:
        if term.group not in fitted:
            raise SpecError(
                f"re_formula names grouping {term.group!r}, which the model does not have; "
                f"groupings: {', '.join(fitted) or 'none'}."
            )
        coefs = design_matrix(term.expr, spec.data).names
        unknown = sorted(set(coefs) - fitted[term.group])
        if unknown:
            raise SpecError(
                f"re_formula term ({term.expr} | {term.group}) has coefficient(s) "
                f"{', '.join(unknown)} that the model's terms on {term.group!r} do not vary; "
                f"they vary: {', '.join(sorted(fitted[term.group]))}."
            )
        wanted.setdefault(term.group, set()).update(coefs)
    return {group: frozenset(coefs) for group, coefs in wanted.items()}


def select_prediction_data(
    spec: ModelSpec,
    newdata: pd.DataFrame | None,
    *,
    allow_new_levels: bool,
    re_formula: str | None,
    sample_new_levels: SampleNewLevels = "uncertainty",
    new_level_seed: int = 0,
) -> PredictionData:
    """:func:`~pybrms.fit.newdata.prediction_data` with only the group-level effects
    of ``re_formula``; ``sample_new_levels`` and ``new_level_seed`` say how effects of
    new levels are drawn (:class:`~pybrms.spec.terms.base.RowRequest`).

    Examples
    --------
    >>> import pandas as pd
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "x": [0.0, 1, 0, 1], "g": list("aabb")})
    >>> spec = build_spec("y ~ x + (1 | g)", df)
    >>> data = select_prediction_data(spec, pd.DataFrame({"x": [2.0]}),
    ...                               allow_new_levels=False, re_formula="NA")
    >>> [type(term).__name__ for term, _ in data.predictors[0].terms]
    ['FixedEffects']
    """
    keep = group_coefs(spec, re_formula)
    return prediction_data(
        spec,
        newdata,
        allow_new_levels=allow_new_levels,
        group_coefs=keep,
        sample_new_levels=sample_new_levels,
        new_level_seed=new_level_seed,
    )
