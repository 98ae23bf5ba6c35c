"""The categorical family: one linear predictor per category but the first.

The response is one of K unordered categories, coded 1..K in the order of its
levels. Category k has the linear predictor ``mu<k>`` (brms's names, such as
``mub`` for the level ``"b"``), the reference category (the first) has 0, and
the probabilities are their softmax, as brms's ``categorical(link = "logit")``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import special

from pybrms.spec.families.records import DparDraws, Family, Glm, StanLikelihood, Support

__all__ = ["CATEGORICAL", "category_dpars"]


def category_dpars(categories: Sequence[str]) -> tuple[str, ...]:
    """brms's names of the linear predictors of ``categories``, the reference
    category's included: ``mu`` and the label, with what Stan cannot have in a
    name removed and duplicates numbered (brms's ``make_stan_names``).

    Examples
    --------
    >>> category_dpars(["a", "b", "c d"])
    ('mua', 'mub', 'mucd')
    >>> category_dpars(["1", "2"])
    ('mu1', 'mu2')
    """
    out: list[str] = []
    for label in categories:
        name = re.sub(r"[^A-Za-z0-9]", "", f"mu{label}")
        k, unique = 0, name
        while unique in out:
            k += 1
            unique = f"{name}{k}"
        out.append(unique)
    return tuple(out)


def _log_probs(d: DparDraws) -> np.ndarray:
    """Log probabilities of the categories, ``(S, N, K)``."""
    return special.log_softmax(d.eta, axis=-1)


def _log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    log_p = _log_probs(d)
    index = np.broadcast_to((y - 1)[np.newaxis, :, np.newaxis], (*log_p.shape[:2], 1))
    return np.take_along_axis(log_p, index, axis=-1)[..., 0]


def _epred(d: DparDraws) -> np.ndarray:
    return special.softmax(d.eta, axis=-1)


def _predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    cdf = np.cumsum(_epred(d), axis=-1)[..., :-1]
    u = rng.random((*cdf.shape[:2], 1))
    return 1 + (cdf < u).sum(axis=-1)


CATEGORICAL = Family(
    "categorical",
    links=("logit",),
    dpars=(),
    support=Support("one of the response's categories", None, discrete=True),
    additions=frozenset({"weights"}),
    # brms's categorical_logit of one row's vector of linear predictors, and Stan's
    # GLM function where every category has the same population-level design
    stan=StanLikelihood(
        "categorical",
        {"logit": ("categorical_logit", False)},
        glm={"logit": Glm("categorical_logit_glm")},
        vectorized=False,
    ),
    log_lik=_log_lik,
    epred=_epred,
    predict=_predict,
    per_category=True,
)
