"""Zero-inflated and hurdle families of a count response: an extra process makes
zeros with probability ``zi`` (zero-inflated) or all zeros with probability ``hu``
(hurdle, the counts then zero-truncated). Continuous responses with point masses
are in :mod:`pybrms.spec.families.hurdle`."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from scipy import stats

from pybrms.spec.families.discrete import BINOMIAL, negbinomial_log_lik
from pybrms.spec.families.parts import CENSORING, COUNT, SHAPE, WEIGHTS
from pybrms.spec.families.records import Dpar, DparDraws, Family, StanLikelihood
from pybrms.spec.families.zero_mass import (
    hurdle_negbinomial_distribution,
    hurdle_poisson_distribution,
    zero_inflated_binomial_distribution,
    zero_inflated_negbinomial_distribution,
    zero_inflated_poisson_distribution,
)

__all__ = [
    "HU",
    "HURDLE_NEGBINOMIAL",
    "HURDLE_POISSON",
    "ZERO_INFLATED_BINOMIAL",
    "ZERO_INFLATED_NEGBINOMIAL",
    "ZERO_INFLATED_POISSON",
    "ZI",
]

ZI = Dpar(
    "zi", "zero-inflation probability", 0.0, 1.0, "logit", ("beta", (1, 1)), ("logistic", (0, 1))
)
HU = Dpar("hu", "hurdle probability", 0.0, 1.0, "logit", ("beta", (1, 1)), ("logistic", (0, 1)))

_LINKS = ("log", "identity", "sqrt")


def _dists(name: str) -> dict[str, tuple[str, bool]]:
    """brms's ``<name>_log`` density takes the linear predictor of the log link."""
    return {"log": (f"{name}_log", False), "identity": (name, True), "sqrt": (name, True)}


def _poisson_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.poisson.logpmf(y, d["mu"])


def _poisson_log_p0(d: DparDraws) -> np.ndarray:
    return -d["mu"]


def _poisson_ppf(d: DparDraws, u: np.ndarray) -> np.ndarray:
    return stats.poisson.ppf(u, d["mu"])


def _negbinomial_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return negbinomial_log_lik(d["mu"], d["shape"], y)


def _negbinomial_p(d: DparDraws) -> np.ndarray:
    """scipy's success probability of brms's mean/shape parametrization."""
    return d["shape"] / (d["shape"] + d["mu"])


def _negbinomial_log_p0(d: DparDraws) -> np.ndarray:
    return d["shape"] * np.log(_negbinomial_p(d))


def _negbinomial_ppf(d: DparDraws, u: np.ndarray) -> np.ndarray:
    return stats.nbinom.ppf(u, d["shape"], _negbinomial_p(d))


def _binomial_log_p0(d: DparDraws) -> np.ndarray:
    return d.trials * np.log1p(-d["mu"])


def _binomial_ppf(d: DparDraws, u: np.ndarray) -> np.ndarray:
    return stats.binom.ppf(u, d.trials, d["mu"])


# Generic over the count distribution, which partial() binds: partials of module-level
# functions pickle with a fitted model, closures would not.
CountLogLik = Callable[[DparDraws, np.ndarray], np.ndarray]
LogP0 = Callable[[DparDraws], np.ndarray]
Ppf = Callable[[DparDraws, np.ndarray], np.ndarray]


def _zi_log_lik(
    count_log_lik: CountLogLik, log_p0: LogP0, d: DparDraws, y: np.ndarray
) -> np.ndarray:
    zi = d["zi"]
    zero = np.logaddexp(np.log(zi), np.log1p(-zi) + log_p0(d))
    return np.where(y == 0, zero, np.log1p(-zi) + count_log_lik(d, y))


def _zi_epred(d: DparDraws) -> np.ndarray:
    return (1 - d["zi"]) * d["mu"]


def _zi_binomial_epred(d: DparDraws) -> np.ndarray:
    return _zi_epred(d) * d.trials


def _zi_predict(ppf: Ppf, d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    counts = ppf(d, rng.random(d.shape))
    return np.where(rng.random(d.shape) < d["zi"], 0, counts).astype(np.int64)


def _hurdle_log_lik(
    count_log_lik: CountLogLik, log_p0: LogP0, d: DparDraws, y: np.ndarray
) -> np.ndarray:
    hu = d["hu"]
    # log(1 - P(count = 0)): the counts are zero-truncated
    truncation = np.log(-np.expm1(log_p0(d)))
    positive = np.log1p(-hu) + count_log_lik(d, y) - truncation
    return np.where(y == 0, np.log(np.broadcast_to(hu, positive.shape)), positive)


def _hurdle_epred(log_p0: LogP0, d: DparDraws) -> np.ndarray:
    return (1 - d["hu"]) * d["mu"] / -np.expm1(log_p0(d))


def _hurdle_predict(ppf: Ppf, log_p0: LogP0, d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    # a zero-truncated count: the quantile of a uniform above P(count = 0), as brms
    p0 = np.exp(log_p0(d))
    counts = np.maximum(ppf(d, p0 + (1 - p0) * rng.random(d.shape)), 1)
    return np.where(rng.random(d.shape) < d["hu"], 0, counts).astype(np.int64)


ZERO_INFLATED_POISSON = Family(
    "zero_inflated_poisson",
    links=_LINKS,
    dpars=(ZI,),
    support=COUNT,
    additions=WEIGHTS | CENSORING,
    stan=StanLikelihood(
        "zero_inflated_poisson",
        _dists("zero_inflated_poisson"),
        vectorized=False,
        functions=("zero_inflated_poisson.stan",),
        cdf="zero_inflated_poisson",
        normalized=True,
    ),
    distribution=zero_inflated_poisson_distribution,
    log_lik=partial(_zi_log_lik, _poisson_log_lik, _poisson_log_p0),
    epred=_zi_epred,
    predict=partial(_zi_predict, _poisson_ppf),
)

HURDLE_POISSON = Family(
    "hurdle_poisson",
    links=_LINKS,
    dpars=(HU,),
    support=COUNT,
    additions=WEIGHTS | CENSORING,
    stan=StanLikelihood(
        "hurdle_poisson",
        _dists("hurdle_poisson"),
        vectorized=False,
        functions=("hurdle_poisson.stan",),
        cdf="hurdle_poisson",
        normalized=True,
    ),
    distribution=hurdle_poisson_distribution,
    log_lik=partial(_hurdle_log_lik, _poisson_log_lik, _poisson_log_p0),
    epred=partial(_hurdle_epred, _poisson_log_p0),
    predict=partial(_hurdle_predict, _poisson_ppf, _poisson_log_p0),
)

ZERO_INFLATED_NEGBINOMIAL = Family(
    "zero_inflated_negbinomial",
    links=_LINKS,
    dpars=(SHAPE, ZI),
    support=COUNT,
    additions=WEIGHTS | CENSORING,
    stan=StanLikelihood(
        "zero_inflated_negbinomial",
        _dists("zero_inflated_neg_binomial"),
        vectorized=False,
        functions=("zero_inflated_negbinomial.stan",),
        cdf="zero_inflated_neg_binomial",
        normalized=True,
    ),
    distribution=zero_inflated_negbinomial_distribution,
    log_lik=partial(_zi_log_lik, _negbinomial_log_lik, _negbinomial_log_p0),
    epred=_zi_epred,
    predict=partial(_zi_predict, _negbinomial_ppf),
)

HURDLE_NEGBINOMIAL = Family(
    "hurdle_negbinomial",
    links=_LINKS,
    dpars=(SHAPE, HU),
    support=COUNT,
    additions=WEIGHTS | CENSORING,
    stan=StanLikelihood(
        "hurdle_negbinomial",
        _dists("hurdle_neg_binomial"),
        vectorized=False,
        functions=("hurdle_negbinomial.stan",),
        cdf="hurdle_neg_binomial",
        normalized=True,
    ),
    distribution=hurdle_negbinomial_distribution,
    log_lik=partial(_hurdle_log_lik, _negbinomial_log_lik, _negbinomial_log_p0),
    epred=partial(_hurdle_epred, _negbinomial_log_p0),
    predict=partial(_hurdle_predict, _negbinomial_ppf, _negbinomial_log_p0),
)

ZERO_INFLATED_BINOMIAL = Family(
    "zero_inflated_binomial",
    links=("logit", "probit", "cloglog"),
    dpars=(ZI,),
    support=COUNT,
    additions=WEIGHTS | CENSORING | {"trials"},
    stan=StanLikelihood(
        "zero_inflated_binomial",
        # brms's "_blogit" density takes the linear predictor of the logit link
        {
            "logit": ("zero_inflated_binomial_blogit", False),
            "probit": ("zero_inflated_binomial", True),
            "cloglog": ("zero_inflated_binomial", True),
        },
        vectorized=False,
        functions=("zero_inflated_binomial.stan",),
        cdf="zero_inflated_binomial",
        normalized=True,
    ),
    distribution=zero_inflated_binomial_distribution,
    log_lik=partial(_zi_log_lik, BINOMIAL.log_lik, _binomial_log_p0),
    epred=_zi_binomial_epred,
    predict=partial(_zi_predict, _binomial_ppf),
    required_additions=frozenset({"trials"}),
)
