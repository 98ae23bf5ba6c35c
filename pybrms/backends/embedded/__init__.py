"""The embedded backend: Stan's services driven by pybrms's own small C++ driver.

It needs only ``pip install``: stanc, the headers and the libraries come from the
httpstan wheel (see :mod:`.toolchain`), and each model is one executable that
runs all chains in one process on a TBB pool of ``chains * threads``.
"""

from __future__ import annotations

from pybrms.backends.embedded.build import build_model
from pybrms.backends.embedded.model import EmbeddedModel
from pybrms.backends.embedded.toolchain import find_toolchain


class EmbeddedBackend:
    """Compiles Stan programs with the httpstan toolchain (see ``compile_model``)."""

    name = "embedded"

    def compile(self, stan_code: str, *, show_progress: bool = True) -> EmbeddedModel:
        """Build (or fetch from the cache) the executable of ``stan_code``."""
        entry, from_cache = build_model(stan_code, find_toolchain(), show_progress)
        return EmbeddedModel(entry, from_cache=from_cache)


__all__ = ["EmbeddedBackend", "EmbeddedModel"]
