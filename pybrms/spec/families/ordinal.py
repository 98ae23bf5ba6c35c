"""Ordinal families: cumulative."""

from __future__ import annotations

import numpy as np

from pybrms.errors import SpecError
from pybrms.spec.families.parts import ORDINAL, WEIGHTS
from pybrms.spec.families.records import DparDraws, Family, Glm, StanLikelihood

__all__ = ["CUMULATIVE"]


def _cdf(d: DparDraws) -> np.ndarray:
    """``P(Y <= k) = F(thres_k - eta)``, ``(S, N, nthres)``."""
    assert d.thres is not None  # set for ordinal families
    return d.inverse_link(d.thres[:, np.newaxis, :] - d.eta[:, :, np.newaxis])


def _epred(d: DparDraws) -> np.ndarray:
    cdf = _cdf(d)
    edges = np.zeros((*cdf.shape[:2], 1))
    return np.diff(np.concatenate([edges, cdf, edges + 1.0], axis=-1), axis=-1)


def _log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    probs = _epred(d)
    if y.max() > probs.shape[-1]:
        raise SpecError(
            f"Ordinal responses must be 1..{probs.shape[-1]} as in the fit; got {int(y.max())}."
        )
    index = np.broadcast_to((y - 1)[np.newaxis, :, np.newaxis], (*probs.shape[:2], 1))
    return np.log(np.take_along_axis(probs, index, axis=-1)[..., 0])


def _predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    cdf = _cdf(d)
    u = rng.random((*cdf.shape[:2], 1))
    return 1 + (cdf < u).sum(axis=-1)


CUMULATIVE = Family(
    "cumulative",
    links=("logit", "probit"),
    dpars=(),
    support=ORDINAL,
    additions=WEIGHTS,
    stan=StanLikelihood(
        "cumulative",
        {"logit": ("ordered_logistic", False), "probit": ("ordered_probit", False)},
        glm={"logit": Glm("ordered_logistic_glm", alpha=False)},
    ),
    log_lik=_log_lik,
    epred=_epred,
    predict=_predict,
)
