"""Response families as data: one :class:`Family` record per family, in one registry.

A family's record (:mod:`pybrms.spec.families.records`) holds its links, its
distributional parameters with their bounds, links and default priors, the
support of its response, its Stan likelihood and the numpy functions that
post-process draws. Adding a family means writing one record (in the module of
its kind) and its Stan template; see ``docs/contributing.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pybrms.errors import SpecError
from pybrms.spec.families.categorical import CATEGORICAL, DIRICHLET, MULTINOMIAL
from pybrms.spec.families.continuous import (
    BETA,
    EXGAUSSIAN,
    EXPONENTIAL,
    FRECHET,
    GAMMA,
    GAUSSIAN,
    GEN_EXTREME_VALUE,
    LOGNORMAL,
    SHIFTED_LOGNORMAL,
    SKEW_NORMAL,
    STUDENT,
    VON_MISES,
    WEIBULL,
)
from pybrms.spec.families.custom import Epred, LogLik, Predict, custom_record
from pybrms.spec.families.discrete import (
    BERNOULLI,
    BETA_BINOMIAL,
    BINOMIAL,
    GEOMETRIC,
    NEGBINOMIAL,
    POISSON,
)
from pybrms.spec.families.hurdle import (
    HURDLE_GAMMA,
    HURDLE_LOGNORMAL,
    ZERO_INFLATED_BETA,
    ZERO_ONE_INFLATED_BETA,
)
from pybrms.spec.families.mixture import mixture_record
from pybrms.spec.families.ordinal import ACAT, CRATIO, CUMULATIVE, SRATIO
from pybrms.spec.families.records import (
    FLAT,
    LINKS,
    Components,
    Dpar,
    DparDraws,
    Family,
    Glm,
    Link,
    ResponseBound,
    StanLikelihood,
    Support,
)
from pybrms.spec.families.zero_inflated import (
    HURDLE_NEGBINOMIAL,
    HURDLE_POISSON,
    ZERO_INFLATED_BINOMIAL,
    ZERO_INFLATED_NEGBINOMIAL,
    ZERO_INFLATED_POISSON,
)

__all__ = [
    "DPAR_NAMES",
    "FLAT",
    "FAMILIES",
    "LINKS",
    "BoundFamily",
    "Components",
    "Dpar",
    "DparDraws",
    "Family",
    "Glm",
    "Link",
    "ResponseBound",
    "StanLikelihood",
    "Support",
    "custom_family",
    "family",
    "mixture",
    "resolve_family",
]

#: Every family, by brms's name.
FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        GAUSSIAN,
        STUDENT,
        POISSON,
        NEGBINOMIAL,
        BERNOULLI,
        BINOMIAL,
        LOGNORMAL,
        GAMMA,
        BETA,
        CUMULATIVE,
        ZERO_INFLATED_POISSON,
        HURDLE_POISSON,
        ZERO_INFLATED_NEGBINOMIAL,
        HURDLE_NEGBINOMIAL,
        EXPONENTIAL,
        WEIBULL,
        SKEW_NORMAL,
        SHIFTED_LOGNORMAL,
        SRATIO,
        CRATIO,
        ACAT,
        EXGAUSSIAN,
        FRECHET,
        VON_MISES,
        ZERO_INFLATED_BINOMIAL,
        ZERO_INFLATED_BETA,
        ZERO_ONE_INFLATED_BETA,
        HURDLE_GAMMA,
        HURDLE_LOGNORMAL,
        BETA_BINOMIAL,
        GEOMETRIC,
        CATEGORICAL,
        MULTINOMIAL,
        DIRICHLET,
        GEN_EXTREME_VALUE,
    )
}

#: Names of the distributional parameters of all families, each once: prior classes.
DPAR_NAMES: tuple[str, ...] = tuple(
    dict.fromkeys(d.name for f in FAMILIES.values() for d in f.dpars)
)


@dataclass(frozen=True)
class BoundFamily:
    """A family together with the chosen link of ``mu`` and, for a family with one
    linear predictor per category, brms's ``refcat``: the reference category (None:
    the first).

    Examples
    --------
    >>> family("Gamma", link="log").link.name
    'log'
    """

    family: Family
    link: Link
    refcat: str | None = None

    @property
    def name(self) -> str:
        """The family's name."""
        return self.family.name


def family(name: str, link: str | None = None, *, refcat: str | None = None) -> BoundFamily:
    """Choose a response family and, optionally, a link other than the default.

    Parameters
    ----------
    name
        A family name from :data:`FAMILIES`; case does not matter (``"Gamma"``).
    link
        One of the family's links; None takes brms's default (the first).
    refcat
        brms's ``refcat`` of ``categorical``, ``multinomial`` and ``dirichlet``:
        the category (a level, or a column of ``cbind()``) whose linear predictor
        is 0; None takes the first. It is checked against the response when the
        model is built.

    Returns
    -------
    BoundFamily

    Raises
    ------
    SpecError
        For an unknown family or a link the family does not accept (the message
        lists the valid choices), or a ``refcat`` for a family without categories.

    Examples
    --------
    >>> family("poisson").link.name
    'log'
    >>> family("bernoulli", link="probit").link.stan_inverse
    'Phi'
    >>> family("categorical", refcat="b").refcat
    'b'
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
    if refcat is not None and not (isinstance(refcat, str) and record.per_category):
        raise SpecError(
            f"refcat={refcat!r}: a reference category is the name of a category of family "
            "'categorical', 'multinomial' or 'dirichlet' "
            f"(brms's refcat = NA, no reference, is not supported yet); got family {record.name!r}."
        )
    return BoundFamily(record, LINKS[chosen], refcat)


def mixture(*components: str | BoundFamily, order: bool | str | None = None) -> BoundFamily:
    """A finite mixture of families, as brms's ``mixture()``.

    Component ``k`` has its own ``mu<k>`` (the main formula unless
    ``bf(..., mu2 ~ ...)`` gives one), its family's parameters with the suffix
    ``k`` (``sigma1``), and the mixing proportion ``theta<k>``: a simplex with a
    ``dirichlet(1)`` prior, or, with formulas such as ``theta2 ~ z`` for all
    but the first component, log-odds against the first.

    Parameters
    ----------
    *components
        Family names or :func:`family` results, at least two.
    order
        brms's ``order``: ``"mu"`` (or True) orders the intercepts of
        ``mu1 < mu2 < ...`` to identify the components, ``"none"`` (or False)
        does not; None, the default, orders them when all components are of
        the same family.

    Returns
    -------
    BoundFamily

    Raises
    ------
    SpecError
        For fewer than two components, components with incompatible responses
        (integer and real), or an invalid ``order``.

    Examples
    --------
    >>> mix = mixture("gaussian", family("gaussian"))
    >>> mix.name, mix.family.components.ordered
    ('mixture', True)
    >>> mixture("poisson", "negbinomial").family.components.ordered
    False
    """
    bound = tuple(resolve_family(c) for c in components)
    custom = [b.name for b in bound if b.family.stan.arguments]
    if custom:
        raise SpecError(
            f"mixture() of the custom family {custom[0]!r}: custom families in mixtures "
            "are not supported yet."
        )
    families = tuple((b.family, b.link) for b in bound)
    if order is None:
        ordered = len({f.name for f, _ in families}) == 1
    elif isinstance(order, bool):
        ordered = order
    elif order in ("mu", "none"):
        ordered = order == "mu"
    else:
        raise SpecError(
            f"mixture() takes order = 'mu', 'none', True, False or None; got {order!r}."
        )
    record = mixture_record(families, ordered)
    return BoundFamily(record, LINKS[record.links[0]])


def custom_family(
    name: str,
    dpars: Sequence[str] = ("mu",),
    links: Sequence[str] | str = "identity",
    type: str = "real",
    lb: Sequence[float | None] | float | None = None,
    ub: Sequence[float | None] | float | None = None,
    vars: Sequence[str] | str | None = None,
    loop: bool = True,
    *,
    log_lik: LogLik | None = None,
    posterior_predict: Predict | None = None,
    posterior_epred: Epred | None = None,
) -> BoundFamily:
    """A family whose density you write in Stan, as brms's ``custom_family()``.

    The likelihood calls ``<name>_lpmf`` (``type="int"``) or ``<name>_lpdf``
    (``type="real"``), which you define in a :func:`pybrms.stanvar` with
    ``block="functions"`` passed as ``stanvars=``; its arguments are the response,
    the parameters in the order of ``dpars``, then ``vars``. With ``loop=True`` (brms's
    default) it is called row by row (``beta_binomial2_lpmf(Y[n] | mu[n], phi, vint1[n])``)
    and takes reals and ints; with ``loop=False`` once, with vectors and arrays.

    Parameters
    ----------
    name
        The family's name, a Stan identifier.
    dpars
        The distributional parameters, ``"mu"`` first. Those other than ``mu`` are
        estimated as one value each, or predicted with ``bf(y ~ x, phi ~ z)``.
    links
        The link of each parameter (or one for all): a name from brms's links.
    type
        ``"int"`` (integer responses, a ``_lpmf``) or ``"real"`` (a ``_lpdf``).
    lb, ub
        Lower and upper bounds of each parameter (or one for all), None for none;
        they bound the declarations of the parameters estimated as one value.
    vars
        Data the density takes after the parameters: the columns of the addition
        terms ``vint(...)`` and ``vreal(...)``, named as brms (``"vint1[n]"`` or
        ``"vint1"`` for the first column of ``vint()``, ``"vreal1"``, ...).
    loop
        Call the density row by row (brms's default) or once for all rows.
    log_lik
        ``log_lik(y, dpars, vars) -> (S, N)``: the log density of the responses
        ``y`` ``(N,)`` (brms's ``log_lik_<name>``), for :meth:`BrmsFit.log_lik`, LOO
        and ArviZ's log likelihood. ``dpars`` maps ``"mu"`` and the other parameters
        to draws on the response scale, ``(S, N)`` when predicted and ``(S, 1)``
        when estimated as one value; ``vars`` maps ``"vint1"``, ``"vreal1"``, ...
        to their values per row ``(N,)``.
    posterior_predict
        ``posterior_predict(dpars, vars, rng) -> (S, N)``: one response per draw and
        row, ``rng`` a numpy Generator.
    posterior_epred
        ``posterior_epred(dpars, vars) -> (S, N)``: the expected response.

    Returns
    -------
    BoundFamily
        Pass it as ``family=`` to :func:`pybrms.brm`. A post-processing method
        whose function was not given raises a :class:`~pybrms.errors.SpecError`.

    Raises
    ------
    SpecError
        For a name that is not a Stan identifier, ``dpars`` not starting with
        ``mu``, an unknown link, ``links``, ``lb`` or ``ub`` of another length than
        ``dpars``, a ``type`` other than int or real, or unsupported ``vars``.

    Examples
    --------
    >>> beta_binomial2 = custom_family(
    ...     "beta_binomial2", dpars=["mu", "phi"], links=["logit", "log"],
    ...     lb=[0, 0], ub=[1, None], type="int", vars=["vint1[n]"])
    >>> beta_binomial2.link.name, beta_binomial2.family.dpar_names
    ('logit', ('phi',))
    """
    record = custom_record(
        name,
        dpars,
        links,
        type,
        lb,
        ub,
        vars,
        loop,
        (log_lik, posterior_predict, posterior_epred),
    )
    return BoundFamily(record, LINKS[record.links[0]])


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
