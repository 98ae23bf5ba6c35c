"""brms's ``custom_family()``: a family whose density the user writes in Stan.

The user names the distributional parameters, their links and bounds, the type of
the response and the data the density reads (``vint()``/``vreal()``), and gives
the density's Stan code through :func:`pybrms.stanvar`. The record is built like
every other (:class:`~pybrms.spec.families.records.Family`); its post-processing
calls the numpy functions the user passes, with this signature::

    log_lik(y, dpars, vars) -> (S, N)      # log density of the responses y (N,)
    posterior_predict(dpars, vars, rng) -> (S, N)
    posterior_epred(dpars, vars) -> (S, N)

``dpars`` maps ``"mu"`` and the other parameters to draws on the response scale,
``(S, N)`` when predicted, ``(S, 1)`` when estimated as one value; ``vars`` maps
``"vint1"``, ``"vreal1"``, ... to their values per row, ``(N,)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pybrms.errors import SpecError
from pybrms.spec.families.parts import WEIGHTS
from pybrms.spec.families.records import (
    FLAT,
    LINKS,
    Dpar,
    DparDraws,
    Family,
    StanLikelihood,
    Support,
)

__all__ = ["custom_record"]

_VAR = re.compile(r"(?P<name>v(?:int|real)[1-9][0-9]*)(?:\[n\])?")

LogLik = Callable[[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]], np.ndarray]
Predict = Callable[[dict[str, np.ndarray], dict[str, np.ndarray], np.random.Generator], np.ndarray]
Epred = Callable[[dict[str, np.ndarray], dict[str, np.ndarray]], np.ndarray]


def _nowhere(y: np.ndarray) -> np.ndarray:
    return np.zeros(y.shape, bool)


def _not_integer(y: np.ndarray) -> np.ndarray:
    return y != np.round(y)


_REAL = Support("real", _nowhere, discrete=False)
_INT = Support("an integer", _not_integer, discrete=True)


@dataclass(frozen=True)
class _UserFunctions:
    """The user's numpy functions, adapted to the record's signatures; a missing one
    raises a :class:`SpecError` naming the argument of ``custom_family()`` it needs."""

    family: str
    log_lik_fn: LogLik | None
    predict_fn: Predict | None
    epred_fn: Epred | None

    def _missing(self, method: str, argument: str) -> SpecError:
        return SpecError(
            f"{method} of custom family {self.family!r} needs a numpy function: pass "
            f"custom_family(..., {argument}=...) (see pybrms.custom_family)."
        )

    def log_lik(self, d: DparDraws, y: np.ndarray) -> np.ndarray:
        if self.log_lik_fn is None:
            raise self._missing("log_lik", "log_lik")
        return np.asarray(self.log_lik_fn(y, d.dpars, d.vars), dtype=float)

    def predict(self, d: DparDraws, rng: np.random.Generator) -> np.ndarray:
        if self.predict_fn is None:
            raise self._missing("posterior_predict", "posterior_predict")
        return np.asarray(self.predict_fn(d.dpars, d.vars, rng))

    def epred(self, d: DparDraws) -> np.ndarray:
        if self.epred_fn is None:
            raise self._missing("posterior_epred", "posterior_epred")
        return np.asarray(self.epred_fn(d.dpars, d.vars), dtype=float)


def _as_list(value: object, n: int, what: str, name: str) -> list:
    """``value`` repeated ``n`` times if it is one value, else as a list of length ``n``."""
    if value is None or isinstance(value, str | int | float):
        return [value] * n
    items = list(value)  # type: ignore[call-overload]
    if len(items) != n:
        raise SpecError(
            f"custom_family({name!r}): {what} has {len(items)} entries but dpars has {n}; "
            "give one per parameter (or a single value for all)."
        )
    return items


def _bound(value: object, side: str, dpar: str, name: str) -> float | None:
    if value is None or isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(
            f"custom_family({name!r}): {side} of {dpar!r} must be a number or None, got {value!r}."
        )
    return float(value)


def _dpar(name: str, link: str, lb: float | None, ub: float | None) -> Dpar:
    """A custom parameter with brms's default priors (``def_dpar_prior``): those of the
    built-in parameter of the same name (``phi``: ``gamma(0.01, 0.01)``; the intercept of
    its formula as the built-in one's unless the link is the identity), else flat."""
    # here: the registry imports this module
    from pybrms.spec.families import FAMILIES

    known = next((d for f in FAMILIES.values() for d in f.dpars if d.name == name), None)
    if known is None:
        return Dpar(name, "", lb, ub, link, FLAT, intercept_prior=FLAT)
    default = known.default_prior
    intercept = known.intercept_prior if link != "identity" or callable(default) else default
    return Dpar(name, known.comment, lb, ub, link, known.default_prior, intercept)


def _vars(vars: Sequence[str] | str | None, name: str) -> tuple[str, ...]:
    """The Stan data the density reads after the parameters: ``vint1``, ``vreal2``
    (brms writes ``vint1[n]``; pybrms indexes them itself, in both programs)."""
    items = [] if vars is None else [vars] if isinstance(vars, str) else list(vars)
    out = []
    for item in items:
        match = _VAR.fullmatch(str(item).replace(" ", ""))
        if match is None:
            raise SpecError(
                f"custom_family({name!r}): vars entry {item!r} is not supported; pybrms "
                "passes the data of vint() and vreal(): 'vint1', 'vint1[n]', 'vreal2', ..."
            )
        out.append(match["name"])
    return tuple(out)


def custom_record(
    name: str,
    dpars: Sequence[str],
    links: Sequence[str] | str,
    type: str,
    lb: Sequence[float | None] | float | None,
    ub: Sequence[float | None] | float | None,
    vars: Sequence[str] | str | None,
    loop: bool,
    functions: tuple[LogLik | None, Predict | None, Epred | None],
) -> Family:
    """The :class:`Family` record of a custom family; see :func:`pybrms.custom_family`.

    Examples
    --------
    >>> rec = custom_record("f", ["mu", "phi"], ["logit", "log"], "int", [0, 0], [1, None],
    ...                     ["vint1[n]"], True, (None, None, None))
    >>> rec.links, rec.dpar("phi").lb, rec.stan.arguments
    (('logit',), 0.0, ('mu', 'phi', 'vint1'))
    """
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        raise SpecError(
            f"custom_family(name={name!r}): the name must be a Stan identifier "
            "(letters, digits, underscores), as it names the density <name>_lpdf or _lpmf."
        )
    names = [dpars] if isinstance(dpars, str) else list(dpars)
    if not names or names[0] != "mu":
        raise SpecError(
            f"custom_family({name!r}): the first parameter in dpars must be 'mu', got {names}."
        )
    # brms refuses a trailing number too: it would read as a mixture component (sigma2)
    bad = [d for d in names if not isinstance(d, str) or not re.fullmatch(r"[a-z][a-z0-9]*", d)]
    if bad or len(set(names)) != len(names):
        raise SpecError(
            f"custom_family({name!r}): dpars must be distinct lower-case names of letters "
            f"and digits, got {names}."
        )
    numbered = [d for d in names if d[-1].isdigit()]
    if numbered:
        raise SpecError(
            f"custom_family({name!r}): dpar {numbered[0]!r} ends with a number, which "
            "brms keeps for the components of mixtures (sigma2); rename it."
        )
    n = len(names)
    link_names = _as_list(links, n, "links", name)
    for dpar, link in zip(names, link_names, strict=True):
        if link not in LINKS:
            raise SpecError(
                f"custom_family({name!r}): unknown link {link!r} of {dpar!r}; "
                f"valid links: {', '.join(LINKS)}."
            )
    if type not in ("real", "int"):
        raise SpecError(f"custom_family({name!r}): type must be 'real' or 'int', got {type!r}.")
    lbs = [
        _bound(v, "lb", d, name) for v, d in zip(_as_list(lb, n, "lb", name), names, strict=True)
    ]
    ubs = [
        _bound(v, "ub", d, name) for v, d in zip(_as_list(ub, n, "ub", name), names, strict=True)
    ]
    records = tuple(_dpar(*args) for args in zip(names, link_names, lbs, ubs, strict=True))[1:]
    discrete = type == "int"
    user = _UserFunctions(name, *functions)
    stan = StanLikelihood(
        "custom",
        {link_names[0]: (name, True)},
        vectorized=not loop,
        arguments=(*names, *_vars(vars, name)),
    )
    return Family(
        name,
        links=(link_names[0],),
        dpars=records,
        support=_INT if discrete else _REAL,
        additions=WEIGHTS | {"vint", "vreal"},
        stan=stan,
        log_lik=user.log_lik,
        epred=user.epred,
        predict=user.predict,
    )
