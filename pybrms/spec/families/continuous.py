"""Families of a continuous response: gaussian, student, lognormal, gamma, beta,
exponential, weibull, skew_normal, shifted_lognormal, exgaussian, frechet, von_mises,
gen_extreme_value."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special, stats

from pybrms.spec.families.inverse_cdf import EXPONNORM
from pybrms.spec.families.parts import (
    ANGLE,
    CENSORING,
    MISSING,
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
from pybrms.spec.families.records import (
    Dpar,
    DparDraws,
    Family,
    Glm,
    ResponseBound,
    StanLikelihood,
)

__all__ = [
    "ALPHA",
    "BETA",
    "BETA_SCALE",
    "EXGAUSSIAN",
    "EXPONENTIAL",
    "FRECHET",
    "GAMMA",
    "GAUSSIAN",
    "GEN_EXTREME_VALUE",
    "KAPPA",
    "LOGNORMAL",
    "NDT",
    "SKEW_NORMAL",
    "STUDENT",
    "SHIFTED_LOGNORMAL",
    "VON_MISES",
    "WEIBULL",
    "XI",
]


#: Addition terms of gaussian, student and skew_normal: brms adds the known
#: standard errors of se() to their sigma.
_WITH_SE = WEIGHTS | CENSORING | MISSING | {"se"}


def _mean(d: DparDraws) -> np.ndarray:
    return d["mu"]


def _gaussian_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.norm.logpdf(y, d["mu"], d["sigma"])


def _gaussian_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return rng.normal(d["mu"], d["sigma"], size=d.shape)


def _gaussian_distribution(d: DparDraws) -> Any:
    return stats.norm(d["mu"], d["sigma"])


GAUSSIAN = Family(
    "gaussian",
    links=("identity", "log", "inverse"),
    dpars=(SIGMA,),
    support=REAL,
    additions=_WITH_SE,
    stan=StanLikelihood(
        "gaussian",
        same_dist("normal", ("identity", "log", "inverse")),
        glm={"identity": Glm("normal_id_glm")},
        cdf="normal",
    ),
    log_lik=_gaussian_log_lik,
    epred=_mean,
    predict=_gaussian_predict,
    distribution=_gaussian_distribution,
)


def _student_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.t.logpdf(y, d["nu"], d["mu"], d["sigma"])


def _student_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return d["mu"] + d["sigma"] * rng.standard_t(np.broadcast_to(d["nu"], d.shape))


def _student_distribution(d: DparDraws) -> Any:
    return stats.t(d["nu"], d["mu"], d["sigma"])


STUDENT = Family(
    "student",
    links=("identity", "log", "inverse"),
    dpars=(SIGMA, NU),
    support=REAL,
    additions=_WITH_SE,
    stan=StanLikelihood(
        "student", same_dist("student_t", ("identity", "log", "inverse")), cdf="student_t"
    ),
    log_lik=_student_log_lik,
    epred=_mean,
    predict=_student_predict,
    distribution=_student_distribution,
)


def _lognormal_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.lognorm.logpdf(y, d["sigma"], scale=np.exp(d["mu"]))


def _lognormal_epred(d: DparDraws) -> np.ndarray:
    return np.exp(d["mu"] + d["sigma"] ** 2 / 2)


def _lognormal_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return rng.lognormal(d["mu"], d["sigma"], size=d.shape)


def _lognormal_distribution(d: DparDraws) -> Any:
    return stats.lognorm(d["sigma"], scale=np.exp(d["mu"]))


LOGNORMAL = Family(
    "lognormal",
    links=("identity", "inverse"),
    dpars=(SIGMA,),
    support=POSITIVE,
    additions=WEIGHTS | CENSORING | MISSING,
    stan=StanLikelihood(
        "lognormal", same_dist("lognormal", ("identity", "inverse")), cdf="lognormal"
    ),
    log_lik=_lognormal_log_lik,
    epred=_lognormal_epred,
    predict=_lognormal_predict,
    log_scale=True,
    distribution=_lognormal_distribution,
)


def _gamma_scale(d: DparDraws) -> np.ndarray:
    """Scale of brms's mean/shape parametrization (Stan: rate ``shape / mu``)."""
    return d["mu"] / d["shape"]


def _gamma_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.gamma.logpdf(y, d["shape"], scale=_gamma_scale(d))


def _gamma_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return rng.gamma(d["shape"], _gamma_scale(d), size=d.shape)


def _gamma_distribution(d: DparDraws) -> Any:
    return stats.gamma(d["shape"], scale=_gamma_scale(d))


GAMMA = Family(
    "gamma",
    links=("inverse", "log", "identity"),
    dpars=(SHAPE,),
    support=POSITIVE,
    additions=WEIGHTS | CENSORING | MISSING,
    stan=StanLikelihood("gamma", same_dist("gamma", ("inverse", "log", "identity")), cdf="gamma"),
    log_lik=_gamma_log_lik,
    epred=_mean,
    predict=_gamma_predict,
    distribution=_gamma_distribution,
)


def _beta_shapes(d: DparDraws) -> tuple[np.ndarray, np.ndarray]:
    """Shapes of brms's mean/precision parametrization."""
    return d["mu"] * d["phi"], (1 - d["mu"]) * d["phi"]


def _beta_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.beta.logpdf(y, *_beta_shapes(d))


def _beta_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return rng.beta(*_beta_shapes(d), size=d.shape)


def _beta_distribution(d: DparDraws) -> Any:
    return stats.beta(*_beta_shapes(d))


BETA = Family(
    "beta",
    links=("logit", "probit", "cloglog"),
    dpars=(PHI,),
    support=PROPORTION,
    additions=WEIGHTS | CENSORING | MISSING,
    stan=StanLikelihood("beta", same_dist("beta", ("logit", "probit", "cloglog")), cdf="beta"),
    log_lik=_beta_log_lik,
    epred=_mean,
    predict=_beta_predict,
    distribution=_beta_distribution,
)


def _exponential_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.expon.logpdf(y, scale=d["mu"])


def _exponential_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return rng.exponential(d["mu"], size=d.shape)


def _exponential_distribution(d: DparDraws) -> Any:
    return stats.expon(scale=d["mu"])


EXPONENTIAL = Family(
    "exponential",
    links=("log", "identity", "inverse"),
    dpars=(),
    support=POSITIVE,
    additions=WEIGHTS | CENSORING | MISSING,
    stan=StanLikelihood(
        "exponential", same_dist("exponential", ("log", "identity", "inverse")), cdf="exponential"
    ),
    log_lik=_exponential_log_lik,
    epred=_mean,
    predict=_exponential_predict,
    distribution=_exponential_distribution,
)


def _weibull_scale(d: DparDraws) -> np.ndarray:
    """Scale of brms's mean/shape parametrization: ``mu / Gamma(1 + 1 / shape)``."""
    return d["mu"] / special.gamma(1 + 1 / d["shape"])


def _weibull_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.weibull_min.logpdf(y, d["shape"], scale=_weibull_scale(d))


def _weibull_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return _weibull_scale(d) * rng.weibull(np.broadcast_to(d["shape"], d.shape))


def _weibull_distribution(d: DparDraws) -> Any:
    return stats.weibull_min(d["shape"], scale=_weibull_scale(d))


WEIBULL = Family(
    "weibull",
    links=("log", "identity", "inverse"),
    dpars=(SHAPE,),
    support=POSITIVE,
    additions=WEIGHTS | CENSORING | MISSING,
    stan=StanLikelihood(
        "weibull", same_dist("weibull", ("log", "identity", "inverse")), cdf="weibull"
    ),
    log_lik=_weibull_log_lik,
    epred=_mean,
    predict=_weibull_predict,
    distribution=_weibull_distribution,
)

ALPHA = Dpar("alpha", "skewness parameter", None, None, "identity", ("normal", (0, 4)))


def _skew_normal_params(d: DparDraws) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Location, scale and skewness of the skew normal whose mean is ``mu`` and whose
    sd is ``sigma`` (brms's parametrization)."""
    alpha = d["alpha"]
    delta = alpha / np.sqrt(1 + alpha**2)
    omega = d["sigma"] / np.sqrt(1 - 2 / np.pi * delta**2)
    return d["mu"] - omega * delta * np.sqrt(2 / np.pi), omega, alpha


def _skew_normal_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    xi, omega, alpha = _skew_normal_params(d)
    return stats.skewnorm.logpdf(y, alpha, loc=xi, scale=omega)


def _skew_normal_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    xi, omega, alpha = (np.broadcast_to(v, d.shape) for v in _skew_normal_params(d))
    return stats.skewnorm.rvs(alpha, loc=xi, scale=omega, random_state=rng)


def _skew_normal_distribution(d: DparDraws) -> Any:
    xi, omega, alpha = _skew_normal_params(d)
    return stats.skewnorm(alpha, loc=xi, scale=omega)


SKEW_NORMAL = Family(
    "skew_normal",
    links=("identity", "log", "inverse"),
    dpars=(SIGMA, ALPHA),
    support=REAL,
    additions=_WITH_SE,
    stan=StanLikelihood(
        "skew_normal", same_dist("skew_normal", ("identity", "log", "inverse")), cdf="skew_normal"
    ),
    log_lik=_skew_normal_log_lik,
    epred=_mean,
    predict=_skew_normal_predict,
    distribution=_skew_normal_distribution,
)


# brms's min_Y: the program computes the smallest response itself, so that new data
# reuse it; ndt lies below it, with a uniform prior up to it
MIN_Y = ResponseBound("min_Y", "min", np.min)


def _ndt_prior(y: np.ndarray) -> tuple[str, tuple[float, ...]]:
    return "uniform", (0, float(MIN_Y.value(y)))


NDT = Dpar("ndt", "non-decision time parameter", 0.0, MIN_Y, "log", _ndt_prior)


def _shifted_lognormal_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.lognorm.logpdf(y - d["ndt"], d["sigma"], scale=np.exp(d["mu"]))


def _shifted_lognormal_epred(d: DparDraws) -> np.ndarray:
    return d["ndt"] + _lognormal_epred(d)


def _shifted_lognormal_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return d["ndt"] + _lognormal_predict(d, rng)


def _shifted_lognormal_distribution(d: DparDraws) -> Any:
    return stats.lognorm(d["sigma"], loc=d["ndt"], scale=np.exp(d["mu"]))


SHIFTED_LOGNORMAL = Family(
    "shifted_lognormal",
    links=("identity", "inverse"),
    dpars=(SIGMA, NDT),
    support=POSITIVE,
    additions=WEIGHTS | CENSORING,
    stan=StanLikelihood(
        "shifted_lognormal", same_dist("lognormal", ("identity", "inverse")), cdf="lognormal"
    ),
    log_lik=_shifted_lognormal_log_lik,
    epred=_shifted_lognormal_epred,
    predict=_shifted_lognormal_predict,
    log_scale=True,
    distribution=_shifted_lognormal_distribution,
)


# exgaussian's beta: the mean of the exponential component
BETA_SCALE = Dpar(
    "beta", "scale parameter", 0.0, None, "log", ("gamma", (1, 0.1)), ("normal", (1.7, 1.3))
)


def _exgaussian_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    """brms's ``dexgaussian``: a normal of mean ``mu - beta`` plus an exponential of
    mean ``beta``."""
    sigma, beta = d["sigma"], d["beta"]
    z = y - (d["mu"] - beta) - sigma**2 / beta
    return -np.log(beta) - (z + sigma**2 / (2 * beta)) / beta + special.log_ndtr(z / sigma)


def _exgaussian_distribution(d: DparDraws) -> Any:
    # scipy's exponnorm (its quantiles solved on whole arrays): shape beta / sigma,
    # the normal component at mu - beta
    sigma, beta = d["sigma"], d["beta"]
    return EXPONNORM(beta / sigma, loc=d["mu"] - beta, scale=sigma)


def _exgaussian_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    beta = np.broadcast_to(d["beta"], d.shape)
    return rng.normal(d["mu"] - beta, d["sigma"], size=d.shape) + rng.exponential(beta)


EXGAUSSIAN = Family(
    "exgaussian",
    links=("identity", "log", "inverse"),
    dpars=(SIGMA, BETA_SCALE),
    support=REAL,
    additions=WEIGHTS | CENSORING | MISSING,
    stan=StanLikelihood(
        "exgaussian",
        same_dist("exp_mod_normal", ("identity", "log", "inverse")),
        cdf="exp_mod_normal",
    ),
    log_lik=_exgaussian_log_lik,
    epred=_mean,
    predict=_exgaussian_predict,
    distribution=_exgaussian_distribution,
)


def _frechet_scale(d: DparDraws) -> np.ndarray:
    """Scale of brms's mean/shape parametrization: ``mu / Gamma(1 - 1 / nu)``."""
    return d["mu"] / special.gamma(1 - 1 / d["nu"])


def _frechet_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.invweibull.logpdf(y, d["nu"], scale=_frechet_scale(d))


def _frechet_distribution(d: DparDraws) -> Any:
    return stats.invweibull(d["nu"], scale=_frechet_scale(d))


def _frechet_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return _frechet_scale(d) * rng.exponential(size=d.shape) ** (-1 / d["nu"])


FRECHET = Family(
    "frechet",
    links=("log", "identity", "inverse"),
    dpars=(NU,),
    support=POSITIVE,
    additions=WEIGHTS | CENSORING | MISSING,
    stan=StanLikelihood(
        "frechet", same_dist("frechet", ("log", "identity", "inverse")), cdf="frechet"
    ),
    log_lik=_frechet_log_lik,
    epred=_mean,
    predict=_frechet_predict,
    distribution=_frechet_distribution,
)

KAPPA = Dpar(
    "kappa", "precision parameter", 0.0, None, "log", ("gamma", (2, 0.01)), ("normal", (5.0, 0.8))
)


def _von_mises_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    """brms's ``dvon_mises``, with the Bessel function scaled by ``exp(-kappa)``."""
    kappa = d["kappa"]
    return kappa * (np.cos(y - d["mu"]) - 1) - np.log(2 * np.pi * special.i0e(kappa))


def _von_mises_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return rng.vonmises(d["mu"], np.broadcast_to(d["kappa"], d.shape))


VON_MISES = Family(
    "von_mises",
    links=("tan_half", "identity"),
    dpars=(KAPPA,),
    support=ANGLE,
    additions=WEIGHTS,
    stan=StanLikelihood(
        "von_mises", same_dist("von_mises", ("tan_half", "identity")), normalized=True
    ),
    log_lik=_von_mises_log_lik,
    epred=_mean,
    predict=_von_mises_predict,
    intercept_priors={"tan_half": ("student_t", (1, 0, 1))},
)


# brms's xi: without a formula, tmp_xi is sampled and scale_xi maps it into the
# interval where every response is inside the support (the bounds depend on mu
# and sigma of all rows); with a formula, the log1p link
XI = Dpar(
    "xi",
    "shape parameter",
    None,
    None,
    "log1p",
    ("normal", (0, 2.5)),
    intercept_prior=("normal", (0, 4)),
    scale="scale_xi",
)


def _gen_extreme_value_distribution(d: DparDraws) -> Any:
    # scipy's shape c is -xi (c > 0 bounds the support above)
    return stats.genextreme(-d["xi"], loc=d["mu"], scale=d["sigma"])


def _gen_extreme_value_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    return stats.genextreme.logpdf(y, -d["xi"], loc=d["mu"], scale=d["sigma"])


def _gen_extreme_value_epred(d: DparDraws) -> np.ndarray:
    # brms's mu + sigma * (gamma(1 - xi) - 1) / xi, with its limit at xi = 0 and
    # infinity for xi >= 1, where the mean does not exist
    mean = stats.genextreme.mean(-d["xi"], loc=d["mu"], scale=d["sigma"])
    return np.broadcast_to(mean, d.shape)


def _gen_extreme_value_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    xi, mu, sigma = (np.broadcast_to(d[k], d.shape) for k in ("xi", "mu", "sigma"))
    return stats.genextreme.rvs(-xi, loc=mu, scale=sigma, random_state=rng)


GEN_EXTREME_VALUE = Family(
    "gen_extreme_value",
    links=("identity", "log", "inverse"),
    dpars=(SIGMA, XI),
    support=REAL,
    additions=WEIGHTS | CENSORING,
    stan=StanLikelihood(
        "gen_extreme_value",
        same_dist("gen_extreme_value", ("identity", "log", "inverse")),
        vectorized=False,
        functions=("gen_extreme_value.stan", "scale_xi.stan"),
        cdf="gen_extreme_value",
        normalized=True,
    ),
    log_lik=_gen_extreme_value_log_lik,
    epred=_gen_extreme_value_epred,
    predict=_gen_extreme_value_predict,
    distribution=_gen_extreme_value_distribution,
)
