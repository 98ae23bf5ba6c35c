"""Compile time per Stan program: one program per compiler run vs many.

The programs are pybrms's own for the epilepsy data (formulas x families, plain and
threaded), the kind a test suite or a model comparison compiles. Each batch size
compiles the first programs of the same list into a fresh build cache (the driver and
precompiled header are linked from the shared cache, so they are not counted), on one
compiler process (``--jobs 2``: two at once, as ``precompile`` runs them on two cores;
the wall time then says whether both cores stay busy), and reports the CPU time (user +
sys of the compilers, stanc and linker) and the wall time per program.
``--no-optimize`` compiles with ``-O0`` (``optimize=False``, for programs that never
sample) instead of ``-O3``.

    python benchmarks/compile.py [--sizes 1 4 8 16] [--singles 2] [--no-optimize] [--jobs 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import pybrms as bm
from pybrms.backends.cache import CACHE_ENV
from pybrms.backends.embedded.build import build_support
from pybrms.backends.embedded.programs import EXECUTABLE_TARGET, build_programs
from pybrms.backends.embedded.toolchain import find_toolchain
from pybrms.errors import CompileError

FORMULAS = (
    "count ~ zAge + zBase * Trt + (1|patient)",
    "count ~ zAge + Trt + (1 + zAge|patient)",
    "count ~ zBase + (1|patient) + (1|visit)",
    "count ~ zAge * zBase + Trt",
)
FAMILIES = ("poisson", "negbinomial", "gaussian", "student", "zero_inflated_poisson")


def programs(count: int) -> list[str]:
    """``count`` distinct programs: every formula with every family, plain then threaded."""
    df = bm.datasets.load_epilepsy()
    codes = [
        bm.stancode(formula, df, family=family, threads=threads)
        for threads in (None, bm.threading(2))
        for family in FAMILIES
        for formula in FORMULAS
    ]
    if count > len(codes):
        raise SystemExit(f"at most {len(codes)} programs")
    return codes[:count]


def compile_cost(
    codes: list[str], batch_size: int, optimize: bool, jobs: int = 1
) -> tuple[float, float]:
    """(CPU seconds, wall seconds) to build ``codes`` in batches of ``batch_size``, ``jobs``
    compiler processes at once, into a fresh cache."""
    toolchain = find_toolchain()
    support = build_support(toolchain, show_progress=False, optimize=optimize)
    with tempfile.TemporaryDirectory() as root:
        (Path(root) / toolchain.key).mkdir()
        (Path(root) / toolchain.key / "support").symlink_to(support.parent)
        os.environ[CACHE_ENV] = root
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        built = build_programs(
            codes,
            EXECUTABLE_TARGET,
            toolchain,
            False,
            batch_size=batch_size,
            jobs=jobs,
            optimize=optimize,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if any(isinstance(result, CompileError) for result in built):
        raise SystemExit(f"a program did not compile: {built}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 8, 16])
    parser.add_argument("--singles", type=int, default=2, help="programs timed alone")
    parser.add_argument("--no-optimize", action="store_true", help="compile with -O0")
    parser.add_argument("--jobs", type=int, default=1, help="compiler processes at once")
    args = parser.parse_args()
    codes = programs(max(*args.sizes, args.singles))
    print("| programs per compiler run | programs | CPU s per program | wall s per program |")
    print("| --- | --- | --- | --- |")
    single = None
    for size in args.sizes:
        count = args.singles if size == 1 else size
        cpu, wall = compile_cost(codes[:count], size, not args.no_optimize, args.jobs)
        per_program = cpu / count
        single = single or (per_program if size == 1 else None)
        ratio = f" ({single / per_program:.1f}x cheaper)" if single and size > 1 else ""
        print(f"| {size} | {count} | {per_program:.1f}{ratio} | {wall / count:.1f} |", flush=True)


if __name__ == "__main__":
    main()
