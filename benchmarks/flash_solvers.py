"""Time whole flash fits for every ebnm family, optionally against a reference copy of pybrms.

Run from the repository root::

    python benchmarks/flash_solvers.py                       # time this tree only
    python benchmarks/flash_solvers.py --shapes 0            # the 200 x 100 problems only
    python benchmarks/flash_solvers.py --reference DIR       # side by side with DIR/pybrms

Every fit is ``flash_init(Y, var_type=v).greedy(K, family).backfit(maxiter=B).nullcheck()``
(B = 10 by default, ``--backfit-iterations``) on a simulated rank-K problem: 200 x 100
with K = 3 and 500 x 300 with K = 5; dense, ``scipy.sparse`` (90% zeros) and with
10% missing values; var_type 0, 1 and 2; the five families (``--families`` and
``--shapes`` pick a subset, ``--diagonal`` pairs dense data with var_type 0, sparse
with 1 and missing values with 2 instead of crossing them). Capping the backfit keeps
the work of both code versions the same whatever their convergence checks decide. The
one-time setup of a process (imports, the scale-mixture grid table) is done before the
clock starts.

With ``--reference DIR`` (a directory holding another version of the ``pybrms``
package, e.g. ``git archive BASE pybrms | tar -x -C DIR``) every fit runs in two
worker processes, one per code version, one after the other, so that both see the
same machine load. With ``--repeat R`` the pair runs R times, alternating which
version goes first, and each version's shortest time counts: on a shared machine
the minimum is the time least inflated by other processes. The table then shows
both wall times, their ratio, the ratio of CPU times (this process's own CPU time,
which other processes inflate much less than the wall time) and the relative ELBO
difference; the last lines give the geometric mean ratios per family and overall.
Each worker prints one JSON record per fit.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import scipy.sparse as sp

FAMILIES = ("normal", "point_normal", "point_laplace", "point_exponential", "normal_scale_mixture")
SHAPES = ((200, 100, 3), (500, 300, 5))
KINDS = ("dense", "sparse", "missing")
VAR_TYPES = (0, 1, 2)


def simulate(n: int, p: int, K: int, kind: str) -> np.ndarray | sp.csr_matrix:
    """Nonnegative sparse loadings and factors (so every family fits), column-varying noise."""
    rng = np.random.default_rng(n * 7 + p)
    L = rng.exponential(size=(n, K)) * (rng.random((n, K)) < 0.3)
    F = rng.exponential(size=(p, K)) * 2.0
    Y = L @ F.T + rng.normal(size=(n, p)) * rng.uniform(0.5, 1.5, size=p)
    if kind == "sparse":
        return sp.csr_matrix(Y * (rng.random((n, p)) < 0.1))
    if kind == "missing":
        Y[rng.random((n, p)) < 0.1] = np.nan
    return Y


def configs(args: argparse.Namespace) -> list[tuple[tuple[int, int, int], str, int, str]]:
    shapes = [SHAPES[i] for i in args.shapes]
    if args.diagonal:  # dense with var_type 0, sparse with 1, missing values with 2
        return [
            (shape, kind, var_type, family)
            for shape in shapes
            for kind, var_type in zip(KINDS, VAR_TYPES, strict=True)
            for family in args.families
        ]
    return list(itertools.product(shapes, KINDS, VAR_TYPES, args.families))


def run_one(
    shape: tuple[int, int, int], kind: str, var_type: int, family: str, backfit_iterations: int
) -> dict:
    """Fit one configuration in this process; the time excludes simulating the data."""
    from pybrms.flash import flash_init
    from pybrms.flash.ebnm import ebnm

    ebnm(np.linspace(-2.0, 2.0, 9), 1.0, "normal_scale_mixture")  # one-time grid table
    n, p, K = shape
    Y = simulate(n, p, K, kind)
    start, cpu_start = time.perf_counter(), time.process_time()
    fit = (
        flash_init(Y, var_type=var_type, verbose=0)
        .greedy(K, family)
        .backfit(maxiter=backfit_iterations)
        .nullcheck()
    )
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    priors = [[g.pi0, g.scale] if g is not None else None for g in fit.L_ghat + fit.F_ghat]
    return {
        "shape": f"{n}x{p}",
        "kind": kind,
        "var_type": var_type,
        "family": family,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "elbo": fit.elbo,
        "K": fit.n_factors,
        "priors": priors,
    }


def worker(index: int, args: argparse.Namespace) -> None:
    print(json.dumps(run_one(*configs(args)[index], args.backfit_iterations)), flush=True)


def spawn(pythonpath: str, index: int, argv: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": pythonpath}
    cmd = [sys.executable, __file__, "--worker", str(index), *argv]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def side_by_side(reference: str, args: argparse.Namespace, argv: list[str]) -> None:
    here = str(Path(__file__).resolve().parents[1])
    print(
        f"{'problem':<30}{'family':<22}{'ref s':>8}{'new s':>8}{'ratio':>7}"
        f"{'cpu ratio':>10}{'rel dELBO':>11}"
    )
    ratios: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for i, (shape, kind, var_type, family) in enumerate(configs(args)):
        runs: dict[str, list[dict]] = {reference: [], here: []}
        for r in range(args.repeat):
            for path in (reference, here) if r % 2 == 0 else (here, reference):
                runs[path].append(spawn(path, i, argv))
        best = {
            clock: [min(run[clock] for run in runs[path]) for path in (reference, here)]
            for clock in ("seconds", "cpu_seconds")
        }
        for clock, (ref_time, new_time) in best.items():
            ratios[clock][family].append(ref_time / new_time)
        ref_elbo, new_elbo = runs[reference][0]["elbo"], runs[here][0]["elbo"]
        rel = abs(new_elbo - ref_elbo) / abs(ref_elbo)
        problem = f"{shape[0]}x{shape[1]} K={shape[2]} {kind} v{var_type}"
        ref_s, new_s = best["seconds"]
        print(
            f"{problem:<30}{family:<22}{ref_s:>8.3f}{new_s:>8.3f}"
            f"{ratios['seconds'][family][-1]:>6.2f}x{ratios['cpu_seconds'][family][-1]:>9.2f}x"
            f"{rel:>11.1e}",
            flush=True,
        )
    for clock, label in (("seconds", "wall"), ("cpu_seconds", "CPU")):
        print(f"\nspeedup (reference {label} time / new {label} time), geometric mean per family:")
        for family in args.families:
            values = ratios[clock][family]
            print(f"  {family:<22}{geometric_mean(values):>6.2f}x  (min {min(values):.2f}x)")
        every = [r for values in ratios[clock].values() for r in values]
        print(f"  {'all':<22}{geometric_mean(every):>6.2f}x")


def this_tree_only(args: argparse.Namespace) -> None:
    print(f"{'problem':<30}{'family':<22}{'s':>8}{'K':>3}{'ELBO':>16}")
    totals: dict[str, float] = defaultdict(float)
    for shape, kind, var_type, family in configs(args):
        r = run_one(shape, kind, var_type, family, args.backfit_iterations)
        totals[family] += r["seconds"]
        problem = f"{shape[0]}x{shape[1]} K={shape[2]} {kind} v{var_type}"
        print(
            f"{problem:<30}{family:<22}{r['seconds']:>8.3f}{r['K']:>3}{r['elbo']:>16.4f}",
            flush=True,
        )
    print("\ntotal seconds per family:")
    for family in args.families:
        print(f"  {family:<22}{totals[family]:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", help="directory holding the reference pybrms package")
    parser.add_argument(
        "--shapes", type=int, nargs="+", default=[0, 1], help="0: 200x100, 1: 500x300"
    )
    parser.add_argument("--families", nargs="+", default=list(FAMILIES), choices=FAMILIES)
    parser.add_argument("--backfit-iterations", type=int, default=10)
    parser.add_argument(
        "--diagonal",
        action="store_true",
        help="pair the data kinds with the var_types (dense/0, sparse/1, missing/2)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="with --reference: runs per version (the fastest counts)",
    )
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    argv = [a for a in sys.argv[1:] if a not in ("--reference", args.reference)]
    if args.worker is not None:
        worker(args.worker, args)
    elif args.reference:
        print(f"load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
        side_by_side(args.reference, args, argv)
        print(f"load at end: {os.getloadavg()[0]:.2f} (1 min)")
    else:
        this_tree_only(args)


if __name__ == "__main__":
    main()
