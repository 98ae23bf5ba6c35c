"""Peak memory of building and fitting a large sparse flash problem, against the matrix's size.

Run from the repository root::

    python benchmarks/flash_memory.py                 # 20,000 x 2,000, 5% nonzero
    python benchmarks/flash_memory.py --rows 5000     # smaller
    python benchmarks/flash_memory.py --sd col-noisy1 # one kind of S only

Three steps are measured with ``tracemalloc`` (numpy and scipy buffers included),
each as its peak above what was allocated before it, divided by the bytes of the
CSR matrix itself (data, indices and row pointers):

1. simulating the sparse count matrix (:func:`sparse_counts`, never dense);
2. ``flash_init`` (validation, the CSR copy, sums of squares, the first τ);
3. ``greedy(Kmax=2)`` and two backfit iterations, where the residual variance comes
   from sufficient statistics (no residual matrix is formed).

Steps 2 and 3 are repeated for standard errors given as a vector or a scalar
(``--sd``): known (``var_type=None``), a noisy variance on top of a vector ``S``
(``var_type=0``, rank-one τ; ``var_type=1`` with one sd per column, τ formed in
blocks) and the noisy Kronecker type with a scalar ``S``.  None of them may store
anything of size ``n x p``.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import scipy.sparse as sp

T = TypeVar("T")
K_TRUE = 5
Shape = tuple[int, int]

# Standard errors and var_type for each --sd case (a noisy S is about a tenth of the noise sd).
SD_CASES: dict[str, Callable[[Shape, np.random.Generator], tuple[object, object]]] = {
    "row-known": lambda shape, rng: (rng.uniform(0.5, 1.5, shape[0]), None),
    "col-noisy0": lambda shape, rng: (rng.uniform(0.05, 0.15, shape[1]), 0),
    "col-noisy1": lambda shape, rng: (rng.uniform(0.05, 0.15, shape[1]), 1),
    "scalar-kron": lambda shape, rng: (0.1, (1, 2)),
}


def sparse_counts(
    n: int, p: int, density: float, rng: np.random.Generator, chunk: int = 1000
) -> sp.csr_matrix:
    """Counts ``1 + Poisson(ℓ_i · f_j)`` at about ``density n p`` random positions.

    Rows are drawn in chunks, each row's number of nonzeros is binomial and its
    columns uniform (duplicates merged), so memory stays a small multiple of the
    result; nothing of size ``n x p`` is ever allocated.
    """
    L = rng.exponential(size=(n, K_TRUE)) * (rng.random((n, K_TRUE)) < 0.3)
    F = rng.exponential(size=(p, K_TRUE))
    blocks = []
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        counts = rng.binomial(p, density, size=stop - start)
        rows = np.repeat(np.arange(stop - start), counts)
        cols = rng.integers(0, p, size=rows.size)
        rate = np.einsum("ik,ik->i", L[start + rows], F[cols])
        values = 1.0 + rng.poisson(rate)
        block = sp.csr_matrix((values, (rows, cols)), shape=(stop - start, p))
        block.sum_duplicates()
        blocks.append(block)
    return sp.vstack(blocks, format="csr")


def peak_mb(step: Callable[[], T]) -> tuple[T, float, float]:
    """Run ``step``; its result, its tracemalloc peak above the start (MB) and seconds."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    out = step()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    return out, peak / 2**20, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--cols", type=int, default=2_000)
    parser.add_argument("--density", type=float, default=0.05)
    parser.add_argument(
        "--sd",
        choices=["none", *SD_CASES],
        nargs="*",
        default=["none", *SD_CASES],
        help="which standard errors to measure with (default: all)",
    )
    args = parser.parse_args()
    from pybrms.flash import flash_init

    rng = np.random.default_rng(7)
    print(f"load: {os.getloadavg()[0]:.2f} (1 min)")
    Y, sim_mb, sim_s = peak_mb(lambda: sparse_counts(args.rows, args.cols, args.density, rng))
    own = (Y.data.nbytes + Y.indices.nbytes + Y.indptr.nbytes) / 2**20
    print(f"{args.rows} x {args.cols} CSR, {Y.nnz:,} nonzeros: {own:.1f} MB")
    print(f"{'S, var_type':<26}{'step':<38}{'peak MB':>9}{'x matrix':>10}{'seconds':>9}")
    print(
        f"{'':<26}{'simulate (sparse_counts)':<38}{sim_mb:>9.1f}{sim_mb / own:>10.2f}{sim_s:>9.1f}"
    )
    for case in args.sd:
        S, var_type = (None, 0) if case == "none" else SD_CASES[case](Y.shape, rng)
        fit, init_mb, init_s = peak_mb(lambda: flash_init(Y, S, var_type=var_type, verbose=0))  # noqa: B023
        fitted, fit_mb, fit_s = peak_mb(lambda: fit.greedy(Kmax=2).backfit(maxiter=2))  # noqa: B023
        for step, mb, seconds in (
            ("flash_init", init_mb, init_s),
            ("greedy(Kmax=2) + backfit(maxiter=2)", fit_mb, fit_s),
        ):
            print(f"{case:<26}{step:<38}{mb:>9.1f}{mb / own:>10.2f}{seconds:>9.1f}")
        print(f"{case:<26}factors: {fitted.n_factors}, ELBO {fitted.elbo:.2f}")


if __name__ == "__main__":
    main()
