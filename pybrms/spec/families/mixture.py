"""Finite mixtures of families, brms's ``mixture()``: one record built from the
records of its components, with no code of its own for any component family.

Component ``k`` has the parameters ``mu<k>``, its family's parameters with the
suffix ``k`` (``sigma1``) and the mixing proportion ``theta<k>``. The numpy
functions call the components' own and combine them as brms's ``*_mixture``
functions: a log-sum-exp of the weighted densities, theta-weighted means, and
a component drawn per row before its response.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from functools import partial

import numpy as np
from scipy import special

from pybrms.errors import SpecError
from pybrms.priors import Dist
from pybrms.spec.families.parts import CENSORING, WEIGHTS
from pybrms.spec.families.records import (
    Components,
    Dpar,
    DparDraws,
    Family,
    Link,
    StanLikelihood,
)

__all__ = [
    "DEFAULT_THETA_PRIOR",
    "THETA_INTERCEPT_PRIOR",
    "component_draws",
    "dpar_class",
    "mixture_record",
    "mixture_thetas",
    "mixture_weights",
    "pick_components",
    "simplex_thetas",
]

#: brms's default prior of the mixing proportions' simplex ``theta``.
DEFAULT_THETA_PRIOR = Dist("dirichlet", (1,))

#: brms's default prior of the intercept of a predicted mixing proportion.
THETA_INTERCEPT_PRIOR = ("logistic", (0, 1))

_NUMBERED = re.compile(r"^([a-z]+)(\d+)$")


def dpar_class(name: str) -> str:
    """The class of a mixture parameter without its component number, as brms's
    ``dpar_class``: ``dpar_class("sigma2") == "sigma"``; other names are returned as they are.

    Examples
    --------
    >>> dpar_class("mu1"), dpar_class("theta2"), dpar_class("sigma")
    ('mu', 'theta', 'sigma')
    """
    found = _NUMBERED.match(name)
    return found.group(1) if found else name


def _theta(k: int) -> Dpar:
    # the linear predictor of a predicted proportion is a log-odds against the
    # reference component (identity link, softmax in the likelihood), as brms
    return Dpar(
        f"theta{k}",
        "mixing proportion",
        0.0,
        1.0,
        "identity",
        None,
        intercept_prior=THETA_INTERCEPT_PRIOR,
    )


def _component_dpars(k: int, family: Family, link: Link) -> tuple[Dpar, ...]:
    mu = Dpar(f"mu{k}", f"mean of component {k}", None, None, link.name, None, None)
    own = tuple(replace(d, name=f"{d.name}{k}") for d in family.dpars)
    return (mu, *own)


def mixture_record(families: tuple[tuple[Family, Link], ...], ordered: bool) -> Family:
    """The record of a mixture of ``families`` (each with the link of its ``mu``).

    Raises
    ------
    SpecError
        For fewer than two components, components whose responses differ
        (integer and real, as brms refuses), ordinal components, or components
        whose likelihood is not one density per row.

    Examples
    --------
    >>> from pybrms.spec.families import FAMILIES, LINKS
    >>> gauss = (FAMILIES["gaussian"], LINKS["identity"])
    >>> mixture_record((gauss, gauss), ordered=True).dpar_names
    ('mu1', 'sigma1', 'mu2', 'sigma2', 'theta1', 'theta2')
    """
    if len(families) < 2:
        raise SpecError(
            f"A mixture needs at least 2 components, got {len(families)}: "
            f"{', '.join(f.name for f, _ in families) or 'none'}."
        )
    first = families[0][0]
    for family, _ in families:
        if family.ordinal:
            raise SpecError(
                f"Component {family.name!r} of the mixture is ordinal; "
                "mixtures of ordinal families are not supported yet."
            )
        if family.discrete != first.discrete:
            kind = {True: "integer", False: "real"}
            raise SpecError(
                f"Cannot mix families with real and integer support: {first.name!r} has "
                f"{kind[first.discrete]} responses and {family.name!r} has "
                f"{kind[family.discrete]} responses."
            )
        if family.required_additions:
            needs = ", ".join(f"{a}()" for a in sorted(family.required_additions))
            raise SpecError(
                f"Component {family.name!r} of the mixture needs {needs}; "
                "mixtures of such families are not supported yet."
            )
    dpars = tuple(
        d for k, (family, link) in enumerate(families, 1) for d in _component_dpars(k, family, link)
    )
    dpars += tuple(_theta(k) for k in range(1, len(families) + 1))
    components = Components(families, ordered)
    functions = tuple(
        dict.fromkeys(x for f, link in families for x in (*f.stan.functions, *link.functions))
    )
    # censored and truncated component by component, as brms: each needs its cdfs
    censoring = all(CENSORING <= f.additions for f, _ in families)
    return Family(
        "mixture",
        links=("identity",),
        dpars=dpars,
        support=first.support,
        additions=WEIGHTS | (CENSORING if censoring else frozenset()),
        stan=StanLikelihood("mixture", {"identity": ("mixture", True)}, functions=functions),
        log_lik=partial(_log_lik, components),
        epred=partial(_epred, components),
        predict=partial(_predict, components),
        log_scale=all(f.log_scale for f, _ in families),
        components=components,
    )


def simplex_thetas(family: Family, predicted: Iterable[str]) -> tuple[str, ...]:
    """The mixing proportions ``theta1..thetaK`` of brms's simplex ``theta``: those of a
    mixture whose proportions have no formulas and no fixed values (``predicted``:
    the parameters predicted or fixed); none otherwise.

    Examples
    --------
    >>> from pybrms.spec.families import mixture
    >>> simplex_thetas(mixture("gaussian", "gaussian").family, ["mu1", "mu2"])
    ('theta1', 'theta2')
    >>> simplex_thetas(mixture("gaussian", "gaussian").family, ["mu1", "mu2", "theta2"])
    ()
    """
    if family.components is None or any(dpar_class(d) == "theta" for d in predicted):
        return ()
    return tuple(f"theta{k}" for k in range(1, len(family.components) + 1))


def mixture_thetas(
    dpars: dict[str, np.ndarray], K: int, predicted: bool, S: int
) -> dict[str, np.ndarray]:
    """The mixing proportions ``theta1..thetaK`` on the probability scale.

    ``dpars`` holds the estimated proportions (``(S, 1)``, a simplex), or, when
    ``predicted``, the linear predictors of all but the reference component,
    whose linear predictor is 0 (brms's softmax).

    Examples
    --------
    >>> out = mixture_thetas({"theta2": np.zeros((1, 3))}, 2, predicted=True, S=1)
    >>> out["theta1"].tolist(), out["theta2"].tolist()
    ([[0.5, 0.5, 0.5]], [[0.5, 0.5, 0.5]])
    """
    names = [f"theta{k}" for k in range(1, K + 1)]
    if not predicted:
        return {n: dpars[n] for n in names}
    etas = np.broadcast_arrays(*(dpars.get(n, np.zeros((S, 1))) for n in names))
    probs = special.softmax(np.stack(etas), axis=0)
    return dict(zip(names, probs, strict=True))


def component_draws(components: Components, d: DparDraws) -> list[tuple[Family, DparDraws]]:
    """Each component's family and draws, its parameters under their family's names."""
    out = []
    for k, (family, link) in enumerate(components.families, 1):
        dpars = {"mu": d[f"mu{k}"]} | {p.name: d[f"{p.name}{k}"] for p in family.dpars}
        eta = np.broadcast_to(dpars["mu"], d.shape)  # read only for its shape
        out.append((family, DparDraws(dpars, eta, link, None, d.trials)))
    return out


def mixture_weights(d: DparDraws, K: int) -> np.ndarray:
    """``(K, S, N)`` mixing proportions."""
    return np.stack([np.broadcast_to(d[f"theta{k}"], d.shape) for k in range(1, K + 1)])


def pick_components(theta: np.ndarray, draws: Iterable[np.ndarray], u: np.ndarray) -> np.ndarray:
    """Per draw and row, the response of one component, picked with the probabilities
    ``theta`` ``(K, S, N)`` by the uniform ``u`` ``(S, N)`` (brms's
    ``posterior_predict_mixture``)."""
    which = np.sum(np.cumsum(theta, axis=0)[:-1] < u, axis=0)
    stacked = np.stack([np.broadcast_to(x, theta.shape[1:]) for x in draws])
    return np.take_along_axis(stacked, which[np.newaxis], axis=0)[0]


def _log_lik(components: Components, d: DparDraws, y: np.ndarray) -> np.ndarray:
    parts = [
        np.log(d[f"theta{k}"]) + f.log_lik(dk, y)
        for k, (f, dk) in enumerate(component_draws(components, d), 1)
    ]
    return special.logsumexp(np.stack(np.broadcast_arrays(*parts)), axis=0)


def _epred(components: Components, d: DparDraws) -> np.ndarray:
    means = [f.epred(dk) for f, dk in component_draws(components, d)]
    return np.sum(mixture_weights(d, len(components)) * np.stack(np.broadcast_arrays(*means)), 0)


def _predict(components: Components, d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    theta = mixture_weights(d, len(components))
    # one uniform per draw and row picks the component, drawn before the responses
    u = rng.uniform(size=d.shape)
    draws = [f.predict(dk, rng) for f, dk in component_draws(components, d)]
    return pick_components(theta, draws, u)
