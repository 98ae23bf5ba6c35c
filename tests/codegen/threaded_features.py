"""The threaded features of a model: what its threaded program's partial sum slices,
receives and computes, read off the render context (no compile).

The threaded program renders its likelihood with the same macros, family templates
included, as the plain one; it differs only in what the context gives them: the
variable ``reduce_sum`` slices, the ``partial_log_lik`` arguments and the rows each
expression reads at the partial sum's position. So two models with the same features
exercise the same plain -> threaded transformation, and the equivalence test
(tests/codegen/test_threading_equivalence.py) needs one model per feature, not one
per model. Every feature is a kind, never a name of a case, family or variable:

- ``slice:``  the slicing mode (``seq``, the response, a term's level index, the
  levels of one group-level effect, the series) and, for level slicing, the types of
  the sorted copies;
- ``form:``  the likelihood's form (GLM call, vectorized, loop over rows, censored
  index sets, mixture, time-series density, multivariate with or without residual
  correlations);
- ``arg:``  each family-macro argument by the kinds of what it reads (predicted dpar,
  scalar parameter, fixed number, data, parameter), whole or at row ``n``;
- ``call:``  each ``target +=`` statement's shape (lpdf / lcdf / lccdf, differences,
  truncation, conditions);
- ``read:``  each ``partial_log_lik`` argument: an addition term's data by its name
  (brms's fixed vocabulary: weights, cens, se, trials, lb, ...), else its Stan type,
  data or parameter, and the kind of term and part that reads it;
- ``eta:``, ``local:``  the parts of the linear predictors (term kind, part kind,
  weighted or not, the placeholders a rowwise part uses) and how each local vector is
  built (rowwise loop, update, inverse link, matrix, non-linear).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import model_cases
import pandas as pd
from model_cases import Case

from pybrms import threading
from pybrms.codegen import render
from pybrms.codegen.context import Likelihood, _eta_parts, render_context, shared_locals
from pybrms.codegen.multivariate import MvLikelihood, PartialSum, render_mv_context
from pybrms.errors import SpecError
from pybrms.spec import MvSpec, build_model
from pybrms.spec.model_spec import ModelSpec, Predictor
from pybrms.spec.terms import Covariates, StanArg
from pybrms.spec.terms.base import Term

# Data of the addition terms and of the response, named by brms whatever the model.
_ADDITIONS = re.compile(r"^(weights|cens|se2?|denom|log_denom|lb|ub|rcens|trials|vint\d*|vreal\d*)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_PLACEHOLDER = re.compile(r"{(\w+)")
_NUMBER = re.compile(r"^-?[0-9.]+(e-?[0-9]+)?$")
# Stan functions and keywords inside argument expressions: not variables
_STAN = frozenset({"transpose", "to_vector", "rep_vector", "log", "exp", "append_col", "n", "nn"})


def every_case() -> dict[str, Case]:
    """Every case of tests/codegen/model_cases.py by id: each module-level case and
    each case of a module-level tuple (a new table is included without listing it).
    Ids are unique: ``EQUIVALENCE_CASES`` names cases by id."""
    out: dict[str, Case] = {}
    for value in vars(model_cases).values():
        for case in value if isinstance(value, tuple) else (value,):
            if isinstance(case, Case):
                # a case may stand in several tables, but two different cases share no id
                # (repr: data2 may hold data frames, which == does not compare to a bool)
                known = out.setdefault(case.id, case)
                assert repr(known) == repr(case), f"two different cases named {case.id!r}"
    return out


def threaded_features(case: Case, data: pd.DataFrame) -> frozenset[str]:
    """The threaded features of ``case`` (empty when pybrms refuses to thread it).

    Examples
    --------
    >>> from model_cases import synthetic_data
    >>> features = threaded_features(Case("c", "count ~ x", "poisson"), synthetic_data())
    >>> sorted(f for f in features if f.startswith(("slice:", "form:")))
    ['form:glm', 'slice:response:array[] int']
    """
    spec = build_model(case.formula, data, case.family, case.prior, data2=case.data2)
    try:
        code = render(spec, threading(2))
    except SpecError:
        return frozenset()
    if isinstance(spec, MvSpec):
        partials = render_mv_context(spec)["partials"]
        indexing = (
            f"mv:{f}"
            for p in partials
            for f in _index_features(_partial_sum(code, f"{p.function}_lpmf"), p.likelihood)
        )
        return frozenset(_mv_features(spec, partials)) | set(indexing)
    body = _partial_sum(code, "partial_log_lik_")
    return frozenset(_features(spec)) | set(_index_features(body, render_context(spec)["threaded"]))


def _partial_sum(code: str, function: str) -> str:
    """The body of the threaded program's partial sum ``function`` (a name's start)."""
    start = code.index(f"real {function}")
    body = code[code.index("\n", start) : code.index("return ptarget;", start)]
    return body


def _index_features(body: str, lik: Likelihood | MvLikelihood) -> Iterator[str]:
    """How the partial sum ``body`` indexes each data argument: whole (the sliced one),
    rows ``start:end``, rows ``row_start:row_end``, a local copy of them, row ``n``/``nn``
    of a loop or an index set."""
    for a in lik.reads:
        if not a.data:
            continue
        for m in re.finditer(rf"\b{a.name}(_rows)?\b", body):
            if m.group(1):
                yield f"index:{a.type}:copied rows"
                continue
            rest = body[m.end() :]
            if not rest.startswith("["):
                yield f"index:{a.type}:whole"
                continue
            depth = 0
            for close, char in enumerate(rest):
                depth += {"[": 1, "]": -1}.get(char, 0)
                if depth == 0:
                    inside = rest[1:close]
                    break
            how = {"start:end": "rows", "row_start:row_end": "level rows", "n": "row"}
            yield f"index:{a.type}:{how.get(inside, 'row' if inside == 'nn' else 'subset')}"


def _sources(spec: ModelSpec | MvSpec) -> dict[str, str]:
    """Variable name -> the kind of term and part that reads it."""
    out: dict[str, str] = {}
    for t in spec.terms:
        kind = type(t).__name__
        for part in t.eta_parts():
            for role, arg in (("value", part.value), ("data", part.data), ("weight", part.weight)):
                if arg is not None:
                    out.setdefault(arg.name, f"{kind}.{part.kind}.{role}")
            for arg in part.extra:
                out.setdefault(arg.name, f"{kind}.{part.kind}.extra")
        for name in t.likelihood_args():
            out.setdefault(t.likelihood_args()[name].name, f"{kind}.likelihood_arg")
        for s in t.likelihood_shifts():
            for role, arg in (("data", s.data), ("value", s.value), ("cols", s.cols)):
                out.setdefault(arg.name, f"{kind}.shift.{role}")
        update = t.mu_update()
        if update is not None:
            for arg in update.reads:
                out.setdefault(arg.name, f"{kind}.update")
    for t in spec.terms:
        for v in t.model_locals():
            out[v.name] = f"{type(t).__name__}.model_local"
    for local in shared_locals(spec):
        out.setdefault(local.name, "folded intercept")
    return out


def _term_features(terms: Iterable[Term]) -> Iterator[str]:
    for t in terms:
        kind = type(t).__name__
        for part in t.eta_parts():
            weighted = ":weighted" if part.weight is not None else ""
            yield f"eta:{kind}:{part.kind}{weighted}"
            if part.kind == "rowwise":
                placeholders = sorted(set(_PLACEHOLDER.findall(part.code)))
                yield f"eta:{kind}:rowwise:{','.join(placeholders)}"
        if t.likelihood_args():
            yield f"eta:{kind}:likelihood_args"
        if t.likelihood_shifts():
            yield f"eta:{kind}:shift"
        if t.model_locals():
            yield f"eta:{kind}:model_locals"


def _read_features(reads: Iterable[StanArg], sliced: str, sources: dict[str, str]) -> Iterator[str]:
    for a in reads:
        if a.name == sliced:
            continue
        match = _ADDITIONS.match(a.name)
        where = match.group(1) if match else sources.get(a.name, "likelihood")
        yield f"read:{where}:{a.type}:{'data' if a.data else 'param'}"


def _arg_kind(value: str, locals_: set[str], reads: dict[str, StanArg]) -> str:
    """The kinds of what a macro argument reads, e.g. ``predicted*data[row]``."""
    if _NUMBER.match(value.strip()):
        return "fixed"
    kinds = set()
    for name in _IDENTIFIER.findall(value):
        name = name.removesuffix("_rows")  # the level slicing's copy of rows
        if name in _STAN:
            continue
        if name in locals_:
            kinds.add("predicted")
        elif name in reads:
            arg = reads[name]
            kinds.add("data" if arg.data else ("scalar" if arg.type == "real" else "param"))
    row = "[row]" if re.search(r"\[(n|nn)\]", value) else ""
    return "*".join(sorted(kinds)) + row if kinds else "fixed"


def _form(lik: Likelihood) -> str:
    if lik.components:
        return "mixture"
    if lik.glm:
        return "glm"
    if lik.index_sets:
        return "index_sets"
    return "pointwise" if lik.pointwise else "vectorized"


def _call_features(form: str, lik: Likelihood) -> Iterator[str]:
    contributions = [*lik.contributions, *(c for k in lik.components for c in k.contributions)]
    for c in contributions:
        shape = c.density.upper.fn + (f"-{c.density.lower.fn}" if c.density.lower else "")
        if c.truncation is not None:
            t = c.truncation
            shape += f" trunc:{t.upper.fn}" + (f"-{t.lower.fn}" if t.lower else "")
        yield f"call:{form}:{shape}{' if' if c.condition else ''}"


def _args(lik: Likelihood) -> Iterator[dict[str, str]]:
    yield lik.args
    for k in lik.components:
        for c in k.contributions:
            yield c.density.upper.args


def _local_features(dpars: Iterable, predictors: Iterable[Predictor]) -> Iterator[str]:
    for d in dpars:
        yield f"local:{d.type}"
        if d.rowwise:
            yield "local:rowwise" + (":inverse" if d.inverse else "")
        if d.update is not None:
            yield "local:update"
    for p in predictors:
        if p.nonlinear is not None:
            covariates = any(isinstance(t, Covariates) for t in p.terms)
            yield f"local:nonlinear{':covariates' if covariates else ''}"


def _features(spec: ModelSpec) -> Iterator[str]:
    ctx = render_context(spec)
    lik: Likelihood = ctx["threaded"]
    sliced = ctx["sliced"]
    sources = _sources(spec)
    by_level = ctx["by_level"]
    if by_level:
        yield "slice:by_level"
        # the effects sliced, and the parts of the predictors read at the levels' rows
        yield f"slice:by_level:effects {sources.get(by_level.effects, 'parameter')}"
        yield from (f"slice:by_level:sorted {a.type}" for a in by_level.rows)
        for p in spec.predictors:
            for part in _eta_parts(spec, p):
                yield f"slice:by_level:{part.kind}{':weighted' if part.weight else ''}"
    elif ctx["by_series"]:
        yield "slice:by_series"
    elif sliced.name == "seq":
        yield "slice:seq"
    else:
        owner = next((t for t in spec.terms if t.sliced_index() == sliced), None)
        yield f"slice:{type(owner).__name__ if owner else 'response'}:{sliced.type}"
    form = _form(lik)
    yield f"form:{form}"
    if ctx["by_series"]:
        yield "form:time"
    if lik.thetas:
        yield "form:mixture:predicted theta"
    locals_ = {d.name for d in lik.dpars}
    reads = {a.name: a for a in lik.reads}
    for args in _args(lik):
        for key, value in args.items():
            if key not in {"dist", "lpdf", "lpmf", "density", "custom"}:
                yield f"arg:{form}:{_arg_kind(value, locals_, reads)}"
    yield from _call_features(form, lik)
    if lik.index_sets:
        yield "form:index_sets:gathered"
    yield from _read_features(lik.reads, ctx["sliced"].name, sources)
    yield from _term_features(spec.terms)
    yield from _local_features(lik.dpars, spec.predictors)


def _mv_features(spec: MvSpec, partials: list[PartialSum]) -> Iterator[str]:
    # one partial sum for all responses, or one per response over its own rows
    yield f"mv:partial sums:{'per response' if len(partials) > 1 else 'one'}"
    for p in partials:
        lik = p.likelihood
        owner = next((t for t in spec.terms if t.sliced_index() == p.sliced), None)
        yield f"mv:slice:{type(owner).__name__ if owner else 'seq'}"
        yield f"mv:form:{'rescor:' + lik.rescor.split('_')[1] if lik.rescor else 'per response'}"
        locals_ = {d.name for d in lik.dpars}
        reads = {a.name: a for a in lik.reads}
        # with residual correlations, one multivariate density replaces the calls
        for call in () if lik.rescor else lik.calls:
            for key, value in call.args.items():
                if key not in {"dist", "lpdf", "lpmf"}:
                    yield f"mv:arg:{_arg_kind(value, locals_, reads)}"
        yield from (f"mv:{f}" for f in _read_features(lik.reads, p.sliced.name, _sources(spec)))
        yield from (f"mv:{f}" for f in _local_features(lik.dpars, spec.predictors))
    yield from (f"mv:{f}" for f in _term_features(spec.terms))
