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
from pybrms.spec.default_priors import PriorStatement, format_number, prior_statements
from pybrms.spec.model_spec import ModelSpec, Predictor

__all__ = ["Likelihood", "Position", "render_context"]

# brms's comments on the declarations of family parameters.
_DPAR_COMMENTS = {
    "sigma": "dispersion parameter",
    "shape": "shape parameter",
    "nu": "degrees of freedom or shape",
    "phi": "precision parameter",
}


@dataclass(frozen=True)
class Position:
    """Where the likelihood is evaluated: all observations, or ``start:end`` only.

    Attributes
    ----------
    slice
        Appended to observation-indexed data in vectorized code (``"[start:end]"``).
    n
        Index of the current observation inside loops over ``1:N`` (``"nn"`` in
        the partial sum, where ``nn = n + start - 1``).
    threaded
        Whether this is the partial sum of the threaded program.
    """

    slice: str
    n: str
    threaded: bool


PLAIN = Position(slice="", n="n", threaded=False)
THREADED = Position(slice="[start:end]", n="nn", threaded=True)


@dataclass(frozen=True)
class Likelihood:
    """Everything the shared ``likelihood`` macro renders at one position.

    ``vectorized`` and ``pointwise`` are the arguments of the family's ``lpdf``
    macro for one call over all observations and for observation ``n``;
    ``weights`` is the weight of observation ``n`` (empty without weights).
    """

    pos: Position
    family_template: str
    predictors: tuple[Predictor, ...]
    vectorized: dict[str, str]
    pointwise: dict[str, str]
    weights: str


def _likelihood(spec: ModelSpec, pos: Position) -> Likelihood:
    family = spec.family.family
    dist = family.dist[spec.family.link.name][0]
    predicted = {p.dpar for p in spec.predictors}

    def args(pointwise: bool) -> dict[str, str]:
        data_index = f"[{pos.n}]" if pointwise else pos.slice
        local_index = "[n]" if pointwise else ""
        out = {"dist": dist, "y": f"Y{data_index}", "trials": f"trials{data_index}"}
        out["thres"] = "Intercept"
        for dpar in ("mu", *family.dpars):
            out[dpar] = f"{dpar}{local_index}" if dpar in predicted else dpar
        return out

    weights = f"weights[{pos.n}]" if spec.response.weights is not None else ""
    return Likelihood(
        pos=pos,
        family_template=f"families/{family.template}.stan.j2",
        predictors=spec.predictors,
        vectorized=args(pointwise=False),
        pointwise=args(pointwise=True),
        weights=weights,
    )


def _bounds(spec: ModelSpec) -> dict[str, str]:
    """Bounds set by the user on class ``b``, Stan name -> ``<lower=.., upper=..>``."""
    out = {}
    rows = spec.priors.by_key()
    for p in spec.predictors:
        row = rows.get(("b", "", "", "" if p.dpar == "mu" else p.dpar))
        if p.fixed is None or row is None or (row.lb is None and row.ub is None):
            continue
        parts = [
            f"{side}={format_number(v)}"
            for side, v in (("lower", row.lb), ("upper", row.ub))
            if v is not None
        ]
        out[p.fixed.stan("b")] = f"<{', '.join(parts)}>"
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
    'Y, Xc, b, Intercept, J_1, Z_1_1, r_1_1'
    """
    family = spec.family.family
    args = spec.likelihood_args()
    ctx: dict[str, Any] = {
        "version": __version__,
        "response_decl": "array[N] int Y;" if family.discrete else "vector[N] Y;",
        "trials": spec.response.trials is not None,
        "weights": spec.response.weights is not None,
        "nthres": spec.response.nthres,
        "terms": spec.terms,
        "scalar_dpars": [
            {"name": d.name, "lb": format_number(d.lb), "comment": _DPAR_COMMENTS[d.name]}
            for d in spec.scalar_dpars
        ],
        "constants": {c.stan: c for c in spec.constants()},
        "bounds": _bounds(spec),
        "lprior": lprior_statements(spec),
        "functions": ["functions/scale_r_cor.stan"] if any(g.has_cor for g in spec.groups) else [],
        "plain": _likelihood(spec, PLAIN),
        "threaded": _likelihood(spec, THREADED),
        "pll_signature": ", ".join(a.signature for a in args),
        "pll_call": ", ".join(a.name for a in args),
        "reduce": "reduce_sum_static" if static else "reduce_sum",
    }
    ctx["ctx"] = ctx
    return ctx
