"""Fitted models: BrmsFit, its summary, diagnostics, predictions, ArviZ conversion and files."""

from __future__ import annotations

from pybrms.fit.brmsfit import BrmsFit
from pybrms.fit.diagnostics import SamplingWarning
from pybrms.fit.settings import SamplerSettings
from pybrms.fit.storage import FitFileError, load

__all__ = ["BrmsFit", "FitFileError", "SamplerSettings", "SamplingWarning", "load"]
