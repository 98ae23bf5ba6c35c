"""Parts shared by several families: response supports, distributional parameters,
and small helpers for the records."""

from __future__ import annotations

import numpy as np

from pybrms.spec.families.records import Dpar, Support

__all__ = [
    "ANGLE",
    "BINARY",
    "COUNT",
    "NON_NEGATIVE",
    "NU",
    "ORDINAL",
    "PHI",
    "POSITIVE",
    "PROPORTION",
    "PROPORTION_OR_ZERO",
    "REAL",
    "SHAPE",
    "SIGMA",
    "UNIT_INTERVAL",
    "WEIGHTS",
    "CENSORING",
    "MISSING",
    "same_dist",
]


# Response values are already known to be finite when these masks are computed.
def _nowhere(y: np.ndarray) -> np.ndarray:
    return np.zeros(y.shape, bool)


def _not_count(y: np.ndarray) -> np.ndarray:
    return (y < 0) | (y != np.round(y))


def _not_binary(y: np.ndarray) -> np.ndarray:
    return ~np.isin(y, (0, 1))


def _not_positive(y: np.ndarray) -> np.ndarray:
    return ~(y > 0)


def _not_proportion(y: np.ndarray) -> np.ndarray:
    return ~((y > 0) & (y < 1))


def _not_angle(y: np.ndarray) -> np.ndarray:
    return ~((y >= -np.pi) & (y <= np.pi))


def _negative(y: np.ndarray) -> np.ndarray:
    return y < 0


def _not_proportion_or_zero(y: np.ndarray) -> np.ndarray:
    return ~((y >= 0) & (y < 1))


def _not_in_unit_interval(y: np.ndarray) -> np.ndarray:
    return ~((y >= 0) & (y <= 1))


REAL = Support("real", _nowhere, discrete=False)
COUNT = Support("a non-negative integer", _not_count, discrete=True)
BINARY = Support("0 or 1", _not_binary, discrete=True)
POSITIVE = Support("positive", _not_positive, discrete=False, bounds="<lower=0>")
PROPORTION = Support(
    "strictly between 0 and 1", _not_proportion, discrete=False, bounds="<lower=0, upper=1>"
)
# hurdle and zero(-one)-inflated families: point masses at 0 (and 1)
NON_NEGATIVE = Support("non-negative", _negative, discrete=False)
PROPORTION_OR_ZERO = Support("at least 0 and below 1", _not_proportion_or_zero, discrete=False)
UNIT_INTERVAL = Support("between 0 and 1 (inclusive)", _not_in_unit_interval, discrete=False)
ORDINAL = Support("an integer 1..K", None, discrete=True)
ANGLE = Support("an angle in radians between -pi and pi", _not_angle, discrete=False)

SIGMA = Dpar("sigma", "dispersion parameter", 0.0, None, "log", None, intercept_prior=None)
SHAPE = Dpar("shape", "shape parameter", 0.0, None, "log", ("gamma", (0.01, 0.01)))
# nu of student and frechet: above 1, predicted through logm1, log(nu - 1), as brms
NU = Dpar(
    "nu",
    "degrees of freedom or shape",
    1.0,
    None,
    "logm1",
    ("gamma", (2, 0.1)),
    intercept_prior=("normal", (2.7, 0.8)),
)
PHI = Dpar("phi", "precision parameter", 0.0, None, "log", ("gamma", (0.01, 0.01)))

WEIGHTS = frozenset({"weights"})
#: Addition terms of a family with cdfs in Stan (``StanLikelihood.cdf``).
CENSORING = frozenset({"cens", "trunc"})
#: The addition term of families whose missing responses brms can estimate (``mi()``).
MISSING = frozenset({"mi"})


def same_dist(name: str, links: tuple[str, ...]) -> dict[str, tuple[str, bool]]:
    """The Stan distribution ``name`` for every link, the inverse link applied to ``mu``."""
    return {link: (name, True) for link in links}
