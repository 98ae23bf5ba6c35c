"""The nutpie backend: nutpie's NUTS (Rust) on the gradient of our compiled Stan model.

The Stan program is built into a shared library with pybrms's C model API
(:mod:`pybrms.backends.embedded.library`), with the same httpstan toolchain as the
embedded backend. nutpie calls the library's log density and gradient directly
through a C function pointer, so no Python runs per gradient; afterwards each
chain's draws are mapped to Stan's constrained values, transformed parameters and
generated quantities (with Stan's RNG) in C.

nutpie is an optional dependency: ``pip install 'pybrms[nutpie]'``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pybrms.backends.base import raise_failures
from pybrms.backends.embedded.programs import (
    LIBRARY_TARGET,
    build_programs,
    build_shared_library,
)
from pybrms.backends.embedded.toolchain import find_toolchain
from pybrms.backends.nutpie.model import (
    NutpieModel,
    check_supported,
    nutpie_available,
    require_nutpie,
)
from pybrms.backends.sample_args import SampleArgs


class NutpieBackend:
    """Compiles Stan programs into shared libraries that nutpie samples."""

    name = "nutpie"

    def check_sample_args(self, args: SampleArgs) -> None:
        """Reject settings nutpie cannot honour (see ``check_supported``), before compiling."""
        check_supported(args)

    def compile(
        self, stan_code: str, *, show_progress: bool = True, optimize: bool = True
    ) -> NutpieModel:
        """Build (or fetch from the cache) the shared library of ``stan_code`` (``-O0``
        if not ``optimize``).

        Raises
        ------
        ToolchainError
            nutpie is not installed (checked before compiling).

        Examples
        --------
        >>> code = "parameters { real mu; } model { mu ~ std_normal(); }"
        >>> model = NutpieBackend().compile(code)  # doctest: +SKIP
        >>> model.sample({}, chains=2).variables()["mu"].shape  # doctest: +SKIP
        (2, 1000)
        """
        require_nutpie()
        entry, from_cache = build_shared_library(
            stan_code, find_toolchain(), show_progress, optimize
        )
        return NutpieModel(entry, from_cache=from_cache)

    def compile_many(
        self, stan_codes: Sequence[str], *, show_progress: bool = True, optimize: bool = True
    ) -> list[NutpieModel]:
        """Build (or fetch) the shared libraries of ``stan_codes``, the missing ones together."""
        require_nutpie()
        built = build_programs(
            stan_codes, LIBRARY_TARGET, find_toolchain(), show_progress, optimize=optimize
        )
        return [NutpieModel(entry, from_cache=hit) for entry, hit in raise_failures(built)]


__all__ = ["NutpieBackend", "NutpieModel", "nutpie_available"]
