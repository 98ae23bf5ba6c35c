"""The Stan toolchain the embedded backend borrows from the httpstan wheel.

The wheel ships stanc, the Stan / Stan Math / Eigen / Boost / SUNDIALS / TBB
headers and the TBB and SUNDIALS libraries. This module finds them, checks that
the layout is the one we were built against, and names the compiler flags.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pybrms.errors import ToolchainError

SUPPORTED_HTTPSTAN = ("4.13", "4.14", "4.15", "4.16", "4.17")

# Paths inside the httpstan package that the build needs.
REQUIRED_FILES = (
    "stanc",
    "include/stan/version.hpp",
    "include/stan/services/sample/hmc_nuts_diag_e_adapt.hpp",
    "include/stan/math.hpp",
    "include/Eigen/Dense",
    "include/boost/version.hpp",
    "include/tbb/task_arena.h",
    "lib/libtbb.so.2",
    "lib/libsundials_cvodes.a",
    "lib/libsundials_idas.a",
    "lib/libsundials_kinsol.a",
    "lib/libsundials_nvecserial.a",
)

COMPILE_FLAGS = (
    "-O3",
    "-std=c++17",
    "-DSTAN_THREADS",
    "-D_REENTRANT",
    "-DBOOST_DISABLE_ASSERTS",
    "-Wno-deprecated-declarations",
    "-Wno-ignored-attributes",
)

# Without optimisation a model compiles in about 60% of the compiler time and runs
# many times slower: for programs that only evaluate the log density a few times.
UNOPTIMIZED = "-O0"


def compile_flags(optimize: bool = True) -> tuple[str, ...]:
    """:data:`COMPILE_FLAGS`, with ``-O3`` replaced by ``-O0`` if not ``optimize``.

    Examples
    --------
    >>> compile_flags(optimize=False)[0]
    '-O0'
    """
    if optimize:
        return COMPILE_FLAGS
    return tuple(UNOPTIMIZED if flag == "-O3" else flag for flag in COMPILE_FLAGS)


LINK_LIBRARIES = (
    "-ltbb",
    "-lsundials_cvodes",
    "-lsundials_idas",
    "-lsundials_kinsol",
    "-lsundials_nvecserial",
)


@dataclass(frozen=True)
class Toolchain:
    """Where stanc, the headers and the libraries are, and which versions they are."""

    root: Path
    httpstan_version: str
    stanc_version: str
    compiler: str
    compiler_version: str

    @property
    def stanc(self) -> Path:
        """The stanc3 binary."""
        return self.root / "stanc"

    @property
    def include_flags(self) -> tuple[str, ...]:
        """``-I`` flags for the bundled headers."""
        return (f"-I{self.root / 'include'}",)

    @property
    def link_flags(self) -> tuple[str, ...]:
        """Library path, libraries and rpath for linking a model executable."""
        lib = self.root / "lib"
        return (f"-L{lib}", *LINK_LIBRARIES, f"-Wl,-rpath,{lib}", "-pthread")

    @property
    def key(self) -> str:
        """Content key of everything that changes the compiled output.

        Versions and flags only, never the wheel's path: every environment with
        the same httpstan and compiler shares one driver, precompiled header and
        set of models (GCC uses a precompiled header built under another
        ``-I`` path, and models find ``libtbb`` through :attr:`runtime_env`).
        """
        text = "\n".join(
            [
                self.httpstan_version,
                self.stanc_version,
                self.compiler_version,
                " ".join(COMPILE_FLAGS),
                " ".join(LINK_LIBRARIES),
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def runtime_env(self) -> dict[str, str]:
        """Environment for running a model: this wheel's ``lib`` first on the library path.

        A model linked in another environment has that environment's ``lib`` as
        its runpath; ``LD_LIBRARY_PATH`` goes before it, so the model runs even
        after that environment is gone.
        """
        search = [str(self.root / "lib"), os.environ.get("LD_LIBRARY_PATH", "")]
        return {**os.environ, "LD_LIBRARY_PATH": os.pathsep.join(filter(None, search))}


@functools.cache
def find_toolchain() -> Toolchain:
    """Locate and check the httpstan toolchain and the C++ compiler.

    Returns
    -------
    Toolchain

    Raises
    ------
    ToolchainError
        httpstan is missing, has an unsupported version or layout, or no C++
        compiler is on the PATH.

    Examples
    --------
    >>> find_toolchain().stanc_version  # doctest: +SKIP
    'stanc3 v2.35.0'
    """
    try:
        version = importlib.metadata.version("httpstan")
    except importlib.metadata.PackageNotFoundError:
        raise ToolchainError(
            "the embedded backend needs the httpstan wheel: pip install 'httpstan>=4.13,<4.18'"
        ) from None
    if not version.startswith(SUPPORTED_HTTPSTAN):
        raise ToolchainError(
            f"httpstan {version} is not supported by the embedded backend; "
            f"supported: {', '.join(SUPPORTED_HTTPSTAN)}.x"
        )
    import httpstan

    root = Path(httpstan.__file__).parent
    missing = [name for name in REQUIRED_FILES if not (root / name).exists()]
    if missing:
        raise ToolchainError(
            f"the httpstan {version} wheel at {root} lacks {', '.join(missing)}; "
            "its layout changed, so the embedded backend cannot build models with it"
        )
    compiler = shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")
    if compiler is None:
        raise ToolchainError("no C++ compiler (g++, c++ or clang++) found on the PATH")
    return Toolchain(
        root=root,
        httpstan_version=version,
        stanc_version=_first_line([str(root / "stanc"), "--version"]),
        compiler=compiler,
        compiler_version=_first_line([compiler, "--version"]),
    )


def _first_line(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[0]
