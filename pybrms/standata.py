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

from typing import Any

import pandas as pd

from pybrms.priors import Priors
from pybrms.scheduler import Threading
from pybrms.spec import build_spec
from pybrms.spec.build import FamilyLike, FormulaLike
from pybrms.spec.default_priors import prior_data
from pybrms.spec.model_spec import ModelSpec

__all__ = ["make_standata", "standata"]


def make_standata(
    spec: ModelSpec, threading: Threading | None = None, *, prior_only: bool = False
) -> dict[str, Any]:
    """Stan data for ``spec``.

    Parameters
    ----------
    spec
        The model, from :func:`pybrms.spec.build_spec`.
    threading
        For the threaded program (any :class:`~pybrms.scheduler.Threading`, one
        thread included), ``grainsize`` is added: brms's default if
        ``threading.grainsize`` is None. The same data serve any number of threads.
    prior_only
        Ignore the likelihood (sample from the prior).

    Returns
    -------
    dict
        Integers and numpy arrays keyed by Stan data name.

    Examples
    --------
    >>> import pandas as pd
    >>> from pybrms import threading
    >>> df = pd.DataFrame({"y": [1, 0, 3, 2], "x": [0.1, 0.5, 0.9, 1.3], "g": list("aabb")})
    >>> sd = make_standata(build_spec("y ~ x + (1 | g)", df, "poisson"), threading(2))
    >>> sorted(name for name in sd if "prior" not in name)
    ['J_1', 'K', 'Kc', 'M_1', 'N', 'N_1', 'X', 'Y', 'Z_1_1', 'grainsize']
    >>> sd["J_1"].tolist(), sd["grainsize"], sd["Intercept_prior_mu"], sd["prior_only"]
    ([1, 1, 2, 2], 100, 0.3, 0)
    """
    response = spec.response
    out: dict[str, Any] = {"N": spec.N, "Y": response.values}
    if response.trials is not None:
        out["trials"] = response.trials
    if response.weights is not None:
        out["weights"] = response.weights
    if response.nthres:
        out["nthres"] = response.nthres
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
    out.update({v.name: v.value for v in prior_data(spec.priors, spec.prior_targets())})
    if threading is not None:
        out["grainsize"] = threading.resolved_grainsize(spec.N)
    out["prior_only"] = int(prior_only)
    return out


def standata(
    formula: FormulaLike,
    data: pd.DataFrame,
    family: FamilyLike = "gaussian",
    prior: Priors | None = None,
    threads: Threading | None = None,
) -> dict[str, Any]:
    """The Stan data :func:`pybrms.brm` would pass, as brms's ``standata()``.

    Examples
    --------
    >>> df = pd.DataFrame({"y": [1.0, 2.5, 2.0, 4.1], "x": [1.0, 2.0, 3.0, 4.0]})
    >>> sd = standata("y ~ x", df)
    >>> sd["X"].shape, sd["Kc"]
    ((4, 2), 1)
    """
    return make_standata(build_spec(formula, data, family, prior), threads)
