"""pybrms: brms-style Bayesian regression models in Python, sampled with threaded Stan NUTS.

Examples
--------
>>> import pybrms as bm
>>> df = bm.datasets.load_epilepsy()
>>> code = bm.stancode("count ~ zAge + zBase * Trt + (1|patient)", df, family="poisson")
>>> "poisson_log_glm_lpmf" in code
True
"""

from __future__ import annotations

import logging

# The flash module, not its flash() function, so that `import pybrms.flash as fl` works.
from pybrms import datasets, flash
from pybrms._version import __version__
from pybrms.backends import precompile
from pybrms.benchmark import benchmark_reference, benchmark_threading
from pybrms.brm import brm
from pybrms.codegen import stancode
from pybrms.export import write_stan
from pybrms.fit import BrmsFit, SamplingWarning, load
from pybrms.fit.criteria import loo_compare
from pybrms.fit.from_csv import from_csv
from pybrms.formula import bf, lf, mvbf, nlf, set_rescor
from pybrms.priors import prior
from pybrms.scheduler import Threading, threading
from pybrms.spec import custom_family, family, get_prior, mixture
from pybrms.spec.stanvars import stanvar
from pybrms.standata import standata

# A library never configures logging output; applications do.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "BrmsFit",
    "Threading",
    "__version__",
    "benchmark_reference",
    "benchmark_threading",
    "bf",
    "brm",
    "custom_family",
    "datasets",
    "family",
    "from_csv",
    "mixture",
    "flash",
    "get_prior",
    "lf",
    "load",
    "loo_compare",
    "mvbf",
    "nlf",
    "precompile",
    "prior",
    "SamplingWarning",
    "set_rescor",
    "stancode",
    "standata",
    "stanvar",
    "threading",
    "write_stan",
]
