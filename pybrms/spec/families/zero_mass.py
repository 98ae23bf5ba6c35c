"""scipy distributions of zero-inflated and hurdle responses, for censoring and truncation.

A zero-inflated response is zero with probability ``p`` and otherwise follows the
base distribution (which may make zeros too); a hurdle response is zero with
probability ``p`` and otherwise follows the base distribution above zero. Their
cdfs are those of brms's ``<family>_lcdf``/``_lccdf`` Stan functions: the log
survival function is ``log(1 - p) + base_lccdf(y)`` (minus ``base_lccdf(0)`` for a
hurdle of counts) and the log cdf is ``log1m_exp`` of it. As scipy distributions
(:attr:`pybrms.spec.families.Family.distribution`), they give the censored and
truncated log-likelihoods and the truncated predictions of :mod:`pybrms.fit.censoring`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from pybrms.spec.families.records import DparDraws

__all__ = [
    "hurdle_gamma_distribution",
    "hurdle_lognormal_distribution",
    "hurdle_negbinomial_distribution",
    "hurdle_poisson_distribution",
    "zero_inflated_beta_distribution",
    "zero_inflated_binomial_distribution",
    "zero_inflated_negbinomial_distribution",
    "zero_inflated_poisson_distribution",
]


class _ZeroMass:
    """The methods shared by the discrete and continuous variants: ``p`` is the first
    shape parameter, the base distribution's parameters follow (:meth:`_base`)."""

    #: the base distribution is truncated above zero (hurdle) or not (zero-inflated)
    hurdle = False
    #: the base distribution of the parameters (scipy's parametrization)
    base: Any = None

    def _frozen(self, *params: np.ndarray) -> Any:
        return self.base(*params)

    def _argcheck(self, p: np.ndarray, *params: np.ndarray) -> np.ndarray:
        ok = (p >= 0) & (p <= 1)
        for value in params:
            ok = ok & np.isfinite(value)
        return ok

    def _log_positive(self, base: Any) -> np.ndarray:
        """log P(base > 0): 0 where the base puts no mass at zero (continuous families)."""
        return base.logsf(0) if self.hurdle else np.zeros_like(base.logsf(0))

    def _logsf(self, y: np.ndarray, p: np.ndarray, *params: np.ndarray) -> np.ndarray:
        base = self._frozen(*params)
        with np.errstate(divide="ignore"):
            out = np.log1p(-p) + base.logsf(y) - self._log_positive(base)
        return np.where(y < 0, 0.0, out)

    def _sf(self, y: np.ndarray, p: np.ndarray, *params: np.ndarray) -> np.ndarray:
        return np.exp(self._logsf(y, p, *params))

    def _logcdf(self, y: np.ndarray, p: np.ndarray, *params: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(-np.expm1(self._logsf(y, p, *params)))

    def _cdf(self, y: np.ndarray, p: np.ndarray, *params: np.ndarray) -> np.ndarray:
        return -np.expm1(self._logsf(y, p, *params))

    def _ppf(self, q: np.ndarray, p: np.ndarray, *params: np.ndarray) -> np.ndarray:
        base = self._frozen(*params)
        positive = np.exp(self._log_positive(base))
        level = (1 - positive) + np.clip((q - p) / (1 - p), 0, 1) * positive
        out = base.ppf(level)
        if self.hurdle and isinstance(self, stats.rv_discrete):
            out = np.maximum(out, 1)  # a hurdle's counts above the zeros start at 1
        return np.where(q <= p, 0.0, out)

    def _stats(self, p: np.ndarray, *params: np.ndarray) -> tuple[Any, None, None, None]:
        base = self._frozen(*params)
        return (1 - p) * base.mean() / np.exp(self._log_positive(base)), None, None, None


class _Discrete(_ZeroMass, stats.rv_discrete):
    def _pmf(self, k: np.ndarray, p: np.ndarray, *params: np.ndarray) -> np.ndarray:
        base = self._frozen(*params)
        positive = (1 - p) * base.pmf(k) / np.exp(self._log_positive(base))
        return np.where(k == 0, p, 0.0) + np.where((k == 0) & self.hurdle, 0.0, positive)


class _Continuous(_ZeroMass, stats.rv_continuous):
    def _pdf(self, y: np.ndarray, p: np.ndarray, *params: np.ndarray) -> np.ndarray:
        """The density of the continuous part (the point mass at zero has none)."""
        return (1 - p) * self._frozen(*params).pdf(y)


def _generator(name: str, kind: type, hurdle: bool, base: Any, shapes: str) -> Any:
    """A scipy distribution named ``name`` with shapes ``p`` then ``shapes``; continuous
    ones span the real line, so that the cdf at zero holds the point mass."""
    cls = type(name, (kind,), {"hurdle": hurdle, "base": staticmethod(base)})
    support = {"a": 0} if kind is _Discrete else {"a": -np.inf}
    return cls(name=name, shapes=f"p, {shapes}", **support)


def _negbinomial(mu: np.ndarray, shape: np.ndarray) -> Any:
    return stats.nbinom(shape, shape / (shape + mu))


def _beta(mu: np.ndarray, phi: np.ndarray) -> Any:
    return stats.beta(mu * phi, (1 - mu) * phi)


def _gamma(mu: np.ndarray, shape: np.ndarray) -> Any:
    return stats.gamma(shape, scale=mu / shape)


def _lognormal(mu: np.ndarray, sigma: np.ndarray) -> Any:
    return stats.lognorm(sigma, scale=np.exp(mu))


_ZI_POISSON = _generator("zero_inflated_poisson", _Discrete, False, stats.poisson, "mu")
_HU_POISSON = _generator("hurdle_poisson", _Discrete, True, stats.poisson, "mu")
_ZI_NEGBINOMIAL = _generator(
    "zero_inflated_negbinomial", _Discrete, False, _negbinomial, "mu, shape"
)
_HU_NEGBINOMIAL = _generator("hurdle_negbinomial", _Discrete, True, _negbinomial, "mu, shape")
_ZI_BINOMIAL = _generator("zero_inflated_binomial", _Discrete, False, stats.binom, "n, theta")
_ZI_BETA = _generator("zero_inflated_beta", _Continuous, False, _beta, "mu, phi")
_HU_GAMMA = _generator("hurdle_gamma", _Continuous, True, _gamma, "mu, shape")
_HU_LOGNORMAL = _generator("hurdle_lognormal", _Continuous, True, _lognormal, "mu, sigma")


def zero_inflated_poisson_distribution(d: DparDraws) -> Any:
    """The response distribution at the draws ``(S, N)``.

    Examples
    --------
    >>> from pybrms.spec.families import LINKS
    >>> d = DparDraws({"mu": np.full((1, 1), 2.0), "zi": np.full((1, 1), 0.25)},
    ...               np.zeros((1, 1)), LINKS["log"], None, None)
    >>> dist = zero_inflated_poisson_distribution(d)
    >>> bool(np.isclose(dist.cdf(0)[0, 0], 0.25 + 0.75 * np.exp(-2.0)))
    True
    """
    return _ZI_POISSON(d["zi"], d["mu"])


def hurdle_poisson_distribution(d: DparDraws) -> Any:
    return _HU_POISSON(d["hu"], d["mu"])


def zero_inflated_negbinomial_distribution(d: DparDraws) -> Any:
    return _ZI_NEGBINOMIAL(d["zi"], d["mu"], d["shape"])


def hurdle_negbinomial_distribution(d: DparDraws) -> Any:
    return _HU_NEGBINOMIAL(d["hu"], d["mu"], d["shape"])


def zero_inflated_binomial_distribution(d: DparDraws) -> Any:
    assert d.trials is not None  # zero_inflated_binomial requires trials()
    return _ZI_BINOMIAL(d["zi"], d.trials, d["mu"])


def zero_inflated_beta_distribution(d: DparDraws) -> Any:
    return _ZI_BETA(d["zi"], d["mu"], d["phi"])


def hurdle_gamma_distribution(d: DparDraws) -> Any:
    return _HU_GAMMA(d["hu"], d["mu"], d["shape"])


def hurdle_lognormal_distribution(d: DparDraws) -> Any:
    return _HU_LOGNORMAL(d["hu"], d["mu"], d["sigma"])
