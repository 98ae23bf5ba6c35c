"""MvSpec -> the values the multivariate program templates render.

Each response's linear predictors are written as in a univariate model (the
terms carry the response in their names); the likelihood is one density per
response, or, with residual correlations, brms's multivariate normal (or
student) over the rows, ``Mu[n]`` stacking the responses' predictors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pybrms._version import __version__
from pybrms.codegen.context import (
    LocalVector,
    Position,
    _bounds,
    _eta_parts,
    _local_vector,
    dpar_bounds,
    prior_draw_code,
    response_bounds,
    shared_locals,
    suffixes,
)
from pybrms.spec.default_priors import prior_data, prior_statements
from pybrms.spec.multivariate import MvPart, MvSpec
from pybrms.spec.terms import StanArg

__all__ = ["MvCall", "MvLikelihood", "PartialSum", "render_mv_context"]


@dataclass(frozen=True)
class MvCall:
    """One response's density: its family template's ``lpdf`` macro with ``args``."""

    template: str
    args: dict[str, str]


@dataclass(frozen=True)
class MvLikelihood:
    """The likelihood of a multivariate model at one position.

    Attributes
    ----------
    pos
        Where it is evaluated (all rows, or a partial sum).
    dpars
        Linear predictors of every response, computed as vectors first.
    calls
        One density per response (without residual correlations).
    rescor
        With residual correlations, the multivariate density added to the target
        (``multi_normal_cholesky_lpdf(Y | Mu, LSigma)``); else ``""``.
    mus, sigmas
        The responses' ``mu`` at row ``n`` and their ``sigma``, stacked into ``Mu[n]``
        and the scales of ``LSigma``.
    per_row
        Whether a response predicts its ``sigma`` (``sigma_y1 ~ x``): then each row has
        its own ``LSigma[n]`` and density, as brms.
    reads
        Every variable the likelihood reads: the ``partial_log_lik`` arguments.
    """

    pos: Position
    dpars: tuple[LocalVector, ...]
    calls: tuple[MvCall, ...]
    rescor: str
    mus: str
    sigmas: str
    per_row: bool
    reads: tuple[StanArg, ...]


def _response(part: MvPart) -> StanArg:
    """The response ``Y_<resp>``; with ``mi()``, brms's ``Yl_<resp>``, the response with
    its missing values' parameters."""
    if part.response.mi is not None:
        return StanArg(f"Yl_{part.resp}", "vector", False)
    kind = "array[] int" if part.family.family.discrete else "vector"
    return StanArg(f"Y_{part.resp}", kind, True)


def _likelihood(
    spec: MvSpec, pos: Position, normalize: bool, responses: tuple[MvPart, ...] | None = None
) -> MvLikelihood:
    """The likelihood of ``responses`` (all by default) at ``pos``."""
    reads: dict[str, StanArg] = {}

    def use(arg: StanArg) -> str:
        reads.setdefault(arg.name, arg)
        return arg.name

    if spec.rescor:
        use(StanArg("Y", "array[] vector", True))
        use(StanArg("nresp", "int", True))
    dpars: list[LocalVector] = []
    calls = []
    for part in spec.parts if responses is None else responses:
        if not spec.rescor:
            use(_response(part))
        trials = part.response.trials is not None
        if trials:
            use(StanArg(f"trials_{part.resp}", "array[] int", True))
        for p in part.predictors:
            parts = _eta_parts(spec, p)
            for eta in parts:
                for arg in eta.reads:
                    use(arg)
            dpars.append(_local_vector(p.local, parts, pos, p.inverse_link, part.nobs))
        for d in part.scalar_dpars:
            use(StanArg(part.stan_dpar(d.name), "real", False))
        stan = part.likelihood
        dist, _ = stan.distribution(part.family.link.name)
        args = {"y": pos.rows(_response(part).name), "dist": dist}
        if trials:
            args["trials"] = pos.rows(f"trials_{part.resp}")
        args |= {p.family_dpar: p.local for p in part.predictors}
        args |= {d.name: part.stan_dpar(d.name) for d in part.scalar_dpars}
        args |= {d.name: d.name for d in spec.shared_dpars}
        keep = normalize or stan.normalized
        args |= suffixes(keep)
        calls.append(MvCall(f"families/{stan.template}.stan.j2", args))
    for d in spec.shared_dpars:
        use(StanArg(d.name, "real", False))
    # with sigma predicted, brms's Sigma of each row: sigma_y1[n] next to the scalar sigma_y2
    predicted = [
        next((p.local for p in part.predictors if p.family_dpar == "sigma"), None)
        for part in spec.parts
    ]
    per_row = any(local is not None for local in predicted)
    sigmas = [
        part.stan_dpar("sigma") if local is None else f"{local}[n]"
        for part, local in zip(spec.parts, predicted, strict=True)
    ]
    rescor = ""
    if spec.rescor:
        use(StanArg("Lrescor", "matrix", False))
        suffix = "lpdf" if normalize else "lupdf"
        Y, Mu, LSigma = (
            (pos.row("Y"), "Mu[n]", "LSigma[n]") if per_row else (pos.rows("Y"), "Mu", "LSigma")
        )
        if spec.shared_dpars:
            rescor = f"multi_student_t_cholesky_{suffix}({Y} | nu, {Mu}, {LSigma})"
        else:
            rescor = f"multi_normal_cholesky_{suffix}({Y} | {Mu}, {LSigma})"
    return MvLikelihood(
        pos=pos,
        dpars=tuple(dpars),
        calls=tuple(calls),
        rescor=rescor,
        mus=", ".join(f"{p.predictors[0].local}[n]" for p in spec.parts),
        sigmas=", ".join(sigmas),
        per_row=per_row,
        reads=tuple(reads.values()),
    )


@dataclass(frozen=True)
class PartialSum:
    """One ``reduce_sum`` of the threaded program, over the rows ``nobs`` of its responses.

    Attributes
    ----------
    function
        The name of its ``partial_log_lik`` function without the suffix: one for all
        responses, or brms's ``partial_log_lik_<resp>`` per response when their rows
        differ (``subset()``).
    nobs
        The Stan name of its number of rows (``N``, ``N_<resp>``).
    sliced
        What ``reduce_sum`` slices: a group-level term's level index, else brms's
        ``seq`` (``seq_<resp>`` per response).
    likelihood
        Its responses' likelihood at rows ``start:end``.
    signature, call
        The shared arguments: their declarations and names.
    """

    function: str
    nobs: str
    sliced: StanArg
    likelihood: MvLikelihood
    signature: str
    call: str


def _partial_sum(
    spec: MvSpec, parts: tuple[MvPart, ...], suffix: str, normalize: bool
) -> PartialSum:
    """The partial sum of the responses ``parts``, which have the same rows."""
    found = (t.sliced_index() for part in parts for t in part.terms)
    seq = StanArg(f"seq{suffix}", "array[] int", False)
    sliced = next((arg for arg in found if arg is not None), seq)
    lik = _likelihood(spec, Position(threaded=True, sliced=sliced.name), normalize, parts)
    shared = [a for a in lik.reads if a.name != sliced.name]
    return PartialSum(
        function=f"partial_log_lik{suffix}",
        nobs=parts[0].nobs,
        sliced=sliced,
        likelihood=lik,
        signature=", ".join(a.signature for a in shared),
        call=", ".join(a.name for a in shared),
    )


def _partial_sums(spec: MvSpec, normalize: bool) -> list[PartialSum]:
    """One partial sum over all rows, or, when the responses' rows differ
    (``subset()``), one per response over its own rows, as brms."""
    if all(p.subset is None for p in spec.parts):
        return [_partial_sum(spec, spec.parts, "", normalize)]
    return [_partial_sum(spec, (p,), f"_{p.resp}", normalize) for p in spec.parts]


def _functions(spec: MvSpec) -> list[str]:
    files = [
        *(f for part in spec.parts for f in part.likelihood.functions),
        *(f for p in spec.predictors for f in p.link.functions),
        *(f for t in spec.terms for f in t.functions()),
    ]
    return [f"functions/{f}" for f in dict.fromkeys(files)]


def render_mv_context(
    spec: MvSpec, *, static: bool = False, normalize: bool = True
) -> dict[str, Any]:
    """The template context of a multivariate model, plain and threaded alike.

    Examples
    --------
    >>> import pandas as pd
    >>> from pybrms.formula import mvbf
    >>> from pybrms.spec.multivariate import build_mv_spec
    >>> df = pd.DataFrame({"a": [1.0, 2.5, 2.0, 4.1], "b": [0.3, 0.1, 0.8, 0.5],
    ...                    "x": [1.0, 2.0, 3.0, 4.0]})
    >>> render_mv_context(build_mv_spec(mvbf("mvbind(a, b) ~ x"), df))["partials"][0].call
    'Y, nresp, Intercept_a, Xc_a, b_a, sigma_a, Intercept_b, Xc_b, b_b, sigma_b, Lrescor'
    """
    parts = []
    for part in spec.parts:
        family = part.family.family
        y = f"Y_{part.resp}"
        n = part.nobs
        parts.append(
            {
                "nobs": "" if n == "N" else n,
                "decl": f"array[{n}] int {y};" if family.discrete else f"vector[{n}] {y};",
                "trials": f"trials_{part.resp}" if part.response.trials is not None else "",
                # mi(): the suffix of Nmi, Jmi, Ymi and Yl, and Ymi's bounds
                "mi": f"_{part.resp}" if part.response.mi is not None else "",
                "missing_bounds": family.support.bounds,
                "terms": part.terms,
            }
        )
    scalar = [
        {
            "name": part.stan_dpar(d.name),
            "bounds": dpar_bounds(d, part.resp),
            "comment": part.family.family.dpar(d.name).comment,
        }
        for part in spec.parts
        for d in part.scalar_dpars
    ]
    if spec.shared_dpars:
        family = spec.parts[0].family.family
        scalar += [
            {
                "name": d.name,
                "bounds": dpar_bounds(d),
                "comment": family.dpar(d.name).comment,
            }
            for d in spec.shared_dpars
        ]
    targets = spec.prior_targets()
    ctx: dict[str, Any] = {
        "version": __version__,
        "parts": parts,
        "rescor": spec.rescor,
        "responses": ", ".join(f"Y_{p.resp}[n]" for p in spec.parts),
        "terms": spec.terms,
        "nobs": {p.dpar: part.nobs for part in spec.parts for p in part.predictors},
        "scalar_dpars": scalar,
        "response_bounds": [
            b for part in spec.parts for b in response_bounds(part.scalar_dpars, part.resp)
        ],
        "constants": {c.stan: c for c in spec.constants()},
        "bounds": _bounds(spec),
        "lprior": prior_statements(spec.priors, targets),
        "prior_data": prior_data(spec.priors, targets),
        "prior_draws": [prior_draw_code(d) for d in spec.prior_draws()],
        "functions": _functions(spec),
        "shared_locals": shared_locals(spec),
        "plain": _likelihood(spec, Position(threaded=False), normalize),
        "partials": _partial_sums(spec, normalize),
        "reduce": "reduce_sum_static" if static else "reduce_sum",
        "constants_comment": "including constants" if normalize else "not including constants",
        "lpmf": "lpmf" if normalize else "lupmf",
        "lpdf": "lpdf" if normalize else "lupdf",
    }
    ctx["ctx"] = ctx
    return ctx
