"""One class per term kind; each answers the questions of :class:`~pybrms.spec.terms.base.Term`.

Population-level effects (:mod:`~pybrms.spec.terms.fixed`), monotonic effects
(:mod:`~pybrms.spec.terms.monotonic`), category-specific effects
(:mod:`~pybrms.spec.terms.category_specific`), noise-free predictors
(:mod:`~pybrms.spec.terms.measurement_error`), smooths (:mod:`~pybrms.spec.terms.smooth`),
Gaussian processes (:mod:`~pybrms.spec.terms.gp`), offsets
(:mod:`~pybrms.spec.terms.offset`), covariates of non-linear expressions
(:mod:`~pybrms.spec.terms.covariates`), group-level effects
(:mod:`~pybrms.spec.terms.group`), ARMA autocorrelation
(:mod:`~pybrms.spec.terms.arma`) and time-series covariance structures
(:mod:`~pybrms.spec.terms.time_cov`); each has its template in
``templates/terms/<kind>.stan.j2``.
"""

from __future__ import annotations

from pybrms.spec.terms.arma import ArmaEffects
from pybrms.spec.terms.base import EtaPart, PriorDefaults, RowRequest, StanArg, Term
from pybrms.spec.terms.category_specific import CategorySpecificEffects
from pybrms.spec.terms.covariates import Covariates
from pybrms.spec.terms.fixed import FixedEffects
from pybrms.spec.terms.gp import GaussianProcess
from pybrms.spec.terms.group import GroupEffects
from pybrms.spec.terms.measurement_error import MeasurementError
from pybrms.spec.terms.missing import MissingValues
from pybrms.spec.terms.monotonic import MonotonicEffects
from pybrms.spec.terms.multi_membership import MultiMembershipEffects
from pybrms.spec.terms.offset import Offset
from pybrms.spec.terms.smooth import SmoothTerms
from pybrms.spec.terms.time_cov import TimeCovariance

__all__ = [
    "ArmaEffects",
    "CategorySpecificEffects",
    "Covariates",
    "EtaPart",
    "FixedEffects",
    "GaussianProcess",
    "GroupEffects",
    "MeasurementError",
    "MissingValues",
    "MonotonicEffects",
    "MultiMembershipEffects",
    "Offset",
    "PriorDefaults",
    "RowRequest",
    "SmoothTerms",
    "StanArg",
    "Term",
    "TimeCovariance",
]
