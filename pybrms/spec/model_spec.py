"""The frozen description of one model that everything downstream reads.

:class:`ModelSpec` is built once by :func:`pybrms.spec.build_spec` (like brms's
``brmsterms`` plus ``brmsframe``) and never mutated: Stan code, Stan data, the
prior table and the names of the outputs all come from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from pybrms.formula import BrmsFormula
from pybrms.formula.nonlinear import NonLinear
from pybrms.priors import Priors
from pybrms.spec.default_priors import Constants, PriorTable, PriorTarget, constants
from pybrms.spec.families import BoundFamily, Link, ResponseBound, StanLikelihood
from pybrms.spec.families.categorical import reference_index
from pybrms.spec.families.mixture import simplex_thetas
from pybrms.spec.names import ParName, with_resp
from pybrms.spec.prior_draws import PriorDraw, SamplePrior, prior_draws
from pybrms.spec.stanvars import Stanvar
from pybrms.spec.terms import FixedEffects, GroupEffects, Term

__all__ = ["ModelSpec", "Predictor", "Response", "ScalarDpar"]


@dataclass(frozen=True, eq=False)
class Response:
    """The response and its addition terms.

    Attributes
    ----------
    expr
        The response expression as written (``"count"``).
    values
        Response values: integers for discrete families, floats otherwise;
        ordinal responses are coded 1..K.
    trials
        Number of trials per observation (binomial), else None.
    weights
        Observation weights, else None.
    nthres
        Number of thresholds (ordinal families), else 0.
    se
        Known standard errors of ``se()``, else None.
    se_sigma
        ``se(x, sigma = TRUE)``: ``sigma`` is estimated besides the standard
        errors; otherwise they replace it.
    denom
        Denominators of ``rate()``, else None.
    cens
        Censoring codes of ``cens()`` (-1 left, 0 none, 1 right, 2 interval), else None.
    rcens
        Right ends of interval censoring (0 in other rows) when ``cens(x, y2)``
        gives them, else None.
    lb, ub
        Truncation bounds of ``trunc()`` per row; None for a side without a
        finite bound.
    categories
        Labels of the categories 1..K of ordinal and categorical responses:
        for ordinal families the levels of an ordered Categorical response,
        else ``"1"``, ..., ``"K"`` (brms's ``P(Y = <label>)``); for categorical
        the levels of a Categorical, else the sorted distinct values.
    vars
        The data of ``vint()`` and ``vreal()`` of a custom family, brms's
        ``vint1``, ``vint2``, ..., ``vreal1``, ... (integers, floats).
    mi
        With ``mi()``: the 0-based rows whose response is missing (NaN in
        ``values``), estimated as the parameters ``Ymi``; else None.
    """

    expr: str
    values: np.ndarray
    trials: np.ndarray | None = None
    weights: np.ndarray | None = None
    nthres: int = 0
    se: np.ndarray | None = None
    se_sigma: bool = False
    denom: np.ndarray | None = None
    cens: np.ndarray | None = None
    rcens: np.ndarray | None = None
    lb: np.ndarray | None = None
    ub: np.ndarray | None = None
    categories: tuple[str, ...] = ()
    vars: dict[str, np.ndarray] = field(default_factory=dict)
    mi: np.ndarray | None = None

    @property
    def observed(self) -> np.ndarray:
        """The response values that are not missing (all of them without ``mi()``)."""
        if self.mi is None:
            return self.values
        return np.delete(self.values, self.mi)

    @property
    def truncated(self) -> bool:
        """Whether ``trunc()`` sets a bound."""
        return self.lb is not None or self.ub is not None

    def take(self, rows: np.ndarray) -> Response:
        """The response of the rows at positions ``rows``."""

        def of(values: np.ndarray | None) -> np.ndarray | None:
            return None if values is None else values[rows]

        return replace(
            self,
            values=self.values[rows],
            trials=of(self.trials),
            weights=of(self.weights),
            se=of(self.se),
            denom=of(self.denom),
            cens=of(self.cens),
            rcens=of(self.rcens),
            lb=of(self.lb),
            ub=of(self.ub),
            vars={name: v[rows] for name, v in self.vars.items()},
        )

    @property
    def uses_cdf(self) -> bool:
        """Whether the likelihood needs the family's cdfs (censored or truncated)."""
        return self.cens is not None or self.truncated

    @property
    def estimates_sigma(self) -> bool:
        """Whether ``sigma`` is a parameter: always, except with ``se(x, sigma = FALSE)``."""
        return self.se is None or self.se_sigma


@dataclass(frozen=True, eq=False)
class Predictor:
    """The linear predictor of one distributional parameter.

    Attributes
    ----------
    dpar
        ``"mu"`` or a distributional parameter (``"sigma"``).
    link
        The link of this parameter.
    inverse_link
        Stan function applied to the linear predictor before the likelihood,
        or None when the likelihood takes the linear predictor itself
        (identity link, or a ``*_log``/``*_logit`` distribution).
    terms
        The terms (:class:`pybrms.spec.terms.Term`), in brms's order:
        population-level effects, monotonic effects, offsets, then group-level
        terms.
    nonlinear
        For a parameter with a non-linear formula (``bf(..., nl=True)``, ``nlf()``):
        its expression over the non-linear parameters and the covariates of its
        only term, :class:`~pybrms.spec.terms.Covariates`; else None.
    nlpar
        Whether this is the linear predictor of a non-linear parameter (``dpar``
        is then its name, such as ``"a"``).
    resp
        The response of a multivariate model the predictor belongs to; ``dpar`` is
        then suffixed by it as brms's Stan names (``"y1"`` for mu, ``"sigma_y1"``,
        see :func:`~pybrms.spec.names.with_resp`); ``""`` in a univariate model.
    """

    dpar: str
    link: Link
    inverse_link: str | None
    terms: tuple[Term, ...]
    nonlinear: NonLinear | None = None
    nlpar: bool = False
    resp: str = ""

    @property
    def family_dpar(self) -> str:
        """The family's name of the parameter (``"mu"``, ``"sigma"``), without the response."""
        if not self.resp:
            return self.dpar
        return "mu" if self.dpar == self.resp else self.dpar.removesuffix(f"_{self.resp}")

    @property
    def local(self) -> str:
        """The Stan vector of the predictor: the dpar, ``mu_<resp>`` of a response's mu,
        or ``nlp_<name>`` (brms's names)."""
        if self.nlpar:
            return f"nlp_{self.dpar}"
        return f"mu_{self.resp}" if self.resp and self.dpar == self.resp else self.dpar

    @property
    def fixed(self) -> FixedEffects | None:
        """The population-level effects, if the predictor has any."""
        return next((t for t in self.terms if isinstance(t, FixedEffects)), None)

    @property
    def groups(self) -> tuple[GroupEffects, ...]:
        """The group-level terms, by id."""
        return tuple(t for t in self.terms if isinstance(t, GroupEffects))


@dataclass(frozen=True)
class ScalarDpar:
    """A distributional parameter estimated as one value (``sigma``, ``zi``, ...),
    with its bounds (None for unbounded); for brms's ``tmp_dpars``, the Stan
    function computing it from the parameter ``tmp_<name>`` (see
    :attr:`pybrms.spec.families.Dpar.scale`); and when the response values set its
    upper bound ``ub`` (``ndt`` below brms's ``min_Y``), how the program computes it.

    Examples
    --------
    >>> from pybrms.spec.families import FAMILIES
    >>> bound = FAMILIES["shifted_lognormal"].dpar("ndt").response_bound
    >>> d = ScalarDpar("ndt", 0.0, 0.3, response_bound=bound)
    >>> d.ub_variable(), d.ub_variable("rt")
    ('min_Y', 'min_Y_rt')
    """

    name: str
    lb: float | None
    ub: float | None
    scale: str | None = None
    response_bound: ResponseBound | None = None

    @property
    def stan(self) -> str:
        """The Stan parameter sampled: ``tmp_<name>`` for a scaled parameter."""
        return f"tmp_{self.name}" if self.scale else self.name

    def ub_variable(self, resp: str = "") -> str:
        """The Stan variable of an upper bound the response sets (brms's ``min_Y``,
        ``min_Y_<resp>`` for response ``resp`` of a multivariate model), or ""."""
        return "" if self.response_bound is None else with_resp(self.response_bound.name, resp)


@dataclass(frozen=True, eq=False)
class ModelSpec:
    """Everything about one model: formula, family, data-dependent terms, priors, names.

    Attributes
    ----------
    formula
        The parsed formula.
    family
        Family and link of ``mu``.
    data
        The complete rows the model uses (original index kept), in the order of the
        Stan data: that of the user's data, except for ARMA models, whose rows are
        ordered by ``gr``, then ``time``, as brms orders them.
    response
        Response values and addition terms, rows as ``data``.
    predictors
        Linear predictors, ``mu`` first, then predicted distributional parameters,
        then those of the non-linear parameters.
    scalar_dpars
        Distributional parameters without a formula.
    priors
        The prior table: defaults merged with user priors.
    names
        Stan variable elements and their brms output names, built once here
        (prior draws, class ``"prior"``, last).
    user_priors
        The priors the user gave, so that the model can be built again on
        other rows (:meth:`BrmsFit.kfold <pybrms.fit.brmsfit.BrmsFit.kfold>`).
    sample_prior
        brms's ``sample_prior``: ``"no"``; ``"yes"``, draws from the priors as
        generated quantities (:meth:`prior_draws`); ``"only"``, the likelihood
        dropped (Stan data ``prior_only``).
    data2
        brms's ``data2``: data that are not one value per row (the known covariance
        matrices of ``gr(g, cov = A)``), or None.
    stanvars
        Stan code the user adds to the program (:func:`pybrms.stanvar`).
    input_rows
        Positions in ``data`` of the user's rows, in the user's order, when the two
        orders differ (ARMA models), else None: everything returned per row follows
        the user's order, as brms's ``old_order``.
    knots
        The knots of cubic regression smooths by variable (brms's ``knots``).
    """

    formula: BrmsFormula
    family: BoundFamily
    data: pd.DataFrame
    response: Response
    predictors: tuple[Predictor, ...]
    scalar_dpars: tuple[ScalarDpar, ...]
    priors: PriorTable
    names: tuple[ParName, ...]
    user_priors: Priors | None = None
    sample_prior: SamplePrior = "no"
    data2: Mapping[str, Any] | None = None
    stanvars: tuple[Stanvar, ...] = ()
    input_rows: np.ndarray | None = None
    knots: Mapping[str, Sequence[float]] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"ModelSpec({self.formula.mu.source!r}, family={self.family.name}"
            f"({self.family.link.name}), N={self.N})"
        )

    @property
    def N(self) -> int:
        """Number of observations."""
        return len(self.response.values)

    @property
    def input_data(self) -> pd.DataFrame:
        """The complete rows in the user's order: the rows of everything returned per row."""
        return self.data if self.input_rows is None else self.data.iloc[self.input_rows]

    @property
    def input_response(self) -> Response:
        """The response and its addition terms in the user's order of the rows."""
        if self.input_rows is None:
            return self.response
        return self.response.take(self.input_rows)

    def in_input_order(self, rows: np.ndarray) -> np.ndarray:
        """Draws ``(S, N, ...)`` of the rows of ``data`` in the user's order of the rows.

        Examples
        --------
        >>> import pandas as pd
        >>> from pybrms.spec import build_spec
        >>> df = pd.DataFrame({"y": [0.3, 1.2, 0.8, 2.0], "t": [2, 1, 2, 1], "g": list("aabb")})
        >>> spec = build_spec("y ~ ar(t, g)", df)
        >>> spec.data.index.tolist(), spec.input_data.index.tolist()
        ([1, 0, 3, 2], [0, 1, 2, 3])
        >>> spec.in_input_order(np.array([[1.0, 0.0, 3.0, 2.0]])).tolist()
        [[0.0, 1.0, 2.0, 3.0]]
        """
        return rows if self.input_rows is None else np.take(rows, self.input_rows, axis=1)

    @property
    def likelihood(self) -> StanLikelihood:
        """The family's Stan likelihood for this link and these predicted (or fixed by
        the formula) parameters."""
        predicted = [p.dpar for p in self.predictors[1:] if not p.nlpar]
        return self.family.family.likelihood(
            self.family.link.name, [*predicted, *self.formula.pfix]
        )

    @property
    def fixed_dpars(self) -> dict[str, float]:
        """Parameters without a formula that are not estimated, name -> value: those
        brms fixes (``disc`` of ordinal families) and those the formula fixes
        (``bf(y ~ x, sigma = 2)``)."""
        predicted = {p.dpar for p in self.predictors}
        family = {
            d.name: d.fixed
            for d in self.family.family.dpars
            if d.fixed is not None and d.name not in predicted
        }
        return family | dict(self.formula.pfix)

    @property
    def reference(self) -> int:
        """For a family with one linear predictor per category, the position of the
        reference category, whose linear predictor is 0 (brms's ``refcat``); else 0."""
        return reference_index(self.response.categories, self.family.refcat)

    @property
    def theta_simplex(self) -> int:
        """For a mixture whose proportions have no formulas, the size of brms's
        simplex ``theta`` (its elements are ``theta1``, ``theta2``, ...); else 0."""
        fixed = [*self.formula.pfix]
        return len(simplex_thetas(self.family.family, [*(p.dpar for p in self.predictors), *fixed]))

    @property
    def terms(self) -> tuple[Term, ...]:
        """The terms of all predictors."""
        return tuple(t for p in self.predictors for t in p.terms)

    @property
    def groups(self) -> tuple[GroupEffects, ...]:
        """All group-level terms, by id."""
        return tuple(g for p in self.predictors for g in p.groups)

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """Stan variables governed by the prior table, in brms's statement order."""

        def of_scope(scope: str) -> list[PriorTarget]:
            return [
                t for term in self.terms if term.prior_scope == scope for t in term.prior_targets()
            ]

        dpars = [
            PriorTarget(d.stan, (((d.name, "", "", ""),),), scalar=True, ub=d.ub_variable())
            for d in self.scalar_dpars
        ]
        if self.theta_simplex:
            # the concentration is data of its own, as brms's con_theta
            dpars.append(PriorTarget("theta", ((("theta", "", "", ""),),), args="con_theta"))
        return (*of_scope("predictor"), *dpars, *of_scope("model"))

    def constants(self) -> tuple[Constants, ...]:
        """Stan variables that ``constant(x)`` priors fix, in whole or in part.

        Raises
        ------
        SpecError
            If a constant prior cannot fix its parameter (see
            :func:`pybrms.spec.default_priors.constants`).
        """
        return tuple(constants(self.priors, self.prior_targets()))

    def prior_draws(self) -> tuple[PriorDraw, ...]:
        """Draws from the priors in generated quantities (none unless ``sample_prior="yes"``)."""
        if self.sample_prior != "yes":
            return ()
        return prior_draws(self.priors, self.prior_targets())
