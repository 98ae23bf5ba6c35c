"""The prior table: brms's default priors, user priors merged in by key, Stan statements.

As ``brmsprior`` in brms, one table lists every prior that can be set, keyed by
``(class, coef, group, dpar)``. Terms say which rows they contribute
(:class:`PriorRow`) and which Stan variables the rows govern
(:class:`PriorTarget`); :func:`prior_statements` resolves each element to its
most specific prior and groups elements with the same prior into one
vectorized statement, and :func:`constants` lists the elements that
``constant(x)`` priors fix instead (:class:`Constants`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.priors import Dist
from pybrms.shrinkage import Shrinkage
from pybrms.spec.families import FLAT, LINKS, BoundFamily
from pybrms.spec.names import with_resp

__all__ = [
    "prior_dist",
    "Constants",
    "constants",
    "format_number",
    "PriorKey",
    "PriorRow",
    "PriorStatement",
    "PriorTable",
    "PriorTarget",
    "PriorValue",
    "prior_data",
    "prior_statements",
    "scale_prior",
    "user_bounds",
]

PriorKey = tuple[str, str, str, str]
"""``(class, coef, group, dpar)``; ``""`` for "any" and for ``mu``."""

# Distributions whose support starts at 0 (brms writes ``gamma_lpdf(shape | 0.01, 0.01)``
# bare, with no truncation at the parameter's lower bound 0).
_POSITIVE_SUPPORT = frozenset(
    {
        "gamma",
        "inv_gamma",
        "lognormal",
        "exponential",
        "chi_square",
        "inv_chi_square",
        "scaled_inv_chi_square",
        "weibull",
        "frechet",
        "rayleigh",
    }
)


def _support(dist: Dist) -> tuple[float, float]:
    """The interval where ``dist`` has positive density."""
    if dist.name == "uniform":
        return dist.args[0], dist.args[1]
    if dist.name in ("pareto", "pareto_type_2"):  # y_min or mu, upwards
        return dist.args[0], math.inf
    if dist.name in ("beta", "beta_proportion"):
        return 0.0, 1.0
    if dist.name == "von_mises":
        return -math.pi, math.pi
    if dist.name in _POSITIVE_SUPPORT:
        return 0.0, math.inf
    return -math.inf, math.inf


def format_number(value: float) -> str:
    """Print a number as R prints it in brms's prior strings (15 significant digits).

    Examples
    --------
    >>> format_number(3.0), format_number(1.4 - 1.0), format_number(-0.5)
    ('3', '0.4', '-0.5')
    """
    return f"{float(value):.15g}"


@dataclass(frozen=True)
class PriorRow:
    """One row of the prior table; ``prior`` None is brms's flat (improper) prior.

    A shrinkage prior (:mod:`pybrms.shrinkage`) on a class ``b`` sets no
    ``lprior`` statement: the term that owns the coefficients writes it
    (:mod:`pybrms.spec.shrinkage`).

    ``source`` is ``"default"``, ``"user"`` or ``"(vectorized)"`` (a coefficient
    row that inherits the prior of its class), as in brms's printout.
    """

    prior: Dist | Shrinkage | None
    cls: str
    coef: str = ""
    group: str = ""
    dpar: str = ""
    lb: float | None = None
    ub: float | None = None
    nlpar: str = ""
    source: str = "default"
    resp: str = ""

    @property
    def key(self) -> PriorKey:
        """The row's key, ``(class, coef, group, dpar)``; a non-linear parameter
        takes the place of the dpar (brms forbids an nlpar named like a dpar), and
        the response of a multivariate model suffixes it (``sigma_y1``, see
        :func:`~pybrms.spec.names.with_resp`)."""
        return (self.cls, self.coef, self.group, with_resp(self.dpar or self.nlpar, self.resp))


@dataclass(frozen=True)
class PriorTarget:
    """The Stan variable a set of table rows governs.

    Its bounds are those of its class row (the last key of each chain).

    Attributes
    ----------
    stan
        Stan variable, e.g. ``"b"``, ``"sd_1"``, ``"L_1"``, ``"sigma"``.
    chains
        One lookup chain per element, most specific key first; a scalar
        variable has one element and no index.
    scalar
        Whether the variable is a scalar (``real``) rather than a vector.
    ordered
        Whether the vector is ``ordered`` (ordinal thresholds): constant priors
        must then fix all of its elements, in increasing order, or none.
    label
        brms's name of the variable in the names of prior draws (``prior_<label>``):
        ``"b"``, ``"sd_g"``, ``"cor_g"``; ``""`` for the Stan name.
    element_labels
        brms's name of each element, for elements with a prior of their own
        (``prior_b_x``, ``prior_sd_g__x``).
    size
        Stan size of the correlation matrix a Cholesky factor ``L`` stands for
        (``"M_1"``), which draws from an lkj prior need; ``""`` otherwise.
    args
        Stan code of the prior's arguments when the term passes them as its own
        data (the concentration ``con_simo_1`` of a simplex, as brms); ``""``
        for arguments that are prior data (:class:`PriorValue`).
    row_size
        For a matrix whose rows are the elements (category-specific effects,
        a row of ``nthres`` per coefficient): the length of each row; 0 for a
        scalar or vector.
    ub
        The Stan variable of the variable's upper bound when the program computes
        it from the response (brms's ``min_Y``); ``""`` for a bound written as a number.
    """

    stan: str
    chains: tuple[tuple[PriorKey, ...], ...]
    scalar: bool = False
    ordered: bool = False
    label: str = ""
    element_labels: tuple[str, ...] = ()
    size: str = ""
    args: str = ""
    row_size: int = 0
    ub: str = ""

    def draw_label(self, element: int | None) -> str:
        """brms's label of the prior draws of the whole variable (``element`` None)
        or of its 1-based ``element``.

        Examples
        --------
        >>> t = PriorTarget("b", ((),) * 2, element_labels=("b_x", "b_z"))
        >>> t.draw_label(None), t.draw_label(2)
        ('b', 'b_z')
        """
        if element is None:
            return self.label or self.stan
        return self.element_labels[element - 1]


@dataclass(frozen=True)
class PriorValue:
    """A number of the prior statements: Stan data ``name`` (or a variable the program
    computes from data, brms's ``min_Y``), or a literal when ``name`` is "".

    Prior arguments and the bounds users set are data, filled in by
    :func:`pybrms.standata.make_standata`, so that the Stan program depends
    only on the model's structure: new data (a new response median or scale)
    or a new prior scale reuse the compiled program. ``comment`` describes the
    value without printing it, so that the code stays the same.

    Examples
    --------
    >>> PriorValue(2.5, "sd_1_prior_sigma").code, PriorValue(0.0).code
    ('sd_1_prior_sigma', '0')
    """

    value: float
    name: str = ""
    comment: str = ""

    @property
    def code(self) -> str:
        """The value as Stan code: its data name, or the literal."""
        return self.name or format_number(self.value)


@dataclass(frozen=True)
class PriorStatement:
    """One ``lprior +=`` statement: ``target`` gets ``dist``; ``n`` elements.

    ``lb`` and ``ub`` are the bounds at which the prior is truncated (None: not
    truncated): the bounds users set on class ``b`` (data), and the parameter's
    own bounds (literals, such as 0 for ``sd``) where they lie inside the support
    of ``dist``. As brms, the statement then subtracts ``n`` times the log of the
    prior mass between them (``lccdf(lb)``, ``lcdf(ub)`` or
    ``log_diff_exp(lcdf(ub), lcdf(lb))``), so that ``lprior`` is a normalized
    density. A bound set by the user at the edge of the support costs a zero term.
    """

    target: str
    dist: Dist
    n: int
    lb: PriorValue | None = None
    ub: PriorValue | None = None
    element: int | None = None
    own_args: str = ""
    matrix: bool = False

    @property
    def code(self) -> str:
        """The Stan expression the density is of: the target, a whole matrix as a vector."""
        return f"to_vector({self.target})" if self.matrix else self.target

    @property
    def variable(self) -> str:
        """The Stan variable the statement is on (``"b"`` for ``"b[2]"``)."""
        return self.target.partition("[")[0]

    @property
    def arg_values(self) -> tuple[PriorValue, ...]:
        """The distribution's arguments, as data ``<target>_prior_<argument>``; none
        when the term passes them as its own data (``own_args``)."""
        if self.own_args:
            return ()
        stem = self.target.replace("[", "_").rstrip("]")
        return tuple(
            PriorValue(value, f"{stem}_prior_{arg}", f"{arg} of the {self.dist.name} prior")
            for arg, value in zip(self.dist.arg_names, self.dist.args, strict=True)
        )

    @property
    def args(self) -> str:
        """The distribution's arguments as Stan code."""
        return self.own_args or ", ".join(v.code for v in self.arg_values)

    @property
    def lb_code(self) -> str:
        """The lower truncation bound as Stan code."""
        return "" if self.lb is None else self.lb.code

    @property
    def ub_code(self) -> str:
        """The upper truncation bound as Stan code."""
        return "" if self.ub is None else self.ub.code


@dataclass(frozen=True)
class PriorTable:
    """Every prior that can be set for one model, with defaults or user choices.

    Examples
    --------
    >>> t = PriorTable((PriorRow(None, "b"), PriorRow(None, "b", "x", source="(vectorized)")))
    >>> t.merge([PriorRow(Dist("normal", (0, 1)), "b", source="user")]).resolve(
    ...     (("b", "x", "", ""), ("b", "", "", "")))
    Dist(name='normal', args=(0.0, 1.0))
    """

    rows: tuple[PriorRow, ...]

    def by_key(self) -> dict[PriorKey, PriorRow]:
        """Rows indexed by key."""
        return {row.key: row for row in self.rows}

    def merge(self, user: Iterable[PriorRow]) -> PriorTable:
        """Replace rows by user rows with the same key; unknown keys are a SpecError.

        The error lists the keys the model has, so a misspelled class, coefficient
        or group is easy to fix.
        """
        rows = self.by_key()
        user = list(user)
        for row in user:
            if row.key not in rows:
                raise SpecError(
                    f"Prior {row.prior} on {_describe(row)} does not correspond to any "
                    f"model parameter. Priors can be set on:\n{self._listing()}"
                )
            default = rows[row.key]
            bounds = (
                (row.lb, row.ub)
                if row.lb is not None or row.ub is not None
                else (default.lb, default.ub)
            )
            rows[row.key] = replace(row, lb=bounds[0], ub=bounds[1], source="user")
        merged = PriorTable(tuple(rows.values()))
        for row in user:
            _check_support(row, merged.class_row(row.key))
        return merged

    def class_row(self, key: PriorKey) -> PriorRow:
        """The row of the whole class of ``key`` (``dpar`` kept), which holds its bounds."""
        cls, _, _, dpar = key
        rows = self.by_key()
        return rows.get((cls, "", "", dpar), rows[key])

    def resolve(self, chain: Sequence[PriorKey]) -> Dist | None:
        """The distribution of the first row in ``chain`` that sets a prior (None: flat, or
        a shrinkage prior, which sets no distribution)."""
        row = self.resolve_row(chain)
        return row.prior if row is not None and isinstance(row.prior, Dist) else None

    def resolve_row(self, chain: Sequence[PriorKey]) -> PriorRow | None:
        """The first row in ``chain`` that sets a prior (None: flat)."""
        rows = self.by_key()
        for key in chain:
            row = rows.get(key)
            if row is not None and row.prior is not None:
                return row
        return None

    def to_frame(self) -> pd.DataFrame:
        """brms's ``default_prior`` table.

        Columns prior, class, coef, group, resp, dpar, nlpar, lb, ub, source;
        ``(flat)`` is the improper flat prior.
        """
        records = [
            {
                "prior": "(flat)" if row.prior is None else str(row.prior),
                "class": row.cls,
                "coef": row.coef,
                "group": row.group,
                "resp": row.resp,
                "dpar": row.dpar,
                "nlpar": row.nlpar,
                "lb": "" if row.lb is None else format_number(row.lb),
                "ub": "" if row.ub is None else format_number(row.ub),
                "source": row.source,
            }
            for row in self.rows
        ]
        return pd.DataFrame.from_records(records)

    def _listing(self) -> str:
        return "\n".join(f"  {_describe(row)}" for row in self.rows)


def _describe(row: PriorRow) -> str:
    fields = zip(
        ("class", "coef", "group", "resp", "dpar", "nlpar"),
        (row.cls, row.coef, row.group, row.resp, row.dpar, row.nlpar),
        strict=True,
    )
    return ", ".join(f"{n}={v!r}" for n, v in fields if v or n == "class")


def _check_support(user: PriorRow, class_row: PriorRow) -> None:
    """Refuse a prior whose support does not cover the parameter's range.

    A prior bounded where the parameter is not (``gamma`` on an unbounded
    ``Intercept``, ``uniform(0, 1)`` on ``b`` bounded at -1) has zero density
    where the sampler may go.
    """
    prior = user.prior
    if not isinstance(prior, Dist) or prior.is_constant:
        return
    if user.cls == "cor" and prior.name != "lkj_corr_cholesky":
        raise SpecError(f"The only prior for correlations (class 'cor') is lkj(eta), got {prior}.")
    if user.cls != "cor" and prior.name == "lkj_corr_cholesky":
        raise SpecError(f"lkj priors are only for class 'cor', not {_describe(user)}.")
    low, high = _support(prior)
    where = _describe(user)
    for side, limit, bound, outside in (
        ("below", low, class_row.lb, lambda b: b < low),
        ("above", high, class_row.ub, lambda b: b > high),
    ):
        if math.isinf(limit):
            continue
        if bound is None:
            raise SpecError(
                f"Prior {prior} is bounded {side} (at {format_number(limit)}) but {where} is "
                "not; choose a prior defined on the whole real line, or bound the parameter "
                "(lb, ub on class 'b')."
            )
        if outside(bound):
            raise SpecError(
                f"Prior {prior} is bounded {side} at {format_number(limit)}, beyond which "
                f"{where} may go (its bound is {format_number(bound)}); choose bounds within "
                "the support of the prior."
            )


def prior_dist(default: tuple[str, tuple[float, ...]]) -> Dist | None:
    """The prior of a family's default (``("gamma", (0.01, 0.01))``); None for :data:`FLAT`.

    Examples
    --------
    >>> str(prior_dist(("gamma", (0.01, 0.01)))), prior_dist(FLAT)
    ('gamma(0.01, 0.01)', None)
    """
    return None if default == FLAT else Dist(*default)


def scale_prior(
    y: np.ndarray,
    bound: BoundFamily,
    link: str,
    *,
    center: bool = True,
    offset_mean: float = 0.0,
) -> Dist:
    """brms's ``def_scale_prior``: a student-t scaled to the link-transformed response.

    ``student_t(3, location, max(2.5, round(mad(link(y)), 1)))``; the location is
    0 when ``center`` is true, else ``round(median(link(y)), 1)`` minus the mean
    offset. Responses are transformed only for the links identity, log,
    inverse and sqrt (log-scale families such as lognormal always use log);
    zeros become 0.1 before log and inverse.

    Examples
    --------
    >>> from pybrms.spec.families import family
    >>> y = np.array([0, 1, 2, 5, 9, 30])
    >>> str(scale_prior(y, family("poisson"), "log", center=False))
    'student_t(3, 1.2, 2.5)'
    """
    location, scale = 0.0, 2.5
    link = "log" if bound.family.log_scale else link
    transform = LINKS[link].transform
    if transform is not None and np.issubdtype(np.asarray(y).dtype, np.number):
        values = np.asarray(y, dtype=float)
        if link in ("log", "inverse"):
            values = np.where(values == 0, 0.1, values)
        with np.errstate(all="ignore"):
            y_link = transform(values)
        scale_y = round(_mad(y_link), 1)
        if np.isfinite(scale_y):
            scale = max(scale, scale_y)
        if not center:
            location_y = round(float(np.median(y_link)), 1)
            if np.isfinite(location_y):
                # R prints 15 significant digits: 1.4 - 1 shows as 0.4
                location = float(format_number(location_y - offset_mean))
    return Dist("student_t", (3, location, scale))


def _mad(x: np.ndarray) -> float:
    """R's ``mad``: median absolute deviation times 1.4826 (NaN if any value is NaN)."""
    if np.isnan(x).any():
        return float("nan")
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def user_bounds(
    table: PriorTable, target: PriorTarget
) -> tuple[PriorValue | None, PriorValue | None]:
    """The bounds users set on the class of ``target`` (class ``b`` only), as data.

    Named ``lb_<variable>`` and ``ub_<variable>``; they bound the declaration of
    the variable and truncate its prior.

    Examples
    --------
    >>> table = PriorTable((PriorRow(None, "b", lb=0.0),))
    >>> user_bounds(table, PriorTarget("b", ((("b", "", "", ""),),)))
    (PriorValue(value=0.0, name='lb_b', comment='lower bound of b'), None)
    """
    row = table.class_row(target.chains[0][-1])
    if row.cls != "b":
        return None, None

    def bound(side: str, what: str, value: float | None) -> PriorValue | None:
        name = f"{side}_{target.stan}"
        return None if value is None else PriorValue(float(value), name, f"{what} of {target.stan}")

    return bound("lb", "lower bound", row.lb), bound("ub", "upper bound", row.ub)


def prior_statements(table: PriorTable, targets: Iterable[PriorTarget]) -> list[PriorStatement]:
    """``lprior`` statements for all targets, in order, vectorized where brms would.

    A vector whose elements all take their prior from the same row of the table
    gets one statement on the whole vector; otherwise each element with a
    (non-flat) prior gets its own. Which rows set priors decides this, never the
    priors' arguments, so that these can be data (:class:`PriorValue`).
    Priors are truncated at the bounds of the class (:class:`PriorStatement`).
    Constant priors produce no statement (the parameter is fixed instead).

    Examples
    --------
    >>> table = PriorTable((PriorRow(Dist("student_t", (3, 0, 2.5)), "sd", lb=0.0),))
    >>> target = PriorTarget("sd_1", ((("sd", "", "", ""),),) * 2)
    >>> [(s.target, s.args, s.n, s.lb_code) for s in prior_statements(table, [target])]
    [('sd_1', 'sd_1_prior_nu, sd_1_prior_mu, sd_1_prior_sigma', 2, '0')]
    """
    out: list[PriorStatement] = []
    for target in targets:
        rows = [table.resolve_row(chain) for chain in target.chains]
        groups: list[tuple[str, PriorRow | None, int, int | None]]
        size = target.row_size or 1
        if len({None if row is None else row.key for row in rows}) == 1:
            groups = [(target.stan, rows[0], len(rows) * size, None)]
        else:
            groups = [(f"{target.stan}[{k}]", row, size, k) for k, row in enumerate(rows, start=1)]
        class_row = table.class_row(target.chains[0][-1])
        user_lb, user_ub = user_bounds(table, target)
        for stan, row, n, element in groups:
            if row is None or not isinstance(row.prior, Dist) or row.prior.is_constant:
                continue
            low, high = _support(row.prior)
            lb = user_lb or _own_bound(class_row.lb, low, high)
            ub = user_ub or _own_bound(class_row.ub, low, high, target.ub)
            matrix = bool(target.row_size) and element is None
            out.append(PriorStatement(stan, row.prior, n, lb, ub, element, target.args, matrix))
    return out


def _own_bound(
    bound: float | None, low: float, high: float, variable: str = ""
) -> PriorValue | None:
    """A parameter's own bound, as a literal, if it truncates a prior with support (low, high).

    A bound the program computes from the response (its Stan ``variable``, brms's
    ``min_Y``) always truncates, as in brms: whether its value lies inside the support
    would make the program depend on the data.
    """
    if bound is None:
        return None
    if variable:
        return PriorValue(bound, variable)
    return PriorValue(bound) if low < bound < high else None


def prior_data(table: PriorTable, targets: Sequence[PriorTarget]) -> tuple[PriorValue, ...]:
    """Every number of the prior statements and declarations that is data, in order.

    The bounds users set on ``b``, then the arguments of each prior statement.

    Examples
    --------
    >>> table = PriorTable((PriorRow(Dist("normal", (0, 2)), "b", lb=0.0),))
    >>> target = PriorTarget("b", ((("b", "", "", ""),),) * 3)
    >>> {v.name: v.value for v in prior_data(table, [target])}
    {'lb_b': 0.0, 'b_prior_mu': 0.0, 'b_prior_sigma': 2.0}
    """
    values = [v for target in targets for v in user_bounds(table, target) if v is not None]
    values += [v for s in prior_statements(table, targets) for v in s.arg_values]
    return tuple(values)


@dataclass(frozen=True)
class Constants:
    """The elements of one Stan variable that ``constant(x)`` priors fix.

    As in brms (``stan_prior`` in ``R/stan-prior.R``), the variable is then
    declared in transformed parameters; each estimated element ``k`` of a vector
    becomes the parameter ``par_<variable>_<k>``, and the vector is assembled
    from those parameters and the constants.

    Attributes
    ----------
    target
        The variable.
    values
        Per element, its constant, or None when the element is estimated.

    Examples
    --------
    >>> c = Constants(PriorTarget("b", ((),) * 3), (None, 0.5, None))
    >>> c.estimated
    ('par_b_1', 'par_b_3')
    >>> c.assignments
    ('b[1] = par_b_1', 'b[2] = 0.5', 'b[3] = par_b_3')
    >>> Constants(PriorTarget("sd_1", ((),) * 2), (1.0, 1.0)).assignments
    ('sd_1 = rep_vector(1, rows(sd_1))',)
    """

    target: PriorTarget
    values: tuple[float | None, ...]

    @property
    def stan(self) -> str:
        """The Stan variable."""
        return self.target.stan

    @property
    def value(self) -> str:
        """The constant of a scalar variable, as Stan code."""
        return self._element(0)

    @property
    def estimated(self) -> tuple[str, ...]:
        """The parameters of the estimated elements, in order."""
        return tuple(self._element(k) for k, v in enumerate(self.values) if v is None)

    @property
    def assignments(self) -> tuple[str, ...]:
        """Stan statements assembling the vector (one ``rep_vector`` when a single
        constant fixes every element, as brms broadcasts a class prior)."""
        if len(set(self.values)) == 1 and self.values[0] is not None:
            return (f"{self.stan} = rep_vector({self._element(0)}, rows({self.stan}))",)
        return tuple(f"{self.stan}[{k + 1}] = {self._element(k)}" for k in range(len(self.values)))

    def _element(self, k: int) -> str:
        value = self.values[k]
        return f"par_{self.stan}_{k + 1}" if value is None else format_number(value)


def constants(table: PriorTable, targets: Iterable[PriorTarget]) -> list[Constants]:
    """The variables that ``constant(x)`` priors fix, in whole or in part, in order.

    Raises
    ------
    SpecError
        If a constant lies outside the bounds of its parameter, or constants fix
        only some ordered thresholds, or fix them in a not strictly increasing
        order; the message names the priors.

    Examples
    --------
    >>> table = PriorTable((PriorRow(None, "b"), PriorRow(Dist("constant", (0.5,)), "b", "x")))
    >>> chains = ((("b", "z", "", ""), ("b", "", "", "")), (("b", "x", "", ""), ("b", "", "", "")))
    >>> [c.values for c in constants(table, [PriorTarget("b", chains)])]
    [(None, 0.5)]
    """
    out = []
    for target in targets:
        resolved = [table.resolve_row(chain) for chain in target.chains]
        values = tuple(_constant(row) for row in resolved)
        fixing = [
            (row, value)
            for row, value in zip(resolved, values, strict=True)
            if row is not None and value is not None
        ]
        if not fixing:
            continue
        if target.row_size:
            named = _named(row for row, _ in fixing)
            raise SpecError(
                f"Prior {named} would fix category-specific effects ({target.stan!r}), which "
                "constant() priors cannot do yet; give them a proper prior instead."
            )
        class_row = table.class_row(target.chains[0][-1])
        for row, value in fixing:
            _check_within_bounds(row, value, class_row)
        if target.ordered:
            _check_ordered(target, [row for row, _ in fixing], values)
        out.append(Constants(target, values))
    return out


def _constant(row: PriorRow | None) -> float | None:
    if row is None or not isinstance(row.prior, Dist) or not row.prior.is_constant:
        return None
    return row.prior.args[0]


def _check_within_bounds(row: PriorRow, value: float, class_row: PriorRow) -> None:
    lb, ub = class_row.lb, class_row.ub
    if (lb is None or value >= lb) and (ub is None or value <= ub):
        return
    bounds = ", ".join(
        f"{side}={format_number(v)}" for side, v in (("lower", lb), ("upper", ub)) if v is not None
    )
    raise SpecError(
        f"Prior {row.prior} on {_describe(row)} lies outside the bounds of the "
        f"parameter ({bounds}); choose a constant within them."
    )


def _named(rows: Iterable[PriorRow]) -> str:
    """The priors of ``rows`` and what they are on, each once, for messages."""
    return ", ".join(dict.fromkeys(f"{row.prior} on {_describe(row)}" for row in rows))


def _check_ordered(
    target: PriorTarget, fixing: Sequence[PriorRow], values: Sequence[float | None]
) -> None:
    named = _named(fixing)
    if None in values:
        raise SpecError(
            f"Prior {named} fixes only some of the ordered thresholds {target.stan!r}, so the "
            "others could no longer be kept in order. Fix all thresholds or none: one "
            "constant() per threshold (coef='1', coef='2', ...), in increasing order."
        )
    fixed = [v for v in values if v is not None]
    if any(a >= b for a, b in itertools.pairwise(fixed)):
        shown = ", ".join(format_number(v) for v in fixed)
        raise SpecError(
            f"Prior {named} fixes the ordered thresholds {target.stan!r} at {shown}, which do "
            "not increase strictly. Give each threshold its own constant() "
            "(coef='1', coef='2', ...), in increasing order."
        )
