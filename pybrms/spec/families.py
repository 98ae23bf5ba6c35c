"""Response families as data: one record per family in one explicit registry.

A :class:`Family` says which links it accepts (the default first), which
distributional parameters it has, what values the response may take, which
addition terms it allows and which Stan template renders its likelihood. Links
and distributional parameters are records in their own registries
(:data:`LINKS`, :data:`DPARS`). Nothing here looks at data or renders code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from pybrms.errors import SpecError

__all__ = [
    "DPARS",
    "FAMILIES",
    "LINKS",
    "BoundFamily",
    "DparInfo",
    "Family",
    "Glm",
    "Link",
    "family",
    "resolve_family",
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
    transform
        The link applied to response values, for brms's default prior scales;
        None when brms does not transform the response for this link.
    """

    name: str
    stan_inverse: str | None
    transform: Callable[[np.ndarray], np.ndarray] | None


def _identity(y: np.ndarray) -> np.ndarray:
    return y


def _reciprocal(y: np.ndarray) -> np.ndarray:
    return 1.0 / y


# Module-level functions, not lambdas, so that a fitted model pickles.
LINKS: dict[str, Link] = {
    "identity": Link("identity", None, _identity),
    "log": Link("log", "exp", np.log),
    "inverse": Link("inverse", "inv", _reciprocal),
    "sqrt": Link("sqrt", "square", np.sqrt),
    "logit": Link("logit", "inv_logit", None),
    "probit": Link("probit", "Phi", None),
    "cloglog": Link("cloglog", "inv_cloglog", None),
}


@dataclass(frozen=True)
class DparInfo:
    """A distributional parameter other than ``mu``.

    Attributes
    ----------
    name
        ``"sigma"``, ``"shape"``, ``"nu"`` or ``"phi"``.
    lb
        Lower bound of the parameter when it is estimated as a single value.
    link
        Link used when the parameter has its own formula; None if it cannot.
    default_prior
        brms's default prior when estimated as a single value, as a distribution
        name and arguments; None means the data-dependent half student-t of
        brms's ``def_scale_prior``.
    """

    name: str
    lb: float
    link: str | None
    default_prior: tuple[str, tuple[float, ...]] | None


DPARS: dict[str, DparInfo] = {
    "sigma": DparInfo("sigma", 0.0, "log", None),
    "shape": DparInfo("shape", 0.0, "log", ("gamma", (0.01, 0.01))),
    "nu": DparInfo("nu", 1.0, None, ("gamma", (2, 0.1))),
    "phi": DparInfo("phi", 0.0, "log", ("gamma", (0.01, 0.01))),
}


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


ResponseKind = Literal["real", "count", "binary", "proportion", "positive", "ordinal"]


@dataclass(frozen=True)
class Family:
    """One response distribution.

    Attributes
    ----------
    name
        brms's name, lower case (``"gamma"`` for R's ``Gamma``).
    links
        Accepted links, brms's default first.
    dpars
        Distributional parameters besides ``mu``, in the order of the likelihood.
    response
        What the response values must be; checked before anything is compiled.
    additions
        Addition terms allowed after ``|``; those in ``required_additions`` must
        be given.
    template
        The family template under ``templates/families``.
    dist
        Stan distribution per link: the name of the ``_lpdf``/``_lpmf`` function
        and whether the inverse link is applied to ``mu`` first (False when the
        distribution takes the linear predictor, as ``poisson_log``).
    log_scale
        The density is on ``log(y)`` (lognormal), so default prior scales use
        ``log(y)`` whatever the link.
    glm
        Stan's GLM distribution per link, where there is one.
    """

    name: str
    links: tuple[str, ...]
    dpars: tuple[str, ...]
    response: ResponseKind
    additions: frozenset[str]
    template: str
    dist: dict[str, tuple[str, bool]]
    required_additions: frozenset[str] = frozenset()
    log_scale: bool = False
    glm: dict[str, Glm] = field(default_factory=dict)

    @property
    def ordinal(self) -> bool:
        """Whether the family has thresholds instead of a population intercept."""
        return self.response == "ordinal"

    @property
    def discrete(self) -> bool:
        """Whether the response is an integer (``array[N] int Y`` in Stan)."""
        return self.response in ("count", "binary", "ordinal")


def _same_dist(name: str, links: tuple[str, ...]) -> dict[str, tuple[str, bool]]:
    return {link: (name, True) for link in links}


_W = frozenset({"weights"})

FAMILIES: dict[str, Family] = {
    "gaussian": Family(
        "gaussian",
        ("identity", "log", "inverse"),
        ("sigma",),
        "real",
        _W,
        "gaussian",
        _same_dist("normal", ("identity", "log", "inverse")),
        glm={"identity": Glm("normal_id_glm")},
    ),
    "student": Family(
        "student",
        ("identity", "log", "inverse"),
        ("sigma", "nu"),
        "real",
        _W,
        "student",
        _same_dist("student_t", ("identity", "log", "inverse")),
    ),
    "poisson": Family(
        "poisson",
        ("log", "identity", "sqrt"),
        (),
        "count",
        _W,
        "poisson",
        {"log": ("poisson_log", False), "identity": ("poisson", True), "sqrt": ("poisson", True)},
        glm={"log": Glm("poisson_log_glm")},
    ),
    "negbinomial": Family(
        "negbinomial",
        ("log", "identity", "sqrt"),
        ("shape",),
        "count",
        _W,
        "negbinomial",
        {
            "log": ("neg_binomial_2_log", False),
            "identity": ("neg_binomial_2", True),
            "sqrt": ("neg_binomial_2", True),
        },
        glm={"log": Glm("neg_binomial_2_log_glm", vector_dpars=False)},
    ),
    "bernoulli": Family(
        "bernoulli",
        ("logit", "probit", "cloglog"),
        (),
        "binary",
        _W,
        "bernoulli",
        {
            "logit": ("bernoulli_logit", False),
            "probit": ("bernoulli", True),
            "cloglog": ("bernoulli", True),
        },
        glm={"logit": Glm("bernoulli_logit_glm")},
    ),
    "binomial": Family(
        "binomial",
        ("logit", "probit", "cloglog"),
        (),
        "count",
        _W | {"trials"},
        "binomial",
        {
            "logit": ("binomial_logit", False),
            "probit": ("binomial", True),
            "cloglog": ("binomial", True),
        },
        required_additions=frozenset({"trials"}),
        glm={"logit": Glm("binomial_logit_glm")},
    ),
    "lognormal": Family(
        "lognormal",
        ("identity", "inverse"),
        ("sigma",),
        "positive",
        _W,
        "lognormal",
        _same_dist("lognormal", ("identity", "inverse")),
        log_scale=True,
    ),
    "gamma": Family(
        "gamma",
        ("inverse", "log", "identity"),
        ("shape",),
        "positive",
        _W,
        "gamma",
        _same_dist("gamma", ("inverse", "log", "identity")),
    ),
    "beta": Family(
        "beta",
        ("logit", "probit", "cloglog"),
        ("phi",),
        "proportion",
        _W,
        "beta",
        _same_dist("beta", ("logit", "probit", "cloglog")),
    ),
    "cumulative": Family(
        "cumulative",
        ("logit", "probit"),
        (),
        "ordinal",
        _W,
        "cumulative",
        {"logit": ("ordered_logistic", False), "probit": ("ordered_probit", False)},
        glm={"logit": Glm("ordered_logistic_glm", alpha=False)},
    ),
}


@dataclass(frozen=True)
class BoundFamily:
    """A family together with the chosen link of ``mu``.

    Examples
    --------
    >>> family("Gamma", link="log").link.name
    'log'
    """

    family: Family
    link: Link

    @property
    def name(self) -> str:
        """The family's name."""
        return self.family.name


def family(name: str, link: str | None = None) -> BoundFamily:
    """Choose a response family and, optionally, a link other than the default.

    Parameters
    ----------
    name
        A family name from :data:`FAMILIES`; case does not matter (``"Gamma"``).
    link
        One of the family's links; None takes brms's default (the first).

    Returns
    -------
    BoundFamily

    Raises
    ------
    SpecError
        For an unknown family or a link the family does not accept; the message
        lists the valid choices.

    Examples
    --------
    >>> family("poisson").link.name
    'log'
    >>> family("bernoulli", link="probit").link.stan_inverse
    'Phi'
    """
    if not isinstance(name, str) or not isinstance(link, str | None):
        raise SpecError(f"family() takes a family name and a link name, got {name!r} and {link!r}.")
    key = name.lower()
    if key not in FAMILIES:
        raise SpecError(f"Unknown family {name!r}. Valid families: {', '.join(sorted(FAMILIES))}.")
    record = FAMILIES[key]
    chosen = record.links[0] if link is None else link
    if chosen not in record.links:
        raise SpecError(
            f"Link {chosen!r} is not available for family {record.name!r}. "
            f"Valid links: {', '.join(record.links)}."
        )
    return BoundFamily(record, LINKS[chosen])


def resolve_family(value: str | BoundFamily) -> BoundFamily:
    """Accept a family name or a :func:`family` result.

    Examples
    --------
    >>> resolve_family("gaussian").link.name
    'identity'
    """
    if isinstance(value, BoundFamily):
        return value
    if isinstance(value, str):
        return family(value)
    raise SpecError(f"family must be a name or pybrms family(...), got {value!r}.")
