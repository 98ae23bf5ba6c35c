"""Terms + data -> frozen ModelSpec, the only input of code generation and Stan data."""

from __future__ import annotations

from pybrms.spec.build import build_spec, get_prior
from pybrms.spec.families import FAMILIES, custom_family, family, mixture
from pybrms.spec.model_spec import ModelSpec
from pybrms.spec.multivariate import MvSpec, build_model

__all__ = [
    "FAMILIES",
    "ModelSpec",
    "MvSpec",
    "build_model",
    "build_spec",
    "custom_family",
    "family",
    "get_prior",
    "mixture",
]
