"""ModelSpec -> the data dict a Stan program of :mod:`pybrms.codegen` reads.

Names follow brms (``N``, ``Y``, ``K``, ``X``, ``Kc``, ``N_1``, ``M_1``,
``J_1``, ``Z_1_1``, ``NC_1``, ``trials``, ``weights``, ``se``, ``denom``,
``cens``, ``rcens``, ``lb``, ``ub``, ``offsets``, ``nthres``, ``prior_only``).
The threaded program also reads ``grainsize``, so that changing threads or
grainsize never recompiles, and every program reads the arguments of its
priors and the bounds set on ``b``
(:func:`pybrms.spec.default_priors.prior_data`), so that new data or new
prior values never recompile either.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import stanio

from pybrms.errors import SpecError
from pybrms.priors import Priors
from pybrms.scheduler import Threading
from pybrms.spec import build_model
from pybrms.spec.default_priors import prior_data
from pybrms.spec.model_spec import ModelSpec, Response
from pybrms.spec.multivariate import ModelFamily, ModelFormula, MvSpec
from pybrms.spec.prior_draws import SamplePrior
from pybrms.spec.stanvars import Stanvars

__all__ = ["make_standata", "standata"]


def make_standata(spec: ModelSpec | MvSpec, threading: Threading | None = None) -> dict[str, Any]:
    """Stan data for ``spec``.

    Parameters
    ----------
    spec
        The model, from :func:`pybrms.spec.build_spec`.
    threading
        For the threaded program (any :class:`~pybrms.scheduler.Threading`, one
        thread included), ``grainsize`` is added: brms's default if
        ``threading.grainsize`` is None. The same data serve any number of threads.
        ``prior_only`` is 1 when ``spec.sample_prior`` is ``"only"``: the
        likelihood is then ignored by the same program.

    Returns
    -------
    dict
        Integers and numpy arrays keyed by Stan data name.

    Examples
    --------
    >>> import pandas as pd
    >>> from pybrms import threading
    >>> df = pd.DataFrame({"y": [1, 0, 3, 2], "x": [0.1, 0.5, 0.9, 1.3], "g": list("aabb")})
    >>> sd = make_standata(build_model("y ~ x + (1 | g)", df, "poisson"), threading(2))
    >>> sorted(name for name in sd if "prior" not in name)
    ['J_1', 'K', 'Kc', 'M_1', 'N', 'N_1', 'X', 'Y', 'Z_1_1', 'grainsize']
    >>> sd["J_1"].tolist(), sd["grainsize"], sd["Intercept_prior_mu"], sd["prior_only"]
    ([1, 1, 2, 2], 100, 0.3, 0)
    """
    if isinstance(spec, MvSpec):
        return _mv_standata(spec, threading)
    response = spec.response
    out: dict[str, Any] = {"N": spec.N, **_response_values(response)}
    if response.trials is not None:
        out["trials"] = response.trials
    if response.weights is not None:
        out["weights"] = response.weights
    out |= response.vars
    if response.nthres:
        out["nthres"] = response.nthres
    if spec.family.family.per_category:
        out["ncat"] = len(response.categories)
    additions = {
        "se": response.se,
        "denom": response.denom,
        "cens": response.cens,
        "rcens": response.rcens,
        "lb": response.lb,
        "ub": response.ub,
    }
    out.update({name: v for name, v in additions.items() if v is not None})
    for term in spec.terms:
        out.update(term.standata())
        out.update(term.prior_standata(spec.priors))
    out.update({v.name: v.value for v in prior_data(spec.priors, spec.prior_targets())})
    if spec.theta_simplex:
        theta = spec.priors.resolve([("theta", "", "", "")])
        assert theta is not None  # the table always has the default dirichlet(1)
        out["con_theta"] = np.full(spec.theta_simplex, float(theta.args[0]))
    if threading is not None:
        out["grainsize"] = threading.resolved_grainsize(spec.N)
    out["prior_only"] = int(spec.sample_prior == "only")
    for s in spec.stanvars:
        if s.block != "data":
            continue
        if s.name in out or s.name == "grainsize":
            raise SpecError(
                f"stanvar(x, name={s.name!r}): the program already has data named "
                f"{s.name!r}; choose another name."
            )
        out[s.name] = s.value
    return out


def _response_values(response: Response, suffix: str = "") -> dict[str, Any]:
    """``Y`` and, with ``mi()``, brms's ``Nmi`` and ``Jmi`` (1-based rows); a missing
    response is ``Inf`` in ``Y``, as brms writes it, and never read by the program."""
    if response.mi is None:
        return {f"Y{suffix}": response.values}
    y = np.where(np.isnan(response.values), np.inf, response.values)
    return {f"Y{suffix}": y, f"Nmi{suffix}": len(response.mi), f"Jmi{suffix}": response.mi + 1}


def _mv_standata(spec: MvSpec, threading: Threading | None) -> dict[str, Any]:
    """Stan data of a multivariate model: brms's ``Y_<resp>`` and the terms' suffixed
    data per response, ``nresp`` and ``nrescor`` with residual correlations."""
    out: dict[str, Any] = {"N": spec.N}
    for part in spec.parts:
        if part.nobs != "N":
            out[part.nobs] = len(part.response.values)
        out |= _response_values(part.response, f"_{part.resp}")
        if part.response.trials is not None:
            out[f"trials_{part.resp}"] = part.response.trials
        for term in part.terms:
            out.update(term.standata())
            out.update(term.prior_standata(spec.priors))
    if spec.rescor:
        nresp = len(spec.parts)
        out["nresp"] = nresp
        out["nrescor"] = nresp * (nresp - 1) // 2
    out.update({v.name: v.value for v in prior_data(spec.priors, spec.prior_targets())})
    if threading is not None:
        out["grainsize"] = threading.resolved_grainsize(spec.N)
    out["prior_only"] = int(spec.sample_prior == "only")
    return out


def standata(
    formula: ModelFormula,
    data: pd.DataFrame,
    family: ModelFamily = "gaussian",
    prior: Priors | None = None,
    threads: Threading | None = None,
    sample_prior: SamplePrior | bool = "no",
    stanvars: Stanvars | None = None,
    knots: Mapping[str, Sequence[float]] | None = None,
) -> dict[str, Any]:
    """The Stan data :func:`pybrms.brm` would pass, as brms's ``standata()``.

    The values are those of Stan's JSON data format as plain Python numbers and
    (nested) lists, so that ``json.dumps`` writes them and any Stan interface reads
    them; ``np.asarray(sd["X"])`` gives the design matrix back as an array.

    Parameters
    ----------
    formula, data, family, prior, sample_prior, stanvars, knots
        As for :func:`pybrms.brm`.
    threads
        A :func:`pybrms.threading` value for the ``reduce_sum`` program (adds
        ``grainsize``), or None.

    Returns
    -------
    dict
        Keyed by Stan data name (brms's names).

    Examples
    --------
    >>> import json
    >>> df = pd.DataFrame({"y": [1.0, 2.5, 2.0, 4.1], "x": [1.0, 2.0, 3.0, 4.0]})
    >>> sd = standata("y ~ x", df)
    >>> sd["X"][:2], sd["Kc"]
    ([[1.0, 1.0], [1.0, 2.0]], 1)
    >>> json.loads(json.dumps(sd)) == sd
    True
    """
    spec = build_model(formula, data, family, prior, sample_prior, stanvars=stanvars, knots=knots)
    return json.loads(stanio.dump_stan_json(make_standata(spec, threads)))
