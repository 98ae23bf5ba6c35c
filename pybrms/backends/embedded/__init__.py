"""The embedded backend: Stan's services driven by pybrms's own small C++ driver.

It needs only ``pip install``: stanc, the headers and the libraries come from the
httpstan wheel (see :mod:`.toolchain`), and each model is one executable that
runs all chains in one process on a TBB pool of ``chains * threads``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pybrms.backends.base import raise_failures
from pybrms.backends.embedded.model import EmbeddedModel
from pybrms.backends.embedded.programs import EXECUTABLE_TARGET, build_model, build_programs
from pybrms.backends.embedded.toolchain import find_toolchain


class EmbeddedBackend:
    """Compiles Stan programs with the httpstan toolchain (see ``compile_model``)."""

    name = "embedded"

    def compile(
        self, stan_code: str, *, show_progress: bool = True, optimize: bool = True
    ) -> EmbeddedModel:
        """Build (or fetch from the cache) the executable of ``stan_code`` (``-O0`` if not
        ``optimize``)."""
        entry, from_cache = build_model(stan_code, find_toolchain(), show_progress, optimize)
        return EmbeddedModel(entry, from_cache=from_cache)

    def compile_many(
        self, stan_codes: Sequence[str], *, show_progress: bool = True, optimize: bool = True
    ) -> list[EmbeddedModel]:
        """Build (or fetch) the executables of ``stan_codes``, the missing ones together."""
        built = build_programs(
            stan_codes, EXECUTABLE_TARGET, find_toolchain(), show_progress, optimize=optimize
        )
        return [EmbeddedModel(entry, from_cache=hit) for entry, hit in raise_failures(built)]


__all__ = ["EmbeddedBackend", "EmbeddedModel"]
