"""pybrms: brms-style Bayesian regression models in Python, sampled with threaded Stan NUTS."""

from __future__ import annotations

import logging

from pybrms.scheduler import Threading, threading

__version__ = "0.1.0"

# A library never configures logging output; applications do.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["Threading", "__version__", "threading"]
