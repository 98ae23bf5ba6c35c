"""Families with one linear predictor per category but the first: categorical,
multinomial and dirichlet.

Category k has the linear predictor ``mu<k>`` (brms's names, such as ``mub`` for
the level ``"b"``), the reference category (the first, or brms's ``refcat``) has 0, and the
probabilities are their softmax, as brms's ``categorical(link = "logit")`` and
``multinomial(link = "logit")``. A categorical response is one of K unordered
categories, coded 1..K in the order of its levels; a multinomial response is a
matrix of counts ``cbind(y1, ..., yK)``, one column per category, summing to
``trials()`` in each row; a dirichlet response is a matrix of proportions
``cbind(y1, ..., yK)`` summing to 1 in each row, with mean the probabilities and
precision ``phi``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import special

from pybrms.errors import SpecError
from pybrms.spec.families.parts import COUNT, PHI, PROPORTION
from pybrms.spec.families.records import DparDraws, Family, Glm, StanLikelihood, Support

__all__ = ["CATEGORICAL", "DIRICHLET", "MULTINOMIAL", "category_dpars", "reference_index"]


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


def reference_index(categories: Sequence[str], refcat: str | None) -> int:
    """Position of the reference category ``refcat`` (None: the first) among ``categories``.

    Raises
    ------
    SpecError
        When ``refcat`` is not one of ``categories``.

    Examples
    --------
    >>> reference_index(["a", "b", "c"], "b"), reference_index(["a", "b"], None)
    (1, 0)
    """
    if refcat is None:
        return 0
    if refcat not in categories:
        raise SpecError(
            f"refcat={refcat!r} is not a category of the response; "
            f"its categories: {', '.join(map(repr, categories))}."
        )
    return list(categories).index(refcat)


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


def _trials(d: DparDraws) -> np.ndarray:
    assert d.trials is not None  # required by the family
    return d.trials


def _multinomial_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    """``log n! - sum_k log y_k! + sum_k y_k log p_k``."""
    log_p = _log_probs(d)
    log_coef = special.gammaln(y.sum(axis=1) + 1) - special.gammaln(y + 1).sum(axis=1)
    # y_k log p_k is 0 where y_k is 0, also where p_k underflows to 0
    terms = np.where(y > 0, y * log_p, 0.0)
    return log_coef + terms.sum(axis=-1)


def _multinomial_epred(d: DparDraws) -> np.ndarray:
    return _trials(d)[:, np.newaxis] * _epred(d)


def _multinomial_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    return rng.multinomial(_trials(d), _epred(d))


MULTINOMIAL = Family(
    "multinomial",
    links=("logit",),
    dpars=(),
    support=Support("non-negative integer counts", COUNT.outside, discrete=True),
    additions=frozenset({"weights", "trials"}),
    # Stan's multinomial_logit of one row's counts (brms's multinomial_logit2)
    # (normalized as brms's)
    stan=StanLikelihood(
        "categorical",
        {"logit": ("multinomial_logit", False)},
        vectorized=False,
        normalized=True,
    ),
    log_lik=_multinomial_log_lik,
    epred=_multinomial_epred,
    predict=_multinomial_predict,
    required_additions=frozenset({"trials"}),
    per_category=True,
    matrix_response=True,
)


def _alpha(d: DparDraws) -> np.ndarray:
    """The concentrations ``softmax(eta) * phi``, ``(S, N, K)``."""
    return _epred(d) * d["phi"][..., np.newaxis]


def _dirichlet_log_lik(d: DparDraws, y: np.ndarray) -> np.ndarray:
    alpha = _alpha(d)
    return (
        special.gammaln(alpha.sum(axis=-1))
        - special.gammaln(alpha).sum(axis=-1)
        + ((alpha - 1) * np.log(y)).sum(axis=-1)
    )


def _dirichlet_predict(d: DparDraws, rng: np.random.Generator) -> np.ndarray:
    """Independent gamma draws of shapes ``alpha``, divided by their sum."""
    g = rng.gamma(_alpha(d))
    return g / g.sum(axis=-1, keepdims=True)


DIRICHLET = Family(
    "dirichlet",
    links=("logit",),
    dpars=(PHI,),
    support=PROPORTION,
    additions=frozenset({"weights"}),
    # brms's dirichlet_logit: Stan's dirichlet at softmax(mu) * phi (normalized as brms's)
    stan=StanLikelihood(
        "dirichlet", {"logit": ("dirichlet", False)}, vectorized=False, normalized=True
    ),
    log_lik=_dirichlet_log_lik,
    epred=_epred,
    predict=_dirichlet_predict,
    per_category=True,
    matrix_response=True,
)
