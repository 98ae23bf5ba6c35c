"""Families of a continuous response with point masses: zeros with probability ``hu``
(hurdle_gamma, hurdle_lognormal) or ``zi`` (zero_inflated_beta, a hurdle model in all
but name, as brms notes), and zeros or ones with probability ``zoi``, of which ones
with probability ``coi`` (zero_one_inflated_beta). Other values follow the continuous
family, whose record supplies its density, mean and draws."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from pybrms.spec.families.continuous import BETA, GAMMA, LOGNORMAL
from pybrms.spec.families.parts import (
    CENSORING,
    NON_NEGATIVE,
    PHI,
    PROPORTION_OR_ZERO,
    SHAPE,
    SIGMA,
    UNIT_INTERVAL,
    WEIGHTS,
    same_dist,
)
from pybrms.spec.families.records import Dpar, DparDraws, Family, StanLikelihood
from pybrms.spec.families.zero_inflated import HU, ZI
from pybrms.spec.families.zero_mass import (
    hurdle_gamma_distribution,
    hurdle_lognormal_distribution,
    zero_inflated_beta_distribution,
)

__all__ = [
    "COI",
    "HURDLE_GAMMA",
    "HURDLE_LOGNORMAL",
    "ZERO_INFLATED_BETA",
    "ZERO_ONE_INFLATED_BETA",
    "ZOI",
]

ZOI = Dpar(
    "zoi",
    "zero-one-inflation probability",
    0.0,
    1.0,
    "logit",
    ("beta", (1, 1)),
    ("logistic", (0, 1)),
)
COI = Dpar(
    "coi",
    "conditional one-inflation probability",
    0.0,
    1.0,
    "logit",
    ("beta", (1, 1)),
    ("logistic", (0, 1)),
)

# A value inside the support of every continuous part: it stands in for the point
# masses when the continuous density is evaluated (and then discarded), so that no
# log(0) is computed.
_INSIDE = 0.5

LogLik = Callable[[DparDraws, np.ndarray], np.ndarray]
Mean = Callable[[DparDraws], np.ndarray]
Draw = Callable[[DparDraws, np.random.Generator], np.ndarray]


def _hurdle_log_lik(log_lik: LogLik, p: str, d: DparDraws, y: np.ndarray) -> np.ndarray:
    """Zeros with probability ``d[p]``, else the continuous density ``log_lik``."""
    zero = y == 0
    positive = np.log1p(-d[p]) + log_lik(d, np.where(zero, _INSIDE, y))
    return np.where(zero, np.log(np.broadcast_to(d[p], positive.shape)), positive)


def _hurdle_epred(mean: Mean, p: str, d: DparDraws) -> np.ndarray:
    return (1 - d[p]) * mean(d)


def _hurdle_predict(draw: Draw, p: str, d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    values = draw(d, rng)
    return np.where(rng.random(d.shape) < d[p], 0.0, values)


def _zoi_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    mass = (y == 0) | (y == 1)
    inside = np.log1p(-d["zoi"]) + BETA.log_lik(d, np.where(mass, _INSIDE, y))
    coi = np.where(y == 1, d["coi"], 1 - d["coi"])
    return np.where(mass, np.log(d["zoi"]) + np.log(coi), inside)


def _zoi_epred(d: DparDraws) -> np.ndarray:
    return d["zoi"] * d["coi"] + (1 - d["zoi"]) * d["mu"]


def _zoi_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    values = BETA.predict(d, rng)
    ends = (rng.random(d.shape) < d["coi"]).astype(float)
    return np.where(rng.random(d.shape) < d["zoi"], ends, values)


_BETA_LINKS = ("logit", "probit", "cloglog")

ZERO_INFLATED_BETA = Family(
    "zero_inflated_beta",
    links=_BETA_LINKS,
    dpars=(PHI, ZI),
    support=PROPORTION_OR_ZERO,
    additions=WEIGHTS | CENSORING,
    stan=StanLikelihood(
        "zero_inflated_beta",
        same_dist("zero_inflated_beta", _BETA_LINKS),
        vectorized=False,
        functions=("zero_inflated_beta.stan",),
        cdf="zero_inflated_beta",
        normalized=True,
    ),
    distribution=zero_inflated_beta_distribution,
    log_lik=partial(_hurdle_log_lik, BETA.log_lik, "zi"),
    epred=partial(_hurdle_epred, BETA.epred, "zi"),
    predict=partial(_hurdle_predict, BETA.predict, "zi"),
)

ZERO_ONE_INFLATED_BETA = Family(
    "zero_one_inflated_beta",
    links=_BETA_LINKS,
    dpars=(PHI, ZOI, COI),
    support=UNIT_INTERVAL,
    additions=WEIGHTS,
    stan=StanLikelihood(
        "zero_one_inflated_beta",
        same_dist("zero_one_inflated_beta", _BETA_LINKS),
        vectorized=False,
        functions=("zero_one_inflated_beta.stan",),
        normalized=True,
    ),
    log_lik=_zoi_log_lik,
    epred=_zoi_epred,
    predict=_zoi_predict,
)

HURDLE_GAMMA = Family(
    "hurdle_gamma",
    links=("log", "identity", "inverse"),
    dpars=(SHAPE, HU),
    support=NON_NEGATIVE,
    additions=WEIGHTS | CENSORING,
    stan=StanLikelihood(
        "hurdle_gamma",
        same_dist("hurdle_gamma", ("log", "identity", "inverse")),
        vectorized=False,
        functions=("hurdle_gamma.stan",),
        cdf="hurdle_gamma",
        normalized=True,
    ),
    distribution=hurdle_gamma_distribution,
    log_lik=partial(_hurdle_log_lik, GAMMA.log_lik, "hu"),
    epred=partial(_hurdle_epred, GAMMA.epred, "hu"),
    predict=partial(_hurdle_predict, GAMMA.predict, "hu"),
)

HURDLE_LOGNORMAL = Family(
    "hurdle_lognormal",
    links=("identity", "inverse"),
    dpars=(SIGMA, HU),
    support=NON_NEGATIVE,
    additions=WEIGHTS | CENSORING,
    stan=StanLikelihood(
        "hurdle_lognormal",
        same_dist("hurdle_lognormal", ("identity", "inverse")),
        vectorized=False,
        functions=("hurdle_lognormal.stan",),
        cdf="hurdle_lognormal",
        normalized=True,
    ),
    distribution=hurdle_lognormal_distribution,
    log_lik=partial(_hurdle_log_lik, LOGNORMAL.log_lik, "hu"),
    epred=partial(_hurdle_epred, LOGNORMAL.epred, "hu"),
    predict=partial(_hurdle_predict, LOGNORMAL.predict, "hu"),
    log_scale=True,
)
