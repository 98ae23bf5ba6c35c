"""What every model build shares: the support objects, stanc and the compiler commands.

The driver object and a precompiled Stan model header (and their position-independent
twins for shared libraries: the model API object and header) are built once per
toolchain (both at once, one core each) and cached; each model then compiles only its
own translation unit (see :mod:`.programs`, which builds the models). Programs built
without optimisation (``optimize=False``) have support objects of their own: GCC uses a
precompiled header only with the optimisation level it was built with.
Both caches are content-addressed (see :mod:`pybrms.backends.cache`) and keyed
by versions and flags, not paths, so every environment shares them. Compilers
run under :mod:`pybrms.backends.launch`: none outlives an interrupted or
killed Python process.
"""

from __future__ import annotations

import json
import logging
import subprocess
from importlib import resources
from pathlib import Path

from pybrms.backends import launch
from pybrms.backends.cache import cache_root, cached_build, content_key
from pybrms.backends.embedded.toolchain import UNOPTIMIZED, Toolchain, compile_flags
from pybrms.errors import CompileError
from pybrms.progress import elapsed_bar

logger = logging.getLogger(__name__)

EXECUTABLE = "model"
INFO = "info.json"
STAN_FILE = "model.stan"
PRECOMPILED = "stan_model.hpp"
# What every stanc-generated model includes first; precompiled once.
PRECOMPILED_TEXT = "#include <stan/model/model_header.hpp>\n"


def driver_source() -> str:
    """The C++ driver's source text."""
    return resources.files("pybrms.backends.embedded").joinpath("driver.cpp").read_text()


def _level(optimize: bool) -> tuple[str, ...]:
    """What an unoptimised build adds to a content key (optimised keys are unchanged)."""
    return () if optimize else (UNOPTIMIZED,)


def support_key(toolchain: Toolchain, optimize: bool = True) -> str:
    """Content key of the driver object and precompiled header."""
    return content_key(toolchain.key, driver_source(), PRECOMPILED_TEXT, *_level(optimize))


def model_key(stan_code: str, toolchain: Toolchain, optimize: bool = True) -> str:
    """Content key of a model executable's cache entry."""
    return content_key(toolchain.key, support_key(toolchain, optimize), stan_code)


def build_support(toolchain: Toolchain, show_progress: bool, optimize: bool = True) -> Path:
    """Driver object and precompiled header for this toolchain (cached), compiled with
    ``-O3``, or ``-O0`` if not ``optimize``."""

    def build(directory: Path) -> None:
        (directory / "driver.cpp").write_text(driver_source())
        (directory / PRECOMPILED).write_text(PRECOMPILED_TEXT)
        flags = [toolchain.compiler, *compile_flags(optimize), *toolchain.include_flags]
        with elapsed_bar("Compiling the Stan driver (once)", show_progress):
            _run_support_compilers(
                [
                    ([*flags, "-c", "driver.cpp", "-o", "driver.o"], "the pybrms driver"),
                    (
                        [*flags, "-x", "c++-header", PRECOMPILED, "-o", f"{PRECOMPILED}.gch"],
                        "the precompiled Stan header",
                    ),
                ],
                directory,
            )

    entry, _ = cached_build(
        cache_root() / toolchain.key / "support",
        support_key(toolchain, optimize),
        build,
        verify_once=True,
    )
    return entry


def compile_command(
    toolchain: Toolchain,
    support: Path,
    source: str,
    output: str,
    *extra: str,
    optimize: bool = True,
) -> list[str]:
    """The compiler command for ``source`` (stanc's output, or a batch of them) with the
    precompiled header of ``support`` (built with the same ``optimize``); ``extra`` flags
    go before the sources. A header GCC refuses to use is named in the compiler's
    messages (logged at debug level)."""
    return [
        toolchain.compiler,
        *compile_flags(optimize),
        *extra,
        "-Winvalid-pch",
        *toolchain.include_flags,
        f"-I{support}",
        "-include",
        PRECOMPILED,
        "-x",
        "c++",
        source,
        "-c",
        "-o",
        output,
    ]


def read_info(entry: Path) -> dict:
    """stanc's ``--info`` JSON of a built model."""
    return json.loads((entry / INFO).read_text())


def translate(toolchain: Toolchain, directory: Path, output: Path) -> None:
    """stanc ``directory``'s program to C++ in ``output`` and its ``--info`` JSON into the
    directory; a rejected program raises CompileError with stanc's message."""
    _stanc(toolchain, ["--o", str(output)], directory)
    (directory / INFO).write_text(_stanc(toolchain, ["--info"], directory))


def _stanc(toolchain: Toolchain, arguments: list[str], directory: Path) -> str:
    result = launch.run([str(toolchain.stanc), *arguments, STAN_FILE], directory)
    if result.returncode != 0:
        raise CompileError(
            "stanc could not translate the Stan program:\n"
            + (result.stderr or result.stdout).strip()
        )
    return result.stdout


def run_compilers(jobs: list[tuple[list[str], str]], directory: Path) -> list[CompileError | None]:
    """Run compiler commands (each with what it builds) at the same time, one core each;
    return each one's error, or None."""
    for command, what in jobs:
        log_command(command, what)
    results = launch.run_all([command for command, _ in jobs], directory)
    return [compiler_error(result, what) for (_, what), result in zip(jobs, results, strict=True)]


def log_command(command: list[str], what: str) -> None:
    """Log (at debug level) the compiler command that builds ``what``."""
    logger.debug("compiling %s: %s", what, " ".join(command))


def compiler_error(result: subprocess.CompletedProcess, what: str) -> CompileError | None:
    """The error of a compiler run that built ``what`` (its messages are logged at debug
    level if it succeeded), or None."""
    if result.returncode == 0:
        if result.stderr:
            logger.debug("compiler messages on %s:\n%s", what, result.stderr)
        return None
    return CompileError(
        f"the C++ compiler failed on {what} (exit code {result.returncode}).\n"
        f"command: {' '.join(result.args)}\n{result.stderr[-6000:]}"
    )


def _run_support_compilers(jobs: list[tuple[list[str], str]], directory: Path) -> None:
    for error in run_compilers(jobs, directory):
        if error is not None:
            raise error


SHARED_LIBRARY = "model.so"
# Position-independent code for objects linked into a shared library.
PIC_FLAGS = ("-fPIC",)


def model_api_source() -> str:
    """The C interface's source text (see ``model_api.cpp``)."""
    return resources.files("pybrms.backends.embedded").joinpath("model_api.cpp").read_text()


def shared_support_key(toolchain: Toolchain, optimize: bool = True) -> str:
    """Content key of the position-independent model API object and precompiled header."""
    return content_key(
        toolchain.key, model_api_source(), PRECOMPILED_TEXT, *PIC_FLAGS, *_level(optimize)
    )


def build_shared_support(toolchain: Toolchain, show_progress: bool, optimize: bool = True) -> Path:
    """Model API object and precompiled header, both position-independent (cached),
    compiled with ``-O3``, or ``-O0`` if not ``optimize``."""

    def build(directory: Path) -> None:
        (directory / "model_api.cpp").write_text(model_api_source())
        (directory / PRECOMPILED).write_text(PRECOMPILED_TEXT)
        flags = [toolchain.compiler, *compile_flags(optimize), *PIC_FLAGS, *toolchain.include_flags]
        with elapsed_bar("Compiling the Stan model API (once)", show_progress):
            _run_support_compilers(
                [
                    ([*flags, "-c", "model_api.cpp", "-o", "model_api.o"], "the pybrms model API"),
                    (
                        [*flags, "-x", "c++-header", PRECOMPILED, "-o", f"{PRECOMPILED}.gch"],
                        "the position-independent precompiled Stan header",
                    ),
                ],
                directory,
            )

    entry, _ = cached_build(
        cache_root() / toolchain.key / "shared-support",
        shared_support_key(toolchain, optimize),
        build,
        verify_once=True,
    )
    return entry


def shared_library_key(stan_code: str, toolchain: Toolchain, optimize: bool = True) -> str:
    """Content key of a model shared library's cache entry."""
    return content_key(toolchain.key, shared_support_key(toolchain, optimize), stan_code)
