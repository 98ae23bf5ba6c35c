"""Build Stan programs into cache entries, many programs per compiler run.

A model's translation unit spends most of its compile time instantiating and
optimising Stan's templates, and most of those instantiations are the same in every
model. So the programs missing from the cache are compiled together: one translation
unit includes each program's stanc output (the same C++ as for a program built alone)
in a namespace of its own, and what the programs share is compiled once. Each
program's entry then links that object with a shim that makes the program's
``new_model`` the one the driver (or the model API) calls; the object is compiled
with a section per function, so ``--gc-sections`` drops the other programs' code.

Up to ``batch_size`` programs share a translation unit (the compiler needs about
0.3 GB per program) and one compiler runs per core. A program stanc rejects fails
alone; when the C++ compiler rejects a batch, its programs are compiled again one at
a time, so the failing one reports its own error and the others are built. A program
compiled alone is compiled as it always was: its stanc output is the translation unit.
Entries are claimed, filled and committed through :mod:`pybrms.backends.cache`, so
other processes never see a half-built entry, and entries another process is
building are waited for, not built twice.
"""

from __future__ import annotations

import itertools
import logging
import os
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pybrms.backends.cache import cache_root, cached_build, claim_entries
from pybrms.backends.embedded.build import (
    EXECUTABLE,
    PIC_FLAGS,
    SHARED_LIBRARY,
    STAN_FILE,
    build_shared_support,
    build_support,
    compile_command,
    compiler_error,
    log_command,
    model_key,
    shared_library_key,
    translate,
)
from pybrms.backends.embedded.toolchain import Toolchain, compile_flags
from pybrms.backends.launch import Pool
from pybrms.backends.scratch import run_directory
from pybrms.errors import CompileError
from pybrms.progress import elapsed_bar

logger = logging.getLogger(__name__)

# Programs per translation unit: the compiler needs about 0.3 GB for each, and the
# share of common instantiations grows slowly beyond this.
MAX_BATCH = 8
# A section per function and per datum, so the linker can drop the other programs.
SECTION_FLAGS = ("-ffunction-sections", "-fdata-sections")
EXPORTS_FILE = "exports.map"
# A library exports its C interface only, so --gc-sections may drop everything else.
EXPORTS = "{ global: pybrms_*; local: *; };\n"

# Makes program $index of a batch object the ``new_model`` the driver and the model
# API declare; declarations only, so it compiles in a fraction of a second.
SHIM = string.Template("""\
#include <iosfwd>
namespace stan {
namespace io { class var_context; }
namespace model { class model_base; }
}  // namespace stan
namespace $namespace {
stan::model::model_base& new_model(stan::io::var_context&, unsigned int, std::ostream*);
}
stan::model::model_base& new_model(stan::io::var_context& data, unsigned int seed,
                                   std::ostream* messages) {
  return $namespace::new_model(data, seed, messages);
}
""")

Built = tuple[Path, bool]


@dataclass(frozen=True)
class Target:
    """What a program's entry holds, and what the program is compiled and linked with."""

    description: str
    entries: str  # the folder of the entries under the toolchain's cache directory
    artifact: str  # the file each entry holds
    key: Callable[[str, Toolchain, bool], str]  # Stan code, toolchain, optimize
    support: Callable[[Toolchain, bool, bool], Path]  # toolchain, show_progress, optimize
    support_object: str
    compile_flags: tuple[str, ...]
    link_flags: tuple[str, ...]


EXECUTABLE_TARGET = Target(
    description="model executable",
    entries="models",
    artifact=EXECUTABLE,
    key=model_key,
    support=build_support,
    support_object="driver.o",
    compile_flags=(),
    link_flags=("-Wl,--gc-sections",),
)
LIBRARY_TARGET = Target(
    description="model library",
    entries="shared",
    artifact=SHARED_LIBRARY,
    key=shared_library_key,
    support=build_shared_support,
    support_object="model_api.o",
    compile_flags=PIC_FLAGS,
    link_flags=("-shared", "-Wl,--gc-sections", f"-Wl,--version-script={EXPORTS_FILE}"),
)


@dataclass(frozen=True)
class _Program:
    """A program stanc translated: its entry's staging directory and its C++ file."""

    number: int
    key: str
    staging: Path

    @property
    def source(self) -> str:
        return f"program{self.number}.hpp"

    @property
    def namespace(self) -> str:
        return f"pybrms_program_{self.number}"


@dataclass(frozen=True)
class _Compile:
    """A compiler run: its programs and its object."""

    group: list[_Program]
    obj: str


@dataclass(frozen=True)
class _Link:
    """A program's link; ``shared`` if its object holds other programs too."""

    program: _Program
    shared: bool


def build_programs(
    stan_codes: Sequence[str],
    target: Target,
    toolchain: Toolchain,
    show_progress: bool,
    *,
    batch_size: int = MAX_BATCH,
    jobs: int | None = None,
    optimize: bool = True,
) -> list[Built | CompileError]:
    """Build the entries of ``stan_codes``, compiling the missing ones together.

    Parameters
    ----------
    stan_codes
        The Stan programs (duplicates are built once).
    target
        :data:`EXECUTABLE_TARGET` or :data:`LIBRARY_TARGET`.
    toolchain
        The toolchain that compiles them.
    show_progress
        Show the elapsed time while compiling.
    batch_size
        At most this many programs per translation unit.
    jobs
        Compilers at once; the number of cores this process may use by default.
    optimize
        Compile with ``-O3``; ``False`` compiles with ``-O0`` (about 60% of the
        compiler time, a much slower program) into entries of its own.

    Returns
    -------
    list
        For each program in order, its entry and whether it came from the cache, or the
        :class:`~pybrms.errors.CompileError` that stanc or the C++ compiler raised on it.

    Examples
    --------
    >>> codes = ["parameters { real a; } model { a ~ std_normal(); }",
    ...          "parameters { real b; } model { b ~ normal(1, 2); }"]
    >>> [hit for _, hit in build_programs(codes, EXECUTABLE_TARGET, find_toolchain(), False)]
    ... # doctest: +SKIP
    [False, False]
    """
    keys = [target.key(code, toolchain, optimize) for code in stan_codes]
    codes = dict(zip(keys, stan_codes, strict=True))
    directory = cache_root() / toolchain.key / target.entries
    built: dict[str, Built | CompileError] = {}
    with claim_entries(directory, keys) as claim:
        built.update({key: (entry, True) for key, entry in claim.hits.items()})
        if claim.staging:

            def commit(key: str) -> None:  # at once, so that waiting processes go on
                built[key] = (claim.commit(key), False)

            builder = _Builder(
                target, toolchain, show_progress, batch_size, jobs or _cores(), optimize
            )
            staged = {key: (codes[key], staging) for key, staging in claim.staging.items()}
            built.update(builder.build(staged, commit))
        busy = claim.busy

    def build_alone(key: str) -> Callable[[Path], None]:
        def build(staging: Path) -> None:  # cached_build commits it
            builder = _Builder(target, toolchain, show_progress, 1, 1, optimize)
            errors = builder.build({key: (codes[key], staging)}, lambda key: None)
            if errors:
                raise errors[key]

        return build

    for key in busy:  # another process builds it: wait, or build it here if that one failed
        try:
            built[key] = cached_build(directory, key, build_alone(key))
        except CompileError as error:
            built[key] = error
    return [built[key] for key in keys]


def build_program(
    stan_code: str, target: Target, toolchain: Toolchain, show_progress: bool, optimize: bool = True
) -> Built:
    """Build the entry of one program; return it and whether it came from the cache.

    The entry holds the artifact, the Stan code and stanc's ``--info`` JSON.

    Raises
    ------
    CompileError
        stanc rejected the program (its message names the line), or the C++
        compiler or linker failed.
    """
    (result,) = build_programs([stan_code], target, toolchain, show_progress, optimize=optimize)
    if isinstance(result, CompileError):
        raise result
    return result


def build_model(
    stan_code: str, toolchain: Toolchain, show_progress: bool, optimize: bool = True
) -> Built:
    """The cache entry of ``stan_code``'s executable (see :func:`build_program`)."""
    return build_program(stan_code, EXECUTABLE_TARGET, toolchain, show_progress, optimize)


def build_shared_library(
    stan_code: str, toolchain: Toolchain, show_progress: bool, optimize: bool = True
) -> Built:
    """The cache entry of ``stan_code``'s shared library with the C model API."""
    return build_program(stan_code, LIBRARY_TARGET, toolchain, show_progress, optimize)


@dataclass(frozen=True)
class _Builder:
    """Fills the staging directories of claimed entries (see :func:`build_programs`)."""

    target: Target
    toolchain: Toolchain
    show_progress: bool
    batch_size: int
    jobs: int
    optimize: bool

    def build(
        self, staged: dict[str, tuple[str, Path]], on_built: Callable[[str], None]
    ) -> dict[str, CompileError]:
        """stanc, compile and link each program (Stan code, staging directory; by key) into
        its staging directory, calling ``on_built`` with the key of each one built; return
        the errors of the programs that failed."""
        support = self.target.support(self.toolchain, self.show_progress, self.optimize)
        errors: dict[str, CompileError] = {}
        with run_directory() as scratch:
            programs = []
            for number, (key, (code, staging)) in enumerate(staged.items()):
                (staging / STAN_FILE).write_text(code)
                program = _Program(number, key, staging)
                try:
                    translate(self.toolchain, staging, scratch / program.source)
                except CompileError as error:
                    errors[key] = error
                    continue
                programs.append(program)
            (scratch / EXPORTS_FILE).write_text(EXPORTS)
            plural = f"{len(programs)} Stan models" if len(programs) > 1 else "Stan model"
            with elapsed_bar(f"Compiling {plural} ({self.target.description})", self.show_progress):
                alone = self._compile_and_link(
                    self._groups(programs), support, scratch, errors, on_built
                )
                if alone:
                    logger.info(
                        "compiling %d programs one at a time after a batch failed", len(alone)
                    )
                    self._compile_and_link([[p] for p in alone], support, scratch, errors, on_built)
        return errors

    def _groups(self, programs: list[_Program]) -> list[list[_Program]]:
        """Consecutive groups of at most ``batch_size``, in full waves of ``jobs`` if
        there are enough programs, with sizes differing by one at most."""
        if not programs:
            return []
        count = -(-len(programs) // self.batch_size)
        count = min(len(programs), -(-count // self.jobs) * self.jobs)
        size, larger = divmod(len(programs), count)
        bounds = [0, *itertools.accumulate(size + (n < larger) for n in range(count))]
        return [programs[start:end] for start, end in itertools.pairwise(bounds)]

    def _compile_and_link(
        self,
        groups: list[list[_Program]],
        support: Path,
        scratch: Path,
        errors: dict[str, CompileError],
        on_built: Callable[[str], None],
    ) -> list[_Program]:
        """Compile each group into one object and link its programs, ``jobs`` commands at
        a time, each started as soon as a core is free (a compiled group's links first,
        so that its entries are committed early); record the errors of programs compiled
        alone and return the programs of groups that failed."""
        failed_together: list[_Program] = []
        with Pool[tuple[str, _Compile | _Link]](scratch, self.jobs) as pool:
            for group in groups:
                command, what, obj = self._compile_job(group, support, scratch)
                log_command(command, what)
                pool.submit(command, (what, _Compile(group, obj)))
            for (what, step), result in pool.finished():
                error = compiler_error(result, what)
                if isinstance(step, _Compile):
                    if error is None:
                        shared = len(step.group) > 1
                        for program in reversed(step.group):  # each goes first: in order
                            command, link, _ = self._link_job(
                                program, step.obj, shared, support, scratch
                            )
                            log_command(command, link)
                            pool.submit(command, (link, _Link(program, shared)), first=True)
                    elif len(step.group) > 1:
                        logger.debug("%s failed: %s", what, error)
                        failed_together.extend(step.group)
                    else:
                        errors[step.group[0].key] = error
                elif error is None:
                    on_built(step.program.key)
                elif step.shared:
                    failed_together.append(step.program)
                else:
                    errors[step.program.key] = error
        return failed_together

    def _compile_job(
        self, group: list[_Program], support: Path, scratch: Path
    ) -> tuple[list[str], str, str]:
        """The compiler command of a group, what it builds and its object file."""
        first = group[0]
        if len(group) == 1:
            obj = f"program{first.number}.o"
            command = compile_command(
                self.toolchain,
                support,
                first.source,
                obj,
                *self.target.compile_flags,
                optimize=self.optimize,
            )
            return command, "the model", obj
        source, obj = f"batch{first.number}.cpp", f"batch{first.number}.o"
        (scratch / source).write_text(
            "".join(f'namespace {p.namespace} {{\n#include "{p.source}"\n}}\n' for p in group)
        )
        command = compile_command(
            self.toolchain,
            support,
            source,
            obj,
            *self.target.compile_flags,
            *SECTION_FLAGS,
            optimize=self.optimize,
        )
        return command, f"a batch of {len(group)} models", obj

    def _link_job(
        self, program: _Program, obj: str, shared: bool, support: Path, scratch: Path
    ) -> tuple[list[str], str, str]:
        """The linker command of a program, what it builds and its output."""
        inputs = [obj, str(support / self.target.support_object)]
        if shared:  # compiled in the same command, with the flags of the objects
            shim = f"shim{program.number}.cpp"
            (scratch / shim).write_text(SHIM.substitute(namespace=program.namespace))
            inputs = [*compile_flags(self.optimize), *self.target.compile_flags, shim, *inputs]
        output = str(program.staging / self.target.artifact)
        command = [
            self.toolchain.compiler,
            *inputs,
            "-o",
            output,
            *self.target.link_flags,
            *self.toolchain.link_flags,
        ]
        return command, f"the {self.target.description} (link)", output


def _cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
