"""Ordinal families: cumulative, sratio (stopping ratio), cratio (continuation ratio)
and acat (adjacent category).

Each models the category of a response coded 1..K through K - 1 thresholds and
the linear predictor ``mu`` (which has no intercept), scaled by the
discrimination ``disc``: 1 unless it has its own formula. The numpy functions
work on the log probabilities of all categories, ``(S, N, K)``, as brms's
``log_lik_<family>`` do.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from scipy import special

from pybrms.errors import SpecError
from pybrms.spec.families.parts import ORDINAL, WEIGHTS
from pybrms.spec.families.records import Dpar, DparDraws, Family, Glm, StanLikelihood

__all__ = ["ACAT", "CRATIO", "CUMULATIVE", "DISC", "SRATIO"]

# brms's links of every ordinal family (probit_approx and softit are not offered)
LINKS = ("logit", "probit", "cloglog", "cauchit")

# brms fixes disc at 1 unless it has a formula, where it is positive through a log link
DISC = Dpar(
    "disc",
    "discrimination parameters",
    0.0,
    None,
    "log",
    ("lognormal", (0, 1)),
    intercept_prior=("normal", (0, 1)),
    fixed=1.0,
)


def _log1m_exp(a: np.ndarray) -> np.ndarray:
    """``log(1 - exp(a))`` for ``a <= 0``, accurate at both ends."""
    with np.errstate(divide="ignore"):
        return np.where(a > -np.log(2), np.log(-np.expm1(a)), np.log1p(-np.exp(a)))


def _log_cdf(link: str, x: np.ndarray) -> np.ndarray:
    """``log F(x)`` of the distribution whose cdf is the inverse link."""
    if link == "logit":
        return special.log_expit(x)
    if link == "probit":
        return special.log_ndtr(x)
    if link == "cloglog":
        return _log1m_exp(-np.exp(x))
    return np.log(np.arctan(x) / np.pi + 0.5)  # cauchit


def _log_ccdf(link: str, x: np.ndarray) -> np.ndarray:
    """``log(1 - F(x))``."""
    if link == "logit":
        return special.log_expit(-x)
    if link == "probit":
        return special.log_ndtr(-x)
    if link == "cloglog":
        return -np.exp(x)
    return np.log(0.5 - np.arctan(x) / np.pi)  # cauchit


def _scaled(d: DparDraws, sign: float) -> np.ndarray:
    """``disc * (thres - eta)`` (sign 1) or ``disc * (eta - thres)`` (sign -1),
    ``(S, N, nthres)``."""
    assert d.thres is not None  # set for ordinal families
    # thresholds (S, nthres), or (S, N, nthres) shifted by category-specific effects
    thres = d.thres[:, np.newaxis, :] if d.thres.ndim == 2 else d.thres
    diff = thres - d.eta[:, :, np.newaxis]
    return sign * d["disc"][:, :, np.newaxis] * diff


def _append_zero(x: np.ndarray, first: bool) -> np.ndarray:
    zero = np.zeros((*x.shape[:-1], 1))
    return np.concatenate([zero, x] if first else [x, zero], axis=-1)


def _cumulative_log_probs(d: DparDraws) -> np.ndarray:
    """``P(Y = k) = F(disc (thres_k - eta)) - F(disc (thres_{k-1} - eta))``."""
    x = _scaled(d, 1.0)
    log_cdf = _log_cdf(d.link.name, x)
    first = log_cdf[..., :1]
    last = _log_ccdf(d.link.name, x[..., -1:])
    middle = log_cdf[..., 1:] + _log1m_exp(log_cdf[..., :-1] - log_cdf[..., 1:])
    return np.concatenate([first, middle, last], axis=-1)


def _sequential_log_probs(log_q: np.ndarray) -> np.ndarray:
    """Categories reached step by step: ``q_k`` is the probability of moving past
    category k once there, so ``P(Y = k) = (1 - q_k) prod_{j<k} q_j``."""
    passed = _append_zero(np.cumsum(log_q, axis=-1), first=True)
    return passed + _append_zero(_log1m_exp(log_q), first=False)


def _sratio_log_probs(d: DparDraws) -> np.ndarray:
    """Stopping ratio: ``P(Y = k | Y >= k) = F(disc (thres_k - eta))``."""
    return _sequential_log_probs(_log_ccdf(d.link.name, _scaled(d, 1.0)))


def _cratio_log_probs(d: DparDraws) -> np.ndarray:
    """Continuation ratio: ``P(Y > k | Y >= k) = F(disc (eta - thres_k))``."""
    return _sequential_log_probs(_log_cdf(d.link.name, _scaled(d, -1.0)))


def _acat_log_probs(d: DparDraws) -> np.ndarray:
    """Adjacent categories:
    ``P(Y = k + 1) / (P(Y = k) + P(Y = k + 1)) = F(disc (eta - thres_k))``."""
    x = _scaled(d, -1.0)
    if d.link.name == "logit":
        # the odds of adjacent categories are exp(x_k)
        log_p = _append_zero(np.cumsum(x, axis=-1), first=True)
    else:
        below = _append_zero(np.cumsum(_log_cdf(d.link.name, x), axis=-1), first=True)
        tail = np.cumsum(_log_ccdf(d.link.name, x)[..., ::-1], axis=-1)[..., ::-1]
        log_p = below + _append_zero(tail, first=False)
    return log_p - special.logsumexp(log_p, axis=-1, keepdims=True)


LogProbs = Callable[[DparDraws], np.ndarray]


def _epred(log_probs: LogProbs, d: DparDraws) -> np.ndarray:
    return np.exp(log_probs(d))


def _log_lik(log_probs: LogProbs, d: DparDraws, y: np.ndarray) -> np.ndarray:
    log_p = log_probs(d)
    if y.max() > log_p.shape[-1]:
        raise SpecError(
            f"Ordinal responses must be 1..{log_p.shape[-1]} as in the fit; got {int(y.max())}."
        )
    index = np.broadcast_to((y - 1)[np.newaxis, :, np.newaxis], (*log_p.shape[:2], 1))
    return np.take_along_axis(log_p, index, axis=-1)[..., 0]


def _predict(log_probs: LogProbs, d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    cdf = np.cumsum(np.exp(log_probs(d)), axis=-1)[..., :-1]
    u = rng.random((*cdf.shape[:2], 1))
    return 1 + (cdf < u).sum(axis=-1)


def _general_stan(name: str) -> StanLikelihood:
    """brms's density of one response, ``<family>_<link>_lpmf(y | mu, disc, thres)``."""
    return StanLikelihood(
        "ordinal",
        {link: (f"{name}_{link}", False) for link in LINKS},
        vectorized=False,
        functions=("ordinal.stan.j2",),
        normalized=True,
    )


def _ordinal(
    name: str,
    log_probs: LogProbs,
    builtin: StanLikelihood | None = None,
    category_specific: bool = True,
    ordered_thresholds: bool = False,
) -> Family:
    """An ordinal family; ``builtin``: Stan's density where it applies, else brms's own."""
    return Family(
        name,
        links=LINKS,
        dpars=(DISC,),
        support=ORDINAL,
        additions=WEIGHTS,
        stan=builtin or _general_stan(name),
        log_lik=partial(_log_lik, log_probs),
        epred=partial(_epred, log_probs),
        predict=partial(_predict, log_probs),
        general_stan=_general_stan(name),
        category_specific=category_specific,
        ordered_thresholds=ordered_thresholds,
    )


CUMULATIVE = _ordinal(
    "cumulative",
    _cumulative_log_probs,
    # Stan's own ordinal densities, as brms uses them, where disc stays 1
    StanLikelihood(
        "cumulative",
        {"logit": ("ordered_logistic", False), "probit": ("ordered_probit", False)},
        glm={"logit": Glm("ordered_logistic_glm", alpha=False)},
        omits=frozenset({"disc"}),
        normalized=True,
    ),
    # brms allows ordered cs() in cumulative models as experimental; pybrms does not
    category_specific=False,
    ordered_thresholds=True,
)
SRATIO = _ordinal("sratio", _sratio_log_probs)
CRATIO = _ordinal("cratio", _cratio_log_probs)
ACAT = _ordinal("acat", _acat_log_probs)
