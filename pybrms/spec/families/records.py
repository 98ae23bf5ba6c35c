"""The records a family is made of: links, distributional parameters, response support,
Stan likelihood and the numpy post-processing of draws.

A family is data: :class:`Family` holds everything pybrms needs to know about one
response distribution, and no other module keeps a per-family table. Nothing here
looks at user data or renders code.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

__all__ = [
    "FLAT",
    "LINKS",
    "Components",
    "Dpar",
    "DparDraws",
    "Family",
    "Glm",
    "Link",
    "ResponseBound",
    "StanLikelihood",
    "Support",
]


@dataclass(frozen=True)
class Link:
    """A link function.

    Attributes
    ----------
    name
        brms's name (``"log"``, ``"logit"``, ...).
    stan_inverse
        Stan function turning the linear predictor into the parameter, or None
        for the identity.
    inverse
        The same inverse link on numpy arrays, for post-processing draws.
    transform
        The link applied to response values, for brms's default prior scales;
        None when brms does not transform the response for this link.
    functions
        Files under ``templates/functions`` defining ``stan_inverse`` when Stan
        has no such function (brms's ``fun_cauchit.stan``, ...).
    """

    name: str
    stan_inverse: str | None
    inverse: Callable[[np.ndarray], np.ndarray]
    transform: Callable[[np.ndarray], np.ndarray] | None
    functions: tuple[str, ...] = ()


# Module-level functions, not lambdas, so that a fitted model pickles.
def _identity(y: np.ndarray) -> np.ndarray:
    return y


def _inv_cloglog(eta: np.ndarray) -> np.ndarray:
    return -np.expm1(-np.exp(eta))


def _inv_cauchit(eta: np.ndarray) -> np.ndarray:
    return np.arctan(eta) / np.pi + 0.5


def _inv_tan_half(eta: np.ndarray) -> np.ndarray:
    return 2 * np.arctan(eta)


def _expp1(eta: np.ndarray) -> np.ndarray:
    return np.exp(eta) + 1


LINKS: dict[str, Link] = {
    "identity": Link("identity", None, _identity, _identity),
    "log": Link("log", "exp", np.exp, np.log),
    "inverse": Link("inverse", "inv", np.reciprocal, np.reciprocal),
    "sqrt": Link("sqrt", "square", np.square, np.sqrt),
    "logit": Link("logit", "inv_logit", special.expit, None),
    "probit": Link("probit", "Phi", special.ndtr, None),
    "cloglog": Link("cloglog", "inv_cloglog", _inv_cloglog, None),
    "cauchit": Link("cauchit", "inv_cauchit", _inv_cauchit, None, ("cauchit.stan",)),
    "tan_half": Link("tan_half", "inv_tan_half", _inv_tan_half, None, ("tan_half.stan",)),
    "logm1": Link("logm1", "expp1", _expp1, None, ("logm1.stan",)),
    "log1p": Link("log1p", "expm1", np.expm1, None),
}

PriorSpec = tuple[str, tuple[float, ...]]

#: brms's flat (improper) prior ``""`` as a :class:`Dpar` default (custom families).
FLAT: PriorSpec = ("", ())


@dataclass(frozen=True)
class ResponseBound:
    """A bound of a parameter set by a function of the response values (brms's ``min_Y``).

    The program computes it in transformed data (``real min_Y = min(Y);``), so that
    its code does not change with the response; the number is for the prior table
    and the checks of priors.

    Attributes
    ----------
    name
        brms's Stan variable (``"min_Y"``); a multivariate model suffixes the response.
    stan
        The Stan function of the response computing it (``"min"``).
    value
        The same function on the response values.

    Examples
    --------
    >>> ResponseBound("min_Y", "min", np.min).value(np.array([0.4, 0.2]))
    np.float64(0.2)
    """

    name: str
    stan: str
    value: Callable[[np.ndarray], float]


@dataclass(frozen=True)
class Dpar:
    """A distributional parameter other than ``mu``.

    Attributes
    ----------
    name
        brms's name (``"sigma"``, ``"zi"``, ...): the Stan variable and prior class.
    comment
        brms's comment on its declaration in the Stan program.
    lb, ub
        Bounds when it is estimated as a single value; None for unbounded; a
        :class:`ResponseBound` for a bound that the response values set (``ndt``
        below the smallest response).
    link
        brms's link when it has its own formula.
    default_prior
        brms's default prior when estimated as a single value, or a function of
        the response values giving it; None means the data-dependent half
        student-t of brms's ``def_scale_prior``; :data:`FLAT` is brms's flat prior.
    intercept_prior
        brms's default prior of the intercept of its own formula; None means the
        data-dependent student-t of ``def_scale_prior`` on the link scale.
    fixed
        brms's value when it has no formula, for a parameter that is then not
        estimated (``disc`` of ordinal families is 1); None: estimated.
    scale
        brms's ``tmp_dpars``: when it has no formula, the Stan function computing
        it from an unbounded parameter ``tmp_<name>``, the response and the
        family's earlier parameters at all rows (``scale_xi(tmp_xi, Y, mu, sigma)``
        keeps every response inside the support of ``gen_extreme_value``); None:
        the parameter itself is sampled.
    """

    name: str
    comment: str
    lb: float | None
    ub: float | ResponseBound | None
    link: str
    default_prior: PriorSpec | Callable[[np.ndarray], PriorSpec] | None
    intercept_prior: PriorSpec | None = ("student_t", (3, 0, 2.5))
    fixed: float | None = None
    scale: str | None = None

    def bounds(self, y: np.ndarray) -> tuple[float | None, float | None]:
        """``(lb, ub)`` for the response values ``y``."""
        return self.lb, self.ub.value(y) if isinstance(self.ub, ResponseBound) else self.ub

    @property
    def response_bound(self) -> ResponseBound | None:
        """Its upper bound when the response values set it, else None."""
        return self.ub if isinstance(self.ub, ResponseBound) else None

    def prior(self, y: np.ndarray) -> PriorSpec | None:
        """brms's default prior for the response values ``y`` (None: ``def_scale_prior``)."""
        return self.default_prior(y) if callable(self.default_prior) else self.default_prior


@dataclass(frozen=True)
class Support:
    """What values the response may take; checked before anything is compiled.

    Attributes
    ----------
    rule
        The support in words, for the error message (``"a non-negative integer"``).
    outside
        Mask of finite values outside the support; None for ordinal and
        categorical responses, which are coded 1..K from their categories.
    discrete
        The response is an integer (``array[N] int Y`` in Stan).
    bounds
        Its bounds as Stan writes them (``"<lower=0>"``), for the estimated missing
        responses of ``mi()``, as brms's ``Ybounds``; empty for the real line.
    """

    rule: str
    outside: Callable[[np.ndarray], np.ndarray] | None
    discrete: bool
    bounds: str = ""


@dataclass(frozen=True)
class Glm:
    """Stan's GLM distribution of a family and link: design matrix times coefficients
    computed inside the density, with analytic gradients.

    Attributes
    ----------
    name
        The distribution (``"poisson_log_glm"``).
    alpha
        Whether it takes an intercept, real or one per row (``ordered_logistic_glm``
        does not, so it cannot take offsets or group-level effects).
    vector_dpars
        Whether its other distributional parameters may vary by row
        (``neg_binomial_2_log_glm`` takes one real ``phi``).
    """

    name: str
    alpha: bool = True
    vector_dpars: bool = True


@dataclass(frozen=True)
class StanLikelihood:
    """How the family's density is written in Stan.

    Attributes
    ----------
    template
        The template under ``templates/families``; its ``lpdf(a)`` macro (and
        ``glm(a)`` where :attr:`glm` has an entry, ``lcdf(a)`` and ``lccdf(a)``
        where :attr:`cdf` is set) writes the call from the arguments ``a.dist``,
        ``a.y`` (the response, or a censoring or truncation point), ``a.mu`` and
        one per parameter.
    dist
        Stan distribution per link: the name of the ``_lpdf``/``_lpmf`` function
        and whether the inverse link is applied to ``mu`` first (False when the
        distribution takes the linear predictor, as ``poisson_log``).
    glm
        Stan's GLM distribution per link, where there is one.
    vectorized
        The density takes all rows at once; False writes a loop over rows (for
        user-defined densities of one observation, such as ``zero_inflated_poisson``).
    functions
        Files under ``templates/functions`` defining the Stan functions it calls.
    cdf
        The Stan distribution with ``_lcdf`` and ``_lccdf`` functions, taking
        ``mu`` on the response scale; a censored or truncated model calls it for
        its density too, whatever the link (as brms: ``poisson_log`` has no
        cdf, so ``poisson`` takes ``exp(mu)``). None when Stan has no cdf for
        the family, which then takes neither ``cens()`` nor ``trunc()``.
    omits
        Parameters the density does not take, which must then keep their
        :attr:`Dpar.fixed` value (``disc`` for Stan's ``ordered_logistic``).
    normalized
        The density keeps its constants even with ``normalize=False`` (brms's
        family records with ``normalized = ""``: the ordinal, hurdle and
        zero-inflated families and von_mises).
    arguments
        For a user's density (:func:`pybrms.custom_family`): the arguments after
        the response, in order (``mu``, the other parameters, then the data of
        ``vint()`` and ``vreal()``); the template reads them joined as ``a.custom``.
    """

    template: str
    dist: dict[str, tuple[str, bool]]
    glm: dict[str, Glm] = field(default_factory=dict)
    vectorized: bool = True
    functions: tuple[str, ...] = ()
    cdf: str | None = None
    omits: frozenset[str] = frozenset()
    normalized: bool = False
    arguments: tuple[str, ...] = ()

    def distribution(self, link: str, cdf: bool = False) -> tuple[str, bool]:
        """The Stan distribution for ``link`` and whether the inverse link is applied
        to ``mu`` first; ``cdf`` for a censored or truncated model, which calls the
        distribution with cdfs whatever the link, as brms.

        Examples
        --------
        >>> from pybrms.spec.families import FAMILIES
        >>> stan = FAMILIES["poisson"].stan
        >>> stan.distribution("log"), stan.distribution("log", cdf=True)
        (('poisson_log', False), ('poisson', True))
        """
        if cdf:
            assert self.cdf is not None  # checked with the addition terms
            return self.cdf, True
        return self.dist[link]


@dataclass(frozen=True, eq=False)
class DparDraws:
    """Draws of the distributional parameters at N rows: what the numpy functions read.

    Attributes
    ----------
    dpars
        ``"mu"`` and the family's other parameters on the response scale,
        ``(S, N)`` when predicted, ``(S, 1)`` when estimated as one value or
        fixed (``disc`` of ordinal families without a formula).
    eta
        Linear predictor of ``mu``, ``(S, N)``; for a family with one linear
        predictor per category (:attr:`Family.per_category`) those of all
        categories, ``(S, N, K)``, the reference category's zero.
    link
        Link of ``mu``.
    thres
        Ordinal thresholds ``(S, nthres)`` on the scale of ``eta`` (``(S, N, nthres)``
        with category-specific effects), else None.
    trials
        Number of trials per row, else None.
    vars
        The data of ``vint()`` and ``vreal()`` per row (``vint1``, ``vreal1``, ...),
        read by a custom family's functions.
    """

    dpars: dict[str, np.ndarray]
    eta: np.ndarray
    link: Link
    thres: np.ndarray | None
    trials: np.ndarray | None
    vars: dict[str, np.ndarray] = field(default_factory=dict)

    def __getitem__(self, dpar: str) -> np.ndarray:
        return self.dpars[dpar]

    @property
    def shape(self) -> tuple[int, int]:
        """``(S, N)``."""
        S, N = self.eta.shape[:2]
        return S, N


@dataclass(frozen=True)
class Components:
    """The components of a finite mixture, brms's ``mixfamily``.

    Component ``k`` (1-based) has the parameters ``mu<k>``, its family's
    parameters with the suffix ``k`` (``sigma1``) and the mixing proportion
    ``theta<k>``.

    Attributes
    ----------
    families
        Each component's family and the link of its ``mu``.
    ordered
        brms's ``order = "mu"``: the intercepts of ``mu1 < mu2 < ...`` are
        ordered to identify the components.
    """

    families: tuple[tuple[Family, Link], ...]
    ordered: bool

    def __len__(self) -> int:
        return len(self.families)


@dataclass(frozen=True)
class Family:
    """One response distribution: everything pybrms knows about it.

    Families with one linear predictor per category (:attr:`per_category`)
    name them when the response is known; the ordinal families keep their
    thresholds outside ``dpars`` (:attr:`ordinal`).

    Attributes
    ----------
    name
        brms's name, lower case (``"gamma"`` for R's ``Gamma``).
    links
        Accepted links of ``mu``, brms's default first.
    dpars
        Distributional parameters besides ``mu``, in the order of the likelihood.
    support
        What the response values must be.
    additions
        Addition terms allowed after ``|``; those in ``required_additions`` must
        be given.
    stan
        The Stan likelihood.
    log_lik
        ``(draws, y) -> (S, N)``: log density of the responses (brms's ``log_lik_<family>``).
    epred
        ``draws -> (S, N)``: expected value of the response (``(S, N, K)``
        category probabilities for ordinal families).
    predict
        ``(draws, rng) -> (S, N)``: one response per draw and row.
    log_scale
        Default prior scales use ``log(y)`` whatever the link (lognormal).
    distribution
        ``draws -> `` the scipy distribution of the response, frozen at the
        draws ``(S, N)``: its ``logcdf``, ``logsf``, ``cdf`` and ``ppf`` give
        censored and truncated log-likelihoods and truncated predictions. Set
        exactly when :attr:`StanLikelihood.cdf` is.
    rate_dpars
        Parameters that brms multiplies by the denominator of ``rate()``
        (``mu``, and ``shape`` for negbinomial); empty when the family takes no
        ``rate()``.
    general_stan
        The likelihood used where :attr:`stan` does not apply: for a link
        without an entry in its ``dist``, or a formula for a parameter it
        omits (brms's ``cumulative`` uses Stan's ``ordered_logistic`` only
        for the logit link with ``disc`` fixed).
    intercept_priors
        brms's default prior of the intercept of ``mu`` by link, where the
        family sets one (``von_mises`` with ``tan_half``); other links take
        ``def_scale_prior``.
    per_category
        ``mu`` is a linear predictor ``mu<category>`` per category but the
        reference one (brms's ``multi_dpars``: ``categorical``, ``multinomial``);
        the response is coded 1..K from its categories, or is a matrix.
    matrix_response
        The response is a matrix, one column per category, written
        ``cbind(y1, y2, y3)`` (``multinomial``); its values are checked
        column by column against :attr:`support`.
    components
        The components of a finite mixture (:func:`pybrms.mixture`), else None.
    category_specific
        Takes category-specific effects, ``cs()`` (brms's special ``"cs"``).
    ordered_thresholds
        The thresholds are declared ``ordered`` (brms's special ``"ordered_thres"``:
        ``cumulative``); other ordinal families' thresholds are a plain vector, as brms.
    """

    name: str
    links: tuple[str, ...]
    dpars: tuple[Dpar, ...]
    support: Support
    additions: frozenset[str]
    stan: StanLikelihood
    log_lik: Callable[[DparDraws, np.ndarray], np.ndarray]
    epred: Callable[[DparDraws], np.ndarray]
    predict: Callable[[DparDraws, np.random.Generator], np.ndarray]
    required_additions: frozenset[str] = frozenset()
    log_scale: bool = False
    distribution: Callable[[DparDraws], Any] | None = None
    rate_dpars: tuple[str, ...] = ()
    general_stan: StanLikelihood | None = None
    intercept_priors: dict[str, PriorSpec] = field(default_factory=dict)
    per_category: bool = False
    matrix_response: bool = False
    components: Components | None = None
    category_specific: bool = False
    ordered_thresholds: bool = False

    @property
    def ordinal(self) -> bool:
        """Whether the family has thresholds instead of a population intercept."""
        return self.support.outside is None and not self.per_category

    @property
    def discrete(self) -> bool:
        """Whether the response is an integer (``array[N] int Y`` in Stan)."""
        return self.support.discrete

    @property
    def dpar_names(self) -> tuple[str, ...]:
        """Names of the parameters besides ``mu``."""
        return tuple(d.name for d in self.dpars)

    def dpar(self, name: str) -> Dpar:
        """The parameter ``name`` (which must be one of :attr:`dpars`)."""
        return next(d for d in self.dpars if d.name == name)

    def likelihood(self, link: str, predicted: Collection[str]) -> StanLikelihood:
        """The Stan likelihood for the link ``link`` of ``mu`` when the parameters
        ``predicted`` have formulas: :attr:`stan` where it applies, else
        :attr:`general_stan`."""
        if link in self.stan.dist and not self.stan.omits & set(predicted):
            return self.stan
        assert self.general_stan is not None  # every link has a likelihood
        return self.general_stan
