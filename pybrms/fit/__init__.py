"""Fitted models: BrmsFit, its summary, predictions and ArviZ conversion."""

from __future__ import annotations

from pybrms.fit.brmsfit import BrmsFit, SamplerSettings

__all__ = ["BrmsFit", "SamplerSettings"]
