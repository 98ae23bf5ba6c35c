"""Families of a count or binary response: poisson, negbinomial, bernoulli, binomial,
beta_binomial, geometric."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special, stats

from pybrms.spec.families.continuous import BETA
from pybrms.spec.families.parts import BINARY, CENSORING, COUNT, PHI, SHAPE, WEIGHTS, same_dist
from pybrms.spec.families.records import DparDraws, Family, Glm, StanLikelihood

__all__ = [
    "BERNOULLI",
    "BETA_BINOMIAL",
    "BINOMIAL",
    "GEOMETRIC",
    "NEGBINOMIAL",
    "POISSON",
    "negbinomial_log_lik",
]


def _mean(d: DparDraws) -> np.ndarray:
    return d["mu"]


def _poisson_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.poisson.logpmf(y, d["mu"])


def _poisson_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return rng.poisson(d["mu"], size=d.shape)


def _poisson_distribution(d: DparDraws) -> Any:
    return stats.poisson(d["mu"])


POISSON = Family(
    "poisson",
    links=("log", "identity", "sqrt"),
    dpars=(),
    support=COUNT,
    additions=WEIGHTS | CENSORING | {"rate"},
    stan=StanLikelihood(
        "poisson",
        {"log": ("poisson_log", False), "identity": ("poisson", True), "sqrt": ("poisson", True)},
        glm={"log": Glm("poisson_log_glm")},
        cdf="poisson",
    ),
    log_lik=_poisson_log_lik,
    epred=_mean,
    predict=_poisson_predict,
    distribution=_poisson_distribution,
    rate_dpars=("mu",),
)


def negbinomial_log_lik(mu: np.ndarray, shape: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Log density of brms's mean/shape parametrization, accurate for any shape.

    Written with ``betaln`` as Stan's ``neg_binomial_2_lpmf``; the textbook form
    (and ``scipy.stats.nbinom``) loses all digits once the shape exceeds ~1e12,
    where the distribution tends to the Poisson.

    Examples
    --------
    >>> float(np.exp(negbinomial_log_lik(np.array(2.0), np.array(1e15), np.array(0))).round(6))
    0.135335
    """
    return (
        -np.log(y + shape)
        - special.betaln(shape, y + 1)
        + special.xlogy(y, mu)
        - shape * np.log1p(mu / shape)
        - y * np.log(mu + shape)
    )


def _negbinomial_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return negbinomial_log_lik(d["mu"], d["shape"], y)


def _negbinomial_probability(d: DparDraws) -> np.ndarray:
    """numpy's and scipy's success probability of brms's mean/shape parametrization."""
    return d["shape"] / (d["shape"] + d["mu"])


def _negbinomial_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return rng.negative_binomial(d["shape"], _negbinomial_probability(d), d.shape)


def _negbinomial_distribution(d: DparDraws) -> Any:
    return stats.nbinom(d["shape"], _negbinomial_probability(d))


NEGBINOMIAL = Family(
    "negbinomial",
    links=("log", "identity", "sqrt"),
    dpars=(SHAPE,),
    support=COUNT,
    additions=WEIGHTS | CENSORING | {"rate"},
    stan=StanLikelihood(
        "negbinomial",
        {
            "log": ("neg_binomial_2_log", False),
            "identity": ("neg_binomial_2", True),
            "sqrt": ("neg_binomial_2", True),
        },
        glm={"log": Glm("neg_binomial_2_log_glm", vector_dpars=False)},
        cdf="neg_binomial_2",
    ),
    log_lik=_negbinomial_log_lik,
    epred=_mean,
    predict=_negbinomial_predict,
    distribution=_negbinomial_distribution,
    rate_dpars=("mu", "shape"),
)


def _trials(d: DparDraws) -> np.ndarray | int:
    return 1 if d.trials is None else d.trials


def _binomial_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.binom.logpmf(y, _trials(d), d["mu"])


def _binomial_epred(d: DparDraws) -> np.ndarray:
    return d["mu"] * _trials(d)


def _binomial_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return rng.binomial(_trials(d), d["mu"], size=d.shape)


def _binomial_distribution(d: DparDraws) -> Any:
    return stats.binom(_trials(d), d["mu"])


BERNOULLI = Family(
    "bernoulli",
    links=("logit", "probit", "cloglog"),
    dpars=(),
    support=BINARY,
    additions=WEIGHTS,
    stan=StanLikelihood(
        "bernoulli",
        {
            "logit": ("bernoulli_logit", False),
            "probit": ("bernoulli", True),
            "cloglog": ("bernoulli", True),
        },
        glm={"logit": Glm("bernoulli_logit_glm")},
    ),
    log_lik=_binomial_log_lik,
    epred=_binomial_epred,
    predict=_binomial_predict,
)

BINOMIAL = Family(
    "binomial",
    links=("logit", "probit", "cloglog"),
    dpars=(),
    support=COUNT,
    additions=WEIGHTS | CENSORING | {"trials"},
    stan=StanLikelihood(
        "binomial",
        {
            "logit": ("binomial_logit", False),
            "probit": ("binomial", True),
            "cloglog": ("binomial", True),
        },
        glm={"logit": Glm("binomial_logit_glm")},
        cdf="binomial",
    ),
    log_lik=_binomial_log_lik,
    epred=_binomial_epred,
    predict=_binomial_predict,
    required_additions=frozenset({"trials"}),
    distribution=_binomial_distribution,
)


def _beta_binomial_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    # the success probability is beta with mean mu and precision phi, as in family beta
    mu, phi = d["mu"], d["phi"]
    return stats.betabinom.logpmf(y, _trials(d), mu * phi, (1 - mu) * phi)


def _beta_binomial_distribution(d: DparDraws) -> Any:
    mu, phi = d["mu"], d["phi"]
    return stats.betabinom(_trials(d), mu * phi, (1 - mu) * phi)


def _beta_binomial_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    # brms's rbeta_binomial: a beta success probability per draw and row, then the count
    return rng.binomial(_trials(d), BETA.predict(d, rng))


BETA_BINOMIAL = Family(
    "beta_binomial",
    links=("logit", "probit", "cloglog"),
    dpars=(PHI,),
    support=COUNT,
    additions=WEIGHTS | CENSORING | {"trials"},
    stan=StanLikelihood(
        "beta_binomial",
        same_dist("beta_binomial", ("logit", "probit", "cloglog")),
        cdf="beta_binomial",
    ),
    log_lik=_beta_binomial_log_lik,
    epred=_binomial_epred,
    predict=_beta_binomial_predict,
    distribution=_beta_binomial_distribution,
    required_additions=frozenset({"trials"}),
)


def _geometric_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return negbinomial_log_lik(d["mu"], np.ones_like(d["mu"]), y)


def _geometric_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    # a negative binomial of shape 1, as brms
    return rng.negative_binomial(1, 1 / (1 + d["mu"]), d.shape)


def _geometric_distribution(d: DparDraws) -> Any:
    return stats.nbinom(1, 1 / (1 + d["mu"]))


# brms's negative binomial with its shape fixed at 1
GEOMETRIC = Family(
    "geometric",
    links=("log", "identity", "sqrt"),
    dpars=(),
    support=COUNT,
    additions=WEIGHTS | CENSORING,
    stan=StanLikelihood(
        "geometric",
        {
            "log": ("neg_binomial_2_log", False),
            "identity": ("neg_binomial_2", True),
            "sqrt": ("neg_binomial_2", True),
        },
        glm={"log": Glm("neg_binomial_2_log_glm")},
        cdf="neg_binomial_2",
    ),
    log_lik=_geometric_log_lik,
    epred=_mean,
    predict=_geometric_predict,
    distribution=_geometric_distribution,
)
