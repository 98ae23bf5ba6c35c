"""User priors, as brms's ``prior()``: validated rows that ``+`` combines into a table.

A prior string ends up in Stan code, so it is parsed strictly before anything
else: a distribution from :data:`DISTRIBUTIONS` called with numeric literals
(``"normal(0, 1)"``, ``"student_t(3, 0, 2.5)"``, ``"constant(1)"``), or ``""``
for a flat prior. Nothing else gets through, and code generation renders the
parsed :class:`Dist`, never the user's text. The shrinkage priors ``horseshoe(...)``
and ``R2D2(...)`` on the whole class ``b`` are parsed by :mod:`pybrms.shrinkage`.
Default priors are built by
:mod:`pybrms.spec`; this module is the user-facing syntax side.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from numbers import Real

import pandas as pd

from pybrms.errors import SpecError
from pybrms.shrinkage import SHRINKAGE_PRIORS, Shrinkage, parse_shrinkage

__all__ = [
    "CLASSES",
    "DISTRIBUTIONS",
    "Dist",
    "Prior",
    "Priors",
    "parse_prior",
    "prior",
]

_REAL, _POSITIVE, _UNIT = "real", "positive", "between 0 and 1"

# Each distribution's arguments, by Stan's names, with the values Stan accepts.
_ARGUMENTS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "beta": (("alpha", _POSITIVE), ("beta", _POSITIVE)),
    "beta_proportion": (("mu", _UNIT), ("kappa", _POSITIVE)),
    "cauchy": (("mu", _REAL), ("sigma", _POSITIVE)),
    # brms's dirichlet(a) on a simplex: concentration a for every element
    "dirichlet": (("alpha", _POSITIVE),),
    "chi_square": (("nu", _POSITIVE),),
    "constant": (("value", _REAL),),
    "double_exponential": (("mu", _REAL), ("sigma", _POSITIVE)),
    "exp_mod_normal": (("mu", _REAL), ("sigma", _POSITIVE), ("lambda", _POSITIVE)),
    "exponential": (("beta", _POSITIVE),),
    "frechet": (("alpha", _POSITIVE), ("sigma", _POSITIVE)),
    "gamma": (("alpha", _POSITIVE), ("beta", _POSITIVE)),
    "gumbel": (("mu", _REAL), ("beta", _POSITIVE)),
    "inv_chi_square": (("nu", _POSITIVE),),
    "inv_gamma": (("alpha", _POSITIVE), ("beta", _POSITIVE)),
    "lkj": (("eta", _POSITIVE),),
    "lkj_corr_cholesky": (("eta", _POSITIVE),),
    "logistic": (("mu", _REAL), ("sigma", _POSITIVE)),
    "lognormal": (("mu", _REAL), ("sigma", _POSITIVE)),
    "normal": (("mu", _REAL), ("sigma", _POSITIVE)),
    "pareto": (("y_min", _POSITIVE), ("alpha", _POSITIVE)),
    "pareto_type_2": (("mu", _REAL), ("lambda", _POSITIVE), ("alpha", _POSITIVE)),
    "rayleigh": (("sigma", _POSITIVE),),
    "scaled_inv_chi_square": (("nu", _POSITIVE), ("sigma", _POSITIVE)),
    "skew_double_exponential": (("mu", _REAL), ("sigma", _POSITIVE), ("tau", _UNIT)),
    "skew_normal": (("xi", _REAL), ("omega", _POSITIVE), ("alpha", _REAL)),
    "std_normal": (),
    "student_t": (("nu", _POSITIVE), ("mu", _REAL), ("sigma", _POSITIVE)),
    "uniform": (("alpha", _REAL), ("beta", _REAL)),
    "von_mises": (("mu", _REAL), ("kappa", _POSITIVE)),
    "weibull": (("alpha", _POSITIVE), ("sigma", _POSITIVE)),
}
_RULES = {
    _REAL: lambda v: True,
    _POSITIVE: lambda v: v > 0,
    _UNIT: lambda v: 0 < v < 1,
}

#: Stan distributions allowed in a prior string, with their number of arguments.
#: ``constant(x)`` is brms's way to fix a parameter at ``x``.
DISTRIBUTIONS: Mapping[str, int] = {name: len(args) for name, args in _ARGUMENTS.items()}

#: Parameter classes a prior can be set on, as in brms, besides the distributional
#: parameters of the families (``sigma``, ``shape``, ``zi``, ...).
CLASSES: tuple[str, ...] = (
    "b",
    "Intercept",
    "sd",
    "cor",
    "L",
    "df",
    "simo",
    "sds",
    "sdgp",
    "lscale",
    "ar",
    "ma",
    "rescor",
    "meanme",
    "sdme",
)

# Classes of mixtures only: the joint simplex theta (and theta<k>).
_MIXTURE_CLASSES = frozenset({"theta"})
_SIMPLEX_CLASSES = frozenset({"simo", "theta"})

# Correlation priors and the classes they belong to: each needs the other.
_CORRELATION_DISTRIBUTIONS = frozenset({"lkj", "lkj_corr_cholesky"})
_CORRELATION_CLASSES = frozenset({"cor", "L", "rescor"})

_CALL = re.compile(r"\s*(\w+)\s*\((.*)\)\s*", re.DOTALL)
_NUMBER = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*")
_EXPECTED = (
    "expected a distribution call with numeric arguments, such as 'normal(0, 1)', "
    "'student_t(3, 0, 2.5)' or 'constant(1)', or '' for a flat prior"
)


def _format_number(value: float) -> str:
    """Print a number as brms does in prior strings (``3``, ``1.4``, ``-0.5``)."""
    return str(int(value)) if value.is_integer() else repr(value)


def _is_finite_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Dist:
    """A prior distribution: a name from :data:`DISTRIBUTIONS` and numeric arguments.

    The name, the number of arguments and their finiteness are checked on
    construction, so a Dist is always safe to render into Stan code.

    Attributes
    ----------
    name : str
        Stan distribution name, or ``"constant"``.
    args : tuple of float
        The arguments.

    Examples
    --------
    >>> str(Dist("student_t", (3, 0, 2.5)))
    'student_t(3, 0, 2.5)'
    >>> Dist("constant", (1,)).is_constant
    True
    """

    name: str
    args: tuple[float, ...]

    def __post_init__(self) -> None:
        if self.name not in DISTRIBUTIONS:
            raise SpecError(
                f"unknown prior distribution {self.name!r}; allowed: {', '.join(DISTRIBUTIONS)}"
            )
        arity = DISTRIBUTIONS[self.name]
        if len(self.args) != arity:
            raise SpecError(
                f"{self.name}() takes {arity} argument{'s' * (arity != 1)}, got {len(self.args)}"
            )
        if not all(_is_finite_number(a) for a in self.args):
            raise SpecError(
                f"the arguments of {self.name}() must be finite numbers, got {self.args}"
            )
        object.__setattr__(self, "args", tuple(float(a) for a in self.args))
        for (arg, rule), value in zip(_ARGUMENTS[self.name], self.args, strict=True):
            if not _RULES[rule](value):
                raise SpecError(
                    f"argument {arg} of {self.name}() must be {rule}, got {_format_number(value)}"
                )
        if self.name == "uniform" and not self.args[0] < self.args[1]:
            raise SpecError(
                f"the lower limit alpha={_format_number(self.args[0])} of uniform() must be "
                f"below its upper limit beta={_format_number(self.args[1])}"
            )

    def __str__(self) -> str:
        return f"{self.name}({', '.join(_format_number(a) for a in self.args)})"

    @property
    def arg_names(self) -> tuple[str, ...]:
        """Stan's names of the arguments (``("nu", "mu", "sigma")`` for student_t)."""
        return tuple(name for name, _ in _ARGUMENTS[self.name])

    @property
    def is_constant(self) -> bool:
        """Whether the prior fixes the parameter (``constant(x)``)."""
        return self.name == "constant"


def parse_prior(text: str) -> Dist | Shrinkage | None:
    """Parse a prior string strictly: ``name(number, ...)``, a shrinkage prior, or ``""``
    for flat (None).

    Parameters
    ----------
    text : str
        The prior as the user wrote it.

    Returns
    -------
    Dist, Horseshoe, R2D2 or None
        None for the flat prior ``""``; :mod:`pybrms.shrinkage` parses the shrinkage priors.

    Raises
    ------
    SpecError
        If `text` is anything but an allowed distribution called with numeric
        literals; the message names `text` and what is expected.

    Examples
    --------
    >>> parse_prior("normal(0, 2.5)")
    Dist(name='normal', args=(0.0, 2.5))
    >>> parse_prior("") is None
    True
    >>> str(parse_prior("horseshoe(df=3, par_ratio=0.1)"))
    'horseshoe(df = 3, par_ratio = 0.1)'
    """
    if not isinstance(text, str):
        raise SpecError(f"a prior must be a string, got {type(text).__name__}; {_EXPECTED}")
    if not text.strip():
        return None
    call = _CALL.fullmatch(text)
    if call is None:
        raise SpecError(f"invalid prior {text!r}: {_EXPECTED}")
    name, inner = call.groups()
    if name in SHRINKAGE_PRIORS:
        return parse_shrinkage(text)
    written = inner.split(",") if inner.strip() else []
    numbers = [_NUMBER.fullmatch(arg) for arg in written]
    for arg, number in zip(written, numbers, strict=True):
        if number is None:
            raise SpecError(
                f"invalid prior {text!r}: argument {arg.strip()!r} is not a number; {_EXPECTED}"
            )
    try:
        return Dist(name, tuple(float(n.group(1)) for n in numbers if n is not None))
    except SpecError as exc:
        raise SpecError(f"invalid prior {text!r}: {exc}") from None


@dataclass(frozen=True)
class Prior:
    """One user prior: a row of brms's prior table.

    Attributes
    ----------
    prior : str
        The prior as written, e.g. ``"normal(0, 1)"``; ``""`` is flat.
    class_ : str
        Parameter class, one of :data:`CLASSES` or a family's distributional parameter.
    coef : str
        Coefficient name within the class (``"x"`` for ``b_x``), or ``""`` for all.
    group : str
        Grouping factor for ``sd``/``cor``/``L`` priors, or ``""``.
    dpar : str
        Distributional parameter whose formula the prior belongs to, or ``""`` for mu.
    lb, ub : float or None
        Bounds of the parameter; only for class ``b`` without ``coef``, as in brms.
    nlpar : str
        Non-linear parameter whose formula the prior belongs to, or ``""``.
    source : str
        ``"user"``.
    resp : str
        Response of a multivariate model the prior belongs to (``"y1"``), or ``""``.
    dist : Dist, Horseshoe, R2D2 or None
        The parsed prior (None when flat); set from `prior`, not compared.
    """

    prior: str
    class_: str = "b"
    coef: str = ""
    group: str = ""
    dpar: str = ""
    lb: float | None = None
    ub: float | None = None
    nlpar: str = ""
    source: str = "user"
    resp: str = ""
    dist: Dist | Shrinkage | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dist", parse_prior(self.prior))
        if self.dpar and self.nlpar:
            raise SpecError(
                f"prior {self.prior!r} names both dpar={self.dpar!r} and nlpar={self.nlpar!r}; "
                "give one of them"
            )
        if not isinstance(self.dist, Dist | None):
            _check_shrinkage(self)
            return
        _check_class(self.class_, self.dist)
        _check_bounds(self.class_, self.coef, self.lb, self.ub)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The row's key in the prior table: ``(class, coef, group, dpar or nlpar)``
        (brms forbids a non-linear parameter named like a distributional one), the
        response of a multivariate model as a suffix (``sigma_y1``)."""
        # here: pybrms.spec imports this module
        from pybrms.spec.names import with_resp

        return (self.class_, self.coef, self.group, with_resp(self.dpar or self.nlpar, self.resp))


def _check_shrinkage(row: Prior) -> None:
    """As brms: a shrinkage prior goes on the whole class ``b`` of one predictor, unbounded."""
    where = f"prior {row.prior!r}"
    example = f"e.g. prior({row.prior!r}, class_='b')"
    if row.class_ != "b":
        raise SpecError(
            f"{where} on class {row.class_!r}: shrinkage priors are only for the "
            f"population-level effects, class 'b'; {example}"
        )
    if row.coef or row.group:
        given = f"coef={row.coef!r}" if row.coef else f"group={row.group!r}"
        raise SpecError(
            f"{where} with {given}: shrinkage priors go on the whole class 'b' of a "
            f"predictor (coef='', group=''), as in brms; {example}"
        )
    if row.lb is not None or row.ub is not None:
        raise SpecError(
            f"{where} with bounds (lb, ub): the coefficients of a shrinkage prior cannot be "
            "bounded, as in brms"
        )


def _check_class(class_: str, dist: Dist | None) -> None:
    # here: pybrms.spec imports this module
    from pybrms.spec.families import DPAR_NAMES
    from pybrms.spec.families.mixture import dpar_class

    # a mixture's parameters carry their component's number (sigma1, theta2); any other
    # lower-case name may be a custom family's parameter, which the model checks (as brms)
    base = dpar_class(class_)
    known = class_ in CLASSES or base in DPAR_NAMES or base in _MIXTURE_CLASSES
    if not known and not re.fullmatch(r"[a-z][a-z0-9]*", class_):
        valid = ", ".join((*CLASSES, *DPAR_NAMES, "theta"))
        raise SpecError(
            f"unknown prior class {class_!r}; valid classes: {valid}, "
            "or the name of a custom family's parameter"
        )
    if dist is None:
        return
    if (dist.name == "dirichlet") != (class_ in _SIMPLEX_CLASSES):
        raise SpecError(
            f"prior {str(dist)!r} on class {class_!r}: the simplexes of monotonic effects "
            "(class simo) and of a mixture's proportions (class theta) take only dirichlet "
            "priors, and dirichlet priors are only for them, "
            "e.g. prior('dirichlet(2)', class_='simo', coef='mox1')"
        )
    if dist.is_constant:
        if class_ in _CORRELATION_CLASSES:
            raise SpecError(
                f"prior {str(dist)!r} on class {class_!r}: correlations cannot be fixed with "
                "constant(); constant() fixes b, Intercept, sd and family parameters"
            )
        return
    if (dist.name in _CORRELATION_DISTRIBUTIONS) != (class_ in _CORRELATION_CLASSES):
        raise SpecError(
            f"prior {str(dist)!r} on class {class_!r}: lkj priors are for the classes "
            "cor, L and rescor, and those classes take only lkj priors, "
            "e.g. prior('lkj(2)', class_='cor')"
        )


def _check_bounds(class_: str, coef: str, lb: float | None, ub: float | None) -> None:
    if lb is None and ub is None:
        return
    for side, value in (("lb", lb), ("ub", ub)):
        if value is not None and not _is_finite_number(value):
            raise SpecError(f"the bound {side} must be a finite number or None, got {value!r}")
    if class_ != "b" or coef:
        raise SpecError(
            "bounds (lb, ub) can only be set on the whole class 'b' (coef=''), as in brms"
        )
    if lb is not None and ub is not None and not lb < ub:
        raise SpecError(f"the lower bound lb={lb} must be below the upper bound ub={ub}")


_FRAME_COLUMNS = ("prior", "class", "coef", "group", "resp", "dpar", "nlpar", "lb", "ub", "source")


@dataclass(frozen=True)
class Priors:
    """An ordered collection of user priors; ``+`` concatenates two collections.

    Each ``(class, coef, group, dpar)`` key may appear once.

    Examples
    --------
    >>> p = prior("normal(0, 1)") + prior("exponential(1)", class_="sd", group="g")
    >>> len(p), [r.class_ for r in p]
    (2, ['b', 'sd'])
    """

    rows: tuple[Prior, ...] = ()

    def __post_init__(self) -> None:
        seen: set[tuple[str, str, str, str]] = set()
        for row in self.rows:
            if row.key in seen:
                where = f"nlpar={row.nlpar!r}" if row.nlpar else f"dpar={row.dpar!r}"
                where += f", resp={row.resp!r}" if row.resp else ""
                raise SpecError(
                    f"duplicated prior for class_={row.class_!r}, coef={row.coef!r}, "
                    f"group={row.group!r}, {where}"
                )
            seen.add(row.key)

    def __add__(self, other: Priors) -> Priors:
        if not isinstance(other, Priors):
            return NotImplemented
        return Priors(self.rows + other.rows)

    def __iter__(self) -> Iterator[Prior]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def to_frame(self) -> pd.DataFrame:
        """Return the priors as a DataFrame with brms's columns.

        Missing bounds are empty strings, as brms prints them.

        Examples
        --------
        >>> prior("normal(0, 1)", coef="x").to_frame().iloc[0].to_dict()["coef"]
        'x'
        """
        records = [
            (
                row.prior,
                row.class_,
                row.coef,
                row.group,
                row.resp,
                row.dpar,
                row.nlpar,
                "" if row.lb is None else row.lb,
                "" if row.ub is None else row.ub,
                row.source,
            )
            for row in self.rows
        ]
        return pd.DataFrame.from_records(records, columns=list(_FRAME_COLUMNS))


def prior(
    prior: str,
    class_: str = "b",
    coef: str = "",
    group: str = "",
    dpar: str = "",
    lb: float | None = None,
    ub: float | None = None,
    nlpar: str = "",
    resp: str = "",
) -> Priors:
    """Set a prior, as brms's ``prior()``; combine several with ``+``.

    Parameters
    ----------
    prior : str
        A distribution call with numeric arguments (see :data:`DISTRIBUTIONS`),
        ``"constant(x)"`` to fix the parameter, or ``""`` for a flat prior.
    class_ : str, default "b"
        Parameter class, one of :data:`CLASSES` or a family's distributional parameter.
    coef : str, optional
        A single coefficient of the class, e.g. ``"zAge"``.
    group : str, optional
        Grouping factor for ``sd``, ``cor`` and ``L`` priors.
    dpar : str, optional
        Distributional parameter whose formula the prior belongs to (``"sigma"``).
    lb, ub : float, optional
        Bounds for the population-level effects (class ``b``).
    nlpar : str, optional
        Non-linear parameter whose formula the prior belongs to (``"a"`` of
        ``bf("y ~ a * exp(b * x)", "a ~ 1", "b ~ 1", nl=True)``).
    resp : str, optional
        Response of a multivariate model the prior belongs to (``"y1"`` of
        ``"mvbind(y1, y2) ~ x"``), as brms's ``resp``.

    Returns
    -------
    Priors
        A one-row collection.

    Raises
    ------
    SpecError
        If the prior string is not a safe distribution call, the class is unknown,
        or the bounds are invalid.

    Examples
    --------
    >>> p = prior("normal(0, 1)", class_="b") + prior("student_t(3, 0, 2.5)", class_="sd")
    >>> p.to_frame()[["prior", "class"]]
                      prior class
    0          normal(0, 1)     b
    1  student_t(3, 0, 2.5)    sd
    >>> next(iter(prior("constant(1)", class_="sigma"))).dist.is_constant
    True
    """
    return Priors((Prior(prior, class_, coef, group, dpar, lb, ub, nlpar, resp=resp),))
