"""Families of a continuous response: gaussian, student, lognormal, gamma, beta."""

from __future__ import annotations

import numpy as np
from scipy import stats

from pybrms.spec.families.parts import (
    NU,
    PHI,
    POSITIVE,
    PROPORTION,
    REAL,
    SHAPE,
    SIGMA,
    WEIGHTS,
    same_dist,
)
from pybrms.spec.families.records import DparDraws, Family, Glm, StanLikelihood

__all__ = ["BETA", "GAMMA", "GAUSSIAN", "LOGNORMAL", "STUDENT"]


def _mean(d: DparDraws) -> np.ndarray:
    return d["mu"]


def _gaussian_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.norm.logpdf(y, d["mu"], d["sigma"])


def _gaussian_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return rng.normal(d["mu"], d["sigma"], size=d.shape)


GAUSSIAN = Family(
    "gaussian",
    links=("identity", "log", "inverse"),
    dpars=(SIGMA,),
    support=REAL,
    additions=WEIGHTS,
    stan=StanLikelihood(
        "gaussian",
        same_dist("normal", ("identity", "log", "inverse")),
        glm={"identity": Glm("normal_id_glm")},
    ),
    log_lik=_gaussian_log_lik,
    epred=_mean,
    predict=_gaussian_predict,
)


def _student_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.t.logpdf(y, d["nu"], d["mu"], d["sigma"])


def _student_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return d["mu"] + d["sigma"] * rng.standard_t(np.broadcast_to(d["nu"], d.shape))


STUDENT = Family(
    "student",
    links=("identity", "log", "inverse"),
    dpars=(SIGMA, NU),
    support=REAL,
    additions=WEIGHTS,
    stan=StanLikelihood("student", same_dist("student_t", ("identity", "log", "inverse"))),
    log_lik=_student_log_lik,
    epred=_mean,
    predict=_student_predict,
)


def _lognormal_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.lognorm.logpdf(y, d["sigma"], scale=np.exp(d["mu"]))


def _lognormal_epred(d: DparDraws) -> np.ndarray:
    return np.exp(d["mu"] + d["sigma"] ** 2 / 2)


def _lognormal_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return rng.lognormal(d["mu"], d["sigma"], size=d.shape)


LOGNORMAL = Family(
    "lognormal",
    links=("identity", "inverse"),
    dpars=(SIGMA,),
    support=POSITIVE,
    additions=WEIGHTS,
    stan=StanLikelihood("lognormal", same_dist("lognormal", ("identity", "inverse"))),
    log_lik=_lognormal_log_lik,
    epred=_lognormal_epred,
    predict=_lognormal_predict,
    log_scale=True,
)


def _gamma_scale(d: DparDraws) -> np.ndarray:
    """Scale of brms's mean/shape parametrization (Stan: rate ``shape / mu``)."""
    return d["mu"] / d["shape"]


def _gamma_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.gamma.logpdf(y, d["shape"], scale=_gamma_scale(d))


def _gamma_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return rng.gamma(d["shape"], _gamma_scale(d), size=d.shape)


GAMMA = Family(
    "gamma",
    links=("inverse", "log", "identity"),
    dpars=(SHAPE,),
    support=POSITIVE,
    additions=WEIGHTS,
    stan=StanLikelihood("gamma", same_dist("gamma", ("inverse", "log", "identity"))),
    log_lik=_gamma_log_lik,
    epred=_mean,
    predict=_gamma_predict,
)


def _beta_shapes(d: DparDraws) -> tuple[np.ndarray, np.ndarray]:
    """Shapes of brms's mean/precision parametrization."""
    return d["mu"] * d["phi"], (1 - d["mu"]) * d["phi"]


def _beta_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.beta.logpdf(y, *_beta_shapes(d))


def _beta_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return rng.beta(*_beta_shapes(d), size=d.shape)


BETA = Family(
    "beta",
    links=("logit", "probit", "cloglog"),
    dpars=(PHI,),
    support=PROPORTION,
    additions=WEIGHTS,
    stan=StanLikelihood("beta", same_dist("beta", ("logit", "probit", "cloglog"))),
    log_lik=_beta_log_lik,
    epred=_mean,
    predict=_beta_predict,
)

