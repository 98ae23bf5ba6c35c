"""ModelSpec -> the plain values the templates render; every decision is made here.

The templates only print: which variable is sliced or indexed where, which
Stan distribution a family and link use, which priors become statements, and
the ``partial_log_lik`` signature (derived from the spec's likelihood
arguments) are all decided in this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pybrms._version import __version__
from pybrms.spec.default_priors import (
    PriorStatement,
    format_number,
    prior_data,
    prior_statements,
    user_bounds,
)
from pybrms.spec.model_spec import ModelSpec, Predictor, ScalarDpar
from pybrms.spec.terms import EtaPart, GroupEffects, StanArg

__all__ = ["Likelihood", "LocalVector", "Position", "render_context"]


@dataclass(frozen=True)
class Position:
    """Where the likelihood is evaluated: all rows, or rows ``start:end`` of a partial sum.

    Attributes
    ----------
    threaded
        Whether this is the partial sum of the threaded program.
    sliced
        The data array ``reduce_sum`` slices (threaded program only): inside the
        partial sum it holds rows ``start:end`` already, so it is read unsliced.
    """

    threaded: bool
    sliced: str = ""

    def rows(self, name: str) -> str:
        """All rows of the observation-indexed data ``name`` at this position."""
        return f"{name}[start:end]" if self.threaded and name != self.sliced else name

    def row(self, name: str) -> str:
        """Row ``n`` of the loop over this position's rows (``nn`` counts all rows)."""
        return f"{name}[nn]" if self.threaded and name != self.sliced else f"{name}[n]"


@dataclass(frozen=True)
class LocalVector:
    """A local ``vector[size] name = value;`` computed before the likelihood."""

    name: str
    size: str
    value: str


@dataclass(frozen=True)
class Likelihood:
    """Everything the shared ``likelihood`` macro renders at one position.

    Attributes
    ----------
    pos
        Where it is evaluated.
    family_template
        The family's template; its ``lpdf`` macro (or ``glm`` when ``glm``)
        renders the density call from ``args``.
    glm
        Call the family's GLM function with the design matrix and coefficients.
    args
        Arguments of the family macro (of row ``n`` when ``pointwise``).
    dpars
        Linear predictors computed as vectors first (those the GLM call does not take).
    pointwise
        The density is summed row by row: with weights, or for a family whose
        density takes one observation.
    weights
        Weight of row ``n`` (empty without weights).
    reads
        Every variable the likelihood reads, in order of first use: the
        ``partial_log_lik`` arguments.
    """

    pos: Position
    family_template: str
    glm: bool
    args: dict[str, str]
    dpars: tuple[LocalVector, ...]
    pointwise: bool
    weights: str
    reads: tuple[StanArg, ...]


@dataclass(frozen=True)
class _Fold:
    """The intercept of one dpar added to its ``k``-th group-level effects of ``group``."""

    intercept: str
    group: GroupEffects
    k: int

    @property
    def r(self) -> str:
        return self.group.r[self.k]

    @property
    def local(self) -> LocalVector:
        return LocalVector(
            f"{self.intercept}_{self.r}", self.group.stan("N"), f"{self.intercept} + {self.r}"
        )


def _folds(spec: ModelSpec) -> dict[str, _Fold]:
    """Per dpar with an intercept and a group-level effect whose ``Z`` is all ones
    (``(1 | g)``): the first such effect. The intercept is then added to the
    ``N_id`` effects once, not to each of the N rows, and the GLM functions take
    the sum, indexed by row, as their intercept vector."""
    out = {}
    for p in spec.predictors:
        if p.fixed is None or not p.fixed.intercept or p.fixed.thresholds:
            continue
        units = [(g, k) for g in p.groups for k, unit in enumerate(g.unit_Z) if unit]
        if units:
            out[p.dpar] = _Fold(p.fixed.stan("Intercept"), *units[0])
    return out


def shared_locals(spec: ModelSpec) -> tuple[LocalVector, ...]:
    """Vectors of parameters the likelihood reads, computed once in the model block
    (and passed to ``partial_log_lik`` in the threaded program): the folded intercepts."""
    return tuple(fold.local for fold in _folds(spec).values())


def _eta_parts(spec: ModelSpec, p: Predictor) -> list[EtaPart]:
    """The additive parts of ``p``'s linear predictor, the intercept folded (see :func:`_folds`)."""
    parts = [part for t in p.terms for part in t.eta_parts()]
    fold = _folds(spec).get(p.dpar)
    if fold is None:
        return parts
    folded = EtaPart(
        "group",
        StanArg(fold.local.name, "vector", False),
        StanArg(fold.group.stan("J"), "array[] int", True),
    )
    return [
        folded if part.value.name == fold.r else part for part in parts if part.kind != "intercept"
    ]


def _format(part: EtaPart, pos: Position) -> str:
    if part.kind == "intercept":
        return part.value.name
    if part.kind == "design":
        return f"{pos.rows(part.data.name)} * {part.value.name}"
    if part.kind == "offset":
        return pos.rows(part.value.name)
    code = f"{part.value.name}[{pos.rows(part.data.name)}]"
    return code if part.weight is None else f"{code} .* {pos.rows(part.weight.name)}"


def _part_reads(part: EtaPart) -> list[StanArg]:
    return [a for a in (part.data, part.weight, part.value) if a is not None]


def sliced_variable(spec: ModelSpec) -> StanArg:
    """What ``reduce_sum`` slices: an integer array the likelihood reads anyway (the
    response of discrete families, else the level index of a group-level term), so
    that the partial sum copies no extra data; brms's ``seq`` only when there is none."""
    if spec.family.family.discrete:
        return StanArg("Y", "array[] int", True)
    if spec.groups:
        return StanArg(spec.groups[0].stan("J"), "array[] int", True)
    return StanArg("seq", "array[] int", False)


def _use_glm(spec: ModelSpec, parts: list[EtaPart]) -> bool:
    """Whether mu goes through Stan's GLM function: as brms, when the family and link
    have one, mu has population-level coefficients and there are no weights; and when
    the function takes mu's other parts and the other dpars as they are."""
    glm = spec.likelihood.glm.get(spec.family.link.name)
    if glm is None or spec.response.weights is not None:
        return False
    if not any(part.kind == "design" for part in parts):
        return False
    if not glm.alpha and any(part.kind != "design" for part in parts):
        return False
    return glm.vector_dpars or len(spec.predictors) == 1


def _likelihood(spec: ModelSpec, pos: Position) -> Likelihood:
    family = spec.family.family
    stan = spec.likelihood
    reads: dict[str, StanArg] = {}

    def use(arg: StanArg) -> str:
        reads.setdefault(arg.name, arg)
        return arg.name

    weighted = spec.response.weights is not None
    pointwise = weighted or not stan.vectorized
    rows = pos.row if pointwise else pos.rows
    args = {"y": rows(use(StanArg("Y", "array[] int" if family.discrete else "vector", True)))}
    if spec.response.trials is not None:
        args["trials"] = rows(use(StanArg("trials", "array[] int", True)))
    weights = pos.row(use(StanArg("weights", "vector", True))) if weighted else ""

    mu_parts = _eta_parts(spec, spec.predictors[0])
    glm = _use_glm(spec, mu_parts)
    dpars = []
    for p in spec.predictors:
        parts = mu_parts if p.dpar == "mu" else _eta_parts(spec, p)
        for part in parts:
            for arg in _part_reads(part):
                use(arg)
        if p.dpar == "mu" and glm:
            design = next(part for part in parts if part.kind == "design")
            rest = [_format(part, pos) for part in parts if part is not design]
            args |= {
                "x": pos.rows(design.data.name),
                "beta": design.value.name,
                "alpha": " + ".join(rest) or "0",
            }
            continue
        value = " + ".join(_format(part, pos) for part in parts) or "0"
        if p.inverse_link:
            value = f"{p.inverse_link}({value})"
        if all(part.kind == "intercept" for part in parts):
            value = f"rep_vector({value}, N)"
        dpars.append(LocalVector(p.dpar, "N", value))
        args[p.dpar] = f"{p.dpar}[n]" if pointwise else p.dpar

    if spec.response.nthres:
        fixed = spec.predictors[0].fixed
        args["thres"] = use(fixed.threshold_arg)
    for d in spec.scalar_dpars:
        args[d.name] = use(StanArg(d.name, "real", False))
    for name, value in spec.fixed_dpars.items():
        args[name] = format_number(value)
    link = spec.family.link.name
    args["dist"] = stan.glm[link].name if glm else stan.dist[link][0]
    return Likelihood(
        pos=pos,
        family_template=f"families/{stan.template}.stan.j2",
        glm=glm,
        args=args,
        dpars=tuple(dpars),
        pointwise=pointwise,
        weights=weights,
        reads=tuple(reads.values()),
    )


def _stan_bounds(lb: float | None, ub: float | None) -> str:
    """``<lower=.., upper=..>`` for the bounds that are set, else empty."""
    parts = [
        f"{side}={format_number(v)}" for side, v in (("lower", lb), ("upper", ub)) if v is not None
    ]
    return f"<{', '.join(parts)}>" if parts else ""


def _dpar_bounds(d: ScalarDpar) -> str:
    return _stan_bounds(d.lb, d.ub)


def _bounds(spec: ModelSpec) -> dict[str, str]:
    """Bounds set by the user on class ``b``, Stan name -> ``<lower=lb_b, upper=ub_b>``
    (the bounds are data, see :func:`~pybrms.spec.default_priors.user_bounds`)."""
    out = {}
    for target in spec.prior_targets():
        lb, ub = user_bounds(spec.priors, target)
        parts = [f"{side}={v.name}" for side, v in (("lower", lb), ("upper", ub)) if v is not None]
        if parts:
            out[target.stan] = f"<{', '.join(parts)}>"
    return out


def lprior_statements(spec: ModelSpec) -> list[PriorStatement]:
    """The ``lprior`` statements of the spec's prior table.

    Examples
    --------
    >>> import pandas as pd
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [0.5, 1.5, 2.0, 4.0], "x": [1.0, 2.0, 3.0, 5.0]})
    >>> [s.target for s in lprior_statements(build_spec("y ~ x", df))]
    ['Intercept', 'sigma']
    """
    return prior_statements(spec.priors, spec.prior_targets())


def _functions(spec: ModelSpec) -> list[str]:
    """The functions files the program includes, each once: the likelihood's, the
    inverse links Stan lacks, and the scaling of correlated group-level effects."""
    files = [
        *spec.likelihood.functions,
        *(f for p in spec.predictors for f in p.link.functions),
        *(["scale_r_cor.stan"] if any(g.has_cor for g in spec.groups) else []),
    ]
    return [f"functions/{f}" for f in dict.fromkeys(files)]


def render_context(spec: ModelSpec, *, static: bool = False) -> dict[str, Any]:
    """The template context for ``spec``; the same for the plain and threaded programs.

    Parameters
    ----------
    spec
        The model.
    static
        Use ``reduce_sum_static`` in the threaded program.

    Returns
    -------
    dict
        Values the templates print.

    Examples
    --------
    >>> import pandas as pd
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [1, 0, 3, 2], "x": [0.1, 0.5, 0.9, 1.3], "g": list("aabb")})
    >>> render_context(build_spec("y ~ x + (1 | g)", df, "poisson"))["pll_call"]
    'Xc, b, J_1, Intercept_r_1_1'
    """
    family = spec.family.family
    sliced = sliced_variable(spec)
    threaded = _likelihood(spec, Position(threaded=True, sliced=sliced.name))
    shared = [a for a in threaded.reads if a.name != sliced.name]
    ctx: dict[str, Any] = {
        "version": __version__,
        "response_decl": "array[N] int Y;" if family.discrete else "vector[N] Y;",
        "trials": spec.response.trials is not None,
        "weights": spec.response.weights is not None,
        "nthres": spec.response.nthres,
        "terms": spec.terms,
        "scalar_dpars": [
            {"name": d.name, "bounds": _dpar_bounds(d), "comment": family.dpar(d.name).comment}
            for d in spec.scalar_dpars
        ],
        "constants": {c.stan: c for c in spec.constants()},
        "bounds": _bounds(spec),
        "lprior": lprior_statements(spec),
        "prior_data": prior_data(spec.priors, spec.prior_targets()),
        "functions": _functions(spec),
        # for functions files written per family and link (ordinal densities)
        "family_name": family.name,
        "link_name": spec.family.link.name,
        "shared_locals": shared_locals(spec),
        "plain": _likelihood(spec, Position(threaded=False)),
        "threaded": threaded,
        "sliced": sliced,
        "pll_signature": ", ".join(a.signature for a in shared),
        "pll_call": ", ".join(a.name for a in shared),
        "reduce": "reduce_sum_static" if static else "reduce_sum",
    }
    ctx["ctx"] = ctx
    return ctx
