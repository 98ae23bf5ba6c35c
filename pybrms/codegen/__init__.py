"""ModelSpec -> Stan code, rendered from the Jinja templates of the top-level ``templates/``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from pybrms.codegen.render import render
from pybrms.priors import Priors
from pybrms.scheduler import Threading
from pybrms.spec import build_model
from pybrms.spec.multivariate import ModelFamily, ModelFormula
from pybrms.spec.prior_draws import SamplePrior
from pybrms.spec.stanvars import Stanvars

__all__ = ["render", "stancode"]


def stancode(
    formula: ModelFormula,
    data: pd.DataFrame,
    family: ModelFamily = "gaussian",
    prior: Priors | None = None,
    threads: Threading | None = None,
    sample_prior: SamplePrior | bool = "no",
    normalize: bool = True,
    data2: Mapping[str, Any] | None = None,
    stanvars: Stanvars | None = None,
    knots: Mapping[str, Sequence[float]] | None = None,
) -> str:
    """The Stan program :func:`pybrms.brm` would compile, as brms's ``stancode()``.

    Parameters
    ----------
    formula, data, family, prior, sample_prior, data2, stanvars, knots
        As for :func:`pybrms.spec.build_spec`.
    threads
        A :func:`pybrms.threading` value for the ``reduce_sum`` program, or None.
    normalize
        As in :func:`pybrms.brm`.

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.5, 2.0, 4.1], "x": [1.0, 2.0, 3.0, 4.0]})
    >>> print(stancode("y ~ x", df).split("model {")[1].split("}")[0].strip())
    // likelihood including constants
      if (!prior_only) {
        target += normal_id_glm_lpdf(Y | Xc, Intercept, b, sigma);
    """
    spec = build_model(formula, data, family, prior, sample_prior, data2, stanvars, knots)
    return render(spec, threads, normalize=normalize)
